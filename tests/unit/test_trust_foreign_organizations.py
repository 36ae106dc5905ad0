"""A trust of `*` narrowed by aws:PrincipalOrgID to another organization lets every account of
that organization in: role.trust_cross_account_unguarded reports it like a foreign account,
once the account's own organization is known (IAM User Guide, aws:PrincipalOrgID and
aws:PrincipalOrgPaths: "the identifier of the organization in AWS Organizations to which the
requesting principal belongs")."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.factories import (
    OTHER_ACCOUNT_ID,
    READ_ONLY_ACCESS,
    role,
    role_arn,
    run_check,
    snapshot,
    trust_policy,
)

CHECK = "role.trust_cross_account_unguarded"
OWN = "o-own0000001"
PARTNER = "o-partner0001"


def _role(condition):
    return role("shared", trust=trust_policy("*", condition=condition))


def _findings(condition, *, own=OWN):
    snap = replace(snapshot(roles=[_role(condition)]), organization_id=own)
    return run_check(CHECK, snap)


def test_a_trust_of_another_organization_is_reported_naming_it() -> None:
    (finding,) = _findings({"StringEquals": {"aws:PrincipalOrgID": PARTNER}})
    assert finding.resource_arn == role_arn("shared")
    assert finding.evidence["organizations"] == [PARTNER]
    assert finding.evidence["accounts"] == []
    assert finding.detail == (
        f"role shared trusts every account of organization {PARTNER} (not this account's) with"
        " neither an external id nor an MFA condition"
    )


def test_a_trust_of_the_account_s_own_organization_is_not() -> None:
    assert _findings({"StringEquals": {"aws:PrincipalOrgID": OWN}}) == []


def test_only_the_other_organizations_of_a_list_are_named() -> None:
    (finding,) = _findings({"StringEquals": {"aws:PrincipalOrgID": [OWN, PARTNER]}})
    assert finding.evidence["organizations"] == [PARTNER]


def test_an_organization_path_names_its_organization() -> None:
    path = f"{PARTNER}/r-ab12/ou-ab12-11111111/*"
    (finding,) = _findings({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": path}})
    assert finding.evidence["organizations"] == [PARTNER]


def test_an_account_outside_every_organization_sees_any_named_one_as_foreign() -> None:
    (finding,) = _findings({"StringEquals": {"aws:PrincipalOrgID": OWN}}, own="")
    assert finding.evidence["organizations"] == [OWN]


def test_with_its_own_organization_unknown_nothing_is_claimed() -> None:
    assert _findings({"StringEquals": {"aws:PrincipalOrgID": PARTNER}}, own=None) == []


@pytest.mark.parametrize(
    "guard",
    [
        {"StringEquals": {"aws:PrincipalOrgID": PARTNER, "sts:ExternalId": "x-7f3a"}},
        {
            "StringEquals": {"aws:PrincipalOrgID": PARTNER},
            "Bool": {"aws:MultiFactorAuthPresent": "true"},
        },
    ],
)
def test_an_external_id_or_mfa_guards_it(guard) -> None:
    assert _findings(guard) == []


def test_an_organization_with_an_account_narrowing_is_that_account() -> None:
    (finding,) = _findings(
        {"StringEquals": {"aws:PrincipalOrgID": PARTNER, "aws:PrincipalAccount": OTHER_ACCOUNT_ID}}
    )
    assert finding.evidence["accounts"] == [OTHER_ACCOUNT_ID]
    assert "organizations" not in finding.evidence


def test_a_wildcard_organization_is_anyone_not_a_foreign_organization() -> None:
    """o-* admits every organization: role.trust_any_principal's case, not this one's."""
    assert _findings({"StringLike": {"aws:PrincipalOrgID": "o-*"}}) == []
    snap = replace(
        snapshot(roles=[_role({"StringLike": {"aws:PrincipalOrgID": "o-*"}})]),
        organization_id=OWN,
    )
    assert [f.resource_arn for f in run_check("role.trust_any_principal", snap)] == [
        role_arn("shared")
    ]


# --- role.cross_account_readonly ----------------------------------------------------------------


def _readonly(condition, *, own=OWN):
    shared = role(
        "reader",
        trust=trust_policy("*", condition=condition),
        attached_policies=[READ_ONLY_ACCESS],
    )
    snap = replace(snapshot(roles=[shared]), organization_id=own)
    return run_check("role.cross_account_readonly", snap)


def test_readonly_trusted_by_the_own_organization_names_it_not_any_account() -> None:
    """A `*` trust kept to an organization is not "any account (*)": every account of that
    organization reads through the role, which the finding says."""
    (finding,) = _readonly({"StringEquals": {"aws:PrincipalOrgID": OWN}})
    assert finding.detail == (
        f"role reader has ReadOnlyAccess and is trusted by every account of organization {OWN}"
        " (its own)"
    )
    assert finding.evidence["trusted_accounts"] == []
    assert finding.evidence["trusted_organizations"] == [OWN]


def test_readonly_trusted_by_another_organization_names_it() -> None:
    (finding,) = _readonly({"StringEquals": {"aws:PrincipalOrgID": PARTNER}})
    assert finding.evidence["trusted_organizations"] == [PARTNER]
    assert "(its own)" not in finding.detail


def test_readonly_trusted_by_anyone_is_still_any_account() -> None:
    (finding,) = _readonly(None)
    assert finding.detail == "role reader has ReadOnlyAccess and is trusted by any account (*)"
    assert finding.evidence["trusted_accounts"] == ["*"]


def test_a_trust_of_one_organization_under_an_rcp_of_another_admits_nobody() -> None:
    """The callers must be in the partner organization (the trust) and in the account's own
    (the RCP): nobody is both, so nothing reads through the role."""
    from bot.model.snapshot import ResourceControlPolicy
    from tests.factories import policy_document

    org_only = ResourceControlPolicy(
        "org-only",
        policy_document(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sts:AssumeRole",
                "Resource": "*",
                "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": OWN}},
            }
        ),
    )
    shared = role(
        "reader",
        trust=trust_policy("*", condition={"StringEquals": {"aws:PrincipalOrgID": PARTNER}}),
        attached_policies=[READ_ONLY_ACCESS],
    )
    for own in (OWN, None):
        snap = replace(
            snapshot(roles=[shared]),
            organization_id=own,
            resource_control_policies=((org_only,),),
        )
        assert run_check("role.cross_account_readonly", snap) == []
        assert run_check(CHECK, snap) == []


# --- the account's principals as callers ---------------------------------------------------------


@pytest.mark.parametrize(
    ("own", "escalates"),
    [(None, True), (OWN, True), (PARTNER, False), ("", False)],
)
def test_an_organization_kept_trust_lets_the_account_s_principals_in_only_if_it_is_theirs(
    own, escalates
) -> None:
    """aws:PrincipalOrgID of the account's own principals is its organization (absent outside
    any): an administrator role kept to o-own is theirs to assume (sts-001) in o-own, and in
    no other account; unknown, the condition is not judged (as before)."""
    from tests.factories import allow, inline, user

    admin = role(
        "admin",
        trust=trust_policy("*", condition={"StringEquals": {"aws:PrincipalOrgID": OWN}}),
        inline_policies=[inline("all", allow("*"))],
    )
    dev = user("dev", inline_policies=[inline("assume", allow("sts:AssumeRole"))])
    snap = replace(snapshot(users=[dev], roles=[admin]), organization_id=own)
    found = run_check("principal.privilege_escalation", snap)
    assert bool([f for f in found if f.resource_arn.endswith(":user/dev")]) is escalates
