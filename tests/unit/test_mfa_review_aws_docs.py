"""MFA enforcement review: AWS's published self-service MFA policies, whole, next to an
administrator grant, judged by user.mfa_not_enforced and the linter as AWS documents them.

Sources (each test names its page):
- IAM User Guide, example policies, "AWS: Allows MFA-authenticated IAM users to manage their own
  credentials on the Security credentials page" (formerly "... on the My Security Credentials
  page"; reference_policies_examples_aws_my-sec-creds-self-manage.html), with its notes on
  iam:ChangePassword / iam:GetAccountPasswordPolicy and iam:CreateLoginProfile;
- "IAM: Allows IAM users to self-manage an MFA device"
  (reference_policies_examples_iam_mfa-selfmanage.html), statement
  BlockMostAccessUnlessSignedInWithMFA;
- "AWS: Allows IAM users to manage their own credentials on the Security credentials page"
  (the same policy without the Deny: no MFA required);
- "AWS global condition context keys", aws:MultiFactorAuthPresent (Bool misses long-term
  access-key calls, where the key is absent; BoolIfExists catches them) and
  aws:MultiFactorAuthAge (absent when MFA was not used).

No disagreement was found here; these tests pin the published policies as a whole (the Deny
next to its Allow statements and AdministratorAccess), which tests/unit/test_aws_docs_mfa.py
checks statement by statement.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bot.iam.catalogue import default_catalogue
from bot.iam.linter import lint_policy
from tests.factories import (
    allow,
    console_user_row,
    inline,
    key,
    managed_policy,
    run_check,
    snapshot,
    user,
    with_rows,
)
from tests.unit.test_aws_doc_examples_iam import SEC_CREDS

ADMIN = managed_policy("AdministratorAccess", allow("*"), aws_managed=True)

# "AWS: Allows MFA-authenticated IAM users to manage their own credentials on the Security
# credentials page", as published (the SSH-key and Git-credential statements kept): the copy
# test_aws_doc_examples_iam.py already holds.
MY_SECURITY_CREDENTIALS: dict[str, Any] = SEC_CREDS
_OWN_USER = "arn:aws:iam::*:user/${aws:username}"


# "IAM: Allows IAM users to self-manage an MFA device", as published.
SELF_MANAGE_MFA_DEVICE: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AllowListActions",
            "Effect": "Allow",
            "Action": ["iam:ListUsers", "iam:ListVirtualMFADevices"],
            "Resource": "*",
        },
        {
            "Sid": "AllowIndividualUserToListOnlyTheirOwnMFA",
            "Effect": "Allow",
            "Action": ["iam:ListMFADevices"],
            "Resource": ["arn:aws:iam::*:mfa/*", _OWN_USER],
        },
        {
            "Sid": "AllowIndividualUserToManageTheirOwnMFA",
            "Effect": "Allow",
            "Action": [
                "iam:CreateVirtualMFADevice",
                "iam:DeleteVirtualMFADevice",
                "iam:EnableMFADevice",
                "iam:ResyncMFADevice",
            ],
            "Resource": ["arn:aws:iam::*:mfa/${aws:username}", _OWN_USER],
        },
        {
            "Sid": "AllowIndividualUserToDeactivateOnlyTheirOwnMFAOnlyWhenUsingMFA",
            "Effect": "Allow",
            "Action": ["iam:DeactivateMFADevice"],
            "Resource": ["arn:aws:iam::*:mfa/${aws:username}", _OWN_USER],
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        },
        {
            "Sid": "BlockMostAccessUnlessSignedInWithMFA",
            "Effect": "Deny",
            "NotAction": [
                "iam:CreateVirtualMFADevice",
                "iam:EnableMFADevice",
                "iam:ListMFADevices",
                "iam:ListUsers",
                "iam:ListVirtualMFADevices",
                "iam:ResyncMFADevice",
            ],
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        },
    ],
}

ROWS = {
    "console, no MFA": console_user_row("alice", mfa=False),
    "console, no MFA, access key": console_user_row("alice", mfa=False, key1=key()),
    "MFA device, access key": console_user_row("alice", key1=key()),
}


def _deny(document: dict[str, Any]) -> dict[str, Any]:
    return document["Statement"][-1]


def _variant(
    document: dict[str, Any],
    *,
    also_not: tuple[str, ...] = (),
    condition: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The published policy with its Deny changed as a note (or an older version) says."""
    changed = copy.deepcopy(document)
    deny = _deny(changed)
    deny["NotAction"] = [*deny["NotAction"], *also_not]
    if condition is not None:
        deny["Condition"] = condition
    return changed


def _not_enforced(guard: dict[str, Any], row: Any) -> dict[str, list[str]]:
    """user.mfa_not_enforced for alice: AdministratorAccess plus ``guard`` inline; the
    requests without MFA it reports, by the reach kept."""
    snap = snapshot(
        users=[
            user(
                "alice",
                groups=[],
                attached_policies=[ADMIN.arn],
                inline_policies=[inline("self-service", guard)],
            )
        ],
        groups=[],
        policies=[ADMIN],
        credential_report=with_rows(row),
    )
    return {
        ",".join(sorted(f.evidence["without_mfa"])): f.evidence["requests_without_mfa"]
        for f in run_check("user.mfa_not_enforced", snap)
    }


