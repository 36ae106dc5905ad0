"""A local stand-in for Slack's Web API (port 0) that records every call with its body.

It answers the methods the bot uses, can be told to answer 429 + Retry-After for the next N
calls, and also serves response_url and file-upload URLs, so nothing leaves the machine.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

JSON_FIELDS = ("blocks", "view", "files", "attachments")


@dataclass
class Call:
    method: str  # "chat.postMessage", ..., "response_url", "upload"
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    path: str = ""


class MockSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.usergroups: dict[str, list[str]] = {}
        self.errors: dict[str, str] = {}  # method -> Slack error code to answer with ok:false
        self._throttle: list[tuple[int, int]] = []  # remaining count, retry-after seconds
        self.throttled: list[str] = []
        self._cond = threading.Condition()
        self._ts = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        return self.root + "/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.root}/response/{name}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def throttle_next(self, count: int, retry_after: int = 1) -> None:
        """Answer the next ``count`` calls with 429 and a Retry-After header."""
        with self._cond:
            self._throttle = [(count, retry_after)]

    def _take_throttle(self) -> int | None:
        with self._cond:
            if self._throttle and self._throttle[0][0] > 0:
                count, retry_after = self._throttle[0]
                self._throttle[0] = (count - 1, retry_after)
                return retry_after
        return None

    def record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    def calls_to(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 15.0) -> list[Call]:
        """Block until ``count`` calls of ``method`` arrived (condition wait, no polling sleep)."""
        with self._cond:
            ok = self._cond.wait_for(
                lambda: sum(1 for c in self.calls if c.method == method) >= count, timeout
            )
            found = [c for c in self.calls if c.method == method]
        if not ok:
            seen = [c.method for c in self.calls]
            raise AssertionError(f"expected {count} call(s) to {method}, got {len(found)}: {seen}")
        return found

    def wait_until(self, predicate, timeout: float = 15.0) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: predicate(list(self.calls)), timeout):
                raise AssertionError(f"condition not met; calls: {[c.method for c in self.calls]}")

    # --- answers ---------------------------------------------------------------------------

    def answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if method in self.errors:
            return {"ok": False, "error": self.errors[method]}
        channel = body.get("channel", "C0")
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "team": "t"}
        if method == "chat.postMessage":
            return {"ok": True, "channel": channel, "ts": f"1700000000.{next(self._ts):06d}"}
        if method == "chat.update":
            return {"ok": True, "channel": channel, "ts": body.get("ts")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000000.{next(self._ts):06d}"}
        if method == "usergroups.users.list":
            group = body.get("usergroup", "")
            if group not in self.usergroups:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": self.usergroups[group]}
        if method == "files.getUploadURLExternal":
            return {"ok": True, "upload_url": f"{self.root}/upload/F1", "file_id": "F1"}
        if method == "files.completeUploadExternal":
            return {"ok": True, "files": [{"id": "F1", "title": "report"}]}
        if method == "files.info":
            return {"ok": True, "file": {"id": "F1"}}
        return {"ok": True}


def _parse(raw: bytes, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    if "application/json" in content_type:
        return json.loads(raw.decode("utf-8"))
    if "multipart/form-data" in content_type or "application/octet-stream" in content_type:
        return {"bytes": len(raw)}
    try:
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8")).items()}
    except UnicodeDecodeError:
        return {"bytes": len(raw)}
    for key in JSON_FIELDS:
        if isinstance(form.get(key), str):
            with contextlib.suppress(ValueError):
                form[key] = json.loads(form[key])
    return form


def _handler(mock: MockSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            body = _parse(raw, self.headers.get("Content-Type", ""))
            headers = {k.lower(): v for k, v in self.headers.items()}
            if self.path.startswith("/api/"):
                method = self.path[len("/api/") :].split("?")[0]
            elif self.path.startswith("/response/"):
                method = "response_url"
            elif self.path.startswith("/upload/"):
                method = "upload"
            else:
                self._send(404, {"ok": False})
                return
            retry_after = mock._take_throttle()
            if retry_after is not None:
                mock.throttled.append(method)
                self._send(
                    429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
                )
                return
            mock.record(Call(method, body, headers, self.path))
            if method == "response_url":
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
                return
            if method == "upload":
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"OK")
                return
            self._send(200, mock.answer(method, body))

        def _send(
            self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler
