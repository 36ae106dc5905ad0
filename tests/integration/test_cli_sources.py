"""`iam-audit` on its real inputs: the demo account, a GAAD file, a snapshot file, live (moto)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from jsonschema import Draft4Validator

from bot import cli
from bot.aws.demo import build_demo_snapshot

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"
ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def demo_snapshot_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo account built once and saved, so each format test replays it quickly."""
    snapshot = build_demo_snapshot(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    path = tmp_path_factory.mktemp("demo") / "demo-snapshot.json"
    path.write_text(json.dumps(snapshot.to_dict()), encoding="utf-8")
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- the demo ------------------------------------------------------------------------------


def test_audit_demo_is_labelled_and_finds_the_planted_problems(capsys) -> None:
    code, out, err = run_cli(capsys, "audit", "--demo", "--fail-on", "critical")
    assert code == 1  # the demo plants critical problems (root without MFA, trust '*')
    assert err == ""
    assert "DEMO DATA" in out.splitlines()[3]
    for check_id in ("root.mfa_disabled", "root.access_key_present", "role.trust_any_principal"):
        assert f"[critical] {check_id}" in out


def test_demo_sarif_validates_against_the_official_schema(capsys, demo_snapshot_file) -> None:
    code, out, _ = run_cli(capsys, "audit", "--snapshot", str(demo_snapshot_file), "-f", "sarif")
    assert code == 0
    log = json.loads(out)
    validator = Draft4Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert [e.message for e in validator.iter_errors(log)] == []
    run = log["runs"][0]
    assert run["properties"]["demoData"] is True
    assert len(run["results"]) >= 10
    fingerprints = [r["partialFingerprints"]["iamAuditFinding/v1"] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)


@pytest.mark.parametrize("fmt", ["json", "markdown", "csv", "text"])
def test_demo_every_format(capsys, demo_snapshot_file: Path, fmt: str) -> None:
    code, out, _ = run_cli(capsys, "audit", "--snapshot", str(demo_snapshot_file), "-f", fmt)
    assert code == 0
    assert "root.mfa_disabled" in out
    if fmt == "json":
        data = json.loads(out)
        assert data["source"] == "demo"
        assert data["summary"]["critical"] >= 2


def test_snapshot_demo_writes_a_replayable_file(capsys, tmp_path: Path) -> None:
    target = tmp_path / "snap.json"
    code, out, err = run_cli(capsys, "snapshot", "--demo", "--output", str(target))
    assert code == 0
    assert out == ""
    assert err.startswith(f"iam-audit: snapshot of account {ACCOUNT} written to {target} (")
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["schema"] == "iam-audit/snapshot/1"
    assert data["source"] == "demo"
    code, out, _ = run_cli(capsys, "audit", "--snapshot", str(target), "-f", "json")
    assert code == 0
    assert json.loads(out)["account_id"] == ACCOUNT


def test_snapshot_to_stdout(capsys) -> None:
    code, out, err = run_cli(capsys, "snapshot", "--demo", "-o", "-")
    assert code == 0
    assert err == ""
    assert json.loads(out)["schema"] == "iam-audit/snapshot/1"


def test_snapshot_requires_output(capsys) -> None:
    code, out, err = run_cli(capsys, "snapshot", "--demo")
    assert code == 2
    assert out == ""
    assert err.splitlines() == [
        "iam-audit: error: the following arguments are required: --output/-o"
        " (see `iam-audit snapshot --help`)"
    ]


# --- GAAD ----------------------------------------------------------------------------------

GAAD = {
    "UserDetailList": [
        {
            "Path": "/",
            "UserName": "alice",
            "UserId": "AIDAEXAMPLE1",
            "Arn": f"arn:aws:iam::{ACCOUNT}:user/alice",
            "CreateDate": "2024-01-01T00:00:00+00:00",
            "UserPolicyList": [
                {
                    "PolicyName": "everything",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
                    },
                }
            ],
            "GroupList": [],
            "AttachedManagedPolicies": [],
            "Tags": [],
        }
    ],
    "GroupDetailList": [],
    "RoleDetailList": [
        {
            "Path": "/",
            "RoleName": "open-door",
            "RoleId": "AROAEXAMPLE1",
            "Arn": f"arn:aws:iam::{ACCOUNT}:role/open-door",
            "CreateDate": "2024-01-01T00:00:00+00:00",
            # The CLI writes trust policies URL-encoded, as Cloudsplaining's input has them.
            "AssumeRolePolicyDocument": (
                "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22"
                "%3A%22Allow%22%2C%22Principal%22%3A%7B%22AWS%22%3A%22%2A%22%7D%2C%22Action"
                "%22%3A%22sts%3AAssumeRole%22%7D%5D%7D"
            ),
            "InstanceProfileList": [],
            "RolePolicyList": [],
            "AttachedManagedPolicies": [],
            "Tags": [],
            "RoleLastUsed": {},
        }
    ],
    "Policies": [],
}

