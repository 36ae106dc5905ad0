"""Prowler's published tests for its AWS IAM account and credential checks, run against ours.

Source: prowler-cloud/prowler, tests/providers/aws/services/ (the check code beside each one under
prowler/providers/aws/services/ was read to understand the expected outcome):

- iam/iam_no_root_access_key/iam_no_root_access_key_test.py -> root.access_key_present
- iam/iam_root_mfa_enabled/iam_root_mfa_enabled_test.py -> root.mfa_disabled
- iam/iam_root_hardware_mfa_enabled/iam_root_hardware_mfa_enabled_test.py
  -> root.hardware_mfa_missing
- iam/iam_avoid_root_usage/iam_avoid_root_usage_test.py -> root.recently_used
- iam/iam_root_credentials_management_enabled/iam_root_credentials_management_enabled_test.py
  -> root.central_management_off
- iam/iam_password_policy_minimum_length_14, _reuse_24, _uppercase, _lowercase, _number, _symbol,
  _expires_passwords_within_90_days_or_less (each <check>_test.py) -> password_policy.*
- iam/iam_user_mfa_enabled_console_access/..._test.py -> user.console_without_mfa
- iam/iam_user_hardware_mfa_enabled/..._test.py -> user.virtual_mfa_only
- iam/iam_rotate_access_key_90_days/..._test.py -> user.access_key_not_rotated
- iam/iam_user_accesskey_unused/..._test.py -> user.access_key_unused
- iam/iam_user_console_access_unused/..._test.py -> user.password_unused
- iam/iam_user_no_setup_initial_access_key/..._test.py -> user.initial_access_key
- iam/iam_user_two_active_access_key/..._test.py -> user.two_active_keys
- iam/iam_no_expired_server_certificates_stored/..._test.py -> certificate.expired
- iam/iam_support_role_created/..._test.py -> role.support_missing
- iam/iam_check_saml_providers_sts/..._test.py -> federation.none
- iam/iam_securityaudit_role_created/..._test.py -> no check of ours (no "SecurityAudit role"
  check in the catalogue); its fixture role, trusted by ``{"AWS": "*"}``, is run through
  role.trust_any_principal instead
- iam/iam_role_cross_account_readonlyaccess_policy/..._test.py -> role.cross_account_readonly
- iam/iam_policy_attached_only_to_group_or_roles/..._test.py -> user.direct_policies
- iam/iam_user_administrator_access_policy/..._test.py and
  iam/iam_group_administrator_access_policy/..._test.py -> identity.aws_admin_attached
  (and principal.admin_equivalent / policy.admin_star for their customer-managed fixture)
- iam/iam_administrator_access_with_mfa/..._test.py -> user.admin_without_mfa
- accessanalyzer/accessanalyzer_enabled/accessanalyzer_enabled_test.py -> analyzer.disabled

Not ported: iam_user_with_temporary_credentials (Access Advisor "services other than IAM/STS used
with long-lived credentials": no check of ours maps to it) and the policy-document checks, which
tests/unit/test_other_tools_examples.py already covers.

Prowler's fixtures (credential-report rows, dates relative to now, password policies, roles,
certificates, analyzers) and expected outcomes are the facts used here; the test code is ours.
Where Prowler builds its fixture by mutating moto's report, the same row is built with
tests/factories.py; where it ships a raw credential-report CSV, the same lines are parsed with our
own parser. Each case is judged against the IAM User Guide ("Getting credential reports for your
AWS account"), the CIS AWS Foundations Benchmark / Security Hub control wording and
/work/shared/checks.md. Where Prowler's semantics differ knowingly or Prowler is wrong, the test
pins our behaviour and its docstring says why; where we are wrong, the test asserts the right
behaviour under a strict xfail naming the cause in our code.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from bot.audit.credential_report import REPORT_COLUMNS, parse_credential_report
from bot.audit.findings import Severity
from bot.model.snapshot import AccountSnapshot, CredentialReportRow, PasswordPolicy
from tests.factories import (
    ACCOUNT_ID,
    ADMINISTRATOR_ACCESS,
    READ_ONLY_ACCESS,
    SUPPORT_ACCESS,
    account_arn,
    account_trust,
    allow,
    analyzer,
    audit,
    console_user_row,
    credential_row,
    days_ago,
    group,
    group_arn,
    inline,
    iso,
    key,
    managed_policy,
    policy_arn,
    role,
    role_arn,
    root_row,
    run_check,
    server_certificate,
    service_linked_role,
    service_trust,
    snapshot,
    strong_password_policy,
    trust_policy,
    user,
    user_arn,
    virtual_mfa,
    with_rows,
)

PROWLER = "prowler-cloud/prowler"
ROOT_ARN = account_arn()
CENTRAL = ("RootCredentialsManagement", "RootSessions")
# Prowler's fixtures for cross-account trust and its test user.
PROWLER_OTHER_ACCOUNT = "012345678910"
TEST_USER = "test-user"
TEST_USER_ARN = user_arn(TEST_USER)

# The AWS-managed AdministratorAccess (what `load_aws_managed_policies` gives Prowler's moto).
AWS_ADMIN = managed_policy("AdministratorAccess", allow("*"), aws_managed=True, attachment_count=2)
# Prowler's "logs:CreateLogGroup on *" customer policy, used by several of its tests.
PROWLER_POLICY1 = managed_policy("policy1", allow("logs:CreateLogGroup"))


def _resources(findings) -> list[str]:
    return sorted(f.resource_arn for f in findings)


def _users_report(*rows: CredentialReportRow, **kwargs: Any) -> AccountSnapshot:
    """An account whose credential report is a healthy root row plus ``rows``."""
    return snapshot(credential_report=with_rows(*rows), **kwargs)


def _prowler_csv(*lines: str) -> tuple[CredentialReportRow, ...]:
    """Prowler's raw credential-report fixture lines, parsed with our own parser.

    Prowler's header is the documented column order, which is also ours (REPORT_COLUMNS)."""
    return parse_credential_report("\n".join([",".join(REPORT_COLUMNS), *lines]))


# =============================================================================================
# Root user
# =============================================================================================

# --- iam_no_root_access_key -> root.access_key_present ----------------------------------------


@pytest.mark.parametrize(
    ("key1", "key2", "slots"),
    [
        pytest.param(None, None, None, id="test_iam_root_no_access_keys"),
        pytest.param(key(), None, "1", id="test_iam_root_access_key_1"),
        pytest.param(None, key(), "2", id="test_iam_root_access_key_2"),
        pytest.param(key(), key(), "1 and 2", id="test_iam_root_both_access_keys"),
        pytest.param(key(active=False), key(active=False), None, id="edge_inactive_keys"),
    ],
)
def test_root_access_key_present_prowler_cases(key1, key2, slots) -> None:
    """Prowler: FAIL with one or two active root keys (one result for both), PASS without.

    Ours: one finding on the account ARN naming the active slots (Prowler names the report row's
    ARN, ``...:user/<root_account>``, a fixture string; the root user's ARN is the account's).
    Inactive keys are not "present" for CIS 1.3 / Security Hub IAM.4 (active keys only)."""
    snap = snapshot(credential_report=(root_row(key1=key1, key2=key2),))
    findings = run_check("root.access_key_present", snap)
    if slots is None:
        assert findings == []
        return
    (finding,) = findings
    assert finding.resource_arn == ROOT_ARN
    assert finding.severity is Severity.CRITICAL
    assert finding.detail.endswith(f"active access key {slots}")


# --- iam_root_mfa_enabled -> root.mfa_disabled ------------------------------------------------


def _root_only(row: CredentialReportRow, **kwargs: Any) -> AccountSnapshot:
    return snapshot(credential_report=(row,), **kwargs)


