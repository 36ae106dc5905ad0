"""Global condition keys: when AWS puts each in the request context, and what follows.

IAM User Guide, "AWS global condition context keys"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html) gives
each key an "Availability": aws:SourceIp is "included in the request context, except when the
requester uses a VPC endpoint"; aws:SourceVpc / aws:SourceVpce / aws:VpcSourceIp only when it
does; aws:CalledVia only when a service made the call with the principal's credentials (forward
access sessions); aws:RequestTag / aws:TagKeys only when the request carries tags, while
aws:ResourceTag describes the resource; aws:ViaAWSService, aws:PrincipalIsAWSService and
aws:SecureTransport are always present (true or false). The operator rules then decide: a key
absent from the request makes a positive operator false and a negated one true.

Each test names its page and example, states the policy and the requests, and asserts the
documented decision of the evaluator. What tests/unit/test_aws_doc_examples_evaluation.py
already checks (the operator page's own examples) is not repeated.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.evaluator import Evaluator, PolicySet, Request
from bot.iam.policy import parse_policy

GUIDE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
ACCOUNT = "123456789012"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
OBJECT = "arn:aws:s3:::amzn-s3-demo-bucket/report.csv"
INSTANCE = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123456789abcdef0"
EVERYTHING = {"Effect": "Allow", "Action": "*", "Resource": "*"}


def _allowed(
    statements: list[dict[str, Any]],
    action: str,
    resource: str,
    context: dict[str, Any],
    principal: str = ALICE,
) -> bool:
    document = {"Version": "2012-10-17", "Statement": statements}
    policies = PolicySet(identity=[parse_policy(document, name="example")])
    return Evaluator(policies).evaluate(Request(principal, action, resource, None, context)).allowed


# --- aws:SourceIp and aws:ViaAWSService -----------------------------------------------------
# reference_policies_examples_aws_deny-ip.html, "AWS: Denies access to AWS based on the source
# IP": Deny * unless the request comes from 192.0.2.0/24 or 203.0.113.0/24; "The policy does not
# deny requests made by AWS services using Forward access sessions" (Bool aws:ViaAWSService
# false).

DENY_OUTSIDE_IP = {
    "Effect": "Deny",
    "Action": "*",
    "Resource": "*",
    "Condition": {
        "NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]},
        "Bool": {"aws:ViaAWSService": "false"},
    },
}


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        pytest.param({"aws:SourceIp": "192.0.2.10", "aws:ViaAWSService": "false"}, True, id="in"),
        pytest.param(
            {"aws:SourceIp": "198.51.100.7", "aws:ViaAWSService": "false"}, False, id="outside"
        ),
        # A service acting with the principal's credentials: aws:ViaAWSService true.
        pytest.param(
            {"aws:SourceIp": "198.51.100.7", "aws:ViaAWSService": "true"}, True, id="via-service"
        ),
        # Through a VPC endpoint aws:SourceIp is absent (aws:VpcSourceIp is there instead):
        # NotIpAddress on a missing key is true, so the Deny fires.
        pytest.param(
            {
                "aws:VpcSourceIp": "10.0.0.5",
                "aws:SourceVpce": "vpce-1a2b3c4d",
                "aws:ViaAWSService": "false",
            },
            False,
            id="vpc-endpoint",
        ),
    ],
)
def test_deny_ip_example(context: dict[str, str], expected: bool) -> None:
    assert (
        _allowed([EVERYTHING, DENY_OUTSIDE_IP], "ec2:StopInstances", INSTANCE, context) is expected
    )


def test_deny_ip_without_via_aws_service_also_denies_service_calls() -> None:
    """The same Deny without the aws:ViaAWSService condition: a call a service makes on the
    user's behalf from outside the range is denied too (the reason the example adds the key)."""
    deny = {
        **DENY_OUTSIDE_IP,
        "Condition": {"NotIpAddress": DENY_OUTSIDE_IP["Condition"]["NotIpAddress"]},
    }
    context = {"aws:SourceIp": "198.51.100.7", "aws:ViaAWSService": "true"}
    assert _allowed([EVERYTHING, deny], "ec2:StopInstances", INSTANCE, context) is False


