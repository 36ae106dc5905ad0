"""The Principal and NotPrincipal elements against the IAM User Guide's own examples.

Pages:
- https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
- https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html

Account 123456789012 is the page's example account (the trusted one here); the resources belong
to 111122223333 unless a test says otherwise. Each test states the request and AWS's outcome.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.evaluator import Decision, Evaluator, PolicySet, Request
from bot.iam.policy import Policy, parse_policy

PRINCIPAL_PAGE = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html"
)
NOT_PRINCIPAL_PAGE = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html"
)

OWNER = "111122223333"  # owns the bucket and the roles the trust policies sit on
TRUSTED = "123456789012"  # the page's example account
BUCKET_OBJECT = "arn:aws:s3:::amzn-s3-demo-bucket/report.csv"
TARGET_ROLE = f"arn:aws:iam::{OWNER}:role/target"

OWNER_USER = f"arn:aws:iam::{OWNER}:user/Bob"
OWNER_ROLE = f"arn:aws:iam::{OWNER}:role/app"
OWNER_SESSION = f"arn:aws:sts::{OWNER}:assumed-role/app/session-1"
TRUSTED_ROOT = f"arn:aws:iam::{TRUSTED}:root"
TRUSTED_USER = f"arn:aws:iam::{TRUSTED}:user/user-name-1"
TRUSTED_ROLE = f"arn:aws:iam::{TRUSTED}:role/role-name"
TRUSTED_SESSION = f"arn:aws:sts::{TRUSTED}:assumed-role/role-name/role-session-name"


def policy(*statements: dict[str, Any], name: str = "p") -> Policy:
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, name=name)


def bucket_policy(principal: Any, *, effect: str = "Allow", key: str = "Principal") -> Policy:
    return policy(
        {"Effect": effect, key: principal, "Action": "s3:GetObject", "Resource": BUCKET_OBJECT},
        name="bucket",
    )


def trust_policy(principal: Any, action: str = "sts:AssumeRole") -> Policy:
    return policy({"Effect": "Allow", "Principal": principal, "Action": action}, name="trust")


IDENTITY_GET = policy(
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}, name="identity"
)
IDENTITY_ASSUME = policy(
    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": TARGET_ROLE}, name="identity"
)


def get_object(policies: PolicySet, caller: str) -> Decision:
    """s3:GetObject on the example object, which belongs to account 111122223333."""
    request = Request(caller, "s3:GetObject", BUCKET_OBJECT, resource_account=OWNER)
    return Evaluator(policies).evaluate(request)


def assume(policies: PolicySet, caller: str, action: str = "sts:AssumeRole") -> Decision:
    return Evaluator(policies).evaluate(Request(caller, action, TARGET_ROLE))


# --- AWS account principals -----------------------------------------------------------------


@pytest.mark.parametrize("account_form", [TRUSTED_ROOT, TRUSTED])
@pytest.mark.parametrize("caller", [TRUSTED_ROOT, TRUSTED_USER, TRUSTED_SESSION])
def test_account_arn_and_account_id_name_the_same_account(account_form: str, caller: str) -> None:
    """PRINCIPAL_PAGE, "AWS account principals": "Principal": {"AWS":
    "arn:aws:iam::123456789012:root"} and {"AWS": "123456789012"} "behave the same way. Both
    delegate permissions to the account. Using the account ARN in the Principal element does
    not limit permissions to only the root user of the account."

    Request: a principal of 123456789012 (root user, IAM user, role session) gets an object in
    111122223333 whose bucket policy names the account, and its own identity policy allows it.
    Outcome: allowed for every one of them, not only the root user."""
    policies = PolicySet(
        identity=[IDENTITY_GET], resource_policy=bucket_policy({"AWS": account_form})
    )
    decision = get_object(policies, caller)
    assert decision.allowed, decision.reason


@pytest.mark.parametrize("account_form", [TRUSTED_ROOT, TRUSTED])
@pytest.mark.parametrize("caller", [TRUSTED_USER, TRUSTED_SESSION])
def test_account_principal_delegates_to_the_accounts_own_policies(
    account_form: str, caller: str
) -> None:
    """PRINCIPAL_PAGE, "AWS account principals": naming an account "delegates authority to the
    account. When you allow access to a different account, an administrator in that account must
    then grant access to an identity (IAM user or role) in that account."

    Request: the same GetObject by a user or role session of 123456789012 that no identity
    policy allows. Outcome: implicitly denied -- the bucket policy alone grants them nothing."""
    policies = PolicySet(resource_policy=bucket_policy({"AWS": account_form}))
    decision = get_object(policies, caller)
    assert decision.decision == "implicit_deny"
    assert "no identity-based policy allows" in decision.reason


@pytest.mark.parametrize("account_form", [f"arn:aws:iam::{OWNER}:root", OWNER])
def test_account_principal_in_its_own_account_still_needs_an_identity_allow(
    account_form: str,
) -> None:
    """PRINCIPAL_PAGE, "AWS account principals" (the account is delegated to, not a person):
    a bucket policy naming the bucket's own account lets its IAM policies decide.

    Request: user Bob of 111122223333 gets an object of 111122223333 whose bucket policy names
    111122223333. Outcome: denied without an identity Allow, allowed with one."""
    named = bucket_policy({"AWS": account_form})
    assert get_object(PolicySet(resource_policy=named), OWNER_USER).decision == "implicit_deny"
    with_identity = PolicySet(identity=[IDENTITY_GET], resource_policy=named)
    assert get_object(with_identity, OWNER_USER).allowed


def test_account_principal_in_a_deny_denies_every_principal_of_the_account() -> None:
    """PRINCIPAL_PAGE, "AWS account principals": the account principal stands for the whole
    account, so a Deny naming it reaches every identity there, not only the root user.

    Request: a user and a role session of 123456789012, each allowed by its identity policy,
    get an object whose bucket policy allows 123456789012 and denies 123456789012.
    Outcome: explicitly denied for both."""
    bucket = policy(
        {"Effect": "Allow", "Principal": {"AWS": TRUSTED}, "Action": "s3:*", "Resource": "*"},
        {
            "Effect": "Deny",
            "Principal": {"AWS": TRUSTED_ROOT},
            "Action": "s3:GetObject",
            "Resource": BUCKET_OBJECT,
        },
        name="bucket",
    )
    policies = PolicySet(identity=[IDENTITY_GET], resource_policy=bucket)
    for caller in (TRUSTED_USER, TRUSTED_SESSION):
        assert get_object(policies, caller).decision == "explicit_deny"


def test_account_principal_names_only_that_account() -> None:
    """PRINCIPAL_PAGE, "AWS account principals": the 12-digit identifier names one account.

    Request: a user of 444455556666 (allowed by its own policy) against a bucket policy that
    names 123456789012. Outcome: implicitly denied (cross-account, no resource policy Allow)."""
    policies = PolicySet(identity=[IDENTITY_GET], resource_policy=bucket_policy({"AWS": TRUSTED}))
    decision = get_object(policies, "arn:aws:iam::444455556666:user/someone")
    assert decision.decision == "implicit_deny"
    assert "no resource-based policy allows" in decision.reason


# --- IAM role, role session and IAM user principals -----------------------------------------


def test_role_principal_names_every_session_of_the_role() -> None:
    """PRINCIPAL_PAGE, "IAM role principals": "Principal": {"AWS":
    "arn:aws:iam::AWS-account-ID:role/role-name"}; a request made with the role's temporary
    credentials comes from a session of that role.

    Request: sessions of role-name in 123456789012 (allowed by the role's policy) get the
    object. Outcome: allowed; a session of another role of that account is not named."""
    policies = PolicySet(
        identity=[IDENTITY_GET], resource_policy=bucket_policy({"AWS": TRUSTED_ROLE})
    )
    for session in ("role-session-name", "another-session"):
        caller = f"arn:aws:sts::{TRUSTED}:assumed-role/role-name/{session}"
        assert get_object(policies, caller).allowed
    other_role = f"arn:aws:sts::{TRUSTED}:assumed-role/other-role/role-session-name"
    assert get_object(policies, other_role).decision == "implicit_deny"


def test_role_session_principal_names_only_that_session() -> None:
    """PRINCIPAL_PAGE, "Role session principals": "Principal": {"AWS":
    "arn:aws:sts::AWS-account-ID:assumed-role/role-name/role-session-name"} names one session.

    Request: same-account sessions of role app get the object; the bucket policy names the
    session session-1 and no identity policy allows. Outcome: session-1 is allowed (a grant to
    the session ARN), session-2 is implicitly denied."""
    policies = PolicySet(resource_policy=bucket_policy({"AWS": OWNER_SESSION}))
    assert get_object(policies, OWNER_SESSION).allowed
    other = f"arn:aws:sts::{OWNER}:assumed-role/app/session-2"
    assert get_object(policies, other).decision == "implicit_deny"


@pytest.mark.parametrize(
    "pattern",
    [
        f"arn:aws:sts::{OWNER}:assumed-role/app/*",
        f"arn:aws:iam::{OWNER}:user/*",
        f"arn:aws:iam::{OWNER}:role/*",
        "arn:aws:iam::*:root",
    ],
)
def test_a_wildcard_inside_a_principal_arn_names_nobody(pattern: str) -> None:
    """PRINCIPAL_PAGE: "You cannot use a wildcard to match part of a principal name or ARN"
    (and, for role sessions, a wildcard cannot stand for all sessions).

    Request: a user and a role session of 111122223333, no identity policy, against a bucket
    policy whose Principal is a partial wildcard. Outcome: implicitly denied for both."""
    policies = PolicySet(resource_policy=bucket_policy({"AWS": pattern}))
    for caller in (OWNER_USER, OWNER_SESSION):
        assert get_object(policies, caller).decision == "implicit_deny"


def test_user_principal_names_the_user() -> None:
    """PRINCIPAL_PAGE, "IAM user principals": "Principal": {"AWS":
    "arn:aws:iam::AWS-account-ID:user/user-name"}; in the same account the grant needs no
    identity Allow. A group cannot be a principal: a group ARN names none of its members.

    Request: Bob (no identity policy) gets the object. Outcome: allowed when the bucket policy
    names user/Bob; denied when it names another user or a group."""
    assert get_object(
        PolicySet(resource_policy=bucket_policy({"AWS": OWNER_USER})), OWNER_USER
    ).allowed
    for other in (f"arn:aws:iam::{OWNER}:user/Alice", f"arn:aws:iam::{OWNER}:group/Admins"):
        decision = get_object(PolicySet(resource_policy=bucket_policy({"AWS": other})), OWNER_USER)
        assert decision.decision == "implicit_deny"


@pytest.mark.parametrize("unique_id", ["AROAJQABLZS4A3QDU576Q", "AIDAJQABLZS4A3QDU576Q"])
def test_unique_id_left_by_a_deleted_role_or_user_matches_no_current_principal(
    unique_id: str,
) -> None:
    """PRINCIPAL_PAGE, "IAM role principals": a role ARN in a trust policy "transforms to the
    role unique principal ID when you save the policy"; if the role is deleted "you break the
    relationship", and a role recreated with the same name has a new ID, so the old ID (AROA...,
    AIDA... for users) names no current principal.

    Request: a session of the recreated role app and the recreated user Bob assume the target
    role / get the object, with identity policies that allow it. Outcome: implicitly denied --
    the trust policy (which must allow) names neither; the bucket grant is the identity's."""
    trust = PolicySet(identity=[IDENTITY_ASSUME], resource_policy=trust_policy({"AWS": unique_id}))
    for caller in (OWNER_SESSION, OWNER_USER):
        decision = assume(trust, caller)
        assert decision.decision == "implicit_deny"
        assert "role trust policy does not allow the caller" in decision.reason
    bucket = PolicySet(resource_policy=bucket_policy({"AWS": unique_id}))
    assert get_object(bucket, OWNER_SESSION).decision == "implicit_deny"
    assert get_object(bucket, OWNER_USER).decision == "implicit_deny"


