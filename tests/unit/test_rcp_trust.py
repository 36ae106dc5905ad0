"""Resource control policies (RCPs) in the trust checks, on AWS's own examples.

The RCPs are those of aws-samples/data-perimeter-policy-examples (resource_control_policies/
identity_perimeter_rcp.json and network_perimeter_rcp.json), with the placeholders filled in;
the semantics are the AWS Organizations user guide's ("RCP syntax": Deny only, Principal "*";
RCPs do not apply to the management account) and the IAM User Guide's condition operators.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bot.audit.checks._rcp_reading import read_rcps
from bot.audit.engine import run_audit
from bot.model.snapshot import ResourceControlPolicy
from tests.factories import (
    NOW,
    OTHER_ACCOUNT_ID,
    account_trust,
    policy_document,
    role,
    role_arn,
    run_check,
    service_trust,
    snapshot,
    trust_policy,
)

ORG_ID = "o-a1b2c3d4e5"
PARTNER = "444455556666"

ENFORCE_ORG_IDENTITIES: dict[str, Any] = {
    "Sid": "EnforceOrgIdentities",
    "Effect": "Deny",
    "Principal": "*",
    "Action": [
        "s3:*",
        "sqs:*",
        "kms:*",
        "secretsmanager:*",
        "sts:AssumeRole",
        "sts:DecodeAuthorizationMessage",
        "sts:GetAccessKeyInfo",
        "sts:GetFederationToken",
        "sts:GetServiceBearerToken",
        "sts:GetSessionToken",
        "sts:SetContext",
    ],
    "Resource": "*",
    "Condition": {
        "StringNotEqualsIfExists": {
            "aws:PrincipalOrgID": ORG_ID,
            "aws:PrincipalAccount": [PARTNER],
            "aws:ResourceTag/dp:exclude:identity": "true",
        },
        "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
    },
}
ENFORCE_TRUSTED_OIDC_PROVIDERS: dict[str, Any] = {
    "Sid": "EnforceTrustedOIDCProviders",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Resource": "*",
    "Condition": {"Null": {"token.actions.githubusercontent.com:sub": "true"}},
}
ENFORCE_CONFUSED_DEPUTY_PROTECTION: dict[str, Any] = {
    "Sid": "EnforceConfusedDeputyProtection",
    "Effect": "Deny",
    "Principal": "*",
    "Action": ["s3:*", "sqs:*", "kms:*", "secretsmanager:*", "sts:*"],
    "Resource": "*",
    "Condition": {
        "StringNotEqualsIfExists": {
            "aws:SourceOrgID": ORG_ID,
            "aws:SourceAccount": [PARTNER],
            "aws:ResourceTag/dp:exclude:identity": "true",
        },
        "Null": {"aws:SourceAccount": "false"},
        "Bool": {"aws:PrincipalIsAWSService": "true"},
    },
}
ENFORCE_NETWORK_PERIMETER: dict[str, Any] = {
    "Sid": "EnforceNetworkPerimeter",
    "Effect": "Deny",
    "Principal": "*",
    "Action": ["s3:*", "sts:AssumeRole", "sts:GetSessionToken"],
    "Resource": "*",
    "Condition": {
        "NotIpAddressIfExists": {"aws:SourceIp": "203.0.113.0/24"},
        "StringNotEqualsIfExists": {
            "aws:SourceVpc": "vpc-0abc",
            "aws:PrincipalTag/dp:exclude:network": "true",
            "aws:PrincipalAccount": [PARTNER],
            "aws:ResourceTag/dp:exclude:network": "true",
        },
        "BoolIfExists": {"aws:PrincipalIsAWSService": "false", "aws:ViaAWSService": "false"},
    },
}


def _rcp(*statements: dict[str, Any], name: str = "identity-perimeter") -> ResourceControlPolicy:
    return ResourceControlPolicy(name, policy_document(*statements), "p-1234abcd", "r-ab12")


IDENTITY_PERIMETER = _rcp(
    ENFORCE_ORG_IDENTITIES, ENFORCE_TRUSTED_OIDC_PROVIDERS, ENFORCE_CONFUSED_DEPUTY_PROTECTION
)
OPEN = role("open", trust=trust_policy("*"))
# A service that calls sts:AssumeRole for resources of other accounts (not a pass-role-only
# execution role, which role.trust_confused_deputy never reports).
RECORDER = role("recorder", trust=service_trust("config.amazonaws.com"))


def _snap(*roles_, levels=((IDENTITY_PERIMETER,),), management=None):
    return replace(
        snapshot(roles=roles_),
        resource_control_policies=levels,
        is_management_account=management,
    )


def _tagged(base, **tags):
    return replace(base, tags=tags)


def _arns(findings):
    return [f.resource_arn for f in findings]


# --- role.trust_any_principal ----------------------------------------------------------------


def test_without_rcps_a_star_trust_is_open_to_anyone() -> None:
    assert _arns(run_check("role.trust_any_principal", snapshot(roles=[OPEN]))) == [
        role_arn("open")
    ]


def test_the_identity_perimeter_closes_a_star_trust_to_the_organization() -> None:
    assert run_check("role.trust_any_principal", _snap(OPEN)) == []


def test_the_partner_the_perimeter_lets_in_is_reported_as_a_cross_account_trust() -> None:
    """The RCP's aws:PrincipalAccount alternative lets the partner's principals assume the
    role: like any other account trusted without an external id, it is reported."""
    (finding,) = run_check("role.trust_cross_account_unguarded", _snap(OPEN))
    assert finding.evidence["accounts"] == [PARTNER]
    assert finding.detail == (
        "role open trusts account 444455556666 with neither an external id nor an MFA condition"
        " (its trust lets in any principal, and the RCPs identity-perimeter let this account"
        " in)"
    )
    (statement,) = finding.evidence["statements"]
    assert statement["rcps"] == ["identity-perimeter"]
    assert "aws:PrincipalOrgID" in statement["rcp_requires"]


def test_a_trust_already_naming_the_organization_lets_no_partner_in() -> None:
    """The callers are those both the trust and the RCP admit: a trust asking for the
    organization keeps the RCP's partner out, so no cross-account trust is reported."""
    org_trust = role(
        "org", trust=trust_policy("*", condition={"StringEquals": {"aws:PrincipalOrgID": ORG_ID}})
    )
    assert run_check("role.trust_cross_account_unguarded", _snap(org_trust)) == []
    assert run_check("role.trust_any_principal", _snap(org_trust)) == []


