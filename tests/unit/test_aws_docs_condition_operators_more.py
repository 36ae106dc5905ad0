"""Condition operator rules from AWS's pages that tests/unit/test_conditions.py and
tests/unit/test_aws_doc_examples_evaluation.py do not already pin down.

Pages:
- "IAM JSON policy elements: Condition operators"
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):
  "You can add IfExists to the end of any condition operator name except the Null condition";
  "If the key is not present, evaluate the condition element as true"; IP operators take IPv4
  and IPv6 CIDRs; Date operators take ISO 8601 dates and epoch times; ARN operators compare each
  colon-delimited part, case-sensitively.
- "Single-valued vs. multivalued context keys"
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html)
  and "Multivalued context key examples": ForAllValues is true when the key is absent or empty,
  ForAnyValue false; a Null false condition closes the first gap.
- "IAM JSON policy elements: Condition": key names are case-insensitive, values case-sensitive
  except under the IgnoreCase operators.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.iam.catalogue import default_catalogue
from bot.iam.conditions import (
    BASE_OPERATORS,
    CompiledCondition,
    UnknownOperatorError,
    normalise_context,
    parse_operator,
)
from bot.iam.evaluator import Evaluator, PolicySet, Request
from bot.iam.linter import lint_policy
from bot.iam.policy import parse_policy

# One (key, policy value, request value that the positive operator matches, one it does not)
# per operator family.
_FAMILY_SAMPLES: dict[str, tuple[str, str, str, str]] = {
    "String": ("aws:PrincipalTag/team", "blue", "blue", "red"),
    "Numeric": ("s3:max-keys", "10", "10", "11"),
    "Date": ("aws:CurrentTime", "2020-04-01T00:00:00Z", "2020-04-01T00:00:00Z", "2021-01-01"),
    "Bool": ("aws:SecureTransport", "true", "true", "false"),
    "Binary": ("x:blob", "QmluYXJ5", "QmluYXJ5", "T3RoZXI="),
    "IpAddress": ("aws:SourceIp", "203.0.113.0/24", "203.0.113.9", "198.51.100.1"),
    "Arn": (
        "aws:SourceArn",
        "arn:aws:sns:us-east-1:1:t",
        "arn:aws:sns:us-east-1:1:t",
        "arn:aws:sns:us-east-1:1:u",
    ),
}
# The request values the ordered comparisons match for the sample policy value.
_ORDERED = {
    "NumericLessThan": ("9", "10"),
    "NumericLessThanEquals": ("10", "11"),
    "NumericGreaterThan": ("11", "10"),
    "NumericGreaterThanEquals": ("10", "9"),
    "DateLessThan": ("2020-03-31T23:59:59Z", "2020-04-01T00:00:00Z"),
    "DateLessThanEquals": ("2020-04-01T00:00:00Z", "2020-04-01T00:00:01Z"),
    "DateGreaterThan": ("2020-04-01T00:00:01Z", "2020-04-01T00:00:00Z"),
    "DateGreaterThanEquals": ("2020-04-01T00:00:00Z", "2020-03-31T23:59:59Z"),
}
NON_NULL = sorted(BASE_OPERATORS - {"Null"})


def _holds(operator: str, key: str, values: tuple[str, ...], context: dict[str, object]) -> bool:
    return CompiledCondition(operator, key, values, variables=True).holds(
        normalise_context(context)
    )


def _sample(base: str) -> tuple[str, str, str, str]:
    spec = parse_operator(base)
    key, value, match, miss = _FAMILY_SAMPLES[spec.family]
    if spec.positive in _ORDERED:
        match, miss = _ORDERED[spec.positive]
    return key, value, match, miss


@pytest.mark.parametrize("base", NON_NULL)
def test_if_exists_on_every_operator(base: str) -> None:
    """Every operator but Null takes IfExists: true when the key is absent, otherwise the plain
    operator's answer (a negated one: the negation of its positive twin)."""
    key, value, match, miss = _sample(base)
    spec = parse_operator(base)
    name = f"{base}IfExists"
    assert parse_operator(name).if_exists
    assert _holds(name, key, (value,), {}) is True
    assert _holds(name, key, (value,), {key: match}) is (not spec.negated)
    assert _holds(name, key, (value,), {key: miss}) is spec.negated
    # and without IfExists a missing key makes it false, or true for a negated operator
    assert _holds(base, key, (value,), {}) is spec.negated


