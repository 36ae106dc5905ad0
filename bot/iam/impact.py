"""Impact of a proposed IAM change on one principal, before anyone approves it (pure).

The approvals feature asks: "if we attach / put / detach this policy, or set / remove this
boundary, what does the principal gain and lose, does it become able to escalate, and could it
lock itself out?" Both sides are computed with bot.iam.effective (same evaluator, same
caller's-eye view of conditions), on the actions the change can affect:
- a change to an identity policy can only change the actions that policy's statements name
  (Allow or Deny, expanded through the catalogue; NotAction expands to its complement);
- a boundary change can change anything the identity policies allow.
Each affected action is compared on Resource `*`, on an arbitrary resource of each of its types
and on the resource patterns the policies name, so a narrowed or widened Resource shows up too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from bot.iam.effective import (
    EffectivePermissions,
    PermissionIndex,
    PolicySource,
    document_key,
    gather_policies,
)
from bot.iam.mfa_requests import LONG_TERM_KEY_FACTS, SESSION_WITHOUT_MFA_FACTS
from bot.iam.policy import PolicyParseError, parse_policy
from bot.iam.privesc import TargetFinder, can_assume, methods_held
from bot.model.errors import InputError
from bot.model.snapshot import AccountSnapshot, PolicyDocument, Role, User

ChangeKind = Literal[
    "attach_managed",
    "detach_managed",
    "put_inline",
    "delete_inline",
    "set_boundary",
    "remove_boundary",
]
CHANGE_KINDS: tuple[str, ...] = (
    "attach_managed",
    "detach_managed",
    "put_inline",
    "delete_inline",
    "set_boundary",
    "remove_boundary",
)

# A user signed in without MFA needs these to enrol a device (AWS's self-service MFA pattern).
MFA_ENROLMENT_ACTIONS: tuple[str, ...] = ("iam:CreateVirtualMFADevice", "iam:EnableMFADevice")
# A user without MFA enrols with a console session or its access key's calls
# (bot.iam.mfa_requests). A GetSessionToken session obtained without a code is no third way: it
# "cannot call any IAM API operations unless MFA authentication information is included" (AWS
# STS API Reference, GetSessionToken).


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """One proposed change to a user's or role's policies.

    attach_managed / set_boundary take ``policy_arn`` (and ``document`` when the policy is not
    in the snapshot yet); detach_managed takes ``policy_arn``; put_inline takes ``policy_name``
    and ``document``; delete_inline takes ``policy_name``; remove_boundary takes nothing.
    With ``group`` the change is made to that group, and its impact is judged on the member
    passed to :func:`change_impact` (the approvals feature asks once per member).
    """

    kind: ChangeKind
    policy_arn: str | None = None
    policy_name: str | None = None
    document: PolicyDocument | None = None
    group: str | None = None  # the change is to this group (of which the user is a member)

    def describe(self) -> str:
        target = self.policy_arn or self.policy_name or ""
        return f"{self.kind.replace('_', ' ')} {target}".strip()

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "policy_arn": self.policy_arn,
            "policy_name": self.policy_name,
            "group": self.group,
        }


@dataclass(frozen=True, slots=True)
class LockoutRisk:
    code: str  # "mfa_enrolment_blocked"
    message: str
    actions: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "actions": list(self.actions)}


@dataclass(frozen=True, slots=True)
class Impact:
    principal_arn: str
    change: PolicyChange
    gained: Mapping[str, tuple[str, ...]]  # action -> resources newly allowed
    lost: Mapping[str, tuple[str, ...]]  # action -> resources no longer allowed
    admin_before: bool
    admin_after: bool
    methods_before: tuple[str, ...]
    methods_after: tuple[str, ...]
    admin_roles_assumable_gained: tuple[str, ...] = ()
    lockout_risks: tuple[LockoutRisk, ...] = ()
    notes: tuple[str, ...] = field(default=())
    methods_after_direct: tuple[str, ...] = ()  # the methods that escalate the principal itself

    @property
    def actions_gained(self) -> tuple[str, ...]:
        """Actions newly allowed (nowhere before) or widened to Resource `*`."""
        return tuple(sorted(a for a, r in self.gained.items() if "*" in r or a not in self.lost))

    @property
    def methods_gained(self) -> tuple[str, ...]:
        return tuple(m for m in self.methods_after if m not in self.methods_before)

    @property
    def methods_lost(self) -> tuple[str, ...]:
        return tuple(m for m in self.methods_before if m not in self.methods_after)

    @property
    def becomes_admin(self) -> bool:
        return self.admin_after and not self.admin_before

    @property
    def escalates(self) -> bool:
        return self.becomes_admin or bool(self.methods_gained or self.admin_roles_assumable_gained)

    @property
    def escalation(self) -> str | None:
        """The approver's one-line warning: "this change gives role X a path to admin (...)"."""
        kind, name = _kind_and_name(self.principal_arn)
        if self.becomes_admin:
            return f"this change makes {kind} {name} an administrator"
        direct = [m for m in self.methods_gained if m in self.methods_after_direct]
        routes = direct + [
            f"assume {a.rsplit('/', 1)[-1]}" for a in self.admin_roles_assumable_gained
        ]
        if routes:
            return f"this change gives {kind} {name} a path to admin ({', '.join(routes)})"
        if self.methods_gained:
            return (
                f"this change lets {kind} {name} grant administrator rights to other principals"
                f" ({', '.join(self.methods_gained)})"
            )
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "principal": self.principal_arn,
            "change": self.change.to_dict(),
            "gained": {a: list(r) for a, r in sorted(self.gained.items())},
            "lost": {a: list(r) for a, r in sorted(self.lost.items())},
            "admin_before": self.admin_before,
            "admin_after": self.admin_after,
            "methods_gained": list(self.methods_gained),
            "methods_lost": list(self.methods_lost),
            "admin_roles_assumable_gained": list(self.admin_roles_assumable_gained),
            "escalation": self.escalation,
            "lockout_risks": [r.to_dict() for r in self.lockout_risks],
            "notes": list(self.notes),
        }