# --- everyone, services, federation, canonical users ----------------------------------------


@pytest.mark.parametrize("everyone", ["*", {"AWS": "*"}])
def test_wildcard_principal_includes_anonymous_callers(everyone: Any) -> None:
    """PRINCIPAL_PAGE, "All principals": "Principal": "*" and "Principal": {"AWS": "*"} name
    every principal; with Allow in a resource-based policy that is public access, anonymous
    users included.

    Request: an anonymous (unsigned) GetObject and a same-account user without identity policy.
    Outcome: both allowed by the bucket policy."""
    policies = PolicySet(resource_policy=bucket_policy(everyone))
    assert get_object(policies, "*").allowed
    assert get_object(policies, OWNER_USER).allowed


@pytest.mark.parametrize("everyone", ["*", {"AWS": "*"}])
def test_wildcard_principal_does_not_lift_the_cross_account_identity_requirement(
    everyone: Any,
) -> None:
    """PRINCIPAL_PAGE ("All principals") with the cross-account rule of
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html:
    `*` names an IAM user of another account, but its own account must still allow the call.

    Request: a user of 123456789012 gets the object of 111122223333. Outcome: denied without
    an identity Allow in 123456789012, allowed with one."""
    assert get_object(
        PolicySet(resource_policy=bucket_policy(everyone)), TRUSTED_USER
    ).decision == ("implicit_deny")
    policies = PolicySet(identity=[IDENTITY_GET], resource_policy=bucket_policy(everyone))
    assert get_object(policies, TRUSTED_USER).allowed


