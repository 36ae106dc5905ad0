"""The evaluator against the rules AWS documents, one group per page, with the pages' examples.

Accounts, names and policies follow the examples of the page named in each docstring (account
111122223333, 444455556666, the `amzn-s3-demo-bucket` buckets, the default key policy).
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.evaluator import Decision, Evaluator, PolicySet, Request
from bot.iam.policy import Policy, parse_policy

ACCOUNT = "111122223333"
OTHER = "444455556666"
USER = f"arn:aws:iam::{ACCOUNT}:user/exampleuser"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/examplerole"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/examplerole/examplerolesessionname"
FEDERATED = f"arn:aws:sts::{ACCOUNT}:federated-user/exampleuser"
BUCKET_OBJECT = "arn:aws:s3:::amzn-s3-demo-bucket/report.csv"
KEY = f"arn:aws:kms:us-east-2:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def policy(*statements: dict[str, Any], name: str = "p") -> Policy:
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, name=name)


def allow(action: str, resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str, resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def decide(
    policies: PolicySet,
    principal: str,
    action: str,
    resource: str,
    *,
    resource_account: str | None = None,
    pattern: bool = False,
) -> Decision:
    request = Request(
        principal, action, resource, resource_account, {}, resource_is_pattern=pattern
    )
    return Evaluator(policies).evaluate(request)


# --- KMS: the key policy is required ---------------------------------------------------------

DEFAULT_KEY_POLICY = policy(
    {
        "Sid": "Enable IAM User Permissions",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "kms:*",
        "Resource": "*",
    },
    name="key-policy",
)
IDENTITY_DECRYPT = policy(allow("kms:Decrypt", KEY), name="identity")


def test_kms_identity_policy_alone_does_not_allow() -> None:
    """AWS KMS Developer Guide, "Key policies in AWS KMS": "Every KMS key must have exactly one
    key policy ... no principal has any permissions to a KMS key unless the key policy allows
    it" -- an IAM policy alone is not enough, even in the key's account."""
    decision = decide(
        PolicySet(identity=[IDENTITY_DECRYPT], complete=True), USER, "kms:Decrypt", KEY
    )
    assert decision.decision == "implicit_deny"
    assert "KMS key policy must allow" in decision.reason


def test_kms_default_key_policy_delegates_to_iam_policies() -> None:
    """AWS KMS Developer Guide, "Default key policy": the statement "Enable IAM User
    Permissions" names the account, so IAM policies then decide -- they must still allow."""
    with_iam = PolicySet(identity=[IDENTITY_DECRYPT], resource_policy=DEFAULT_KEY_POLICY)
    assert decide(with_iam, USER, "kms:Decrypt", KEY).allowed
    without_iam = PolicySet(resource_policy=DEFAULT_KEY_POLICY)
    assert decide(without_iam, USER, "kms:Decrypt", KEY).decision == "implicit_deny"


def test_kms_key_policy_naming_the_user_allows_alone() -> None:
    """AWS KMS Developer Guide, "Key policies in AWS KMS": a key policy statement that names
    a principal gives it access without any IAM policy."""
    key_policy = policy(allow("kms:Decrypt", "*", Principal={"AWS": USER}), name="key")
    assert decide(PolicySet(resource_policy=key_policy), USER, "kms:Decrypt", KEY).allowed
    other = f"arn:aws:iam::{ACCOUNT}:user/other"
    assert not decide(PolicySet(resource_policy=key_policy), other, "kms:Decrypt", KEY).allowed


def test_kms_cross_account_needs_key_policy_and_iam_policy() -> None:
    """AWS KMS Developer Guide, "Allowing users in other accounts to use a KMS key": the key
    policy must give the external account access and an IAM policy there must delegate it."""
    key_policy = policy(
        allow("kms:Decrypt", "*", Principal={"AWS": f"arn:aws:iam::{OTHER}:root"}), name="key"
    )
    outsider = f"arn:aws:iam::{OTHER}:user/external"
    iam = policy(allow("kms:Decrypt", KEY))
    assert decide(
        PolicySet(identity=[iam], resource_policy=key_policy), outsider, "kms:Decrypt", KEY
    ).allowed
    assert not decide(PolicySet(resource_policy=key_policy), outsider, "kms:Decrypt", KEY).allowed


