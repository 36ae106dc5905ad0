"""Root user checks: credential-report root row, virtual MFA devices, organization features."""

from __future__ import annotations

import pytest

from bot.audit.findings import Severity
from tests.factories import (
    ACCOUNT_ID,
    account_arn,
    audit,
    config_with,
    credential_row,
    key,
    root_row,
    run_check,
    snapshot,
    virtual_mfa,
)

ROOT_ARN = account_arn()
CENTRAL = ("RootCredentialsManagement", "RootSessions")


def _with_root(**root_kwargs) -> object:
    return snapshot(credential_report=(root_row(**root_kwargs),), **{})


# --- root.access_key_present ----------------------------------------------------------------


def test_root_access_key_present_fails_with_an_active_key_and_names_the_slot() -> None:
    findings = run_check(
        "root.access_key_present", _with_root(key2=key(rotated_days_ago=500, last_used_days_ago=3))
    )
    assert len(findings) == 1
    finding = findings[0]
    assert finding.resource_arn == ROOT_ARN
    assert finding.resource_type == "AWS::::Account"
    assert finding.severity is Severity.CRITICAL
    assert "access key 2" in finding.detail
    assert [s["key_slot"] for s in finding.evidence["active_key_slots"]] == [2]


def test_root_access_key_present_passes_with_an_inactive_key() -> None:
    assert run_check("root.access_key_present", _with_root(key1=key(active=False))) == []


def test_root_access_key_present_reports_both_keys_in_one_finding() -> None:
    findings = run_check("root.access_key_present", _with_root(key1=key(), key2=key()))
    assert len(findings) == 1
    assert "1 and 2" in findings[0].detail


def test_root_checks_without_credential_report_are_skipped_not_passed() -> None:
    report = audit(snapshot(credential_report=None), only=["root.access_key_present"])
    assert report.findings == ()
    assert report.checks == ()
    assert report.skipped[0].check_id == "root.access_key_present"
    assert "credential report" in report.skipped[0].reason


@pytest.mark.parametrize(
    "check_id",
    [
        "root.access_key_present",
        "root.mfa_disabled",
        "root.recently_used",
        "root.signing_cert_active",
    ],
)
def test_report_without_root_row_is_skipped_with_the_reason_not_a_pass(check_id) -> None:
    """IAM User Guide, "Getting credential reports for your AWS account": the report lists the
    root user as <root_account>. A report without that row (moto and LocalStack write none)
    cannot vouch for root: the check is skipped with the reason, neither passed nor an error."""
    snap = snapshot(credential_report=(credential_row("alice"),))
    report = audit(snap, only=[check_id])
    assert report.findings == ()
    assert report.errors == ()
    assert report.checks == ()
    assert [s.check_id for s in report.skipped] == [check_id]
    assert "<root_account>" in report.skipped[0].reason


# --- root.mfa_disabled ----------------------------------------------------------------------


def test_root_mfa_disabled_fails_without_mfa() -> None:
    findings = run_check("root.mfa_disabled", _with_root(mfa=False))
    assert [f.resource_arn for f in findings] == [ROOT_ARN]
    assert findings[0].evidence["mfa_active"] == "false"


def test_root_mfa_disabled_passes_with_mfa() -> None:
    assert run_check("root.mfa_disabled", _with_root(mfa=True)) == []


def test_root_mfa_reads_the_flag_case_insensitively() -> None:
    assert run_check("root.mfa_disabled", _with_root(mfa=False, mfa_active="TRUE")) == []


def test_root_mfa_passes_for_member_account_without_root_credentials() -> None:
    """Centralized root access removed every root credential: no password, keys or certs."""
    snap = snapshot(
        credential_report=(
            root_row(mfa=False, password_enabled="false", password_last_used_days_ago=None),
        ),
        organizations_features=CENTRAL,
    )
    assert run_check("root.mfa_disabled", snap) == []


def test_root_without_password_per_account_summary_is_exempt_under_central_management() -> None:
    # The report says not_supported for root's password; the account summary is authoritative.
    snap = snapshot(
        credential_report=(root_row(mfa=False),),
        account_summary={"AccountPasswordPresent": 0, "AccountMFAEnabled": 0},
        organizations_features=CENTRAL,
    )
    assert run_check("root.mfa_disabled", snap) == []


@pytest.mark.parametrize(
    ("root_kwargs", "summary"),
    [
        ({"password_enabled": "false", "key1": key()}, None),  # still holds an access key
        ({"password_enabled": "false", "cert2_active": True}, None),  # still holds a certificate
        ({}, None),  # password not_supported: cannot prove it is gone
        ({}, {"AccountPasswordPresent": 1}),
    ],
)
def test_root_mfa_still_fails_when_root_keeps_a_credential(root_kwargs, summary) -> None:
    snap = snapshot(
        credential_report=(root_row(mfa=False, **root_kwargs),),
        account_summary=summary,
        organizations_features=CENTRAL,
    )
    assert len(run_check("root.mfa_disabled", snap)) == 1


