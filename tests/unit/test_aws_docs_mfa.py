"""AWS's own MFA examples, tested against what AWS documents for them.

Three requests matter (IAM User Guide, global condition context keys,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
#condition-keys-multifactorauthpresent and #condition-keys-multifactorauthage):

- a call signed with a long-term access key: neither aws:MultiFactorAuthPresent nor
  aws:MultiFactorAuthAge is in the request context;
- temporary credentials obtained without MFA (a console sign-in without MFA, GetSessionToken
  without a code): aws:MultiFactorAuthPresent is "false", aws:MultiFactorAuthAge absent;
- temporary credentials obtained with MFA: "true", and the age in seconds.

Each test names its page, the policy (as published, placeholders filled in) and the requests,
and asserts AWS's documented outcome: the evaluator's decision, the linter's conclusion and
wording, and user.mfa_not_enforced's judgement.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.catalogue import default_catalogue
from bot.iam.evaluator import Evaluator, PolicySet, Request
from bot.iam.impact import PolicyChange, change_impact
from bot.iam.lint_model import LintFinding
from bot.iam.linter import lint_policy
from bot.iam.policy import parse_policy
from bot.model.severity import Severity
from bot.render.evidence import evidence_lines
from tests.factories import (
    allow,
    console_user_row,
    credential_row,
    inline,
    key,
    managed_policy,
    run_check,
    snapshot,
    user,
    user_arn,
    with_rows,
)

GUIDE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
ALICE = user_arn("alice")
INSTANCE = "arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0"

# The three requests (context as the evaluator takes it; absent keys are left out).
ACCESS_KEY: dict[str, str] = {}
NO_MFA_SESSION = {"aws:MultiFactorAuthPresent": "false"}
MFA_SESSION = {"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "300"}
OLD_MFA_SESSION = {"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "7200"}
REQUESTS = {
    "access_key": ACCESS_KEY,
    "no_mfa_session": NO_MFA_SESSION,
    "mfa_session": MFA_SESSION,
    "old_mfa_session": OLD_MFA_SESSION,
}


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allowed(document: dict[str, Any], action: str, resource: str, context: dict[str, str]) -> bool:
    policies = PolicySet(identity=[parse_policy(document, name="example")])
    request = Request(ALICE, action, resource, None, context)
    return Evaluator(policies).evaluate(request).allowed


def _outcomes(document: dict[str, Any], action: str, resource: str = "*") -> dict[str, bool]:
    return {name: _allowed(document, action, resource, ctx) for name, ctx in REQUESTS.items()}


def _lint(document: dict[str, Any], policy_type: str = "identity") -> list[LintFinding]:
    return lint_policy(document, catalogue=default_catalogue(), policy_type=policy_type)


def _codes(findings: list[LintFinding], code: str) -> list[LintFinding]:
    return [f for f in findings if f.code == code]


# --- 1. reference_policies_condition-keys.html#condition-keys-multifactorauthpresent ----------
# The key's entry walks through Deny/Allow with Bool, BoolIfExists and Null; what each matches:

ALLOW_EC2 = {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}


def _deny_terminate(condition: dict[str, Any]) -> dict[str, Any]:
    return {
        "Effect": "Deny",
        "Action": "ec2:TerminateInstances",
        "Resource": "*",
        "Condition": condition,
    }


def _allow_terminate(condition: dict[str, Any]) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Action": "ec2:TerminateInstances",
        "Resource": "*",
        "Condition": condition,
    }


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        # Deny + Bool false: "denies requests that can be authenticated using MFA, but were
        # not"; "does not deny access to requests that are made using long-term credentials".
        pytest.param(
            _doc(ALLOW_EC2, _deny_terminate({"Bool": {"aws:MultiFactorAuthPresent": "false"}})),
            {
                "access_key": True,
                "no_mfa_session": False,
                "mfa_session": True,
                "old_mfa_session": True,
            },
            id="deny-bool-false",
        ),
        # Deny + BoolIfExists false: denies temporary credentials without MFA "and requests
        # that are made using long-term credentials".
        pytest.param(
            _doc(
                ALLOW_EC2,
                _deny_terminate({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}),
            ),
            {
                "access_key": False,
                "no_mfa_session": False,
                "mfa_session": True,
                "old_mfa_session": True,
            },
            id="deny-boolifexists-false",
        ),
        # Deny + Null true: true only when the key is absent, i.e. long-term credentials.
        pytest.param(
            _doc(ALLOW_EC2, _deny_terminate({"Null": {"aws:MultiFactorAuthPresent": "true"}})),
            {
                "access_key": False,
                "no_mfa_session": True,
                "mfa_session": True,
                "old_mfa_session": True,
            },
            id="deny-null-true",
        ),
        # Allow + Bool true: only requests authenticated with MFA.
        pytest.param(
            _doc(_allow_terminate({"Bool": {"aws:MultiFactorAuthPresent": "true"}})),
            {
                "access_key": False,
                "no_mfa_session": False,
                "mfa_session": True,
                "old_mfa_session": True,
            },
            id="allow-bool-true",
        ),
        # Allow + BoolIfExists true: "requests that are either authenticated using MFA, or that
        # are made using long-term credentials".
        pytest.param(
            _doc(_allow_terminate({"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}})),
            {
                "access_key": True,
                "no_mfa_session": False,
                "mfa_session": True,
                "old_mfa_session": True,
            },
            id="allow-boolifexists-true",
        ),
        # Allow + Null false: every request made with temporary credentials, MFA or not; no
        # long-term credentials.
        pytest.param(
            _doc(_allow_terminate({"Null": {"aws:MultiFactorAuthPresent": "false"}})),
            {
                "access_key": False,
                "no_mfa_session": True,
                "mfa_session": True,
                "old_mfa_session": True,
            },
            id="allow-null-false",
        ),
    ],
)
def test_multifactorauthpresent_forms_decide_as_documented(
    document: dict[str, Any], expected: dict[str, bool]
) -> None:
    """The evaluator on the key entry's forms (URL in section header)."""
    assert _outcomes(document, "ec2:TerminateInstances", INSTANCE) == expected


