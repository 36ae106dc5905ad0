"""waitress with limits, shared by the Slack events endpoint (HTTP mode) and the ops port.

waitress reads each request completely (headers and body) on its event loop before a worker
thread sees it, so stalled or slow bodies hold no thread; idle connections are closed after
``channel_timeout``, bodies and headers are capped, at most ``connection_limit`` connections are
open and ``threads`` requests run at once. waitress's idle timeout counts from the last byte
received, so a client trickling one byte every few seconds would keep its connection (and a
``connection_limit`` slot) forever: a request must also arrive whole within ``request_deadline``
seconds of its first byte, or its connection is closed.

Both ports answer GET /healthz and GET /metrics the same way (:func:`operations_answer`).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from waitress.channel import HTTPChannel
from waitress.server import create_server

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
# Slack's requests are a few KB sent at once; a request still arriving after this is a slow client.
REQUEST_DEADLINE_SECONDS = 15.0

Health = Callable[[], tuple[bool, dict[str, Any]]]
MetricsExposition = Callable[[], tuple[bytes, str]]
WsgiApp = Callable[..., Any]


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


class LimitedHttpServer:
    """A WSGI application served by waitress within the limits above; port 0 picks a free
    port (tests)."""

    def __init__(
        self,
        wsgi: WsgiApp,
        *,
        name: str,
        host: str,
        port: int,
        threads: int,
        channel_timeout: int,
        connection_limit: int,
        max_body_bytes: int,
        max_header_bytes: int,
        backlog: int,
        request_deadline: float = REQUEST_DEADLINE_SECONDS,
    ) -> None:
        self._name = name
        self._server = create_server(
            wsgi,
            host=host,
            port=port,
            threads=threads,
            channel_timeout=channel_timeout,
            connection_limit=connection_limit,
            max_request_body_size=max_body_bytes,
            max_request_header_size=max_header_bytes,
            cleanup_interval=max(1, min(channel_timeout, 30)),
            ident="iam-audit",
            backlog=backlog,
        )
        # A class per server, so two servers (tests) keep their own deadline.
        self._server.channel_class = type(  # type: ignore[union-attr]
            "DeadlineChannel", (DeadlineChannel,), {"request_deadline": request_deadline}
        )
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.effective_port)  # type: ignore[union-attr]

    def serve_forever(self) -> None:
        try:
            self._server.run()
        except OSError:  # the listening socket was closed by shutdown()
            log.debug("%s server stopped", self._name)

    def start_background(self) -> threading.Thread:
        self._thread = threading.Thread(target=self.serve_forever, name=self._name, daemon=True)
        self._thread.start()
        return self._thread

    def shutdown(self) -> None:
        self._server.close()
        self._server.task_dispatcher.shutdown(timeout=5)
        if self._thread:
            self._thread.join(timeout=5)


def operations_answer(
    method: str, path: str, health: Health, metrics: MetricsExposition | None
) -> tuple[int, bytes, str] | None:
    """(status, body, content type) for GET /healthz and GET /metrics; None for anything else
    (and for /metrics when metrics are off)."""
    if method != "GET":
        return None
    if path == HEALTH_PATH:
        ok, details = health()
        return 200 if ok else 503, json.dumps({"ok": ok, **details}).encode(), "application/json"
    if path == METRICS_PATH and metrics is not None:
        body, content_type = metrics()
        return 200, body, content_type
    return None


def send(
    start_response: Callable[..., Any], status: int, body: bytes, content_type: str
) -> list[bytes]:
    """Answer a WSGI request with ``body`` whole (its length declared)."""
    start_response(
        f"{status} {HTTPStatus(status).phrase}",
        [("Content-Type", content_type), ("Content-Length", str(len(body)))],
    )
    return [body]
