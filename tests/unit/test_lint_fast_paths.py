"""The linter's shortcuts answer exactly as the reference they replace (property tests)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.iam.lint_redundancy import _cover_regex, glob_covers

# Few letters, so that parts repeat and overlap (the cases a greedy search could get wrong).
_TEXT = st.text(alphabet="ab:/*?", max_size=12)
_STAR_GLOB = st.text(alphabet="ab:/*", min_size=1, max_size=10)


@settings(max_examples=2000, deadline=None)
@given(outer=_STAR_GLOB, inner=_TEXT)
def test_star_only_globs_cover_as_the_regex_says(outer: str, inner: str) -> None:
    expected = (
        outer == inner if "*" not in outer else _cover_regex(outer).fullmatch(inner) is not None
    )
    assert glob_covers(outer, inner) is expected


def test_star_glob_examples() -> None:
    assert glob_covers("arn:*:s3:::*", "arn:*:s3:::*")
    assert glob_covers("arn:*:s3:::bucket/*", "arn:*:s3:::bucket/*")
    assert not glob_covers("arn:*:s3:::bucket/*", "arn:*:s3:::*")
    assert not glob_covers("ab*ba", "aba")  # first and last part may not overlap
    assert glob_covers("a**b", "ab")
