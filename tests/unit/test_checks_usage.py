"""principal.unused_services, from the last-accessed data `audit --last-accessed` collects, and
the digest's right-sizing line."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

from bot.audit.findings import Finding, Severity
from bot.digest.content import ApprovalCounts, build_digest, digest_text
from bot.slack.digest_blocks import digest_message
from tests import factories as f
from tests.digest_support import report


def _iso(days: int) -> str:
    return (f.NOW - timedelta(days=days)).isoformat()


def _snapshot(data, **role_kwargs):
    role = f.role("worker", **role_kwargs)
    snap = f.snapshot(roles=[role, f.service_linked_role()])
    return dataclasses.replace(snap, service_last_accessed=data), role


def test_unused_services_are_reported_with_the_fix() -> None:
    snap, role = _snapshot({f.role_arn("worker"): {"s3": _iso(3), "ec2": "", "kms": _iso(200)}})
    (finding,) = f.run_check("principal.unused_services", snap)
    assert finding.severity is Severity.LOW
    assert finding.resource_arn == role.arn
    assert finding.evidence["unused_services"] == ["ec2", "kms"]
    assert finding.evidence["used_services"] == ["s3"]
    assert "/iam-audit rightsize role/worker" in finding.detail


def test_a_principal_tracked_for_less_than_the_threshold_is_not_judged() -> None:
    snap, _ = _snapshot({f.role_arn("worker"): {"ec2": ""}}, created_days_ago=20)
    assert f.run_check("principal.unused_services", snap) == []


def test_service_linked_roles_and_fully_used_principals_are_not_flagged() -> None:
    slr = f.service_linked_role()
    snap, _ = _snapshot({slr.arn: {"support": ""}, f.role_arn("worker"): {"s3": _iso(1)}})
    assert f.run_check("principal.unused_services", snap) == []


def test_without_last_accessed_data_the_check_is_skipped_with_the_way_to_get_it() -> None:
    report_ = f.audit(f.snapshot(roles=[f.role("worker")]), only=["principal.unused_services"])
    assert report_.findings == ()
    (skipped,) = report_.skipped
    assert "--last-accessed" in str(skipped)


def test_the_digest_counts_right_sizing_opportunities() -> None:
    finding = Finding(
        check_id="principal.unused_services",
        severity=Severity.LOW,
        resource_arn=f.role_arn("worker"),
        resource_type="AWS::IAM::Role",
        title="unused",
        detail="d",
        evidence={"unused_services": ["ec2", "kms"]},
    )
    digest = build_digest(
        current=report(finding),
        report_id="r1",
        previous=None,
        previous_at=None,
        slot="manual",
        now=f.NOW,
        snapshot=None,
        approvals=ApprovalCounts(),
    )
    assert digest.rightsizing == (1, 2)
    assert "Right-sizing opportunities: 1 principal, 2 unused services" in digest_text(digest)
    assert digest.to_dict()["rightsizing"] == {"principals": 1, "services": 2}
    slack = json.dumps(digest_message(digest)["blocks"], ensure_ascii=False)
    assert "Right-sizing opportunities" in slack
    assert "1 principal · 2 unused services" in slack


def test_no_line_without_opportunities() -> None:
    digest = build_digest(
        current=report(),
        report_id="r1",
        previous=None,
        previous_at=None,
        slot="manual",
        now=f.NOW,
        snapshot=None,
        approvals=ApprovalCounts(),
    )
    assert digest.rightsizing == (0, 0)
    assert "Right-sizing" not in digest_text(digest)
