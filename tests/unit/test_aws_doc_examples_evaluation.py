"""The evaluator's decisions against the evaluation rules and examples of AWS's own documentation.

Covers, one group per page (the page is named with its URL in every test's docstring):

- IAM User Guide, "IAM JSON policy elements: Condition operators": every operator family
  (String, Numeric, Date, Bool, Binary, IP address, ARN, ...IfExists, Null), the page's examples,
  the missing-key rule (positive operators false, negated ones true) and case sensitivity;
  "IAM JSON policy elements: Condition" for ORed values, ANDed keys and case-insensitive keys;
- "Creating a condition that tests multiple key values (set operations)": ForAllValues /
  ForAnyValue examples and their empty-set rule;
- "IAM policy elements: Variables and tags": variables in Resource and Condition, tags as
  variables, unresolvable variables, the special characters, default values, the policy version
  that enables them, and the operators that do not take variables;
- "IAM JSON policy elements: NotAction" and "NotResource" examples;
- "Policy evaluation logic" and "Cross-account policy evaluation logic" worked examples;
- AWS Organizations: the general SCP examples, how SCPs are inherited and evaluated
  (FullAWSAccess, every level must allow, management account exempt), and the RCP examples
  (RCPFullAWSAccess, secure transport, confused deputy, identity perimeter);
- a few of the same requests through ``iam-audit simulate`` (in-process).

What tests/unit/test_evaluator_aws_docs.py already checks (KMS key policies, NotPrincipal,
session policies with resource policies, boundaries, service-linked roles and SCPs, anonymous
callers) is not repeated. Each test asserts the documented decision.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot import cli
from bot.iam.evaluator import Evaluator, PolicySet, Request
from bot.iam.policy import Policy, parse_policy

ACCOUNT = "111122223333"
OTHER = "444455556666"
ORG_ID = "o-a1b2c3d4e5"
DAVID = f"arn:aws:iam::{ACCOUNT}:user/David"
BOB = f"arn:aws:iam::{ACCOUNT}:user/Bob"
ROLE_SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/examplerole/examplesession"
OUTSIDER = f"arn:aws:iam::{OTHER}:user/external"
OBJECT = "arn:aws:s3:::amzn-s3-demo-bucket/report.csv"
INSTANCE = f"arn:aws:ec2:us-east-2:{ACCOUNT}:instance/i-1234567890abcdef0"
IMAGE = "arn:aws:ec2:us-east-2::image/ami-0abcdef1234567890"
TABLE = f"arn:aws:dynamodb:us-east-2:{ACCOUNT}:table/Thread"


def policy(
    *statements: dict[str, Any], name: str = "p", version: str | None = "2012-10-17"
) -> Policy:
    document: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        document["Version"] = version
    return parse_policy(document, name=name)


def allow(action: str | list[str], resource: str | list[str] = "*", **extra: Any):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str | list[str], resource: str | list[str] = "*", **extra: Any):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def decide(
    policies: PolicySet,
    principal: str,
    action: str,
    resource: str,
    context: dict[str, Any] | None = None,
    *,
    account: str | None = None,
) -> str:
    request = Request(principal, action, resource, account, context or {})
    return Evaluator(policies).evaluate(request).decision


def identity(*statements: dict[str, Any], **sets: Any) -> PolicySet:
    """A principal whose identity policy holds ``statements`` and nothing else applies."""
    return PolicySet(identity=[policy(*statements)], **sets)


EVERYTHING = allow("*")
FULL_AWS_ACCESS = policy(allow("*"), name="FullAWSAccess")
RCP_FULL_AWS_ACCESS = policy(allow("*", Principal="*"), name="RCPFullAWSAccess")


# --- Condition operators: the missing-key rule ----------------------------------------------

# (operator, a policy value): the request carries no value for the key at all.
_MISSING_KEY_CASES = [
    ("StringEquals", "x", False),
    ("StringNotEquals", "x", True),
    ("StringEqualsIgnoreCase", "x", False),
    ("StringNotEqualsIgnoreCase", "x", True),
    ("StringLike", "x*", False),
    ("StringNotLike", "x*", True),
    ("NumericEquals", "1", False),
    ("NumericNotEquals", "1", True),
    ("NumericLessThan", "1", False),
    ("NumericGreaterThanEquals", "1", False),
    ("DateEquals", "2020-01-01T00:00:00Z", False),
    ("DateNotEquals", "2020-01-01T00:00:00Z", True),
    ("DateLessThan", "2020-01-01T00:00:00Z", False),
    ("Bool", "true", False),
    ("BinaryEquals", "QmluYXJ5VmFsdWVJbkJhc2U2NA==", False),
    ("IpAddress", "203.0.113.0/24", False),
    ("NotIpAddress", "203.0.113.0/24", True),
    ("ArnEquals", "arn:aws:sns:us-east-2:111122223333:topic", False),
    ("ArnLike", "arn:aws:sns:*:111122223333:*", False),
    ("ArnNotEquals", "arn:aws:sns:us-east-2:111122223333:topic", True),
    ("ArnNotLike", "arn:aws:sns:*:111122223333:*", True),
    ("StringEqualsIfExists", "x", True),
    ("StringNotEqualsIfExists", "x", True),
    ("NumericLessThanIfExists", "1", True),
    ("BoolIfExists", "false", True),
    ("IpAddressIfExists", "203.0.113.0/24", True),
    ("ArnLikeIfExists", "arn:aws:sns:*:111122223333:*", True),
]


@pytest.mark.parametrize(("operator", "value", "holds"), _MISSING_KEY_CASES)
def test_missing_key_makes_positive_operators_false_and_negated_ones_true(
    operator: str, value: str, holds: bool
) -> None:
    """IAM User Guide, "IAM JSON policy elements: Condition operators"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
    the "Important" note: a key absent from the request context makes the condition false; for an
    operator that requires the key *not* to match (StringNotLike, ArnNotLike ...) it is true;
    ...IfExists makes it true either way. Checked through an Allow and through a Deny."""
    condition = {operator: {"example:MissingKey": value}}
    allowed = identity(allow("s3:GetObject", Condition=condition))
    assert decide(allowed, DAVID, "s3:GetObject", OBJECT) == (
        "allowed" if holds else "implicit_deny"
    )
    denied = identity(EVERYTHING, deny("s3:GetObject", Condition=condition))
    assert decide(denied, DAVID, "s3:GetObject", OBJECT) == (
        "explicit_deny" if holds else "allowed"
    )


def test_null_operator_tests_presence_of_the_key() -> None:
    """IAM User Guide, "IAM JSON policy elements: Condition operators"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
    "Condition operator to check existence of condition keys": ``"Null": {"aws:TokenIssueTime":
    "true"}`` lets only callers without temporary credentials (no aws:TokenIssueTime) use EC2;
    ``false`` requires the key."""
    long_term_only = identity(allow("ec2:*", Condition={"Null": {"aws:TokenIssueTime": "true"}}))
    assert decide(long_term_only, DAVID, "ec2:DescribeInstances", "*") == "allowed"
    temporary = {"aws:TokenIssueTime": "2024-05-01T10:00:00Z"}
    assert decide(long_term_only, ROLE_SESSION, "ec2:DescribeInstances", "*", temporary) == (
        "implicit_deny"
    )
    key_required = identity(allow("ec2:*", Condition={"Null": {"aws:TokenIssueTime": "false"}}))
    assert decide(key_required, DAVID, "ec2:DescribeInstances", "*") == "implicit_deny"
    assert decide(key_required, ROLE_SESSION, "ec2:DescribeInstances", "*", temporary) == (
        "allowed"
    )


# --- Condition operators: the page's examples, one family at a time --------------------------

ACCESS_KEYS_OF_USERS = f"arn:aws:iam::{ACCOUNT}:user/*"


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"aws:PrincipalTag/job-category": "iamuser-admin"}, "allowed"),
        ({"aws:PrincipalTag/job-category": "IAMUser-Admin"}, "implicit_deny"),  # case-sensitive
        ({"aws:PrincipalTag/job-category": "iamuser-admin-2"}, "implicit_deny"),  # exact match
        ({}, "implicit_deny"),  # untagged user: the key is not in the request
    ],
)
def test_string_equals_principal_tag_example(tags: dict[str, str], expected: str) -> None:
    """IAM User Guide, "IAM JSON policy elements: Condition operators"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
    "String condition operators": StringEquals on aws:PrincipalTag/job-category is an exact,
    case-sensitive match, and a user without the tag is implicitly denied."""
    example = identity(
        allow(
            "iam:*AccessKey*",
            ACCESS_KEYS_OF_USERS,
            Condition={"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}},
        )
    )
    assert decide(example, DAVID, "iam:CreateAccessKey", BOB, tags) == expected


HOME_DIRECTORY = policy(
    allow(["s3:ListAllMyBuckets", "s3:GetBucketLocation"], "arn:aws:s3:::*"),
    allow(
        "s3:ListBucket",
        "arn:aws:s3:::amzn-s3-demo-bucket",
        Condition={"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/"]}},
    ),
    allow(
        "s3:*",
        [
            "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}",
            "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*",
        ],
    ),
)


@pytest.mark.parametrize(
    ("action", "resource", "context", "expected"),
    [
        ("s3:ListBucket", "arn:aws:s3:::amzn-s3-demo-bucket", {"s3:prefix": ""}, "allowed"),
        ("s3:ListBucket", "arn:aws:s3:::amzn-s3-demo-bucket", {"s3:prefix": "home/"}, "allowed"),
        (
            "s3:ListBucket",
            "arn:aws:s3:::amzn-s3-demo-bucket",
            {"s3:prefix": "home/David/"},
            "allowed",
        ),
        (
            "s3:ListBucket",
            "arn:aws:s3:::amzn-s3-demo-bucket",
            {"s3:prefix": "home/Bob/"},
            "implicit_deny",
        ),
        ("s3:ListBucket", "arn:aws:s3:::amzn-s3-demo-bucket", {}, "implicit_deny"),
        ("s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket/home/David/cv.pdf", {}, "allowed"),
        ("s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket/home/Bob/cv.pdf", {}, "implicit_deny"),
        ("s3:GetBucketLocation", "arn:aws:s3:::another-bucket", {}, "allowed"),
    ],
)
def test_string_like_home_directory_example(
    action: str, resource: str, context: dict[str, str], expected: str
) -> None:
    """IAM User Guide, "IAM JSON policy elements: Condition operators"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
    "String condition operators": StringLike with a policy variable gives each user a home
    directory; the s3:prefix values are matched whole (an empty prefix matches only the empty
    string)."""
    policies = PolicySet(identity=[HOME_DIRECTORY])
    assert decide(policies, DAVID, action, resource, context) == expected


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("StringEqualsIgnoreCase", "PRODUCTION", "allowed"),
        ("StringEquals", "PRODUCTION", "implicit_deny"),
        ("StringNotEqualsIgnoreCase", "PRODUCTION", "implicit_deny"),
        ("StringNotEquals", "PRODUCTION", "allowed"),
        ("StringLike", "prod*", "allowed"),
        ("StringLike", "PROD*", "implicit_deny"),
        ("StringLike", "producti?n", "allowed"),
        ("StringLike", "product?n", "implicit_deny"),  # `?` is exactly one character
        ("StringNotLike", "prod*", "implicit_deny"),
    ],
)
def test_string_operators_case_and_wildcards(operator: str, value: str, expected: str) -> None:
    """IAM User Guide, "IAM JSON policy elements: Condition operators"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
    the String table: StringEquals/StringLike are case-sensitive, the IgnoreCase forms ignore case,
    and StringLike takes `*` (any characters) and `?` (one character) anywhere in the value."""
    statement = allow("ec2:StopInstances", Condition={operator: {"aws:ResourceTag/env": value}})
    context = {"aws:ResourceTag/env": "production"}
    assert decide(identity(statement), DAVID, "ec2:StopInstances", INSTANCE, context) == expected


@pytest.mark.parametrize(
    ("max_keys", "action", "expected"),
    [
        ("10", "s3:ListBucket", "allowed"),
        ("3", "s3:ListBucket", "allowed"),
        ("11", "s3:ListBucket", "implicit_deny"),
        ("100", "s3:ListBucket", "implicit_deny"),  # compared as numbers, not as text
        (None, "s3:GetObject", "implicit_deny"),  # no max-keys in the request
    ],
)
def test_numeric_max_keys_example(max_keys: str | None, action: str, expected: str) -> None:
    """IAM User Guide, "IAM JSON policy elements: Condition operators"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
    "Numeric condition operators": NumericLessThanEquals on s3:max-keys lets the requester list up
    to 10 objects; were the policy to allow every S3 action, only requests carrying max-keys <= 10
    would be allowed."""
    example = identity(
        allow("s3:*", "*", Condition={"NumericLessThanEquals": {"s3:max-keys": "10"}})
    )
    context = {} if max_keys is None else {"s3:max-keys": max_keys}
    resource = "arn:aws:s3:::example_bucket" if action == "s3:ListBucket" else OBJECT
    assert decide(example, DAVID, action, resource, context) == expected


@pytest.mark.parametrize(
    ("policy_value", "issued", "expected"),
    [
        ("2020-01-01T00:00:01Z", "2020-06-30T12:00:00Z", "allowed"),
        ("2020-01-01T00:00:01Z", "2020-01-01T00:00:00Z", "implicit_deny"),
        ("2020-01-01T00:00:01Z", None, "implicit_deny"),  # an IAM user's access keys
        ("1577836801", "2020-06-30T12:00:00Z", "allowed"),  # epoch time in the policy
        ("2020-01-01", "2020-06-30T12:00:00Z", "allowed"),  # a W3C date without time
    ],
)
def test_date_token_issue_time_example(
    policy_value: str, issued: str | None, expected: str
) -> None:
    """IAM User Guide, "IAM JSON policy elements: Condition operators"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
    "Date condition operators": DateGreaterThan on aws:TokenIssueTime; values are W3C ISO 8601 dates
    or epoch time; the key exists only with temporary credentials, so an IAM user's access-key
    request is denied."""
    example = identity(
        allow(
            "iam:*AccessKey*",
            ACCESS_KEYS_OF_USERS,
            Condition={"DateGreaterThan": {"aws:TokenIssueTime": policy_value}},
        )
    )
    context = {} if issued is None else {"aws:TokenIssueTime": issued}
    assert decide(example, DAVID, "iam:ListAccessKeys", BOB, context) == expected


@pytest.mark.parametrize(
    ("secure", "expected"),
    [("false", "explicit_deny"), ("true", "allowed"), (False, "explicit_deny"), (True, "allowed")],
)
def test_bool_secure_transport_example(secure: str | bool, expected: str) -> None:
    """IAM User Guide, "IAM JSON policy elements: Condition operators"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
    "Boolean condition operators": the BooleanExample statement denies all S3 actions on the bucket
    and its objects when aws:SecureTransport is false; it allows nothing by itself."""
    boolean_example = {
        "Sid": "BooleanExample",
        "Action": "s3:*",
        "Effect": "Deny",
        "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket", "arn:aws:s3:::amzn-s3-demo-bucket/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    context = {"aws:SecureTransport": secure}
    with_grant = identity(allow("s3:*"), boolean_example)
    assert decide(with_grant, DAVID, "s3:GetObject", OBJECT, context) == expected
    alone = identity(boolean_example)
    assert decide(alone, DAVID, "s3:GetObject", OBJECT, {"aws:SecureTransport": "true"}) == (
        "implicit_deny"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("QmluYXJ5VmFsdWVJbkJhc2U2NA==", "allowed"),  # the same bytes
        ("T3RoZXJWYWx1ZQ==", "implicit_deny"),  # other bytes
    ],
)
def test_binary_equals_compares_the_decoded_bytes(value: str, expected: str) -> None:
    """IAM User Guide, "IAM JSON policy elements: Condition operators"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
    "Binary condition operators": BinaryEquals compares the key's value byte for byte with the
    base-64 value in the policy."""
    example = identity(
        allow("s3:GetObject", Condition={"BinaryEquals": {"key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}})
    )
    assert decide(example, DAVID, "s3:GetObject", OBJECT, {"key": value}) == expected


@pytest.mark.parametrize(
    ("source_ip", "expected"),
    [
        ("203.0.113.0", "allowed"),
        ("203.0.113.255", "allowed"),
        ("203.0.114.1", "implicit_deny"),
        ("2001:DB8:1234:5678::1", "allowed"),
        ("2001:db8:1234:5678:ffff:ffff:ffff:ffff", "allowed"),  # IPv6 text is case-insensitive
        ("2001:db8:1234:5679::1", "implicit_deny"),
        (None, "implicit_deny"),  # through a VPC endpoint: no aws:SourceIp
    ],
)
def test_ip_address_example_mixing_ipv4_and_ipv6(source_ip: str | None, expected: str) -> None:
    """IAM User Guide, "IAM JSON policy elements: Condition operators"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
    "IP address condition operators": 203.0.113.0/24 and 2001:DB8:1234:5678::/64 in one list cover
    both address families; without aws:SourceIp (VPC endpoint) the condition is false."""
    example = identity(
        allow(
            "s3:*",
            Condition={
                "IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}
            },
        )
    )
    context = {} if source_ip is None else {"aws:SourceIp": source_ip}
    assert decide(example, DAVID, "s3:GetObject", OBJECT, context) == expected


def test_ip_address_without_prefix_is_a_single_address() -> None:
    """IAM User Guide, "IAM JSON policy elements: Condition operators"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
    "IP address condition operators": an address given without a routing prefix takes the default
    /32; NotIpAddress matches every other address."""
    single = identity(allow("s3:*", Condition={"IpAddress": {"aws:SourceIp": "203.0.113.7"}}))
    assert decide(single, DAVID, "s3:GetObject", OBJECT, {"aws:SourceIp": "203.0.113.7"}) == (
        "allowed"
    )
    assert decide(single, DAVID, "s3:GetObject", OBJECT, {"aws:SourceIp": "203.0.113.8"}) == (
        "implicit_deny"
    )
    others = identity(allow("s3:*", Condition={"NotIpAddress": {"aws:SourceIp": "203.0.113.7"}}))
    assert decide(others, DAVID, "s3:GetObject", OBJECT, {"aws:SourceIp": "203.0.113.8"}) == (
        "allowed"
    )


@pytest.mark.parametrize(
    ("operator", "expected"), [("StringLike", "allowed"), ("ArnLike", "implicit_deny")]
)
def test_arn_like_checks_each_segment_where_string_like_spans_colons(
    operator: str, expected: str
) -> None:
    """IAM User Guide, "IAM JSON policy elements: Condition operators"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
    "Amazon Resource Name (ARN) condition operators": with the pattern
    ``arn:aws:someservice:*:111122223333:finance/*`` and a request value whose region segment is
    followed by another account, StringLike matches (its `*` spans colons) and ArnLike does not
    (each of the six segments is compared on its own)."""
    example = identity(
        allow(
            "s3:GetObject",
            Condition={operator: {"aws:SourceArn": "arn:aws:someservice:*:111122223333:finance/*"}},
        )
    )
    value = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"
    assert decide(example, DAVID, "s3:GetObject", OBJECT, {"aws:SourceArn": value}) == expected


@pytest.mark.parametrize(
    ("source_arn", "expected"),
    [
        (f"arn:aws:sns:us-east-2:{ACCOUNT}:TOPIC-ID", "allowed"),
        (f"arn:aws:sns:us-east-2:{ACCOUNT}:topic-id", "implicit_deny"),  # case-sensitive
        (f"arn:aws:sns:us-east-2:{OTHER}:TOPIC-ID", "implicit_deny"),
        (None, "implicit_deny"),  # the user calls SQS directly: no aws:SourceArn
    ],
)
def test_arn_equals_source_arn_example(source_arn: str | None, expected: str) -> None:
    """IAM User Guide, "IAM JSON policy elements: Condition operators"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
    "Amazon Resource Name (ARN) condition operators": the queue policy lets SNS send messages only
    on behalf of one topic (ArnEquals on aws:SourceArn, case-sensitive); a user calling directly has
    no aws:SourceArn and is denied by the statement. Here the account grants to an outside account's
    principals, whose own policy allows sqs:SendMessage."""
    queue = f"arn:aws:sqs:us-east-2:{ACCOUNT}:QUEUE-ID"
    queue_policy = policy(
        allow(
            "SQS:SendMessage",
            queue,
            Principal={"AWS": OTHER},
            Condition={"ArnEquals": {"aws:SourceArn": f"arn:aws:sns:us-east-2:{ACCOUNT}:TOPIC-ID"}},
        ),
        name="queue-policy",
    )
    policies = PolicySet(identity=[policy(allow("sqs:SendMessage"))], resource_policy=queue_policy)
    context = {} if source_arn is None else {"aws:SourceArn": source_arn}
    assert decide(policies, OUTSIDER, "sqs:SendMessage", queue, context) == expected


RUN_INSTANCE_TYPES = ["t1.*", "t2.*", "m3.*"]


@pytest.mark.parametrize(
    ("resource", "context", "plain", "if_exists"),
    [
        (IMAGE, {}, "implicit_deny", "allowed"),  # images carry no ec2:InstanceType
        (INSTANCE, {"ec2:InstanceType": "t2.micro"}, "allowed", "allowed"),
        (INSTANCE, {"ec2:InstanceType": "m5.large"}, "implicit_deny", "implicit_deny"),
    ],
)
def test_if_exists_run_instances_example(
    resource: str, context: dict[str, str], plain: str, if_exists: str
) -> None:
    """IAM User Guide, "IAM JSON policy elements: Condition operators"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
    "...IfExists condition operators": THISPOLICYDOESNOTWORK fails on the resources that have no
    ec2:InstanceType (images, key pairs ...); StringLikeIfExists only checks the key where it
    exists, so t1/t2/m3 instances can be launched."""
    broken = identity(
        {
            "Sid": "THISPOLICYDOESNOTWORK",
            **allow(
                "ec2:RunInstances",
                Condition={"StringLike": {"ec2:InstanceType": RUN_INSTANCE_TYPES}},
            ),
        }
    )
    fixed = identity(
        {
            "Sid": "RunInstance",
            **allow(
                "ec2:RunInstances",
                Condition={"StringLikeIfExists": {"ec2:InstanceType": RUN_INSTANCE_TYPES}},
            ),
        }
    )
    assert decide(broken, DAVID, "ec2:RunInstances", resource, context) == plain
    assert decide(fixed, DAVID, "ec2:RunInstances", resource, context) == if_exists


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({}, "explicit_deny"),
        ({"aws:ResourceTag/team": "red"}, "explicit_deny"),
        ({"aws:ResourceTag/team": "blue"}, "allowed"),
    ],
)
def test_deny_with_negated_if_exists_still_denies_a_missing_tag(
    tags: dict[str, str], expected: str
) -> None:
    """IAM User Guide, "IAM JSON policy elements: Condition operators"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
    "...IfExists condition operators": with a Deny and a negated operator such as
    StringNotEqualsIfExists, the request is still denied when the tag is missing."""
    policies = identity(
        EVERYTHING,
        deny(
            "ec2:TerminateInstances",
            Condition={"StringNotEqualsIfExists": {"aws:ResourceTag/team": "blue"}},
        ),
    )
    assert decide(policies, DAVID, "ec2:TerminateInstances", INSTANCE, tags) == expected


# --- The Condition element: values ORed, keys and operators ANDed, key names ----------------


def test_condition_values_are_ored_and_keys_anded() -> None:
    """IAM User Guide, "IAM JSON policy elements: Condition"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html:
    several values for one key match when any matches; several keys (and several operators) must all
    be true."""
    statement = allow(
        "ec2:StartInstances",
        Condition={
            "StringEquals": {
                "aws:PrincipalTag/department": ["finance", "hr"],
                "aws:ResourceTag/owner": "${aws:username}",
            },
            "Bool": {"aws:MultiFactorAuthPresent": "true"},
        },
    )
    policies = identity(statement)
    good = {
        "aws:PrincipalTag/department": "hr",
        "aws:ResourceTag/owner": "David",
        "aws:MultiFactorAuthPresent": "true",
    }
    assert decide(policies, DAVID, "ec2:StartInstances", INSTANCE, good) == "allowed"
    for key, value in [
        ("aws:PrincipalTag/department", "legal"),
        ("aws:ResourceTag/owner", "Bob"),
        ("aws:MultiFactorAuthPresent", "false"),
    ]:
        assert (
            decide(policies, DAVID, "ec2:StartInstances", INSTANCE, {**good, key: value})
            == "implicit_deny"
        ), key


def test_condition_key_names_are_case_insensitive_values_are_not() -> None:
    """IAM User Guide, "IAM JSON policy elements: Condition"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html: key
    names are not case-sensitive (aws:SourceIP is aws:SourceIp); with StringEquals on aws:username
    only john matches, a user named John does not."""
    by_ip = identity(allow("s3:*", Condition={"IpAddress": {"AWS:SOURCEIP": "203.0.113.0/24"}}))
    assert decide(by_ip, DAVID, "s3:GetObject", OBJECT, {"aws:SourceIp": "203.0.113.9"}) == (
        "allowed"
    )
    john_only = identity(allow("s3:*", Condition={"StringEquals": {"aws:username": "john"}}))
    john = f"arn:aws:iam::{ACCOUNT}:user/john"
    big_john = f"arn:aws:iam::{ACCOUNT}:user/John"
    assert decide(john_only, john, "s3:GetObject", OBJECT) == "allowed"
    assert decide(john_only, big_john, "s3:GetObject", OBJECT) == "implicit_deny"


# --- Multivalued keys: ForAllValues / ForAnyValue --------------------------------------------

ALLOWED_ATTRIBUTES = policy(
    allow(
        "dynamodb:GetItem",
        TABLE,
        Condition={
            "ForAllValues:StringLike": {
                "dynamodb:requestedAttributes": ["PostDateTime", "Message", "Tags"]
            }
        },
    )
)
FORBIDDEN_ATTRIBUTES = policy(
    allow("dynamodb:*", TABLE),
    deny(
        "dynamodb:PutItem",
        TABLE,
        Condition={
            "ForAnyValue:StringLike": {"dynamodb:requestedAttributes": ["ID", "PostDateTime"]}
        },
    ),
)


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        (["PostDateTime", "Message"], "allowed"),
        (["Tags"], "allowed"),
        (["PostDateTime", "ID"], "implicit_deny"),
        (["PostDateTime", "UserName"], "implicit_deny"),  # the page's evaluation table
        ([], "allowed"),  # an empty set: ForAllValues is true
        (None, "allowed"),  # no key in the request: ForAllValues is true
    ],
)
def test_for_all_values_allows_only_listed_attributes(
    attributes: list[str] | None, expected: str
) -> None:
    """IAM User Guide, "Creating a condition that tests multiple key values (set operations)"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html:
    ForAllValues:StringLike is true when every requested attribute matches a listed one, false when
    one (ID, UserName) does not; with no values it returns true."""
    context = {} if attributes is None else {"dynamodb:requestedAttributes": attributes}
    policies = PolicySet(identity=[ALLOWED_ATTRIBUTES])
    assert decide(policies, DAVID, "dynamodb:GetItem", TABLE, context) == expected


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        (["PostDateTime", "Message"], "explicit_deny"),
        (["UserName", "Message", "PostDateTime"], "explicit_deny"),  # the page's table
        (["UserName"], "allowed"),
        ([], "allowed"),  # an empty set: ForAnyValue is false
        (None, "allowed"),  # no key: ForAnyValue is false
    ],
)
def test_for_any_value_deny_on_forbidden_attributes(
    attributes: list[str] | None, expected: str
) -> None:
    """IAM User Guide, "Creating a condition that tests multiple key values (set operations)"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html:
    the Deny with ForAnyValue:StringLike on ID/PostDateTime denies PutItem when any requested
    attribute is one of them; with only UserName the Deny does not apply (another statement must
    allow); with no values ForAnyValue returns false."""
    context = {} if attributes is None else {"dynamodb:requestedAttributes": attributes}
    policies = PolicySet(identity=[FORBIDDEN_ATTRIBUTES])
    assert decide(policies, DAVID, "dynamodb:PutItem", TABLE, context) == expected


def test_for_all_values_and_for_any_value_on_an_empty_string() -> None:
    """IAM User Guide, "Creating a condition that tests multiple key values (set operations)"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html,
    the note: if the key's values in the request resolve to an empty data set "(for example, an
    empty string)", ForAllValues returns true and ForAnyValue false."""
    context = {"dynamodb:requestedAttributes": ""}
    allowed = PolicySet(identity=[ALLOWED_ATTRIBUTES])
    assert decide(allowed, DAVID, "dynamodb:GetItem", TABLE, context) == "allowed"
    any_value = identity(
        allow(
            "dynamodb:GetItem",
            TABLE,
            Condition={"ForAnyValue:StringLike": {"dynamodb:requestedAttributes": ["*"]}},
        )
    )
    assert decide(any_value, DAVID, "dynamodb:GetItem", TABLE, context) == "implicit_deny"


# --- Policy variables -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caller", "target", "expected"),
    [
        (DAVID, DAVID, "allowed"),
        (DAVID, BOB, "implicit_deny"),
        (BOB, BOB, "allowed"),
        # a role session has no aws:username: the statement matches nothing
        (ROLE_SESSION, f"arn:aws:iam::{ACCOUNT}:user/examplerole", "implicit_deny"),
    ],
)
def test_username_variable_in_resource(caller: str, target: str, expected: str) -> None:
    """IAM User Guide, "IAM policy elements: Variables and tags"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html: one policy
    lets every user manage their own access keys, ``arn:aws:iam::account-id:user/${aws:username}``;
    a principal without aws:username (a role) gets no match ("not present ... any attempt to match
    it fails")."""
    own_keys = identity(allow("iam:*AccessKey*", f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}"))
    assert decide(own_keys, caller, "iam:CreateAccessKey", target) == expected


@pytest.mark.parametrize(
    ("queue", "expected"),
    [
        (f"arn:aws:sqs:us-east-2:{ACCOUNT}:David-queue", "allowed"),
        (f"arn:aws:sqs:us-east-2:{ACCOUNT}:Bob-queue", "implicit_deny"),
        (f"arn:aws:sqs:us-west-2:{ACCOUNT}:David-queue", "implicit_deny"),
        (f"arn:aws:sqs:us-east-2:{ACCOUNT}:David-queue-2", "implicit_deny"),
    ],
)
def test_username_variable_in_the_resource_part_of_a_queue_arn(queue: str, expected: str) -> None:
    """IAM User Guide, "IAM policy elements: Variables and tags"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html, "Resource
    element": users may use queues that bear their name in us-east-2,
    ``arn:aws:sqs:us-east-2:*:${aws:username}-queue``."""
    queues = identity(
        {"Sid": "ListForConsole", **allow("sqs:ListQueues")},
        {
            "Sid": "AllQueueActions",
            **allow("sqs:*", "arn:aws:sqs:us-east-2:*:${aws:username}-queue"),
        },
    )
    assert decide(queues, DAVID, "sqs:SendMessage", queue) == expected


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"aws:PrincipalTag/department": "finance"}, "allowed"),
        ({"aws:PrincipalTag/department": "hr"}, "implicit_deny"),
        ({}, "implicit_deny"),
        # a value inserted from the request is text, never a wildcard
        ({"aws:PrincipalTag/department": "*"}, "implicit_deny"),
    ],
)
def test_principal_tag_variable_in_resource(tags: dict[str, str], expected: str) -> None:
    """IAM User Guide, "IAM policy elements: Variables and tags"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html, "Resource
    element": ``arn:aws:s3:::bucket/${aws:PrincipalTag/department}`` names only the object named
    like the caller's department tag."""
    by_department = identity(
        allow("s3:GetObject", "arn:aws:s3:::bucket/${aws:PrincipalTag/department}")
    )
    assert decide(by_department, DAVID, "s3:GetObject", "arn:aws:s3:::bucket/finance", tags) == (
        expected
    )


@pytest.mark.parametrize(
    ("caller", "endpoint", "protocol", "expected"),
    [
        ("David", "https://example.com/David/", "https", "allowed"),
        ("David", "https://example.com/Bob/", "https", "implicit_deny"),
        ("David", "https://example.com/David/", "http", "implicit_deny"),
        ("Bob", "https://example.com/Bob/", "https", "allowed"),
    ],
)
def test_username_variable_in_a_topic_policy_condition(
    caller: str, endpoint: str, protocol: str, expected: str
) -> None:
    """IAM User Guide, "IAM policy elements: Variables and tags"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html, "Condition
    element": the SNS topic policy lets users of account 999999999999 manage the topic only when
    sns:Endpoint matches ``https://example.com/${aws:username}/`` and the protocol is https. (The
    page's statement has no Resource; the topic's ARN is added here.)"""
    topic = f"arn:aws:sns:us-east-2:{ACCOUNT}:example-topic"
    topic_policy = policy(
        {
            "Principal": {"AWS": "999999999999"},
            "Effect": "Allow",
            "Action": "sns:*",
            "Resource": topic,
            "Condition": {
                "StringLike": {"sns:endpoint": "https://example.com/${aws:username}/"},
                "StringEquals": {"sns:Protocol": "https"},
            },
        },
        name="topic-policy",
    )
    policies = PolicySet(identity=[policy(allow("sns:*"))], resource_policy=topic_policy)
    context = {"sns:Endpoint": endpoint, "sns:Protocol": protocol}
    principal = f"arn:aws:iam::999999999999:user/{caller}"
    assert decide(policies, principal, "sns:Subscribe", topic, context) == expected


@pytest.mark.parametrize("version", [None, "2008-10-17"])
def test_variables_are_literal_text_before_version_2012_10_17(version: str | None) -> None:
    """IAM User Guide, "IAM policy elements: Variables and tags"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html, the note on
    Version: variables were introduced in 2012-10-17; without that Version, ``${aws:username}`` is a
    literal string in the policy."""
    old = PolicySet(
        identity=[
            policy(
                allow("s3:GetObject", "arn:aws:s3:::mybucket/${aws:username}/*"), version=version
            )
        ]
    )
    assert decide(old, DAVID, "s3:GetObject", "arn:aws:s3:::mybucket/David/a.txt") == (
        "implicit_deny"
    )
    literal = "arn:aws:s3:::mybucket/${aws:username}/a.txt"
    assert decide(old, DAVID, "s3:GetObject", literal) == "allowed"
    new = identity(allow("s3:GetObject", "arn:aws:s3:::mybucket/${aws:username}/*"))
    assert decide(new, DAVID, "s3:GetObject", "arn:aws:s3:::mybucket/David/a.txt") == "allowed"


@pytest.mark.parametrize(
    ("pattern", "matching", "not_matching"),
    [
        ("arn:aws:s3:::bucket/star-${*}", "star-*", "star-anything"),
        ("arn:aws:s3:::bucket/what${?}", "what?", "whats"),
        ("arn:aws:s3:::bucket/price-${$}5", "price-$5", "price-x5"),
    ],
)
def test_special_character_variables_are_literal_characters(
    pattern: str, matching: str, not_matching: str
) -> None:
    """IAM User Guide, "IAM policy elements: Variables and tags"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html, "Special
    characters": ``${*}``, ``${?}`` and ``${$}`` stand for a literal asterisk, question mark and
    dollar sign, not for wildcards."""
    policies = identity(allow("s3:GetObject", pattern))
    assert decide(policies, DAVID, "s3:GetObject", f"arn:aws:s3:::bucket/{matching}") == "allowed"
    assert decide(policies, DAVID, "s3:GetObject", f"arn:aws:s3:::bucket/{not_matching}") == (
        "implicit_deny"
    )


def test_special_character_variable_in_a_string_like_condition() -> None:
    """IAM User Guide, "IAM policy elements: Variables and tags"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html, "Special
    characters": the predefined variables work in any string where variables do, so in a StringLike
    value ``${*}`` matches only an asterisk."""
    policies = identity(
        allow("s3:ListBucket", Condition={"StringLike": {"s3:prefix": "reports/${*}"}})
    )
    bucket = "arn:aws:s3:::bucket"
    assert decide(policies, DAVID, "s3:ListBucket", bucket, {"s3:prefix": "reports/*"}) == (
        "allowed"
    )
    assert decide(policies, DAVID, "s3:ListBucket", bucket, {"s3:prefix": "reports/2024"}) == (
        "implicit_deny"
    )


@pytest.mark.parametrize(
    ("tags", "folder", "expected"),
    [
        ({}, "company-wide", "allowed"),
        ({"aws:PrincipalTag/team": "blue"}, "blue", "allowed"),
        ({"aws:PrincipalTag/team": "blue"}, "company-wide", "implicit_deny"),
        ({}, "blue", "implicit_deny"),
    ],
)
def test_variable_default_value(tags: dict[str, str], folder: str, expected: str) -> None:
    """IAM User Guide, "IAM policy elements: Variables and tags"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html, "Specifying
    default values": ``${key, 'default'}`` uses the default when the request has no value for the
    key, and the key's value when it has one."""
    policies = identity(
        allow("s3:GetObject", "arn:aws:s3:::bucket/${aws:PrincipalTag/team, 'company-wide'}/*")
    )
    resource = f"arn:aws:s3:::bucket/{folder}/plan.txt"
    assert decide(policies, DAVID, "s3:GetObject", resource, tags) == expected


@pytest.mark.parametrize(
    ("operator", "key", "tag", "request_value"),
    [
        ("IpAddress", "aws:SourceIp", "203.0.113.0/24", "203.0.113.5"),
        ("NumericLessThanEquals", "s3:max-keys", "10", "5"),
        ("DateGreaterThan", "aws:CurrentTime", "2020-01-01T00:00:00Z", "2024-01-01T00:00:00Z"),
    ],
)
def test_variables_are_not_resolved_in_non_string_operators(
    operator: str, key: str, tag: str, request_value: str
) -> None:
    """IAM User Guide, "IAM policy elements: Variables and tags"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html, "Condition
    element": variables work with String and ARN operators only, not with Numeric, Date, Boolean,
    Binary, IP address or Null; "IAM JSON policy elements: Condition operators" says the same for
    Numeric, Date, Binary, IP address and Null. So a tag's value put in such a condition through a
    variable cannot make the statement apply."""
    statement = allow("s3:ListBucket", Condition={operator: {key: "${aws:PrincipalTag/limit}"}})
    context = {"aws:PrincipalTag/limit": tag, key: request_value}
    assert decide(identity(statement), DAVID, "s3:ListBucket", "arn:aws:s3:::b", context) == (
        "implicit_deny"
    )


# --- NotAction and NotResource --------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "resource", "expected"),
    [
        ("s3:GetObject", OBJECT, "allowed"),
        ("s3:PutBucketPolicy", "arn:aws:s3:::amzn-s3-demo-bucket", "allowed"),
        ("s3:DeleteBucket", "arn:aws:s3:::amzn-s3-demo-bucket", "implicit_deny"),
        ("s3:ListAllMyBuckets", "*", "implicit_deny"),  # needs the "*" resource
        ("ec2:TerminateInstances", INSTANCE, "implicit_deny"),  # not an S3 resource
    ],
)
def test_not_action_allow_scoped_by_resource(action: str, resource: str, expected: str) -> None:
    """IAM User Guide, "IAM JSON policy elements: NotAction"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html,
    "NotAction with Allow": NotAction s3:DeleteBucket with Resource ``arn:aws:s3:::*`` allows every
    S3 action on S3 resources except deleting a bucket; not s3:ListAllMyBuckets (it needs "*") and
    not other services' actions."""
    policies = identity(
        {"Effect": "Allow", "NotAction": "s3:DeleteBucket", "Resource": "arn:aws:s3:::*"}
    )
    assert decide(policies, DAVID, action, resource) == expected


def test_not_action_allow_everything_but_iam() -> None:
    """IAM User Guide, "IAM JSON policy elements: NotAction"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html,
    "NotAction with Allow": NotAction iam:* with Resource * allows every action of every service
    except IAM."""
    policies = identity({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert decide(policies, DAVID, "ec2:RunInstances", INSTANCE) == "allowed"
    assert decide(policies, DAVID, "s3:ListAllMyBuckets", "*") == "allowed"
    assert decide(policies, DAVID, "iam:CreateUser", BOB) == "implicit_deny"


HR_PAYROLL = {
    "Effect": "Deny",
    "Action": "s3:*",
    "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"],
}


@pytest.mark.parametrize(
    ("action", "resource", "expected"),
    [
        ("s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/march.csv", "allowed"),
        ("s3:GetObject", "arn:aws:s3:::HRBucket/Payroll", "allowed"),
        ("s3:GetObject", "arn:aws:s3:::HRBucket/Recruiting/cv.pdf", "explicit_deny"),
        ("s3:ListBucket", "arn:aws:s3:::HRBucket", "explicit_deny"),
        ("s3:GetObject", OBJECT, "explicit_deny"),
        ("ec2:StartInstances", INSTANCE, "allowed"),  # the Deny names only S3 actions
    ],
)
def test_not_resource_deny_everything_but_payroll(
    action: str, resource: str, expected: str
) -> None:
    """IAM User Guide, "IAM JSON policy elements: NotResource"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html:
    the HRPayroll policy denies every S3 resource except the Payroll folder of HRBucket, for the
    services in the statement only; it grants nothing itself (an Allow is added here)."""
    policies = identity(EVERYTHING, HR_PAYROLL)
    assert decide(policies, DAVID, action, resource) == expected
    alone = identity(HR_PAYROLL)
    assert decide(alone, DAVID, "s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/march.csv") == (
        "implicit_deny"
    )


# --- Policy evaluation logic (same account) -------------------------------------------------

CARLOS_ACCOUNT = "123456789012"
CARLOS = f"arn:aws:iam::{CARLOS_ACCOUNT}:user/carlossalazar"
CARLOS_IDENTITY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AllowS3ListRead",
            "Effect": "Allow",
            "Action": [
                "s3:GetBucketLocation",
                "s3:GetAccountPublicAccessBlock",
                "s3:ListAccessPoints",
                "s3:ListAllMyBuckets",
            ],
            "Resource": "arn:aws:s3:::*",
        },
        {
            "Sid": "AllowS3Self",
            "Effect": "Allow",
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::carlossalazar/*", "arn:aws:s3:::carlossalazar"],
        },
        {"Sid": "DenyS3Logs", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::*log*"},
    ],
}
CARLOS_BUCKET_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": CARLOS},
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::carlossalazar/*", "arn:aws:s3:::carlossalazar"],
        }
    ],
}


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        ("arn:aws:s3:::carlossalazar-logs/notes.txt", "explicit_deny"),
        ("arn:aws:s3:::carlossalazar/notes.txt", "allowed"),
    ],
)
def test_carlos_same_account_example(resource: str, expected: str) -> None:
    """IAM User Guide, "Policy evaluation logic"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html,
    "Example identity-based and resource-based policy evaluation": saving to carlossalazar-logs hits
    DenyS3Logs (explicit deny); saving to carlossalazar is allowed by both policies."""
    policies = PolicySet(
        identity=[parse_policy(CARLOS_IDENTITY, name="carlos")],
        resource_policy=parse_policy(CARLOS_BUCKET_POLICY, name="bucket"),
    )
    decision = decide(policies, CARLOS, "s3:PutObject", resource, account=CARLOS_ACCOUNT)
    assert decision == expected


def test_same_account_either_policy_alone_allows() -> None:
    """IAM User Guide, "Policy evaluation logic"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html,
    "Example identity-based and resource-based policy evaluation": within one account, if the
    identity-based or the resource-based policy allows the request and the other does not, it is
    still allowed."""
    target = "arn:aws:s3:::carlossalazar/notes.txt"
    bucket_only = PolicySet(resource_policy=parse_policy(CARLOS_BUCKET_POLICY, name="bucket"))
    identity_only = PolicySet(identity=[parse_policy(CARLOS_IDENTITY, name="carlos")])
    for policies in (bucket_only, identity_only):
        assert decide(policies, CARLOS, "s3:PutObject", target, account=CARLOS_ACCOUNT) == (
            "allowed"
        )


ALLOW_GET_LIST_DENY_REPORTS = policy(
    {"Sid": "AllowGetList", **allow(["iam:Get*", "iam:List*"])},
    {"Sid": "DenyReports", **deny("iam:*Report")},
    name="reports",
)


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("iam:GetUser", "allowed"),
        ("iam:ListRoles", "allowed"),
        ("iam:CreatePolicy", "implicit_deny"),
        ("iam:GetOrganizationsAccessReport", "explicit_deny"),
        ("iam:GenerateCredentialReport", "explicit_deny"),  # even with another policy's Allow
    ],
)
def test_explicit_and_implicit_denies_example(action: str, expected: str) -> None:
    """IAM User Guide, "Policy evaluation logic"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html, "The
    difference between explicit and implicit denies": AllowGetList allows Get*/List*, other IAM
    actions are implicitly denied, DenyReports explicitly denies *Report even when another policy
    grants it."""
    reports = policy(allow("iam:GenerateCredentialReport"), name="reports-grant")
    policies = PolicySet(identity=[ALLOW_GET_LIST_DENY_REPORTS, reports])
    assert decide(policies, DAVID, action, "*") == expected


def test_root_user_has_full_access_by_default_but_not_past_an_scp() -> None:
    """IAM User Guide, "Policy evaluation logic"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html,
    "Determining whether a request is allowed or denied within an account": every request is
    implicitly denied except the root user's, which has full access; SCPs limit member accounts'
    principals, root included."""
    root = f"arn:aws:iam::{ACCOUNT}:root"
    assert decide(PolicySet(), root, "ec2:TerminateInstances", INSTANCE) == "allowed"
    assert decide(PolicySet(), DAVID, "ec2:TerminateInstances", INSTANCE) == "implicit_deny"
    ec2_denied = PolicySet(scps=[[FULL_AWS_ACCESS, policy(deny("ec2:*"))]])
    assert decide(ec2_denied, root, "ec2:TerminateInstances", INSTANCE) == "explicit_deny"
    s3_only = PolicySet(scps=[[policy(allow("s3:*"))]])
    assert decide(s3_only, root, "ec2:TerminateInstances", INSTANCE) == "implicit_deny"


def test_role_session_without_session_policy_keeps_the_roles_permissions() -> None:
    """IAM User Guide, "Policy evaluation logic"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html, step
    "Session policies": with no session policy, a role session is allowed what its role's policies
    allow."""
    policies = PolicySet(identity=[policy(allow("s3:*"))], complete=True)
    assert decide(policies, ROLE_SESSION, "s3:GetObject", OBJECT) == "allowed"


def test_federated_user_session_without_session_policy_is_denied() -> None:
    """IAM User Guide, "Policy evaluation logic"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html, step
    "Session policies": when no session policy was passed, a role session is allowed but any other
    session principal (an IAM federated user session, from GetFederationToken) is implicitly denied.
    """
    federated = f"arn:aws:sts::{ACCOUNT}:federated-user/David"
    policies = PolicySet(identity=[policy(allow("s3:*"))], complete=True)
    assert decide(policies, federated, "s3:GetObject", OBJECT) == "implicit_deny"


def test_federated_user_session_with_a_session_policy_gets_the_intersection() -> None:
    """IAM User Guide, "Policy evaluation logic"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html, step
    "Session policies": a session policy that allows the action lets the federated user's identity
    grant stand; what it does not allow is implicitly denied."""
    federated = f"arn:aws:sts::{ACCOUNT}:federated-user/David"
    policies = PolicySet(
        identity=[policy(allow("s3:*"))],
        session_policy=policy(allow("s3:GetObject"), name="session"),
        complete=True,
    )
    assert decide(policies, federated, "s3:GetObject", OBJECT) == "allowed"
    assert decide(policies, federated, "s3:PutObject", OBJECT) == "implicit_deny"


@pytest.mark.parametrize("missing", ["identity", "boundary", "scp"])
def test_boundary_scp_and_identity_policy_must_all_allow(missing: str) -> None:
    """IAM User Guide, "Policy evaluation logic"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html,
    "Evaluating policies within a single account": if both a permissions boundary and an SCP are
    present, the boundary, the SCP and the identity-based policy must all allow the action."""
    grants = policy(allow("s3:GetObject"), name="grant")
    other = policy(allow("ec2:*"), name="other")
    policies = PolicySet(
        identity=[other if missing == "identity" else grants],
        permission_boundaries=[other if missing == "boundary" else grants],
        scps=[[other if missing == "scp" else grants]],
    )
    assert decide(policies, DAVID, "s3:GetObject", OBJECT) == "implicit_deny"
    everyone_allows = PolicySet(identity=[grants], permission_boundaries=[grants], scps=[[grants]])
    assert decide(everyone_allows, DAVID, "s3:GetObject", OBJECT) == "allowed"


# --- Cross-account policy evaluation logic --------------------------------------------------

CARLOS_111 = "arn:aws:iam::111111111111:user/carlossalazar"
CROSS_IDENTITY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AllowS3ListRead",
            "Effect": "Allow",
            "Action": "s3:ListAllMyBuckets",
            "Resource": "*",
        },
        {
            "Sid": "AllowS3ProductionObjectActions",
            "Effect": "Allow",
            "Action": "s3:*Object*",
            "Resource": "arn:aws:s3:::Production/*",
        },
        {
            "Sid": "DenyS3Logs",
            "Effect": "Deny",
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::*log*", "arn:aws:s3:::*log*/*"],
        },
    ],
}
PRODUCTION_BUCKET_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject*", "s3:PutObject*", "s3:ReplicateObject", "s3:RestoreObject"],
            "Principal": {"AWS": CARLOS_111},
            "Resource": "arn:aws:s3:::Production/*",
        }
    ],
}


@pytest.mark.parametrize(
    ("action", "resource", "with_bucket_policy", "expected"),
    [
        ("s3:PutObject", "arn:aws:s3:::Production-logs/report.txt", False, "explicit_deny"),
        ("s3:PutObject", "arn:aws:s3:::Production/report.txt", True, "allowed"),
        ("s3:GetObjectTagging", "arn:aws:s3:::Production/report.txt", True, "allowed"),
        # the identity policy allows s3:*Object*, the bucket policy does not allow deleting
        ("s3:DeleteObject", "arn:aws:s3:::Production/report.txt", True, "implicit_deny"),
        # the identity side alone is not enough across accounts
        ("s3:PutObject", "arn:aws:s3:::Production/report.txt", False, "implicit_deny"),
    ],
)
def test_carlos_cross_account_example(
    action: str, resource: str, with_bucket_policy: bool, expected: str
) -> None:
    """IAM User Guide, "Cross-account policy evaluation logic"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html,
    "Example cross-account policy evaluation": Carlos (111111111111) is explicitly denied on the
    Production-logs bucket of 222222222222 by his own DenyS3Logs, and allowed to save to the
    Production bucket because both accounts' evaluations allow it; both sides must allow."""
    policies = PolicySet(
        identity=[parse_policy(CROSS_IDENTITY, name="carlos")],
        resource_policy=(
            parse_policy(PRODUCTION_BUCKET_POLICY, name="bucket") if with_bucket_policy else None
        ),
    )
    assert decide(policies, CARLOS_111, action, resource, account="222222222222") == expected