def test_kms_audit_without_key_policies_assumes_the_default_key_policy() -> None:
    """The audit does not collect key policies: an incomplete set is taken to carry the
    default key policy (AWS KMS Developer Guide, "Default key policy"), so IAM decides."""
    assert decide(PolicySet(identity=[IDENTITY_DECRYPT]), USER, "kms:Decrypt", KEY).allowed


# --- resource-based policies: Principal and NotPrincipal ------------------------------------


def test_statement_without_principal_matches_nobody() -> None:
    """IAM User Guide, "AWS JSON policy elements: Principal": "You must use the Principal
    element in resource-based policies" -- a statement without it names no one, so it neither
    grants nor denies."""
    no_principal_allow = policy(allow("s3:GetObject", BUCKET_OBJECT))
    assert not decide(
        PolicySet(resource_policy=no_principal_allow), USER, "s3:GetObject", BUCKET_OBJECT
    ).allowed
    trace = Evaluator(PolicySet(resource_policy=no_principal_allow)).explain(
        Request(USER, "s3:GetObject", BUCKET_OBJECT)
    )
    assert trace[0].why == "no Principal element, so the statement names no one"
    no_principal_deny = policy(deny("s3:GetObject", BUCKET_OBJECT))
    identity = policy(allow("s3:GetObject", BUCKET_OBJECT))
    both = PolicySet(identity=[identity], resource_policy=no_principal_deny)
    assert decide(both, USER, "s3:GetObject", BUCKET_OBJECT).allowed


# The example of IAM User Guide, "AWS JSON policy elements: NotPrincipal": a bucket policy that
# denies everyone but one role session of account 444455556666.
AUDIT_SESSION = (
    f"arn:aws:sts::{OTHER}:assumed-role/cross-account-read-only-role/cross-account-audit-app"
)
AUDIT_ROLE = f"arn:aws:iam::{OTHER}:role/cross-account-read-only-role"


@pytest.mark.parametrize(
    ("listed", "expected"),
    [
        ([AUDIT_SESSION, AUDIT_ROLE, f"arn:aws:iam::{OTHER}:root"], "allowed"),
        # every identity must be listed: the session alone does not spare it
        ([AUDIT_SESSION], "explicit_deny"),
        ([AUDIT_SESSION, AUDIT_ROLE], "explicit_deny"),
        # a role ARN with a path still names the session's role
        (
            [
                AUDIT_SESSION,
                f"arn:aws:iam::{OTHER}:role/audit/cross-account-read-only-role",
                OTHER,
            ],
            "allowed",
        ),
    ],
)
def test_not_principal_with_deny_must_list_account_role_and_session(
    listed: list[str], expected: str
) -> None:
    """IAM User Guide, "AWS JSON policy elements: NotPrincipal": with Deny, list the account
    ARN, the role ARN and the role session ARN, or the session is denied."""
    bucket_policy = policy(
        allow("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/*", Principal={"AWS": AUDIT_ROLE}),
        deny("s3:*", "arn:aws:s3:::amzn-s3-demo-bucket/*", NotPrincipal={"AWS": listed}),
        name="bucket",
    )
    identity = policy(allow("s3:GetObject"))
    policies = PolicySet(identity=[identity], resource_policy=bucket_policy)
    decision = decide(
        policies, AUDIT_SESSION, "s3:GetObject", BUCKET_OBJECT, resource_account=ACCOUNT
    )
    assert decision.decision == expected


