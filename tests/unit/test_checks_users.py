"""User checks: MFA, inactivity, unused passwords, password+keys, direct policies, groups."""

from __future__ import annotations

import pytest

from bot.audit.findings import Severity
from tests.factories import (
    ADMINISTRATOR_ACCESS,
    audit,
    config_with,
    console_user_row,
    credential_row,
    inline,
    key,
    root_row,
    run_check,
    snapshot,
    user,
    user_arn,
    with_rows,
)

CREDENTIAL_CHECKS = (
    "user.console_without_mfa",
    "user.without_mfa",
    "user.inactive",
    "user.password_unused",
    "user.password_and_keys",
)


def _rows(*rows):
    return snapshot(credential_report=with_rows(*rows))


def _ids(findings) -> list[str]:
    return sorted(f.resource_arn for f in findings)


@pytest.mark.parametrize("check_id", CREDENTIAL_CHECKS)
def test_credential_checks_skip_with_reason_when_report_missing(check_id) -> None:
    """A missing report is never 'no users' (ScoutSuite silently passes every rule)."""
    report = audit(snapshot(users=[user("alice")], credential_report=None), only=[check_id])
    assert report.checks == ()
    assert report.findings == ()
    assert "credential report" in report.skipped[0].reason


def test_root_row_is_never_judged_by_user_checks() -> None:
    snap = snapshot(credential_report=(root_row(mfa=False, password_last_used_days_ago=900),))
    report = audit(snap, only=CREDENTIAL_CHECKS)
    assert report.findings == ()


# --- MFA ------------------------------------------------------------------------------------


def test_console_without_mfa_fails_for_password_user_without_mfa() -> None:
    findings = run_check(
        "user.console_without_mfa",
        _rows(console_user_row("alice", mfa=False), console_user_row("bob", mfa=True)),
    )
    assert _ids(findings) == [user_arn("alice")]
    assert findings[0].resource_type == "AWS::IAM::User"
    assert findings[0].severity is Severity.HIGH


def test_console_without_mfa_ignores_key_only_users() -> None:
    assert run_check("user.console_without_mfa", _rows(credential_row("ci", key1=key()))) == []


def test_console_without_mfa_reads_flags_case_insensitively() -> None:
    row = console_user_row("alice", password_enabled="TRUE", mfa_active="False")
    assert len(run_check("user.console_without_mfa", _rows(row))) == 1


def test_without_mfa_flags_every_user_without_mfa_and_lists_credentials() -> None:
    snap = _rows(
        credential_row("ci", key1=key(), key2=key()),
        console_user_row("bob", mfa=True),
    )
    findings = run_check("user.without_mfa", snap)
    assert _ids(findings) == [user_arn("ci")]
    assert findings[0].evidence["credentials"] == ["access key 1", "access key 2"]


def test_without_mfa_gives_new_users_the_grace_period_to_enrol() -> None:
    snap = _rows(
        credential_row("newbie", created_days_ago=3, key1=key()),
        credential_row("veteran", created_days_ago=30, key1=key()),
    )
    assert _ids(run_check("user.without_mfa", snap)) == [user_arn("veteran")]


def test_console_without_mfa_has_no_grace_period() -> None:
    snap = _rows(credential_row("newbie", created_days_ago=1, password=True))
    assert _ids(run_check("user.console_without_mfa", snap)) == [user_arn("newbie")]


# --- user.inactive --------------------------------------------------------------------------


def test_inactive_user_with_every_credential_old_is_flagged() -> None:
    row = credential_row(
        "old",
        password=True,
        password_last_used_days_ago=200,
        key1=key(last_used_days_ago=150),
        key2=key(active=False, last_used_days_ago=300),
    )
    findings = run_check("user.inactive", _rows(row))
    assert len(findings) == 1
    assert "150 days" in findings[0].detail
    assert "access key 1" in findings[0].detail
    assert findings[0].evidence["idle_days"] == 150


def test_busy_key_only_user_is_not_inactive() -> None:
    """The seed Lambda's bug: never used a password, but its key was used yesterday."""
    row = credential_row("ci-bot", created_days_ago=900, key1=key(last_used_days_ago=1))
    assert run_check("user.inactive", _rows(row)) == []


def test_newest_credential_wins_even_when_it_is_the_second_key() -> None:
    row = credential_row(
        "svc",
        password=True,
        password_last_used_days_ago=400,
        key1=key(last_used_days_ago=None),
        key2=key(last_used_days_ago=5),
    )
    assert run_check("user.inactive", _rows(row)) == []


def test_never_used_user_is_judged_from_creation_time() -> None:
    findings = run_check("user.inactive", _rows(credential_row("ghost", created_days_ago=120)))
    assert "never used a credential" in findings[0].detail
    assert findings[0].evidence["idle_days"] == 120


def test_never_used_user_younger_than_limit_is_not_inactive() -> None:
    assert run_check("user.inactive", _rows(credential_row("new", created_days_ago=30))) == []