@pytest.mark.parametrize(
    ("statement", "expected_words"),
    [
        (
            _deny_terminate({"Bool": {"aws:MultiFactorAuthPresent": "false"}}),
            "does not deny requests signed with long-term access keys",
        ),
        (
            _deny_terminate({"Null": {"aws:MultiFactorAuthPresent": "true"}}),
            "denies only requests signed with long-term access keys",
        ),
        (
            _allow_terminate({"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}),
            "also allows requests signed with long-term access keys",
        ),
        (
            _allow_terminate({"Null": {"aws:MultiFactorAuthPresent": "false"}}),
            "allows every request made with temporary credentials, with or without MFA",
        ),
        (
            _allow_terminate({"Bool": {"aws:MultiFactorAuthPresent": "false"}}),
            "matches only temporary credentials obtained without MFA",
        ),
    ],
)
def test_mfa_forms_that_miss_a_request_are_reported_for_what_they_miss(
    statement: dict[str, Any], expected_words: str
) -> None:
    """A Bool-false Deny is reported as not covering access keys (never as enforcing MFA); a
    Null-true Deny as covering only them; Allows that admit a request without MFA say which."""
    (found,) = _codes(_lint(_doc(statement)), "MFA_CONDITION_PATTERN")
    assert expected_words in found.message
    assert found.severity is Severity.MEDIUM


@pytest.mark.parametrize(
    "statement",
    [
        _deny_terminate({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}),
        _allow_terminate({"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
        # The page's JSON boolean form (reference_policies_examples_ec2_require-mfa.html)
        _deny_terminate({"BoolIfExists": {"aws:MultiFactorAuthPresent": False}}),
    ],
)
def test_mfa_forms_that_require_mfa_are_not_reported(statement: dict[str, Any]) -> None:
    assert _codes(_lint(_doc(statement)), "MFA_CONDITION_PATTERN") == []


def test_deny_null_true_is_no_lockout_but_a_gap() -> None:
    """Deny everything on Null aws:MultiFactorAuthPresent true: a user without MFA still signs
    in to the console (the key is present there, false) and can enrol, so it is no MFA_LOCKOUT;
    what it does miss (sessions without MFA) is the MFA_CONDITION_PATTERN finding."""
    statement = {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"Null": {"aws:MultiFactorAuthPresent": "true"}},
    }
    findings = _lint(_doc(statement))
    assert _codes(findings, "MFA_LOCKOUT") == []
    (pattern,) = _codes(findings, "MFA_CONDITION_PATTERN")
    assert pattern.detail["requests_without_mfa_matched"] == ["access_key"]


# --- 2. reference_policies_condition-keys.html#condition-keys-multifactorauthage ---------------
# and id_credentials_mfa_configure-api-require.html ("Secure API access with MFA"): "If MFA was
# not used, this key is not present"; the page's example allows EC2 only within an hour of MFA.

EC2_WITHIN_AN_HOUR = _doc(
    {
        "Effect": "Allow",
        "Action": ["ec2:*"],
        "Resource": ["*"],
        "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
    }
)


def test_mfa_age_allow_grants_only_recent_mfa() -> None:
    """configure-api-require / the older "Sample policies with MFA conditions" Example 1: with
    long-term credentials "the call fails because the MultiFactorAuthAge key is never present";
    an MFA older than 3600 s fails too."""
    assert _outcomes(EC2_WITHIN_AN_HOUR, "ec2:RunInstances") == {
        "access_key": False,
        "no_mfa_session": False,
        "mfa_session": True,
        "old_mfa_session": False,
    }
    assert _codes(_lint(EC2_WITHIN_AN_HOUR), "MFA_CONDITION_PATTERN") == []


def test_mfa_age_allow_if_exists_also_allows_requests_without_mfa() -> None:
    """Same page: "You can either allow long-term credentials by changing the operator to
    NumericLessThanIfExists" -- which also admits sessions without MFA (no age there): the
    linter says so."""
    document = _doc(
        {
            "Effect": "Allow",
            "Action": ["ec2:*"],
            "Resource": ["*"],
            "Condition": {"NumericLessThanIfExists": {"aws:MultiFactorAuthAge": "3600"}},
        }
    )
    assert _outcomes(document, "ec2:RunInstances") == {
        "access_key": True,
        "no_mfa_session": True,
        "mfa_session": True,
        "old_mfa_session": False,
    }
    (found,) = _codes(_lint(document), "MFA_CONDITION_PATTERN")
    assert "also allows requests without MFA" in found.message
    assert found.detail["requests_without_mfa_matched"] == ["access_key", "session_without_mfa"]


def test_cross_account_trust_requires_mfa() -> None:
    """configure-api-require, "MFA protection for cross-account delegation": the role's trust
    policy allows sts:AssumeRole only with "Bool": {"aws:MultiFactorAuthPresent": true}."""
    trust = _doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "111122223333"},
            "Action": "sts:AssumeRole",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": True}},
        }
    )
    findings = _lint(trust, "trust")
    assert _codes(findings, "MFA_CONDITION_PATTERN") == []
    assert _codes(findings, "MFA_LOCKOUT") == []


