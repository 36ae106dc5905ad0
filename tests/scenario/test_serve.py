"""`iam-audit serve` as a user starts it: fails fast on bad config, announces its store, serves."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.process_support import alive, audit_workers_of, wait_for
from tests.scenario.harness import BOT_TOKEN, SIGNING_SECRET, signed_headers, slash_body

ROOT = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict[str, str]:
    keep = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "IAM_AUDIT_", "REDIS_"))
    }
    return {**keep, **extra}


def test_startup_lists_every_configuration_problem() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve"],
        env=_env(SLACK_BOT_TOKEN="xoxp-wrong", IAM_AUDIT_CHANNELS="general"),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN must be a bot token" in result.stderr
    assert "SLACK_SIGNING_SECRET is not set" in result.stderr
    assert "'general' is not a channel id" in result.stderr
    assert "xoxp-wrong" not in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_demo_over_http_with_the_in_process_store(mock_slack) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--demo", "--port", "0", "--host", "127.0.0.1"],
        env=_env(
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=mock_slack.base_url,
        ),
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        lines = []
        port = None
        for line in process.stderr:
            lines.append(line)
            found = re.search(r"listening on http://127\.0\.0\.1:(\d+)/slack/events", line)
            if found:
                port = int(found.group(1))
                break
        assert port, "".join(lines)
        startup = "".join(lines)
        assert "REDIS_URL is not set: using the in-process store" in startup
        assert "demo account" in startup
        assert BOT_TOKEN not in startup
        assert SIGNING_SECRET not in startup
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/healthz")
        assert json.loads(conn.getresponse().read()) == {"ok": True, "store": "memory"}
        body = slash_body("help", response_url=mock_slack.response_url())
        conn.request("POST", "/slack/events", body=body, headers=signed_headers(body))
        assert conn.getresponse().status == 200
        reply = mock_slack.wait_for("response_url")[0].body
        assert "/iam-audit audit" in json.dumps(reply["blocks"])
        conn.close()
        # SIGTERM (systemd, `docker stop`) stops it as Ctrl-C does: its audit worker processes
        # (started in the background at start-up) end with it instead of staying behind.
        assert wait_for(lambda: audit_workers_of(process.pid), seconds=60)
        workers = audit_workers_of(process.pid)
        process.terminate()
        assert process.wait(timeout=30) == 0
        assert not [w for w in workers if alive(w)]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
