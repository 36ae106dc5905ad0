"""Build tests/data/iam_vulnerable_gaad.json: one account holding three kinds of principal.

1. One principal per catalogue method (``privesc-<method>-user|role``, the permissions reaching it
   directly, inline, through a group or on a role in turn) and the admin roles they aim at
   (``target-...``; ``target-admin-role`` trusts every service a method passes roles to).
2. Traps a correct engine must flag (``fn-...``) and must not flag (``fp-...``).
3. BishopFox iam-vulnerable's free-resources scenarios (modules/free-resources/privesc-paths and
   tool-testing, commit 7b32ca2d of github.com/BishopFox/iam-vulnerable), translated from their
   Terraform: each scenario's customer-managed policy attached to its ``-user`` and its ``-role``,
   every role trusting ``var.aws_assume_role_arn``, set here to privesc-AssumeRole-start-user (the
   principal the scenarios are meant to be walked from). These principals carry the tag
   ``iam-vulnerable`` = the Terraform file they come from.

Run ``.venv/bin/python tests/data/build_iam_vulnerable_gaad.py`` after changing the catalogue;
tests/unit/test_privesc.py checks the JSON matches this builder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.iam.privesc_methods import TRUST_CHAIN_METHOD, load_methods

OUTPUT = Path(__file__).with_name("iam_vulnerable_gaad.json")

ACCT = "123456789012"
DATE = "2025-06-01T10:00:00Z"
users: list[dict[str, Any]] = []
groups: list[dict[str, Any]] = []
roles: list[dict[str, Any]] = []
policies: list[dict[str, Any]] = []


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(actions, resource="*", **extra):
    s = {"Effect": "Allow", "Action": actions, "Resource": resource}
    s.update(extra)
    return s


def deny(actions, resource="*", **extra):
    s = {"Effect": "Deny", "Action": actions, "Resource": resource}
    s.update(extra)
    return s


def managed(name, document, aws=False, attachments=1, older=()):
    """A managed policy; ``older``: documents of stored non-default versions (v2, v3...)."""
    arn = f"arn:aws:iam::{'aws' if aws else ACCT}:policy/{name}"
    stored = [
        {"Document": d, "VersionId": f"v{i}", "IsDefaultVersion": False, "CreateDate": DATE}
        for i, d in enumerate(older, start=2)
    ]
    policies.append(
        {
            "PolicyName": name,
            "PolicyId": "ANPA" + name.upper().replace("-", "")[:16],
            "Arn": arn,
            "Path": "/",
            "DefaultVersionId": "v1",
            "AttachmentCount": attachments,
            "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": True,
            "CreateDate": DATE,
            "UpdateDate": DATE,
            "PolicyVersionList": [
                {
                    "Document": document,
                    "VersionId": "v1",
                    "IsDefaultVersion": True,
                    "CreateDate": DATE,
                },
                *stored,
            ],
        }
    )
    return arn


def att(*arns):
    return [{"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in arns]


def user(name, *, inline=(), managed_arns=(), groups_=(), boundary=None, tags=None):
    u = {
        "Path": "/",
        "UserName": name,
        "UserId": "AIDA" + name.upper().replace("-", "")[:17],
        "Arn": f"arn:aws:iam::{ACCT}:user/{name}",
        "CreateDate": DATE,
        "GroupList": list(groups_),
        "AttachedManagedPolicies": att(*managed_arns),
        "UserPolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in inline],
    }
    if boundary:
        u["PermissionsBoundary"] = {
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": boundary,
        }
    if tags:
        u["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    users.append(u)


def group(name, *, inline=(), managed_arns=()):
    groups.append(
        {
            "Path": "/",
            "GroupName": name,
            "GroupId": "AGPA" + name.upper().replace("-", "")[:17],
            "Arn": f"arn:aws:iam::{ACCT}:group/{name}",
            "CreateDate": DATE,
            "GroupPolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in inline],
            "AttachedManagedPolicies": att(*managed_arns),
        }
    )


def role(name, trust, *, inline=(), managed_arns=(), tags=None, boundary=None):
    roles.append(
        {
            "Path": "/",
            "RoleName": name,
            "RoleId": "AROA" + name.upper().replace("-", "")[:17],
            "Arn": f"arn:aws:iam::{ACCT}:role/{name}",
            "CreateDate": DATE,
            "AssumeRolePolicyDocument": trust,
            "InstanceProfileList": [],
            "RolePolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in inline],
            "AttachedManagedPolicies": att(*managed_arns),
            "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
            "RoleLastUsed": {},
        }
    )
    if boundary:
        roles[-1]["PermissionsBoundary"] = {
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": boundary,
        }


def trust(principal):
    return doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})


EC2_TRUST = trust({"Service": "ec2.amazonaws.com"})
# Every service some method passes a role to or runs code as: the admin target can be passed to
# each of them, and is the existing resource's role a runs_as method gains (rolesanywhere-001).
ALL_SERVICES = sorted({s for m in load_methods() for s in (*m.pass_to, *m.runs_as)})
COGNITO = "cognito-identity.amazonaws.com"
ALL_SERVICES_TRUST = doc(
    {
        "Effect": "Allow",
        "Principal": {"Service": [s for s in ALL_SERVICES if s != COGNITO]},
        "Action": "sts:AssumeRole",
    },
    {
        "Effect": "Allow",
        "Principal": {"Federated": COGNITO},
        "Action": "sts:AssumeRoleWithWebIdentity",
    },
)
ADMIN = managed("AdministratorAccess", doc(allow("*")), aws=True, attachments=3)
managed("target-customer-policy", doc(allow("s3:ListAllMyBuckets")), attachments=0)

# Targets: admin roles an escalation could reach.
role("target-admin-role", ALL_SERVICES_TRUST, managed_arns=[ADMIN])
role("target-ec2-only-admin-role", EC2_TRUST, managed_arns=[ADMIN])
role(
    "target-unprivileged-ec2-role",
    EC2_TRUST,
    inline=[("describe", doc(allow("ec2:DescribeInstances")))],
)
role(
    "target-chain-admin-role",
    trust({"AWS": f"arn:aws:iam::{ACCT}:role/privesc-sts-001-hop-role"}),
    managed_arns=[ADMIN],
)
role(
    "target-direct-admin-role",
    trust({"AWS": f"arn:aws:iam::{ACCT}:user/privesc-sts-001-direct-user"}),
    managed_arns=[ADMIN],
)


def _older(document):
    """SetDefaultPolicyVersion gains only by a stored richer version (Rhino's method 2 and
    iam-vulnerable's privesc2 assume one): an administrator v2 beside such a policy."""
    actions = [a for s in document["Statement"] for a in _as_list(s.get("Action", []))]
    return [doc(allow("*"))] if "iam:SetDefaultPolicyVersion" in actions else []


def _as_list(value):
    return [value] if isinstance(value, str) else list(value)


# One principal per action-list method, alternating how the permissions reach it.
for i, method in enumerate(m for m in load_methods() if m.id != TRUST_CHAIN_METHOD):
    name = f"privesc-{method.id}"
    document = doc(allow(list(method.actions)))
    shape = i % 4
    # Give each method a holder of a kind it benefits directly (any kind when it benefits none).
    if method.benefits == ("role",):
        shape = 2
    elif method.benefits == ("user",) and shape == 2:
        shape = 0
    boundary = None
    if any("PermissionsBoundary" in action for action in method.actions):
        # Removing or replacing a boundary only helps a holder that has one to lose.
        boundary = managed(
            f"{name}-boundary", doc(allow([*method.actions, "s3:GetObject"])), attachments=0
        )
        document = doc(allow([*method.actions, "s3:*"]))
        shape = 2 if method.benefits == ("role",) else 1
    if "iam:SetDefaultPolicyVersion" in method.actions:
        shape = 0  # a managed policy of its own, holding the richer version it switches to
    if shape == 0:
        user(
            f"{name}-user",
            managed_arns=[managed(f"{name}-policy", document, older=_older(document))],
        )
    elif shape == 1:
        user(f"{name}-user", inline=[(f"{name}-inline", document)], boundary=boundary)
    elif shape == 2:
        role(f"{name}-role", EC2_TRUST, inline=[(f"{name}-inline", document)], boundary=boundary)
    else:
        group(f"{name}-group", inline=[(f"{name}-inline", document)])
        user(f"{name}-user", groups_=[f"{name}-group"])

# sts-001: a two-hop chain through an intermediate role, and a direct trust.
user(
    "privesc-sts-001-user",
    inline=[
        (
            "assume-hop",
            doc(allow("sts:AssumeRole", f"arn:aws:iam::{ACCT}:role/privesc-sts-001-hop-role")),
        )
    ],
)
role(
    "privesc-sts-001-hop-role",
    trust({"AWS": f"arn:aws:iam::{ACCT}:root"}),
    inline=[
        (
            "assume-admin",
            doc(allow("sts:AssumeRole", f"arn:aws:iam::{ACCT}:role/target-chain-admin-role")),
        )
    ],
)
user("privesc-sts-001-direct-user")

# Traps that must be flagged (false negatives of weaker tools).
user(
    "fn-two-policies-user",
    managed_arns=[
        managed("fn-passrole-only", doc(allow("iam:PassRole"))),
        managed("fn-run-instances-only", doc(allow("ec2:RunInstances"))),
    ],
)
user(
    "fn-resource-pattern-user",
    inline=[
        (
            "pattern",
            doc(
                allow("iam:PassRole", f"arn:aws:iam::{ACCT}:role/target-*"),
                allow(["lambda:CreateFunction", "lambda:InvokeFunction"]),
            ),
        )
    ],
)
user(
    "fn-satisfiable-condition-user",
    inline=[
        (
            "token-time",
            doc(
                allow(
                    "iam:CreatePolicyVersion",
                    Condition={"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"}},
                )
            ),
        )
    ],
)
user(
    "fn-mfa-condition-user",
    inline=[
        (
            "mfa",
            doc(
                allow(
                    "iam:AttachUserPolicy",
                    Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                )
            ),
        )
    ],
)
user(
    "fn-notaction-user",
    inline=[
        (
            "notaction",
            doc(
                {
                    "Effect": "Allow",
                    "NotAction": ["iam:Delete*", "iam:Detach*", "iam:Remove*", "s3:*"],
                    "Resource": "*",
                }
            ),
        )
    ],
)
group("fn-group", managed_arns=[managed("fn-add-user-to-group", doc(allow("iam:AddUserToGroup")))])
user("fn-group-user", groups_=["fn-group"])
user(
    "fn-self-only-user",
    inline=[
        ("self", doc(allow("iam:PutUserPolicy", f"arn:aws:iam::{ACCT}:user/${{aws:username}}")))
    ],
)
user(
    "fn-avoidable-deny-user",
    inline=[
        (
            "mfa-deny",
            doc(
                allow("iam:CreateAccessKey"),
                deny(
                    "iam:CreateAccessKey",
                    Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
                ),
            ),
        )
    ],
)
user(
    "fn-principal-tag-user",
    tags={"team": "security"},
    inline=[
        (
            "tag",
            doc(
                allow(
                    "iam:CreateLoginProfile",
                    Condition={"StringEquals": {"aws:PrincipalTag/team": "security"}},
                )
            ),
        )
    ],
)
user(
    "fn-partial-deny-user",
    inline=[
        (
            "partial",
            doc(
                allow(["iam:PassRole", "ec2:RunInstances"]),
                deny("iam:PassRole", f"arn:aws:iam::{ACCT}:role/other-*"),
            ),
        )
    ],
)

