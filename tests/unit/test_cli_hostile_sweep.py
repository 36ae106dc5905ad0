"""A hostile-input sweep of every subcommand and every file or option it reads.

The project rule: nothing a user can type or a file can hold ends in a traceback or an
"unexpected" exit 3; bad input gets a clear message (naming the file and what is wrong) and
loses nothing (no partial output file). Each case below checks, where it applies:

- the exit status is a documented one (2 for bad usage or input; lint: 1 for a MALFORMED
  finding), never 3, and ``Traceback (most recent call last)`` never appears;
- the message names the file (or the option) and what is wrong;
- a failed command leaves no ``--output`` file behind, nor its temporary file;
- terminal escape sequences (``ESC [2J`` clears the screen) never reach the terminal raw.

Most cases run in-process through ``bot.cli.main`` (fast); a representative subset runs the
console script in a subprocess to catch what only a real process shows (stdin decoding,
tracebacks printed by the interpreter). Cases where the tool fails today are strict xfails
naming the cause and the suggested fix.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot import cli
from bot.audit.credential_report import REPORT_COLUMNS

TRACEBACK = "Traceback (most recent call last)"
ESC = "\x1b"
CLEAR_SCREEN = "\x1b[2J"
ACCOUNT = "123456789012"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0

ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
S3_READ = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}
LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
DATE = "2020-01-01T00:00:00Z"


# --- helpers ----------------------------------------------------------------------------------


def gaad_doc() -> dict[str, Any]:
    """A small but complete GAAD: one user (inline + managed policy, a group), a role, a policy."""
    return copy.deepcopy(
        {
            "UserDetailList": [
                {
                    "UserName": "alice",
                    "Arn": ALICE,
                    "UserId": "AIDAEXAMPLE",
                    "Path": "/",
                    "CreateDate": DATE,
                    "GroupList": ["devs"],
                    "AttachedManagedPolicies": [
                        {"PolicyName": "P", "PolicyArn": f"arn:aws:iam::{ACCOUNT}:policy/P"}
                    ],
                    "UserPolicyList": [{"PolicyName": "all", "PolicyDocument": ALLOW_ALL}],
                    "Tags": [{"Key": "team", "Value": "x"}],
                }
            ],
            "GroupDetailList": [
                {
                    "GroupName": "devs",
                    "Arn": f"arn:aws:iam::{ACCOUNT}:group/devs",
                    "GroupId": "AGPAEXAMPLE",
                    "Path": "/",
                    "CreateDate": DATE,
                    "AttachedManagedPolicies": [],
                    "GroupPolicyList": [],
                }
            ],
            "RoleDetailList": [
                {
                    "RoleName": "r",
                    "Arn": f"arn:aws:iam::{ACCOUNT}:role/r",
                    "RoleId": "AROAEXAMPLE",
                    "Path": "/",
                    "CreateDate": DATE,
                    "AssumeRolePolicyDocument": LAMBDA_TRUST,
                    "AttachedManagedPolicies": [],
                    "RolePolicyList": [],
                    "InstanceProfileList": [],
                    "Tags": [],
                    "RoleLastUsed": {"LastUsedDate": "2024-01-01T00:00:00Z", "Region": "us-east-1"},
                }
            ],
            "Policies": [
                {
                    "PolicyName": "P",
                    "Arn": f"arn:aws:iam::{ACCOUNT}:policy/P",
                    "PolicyId": "ANPAEXAMPLE",
                    "Path": "/",
                    "DefaultVersionId": "v1",
                    "AttachmentCount": 1,
                    "PermissionsBoundaryUsageCount": 0,
                    "IsAttachable": True,
                    "CreateDate": DATE,
                    "UpdateDate": DATE,
                    "PolicyVersionList": [
                        {
                            "Document": S3_READ,
                            "VersionId": "v1",
                            "IsDefaultVersion": True,
                            "CreateDate": DATE,
                        }
                    ],
                }
            ],
        }
    )


def report_rows(**alice: str) -> list[dict[str, str]]:
    """A valid credential report: the root row and alice's row (``alice`` overrides columns)."""
    user = dict.fromkeys(REPORT_COLUMNS, "N/A")
    user.update(
        user="alice",
        arn=ALICE,
        user_creation_time="2020-01-01T00:00:00+00:00",
        password_enabled="true",
        password_last_used="2024-01-01T00:00:00+00:00",
        password_last_changed="2020-01-01T00:00:00+00:00",
        mfa_active="false",
        access_key_1_active="true",
        access_key_1_last_rotated="2020-01-01T00:00:00+00:00",
        access_key_1_last_used_date="2024-01-01T00:00:00+00:00",
        access_key_2_active="false",
        cert_1_active="false",
        cert_2_active="false",
    )
    root = dict(
        user,
        user="<root_account>",
        arn=f"arn:aws:iam::{ACCOUNT}:root",
        password_enabled="not_supported",
        password_last_changed="not_supported",
        password_next_rotation="not_supported",
        access_key_1_active="false",
        access_key_1_last_rotated="N/A",
        access_key_1_last_used_date="N/A",
        mfa_active="true",
    )
    user.update(alice)
    return [root, user]


def report_csv(
    rows: list[dict[str, str]], columns: tuple[str, ...] = REPORT_COLUMNS, newline: str = "\n"
) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "N/A") for column in columns])
    return buffer.getvalue()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(path: Path, data: str | bytes) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return str(path)


def assert_no_crash(code: int, err: str) -> None:
    assert code != 3, err
    assert TRACEBACK not in err, err
    assert "error: unexpected" not in err, err


def assert_input_error(code: int, err: str, *words: str) -> None:
    """Exit 2, one clear ``iam-audit: error:`` line naming each of ``words``."""
    assert_no_crash(code, err)
    assert code == 2, err
    lines = [line for line in err.strip().splitlines() if "error:" in line]
    assert lines, err
    for word in words:
        assert word in err, f"{word!r} not in {err!r}"


def assert_no_raw_escape(*texts: str) -> None:
    for text in texts:
        assert ESC not in text, repr(text)
        assert "\x9b" not in text, repr(text)  # the one-byte CSI


def assert_nothing_left(directory: Path, *keep: str) -> None:
    """No output file and no temporary file beside it: only what the test itself put there."""
    assert sorted(p.name for p in directory.iterdir()) == sorted(keep)


@pytest.fixture
def gaad_file(tmp_path: Path) -> str:
    return write(tmp_path / "gaad.json", json.dumps(gaad_doc()))


@pytest.fixture
def snapshot_path(tmp_path: Path) -> str:
    from bot.audit.gaad import snapshot_from_gaad

    snapshot = snapshot_from_gaad(gaad_doc(), now=datetime(2026, 12, 1, tzinfo=UTC))
    return write(tmp_path / "snapshot.json", json.dumps(snapshot.to_dict()))


@pytest.fixture
def policy_file(tmp_path: Path) -> str:
    return write(tmp_path / "policy.json", json.dumps(S3_READ))


def audit_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    """Run an audit with -f json to standard output; it must succeed."""
    code, out, err = run(capsys, "audit", *argv, "-f", "json")
    assert_no_crash(code, err)
    assert code == 0, err
    return json.loads(out)


# --- 1. every file-reading option x every hostile file ----------------------------------------

