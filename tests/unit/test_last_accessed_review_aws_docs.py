"""role.unused, principal.unused_services, the last-accessed adapter and right-sizing, checked
against what AWS documents about last-accessed data.

Facts used (AWS documentation, page titles cited per test):
- RoleLastUsed: LastUsedDate is null "if the role has not been used within the IAM tracking
  period"; activity is reported for the trailing 400 days (shorter where a Region began
  supporting it within the last year); "the role might have been used more than 400 days ago".
- GenerateServiceLastAccessedDetails: "Recent activity usually appears within four hours"; IAM
  reports activity for at least the last 400 days.
- ServiceLastAccessed / TrackedActionLastAccessed: LastAuthenticated / LastAccessedTime is null
  when no IAM entity attempted access within the tracking period.
- GetServiceLastAccessedDetails: JobStatus IN_PROGRESS | COMPLETED | FAILED; ServicesLastAccessed
  is required; IsTruncated / Marker page the list.
- IAM action last accessed information services and actions: only some services report per
  action (TrackedActionsLastAccessed); for the others only the service is reported.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from bot.aws.last_accessed import Polling, collect_last_accessed, read_last_accessed
from bot.iam.catalogue import default_catalogue
from bot.model.errors import CollectionError, InputError
from bot.rightsize.rewrite import rewrite_document
from bot.rightsize.usage import ServiceUsage, UsageEvidence, services_from_report
from tests import factories as f
from tests.fake_clock import Clock

CATALOGUE = default_catalogue()
ARN = "arn:aws:iam::123456789012:role/app"
JOB = "examplef-1305-c245-eba4-71fe298bcda7"
FAST = Polling(first_delay=1, max_delay=4, max_wait=10)


# --- role.unused (RoleLastUsed) -------------------------------------------------------------


def _role_unused(role) -> list:
    return f.run_check("role.unused", f.snapshot(roles=[role]))


def test_role_created_less_than_the_threshold_ago_is_not_called_unused() -> None:
    # RoleLastUsed - AWS Identity and Access Management: a null LastUsedDate only says "not used
    # within the IAM tracking period"; a 30-day-old role has been watched for 30 days, not 90.
    assert _role_unused(f.role("young", last_used_days_ago=None, created_days_ago=30)) == []


def test_role_created_just_over_the_threshold_ago_waits_for_the_reporting_delay() -> None:
    # GenerateServiceLastAccessedDetails: "Recent activity usually appears within four hours";
    # RoleLastUsed comes from the same tracking, so 90 days + 2 hours does not prove 90 days.
    role = f.role("edge", last_used_days_ago=None, created_days_ago=90 + 2 / 24)
    assert _role_unused(role) == []


def test_role_older_than_the_tracking_period_is_not_said_never_used() -> None:
    # RoleLastUsed - AWS Identity and Access Management: activity is only reported for the
    # trailing 400 days and "the role might have been used more than 400 days ago".
    (finding,) = _role_unused(f.role("old", last_used_days_ago=None, created_days_ago=500))
    assert "never" not in finding.detail
    assert "400-day tracking period" in finding.detail
    assert finding.evidence["tracking_days"] == 400


def test_role_inside_the_tracking_period_and_never_used_is_still_flagged() -> None:
    # RoleLastUsed - AWS Identity and Access Management: created 200 days ago, inside the
    # 400-day period, so a null really covers its whole life.
    (finding,) = _role_unused(f.role("ghost", last_used_days_ago=None, created_days_ago=200))
    assert "never been used since it was created 200 days ago" in finding.detail


def test_role_last_used_in_the_future_is_not_flagged() -> None:
    # Hostile input: a LastUsedDate after now (clock skew) is a use, not silence.
    assert _role_unused(f.role("skew", last_used_days_ago=-3)) == []


def test_a_threshold_below_the_grace_period_still_keeps_new_roles_out() -> None:
    config = f.config_with(thresholds={"role_unused_days": 1})
    snap = f.snapshot(roles=[f.role("new", last_used_days_ago=None, created_days_ago=3)])
    assert f.run_check("role.unused", snap, config=config) == []


# --- principal.unused_services (service last-accessed data) ---------------------------------


def _iso(days: float) -> str:
    return (f.NOW - timedelta(days=days)).isoformat()


def _unused_services(data: dict[str, str], **role_kwargs: Any) -> list:
    role = f.role("worker", **role_kwargs)
    snap = dataclasses.replace(f.snapshot(roles=[role]), service_last_accessed={role.arn: data})
    return f.run_check("principal.unused_services", snap)


def test_null_last_authenticated_means_unused_in_the_tracking_period() -> None:
    # ServiceLastAccessed: LastAuthenticated "is null if no IAM entities attempted to access the
    # service within the tracking period" (stored as "").
    (finding,) = _unused_services({"s3": _iso(2), "ec2": ""})
    assert finding.evidence["unused_services"] == ["ec2"]


def test_principal_tracked_just_over_the_threshold_waits_for_the_reporting_delay() -> None:
    # GenerateServiceLastAccessedDetails: "Recent activity usually appears within four hours".
    assert _unused_services({"ec2": ""}, created_days_ago=90 + 2 / 24) == []


def test_an_unreadable_stored_time_is_neither_used_nor_unused() -> None:
    # Hostile input (a stored snapshot edited by hand): the check must not crash, and a time it
    # cannot read proves no silence.
    (finding,) = _unused_services({"s3": "yesterday-ish", "ec2": "", "kms": "2026-13-45"})
    assert finding.evidence["unused_services"] == ["ec2"]
    assert finding.evidence["used_services"] == []


def test_a_time_in_the_future_counts_as_used() -> None:
    # Hostile input: a LastAuthenticated after now (clock skew) is a use.
    assert _unused_services({"s3": _iso(-2)}) == []


def test_an_unknown_namespace_is_reported_as_aws_names_it() -> None:
    # GetServiceLastAccessedDetails lists every service the policies allow, new ones included.
    (finding,) = _unused_services({"brand-new-svc": "", "s3": _iso(1)})
    assert finding.evidence["unused_services"] == ["brand-new-svc"]


# --- right-sizing: what the report can and cannot vouch for ---------------------------------


def _evidence(entries: list[dict[str, Any]], *, tracked: timedelta) -> UsageEvidence:
    return UsageEvidence(
        principal_arn=f.role_arn("app"),
        generated_at=f.NOW,
        tracked_since=f.NOW - tracked,
        services=services_from_report(entries),
    )


def test_a_window_as_long_as_tracking_minus_the_delay_is_refused() -> None:
    # GenerateServiceLastAccessedDetails: "Recent activity usually appears within four hours":
    # a principal created 90 days + 2 hours ago has 89 full days of proven silence.
    evidence = _evidence([], tracked=timedelta(days=90, hours=2))
    with pytest.raises(InputError, match="use --days 89"):
        evidence.check_window(90)
    evidence.check_window(89)


def test_a_principal_older_than_the_tracking_period_may_use_all_400_days() -> None:
    # GenerateServiceLastAccessedDetails: "IAM reports activity for at least the last 400 days".
    evidence = _evidence([], tracked=timedelta(days=400))
    evidence.check_window(400)


def test_an_unreadable_last_authenticated_keeps_the_service() -> None:
    # ServiceLastAccessed: only a null means unused; a value that is no time proves nothing, so
    # its service is left out of the evidence and rewrite keeps it as written.
    evidence = _evidence(
        [
            {"ServiceName": "Amazon EC2", "ServiceNamespace": "ec2", "LastAuthenticated": "n/a?"},
            {"ServiceName": "Amazon SQS", "ServiceNamespace": "sqs"},
        ],
        tracked=timedelta(days=300),
    )
    assert [s.namespace for s in evidence.services] == ["sqs"]
    result = rewrite_document(
        f.allow(["ec2:RunInstances", "sqs:SendMessage"]), evidence, 90, CATALOGUE
    )
    assert result.document["Statement"][0]["Action"] == "ec2:RunInstances"
    assert result.removed_services == ("sqs",)


def test_an_unreadable_tracked_action_time_keeps_the_action() -> None:
    # TrackedActionLastAccessed: LastAccessedTime null = not used in the tracking period; an
    # unreadable one is dropped from the tracked list, and untracked actions stay.
    evidence = _evidence(
        [
            {
                "ServiceName": "Amazon S3",
                "ServiceNamespace": "s3",
                "LastAuthenticated": _iso(1),
                "TrackedActionsLastAccessed": [
                    {"ActionName": "ListAllMyBuckets", "LastAccessedTime": _iso(1)},
                    {"ActionName": "CreateBucket", "LastAccessedTime": "garbage"},
                    {"ActionName": "DeleteBucket"},
                    "not an object",
                ],
            }
        ],
        tracked=timedelta(days=300),
    )
    document = f.allow(["s3:ListAllMyBuckets", "s3:CreateBucket", "s3:DeleteBucket"])
    result = rewrite_document(document, evidence, 90, CATALOGUE)
    assert result.removed_actions == ("s3:DeleteBucket",)
    assert sorted(result.document["Statement"][0]["Action"]) == [
        "s3:CreateBucket",
        "s3:ListAllMyBuckets",
    ]


def test_a_service_without_per_action_data_is_kept_as_written_when_used() -> None:
    # IAM action last accessed information services and actions: services outside that list
    # report no TrackedActionsLastAccessed; a used one cannot lose single actions.
    evidence = _evidence(
        [{"ServiceName": "Amazon SQS", "ServiceNamespace": "sqs", "LastAuthenticated": _iso(5)}],
        tracked=timedelta(days=300),
    )
    (sqs,) = evidence.services
    assert isinstance(sqs, ServiceUsage)
    assert not sqs.action_tracked
    document = f.allow(["sqs:SendMessage", "sqs:DeleteQueue"])
    assert rewrite_document(document, evidence, 90, CATALOGUE).changed is False


def test_a_date_in_the_future_counts_as_used() -> None:
    # Hostile input: LastAuthenticated after the report (clock skew): kept, not removed.
    evidence = _evidence(
        [{"ServiceName": "Amazon EC2", "ServiceNamespace": "ec2", "LastAuthenticated": _iso(-9)}],
        tracked=timedelta(days=300),
    )
    assert evidence.used_services(90) == ("ec2",)


# --- the adapter: hostile GetServiceLastAccessedDetails answers -----------------------------


class FakeIam:
    """Answers the two last-accessed calls with fixed, possibly malformed, dictionaries (the
    Stubber validates against the model and so cannot send them)."""

    def __init__(self, generate: dict[str, Any], pages: list[dict[str, Any]]) -> None:
        self.generate = generate
        self.pages = pages
        self.calls = 0

    def generate_service_last_accessed_details(self, **_: Any) -> dict[str, Any]:
        return self.generate

    def get_service_last_accessed_details(self, **_: Any) -> dict[str, Any]:
        self.calls += 1
        if self.calls > 50:
            raise AssertionError("paged forever")
        return self.pages[min(self.calls, len(self.pages)) - 1]


def _read(iam: Any) -> list[dict[str, Any]]:
    clock = Clock(0.0)
    return read_last_accessed(iam, ARN, polling=FAST, sleep=clock.sleep, monotonic=clock.monotonic)


def test_a_report_without_jobstatus_is_refused() -> None:
    # GetServiceLastAccessedDetails: JobStatus is required; without it the answer is not a
    # completed report, and an empty one would read as "nothing used".
    iam = FakeIam({"JobId": JOB}, [{"ServicesLastAccessed": []}])
    with pytest.raises(CollectionError, match="JobStatus 'none', not COMPLETED"):
        _read(iam)


def test_a_report_with_an_unknown_jobstatus_is_refused() -> None:
    iam = FakeIam({"JobId": JOB}, [{"JobStatus": "PAUSED", "ServicesLastAccessed": []}])
    with pytest.raises(CollectionError, match="'PAUSED', not COMPLETED"):
        _read(iam)


def test_a_completed_report_without_services_is_refused() -> None:
    # GetServiceLastAccessedDetails: ServicesLastAccessed is required in a response.
    iam = FakeIam({"JobId": JOB}, [{"JobStatus": "COMPLETED"}])
    with pytest.raises(CollectionError, match="no ServicesLastAccessed list"):
        _read(iam)


def test_a_generate_answer_without_jobid_is_refused() -> None:
    # GenerateServiceLastAccessedDetails: JobId is the handle for every later call.
    iam = FakeIam({}, [])
    with pytest.raises(CollectionError, match="no JobId"):
        _read(iam)


def test_a_marker_served_twice_does_not_page_forever() -> None:
    page = {"JobStatus": "COMPLETED", "ServicesLastAccessed": [], "IsTruncated": True}
    iam = FakeIam({"JobId": JOB}, [{**page, "Marker": "m1"}, {**page, "Marker": "m1"}])
    with pytest.raises(CollectionError, match="repeats its page marker"):
        _read(iam)


def test_a_failed_job_without_error_details_says_so() -> None:
    iam = FakeIam({"JobId": JOB}, [{"JobStatus": "FAILED", "Error": "not an object"}])
    with pytest.raises(CollectionError, match="FAILED: no reason given"):
        _read(iam)


def _client() -> Any:
    return boto3.client(
        "iam", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def _completed(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "JobStatus": "COMPLETED",
        "JobCreationDate": f.NOW,
        "JobCompletionDate": f.NOW,
        "ServicesLastAccessed": entries,
        "IsTruncated": False,
    }


def test_collection_survives_an_unreadable_date_in_one_report(monkeypatch) -> None:
    # Hostile input through the whole collection: one malformed principal's report must not
    # raise out of the worker pool.
    other = "arn:aws:iam::123456789012:role/other"
    fake = FakeIam(
        {"JobId": JOB},
        [_completed([{"ServiceName": "S3", "ServiceNamespace": "s3", "LastAuthenticated": "?!"}])],
    )
    monkeypatch.setattr("bot.aws.last_accessed.make_client", lambda *a, **k: fake)
    collected = collect_last_accessed(
        boto3.Session(region_name="us-east-1"), [ARN, other], workers=1, sleep=lambda _s: None
    )
    assert collected.services == {ARN: {}, other: {}}
    assert collected.problems == ()


def test_throttled_generate_is_a_sentence_per_principal(monkeypatch) -> None:
    # botocore Stubber client error "Throttling" on GenerateServiceLastAccessedDetails (after
    # botocore's own retries): the principal is listed as a problem, the others are read.
    iam = _client()
    other = "arn:aws:iam::123456789012:role/other"
    with Stubber(iam) as stubber:
        stubber.add_client_error(
            "generate_service_last_accessed_details",
            service_error_code="Throttling",
            service_message="Rate exceeded",
            http_status_code=400,
        )
        stubber.add_response("generate_service_last_accessed_details", {"JobId": JOB})
        stubber.add_response(
            "get_service_last_accessed_details",
            _completed([{"ServiceName": "Amazon S3", "ServiceNamespace": "s3"}]),
            {"JobId": JOB},
        )
        monkeypatch.setattr("bot.aws.last_accessed.make_client", lambda *a, **k: iam)
        collected = collect_last_accessed(
            boto3.Session(region_name="us-east-1"), [ARN, other], workers=1, sleep=lambda _s: None
        )
    assert collected.services == {other: {"s3": ""}}
    (problem,) = collected.problems
    assert problem.startswith(ARN)
    assert "Traceback" not in problem
    assert "GenerateServiceLastAccessedDetails was throttled by AWS" in problem


def test_every_report_failing_raises_one_clear_error(monkeypatch) -> None:
    # JobStatus FAILED for every principal: one CollectionError naming AWS's reason.
    iam = _client()
    with Stubber(iam) as stubber:
        stubber.add_response("generate_service_last_accessed_details", {"JobId": JOB})
        stubber.add_response(
            "get_service_last_accessed_details",
            {
                **_completed([]),
                "JobStatus": "FAILED",
                "Error": {"Code": "InternalFailure", "Message": "try later"},
            },
            {"JobId": JOB},
        )
        monkeypatch.setattr("bot.aws.last_accessed.make_client", lambda *a, **k: iam)
        with pytest.raises(CollectionError, match="InternalFailure: try later"):
            collect_last_accessed(
                boto3.Session(region_name="us-east-1"), [ARN], workers=1, sleep=lambda _s: None
            )


def test_a_job_in_progress_forever_is_given_up_with_a_sentence(monkeypatch) -> None:
    running = {**_completed([]), "JobStatus": "IN_PROGRESS"}
    fake = FakeIam({"JobId": JOB}, [running])
    clock = Clock(0.0)
    monkeypatch.setattr("bot.aws.last_accessed.make_client", lambda *a, **k: fake)
    with pytest.raises(CollectionError, match="still running after 10 s"):
        collect_last_accessed(
            boto3.Session(region_name="us-east-1"),
            [ARN],
            workers=1,
            polling=FAST,
            sleep=clock.sleep,
            monotonic=clock.monotonic,
        )
