"""Build tests/data/vulnerable_projects/*.json: GAADs of other vulnerable-by-design AWS projects.

Each GAAD is what `aws iam get-account-authorization-details` would return for an account where
only that project's IAM resources are deployed (account 123456789012), translated by hand from
the project's Terraform (the IAM documents are transcribed as written; names filled in the way
Terraform fills them):

- sadcloud.json: github.com/nccgroup/sadcloud modules/aws/iam/main.tf (commit ab49de2), every
  misconfiguration flag of modules/aws/iam/variables.tf switched on. ``allow_all`` and
  ``allow_all_and_no_mfa`` are exclusive in one deployment (``assume_role_no_mfa`` picks one);
  both are listed here, each is judged on its own. Roles, inline policies and the
  ``name_prefix`` policy have no name in the Terraform: Terraform's generated names are used.
  ``managed_allows_passrole`` has a variable but no resource in main.tf: nothing to deploy.
  sadcloud_password_policy.json is the GetAccountPasswordPolicy answer for its
  ``aws_iam_account_password_policy.main`` with those flags (length 6, no character class, reuse
  prevention and max age 0, which AWS stores as "not set" and omits).
- terragoat.json: github.com/bridgecrewio/terragoat terraform/aws/iam.tf (the user, its access
  key and the ``excess_policy`` inline policy) and terraform/aws/lambda.tf (the function's role,
  which has no policy). ``local.resource_prefix.value`` is ``terragoat-dev`` (the default
  company/environment). The EKS role of eks.tf is left out (AWS-managed EKS policies only).
- awsgoat_module_1.json: github.com/ine-labs/AWSGoat modules/module-1/main.tf (roles
  blog_app_lambda, blog_app_lambda_data, AWS_GOAT_ROLE; policies lambda-data-policies and
  dev-ec2-lambda-policies); attack-manuals/module-1/07-IAM Privilege Escalation.md.
- awsgoat_module_2.json: github.com/ine-labs/AWSGoat modules/module-2/main.tf (roles
  ecs-instance-role with its permissions boundary, ec2Deployer-role, ecs-task-role; policies
  aws-goat-instance-policy, aws-goat-instance-boundary-policy, ec2DeployerAdmin-policy);
  attack-manuals/module-2/04-IAM Privilege Escalation.md.

AWS-managed policies: IAMFullAccess (v2), AmazonEC2ContainerServiceforEC2Role (v7),
SecretsManagerReadWrite (v6) and CloudWatchFullAccess (v4) are verbatim from
github.com/zoph-io/MAMIP policies/<name>; AmazonS3FullAccess, AmazonECSTaskExecutionRolePolicy
and AmazonAPIGatewayInvokeFullAccess are short and given whole; AmazonSSMManagedInstanceCore is
abbreviated to the statements that matter here (``ABBREVIATED``: no escalation action in it).

Credential reports (sadcloud_credential_report.csv, terragoat_credential_report.csv) are what
GetCredentialReport returns right after ``terraform apply``: the root row of an account whose
root user has MFA and no key (the projects do not touch it) and one row per IAM user as the
Terraform creates it (sadcloud's user: no login profile, no key; terragoat's: one access key,
``aws_iam_access_key``, never used).

Run ``.venv/bin/python tests/data/build_vulnerable_projects_gaads.py`` after changing this file;
tests/unit/test_vulnerable_projects.py checks the JSON files match it.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
from pathlib import Path
from typing import Any

OUTPUT_DIR = Path(__file__).with_name("vulnerable_projects")

ACCT = "123456789012"
DATE = "2025-06-01T10:00:00Z"
AWS_DATE = "2015-02-06T18:39:46Z"


def doc(*statements, version="2012-10-17"):
    return {"Version": version, "Statement": list(statements)}


def allow(actions, resource="*", **extra):
    statement = {"Effect": "Allow", "Action": actions, "Resource": resource}
    statement.update(extra)
    return statement


def service_trust(service: str, version: str = "2012-10-17") -> dict[str, Any]:
    return doc(
        {
            "Action": "sts:AssumeRole",
            "Principal": {"Service": service},
            "Effect": "Allow",
            "Sid": "",
        },
        version=version,
    )


def unique_id(prefix: str, seed: str) -> str:
    """A stable IAM unique id of the real form: the 4-letter prefix and 17 base32 characters."""
    digest = hashlib.sha256(seed.encode()).digest()
    return prefix + base64.b32encode(digest).decode()[:17]


def arn(kind: str, name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{ACCT}:{kind}{path}{name}"


# --- AWS-managed policies ------------------------------------------------------------------------

AWS_MANAGED: dict[str, tuple[str, dict[str, Any]]] = {
    "AmazonS3FullAccess": ("/", doc(allow(["s3:*", "s3-object-lambda:*"]))),
    "IAMFullAccess": (
        "/",
        doc(
            allow(
                [
                    "iam:*",
                    "organizations:DescribeAccount",
                    "organizations:DescribeOrganization",
                    "organizations:DescribeOrganizationalUnit",
                    "organizations:DescribePolicy",
                    "organizations:ListChildren",
                    "organizations:ListParents",
                    "organizations:ListPoliciesForTarget",
                    "organizations:ListRoots",
                    "organizations:ListPolicies",
                    "organizations:ListTargetsForPolicy",
                ]
            )
        ),
    ),
    "AmazonEC2ContainerServiceforEC2Role": (
        "/service-role/",
        doc(
            allow(
                [
                    "ec2:DescribeTags",
                    "ecs:CreateCluster",
                    "ecs:DeregisterContainerInstance",
                    "ecs:DiscoverPollEndpoint",
                    "ecs:Poll",
                    "ecs:RegisterContainerInstance",
                    "ecs:StartTelemetrySession",
                    "ecs:UpdateContainerInstancesState",
                    "ecs:Submit*",
                    "ecr:GetAuthorizationToken",
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchGetImage",
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                ]
            ),
            allow(
                "ecs:TagResource",
                Condition={
                    "StringEquals": {
                        "ecs:CreateAction": ["CreateCluster", "RegisterContainerInstance"]
                    }
                },
            ),
        ),
    ),
    "AmazonSSMManagedInstanceCore": (
        "/",
        doc(
            allow(
                [
                    "ssm:DescribeAssociation",
                    "ssm:GetDeployablePatchSnapshotForInstance",
                    "ssm:GetDocument",
                    "ssm:DescribeDocument",
                    "ssm:GetManifest",
                    "ssm:GetParameter",
                    "ssm:GetParameters",
                    "ssm:ListAssociations",
                    "ssm:ListInstanceAssociations",
                    "ssm:PutInventory",
                    "ssm:PutComplianceItems",
                    "ssm:PutConfigurePackageResult",
                    "ssm:UpdateAssociationStatus",
                    "ssm:UpdateInstanceAssociationStatus",
                    "ssm:UpdateInstanceInformation",
                ]
            ),
            allow(
                [
                    "ssmmessages:CreateControlChannel",
                    "ssmmessages:CreateDataChannel",
                    "ssmmessages:OpenControlChannel",
                    "ssmmessages:OpenDataChannel",
                ]
            ),
        ),
    ),
    "AmazonECSTaskExecutionRolePolicy": (
        "/service-role/",
        doc(
            allow(
                [
                    "ecr:GetAuthorizationToken",
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchGetImage",
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                ]
            )
        ),
    ),
    "SecretsManagerReadWrite": (
        "/",
        doc(
            {
                "Sid": "BasePermissions",
                "Effect": "Allow",
                "Action": [
                    "secretsmanager:*",
                    "cloudformation:CreateChangeSet",
                    "cloudformation:DescribeChangeSet",
                    "cloudformation:DescribeStackResource",
                    "cloudformation:DescribeStacks",
                    "cloudformation:ExecuteChangeSet",
                    "docdb-elastic:GetCluster",
                    "docdb-elastic:ListClusters",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeVpcs",
                    "kms:DescribeKey",
                    "kms:ListAliases",
                    "kms:ListKeys",
                    "lambda:ListFunctions",
                    "rds:DescribeDBClusters",
                    "rds:DescribeDBInstances",
                    "redshift:DescribeClusters",
                    "redshift-serverless:ListWorkgroups",
                    "redshift-serverless:GetNamespace",
                    "tag:GetResources",
                ],
                "Resource": "*",
            },
            {
                "Sid": "LambdaPermissions",
                "Effect": "Allow",
                "Action": [
                    "lambda:AddPermission",
                    "lambda:CreateFunction",
                    "lambda:GetFunction",
                    "lambda:InvokeFunction",
                    "lambda:UpdateFunctionConfiguration",
                ],
                "Resource": "arn:aws:lambda:*:*:function:SecretsManager*",
            },
            {
                "Sid": "SARPermissions",
                "Effect": "Allow",
                "Action": [
                    "serverlessrepo:CreateCloudFormationChangeSet",
                    "serverlessrepo:GetApplication",
                ],
                "Resource": "arn:aws:serverlessrepo:*:*:applications/SecretsManager*",
            },
            {
                "Sid": "S3Permissions",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": [
                    "arn:aws:s3:::awsserverlessrepo-changesets*",
                    "arn:aws:s3:::secrets-manager-rotation-apps-*/*",
                ],
            },
            {
                "Sid": "CloudFormationTagOnCreate",
                "Effect": "Allow",
                "Action": ["cloudformation:TagResource", "cloudformation:UntagResource"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "cloudformation:CreateAction": ["CreateChangeSet", "ExecuteChangeSet"]
                    }
                },
            },
        ),
    ),
    "CloudWatchFullAccess": (
        "/",
        doc(
            allow(
                [
                    "autoscaling:Describe*",
                    "cloudwatch:*",
                    "logs:*",
                    "sns:*",
                    "iam:GetPolicy",
                    "iam:GetPolicyVersion",
                    "iam:GetRole",
                    "oam:ListSinks",
                ]
            ),
            allow(
                "iam:CreateServiceLinkedRole",
                "arn:aws:iam::*:role/aws-service-role/events.amazonaws.com/"
                "AWSServiceRoleForCloudWatchEvents*",
                Condition={"StringLike": {"iam:AWSServiceName": "events.amazonaws.com"}},
            ),
            allow(["oam:ListAttachedLinks"], "arn:aws:oam:*:*:sink/*"),
        ),
    ),
    "AmazonAPIGatewayInvokeFullAccess": (
        "/",
        doc(
            allow(
                ["execute-api:Invoke", "execute-api:ManageConnections"],
                "arn:aws:execute-api:*:*:*",
            )
        ),
    ),
}
ABBREVIATED = frozenset({"AmazonSSMManagedInstanceCore"})


def aws_policy(name: str) -> str:
    path, _ = AWS_MANAGED[name]
    return f"arn:aws:iam::aws:policy{path}{name}"


# --- one account per project ----------------------------------------------------------------------


class Account:
    """The four GAAD lists of one project's account."""

    def __init__(self) -> None:
        self.users: list[dict[str, Any]] = []
        self.groups: list[dict[str, Any]] = []
        self.roles: list[dict[str, Any]] = []
        self.policies: list[dict[str, Any]] = []
        self._attachments: dict[str, int] = {}
        self._boundaries: dict[str, int] = {}

    def _policy_entry(self, name, policy_arn, path, document, date) -> dict[str, Any]:
        return {
            "PolicyName": name,
            "PolicyId": unique_id("ANPA", policy_arn),
            "Arn": policy_arn,
            "Path": path,
            "DefaultVersionId": "v1",
            "AttachmentCount": 0,
            "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": True,
            "CreateDate": date,
            "UpdateDate": date,
            "PolicyVersionList": [
                {
                    "Document": document,
                    "VersionId": "v1",
                    "IsDefaultVersion": True,
                    "CreateDate": date,
                }
            ],
        }

    def managed(self, name, document, *, path="/") -> str:
        policy_arn = arn("policy", name, path)
        self.policies.append(self._policy_entry(name, policy_arn, path, document, DATE))
        return policy_arn

    def _attach(self, arns) -> list[dict[str, str]]:
        attached = []
        for policy_arn in arns:
            self._attachments[policy_arn] = self._attachments.get(policy_arn, 0) + 1
            self._list_aws_managed(policy_arn)
            attached.append({"PolicyName": policy_arn.rsplit("/", 1)[-1], "PolicyArn": policy_arn})
        return attached

    def _list_aws_managed(self, policy_arn: str) -> None:
        if ":aws:policy/" in policy_arn and not any(p["Arn"] == policy_arn for p in self.policies):
            name = policy_arn.rsplit("/", 1)[-1]
            path, document = AWS_MANAGED[name]
            self.policies.append(self._policy_entry(name, policy_arn, path, document, AWS_DATE))

    def user(self, name, *, inline=(), managed_arns=(), groups=(), tags=None) -> str:
        user_arn = arn("user", name)
        entry = {
            "Path": "/",
            "UserName": name,
            "UserId": unique_id("AIDA", user_arn),
            "Arn": user_arn,
            "CreateDate": DATE,
            "GroupList": list(groups),
            "AttachedManagedPolicies": self._attach(managed_arns),
            "UserPolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in inline],
        }
        if tags:
            entry["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        self.users.append(entry)
        return user_arn

    def group(self, name, *, inline=(), managed_arns=()) -> str:
        group_arn = arn("group", name)
        self.groups.append(
            {
                "Path": "/",
                "GroupName": name,
                "GroupId": unique_id("AGPA", group_arn),
                "Arn": group_arn,
                "CreateDate": DATE,
                "GroupPolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in inline],
                "AttachedManagedPolicies": self._attach(managed_arns),
            }
        )
        return group_arn

    def role(
        self, name, trust_policy, *, inline=(), managed_arns=(), instance_profile=None,
        boundary=None, tags=None,
    ) -> str:  # fmt: skip
        role_arn = arn("role", name)
        role_id = unique_id("AROA", role_arn)
        profiles = []
        if instance_profile:
            profile_arn = arn("instance-profile", instance_profile)
            profiles.append(
                {
                    "Path": "/",
                    "InstanceProfileName": instance_profile,
                    "InstanceProfileId": unique_id("AIPA", profile_arn),
                    "Arn": profile_arn,
                    "CreateDate": DATE,
                    "Roles": [
                        {
                            "Path": "/",
                            "RoleName": name,
                            "RoleId": role_id,
                            "Arn": role_arn,
                            "CreateDate": DATE,
                            "AssumeRolePolicyDocument": trust_policy,
                        }
                    ],
                }
            )
        entry = {
            "Path": "/",
            "RoleName": name,
            "RoleId": role_id,
            "Arn": role_arn,
            "CreateDate": DATE,
            "AssumeRolePolicyDocument": trust_policy,
            "InstanceProfileList": profiles,
            "RolePolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in inline],
            "AttachedManagedPolicies": self._attach(managed_arns),
            "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
            "RoleLastUsed": {},
        }
        if boundary:
            self._boundaries[boundary] = self._boundaries.get(boundary, 0) + 1
            self._list_aws_managed(boundary)
            entry["PermissionsBoundary"] = {
                "PermissionsBoundaryType": "Policy",
                "PermissionsBoundaryArn": boundary,
            }
        self.roles.append(entry)
        return role_arn

    def gaad(self) -> dict[str, Any]:
        for policy in self.policies:
            policy["AttachmentCount"] = self._attachments.get(policy["Arn"], 0)
            policy["PermissionsBoundaryUsageCount"] = self._boundaries.get(policy["Arn"], 0)
        return {
            "UserDetailList": self.users,
            "GroupDetailList": self.groups,
            "RoleDetailList": self.roles,
            "Policies": self.policies,
        }


PROJECTS: dict[str, Account] = {}


def project(name: str) -> Account:
    PROJECTS[name] = Account()
    return PROJECTS[name]


# --- sadcloud (modules/aws/iam/main.tf) -----------------------------------------------------------
# Terraform's generated names (prefix "terraform-", a timestamp and a counter).
SADCLOUD_INLINE_ROLE = "terraform-20200330202957416500000001"
SADCLOUD_ALLOW_ALL = "terraform-20200330202957416600000002"
SADCLOUD_ALLOW_ALL_NO_MFA = "terraform-20200330202957416700000003"
SADCLOUD_WILDCARD_POLICY = "wildcard_IAM_policy20200330202957416800000004"

a = project("sadcloud")
a.group(
    "sadcloudInlineGroup",
    inline=[
        (
            "terraform-20200330202957416900000005",
            doc({"NotAction": ["ec2:*"], "Effect": "Allow", "Resource": "*"}),
        )
    ],
)
a.user(
    "sadcloudInlineUser",
    inline=[
        (
            "terraform-20200330202957417000000006",
            doc({"NotAction": "s3:DeleteBucket", "Effect": "Allow", "Resource": "*"}),
        )
    ],
)
a.role(
    SADCLOUD_INLINE_ROLE,
    service_trust("ec2.amazonaws.com"),
    inline=[
        (
            "inline-role-policy",
            doc({"NotAction": ["ec2:Describe*"], "Effect": "Allow", "Resource": "*"}),
        )
    ],
)
for role_name, mfa in ((SADCLOUD_ALLOW_ALL, "true"), (SADCLOUD_ALLOW_ALL_NO_MFA, "false")):
    a.role(
        role_name,
        doc(
            {
                "Action": "sts:AssumeRole",
                "Principal": {"AWS": "*"},
                "Effect": "Allow",
                "Sid": "",
                "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": mfa}},
            }
        ),
    )