# --- 3. reference_policies_examples_s3_full-access-except-production.html ---------------------
# Denies the Production bucket "if the user has not signed in using MFA within the last thirty
# minutes": NumericGreaterThanIfExists "returns true if MFA is not present or if the age of the
# MFA is greater than 30 minutes".

PRODUCTION = ["arn:aws:s3:::Production/*", "arn:aws:s3:::Production"]
S3_EXCEPT_PRODUCTION = _doc(
    {
        "Sid": "AllowBucketObjectActions",
        "Effect": "Allow",
        "Action": ["s3:PutObject", "s3:PutObjectAcl", "s3:GetObject", "s3:DeleteObject"],
        "Resource": "arn:aws:s3:::*/*",
    },
    {
        "Sid": "RequireMFAForProductionBucket",
        "Effect": "Deny",
        "Action": "s3:*",
        "Resource": PRODUCTION,
        "Condition": {"NumericGreaterThanIfExists": {"aws:MultiFactorAuthAge": "1800"}},
    },
)


def test_production_bucket_needs_recent_mfa() -> None:
    """ "This policy never allows programmatic access to the Production bucket using long-term
    user access keys"; other buckets stay open."""
    assert _outcomes(S3_EXCEPT_PRODUCTION, "s3:GetObject", "arn:aws:s3:::Production/a") == {
        "access_key": False,
        "no_mfa_session": False,
        "mfa_session": True,
        "old_mfa_session": False,
    }
    assert all(_outcomes(S3_EXCEPT_PRODUCTION, "s3:GetObject", "arn:aws:s3:::dev/a").values())
    findings = _lint(S3_EXCEPT_PRODUCTION)
    assert _codes(findings, "MFA_CONDITION_PATTERN") == []
    assert _codes(findings, "MFA_LOCKOUT") == []