HOSTILE_CONTENT: dict[str, bytes] = {
    "empty": b"",
    "invalid_utf8": b'{"UserDetailList": ["\xff\xfe\x80"]}',
    "utf16": '{"UserDetailList": []}'.encode("utf-16"),
    "nul_bytes": b'{"UserDetailList": [\x00]}',
    "top_level_list": b"[]",
    "top_level_number": b"42",
    "top_level_string": b'"UserDetailList"',
    "top_level_null": b"null",
    "nested_100k": b"[" * 100_000,
    "integer_5000_digits": b'{"n": ' + b"9" * 5000 + b"}",
}
# What the message must say (any one of these, case-insensitively) for each kind of content.
WHAT_IS_WRONG: dict[str, tuple[str, ...]] = {
    "empty": ("empty", "not valid json", "expecting value"),
    "invalid_utf8": ("utf-8",),
    "utf16": ("utf-8",),
    "nul_bytes": ("not valid json", "expecting value", "not a credential report", "not valid toml"),
    "top_level_list": ("json object", "not a credential report", "not valid toml", "'policies'"),
    "top_level_number": ("json object", "not a credential report", "not valid toml", "'policies'"),
    "top_level_string": ("json object", "not a credential report", "not valid toml", "'policies'"),
    "top_level_null": ("json object", "not a credential report", "not valid toml", "'policies'"),
    "nested_100k": ("nested too deeply", "not a credential report", "not valid toml"),
    "integer_5000_digits": ("4,300 digits", "4300 digits", "not a credential report", "toml"),
    "directory": ("directory",),
    "missing": ("not found", "no policy catalogue"),
    "unreadable": ("permission denied",),
}

# Each option that reads a file: its argv ("{file}" is the hostile file, "{dir}" the directory
# holding it as catalogue.json, "{gaad}" / "{policy}" valid companions).
FILE_OPTIONS: dict[str, list[str]] = {
    "audit --gaad": ["audit", "--gaad", "{file}", "-o", "{out}"],
    "audit --snapshot": ["audit", "--snapshot", "{file}", "-o", "{out}"],
    "audit --credential-report": [
        "audit",
        "--gaad",
        "{gaad}",
        "--credential-report",
        "{file}",
        "-o",
        "{out}",
    ],
    "audit --config": ["audit", "--gaad", "{gaad}", "--config", "{file}", "-o", "{out}"],
    "findings --snapshot": ["findings", "--snapshot", "{file}", "-o", "{out}"],
    "analyzer --snapshot": ["analyzer", "--snapshot", "{file}", "-o", "{out}"],
    "simulate --request": ["simulate", "--request", "{file}", "-o", "{out}"],
    "simulate --policy": ["simulate", "--policy", "{file}", "--action", "s3:GetObject"],
    "simulate --boundary": [
        "simulate",
        "--policy",
        "{policy}",
        "--boundary",
        "{file}",
        "--action",
        "s3:GetObject",
        "-o",
        "{out}",
    ],
    "simulate --resource-policy": [
        "simulate",
        "--policy",
        "{policy}",
        "--resource-policy",
        "{file}",
        "--action",
        "s3:GetObject",
    ],
    "simulate --session-policy": [
        "simulate",
        "--policy",
        "{policy}",
        "--session-policy",
        "{file}",
        "--action",
        "s3:GetObject",
    ],
    "simulate --gaad": [
        "simulate",
        "--gaad",
        "{file}",
        "--principal",
        ALICE,
        "--action",
        "s3:Get*",
    ],
    "simulate --snapshot": [
        "simulate",
        "--snapshot",
        "{file}",
        "--principal",
        ALICE,
        "--action",
        "s3:GetObject",
    ],
    "policies --dir": ["policies", "--dir", "{dir}", "-o", "{out}"],
}
# An empty file is a valid (empty) TOML config.
VALID_AS_IS = {("audit --config", "empty")}
# (option, kind) -> a strict xfail naming the cause, for a case the tool still fails.
KNOWN_FAILURES: dict[tuple[str, str], Any] = {}
KINDS = [*HOSTILE_CONTENT, "directory", "missing", "unreadable"]


def _matrix() -> list[Any]:
    cases = []
    for option in FILE_OPTIONS:
        for kind in KINDS:
            marks = [KNOWN_FAILURES[(option, kind)]] if (option, kind) in KNOWN_FAILURES else []
            cases.append(pytest.param(option, kind, id=f"{option}-{kind}", marks=marks))
    return cases


def _hostile_target(tmp_path: Path, kind: str) -> tuple[str, str]:
    """(the file, its directory) for ``kind``: the file is always named catalogue.json so the
    same case serves `policies --dir`."""
    directory = tmp_path / "input"
    directory.mkdir()
    target = directory / "catalogue.json"
    if kind == "directory":
        target.mkdir()
    elif kind == "missing":
        pass
    elif kind == "unreadable":
        target.write_text(json.dumps(gaad_doc()), encoding="utf-8")
        target.chmod(0)
    else:
        target.write_bytes(HOSTILE_CONTENT[kind])
    return str(target), str(directory)


@pytest.mark.parametrize(("option", "kind"), _matrix())
def test_every_file_option_refuses_every_hostile_file(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    gaad_file: str,
    policy_file: str,
    option: str,
    kind: str,
) -> None:
    if kind == "unreadable" and IS_ROOT:
        pytest.skip("root reads a chmod 000 file")
    target, directory = _hostile_target(tmp_path, kind)
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    out = outputs / "report.out"
    argv = [
        part.replace("{file}", target)
        .replace("{dir}", directory)
        .replace("{gaad}", gaad_file)
        .replace("{policy}", policy_file)
        .replace("{out}", str(out))
        for part in FILE_OPTIONS[option]
    ]
    code, _out, err = run(capsys, *argv)
    if (option, kind) in VALID_AS_IS:
        assert_no_crash(code, err)
        assert code == 0, err
        return
    named = target if option != "policies --dir" else directory
    assert_input_error(code, err, named)
    assert any(word in err.lower() for word in WHAT_IS_WRONG[kind]), err
    assert_nothing_left(outputs)  # no report, no temporary file


@pytest.mark.parametrize("kind", KINDS)
def test_lint_turns_each_hostile_file_into_a_finding_or_an_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], policy_file: str, kind: str
) -> None:
    """lint's documented contract: a file that is read but is not a policy is a MALFORMED
    finding (exit 1); one that cannot be read (or is unsafe) is an ERROR line (exit 2); the
    other files are linted all the same."""
    if kind == "unreadable" and IS_ROOT:
        pytest.skip("root reads a chmod 000 file")
    target, _ = _hostile_target(tmp_path, kind)
    code, out, err = run(capsys, "lint", target, policy_file)
    assert_no_crash(code, err)
    assert f"{policy_file}: no findings" in out  # the good file was still linted
    if kind in ("directory", "missing", "unreadable", "nested_100k", "integer_5000_digits"):
        assert code == 2, err
        assert f"{target}: ERROR" in out
        assert f"policy file {target}" in err
        assert any(word in err.lower() for word in WHAT_IS_WRONG[kind]), err
    else:
        assert code == 1, err
        assert f"{target}: document: HIGH MALFORMED" in out


@pytest.mark.parametrize("kind", KINDS)
def test_simulate_requests_answers_or_refuses_each_hostile_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    """--requests answers line by line: content problems are error answers naming the line (exit
    2), an unreadable file is one error line naming it; an empty file has no requests."""
    if kind == "unreadable" and IS_ROOT:
        pytest.skip("root reads a chmod 000 file")
    target, _ = _hostile_target(tmp_path, kind)
    code, out, err = run(capsys, "simulate", "--requests", target)
    assert_no_crash(code, err)
    if kind == "empty":
        assert (code, out) == (0, "")
    elif kind in ("directory", "missing", "unreadable", "invalid_utf8", "utf16"):
        assert_input_error(code, err, "requests file", target)
        assert any(word in err.lower() for word in WHAT_IS_WRONG[kind]), err
    else:
        assert code == 2, out
        assert out.startswith("1: error: "), out


# --- 2. encodings and line endings that are not hostile at all ---------------------------------


