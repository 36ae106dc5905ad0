"""The analyzer.* checks: analyzers per audited region, and one finding per active AA finding."""

from __future__ import annotations

import dataclasses
import json

import pytest

from bot.audit.checks.analyzer import finding_resource_arn
from bot.audit.findings import Severity
from bot.audit.registry import all_checks
from bot.model.snapshot import AccountSnapshot
from tests.factories import (
    ACCOUNT_ID,
    account_arn,
    analyzer,
    analyzer_finding,
    audit,
    config_with,
    role_arn,
    run_check,
    snapshot,
    user_arn,
)

EU = "eu-west-1"
US = "us-east-1"


def _snap(analyzers=(), findings=(), regions=(US,), **kwargs) -> AccountSnapshot:
    snap = snapshot(analyzers=analyzers, analyzer_findings=findings, **kwargs)
    return dataclasses.replace(snap, analyzer_regions=regions)


# --- analyzer.disabled -------------------------------------------------------------------------


def test_an_active_account_analyzer_in_every_audited_region_passes() -> None:
    snap = _snap(
        [analyzer(region=US), analyzer("org", type="ORGANIZATION", region=EU)], regions=(US, EU)
    )
    assert run_check("analyzer.disabled", snap) == []


def test_a_region_without_any_analyzer_is_flagged_and_only_that_region() -> None:
    snap = _snap([analyzer(region=US)], regions=(US, EU))
    (finding,) = run_check("analyzer.disabled", snap)
    assert finding.resource_arn == f"arn:aws:access-analyzer:{EU}:{ACCOUNT_ID}:analyzer"
    assert finding.severity is Severity.MEDIUM
    assert finding.evidence == {"region": EU, "analyzers": []}
    assert EU in finding.detail


def test_unused_access_analyzer_alone_does_not_count_as_external() -> None:
    snap = _snap([analyzer("unused", type="ACCOUNT_UNUSED_ACCESS")])
    (finding,) = run_check("analyzer.disabled", snap)
    assert finding.evidence["analyzers"][0]["type"] == "ACCOUNT_UNUSED_ACCESS"


def test_a_disabled_analyzer_is_flagged_with_its_reason() -> None:
    snap = _snap(
        [
            analyzer(
                "org",
                type="ORGANIZATION",
                status="DISABLED",
                status_reason="AWS_SERVICE_ACCESS_DISABLED",
            )
        ]
    )
    (finding,) = run_check("analyzer.disabled", snap)
    assert "org is DISABLED (AWS_SERVICE_ACCESS_DISABLED)" in finding.detail


def test_a_region_that_could_not_be_read_is_not_flagged() -> None:
    # eu-west-1 was denied: it is absent from analyzer_regions, so nothing is claimed about it.
    snap = _snap([analyzer(region=US)], regions=(US,))
    assert run_check("analyzer.disabled", snap) == []


def test_old_snapshots_without_regions_use_the_snapshot_region() -> None:
    snap = snapshot(analyzers=[], analyzer_findings=[])
    assert snap.analyzer_regions is None
    (finding,) = run_check("analyzer.disabled", snap)
    assert finding.evidence["region"] == snap.region


def test_analyzer_checks_are_skipped_when_analyzers_were_not_collected() -> None:
    report = audit(snapshot(), only=["analyzer.disabled", "analyzer.active_findings"])
    assert report.checks == ()
    reasons = {s.check_id: s.reason for s in report.skipped}
    assert "access-analyzer:ListAnalyzers" in reasons["analyzer.disabled"]
    # The IAM action (ListFindingsV2 is only the API's name; IAM knows no such action), and the
    # same name `iam-audit checks` lists among the check's permissions.
    assert "(access-analyzer:ListFindings)" in reasons["analyzer.active_findings"]
    registry = all_checks()
    assert "access-analyzer:ListFindings" in registry["analyzer.active_findings"].meta.permissions


# --- analyzer.unused_access_disabled -------------------------------------------------------------


def test_one_unused_access_analyzer_in_any_region_is_enough() -> None:
    snap = _snap(
        [analyzer(region=US), analyzer("unused", type="ORGANIZATION_UNUSED_ACCESS", region=EU)],
        regions=(US, EU),
    )
    assert run_check("analyzer.unused_access_disabled", snap) == []