def test_not_principal_deny_always_denies_a_principal_with_a_boundary() -> None:
    """IAM User Guide, "Permissions boundaries for IAM entities": "The NotPrincipal element with
    a Deny effect will always deny any IAM principal that has a permissions boundary policy
    attached, regardless of the values specified in the NotPrincipal element"."""
    bucket_policy = policy(
        deny("s3:*", "arn:aws:s3:::amzn-s3-demo-bucket/*", NotPrincipal={"AWS": [USER, ACCOUNT]})
    )
    everything = policy(allow("*"))
    spared = PolicySet(identity=[everything], resource_policy=bucket_policy)
    assert decide(spared, USER, "s3:GetObject", BUCKET_OBJECT).allowed
    bounded = PolicySet(
        identity=[everything], permission_boundaries=[everything], resource_policy=bucket_policy
    )
    assert decide(bounded, USER, "s3:GetObject", BUCKET_OBJECT).decision == "explicit_deny"


# --- session policies -----------------------------------------------------------------------

SESSION_EC2_ONLY = policy(allow("ec2:*"), name="session")


@pytest.mark.parametrize("named", [SESSION, ROLE, "*"])
def test_session_policy_implicit_deny_limits_resource_policy_grants(named: str) -> None:
    """IAM User Guide, "Session policies" and "How AWS enforcement code logic evaluates
    requests" (session policies may override an allow with an implicit deny): an implicit deny
    in the session policy denies even when the bucket policy names the role, the session or
    everyone. For the session ARN the "Session policies" page reads otherwise ("not limited by
    the session policy"); issue 11 and an independent evaluator's AWS-checked corpus say the
    session policy still limits it, which is what is implemented -- `simulate --aws` asks AWS."""
    bucket_policy = policy(allow("s3:GetObject", BUCKET_OBJECT, Principal={"AWS": named}))
    policies = PolicySet(session_policy=SESSION_EC2_ONLY, resource_policy=bucket_policy)
    decision = decide(policies, SESSION, "s3:GetObject", BUCKET_OBJECT, resource_account=ACCOUNT)
    assert decision.decision == "implicit_deny"
    assert "session policy" in decision.reason


def test_session_policy_implicit_deny_limits_identity_policies() -> None:
    """IAM User Guide, "Session policies": the session's permissions are the intersection of
    the role's identity-based policies and the session policies."""
    identity = policy(allow("s3:GetObject", BUCKET_OBJECT))
    policies = PolicySet(identity=[identity], session_policy=SESSION_EC2_ONLY)
    assert decide(policies, SESSION, "s3:GetObject", BUCKET_OBJECT).decision == "implicit_deny"
    open_session = PolicySet(identity=[identity], session_policy=policy(allow("*")))
    assert decide(open_session, SESSION, "s3:GetObject", BUCKET_OBJECT).allowed


def test_resource_policy_naming_the_session_grants_within_the_session_policy() -> None:
    """IAM User Guide, "How AWS enforcement code logic evaluates requests": a grant to the role
    session ARN needs no identity Allow when the session policy allows the action."""
    bucket_policy = policy(allow("s3:GetObject", BUCKET_OBJECT, Principal={"AWS": SESSION}))
    session = policy(allow("s3:*"), name="session")
    policies = PolicySet(session_policy=session, resource_policy=bucket_policy)
    assert decide(
        policies, SESSION, "s3:GetObject", BUCKET_OBJECT, resource_account=ACCOUNT
    ).allowed


def test_federated_user_session_named_directly_is_not_limited_by_its_session_policy() -> None:
    """AWS STS API Reference, GetFederationToken: when a resource-based policy "specifically
    references the federated user session in the Principal element ... These permissions are
    granted in addition to the permissions that are granted by the session policies"."""
    bucket_policy = policy(allow("s3:GetObject", BUCKET_OBJECT, Principal={"AWS": FEDERATED}))
    policies = PolicySet(session_policy=SESSION_EC2_ONLY, resource_policy=bucket_policy)
    assert decide(
        policies, FEDERATED, "s3:GetObject", BUCKET_OBJECT, resource_account=ACCOUNT
    ).allowed


# --- permissions boundaries with resource-based policies ------------------------------------

BOUNDARY_EC2_ONLY = policy(allow("ec2:*"), name="boundary")