def test_a_utf8_bom_is_accepted_in_every_json_input(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    gaad_file: str,
    snapshot_path: str,
    policy_file: str,
) -> None:
    bom = b"\xef\xbb\xbf"
    gaad_bom = write(tmp_path / "gaad-bom.json", bom + Path(gaad_file).read_bytes())
    snap_bom = write(tmp_path / "snap-bom.json", bom + Path(snapshot_path).read_bytes())
    policy_bom = write(tmp_path / "policy-bom.json", bom + Path(policy_file).read_bytes())
    report_bom = write(tmp_path / "report.csv", bom + report_csv(report_rows()).encode())
    assert audit_json(capsys, "--gaad", gaad_bom, "--credential-report", report_bom)["errors"] == []
    assert audit_json(capsys, "--snapshot", snap_bom)["errors"] == []
    code, out, err = run(capsys, "lint", policy_bom)
    assert (code, err) == (0, ""), out
    code, out, err = run(capsys, "simulate", "--policy", policy_bom, "--action", "s3:GetObject")
    assert code == 0, err
    assert out.startswith("Decision: ALLOWED")


def test_crlf_line_endings_are_accepted_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gaad = write(tmp_path / "gaad.json", json.dumps(gaad_doc(), indent=2).replace("\n", "\r\n"))
    report = write(tmp_path / "report.csv", report_csv(report_rows(), newline="\r\n"))
    config = write(
        tmp_path / "config.toml",
        '[thresholds]\r\ninactive_days = 30\r\n[checks]\r\ndisabled = ["federation.none"]\r\n',
    )
    data = audit_json(capsys, "--gaad", gaad, "--credential-report", report, "--config", config)
    assert data["errors"] == []
    assert "federation.none" not in data["checks"]
    policy = write(tmp_path / "p.json", json.dumps(S3_READ, indent=2).replace("\n", "\r\n"))
    code, out, err = run(capsys, "lint", policy)
    assert (code, err) == (0, ""), out
    line = {"principal": ALICE, "action": "s3:GetObject", "resource": "*"}
    line["identity_policies"] = [S3_READ]  # type: ignore[assignment]
    requests = write(tmp_path / "r.jsonl", (json.dumps(line) + "\r\n") * 3)
    code, out, err = run(capsys, "simulate", "--requests", requests)
    assert code == 0, out + err
    assert out.count(": allowed:") == 3


# --- 3. GAAD content: numbers, duplicates, wrong types, dates ----------------------------------


def _with(mutate: Any) -> dict[str, Any]:
    doc = gaad_doc()
    mutate(doc)
    return doc


def _statement(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["UserDetailList"][0]["UserPolicyList"][0]["PolicyDocument"]["Statement"][0]


@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), float("-inf"), 10**300, 1e308, -0.0, "1e999", "NaN"],
    ids=repr,
)
def test_odd_numbers_in_policy_conditions_are_audited_without_a_check_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: Any
) -> None:
    doc = _with(
        lambda d: _statement(d).__setitem__(
            "Condition",
            {
                "NumericLessThan": {"aws:MultiFactorAuthAge": value},
                "DateGreaterThan": {"aws:CurrentTime": value},
            },
        )
    )
    path = write(tmp_path / "gaad.json", json.dumps(doc, allow_nan=True))  # NaN, Infinity
    assert audit_json(capsys, "--gaad", path)["errors"] == []


def test_literal_1e999_and_nan_in_the_gaad_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = json.dumps(gaad_doc()).replace(
        '"Action": "*"', '"Action": "*", "Condition": {"NumericEquals": {"k": [1e999, NaN]}}', 1
    )
    path = write(tmp_path / "gaad.json", text)
    assert audit_json(capsys, "--gaad", path)["errors"] == []


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda d: d["Policies"][0].__setitem__("AttachmentCount", float("nan")), ("'P'",)),
        (lambda d: d["Policies"][0].__setitem__("AttachmentCount", float("inf")), ("'P'",)),
        (lambda d: d["Policies"][0].__setitem__("AttachmentCount", "1e3"), ("'P'", "1e3")),
        (lambda d: d["UserDetailList"][0].__setitem__("CreateDate", 1_700_000_000), ("alice",)),
        (lambda d: d["UserDetailList"][0].__setitem__("CreateDate", "01/02/2020"), ("01/02/2020",)),
        (lambda d: d["UserDetailList"][0].__setitem__("UserName", 5), ("UserName",)),
        (
            lambda d: d["UserDetailList"][0].__setitem__("Tags", [{"Key": "a", "Value": 5}]),
            ("Tags",),
        ),
        (lambda d: d["RoleDetailList"][0].__setitem__("RoleLastUsed", [1]), ("RoleLastUsed",)),
        (lambda d: d["RoleDetailList"][0].__setitem__("AssumeRolePolicyDocument", [1]), ("'r'",)),
        (lambda d: d.__setitem__("Policies", True), ("Policies", "a boolean")),
        (lambda d: d.__setitem__("UserDetailList", {"a": 1}), ("UserDetailList", "an object")),
        (lambda d: d["Policies"][0].__setitem__("PolicyVersionList", None), ("default version",)),
        (
            lambda d: d["Policies"][0]["PolicyVersionList"][0].__setitem__(
                "Document", "%5B" * 100 + "%5D" * 100
            ),
            ("nested too deeply",),
        ),
        (
            lambda d: d["Policies"][0]["PolicyVersionList"][0].__setitem__("Document", "%FF%FE"),
            ("not valid JSON",),
        ),
    ],
    ids=[
        "count-nan",
        "count-inf",
        "count-1e3",
        "date-number",
        "date-us-format",
        "username-number",
        "tag-value-number",
        "rolelastused-list",
        "trust-list",
        "policies-bool",
        "users-object",
        "versions-null",
        "document-deep-urlencoded",
        "document-bad-urlencoded",
    ],
)
def test_wrongly_typed_gaad_fields_are_refused_naming_the_entity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mutate: Any, words: tuple[str, ...]
) -> None:
    path = write(tmp_path / "gaad.json", json.dumps(_with(mutate), allow_nan=True))
    out = tmp_path / "report.json"
    code, _, err = run(capsys, "audit", "--gaad", path, "-f", "json", "-o", str(out))
    assert_input_error(code, err, path, *words)
    assert len(err.strip().splitlines()) == 1, err
    assert not out.exists()


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["UserDetailList"][0].__setitem__("GroupList", None),
        lambda d: d["UserDetailList"][0].__setitem__("Tags", None),
        lambda d: d["Policies"][0].__setitem__("IsAttachable", None),
        lambda d: d["Policies"][0].__setitem__("AttachmentCount", 10**300),
        lambda d: d["Policies"][0].__setitem__("AttachmentCount", -5),
        lambda d: d["RoleDetailList"][0].__setitem__("InstanceProfileList", [None, 5, {}]),
        lambda d: d["UserDetailList"].append(copy.deepcopy(d["UserDetailList"][0])),
        lambda d: _statement(d).__setitem__("Action", {"a": 1}),
        lambda d: _statement(d).__setitem__("Condition", [1]),
        lambda d: _statement(d).__setitem__("Condition", {"StringEquals": 5}),
        lambda d: d["UserDetailList"][0]["UserPolicyList"][0]["PolicyDocument"].__setitem__(
            "Statement", None
        ),
        lambda d: d["RoleDetailList"][0]["AssumeRolePolicyDocument"]["Statement"][0].__setitem__(
            "Principal", {"AWS": [[1]]}
        ),
    ],
    ids=[
        "grouplist-null",
        "tags-null",
        "isattachable-null",
        "count-10e300",
        "count-negative",
        "profiles-junk",
        "duplicate-user",
        "action-object",
        "condition-list",
        "condition-operator-number",
        "statement-null",
        "principal-nested-list",
    ],
)
def test_tolerated_oddities_audit_without_a_check_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mutate: Any
) -> None:
    """Fields a GAAD may lack or garble that the loader accepts: every check must then cope
    (a check that fails is reported as an error and its findings are lost)."""
    path = write(tmp_path / "gaad.json", json.dumps(_with(mutate)))
    assert audit_json(capsys, "--gaad", path)["errors"] == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("Action", 5), ("Action", None), ("Action", True), ("Resource", 5)],
    ids=["action-5", "action-null", "action-true", "resource-5"],
)
def test_a_managed_policy_with_a_scalar_action_does_not_break_a_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str, value: Any
) -> None:
    def mutate(doc: dict[str, Any]) -> None:
        document = doc["Policies"][0]["PolicyVersionList"][0]["Document"]
        document["Statement"][0][field] = value

    path = write(tmp_path / "gaad.json", json.dumps(_with(mutate)))
    assert audit_json(capsys, "--gaad", path)["errors"] == []


