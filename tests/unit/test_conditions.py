"""Every condition operator, with the absent-key, IfExists, set-qualifier and case rules."""

from __future__ import annotations

import pytest

from bot.iam.conditions import (
    CompiledCondition,
    UnknownOperatorError,
    normalise_context,
    parse_date,
    parse_operator,
)

ABSENT = object()


def holds(operator: str, key: str, values: list[object] | object, request: object) -> bool:
    """Test one condition; ``request`` is the context value for ``key`` or ABSENT."""
    listed = values if isinstance(values, list) else [values]
    as_text = tuple(("true" if v else "false") if isinstance(v, bool) else str(v) for v in listed)
    context = {} if request is ABSENT else normalise_context({key: request})
    return CompiledCondition(operator, key, as_text, variables=True).holds(context)


CASES = [
    # --- String ---
    ("StringEquals", "aws:username", "alice", "alice", True),
    ("StringEquals", "aws:username", "alice", "Alice", False),  # values are case-sensitive
    ("StringEquals", "aws:username", ["bob", "alice"], "alice", True),  # values are ORed
    ("StringEquals", "aws:username", "alice", ABSENT, False),
    ("StringNotEquals", "aws:username", "alice", "bob", True),
    ("StringNotEquals", "aws:username", ["bob", "alice"], "alice", False),  # NOR over values
    ("StringNotEquals", "aws:username", "alice", ABSENT, True),  # negated + absent => true
    ("StringEqualsIgnoreCase", "aws:username", "ALICE", "alice", True),
    ("StringNotEqualsIgnoreCase", "aws:username", "ALICE", "alice", False),
    ("StringNotEqualsIgnoreCase", "aws:username", "ALICE", "bob", True),
    ("StringLike", "s3:prefix", "home/*", "home/alice/x", True),
    ("StringLike", "s3:prefix", "home/?", "home/ab", False),
    ("StringLike", "s3:prefix", "Home/*", "home/x", False),
    ("StringNotLike", "s3:prefix", "home/*", "other", True),
    ("StringNotLike", "s3:prefix", "home/*", "home/x", False),
    ("StringNotLike", "s3:prefix", "home/*", ABSENT, True),
    ("StringEqualsIfExists", "aws:username", "alice", ABSENT, True),
    ("StringEqualsIfExists", "aws:username", "alice", "bob", False),
    ("StringNotEqualsIfExists", "aws:username", "alice", ABSENT, True),
    ("StringNotEqualsIfExists", "aws:username", "alice", "alice", False),
    # --- Numeric ---
    ("NumericEquals", "s3:max-keys", 10, "10", True),
    ("NumericEquals", "s3:max-keys", 10, "10.0", True),
    ("NumericEquals", "s3:max-keys", 10, "11", False),
    ("NumericEquals", "s3:max-keys", 10, "ten", False),
    ("NumericNotEquals", "s3:max-keys", 10, "11", True),
    ("NumericNotEquals", "s3:max-keys", 10, "10", False),
    ("NumericLessThan", "s3:max-keys", 10, "9", True),
    ("NumericLessThan", "s3:max-keys", 10, "10", False),
    ("NumericLessThanEquals", "s3:max-keys", 10, "10", True),
    ("NumericGreaterThan", "s3:max-keys", 10, "10", False),
    ("NumericGreaterThan", "s3:max-keys", 10, "10.5", True),
    ("NumericGreaterThanEquals", "s3:max-keys", 10, "10", True),
    ("NumericLessThan", "s3:max-keys", 10, ABSENT, False),
    ("NumericLessThanIfExists", "s3:max-keys", 10, ABSENT, True),
    ("NumericLessThan", "s3:max-keys", "not-a-number", "1", False),
    # --- Date (ISO 8601 and epoch seconds on either side) ---
    ("DateEquals", "aws:CurrentTime", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00+00:00", True),
    ("DateEquals", "aws:CurrentTime", "2024-01-01", "2024-01-01T00:00:00Z", True),
    ("DateNotEquals", "aws:CurrentTime", "2024-01-01", "2024-01-02", True),
    ("DateLessThan", "aws:CurrentTime", "2024-01-01T00:00:00Z", "2023-12-31T23:59:59Z", True),
    ("DateLessThan", "aws:CurrentTime", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", False),
    ("DateLessThanEquals", "aws:CurrentTime", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", True),
    ("DateGreaterThan", "aws:CurrentTime", "2024-01-01T00:00:00Z", "2024-06-01T00:00:00Z", True),
    ("DateGreaterThanEquals", "aws:CurrentTime", "2024-01-01", "2023-01-01", False),
    ("DateGreaterThan", "aws:EpochTime", "1704067200", "2024-01-01T00:00:01Z", True),
    ("DateLessThan", "aws:CurrentTime", "2024-01-01T00:00:00Z", "1704067199", True),
    (
        "DateGreaterThan",
        "aws:CurrentTime",
        "2024-01-01T02:00:00+02:00",
        "2024-01-01T00:00:01Z",
        True,
    ),
    ("DateLessThan", "aws:CurrentTime", "2024-01-01", ABSENT, False),
    ("DateLessThan", "aws:CurrentTime", "garbage", "2020-01-01", False),
    # --- Bool ---
    ("Bool", "aws:SecureTransport", True, "true", True),
    ("Bool", "aws:SecureTransport", True, "TRUE", True),
    ("Bool", "aws:SecureTransport", False, "true", False),
    ("Bool", "aws:SecureTransport", "false", "false", True),
    ("Bool", "aws:SecureTransport", True, ABSENT, False),
    ("BoolIfExists", "aws:MultiFactorAuthPresent", False, ABSENT, True),
    ("BoolIfExists", "aws:MultiFactorAuthPresent", False, "true", False),
    ("Bool", "aws:SecureTransport", "yes", "yes", False),  # not a boolean: never matches
    # --- Binary ---
    ("BinaryEquals", "key", "QmluYXJ5VmFsdWU=", "QmluYXJ5VmFsdWU=", True),
    ("BinaryEquals", "key", "QmluYXJ5VmFsdWU=", "T3RoZXI=", False),
    # --- IP addresses ---
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", "203.0.113.77", True),
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", "203.0.114.1", False),
    ("IpAddress", "aws:SourceIp", "203.0.113.5", "203.0.113.5", True),
    ("IpAddress", "aws:SourceIp", ["10.0.0.0/8", "2001:db8::/32"], "2001:db8:1::5", True),
    ("IpAddress", "aws:SourceIp", "2001:db8::/32", "203.0.113.1", False),  # v4 vs v6
    ("IpAddress", "aws:SourceIp", "10.0.0.0/8", "not-an-ip", False),
    ("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", "198.51.100.1", True),
    ("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", "203.0.113.9", False),
    ("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", ABSENT, True),
    ("IpAddressIfExists", "aws:SourceIp", "203.0.113.0/24", ABSENT, True),
    # --- ARNs (case-sensitive, wildcards in both ArnEquals and ArnLike) ---
    ("ArnEquals", "aws:SourceArn", "arn:aws:sns:us-east-1:1:t", "arn:aws:sns:us-east-1:1:t", True),
    ("ArnLike", "aws:SourceArn", "arn:aws:sns:*:1:t*", "arn:aws:sns:eu-west-1:1:topic", True),
    ("ArnEquals", "aws:SourceArn", "arn:aws:sns:*:1:t", "arn:aws:sns:eu-west-1:1:t", True),
    ("ArnLike", "aws:SourceArn", "arn:aws:sns:*:1:T", "arn:aws:sns:eu-west-1:1:t", False),
    ("ArnNotEquals", "aws:SourceArn", "arn:aws:sns:*:1:t", "arn:aws:sns:us-east-1:2:t", True),
    ("ArnNotLike", "aws:SourceArn", "arn:aws:sns:*:1:t", "arn:aws:sns:us-east-1:1:t", False),
    ("ArnNotLike", "aws:SourceArn", "arn:aws:sns:*:1:t", ABSENT, True),
    ("ArnLike", "aws:SourceArn", "arn:aws:sns:*:1:t", ABSENT, False),
    # --- Null ---
    ("Null", "aws:TokenIssueTime", "true", ABSENT, True),
    ("Null", "aws:TokenIssueTime", "true", "2024-01-01", False),
    ("Null", "aws:TokenIssueTime", "false", "2024-01-01", True),
    ("Null", "aws:TokenIssueTime", "false", ABSENT, False),
    ("Null", "aws:TagKeys", "true", [], True),  # an empty set counts as absent
    # A set qualifier on Null: IAM stores it (Access Analyzer suggests dropping it); with the
    # key present it is the presence test, with it absent the empty-set rule decides
    # (ForAllValues true, ForAnyValue false: the policy simulator, per PMapper's tests).
    ("ForAllValues:Null", "aws:TagKeys", "false", ["team"], True),
    ("ForAllValues:Null", "aws:TagKeys", "true", ["team"], False),
    ("ForAllValues:Null", "aws:TagKeys", "false", ABSENT, True),
    ("ForAnyValue:Null", "aws:TagKeys", "true", ABSENT, False),
    # --- set qualifiers over multi-valued keys ---
    ("ForAllValues:StringEquals", "aws:TagKeys", ["a", "b"], ["a"], True),
    ("ForAllValues:StringEquals", "aws:TagKeys", ["a", "b"], ["a", "c"], False),
    ("ForAllValues:StringEquals", "aws:TagKeys", ["a", "b"], ABSENT, True),  # empty set => true
    ("ForAllValues:StringEquals", "aws:TagKeys", ["a", "b"], [], True),
    ("ForAnyValue:StringEquals", "aws:TagKeys", ["a", "b"], ["c", "b"], True),
    ("ForAnyValue:StringEquals", "aws:TagKeys", ["a", "b"], ["c"], False),
    ("ForAnyValue:StringEquals", "aws:TagKeys", ["a", "b"], ABSENT, False),  # absent => false
    ("ForAnyValue:StringEquals", "aws:TagKeys", ["a", "b"], [], False),
    ("ForAnyValue:StringEqualsIfExists", "aws:TagKeys", ["a"], ABSENT, True),
    ("ForAllValues:StringLike", "aws:TagKeys", ["env*", "team"], ["env-x", "team"], True),
    ("ForAllValues:StringNotEquals", "aws:TagKeys", ["secret"], ["a", "b"], True),
    ("ForAllValues:StringNotEquals", "aws:TagKeys", ["secret"], ["a", "secret"], False),
    ("ForAllValues:StringNotEquals", "aws:TagKeys", ["secret"], ABSENT, True),
    ("ForAnyValue:StringNotEquals", "aws:TagKeys", ["a"], ["a", "b"], True),
    ("ForAnyValue:StringNotEquals", "aws:TagKeys", ["a"], ["a"], False),
    ("ForAnyValue:StringNotEquals", "aws:TagKeys", ["a"], ABSENT, False),
    # negated operators over a multi-valued key without a qualifier: no value may match
    ("StringNotEquals", "aws:TagKeys", ["a"], ["b", "c"], True),
    ("StringNotEquals", "aws:TagKeys", ["a"], ["a", "c"], False),
    ("StringEquals", "aws:TagKeys", ["a"], ["a", "c"], True),
    ("ForAnyValue:NumericLessThan", "x:nums", 5, ["10", "3"], True),
    ("ForAllValues:NumericLessThan", "x:nums", 5, ["10", "3"], False),
]


@pytest.mark.parametrize(("operator", "key", "values", "request_value", "expected"), CASES)
def test_operator(
    operator: str, key: str, values: object, request_value: object, expected: bool
) -> None:
    assert holds(operator, key, values, request_value) is expected


def test_condition_keys_are_case_insensitive() -> None:
    condition = CompiledCondition("StringEquals", "AWS:UserName", ("alice",), variables=True)
    assert condition.holds(normalise_context({"aws:username": "alice"}))
    assert condition.holds(normalise_context({"Aws:USERNAME": "alice"}))


def test_policy_variables_in_condition_values() -> None:
    condition = CompiledCondition(
        "StringEquals", "aws:PrincipalTag/team", ("${aws:ResourceTag/team}",), variables=True
    )
    same = normalise_context({"aws:PrincipalTag/team": "red", "aws:ResourceTag/team": "red"})
    other = normalise_context({"aws:PrincipalTag/team": "red", "aws:ResourceTag/team": "blue"})
    assert condition.holds(same)
    assert not condition.holds(other)


def test_unresolvable_variable_makes_even_a_negated_condition_fail() -> None:
    condition = CompiledCondition(
        "StringNotEquals", "s3:prefix", ("home/${aws:username}",), variables=True
    )
    assert not condition.holds(normalise_context({"s3:prefix": "x"}))


def test_variable_with_default_and_string_like_literal_value() -> None:
    condition = CompiledCondition(
        "StringLike", "s3:prefix", ("home/${aws:username, 'guest'}/*",), variables=True
    )
    assert condition.holds(normalise_context({"s3:prefix": "home/guest/a"}))
    # a username with '*' is inserted literally, never as a wildcard
    starred = normalise_context({"s3:prefix": "home/bob/a", "aws:username": "*"})
    assert not condition.holds(starred)


def test_variables_are_text_when_the_policy_version_does_not_substitute() -> None:
    condition = CompiledCondition("StringEquals", "k", ("${aws:username}",), variables=False)
    assert condition.holds(normalise_context({"k": "${aws:username}"}))
    assert not condition.holds(normalise_context({"k": "alice", "aws:username": "alice"}))


@pytest.mark.parametrize(
    ("name", "base", "negated", "if_exists", "qualifier"),
    [
        ("StringNotLikeIfExists", "StringNotLike", True, True, ""),
        ("ForAnyValue:StringLike", "StringLike", False, False, "ForAnyValue"),
        ("ForAllValues:ArnNotEqualsIfExists", "ArnNotEquals", True, True, "ForAllValues"),
        ("NotIpAddress", "NotIpAddress", True, False, ""),
        ("Null", "Null", False, False, ""),
    ],
)
def test_parse_operator(
    name: str, base: str, negated: bool, if_exists: bool, qualifier: str
) -> None:
    spec = parse_operator(name)
    assert (spec.base, spec.negated, spec.if_exists, spec.qualifier) == (
        base,
        negated,
        if_exists,
        qualifier,
    )


@pytest.mark.parametrize(
    "name", ["stringequals", "StringEqualz", "ForSomeValues:StringEquals", "NullIfExists", ""]
)
def test_unknown_operators_are_rejected(name: str) -> None:
    with pytest.raises(UnknownOperatorError):
        parse_operator(name)


@pytest.mark.parametrize(
    ("text", "epoch"),
    [
        ("1970-01-01T00:00:00Z", 0.0),
        ("1970-01-02", 86400.0),
        ("86400", 86400.0),
        ("1970-01-01T01:00:00+01:00", 0.0),
        ("1970-01-01T00:00:00.500Z", 0.5),
        ("tomorrow", None),
    ],
)
def test_parse_date(text: str, epoch: float | None) -> None:
    assert parse_date(text) == epoch


def test_context_values_are_stringified_like_aws() -> None:
    context = normalise_context({"A": True, "b": 3, "c": ["x", False], "d": 1.5})
    assert context == {"a": ("true",), "b": ("3",), "c": ("x", "false"), "d": ("1.5",)}
