"""PMapper's published test material, ported: its graphs, admin flags, edges and simulations.

Each test builds the account (or the policy set) of one nccgroup/PMapper case with our factories
and asserts what our engine answers: ``principal.admin_equivalent`` / ``is_admin_equivalent`` for
PMapper's admin identification, ``find_escalations`` (bot/iam/privesc.py, the engine behind
``principal.privilege_escalation``) for its edges (an edge A->B with B admin means A escalates),
and the evaluator (bot/iam/evaluator.py) for its local policy simulation.

PMapper files used (repository nccgroup/PMapper):
- tests/build_test_graphs.py (build_playground_graph, build_graph_with_one_admin,
  _build_user_with_policy and the JumpPolicy / AmazonS3FullAccess / AmazonEC2RoleforSSM fixtures);
- tests/test_edge_identification.py (playground sts:AssumeRole reachability);
- tests/test_admin_identification.py (inline admin, Allow+Deny `*`, admin group membership);
- tests/test_local_querying.py (admin can do anything, ${aws:username} in Resource, Arn*, Null,
  ForAllValues:/ForAnyValue:Null, Date*, IpAddress, Bool, DynamoDB dynamodb:Attributes, MFA);
- tests/test_local_policy_sim.py (Action / NotAction / Resource / NotResource matching, variable,
  `*` and `?` expansion);
- tests/test_permissions_boundaries.py, tests/test_resource_policy_evaluation.py,
  tests/test_cross_account_checks.py (boundaries, role trust and bucket policies, SQS:/SNS:
  action prefixes), tests/test_org_trees.py (SCP levels);
- principalmapper/graphing/gathering.py (update_admin_status: the self-escalation criteria PMapper
  folds into "admin"), iam_edges.py, sts_edges.py, lambda_edges.py, ec2_edges.py, ssm_edges.py,
  sagemaker_edges.py, autoscaling_edges.py (when an edge exists), and the PMapper sources named by
  bot/iam/data/privesc_methods.json (cloudformation, codebuild).

AWS references (IAM User Guide unless named): "Policy evaluation logic" (deny wins; same-account
resource-based policies naming a user ARN grant on their own; boundaries and SCPs limit identity
grants), "Permissions boundaries for IAM entities", "IAM JSON policy elements: Condition
operators" (Arn*, Null, Date*, IpAddress, Bool, ...IfExists), "Single-valued vs. multivalued
context keys" (ForAllValues is true for an empty set of request values, ForAnyValue false), "IAM
policy elements: Variables and tags", "IAM and AWS STS quotas" (2 access keys per user), the IAM
API Reference (CreateLoginProfile: EntityAlreadyExists; UpdateLoginProfile: NoSuchEntity), the
EC2 Auto Scaling User Guide, "Amazon EC2 Auto Scaling API permissions" (CreateAutoScalingGroup
needs iam:PassRole only for a launch template with an instance profile, a non-default
service-linked role or a lifecycle-hook role, not for a launch configuration).

Where PMapper and we disagree the docstring says who is right: PMapper-wrong (or models-less)
cases pin our behaviour; our defects are strict xfails naming the cause and the fix.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.effective import PermissionIndex
from bot.iam.evaluator import PolicySet, Request, evaluate
from bot.iam.policy import Policy, parse_policy
from bot.iam.privesc import Escalation, can_assume, find_escalations
from bot.model.snapshot import AccountSnapshot
from tests.factories import (
    ACCOUNT_ID,
    ADMINISTRATOR_ACCESS,
    NOW,
    OTHER_ACCOUNT_ID,
    READ_ONLY_ACCESS,
    account_arn,
    allow,
    credential_row,
    group,
    group_arn,
    inline,
    key,
    managed_policy,
    policy_document,
    role,
    role_arn,
    run_check,
    service_trust,
    snapshot,
    statement,
    trust_policy,
    user,
    user_arn,
    with_rows,
)

ADMIN_POLICY = managed_policy("AdministratorAccess", allow("*"), aws_managed=True)
S3_FULL = managed_policy("AmazonS3FullAccess", allow("s3:*"), aws_managed=True)
JUMP = managed_policy("JumpPolicy", allow("sts:AssumeRole"))
READ_ONLY_S3 = managed_policy(
    "AmazonS3ReadOnlyAccess", allow(["s3:Get*", "s3:List*"]), aws_managed=True
)
# AmazonEC2RoleforSSM as build_test_graphs.py holds it (abridged: one action per service).
EC2_FOR_SSM = managed_policy(
    "AmazonEC2RoleforSSM",
    policy_document(
        statement(action=["ssm:GetDocument", "ssm:UpdateInstanceInformation"]),
        statement(action=["ssmmessages:CreateControlChannel", "ec2messages:GetMessages"]),
        statement(action=["s3:GetObject", "s3:PutObject", "logs:PutLogEvents"]),
    ),
    aws_managed=True,
)


# --- helpers ----------------------------------------------------------------------------------


def _account(
    *,
    users: tuple[Any, ...] = (),
    roles: tuple[Any, ...] = (),
    groups: tuple[Any, ...] = (),
    policies: tuple[Any, ...] = (),
    **kwargs: Any,
) -> AccountSnapshot:
    """An account holding AdministratorAccess plus ``policies``; no default group."""
    return snapshot(
        users=users, roles=roles, groups=groups, policies=(ADMIN_POLICY, *policies), **kwargs
    )


def _escalations(snap: AccountSnapshot) -> dict[str, Escalation]:
    return find_escalations(PermissionIndex(snap, NOW))


def _methods(snap: AccountSnapshot, arn: str) -> set[str]:
    found = _escalations(snap).get(arn)
    return set(found.method_ids) if found else set()


def _holder(document: dict[str, Any], name: str = "holder", **kwargs: Any):
    """A user with one inline policy and no group (PMapper's _build_user_with_policy)."""
    return user(name, groups=(), inline_policies=[inline("holder-policy", document)], **kwargs)


def _admin_role(name: str = "admin_role", trust: dict[str, Any] | None = None):
    return role(
        name,
        trust=trust if trust is not None else trust_policy({"AWS": account_arn()}),
        attached_policies=[ADMINISTRATOR_ACCESS],
    )


def _admin_user(name: str = "admin"):
    return user(name, groups=(), attached_policies=[ADMINISTRATOR_ACCESS])


HOLDER = user_arn("holder")

# PMapper's simulation account and principal (000000000000, user/asdf).
PM_ACCOUNT = "000000000000"
ASDF = f"arn:aws:iam::{PM_ACCOUNT}:user/asdf"
# A role session: no aws:username in its requests (PMapper passes '' for "absent").
SESSION = f"arn:aws:sts::{PM_ACCOUNT}:assumed-role/r/s"


def _pol(*statements: dict[str, Any], name: str = "p") -> Policy:
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, name=name)


def _stmt(effect: str = "Allow", action: Any = "*", resource: Any = "*", **extra: Any):
    body: dict[str, Any] = {"Effect": effect, "Action": action}
    if resource is not None:
        body["Resource"] = resource
    body.update(extra)
    return body


