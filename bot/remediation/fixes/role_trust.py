"""Remediations of one family: role trust (pure plans, registered on import)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.audit.findings import Finding
from bot.model.errors import InputError
from bot.model.snapshot import AccountSnapshot
from bot.remediation.plan import (
    Plan,
    Remediation,
    name_from_arn,
    register,
    target_param,
)


def tighten_trust(document: Mapping[str, Any], account_root: str) -> dict[str, Any]:
    """The trust policy with every Allow to any principal ('*') narrowed to the account root."""
    result = json.loads(json.dumps(document))
    statements = result.get("Statement", [])
    items = [statements] if isinstance(statements, dict) else statements
    for statement in items:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        if principal == "*":
            statement["Principal"] = {"AWS": account_root}
        elif isinstance(principal, dict) and "AWS" in principal:
            aws = principal["AWS"]
            values = [aws] if isinstance(aws, str) else list(aws)
            narrowed = [account_root if v == "*" else v for v in values]
            narrowed = list(dict.fromkeys(narrowed))
            principal["AWS"] = narrowed[0] if len(narrowed) == 1 else narrowed
    return result


def _trust_params(finding: Finding, snapshot: AccountSnapshot | None) -> dict[str, Any] | None:
    if snapshot is None:
        return None
    name = name_from_arn(finding.resource_arn)
    role = next((r for r in snapshot.roles if r.name == name), None)
    if role is None:
        return None
    root = f"arn:{snapshot.partition}:iam::{snapshot.account_id}:root"
    new = tighten_trust(role.trust_policy, root)
    if new == role.trust_policy:
        return None
    return {
        "target_kind": "role",
        "target_name": name,
        "old_document": role.trust_policy,
        "document": new,
    }


def _trust_plan(params: Mapping[str, Any]) -> Plan:
    target = target_param({**params, "target_kind": "role"})
    new = params.get("document")
    old = params.get("old_document")
    if not isinstance(new, dict):
        raise InputError("the new trust policy (JSON object) is needed")
    clean = {"target_kind": "role", "target_name": target.name, "document": new}
    if isinstance(old, dict):
        clean["old_document"] = old
    return Plan(
        remediation="update_role_trust",
        target=target,
        params=clean,
        summary=f"Replace the trust policy of role {target.name}",
        steps=(
            f"iam:UpdateAssumeRolePolicy RoleName={target.name}"
            " PolicyDocument=<the document below>",
        ),
        undo="Put the previous trust policy back (Undo button; it is kept with this request).",
        document=new,
        diff=policy_diff(old, new) if isinstance(old, dict) else "",
        undo_change={
            "remediation": "update_role_trust",
            "params": {
                "target_kind": "role",
                "target_name": target.name,
                "document": old,
                "old_document": new,
            },
        }
        if isinstance(old, dict)
        else None,
        effect="Only the principals the new trust policy names can assume the role.",
    )


def policy_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    import difflib  # noqa: PLC0415 - only here

    before = json.dumps(old, indent=2, sort_keys=True).splitlines()
    after = json.dumps(new, indent=2, sort_keys=True).splitlines()
    return "\n".join(difflib.unified_diff(before, after, "current", "proposed", lineterm="", n=2))


register(
    Remediation(
        id="update_role_trust",
        title="Tighten a role trust policy that allows any principal (*)",
        changes="Replaces the role's trust policy: '*' principals become the account root, so only"
        " principals of this account whose own policies allow sts:AssumeRole can assume it.",
        undo="Put the old trust policy back (Undo button).",
        aws_calls=("iam:GetRole", "iam:UpdateAssumeRolePolicy"),
        iam_actions=("iam:GetRole", "iam:UpdateAssumeRolePolicy"),
        planner=_trust_plan,
        check_ids=("role.trust_any_principal",),
        from_finding=_trust_params,
    )
)