@pytest.mark.parametrize(
    ("mfa", "failed"),
    [
        pytest.param(False, True, id="test_root_mfa_not_enabled"),
        pytest.param(True, False, id="test_root_mfa_enabled"),
    ],
)
def test_root_mfa_prowler_cases(mfa: bool, failed: bool) -> None:
    """Prowler's fixture: root row with ``password_enabled=true``, no keys, ``mfa_active`` as
    given, account outside an organization."""
    row = root_row(mfa=mfa, password_enabled="true")
    findings = run_check("root.mfa_disabled", _root_only(row, organizations_features=None))
    assert _resources(findings) == ([ROOT_ARN] if failed else [])


def test_root_without_credentials_outside_central_management_still_needs_mfa() -> None:
    """Prowler test_root_no_credentials: root row with ``password_enabled=false``, no keys, no
    MFA -> Prowler returns no result at all. We fail it, on purpose.

    The IAM User Guide (credential report, password_enabled) says FALSE is what new member
    accounts show because they "do not have root user credentials by default"; without
    centralized root access the account's e-mail owner can still recover a root password and
    sign in without MFA. checks.md grants the pass only "where centralized root access management
    is enabled"; here the organization's features are unknown (None: a member account, or not in
    an organization), so nothing proves the root user is locked out."""
    row = root_row(mfa=False, password_enabled="false", password_last_used="no_information")
    findings = run_check("root.mfa_disabled", _root_only(row, organizations_features=None))
    assert _resources(findings) == [ROOT_ARN]
    # Unknown, not False: the finding says what would make it a false alarm.
    assert findings[0].evidence["centralized_root_access"] is None
    assert "iam:ListOrganizationsFeatures could not be read" in findings[0].detail


def test_root_with_a_password_and_unknown_features_is_a_plain_finding() -> None:
    """A root that can sign in (a password) needs MFA whatever the organization does: no
    hedge in the sentence."""
    row = root_row(mfa=False, password_enabled="true")
    findings = run_check("root.mfa_disabled", _root_only(row, organizations_features=None))
    assert findings[0].detail == "the root user has no active MFA device"


def test_root_without_credentials_under_central_management_passes() -> None:
    """The same credential-less root, with RootCredentialsManagement enabled: checks.md's pass
    for member accounts whose root credentials were removed centrally."""
    row = root_row(mfa=False, password_enabled="false", password_last_used="no_information")
    assert run_check("root.mfa_disabled", _root_only(row, organizations_features=CENTRAL)) == []


def test_root_mfa_enabled_with_organizational_management_passes() -> None:
    """Prowler test_root_mfa_with_organizational_management_enabled: password + key 1 + MFA,
    RootCredentialsManagement on -> PASS (Prowler adds advice to remove the credentials; the
    key itself is root.access_key_present's finding)."""
    row = root_row(mfa=True, password_enabled="true", key1=key())
    snap = _root_only(row, organizations_features=("RootCredentialsManagement",))
    assert run_check("root.mfa_disabled", snap) == []
    assert _resources(run_check("root.access_key_present", snap)) == [ROOT_ARN]


def test_root_mfa_disabled_with_organizational_management_still_fails() -> None:
    """Prowler test_root_mfa_disabled_with_organizational_management_enabled: password and
    access key 2 remain, no MFA -> FAIL although central management is on (credentials remain,
    so the root user can sign in)."""
    row = root_row(mfa=False, password_enabled="true", key2=key())
    snap = _root_only(row, organizations_features=("RootCredentialsManagement",))
    findings = run_check("root.mfa_disabled", snap)
    assert _resources(findings) == [ROOT_ARN]
    assert findings[0].evidence["centralized_root_access"] is True


@pytest.mark.parametrize(
    ("password_present", "cert", "failed"),
    [
        pytest.param(0, False, False, id="summary_says_no_password"),
        pytest.param(1, False, True, id="summary_says_password"),
        pytest.param(0, True, True, id="no_password_but_signing_certificate"),
    ],
)
def test_root_mfa_reads_account_summary_not_the_not_supported_column(
    password_present: int, cert: bool, failed: bool
) -> None:
    """Edge Prowler does not cover: in real reports the root row's password_enabled is
    ``not_supported`` (IAM User Guide), which proves nothing; AccountPasswordPresent from
    GetAccountSummary decides, and any remaining credential (here a signing certificate)
    keeps the root user able to act, so the centralized-access pass does not apply."""
    row = root_row(mfa=False, cert1_active=cert)
    snap = _root_only(
        row,
        organizations_features=CENTRAL,
        account_summary={"AccountPasswordPresent": password_present, "AccountMFAEnabled": 0},
    )
    assert _resources(run_check("root.mfa_disabled", snap)) == ([ROOT_ARN] if failed else [])


# --- iam_root_hardware_mfa_enabled -> root.hardware_mfa_missing -------------------------------


def test_root_virtual_mfa_device_fails() -> None:
    """Prowler test_root_hardware_virtual_mfa_enabled: AccountMFAEnabled=1 and a virtual device
    belonging to root -> FAIL, on the account (``arn:aws:iam::<account>:root``)."""
    snap = snapshot(
        virtual_mfa_devices=[virtual_mfa(ROOT_ARN, name="root-account-mfa-device")],
        account_summary={"AccountMFAEnabled": 1},
    )
    findings = run_check("root.hardware_mfa_missing", snap)
    assert _resources(findings) == [ROOT_ARN]
    assert findings[0].severity is Severity.HIGH


def test_root_with_only_unassigned_virtual_devices_passes() -> None:
    """Prowler test_root_hardware_virtual_hardware_mfa_enabled: AccountMFAEnabled=1 and the only
    virtual device is not root's (moto's unassigned device, serial blanked) -> PASS."""
    snap = snapshot(
        virtual_mfa_devices=[virtual_mfa(None, name="mfa-test")],
        account_summary={"AccountMFAEnabled": 1},
    )
    assert run_check("root.hardware_mfa_missing", snap) == []


@pytest.mark.parametrize(
    ("device_owner", "device_name", "failed"),
    [
        pytest.param(user_arn("alice"), "root-token-for-alice", False, id="root_in_name_not_root"),
        pytest.param(ROOT_ARN, "phone", True, id="root_device_without_root_in_name"),
    ],
)
def test_root_virtual_mfa_is_found_by_its_user_not_by_its_name(
    device_owner: str, device_name: str, failed: bool
) -> None:
    """Prowler is wrong here: it looks for "root" in the device's SerialNumber. A virtual device
    is root's when ListVirtualMFADevices says its User is the account root
    (``arn:aws:iam::<account>:root``); device names are free text chosen at creation
    (CreateVirtualMFADevice), so Prowler flags alice's "root-token-..." as root's and misses a
    root device named "phone"."""
    snap = snapshot(virtual_mfa_devices=[virtual_mfa(device_owner, name=device_name)])
    findings = run_check("root.hardware_mfa_missing", snap)
    assert _resources(findings) == ([ROOT_ARN] if failed else [])


def test_root_without_any_mfa_is_reported_by_root_mfa_disabled_only() -> None:
    """Prowler's hardware check also FAILs with "MFA is not enabled for root account" when
    AccountMFAEnabled=0. Ours reports that once, under root.mfa_disabled (checks.md: one finding
    per (check, resource)); the hardware check has no virtual device to complain about."""
    snap = snapshot(
        credential_report=(root_row(mfa=False),),
        account_summary={"AccountMFAEnabled": 0},
        organizations_features=None,
    )
    assert run_check("root.hardware_mfa_missing", snap) == []
    assert _resources(run_check("root.mfa_disabled", snap)) == [ROOT_ARN]


def test_root_virtual_mfa_passes_when_root_credentials_were_removed_centrally() -> None:
    """checks.md: with centralized root access, root.hardware_mfa_missing passes for a member
    account with no root credentials (the Prowler/ScoutSuite false alarm)."""
    snap = snapshot(
        credential_report=(root_row(mfa=True, password_enabled="false"),),
        virtual_mfa_devices=[virtual_mfa(ROOT_ARN, name="root-account-mfa-device")],
        organizations_features=CENTRAL,
    )
    assert run_check("root.hardware_mfa_missing", snap) == []


