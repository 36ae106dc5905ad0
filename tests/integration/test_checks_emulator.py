"""Issue 18 items 3 and 4 end to end: the collector reads an emulator (moto), the checks judge it.

moto writes the credential report the way the IAM User Guide ("Getting credential reports for
your AWS account") describes for a console user who never signed in (password_last_used =
no_information) but writes no <root_account> row, as a real account always has.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bot.audit.engine import run_audit
from bot.aws.collect import collect_snapshot
from bot.aws.session import make_session

ROOT_CHECKS = (
    "root.access_key_present",
    "root.mfa_disabled",
    "root.recently_used",
    "root.signing_cert_active",
)


@pytest.fixture
def session() -> Iterator[boto3.Session]:
    with mock_aws():
        yield make_session(region="us-east-1")


def _audit(session: boto3.Session, *, now: datetime, only: tuple[str, ...]) -> Any:
    snapshot = collect_snapshot(session, now=now, sleep=lambda _s: None)
    return run_audit(snapshot, now=now, only=only)


def _check_errors(report: Any) -> list[Any]:
    """Errors of checks (moto's missing ListOrganizationsFeatures is a collection issue)."""
    return [e for e in report.errors if e.kind == "check"]


def test_console_user_created_minutes_ago_is_inside_the_grace_period(session) -> None:
    """The report says no_information for a password never used (IAM User Guide, credential
    report, password_last_used); a user created just now is new, not "unused since 2014"."""
    iam = session.client("iam")
    iam.create_user(UserName="new-hire")
    iam.create_login_profile(UserName="new-hire", Password="Correct-Horse-Battery-9")
    now = datetime.now(UTC)

    report = _audit(session, now=now, only=("user.password_unused",))
    assert _check_errors(report) == []
    assert report.checks == ("user.password_unused",)
    assert report.findings == ()

    # Still not after 30 days (CIS: unused for 45 days or more, counted from when it was set).
    month = _audit(session, now=now + timedelta(days=30), only=("user.password_unused",))
    assert month.findings == ()

    # Once set 45 days ago or more, the same password is reported, as set and never used.
    later = _audit(session, now=now + timedelta(days=50), only=("user.password_unused",))
    (finding,) = later.findings
    assert finding.resource_arn.endswith(":user/new-hire")
    assert "has never been used" in finding.detail
    assert "October 2014" not in finding.detail


def test_root_checks_are_skipped_with_the_reason_on_an_emulator(session) -> None:
    """moto's report has no <root_account> row: the root checks cannot judge root, so each is
    skipped with that reason; none is an error and none passes silently."""
    session.client("iam").create_user(UserName="alice")
    report = _audit(session, now=datetime.now(UTC), only=ROOT_CHECKS)
    assert _check_errors(report) == []
    assert report.checks == ()
    assert sorted(s.check_id for s in report.skipped) == sorted(ROOT_CHECKS)
    assert all("<root_account>" in s.reason for s in report.skipped)


def test_document_with_its_own_deny_is_not_reported_through_the_collector(session) -> None:
    """IAM User Guide, "The difference between explicit and implicit denies": Allow kms:* and
    Deny kms:* in one customer policy grant nothing; the collected policy raises no finding."""
    iam = session.client("iam")
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "kms:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "kms:*", "Resource": "*"},
        ],
    }
    iam.create_policy(PolicyName="kms-cancelled", PolicyDocument=json.dumps(document))
    report = _audit(session, now=datetime.now(UTC), only=("policy.full_access_sensitive",))
    assert _check_errors(report) == []
    assert report.checks == ("policy.full_access_sensitive",)
    assert report.findings == ()
