"""Root-user and password-policy checks against AWS's documented states.

Sources (facts only):
- IAM User Guide, "Setting an account password policy for IAM users"
  https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html
  Default password policy: 8 to 128 characters, "a minimum of three of the following mix of
  character types: uppercase, lowercase, numbers, and symbols", not the account name or email.
  Custom options: minimum length 6 to 128, expiration 1 to 1,095 days, reuse prevention 1 to 24,
  "Password expiration requires administrator reset" (HardExpiry), "Allow users to change their
  own password". The policy does not apply to the root user or to access keys.
- Security Hub controls IAM.7 / IAM.10 / IAM.11-IAM.17 (docs.aws.amazon.com/securityhub/latest/
  userguide/iam-controls.html): IAM.15 length 14 or greater, IAM.16 "fails if the value is not
  24", IAM.17 expiry within 90 days or less.
- IAM User Guide, "AWS account root user" (id_root-user.html) and AWS Config rules
  root-account-mfa-enabled / root-account-hardware-mfa-enabled ("NON_COMPLIANT if any virtual
  MFA devices are permitted for signing in with root credentials"; "NOT_APPLICABLE if root user
  credentials are not present"). ListVirtualMFADevices names the root's device
  arn:aws:iam::ACCOUNT:mfa/root-account-mfa-device (older consoles) or any name chosen since,
  with User.Arn arn:aws:iam::ACCOUNT:root.
- IAM API Reference, ListOrganizationsFeatures: AccountNotManagementOrDelegatedAdministrator
  when called from a member account, so a member account's audit cannot see the features.
"""

from __future__ import annotations

import pytest

from bot.audit.checks.password_policy import AWS_DEFAULT_POLICY
from bot.audit.findings import Severity
from bot.model.snapshot import PasswordPolicy, VirtualMfaDevice
from tests.factories import (
    ACCOUNT_ID,
    account_arn,
    audit,
    console_user_row,
    days_ago,
    root_row,
    run_check,
    snapshot,
    strong_password_policy,
    with_rows,
)

ROOT_ARN = account_arn()
PASSWORD_CHECKS = (
    "password_policy.missing",
    "password_policy.min_length",
    "password_policy.reuse",
    "password_policy.complexity",
    "password_policy.expiry",
)


def _policy_snap(policy: PasswordPolicy):
    return snapshot(password_policy=policy, credential_report=with_rows(console_user_row("alice")))


# --- password policy: the default ----------------------------------------------------------


def test_no_custom_policy_states_the_documented_default() -> None:
    (finding,) = run_check("password_policy.missing", _policy_snap(PasswordPolicy(custom=False)))
    default = finding.evidence["default_policy"]
    assert default == AWS_DEFAULT_POLICY
    assert default["minimum_length"] == 8
    assert default["maximum_length"] == 128
    assert "three of" in default["character_types"]


def test_default_policy_complexity_says_three_of_four_types_not_no_mix() -> None:
    """The default asks for three of the four types, none in particular: IAM.11-IAM.14 each
    require one type, so all four are missing, and the sentence says what the default does."""
    (finding,) = run_check("password_policy.complexity", _policy_snap(PasswordPolicy(custom=False)))
    assert finding.evidence["missing_classes"] == [
        "uppercase letters",
        "lowercase letters",
        "numbers",
        "symbols",
    ]
    assert "any three of the four character types" in finding.detail


def test_default_policy_fails_length_reuse_and_expiry_as_documented() -> None:
    report = audit(_policy_snap(PasswordPolicy(custom=False)), only=PASSWORD_CHECKS)
    details = {f.check_id: f.detail for f in report.findings}
    assert details["password_policy.min_length"].startswith("the minimum password length is 8")
    assert details["password_policy.reuse"].startswith("password reuse is not prevented")
    assert details["password_policy.expiry"].startswith("passwords never expire")


# --- password policy: custom options at their documented bounds -----------------------------


@pytest.mark.parametrize(("length", "fails"), [(6, True), (13, True), (14, False), (128, False)])
def test_minimum_length_bounds(length, fails) -> None:
    """Custom minimum 6..128; IAM.15 / CIS: 14 or greater."""
    snap = _policy_snap(strong_password_policy(minimum_length=length))
    assert bool(run_check("password_policy.min_length", snap)) is fails


@pytest.mark.parametrize(("remembered", "fails"), [(1, True), (23, True), (24, False)])
def test_reuse_prevention_bounds(remembered, fails) -> None:
    """Reuse prevention 1..24; IAM.16 fails "if the value is not 24" (24 is the maximum)."""
    snap = _policy_snap(strong_password_policy(reuse_prevention=remembered))
    assert bool(run_check("password_policy.reuse", snap)) is fails


