"""Privilege-escalation detection: which catalogue methods each principal holds.

A principal holds a method when its effective permissions (bot.iam.effective: every policy that
reaches it, denies honoured, conditions resolved from the caller's side) allow every action of the
method on some resource it could target:
- iam:PassRole: a role of the snapshot (service-linked roles excluded: no service accepts them)
  that trusts one of the services the method passes roles to (its ``pass_to``) and is more
  privileged than the holder: admin-equivalent, or allowed some action the holder is not. A
  PassRole scoped to one narrowly named admin role counts as much as PassRole on `*`; a role
  that grants nothing new, or that the service cannot assume, does not;
- iam:CreatePolicyVersion / iam:SetDefaultPolicyVersion: a customer-managed policy, never an
  AWS-managed one (`arn:aws:iam::aws:policy/...`, which customers cannot write);
- any other action: an arbitrary resource of its type, the principal itself (for IAM actions),
  or a resource pattern its Allow statements name.

Statements whose conditions can never hold (bot.iam.satisfiability: a token-issue-time window in
the past, contradictory entries) are set aside first, so they make no finding; conditions that can
hold stay "assumed satisfiable" in the evidence.

Every held method is reported, including those aimed at another kind of principal (a role that can
write any user's policy): the method's ``enables_other`` says what that makes possible, and
``direct`` tells whether the holder itself gains.

sts-001 follows role trust chains backwards from the admin-equivalent roles: a principal that can
assume one of them, directly or through intermediate roles, holds it. A principal can assume a
role when the trust policy names it (its ARN, or the role it is a session of), or names its
account (or `*`) and its own policies allow sts:AssumeRole on the role; an explicit deny on either
side blocks it.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import re
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from typing import Any, TypeVar

from bot.iam.effective import (
    Access,
    EffectivePermissions,
    Grant,
    PermissionIndex,
    PolicySource,
    document_key,
    effective_permissions,
    outside_denial_filter,
)
from bot.iam.lint_redundancy import glob_covers
from bot.iam.lint_resources import action_fits_resources, patterns_overlap
from bot.iam.matching import (
    action_matcher,
    arn_matcher,
    has_wildcard,
    literal_parts,
    literal_prefix,
    lower_shared,
    star_glob_matcher,
    unmark,
)
from bot.iam.policy_versions import richer_than
from bot.iam.principals import not_principal_via, parse_principal, principal_via
from bot.iam.privesc_methods import (
    TRUST_CHAIN_METHOD,
    EscalationMethod,
    action_methods,
    all_method_actions,
    load_methods,
)
from bot.iam.resolved_policy import ABSENT
from bot.iam.satisfiability import Pruned, prune_document
from bot.iam.trust_groups import CallerGroups
from bot.iam.variables import VARIABLE_SPAN
from bot.model.snapshot import Role

SHARED_KEY = "iam.privilege_escalation"
_T = TypeVar("_T")
_PASS_ROLE = "iam:passrole"
_SET_DEFAULT_VERSION = "iam:setdefaultpolicyversion"
_CREATE_POLICY_VERSION = "iam:createpolicyversion"
_POLICY_VERSION_ACTIONS = frozenset({_CREATE_POLICY_VERSION, _SET_DEFAULT_VERSION})
# Actions that escalate even when aimed at the principal itself (a policy on its own user or
# role). Creating keys or a password for oneself, by contrast, gains nothing: the common
# self-service pattern (`user/${aws:username}`) must not count as iam-002 / iam-004.
_SELF_ESCALATING = {
    "user": frozenset(
        {
            "iam:putuserpolicy",
            "iam:attachuserpolicy",
            "iam:deleteuserpermissionsboundary",
            "iam:putuserpermissionsboundary",
        }
    ),
    "role": frozenset(
        {
            "iam:putrolepolicy",
            "iam:attachrolepolicy",
            "iam:deleterolepermissionsboundary",
            "iam:putrolepermissionsboundary",
        }
    ),
}
_ANY_SELF_ESCALATING = _SELF_ESCALATING["user"] | _SELF_ESCALATING["role"]
_NO_METHODS: list[EscalationMethod] = []
_NOTHING: frozenset[str] = frozenset()
_ASSUME_ROLE = "sts:AssumeRole"
# The AWS-managed administrator policy exists in every account, listed in the snapshot or not.
ADMINISTRATOR_ACCESS = "arn:{partition}:iam::aws:policy/AdministratorAccess"
_NOT_ACTION = "<notaction>"
_ATTACH_ACTIONS = frozenset(
    {"iam:attachuserpolicy", "iam:attachgrouppolicy", "iam:attachrolepolicy"}
)
_PUT_POLICY_ACTIONS = frozenset({"iam:putuserpolicy", "iam:putgrouppolicy", "iam:putrolepolicy"})
# Actions that take over another IAM user's credentials: they gain only on a user richer than
# the holder, and only when the user's state lets the call succeed (IAM API reference:
# CreateLoginProfile fails with EntityAlreadyExists on a user with a password,
# UpdateLoginProfile with NoSuchEntity on one without; CreateAccessKey with LimitExceeded on a
# user holding two keys, unless the holder may delete one).
_CREATE_ACCESS_KEY = "iam:createaccesskey"
_TAKES_OVER_USERS = frozenset(
    {_CREATE_ACCESS_KEY, "iam:createloginprofile", "iam:updateloginprofile"}
)
# Rewriting a role's trust to assume it (iam-012) gains what the role holds now.
_UPDATE_TRUST = "iam:updateassumerolepolicy"
# Their iam:PermissionsBoundary is the boundary being set, not the target's own.
_SETS_BOUNDARY = frozenset({"iam:putuserpermissionsboundary", "iam:putrolepermissionsboundary"})
_ASSUMING_ACTIONS = ("sts:assumerole", "sts:assumerolewithwebidentity", "sts:*", "*")
_CREATE_ROLE = "iam:createrole"


@dataclass(frozen=True, slots=True)
class HeldMethod:
    """One escalation method a principal holds, with the grant behind each action."""

    method: EscalationMethod
    accesses: tuple[Access, ...]
    chain: tuple[str, ...] = ()  # sts-001: principal, intermediate roles..., admin role
    direct: bool = True  # the holder itself gains (False: it can escalate other principals)
    enables: str = ""
    # policies(), worked out on first use: a held method is shared by every principal with
    # the same policy set, and each finding's sentence and evidence ask for it again.
    _policies: tuple[str, ...] | None = field(default=None, init=False, repr=False, compare=False)

    def policies(self) -> tuple[str, ...]:
        found = self._policies
        if found is None:
            accesses = self.accesses
            if len(accesses) == 1:
                found = accesses[0].policies()
            else:
                found = tuple(dict.fromkeys([p for a in accesses for p in a.policies()]))
            object.__setattr__(self, "_policies", found)
        return found

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "method": self.method.id,
            "category": self.method.category,
            "direct": self.direct,
            "enables": self.enables,
            "actions": [
                {"action": a.action, "resource": a.resource, "policies": list(a.policies())}
                for a in self.accesses
            ],
            "policies": list(self.policies()),
            "sources": list(self.method.source_ids),
        }
        if self.method.requires:
            body["requires"] = self.method.requires
        if self.chain:
            body["chain"] = list(self.chain)
        return body


@dataclass(frozen=True, slots=True)
class Escalation:
    principal_arn: str
    methods: tuple[HeldMethod, ...]
    assumptions: tuple[str, ...] = field(default=())
    _policies: tuple[str, ...] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def method_ids(self) -> tuple[str, ...]:
        return tuple(m.method.id for m in self.methods)

    @property
    def direct(self) -> bool:
        """Whether some method lets the principal escalate itself (not only others)."""
        return any(m.direct for m in self.methods)

    def policies(self) -> tuple[str, ...]:
        """Every granting policy, in method order (asked by the finding's sentence and its
        evidence alike: worked out once)."""
        found = self._policies
        if found is None:
            found = tuple(dict.fromkeys([p for m in self.methods for p in m.policies()]))
            object.__setattr__(self, "_policies", found)
        return found


class TargetFinder:
    """The resources an action could be aimed at, for one principal."""

    def __init__(self, index: PermissionIndex) -> None:
        self.index = index
        snapshot = index.snapshot
        self.roles = {r.arn: r for r in snapshot.roles if not r.is_service_linked}
        self.passable_roles = tuple(self.roles)
        self._all_passable = frozenset(self.passable_roles)
        self.users = tuple(u.arn for u in snapshot.users)
        self._all_users = frozenset(self.users)
        self._credential_rows = (
            snapshot.credential_row_for() if snapshot.credential_report is not None else None
        )
        self._user_names = {u.arn: u.name for u in snapshot.users}
        self._users_ordered: tuple[str, ...] | None = None
        self._refused: dict[tuple[str, bool], frozenset[str]] = {}
        customer = [p for p in snapshot.policies if not p.is_aws_managed]
        self.customer_policies = tuple(p.arn for p in customer)
        # Authorization details list every customer policy: a new version of one they do not
        # list (a Resource pattern, the probe) changes nobody's permissions.
        self.policies_listed = snapshot.has_authorization_details
        # Methods no principal can use here (Identity Center's, where it does not reach the
        # account): ruled out once, not in the per-principal loop.
        self.unreachable_methods = (
            frozenset()
            if _has_identity_center(snapshot.roles)
            else frozenset(m.id for m in action_methods() if _needs_identity_center(m))
        )
        # The customer policies holding a stored version richer than their default, the only
        # ones iam:SetDefaultPolicyVersion gains by; None when the snapshot does not list
        # versions (then any policy may hold one, as the method's requirement says).
        self.richer_versions: tuple[str, ...] | None = (
            None
            if any(p.other_versions is None for p in customer)
            else tuple(
                p.arn
                for p in customer
                if any(richer_than(v, p.document) for v in p.other_versions or ())
            )
        )
        # Answers per target list (and a pattern, a kind of question...): see _per_list.
        self._by_list: dict[tuple[Any, int], tuple[tuple[str, ...], Any]] = {}
        self._pass_targets: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._richer: dict[tuple[Any, Any], bool] = {}
        self._services_of: dict[str, frozenset[str]] = {}
        self._fit: dict[tuple[str, str], bool] = {}
        self._covered: dict[tuple[frozenset[str], bool], frozenset[str]] = {}
        self._covered_sets: dict[frozenset[str], frozenset[str]] = {}
        by_arn = snapshot.policy_by_arn()
        admin_policies = [ADMINISTRATOR_ACCESS.format(partition=snapshot.partition)]
        admin_policies += [p.arn for p in snapshot.policies if grants_administrator(p.document)]
        self.admin_policies = tuple(dict.fromkeys(admin_policies))
        self.admin_groups = tuple(
            g.arn
            for g in snapshot.groups
            if any(grants_administrator(i.document) for i in g.inline_policies)
            or any(a.arn in self.admin_policies for a in g.attached_policies)
            or any(
                a.arn in by_arn and grants_administrator(by_arn[a.arn].document)
                for a in g.attached_policies
            )
        )

    def candidates(self, perms: EffectivePermissions, action: str) -> Iterable[str]:
        """Resources to try the action on, in order, without those a Deny's NotResource leaves
        out (see :meth:`undenied`)."""
        lowered = action.lower()
        denied = perms.denied_outside(action)
        if lowered == _PASS_ROLE:
            yield from self._matching(perms, action, self.passable_roles, denied)
            return
        if lowered == _SET_DEFAULT_VERSION and self.richer_versions is not None:
            yield from self._matching(perms, action, self.richer_versions, denied)
            return
        own = tuple(
            r
            for r in self.undenied(denied, perms.candidate_resources(action))
            if self._fits(lowered, r)
        )
        if lowered in _POLICY_VERSION_ACTIONS:
            if not self.policies_listed:
                for resource in own:
                    if not _is_aws_managed_policy(resource):
                        yield resource
            yield from self._matching(perms, action, self.customer_policies, denied)
            return
        yield from own

    def _fits(self, action: str, resource: str) -> bool:
        """Whether a Resource pattern can name a resource the action is authorized against
        (the ARN formats of its resource types, Service Authorization Reference): AWS asks
        iam:AttachGroupPolicy about a group's ARN, never a role's, so `iam:*` on `role/app-*`
        does not grant it. Once per action and pattern. IAM's actions only: other services'
        resource parts may differ in case from the catalogue's formats in AWS's own policies
        (AmazonSageMakerFullAccess names `statemachine:*sagemaker*`); a pattern that is not an
        ARN, or an action the catalogue does not know, is given the benefit of the doubt."""
        key = (action, resource)
        found = self._fit.get(key)
        if found is None:
            info = (
                self.index.catalogue.action(action)
                if action.startswith("iam:") and resource.startswith("arn:")
                else None
            )
            found = self._fit[key] = info is None or action_fits_resources(info, (resource,))
        return found

    def admins_among(self, targets: tuple[str, ...]) -> tuple[str, ...]:
        """The administrator-equivalent principals of a target list, in its order; once per
        list. They are richer than any holder the search asks about (administrators hold no
        method), so a walk tries them before working out what the holder's Allows cover."""
        return _per_list(self._by_list, "admins", targets, self._admins_of)

    def _admins_of(self, targets: tuple[str, ...]) -> tuple[str, ...]:
        index = self.index
        return tuple(arn for arn in targets if index[arn].is_admin_equivalent)

    def pass_targets(self, services: tuple[str, ...]) -> tuple[str, ...]:
        """Roles a service of ``services`` can assume (any role when none is named), the
        admin-equivalent ones first: they are more privileged than any holder."""
        found = self._pass_targets.get(services)
        if found is None:
            wanted = {s.lower() for s in services}
            trusting = [
                arn
                for arn, role in self.roles.items()
                if not wanted or _admits(self._trusted_services(arn, role), wanted)
            ]
            admin = [arn for arn in trusting if self.index[arn].is_admin_equivalent]
            admin_set = set(admin)
            found = tuple(admin + [arn for arn in trusting if arn not in admin_set])
            self._pass_targets[services] = found
        return found

    def richer_role_trusting(self, services: tuple[str, ...], holder: EffectivePermissions) -> bool:
        """Whether some role that a service of ``services`` can assume is more privileged than
        the holder: a method that runs code as an existing resource's role (an SSM session on
        an instance, new code in a Lambda function) gains only if such a role exists (PMapper's
        edge checkers ask the same of the account's roles). Once per policy set and service
        list, and kind by kind (admin or not, Allow patterns) like :meth:`richer_passable`:
        thousands of holders facing hundreds of Lambda roles no longer compare each pair."""
        key = ("richer_role_trusting", services)
        memo = holder.view.memo
        found = memo.get(key)
        if found is None:
            found = memo[key] = self._richer_role_among(self.pass_targets(services), holder)
        return found

    def _richer_role_among(self, targets: tuple[str, ...], holder: EffectivePermissions) -> bool:
        if not targets:
            return False
        kinds, _any_admin, _every = self._kinds_in(targets)
        if kinds is None:
            return any(self.more_privileged(arn, holder) for arn in targets)
        index = self.index
        return any(
            self._kind_richer(kind, holder)
            and any(index[targets[p]].view is not holder.view for p in positions)
            for kind, positions in kinds.items()
        )

    def users_admin_first(self) -> tuple[str, ...]:
        """The account's users, administrators first (the targets that take over users try
        them in this order, so a finding names an administrator when it can): one tuple, so
        what is worked out per target list (kinds, matches) is shared by every action."""
        if self._users_ordered is None:
            admin = [arn for arn in self.users if self.index[arn].is_admin_equivalent]
            admin_set = set(admin)
            self._users_ordered = tuple(admin + [a for a in self.users if a not in admin_set])
        return self._users_ordered

    def state_refuses(self, action: str, *, key_quota: bool) -> frozenset[str]:
        """Users the credential report shows in a state the call fails on (``key_quota``:
        CreateAccessKey without DeleteAccessKey, refused on two keys); users it does not list
        (or no report) may be targets. Once per action."""
        key = (action.lower(), key_quota)
        found = self._refused.get(key)
        if found is None:
            found = self._refused[key] = frozenset(
                arn for arn in self.users if not self._state_allows(arn, key[0], key_quota)
            )
        return found

    def _state_allows(self, arn: str, action: str, key_quota: bool) -> bool:
        if self._credential_rows is None:
            return True
        row = self._credential_rows.get(self._user_names.get(arn, ""))
        if row is None:
            return True
        if action == _CREATE_ACCESS_KEY:
            keys = sum(
                1
                for rotated in (row.access_key_1_last_rotated, row.access_key_2_last_rotated)
                if rotated.strip().upper() not in ("N/A", "")
            )
            return not key_quota or keys < 2
        password = row.flag("password_enabled")
        if password is None:
            return True
        return not password if action == "iam:createloginprofile" else password

    def mentions_passed_to_service(self, perms: EffectivePermissions) -> bool:
        """Whether a policy of the principal has an iam:PassedToService condition (from the
        keys the index found in each document while resolving it: no second reading)."""
        keys_of = self.index.referenced_keys
        return any("iam:passedtoservice" in keys_of(source) for source in perms.sources)

    def _trusted_services(self, arn: str, role: Role) -> frozenset[str]:
        """The service (and federated) principals the role's trust policy lets in, once per
        role; ``*`` when it trusts anyone."""
        found = self._services_of.get(arn)
        if found is None:
            found = self._services_of[arn] = trusted_services(role)
        return found

    def more_privileged(self, role_arn: str, holder: EffectivePermissions) -> bool:
        """Whether passing the role gives the holder something it does not have already: the
        role is an administrator, or one of its Allow action patterns is not covered by the
        holder's (pattern against pattern, so no catalogue expansion: this runs per pair)."""
        target = self.index[role_arn]
        if target.view is holder.view:
            return False
        return self._kind_richer((target.is_admin_equivalent, allow_patterns(target)), holder)

    def _kind_richer(self, kind: tuple[bool, frozenset[str]], holder: EffectivePermissions) -> bool:
        """:meth:`more_privileged` for a kind of role (admin-equivalent, Allow patterns): an
        administrator is richer than anyone but an administrator; else some pattern of the
        role's must be one the holder's do not cover."""
        admin, patterns = kind
        if admin:
            return True
        return not holder.is_admin_equivalent and self._patterns_richer(patterns, holder)

    def _patterns_richer(self, patterns: frozenset[str], holder: EffectivePermissions) -> bool:
        """Whether an Allow pattern of ``patterns`` is not covered by the holder's, once per
        pair of pattern sets (policy sets repeat them; pairs of views would be millions)."""
        mine = allow_patterns(holder)
        key = (patterns, mine)
        found = self._richer.get(key)
        if found is None:
            coverage = _coverage(holder)
            found = coverage is not None and any(
                not coverage.covers(pattern) for pattern in patterns
            )
            self._richer[key] = found
        return found

    def richer_passable(
        self,
        asker: EffectivePermissions,
        holder: EffectivePermissions,
        targets: tuple[str, ...],
        action: str = "iam:PassRole",
    ) -> Iterator[str]:
        """The targets (in their order) an Allow of ``asker`` for ``action`` covers and that
        are more privileged than ``holder``: roles for iam:PassRole, users for the actions
        that take over users (:meth:`matching_roles` filtered by :meth:`more_privileged`).
        When the targets fall into few kinds (admin or not, Allow patterns), each kind is
        judged once, when the walk reaches it, and only the richer kinds' principals are
        walked: 10,000 holders of PassRole on `*` facing 5,000 lesser roles no longer walk
        them all."""
        kinds, any_admin, every = self._kinds_in(targets)
        covered = self.covered_targets(asker, action)
        if len(covered) * 4 < len(targets):
            # A narrow grant (a few roles): its roles are walked, one by one.
            return self._walk_richer(asker, holder, targets, None if any_admin else every, action)
        if kinds is None:
            return self._shared_walk(holder, targets, covered)
        index = self.index
        return (
            targets[position]
            for position in _positions_of_kinds(kinds, lambda k: self._kind_richer(k, holder))
            if targets[position] in covered and index[targets[position]].view is not holder.view
        )

    def _shared_walk(
        self, holder: EffectivePermissions, targets: tuple[str, ...], covered: frozenset[str]
    ) -> Iterator[str]:
        """Targets of too many kinds to group, walked once per kind of holder (admin or not,
        Allow patterns: all that richness depends on) and the walk kept for the next holder of
        that kind, which then skips the thousands of lesser targets the first one judged
        (3,000 key holders facing 2,000 lesser users walked them all, each)."""
        kind = (holder.is_admin_equivalent, allow_patterns(holder))
        walks: dict[Any, _SharedWalk] = _per_list(self._by_list, "walks", targets, _new_walks)
        walk = walks.get(kind)
        if walk is None:
            if len(walks) >= _SHARED_WALKS:
                walks.clear()
            index = self.index
            walk = walks[kind] = _SharedWalk(
                t
                for t in targets
                if self._kind_richer(
                    (index[t].is_admin_equivalent, allow_patterns(index[t])), holder
                )
            )
        index = self.index
        return (t for t in walk if t in covered and index[t].view is not holder.view)

    def _walk_richer(
        self,
        asker: EffectivePermissions,
        holder: EffectivePermissions,
        targets: tuple[str, ...],
        every: frozenset[str] | None,
        action: str = "iam:PassRole",
    ) -> Iterator[str]:
        """Role by role. After _FEW_KINDS roles in a row that are not richer, and when no
        target is admin-equivalent (``every``: the union of the targets' Allow patterns), one
        look at whether any target could be richer at all: when the holder's Allows cover
        every pattern, the walk stops instead of trying each of thousands of roles."""
        misses = 0
        for arn in self.matching_roles(asker, action, targets):
            if self.more_privileged(arn, holder):
                misses = 0
                yield arn
                continue
            misses += 1
            if (
                misses == _FEW_KINDS
                and every is not None
                and not self._kind_richer((False, every), holder)
            ):
                return

    def _kinds_in(
        self, targets: tuple[str, ...]
    ) -> tuple[dict[tuple[bool, frozenset[str]], list[int]] | None, bool, frozenset[str]]:
        """The targets' positions by kind (admin-equivalent, Allow patterns), None when kinds
        are many (then roles are judged one by one, lazily); whether one is admin-equivalent;
        the union of their Allow patterns. Once per target list."""
        return _per_list(self._by_list, "kinds", targets, self._group_kinds)

    def _group_kinds(
        self, targets: tuple[str, ...]
    ) -> tuple[dict[tuple[bool, frozenset[str]], list[int]] | None, bool, frozenset[str]]:
        kinds: dict[tuple[bool, frozenset[str]], list[int]] | None = {}
        limit = max(_FEW_KINDS, len(targets) // 8)
        any_admin = False
        every: set[str] = set()
        for position, arn in enumerate(targets):
            target = self.index[arn]
            kind = (target.is_admin_equivalent, allow_patterns(target))
            any_admin = any_admin or kind[0]
            every |= kind[1]
            if kinds is None:
                continue
            found = kinds.get(kind)
            if found is None:
                if len(kinds) >= limit:
                    kinds = None
                    continue
                found = kinds[kind] = []
            found.append(position)
        return kinds, any_admin, frozenset(every)

    def matching_roles(
        self, perms: EffectivePermissions, action: str, targets: tuple[str, ...]
    ) -> Iterator[str]:
        """The targets (in their order) some Allow pattern of the action covers."""
        patterns, covered = self._covered_by(perms, action)
        if len(covered) * 4 >= len(targets):
            return (arn for arn in targets if arn in covered)

        # A narrow grant (a few roles) among many targets: its roles in the targets' order,
        # once per pattern set and target list, rather than a scan of every target for each
        # holder (quadratic on a 50,000-principal account).
        return iter(
            _per_list(self._by_list, ("ordered", patterns), targets, self._in_order, covered)
        )

    def _in_order(self, targets: tuple[str, ...], covered: frozenset[str]) -> tuple[str, ...]:
        position = self._positions_in(targets)
        return tuple(sorted((a for a in covered if a in position), key=position.__getitem__))

    def covered_targets(self, perms: EffectivePermissions, action: str) -> frozenset[str]:
        """The roles (or, for the actions that take over users, the users) some Allow pattern
        of the action covers; the evaluator decides."""
        return self._covered_by(perms, action)[1]

    def _covered_by(
        self, perms: EffectivePermissions, action: str
    ) -> tuple[frozenset[str], frozenset[str]]:
        lowered = action.lower()
        memo_key = ("covered_by", lowered)
        found = perms.view.memo.get(memo_key)  # the set's answer: asked once per method
        if found is not None:
            return found
        patterns = frozenset(
            pattern for policy in perms.view.identity for pattern in policy.allow_literals(lowered)
        )
        # Keyed by the patterns, not the policy set: thousands of sets share a few patterns
        # (often just `*`), and a set of every role per policy set would cost hundreds of MB.
        # The universe: the users for the actions that take over users, else the roles.
        of_users = lowered in _TAKES_OVER_USERS
        universe, everything = (
            (self.users, self._all_users) if of_users else (self.passable_roles, self._all_passable)
        )
        covered = self._covered.get((patterns, of_users))
        if covered is None:
            # A pattern without a wildcard names one ARN: looked up, not matched against each
            # of thousands of roles (policies listing hundreds of role ARNs each).
            literals = {unmark(p) for p in patterns if not has_wildcard(p)} & everything
            hits = [
                self._hits_of(pattern, universe) for pattern in patterns if has_wildcard(pattern)
            ]
            if len(literals) == len(universe) or any(len(found) == len(universe) for found in hits):
                covered = everything  # `*` (or alike) beside narrower patterns
            else:
                covered = frozenset().union(literals, *hits)
                # Equal sets stored once: a copy per pattern set was 566 MB of a
                # 10,000-principal audit whose pattern sets all covered most roles.
                covered = self._covered_sets.setdefault(covered, covered)
            if not covered:
                # Patterns naming nothing the account has (hundreds of listed ARNs of roles
                # that do not exist) are not kept as a key: one answer, no pattern set.
                found = perms.view.memo[memo_key] = (_NOTHING, covered)
                return found
            self._covered[(patterns, of_users)] = covered
        found = perms.view.memo[memo_key] = (patterns, covered)
        return found

    def _positions_in(self, targets: tuple[str, ...]) -> dict[str, int]:
        return _per_list(self._by_list, "positions", targets, _positions)

    def _matching(
        self,
        perms: EffectivePermissions,
        action: str,
        targets: tuple[str, ...],
        denied: tuple[tuple[str, ...], ...],
    ) -> Iterable[str]:
        """Snapshot resources some Allow pattern covers and no Deny's NotResource leaves out
        (``denied``; the evaluator still decides)."""
        patterns = {
            pattern
            for policy in perms.view.identity
            for pattern in policy.allow_literals(action.lower())
        }
        for pattern in sorted(patterns):
            yield from self.undenied(denied, self._hits_of(pattern, targets))

    def _hits_of(self, pattern: str, targets: tuple[str, ...]) -> tuple[str, ...]:
        """The targets an Allow pattern matches, in order; the same patterns recur across
        thousands of principals, so each is matched once."""
        return _per_list(self._by_list, ("hits", pattern), targets, _hits, pattern)

    def undenied(
        self, denied: tuple[tuple[str, ...], ...], targets: tuple[str, ...]
    ) -> tuple[str, ...]:
        """``targets`` without those a Deny's NotResource leaves out (``denied``: see
        EffectivePermissions.denied_outside), once per pair: a data perimeter ("deny all
        but our buckets") held by thousands of principals no longer has each of them walk
        every role in the account to find it denied."""
        # List by list, each filtered tuple kept: principals combine the same few perimeter
        # policies in many ways, and the second list is applied to what the first left.
        for patterns in denied:
            targets = _per_list(
                self._by_list, ("inside", patterns), targets, self._inside, patterns
            )
        return targets

    def _inside(self, targets: tuple[str, ...], patterns: tuple[str, ...]) -> tuple[str, ...]:
        """The targets a NotResource list does not deny, in order. A perimeter names a few
        buckets or a prefix: the targets starting with a pattern's literal text are found by
        bisection in the sorted targets (what no pattern starts like is denied), so hundreds
        of perimeters do not each test every role and user of the account."""
        keep = outside_denial_filter((patterns,))
        prefixes = {literal_prefix(p) for p in patterns}
        if "" in prefixes or len(targets) < _BISECT_FROM:
            return tuple(filter(keep, targets))
        ordered, positions, wildcards = self._sorted_targets(targets)
        found = set(wildcards)  # a question about a set of resources: kept for the decision
        for prefix in prefixes:
            at = bisect_left(ordered, prefix)
            while at < len(ordered) and ordered[at].startswith(prefix):
                found.add(positions[at])
                at += 1
        return tuple(targets[i] for i in sorted(found) if keep(targets[i]))

    def _sorted_targets(
        self, targets: tuple[str, ...]
    ) -> tuple[list[str], list[int], tuple[int, ...]]:
        """(the targets sorted, their positions, positions of targets holding a wildcard)."""
        return _per_list(self._by_list, "sorted", targets, _sorted)


class _SharedWalk:
    """A lazy walk whose finds are kept: every iteration replays what earlier ones found and
    goes on from where the farthest stopped."""

    __slots__ = ("_done", "_found", "_source")

    def __init__(self, source: Iterator[str]) -> None:
        self._source = source
        self._found: list[str] = []
        self._done = False

    def __iter__(self) -> Iterator[str]:
        position = 0
        while True:
            if position < len(self._found):
                yield self._found[position]
                position += 1
                continue
            if self._done:
                return
            found = next(self._source, None)
            if found is None:
                self._done = True
                return
            self._found.append(found)


# Kinds of holder whose walks are kept per target list (then they start afresh): bounded for
# accounts where every principal is a kind of its own.
_SHARED_WALKS = 256


def _new_walks(_targets: tuple[str, ...]) -> dict[Any, _SharedWalk]:
    return {}


def _per_list(
    cache: dict[tuple[Any, int], tuple[tuple[str, ...], Any]],
    question: Any,
    targets: tuple[str, ...],
    answer: Callable[..., _T],
    *args: Any,
) -> _T:
    """``answer(targets, *args)`` once per question about a target list, the list found by
    identity: the finder's lists (its roles, its policies, what filtering them left) hold
    thousands of ARNs, and hashing one per look-up would cost what the cache saves. The list
    is kept beside its answer, so no other list can take its id."""
    slot = (question, id(targets))
    cached = cache.get(slot)
    if cached is None or cached[0] is not targets:
        cached = cache[slot] = (targets, answer(targets, *args))
    return cached[1]  # type: ignore[no-any-return]


def _without(targets: tuple[str, ...], left_out: frozenset[str]) -> tuple[str, ...]:
    return tuple(t for t in targets if t not in left_out)


def _positions(targets: tuple[str, ...]) -> dict[str, int]:
    return {arn: i for i, arn in enumerate(targets)}


def _hits(targets: tuple[str, ...], pattern: str) -> tuple[str, ...]:
    """The targets the pattern matches. Every literal run of the pattern is in each of them
    (``role/*-svc7-*``: ``-svc7-`` as well as the account prefix every role has), so ``in``
    turns most targets away before the matcher runs."""
    if not has_wildcard(pattern):  # matched by equality (arn_matcher), each occurrence kept
        literal = unmark(pattern)
        return (literal,) * targets.count(literal)
    matches = arn_matcher((pattern,))
    parts = literal_parts(pattern)
    if not parts:
        return tuple(t for t in targets if matches(t))
    first, *rest = parts
    return tuple(t for t in targets if first in t and all(p in t for p in rest) and matches(t))


def _sorted(targets: tuple[str, ...]) -> tuple[list[str], list[int], tuple[int, ...]]:
    order = sorted(range(len(targets)), key=targets.__getitem__)
    wildcards = tuple(i for i, t in enumerate(targets) if "*" in t or "?" in t)
    return [targets[i] for i in order], order, wildcards


def target_finder(index: PermissionIndex) -> TargetFinder:
    """The index's one finder: its caches (targets per service list, which roles are richer
    than which policy set) serve every check that searches escalations, not just the first."""
    found = index.memo.get(SHARED_KEY)
    if found is None:
        found = index.memo[SHARED_KEY] = TargetFinder(index)
    return found


def grants_administrator(document: Mapping[str, Any] | None) -> bool:
    """Whether a policy document allows `*` or `iam:*` on every resource without a condition:
    attaching it, or joining a group that has it, makes a principal an administrator."""
    statements = document.get("Statement", []) if isinstance(document, Mapping) else []
    if isinstance(statements, Mapping):
        statements = [statements]
    for statement in statements if isinstance(statements, list) else []:
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        if statement.get("Condition") or "Action" not in statement:
            continue
        actions = _listed_strings(statement["Action"])
        resources = _listed_strings(statement.get("Resource", []))
        if "*" in resources and any(a.lower() in ("*", "iam:*") for a in actions):
            return True
    return False


def _listed_strings(value: Any) -> list[str]:
    """A policy element's strings; anything IAM would refuse (a number, null) grants nothing.
    The document comes straight from the snapshot, which may hold such a file's contents."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def allow_patterns(perms: EffectivePermissions) -> frozenset[str]:
    """The lower-case Action patterns of the principal's Allow statements (``_NOT_ACTION`` for
    an Allow with NotAction, which grants nearly everything), once per policy set; a pattern
    granted only on some resources carries the ``_SCOPED`` mark (see
    :func:`_scoped_only`)."""
    key = ("privesc_allow_patterns",)
    found = perms.view.memo.get(key)
    if found is None:
        memo = perms.index.memo
        found = frozenset().union(*(_policy_allow_patterns(p, memo) for p in perms.view.identity))
        perms.view.memo[key] = found
    return found


def _policy_allow_patterns(policy: Any, memo: dict[Any, Any]) -> frozenset[str]:
    """One policy's share of :func:`allow_patterns`, worked out once per parsed document, its
    strings shared (a policy of 600 actions held by thousands of sets held 2 million lower-case
    copies: 156 MB of an audit)."""
    document = policy.policy
    key = ("privesc_policy_allow_patterns", id(document))
    cached = memo.get(key)
    if cached is None or cached[0] is not document:
        patterns: set[str] = set()
        for statement in document.statements:
            if statement.effect != "Allow":
                continue
            if statement.actions is None:
                mark = _SCOPED if _scoped_only(statement.resources) else ""
                patterns.add(lower_shared(mark + _not_action_pattern(statement.not_actions)))
            elif _scoped_only(statement.resources):
                patterns.update(lower_shared(_SCOPED + a) for a in statement.actions)
            else:
                patterns.update(lower_shared(a) for a in statement.actions)
        cached = memo[key] = (document, frozenset(patterns))
    return cached[1]


def _not_action_pattern(excluded: tuple[str, ...] | None) -> str:
    """An Allow with NotAction as one pattern: ``_NOT_ACTION`` and the actions it leaves out
    (PowerUserAccess: everything but iam:*, organizations:* and account:*)."""
    return _NOT_ACTION + _EXCLUDED_SEPARATOR.join(sorted({a.lower() for a in excluded or ()}))


_EXCLUDED_SEPARATOR = "|"


# Marks an action pattern granted only on some resources: a role granted s3:GetObject on every
# bucket is richer than a holder granted it on one. Scoped grants compare by action only (one
# bucket against another would make every holder's own prefix a kind of its own, and every
# holder walk every role: passrole-lesser took 316 s and 8 GB).
_SCOPED = "~"


def _scoped_only(resources: tuple[str, ...] | None) -> bool:
    """Whether a statement's Resource reaches only some resources: not ``*``, nor an ARN
    pattern whose region, account and resource parts are all wildcards (``arn:aws:s3:::*``,
    ``arn:aws:*:*:*:*``: every resource of the type, as AWS evaluates it). NotResource counts
    as every resource (it grants nearly everything)."""
    if resources is None:
        return False
    return not any(r == "*" or _EVERY_RESOURCE.fullmatch(r) for r in resources)


# arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE with REGION and ACCOUNT empty or `*` and
# RESOURCE made of `*`, `/` and `:` only (every resource of the service, or every object).
_EVERY_RESOURCE = re.compile(r"arn:[^:]*:[^:]*:\*?:\*?:[*/:]*\*[*/:]*")


class _Coverage:
    """Which action patterns a holder's Allow patterns cover (``fnmatchcase(pattern, mine)``
    for one of them), each pattern judged once per holder: target roles repeat patterns. A
    pattern on every resource is covered only by the holder's patterns on every resource; a
    ``_SCOPED`` one by any of the holder's. A holder's Allow NotAction covers every pattern
    that cannot name an action it leaves out; a target's is covered only by a holder's NotAction
    leaving out no more."""

    __slots__ = ("_everywhere", "_known", "_not_everywhere", "_not_somewhere", "_somewhere")

    def __init__(self, mine: frozenset[str]) -> None:
        everywhere: set[str] = set()
        somewhere: set[str] = set()
        self._not_everywhere: list[tuple[str, ...]] = []
        self._not_somewhere: list[tuple[str, ...]] = []
        for pattern in mine:
            scoped = pattern.startswith(_SCOPED)
            action = pattern[1:] if scoped else pattern
            if action.startswith(_NOT_ACTION):
                excluded = _excluded(action)
                (self._not_somewhere if scoped else self._not_everywhere).append(excluded)
            else:
                (somewhere if scoped else everywhere).add(action)
        self._everywhere = _PatternTest(frozenset(everywhere))
        self._somewhere = _PatternTest(frozenset(somewhere))
        self._known: dict[str, bool] = {}

    def covers(self, pattern: str) -> bool:
        found = self._known.get(pattern)
        if found is None:
            scoped = pattern.startswith(_SCOPED)
            action = pattern[1:] if scoped else pattern
            nots = [*self._not_everywhere, *self._not_somewhere] if scoped else self._not_everywhere
            if action.startswith(_NOT_ACTION):
                # Nearly everything: only a NotAction leaving out no more covers it.
                theirs = _excluded(action)
                found = any(
                    all(any(glob_covers(t, e) for t in theirs) for e in excluded)
                    for excluded in nots
                )
            else:
                found = (
                    self._everywhere.matches(action)
                    or (scoped and self._somewhere.matches(action))
                    or any(_clear_of(action, excluded) for excluded in nots)
                )
            self._known[pattern] = found
        return found


def _excluded(not_action: str) -> tuple[str, ...]:
    """The actions a ``_not_action_pattern`` leaves out."""
    text = not_action[len(_NOT_ACTION) :]
    return tuple(text.split(_EXCLUDED_SEPARATOR)) if text else ()


def _clear_of(pattern: str, excluded: tuple[str, ...]) -> bool:
    """Whether no action the pattern names is one of ``excluded`` (globs): ``s3:get*`` is
    clear of ``iam:*``; ``*:get*`` is not, it may name iam:GetUser."""
    return not any(patterns_overlap(pattern, e) for e in excluded)


class _PatternTest:
    """Whether one of some action globs matches an action pattern, as fnmatchcase does."""

    __slots__ = ("_literals", "_wildcards")

    def __init__(self, globs: frozenset[str]) -> None:
        # A pattern without glob characters matches only itself: a set lookup, not a regex.
        wildcards = [h for h in globs if "*" in h or "?" in h or "[" in h]
        self._literals = globs.difference(wildcards) if wildcards else globs
        # fnmatchcase(pattern, h), without a regex for the common `*`-only globs.
        self._wildcards = tuple(_glob_test(h) for h in sorted(wildcards))

    def matches(self, pattern: str) -> bool:
        return pattern in self._literals or any(test(pattern) for test in self._wildcards)


def _glob_test(glob: str) -> Callable[[str], bool]:
    """fnmatchcase against ``glob``: by literal runs for a `*`-only glob, else fnmatch's."""
    if "[" in glob:
        return lambda text: fnmatchcase(text, glob)
    return star_glob_matcher(glob) or (lambda text: fnmatchcase(text, glob))