def test_a_role_tagged_out_of_the_perimeter_stays_open() -> None:
    exempt = _tagged(OPEN, **{"dp:exclude:identity": "true"})
    assert _arns(run_check("role.trust_any_principal", _snap(exempt))) == [role_arn("open")]


def test_a_tag_value_other_than_the_exemption_does_not_exempt() -> None:
    other = _tagged(OPEN, **{"dp:exclude:identity": "false"})
    assert run_check("role.trust_any_principal", _snap(other)) == []


def test_rcps_do_not_apply_in_the_management_account() -> None:
    snap = _snap(OPEN, management=True)
    assert _arns(run_check("role.trust_any_principal", snap)) == [role_arn("open")]
    report = run_audit(snap, now=NOW, only=["role.trust_any_principal"])
    summary = report.extra["resource_control_policies"]
    assert summary["applied"] == []
    assert any("management account" in note for note in summary["not_applied"])


def test_the_network_perimeter_is_not_applied_its_conditions_depend_on_the_caller() -> None:
    """aws:SourceIp, aws:SourceVpc and principal tags differ call by call: the RCP may not
    refuse every outsider, so the trust stays reported and the RCP is named as not applied."""
    network = _rcp(ENFORCE_NETWORK_PERIMETER, name="network-perimeter")
    snap = _snap(OPEN, levels=((network,),))
    assert _arns(run_check("role.trust_any_principal", snap)) == [role_arn("open")]
    summary = run_audit(snap, now=NOW, only=["role.trust_any_principal"]).extra[
        "resource_control_policies"
    ]
    assert summary["read"] == ["network-perimeter"]
    assert summary["applied"] == []
    assert summary["not_applied"] == [
        "network-perimeter statement 'EnforceNetworkPerimeter': a condition this audit cannot judge"
    ]


def test_an_rcp_at_an_ou_level_counts_like_one_at_the_root() -> None:
    full = ResourceControlPolicy(
        "RCPFullAWSAccess",
        policy_document({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}),
    )
    levels = ((full,), (full, IDENTITY_PERIMETER), (full,))
    assert run_check("role.trust_any_principal", _snap(OPEN, levels=levels)) == []


@pytest.mark.parametrize(
    ("resource_element", "closes"),
    [
        ({"Resource": role_arn("open")}, True),
        ({"Resource": "arn:aws:iam::*:role/op*"}, True),
        ({"Resource": role_arn("other")}, False),
        ({"NotResource": role_arn("open")}, False),
        ({"NotResource": role_arn("other")}, True),
    ],
)
def test_the_rcp_statement_must_cover_the_role(resource_element, closes) -> None:
    statement = {k: v for k, v in ENFORCE_ORG_IDENTITIES.items() if k != "Resource"}
    snap = _snap(OPEN, levels=((_rcp({**statement, **resource_element}),),))
    found = run_check("role.trust_any_principal", snap)
    assert (found == []) is closes


