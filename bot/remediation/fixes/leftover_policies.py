"""Remediations of one family: a policy iam-audit created and left unattached.

An interrupted apply leaves one; the reconciler proposes deleting it. Pure plans, registered on
import.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.approvals.model import Target
from bot.model.errors import InputError
from bot.remediation.plan import (
    Plan,
    Remediation,
    name_from_arn,
    register,
    text_param,
)


def _delete_policy_plan(params: Mapping[str, Any]) -> Plan:
    arn = text_param(params, "policy_arn")
    name = name_from_arn(arn)
    if ":policy/" not in arn or not name.startswith("iam-audit-"):
        raise InputError("the bot deletes only policies it created itself (named iam-audit-...)")
    return Plan(
        remediation="delete_policy",
        target=Target("policy", name, arn),
        params={"policy_arn": arn},
        summary=f"Delete the unattached policy {name} that iam-audit created",
        steps=(f"iam:DeletePolicy PolicyArn={arn} (AWS refuses it while the policy is attached)",),
        undo="Request the same document again: attaching it creates the policy anew.",
        effect="Nobody loses access: the policy is attached to no user, group or role.",
    )


register(
    Remediation(
        id="delete_policy",
        title="Delete an unattached policy iam-audit created",
        changes="Deletes the customer-managed policy (left behind by a partly applied change).",
        undo="Request the same document again (it creates the policy anew).",
        aws_calls=("iam:GetPolicy", "iam:DeletePolicy"),
        iam_actions=("iam:GetPolicy", "iam:DeletePolicy"),
        planner=_delete_policy_plan,
    )
)
