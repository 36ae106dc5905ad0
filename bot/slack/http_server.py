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
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier
from waitress.channel import HTTPChannel
from waitress.server import create_server

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
MAX_BODY_BYTES = 1_000_000
MAX_HEADER_BYTES = 64 * 1024
CHANNEL_TIMEOUT_SECONDS = 10  # an idle or stalled connection (slow headers or body) is closed
CONNECTION_LIMIT = 200
THREADS = 8
# Slack's requests are a few KB sent at once; a request still arriving after this is a slow client.
REQUEST_DEADLINE_SECONDS = 15
SIGNATURE_MAX_AGE_SECONDS = 300

Health = Callable[[], tuple[bool, dict[str, Any]]]
# () -> (body, content type) in Prometheus text format; see bot/runtime/observability.py
MetricsExposition = Callable[[], tuple[bytes, str]]
StartResponse = Callable[..., Any]


class SlackHttpServer:
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
        request_deadline: float | None = None,
    ) -> None:
        secret = signing_secret or getattr(app, "_signing_secret", None) or ""
        self.wsgi = SlackWsgiApp(app, secret, health=health, metrics=metrics)
        self._server = create_server(
            self.wsgi,
            host=host,
            port=port,
            threads=threads,
            channel_timeout=channel_timeout,
            connection_limit=connection_limit,
            max_request_body_size=MAX_BODY_BYTES,
            max_request_header_size=MAX_HEADER_BYTES,
            cleanup_interval=min(channel_timeout, 30),
            ident="iam-audit",
            backlog=128,
        )
        deadline = REQUEST_DEADLINE_SECONDS if request_deadline is None else request_deadline
        # A class per server, so two servers (tests) keep their own deadline.
        self._server.channel_class = type(  # type: ignore[union-attr]
            "DeadlineChannel", (DeadlineChannel,), {"request_deadline": deadline}
        )
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.effective_port)  # type: ignore[union-attr]

    def serve_forever(self) -> None:
        try:
            self._server.run()
        except OSError:  # the listening socket was closed by shutdown()
            log.debug("HTTP server stopped")

    def start_background(self) -> threading.Thread:
        self._thread = threading.Thread(target=self.serve_forever, name="slack-http", daemon=True)
        self._thread.start()
        return self._thread

    def shutdown(self) -> None:
        self._server.close()
        self._server.task_dispatcher.shutdown(timeout=5)
        if self._thread:
            self._thread.join(timeout=5)


class DeadlineChannel(HTTPChannel):
    """waitress's channel, closing a connection whose request (headers and body) has not
    arrived whole ``request_deadline`` seconds after its first byte. Checked whenever bytes
    arrive; a client that stops sending is closed by waitress's idle timeout instead."""

    request_deadline: float = REQUEST_DEADLINE_SECONDS
    _request_started: float | None = None

    def received(self, data: bytes) -> bool:
        now = time.monotonic()
        if self._request_started is None:
            self._request_started = now
        elif now - self._request_started > self.request_deadline:
            log.warning(
                "closed a connection from %s: its request was still arriving after %g s",
                self.addr[0] if isinstance(self.addr, tuple) else "?",
                self.request_deadline,
            )
            self.will_close = True
            return False
        accepted = bool(super().received(data))
        if self.request is None:  # every request received so far is complete
            self._request_started = None
        return accepted


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
        if method == "GET" and path == METRICS_PATH and self._metrics is not None:
            body, content_type = self._metrics()
            return _send(start_response, 200, body, content_type)
        if method == "GET" and path == HEALTH_PATH:
            ok, details = self._health()
            return _json(start_response, 200 if ok else 503, {"ok": ok, **details})
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
    return _send(start_response, status, json.dumps(body).encode("utf-8"), "application/json")


_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
}


def _send(
    start_response: StartResponse, status: int, body: bytes, content_type: str
) -> list[bytes]:
    reason = _REASONS.get(status, "Service Unavailable" if status == 503 else "")
    start_response(
        f"{status} {reason}".strip(),
        [("Content-Type", content_type), ("Content-Length", str(len(body)))],
    )
    return [body]


def run_socket_mode(app: App, *, app_token: str) -> None:
    """Socket Mode: a websocket opened by the bot, no public URL needed."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler  # noqa: PLC0415

    SocketModeHandler(app, app_token, web_client=app.client).start()