CREDENTIAL_REPORT = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n"
    f"<root_account>,arn:aws:iam::{ACCOUNT}:root,2020-01-01T00:00:00+00:00,not_supported,"
    "no_information,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,"
    "N/A,false,N/A,false,N/A\n"
    f"alice,arn:aws:iam::{ACCOUNT}:user/alice,2024-01-01T00:00:00+00:00,true,"
    "2026-11-01T00:00:00+00:00,2024-01-01T00:00:00+00:00,N/A,false,false,N/A,N/A,N/A,N/A,"
    "false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
)


@pytest.fixture
def gaad_file(tmp_path: Path) -> Path:
    path = tmp_path / "gaad.json"
    path.write_text(json.dumps(GAAD), encoding="utf-8")
    return path


def test_gaad_only_audits_what_it_has_and_lists_the_rest_as_skipped(capsys, gaad_file) -> None:
    code, out, err = run_cli(capsys, "audit", "--gaad", str(gaad_file), "-f", "json")
    assert code == 0
    data = json.loads(out)
    assert data["source"] == "gaad"
    assert data["account_id"] == ACCOUNT
    found = {(f["check_id"], f["resource_arn"]) for f in data["findings"]}
    assert ("role.trust_any_principal", f"arn:aws:iam::{ACCOUNT}:role/open-door") in found
    skipped = {s["check_id"]: s["reason"] for s in data["skipped"]}
    assert "root.mfa_disabled" in skipped
    assert "--credential-report" in skipped["root.mfa_disabled"]
    assert "password_policy.min_length" in skipped
    assert "skipped" in err


def test_gaad_with_credential_report(capsys, gaad_file: Path, tmp_path: Path) -> None:
    report = tmp_path / "credential-report.csv"
    report.write_text(CREDENTIAL_REPORT, encoding="utf-8")
    code, out, _ = run_cli(
        capsys,
        "audit",
        "--gaad",
        str(gaad_file),
        "--credential-report",
        str(report),
        "--fail-on",
        "high",
    )
    assert code == 1
    assert f"[high] user.console_without_mfa  arn:aws:iam::{ACCOUNT}:user/alice" in out
    assert "root.mfa_disabled" not in out.split("Skipped checks")[-1]


def test_gaad_with_a_broken_credential_report(capsys, gaad_file: Path, tmp_path: Path) -> None:
    report = tmp_path / "cr.csv"
    report.write_text("user,arn\nalice\n", encoding="utf-8")
    code, out, err = run_cli(
        capsys, "audit", "--gaad", str(gaad_file), "--credential-report", str(report)
    )
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith(f"iam-audit: error: {gaad_file} / {report}: ")
    assert "Traceback" not in err


def test_missing_credential_report_file(capsys, gaad_file: Path, tmp_path: Path) -> None:
    missing = tmp_path / "none.csv"
    code, _, err = run_cli(
        capsys, "audit", "--gaad", str(gaad_file), "--credential-report", str(missing)
    )
    assert code == 2
    assert err == f"iam-audit: error: credential report not found: {missing}\n"


# --- live (moto) -----------------------------------------------------------------------------


def test_live_audit_against_moto(capsys) -> None:
    from moto import mock_aws

    with mock_aws():
        import boto3

        iam = boto3.client("iam", region_name="us-east-1")
        iam.create_user(UserName="live-user")
        code, out, err = run_cli(capsys, "audit", "--region", "us-east-1", "-f", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["source"] == "aws"
    assert data["account_id"] == ACCOUNT
    assert "user.not_in_group" in {f["check_id"] for f in data["findings"]}


def test_live_audit_without_credentials_is_one_line(capsys, monkeypatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    code, out, err = run_cli(capsys, "audit")
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith("iam-audit: error: no AWS credentials found")


def test_live_audit_with_an_unknown_profile_is_one_line(capsys) -> None:
    code, out, err = run_cli(capsys, "audit", "--profile", "no-such-profile")
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1
    assert "no-such-profile" in err
    assert "Traceback" not in err