def _lint_codes(document: dict[str, Any]) -> list[str]:
    found = lint_policy(document, catalogue=default_catalogue(), policy_type="identity")
    return sorted(f.code for f in found if f.code.startswith("MFA_"))


@pytest.mark.parametrize("row", ROWS.values(), ids=ROWS.keys())
@pytest.mark.parametrize(
    "guard",
    [MY_SECURITY_CREDENTIALS, SELF_MANAGE_MFA_DEVICE],
    ids=["my-sec-creds-self-manage", "mfa-selfmanage"],
)
def test_the_published_policies_enforce_mfa_next_to_administrator_access(
    guard: dict[str, Any], row: Any
) -> None:
    # "AWS: Allows MFA-authenticated IAM users to manage their own credentials on the Security
    # credentials page" / "IAM: Allows IAM users to self-manage an MFA device": "The ...IfExists
    # version of the Bool operator ensures that if the aws:MultiFactorAuthPresent key is
    # missing, the condition returns true ... a user accessing an API with long-term
    # credentials, such as an access key, is denied". No request without MFA keeps admin.
    assert _not_enforced(guard, row) == {}


@pytest.mark.parametrize(
    "guard",
    [MY_SECURITY_CREDENTIALS, SELF_MANAGE_MFA_DEVICE],
    ids=["my-sec-creds-self-manage", "mfa-selfmanage"],
)
def test_the_bool_form_leaves_access_key_calls_open(guard: dict[str, Any]) -> None:
    # "AWS global condition context keys", aws:MultiFactorAuthPresent: Deny with Bool false
    # "does not deny access to requests that are made using long-term credentials" (the key is
    # absent). The published Deny written with Bool: a console user without a key is held (the
    # console session carries false); with an access key, its own calls keep admin, and only
    # them (a session the key obtains without a code carries false and is denied).
    bool_form = _variant(guard, condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}})
    assert _not_enforced(bool_form, ROWS["console, no MFA"]) == {}
    for name in ("console, no MFA, access key", "MFA device, access key"):
        assert _not_enforced(bool_form, ROWS[name]) == {"admin_equivalent": ["long_term_key"]}
    assert "MFA_CONDITION_PATTERN" in _lint_codes(bool_form)
    assert "MFA_CONDITION_PATTERN" not in _lint_codes(guard)


def test_the_note_on_create_login_profile_opens_it_to_requests_without_mfa() -> None:
    # my-sec-creds-self-manage's note: "To also allow a user to change their password from
    # their own user page without signing in using MFA, add the iam:CreateLoginProfile action
    # to the DenyAllExceptListedIfNoMFA statement." Next to AdministratorAccess, which allows it
    # on every user, that hands out console passwords without MFA: not enforced.
    guard = _variant(MY_SECURITY_CREDENTIALS, also_not=("iam:CreateLoginProfile",))
    found = _not_enforced(guard, ROWS["console, no MFA"])
    assert found == {"credential_actions": ["console_session"]}


def test_the_note_on_change_password_removes_the_linter_note() -> None:
    # my-sec-creds-self-manage's note: the policy "does not allow users to reset a password
    # while signing in ... You can allow this by adding iam:ChangePassword and
    # iam:GetAccountPasswordPolicy to the statement DenyAllExceptListedIfNoMFA". The linter's
    # LOW MFA_LOCKOUT note about iam:ChangePassword is then gone; nothing else appears.
    assert _lint_codes(MY_SECURITY_CREDENTIALS) == ["MFA_LOCKOUT"]
    noted = _variant(
        MY_SECURITY_CREDENTIALS,
        also_not=("iam:ChangePassword", "iam:GetAccountPasswordPolicy"),
    )
    assert _lint_codes(noted) == []


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        # "AWS: Allows IAM users to manage their own credentials on the Security credentials
        # page": the same policy without the Deny requires no MFA at all.
        pytest.param(
            None,
            ["console_session", "access_key_session", "long_term_key"],
            id="no-deny",
        ),
        # aws:MultiFactorAuthAge "is not present" without MFA: a Deny on an old age alone
        # never matches a request without MFA.
        pytest.param(
            {"NumericGreaterThan": {"aws:MultiFactorAuthAge": "3600"}},
            ["console_session", "access_key_session", "long_term_key"],
            id="age-only",
        ),
        # Null true matches only requests where the key is absent: long-term access keys.
        pytest.param(
            {"Null": {"aws:MultiFactorAuthPresent": "true"}},
            ["console_session", "access_key_session"],
            id="null-true",
        ),
    ],
)
def test_forms_aws_calls_insufficient_are_not_accepted(
    condition: dict[str, Any] | None, expected: list[str]
) -> None:
    # "AWS global condition context keys" (aws:MultiFactorAuthPresent, aws:MultiFactorAuthAge).
    if condition is None:
        guard = copy.deepcopy(MY_SECURITY_CREDENTIALS)
        guard["Statement"] = guard["Statement"][:-1]
    else:
        guard = _variant(MY_SECURITY_CREDENTIALS, condition=condition)
    found = _not_enforced(guard, ROWS["console, no MFA, access key"])
    assert found == {"admin_equivalent": expected}