a.managed(SADCLOUD_WILDCARD_POLICY, doc({"Action": "*", "Effect": "Allow", "Resource": "*"}))
a.group(
    "sadcloud_superuser",
    managed_arns=[
        a.managed(
            "sadcloud_superuser_policy", doc({"Action": "*", "Effect": "Allow", "Resource": "*"})
        )
    ],
)

SADCLOUD_PASSWORD_POLICY = {
    "PasswordPolicy": {
        "MinimumPasswordLength": 6,
        "RequireSymbols": False,
        "RequireNumbers": False,
        "RequireUppercaseCharacters": False,
        "RequireLowercaseCharacters": False,
        "AllowUsersToChangePassword": True,
        "ExpirePasswords": False,
        "HardExpiry": False,
    }
}

# --- terragoat (terraform/aws/iam.tf, lambda.tf) --------------------------------------------------
TERRAGOAT_PREFIX = "terragoat-dev"
TERRAGOAT_TAGS = {"git_org": "bridgecrewio", "git_repo": "terragoat"}

a = project("terragoat")
a.user(
    f"{TERRAGOAT_PREFIX}-user",
    inline=[
        (
            "excess_policy",
            doc(
                {
                    "Action": ["ec2:*", "s3:*", "lambda:*", "cloudwatch:*"],
                    "Effect": "Allow",
                    "Resource": "*",
                }
            ),
        )
    ],
    tags={
        "Name": f"{TERRAGOAT_PREFIX}-user",
        "Environment": TERRAGOAT_PREFIX,
        **TERRAGOAT_TAGS,
    },
)
a.role(
    f"{TERRAGOAT_PREFIX}-analysis-lambda",
    service_trust("lambda.amazonaws.com"),
    tags=TERRAGOAT_TAGS,
)

