"""The privilege-escalation catalogue checked against the sources each method cites.

Each test states what bot/iam/data/privesc_methods.json should say according to the published
sources (pathfinding.cloud, Rhino Security Labs, PMapper, Cloudsplaining, BishopFox
iam-vulnerable) and, where they disagree, according to AWS's own API documentation. A test
marked xfail(strict) is a catalogue error: its reason names the change to make in the data file.

The behavioural tests build one account: a holder allowed exactly the listed actions and an
administrator role trusted by the services involved. "Escalates" means find_escalations reports
a method for the holder; "does not escalate" means it reports none (every method that could
apply is a superset of what the holder was given).
"""

from __future__ import annotations

import pytest

from bot.iam.effective import PermissionIndex
from bot.iam.privesc import find_escalations
from bot.iam.privesc_methods import load_methods, methods_by_id
from tests.factories import (
    NOW,
    allow,
    inline,
    policy_document,
    role,
    snapshot,
    statement,
    user,
    user_arn,
)


def _method(method_id: str):
    return methods_by_id()[method_id]


def _held(actions: list[str], services: list[str]) -> tuple[str, ...]:
    """Method ids reported for a user allowed exactly ``actions`` on `*`, in an account whose
    only other principal is an administrator role that ``services`` may assume."""
    return _held_with(allow(actions), services)


def _held_with(document: dict, services: list[str]) -> tuple[str, ...]:
    """:func:`_held` for a user whose one inline policy is ``document``."""
    trust = policy_document(
        statement(principal={"Service": services}, action="sts:AssumeRole", resource=None)
    )
    admin = role("admin", trust=trust, inline_policies=[inline("all", allow("*"))])
    holder = user("holder", groups=(), inline_policies=[inline("grant", document)])
    found = find_escalations(PermissionIndex(snapshot(users=[holder], roles=[admin]), NOW))
    escalation = found.get(user_arn("holder"))
    return escalation.method_ids if escalation is not None else ()


# --- SageMaker ------------------------------------------------------------------------------------


def test_sagemaker_notebook_without_a_way_into_it_does_not_escalate():
    """A new notebook instance runs no code of the holder's by itself: per AWS's
    CreatePresignedNotebookInstanceUrl reference, the console's "Open Jupyter" calls that API
    with the caller's credentials, and its IAM policy is enforced on every request to the
    notebook. iam-vulnerable's privesc-sageMakerCreateNotebookPassRole grants it, Rhino and
    HackTricks list it; pathfinding.cloud (sagemaker-001) lists it only as "additional", and
    its own exploitation steps call it."""
    held = _held(["iam:PassRole", "sagemaker:CreateNotebookInstance"], ["sagemaker.amazonaws.com"])
    assert held == ()


def test_sagemaker_notebook_with_a_presigned_url_escalates():
    """The corrected combination is reported (today through sagemaker-001 and -004)."""
    held = _held(
        [
            "iam:PassRole",
            "sagemaker:CreateNotebookInstance",
            "sagemaker:CreatePresignedNotebookInstanceUrl",
        ],
        ["sagemaker.amazonaws.com"],
    )
    assert "sagemaker-001" in held


def test_sagemaker_studio_presigned_url_escalates_through_an_existing_profile():
    """HackTricks (aws-sagemaker-privesc, "sagemaker:CreatePresignedDomainUrl") and AWS's
    CreatePresignedDomainUrl reference: the URL signs the browser in to Studio as the user
    profile, whose apps run as the profile's execution role; no iam:PassRole is needed. A
    richer role trusting SageMaker must exist for it to gain anything."""
    assert _held(["sagemaker:CreatePresignedDomainUrl"], ["sagemaker.amazonaws.com"]) == (
        "sagemaker-006",
    )
    assert _held(["sagemaker:CreatePresignedDomainUrl"], ["ec2.amazonaws.com"]) == ()


def test_sagemaker_tuning_job_with_a_passed_role_escalates():
    """HackTricks ("sagemaker:CreateHyperParameterTuningJob, iam:PassRole") and AWS's
    CreateHyperParameterTuningJob reference: TrainingJobDefinition.RoleArn is passed to the
    training jobs the tuner starts, which run the caller's container or script."""
    actions = ["iam:PassRole", "sagemaker:CreateHyperParameterTuningJob"]
    assert _held(actions, ["sagemaker.amazonaws.com"]) == ("sagemaker-007",)
    assert _held(actions[1:], ["sagemaker.amazonaws.com"]) == ()  # nothing to pass


