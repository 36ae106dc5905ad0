"""Which action patterns a principal's Allows cover, once per policy set: the cheap
filter that keeps the escalation search from asking the evaluator about targets no Allow names."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from fnmatch import fnmatchcase
from typing import Any

from bot.iam.effective import EffectivePermissions
from bot.iam.lint_redundancy import glob_covers
from bot.iam.lint_resources import patterns_overlap
from bot.iam.matching import lower_shared, star_glob_matcher
from bot.iam.privesc.vocabulary import NOT_ACTION


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
    """The lower-case Action patterns of the principal's Allow statements (``NOT_ACTION`` for
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
    """An Allow with NotAction as one pattern: ``NOT_ACTION`` and the actions it leaves out
    (PowerUserAccess: everything but iam:*, organizations:* and account:*)."""
    return NOT_ACTION + _EXCLUDED_SEPARATOR.join(sorted({a.lower() for a in excluded or ()}))


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
            if action.startswith(NOT_ACTION):
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
            if action.startswith(NOT_ACTION):
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
    text = not_action[len(NOT_ACTION) :]
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


def holder_coverage(perms: EffectivePermissions) -> _Coverage | None:
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