def _coverage(perms: EffectivePermissions) -> _Coverage | None:
    """The holder's coverage of action patterns, once per policy set; None when an Allow of
    `*` covers everything."""
    key = ("privesc_coverage",)
    memo = perms.view.memo
    if key in memo:
        return memo[key]
    mine = allow_patterns(perms)
    if "*" in mine:
        found = None
    else:  # policy sets combining the same policies share their patterns, and so this
        found = _COVERAGES.get(mine)
        if found is None:
            if len(_COVERAGES) > _COVERAGES_LIMIT:
                _COVERAGES.clear()
            found = _COVERAGES[mine] = _Coverage(mine)
    memo[key] = found
    return found


# _Coverage by pattern set, bounded for a long-running bot (patterns are interned strings).
_COVERAGES: dict[frozenset[str], _Coverage] = {}
_COVERAGES_LIMIT = 4096


def trusts_service(role: Role, services: set[str]) -> bool:
    """Whether the role's trust policy lets one of the service principals assume it."""
    return _admits(trusted_services(role), {s.lower() for s in services})


def _admits(trusted: frozenset[str], services: set[str]) -> bool:
    return "*" in trusted or not trusted.isdisjoint(services)


def trusted_services(role: Role) -> frozenset[str]:
    """Lower-case service and federated principals an Allow of the trust policy names for
    sts:AssumeRole (or AssumeRoleWithWebIdentity); ``*`` for a Principal of ``*``."""
    found: set[str] = set()
    for statement in _trust_statements(role):
        if statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if not any(str(a).lower() in _ASSUMING_ACTIONS for a in actions):
            continue
        principal = statement.get("Principal")
        if principal == "*":
            found.add("*")
            continue
        if not isinstance(principal, Mapping):
            continue
        for kind in ("Service", "Federated"):
            values = principal.get(kind, [])
            values = [values] if isinstance(values, str) else values
            found.update(str(v).lower() for v in values)
    return frozenset(found)


