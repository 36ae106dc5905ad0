"""Least-privilege checks on each principal's effective permissions (not per policy document).

Every check reads the audit-wide index of bot.iam.effective (built once, cached by policy set)
so a policy that only becomes dangerous next to another one, a deny in a group policy or a
permissions boundary are all taken into account. Service-linked roles are AWS's to manage and
are never flagged. principal.unused_services is not registered: the snapshot carries no
service-last-accessed data (Access Advisor) to judge it from.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from bot.audit.checks._aws_names import AUTHORIZATION_DETAILS_PERMISSIONS, ROLE, USER
from bot.audit.findings import Finding, Severity
from bot.audit.registry import CheckContext, register
from bot.iam.effective import (
    Access,
    EffectivePermissions,
    PermissionIndex,
    effective_permissions,
)
from bot.iam.privesc import Escalation, privilege_escalations
from bot.iam.sensitive_actions import (
    credential_actions,
    data_exfiltration_actions,
    resource_exposure_actions,
    tagging_actions,
)

_EVIDENCE_LIMIT = 20  # actions listed per finding; the count says how many there were
_GRANTS_LIMIT = 1  # actions whose granting statements are spelled out (policies names them all)
# Escalation methods spelled out per finding (method_ids names every one): a NotAction
# principal holds 40+, and a report of thousands of findings must stay readable and small.
_METHODS_LIMIT = 10


def audited_principals(index: PermissionIndex) -> Iterator[EffectivePermissions]:
    """Every user and role except service-linked roles, in snapshot order."""
    for arn in index:
        perms = index[arn]
        if not perms.principal.is_service_linked:
            yield perms


def resource_type(perms: EffectivePermissions) -> str:
    return USER if perms.principal.kind == "user" else ROLE


def _grants_evidence(
    perms: EffectivePermissions, label: str, actions: tuple[str, ...]
) -> dict[str, object]:
    shown = actions[:_EVIDENCE_LIMIT]
    accesses = {name: _granting_access(perms, name) for name in shown[:_GRANTS_LIMIT]}
    return {
        "actions": list(shown),
        "action_count": len(actions),
        "policies": sorted(perms.granting_policies_among(label, actions)),
        "grants": {name: [g.to_dict() for g in a.granted_by] for name, a in accesses.items()},
    }


def _granting_access(perms: EffectivePermissions, action: str) -> Access:
    """The answer that made the action unrestricted: on `*` (the usual case), or on a probe ARN
    for a grant through `arn:aws:s3:::*` and the like, whose answer on `*` names no statement."""
    access = perms.decide(action, "*")
    if access.allowed:
        return access
    return perms.unrestricted(action) or access


def _unrestricted_findings(
    ctx: CheckContext, label: str, actions: frozenset[str], what: str
) -> Iterator[Finding]:
    index = effective_permissions(ctx)
    for principal in audited_principals(index):
        if principal.is_admin_equivalent:
            continue  # principal.admin_equivalent reports it with a higher severity
        perms, found = _unrestricted(principal, index, label, actions)
        if not found:
            continue
        shown = ", ".join(found[:5]) + (" ..." if len(found) > 5 else "")
        yield ctx.finding(
            perms.arn,
            resource_type(perms),
            f"{perms.principal.kind} {perms.principal.name} may {what} on every resource: {shown}",
            # The principal's own assumptions: the resolution on an untagged resource reads
            # a tag condition as unmet, which says nothing about the grants reported.
            {
                **_grants_evidence(perms, label, found),
                "assumptions": list(principal.assumptions()),
            },
        )


def _unrestricted(
    principal: EffectivePermissions, index: PermissionIndex, label: str, actions: frozenset[str]
) -> tuple[EffectivePermissions, tuple[str, ...]]:
    """The actions of the list the principal may do on every resource, and the permissions
    whose grants the evidence shows. Resource-tag conditions are first assumed to hold (the
    usual answer: nothing to find, or no tag condition); the actions only they keep from
    untagged resources are then dropped, unless the principal may tag any resource of their
    service itself and the tags they need are not AWS's own (``aws:`` keys); KMS actions
    allowed only on calls a service forwards are dropped first (_kms_called_directly). Worked
    out once per policy set and kind."""
    assumed = principal.unrestricted_among(label, actions)
    if not assumed:
        return principal, assumed
    key = ("unrestricted_untagged", label, principal.principal.kind)
    memo = principal.view.memo
    known = memo.get(key)
    if known is None:
        assumed = _kms_called_directly(principal, index, label, actions, assumed)
        known = (assumed, False)
        untagged = (
            on_untagged_resources(principal, index)
            if _tag_conditions_touch(principal, index, assumed)
            else principal
        )
        if assumed and untagged is not principal:
            kept = [a for a in untagged.unrestricted_among(label, actions) if a in assumed]
            lost = [a for a in assumed if a not in kept]
            if lost:
                retaggable = _without_reserved_tags(principal, index).unrestricted_among(
                    label, actions
                )
                tagger = _tagging_existing(untagged, index)
                retagged = {
                    a
                    for a in lost
                    if a in retaggable and _tags_anything(tagger, a.split(":", 1)[0])
                }
                if len(retagged) < len(lost):
                    # Reported from the untagged view unless re-tagging brings some back.
                    known = (tuple(sorted({*kept, *retagged})), not retagged)
        memo[key] = known
    found, from_untagged = known
    return (on_untagged_resources(principal, index) if from_untagged else principal), found


# Keys a request carries only when an AWS service forwards it for the principal (IAM User
# Guide, "AWS global condition context keys"): aws:CalledVia*, and aws:ViaAWSService true.
_FORWARDED: dict[str, tuple[str, ...]] = {
    "aws:calledvia": (),
    "aws:calledviafirst": (),
    "aws:calledvialast": (),
    "aws:viaawsservice": ("false",),
}


def _kms_called_directly(
    principal: EffectivePermissions,
    index: PermissionIndex,
    label: str,
    actions: frozenset[str],
    found: tuple[str, ...],
) -> tuple[str, ...]:
    """``found`` without the KMS actions allowed only on calls a service forwards (kms:Decrypt
    kept to ``aws:CalledVia bedrock-agentcore``): KMS then works only inside that service's own
    operations, as under kms:ViaService (bot.iam.effective.principal_facts). Other actions keep
    such grants: an Athena query returns what it read for the caller, and a CloudFormation
    stack writes whatever policy its template holds."""
    if not any(a.startswith("kms:") for a in found):
        return found
    named = _named_keys(principal, index)
    forwarded = {k: v for k, v in _FORWARDED.items() if k in named}
    if not forwarded:
        return found
    direct = set(principal.with_facts(forwarded).unrestricted_among(label, actions))
    return tuple(a for a in found if not a.startswith("kms:") or a in direct)


def _tag_conditions_touch(
    principal: EffectivePermissions, index: PermissionIndex, actions: tuple[str, ...]
) -> bool:
    """Whether a policy naming a resource tag has a statement (Allow, or a Deny that may apply
    to untagged resources only) matching one of the actions: otherwise the answer on an
    untagged resource is the same, and nothing is resolved again."""
    lowered = [a.lower() for a in actions]
    for policy in principal.view.everything:
        if index.names_resource_tag(policy.source) and any(
            policy.may_allow(a) or policy.may_deny(a) for a in lowered
        ):
            return True
    return False


def on_untagged_resources(
    perms: EffectivePermissions, index: PermissionIndex
) -> EffectivePermissions:
    """The principal's permissions on a resource without tags. "On every resource" includes
    such resources: a grant kept by a resource-tag condition to resources carrying a tag (the
    attribute-based access control AWS documents, e.g. "IAM: Assume roles that have a specific
    tag") reaches only those, so it is not unrestricted. The principal itself when none of its
    policies names a resource tag (most accounts: nothing is resolved again). Kept per
    principal: the three unrestricted-access checks and their evidence all ask."""
    cache = index.memo.setdefault("on_untagged_resources", {})
    found = cache.get(perms.arn)
    if found is None or found[0] is not perms:
        keys = index.resource_tag_keys(perms.all_sources, any_service=True)
        found = cache[perms.arn] = (perms, _without_keys(perms, keys))
    return found[1]


def _named_keys(perms: EffectivePermissions, index: PermissionIndex) -> set[str]:
    """The condition keys and policy variables the principal's policies reference."""
    return {key for source in perms.all_sources for key in index.referenced_keys(source)}


def _without_keys(perms: EffectivePermissions, keys: Iterable[str]) -> EffectivePermissions:
    """The principal's permissions for a request in which ``keys`` are absent; the principal
    itself when there are none (nothing resolved again)."""
    absent = dict.fromkeys(keys, ())
    return perms.with_facts(absent) if absent else perms


def _without_reserved_tags(
    perms: EffectivePermissions, index: PermissionIndex
) -> EffectivePermissions:
    """The principal's permissions on a resource without the tags AWS reserves for itself: no
    caller can add a tag whose key starts with ``aws:`` (AWS Tagging Best Practices; CloudFormation
    and AWS Backup set ``aws:cloudformation:stack-id``, ``aws:backup:source-resource`` on what they
    create), so a grant kept to such a tag reaches only the resources AWS tagged, however freely
    the principal tags. The other tag conditions are still assumed to hold."""
    keys = index.resource_tag_keys(perms.all_sources, any_service=True)
    return _without_keys(perms, (k for k in keys if k.partition("/")[2].startswith("aws:")))


def _tagging_existing(perms: EffectivePermissions, index: PermissionIndex) -> EffectivePermissions:
    """The principal's permissions for tagging a resource that already exists: a service's
    CreateAction key (ec2:CreateAction, ecs:CreateAction ...) names the creating call that
    tags as it creates, and a tagging call on its own carries none (Service Authorization
    Reference), so CreateTags kept to ``ec2:CreateAction RunInstances`` tags only new
    instances and opens no existing one."""
    keys = _named_keys(perms, index)
    return _without_keys(perms, (k for k in keys if k.endswith(":createaction")))


def _tags_anything(perms: EffectivePermissions, service: str) -> bool:
    """Whether the principal may add tags to any resource of the service, untagged ones
    included (an action of the service's Tagging access level that is not a removal)."""
    adders = tagging_actions(perms.index.catalogue, service)
    return bool(adders) and bool(perms.unrestricted_among(f"tagging:{service}", adders))


@register(
    id="principal.admin_equivalent",
    title="Principal has administrator-equivalent permissions",
    severity=Severity.CRITICAL,
    risk="A principal that can do everything, or can change any IAM permission, is one stolen"
    " credential away from a full account takeover.",
    remediation="Replace the broad grant with the actions the principal needs; keep real"
    " administrators few, on roles assumed with MFA.",
    anchors=("CIS 1.15", "Security Hub IAM.1", "Prowler iam_*_administrator_access_policy"),
    permissions=AUTHORIZATION_DETAILS_PERMISSIONS,
    requires=("authorization_details",),
)
def principal_admin_equivalent(ctx: CheckContext) -> Iterator[Finding]:
    """`*:*` or every IAM write on any resource (e.g. through NotAction); critical for users
    (long-term credentials), high for roles."""
    index = effective_permissions(ctx)
    for perms in audited_principals(index):
        if not perms.is_admin_equivalent:
            continue
        evidence = perms.admin_evidence()
        yield ctx.finding(
            perms.arn,
            resource_type(perms),
            f"{perms.principal.kind} {perms.principal.name} {_admin_reach(perms)}",
            {
                "policies": list(evidence.policies()) if evidence else [],
                "grants": [g.to_dict() for g in evidence.granted_by] if evidence else [],
                "boundary": perms.boundary.name if perms.boundary else None,
                "assumptions": list(perms.assumptions()),
            },
            severity=Severity.CRITICAL if perms.principal.kind == "user" else Severity.HIGH,
        )


def _admin_reach(perms: EffectivePermissions) -> str:
    if perms.grants_every_action():
        return "can perform every action on every resource (an Allow of * on *)"
    return "can perform every IAM write action on any resource, enough to grant itself anything"


@register(
    id="principal.privilege_escalation",
    title="Principal can escalate its privileges",
    severity=Severity.HIGH,
    risk="The principal holds every permission of a known privilege-escalation method (a catalogue"
    " of over 100, from pathfinding.cloud, Rhino, iam-vulnerable, Cloudsplaining, PMapper and"
    " Prowler), so it can make itself, or another user or role, an administrator.",
    remediation="Remove or scope down one permission of each method listed (e.g. restrict"
    " iam:PassRole to specific roles and services), or add a permissions boundary.",
    anchors=(
        "Cloudsplaining privilege escalation",
        "Prowler iam_policy_allows_privilege_escalation",
        "PMapper",
    ),
    permissions=AUTHORIZATION_DETAILS_PERMISSIONS,
    requires=("authorization_details",),
)
def principal_privilege_escalation(ctx: CheckContext) -> Iterator[Finding]:
    """One finding per principal naming every method it holds (see bot/iam/privesc/).

    A principal whose methods only change other principals (a role that can write any user's
    policy) is reported too, saying exactly what it enables instead of calling it
    self-escalation."""
    index = effective_permissions(ctx)
    escalations = privilege_escalations(ctx)
    for arn, escalation in escalations.items():
        perms = index[arn]
        yield ctx.finding(
            arn,
            resource_type(perms),
            escalation_detail(perms.principal.kind, perms.principal.name, escalation),
            _escalation_evidence(escalation),
        )


def escalation_detail(kind: str, name: str, escalation: Escalation) -> str:
    """One sentence: who, through which methods, granted by what, and what it enables."""
    ids = escalation.method_ids
    shown = ", ".join(ids[:8]) + (f" and {len(ids) - 8} more" if len(ids) > 8 else "")
    granted = ", ".join(escalation.policies()[:3]) or "a role trust policy"
    direct = [m for m in escalation.methods if m.direct]
    if direct:
        return (
            f"{kind} {name} can escalate privileges via {shown} (granted by {granted}):"
            f" {direct[0].method.id} {direct[0].enables}"
        )
    first = escalation.methods[0]
    return f"{kind} {name} {first.enables} (via {shown}; granted by {granted})"


def _escalation_evidence(escalation: Escalation) -> dict[str, object]:
    """Method ids, then the first methods with their actions, granting policies and what each
    enables; the resource each action was found allowed on once in `targets` (methods share
    actions: iam:PassRole recurs in dozens)."""
    shown = escalation.methods[:_METHODS_LIMIT]
    targets: dict[str, str] = {}
    methods: list[dict[str, object]] = []
    for held in shown:
        for access in held.accesses:
            targets.setdefault(access.action, access.resource)
        method: dict[str, object] = {
            "method": held.method.id,
            "category": held.method.category,
            "direct": held.direct,
            "enables": held.enables,
            "actions": [{"action": access.action} for access in held.accesses],
            "policies": list(held.policies()),
        }
        if held.method.requires:
            method["requires"] = held.method.requires
        if held.chain:
            method["chain"] = list(held.chain)
        methods.append(method)
    return {
        "method_ids": list(escalation.method_ids),
        "direct": escalation.direct,
        "methods": methods,
        "methods_not_detailed": len(escalation.methods) - len(shown),
        "targets": targets,
        "policies": list(escalation.policies()),
        "assumptions": list(escalation.assumptions),
    }


@register(
    id="principal.data_exfiltration",
    title="Principal can read data and secrets without resource restriction",
    severity=Severity.MEDIUM,
    risk="Unrestricted s3:GetObject, ssm:GetParameter*, secretsmanager:GetSecretValue or"
    " kms:Decrypt lets one principal read every object, parameter and secret in the account.",
    remediation="Scope the Resource of these actions to the buckets, parameters, secrets and"
    " keys the principal needs.",
    anchors=("Cloudsplaining data exfiltration", "Security Hub KMS.1", "Security Hub KMS.2"),
    permissions=AUTHORIZATION_DETAILS_PERMISSIONS,
    requires=("authorization_details",),
)
def principal_data_exfiltration(ctx: CheckContext) -> Iterator[Finding]:
    yield from _unrestricted_findings(
        ctx, "data_exfiltration", data_exfiltration_actions(), "read data or secrets"
    )


@register(
    id="principal.credentials_exposure",
    title="Principal can obtain credentials without resource restriction",
    severity=Severity.HIGH,
    risk="Actions that return access keys, passwords or tokens on any resource let the principal"
    " mint credentials for other identities and services.",
    remediation="Scope these actions to the principal's own resources (e.g."
    " arn:aws:iam::<account>:user/${aws:username}) or remove them.",
    anchors=("Cloudsplaining credentials exposure",),
    permissions=AUTHORIZATION_DETAILS_PERMISSIONS,
    requires=("authorization_details",),
)
def principal_credentials_exposure(ctx: CheckContext) -> Iterator[Finding]:
    yield from _unrestricted_findings(
        ctx, "credentials_exposure", credential_actions(), "obtain credentials"
    )


@register(
    id="principal.resource_exposure",
    title="Principal can change resource permissions without restriction",
    severity=Severity.HIGH,
    risk="Unrestricted 'Permissions management' actions that change access (resource policies,"
    " grants, IAM; merely reading a policy is not counted) let the principal open any resource"
    " to anyone.",
    remediation="Scope permissions-management actions to named resources or remove them.",
    anchors=("Cloudsplaining resource exposure",),
    permissions=AUTHORIZATION_DETAILS_PERMISSIONS,
    requires=("authorization_details",),
)
def principal_resource_exposure(ctx: CheckContext) -> Iterator[Finding]:
    yield from _unrestricted_findings(
        ctx, "resource_exposure", resource_exposure_actions(), "manage permissions"
    )
