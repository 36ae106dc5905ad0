"""Our checks against AWS Security Hub's IAM controls (and the AWS Config rules behind them) and
ScoutSuite's AWS IAM rules: each documented COMPLIANT / NON_COMPLIANT statement, default and
boundary value becomes a case here.

Sources (read for this file; the quoted phrases in the tests come from them):

- Security Hub CSPM controls for IAM, IAM.1-IAM.28:
  https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html
- AWS Config managed rules (https://docs.aws.amazon.com/config/latest/developerguide/<rule>.html):
  iam-policy-no-statements-with-admin-access, iam-user-no-policies-check, access-keys-rotated,
  iam-root-access-key-check, mfa-enabled-for-iam-console-access,
  root-account-hardware-mfa-enabled, iam-password-policy, iam-user-unused-credentials-check,
  root-account-mfa-enabled, iam-policy-in-use, iam-user-mfa-enabled,
  iam-policy-no-statements-with-full-access, iam-server-certificate-expiration-check,
  iam-policy-blacklisted-check, iam-external-access-analyzer-enabled,
  iam-user-group-membership-check.
- ScoutSuite (nccgroup/ScoutSuite) ScoutSuite/providers/aws/rules/findings/iam-*.json and
  rules/rulesets/default.json (rule arguments such as the 90-day key rotation and the 8-character
  minimum length), rules/conditions/policy-statement-any-principal.json.

How to read the cases: where a source is narrower than us by design (checks.md covers inline and
attached AWS-managed policies and effective permissions, stricter CIS values, ...) or wrong (a
documented false alarm or miss), the test pins OUR behaviour and its docstring says why. Where we
are wrong against the documented semantics, the test states the correct behaviour and is a strict
xfail naming the cause in our code.

Not covered, no check of ours maps to them (out of scope in checks.md): IAM.23-IAM.25 (tagging),
IAM.20's CloudWatch metric-filter plumbing (retired April 2024), ScoutSuite's
iam-group-with-inline-policies / iam-role-with-inline-policies (AWS Config
iam-no-inline-policy-check), iam-group-with-no-users and iam-ec2-role-without-instances.
"""

from __future__ import annotations

import dataclasses

import pytest

from bot.audit.findings import Severity
from bot.model.snapshot import PasswordPolicy
from tests.factories import (
    ACCOUNT_ID,
    CLOUDSHELL_FULL_ACCESS,
    OTHER_ACCOUNT_ID,
    READ_ONLY_ACCESS,
    SUPPORT_ACCESS,
    account_arn,
    account_trust,
    allow,
    analyzer,
    config_with,
    console_user_row,
    credential_row,
    group,
    group_arn,
    inline,
    key,
    managed_policy,
    policy_arn,
    policy_document,
    role,
    role_arn,
    root_row,
    run_check,
    server_certificate,
    snapshot,
    statement,
    strong_password_policy,
    trust_policy,
    user,
    user_arn,
    virtual_mfa,
    with_rows,
)

SH = "https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html"
CONFIG = "https://docs.aws.amazon.com/config/latest/developerguide/"
SCOUT = "nccgroup/ScoutSuite ScoutSuite/providers/aws/rules/findings/"


def _arns(findings) -> list[str]:
    return sorted(f.resource_arn for f in findings)


def _key_arn(name: str, slot: int) -> str:
    return f"{user_arn(name)}#access_key_{slot}"


def _inline_arn(owner_arn: str, name: str) -> str:
    return f"{owner_arn}#inline/{name}"


def _rows(*rows, **kwargs):
    return snapshot(credential_report=with_rows(*rows), **kwargs)


def _password_snap(policy: PasswordPolicy):
    return snapshot(password_policy=policy, credential_report=with_rows(console_user_row("alice")))


# --- IAM.1: "*" administrative privileges (policy.admin_star, principal.admin_equivalent) -------


def test_iam1_documented_noncompliant_statement_is_admin_star() -> None:
    """IAM.1 / iam-policy-no-statements-with-admin-access, the documented NON_COMPLIANT policy:
    {"Sid": "VisualEditor", "Effect": "Allow", "Action": "*", "Resource": "*"}."""
    doc = policy_document(statement(sid="VisualEditor", action="*", resource="*"))
    policy = managed_policy("visual", doc)
    (finding,) = run_check("policy.admin_star", snapshot(policies=[policy]))
    assert finding.resource_arn == policy.arn
    assert finding.severity is Severity.HIGH
    assert finding.evidence["statements"][0]["sid"] == "VisualEditor"
    assert finding.evidence["policy_kind"] == "customer_managed"


def test_iam1_documented_compliant_statement_service_star_is_not_admin_star() -> None:
    """The documented COMPLIANT policy: Allow "service:*" on "*" is not full admin (IAM.21
    covers it: see the IAM.21 tests)."""
    doc = policy_document(statement(sid="VisualEditor", action="s3:*", resource="*"))
    assert run_check("policy.admin_star", snapshot(policies=[managed_policy("s", doc)])) == []


@pytest.mark.parametrize("action", ["*", "*:*", ["s3:GetObject", "*"]])
def test_iam1_every_spelling_of_the_full_wildcard_is_flagged(action) -> None:
    """ScoutSuite iam-managed-policy-allows-full-privileges matches "*" inside an Action list."""
    policy = managed_policy("p", allow(action))
    assert _arns(run_check("policy.admin_star", snapshot(policies=[policy]))) == [policy.arn]