def test_duplicate_keys_take_the_last_value_and_are_then_validated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "gaad.json", '{"UserDetailList": [], "UserDetailList": 5}')
    code, _, err = run(capsys, "audit", "--gaad", path)
    assert_input_error(code, err, path, "UserDetailList must be a list")
    text = json.dumps(gaad_doc())
    doubled = text.replace('"UserName": "alice"', '"UserName": "x", "UserName": "alice"', 1)
    path = write(tmp_path / "gaad2.json", doubled)
    assert audit_json(capsys, "--gaad", path)["errors"] == []


ODD_DATES = [
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+23:59",
    "2020-01-01",
    "2020-01-01T00:00:00",
    "2020-01-01 00:00:00.123456+05:30",
    "2020-01-01T00:00:00+14:00",
    "2999-01-01T00:00:00Z",
]


@pytest.mark.parametrize("value", ODD_DATES)
def test_odd_but_valid_dates_in_the_gaad_audit_without_a_check_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    def mutate(doc: dict[str, Any]) -> None:
        doc["UserDetailList"][0]["CreateDate"] = value
        doc["RoleDetailList"][0]["RoleLastUsed"]["LastUsedDate"] = value
        doc["Policies"][0]["UpdateDate"] = value

    path = write(tmp_path / "gaad.json", json.dumps(_with(mutate)))
    assert audit_json(capsys, "--gaad", path)["errors"] == []


# --- 4. credential report CSV ----------------------------------------------------------------

DATE_COLUMNS = (
    "user_creation_time",
    "password_last_used",
    "password_last_changed",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
)


@pytest.mark.parametrize("value", ODD_DATES)
def test_odd_but_valid_dates_in_the_credential_report_audit_without_a_check_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gaad_file: str, value: str
) -> None:
    report = write(
        tmp_path / "r.csv", report_csv(report_rows(**dict.fromkeys(DATE_COLUMNS, value)))
    )
    assert audit_json(capsys, "--gaad", gaad_file, "--credential-report", report)["errors"] == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (report_csv(report_rows(), columns=REPORT_COLUMNS[:-2]), ("lacks column(s)", "cert_2")),
        (report_csv(report_rows(), columns=(*REPORT_COLUMNS, "arn")), ("repeats column(s)",)),
        (report_csv(report_rows()) + "a,b\n", ("line 4", "2 values")),
        (report_csv(report_rows()) + '"alice,\n', ("not valid CSV",)),
        (report_csv(report_rows(user_creation_time="01/02/2020")), ("'alice'", "01/02/2020")),
        (report_csv(report_rows(mfa_active="yes")), ("mfa_active", "'yes'")),
        (report_csv(report_rows(arn="")), ("line 3", "empty user or arn")),
        ("user;arn;user_creation_time\n", ("not a credential report",)),
    ],
    ids=[
        "missing-columns",
        "duplicate-column",
        "short-row",
        "unterminated-quote",
        "us-date",
        "flag-yes",
        "empty-arn",
        "semicolons",
    ],
)
def test_a_broken_credential_report_is_refused_naming_file_and_problem(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    gaad_file: str,
    text: str,
    words: tuple[str, ...],
) -> None:
    report = write(tmp_path / "r.csv", text)
    out = tmp_path / "report.txt"
    code, stdout, err = run(
        capsys, "audit", "--gaad", gaad_file, "--credential-report", report, "-o", str(out)
    )
    assert_input_error(code, err, report, *words)
    assert stdout == ""
    assert not out.exists()


@pytest.mark.parametrize(
    "text",
    [
        report_csv(report_rows(), columns=tuple(reversed(REPORT_COLUMNS))),
        report_csv(report_rows(), columns=(*REPORT_COLUMNS, "added_by_aws_later")),
        report_csv(report_rows(user="ali\nce")),
        report_csv(report_rows()) + "\n\n",
    ],
    ids=["reordered-columns", "extra-column", "quoted-newline", "trailing-blank-lines"],
)
def test_credential_reports_aws_could_write_are_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gaad_file: str, text: str
) -> None:
    report = write(tmp_path / "r.csv", text)
    data = audit_json(capsys, "--gaad", gaad_file, "--credential-report", report)
    assert data["errors"] == []
    assert "root.mfa_disabled" in data["checks"]  # the report was read: root checks ran


# --- 5. config files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ("[thresholds]\ninactive_days = -1\n", ("inactive_days", "-1")),
        ("[thresholds]\ninactive_days = inf\n", ("inactive_days", "inf")),
        ("[thresholds]\ninactive_days = nan\n", ("inactive_days", "nan")),
        ('[thresholds]\ninactive_days = "30"\n', ("inactive_days", "'30'")),
        ("[thresholds]\ninactive_days = 1\ninactive_days = 2\n", ("not valid TOML",)),
        ('[severity]\n"user.inactive" = "bogus"\n', ("bogus",)),
        ('[severity]\n"no.such_check" = "low"\n', ("no.such_check",)),
        ('[checks]\ndisabled = ["no.such_check"]\n', ("no.such_check",)),
        ("[checks]\ndisabled = 'user.inactive'\n", ("disabled must be a list",)),
        ("suppressions = 5\n", ("[[suppressions]]",)),
        ("[[suppressions]]\ncheck = 'user.inactive'\n", ("'reason' is required",)),
        ("[[suppressions]]\ncheck='nope.*'\nreason='r'\n", ("matches no known check",)),
        ("[[suppressions]]\ncheck='user.inactive'\nreason='r'\nexpires=07:32:00\n", ("expires",)),
        (
            "[[suppressions]]\ncheck='user.inactive'\nreason='r'\nexpires='2027-13-01'\n",
            ("expires",),
        ),
        ("[thresholds]\x00\n", ("not valid TOML",)),
        ("a = " + "9" * 5000 + "\n", ("cannot be used",)),
    ],
    ids=[
        "negative",
        "inf",
        "nan",
        "string-number",
        "duplicate-key",
        "bad-severity",
        "severity-unknown-check",
        "disabled-unknown-check",
        "disabled-not-list",
        "suppressions-number",
        "suppression-no-reason",
        "suppression-unknown-glob",
        "expires-time",
        "expires-bad-date",
        "nul",
        "integer-5000-digits",
    ],
)
def test_a_bad_config_is_refused_with_what_is_wrong(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    gaad_file: str,
    toml: str,
    words: tuple[str, ...],
) -> None:
    config = write(tmp_path / "c.toml", toml)
    out = tmp_path / "report.json"
    code, _, err = run(capsys, "audit", "--gaad", gaad_file, "--config", config, "-o", str(out))
    assert_input_error(code, err, *words)
    assert not out.exists()


def test_a_semantically_bad_config_names_its_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gaad_file: str
) -> None:
    config = write(tmp_path / "team.toml", "[nope]\n")
    code, _, err = run(capsys, "audit", "--gaad", gaad_file, "--config", config)
    assert_input_error(code, err, config, "unknown section")


def test_a_config_with_a_utf8_bom_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gaad_file: str
) -> None:
    config = write(tmp_path / "c.toml", "\ufeff[checks]\ndisabled = ['federation.none']\n")
    data = audit_json(capsys, "--gaad", gaad_file, "--config", config)
    assert "federation.none" not in data["checks"]