def test_ipv6_source_in_an_ipv4_and_ipv6_allow() -> None:
    """Condition operators page, IP address condition operators: one IpAddress condition may
    mix IPv4 and IPv6 CIDRs ("203.0.113.0/24", "2001:DB8:1234:5678::/64"); IPv6 matching does not
    depend on the letter case of the hex digits."""
    allow = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "*",
        "Condition": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}},
    }
    for source, expected in [
        ("2001:db8:1234:5678:abcd::1", True),
        ("2001:DB8:1234:5678::FFFF", True),
        ("2001:db8:1234:5679::1", False),
        ("203.0.113.200", True),
        ("::ffff:198.51.100.1", False),
    ]:
        assert _allowed([allow], "s3:GetObject", OBJECT, {"aws:SourceIp": source}) is expected


# --- aws:SourceVpce / aws:SourceVpc -----------------------------------------------------------
# Condition keys page: aws:SourceVpce and aws:SourceVpc are "included in the request context
# only if the requester uses a VPC endpoint to make the request". The S3 example restricting a
# bucket to one endpoint denies with StringNotEquals: requests over the internet lack the key,
# the negated operator is then true, and they are denied.

DENY_UNLESS_ENDPOINT = {
    "Effect": "Deny",
    "Action": "s3:*",
    "Resource": "*",
    "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}},
}


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({"aws:SourceVpce": "vpce-1a2b3c4d", "aws:SourceVpc": "vpc-111bbb22"}, True),
        ({"aws:SourceVpce": "vpce-0000ffff", "aws:SourceVpc": "vpc-111bbb22"}, False),
        ({"aws:SourceIp": "198.51.100.7"}, False),  # over the internet: no endpoint key
    ],
)
def test_source_vpce_is_present_only_through_an_endpoint(
    context: dict[str, str], expected: bool
) -> None:
    assert _allowed([EVERYTHING, DENY_UNLESS_ENDPOINT], "s3:GetObject", OBJECT, context) is expected


def test_allow_on_source_vpc_grants_nothing_over_the_internet() -> None:
    """An Allow keyed on aws:SourceVpc (positive operator) never matches a request that did not
    come through a VPC endpoint."""
    allow = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-111bbb22"}},
    }
    assert _allowed([allow], "s3:GetObject", OBJECT, {"aws:SourceIp": "198.51.100.7"}) is False
    assert _allowed([allow], "s3:GetObject", OBJECT, {"aws:SourceVpc": "vpc-111bbb22"}) is True


# --- aws:PrincipalIsAWSService ---------------------------------------------------------------
# Condition keys page, aws:PrincipalIsAWSService: "always included in the request context"; its
# example denies requests that do not come from the VPC unless a service principal (CloudTrail
# writing logs) makes them: StringNotEqualsIfExists aws:SourceVpc with BoolIfExists
# aws:PrincipalIsAWSService false.

DENY_NOT_FROM_VPC = {
    "Effect": "Deny",
    "Action": "s3:PutObject",
    "Resource": "*",
    "Condition": {
        "StringNotEqualsIfExists": {"aws:SourceVpc": "vpc-111bbb22"},
        "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
    },
}


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({"aws:PrincipalIsAWSService": "false", "aws:SourceIp": "198.51.100.7"}, False),
        ({"aws:PrincipalIsAWSService": "false", "aws:SourceVpc": "vpc-111bbb22"}, True),
        ({"aws:PrincipalIsAWSService": "true"}, True),  # cloudtrail.amazonaws.com itself
    ],
)
def test_principal_is_aws_service_exempts_service_principals(
    context: dict[str, str], expected: bool
) -> None:
    assert _allowed([EVERYTHING, DENY_NOT_FROM_VPC], "s3:PutObject", OBJECT, context) is expected


# --- aws:CalledVia, aws:CalledViaFirst, aws:CalledViaLast -------------------------------------
# Condition keys page: aws:CalledVia is multivalued, "an ordered list of each service in the
# chain that made requests on the principal's behalf"; it is present only for such requests.
# Its example allows S3 only when Athena makes the call (ForAnyValue:StringEquals).

