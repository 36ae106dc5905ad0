"""Redundant statements: ones whose every action on every resource another statement already
grants (or denies) unconditionally. They are harmless to AWS but mislead whoever edits the policy
next: tightening the one they see changes nothing.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from bot.iam.catalogue import ActionCatalogue
from bot.iam.lint_model import (
    REDUNDANT_ACTION,
    REDUNDANT_RESOURCE,
    REDUNDANT_STATEMENT,
    LintFinding,
    finding,
)
from bot.iam.matching import LITERAL_QMARK, LITERAL_STAR, glob_regex, star_glob_matches
from bot.iam.policy import Statement


@dataclass(frozen=True, slots=True)
class _Scope:
    statement: Statement
    actions: frozenset[str]


def glob_covers(outer: str, inner: str) -> bool:
    """Whether every string the glob `inner` matches is matched by the glob `outer`.

    Sufficient test: `outer` matches `inner`'s text, where a `*` in `inner` may only be absorbed
    by a `*` in `outer` and a `?` in `inner` by `?` or `*`.
    """
    return _covers(outer, inner)


@lru_cache(maxsize=16384)
def _cover_regex(outer: str) -> re.Pattern[str]:
    # outer's `*` absorbs anything (inner's wildcards too); its `?` one character that is not
    # inner's `*` (which stands for many); its literals only themselves.
    return re.compile(glob_regex(outer, star=".*", qmark=r"[^*]"), re.DOTALL)


def _covers(outer: str, inner: str) -> bool:
    if "*" not in outer and "?" not in outer:
        return outer == inner
    if "?" not in outer and LITERAL_STAR not in outer and LITERAL_QMARK not in outer:
        # The same answer as the regex, without compiling one per Resource pattern.
        return star_glob_matches(tuple(outer.split("*")), inner)
    return _cover_regex(outer).fullmatch(inner) is not None


def _resources_covered(inner: Statement, outer: Statement) -> bool:
    if outer.resources is not None and "*" in outer.resources:
        return True
    if inner.resources is not None and outer.resources is not None:
        return all(any(glob_covers(o, i) for o in outer.resources) for i in inner.resources)
    if inner.not_resources is not None and outer.not_resources is not None:
        # "all but X" within "all but Y" when every Y is inside some X.
        return all(any(glob_covers(i, o) for i in inner.not_resources) for o in outer.not_resources)
    return inner.resources is None and inner.not_resources is None and outer.not_resources is None


def _actions(statement: Statement, catalogue: ActionCatalogue) -> frozenset[str] | None:
    """The statement's actions, or None when some pattern is unknown (no safe conclusion)."""
    if statement.actions is not None:
        if not all(catalogue.expand(p) for p in statement.actions):
            return None
        return catalogue.expand_all(statement.actions)
    if statement.not_actions is not None:
        return catalogue.expand_not_action(statement.not_actions)
    return None


def _same_principals(a: Statement, b: Statement) -> bool:
    return a.principals == b.principals and a.not_principals == b.not_principals


def _covered(inner: _Scope, outer: _Scope) -> bool:
    # The actions first: the candidates share the effect and principals already, and most
    # fail here.
    if not inner.actions <= outer.actions:
        return False
    a, b = inner.statement, outer.statement
    return (
        a.effect == b.effect
        and not b.conditions
        and _same_principals(a, b)
        and _resources_covered(a, b)
    )


def lint_redundancy(
    statements: tuple[Statement, ...], catalogue: ActionCatalogue
) -> list[LintFinding]:
    if len(statements) < 2:
        return []  # nothing to cover it (a third of the policies have one statement)
    scopes = []
    for statement in statements:
        actions = _actions(statement, catalogue)
        if actions:
            scopes.append(_Scope(statement, actions))
    findings: list[LintFinding] = []
    if len(scopes) < 2:
        return findings
    candidates = _outer_candidates(scopes)
    for inner in scopes:
        for outer in candidates(inner):
            if outer is inner or not _covered(inner, outer):
                continue
            # Two statements covering each other: keep the first, report the later one.
            if _covered(outer, inner) and outer.statement.index > inner.statement.index:
                continue
            findings.append(
                finding(
                    REDUNDANT_STATEMENT,
                    inner.statement.index,
                    f"statement {inner.statement.label} adds nothing: statement"
                    f" {outer.statement.label} already {_verb(inner.statement)} all of its"
                    " actions on all of its resources without conditions",
                    {"covered_by": outer.statement.index},
                )
            )
            break
    return findings


_INDEXED_FROM = 64  # statements; fewer are simply compared pair by pair (indexing costs too)


