"""The SARIF renderer: valid SARIF 2.1.0 that GitHub code scanning can ingest."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from jsonschema import Draft4Validator

from bot.audit.findings import Severity
from bot.render import RenderOptions
from bot.render.sarif import (
    FINGERPRINT_KEY,
    finding_fingerprint,
    render_sarif,
    resource_artifact_uri,
)
from tests.unit.test_render_common import ACCOUNT, sample_catalogue, sample_report

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator() -> Draft4Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


def _sarif(**kwargs) -> dict:
    report = kwargs.pop("report", None) or sample_report()
    out = render_sarif(report, catalogue=sample_catalogue(), options=RenderOptions(**kwargs))
    return json.loads(out)


def _errors(validator: Draft4Validator, log: dict) -> list[str]:
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(log)]


def test_validates_against_the_official_schema(validator: Draft4Validator) -> None:
    assert _errors(validator, _sarif()) == []


def test_validates_with_a_pinned_artifact_and_when_empty(validator: Draft4Validator) -> None:
    assert _errors(validator, _sarif(artifact_uri="audits/gaad.json")) == []
    assert _errors(validator, _sarif(report=sample_report(with_findings=False))) == []


def test_the_schema_rejects_a_broken_log(validator: Draft4Validator) -> None:
    log = _sarif()
    log["runs"][0]["results"][0]["level"] = "fatal"
    del log["version"]
    assert len(_errors(validator, log)) >= 2  # the validator really checks


def test_one_rule_per_check_with_metadata() -> None:
    rules = _sarif()["runs"][0]["tool"]["driver"]["rules"]
    ids = [rule["id"] for rule in rules]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(sample_report().checks)
    rule = next(r for r in rules if r["id"] == "root.mfa_disabled")
    assert rule["name"] == "RootMfaDisabled"
    assert rule["shortDescription"]["text"] == "Title of root.mfa_disabled"
    assert rule["fullDescription"]["text"] == "Risk of root.mfa_disabled"
    assert rule["help"]["text"] == "Fix root.mfa_disabled"
    assert rule["properties"]["security-severity"] == "9.5"
    assert "CIS 1.4" in rule["properties"]["tags"]
    assert rule["defaultConfiguration"]["level"] == "error"


def test_rule_severity_follows_the_worst_finding_of_the_run() -> None:
    report = sample_report()
    # A [severity] override in the config raised user.not_in_group (default low) to high.
    raised = tuple(
        replace(f, severity=Severity.HIGH) if f.check_id == "user.not_in_group" else f
        for f in report.findings
    )
    rules = _sarif(report=replace(report, findings=raised))["runs"][0]["tool"]["driver"]["rules"]
    by_id = {r["id"]: r for r in rules}
    assert by_id["user.not_in_group"]["properties"]["security-severity"] == "8.0"
    assert by_id["user.not_in_group"]["defaultConfiguration"]["level"] == "note"
    assert by_id["user.inactive"]["properties"]["security-severity"] == "5.5"


def test_results_levels_locations_and_fingerprints() -> None:
    run = _sarif()["runs"][0]
    results = run["results"]
    assert len(results) == len(sample_report().findings)
    rules = run["tool"]["driver"]["rules"]
    levels = {r["ruleId"]: r["level"] for r in results}
    assert levels["root.mfa_disabled"] == "error"
    assert levels["user.inactive"] == "warning"
    assert levels["user.not_in_group"] == "note"
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]
        arn = location["logicalLocations"][0]["fullyQualifiedName"]
        assert location["physicalLocation"]["artifactLocation"]["uri"].startswith(f"iam/{ACCOUNT}/")
        assert result["partialFingerprints"][FINGERPRINT_KEY] == finding_fingerprint(
            result["ruleId"], arn
        )


def test_fingerprints_are_stable_and_distinct() -> None:
    first = [r["partialFingerprints"] for r in _sarif()["runs"][0]["results"]]
    again = [r["partialFingerprints"] for r in _sarif()["runs"][0]["results"]]
    assert first == again
    assert len({f[FINGERPRINT_KEY] for f in first}) == len(first)
    assert finding_fingerprint("a.b", "arn:1") != finding_fingerprint("a.b", "arn:2")


def test_pinned_artifact_applies_to_every_result() -> None:
    results = _sarif(artifact_uri="audits/gaad.json")["runs"][0]["results"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris == {"audits/gaad.json"}


@pytest.mark.parametrize(
    ("arn", "expected"),
    [
        (f"arn:aws:iam::{ACCOUNT}:user/ops/alice", f"iam/{ACCOUNT}/user/ops/alice"),
        (f"arn:aws:iam::{ACCOUNT}:root", f"iam/{ACCOUNT}/root"),
        (f"arn:aws:iam::{ACCOUNT}:user/../../etc/x y", f"iam/{ACCOUNT}/user/etc/x%20y"),
        ("not-an-arn", f"iam/{ACCOUNT}/not-an-arn"),
        (
            f"arn:aws:iam::{ACCOUNT}:user/dave#access_key_1",
            f"iam/{ACCOUNT}/user/dave%23access_key_1",
        ),
        (f"arn:aws:iam::{ACCOUNT}:user/a|b`c", f"iam/{ACCOUNT}/user/a%7Cb%60c"),
    ],
)
def test_resource_artifact_uri(arn: str, expected: str) -> None:
    assert resource_artifact_uri(ACCOUNT, arn) == expected


def test_errors_and_skipped_become_notifications_and_muted_stay_out_of_results() -> None:
    run = _sarif()["runs"][0]
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    texts = [n["message"]["text"] for n in invocation["toolExecutionNotifications"]]
    assert "access denied to ListVirtualMFADevices" in texts
    assert "check skipped: needs the virtual MFA devices" in texts
    muted_arn = f"arn:aws:iam::{ACCOUNT}:user/break-glass"
    assert all(r["properties"]["resourceArn"] != muted_arn for r in run["results"])
    assert run["properties"]["suppressed"]["count"] == 1
    assert run["properties"]["suppressed"]["findings"][0]["resourceArn"] == muted_arn


def test_demo_and_category() -> None:
    run = _sarif(report=sample_report(source="demo"))["runs"][0]
    assert run["properties"]["demoData"] is True
    assert run["automationDetails"]["id"] == f"iam-audit/{ACCOUNT}/"


def test_info_findings_are_notes() -> None:
    results = _sarif()["runs"][0]["results"]
    info = next(r for r in results if r["properties"]["severity"] == Severity.INFO.value)
    assert info["level"] == "note"
