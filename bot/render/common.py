"""What every report renderer shares: options, severity grouping, safe text for AWS strings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.audit.findings import SEVERITIES_WORST_FIRST, Finding, Severity
from bot.audit.registry import CheckMeta
from bot.audit.report import Report

Catalogue = Mapping[str, CheckMeta]

# C0/C1 control characters except tab, newline and carriage return (each format handles line
# breaks itself), so that an AWS string (a tag, a policy Sid) cannot move the cursor, recolour or
# clear a terminal or a CI log.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """Presentation choices made at the edge (the CLI), so the renderers stay pure.

    ``color``: ANSI colour in the text format (the CLI decides from the TTY and NO_COLOR).
    ``min_severity``: the ``--min-severity`` the report was filtered with, and
    ``hidden_findings``: how many findings that filter removed, so the output can say so.
    ``artifact_uri``: SARIF only; put every result on this repository file instead of the
    per-resource ``iam/<account>/<resource>`` paths.
    ``totals``: counts by severity before that filter; the text and Markdown summaries show
    them, so "0 high" never stands for "high findings hidden".
    """

    color: bool = False
    min_severity: Severity | None = None
    hidden_findings: int = 0
    artifact_uri: str | None = None
    totals: Mapping[str, int] | None = None


def without_control_chars(text: str) -> str:
    """The text with terminal control characters replaced by U+FFFD (newlines and tabs kept)."""
    return _CONTROL.sub("\N{REPLACEMENT CHARACTER}", text)


def one_line(text: str) -> str:
    """The text on a single line: newlines become spaces, control characters are neutralised."""
    return " ".join(without_control_chars(text).split())


def findings_by_severity(report: Report) -> list[tuple[Severity, list[Finding]]]:
    """Findings grouped worst severity first, each group ordered by check id then resource."""
    groups: list[tuple[Severity, list[Finding]]] = []
    for severity in SEVERITIES_WORST_FIRST:
        members = sorted(
            (f for f in report.findings if f.severity is severity),
            key=lambda f: (f.check_id, f.resource_arn),
        )
        if members:
            groups.append((severity, members))
    return groups


def checks_with_findings(report: Report) -> list[str]:
    """Check ids that produced at least one finding, in first-seen (worst-first) order."""
    return list(dict.fromkeys(f.check_id for f in report.findings))


def remediation_for(check_id: str, report: Report, catalogue: Catalogue) -> str:
    """The catalogue's remediation for a check, else the one the finding carried."""
    meta = catalogue.get(check_id)
    if meta is not None and meta.remediation:
        return meta.remediation
    return next((f.remediation for f in report.findings if f.check_id == check_id), "")


def skipped_by_reason(report: Report) -> list[tuple[str, list[str]]]:
    """Skipped check ids grouped by their reason, in first-seen order.

    A GAAD without a credential report skips a dozen checks for one reason; saying it once
    keeps the list readable.
    """
    groups: dict[str, list[str]] = {}
    for skipped in report.skipped:
        groups.setdefault(skipped.reason, []).append(skipped.check_id)
    return list(groups.items())


def summary_counts(report: Report, options: RenderOptions | None = None) -> dict[str, int]:
    """Findings by severity of the whole audit: ``options.totals`` when the report shown was
    filtered by --min-severity, else the report's own counts."""
    counts = report.summary()
    if options is not None and options.totals is not None:
        counts.update(
            {s.value: int(options.totals.get(s.value, 0)) for s in SEVERITIES_WORST_FIRST}
        )
    return counts


def summary_phrase(report: Report, options: RenderOptions | None = None) -> str:
    """'2 critical, 1 high, 0 medium, 0 low, 0 info' in worst-first order."""
    counts = summary_counts(report, options)
    return ", ".join(f"{counts[s.value]} {s.value}" for s in SEVERITIES_WORST_FIRST)


def demo_banner() -> str:
    return (
        "DEMO DATA: a fictional account built in-process (moto); "
        "no real AWS account was read and nothing here is about your account."
    )


def no_findings_line(options: RenderOptions) -> str:
    """'No findings.', unless --min-severity hid some: then only none at that level."""
    if options.min_severity is not None and options.hidden_findings:
        return f"No findings of severity {options.min_severity.value} or above."
    return "No findings."


def filter_note(options: RenderOptions) -> str:
    """'showing only severity high and above (12 lower findings not shown)', or ''."""
    if options.min_severity is None:
        return ""
    note = f"showing only severity {options.min_severity.value} and above"
    if options.hidden_findings:
        count = options.hidden_findings
        note += f" ({count} lower-severity finding{'' if count == 1 else 's'} not shown)"
    return note


def scp_summary(summary: object) -> list[str]:
    """Which service control policies the findings take into account, and which they do not,
    as report lines (unescaped: each renderer makes them safe). A reader of a member account's
    report must know whether "can do X" already heard the organization's Denies."""
    if not isinstance(summary, dict):
        return []
    applied = [str(name) for name in summary.get("applied") or ()]
    lines = [f"Service control policies applied: {len(applied)}"]
    lines += [f"  - {name}" for name in applied]
    lines += [f"  not applied: {note}" for note in summary.get("not_applied") or ()]
    return lines


def rcp_summary(summary: object) -> list[str]:
    """Which resource control policies the trust findings take into account (a role whose
    trust they close to outsiders is not reported as open), and which they do not, as report
    lines (unescaped, as scp_summary's)."""
    if not isinstance(summary, dict):
        return []
    applied = [str(name) for name in summary.get("applied") or ()]
    read = summary.get("read") or ()
    lines = [f"Resource control policies read: {len(read)}; applied to role trusts: {len(applied)}"]
    lines += [f"  - {name}" for name in applied]
    lines += [f"  not applied: {note}" for note in summary.get("not_applied") or ()]
    return lines