@pytest.mark.parametrize(
    ("action", "closes"),
    [("sts:*", True), ("sts:Assume*", True), ("s3:*", False), ("sts:GetSessionToken", False)],
)
def test_the_rcp_statement_must_cover_sts_assume_role(action, closes) -> None:
    snap = _snap(OPEN, levels=((_rcp({**ENFORCE_ORG_IDENTITIES, "Action": action}),),))
    assert (run_check("role.trust_any_principal", snap) == []) is closes


def test_an_organization_id_with_a_wildcard_narrows_nothing() -> None:
    """IAM User Guide, sensitive condition keys: a wildcard in aws:PrincipalOrgID admits any
    organization; the statement is left out and the trust stays open."""
    condition = {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-*"}}
    snap = _snap(OPEN, levels=((_rcp({**ENFORCE_ORG_IDENTITIES, "Condition": condition}),),))
    assert _arns(run_check("role.trust_any_principal", snap)) == [role_arn("open")]


def test_an_unconditional_deny_refuses_the_role_to_everyone() -> None:
    deny = {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole", "Resource": "*"}
    snap = _snap(OPEN, RECORDER, levels=((_rcp(deny),),))
    assert run_check("role.trust_any_principal", snap) == []
    assert run_check("role.trust_confused_deputy", snap) == []


def test_an_rcp_whose_principal_is_not_star_is_left_out_and_named() -> None:
    odd = {**ENFORCE_ORG_IDENTITIES, "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:root"}}
    reading = read_rcps(((_rcp(odd),),), OPEN)
    assert reading.account.required == ()
    assert reading.not_applied == (
        "identity-perimeter statement 'EnforceOrgIdentities': its Principal is not \"*\"",
    )


def test_an_external_id_the_rcps_require_guards_a_cross_account_trust() -> None:
    partner_role = role("vendor", trust=account_trust(OTHER_ACCOUNT_ID))
    assert run_check("role.trust_cross_account_unguarded", snapshot(roles=[partner_role]))
    require = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "sts:AssumeRole",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"sts:ExternalId": "vendor-7f3a"}},
    }
    snap = _snap(partner_role, levels=((_rcp(require),),))
    assert run_check("role.trust_cross_account_unguarded", snap) == []


# --- role.trust_confused_deputy --------------------------------------------------------------


def test_without_rcps_a_service_trust_without_a_source_is_a_confused_deputy() -> None:
    assert _arns(run_check("role.trust_confused_deputy", snapshot(roles=[RECORDER]))) == [
        role_arn("recorder")
    ]


def test_the_confused_deputy_rcp_guards_service_trusts_organization_wide() -> None:
    assert run_check("role.trust_confused_deputy", _snap(RECORDER)) == []


def test_the_identity_rcp_alone_does_not_guard_services() -> None:
    """EnforceOrgIdentities exempts AWS services (BoolIfExists aws:PrincipalIsAWSService
    false), so it says nothing about the confused deputy."""
    snap = _snap(RECORDER, levels=((_rcp(ENFORCE_ORG_IDENTITIES),),))
    assert _arns(run_check("role.trust_confused_deputy", snap)) == [role_arn("recorder")]


def test_the_confused_deputy_rcp_does_not_close_trusts_to_accounts() -> None:
    """Null aws:SourceAccount false: an account principal's own call carries no source, so
    the statement never applies to it."""
    snap = _snap(OPEN, levels=((_rcp(ENFORCE_CONFUSED_DEPUTY_PROTECTION),),))
    assert _arns(run_check("role.trust_any_principal", snap)) == [role_arn("open")]


def test_a_service_role_tagged_out_of_the_perimeter_stays_reported() -> None:
    exempt = _tagged(RECORDER, **{"dp:exclude:identity": "true"})
    assert _arns(run_check("role.trust_confused_deputy", _snap(exempt))) == [role_arn("recorder")]


# --- role.trust_web_identity_unscoped ----------------------------------------------------------