# Traps that must not be flagged (false positives of weaker tools).
user(
    "fp-allow-deny-same-policy-user",
    inline=[("both", doc(allow("iam:CreatePolicyVersion"), deny("iam:CreatePolicyVersion")))],
)
user(
    "fp-allow-deny-two-policies-user",
    managed_arns=[
        managed("fp-allow-passrole-ec2", doc(allow(["iam:PassRole", "ec2:RunInstances"]))),
        managed("fp-deny-passrole", doc(deny("iam:PassRole"))),
    ],
)
user("fp-deny-only-user", inline=[("deny-only", doc(deny("iam:*"), deny(["ec2:*", "lambda:*"])))])
user(
    "fp-aws-managed-version-user",
    inline=[
        (
            "aws-only",
            doc(
                allow(
                    ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"],
                    "arn:aws:iam::aws:policy/*",
                )
            ),
        )
    ],
)
user(
    "fp-expired-condition-user",
    inline=[
        (
            "expired",
            doc(
                allow(
                    "iam:AttachUserPolicy",
                    Condition={"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
                )
            ),
        )
    ],
)
# Methods aimed at another kind of principal are reported too (as "can grant any IAM user...").
role(
    "fn-role-writes-user-and-group-policies-role",
    EC2_TRUST,
    inline=[
        (
            "user-group-writes",
            doc(allow(["iam:AttachUserPolicy", "iam:PutGroupPolicy", "iam:AddUserToGroup"])),
        )
    ],
)
user(
    "fn-user-writes-role-policy-user",
    inline=[("role-writes", doc(allow(["iam:PutRolePolicy", "iam:AttachRolePolicy"])))],
)
user(
    "fp-passrole-no-target-user",
    inline=[
        (
            "no-target",
            doc(
                allow("iam:PassRole", f"arn:aws:iam::{ACCT}:role/nonexistent-*"),
                allow("ec2:RunInstances"),
            ),
        )
    ],
)
user(
    "fp-notresource-passrole-user",
    inline=[
        (
            "notresource",
            doc(
                {
                    "Effect": "Allow",
                    "Action": ["iam:PassRole", "ec2:RunInstances"],
                    "NotResource": "arn:aws:iam::*:role/*",
                }
            ),
        )
    ],
)
user(
    "fp-principal-tag-user",
    tags={"team": "dev"},
    inline=[
        (
            "tag",
            doc(
                allow(
                    "iam:CreateLoginProfile",
                    Condition={"StringEquals": {"aws:PrincipalTag/team": "security"}},
                )
            ),
        )
    ],
)
managed("fp-boundary-s3-read", doc(allow("s3:GetObject")), attachments=0)
user(
    "fp-boundary-user",
    boundary=f"arn:aws:iam::{ACCT}:policy/fp-boundary-s3-read",
    inline=[
        (
            "iam-write",
            doc(
                allow(
                    [
                        "iam:Put*",
                        "iam:Attach*",
                        "iam:CreatePolicyVersion",
                        "iam:PassRole",
                        "ec2:RunInstances",
                    ]
                )
            ),
        )
    ],
)
group("fp-deny-group", inline=[("deny-put", doc(deny("iam:Put*")))])
user(
    "fp-group-deny-user",
    groups_=["fp-deny-group"],
    inline=[("put", doc(allow("iam:PutUserPolicy")))],
)
user(
    "fp-deny-notaction-user",
    inline=[
        (
            "guard",
            doc(
                allow(["lambda:*", "iam:PassRole"]),
                {"Effect": "Deny", "NotAction": ["lambda:Get*", "lambda:List*"], "Resource": "*"},
            ),
        )
    ],
)
user("fp-readonly-user", inline=[("read", doc(allow(["s3:GetObject", "ec2:Describe*"], "*")))])

# PassRole: the target must trust the service and be more privileged than the holder.
EC2_ONLY_ADMIN = f"arn:aws:iam::{ACCT}:role/target-ec2-only-admin-role"
user(
    "fn-narrow-passrole-user",
    inline=[("narrow", doc(allow("iam:PassRole", EC2_ONLY_ADMIN), allow("ec2:RunInstances")))],
)
user(
    "fp-passrole-wrong-service-user",
    inline=[
        (
            "lambda-with-ec2-role",
            doc(
                allow("iam:PassRole", EC2_ONLY_ADMIN),
                allow(["lambda:CreateFunction", "lambda:InvokeFunction"]),
            ),
        )
    ],
)
user(
    "fp-passrole-unprivileged-role-user",
    inline=[
        (
            "nothing-new",
            doc(
                allow("iam:PassRole", f"arn:aws:iam::{ACCT}:role/target-unprivileged-ec2-role"),
                allow(["ec2:RunInstances", "ec2:DescribeInstances"]),
            ),
        )
    ],
)
# Conditions no request can meet.
user(
    "fp-token-issued-before-2020-user",
    inline=[
        (
            "old-token",
            doc(
                allow(
                    "iam:CreatePolicyVersion",
                    Condition={"DateLessThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}},
                )
            ),
        )
    ],
)
user(
    "fp-contradictory-condition-user",
    inline=[
        (
            "two-regions",
            doc(
                allow(
                    "iam:AttachUserPolicy",
                    Condition={
                        "StringEquals": {"aws:RequestedRegion": "us-east-1"},
                        "StringLike": {"aws:RequestedRegion": "eu-*"},
                    },
                )
            ),
        )
    ],
)


# --- BishopFox iam-vulnerable (free resources), from its Terraform -------------------------------

START_USER = f"arn:aws:iam::{ACCT}:user/privesc-AssumeRole-start-user"
ASSUMABLE = trust({"AWS": START_USER})  # var.aws_assume_role_arn


def bishopfox(scenario, document, *, policy=None, source=None):
    """One iam-vulnerable scenario: its policy attached to ``<scenario>-user`` and ``-role``."""
    tag = {"iam-vulnerable": source or scenario}
    arn = managed(policy or scenario, document, attachments=2, older=_older(document))
    user(f"{scenario}-user", managed_arns=[arn], tags=tag)
    role(f"{scenario}-role", ASSUMABLE, managed_arns=[arn], tags=tag)


# service-linked-role-common.tf: the admin role every PassRole scenario passes.
HIGH_PRIV = managed("privesc-high-priv-service-policy", doc(allow("*")))
role(
    "privesc-high-priv-service-role",
    trust(
        {
            "Service": [
                "ec2.amazonaws.com",
                "datapipeline.amazonaws.com",
                "cloudformation.amazonaws.com",
                "lambda.amazonaws.com",
                "glue.amazonaws.com",
                "ecs-tasks.amazonaws.com",
                "codebuild.amazonaws.com",
                "eks.amazonaws.com",
                "sagemaker.amazonaws.com",
                "elasticbeanstalk.amazonaws.com",
            ]
        }
    ),
    managed_arns=[HIGH_PRIV, "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"],
    tags={"iam-vulnerable": "service-linked-role-common"},
)
managed(
    "AmazonSSMManagedInstanceCore",
    doc(allow(["ssm:UpdateInstanceInformation", "ssmmessages:*", "ec2messages:*"])),
    aws=True,
)

SCENARIOS = {
    "privesc1-CreateNewPolicyVersion": ["iam:CreatePolicyVersion"],
    "privesc2-SetExistingDefaultPolicyVersion": ["iam:SetDefaultPolicyVersion"],
    "privesc3-CreateEC2WithExistingInstanceProfile": [
        "iam:PassRole",
        "ec2:DescribeInstances",
        "ec2:RunInstances",
        "ec2:CreateKeyPair",
        "ec2:AssociateIamInstanceProfile",
    ],
    "privesc4-CreateAccessKey": ["iam:CreateAccessKey"],
    "privesc5-CreateLoginProfile": ["iam:CreateLoginProfile"],
    "privesc6-UpdateLoginProfile": ["iam:UpdateLoginProfile"],
    "privesc7-AttachUserPolicy": ["iam:AttachUserPolicy"],
    "privesc8-AttachGroupPolicy": ["iam:AttachGroupPolicy"],
    "privesc9-AttachRolePolicy": ["iam:AttachRolePolicy"],
    "privesc10-PutUserPolicy": ["iam:PutUserPolicy"],
    "privesc11-PutGroupPolicy": ["iam:PutGroupPolicy"],
    "privesc12-PutRolePolicy": ["iam:PutRolePolicy"],
    "privesc13-AddUserToGroup": ["iam:AddUserToGroup"],
    "privesc14-UpdatingAssumeRolePolicy": ["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"],
    "privesc15-PassExistingRoleToNewLambdaThenInvoke": [
        "lambda:CreateFunction",
        "iam:PassRole",
        "lambda:InvokeFunction",
    ],
    "privesc16-PassRoleToNewLambdaThenTriggerWithNewDynamo": [
        "lambda:CreateFunction",
        "iam:PassRole",
        "lambda:CreateEventSourceMapping",
    ],
    "privesc17-EditExistingLambdaFunctionWithRole": [
        "lambda:UpdateFunctionCode",
        "lambda:UpdateFunctionConfiguration",
    ],
    "privesc18-PassExistingRoleToNewGlueDevEndpoint": [
        "glue:CreateDevEndpoint",
        "glue:GetDevEndpoint",
        "iam:PassRole",
    ],
    "privesc19-UpdateExistingGlueDevEndpoint": ["glue:UpdateDevEndpoint", "glue:GetDevEndpoint"],
    "privesc20-PassExistingRoleToCloudFormation": [
        "iam:PassRole",
        "cloudformation:CreateStack",
        "cloudformation:DescribeStacks",
    ],
    "privesc21-PassExistingRoleToNewDataPipeline": [
        "iam:PassRole",
        "datapipeline:CreatePipeline",
        "datapipeline:PutPipelineDefinition",
        "datapipeline:ActivatePipeline",
    ],
}
for scenario, scenario_actions in SCENARIOS.items():
    bishopfox(scenario, doc(allow(scenario_actions)))

# Service scenarios (their policies carry a -policy suffix; actions as written in the Terraform).
SERVICE_SCENARIOS = {
    "privesc-sageMakerCreateNotebookPassRole": [
        "sagemaker:CreateNotebookInstance",
        "sagemaker:CreatePresignedNotebookInstanceUrl",
        "sagemaker:ListNotebookInstances",
        "sagemaker:DescribeNotebookInstance",
        "sagemaker:StopNotebookInstance",
        "sagemaker:DeleteNotebookInstance",
        "iam:PassRole",
        "iam:ListRoles",
    ],
    "privesc-sageMakerCreatePresignedNotebookURL": [
        "sagemaker:CreatePresignedNotebookInstanceUrl",
        "sagemaker:ListNotebookInstances",
    ],
    "privesc-sageMakerCreateTrainingJobPassRole": ["sagemaker:CreateTrainingJob", "iam:PassRole"],
    "privesc-sageMakerCreateProcessingJobPassRole": [
        "sagemaker:CreateProcessingJob",
        "iam:PassRole",
    ],
    "privesc-ssmSendCommand": [
        "ec2:DescribeInstances",
        "ssm:listCommands",
        "ssm:listCommandInvocations",
        "ssm:sendCommand",
    ],
    "privesc-ssmStartSession": [
        "ec2:DescribeInstances",
        "ssm:StartSession",
        "ssm:DescribeSessions",
        "ssm:GetConnectionStatus",
        "ssm:DescribeInstanceProperties",
        "ssm:TerminateSession",
        "ssm:ResumeSession",
    ],
    "privesc-ec2InstanceConnect": [
        "ec2:DescribeInstances",
        "ec2-instance-connect:SendSSHPublicKey",
        "ec2-instance-connect:SendSerialConsoleSSHPublicKey",
    ],
    "privesc-codeBuildCreateProjectPassRole": [
        "codebuild:CreateProject",
        "codebuild:StartBuild",
        "codebuild:StartBuildBatch",
        "iam:PassRole",
        "iam:ListRoles",
    ],
}
for scenario, scenario_actions in SERVICE_SCENARIOS.items():
    bishopfox(scenario, doc(allow(scenario_actions)), policy=f"{scenario}-policy")
bishopfox(
    "privesc-CloudFormationUpdateStack",
    doc(
        {
            "Sid": "VisualEditor0",
            "Effect": "Allow",
            "Action": ["cloudformation:UpdateStack", "cloudformation:DescribeStacks"],
            "Resource": "*",
        }
    ),
    source="privesc-cloudFormationUpdateStack",
)

# privesc-AssumeRole.tf: start user -> starting role -> intermediate role -> ending role (admin).
ASSUME_TAG = {"iam-vulnerable": "privesc-AssumeRole"}
user("privesc-AssumeRole-start-user", tags=ASSUME_TAG)
role("privesc-AssumeRole-starting-role", ASSUMABLE, tags=ASSUME_TAG)
role(
    "privesc-AssumeRole-intermediate-role",
    trust({"AWS": f"arn:aws:iam::{ACCT}:role/privesc-AssumeRole-starting-role"}),
    tags=ASSUME_TAG,
)
role(
    "privesc-AssumeRole-ending-role",
    trust({"AWS": f"arn:aws:iam::{ACCT}:role/privesc-AssumeRole-intermediate-role"}),
    managed_arns=[managed("privesc-AssumeRole-high-priv-policy", doc(allow("*")))],
    tags=ASSUME_TAG,
)

# sre.tf: a user in an iam:* group, and the role it may assume.
SRE_TAG = {"iam-vulnerable": "sre"}
SRE_POLICY = managed(
    "privesc-sre-admin-policy", doc(allow(["iam:*", "ec2:*", "s3:*"])), attachments=2
)
group("privesc-sre-group", managed_arns=[SRE_POLICY])
user("privesc-sre-user", groups_=["privesc-sre-group"], tags=SRE_TAG)
role(
    "privesc-sre-role",
    trust({"AWS": f"arn:aws:iam::{ACCT}:user/privesc-sre-user"}),
    managed_arns=[SRE_POLICY],
    tags=SRE_TAG,
)

# tool-testing: what weaker tools miss (fn) and wrongly flag (fp).
role(
    "privesc-permissive-role-trust",
    trust({"AWS": f"arn:aws:iam::{ACCT}:root"}),
    tags={"iam-vulnerable": "privesc-permissive-role-trust"},
)
FN1 = {"iam-vulnerable": "fn1-privesc3-multiple-policies"}
FN1_POLICIES = [
    managed(
        "fn1-privesc3-partial",
        doc(allow(["ec2:DescribeInstances", "ec2:RunInstances"])),
        attachments=2,
    ),
    managed("fn1-passrole-star", doc(allow("iam:PassRole")), attachments=2),
]
user("fn1-privesc3-partial-user", managed_arns=FN1_POLICIES, tags=FN1)
role("fn1-privesc3-partial-role", ASSUMABLE, managed_arns=FN1_POLICIES, tags=FN1)
bishopfox(
    "fn2-exploitableResourceConstraint",
    doc(allow("iam:CreatePolicyVersion", "arn:aws:iam::*:policy/fn2-*")),
    source="fn2-ExploitableResourceConstraint",
)
TOKEN_AFTER_2020 = {"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}
TOKEN_BEFORE_2020 = {"DateLessThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}
bishopfox(
    "fn3-exploitableConditionConstraint",
    doc(allow("iam:CreatePolicyVersion", Condition=TOKEN_AFTER_2020)),
    source="fn3-ExploitableConditionConstraint",
)
bishopfox(
    "fn4-exploitableNotAction",
    doc(
        {
            "NotAction": ["iam:Update*", "iam:Create*", "iam:Attach*"],
            "Effect": "Allow",
            "Resource": "*",
        }
    ),
    source="fn4-ExploitableNotAction",
)
bishopfox(
    "fp1-allow-and-deny",
    doc(allow("iam:*"), deny("iam:*")),
    source="fp1-allow-and-deny-same-policy",
)
FP2 = {"iam-vulnerable": "fp2-allow-and-deny-multiple-policies"}
FP2_POLICIES = [
    managed("fp2-allow-all", doc(allow("*")), attachments=2),
    managed("deny-all", doc(deny("*")), attachments=2),
]
user("fp2-allow-and-deny-multiple-policies-user", managed_arns=FP2_POLICIES, tags=FP2)
role("fp2-allow-and-deny-multiple-policies-role", ASSUMABLE, managed_arns=FP2_POLICIES, tags=FP2)
bishopfox("fp3-deny-iam", doc(deny("iam:*")), source="fp3-deny")
bishopfox(
    "fp4-nonExploitableResourceConstraint",
    doc(allow("iam:CreatePolicyVersion", "arn:aws:iam::aws:policy/fp4-*")),
    source="fp4-NonExploitableResourceConstraint",
)
bishopfox(
    "fp5-nonExploitableConditionConstraint",
    doc(allow("iam:CreatePolicyVersion", Condition=TOKEN_BEFORE_2020)),
    source="fp5-NonExploitableConditionConstraint",
)

# The account is an organization member reached by IAM Identity Center (so the sso-* scenarios
# have permission sets to hand out): Identity Center creates this service-linked role in every
# member account (IAM Identity Center User Guide, "Using service-linked roles").
SSO_SLR_PATH = "/aws-service-role/sso.amazonaws.com/"
roles.append(
    {
        "Path": SSO_SLR_PATH,
        "RoleName": "AWSServiceRoleForSSO",
        "RoleId": "AROAAWSSERVICEROLEFORSSO"[:21],
        "Arn": f"arn:aws:iam::{ACCT}:role{SSO_SLR_PATH}AWSServiceRoleForSSO",
        "CreateDate": DATE,
        "AssumeRolePolicyDocument": trust({"Service": "sso.amazonaws.com"}),
        "InstanceProfileList": [],
        "RolePolicyList": [],
        "AttachedManagedPolicies": [],
        "Tags": [],
        "RoleLastUsed": {},
    }
)

GAAD = {
    "UserDetailList": users,
    "GroupDetailList": groups,
    "RoleDetailList": roles,
    "Policies": policies,
}


def render() -> str:
    return json.dumps(GAAD, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"{OUTPUT}: {len(users)} users, {len(groups)} groups, {len(roles)} roles")
