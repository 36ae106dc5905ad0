"""Delivery against the mock Web API: error translation, response_url fallback, uploads, 429s."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.model.errors import DeliveryError
from bot.slack.delivery import Delivery, make_web_client
from bot.store import InMemoryStore
from tests.scenario.harness import BOT_TOKEN, Sleeps


@pytest.fixture
def delivery(mock_slack):
    sleeps = Sleeps()
    client = make_web_client(token=BOT_TOKEN, base_url=mock_slack.base_url, sleep=sleeps)
    store = InMemoryStore(clock=lambda: datetime(2026, 11, 30, tzinfo=UTC))
    out = Delivery(client, store, sleep=sleeps)
    out.sleeps = sleeps
    return out


MESSAGE = {
    "text": "hello",
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
}


def test_slack_error_becomes_delivery_error(delivery, mock_slack) -> None:
    mock_slack.errors["chat.postMessage"] = "channel_not_found"
    with pytest.raises(DeliveryError, match="channel_not_found"):
        delivery.post("C404", MESSAGE)


def test_unreachable_slack_becomes_delivery_error(mock_slack) -> None:
    waits: list[float] = []
    client = make_web_client(
        token=BOT_TOKEN, base_url="http://127.0.0.1:1/api/", sleep=waits.append
    )
    store = InMemoryStore(clock=lambda: datetime(2026, 11, 30, tzinfo=UTC))
    with pytest.raises(DeliveryError, match="could not reach Slack"):
        Delivery(client, store, sleep=waits.append).post("C1", MESSAGE)
    assert len(waits) == 1  # retried once after a back-off, then gave up with a sentence


def test_expired_response_url_falls_back_to_the_bot_token(delivery, mock_slack) -> None:
    delivery.respond(
        response_url=mock_slack.root + "/expired/r9", channel="C1", user="U1", message=MESSAGE
    )
    ephemeral = mock_slack.calls_to("chat.postEphemeral")
    assert [c.body["user"] for c in ephemeral] == ["U1"]


def test_upload_goes_through_the_v2_flow(delivery, mock_slack) -> None:
    delivery.upload_text(
        channel="C1", filename="r.json", content="{}", title="report", thread_ts="1.2"
    )
    methods = [c.method for c in mock_slack.calls]
    assert methods.index("files.getUploadURLExternal") < methods.index("upload")
    assert methods.index("upload") < methods.index("files.completeUploadExternal")
    complete = mock_slack.calls_to("files.completeUploadExternal")[0].body
    assert complete["channel_id"] == "C1"
    assert complete["thread_ts"] == "1.2"


def test_429_on_response_url_is_retried_too(delivery, mock_slack) -> None:
    mock_slack.throttle_next(1, retry_after=2)
    delivery.respond(
        response_url=mock_slack.response_url(), channel="C1", user="U1", message=MESSAGE
    )
    assert len(mock_slack.calls_to("response_url")) == 1
    assert mock_slack.throttled == ["response_url"]
    assert delivery.sleeps.waits
    assert delivery.sleeps.waits[0] >= 2
    assert not mock_slack.calls_to("chat.postEphemeral")