# --- iam_avoid_root_usage -> root.recently_used -----------------------------------------------


def _prowler_root_line(
    password_last_used: str = "no_information", key1_used: str = "N/A", key2_used: str = "N/A"
) -> str:
    """Prowler's root fixture line (password_enabled=true, key 1 active without a rotation
    date), with its three last-used cells."""
    return (
        "<root_account>,arn:aws:iam::123456789012:<root_account>,2022-04-17T14:59:38+00:00,true,"
        f"{password_last_used},not_supported,not_supported,false,true,N/A,{key1_used},N/A,N/A,"
        f"false,N/A,{key2_used},N/A,N/A,false,N/A,false,N/A"
    )


TODAY = iso(days_ago(0))
HUNDRED_DAYS_AGO = iso(days_ago(100))


@pytest.mark.parametrize(
    ("cells", "used_label"),
    [
        pytest.param({}, None, id="test_root_not_used"),
        pytest.param(
            {"password_last_used": TODAY}, "password", id="test_root_password_recently_used"
        ),
        pytest.param(
            {"key1_used": TODAY}, "access key 1", id="test_root_access_key_1_recently_used"
        ),
        pytest.param(
            {"key2_used": TODAY}, "access key 2", id="test_root_access_key_2_recently_used"
        ),
        pytest.param({"password_last_used": HUNDRED_DAYS_AGO}, None, id="test_root_password_used"),
        pytest.param({"key1_used": HUNDRED_DAYS_AGO}, None, id="test_root_access_key_1_used"),
        pytest.param({"key2_used": HUNDRED_DAYS_AGO}, None, id="test_root_access_key_2_used"),
    ],
)
def test_root_recently_used_prowler_cases(cells: dict[str, str], used_label: str | None) -> None:
    """Prowler's raw CSV fixtures: used "now" -> FAIL, 100 days ago or never -> PASS."""
    snap = snapshot(credential_report=_prowler_csv(_prowler_root_line(**cells)))
    findings = run_check("root.recently_used", snap)
    if used_label is None:
        assert findings == []
        return
    (finding,) = findings
    assert finding.resource_arn == ROOT_ARN
    assert f"the root {used_label} was used 0 days ago" in finding.detail


def test_root_recently_used_compares_every_column_not_the_first_filled_one() -> None:
    """Prowler is wrong here (its if/elif reads password_last_used first and stops): a password
    used 100 days ago hides a root access key used 2 days ago, and Prowler passes. checks.md:
    "compare every column, not the first non-empty one"; CIS 1.7 / Security Hub IAM.20 ask
    about any use of the root user."""
    line = _prowler_root_line(password_last_used=HUNDRED_DAYS_AGO, key2_used=iso(days_ago(2)))
    (finding,) = run_check("root.recently_used", snapshot(credential_report=_prowler_csv(line)))
    assert "the root access key 2 was used 2 days ago" in finding.detail
    assert finding.evidence["password_last_used"] == HUNDRED_DAYS_AGO


def test_root_recently_used_window_is_ours_not_prowlers_one_day() -> None:
    """Knowingly different: Prowler hard-codes ``maximum_access_days = 1``; our window is the
    root_recent_use_days threshold (30 by default), so a root sign-in 20 days ago fails here
    and passes in Prowler, and one 40 days ago passes in both."""
    recent = _prowler_root_line(password_last_used=iso(days_ago(20)))
    older = _prowler_root_line(password_last_used=iso(days_ago(40)))
    assert len(run_check("root.recently_used", snapshot(credential_report=_prowler_csv(recent))))
    assert run_check("root.recently_used", snapshot(credential_report=_prowler_csv(older))) == []


# --- iam_root_credentials_management_enabled -> root.central_management_off -------------------


def test_root_central_management_not_judged_outside_an_organization() -> None:
    """Prowler test_no_organization: no result. Ours: skipped, with the reason (the collector
    leaves organizations_features unset when the account is not in an organization)."""
    report = audit(snapshot(organizations_features=None), only=["root.central_management_off"])
    assert report.findings == ()
    assert [s.check_id for s in report.skipped] == ["root.central_management_off"]


@pytest.mark.parametrize(
    ("features", "failed"),
    [
        pytest.param(
            ("RootSessions", "RootCredentialsManagement"),
            False,
            id="test__root_credentials_management_enabled",
        ),
        pytest.param((), True, id="test__root_credentials_management_disabled"),
        pytest.param(("RootSessions",), True, id="edge_root_sessions_only"),
    ],
)
def test_root_central_management_prowler_cases(features: tuple[str, ...], failed: bool) -> None:
    """Prowler: PASS/FAIL on the account ARN. RootSessions alone (privileged root sessions)
    does not remove member accounts' root credentials, so it does not count."""
    findings = run_check("root.central_management_off", snapshot(organizations_features=features))
    assert _resources(findings) == ([ROOT_ARN] if failed else [])


# =============================================================================================
# Password policy
# =============================================================================================

CONSOLE_USERS = with_rows(console_user_row(TEST_USER))


def _policy_snapshot(policy: PasswordPolicy | None, **kwargs: Any) -> AccountSnapshot:
    kwargs.setdefault("credential_report", CONSOLE_USERS)
    return snapshot(password_policy=policy, **kwargs)


@pytest.mark.parametrize(
    ("length", "failed"),
    [
        pytest.param(14, False, id="test_iam_password_policy_minimum_length_equal_14"),
        pytest.param(20, False, id="test_iam_password_policy_minimum_length_greater_14"),
        pytest.param(10, True, id="test_iam_password_policy_minimum_length_less_14"),
    ],
)
def test_password_minimum_length_prowler_cases(length: int, failed: bool) -> None:
    """Prowler: resource is the account (``arn:aws:iam::<account>:root``), as ours."""
    snap = _policy_snapshot(strong_password_policy(minimum_length=length))
    findings = run_check("password_policy.min_length", snap)
    assert _resources(findings) == ([ROOT_ARN] if failed else [])
    if failed:
        assert findings[0].evidence["minimum_length"] == length


@pytest.mark.parametrize(
    ("remembered", "failed"),
    [
        pytest.param(24, False, id="test_iam_password_policy_reuse_prevention_equal_24"),
        pytest.param(20, True, id="test_iam_password_policy_reuse_prevention_less_24"),
        pytest.param(None, True, id="edge_reuse_prevention_not_set"),
    ],
)
def test_password_reuse_prowler_cases(remembered: int | None, failed: bool) -> None:
    """Prowler: "less than 24 or not set" fails."""
    snap = _policy_snapshot(strong_password_policy(reuse_prevention=remembered))
    findings = run_check("password_policy.reuse", snap)
    assert _resources(findings) == ([ROOT_ARN] if failed else [])


_CLASS_FIELDS = {
    "uppercase letters": "require_uppercase",
    "lowercase letters": "require_lowercase",
    "numbers": "require_numbers",
    "symbols": "require_symbols",
}


@pytest.mark.parametrize("label", list(_CLASS_FIELDS))
def test_password_character_class_prowler_flag_set(label: str) -> None:
    """Prowler iam_password_policy_{uppercase,lowercase,number,symbol} "flag" cases: moto's
    update_account_password_policy(Require<X>=True) sets that class only -> Prowler's <X> check
    PASSes (its other three checks would fail). Ours is one password_policy.complexity finding
    naming the missing classes (checks.md), so <X> is not among them and the others are."""
    flags = dict.fromkeys(_CLASS_FIELDS.values(), False)
    flags[_CLASS_FIELDS[label]] = True
    snap = _policy_snapshot(strong_password_policy(**flags))
    (finding,) = run_check("password_policy.complexity", snap)
    assert label not in finding.evidence["missing_classes"]
    assert sorted(finding.evidence["missing_classes"]) == sorted(set(_CLASS_FIELDS) - {label})