@pytest.mark.parametrize(
    ("caller", "named", "expected"),
    [
        # IAM user named: not limited by an implicit deny in the boundary
        (USER, USER, "allowed"),
        # IAM role ARN named: limited by the boundary, for the role's sessions too
        (SESSION, ROLE, "implicit_deny"),
        # role session ARN named: granted to the session directly, not limited
        (SESSION, SESSION, "allowed"),
        # federated user session named: granted to the session directly, not limited
        (FEDERATED, FEDERATED, "allowed"),
        # the account named: delegates to IAM policies, which the boundary limits
        (USER, f"arn:aws:iam::{ACCOUNT}:root", "implicit_deny"),
    ],
)
def test_same_account_boundary_implicit_deny_and_resource_policy(
    caller: str, named: str, expected: str
) -> None:
    """IAM User Guide, "How AWS enforcement code logic evaluates requests", table "Resource-based
    policies and implicit denies in other policy types (same account)", and "Permissions
    boundaries for IAM entities" (evaluating effective permissions with boundaries)."""
    bucket_policy = policy(allow("s3:GetObject", BUCKET_OBJECT, Principal={"AWS": named}))
    identity = policy(allow("s3:GetObject", BUCKET_OBJECT))
    policies = PolicySet(
        identity=[identity],
        permission_boundaries=[BOUNDARY_EC2_ONLY],
        resource_policy=bucket_policy,
    )
    decision = decide(policies, caller, "s3:GetObject", BUCKET_OBJECT, resource_account=ACCOUNT)
    assert decision.decision == expected


@pytest.mark.parametrize("caller_named", [(USER, USER), (SESSION, SESSION), (SESSION, ROLE)])
def test_explicit_deny_in_boundary_always_wins(caller_named: tuple[str, str]) -> None:
    """IAM User Guide, "Policy evaluation logic": an explicit deny in any policy, the boundary
    included, overrides every allow."""
    caller, named = caller_named
    bucket_policy = policy(allow("s3:GetObject", BUCKET_OBJECT, Principal={"AWS": named}))
    boundary = policy(deny("s3:*"), allow("*"), name="boundary")
    policies = PolicySet(permission_boundaries=[boundary], resource_policy=bucket_policy)
    decision = decide(policies, caller, "s3:GetObject", BUCKET_OBJECT, resource_account=ACCOUNT)
    assert decision.decision == "explicit_deny"


@pytest.mark.parametrize(
    ("caller", "named"),
    [
        (f"arn:aws:iam::{OTHER}:user/external", f"arn:aws:iam::{OTHER}:user/external"),
        (
            f"arn:aws:sts::{OTHER}:assumed-role/external/s",
            f"arn:aws:sts::{OTHER}:assumed-role/external/s",
        ),
        (f"arn:aws:sts::{OTHER}:assumed-role/external/s", f"arn:aws:iam::{OTHER}:role/external"),
        (f"arn:aws:iam::{OTHER}:user/external", OTHER),
    ],
)
def test_cross_account_boundary_must_allow_whatever_the_resource_policy_names(
    caller: str, named: str
) -> None:
    """IAM User Guide, "Cross-account policy evaluation logic": the requester's identity side --
    identity policies within its permissions boundary -- must allow, and so must the resource
    policy; naming the principal directly does not lift the boundary across accounts."""
    bucket_policy = policy(allow("s3:GetObject", BUCKET_OBJECT, Principal={"AWS": named}))
    identity = policy(allow("s3:GetObject", BUCKET_OBJECT))
    blocked = PolicySet(
        identity=[identity],
        permission_boundaries=[BOUNDARY_EC2_ONLY],
        resource_policy=bucket_policy,
    )
    decision = decide(blocked, caller, "s3:GetObject", BUCKET_OBJECT, resource_account=ACCOUNT)
    assert decision.decision == "implicit_deny"
    assert "permissions boundary" in decision.reason
    open_boundary = PolicySet(
        identity=[identity],
        permission_boundaries=[policy(allow("s3:*"))],
        resource_policy=bucket_policy,
    )
    assert decide(
        open_boundary, caller, "s3:GetObject", BUCKET_OBJECT, resource_account=ACCOUNT
    ).allowed


# --- calls always allowed, resources never changeable ---------------------------------------


