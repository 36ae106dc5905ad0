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


def test_an_unreadable_file_is_reported_and_the_others_still_linted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s3 = write(tmp_path, "s3.json", ORIGIN_S3_EXAMPLE)
    missing = str(tmp_path / "nope.json")
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes(b'{"Version": "2012-10-17", "Statement": [], "Id": "caf\xe9"}')
    ok = write(tmp_path, "ok.json", CLEAN)
    assert main(["lint", s3, missing, str(latin1), ok]) == 2  # 2: a file could not be read
    captured = capsys.readouterr()
    assert f"policy file {missing} not found" in captured.err
    assert "Traceback" not in captured.err
    assert f"{missing}: ERROR: not found; not linted" in captured.out
    assert f"{s3}: statement 0: MEDIUM RESOURCE_MISMATCH" in captured.out
    assert f"{latin1}: document: HIGH MALFORMED: not UTF-8 text" in captured.out
    assert f"{ok}: no findings" in captured.out
    assert "4 files (1 not readable), 2 findings" in captured.out


def test_an_unreadable_file_in_json_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "nope.json")
    ok = write(tmp_path, "ok.json", CLEAN)
    assert main(["lint", "--format", "json", missing, ok]) == 2
    data = json.loads(capsys.readouterr().out)
    files = {f["file"]: f for f in data["files"]}
    assert files[missing]["error"] == "not found"
    assert files[ok]["error"] is None
    assert files[ok]["policy_type"] == "identity"
    assert data["summary"]["unreadable"] == 1


def test_directory_and_bad_options_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lint", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().out
    assert main(["lint", "--fail-on", "severe", write(tmp_path, "a.json", CLEAN)]) == 2
    assert main(["lint", "--type", "session", write(tmp_path, "b.json", CLEAN)]) == 2
    assert main(["lint"]) == 2
    err = capsys.readouterr().err
    assert "unknown severity" in err
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
    assert "linted as" not in capsys.readouterr().out  # the type was given, not assumed
    assert main(["lint", "--type", "identity", path]) == 1  # a Principal is not allowed there
    assert "should not specify a principal" in capsys.readouterr().out


def test_policy_type_is_detected_and_said(capsys: pytest.CaptureFixture[str]) -> None:
    """The project's own cross-account trust policy lints clean without --type (issue 13)."""
    trust = str(POLICIES / "bot" / "cross-account-trust.json")
    assert main(["lint", "--fail-on", "low", trust]) == 0
    out = capsys.readouterr().out
    assert f"{trust}: linted as a trust policy (every statement names a Principal" in out
    assert f"{trust}: no findings" in out


def test_resource_type_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bucket_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": ["s3:GetObject", "sqs:SendMessage"],
                "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
            }
        ],
    }
    path = write(tmp_path, "bucket.json", bucket_policy)
    assert main(["lint", "--resource-type", "AWS::S3::Bucket", path]) == 1
    out = capsys.readouterr().out
    assert "linted as a resource policy (--resource-type AWS::S3::Bucket" in out
    assert "HIGH UNSUPPORTED_FOR_RESOURCE_TYPE" in out
    assert "sqs:SendMessage can never apply here" in out
    assert main(["lint", "--resource-type", "AWS::Nope::Thing", path]) == 2


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


def test_capabilities_are_opt_in(capsys: pytest.CaptureFixture[str]) -> None:
    """The bot's own remediation policy can attach policies by design: lint-clean by default,
    its escalation methods listed with --capabilities."""
    remediation = str(POLICIES / "bot" / "remediation.json")
    assert main(["lint", "--fail-on", "low", remediation]) == 0
    assert f"{remediation}: no findings" in capsys.readouterr().out
    assert main(["lint", "--capabilities", remediation]) == 1
    out = capsys.readouterr().out
    assert "HIGH PRIVILEGE_ESCALATION: allows" in out
    assert "iam-009" in out


def test_sensitive_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::secretbucket/*"}
        ],
    }
    path = write(tmp_path, "p.json", policy)
    assert main(["lint", "--sensitive", "s3:GetObject=arn:aws:s3:::secret*", path]) == 1
    assert "HIGH SENSITIVE_ACCESS: allows s3:GetObject on arn:aws:s3:::secret*" in (
        capsys.readouterr().out
    )
    assert main(["lint", "--sensitive", "s3:GetObject", path]) == 2
    assert "use ACTION=ARN" in capsys.readouterr().err