def test_service_principals() -> None:
    """PRINCIPAL_PAGE, "AWS service principals": "Principal": {"Service": ["ecs.amazonaws.com",
    "elasticloadbalancing.amazonaws.com"]} lets those services assume the role.

    Request: sts:AssumeRole on the target role by each service, by another service, and by an
    IAM user of the account allowed by its own policy. Outcome: the two listed services are
    allowed; the others are not named (the trust policy must allow them)."""
    services = ["ecs.amazonaws.com", "elasticloadbalancing.amazonaws.com"]
    trust = PolicySet(
        identity=[IDENTITY_ASSUME], resource_policy=trust_policy({"Service": services})
    )
    for service in services:
        assert assume(trust, service).allowed
    assert assume(trust, "ec2.amazonaws.com").decision == "implicit_deny"
    assert assume(trust, OWNER_USER).decision == "implicit_deny"


def test_saml_and_web_identity_federated_principals() -> None:
    """PRINCIPAL_PAGE, "SAML session principals" ("Principal": {"Federated":
    "arn:aws:iam::AWS-account-ID:saml-provider/provider-name"}) and "OIDC / web identity
    session principals" ("Principal": {"Federated": "cognito-identity.amazonaws.com"}).

    Request: AssumeRoleWithSAML from the named SAML provider, AssumeRoleWithWebIdentity from
    Cognito, and the same calls from a provider the trust policy does not name.
    Outcome: the named providers are allowed, the other is implicitly denied."""
    saml = f"arn:aws:iam::{OWNER}:saml-provider/ExampleOrgSSOProvider"
    saml_trust = PolicySet(
        resource_policy=trust_policy({"Federated": saml}, "sts:AssumeRoleWithSAML")
    )
    assert assume(saml_trust, saml, "sts:AssumeRoleWithSAML").allowed
    other_saml = f"arn:aws:iam::{OWNER}:saml-provider/Other"
    assert assume(saml_trust, other_saml, "sts:AssumeRoleWithSAML").decision == "implicit_deny"
    cognito = "cognito-identity.amazonaws.com"
    web_trust = PolicySet(
        resource_policy=trust_policy({"Federated": cognito}, "sts:AssumeRoleWithWebIdentity")
    )
    assert assume(web_trust, cognito, "sts:AssumeRoleWithWebIdentity").allowed
    assert assume(web_trust, "accounts.google.com", "sts:AssumeRoleWithWebIdentity").decision == (
        "implicit_deny"
    )