def test_huge_thresholds_and_far_expiry_dates_do_not_overflow(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gaad_file: str
) -> None:
    names = (
        "inactive_days",
        "password_unused_days",
        "access_key_unused_days",
        "access_key_max_age_days",
        "grace_days",
        "root_recent_use_days",
        "role_unused_days",
        "service_unused_days",
    )
    config = write(
        tmp_path / "c.toml",
        "[thresholds]\n"
        + "".join(f"{name} = 9223372036854775807\n" for name in names)
        + "[[suppressions]]\ncheck = 'user.*'\nreason = 'r'\nexpires = 9999-12-31\n"
        + "[[suppressions]]\ncheck = 'role.*'\nreason = 'r'\nexpires = 0001-01-01\n",
    )
    report = write(tmp_path / "r.csv", report_csv(report_rows()))
    data = audit_json(
        capsys, "--gaad", gaad_file, "--credential-report", report, "--config", config
    )
    assert data["errors"] == []


def test_digest_refuses_a_config_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "digest", "--demo", "--config", str(tmp_path))
    assert_input_error(code, err, str(tmp_path), "directory")


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ("a = " + "[" * 100_000, ("nested too deeply",)),
        ("\xff", ()),
        ("[bot]\nport = -5\n", ("port must be between 0 and 65535",)),
    ],
    ids=["nested", "not-toml", "negative-port"],
)
def test_serve_refuses_a_hostile_config_before_starting(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    toml: str,
    words: tuple[str, ...],
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    config = write(tmp_path / "serve.toml", toml)
    code, _, err = run(capsys, "serve", "--config", config)
    assert_no_crash(code, err)
    assert code == 2, err
    assert "configuration has problems" in err
    for word in words:
        assert word in err


# --- 6. policies: size, odd contents -----------------------------------------------------------


def test_a_10mb_action_list_is_simulated_and_a_10mb_sid_is_linted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """10 MB documents (IAM refuses anything over 6,144 characters; a file can hold more).
    Measured on the 2-core CI machine: lint of the Sid file 0.2 s, simulate of the action list
    0.7 s. (lint of the same action list takes ~30 s, of 100,000 distinct statements more than
    120 s: reported, not asserted here.)"""
    actions = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"] * 700_000, "Resource": "*"}],
    }
    big_actions = write(tmp_path / "actions.json", json.dumps(actions))
    assert Path(big_actions).stat().st_size > 10_000_000
    code, out, err = run(
        capsys,
        "simulate",
        "--policy",
        big_actions,
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::b/k",
    )
    assert code == 0, err
    assert out.startswith("Decision: ALLOWED")
    sid = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "A" * 10_000_000, "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
        ],
    }
    big_sid = write(tmp_path / "sid.json", json.dumps(sid))
    code, out, err = run(capsys, "lint", big_sid, "-f", "json")
    assert_no_crash(code, err)
    assert code == 1, err
    codes = {f["code"] for f in json.loads(out)["files"][0]["findings"]}
    assert "POLICY_SIZE" in codes


@pytest.mark.parametrize("policy_type", ["identity", "resource", "trust", "scp", "boundary"])
def test_lint_reports_wrongly_typed_elements_as_findings_for_every_type(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], policy_type: str
) -> None:
    document = (
        '{"Version": 2012, "Statement": [{"Effect": null, "Action": 5, "Resource": [null],'
        ' "Condition": [1], "Principal": 5, "Sid": 7, "Effect": "Allow"},'
        ' {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"DateLessThan":'
        ' {"aws:CurrentTime": ["0001-01-01T00:00:00+23:59", "NaN", 1e308, -1e308, 1e999]},'
        ' "NumericLessThan": {"aws:MultiFactorAuthAge": NaN}}}]}'
    )
    path = write(tmp_path / "p.json", document)
    code, out, err = run(capsys, "lint", path, "--type", policy_type, "-f", "json")
    assert_no_crash(code, err)
    assert code == 1, err
    assert "MALFORMED" in {f["code"] for f in json.loads(out)["files"][0]["findings"]}


def test_lint_names_an_unsafe_file_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "deep.json", "[" * 100_000)
    code, _, err = run(capsys, "lint", path)
    assert code == 2, err
    assert err.count(path) == 1, err


# --- 7. simulate: request files and bulk lines -------------------------------------------------


def _request(**fields: Any) -> dict[str, Any]:
    return {"principal": ALICE, "action": "s3:GetObject", "resource": "*", **fields}


def test_every_bad_bulk_line_is_answered_with_its_number_and_the_rest_still_are(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        json.dumps(_request(identity_policies=[S3_READ])),
        json.dumps(_request(principal=5)),
        json.dumps(_request(context={"k": [None]})),
        json.dumps(_request(scps=[[5]])),
        json.dumps(_request(scps=5)),
        json.dumps(_request(resource_policy="not json")),
        json.dumps(_request(resource_is_pattern="yes")),
        json.dumps(_request(unknown_field=1)),
        "\x00",
        "[]",
        "1e999",
        "NaN",
        "   ",
        "[" * 100_000,
        json.dumps(
            _request(
                context={"aws:CurrentTime": "9999-12-31T23:59:59-23:59", "aws:EpochTime": 1e308},
                identity_policies=[S3_READ],
            )
        ),
    ]
    path = write(tmp_path / "r.jsonl", "\n".join(lines) + "\n")
    code, out, err = run(capsys, "simulate", "--requests", path, "-f", "json")
    assert_no_crash(code, err)
    assert code == 2
    answers = [json.loads(line) for line in out.splitlines()]
    assert len(answers) == len(lines)
    assert answers[0]["decision"] == "allowed"
    assert answers[-1]["decision"] == "allowed"
    for number, answer in enumerate(answers[1:-1], start=2):
        assert answer["error"].startswith(f"line {number}: "), answer


def test_a_deeply_nested_policy_string_in_one_bulk_line_loses_no_other_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        json.dumps(_request(identity_policies=[S3_READ])),
        json.dumps(_request(resource_policy="[" * 100_000)),
    ]
    path = write(tmp_path / "r.jsonl", "\n".join(lines) + "\n")
    code, out, err = run(capsys, "simulate", "--requests", path, "-f", "json")
    assert_no_crash(code, err)
    assert code == 2, err
    answers = [json.loads(line) for line in out.splitlines()]
    assert answers[0]["decision"] == "allowed"
    assert answers[1]["error"].startswith("line 2: ")


def test_failed_bulk_lines_written_to_a_file_are_also_said_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "r.jsonl", json.dumps(_request(principal=5)) + "\n")
    out = tmp_path / "answers.jsonl"
    code, _, err = run(capsys, "simulate", "--requests", path, "-f", "json", "-o", str(out))
    assert code == 2
    assert "line 1" in out.read_text(encoding="utf-8")  # the answers file itself is complete
    assert path in err
    assert "line 1" in err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--context", "novalue"], ("--context takes KEY=VALUE", "novalue")),
        (["--context", "=v"], ("--context takes KEY=VALUE",)),
        (["--action", ""], ("--action",)),
        (["--deadline", "-1"], ("--deadline",)),
        (["--format", "yaml"], ("invalid choice", "yaml")),
    ],
    ids=["context-no-equals", "context-empty-key", "empty-action", "negative-deadline", "format"],
)
def test_bad_simulate_flags_are_refused(
    capsys: pytest.CaptureFixture[str], policy_file: str, argv: list[str], words: tuple[str, ...]
) -> None:
    base = ["simulate", "--policy", policy_file]
    if "--action" not in argv:
        base += ["--action", "s3:GetObject"]
    code, _, err = run(capsys, *base, *argv)
    assert_input_error(code, err, *words)