# AmazonS3/latest/userguide/example-bucket-policies.html, "Requiring MFA": Deny s3:* on
# taxdocuments/* when aws:MultiFactorAuthAge is null ("If the temporary credential provided in
# the request was not created using an MFA device, this key value is null (absent)"), and in the
# second version also when it is older than an hour, in a separate statement.
TAXDOCS = "arn:aws:s3:::amzn-s3-demo-bucket/taxdocuments/*"
S3_REQUIRE_MFA = _doc(
    {
        "Sid": "",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": TAXDOCS,
        "Condition": {"Null": {"aws:MultiFactorAuthAge": True}},
    },
    {
        "Sid": "",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": TAXDOCS,
        "Condition": {"NumericGreaterThan": {"aws:MultiFactorAuthAge": 3600}},
    },
    {
        "Sid": "",
        "Effect": "Allow",
        "Principal": "*",
        "Action": ["s3:GetObject"],
        "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
    },
)


def test_s3_require_mfa_bucket_policy() -> None:
    """Requests without MFA (no age) and with an MFA older than an hour are denied; the second
    Deny alone would miss requests without MFA, but the first covers them, so neither statement
    is reported (the rule does not flag an old-MFA Deny on its own)."""
    statements = S3_REQUIRE_MFA["Statement"]
    identity_view = _doc(*({k: v for k, v in st.items() if k != "Principal"} for st in statements))
    assert _outcomes(
        identity_view, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/taxdocuments/a"
    ) == {
        "access_key": False,
        "no_mfa_session": False,
        "mfa_session": True,
        "old_mfa_session": False,
    }
    findings = _lint(S3_REQUIRE_MFA, "resource")
    assert _codes(findings, "MFA_CONDITION_PATTERN") == []
    assert _codes(findings, "MFA_LOCKOUT") == []


def test_bool_false_and_stale_age_together_never_deny_without_mfa() -> None:
    """Bool aws:MultiFactorAuthPresent false AND NumericGreaterThan aws:MultiFactorAuthAge: the
    age is present only when MFA was used, and then the key is true, so no request matches
    both; the statement denies nothing, and is no lock-out either."""
    document = _doc(
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {
                "NumericGreaterThan": {"aws:MultiFactorAuthAge": "21600"},
                "Bool": {"aws:MultiFactorAuthPresent": "false"},
            },
        },
    )
    assert all(_outcomes(document, "ec2:RunInstances").values())
    findings = _lint(document)
    assert _codes(findings, "MFA_LOCKOUT") == []
    (found,) = _codes(findings, "MFA_CONDITION_PATTERN")
    assert "never denies a request without MFA" in found.message