def test_sts_federated_user_principal() -> None:
    """PRINCIPAL_PAGE, "AWS STS federated user principals": "Principal": {"AWS":
    "arn:aws:sts::AWS-account-ID:federated-user/user-name"} names that federated user session.

    Request: GetObject by federated-user/Bob and by federated-user/Alice, no identity policy.
    Outcome: Bob is allowed (the grant is to his session), Alice is implicitly denied."""
    bob = f"arn:aws:sts::{OWNER}:federated-user/Bob"
    policies = PolicySet(resource_policy=bucket_policy({"AWS": bob}))
    assert get_object(policies, bob).allowed
    alice = f"arn:aws:sts::{OWNER}:federated-user/Alice"
    assert get_object(policies, alice).decision == "implicit_deny"


def test_canonical_user_principal_and_several_types_in_one_statement() -> None:
    """PRINCIPAL_PAGE, "Canonical user principals": "Principal": {"CanonicalUser":
    "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}, which can sit next to
    other principal types in one Principal element.

    Request: GetObject by the canonical user and by the IAM user listed beside it.
    Outcome: both are allowed; a canonical ID not listed is not."""
    canonical = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
    principal = {"AWS": [OWNER_USER], "CanonicalUser": canonical}
    policies = PolicySet(resource_policy=bucket_policy(principal))
    assert get_object(policies, canonical).allowed
    assert get_object(policies, OWNER_USER).allowed
    assert get_object(policies, "0" * 64).decision == "implicit_deny"