@pytest.mark.parametrize(
    "policies",
    [
        PolicySet(identity=[policy(deny("sts:GetCallerIdentity"))]),
        PolicySet(session_policy=policy(deny("*"))),
        PolicySet(scps=[[policy(deny("*"))]]),
        PolicySet(),
    ],
)
def test_get_caller_identity_is_allowed_even_under_explicit_deny(policies: PolicySet) -> None:
    """AWS STS API Reference, GetCallerIdentity: "No permissions are required to perform this
    operation. If an administrator attaches a policy to your identity that explicitly denies
    access to the sts:GetCallerIdentity action, you can still perform this operation.\""""
    decision = decide(policies, SESSION, "sts:GetCallerIdentity", "*")
    assert decision.allowed
    assert "no policy can deny" in decision.reason


ADMIN = policy(allow("*"), name="admin")
AWS_MANAGED = "arn:aws:iam::aws:policy/AdministratorAccess"


@pytest.mark.parametrize(
    "action",
    [
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
        "iam:DeletePolicy",
        "iam:DeletePolicyVersion",
        "iam:TagPolicy",
    ],
)
def test_aws_managed_policies_cannot_be_changed(action: str) -> None:
    """IAM User Guide, "AWS managed policies": "You cannot change the permissions defined in AWS
    managed policies" -- even an administrator's Allow does not reach them."""
    decision = decide(PolicySet(identity=[ADMIN]), USER, action, AWS_MANAGED)
    assert decision.decision == "implicit_deny"
    assert "AWS managed policies" in decision.reason
    customer = f"arn:aws:iam::{ACCOUNT}:policy/ExamplePolicy"
    assert decide(PolicySet(identity=[ADMIN]), USER, action, customer).allowed
    # attaching an AWS managed policy changes the role, not the policy: allowed
    assert decide(PolicySet(identity=[ADMIN]), USER, "iam:GetPolicy", AWS_MANAGED).allowed


def test_an_explicit_deny_on_an_aws_managed_policy_stays_explicit() -> None:
    """IAM User Guide, "Policy evaluation logic": the explicit deny is what decides."""
    policies = PolicySet(identity=[ADMIN, policy(deny("iam:*"))])
    decision = decide(policies, USER, "iam:CreatePolicyVersion", AWS_MANAGED)
    assert decision.decision == "explicit_deny"


SERVICE_LINKED = (
    f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/elasticbeanstalk.amazonaws.com/"
    "AWSServiceRoleForElasticBeanstalk"
)
SSO_ROLE = (
    f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/"
    "AWSReservedSSO_AdministratorAccess_1234567890abcdef"
)


@pytest.mark.parametrize(
    ("action", "resource", "expected"),
    [
        ("iam:PutRolePolicy", SERVICE_LINKED, "implicit_deny"),
        ("iam:AttachRolePolicy", SERVICE_LINKED, "implicit_deny"),
        ("iam:UpdateAssumeRolePolicy", SERVICE_LINKED, "implicit_deny"),
        ("iam:DeleteRole", SERVICE_LINKED, "implicit_deny"),
        # the description can be edited and the role deleted the service-linked way
        ("iam:UpdateRoleDescription", SERVICE_LINKED, "allowed"),
        ("iam:DeleteServiceLinkedRole", SERVICE_LINKED, "allowed"),
        ("iam:AttachRolePolicy", SSO_ROLE, "implicit_deny"),
        ("iam:PassRole", SSO_ROLE, "implicit_deny"),
        ("iam:UpdateAssumeRolePolicy", SSO_ROLE, "implicit_deny"),
        ("iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/examplerole", "allowed"),
    ],
)
def test_service_linked_and_reserved_roles_cannot_be_changed(
    action: str, resource: str, expected: str
) -> None:
    """IAM User Guide, "Create a service-linked role" / "Using service-linked roles" (only the
    description is editable) and IAM Identity Center User Guide (roles under
    /aws-reserved/sso.amazonaws.com/ are managed by Identity Center only)."""
    assert decide(PolicySet(identity=[ADMIN]), USER, action, resource).decision == expected