# --- AWSGoat module 1 (modules/module-1/main.tf) --------------------------------------------------
AWSGOAT_REGION = "us-east-1"
BLOG_DATA_FUNCTION = f"arn:aws:lambda:{AWSGOAT_REGION}:{ACCT}:function:blog-application-data"

a = project("awsgoat_module_1")
a.role(
    "blog_app_lambda",
    service_trust("lambda.amazonaws.com"),
    managed_arns=[
        aws_policy("CloudWatchFullAccess"),
        aws_policy("AmazonAPIGatewayInvokeFullAccess"),
    ],
)
blog_data_role = a.role(
    "blog_app_lambda_data",
    service_trust("lambda.amazonaws.com"),
    managed_arns=[
        a.managed(
            "lambda-data-policies",
            doc(
                {
                    "Action": [
                        "s3:*",
                        "s3-object-lambda:*",
                        "autoscaling:Describe*",
                        "cloudwatch:*",
                        "logs:*",
                        "sns:*",
                        "dynamodb:*",
                        "dax:*",
                        "lambda:*",
                    ],
                    "Effect": "Allow",
                    "Resource": "*",
                    "Sid": "Pol1",
                },
                {
                    "Effect": "Allow",
                    "Action": ["execute-api:Invoke", "execute-api:ManageConnections"],
                    "Resource": "arn:aws:execute-api:*:*:*",
                },
            ),
        )
    ],
)
a.role(
    "AWS_GOAT_ROLE",
    service_trust("ec2.amazonaws.com"),
    managed_arns=[
        aws_policy("AmazonS3FullAccess"),
        a.managed(
            "dev-ec2-lambda-policies",
            doc(
                {
                    "Action": [
                        "lambda:UpdateFunctionCode",
                        "lambda:UpdateFunctionEventInvokeConfig",
                        "lambda:AddPermission",
                        "lambda:InvokeFunction",
                        "lambda:GetLayerVersion",
                        "lambda:ListVersionsByFunction",
                        "lambda:UpdateFunctionConfiguration",
                        "lambda:GetFunctionConfiguration",
                        "lambda:GetLayerVersionPolicy",
                        "lambda:GetPolicy",
                        "iam:AttachRolePolicy",
                    ],
                    "Effect": "Allow",
                    "Resource": [BLOG_DATA_FUNCTION, blog_data_role],
                    "Sid": "Pol0",
                },
                {
                    "Action": [
                        "iam:ListPolicies",
                        "iam:GetRole",
                        "iam:GetPolicyVersion",
                        "lambda:ListFunctions",
                        "iam:GetInstanceProfile",
                        "iam:GetPolicy",
                        "iam:ListRoles",
                        "iam:ListInstanceProfileTags",
                        "iam:ListInstanceProfiles",
                        "iam:CreatePolicy",
                        "iam:ListInstanceProfilesForRole",
                        "iam:PassRole",
                        "iam:ListPolicyVersions",
                        "iam:ListAttachedRolePolicies",
                        "lambda:ListLayerVersions",
                        "iam:UpdateRole",
                        "iam:ListRolePolicies",
                        "iam:GetRolePolicy",
                    ],
                    "Effect": "Allow",
                    "Resource": "*",
                    "Sid": "Pol1",
                },
            ),
        ),
    ],
    instance_profile="AWS_GOAT_ec2_profile",
)

