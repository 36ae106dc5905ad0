"""Right-sizing helpers shared by the policy test and the right-sizing tests.

AWS shapes come from the IAM API reference (GetServiceLastAccessedDetails,
TrackedActionLastAccessed) and the IAM Access Analyzer API reference (ListFindingsV2,
GetFindingV2, GenerateFindingRecommendation, GetFindingRecommendation).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.stub import ANY, Stubber

from bot.approvals.journal import CallJournal
from bot.aws.last_accessed import Polling, read_usage
from bot.aws.remediate import RemediationExecutor

ACCOUNT = "123456789012"
REGION = "us-east-1"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
UNUSED_ANALYZER = f"arn:aws:access-analyzer:{REGION}:{ACCOUNT}:analyzer/unused"
JOB = "examplef-1305-c245-eba4-71fe298bcda7"


def ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


def report_entries() -> list[dict[str, Any]]:
    """A COMPLETED ACTION_LEVEL report: s3 tracked per action, sqs per service, ec2 unused."""
    return [
        {
            "ServiceName": "Amazon S3",
            "ServiceNamespace": "s3",
            "LastAuthenticated": ago(3),
            "LastAuthenticatedRegion": REGION,
            "TotalAuthenticatedEntities": 1,
            "TrackedActionsLastAccessed": [
                {"ActionName": "ListAllMyBuckets", "LastAccessedTime": ago(3)},
                {"ActionName": "CreateBucket"},
            ],
        },
        {
            "ServiceName": "Amazon SQS",
            "ServiceNamespace": "sqs",
            "LastAuthenticated": ago(5),
            "TotalAuthenticatedEntities": 1,
        },
        {"ServiceName": "Amazon EC2", "ServiceNamespace": "ec2", "TotalAuthenticatedEntities": 0},
    ]


def stub_last_accessed(stubber: Stubber, arn: str, *, polls_in_progress: int = 1) -> None:
    stubber.add_response(
        "generate_service_last_accessed_details",
        {"JobId": JOB},
        {"Arn": arn, "Granularity": "ACTION_LEVEL"},
    )
    for _ in range(polls_in_progress):
        stubber.add_response(
            "get_service_last_accessed_details",
            {
                "JobStatus": "IN_PROGRESS",
                "JobType": "ACTION_LEVEL",
                "JobCreationDate": NOW,
                # Required by the API model, so present even while the job runs.
                "JobCompletionDate": NOW,
                "ServicesLastAccessed": [],
            },
            {"JobId": JOB},
        )
    stubber.add_response(
        "get_service_last_accessed_details",
        {
            "JobStatus": "COMPLETED",
            "JobType": "ACTION_LEVEL",
            "JobCreationDate": NOW,
            "JobCompletionDate": NOW,
            "ServicesLastAccessed": report_entries(),
            "IsTruncated": False,
        },
        {"JobId": JOB},
    )


def stub_analyzer(stubber: Stubber, arn: str) -> None:
    stubber.add_response(
        "list_analyzers",
        {
            "analyzers": [
                {
                    "arn": UNUSED_ANALYZER,
                    "name": "unused",
                    "type": "ACCOUNT_UNUSED_ACCESS",
                    "createdAt": ago(100),
                    "status": "ACTIVE",
                }
            ]
        },
        {},
    )
    summary = {
        "id": "f-unused-1",
        "resource": arn,
        "resourceType": "AWS::IAM::Role",
        "resourceOwnerAccount": ACCOUNT,
        "status": "ACTIVE",
        "findingType": "UnusedPermission",
        "createdAt": ago(10),
        "updatedAt": ago(1),
        "analyzedAt": ago(1),
    }
    stubber.add_response(
        "list_findings_v2", {"findings": [summary]}, {"analyzerArn": ANY, "filter": ANY}
    )
    stubber.add_response(
        "get_finding_v2",
        {
            **summary,
            "findingDetails": [
                {"unusedPermissionDetails": {"serviceNamespace": "ec2", "lastAccessed": ago(200)}}
            ],
        },
        {"analyzerArn": UNUSED_ANALYZER, "id": "f-unused-1"},
    )
    stubber.add_response(
        "generate_finding_recommendation", {}, {"analyzerArn": UNUSED_ANALYZER, "id": "f-unused-1"}
    )
    stubber.add_response(
        "get_finding_recommendation",
        {
            "startedAt": NOW,
            "resourceArn": arn,
            "recommendationType": "UnusedPermissionRecommendation",
            "status": "SUCCEEDED",
            "recommendedSteps": [
                {
                    "unusedPermissionsRecommendedStep": {
                        "recommendedAction": "DETACH_POLICY",
                        "existingPolicyId": "ANPAEXAMPLE",
                    }
                }
            ],
        },
        {"analyzerArn": UNUSED_ANALYZER, "id": "f-unused-1"},
    )


def stubbed_session(arn: str) -> tuple[boto3.Session, list[Stubber]]:
    """A session whose iam and accessanalyzer clients answer from the stubs above."""
    session = boto3.Session(
        region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test"
    )
    stubbers: list[Stubber] = []

    def stub(client: Any, service: str) -> None:
        stubber = Stubber(client)
        (stub_last_accessed if service == "iam" else stub_analyzer)(stubber, arn)
        stubber.activate()
        stubbers.append(stubber)

    original = session.client

    def client(service: str, *args: Any, **kwargs: Any) -> Any:
        made = original(service, *args, **kwargs)
        stub(made, service)
        return made

    session.client = client  # type: ignore[method-assign]
    return session, stubbers


def record_usage_reads() -> None:
    """Every right-sizing read, through the bot's own clients (for the policy test)."""
    arn = f"arn:aws:iam::{ACCOUNT}:role/app"
    session, stubbers = stubbed_session(arn)
    read_usage(
        session,
        arn,
        created=ago(300),
        now=NOW,
        region=REGION,
        polling=Polling(first_delay=0, max_delay=0, max_wait=5),
        sleep=lambda _s: None,
    )
    for stubber in stubbers:
        stubber.assert_no_pending_responses()


