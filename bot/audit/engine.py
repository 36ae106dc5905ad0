"""Run the registered checks over a snapshot and assemble the Report."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from bot import __version__
from bot.audit.config import AuditConfig
from bot.audit.findings import Finding
from bot.audit.registry import (
    REQUIREMENT_HINTS,
    CheckContext,
    CheckSkipped,
    RegisteredCheck,
    all_checks,
)
from bot.audit.report import Report, ReportError, SkippedCheck, SuppressedFinding
from bot.model.collector import gc_paused
from bot.model.errors import InputError
from bot.model.snapshot import AccountSnapshot

log = logging.getLogger(__name__)

# An audit of a large account allocates millions of small, long-lived objects (policy caches,
# findings). The cyclic collector kept re-scanning them: a third of the CPU time of a
# 10,000-principal audit at the default threshold, still a tenth at a 50,000 one. An audit
# creates almost no cyclic garbage (the permission index, its one cycle, is released
# explicitly), so the collector is paused while one runs and catches up afterwards.


def select_checks(only: Iterable[str] | None, config: AuditConfig) -> list[RegisteredCheck]:
    """The checks to run: all (minus disabled), or exactly the ids asked for."""
    registry = all_checks()
    if only:
        wanted = list(dict.fromkeys(only))
        unknown = [check_id for check_id in wanted if check_id not in registry]
        if unknown:
            raise InputError(
                f"unknown check id(s): {', '.join(unknown)} (see `iam-audit checks` for the list)"
            )
        return [registry[check_id] for check_id in wanted]
    return [c for c in registry.values() if c.meta.id not in config.disabled_checks]


def missing_requirement(check: RegisteredCheck, snapshot: AccountSnapshot) -> str | None:
    for requirement in check.meta.requires:
        if requirement == "authorization_details":
            present = snapshot.has_authorization_details
        else:
            present = getattr(snapshot, requirement) is not None
        if not present:
            return f"needs {REQUIREMENT_HINTS[requirement]}, which this input does not have"
    return None


def run_audit(
    snapshot: AccountSnapshot,
    *,
    config: AuditConfig | None = None,
    now: datetime,
    only: Iterable[str] | None = None,
    shared: dict | None = None,
) -> Report:
    """Evaluate every selected check; a crashing check becomes an error entry, not a crash."""
    config = config or AuditConfig()
    checks = select_checks(only, config)
    context = CheckContext(
        snapshot=snapshot, config=config, now=now, shared={} if shared is None else shared
    )
    findings: dict[tuple[str, str], Finding] = {}
    errors = [
        ReportError("collection", issue.message, api=issue.api, action=issue.action)
        for issue in snapshot.collection_issues
    ]
    ran: list[str] = []
    skipped: list[SkippedCheck] = []
    with gc_paused():
        for check in checks:
            reason = missing_requirement(check, snapshot)
            if reason:
                skipped.append(SkippedCheck(check.meta.id, reason))
                continue
            try:
                produced = list(check.run(context.for_check(check.meta)))
            except CheckSkipped as skip:  # its data could not be read: say why, judge nothing
                skipped.append(SkippedCheck(check.meta.id, str(skip)))
                continue
            except Exception as exc:  # a broken check must be visible, never a silent pass
                # The report carries the error; the traceback is for -vv, not for every CLI run.
                log.error(
                    "check %s failed: %s",
                    check.meta.id,
                    exc,
                    exc_info=log.isEnabledFor(logging.DEBUG),
                )
                errors.append(
                    ReportError("check", f"{type(exc).__name__}: {exc}", check_id=check.meta.id)
                )
                continue
            ran.append(check.meta.id)
            for finding in produced:
                findings.setdefault(finding.key, finding)
    if shared is None:  # the caches are ours and no longer needed: give their memory back now
        release_shared(context.shared)

    kept, suppressed = apply_suppressions(findings.values(), config, now)
    kept.sort(key=lambda f: (-f.severity.rank, f.check_id, f.resource_arn))
    return Report(
        account_id=snapshot.account_id,
        generated_at=now,
        source=snapshot.source,
        findings=tuple(kept),
        errors=tuple(errors),
        checks=tuple(ran),
        skipped=tuple(skipped),
        suppressed=tuple(suppressed),
        snapshot_collected_at=snapshot.collected_at,
        tool_version=__version__,
        extra=dict(context.shared.get("report_extra", {})),
    )


def release_shared(shared: dict) -> None:
    """Drop the checks' shared caches but ``report_extra``. A cache that references itself (the
    permission index) offers ``release()`` to break the cycle, so its memory returns at once
    instead of at the collector's next full pass, while the report is being rendered."""
    extra = shared.get("report_extra")
    for value in shared.values():
        release = getattr(value, "release", None)
        if callable(release):
            release()
    shared.clear()
    if extra is not None:
        shared["report_extra"] = extra


def apply_suppressions(
    findings: Iterable[Finding], config: AuditConfig, now: datetime
) -> tuple[list[Finding], list[SuppressedFinding]]:
    """Split findings into kept and muted; expired suppressions no longer mute anything."""
    active = [s for s in config.suppressions if s.is_active(now)]
    kept: list[Finding] = []
    muted: list[SuppressedFinding] = []
    for finding in findings:
        rule = next((s for s in active if s.matches(finding)), None)
        if rule is None:
            kept.append(finding)
        else:
            muted.append(
                SuppressedFinding(
                    finding.check_id,
                    finding.resource_arn,
                    finding.severity,
                    rule.reason,
                    rule.expires.isoformat() if rule.expires else None,
                )
            )
    return kept, muted