def change_impact(
    snapshot: AccountSnapshot,
    principal_arn: str,
    change: PolicyChange,
    *,
    now: datetime | None = None,
    index: PermissionIndex | None = None,
) -> Impact:
    """What ``change`` would do to the principal; ``now`` defaults to the snapshot's time.

    Raises InputError for an unknown principal, a change that does not fit the principal's
    current policies, or a malformed policy document.
    """
    index = index or PermissionIndex(snapshot, now or snapshot.collected_at)
    try:
        entity = index.entity(principal_arn)
    except KeyError:
        raise InputError(f"no user or role with ARN {principal_arn} in the snapshot") from None
    sources, boundary, _missing = gather_policies(snapshot, entity)
    new_sources, new_boundary, changed = _apply(snapshot, entity, sources, boundary, change)
    before = index[principal_arn]
    after = index.for_principal(entity, new_sources, new_boundary)

    if change.kind in ("set_boundary", "remove_boundary"):
        actions = before.candidate_actions() | after.candidate_actions()
    else:
        actions = _named_actions(index, changed)
    gained, lost = _compare(before, after, actions)

    finder = TargetFinder(index)
    admin_before = before.is_admin_equivalent
    admin_after = after.is_admin_equivalent
    methods_before = (
        () if admin_before else tuple(m.method.id for m in methods_held(before, finder))
    )
    held_after = () if admin_after else methods_held(after, finder)
    methods_after = tuple(m.method.id for m in held_after)
    notes = list(after.assumptions())
    return Impact(
        principal_arn=principal_arn,
        change=change,
        gained=gained,
        lost=lost,
        admin_before=admin_before,
        admin_after=admin_after,
        methods_before=methods_before,
        methods_after=methods_after,
        admin_roles_assumable_gained=_admin_roles_gained(index, before, after),
        lockout_risks=_lockout_risks(snapshot, entity, before, after),
        notes=tuple(notes),
        methods_after_direct=tuple(m.method.id for m in held_after if m.direct),
    )


def _kind_and_name(arn: str) -> tuple[str, str]:
    """("role", "deployer") from a user or role ARN (any path)."""
    resource = arn.split(":", 5)[-1]
    kind = resource.split("/", 1)[0]
    return kind, resource.rsplit("/", 1)[-1]


# --- applying the change to a copy of the principal's policy list -------------------------------