def _is_aws_managed_policy(resource: str) -> bool:
    parts = resource.split(":", 5)
    return len(parts) == 6 and parts[4] == "aws"


def held_access(perms: EffectivePermissions, finder: TargetFinder, action: str) -> Access | None:
    """The first target the action is allowed on, or None.

    Targets other than the principal itself depend only on the policy set, so that part is
    cached per set; the principal's own ARN is tried last, for the actions that escalate when
    aimed at oneself.
    """
    projection = perms.view.reaching(action)
    if projection is None:
        return None
    lowered = action.lower()
    key = ("held", lowered)
    memo = projection.memo  # shared by sets reaching the action alike
    if key in memo:
        # Found for another set reaching the action through the same policies (and boundary):
        # every answer about the action is the projection's, so this principal's too.
        access = memo[key]
        if access is not None and access.action != action:
            access = replace(access, action=action)
    else:
        candidates = _unique(finder.candidates(perms, action))
        access = projection.first_allowed(action, candidates, undenied=True)
        memo[key] = access
    if access is None and lowered in _SELF_ESCALATING[perms.principal.kind]:
        access = perms.allowed_on_any(action, (perms.arn,))
    return access


def _allowed_on_tagged(
    perms: EffectivePermissions,
    action: str,
    resources: Iterable[str],
    *,
    undenied: bool = False,
) -> Access | None:
    """The first resource the action is allowed on (as ``allowed_on_any``, and as lazily: the
    walk usually stops at the first), the resource tags the caller's policies name read from
    each user or role of the account; resources alike in those tags share one asker. Other
    resources (their tags unknown here) keep the conditions assumed to hold."""
    keys = _resource_tag_keys(perms)
    index = perms.index
    askers: dict[tuple[tuple[str, ...], ...], EffectivePermissions] = {}
    for resource in resources:
        entity = index.entity(resource) if resource in index else None
        if entity is None:
            access = perms.allowed_on_any(action, (resource,), undenied=undenied)
        else:
            facts = _tag_facts(entity.tags, keys)
            signature = tuple(facts.values())
            asker = askers.get(signature)
            if asker is None:
                asker = askers[signature] = perms.with_facts(facts)
            # Its denials were not those the caller filtered the resources by.
            access = asker.allowed_on_any(action, (resource,))
        if access is not None:
            return access
    return None


