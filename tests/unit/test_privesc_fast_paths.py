"""The escalation search's shortcuts answer exactly as the reference they replace."""

from __future__ import annotations

from fnmatch import fnmatchcase

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.iam.privesc import _NOT_ACTION, _candidate_methods, _Coverage, _method_table
from bot.iam.privesc_methods import all_method_actions

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