@pytest.mark.parametrize("label", list(_CLASS_FIELDS))
def test_password_character_class_prowler_flag_unset(label: str) -> None:
    """Prowler's "no <X> flag" cases: the class not required -> FAIL; ours names exactly it."""
    snap = _policy_snapshot(strong_password_policy(**{_CLASS_FIELDS[label]: False}))
    (finding,) = run_check("password_policy.complexity", snap)
    assert finding.resource_arn == ROOT_ARN
    assert finding.evidence["missing_classes"] == [label]


@pytest.mark.parametrize(
    ("max_age", "failed"),
    [
        pytest.param(40, False, id="test_password_expiration_lower_90"),
        pytest.param(100, True, id="test_password_expiration_greater_90"),
        pytest.param(90, False, id="test_password_expiration_just_90"),
        pytest.param(None, True, id="edge_passwords_never_expire"),
    ],
)
def test_password_expiry_prowler_cases(max_age: int | None, failed: bool) -> None:
    """Prowler's PasswordPolicy(length=10, all classes, max_age=N, reuse_prevention=2)."""
    policy = strong_password_policy(
        minimum_length=10,
        expire_passwords=max_age is not None,
        max_age_days=max_age,
        reuse_prevention=2,
        hard_expiry=True,
    )
    findings = run_check("password_policy.expiry", _policy_snapshot(policy))
    assert _resources(findings) == ([ROOT_ARN] if failed else [])


def test_password_policy_checks_are_skipped_when_the_policy_could_not_be_read() -> None:
    """Prowler test_access_denied: password_policy None -> no result. Ours: every
    password_policy.* check is skipped with the reason, not passed."""
    ids = [
        "password_policy.missing",
        "password_policy.min_length",
        "password_policy.reuse",
        "password_policy.complexity",
        "password_policy.expiry",
    ]
    report = audit(_policy_snapshot(None), only=ids)
    assert report.findings == ()
    assert sorted(s.check_id for s in report.skipped) == sorted(ids)


def test_no_custom_password_policy_is_judged_as_the_aws_default() -> None:
    """Edge: GetAccountPasswordPolicy's NoSuchEntity is the weak AWS default (8 characters, no
    classes, no expiry, reuse allowed), not an error (checks.md)."""
    snap = _policy_snapshot(PasswordPolicy(custom=False))
    assert _resources(run_check("password_policy.missing", snap)) == [ROOT_ARN]
    (finding,) = run_check("password_policy.min_length", snap)
    assert "no custom policy" in finding.detail
    assert finding.evidence["minimum_length"] == 8


def test_password_policy_findings_are_informational_without_console_users() -> None:
    """Edge: checks.md "informational (severity low) in an account with no console users";
    Prowler has no such notion."""
    weak = strong_password_policy(minimum_length=10)
    (with_console,) = run_check("password_policy.min_length", _policy_snapshot(weak))
    keys_only = with_rows(credential_row("ci", key1=key()))
    (without,) = run_check(
        "password_policy.min_length", _policy_snapshot(weak, credential_report=keys_only)
    )
    assert with_console.severity is Severity.MEDIUM
    assert without.severity is Severity.LOW


# =============================================================================================
# Users: MFA
# =============================================================================================

# --- iam_user_mfa_enabled_console_access -> user.console_without_mfa --------------------------


@pytest.mark.parametrize(
    ("password_enabled", "mfa_active", "failed"),
    [
        pytest.param("not_supported", "false", False, id="test_root_user_not_password_console"),
        pytest.param("false", "false", False, id="test_user_not_password_console_enabled"),
        pytest.param("true", "true", False, id="test_user_password_console_and_mfa_enabled"),
        pytest.param("true", "false", True, id="test_user_password_console_enabled_mfa_not"),
        pytest.param("TRUE", "FALSE", True, id="edge_upper_case_flags"),
        pytest.param("TRUE", "TRUE", False, id="edge_upper_case_mfa"),
    ],
)
def test_console_user_mfa_prowler_cases(
    password_enabled: str, mfa_active: str, failed: bool
) -> None:
    """Prowler mutates moto's row for test-user; the resource is the user's ARN, as ours.
    Booleans are read case-insensitively (AWS writes TRUE/FALSE; checks.md)."""
    row = credential_row(TEST_USER, password_enabled=password_enabled, mfa_active=mfa_active)
    findings = run_check("user.console_without_mfa", _users_report(row))
    assert _resources(findings) == ([TEST_USER_ARN] if failed else [])


# --- iam_user_hardware_mfa_enabled -> user.virtual_mfa_only -----------------------------------

VIRTUAL_SERIAL = f"arn:aws:iam::{ACCOUNT_ID}:mfa/{TEST_USER}"
SMS_SERIAL = f"arn:aws:iam::{ACCOUNT_ID}:sms-mfa/{TEST_USER}"


def _mfa_snapshot(devices: tuple[str, ...], *, admin: bool = True) -> AccountSnapshot:
    return snapshot(
        users=[user(TEST_USER, attached_policies=[ADMINISTRATOR_ACCESS] if admin else [])],
        policies=[AWS_ADMIN],
        user_mfa_devices={TEST_USER: devices},
        credential_report=with_rows(console_user_row(TEST_USER, mfa=bool(devices))),
    )


def test_user_without_any_mfa_device_is_reported_as_without_mfa_not_as_virtual() -> None:
    """Prowler test_user_no_mfa_devices: FAIL "does not have any type of MFA". Ours keeps one
    finding per fact: no MFA at all is user.admin_without_mfa / user.console_without_mfa, and
    user.virtual_mfa_only (whose only MFA is virtual) has nothing to say."""
    snap = _mfa_snapshot(())
    assert run_check("user.virtual_mfa_only", snap) == []
    assert _resources(run_check("user.admin_without_mfa", snap)) == [TEST_USER_ARN]


def test_privileged_user_with_only_a_virtual_device_fails() -> None:
    """Prowler test_user_virtual_mfa_devices (type "mfa", i.e. a ``:mfa/`` serial): FAIL."""
    findings = run_check("user.virtual_mfa_only", _mfa_snapshot((VIRTUAL_SERIAL,)))
    assert _resources(findings) == [TEST_USER_ARN]
    assert findings[0].evidence["devices"] == [VIRTUAL_SERIAL]


def test_unprivileged_user_with_a_virtual_device_passes() -> None:
    """Knowingly different: Prowler asks hardware MFA of every user; checks.md scopes
    user.virtual_mfa_only to privileged users (admin-equivalent or able to escalate)."""
    assert run_check("user.virtual_mfa_only", _mfa_snapshot((VIRTUAL_SERIAL,), admin=False)) == []


@pytest.mark.parametrize(
    "devices",
    [
        pytest.param((VIRTUAL_SERIAL, SMS_SERIAL), id="test_user_virtual_sms_mfa_devices"),
        pytest.param((SMS_SERIAL,), id="edge_sms_only"),
    ],
)
def test_privileged_user_with_virtual_and_sms_devices_fails(devices: tuple[str, ...]) -> None:
    """Prowler test_user_virtual_mfa_devices / test_user_virtual_sms_mfa_devices: a virtual plus
    an SMS device -> FAIL (Prowler types devices by the serial ARN's resource, ``mfa`` or
    ``sms-mfa``). SMS MFA is no stronger than a virtual app (checks.md: "virtual/SMS"); its
    serial is ``arn:aws:iam::<account>:sms-mfa/<name>`` (the IAM sms-mfa resource type)."""
    assert _resources(run_check("user.virtual_mfa_only", _mfa_snapshot(devices))) == [TEST_USER_ARN]


# =============================================================================================
# Users: access keys and passwords
# =============================================================================================

# --- iam_rotate_access_key_90_days -> user.access_key_not_rotated -----------------------------

