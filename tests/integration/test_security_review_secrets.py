"""Security review: secrets never reach a log line, a Slack reply, /healthz or /metrics.

Recognisable secret values are configured, the failure paths are driven through the real bot
(Redis down behind a password URL, Slack answering invalid_auth, a response_url logged by
slack_sdk at DEBUG), and everything the bot wrote is searched for them: the output of the bot's
own log handler (JSON and text, as `iam-audit serve` installs it), the raw records of the bot's
own loggers, what the mock Slack received, and the ops endpoints.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator

import pytest

from bot.runtime.observability import configure_logging
from tests.scenario.conftest import demo_snapshot
from tests.scenario.harness import Bot, action_body
from tests.scenario.mock_slack import MockSlack

BOT_TOKEN = "xoxb-1111-2222-SEKRETBOTTOKEN"
SIGNING = "SEKRETSIGNINGb10e8888abcd99yyy85a5"  # 32+ chars, the harness signs with its own
REDIS_PASSWORD = "SEKRETREDISPW"
AWS_SECRET = "SEKRETAWSSECRETwJalrXUtnFEMIK7MDENGbPxR"
AWS_SESSION = "IQoJb3JpZ2luX2VjSEKRETSESSIONTOKEN0123456789"
HOOK = "https://hooks.slack.com/actions/T0001/1234567890/SEKRETHOOKabcdefghij"
SECRETS = ("SEKRET", REDIS_PASSWORD, AWS_SECRET, AWS_SESSION)


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> Iterator:
    """The bot's own stderr handler at DEBUG (JSON), as `serve` with IAM_AUDIT_LOG_LEVEL=DEBUG
    and IAM_AUDIT_LOG_FORMAT=json installs it; yields a function returning what it wrote."""
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", AWS_SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", AWS_SESSION)
    root = logging.getLogger()
    level = root.level
    handler = configure_logging("DEBUG", log_format="json")
    try:
        yield lambda: capsys.readouterr().err
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def own_records(caplog: pytest.LogCaptureFixture) -> str:
    """The bot's own log records, unmasked: the bot itself must never log a secret."""
    return "\n".join(
        r.getMessage() + (logging.Formatter().formatException(r.exc_info) if r.exc_info else "")
        for r in caplog.records
        if r.name.startswith(("bot.", "commands."))
    )


def test_a_webhook_url_logged_by_slack_sdk_is_masked(logs) -> None:
    """slack_sdk logs every webhook call's URL at DEBUG ("Sending a request - url: ..."); a
    command's response_url can post into its channel for 30 minutes. It was written as is."""
    logging.getLogger("slack_sdk.webhook.client").debug(
        "Sending a request - url: %s, body: {}", HOOK
    )
    logging.getLogger("bot.test").error(
        "incoming webhook https://hooks.slack.com/services/T0/B0/SEKRETX"
    )
    written = logs()
    assert "hooks.slack.com/actions/***" in written
    assert_no_secret(written)


def test_redis_down_behind_a_password_url_leaks_nothing(
    logs, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    mock = MockSlack()
    bot = Bot(
        mock,
        demo_snapshot(),
        env={
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "REDIS_URL": f"redis://:{REDIS_PASSWORD}@127.0.0.1:1/0",
        },
    )
    try:
        assert bot.command("status") == 200
        mock.wait_for("response_url")
        status, health = bot.get("/healthz")
        assert status == 503
        assert json.loads(health) == {"ok": False, "store": "unreachable"}
        replies = json.dumps([c.body for c in mock.calls])
        assert "state store (Redis) is unreachable" in replies
    finally:
        bot.close()
        mock.close()
    assert_no_secret(logs(), own_records(caplog), replies, health, repr(bot.settings))


def test_slack_refusing_the_token_leaks_nothing(logs, caplog: pytest.LogCaptureFixture) -> None:
    """Slack answers invalid_auth (HTTP 200, ok:false) to the bot's posts; slack_sdk's
    SlackApiError carries the request. The log says what failed, never the token."""
    caplog.set_level(logging.DEBUG)
    mock = MockSlack()
    bot = Bot(mock, demo_snapshot(), env={"SLACK_BOT_TOKEN": BOT_TOKEN})
    mock.errors["chat.postMessage"] = "invalid_auth"
    mock.errors["chat.postEphemeral"] = "invalid_auth"
    try:
        assert bot.command("audit", response_url="") == 200
        deadline = time.monotonic() + 15
        while "invalid_auth" not in own_records(caplog):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        bot.dispatch(action_body("audit_show_more", "{}", response_url=""))
        time.sleep(0.5)
        _, metrics = bot.get("/metrics")
    finally:
        bot.close()
        mock.close()
    written = logs()
    assert "invalid_auth" in written
    assert_no_secret(written, own_records(caplog), metrics)


def test_settings_never_show_a_secret() -> None:
    from bot.config.settings import load_settings

    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING,
            "REDIS_URL": f"redis://:{REDIS_PASSWORD}@redis:6379/0",
        }
    )
    assert_no_secret(repr(settings), str(settings))
