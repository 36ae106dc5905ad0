"""Security review of the HTTP side: slow clients, the ops port, odd but signed bodies, paths.

Real sockets against waitress + Bolt (bot/slack/http_server.py) and against the Socket Mode ops
port (bot/runtime/observability.py), with the mock Slack Web API recording what the bot sends.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from bot.clicmd.serve import health_of
from bot.runtime.observability import OpsHttpServer
from bot.slack.http_server import SlackHttpServer
from tests.scenario.conftest import demo_snapshot
from tests.scenario.harness import Bot, signed_headers, slash_body
from tests.scenario.mock_slack import MockSlack


@pytest.fixture
def bot() -> Iterator[Bot]:
    mock = MockSlack()
    running = Bot(mock, demo_snapshot())
    yield running
    running.close()
    mock.close()


def closed_by_server(conn: socket.socket, within: float) -> bool:
    """Whether the server closes ``conn`` within ``within`` seconds (EOF or reset)."""
    conn.settimeout(within)
    try:
        while True:
            data = conn.recv(4096)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


def trickled_request_is_cut_off(server: SlackHttpServer | OpsHttpServer) -> bool:
    """Whether ``server`` closes a connection whose request arrives a byte every 0.3 s (a
    Slowloris client: waitress's idle timeout never fires)."""
    server.start_background()
    conn = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    stop = threading.Event()

    def trickle() -> None:
        try:
            conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n")
            while not stop.wait(0.3):
                conn.sendall(b"a")
        except OSError:  # the server closed it: what the test waits for
            return

    sender = threading.Thread(target=trickle, daemon=True)
    sender.start()
    try:
        return closed_by_server(conn, within=6.0)
    finally:
        stop.set()
        sender.join(timeout=5)
        conn.close()
        server.shutdown()


def test_a_body_trickled_one_byte_at_a_time_is_cut_off_at_the_request_deadline(bot: Bot) -> None:
    """Slowloris: a byte every 0.3 s never lets waitress's idle timeout (2 s here) fire, so the
    connection, one of the 200 the server accepts, stayed open as long as the client liked:
    200 such clients lock Slack out. The whole request must now arrive within the deadline."""
    server = SlackHttpServer(
        bot.app,
        host="127.0.0.1",
        port=0,
        health=health_of(bot.services),
        channel_timeout=2,
        request_deadline=1.5,
    )
    assert trickled_request_is_cut_off(server)


def test_the_ops_port_cuts_off_a_trickled_request_too() -> None:
    """The Socket Mode ops port is served by the same limited server: a trickling client does
    not keep one of its 50 connections either (it had the idle timeout only)."""
    server = OpsHttpServer(
        host="127.0.0.1",
        port=0,
        health=lambda: (True, {}),
        metrics=lambda: (b"", "text/plain"),
        channel_timeout=2,
        request_deadline=1.5,
    )
    assert trickled_request_is_cut_off(server)


def test_a_request_sent_at_once_after_an_idle_keep_alive_is_not_cut_off(bot: Bot) -> None:
    """The deadline counts from a request's first byte, not the connection's: a keep-alive
    connection idle between two quick requests still answers the second one."""
    server = SlackHttpServer(
        bot.app,
        host="127.0.0.1",
        port=0,
        health=health_of(bot.services),
        channel_timeout=5,
        request_deadline=1.0,
    )
    server.start_background()
    try:
        client = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        client.request("GET", "/healthz")
        first = client.getresponse()
        assert first.status == 200
        first.read()
        time.sleep(1.5)
        client.request("GET", "/healthz")
        response = client.getresponse()
        assert response.status == 200
        assert json.loads(response.read())["ok"] is True
        client.close()
    finally:
        server.shutdown()


def test_the_socket_mode_ops_port_closes_stalled_connections() -> None:
    """/healthz and /metrics in Socket Mode: http.server gave each connection a thread with no
    timeout, so connections that never finish their request line held a thread each, forever
    (unbounded threads on a port bound to 0.0.0.0 by default)."""
    server = OpsHttpServer(
        host="127.0.0.1",
        port=0,
        health=lambda: (True, {"store": "memory"}),
        metrics=lambda: (b"", "text/plain"),
        channel_timeout=2,
    )
    server.start_background()
    stalled = []
    try:
        for _ in range(20):
            conn = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            conn.sendall(b"GET /metr")
            stalled.append(conn)
        client = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        client.request("GET", "/healthz")
        assert client.getresponse().status == 200
        client.close()
        assert all(closed_by_server(conn, within=6.0) for conn in stalled)
    finally:
        for conn in stalled:
            conn.close()
        server.shutdown()


def test_the_ops_port_answers_health_and_metrics_and_nothing_else() -> None:
    server = OpsHttpServer(
        host="127.0.0.1",
        port=0,
        health=lambda: (False, {"store": "unreachable"}),
        metrics=lambda: (b"iam_audit_up 1\n", "text/plain; version=0.0.4"),
    )
    server.start_background()
    try:
        answers = {}
        for method, path in (
            ("GET", "/healthz"),
            ("GET", "/metrics"),
            ("GET", "/healthz?x=1"),
            ("GET", "/slack/events"),
            ("POST", "/slack/events"),
            ("GET", "/"),
        ):
            client = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
            client.request(method, path, body=b"{}" if method == "POST" else None)
            response = client.getresponse()
            answers[(method, path)] = (response.status, response.read())
            client.close()
    finally:
        server.shutdown()
    assert answers[("GET", "/healthz")] == (503, b'{"ok": false, "store": "unreachable"}')
    assert answers[("GET", "/metrics")] == (200, b"iam_audit_up 1\n")
    assert answers[("GET", "/healthz?x=1")][0] == 503
    assert answers[("GET", "/slack/events")][0] == 404
    assert answers[("POST", "/slack/events")][0] in (404, 405, 501)
    assert answers[("GET", "/")][0] == 404


def test_a_chunked_body_over_the_cap_is_refused(bot: Bot) -> None:
    """No Content-Length to check up front: waitress counts the chunks against the same cap."""
    assert bot.server is not None
    chunk = b"a" * 65536
    with socket.create_connection(("127.0.0.1", bot.server.port), timeout=10) as conn:
        conn.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        try:
            for _ in range(20):  # 1.3 MB
                conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:
            pass  # refused mid-way
        answer = conn.recv(200)
    assert answer.startswith(b"HTTP/1.1 413")


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/slack/events", 405),
        ("PUT", "/slack/events", 405),
        ("POST", "/slack/events/", 404),
        ("POST", "/slack/install", 404),
        ("POST", "/healthz", 404),
        ("GET", "/metrics/../healthz", 404),
    ],
)
def test_other_paths_and_methods_are_refused_without_reaching_bolt(
    bot: Bot, method: str, path: str, status: int
) -> None:
    assert bot.server is not None
    body = slash_body("audit")
    client = http.client.HTTPConnection("127.0.0.1", bot.server.port, timeout=5)
    client.request(method, path, body=body.encode(), headers=signed_headers(body))
    response = client.getresponse()
    assert response.status == status
    response.read()
    client.close()
    time.sleep(0.3)
    assert not bot.mock.calls_to("response_url")
    assert not bot.mock.calls_to("chat.postMessage")