def _decide(
    policies: PolicySet,
    action: str = "iam:CreateUser",
    resource: str = "*",
    context: dict[str, Any] | None = None,
    *,
    principal: str = ASDF,
    resource_account: str | None = None,
) -> str:
    request = Request(principal, action, resource, resource_account, context or {})
    return evaluate(request, policies).decision


def _with_condition(condition: dict[str, Any]) -> PolicySet:
    """PMapper's condition tests: Allow `*` on `*` under one condition."""
    return PolicySet(identity=[_pol(_stmt(Condition=condition))])


# --- admin identification (test_admin_identification.py) ---------------------------------------


def test_inline_admin_is_admin_and_allow_all_with_deny_all_is_not():
    """test_admin_verified_by_inline_policies: Allow `*` inline -> admin; the same with a Deny `*`
    statement beside it -> not (explicit deny wins)."""
    both = policy_document(statement(action="*"), statement(effect="Deny", action="*"))
    snap = _account(
        users=(
            _holder(allow("*"), name="user_1"),
            _holder(both, name="user_2"),
        )
    )
    flagged = [f.resource_arn for f in run_check("principal.admin_equivalent", snap)]
    assert flagged == [user_arn("user_1")]
    assert _escalations(snap) == {}


def test_member_of_an_admin_group_is_admin_member_of_an_empty_group_is_not():
    """test_admin_verified_for_group_member: group/admins with an inline Allow `*`."""
    snap = _account(
        users=(user("node_1", groups=("admins",)), user("node_2", groups=("losers",))),
        groups=(
            group("admins", inline_policies=[inline("inline_admin", allow("*"))]),
            group("losers"),
        ),
    )
    flagged = [f.resource_arn for f in run_check("principal.admin_equivalent", snap)]
    assert flagged == [user_arn("node_1")]


# --- gathering.update_admin_status: what PMapper calls admin, we call self-escalation -----------

OWN = managed_policy("own", allow("s3:GetObject"))
TEAM_POLICY = managed_policy("team-policy", allow("s3:GetObject"))
ON_ADMIN_ARN = {"ArnEquals": {"iam:PolicyARN": ADMINISTRATOR_ACCESS}}


def _self_escalators() -> list[tuple[str, AccountSnapshot, str, str]]:
    own_role = role(
        "holder", inline_policies=[inline("h", allow("iam:PutRolePolicy", role_arn("holder")))]
    )
    in_team = {"groups": ("team",)}
    return [
        (
            "put-own-user-policy",
            _account(users=(_holder(allow("iam:PutUserPolicy", HOLDER)),)),
            HOLDER,
            "iam-007",
        ),
        ("put-own-role-policy", _account(roles=(own_role,)), role_arn("holder"), "iam-005"),
        (
            "attach-admin-to-self",
            _account(
                users=(_holder(allow("iam:AttachUserPolicy", HOLDER, condition=ON_ADMIN_ARN)),)
            ),
            HOLDER,
            "iam-008",
        ),
        (
            "new-version-of-own-policy",
            _account(
                users=(
                    user(
                        "holder",
                        groups=(),
                        attached_policies=[OWN.arn],
                        inline_policies=[inline("h", allow("iam:CreatePolicyVersion", OWN.arn))],
                    ),
                ),
                policies=(OWN,),
            ),
            HOLDER,
            "iam-001",
        ),
        (
            "put-own-group-policy",
            _account(
                users=(
                    user(
                        "holder",
                        **in_team,
                        inline_policies=[
                            inline("h", allow("iam:PutGroupPolicy", group_arn("team")))
                        ],
                    ),
                ),
                groups=(group("team"),),
            ),
            HOLDER,
            "iam-011",
        ),
        (
            "attach-to-own-group",
            _account(
                users=(
                    user(
                        "holder",
                        **in_team,
                        inline_policies=[
                            inline("h", allow("iam:AttachGroupPolicy", group_arn("team")))
                        ],
                    ),
                ),
                groups=(group("team"),),
            ),
            HOLDER,
            "iam-010",
        ),
        (
            "new-version-of-group-policy",
            _account(
                users=(
                    user(
                        "holder",
                        **in_team,
                        inline_policies=[
                            inline("h", allow("iam:CreatePolicyVersion", TEAM_POLICY.arn))
                        ],
                    ),
                ),
                groups=(group("team", attached_policies=[TEAM_POLICY.arn]),),
                policies=(TEAM_POLICY,),
            ),
            HOLDER,
            "iam-001",
        ),
    ]


@pytest.mark.parametrize(
    ("snap", "arn", "method"),
    [case[1:] for case in _self_escalators()],
    ids=[case[0] for case in _self_escalators()],
)
def test_pmapper_admin_criteria_are_direct_self_escalations(snap, arn, method):
    """gathering.update_admin_status marks these principals is_admin: it can put its own inline
    policy, attach AdministratorAccess to itself (iam:PolicyARN checked), write a new version of
    a customer-managed policy attached to it or its group, or write its group's policies. They
    hold no administrator permission yet, so our principal.admin_equivalent does not list them
    (PMapper folds "can become admin in one step" into admin, a modelling choice, not an AWS
    rule); each is reported as the matching direct self-escalation instead."""
    found = _escalations(snap)[arn]
    assert method in found.method_ids
    assert found.direct
    assert run_check("principal.admin_equivalent", snap) == []


def test_attach_limited_to_read_only_by_policy_arn_is_no_escalation():
    """update_admin_status asks AttachUserPolicy with iam:PolicyARN = AdministratorAccess, so a
    grant whose ArnEquals names only ReadOnlyAccess is not admin. We agree: the only policy the
    holder can attach adds nothing it could escalate with."""
    condition = {"ArnEquals": {"iam:PolicyARN": READ_ONLY_ACCESS}}
    snap = _account(users=(_holder(allow("iam:AttachUserPolicy", HOLDER, condition=condition)),))
    assert _methods(snap, HOLDER) == set()


@pytest.mark.parametrize("write", ["iam:AttachRolePolicy", "iam:PutRolePolicy"])
def test_create_role_and_write_its_policy_is_reported(write):
    """update_admin_status: iam:CreateRole plus AttachRolePolicy (AdministratorAccess) or
    PutRolePolicy on `*` makes a user admin (create a role trusting itself, give it
    administrator, assume it). We report the role write (iam-009 / iam-005)."""
    snap = _account(users=(_holder(allow(["iam:CreateRole", write])),))
    assert _methods(snap, HOLDER) & {"iam-009", "iam-005"}


@pytest.mark.parametrize("write", ["iam:AttachRolePolicy", "iam:PutRolePolicy"])
def test_create_role_and_write_its_policy_escalates_the_holder_itself(write):
    """A user allowed iam:CreateRole creates a role whose trust policy names its own user ARN;
    in the same account that trust alone lets it assume the role (IAM User Guide, policy
    evaluation: a resource-based policy naming the user ARN grants without an identity Allow),
    and the role write makes the role an administrator: the holder itself gains."""
    snap = _account(users=(_holder(allow(["iam:CreateRole", write])),))
    assert _escalations(snap)[HOLDER].direct


# --- iam_edges.py: access keys, passwords, trust documents --------------------------------------


