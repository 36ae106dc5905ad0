"""The demo account: deterministic, labelled as demo data, and holding every planted problem."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta

import pytest

from bot.aws.demo import (
    DEMO_ACCOUNT_ID,
    EXPIRED_CERTIFICATE_NAME,
    PARTNER_ACCOUNT_ID,
    build_demo_snapshot,
)
from bot.model.snapshot import ROOT_USER, AccountSnapshot

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
CLOUDSHELL = "arn:aws:iam::aws:policy/AWSCloudShellFullAccess"


@pytest.fixture(scope="module")
def demo() -> AccountSnapshot:
    return build_demo_snapshot(NOW)


def _days_ago(moment: datetime | None) -> float:
    assert moment is not None
    return (NOW - moment).total_seconds() / 86400


def _users(demo: AccountSnapshot):
    return {user.name: user for user in demo.users}


def _rows(demo: AccountSnapshot):
    return demo.credential_row_for()


def test_demo_says_it_is_demo_data_and_collects_cleanly(demo: AccountSnapshot) -> None:
    assert demo.source == "demo"
    assert demo.account_id == DEMO_ACCOUNT_ID
    assert demo.collected_at == NOW
    assert demo.collection_issues == ()
    assert demo.has_authorization_details is True
    assert demo.credential_report_generated_at == NOW


def test_same_time_gives_the_same_snapshot(demo: AccountSnapshot) -> None:
    assert build_demo_snapshot(NOW).to_dict() == demo.to_dict()


def test_ages_follow_the_audit_time(demo: AccountSnapshot) -> None:
    later = build_demo_snapshot(NOW + timedelta(days=10))
    before = _users(demo)["dave.stale-key"].create_date
    after = _users(later)["dave.stale-key"].create_date
    assert after - before == timedelta(days=10)


def test_demo_round_trips_through_json(demo: AccountSnapshot) -> None:
    text = json.dumps(demo.to_dict())
    assert AccountSnapshot.from_dict(json.loads(text)) == demo


def test_root_has_no_mfa_and_an_active_recently_used_key(demo: AccountSnapshot) -> None:
    root = _rows(demo)[ROOT_USER]
    assert demo.credential_report[0].is_root  # first, as AWS writes it
    assert root.flag("mfa_active") is False
    assert root.flag("access_key_1_active") is True
    assert _days_ago(root.date("access_key_1_last_used_date")) == 5
    assert _days_ago(root.date("password_last_used")) == 2
    assert demo.account_summary["AccountAccessKeysPresent"] == 1
    assert demo.organizations_features == ()  # centralized root access not enabled


def test_console_users_without_mfa_and_mfa_coverage(demo: AccountSnapshot) -> None:
    rows = [row for row in demo.credential_report if not row.is_root]
    console_no_mfa = {
        r.user for r in rows if r.flag("password_enabled") and not r.flag("mfa_active")
    }
    assert {"bob.console", "carol.direct-admin", "leo.departed"} <= console_no_mfa
    with_mfa = {r.user for r in rows if r.flag("mfa_active")}
    assert with_mfa == {"alice.admin", "grace.inactive", "ivan.cloudshell", "judy.initial-key"}
    assert {d.user_arn.rsplit("/", 1)[1] for d in demo.virtual_mfa_devices} == with_mfa


def test_key_problems_are_planted(demo: AccountSnapshot) -> None:
    rows = _rows(demo)
    dave = rows["dave.stale-key"]
    assert _days_ago(dave.date("access_key_1_last_used_date")) == 200
    assert _days_ago(dave.date("access_key_1_last_rotated")) == 400  # older than 90 days
    erin = rows["erin.never-used-key"]
    assert erin.flag("access_key_1_active") is True
    assert erin.raw("access_key_1_last_used_date") == "N/A"  # never used
    frank = rows["frank.two-keys"]
    assert frank.flag("access_key_1_active") is True
    assert frank.flag("access_key_2_active") is True
    leo = rows["leo.departed"]
    assert leo.flag("access_key_1_active") is False  # old but inactive: not a rotation finding


def test_inactive_and_must_not_flag_users(demo: AccountSnapshot) -> None:
    rows = _rows(demo)
    assert _days_ago(rows["grace.inactive"].date("password_last_used")) == 150
    assert _days_ago(rows["leo.departed"].date("password_last_used")) == 400
    busy = rows["ci-deployer"]
    assert busy.flag("password_enabled") is False  # key-only
    assert _days_ago(busy.date("access_key_1_last_used_date")) == 0
    assert _days_ago(busy.date("user_creation_time")) == 300
    new = rows["henry.new"]
    assert _days_ago(new.date("user_creation_time")) == 3  # inside the 7-day grace period


def test_password_columns_follow_aws_documented_values(demo: AccountSnapshot) -> None:
    rows = _rows(demo)
    assert rows["dave.stale-key"].raw("password_last_used") == "N/A"  # no password
    assert rows["dave.stale-key"].raw("access_key_1_last_used_region") == "us-east-1"
    assert rows["erin.never-used-key"].raw("access_key_1_last_used_service") == "N/A"


def test_weak_password_policy(demo: AccountSnapshot) -> None:
    policy = demo.password_policy
    assert policy.custom is True
    assert policy.minimum_length == 8
    assert (policy.require_symbols, policy.require_uppercase) == (False, False)
    assert policy.max_age_days is None
    assert policy.reuse_prevention is None


def test_admins_by_group_and_directly(demo: AccountSnapshot) -> None:
    users = _users(demo)
    groups = demo.group_by_name()
    assert ADMIN in {p.arn for p in groups["Admins"].attached_policies}
    assert "Admins" in users["alice.admin"].groups
    assert ADMIN in {p.arn for p in users["carol.direct-admin"].attached_policies}
    assert CLOUDSHELL in {p.arn for p in users["ivan.cloudshell"].attached_policies}
    assert demo.policy_by_arn()[ADMIN].document["Statement"][0]["Action"] == "*"


def test_escalation_is_split_across_two_customer_policies(demo: AccountSnapshot) -> None:
    policies = demo.policy_by_arn()
    attached = [policies[p.arn] for p in _users(demo)["ci-deployer"].attached_policies]
    actions = [
        {a for s in p.document["Statement"] for a in _as_list(s["Action"])} for p in attached
    ]
    assert len(attached) == 2
    assert any("iam:PassRole" in a and "ec2:RunInstances" not in a for a in actions)
    assert any("ec2:RunInstances" in a and "iam:PassRole" not in a for a in actions)
    maintainer = policies[f"arn:aws:iam::{DEMO_ACCOUNT_ID}:policy/PolicyMaintainer"]
    assert "iam:CreatePolicyVersion" in maintainer.document["Statement"][0]["Action"]


def test_policy_problems_are_planted(demo: AccountSnapshot) -> None:
    policies = {p.name: p for p in demo.policies}
    assert policies["LegacyS3Full"].attachment_count == 0
    assert policies["LegacyS3Full"].is_aws_managed is False
    assert "NotAction" in policies["EverythingButIam"].document["Statement"][0]
    assert "kms:*" in policies["AuditKmsAdmin"].document["Statement"][0]["Action"]


def test_role_trust_problems_are_planted(demo: AccountSnapshot) -> None:
    roles = {role.name: role for role in demo.roles}
    trust = {name: role.trust_policy["Statement"][0] for name, role in roles.items()}
    assert trust["public-trust-role"]["Principal"] == {"AWS": "*"}
    assert "Condition" not in trust["public-trust-role"]
    assert PARTNER_ACCOUNT_ID in trust["partner-audit-role"]["Principal"]["AWS"]
    assert "Condition" not in trust["partner-audit-role"]
    assert "sts:ExternalId" in json.dumps(trust["partner-guarded-role"])
    assert trust["lambda-processor"]["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert "Condition" not in trust["lambda-processor"]
    assert _days_ago(roles["legacy-batch-role"].last_used) == 200
    linked = roles["AWSServiceRoleForSupport"]
    assert linked.is_service_linked
    assert linked.last_used is None


def test_account_wide_problems_are_planted(demo: AccountSnapshot) -> None:
    (certificate,) = demo.server_certificates
    assert certificate.name == EXPIRED_CERTIFICATE_NAME
    assert certificate.expiration < NOW
    assert demo.saml_providers == ()
    assert demo.oidc_providers == ()


def test_demo_ignores_the_callers_aws_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("AWS_PROFILE", "does-not-exist")
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    snapshot = build_demo_snapshot(NOW)
    assert snapshot.collection_issues == ()
    assert len(snapshot.policies) == 11  # only the managed policies the demo attaches
    assert os.environ["AWS_PROFILE"] == "does-not-exist"  # restored afterwards
    assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
    assert "MOTO_IAM_LOAD_MANAGED_POLICIES" in os.environ
    assert os.environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9"


def test_naive_time_is_taken_as_utc() -> None:
    naive = build_demo_snapshot(NOW.replace(tzinfo=None))
    assert naive.collected_at == NOW


def _as_list(value):
    return value if isinstance(value, list) else [value]


# --- the audit of the demo: what the planted problems are for ---------------------------------

MUST_FLAG = {
    "root.access_key_present": {"root"},
    "root.mfa_disabled": {"root"},
    "root.recently_used": {"root"},
    "root.central_management_off": {"root"},
    "password_policy.min_length": None,
    "password_policy.reuse": None,
    "user.console_without_mfa": {"bob.console", "carol.direct-admin"},
    "user.inactive": {"dave.stale-key", "grace.inactive", "leo.departed"},
    "user.password_unused": {"grace.inactive"},
    "user.access_key_unused": {
        "dave.stale-key",
        "erin.never-used-key",
    },  # erin: never used, 60 days
    "user.access_key_not_rotated": {"dave.stale-key", "frank.two-keys"},
    "user.two_active_keys": {"frank.two-keys"},
    "user.initial_access_key": {"judy.initial-key"},
    "identity.aws_admin_attached": {"Admins", "carol.direct-admin"},
    "identity.cloudshell_full_access": {"ivan.cloudshell"},
    "principal.privilege_escalation": {"ci-deployer", "lambda-processor"},
    "policy.unattached": {"LegacyS3Full"},
    "policy.notaction_allow": {"EverythingButIam"},
    "role.trust_any_principal": {"public-trust-role"},
    "role.trust_web_identity_unscoped": {"github-deploy-role"},
    "role.trust_cross_account_unguarded": {"partner-audit-role"},
    "role.trust_confused_deputy": {"config-recorder-role"},
    "role.cross_account_readonly": {"partner-audit-role"},
    "role.unused": {"legacy-batch-role"},
    "certificate.expired": {EXPIRED_CERTIFICATE_NAME},
    "federation.none": None,
}
MUST_NOT_FLAG = {
    "user.inactive": {"ci-deployer", "henry.new", "alice.admin"},
    "user.access_key_unused": {"henry.new", "ci-deployer"},
    "user.access_key_not_rotated": {"leo.departed", "ci-deployer"},
    "role.trust_cross_account_unguarded": {"partner-guarded-role"},
    "role.trust_web_identity_unscoped": {"github-release-role"},
    "role.trust_confused_deputy": {"AWSServiceRoleForSupport", "lambda-processor"},
    "role.unused": {"AWSServiceRoleForSupport"},
}


def _resource_name(arn: str) -> str:
    """'arn:aws:iam::1:user/dave#access_key_1' -> 'dave'; the root ARN -> 'root'."""
    return arn.rsplit(":", 1)[-1].split("#", 1)[0].rsplit("/", 1)[-1]


def test_audit_of_the_demo_flags_what_was_planted_and_spares_the_rest(
    demo: AccountSnapshot,
) -> None:
    import bot.audit.checks  # noqa: F401  (registers the checks)
    from bot.audit.engine import run_audit

    report = run_audit(demo, now=NOW)
    flagged: dict[str, set[str]] = {}
    for finding in report.findings:
        flagged.setdefault(finding.check_id, set()).add(_resource_name(finding.resource_arn))
    assert report.errors == ()
    for check_id, expected in MUST_FLAG.items():
        assert check_id in flagged, f"{check_id} found nothing in the demo"
        if expected:
            assert expected <= flagged[check_id], check_id
    for check_id, spared in MUST_NOT_FLAG.items():
        assert not spared & flagged.get(check_id, set()), check_id