# --- 4. reference_policies_examples_ec2_require-mfa.html --------------------------------------
# "Amazon EC2: Requires MFA (GetSessionToken) for specific EC2 operations"; its note: the Deny
# "should not be a {"Bool":{"aws:MultiFactorAuthPresent":false}} because that key is not
# present ... when MFA is not used. So instead, use the BoolIfExists check".

EC2_REQUIRE_MFA = _doc(
    {"Sid": "AllowAllActionsForEC2", "Effect": "Allow", "Action": "ec2:*", "Resource": "*"},
    {
        "Sid": "DenyStopAndTerminateWhenMFAIsNotPresent",
        "Effect": "Deny",
        "Action": ["ec2:StopInstances", "ec2:TerminateInstances"],
        "Resource": "*",
        "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": False}},
    },
)


def test_ec2_require_mfa_example() -> None:
    assert _outcomes(EC2_REQUIRE_MFA, "ec2:StopInstances", INSTANCE) == {
        "access_key": False,
        "no_mfa_session": False,
        "mfa_session": True,
        "old_mfa_session": True,
    }
    assert all(_outcomes(EC2_REQUIRE_MFA, "ec2:DescribeInstances").values())
    findings = _lint(EC2_REQUIRE_MFA)
    assert _codes(findings, "MFA_CONDITION_PATTERN") == []
    assert _codes(findings, "MFA_LOCKOUT") == []


# --- 5. reference_policies_examples_aws_my-sec-creds-self-manage.html (and -mfa-only) --------
# DenyAllExceptListedIfNoMFA: Deny NotAction [the enrolment actions, sts:GetSessionToken] with
# BoolIfExists false. "If an IAM user with this policy is not MFA-authenticated, this policy
# denies access to all AWS actions except those necessary to authenticate using MFA."

SELF_MANAGE_NOT_ACTION = [
    "iam:CreateVirtualMFADevice",
    "iam:EnableMFADevice",
    "iam:GetUser",
    "iam:GetMFADevice",
    "iam:ListMFADevices",
    "iam:ListVirtualMFADevices",
    "iam:ResyncMFADevice",
    "sts:GetSessionToken",
]
DENY_ALL_EXCEPT_LISTED_IF_NO_MFA = {
    "Sid": "DenyAllExceptListedIfNoMFA",
    "Effect": "Deny",
    "NotAction": SELF_MANAGE_NOT_ACTION,
    "Resource": "*",
    "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
}
OWN_USER = "arn:aws:iam::123456789012:user/alice"


@pytest.mark.parametrize(
    ("action", "resource", "expected"),
    [
        # Everything outside NotAction: denied without MFA, by key or by session.
        (
            "s3:ListAllMyBuckets",
            "*",
            {
                "access_key": False,
                "no_mfa_session": False,
                "mfa_session": True,
                "old_mfa_session": True,
            },
        ),
        # Enrolment stays open without MFA.
        ("iam:EnableMFADevice", OWN_USER, dict.fromkeys(REQUESTS, True)),
        ("iam:CreateVirtualMFADevice", "arn:aws:iam::123456789012:mfa/alice", None),
    ],
)
def test_self_manage_deny_statement(
    action: str, resource: str, expected: dict[str, bool] | None
) -> None:
    """The Deny next to an administrator Allow: only MFA enrolment passes without MFA."""
    document = _doc(
        {"Effect": "Allow", "Action": "*", "Resource": "*"}, DENY_ALL_EXCEPT_LISTED_IF_NO_MFA
    )
    outcomes = _outcomes(document, action, resource)
    assert outcomes == (expected or dict.fromkeys(REQUESTS, True))