OLD = key(rotated_days_ago=100, last_used_days_ago=1)
FRESH = key(rotated_days_ago=10, last_used_days_ago=1)
TEST_KEY_1 = f"{TEST_USER_ARN}#access_key_1"
TEST_KEY_2 = f"{TEST_USER_ARN}#access_key_2"


@pytest.mark.parametrize(
    ("key1", "key2", "expected"),
    [
        pytest.param(None, None, [], id="test_user_no_access_keys"),
        pytest.param(OLD, None, [TEST_KEY_1], id="test_user_access_key_1_not_rotated"),
        pytest.param(None, OLD, [TEST_KEY_2], id="test_user_access_key_2_not_rotated"),
        pytest.param(OLD, OLD, [TEST_KEY_1, TEST_KEY_2], id="test_user_both_access_keys_not_rot"),
        pytest.param(FRESH, FRESH, [], id="test_user_both_access_keys_rotated"),
        pytest.param(
            key(active=False, rotated_days_ago=400), None, [], id="edge_inactive_old_key_ignored"
        ),
        pytest.param(key(rotated_days_ago=90), None, [], id="edge_exactly_90_days"),
        pytest.param(key(rotated_days_ago=91), None, [TEST_KEY_1], id="edge_91_days"),
        pytest.param(FRESH, OLD, [TEST_KEY_2], id="edge_slots_judged_separately"),
    ],
)
def test_access_key_rotation_prowler_cases(key1, key2, expected: list[str]) -> None:
    """Prowler: one FAIL per old active key on the user (both on ``resource_id == user``); ours
    names the key slot in the resource (``<user ARN>#access_key_<n>``) so each key is its own
    finding (checks.md). Inactive keys are ignored (CIS 1.13 audits active keys)."""
    row = credential_row(TEST_USER, key1=key1, key2=key2)
    findings = run_check("user.access_key_not_rotated", _users_report(row))
    assert _resources(findings) == expected


# --- iam_user_accesskey_unused -> user.access_key_unused --------------------------------------

UNUSED_100 = key(rotated_days_ago=200, last_used_days_ago=100)
USED_10 = key(rotated_days_ago=200, last_used_days_ago=10)


@pytest.mark.parametrize(
    ("key1", "key2", "expected"),
    [
        pytest.param(None, None, [], id="test_user_no_access_keys"),
        pytest.param(UNUSED_100, None, [TEST_KEY_1], id="test_user_access_key_1_not_used"),
        pytest.param(None, UNUSED_100, [TEST_KEY_2], id="test_user_access_key_2_not_used"),
        pytest.param(UNUSED_100, UNUSED_100, [TEST_KEY_1, TEST_KEY_2], id="test_both_not_used"),
        pytest.param(USED_10, USED_10, [], id="test_user_both_access_keys_used"),
        pytest.param(USED_10, UNUSED_100, [TEST_KEY_2], id="edge_slots_judged_separately"),
        pytest.param(
            key(active=False, rotated_days_ago=400, last_used_days_ago=300),
            None,
            [],
            id="edge_inactive_key_ignored",
        ),
    ],
)
def test_access_key_unused_prowler_cases(key1, key2, expected: list[str]) -> None:
    """Prowler (max_unused_access_keys_days=45, as our access_key_unused_days default): one
    FAIL per unused active key, resource_id ``<user>/AccessKey<n>``; ours
    ``<user ARN>#access_key_<n>``."""
    row = credential_row(TEST_USER, key1=key1, key2=key2)
    findings = run_check("user.access_key_unused", _users_report(row))
    assert _resources(findings) == expected


def test_active_key_never_used_fails_once_past_the_grace_period() -> None:
    """Prowler passes an active key whose last-used date is N/A (it skips N/A). checks.md:
    "including an active key never used and older than the grace period"; the IAM User Guide
    says N/A means the key was never used (or not since tracking began, 2015-04-22), and an
    unused active key is exactly the credential CIS 1.11 wants disabled."""
    row = credential_row(TEST_USER, key1=key(rotated_days_ago=60, last_used_days_ago=None))
    (finding,) = run_check("user.access_key_unused", _users_report(row))
    assert finding.resource_arn == TEST_KEY_1
    assert finding.evidence["last_used"] == "N/A"


def test_freshly_rotated_unused_key_is_inside_the_grace_period() -> None:
    """Edge (checks.md): a key rotated 3 days ago and not used yet is not unused."""
    row = credential_row(TEST_USER, key1=key(rotated_days_ago=3, last_used_days_ago=None))
    assert run_check("user.access_key_unused", _users_report(row)) == []


def test_key_from_before_key_use_tracking_is_reported_with_that_caveat() -> None:
    """Edge: N/A also covers a key last used before AWS tracked key use (2015-04-22, IAM User
    Guide); a key created in 2014 with N/A is reported as "no recorded use since tracking
    began", not as "never used"."""
    row = credential_row(
        TEST_USER, created_days_ago=4500, key1=key(rotated_days_ago=4400, last_used_days_ago=None)
    )
    (finding,) = run_check("user.access_key_unused", _users_report(row))
    assert finding.evidence["tracking_since"] == "2015-04-22"
    assert "no recorded use since tracking began" in finding.detail


# --- iam_user_console_access_unused -> user.password_unused -----------------------------------


@pytest.mark.parametrize(
    ("last_used_days", "failed"),
    [
        pytest.param(2, False, id="test_iam_user_logged_45_days"),
        pytest.param(60, True, id="test_iam_user_not_logged_45_days"),
    ],
)
def test_console_password_unused_prowler_cases(last_used_days: int, failed: bool) -> None:
    """Prowler (max_console_access_days=45, our password_unused_days default)."""
    row = console_user_row(TEST_USER, password_last_used_days_ago=last_used_days)
    findings = run_check("user.password_unused", _users_report(row))
    assert _resources(findings) == ([TEST_USER_ARN] if failed else [])


def test_console_password_never_used_fails_past_the_grace_period() -> None:
    """Prowler test_iam_user_not_logged: no last-used date -> PASS ("does not have a console
    password or is unused"). Knowingly different: checks.md counts "a password set and never
    used"; the report's ``no_information`` for a password set after 2014-10-20 means it was
    never used (IAM User Guide), so a login nobody uses for 100 days is reported."""
    row = console_user_row(
        TEST_USER,
        created_days_ago=100,
        password_last_used_days_ago=None,
        password_last_used="no_information",
    )
    (finding,) = run_check("user.password_unused", _users_report(row))
    assert finding.resource_arn == TEST_USER_ARN
    assert "never been used" in finding.detail


def test_new_console_user_who_never_signed_in_is_inside_the_grace_period() -> None:
    """Edge: a console user created 3 days ago with ``no_information`` is not "unused since
    2014"; it is new (grace period, checks.md)."""
    row = console_user_row(
        TEST_USER,
        created_days_ago=3,
        password_last_used_days_ago=None,
        password_last_used="no_information",
    )
    assert run_check("user.password_unused", _users_report(row)) == []


def test_removed_password_with_an_old_last_use_is_not_reported() -> None:
    """Edge Prowler gets wrong: it reads GetUser's PasswordLastUsed, which keeps the date after
    the password is deleted ("if the user does not currently have a password but had one in the
    past, then this field contains the date..." - IAM API reference), so it FAILs a user whose
    console access is already gone. CIS 1.11 asks for unused credentials to be disabled; a
    deleted password is."""
    row = credential_row(TEST_USER, password=False, password_last_used_days_ago=60)
    assert run_check("user.password_unused", _users_report(row)) == []


def test_password_from_before_tracking_is_reported_with_that_caveat() -> None:
    """Edge: ``no_information`` on a password set in 2013 means "not used since tracking began
    (2014-10-20)", reported as such."""
    row = console_user_row(
        TEST_USER,
        created_days_ago=5000,
        password_last_used_days_ago=None,
        password_last_used="no_information",
    )
    (finding,) = run_check("user.password_unused", _users_report(row))
    assert finding.evidence["tracking_since"] == "2014-10-20"