def test_iam1_full_wildcard_on_a_narrow_resource_or_denied_is_not_admin_star() -> None:
    """The rule needs Allow + Action "*" + Resource "*"; a Deny or a scoped Resource fails
    neither IAM.1 nor ours."""
    scoped = managed_policy("scoped", allow("*", "arn:aws:s3:::bucket/*"))
    denied = managed_policy("denied", policy_document(statement(effect="Deny", action="*")))
    assert run_check("policy.admin_star", snapshot(policies=[scoped, denied])) == []


def test_iam1_scope_inline_and_attached_aws_managed_policies_are_flagged_too() -> None:
    """IAM.1 "only checks the customer managed policies that you create. It does not check
    inline and AWS managed policies" (SH). checks.md widens policy.admin_star on purpose to
    inline and attached AWS-managed documents: an inline `*` grants the same power."""
    admin = managed_policy("AdministratorAccess", allow("*"), aws_managed=True)
    alice = user("alice", inline_policies=[inline("everything", allow("*"))])
    ops = role("ops", attached_policies=[admin.arn])
    findings = run_check(
        "policy.admin_star", snapshot(users=[alice], roles=[ops], policies=[admin])
    )
    assert _arns(findings) == sorted([admin.arn, _inline_arn(alice.arn, "everything")])


def test_iam1_unattached_aws_managed_policy_is_not_read() -> None:
    """AWS-managed policies count only when in use (checks.md: "attached AWS-managed")."""
    admin = managed_policy("AdministratorAccess", allow("*"), aws_managed=True, attachment_count=0)
    assert run_check("policy.admin_star", snapshot(policies=[admin])) == []


def test_iam1_unattached_customer_policy_is_flagged_like_security_hub() -> None:
    """IAM.1 checks every customer managed policy, attached or not; so do we (one attach call
    away from granting it)."""
    policy = managed_policy("spare", allow("*"), attachment_count=0)
    assert _arns(run_check("policy.admin_star", snapshot(policies=[policy]))) == [policy.arn]


@pytest.mark.parametrize(
    ("check_id", "document"),
    [("policy.admin_star", allow("*")), ("policy.service_wildcard", allow("s3:*"))],
)
def test_iam1_iam21_policy_used_only_as_a_permissions_boundary_is_not_flagged(
    check_id, document
) -> None:
    """IAM.1 and IAM.21 both run with `excludePermissionBoundaryPolicy: true` (not
    customizable), SH. A boundary "sets the maximum permissions" and grants nothing: Allow `*`
    in a boundary is the usual pattern, and "whoever holds this policy is a full administrator"
    is false for it. A policy attached nowhere and used as a boundary must pass."""
    boundary = managed_policy("boundary", document, attachment_count=0, boundary_usage_count=1)
    snap = snapshot(
        users=[user("alice", permissions_boundary_arn=boundary.arn)], policies=[boundary]
    )
    assert run_check(check_id, snap) == []


def test_iam1_principal_view_user_with_admin_policy_is_admin_equivalent_critical() -> None:
    """IAM.1's intent on effective permissions (checks.md: principal.admin_equivalent, critical
    for users, high for roles), whichever path grants it."""
    admin = managed_policy("AdministratorAccess", allow("*"), aws_managed=True)
    snap = snapshot(
        users=[user("alice", groups=["admins"])],
        groups=[group("admins", attached_policies=[admin.arn])],
        roles=[role("ops", attached_policies=[admin.arn])],
        policies=[admin],
    )
    findings = {f.resource_arn: f for f in run_check("principal.admin_equivalent", snap)}
    assert findings[user_arn("alice")].severity is Severity.CRITICAL
    assert findings[role_arn("ops")].severity is Severity.HIGH


def test_iam1_notaction_allow_is_admin_equivalent_although_not_a_star_statement() -> None:
    """Allow NotAction "ec2:*" on "*" is no `"Action": "*"` statement, so IAM.1 passes it, yet
    it grants every IAM write: principal.admin_equivalent catches it (checks.md)."""
    snap = snapshot(
        users=[
            user(
                "bob",
                inline_policies=[inline("na", policy_document(statement(not_action="ec2:*")))],
            )
        ]
    )
    assert _arns(run_check("principal.admin_equivalent", snap)) == [user_arn("bob")]
    assert run_check("policy.admin_star", snap) == []


# --- IAM.2: users should not have policies (user.direct_policies) ------------------------------


def test_iam2_user_with_attached_or_inline_policy_fails_group_member_passes() -> None:
    """iam-user-no-policies-check: "NON_COMPLIANT if there is at least one IAM user with
    policies attached"; "IAM users must inherit permissions from IAM groups or roles".
    ScoutSuite iam-user-with-policies (inline)."""
    snap = snapshot(
        users=[
            user("attached", attached_policies=[READ_ONLY_ACCESS]),
            user("inlined", inline_policies=[inline("mine")]),
            user("grouped"),
        ]
    )
    findings = run_check("user.direct_policies", snap)
    assert _arns(findings) == sorted([user_arn("attached"), user_arn("inlined")])
    assert all(f.severity is Severity.LOW for f in findings)


def test_user_group_membership_check_user_in_no_group_fails() -> None:
    """AWS Config iam-user-group-membership-check: "Checks whether IAM users are members of at
    least one IAM group"."""
    snap = snapshot(users=[user("loner", groups=()), user("member")])
    assert _arns(run_check("user.not_in_group", snap)) == [user_arn("loner")]