def test_create_access_key_on_an_admin_user_is_an_edge():
    """iam_edges: iam:CreateAccessKey on the destination user -> 'can create access keys to
    authenticate as'; the destination is admin, so the holder escalates (iam-002)."""
    snap = _account(users=(_admin_user(), _holder(allow("iam:CreateAccessKey", user_arn("admin")))))
    assert _methods(snap, HOLDER) == {"iam-002"}


def _two_keys_report():
    return with_rows(credential_row("admin", key1=key(), key2=key()), credential_row("holder"))


def test_admin_with_two_keys_needs_delete_access_key_too():
    """iam_edges: when the destination already has two access keys, the edge needs
    iam:DeleteAccessKey as well. With both, iam-003 is reported."""
    both = allow(["iam:CreateAccessKey", "iam:DeleteAccessKey"], user_arn("admin"))
    snap = _account(users=(_admin_user(), _holder(both)), credential_report=_two_keys_report())
    assert "iam-003" in _methods(snap, HOLDER)


def test_create_access_key_alone_cannot_reach_a_user_with_two_keys():
    """IAM and AWS STS quotas: "Access keys assigned to an IAM user: 2". PMapper's iam_edges drops
    the edge unless the holder can also delete a key; so should we."""
    snap = _account(
        users=(_admin_user(), _holder(allow("iam:CreateAccessKey", user_arn("admin")))),
        credential_report=_two_keys_report(),
    )
    assert "iam-002" not in _methods(snap, HOLDER)


@pytest.mark.parametrize(
    ("has_password", "action", "method"),
    [(False, "iam:CreateLoginProfile", "iam-004"), (True, "iam:UpdateLoginProfile", "iam-006")],
    ids=["create-when-none", "update-when-set"],
)
def test_setting_the_admins_password_is_an_edge(has_password, action, method):
    """iam_edges: UpdateLoginProfile when the destination has a password, CreateLoginProfile
    when it has none -> 'can set the password to authenticate as'."""
    snap = _account(
        users=(_admin_user(), _holder(allow(action, user_arn("admin")))),
        credential_report=with_rows(
            credential_row("admin", password=has_password), credential_row("holder")
        ),
    )
    assert _methods(snap, HOLDER) == {method}


@pytest.mark.parametrize(
    ("has_password", "action"),
    [(True, "iam:CreateLoginProfile"), (False, "iam:UpdateLoginProfile")],
    ids=["create-when-set", "update-when-none"],
)
def test_the_wrong_login_profile_call_is_no_edge(has_password, action):
    """IAM API Reference: CreateLoginProfile fails with EntityAlreadyExists when the user has a
    password; UpdateLoginProfile fails with NoSuchEntity when it has none. PMapper's iam_edges
    asks the call that can work; the other one gives no access."""
    snap = _account(
        users=(_admin_user(), _holder(allow(action, user_arn("admin")))),
        credential_report=with_rows(
            credential_row("admin", password=has_password), credential_row("holder")
        ),
    )
    assert _methods(snap, HOLDER) == set()


def test_update_assume_role_policy_on_an_admin_role_is_an_edge():
    """iam_edges: iam:UpdateAssumeRolePolicy on the destination role -> 'can update the trust
    document to access' (iam-012)."""
    snap = _account(
        users=(_holder(allow("iam:UpdateAssumeRolePolicy", role_arn("admin_role"))),),
        roles=(_admin_role(trust=trust_policy({"AWS": account_arn(OTHER_ACCOUNT_ID)})),),
    )
    assert _methods(snap, HOLDER) == {"iam-012"}


def test_rewriting_the_trust_of_a_lesser_role_is_no_edge():
    """The same edge needs a destination worth reaching: UpdateAssumeRolePolicy on `*` in an
    account whose only role holds less than the holder (read-only, against the holder's
    s3:*) gains nothing, and neither does a Resource pattern naming a role the account does
    not have; with an administrator role present the finding names that role, not a probe."""
    holder = _holder(
        policy_document(
            statement(action="iam:UpdateAssumeRolePolicy"),
            statement(action=["s3:*", "ec2:Describe*"]),
        )
    )
    reader = role("reader", attached_policies=[READ_ONLY_S3.arn])
    lesser_only = _account(users=(holder,), roles=(reader,), policies=(READ_ONLY_S3,))
    assert _methods(lesser_only, HOLDER) == set()
    missing = _holder(allow("iam:UpdateAssumeRolePolicy", role_arn("future-*")))
    assert _methods(_account(users=(missing,), roles=(_admin_role(),)), HOLDER) == set()
    with_admin = _account(users=(holder,), roles=(reader, _admin_role()), policies=(READ_ONLY_S3,))
    (held,) = _escalations(with_admin)[HOLDER].methods
    assert held.method.id == "iam-012"
    assert held.accesses[0].resource == role_arn("admin_role")


# --- playground graph (build_test_graphs.py, test_edge_identification.py) -----------------------


def _playground() -> AccountSnapshot:
    ec2 = service_trust("ec2.amazonaws.com")
    root = trust_policy({"AWS": account_arn()})
    bare_id = trust_policy({"AWS": ACCOUNT_ID})
    other = trust_policy({"AWS": OTHER_ACCOUNT_ID})
    return _account(
        users=(
            _admin_user(),
            user("jumpuser", groups=(), attached_policies=[JUMP.arn]),
            user("some_other_jumpuser", path="/somepath/", groups=(), attached_policies=[JUMP.arn]),
        ),
        roles=(
            role("ec2_ssm_role", trust=ec2, attached_policies=[EC2_FOR_SSM.arn]),
            role("s3_access_role", trust=root, attached_policies=[S3_FULL.arn]),
            role("s3_access_role_alt", trust=bare_id, attached_policies=[S3_FULL.arn]),
            role("external_s3_access_role", trust=other, attached_policies=[S3_FULL.arn]),
            role("somerole", path="/somepath/", trust=bare_id, attached_policies=[S3_FULL.arn]),
        ),
        policies=(S3_FULL, JUMP, EC2_FOR_SSM),
    )


def test_playground_assume_role_edges():
    """test_playground_assume_role / test_admin_access: jumpuser (sts:AssumeRole on `*`) reaches
    the roles trusting its account (as `arn:...:root` or as the bare account id), not the one
    trusting 999999999999 (here OTHER_ACCOUNT_ID); the pathed user reaches the pathed role; no
    one reaches the EC2 role."""
    snap = _playground()
    index = PermissionIndex(snap, NOW)
    roles = {r.name: r for r in snap.roles}
    jump = index[user_arn("jumpuser")]
    other_jump = index[user_arn("some_other_jumpuser", path="/somepath/")]
    reachable = {name for name, r in roles.items() if can_assume(jump, r, index)}
    assert reachable == {"s3_access_role", "s3_access_role_alt", "somerole"}
    assert can_assume(other_jump, roles["somerole"], index) is not None
    assert can_assume(other_jump, roles["external_s3_access_role"], index) is None


