"""HTTP mode: Bolt's WSGI adapter behind waitress, with /healthz and /metrics beside it.

waitress reads each request completely (headers and body) on its event loop before a worker
thread sees it, so stalled or slow bodies hold no thread; idle connections are closed after
``channel_timeout``, bodies are capped, at most ``connection_limit`` connections are open and
``threads`` requests run at once. waitress's idle timeout counts from the last byte received, so a
client trickling one byte every few seconds would keep its connection (and one of the
``connection_limit`` slots) forever: a request must also arrive whole within
``request_deadline`` seconds of its first byte, or its connection is closed.

Every POST to /slack/events has its Slack signature checked on the raw bytes *before* anything
parses it: a request that fails gets 401 and one log line, and never reaches Bolt (malformed
JSON, `X-Slack-Request-Timestamp: abc` and the like included).
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier

from bot.runtime.http_serving import (
    REQUEST_DEADLINE_SECONDS,
    Health,
    LimitedHttpServer,
    MetricsExposition,
    operations_answer,
    send,
)

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
MAX_BODY_BYTES = 1_000_000
MAX_HEADER_BYTES = 64 * 1024
CHANNEL_TIMEOUT_SECONDS = 10  # an idle or stalled connection (slow headers or body) is closed
CONNECTION_LIMIT = 200
THREADS = 8
SIGNATURE_MAX_AGE_SECONDS = 300

StartResponse = Callable[..., Any]


class SlackHttpServer(LimitedHttpServer):
    """Serves the app on (host, port); port 0 picks a free port (tests)."""

    def __init__(
        self,
        app: App,
        *,
        host: str,
        port: int,
        health: Health,
        metrics: MetricsExposition | None = None,
        signing_secret: str | None = None,
        threads: int = THREADS,
        channel_timeout: int = CHANNEL_TIMEOUT_SECONDS,
        connection_limit: int = CONNECTION_LIMIT,
        request_deadline: float = REQUEST_DEADLINE_SECONDS,
    ) -> None:
        secret = signing_secret or getattr(app, "_signing_secret", None) or ""
        self.wsgi = SlackWsgiApp(app, secret, health=health, metrics=metrics)
        super().__init__(
            self.wsgi,
            name="slack-http",
            host=host,
            port=port,
            threads=threads,
            channel_timeout=channel_timeout,
            connection_limit=connection_limit,
            max_body_bytes=MAX_BODY_BYTES,
            max_header_bytes=MAX_HEADER_BYTES,
            backlog=128,
            request_deadline=request_deadline,
        )


class SlackWsgiApp:
    """The WSGI application: signature gate, then Bolt; /healthz and /metrics for operations."""

    def __init__(
        self,
        app: App,
        signing_secret: str,
        *,
        health: Health,
        metrics: MetricsExposition | None = None,
    ) -> None:
        self._bolt = SlackRequestHandler(app, path=EVENTS_PATH)
        self._verifier = SignatureVerifier(signing_secret) if signing_secret else None
        self._health = health
        self._metrics = metrics

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "")
        path = environ.get("PATH_INFO", "")
        answer = operations_answer(method, path, self._health, self._metrics)
        if answer is not None:
            return send(start_response, *answer)
        if path != EVENTS_PATH:
            return _json(start_response, 404, {"error": "not found"})
        if method != "POST":
            return _json(start_response, 405, {"error": "method not allowed"})
        body = environ["wsgi.input"].read(_content_length(environ))
        refusal = self._refusal(environ, body)
        if refusal:
            log.warning(
                "rejected a request to %s from %s: %s",
                EVENTS_PATH,
                environ.get("REMOTE_ADDR", "?"),
                refusal,
            )
            return _json(start_response, 401, {"error": "invalid request signature"})
        unreadable = _unreadable(body, environ.get("CONTENT_TYPE", ""))
        if unreadable:  # signed, but not a payload Bolt can route
            log.warning(
                "rejected a signed request to %s with an unreadable payload: %s",
                EVENTS_PATH,
                unreadable,
            )
            return _json(start_response, 400, {"error": "malformed payload"})
        environ["wsgi.input"] = io.BytesIO(body)  # Bolt reads the body again
        environ["CONTENT_LENGTH"] = str(len(body))
        try:
            return self._bolt(environ, start_response)
        except (ValueError, RecursionError) as exc:  # what _unreadable did not foresee
            log.warning(
                "rejected a signed request to %s with an unreadable payload: %s",
                EVENTS_PATH,
                type(exc).__name__,
            )
            return _json(start_response, 400, {"error": "malformed payload"})

    def _refusal(self, environ: dict[str, Any], body: bytes) -> str:
        """Why the request is not Slack's (empty: it is), judged on the raw bytes only."""
        if self._verifier is None:
            return "no signing secret is configured"
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
        if not timestamp or not signature:
            return "no Slack signature headers"
        if not timestamp.isdigit() or len(timestamp) > 12:
            return "X-Slack-Request-Timestamp is not a Unix time"
        try:
            valid = self._verifier.is_valid(body=body, timestamp=timestamp, signature=signature)
        except (ValueError, TypeError) as exc:
            return f"the signature could not be checked ({type(exc).__name__})"
        if not valid:
            return "the signature does not match, or the timestamp is over 5 minutes old"
        return ""


def _unreadable(body: bytes, content_type: str) -> str:
    """Why a signed body is not a payload Bolt can route ('' when it is), parsed as Bolt parses
    it. Bolt indexes what Slack always sends (a JSON object, an interaction's first action, a
    view's type) and answers anything else with a 500 and a traceback."""
    media_type = content_type.split(";", maxsplit=1)[0].strip() or None
    try:
        payload = parse_body(body.decode("utf-8"), media_type)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSON errors included
        return type(exc).__name__
    if not isinstance(payload, dict):
        return f"a JSON {type(payload).__name__}, not an object"
    kind = payload.get("type")
    actions = payload.get("actions", [{}])
    if kind in _WITH_ACTIONS and not (
        isinstance(actions, list) and actions and isinstance(actions[0], dict)
    ):
        return f"a {kind} payload without an action"
    view = payload.get("view", {"type": "modal"})
    if kind in _WITH_VIEW and not (isinstance(view, dict) and isinstance(view.get("type"), str)):
        return f"a {kind} payload without a view type"
    return ""


_WITH_ACTIONS = ("block_actions", "interactive_message")
_WITH_VIEW = ("view_submission", "view_closed")


def _content_length(environ: dict[str, Any]) -> int:
    try:
        return max(0, min(int(environ.get("CONTENT_LENGTH") or 0), MAX_BODY_BYTES))
    except ValueError:
        return 0


def _json(start_response: StartResponse, status: int, body: dict[str, Any]) -> list[bytes]:
    return send(start_response, status, json.dumps(body).encode("utf-8"), "application/json")


def run_socket_mode(app: App, *, app_token: str) -> None:
    """Socket Mode: a websocket opened by the bot, no public URL needed."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler  # noqa: PLC0415

    SocketModeHandler(app, app_token, web_client=app.client).start()
