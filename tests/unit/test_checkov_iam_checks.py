"""Checkov's (bridgecrewio/checkov) AWS IAM policy checks, their fixtures run through iam-audit.

Checkov files used (fixtures and expected PASS / FAIL; the test code is ours):

- tests/terraform/checks/data/aws/example_AdminPolicyDocument/main.tf, test_AdminPolicyDocument.py
  (CKV_AWS_1) and tests/terraform/checks/resource/aws/example_IAMAdminPolicyDocument/iam.tf,
  tests/cloudformation/checks/resource/aws/example_IAMAdminPolicyDocument/*.json (CKV_AWS_62)
  -> policy.admin_star.
- tests/terraform/checks/data/aws/example_StarActionPolicyDocument/main.tf (CKV_AWS_49) and
  tests/cloudformation/checks/resource/aws/example_IAMStarActionPolicyDocument/*.json
  (CKV_AWS_63): ``*`` on one bucket's objects -> no admin finding (see the docstrings).
- tests/terraform/checks/data/aws/example_CloudSplainingCredentialsExposure (CKV_AWS_107),
  example_CloudSplainingDataExfiltration (CKV_AWS_108), example_CloudsplainingPermissionsManagement
  (CKV_AWS_109), example_CloudSplainingPrivilegeEscalation (CKV_AWS_110),
  example_CloudsplainingIAMWrite (CKV_AWS_111) and their test_*.py ->
  principal.credentials_exposure,
  principal.data_exfiltration, principal.resource_exposure / admin_equivalent,
  principal.privilege_escalation and the linter's WILDCARD_SENSITIVE.
- tests/terraform/checks/data/aws/example_ResourcePolicyDocument/main.tf (CKV_AWS_356).
- tests/terraform/checks/resource/aws/test_IAMRoleAllowsPublicAssume.py and
  tests/cloudformation/checks/resource/aws/example_IAMRoleAllowsPublicAssume/{PASSED,FAILED}*.yml
  (CKV_AWS_60; checkov/terraform/checks/resource/aws/IAMRoleAllowsPublicAssume.py) ->
  role.trust_any_principal.
- tests/cloudformation/checks/resource/aws/example_IAMRoleAllowAssumeFromAccount/
  example_IAMRoleAllowAssumeFromAccount-{PASSED,FAILED}.yml (CKV_AWS_61) ->
  role.trust_cross_account_unguarded.
- tests/terraform/checks/data/aws/example_IAMPublicActionsPolicy/public_actions.tf and
  test_IAMPublicActionsPolicy.py (CKV_AWS_283) -> the linter's PUBLIC_PRINCIPAL (resource policy).
- tests/terraform/checks/resource/aws/example_IAMPolicyAttachedToGroupOrRoles/iam.tf (CKV_AWS_40)
  -> user.direct_policies.
- tests/terraform/checks/data/aws/example_IAMManagedAdminPolicy/IAMManagedAdminPolicy.tf
  (CKV_AWS_275) -> identity.aws_admin_attached.

Each case is put where our tool sees it (a customer-managed policy attached to a user unless
said otherwise, a role's trust policy, a resource policy for the linter) and judged against
AWS's documented semantics. Where Checkov is wrong or cruder the docstring says why and the test
pins our behaviour; where we are wrong the test is a strict xfail naming the cause.
tests/unit/test_other_tools_examples.py covers Parliament, Cloudsplaining and Prowler.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.audit.findings import Finding
from bot.iam.catalogue import ActionCatalogue, default_catalogue
from bot.iam.linter import lint_policy
from tests.factories import (
    ADMINISTRATOR_ACCESS,
    group,
    inline,
    managed_policy,
    policy_arn,
    role,
    run_check,
    snapshot,
    trust_policy,
    user,
    user_arn,
)

CHECKOV = "bridgecrewio/checkov"
OTHER_ACCOUNT = "123456789101"  # the account Checkov's trust fixtures name
ADMIN = managed_policy(
    "AdministratorAccess",
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    aws_managed=True,
)


@pytest.fixture(scope="module")
def catalogue() -> ActionCatalogue:
    return default_catalogue()


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def grant(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def lint_codes(
    catalogue: ActionCatalogue, document: Any, policy_type: str = "identity"
) -> set[str]:
    return {
        f.code
        for f in lint_policy(
            document,
            catalogue=catalogue,
            policy_type=policy_type,  # type: ignore[arg-type]
            capabilities=True,
        )
    }


def attached_findings(check_id: str, document: dict[str, Any], **snap: Any) -> list[Finding]:
    """Findings of ``check_id`` with ``document`` as customer-managed policy ``p`` attached to
    user ``dev`` (``snap`` adds roles/policies to the account)."""
    policy = managed_policy("p", document)
    extra_policies = snap.pop("policies", [])
    return run_check(
        check_id,
        snapshot(
            users=[user("dev", attached_policies=[policy.arn])],
            policies=[policy, *extra_policies],
            **snap,
        ),
    )


def dev_findings(check_id: str, document: dict[str, Any], **snap: Any) -> list[Finding]:
    """The findings about user dev (not about other principals of the account)."""
    return [
        f
        for f in attached_findings(check_id, document, **snap)
        if f.resource_arn == user_arn("dev")
    ]


def trust_findings(check_id: str, trust: dict[str, Any]) -> list[Finding]:
    return run_check(check_id, snapshot(roles=[role("r", trust=trust)]))


# =============================================================================================
# CKV_AWS_1 / CKV_AWS_62: "*" on "*" -> policy.admin_star
# =============================================================================================

B1 = ["arn:aws:s3:::b1", "arn:aws:s3:::b1/*"]
READ_B1_B2 = doc(
    grant(
        ["s3:ListBucket*", "s3:HeadBucket", "s3:Get*"],
        [*B1, "arn:aws:s3:::b2", "arn:aws:s3:::b2/*"],
        Sid="",
    ),
    grant("s3:PutObject*", "arn:aws:s3:::b1/*", Sid=""),
)


@pytest.mark.parametrize(
    ("document", "admin"),
    [
        pytest.param(doc(grant("s3:Describe*")), False, id="data-AdminPolicyDocument-pass"),
        pytest.param(doc(grant("*")), True, id="data-AdminPolicyDocument-fail"),
        pytest.param(READ_B1_B2, False, id="resource-IAMAdminPolicyDocument-pass1"),
        pytest.param(
            doc(grant(["s3:HeadBucket", "*"], [*B1, "*"], Sid="")),
            True,
            id="resource-IAMAdminPolicyDocument-fail1",
        ),
        pytest.param(
            doc(grant(["*"], ["*"], Sid="")), True, id="resource-IAMAdminPolicyDocument-fail2"
        ),
        pytest.param(
            doc(grant("*", "*", Sid="")), True, id="resource-IAMAdminPolicyDocument-fail3"
        ),
        pytest.param(
            doc({"Action": "*", "Effect": "Deny", "Resource": "*", "Sid": ""}),
            False,
            id="resource-IAMAdminPolicyDocument-pass2-deny",
        ),
    ],
)
def test_admin_policy_document(document: dict[str, Any], admin: bool) -> None:
    """Checkov CKV_AWS_1 (data aws_iam_policy_document) and CKV_AWS_62 (aws_iam_policy,
    AWS::IAM::Policy): FAIL when an Allow statement's Action and Resource both hold ``*``, even
    inside a list; a Deny passes. Ours: policy.admin_star reports the policy exactly then."""
    findings = attached_findings("policy.admin_star", document)
    assert [f.resource_arn for f in findings] == ([policy_arn("p")] if admin else [])


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(READ_B1_B2, id="iam_policy.pass.json-on-a-group"),
    ],
)
def test_admin_policy_document_cfn_group_pass(document: dict[str, Any]) -> None:
    """Checkov tests/cloudformation/.../example_IAMAdminPolicyDocument/iam_policy.pass.json: the
    read-b1/b2 policy on a group (CFNUserGroup) PASSES; ours: no admin_star, and no member is
    admin-equivalent."""
    snap = snapshot(
        users=[user("dev", groups=["CFNUserGroup"])],
        groups=[
            group(
                "CFNUserGroup",
                path="/myapplication/",
                inline_policies=[inline("CFNUsers", document)],
            )
        ],
    )
    assert run_check("policy.admin_star", snap) == []
    assert run_check("principal.admin_equivalent", snap) == []


def test_admin_policy_document_cfn_role_inline_fail() -> None:
    """Checkov .../example_IAMAdminPolicyDocument/iam_role.fail.json: RootRole (trusted by EC2)
    with inline policy ``root`` allowing ``*`` on ``*`` FAILS; ours: policy.admin_star names the
    role's inline policy and principal.admin_equivalent the role."""
    root_role = role(
        "RootRole",
        trust=trust_policy({"Service": ["ec2.amazonaws.com"]}),
        inline_policies=[inline("root", doc(grant("*")))],
    )
    snap = snapshot(roles=[root_role])
    assert len(run_check("policy.admin_star", snap)) == 1
    assert [f.resource_arn for f in run_check("principal.admin_equivalent", snap)] == [
        root_role.arn
    ]


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(doc({"Action": ["*"], "Resource": ["*"]}), id="data-no_effect"),
        pytest.param(doc({"Action": "*", "Resource": "*", "Sid": ""}), id="resource-fail4"),
    ],
)
def test_admin_policy_without_effect_is_malformed(
    catalogue: ActionCatalogue, document: dict[str, Any]
) -> None:
    """Checkov example_AdminPolicyDocument ``no_effect`` and example_IAMAdminPolicyDocument
    ``fail4`` ("implicit allow, not actually valid"): FAIL, reading a missing Effect as Allow.

    Checkov is wrong: Effect is required (IAM JSON policy reference, "IAM JSON policy elements:
    Effect"; CreatePolicy answers MalformedPolicyDocument), and a statement never defaults to
    Allow. In Terraform the data source does default ``effect`` to Allow, but this fixture is the
    raw aws_iam_policy JSON too. Ours: the linter says MALFORMED and policy.admin_star stays quiet
    (the document cannot be stored in IAM, so it grants nothing)."""
    assert "MALFORMED" in lint_codes(catalogue, document)
    assert attached_findings("policy.admin_star", document) == []


