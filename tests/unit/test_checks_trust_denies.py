"""Issue 18 item 5: role trust policies read as a whole, not Allow statement by statement.

Found while searching the checks for the issue's three mistakes: the trust checks ignored the
trust policy's own Deny statements and never looked at the Action of the statement they judged.
"""

from __future__ import annotations

import pytest

from tests.factories import (
    OTHER_ACCOUNT_ID,
    account_arn,
    policy_document,
    role,
    run_check,
    snapshot,
    statement,
)

ORG_ID = "o-a1b2c3d4e5"


def _trust(*statements):
    return role("r", trust=policy_document(*statements))


def _check(check_id, trust_role):
    return run_check(check_id, snapshot(roles=[trust_role]))


def _allow(principal, action="sts:AssumeRole", **kwargs):
    return statement(principal=principal, action=action, resource=None, **kwargs)


def _deny(principal, action="sts:AssumeRole", **kwargs):
    return statement(effect="Deny", principal=principal, action=action, resource=None, **kwargs)


def test_allow_everyone_with_unconditional_deny_of_everyone_lets_nobody_in() -> None:
    """IAM User Guide, "The difference between explicit and implicit denies": the Deny trumps
    the Allow, so `*` allowed and `*` denied sts:AssumeRole means nobody can assume the role."""
    trust = _trust(_allow({"AWS": "*"}), _deny({"AWS": "*"}))
    assert _check("role.trust_any_principal", trust) == []


def test_deny_outside_the_organization_restricts_allow_everyone() -> None:
    """IAM User Guide, "AWS global condition context keys" (aws:PrincipalOrgID): a Deny with
    StringNotEquals aws:PrincipalOrgID refuses every caller outside the organization, which
    restricts an Allow of `*` as much as a StringEquals on the Allow would."""
    trust = _trust(
        _allow({"AWS": "*"}),
        _deny({"AWS": "*"}, condition={"StringNotEquals": {"aws:PrincipalOrgID": ORG_ID}}),
    )
    assert _check("role.trust_any_principal", trust) == []


@pytest.mark.parametrize(
    "condition",
    [
        # Denies only plain-HTTP callers: anyone else still gets in.
        {"Bool": {"aws:SecureTransport": "false"}},
        # Mixed with another test, the Deny may not apply: not read as a restriction.
        {
            "StringNotEquals": {"aws:PrincipalOrgID": ORG_ID},
            "Bool": {"aws:SecureTransport": "false"},
        },
        # A wildcard value restricts nothing.
        {"StringNotLike": {"aws:PrincipalOrgID": "*"}},
    ],
)
def test_denies_that_do_not_restrict_leave_the_finding(condition) -> None:
    trust = _trust(_allow({"AWS": "*"}), _deny({"AWS": "*"}, condition=condition))
    assert len(_check("role.trust_any_principal", trust)) == 1


def test_deny_without_external_id_guards_a_cross_account_trust() -> None:
    """IAM User Guide, "Access to AWS accounts owned by third parties" (sts:ExternalId): a Deny
    of callers whose sts:ExternalId differs means the partner must present the id."""
    trust = _trust(
        _allow({"AWS": account_arn(OTHER_ACCOUNT_ID)}),
        _deny({"AWS": "*"}, condition={"StringNotEquals": {"sts:ExternalId": "partner-42"}}),
    )
    assert _check("role.trust_cross_account_unguarded", trust) == []


@pytest.mark.parametrize(
    ("condition", "guards"),
    [
        ({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}, True),
        ({"Null": {"aws:MultiFactorAuthAge": "true"}}, True),
        # Absent (no MFA) or older than an hour: denies every caller without MFA too.
        ({"NumericGreaterThanIfExists": {"aws:MultiFactorAuthAge": "3600"}}, True),
        # The key is absent from an access key's calls, not false: they get in.
        ({"Bool": {"aws:MultiFactorAuthPresent": "false"}}, False),
        # Denies only the key's calls: a session without MFA gets in.
        ({"Null": {"aws:MultiFactorAuthPresent": "true"}}, False),
    ],
)
def test_deny_without_mfa_guards_a_cross_account_trust(condition, guards: bool) -> None:
    """IAM User Guide, "AWS global condition context keys" (aws:MultiFactorAuthPresent,
    aws:MultiFactorAuthAge): a Deny that holds for both requests made without MFA (an access
    key's call, a session obtained without MFA) refuses callers without MFA."""
    trust = _trust(
        _allow({"AWS": account_arn(OTHER_ACCOUNT_ID)}), _deny({"AWS": "*"}, condition=condition)
    )
    assert (_check("role.trust_cross_account_unguarded", trust) == []) is guards


def test_deny_of_the_trusted_account_cancels_its_trust() -> None:
    trust = _trust(
        _allow({"AWS": account_arn(OTHER_ACCOUNT_ID)}),
        _deny({"AWS": account_arn(OTHER_ACCOUNT_ID)}),
    )
    assert _check("role.trust_cross_account_unguarded", trust) == []


def test_deny_other_source_accounts_guards_a_service_trust() -> None:
    """IAM User Guide, "The confused deputy problem": aws:SourceAccount limits which account's
    resources may make the service use the role; a Deny with StringNotEquals does so too."""
    trust = _trust(
        _allow({"Service": "config.amazonaws.com"}),
        _deny({"AWS": "*"}, condition={"StringNotEquals": {"aws:SourceAccount": "123456789012"}}),
    )
    assert _check("role.trust_confused_deputy", trust) == []


@pytest.mark.parametrize("action", ["sts:AssumeRole", "STS:assumerole", "sts:Assume*", "sts:*"])
def test_trust_statement_counts_when_its_action_covers_assume_role(action) -> None:
    """IAM User Guide, "IAM JSON policy elements: Action": case-insensitive, wildcards allowed."""
    assert len(_check("role.trust_any_principal", _trust(_allow("*", action=action)))) == 1


def test_trust_statement_without_assume_role_lets_nobody_assume() -> None:
    """A statement granting only sts:TagSession does not let the principal assume the role
    (IAM User Guide, "Passing session tags in AWS STS": TagSession accompanies AssumeRole)."""
    assert _check("role.trust_any_principal", _trust(_allow("*", action="sts:TagSession"))) == []


def test_deny_of_another_action_leaves_the_trust_open() -> None:
    trust = _trust(_allow({"AWS": "*"}), _deny({"AWS": "*"}, action="sts:TagSession"))
    assert len(_check("role.trust_any_principal", trust)) == 1


def test_web_identity_trust_of_everyone_is_still_reported() -> None:
    """IAM User Guide, "Create a role for OpenID Connect federation": the trust policy's
    action is sts:AssumeRoleWithWebIdentity; Principal `*` with it and no condition is open."""
    trust = _trust(_allow("*", action="sts:AssumeRoleWithWebIdentity"))
    assert len(_check("role.trust_any_principal", trust)) == 1


def test_deny_of_assume_role_only_does_not_close_a_web_identity_trust() -> None:
    trust = _trust(
        _allow("*", action=["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity"]),
        _deny({"AWS": "*"}, action="sts:AssumeRole"),
    )
    assert len(_check("role.trust_any_principal", trust)) == 1
