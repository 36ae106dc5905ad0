"""A moto AWS Organization for the multi-account tests, and a way to make one role unassumable.

moto's STS AssumeRole succeeds for any role ARN, so the account whose role "cannot be assumed"
gets its refusal from a botocore ``before-call`` handler on the hub session, answering the way STS
does (403 AccessDenied) for that one role ARN; every other account is really entered through
moto's multi-account support (the assumed credentials carry the member account id).
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.awsrequest import AWSResponse

ROLE = "iam-audit-member"
EXTERNAL_ID = "iam-audit-test-external-id"
REGION = "us-east-1"


class RefuseAssumeRole:
    """Answers AssumeRole with AccessDenied for the listed accounts; records every request."""

    def __init__(self, refused: set[str]) -> None:
        self.refused = refused
        self.requests: list[dict[str, Any]] = []

    def __call__(self, params: dict[str, Any], **_: Any) -> Any:
        body = params.get("body") or {}
        self.requests.append(dict(body))
        account = str(body.get("RoleArn", "")).split(":")[4:5]
        if account and account[0] in self.refused:
            response = AWSResponse("https://sts.amazonaws.com/", 403, {}, None)
            error = {
                "Error": {
                    "Code": "AccessDenied",
                    "Message": "User is not authorized to perform: sts:AssumeRole",
                },
                "ResponseMetadata": {"HTTPStatusCode": 403},
            }
            return response, error
        return None


def member_user(index: int) -> str:
    """The IAM user created in the ``index``-th member account."""
    return f"user-of-member-{index}"


def create_organization(hub: boto3.Session, members: int = 3) -> list[tuple[str, boto3.Session]]:
    """Inside ``mock_aws``: an organization managed from ``hub`` with ``members`` member accounts,
    each holding one IAM user (:func:`member_user`). Returns (account id, session in it) pairs,
    so a test can add what it needs to each member."""
    client = hub.client("organizations")
    client.create_organization(FeatureSet="ALL")
    accounts = [
        client.create_account(Email=f"member{index}@example.com", AccountName=f"member-{index}")[
            "CreateAccountStatus"
        ]["AccountId"]
        for index in range(members)
    ]
    sts = hub.client("sts")
    created = []
    for index, account in enumerate(accounts):
        credentials = sts.assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="setup"
        )["Credentials"]
        member = boto3.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=REGION,
        )
        member.client("iam").create_user(UserName=member_user(index))
        created.append((account, member))
    return created