# --- IAM.3: access keys rotated within 90 days (user.access_key_not_rotated) -------------------


@pytest.mark.parametrize(("age", "flagged"), [(89, False), (90, False), (91, True), (400, True)])
def test_iam3_boundary_exactly_90_days_is_compliant(age, flagged) -> None:
    """access-keys-rotated, maxAccessKeyAge 90 (not customizable in IAM.3): "NON_COMPLIANT if
    the access keys have not been rotated for more than maxAccessKeyAge number of days"; CIS
    1.13 "every 90 days or less". 90 passes, 91 fails."""
    snap = _rows(credential_row("bob", key1=key(rotated_days_ago=age)))
    findings = run_check("user.access_key_not_rotated", snap)
    assert _arns(findings) == ([_key_arn("bob", 1)] if flagged else [])
    if flagged:
        assert findings[0].evidence["age_days"] == age
        assert findings[0].evidence["limit_days"] == 90


def test_iam3_only_active_keys_each_key_slot_its_own_finding() -> None:
    """ "Checks if the active access keys are rotated"; ScoutSuite iam-user-no-key-rotation also
    warns on Inactive keys (ruleset arg "Inactive", 90): checks.md ignores inactive keys for
    rotation on purpose (an inactive key signs nothing), so only the active slot fails."""
    snap = _rows(
        credential_row(
            "bob",
            key1=key(active=False, rotated_days_ago=900),
            key2=key(rotated_days_ago=200),
        )
    )
    assert _arns(run_check("user.access_key_not_rotated", snap)) == [_key_arn("bob", 2)]


# --- IAM.4: root access key (root.access_key_present) -------------------------------------------


@pytest.mark.parametrize("slot", [1, 2])
def test_iam4_root_with_an_active_key_in_either_slot_fails(slot) -> None:
    """iam-root-access-key-check / ScoutSuite iam-root-account-with-active-keys
    (access_key_1_active OR access_key_2_active)."""
    root = root_row(**{f"key{slot}": key()})
    (finding,) = run_check("root.access_key_present", snapshot(credential_report=(root,)))
    assert finding.resource_arn == account_arn()
    assert finding.severity is Severity.CRITICAL


def test_iam4_root_without_keys_passes() -> None:
    assert run_check("root.access_key_present", snapshot(credential_report=(root_row(),))) == []


def test_iam4_inactive_root_key_passes_by_design() -> None:
    """iam-root-access-key-check is "compliant if the user access key does not exist", so an
    inactive root key fails it. checks.md defines root.access_key_present as "an active access
    key" (CIS 1.3's audit reads access_key_N_active, as ScoutSuite does): an inactive key signs
    nothing, and re-activating it needs root itself."""
    root = root_row(key1=key(active=False))
    assert run_check("root.access_key_present", snapshot(credential_report=(root,))) == []


# --- IAM.5 / ScoutSuite iam-user-without-mfa: console users without MFA -------------------------


def test_iam5_console_password_without_mfa_fails_with_mfa_or_key_only_passes() -> None:
    """mfa-enabled-for-iam-console-access: "Checks if ... MFA is enabled for all IAM users that
    use a console password. The rule is COMPLIANT if MFA is enabled." A key-only user has no
    console password and is not in scope (IAM.19 covers it)."""
    snap = _rows(
        console_user_row("nomfa", mfa=False),
        console_user_row("withmfa"),
        credential_row("ci", key1=key()),
    )
    findings = run_check("user.console_without_mfa", snap)
    assert _arns(findings) == [user_arn("nomfa")]
    assert findings[0].severity is Severity.HIGH


# --- IAM.6: hardware MFA for root (root.hardware_mfa_missing) -----------------------------------


def test_iam6_root_with_a_virtual_mfa_device_fails() -> None:
    """root-account-hardware-mfa-enabled: "NON_COMPLIANT if any virtual MFA devices are
    permitted for signing in with root credentials"."""
    snap = snapshot(virtual_mfa_devices=[virtual_mfa(account_arn(), name="root-account-mfa")])
    (finding,) = run_check("root.hardware_mfa_missing", snap)
    assert finding.resource_arn == account_arn()
    assert "root-account-mfa" in finding.evidence["virtual_mfa_devices"][0]["serial_number"]


def test_iam6_root_mfa_on_without_virtual_device_passes_user_devices_ignored() -> None:
    """MFA active and no virtual device assigned to root: a hardware device. A user's virtual
    device is not root's."""
    snap = snapshot(virtual_mfa_devices=[virtual_mfa(user_arn("alice"))])
    assert run_check("root.hardware_mfa_missing", snap) == []


def test_iam6_root_credentials_removed_centrally_passes() -> None:
    """SH: IAM.6 generates PASSED when "Root user credentials aren't present in the account"."""
    snap = snapshot(
        credential_report=(root_row(password_last_used_days_ago=None),),
        account_summary={"AccountPasswordPresent": 0},
        virtual_mfa_devices=[virtual_mfa(account_arn())],
    )
    assert run_check("root.hardware_mfa_missing", snap) == []


def test_iam6_root_without_any_mfa_is_root_mfa_disabled_not_hardware_missing() -> None:
    """IAM.6 "fails if hardware MFA isn't enabled", which includes no MFA at all; we report that
    once, as root.mfa_disabled (one finding per problem; checks.md: hardware_mfa_missing = "root
    MFA is a virtual device")."""
    snap = snapshot(credential_report=(root_row(mfa=False),), organizations_features=())
    assert run_check("root.hardware_mfa_missing", snap) == []
    assert _arns(run_check("root.mfa_disabled", snap)) == [account_arn()]


