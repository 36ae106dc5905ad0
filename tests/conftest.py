"""Test-wide safety: no real AWS or Slack credentials can leak into a test run."""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator

import pytest
import redis

# Records every AWS call the bot's own code makes (see tests/aws_call_recorder.py); the policy
# test checks them against policies/bot/, and --record-aws-calls FILE writes them out.
from tests.aws_call_recorder import (  # noqa: F401 - pytest hooks and a fixture, found by name
    aws_calls,
    pytest_addoption,
    pytest_configure,
    pytest_sessionfinish,
)

_LEAKY_PREFIXES = ("AWS_", "SLACK_", "IAM_AUDIT_")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Clear real tokens and point boto3 at fake credentials, so nothing reaches a real account."""
    for name in list(os.environ):
        if name.startswith(_LEAKY_PREFIXES) and name != "AWS_DEFAULT_REGION":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(autouse=True)
def _signal_handlers_restored() -> Iterator[None]:
    """An RQ worker's work() (the queue tests run one in-process) installs SIGINT/SIGTERM
    handlers that raise StopRequested and leaves them after a burst; restored after each test,
    so a later test, or stopping the run, is not turned into a worker shutdown."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        if signal.getsignal(sig) is not handler:
            signal.signal(sig, handler)


@pytest.fixture
def redis_url() -> str:
    """URL of the real Redis the suite uses (db 15); CI starts one if none answers on 6379."""
    return os.environ.get("IAM_AUDIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_under_prefix(redis_url: str) -> Iterator[tuple[redis.Redis, str]]:
    """The suite's Redis and a key prefix of this test's own; its keys are removed afterwards,
    so tests (and parallel runs) never see each other's state."""
    client = redis.Redis.from_url(redis_url, decode_responses=True, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        pytest.fail(f"the test Redis at {redis_url} does not answer")
    prefix = f"iam-audit-test:{uuid.uuid4().hex[:8]}:"
    yield client, prefix
    for key in client.scan_iter(prefix + "*"):
        client.delete(key)
