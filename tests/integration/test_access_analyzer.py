"""The Access Analyzer collector against botocore's Stubber (moto has no Access Analyzer).

Stubber checks every request and response against the real service model, so the shapes here
are the service's. Stubbed answers bypass botocore's retry machinery, so throttling is tested
one level lower: `before-send` hands back raw HTTP answers (429, then 200) which the real parser
and the real retry handler process, with the backoff delay set to zero.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.retries.standard import ExponentialBackoff
from botocore.stub import Stubber
from moto import mock_aws

from bot.audit.analyzer_view import FINDING_TYPES, last_accessed, principals
from bot.aws.access_analyzer import (
    AnalyzerScope,
    collect_access_analyzer,
    session_client_factory,
)
from bot.aws.collect import collect_snapshot
from bot.aws.session import make_session
from bot.model.errors import CollectionError
from bot.model.snapshot import CollectionIssue
from tests.factories import ANALYZER_API_TIME
from tests.factories import analyzer_summary_item as summary

ACCOUNT = "123456789012"
PARTNER = "999988887777"
T0 = ANALYZER_API_TIME
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
US, EU, AP = "us-east-1", "eu-west-1", "ap-southeast-2"
ACTIVE_ONLY = {"status": {"eq": ["ACTIVE"]}}
# Few, instant retries: the production client's adaptive rate limiter would wait real seconds.
TEST_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 3})


def arn(name: str, region: str = US) -> str:
    return f"arn:aws:access-analyzer:{region}:{ACCOUNT}:analyzer/{name}"


def analyzer_summary(name: str, type_: str, status: str = "ACTIVE", region: str = US, **extra):
    return {
        "arn": arn(name, region),
        "name": name,
        "type": type_,
        "createdAt": T0,
        "status": status,
        **extra,
    }


def detail_response(item: dict[str, Any], details: list[dict[str, Any]], token: str | None = None):
    answer = {k: v for k, v in item.items() if k != "findingType"}
    answer.update(findingType=item["findingType"], findingDetails=details)
    if token:
        answer["nextToken"] = token
    return answer


ROLE = f"arn:aws:iam::{ACCOUNT}:role/public-trust-role"
BUCKET = "arn:aws:s3:::example-reports-bucket"
USER = f"arn:aws:iam::{ACCOUNT}:user/dave"
OLD_ROLE = f"arn:aws:iam::{ACCOUNT}:role/legacy"
PUBLIC_ROLE = summary("ext-1", "ExternalAccess", ROLE, "AWS::IAM::Role")
SHARED_BUCKET = summary("ext-2", "ExternalAccess", BUCKET, "AWS::S3::Bucket")
UNUSED_ROLE = summary("un-1", "UnusedIAMRole", OLD_ROLE, "AWS::IAM::Role")
UNUSED_KEY = summary("un-2", "UnusedIAMUserAccessKey", USER, "AWS::IAM::User")
UNUSED_PASSWORD = summary("un-3", "UnusedIAMUserPassword", USER, "AWS::IAM::User")
UNUSED_PERMISSION = summary("un-4", "UnusedPermission", OLD_ROLE, "AWS::IAM::Role")
INTERNAL = summary("in-1", "InternalAccess", BUCKET, "AWS::S3::Bucket")


# One session for the module: botocore caches loaded service models per session.
SESSION = boto3.Session(
    aws_access_key_id="testing", aws_secret_access_key="testing", region_name=US
)


class StubbedAWS:
    """A client factory whose clients are Stubber-backed; one stubber per (service, region)."""

    def __init__(self) -> None:
        self.session = SESSION
        self.stubbers: dict[tuple[str, str], Stubber] = {}
        self.clients: dict[tuple[str, str], Any] = {}

    def __call__(self, service: str, region: str) -> Any:
        self.stub(service, region)
        return self.clients[(service, region)]

    def stub(self, service: str, region: str) -> Stubber:
        key = (service, region)
        if key not in self.stubbers:
            client = self.session.client(service, region_name=region, config=TEST_CONFIG)
            self.clients[key] = client
            self.stubbers[key] = Stubber(client)
            self.stubbers[key].activate()
        return self.stubbers[key]

    def aa(self, region: str) -> Stubber:
        return self.stub("accessanalyzer", region)

    def assert_all_answered(self) -> None:
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()


@pytest.fixture
def aws() -> Iterator[StubbedAWS]:
    stubbed = StubbedAWS()
    yield stubbed
    stubbed.assert_all_answered()


def collect(aws: StubbedAWS, *regions: str, **scope: Any):
    # One GetFindingV2 at a time: Stubber answers in the order responses were queued.
    scope = {"detail_workers": 1, **scope}
    return collect_access_analyzer(
        scope=AnalyzerScope(regions=regions or (US,), **scope), home_region=US, client_factory=aws
    )


def expect_findings(stub: Stubber, analyzer_arn: str, *pages, flt=ACTIVE_ONLY) -> None:
    """ListFindingsV2 pages; every page but the last carries a nextToken."""
    for number, findings in enumerate(pages):
        params = {"analyzerArn": analyzer_arn, "filter": flt}
        if number:
            params["nextToken"] = f"page-{number}"
        answer: dict[str, Any] = {"findings": list(findings)}
        if number < len(pages) - 1:
            answer["nextToken"] = f"page-{number + 1}"
        stub.add_response("list_findings_v2", answer, params)


def expect_detail(stub: Stubber, analyzer_arn: str, item, *pages) -> None:
    for number, details in enumerate(pages):
        params = {"analyzerArn": analyzer_arn, "id": item["id"]}
        if number:
            params["nextToken"] = f"d-{number}"
        token = f"d-{number + 1}" if number < len(pages) - 1 else None
        stub.add_response("get_finding_v2", detail_response(item, details, token), params)


def ext(principal, actions, public=False, condition=None):
    return {
        "externalAccessDetails": {
            "action": actions,
            "condition": condition or {},
            "isPublic": public,
            "principal": principal,
            "sources": [{"type": "POLICY"}],
        }
    }


# --- the whole picture ---------------------------------------------------------------------------


def test_every_finding_type_across_pages_and_regions(aws: StubbedAWS) -> None:
    us = aws.aa(US)
    # ListAnalyzers over two pages: external + disabled organization, then unused access.
    us.add_response(
        "list_analyzers",
        {
            "analyzers": [
                analyzer_summary("account", "ACCOUNT"),
                analyzer_summary(
                    "org",
                    "ORGANIZATION",
                    status="DISABLED",
                    statusReason={"code": "AWS_SERVICE_ACCESS_DISABLED"},
                ),
            ],
            "nextToken": "a-1",
        },
        {},
    )
    us.add_response(
        "list_analyzers",
        {
            "analyzers": [
                analyzer_summary(
                    "unused",
                    "ACCOUNT_UNUSED_ACCESS",
                    configuration={"unusedAccess": {"unusedAccessAge": 90}},
                )
            ]
        },
        {"nextToken": "a-1"},
    )
    # Findings are listed for every analyzer first (external over two pages), then read in
    # detail one by one.
    expect_findings(us, arn("account"), [PUBLIC_ROLE], [SHARED_BUCKET])
    expect_findings(
        us, arn("unused"), [UNUSED_ROLE, UNUSED_KEY, UNUSED_PASSWORD, UNUSED_PERMISSION]
    )
    expect_detail(us, arn("account"), PUBLIC_ROLE, [ext({"AWS": "*"}, ["sts:AssumeRole"], True)])
    expect_detail(
        us,
        arn("account"),
        SHARED_BUCKET,
        [
            ext(
                {"AWS": f"arn:aws:iam::{PARTNER}:root"},
                ["s3:GetObject", "s3:ListBucket"],
                condition={"aws:SourceIp": "203.0.113.0/24"},
            )
        ],
    )
    # Unused access: every unused type; UnusedPermission's details come over two pages.
    expect_detail(us, arn("unused"), UNUSED_ROLE, [{"unusedIamRoleDetails": {"lastAccessed": T0}}])
    expect_detail(
        us,
        arn("unused"),
        UNUSED_KEY,
        [{"unusedIamUserAccessKeyDetails": {"accessKeyId": "DEMO-KEY-1", "lastAccessed": T0}}],
    )
    expect_detail(us, arn("unused"), UNUSED_PASSWORD, [{"unusedIamUserPasswordDetails": {}}])
    expect_detail(
        us,
        arn("unused"),
        UNUSED_PERMISSION,
        [{"unusedPermissionDetails": {"serviceNamespace": "s3", "lastAccessed": T0}}],
        [
            {
                "unusedPermissionDetails": {
                    "serviceNamespace": "iam",
                    "actions": [{"action": "iam:PassRole"}],
                }
            }
        ],
    )
    # eu-west-1: an internal-access analyzer; ap-southeast-2: no analyzer at all.
    eu = aws.aa(EU)
    eu.add_response(
        "list_analyzers",
        {"analyzers": [analyzer_summary("inside", "ACCOUNT_INTERNAL_ACCESS", region=EU)]},
        {},
    )
    expect_findings(eu, arn("inside", EU), [INTERNAL])
    expect_detail(
        eu,
        arn("inside", EU),
        INTERNAL,
        [
            {
                "internalAccessDetails": {
                    "action": ["s3:GetObject"],
                    "principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/reader"},
                    "principalOwnerAccount": ACCOUNT,
                    "accessType": "INTRA_ACCOUNT",
                    "principalType": "IAM_ROLE",
                }
            }
        ],
    )
    aws.aa(AP).add_response("list_analyzers", {"analyzers": []}, {})

    data = collect(aws, US, EU, AP)

    assert data.issues == ()
    assert data.regions == (AP, EU, US)  # the empty region was read, so it counts as audited
    by_name = {a.name: a for a in data.analyzers}
    assert by_name["org"].status_reason == "AWS_SERVICE_ACCESS_DISABLED"
    assert by_name["unused"].unused_access_age_days == 90
    assert by_name["inside"].region == EU
    found = {f.id: f for f in data.findings}
    assert {f.finding_type for f in data.findings} == set(FINDING_TYPES)
    assert principals(found["ext-1"]) == ["AWS: *"]
    assert found["ext-1"].details["access"][0]["is_public"] is True
    assert found["ext-2"].details["access"][0]["conditions"] == {"aws:SourceIp": "203.0.113.0/24"}
    assert found["un-2"].details["access_key_id"] == "DEMO-KEY-1"
    assert last_accessed(found["un-1"]) == T0
    assert found["un-3"].details["last_accessed"] is None  # never used
    assert [s["service"] for s in found["un-4"].details["services"]] == ["iam", "s3"]
    assert found["in-1"].details["access"][0]["access_type"] == "INTRA_ACCOUNT"
    assert all(f.details["details_fetched"] for f in data.findings)
    assert data.snapshot_fields()["analyzer_regions"] == (AP, EU, US)


def test_other_statuses_are_filtered_by_aws(aws: StubbedAWS) -> None:
    stub = aws.aa(US)
    stub.add_response("list_analyzers", {"analyzers": [analyzer_summary("account", "ACCOUNT")]}, {})
    archived = {**SHARED_BUCKET, "status": "ARCHIVED"}
    expect_findings(
        stub,
        arn("account"),
        [archived],
        flt={"status": {"eq": ["ARCHIVED", "RESOLVED"]}},
    )
    data = collect(aws, statuses=("ARCHIVED", "RESOLVED"), details=False)
    (finding,) = data.findings
    assert finding.status == "ARCHIVED"
    assert finding.details == {"details_fetched": False}


def test_asking_for_one_type_skips_analyzers_that_cannot_have_it(aws: StubbedAWS) -> None:
    stub = aws.aa(US)
    stub.add_response(
        "list_analyzers",
        {
            "analyzers": [
                analyzer_summary("account", "ACCOUNT"),
                analyzer_summary("unused", "ACCOUNT_UNUSED_ACCESS"),
            ]
        },
        {},
    )
    # No ListFindingsV2 for the external analyzer (Stubber fails on an unexpected call), and
    # GetFindingV2 only for the finding kept.
    expect_findings(stub, arn("unused"), [UNUSED_ROLE, UNUSED_KEY])
    expect_detail(stub, arn("unused"), UNUSED_ROLE, [{"unusedIamRoleDetails": {}}])
    data = collect(aws, finding_types=("UnusedIAMRole",))
    assert [f.id for f in data.findings] == ["un-1"]


def test_disabled_analyzers_are_not_asked_for_findings(aws: StubbedAWS) -> None:
    aws.aa(US).add_response(
        "list_analyzers", {"analyzers": [analyzer_summary("a", "ACCOUNT", status="CREATING")]}, {}
    )
    data = collect(aws)
    assert data.findings == ()
    assert data.analyzers[0].status == "CREATING"


# --- refusals ------------------------------------------------------------------------------------


def test_access_denied_in_one_region_is_an_issue_and_the_rest_is_read(aws: StubbedAWS) -> None:
    aws.aa(US).add_client_error(
        "list_analyzers",
        service_error_code="AccessDeniedException",
        service_message="User is not authorized to perform: access-analyzer:ListAnalyzers",
        http_status_code=403,
    )
    aws.aa(EU).add_response("list_analyzers", {"analyzers": []}, {})
    data = collect(aws, US, EU)
    assert data.regions == (EU,)  # the denied region is not claimed to have no analyzer
    assert data.analyzers == ()
    (issue,) = data.issues
    assert issue.api == "ListAnalyzers"
    assert issue.action == "access-analyzer:ListAnalyzers"
    assert issue.code == "AccessDeniedException"
    assert issue.message == (
        "ListAnalyzers was denied: grant access-analyzer:ListAnalyzers to the identity running"
        " the audit in us-east-1"
    )


def test_denied_everywhere_means_not_collected(aws: StubbedAWS) -> None:
    aws.aa(US).add_client_error("list_analyzers", "AccessDeniedException", "no", 403)
    data = collect(aws)
    assert (data.analyzers, data.findings, data.regions) == (None, None, ())
    assert data.snapshot_fields() == {
        "analyzers": None,
        "analyzer_findings": None,
        "analyzer_regions": None,
    }


def test_denied_findings_keep_the_analyzers(aws: StubbedAWS) -> None:
    stub = aws.aa(US)
    stub.add_response("list_analyzers", {"analyzers": [analyzer_summary("account", "ACCOUNT")]}, {})
    stub.add_client_error("list_findings_v2", "AccessDeniedException", "no", 403)
    data = collect(aws)
    assert [a.name for a in data.analyzers] == ["account"]
    (issue,) = data.issues
    assert (issue.api, issue.action) == ("ListFindingsV2", "access-analyzer:ListFindings")
    assert "(account)" in issue.message


def test_denied_details_keep_the_summary(aws: StubbedAWS) -> None:
    stub = aws.aa(US)
    stub.add_response("list_analyzers", {"analyzers": [analyzer_summary("account", "ACCOUNT")]}, {})
    expect_findings(stub, arn("account"), [PUBLIC_ROLE])
    stub.add_client_error("get_finding_v2", "AccessDeniedException", "no", 403)
    data = collect(aws)
    (finding,) = data.findings
    assert finding.details == {"details_fetched": False}
    assert data.issues[0].action == "access-analyzer:GetFinding"


def test_detail_calls_are_capped(aws: StubbedAWS) -> None:
    stub = aws.aa(US)
    stub.add_response("list_analyzers", {"analyzers": [analyzer_summary("account", "ACCOUNT")]}, {})
    expect_findings(stub, arn("account"), [PUBLIC_ROLE, SHARED_BUCKET])
    expect_detail(stub, arn("account"), PUBLIC_ROLE, [ext({"AWS": "*"}, ["sts:AssumeRole"], True)])
    data = collect(aws, max_details=1)
    assert [f.details["details_fetched"] for f in data.findings] == [True, False]
    (issue,) = data.issues
    assert issue.code == "DetailLimit"
    assert "first 1 findings only; 1 more" in issue.message


def test_rejected_credentials_everywhere_stop_the_collection(aws: StubbedAWS) -> None:
    aws.aa(US).add_client_error("list_analyzers", "UnrecognizedClientException", "bad token", 403)
    with pytest.raises(CollectionError, match="rejected the credentials"):
        collect(aws)


def test_rejected_credentials_in_one_region_hint_at_a_disabled_region(aws: StubbedAWS) -> None:
    aws.aa(US).add_response("list_analyzers", {"analyzers": []}, {})
    aws.aa(AP).add_client_error("list_analyzers", "UnrecognizedClientException", "bad", 403)
    data = collect(aws, US, AP)
    assert data.regions == (US,)
    assert data.issues[0].message.endswith(
        "in ap-southeast-2; is that region enabled for the account?"
    )


# --- regions -------------------------------------------------------------------------------------


def _regions_answer(*names: str, not_opted: tuple[str, ...] = ()) -> dict[str, Any]:
    regions = [
        {
            "RegionName": n,
            "Endpoint": f"ec2.{n}.amazonaws.com",
            "OptInStatus": "opt-in-not-required",
        }
        for n in names
    ]
    regions += [
        {"RegionName": n, "Endpoint": f"ec2.{n}.amazonaws.com", "OptInStatus": "not-opted-in"}
        for n in not_opted
    ]
    return {"Regions": regions}


def test_default_regions_are_the_enabled_ones_home_first(aws: StubbedAWS) -> None:
    aws.stub("ec2", US).add_response(
        "describe_regions", _regions_answer(EU, US, not_opted=(AP,)), {"AllRegions": False}
    )
    for region in (US, EU):
        aws.aa(region).add_response("list_analyzers", {"analyzers": []}, {})
    data = collect_access_analyzer(scope=AnalyzerScope(), home_region=US, client_factory=aws)
    assert data.regions == (EU, US)
    assert ("accessanalyzer", AP) not in aws.clients  # a region not opted in is not asked


def test_home_region_is_read_first_then_the_others(aws: StubbedAWS) -> None:
    aws.aa(US).add_response("list_analyzers", {"analyzers": []}, {})
    # Regions of other partitions (emulators list them) cannot be called with these credentials.
    aws.stub("ec2", US).add_response(
        "describe_regions",
        _regions_answer(US, EU, "cn-north-1", "us-gov-west-1"),
        {"AllRegions": False},
    )
    aws.aa(EU).add_response("list_analyzers", {"analyzers": []}, {})
    data = collect_access_analyzer(scope=AnalyzerScope(), home_region=US, client_factory=aws)
    assert data.regions == (EU, US)
    assert data.issues == ()


def test_too_many_regions_are_capped_and_said(aws: StubbedAWS) -> None:
    aws.stub("ec2", US).add_response(
        "describe_regions", _regions_answer(AP, EU, US), {"AllRegions": False}
    )
    for region in (US, AP):
        aws.aa(region).add_response("list_analyzers", {"analyzers": []}, {})
    data = collect_access_analyzer(
        scope=AnalyzerScope(max_regions=2), home_region=US, client_factory=aws
    )
    assert data.regions == (AP, US)
    (issue,) = data.issues
    assert issue.code == "RegionLimit"
    assert "3 enabled regions" in issue.message


def test_region_discovery_denied_falls_back_to_the_home_region(aws: StubbedAWS) -> None:
    aws.stub("ec2", US).add_client_error("describe_regions", "UnauthorizedOperation", "no", 403)
    aws.aa(US).add_response("list_analyzers", {"analyzers": []}, {})
    data = collect_access_analyzer(scope=AnalyzerScope(), home_region=US, client_factory=aws)
    assert data.regions == (US,)
    (issue,) = data.issues
    assert issue.action == "ec2:DescribeRegions"
    assert "pass --regions" in issue.message


# --- throttling through the real retry handler --------------------------------------------------


class RawAnswers:
    """Answers ListAnalyzers with raw HTTP responses in order (below Stubber, above the wire)."""

    def __init__(self, client: Any, answers: list[tuple[int, dict[str, Any]]]) -> None:
        self.answers = list(answers)
        self.sent = 0
        client.meta.events.register("before-send.accessanalyzer", self)

    def __call__(self, request: Any, event_name: str, **_: Any) -> AWSResponse:
        assert event_name.endswith(".ListAnalyzers"), f"unexpected call {event_name}"
        self.sent += 1
        status, body = self.answers.pop(0)
        headers = {"Content-Type": "application/json"}
        if status >= 400:
            headers["x-amzn-ErrorType"] = body["__type"]
        return AWSResponse(request.url, status, headers, _Raw(json.dumps(body).encode()))


class _Raw:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


@pytest.fixture
def instant_backoff(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    asked: list[float] = []

    def no_wait(self: Any, context: Any) -> float:
        asked.append(1.0)
        return 0

    monkeypatch.setattr(ExponentialBackoff, "delay_amount", no_wait)
    return asked


THROTTLED = (429, {"__type": "ThrottlingException", "message": "Rate exceeded"})


def test_throttling_is_retried_then_succeeds(instant_backoff: list[float]) -> None:
    client = SESSION.client("accessanalyzer", region_name=US, config=TEST_CONFIG)
    ok = {
        "analyzers": [
            # DISABLED: no ListFindingsV2 follows, so ListAnalyzers is the only call.
            {
                **analyzer_summary("account", "ACCOUNT", status="DISABLED"),
                "createdAt": "2026-11-01T12:00:00Z",
            }
        ]
    }
    answers = RawAnswers(client, [THROTTLED, (200, ok)])
    data = collect_access_analyzer(
        scope=AnalyzerScope(regions=(US,), details=False),
        client_factory=lambda service, region: client,
    )
    assert answers.sent == 2
    assert len(instant_backoff) == 1  # one retry, after the throttle
    assert [a.name for a in data.analyzers] == ["account"]
    assert data.issues == ()


def test_throttling_that_never_ends_is_an_issue(instant_backoff: list[float]) -> None:
    client = SESSION.client("accessanalyzer", region_name=US, config=TEST_CONFIG)
    answers = RawAnswers(client, [THROTTLED] * 3)
    data = collect_access_analyzer(
        scope=AnalyzerScope(regions=(US,)), client_factory=lambda service, region: client
    )
    assert answers.sent == 3  # total_max_attempts
    assert data.analyzers is None
    (issue,) = data.issues
    assert issue.code == "ThrottlingException"
    assert "throttled by AWS even after retries" in issue.message


def test_production_clients_retry_in_adaptive_mode() -> None:
    client = session_client_factory(SESSION)("accessanalyzer", EU)
    assert client.meta.config.retries["mode"] == "adaptive"
    assert client.meta.region_name == EU


# --- inside collect_snapshot ---------------------------------------------------------------------


def test_collect_snapshot_keeps_going_when_access_analyzer_is_denied() -> None:
    with mock_aws():
        session = make_session(region=US)
        session.client("iam").create_user(UserName="alice")

        def refuse(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
            error = {"Code": "AccessDeniedException", "Message": "not authorized"}
            return AWSResponse(None, 403, {}, None), {"Error": error, "ResponseMetadata": {}}

        session.events.register("before-call.accessanalyzer.ListAnalyzers", refuse)
        snapshot = collect_snapshot(
            session,
            now=NOW,
            sleep=lambda _s: None,
            access_analyzer=AnalyzerScope(regions=(US, EU)),
        )
    assert [u.name for u in snapshot.users] == ["alice"]  # the IAM part was collected
    assert snapshot.analyzers is None
    assert snapshot.analyzer_regions is None
    (denied,) = [i for i in snapshot.collection_issues if i.api == "ListAnalyzers"]
    assert isinstance(denied, CollectionIssue)
    assert denied.action == "access-analyzer:ListAnalyzers"
    # The same refusal in both regions is one sentence naming them.
    assert denied.message == (
        "ListAnalyzers was denied: grant access-analyzer:ListAnalyzers to the identity running"
        " the audit in 2 regions: eu-west-1, us-east-1"
    )


def test_an_endpoint_without_access_analyzer_costs_one_call() -> None:
    # moto answers 404 "Not yet implemented": no region discovery, no fan-out.
    with mock_aws():
        session = make_session(region=US)
        calls: list[str] = []
        session.events.register("before-call", lambda event_name, **_: calls.append(event_name))
        data = collect_access_analyzer(session, scope=AnalyzerScope())
    assert calls == ["before-call.accessanalyzer.ListAnalyzers"]
    assert data.analyzers is None
    (issue,) = data.issues
    assert issue.message.startswith("ListAnalyzers is not supported by this AWS endpoint")


def test_collect_snapshot_fills_the_analyzer_fields() -> None:
    with mock_aws():
        session = make_session(region=US)

        def analyzers(**kwargs: Any) -> tuple[AWSResponse, dict[str, Any]]:
            region = kwargs["request_signer"].region_name
            found = [] if region == EU else [analyzer_summary("account", "ACCOUNT", region=region)]
            return AWSResponse(None, 200, {}, None), {"analyzers": found}

        def findings(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
            return AWSResponse(None, 200, {}, None), {"findings": []}

        session.events.register("before-call.accessanalyzer.ListAnalyzers", analyzers)
        session.events.register("before-call.accessanalyzer.ListFindingsV2", findings)
        snapshot = collect_snapshot(
            session, now=NOW, sleep=lambda _s: None, access_analyzer=AnalyzerScope(regions=(US, EU))
        )
    assert snapshot.analyzer_regions == (EU, US)
    assert [(a.name, a.region) for a in snapshot.analyzers] == [("account", US)]
    assert snapshot.analyzer_findings == ()
    assert not [i for i in snapshot.collection_issues if "analyzer" in i.action]


def test_scope_for_a_filter_asks_aws_only_for_what_is_wanted() -> None:
    from bot.audit.analyzer_view import FindingFilter

    wanted = FindingFilter(kind="unused", statuses=("ARCHIVED",), types=("UnusedIAMRole",))
    scope = AnalyzerScope.for_filter(wanted, ["eu-west-1"], details=False)
    assert scope.regions == ("eu-west-1",)
    assert scope.statuses == ("ARCHIVED",)
    assert scope.finding_types == ("UnusedIAMRole",)
    assert scope.details is False
    assert AnalyzerScope.for_filter(FindingFilter()).regions is None  # enabled regions
    with pytest.raises(ValueError, match="statuses"):
        AnalyzerScope(statuses=())


def test_details_are_read_concurrently_and_kept_in_listing_order() -> None:
    from bot.aws.demo_analyzer import demo_access_analyzer_data

    data = demo_access_analyzer_data(NOW, AnalyzerScope(detail_workers=4))
    assert [f.id for f in data.findings] == [
        "demo-0001-public-trust-role",
        "demo-0002-partner-audit-role",
        "demo-0003-reports-bucket",
        "demo-0005-dave-key",
        "demo-0006-legacy-batch-role",
        "demo-0007-grace-password",
        "demo-0008-lambda-processor-iam",
    ]
    assert all(f.details["details_fetched"] for f in data.findings)
    assert data.issues == ()


def test_a_denied_detail_call_repeated_is_one_issue(aws: StubbedAWS) -> None:
    stub = aws.aa(US)
    stub.add_response("list_analyzers", {"analyzers": [analyzer_summary("account", "ACCOUNT")]}, {})
    expect_findings(stub, arn("account"), [PUBLIC_ROLE, SHARED_BUCKET])
    stub.add_client_error("get_finding_v2", "AccessDeniedException", "no", 403)
    stub.add_client_error("get_finding_v2", "AccessDeniedException", "no", 403)
    data = collect(aws)
    (issue,) = data.issues
    assert issue.message.endswith("the identity running the audit in us-east-1 (2 calls)")