# --- IAM.9 / ScoutSuite iam-root-account-no-mfa: root MFA (root.mfa_disabled) ------------------


def test_iam9_root_without_mfa_fails_with_mfa_passes() -> None:
    """root-account-mfa-enabled: "NON_COMPLIANT if the ... root account user does not have
    multi-factor authentication (MFA) enabled"."""
    no_mfa = snapshot(credential_report=(root_row(mfa=False),))
    assert _arns(run_check("root.mfa_disabled", no_mfa)) == [account_arn()]
    assert run_check("root.mfa_disabled", snapshot(credential_report=(root_row(),))) == []


def test_iam9_root_credentials_removed_under_centralized_root_access_passes() -> None:
    """SH IAM.9: PASSED when "Root user credentials aren't present in the account" (checks.md:
    the Prowler/ScoutSuite false alarm for member accounts)."""
    snap = snapshot(
        credential_report=(root_row(mfa=False, password_last_used_days_ago=None),),
        account_summary={"AccountPasswordPresent": 0},
        organizations_features=("RootCredentialsManagement",),
    )
    assert run_check("root.mfa_disabled", snap) == []


def test_iam9_root_without_password_but_recoverable_still_fails_by_design() -> None:
    """SH IAM.9 passes any account whose root has no credentials. checks.md excuses it only
    "where centralized root access management is enabled": otherwise whoever controls the root
    e-mail can recover a password and sign in without MFA, so the account still fails."""
    snap = snapshot(
        credential_report=(root_row(mfa=False, password_last_used_days_ago=None),),
        account_summary={"AccountPasswordPresent": 0},
        organizations_features=(),
    )
    assert _arns(run_check("root.mfa_disabled", snap)) == [account_arn()]


# --- IAM.7 / IAM.10-17: password policy ----------------------------------------------------------


def test_iam7_no_custom_password_policy_fails() -> None:
    """iam-password-policy is NON_COMPLIANT without a policy; AWS's default is judged as weak."""
    findings = run_check("password_policy.missing", _password_snap(PasswordPolicy(custom=False)))
    assert _arns(findings) == [account_arn()]


def test_iam7_security_hub_default_length_8_passes_sh_but_fails_our_cis_14() -> None:
    """IAM.7's Security Hub default MinimumPasswordLength is 8 and ScoutSuite's ruleset passes
    arg "8"; PasswordReusePrevention and MaxPasswordAge "have no default value" so SH ignores
    them. We follow CIS 1.7 / 1.8 (checks.md: < 14 and < 24 fail): an 8-character policy
    without reuse prevention fails both our checks."""
    weak = strong_password_policy(minimum_length=8, reuse_prevention=None)
    snap = _password_snap(weak)
    assert run_check("password_policy.min_length", snap)[0].evidence["minimum_length"] == 8
    assert run_check("password_policy.reuse", snap)[0].evidence["reuse_prevention"] is None


def test_iam10_pci_minimums_are_weaker_than_ours() -> None:
    """IAM.10 (PCI DSS v3.2.1): length 7, reuse 4, age 90, no symbol requirement. A policy
    meeting exactly that still fails our CIS-based length, reuse and complexity checks."""
    pci = strong_password_policy(minimum_length=7, reuse_prevention=4, require_symbols=False)
    snap = _password_snap(pci)
    assert run_check("password_policy.min_length", snap)
    assert run_check("password_policy.reuse", snap)
    (complexity,) = run_check("password_policy.complexity", snap)
    assert complexity.evidence["missing_classes"] == ["symbols"]
    assert run_check("password_policy.expiry", snap) == []


@pytest.mark.parametrize(
    ("control", "attribute", "label"),
    [
        ("IAM.11", "require_uppercase", "uppercase letters"),
        ("IAM.12", "require_lowercase", "lowercase letters"),
        ("IAM.13", "require_symbols", "symbols"),
        ("IAM.14", "require_numbers", "numbers"),
    ],
)
def test_iam11_to_14_each_missing_character_class_fails(control, attribute, label) -> None:
    """IAM.11-IAM.14 each require one class; ScoutSuite iam-password-policy-no-*-required. We
    report one password_policy.complexity finding naming the missing class."""
    snap = _password_snap(strong_password_policy(**{attribute: False}))
    (finding,) = run_check("password_policy.complexity", snap)
    assert finding.evidence["missing_classes"] == [label], control


@pytest.mark.parametrize(
    ("length", "flagged"), [(13, True), (14, False), (15, False), (128, False)]
)
def test_iam15_boundary_exactly_14_characters_passes(length, flagged) -> None:
    """IAM.15: "minimum password length of 14 or greater"."""
    snap = _password_snap(strong_password_policy(minimum_length=length))
    assert bool(run_check("password_policy.min_length", snap)) is flagged


@pytest.mark.parametrize(("reuse", "flagged"), [(None, True), (1, True), (23, True), (24, False)])
def test_iam16_boundary_24_remembered_passwords(reuse, flagged) -> None:
    """IAM.16: "checks whether the number of passwords to remember is set to 24. The control
    fails if the value is not 24" (24 is IAM's maximum). ScoutSuite iam-password-policy-reuse-
    enabled only flags a missing setting; 1 passes it but fails us."""
    snap = _password_snap(strong_password_policy(reuse_prevention=reuse))
    assert bool(run_check("password_policy.reuse", snap)) is flagged


