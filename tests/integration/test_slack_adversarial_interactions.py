"""Interaction payloads Slack signs but the handlers in commands/ do not expect.

Each case should get one clear ephemeral sentence and leave no traceback in the log (three
of them crashed commands/audit.py and commands/suppress.py until those read the values
defensively). Every value here is one Slack would only send if the message's own button said
so (values come from the bot's messages), so none is reachable from the Slack UI.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.slack.blocks import ACTION_SHOW_MORE
from bot.slack.suppress_blocks import (
    EXPIRY_BLOCK,
    EXPIRY_INPUT,
    REASON_BLOCK,
    REASON_INPUT,
    SUPPRESS_MODAL,
)
from tests.scenario.conftest import demo_snapshot
from tests.scenario.harness import Bot, action_body
from tests.scenario.mock_slack import MockSlack

APPROVALS = {"IAM_AUDIT_APPROVAL_CHANNEL": "C0APPROVE", "IAM_AUDIT_APPROVERS": "UAPP1"}


@pytest.fixture
def audited() -> Iterator[tuple[Bot, str]]:
    mock = MockSlack()
    bot = Bot(mock, demo_snapshot(), env=APPROVALS)
    bot.command("audit", via="dispatch")
    mock.wait_until(
        lambda calls: any("IAM audit of account" in c.body.get("text", "") for c in calls)
    )
    bot.services.jobs.wait_idle()
    _, stored = bot.services.audits.latest()
    yield bot, stored.report_id
    bot.close()
    mock.close()


def answer_after(bot: Bot, body: str, caplog: pytest.LogCaptureFixture) -> str:
    """Send ``body``; the text of the first answer after it, once the handler is done."""
    caplog.set_level(logging.INFO)
    before = len(bot.mock.calls)
    assert bot.dispatch(body).status == 200
    answers = ("response_url", "chat.postEphemeral")
    bot.mock.wait_until(lambda calls: any(c.method in answers for c in calls[before:]))
    time.sleep(0.2)
    return next(c.body["text"] for c in bot.mock.calls[before:] if c.method in answers)


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info]


def test_show_more_with_an_infinite_page_is_malformed_not_a_crash(
    audited: tuple[Bot, str], caplog: pytest.LogCaptureFixture
) -> None:
    bot, report_id = audited
    value = '{"r": "' + report_id + '", "p": 1e400}'  # json.loads reads 1e400 as inf
    body = action_body(ACTION_SHOW_MORE, value, response_url=bot.mock.response_url("inf"))
    assert "malformed" in answer_after(bot, body, caplog)
    assert not tracebacks(caplog)


def test_show_more_without_channel_or_container_gets_a_sentence_not_a_crash(
    audited: tuple[Bot, str], caplog: pytest.LogCaptureFixture
) -> None:
    bot, report_id = audited
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": "U111"},
        "api_app_id": "A1",
        "token": "legacy",
        "response_url": bot.mock.response_url("bare"),
        "actions": [
            {
                "type": "button",
                "action_id": ACTION_SHOW_MORE,
                "value": json.dumps({"r": report_id, "p": 1}),
                "action_ts": "1700000700.000001",
            }
        ],
    }
    text = answer_after(bot, urlencode({"payload": json.dumps(payload)}), caplog)
    assert "Something went wrong" not in text
    assert not tracebacks(caplog)


def test_suppress_form_with_an_infinite_index_is_malformed_not_a_crash(
    audited: tuple[Bot, str], caplog: pytest.LogCaptureFixture
) -> None:
    bot, report_id = audited
    view = {
        "id": "V-inf",
        "type": "modal",
        "callback_id": SUPPRESS_MODAL,
        "private_metadata": '{"channel": "C111", "r": "' + report_id + '", "i": 1e400}',
        "state": {
            "values": {
                REASON_BLOCK: {REASON_INPUT: {"type": "plain_text_input", "value": "why"}},
                EXPIRY_BLOCK: {EXPIRY_INPUT: {"selected_option": {"value": "30"}}},
            }
        },
    }
    payload = {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": "U111"}}
    body = urlencode({"payload": json.dumps({**payload, "view": view})})
    assert "malformed" in answer_after(bot, body, caplog)
    assert not tracebacks(caplog)
