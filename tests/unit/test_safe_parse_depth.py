"""check_depth refuses exactly the values nested deeper than its limit (property test)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.model.safe_parse import UnsafeInput, check_depth

_VALUES = st.recursive(
    st.none() | st.integers() | st.text(max_size=3),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=2), inner, max_size=3)
        | st.lists(inner, max_size=2).map(tuple)
    ),
    max_leaves=30,
)


def _depth(value: Any) -> int:
    """The reference: containers count one level each, scalars none."""
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list | tuple):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


@settings(max_examples=500, deadline=None)
@given(value=_VALUES, limit=st.integers(min_value=0, max_value=6))
def test_check_depth_refuses_only_past_the_limit(value: Any, limit: int) -> None:
    if _depth(value) > limit:
        with pytest.raises(UnsafeInput):
            check_depth(value, limit)
    else:
        check_depth(value, limit)
