"""A credential-report row of a deleted user is left out for every reader, not only the checks.

IAM User Guide, "Getting credential reports for your AWS account": a row names the user and its
user_creation_time, no user id; a report is reused for up to four hours. A row created before
the user now holding its name was another user's (deleted since, with its password, keys and MFA
device). The credential checks already skipped such rows (bbd1c3e, d6dac23); the change impact
of an approval, the escalation search's key-quota test and the Slack profile still read them
through AccountSnapshot.credential_row_for.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.iam.impact import has_mfa_device
from bot.slack.posture import principal_profile
from tests.factories import NOW, credential_row, key, run_check, snapshot, user, with_rows


def _recreated_dana(*, source: str = "snapshot"):
    """dana, created 10 days ago; the report's dana row is 300 days old: MFA on, two keys."""
    current = user("dana", created_days_ago=10, groups=[])
    old_row = credential_row(
        "dana",
        created_days_ago=300,
        mfa=True,
        password=True,
        key1=key(rotated_days_ago=200),
        key2=key(rotated_days_ago=100),
    )
    return current, snapshot(
        users=[current], groups=[], credential_report=with_rows(old_row), source=source
    )


def test_the_row_of_a_deleted_user_is_not_the_new_users() -> None:
    _, snap = _recreated_dana()
    rows = snap.credential_row_for()
    assert "dana" not in rows
    assert "<root_account>" in rows  # root is never a user created again


def test_change_impact_does_not_credit_the_new_user_with_the_old_users_mfa() -> None:
    current, snap = _recreated_dana()
    assert has_mfa_device(snap, current) is None  # unknown, not the deleted user's device


def test_the_slack_profile_does_not_show_the_old_users_credentials() -> None:
    _, snap = _recreated_dana()
    facts = {f.label: f.value for f in principal_profile(snap, None, "user", "dana").credentials}
    assert facts == {"Credential report": "no row: the user was created after it"}


def test_a_live_collection_leaves_out_users_deleted_after_the_report() -> None:
    current = user("erin", created_days_ago=50, groups=[])
    gone = credential_row("frank", created_days_ago=80, mfa=True)
    rows = with_rows(credential_row("erin", created_days_ago=50), gone)
    live = snapshot(users=[current], groups=[], credential_report=rows, source="aws")
    from_files = snapshot(users=[current], groups=[], credential_report=rows)
    assert set(live.credential_row_for()) == {"<root_account>", "erin"}
    # Files saved apart do not say which is newer: the row is kept.
    assert "frank" in from_files.credential_row_for()


def test_the_same_user_keeps_its_row() -> None:
    current = user("gus", created_days_ago=30, groups=[])
    row = credential_row("gus", created_days_ago=30, mfa=True)
    snap = snapshot(users=[current], groups=[], credential_report=with_rows(row))
    assert snap.credential_row_for()["gus"] is row
    assert has_mfa_device(snap, current) is True


def test_an_old_report_is_named_in_the_unused_key_sentences() -> None:
    # GetCredentialReport: GeneratedTime is when the report was created; a key used after it
    # shows as unused. user.inactive and user.password_unused already said which report they
    # read; the unused-key sentences (used long ago, never used) now do too.
    rows = with_rows(
        credential_row("hal", key1=key(rotated_days_ago=300, last_used_days_ago=200)),
        credential_row("ivy", key1=key(rotated_days_ago=300, last_used_days_ago=None)),
    )
    snap = snapshot(users=[user("hal"), user("ivy")], credential_report=rows)
    old = replace(snap, credential_report_generated_at=NOW - timedelta(days=30))
    details = [f.detail for f in run_check("user.access_key_unused", old)]
    assert len(details) == 2
    assert all("credential report of 2026-10-30: later use is not shown" in d for d in details)
    fresh = replace(snap, credential_report_generated_at=NOW - timedelta(hours=2))
    assert not any(
        "credential report of" in f.detail for f in run_check("user.access_key_unused", fresh)
    )