def _tag_facts(tags: Mapping[str, str], keys: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """The resource-tag keys' values for a resource with these tags (``()``: no such tag);
    tag keys compare without case, as condition keys do."""
    lowered = {tag.lower(): value for tag, value in tags.items()}
    facts: dict[str, tuple[str, ...]] = {}
    for key in keys:
        value = lowered.get(key.split("/", 1)[1])
        facts[key] = () if value is None else (value,)
    return facts


def pass_role_access(
    perms: EffectivePermissions, finder: TargetFinder, services: tuple[str, ...]
) -> Access | None:
    """iam:PassRole on a role a service of ``services`` trusts and that is more privileged than
    the holder, or None (cached per policy set and service list)."""
    if not perms.may_allow("iam:PassRole"):
        return None
    key = ("pass_role", services)
    memo = perms.view.memo
    if key in memo:
        return memo[key]
    access = None
    targets = finder.pass_targets(services)
    if not targets:  # no role of the account trusts these services: nothing to pass
        memo[key] = None
        return None
    askers = [perms]
    if finder.mentions_passed_to_service(perms):
        # iam:PassedToService names the service the role goes to: judge it for this method's
        # services instead of assuming the caller can pick any.
        askers = [
            asker
            for service in services
            if (asker := _passing_to(perms, service)).may_allow("iam:PassRole")
        ]
    for asker in askers:
        if asker.denied_everywhere("iam:PassRole"):
            continue
        # One allowed_on_any over the richer roles, in order: when no policy scopes PassRole
        # by resource, the first refusal is every role's (a conditioned PassRole on `*` no
        # longer tries each of 25,000 roles in turn).
        passable = finder.undenied(asker.denied_outside("iam:PassRole"), targets)
        access = _admin_first(asker, finder, "iam:PassRole", passable, holder=perms)
        if access is not None:
            break
    memo[key] = access
    return access


def credential_access(
    perms: EffectivePermissions, finder: TargetFinder, action: str, *, key_quota: bool
) -> Access | None:
    """The action on a user more privileged than the holder whose state lets the call succeed
    (an administrator first), or None: taking over a lesser user, or one the call fails on,
    gains nothing (PMapper's IAM edge checker asks the same). Cached per policy set."""
    if not perms.may_allow(action):
        return None
    key = ("takes_over", action.lower(), key_quota)
    memo = perms.view.memo
    if key in memo:
        return memo[key]
    access = None
    if not perms.denied_everywhere(action):
        reachable = finder.undenied(perms.denied_outside(action), finder.users_admin_first())
        refused = finder.state_refuses(action, key_quota=key_quota)
        if refused:
            # Left out before the walk (one list per refusal, shared by every holder): the
            # administrators refused first would otherwise be judged for each holder, and
            # keep the walk from stopping early.
            reachable = _per_list(
                finder._by_list, ("without", refused), reachable, _without, refused
            )
        # Kind by kind (admin first), and only the users some Allow pattern covers: a grant
        # scoped to a few users is not evaluated against every administrator of the account.
        access = _admin_first(perms, finder, action, reachable, holder=perms)
    memo[key] = access
    return access


def trust_rewrite_access(
    perms: EffectivePermissions, finder: TargetFinder, action: str
) -> Access | None:
    """iam:UpdateAssumeRolePolicy on one of the account's roles more privileged than the holder
    (an administrator first), or None. Rewriting a role's trust to assume it gains what the role
    holds, so a lesser role, or a role the Resource pattern names but the account does not have,
    gains nothing (PMapper's edge asks the same of the destination). Only when the snapshot
    lists the account's roles (authorization details); cached per policy set. The methods that
    also change the role (iam-019..021) need no richer role and are judged as before."""
    if not perms.may_allow(action):
        return None
    key = ("rewrites_trust",)
    memo = perms.view.memo
    if key in memo:
        return memo[key]
    access = None
    if not perms.denied_everywhere(action):
        reachable = finder.undenied(perms.denied_outside(action), finder.pass_targets(()))
        access = _admin_first(perms, finder, action, reachable, holder=perms)
    memo[key] = access
    return access


def _admin_first(
    asker: EffectivePermissions,
    finder: TargetFinder,
    action: str,
    reachable: tuple[str, ...],
    *,
    holder: EffectivePermissions,
) -> Access | None:
    """The first of ``reachable`` (ordered administrators first) the action is allowed on that
    is richer than ``holder``: its administrators tried first, then the walk over the richer
    ones (TargetFinder.richer_passable), which repeats them at no cost (answers are cached)
    and returns the same first target. Like the walk, only targets some Allow pattern covers
    are asked (a ``user/${aws:username}`` grant covers none: it names the holder alone), and
    none sharing the holder's policy set. Most holders that reach anyone reach an
    administrator, and then nobody works out what their Allows cover. An asker whose policies
    name resource tags is asked target by target with each target's tags."""
    allowed_on = _allowed_on_tagged if _resource_tag_keys(asker) else _allowed_on_any
    covered = finder.covered_targets(asker, action)
    index = finder.index
    admins = (  # lazily: the first allowed ends the walk
        a
        for a in finder.admins_among(reachable)
        if a in covered and index[a].view is not holder.view
    )
    access = allowed_on(asker, action, admins, undenied=True)
    if access is None:
        richer = finder.richer_passable(asker, holder, reachable, action)
        access = allowed_on(asker, action, richer, undenied=True)
    return access


def _allowed_on_any(
    perms: EffectivePermissions, action: str, resources: Iterable[str], *, undenied: bool = False
) -> Access | None:
    """:meth:`EffectivePermissions.allowed_on_any` with :func:`_allowed_on_tagged`'s
    signature."""
    return perms.allowed_on_any(action, resources, undenied=undenied)


_POLICY_WRITES = _ATTACH_ACTIONS | _PUT_POLICY_ACTIONS


def _writes_others(method: EscalationMethod, kind: str) -> bool:
    """Whether the method gains by writing a policy on a principal other than the holder (a
    user attaching a policy to a role it then assumes, iam-014 / iam-019): holds_on_itself
    judges only the writes a holder of this kind can aim at itself, so what the write can
    hand out (an administrator policy the iam:PolicyARN condition lets through) is asked of
    the other principal (reaches_an_administrator)."""
    return any(
        a.lower() in _POLICY_WRITES and a.lower() not in _SELF_ESCALATING[kind]
        for a in method.actions
    )


def _keeps_key_quota(method: EscalationMethod) -> bool:
    """CreateAccessKey alone fails on a user with two keys; with DeleteAccessKey it does not."""
    lowered = {a.lower() for a in method.actions}
    return _CREATE_ACCESS_KEY in lowered and "iam:deleteaccesskey" not in lowered


def _passing_to(perms: EffectivePermissions, service: str) -> EffectivePermissions:
    """The principal's permissions for a request whose iam:PassedToService is ``service``."""
    return _requesting(perms, (("iam:passedtoservice", (service,)),))


def methods_held(
    perms: EffectivePermissions,
    finder: TargetFinder,
    methods: Iterable[EscalationMethod] | None = None,
) -> tuple[HeldMethod, ...]:
    """Every action-list method the principal holds (sts-001 is found by trust_chains)."""
    held: list[HeldMethod] = []
    memo: dict[tuple[str, Any], Access | None] = {}
    kind = perms.principal.kind
    if methods is None:
        # Which methods some Allow could cover depends on the policy set only: once per set,
        # kept as the candidate methods and the self-escalating actions among the possible
        # ones (usually none), not as the whole possible set (thousands of sets).
        key = ("privesc_candidates",)
        summary = perms.view.memo.get(key)
        if summary is None:
            possible = perms.possible_among("privesc_methods", all_method_actions(), keep=False)
            # Less what an unconditional Deny takes away everywhere (a data perimeter's
            # NotResource of S3 ARNs denies every IAM action). No method action is a call AWS
            # always allows (test_privesc checks it), so the policies' verdict is the answer.
            possible -= perms.view.denied_everywhere_among(possible)
            candidates = _candidate_methods(possible)
            summary = (candidates or _NO_METHODS, possible & _ANY_SELF_ESCALATING or _NOTHING)
            perms.view.memo[key] = summary
        candidates, possible_self = summary
        if not candidates:
            return ()
    else:
        possible = perms.possible_among("privesc_methods", all_method_actions(), keep=False)
        if not possible:
            return ()
        wanted = [m for m in methods if not m.needs_trust_chain]
        candidates = [m for m in wanted if possible.issuperset(_lowered_actions(m))]
        possible_self = possible & _ANY_SELF_ESCALATING
    # Principals sharing a policy set hold the same methods unless one of them may aim an
    # action at itself (its own user or role): then the answer is worked out per principal.
    shared_key = ("privesc_held", kind)
    shareable = methods is None and possible_self.isdisjoint(_SELF_ESCALATING[kind])
    if shareable and shared_key in perms.view.memo:
        return perms.view.memo[shared_key]
    for method in candidates:
        if method.id in finder.unreachable_methods:
            continue
        if method.runs_as and not finder.richer_role_trusting(method.runs_as, perms):
            continue  # no richer role runs there: its actions need not be asked
        accesses: list[Access] = []
        for action in method.actions:
            lowered = action.lower()
            if lowered == _PASS_ROLE:
                access = pass_role_access(perms, finder, method.pass_to)
            elif lowered in _TAKES_OVER_USERS:
                access = credential_access(
                    perms, finder, action, key_quota=_keeps_key_quota(method)
                )
            elif lowered == _UPDATE_TRUST and finder.policies_listed and len(method.actions) == 1:
                access = trust_rewrite_access(perms, finder, action)
            else:
                request = method.request_values(action) if method.request else ()
                groups = method.resource_groups(action) if method.resources else ()
                if (action, request, groups) not in memo:
                    memo[action, request, groups] = _held_as_requested(
                        perms, finder, action, request, groups
                    )
                access = memo[action, request, groups]
            if access is None:
                break
            accesses.append(access)
        else:
            if _creates_its_role(method):
                made = new_role_accesses(perms, finder, method)
                if made is not None:
                    held.append(HeldMethod(method, made, direct=True, enables=method.enables))
                continue
            direct = is_direct(method, perms) and holds_on_itself(method, perms, finder)
            if direct and finder.richer_versions is not None:
                direct = _switches_own_policy(perms, accesses)
            if direct:
                direct = _rewrites_own_policy(perms, accesses)
            if (not direct or _writes_others(method, kind)) and not reaches_an_administrator(
                method, perms, finder, accesses
            ):
                continue
            held.append(
                HeldMethod(
                    method, tuple(accesses), direct=direct, enables=_enables(method, kind, direct)
                )
            )
    result = tuple(held)
    if shareable:
        perms.view.memo[shared_key] = result
    return result


def _held_as_requested(
    perms: EffectivePermissions,
    finder: TargetFinder,
    action: str,
    request: tuple[tuple[str, tuple[str, ...]], ...],
    groups: tuple[tuple[str, ...], ...] = (),
) -> Access | None:
    """held_access for the request the method makes: the keys it fixes
    (EscalationMethod.request) are decided, not assumed, each listed value tried in turn (a
    policy may spell an attribute name either way); when it names the resources the call is
    authorized against (EscalationMethod.resources), one of each group must be allowed."""
    if not request:
        return _held_on(perms, finder, action, groups)
    for values in itertools.product(*(choices for _, choices in request)):
        facts = tuple((key, (value,)) for (key, _), value in zip(request, values, strict=True))
        access = _held_on(_requesting(perms, facts), finder, action, groups)
        if access is not None:
            return access
    return None


def _held_on(
    perms: EffectivePermissions,
    finder: TargetFinder,
    action: str,
    groups: tuple[tuple[str, ...], ...],
) -> Access | None:
    """held_access, or, for a call authorized against several resources at once (ssm:SendCommand:
    the instance and the document), the action allowed on a resource of every group, the last
    group's (the document) kept as the evidence. Cached per policy set."""
    if not groups:
        return held_access(perms, finder, action)
    key = ("held_on", action.lower(), groups)
    memo = perms.view.memo
    if key in memo:
        return memo[key]
    access = None
    for group in groups:
        arns = _group_arns(perms, finder, action, group)
        access = perms.allowed_on_any(action, arns, undenied=True)
        if access is None:
            break
    memo[key] = access
    return access


# SSM reserves these document name prefixes for AWS's own documents (CreateDocument refuses
# them): a document ARN pattern whose name starts so names no document of the account.
_AWS_DOCUMENT_PREFIXES = ("aws", "amazon", "amzn")


def _group_arns(
    perms: EffectivePermissions, finder: TargetFinder, action: str, group: tuple[str, ...]
) -> tuple[str, ...]:
    """A group's ARN templates made concrete; a template ending in a name placeholder (any
    document of the account) also brings the holder's own Allow patterns for that kind of
    resource, so a grant on the account's `document/team-*` is tried, not only the probe's
    name. The account's documents may run anything; AWS's own are named in the group."""
    arns = [finder.index.probe_arn(template) for template in group]
    kinds = [_resource_kind(template) for template in group if template.endswith("}")]
    if kinds:
        for literal in perms.candidate_resources(action):
            kind = _resource_kind(literal)
            name = literal.split(":", 5)[-1].partition("/")[2].lower()
            if kind in kinds and not name.startswith(_AWS_DOCUMENT_PREFIXES):
                arns.append(literal)
    return tuple(dict.fromkeys(arns))


def _resource_kind(arn: str) -> tuple[str, str]:
    """(service, resource type) of an ARN or template: ("ssm", "document")."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return ("", "")
    return (parts[2].lower(), parts[5].partition("/")[0].lower())


def _requesting(
    perms: EffectivePermissions, facts: tuple[tuple[str, tuple[str, ...]], ...]
) -> EffectivePermissions:
    """The principal's permissions for a request carrying ``facts`` (cached per policy set)."""
    key = ("requesting", facts)
    found = perms.view.memo.get(key)
    if found is None or found.principal is not perms.principal:
        found = perms.with_facts(dict(facts))
        perms.view.memo[key] = found
    return found


def _switches_own_policy(perms: EffectivePermissions, accesses: list[Access]) -> bool:
    """A richer stored version made the default gains the holder only when the policy is one
    of its own (attached to it or to its group); for another principal's policy it escalates
    that principal. Other accesses: no such question."""
    switched = [a.resource for a in accesses if a.action.lower() == _SET_DEFAULT_VERSION]
    if not switched:
        return True
    own = {source.name for source in perms.sources if source.kind == "managed"}
    return all(arn in own for arn in switched)


def _rewrites_own_policy(perms: EffectivePermissions, accesses: list[Access]) -> bool:
    """A new default version gains the holder only on a customer-managed policy of its own
    (attached to it or to its group; AWS-managed ones cannot be versioned by customers): one
    attached to another principal escalates that principal. Other accesses: no such question."""
    if not any(a.action.lower() == _CREATE_POLICY_VERSION for a in accesses):
        return True
    return any(
        source.kind == "managed"
        and not _is_aws_managed_policy(source.name)
        and perms.can("iam:CreatePolicyVersion", source.name)
        for source in perms.sources
    )


def _has_identity_center(roles: Iterable[Role]) -> bool:
    """Whether IAM Identity Center can reach the account: enabling it for an organization
    creates AWSServiceRoleForSSO in every member account ("Using service-linked roles for IAM
    Identity Center"), and each provisioned permission set is an AWSReservedSSO_* role under
    /aws-reserved/sso.amazonaws.com/. A snapshot listing no role at all cannot tell: assumed."""
    listed = False
    for role in roles:
        listed = True
        if role.name == "AWSServiceRoleForSSO" or role.path.startswith(_SSO_PATH):
            return True
    return not listed


_SSO_PATH = "/aws-reserved/sso.amazonaws.com/"


def _needs_identity_center(method: EscalationMethod) -> bool:
    """A method made of IAM Identity Center calls (permission sets, account assignments, its
    identity store's group memberships): it hands out nothing in an account Identity Center
    does not reach."""
    return all(a.lower().startswith(_IDENTITY_CENTER_SERVICES) for a in method.actions)


_IDENTITY_CENTER_SERVICES = ("sso:", "identitystore:")


def _creates_its_role(method: EscalationMethod) -> bool:
    return any(a.lower() == _CREATE_ROLE for a in method.actions)


def new_role_accesses(
    perms: EffectivePermissions, finder: TargetFinder, method: EscalationMethod
) -> tuple[Access, ...] | None:
    """For a method that creates a role and writes its policy (PMapper's update_admin_status):
    the three calls aimed at one new role, or None when no role name allows all three.

    The holder creates the role without a permissions boundary (a delegation guard requiring
    one hands out no more than the boundary), gives it administrator rights (attaching needs an
    administrator policy the iam:PolicyARN conditions let through) and assumes it: the trust
    policy it writes names its own ARN, and in the same account such a trust grants without an
    identity Allow, limited by the caller's boundary only when it names a role (IAM User Guide,
    "Policy evaluation logic"). An existing role's name is taken, so only new names count."""
    write = next(a for a in method.actions if a.lower() != _CREATE_ROLE)
    unbounded = perms.with_facts({"iam:permissionsboundary": ABSENT})
    attaches = write.lower() in _ATTACH_ACTIONS
    for resource in _unique(finder.candidates(perms, "iam:CreateRole")):
        if resource in finder.roles or not unbounded.can("iam:CreateRole", resource):
            continue
        if attaches:
            written = next(
                (
                    access
                    for arn in finder.admin_policies
                    if (
                        access := unbounded.with_facts({"iam:policyarn": (arn,)}).decide(
                            write, resource
                        )
                    ).allowed
                ),
                None,
            )
        else:
            written = unbounded.decide(write, resource)
        if written is None or not written.allowed:
            continue
        assumed = _assumes_own_role(perms, resource)
        if assumed is not None:
            created = unbounded.decide("iam:CreateRole", resource)
            return (created, written, assumed)
    return None


def _assumes_own_role(perms: EffectivePermissions, role_arn: str) -> Access | None:
    """sts:AssumeRole on a new role whose trust policy names the holder (user or role) itself."""
    name = role_arn.rsplit("/", 1)[-1]
    role = Role(name=name, arn=role_arn)
    kind = "role" if perms.principal.kind == "role" else "user"
    grant = Grant(f"{role_arn} trust policy (written by the holder)", 0, "Allow")
    return _identity_lets_in(perms, role, _TrustVerdict(((kind, grant),), via_account=False))


def reaches_an_administrator(
    method: EscalationMethod,
    perms: EffectivePermissions,
    finder: TargetFinder,
    accesses: list[Access],
) -> bool:
    """For a method that changes other principals: can it actually hand out administrator rights?

    Attaching a managed policy needs an administrator policy the holder may attach (the policy
    ARN is judged as the iam:PolicyARN condition key, so a guard such as "never attach
    AdministratorAccess" holds); adding a user to a group needs an administrators group.
    Writing an inline policy can grant anything. Either needs a target without a permissions
    boundary (iam:PermissionsBoundary absent): the delegation guard "only to users whose
    boundary is X" (IAM User Guide, "Permissions boundaries for IAM entities") hands out no
    more than X."""
    unbounded = {"iam:permissionsboundary": ABSENT}
    for access in accesses:
        action = access.action.lower()
        if action in _ATTACH_ACTIONS:
            if not any(
                perms.with_facts({**unbounded, "iam:policyarn": (arn,)}).can(
                    access.action, access.resource
                )
                for arn in finder.admin_policies
            ):
                return False
        elif action in _PUT_POLICY_ACTIONS:
            if not perms.with_facts(unbounded).can(access.action, access.resource):
                return False
        elif action == "iam:addusertogroup" and not any(
            perms.can(access.action, arn) for arn in finder.admin_groups
        ):
            return False
    return True


def holds_on_itself(
    method: EscalationMethod, perms: EffectivePermissions, finder: TargetFinder
) -> bool:
    """For a method that benefits its holder: whether the holder may aim it at itself, judged
    with what the snapshot fixes about that request. Attaching or writing a policy, or deleting
    a boundary, on its own user or role carries its own boundary as iam:PermissionsBoundary;
    attaching needs an administrator policy the iam:PolicyARN conditions let through (IAM User
    Guide, "IAM: Limits managed policies that can be applied"); joining a group needs an
    administrators group, or any group (one that may hold administrators later)."""
    kind = perms.principal.kind
    for action in method.actions:
        lowered = action.lower()
        if lowered in _SELF_ESCALATING[kind] and lowered not in _SETS_BOUNDARY:
            itself = perms.with_facts({"iam:permissionsboundary": _boundary_fact(perms)})
            if lowered in _ATTACH_ACTIONS:
                allowed = any(
                    itself.with_facts({"iam:policyarn": (arn,)}).can(action, perms.arn)
                    for arn in finder.admin_policies
                )
            else:
                allowed = itself.can(action, perms.arn)
            if not allowed:
                return False
        elif lowered == "iam:addusertogroup":
            groups = (*finder.admin_groups, *perms.index.probes(action))
            if not any(perms.can(action, arn) for arn in groups):
                return False
    return True


def _boundary_fact(perms: EffectivePermissions) -> tuple[str, ...]:
    """iam:PermissionsBoundary of a request aimed at the principal itself: its boundary's ARN
    (the boundary source is named by it, a hypothetical policy set's included)."""
    return (perms.boundary.name,) if perms.boundary is not None else ABSENT


def is_direct(method: EscalationMethod, perms: EffectivePermissions) -> bool:
    """Whether the holder itself gains: it is a kind the method benefits, and (for boundary
    removal or replacement) it has a permissions boundary to lose."""
    if not method.benefits_kind(perms.principal.kind):
        return False
    if _removes_boundary(method):
        return perms.boundary is not None
    return True


_REMOVES_BOUNDARY: dict[str, bool] = {}  # method id -> whether it acts on a boundary


def _removes_boundary(method: EscalationMethod) -> bool:
    found = _REMOVES_BOUNDARY.get(method.id)
    if found is None:
        found = any("permissionsboundary" in a.lower() for a in method.actions)
        _REMOVES_BOUNDARY[method.id] = found
    return found


def _enables(method: EscalationMethod, kind: str, direct: bool) -> str:
    if direct or not method.enables_other:
        return method.enables or method.what_it_enables(kind)
    return method.enables_other


def _unique(items: Iterable[str]) -> Iterator[str]:
    """Each item once, lazily: the first allowed target ends the search."""
    seen: set[str] = set()
    for item in items:
        if item not in seen:
            seen.add(item)
            yield item


def _lowered_actions(method: EscalationMethod) -> frozenset[str]:
    return frozenset(a.lower() for a in method.actions)


def _candidate_methods(possible: frozenset[str]) -> list[EscalationMethod]:
    """The action-list methods all of whose actions are possible, in catalogue order: only the
    methods keyed by a possible action are tried (usually a few of the 100+)."""
    keyed = _methods_by_key_action()
    found = [
        entry
        for action in (*possible, "")  # "": methods without actions (none today)
        for entry in keyed.get(action, ())
        if possible.issuperset(entry[2])
    ]
    found.sort(key=lambda entry: entry[0])
    return [entry[1] for entry in found]


@functools.lru_cache(maxsize=1)
def _methods_by_key_action() -> dict[str, tuple[tuple[int, EscalationMethod, frozenset[str]], ...]]:
    """Each method (with its catalogue position) under one of its actions (the smallest name):
    a method is possible only if that action is."""
    keyed: dict[str, list[tuple[int, EscalationMethod, frozenset[str]]]] = {}
    for position, (method, needed) in enumerate(_method_table()):
        keyed.setdefault(min(needed, default=""), []).append((position, method, needed))
    return {action: tuple(entries) for action, entries in keyed.items()}


@functools.lru_cache(maxsize=1)
def _method_table() -> tuple[tuple[EscalationMethod, frozenset[str]], ...]:
    """Every action-list method with its actions lower-cased, computed once."""
    return tuple((m, _lowered_actions(m)) for m in action_methods())


# --- statements whose conditions can never hold --------------------------------------------------


_NOTHING_PRUNED: Mapping[tuple[str, str], Pruned] = {}


class ConditionPruner:
    """Each principal's permissions without the statements whose conditions can never hold.

    Only identity policies are pruned (a boundary Allow that never holds would only narrow the
    boundary further, which this audit leaves on the side of reporting). Documents are judged
    once each; a principal none of whose policies has such a statement keeps its own view.
    """

    _KEY = ("privesc_never_holding",)

    def __init__(self, index: PermissionIndex) -> None:
        self.index = index
        self._judged: dict[str, Pruned | None] = {}

    def analysed(self, perms: EffectivePermissions) -> tuple[EffectivePermissions, tuple[str, ...]]:
        """(the permissions to analyse, one note per statement set aside)."""
        pruned = perms.view.memo.get(self._KEY)
        if pruned is None:
            found = {}
            for source in perms.sources:
                verdict = self._judge(source)
                if verdict is not None:
                    found[source.name, source.via] = verdict
            # Nearly every policy set has nothing to prune: share one empty answer.
            pruned = found or _NOTHING_PRUNED
            perms.view.memo[self._KEY] = pruned
        if not pruned:
            return perms, ()
        sources: list[PolicySource] = []
        notes: list[str] = []
        for source in perms.sources:
            verdict = pruned.get((source.name, source.via))
            if verdict is None:
                sources.append(source)
                continue
            notes.extend(
                f"{source.label()} statement {label}: condition can never hold ({why}), ignored"
                for label, why in verdict.dropped
            )
            if verdict.document is not None:
                key = f"{source.key or document_key(source.document)}#pruned"
                sources.append(replace(source, document=dict(verdict.document), key=key))
        entity = self.index.entity(perms.arn)
        return self.index.for_principal(entity, tuple(sources), perms.boundary), tuple(notes)

    def _judge(self, source: PolicySource) -> Pruned | None:
        key = source.key or document_key(source.document)
        if key not in self._judged:
            verdict = None
            if _has_conditions(source.document):
                parsed = self.index.parsed(source)
                if parsed is not None:
                    verdict = prune_document(source.document, self.index.now, parsed)
            self._judged[key] = verdict
        return self._judged[key]


def _has_conditions(document: Mapping[str, Any]) -> bool:
    statements = document.get("Statement") if isinstance(document, Mapping) else None
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list):
        return False
    return any(isinstance(s, Mapping) and s.get("Condition") for s in statements)