def test_simulate_refuses_a_principal_the_snapshot_does_not_hold(
    capsys: pytest.CaptureFixture[str], gaad_file: str, snapshot_path: str
) -> None:
    for option, path in (("--gaad", gaad_file), ("--snapshot", snapshot_path)):
        code, _, err = run(
            capsys,
            "simulate",
            option,
            path,
            "--principal",
            f"arn:aws:iam::{ACCOUNT}:user/nobody",
            "--action",
            "s3:GetObject",
        )
        assert_input_error(code, err, "user/nobody")
    code, _, err = run(
        capsys, "simulate", "--gaad", gaad_file, "--principal", "not-an-arn", "--action", "s3:x"
    )
    assert_input_error(code, err, "not-an-arn")


def test_a_malformed_policy_of_a_gaad_principal_is_refused_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path / "gaad.json", json.dumps(_with(lambda d: _statement(d).__setitem__("Action", 5)))
    )
    code, _, err = run(
        capsys, "simulate", "--gaad", path, "--principal", ALICE, "--action", "s3:GetObject"
    )
    assert_input_error(code, err, "user/alice/inline/all", "Action must be a string")


# --- 8. standard input -------------------------------------------------------------------------

STDIN_COMMANDS = {
    "lint -": ["lint", "-"],
    "audit --gaad -": ["audit", "--gaad", "-"],
    "simulate --request -": ["simulate", "--request", "-"],
    "simulate --requests -": ["simulate", "--requests", "-"],
    "simulate --policy -": ["simulate", "--policy", "-", "--action", "s3:GetObject"],
}


@pytest.mark.parametrize("command", list(STDIN_COMMANDS))
def test_invalid_utf8_on_a_strict_stdin_is_an_input_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(b'\xff\xfe{"a": 1}'), encoding="utf-8", errors="strict")
    monkeypatch.setattr(sys, "stdin", stdin)
    code, out, err = run(capsys, *STDIN_COMMANDS[command])
    assert_no_crash(code, err)
    assert code in (1, 2), err
    assert "UTF-8" in out + err


def test_a_bom_on_stdin_is_read_like_a_bom_in_a_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("\ufeff" + json.dumps(S3_READ)))
    code, out, err = run(capsys, "lint", "-")
    assert (code, err) == (0, ""), out


def test_stdin_named_twice_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "lint", "-", "-")
    assert_input_error(code, err, "only once")


# --- 9. output targets ---------------------------------------------------------------------------

OUTPUT_COMMANDS = {
    "audit": ["audit", "--gaad", "{gaad}"],
    "audit-json": ["audit", "--gaad", "{gaad}", "-f", "json"],
    "audit-sarif": ["audit", "--gaad", "{gaad}", "-f", "sarif"],
    "audit-csv": ["audit", "--gaad", "{gaad}", "-f", "csv"],
    "audit-markdown": ["audit", "--gaad", "{gaad}", "-f", "markdown"],
    "checks": ["checks"],
    "policies": ["policies"],
    "lint": ["lint", "{policy}"],
    "simulate": ["simulate", "--policy", "{policy}", "--action", "s3:GetObject"],
    "simulate-requests": ["simulate", "--requests", "{requests}"],
}


def _output_argv(name: str, gaad: str, policy: str, requests: str) -> list[str]:
    return [
        part.replace("{gaad}", gaad).replace("{policy}", policy).replace("{requests}", requests)
        for part in OUTPUT_COMMANDS[name]
    ]


@pytest.fixture
def requests_file(tmp_path: Path) -> str:
    return write(tmp_path / "r.jsonl", json.dumps(_request(identity_policies=[S3_READ])) + "\n")


@pytest.mark.parametrize("name", list(OUTPUT_COMMANDS))
@pytest.mark.parametrize("target", ["directory", "missing-directory", "dev-full"])
def test_an_unwritable_output_is_exit_2_naming_it_and_leaves_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    gaad_file: str,
    policy_file: str,
    requests_file: str,
    name: str,
    target: str,
) -> None:
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    if target == "directory":
        output, words = str(outputs), ("it is a directory",)
    elif target == "missing-directory":
        output, words = str(outputs / "no" / "report.txt"), ("directory does not exist",)
    else:
        if not Path("/dev/full").exists():
            pytest.skip("needs /dev/full")
        output, words = "/dev/full", ("No space left on device",)
    argv = _output_argv(name, gaad_file, policy_file, requests_file)
    code, out, err = run(capsys, *argv, "-o", output)
    assert_input_error(code, err, output, *words)
    assert out == ""
    assert_nothing_left(outputs)


def test_snapshot_to_a_directory_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "snapshot", "--demo", "-o", str(tmp_path))
    assert_input_error(code, err, str(tmp_path), "it is a directory")
    assert_nothing_left(tmp_path)


def test_a_failed_audit_leaves_an_existing_report_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    previous = tmp_path / "report.json"
    previous.write_text("yesterday's report", encoding="utf-8")
    bad = write(tmp_path / "gaad.json", "[" * 100_000)
    code, _, err = run(capsys, "audit", "--gaad", bad, "-f", "json", "-o", str(previous))
    assert_input_error(code, err, bad)
    assert previous.read_text(encoding="utf-8") == "yesterday's report"
    assert_nothing_left(tmp_path, "report.json", "gaad.json")


# --- 10. hostile option values ------------------------------------------------------------------

FORMAT_COMMANDS = {
    "audit": ["audit", "--demo"],
    "checks": ["checks"],
    "lint": ["lint", "x.json"],
    "simulate": ["simulate"],
    "findings": ["findings", "--demo"],
    "analyzer": ["analyzer", "--demo"],
    "rightsize": ["rightsize", "role/x", "--demo"],
    "policies": ["policies"],
    "digest": ["digest", "--demo"],
    "history": ["history"],
}


