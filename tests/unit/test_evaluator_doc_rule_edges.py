"""Edges of four documented rules the AWS-documentation tests pin only at their centre
(tests/unit/test_aws_doc_examples_evaluation.py): the empty data set with set operators, policy
variables only in String/ARN (and Bool) operators, a federated user session without a session
policy, and which callers RCPs and SCPs leave alone."""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.conditions import CompiledCondition
from bot.iam.evaluator import Evaluator, PolicySet, Request
from bot.iam.policy import Policy, parse_policy

ACCOUNT = "111122223333"
DAVID = f"arn:aws:iam::{ACCOUNT}:user/David"
FEDERATED = f"arn:aws:sts::{ACCOUNT}:federated-user/David"
OBJECT = "arn:aws:s3:::amzn-s3-demo-bucket/report.csv"
SERVICE = "cloudtrail.amazonaws.com"
SLR = (
    f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/elasticbeanstalk.amazonaws.com/"
    "AWSServiceRoleForElasticBeanstalk"
)
SLR_SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/AWSServiceRoleForElasticBeanstalk/session"


def policy(*statements: dict[str, Any], name: str = "p") -> Policy:
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, name=name)


def decide(policies: PolicySet, principal: str, action: str, resource: str, **context: Any):
    request = Request(principal, action, resource, ACCOUNT, context)
    return Evaluator(policies).evaluate(request)


def holds(operator: str, value: str, request: tuple[str, ...] | str, **extra: str) -> bool:
    compiled = CompiledCondition(operator, "k:Key", (value,), variables=True)
    context = {"k:key": request if isinstance(request, tuple) else (request,)}
    context.update({k.lower(): (v,) for k, v in extra.items()})
    return compiled.holds(context)


# --- 1. The empty data set with set operators -------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "request_values", "expected"),
    [
        # only empty strings: the empty data set
        ("ForAllValues:StringEquals", ("", ""), True),
        ("ForAnyValue:StringLike", ("", ""), False),
        ("ForAnyValue:StringNotEquals", ("",), False),
        ("ForAllValues:StringNotLike", ("",), True),
        ("ForAnyValue:StringEqualsIfExists", ("",), True),
        # a mix is not an empty data set: each value, "" included, is tested
        ("ForAllValues:StringEquals", ("", "a"), False),
        ("ForAllValues:StringLike", ("", "a"), True),
        ("ForAnyValue:StringEquals", ("", "a"), True),
        ("ForAnyValue:StringEquals", ("", "b"), False),
        # no set qualifier: "" is an ordinary value
        ("StringEquals", ("",), False),
        ("StringNotEquals", ("",), True),
        ("StringLike", ("",), True),
    ],
)
def test_empty_strings_are_the_empty_data_set_only_with_a_set_qualifier(
    operator: str, request_values: tuple[str, ...], expected: bool
) -> None:
    value = "*" if "Like" in operator else "a"
    assert holds(operator, value, request_values) is expected


# --- 2. Policy variables only where AWS resolves them ------------------------------------------


@pytest.mark.parametrize(
    ("operator", "value", "tag", "request_value", "expected"),
    [
        ("StringEquals", "${aws:PrincipalTag/t}", "blue", "blue", True),
        ("ArnLike", "arn:aws:s3:::${aws:PrincipalTag/t}/*", "b", "arn:aws:s3:::b/x", True),
        # Bool: the two AWS pages disagree; substitution is kept
        ("Bool", "${aws:PrincipalTag/t}", "true", "true", True),
        # elsewhere the text stays literal: it never parses, so nothing matches ...
        ("IpAddress", "${aws:PrincipalTag/t}", "203.0.113.0/24", "203.0.113.5", False),
        ("NumericEquals", "${aws:PrincipalTag/t}", "5", "5", False),
        ("BinaryEquals", "${aws:PrincipalTag/t}", "QUJD", "QUJD", False),
        # ... and a negated operator holds
        ("NotIpAddress", "${aws:PrincipalTag/t}", "203.0.113.0/24", "203.0.113.5", True),
        ("DateNotEquals", "${aws:PrincipalTag/t}", "2020-01-01", "2020-01-01", True),
    ],
)
def test_variables_resolve_only_in_string_arn_and_bool_operators(
    operator: str, value: str, tag: str, request_value: str, expected: bool
) -> None:
    extra = {"aws:PrincipalTag/t": tag}
    assert holds(operator, value, request_value, **extra) is expected