def test_no_unused_access_analyzer_is_one_account_finding() -> None:
    snap = _snap([analyzer(region=US)], regions=(US, EU))
    (finding,) = run_check("analyzer.unused_access_disabled", snap)
    assert finding.resource_arn == account_arn()
    assert finding.severity is Severity.LOW
    assert finding.evidence["audited_regions"] == [EU, US]


def test_a_failed_unused_access_analyzer_does_not_count() -> None:
    snap = _snap([analyzer("unused", type="ACCOUNT_UNUSED_ACCESS", status="FAILED")])
    (finding,) = run_check("analyzer.unused_access_disabled", snap)
    assert "unused in us-east-1 is FAILED" in finding.detail


# --- analyzer.active_findings ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "severity"),
    [
        (
            {"public": True, "resource_type": "AWS::IAM::Role", "resource": role_arn("r")},
            Severity.CRITICAL,
        ),
        ({"public": True, "resource_type": "AWS::KMS::Key"}, Severity.CRITICAL),
        ({"public": True}, Severity.HIGH),  # a public bucket
        ({"public": False}, Severity.MEDIUM),  # shared with a named other account
        ({"details_fetched": False}, Severity.HIGH),  # unknown: assume it may be public
    ],
)
def test_external_access_severity_follows_exposure(kwargs, severity) -> None:
    snap = _snap([analyzer()], [analyzer_finding("ExternalAccess", **kwargs)])
    (finding,) = run_check("analyzer.active_findings", snap)
    assert finding.severity is severity


@pytest.mark.parametrize(
    "finding_type",
    [
        "UnusedIAMRole",
        "UnusedIAMUserAccessKey",
        "UnusedIAMUserPassword",
        "UnusedPermission",
        "InternalAccess",
    ],
)
def test_unused_and_internal_access_are_low(finding_type) -> None:
    snap = _snap([analyzer()], [analyzer_finding(finding_type, resource=role_arn("r"))])
    (finding,) = run_check("analyzer.active_findings", snap)
    assert finding.severity is Severity.LOW
    assert finding.evidence["finding_type"] == finding_type


def test_external_access_evidence_names_who_what_and_when() -> None:
    item = analyzer_finding(
        principal={"AWS": "arn:aws:iam::999988887777:root"},
        actions=("s3:GetObject", "s3:ListBucket"),
        conditions={"aws:SourceIp": "203.0.113.0/24"},
    )
    (finding,) = run_check("analyzer.active_findings", _snap([analyzer()], [item]))
    assert finding.evidence["principals"] == ["AWS: arn:aws:iam::999988887777:root"]
    assert finding.evidence["actions"] == ["s3:GetObject", "s3:ListBucket"]
    assert finding.evidence["conditions"] == {"aws:SourceIp": "203.0.113.0/24"}
    assert finding.evidence["is_public"] is False
    assert "arn:aws:iam::999988887777:root can use arn:aws:s3:::shared-bucket" in finding.detail
    assert "aws:SourceIp=203.0.113.0/24" in finding.detail
    assert finding.title.startswith("Access Analyzer: resource shared")


def test_public_finding_says_anyone() -> None:
    item = analyzer_finding(public=True)
    (finding,) = run_check("analyzer.active_findings", _snap([analyzer()], [item]))
    assert finding.detail.startswith("anyone (public access) can use")


def test_unused_access_key_evidence_has_the_key_and_last_use() -> None:
    item = analyzer_finding(
        "UnusedIAMUserAccessKey",
        resource=user_arn("dave"),
        resource_type="AWS::IAM::User",
        access_key_id="AKIAEXAMPLE",
        last_accessed_days_ago=200,
    )
    (finding,) = run_check("analyzer.active_findings", _snap([analyzer()], [item]))
    assert finding.evidence["access_key_id"] == "AKIAEXAMPLE"
    assert finding.evidence["last_accessed"].startswith("2026-05-13")
    assert "access key AKIAEXAMPLE of" in finding.detail
    assert "200 days ago" in finding.detail


def test_never_used_role_says_so() -> None:
    item = analyzer_finding("UnusedIAMRole", resource=role_arn("old"), last_accessed_days_ago=None)
    (finding,) = run_check("analyzer.active_findings", _snap([analyzer()], [item]))
    assert finding.evidence["last_accessed"] is None
    assert "never used" in finding.detail


