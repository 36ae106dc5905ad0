"""MFA posture and principal profiles (pure), and the messages built from them."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.audit.findings import Finding, Severity
from bot.audit.report import Report
from bot.model.errors import InputError
from bot.model.snapshot import NO_INFORMATION, NOT_APPLICABLE, NOT_SUPPORTED, CredentialReportRow
from bot.slack.blocks import mfa_message, principal_message
from bot.slack.posture import find_principal, mfa_posture, principal_profile
from tests.factories import (
    ACCOUNT_ID,
    NOW,
    console_user_row,
    credential_row,
    inline,
    key,
    role,
    root_row,
    snapshot,
    trust_policy,
    user,
    user_arn,
    virtual_mfa,
    with_rows,
)


def _finding(check_id: str, arn: str, severity: Severity = Severity.HIGH) -> Finding:
    return Finding(check_id, severity, arn, "AWS::IAM::User", "t", "detail <!here>", {"k": "v"})


def _report(*findings: Finding) -> Report:
    return Report(ACCOUNT_ID, NOW, "snapshot", tuple(findings))


def test_mfa_posture_counts_and_coverage() -> None:
    snap = snapshot(
        users=[user("alice"), user("bob"), user("ci")],
        credential_report=with_rows(
            console_user_row("alice", mfa=True),
            console_user_row("bob", mfa=False),
            credential_row("ci"),
            root=root_row(mfa=True),
        ),
        virtual_mfa_devices=[virtual_mfa(f"arn:aws:iam::{ACCOUNT_ID}:root")],
    )
    report = _report(
        _finding("user.virtual_mfa_only", user_arn("alice")),
        _finding("user.admin_without_mfa", user_arn("bob"), Severity.CRITICAL),
    )
    posture = mfa_posture(snap, report)
    assert posture.root == "virtual"
    assert posture.console_without_mfa == ("bob",)
    assert posture.without_mfa == ("bob", "ci")
    assert posture.privileged_virtual_only == ("alice",)
    assert posture.admin_without_mfa == ("bob",)
    assert (posture.users, posture.users_with_mfa) == (3, 1)
    assert posture.coverage_percent == 33.3
    assert posture.console_coverage_percent == 50.0
    message = mfa_message(posture, account_id=ACCOUNT_ID, as_of=NOW, now=NOW)
    text = json.dumps(message)
    assert "33.3%" in text
    assert "`user.console_without_mfa`" in text
    assert "`bob`" in text


def test_mfa_posture_hardware_none_and_unknown() -> None:
    hardware = snapshot(credential_report=with_rows(root=root_row(mfa=True)))
    assert mfa_posture(hardware, None).root == "hardware"
    none = snapshot(credential_report=with_rows(root=root_row(mfa=False)))
    assert mfa_posture(none, None).root == "none"
    unknown = mfa_posture(snapshot(credential_report=None), None)
    assert unknown.root == "unknown"
    assert unknown.coverage_percent is None
    assert "not collected" in json.dumps(mfa_message(unknown, account_id="1", as_of=NOW, now=NOW))


def test_user_profile_collects_groups_policies_risks_and_findings() -> None:
    snap = snapshot(
        users=[user("alice", inline_policies=[inline("tooling")])],
        credential_report=with_rows(console_user_row("alice", mfa=True)),
    )
    arn = user_arn("alice")
    report = _report(
        _finding("principal.privilege_escalation", arn),
        _finding("user.direct_policies", arn, Severity.LOW),
        _finding("user.direct_policies", user_arn("someone-else")),
    )
    profile = principal_profile(snap, report, "user", "alice")
    assert profile.groups == ("developers",)
    assert "inline: tooling" in profile.policies
    assert [f.check_id for f in profile.risks] == ["principal.privilege_escalation"]
    assert len(profile.findings) == 2
    labels = {f.label for f in profile.credentials}
    assert {"Console password", "MFA"} <= labels
    text = json.dumps(principal_message(profile, as_of=NOW, now=NOW))
    assert "&lt;!here&gt;" in text
    assert "<!here>" not in text


def test_role_profile_lists_who_may_assume_it() -> None:
    trust = trust_policy({"AWS": "arn:aws:iam::999988887777:root"})
    snap = snapshot(roles=[role("deploy", trust=trust)])
    profile = principal_profile(snap, None, "role", f"arn:aws:iam::{ACCOUNT_ID}:role/deploy")
    assert profile.trusted == ("AWS: arn:aws:iam::999988887777:root",)
    assert profile.findings == ()


def test_unknown_principal_is_an_input_error() -> None:
    with pytest.raises(InputError, match="no role named 'ghost'"):
        find_principal(snapshot(), "role", "ghost")


def _profile_text(row: CredentialReportRow) -> str:
    # The user was created when its row says (a row older than the user is a deleted user's).
    created = row.date("user_creation_time")
    age = (NOW - created).total_seconds() / 86400 if created else 400
    snap = snapshot(users=[user(row.user, created_days_ago=age)], credential_report=with_rows(row))
    profile = principal_profile(snap, None, "user", row.user)
    return json.dumps(principal_message(profile, as_of=NOW, now=NOW))


def test_credential_report_words_are_said_in_words_per_column() -> None:
    """IAM User Guide, "Getting credential reports for your AWS account": password_last_used is
    no_information when the password was never used (tracked since 2014-10-20); a key's
    last_used_date and service are N/A when the key was never used (tracked since 2015-04-22)."""
    row = credential_row(
        "newbie",
        created_days_ago=30,
        password=True,
        key1=key(rotated_days_ago=20, last_used_days_ago=None),
        password_last_used=NO_INFORMATION,
    )
    text = _profile_text(row)
    assert "Console password" in text
    assert "last used never used" not in text
    assert text.count("never used") == 2  # the password and the key
    assert f"rotated {(NOW - timedelta(days=20)).date().isoformat()}" in text
    for word in (NO_INFORMATION, NOT_APPLICABLE, NOT_SUPPORTED, "(N/A)"):
        assert word not in text


def test_use_before_aws_tracked_it_is_not_called_never_used() -> None:
    old = "2013-05-01T00:00:00+00:00"
    row = credential_row(
        "veteran",
        password=True,
        key1=key(last_used_days_ago=None),
        user_creation_time=old,
        password_last_changed=old,
        password_last_used=NO_INFORMATION,
        access_key_1_last_rotated="2014-01-01T00:00:00+00:00",
    )
    text = _profile_text(row)
    assert "not tracked before 2014-10-20" in text
    assert "not tracked before 2015-04-22" in text
    assert "never used" not in text


def test_a_used_key_shows_its_day_and_service() -> None:
    row = credential_row("worker", key1=key(rotated_days_ago=10, last_used_days_ago=2))
    text = _profile_text(row)
    assert f"last used {(NOW - timedelta(days=2)).date().isoformat()} (s3)" in text
