"""Identity attachment checks, certificates, federation, and the catalogue as a whole."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.audit.findings import Severity
from bot.audit.registry import REQUIREMENT_HINTS, all_checks
from tests.factories import (
    ADMINISTRATOR_ACCESS,
    CLOUDSHELL_FULL_ACCESS,
    SUPPORT_ACCESS,
    account_arn,
    audit,
    console_user_row,
    credential_row,
    group,
    group_arn,
    managed_policy,
    role,
    role_arn,
    run_check,
    server_certificate,
    snapshot,
    user,
    user_arn,
    with_rows,
)

CHECKS_MD = Path(__file__).resolve().parents[3] / "shared" / "checks.md"
NEEDS_EVALUATOR_OR_OTHER_HELPER = re.compile(
    r"^(principal\.|analyzer\.|policy\.lint$|user\.admin_without_mfa$|user\.mfa_not_enforced$"
    r"|user\.virtual_mfa_only$)"
)

# --- identity.aws_admin_attached / identity.cloudshell_full_access --------------------------


def test_admin_attached_is_one_finding_per_identity() -> None:
    snap = snapshot(
        users=[user("alice", attached_policies=[ADMINISTRATOR_ACCESS]), user("bob")],
        groups=[group("admins", attached_policies=[ADMINISTRATOR_ACCESS]), group("developers")],
        roles=[role("ops", attached_policies=[ADMINISTRATOR_ACCESS, SUPPORT_ACCESS])],
    )
    findings = run_check("identity.aws_admin_attached", snap)
    assert sorted((f.resource_type, f.resource_arn) for f in findings) == [
        ("AWS::IAM::Group", group_arn("admins")),
        ("AWS::IAM::Role", role_arn("ops")),
        ("AWS::IAM::User", user_arn("alice")),
    ]
    group_finding = next(f for f in findings if f.resource_type == "AWS::IAM::Group")
    assert "no members" in group_finding.detail


def test_admin_attached_group_detail_names_members() -> None:
    snap = snapshot(
        users=[user("alice", groups=["admins"])],
        groups=[group("admins", attached_policies=[ADMINISTRATOR_ACCESS])],
    )
    assert "members: alice" in run_check("identity.aws_admin_attached", snap)[0].detail


def test_customer_policy_named_administratoraccess_is_not_the_aws_one() -> None:
    lookalike = "arn:aws:iam::123456789012:policy/AdministratorAccess"
    snap = snapshot(users=[user("alice", attached_policies=[lookalike])])
    assert run_check("identity.aws_admin_attached", snap) == []


def test_cloudshell_full_access_fails_and_passes() -> None:
    snap = snapshot(users=[user("alice", attached_policies=[CLOUDSHELL_FULL_ACCESS]), user("bob")])
    findings = run_check("identity.cloudshell_full_access", snap)
    assert [f.resource_arn for f in findings] == [user_arn("alice")]
    assert findings[0].evidence["policy_arn"] == CLOUDSHELL_FULL_ACCESS


# --- certificate.expired --------------------------------------------------------------------


def test_expired_certificate_fails_and_valid_one_passes() -> None:
    snap = snapshot(
        server_certificates=(
            server_certificate("old", expires_in_days=-10),
            server_certificate("valid", expires_in_days=10),
        )
    )
    findings = run_check("certificate.expired", snap)
    assert [f.resource_arn.rsplit("/", 1)[-1] for f in findings] == ["old"]
    assert findings[0].resource_type == "AWS::IAM::ServerCertificate"
    assert "10 days ago" in findings[0].detail


def test_certificate_check_skipped_without_list() -> None:
    report = audit(snapshot(server_certificates=None), only=["certificate.expired"])
    assert "iam:ListServerCertificates" in report.skipped[0].reason


# --- federation.none ------------------------------------------------------------------------


def test_federation_none_fails_without_providers_and_with_console_users() -> None:
    snap = snapshot(
        saml_providers=(),
        oidc_providers=(),
        credential_report=with_rows(console_user_row("alice"), credential_row("ci")),
    )
    findings = run_check("federation.none", snap)
    assert [f.resource_arn for f in findings] == [account_arn()]
    assert findings[0].evidence["console_users"] == ["alice"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"saml_providers": ("arn:aws:iam::123456789012:saml-provider/okta",), "oidc_providers": ()},
        {"saml_providers": (), "oidc_providers": ("arn:aws:iam::123456789012:oidc-provider/x",)},
        {
            "saml_providers": (),
            "oidc_providers": (),
            "credential_report": with_rows(credential_row("ci")),
        },
    ],
)
def test_federation_none_passes(kwargs) -> None:
    kwargs.setdefault("credential_report", with_rows(console_user_row("alice")))
    assert run_check("federation.none", snapshot(**kwargs)) == []


# --- the catalogue --------------------------------------------------------------------------


def _catalogue_ids() -> set[str]:
    text = CHECKS_MD.read_text(encoding="utf-8")
    return set(re.findall(r"^\| ([a-z_]+\.[a-z0-9_]+) \|", text, flags=re.MULTILINE))


@pytest.mark.skipif(not CHECKS_MD.exists(), reason="team design docs not next to the repository")
def test_every_catalogue_check_without_the_evaluator_is_registered() -> None:
    expected = {i for i in _catalogue_ids() if not NEEDS_EVALUATOR_OR_OTHER_HELPER.match(i)}
    assert len(expected) >= 35
    assert expected <= set(all_checks())


def test_every_check_declares_anchors_permissions_and_known_requirements() -> None:
    for check_id, check in all_checks().items():
        meta = check.meta
        assert meta.anchors, check_id
        assert meta.permissions, check_id
        assert all(p.count(":") == 1 for p in meta.permissions), check_id
        assert set(meta.requires) <= set(REQUIREMENT_HINTS), check_id
        assert isinstance(meta.severity, Severity)


def test_a_healthy_account_has_no_findings() -> None:
    snap = snapshot(
        users=[user("alice")],
        roles=[role("support", attached_policies=[SUPPORT_ACCESS])],
        policies=[managed_policy("app")],
        credential_report=with_rows(console_user_row("alice")),
        server_certificates=(server_certificate("web"),),
    )
    mine = [i for i in all_checks() if not NEEDS_EVALUATOR_OR_OTHER_HELPER.match(i)]
    report = audit(snap, only=mine)
    assert report.errors == ()
    assert report.skipped == ()
    assert [(f.check_id, f.detail) for f in report.findings] == []
