"""KICS (Checkmarx/kics) AWS IAM queries and their test fixtures, run through iam-audit.

KICS files used (assets/queries/terraform/aws/<query>/...): for each query its metadata.json,
query.rego and test/positive*.tf / negative*.tf with positive_expected_result.json:

- iam_policies_with_full_privileges (positive1.tf, positive4.tf, positive6.tf, negative1.tf,
  negative5.tf) and iam_policy_grants_full_permissions (positive1.tf, positive2.tf,
  negative.tf, negative2.tf, negative3.tf) -> policy.admin_star, principal.admin_equivalent.
- iam_policies_attached_to_user (positive1.tf, negative.tf) -> user.direct_policies.
- iam_policy_allows_for_data_exfiltration (positive1.tf, negative1.tf)
  -> principal.data_exfiltration.
- cross_account_iam_assume_role_policy_without_external_id_or_mfa (positive1-3.tf,
  negative1-2.tf) -> role.trust_cross_account_unguarded.
- iam_role_allows_all_principals_to_assume (positive.tf, negative.tf),
  iam_policy_grants_assumerole_permission_across_all_services (positive.tf, negative.tf) and
  iam_role_with_full_privileges (positive.tf, negative.tf) -> role.trust_any_principal and the
  trust-policy lint codes.
- user_with_privilege_escalation_by_actions_* (one query per method: iam_CreatePolicyVersion,
  iam_PassRole_and_ec2_RunInstances, iam_UpdateAssumeRolePolicy_and_sts_AssumeRole
  (test/positive1.tf), ...; their fixture grants the method's actions on "*" in a user's inline
  policy, the compliant one ec2:Describe*) -> principal.privilege_escalation.

Each fixture's policy is put where our tool sees it (a user's inline policy, a customer managed
policy attached to a user, a role's trust policy). KICS's fixtures and expected outcomes are
its facts; the test code is ours. Each case is judged against AWS's documented semantics: where
KICS is wrong or cruder the docstring says why and pins our behaviour; where we are wrong the
test is a strict xfail naming the cause.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bot.iam.catalogue import ActionCatalogue, default_catalogue
from bot.iam.linter import lint_policy
from tests.factories import (
    inline,
    managed_policy,
    role,
    role_arn,
    run_check,
    snapshot,
    trust_policy,
    user,
    user_arn,
)

KICS = "Checkmarx/kics assets/queries/terraform/aws"
OTHER_ACCOUNT_ROOT = "arn:aws:iam::987654321145:root"  # the account KICS's fixtures trust


@pytest.fixture(scope="module")
def catalogue() -> ActionCatalogue:
    return default_catalogue()


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def grant(action: str | list[str], resource: str | list[str] = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def lint_codes(catalogue: ActionCatalogue, document: Any, policy_type: str) -> set[str]:
    found = lint_policy(document, catalogue=catalogue, policy_type=policy_type)  # type: ignore[arg-type]
    return {f.code for f in found}


ADMIN = managed_policy("AdministratorAccess", doc(grant("*")), aws_managed=True)
PASS_TO = [
    "ec2.amazonaws.com",
    "lambda.amazonaws.com",
    "cloudformation.amazonaws.com",
    "glue.amazonaws.com",
]
# What the PassRole / existing-resource methods need: an admin role the services may assume.
TARGET_ROLE = role(
    "target", trust=trust_policy({"Service": PASS_TO}), attached_policies=[ADMIN.arn]
)
# What CreateAccessKey / LoginProfile methods need: an administrator user to take over.
ADMIN_USER = user("administrator", inline_policies=[inline("all", doc(grant("*")))])


def dev_findings(
    check_id: str,
    document: dict[str, Any],
    *,
    extra_managed: tuple[Any, ...] = (),
    targets: bool = True,
) -> list[Any]:
    """Findings of ``check_id`` about user ``dev`` holding ``document`` inline (plus any
    ``extra_managed`` customer policies attached), in an account that (unless told otherwise)
    also holds an admin role the services may assume and an administrator user."""
    dev = user(
        "dev",
        inline_policies=[inline("p", document)],
        attached_policies=[p.arn for p in extra_managed],
    )
    snap = snapshot(
        users=[dev, *([ADMIN_USER] if targets else [])],
        roles=[TARGET_ROLE] if targets else [],
        policies=[ADMIN, *extra_managed] if targets else list(extra_managed),
    )
    return [
        f
        for f in run_check(check_id, snap)
        if f.resource_arn == user_arn("dev") or f.resource_arn.startswith(user_arn("dev") + "#")
    ]


def methods_of(document: dict[str, Any], **kwargs: Any) -> list[str]:
    found = dev_findings("principal.privilege_escalation", document, **kwargs)
    return [m for f in found for m in dict(f.evidence).get("method_ids", ())]


def trust_findings(check_id: str, trust: dict[str, Any]) -> list[Any]:
    snap = snapshot(roles=[role("r", trust=trust)])
    return [f for f in run_check(check_id, snap) if f.resource_arn == role_arn("r")]


# =============================================================================================
# iam_policies_with_full_privileges / iam_policy_grants_full_permissions
# =============================================================================================

FULL = doc(grant(["*"]))


def test_full_privileges_inline_user_policy() -> None:
    """iam_policy_grants_full_permissions/test/positive1.tf (aws_iam_user_policy, "*" on "*")
    and iam_policies_with_full_privileges/test/positive4.tf (positive4-1): flagged."""
    assert dev_findings("policy.admin_star", FULL)
    assert dev_findings("principal.admin_equivalent", FULL)


def test_full_privileges_customer_managed_policy() -> None:
    """iam_policy_grants_full_permissions/test/positive2.tf and
    iam_policies_with_full_privileges/test/positive6.tf (aws_iam_policy "*" on "*"): the
    policy itself is flagged, and the user it is attached to is an administrator."""
    policy = managed_policy("s3-permission", FULL)
    snap = snapshot(users=[user("dev", attached_policies=[policy.arn])], policies=[policy])
    assert [f.resource_arn for f in run_check("policy.admin_star", snap)] == [policy.arn]
    assert user_arn("dev") in {
        f.resource_arn for f in run_check("principal.admin_equivalent", snap)
    }


def test_full_privileges_role_inline_policy() -> None:
    """iam_policies_with_full_privileges/test/positive1.tf (aws_iam_role_policy "*" on "*")."""
    snap = snapshot(roles=[role("apigw", inline_policies=[inline("p", FULL)])])
    assert run_check("policy.admin_star", snap)
    assert role_arn("apigw") in {
        f.resource_arn for f in run_check("principal.admin_equivalent", snap)
    }


@pytest.mark.parametrize(
    ("case", "document", "lint_code"),
    [
        # iam_policies_with_full_privileges/test/negative1.tf, negative5.tf (negative5-1)
        ("some_action", doc(grant(["some:action"])), "UNKNOWN_SERVICE"),
        # iam_policy_grants_full_permissions/test/negative.tf, negative2.tf
        (
            "some_resource",
            doc(grant(["ec2:*", "s3:*", "lambda:*", "cloudwatch:*"], "SomeResource")),
            "MALFORMED",
        ),
        # iam_policy_grants_full_permissions/test/negative3.tf
        ("ec2messages_star", doc(grant(["ec2messages:*"])), None),
    ],
)
def test_full_privileges_negatives(
    catalogue: ActionCatalogue, case: str, document: dict[str, Any], lint_code: str | None
) -> None:
    """KICS expects no full-privileges finding; ours gives no admin finding either. Where the
    fixture is not a valid policy ("some:action" names no AWS service; "SomeResource" is not an
    ARN, which IAM rejects: IAM JSON policy elements: Resource) our linter says so."""
    assert not dev_findings("policy.admin_star", document)
    assert not dev_findings("principal.admin_equivalent", document)
    if lint_code is not None:
        assert lint_code in lint_codes(catalogue, document, "identity")


def test_full_privileges_ec2messages_is_a_service_wildcard() -> None:
    """iam_policy_grants_full_permissions/test/negative3.tf: ec2messages:* on "*" is not full
    permissions (KICS negative, ours agrees above), but it is a whole-service grant, which ours
    reports as policy.service_wildcard (SH IAM.21)."""
    assert dev_findings("policy.service_wildcard", doc(grant(["ec2messages:*"])))


def test_iam_star_is_admin_equivalent_though_kics_passes_it() -> None:
    """iam_policies_with_full_privileges/test/positive4.tf (positive4-2) and positive6.tf
    (positive6-2): "iam:*" on "*"; positive_expected_result.json lists only the "*" policy, so
    KICS does not flag iam:*. KICS is cruder: iam:AttachUserPolicy alone lets the holder attach
    AdministratorAccess to itself (Rhino Security Labs' method 8; AWS IAM API reference), so
    iam:* is administrator-equivalent. Ours: principal.admin_equivalent, plus
    policy.service_wildcard and policy.passrole_star (iam:PassRole on *)."""
    document = doc(grant(["iam:*"]))
    assert dev_findings("principal.admin_equivalent", document)
    assert not dev_findings("policy.admin_star", document)
    assert dev_findings("policy.service_wildcard", document)
    assert dev_findings("policy.passrole_star", document)


STAR_ON_S3 = doc(grant(["*"], "arn:aws:s3:::*"))


def test_star_action_on_s3_arns_is_not_admin() -> None:
    """iam_policies_with_full_privileges/test/negative5.tf (negative5-2) and negative1.tf's
    aws_iam_policy_document: "*" on "arn:aws:s3:::*" is negative in KICS. Agreed: a Resource
    element limits every action to the resources it matches (IAM JSON policy elements:
    Resource), so this grants S3 only."""
    assert not dev_findings("policy.admin_star", STAR_ON_S3)
    assert not dev_findings("principal.admin_equivalent", STAR_ON_S3)


def test_star_action_on_s3_arns_escalates_nothing() -> None:
    """Same fixture (negative5-2). iam:* actions act on IAM ARNs (arn:aws:iam::...:user/...,
    :policy/..., Service Authorization Reference, IAM resource types); "arn:aws:s3:::*" matches
    none of them, nor the "*" that actions without resource types are authorized against. So
    this policy escalates nothing. Ours reports iam-001, iam-007 and ~35 other methods."""
    assert methods_of(STAR_ON_S3) == []


# =============================================================================================
# iam_policies_attached_to_user
# =============================================================================================

EXCESS = doc(grant(["ec2:*", "s3:*", "lambda:*", "cloudwatch:*"]))


def test_policy_attached_to_user_is_direct_policy() -> None:
    """iam_policies_attached_to_user/test/positive1.tf: aws_iam_policy_attachment naming the
    user (CIS 1.14: permissions through groups only). Ours: user.direct_policies."""
    policy = managed_policy("excess_policy", EXCESS)
    snap = snapshot(users=[user("dev", attached_policies=[policy.arn])], policies=[policy])
    assert [f.resource_arn for f in run_check("user.direct_policies", snap)] == [user_arn("dev")]


def test_policy_attached_to_no_user_is_not_direct_policy() -> None:
    """iam_policies_attached_to_user/test/negative.tf: the same policy attached to no user."""
    policy = managed_policy("excess_policy", EXCESS, attachment_count=0)
    snap = snapshot(users=[user("dev")], policies=[policy])
    assert run_check("user.direct_policies", snap) == []


# =============================================================================================
# iam_policy_allows_for_data_exfiltration
# =============================================================================================

EXFIL_POSITIVE = doc(
    {**grant("secretsmanager:GetSecretValue"), "Sid": "KaiMonkeySSMSecretsPolicyGet"},
    {
        **grant(
            [
                "kms:Decrypt",
                "ssm:GetParameters",
                "ssm:GetParameter",
                "s3:GetObject",
                "ssm:GetParametersByPath",
                "secretsmanager:GetSecretValue",
            ]
        ),
        "Sid": "KaiMonkeySSMSecretsPolicyGetDecrypt",
    },
)
EXFIL_KICS_NEGATIVE = doc(
    {**grant("secretsmanager:GetSecretValue"), "Sid": "KaiMonkeySSMSecretsPolicyGet"},
    {**grant(["kms:Decrypt"]), "Sid": "KaiMonkeySSMSecretsPolicyGetDecrypt"},
)


def _actions(findings: list[Any]) -> set[str]:
    return {a.lower() for f in findings for a in dict(f.evidence).get("actions", ())}


def test_data_exfiltration_positive() -> None:
    """iam_policy_allows_for_data_exfiltration/test/positive1.tf: flagged for s3:GetObject,
    ssm:GetParameter*, secretsmanager:GetSecretValue on "*"."""
    actions = _actions(dev_findings("principal.data_exfiltration", EXFIL_POSITIVE))
    assert {"s3:getobject", "ssm:getparameter", "secretsmanager:getsecretvalue"} <= actions


def test_data_exfiltration_string_action_kics_misses() -> None:
    """iam_policy_allows_for_data_exfiltration/test/negative1.tf: KICS expects nothing, yet its
    first statement allows secretsmanager:GetSecretValue on "*". KICS is wrong: query.rego
    iterates statement.Action[i2], which only matches a list, while IAM accepts Action as a
    string or a list (IAM JSON policy elements: Action). Every secret is readable, and
    kms:Decrypt on "*" is among our exfiltration actions (checks.md). Ours flags both."""
    actions = _actions(dev_findings("principal.data_exfiltration", EXFIL_KICS_NEGATIVE))
    assert "secretsmanager:getsecretvalue" in actions
    assert "kms:decrypt" in actions


# =============================================================================================
# cross_account_iam_assume_role_policy_without_external_id_or_mfa
# =============================================================================================


def cross_account(condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Action": "sts:AssumeRole",
        "Principal": {"AWS": OTHER_ACCOUNT_ROOT},
        "Effect": "Allow",
        "Sid": "",
    }
    if condition is not None:
        statement["Condition"] = condition
    return doc(statement)


@pytest.mark.parametrize(
    ("case", "condition", "flagged"),
    [
        ("positive1_no_condition", None, True),
        ("positive2_mfa_false", {"Bool": {"aws:MultiFactorAuthPresent": "false"}}, True),
        ("positive3_empty_external_id", {"StringEquals": {"sts:ExternalId": ""}}, True),
        ("negative1_external_id", {"StringEquals": {"sts:ExternalId": "98765"}}, False),
        ("negative2_mfa_true", {"Bool": {"aws:MultiFactorAuthPresent": "true"}}, False),
    ],
)
def test_cross_account_trust(case: str, condition: dict[str, Any] | None, flagged: bool) -> None:
    """cross_account_iam_assume_role_policy_without_external_id_or_mfa/test/*: ours agrees on
    all five. positive3 (ExternalId "") is no guard: STS requires an ExternalId of 2 to 1224
    characters (AssumeRole API reference), so the statement cannot be met as a guard is meant
    to be; reporting it as unguarded is the useful reading. (The fixtures also carry
    "Resource": "*", which IAM rejects in a trust policy; dropped here, see the lint test.)"""
    found = trust_findings("role.trust_cross_account_unguarded", cross_account(condition))
    assert bool(found) is flagged


def test_cross_account_mfa_false_is_a_bad_mfa_pattern(catalogue: ActionCatalogue) -> None:
    """positive2.tf: Bool aws:MultiFactorAuthPresent "false" matches only requests made with
    long-term credentials, never an absent key (IAM docs, "Condition with
    aws:MultiFactorAuthPresent"); ours also lints it as MFA_CONDITION_PATTERN."""
    trust = cross_account({"Bool": {"aws:MultiFactorAuthPresent": "false"}})
    assert "MFA_CONDITION_PATTERN" in lint_codes(catalogue, trust, "trust")


def test_trust_policy_with_resource_is_malformed(catalogue: ActionCatalogue) -> None:
    """positive1.tf verbatim has "Resource": "*" in the trust policy. IAM rejects that
    ("Has prohibited field Resource": a role trust policy is a resource-based policy whose
    resource is the role itself). Ours: MALFORMED; the check still reads the trust."""
    trust = cross_account()
    trust["Statement"][0]["Resource"] = "*"
    assert "MALFORMED" in lint_codes(catalogue, trust, "trust")
    assert trust_findings("role.trust_cross_account_unguarded", trust)


# =============================================================================================
# iam_role_allows_all_principals_to_assume / ..._assumerole_permission_across_all_services /
# iam_role_with_full_privileges
# =============================================================================================

EC2_TRUST = doc(
    {
        "Action": "sts:AssumeRole",
        "Principal": {"Service": "ec2.amazonaws.com"},
        "Effect": "Allow",
        "Sid": "",
    }
)


def test_any_principal_with_service() -> None:
    """iam_policy_grants_assumerole_permission_across_all_services/test/positive.tf
    (positive1): Principal {"Service": ec2, "AWS": "*"} lets anyone assume the role."""
    trust = doc(
        {**EC2_TRUST["Statement"][0], "Principal": {"Service": "ec2.amazonaws.com", "AWS": "*"}}
    )
    assert trust_findings("role.trust_any_principal", trust)


def test_any_principal_without_effect_is_malformed(catalogue: ActionCatalogue) -> None:
    """Same file, positive2: the statement has no Effect. KICS flags it; IAM rejects a
    statement without Effect (Effect is required: IAM JSON policy elements: Effect), so no role
    can carry this trust policy. Ours: MALFORMED, and no role.trust_any_principal."""
    statement = {k: v for k, v in EC2_TRUST["Statement"][0].items() if k != "Effect"}
    trust = doc({**statement, "Principal": {"Service": "ec2.amazonaws.com", "AWS": "*"}})
    assert "MALFORMED" in lint_codes(catalogue, trust, "trust")
    assert trust_findings("role.trust_any_principal", trust) == []


def test_service_only_trust_is_not_any_principal() -> None:
    """iam_policy_grants_assumerole_permission_across_all_services/test/negative.tf and
    iam_role_allows_all_principals_to_assume/test/negative.tf (negative1): EC2 only."""
    assert trust_findings("role.trust_any_principal", EC2_TRUST) == []


def test_root_principal_is_not_all_principals(catalogue: ActionCatalogue) -> None:
    """iam_role_allows_all_principals_to_assume/test/positive.tf (positive2): KICS flags any
    Principal.AWS containing ":root". KICS is wrong: "arn:aws:iam::<account>:root" is that
    account, whose own IAM policies must still allow sts:AssumeRole (IAM docs, "AWS account
    principals"), not everyone; the fixture's "arn:aws:iam::root" has no account at all and IAM
    rejects it, as it rejects logs:* actions and a Resource in a trust policy. Ours: no
    role.trust_any_principal, and the linter says the trust is broken."""
    trust = doc(
        {
            "Principal": {"AWS": "arn:aws:iam::root"},
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "logs:DescribeLogStreams",
            ],
            "Resource": ["arn:aws:iam::*:*:*"],
        }
    )
    assert trust_findings("role.trust_any_principal", trust) == []
    assert {"INVALID_PRINCIPAL", "MALFORMED", "TRUST_ACTION_MISMATCH"} <= lint_codes(
        catalogue, trust, "trust"
    )
    same_account = trust_policy({"AWS": "arn:aws:iam::123456789012:root"})
    assert trust_findings("role.trust_any_principal", same_account) == []


@pytest.mark.parametrize("action", [["*"], "*"])
def test_trust_action_star_is_not_role_privileges(action: Any) -> None:
    """iam_role_with_full_privileges/test/positive.tf: KICS reads a trust policy's Action "*"
    as the role having full privileges. KICS is wrong: a trust policy's actions say what the
    trusted principal may do to the role (sts:AssumeRole...), not what the role may do; a role's
    permissions come from its permission policies (IAM docs, "Roles terms and concepts"). Ours:
    the role with no permission policy is not admin-equivalent, and EC2 is no public
    principal."""
    trust = doc({**EC2_TRUST["Statement"][0], "Action": action})
    assert trust_findings("principal.admin_equivalent", trust) == []
    assert trust_findings("role.trust_any_principal", trust) == []


def test_trust_unknown_action_lints(catalogue: ActionCatalogue) -> None:
    """iam_role_with_full_privileges/test/negative.tf: "some:action" in a trust policy; KICS
    expects nothing, ours lints an unknown service and an action no trust policy can use."""
    trust = doc({**EC2_TRUST["Statement"][0], "Action": ["some:action"]})
    assert {"UNKNOWN_SERVICE", "TRUST_ACTION_MISMATCH"} <= lint_codes(catalogue, trust, "trust")


# =============================================================================================
# user_with_privilege_escalation_by_actions_*
# =============================================================================================

# KICS query suffix -> (actions its positive fixture grants on "*", our method id)
KICS_PRIVESC: dict[str, tuple[list[str], str]] = {
    "iam_CreatePolicyVersion": (["iam:CreatePolicyVersion"], "iam-001"),
    "iam_SetDefaultPolicyVersion": (["iam:SetDefaultPolicyVersion"], "iam-001b"),
    "iam_CreateAccessKey": (["iam:CreateAccessKey"], "iam-002"),
    "iam_CreateLoginProfile": (["iam:CreateLoginProfile"], "iam-004"),
    "iam_UpdateLoginProfile": (["iam:UpdateLoginProfile"], "iam-006"),
    "iam_AttachUserPolicy": (["iam:AttachUserPolicy"], "iam-008"),
    "iam_AttachGroupPolicy": (["iam:AttachGroupPolicy"], "iam-010"),
    "iam_AttachRolePolicy": (["iam:AttachRolePolicy"], "iam-009"),
    "iam_PutUserPolicy": (["iam:PutUserPolicy"], "iam-007"),
    "iam_PutGroupPolicy": (["iam:PutGroupPolicy"], "iam-011"),
    "iam_PutRolePolicy": (["iam:PutRolePolicy"], "iam-005"),
    "iam_AddUserToGroup": (["iam:AddUserToGroup"], "iam-013"),
    "glue_UpdateDevEndpoint": (["glue:UpdateDevEndpoint"], "glue-002"),
    "lambda_UpdateFunctionCode": (["lambda:UpdateFunctionCode"], "lambda-003"),
    "iam_PassRole_and_ec2_RunInstances": (["iam:PassRole", "ec2:RunInstances"], "ec2-001"),
    "iam_PassRole_and_lambda_CreateFunction_and_lambda_InvokeFunction": (
        ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"],
        "lambda-001",
    ),
    "iam_PassRole_and_cloudformation_CreateStack": (
        ["iam:PassRole", "cloudformation:CreateStack"],
        "cloudformation-001",
    ),
    "iam_PassRole_and_glue_CreateDevEndpoint": (
        ["iam:PassRole", "glue:CreateDevEndpoint"],
        "glue-001",
    ),
}


@pytest.mark.parametrize("query", list(KICS_PRIVESC))
def test_privilege_escalation_positive(query: str) -> None:
    """user_with_privilege_escalation_by_actions_<query>: the user's inline policy grants the
    method's actions on "*" -> flagged. Ours reports the method, in an account holding what it
    needs (an admin role the services may assume, an administrator user). iam-005/iam-009
    (Put/AttachRolePolicy) held by a user are reported as changes to other principals
    (privesc.md: escalation for whoever can assume or pass those roles), as KICS does."""
    actions, method = KICS_PRIVESC[query]
    # SetDefaultPolicyVersion switches to a stored version, which KICS assumes exists;
    # CreatePolicyVersion rewrites a customer policy, which the account must hold (KICS's
    # positive case attaches one to the user).
    versions = {"iam:SetDefaultPolicyVersion", "iam:CreatePolicyVersion"}
    extra = (_WITH_ADMIN_VERSION,) if versions & set(actions) else ()
    assert method in methods_of(doc(grant(actions)), extra_managed=extra)


_WITH_ADMIN_VERSION = replace(
    managed_policy("reports", doc(grant(["s3:GetObject"]))), other_versions=(doc(grant(["*"])),)
)


def test_privilege_escalation_negative() -> None:
    """The queries' compliant fixture (inline_policy_run_instances2): ec2:Describe* on "*"."""
    assert methods_of(doc(grant(["ec2:Describe*"]))) == []


@pytest.mark.parametrize(
    "query",
    [q for q in KICS_PRIVESC if "PassRole" in q] + ["iam_CreateAccessKey"],
)
def test_privilege_escalation_needs_a_target(query: str) -> None:
    """KICS judges the actions alone. Passing a role hands over only what the role holds, and a
    new access key is only worth what its user holds: in an account with no role and no other
    user there is nothing richer to reach, so ours reports none of these methods."""
    actions, _method = KICS_PRIVESC[query]
    assert methods_of(doc(grant(actions)), targets=False) == []


def test_update_assume_role_policy_and_assume_role_across_policies() -> None:
    """user_with_privilege_escalation_by_actions_iam_UpdateAssumeRolePolicy_and_sts_AssumeRole/
    test/positive1.tf: iam:UpdateAssumeRolePolicy in the user's inline policy, sts:AssumeRole
    in a customer managed policy attached to it. Ours aggregates across policies (iam-012),
    and reports sts:AssumeRole on "*" as policy.passrole_star."""
    assume = managed_policy("test-policy", doc(grant(["sts:AssumeRole"])))
    document = doc(grant(["iam:UpdateAssumeRolePolicy"]))
    assert "iam-012" in methods_of(document, extra_managed=(assume,))
    snap = snapshot(users=[user("dev", attached_policies=[assume.arn])], policies=[assume])
    assert [f.resource_arn for f in run_check("policy.passrole_star", snap)] == [assume.arn]