@pytest.mark.parametrize(
    ("alias", "expected"),
    [("alias/aws/s3", "implicit_deny"), ("alias/ExampleAlias", "allowed")],
)
@pytest.mark.parametrize("action", ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"])
def test_aws_managed_kms_aliases_cannot_be_changed(action: str, alias: str, expected: str) -> None:
    """AWS KMS Developer Guide, "Aliases in AWS KMS": aliases that begin with alias/aws/ are
    reserved for AWS managed keys; no one can create, update or delete them."""
    arn = f"arn:aws:kms:us-east-2:{ACCOUNT}:{alias}"
    assert decide(PolicySet(identity=[ADMIN]), USER, action, arn).decision == expected


# --- requests about `*` and wildcard resources ----------------------------------------------


def test_action_without_resource_type_needs_resource_star() -> None:
    """IAM User Guide, "IAM JSON policy elements: Resource": when a service does not support
    resource-level permissions for an action, only `*` in Resource applies to it."""
    specific = PolicySet(identity=[policy(allow("s3:ListAllMyBuckets", "arn:aws:s3:::my-bucket"))])
    assert not decide(specific, USER, "s3:ListAllMyBuckets", "*", pattern=True).allowed
    star = PolicySet(identity=[policy(allow("s3:ListAllMyBuckets", "*"))])
    assert decide(star, USER, "s3:ListAllMyBuckets", "*", pattern=True).allowed


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        ("arn:aws:s3:::amzn-s3-demo-bucket/photo.jpg", "allowed"),
        ("arn:aws:s3:::amzn-s3-demo-bucket/*", "allowed"),
        ("*", "allowed"),
        ("arn:aws:dynamodb:us-east-2:111122223333:table/Books", "implicit_deny"),
    ],
)
def test_asking_about_any_resource_finds_a_specific_grant(resource: str, expected: str) -> None:
    """IAM User Guide, "IAM JSON policy elements: Resource" (wildcards in ARN segments): a
    question about `*` is answered allowed when some resource is allowed."""
    policies = PolicySet(identity=[policy(allow("s3:GetObject", resource))])
    decision = decide(policies, USER, "s3:GetObject", "*", pattern=True)
    assert decision.decision == expected
    # read literally (a real request), `*` is just the string `*`
    literal = decide(policies, USER, "s3:GetObject", "*")
    assert literal.allowed == (resource == "*")


@pytest.mark.parametrize(
    ("deny_statement", "expected"),
    [
        (deny("s3:DeleteObject", "arn:aws:s3:::protected-bucket/*"), "allowed"),
        (deny("s3:DeleteObject", "arn:aws:s3:::*"), "explicit_deny"),
        (deny("s3:DeleteObject", "*"), "explicit_deny"),
        (
            {"Effect": "Deny", "Action": "s3:DeleteObject", "NotResource": "arn:aws:s3:::public/*"},
            "allowed",
        ),
    ],
)
def test_a_deny_settles_a_wildcard_question_only_when_it_covers_it(
    deny_statement: dict[str, Any], expected: str
) -> None:
    """IAM User Guide, "Policy evaluation logic": a Deny wins for the resources it matches; for
    a question about all S3 objects, a Deny on one bucket leaves the others allowed."""
    policies = PolicySet(identity=[policy(allow("*"), deny_statement)])
    decision = decide(policies, USER, "s3:DeleteObject", "arn:aws:s3:::*/*", pattern=True)
    assert decision.decision == expected


