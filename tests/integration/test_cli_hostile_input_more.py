"""More input a careless or hostile user can give the CLI: each case once ended in lost data, a
misleading answer or a hang. Bad input is exit 2 with one line naming it, and loses nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot import cli

ALL_ON_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
POLICY = Path(__file__).resolve().parents[2] / "policies" / "mfa-self-service-enforce.json"
GAAD_SAMPLE = Path(__file__).resolve().parents[1] / "data" / "gaad_sample.json"
REPORT_SAMPLE = Path(__file__).resolve().parents[1] / "data" / "credential_report_sample.csv"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_exit_2(code: int, err: str, *words: str) -> None:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("iam-audit: error: ")
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], lines[0]


def copy(source: Path, target: Path) -> Path:
    target.write_bytes(source.read_bytes())
    return target


# --- an --output that is one of the command's inputs --------------------------------------


def test_lint_output_over_its_own_policy_file_is_refused_and_the_policy_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`lint p.json -o p.json` replaced the policy with the lint report."""
    policy = copy(POLICY, tmp_path / "p.json")
    before = policy.read_bytes()
    code, _, err = run(capsys, "lint", str(policy), "-o", str(policy))
    assert_one_line_exit_2(code, err, "p.json", "is an input of this command")
    assert policy.read_bytes() == before


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_audit_output_through_a_symlink_to_the_gaad_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], output_format: str
) -> None:
    gaad = copy(GAAD_SAMPLE, tmp_path / "gaad.json")
    link = tmp_path / "latest.json"
    link.symlink_to(gaad)
    before = gaad.read_bytes()
    code, _, err = run(capsys, "audit", "--gaad", str(gaad), "-f", output_format, "-o", str(link))
    assert_one_line_exit_2(code, err, "latest.json", "is an input of this command")
    assert gaad.read_bytes() == before
    assert link.is_symlink()


def test_audit_output_over_the_credential_report_or_a_hard_link_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gaad = copy(GAAD_SAMPLE, tmp_path / "gaad.json")
    report = copy(REPORT_SAMPLE, tmp_path / "report.csv")
    (tmp_path / "same.csv").hardlink_to(report)
    before = report.read_bytes()
    for target in (report, tmp_path / "same.csv"):
        code, _, err = run(
            capsys,
            "audit",
            "--gaad",
            str(gaad),
            "--credential-report",
            str(report),
            "-f",
            "csv",
            "-o",
            str(target),
        )
        assert_one_line_exit_2(code, err, "is an input of this command")
        assert report.read_bytes() == before


def test_audit_output_over_its_config_or_scps_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "iam-audit.toml"
    config.write_text("[thresholds]\n", encoding="utf-8")
    scps = tmp_path / "scps.json"
    scps.write_text(json.dumps([[ALL_ON_ALL]]), encoding="utf-8")
    for option, path in (("--config", config), ("--scps", scps)):
        before = path.read_bytes()
        code, _, err = run(
            capsys, "audit", "--gaad", str(GAAD_SAMPLE), option, str(path), "-o", str(path)
        )
        assert_one_line_exit_2(code, err, "is an input of this command")
        assert path.read_bytes() == before


def test_simulate_answers_over_the_requests_file_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requests = tmp_path / "requests.jsonl"
    line = {"policies": [ALL_ON_ALL], "action": "s3:GetObject", "resource": "*"}
    requests.write_text(json.dumps(line) + "\n", encoding="utf-8")
    before = requests.read_bytes()
    code, _, err = run(capsys, "simulate", "--requests", str(requests), "-o", str(requests))
    assert code == 2, err
    assert "is an input of this command" in err
    assert "Traceback" not in err
    assert requests.read_bytes() == before


def test_a_file_read_by_an_earlier_command_may_be_written_by_the_next(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The inputs are those of the running command only (main() called twice, as in tests)."""
    policy = copy(POLICY, tmp_path / "p.json")
    assert run(capsys, "lint", str(policy))[0] == 0
    code, _, err = run(capsys, "checks", "-o", str(policy))
    assert code == 0, err
    assert policy.read_text(encoding="utf-8").strip()


def test_an_empty_output_name_is_refused_as_such(capsys: pytest.CaptureFixture[str]) -> None:
    """`--output ''` said "cannot write .: it is a directory"."""
    code, _, err = run(capsys, "checks", "--output", "")
    assert_one_line_exit_2(code, err, "--output is empty")
