"""Cross-account and same-account policy evaluation against the IAM User Guide's own rules.

Pages:
- https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
- https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
- https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html

Account 111122223333 is the trusted account (the callers), 444455556666 the trusting account
(the resources), unless a test says otherwise.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.evaluator import Decision, Evaluator, PolicySet, Request
from bot.iam.policy import Policy, parse_policy

CROSS_ACCOUNT_PAGE = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
    "reference_policies_evaluation-logic-cross-account.html"
)
DENY_ALLOW_PAGE = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
    "reference_policies_evaluation-logic_policy-eval-denyallow.html"
)
EVALUATION_PAGE = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html"
)

TRUSTED = "111122223333"
TRUSTING = "444455556666"
USER = f"arn:aws:iam::{TRUSTED}:user/carlossalazar"
ROLE = f"arn:aws:iam::{TRUSTED}:role/example-role"
SESSION = f"arn:aws:sts::{TRUSTED}:assumed-role/example-role/example-session"
ROOT = f"arn:aws:iam::{TRUSTED}:root"
BUCKET_OBJECT = "arn:aws:s3:::amzn-s3-demo-bucket/report.csv"
TARGET_ROLE = f"arn:aws:iam::{TRUSTING}:role/shared"
SAME_ACCOUNT_ROLE = f"arn:aws:iam::{TRUSTED}:role/target"
KEY = f"arn:aws:kms:us-east-2:{TRUSTED}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def policy(*statements: dict[str, Any], name: str = "p") -> Policy:
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, name=name)


def allow(action: str, resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str, resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def trust(principal: Any, *, name: str = "trust") -> Policy:
    return policy(
        {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}, name=name
    )


IDENTITY_GET = policy(allow("s3:GetObject", BUCKET_OBJECT), name="identity")


def bucket(principal: Any) -> Policy:
    return policy(allow("s3:GetObject", BUCKET_OBJECT, Principal=principal), name="bucket")


def get_object(policies: PolicySet, caller: str, *, owner: str = TRUSTING) -> Decision:
    request = Request(caller, "s3:GetObject", BUCKET_OBJECT, resource_account=owner)
    return Evaluator(policies).evaluate(request)


def call(policies: PolicySet, caller: str, action: str, resource: str) -> Decision:
    return Evaluator(policies).evaluate(Request(caller, action, resource))


# --- cross-account: both sides must allow ------------------------------------------------------


@pytest.mark.parametrize("caller", [USER, SESSION])
@pytest.mark.parametrize(
    ("identity_allows", "resource_allows", "expected"),
    [
        (True, True, "allowed"),
        (True, False, "implicit_deny"),
        (False, True, "implicit_deny"),
        (False, False, "implicit_deny"),
    ],
)
def test_cross_account_needs_both_the_identity_and_the_resource_policy(
    caller: str, identity_allows: bool, resource_allows: bool, expected: str
) -> None:
    """CROSS_ACCOUNT_PAGE: for a principal in one account to access a resource in another, the
    identity-based policy in the trusted account and the resource-based policy in the trusting
    account must both allow the request.

    Request: a user / role session of 111122223333 gets an object of 444455556666 whose bucket
    policy names account 111122223333 (or names someone else)."""
    named = TRUSTED if resource_allows else "999988887777"
    policies = PolicySet(
        identity=[IDENTITY_GET] if identity_allows else [],
        resource_policy=bucket({"AWS": named}),
    )
    decision = get_object(policies, caller)
    assert decision.decision == expected, decision.reason
    if expected == "allowed":
        assert decision.reason == "allowed by both sides (cross-account)"


@pytest.mark.parametrize(("caller", "named"), [(USER, USER), (SESSION, SESSION), (SESSION, ROLE)])
def test_naming_the_caller_directly_does_not_replace_its_own_accounts_allow(
    caller: str, named: str
) -> None:
    """CROSS_ACCOUNT_PAGE: a resource-based policy that names the principal itself (user, role
    or session ARN) still needs the trusted account's identity-based policy -- the same-account
    rule that a direct grant stands alone does not cross accounts.

    Request: the named principal of 111122223333, no identity policy, gets the object of
    444455556666. Outcome: implicitly denied; allowed once its identity policy allows."""
    bucket_policy = bucket({"AWS": named})
    decision = get_object(PolicySet(resource_policy=bucket_policy), caller)
    assert decision.decision == "implicit_deny"
    assert "no identity-based policy allows" in decision.reason
    both = PolicySet(identity=[IDENTITY_GET], resource_policy=bucket_policy)
    assert get_object(both, caller).allowed


@pytest.mark.parametrize("where", ["identity", "resource"])
def test_cross_account_explicit_deny_on_either_side_wins(where: str) -> None:
    """DENY_ALLOW_PAGE, "Deny evaluation": an explicit deny in any applicable policy -- the
    caller's identity policy or the resource owner's bucket policy -- returns a final Deny.

    Request: the user of 111122223333 gets the object of 444455556666; both sides allow and
    one also denies. Outcome: explicitly denied."""
    identity = [IDENTITY_GET] + ([policy(deny("s3:*"))] if where == "identity" else [])
    statements = [allow("s3:GetObject", BUCKET_OBJECT, Principal={"AWS": TRUSTED})]
    if where == "resource":
        statements.append(deny("s3:GetObject", BUCKET_OBJECT, Principal={"AWS": USER}))
    policies = PolicySet(identity=identity, resource_policy=policy(*statements, name="bucket"))
    assert get_object(policies, USER).decision == "explicit_deny"


def test_cross_account_session_policy_limits_the_identity_side() -> None:
    """EVALUATION_PAGE / DENY_ALLOW_PAGE, session policies: a session's permissions are the
    intersection of its role's policies and the session policy; across accounts the session
    side must allow as the identity side does.

    Request: a role session of 111122223333 gets the object of 444455556666; the role's policy
    and the bucket policy allow, the session policy allows only EC2. Outcome: implicitly
    denied; allowed with a session policy allowing s3:GetObject."""
    bucket_policy = bucket({"AWS": TRUSTED})
    ec2_session = PolicySet(
        identity=[IDENTITY_GET],
        session_policy=policy(allow("ec2:*"), name="session"),
        resource_policy=bucket_policy,
    )
    decision = get_object(ec2_session, SESSION)
    assert decision.decision == "implicit_deny"
    assert "session policy" in decision.reason
    s3_session = PolicySet(
        identity=[IDENTITY_GET],
        session_policy=policy(allow("s3:GetObject"), name="session"),
        resource_policy=bucket_policy,
    )
    assert get_object(s3_session, SESSION).allowed


def test_cross_account_scps_of_the_callers_account_and_rcps_of_the_resources_apply() -> None:
    """DENY_ALLOW_PAGE, "AWS Organizations RCP" and "AWS Organizations SCP": SCPs apply to the
    principals of the accounts they are attached to, RCPs to the resources of theirs; either
    without an applicable Allow denies.

    Request: the user of 111122223333 gets the object of 444455556666, both policies allowing.
    Outcome: implicitly denied when the caller's SCPs allow only EC2, and when the resource
    account's RCPs allow only EC2; allowed when both allow S3."""
    ec2_only = policy(allow("ec2:*"), name="ec2-only")
    full = policy(allow("*"), name="full")
    base = {"identity": [IDENTITY_GET], "resource_policy": bucket({"AWS": TRUSTED})}
    scp_blocks = PolicySet(**base, scps=[[ec2_only]], rcps=[[full]])
    assert "SCPs" in get_object(scp_blocks, USER).reason
    assert get_object(scp_blocks, USER).decision == "implicit_deny"
    rcp_blocks = PolicySet(**base, scps=[[full]], rcps=[[ec2_only]])
    assert get_object(rcp_blocks, USER).decision == "implicit_deny"
    assert "RCPs" in get_object(rcp_blocks, USER).reason
    assert get_object(PolicySet(**base, scps=[[full]], rcps=[[full]]), USER).allowed


