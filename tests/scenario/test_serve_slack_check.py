"""Startup's token check (auth.test): Slack unreachable or a refused token, one line, exit 2."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.app import create_app
from bot.config.settings import load_settings
from bot.model.errors import ConfigError
from bot.runtime.services import build_services
from tests.scenario.harness import BOT_TOKEN, SIGNING_SECRET
from tests.scenario.mock_slack import MockSlack

ROOT = Path(__file__).resolve().parents[2]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(**extra: str) -> dict[str, str]:
    keep = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "IAM_AUDIT_", "REDIS_"))
    }
    return {**keep, **extra}


def _settings(api_url: str):
    return load_settings(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api_url,
            "IAM_AUDIT_DEMO": "true",
        }
    )


def test_serve_with_slack_unreachable_says_so_in_one_sentence_and_exits_2() -> None:
    api_url = f"http://127.0.0.1:{_closed_port()}/api/"
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--demo", "--port", "0", "--host", "127.0.0.1"],
        env=_env(
            SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=api_url
        ),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert (
        f"Slack's API at {api_url} could not be reached to verify the token (auth.test)"
        in result.stderr
    )
    assert "will be unused" not in result.stderr  # Bolt's client/token warning
    assert "Failed to send a request" not in result.stderr  # slack_sdk's per-attempt noise
    assert "unexpected" not in result.stderr
    assert "Traceback" not in result.stderr
    assert BOT_TOKEN not in result.stderr


def test_a_refused_token_names_slacks_error_code(mock_slack: MockSlack) -> None:
    mock_slack.errors["auth.test"] = "invalid_auth"
    settings = _settings(mock_slack.base_url)
    services = build_services(settings)
    try:
        with pytest.raises(ConfigError) as caught:
            create_app(settings, services)
    finally:
        services.jobs.shutdown()
    assert caught.value.problems == [
        f"Slack's API at {mock_slack.base_url} refused SLACK_BOT_TOKEN (auth.test: invalid_auth)"
    ]
    assert BOT_TOKEN not in str(caught.value)


def test_no_client_token_warning_when_the_token_is_also_in_the_environment(
    mock_slack: MockSlack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)  # as `iam-audit serve` runs: Bolt reads it
    settings = _settings(mock_slack.base_url)
    services = build_services(settings)
    try:
        with caplog.at_level(logging.DEBUG):
            app = create_app(settings, services)
    finally:
        services.jobs.shutdown()
    assert app.client is services.delivery.client
    assert [c.method for c in mock_slack.calls] == ["auth.test"]
    assert "will be unused" not in caplog.text
    # The filter is gone once the app is built: later warnings from Bolt still reach the log.
    assert not logging.getLogger("slack_bolt").filters


class _BadGateway(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = b"<html>502 Bad Gateway</html>"
        self.send_response(502)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_an_http_error_is_not_mistaken_for_a_refused_token() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BadGateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    api_url = f"http://127.0.0.1:{server.server_address[1]}/api/"
    settings = _settings(api_url)
    services = build_services(settings)
    try:
        with pytest.raises(ConfigError) as caught:
            create_app(settings, services)
    finally:
        services.jobs.shutdown()
        server.shutdown()
        server.server_close()
    assert caught.value.problems == [
        f"Slack's API at {api_url} answered HTTP 502 to auth.test, so the token could not be"
        " verified"
    ]