# =============================================================================================
# CKV_AWS_49 / CKV_AWS_63: "*" actions on a named resource
# =============================================================================================

CORPORATE = "arn:aws:s3:::my_corporate_bucket/*"


def test_star_action_on_one_bucket_is_not_admin(catalogue: ActionCatalogue) -> None:
    """Checkov example_StarActionPolicyDocument ``fail`` (and ``no_effect``): Action ``*`` on
    arn:aws:s3:::my_corporate_bucket/* FAILS CKV_AWS_49; ``s3:*`` on the same ARN PASSES.

    Checkov is cruder: by the IAM policy evaluation logic a statement only applies to requests
    whose resource matches its Resource, so ``*`` on one bucket's objects grants exactly the
    object-level S3 actions there (what ``s3:*`` on it grants). Ours treats the two alike: no
    policy.admin_star, no principal.admin_equivalent, no unrestricted data read."""
    for document in (doc(grant("*", CORPORATE)), doc(grant("s3:*", CORPORATE))):
        assert attached_findings("policy.admin_star", document) == []
        assert dev_findings("principal.admin_equivalent", document) == []
        assert dev_findings("principal.data_exfiltration", document) == []
        assert "WILDCARD_SENSITIVE" not in lint_codes(catalogue, document)


def test_star_action_on_one_bucket_is_no_privilege_escalation() -> None:
    """Checkov example_StarActionPolicyDocument ``fail``: ``*`` on my_corporate_bucket/*.

    By AWS's rules iam:CreatePolicyVersion (Service Authorization Reference: resource type
    ``policy``, arn:aws:iam::{Account}:policy/...) can only be authorised by a statement whose
    Resource matches a policy ARN; an S3 object ARN never does. The statement grants S3 object
    actions on one bucket and nothing in IAM or SSO: no escalation method is held. (Ours used to
    try every Allow literal as a target of every action in
    bot/iam/effective.py:EffectivePermissions.candidate_resources; this pins the fix.)"""
    assert dev_findings("principal.privilege_escalation", doc(grant("*", CORPORATE))) == []


