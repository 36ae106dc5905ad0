"""The registry of remediations, keyed by id and by the audit check ids they fix (pure).

Each remediation declares its AWS calls, what it changes, how to undo it and the IAM actions the
bot needs for it (a test keeps the shipped bot policy in step), and turns parameters into a
:class:`Plan`: the exact thing an approver approves. The I/O half (boto3) lives in
bot/aws/remediate.py and is keyed by the same ids.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.approvals.model import Target
from bot.audit.analyzer_view import remediation_for
from bot.audit.findings import Finding
from bot.audit.model import AccountSnapshot, AnalyzerFinding
from bot.errors import InputError
from bot.iam.document_access import document_access

POLICY_PREFIX = "iam-audit-"
ANALYZER_NAME = "iam-audit-analyzer"
ADMIN_POLICY_NAMES = frozenset({"AdministratorAccess", "IAMFullAccess"})
MFA_POLICY = "mfa-self-service-enforce"
TARGET_KINDS = ("user", "group", "role")
MAX_SIMULATED_MEMBERS = 3
# The audit check that reports each active IAM Access Analyzer finding (bot/audit/checks/analyzer).
ANALYZER_FINDINGS_CHECK = "analyzer.active_findings"


@dataclass(frozen=True, slots=True)
class Plan:
    """One concrete change: target, parameters, the text shown, and how to build its undo."""

    remediation: str
    target: Target
    params: dict[str, Any]
    summary: str
    steps: tuple[str, ...]
    undo: str
    document: dict[str, Any] | None = None
    diff: str = ""
    # The inverse change as {"remediation": id, "params": {...}}; None when AWS cannot undo it.
    undo_change: dict[str, Any] | None = None
    # For the simulated impact: a bot.iam.impact PolicyChange as a dict, when one applies.
    impact_change: dict[str, Any] | None = None
    effect: str = ""  # plain-words effect when the impact engine has nothing to simulate

    @property
    def change(self) -> dict[str, Any]:
        return {"remediation": self.remediation, "params": self.params}


Planner = Callable[[Mapping[str, Any]], Plan]
FindingMatcher = Callable[[Finding, AccountSnapshot | None], "dict[str, Any] | None"]


@dataclass(frozen=True, slots=True)
class Remediation:
    id: str
    title: str
    changes: str
    undo: str
    aws_calls: tuple[str, ...]
    iam_actions: tuple[str, ...]
    planner: Planner
    check_ids: tuple[str, ...] = ()
    # Finding -> parameters of the plan, or None when this remediation does not fit that finding.
    from_finding: FindingMatcher | None = None
    tags: tuple[str, ...] = field(default=())

    def plan(self, params: Mapping[str, Any]) -> Plan:
        return self.planner(params)


_REGISTRY: dict[str, Remediation] = {}


def register(remediation: Remediation) -> Remediation:
    if remediation.id in _REGISTRY:
        raise ValueError(f"remediation {remediation.id!r} registered twice")
    _REGISTRY[remediation.id] = remediation
    return remediation


def all_remediations() -> dict[str, Remediation]:
    return dict(_REGISTRY)


def get_remediation(remediation_id: str) -> Remediation:
    try:
        return _REGISTRY[remediation_id]
    except KeyError:
        raise InputError(f"unknown remediation {remediation_id!r}") from None


def remediable_checks() -> frozenset[str]:
    """Check ids that get a "Remediate" button."""
    return frozenset(c for r in _REGISTRY.values() for c in r.check_ids)


def params_for_finding(
    finding: Finding, snapshot: AccountSnapshot | None
) -> tuple[str, dict[str, Any]]:
    """(remediation id, parameters) of the first registered remediation that fits the finding."""
    candidates = [r for r in _REGISTRY.values() if finding.check_id in r.check_ids]
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
    return sorted({a for r in _REGISTRY.values() for a in r.iam_actions})


# --- helpers -------------------------------------------------------------------------------------


def _text(params: Mapping[str, Any], name: str) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"missing parameter {name!r}")
    return value.strip()


def _target(params: Mapping[str, Any]) -> Target:
    kind = _text(params, "target_kind").lower()
    if kind not in TARGET_KINDS:
        raise InputError(f"target must be a user, group or role, not {kind!r}")
    name = _text(params, "target_name")
    if not re.fullmatch(r"[\w+=,.@-]{1,128}", name):
        raise InputError(f"{name!r} is not a valid IAM {kind} name")
    return Target(kind, name, str(params.get("target_arn", "")))


def name_from_arn(arn: str) -> str:
    """The last path segment of an IAM ARN (user/path/name -> name), without a #suffix."""
    resource = arn.split(":", 5)[-1].split("#", 1)[0]
    return resource.rsplit("/", 1)[-1]