# --- sts-001: role trust chains -----------------------------------------------------------------


def session_arn(perms: EffectivePermissions) -> str:
    """The ARN the principal calls AWS as (a role acts through a session of itself)."""
    ref = perms.principal
    if ref.kind == "role":
        account = ref.arn.split(":")[4]
        partition = ref.arn.split(":")[1]
        return f"arn:{partition}:sts::{account}:assumed-role/{ref.name}/iam-audit"
    return ref.arn


def can_assume(perms: EffectivePermissions, role: Role, index: PermissionIndex) -> Access | None:
    """Whether the principal can call sts:AssumeRole on the role; the identity-side grant if any."""
    if perms.principal.kind == "user" and _boundary_allows_no_assume(perms):
        return None  # whichever way a trust names a user, its boundary must allow the call
    verdict = _trust_lets_in(perms, role, index)
    return None if verdict is None else _identity_lets_in(perms, role, verdict)


def _boundary_allows_no_assume(perms: EffectivePermissions) -> bool:
    """Whether the principal's boundary has no Allow statement for sts:AssumeRole at all, once
    per policy set: then a user assumes no role (see _identity_lets_in), and the trust-chain
    search need not read every trust for the users of a boundary such as "S3 only"."""
    boundary = perms.view.boundary
    if boundary is None:
        return False
    key = ("boundary_allows_no_assume",)
    found = perms.view.memo.get(key)
    if found is None:
        found = perms.view.memo[key] = boundary.allow_resources("sts:assumerole") == ()
    return found  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class _TrustVerdict:
    """How a trust policy lets a caller in: the statements naming it (with how they name it)
    and whether one names its account. Callers the trust cannot tell apart share one."""

    direct: tuple[tuple[str, Grant], ...]
    via_account: bool