def test_self_manage_deny_lints_only_the_documented_password_note() -> None:
    """The page itself notes the policy does not let users reset a password while signing in:
    the only lint is the LOW MFA_LOCKOUT note on iam:ChangePassword; no MFA pattern finding."""
    findings = _lint(_doc(DENY_ALL_EXCEPT_LISTED_IF_NO_MFA))
    assert _codes(findings, "MFA_CONDITION_PATTERN") == []
    (lockout,) = _codes(findings, "MFA_LOCKOUT")
    assert lockout.severity is Severity.LOW
    assert lockout.detail["blocked_actions"] == ["iam:ChangePassword"]


def test_self_manage_deny_with_bool_is_reported_as_missing_access_keys() -> None:
    """The same statement written with Bool (the form the AWS knowledge-center article on MFA
    with the AWS CLI shows failing for access keys): the linter must not read it as enforcing
    MFA everywhere; it says access-key calls are not denied."""
    statement = {
        **DENY_ALL_EXCEPT_LISTED_IF_NO_MFA,
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
    }
    (found,) = _codes(_lint(_doc(statement)), "MFA_CONDITION_PATTERN")
    assert "long-term access keys" in found.message
    assert found.detail["requests_without_mfa_matched"] == ["session_without_mfa"]


# --- 6. user.mfa_not_enforced on these examples ---------------------------------------------

ADMIN = managed_policy("AdministratorAccess", allow("*"), aws_managed=True)


def _admin_with(guard: dict[str, Any], row: Any) -> Any:
    return snapshot(
        users=[
            user(
                "alice",
                groups=[],
                attached_policies=[ADMIN.arn],
                inline_policies=[inline("mfa", _doc(guard))],
            )
        ],
        groups=[],
        policies=[ADMIN],
        credential_report=with_rows(row),
    )


BOOL_FALSE_GUARD = {
    **DENY_ALL_EXCEPT_LISTED_IF_NO_MFA,
    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
}
NULL_TRUE_GUARD = {
    **DENY_ALL_EXCEPT_LISTED_IF_NO_MFA,
    "Condition": {"Null": {"aws:MultiFactorAuthPresent": "true"}},
}


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        # Console only, no device: the console session without MFA is denied.
        (console_user_row("alice", mfa=False), None),
        # With an active key: its calls carry no MFA key, so Bool false does not stop them.
        (console_user_row("alice", mfa=False, key1=key()), ["long_term_key"]),
        # A device (console always with MFA) and a key: the key's calls are the way in.
        (console_user_row("alice", key1=key()), ["long_term_key"]),
    ],
)
def test_bool_false_guard_is_not_mfa_enforcement_for_access_keys(
    row: Any, expected: list[str] | None
) -> None:
    """AWS's self-manage Deny with Bool instead of BoolIfExists, next to AdministratorAccess."""
    findings = run_check("user.mfa_not_enforced", _admin_with(BOOL_FALSE_GUARD, row))
    if expected is None:
        assert findings == []
        return
    (found,) = findings
    assert found.evidence["requests_without_mfa"] == expected
    assert found.evidence["without_mfa"] == {"admin_equivalent": True}
    assert "access key" in found.detail
    assert "signs in to the console" not in found.detail


@pytest.mark.parametrize(
    "row",
    [
        console_user_row("alice", mfa=False),
        console_user_row("alice", mfa=False, key1=key()),
        console_user_row("alice", key1=key()),
    ],
)
def test_boolifexists_guard_enforces_mfa_for_every_request(row: Any) -> None:
    """AWS's self-manage Deny as published (BoolIfExists): no request without MFA keeps admin."""
    assert (
        run_check("user.mfa_not_enforced", _admin_with(DENY_ALL_EXCEPT_LISTED_IF_NO_MFA, row)) == []
    )