@pytest.mark.parametrize(("age", "fails"), [(1, False), (90, False), (91, True), (1095, True)])
def test_expiry_bounds(age, fails) -> None:
    """Expiration 1..1,095 days; IAM.17: 90 days or less."""
    snap = _policy_snap(strong_password_policy(max_age_days=age, expire_passwords=True))
    assert bool(run_check("password_policy.expiry", snap)) is fails


def test_hard_expiry_and_users_changing_their_password_raise_nothing() -> None:
    """Neither option is a CIS or Security Hub requirement: a strong policy with either setting
    passes every check."""
    for policy in (
        strong_password_policy(hard_expiry=True),
        strong_password_policy(allow_users_to_change=False),
    ):
        assert audit(_policy_snap(policy), only=PASSWORD_CHECKS).findings == ()


# --- root: MFA ------------------------------------------------------------------------------


def _device(serial_name: str, owner: str | None, *, partition: str = "aws") -> VirtualMfaDevice:
    return VirtualMfaDevice(
        serial_number=f"arn:{partition}:iam::{ACCOUNT_ID}:mfa/{serial_name}",
        user_arn=owner,
        enable_date=days_ago(100) if owner else None,
    )


@pytest.mark.parametrize(
    ("device", "flagged"),
    [
        (_device("root-account-mfa-device", ROOT_ARN), True),
        (_device("my-root-phone", ROOT_ARN), True),  # a name chosen in today's console
        (
            _device(
                "root-account-mfa-device", f"arn:aws-cn:iam::{ACCOUNT_ID}:root", partition="aws-cn"
            ),
            True,
        ),
        (_device("root", f"arn:aws:iam::{ACCOUNT_ID}:user/root"), False),  # an IAM user "root"
        (_device("spare", None), False),  # not assigned
    ],
)
def test_root_virtual_mfa_device_whatever_its_name(device, flagged) -> None:
    snap = snapshot(virtual_mfa_devices=(device,))
    assert bool(run_check("root.hardware_mfa_missing", snap)) is flagged


def test_root_with_password_and_no_mfa_is_critical() -> None:
    snap = snapshot(
        credential_report=(root_row(mfa=False),),
        account_summary={"AccountPasswordPresent": 1, "AccountMFAEnabled": 0},
        organizations_features=None,
    )
    (finding,) = run_check("root.mfa_disabled", snap)
    assert finding.severity is Severity.CRITICAL
    assert finding.detail == "the root user has no active MFA device"


def test_member_account_root_without_credentials_is_not_a_critical_root_without_mfa() -> None:
    """Audited from a member account: ListOrganizationsFeatures refused (features unknown), the
    account summary shows no root password, the report no key or certificate. AWS Config calls
    the MFA rule not applicable without root credentials; the report says why it may matter
    (password recovery) at medium, not as a critical root without MFA."""
    snap = snapshot(
        credential_report=(root_row(mfa=False, password_last_used="N/A"),),
        account_summary={"AccountPasswordPresent": 0, "AccountMFAEnabled": 0},
        organizations_features=None,
    )
    (finding,) = run_check("root.mfa_disabled", snap)
    assert finding.severity is Severity.MEDIUM
    assert "cannot sign in as it is" in finding.detail
    assert finding.evidence["centralized_root_access"] is None


def test_member_account_root_credentials_removed_centrally_passes() -> None:
    snap = snapshot(
        credential_report=(root_row(mfa=False, password_last_used="N/A"),),
        account_summary={"AccountPasswordPresent": 0, "AccountMFAEnabled": 0},
        organizations_features=("RootCredentialsManagement", "RootSessions"),
    )
    assert run_check("root.mfa_disabled", snap) == []


def test_root_password_unknown_from_the_report_alone_is_not_taken_as_absent() -> None:
    """password_enabled is not_supported for root: without the account summary the password
    may exist, so the finding stays critical."""
    snap = snapshot(credential_report=(root_row(mfa=False),), organizations_features=None)
    (finding,) = run_check("root.mfa_disabled", snap)
    assert finding.severity is Severity.CRITICAL


def test_root_rows_password_policy_does_not_apply() -> None:
    """The password policy "does not apply to the AWS account root user password": a report
    whose only console password is root's has no console user for the policy to protect."""
    snap = snapshot(password_policy=PasswordPolicy(custom=False), credential_report=with_rows())
    (finding,) = run_check("password_policy.missing", snap)
    assert finding.severity is Severity.LOW


def test_root_with_a_hardware_key_and_a_virtual_device_still_fails_hardware_mfa() -> None:
    """root-account-hardware-mfa-enabled is NON_COMPLIANT "if any virtual MFA devices are
    permitted for signing in with root credentials"; a hardware key next to it does not help
    (ListVirtualMFADevices lists only the virtual one)."""
    snap = snapshot(
        credential_report=(root_row(mfa=True),),
        virtual_mfa_devices=(_device("root-account-mfa-device", ROOT_ARN),),
    )
    (finding,) = run_check("root.hardware_mfa_missing", snap)
    assert finding.detail.endswith("mfa/root-account-mfa-device")