def kind_from_arn(arn: str) -> str:
    resource = arn.split(":", 5)[-1]
    return resource.split("/", 1)[0]


def managed_policy_name(base: str, document: Mapping[str, Any]) -> str:
    """iam-audit-<base>-<hash8>: same content reuses one policy, other content gets a new one."""
    import hashlib  # noqa: PLC0415 - only here

    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:8]
    safe = re.sub(r"[^\w+=,.@-]", "-", base)[: 128 - len(POLICY_PREFIX) - 9]
    return f"{POLICY_PREFIX}{safe}-{digest}"


# --- access keys ---------------------------------------------------------------------------------


def _analyzer_remediation(finding: Finding, remediation_id: str) -> dict[str, Any] | None:
    """Parameters of ``remediation_id`` for an ``analyzer.active_findings`` audit finding, using
    the same mapping as `/iam-audit findings` (analyzer_view.remediation_for), or None."""
    evidence = finding.evidence
    key_id = evidence.get("access_key_id")
    item = AnalyzerFinding(
        id=str(evidence.get("finding_id") or ""),
        analyzer_arn=str(evidence.get("analyzer_arn") or ""),
        finding_type=str(evidence.get("finding_type") or ""),
        resource=str(evidence.get("resource") or ""),
        resource_type=finding.resource_type,
        status="ACTIVE",
        region=str(evidence.get("region") or ""),
        details={"access_key_id": key_id} if isinstance(key_id, str) and key_id else {},
    )
    found = remediation_for(item)
    if found is None or found[0] != remediation_id:
        return None
    return found[1]


def _key_params(finding: Finding, _snapshot: AccountSnapshot | None) -> dict[str, Any] | None:
    if finding.check_id == ANALYZER_FINDINGS_CHECK:
        return _analyzer_remediation(finding, "deactivate_access_key")
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
    user = _target({**params, "target_kind": "user"}).name
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


# --- console password ----------------------------------------------------------------------------


def _login_params(finding: Finding, snapshot: AccountSnapshot | None) -> dict[str, Any] | None:
    if finding.check_id == ANALYZER_FINDINGS_CHECK:
        return _analyzer_remediation(finding, "delete_login_profile")
    if ":user/" not in finding.resource_arn:
        return None
    name = name_from_arn(finding.resource_arn)
    if snapshot is not None and snapshot.credential_report is not None:
        row = next((r for r in snapshot.credential_report if r.user == name), None)
        if row is not None and row.flag("password_enabled") is not True:
            return None  # an inactive user with keys only: nothing to delete here
    return {"target_kind": "user", "target_name": name}


def _login_plan(params: Mapping[str, Any]) -> Plan:
    target = _target({**params, "target_kind": "user"})
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


# --- policies: attach / detach -------------------------------------------------------------------


def _policy_call(verb: str, target: Target, arn: str) -> str:
    noun = target.kind.title()
    return f"iam:{verb}{noun}Policy {noun}Name={target.name} PolicyArn={arn}"


def _attach_plan(params: Mapping[str, Any]) -> Plan:
    """Attach a catalogue, custom or existing managed policy (by ARN) to a user, group or role."""
    target = _target(params)
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
    target = _target(params)
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
        arn = _direct_admin_policy(snapshot, kind, name) or ""
    if not arn:
        return None
    return {"target_kind": kind, "target_name": name, "policy_arn": arn}


def _direct_admin_policy(snapshot: AccountSnapshot, kind: str, name: str) -> str | None:
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


# --- admin group membership ----------------------------------------------------------------------


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
        if _direct_admin_policy(snapshot, "group", group_name):
            return {"target_kind": "user", "target_name": user_name, "group": group_name}
    return None


def _group_plan(params: Mapping[str, Any], *, add: bool) -> Plan:
    target = _target({**params, "target_kind": "user"})
    group = _text(params, "group")
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


# --- role trust ----------------------------------------------------------------------------------


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
    target = _target({**params, "target_kind": "role"})
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


# --- Access Analyzer -----------------------------------------------------------------------------


def _analyzer_params(finding: Finding, snapshot: AccountSnapshot | None) -> dict[str, Any] | None:
    region = str(finding.evidence.get("region") or (snapshot.region if snapshot else "") or "")
    if not region:
        return None
    kind = "ACCOUNT_UNUSED_ACCESS" if "unused" in finding.check_id else "ACCOUNT"
    return {"region": region, "analyzer_type": kind}


