"""Bounded waits: the credential-report wait (calls and botocore retries included), client
timeouts against an endpoint that never answers, and a total deadline per collection."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from bot.aws.collect import collect_snapshot
from bot.aws.credential_report import PollingPolicy, fetch_credential_report
from bot.aws.deadline import seconds_setting
from bot.model.errors import CollectionError, InputError

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
OLD_REPORT = b"user,arn,user_creation_time\n<root_account>,arn:aws:iam::123456789012:root,N/A\n"


def throttled(operation: str) -> ClientError:
    """What IAM answers when the account's request rate is exceeded (after botocore's retries)."""
    return ClientError(
        {
            "Error": {"Type": "Sender", "Code": "Throttling", "Message": "Rate exceeded"},
            "ResponseMetadata": {"HTTPStatusCode": 400, "RequestId": "req-1"},
        },
        operation,
    )


class ThrottledIam:
    """GenerateCredentialReport throttled on every call, each call taking 9.3 s of the clock
    (botocore's own retries of it); GetCredentialReport serves a day-old report."""

    def __init__(self, clock: list[float]) -> None:
        self.clock = clock
        self.generate_calls = 0

    def get_credential_report(self) -> dict[str, Any]:
        return {"Content": OLD_REPORT, "GeneratedTime": datetime(2026, 11, 30, 12, 0, tzinfo=UTC)}

    def generate_credential_report(self) -> dict[str, Any]:
        self.generate_calls += 1
        self.clock[0] += 9.3
        raise throttled("GenerateCredentialReport")


def test_the_whole_credential_report_wait_is_bounded_calls_included() -> None:
    """The issue: 1,060 s and 114 calls where 300 s was documented, then the old report."""
    clock = [0.0]
    iam = ThrottledIam(clock)

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    fetched = fetch_credential_report(
        iam,
        now=NOW,
        sleep=sleep,
        polling=PollingPolicy(max_wait_seconds=300),
        clock=lambda: clock[0],
    )
    assert clock[0] <= 300 + 9.3  # the bound, plus at most the one call under way
    assert iam.generate_calls < 30
    assert fetched.reused  # the older report is used, and said so
    assert "was used because a new one was not ready in time" in fetched.issues[0].message


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A TCP endpoint that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join(5)
    for conn in held:
        conn.close()
    server.close()


def test_a_silent_endpoint_costs_the_deadline_not_minutes(
    silent_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", silent_endpoint)
    monkeypatch.setenv("IAM_AUDIT_AWS_READ_TIMEOUT", "0.3")
    monkeypatch.setenv("IAM_AUDIT_AWS_CONNECT_TIMEOUT", "0.3")
    session = boto3.Session(
        aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="x", region_name="us-east-1"
    )
    started = time.monotonic()
    with pytest.raises(CollectionError, match="answered no call before the audit's deadline"):
        collect_snapshot(session, now=NOW, sleep=lambda _s: None, deadline_seconds=1.5)
    assert time.monotonic() - started < 8  # botocore's defaults: 60 s x 11 attempts per API


def test_after_the_deadline_the_remaining_reads_are_issues(monkeypatch: pytest.MonkeyPatch) -> None:
    """Some APIs answered, then the deadline passed: a partial snapshot naming what is missing."""
    from moto import mock_aws

    import bot.aws.collect as collect

    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        session.client("iam").create_user(UserName="ana")
        real = collect._password_policy
        clock = [0.0]
        monkeypatch.setattr("bot.aws.deadline.time.monotonic", lambda: clock[0])

        def slow_password_policy(iam: Any) -> Any:
            clock[0] += 100  # this read took 100 s
            return real(iam)

        monkeypatch.setattr(collect, "_password_policy", slow_password_policy)
        snapshot = collect_snapshot(session, now=NOW, sleep=lambda _s: None, deadline_seconds=60)
    assert [u.name for u in snapshot.users] == ["ana"]  # read before the deadline
    missed = {i.api for i in snapshot.collection_issues if i.code == "DeadlineExceeded"}
    assert {"GetAccountSummary", "ListSAMLProviders"} <= missed
    assert snapshot.account_summary is None


def test_timeout_settings_are_validated() -> None:
    assert seconds_setting("IAM_AUDIT_TEST_UNSET_X", 5.0) == 5.0
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IAM_AUDIT_TEST_X", "soon")
        with pytest.raises(InputError, match="IAM_AUDIT_TEST_X must be a number"):
            seconds_setting("IAM_AUDIT_TEST_X", None)
        patch.setenv("IAM_AUDIT_TEST_X", "-1")
        with pytest.raises(InputError, match="positive"):
            seconds_setting("IAM_AUDIT_TEST_X", None)