@pytest.mark.parametrize(
    ("identity_resource", "expected"),
    [
        ("arn:aws:s3:::*/AWSLogs/*", "allowed"),
        ("arn:aws:s3:::*/*.iso", "allowed"),
        ("arn:aws:s3:::*", "allowed"),
        ("arn:aws:s3:::other-bucket/*", "implicit_deny"),
    ],
)
def test_s3_prefixes_on_both_sides_intersect(identity_resource: str, expected: str) -> None:
    """IAM User Guide, "Cross-account policy evaluation logic" with the bucket policy example of
    Amazon S3 User Guide, "Granting cross-account permissions": both sides must allow, and a
    question about `amzn-s3-demo-bucket/*` is allowed where the two patterns share objects."""
    bucket_policy = policy(
        allow(
            "s3:GetObject",
            "arn:aws:s3:::amzn-s3-demo-bucket/*",
            Principal={"AWS": f"arn:aws:iam::{OTHER}:root"},
        )
    )
    identity = policy(allow("s3:GetObject", identity_resource))
    policies = PolicySet(identity=[identity], resource_policy=bucket_policy)
    decision = decide(
        policies,
        f"arn:aws:iam::{OTHER}:role/ExampleRole",
        "s3:GetObject",
        "arn:aws:s3:::amzn-s3-demo-bucket/*",
        resource_account=ACCOUNT,
        pattern=True,
    )
    assert decision.decision == expected


def test_sweep_agrees_with_single_pattern_evaluations() -> None:
    """The sweep (allowed_actions) reads a pattern the same way per action."""
    policies = PolicySet(
        identity=[
            policy(
                allow("s3:*", "arn:aws:s3:::amzn-s3-demo-bucket/*"),
                allow("s3:ListAllMyBuckets", "arn:aws:s3:::x"),
            )
        ]
    )
    evaluator = Evaluator(policies)
    actions = ["s3:GetObject", "s3:ListAllMyBuckets", "s3:PutObject"]
    swept = evaluator.allowed_actions(actions, "*", principal_arn=USER, resource_is_pattern=True)
    for action in actions:
        single = evaluator.evaluate(Request(USER, action, "*", resource_is_pattern=True))
        assert swept[action].decision == single.decision
    assert swept["s3:GetObject"].allowed
    assert not swept["s3:ListAllMyBuckets"].allowed


def test_resource_policy_naming_the_role_grants_within_the_boundary() -> None:
    """IAM User Guide, "How AWS enforcement code logic evaluates requests": a grant to the role
    ARN needs no identity Allow, only the boundary's (and session policy's) room for it."""
    bucket_policy = policy(allow("s3:GetObject", BUCKET_OBJECT, Principal={"AWS": ROLE}))
    policies = PolicySet(
        permission_boundaries=[policy(allow("s3:*"), name="boundary")],
        resource_policy=bucket_policy,
    )
    decision = decide(policies, SESSION, "s3:GetObject", BUCKET_OBJECT, resource_account=ACCOUNT)
    assert decision.allowed


@pytest.mark.parametrize(
    "caller",
    [
        f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/elasticbeanstalk.amazonaws.com/"
        "AWSServiceRoleForElasticBeanstalk",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/AWSServiceRoleForElasticBeanstalk/session",
    ],
)
def test_scps_do_not_affect_service_linked_roles_or_their_sessions(caller: str) -> None:
    """AWS Organizations User Guide, "Service control policies (SCPs)": "SCPs do not affect
    service-linked roles" -- a deny-all SCP leaves the role's own permissions in force."""
    policies = PolicySet(identity=[policy(allow("s3:GetObject"))], scps=[[policy(deny("*"))]])
    assert decide(policies, caller, "s3:GetObject", BUCKET_OBJECT).allowed
    ordinary = f"arn:aws:sts::{ACCOUNT}:assumed-role/examplerole/session"
    assert decide(policies, ordinary, "s3:GetObject", BUCKET_OBJECT).decision == "explicit_deny"


def test_kms_question_about_any_key_still_needs_a_key_policy() -> None:
    """AWS KMS Developer Guide, "Key policies in AWS KMS": every key has a key policy that must
    allow; asking about `*` for kms:Decrypt asks about keys, so the rule holds; kms:ListKeys has
    no resource type and needs only IAM."""
    identity = policy(allow("kms:*"))
    complete = PolicySet(identity=[identity], complete=True)
    assert not decide(complete, USER, "kms:Decrypt", "*", pattern=True).allowed
    assert decide(complete, USER, "kms:ListKeys", "*", pattern=True).allowed
    with_key_policy = PolicySet(identity=[identity], resource_policy=DEFAULT_KEY_POLICY)
    assert decide(with_key_policy, USER, "kms:Decrypt", "*", pattern=True).allowed


