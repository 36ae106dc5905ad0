"""Demo data for right-sizing: what the demo account's principals used, served through the real
adapter (bot/aws/last_accessed.py).

moto has neither IAM's last-accessed reports nor Access Analyzer's recommendations, so the demo
answers GenerateServiceLastAccessedDetails, GetServiceLastAccessedDetails (IN_PROGRESS on the
first poll, then COMPLETED, as AWS does), GenerateFindingRecommendation and
GetFindingRecommendation with botocore ``before-call`` handlers, in the shapes AWS documents.
Everything here is demo data; the other Access Analyzer calls are answered by
bot/aws/demo_analyzer.py (its unused-access finding on lambda-processor is used here too).

What it plants (days ago; None = not used in the tracking period):
- role lambda-processor: iam used, iam:ListPolicies yes, iam:CreatePolicyVersion never -> the
  proposal removes the escalation path.
- user kate.notaction: an Allow with NotAction; s3 (some tracked actions unused) and dynamodb
  used, nothing else -> the NotAction becomes the used services.
- role legacy-batch-role: kms last used 200 days ago, cloudtrail never -> nothing is left,
  the policy is detached.
- role partner-audit-role (AWS-managed ReadOnlyAccess): s3, ec2 and cloudwatch used ->
  with --copy-aws-managed, a scoped customer-managed copy replaces it.
- user ci-deployer and user bob.console: everything they are allowed was used -> nothing to do.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import boto3
import botocore.session
from botocore.awsrequest import AWSResponse

from bot.aws.demo_analyzer import DEMO_ACCOUNT_ID, DEMO_HOME_REGION, install_demo_access_analyzer

IAM_SERVICE = "iam"
ANALYZER_SERVICE = "accessanalyzer"

# principal (kind/name) -> service namespace -> (days ago or None, tracked actions or None)
DemoServices = dict[str, tuple[int | None, dict[str, int | None] | None]]

DEMO_USAGE: dict[str, DemoServices] = {
    "role/lambda-processor": {
        "iam": (1, {"ListPolicies": 1, "CreatePolicyVersion": None}),
    },
    "user/kate.notaction": {
        "s3": (
            4,
            {
                "ListAllMyBuckets": 4,
                "GetBucketLocation": 4,
                "CreateBucket": None,
                "DeleteBucket": None,
                "PutBucketPolicy": None,
                "DeleteBucketPolicy": None,
            },
        ),
        "dynamodb": (10, None),
        "ec2": (None, {"RunInstances": None, "DescribeInstances": None}),
        "lambda": (None, {"CreateFunction": None, "InvokeFunction": None}),
        "sts": (None, None),
    },
    "role/legacy-batch-role": {
        "kms": (200, {"Decrypt": 200, "CreateKey": None, "ScheduleKeyDeletion": None}),
        "cloudtrail": (None, None),
    },
    "user/ci-deployer": {
        "iam": (0, {}),
        "ec2": (0, None),
    },
    # ReadOnlyAccess (AWS-managed): three services used; "*" = every other service AWS knows,
    # reported as not used (AWS lists every service a principal's policies allow).
    "role/partner-audit-role": {
        "s3": (2, None),
        "ec2": (5, None),
        "cloudwatch": (5, None),
        "*": (None, None),
    },
    "user/bob.console": {
        "sqs": (10, None),
        "s3": (2, {"ListAllMyBuckets": 2}),
        "secretsmanager": (3, None),
        "kms": (3, {"Decrypt": 3}),
    },
}

_SERVICE_NAMES = {
    "iam": "AWS Identity and Access Management",
    "s3": "Amazon S3",
    "dynamodb": "Amazon DynamoDB",
    "ec2": "Amazon EC2",
    "lambda": "AWS Lambda",
    "sts": "AWS Security Token Service",
    "kms": "AWS Key Management Service",
    "cloudtrail": "AWS CloudTrail",
    "sqs": "Amazon SQS",
    "secretsmanager": "AWS Secrets Manager",
}


def _with_rest(services: DemoServices) -> list[tuple[str, tuple[int | None, Any]]]:
    """The services, with "*" replaced by every other service of the action catalogue."""
    listed = {k: v for k, v in services.items() if k != "*"}
    if "*" in services:
        from bot.iam.catalogue import default_catalogue  # noqa: PLC0415 - only when needed

        for namespace in default_catalogue().services():
            listed.setdefault(namespace, services["*"])
    return list(listed.items())


class EventRegistry(Protocol):
    def register(self, event_name: str, handler: Callable[..., Any]) -> None: ...


@dataclass
class _DemoLastAccessed:
    now: datetime
    usage: dict[str, DemoServices] = field(default_factory=lambda: DEMO_USAGE)
    jobs: dict[str, str] = field(default_factory=dict)  # job id -> principal key
    polled: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)

    def remember(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["demo_usage_params"] = dict(params)

    def answer(self, model: Any, context: dict[str, Any], **_: Any) -> Any:
        handler = {
            "GenerateServiceLastAccessedDetails": self._generate,
            "GetServiceLastAccessedDetails": self._get,
            "GenerateFindingRecommendation": self._generate_recommendation,
            "GetFindingRecommendation": self._get_recommendation,
        }.get(model.name)
        if handler is None:
            return None  # not ours: moto or the demo analyzer answers
        self.calls.append(model.name)
        body = handler(context.get("demo_usage_params", {}))
        return AWSResponse(None, 200, {}, None), {
            **body,
            "ResponseMetadata": {"RequestId": f"demo-{len(self.calls)}", "HTTPStatusCode": 200},
        }

    def _ago(self, days: int | None) -> datetime | None:
        return None if days is None else self.now - timedelta(days=days)

    def _generate(self, params: dict[str, Any]) -> dict[str, Any]:
        arn = str(params.get("Arn") or "")
        key = arn.split(":", 5)[-1]
        key = key.split("/", 1)[0] + "/" + key.rsplit("/", 1)[-1]
        job = hashlib.sha256(f"{arn}{len(self.jobs)}".encode()).hexdigest()[:36]
        self.jobs[job] = key
        return {"JobId": job}

    def _get(self, params: dict[str, Any]) -> dict[str, Any]:
        job = str(params.get("JobId") or "")
        if job not in self.jobs:
            return {
                "JobStatus": "FAILED",
                "JobCreationDate": self.now,
                "Error": {"Code": "NoSuchEntity", "Message": "the iam-audit demo has no such job"},
            }
        base = {
            "JobStatus": "IN_PROGRESS",
            "JobType": "ACTION_LEVEL",
            "JobCreationDate": self.now,
            "JobCompletionDate": self.now,  # required by the API model
        }
        if job not in self.polled:  # AWS needs a moment: the first poll is still running
            self.polled.add(job)
            return base
        entries = []
        for namespace, (days, actions) in sorted(_with_rest(self.usage.get(self.jobs[job], {}))):
            entry: dict[str, Any] = {
                "ServiceName": _SERVICE_NAMES.get(namespace, namespace),
                "ServiceNamespace": namespace,
                "TotalAuthenticatedEntities": 0 if days is None else 1,
            }
            if days is not None:
                entry["LastAuthenticated"] = self._ago(days)
                entry["LastAuthenticatedRegion"] = DEMO_HOME_REGION
                entry["LastAuthenticatedEntity"] = f"arn:aws:iam::{DEMO_ACCOUNT_ID}:demo"
            if actions is not None:
                tracked = []
                for action, used in sorted(actions.items()):
                    item: dict[str, Any] = {"ActionName": action}
                    if used is not None:
                        item["LastAccessedTime"] = self._ago(used)
                        item["LastAccessedRegion"] = DEMO_HOME_REGION
                    tracked.append(item)
                entry["TrackedActionsLastAccessed"] = tracked
            entries.append(entry)
        return {
            **base,
            "JobStatus": "COMPLETED",
            "JobCompletionDate": self.now,
            "ServicesLastAccessed": entries,
            "IsTruncated": False,
        }

    def _generate_recommendation(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {}

    def _get_recommendation(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "resourceArn": f"arn:aws:iam::{DEMO_ACCOUNT_ID}:role/lambda-processor",
            "recommendationType": "UnusedPermissionRecommendation",
            "status": "SUCCEEDED",
            "startedAt": self.now,
            "completedAt": self.now,
            "recommendedSteps": [
                {
                    "unusedPermissionsRecommendedStep": {
                        "recommendedAction": "CREATE_POLICY",
                        "existingPolicyId": f"demo-{params.get('id', '')}",
                        "recommendedPolicy": '{"Version":"2012-10-17","Statement":[{"Effect":'
                        '"Allow","Action":"iam:ListPolicies","Resource":"*"}]}',
                    }
                }
            ],
        }


def install_demo_usage(events: EventRegistry, now: datetime) -> None:
    """Answer the right-sizing reads made through ``events`` with the demo data."""
    demo = _DemoLastAccessed(now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC))
    for service in (IAM_SERVICE, ANALYZER_SERVICE):
        events.register(f"provide-client-params.{service}", demo.remember)
    for operation in ("GenerateServiceLastAccessedDetails", "GetServiceLastAccessedDetails"):
        events.register(f"before-call.{IAM_SERVICE}.{operation}", demo.answer)
    for operation in ("GenerateFindingRecommendation", "GetFindingRecommendation"):
        events.register(f"before-call.{ANALYZER_SERVICE}.{operation}", demo.answer)


def demo_usage_session(now: datetime) -> boto3.Session:
    """A session whose right-sizing reads are all answered by demo data; nothing is sent.

    It ignores the caller's AWS profile and config files, like the demo's Access Analyzer."""
    core = botocore.session.Session()
    core.get_component("config_store").set_config_variable("profile", None)
    core.set_config_variable("config_file", os.devnull)
    core.set_config_variable("credentials_file", os.devnull)
    install_demo_usage(core, now)
    install_demo_access_analyzer(core, now)
    return boto3.Session(
        aws_access_key_id="demo",
        aws_secret_access_key="demo",  # the demo's fake key: nothing is ever sent
        region_name=DEMO_HOME_REGION,
        botocore_session=core,
    )
