"""The Finding a check emits (severities live in bot.model.severity)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.model.severity import SEVERITIES_WORST_FIRST, Severity

__all__ = ["SEVERITIES_WORST_FIRST", "Finding", "Severity"]


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
