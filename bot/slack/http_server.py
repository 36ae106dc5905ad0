"""HTTP mode: POST /slack/events into the Bolt app (signature checked by Bolt), GET /healthz.

A threading http.server is enough here: each request is only verified, acked and handed to a
listener thread, so a handler never holds its connection longer than the ack takes.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from slack_bolt import App, BoltRequest

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
MAX_BODY_BYTES = 1_000_000

Health = Callable[[], tuple[bool, dict[str, Any]]]
# () -> (body, content type) in Prometheus text format; see bot/observability.py
MetricsExposition = Callable[[], tuple[bytes, str]]


class _Server(ThreadingHTTPServer):
    # The stdlib's listen backlog of 5 makes bursts of commands wait for a SYN retry (1 s+).
    request_queue_size = 128
    daemon_threads = True


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
    ) -> None:
        handler = _handler_class(app, health, metrics)
        self._server = _Server((host, port), handler)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def serve_forever(self) -> None:
        try:
            self._server.serve_forever(poll_interval=0.2)
        finally:
            self._server.server_close()

    def start_background(self) -> threading.Thread:
        self._thread = threading.Thread(target=self.serve_forever, name="slack-http", daemon=True)
        self._thread.start()
        return self._thread

    def shutdown(self) -> None:
        self._server.shutdown()
        if self._thread:
            self._thread.join(timeout=5)


def _handler_class(
    app: App, health: Health, metrics: MetricsExposition | None = None
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("%s " + format, self.address_string(), *args)

        def do_GET(self) -> None:
            if metrics is not None and self.path.partition("?")[0] == METRICS_PATH:
                body, content_type = metrics()
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            if self.path.partition("?")[0] != HEALTH_PATH:
                self._send(404, {"error": "not found"})
                return
            ok, details = health()
            self._send(200 if ok else 503, {"ok": ok, **details})

        def do_POST(self) -> None:
            path, _, query = self.path.partition("?")
            if path != EVENTS_PATH:
                self._send(404, {"error": "not found"})
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > MAX_BODY_BYTES:
                self._send(413, {"error": "body too large"})
                return
            body = self.rfile.read(length).decode("utf-8", errors="replace")
            headers = {k.lower(): v for k, v in self.headers.items()}
            response = app.dispatch(BoltRequest(body=body, query=query, headers=headers))
            payload = response.body if isinstance(response.body, str) else json.dumps(response.body)
            data = payload.encode("utf-8")
            self.send_response(response.status)
            for name, values in response.headers.items():
                if name.lower() == "content-length":
                    continue
                for value in values:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def run_socket_mode(app: App, *, app_token: str) -> None:
    """Socket Mode: a websocket opened by the bot, no public URL needed."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler  # noqa: PLC0415

    SocketModeHandler(app, app_token, web_client=app.client).start()
