"""Hostile input a previous review left open: a digest channel that is no channel, a config file
that is a device or binary, and IAM names no IAM would accept. Each is refused with one line
(exit 2) that shows, escaped, what it refused; nothing is lost and no secret is echoed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli
from bot.config.settings import load_settings
from bot.model.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
GAAD_SAMPLE = ROOT / "tests" / "data" / "gaad_sample.json"
SLACK_OK = {"SLACK_BOT_TOKEN": "xoxb-1-2-not-a-real-token", "SLACK_SIGNING_SECRET": "shh-secret"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_exit_2(code: int, err: str, *words: str) -> None:
    assert code == 2, err
    lines = [line for line in err.strip().splitlines() if "REDIS_URL is not set" not in line]
    assert len(lines) == 1, err
    assert lines[0].startswith("iam-audit: error: "), err
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], lines[0]


def _limited_memory() -> None:
    import resource

    limit = 2 << 30  # far above what reading a megabyte needs; a regression fails, not swaps
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


# --- config files: bounded, text, UTF-8 -------------------------------------------------------


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero and /dev/urandom")
@pytest.mark.parametrize(
    ("device", "words"),
    [
        ("/dev/zero", "is not valid TOML: it holds a NUL byte"),
        ("/dev/urandom", "config file /dev/urandom"),
    ],
)
def test_an_endless_device_as_config_is_refused_not_read_until_memory_runs_out(
    device: str, words: str
) -> None:
    """`--config /dev/zero` read until memory ran out: "out of memory", after the machine's
    memory (or the limit) was gone."""
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "audit", "--demo", "--config", device],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
        preexec_fn=_limited_memory,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"config file {device}" in lines[0]
    assert words in lines[0]
    assert "out of memory" not in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (
            b"[thresholds]\ninactive_days = 60\n\x00\x01\x02",
            ("is not valid TOML", "holds a NUL byte"),
        ),
        (b"# " + b"x" * (2 << 20) + b"\n", ("is larger than 1 MB", "not a config")),
        (b"[thresholds]\n# caf\xe9\n", ("is not UTF-8 text", "byte 18")),
    ],
    ids=["nul", "oversize", "latin-1"],
)
def test_a_binary_huge_or_non_utf8_config_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, words: tuple[str, ...]
) -> None:
    config = tmp_path / "iam-audit.toml"
    config.write_bytes(content)
    code, out, err = run(capsys, "audit", "--demo", "--config", str(config))
    assert_one_line_exit_2(code, err, f"config file {config}", *words)
    assert out == ""
    assert config.read_bytes() == content


def test_a_config_of_exactly_the_limit_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "iam-audit.toml"
    head = b"[thresholds]\ninactive_days = 60\n# "
    config.write_bytes(head + b"x" * ((1 << 20) - len(head) - 1) + b"\n")
    assert config.stat().st_size == 1 << 20
    code, _, err = run(capsys, "audit", "--demo", "--config", str(config), "-f", "json")
    assert code in (0, 1), err


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"[slack]\n\x00", "holds a NUL byte"),
        (b"# " + b"x" * (2 << 20), "is larger than 1 MB"),
        (b"[slack]\n# \xff\n", "is not UTF-8 text"),
    ],
    ids=["nul", "oversize", "not-utf8"],
)
def test_the_bots_settings_refuse_the_same_files_among_its_problems(
    tmp_path: Path, content: bytes, words: str
) -> None:
    config = tmp_path / "bot.toml"
    config.write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        load_settings(SLACK_OK, config_file=config)
    assert [p for p in caught.value.problems if words in p and str(config) in p]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_serve_with_dev_zero_as_its_config_lists_it_at_start() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "IAM_AUDIT_"))}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--config", "/dev/zero"],
        env={**env, **SLACK_OK},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
        preexec_fn=_limited_memory,
    )
    assert result.returncode == 2, result.stderr
    assert "config file /dev/zero is not valid TOML: it holds a NUL byte" in result.stderr
    assert "Traceback" not in result.stderr
    assert "shh-secret" not in result.stderr


# --- the digest's channel: a Slack channel id, nothing else -----------------------------------


@pytest.fixture
def unreachable_slack(monkeypatch: pytest.MonkeyPatch) -> None:
    """A token and an API no post can reach: a channel let through ends in "could not reach
    Slack", a refused one never gets that far."""
    for name in list(os.environ):
        if name.startswith(("IAM_AUDIT_", "REDIS_URL")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK_OK["SLACK_BOT_TOKEN"])
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:1/api/")


