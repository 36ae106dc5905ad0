"""Remediations of one family: console password (pure plans, registered on import)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.audit.findings import Finding
from bot.model.snapshot import AccountSnapshot
from bot.remediation.plan import (
    ANALYZER_FINDINGS_CHECK,
    Plan,
    Remediation,
    analyzer_remediation,
    name_from_arn,
    register,
    target_param,
)


def _login_params(finding: Finding, snapshot: AccountSnapshot | None) -> dict[str, Any] | None:
    if finding.check_id == ANALYZER_FINDINGS_CHECK:
        return analyzer_remediation(finding, "delete_login_profile")
    if ":user/" not in finding.resource_arn:
        return None
    name = name_from_arn(finding.resource_arn)
    if snapshot is not None and snapshot.credential_report is not None:
        row = next((r for r in snapshot.credential_report if r.user == name), None)
        if row is not None and row.flag("password_enabled") is not True:
            return None  # an inactive user with keys only: nothing to delete here
    return {"target_kind": "user", "target_name": name}


def _login_plan(params: Mapping[str, Any]) -> Plan:
    target = target_param({**params, "target_kind": "user"})
    return Plan(
        remediation="delete_login_profile",
        target=target,
        params={"target_kind": "user", "target_name": target.name},
        summary=f"Delete the console password of inactive user {target.name}",
        steps=(f"iam:DeleteLoginProfile UserName={target.name}",),
        undo=(
            "A deleted password cannot be restored: create a new one (iam:CreateLoginProfile,"
            " with PasswordResetRequired) and hand it to the user over a safe channel."
        ),
        effect="The user can no longer sign in to the console; access keys are not touched.",
    )


register(
    Remediation(
        id="delete_login_profile",
        title="Delete the console password of an inactive user",
        changes="Removes the user's login profile (console password).",
        undo="Not reversible as such: create a new password with CreateLoginProfile.",
        aws_calls=("iam:GetLoginProfile", "iam:DeleteLoginProfile"),
        iam_actions=("iam:GetLoginProfile", "iam:DeleteLoginProfile"),
        planner=_login_plan,
        check_ids=("user.password_unused", "user.inactive", ANALYZER_FINDINGS_CHECK),
        from_finding=_login_params,
    )
)
