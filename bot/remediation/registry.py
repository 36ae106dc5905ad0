"""Look-ups over every remediation: by id, by the audit check ids they fix, the IAM actions needed.

Importing bot.remediation.fixes registers each family (one module per family, as checks are);
the look-ups below therefore always see all of them.
"""

from __future__ import annotations

from typing import Any

import bot.remediation.fixes  # noqa: F401 - registers every family by import
from bot.audit.findings import Finding
from bot.model.errors import InputError
from bot.model.snapshot import AccountSnapshot
from bot.remediation.plan import REGISTERED, Remediation

__all__ = [
    "all_remediations",
    "get_remediation",
    "params_for_finding",
    "remediable_checks",
    "required_iam_actions",
]


def all_remediations() -> dict[str, Remediation]:
    return dict(REGISTERED)


def get_remediation(remediation_id: str) -> Remediation:
    try:
        return REGISTERED[remediation_id]
    except KeyError:
        raise InputError(f"unknown remediation {remediation_id!r}") from None


def remediable_checks() -> frozenset[str]:
    """Check ids that get a "Remediate" button."""
    return frozenset(c for r in REGISTERED.values() for c in r.check_ids)


def params_for_finding(
    finding: Finding, snapshot: AccountSnapshot | None
) -> tuple[str, dict[str, Any]]:
    """(remediation id, parameters) of the first registered remediation that fits the finding."""
    candidates = [r for r in REGISTERED.values() if finding.check_id in r.check_ids]
    if not candidates:
        raise InputError(f"No remediation is available for {finding.check_id}.")
    for remediation in candidates:
        params = remediation.from_finding(finding, snapshot) if remediation.from_finding else None
        if params is not None:
            return remediation.id, params
    raise InputError(
        f"None of the remediations of {finding.check_id} fits this finding"
        f" ({finding.resource_arn}); fix it by hand: {finding.remediation or finding.title}"
    )


def required_iam_actions() -> list[str]:
    """Every IAM action any remediation needs: the bot policy must grant all of them."""
    return sorted({a for r in REGISTERED.values() for a in r.iam_actions})