@pytest.mark.parametrize(
    ("expire", "age", "flagged"),
    [(True, 1, False), (True, 90, False), (True, 91, True), (False, None, True)],
)
def test_iam17_boundary_expiry_within_90_days_or_less(expire, age, flagged) -> None:
    """IAM.17: "expires passwords within 90 days or less"; ScoutSuite
    iam-password-policy-expiration-threshold (ExpirePasswords false, or MaxPasswordAge moreThan
    90) and iam-password-policy-no-expiration."""
    policy = strong_password_policy(expire_passwords=expire, max_age_days=age)
    assert bool(run_check("password_policy.expiry", _password_snap(policy))) is flagged


# --- IAM.8 / IAM.22: unused credentials -----------------------------------------------------------


def test_iam8_busy_key_only_user_is_not_inactive() -> None:
    """IAM.8 judges each credential; a key-only user whose key was used yesterday and who never
    had a password has no unused credential, and is not inactive (the seed Lambda's bug)."""
    snap = _rows(credential_row("ci", created_days_ago=900, key1=key(last_used_days_ago=1)))
    assert run_check("user.inactive", snap) == []


def test_iam8_one_stale_credential_is_reported_per_credential_not_as_inactive_user() -> None:
    """IAM.8: "IAM users have passwords or active access keys that have not been used for 90
    days" fails this user (password unused 120 days, key used yesterday). checks.md splits it:
    user.inactive needs every credential unused (the user is busy), while the stale password is
    user.password_unused's finding (here with IAM.8's 90 days as the threshold)."""
    row = console_user_row("alice", password_last_used_days_ago=120, key1=key(last_used_days_ago=1))
    snap = _rows(row)
    assert run_check("user.inactive", snap) == []
    ninety = config_with(thresholds={"password_unused_days": 90})
    assert _arns(run_check("user.password_unused", snap, config=ninety)) == [user_arn("alice")]


@pytest.mark.parametrize(("idle", "flagged"), [(89, False), (91, True), (400, True)])
def test_iam8_user_with_every_credential_unused(idle, flagged) -> None:
    row = console_user_row(
        "old", password_last_used_days_ago=idle, key1=key(last_used_days_ago=idle + 5)
    )
    assert bool(run_check("user.inactive", _rows(row))) is flagged


def test_iam8_boundary_exactly_90_idle_days_is_inactive() -> None:
    """SH IAM.8: "remove or deactivate all credentials that were unused for 90 days or more";
    checks.md user.inactive: "no credential used for N days (default 90)". 90 days is in."""
    row = credential_row("old", key1=key(last_used_days_ago=90))
    assert _arns(run_check("user.inactive", _rows(row))) == [user_arn("old")]


@pytest.mark.parametrize(("days", "flagged"), [(44, False), (46, True), (300, True)])
def test_iam22_password_and_key_unused_around_45_days(days, flagged) -> None:
    """IAM.22 / CIS 1.11: credentials "not been used for 45 days or more"."""
    snap = _rows(
        console_user_row("alice", password_last_used_days_ago=days),
        credential_row("bob", key1=key(last_used_days_ago=days)),
    )
    assert bool(run_check("user.password_unused", snap)) is flagged
    assert bool(run_check("user.access_key_unused", snap)) is flagged


@pytest.mark.parametrize("check_id", ["user.password_unused", "user.access_key_unused"])
def test_iam22_boundary_exactly_45_days_unused_fails(check_id) -> None:
    """SH IAM.22: "passwords or active access keys that have not been used for 45 days or
    more"; CIS v5 1.11 "Ensure credentials unused for 45 days or more are disabled"."""
    snap = _rows(
        console_user_row("alice", password_last_used_days_ago=45),
        credential_row("bob", key1=key(last_used_days_ago=45)),
    )
    assert len(run_check(check_id, snap)) == 1


def test_iam22_password_set_and_never_used_counts_as_unused_after_grace() -> None:
    """A console password set 60 days ago and never used is an unused credential (checks.md:
    "including a password set and never used"); one set 3 days ago is still in the grace
    period."""
    snap = _rows(
        credential_row("stale", created_days_ago=60, password=True),
        credential_row("fresh", created_days_ago=3, password=True),
    )
    assert _arns(run_check("user.password_unused", snap)) == [user_arn("stale")]


def test_iam22_unused_keys_one_finding_per_key_inactive_ignored() -> None:
    """IAM.22 counts "active access keys"; checks.md: one finding per key, not per user."""
    row = credential_row(
        "bob",
        key1=key(last_used_days_ago=100),
        key2=key(last_used_days_ago=None, rotated_days_ago=60),
    )
    dead = credential_row("carol", key1=key(active=False, last_used_days_ago=500))
    findings = run_check("user.access_key_unused", _rows(row, dead))
    assert _arns(findings) == [_key_arn("bob", 1), _key_arn("bob", 2)]


# --- IAM.18: support role (role.support_missing) --------------------------------------------------


def test_iam18_role_with_aws_support_access_passes_none_fails() -> None:
    """IAM.18 / iam-policy-in-use on arn:aws:iam::aws:policy/AWSSupportAccess."""
    with_role = snapshot(roles=[role("support", attached_policies=[SUPPORT_ACCESS])])
    assert run_check("role.support_missing", with_role) == []
    assert _arns(run_check("role.support_missing", snapshot())) == [account_arn()]


