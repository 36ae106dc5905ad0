"""Prowler's privilege-escalation library, checked combination by combination.

prowler-cloud/prowler prowler/providers/aws/services/iam/lib/privilege_escalation.py (the
version that cites DataDog pathfinding.cloud and BeyondTrust's AgentCore write-up):
``privilege_escalation_policies_combination`` maps a name to the actions whose grant on ``*``
Prowler reports. Each is given to a user in an account holding what the paths need: an
administrator role every service of the catalogue (and Cognito's federation) may assume, an
administrator user to take over, a customer-managed policy attached to the holder, a role the
account trusts, and Identity Center's service-linked role. Where Prowler and AWS's own API
reference disagree, the test says why and pins AWS's side.
"""

from __future__ import annotations

import pytest

from bot.iam.effective import PermissionIndex
from bot.iam.privesc import find_escalations
from bot.iam.privesc_methods import load_methods
from tests.factories import (
    ACCOUNT_ID,
    NOW,
    allow,
    inline,
    managed_policy,
    policy_document,
    role,
    service_trust,
    snapshot,
    statement,
    user,
    user_arn,
)

PROWLER_LIBRARY: dict[str, tuple[str, ...]] = {
    "CreatePolicyVersion": ("iam:CreatePolicyVersion",),
    "SetDefaultPolicyVersion": ("iam:SetDefaultPolicyVersion",),
    "CreateAccessKey": ("iam:CreateAccessKey",),
    "CreateLoginProfile": ("iam:CreateLoginProfile",),
    "UpdateLoginProfile": ("iam:UpdateLoginProfile",),
    "AttachUserPolicy": ("iam:AttachUserPolicy",),
    "AttachGroupPolicy": ("iam:AttachGroupPolicy",),
    "AttachRolePolicy": ("iam:AttachRolePolicy",),
    "PutGroupPolicy": ("iam:PutGroupPolicy",),
    "PutRolePolicy": ("iam:PutRolePolicy",),
    "PutUserPolicy": ("iam:PutUserPolicy",),
    "AddUserToGroup": ("iam:AddUserToGroup",),
    "UpdateAssumeRolePolicy": ("iam:UpdateAssumeRolePolicy",),
    "CreateAccessKey+DeleteAccessKey": ("iam:CreateAccessKey", "iam:DeleteAccessKey"),
    "AssumeRole+AttachRolePolicy": ("sts:AssumeRole", "iam:AttachRolePolicy"),
    "AssumeRole+PutRolePolicy": ("sts:AssumeRole", "iam:PutRolePolicy"),
    "AssumeRole+UpdateAssumeRolePolicy": ("sts:AssumeRole", "iam:UpdateAssumeRolePolicy"),
    "AssumeRole+CreatePolicyVersion": ("sts:AssumeRole", "iam:CreatePolicyVersion"),
    "PassRole+EC2": ("iam:PassRole", "ec2:RunInstances"),
    "PassRole+EC2Spot": ("iam:PassRole", "ec2:RequestSpotInstances"),
    "EC2ModifyInstanceAttribute": (
        "ec2:ModifyInstanceAttribute",
        "ec2:StopInstances",
        "ec2:StartInstances",
    ),
    "EC2ModifyLaunchTemplate": ("ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate"),
    "EC2InstanceConnect": ("ec2-instance-connect:SendSSHPublicKey", "ec2:DescribeInstances"),
    "PassRole+CreateLambda+Invoke": (
        "iam:PassRole",
        "lambda:CreateFunction",
        "lambda:InvokeFunction",
    ),
    "PassRole+CreateLambda+ESM": (
        "iam:PassRole",
        "lambda:CreateFunction",
        "lambda:CreateEventSourceMapping",
    ),
    "PassRole+CreateLambda+AddPermission": (
        "iam:PassRole",
        "lambda:CreateFunction",
        "lambda:AddPermission",
    ),
    "lambda:UpdateFunctionCode": ("lambda:UpdateFunctionCode",),
    "lambda:UpdateFunctionConfiguration": ("lambda:UpdateFunctionConfiguration",),
    "PassRole+GlueCreateDevEndpoint": ("iam:PassRole", "glue:CreateDevEndpoint"),
    "GlueUpdateDevEndpoint": ("glue:UpdateDevEndpoint",),
    "PassRole+GlueCreateJob+StartJobRun": ("iam:PassRole", "glue:CreateJob", "glue:StartJobRun"),
    "PassRole+GlueCreateJob+CreateTrigger": (
        "iam:PassRole",
        "glue:CreateJob",
        "glue:CreateTrigger",
    ),
    "PassRole+GlueUpdateJob+StartJobRun": ("iam:PassRole", "glue:UpdateJob", "glue:StartJobRun"),
    "PassRole+GlueUpdateJob+CreateTrigger": (
        "iam:PassRole",
        "glue:UpdateJob",
        "glue:CreateTrigger",
    ),
    "PassRole+CFNCreateStack": ("iam:PassRole", "cloudformation:CreateStack"),
    "CFNUpdateStack": ("cloudformation:UpdateStack",),
    "PassRole+CFNCreateStackSet": (
        "iam:PassRole",
        "cloudformation:CreateStackSet",
        "cloudformation:CreateStackInstances",
    ),
    "PassRole+CFNUpdateStackSet": ("iam:PassRole", "cloudformation:UpdateStackSet"),
    "CFNChangeSet": ("cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"),
    "PassRole+DataPipeline": (
        "iam:PassRole",
        "datapipeline:CreatePipeline",
        "datapipeline:PutPipelineDefinition",
        "datapipeline:ActivatePipeline",
    ),
    "PassRole+CodeBuild+StartBuild": (
        "iam:PassRole",
        "codebuild:CreateProject",
        "codebuild:StartBuild",
    ),
    "PassRole+CodeBuild+StartBuildBatch": (
        "iam:PassRole",
        "codebuild:CreateProject",
        "codebuild:StartBuildBatch",
    ),
    "CodeBuildStartBuild": ("codebuild:StartBuild",),
    "CodeBuildStartBuildBatch": ("codebuild:StartBuildBatch",),
    "PassRole+CreateAutoScaling": (
        "iam:PassRole",
        "autoscaling:CreateAutoScalingGroup",
        "autoscaling:CreateLaunchConfiguration",
    ),
    "PassRole+UpdateAutoScaling": (
        "iam:PassRole",
        "autoscaling:UpdateAutoScalingGroup",
        "autoscaling:CreateLaunchConfiguration",
    ),
    "PassRole+ECS+CreateService": (
        "iam:PassRole",
        "ecs:RegisterTaskDefinition",
        "ecs:CreateService",
    ),
    "PassRole+ECS+RunTask": ("iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"),
    "PassRole+ECS+StartTask": ("iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:StartTask"),
    "PassRole+ECS+StartTask+RegisterCI": (
        "iam:PassRole",
        "ecs:StartTask",
        "ecs:RegisterContainerInstance",
        "ecs:DeregisterContainerInstance",
    ),
    "PassRole+ECS+RunTaskOnly": ("iam:PassRole", "ecs:RunTask"),
    "ECS+ExecuteCommand": ("ecs:ExecuteCommand", "ecs:DescribeTasks"),
    "PassRole+SageMakerTraining": ("iam:PassRole", "sagemaker:CreateTrainingJob"),
    "PassRole+SageMakerProcessing": ("iam:PassRole", "sagemaker:CreateProcessingJob"),
    "SageMakerPresignedNotebook": ("sagemaker:CreatePresignedNotebookInstanceUrl",),
    "SageMakerLifecycle": (
        "sagemaker:CreateNotebookInstanceLifecycleConfig",
        "sagemaker:StopNotebookInstance",
        "sagemaker:UpdateNotebookInstance",
        "sagemaker:StartNotebookInstance",
    ),
    "SSMStartSession": ("ssm:StartSession",),
    "SSMSendCommand": ("ssm:SendCommand",),
    "PassRole+AppRunner": ("iam:PassRole", "apprunner:CreateService"),
    "AppRunnerUpdateService": ("apprunner:UpdateService",),
    "PassRole+AgentCoreInterpreter": (
        "iam:PassRole",
        "bedrock-agentcore:CreateCodeInterpreter",
        "bedrock-agentcore:StartCodeInterpreterSession",
        "bedrock-agentcore:InvokeCodeInterpreter",
    ),
    "AgentCoreSessionInvoke": (
        "bedrock-agentcore:StartCodeInterpreterSession",
        "bedrock-agentcore:InvokeCodeInterpreter",
    ),
    "AgentCoreInvokeRuntimeCommand": ("bedrock-agentcore:InvokeAgentRuntimeCommand",),
    "PassRole+AgentCoreRuntime": (
        "iam:PassRole",
        "bedrock-agentcore:CreateAgentRuntime",
        "bedrock-agentcore:CreateAgentRuntimeEndpoint",
        "bedrock-agentcore:CreateWorkloadIdentity",
        "bedrock-agentcore:InvokeAgentRuntimeCommand",
    ),
    "AgentCoreBrowser": (
        "bedrock-agentcore:StartBrowserSession",
        "bedrock-agentcore:ConnectBrowserAutomationStream",
    ),
    "PassRole+AgentCoreBrowser": (
        "iam:PassRole",
        "bedrock-agentcore:CreateBrowser",
        "bedrock-agentcore:StartBrowserSession",
        "bedrock-agentcore:ConnectBrowserAutomationStream",
    ),
    "PassRole+Batch": ("iam:PassRole", "batch:RegisterJobDefinition", "batch:SubmitJob"),
    "BatchSubmitJob": ("batch:SubmitJob",),
    "PassRole+Braket": ("iam:PassRole", "braket:CreateJob"),
    "CodeDeploy": (
        "codedeploy:CreateDeployment",
        "codedeploy:RegisterApplicationRevision",
        "codedeploy:GetDeploymentConfig",
    ),
    "PassRole+Cognito": ("iam:PassRole", "cognito-identity:SetIdentityPoolRoles"),
    "PassRole+ECSStartTaskExisting": ("iam:PassRole", "ecs:StartTask"),
    "PassRole+EMR": ("iam:PassRole", "elasticmapreduce:RunJobFlow"),
    "PassRole+EMRServerless": (
        "iam:PassRole",
        "emr-serverless:CreateApplication",
        "emr-serverless:StartJobRun",
    ),
    "PassRole+GameLift": (
        "iam:PassRole",
        "gamelift:CreateBuild",
        "gamelift:CreateFleet",
        "gamelift:RequestUploadCredentials",
    ),
    "PassRole+GlueSession": ("iam:PassRole", "glue:CreateSession", "glue:RunStatement"),
    "PassRole+ImageBuilder": (
        "iam:PassRole",
        "imagebuilder:CreateComponent",
        "imagebuilder:CreateImageRecipe",
        "imagebuilder:CreateInfrastructureConfiguration",
        "imagebuilder:CreateImage",
    ),
    "PassRole+KinesisAnalytics": (
        "iam:PassRole",
        "kinesisanalytics:CreateApplication",
        "kinesisanalytics:StartApplication",
    ),
    "PassRole+Omics": ("iam:PassRole", "omics:CreateWorkflow", "omics:StartRun", "s3:GetObject"),
    "PassRole+Scheduler": ("iam:PassRole", "scheduler:CreateSchedule"),
    "PassRole+SSMAutomation": (
        "iam:PassRole",
        "ssm:CreateDocument",
        "ssm:StartAutomationExecution",
    ),
    "PassRole+StepFunctions": (
        "iam:PassRole",
        "states:CreateStateMachine",
        "states:StartExecution",
    ),
    "StepFunctionsUpdate": ("states:UpdateStateMachine", "states:StartExecution"),
    "DeleteUserPermissionsBoundary": ("iam:DeleteUserPermissionsBoundary",),
    "AssumeRole+DeleteRolePermissionsBoundary": (
        "sts:AssumeRole",
        "iam:DeleteRolePermissionsBoundary",
    ),
    "SSOCreatePermissionSet": (
        "sso:CreatePermissionSet",
        "sso:CreateAccountAssignment",
        "sso:AttachManagedPolicyToPermissionSet",
    ),
}


