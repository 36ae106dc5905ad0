"""The role session's condition keys and AWS's EC2-credentials SCP, through the linter.

- IAM User Guide, "AWS global condition context keys", "Properties of the role session":
  ec2:RoleDelivery, ec2:SourceInstanceArn, glue:RoleAssumedBy, glue:CredentialIssuingService,
  codebuild:BuildArn, codebuild:ProjectArn, lambda:SourceFunctionArn, ssm:SourceInstanceArn and
  identitystore:UserId are in every request the session's credentials sign, whatever the
  service, and aws:SignInSessionArn is a global key. ssm:SourceInstanceArn on an S3 action was
  a MEDIUM "this Allow grants nothing"; aws:SignInSessionArn an unknown key.
- AWS Security Blog, "How to use policies to restrict where EC2 instance credentials can be
  used from" (2023): an SCP of two Denies, one comparing aws:ec2InstanceSourceVPC with
  ${aws:SourceVpc}, one aws:ec2InstanceSourcePrivateIPv4 with ${aws:VpcSourceIp} under
  StringNotEquals (IpAddress operators take no policy variable). The second was a MEDIUM type
  mismatch and a MEDIUM missing pair, though its pair is the first Deny.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.catalogue import ActionCatalogue, default_catalogue
from bot.iam.lint_model import LintFinding
from bot.iam.linter import lint_policy

EC2_ONLY = {
    "Null": {"ec2:SourceInstanceARN": "false"},
    "BoolIfExists": {"aws:ViaAWSService": "false"},
}
VPC_DENY = {
    "Sid": "AllowEC2InstanceCredentialsFromTheirVPC",
    "Effect": "Deny",
    "Action": "*",
    "Resource": "*",
    "Condition": {"StringNotEquals": {"aws:ec2InstanceSourceVPC": "${aws:SourceVpc}"}, **EC2_ONLY},
}
IP_DENY = {
    "Sid": "AllowEC2InstanceCredentialsFromTheirIP",
    "Effect": "Deny",
    "Action": "*",
    "Resource": "*",
    "Condition": {
        "StringNotEquals": {"aws:ec2InstanceSourcePrivateIPv4": "${aws:VpcSourceIp}"},
        **EC2_ONLY,
    },
}
INSTANCE = "arn:aws:ec2:us-east-1:111122223333:instance/i-0123456789abcdef0"
FUNCTION = "arn:aws:lambda:us-east-1:111122223333:function:f"


@pytest.fixture(scope="module")
def catalogue() -> ActionCatalogue:
    return default_catalogue()


def _lint(catalogue: ActionCatalogue, *statements: dict[str, Any]) -> list[LintFinding]:
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    return lint_policy(document, catalogue=catalogue, policy_type="identity")


def _codes(findings: list[LintFinding]) -> list[str]:
    return [f.code for f in findings]


def test_the_blog_scp_lints_clean(catalogue: ActionCatalogue) -> None:
    assert _codes(_lint(catalogue, VPC_DENY, IP_DENY)) == []


def test_a_deny_on_the_address_alone_still_misses_its_pair(catalogue: ActionCatalogue) -> None:
    (found,) = _lint(catalogue, IP_DENY)
    assert found.code == "MISSING_PAIRED_KEY"
    assert found.detail["paired_with"] == ["aws:Ec2InstanceSourceVpc"]


def test_an_allow_needs_its_pair_in_itself(catalogue: ActionCatalogue) -> None:
    """Allows are alternatives: a pair in another Allow does not narrow this one."""
    by_ip = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::reports/*",
        "Condition": {"IpAddress": {"aws:VpcSourceIp": "10.0.0.0/16"}},
    }
    by_vpc = {**by_ip, "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1a2b3c4d"}}}
    assert "MISSING_PAIRED_KEY" in _codes(_lint(catalogue, by_ip, by_vpc))
    both = {
        **by_ip,
        "Condition": {
            "IpAddress": {"aws:VpcSourceIp": "10.0.0.0/16"},
            "StringEquals": {"aws:SourceVpc": "vpc-1a2b3c4d"},
        },
    }
    assert _codes(_lint(catalogue, both)) == []


def test_a_string_operator_on_an_address_key_needs_a_variable(
    catalogue: ActionCatalogue,
) -> None:
    literal = {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:SourceIp": "203.0.113.10"}},
    }
    (found,) = _lint(catalogue, literal)
    assert found.code == "CONDITION_TYPE_MISMATCH"
    assert found.detail["kind"] == "operator"
    mixed = {
        **literal,
        "Condition": {"StringNotEquals": {"aws:SourceIp": ["${aws:VpcSourceIp}", "203.0.113.10"]}},
    }
    assert _codes(_lint(catalogue, mixed)) == ["CONDITION_TYPE_MISMATCH"]


@pytest.mark.parametrize(
    ("operator", "key", "value"),
    [
        ("ArnEquals", "ec2:SourceInstanceArn", INSTANCE),
        ("NumericGreaterThanEquals", "ec2:RoleDelivery", "2.0"),
        ("StringEquals", "glue:RoleAssumedBy", "glue.amazonaws.com"),
        ("StringEquals", "glue:CredentialIssuingService", "glue.amazonaws.com"),
        ("ArnLike", "codebuild:BuildArn", "arn:aws:codebuild:us-east-1:111122223333:build/p:*"),
        ("ArnEquals", "codebuild:ProjectArn", "arn:aws:codebuild:us-east-1:111122223333:project/p"),
        (
            "ArnEquals",
            "lambda:SourceFunctionArn",
            "arn:aws:lambda:us-east-1:111122223333:function:f",
        ),
        ("ArnEquals", "ssm:SourceInstanceArn", INSTANCE),
        ("StringEquals", "identitystore:UserId", "906745a1-1234-5678-9abc-def012345678"),
        ("ArnLike", "aws:SignInSessionArn", "arn:aws:signin:*"),
    ],
)
def test_role_session_keys_apply_to_every_service(
    catalogue: ActionCatalogue, operator: str, key: str, value: str
) -> None:
    statement = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::reports/*",
        "Condition": {operator: {key: value}},
    }
    assert _codes(_lint(catalogue, statement)) == []


def test_a_service_key_on_another_service_is_still_reported(catalogue: ActionCatalogue) -> None:
    """The control: a key of DynamoDB's own requests on an S3 action never holds."""
    statement = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::reports/*",
        "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": "${aws:userid}"}},
    }
    assert "CONDITION_KEY_UNSUPPORTED" in _codes(_lint(catalogue, statement))