def test_iam18_policy_on_a_group_only_still_fails_by_design() -> None:
    """IAM.18 runs iam-policy-in-use with policyUsageType ANY, and ScoutSuite iam-no-support-role
    accepts "a role or group": both pass AWSSupportAccess on a group. CIS 1.16 asks for a
    support *role* and checks.md says "no role has AWSSupportAccess": the group is named in
    the evidence, the account still fails."""
    snap = snapshot(
        users=[user("alice", groups=["helpdesk"])],
        groups=[group("helpdesk", attached_policies=[SUPPORT_ACCESS])],
    )
    (finding,) = run_check("role.support_missing", snap)
    assert finding.evidence["other_holders"] == [group_arn("helpdesk")]


# --- IAM.19: MFA for all users (user.without_mfa) -------------------------------------------------


def test_iam19_key_only_user_without_mfa_fails() -> None:
    """iam-user-mfa-enabled: every IAM user, console or not (ScoutSuite's iam-user-without-mfa
    only looks at users with a LoginProfile)."""
    snap = _rows(credential_row("ci", key1=key()), console_user_row("alice"))
    findings = run_check("user.without_mfa", snap)
    assert _arns(findings) == [user_arn("ci")]
    assert findings[0].evidence["credentials"] == ["access key 1"]


def test_iam19_user_created_inside_the_grace_period_passes_by_design() -> None:
    """IAM.19 fails a user created 3 days ago without MFA; we give new users the grace period
    to enrol (users_mfa.py: user_without_mfa), since a new console user without MFA is
    reported at once by user.console_without_mfa."""
    snap = _rows(credential_row("new", created_days_ago=3, key1=key()))
    assert run_check("user.without_mfa", snap) == []


# --- IAM.20 (retired) / ScoutSuite iam-root-account-used-recently ---------------------------------


def test_root_used_recently_compares_keys_too_not_only_the_password() -> None:
    """ScoutSuite iam-root-account-used-recently reads password_last_used only (newerThan 90
    days): a root key used 5 days ago with the password last used 200 days ago passes it.
    checks.md: "compare every column"."""
    root = root_row(password_last_used_days_ago=200, key1=key(last_used_days_ago=5))
    (finding,) = run_check("root.recently_used", snapshot(credential_report=(root,)))
    assert "access key 1" in finding.detail


def test_root_used_long_ago_passes() -> None:
    root = root_row(password_last_used_days_ago=200)
    assert run_check("root.recently_used", snapshot(credential_report=(root,))) == []


# --- IAM.21: service wildcards (policy.service_wildcard) ------------------------------------------


def test_iam21_documented_failed_example_ec2_star() -> None:
    """SH IAM.21's failing example: {"Sid": "EC2-Wildcard", "Effect": "Allow", "Action":
    "ec2:*", "Resource": "*"}."""
    doc = policy_document(statement(sid="EC2-Wildcard", action="ec2:*", resource="*"))
    policy = managed_policy("ec2", doc)
    (finding,) = run_check("policy.service_wildcard", snapshot(policies=[policy]))
    assert finding.resource_arn == policy.arn
    assert finding.evidence["statements"][0]["actions"] == ["ec2:*"]
    assert finding.severity is Severity.LOW


def test_iam21_documented_passed_example_prefix_with_suffix_wildcard() -> None:
    """SH IAM.21: "This control passes if you use a prefixed IAM action with a suffixed
    wildcard", e.g. "ec2:Describe*"; iam-policy-no-statements-with-full-access: "will only
    return NON_COMPLIANT if you use unrestricted wildcards (for example, ec2:*)"."""
    doc = policy_document(statement(sid="EC2-Wildcard", action="ec2:Describe*", resource="*"))
    assert run_check("policy.service_wildcard", snapshot(policies=[managed_policy("d", doc)])) == []


def test_iam21_service_star_on_a_named_resource_still_fails() -> None:
    """The control fails on `"Action": "Service:*"` whatever the Resource."""
    policy = managed_policy("bucket", allow("s3:*", "arn:aws:s3:::team-bucket/*"))
    assert _arns(run_check("policy.service_wildcard", snapshot(policies=[policy]))) == [policy.arn]


def test_iam21_scope_inline_policies_are_flagged_too() -> None:
    """IAM.21 "only applies to customer managed IAM policies"; checks.md reads inline ones too
    (an inline `s3:*` grants the same)."""
    alice = user("alice", inline_policies=[inline("s3", allow("s3:*"))])
    findings = run_check("policy.service_wildcard", snapshot(users=[alice]))
    assert _arns(findings) == [_inline_arn(alice.arn, "s3")]


def test_iam21_allow_notaction_service_star_is_notaction_allow_not_service_wildcard() -> None:
    """SH IAM.21 "also fails if you use "Effect": "Allow" with "NotAction": "{{service}}:*"".
    We report that statement once, as policy.notaction_allow (checks.md: Allow with NotAction is
    that check's; ScoutSuite iam-managed-policy-allows-NotActions), not a second time here."""
    policy = managed_policy("na", policy_document(statement(not_action="ec2:*")))
    snap = snapshot(policies=[policy])
    assert run_check("policy.service_wildcard", snap) == []
    assert _arns(run_check("policy.notaction_allow", snap)) == [policy.arn]


# --- IAM.26: expired server certificates (certificate.expired) ------------------------------------


