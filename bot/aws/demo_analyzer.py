"""Demo data for IAM Access Analyzer, served through the real collector.

moto has no Access Analyzer, so the demo answers ListAnalyzers, ListFindingsV2 and GetFindingV2
itself with botocore ``before-call`` handlers: the collector, its pagination-free reading, the
status filter and the detail normalisation run exactly as against AWS. Everything here is demo
data, clearly marked: ids start with ``demo-``, the analyzers are named ``demo-...``.

The demo account has, in us-east-1, an ACCOUNT analyzer and an unused-access analyzer with
findings of every external and unused type (one external finding is ARCHIVED, to show
``--status archived``); eu-west-1 is audited too and has no analyzer (analyzer.disabled fires).
The findings name the demo account's own planted problems (public-trust-role, dave.stale-key ...).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import botocore.session
from botocore.awsrequest import AWSResponse

from bot.aws.access_analyzer import (
    SERVICE,
    AccessAnalyzerData,
    AnalyzerScope,
    collect_access_analyzer,
)
from bot.aws.session import client_config

DEMO_ACCOUNT_ID = "123456789012"
PARTNER_ACCOUNT_ID = "999988887777"
GUARDED_PARTNER_ACCOUNT_ID = "444455556666"
DEMO_HOME_REGION = "us-east-1"
DEMO_ANALYZER_REGIONS: tuple[str, ...] = ("us-east-1", "eu-west-1")


class EventRegistry(Protocol):
    def register(self, event_name: str, handler: Callable[..., Any]) -> None: ...


def _iam(kind: str, name: str) -> str:
    return f"arn:aws:iam::{DEMO_ACCOUNT_ID}:{kind}/{name}"


def _analyzer_arn(name: str, region: str = DEMO_HOME_REGION) -> str:
    return f"arn:aws:access-analyzer:{region}:{DEMO_ACCOUNT_ID}:analyzer/{name}"


@dataclass(frozen=True)
class DemoAnalyzer:
    name: str
    type: str
    region: str
    created_days_ago: int
    unused_access_age: int | None = None


@dataclass(frozen=True)
class DemoFinding:
    id: str
    analyzer: str
    finding_type: str
    resource: str
    resource_type: str
    created_days_ago: int
    details: tuple[dict[str, Any], ...] = ()  # GetFindingV2 findingDetails, days as ints
    status: str = "ACTIVE"
    why: str = ""


ANALYZERS: tuple[DemoAnalyzer, ...] = (
    DemoAnalyzer("demo-account-analyzer", "ACCOUNT", DEMO_HOME_REGION, 400),
    DemoAnalyzer(
        "demo-unused-access", "ACCOUNT_UNUSED_ACCESS", DEMO_HOME_REGION, 120, unused_access_age=90
    ),
)


def _external(principal: dict[str, str], actions: list[str], *, public: bool = False, **cond):
    return {
        "externalAccessDetails": {
            "action": actions,
            "condition": dict(cond.get("condition", {})),
            "isPublic": public,
            "principal": principal,
            "sources": [{"type": "POLICY"}],
        }
    }


FINDINGS: tuple[DemoFinding, ...] = (
    DemoFinding(
        "demo-0001-public-trust-role",
        "demo-account-analyzer",
        "ExternalAccess",
        _iam("role", "public-trust-role"),
        "AWS::IAM::Role",
        90,
        (_external({"AWS": "*"}, ["sts:AssumeRole"], public=True),),
        why="a role any AWS principal can assume",
    ),
    DemoFinding(
        "demo-0002-partner-audit-role",
        "demo-account-analyzer",
        "ExternalAccess",
        _iam("role", "partner-audit-role"),
        "AWS::IAM::Role",
        250,
        (_external({"AWS": f"arn:aws:iam::{PARTNER_ACCOUNT_ID}:root"}, ["sts:AssumeRole"]),),
        why="cross-account trust without an ExternalId",
    ),
    DemoFinding(
        "demo-0003-reports-bucket",
        "demo-account-analyzer",
        "ExternalAccess",
        "arn:aws:s3:::example-reports-bucket",
        "AWS::S3::Bucket",
        60,
        (
            _external(
                {"AWS": f"arn:aws:iam::{PARTNER_ACCOUNT_ID}:root"},
                ["s3:GetObject", "s3:ListBucket"],
                condition={"aws:SourceIp": "203.0.113.0/24"},
            ),
        ),
        why="a bucket shared with the partner account from one network",
    ),
    DemoFinding(
        "demo-0004-partner-guarded-role",
        "demo-account-analyzer",
        "ExternalAccess",
        _iam("role", "partner-guarded-role"),
        "AWS::IAM::Role",
        280,
        (
            _external(
                {"AWS": f"arn:aws:iam::{GUARDED_PARTNER_ACCOUNT_ID}:root"},
                ["sts:AssumeRole"],
                condition={"sts:ExternalId": "demo-external-id-7f3a"},
            ),
        ),
        status="ARCHIVED",
        why="intended sharing, archived (shown with --status archived)",
    ),
    DemoFinding(
        "demo-0005-dave-key",
        "demo-unused-access",
        "UnusedIAMUserAccessKey",
        _iam("user", "dave.stale-key"),
        "AWS::IAM::User",
        100,
        ({"unusedIamUserAccessKeyDetails": {"accessKeyId": "DEMO-KEY-DAVE-STALE", "days": 200}},),
        why="an access key unused for 200 days",
    ),
    DemoFinding(
        "demo-0006-legacy-batch-role",
        "demo-unused-access",
        "UnusedIAMRole",
        _iam("role", "legacy-batch-role"),
        "AWS::IAM::Role",
        100,
        ({"unusedIamRoleDetails": {"days": 200}},),
        why="a role unused for 200 days",
    ),
    DemoFinding(
        "demo-0007-grace-password",
        "demo-unused-access",
        "UnusedIAMUserPassword",
        _iam("user", "grace.inactive"),
        "AWS::IAM::User",
        50,
        ({"unusedIamUserPasswordDetails": {"days": 150}},),
        why="a console password unused for 150 days",
    ),
    DemoFinding(
        "demo-0008-lambda-processor-iam",
        "demo-unused-access",
        "UnusedPermission",
        _iam("role", "lambda-processor"),
        "AWS::IAM::Role",
        40,
        (
            {
                "unusedPermissionDetails": {
                    "serviceNamespace": "iam",
                    "actions": [{"action": "iam:CreatePolicyVersion"}],
                }
            },
        ),
        why="iam:CreatePolicyVersion granted and never used",
    ),
)


# --- answering the API -------------------------------------------------------------------------


@dataclass
class _DemoAccessAnalyzer:
    now: datetime
    analyzers: tuple[DemoAnalyzer, ...] = ANALYZERS
    findings: tuple[DemoFinding, ...] = FINDINGS
    calls: list[str] = field(default_factory=list)

    def ago(self, days: int) -> datetime:
        return self.now - timedelta(days=days)

    def remember(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["demo_access_analyzer_params"] = dict(params)

    def answer(self, model: Any, context: dict[str, Any], request_signer: Any, **_: Any) -> Any:
        operation = model.name
        params = context.get("demo_access_analyzer_params", {})
        region = request_signer.region_name
        self.calls.append(f"{operation}@{region}")
        handler = {
            "ListAnalyzers": self._list_analyzers,
            "ListFindingsV2": self._list_findings,
            "GetFindingV2": self._get_finding,
        }.get(operation)
        if handler is None:
            error = {
                "Code": "ValidationException",
                "Message": f"the iam-audit demo does not answer {operation}",
            }
            return AWSResponse(None, 400, {}, None), {"Error": error, "ResponseMetadata": {}}
        return AWSResponse(None, 200, {}, None), handler(params, region)

    def _list_analyzers(self, _params: dict[str, Any], region: str) -> dict[str, Any]:
        items = []
        for analyzer in self.analyzers:
            if analyzer.region != region:
                continue
            item: dict[str, Any] = {
                "arn": _analyzer_arn(analyzer.name, analyzer.region),
                "name": analyzer.name,
                "type": analyzer.type,
                "createdAt": self.ago(analyzer.created_days_ago),
                "status": "ACTIVE",
                "tags": {"iam-audit": "demo data"},
            }
            if analyzer.unused_access_age is not None:
                item["configuration"] = {
                    "unusedAccess": {"unusedAccessAge": analyzer.unused_access_age}
                }
            items.append(item)
        return {"analyzers": items}

    def _matching(self, params: dict[str, Any]) -> list[DemoFinding]:
        statuses = ((params.get("filter") or {}).get("status") or {}).get("eq") or []
        return [
            finding
            for finding in self.findings
            if _analyzer_arn(finding.analyzer) == params.get("analyzerArn")
            and (not statuses or finding.status in statuses)
        ]

    def _summary(self, finding: DemoFinding) -> dict[str, Any]:
        return {
            "analyzedAt": self.ago(1),
            "createdAt": self.ago(finding.created_days_ago),
            "id": finding.id,
            "resource": finding.resource,
            "resourceType": finding.resource_type,
            "resourceOwnerAccount": DEMO_ACCOUNT_ID,
            "status": finding.status,
            "updatedAt": self.ago(min(finding.created_days_ago, 3)),
            "findingType": finding.finding_type,
        }

    def _list_findings(self, params: dict[str, Any], _region: str) -> dict[str, Any]:
        return {"findings": [self._summary(f) for f in self._matching(params)]}

    def _get_finding(self, params: dict[str, Any], _region: str) -> dict[str, Any]:
        found = next(f for f in self.findings if f.id == params.get("id"))
        return {**self._summary(found), "findingDetails": [self._dated(d) for d in found.details]}

    def _dated(self, detail: dict[str, Any]) -> dict[str, Any]:
        """Turn the demo's ``days`` (ago) into the ``lastAccessed`` timestamps AWS sends."""
        (kind, body), *_ = detail.items()
        body = dict(body)
        days = body.pop("days", None)
        if days is not None:
            body["lastAccessed"] = self.ago(days)
        return {kind: body}


