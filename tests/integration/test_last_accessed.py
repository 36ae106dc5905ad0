"""The usage adapter against botocore's Stubber (moto has no last-accessed reports and no Access
Analyzer). Response shapes from the IAM API reference (GenerateServiceLastAccessedDetails,
GetServiceLastAccessedDetails, ServiceLastAccessed, TrackedActionLastAccessed) and the IAM
Access Analyzer API reference (GenerateFindingRecommendation, GetFindingRecommendation)."""

from __future__ import annotations

import threading
import time

import boto3
import pytest
from botocore.stub import Stubber

from bot.aws.last_accessed import (
    Polling,
    collect_last_accessed,
    read_analyzer_usage,
    read_last_accessed,
    read_usage,
)
from bot.model.errors import CollectionError
from tests.fake_clock import Clock
from tests.rightsize_support import JOB, NOW, REGION, ago, stub_last_accessed, stubbed_session

ARN = "arn:aws:iam::123456789012:role/app"
FAST = Polling(first_delay=1, max_delay=4, max_wait=10)


def iam_client():
    return boto3.client("iam", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")


def test_polls_in_progress_then_reads_the_completed_report() -> None:
    """IAM API reference, GetServiceLastAccessedDetails: JobStatus IN_PROGRESS, then COMPLETED."""
    iam = iam_client()
    clock = Clock(0.0)
    with Stubber(iam) as stubber:
        stub_last_accessed(stubber, ARN, polls_in_progress=2)
        entries = read_last_accessed(
            iam, ARN, polling=FAST, sleep=clock.sleep, monotonic=clock.monotonic
        )
        stubber.assert_no_pending_responses()
    assert [e["ServiceNamespace"] for e in entries] == ["s3", "sqs", "ec2"]
    assert clock.sleeps == [1, 2]  # waited between polls, growing


def test_a_job_that_never_completes_is_given_up_with_a_sentence() -> None:
    iam = iam_client()
    clock = Clock(0.0)
    with Stubber(iam) as stubber:
        stub_last_accessed(stubber, ARN, polls_in_progress=6)
        with pytest.raises(CollectionError, match="still running after 10 s"):
            read_last_accessed(iam, ARN, polling=FAST, sleep=clock.sleep, monotonic=clock.monotonic)
    assert sum(clock.sleeps) <= 10


def test_a_failed_job_names_aws_reason() -> None:
    iam = iam_client()
    with Stubber(iam) as stubber:
        stubber.add_response("generate_service_last_accessed_details", {"JobId": JOB})
        stubber.add_response(
            "get_service_last_accessed_details",
            {
                "JobStatus": "FAILED",
                "JobCreationDate": NOW,
                "JobCompletionDate": NOW,
                "ServicesLastAccessed": [],
                "Error": {"Message": "entity not found", "Code": "NoSuchEntity"},
            },
        )
        with pytest.raises(CollectionError, match="NoSuchEntity: entity not found"):
            read_last_accessed(iam, ARN, polling=FAST, sleep=lambda _s: None)


def test_access_denied_names_the_action_to_grant() -> None:
    iam = iam_client()
    with Stubber(iam) as stubber:
        stubber.add_client_error(
            "generate_service_last_accessed_details",
            service_error_code="AccessDenied",
            service_message="User is not authorized",
            http_status_code=403,
        )
        with pytest.raises(CollectionError) as caught:
            read_last_accessed(iam, ARN, polling=FAST, sleep=lambda _s: None)
    assert "grant iam:GenerateServiceLastAccessedDetails" in str(caught.value)


def test_a_throttled_poll_waits_and_polls_again() -> None:
    iam = iam_client()
    clock = Clock(0.0)
    with Stubber(iam) as stubber:
        stubber.add_response("generate_service_last_accessed_details", {"JobId": JOB})
        stubber.add_client_error(
            "get_service_last_accessed_details",
            service_error_code="Throttling",
            service_message="Rate exceeded",
            http_status_code=400,
        )
        stubber.add_response(
            "get_service_last_accessed_details",
            {
                "JobStatus": "COMPLETED",
                "JobCreationDate": NOW,
                "JobCompletionDate": NOW,
                "ServicesLastAccessed": [
                    {
                        "ServiceName": "Amazon SQS",
                        "ServiceNamespace": "sqs",
                        "LastAuthenticated": ago(1),
                    }
                ],
            },
        )
        entries = read_last_accessed(
            iam, ARN, polling=FAST, sleep=clock.sleep, monotonic=clock.monotonic
        )
    assert entries[0]["ServiceNamespace"] == "sqs"
    assert clock.sleeps  # it waited before polling again


def test_paged_reports_are_read_to_the_end() -> None:
    iam = iam_client()
    page = {
        "JobStatus": "COMPLETED",
        "JobCreationDate": NOW,
        "JobCompletionDate": NOW,
    }
    with Stubber(iam) as stubber:
        stubber.add_response("generate_service_last_accessed_details", {"JobId": JOB})
        stubber.add_response(
            "get_service_last_accessed_details",
            {
                **page,
                "ServicesLastAccessed": [{"ServiceName": "S3", "ServiceNamespace": "s3"}],
                "IsTruncated": True,
                "Marker": "next-page",
            },
        )
        stubber.add_response(
            "get_service_last_accessed_details",
            {**page, "ServicesLastAccessed": [{"ServiceName": "SQS", "ServiceNamespace": "sqs"}]},
            {"JobId": JOB, "Marker": "next-page"},
        )
        entries = read_last_accessed(iam, ARN, polling=FAST, sleep=lambda _s: None)
    assert [e["ServiceNamespace"] for e in entries] == ["s3", "sqs"]


def test_full_read_combines_both_sources_and_counts_the_calls() -> None:
    session, stubbers = stubbed_session(ARN)
    evidence = read_usage(
        session, ARN, created=ago(300), now=NOW, region=REGION, polling=FAST, sleep=lambda _s: None
    )
    for stubber in stubbers:
        stubber.assert_no_pending_responses()
    assert evidence.sources == (
        "IAM last accessed (action level)",
        "IAM Access Analyzer unused access",
    )
    assert evidence.tracking_days() == 300
    assert evidence.used_services(90) == ("s3", "sqs")
    assert evidence.unused_services(90) == ("ec2",)
    assert evidence.used_actions(90) == ("s3:ListAllMyBuckets",)
    assert evidence.service("s3").actions_unused_since(evidence.window_start(90)) == {
        "s3:CreateBucket"
    }
    assert evidence.analyzer is not None
    assert evidence.analyzer.unused_services == ("ec2",)
    assert "DETACH_POLICY" in evidence.analyzer.recommendation
    assert evidence.calls == 8  # generate, 2 polls, list analyzers, list, get, generate, get


def test_no_unused_access_analyzer_is_a_note_not_a_failure() -> None:
    client = boto3.client(
        "accessanalyzer", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stubber:
        stubber.add_response("list_analyzers", {"analyzers": []})
        usage, note = read_analyzer_usage(client, ARN, polling=FAST, sleep=lambda _s: None)
    assert usage is None
    assert "no active unused-access analyzer" in note


def test_access_analyzer_refused_is_a_note_naming_the_action() -> None:
    client = boto3.client(
        "accessanalyzer", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stubber:
        stubber.add_client_error(
            "list_analyzers", service_error_code="AccessDeniedException", http_status_code=403
        )
        usage, note = read_analyzer_usage(client, ARN, polling=FAST, sleep=lambda _s: None)
    assert usage is None
    assert "grant access-analyzer:ListAnalyzers" in note


# --- `audit --last-accessed`: many principals, bounded ------------------------------------


def _completed(*namespaces: str) -> dict:
    return {
        "JobStatus": "COMPLETED",
        "JobType": "SERVICE_LEVEL",
        "JobCreationDate": NOW,
        "JobCompletionDate": NOW,
        "ServicesLastAccessed": [
            {"ServiceName": n, "ServiceNamespace": n, "LastAuthenticated": ago(2)}
            for n in namespaces
        ],
    }


def test_collection_keeps_going_past_a_refused_principal_and_counts_calls() -> None:
    client = iam_client()
    stubber = Stubber(client)
    other = "arn:aws:iam::123456789012:user/bob"
    stubber.add_response(
        "generate_service_last_accessed_details",
        {"JobId": JOB},
        {"Arn": ARN, "Granularity": "SERVICE_LEVEL"},
    )
    stubber.add_response("get_service_last_accessed_details", _completed("s3"), {"JobId": JOB})
    stubber.add_client_error(
        "generate_service_last_accessed_details",
        service_error_code="AccessDenied",
        http_status_code=403,
    )
    stubber.activate()
    collected = collect_last_accessed(
        FakeSession(client), [ARN, other], workers=1, polling=FAST, sleep=lambda _s: None
    )
    stubber.assert_no_pending_responses()
    assert collected.services == {ARN: {"s3": ago(2).isoformat()}}
    assert collected.calls == 3
    assert len(collected.problems) == 1
    assert other in collected.problems[0]
    assert "grant iam:GenerateServiceLastAccessedDetails" in collected.problems[0]


def test_collection_refused_everywhere_is_one_error() -> None:
    client = iam_client()
    with Stubber(client) as stubber:
        stubber.add_client_error(
            "generate_service_last_accessed_details",
            service_error_code="AccessDenied",
            http_status_code=403,
        )
        with pytest.raises(CollectionError, match="no last-accessed report could be read"):
            collect_last_accessed(
                FakeSession(client), [ARN], workers=1, polling=FAST, sleep=lambda _s: None
            )


class FakeSession:
    """Hands out one prepared client (what make_client asks a boto3 session for)."""

    region_name = REGION

    def __init__(self, client) -> None:
        self._client = client

    def client(self, _service: str, **_kwargs):
        return self._client


class CountingIam:
    """An IAM client that remembers how many report jobs ran at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active = 0
        self.peak = 0

    def generate_service_last_accessed_details(self, *, Arn: str, Granularity: str) -> dict:
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        time.sleep(0.02)
        return {"JobId": Arn}

    def get_service_last_accessed_details(self, *, JobId: str) -> dict:
        with self.lock:
            self.active -= 1
        return _completed("sqs")


def test_collection_runs_at_most_the_given_number_of_jobs_at_once() -> None:
    iam = CountingIam()
    arns = [f"arn:aws:iam::123456789012:role/r{n}" for n in range(12)]
    collected = collect_last_accessed(
        FakeSession(iam), arns, workers=3, polling=FAST, sleep=lambda _s: None
    )
    assert len(collected.services) == 12
    assert collected.calls == 24
    assert 1 <= iam.peak <= 3


def test_the_audit_deadline_stops_the_report_workers_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """The deadline lives in a ContextVar, which a ThreadPoolExecutor's threads do not inherit:
    every principal's report jobs were still requested (and retried) after it passed. An
    endpoint nothing answers shows it: with the deadline, no request is tried at all."""
    from bot.aws.deadline import audit_deadline
    from bot.aws.deadline import install as install_deadline
    from bot.aws.session import make_session

    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    session = make_session(region=REGION)
    install_deadline(session)
    tried: list[str] = []
    session.events.register("before-send", lambda **_: tried.append("sent"), unique_id="count")
    arns = [f"arn:aws:iam::123456789012:role/r{i}" for i in range(3)]
    with audit_deadline(0.001):
        time.sleep(0.01)
        with pytest.raises(CollectionError, match="deadline"):
            collect_last_accessed(session, arns, region=REGION, workers=2)
    assert tried == []