@pytest.mark.parametrize(
    "where",
    ["group", "user"],
)
def test_star_action_cfn_inline_list_with_star(where: str) -> None:
    """Checkov .../example_IAMStarActionPolicyDocument/iam_group.fail.json and iam_user.fail.json:
    an inline policy with Action ["s3:HeadBucket", "*"] on [b1, b1/*, "*"] FAILS CKV_AWS_63.
    Here ``*`` is on ``*`` too: ours reports policy.admin_star (our equivalent, one level up) and
    the user (directly or through the group) as admin-equivalent."""
    document = doc(grant(["s3:HeadBucket", "*"], [*B1, "*"], Sid=""))
    if where == "group":
        snap = snapshot(
            users=[user("dev", groups=["mygroup"])],
            groups=[
                group(
                    "mygroup", path="/myapplication/", inline_policies=[inline("fails", document)]
                )
            ],
        )
    else:
        snap = snapshot(users=[user("dev", groups=[], inline_policies=[inline("root", document)])])
    assert len(run_check("policy.admin_star", snap)) == 1
    assert [f.resource_arn for f in run_check("principal.admin_equivalent", snap)] == [
        user_arn("dev")
    ]


def test_star_action_cfn_role_pass(catalogue: ActionCatalogue) -> None:
    """Checkov .../example_IAMStarActionPolicyDocument/iam_role.pass.json (read b1/b2, write
    b1 objects) PASSES. Ours: no admin finding. The linter does flag s3:HeadBucket, which is no
    IAM action (HeadBucket is authorised by s3:ListBucket, per the S3 API reference), as
    UNKNOWN_ACTION: a true finding Checkov does not look for."""
    assert attached_findings("policy.admin_star", READ_B1_B2) == []
    assert "UNKNOWN_ACTION" in lint_codes(catalogue, READ_B1_B2)


