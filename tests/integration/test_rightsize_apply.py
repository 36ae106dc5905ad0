"""Applying right-sizings against moto: what changed since the approval is never overwritten,
IAM's five-version quota is respected, and a failed step rolls the earlier ones back."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from bot.aws.remediate import RemediationExecutor

WIDE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:*", "ec2:*"], "Resource": "*"}],
}
NARROW = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
}


@pytest.fixture
def iam() -> Iterator[tuple[boto3.Session, str]]:
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        client = session.client("iam")
        client.create_role(
            RoleName="worker",
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "ec2.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )
        arn = client.create_policy(PolicyName="app", PolicyDocument=json.dumps(WIDE))["Policy"][
            "Arn"
        ]
        client.attach_role_policy(RoleName="worker", PolicyArn=arn)
        client.put_role_policy(
            RoleName="worker", PolicyName="inline", PolicyDocument=json.dumps(WIDE)
        )
        yield session, arn


def params(arn: str, *, version: str = "v1", inline_old: dict = WIDE) -> dict:
    return {
        "target_kind": "role",
        "target_name": "worker",
        "edits": [
            {
                "kind": "managed",
                "name": "app",
                "arn": arn,
                "old_version": version,
                "old_document": WIDE,
                "new_document": NARROW,
            },
            {
                "kind": "inline",
                "name": "inline",
                "arn": "",
                "old_document": inline_old,
                "new_document": NARROW,
            },
        ],
    }


def apply(session: boto3.Session, remediation: str, p: dict):
    return RemediationExecutor(session).apply(
        remediation, p, request_id="R1", requester="U1", approver="U2"
    )


def default_version(session: boto3.Session, arn: str) -> str:
    return session.client("iam").get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]


def test_a_policy_changed_since_the_request_is_not_overwritten(iam) -> None:
    session, arn = iam
    session.client("iam").create_policy_version(
        PolicyArn=arn, PolicyDocument=json.dumps(NARROW), SetAsDefault=True
    )
    result = apply(session, "rightsize_principal", params(arn))
    assert not result.ok
    assert "changed since the request" in result.outcome
    assert default_version(session, arn) == "v2"  # the other person's change stands


def test_an_inline_policy_changed_since_the_request_rolls_back_the_new_version(iam) -> None:
    session, arn = iam
    result = apply(session, "rightsize_principal", params(arn, inline_old=NARROW))
    assert not result.ok
    assert "inline policy inline of role worker changed" in result.outcome
    assert default_version(session, arn) == "v1"
    versions = session.client("iam").list_policy_versions(PolicyArn=arn)["Versions"]
    assert [v["VersionId"] for v in versions] == ["v1"]  # the new version was deleted
    rolled_back = [c.api for c in result.calls if c.rollback]
    assert rolled_back == ["SetDefaultPolicyVersion", "DeletePolicyVersion"]


def test_the_five_version_quota_is_refused_with_the_fix(iam) -> None:
    session, arn = iam
    client = session.client("iam")
    for _ in range(4):
        client.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(WIDE))
    result = apply(session, "rightsize_principal", params(arn))
    assert not result.ok
    assert "already has 5 versions" in result.outcome
    assert "DeletePolicyVersion" in result.outcome


def test_apply_then_restore_round_trips(iam) -> None:
    session, arn = iam
    assert apply(session, "rightsize_principal", params(arn)).ok
    assert default_version(session, arn) == "v2"
    assert apply(session, "restore_rightsized_policies", params(arn)).ok
    assert default_version(session, arn) == "v1"
    inline = session.client("iam").get_role_policy(RoleName="worker", PolicyName="inline")
    assert inline["PolicyDocument"] == WIDE
