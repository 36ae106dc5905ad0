"""Callers a role's trust policy cannot tell apart, grouped so that its verdict is asked once per
group instead of once per caller (bot.iam.privesc, sts-001).

A trust policy sees of a caller only how its Principal elements name it (the account, `*`, or the
caller itself) and the values of the condition keys and policy variables it references
(``PermissionIndex.referenced_keys``). Callers of one kind, partition and account, with the same
values of those keys and not named by any Principal element, get the same resolved trust (the
index resolves it per those values, and per kind and account for keys naming the principal) and
the same match of every Principal element: the trust lets all of them in, or none. 5,000 untagged
users tried against 100 roles trusting only `aws:PrincipalTag/breakglass = yes` are then one group
asked 100 times, not 500,000 pairs.

Groups are built per set of referenced keys from per-key columns: a caller differs from its class
only where its facts or tags hold the key, so 1,000 trusts guarded by 1,000 different tags cost
the tagged callers, not 1,000 passes over every caller.

A key whose value is each caller's own (``aws:PrincipalArn``, ``aws:username``, ``aws:userid``:
the usual way to fence a role in is to trust the account under ``ArnLike aws:PrincipalArn``)
would put every caller in a group of its own. Where the trust reads such a key only in
conditions with literal values, callers are grouped by what those conditions conclude for them
instead (the resolved trust keeps or drops each statement on exactly those conclusions): the
three callers a trust lists, and everyone else.
"""

from __future__ import annotations

import functools
import heapq
from collections import Counter
from collections.abc import Callable, Collection, Container, Iterable
from typing import Any, TypeVar

from bot.iam.chosen_suffix import ChosenSuffix, condition_outcome
from bot.iam.conditions import CompiledCondition
from bot.iam.effective import PermissionIndex, PolicySource
from bot.iam.policy import Condition
from bot.iam.principals import parse_principal
from bot.iam.resolved_policy import fixed_value
from bot.iam.variables import has_variables

_V = TypeVar("_V")
_TAG_KEY = "aws:principaltag/"
# (kind, partition, account): what a Principal element naming an account or `*` sees.
_Class = tuple[str, str, str]
# Keys holding a value of each caller's own: grouping by value would group nothing.
_PERSONAL_KEYS = frozenset({"aws:principalarn", "aws:username", "aws:userid"})
# How callers are told apart on one key: by its value (None), or by what these conditions of
# the trust conclude about it.
_Judged = tuple[Condition, ...] | None


class _Group:
    """Callers of one class with the same values of some keys. The class's default group (no
    caller of it holds another value) keeps its members implicit until a trust lets it in."""

    __slots__ = ("_excluded", "_members", "_of_class", "_seen")

    def __init__(
        self, members: list[str] | None, of_class: list[str], excluded: Container[str]
    ) -> None:
        self._members = members
        self._of_class = of_class
        self._excluded = excluded
        self._seen = 0  # how many callers were placed when the members were last filtered

    def representative(self, named: Container[str]) -> str | None:
        """A member whose verdict is the group's: any not named by the trust."""
        pool = self._of_class if self._members is None else self._members
        excluded = self._excluded if self._members is None else ()
        for arn in pool:
            if arn not in excluded and arn not in named:
                return arn
        return None

    def unplaced(self, placed: Collection[str]) -> list[str]:
        """The members not yet placed, in the search's order (placed ones dropped for good;
        ``placed`` only grows, so its size tells when to look again)."""
        members = self._members
        if members is None:
            excluded = self._excluded
            members = [arn for arn in self._of_class if arn not in excluded]
        if self._seen != len(placed):
            members = [arn for arn in members if arn not in placed]
            self._seen = len(placed)
        self._members = members
        return members