# --- AWSGoat module 2 (modules/module-2/main.tf) --------------------------------------------------

a = project("awsgoat_module_2")
boundary = a.managed(
    "aws-goat-instance-boundary-policy",
    doc(
        {
            "Action": [
                "iam:List*",
                "iam:Get*",
                "iam:PassRole",
                "iam:PutRole*",
                "ssm:*",
                "ssmmessages:*",
                "ec2:RunInstances",
                "ec2:Describe*",
                "ecs:*",
                "ecr:*",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ],
            "Effect": "Allow",
            "Resource": "*",
            "Sid": "Pol1",
        }
    ),
)
a.role(
    "ecs-instance-role",
    service_trust("ec2.amazonaws.com", version="2008-10-17"),
    managed_arns=[
        aws_policy("AmazonEC2ContainerServiceforEC2Role"),
        aws_policy("IAMFullAccess"),
        a.managed(
            "aws-goat-instance-policy",
            doc(
                {
                    "Action": ["ssm:*", "ssmmessages:*", "ec2:RunInstances", "ec2:Describe*"],
                    "Effect": "Allow",
                    "Resource": "*",
                    "Sid": "Pol1",
                }
            ),
        ),
        aws_policy("AmazonSSMManagedInstanceCore"),
    ],
    instance_profile="ecs-instance-profile",
    boundary=boundary,
)
a.role(
    "ec2Deployer-role",
    service_trust("ec2.amazonaws.com", version="2008-10-17"),
    managed_arns=[
        a.managed(
            "ec2DeployerAdmin-policy",
            doc({"Action": ["*"], "Effect": "Allow", "Resource": "*", "Sid": "Policy1"}),
        )
    ],
    instance_profile="ec2Deployer",
)
a.role(
    "ecs-task-role",
    service_trust("ecs-tasks.amazonaws.com"),
    managed_arns=[
        aws_policy("AmazonECSTaskExecutionRolePolicy"),
        aws_policy("SecretsManagerReadWrite"),
    ],
)