# --- iam_user_no_setup_initial_access_key -> user.initial_access_key --------------------------


def _prowler_initial_key_line(name: str, password: str, key1: str, key2: str, created: str) -> str:
    return (
        f"{name},arn:aws:iam::123456789012:{name},{created},{password},no_information,"
        f"not_supported,not_supported,false,{key1},N/A,N/A,N/A,N/A,{key2},N/A,N/A,N/A,N/A,"
        "false,N/A,false,N/A"
    )


@pytest.mark.parametrize(
    ("line", "slots"),
    [
        pytest.param(
            _prowler_initial_key_line(
                "test_false_access_key_1", "true", "true", "false", "2022-04-17T14:59:38+00:00"
            ),
            [1],
            id="test_setup_access_key_1_fail",
        ),
        pytest.param(
            _prowler_initial_key_line(
                "test_false_access_key_2", "true", "false", "true", "2022-04-17T14:59:38+00:00"
            ),
            [2],
            id="test_setup_access_key_2_fail",
        ),
        pytest.param(
            _prowler_initial_key_line(
                "test_false_both_access_keys", "true", "true", "true", "2022-04-17T14:59:38+00:00"
            ),
            [1, 2],
            id="test_setup_both_access_keys_fail",
        ),
        pytest.param(
            _prowler_initial_key_line(
                "test_pass", "not_supported", "false", "false", "2022-02-17T14:59:38+00:00"
            ),
            [],
            id="test_setup_access_key_pass",
        ),
    ],
)
def test_initial_access_key_prowler_csv_cases(line: str, slots: list[int]) -> None:
    """Prowler's raw CSV rows (console password, active key(s) with last-used N/A and, as in its
    fixture, no rotation date: ours then dates the key from user_creation_time, 2022, after key
    tracking began). Prowler reports one FAIL per key on the same user; ours is one finding per
    user naming the slots (checks.md: one finding per (check, resource), and the resource of
    user.initial_access_key is the user)."""
    rows = _prowler_csv(line)
    findings = run_check("user.initial_access_key", snapshot(credential_report=rows))
    if not slots:
        assert findings == []
        return
    (finding,) = findings
    assert finding.resource_arn == rows[0].arn
    assert [k["key_slot"] for k in finding.evidence["unused_keys"]] == slots


def test_initial_access_key_ignores_key_only_users_and_used_or_inactive_keys() -> None:
    """Edges: CIS 1.10 is about console users; a used key or an inactive one is not an unused
    initial key."""
    snap = _users_report(
        credential_row("ci", key1=key(last_used_days_ago=None)),
        console_user_row("used", key1=key(last_used_days_ago=3)),
        console_user_row("inactive", key1=key(active=False, last_used_days_ago=None)),
    )
    assert run_check("user.initial_access_key", snap) == []


def test_initial_access_key_leaves_pre_tracking_keys_to_access_key_unused() -> None:
    """Edge: a 2014 key with N/A may have been used before 2015-04-22; "never used since
    created" cannot be claimed, so only user.access_key_unused (with that caveat) reports it."""
    row = console_user_row(
        TEST_USER, created_days_ago=4500, key1=key(rotated_days_ago=4400, last_used_days_ago=None)
    )
    snap = _users_report(row)
    assert run_check("user.initial_access_key", snap) == []
    assert _resources(run_check("user.access_key_unused", snap)) == [TEST_KEY_1]


def test_freshly_rotated_key_of_an_old_console_user_is_not_an_initial_access_key() -> None:
    """checks.md "Semantics the anchors get wrong": "a freshly rotated unused key is inside the
    grace period". A console user created 400 days ago who rotated key 1 two days ago (CIS 1.13
    asks for exactly that) holds a key not used yet: not a key handed out at user setup
    (CIS 1.10), and not due for a finding before grace_days have passed."""
    row = console_user_row(TEST_USER, key1=key(rotated_days_ago=2, last_used_days_ago=None))
    snap = _users_report(row)
    assert run_check("user.access_key_unused", snap) == []  # the key check agrees
    assert run_check("user.initial_access_key", snap) == []


# --- iam_user_two_active_access_key -> user.two_active_keys -----------------------------------


@pytest.mark.parametrize(
    ("key1", "key2", "failed"),
    [
        pytest.param(key(), key(), True, id="test_iam_user_two_active_access_key"),
        pytest.param(key(), None, False, id="test_iam_user_one_active_access_key"),
        pytest.param(None, None, False, id="test_iam_user_without_active_access_key"),
        pytest.param(key(), key(active=False), False, id="edge_second_key_inactive"),
    ],
)
def test_two_active_keys_prowler_cases(key1, key2, failed: bool) -> None:
    row = credential_row("test1", key1=key1, key2=key2)
    findings = run_check("user.two_active_keys", _users_report(row))
    assert _resources(findings) == ([user_arn("test1")] if failed else [])


def test_two_active_keys_without_users_and_root_keys_belong_to_the_root_check() -> None:
    """Prowler test_iam_no_users: nothing. The root row is never a "user" here; root's keys
    are root.access_key_present's finding."""
    snap = snapshot(credential_report=(root_row(key1=key(), key2=key()),))
    assert run_check("user.two_active_keys", snap) == []
    assert _resources(run_check("root.access_key_present", snap)) == [ROOT_ARN]


# =============================================================================================
# Account-wide: certificates, support role, federation, analyzers
# =============================================================================================

# --- iam_no_expired_server_certificates_stored -> certificate.expired -------------------------


def test_expired_server_certificate_prowler_cases() -> None:
    """Prowler: no certificates -> nothing; moto's expired "certname" -> FAIL on its ARN."""
    assert run_check("certificate.expired", snapshot(server_certificates=())) == []
    expired = server_certificate("certname", expires_in_days=-30)
    valid = server_certificate("valid", expires_in_days=30)
    findings = run_check("certificate.expired", snapshot(server_certificates=[expired, valid]))
    assert _resources(findings) == [expired.arn]
    assert "certname expired 30 days ago" in findings[0].detail


# --- iam_support_role_created -> role.support_missing -----------------------------------------

# Prowler's fixture role trust: any AWS principal, the Statement an object rather than a list.
PROWLER_ANY_TRUST: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": {
        "Sid": "test",
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": "sts:AssumeRole",
    },
}
SUPPORT_SERVICE_ROLE_POLICY = "arn:aws:iam::aws:policy/aws-service-role/AWSSupportServiceRolePolicy"


def test_support_role_check_wants_aws_support_access_not_the_service_role_policy() -> None:
    """Prowler is wrong here: test_support_role_created attaches AWSSupportServiceRolePolicy and
    expects PASS. That policy belongs to the service-linked role AWSServiceRoleForSupport, which
    AWS creates in every account, so Prowler's check always passes. CIS 1.16 / Security Hub
    IAM.18 ask for a role with the AWSSupportAccess policy, for people to manage incidents."""
    snap = snapshot(
        roles=[
            role(
                "test_support",
                trust=PROWLER_ANY_TRUST,
                attached_policies=[SUPPORT_SERVICE_ROLE_POLICY],
            ),
            service_linked_role(attached_policies=[SUPPORT_SERVICE_ROLE_POLICY]),
        ]
    )
    assert _resources(run_check("role.support_missing", snap)) == [ROOT_ARN]


def test_support_role_prowler_cases_with_the_cis_policy() -> None:
    """Prowler test_no_support_role_created -> FAIL (one account-wide result); a role holding
    AWSSupportAccess -> PASS. A user holding it does not count (a role is asked for)."""
    assert _resources(run_check("role.support_missing", snapshot())) == [ROOT_ARN]
    holder = snapshot(
        roles=[role("support", trust=account_trust(), attached_policies=[SUPPORT_ACCESS])]
    )
    assert run_check("role.support_missing", holder) == []
    only_user = snapshot(users=[user("helpdesk", attached_policies=[SUPPORT_ACCESS])])
    (finding,) = run_check("role.support_missing", only_user)
    assert finding.evidence["other_holders"] == [user_arn("helpdesk")]