def install_demo_access_analyzer(events: EventRegistry, now: datetime) -> None:
    """Answer Access Analyzer calls made through ``events`` (a boto3 or botocore session's)
    with the demo data, aged relative to ``now``."""
    demo = _DemoAccessAnalyzer(now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC))
    events.register(f"provide-client-params.{SERVICE}", demo.remember)
    events.register(f"before-call.{SERVICE}", demo.answer)


def demo_access_analyzer_data(
    now: datetime, scope: AnalyzerScope | None = None
) -> AccessAnalyzerData:
    """The demo's Access Analyzer, read by the real collector; no AWS account is involved.

    The session ignores the caller's AWS profile and config files, so the demo behaves the same
    on every machine; every call is answered before anything is sent.
    """
    session = botocore.session.Session()
    # The config store's override wins over AWS_PROFILE (a session variable of None would not).
    session.get_component("config_store").set_config_variable("profile", None)
    session.set_config_variable("config_file", os.devnull)
    session.set_config_variable("credentials_file", os.devnull)
    install_demo_access_analyzer(session, now)
    chosen = scope or AnalyzerScope()
    if chosen.regions is None:
        chosen = dataclasses.replace(chosen, regions=DEMO_ANALYZER_REGIONS)

    def client(service: str, region: str) -> Any:
        return session.create_client(
            service,
            region_name=region,
            aws_access_key_id="demo",
            aws_secret_access_key="demo",  # the demo's fake key: nothing is ever sent
            config=client_config(),
        )

    return collect_access_analyzer(
        scope=chosen, home_region=DEMO_HOME_REGION, client_factory=client
    )