# --- credential reports ---------------------------------------------------------------------------

REPORT_COLUMNS = [
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
]
REPORT_DATE = "2025-06-01T10:00:00+00:00"
NO_KEY = ["false", "N/A", "N/A", "N/A", "N/A"]
NEW_KEY = ["true", REPORT_DATE, "N/A", "N/A", "N/A"]
NO_CERTS = ["false", "N/A", "false", "N/A"]
ROOT_ROW = [
    "<root_account>",
    f"arn:aws:iam::{ACCT}:root",
    "2024-03-04T09:12:33+00:00",
    "not_supported",
    "no_information",
    "not_supported",
    "not_supported",
    "true",
    *NO_KEY,
    *NO_KEY,
    *NO_CERTS,
]


def credential_report(*users: tuple[str, list[str]]) -> str:
    """The CSV for the root row and ``users`` (name, key-1 columns): no password, MFA, key 2."""
    rows = [ROOT_ROW]
    for name, key_1 in users:
        rows.append(
            [
                *(name, arn("user", name), REPORT_DATE, "false", "N/A", "N/A", "N/A", "false"),
                *key_1,
                *NO_KEY,
                *NO_CERTS,
            ]
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


def render() -> dict[str, str]:
    """File name -> text: one GAAD per project, sadcloud's password policy, two reports."""
    files = {
        f"{name}.json": json.dumps(account.gaad(), indent=1, sort_keys=True) + "\n"
        for name, account in PROJECTS.items()
    }
    files["sadcloud_password_policy.json"] = (
        json.dumps(SADCLOUD_PASSWORD_POLICY, indent=1, sort_keys=True) + "\n"
    )
    files["sadcloud_credential_report.csv"] = credential_report(("sadcloudInlineUser", NO_KEY))
    files["terragoat_credential_report.csv"] = credential_report(
        (f"{TERRAGOAT_PREFIX}-user", NEW_KEY)
    )
    return files


if __name__ == "__main__":
    OUTPUT_DIR.mkdir(exist_ok=True)
    for file_name, text in render().items():
        (OUTPUT_DIR / file_name).write_text(text, encoding="utf-8")
    print(f"{OUTPUT_DIR}: {len(PROJECTS)} project GAADs")