def _trust_source(role: Role, index: PermissionIndex) -> PolicySource:
    """The role's trust policy as a policy source, one per role (not per caller)."""
    sources = index.memo.setdefault("trust_sources", {})
    trust_source = sources.get(role.arn)
    if trust_source is None or trust_source.document is not role.trust_policy:
        trust_source = sources[role.arn] = PolicySource(
            f"{role.arn} trust policy", "trust", "role", role.trust_policy, f"trust:{role.arn}"
        )
    return trust_source


def _trust_lets_in(
    perms: EffectivePermissions, role: Role, index: PermissionIndex
) -> _TrustVerdict | None:
    """The trust side of can_assume: None when no statement lets the caller in or one denies."""
    trust_source = _trust_source(role, index)
    # Resolved once per role and per value of the facts its conditions name (usually none).
    trust = index.resolved_policy(trust_source, perms.facts, perms.principal)
    if trust.error:
        return None
    caller = parse_principal(session_arn(perms))
    direct: list[tuple[str, Grant]] = []  # (how the trust names the caller, statement)
    via_account = False
    for statement in trust.policy.statements:
        names = statement.actions
        matches = (
            action_matcher(names)("sts:assumerole")
            if names is not None
            else not action_matcher(statement.not_actions or ())("sts:assumerole")
        )
        if not matches:
            continue
        if statement.principals is not None:
            via = principal_via(statement.principals, caller)
        elif statement.not_principals is not None:
            # A Deny with NotPrincipal (everyone but the listed) is how some trusts fence a
            # role off; it also reaches any caller that has a permissions boundary.
            via = not_principal_via(
                statement.not_principals,
                caller,
                deny=statement.effect == "Deny",
                has_boundary=perms.boundary is not None,
            )
        else:
            continue
        if via is None:
            continue
        if statement.effect == "Deny":
            return None
        if via == "account":
            via_account = True
        else:
            direct.append((via, Grant(trust_source.label(), statement.label, "Allow")))
    if not direct and not via_account:
        return None  # the trust lets the caller in by no statement: no identity question
    return _TrustVerdict(tuple(direct), via_account)