# =============================================================================================
# CKV_AWS_107..111: the Cloudsplaining-based checks
# =============================================================================================

LAMBDA_DYNAMO = ["lambda:CreateFunction", "lambda:CreateEventSourceMapping", "dynamodb:CreateTable"]


def test_credentials_exposure_fail() -> None:
    """Checkov example_CloudSplainingCredentialsExposure ``fail``: s3:GetObject +
    iam:CreateAccessKey on * FAILS CKV_AWS_107 on actions[1]. Ours: principal.credentials_exposure
    names iam:CreateAccessKey (and only it: s3:GetObject returns data, not credentials)."""
    findings = dev_findings(
        "principal.credentials_exposure", doc(grant(["s3:GetObject", "iam:CreateAccessKey"]))
    )
    assert [f.evidence["actions"] for f in findings] == [["iam:CreateAccessKey"]]


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(doc(grant(LAMBDA_DYNAMO)), id="pass"),
        pytest.param(
            doc(
                {
                    "Sid": "DenyOutsideCallers",
                    "Effect": "Deny",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {
                        "NotIpAddress": {"aws:SourceIp": ["1.2.3.4/16"]},
                        "Bool": {"aws:ViaAWSService": ["false"]},
                    },
                }
            ),
            id="deny",
        ),
    ],
)
def test_credentials_exposure_pass(document: dict[str, Any]) -> None:
    """Checkov example_CloudSplainingCredentialsExposure ``pass`` and ``deny`` PASS CKV_AWS_107;
    ours: no principal.credentials_exposure."""
    assert dev_findings("principal.credentials_exposure", document) == []


@pytest.mark.parametrize(
    "action", ["ecr:GetAuthorizationToken", "ecr-public:GetAuthorizationToken"]
)
def test_credentials_exposure_ecr_token_is_reported(action: str) -> None:
    """Checkov example_CloudSplainingCredentialsExposure ``allowed_action`` /
    ``allowed_action_ecr_public``: PASS, because Checkov allow-lists the ECR token actions.

    Checkov is cruder: GetAuthorizationToken returns a credential (a registry password valid 12
    hours, ECR API reference), which is what this check is about; Cloudsplaining lists it among
    its credentials-exposure actions and /work/shared/checks.md names it for
    principal.credentials_exposure. The token is worth no more than the caller's ECR rights, so
    it is a high-volume, usually-accepted finding, not a false one. Ours reports it."""
    findings = dev_findings("principal.credentials_exposure", doc(grant(action)))
    assert [f.evidence["actions"] for f in findings] == [[action]]


