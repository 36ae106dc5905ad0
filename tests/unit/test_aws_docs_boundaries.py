"""Permissions boundaries against the IAM User Guide's own examples and its section
"Evaluating effective permissions with boundaries".

Pages:
- https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
- https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
  (table "Resource-based policies and implicit denies in other policy types", same account)
- https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-role-trust-policy.html
  ("If a permissions boundary is set for the user, then it must allow the sts:AssumeRole action")
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.effective import PermissionIndex
from bot.iam.evaluator import Decision, Evaluator, PolicySet, Request
from bot.iam.policy import Policy, parse_policy
from bot.iam.privesc import can_assume, trust_chains
from bot.model.snapshot import Role
from tests import factories

BOUNDARIES_PAGE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html"

ACCOUNT = "123456789012"  # the boundaries page's example account
SHIRLEY = f"arn:aws:iam::{ACCOUNT}:user/ShirleyRodriguez"
MARIA = f"arn:aws:iam::{ACCOUNT}:user/MariaGarcia"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/example-role"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/example-role/example-session"
BUCKET_OBJECT = "arn:aws:s3:::amzn-s3-demo-bucket/report.csv"
TARGET_ROLE = f"arn:aws:iam::{ACCOUNT}:role/target"
BOUNDARY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/XCompanyBoundaries"


def policy(*statements: dict[str, Any], name: str = "p") -> Policy:
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, name=name)


def allow(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def decide(
    policies: PolicySet,
    caller: str,
    action: str,
    resource: str,
    context: dict[str, str] | None = None,
) -> Decision:
    request = Request(caller, action, resource, resource_account=ACCOUNT, context=context or {})
    return Evaluator(policies).evaluate(request)


# The page's boundary for ShirleyRodriguez: at most Amazon S3, CloudWatch and Amazon EC2.
SHIRLEY_BOUNDARY = policy(allow(["s3:*", "cloudwatch:*", "ec2:*"]), name="boundary")


def test_boundary_example_an_identity_allow_outside_the_boundary_fails() -> None:
    """BOUNDARIES_PAGE, the ShirleyRodriguez example: with the boundary allowing only s3:*,
    cloudwatch:* and ec2:*, an identity policy allowing iam:CreateUser on
    arn:aws:iam::123456789012:user/* does not let her create a user: "It fails because the
    permissions boundary does not allow the iam:CreateUser operation."

    Request: Shirley calls iam:CreateUser. Outcome: implicitly denied, by the boundary."""
    create_user = policy(allow("iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/*"), name="id")
    policies = PolicySet(identity=[create_user], permission_boundaries=[SHIRLEY_BOUNDARY])
    decision = decide(policies, SHIRLEY, "iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/new")
    assert decision.decision == "implicit_deny"
    assert decision.reason == "the permissions boundary does not allow the action"


def test_boundary_example_the_boundary_grants_nothing_on_its_own() -> None:
    """BOUNDARIES_PAGE: "When you use a policy to set the permissions boundary for a user, it
    limits the user's permissions but does not provide permissions on its own."

    Request: Shirley, with only the boundary, gets an S3 object (the boundary allows s3:*).
    Outcome: implicitly denied (no identity Allow); allowed once an identity policy allows it
    -- the effective permissions are the intersection."""
    only_boundary = PolicySet(permission_boundaries=[SHIRLEY_BOUNDARY])
    decision = decide(only_boundary, SHIRLEY, "s3:GetObject", BUCKET_OBJECT)
    assert decision.decision == "implicit_deny"
    assert decision.reason == "no identity-based policy allows the action"
    both = PolicySet(
        identity=[policy(allow("s3:GetObject"), name="id")],
        permission_boundaries=[SHIRLEY_BOUNDARY],
    )
    assert decide(both, SHIRLEY, "s3:GetObject", BUCKET_OBJECT).allowed


# After the page's "Delegating responsibility to others using permissions boundaries" example:
# María may create and change users only when she sets the XCompanyBoundaries boundary, and
# may neither edit that boundary policy nor remove a user's boundary.
MARIA_POLICY = policy(
    {
        "Sid": "CreateOrChangeOnlyWithBoundary",
        **allow(
            [
                "iam:AttachUserPolicy",
                "iam:CreateUser",
                "iam:DeleteUserPolicy",
                "iam:DetachUserPolicy",
                "iam:PutUserPermissionsBoundary",
                "iam:PutUserPolicy",
            ],
            Condition={"StringEquals": {"iam:PermissionsBoundary": BOUNDARY_ARN}},
        ),
    },
    {"Sid": "IAMReadOnly", **allow(["iam:Get*", "iam:List*"])},
    {
        "Sid": "NoBoundaryPolicyEdit",
        **deny(
            [
                "iam:CreatePolicyVersion",
                "iam:DeletePolicy",
                "iam:DeletePolicyVersion",
                "iam:SetDefaultPolicyVersion",
            ],
            BOUNDARY_ARN,
        ),
    },
    {"Sid": "NoBoundaryUserDelete", **deny("iam:DeleteUserPermissionsBoundary")},
    name="maria",
)


@pytest.mark.parametrize(
    ("action", "resource", "context", "expected"),
    [
        ("iam:CreateUser", "user/new", {"iam:PermissionsBoundary": BOUNDARY_ARN}, "allowed"),
        ("iam:CreateUser", "user/new", {}, "implicit_deny"),
        (
            "iam:CreateUser",
            "user/new",
            {"iam:PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/Other"},
            "implicit_deny",
        ),
        (
            "iam:PutUserPolicy",
            "user/new",
            {"iam:PermissionsBoundary": BOUNDARY_ARN},
            "allowed",
        ),
        ("iam:CreatePolicyVersion", "policy/XCompanyBoundaries", {}, "explicit_deny"),
        ("iam:DeleteUserPermissionsBoundary", "user/new", {}, "explicit_deny"),
        ("iam:GetUser", "user/new", {}, "allowed"),
    ],
)
def test_delegation_example_only_with_the_boundary(
    action: str, resource: str, context: dict[str, str], expected: str
) -> None:
    """BOUNDARIES_PAGE, "Delegating responsibility to others using permissions boundaries":
    María creates or changes users only when the request sets the XCompanyBoundaries boundary
    (iam:PermissionsBoundary), cannot change that policy, and cannot remove a boundary."""
    policies = PolicySet(identity=[MARIA_POLICY])
    target = f"arn:aws:iam::{ACCOUNT}:{resource}"
    assert decide(policies, MARIA, action, target, context).decision == expected


# --- resource-based policies, same account ---------------------------------------------------

EC2_ONLY_BOUNDARY = policy(allow("ec2:*"), name="boundary")


def bucket(principal: str) -> Policy:
    return policy(allow("s3:GetObject", BUCKET_OBJECT, Principal={"AWS": principal}), name="bucket")


@pytest.mark.parametrize(
    ("caller", "named", "expected"),
    [
        # "resource-based policies that grant permissions to an IAM user ARN ... are not limited
        # by an implicit deny in an identity-based policy or permissions boundary"
        (SHIRLEY, SHIRLEY, "allowed"),
        # "Resource-based policies that grant permissions to an IAM role ARN are limited by an
        # implicit deny in a permissions boundary or session policy"
        (SESSION, ROLE, "implicit_deny"),
        # "resource-based policies that grant permissions to an IAM role session ARN grant
        # permissions directly to the assumed role session ... not limited by an implicit deny
        # in an identity-based policy, a permissions boundary"
        (SESSION, SESSION, "allowed"),
    ],
)
def test_resource_policy_with_a_boundary_and_no_identity_policy(
    caller: str, named: str, expected: str
) -> None:
    """BOUNDARIES_PAGE, "Evaluating effective permissions with boundaries", resource-based
    policies; and the denyallow page's same-account table.

    Request: GetObject in the same account by a principal with no identity policy at all and a
    boundary that allows only ec2:*, the bucket policy naming the user, the role or the session.
    """
    policies = PolicySet(permission_boundaries=[EC2_ONLY_BOUNDARY], resource_policy=bucket(named))
    decision = decide(policies, caller, "s3:GetObject", BUCKET_OBJECT)
    assert decision.decision == expected, decision.reason
    if expected == "implicit_deny":
        assert "permissions boundary" in decision.reason


def test_resource_policy_naming_the_role_needs_no_identity_allow_within_the_boundary() -> None:
    """BOUNDARIES_PAGE / denyallow table: a grant to the IAM role ARN is limited by the boundary
    but not by an implicit deny in the role's identity policies.

    Request: a session of example-role with no identity policy, a boundary allowing s3:*, and
    a bucket policy naming the role. Outcome: allowed."""
    policies = PolicySet(
        permission_boundaries=[policy(allow("s3:*"), name="boundary")],
        resource_policy=bucket(ROLE),
    )
    assert decide(policies, SESSION, "s3:GetObject", BUCKET_OBJECT).allowed


@pytest.mark.parametrize("named", [SHIRLEY, f"arn:aws:iam::{ACCOUNT}:root"])
@pytest.mark.parametrize("where", ["identity", "boundary", "resource"])
def test_an_explicit_deny_in_any_policy_wins_over_a_resource_policy_grant(
    named: str, where: str
) -> None:
    """BOUNDARIES_PAGE (and "Policy evaluation logic"): "An explicit deny in any of these
    policies overrides the allow."

    Request: Shirley gets the object; the bucket policy allows her (or her account), the
    identity policy and boundary allow s3:*, and one of identity / boundary / bucket policy
    also denies s3:GetObject. Outcome: explicitly denied."""
    deny_get = deny("s3:GetObject")
    identity = policy(allow("s3:*"), *([deny_get] if where == "identity" else []), name="id")
    boundary = policy(allow("s3:*"), *([deny_get] if where == "boundary" else []), name="b")
    statements = [allow("s3:GetObject", BUCKET_OBJECT, Principal={"AWS": named})]
    if where == "resource":
        statements.append(deny("s3:GetObject", BUCKET_OBJECT, Principal={"AWS": SHIRLEY}))
    policies = PolicySet(
        identity=[identity],
        permission_boundaries=[boundary],
        resource_policy=policy(*statements, name="bucket"),
    )
    assert decide(policies, SHIRLEY, "s3:GetObject", BUCKET_OBJECT).decision == "explicit_deny"


@pytest.mark.parametrize("missing", ["identity", "boundary", "scp"])
def test_scp_boundary_and_identity_policy_must_all_allow(missing: str) -> None:
    """BOUNDARIES_PAGE, "Evaluating effective permissions with boundaries", Organizations
    SCPs: "An IAM entity (user or role) can make a request that is affected by an SCP, a
    permissions boundary, and an identity-based policy. In this case, the request is allowed
    only if all three policy types allow it."

    Request: Shirley gets an object, one of the three not allowing s3. Outcome: implicit deny;
    with all three allowing, allowed."""
    s3 = policy(allow("s3:*"), name="s3")
    ec2 = policy(allow("ec2:*"), name="ec2")
    policies = PolicySet(
        identity=[ec2 if missing == "identity" else s3],
        permission_boundaries=[ec2 if missing == "boundary" else s3],
        scps=[[ec2 if missing == "scp" else s3]],
    )
    assert decide(policies, SHIRLEY, "s3:GetObject", BUCKET_OBJECT).decision == "implicit_deny"
    everything = PolicySet(identity=[s3], permission_boundaries=[s3], scps=[[s3]])
    assert decide(everything, SHIRLEY, "s3:GetObject", BUCKET_OBJECT).allowed


@pytest.mark.parametrize(
    ("identity", "boundary", "session", "expected"),
    [
        ("s3:*", "s3:*", "s3:*", "allowed"),
        ("ec2:*", "s3:*", "s3:*", "implicit_deny"),
        ("s3:*", "ec2:*", "s3:*", "implicit_deny"),
        ("s3:*", "s3:*", "ec2:*", "implicit_deny"),
    ],
)
def test_session_policy_boundary_and_identity_policy_intersect(
    identity: str, boundary: str, session: str, expected: str
) -> None:
    """BOUNDARIES_PAGE, "Evaluating effective permissions with boundaries", session policies:
    "The entity's identity-based policy permissions are limited by the session policy and the
    permissions boundary. The effective permissions for this set of policy types are the
    intersection of all three policy types."

    Request: a session of example-role gets an object."""
    policies = PolicySet(
        identity=[policy(allow(identity), name="id")],
        permission_boundaries=[policy(allow(boundary), name="boundary")],
        session_policy=policy(allow(session), name="session"),
    )
    assert decide(policies, SESSION, "s3:GetObject", BUCKET_OBJECT).decision == expected


# --- role trust policies ---------------------------------------------------------------------


def trust(principal: str) -> Policy:
    return policy(
        {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"},
        name="trust",
    )


@pytest.mark.parametrize("named", [SHIRLEY, "*"])
def test_a_user_named_in_a_trust_policy_still_needs_its_boundary_to_allow_assume_role(
    named: str,
) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-role-trust-policy.html
    (Notes): "If a user is listed as the principal in a role's trust policy but cannot assume
    the role, check the user's permissions boundary. If a permissions boundary is set for the
    user, then it must allow the sts:AssumeRole action."

    Request: Shirley (no identity policy) calls sts:AssumeRole on a same-account role whose
    trust policy names her user ARN (or `*`, which names her too). Outcome: with the
    S3/CloudWatch/EC2 boundary, implicitly denied by the boundary; with a boundary that allows
    sts:AssumeRole, allowed (naming her in the trust policy still needs no identity Allow);
    with no boundary, allowed."""
    trusting = trust(named)
    bounded = PolicySet(permission_boundaries=[SHIRLEY_BOUNDARY], resource_policy=trusting)
    decision = decide(bounded, SHIRLEY, "sts:AssumeRole", TARGET_ROLE)
    assert decision.decision == "implicit_deny"
    assert "permissions boundary does not" in decision.reason
    assert "allows the user" in decision.reason
    open_boundary = PolicySet(
        permission_boundaries=[policy(allow("sts:AssumeRole"), name="boundary")],
        resource_policy=trusting,
    )
    assert decide(open_boundary, SHIRLEY, "sts:AssumeRole", TARGET_ROLE).allowed
    assert decide(
        PolicySet(resource_policy=trusting), SHIRLEY, "sts:AssumeRole", TARGET_ROLE
    ).allowed


def test_a_user_named_in_a_bucket_policy_is_still_not_limited_by_its_boundary() -> None:
    """The trust-policy note above is about role trust policies; for other resource-based
    policies BOUNDARIES_PAGE still holds: a grant to the IAM user ARN "is not limited by an
    implicit deny in ... permissions boundary" (the KMS key policy is a resource-based policy
    of that kind too).

    Request: Shirley, boundary S3/CloudWatch/EC2, no identity policy, calls kms:Decrypt on a key
    whose key policy names her. Outcome: allowed."""
    key = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    key_policy = policy(allow("kms:Decrypt", Principal={"AWS": SHIRLEY}), name="key")
    policies = PolicySet(permission_boundaries=[SHIRLEY_BOUNDARY], resource_policy=key_policy)
    assert decide(policies, SHIRLEY, "kms:Decrypt", key).allowed


def test_a_role_named_in_a_trust_policy_is_limited_by_its_boundary() -> None:
    """BOUNDARIES_PAGE (grants to the IAM role ARN are limited by the boundary) applied to a
    trust policy that names the role for role chaining; the trust-policy page's second note
    ("specify the role ARN or AWS account ARN as a principal" to assume the current role again).

    Request: a session of example-role (no identity policy) assumes the target role whose
    trust policy names example-role. Outcome: denied with an EC2-only boundary, allowed with a
    boundary that allows sts:AssumeRole."""
    named = trust(ROLE)
    bounded = PolicySet(permission_boundaries=[EC2_ONLY_BOUNDARY], resource_policy=named)
    assert decide(bounded, SESSION, "sts:AssumeRole", TARGET_ROLE).decision == "implicit_deny"
    open_boundary = PolicySet(
        permission_boundaries=[policy(allow("sts:AssumeRole"), name="boundary")],
        resource_policy=named,
    )
    assert decide(open_boundary, SESSION, "sts:AssumeRole", TARGET_ROLE).allowed


# --- what boundaries do not govern -------------------------------------------------------------


def test_a_boundary_does_not_stop_get_caller_identity() -> None:
    """https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html: "No
    permissions are required to perform this operation" -- a boundary that allows nothing (or
    denies it) does not change that.

    Request: Shirley and a role session, each with a boundary denying everything, call
    sts:GetCallerIdentity. Outcome: allowed."""
    deny_all = PolicySet(permission_boundaries=[policy(deny("*"), name="boundary")])
    for caller in (SHIRLEY, SESSION):
        assert decide(deny_all, caller, "sts:GetCallerIdentity", "*").allowed


def test_the_root_user_has_no_boundary() -> None:
    """BOUNDARIES_PAGE: boundaries are set for IAM entities (users or roles); the root user has
    none, so a boundary in the set does not limit it.

    Request: the root user gets an object with an EC2-only boundary in the set. Outcome:
    allowed (the root user has full access in its account)."""
    root = f"arn:aws:iam::{ACCOUNT}:root"
    policies = PolicySet(permission_boundaries=[EC2_ONLY_BOUNDARY])
    assert decide(policies, root, "s3:GetObject", BUCKET_OBJECT).allowed


@pytest.mark.parametrize(
    "caller",
    [
        f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/AWSServiceRoleForSupport/session",
    ],
)
def test_a_service_linked_role_has_no_boundary(caller: str) -> None:
    """https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePermissionsBoundary.html:
    "You cannot set the boundary for a service-linked role." A boundary in the set cannot be
    the service-linked role's, so it neither limits it nor triggers the NotPrincipal rule.

    Request: the service-linked role (or its session) gets an object its identity policy
    allows, with an EC2-only boundary in the set; then the same against a bucket policy that
    denies everyone NotPrincipal the role, its session and its account. Outcome: allowed both
    times (for an ordinary role the first is denied by the boundary, the second by the Deny)."""
    identity = policy(allow("s3:GetObject"), name="id")
    policies = PolicySet(identity=[identity], permission_boundaries=[EC2_ONLY_BOUNDARY])
    assert decide(policies, caller, "s3:GetObject", BUCKET_OBJECT).allowed
    spared = [
        f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/AWSServiceRoleForSupport/session",
        f"arn:aws:iam::{ACCOUNT}:root",
    ]
    fence = policy(deny("s3:GetObject", BUCKET_OBJECT, NotPrincipal={"AWS": spared}), name="bucket")
    open_boundary = PolicySet(
        identity=[identity],
        permission_boundaries=[policy(allow("s3:*"), name="boundary")],
        resource_policy=fence,
    )
    assert decide(open_boundary, caller, "s3:GetObject", BUCKET_OBJECT).allowed
    ordinary = PolicySet(identity=[identity], permission_boundaries=[EC2_ONLY_BOUNDARY])
    assert decide(ordinary, SESSION, "s3:GetObject", BUCKET_OBJECT).decision == "implicit_deny"
    assert decide(open_boundary, SESSION, "s3:GetObject", BUCKET_OBJECT).decision == (
        "explicit_deny"
    )


# --- the escalation analysis' own trust reading (bot/iam/privesc.py, not this module's) --------


def _assume_index(
    boundary_action: str | None, named: str | None = None
) -> tuple[PermissionIndex, str, Role]:
    """An account with user shirley (no policies of her own; a boundary allowing
    ``boundary_action`` when given) and a role whose trust policy names her user ARN (or
    ``named``)."""
    policies = []
    boundary_arn = None
    if boundary_action is not None:
        boundary = factories.managed_policy(
            "limit", factories.allow(boundary_action), boundary_usage_count=1
        )
        policies.append(boundary)
        boundary_arn = boundary.arn
    shirley = factories.user("shirley", groups=(), permissions_boundary_arn=boundary_arn)
    trust = factories.trust_policy({"AWS": named or factories.user_arn("shirley")})
    target = factories.role("target", trust=trust)
    snap = factories.snapshot(users=[shirley], groups=[], roles=[target], policies=policies)
    return PermissionIndex(snap, factories.NOW), shirley.arn, target


def test_privesc_trust_naming_the_user_lets_her_in_without_a_boundary() -> None:
    """The control for the test below: same account, the trust policy names the user, no
    identity Allow and no boundary -- can_assume finds the trust policy's grant."""
    index, shirley, target = _assume_index(None)
    assert can_assume(index[shirley], target, index) is not None


@pytest.mark.parametrize("named", [None, "*"])
def test_privesc_trust_naming_the_user_still_needs_her_boundary(named: str | None) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-role-trust-policy.html:
    "If a permissions boundary is set for the user, then it must allow the sts:AssumeRole
    action." The escalation analysis must not report a role as assumable by a user whose
    boundary (S3 only) leaves sts:AssumeRole out, even when the trust policy names her
    (by her user ARN, or by `*`)."""
    index, shirley, target = _assume_index("s3:*", named)
    assert can_assume(index[shirley], target, index) is None


@pytest.mark.parametrize(
    ("boundary_action", "chained"),
    [("s3:*", False), ("sts:AssumeRole", True), (None, True)],
)
def test_trust_chains_leave_out_users_whose_boundary_allows_no_assume_role(
    boundary_action: str | None, chained: bool
) -> None:
    """The trust-chain search (sts-001) skips a user whose boundary allows sts:AssumeRole
    nowhere, rather than try it against every role a `*` trust lets in: it can assume none.
    A boundary allowing the call, or none at all, leaves the chain to the administrator."""
    index, shirley, _ = _assume_index(boundary_action, "*")
    admin = factories.managed_policy("admin", factories.allow("*"))
    admin_role = factories.role(
        "admin", trust=factories.trust_policy({"AWS": "*"}), attached_policies=[admin.arn]
    )
    snap = factories.snapshot(
        users=list(index.snapshot.users),
        groups=[],
        roles=[admin_role],
        policies=[*index.snapshot.policies, admin],
    )
    chains = trust_chains(PermissionIndex(snap, factories.NOW))
    assert (shirley in chains) is chained
