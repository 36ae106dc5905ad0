"""Resource-pattern vs ARN-format overlap, and the glob cover test behind REDUNDANT_STATEMENT."""

from __future__ import annotations

import pytest

from bot.iam.lint_redundancy import glob_covers
from bot.iam.lint_resources import pattern_covers_wildcard, pattern_matches_format

BUCKET = "arn:${Partition}:s3:::${BucketName}"
OBJECT = "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
USER = "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}"
LOG_GROUP = "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}"


@pytest.mark.parametrize(
    ("pattern", "arn_format", "expected"),
    [
        ("arn:aws:s3:::example-bucket", BUCKET, True),
        ("arn:aws:s3:::example-bucket/*", BUCKET, False),
        ("arn:aws:s3:::example-bucket/*", OBJECT, True),
        ("arn:aws:s3:::example-bucket", OBJECT, False),
        ("arn:aws:s3:::example-*", BUCKET, True),
        ("arn:aws:s3:::*", OBJECT, True),
        ("arn:aws:s3:::b?cket", BUCKET, True),
        ("arn:aws-cn:s3:::b", BUCKET, True),
        ("arn:aws:s3:us-east-1::b", BUCKET, False),  # buckets have no region
        ("arn:aws:iam::123456789012:user/division/alice", USER, True),
        ("arn:aws:iam::*:user/${aws:username}", USER, True),
        ("arn:aws:iam::123456789012:role/x", USER, False),
        ("arn:aws:logs:*:*:log-group:/aws/lambda/fn:*", LOG_GROUP, True),
        # wildcards in the region/account segments do not cross a colon
        ("arn:a*:s3:r:1:b", "arn:aws:x:s3:r:1:b", False),
        ("arn:aws:x:s3:r:1:b", "arn:aws:x:s3:r:1:b", True),
        ("*", BUCKET, True),
        ("arn:*", OBJECT, True),
    ],
)
def test_pattern_matches_format(pattern: str, arn_format: str, expected: bool) -> None:
    assert pattern_matches_format(pattern, arn_format) is expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [("*", True), ("**", True), ("?", True), ("arn:*", False), ("arn:aws:s3:::b", False)],
)
def test_pattern_covers_wildcard(pattern: str, expected: bool) -> None:
    assert pattern_covers_wildcard(pattern) is expected


@pytest.mark.parametrize(
    ("outer", "inner", "expected"),
    [
        ("*", "anything*", True),
        ("arn:aws:s3:::b/*", "arn:aws:s3:::b/reports/*", True),
        ("arn:aws:s3:::b/reports/*", "arn:aws:s3:::b/*", False),
        ("a?c", "abc", True),
        ("a?c", "a*c", False),  # a `*` in the inner pattern needs a `*` to absorb it
        ("*x", "x*", False),
        ("abc", "abc", True),
        ("abc", "abd", False),
        ("", "", True),
    ],
)
def testglob_covers(outer: str, inner: str, expected: bool) -> None:
    assert glob_covers(outer, inner) is expected


def test_long_patterns_do_not_recurse() -> None:
    long_arn = "arn:aws:s3:::b/" + "a/" * 2000 + "*"
    assert glob_covers("arn:aws:s3:::b/*", long_arn)
    assert pattern_matches_format(long_arn, OBJECT)