def test_playground_admin_reaches_everything_and_nobody_escalates():
    """test_admin_access: PMapper's is_connected holds from user/admin to any node, even the
    externally trusted role (admins get no edges: 'if source is an admin ... not tracked').
    Ours: user/admin is the only administrator, cannot assume that role as it stands (the trust
    names another account) but may rewrite its trust policy; no principal escalates (the S3
    roles are not administrators, the jump users gain no admin)."""
    snap = _playground()
    index = PermissionIndex(snap, NOW)
    admins = [f.resource_arn for f in run_check("principal.admin_equivalent", snap)]
    assert admins == [user_arn("admin")]
    admin = index[user_arn("admin")]
    external = next(r for r in snap.roles if r.name == "external_s3_access_role")
    assert can_assume(admin, external, index) is None
    assert admin.can("iam:UpdateAssumeRolePolicy", external.arn)
    assert find_escalations(index) == {}


# --- sts_edges.py ------------------------------------------------------------------------------


def test_trust_naming_the_user_grants_without_an_identity_allow():
    """sts_edges: a NODE_MATCH in the trust policy overrides the lack of an identity Allow in the
    same account (IAM User Guide: a resource-based policy naming the user ARN grants alone)."""
    snap = _account(
        users=(_holder(allow("s3:GetObject")),),
        roles=(_admin_role(trust=trust_policy({"AWS": HOLDER})),),
    )
    assert _methods(snap, HOLDER) == {"sts-001"}


@pytest.mark.parametrize(
    ("holder_doc", "trust"),
    [
        (
            policy_document(
                statement(action="s3:GetObject"),
                statement(effect="Deny", action="sts:AssumeRole"),
            ),
            trust_policy({"AWS": HOLDER}),
        ),
        (allow("s3:GetObject"), trust_policy({"AWS": account_arn()})),
        (
            allow("sts:AssumeRole"),
            policy_document(
                statement(principal={"AWS": account_arn()}, action="sts:AssumeRole", resource=None),
                statement(
                    effect="Deny", principal={"AWS": HOLDER}, action="sts:AssumeRole", resource=None
                ),
            ),
        ),
    ],
    ids=["identity-deny", "account-trust-without-identity-allow", "trust-deny"],
)
def test_no_assume_role_edge(holder_doc, trust):
    """sts_edges: an identity Deny blocks even a NODE_MATCH; a trust naming only the account
    needs the caller's own Allow; a DENY_MATCH in the trust policy blocks."""
    snap = _account(users=(_holder(holder_doc),), roles=(_admin_role(trust=trust),))
    assert _methods(snap, HOLDER) == set()


def test_boundary_limits_account_trust_and_a_trust_naming_the_user():
    """test_permissions_boundary_with_resource_policy expects a user whose boundary does not
    allow sts:AssumeRole to assume a role whose trust names its ARN, as a bucket policy naming
    a user is not limited by the boundary. AWS says otherwise for role trust policies: "If a
    permissions boundary is set for the user, then it must allow the sts:AssumeRole action"
    (IAM User Guide, "Update a role trust policy"). Both trusts are closed to her; a boundary
    allowing the call opens the one naming her."""
    s3_only = managed_policy("S3Only", allow("s3:*"), attachment_count=0, boundary_usage_count=1)
    assume = managed_policy(
        "AssumeToo", allow(["s3:*", "sts:AssumeRole"]), attachment_count=0, boundary_usage_count=1
    )

    def account(trust, boundary=s3_only):
        return _account(
            users=(_holder(allow("sts:AssumeRole"), permissions_boundary_arn=boundary.arn),),
            roles=(_admin_role(trust=trust),),
            policies=(boundary,),
        )

    assert _methods(account(trust_policy({"AWS": HOLDER})), HOLDER) == set()
    assert _methods(account(trust_policy({"AWS": account_arn()})), HOLDER) == set()
    assert _methods(account(trust_policy({"AWS": HOLDER}), assume), HOLDER) == {"sts-001"}


def test_mfa_guarded_trust_is_still_an_edge():
    """sts_edges reports '(requires MFA) can access via sts:AssumeRole': a caller can sign in
    with MFA, so the condition does not protect. We report sts-001 as well."""
    mfa = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    snap = _account(
        users=(_holder(allow("sts:AssumeRole")),),
        roles=(_admin_role(trust=trust_policy({"AWS": account_arn()}, condition=mfa)),),
    )
    assert _methods(snap, HOLDER) == {"sts-001"}


# --- lambda_edges.py ---------------------------------------------------------------------------


def _lambda_admin():
    return _admin_role("lambda_admin", service_trust("lambda.amazonaws.com"))


def test_pass_role_and_create_function_alone_is_no_escalation():
    """lambda_edges adds an edge for iam:PassRole (PassedToService lambda) + lambda:CreateFunction
    alone. PMapper models less here: the new function runs only when invoked or triggered, which
    needs lambda:InvokeFunction, an event source mapping, or AddPermission / a function URL for a
    caller (pathfinding.cloud lambda-001/002/006, Rhino 'PassRole + Lambda'). We report nothing
    until one of them is held."""
    snap = _account(
        users=(_holder(allow(["iam:PassRole", "lambda:CreateFunction"])),),
        roles=(_lambda_admin(),),
    )
    assert _methods(snap, HOLDER) == set()


def test_pass_role_create_and_invoke_function_escalates():
    snap = _account(
        users=(_holder(allow(["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"])),),
        roles=(_lambda_admin(),),
    )
    assert _methods(snap, HOLDER) == {"lambda-001"}


@pytest.mark.parametrize(
    ("holder_doc", "target"),
    [
        (
            policy_document(
                statement(
                    action="iam:PassRole",
                    condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
                ),
                statement(action=["lambda:CreateFunction", "lambda:InvokeFunction"]),
            ),
            _lambda_admin(),
        ),
        (
            allow(["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"]),
            _admin_role("ec2_admin", service_trust("ec2.amazonaws.com")),
        ),
    ],
    ids=["passed-to-another-service", "role-not-trusting-lambda"],
)
def test_lambda_edge_needs_a_passable_lambda_role(holder_doc, target):
    """lambda_edges: PassRole is asked with iam:PassedToService = lambda.amazonaws.com, and the
    destination must trust lambda.amazonaws.com (SERVICE_MATCH)."""
    snap = _account(users=(_holder(holder_doc),), roles=(target,))
    assert _methods(snap, HOLDER) == set()


# --- ec2_edges.py, ssm_edges.py, autoscaling_edges.py ------------------------------------------


def _ec2_admin():
    return _admin_role("ec2_admin", service_trust("ec2.amazonaws.com"))


def test_pass_role_and_run_instances_escalates_assuming_an_instance_profile():
    """ec2_edges: PassRole (PassedToService ec2) + ec2:RunInstances with the role's instance
    profile, or iam:CreateInstanceProfile + iam:AddRoleToInstanceProfile when it has none. Our
    snapshot carries no instance profiles, so ec2-001 is reported with that requirement stated."""
    snap = _account(
        users=(_holder(allow(["iam:PassRole", "ec2:RunInstances"])),), roles=(_ec2_admin(),)
    )
    found = _escalations(snap)[HOLDER]
    assert found.method_ids == ("ec2-001",)
    assert any("instance profile" in a for a in found.assumptions)