# --- AWS Organizations: SCP examples --------------------------------------------------------

REGION_SCP = policy(
    {
        "Sid": "DenyAllOutsideEU",
        "Effect": "Deny",
        "NotAction": [
            "a4b:*", "acm:*", "aws-marketplace-management:*", "aws-marketplace:*",
            "aws-portal:*", "budgets:*", "ce:*", "chime:*", "cloudfront:*", "config:*", "cur:*",
            "directconnect:*", "ec2:DescribeRegions", "ec2:DescribeTransitGateways",
            "ec2:DescribeVpnGateways", "fms:*", "globalaccelerator:*", "health:*", "iam:*",
            "importexport:*", "kms:*", "mobileanalytics:*", "networkmanager:*",
            "organizations:*", "pricing:*", "route53:*", "route53domains:*",
            "s3:GetAccountPublic*", "s3:ListAllMyBuckets", "s3:PutAccountPublic*", "shield:*",
            "sts:*", "support:*", "supportplans:*", "trustedadvisor:*", "waf-regional:*",
            "waf:*", "wafv2:*", "wellarchitected:*",
        ],
        "Resource": "*",
        "Condition": {
            "StringNotEquals": {"aws:RequestedRegion": ["eu-central-1", "eu-west-1"]},
            "ArnNotLike": {
                "aws:PrincipalARN": [
                    "arn:aws:iam::*:role/Role1AllowedToBypassThisSCP",
                    "arn:aws:iam::*:role/Role2AllowedToBypassThisSCP",
                ]
            },
        },
    },
    name="region-scp",
)  # fmt: skip
WORKER = f"arn:aws:sts::{ACCOUNT}:assumed-role/worker/session"
BYPASS = f"arn:aws:sts::{ACCOUNT}:assumed-role/Role1AllowedToBypassThisSCP/session"


