"""Signed Slack requests and a running bot wired to the mock Web API, in Bolt's test style."""

from __future__ import annotations

import http.client
import json
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.app import create_app
from bot.clicmd.serve import health_of
from bot.config.settings import Settings, load_settings
from bot.model.errors import DeliveryError
from bot.model.snapshot import AccountSnapshot
from bot.runtime.services import Services, build_services
from bot.slack.http_server import SlackHttpServer
from bot.store.base import Store
from tests.fake_clock import Clock
from tests.scenario.mock_slack import Call, MockSlack

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-0000-test-token"
START = datetime(2026, 11, 30, 10, 0, 0, tzinfo=UTC)


@contextmanager
def log_event(logger: str, fragment: str) -> Iterator[threading.Event]:
    """An Event set when ``logger`` logs a message containing ``fragment`` (from any thread)."""
    seen = threading.Event()

    class Watch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if fragment in record.getMessage():
                seen.set()

    handler = Watch(level=logging.DEBUG)
    target = logging.getLogger(logger)
    previous = target.level
    target.setLevel(logging.DEBUG)
    target.addHandler(handler)
    try:
        yield seen
    finally:
        target.removeHandler(handler)
        target.setLevel(previous)


@dataclass
class Sleeps:
    """Records every wait the bot asked for instead of sleeping."""

    waits: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def signed_headers(
    body: str, *, timestamp: int | None = None, secret: str = SIGNING_SECRET, content_type: str = ""
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    headers = {"x-slack-request-timestamp": ts, "x-slack-signature": signature}
    headers["content-type"] = content_type or (
        "application/json" if body.startswith("{") else "application/x-www-form-urlencoded"
    )
    return headers


def slash_body(
    text: str,
    *,
    user: str = "U111",
    channel: str = "C111",
    response_url: str = "",
    trigger_id: str = "",
) -> str:
    # Slack gives every command its own trigger_id; the bot drops a replayed one.
    trigger_id = trigger_id or f"13345224609.738474920.{uuid.uuid4().hex}"
    return urlencode(
        {
            "token": "legacy",
            "team_id": "T1",
            "team_domain": "example",
            "channel_id": channel,
            "channel_name": "security",
            "user_id": user,
            "user_name": "someone",
            "command": "/iam-audit",
            "text": text,
            "api_app_id": "A1",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )


def block_actions_body(
    action: dict,
    *,
    user: str = "U111",
    channel: str = "C111",
    message_ts: str = "1700000000.000001",
    response_url: str = "",
) -> str:
    """The body of a block_actions interaction carrying ``action``, as Slack sends it."""
    payload = {
        "type": "block_actions",
        "team": {"id": "T1", "domain": "example"},
        "user": {"id": user, "team_id": "T1"},
        "api_app_id": "A1",
        "token": "legacy",
        "trigger_id": "1.2.3",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
        "channel": {"id": channel, "name": "security"},
        "message": {"ts": message_ts, "text": "audit"},
        "response_url": response_url,
        "actions": [action],
    }
    return urlencode({"payload": json.dumps(payload)})


def action_body(
    action_id: str,
    value: str,
    *,
    user: str = "U111",
    channel: str = "C111",
    message_ts: str = "1700000000.000001",
    response_url: str = "",
    action_ts: str = "1700000100.000001",
) -> str:
    """A button click."""
    button = {
        "type": "button",
        "action_id": action_id,
        "block_id": "b1",
        "value": value,
        "action_ts": action_ts,
    }
    return block_actions_body(
        button, user=user, channel=channel, message_ts=message_ts, response_url=response_url
    )


def event_body(event: dict, *, event_id: str = "Ev1") -> str:
    return json.dumps(
        {
            "token": "legacy",
            "team_id": "T1",
            "api_app_id": "A1",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": 1700000000,
            "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
        }
    )


def modal_submission_body(
    callback_id: str,
    block_id: str,
    action_id: str,
    value: str,
    metadata: dict,
    *,
    user: str = "U111",
    view_id: str = "V1",
) -> str:
    """A submitted modal with one text input (``block_id``/``action_id``) holding ``value``."""
    payload = {
        "type": "view_submission",
        "team": {"id": "T1"},
        "user": {"id": user, "team_id": "T1"},
        "api_app_id": "A1",
        "token": "legacy",
        "trigger_id": "1.2.3",
        "view": {
            "id": view_id,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": json.dumps(metadata),
            "state": {
                "values": {block_id: {action_id: {"type": "plain_text_input", "value": value}}}
            },
        },
    }
    return urlencode({"payload": json.dumps(payload)})


def view_submission_body(policy: str, *, user: str = "U111", channel: str = "C111") -> str:
    """The lint modal submitted with ``policy`` pasted in."""
    return modal_submission_body(
        "lint_policy_modal", "policy_block", "policy_input", policy, {"channel": channel}, user=user
    )


# --- approval requests, as the mock Slack API saw them ------------------------------------------

APPROVAL_CHANNEL = "C0APPROVE"


def texts(calls: list[Call]) -> str:
    """Every body of ``calls`` as one JSON string, for "is this fragment anywhere" checks."""
    return json.dumps([c.body for c in calls])


def posted_requests(bot: Bot) -> list[Call]:
    """The approval requests posted in APPROVAL_CHANNEL (thread replies left out)."""
    return [
        c
        for c in bot.mock.calls_to("chat.postMessage")
        if c.body.get("channel") == APPROVAL_CHANNEL and not c.body.get("thread_ts")
    ]


def wait_for_request_message(bot: Bot, count: int) -> str:
    """Wait for the ``count``-th posted request and for the bot to have recorded where it is
    (its message ts): a click sooner would find no message to update, which no person could
    do (the buttons exist only once the post returns), but a test can. Returns its id."""
    bot.mock.wait_until(lambda calls: len(posted_requests(bot)) >= count)
    request_id = request_id_of(posted_requests(bot)[count - 1])
    desk = bot.services.approvals
    deadline = time.monotonic() + 15
    while not (desk.get(request_id).message_ts):
        if time.monotonic() > deadline:
            raise AssertionError(f"request {request_id} was posted but its message never recorded")
        time.sleep(0.01)
    return request_id


def request_id_of(call: Call) -> str:
    """The approval request id carried by the buttons of a posted request."""
    for block in call.body["blocks"]:
        if block["type"] == "actions":
            return json.loads(block["elements"][0]["value"])["id"]
    raise AssertionError("no buttons on the approval request")


class Bot:
    """A bot under test: Settings from a test env, services with fakes, app, HTTP server."""

    def __init__(
        self,
        mock: MockSlack,
        snapshot: AccountSnapshot,
        *,
        env: dict[str, str] | None = None,
        store: Store | None = None,
        http: bool = True,
        audit_processes: int = 0,
    ) -> None:
        base_env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": mock.base_url,
            "IAM_AUDIT_DEMO": "true",
            "IAM_AUDIT_PORT": "0",
        }
        base_env.update(env or {})
        self.mock = mock
        self.clock = Clock(START)  # the bot's clock: starts at START, moves only when told
        self.sleeps = Sleeps()
        self.collections = 0
        self._snapshot = snapshot
        self.gate: threading.Event | None = None  # set by a test to hold an audit mid-way
        self.settings: Settings = load_settings(base_env)
        self.services: Services = build_services(
            self.settings,
            clock=self.clock,
            source=self._source,
            store=store,
            sleep=self.sleeps,
            lock_poll_seconds=0.0,
            audit_processes=audit_processes,
        )
        self.app: App = create_app(self.settings, self.services)
        self.server: SlackHttpServer | None = None
        if http:
            self.server = SlackHttpServer(
                self.app, host="127.0.0.1", port=0, health=health_of(self.services)
            )
            self.server.start_background()

    def _source(self, now: datetime) -> AccountSnapshot:
        self.collections += 1
        if self.gate is not None:
            self.gate.wait(timeout=15)
        return self._snapshot

    def close(self) -> None:
        if self.server:
            self.server.shutdown()
        self.services.jobs.wait_idle()
        self.services.jobs.shutdown()

    # --- sending ----------------------------------------------------------------------------

    def dispatch(self, body: str, headers: dict[str, str] | None = None) -> BoltResponse:
        """Through the app, as Bolt's own tests do."""
        return self.app.dispatch(
            BoltRequest(
                body=body, headers={k: [v] for k, v in (headers or signed_headers(body)).items()}
            )
        )

    def post(
        self, body: str, headers: dict[str, str] | None = None, path: str = "/slack/events"
    ) -> tuple[int, str]:
        """Over HTTP to the running server."""
        assert self.server is not None
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        try:
            conn.request("POST", path, body=body.encode(), headers=headers or signed_headers(body))
            response = conn.getresponse()
            return response.status, response.read().decode()
        finally:
            conn.close()

    def get(self, path: str) -> tuple[int, str]:
        assert self.server is not None
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read().decode()
        finally:
            conn.close()

    def command(self, text: str, *, via: str = "http", **kwargs: str) -> int:
        kwargs.setdefault("response_url", self.mock.response_url())
        body = slash_body(text, **kwargs)
        if via == "http":
            return self.post(body)[0]
        return self.dispatch(body).status


class FailingPosts:
    """A delivery.post stand-in letting the first ``allowed`` posts through (the progress)."""

    def __init__(self, post: Any, allowed: int = 1) -> None:
        self._post = post
        self.allowed = allowed

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        if self.allowed <= 0:
            raise DeliveryError(
                "Slack refused chat_postMessage: msg_too_long", slack_error="msg_too_long"
            )
        self.allowed -= 1
        return self._post(*args, **kwargs)