def test_null_takes_no_if_exists() -> None:
    with pytest.raises(UnknownOperatorError):
        parse_operator("NullIfExists")


@pytest.mark.parametrize(
    ("policy_cidr", "source", "expected"),
    [
        ("0.0.0.0/0", "198.51.100.1", True),
        ("0.0.0.0/0", "2001:db8::1", False),  # every IPv4 address, no IPv6 one
        ("::/0", "2001:db8::1", True),
        ("::/0", "198.51.100.1", False),
        ("2001:DB8:1234:5678::/64", "2001:0db8:1234:5678:0000:0000:0000:0001", True),
        ("2001:db8:1234:5678::/64", "2001:DB8:1234:5678:FFFF::", True),
        ("2001:db8::/32", "2001:db9::1", False),
        ("203.0.113.0/24", "203.0.113.255", True),
        ("203.0.113.0/24", "203.0.114.0", False),
    ],
)
def test_ip_address_ipv4_and_ipv6(policy_cidr: str, source: str, expected: bool) -> None:
    """IP operators match IPv4 and IPv6 CIDRs (the operators page's example mixes both); an
    IPv4 range never matches an IPv6 source, so 0.0.0.0/0 alone does not cover IPv6 clients."""
    assert _holds("IpAddress", "aws:SourceIp", (policy_cidr,), {"aws:SourceIp": source}) is expected
    assert _holds("NotIpAddress", "aws:SourceIp", (policy_cidr,), {"aws:SourceIp": source}) is (
        not expected
    )


@pytest.mark.parametrize(
    ("policy_value", "request_value"),
    [
        ("2020-04-01T00:00:00Z", "1585699200"),  # ISO in the policy, epoch in the request
        ("1585699200", "2020-04-01T00:00:00Z"),  # and the other way round
        ("2020-04-01", "2020-04-01T00:00:00Z"),  # a date alone is its midnight UTC
        ("2020-04-01T02:00:00+02:00", "2020-04-01T00:00:00Z"),  # offsets are honoured
        ("2020-04-01T00:00:00.000Z", "2020-04-01T00:00:00Z"),
    ],
)
def test_date_forms_name_the_same_instant(policy_value: str, request_value: str) -> None:
    key = "aws:CurrentTime"
    assert _holds("DateEquals", key, (policy_value,), {key: request_value})
    assert not _holds("DateNotEquals", key, (policy_value,), {key: request_value})
    assert not _holds("DateLessThan", key, (policy_value,), {key: request_value})


@pytest.mark.parametrize(
    ("operator", "policy_arn", "request_arn", "expected"),
    [
        (
            "ArnLike",
            "arn:aws:iam::123456789012:role/Admin*",
            "arn:aws:iam::123456789012:role/AdminX",
            True,
        ),
        # case-sensitive, unlike the key name
        (
            "ArnLike",
            "arn:aws:iam::123456789012:role/admin*",
            "arn:aws:iam::123456789012:role/AdminX",
            False,
        ),
        ("ArnEquals", "arn:aws:s3:::bucket", "arn:aws:s3:::bucket", True),
        ("ArnEquals", "arn:aws:s3:::bucket", "arn:aws:s3:::Bucket", False),
        # each part is matched on its own: a * in the region does not swallow the account
        (
            "ArnLike",
            "arn:aws:sns:*:123456789012:topic",
            "arn:aws:sns:us-east-1:123456789012:topic",
            True,
        ),
        ("ArnLike", "arn:aws:sns:*:topic", "arn:aws:sns:us-east-1:123456789012:topic", False),
        # a request value that is not an ARN never matches
        ("ArnLike", "arn:aws:s3:::*", "not-an-arn", False),
        ("ArnNotLike", "arn:aws:s3:::*", "not-an-arn", True),
    ],
)
def test_arn_operators(operator: str, policy_arn: str, request_arn: str, expected: bool) -> None:
    context = {"aws:SourceArn": request_arn}
    assert _holds(operator, "aws:SourceArn", (policy_arn,), context) is expected


