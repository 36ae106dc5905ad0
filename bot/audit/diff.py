"""The delta between two reports: what is new, what was resolved, what stayed (pure).

Findings are matched by their identity across reports, ``(check_id, resource_arn)``, so a finding
whose wording or evidence changed is still the same finding; a severity change is reported on its
own because it is news even when the finding is not new.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.audit.findings import SEVERITIES_WORST_FIRST, Finding, Severity
from bot.audit.report import Report

FindingKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class SeverityChange:
    """A finding present in both reports whose severity moved (config or evidence changed)."""

    finding: Finding  # as in the current report
    before: Severity

    @property
    def worse(self) -> bool:
        return self.finding.severity.rank > self.before.rank


@dataclass(frozen=True, slots=True)
class ReportDiff:
    """new / resolved / unchanged partition the union of both reports' finding keys."""

    new: tuple[Finding, ...]
    resolved: tuple[Finding, ...]  # as they were in the previous report
    unchanged: tuple[Finding, ...]  # as they are in the current report
    severity_changes: tuple[SeverityChange, ...]
    first: bool = False  # no previous report: everything is "new" but it is not news

    @property
    def empty(self) -> bool:
        """Nothing happened since the previous report."""
        return not self.new and not self.resolved and not self.severity_changes

    def open_by_severity(self) -> dict[str, int]:
        """Every finding still open (new + unchanged), counted per severity, worst first."""
        counts = {s.value: 0 for s in SEVERITIES_WORST_FIRST}
        for finding in (*self.new, *self.unchanged):
            counts[finding.severity.value] += 1
        return counts


def _worst_first(findings: list[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda f: (-f.severity.rank, f.check_id, f.resource_arn)))


def _by_key(findings: tuple[Finding, ...]) -> dict[FindingKey, Finding]:
    # A check may (wrongly) report one resource twice; keep the worst so nothing is understated.
    keyed: dict[FindingKey, Finding] = {}
    for finding in findings:
        seen = keyed.get(finding.key)
        if seen is None or finding.severity.rank > seen.severity.rank:
            keyed[finding.key] = finding
    return keyed


def diff_reports(previous: Report | None, current: Report) -> ReportDiff:
    """What changed from ``previous`` to ``current``; with no previous report all is new."""
    now = _by_key(current.findings)
    if previous is None:
        return ReportDiff(_worst_first(list(now.values())), (), (), (), first=True)
    before = _by_key(previous.findings)
    new = [f for key, f in now.items() if key not in before]
    resolved = [f for key, f in before.items() if key not in now]
    unchanged = [f for key, f in now.items() if key in before]
    changes = [
        SeverityChange(f, before[f.key].severity)
        for f in unchanged
        if before[f.key].severity is not f.severity
    ]
    changes.sort(key=lambda c: (-c.finding.severity.rank, c.finding.check_id))
    return ReportDiff(
        _worst_first(new), _worst_first(resolved), _worst_first(unchanged), tuple(changes)
    )
