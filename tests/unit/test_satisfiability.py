"""Conditions no request can meet (bot.iam.satisfiability).

Facts from the AWS documentation:
- "IAM JSON policy elements: Condition operators": the Date, Numeric, String, Bool, IpAddress and
  Null operators, `...IfExists` (an absent key satisfies it), several values of one entry being
  alternatives, several entries of one block all having to hold;
- "AWS global condition context keys": aws:TokenIssueTime is the date and time temporary
  credentials were issued (absent for long-term keys), aws:CurrentTime the request time;
- STS API reference, GetSessionToken: "Acceptable durations for IAM user sessions range from 900
  seconds (15 minutes) to 129,600 seconds (36 hours)", the longest any temporary credentials last.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.iam.policy import Condition, parse_policy
from bot.iam.satisfiability import MAX_TOKEN_AGE, never_holds, parse_date, prune_document

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def _c(operator: str, key: str, *values: str) -> Condition:
    return Condition(operator, key, tuple(values))


@pytest.mark.parametrize(
    ("conditions", "why"),
    [
        # iam-vulnerable fp5: a token issued before 2020 cannot still be valid in 2026.
        ([_c("DateLessThan", "aws:TokenIssueTime", "2020-01-01T00:00:01Z")], "in the past"),
        ([_c("DateGreaterThan", "aws:TokenIssueTime", "2030-01-01T00:00:00Z")], "in the future"),
        ([_c("DateLessThan", "aws:CurrentTime", "2020-01-01")], "in the past"),
        ([_c("DateGreaterThanEquals", "aws:CurrentTime", "2027-01-01")], "in the future"),
        (
            [
                _c("StringEquals", "aws:RequestedRegion", "us-east-1"),
                _c("StringLike", "aws:RequestedRegion", "eu-*"),
            ],
            "no value of aws:RequestedRegion",
        ),
        (
            [_c("Bool", "aws:SecureTransport", "true"), _c("Bool", "aws:SecureTransport", "false")],
            "both true and false",
        ),
        (
            [
                _c("NumericLessThan", "aws:MultiFactorAuthAge", "60"),
                _c("NumericGreaterThan", "aws:MultiFactorAuthAge", "3600"),
            ],
            "do not overlap",
        ),
        (
            [_c("Null", "aws:SourceIp", "true"), _c("IpAddress", "aws:SourceIp", "10.0.0.0/8")],
            "absent (Null) and present",
        ),
        (
            [
                _c("IpAddress", "aws:SourceIp", "10.0.0.0/8"),
                _c("NotIpAddress", "aws:SourceIp", "10.0.0.0/8"),
            ],
            "excluded",
        ),
        (
            [
                _c("StringEquals", "aws:PrincipalType", "User"),
                _c("StringNotEquals", "aws:PrincipalType", "User"),
            ],
            "no value",
        ),
        (
            [
                _c("StringEqualsIgnoreCase", "aws:RequestedRegion", "US-EAST-1"),
                _c("StringNotEquals", "aws:RequestedRegion", "us-east-1"),
            ],
            "no value",
        ),
    ],
)
def test_conditions_no_request_can_meet(conditions, why):
    reason = never_holds(conditions, NOW)
    assert reason is not None
    assert why in reason


@pytest.mark.parametrize(
    "conditions",
    [
        # iam-vulnerable fn3: any session token issued today is after 2020.
        [_c("DateGreaterThan", "aws:TokenIssueTime", "2020-01-01T00:00:01Z")],
        # Issued up to 36 hours ago is still valid: a window ending 30 hours ago can be met.
        [_c("DateLessThan", "aws:TokenIssueTime", (NOW - timedelta(hours=30)).isoformat())],
        [_c("Bool", "aws:MultiFactorAuthPresent", "true")],
        [_c("StringEquals", "aws:RequestedRegion", "us-east-1", "eu-west-1")],
        [
            _c("StringEquals", "aws:RequestedRegion", "us-east-1", "eu-west-1"),
            _c("StringLike", "aws:RequestedRegion", "eu-*"),
        ],
        # IfExists: an absent key satisfies the entry, whatever the others say of its value.
        [
            _c("DateGreaterThanIfExists", "aws:TokenIssueTime", "2030-01-01"),
            _c("BoolIfExists", "aws:MultiFactorAuthPresent", "true"),
        ],
        # Set operators and service keys are not decided here.
        [
            _c("ForAllValues:StringEquals", "aws:TagKeys", "a"),
            _c("ForAllValues:StringEquals", "aws:TagKeys", "b"),
        ],
        [_c("StringEquals", "s3:prefix", "a"), _c("StringEquals", "s3:prefix", "b")],
        # A multivalued global key (the catalogue's ArrayOf types) holds both values at once.
        [
            _c("StringEquals", "aws:VpceOrgPaths", "o-a/r-b/"),
            _c("StringEquals", "aws:VpceOrgPaths", "o-c/r-d/"),
        ],
        [_c("StringEquals", "aws:CalledVia", "a"), _c("StringEquals", "aws:CalledVia", "b")],
        # Unreadable dates are left to the evaluator.
        [_c("DateLessThan", "aws:TokenIssueTime", "not a date")],
        [
            _c("IpAddress", "aws:SourceIp", "10.0.0.0/8"),
            _c("IpAddress", "aws:SourceIp", "10.1.0.0/16"),
        ],
    ],
)
def test_conditions_some_request_can_meet(conditions):
    assert never_holds(conditions, NOW) is None


def test_token_window_is_the_longest_session():
    assert timedelta(seconds=129_600) == MAX_TOKEN_AGE
    edge = (NOW - MAX_TOKEN_AGE - timedelta(minutes=1)).isoformat()
    assert never_holds([_c("DateLessThan", "aws:TokenIssueTime", edge)], NOW) is not None


def test_dates_in_every_form_aws_accepts():
    assert parse_date("2020-01-01") == datetime(2020, 1, 1, tzinfo=UTC).timestamp()
    assert (
        parse_date("2020-01-01T00:00:01Z") == datetime(2020, 1, 1, 0, 0, 1, tzinfo=UTC).timestamp()
    )
    assert parse_date("1577836800") == 1577836800.0
    assert parse_date("yesterday") is None


def test_prune_document_drops_only_never_holding_statements():
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Old",
                "Effect": "Allow",
                "Action": "iam:CreatePolicyVersion",
                "Resource": "*",
                "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}},
            },
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        ],
    }
    pruned = prune_document(document, NOW)
    assert pruned is not None
    assert [label for label, _ in pruned.dropped] == ["Old"]
    assert pruned.document["Statement"] == [document["Statement"][1]]
    # Handed the document already parsed (as the audit does), the same answer.
    assert prune_document(document, NOW, parse_policy(document, name="p")) == pruned
    assert (
        prune_document({"Version": "2012-10-17", "Statement": [document["Statement"][1]]}, NOW)
        is None
    )


def test_prune_document_of_only_never_holding_statements_leaves_nothing():
    document = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Action": "*",
            "Resource": "*",
            "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2099-01-01T00:00:00Z"}},
        },
    }
    pruned = prune_document(document, NOW)
    assert pruned is not None
    assert pruned.document is None


def test_unreadable_document_is_left_to_the_index():
    assert prune_document({"Statement": "nonsense"}, NOW) is None


@given(lo=st.integers(min_value=-200, max_value=200), hi=st.integers(min_value=-200, max_value=200))
def test_numeric_ranges_agree_with_arithmetic(lo, hi):
    """NumericGreaterThan lo and NumericLessThan hi can both hold exactly when lo < hi."""
    conditions = [
        _c("NumericGreaterThan", "aws:MultiFactorAuthAge", str(lo)),
        _c("NumericLessThan", "aws:MultiFactorAuthAge", str(hi)),
    ]
    # aws:MultiFactorAuthAge is never negative: the range also has to reach 0 or above.
    satisfiable = lo < hi and hi > 0
    assert (never_holds(conditions, NOW) is None) == satisfiable