def test_cross_account_root_user_needs_only_the_resource_policy() -> None:
    """DENY_ALLOW_PAGE: "all requests are implicitly denied with the exception of the AWS
    account root user, which has full access" -- in its own account, so its side of a
    cross-account request is allowed; the resource policy must still name its account.

    Request: the root user of 111122223333 gets the object of 444455556666. Outcome: allowed
    when the bucket policy names 111122223333, implicitly denied when it names no one of it."""
    assert get_object(PolicySet(resource_policy=bucket({"AWS": TRUSTED})), ROOT).allowed
    assert get_object(PolicySet(), ROOT).decision == "implicit_deny"


@pytest.mark.parametrize(
    ("trust_principal", "identity", "expected"),
    [
        ({"AWS": TRUSTED}, True, "allowed"),
        ({"AWS": ROOT}, True, "allowed"),
        ({"AWS": TRUSTED}, False, "implicit_deny"),
        ({"AWS": USER}, True, "allowed"),
        # naming the user directly does not replace its own account's Allow across accounts
        ({"AWS": USER}, False, "implicit_deny"),
        ({"AWS": "999988887777"}, True, "implicit_deny"),
    ],
)
def test_cross_account_assume_role(
    trust_principal: dict[str, str], identity: bool, expected: str
) -> None:
    """CROSS_ACCOUNT_PAGE with the role trust policy as the resource-based policy: the trust
    policy of the role in 444455556666 must name the caller (or its account), and the caller's
    identity policy in 111122223333 must allow sts:AssumeRole on it.

    Request: the user of 111122223333 calls sts:AssumeRole on role shared of 444455556666."""
    assume = policy(allow("sts:AssumeRole", TARGET_ROLE), name="identity")
    policies = PolicySet(
        identity=[assume] if identity else [], resource_policy=trust(trust_principal)
    )
    assert call(policies, USER, "sts:AssumeRole", TARGET_ROLE).decision == expected


# --- same account: either side suffices, except trust and key policies -------------------------