def test_run_instances_without_pass_role_is_no_edge():
    """ec2_edges: 'source can't pass the role to use it' -> no edge."""
    snap = _account(users=(_holder(allow("ec2:RunInstances")),), roles=(_ec2_admin(),))
    assert _methods(snap, HOLDER) == set()


@pytest.mark.parametrize(
    ("action", "method"), [("ssm:SendCommand", "ssm-002"), ("ssm:StartSession", "ssm-001")]
)
def test_ssm_on_an_instance_of_an_admin_ec2_role_is_an_edge(action, method):
    """ssm_edges: a role trusted by EC2 (with an instance profile, able to call
    ssmmessages:CreateControlChannel) is reached by anyone allowed ssm:SendCommand or
    ssm:StartSession."""
    snap = _account(users=(_holder(allow(action)),), roles=(_ec2_admin(),))
    assert method in _methods(snap, HOLDER)


@pytest.mark.parametrize(
    ("action", "other_service"),
    [
        ("ssm:SendCommand", "lambda.amazonaws.com"),
        ("ssm:StartSession", "lambda.amazonaws.com"),
        ("lambda:UpdateFunctionCode", "ec2.amazonaws.com"),
    ],
)
def test_existing_role_methods_need_a_privileged_role_the_service_can_use(action, other_service):
    """ssm_edges / lambda_edges only add an edge to a role the service can assume
    (SERVICE_MATCH for ec2.amazonaws.com / lambda.amazonaws.com). An instance profile's role
    must trust EC2 and a function's execution role must trust Lambda (EC2 User Guide, "IAM roles
    for Amazon EC2"; Lambda Developer Guide, "Lambda execution role"). Here the only
    administrator role trusts another service: SSM or a function update runs as nothing
    more privileged than the holder."""
    snap = _account(
        users=(_holder(allow(action)),), roles=(_admin_role("other", service_trust(other_service)),)
    )
    assert _methods(snap, HOLDER) == set()


def test_auto_scaling_with_a_new_launch_configuration_escalates():
    """autoscaling_edges: autoscaling:CreateLaunchConfiguration + CreateAutoScalingGroup +
    PassRole (PassedToService ec2) to an EC2-trusted role -> edge (autoscaling-001)."""
    actions = [
        "iam:PassRole",
        "autoscaling:CreateLaunchConfiguration",
        "autoscaling:CreateAutoScalingGroup",
    ]
    snap = _account(users=(_holder(allow(actions)),), roles=(_ec2_admin(),))
    assert "autoscaling-001" in _methods(snap, HOLDER)


def test_auto_scaling_group_from_an_existing_launch_configuration_escalates():
    """autoscaling_edges: CreateAutoScalingGroup with an existing launch configuration whose
    instance profile holds the destination -> edge, no PassRole. AWS agrees: "Amazon EC2 Auto
    Scaling API permissions" needs iam:PassRole on CreateAutoScalingGroup only for a launch
    template with an instance profile, a non-default service-linked role or a lifecycle-hook
    role, so a launch configuration's role is used without it."""
    snap = _account(
        users=(_holder(allow("autoscaling:CreateAutoScalingGroup")),), roles=(_ec2_admin(),)
    )
    assert _methods(snap, HOLDER)


# --- sagemaker_edges.py, cloudformation, codebuild ----------------------------------------------


def _sagemaker_admin():
    return _admin_role("sm_admin", service_trust("sagemaker.amazonaws.com"))


@pytest.mark.parametrize(
    ("action", "method"),
    [
        ("sagemaker:CreateTrainingJob", "sagemaker-002"),
        ("sagemaker:CreateProcessingJob", "sagemaker-003"),
    ],
)
def test_sagemaker_jobs_with_pass_role_escalate(action, method):
    snap = _account(users=(_holder(allow(["iam:PassRole", action])),), roles=(_sagemaker_admin(),))
    assert _methods(snap, HOLDER) == {method}


def test_sagemaker_notebook_needs_a_way_in():
    """sagemaker_edges adds an edge for PassRole + sagemaker:CreateNotebookInstance alone.
    PMapper models less: a notebook runs the holder's code only through its Jupyter URL
    (sagemaker:CreatePresignedNotebookInstanceUrl) or a lifecycle configuration
    (pathfinding.cloud sagemaker-001, Rhino / Cloudsplaining list the presigned URL with it).
    We need the URL call too."""
    base = ["iam:PassRole", "sagemaker:CreateNotebookInstance"]
    without = _account(users=(_holder(allow(base)),), roles=(_sagemaker_admin(),))
    assert _methods(without, HOLDER) == set()
    with_url = _account(
        users=(_holder(allow([*base, "sagemaker:CreatePresignedNotebookInstanceUrl"])),),
        roles=(_sagemaker_admin(),),
    )
    assert "sagemaker-001" in _methods(with_url, HOLDER)


@pytest.mark.parametrize(
    ("actions", "service", "method"),
    [
        (["iam:PassRole", "cloudformation:CreateStack"], "cloudformation", "cloudformation-001"),
        (
            ["iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuild"],
            "codebuild",
            "codebuild-001",
        ),
    ],
)
def test_cloudformation_and_codebuild_pass_role_edges(actions, service, method):
    """cloudformation_edges / codebuild_edges: pass an admin service role to a new stack or
    project the holder runs."""
    trust = service_trust(f"{service}.amazonaws.com")
    snap = _account(users=(_holder(allow(actions)),), roles=(_admin_role(trust=trust),))
    assert method in _methods(snap, HOLDER)


def test_principal_privilege_escalation_check_names_the_pmapper_edge():
    """The audit check over one PMapper edge (UpdateAssumeRolePolicy on an admin role)."""
    snap = _account(
        users=(_holder(allow("iam:UpdateAssumeRolePolicy", role_arn("admin_role"))),),
        roles=(_admin_role(),),
    )
    (finding,) = run_check("principal.privilege_escalation", snap)
    assert finding.resource_arn == HOLDER
    assert finding.evidence["method_ids"] == ["iam-012"]


# --- local policy simulation: Action / Resource matching (test_local_policy_sim.py) ------------


def test_action_and_not_action_matching():
    listed = PolicySet(identity=[_pol(_stmt(action=["ec2:RunInstances", "s3:*", "iam:Get*"]))])
    assert [
        _decide(listed, a)
        for a in (
            "ec2:RunInstances",
            "s3:GetObject",
            "iam:GetRole",
            "ec2:DescribeInstances",
            "iam:PutRolePolicy",
        )
    ] == ["allowed", "allowed", "allowed", "implicit_deny", "implicit_deny"]
    assert _decide(PolicySet(identity=[_pol(_stmt())]), "iam:GetRole") == "allowed"
    not_all = _pol({"Effect": "Allow", "NotAction": "*", "Resource": "*"})
    assert _decide(PolicySet(identity=[not_all]), "iam:GetRole") == "implicit_deny"
    not_some = PolicySet(
        identity=[_pol({"Effect": "Allow", "NotAction": ["iam:*", "s3:Put*"], "Resource": "*"})]
    )
    assert _decide(not_some, "iam:GetRole") == "implicit_deny"
    assert _decide(not_some, "s3:PutObject", "arn:aws:s3:::bucket/object") == "implicit_deny"
    assert _decide(not_some, "ec2:RunInstances") == "allowed"