# --- NotPrincipal ---------------------------------------------------------------------------

BOB = "arn:aws:iam::444455556666:user/Bob"
BOBS_ACCOUNT = "arn:aws:iam::444455556666:root"


@pytest.mark.parametrize(
    ("caller", "listed", "expected"),
    [
        # the page's example: Bob and his account are listed, so Bob is not denied
        (BOB, [BOB, BOBS_ACCOUNT], "allowed"),
        # without the account ARN, Bob is denied: the statement denies the account he is in
        (BOB, [BOB], "explicit_deny"),
        # anyone else of the account is denied
        ("arn:aws:iam::444455556666:user/Alice", [BOB, BOBS_ACCOUNT], "explicit_deny"),
    ],
)
def test_not_principal_with_deny_spares_only_what_is_fully_listed(
    caller: str, listed: list[str], expected: str
) -> None:
    """NOT_PRINCIPAL_PAGE, "NotPrincipal with Deny": to keep a user of another account from
    being denied, list both the user ARN and the ARN of its account
    (arn:aws:iam::444455556666:user/Bob, arn:aws:iam::444455556666:root).

    Request: a user of 444455556666 (allowed by its own policy and by the bucket policy) gets
    the object of 111122223333, whose bucket policy denies s3:* to everyone NotPrincipal the
    listed ARNs."""
    bucket = policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "444455556666"},
            "Action": "s3:*",
            "Resource": "*",
        },
        {
            "Effect": "Deny",
            "NotPrincipal": {"AWS": listed},
            "Action": "s3:*",
            "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
        },
        name="bucket",
    )
    policies = PolicySet(identity=[IDENTITY_GET], resource_policy=bucket)
    assert get_object(policies, caller).decision == expected


def test_not_principal_with_deny_denies_anonymous_callers() -> None:
    """NOT_PRINCIPAL_PAGE: a Deny with NotPrincipal applies to every principal not listed,
    anonymous users included.

    Request: an anonymous GetObject against a public bucket that also denies everyone
    NotPrincipal user/Bob. Outcome: explicitly denied."""
    bucket = policy(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": BUCKET_OBJECT},
        {
            "Effect": "Deny",
            "NotPrincipal": {"AWS": [OWNER_USER, f"arn:aws:iam::{OWNER}:root"]},
            "Action": "s3:GetObject",
            "Resource": BUCKET_OBJECT,
        },
        name="bucket",
    )
    assert get_object(PolicySet(resource_policy=bucket), "*").decision == "explicit_deny"
    assert get_object(PolicySet(resource_policy=bucket), OWNER_USER).allowed


def test_not_principal_with_allow_grants_everyone_else_including_anonymous() -> None:
    """NOT_PRINCIPAL_PAGE: NotPrincipal with "Effect": "Allow" "allows all principals except
    the one named in the NotPrincipal element, including anonymous users" (which is why AWS
    recommends against it).

    Request: GetObject by an anonymous caller, by a same-account user and by the listed user,
    none with an identity policy. Outcome: the first two are allowed, the listed user is not."""
    policies = PolicySet(resource_policy=bucket_policy({"AWS": OWNER_USER}, key="NotPrincipal"))
    assert get_object(policies, "*").allowed
    assert get_object(policies, f"arn:aws:iam::{OWNER}:user/Alice").allowed
    assert get_object(policies, OWNER_USER).decision == "implicit_deny"