class CallerGroups:
    """The callers of one trust-chain search (in its order), grouped per set of trust keys."""

    def __init__(self, index: PermissionIndex, arns: Iterable[str]) -> None:
        self._index = index
        self._position: dict[str, int] = {}
        self._classes: dict[_Class, list[str]] = {}
        self._class_of: dict[str, _Class] = {}
        self._users: dict[str, str] = {}  # the ARN a user calls as -> its index key
        self._roles: dict[tuple[str, str, str], list[str]] = {}  # (partition, account, name)
        for arn in arns:
            ref = index[arn].principal
            parts = ref.arn.split(":", 5)
            cls = (ref.kind, parts[1], parts[4])
            self._position[arn] = len(self._position)
            self._classes.setdefault(cls, []).append(arn)
            self._class_of[arn] = cls
            if ref.kind == "role":
                self._roles.setdefault((parts[1], parts[4], ref.name), []).append(arn)
            else:
                self._users[ref.arn] = arn
        self._holders: dict[str, list[str]] | None = None
        self._columns: dict[
            tuple[str, _Judged], tuple[dict[_Class, tuple[Any, dict[str, Any]]], Any]
        ] = {}
        self._partitions: dict[tuple[tuple[str, _Judged], ...], list[_Group]] = {}
        self._values: dict[str, dict[_Class, dict[str, Any]]] = {}

    def admitted(
        self,
        trust: PolicySource,
        lets_in: Callable[[str], _V | None],
        placed: Collection[str],
        keep: Callable[[list[str]], list[str]] | None = None,
    ) -> list[tuple[str, _V | None]]:
        """The unplaced callers the trust may let in, in the search's order, each with its
        group's verdict (``lets_in`` asked of one member per group; None: the caller is named
        by the trust, so its verdict is its own and the caller decides); ``keep``: a further
        filter on callers, given and returning a list."""
        named = self._named(trust)
        found: list[list[tuple[str, _V | None]]] = []
        for group in self._partition(self._grouping(trust)):
            representative = group.representative(named)
            if representative is None:
                continue
            verdict = lets_in(representative)
            if verdict is None:
                continue
            members = group.unplaced(placed)
            if named:
                members = [arn for arn in members if arn not in named]
            if keep is not None:
                members = keep(members)
            if members:
                found.append([(arn, verdict) for arn in members])
        alone = sorted((arn for arn in named if arn not in placed), key=self._position.__getitem__)
        if keep is not None:
            alone = keep(alone)
        if alone:
            found.append([(arn, None) for arn in alone])
        if len(found) == 1:
            return found[0]
        position = self._position
        return list(heapq.merge(*found, key=lambda pair: position[pair[0]]))

    def _named(self, trust: PolicySource) -> set[str]:
        """The callers a Principal element of the trust may name one by one (as the user, the
        role, or a session of it); a superset is safe: they are decided one by one."""
        policy = self._index.parsed(trust)
        if policy is None:
            return set()
        named: set[str] = set()
        for statement in policy.statements:
            for element in (statement.principals, statement.not_principals):
                if element is None or element == "*":
                    continue
                for values in element.values():
                    for value in values:
                        user = self._users.get(value)
                        if user is not None:
                            named.add(user)
                        info = parse_principal(value)
                        if info.kind in ("role", "assumed_role"):
                            named.update(
                                self._roles.get((info.partition, info.account, info.name), ())
                            )
        return named

    def _grouping(self, trust: PolicySource) -> tuple[tuple[str, _Judged], ...]:
        """The keys the trust references, each with how callers are told apart on it: by the
        trust's conditions on it for a personal key read only in conditions with literal
        values, by its value otherwise (a policy variable renders the value itself)."""
        keys = self._index.referenced_keys(trust)
        if _PERSONAL_KEYS.isdisjoint(keys):
            return tuple((key, None) for key in keys)
        policy = self._index.parsed(trust)
        variables = self._index.variables(trust)
        grouping: list[tuple[str, _Judged]] = []
        for key in keys:
            judged: _Judged = None
            if key in _PERSONAL_KEYS and key not in variables and policy is not None:
                conditions = tuple(
                    condition
                    for statement in policy.statements
                    for condition in statement.conditions
                    if condition.key.lower() == key
                )
                if not any(has_variables(v) for c in conditions for v in c.values):
                    judged = conditions
            grouping.append((key, judged))
        return tuple(grouping)

    def _partition(self, grouping: tuple[tuple[str, _Judged], ...]) -> list[_Group]:
        """The callers grouped by class and by how ``grouping`` tells them apart, once each."""
        groups = self._partitions.get(grouping)
        if groups is not None:
            return groups
        columns = [self._column(key, judged) for key, judged in grouping]
        groups = []
        for cls, members in self._classes.items():
            per_key = [column.get(cls, (absent, {})) for column, absent in columns]
            excluded: dict[str, None] = {}
            for _default, exceptions in per_key:
                excluded.update(dict.fromkeys(exceptions))
            if len(excluded) < len(members):
                groups.append(_Group(None, members, excluded))
            by_values: dict[tuple[Any, ...], list[str]] = {}
            for arn in sorted(excluded, key=self._position.__getitem__):
                values = tuple(exceptions.get(arn, default) for default, exceptions in per_key)
                by_values.setdefault(values, []).append(arn)
            groups.extend(_Group(alike, alike, ()) for alike in by_values.values())
        self._partitions[grouping] = groups
        return groups

    def _column(
        self, key: str, judged: _Judged
    ) -> tuple[dict[_Class, tuple[Any, dict[str, Any]]], Any]:
        """Per class: what most of its callers have for the key (that of a caller whose facts
        and tags do not hold it, when one does not) and the callers differing; and what a
        caller of a class absent from the column has. What a caller has is the key's value, or
        what ``judged`` concludes of it."""
        found = self._columns.get((key, judged))
        if found is not None:
            return found
        judge = _judge_of(judged, key)
        values: dict[_Class, dict[str, Any]] = {}
        for cls, held in self._values_of(key).items():
            values[cls] = held if judge is None else {a: judge(v) for a, v in held.items()}
        absent = fixed_value({}, {}, key)
        if judge is not None:
            absent = judge(absent)
        column = {}
        for cls, held in values.items():
            if len(held) < len(self._classes[cls]):
                default = absent
            else:
                default = Counter(held.values()).most_common(1)[0][0]
            column[cls] = (default, {arn: v for arn, v in held.items() if v != default})
        self._columns[key, judged] = (column, absent)
        return column, absent

    def _values_of(self, key: str) -> dict[_Class, dict[str, Any]]:
        """Per class, the callers whose facts or tags hold the key, with its value."""
        found = self._values.get(key)
        if found is None:
            found = {}
            for arn in self._holders_of(key):
                perms = self._index[arn]
                value = fixed_value(perms.facts, perms.principal.tags, key)
                found.setdefault(self._class_of[arn], {})[arn] = value
            self._values[key] = found
        return found

    def _holders_of(self, key: str) -> list[str]:
        """The callers whose facts or tags hold the key (the others share one value of it)."""
        if self._holders is None:
            holders: dict[str, list[str]] = {}
            for arn in self._position:
                perms = self._index[arn]
                held = set(perms.facts)
                held.update(_TAG_KEY + tag.lower() for tag in perms.principal.tags)
                for name in held:
                    holders.setdefault(name, []).append(arn)
            self._holders = holders
        return self._holders.get(key, [])


def _judge_of(judged: _Judged, key: str) -> Callable[[Any], Any] | None:
    """What tells callers apart on the key when ``judged`` is given (None: its value): whether
    each of those conditions holds for a value, as ``ResolvedPolicy`` resolves them (a value
    the caller controls, None, is not resolved; an unreadable condition does not hold)."""
    if judged is None:
        return None
    tests: list[Callable[[dict[str, Any]], bool]] = []
    conditions = tuple(dict.fromkeys(judged))  # a condition repeated concludes the same
    for condition in conditions:
        try:
            compiled = CompiledCondition(
                condition.operator, condition.key, condition.values, variables=False
            )
        except (ValueError, TypeError):
            tests.append(_never)
            continue
        tests.append(functools.partial(_holds, compiled))

    def judge(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, ChosenSuffix):
            return tuple([condition_outcome(c.operator, c.values, value) for c in conditions])
        context = {key: value}
        return tuple([test(context) for test in tests])

    return judge


def _holds(condition: CompiledCondition, context: dict[str, Any]) -> bool:
    try:
        return condition.holds(context)
    except (ValueError, TypeError):
        return False


def _never(context: dict[str, Any]) -> bool:
    return False