def test_user_younger_than_grace_period_is_never_inactive() -> None:
    config = config_with(thresholds={"inactive_days": 0, "grace_days": 7})
    rows = _rows(
        credential_row("fresh", created_days_ago=3), credential_row("older", created_days_ago=10)
    )
    findings = run_check("user.inactive", rows, config=config)
    assert _ids(findings) == [user_arn("older")]


def test_inactive_threshold_is_configurable() -> None:
    row = credential_row("u", password=True, password_last_used_days_ago=60)
    assert run_check("user.inactive", _rows(row)) == []
    config = config_with(thresholds={"inactive_days": 30})
    assert len(run_check("user.inactive", _rows(row), config=config)) == 1


def test_no_information_password_counts_as_unused() -> None:
    row = credential_row(
        "legacy", created_days_ago=4000, password=True, password_last_used="no_information"
    )
    findings = run_check("user.inactive", _rows(row))
    assert findings[0].evidence["password_last_used"] == "no_information"


# --- user.password_unused -------------------------------------------------------------------


def test_password_unused_fails_after_45_days() -> None:
    findings = run_check(
        "user.password_unused",
        _rows(console_user_row("alice", password_last_used_days_ago=213)),
    )
    assert len(findings) == 1
    assert "213 days ago (2026-04-30)" in findings[0].detail


def test_password_used_recently_passes() -> None:
    assert (
        run_check(
            "user.password_unused", _rows(console_user_row("alice", password_last_used_days_ago=44))
        )
        == []
    )


def test_password_set_and_never_used_for_the_limit_fails() -> None:
    row = credential_row("bob", created_days_ago=300, password=True, password_changed_days_ago=50)
    findings = run_check("user.password_unused", _rows(row))
    assert "has never been used" in findings[0].detail
    assert "50 days ago" in findings[0].detail  # judged from when the password was set


def test_password_set_and_never_used_younger_than_the_limit_passes() -> None:
    """CIS counts "credentials unused for 45 days or more": a password set 20 days ago and not
    used yet has not been unused for 45 days (the user's creation 300 days ago is irrelevant)."""
    row = credential_row("bob", created_days_ago=300, password=True, password_changed_days_ago=20)
    assert run_check("user.password_unused", _rows(row)) == []


def test_password_set_and_never_used_inside_grace_passes() -> None:
    row = credential_row("new", created_days_ago=2, password=True)
    assert run_check("user.password_unused", _rows(row)) == []


def test_password_never_used_without_change_date_falls_back_to_creation() -> None:
    row = credential_row("bob", created_days_ago=60, password=True, password_last_changed="N/A")
    findings = run_check("user.password_unused", _rows(row))
    assert "60 days ago" in findings[0].detail


def test_password_no_information_is_unused() -> None:
    """A user and password from before 2014-10-20 with no_information: last use, if any,
    predates tracking (IAM User Guide, "Getting credential reports for your AWS account")."""
    row = credential_row(
        "legacy", created_days_ago=5000, password=True, password_last_used="no_information"
    )
    findings = run_check("user.password_unused", _rows(row))
    assert "October 2014" in findings[0].detail


def test_password_unused_ignores_users_without_password() -> None:
    row = credential_row("ci", password=False, password_last_used_days_ago=400)
    assert run_check("user.password_unused", _rows(row)) == []


# --- user.password_and_keys -----------------------------------------------------------------


def test_password_and_keys_fails_for_console_user_with_active_key() -> None:
    findings = run_check("user.password_and_keys", _rows(console_user_row("alice", key2=key())))
    assert findings[0].evidence["active_keys"][0]["key_slot"] == 2


@pytest.mark.parametrize(
    "row",
    [
        console_user_row("alice", key1=key(active=False)),
        credential_row("ci", key1=key()),
        console_user_row("bob"),
    ],
)
def test_password_and_keys_passes(row) -> None:
    assert run_check("user.password_and_keys", _rows(row)) == []


# --- user.direct_policies / user.not_in_group -----------------------------------------------


def test_direct_policies_fails_for_attached_and_inline_in_one_finding() -> None:
    snap = snapshot(
        users=[
            user(
                "alice", attached_policies=[ADMINISTRATOR_ACCESS], inline_policies=[inline("extra")]
            )
        ]
    )
    findings = run_check("user.direct_policies", snap)
    assert len(findings) == 1
    assert findings[0].evidence["attached_policies"] == [ADMINISTRATOR_ACCESS]
    assert findings[0].evidence["inline_policies"] == ["extra"]
    assert "AdministratorAccess" in findings[0].detail


def test_direct_policies_passes_for_group_only_user() -> None:
    assert run_check("user.direct_policies", snapshot(users=[user("alice")])) == []


def test_not_in_group_fails_and_passes() -> None:
    snap = snapshot(users=[user("loner", groups=()), user("member")])
    findings = run_check("user.not_in_group", snap)
    assert _ids(findings) == [user_arn("loner")]


def test_group_checks_skip_without_authorization_details() -> None:
    report = audit(
        snapshot(users=[], has_authorization_details=False),
        only=["user.not_in_group", "user.direct_policies"],
    )
    assert len(report.skipped) == 2
    assert all("GetAccountAuthorizationDetails" in s.reason for s in report.skipped)