@pytest.mark.parametrize(
    ("channel", "words"),
    [
        ("<!everyone>", ("'<!everyone>'", "is not a channel id")),
        ("C0123ABCD<!channel>", ("is not a channel id",)),
        ("", ("--channel is empty",)),
        ("   ", ("--channel is empty",)),
        ("C0123\nABCD", ("'C0123\\nABCD'", "is not a channel id")),
        ("C0123 ABCD", ("is not a channel id",)),
        ("\x1b]0;owned\x07C0123", ("'\\x1b]0;owned\\x07C0123'",)),
        ("C" + "A" * 5000, ("is not a channel id", "...")),
        ("#general", ("'#general' is a channel name", "give the channel's id")),
        ("general", ("'general' is a channel name", "give the channel's id")),
        ("c0123abcd", ("is a channel name",)),
        ("U0123ABCD", ("is not a channel id",)),
    ],
    ids=[
        "mention",
        "id-then-mention",
        "empty",
        "blank",
        "newline",
        "space",
        "osc",
        "over-long",
        "hash-name",
        "name",
        "lower-case",
        "user-id",
    ],
)
def test_a_digest_channel_that_is_no_channel_id_is_refused_before_anything_runs(
    capsys: pytest.CaptureFixture[str],
    unreachable_slack: None,
    channel: str,
    words: tuple[str, ...],
) -> None:
    """Anything went to chat.postMessage as the channel (and as the once-per-slot key): a
    newline, a mention, 5,000 characters; only Slack's answer stopped it, after the audit."""
    code, out, err = run(capsys, "digest", "--demo", "--post", "--channel", channel)
    assert_one_line_exit_2(code, err, "--channel", *words)
    assert "could not reach Slack" not in err
    assert "REDIS_URL is not set" not in err  # refused before the digest was set up
    assert len(err) < 400
    assert "\x1b" not in err
    assert "\x07" not in err
    assert SLACK_OK["SLACK_BOT_TOKEN"] not in err
    assert out == ""


@pytest.mark.parametrize("channel", ["C0123ABCD", "#C0123ABCD", " G0123ABCD ", "D0123ABCD"])
def test_a_digest_channel_id_goes_on_to_slack(
    capsys: pytest.CaptureFixture[str], unreachable_slack: None, channel: str
) -> None:
    code, _, err = run(capsys, "digest", "--demo", "--post", "--channel", channel)
    assert code == 2, err
    assert "could not reach Slack" in err


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("<!here>", ("IAM_AUDIT_DIGEST_CHANNEL", "'<!here>'", "is not a channel id")),
        ("#security", ("IAM_AUDIT_DIGEST_CHANNEL", "'#security' is a channel name")),
        ("C01\rX", ("IAM_AUDIT_DIGEST_CHANNEL", "'C01\\rX'")),
    ],
)
def test_a_bad_digest_channel_in_the_environment_is_one_line(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    unreachable_slack: None,
    value: str,
    words: tuple[str, ...],
) -> None:
    monkeypatch.setenv("IAM_AUDIT_DIGEST_CHANNEL", value)
    code, out, err = run(capsys, "digest", "--demo", "--post")
    assert_one_line_exit_2(code, err, *words)
    assert "could not reach Slack" not in err
    assert out == ""


@pytest.mark.parametrize(
    ("env", "file_channel", "words"),
    [
        ({"IAM_AUDIT_DIGEST_CHANNEL": "<!everyone>"}, None, "IAM_AUDIT_DIGEST_CHANNEL: '<!e"),
        ({}, "#general", "[digest] channel: '#general' is a channel name"),
        ({}, "C" * 300, "[digest] channel: 'CCCCC"),
        ({}, " ", "[digest] channel is empty"),
    ],
)
def test_the_bot_lists_a_bad_digest_channel_among_its_start_up_problems(
    tmp_path: Path, env: dict[str, str], file_channel: str | None, words: str
) -> None:
    config = tmp_path / "bot.toml"
    table = "" if file_channel is None else f"[digest]\nchannel = {json.dumps(file_channel)}\n"
    config.write_text(table, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings({**SLACK_OK, **env}, config_file=config)
    found = [p for p in caught.value.problems if words in p]
    assert found, caught.value.problems
    assert all(len(p) < 300 for p in caught.value.problems)
