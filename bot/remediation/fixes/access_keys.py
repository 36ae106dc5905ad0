"""Remediations of one family: access keys (pure plans, registered on import)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.approvals.model import Target
from bot.audit.findings import Finding
from bot.model.errors import InputError
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


def _key_params(finding: Finding, _snapshot: AccountSnapshot | None) -> dict[str, Any] | None:
    if finding.check_id == ANALYZER_FINDINGS_CHECK:
        return analyzer_remediation(finding, "deactivate_access_key")
    slot = finding.evidence.get("key_slot")
    user = finding.evidence.get("user") or name_from_arn(finding.resource_arn)
    if not isinstance(slot, int) or not user:
        return None
    return {
        "target_kind": "user",
        "target_name": user,
        "key_slot": slot,
        "key_created": finding.evidence.get("last_rotated") or "",
    }


def _key_plan(params: Mapping[str, Any], *, activate: bool) -> Plan:
    user = target_param({**params, "target_kind": "user"}).name
    key_id = str(params.get("access_key_id") or "")
    slot = params.get("key_slot")
    if not key_id and not isinstance(slot, int):
        raise InputError("name the access key (its id, or the credential-report slot 1 or 2)")
    which = key_id or f"in slot {slot}" + (
        f" (created {params['key_created']})" if params.get("key_created") else ""
    )
    status = "Active" if activate else "Inactive"
    clean = {
        k: params[k]
        for k in ("target_kind", "target_name", "key_slot", "key_created", "access_key_id")
        if k in params
    }
    inverse = dict(clean)
    return Plan(
        remediation="activate_access_key" if activate else "deactivate_access_key",
        target=Target("user", user),
        params=clean,
        summary=f"{'Re-activate' if activate else 'Deactivate'} access key {which} of user {user}",
        steps=(f"iam:UpdateAccessKey UserName={user} AccessKeyId=<key {which}> Status={status}",),
        undo=(
            "Deactivate the key again."
            if activate
            else "Re-activate it (UpdateAccessKey Status=Active); the key itself is kept, so"
            " nothing is lost. Delete it once nobody complained."
        ),
        undo_change={
            "remediation": "deactivate_access_key" if activate else "activate_access_key",
            "params": inverse,
        },
        effect=(
            "Requests signed with this key start failing at once."
            if not activate
            else "Requests signed with this key work again."
        ),
    )


register(
    Remediation(
        id="deactivate_access_key",
        title="Deactivate an unused or old access key",
        changes="Sets the access key's status to Inactive; the key still exists.",
        undo="Set the status back to Active (the Undo button does it, with a new approval).",
        aws_calls=("iam:ListAccessKeys", "iam:UpdateAccessKey"),
        iam_actions=("iam:ListAccessKeys", "iam:UpdateAccessKey"),
        planner=lambda p: _key_plan(p, activate=False),
        check_ids=(
            "user.access_key_unused",
            "user.access_key_not_rotated",
            ANALYZER_FINDINGS_CHECK,
        ),
        from_finding=_key_params,
    )
)
register(
    Remediation(
        id="activate_access_key",
        title="Re-activate an access key (undo of a deactivation)",
        changes="Sets the access key's status to Active.",
        undo="Deactivate it again.",
        aws_calls=("iam:ListAccessKeys", "iam:UpdateAccessKey"),
        iam_actions=("iam:ListAccessKeys", "iam:UpdateAccessKey"),
        planner=lambda p: _key_plan(p, activate=True),
    )
)
