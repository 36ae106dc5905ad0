"""An AWS Organization in moto with service control policies at every level, for the SCP
tests (tests/integration/test_collect_scps.py, test_organization_scps.py), and small readers of
what the bot read and called."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse

from bot.aws.session import make_client
from tests.aws_call_recorder import RecordedCall

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
REGION = "us-east-1"
MANAGEMENT = "123456789012"  # moto's default account creates the organization
ROLE = "iam-audit-member"
FULL_ACCESS = "p-FullAWSAccess"
SCP = "SERVICE_CONTROL_POLICY"


def deny(*actions: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": list(actions), "Resource": "*"}],
    }


FULL_ACCESS_DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


@dataclass
class Organization:
    """root -> outer OU -> inner OU -> member (one SCP of our own at each level); a second
    member (``other``) directly under the outer OU with an SCP of its own."""

    client: Any
    root: str
    outer: str
    inner: str
    member: str
    other: str
    policies: dict[str, str]  # name -> id


def create_policy(org: Any, name: str, document: dict[str, Any]) -> str:
    answer = org.create_policy(Name=name, Description=name, Type=SCP, Content=json.dumps(document))
    return answer["Policy"]["PolicySummary"]["Id"]


def build_organization(*, enable_scps: bool = True) -> Organization:
    org = boto3.client("organizations", region_name=REGION)  # set-up: not the bot's calls
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    if enable_scps:
        org.enable_policy_type(RootId=root, PolicyType=SCP)
    outer = org.create_organizational_unit(ParentId=root, Name="workloads")
    outer_id = outer["OrganizationalUnit"]["Id"]
    inner = org.create_organizational_unit(ParentId=outer_id, Name="prod")
    inner_id = inner["OrganizationalUnit"]["Id"]
    accounts = []
    for name in ("member", "other"):
        created = org.create_account(Email=f"{name}@example.com", AccountName=name)
        accounts.append(created["CreateAccountStatus"]["AccountId"])
    member, other = accounts
    org.move_account(AccountId=member, SourceParentId=root, DestinationParentId=inner_id)
    org.move_account(AccountId=other, SourceParentId=root, DestinationParentId=outer_id)
    policies = {
        "no-leaving": deny("organizations:LeaveOrganization"),
        "no-regions": deny("ec2:RunInstances"),
        "prod-guard": deny("iam:CreateUser"),
        "member-only": deny("s3:DeleteBucket"),
        "other-only": deny("kms:ScheduleKeyDeletion"),
    }
    ids = {name: create_policy(org, name, document) for name, document in policies.items()}
    for name, target in (
        ("no-leaving", root),
        ("no-regions", outer_id),
        ("prod-guard", inner_id),
        ("member-only", member),
        ("other-only", other),
    ):
        org.attach_policy(PolicyId=ids[name], TargetId=target)
    return Organization(org, root, outer_id, inner_id, member, other, ids)


def organizations(session: boto3.Session) -> Any:
    """The client the bot builds (adaptive retries, its user agent: recorded by the tests)."""
    return make_client(session, "organizations", region=REGION)


def member_session(hub: boto3.Session, account_id: str) -> boto3.Session:
    credentials = hub.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/{ROLE}", RoleSessionName="test"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=REGION,
    )


def names(levels: Any) -> list[list[str]]:
    return [[policy.name for policy in level] for level in levels]


def targets(levels: Any) -> list[set[str]]:
    return [{policy.target for policy in level} for level in levels]


def answer_with_error(session: boto3.Session, operation: str, code: str, status: int) -> None:
    """Every ``operation`` of Organizations on this session fails with ``code``, as AWS says it."""

    def refuse(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        error = {"Code": code, "Message": f"injected {code}"}
        return AWSResponse(None, status, {}, None), {"Error": error, "ResponseMetadata": {}}

    session.events.register(f"before-call.organizations.{operation}", refuse)


def operations(calls: list[RecordedCall]) -> Counter[str]:
    return Counter(call.operation for call in calls if call.service == "organizations")