def held(actions: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The method ids reported for a user allowed exactly ``actions`` on ``*``."""
    services = sorted(
        {s for m in load_methods() for s in (*m.pass_to, *m.runs_as)}
        - {"cognito-identity.amazonaws.com"}
    )
    account = f"arn:aws:iam::{ACCOUNT_ID}:root"
    admin_trust = policy_document(
        statement(principal={"Service": services}, action="sts:AssumeRole", resource=None),
        statement(
            principal={"Federated": "cognito-identity.amazonaws.com"},
            action="sts:AssumeRoleWithWebIdentity",
            resource=None,
        ),
        statement(principal={"AWS": account}, action="sts:AssumeRole", resource=None),
    )
    admin = role("admin", trust=admin_trust, inline_policies=[inline("all", allow("*"))])
    sso = role(
        "AWSServiceRoleForSSO",
        path="/aws-service-role/sso.amazonaws.com/",
        trust=service_trust("sso.amazonaws.com"),
    )
    shared = managed_policy("shared-policy", allow("s3:ListAllMyBuckets"))
    boss = user("boss", groups=(), inline_policies=[inline("all", allow("*"))])
    holder = user(
        "holder",
        groups=(),
        inline_policies=[inline("grant", allow(list(actions)))],
        attached_policies=(shared.arn,),
    )
    snap = snapshot(users=[holder, boss], groups=[], roles=[admin, sso], policies=[shared])
    found = find_escalations(PermissionIndex(snap, NOW)).get(user_arn("holder"))
    return found.method_ids if found is not None else ()


@pytest.mark.parametrize("combination", list(PROWLER_LIBRARY))
def test_prowler_library_combination_is_an_escalation_here_too(combination: str) -> None:
    assert held(PROWLER_LIBRARY[combination])


def test_prowler_sagemaker_notebook_combination_needs_the_presigned_url() -> None:
    """Prowler's "PassRole+SageMakerCreateNotebookInstance" (iam:PassRole,
    sagemaker:CreateNotebookInstance). Prowler is incomplete: the notebook runs none of the
    creator's code until its Jupyter is opened, which takes
    sagemaker:CreatePresignedNotebookInstanceUrl (AWS's API reference for it)."""
    short = ("iam:PassRole", "sagemaker:CreateNotebookInstance")
    assert held(short) == ()
    assert "sagemaker-001" in held((*short, "sagemaker:CreatePresignedNotebookInstanceUrl"))


@pytest.mark.parametrize(
    "write", ["sso:AttachManagedPolicyToPermissionSet", "sso:PutInlinePolicyToPermissionSet"]
)
def test_prowler_permission_set_write_alone_changes_no_account(write: str) -> None:
    """Prowler's "sso:AttachManagedPolicyToPermissionSet" and
    "sso:PutInlinePolicyToPermissionSet" (pathfinding.cloud SSO-002 / SSO-003), each alone.
    Prowler is incomplete: AWS's API reference for both says that when the permission set is
    already assigned, ProvisionPermissionSet must be called after the write for the IAM policy
    change to reach the assigned accounts. Ours: reported with sso:ProvisionPermissionSet."""
    assert held((write,)) == ()
    assert held((write, "sso:ProvisionPermissionSet"))