def test_sagemaker_studio_role_swaps_escalate_with_every_call_they_make():
    """HackTricks: UpdateUserProfile (ExecutionRole) + CreateApp + CreatePresignedDomainUrl with
    iam:PassRole, and UpdateDomain (DefaultUserSettings) + CreateUserProfile + CreateApp +
    CreatePresignedDomainUrl with iam:PassRole. The presigned URL alone is sagemaker-006
    already; without it, changing the role gains nothing the holder can use."""
    profile = [
        "iam:PassRole",
        "sagemaker:UpdateUserProfile",
        "sagemaker:CreateApp",
        "sagemaker:CreatePresignedDomainUrl",
    ]
    held = _held(profile, ["sagemaker.amazonaws.com"])
    assert "sagemaker-008" in held
    assert "sagemaker-009" not in held
    domain = [
        "iam:PassRole",
        "sagemaker:UpdateDomain",
        "sagemaker:CreateUserProfile",
        "sagemaker:CreateApp",
        "sagemaker:CreatePresignedDomainUrl",
    ]
    assert "sagemaker-009" in _held(domain, ["sagemaker.amazonaws.com"])
    without_url = [a for a in profile + domain if a != "sagemaker:CreatePresignedDomainUrl"]
    assert _held(without_url, ["sagemaker.amazonaws.com"]) == ()


# --- Lambda ---------------------------------------------------------------------------------------


def test_lambda_function_url_without_a_way_to_call_it_does_not_escalate():
    """AWS "Control access to Lambda function URLs": with AuthType NONE the function's
    resource-based policy must still grant public access (lambda:AddPermission when created
    through the API); with AWS_IAM the caller needs lambda:InvokeFunctionUrl and, for URLs
    created since October 2025, lambda:InvokeFunction. PassRole + CreateFunction +
    CreateFunctionUrlConfig alone leaves the URL answering 403."""
    held = _held(
        ["iam:PassRole", "lambda:CreateFunction", "lambda:CreateFunctionUrlConfig"],
        ["lambda.amazonaws.com"],
    )
    assert held == ()


# --- Auto Scaling with launch templates -----------------------------------------------------------


def test_new_auto_scaling_group_from_a_launch_template_needs_run_instances():
    """AWS "Amazon EC2 Auto Scaling API permissions": CreateAutoScalingGroup with a launch
    template needs ec2:RunInstances (and iam:PassRole when the template names an instance
    profile). Without RunInstances the call fails, so this holder cannot escalate through a
    launch template (autoscaling-003); only an existing launch configuration's role remains
    (autoscaling-005, which needs no iam:PassRole)."""
    held = _held(
        [
            "iam:PassRole",
            "ec2:CreateLaunchTemplate",
            "autoscaling:CreateAutoScalingGroup",
        ],
        ["ec2.amazonaws.com"],
    )
    assert held == ("autoscaling-005",)


def test_updating_an_auto_scaling_group_to_a_launch_template_needs_run_instances():
    """Same AWS page: the ec2:RunInstances (and iam:PassRole) checks apply when an Auto
    Scaling group is created *or updated* to use a launch template."""
    held = _held(
        [
            "iam:PassRole",
            "ec2:CreateLaunchTemplateVersion",
            "autoscaling:UpdateAutoScalingGroup",
        ],
        ["ec2.amazonaws.com"],
    )
    assert held == ()


# --- HackTricks' paths the other catalogues lack ------------------------------------------------


def test_budget_action_with_a_passed_role_escalates_as_awss_managed_policy_allows():
    """HackTricks aws-budgets-privesc: a budget action of type APPLY_IAM_POLICY runs as the
    execution role passed to it (which must trust budgets.amazonaws.com, per the Budgets user
    guide's "Setting up a role for AWS Budgets to run budget actions") and attaches a chosen
    policy to chosen users. AWS's AWSBudgetsActionsWithAWSResourceControlAccess allows exactly
    budgets:* and iam:PassRole kept to budgets.amazonaws.com."""
    actions = ["iam:PassRole", "budgets:CreateBudgetAction", "budgets:ExecuteBudgetAction"]
    assert _held(actions, ["budgets.amazonaws.com"]) == ("budgets-001",)
    assert _held(actions, ["lambda.amazonaws.com"]) == ()  # no role Budgets can run as
    managed = policy_document(
        statement(action="budgets:*", resource="*"),
        statement(
            action="iam:PassRole",
            resource="*",
            condition={"StringEquals": {"iam:PassedToService": "budgets.amazonaws.com"}},
        ),
    )
    assert _held_with(managed, ["budgets.amazonaws.com"]) == ("budgets-001",)


def test_step_functions_test_state_with_a_passed_role_escalates():
    """HackTricks aws-stepfunctions-privesc and AWS's TestState reference: TestState runs one
    state (any AWS SDK integration) as the role passed in roleArn."""
    assert _held(["iam:PassRole", "states:TestState"], ["states.amazonaws.com"]) == (
        "stepfunctions-003",
    )
    assert _held(["states:TestState"], ["states.amazonaws.com"]) == ()


def test_roles_anywhere_trust_anchor_rewrite_needs_a_role_roles_anywhere_can_assume():
    """HackTricks aws-sts-privesc ("rolesanywhere:UpdateTrustAnchor"): with its own CA in the
    trust anchor, the holder signs a certificate and gets sessions for the profiles' roles, which
    trust rolesanywhere.amazonaws.com."""
    action = ["rolesanywhere:UpdateTrustAnchor"]
    assert _held(action, ["rolesanywhere.amazonaws.com"]) == ("rolesanywhere-001",)
    assert _held(action, ["ec2.amazonaws.com"]) == ()