# --- multivalued keys -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag_keys", "for_all", "for_all_with_null", "for_any"),
    [
        (None, True, False, False),  # key absent
        ([], True, False, False),  # an empty set
        pytest.param([""], True, False, False, id="only-an-empty-string"),
        (["", ""], True, False, False),  # still only empty strings
        (["env"], True, True, True),
        (["env", "owner"], False, False, True),
        (["owner"], False, False, False),
    ],
)
def test_for_all_values_and_for_any_value_on_absent_and_empty_keys(
    tag_keys: list[str] | None, for_all: bool, for_all_with_null: bool, for_any: bool
) -> None:
    """Multivalued context key examples: "The ForAllValues set operator also returns true if
    there are no context keys in the request, or if the context key value resolves to a null
    dataset, such as an empty string. To prevent missing context keys or context keys with
    empty values from evaluating to true, include the Null condition operator in your policy
    with a value of false"; ForAnyValue needs at least one matching value. So [""] on
    aws:TagKeys (a multivalued key) is null: Null false does not hold on it."""
    key = "aws:TagKeys"
    context: dict[str, object] = {} if tag_keys is None else {key: tag_keys}
    all_values = _holds("ForAllValues:StringEquals", key, ("env",), context)
    present = _holds("Null", key, ("false",), context)
    assert all_values is for_all
    assert (all_values and present) is for_all_with_null
    assert _holds("ForAnyValue:StringEquals", key, ("env",), context) is for_any


# --- Null on empty values ------------------------------------------------------------------
# "Condition operator to check existence of condition keys": use Null "true (the key doesn't
# exist — it is null) or false (the key exists and its value is not null)". The multivalued
# examples page adds that Null false keeps "missing context keys or context keys with empty
# values" from evaluating to true, the empty data set being e.g. "an empty string".

# Multivalued (ArrayOf...) keys: three global ones and a service one.
_MULTIVALUED_KEYS = ("aws:TagKeys", "aws:CalledVia", "aws:PrincipalServiceNamesList")
_MULTIVALUED_KEYS += ("dynamodb:Attributes",)
# Single-valued keys, and one no catalogue knows (taken as single-valued).
_SINGLE_VALUED_KEYS = ("aws:username", "aws:ResourceTag/env", "aws:RequestTag/env", "k:Unknown")
_ABSENT = None


def _null(key: str, null: str, request: tuple[str, ...] | None) -> bool:
    """Null ``null`` on ``key`` against a normalised context (tuples, lower-case keys): ``()``
    is what bot.iam.effective's facts say of an absent key."""
    context = {} if request is None else {key.lower(): request}
    return CompiledCondition("Null", key, (null,), variables=False).holds(context)


@pytest.mark.parametrize("key", _MULTIVALUED_KEYS)
@pytest.mark.parametrize(
    ("request_values", "is_null"),
    [
        (_ABSENT, True),
        ((), True),  # no values: an effective-permissions fact for "absent"
        (("",), True),  # the empty data set, "for example, an empty string"
        (("", ""), True),
        (("", "a"), False),  # a mix holds a value: the key exists and is not null
        (("a",), False),
    ],
)
def test_null_on_a_multivalued_key_counts_empty_strings_as_null(
    key: str, request_values: tuple[str, ...] | None, is_null: bool
) -> None:
    """On a multivalued key, values that are all empty strings are the empty data set, which
    the multivalued examples page has Null false reject ("context keys with empty values");
    Null true is its negation, so it holds there."""
    assert _null(key, "true", request_values) is is_null
    assert _null(key, "false", request_values) is not is_null


