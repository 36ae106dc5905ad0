"""Remediations of one family: policies: attach / detach (pure plans, registered on import)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.approvals.model import Target
from bot.audit.findings import Finding
from bot.iam.document_access import document_access
from bot.model.errors import InputError
from bot.model.snapshot import AccountSnapshot
from bot.remediation.plan import (
    ADMIN_POLICY_NAMES,
    MFA_POLICY,
    TARGET_KINDS,
    Plan,
    Remediation,
    kind_from_arn,
    managed_policy_name,
    name_from_arn,
    register,
    target_param,
)


def _policy_call(verb: str, target: Target, arn: str) -> str:
    noun = target.kind.title()
    return f"iam:{verb}{noun}Policy {noun}Name={target.name} PolicyArn={arn}"


def _attach_plan(params: Mapping[str, Any]) -> Plan:
    """Attach a catalogue, custom or existing managed policy (by ARN) to a user, group or role."""
    target = target_param(params)
    policy_arn = str(params.get("policy_arn") or "")
    document = params.get("document")
    source = str(params.get("source") or ("arn" if policy_arn else ""))
    if policy_arn:
        name = name_from_arn(policy_arn)
        steps = (_policy_call("Attach", target, policy_arn),)
        created = ""
        doc = document if isinstance(document, dict) else None
    else:
        if not isinstance(document, dict):
            raise InputError("a policy document (JSON object) is needed")
        base = str(params.get("policy_name") or "custom")
        name = managed_policy_name(base, document)
        created = name
        policy_arn = ""
        doc = document
        steps = (
            f"iam:CreatePolicy PolicyName={name} (unless it exists with this content), tagged with"
            " the request id, requester and approver",
            _policy_call("Attach", target, f"<{name}>"),
        )
    clean: dict[str, Any] = {
        "target_kind": target.kind,
        "target_name": target.name,
        "source": source,
        "policy_name": str(params.get("policy_name") or name),
    }
    if policy_arn:
        clean["policy_arn"] = policy_arn
    if doc is not None:
        clean["document"] = doc
    if created:
        clean["managed_name"] = created
    undo_params = {"target_kind": target.kind, "target_name": target.name}
    undo_params["policy_arn"] = policy_arn if policy_arn else ""
    undo_params["managed_name"] = created
    return Plan(
        remediation="attach_policy",
        target=target,
        params=clean,
        summary=f"Attach policy {clean['policy_name']} to {target.describe()}",
        steps=steps,
        undo=f"Detach {name} from {target.describe()} (the Undo button asks for approval again).",
        document=doc,
        undo_change={"remediation": "detach_policy", "params": undo_params},
        impact_change={
            "kind": "attach_managed",
            "policy_arn": policy_arn,  # empty: created on apply, named policy_name
            "policy_name": name,
            "document": doc,
        },
    )


def _detach_plan(params: Mapping[str, Any]) -> Plan:
    target = target_param(params)
    policy_arn = str(params.get("policy_arn") or "")
    managed = str(params.get("managed_name") or "")
    if not policy_arn and not managed:
        raise InputError("name the policy to detach (a catalogue name, a policy name or an ARN)")
    shown = policy_arn or managed
    clean = {
        "target_kind": target.kind,
        "target_name": target.name,
        "policy_arn": policy_arn,
        "managed_name": managed,
    }
    return Plan(
        remediation="detach_policy",
        target=target,
        params=clean,
        summary=f"Detach policy {name_from_arn(shown)} from {target.describe()}",
        steps=(_policy_call("Detach", target, shown),),
        undo=f"Attach {shown} to {target.describe()} again (the Undo button asks for approval).",
        undo_change={"remediation": "attach_policy", "params": {**clean, "source": "arn"}}
        if policy_arn
        else None,
        impact_change={"kind": "detach_managed", "policy_arn": policy_arn} if policy_arn else None,
    )


def _mfa_params(finding: Finding, _snapshot: AccountSnapshot | None) -> dict[str, Any] | None:
    if ":user/" not in finding.resource_arn:
        return None
    return {
        "target_kind": "user",
        "target_name": name_from_arn(finding.resource_arn),
        "catalogue": MFA_POLICY,
    }


def _admin_detach_params(
    finding: Finding, snapshot: AccountSnapshot | None
) -> dict[str, Any] | None:
    kind = str(finding.evidence.get("identity_type") or kind_from_arn(finding.resource_arn))
    if kind not in TARGET_KINDS:
        return None
    name = str(finding.evidence.get("identity") or name_from_arn(finding.resource_arn))
    arn = str(finding.evidence.get("policy_arn") or "")
    if not arn and snapshot is not None:
        arn = direct_admin_policy(snapshot, kind, name) or ""
    if not arn:
        return None
    return {"target_kind": kind, "target_name": name, "policy_arn": arn}


def direct_admin_policy(snapshot: AccountSnapshot, kind: str, name: str) -> str | None:
    entities = {"user": snapshot.users, "group": snapshot.groups, "role": snapshot.roles}[kind]
    entity = next((e for e in entities if e.name == name), None)
    if entity is None:
        return None
    for attached in entity.attached_policies:
        if attached.name in ADMIN_POLICY_NAMES or _is_admin_policy(snapshot, attached.arn):
            return attached.arn
    return None


def _is_admin_policy(snapshot: AccountSnapshot, arn: str) -> bool:
    """The policy on its own is administrator-equivalent, as the policy engine reads it: any
    pattern spelling (``*``, ``iam:*``, ``IAM:*?``) counts, and its own Deny statements are
    honoured (``Allow *`` beside ``Deny iam:*`` is not admin)."""
    policy = next((p for p in snapshot.policies if p.arn == arn), None)
    if policy is None:
        return False
    access = document_access(policy.document, name=policy.name)
    return access is not None and access.is_admin_equivalent()


register(
    Remediation(
        id="attach_policy",
        title="Attach a policy (catalogue, custom or managed) to a user, group or role",
        changes="Creates a customer-managed policy named iam-audit-<name>-<hash> (tagged with the"
        " request id, requester and approver) unless attaching an existing ARN, then attaches it.",
        undo="Detach the policy (the Undo button); the created policy is deleted on rollback.",
        aws_calls=(
            "iam:CreatePolicy",
            "iam:GetPolicy",
            "iam:GetPolicyVersion",
            "iam:AttachUserPolicy",
            "iam:AttachGroupPolicy",
            "iam:AttachRolePolicy",
        ),
        iam_actions=(
            "iam:CreatePolicy",
            "iam:DeletePolicy",
            "iam:GetPolicy",
            "iam:GetPolicyVersion",
            "iam:TagPolicy",
            "iam:AttachUserPolicy",
            "iam:AttachGroupPolicy",
            "iam:AttachRolePolicy",
            "iam:DetachUserPolicy",
            "iam:DetachGroupPolicy",
            "iam:DetachRolePolicy",
        ),
        planner=_attach_plan,
        check_ids=("user.console_without_mfa", "user.mfa_not_enforced"),
        from_finding=_mfa_params,
    )
)
register(
    Remediation(
        id="detach_policy",
        title="Detach AdministratorAccess, an admin-equivalent or any managed policy",
        changes="Detaches the managed policy from the user, group or role; the policy remains.",
        undo="Attach it again (the Undo button, with a new approval).",
        aws_calls=(
            "iam:DetachUserPolicy",
            "iam:DetachGroupPolicy",
            "iam:DetachRolePolicy",
        ),
        iam_actions=(
            "iam:DetachUserPolicy",
            "iam:DetachGroupPolicy",
            "iam:DetachRolePolicy",
            "iam:AttachUserPolicy",
            "iam:AttachGroupPolicy",
            "iam:AttachRolePolicy",
            "iam:ListAttachedUserPolicies",
            "iam:ListAttachedGroupPolicies",
            "iam:ListAttachedRolePolicies",
        ),
        planner=_detach_plan,
        check_ids=("identity.aws_admin_attached", "principal.admin_equivalent"),
        from_finding=_admin_detach_params,
    )
)
