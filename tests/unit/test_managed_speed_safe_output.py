"""The ASCII shortcut of the output neutralizers answers as the regex it skips."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render.safe_output import _UNSAFE, _json_escape, _visible, neutralize, neutralize_json

_TEXT = (
    st.text(
        alphabet=st.sampled_from(
            ["a", '"', "\\", " ", "\u00e9", "\u202e", "\u2066", "\ud800", "\n"]
        )
    )
    | st.text()
)


@settings(max_examples=800, deadline=None)
@given(text=_TEXT)
def test_neutralizers_are_the_regex_substitution(text: str) -> None:
    assert neutralize(text) == _UNSAFE.sub(_visible, text)
    assert neutralize_json(text) == _UNSAFE.sub(_json_escape, text)