@pytest.mark.parametrize("command", list(FORMAT_COMMANDS))
@pytest.mark.parametrize("value", ["yaml", "", "JSON", "text\x1b[2J"])
def test_an_unknown_format_is_a_usage_error_for_every_command(
    capsys: pytest.CaptureFixture[str], command: str, value: str
) -> None:
    code, out, err = run(capsys, *FORMAT_COMMANDS[command], "--format", value)
    assert_input_error(code, err, "--format", "invalid choice")
    assert out == ""
    assert_no_raw_escape(err)


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["audit", "--demo", "--fail-on", "bogus"], ("--fail-on", "bogus")),
        (["audit", "--demo", "--min-severity", ""], ("--min-severity",)),
        (["audit", "--demo", "--checks", "no.such_check"], ("unknown check id", "no.such_check")),
        (["audit", "--demo", "--checks", ",,,"], ("--checks needs at least one",)),
        (["audit", "--demo", "--deadline", "-1"], ("--deadline", "positive")),
        (["audit", "--demo", "--deadline", "nan"], ("--deadline",)),
        (["audit", "--demo", "--deadline", "1e999"], ("--deadline",)),
        (["audit", "--demo", "--last-accessed-workers", "0"], ("--last-accessed-workers",)),
        (["audit", "--demo", "--last-accessed-workers", "-3"], ("--last-accessed-workers",)),
        (["audit", "--demo", "--max-workers", "two"], ("--max-workers", "two")),
        (["audit", "--demo", "--color", "rainbow"], ("--color", "rainbow")),
        (["audit", "--demo", "--sarif-artifact", "x"], ("--sarif-artifact",)),
        (["audit", "--accounts", "12345"], ("not a 12-digit AWS account id", "12345")),
        (["audit", "--accounts", ",,,"], ("--accounts needs",)),
        (["audit", "--demo", "--accounts", "all"], ("--accounts",)),
        (["audit", "--credential-report", "r.csv"], ("--credential-report", "--gaad")),
        (["audit", "--demo", "--snapshot", "s.json"], ("not allowed with",)),
        (["lint", "--fail-on", "extreme", "x.json"], ("--fail-on", "extreme")),
        (["lint", "--type", "session", "x.json"], ("--type", "session")),
        (["lint", "--resource-type", "AWS::Nope", "x.json"], ("--resource-type",)),
        (["lint", "--sensitive", "no-equals-sign", "x.json"], ("--sensitive",)),
        (["lint"], ("FILE",)),
        (["rightsize", "role/x", "--demo", "--days", "-5"], ("--days", "1 to 400")),
        (["rightsize", "role/x", "--demo", "--days", "0"], ("--days", "1 to 400")),
        (["rightsize", "role/x", "--demo", "--days", "401"], ("--days", "1 to 400")),
        (["rightsize", "role/x", "--demo", "--days", "1e3"], ("--days", "1e3")),
        (["rightsize", "role/x", "--demo", "--days", "9" * 30], ("--days",)),
        (["findings", "bogus", "--demo"], ("bogus",)),
        (["findings", "--demo", "--status", "pending"], ("pending",)),
        (["findings", "--demo", "--type", "Nope"], ("Nope",)),
        (["findings", "--demo", "--regions", ",,"], ("--regions",)),
        (["analyzer", "--demo", "--regions", "mars-north-1x"], ("mars-north-1x",)),
        (["history", "--limit", "-1", "--redis-url", "redis://127.0.0.1:1/0"], ("--limit",)),
        (["history", "--limit", "x"], ("--limit",)),
        (["history"], ("REDIS_URL",)),
        (["suppressions", "list"], ("REDIS_URL",)),
        (["suppressions", "purge"], ("purge",)),
        (["suppressions", "remove", "x", "--redis-url", "redis://127.0.0.1:1/0"], ("remove",)),
        (["snapshot", "--demo"], ("--output",)),
        (["bogus-command"], ("bogus-command",)),
        (["audit", "--no-such-flag"], ("--no-such-flag",)),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else None,
)
def test_hostile_option_values_are_usage_errors(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    words: tuple[str, ...],
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    code, out, err = run(capsys, *argv)
    assert_input_error(code, err, *words)
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("port", ["-1", "99999999"])
def test_serve_refuses_a_port_out_of_range(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, port: str
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    code, _, err = run(capsys, "serve", "--port", port)
    assert_no_crash(code, err)
    assert code == 2
    assert f"port must be between 0 and 65535, got {port}" in err


def test_worker_without_redis_is_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    code, _, err = run(capsys, "worker", "--burst")
    assert_no_crash(code, err)
    assert code == 2
    assert "REDIS_URL" in err


@pytest.mark.parametrize("url", ["not a url", "redis://[::1", "redis://host:99999999/0"])
@pytest.mark.parametrize(
    "argv", [["history"], ["suppressions", "list"], ["suppressions", "export"]], ids=" ".join
)
def test_a_malformed_redis_url_is_an_input_error(
    capsys: pytest.CaptureFixture[str], argv: list[str], url: str
) -> None:
    code, _, err = run(capsys, *argv, "--redis-url", url)
    assert_input_error(code, err, "--redis-url")


def test_digest_refuses_a_malformed_redis_url_env(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", "not a url")
    code, _, err = run(capsys, "digest", "--demo")
    assert_input_error(code, err, "REDIS_URL")


def test_an_empty_accounts_list_is_refused(
    capsys: pytest.CaptureFixture[str], gaad_file: str
) -> None:
    code, _, err = run(capsys, "audit", "--gaad", gaad_file, "--accounts", "")
    assert_input_error(code, err, "--accounts")


@pytest.mark.parametrize("value", ["-1", "0", "100000"])
def test_a_max_workers_out_of_range_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], gaad_file: str, value: str
) -> None:
    code, _, err = run(capsys, "audit", "--gaad", gaad_file, "--max-workers", value)
    assert_input_error(code, err, "--max-workers")


def test_rightsize_refuses_an_arn_of_another_account(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "rightsize", "arn:aws:iam::999999999999:role/lambda-processor", "--demo"
    )
    assert_input_error(code, err, "999999999999")
    assert out == ""


def test_rightsize_refuses_an_arn_whose_path_is_not_the_principals(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(
        capsys, "rightsize", f"arn:aws:iam::{ACCOUNT}:role/elsewhere/lambda-processor", "--demo"
    )
    assert_input_error(code, err, "role/elsewhere/lambda-processor")
    assert out == ""


def test_the_max_workers_bound_is_the_one_fan_out_enforces() -> None:
    from bot.aws.organizations import MAX_WORKERS_LIMIT
    from bot.clicmd.audit import MAX_ACCOUNT_WORKERS

    assert MAX_ACCOUNT_WORKERS == MAX_WORKERS_LIMIT


# --- 11. terminal escape sequences ------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["text", "json", "markdown", "csv", "sarif"])
def test_escape_sequences_in_iam_names_never_reach_the_report_raw(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], output_format: str
) -> None:
    name = f"evil{CLEAR_SCREEN}\x1b]0;owned\x07\x08\x7f"
    if output_format in ("text", "markdown", "csv"):
        name += "\x9b2J"  # C1 CSI too (the JSON formats: see the next test)

    def mutate(doc: dict[str, Any]) -> None:
        doc["UserDetailList"][0]["Tags"] = [{"Key": name, "Value": name}]
        _statement(doc)["Sid"] = name
        _statement(doc)["Resource"] = ["*", f"arn:aws:s3:::{name}"]

    path = write(tmp_path / "gaad.json", json.dumps(_with(mutate)))
    code, out, err = run(capsys, "audit", "--gaad", path, "-f", output_format)
    assert code == 0, err
    assert "evil" in out
    assert_no_raw_escape(out, err)
    # As a user's name it is refused (IAM allows none of these characters), shown escaped.
    as_name = _with(lambda d: d["UserDetailList"][0].update(UserName=name))
    path = write(tmp_path / "named.json", json.dumps(as_name))
    code, out, err = run(capsys, "audit", "--gaad", path, "-f", output_format)
    assert_input_error(code, err, "not an IAM user name")
    assert_no_raw_escape(out, err)


@pytest.mark.parametrize("output_format", ["json", "sarif"])
def test_c1_control_characters_in_iam_names_are_escaped_in_json_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], output_format: str
) -> None:
    name = "evil\x9b2J\x9d0;owned\x9c"  # a policy document may hold U+0080-U+009F; names not

    def mutate(doc: dict[str, Any]) -> None:
        _statement(doc)["Sid"] = name
        _statement(doc)["Resource"] = ["*", f"arn:aws:s3:::{name}"]

    path = write(tmp_path / "gaad.json", json.dumps(_with(mutate)))
    code, out, err = run(capsys, "audit", "--gaad", path, "-f", output_format)
    assert code == 0, err
    assert "evil" in out
    assert_no_raw_escape(out, err)


def test_escape_sequences_in_lint_findings_are_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    statement = {"Sid": f"S{CLEAR_SCREEN}", "Effect": "Allow", "Action": f"s3:Get{CLEAR_SCREEN}"}
    statement["Resource"] = f"arn:aws:s3:::b{CLEAR_SCREEN}"
    path = write(
        tmp_path / "p.json", json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )
    for output_format in ("text", "json"):
        code, out, err = run(capsys, "lint", path, "-f", output_format)
        assert code == 1, err
        assert_no_raw_escape(out, err)


