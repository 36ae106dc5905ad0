"""The targets an escalation method can be aimed at (roles to pass, users to take over,
policies to rewrite), and which of them are richer than the holder."""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from bot.iam.effective import EffectivePermissions, PermissionIndex, outside_denial_filter
from bot.iam.lint_resources import action_fits_resources
from bot.iam.matching import arn_matcher, has_wildcard, literal_parts, literal_prefix, unmark
from bot.iam.policy_versions import richer_than
from bot.iam.privesc.coverage import allow_patterns, grants_administrator, holder_coverage
from bot.iam.privesc.results import SHARED_KEY
from bot.iam.privesc.trust import (
    admits,
    has_identity_center,
    needs_identity_center,
    trusted_services,
)
from bot.iam.privesc.vocabulary import (
    ADMINISTRATOR_ACCESS,
    CREATE_ACCESS_KEY,
    NOTHING,
    PASS_ROLE,
    POLICY_VERSION_ACTIONS,
    SET_DEFAULT_VERSION,
    TAKES_OVER_USERS,
)
from bot.iam.privesc_methods import action_methods
from bot.model.snapshot import Role

T = TypeVar("T")


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
            if has_identity_center(snapshot.roles)
            else frozenset(m.id for m in action_methods() if needs_identity_center(m))
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
        # Answers per target list (and a pattern, a kind of question...): see per_list.
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
        if lowered == PASS_ROLE:
            yield from self._matching(perms, action, self.passable_roles, denied)
            return
        if lowered == SET_DEFAULT_VERSION and self.richer_versions is not None:
            yield from self._matching(perms, action, self.richer_versions, denied)
            return
        own = tuple(
            r
            for r in self.undenied(denied, perms.candidate_resources(action))
            if self._fits(lowered, r)
        )
        if lowered in POLICY_VERSION_ACTIONS:
            if not self.policies_listed:
                for resource in own:
                    if not is_aws_managed_policy(resource):
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
        return per_list(self._by_list, "admins", targets, self._admins_of)

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
                if not wanted or admits(self._trusted_services(arn, role), wanted)
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
        if action == CREATE_ACCESS_KEY:
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
            coverage = holder_coverage(holder)
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
        walks: dict[Any, _SharedWalk] = per_list(self._by_list, "walks", targets, _new_walks)
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
        return per_list(self._by_list, "kinds", targets, self._group_kinds)

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
            per_list(self._by_list, ("ordered", patterns), targets, self._in_order, covered)
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
        of_users = lowered in TAKES_OVER_USERS
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
                found = perms.view.memo[memo_key] = (NOTHING, covered)
                return found
            self._covered[(patterns, of_users)] = covered
        found = perms.view.memo[memo_key] = (patterns, covered)
        return found

    def _positions_in(self, targets: tuple[str, ...]) -> dict[str, int]:
        return per_list(self._by_list, "positions", targets, _positions)

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
        return per_list(self._by_list, ("hits", pattern), targets, _hits, pattern)

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
            targets = per_list(self._by_list, ("inside", patterns), targets, self._inside, patterns)
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
        return per_list(self._by_list, "sorted", targets, _sorted)


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


def per_list(
    cache: dict[tuple[Any, int], tuple[tuple[str, ...], Any]],
    question: Any,
    targets: tuple[str, ...],
    answer: Callable[..., T],
    *args: Any,
) -> T:
    """``answer(targets, *args)`` once per question about a target list, the list found by
    identity: the finder's lists (its roles, its policies, what filtering them left) hold
    thousands of ARNs, and hashing one per look-up would cost what the cache saves. The list
    is kept beside its answer, so no other list can take its id."""
    slot = (question, id(targets))
    cached = cache.get(slot)
    if cached is None or cached[0] is not targets:
        cached = cache[slot] = (targets, answer(targets, *args))
    return cached[1]  # type: ignore[no-any-return]


def without(targets: tuple[str, ...], left_out: frozenset[str]) -> tuple[str, ...]:
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


def is_aws_managed_policy(resource: str) -> bool:
    parts = resource.split(":", 5)
    return len(parts) == 6 and parts[4] == "aws"


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
