"""`iam-audit digest`: prints without --post; with --post one digest per slot, then "taken"."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
import redis

from bot import cli
from bot.clicmd import digest as digest_cmd
from tests.digest_support import snapshot
from tests.scenario.mock_slack import MockSlack


@pytest.fixture(autouse=True)
def small_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tiny account instead of the moto demo: these tests are about the digest, not AWS."""
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setattr(
        digest_cmd, "demo_snapshot", lambda now: snapshot({"alice": True, "bob": False}, at=now)
    )


@pytest.fixture
def mock_slack() -> Iterator[MockSlack]:
    mock = MockSlack()
    yield mock
    mock.close()


def test_without_post_the_digest_is_printed(capsys) -> None:
    assert cli.main(["digest", "--demo"]) == 0
    out = capsys.readouterr()
    assert "IAM digest for account" in out.out
    assert "MFA: 1/2 users (50%)" in out.out
    assert "REDIS_URL is not set" in out.err


def test_json_format(capsys) -> None:
    assert cli.main(["digest", "--demo", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["schema"] == "iam-audit/digest/1"
    assert data[0]["mfa"]["without_mfa"] == ["bob"]


def test_post_needs_a_bot_token_and_a_channel(capsys, monkeypatch) -> None:
    assert cli.main(["digest", "--demo", "--post", "--channel", "C0DIGEST"]) == 2
    assert "SLACK_BOT_TOKEN" in capsys.readouterr().err
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    assert cli.main(["digest", "--demo", "--post"]) == 2
    assert "no digest channel" in capsys.readouterr().err


def test_bad_schedule_configuration_is_one_line(capsys, monkeypatch) -> None:
    monkeypatch.setenv("IAM_AUDIT_DIGEST_CRON", "0 9 * *")
    assert cli.main(["digest", "--demo"]) == 2
    err = capsys.readouterr().err
    assert "IAM_AUDIT_DIGEST_CRON" in err
    assert "Traceback" not in err


def test_post_twice_in_a_slot_posts_once_and_says_taken(
    capsys, monkeypatch, mock_slack: MockSlack, redis_url: str
) -> None:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    channel = f"C{uuid.uuid4().hex[:8].upper()}"  # unique keys: other tests share this Redis
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_API_URL", mock_slack.base_url)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("IAM_AUDIT_DIGEST_CHANNEL", channel)
    try:
        assert cli.main(["digest", "--demo", "--post", "--format", "json"]) == 0
        first = json.loads(capsys.readouterr().out)
        assert first["status"] == "posted"
        assert cli.main(["digest", "--demo", "--post"]) == 0  # a retried cron job: exit 0
        assert "already taken" in capsys.readouterr().err
        assert len(mock_slack.calls_to("chat.postMessage")) == 1
    finally:
        for key in client.scan_iter(f"iam-audit:*{channel}*"):
            client.delete(key)
        for key in client.scan_iter("iam-audit:digest:*demo*"):
            client.delete(key)