def test_data_exfiltration() -> None:
    """Checkov example_CloudSplainingDataExfiltration: ``fail`` (iam:PassRole, ssm:GetParameter*,
    s3:GetObject, secretsmanager:GetSecretValue, s3:PutObject, ec2:CreateTags on *) FAILS
    CKV_AWS_108; ``pass`` (lambda/dynamodb create) PASSES. Ours: principal.data_exfiltration names
    exactly the read-data actions (not PassRole, PutObject or CreateTags)."""
    failing = doc(
        grant(
            [
                "iam:PassRole",
                "ssm:GetParameter",
                "s3:GetObject",
                "ssm:GetParameter",
                "ssm:GetParameters",
                "ssm:GetParametersByPath",
                "secretsmanager:GetSecretValue",
                "s3:PutObject",
                "ec2:CreateTags",
            ]
        )
    )
    [finding] = dev_findings("principal.data_exfiltration", failing)
    assert set(finding.evidence["actions"]) == {
        "s3:GetObject",
        "secretsmanager:GetSecretValue",
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:GetParametersByPath",
    }
    assert dev_findings("principal.data_exfiltration", doc(grant(LAMBDA_DYNAMO))) == []


def test_privilege_escalation() -> None:
    """Checkov example_CloudSplainingPrivilegeEscalation: ``fail`` (iam:PassRole,
    lambda:CreateFunction, lambda:CreateEventSourceMapping, dynamodb:CreateTable,
    dynamodb:PutItem on *) FAILS CKV_AWS_110; ``pass`` (the same without PassRole and PutItem)
    PASSES. Ours: with a richer role Lambda may assume in the account, the fail policy holds the
    PassRole-to-Lambda-via-event-source method; without PassRole nothing is held."""
    target = role(
        "target",
        trust=trust_policy({"Service": "lambda.amazonaws.com"}),
        attached_policies=[ADMINISTRATOR_ACCESS],
    )
    failing = doc(grant(["iam:PassRole", *LAMBDA_DYNAMO, "dynamodb:PutItem"]))
    [finding] = dev_findings(
        "principal.privilege_escalation", failing, roles=[target], policies=[ADMIN]
    )
    assert finding.evidence["method_ids"]
    assert all(m.startswith("lambda-") for m in finding.evidence["method_ids"])
    assert (
        dev_findings(
            "principal.privilege_escalation",
            doc(grant(LAMBDA_DYNAMO)),
            roles=[target],
            policies=[ADMIN],
        )
        == []
    )


def test_permissions_management() -> None:
    """Checkov example_CloudsplainingPermissionsManagement: ``fail`` (iam:* on *) FAILS
    CKV_AWS_109, ``pass`` (s3:* on arn:aws:s3:::example) PASSES. Ours: iam:* on * makes the user
    admin-equivalent (principal.admin_equivalent, which principal.resource_exposure defers to);
    s3:* on one bucket is no unrestricted permissions management."""
    assert [
        f.resource_arn for f in dev_findings("principal.admin_equivalent", doc(grant("iam:*")))
    ] == [user_arn("dev")]
    assert (
        dev_findings("principal.resource_exposure", doc(grant("s3:*", "arn:aws:s3:::example")))
        == []
    )


@pytest.mark.parametrize(
    ("document", "flagged"),
    [
        pytest.param(doc(grant("s3:*")), True, id="fail"),
        pytest.param(doc(grant("s3:*", "arn:aws:s3:::bucket")), False, id="restrictable"),
        pytest.param(
            doc(grant(["xray:PutTelemetryRecords", "xray:PutTraceSegments"])),
            False,
            id="unrestrictable",
        ),
    ],
)
def test_write_access(catalogue: ActionCatalogue, document: dict[str, Any], flagged: bool) -> None:
    """Checkov example_CloudsplainingIAMWrite: s3:* on * FAILS CKV_AWS_111; s3:* on one bucket
    and X-Ray's Put actions (which support no resource type, Service Authorization Reference)
    on * PASS. Ours: the linter's WILDCARD_SENSITIVE (sensitive actions on a resource they could
    be scoped down from) exactly then; s3:* on * also reaches principal.resource_exposure."""
    assert ("WILDCARD_SENSITIVE" in lint_codes(catalogue, document)) is flagged
    assert bool(dev_findings("principal.resource_exposure", document)) is flagged


