"""What the linter reports: stable codes, their default severities, and the finding record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bot.audit.findings import Severity

PolicyType = Literal["identity", "resource", "trust", "scp", "boundary"]
POLICY_TYPES: tuple[str, ...] = ("identity", "resource", "trust", "scp", "boundary")

MALFORMED = "MALFORMED"
UNKNOWN_SERVICE = "UNKNOWN_SERVICE"
UNKNOWN_ACTION = "UNKNOWN_ACTION"
RESOURCE_MISMATCH = "RESOURCE_MISMATCH"
UNKNOWN_CONDITION_KEY = "UNKNOWN_CONDITION_KEY"
CONDITION_TYPE_MISMATCH = "CONDITION_TYPE_MISMATCH"
NOT_ACTION_ALLOW = "NOT_ACTION_ALLOW"
WILDCARD_SENSITIVE = "WILDCARD_SENSITIVE"
REDUNDANT_STATEMENT = "REDUNDANT_STATEMENT"
MFA_LOCKOUT = "MFA_LOCKOUT"

# Code -> (default severity, one line on why it matters). Rules may lower or raise a severity
# for a particular finding (a condition that scopes a wildcard, an advisory-only type issue).
CODES: dict[str, tuple[Severity, str]] = {
    MALFORMED: (Severity.HIGH, "IAM rejects the document, or ignores part of it"),
    UNKNOWN_SERVICE: (Severity.MEDIUM, "the action names a service AWS does not have"),
    UNKNOWN_ACTION: (Severity.MEDIUM, "the action does not exist, so it grants or denies nothing"),
    RESOURCE_MISMATCH: (
        Severity.MEDIUM,
        "the action never applies to the Resource given, so the statement does not do its job",
    ),
    UNKNOWN_CONDITION_KEY: (
        Severity.MEDIUM,
        "the condition key is never present, so the condition never matches as intended",
    ),
    CONDITION_TYPE_MISMATCH: (
        Severity.MEDIUM,
        "the operator or value does not fit the key's type, so the condition misbehaves",
    ),
    NOT_ACTION_ALLOW: (
        Severity.MEDIUM,
        "Allow with NotAction grants every other action, including ones AWS adds later",
    ),
    WILDCARD_SENSITIVE: (
        Severity.MEDIUM,
        "write or permissions-management actions are granted on every resource",
    ),
    REDUNDANT_STATEMENT: (Severity.LOW, "the statement adds nothing another statement grants"),
    MFA_LOCKOUT: (
        Severity.HIGH,
        "users without MFA are also denied what they need to set MFA up, so they are locked out",
    ),
}


@dataclass(frozen=True, slots=True)
class LintFinding:
    """One problem in one policy; `statement` is the 0-based index, None for the whole document."""

    code: str
    severity: Severity
    statement: int | None
    message: str
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "statement": self.statement,
            "message": self.message,
            "detail": self.detail,
        }


def finding(
    code: str,
    statement: int | None,
    message: str,
    detail: dict[str, Any] | None = None,
    *,
    severity: Severity | None = None,
) -> LintFinding:
    """A finding with its code's default severity unless the rule chose another."""
    return LintFinding(code, severity or CODES[code][0], statement, message, detail or {})


def sort_key(item: LintFinding) -> tuple[int, int, str, str]:
    """Document-level first, then by statement; worst first within a statement."""
    index = -1 if item.statement is None else item.statement
    return (index, -item.severity.rank, item.code, item.message)
