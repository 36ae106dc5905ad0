"""Credential-report states the collector must handle, driven by botocore's Stubber.

moto cannot produce these (it never says INPROGRESS, LimitExceeded or throttling), so each test
scripts AWS's answers in order and asserts on the calls made and the waits requested.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import Stubber

from bot.aws.credential_report import PollingPolicy, fetch_credential_report
from bot.model.errors import CollectionError

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
CSV = b"user,arn\nana,arn:aws:iam::111122223333:user/ana\n"


class FakeSleep:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def iam() -> Iterator[tuple[object, Stubber]]:
    client = boto3.client("iam", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def _report(stubber: Stubber, generated: datetime, content: bytes = CSV) -> None:
    stubber.add_response(
        "get_credential_report",
        {"Content": content, "ReportFormat": "text/csv", "GeneratedTime": generated},
    )


def _error(stubber: Stubber, method: str, code: str, status: int = 400) -> None:
    stubber.add_client_error(method, service_error_code=code, http_status_code=status)


def _state(stubber: Stubber, state: str) -> None:
    stubber.add_response("generate_credential_report", {"State": state})


def test_report_under_four_hours_old_is_reused_with_one_call(iam) -> None:
    client, stubber = iam
    sleep = FakeSleep()
    _report(stubber, NOW - timedelta(hours=3, minutes=59))
    fetched = fetch_credential_report(client, now=NOW, sleep=sleep)
    assert fetched.reused is True
    assert fetched.csv_text == CSV.decode()
    assert fetched.generated_at == NOW - timedelta(hours=3, minutes=59)
    assert sleep.calls == []


def test_report_over_four_hours_old_is_regenerated(iam) -> None:
    client, stubber = iam
    _report(stubber, NOW - timedelta(hours=4, minutes=1), b"old")
    _state(stubber, "COMPLETE")
    _report(stubber, NOW - timedelta(seconds=5), CSV)
    fetched = fetch_credential_report(client, now=NOW, sleep=FakeSleep())
    assert (fetched.reused, fetched.csv_text) == (False, CSV.decode())


def test_missing_report_is_generated_and_polled_with_exponential_backoff(iam) -> None:
    client, stubber = iam
    sleep = FakeSleep()
    _error(stubber, "get_credential_report", "ReportNotPresent", 410)
    _state(stubber, "STARTED")
    _state(stubber, "INPROGRESS")
    _state(stubber, "INPROGRESS")
    _state(stubber, "COMPLETE")
    _report(stubber, NOW)
    fetched = fetch_credential_report(client, now=NOW, sleep=sleep)
    assert fetched.csv_text == CSV.decode()
    assert sleep.calls == [2.0, 4.0, 8.0]


@pytest.mark.parametrize("code", ["ReportExpired", "ReportInProgress", "Throttling"])
def test_first_read_not_ready_leads_to_generation(iam, code: str) -> None:
    client, stubber = iam
    _error(stubber, "get_credential_report", code, 410)
    _state(stubber, "COMPLETE")
    _report(stubber, NOW)
    assert fetch_credential_report(client, now=NOW, sleep=FakeSleep()).generated_at == NOW


@pytest.mark.parametrize("code", ["LimitExceeded", "Throttling", "ThrottlingException"])
def test_limit_exceeded_and_throttling_on_generate_are_retried(iam, code: str) -> None:
    client, stubber = iam
    sleep = FakeSleep()
    _error(stubber, "get_credential_report", "ReportNotPresent", 410)
    _error(stubber, "generate_credential_report", code, 409)
    _error(stubber, "generate_credential_report", code, 409)
    _state(stubber, "COMPLETE")
    _report(stubber, NOW)
    fetched = fetch_credential_report(client, now=NOW, sleep=sleep)
    assert fetched.csv_text == CSV.decode()
    assert sleep.calls == [2.0, 4.0]


def test_report_still_in_progress_after_complete_is_polled_again(iam) -> None:
    client, stubber = iam
    sleep = FakeSleep()
    _error(stubber, "get_credential_report", "ReportNotPresent", 410)
    _state(stubber, "COMPLETE")
    _error(stubber, "get_credential_report", "ReportInProgress", 404)
    _state(stubber, "COMPLETE")
    _report(stubber, NOW)
    assert fetch_credential_report(client, now=NOW, sleep=sleep).csv_text == CSV.decode()
    assert sleep.calls == [2.0]


def test_generation_that_never_finishes_gives_up_after_a_bounded_wait(iam) -> None:
    client, stubber = iam
    sleep = FakeSleep()
    policy = PollingPolicy(first_delay_seconds=1, max_delay_seconds=4, max_wait_seconds=10)
    _error(stubber, "get_credential_report", "ReportNotPresent", 410)
    for _ in range(5):
        _state(stubber, "INPROGRESS")
    with pytest.raises(CollectionError, match="not ready after 10 seconds") as caught:
        fetch_credential_report(client, now=NOW, sleep=sleep, polling=policy)
    assert sleep.calls == [1, 2, 4, 3]  # the last wait is cut to the budget
    assert sum(sleep.calls) == 10
    assert caught.value.api == "GenerateCredentialReport"


def test_denied_read_names_the_api_and_the_action(iam) -> None:
    client, stubber = iam
    _error(stubber, "get_credential_report", "AccessDenied", 403)
    with pytest.raises(CollectionError) as caught:
        fetch_credential_report(client, now=NOW, sleep=FakeSleep())
    assert caught.value.api == "GetCredentialReport"
    assert caught.value.action == "iam:GetCredentialReport"
    assert "grant iam:GetCredentialReport" in str(caught.value)


def test_denied_generation_without_a_report_names_generate(iam) -> None:
    client, stubber = iam
    _error(stubber, "get_credential_report", "ReportNotPresent", 410)
    _error(stubber, "generate_credential_report", "AccessDenied", 403)
    with pytest.raises(CollectionError) as caught:
        fetch_credential_report(client, now=NOW, sleep=FakeSleep())
    assert caught.value.action == "iam:GenerateCredentialReport"
    assert caught.value.code == "AccessDenied"


def test_denied_generation_with_an_old_report_uses_it_and_says_how_old(iam) -> None:
    client, stubber = iam
    _report(stubber, NOW - timedelta(hours=30), b"old")
    _error(stubber, "generate_credential_report", "AccessDenied", 403)
    fetched = fetch_credential_report(client, now=NOW, sleep=FakeSleep())
    assert fetched.csv_text == "old"
    (issue,) = fetched.issues
    assert issue.action == "iam:GenerateCredentialReport"
    assert "30 hours old" in issue.message


def test_unexpected_error_is_not_retried(iam) -> None:
    client, stubber = iam
    _error(stubber, "get_credential_report", "ReportNotPresent", 410)
    _error(stubber, "generate_credential_report", "ServiceFailure", 500)
    with pytest.raises(CollectionError, match="ServiceFailure"):
        fetch_credential_report(client, now=NOW, sleep=FakeSleep())


def test_report_that_is_not_utf8_is_refused(iam) -> None:
    client, stubber = iam
    _report(stubber, NOW, b"\xff\xfe\xfa")
    with pytest.raises(CollectionError, match="not UTF-8"):
        fetch_credential_report(client, now=NOW, sleep=FakeSleep())


def test_old_report_is_used_when_a_new_one_never_comes(iam) -> None:
    client, stubber = iam
    policy = PollingPolicy(first_delay_seconds=1, max_delay_seconds=1, max_wait_seconds=2)
    _report(stubber, NOW - timedelta(hours=9), b"old")
    for _ in range(3):
        _error(stubber, "generate_credential_report", "LimitExceeded", 409)
    fetched = fetch_credential_report(client, now=NOW, sleep=FakeSleep(), polling=policy)
    assert fetched.csv_text == "old"
    (issue,) = fetched.issues
    assert issue.code == "ReportTimeout"
    assert "9 hours old" in issue.message
    assert "not ready in time" in issue.message


def test_fresh_report_needs_no_generate_permission(iam) -> None:
    client, stubber = iam
    _report(stubber, NOW - timedelta(minutes=5))
    fetched = fetch_credential_report(client, now=NOW, sleep=FakeSleep())
    assert fetched.issues == ()  # generate was never called, so never denied