def test_variables_false_leaves_string_operators_literal_too() -> None:
    compiled = CompiledCondition("StringEquals", "k:Key", ("${aws:username}",), variables=False)
    assert compiled.holds({"k:key": ("${aws:username}",), "aws:username": ("David",)})
    assert not compiled.holds({"k:key": ("David",), "aws:username": ("David",)})


# --- 3. A federated user session without a session policy -------------------------------------


def test_federated_session_without_session_policy_keeps_rights_in_audit_mode() -> None:
    """``complete`` False: session policies are unknown, so the user's rights stand."""
    audit = PolicySet(identity=[policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})])
    assert decide(audit, FEDERATED, "s3:GetObject", OBJECT).decision == "allowed"


def test_federated_session_without_session_policy_is_denied_with_a_reason() -> None:
    complete = PolicySet(
        identity=[policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})], complete=True
    )
    decision = decide(complete, FEDERATED, "s3:GetObject", OBJECT)
    assert decision.decision == "implicit_deny"
    assert "without a session policy" in decision.reason
    # a plain IAM user is not a session: unaffected
    assert decide(complete, DAVID, "s3:GetObject", OBJECT).decision == "allowed"


def test_resource_policy_naming_the_federated_session_still_grants_without_session_policy() -> None:
    """A resource-based policy naming the federated user session grants to it directly
    (neither boundary nor session policy limits it), session policy or not."""
    bucket = policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": FEDERATED},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
        },
        name="bucket",
    )
    policies = PolicySet(resource_policy=bucket, complete=True)
    assert decide(policies, FEDERATED, "s3:GetObject", OBJECT).decision == "allowed"


# --- 4. Which callers RCPs and SCPs leave alone -----------------------------------------------

DENY_ALL_RCP = policy(
    {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
    {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"},
    name="deny-all-rcp",
)
DENY_ALL_SCP = policy(
    {"Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Effect": "Deny", "Action": "*", "Resource": "*"},
    name="deny-all-scp",
)
BUCKET_FOR_SERVICE = policy(
    {
        "Effect": "Allow",
        "Principal": {"Service": SERVICE},
        "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
    },
    name="bucket",
)


def test_scps_still_skip_service_principals_while_rcps_apply() -> None:
    scp_only = PolicySet(resource_policy=BUCKET_FOR_SERVICE, scps=[[DENY_ALL_SCP]])
    assert decide(scp_only, SERVICE, "s3:PutObject", OBJECT).decision == "allowed"
    rcp = PolicySet(resource_policy=BUCKET_FOR_SERVICE, rcps=[[DENY_ALL_RCP]])
    assert decide(rcp, SERVICE, "s3:PutObject", OBJECT).decision == "explicit_deny"
    in_management = PolicySet(
        resource_policy=BUCKET_FOR_SERVICE,
        rcps=[[DENY_ALL_RCP]],
        resource_in_management_account=True,
    )
    assert decide(in_management, SERVICE, "s3:PutObject", OBJECT).decision == "allowed"


@pytest.mark.parametrize("caller", [SLR, SLR_SESSION])
def test_rcps_do_not_restrict_service_linked_roles(caller: str) -> None:
    policies = PolicySet(
        identity=[policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})],
        rcps=[[DENY_ALL_RCP]],
        scps=[[DENY_ALL_SCP]],
    )
    assert decide(policies, caller, "s3:PutObject", OBJECT).decision == "allowed"


def test_rcps_do_not_restrict_a_service_assuming_its_service_linked_role() -> None:
    trust = policy(
        {
            "Effect": "Allow",
            "Principal": {"Service": "elasticbeanstalk.amazonaws.com"},
            "Action": "sts:AssumeRole",
        },
        name="trust",
    )
    policies = PolicySet(resource_policy=trust, rcps=[[DENY_ALL_RCP]], complete=True)
    service = "elasticbeanstalk.amazonaws.com"
    assert decide(policies, service, "sts:AssumeRole", SLR).decision == "allowed"
    ordinary_role = f"arn:aws:iam::{ACCOUNT}:role/ordinary"
    assert decide(policies, service, "sts:AssumeRole", ordinary_role).decision == "explicit_deny"