def run_rightsize_remediations(executor: RemediationExecutor) -> list[str]:
    """Apply a right-sizing, its undo, and one that fails and rolls back, against moto."""
    iam = boto3.client("iam", region_name=REGION)
    wide = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:*", "ec2:*"], "Resource": "*"}],
    }
    narrow = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    iam.create_user(UserName="rightsized")
    arn = iam.create_policy(PolicyName="rightsize-me", PolicyDocument=json.dumps(wide))["Policy"][
        "Arn"
    ]
    unused = iam.create_policy(PolicyName="unused-one", PolicyDocument=json.dumps(wide))["Policy"][
        "Arn"
    ]
    # moto has no AWS-managed policies to attach: a customer one stands in for the copy's source.
    pretend = iam.create_policy(PolicyName="pretend-aws", PolicyDocument=json.dumps(wide))[
        "Policy"
    ]["Arn"]
    iam.attach_user_policy(UserName="rightsized", PolicyArn=arn)
    iam.attach_user_policy(UserName="rightsized", PolicyArn=unused)
    iam.attach_user_policy(UserName="rightsized", PolicyArn=pretend)
    iam.put_user_policy(UserName="rightsized", PolicyName="inline", PolicyDocument=json.dumps(wide))
    edits = [
        _edit("managed", "rightsize-me", arn, wide, narrow, "v1"),
        _edit("managed", "unused-one", unused, wide, None, "v1"),
        _edit("inline", "inline", "", wide, narrow, ""),
        {
            **_edit("aws_managed", "pretend-aws", pretend, wide, narrow, "v1"),
            "copy_name": "iam-audit-rightsized-pretend-aws-00000001",
        },
    ]
    target = {"target_kind": "user", "target_name": "rightsized"}
    failed = []
    for remediation, params, should_work in (
        ("rightsize_principal", {**target, "edits": edits}, True),
        ("restore_rightsized_policies", {**target, "edits": edits}, True),
        # The inline policy named here does not exist: the new version is rolled back.
        (
            "rightsize_principal",
            {
                **target,
                "edits": [
                    {**edits[3], "copy_name": "iam-audit-rightsized-pretend-aws-00000002"},
                    edits[0],
                    _edit("inline", "missing", "", wide, narrow, ""),
                ],
            },
            False,
        ),
    ):
        journal: list[dict[str, Any]] = []
        result = executor.apply(
            remediation,
            params,
            request_id="R9",
            requester="U1",
            approver="U2",
            journal=CallJournal(lambda _intent: None, journal.append),
        )
        if result.ok != should_work:
            failed.append(f"{remediation}: {result.outcome}")
        # A reconciliation after a crash judges each call and the whole change from IAM:
        # its reads must be allowed too, and its judgement match what moto holds.
        for call in journal:
            executor.took_effect(call)
        if executor.change_in_effect(remediation, params, journal) != should_work:
            failed.append(f"{remediation}: reconciliation misjudged the outcome")
    return failed


def _edit(
    kind: str, name: str, arn: str, old: dict[str, Any], new: dict[str, Any] | None, version: str
) -> dict[str, Any]:
    return {
        "kind": kind,
        "name": name,
        "arn": arn,
        "old_version": version,
        "old_document": old,
        "new_document": new,
    }