@pytest.mark.parametrize(
    ("caller", "action", "region", "expected"),
    [
        (WORKER, "ec2:RunInstances", "us-east-1", "explicit_deny"),
        (WORKER, "ec2:RunInstances", "eu-west-1", "allowed"),
        (WORKER, "ec2:DescribeRegions", "us-east-1", "allowed"),  # exempted action
        (WORKER, "ec2:DescribeInstances", "us-east-1", "explicit_deny"),
        (WORKER, "iam:CreateRole", "us-east-1", "allowed"),  # exempted global service
        (WORKER, "s3:ListAllMyBuckets", "us-east-1", "allowed"),
        (WORKER, "s3:GetObject", "us-east-1", "explicit_deny"),
        (BYPASS, "ec2:RunInstances", "us-east-1", "allowed"),  # the exempted role
    ],
)
def test_scp_deny_outside_regions_with_role_exemption(
    caller: str, action: str, region: str, expected: str
) -> None:
    """AWS Organizations User Guide, "Example SCPs: General"
    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html,
    "Deny access to AWS based on the requested AWS Region": requests outside eu-central-1/eu-west-1
    are denied except for the NotAction global services and the two bypass roles (matched on
    aws:PrincipalARN, the role's ARN for its sessions)."""
    policies = PolicySet(identity=[policy(EVERYTHING)], scps=[[FULL_AWS_ACCESS, REGION_SCP]])
    context = {"aws:RequestedRegion": region}
    assert decide(policies, caller, action, "*", context) == expected


