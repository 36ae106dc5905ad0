"""Input a user (or a hostile file) can produce never ends in exit 3 or a traceback: exit 2 and
one line naming the problem, and an output file is written whole or not at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli
from bot.audit.credential_report import REPORT_COLUMNS

ALL_ON_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
FORMATS = ("text", "json", "markdown", "csv", "sarif")


def gaad(**user_fields: object) -> dict:
    user = {
        "UserName": "alice",
        "Arn": "arn:aws:iam::123456789012:user/alice",
        "UserPolicyList": [{"PolicyName": "all", "PolicyDocument": ALL_ON_ALL}],
        **user_fields,
    }
    return {"UserDetailList": [user], "GroupDetailList": [], "RoleDetailList": [], "Policies": []}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def assert_one_line_exit_2(code: int, err: str, *words: str) -> None:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("iam-audit: error: ")
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0]


@pytest.mark.parametrize(
    ("option", "name"),
    [("--gaad", "GAAD file"), ("--snapshot", "snapshot file")],
)
def test_deeply_nested_json_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, name: str
) -> None:
    path = write(tmp_path / "deep.json", "[" * 100_000)
    code, _, err = run(capsys, "audit", option, path)
    assert_one_line_exit_2(code, err, name, "nested too deeply")


def test_nesting_below_the_parser_limit_but_past_ours_is_refused_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "deep.json", '{"UserDetailList": ' + "[" * 500 + "]" * 500 + "}")
    code, _, err = run(capsys, "audit", "--gaad", path)
    assert_one_line_exit_2(code, err, "nested too deeply")


def test_a_number_of_5000_digits_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "big.json", '{"UserDetailList": [], "n": ' + "9" * 5000 + "}")
    code, _, err = run(capsys, "audit", "--gaad", path)
    assert_one_line_exit_2(code, err, "more than 4,300 digits")


def test_deeply_nested_toml_config_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(tmp_path / "deep.toml", "a = " + "[" * 100_000)
    code, _, err = run(capsys, "audit", "--demo", "--config", config)
    assert_one_line_exit_2(code, err, "config file", "nested too deeply")


def test_lint_and_simulate_refuse_unsafe_policy_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = write(tmp_path / "p.json", '{"Statement": ' + "[" * 100_000 + "}")
    code, _, err = run(capsys, "lint", deep)
    assert_one_line_exit_2(code, err, "policy file", "nested too deeply")
    requests = write(tmp_path / "r.jsonl", "[" * 100_000 + "\n")
    code, out, err = run(capsys, "simulate", "--requests", requests)
    assert code != 3, err
    assert "nested too deeply" in out + err


def test_permissions_boundary_arn_as_a_list_is_refused_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's case: accepted before, 12 checks crashed and Allow * on * went unreported."""
    doc = gaad(PermissionsBoundary={"PermissionsBoundaryArn": ["arn:aws:iam::aws:policy/x"]})
    path = write(tmp_path / "gaad.json", json.dumps(doc))
    code, _, err = run(capsys, "audit", "--gaad", path, "--fail-on", "high")
    assert_one_line_exit_2(code, err, "user 'alice'", "PermissionsBoundaryArn", "a list")


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"Path": 7}, ("Path must be a string", "a number")),
        ({"GroupList": [{"x": 1}]}, ("GroupList entries must be strings",)),
        ({"UserId": ["x"]}, ("UserId must be a string",)),
        ({"Tags": [{"Key": 1}]}, ("Key must be a string",)),
        ({"PermissionsBoundary": "arn:aws:iam::aws:policy/x"}, ("PermissionsBoundary must be",)),
    ],
)
def test_wrongly_typed_gaad_fields_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fields: dict, words: tuple[str, ...]
) -> None:
    path = write(tmp_path / "gaad.json", json.dumps(gaad(**fields)))
    code, _, err = run(capsys, "audit", "--gaad", path)
    assert_one_line_exit_2(code, err, *words)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("account_id", None, "account_id must not be null"),
        ("account_id", 123456789012, "account_id must be a string, got a number"),
        ("source", None, "source must not be null"),
        ("collection_issues", None, "collection_issues must not be null"),
        ("collection_issues", 5, "collection_issues must be a list"),
        ("users", [{"name": "a", "arn": 5}], "users[0].arn must be a string"),
        ("users", [{"name": "a", "arn": "x", "permissions_boundary_arn": ["y"]}], "a list"),
    ],
)
def test_null_or_numeric_snapshot_fields_are_refused(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    field: str,
    value: object,
    words: str,
) -> None:
    snapshot = tmp_path / "snap.json"
    assert run(capsys, "snapshot", "--demo", "-o", str(snapshot))[0] == 0
    data = json.loads(snapshot.read_text())
    data[field] = value
    snapshot.write_text(json.dumps(data))
    code, _, err = run(capsys, "audit", "--snapshot", str(snapshot))
    assert_one_line_exit_2(code, err, "snapshot", words)