GITHUB = "token.actions.githubusercontent.com"
GITHUB_ROLE = role(
    "deploy",
    trust=trust_policy(
        {"Federated": f"arn:aws:iam::123456789012:oidc-provider/{GITHUB}"},
        action="sts:AssumeRoleWithWebIdentity",
        condition={"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"}},
    ),
)
# identity_perimeter_rcp.json's EnforceTrustedOIDCTenants, for GitHub.
ENFORCE_TRUSTED_OIDC_TENANTS: dict[str, Any] = {
    "Sid": "EnforceTrustedOIDCTenants",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Resource": "*",
    "Condition": {
        "StringNotEqualsIfExists": {
            f"{GITHUB}:sub": "repo:my-org/*",
            "aws:ResourceTag/dp:exclude:identity": "true",
        },
        "Null": {f"{GITHUB}:sub": "false"},
    },
}


def _open_web(*statements, roles=(GITHUB_ROLE,)):
    levels = ((_rcp(*statements),),) if statements else None
    return _arns(run_check("role.trust_web_identity_unscoped", _snap(*roles, levels=levels)))


def test_without_rcps_a_github_trust_without_sub_is_open_to_every_repository() -> None:
    assert _open_web() == [role_arn("deploy")]


def test_trusting_github_among_the_trusted_providers_pins_no_repository() -> None:
    """EnforceTrustedOIDCProviders refuses tokens of providers it does not list: GitHub's
    are let through, from any repository, so the role stays open."""
    assert _open_web(ENFORCE_TRUSTED_OIDC_PROVIDERS) == [role_arn("deploy")]


def test_a_provider_the_rcps_do_not_trust_reaches_no_role() -> None:
    only_gitlab = {
        **ENFORCE_TRUSTED_OIDC_PROVIDERS,
        "Condition": {"Null": {"gitlab.com:sub": "true"}},
    }
    assert _open_web(only_gitlab) == []


def test_the_tenant_rcp_pins_the_organization_s_repositories() -> None:
    assert _open_web(ENFORCE_TRUSTED_OIDC_TENANTS) == []


def test_a_role_tagged_out_of_the_tenant_rcp_stays_open() -> None:
    exempt = _tagged(GITHUB_ROLE, **{"dp:exclude:identity": "true"})
    assert _open_web(ENFORCE_TRUSTED_OIDC_TENANTS, roles=(exempt,)) == [role_arn("deploy")]


def test_a_tenant_rcp_naming_any_owner_pins_nothing() -> None:
    loose = {
        **ENFORCE_TRUSTED_OIDC_TENANTS,
        "Condition": {"StringNotEqualsIfExists": {f"{GITHUB}:sub": "repo:*"}},
    }
    assert _open_web(loose) == [role_arn("deploy")]


def test_another_provider_s_tenant_rcp_does_not_apply_to_github_tokens() -> None:
    gitlab_tenant = {
        **ENFORCE_TRUSTED_OIDC_TENANTS,
        "Condition": {
            "StringNotEqualsIfExists": {"gitlab.com:sub": "project_path:my-group/*"},
            "Null": {"gitlab.com:sub": "false"},
        },
    }
    assert _open_web(gitlab_tenant) == [role_arn("deploy")]


def test_a_web_identity_rcp_on_the_caller_s_network_is_left_out_and_named() -> None:
    by_network = {
        **ENFORCE_TRUSTED_OIDC_TENANTS,
        "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
    }
    snap = _snap(GITHUB_ROLE, levels=((_rcp(by_network),),))
    report = run_audit(snap, now=NOW, only=["role.trust_web_identity_unscoped"])
    assert _arns(report.findings) == [role_arn("deploy")]
    assert report.extra["resource_control_policies"]["not_applied"] == [
        "identity-perimeter statement 'EnforceTrustedOIDCTenants': a condition this audit"
        " cannot judge"
    ]


# --- what the report says ---------------------------------------------------------------------


def test_the_report_names_the_rcps_applied_and_left_out() -> None:
    report = run_audit(_snap(OPEN, RECORDER), now=NOW, only=["role.trust_any_principal"])
    summary = report.extra["resource_control_policies"]
    assert summary["read"] == ["identity-perimeter"]
    assert summary["applied"] == ["identity-perimeter"]
    assert summary["not_applied"] == []


def test_without_rcps_the_report_says_nothing_about_them() -> None:
    report = run_audit(snapshot(roles=[OPEN]), now=NOW, only=["role.trust_any_principal"])
    assert "resource_control_policies" not in report.extra


def test_a_statement_refusing_only_saml_calls_is_named_as_not_applied() -> None:
    saml = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "sts:AssumeRoleWithSAML",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"saml:aud": "https://signin.aws.amazon.com/saml"}},
    }
    reading = read_rcps(((_rcp({**saml, "Sid": "OnlyOurIdP"}),),), OPEN)
    assert reading.not_applied == (
        "identity-perimeter statement 'OnlyOurIdP': it refuses only the SAML calls, which no"
        " check reads RCPs for",
    )