def _identity_lets_in(
    perms: EffectivePermissions, role: Role, verdict: _TrustVerdict
) -> Access | None:
    """The identity side of can_assume, for a caller the trust lets in as ``verdict`` says."""
    identity = _assume_decision(perms, role)
    if identity is None:
        return None
    if identity.allowed:
        return identity
    # Same account, the trust names the caller itself: no identity Allow needed. Naming a role
    # is still limited by its boundary, as in any resource policy; so is naming a user (by its
    # ARN or `*`), unlike in a bucket policy: "If a permissions boundary is set for the user,
    # then it must allow the sts:AssumeRole action" (IAM User Guide, "Update a role trust
    # policy"). The evaluator's _resource_grants reads it alike.
    user = perms.principal.kind == "user"
    for via, grant in verdict.direct:
        limited = via == "role" or (user and via in ("user", "wildcard"))
        if not limited or not _boundary_refuses(perms, _ASSUME_ROLE, role.arn):
            return Access(_ASSUME_ROLE, role.arn, True, (grant,), ())
    return None


def _boundary_refuses(perms: EffectivePermissions, action: str, resource: str) -> bool:
    """Whether the principal's permissions boundary leaves the call out, whatever its identity
    policies say (an Access's boundary_blocks is set only when they would allow it)."""
    boundary = perms.view.boundary
    return boundary is not None and boundary.decide(action, resource)[0] != "allowed"


def _assume_decision(perms: EffectivePermissions, role: Role) -> Access | None:
    """The caller's own policies on sts:AssumeRole for the role, None when one denies it.

    Resource-tag conditions are decided on the role's tags, not assumed to hold: a policy
    allowing sts:AssumeRole only on roles tagged so (IAM User Guide, "IAM: Assume roles that
    have a specific tag", and the ABAC tutorial's ``iam:ResourceTag/access-project`` equal to
    ``${aws:PrincipalTag/access-project}``) lets the caller into those roles only, and a Deny
    on them applies (the Service Authorization Reference lists aws:ResourceTag and
    iam:ResourceTag for IAM's role and user resource types, so for every action on them).
    Callers sharing a policy-set view resolve those conditions alike (their policies resolved
    alike), so the answer is kept per view and role."""
    keys = _resource_tag_keys(perms)
    if not keys:
        if perms.denied_by(_ASSUME_ROLE, role.arn):
            return None
        return perms.decide(_ASSUME_ROLE, role.arn)
    memo_key = ("privesc_assume_on_tags", role.arn)
    memo = perms.view.memo
    if memo_key not in memo:
        asker = perms.with_facts(_tag_facts(role.tags, keys))
        denied = asker.denied_by(_ASSUME_ROLE, role.arn)
        memo[memo_key] = None if denied else asker.decide(_ASSUME_ROLE, role.arn)
    return memo[memo_key]


def _resource_tag_keys(perms: EffectivePermissions) -> tuple[str, ...]:
    """The resource-tag condition keys the caller's policies and boundary name (usually none),
    once per policy-set view."""
    memo = perms.view.memo
    keys = memo.get(_RESOURCE_TAG_MEMO)
    if keys is None:
        keys = memo[_RESOURCE_TAG_MEMO] = perms.index.resource_tag_keys(perms.all_sources)
    return keys


_RESOURCE_TAG_MEMO = ("privesc_resource_tag_keys",)


def trust_chains(
    index: PermissionIndex, escalating_roles: Iterable[str] = ()
) -> dict[str, tuple[str, ...]]:
    """Principal ARN -> the shortest chain of roles it can assume that ends at an admin role;
    for principals that reach none, the shortest chain ending at one of ``escalating_roles``
    (roles that hold an escalation method themselves: assuming one is escalating in two steps,
    as PMapper's graph and CloudGoat's lambda_privesc path have it)."""
    roles = {r.arn: r for r in index.snapshot.roles if not r.is_service_linked}
    admin_roles = [arn for arn in roles if index[arn].is_admin_equivalent]
    further = [arn for arn in escalating_roles if arn in roles and arn not in admin_roles]
    if not admin_roles and not further:
        return {}
    # Those an account-wide trust could let in, less the admin-equivalent (never a start:
    # skipped below), grouped by what a trust can see of them: each admin role with an
    # account-wide trust asks its trust once per group, then looks at the members of the
    # groups it lets in that are still unplaced, not at all 50,000. Callers with no Allow of
    # their own for sts:AssumeRole stay in: a trust naming `*` lets them in without one (as
    # can_assume says); for a trust naming only the account, _possible_assumers keeps those
    # whose Allow could cover the role. Those denied sts:AssumeRole on every role cannot
    # assume any, whatever a trust says: left out, not tried against every role. So are users
    # whose boundary allows the call nowhere (a trust naming a user does not lift it).
    starts = [
        arn
        for arn in index
        if not index[arn].principal.is_service_linked
        and not index[arn].is_admin_equivalent
        and not index[arn].denied_everywhere(_ASSUME_ROLE)
        and not (index[arn].principal.kind == "user" and _boundary_allows_no_assume(index[arn]))
    ]
    scopes = _AssumeScopes(index)
    unplaced = len(starts)  # once all are on a chain, no further seed can add one
    hopeless = _covering_no_role(roles, starts, scopes)
    if hopeless:
        # Only a trust naming them can let these in (found without the groups): the groups
        # leave them out, rather than try them again for every role the search reaches.
        named = _named_in_trusts(roles.values())
        unplaced -= sum(1 for arn in hopeless if arn not in named)
        starts = [arn for arn in starts if arn not in hopeless]
    callers = CallerGroups(index, starts)
    next_hop: dict[str, str] = {}
    queue = deque(admin_roles)
    reached = set(admin_roles)
    pending = deque(further)  # seeded once the admin roles' reach is known: those chains win
    seeds = frozenset(further)
    # An escalating role that can assume another one: its own one-hop chain, kept apart so
    # the chains of those reaching it still end there (their shortest). Its own methods may
    # rest on assumptions ("an existing stack..."), the other role's need none.
    seed_hop: dict[str, str] = {}
    while queue or pending:
        if not queue:
            if not unplaced:
                break
            # Every escalating role at once, not one after another: a principal's chain then
            # ends at the nearest of them whatever order they came in, and none is placed on
            # another's chain (they get the one-hop chains below). Those already on a chain to
            # an administrator stay there.
            for seed in pending:
                if seed not in reached and seed not in next_hop:
                    reached.add(seed)
                    queue.append(seed)
            pending.clear()
            continue
        target = roles[queue.popleft()]
        from_seed = target.arn in seeds
        for arn, verdict in _possible_assumers(target, callers, next_hop, index, scopes):
            if arn in next_hop:
                continue
            seed_start = arn in reached
            if seed_start and not (
                from_seed and arn in seeds and arn != target.arn and arn not in seed_hop
            ):
                continue
            perms = index[arn]
            if perms.principal.is_service_linked or perms.is_admin_equivalent:
                continue
            if verdict is None:
                if can_assume(perms, target, index) is None:
                    continue
            elif _identity_lets_in(perms, target, verdict) is None:
                continue
            unplaced -= 1
            if seed_start:
                seed_hop[arn] = target.arn
                continue
            next_hop[arn] = target.arn
            if arn in roles:
                reached.add(arn)
                queue.append(arn)
    chains = chains_from(next_hop)
    chains.update((arn, (arn, end)) for arn, end in seed_hop.items())
    return chains