def test_root_without_credentials_still_fails_when_central_management_is_off() -> None:
    snap = snapshot(
        credential_report=(root_row(mfa=False, password_enabled="false"),),
        organizations_features=("RootSessions",),
    )
    assert len(run_check("root.mfa_disabled", snap)) == 1


# --- root.hardware_mfa_missing --------------------------------------------------------------


def test_root_hardware_mfa_missing_fails_for_a_virtual_device_on_root() -> None:
    snap = snapshot(virtual_mfa_devices=(virtual_mfa(ROOT_ARN, name="root-account-mfa-device"),))
    findings = run_check("root.hardware_mfa_missing", snap)
    assert len(findings) == 1
    assert "root-account-mfa-device" in findings[0].detail
    assert (
        findings[0]
        .evidence["virtual_mfa_devices"][0]["serial_number"]
        .endswith("root-account-mfa-device")
    )


def test_root_hardware_mfa_missing_ignores_users_virtual_devices() -> None:
    snap = snapshot(
        virtual_mfa_devices=(
            virtual_mfa(f"arn:aws:iam::{ACCOUNT_ID}:user/alice", name="alice"),
            virtual_mfa(None, name="unassigned"),
        )
    )
    assert run_check("root.hardware_mfa_missing", snap) == []


def test_root_hardware_mfa_passes_for_member_account_without_root_credentials() -> None:
    snap = snapshot(
        credential_report=(root_row(password_enabled="false"),),
        virtual_mfa_devices=(virtual_mfa(ROOT_ARN),),
        organizations_features=CENTRAL,
    )
    assert run_check("root.hardware_mfa_missing", snap) == []


def test_root_hardware_mfa_needs_only_the_device_list() -> None:
    snap = snapshot(credential_report=None, virtual_mfa_devices=(virtual_mfa(ROOT_ARN),))
    assert len(run_check("root.hardware_mfa_missing", snap)) == 1


def test_root_hardware_mfa_skipped_without_device_list() -> None:
    report = audit(snapshot(virtual_mfa_devices=None), only=["root.hardware_mfa_missing"])
    assert "iam:ListVirtualMFADevices" in report.skipped[0].reason


# --- root.recently_used ---------------------------------------------------------------------


def test_root_recently_used_fails_on_recent_password_use() -> None:
    findings = run_check("root.recently_used", _with_root(password_last_used_days_ago=3))
    assert len(findings) == 1
    assert "password was used 3 days ago" in findings[0].detail


def test_root_recently_used_passes_when_everything_is_old() -> None:
    snap = _with_root(
        password_last_used_days_ago=200,
        key1=key(active=False, last_used_days_ago=300),
    )
    assert run_check("root.recently_used", snap) == []


def test_root_recently_used_compares_every_column_not_the_first_non_empty() -> None:
    """Password used long ago, key 2 used yesterday: a first-non-empty reader misses it."""
    snap = _with_root(
        password_last_used_days_ago=400,
        key1=key(last_used_days_ago=None),
        key2=key(active=False, last_used_days_ago=1),
    )
    findings = run_check("root.recently_used", snap)
    assert len(findings) == 1
    assert "access key 2" in findings[0].detail
    assert findings[0].evidence["password_last_used"].startswith("2025-")


def test_root_recently_used_window_is_configurable() -> None:
    snap = _with_root(password_last_used_days_ago=20)
    assert (
        run_check(
            "root.recently_used", snap, config=config_with(thresholds={"root_recent_use_days": 10})
        )
        == []
    )
    assert len(run_check("root.recently_used", snap)) == 1  # default window is 30 days


def test_root_recently_used_treats_no_information_as_no_use() -> None:
    snap = _with_root(password_last_used="no_information", password_last_used_days_ago=None)
    assert run_check("root.recently_used", snap) == []


# --- root.signing_cert_active ---------------------------------------------------------------


def test_root_signing_cert_active_fails() -> None:
    findings = run_check("root.signing_cert_active", _with_root(cert1_active=True))
    assert findings[0].evidence["active_cert_slots"][0]["cert_slot"] == 1


def test_root_signing_cert_active_passes_without_certificates() -> None:
    assert run_check("root.signing_cert_active", _with_root()) == []


# --- root.central_management_off ------------------------------------------------------------


def test_central_management_off_fails_when_feature_missing() -> None:
    findings = run_check(
        "root.central_management_off", snapshot(organizations_features=("RootSessions",))
    )
    assert len(findings) == 1
    assert findings[0].evidence["enabled_features"] == ["RootSessions"]
    assert "RootSessions" in findings[0].detail


def test_central_management_off_fails_when_organization_enabled_nothing() -> None:
    findings = run_check("root.central_management_off", snapshot(organizations_features=()))
    assert "no IAM features enabled" in findings[0].detail


def test_central_management_on_passes() -> None:
    assert run_check("root.central_management_off", snapshot(organizations_features=CENTRAL)) == []


def test_central_management_skipped_when_not_in_an_organization() -> None:
    report = audit(snapshot(organizations_features=None), only=["root.central_management_off"])
    assert report.findings == ()
    assert report.skipped[0].check_id == "root.central_management_off"
    assert "iam:ListOrganizationsFeatures" in report.skipped[0].reason
