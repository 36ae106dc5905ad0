"""`iam-audit findings` and `iam-audit analyzer` end to end through the real CLI entry point.

The demo answers Access Analyzer through botocore handlers, so these runs go through the real
collector; the live path is exercised with moto (which lacks Access Analyzer) and with
before-call answers.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from bot import cli
from tests.factories import analyzer, analyzer_finding, snapshot


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _ids(out: str) -> list[str]:
    data = json.loads(out)
    return [f["id"] for group in data["groups"] for f in group["findings"]]


# --- demo ----------------------------------------------------------------------------------------


def test_demo_text_groups_every_type_and_says_it_is_demo(capsys) -> None:
    code, out, err = run_cli(capsys, "findings", "--demo")
    assert code == 0, err
    assert "DEMO DATA" in out
    for heading in (
        "ExternalAccess (3)",
        "UnusedIAMRole (1)",
        "UnusedIAMUserAccessKey (1)",
        "UnusedIAMUserPassword (1)",
        "UnusedPermission (1)",
    ):
        assert heading in out
    assert "who: anyone (public) - AWS: *" in out
    assert "conditions: aws:SourceIp = 203.0.113.0/24" in out
    assert "access key: DEMO-KEY-DAVE-STALE" in out
    assert "7 findings: 1 critical, 2 medium, 4 low" in out
    assert "demo-0004" not in out  # archived: not shown by default


def test_demo_json_kind_and_resource_filter(capsys) -> None:
    code, out, _ = run_cli(
        capsys, "findings", "external", "--demo", "--resource", "arn:aws:s3:::*", "-f", "json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["schema"] == "iam-audit/analyzer-findings/1"
    assert data["demo"] is True
    assert data["regions"] == ["eu-west-1", "us-east-1"]
    (row,) = data["groups"][0]["findings"]
    assert row["resource"] == "arn:aws:s3:::example-reports-bucket"
    assert row["principals"] == ["AWS: arn:aws:iam::999988887777:root"]
    assert row["actions"] == ["s3:GetObject", "s3:ListBucket"]
    assert data["summary"]["by_severity"]["medium"] == 1


def test_unused_kind_shows_last_use(capsys) -> None:
    code, out, _ = run_cli(capsys, "findings", "unused", "--demo", "-f", "json")
    assert code == 0
    rows = [f for g in json.loads(out)["groups"] for f in g["findings"]]
    assert {r["kind"] for r in rows} == {"unused"}
    by_type = {r["finding_type"]: r for r in rows}
    assert by_type["UnusedIAMRole"]["last_accessed"] is not None
    assert by_type["UnusedPermission"]["actions"] == ["iam:CreatePolicyVersion"]
    # What the Slack "Remediate" button needs: the remediation id and its parameters.
    assert by_type["UnusedIAMUserAccessKey"]["remediation"] == {
        "id": "deactivate_access_key",
        "params": {
            "target_kind": "user",
            "target_name": "dave.stale-key",
            "access_key_id": "DEMO-KEY-DAVE-STALE",
        },
    }
    assert by_type["UnusedIAMRole"]["remediation"] is None


def test_archived_status_is_asked_from_the_service(capsys) -> None:
    code, out, _ = run_cli(capsys, "findings", "--demo", "--status", "archived", "-f", "json")
    assert code == 0
    assert _ids(out) == ["demo-0004-partner-guarded-role"]
    code, out, _ = run_cli(
        capsys, "findings", "--demo", "--status", "ARCHIVED,active", "--type", "externalaccess"
    )
    assert code == 0
    assert "ExternalAccess (4)" in out


def test_type_filter(capsys) -> None:
    code, out, _ = run_cli(
        capsys, "findings", "--demo", "--type", "UnusedIAMUserPassword", "-f", "json"
    )
    assert code == 0
    assert _ids(out) == ["demo-0007-grace-password"]


def test_regions_option_limits_what_is_read(capsys) -> None:
    code, out, _ = run_cli(capsys, "findings", "--demo", "--regions", "eu-west-1", "-f", "json")
    assert code == 0
    data = json.loads(out)
    assert data["regions"] == ["eu-west-1"]
    assert data["groups"] == []


def test_analyzer_command_lists_regions_and_gaps(capsys) -> None:
    code, out, err = run_cli(capsys, "analyzer", "--demo")
    assert code == 0, err
    assert "demo-account-analyzer  ACCOUNT (external access)  ACTIVE" in out
    assert "unused after 90 days" in out
    assert "external access is not monitored here" in out
    assert "--region eu-west-1" in out
    assert "external access monitored in 1 of 2 regions read; unused access: on" in out


def test_analyzer_command_json(capsys) -> None:
    code, out, _ = run_cli(capsys, "analyzer", "--demo", "-f", "json")
    assert code == 0
    data = json.loads(out)
    regions = {r["region"]: r for r in data["regions"]}
    assert regions["eu-west-1"]["analyzers"] == []
    assert regions["eu-west-1"]["external_access_monitored"] is False
    assert regions["us-east-1"]["external_access_monitored"] is True
    assert data["unused_access_monitored"] is True


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["findings", "--demo", "--status", "open"], "unknown finding status 'open'"),
        (["findings", "--demo", "--type", "Nope"], "unknown finding type 'Nope'"),
        (["findings", "unused", "--demo", "--type", "ExternalAccess"], "never matches kind"),
        (["findings", "--demo", "--regions", "mars"], "not a region name: mars"),
        (["findings", "--demo", "--regions", ","], "--regions needs at least one"),
        (["findings", "sideways", "--demo"], "invalid choice"),
        (["findings", "--demo", "--snapshot", "x.json"], "not allowed with argument"),
    ],
)
def test_bad_usage_is_one_line_exit_2(capsys, argv: list[str], fragment: str) -> None:
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert fragment in err


# --- snapshot files ------------------------------------------------------------------------------


def _write(tmp_path: Path, snap) -> Path:
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(snap.to_dict()), encoding="utf-8")
    return path


def test_snapshot_file_findings_and_missing_statuses_note(capsys, tmp_path: Path) -> None:
    snap = dataclasses.replace(
        snapshot(
            analyzers=[analyzer()],
            analyzer_findings=[
                analyzer_finding(public=True),
                analyzer_finding("UnusedIAMRole", id="u"),
            ],
        ),
        analyzer_regions=("us-east-1",),
    )
    path = _write(tmp_path, snap)
    code, out, _ = run_cli(capsys, "findings", "external", "--snapshot", str(path))
    assert code == 0
    assert "[high] arn:aws:s3:::shared-bucket" in out
    assert "UnusedIAMRole" not in out
    code, out, _ = run_cli(capsys, "findings", "--snapshot", str(path), "--status", "resolved")
    assert "the snapshot holds no resolved findings" in out


def test_snapshot_without_analyzer_data_is_a_clear_error(capsys, tmp_path: Path) -> None:
    path = _write(tmp_path, snapshot())
    code, out, err = run_cli(capsys, "findings", "--snapshot", str(path))
    assert (code, out) == (2, "")
    assert "has no Access Analyzer data" in err


# --- live ----------------------------------------------------------------------------------------


def test_live_denied_everywhere_is_one_line(capsys, monkeypatch) -> None:
    def refuse(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        error = {"Code": "AccessDeniedException", "Message": "not authorized"}
        return AWSResponse(None, 403, {}, None), {"Error": error, "ResponseMetadata": {}}

    real_session = boto3.Session

    def session_with_refusal(*args: Any, **kwargs: Any) -> boto3.Session:
        session = real_session(*args, **kwargs)
        session.events.register("before-call.accessanalyzer.ListAnalyzers", refuse)
        return session

    monkeypatch.setattr(boto3, "Session", session_with_refusal)
    code, out, err = run_cli(capsys, "findings", "--regions", "us-east-1,eu-west-1")
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "grant access-analyzer:ListAnalyzers" in err
    assert "2 regions: eu-west-1, us-east-1" in err


def test_live_partial_denial_lists_what_was_read_and_the_problem(capsys, monkeypatch) -> None:
    def answer(**kwargs: Any) -> tuple[AWSResponse, dict[str, Any]]:
        if kwargs["request_signer"].region_name == "eu-west-1":
            error = {"Code": "AccessDeniedException", "Message": "denied by SCP"}
            return AWSResponse(None, 403, {}, None), {"Error": error, "ResponseMetadata": {}}
        return AWSResponse(None, 200, {}, None), {"analyzers": []}

    real_session = boto3.Session

    def session_with_answers(*args: Any, **kwargs: Any) -> boto3.Session:
        session = real_session(*args, **kwargs)
        session.events.register("before-call.accessanalyzer.ListAnalyzers", answer)
        return session

    monkeypatch.setattr(boto3, "Session", session_with_answers)
    code, out, err = run_cli(capsys, "analyzer", "--regions", "us-east-1,eu-west-1")
    assert code == 0, err
    assert "us-east-1" in out
    assert "Problems reading Access Analyzer:" in out
    assert "was denied: grant access-analyzer:ListAnalyzers" in out
    assert "in eu-west-1" in out


def test_demo_audit_runs_the_analyzer_checks(capsys) -> None:
    checks = "analyzer.disabled,analyzer.unused_access_disabled,analyzer.active_findings"
    code, out, err = run_cli(capsys, "audit", "--demo", "--checks", checks, "-f", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["errors"] == []
    by_check: dict[str, list[dict[str, Any]]] = {}
    for finding in report["findings"]:
        by_check.setdefault(finding["check_id"], []).append(finding)
    (disabled,) = by_check["analyzer.disabled"]
    assert disabled["evidence"]["region"] == "eu-west-1"  # the audited region with no analyzer
    assert "analyzer.unused_access_disabled" not in by_check  # us-east-1 has one
    active = by_check["analyzer.active_findings"]
    assert len(active) == 7  # the archived one is not reported
    worst = max(active, key=lambda f: ["low", "medium", "high", "critical"].index(f["severity"]))
    assert worst["severity"] == "critical"
    assert worst["resource_arn"].startswith("arn:aws:iam::123456789012:role/public-trust-role#")