def test_unused_permissions_list_the_services() -> None:
    services = [
        {"service": "iam", "last_accessed": None, "actions": []},
        {
            "service": "s3",
            "last_accessed": "2026-01-01T00:00:00+00:00",
            "actions": [{"action": "s3:PutObject", "last_accessed": None}],
        },
    ]
    item = analyzer_finding("UnusedPermission", resource=role_arn("app"), services=services)
    (finding,) = run_check("analyzer.active_findings", _snap([analyzer()], [item]))
    assert finding.evidence["actions"] == ["iam:*", "s3:PutObject"]
    assert finding.evidence["last_accessed"] == "2026-01-01T00:00:00+00:00"


def test_two_findings_on_one_resource_stay_two() -> None:
    items = [analyzer_finding(id="a"), analyzer_finding(id="b", public=True)]
    findings = run_check("analyzer.active_findings", _snap([analyzer()], items))
    assert sorted(f.resource_arn for f in findings) == [
        "arn:aws:s3:::shared-bucket#access-analyzer/a",
        "arn:aws:s3:::shared-bucket#access-analyzer/b",
    ]


def test_archived_and_resolved_findings_are_not_reported() -> None:
    items = [
        analyzer_finding(id="a", status="ARCHIVED"),
        analyzer_finding(id="r", status="RESOLVED"),
    ]
    assert run_check("analyzer.active_findings", _snap([analyzer()], items)) == []


def test_details_not_read_are_said_in_the_evidence() -> None:
    item = analyzer_finding(details_fetched=False, error="ACCESS_DENIED")
    (finding,) = run_check("analyzer.active_findings", _snap([analyzer()], [item]))
    assert "not read" in finding.evidence["details"]
    assert finding.evidence["error"] == "ACCESS_DENIED"
    assert "details not read" in finding.detail


def test_severity_override_and_suppression_by_resource_pattern_apply() -> None:
    from bot.audit.config import Suppression

    items = [analyzer_finding(id="a", public=True), analyzer_finding(id="b", resource="arn:x")]
    config = config_with(
        severity={"analyzer.active_findings": Severity.LOW},
        suppressions=[
            Suppression(
                check="analyzer.active_findings",
                resource="arn:aws:s3:::shared-bucket*",
                reason="public website bucket",
            )
        ],
    )
    report = audit(_snap([analyzer()], items), only=["analyzer.active_findings"], config=config)
    assert [f.resource_arn for f in report.findings] == [finding_resource_arn(items[1])]
    assert report.findings[0].severity is Severity.LOW
    assert [s.resource_arn for s in report.suppressed] == [finding_resource_arn(items[0])]


def test_snapshot_with_analyzer_data_round_trips_through_json() -> None:
    snap = _snap(
        [analyzer(), analyzer("u", type="ACCOUNT_UNUSED_ACCESS")],
        [analyzer_finding(), analyzer_finding("UnusedIAMRole", id="u1", last_accessed_days_ago=9)],
        regions=(US, EU),
    )
    again = AccountSnapshot.from_dict(json.loads(json.dumps(snap.to_dict())))
    assert again == snap
    assert again.analyzer_regions == (US, EU)


def test_a_grant_without_condition_is_not_hidden_behind_anothers_condition() -> None:
    """Two grants on one bucket, one limited to a network and one not: the finding must not
    read "when aws:SourceIp=..." as though the whole exposure were limited."""
    item = analyzer_finding(
        principal={"AWS": "arn:aws:iam::999988887777:root"},
        actions=("s3:GetObject",),
        conditions={"aws:SourceIp": "203.0.113.0/24"},
    )
    second = {"principal": {"AWS": "arn:aws:iam::111111111111:root"}, "actions": ["s3:GetObject"]}
    details = {**item.details, "access": [*item.details["access"], second]}
    item = dataclasses.replace(item, details=details)
    (finding,) = run_check("analyzer.active_findings", _snap([analyzer()], [item]))
    assert "none for 1 of 2 grants; the others when aws:SourceIp=203.0.113.0/24" in finding.detail
    assert " when aws:SourceIp" not in finding.detail.split("(")[0]