# =============================================================================================
# CKV_AWS_356: restrictable actions on "*"
# =============================================================================================


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(doc(grant("s3:Describe*")), id="fail"),
        pytest.param(doc(grant("s3:ListAllMyBuckets")), id="pass_unrestrictable"),
        pytest.param(doc(grant("s3:Describe*", Effect="Deny")), id="pass2-deny"),
    ],
)
def test_star_resource_read_only(catalogue: ActionCatalogue, document: dict[str, Any]) -> None:
    """Checkov example_ResourcePolicyDocument: ``fail`` (s3:Describe* on *) FAILS CKV_AWS_356,
    a least-privilege rule flagging any action that supports a resource type on ``*``;
    ``pass_unrestrictable`` (ListAllMyBuckets) and the Deny PASS.

    A scope difference, not an error of either tool: s3:Describe* covers s3:DescribeJob and
    s3:DescribeMultiRegionAccessPointOperation, Read-level actions (Service Authorization
    Reference), and our checks judge risk, not tidiness. Ours pins: no sensitive-wildcard lint
    and no principal finding for any of the three."""
    assert "WILDCARD_SENSITIVE" not in lint_codes(catalogue, document)
    for check_id in ("principal.data_exfiltration", "principal.resource_exposure"):
        assert dev_findings(check_id, document) == []


def test_star_resource_source_arn_condition_grants_nothing_to_a_user() -> None:
    """Checkov example_ResourcePolicyDocument ``pass_condition``: kms:GenerateDataKey +
    kms:Decrypt on * with ArnEquals aws:SourceArn PASSES CKV_AWS_356 (any condition passes).

    AWS global condition keys: aws:SourceArn is present in the request context only when a
    service principal makes a service-to-service request. An IAM user's identity policy is
    evaluated for the user's own requests, which never carry it, so ArnEquals fails and the
    statement grants the user nothing: no unrestricted kms:Decrypt."""
    document = doc(
        grant(
            ["kms:GenerateDataKey", "kms:Decrypt"],
            ["*"],
            Condition={"ArnEquals": {"aws:SourceArn": ["arn:aws:s3:::bucket"]}},
        )
    )
    assert dev_findings("principal.data_exfiltration", document) == []


# =============================================================================================
# CKV_AWS_60: trust policy open to everyone -> role.trust_any_principal
# =============================================================================================

LAMBDA = {
    "Action": "sts:AssumeRole",
    "Principal": {"Service": "lambda.amazonaws.com"},
    "Effect": "Allow",
}
EVENTS = {
    "Action": "sts:AssumeRole",
    "Principal": {"Service": "events.amazonaws.com"},
    "Effect": "Allow",
}


def assume(principal: Any, effect: str = "Allow", action: Any = "sts:AssumeRole") -> dict[str, Any]:
    return {"Action": action, "Principal": principal, "Effect": effect}


@pytest.mark.parametrize(
    ("trust", "public"),
    [
        pytest.param(doc(LAMBDA, assume({"AWS": "*"}), EVENTS), True, id="tf-test_failure"),
        pytest.param(doc(LAMBDA, assume({"AWS": ["*"]}), EVENTS), True, id="tf-test_failure_array"),
        pytest.param(doc(LAMBDA), False, id="tf-test_success"),
        pytest.param(doc(assume({"AWS": "*"}, "Deny")), False, id="tf-test_success_deny"),
        pytest.param(
            {"Statement": [assume({"AWS": "*"})]}, True, id="cfn-FAILED-2-AWSStarPrincipal2"
        ),
        pytest.param(
            {"Statement": [assume({"AWS": [f"arn:aws:iam::{OTHER_ACCOUNT}:root", "*"]})]},
            True,
            id="cfn-FAILED-2-AWSStarPrincipalInList2",
        ),
        pytest.param(
            doc(assume({"Service": ["ec2.amazonaws.com"]}, action=["sts:AssumeRole"])),
            False,
            id="cfn-PASSED-ServiceRole",
        ),
        pytest.param(
            doc(assume({"AWS": ["*"]}, "Deny", ["sts:AssumeRole"])),
            False,
            id="cfn-PASSED-DenyIgnore",
        ),
    ],
)
def test_role_allows_public_assume(trust: dict[str, Any], public: bool) -> None:
    """Checkov CKV_AWS_60 (terraform test_IAMRoleAllowsPublicAssume.py, cloudformation
    example_IAMRoleAllowsPublicAssume/*.yml): FAIL when an Allow trust statement names AWS ``*``
    (alone or in a list); Deny and service principals PASS. Ours: role.trust_any_principal."""
    assert bool(trust_findings("role.trust_any_principal", trust)) is public


