"""RCPs govern only the AWS services that support them.

Pages:
- AWS Organizations User Guide, "Resource control policies (RCPs)": "RCPs apply to resources for a
  subset of AWS services. For more information, see List of AWS services that support RCPs"
  (S3, STS, KMS, SQS and Secrets Manager at launch; ECR and OpenSearch Serverless, then Cognito
  and CloudWatch Logs joined later). A request to any other service is not limited by an RCP,
  even by a ``"Action": "*"`` Deny.
- AWS KMS Developer Guide, "Resource control policies in AWS KMS": "The kms:RetireGrant
  permission is not effective in an RCP, even if the Action element specifies an asterisk (*)".

Before the fix the evaluator applied every RCP Deny to every service: an identity perimeter RCP
(``Deny * unless aws:PrincipalOrgID``) denied ec2, iam and lambda calls too.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.evaluator import Evaluator, PolicySet, Request
from bot.iam.policy import Policy, parse_policy

ACCOUNT = "111122223333"
OUTSIDER = "arn:aws:iam::444455556666:role/partner"
USER = f"arn:aws:iam::{ACCOUNT}:user/alice"


def _policy(*statements: dict[str, Any], name: str) -> Policy:
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, name=name)


RCP_FULL_AWS_ACCESS = _policy(
    {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}, name="RCPFullAWSAccess"
)
# Deny everything to everyone: only the services RCPs support feel it.
RCP_DENY_ALL = _policy(
    {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}, name="deny-all"
)
ADMIN = _policy({"Effect": "Allow", "Action": "*", "Resource": "*"}, name="admin")


def _decide(action: str, resource: str, *, rcps: list[list[Policy]]) -> str:
    policies = PolicySet(identity=[ADMIN], rcps=rcps)
    request = Request(USER, action, resource, resource_account=ACCOUNT)
    return Evaluator(policies).evaluate(request).decision


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/report.csv"),
        ("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/example"),
        ("kms:Decrypt", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd"),
        ("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCOUNT}:queue"),
        ("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:s"),
        ("ecr:BatchGetImage", f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/r"),
        ("aoss:APIAccessAll", f"arn:aws:aoss:us-east-1:{ACCOUNT}:collection/c"),
        ("logs:PutLogEvents", f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:g"),
    ],
)
def test_rcp_deny_applies_to_supported_services(action: str, resource: str) -> None:
    assert _decide(action, resource, rcps=[[RCP_FULL_AWS_ACCESS, RCP_DENY_ALL]]) == (
        "explicit_deny"
    )


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("ec2:TerminateInstances", f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-1"),
        ("iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/bob"),
        ("lambda:InvokeFunction", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f"),
        ("sns:Publish", f"arn:aws:sns:us-east-1:{ACCOUNT}:topic"),
    ],
)
def test_rcp_deny_does_not_reach_services_without_rcp_support(action: str, resource: str) -> None:
    assert _decide(action, resource, rcps=[[RCP_FULL_AWS_ACCESS, RCP_DENY_ALL]]) == "allowed"


def test_rcp_level_without_allow_does_not_limit_unsupported_services() -> None:
    """An RCP level that allows nothing (RCPFullAWSAccess missing from the set handed in) is an
    implicit deny only for the services RCPs govern."""
    only_s3 = _policy(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}, name="s3"
    )
    assert _decide("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCOUNT}:q", rcps=[[only_s3]]) == (
        "implicit_deny"
    )
    assert _decide("ec2:DescribeInstances", "*", rcps=[[only_s3]]) == "allowed"


def test_kms_retire_grant_is_not_governed_by_rcps() -> None:
    """AWS KMS: kms:RetireGrant is not effective in an RCP, even under ``"Action": "*"``."""
    key = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd"
    rcps = [[RCP_FULL_AWS_ACCESS, RCP_DENY_ALL]]
    assert _decide("kms:RetireGrant", key, rcps=rcps) == "allowed"
    assert _decide("kms:RevokeGrant", key, rcps=rcps) == "explicit_deny"


def test_identity_perimeter_rcp_keeps_outsiders_from_s3_only() -> None:
    """The Organizations identity-perimeter example: an outsider named by a bucket policy is
    denied by the RCP; the same RCP says nothing about an SNS topic policy's grant."""
    perimeter = _policy(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "*",
            "Resource": "*",
            "Condition": {
                "StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-example"},
                "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
            },
        },
        name="perimeter",
    )
    grant = {"Effect": "Allow", "Principal": {"AWS": OUTSIDER}, "Action": "*", "Resource": "*"}
    partner_admin = _policy({"Effect": "Allow", "Action": "*", "Resource": "*"}, name="partner")
    rcps = [[RCP_FULL_AWS_ACCESS, perimeter]]
    for action, resource, expected in [
        ("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/x", "explicit_deny"),
        ("sns:Publish", f"arn:aws:sns:us-east-1:{ACCOUNT}:topic", "allowed"),
    ]:
        policies = PolicySet(
            identity=[partner_admin],
            rcps=rcps,
            resource_policy=_policy(grant, name="resource"),
        )
        request = Request(OUTSIDER, action, resource, resource_account=ACCOUNT)
        assert Evaluator(policies).evaluate(request).decision == expected, action


def test_sweep_agrees_with_single_requests_across_services() -> None:
    """allowed_actions shares decisions between actions with the same statements: an RCP must
    still be applied per service, and per action within a service (one naming no resource type,
    s3:ListAllMyBuckets or kms:CreateKey, authorizes no resource an RCP could govern)."""
    policies = PolicySet(identity=[ADMIN], rcps=[[RCP_FULL_AWS_ACCESS, RCP_DENY_ALL]])
    evaluator = Evaluator(policies)
    actions = [
        "ec2:DescribeInstances",
        "s3:ListBucket",
        "iam:ListUsers",
        "sqs:ListQueues",
        "s3:ListAllMyBuckets",
        "kms:CreateKey",
        "kms:ListKeys",
    ]
    sweep = evaluator.allowed_actions(actions, "*", principal_arn=USER, resource_account=ACCOUNT)
    for action in actions:
        single = Evaluator(policies).evaluate(Request(USER, action, "*", resource_account=ACCOUNT))
        assert sweep[action].decision == single.decision, action
    assert sweep["ec2:DescribeInstances"].decision == "allowed"
    assert sweep["s3:ListAllMyBuckets"].decision == "allowed"
    assert sweep["s3:ListBucket"].decision == "explicit_deny"


def test_explain_shows_rcp_statements_out_of_an_unsupported_services_request() -> None:
    policies = PolicySet(identity=[ADMIN], rcps=[[RCP_FULL_AWS_ACCESS, RCP_DENY_ALL]])
    evaluator = Evaluator(policies)
    for action, applies in (("ec2:DescribeInstances", False), ("s3:ListBucket", True)):
        traces = evaluator.explain(Request(USER, action, "*", resource_account=ACCOUNT))
        rcp_traces = [t for t in traces if t.kind == "rcp"]
        assert rcp_traces
        assert all(t.applies is applies for t in rcp_traces), action