def test_null_true_guard_leaves_console_sessions_without_mfa_open() -> None:
    """Null aws:MultiFactorAuthPresent true denies key-signed calls only: a console user
    without MFA (key present, false) keeps admin; a user with a device and a key keeps it
    through sessions the key obtains without an MFA code (GetSessionToken needs no permission:
    "Permissions for GetSessionToken")."""
    console = run_check(
        "user.mfa_not_enforced", _admin_with(NULL_TRUE_GUARD, console_user_row("alice", mfa=False))
    )
    assert [f.evidence["requests_without_mfa"] for f in console] == [["console_session"]]
    assert "signs in to the console" in console[0].detail
    keyed = run_check(
        "user.mfa_not_enforced", _admin_with(NULL_TRUE_GUARD, console_user_row("alice", key1=key()))
    )
    assert [f.evidence["requests_without_mfa"] for f in keyed] == [["access_key_session"]]
    assert "GetSessionToken" in keyed[0].detail


def test_requests_without_mfa_are_said_in_words() -> None:
    """The evidence line names the requests, not the kinds' identifiers."""
    evidence = {"requests_without_mfa": ["console_session", "access_key_session", "long_term_key"]}
    (line,) = evidence_lines("user.mfa_not_enforced", evidence)
    assert line == (
        "Reachable without MFA through a console sign-in, sessions the access key obtains"
        " without an MFA code and calls signed with the access key or signing certificate."
    )


@pytest.mark.parametrize(
    ("condition", "row", "expected"),
    [
        # Allow + BoolIfExists true: "either authenticated using MFA, or ... made using
        # long-term credentials": the key's own calls keep the grant, its sessions do not.
        (
            {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}},
            console_user_row("alice", key1=key()),
            ["long_term_key"],
        ),
        (
            {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}},
            console_user_row("alice", mfa=False),
            None,
        ),
        # Allow + NumericLessThanIfExists age (the "allow long-term credentials" variant): no
        # request without MFA carries the age, so every one keeps the grant.
        (
            {"NumericLessThanIfExists": {"aws:MultiFactorAuthAge": "3600"}},
            console_user_row("alice", mfa=False, key1=key()),
            ["console_session", "access_key_session", "long_term_key"],
        ),
        # Allow + Null false: any temporary credentials, so sessions without MFA, not the key.
        (
            {"Null": {"aws:MultiFactorAuthPresent": "false"}},
            console_user_row("alice", key1=key()),
            ["access_key_session"],
        ),
    ],
)
def test_mfa_conditioned_admin_grant(
    condition: dict[str, Any], row: Any, expected: list[str] | None
) -> None:
    """An administrator grant (Allow iam:*) under each documented MFA form: the check reports
    exactly the requests without MFA that the form lets through."""
    grant = {"Effect": "Allow", "Action": "iam:*", "Resource": "*", "Condition": condition}
    snap = snapshot(
        users=[user("alice", groups=[], inline_policies=[inline("g", _doc(grant))])],
        groups=[],
        credential_report=with_rows(row),
    )
    findings = run_check("user.mfa_not_enforced", snap)
    assert [f.evidence["requests_without_mfa"] for f in findings] == (
        [expected] if expected else []
    )


def test_mfa_age_allow_is_mfa_enforced() -> None:
    """configure-api-require's NumericLessThan aws:MultiFactorAuthAge Allow as the only grant
    (iam:* instead of ec2:*): no request without MFA has the age, so nothing sensitive is left,
    with or without an access key."""
    grant = {
        "Effect": "Allow",
        "Action": "iam:*",
        "Resource": "*",
        "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
    }
    for row in (console_user_row("alice", mfa=False), console_user_row("alice", key1=key())):
        snap = snapshot(
            users=[user("alice", groups=[], inline_policies=[inline("g", _doc(grant))])],
            groups=[],
            credential_report=with_rows(row),
        )
        assert run_check("user.mfa_not_enforced", snap) == []


