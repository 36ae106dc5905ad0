"""The events endpoint under raw, hostile HTTP: waitress + Bolt's WSGI adapter, real sockets."""

from __future__ import annotations

import http.client
import json
import logging
import socket
import time

import pytest

from bot.clicmd.serve import health_of
from bot.slack.approval_blocks import CUSTOM_MODAL, POLICY_BLOCK, POLICY_INPUT
from bot.slack.http_server import SlackHttpServer
from tests.scenario.harness import modal_submission_body, signed_headers, slash_body, texts

MALFORMED = "payload=%7Bnot-json"


def rejected_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.slack.http_server"]


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({}, "no Slack signature headers"),
        (
            {"x-slack-request-timestamp": "abc", "x-slack-signature": "v0=00"},
            "not a Unix time",
        ),
        (
            {"x-slack-request-timestamp": str(int(time.time())), "x-slack-signature": "v0=00"},
            "does not match",
        ),
        ("stale", "does not match, or the timestamp is over 5 minutes old"),
    ],
    ids=["unsigned", "timestamp-abc", "bad-signature", "replayed-after-5-minutes"],
)
def test_every_request_failing_verification_is_401_with_one_log_line_and_nothing_parsed(
    bot, caplog: pytest.LogCaptureFixture, headers, why: str
) -> None:
    if headers == "stale":
        headers = signed_headers(MALFORMED, timestamp=int(time.time()) - 600)
    headers = {"content-type": "application/x-www-form-urlencoded", **headers}
    caplog.set_level(logging.DEBUG)
    status, body = bot.post(MALFORMED, headers=headers)
    assert status == 401
    assert json.loads(body) == {"error": "invalid request signature"}
    lines = rejected_lines(caplog)
    assert len(lines) == 1
    assert why in lines[0]
    assert not [r for r in caplog.records if r.exc_info]  # no traceback anywhere
    assert not [r for r in caplog.records if r.name.startswith("slack_bolt")]  # Bolt never saw it


def test_a_signed_request_with_a_malformed_payload_is_400_not_a_traceback(
    bot, caplog: pytest.LogCaptureFixture
) -> None:
    """Signed but garbled: one line, 400 (no dropped connection, no 500, no traceback)."""
    status, body = bot.post(MALFORMED)
    assert status == 400
    assert json.loads(body) == {"error": "malformed payload"}
    assert not [r for r in caplog.records if r.exc_info]


def test_a_replayed_signed_apply_creates_one_request(bot) -> None:
    """The same signed command sent twice within Slack's 5 minutes: one run, not two."""
    body = slash_body("status", response_url=bot.mock.response_url("replay"))
    headers = signed_headers(body)
    assert bot.post(body, headers=headers)[0] == 200
    assert bot.post(body, headers=headers)[0] == 200
    bot.mock.wait_until(lambda calls: any(c.method == "response_url" for c in calls))
    time.sleep(0.5)
    assert len(bot.mock.calls_to("response_url")) == 1


def test_stalled_request_bodies_hold_no_worker_and_are_cut_off(bot) -> None:
    """50 connections announce a body and never send it; the bot still answers at once, and
    the stalled connections are closed after the idle timeout."""
    server = SlackHttpServer(
        bot.app,
        host="127.0.0.1",
        port=0,
        health=health_of(bot.services),
        threads=2,
        channel_timeout=2,
    )
    server.start_background()
    stalled = []
    try:
        for _ in range(50):
            conn = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n{")
            stalled.append(conn)
        started = time.monotonic()
        client = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        client.request("GET", "/healthz")
        response = client.getresponse()
        assert response.status == 200
        assert json.loads(response.read())["ok"] is True
        assert time.monotonic() - started < 2  # 2 worker threads, 50 stalled bodies
        time.sleep(4.5)  # idle timeout 2 s, checked every 2 s
        closed = 0
        for conn in stalled:
            conn.settimeout(1)
            try:
                closed += conn.recv(1) == b""
            except (TimeoutError, ConnectionResetError):
                closed += 1
        assert closed == len(stalled)
    finally:
        for conn in stalled:
            conn.close()
        server.shutdown()


def test_an_oversized_body_is_refused_before_it_is_read(bot) -> None:
    with socket.create_connection(("127.0.0.1", bot.server.port), timeout=10) as conn:
        conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 1100000\r\n\r\n")
        answer = conn.recv(200)
    assert answer.startswith(b"HTTP/1.1 413")


def test_health_and_metrics_stay(bot) -> None:
    status, body = bot.get("/healthz")
    assert status == 200
    assert json.loads(body)["ok"] is True
    assert bot.get("/nothing")[0] == 404


def test_lint_with_a_5000_digit_number_answers_a_clear_error(bot) -> None:
    policy = '{"Version": "2012-10-17", "Statement": [], "n": ' + "9" * 5000 + "}"
    assert bot.command(f"lint {policy}"[:19_000], via="dispatch") == 200
    bot.mock.wait_until(lambda calls: any(c.method == "response_url" for c in calls))
    reply = texts(bot.mock.calls_to("response_url"))
    assert "cannot be linted" in reply
    assert "more than 4,300 digits" in reply
    assert "Something went wrong" not in reply


def test_the_custom_policy_modal_with_40k_nested_json_answers_a_modal_error(bot) -> None:
    from commands.approvals import custom_policy_error

    text = "[" * 20_000 + "]" * 20_000
    view = {
        "state": {
            "values": {POLICY_BLOCK: {POLICY_INPUT: {"type": "plain_text_input", "value": text}}}
        }
    }
    assert custom_policy_error(view) == (
        "This policy cannot be used: it is nested too deeply (more than 64 levels)."
    )
    meta = {"channel": "C111", "kind": "user", "name": "bob"}
    response = bot.dispatch(
        modal_submission_body(CUSTOM_MODAL, POLICY_BLOCK, POLICY_INPUT, text, meta)
    )
    assert response.status == 200
    assert "nested too deeply" in str(response.body)


def test_a_slack_retry_of_a_command_is_acked_and_dropped(bot) -> None:
    """Slack re-sends with X-Slack-Retry-Num when it thinks the first delivery timed out."""
    body = slash_body("status", response_url=bot.mock.response_url("retry"))
    headers = {**signed_headers(body), "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "timeout"}
    assert bot.post(body, headers=headers)[0] == 200
    time.sleep(0.5)
    assert bot.mock.calls_to("response_url") == []
