"""The escalation search's shortcuts answer exactly as the reference they replace."""

from __future__ import annotations

from fnmatch import fnmatchcase

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.iam.effective import PermissionIndex
from bot.iam.privesc import (
    _NOT_ACTION,
    _candidate_methods,
    _Coverage,
    _method_table,
    methods_held,
    target_finder,
)
from bot.iam.privesc_methods import all_method_actions
from tests.factories import NOW, user_arn
from tests.unit.test_compiled import SETTINGS as COMPILED_SETTINGS
from tests.unit.test_compiled import _ref_decision, _reference, accounts

# Action-like patterns over a small alphabet, so that holders and targets share patterns.
_PATTERN = st.text(alphabet="ab:*?[]", min_size=1, max_size=8) | st.sampled_from(
    ["iam:passrole", "iam:*", "s3:get*", "s3:getobject", "ec2:run?nstances", _NOT_ACTION]
)


@settings(max_examples=1500, deadline=None)
@given(mine=st.frozensets(_PATTERN, max_size=6), targets=st.lists(_PATTERN, max_size=8))
def test_coverage_is_fnmatch_against_every_holder_pattern(
    mine: frozenset[str], targets: list[str]
) -> None:
    coverage = _Coverage(mine)
    for pattern in targets * 2:  # asked twice: the memo answers the second time
        assert coverage.covers(pattern) is any(fnmatchcase(pattern, h) for h in mine)


_METHOD_ACTIONS = sorted(a.lower() for a in all_method_actions())


@settings(max_examples=500, deadline=None)
@given(
    possible=st.frozensets(st.sampled_from(_METHOD_ACTIONS), max_size=40)
    | st.frozensets(st.sampled_from(_METHOD_ACTIONS), min_size=100)
)
def test_candidate_methods_are_the_table_scan(possible: frozenset[str]) -> None:
    expected = [m for m, needed in _method_table() if possible.issuperset(needed)]
    assert _candidate_methods(possible) == expected


@COMPILED_SETTINGS
@given(accounts())
def test_held_methods_do_not_depend_on_which_principal_asked_first(snap) -> None:
    """A method found through a projection another policy set warmed is the one this set finds
    alone, and each of its accesses is one the evaluator (the reference) allows."""
    fresh = PermissionIndex(snap, NOW)
    alice = fresh[user_arn("alice")]
    alone = methods_held(alice, target_finder(fresh))
    warm = PermissionIndex(snap, NOW)
    finder = target_finder(warm)
    for arn in reversed(list(warm)):  # the role first: it shares alice's first managed policy
        methods_held(warm[arn], finder)
    assert methods_held(warm[user_arn("alice")], finder) == alone
    evaluator = _reference(alice)
    for held in alone:
        for access in held.accesses:
            assert access.allowed
            if access.action.lower() != "iam:passrole" or access.resource != alice.arn:
                decision = _ref_decision(evaluator, alice, access.action, access.resource)
                assert decision == "allowed", (held.method.id, access)