def _apply(
    snapshot: AccountSnapshot,
    entity: User | Role,
    sources: tuple[PolicySource, ...],
    boundary: PolicySource | None,
    change: PolicyChange,
) -> tuple[tuple[PolicySource, ...], PolicySource | None, list[PolicyDocument]]:
    """(new identity policies, new boundary, the documents whose statements changed)."""
    kind = change.kind
    if kind not in CHANGE_KINDS:
        raise InputError(f"unknown change {kind!r} (use one of: {', '.join(CHANGE_KINDS)})")
    via, owner = _owner(snapshot, entity, change)
    if kind in ("attach_managed", "set_boundary"):
        source = _managed_source(
            snapshot, change, "managed" if kind == "attach_managed" else "boundary", via
        )
        if kind == "set_boundary":
            old = [boundary.document] if boundary else []
            return sources, source, [*old, source.document]
        if any(s.name == source.name and s.via == via for s in sources):
            raise InputError(f"{change.policy_arn} is already attached to {owner}")
        return (*sources, source), boundary, [source.document]
    if kind == "detach_managed":
        arn = _required(change.policy_arn, "policy_arn", kind)
        kept = tuple(
            s for s in sources if not (s.kind == "managed" and s.via == via and s.name == arn)
        )
        if len(kept) == len(sources):
            raise InputError(f"{arn} is not attached to {owner}")
        removed = [s.document for s in sources if s not in kept]
        return kept, boundary, removed
    if kind == "put_inline":
        name = _required(change.policy_name, "policy_name", kind)
        document = _valid_document(change.document, name)
        label = f"{owner} inline {name}"
        replaced = [s for s in sources if s.kind == "inline" and s.via == via and s.name == label]
        kept = tuple(s for s in sources if s not in replaced)
        new = PolicySource(label, "inline", via, document, "inline:" + document_key(document))
        return (*kept, new), boundary, [*(s.document for s in replaced), document]
    if kind == "delete_inline":
        name = _required(change.policy_name, "policy_name", kind)
        label = f"{owner} inline {name}"
        dropped = [s for s in sources if s.kind == "inline" and s.via == via and s.name == label]
        if not dropped:
            raise InputError(f"{owner} has no inline policy named {name!r}")
        return (
            tuple(s for s in sources if s not in dropped),
            boundary,
            [s.document for s in dropped],
        )
    # remove_boundary
    if boundary is None:
        raise InputError(f"{owner} has no permissions boundary to remove")
    return sources, None, [boundary.document]


def _owner(snapshot: AccountSnapshot, entity: User | Role, change: PolicyChange) -> tuple[str, str]:
    """(how the changed policies reach the principal, the ARN of the entity that holds them)."""
    if change.group is None:
        return ("user" if isinstance(entity, User) else "role"), entity.arn
    group = snapshot.group_by_name().get(change.group)
    if group is None:
        raise InputError(f"group {change.group} is not in the snapshot")
    if not isinstance(entity, User) or change.group not in entity.groups:
        raise InputError(f"{entity.arn} is not a member of group {change.group}")
    if change.kind in ("set_boundary", "remove_boundary"):
        raise InputError("a group has no permissions boundary; set it on a user or role")
    return f"group:{group.name}", group.arn


def _managed_source(
    snapshot: AccountSnapshot, change: PolicyChange, kind: str, via: str
) -> PolicySource:
    arn = _required(change.policy_arn, "policy_arn", change.kind)
    managed = snapshot.policy_by_arn().get(arn)
    if change.document is not None:
        document = _valid_document(change.document, arn)
        return PolicySource(arn, kind, via, document, f"{arn}#proposed-{document_key(document)}")
    if managed is None:
        raise InputError(
            f"{arn} is not in the snapshot; pass its policy document to judge the change"
        )
    return PolicySource(arn, kind, via, managed.document, f"{arn}#{managed.default_version_id}")


def _required(value: str | None, name: str, kind: str) -> str:
    if not value:
        raise InputError(f"a {kind.replace('_', ' ')} change needs {name}")
    return value


def _valid_document(document: PolicyDocument | None, name: str) -> PolicyDocument:
    if document is None:
        raise InputError(f"the change to {name} needs a policy document")
    try:
        parse_policy(document, name=name)
    except PolicyParseError as exc:
        raise InputError(str(exc)) from exc
    return document


# --- comparing two permission sets ---------------------------------------------------------------


def _named_actions(index: PermissionIndex, documents: list[PolicyDocument]) -> frozenset[str]:
    """Every catalogue action the statements of the changed documents name."""
    catalogue = index.catalogue
    names: set[str] = set()
    for document in documents:
        try:
            policy = parse_policy(document)
        except PolicyParseError:
            continue  # an unreadable current policy grants nothing either way
        for statement in policy.statements:
            if statement.actions is not None:
                names.update(catalogue.expand_all(statement.actions))
                # Actions unknown to the catalogue are still compared under their own name.
                names.update(a for a in statement.actions if "*" not in a and "?" not in a)
            else:
                names.update(catalogue.expand_not_action(statement.not_actions or ()))
    return frozenset(names)


