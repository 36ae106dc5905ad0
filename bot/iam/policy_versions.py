"""Whether a stored, non-default version of a managed policy grants more than the default.

iam:SetDefaultPolicyVersion only switches between the versions a policy already holds (IAM API
Reference, SetDefaultPolicyVersion), so it escalates only through a version more permissive
than the one in force (Rhino Security Labs' method 2, CloudGoat's iam_privesc_by_rollback).
The judgement errs towards "more": a version is no richer only when each of its Allow
statements is covered by an unconditioned Allow of the default (actions and resources matched
by the default's patterns, NotAction / NotResource only by the identical statement) and it keeps
every Deny of the default.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.iam.matching import action_matches, arn_matches, has_wildcard

PolicyDocument = Mapping[str, Any]


def richer_than(version: PolicyDocument, default: PolicyDocument) -> bool:
    """Whether ``version`` may allow something ``default`` does not."""
    default_statements = _statements(default)
    version_statements = _statements(version)
    if version_statements is None or default_statements is None:
        return version != default  # unreadable: only an identical copy is known to be no more
    kept = [s for s in version_statements if s.get("Effect") == "Deny"]
    for deny in (s for s in default_statements if s.get("Effect") == "Deny"):
        if deny not in kept:
            return True  # a Deny of the default is gone
    coverers = [s for s in default_statements if s.get("Effect") == "Allow"]
    return any(
        not _covered(statement, coverers)
        for statement in version_statements
        if statement.get("Effect") == "Allow"
    )


def _statements(document: PolicyDocument) -> list[Mapping[str, Any]] | None:
    statements = document.get("Statement") if isinstance(document, Mapping) else None
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list) or not all(isinstance(s, Mapping) for s in statements):
        return None
    return statements


def _covered(statement: Mapping[str, Any], coverers: list[Mapping[str, Any]]) -> bool:
    if statement in coverers:
        return True
    if any(key in statement for key in ("NotAction", "NotResource")):
        return False
    actions = _strings(statement.get("Action"))
    resources = _strings(statement.get("Resource"))
    if actions is None or resources is None:
        return False
    for coverer in coverers:
        if "Condition" in coverer or any(k in coverer for k in ("NotAction", "NotResource")):
            continue
        their_actions = _strings(coverer.get("Action"))
        their_resources = _strings(coverer.get("Resource"))
        if their_actions is None or their_resources is None:
            continue
        if _all_matched(actions, their_actions, fold=True) and _all_matched(
            resources, their_resources, fold=False
        ):
            return True
    return False


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def _all_matched(mine: Iterable[str], theirs: list[str], *, fold: bool) -> bool:
    """Every pattern of ``mine`` lies inside one of ``theirs`` (``fold``: action patterns,
    compared without case; else ARN patterns)."""
    return all(any(_covers(t, m, action=fold) for t in theirs) for m in mine)


def _covers(theirs: str, mine: str, *, action: bool) -> bool:
    """Whether every request ``mine`` matches is matched by ``theirs``, as the evaluator
    matches (bot.iam.matching: ARN patterns segment by segment). Only shapes that are sure are
    answered yes: the same pattern, ``*``, a literal that ``theirs`` matches, or a wildcard of
    mine after the literal prefix of a ``theirs`` ending in its only wildcard, ``*`` (within
    the resource segment for an ARN: ``arn:aws:s3:::data/*`` covers ``arn:aws:s3:::data/x*``,
    ``arn:*`` covers no six-segment ARN)."""
    if theirs == "*":
        return True
    if action:
        theirs, mine = theirs.lower(), mine.lower()
    if mine == theirs:
        return True
    if not has_wildcard(mine):
        return action_matches(mine, theirs) if action else arn_matches(mine, theirs)
    prefix = theirs[:-1]
    if not theirs.endswith("*") or has_wildcard(prefix):
        return False
    if not action and prefix.count(":") < _RESOURCE_SEGMENT_COLONS:
        return False
    return mine.startswith(prefix)


# An ARN's resource segment starts after its fifth colon: a `*` there spans colons.
_RESOURCE_SEGMENT_COLONS = 5