@pytest.mark.parametrize("output_format", FORMATS)
def test_a_lone_surrogate_and_a_bidi_override_are_neutralised_in_every_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], output_format: str
) -> None:
    name = "bob\ud800\u202eevil"
    # In a policy's Sid and Resource: IAM refuses such a user name (the loader too, below), but
    # a policy document may hold any character from U+0020 on.
    statement = {"Sid": name, "Effect": "Allow", "Action": "*", "Resource": ["*", name]}
    policy = {"Version": "2012-10-17", "Statement": [statement]}
    doc = gaad(UserPolicyList=[{"PolicyName": "all", "PolicyDocument": policy}])
    source = tmp_path / "gaad.json"
    source.write_text(json.dumps(doc))  # ensure_ascii: the file holds "\ud800" escapes
    out_file = tmp_path / f"report.{output_format}"
    code, _, err = run(
        capsys, "audit", "--gaad", str(source), "-f", output_format, "-o", str(out_file)
    )
    assert code == 0, err
    text = out_file.read_text(encoding="utf-8")
    assert "\u202e" not in text
    if output_format in ("json", "sarif"):
        json.loads(text)  # still valid JSON, the characters escaped inside strings
        assert "\\u202e" in text
    else:  # shown by code point, or (CSV's JSON evidence) as a JSON escape
        assert "<U+202E>" in text or "\\u202e" in text
        assert "<U+D800>" in text or "\\ud800" in text
    code, out, err = run(capsys, "audit", "--gaad", str(source), "-f", output_format)
    assert code == 0, err
    assert "\u202e" not in out
    as_name = tmp_path / "named.json"
    as_name.write_text(json.dumps(gaad(UserName=name)))
    code, out, err = run(capsys, "audit", "--gaad", str(as_name), "-f", output_format)
    assert_one_line_exit_2(code, err, "not an IAM user name", "\\u202e")
    assert "\u202e" not in err
    assert out == ""


