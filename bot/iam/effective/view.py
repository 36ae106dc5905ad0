"""Decisions for one policy set, shared by every principal holding it: allowed, denied, on
which resources, with the statements that decided (Access)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from bot.iam.compiled import ActionSpace, CompiledPolicy
from bot.iam.matching import arn_matcher
from bot.iam.resolved_policy import (
    Expander,
    Grant,
    Prober,
    ResolvedPolicy,
    never_changeable_request,
)
from bot.iam.type_wide import TypeWideTest


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


def outside_denial_filter(lists: tuple[tuple[str, ...], ...]) -> Callable[[str], bool]:
    """A test keeping the resources no list of :meth:`PolicySetView.denied_outside` denies: a
    concrete ARN must match a pattern of every list (the evaluator's matcher, as for the
    statement itself); one holding a wildcard asks about a set and is kept for the decision."""
    inside = [arn_matcher(patterns) for patterns in lists]

    def undenied(resource: str) -> bool:
        return "*" in resource or "?" in resource or all(matches(resource) for matches in inside)

    return undenied