def test_role_allows_public_assume_bare_star() -> None:
    """checkov/terraform/checks/resource/aws/IAMRoleAllowsPublicAssume.py only reads
    ``statement['Principal']['AWS']``: ``"Principal": "*"`` (every principal, IAM JSON policy
    reference "AWS JSON policy elements: Principal", anonymous included) is PASSED.

    Checkov is wrong: the bare ``*`` is the widest trust there is. Ours flags it."""
    assert trust_findings("role.trust_any_principal", doc(assume("*")))


# =============================================================================================
# CKV_AWS_61: trust of another account -> role.trust_cross_account_unguarded
# =============================================================================================


def test_role_assume_from_account_root() -> None:
    """Checkov example_IAMRoleAllowAssumeFromAccount-FAILED.yml ``ExecutionRole``: another
    account's root trusted for sts:AssumeRole without a condition FAILS CKV_AWS_61. Ours:
    role.trust_cross_account_unguarded names that account; our own account's root is no
    cross-account trust."""
    foreign = doc(assume({"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"}, action=["sts:AssumeRole"]))
    [finding] = trust_findings("role.trust_cross_account_unguarded", foreign)
    assert finding.evidence["accounts"] == [OTHER_ACCOUNT]
    own = doc(assume({"AWS": "arn:aws:iam::123456789012:root"}, action=["sts:AssumeRole"]))
    assert trust_findings("role.trust_cross_account_unguarded", own) == []


def test_role_assume_from_another_accounts_user() -> None:
    """Checkov example_IAMRoleAllowAssumeFromAccount-PASSED.yml ``ExecutionRole`` trusts
    ``arn:aws:iam::123456789101:example_user`` and PASSES: CKV_AWS_61 only looks for ``:root``.

    That ARN is malformed (a user ARN is ``...:user/name``; IAM rejects the trust policy with
    "Invalid principal in policy"): our linter says INVALID_PRINCIPAL. Written correctly, a
    user of another account trusted without sts:ExternalId or MFA is still cross-account trust,
    and Checkov is narrower than the risk: ours reports it."""
    malformed = doc(assume({"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:example_user"}))
    assert "INVALID_PRINCIPAL" in lint_codes(default_catalogue(), malformed, "trust")
    valid = doc(assume({"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:user/example_user"}))
    assert trust_findings("role.trust_cross_account_unguarded", valid)


def test_role_assume_from_account_root_with_web_identity_action(catalogue: ActionCatalogue) -> None:
    """Checkov example_IAMRoleAllowAssumeFromAccount-FAILED.yml ``Role``: Principal AWS
    arn:aws:iam::123456789101:root with Action sts:AssumeRoleWithWebIdentity FAILS CKV_AWS_61.

    Checkov is wrong, and so are we: AssumeRoleWithWebIdentity is called without AWS
    credentials, by a web identity the trust policy names as a ``Federated`` principal (STS API
    reference; IAM "Principal" element), so an ``AWS`` principal never matches it, and the
    statement does not allow sts:AssumeRole. The account is trusted for nothing; our linter's
    TRUST_ACTION_MISMATCH says so, role.trust_cross_account_unguarded should stay quiet."""
    trust = doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {"oidc.example.com:sub": "system:serviceaccount:example:app"}
            },
        }
    )
    assert "TRUST_ACTION_MISMATCH" in lint_codes(catalogue, trust, "trust")
    assert trust_findings("role.trust_cross_account_unguarded", trust) == []


# =============================================================================================
# CKV_AWS_283: public resource policy -> the linter's PUBLIC_PRINCIPAL
# =============================================================================================

TOPIC = "arn:aws:sns:us-east-1:123456789012:some-topic"
PRINCIPAL_ARN_LIKE = {
    "ArnLike": {"aws:PrincipalArn": ["arn:aws:service:region:accountId:resourceType/resourceId"]}
}


def publish(principal: Any, **extra: Any) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Action": ["sns:Publish"],
        "Principal": principal,
        "Resource": [TOPIC],
        **extra,
    }