# --- 7. the approvals preview's lock-out risk (bot/iam/impact.py) -----------------------------
# A user without MFA enrols with a request that carries no MFA: from the console (temporary
# credentials, aws:MultiFactorAuthPresent false) or, with an access key, directly (no key). A
# GetSessionToken session without a code is no way in: it "cannot call any IAM API operations
# unless MFA authentication information is included" (AWS STS API Reference, GetSessionToken).
# impact._lockout_risks asks with each request the user can make; blocked = none can enrol.

_SELF_SERVICE = _doc(
    {
        "Effect": "Allow",
        "Action": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices"],
        "Resource": "*",
    }
)


def _lockout_codes(deny_condition: dict[str, Any], row: Any = None) -> list[str]:
    """The lock-out risks of adding Deny * under `deny_condition` for a user without MFA (a
    console user without keys unless `row` says otherwise)."""
    snap = snapshot(
        users=[user("dev", inline_policies=[inline("self-service", _SELF_SERVICE)])],
        credential_report=with_rows(row or console_user_row("dev", mfa=False)),
    )
    deny = _doc({"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": deny_condition})
    change = PolicyChange("put_inline", policy_name="require-mfa", document=deny)
    return [r.code for r in change_impact(snap, user_arn("dev"), change).lockout_risks]


def test_impact_bool_false_deny_locks_out_a_console_user_without_mfa() -> None:
    assert _lockout_codes({"Bool": {"aws:MultiFactorAuthPresent": "false"}}) == [
        "mfa_enrolment_blocked"
    ]


def test_impact_null_true_deny_is_no_lockout() -> None:
    assert _lockout_codes({"Null": {"aws:MultiFactorAuthPresent": "true"}}) == []


def test_impact_bool_false_deny_leaves_a_user_with_an_access_key_its_key() -> None:
    """The key's calls carry no aws:MultiFactorAuthPresent, so Bool false does not deny them:
    the user can still enrol with the CLI."""
    row = console_user_row("dev", mfa=False, key1=key())
    assert _lockout_codes({"Bool": {"aws:MultiFactorAuthPresent": "false"}}, row) == []


def test_impact_null_true_deny_locks_out_a_user_with_only_an_access_key() -> None:
    """No console password: the key's calls (no MFA key at all) are its only way to enrol."""
    row = credential_row("dev", password=False, mfa=False, key1=key())
    assert _lockout_codes({"Null": {"aws:MultiFactorAuthPresent": "true"}}, row) == [
        "mfa_enrolment_blocked"
    ]


def test_impact_judges_a_user_without_credentials_by_the_console_session() -> None:
    """No password and no key today: the user will sign in with a password given later."""
    row = credential_row("dev", password=False, mfa=False)
    assert _lockout_codes({"Bool": {"aws:MultiFactorAuthPresent": "false"}}, row) == [
        "mfa_enrolment_blocked"
    ]
    assert _lockout_codes({"Null": {"aws:MultiFactorAuthPresent": "true"}}, row) == []


def test_impact_boolifexists_deny_locks_out_a_console_user_without_mfa() -> None:
    """The control: BoolIfExists false denies both requests; the preview says so today."""
    assert _lockout_codes({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}) == [
        "mfa_enrolment_blocked"
    ]


# --- 8. simulate's explanation (bot/iam/evaluator.py, not owned here) -------------------------


def test_simulate_says_the_mfa_key_is_absent_for_an_access_key_call() -> None:
    """ec2_require-mfa's note: with Bool the Deny does not apply to long-term credentials
    "because that key is not present". simulate's 'Other statements' line should say that."""
    document = _doc(ALLOW_EC2, _deny_terminate({"Bool": {"aws:MultiFactorAuthPresent": "false"}}))
    policies = PolicySet(identity=[parse_policy(document, name="example")])
    request = Request(ALICE, "ec2:TerminateInstances", INSTANCE, None, {})
    (deny,) = [t for t in Evaluator(policies).explain(request) if t.effect == "Deny"]
    assert not deny.applies
    assert "not in the request" in deny.why
