"""Access-key checks: one finding per key slot, inactive keys ignored, grace for fresh keys."""

from __future__ import annotations

from dataclasses import replace

from tests.factories import (
    audit,
    config_with,
    console_user_row,
    credential_row,
    key,
    run_check,
    snapshot,
    user_arn,
    with_rows,
)

ALICE = user_arn("alice")


def _rows(*rows):
    return snapshot(credential_report=with_rows(*rows))


# --- user.access_key_unused -----------------------------------------------------------------


def test_unused_key_is_one_finding_per_key_with_slot_suffix() -> None:
    row = credential_row(
        "alice",
        key1=key(rotated_days_ago=400, last_used_days_ago=100),
        key2=key(rotated_days_ago=400, last_used_days_ago=213),
    )
    findings = run_check("user.access_key_unused", _rows(row))
    assert sorted(f.resource_arn for f in findings) == [
        f"{ALICE}#access_key_1",
        f"{ALICE}#access_key_2",
    ]
    second = next(f for f in findings if f.resource_arn.endswith("_2"))
    assert second.detail == "alice's access key 2 was last used 213 days ago (2026-04-30)"
    assert second.evidence["key_slot"] == 2
    assert second.resource_type == "AWS::IAM::AccessKey"


def test_each_key_slot_is_judged_separately() -> None:
    row = credential_row(
        "alice",
        key1=key(last_used_days_ago=1),
        key2=key(rotated_days_ago=100, last_used_days_ago=90),
    )
    findings = run_check("user.access_key_unused", _rows(row))
    assert [f.resource_arn for f in findings] == [f"{ALICE}#access_key_2"]


def test_active_key_never_used_for_the_limit_is_unused() -> None:
    """CIS ("credentials unused for 45 days or more") counts a never-used key from its creation:
    "access keys that are over 45 days old and that have not been used"."""
    row = credential_row("alice", key1=key(rotated_days_ago=45, last_used_days_ago=None))
    findings = run_check("user.access_key_unused", _rows(row))
    assert len(findings) == 1
    assert "never been used" in findings[0].detail
    assert findings[0].evidence["last_used"] == "N/A"


def test_freshly_rotated_unused_key_is_inside_the_grace_period() -> None:
    row = credential_row(
        "alice",
        key1=key(rotated_days_ago=2, last_used_days_ago=None),  # the new key, not yet deployed
        key2=key(rotated_days_ago=200, last_used_days_ago=1),
    )
    assert run_check("user.access_key_unused", _rows(row)) == []


def test_inactive_unused_key_is_ignored() -> None:
    row = credential_row(
        "alice", key1=key(active=False, rotated_days_ago=900, last_used_days_ago=None)
    )
    assert run_check("user.access_key_unused", _rows(row)) == []


def test_never_used_key_younger_than_the_limit_is_not_unused_yet() -> None:
    """A key created 30 days ago and not deployed yet has not been unused for 45 days."""
    row = credential_row("alice", key1=key(rotated_days_ago=30, last_used_days_ago=None))
    assert run_check("user.access_key_unused", _rows(row)) == []


def test_unused_key_threshold_and_grace_are_configurable() -> None:
    row = credential_row(
        "alice",
        key1=key(last_used_days_ago=20),
        key2=key(rotated_days_ago=12, last_used_days_ago=None),
    )
    config = config_with(thresholds={"access_key_unused_days": 10, "grace_days": 3})
    findings = run_check("user.access_key_unused", _rows(row), config=config)
    assert len(findings) == 2
    # A limit below the grace period: the grace period still protects the new key.
    config = config_with(thresholds={"access_key_unused_days": 10, "grace_days": 14})
    findings = run_check("user.access_key_unused", _rows(row), config=config)
    assert [f.resource_arn for f in findings] == [f"{ALICE}#access_key_1"]


# --- user.access_key_not_rotated ------------------------------------------------------------


def test_not_rotated_fails_per_active_old_key_and_ignores_inactive_ones() -> None:
    row = credential_row(
        "alice",
        key1=key(rotated_days_ago=120),
        key2=key(active=False, rotated_days_ago=900),
    )
    findings = run_check("user.access_key_not_rotated", _rows(row))
    assert [f.resource_arn for f in findings] == [f"{ALICE}#access_key_1"]
    assert findings[0].evidence["age_days"] == 120
    assert findings[0].evidence["limit_days"] == 90


def test_rotated_key_passes() -> None:
    assert (
        run_check(
            "user.access_key_not_rotated",
            _rows(credential_row("alice", key1=key(rotated_days_ago=89))),
        )
        == []
    )


# --- user.two_active_keys -------------------------------------------------------------------


def test_two_active_keys_fails() -> None:
    findings = run_check(
        "user.two_active_keys", _rows(credential_row("alice", key1=key(), key2=key()))
    )
    assert [f.resource_arn for f in findings] == [ALICE]
    assert [k["key_slot"] for k in findings[0].evidence["active_keys"]] == [1, 2]


def test_one_active_one_inactive_key_passes() -> None:
    row = credential_row("alice", key1=key(), key2=key(active=False))
    assert run_check("user.two_active_keys", _rows(row)) == []


# --- user.initial_access_key ----------------------------------------------------------------


def test_initial_access_key_fails_for_console_user_with_never_used_key() -> None:
    row = console_user_row("alice", key1=key(last_used_days_ago=None))
    findings = run_check("user.initial_access_key", _rows(row))
    assert [f.resource_arn for f in findings] == [ALICE]
    assert findings[0].evidence["unused_keys"][0]["key_slot"] == 1


def test_initial_access_key_passes_for_used_key_and_for_key_only_users() -> None:
    snap = _rows(
        console_user_row("alice", key1=key(last_used_days_ago=3)),
        credential_row("ci", key1=key(last_used_days_ago=None)),
        console_user_row("bob", key1=key(active=False, last_used_days_ago=None)),
    )
    assert run_check("user.initial_access_key", snap) == []


def test_key_checks_skip_without_credential_report() -> None:
    ids = [
        "user.access_key_unused",
        "user.access_key_not_rotated",
        "user.two_active_keys",
        "user.initial_access_key",
    ]
    report = audit(snapshot(credential_report=None), only=ids)
    assert [s.check_id for s in report.skipped] == ids


def test_never_used_key_without_rotation_date_is_judged_from_user_creation() -> None:
    row = credential_row("alice", created_days_ago=60, key1=key(last_used_days_ago=None))
    row = replace(row, access_key_1_last_rotated="N/A")
    findings = run_check("user.access_key_unused", _rows(row))
    assert "60 days ago" in findings[0].detail
