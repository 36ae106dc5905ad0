"""An AWS Organization in moto with service control policies at every level (and, when asked,
resource control policies), for the SCP and RCP tests (tests/integration/test_collect_scps.py,
test_collect_rcps.py, test_organization_scps.py), small readers of what the bot read and called,
and Organizations' answers as AWS gives them, for botocore's Stubber."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber

from bot.aws.session import make_client
from tests.aws_call_recorder import RecordedCall

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
REGION = "us-east-1"
MANAGEMENT = "123456789012"  # moto's default account creates the organization
ROLE = "iam-audit-member"
FULL_ACCESS = "p-FullAWSAccess"
SCP = "SERVICE_CONTROL_POLICY"
RCP_FULL_ACCESS = "p-RCPFullAWSAccess"
RCP = "RESOURCE_CONTROL_POLICY"


def deny(*actions: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": list(actions), "Resource": "*"}],
    }


FULL_ACCESS_DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
RCP_FULL_ACCESS_DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
}


def deny_outsiders(*actions: str) -> dict[str, Any]:
    """An RCP: principals outside the organization may not call ``actions`` on its resources."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": list(actions),
                "Resource": "*",
                "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-abcdefghij"}},
            }
        ],
    }


@dataclass
class Organization:
    """root -> outer OU -> inner OU -> member (one SCP of our own at each level); a second
    member (``other``) directly under the outer OU with an SCP of its own. With RCPs: one of
    ours at the root, the outer OU, the member and ``other`` (none at the inner OU)."""

    client: Any
    root: str
    outer: str
    inner: str
    member: str
    other: str
    policies: dict[str, str]  # name -> id


def create_policy(org: Any, name: str, document: dict[str, Any], kind: str = SCP) -> str:
    answer = org.create_policy(Name=name, Description=name, Type=kind, Content=json.dumps(document))
    return answer["Policy"]["PolicySummary"]["Id"]


def build_organization(*, enable_scps: bool = True, enable_rcps: bool = False) -> Organization:
    org = boto3.client("organizations", region_name=REGION)  # set-up: not the bot's calls
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    if enable_scps:
        org.enable_policy_type(RootId=root, PolicyType=SCP)
    if enable_rcps:
        org.enable_policy_type(RootId=root, PolicyType=RCP)
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
    if enable_rcps:
        for name, target, actions in (
            ("rcp-root", root, ("s3:GetObject",)),
            ("rcp-outer", outer_id, ("sqs:SendMessage",)),
            ("rcp-member", member, ("kms:Decrypt",)),
            ("rcp-other", other, ("secretsmanager:GetSecretValue",)),
        ):
            ids[name] = create_policy(org, name, deny_outsiders(*actions), RCP)
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


# --- Organizations' answers as AWS gives them (botocore's Stubber) ------------------------------

ORG_ID = "o-abcdefghij"
ROOT_ID = "r-abcd"
OU_ID = "ou-abcd-11111111"
MEMBER = "210987654321"
ORGANIZATION_ARN = f"arn:aws:organizations::{MANAGEMENT}"
# The segment of a policy's ARN that names its type.
ARN_TYPES = {SCP: "service_control_policy", RCP: "resource_control_policy"}


def stubbed() -> tuple[Any, Stubber]:
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    client = organizations(session)
    return client, Stubber(client)


def organization_answer(management: str = MANAGEMENT) -> dict[str, Any]:
    arn = f"arn:aws:organizations::{management}"
    return {
        "Organization": {
            "Id": ORG_ID,
            "Arn": f"{arn}:organization/{ORG_ID}",
            "FeatureSet": "ALL",
            "MasterAccountArn": f"{arn}:account/{ORG_ID}/{management}",
            "MasterAccountId": management,
            "MasterAccountEmail": "admin@example.com",
        }
    }


def roots_answer(*policy_types: tuple[str, str]) -> dict[str, Any]:
    root = {
        "Id": ROOT_ID,
        "Arn": f"arn:aws:organizations::{MANAGEMENT}:root/{ORG_ID}/{ROOT_ID}",
        "Name": "Root",
        "PolicyTypes": [{"Type": kind, "Status": status} for kind, status in policy_types],
    }
    return {"Roots": [root]}


def summary(policy_id: str, name: str, kind: str = SCP) -> dict[str, Any]:
    """A policy's summary; AWS-managed policies have an ARN without the organization."""
    managed = policy_id in (FULL_ACCESS, RCP_FULL_ACCESS)
    owner = (
        "arn:aws:organizations::aws:policy" if managed else f"{ORGANIZATION_ARN}:policy/{ORG_ID}"
    )
    return {
        "Id": policy_id,
        "Arn": f"{owner}/{ARN_TYPES[kind]}/{policy_id}",
        "Name": name,
        "Description": "",
        "Type": kind,
        "AwsManaged": managed,
    }


def described(policy_id: str, name: str, content: str, kind: str = SCP) -> dict[str, Any]:
    return {"Policy": {"PolicySummary": summary(policy_id, name, kind), "Content": content}}