def test_escape_sequences_in_typed_values_are_not_echoed_by_argparse(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for argv in (
        ["findings", "--demo", "--type", f"T{CLEAR_SCREEN}"],
        ["findings", "--demo", "--status", f"x{CLEAR_SCREEN}"],
        ["lint", "--resource-type", f"AWS::{CLEAR_SCREEN}", "x.json"],
    ):
        code, out, err = run(capsys, *argv)
        assert_input_error(code, err)
        assert_no_raw_escape(out, err)


def test_escape_sequences_from_a_config_file_do_not_reach_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gaad_file: str
) -> None:
    config = write(
        tmp_path / "c.toml",
        # TOML basic strings (double quotes) turn \u001b into ESC itself
        '[[suppressions]]\ncheck = "user.direct_policies"\n'
        'resource = "arn:aws:iam::*:user/\\u001b[2Jnobody"\nreason = "r\\u001b]0;x\\u0007"\n'
        '[[suppressions]]\ncheck = "user.inactive"\nresource = "x\\u001b[2J"\n'
        'reason = "r\\u001b[2J"\nexpires = 2020-01-01\n',
    )
    code, out, err = run(capsys, "audit", "--gaad", gaad_file, "--config", config, "-f", "json")
    assert code == 0, err
    assert "muted nothing" in err
    assert_no_raw_escape(out, err)


def test_escape_sequences_from_a_request_file_do_not_reach_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    request = _request(
        principal=f"arn:aws:iam::{ACCOUNT}:user/a{CLEAR_SCREEN}",
        action=f"s3:Get{CLEAR_SCREEN}",
        identity_policies=[S3_READ],
    )
    path = write(tmp_path / "req.json", json.dumps(request))
    code, out, err = run(capsys, "simulate", "--request", path)
    assert code == 0, err
    assert_no_raw_escape(out, err)


def test_escape_sequences_in_a_bulk_line_error_do_not_reach_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "r.jsonl", json.dumps({f"x{CLEAR_SCREEN}": 1}) + "\n")
    code, out, err = run(capsys, "simulate", "--requests", path)
    assert code == 2
    assert "unknown request field" in out
    assert_no_raw_escape(out, err)


def test_escape_sequences_in_a_policy_catalogue_do_not_reach_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = {"name": "n", "file": "f.json"}
    entry |= {"description": f"d{CLEAR_SCREEN}", "purpose": f"p{CLEAR_SCREEN}"}
    write(tmp_path / "catalogue.json", json.dumps({"policies": [entry]}))
    code, out, err = run(capsys, "policies", "--dir", str(tmp_path))
    assert code == 0, err
    assert_no_raw_escape(out, err)


def test_a_policy_catalogue_with_a_utf8_bom_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = {"name": "n", "file": "f.json", "description": "d", "purpose": "p"}
    write(tmp_path / "catalogue.json", b"\xef\xbb\xbf" + json.dumps({"policies": [entry]}).encode())
    code, out, err = run(capsys, "policies", "--dir", str(tmp_path), "-f", "json")
    assert code == 0, err
    assert [p["name"] for p in json.loads(out)["policies"]] == ["n"]


def test_coloured_text_keeps_its_colour_codes_but_no_other_escape() -> None:
    from bot.render.safe_output import safe_for_output

    coloured = f"\x1b[1;31m[high]\x1b[0m x{CLEAR_SCREEN}\x1b]0;t\x07\x9b2J"
    shown = safe_for_output(coloured, color=True)
    assert shown.startswith("\x1b[1;31m[high]\x1b[0m x<U+001B>[2J")
    assert_no_raw_escape(shown.replace("\x1b[1;31m", "").replace("\x1b[0m", ""))
    assert_no_raw_escape(safe_for_output(coloured))


def test_escape_sequences_in_a_linted_file_name_do_not_reach_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`iam-audit lint policies/*.json` over a directory someone else can write to."""
    good = write(tmp_path / f"x{CLEAR_SCREEN}.json", json.dumps(S3_READ))
    missing = str(tmp_path / f"gone{CLEAR_SCREEN}.json")
    code, out, err = run(capsys, "lint", good, missing)
    assert code == 2
    assert_no_raw_escape(out, err)


@pytest.mark.parametrize(
    "argv",
    [
        ["audit", "--demo", "--checks", f"x{CLEAR_SCREEN}"],
        ["audit", "--gaad", f"/nonexistent/gaad{CLEAR_SCREEN}.json"],
        ["analyzer", "--demo", "--regions", f"us-east-1{CLEAR_SCREEN}"],
        ["audit", "--accounts", f"123456789012{CLEAR_SCREEN}"],
    ],
    ids=["checks", "gaad-path", "regions", "accounts"],
)
def test_escape_sequences_in_typed_values_do_not_reach_the_error_line(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, _, err = run(capsys, *argv)
    assert_input_error(code, err)
    assert_no_raw_escape(err)


# --- 12. the real console script ---------------------------------------------------------------


def console(*argv: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> Any:
    return subprocess.run(
        [sys.executable, "-c", "from bot.cli import console_main; console_main()", *argv],
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
        env={**os.environ, **(env or {})},
    )


def test_console_script_refuses_hostile_files_in_one_line(
    tmp_path: Path, policy_file: str, gaad_file: str
) -> None:
    """One process, several hostile inputs: lint's unreadable and deep files (the others still
    linted), then a deep GAAD, an integer GAAD, a UTF-16 snapshot, a bad credential report."""
    deep = write(tmp_path / "deep.json", "[" * 100_000)
    (tmp_path / "dir.json").mkdir()
    result = console(
        "lint", deep, str(tmp_path / "dir.json"), str(tmp_path / "no.json"), policy_file
    )
    stderr = result.stderr.decode()
    assert result.returncode == 2, stderr
    assert TRACEBACK not in stderr
    assert f"{policy_file}: no findings" in result.stdout.decode()
    assert stderr.count("iam-audit: error: policy file") == 3, stderr

    utf16 = write(tmp_path / "snap.json", '{"schema": 1}'.encode("utf-16"))
    report = write(tmp_path / "r.csv", "user,arn\n")
    for argv, words in (
        (["audit", "--gaad", deep, "-o", str(tmp_path / "out")], (deep, "nested too deeply")),
        (["findings", "--snapshot", utf16], (utf16, "not UTF-8")),
        (["audit", "--gaad", gaad_file, "--credential-report", report], (report, "lacks")),
    ):
        result = console(*argv)
        stderr = result.stderr.decode()
        assert result.returncode == 2, stderr
        assert TRACEBACK not in stderr
        assert len(stderr.strip().splitlines()) == 1, stderr
        for word in words:
            assert word in stderr
    assert not (tmp_path / "out").exists()


def test_console_script_bulk_simulation_with_hostile_lines(tmp_path: Path) -> None:
    lines = [json.dumps(_request(identity_policies=[S3_READ])), "\x00", "[" * 100_000, "{"]
    path = write(tmp_path / "r.jsonl", "\r\n".join(lines))
    result = console("simulate", "--requests", path, "-f", "json")
    assert result.returncode == 2
    assert TRACEBACK not in result.stderr.decode()
    answers = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert answers[0]["decision"] == "allowed"
    assert [a["error"].split(":")[0] for a in answers[1:]] == ["line 2", "line 3", "line 4"]


def test_console_script_lints_invalid_bytes_on_stdin_as_malformed() -> None:
    # The interpreter's own choice for a C locale; a strict stdin is the xfail below.
    result = console(
        "lint", "-", stdin=b"\xff\xfe{}", env={"PYTHONIOENCODING": "utf-8:surrogateescape"}
    )
    assert TRACEBACK not in result.stderr.decode()
    assert result.returncode in (1, 2), result.stderr
    assert b"MALFORMED" in result.stdout or b"UTF-8" in result.stderr


def test_console_script_with_a_strict_stdin_refuses_invalid_bytes_with_exit_2() -> None:
    result = console(
        "audit", "--gaad", "-", stdin=b"\xff\xfe{}", env={"PYTHONIOENCODING": "utf-8:strict"}
    )
    stderr = result.stderr.decode()
    assert TRACEBACK not in stderr
    assert result.returncode == 2, stderr
    assert "standard input" in stderr
