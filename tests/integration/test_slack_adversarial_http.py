"""Signed requests whose payload is valid JSON of the wrong shape, over real HTTP.

Only Slack (or whoever holds the signing secret) can sign, and Slack never sends these; but the
endpoint's contract (bot/slack/http_server.py, tests/scenario/test_events_endpoint_hardening.py)
is that a signed request Bolt cannot read is a 400 with one log line, never a 500 with a
traceback. Invalid JSON was covered; a JSON list or string as the payload, an interaction
without its action, or a view without its type reached Bolt, which indexes what Slack always
sends and answered 500 with a traceback in the log.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from tests.scenario.conftest import demo_snapshot
from tests.scenario.harness import Bot, signed_headers
from tests.scenario.mock_slack import MockSlack


@pytest.fixture
def bot() -> Iterator[Bot]:
    mock = MockSlack()
    running = Bot(mock, demo_snapshot())
    yield running
    running.close()
    mock.close()


def form(payload: object) -> str:
    return urlencode({"payload": json.dumps(payload)})


WRONG_SHAPES = {
    "payload-is-a-list": form([1, 2]),
    "payload-is-a-string": form("block_actions"),
    "json-body-is-a-list": json.dumps([{"type": "event_callback"}]),
    "block-actions-without-actions": form({"type": "block_actions", "actions": []}),
    "block-actions-with-a-string-action": form({"type": "block_actions", "actions": ["x"]}),
    "view-submission-without-view-type": form(
        {"type": "view_submission", "user": {"id": "U1"}, "view": {"callback_id": "x"}}
    ),
    "view-submission-with-a-string-view": form(
        {"type": "view_submission", "view": "lint_policy_modal"}
    ),
}


@pytest.mark.parametrize("body", list(WRONG_SHAPES.values()), ids=list(WRONG_SHAPES))
def test_a_signed_payload_of_the_wrong_shape_is_400_with_one_line_and_no_traceback(
    bot: Bot, caplog: pytest.LogCaptureFixture, body: str
) -> None:
    caplog.set_level(logging.DEBUG)
    json_body = body.startswith("[")
    headers = signed_headers(body, content_type="application/json" if json_body else "")
    status, answer = bot.post(body, headers=headers)
    assert status == 400
    assert json.loads(answer) == {"error": "malformed payload"}
    assert not [r for r in caplog.records if r.exc_info]  # no traceback anywhere
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.slack.http_server"]
    assert len(lines) == 1
    assert "unreadable payload" in lines[0]


def test_slack_shaped_requests_still_reach_the_app(bot: Bot) -> None:
    """The shape check lets Slack's own payloads through: a command and the URL check."""
    challenge = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"})
    status, answer = bot.post(challenge, headers=signed_headers(challenge))
    assert (status, json.loads(answer)) == (200, {"challenge": "c-123"})
    assert bot.command("help") == 200
    bot.mock.wait_until(lambda calls: any(c.method == "response_url" for c in calls))
