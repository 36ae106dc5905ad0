"""One principal's effective permissions: its policy set's answers plus what depends on
the principal itself (its own ARN, the calls AWS allows every caller of its kind)."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from functools import lru_cache
from typing import Any, Protocol

from bot.iam.catalogue import ActionCatalogue
from bot.iam.chosen_suffix import FactValue
from bot.iam.compiled import ActionSpace
from bot.iam.effective.sources import PrincipalRef
from bot.iam.effective.view import Access, PolicySetView
from bot.iam.fixed_rules import always_allowed_for
from bot.iam.resolved_policy import Grant, PolicySource
from bot.iam.resource_kinds import arn_services_of, may_name_resource_of
from bot.iam.scp_ceiling import ALLOW_EVERYTHING
from bot.iam.scp_ceiling import KIND as SCP_KIND
from bot.iam.type_wide import TypeWideTest

# Order matters only for speed: these fail first for most non-admin principals.
ADMIN_SENTINELS = (
    "iam:CreatePolicyVersion",
    "iam:AttachUserPolicy",
    "iam:PutRolePolicy",
    "iam:CreateUser",
)

# A policy variable (${aws:username}) in an ARN pattern.
VARIABLE_TEMPLATE = re.compile(r"\$\{[^}]*\}")


class AccountIndex(Protocol):
    """What a principal's permissions ask of the account-wide index (bot.iam.effective.index
    .PermissionIndex): its policy-set views and the caches every principal shares."""

    catalogue: ActionCatalogue
    type_wide_test: TypeWideTest
    memo: dict[Any, Any]

    @property
    def space(self) -> ActionSpace: ...

    def view_for(
        self,
        ref: PrincipalRef,
        sources: tuple[PolicySource, ...],
        boundary: PolicySource | None,
        facts: Mapping[str, FactValue],
        *,
        base: PolicySetView | None = None,
        changed: frozenset[str] = frozenset(),
    ) -> PolicySetView: ...

    def probes(self, action: str) -> tuple[str, ...]: ...

    def iam_write_actions(self) -> frozenset[str]: ...

    def expand(self, patterns: tuple[str, ...]) -> frozenset[str]: ...

    def list_mask(self, actions: tuple[str, ...]) -> tuple[frozenset[str], int, frozenset[str]]: ...

    def action_list(
        self, label: str, actions: Iterable[str]
    ) -> tuple[frozenset[str], dict[str, str]]: ...


class EffectivePermissions:
    """What one principal may do, in the caller's-eye view described in the module docstring."""

    def __init__(
        self,
        index: AccountIndex,
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
            sentinels: tuple[str, ...] = ADMIN_SENTINELS
            if ceiling is not None:
                sentinels = tuple(a for a in ADMIN_SENTINELS if ceiling.unrestricted(a))
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
        return self.unrestricted(ADMIN_SENTINELS[0])

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


@lru_cache(maxsize=4096)
def _fitting(literals: tuple[str, ...], services: frozenset[str] | None) -> tuple[str, ...]:
    """The literals that are candidate targets: not `*`, no ${variable}, and naming a
    resource of the action's kind (bot.iam.resource_kinds)."""
    return tuple(
        literal
        for literal in literals
        if literal != "*"
        and not VARIABLE_TEMPLATE.search(literal)
        and may_name_resource_of(literal, services)
    )