RESOURCES = [
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::*/object",
    "arn:aws:s3:::${aws:SourceAccount}/win",
]
SOURCE = {"aws:SourceAccount": PM_ACCOUNT}


@pytest.mark.parametrize(
    ("resource", "context"),
    [
        ("arn:aws:s3:::bucket/anything", {}),
        ("arn:aws:s3:::anything/object", {}),
        (f"arn:aws:s3:::{PM_ACCOUNT}/win", SOURCE),
    ],
)
def test_resource_and_not_resource_matching(resource, context):
    """test_resource_matching: each listed pattern (one through a policy variable) matches in
    Resource and is excluded by NotResource."""
    listed = PolicySet(identity=[_pol(_stmt(resource=RESOURCES))])
    excluded = PolicySet(
        identity=[_pol({"Effect": "Allow", "Action": "*", "NotResource": RESOURCES})]
    )
    assert _decide(listed, "s3:GetObject", resource, context) == "allowed"
    assert _decide(excluded, "s3:GetObject", resource, context) == "implicit_deny"
    assert _decide(excluded, "s3:GetObject", "arn:aws:s3:::other/key", SOURCE) == "allowed"


def test_username_variable_and_wildcard_expansion():
    """test_var_expansion / test_condition_key_handling_in_resources / test_asterisk_expansion /
    test_qmark_expansion: `${aws:username}` is the caller's name; `*` matches zero or more
    characters, `?` exactly one."""
    own_keys = PolicySet(
        identity=[
            _pol(
                _stmt(
                    action="iam:CreateAccessKey",
                    resource=f"arn:aws:iam::{PM_ACCOUNT}:user/${{aws:username}}",
                )
            )
        ]
    )
    assert _decide(own_keys, "iam:CreateAccessKey", ASDF) == "allowed"
    assert (
        _decide(own_keys, "iam:CreateAccessKey", f"arn:aws:iam::{PM_ACCOUNT}:user/test")
        == "implicit_deny"
    )
    star = PolicySet(identity=[_pol(_stmt(action="s3:GetObject", resource="arn:aws:s3:::b/test*"))])
    qmark = PolicySet(
        identity=[_pol(_stmt(action="s3:GetObject", resource="arn:aws:s3:::b/test-?"))]
    )
    assert [
        _decide(star, "s3:GetObject", f"arn:aws:s3:::b/{k}") for k in ("test-123", "test", "tset")
    ] == [
        "allowed",
        "allowed",
        "implicit_deny",
    ]
    assert [_decide(qmark, "s3:GetObject", f"arn:aws:s3:::b/{k}") for k in ("test-1", "test1")] == [
        "allowed",
        "implicit_deny",
    ]


def test_service_prefix_is_case_insensitive():
    """test_sns_sqs_alternate_action_matching: `SQS:CreateQueue` and `SNS:CreateTopic` match;
    `S3:CreateBucket` does not match another action."""
    for written, asked, expected in (
        ("SQS:CreateQueue", "sqs:CreateQueue", "allowed"),
        ("SNS:CreateTopic", "sns:CreateTopic", "allowed"),
        ("S3:CreateBucket", "s3:CreateTopic", "implicit_deny"),
    ):
        assert _decide(PolicySet(identity=[_pol(_stmt(action=written))]), asked) == expected


def test_admin_can_do_anything():
    """test_admin_can_do_anything (build_graph_with_one_admin)."""
    admin = PolicySet(identity=[_pol(_stmt(), name="InlineAdminPolicy")])
    for action, resource in (
        ("iam:PutUserPolicy", "*"),
        ("iam:PutUserPolicy", ASDF),
        ("iam:CreateRole", "*"),
        ("sts:AssumeRole", "*"),
    ):
        assert _decide(admin, action, resource) == "allowed"


# --- local policy simulation: condition operators (test_local_querying.py) ---------------------

ARN_1 = f"arn:aws:iam::{PM_ACCOUNT}:user/test1"
ARN_2 = f"arn:aws:iam::{PM_ACCOUNT}:user/test2"


@pytest.mark.parametrize("operator", ["ArnEquals", "ArnLike"])
@pytest.mark.parametrize("value", [ARN_1, "arn:aws:iam::*:user/test1"])
def test_arn_equals_and_like(operator, value):
    """test_arn_condition: ArnEquals and ArnLike behave alike, with or without wildcards."""
    policies = _with_condition({operator: {"aws:SourceArn": value}})
    assert _decide(policies, context={"aws:SourceArn": ARN_1}) == "allowed"
    assert _decide(policies, context={"aws:SourceArn": ARN_2}) == "implicit_deny"


def test_arn_not_like():
    """test_arn_condition (ArnNotLike with a wildcard ARN). PMapper also asserts that a value
    that is not an ARN ('test2') fails ArnNotLike, as the policy simulator answered. The
    condition-operator reference defines ArnNotLike only as the negation of ArnLike and says
    nothing of malformed values, and AWS only ever puts an ARN in aws:SourceArn: we pin the
    documented negation (not matching the pattern -> true)."""
    policies = _with_condition({"ArnNotLike": {"aws:SourceArn": "arn:aws:iam::*:user/test1"}})
    assert _decide(policies, context={"aws:SourceArn": ARN_1}) == "implicit_deny"
    assert _decide(policies, context={"aws:SourceArn": ARN_2}) == "allowed"
    assert _decide(policies, context={"aws:SourceArn": "test2"}) == "allowed"


def test_null_condition():
    """test_null_condition_handling (basic and array use). PMapper writes '' for an absent key;
    a role session has no aws:username, and aws:userid is given or left out."""
    both = _with_condition({"Null": {"aws:username": "true", "aws:userid": "false"}})
    assert _decide(both, context={"aws:userid": "AROAEXAMPLE:s"}, principal=SESSION) == "allowed"
    assert _decide(both, principal=SESSION) == "implicit_deny"
    either = _with_condition({"Null": {"aws:username": ["true", "false"]}})
    assert _decide(either, principal=SESSION) == "allowed"
    assert _decide(either) == "allowed"  # an IAM user's requests carry aws:username


@pytest.mark.parametrize(
    ("operator", "null", "present", "absent"),
    [
        ("ForAllValues:Null", "false", "allowed", None),
        ("ForAllValues:Null", "true", "implicit_deny", "allowed"),
        ("ForAnyValue:Null", "true", "implicit_deny", None),
        ("ForAnyValue:Null", "false", "allowed", "implicit_deny"),
    ],
)
def test_null_with_set_qualifiers_where_we_agree(operator, null, present, absent):
    """test_null_condition_handling, ForAllValues:/ForAnyValue: cases on which we agree with
    PMapper (validated there against the policy simulator); None = see the xfail below."""
    policies = _with_condition({operator: {"aws:username": null}})
    assert _decide(policies) == present  # user/asdf: aws:username present
    if absent is not None:
        assert _decide(policies, principal=SESSION) == absent