ALLOW_S3_VIA_ATHENA = {
    "Effect": "Allow",
    "Action": "s3:GetObject",
    "Resource": "*",
    "Condition": {"ForAnyValue:StringEquals": {"aws:CalledVia": ["athena.amazonaws.com"]}},
}


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({}, False),  # the user calls S3 directly: no aws:CalledVia
        ({"aws:CalledVia": ["athena.amazonaws.com"]}, True),
        ({"aws:CalledVia": ["cloudformation.amazonaws.com", "athena.amazonaws.com"]}, True),
        ({"aws:CalledVia": ["cloudformation.amazonaws.com"]}, False),
    ],
)
def test_called_via_athena_example(context: dict[str, Any], expected: bool) -> None:
    assert _allowed([ALLOW_S3_VIA_ATHENA], "s3:GetObject", OBJECT, context) is expected


def test_for_all_values_on_called_via_also_allows_direct_calls() -> None:
    """Single-valued vs. multivalued context keys: ForAllValues "returns true if there are no
    context keys in the request": written with ForAllValues the Allow also matches a direct call
    (no aws:CalledVia); a Null false condition closes that."""
    for_all = {
        **ALLOW_S3_VIA_ATHENA,
        "Condition": {"ForAllValues:StringEquals": {"aws:CalledVia": ["athena.amazonaws.com"]}},
    }
    assert _allowed([for_all], "s3:GetObject", OBJECT, {}) is True
    guarded = {
        **for_all,
        "Condition": {**for_all["Condition"], "Null": {"aws:CalledVia": "false"}},
    }
    assert _allowed([guarded], "s3:GetObject", OBJECT, {}) is False
    via = {"aws:CalledVia": ["athena.amazonaws.com"]}
    assert _allowed([guarded], "s3:GetObject", OBJECT, via) is True


def test_called_via_first_and_last_are_single_valued_ends_of_the_chain() -> None:
    """aws:CalledViaFirst / aws:CalledViaLast: the first / last service in aws:CalledVia."""
    first = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:CalledViaFirst": "cloudformation.amazonaws.com"}},
    }
    chain = {
        "aws:CalledVia": ["cloudformation.amazonaws.com", "athena.amazonaws.com"],
        "aws:CalledViaFirst": "cloudformation.amazonaws.com",
        "aws:CalledViaLast": "athena.amazonaws.com",
    }
    assert _allowed([first], "s3:GetObject", OBJECT, chain) is True
    last = {
        **first,
        "Condition": {"StringEquals": {"aws:CalledViaLast": "cloudformation.amazonaws.com"}},
    }
    assert _allowed([last], "s3:GetObject", OBJECT, chain) is False
    assert _allowed([first], "s3:GetObject", OBJECT, {}) is False


# --- aws:RequestTag, aws:TagKeys, aws:ResourceTag, aws:PrincipalTag ---------------------------
# Condition keys page: aws:RequestTag/tag-key and aws:TagKeys describe the tags passed in the
# request (aws:TagKeys multivalued); aws:ResourceTag/tag-key the tags the resource already has;
# aws:PrincipalTag/tag-key the caller's. Tag key names in the key are case-insensitive, values
# case-sensitive for String operators.

TAG_ONLY_DEPARTMENT_AND_COST_CENTER = {
    "Effect": "Allow",
    "Action": "iam:TagUser",
    "Resource": "*",
    "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["Department", "CostCenter"]}},
}


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({"aws:TagKeys": ["Department"]}, True),
        ({"aws:TagKeys": ["Department", "CostCenter"]}, True),
        ({"aws:TagKeys": ["Department", "Project"]}, False),
        ({"aws:TagKeys": ["department"]}, False),  # values are case-sensitive
        ({}, True),  # no tags in the request: ForAllValues over an empty set is true
    ],
)
def test_tag_keys_for_all_values(context: dict[str, Any], expected: bool) -> None:
    user = f"arn:aws:iam::{ACCOUNT}:user/bob"
    assert _allowed([TAG_ONLY_DEPARTMENT_AND_COST_CENTER], "iam:TagUser", user, context) is expected