PROTECTED_ROLE_ACTIONS = [
    "iam:AttachRolePolicy",
    "iam:DeleteRole",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
]
PROTECTED_ROLE = f"arn:aws:iam::{ACCOUNT}:role/name-of-role-to-deny"


@pytest.mark.parametrize(
    ("caller", "target", "expected"),
    [
        (WORKER, PROTECTED_ROLE, "explicit_deny"),
        (WORKER, f"arn:aws:iam::{ACCOUNT}:role/another-role", "allowed"),
        (
            f"arn:aws:sts::{ACCOUNT}:assumed-role/name-of-admin-role-to-allow/admin",
            PROTECTED_ROLE,
            "allowed",
        ),
        (DAVID, PROTECTED_ROLE, "explicit_deny"),
    ],
)
def test_scp_protect_a_role_except_for_an_admin_role(
    caller: str, target: str, expected: str
) -> None:
    """AWS Organizations User Guide, "Example SCPs: General"
    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html,
    "Prevent IAM users and roles from making specified changes, with an exception for a specified
    admin role": the Deny on the protected role spares callers whose aws:PrincipalARN matches the
    admin role."""
    scp = policy(
        {
            "Sid": "DenyAccessWithException",
            **deny(
                PROTECTED_ROLE_ACTIONS,
                "arn:aws:iam::*:role/name-of-role-to-deny",
                Condition={
                    "StringNotLike": {
                        "aws:PrincipalARN": "arn:aws:iam::*:role/name-of-admin-role-to-allow"
                    }
                },
            ),
        },
        name="protect-role",
    )
    policies = PolicySet(identity=[policy(EVERYTHING)], scps=[[FULL_AWS_ACCESS, scp]])
    assert decide(policies, caller, "iam:PutRolePolicy", target) == expected