@pytest.mark.parametrize(
    ("name", "policy"),
    [
        pytest.param("test_support", SUPPORT_SERVICE_ROLE_POLICY, id="support_role_fixture"),
        pytest.param(
            "test_securityaudit_role_created",
            "arn:aws:iam::aws:policy/SecurityAudit",
            id="securityaudit_role_fixture",
        ),
    ],
)
def test_prowler_passing_role_fixtures_are_assumable_by_anyone(name: str, policy: str) -> None:
    """Prowler's iam_support_role_created and iam_securityaudit_role_created PASS on roles whose
    trust is ``{"AWS": "*"}`` with no condition: any AWS account in the world may assume them
    (IAM User Guide, "AWS JSON policy elements: Principal": "*" in a trust policy means
    everyone). We have no "SecurityAudit role exists" check; role.trust_any_principal reports
    these fixtures, the Statement written as an object as Prowler does."""
    snap = snapshot(roles=[role(name, trust=PROWLER_ANY_TRUST, attached_policies=[policy])])
    findings = run_check("role.trust_any_principal", snap)
    assert _resources(findings) == [role_arn(name)]
    assert findings[0].severity is Severity.CRITICAL


# --- iam_check_saml_providers_sts -> federation.none ------------------------------------------

SAML = f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/test"
OIDC = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/login.example.com"
GITHUB_OIDC = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/token.actions.githubusercontent.com"
EKS_OIDC = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/AB12"


@pytest.mark.parametrize(
    ("saml", "oidc", "console", "failed"),
    [
        pytest.param((SAML,), (), True, False, id="test_iam_check_saml_providers_sts"),
        pytest.param((), (), True, True, id="edge_no_provider_console_users"),
        pytest.param((), (), False, False, id="edge_no_provider_no_console_users"),
        pytest.param((), (OIDC,), True, False, id="edge_oidc_provider_only"),
        # GitHub Actions and EKS issue tokens to pipelines and pods, not people.
        pytest.param((), (GITHUB_OIDC, EKS_OIDC), True, True, id="edge_workload_oidc_only"),
        pytest.param((), (GITHUB_OIDC, OIDC), True, False, id="edge_workload_and_people_oidc"),
    ],
)
def test_federation_prowler_cases(saml, oidc, console: bool, failed: bool) -> None:
    """Prowler: a SAML provider -> PASS; none -> FAIL "No SAML Providers found", always.
    Knowingly different (checks.md federation.none): we fail only "while there are console
    users" (an account without IAM console users has nobody to federate), and an OIDC provider
    for people counts as federation as well as SAML; one for pipelines or clusters (GitHub
    Actions, EKS) does not."""
    rows = with_rows(console_user_row(TEST_USER) if console else credential_row("ci", key1=key()))
    snap = snapshot(saml_providers=saml, oidc_providers=oidc, credential_report=rows)
    findings = run_check("federation.none", snap)
    assert _resources(findings) == ([ROOT_ARN] if failed else [])
    if failed:
        assert findings[0].evidence["console_users"] == [TEST_USER]
        assert findings[0].evidence["workload_oidc_providers"] == list(oidc)


# --- accessanalyzer_enabled -> analyzer.disabled ----------------------------------------------

EU1, EU2 = "eu-west-1", "eu-west-2"


def _analyzer_snapshot(analyzers, regions) -> AccountSnapshot:
    snap = snapshot(analyzers=analyzers, analyzer_findings=())
    return dataclasses.replace(snap, analyzer_regions=tuple(regions))


def _region_arn(region: str) -> str:
    return f"arn:aws:access-analyzer:{region}:{ACCOUNT_ID}:analyzer"


def test_analyzer_missing_in_a_region_fails_prowler_not_available() -> None:
    """Prowler test_one_analyzer_not_available: its service puts a NOT_AVAILABLE placeholder in
    a region without an analyzer -> FAIL for that region. Ours: the audited region has none."""
    findings = run_check("analyzer.disabled", _analyzer_snapshot([], [EU1]))
    assert _resources(findings) == [_region_arn(EU1)]


def test_analyzer_two_regions_one_active() -> None:
    """Prowler test_two_analyzers: eu-west-1 NOT_AVAILABLE -> FAIL, eu-west-2 ACTIVE -> PASS."""
    snap = _analyzer_snapshot([analyzer("test-analyzer", region=EU2)], [EU1, EU2])
    assert _resources(run_check("analyzer.disabled", snap)) == [_region_arn(EU1)]


def test_analyzer_one_active_passes() -> None:
    """Prowler test_one_active_analyzer."""
    snap = _analyzer_snapshot([analyzer("test-analyzer", region=EU2)], [EU2])
    assert run_check("analyzer.disabled", snap) == []


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        pytest.param("ACCOUNT_UNUSED_ACCESS", "ACTIVE", id="unused_access_analyzer_only"),
        pytest.param("ACCOUNT", "CREATING", id="creating"),
        pytest.param("ACCOUNT", "FAILED", id="failed"),
    ],
)
def test_analyzer_must_be_an_active_external_access_analyzer(kind: str, status: str) -> None:
    """Knowingly different: Prowler passes any ACTIVE analyzer whatever its type (its fixtures
    leave type empty). CIS 1.19 / Security Hub IAM.28 ask for an external access analyzer; an
    unused-access analyzer never reports resources shared outside the account, and one not
    ACTIVE (CREATING, FAILED) analyses nothing yet."""
    snap = _analyzer_snapshot([analyzer("a", type=kind, status=status, region=EU1)], [EU1])
    (finding,) = run_check("analyzer.disabled", snap)
    assert finding.resource_arn == _region_arn(EU1)
    assert finding.evidence["analyzers"][0]["status"] == status


# =============================================================================================
# Roles, policies and administrators
# =============================================================================================

# --- iam_role_cross_account_readonlyaccess_policy -> role.cross_account_readonly --------------


def _readonly_role(trust, *, attach: bool = True) -> AccountSnapshot:
    policies = [READ_ONLY_ACCESS] if attach else []
    return snapshot(roles=[role("test", trust=trust, attached_policies=policies)])


@pytest.mark.parametrize(
    ("snap", "accounts"),
    [
        pytest.param(snapshot(roles=[]), None, id="test_no_roles"),
        pytest.param(
            _readonly_role(account_trust(ACCOUNT_ID), attach=False),
            None,
            id="test_role_without_readonlyaccess_policy",
        ),
        pytest.param(
            _readonly_role(account_trust(ACCOUNT_ID)),
            None,
            id="test_internal_role_with_readonlyaccess_policy",
        ),
        pytest.param(
            _readonly_role(account_trust(PROWLER_OTHER_ACCOUNT)),
            [PROWLER_OTHER_ACCOUNT],
            id="test_cross_account_role_with_readonlyaccess_policy",
        ),
        pytest.param(
            _readonly_role(trust_policy({"AWS": "*"})),
            ["*"],
            id="test_asterisk_cross_account_role_with_readonlyaccess_policy",
        ),
        pytest.param(
            snapshot(
                roles=[
                    service_linked_role(
                        "AWSServiceRoleForAmazonGuardDuty",
                        trust=service_trust("ec2.amazonaws.com"),
                        attached_policies=[READ_ONLY_ACCESS],
                    )
                ]
            ),
            None,
            id="test_only_aws_service_linked_roles",
        ),
        pytest.param(
            _readonly_role(
                trust_policy({"AWS": f"arn:aws:iam::{PROWLER_OTHER_ACCOUNT}:role/audit"})
            ),
            [PROWLER_OTHER_ACCOUNT],
            id="edge_foreign_role_arn",
        ),
        pytest.param(
            _readonly_role(service_trust("ec2.amazonaws.com")), None, id="edge_service_principal"
        ),
    ],
)
def test_cross_account_readonly_prowler_cases(snap: AccountSnapshot, accounts) -> None:
    """Prowler: FAIL only for ReadOnlyAccess on a role trusted by another account or ``*``."""
    findings = run_check("role.cross_account_readonly", snap)
    if accounts is None:
        assert findings == []
        return
    (finding,) = findings
    assert finding.resource_arn == role_arn("test")
    assert finding.evidence["trusted_accounts"] == accounts