@pytest.mark.parametrize(
    ("document", "public"),
    [
        pytest.param(doc(publish({"AWS": ["*"]})), True, id="fail"),
        pytest.param(doc(publish({"AWS": ["*"]}, Condition=PRINCIPAL_ARN_LIKE)), False, id="pass2"),
        pytest.param(
            doc(publish({"AWS": ["*"]}, Condition=PRINCIPAL_ARN_LIKE), publish({"AWS": ["*"]})),
            True,
            id="fail2",
        ),
        pytest.param(
            doc(
                {
                    "Sid": "DenyObjectDelete",
                    "Effect": "Deny",
                    "Principal": {"AWS": ["*"]},
                    "Action": ["s3:DeleteObject"],
                    "Resource": ["arn:aws:s3:::migrations/*"],
                }
            ),
            False,
            id="pass4-deny",
        ),
    ],
)
def test_public_actions_policy(
    catalogue: ActionCatalogue, document: dict[str, Any], public: bool
) -> None:
    """Checkov example_IAMPublicActionsPolicy (CKV_AWS_283): sns:Publish to AWS ``*`` FAILS,
    unless the statement narrows the caller by aws:PrincipalArn; one open statement beside a
    narrowed one still FAILS; a Deny to ``*`` is no exposure. Ours (as a resource policy): the
    linter's PUBLIC_PRINCIPAL exactly then."""
    assert ("PUBLIC_PRINCIPAL" in lint_codes(catalogue, document, "resource")) is public


def test_public_actions_policy_bad_principal(catalogue: ActionCatalogue) -> None:
    """Checkov example_IAMPublicActionsPolicy ``pass``: Principal AWS ``some:arn`` PASSES.

    No exposure indeed, but ``some:arn`` is neither an account id nor an IAM ARN, and SNS
    rejects the policy; ours says INVALID_PRINCIPAL and not PUBLIC_PRINCIPAL."""
    codes = lint_codes(catalogue, doc(publish({"AWS": ["some:arn"]})), "resource")
    assert "INVALID_PRINCIPAL" in codes
    assert "PUBLIC_PRINCIPAL" not in codes


# =============================================================================================
# CKV_AWS_40: policies on users -> user.direct_policies;  CKV_AWS_275: AdministratorAccess
# =============================================================================================

EC2_DESCRIBE = doc(grant("ec2:Describe*"))


@pytest.mark.parametrize(
    ("how", "direct"),
    [
        pytest.param("inline", True, id="aws_iam_user_policy-fail"),
        pytest.param("attached", True, id="aws_iam_user_policy_attachment-fail"),
        pytest.param("group", False, id="aws_iam_policy_attachment-pass"),
    ],
)
def test_policy_attached_to_group_or_roles(how: str, direct: bool) -> None:
    """Checkov example_IAMPolicyAttachedToGroupOrRoles/iam.tf: an inline user policy
    (ec2:Describe*) and a policy attachment to a user FAIL CKV_AWS_40; an attachment without
    users PASSES. Ours: user.direct_policies for the user exactly then."""
    policy = managed_policy("policy", EC2_DESCRIBE)
    if how == "inline":
        dev = user("example", inline_policies=[inline("fail", EC2_DESCRIBE)])
        groups = None
    elif how == "attached":
        dev = user("example", attached_policies=[policy.arn])
        groups = None
    else:
        dev = user("example")
        groups = [group("developers", attached_policies=[policy.arn])]
    snap = snapshot(users=[dev], groups=groups, policies=[policy])
    found = [f.resource_arn for f in run_check("user.direct_policies", snap)]
    assert found == ([user_arn("example")] if direct else [])


@pytest.mark.parametrize(
    ("name", "flagged"),
    [
        pytest.param("AdministratorAccess", True, id="fail1-fail2"),
        pytest.param("AmazonS3ReadOnlyAccess", False, id="pass1-pass2"),
    ],
)
def test_managed_admin_policy(name: str, flagged: bool) -> None:
    """Checkov example_IAMManagedAdminPolicy (CKV_AWS_275): referring to the AWS-managed
    AdministratorAccess (by name or ARN) FAILS, AmazonS3ReadOnlyAccess PASSES. Checkov flags a
    mere data-source lookup; ours judges what is attached: the policy on a user gives
    identity.aws_admin_attached for AdministratorAccess only."""
    if name == "AdministratorAccess":
        policy = ADMIN
    else:
        policy = managed_policy(name, doc(grant(["s3:Get*", "s3:List*"])), aws_managed=True)
    snap = snapshot(users=[user("dev", attached_policies=[policy.arn])], policies=[policy])
    found = run_check("identity.aws_admin_attached", snap)
    assert bool(found) is flagged