def test_a_signed_command_older_than_five_minutes_is_refused_and_runs_nothing(bot: Bot) -> None:
    body = slash_body("audit", response_url=bot.mock.response_url("old"))
    status, _ = bot.post(body, headers=signed_headers(body, timestamp=int(time.time()) - 301))
    assert status == 401
    # a future timestamp beyond the window too
    status, _ = bot.post(body, headers=signed_headers(body, timestamp=int(time.time()) + 400))
    assert status == 401
    time.sleep(0.3)
    assert bot.mock.calls == [c for c in bot.mock.calls if c.method == "auth.test"]


def test_signed_ssl_check_and_url_verification_do_nothing_but_answer(bot: Bot) -> None:
    ssl_check = urlencode({"ssl_check": "1", "token": "legacy"})
    status, _ = bot.post(ssl_check)
    assert status == 200
    challenge = json.dumps({"type": "url_verification", "challenge": "<b>c</b>", "token": "t"})
    status, answer = bot.post(challenge)
    assert (status, json.loads(answer)) == (200, {"challenge": "<b>c</b>"})
    # unsigned, both are refused like anything else
    assert (
        bot.post(ssl_check, headers={"content-type": "application/x-www-form-urlencoded"})[0] == 401
    )
    assert bot.post(challenge, headers={"content-type": "application/json"})[0] == 401
    time.sleep(0.3)
    assert {c.method for c in bot.mock.calls} <= {"auth.test"}


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "multipart/form-data"])
def test_a_signed_command_with_an_odd_content_type_is_read_as_slack_sent_it(
    bot: Bot, caplog: pytest.LogCaptureFixture, content_type: str
) -> None:
    """Content-Type is not signed; the signed bytes are. Bolt reads a form body whatever the
    header says, so a relabelled request is the same (signed) request: answered once, no 500."""
    body = slash_body("help", response_url=bot.mock.response_url("ct"))
    status, _ = bot.post(body, headers=signed_headers(body, content_type=content_type))
    assert status == 200
    bot.mock.wait_for("response_url")
    assert not [r for r in caplog.records if r.exc_info]