@pytest.mark.parametrize(
    ("expires_in", "flagged"), [(-1, True), (-400, True), (0, False), (30, False)]
)
def test_iam26_expired_certificate_fails(expires_in, flagged) -> None:
    """iam-server-certificate-expiration-check: "NON_COMPLIANT if an IAM server certificate is
    expired". A certificate whose NotAfter is this instant is still valid (X.509 NotAfter is
    inclusive)."""
    cert = server_certificate("web", expires_in_days=expires_in)
    findings = run_check("certificate.expired", snapshot(server_certificates=[cert]))
    assert _arns(findings) == ([cert.arn] if flagged else [])


# --- IAM.27: AWSCloudShellFullAccess (identity.cloudshell_full_access) ----------------------------


def test_iam27_cloudshell_full_access_on_user_group_and_role_each_fail() -> None:
    """iam-policy-blacklisted-check with policyArns AWSCloudShellFullAccess: "fails if an IAM
    identity (user, role, or group) has the AWSCloudShellFullAccess policy attached"."""
    snap = snapshot(
        users=[user("alice", attached_policies=[CLOUDSHELL_FULL_ACCESS])],
        groups=[group("devs", attached_policies=[CLOUDSHELL_FULL_ACCESS])],
        roles=[
            role("shell", attached_policies=[CLOUDSHELL_FULL_ACCESS]),
            role("clean", attached_policies=[READ_ONLY_ACCESS]),
        ],
    )
    findings = run_check("identity.cloudshell_full_access", snap)
    assert _arns(findings) == sorted([user_arn("alice"), group_arn("devs"), role_arn("shell")])
    assert {f.resource_type for f in findings} == {
        "AWS::IAM::User",
        "AWS::IAM::Group",
        "AWS::IAM::Role",
    }


# --- IAM.28: external access analyzer (analyzer.disabled) -----------------------------------------


def _analyzer_snap(analyzers, regions=("us-east-1",)):
    return dataclasses.replace(snapshot(analyzers=analyzers), analyzer_regions=tuple(regions))


@pytest.mark.parametrize(
    ("analyzers", "flagged"),
    [
        ((), True),
        ((analyzer(status="ACTIVE"),), False),
        ((analyzer(status="CREATING"),), True),
        ((analyzer(status="DISABLED"),), True),
        ((analyzer(status="FAILED"),), True),
        ((analyzer("unused", type="ACCOUNT_UNUSED_ACCESS"),), True),
    ],
)
def test_iam28_active_external_access_analyzer_required(analyzers, flagged) -> None:
    """iam-external-access-analyzer-enabled: "NON_COMPLIANT if there are no analyzers for
    external access in the region or if the 'status' attribute is not set to 'ACTIVE'"; an
    unused-access analyzer is no external-access analyzer."""
    assert bool(run_check("analyzer.disabled", _analyzer_snap(analyzers))) is flagged


def test_iam28_judged_per_region() -> None:
    """SH: "fails if the account doesn't have an external access analyzer enabled in your
    currently selected AWS Region"; we judge every audited region."""
    snap = _analyzer_snap([analyzer(region="us-east-1")], regions=("us-east-1", "eu-west-1"))
    (finding,) = run_check("analyzer.disabled", snap)
    assert finding.evidence["region"] == "eu-west-1"


def test_iam28_active_organization_analyzer_counts() -> None:
    """SH notes that IAM.28 "doesn't factor external access analyzers that specify the
    organization as the zone of trust" and suggests disabling the control in member accounts.
    An ACTIVE organization analyzer does monitor the account, so ours passes."""
    snap = _analyzer_snap([analyzer("org", type="ORGANIZATION")])
    assert run_check("analyzer.disabled", snap) == []


# --- ScoutSuite rules without a Security Hub control ----------------------------------------------


def test_scoutsuite_root_account_with_active_certs() -> None:
    """iam-root-account-with-active-certs: cert_1_active OR cert_2_active on <root_account>."""
    active = snapshot(credential_report=(root_row(cert2_active=True),))
    (finding,) = run_check("root.signing_cert_active", active)
    assert finding.evidence["active_cert_slots"][0]["cert_slot"] == 2
    assert run_check("root.signing_cert_active", snapshot(credential_report=(root_row(),))) == []


def test_scoutsuite_user_with_password_and_key_inactive_key_not_counted() -> None:
    """iam-user-with-password-and-key: LoginProfile and AccessKeys notEmpty, which counts an
    inactive key. checks.md's user.password_and_keys is about a user *holding* both; an
    inactive key is not a usable credential, so only the active one counts."""
    snap = _rows(
        console_user_row("both", key1=key()),
        console_user_row("parked", key1=key(active=False)),
        credential_row("ci", key1=key()),
    )
    assert _arns(run_check("user.password_and_keys", snap)) == [user_arn("both")]


def test_scoutsuite_user_with_multiple_access_keys_both_active() -> None:
    """iam-user-with-multiple-access-keys: AccessKeys.0 and AccessKeys.1 both Active (CIS 1.12)."""
    snap = _rows(
        credential_row("two", key1=key(), key2=key()),
        credential_row("one", key1=key(), key2=key(active=False)),
    )
    assert _arns(run_check("user.two_active_keys", snap)) == [user_arn("two")]