def test_a_failed_write_leaves_no_file_behind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.txt"

    def disk_full(*_a: object, **_k: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    code, _, err = run(capsys, "audit", "--demo", "-o", str(target))
    assert_one_line_exit_2(code, err, "No space left on device")
    assert list(tmp_path.iterdir()) == []  # neither the report nor a temporary file


def console(*argv: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from bot.cli import console_main; console_main()", *argv],
        capture_output=kwargs.pop("capture", True),
        text=True,
        timeout=120,
        check=False,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_stdout_on_a_full_disk_is_exit_2_naming_standard_output() -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-c", "from bot.cli import console_main; console_main()", "checks"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (
        "iam-audit: error: cannot write to standard output: No space left on device; use -o FILE"
    )


def test_closed_stdout_is_exit_2_with_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from bot.cli import console_main; console_main()", "checks"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=lambda: os.close(1),
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "standard output is closed" in result.stderr


@pytest.mark.parametrize("url", ["not-a-url", "http://[::1"])
def test_an_invalid_aws_endpoint_url_is_exit_2_naming_the_variable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example")
    code, _, err = run(capsys, "audit", "--region", "us-east-1")
    assert_one_line_exit_2(code, err, "AWS_ENDPOINT_URL", "not a valid URL")
    assert "example" not in err.replace("AKIAEXAMPLE", "")


@pytest.mark.parametrize("url", ["redis://[::1", "redis://host:99999999/0"])
def test_serve_with_an_invalid_redis_url_is_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("REDIS_URL", url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    code, _, err = run(capsys, "serve", "--port", "0")
    assert code == 2, err
    assert "REDIS_URL is not a valid URL" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("redis://:hunter2@127.0.0.1:6379/0?socket_timeout=abc", "socket_timeout"),
        ("redis://:hunter2@127.0.0.1:6379/0?no_such_option=1", "no_such_option"),
    ],
)
@pytest.mark.parametrize("command", [("serve", "--port", "0"), ("worker", "--burst"), ("history",)])
def test_a_redis_url_whose_options_redis_cannot_use_is_exit_2_with_the_password_masked(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    said: str,
    command: tuple[str, ...],
) -> None:
    """redis-py reads the URL's query string into client options: a value it cannot convert was
    an "unexpected ValueError" from serve, an option it does not know an "unexpected TypeError"
    at the first connection. Both are the URL's fault, said at start."""
    monkeypatch.setenv("REDIS_URL", url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    code, _, err = run(capsys, *command)
    assert code == 2, err
    assert "REDIS_URL is not a valid Redis URL" in err
    assert said in err
    assert "hunter2" not in err
    assert "unexpected" not in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("column", "value"),
    [("password_last_used", "yesterday"), ("access_key_1_last_rotated", "2026-13-45")],
)
def test_a_credential_report_with_a_garbage_date_is_refused_naming_user_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], column: str, value: str
) -> None:
    """IAM User Guide, "Getting credential reports for your AWS account": these columns hold an
    ISO 8601 date-time or N/A (password_last_used also no_information). Anything else is refused
    at load, not accepted and then turned into check errors."""
    row = {
        "user": "alice",
        "arn": "arn:aws:iam::123456789012:user/alice",
        "user_creation_time": "2020-01-01T00:00:00+00:00",
        **{c: "false" for c in REPORT_COLUMNS if c.endswith(("_active", "_enabled"))},
    }
    row[column] = value
    csv_text = ",".join(REPORT_COLUMNS) + "\n" + ",".join(row.get(c, "N/A") for c in REPORT_COLUMNS)
    gaad_path = write(tmp_path / "gaad.json", json.dumps(gaad()))
    report_path = write(tmp_path / "report.csv", csv_text + "\n")
    code, out, err = run(capsys, "audit", "--gaad", gaad_path, "--credential-report", report_path)
    assert_one_line_exit_2(code, err, "report.csv", "'alice'", column, value)
    assert out == ""


def test_output_to_a_fifo_writes_through_it_and_leaves_it_a_fifo(tmp_path: Path) -> None:
    # `--output /dev/null` used to rename a temporary file over the device (as root, for real).
    import stat
    import threading

    from bot.clicmd._common import write_output

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    write_output("report text\n", str(fifo))
    reader.join(timeout=10)
    assert received == ["report text\n"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_output_through_a_symlink_keeps_the_link_and_rewrites_its_target(tmp_path: Path) -> None:
    from bot.clicmd._common import write_output

    target = tmp_path / "real.json"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "latest.json"
    link.symlink_to(target)
    write_output("new", str(link))
    assert link.is_symlink()
    assert target.read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest.json", "real.json"]


def test_output_to_dev_null_leaves_the_device_in_place() -> None:
    import stat

    from bot.clicmd._common import write_output

    write_output("discarded", os.devnull)
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
