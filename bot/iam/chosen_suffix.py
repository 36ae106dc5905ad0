"""A condition key whose value the snapshot fixes only in part.

A role's requests carry ``aws:userid`` = ``<role id>:<role session name>`` (IAM User Guide, "AWS
global condition context keys", aws:userid; for an EC2 instance profile the instance id takes the
session name's place): the role id is the snapshot's, the session name (2 to 64 characters) the
caller's to pick. Taking the whole value as the caller's made ``StringLike aws:userid AIDA*``
(users only) look satisfiable by every role; taking it as unknown would miss
``StringLike aws:userid AROAEXAMPLE:*``, which the role always satisfies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.iam.conditions import UnknownOperatorError, parse_operator
from bot.iam.matching import unmark
from bot.iam.variables import has_variables
from bot.iam.wildcards import glob_contains, globs_intersect

# The shortest session name AWS accepts (RoleSessionName: 2 to 64 characters).
_SHORTEST_SUFFIX = "??"


@dataclass(frozen=True, slots=True)
class ChosenSuffix:
    """A value that starts with ``prefix`` and ends with what the caller picks."""

    prefix: str

    @property
    def as_glob(self) -> str:
        """Every value the caller can make, as a glob (role ids hold no wildcard characters)."""
        return f"{self.prefix}{_SHORTEST_SUFFIX}*"


# What the audit knows of a principal's request, key by key: the values, or only their start.
FactValue = tuple[str, ...] | ChosenSuffix


def condition_outcome(operator: str, values: Sequence[str], value: ChosenSuffix) -> bool | None:
    """Whether a condition on a key holding ``value`` holds whatever the caller picks (True),
    whatever it picks does not (False), or the caller decides (None).

    Mirrors ``CompiledCondition.holds`` for a key present in the request with one value (so
    IfExists and the set qualifiers change nothing); string operators with literal values are
    decided, others are left to the caller as before (None)."""
    try:
        spec = parse_operator(operator)
    except UnknownOperatorError:
        return False  # AWS does not match a condition it cannot parse
    if spec.base == "Null":
        return any(v.lower() != "true" for v in values)  # the key is never absent
    if any(has_variables(v) for v in values):
        return None
    can_match, always_matches = _string_match(spec.positive, values, value)
    if can_match is None:
        return None
    can_hold, can_fail = (
        (not always_matches, can_match) if spec.negated else (can_match, not always_matches)
    )
    if not can_hold:
        return False
    if not can_fail:
        return True
    return None


def _string_match(
    positive: str, values: Sequence[str], value: ChosenSuffix
) -> tuple[bool | None, bool]:
    """(whether some value the caller can make matches, whether every one does); None first when
    the operator is not a string comparison."""
    prefix = value.prefix
    if positive == "StringEquals":
        literals = [unmark(v) for v in values]
        return any(_extends(v, prefix) for v in literals), False
    if positive == "StringEqualsIgnoreCase":
        folded = prefix.casefold()
        return any(_extends(unmark(v).casefold(), folded) for v in values), False
    if positive == "StringLike":
        every = value.as_glob
        return (
            any(globs_intersect(v, every) for v in values),
            any(glob_contains(v, every) for v in values),
        )
    return None, False


def _extends(literal: str, prefix: str) -> bool:
    return literal.startswith(prefix) and len(literal) - len(prefix) >= len(_SHORTEST_SUFFIX)