def _analyzer_plan(params: Mapping[str, Any], *, delete: bool) -> Plan:
    region = _text(params, "region")
    if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", region):
        raise InputError(f"{region!r} is not an AWS region")
    kind = str(params.get("analyzer_type") or "ACCOUNT")
    if kind not in ("ACCOUNT", "ACCOUNT_UNUSED_ACCESS"):
        raise InputError(f"unsupported analyzer type {kind!r}")
    name = str(
        params.get("analyzer_name")
        or (ANALYZER_NAME if kind == "ACCOUNT" else ANALYZER_NAME + "-unused")
    )
    clean = {"region": region, "analyzer_type": kind, "analyzer_name": name}
    verb = "Delete" if delete else "Create"
    return Plan(
        remediation="delete_analyzer" if delete else "enable_access_analyzer",
        target=Target("analyzer", f"{name} ({region})"),
        params=clean,
        summary=f"{verb} IAM Access Analyzer {name} (type {kind}) in {region}",
        steps=(f"access-analyzer:{verb}Analyzer analyzerName={name} type={kind} region={region}",),
        undo="Create it again." if delete else f"Delete analyzer {name} (Undo button).",
        undo_change={
            "remediation": "enable_access_analyzer" if delete else "delete_analyzer",
            "params": clean,
        },
        effect="Access Analyzer starts reporting resources shared outside the account"
        if not delete
        else "Access Analyzer stops reporting for this region.",
    )


register(
    Remediation(
        id="enable_access_analyzer",
        title="Enable an IAM Access Analyzer analyzer",
        changes="Creates an account analyzer (external or unused access) in the region.",
        undo="Delete the analyzer (Undo button).",
        aws_calls=("access-analyzer:CreateAnalyzer", "access-analyzer:ListAnalyzers"),
        iam_actions=(
            "access-analyzer:CreateAnalyzer",
            "access-analyzer:DeleteAnalyzer",
            "access-analyzer:ListAnalyzers",
            "access-analyzer:TagResource",
            "iam:CreateServiceLinkedRole",
        ),
        planner=lambda p: _analyzer_plan(p, delete=False),
        check_ids=("analyzer.disabled", "analyzer.unused_access_disabled"),
        from_finding=_analyzer_params,
    )
)
register(
    Remediation(
        id="delete_analyzer",
        title="Delete an IAM Access Analyzer analyzer (undo of enabling one)",
        changes="Deletes the analyzer and its findings.",
        undo="Create it again.",
        aws_calls=("access-analyzer:DeleteAnalyzer", "access-analyzer:ListAnalyzers"),
        iam_actions=("access-analyzer:DeleteAnalyzer", "access-analyzer:ListAnalyzers"),
        planner=lambda p: _analyzer_plan(p, delete=True),
    )
)


# --- Access Analyzer findings: archive (with a reason) and unarchive ----------------------------

FINDING_STATUS_ARCHIVED = "ARCHIVED"
FINDING_STATUS_ACTIVE = "ACTIVE"
MAX_ARCHIVE_REASON = 1000
_ANALYZER_ARN = re.compile(
    r"arn:[\w-]+:access-analyzer:([a-z]{2}(?:-[a-z]+)+-\d):\d{12}:analyzer/\S+"
)