@pytest.mark.parametrize(
    ("action", "context", "expected"),
    [
        ("ec2:StopInstances", {}, "explicit_deny"),  # no MFA key: BoolIfExists is true
        ("ec2:StopInstances", {"aws:MultiFactorAuthPresent": "false"}, "explicit_deny"),
        ("ec2:TerminateInstances", {"aws:MultiFactorAuthPresent": "true"}, "allowed"),
        ("ec2:StartInstances", {}, "allowed"),  # not a listed action
    ],
)
def test_scp_require_mfa_to_stop_instances(
    action: str, context: dict[str, str], expected: str
) -> None:
    """AWS Organizations User Guide, "Example SCPs: General"
    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html,
    "Require MFA to perform an API action": stopping or terminating instances is denied unless MFA
    is present (BoolIfExists on aws:MultiFactorAuthPresent with the JSON boolean false)."""
    scp = policy(
        {
            "Sid": "DenyStopAndTerminateWhenMFAIsNotPresent",
            **deny(
                ["ec2:StopInstances", "ec2:TerminateInstances"],
                Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": False}},
            ),
        },
        name="mfa-scp",
    )
    policies = PolicySet(identity=[policy(EVERYTHING)], scps=[[FULL_AWS_ACCESS, scp]])
    assert decide(policies, DAVID, action, INSTANCE, context) == expected