@pytest.mark.parametrize(
    ("operator", "null", "absent"),
    [("ForAllValues:Null", "false", "allowed"), ("ForAnyValue:Null", "true", "implicit_deny")],
)
def test_null_with_set_qualifiers_on_an_absent_key(operator, null, absent):
    """IAM User Guide, "Single-valued vs. multivalued context keys": ForAllValues "also returns
    true if there are no context keys in the request", ForAnyValue returns false then. PMapper's
    test_null_condition_handling (checked against the policy simulator) expects exactly that for
    a request without aws:username."""
    policies = _with_condition({operator: {"aws:username": null}})
    assert _decide(policies, principal=SESSION) == absent


DATE = "2018-08-10T00:00:00Z"
BEFORE, AFTER = "2018-08-09T23:59:59Z", "2018-08-10T00:00:01Z"


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("DateEquals", {BEFORE: False, DATE: True, AFTER: False}),
        ("DateNotEquals", {DATE: False, AFTER: True}),
        ("DateGreaterThan", {DATE: False, AFTER: True}),
        ("DateGreaterThanEquals", {BEFORE: False, DATE: True, AFTER: True}),
        ("DateLessThan", {BEFORE: True, AFTER: False}),
        ("DateLessThanEquals", {BEFORE: True, DATE: True, AFTER: False}),
    ],
)
def test_date_conditions(operator, expected):
    """test_datetime_condition_handling."""
    policies = _with_condition({operator: {"aws:CurrentTime": DATE}})
    answers = {t: _decide(policies, context={"aws:CurrentTime": t}) == "allowed" for t in expected}
    assert answers == expected


def test_date_equals_accepts_epoch_seconds():
    """test_datetime_condition_handling: 1533859200 (and 1533859200.0) is 2018-08-10T00:00:00Z;
    the condition-operator reference accepts epoch time as a date value."""
    policies = _with_condition({"DateEquals": {"aws:CurrentTime": DATE}})
    for value, expected in (
        ("1533859200", "allowed"),
        ("1533859200.0", "allowed"),
        ("1533859201", "implicit_deny"),
    ):
        assert _decide(policies, context={"aws:CurrentTime": value}) == expected
    epoch_in_policy = _with_condition({"DateEquals": {"aws:CurrentTime": "1533859200"}})
    assert _decide(epoch_in_policy, context={"aws:CurrentTime": DATE}) == "allowed"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10.0.0.1", {"10.0.0.1": True, "10.0.0.2": False}),
        ("10.0.0.0/8", {"10.0.0.1": True, "127.0.0.1": False}),
        (
            ["10.0.0.0/8", "127.0.0.0/8"],
            {"10.0.0.1": True, "127.0.0.1": True, "192.168.0.1": False},
        ),
    ],
)
def test_ip_address_condition(value, expected):
    """test_ipaddress_condition_handling: one address, one range, a list of ranges."""
    policies = _with_condition({"IpAddress": {"aws:SourceIp": value}})
    answers = {ip: _decide(policies, context={"aws:SourceIp": ip}) == "allowed" for ip in expected}
    assert answers == expected


def test_bool_condition():
    """test_bool_condition_handling. We agree on true / True / tru / '' / false. PMapper also
    expects Bool false to match 'asdf' and 't' (what the policy simulator answered); the
    condition-operator reference defines Bool over true/false only and aws:SecureTransport is
    only ever one of them, so we pin ours: a non-boolean value matches neither."""
    true = _with_condition({"Bool": {"aws:SecureTransport": "true"}})
    false = _with_condition({"Bool": {"aws:SecureTransport": "false"}})

    def answers(policies, values):
        return [_decide(policies, context={"aws:SecureTransport": v}) == "allowed" for v in values]

    assert answers(true, ["true", "True", "tru", "", "false"]) == [True, True, False, False, False]
    assert answers(false, ["false", "true"]) == [True, False]
    assert answers(false, ["asdf", "t"]) == [False, False]


THREAD = "arn:aws:dynamodb:us-west-2:000000000000:table/Thread"


@pytest.mark.parametrize(
    ("qualifier", "expected"),
    [
        (
            "ForAllValues",
            {
                ("ID", "Message", "Tags"): True,
                ("ID", "Message"): True,
                (): True,
                ("ID", "Message", "Tags", "Password"): False,
            },
        ),
        (
            "ForAnyValue",
            {
                ("ID", "Message", "Tags"): True,
                ("Tags", "Password"): True,
                ("Password",): False,
                (): False,
            },
        ),
    ],
)
def test_dynamodb_attributes_set_operators(qualifier, expected):
    """test_documented_ddb_authorization_behavior (the IAM User Guide's dynamodb:Attributes
    example)."""
    policies = PolicySet(
        identity=[
            _pol(
                _stmt(
                    action="dynamodb:GetItem",
                    resource="arn:aws:dynamodb:*:*:table/Thread",
                    Condition={
                        f"{qualifier}:StringEquals": {
                            "dynamodb:Attributes": ["ID", "Message", "Tags"]
                        }
                    },
                )
            )
        ]
    )

    def answer(attributes):
        context = {"dynamodb:Attributes": list(attributes)} if attributes else {}
        return _decide(policies, "dynamodb:GetItem", THREAD, context) == "allowed"

    assert {a: answer(a) for a in expected} == expected


def test_self_managed_mfa_policy():
    """test_local_mfa_handling (AWS's "manage own MFA" example: Deny NotAction [...] with
    BoolIfExists aws:MultiFactorAuthPresent false). Without MFA, s3:ListAllMyBuckets is denied
    and iam:EnableMFADevice on the caller's own user is not; with MFA both are allowed."""
    user_ = f"arn:aws:iam::{PM_ACCOUNT}:user/uses_mfa"
    mfa = _pol(
        _stmt(
            action=[
                "iam:DeactivateMFADevice",
                "iam:EnableMFADevice",
                "iam:GetUser",
                "iam:ListMFADevices",
                "iam:ResyncMFADevice",
            ],
            resource="arn:aws:iam::*:user/${aws:username}",
            Sid="AllowManageOwnUserMFA",
        ),
        {
            "Sid": "DenyAllExceptListedIfNoMFA",
            "Effect": "Deny",
            "NotAction": [
                "iam:CreateVirtualMFADevice",
                "iam:EnableMFADevice",
                "iam:GetUser",
                "iam:ListMFADevices",
                "iam:ListVirtualMFADevices",
                "iam:ResyncMFADevice",
                "sts:GetSessionToken",
            ],
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        },
        name="mfa_policy",
    )
    s3 = _pol(_stmt(action="s3:ListAllMyBuckets", Sid="AllowViewAccountInfo"), name="s3access")
    policies = PolicySet(identity=[mfa, s3])
    with_mfa = {"aws:MultiFactorAuthPresent": "true"}
    assert _decide(policies, "s3:ListAllMyBuckets", principal=user_) == "explicit_deny"
    assert (
        _decide(
            policies,
            "s3:ListAllMyBuckets",
            context={"aws:MultiFactorAuthPresent": "false"},
            principal=user_,
        )
        == "explicit_deny"
    )
    assert _decide(policies, "s3:ListAllMyBuckets", context=with_mfa, principal=user_) == "allowed"
    assert _decide(policies, "iam:EnableMFADevice", user_, principal=user_) == "allowed"