def _finding_status_plan(params: Mapping[str, Any], *, archive: bool) -> Plan:
    """Archiving hides a risk without changing any access, so it is approved like a change and
    the reason is part of what the approver approves (AWS's UpdateFindings keeps no reason)."""
    analyzer_arn = _text(params, "analyzer_arn")
    match = _ANALYZER_ARN.fullmatch(analyzer_arn)
    if not match:
        raise InputError(f"{analyzer_arn!r} is not an IAM Access Analyzer analyzer ARN")
    finding_id = _text(params, "finding_id")
    if not re.fullmatch(r"[\w.:-]{1,256}", finding_id):
        raise InputError(f"{finding_id!r} is not an Access Analyzer finding id")
    reason = str(params.get("reason") or "").strip()
    if archive and not reason:
        raise InputError(
            "say why the finding may be archived (the reason is kept with the request)"
        )
    if len(reason) > MAX_ARCHIVE_REASON:
        raise InputError(f"the reason is too long (at most {MAX_ARCHIVE_REASON} characters)")
    resource = str(params.get("resource") or "")
    finding_type = str(params.get("finding_type") or "")
    clean = {
        "analyzer_arn": analyzer_arn,
        "finding_id": finding_id,
        "region": match.group(1),
        "resource": resource,
        "finding_type": finding_type,
        "reason": reason,
    }
    status = FINDING_STATUS_ARCHIVED if archive else FINDING_STATUS_ACTIVE
    what = f"{finding_type or 'finding'} on {resource or 'an unnamed resource'}"
    inverse = {**clean, "reason": f"undo of archiving: {reason}" if archive else reason}
    return Plan(
        remediation="archive_finding" if archive else "unarchive_finding",
        target=Target("analyzer_finding", finding_id, resource),
        params=clean,
        summary=(
            f"{'Archive' if archive else 'Re-activate'} IAM Access Analyzer finding {finding_id}"
            f" ({what})" + (f". Reason: {reason}" if reason else "")
        ),
        steps=(
            f"access-analyzer:UpdateFindings analyzerArn={analyzer_arn} ids=[{finding_id}]"
            f" status={status} (region {match.group(1)})",
        ),
        undo=(
            "Set the finding ACTIVE again (the Undo button, with a new approval)."
            if archive
            else "Archive it again (with a reason, through a new approval)."
        ),
        undo_change={
            "remediation": "unarchive_finding" if archive else "archive_finding",
            "params": inverse,
        },
        effect=(
            f"The finding leaves the active list and stops being reported. The access itself is"
            f" NOT changed: {resource or 'the resource'} keeps it."
            if archive
            else "The finding is reported as active again."
        ),
    )


register(
    Remediation(
        id="archive_finding",
        title="Archive an IAM Access Analyzer finding (with a reason)",
        changes="Sets the finding's status to ARCHIVED (UpdateFindings); no access is changed.",
        undo="Set it ACTIVE again (the Undo button, with a new approval).",
        aws_calls=("access-analyzer:GetFinding", "access-analyzer:UpdateFindings"),
        iam_actions=("access-analyzer:GetFinding", "access-analyzer:UpdateFindings"),
        planner=lambda p: _finding_status_plan(p, archive=True),
    )
)
register(
    Remediation(
        id="unarchive_finding",
        title="Re-activate an archived IAM Access Analyzer finding (undo of archiving)",
        changes="Sets the finding's status to ACTIVE (UpdateFindings).",
        undo="Archive it again (with a reason).",
        aws_calls=("access-analyzer:GetFinding", "access-analyzer:UpdateFindings"),
        iam_actions=("access-analyzer:GetFinding", "access-analyzer:UpdateFindings"),
        planner=lambda p: _finding_status_plan(p, archive=False),
    )
)


# --- server certificates -------------------------------------------------------------------------


def _cert_params(finding: Finding, _snapshot: AccountSnapshot | None) -> dict[str, Any] | None:
    name = str(finding.evidence.get("certificate") or name_from_arn(finding.resource_arn))
    return {"certificate": name} if name else None


def _cert_plan(params: Mapping[str, Any]) -> Plan:
    name = _text(params, "certificate")
    return Plan(
        remediation="delete_server_certificate",
        target=Target("server_certificate", name),
        params={"certificate": name},
        summary=f"Delete expired server certificate {name}",
        steps=(f"iam:DeleteServerCertificate ServerCertificateName={name}",),
        undo="Not reversible by the bot: upload the certificate again (UploadServerCertificate)"
        " from your own copy of it and its private key; better, upload a renewed one.",
        effect="Load balancers or CloudFront distributions still using it would fail to"
        " update; AWS refuses the delete while it is in use.",
    )


register(
    Remediation(
        id="delete_server_certificate",
        title="Delete an expired server certificate",
        changes="Deletes the IAM server certificate.",
        undo="Upload it again from your copy (not possible from the bot).",
        aws_calls=("iam:GetServerCertificate", "iam:DeleteServerCertificate"),
        iam_actions=("iam:GetServerCertificate", "iam:DeleteServerCertificate"),
        planner=_cert_plan,
        check_ids=("certificate.expired",),
        from_finding=_cert_params,
    )
)


# --- a policy iam-audit created and left unattached (an interrupted apply, reconciled) -----------


def _delete_policy_plan(params: Mapping[str, Any]) -> Plan:
    arn = _text(params, "policy_arn")
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


# The right-sizing remediations live in their own module and register themselves here.
from bot.remediation import rightsize as _rightsize  # noqa: E402, F401