def test_scp_block_service_access_for_the_root_user() -> None:
    """AWS Organizations User Guide, "Example SCPs: General"
    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html,
    "Block service access for the root user": RestrictEC2ForRoot denies EC2 to callers whose
    aws:PrincipalArn is an account root; other principals and other services are unaffected."""
    scp = policy(
        {
            "Sid": "RestrictEC2ForRoot",
            **deny(
                ["ec2:*"],
                ["*"],
                Condition={"StringLike": {"aws:PrincipalArn": ["arn:aws:iam::*:root"]}},
            ),
        },
        name="root-scp",
    )
    root = f"arn:aws:iam::{ACCOUNT}:root"
    policies = PolicySet(identity=[policy(EVERYTHING)], scps=[[FULL_AWS_ACCESS, scp]])
    assert decide(policies, root, "ec2:RunInstances", INSTANCE) == "explicit_deny"
    assert decide(policies, root, "s3:ListAllMyBuckets", "*") == "allowed"
    assert decide(policies, DAVID, "ec2:RunInstances", INSTANCE) == "allowed"


def test_scp_prevent_leaving_the_organization_but_not_in_the_management_account() -> None:
    """AWS Organizations User Guide, "Example SCPs: General"
    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html,
    "Prevent member accounts from leaving the organization", with "Service control policies (SCPs)":
    SCPs do not affect users or roles in the management account."""
    scp = policy(deny(["organizations:LeaveOrganization"]), name="stay")
    member = PolicySet(identity=[policy(EVERYTHING)], scps=[[FULL_AWS_ACCESS, scp]])
    assert decide(member, DAVID, "organizations:LeaveOrganization", "*") == "explicit_deny"
    root = f"arn:aws:iam::{ACCOUNT}:root"
    assert decide(member, root, "organizations:LeaveOrganization", "*") == "explicit_deny"
    management = PolicySet(
        identity=[policy(EVERYTHING)],
        scps=[[FULL_AWS_ACCESS, scp]],
        principal_in_management_account=True,
    )
    assert decide(management, DAVID, "organizations:LeaveOrganization", "*") == "allowed"


