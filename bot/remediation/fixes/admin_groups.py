"""Remediations of one family: admin group membership (pure plans, registered on import)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.audit.findings import Finding
from bot.model.snapshot import AccountSnapshot
from bot.remediation.fixes.policies import direct_admin_policy
from bot.remediation.plan import (
    Plan,
    Remediation,
    name_from_arn,
    register,
    target_param,
    text_param,
)


def _admin_group_params(
    finding: Finding, snapshot: AccountSnapshot | None
) -> dict[str, Any] | None:
    if snapshot is None or ":user/" not in finding.resource_arn:
        return None
    user_name = name_from_arn(finding.resource_arn)
    user = next((u for u in snapshot.users if u.name == user_name), None)
    if user is None:
        return None
    for group_name in user.groups:
        if direct_admin_policy(snapshot, "group", group_name):
            return {"target_kind": "user", "target_name": user_name, "group": group_name}
    return None


def _group_plan(params: Mapping[str, Any], *, add: bool) -> Plan:
    target = target_param({**params, "target_kind": "user"})
    group = text_param(params, "group")
    clean = {"target_kind": "user", "target_name": target.name, "group": group}
    return Plan(
        remediation="add_user_to_group" if add else "remove_user_from_group",
        target=target,
        params=clean,
        summary=(
            f"Add user {target.name} to group {group}"
            if add
            else f"Remove user {target.name} from group {group}"
        ),
        steps=(
            f"iam:{'AddUserToGroup' if add else 'RemoveUserFromGroup'}"
            f" GroupName={group} UserName={target.name}",
        ),
        undo=f"{'Remove the user from' if add else 'Add the user back to'} {group} (Undo button).",
        undo_change={
            "remediation": "remove_user_from_group" if add else "add_user_to_group",
            "params": clean,
        },
        effect=f"The user {'gains' if add else 'loses'} every permission that comes from {group}.",
    )


register(
    Remediation(
        id="remove_user_from_group",
        title="Remove a user from an admin group",
        changes="Removes the user from the group; the group and its policies stay.",
        undo="Add the user back to the group (Undo button).",
        aws_calls=("iam:RemoveUserFromGroup",),
        iam_actions=("iam:RemoveUserFromGroup", "iam:AddUserToGroup", "iam:ListGroupsForUser"),
        planner=lambda p: _group_plan(p, add=False),
        check_ids=("principal.admin_equivalent",),
        from_finding=_admin_group_params,
    )
)
register(
    Remediation(
        id="add_user_to_group",
        title="Add a user to a group (undo of a removal)",
        changes="Adds the user to the group.",
        undo="Remove the user from the group.",
        aws_calls=("iam:AddUserToGroup",),
        iam_actions=("iam:AddUserToGroup", "iam:RemoveUserFromGroup", "iam:ListGroupsForUser"),
        planner=lambda p: _group_plan(p, add=True),
    )
)