@pytest.mark.parametrize("key", _SINGLE_VALUED_KEYS)
@pytest.mark.parametrize(
    ("request_values", "is_null"),
    [(_ABSENT, True), ((), True), (("",), False), (("a",), False)],
)
def test_null_on_a_single_valued_key_keeps_an_empty_string_present(
    key: str, request_values: tuple[str, ...] | None, is_null: bool
) -> None:
    """AWS is silent on a single-valued key whose value is "" (a tag with an empty value, which
    AWS allows): the Null page calls a key null when it "doesn't exist", and "" is a value, not
    an absent one; only multivalued keys have the empty data set. Kept present, as before: for
    the usual tag guards, an Allow on Null false and a Deny on Null true, that answers "allowed"
    when in doubt, a false alarm at worst, never a missed grant or escalation."""
    assert _null(key, "true", request_values) is is_null
    assert _null(key, "false", request_values) is not is_null


@pytest.mark.parametrize(
    ("operator", "null", "expected"),
    [
        ("ForAllValues:Null", "true", True),
        ("ForAllValues:Null", "false", True),
        ("ForAnyValue:Null", "true", False),
        ("ForAnyValue:Null", "false", False),
    ],
)
def test_null_with_a_set_qualifier_reads_empty_strings_as_the_empty_data_set(
    operator: str, null: str, expected: bool
) -> None:
    """With a set qualifier even a key no catalogue knows is a set, so [""] is the empty data
    set and the set operators' rule decides ("ForAllValues returns true, and ... ForAnyValue
    returns false"), as it does for absent keys (tests/unit/test_conditions.py)."""
    condition = CompiledCondition(operator, "k:Unknown", (null,), variables=False)
    assert condition.holds({"k:unknown": ("",)}) is expected


# AWS's example: "Deny policy with condition set operator ForAllValues" (Multivalued context key
# examples), next to an Allow so the Deny's effect shows.
_DENY_RESTRICTED_TAGS = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyRestrictedTags",
            "Effect": "Deny",
            "Action": ["iam:Tag*", "iam:UnTag*"],
            "Resource": ["*"],
            "Condition": {
                "Null": {"aws:TagKeys": "false"},
                "ForAllValues:StringLike": {"aws:TagKeys": ["key1*", "key2*", "key3*"]},
            },
        }
    ],
}
_ALLOW_IAM = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}],
}


@pytest.mark.parametrize(
    ("tag_keys", "decision"),
    [
        (None, "allowed"),  # no aws:TagKeys: Null false does not hold
        ([], "allowed"),
        ([""], "allowed"),  # "context keys with empty values" do not evaluate to true
        (["key1-cost"], "explicit_deny"),
        (["key1-cost", "key3-team"], "explicit_deny"),
        (["key1-cost", "owner"], "allowed"),  # ForAllValues: owner matches no prefix
        (["", "key2-x"], "allowed"),  # a mix: "" is tested, and matches no prefix
    ],
)
def test_aws_deny_restricted_tags_example(tag_keys: list[str] | None, decision: str) -> None:
    """The page's policy "denies the use of IAM tagging actions when specific tag key prefixes
    are included in the request"; its Null false is there "to prevent missing context keys or
    context keys with empty values from evaluating to true"."""
    policies = PolicySet(
        identity=[parse_policy(_ALLOW_IAM, name="allow"), parse_policy(_DENY_RESTRICTED_TAGS)]
    )
    context: dict[str, object] = {} if tag_keys is None else {"aws:TagKeys": tag_keys}
    request = Request(
        "arn:aws:iam::111122223333:user/alice",
        "iam:TagRole",
        "arn:aws:iam::111122223333:role/app",
        "111122223333",
        context,
    )
    assert Evaluator(policies).evaluate(request).decision == decision