# --- AWS Organizations: how SCPs are evaluated ----------------------------------------------


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("sqs:SendMessage", "allowed"),  # C: allowed at the root and at the OU
        ("s3:GetObject", "implicit_deny"),  # A: the OU does not allow it
        ("sns:Publish", "implicit_deny"),  # D: the root does not allow it
    ],
)
def test_scps_are_a_filter_every_level_must_allow(action: str, expected: str) -> None:
    """AWS Organizations User Guide, "SCP evaluation"
    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html:
    the root's SCP allows A, B, C and the OU's allows C, D, E, so only C reaches the account below
    the OU; to allow an API in a member account it must be allowed at every level from the root
    down."""
    root_level = policy(allow(["s3:*", "ec2:*", "sqs:*"]), name="root-allows-abc")
    ou_level = policy(allow(["sqs:*", "sns:*", "dynamodb:*"]), name="ou-allows-cde")
    policies = PolicySet(
        identity=[policy(EVERYTHING)], scps=[[root_level], [ou_level], [FULL_AWS_ACCESS]]
    )
    assert decide(policies, DAVID, action, "*") == expected


def test_scps_grant_nothing_and_a_lower_level_cannot_add_back() -> None:
    """AWS Organizations User Guide, "SCP evaluation"
    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html:
    SCPs only filter, users and roles still need IAM policies; a permission blocked by a Deny higher
    up cannot be added back lower in the hierarchy."""
    only_scps = PolicySet(scps=[[FULL_AWS_ACCESS], [FULL_AWS_ACCESS]])
    assert decide(only_scps, DAVID, "s3:GetObject", OBJECT) == "implicit_deny"
    denied_at_root = PolicySet(
        identity=[policy(EVERYTHING)],
        scps=[[FULL_AWS_ACCESS, policy(deny("s3:*"))], [FULL_AWS_ACCESS, policy(allow("s3:*"))]],
    )
    assert decide(denied_at_root, DAVID, "s3:GetObject", OBJECT) == "explicit_deny"


def test_allow_list_strategy_without_full_aws_access_at_a_level() -> None:
    """AWS Organizations User Guide, "SCP evaluation"
    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html,
    the allow-list strategy: once FullAWSAccess is detached from a level, nothing is permitted there
    unless an SCP at that level (and at every level above) allows it."""
    policies = PolicySet(
        identity=[policy(EVERYTHING)],
        scps=[[FULL_AWS_ACCESS], [policy(allow(["ec2:*", "s3:Get*"]), name="allow-list")]],
    )
    assert decide(policies, DAVID, "s3:GetObject", OBJECT) == "allowed"
    assert decide(policies, DAVID, "s3:PutObject", OBJECT) == "implicit_deny"
    assert decide(policies, DAVID, "dynamodb:GetItem", TABLE) == "implicit_deny"


def test_scps_limit_what_a_same_account_resource_policy_grants() -> None:
    """IAM User Guide, "Policy evaluation logic"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html, "AWS
    Organizations service control policies": with an SCP present, identity-based and resource-based
    policies grant permissions to member-account principals only if the SCP allows the action too.
    """
    bucket_policy = policy(
        allow("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/*", Principal={"AWS": DAVID}),
        name="bucket",
    )
    open_scps = PolicySet(resource_policy=bucket_policy, scps=[[FULL_AWS_ACCESS]])
    assert decide(open_scps, DAVID, "s3:GetObject", OBJECT, account=ACCOUNT) == "allowed"
    ec2_only = PolicySet(
        resource_policy=bucket_policy, scps=[[FULL_AWS_ACCESS], [policy(allow("ec2:*"))]]
    )
    assert decide(ec2_only, DAVID, "s3:GetObject", OBJECT, account=ACCOUNT) == "implicit_deny"


# --- AWS Organizations: RCP examples --------------------------------------------------------

SECURE_TRANSPORT_RCP = policy(
    {
        "Sid": "EnforceSecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": ["sts:*", "s3:*", "sqs:*", "secretsmanager:*", "kms:*"],
        "Resource": "*",
        "Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}},
    },
    name="secure-transport",
)
BUCKET_FOR_OUTSIDER = policy(
    allow("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/*", Principal={"AWS": OTHER}),
    name="bucket",
)


def test_rcp_full_aws_access_grants_nothing_by_itself() -> None:
    """AWS Organizations User Guide, "Resource control policy examples"
    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_examples.html,
    RCPFullAWSAccess, and "Resource control policies (RCPs)"
    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html: the
    default RCP keeps existing permissions working, but no permissions are granted by an RCP."""
    only_rcp = PolicySet(rcps=[[RCP_FULL_AWS_ACCESS]])
    assert decide(only_rcp, DAVID, "s3:GetObject", OBJECT, account=ACCOUNT) == "implicit_deny"
    with_identity = PolicySet(identity=[policy(allow("s3:*"))], rcps=[[RCP_FULL_AWS_ACCESS]])
    assert decide(with_identity, DAVID, "s3:GetObject", OBJECT, account=ACCOUNT) == "allowed"


@pytest.mark.parametrize(
    ("caller", "secure", "expected"),
    [
        (OUTSIDER, "false", "explicit_deny"),
        (OUTSIDER, "true", "allowed"),
        (OUTSIDER, None, "explicit_deny"),  # BoolIfExists: a missing key counts as false
        (DAVID, "false", "explicit_deny"),  # the organization's own principals too
    ],
)
def test_rcp_enforce_secure_transport(caller: str, secure: str | None, expected: str) -> None:
    """AWS Organizations User Guide, "Resource control policy examples"
    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_examples.html,
    "Enforce secure transport": the Deny with BoolIfExists aws:SecureTransport false applies to
    every principal's request to the organization's resources, outside accounts included."""
    policies = PolicySet(
        identity=[policy(allow("s3:*"))],
        resource_policy=BUCKET_FOR_OUTSIDER,
        rcps=[[RCP_FULL_AWS_ACCESS, SECURE_TRANSPORT_RCP]],
    )
    context = {} if secure is None else {"aws:SecureTransport": secure}
    assert decide(policies, caller, "s3:GetObject", OBJECT, context, account=ACCOUNT) == expected


