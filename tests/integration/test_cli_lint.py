"""`iam-audit lint` end to end through the real CLI entry point."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from tests.factories import ORIGIN_MFA_EXAMPLE, ORIGIN_S3_EXAMPLE

CLEAN = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}],
}
REDUNDANT_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/x/*"},
    ],
}
POLICIES = Path(__file__).resolve().parents[2] / "policies"


def write(tmp_path: Path, name: str, content: Any) -> str:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
    return str(path)


def test_text_output_names_file_statement_code_and_severity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s3 = write(tmp_path, "s3.json", ORIGIN_S3_EXAMPLE)
    mfa = write(tmp_path, "mfa.json", ORIGIN_MFA_EXAMPLE)
    assert main(["lint", s3, mfa]) == 1
    out = capsys.readouterr().out
    assert f"{s3}: statement 0: MEDIUM RESOURCE_MISMATCH: s3:ListBucket" in out
    assert f"{mfa}: statement 0: HIGH MFA_LOCKOUT:" in out
    assert "2 files, 2 findings (1 high, 1 medium)" in out
    assert "IAM action data" in out


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s3 = write(tmp_path, "s3.json", ORIGIN_S3_EXAMPLE)
    clean = write(tmp_path, "clean.json", CLEAN)
    assert main(["lint", "--format", "json", s3, clean]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["schema"] == "iam-audit/lint/1"
    assert data["catalogue_version"]
    files = {f["file"]: f["findings"] for f in data["files"]}
    assert files[clean] == []
    (finding,) = files[s3]
    assert finding["file"] == s3
    assert finding["code"] == "RESOURCE_MISMATCH"
    assert finding["severity"] == "medium"
    assert finding["statement"] == 0
    assert finding["message"]
    assert data["summary"]["findings"] == 1


def test_fail_on_threshold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s3 = write(tmp_path, "s3.json", ORIGIN_S3_EXAMPLE)
    assert main(["lint", "--fail-on", "high", s3]) == 0
    assert main(["lint", "--fail-on", "medium", s3]) == 1
    redundant = write(tmp_path, "redundant.json", REDUNDANT_ONLY)
    assert main(["lint", redundant]) == 0  # default threshold is medium; this is low
    assert main(["lint", "--fail-on", "low", redundant]) == 1
    capsys.readouterr()


def test_clean_file_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", write(tmp_path, "ok.json", CLEAN)]) == 0
    assert "no findings" in capsys.readouterr().out


def test_invalid_json_is_a_malformed_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = write(tmp_path, "broken.json", '{"Version": "2012-10-17", "Statement": [')
    assert main(["lint", broken]) == 1
    out = capsys.readouterr().out
    assert "document: HIGH MALFORMED" in out
    assert "not valid JSON" in out


def test_missing_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ok = write(tmp_path, "ok.json", CLEAN)
    assert main(["lint", ok, str(tmp_path / "nope.json")]) == 2
    captured = capsys.readouterr()
    assert "not found" in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""  # nothing is linted when an input is unreadable


def test_directory_and_bad_options_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lint", str(tmp_path)]) == 2
    assert main(["lint", "--fail-on", "severe", write(tmp_path, "a.json", CLEAN)]) == 2
    assert main(["lint", "--type", "session", write(tmp_path, "b.json", CLEAN)]) == 2
    assert main(["lint"]) == 2
    err = capsys.readouterr().err
    assert "is a directory" in err
    assert "Traceback" not in err


def test_policy_type_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    path = write(tmp_path, "trust.json", trust)
    assert main(["lint", "--type", "trust", path]) == 0
    assert main(["lint", path]) == 1  # as an identity policy: a Principal is not allowed
    assert "should not specify a principal" in capsys.readouterr().out


def test_reads_standard_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(ORIGIN_MFA_EXAMPLE)))
    assert main(["lint", "-"]) == 1
    assert "<stdin>: statement 0: HIGH MFA_LOCKOUT" in capsys.readouterr().out


def test_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "lint.json"
    assert (
        main(
            ["lint", "-f", "json", "-o", str(target), write(tmp_path, "s.json", ORIGIN_S3_EXAMPLE)]
        )
        == 1
    )
    assert json.loads(target.read_text("utf-8"))["summary"]["findings"] == 1
    assert capsys.readouterr().out == ""


def test_shipped_policies_pass_the_cli_gate(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(str(p) for p in POLICIES.glob("*.json") if p.name != "catalogue.json")
    assert files
    assert main(["lint", "--fail-on", "medium", *files]) == 0
    assert f"{len(files)} files" in capsys.readouterr().out