def test_scoutsuite_managed_and_inline_policy_allows_notactions() -> None:
    """iam-managed-policy-allows-NotActions and iam-inline-policy-allows-NotActions (group, role,
    user): Effect Allow withKey NotAction; a Deny with NotAction is fine."""
    na = policy_document(statement(not_action="iam:*"))
    managed = managed_policy("na", na)
    deny = managed_policy("deny", policy_document(statement(effect="Deny", not_action="s3:*")))
    ops = role("ops", inline_policies=[inline("na", na)])
    findings = run_check("policy.notaction_allow", snapshot(roles=[ops], policies=[managed, deny]))
    assert _arns(findings) == sorted([managed.arn, _inline_arn(ops.arn, "na")])


@pytest.mark.parametrize("action", ["iam:PassRole", "sts:AssumeRole", "iam:Pass*", "sts:*"])
def test_scoutsuite_policy_for_role_passrole_or_assumerole_on_star(action) -> None:
    """iam-managed-policy-for-role / iam-inline-policy-for-role (args iam PassRole, sts
    AssumeRole): Allow containAction on Resource "*"."""
    policy = managed_policy("handoff", allow(action))
    assert _arns(run_check("policy.passrole_star", snapshot(policies=[policy]))) == [policy.arn]


def test_scoutsuite_policy_for_role_every_role_arn_counts_as_star() -> None:
    """ScoutSuite only matches Resource "*"; `arn:aws:iam::<account>:role/*` reaches every role
    just the same, so we flag it too (policies.py: _grants_on_star)."""
    policy = managed_policy("roles", allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT_ID}:role/*"))
    assert _arns(run_check("policy.passrole_star", snapshot(policies=[policy]))) == [policy.arn]
    scoped = managed_policy("one", allow("iam:PassRole", role_arn("lambda-exec")))
    assert run_check("policy.passrole_star", snapshot(policies=[scoped])) == []


def test_scoutsuite_policy_for_role_leaves_star_statements_to_full_privileges() -> None:
    """ScoutSuite's rule excludes statements whose Action contains "*" or "*:*" (reported by
    iam-managed-policy-allows-full-privileges); we likewise report Allow * once, as
    policy.admin_star."""
    policy = managed_policy("admin", allow("*"))
    snap = snapshot(policies=[policy])
    assert run_check("policy.passrole_star", snap) == []
    assert _arns(run_check("policy.admin_star", snap)) == [policy.arn]


def test_scoutsuite_managed_policy_no_attachments_boundary_use_counts_as_use() -> None:
    """iam-managed-policy-no-attachments flags attached_to empty, so a policy used only as a
    permissions boundary is flagged by ScoutSuite. It is in use (checks.md policy.unattached:
    "attached to nothing"), so only the truly unused one fails here."""
    unused = managed_policy("unused", attachment_count=0)
    boundary = managed_policy("bound", attachment_count=0, boundary_usage_count=1)
    findings = run_check("policy.unattached", snapshot(policies=[unused, boundary]))
    assert _arns(findings) == [policy_arn("unused")]


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["*"]}])
def test_scoutsuite_assume_role_policy_allows_all(principal) -> None:
    """iam-assume-role-policy-allows-all with conditions/policy-statement-any-principal.json:
    Principal "*" or Principal.AWS containing "*"."""
    snap = snapshot(roles=[role("open", trust=trust_policy(principal))])
    (finding,) = run_check("role.trust_any_principal", snap)
    assert finding.resource_arn == role_arn("open")
    assert finding.severity is Severity.CRITICAL


def test_scoutsuite_assume_role_allows_all_with_org_condition_passes_by_design() -> None:
    """ScoutSuite flags Principal "*" whatever its Condition; checks.md role.trust_any_principal
    is "without a restrictive condition": an aws:PrincipalOrgID guard restricts it."""
    trust = trust_policy("*", condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}})
    assert run_check("role.trust_any_principal", snapshot(roles=[role("org", trust=trust)])) == []


@pytest.mark.parametrize(
    ("condition", "flagged"),
    [
        (None, True),
        ({"StringEquals": {"sts:ExternalId": "x-7f3a"}}, False),
        ({"Bool": {"aws:MultiFactorAuthPresent": "true"}}, False),
    ],
)
def test_scoutsuite_assume_role_lacks_external_id_and_mfa(condition, flagged) -> None:
    """iam-assume-role-lacks-external-id-and-mfa: cross-account Principal.AWS without an
    sts:ExternalId (StringEquals) or aws:MultiFactorAuthPresent true condition."""
    trust = account_trust(OTHER_ACCOUNT_ID, condition=condition)
    findings = run_check(
        "role.trust_cross_account_unguarded", snapshot(roles=[role("x", trust=trust)])
    )
    assert bool(findings) is flagged


def test_scoutsuite_assume_role_boolifexists_mfa_is_no_guard() -> None:
    """ScoutSuite accepts BoolIfExists aws:MultiFactorAuthPresent true as MFA. The key is absent
    for a caller signing with long-term access keys, so ...IfExists lets that caller in without
    MFA: ScoutSuite is wrong here and we still flag the role."""
    trust = account_trust(
        OTHER_ACCOUNT_ID, condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}
    )
    findings = run_check(
        "role.trust_cross_account_unguarded", snapshot(roles=[role("x", trust=trust)])
    )
    assert _arns(findings) == [role_arn("x")]


def test_scoutsuite_same_account_trust_is_not_cross_account() -> None:
    """The ScoutSuite rule's isCrossAccount _ACCOUNT_ID_ test: own-account trust passes."""
    trust = account_trust(ACCOUNT_ID)
    assert (
        run_check("role.trust_cross_account_unguarded", snapshot(roles=[role("x", trust=trust)]))
        == []
    )