@pytest.mark.parametrize("caller", [USER, SESSION])
def test_same_account_either_policy_suffices(caller: str) -> None:
    """EVALUATION_PAGE, "Evaluating identity-based policies with resource-based policies": within
    one account "If an action is allowed by an identity-based policy, a resource-based policy, or
    both, then AWS allows the action."

    Request: a user / role session of 111122223333 gets an object of 111122223333, allowed by
    only its identity policy, or only by a bucket policy naming it. Outcome: allowed."""
    identity_only = PolicySet(identity=[IDENTITY_GET])
    assert get_object(identity_only, caller, owner=TRUSTED).allowed
    resource_only = PolicySet(resource_policy=bucket({"AWS": caller}))
    decision = get_object(resource_only, caller, owner=TRUSTED)
    assert decision.allowed
    assert decision.reason == "allowed by the resource-based policy (same account)"


def test_same_account_role_trust_policy_must_allow_explicitly() -> None:
    """DENY_ALLOW_PAGE, resource-based policies: "IAM role trust policies and KMS key policies
    are exceptions to this logic, because they must explicitly allow access for principals."

    Request: the user of 111122223333 calls sts:AssumeRole on a role of the same account.
    Outcome: an identity Allow alone is not enough (the trust policy names someone else, or
    -- the policy set being complete -- the request has none); a trust policy naming the
    account delegates to the identity policy; one naming the user grants by itself."""
    assume = policy(allow("sts:AssumeRole", SAME_ACCOUNT_ROLE), name="identity")
    stranger = trust({"AWS": "arn:aws:iam::111122223333:user/someone-else"})
    refused = call(
        PolicySet(identity=[assume], resource_policy=stranger),
        USER,
        "sts:AssumeRole",
        SAME_ACCOUNT_ROLE,
    )
    assert refused.decision == "implicit_deny"
    assert "role trust policy does not allow the caller" in refused.reason
    missing = call(
        PolicySet(identity=[assume], complete=True), USER, "sts:AssumeRole", SAME_ACCOUNT_ROLE
    )
    assert missing.decision == "implicit_deny"
    account = trust({"AWS": ROOT})
    with_identity = PolicySet(identity=[assume], resource_policy=account)
    assert call(with_identity, USER, "sts:AssumeRole", SAME_ACCOUNT_ROLE).allowed
    without_identity = PolicySet(resource_policy=account)
    assert call(without_identity, USER, "sts:AssumeRole", SAME_ACCOUNT_ROLE).decision == (
        "implicit_deny"
    )
    direct = PolicySet(resource_policy=trust({"AWS": USER}))
    assert call(direct, USER, "sts:AssumeRole", SAME_ACCOUNT_ROLE).allowed


def test_same_account_kms_key_policy_must_allow_explicitly() -> None:
    """DENY_ALLOW_PAGE (KMS key policies must explicitly allow), and the AWS KMS Developer
    Guide, https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html:
    the default key policy statement naming the account "enables IAM policies".

    Request: the user of 111122223333 calls kms:Decrypt on a key of the same account.
    Outcome: an IAM policy alone is denied when the key policy names someone else; with the
    default key policy the IAM policy allows; without the IAM policy it is denied."""
    decrypt = policy(allow("kms:Decrypt", KEY), name="identity")
    other = policy(
        allow("kms:*", Principal={"AWS": f"arn:aws:iam::{TRUSTED}:role/KeyAdmin"}), name="key"
    )
    refused = call(PolicySet(identity=[decrypt], resource_policy=other), USER, "kms:Decrypt", KEY)
    assert refused.decision == "implicit_deny"
    assert "KMS key policy does not allow the caller" in refused.reason
    default = policy(
        {"Sid": "Enable IAM User Permissions", **allow("kms:*", Principal={"AWS": ROOT})},
        name="key",
    )
    delegated = PolicySet(identity=[decrypt], resource_policy=default)
    assert call(delegated, USER, "kms:Decrypt", KEY).allowed
    assert (
        call(PolicySet(resource_policy=default), USER, "kms:Decrypt", KEY).decision
        == "implicit_deny"
    )


@pytest.mark.parametrize(
    ("named", "expected"),
    [
        # "Resource-based policies that grant permissions to an IAM role ARN are limited by an
        # implicit deny in a permissions boundary or session policy"
        (ROLE, "implicit_deny"),
        # naming the account: the role's identity policy decides, and the session policy
        # limits it
        (TRUSTED, "implicit_deny"),
    ],
)
def test_same_account_session_policy_limits_grants_to_the_role_and_the_account(
    named: str, expected: str
) -> None:
    """DENY_ALLOW_PAGE, resource-based policies, IAM roles: a grant to the role ARN is limited
    by an implicit deny in the session policy; and the session's identity permissions are the
    intersection of the role's policies and the session policy.

    Request: a session of example-role (its role policy allows s3:GetObject; its session
    policy allows only EC2) gets an object of its own account, the bucket policy naming the
    role or the account."""
    policies = PolicySet(
        identity=[IDENTITY_GET],
        session_policy=policy(allow("ec2:*"), name="session"),
        resource_policy=bucket({"AWS": named}),
    )
    decision = get_object(policies, SESSION, owner=TRUSTED)
    assert decision.decision == expected
    assert "session policy" in decision.reason