def _covering_no_role(
    roles: Mapping[str, Role], starts: list[str], scopes: _AssumeScopes
) -> set[str]:
    """Starts that no trust naming an account can let in: their own Allow for sts:AssumeRole
    (needed then) covers no role of the account. None when a trust names `*` (or uses
    NotPrincipal), which lets callers in without such an Allow."""
    if any(_trusts_anyone(role) for role in roles.values()):
        return set()
    role_arns = tuple(roles)
    reach: dict[tuple[str, ...], bool] = {}
    found: set[str] = set()
    for arn in starts:
        group = scopes._patterns(arn)
        if group is None:
            continue  # NotResource: not bounded by patterns
        hit = reach.get(group)
        if hit is None:
            matcher = arn_matcher(group) if group else None
            hit = reach[group] = matcher is not None and any(matcher(r) for r in role_arns)
        if not hit:
            found.add(arn)
    return found


def _trust_statements(role: Role) -> list[Mapping[str, Any]]:
    """The trust policy's statements that are objects (a lone statement, a malformed list)."""
    statements = role.trust_policy.get("Statement", []) if role.trust_policy else []
    if isinstance(statements, Mapping):
        statements = [statements]
    return [s for s in statements if isinstance(s, Mapping)] if isinstance(statements, list) else []


def _trusts_anyone(role: Role) -> bool:
    for statement in _trust_statements(role):
        if statement.get("Effect") != "Allow":
            continue
        if "NotPrincipal" in statement:
            return True
        principal = statement.get("Principal")
        if principal == "*":
            return True
        if isinstance(principal, Mapping):
            values = principal.get("AWS", [])
            if "*" in ([values] if isinstance(values, str) else values):
                return True
    return False


def _named_in_trusts(roles: Iterable[Role]) -> set[str]:
    """Every AWS principal value the roles' trusts name (an ARN, an account)."""
    named: set[str] = set()
    for role in roles:
        for statement in _trust_statements(role):
            principal = statement.get("Principal")
            if isinstance(principal, Mapping):
                values = principal.get("AWS", [])
                named.update(
                    v
                    for v in ([values] if isinstance(values, str) else values)
                    if isinstance(v, str)
                )
    return named


def chains_from(next_hop: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """Each start's chain of hops (start, role, ..., admin role), from the first hop of each."""
    chains: dict[str, tuple[str, ...]] = {}
    for start in next_hop:
        chain = [start]
        while chain[-1] in next_hop:
            chain.append(next_hop[chain[-1]])
        chains[start] = tuple(chain)
    return chains


def _possible_assumers(
    role: Role,
    callers: CallerGroups,
    placed: Mapping[str, str],
    index: PermissionIndex,
    scopes: _AssumeScopes,
) -> list[tuple[str, _TrustVerdict | None]]:
    """Principals a trust policy could let in: those it names, plus, when it names an account or
    `*`, the unplaced callers of the groups it lets in (when only an account is named, just
    those whose own Allow for sts:AssumeRole could cover this role: the caller's own Allow is
    needed then; `*` needs none). Each with the trust's verdict on its group, None when the
    caller's own can_assume must decide (the trust names it: its verdict may not be its
    group's)."""
    named: list[str] = []
    broad = False
    wildcard = False
    for statement in _trust_statements(role):
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        if principal == "*":
            broad = wildcard = True
            continue
        if not isinstance(principal, Mapping):
            continue
        values = principal.get("AWS", [])
        for value in [values] if isinstance(values, str) else values:
            if value == "*":
                broad = wildcard = True
            elif value.endswith(":root") or value.isdigit():
                broad = True
            elif value in index:
                named.append(value)
    found: dict[str, _TrustVerdict | None] = dict.fromkeys(named)
    if broad:
        # The trust is asked once per group of callers it cannot tell apart (5,000 untagged
        # users are one group for a trust guarded by a tag). An account in the trust lets in
        # only callers whose own policies allow sts:AssumeRole on the role: 10,000
        # developers allowed their team's roles are not each tried against 500 admin roles.
        admitted = callers.admitted(
            _trust_source(role, index),
            lambda arn: _trust_lets_in(index[arn], role, index),
            placed,
            keep=None if wildcard else functools.partial(scopes.allowing, role.arn),
        )
        for arn, verdict in admitted:
            found.setdefault(arn, verdict)
    return list(found.items())


# TargetFinder.richer_passable groups roles by kind up to this many kinds (or an eighth of the
# targets); past that, the role-by-role walk looks at the whole after this many lesser roles.
_FEW_KINDS = 64
# Target lists shorter than this are filtered by a plain scan (see TargetFinder._inside).
_BISECT_FROM = 64


def _positions_of_kinds(
    kinds: dict[Any, list[int]], wanted: Callable[[Any], bool]
) -> Iterator[int]:
    """The positions of the wanted kinds, ascending, each kind judged only when the walk
    reaches its first position (the walk usually stops at the first allowed role) and the
    positions of unwanted kinds never visited. ``kinds`` is in order of first position."""
    pending = iter(kinds.items())
    upcoming = next(pending, None)
    heap: list[tuple[int, int, Iterator[int]]] = []
    order = 0
    while heap or upcoming is not None:
        if upcoming is not None and (not heap or upcoming[1][0] < heap[0][0]):
            kind, positions = upcoming
            upcoming = next(pending, None)
            if wanted(kind):
                rest = iter(positions)
                order += 1
                heapq.heappush(heap, (next(rest), order, rest))
            continue
        position, tie, rest = heap[0]
        yield position
        following = next(rest, None)
        if following is None:
            heapq.heappop(heap)
        else:
            heapq.heapreplace(heap, (following, tie, rest))


class _AssumeScopes:
    """Which principals' Allow statements for sts:AssumeRole could cover a role ARN: their
    Resource patterns, grouped (principals share them) and matched once per group and role.
    Only a filter: can_assume decides for those it keeps."""

    def __init__(self, index: PermissionIndex) -> None:
        self._index = index
        self._groups: dict[str, tuple[str, ...] | None] = {}

    def _patterns(self, arn: str) -> tuple[str, ...] | None:
        """The principal's patterns (variables as `*`), None when not bounded (NotResource)."""
        if arn in self._groups:
            return self._groups[arn]
        found: set[str] = set()
        bounded = True
        for policy in self._index[arn].view.identity:
            patterns = policy.allow_resources("sts:assumerole")
            if patterns is None:
                bounded = False
                break
            found.update(VARIABLE_SPAN.sub("*", p) for p in patterns)
        group = tuple(sorted(found)) if bounded else None
        self._groups[arn] = group
        return group

    def allowing(self, role_arn: str, principals: list[str]) -> list[str]:
        hits: dict[tuple[str, ...] | None, bool] = {None: True}
        kept: list[str] = []
        for arn in principals:
            group = self._patterns(arn)
            hit = hits.get(group)
            if hit is None:
                hit = hits[group] = bool(group) and arn_matcher(group)(role_arn)
            if hit:
                kept.append(arn)
        return kept


# --- everything, once per audit -----------------------------------------------------------------


def find_escalations(index: PermissionIndex) -> dict[str, Escalation]:
    """Every principal that holds at least one method (admin-equivalent principals excluded:
    they have nothing left to escalate to, principal.admin_equivalent reports them)."""
    finder = target_finder(index)
    pruner = ConditionPruner(index)
    chain_method = next(m for m in load_methods() if m.id == TRUST_CHAIN_METHOD)
    roles = {r.arn: r for r in index.snapshot.roles}
    direct: dict[str, tuple[list[HeldMethod], Any, tuple[str, ...]]] = {}
    for arn in index:
        perms = index[arn]
        if perms.principal.is_service_linked or perms.is_admin_equivalent:
            continue
        analysed, notes = pruner.analysed(perms)
        direct[arn] = (list(methods_held(analysed, finder)), analysed, notes)
    escalating = [arn for arn, (held, _, _) in direct.items() if held and arn in roles]
    chains = trust_chains(index, escalating)
    found: dict[str, Escalation] = {}
    for arn, (held, analysed, notes) in direct.items():
        perms = index[arn]
        chain = chains.get(arn)
        first_hop = can_assume(perms, roles[chain[1]], index) if chain else None
        if chain and first_hop is not None:
            end = chain[-1]
            enables = (
                chain_method.what_it_enables(perms.principal.kind)
                if index[end].is_admin_equivalent
                else _escalating_role_text(end, direct[end][0])
            )
            held.append(HeldMethod(chain_method, (first_hop,), chain, enables=enables))
        if held:
            requires = tuple(
                dict.fromkeys(_requirement(m.method) for m in held if m.method.requires)
            )
            found[arn] = Escalation(arn, tuple(held), (*analysed.assumptions(), *notes, *requires))
    return found


def _escalating_role_text(role_arn: str, held: list[HeldMethod]) -> str:
    """What a chain ending at a role that escalates (not an administrator) enables."""
    name = role_arn.rsplit("/", 1)[-1]
    ids = list(dict.fromkeys(h.method.id for h in held))
    methods = ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
    return (
        f"assumes, directly or through a chain of roles, role {name}, which can escalate its"
        f" own privileges ({methods})"
    )


@functools.lru_cache(maxsize=256)
def _requirement(method: EscalationMethod) -> str:
    """The assumption a method rests on, one shared string per method (thousands of findings
    repeat it)."""
    return f"{method.id} needs {method.requires}"


def privilege_escalations(ctx: Any) -> dict[str, Escalation]:
    """The audit-wide result, computed once and shared through ``ctx.shared``."""
    index = effective_permissions(ctx)
    cached = ctx.shared.get(SHARED_KEY)
    if cached is None or cached[0] is not index:
        cached = (index, find_escalations(index))
        ctx.shared[SHARED_KEY] = cached
    return cached[1]
