"""text_depth reads from JSON text the nesting check_depth finds by walking the parsed value,
and parse_json refuses exactly what it refused when it always walked (property tests)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.model.safe_parse import MAX_DEPTH, UnsafeInput, check_depth, parse_json, text_depth
from tests.unit.test_safe_parse_depth import _depth

# Strings full of what could confuse a text reader: brackets, quotes, escapes, non-ASCII.
_TRICKY = st.text(alphabet='[]{}"\\/ab \n\t\u00e9\u2028\U0001f600\ud800', max_size=6)
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _TRICKY,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TRICKY, inner, max_size=3),
    max_leaves=40,
)


def _dumps(value: Any, ascii_only: bool, indent: int | None) -> str:
    return json.dumps(value, ensure_ascii=ascii_only, indent=indent)


@settings(max_examples=800, deadline=None)
@given(
    value=_VALUES,
    limit=st.integers(min_value=0, max_value=8),
    ascii_only=st.booleans(),
    indent=st.sampled_from([None, 0, 2]),
)
def test_text_depth_is_the_value_depth(
    value: Any, limit: int, ascii_only: bool, indent: int | None
) -> None:
    text = _dumps(value, ascii_only, indent)
    assert text_depth(text, limit) == min(_depth(value), limit + 1)


def _nested(depth: int, leaf: str = '"x"') -> str:
    return "[" * depth + leaf + "]" * depth


@pytest.mark.parametrize("depth", [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, MAX_DEPTH + 5])
@pytest.mark.parametrize("as_bytes", [False, True])
def test_parse_json_refuses_what_the_walk_refuses(depth: int, as_bytes: bool) -> None:
    text = '{"Statement": ' + _nested(depth - 1, '"a[{\\"]}"') + ', "s": "]]]]"}'
    value = json.loads(text)
    walk_refuses = _depth(value) > MAX_DEPTH
    source: str | bytes = text.encode() if as_bytes else text
    if walk_refuses:
        with pytest.raises(UnsafeInput):
            parse_json(source)
    else:
        assert parse_json(source) == value


def test_a_repeated_key_hiding_deep_text_is_accepted() -> None:
    """The text nests past the limit, the value does not (the last repeated key wins)."""
    text = '{"a": ' + _nested(MAX_DEPTH + 3) + ', "a": 1}'
    assert text_depth(text) > MAX_DEPTH
    assert parse_json(text) == {"a": 1}
    check_depth(parse_json(text))


@settings(max_examples=300, deadline=None)
@given(value=_VALUES, extra=st.integers(min_value=0, max_value=3))
def test_parse_json_answers_as_the_walk(value: Any, extra: int) -> None:
    """Wrapped to just around MAX_DEPTH: parse_json raises exactly when check_depth does."""
    wrapped = value
    for _ in range(max(0, MAX_DEPTH - 2 - _depth(value)) + extra):
        wrapped = [wrapped]
    text = json.dumps(wrapped, ensure_ascii=False)
    try:
        check_depth(json.loads(text))
    except UnsafeInput:
        with pytest.raises(UnsafeInput):
            parse_json(text)
    else:
        assert parse_json(text) == json.loads(text)
