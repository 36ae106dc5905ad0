"""Pattern-against-pattern comparisons behind wildcard questions (bot.iam.wildcards)."""

from __future__ import annotations

import fnmatch
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.iam.wildcards import (
    arn_pattern_covers,
    arn_patterns_intersect,
    glob_contains,
    globs_intersect,
)


def glob_matches(pattern: str, text: str) -> bool:
    # fnmatch would read [ ] as classes; only * and ? occur in our alphabet.
    return re.fullmatch(fnmatch.translate(pattern), text, re.DOTALL) is not None


@pytest.mark.parametrize(
    ("request_pattern", "policy_pattern", "intersect"),
    [
        ("arn:aws:s3:::example-bucket/*", "arn:aws:s3:::*/AWSLogs/*", True),
        ("arn:aws:s3:::example-bucket/*", "arn:aws:s3:::*/*/AWSLogs/*", True),
        ("arn:aws:s3:::example-bucket/*", "arn:aws:s3:::*/generated-prefix-*", True),
        ("arn:aws:s3:::example-bucket/*", "arn:aws:s3:::other-bucket/*", False),
        ("*", "arn:aws:dynamodb:us-east-2:111122223333:table/Books", True),
        # a wildcard in the region segment stays in it
        ("arn:aws:sqs:us-*:111122223333:q", "arn:aws:sqs:eu-west-1:*:q", False),
        # a pattern missing segments matches no full ARN
        ("arn:aws:s3:::bucket/key", "arn:aws:*", False),
    ],
)
def test_arn_patterns_intersect(request_pattern: str, policy_pattern: str, intersect: bool) -> None:
    assert arn_patterns_intersect(request_pattern, policy_pattern) is intersect


@pytest.mark.parametrize(
    ("policy_pattern", "request_pattern", "covers"),
    [
        ("arn:aws:s3:::*", "arn:aws:s3:::*/*", True),
        ("arn:aws:s3:::example-bucket/*", "arn:aws:s3:::example-bucket/logs/*", True),
        ("arn:aws:s3:::*/AWSLogs/*", "arn:aws:s3:::example-bucket/*", False),
        ("*", "*", True),
        ("arn:aws:s3:::*", "*", False),
        ("arn:*:iam::aws:policy/*", "arn:aws:iam::aws:policy/AdministratorAccess", True),
    ],
)
def test_arn_pattern_covers(policy_pattern: str, request_pattern: str, covers: bool) -> None:
    assert arn_pattern_covers(policy_pattern, request_pattern) is covers


GLOB = st.text(alphabet="ab*?", max_size=6)
TEXT = st.text(alphabet="ab", max_size=6)


@settings(max_examples=400, deadline=None)
@given(GLOB, GLOB, TEXT)
def test_a_string_matching_both_globs_means_they_intersect(a: str, b: str, text: str) -> None:
    if glob_matches(a, text) and glob_matches(b, text):
        assert globs_intersect(a, b)


@settings(max_examples=400, deadline=None)
@given(GLOB, GLOB, TEXT)
def test_containment_is_sound(outer: str, inner: str, text: str) -> None:
    if glob_contains(outer, inner) and glob_matches(inner, text):
        assert glob_matches(outer, text)


@settings(max_examples=300, deadline=None)
@given(GLOB, GLOB)
def test_intersection_is_witnessed(a: str, b: str) -> None:
    """When two globs intersect over {a, b}, a short string over {a, b} matches both."""
    if globs_intersect(a, b):
        limit = len(a) + len(b)
        candidates = [""]
        found = False
        for _ in range(limit + 1):
            if any(glob_matches(a, c) and glob_matches(b, c) for c in candidates):
                found = True
                break
            candidates = [c + ch for c in candidates for ch in "ab"]
        assert found