def test_request_tag_is_not_the_resource_tag() -> None:
    """Stop an instance only when its Owner tag is the caller: the resource's tag
    (aws:ResourceTag) decides; a tag named in the request (aws:RequestTag) does not."""
    allow = {
        "Effect": "Allow",
        "Action": "ec2:StopInstances",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/Owner": "${aws:username}"}},
    }
    own = {"aws:username": "alice", "aws:ResourceTag/Owner": "alice"}
    asked = {"aws:username": "alice", "aws:RequestTag/Owner": "alice"}
    other = {"aws:username": "alice", "aws:ResourceTag/Owner": "bob"}
    assert _allowed([allow], "ec2:StopInstances", INSTANCE, own) is True
    assert _allowed([allow], "ec2:StopInstances", INSTANCE, asked) is False
    assert _allowed([allow], "ec2:StopInstances", INSTANCE, other) is False


def test_principal_tag_matching_resource_tag() -> None:
    """The attribute-based pattern: aws:ResourceTag/project equal to ${aws:PrincipalTag/project};
    a caller without the tag matches nothing (the variable cannot be resolved)."""
    allow = {
        "Effect": "Allow",
        "Action": "ec2:StartInstances",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/project": "${aws:PrincipalTag/project}"}},
    }
    same = {"aws:PrincipalTag/project": "blue", "aws:ResourceTag/project": "blue"}
    differ = {"aws:PrincipalTag/project": "blue", "aws:ResourceTag/project": "red"}
    untagged = {"aws:ResourceTag/project": "blue"}
    assert _allowed([allow], "ec2:StartInstances", INSTANCE, same) is True
    assert _allowed([allow], "ec2:StartInstances", INSTANCE, differ) is False
    assert _allowed([allow], "ec2:StartInstances", INSTANCE, untagged) is False


def test_tag_key_names_are_case_insensitive_and_ignore_case_operator() -> None:
    """The key aws:PrincipalTag/Department matches the caller's department tag whatever its
    case; StringEquals compares the value case-sensitively, StringEqualsIgnoreCase does not."""
    equals = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/Department": "Finance"}},
    }
    ignore = {
        **equals,
        "Condition": {"StringEqualsIgnoreCase": {"aws:PrincipalTag/Department": "Finance"}},
    }
    assert _allowed([equals], "s3:GetObject", OBJECT, {"aws:principaltag/department": "Finance"})
    assert not _allowed(
        [equals], "s3:GetObject", OBJECT, {"aws:PrincipalTag/Department": "FINANCE"}
    )
    assert _allowed([ignore], "s3:GetObject", OBJECT, {"aws:PrincipalTag/Department": "FINANCE"})


# --- aws:CurrentTime and aws:EpochTime --------------------------------------------------------
# reference_policies_examples_aws-dates.html: access only between 2020-04-01 and 2020-06-30
# (DateGreaterThan / DateLessThan aws:CurrentTime). aws:EpochTime holds the same instant in
# seconds since 1970 and takes Date operators (ISO 8601 or epoch values) and Numeric ones.

BETWEEN_DATES = {
    "Effect": "Allow",
    "Action": "s3:GetObject",
    "Resource": "*",
    "Condition": {
        "DateGreaterThan": {"aws:CurrentTime": "2020-04-01T00:00:00Z"},
        "DateLessThan": {"aws:CurrentTime": "2020-06-30T23:59:59Z"},
    },
}


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2020-05-15T12:00:00Z", True),
        ("2020-03-31T23:59:59Z", False),
        ("2020-07-01T00:00:00Z", False),
        ("2020-05-15T12:00:00+02:00", True),
    ],
)
def test_date_range_example(now: str, expected: bool) -> None:
    assert _allowed([BETWEEN_DATES], "s3:GetObject", OBJECT, {"aws:CurrentTime": now}) is expected


@pytest.mark.parametrize(
    ("operator", "value"),
    [
        ("DateGreaterThan", "2020-04-01T00:00:00Z"),
        ("DateGreaterThan", "1585699200"),
        ("NumericGreaterThan", "1585699200"),
    ],
)
def test_epoch_time_with_date_and_numeric_operators(operator: str, value: str) -> None:
    """1585699200 is 2020-04-01T00:00:00Z; a request a second later matches, one before not."""
    allow = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "*",
        "Condition": {operator: {"aws:EpochTime": value}},
    }
    assert _allowed([allow], "s3:GetObject", OBJECT, {"aws:EpochTime": "1585699201"}) is True
    assert _allowed([allow], "s3:GetObject", OBJECT, {"aws:EpochTime": "1585699199"}) is False