_REQUEST_VALUES = st.none() | st.lists(st.sampled_from(["", "env", "key1-x"]), max_size=3)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(_MULTIVALUED_KEYS + _SINGLE_VALUED_KEYS), _REQUEST_VALUES)
def test_null_true_and_null_false_never_both_hold(key: str, values: list[str] | None) -> None:
    """Exactly one of Null true and Null false holds for any request; and on a multivalued key
    Null false with ForAllValues holds only for a non-empty request whose every value matches:
    the gap the multivalued examples page closes with Null false is closed."""
    context: dict[str, object] = {} if values is None else {key: values}
    null_true = _holds("Null", key, ("true",), context)
    null_false = _holds("Null", key, ("false",), context)
    assert null_true is not null_false
    if key in _MULTIVALUED_KEYS and null_false:
        all_env = _holds("ForAllValues:StringEquals", key, ("env",), context)
        assert all_env is (values is not None and all(v == "env" for v in values))


def test_for_all_values_with_allow_is_reported_only_on_single_valued_keys() -> None:
    """AWS's validator (IAM Access Analyzer "ForAllValues with single valued key", a security
    warning) reports ForAllValues on a single-valued key; on aws:TagKeys, a multivalued key,
    it is the documented form and raises no type finding."""
    catalogue = default_catalogue()

    def mismatches(key: str) -> list[str]:
        document = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "ec2:CreateTags",
                    "Resource": "*",
                    "Condition": {"ForAllValues:StringEquals": {key: ["env"]}},
                }
            ],
        }
        findings = lint_policy(document, catalogue=catalogue, policy_type="identity")
        return [f.detail.get("kind", "") for f in findings if f.code == "CONDITION_TYPE_MISMATCH"]

    assert mismatches("aws:RequestedRegion") == ["set_operator_on_single_valued"]
    assert mismatches("aws:TagKeys") == []


@pytest.mark.parametrize(
    ("operator", "tag_keys", "expected"),
    [
        # without a set operator, a positive operator matches if any request value matches
        ("StringEquals", ["a", "b"], True),
        ("StringLike", ["x", "ab*"], False),
        # and a negated one is true only when no request value matches
        ("StringNotEquals", ["a", "b"], False),
        ("StringNotEquals", ["c", "d"], True),
    ],
)
def test_single_valued_operators_on_a_multivalued_key(
    operator: str, tag_keys: list[str], expected: bool
) -> None:
    assert _holds(operator, "aws:TagKeys", ("a",), {"aws:TagKeys": tag_keys}) is expected


# --- case --------------------------------------------------------------------------------


def test_key_names_case_insensitive_values_case_sensitive() -> None:
    """Condition element page: key names are case-insensitive (aws:SourceIP is aws:SourceIp),
    values are compared case-sensitively by String operators, not by StringEqualsIgnoreCase,
    and Bool accepts true/false in any case."""
    context = {"AWS:PRINCIPALTAG/Team": "Blue", "aws:securetransport": "TRUE"}
    assert _holds("StringEquals", "aws:PrincipalTag/team", ("Blue",), context)
    assert not _holds("StringEquals", "aws:principaltag/TEAM", ("blue",), context)
    assert _holds("StringEqualsIgnoreCase", "aws:principaltag/TEAM", ("blue",), context)
    assert not _holds("StringNotEqualsIgnoreCase", "aws:PrincipalTag/team", ("BLUE",), context)
    assert _holds("StringLike", "aws:PrincipalTag/team", ("B*",), context)
    assert not _holds("StringLike", "aws:PrincipalTag/team", ("b*",), context)
    assert _holds("Bool", "aws:SecureTransport", ("True",), context)