def test_eks_access_entry_reaches_the_node_role():
    """HackTricks aws-eks-privesc: an access entry with AmazonEKSClusterAdminPolicy makes the
    holder cluster-admin, whose pods read the node role (trusting ec2.amazonaws.com) or use
    Pod Identity roles (pods.eks.amazonaws.com). One of the two calls alone gains nothing."""
    actions = ["eks:CreateAccessEntry", "eks:AssociateAccessPolicy"]
    assert "eks-001" in _held(actions, ["ec2.amazonaws.com"])
    assert "eks-001" in _held(actions, ["pods.eks.amazonaws.com"])
    assert _held(actions[:1], ["ec2.amazonaws.com"]) == ()


def test_eks_access_entry_kept_to_a_backup_access_policy_gains_nothing():
    """AWS's AWSBackupServiceRolePolicyForBackup allows eks:CreateAccessEntry on every cluster
    but eks:AssociateAccessPolicy only with eks:policyArn AWSBackupFullAccessPolicyForBackup:
    it cannot make itself cluster-admin, so eks-001 (which asks for AmazonEKSClusterAdminPolicy
    or AmazonEKSAdminPolicy) is not held."""

    def document(condition: dict | None) -> dict:
        return policy_document(
            statement(action="eks:CreateAccessEntry", resource="arn:aws:eks:*:*:cluster/*"),
            statement(
                action="eks:AssociateAccessPolicy",
                resource="arn:aws:eks:*:*:access-entry/*",
                **({"condition": condition} if condition else {}),
            ),
        )

    backup = "arn:aws:eks::aws:cluster-access-policy/AWSBackupFullAccessPolicyForBackup"
    kept = {"StringEquals": {"eks:accessScope": "cluster", "eks:policyArn": backup}}
    assert _held_with(document(kept), ["ec2.amazonaws.com"]) == ()
    assert _held_with(document(None), ["ec2.amazonaws.com"]) == ("eks-001",)


def test_instance_profile_role_swap_needs_pass_role():
    """HackTricks aws-ec2-privesc and IAM's AddRoleToInstanceProfile reference ("the caller
    must be granted the PassRole permission on the IAM role"): swapping the role inside the
    instance profile of an instance the holder controls."""
    swap = ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile"]
    assert _held(["iam:PassRole", *swap], ["ec2.amazonaws.com"]) == ("ec2-007",)
    assert _held(swap, ["ec2.amazonaws.com"]) == ()


# Methods no other catalogue lists: added from HackTricks' AWS privilege-escalation pages, each
# checked against AWS's API reference for its action names and the service its role trusts.
_HACKTRICKS_ONLY = [
    m
    for m in load_methods()
    if m.source_ids and all(s.startswith("HackTricks:") for s in m.source_ids)
]


@pytest.mark.parametrize(
    "method",
    [m for m in _HACKTRICKS_ONLY if m.pass_to or m.runs_as],
    ids=lambda m: m.id,
)
def test_hacktricks_method_needs_a_richer_role_its_service_can_assume(method):
    """Each role-gaining method escalates only through a role its service trusts: with the
    account's administrator role trusting another service, the holder holds none of them."""
    services = {*method.pass_to, *method.runs_as}
    other = "lambda.amazonaws.com" if "ec2.amazonaws.com" in services else "ec2.amazonaws.com"
    if other in services:
        other = "batch.amazonaws.com"
    held = _held(list(method.actions), [other])
    assert method.id not in held


def test_identity_store_group_membership_needs_identity_center_in_the_account():
    """HackTricks (identitystore:CreateGroupMembership): joining a group that has an
    administrator permission set hands out something only where Identity Center reaches the
    account (its service-linked role or an AWSReservedSSO_ role is there); the small company
    account has neither, and PowerUserAccess allows identitystore:*."""
    assert _held(["identitystore:CreateGroupMembership"], ["ec2.amazonaws.com"]) == ()


# --- Where the sources disagree and the catalogue is right --------------------------------------


def test_data_pipeline_needs_a_definition_and_activation_not_just_a_pipeline():
    """Cloudsplaining's PassExistingRoleToNewDataPipeline is only iam:PassRole +
    datapipeline:CreatePipeline; Rhino 21, iam-vulnerable privesc21 and pathfinding.cloud
    datapipeline-001 add PutPipelineDefinition and ActivatePipeline. AWS's API agrees with the
    latter: CreatePipeline makes an empty pipeline; the activities (and the roles they run as)
    come with PutPipelineDefinition, and nothing runs until ActivatePipeline."""
    services = ["datapipeline.amazonaws.com", "ec2.amazonaws.com"]
    assert _held(["iam:PassRole", "datapipeline:CreatePipeline"], services) == ()
    full = [
        "iam:PassRole",
        "datapipeline:CreatePipeline",
        "datapipeline:PutPipelineDefinition",
        "datapipeline:ActivatePipeline",
    ]
    assert "datapipeline-001" in _held(full, services)
