"""Password policy checks, including the default policy and accounts without console users."""

from __future__ import annotations

import pytest

from bot.audit.findings import Severity
from bot.model.snapshot import PasswordPolicy
from tests.factories import (
    account_arn,
    audit,
    config_with,
    console_user_row,
    credential_row,
    run_check,
    snapshot,
    strong_password_policy,
    with_rows,
)

PASSWORD_CHECKS = (
    "password_policy.missing",
    "password_policy.min_length",
    "password_policy.reuse",
    "password_policy.complexity",
    "password_policy.expiry",
)
WITH_CONSOLE_USER = with_rows(console_user_row("alice"))


def _snap(policy: PasswordPolicy, rows=WITH_CONSOLE_USER):
    return snapshot(password_policy=policy, credential_report=rows)


@pytest.mark.parametrize("check_id", PASSWORD_CHECKS)
def test_strong_policy_passes_every_check(check_id) -> None:
    assert run_check(check_id, _snap(strong_password_policy())) == []


def test_missing_policy_fails_when_custom_is_false() -> None:
    findings = run_check("password_policy.missing", _snap(PasswordPolicy(custom=False)))
    assert len(findings) == 1
    assert findings[0].resource_arn == account_arn()
    assert findings[0].severity is Severity.MEDIUM
    assert findings[0].evidence["custom_policy"] is False


def test_default_policy_is_judged_as_the_weak_default_by_every_check() -> None:
    report = audit(_snap(PasswordPolicy(custom=False)), only=PASSWORD_CHECKS)
    assert sorted(f.check_id for f in report.findings) == sorted(PASSWORD_CHECKS)
    min_length = next(f for f in report.findings if f.check_id == "password_policy.min_length")
    assert "AWS default" in min_length.detail


def test_min_length_fails_below_fourteen() -> None:
    findings = run_check(
        "password_policy.min_length", _snap(strong_password_policy(minimum_length=12))
    )
    assert findings[0].evidence["minimum_length"] == 12
    assert "12, below 14" in findings[0].detail


def test_min_length_threshold_is_configurable() -> None:
    snap = _snap(strong_password_policy(minimum_length=12))
    config = config_with(thresholds={"password_min_length": 12})
    assert run_check("password_policy.min_length", snap, config=config) == []


@pytest.mark.parametrize("reuse", [None, 0, 5, 23])
def test_reuse_fails_below_twenty_four(reuse) -> None:
    findings = run_check(
        "password_policy.reuse", _snap(strong_password_policy(reuse_prevention=reuse))
    )
    assert len(findings) == 1
    assert findings[0].evidence["reuse_prevention"] == reuse


def test_complexity_is_one_finding_naming_every_missing_class() -> None:
    policy = strong_password_policy(require_symbols=False, require_uppercase=False)
    findings = run_check("password_policy.complexity", _snap(policy))
    assert len(findings) == 1
    assert findings[0].evidence["missing_classes"] == ["uppercase letters", "symbols"]
    assert "uppercase letters, symbols" in findings[0].detail
    assert findings[0].severity is Severity.LOW


@pytest.mark.parametrize(
    ("max_age", "fails"),
    [(None, True), (0, True), (91, True), (365, True), (90, False), (30, False)],
)
def test_expiry(max_age, fails) -> None:
    policy = strong_password_policy(max_age_days=max_age, expire_passwords=max_age is not None)
    assert bool(run_check("password_policy.expiry", _snap(policy))) is fails


def test_expiry_detail_says_passwords_never_expire() -> None:
    findings = run_check("password_policy.expiry", _snap(strong_password_policy(max_age_days=None)))
    assert "never expire" in findings[0].detail


def test_findings_drop_to_low_without_console_users() -> None:
    """Key-only users: nobody signs in with a password, so the policy is informational."""
    rows = with_rows(credential_row("ci-bot", password=False))
    report = audit(_snap(PasswordPolicy(custom=False), rows=rows), only=PASSWORD_CHECKS)
    assert len(report.findings) == len(PASSWORD_CHECKS)
    assert {f.severity for f in report.findings} == {Severity.LOW}
    assert all(
        f.evidence["console_users"] == 0 for f in report.findings if "console_users" in f.evidence
    )


def test_root_row_does_not_count_as_a_console_user() -> None:
    findings = run_check(
        "password_policy.missing", _snap(PasswordPolicy(custom=False), rows=with_rows())
    )
    assert findings[0].severity is Severity.LOW


def test_severity_stays_when_console_users_are_unknown() -> None:
    """Without a credential report we cannot prove there are no console users."""
    findings = run_check("password_policy.missing", _snap(PasswordPolicy(custom=False), rows=None))
    assert findings[0].severity is Severity.MEDIUM


def test_severity_override_beats_the_no_console_users_downgrade() -> None:
    config = config_with(severity={"password_policy.missing": Severity.HIGH})
    findings = run_check(
        "password_policy.missing",
        _snap(PasswordPolicy(custom=False), rows=with_rows()),
        config=config,
    )
    assert findings[0].severity is Severity.HIGH


def test_password_checks_skipped_without_password_policy() -> None:
    report = audit(snapshot(password_policy=None), only=PASSWORD_CHECKS)
    assert report.findings == ()
    assert {s.check_id for s in report.skipped} == set(PASSWORD_CHECKS)
    assert all("iam:GetAccountPasswordPolicy" in s.reason for s in report.skipped)