def _outer_candidates(scopes: list[_Scope]) -> Callable[[_Scope], list[_Scope]]:
    """The statements that may cover a given one, in policy order. Pair by pair is quadratic:
    a 300-statement allow-list policy is 90,000 pairs. A covering statement has no condition,
    the covered one's effect and principals (`_covered` asks no more of the others), so only
    those are candidates; in a longer policy, also holding every action of the covered one,
    so only those holding one chosen action of it (its first, in a fixed order)."""
    groups: dict[Hashable, list[_Scope]] = defaultdict(list)
    try:
        for outer in scopes:
            if not outer.statement.conditions:
                groups[_signature(outer.statement)].append(outer)
    except TypeError:  # a principal that cannot be a key: every statement is a candidate
        return lambda inner: scopes
    if len(scopes) < _INDEXED_FROM:
        return lambda inner: groups.get(_signature(inner.statement), [])
    # Only the chosen actions are looked up: index the statements by those alone. Statements
    # with the same lists share the catalogue's set (a NotAction's holds 20,000 names).
    firsts: dict[int, str] = {}

    def first_action(actions: frozenset[str]) -> str:
        found = firsts.get(id(actions))
        if found is None:
            found = firsts[id(actions)] = min(actions)
        return found

    chosen = {first_action(inner.actions) for inner in scopes}
    by_action: dict[tuple[Hashable, str], list[_Scope]] = defaultdict(list)
    for signature, group in groups.items():
        for outer in group:
            for action in outer.actions & chosen:
                by_action[signature, action].append(outer)

    def candidates(inner: _Scope) -> list[_Scope]:
        return by_action.get((_signature(inner.statement), first_action(inner.actions)), [])

    return candidates


def _signature(statement: Statement) -> Hashable:
    """What a covering statement shares with the one it covers: its effect and principals
    (a Principal mapping as the set of its items: `_same_principals` compares mappings)."""
    return (
        statement.effect,
        _principal_key(statement.principals),
        _principal_key(statement.not_principals),
    )


def _principal_key(principal: object) -> Hashable:
    if principal is None or isinstance(principal, str):
        return principal  # identity policies: no Principal (and no ABC check for it)
    if isinstance(principal, Mapping):
        return frozenset(principal.items())
    return principal  # type: ignore[return-value]


def _verb(statement: Statement) -> str:
    return "allows" if statement.effect == "Allow" else "denies"


def _literal_prefix(glob: str) -> str:
    cut = min((i for i in (glob.find("*"), glob.find("?")) if i >= 0), default=len(glob))
    return glob[:cut]


@lru_cache(maxsize=4096)
def _covered_entries(
    values: tuple[str, ...], *, case_insensitive: bool
) -> tuple[tuple[str, str], ...]:
    """(entry, the other entry that covers it) for each redundant entry of one list.

    Only a pattern with a wildcard can cover a different entry, and only one whose literal
    prefix (the text before its first wildcard) starts the entry: wildcards are indexed by that
    prefix, which keeps the long lists of read-only policies fast."""
    keyed = [(v.lower() if case_insensitive else v, v) for v in values]
    by_prefix: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key, value in keyed:
        if ("*" in key or "?" in key) and "${" not in key:
            by_prefix[_literal_prefix(key)].append((key, value))
    lengths = sorted({len(prefix) for prefix in by_prefix})
    first: dict[str, str] = {}
    redundant: list[tuple[str, str]] = []
    for key, value in keyed:
        if key in first:
            redundant.append((value, first[key]))
            continue
        first[key] = value
        if "${" in key:
            continue
        cover = next(
            (
                other
                for length in lengths
                if length <= len(key)
                for other_key, other in by_prefix.get(key[:length], ())
                if other_key != key and glob_covers(other_key, key)
            ),
            None,
        )
        if cover is not None:
            redundant.append((value, cover))
    return tuple(redundant)


def lint_redundant_entries(statement: Statement, ctx: object) -> list[LintFinding]:
    """Access Analyzer's "Redundant action" / "Redundant resource": an entry of an Action or
    Resource list already matched by another entry of the same list."""
    findings: list[LintFinding] = []
    lists = (
        ("Action", REDUNDANT_ACTION, statement.actions, True),
        ("NotAction", REDUNDANT_ACTION, statement.not_actions, True),
        ("Resource", REDUNDANT_RESOURCE, statement.resources, False),
        ("NotResource", REDUNDANT_RESOURCE, statement.not_resources, False),
    )
    for element, code, values, case_insensitive in lists:
        if values is None or len(values) < 2:
            continue  # one entry is covered by no other: no cache look-up (nor entry) for it
        for value, other in _covered_entries(values, case_insensitive=case_insensitive):
            findings.append(
                finding(
                    code,
                    statement.index,
                    f"{element} {value!r} is already covered by {other!r}; remove it",
                    {"element": element, "value": value, "covered_by": other},
                )
            )
    return findings