# --- boundaries, resource policies, SCPs ---------------------------------------------------------

ADMIN_DOC = _pol(_stmt(), name="admin_policy")
JUMP_ROLE = f"arn:aws:iam::{PM_ACCOUNT}:role/JumpRole"


def test_boundary_intersects_with_identity_policies():
    """test_permissions_boundary_no_resource_policy: Allow `*` within AmazonS3ReadOnlyAccess."""
    boundary = _pol(_stmt(action=["s3:Get*", "s3:List*"]), name="AmazonS3ReadOnlyAccess")
    policies = PolicySet(identity=[ADMIN_DOC], permission_boundaries=[boundary])
    assert _decide(policies, "s3:GetObject", "arn:aws:s3:::bucket/object") == "allowed"
    assert _decide(policies, "s3:PutObject", "arn:aws:s3:::bucket/object") == "implicit_deny"


def test_boundary_with_a_role_trust_policy():
    """test_permissions_boundary_with_resource_policy: asdf1 (admin, boundary allowing only
    sts:AssumeRole on JumpRole) and asdf2 (nothing allowed by identity or boundary, but named in
    the trust) try to assume JumpRole, whose trust names asdf2 and the account. PMapper's asdf2
    boundary is an empty Statement list, which IAM refuses (our parser too: a policy needs a
    statement), so its boundary here allows only an unrelated action: same meaning.

    PMapper expects asdf2 to get in; AWS documents otherwise: "If a user is listed as the
    principal in a role's trust policy but cannot assume the role, check the user's permissions
    boundary. If a permissions boundary is set for the user, then it must allow the
    sts:AssumeRole action" (IAM User Guide, "Update a role trust policy",
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-role-trust-policy.html).
    So asdf2 is refused by its boundary, and gets in once the boundary allows the call."""
    trust = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {
                        "AWS": [
                            f"arn:aws:iam::{PM_ACCOUNT}:user/asdf2",
                            f"arn:aws:iam::{PM_ACCOUNT}:root",
                        ]
                    },
                    "Action": "sts:AssumeRole",
                }
            ],
        },
        name="trust",
    )
    jump_only = _pol(_stmt(action="sts:AssumeRole", resource=JUMP_ROLE), name="AssumeJumpRole")
    unrelated = _pol(_stmt(action="s3:GetObject"), name="Unrelated")
    first = PolicySet(
        identity=[ADMIN_DOC], permission_boundaries=[jump_only], resource_policy=trust
    )
    second = PolicySet(identity=[], permission_boundaries=[unrelated], resource_policy=trust)
    asdf1 = f"arn:aws:iam::{PM_ACCOUNT}:user/asdf1"
    asdf2 = f"arn:aws:iam::{PM_ACCOUNT}:user/asdf2"
    assert _decide(first, "sts:AssumeRole", JUMP_ROLE, principal=asdf1) == "allowed"
    assert _decide(second, "sts:AssumeRole", JUMP_ROLE, principal=asdf2) == "implicit_deny"
    opened = PolicySet(identity=[], permission_boundaries=[jump_only], resource_policy=trust)
    assert _decide(opened, "sts:AssumeRole", JUMP_ROLE, principal=asdf2) == "allowed"
    # The account-wide statement alone does not carry asdf1 past its boundary elsewhere.
    other_role = f"arn:aws:iam::{PM_ACCOUNT}:role/Other"
    assert _decide(first, "sts:AssumeRole", other_role, principal=asdf1) == "implicit_deny"


def _trust(principal: str) -> Policy:
    return parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
            ],
        },
        name="trust",
    )


@pytest.mark.parametrize(
    ("identity_action", "trusted", "expected"),
    [
        ("sts:AssumeRole", f"arn:aws:iam::{PM_ACCOUNT}:root", "allowed"),
        ("sts:AssumeRole", "arn:aws:iam::999999999999:root", "implicit_deny"),
        ("s3:GetObject", f"arn:aws:iam::{PM_ACCOUNT}:root", "implicit_deny"),
        ("s3:GetObject", "arn:aws:iam::999999999999:root", "implicit_deny"),
    ],
    ids=["root-and-identity", "identity-only", "root-only", "neither"],
)
def test_assume_role_needs_trust_and_identity_allow(identity_action, trusted, expected):
    """test_iam_assume_role: a trust naming the account delegates to the caller's own policy;
    both must allow."""
    policies = PolicySet(
        identity=[_pol(_stmt(action=identity_action))], resource_policy=_trust(trusted)
    )
    role_ = f"arn:aws:iam::{PM_ACCOUNT}:role/test1"
    assert _decide(policies, "sts:AssumeRole", role_, resource_account=PM_ACCOUNT) == expected


def test_caller_from_another_account_is_not_let_in_by_an_account_trust():
    """test_cross_account_checks.test_iam_assume_role: role/test_other of 999999999999, allowed
    sts:AssumeRole on `*`, against a trust naming 000000000000 only."""
    policies = PolicySet(
        identity=[_pol(_stmt(action="sts:AssumeRole"))],
        resource_policy=_trust(f"arn:aws:iam::{PM_ACCOUNT}:root"),
    )
    decision = _decide(
        policies,
        "sts:AssumeRole",
        f"arn:aws:iam::{PM_ACCOUNT}:role/test1",
        principal="arn:aws:sts::999999999999:assumed-role/test_other/s",
        resource_account=PM_ACCOUNT,
    )
    assert decision == "implicit_deny"


@pytest.mark.parametrize(
    ("effect", "action", "expected"),
    [
        ("Allow", "s3:GetObject", "allowed"),
        ("Allow", "s3:PutObject", "implicit_deny"),
        ("Deny", "s3:GetObject", "explicit_deny"),
    ],
)
def test_bucket_policy_principal_star(effect, action, expected):
    """test_match_action_resource_policy_elements: a bucket policy for Principal `*` on
    s3:GetObject matches GetObject (NODE_MATCH), not PutObject (NO_MATCH); its Deny twin wins
    over the user's own Allow."""
    bucket_policy = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": effect,
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::bucket/object",
                }
            ],
        },
        name="bucket",
        unique_sids=False,
    )
    own = _pol(_stmt(action="s3:GetObject", resource="arn:aws:s3:::bucket/object"))
    policies = PolicySet(identity=[own] if effect == "Deny" else [], resource_policy=bucket_policy)
    decision = _decide(policies, action, "arn:aws:s3:::bucket/object", resource_account=PM_ACCOUNT)
    assert decision == expected


def test_admin_cannot_bypass_scps():
    """test_org_trees.test_admin_cannot_bypass_scps: FullAWSAccess at the root; FullAWSAccess and
    a Deny s3:* on the account's level."""
    full = _pol(_stmt(), name="FullAWSAccess")
    deny_s3 = _pol(_stmt("Deny", ["s3:*"], Sid="Statement1"), name="DenyS3")
    policies = PolicySet(identity=[ADMIN_DOC], scps=[[full], [full, deny_s3]])
    assert _decide(policies, "s3:CreateBucket", "arn:aws:s3:::fakebucket") == "explicit_deny"
    assert _decide(policies, "ec2:RunInstances") == "allowed"