# --- iam_policy_attached_only_to_group_or_roles -> user.direct_policies -----------------------

LOGS_DOC = allow("logs:CreateLogGroup")


@pytest.mark.parametrize(
    ("attached_policies", "inline_policies", "expected"),
    [
        pytest.param([PROWLER_POLICY1.arn], [], ["policy1"], id="test_iam_user_attached_policy"),
        pytest.param(
            [PROWLER_POLICY1.arn],
            [inline("policy1", LOGS_DOC)],
            ["policy1", "policy1"],
            id="test_iam_user_attached_and_inline_policy",
        ),
        pytest.param([], [inline("policy1", LOGS_DOC)], ["policy1"], id="test_iam_user_inline"),
        pytest.param([], [], None, id="test_iam_user_no_policies"),
    ],
)
def test_direct_policies_prowler_cases(attached_policies, inline_policies, expected) -> None:
    """Prowler reports one FAIL per policy (two for attached + inline); ours one finding per
    user carrying both lists (checks.md: one finding per (check, resource))."""
    snap = snapshot(
        users=[user("u", attached_policies=attached_policies, inline_policies=inline_policies)],
        policies=[PROWLER_POLICY1],
    )
    findings = run_check("user.direct_policies", snap)
    if expected is None:
        assert findings == []
        return
    (finding,) = findings
    assert finding.resource_arn == user_arn("u")
    names = [a.rsplit("/", 1)[-1] for a in finding.evidence["attached_policies"]]
    assert sorted(names + finding.evidence["inline_policies"]) == expected


# --- iam_user/group_administrator_access_policy -> identity.aws_admin_attached ----------------

CUSTOMER_ADMIN = managed_policy("AdministratorAccess", allow("*"))


def test_admin_access_no_users_or_groups() -> None:
    """Prowler test_no_users / test_no_admin_users / test_no_admin_groups: PASS, nothing."""
    snap = snapshot(
        users=[user("non-admin-user", groups=["test_group"])], groups=[group("test_group")]
    )
    assert run_check("identity.aws_admin_attached", snap) == []


@pytest.mark.parametrize(
    ("snap", "resource", "detail"),
    [
        pytest.param(
            snapshot(users=[user("admin-user", attached_policies=[ADMINISTRATOR_ACCESS])]),
            user_arn("admin-user"),
            "user admin-user has",
            id="user_with_aws_managed_admin",
        ),
        pytest.param(
            snapshot(groups=[group("test_group", attached_policies=[ADMINISTRATOR_ACCESS])]),
            group_arn("test_group"),
            "(no members)",
            id="group_with_aws_managed_admin",
        ),
    ],
)
def test_aws_managed_admin_attached_to_user_or_group(snap, resource, detail) -> None:
    """The AWS-managed AdministratorAccess attached to a user or a group: one finding each."""
    (finding,) = run_check("identity.aws_admin_attached", snap)
    assert finding.resource_arn == resource
    assert detail in finding.detail


@pytest.mark.parametrize(
    "holder",
    [
        pytest.param("user", id="test_admin_user"),
        pytest.param("group", id="test_admin_groups"),
    ],
)
def test_prowler_customer_policy_named_administratoraccess(holder: str) -> None:
    """Prowler's fixtures create a *customer-managed* policy named AdministratorAccess
    (``arn:aws:iam::<account>:policy/AdministratorAccess``, ``*`` on ``*``) and expect FAIL,
    because Prowler matches the PolicyName. identity.aws_admin_attached is about the AWS-managed
    policy (checks.md) and matches its ARN, so it is silent; the administrator is still found:
    principal.admin_equivalent on the user and policy.admin_star on the policy."""
    if holder == "user":
        users = [user("admin-user", groups=[], attached_policies=[CUSTOMER_ADMIN.arn])]
        groups = []
    else:
        users = [user("admin-user", groups=["test_group"])]
        groups = [group("test_group", attached_policies=[CUSTOMER_ADMIN.arn])]
    snap = snapshot(users=users, groups=groups, policies=[CUSTOMER_ADMIN])
    assert run_check("identity.aws_admin_attached", snap) == []
    assert _resources(run_check("principal.admin_equivalent", snap)) == [user_arn("admin-user")]
    assert policy_arn("AdministratorAccess") in _resources(run_check("policy.admin_star", snap))


def test_harmless_customer_policy_named_administratoraccess_is_not_admin() -> None:
    """Prowler is wrong here: matching by PolicyName, it FAILs any user holding a customer
    policy that happens to be called AdministratorAccess, whatever it allows. Policy names are
    free text within an account; what the policy grants decides (here logs:CreateLogGroup)."""
    decoy = managed_policy("AdministratorAccess", LOGS_DOC)
    snap = snapshot(users=[user("u", attached_policies=[decoy.arn])], policies=[decoy])
    assert run_check("identity.aws_admin_attached", snap) == []
    assert run_check("principal.admin_equivalent", snap) == []


# --- iam_administrator_access_with_mfa -> user.admin_without_mfa ------------------------------


def _admin_mfa_snapshot(group_policies, members: dict[str, bool]) -> AccountSnapshot:
    """Group test-group with ``group_policies`` and members name -> MFA active."""
    return snapshot(
        users=[user(name, groups=["test-group"]) for name in members],
        groups=[group("test-group", attached_policies=group_policies)],
        policies=[AWS_ADMIN, PROWLER_POLICY1],
        credential_report=with_rows(
            *(console_user_row(name, mfa=mfa) for name, mfa in members.items())
        ),
    )


@pytest.mark.parametrize(
    ("group_policies", "members", "expected"),
    [
        pytest.param([], {"user-test": False}, [], id="test_group_with_no_policies"),
        pytest.param(
            [PROWLER_POLICY1.arn], {"user-test": False}, [], id="test_group_non_administrative"
        ),
        pytest.param([ADMINISTRATOR_ACCESS], {}, [], id="test_admin_policy_no_users"),
        pytest.param(
            [ADMINISTRATOR_ACCESS],
            {"user-test": False},
            [user_arn("user-test")],
            id="test_admin_policy_with_user_without_mfa",
        ),
        pytest.param(
            [PROWLER_POLICY1.arn, ADMINISTRATOR_ACCESS],
            {"user-no-mfa": False, "user-mfa": True},
            [user_arn("user-no-mfa")],
            id="test_various_policies_with_users_with_and_without_mfa",
        ),
    ],
)
def test_admin_without_mfa_prowler_cases(group_policies, members, expected) -> None:
    """Prowler reports on the group ("provides administrator access to User X with MFA
    disabled"); ours reports the user, the identity that must enable MFA (checks.md
    user.admin_without_mfa), one finding per user."""
    findings = run_check("user.admin_without_mfa", _admin_mfa_snapshot(group_policies, members))
    assert _resources(findings) == expected


def test_admin_without_mfa_finds_admins_outside_groups_too() -> None:
    """Edge Prowler cannot see (it looks at groups only): AdministratorAccess attached to the
    user directly, or an inline ``*`` policy (checks.md: "any path: direct, group, inline")."""
    snap = snapshot(
        users=[
            user("direct", groups=[], attached_policies=[ADMINISTRATOR_ACCESS]),
            user("inline", groups=[], inline_policies=[inline("all", allow("*"))]),
        ],
        policies=[AWS_ADMIN],
        credential_report=with_rows(credential_row("direct"), credential_row("inline")),
    )
    findings = run_check("user.admin_without_mfa", snap)
    assert _resources(findings) == [user_arn("direct"), user_arn("inline")]