def test_rcps_do_not_affect_resources_in_the_management_account() -> None:
    """AWS Organizations User Guide, "Resource control policies (RCPs)"
    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html: RCPs
    don't affect resources in the management account, only those in member accounts."""
    policies = PolicySet(
        identity=[policy(allow("s3:*"))],
        resource_policy=BUCKET_FOR_OUTSIDER,
        rcps=[[RCP_FULL_AWS_ACCESS, SECURE_TRANSPORT_RCP]],
        resource_in_management_account=True,
    )
    context = {"aws:SecureTransport": "false"}
    assert decide(policies, OUTSIDER, "s3:GetObject", OBJECT, context, account=ACCOUNT) == (
        "allowed"
    )


CONFUSED_DEPUTY_RCP = policy(
    {
        "Sid": "EnforceConfusedDeputyProtection",
        "Effect": "Deny",
        "Principal": "*",
        "Action": ["s3:*", "sqs:*", "kms:*", "secretsmanager:*", "sts:*"],
        "Resource": "*",
        "Condition": {
            "StringNotEqualsIfExists": {
                "aws:SourceOrgID": ORG_ID,
                "aws:SourceAccount": ["999988887777", "888877776666"],
            },
            "Bool": {"aws:PrincipalIsAWSService": "true"},
            "Null": {"aws:SourceAccount": "false"},
        },
    },
    name="confused-deputy",
)
TRAIL_BUCKET = policy(
    allow(
        "s3:PutObject",
        "arn:aws:s3:::amzn-s3-demo-bucket/*",
        Principal={"Service": "cloudtrail.amazonaws.com"},
    ),
    name="bucket",
)


def test_rcp_confused_deputy_spares_the_organizations_and_listed_accounts_requests() -> None:
    """AWS Organizations User Guide, "Resource control policy examples"
    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_examples.html,
    "Cross-service confused deputy protection": requests a service makes for the organization
    (aws:SourceOrgID) or for a listed third-party account are not denied, nor requests by IAM
    principals (aws:PrincipalIsAWSService false). The page's prose keys the Null check on
    aws:SourceAccount, which the policy here uses."""
    policies = PolicySet(
        resource_policy=TRAIL_BUCKET, rcps=[[RCP_FULL_AWS_ACCESS, CONFUSED_DEPUTY_RCP]]
    )
    ours = {"aws:SourceOrgID": ORG_ID, "aws:SourceAccount": ACCOUNT}
    listed = {"aws:SourceOrgID": "o-zzzzzzzzzz", "aws:SourceAccount": "999988887777"}
    for context in (ours, listed):
        decision = decide(
            policies, "cloudtrail.amazonaws.com", "s3:PutObject", OBJECT, context, account=ACCOUNT
        )
        assert decision == "allowed", context
    iam_caller = PolicySet(
        identity=[policy(allow("s3:*"))], rcps=[[RCP_FULL_AWS_ACCESS, CONFUSED_DEPUTY_RCP]]
    )
    stranger = {"aws:SourceOrgID": "o-zzzzzzzzzz", "aws:SourceAccount": "777766665555"}
    assert decide(iam_caller, DAVID, "s3:PutObject", OBJECT, stranger, account=ACCOUNT) == (
        "allowed"
    )


def test_rcp_confused_deputy_denies_a_service_acting_for_a_stranger() -> None:
    """AWS Organizations User Guide, "Resource control policy examples"
    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_examples.html,
    "Cross-service confused deputy protection": the RCP requires AWS service principals
    (aws:PrincipalIsAWSService true) to access the organization's resources only on behalf of the
    organization, so a service acting for an unrelated account is denied even though the bucket
    policy lets the service in. (The example only works if RCPs apply to service principals'
    requests, which "Resource control policies (RCPs)"
    (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html)
    does not list among the requests RCPs leave alone.)"""
    policies = PolicySet(
        resource_policy=TRAIL_BUCKET, rcps=[[RCP_FULL_AWS_ACCESS, CONFUSED_DEPUTY_RCP]]
    )
    stranger = {"aws:SourceOrgID": "o-zzzzzzzzzz", "aws:SourceAccount": "777766665555"}
    decision = decide(
        policies, "cloudtrail.amazonaws.com", "s3:PutObject", OBJECT, stranger, account=ACCOUNT
    )
    assert decision == "explicit_deny"


KMS_KEY = f"arn:aws:kms:us-east-2:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.mark.parametrize(
    ("org", "expected"),
    [(ORG_ID, "allowed"), ("o-zzzzzzzzzz", "explicit_deny"), (None, "explicit_deny")],
)
def test_rcp_identity_perimeter_on_kms_keys(org: str | None, expected: str) -> None:
    """AWS KMS Developer Guide, "Resource control policies in AWS KMS"
    (https://docs.aws.amazon.com/kms/latest/developerguide/resource-control-policies.html),
    RCPEnforceIdentityPerimeter: principals outside the organization (another aws:PrincipalOrgID, or
    none at all) cannot use the organization's keys even when the key policy lets their account in;
    the organization's own principals can."""
    perimeter = policy(
        {
            "Sid": "RCPEnforceIdentityPerimeter",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "kms:*",
            "Resource": "*",
            "Condition": {
                "StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG_ID},
                "Bool": {"aws:PrincipalIsAWSService": "false"},
            },
        },
        name="perimeter",
    )
    key_policy = policy(
        allow("kms:Decrypt", "*", Principal={"AWS": f"arn:aws:iam::{OTHER}:root"}), name="key"
    )
    policies = PolicySet(
        identity=[policy(allow("kms:Decrypt"))],
        resource_policy=key_policy,
        rcps=[[RCP_FULL_AWS_ACCESS, perimeter]],
    )
    context = {} if org is None else {"aws:PrincipalOrgID": org}
    assert decide(policies, OUTSIDER, "kms:Decrypt", KMS_KEY, context) == expected


# --- The same documented requests through `iam-audit simulate` ------------------------------


def simulate(tmp_path: Path, capsys: pytest.CaptureFixture[str], body: dict[str, Any]) -> str:
    path = tmp_path / "request.json"
    path.write_text(json.dumps(body))
    code = cli.main(["simulate", "--request", str(path), "--format", "json"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    return json.loads(out)["decision"]


@pytest.mark.parametrize(
    ("resource", "bucket_policy", "expected"),
    [
        ("arn:aws:s3:::Production-logs/report.txt", None, "explicit_deny"),
        ("arn:aws:s3:::Production/report.txt", PRODUCTION_BUCKET_POLICY, "allowed"),
    ],
)
def test_simulate_cli_cross_account_example(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    resource: str,
    bucket_policy: dict[str, Any] | None,
    expected: str,
) -> None:
    """IAM User Guide, "Cross-account policy evaluation logic"
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html,
    "Example cross-account policy evaluation", asked through ``iam-audit simulate --request``."""
    body: dict[str, Any] = {
        "principal": CARLOS_111,
        "action": "s3:PutObject",
        "resource": resource,
        "resource_account": "222222222222",
        "identity_policies": [CROSS_IDENTITY],
    }
    if bucket_policy is not None:
        body["resource_policy"] = bucket_policy
    assert simulate(tmp_path, capsys, body) == expected


@pytest.mark.parametrize(
    ("action", "expected"), [("sqs:SendMessage", "allowed"), ("sns:Publish", "implicit_deny")]
)
def test_simulate_cli_scp_levels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], action: str, expected: str
) -> None:
    """AWS Organizations User Guide, "SCP evaluation"
    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html:
    the root allows A, B, C and the OU C, D, E, asked through ``iam-audit simulate`` with one list
    of SCPs per level."""
    body = {
        "principal": DAVID,
        "action": action,
        "resource": "*",
        "identity_policies": [{"Version": "2012-10-17", "Statement": [EVERYTHING]}],
        "scps": [
            [{"Version": "2012-10-17", "Statement": [allow(["s3:*", "ec2:*", "sqs:*"])]}],
            [{"Version": "2012-10-17", "Statement": [allow(["sqs:*", "sns:*", "dynamodb:*"])]}],
        ],
    }
    assert simulate(tmp_path, capsys, body) == expected


@pytest.mark.parametrize(("secure", "expected"), [("false", "explicit_deny"), ("true", "allowed")])
def test_simulate_cli_rcp_secure_transport(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], secure: str, expected: str
) -> None:
    """AWS Organizations User Guide, "Resource control policy examples"
    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_examples.html,
    "Enforce secure transport", for an outside account's caller, through ``iam-audit simulate``."""
    body = {
        "principal": OUTSIDER,
        "action": "s3:GetObject",
        "resource": OBJECT,
        "resource_account": ACCOUNT,
        "context": {"aws:SecureTransport": secure},
        "identity_policies": [{"Version": "2012-10-17", "Statement": [allow("s3:*")]}],
        "resource_policy": BUCKET_FOR_OUTSIDER.document,
        "rcps": [[RCP_FULL_AWS_ACCESS.document, SECURE_TRANSPORT_RCP.document]],
    }
    assert simulate(tmp_path, capsys, body) == expected
