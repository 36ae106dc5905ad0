"""ARN pattern lists matched part by part answer exactly as their compiled regex."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.iam.matching import (
    _COMPILE_AFTER,
    action_matcher,
    arn_matcher,
    arn_regex,
    glob_regex,
    longest_literal,
    string_matcher,
    unmark,
)

_SEGMENT = st.text(alphabet="ab*/", max_size=4)
_TEXT_SEGMENT = st.text(alphabet="ab/:\n", max_size=5)


def _arnish(segment: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Six-segment ARNs (the usual case), shorter ones, longer ones and non-ARNs."""
    return st.one_of(
        st.lists(segment, min_size=5, max_size=5).map(lambda s: ":".join(["arn", *s])),
        st.lists(segment, min_size=1, max_size=7).map(lambda s: ":".join(["arn", *s])),
        st.lists(segment, min_size=1, max_size=3).map(":".join),
    )


def _reference(patterns: tuple[str, ...], arn: str) -> bool:
    if "*" in patterns:
        return True
    for pattern in patterns:
        if "*" in pattern or "?" in pattern:
            if re.fullmatch(arn_regex(pattern), arn, re.DOTALL):
                return True
        elif unmark(pattern) == arn:
            return True
    return False


@settings(max_examples=1500, deadline=None)
@given(
    patterns=st.lists(_arnish(_SEGMENT), min_size=1, max_size=3).map(tuple),
    arns=st.lists(_arnish(_TEXT_SEGMENT | _SEGMENT), min_size=1, max_size=6),
)
def test_star_patterns_match_as_the_regex(patterns: tuple[str, ...], arns: list[str]) -> None:
    arn_matcher.cache_clear()  # a fresh matcher: the part-by-part path answers first
    matcher = arn_matcher(patterns)
    for arn in arns:
        assert matcher(arn) is _reference(patterns, arn), (patterns, arn)


def test_a_busy_list_is_compiled_and_still_answers_the_same() -> None:
    patterns = ("arn:aws:s3:::data/*", "arn:aws:iam::*:role/app-*")
    arn_matcher.cache_clear()
    matcher = arn_matcher(patterns)
    asked = [
        "arn:aws:s3:::data/x",
        "arn:aws:s3:::other/x",
        "arn:aws:iam::123456789012:role/app-api",
        "arn:aws:iam::12:34:role/app-api",
    ]
    answers = [matcher(arn) for arn in asked]
    assert answers == [True, False, True, False]
    for _ in range(_COMPILE_AFTER):
        matcher("arn:aws:s3:::data/y")
    assert [matcher(arn) for arn in asked] == answers


@settings(max_examples=1500, deadline=None)
@given(
    pattern=_arnish(st.text(alphabet="ab*?/", max_size=4)),
    arns=st.lists(_arnish(_TEXT_SEGMENT | _SEGMENT), min_size=1, max_size=6),
)
def test_the_longest_literal_never_turns_away_a_match(pattern: str, arns: list[str]) -> None:
    """The escalation search skips targets lacking the pattern's longest plain run before
    calling the matcher: every ARN the matcher accepts contains it."""
    part = longest_literal(pattern)
    for arn in arns:
        if _reference((pattern,), arn):
            assert part in arn, (pattern, arn)


def test_a_name_without_a_colon_matches_no_service_pattern():
    """Found by test_checks_policy_documents' regex reference: ``:*`` grouped under the empty
    service matched the empty string, which has no colon."""
    assert not action_matcher((":*",))("")
    assert not action_matcher(("s3:*",))("s3")
    assert action_matcher((":*",))(":x")
    assert action_matcher(("*3*",))("s3")


_PATTERN_SEGMENT = st.text(alphabet="ab*?/-", max_size=5)


@settings(max_examples=1500, deadline=None)
@given(
    pattern=_arnish(_PATTERN_SEGMENT),
    targets=st.lists(_arnish(_TEXT_SEGMENT | _SEGMENT), min_size=1, max_size=8),
)
def test_the_escalation_searchs_literal_prefilter_keeps_every_match(
    pattern: str, targets: list[str]
) -> None:
    """bot.iam.privesc.targets._hits turns targets away by the pattern's literal runs before the
    matcher: it must give exactly the matcher's answer."""
    from bot.iam.privesc.targets import _hits

    expected = tuple(t for t in targets if _reference((pattern,), t))
    assert _hits(tuple(targets), pattern) == expected, (pattern, targets)


# --- runs of wildcards -----------------------------------------------------------------------


def _glob_regex_one_term_per_char(pattern: str, star: str, qmark: str) -> str:
    """glob_regex as it was: one regex term per wildcard, whatever follows it."""
    return "".join(
        star if c == "*" else qmark if c == "?" else re.escape(unmark(c)) for c in pattern
    )


_GLOB = st.text(alphabet="ab*?:", max_size=10)
_GLOB_TEXT = st.text(alphabet="ab*:", max_size=10)
_CLASSES = st.sampled_from([(".*", "."), ("[^:]*", "[^:]"), (".*", r"[^*]")])


@settings(max_examples=600, deadline=None)
@given(pattern=_GLOB, text=_GLOB_TEXT, classes=_CLASSES)
def test_a_run_of_wildcards_matches_what_its_characters_match(
    pattern: str, text: str, classes: tuple[str, str]
) -> None:
    """glob_regex folds each run of stars into one and places each stretch between stars at its
    leftmost fit, in an atomic group: the same strings match as with one term per wildcard,
    for the three pairs of wildcard classes its callers use (lint_redundancy's ``?`` is "not a
    star")."""
    star, qmark = classes
    folded = re.fullmatch(glob_regex(pattern, star=star, qmark=qmark), text, re.DOTALL)
    one_per_char = re.fullmatch(
        _glob_regex_one_term_per_char(pattern, star, qmark), text, re.DOTALL
    )
    assert bool(folded) == bool(one_per_char)


@pytest.mark.parametrize(
    "pattern", ["*" * 3000 + "x", "*a" * 12 + "b", "*?" * 1500 + "x", "*a?" * 40 + "b"]
)
def test_patterns_that_backtracked_are_matched_at_once(pattern: str) -> None:
    """A value of 3,000 stars, or a short one AWS accepts (``*a*a*a...*ab``), against a name
    that does not match: one ``.*`` per star tried every way to share the name among them, and
    the audit never ended. Each call here must return at once (the whole test takes
    milliseconds; before, the second case alone ran for hours)."""
    regex = re.compile(glob_regex(pattern), re.DOTALL)
    assert regex.fullmatch("a" * 64) is None
    assert regex.fullmatch("ab" * 3000 + "x") is not None or not pattern.endswith("x")
    assert not string_matcher(pattern)("a" * 64)
    assert not action_matcher((pattern,))("a" * 64)