def _compare(
    before: EffectivePermissions, after: EffectivePermissions, actions: frozenset[str]
) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    gained: dict[str, tuple[str, ...]] = {}
    lost: dict[str, tuple[str, ...]] = {}
    for action in sorted(actions):
        may_before = before.may_allow(action)
        may_after = after.may_allow(action)
        if not (may_before or may_after):
            continue
        if before.view.resource_independent(action) and after.view.resource_independent(action):
            # Every resource gets the same answer on both sides: Resource `*` says it all.
            now_allowed = may_after and after.can(action, "*")
            was_allowed = may_before and before.can(action, "*")
            if now_allowed and not was_allowed:
                gained[action] = ("*",)
            elif was_allowed and not now_allowed:
                lost[action] = ("*",)
            continue
        resources = dict.fromkeys(("*",))
        for perms in (before, after):
            resources.update(dict.fromkeys(perms.candidate_resources(action)))
        allowed_before = {r for r in resources if may_before and before.can(action, r)}
        allowed_after = {r for r in resources if may_after and after.can(action, r)}
        if allowed_after - allowed_before:
            gained[action] = tuple(r for r in resources if r in allowed_after - allowed_before)
        if allowed_before - allowed_after:
            lost[action] = tuple(r for r in resources if r in allowed_before - allowed_after)
    return gained, lost


def _admin_roles_gained(
    index: PermissionIndex, before: EffectivePermissions, after: EffectivePermissions
) -> tuple[str, ...]:
    """Admin-equivalent roles the principal could assume after the change but not before."""
    if not after.may_allow("sts:AssumeRole"):
        return ()
    gained: list[str] = []
    for role in index.snapshot.roles:
        if role.is_service_linked or role.arn == after.arn:
            continue
        if not index[role.arn].is_admin_equivalent:
            continue
        if can_assume(after, role, index) and not can_assume(before, role, index):
            gained.append(role.arn)
    return tuple(gained)


def has_mfa_device(snapshot: AccountSnapshot, user: User) -> bool | None:
    """True/False when the snapshot tells, None when it does not."""
    if snapshot.user_mfa_devices is not None and user.name in snapshot.user_mfa_devices:
        return bool(snapshot.user_mfa_devices[user.name])
    row = snapshot.credential_row_for().get(user.name)
    if row is not None and row.flag("mfa_active") is not None:
        return bool(row.flag("mfa_active"))
    if snapshot.virtual_mfa_devices is not None and any(
        d.user_arn == user.arn for d in snapshot.virtual_mfa_devices
    ):
        return True
    return None


def _enrolment_requests(
    snapshot: AccountSnapshot, user: User
) -> tuple[Mapping[str, tuple[str, ...]], ...]:
    """The MFA facts of each request the user can enrol a device with: a call signed with its
    access key when the credential report shows an active one, and a console session unless the
    report shows a key and no console password. A user without credentials today (or not in the
    report) is judged by the console session: the usual way to enrol is to sign in with a
    password given later."""
    row = snapshot.credential_row_for().get(user.name)
    keys = row is not None and any(row.flag(f"access_key_{n}_active") is True for n in (1, 2))
    console = not keys or row is None or row.flag("password_enabled") is not False
    requests: list[Mapping[str, tuple[str, ...]]] = []
    if console:
        requests.append(SESSION_WITHOUT_MFA_FACTS)
    if keys:
        requests.append(LONG_TERM_KEY_FACTS)
    return tuple(requests)


def _lockout_risks(
    snapshot: AccountSnapshot,
    entity: User | Role,
    before: EffectivePermissions,
    after: EffectivePermissions,
) -> tuple[LockoutRisk, ...]:
    """A user without MFA who could enrol a device before the change and cannot after it, by
    any request it can make without MFA: a Deny on Bool aws:MultiFactorAuthPresent false locks
    a console user out; a Deny on Null aws:MultiFactorAuthPresent true (the key absent) does
    not, since the console session carries the key."""
    if not isinstance(entity, User):
        return ()
    has_mfa = has_mfa_device(snapshot, entity)
    if has_mfa:
        return ()
    account = snapshot.account_id
    partition = snapshot.partition
    targets = {
        "iam:CreateVirtualMFADevice": f"arn:{partition}:iam::{account}:mfa/{entity.name}",
        "iam:EnableMFADevice": entity.arn,
    }
    requests = _enrolment_requests(snapshot, entity)
    before_views = [before.with_facts(facts) for facts in requests]
    after_views = [after.with_facts(facts) for facts in requests]
    blocked = tuple(
        action
        for action, resource in targets.items()
        if any(view.can(action, resource) for view in before_views)
        and not any(view.can(action, resource) for view in after_views)
    )
    if not blocked:
        return ()
    status = "has no MFA device" if has_mfa is False else "may have no MFA device (not collected)"
    return (
        LockoutRisk(
            "mfa_enrolment_blocked",
            f"{entity.name} {status}, and after this change it can no longer enrol one without"
            f" MFA ({', '.join(blocked)} denied): the user would be locked out",
            blocked,
        ),
    )
