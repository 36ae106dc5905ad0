"""The CLI's progress display: on a terminal only, never on a pipe, in CI or a dumb terminal."""

from __future__ import annotations

import io
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from bot.clicmd._accounts import counted
from bot.clicmd._progress import SilentProgress, wants_progress, watch_api_calls

ROOT = Path(__file__).resolve().parents[2]
CLI = (
    [sys.executable, "-m", "bot.cli"]
    if not (ROOT / ".venv/bin/iam-audit").exists()
    else [str(ROOT / ".venv/bin/iam-audit")]
)


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stream", "env", "verbose", "expected"),
    [
        (Tty(), {"TERM": "xterm"}, 0, True),
        (Tty(), {"TERM": "xterm", "NO_COLOR": "1"}, 0, True),  # no colour, still progress
        (io.StringIO(), {"TERM": "xterm"}, 0, False),  # a pipe or a file
        (Tty(), {"TERM": "dumb"}, 0, False),
        (Tty(), {"TERM": "xterm", "CI": "true"}, 0, False),
        (Tty(), {"TERM": "xterm"}, 1, False),  # -v: the log lines are the progress
    ],
)
def test_when_a_display_is_wanted(stream, env, verbose, expected) -> None:
    assert wants_progress(stream, env, verbose=verbose) is expected


class Recorder(SilentProgress):
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.accounts: list[tuple[str, bool]] = []

    def api_call(self, service: str, operation: str) -> None:
        self.calls.append(f"{service}:{operation}")

    def account_done(self, account_id: str, *, failed: bool) -> None:
        self.accounts.append((account_id, failed))


def test_every_aws_call_of_the_session_is_counted() -> None:
    """Response shapes from the IAM API reference (GetAccountSummary, ListUsers)."""
    session = boto3.Session(
        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x", region_name="us-east-1"
    )
    progress = Recorder()
    watch_api_calls(session, progress)
    iam = session.client("iam")
    with Stubber(iam) as stub:
        stub.add_response("get_account_summary", {"SummaryMap": {"Users": 3}})
        stub.add_response("list_users", {"Users": [], "IsTruncated": False})
        iam.get_account_summary()
        iam.list_users()
    assert progress.calls == ["iam:GetAccountSummary", "iam:ListUsers"]


def test_accounts_done_and_failed_are_counted() -> None:
    progress = Recorder()

    def collect(_session, account_id: str):
        if account_id == "222222222222":
            raise RuntimeError("AccessDenied on sts:AssumeRole")
        return account_id

    wrapped = counted(collect, progress)
    assert wrapped(None, "111111111111") == "111111111111"
    with pytest.raises(RuntimeError):
        wrapped(None, "222222222222")
    assert progress.accounts == [("111111111111", False), ("222222222222", True)]


def _run_on_a_terminal(args: list[str], env_changes: dict[str, str]) -> bytes:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR")}
    env.update({"TERM": "xterm-256color", **env_changes})
    master, slave = pty.openpty()
    process = subprocess.Popen(
        CLI + args, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT
    )
    os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        elif process.poll() is not None:
            break
    process.wait(timeout=60)
    os.close(master)
    return out


def test_a_terminal_shows_the_stages_then_only_the_summary_line(tmp_path) -> None:
    out = _run_on_a_terminal(["audit", "--demo", "--output", str(tmp_path / "r.txt")], {})
    assert b"collecting the account's IAM data" in out
    assert b"\x1b[?25l" in out  # the live display hid the cursor ...
    assert out.rstrip().endswith(b"0 skipped, 0 errors")  # ... and left only the summary
    assert re.search(rb"\d+ findings, 0 muted, \d+ checks ran", out)
    assert (tmp_path / "r.txt").read_text().startswith("iam-audit report for account")


def test_no_color_keeps_the_display_without_colours(tmp_path) -> None:
    out = _run_on_a_terminal(
        ["audit", "--demo", "--output", str(tmp_path / "r.txt")], {"NO_COLOR": "1"}
    )
    assert b"collecting the account's IAM data" in out
    assert b"\x1b[3" not in out  # no foreground colour codes
    assert b"\x1b[9" not in out


@pytest.mark.parametrize("env", [{"TERM": "dumb"}, {"CI": "true"}])
def test_dumb_terminals_and_ci_get_no_display(tmp_path, env) -> None:
    out = _run_on_a_terminal(["audit", "--demo", "--output", str(tmp_path / "r.txt")], env)
    assert b"collecting" not in out
    assert b"\x1b[" not in out
    assert out.decode().strip().startswith("iam-audit: report for account")


def test_a_pipe_gets_the_report_and_one_summary_line(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    done = subprocess.run(
        [*CLI, "snapshot", "--demo", "--output", str(tmp_path / "s.json")],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "collection issues)" in lines[0] or "collection issue)" in lines[0]
