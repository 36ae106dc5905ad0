"""Severities and the Finding a check emits."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.errors import InputError


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse; used for sorting and for --min-severity / --fail-on."""
        return _RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.strip().lower())
        except ValueError:
            allowed = ", ".join(s.value for s in cls)
            raise InputError(f"unknown severity {text!r} (use one of: {allowed})") from None


_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}

SEVERITIES_WORST_FIRST: tuple[Severity, ...] = tuple(sorted(Severity, key=lambda s: -s.rank))


@dataclass(frozen=True, slots=True)
class Finding:
    """One failed check on one resource, with the evidence that made it fail."""

    check_id: str
    severity: Severity
    resource_arn: str
    resource_type: str
    title: str
    detail: str
    evidence: dict[str, Any] = field(default_factory=dict)
    remediation: str = ""

    @property
    def key(self) -> tuple[str, str]:
        """Identity of a finding across reports (used for dedupe, diffs and suppressions)."""
        return (self.check_id, self.resource_arn)

    def to_dict(self) -> dict[str, Any]:
        return {
            "check_id": self.check_id,
            "severity": self.severity.value,
            "resource_arn": self.resource_arn,
            "resource_type": self.resource_type,
            "title": self.title,
            "detail": self.detail,
            "evidence": self.evidence,
            "remediation": self.remediation,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(
            check_id=data["check_id"],
            severity=Severity.parse(data["severity"]),
            resource_arn=data["resource_arn"],
            resource_type=data["resource_type"],
            title=data["title"],
            detail=data["detail"],
            evidence=dict(data.get("evidence") or {}),
            remediation=data.get("remediation", ""),
        )
