"""The Report: what an audit found, in the public `iam-audit/report/1` shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.audit.findings import SEVERITIES_WORST_FIRST, Finding, Severity
from bot.model.errors import InputError
from bot.model.snapshot import parse_aws_time

REPORT_SCHEMA = "iam-audit/report/1"


@dataclass(frozen=True, slots=True)
class ReportError:
    """A check that crashed or data that could not be collected; never a silent pass."""

    kind: str  # "collection" | "check"
    message: str
    api: str = ""
    action: str = ""
    check_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "message": self.message}
        for key in ("api", "action", "check_id"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out


@dataclass(frozen=True, slots=True)
class SkippedCheck:
    check_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class SuppressedFinding:
    check_id: str
    resource_arn: str
    severity: Severity
    reason: str
    expires: str | None = None


@dataclass(frozen=True, slots=True)
class Report:
    account_id: str
    generated_at: datetime
    source: str
    findings: tuple[Finding, ...]
    errors: tuple[ReportError, ...] = ()
    checks: tuple[str, ...] = ()
    skipped: tuple[SkippedCheck, ...] = ()
    suppressed: tuple[SuppressedFinding, ...] = ()
    snapshot_collected_at: datetime | None = None
    tool_version: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_demo(self) -> bool:
        return self.source == "demo"

    def summary(self) -> dict[str, int]:
        counts = {s.value: 0 for s in SEVERITIES_WORST_FIRST}
        for finding in self.findings:
            counts[finding.severity.value] += 1
        return counts

    def worst_severity(self) -> Severity | None:
        return max((f.severity for f in self.findings), key=lambda s: s.rank, default=None)

    def filtered(self, min_severity: Severity) -> Report:
        """The same report keeping only findings at or above ``min_severity``."""
        kept = tuple(f for f in self.findings if f.severity.rank >= min_severity.rank)
        return _replace_findings(self, kept)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": REPORT_SCHEMA,
            "account_id": self.account_id,
            "generated_at": self.generated_at.isoformat(),
            "source": self.source,
            "snapshot_collected_at": (
                self.snapshot_collected_at.isoformat() if self.snapshot_collected_at else None
            ),
            "tool_version": self.tool_version,
            "findings": [f.to_dict() for f in self.findings],
            "errors": [e.to_dict() for e in self.errors],
            "summary": self.summary(),
            "checks": list(self.checks),
            "skipped": [{"check_id": s.check_id, "reason": s.reason} for s in self.skipped],
            "suppressed": {
                "count": len(self.suppressed),
                "findings": [
                    {
                        "check_id": s.check_id,
                        "resource_arn": s.resource_arn,
                        "severity": s.severity.value,
                        "reason": s.reason,
                        "expires": s.expires,
                    }
                    for s in self.suppressed
                ],
            },
            **({"extra": self.extra} if self.extra else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        if not isinstance(data, dict) or data.get("schema") != REPORT_SCHEMA:
            raise InputError(f"not an iam-audit report (expected schema {REPORT_SCHEMA!r})")
        try:
            return cls(
                account_id=data["account_id"],
                generated_at=parse_aws_time(data["generated_at"]),  # type: ignore[arg-type]
                source=data["source"],
                findings=tuple(Finding.from_dict(f) for f in data["findings"]),
                errors=tuple(ReportError(**e) for e in data.get("errors", [])),
                checks=tuple(data.get("checks", [])),
                skipped=tuple(SkippedCheck(**s) for s in data.get("skipped", [])),
                suppressed=tuple(
                    SuppressedFinding(
                        s["check_id"],
                        s["resource_arn"],
                        Severity.parse(s["severity"]),
                        s["reason"],
                        s.get("expires"),
                    )
                    for s in (data.get("suppressed") or {}).get("findings", [])
                ),
                snapshot_collected_at=parse_aws_time(data.get("snapshot_collected_at")),
                tool_version=data.get("tool_version", ""),
                extra=dict(data.get("extra") or {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"report is malformed: {exc}") from exc


def _replace_findings(report: Report, findings: tuple[Finding, ...]) -> Report:
    from dataclasses import replace  # noqa: PLC0415 - keep the module surface small

    return replace(report, findings=findings)