def test_get_session_token_is_not_controlled_by_policies() -> None:
    """IAM User Guide, "Permissions for GetSessionToken": "No permissions are required for a user
    to get a session token ... You cannot use policies to control authentication operations";
    it is called with an IAM user's (or the root user's) long-term credentials."""
    denied = PolicySet(identity=[policy(deny("sts:*"))])
    assert decide(denied, USER, "sts:GetSessionToken", "*").allowed
    # a role session is no IAM user: its policies decide as usual
    assert decide(denied, SESSION, "sts:GetSessionToken", "*").decision == "explicit_deny"


def test_scps_do_not_apply_to_anonymous_callers_but_rcps_do() -> None:
    """AWS Organizations User Guide, "Service control policies (SCPs)": SCPs affect only IAM users
    and roles managed by accounts in the organization; "Resource control policies (RCPs)": RCPs
    apply to the organization's resources whoever asks, anonymous requests included."""
    public = policy(
        allow("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/*", Principal="*"), name="bucket"
    )
    deny_reads = policy(deny("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/*"), allow("*"))
    with_scp = PolicySet(resource_policy=public, scps=[[deny_reads]])
    assert decide(with_scp, "*", "s3:GetObject", BUCKET_OBJECT, resource_account=ACCOUNT).allowed
    rcp = policy(
        deny("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/*", Principal="*"),
        allow("*", Principal="*"),
        name="rcp",
    )
    with_rcp = PolicySet(resource_policy=public, rcps=[[rcp]])
    decision = decide(with_rcp, "*", "s3:GetObject", BUCKET_OBJECT, resource_account=ACCOUNT)
    assert decision.decision == "explicit_deny"


HOME = "arn:aws:s3:::amzn-s3-demo-bucket/home/"


@pytest.mark.parametrize(
    ("question", "statements", "expected"),
    [
        # an Allow on the whole bucket covers a question about one user's prefix
        (
            HOME + "JohnDoe/*",
            [allow("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/*")],
            "allowed",
        ),
        # disjoint prefixes share nothing
        (HOME + "JohnDoe/*", [allow("s3:GetObject", HOME + "JaneDoe/*")], "implicit_deny"),
        # NotResource leaves the question's prefix out entirely, or not
        (
            HOME + "JohnDoe/*",
            [{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": HOME + "*"}],
            "implicit_deny",
        ),
        (
            HOME + "JohnDoe/*",
            [{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": HOME + "JaneDoe/*"}],
            "allowed",
        ),
        # a Deny on the very prefix asked about settles it; on a part of it, it does not
        (
            HOME + "JohnDoe/*",
            [allow("s3:GetObject"), deny("s3:GetObject", HOME + "*")],
            "explicit_deny",
        ),
        (HOME + "*", [allow("s3:GetObject"), deny("s3:GetObject", HOME + "JohnDoe/*")], "allowed"),
        # a Deny with NotResource denies a prefix wholly outside the one it spares
        (
            HOME + "JohnDoe/*",
            [
                allow("s3:GetObject"),
                {"Effect": "Deny", "Action": "s3:GetObject", "NotResource": HOME + "JaneDoe/*"},
            ],
            "explicit_deny",
        ),
        (
            HOME + "JaneDoe/*",
            [
                allow("s3:GetObject"),
                {"Effect": "Deny", "Action": "s3:GetObject", "NotResource": HOME + "JaneDoe/*"},
            ],
            "allowed",
        ),
    ],
)
def test_s3_key_prefix_questions(
    question: str, statements: list[dict[str, Any]], expected: str
) -> None:
    """Amazon S3 User Guide, "Bucket policy examples" (home/ prefixes per user) with IAM User
    Guide, "IAM JSON policy elements: NotResource": questions about a key prefix."""
    policies = PolicySet(identity=[policy(*statements)])
    assert decide(policies, USER, "s3:GetObject", question, pattern=True).decision == expected
