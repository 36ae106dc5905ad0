"""Build tests/data/cloudgoat/<scenario>.json: one GAAD per Rhino Security Labs CloudGoat scenario.

Each file is what `aws iam get-account-authorization-details` would return for an account where
only that scenario is deployed (account 123456789012, one fixed cgid per scenario), translated by
hand from the scenario's Terraform in github.com/RhinoSecurityLabs/cloudgoat (the stored copies
named below; ``${var.cgid}`` filled in, ``jsonencode`` / heredoc documents transcribed as written):

- iam_privesc_by_rollback: scenarios/iam_privesc_by_rollback/terraform/iam.tf,
  terraform/null_resource.tf (the four extra versions), assets/policies/v1.json (the default
  version: the same actions as cheat_sheet_raynor.md shows), cloudgoat/scenarios/aws/
  iam_privesc_by_rollback/terraform/policies/v2.json and v3.json, scenarios/
  iam_privesc_by_rollback/terraform/policies/v4.json and v5.json.
- iam_privesc_by_attachment: scenarios/iam_privesc_by_attachment/terraform/iam.tf,
  iam_meek.tf, iam_mighty.tf (cheat_sheet_kerrigan.md).
- lambda_privesc: scenarios/lambda_privesc/terraform/iam.tf (cheat_sheet_chris.md).
- iam_privesc_by_key_rotation: scenarios/iam_privesc_by_key_rotation/terraform/iam_admin.tf,
  iam_manager.tf, iam_developer.tf, secrets.tf (cloudgoat/scenarios/aws/
  iam_privesc_by_key_rotation/cheat_sheet.md).
- beanstalk_secrets: scenarios/beanstalk_secrets/terraform/iam.tf (cheat_sheet.md).
- glue_privesc: scenarios/glue_privesc/terraform/iam.tf (cheat_sheet.md).
- iam_privesc_by_ec2: cloudgoat/scenarios/aws/iam_privesc_by_ec2/terraform/iam.tf
  (cheat_sheet_dev_user.md).
- vulnerable_lambda: scenarios/vulnerable_lambda/terraform/iam.tf and lambda.tf (cheat_sheet.md).
- detection_evasion: scenarios/detection_evasion/terraform/iam.tf, the version with the
  ``cg-developers`` group and ReadOnlyAccess that cheat_sheet.md walks.
- cloud_breach_s3: scenarios/cloud_breach_s3/terraform/ec2.tf (the role; the attacker starts
  anonymous, from the internet).
- codebuild_secrets: scenarios/codebuild_secrets/terraform/iam.tf
  (cheat_sheet_calrissian.md: the path goes through RDS snapshots, not IAM).

AWS-managed policies attached by the Terraform are listed as a GAAD lists them (Policies, with
their default version). Their documents come from github.com/zoph-io/MAMIP policies/<name>
(AmazonRDSFullAccess v13, AWSGlueConsoleFullAccess v13, AmazonSSMFullAccess v4: verbatim).
ReadOnlyAccess (70,000 characters), AWSGlueServiceRole, AmazonSSMManagedInstanceCore and
CloudWatchAgentServerPolicy are abbreviated to the statements that matter here (read-only
Describe/Get/List families, logs and metrics; none holds an escalation action); each says so in
``ABBREVIATED``.

Run ``.venv/bin/python tests/data/build_cloudgoat_gaads.py`` after changing this file;
tests/unit/test_cloudgoat_scenarios.py checks the JSON files match it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

OUTPUT_DIR = Path(__file__).with_name("cloudgoat")

ACCT = "123456789012"
DATE = "2025-06-01T10:00:00Z"
LATER = "2025-06-01T10:05:00Z"


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


def trust(principal, **extra):
    statement = {"Action": "sts:AssumeRole", "Principal": principal, "Effect": "Allow"}
    statement.update(extra)
    return doc(statement)


def service_trust(*services):
    return trust({"Service": services[0] if len(services) == 1 else list(services)})


def unique_id(prefix: str, seed: str) -> str:
    """A stable IAM unique id of the real form: the 4-letter prefix and 17 base32 characters."""
    digest = hashlib.sha256(seed.encode()).digest()
    return prefix + base64.b32encode(digest).decode()[:17]


def arn(kind: str, name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{ACCT}:{kind}{path}{name}"


# --- AWS-managed policies ------------------------------------------------------------------------

ADMINISTRATOR_ACCESS = doc(allow("*"))
IAM_READ_ONLY_ACCESS = doc(
    allow(
        [
            "iam:GenerateCredentialReport",
            "iam:GenerateServiceLastAccessedDetails",
            "iam:Get*",
            "iam:List*",
            "iam:SimulateCustomPolicy",
            "iam:SimulatePrincipalPolicy",
        ]
    )
)
READ_ONLY_ACCESS = doc(
    allow(
        [
            "ec2:Describe*",
            "ec2:Get*",
            "iam:Generate*",
            "iam:Get*",
            "iam:List*",
            "iam:Simulate*",
            "lambda:Get*",
            "lambda:List*",
            "s3:Get*",
            "s3:List*",
            "secretsmanager:DescribeSecret",
            "secretsmanager:GetResourcePolicy",
            "secretsmanager:ListSecrets",
            "ssm:Describe*",
            "ssm:Get*",
            "ssm:List*",
            "sts:GetCallerIdentity",
        ]
    )
)
AMAZON_S3_FULL_ACCESS = doc(allow(["s3:*", "s3-object-lambda:*"]))
AMAZON_RDS_FULL_ACCESS = doc(
    allow(
        [
            "rds:*",
            "application-autoscaling:DeleteScalingPolicy",
            "application-autoscaling:DeregisterScalableTarget",
            "application-autoscaling:DescribeScalableTargets",
            "application-autoscaling:DescribeScalingActivities",
            "application-autoscaling:DescribeScalingPolicies",
            "application-autoscaling:PutScalingPolicy",
            "application-autoscaling:RegisterScalableTarget",
            "cloudwatch:DescribeAlarms",
            "cloudwatch:GetMetricStatistics",
            "cloudwatch:PutMetricAlarm",
            "cloudwatch:DeleteAlarms",
            "cloudwatch:ListMetrics",
            "cloudwatch:GetMetricData",
            "ec2:DescribeAccountAttributes",
            "ec2:DescribeAvailabilityZones",
            "ec2:DescribeCoipPools",
            "ec2:DescribeInternetGateways",
            "ec2:DescribeLocalGatewayRouteTablePermissions",
            "ec2:DescribeLocalGatewayRouteTables",
            "ec2:DescribeLocalGatewayRouteTableVpcAssociations",
            "ec2:DescribeLocalGateways",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeSubnets",
            "ec2:DescribeVpcAttribute",
            "ec2:DescribeVpcs",
            "ec2:GetCoipPoolUsage",
            "sns:ListSubscriptions",
            "sns:ListTopics",
            "sns:Publish",
            "logs:DescribeLogStreams",
            "logs:GetLogEvents",
            "outposts:GetOutpostInstanceTypes",
            "devops-guru:GetResourceCollection",
        ]
    ),
    allow("pi:*", "arn:aws:pi:*:*:metrics/rds/*"),
    allow(
        "iam:CreateServiceLinkedRole",
        Condition={
            "StringLike": {
                "iam:AWSServiceName": [
                    "rds.amazonaws.com",
                    "rds.application-autoscaling.amazonaws.com",
                ]
            }
        },
    ),
    {
        "Action": ["devops-guru:SearchInsights", "devops-guru:ListAnomaliesForInsight"],
        "Effect": "Allow",
        "Resource": "*",
        "Condition": {
            "ForAllValues:StringEquals": {"devops-guru:ServiceNames": ["RDS"]},
            "Null": {"devops-guru:ServiceNames": "false"},
        },
    },
)
AWS_GLUE_CONSOLE_FULL_ACCESS = doc(
    allow(
        [
            "glue:*",
            "redshift:DescribeClusters",
            "redshift:DescribeClusterSubnetGroups",
            "iam:ListRoles",
            "iam:ListUsers",
            "iam:ListGroups",
            "iam:ListRolePolicies",
            "iam:GetRole",
            "iam:GetRolePolicy",
            "iam:ListAttachedRolePolicies",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeSubnets",
            "ec2:DescribeVpcs",
            "ec2:DescribeVpcEndpoints",
            "ec2:DescribeRouteTables",
            "ec2:DescribeVpcAttribute",
            "ec2:DescribeKeyPairs",
            "ec2:DescribeInstances",
            "ec2:DescribeImages",
            "rds:DescribeDBInstances",
            "rds:DescribeDBClusters",
            "rds:DescribeDBSubnetGroups",
            "s3:ListAllMyBuckets",
            "s3:ListBucket",
            "s3:GetBucketAcl",
            "s3:GetBucketLocation",
            "cloudformation:ListStacks",
            "cloudformation:DescribeStacks",
            "cloudformation:GetTemplateSummary",
            "dynamodb:ListTables",
            "kms:ListAliases",
            "kms:DescribeKey",
            "cloudwatch:GetMetricData",
            "cloudwatch:ListDashboards",
        ],
        ["*"],
    ),
    allow(
        ["s3:GetObject", "s3:PutObject"],
        ["arn:aws:s3:::aws-glue-*/*", "arn:aws:s3:::*/*aws-glue-*/*", "arn:aws:s3:::aws-glue-*"],
    ),
    allow(["tag:GetResources"], ["*"]),
    allow(["s3:CreateBucket"], ["arn:aws:s3:::aws-glue-*"]),
    allow(["logs:GetLogEvents"], ["arn:aws:logs:*:*:/aws-glue/*"]),
    allow(
        ["cloudformation:CreateStack", "cloudformation:DeleteStack"],
        "arn:aws:cloudformation:*:*:stack/aws-glue*/*",
    ),
    allow(
        ["ec2:RunInstances"],
        [
            "arn:aws:ec2:*:*:instance/*",
            "arn:aws:ec2:*:*:key-pair/*",
            "arn:aws:ec2:*:*:image/*",
            "arn:aws:ec2:*:*:security-group/*",
            "arn:aws:ec2:*:*:network-interface/*",
            "arn:aws:ec2:*:*:subnet/*",
            "arn:aws:ec2:*:*:volume/*",
        ],
    ),
    allow(
        ["ec2:TerminateInstances", "ec2:CreateTags", "ec2:DeleteTags"],
        ["arn:aws:ec2:*:*:instance/*"],
        Condition={
            "StringLike": {
                "ec2:ResourceTag/aws:cloudformation:stack-id": (
                    "arn:aws:cloudformation:*:*:stack/aws-glue-*/*"
                )
            },
            "StringEquals": {"ec2:ResourceTag/aws:cloudformation:logical-id": "ZeppelinInstance"},
        },
    ),
    allow(
        ["iam:PassRole"],
        "arn:aws:iam::*:role/AWSGlueServiceRole*",
        Condition={"StringLike": {"iam:PassedToService": ["glue.amazonaws.com"]}},
    ),
    allow(
        ["iam:PassRole"],
        "arn:aws:iam::*:role/AWSGlueServiceNotebookRole*",
        Condition={"StringLike": {"iam:PassedToService": ["ec2.amazonaws.com"]}},
    ),
    allow(
        ["iam:PassRole"],
        ["arn:aws:iam::*:role/service-role/AWSGlueServiceRole*"],
        Condition={"StringLike": {"iam:PassedToService": ["glue.amazonaws.com"]}},
    ),
)
AMAZON_SSM_FULL_ACCESS = doc(
    allow(
        [
            "cloudwatch:PutMetricData",
            "ds:CreateComputer",
            "ds:DescribeDirectories",
            "ec2:DescribeInstanceStatus",
            "logs:*",
            "ssm:*",
            "ec2messages:*",
        ]
    ),
    allow(
        "iam:CreateServiceLinkedRole",
        "arn:aws:iam::*:role/aws-service-role/ssm.amazonaws.com/AWSServiceRoleForAmazonSSM*",
        Condition={"StringLike": {"iam:AWSServiceName": "ssm.amazonaws.com"}},
    ),
    allow(
        ["iam:DeleteServiceLinkedRole", "iam:GetServiceLinkedRoleDeletionStatus"],
        "arn:aws:iam::*:role/aws-service-role/ssm.amazonaws.com/AWSServiceRoleForAmazonSSM*",
    ),
    allow(
        [
            "ssmmessages:CreateControlChannel",
            "ssmmessages:CreateDataChannel",
            "ssmmessages:OpenControlChannel",
            "ssmmessages:OpenDataChannel",
        ]
    ),
)
AWS_GLUE_SERVICE_ROLE = doc(
    allow(
        [
            "glue:*",
            "s3:GetBucketLocation",
            "s3:ListBucket",
            "s3:ListAllMyBuckets",
            "s3:GetBucketAcl",
            "ec2:DescribeVpcEndpoints",
            "ec2:DescribeRouteTables",
            "ec2:CreateNetworkInterface",
            "ec2:DeleteNetworkInterface",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeSubnets",
            "ec2:DescribeVpcAttribute",
            "iam:ListRolePolicies",
            "iam:GetRole",
            "iam:GetRolePolicy",
            "cloudwatch:PutMetricData",
        ]
    ),
    allow(["s3:CreateBucket"], ["arn:aws:s3:::aws-glue-*"]),
    allow(
        ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        ["arn:aws:s3:::aws-glue-*/*", "arn:aws:s3:::*/*aws-glue-*/*"],
    ),
    allow(
        ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        ["arn:aws:logs:*:*:*:/aws-glue/*"],
    ),
)
AWS_LAMBDA_BASIC_EXECUTION_ROLE = doc(
    allow(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"])
)
AMAZON_SSM_MANAGED_INSTANCE_CORE = doc(
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
    allow(
        [
            "ec2messages:AcknowledgeMessage",
            "ec2messages:DeleteMessage",
            "ec2messages:FailMessage",
            "ec2messages:GetEndpoint",
            "ec2messages:GetMessages",
            "ec2messages:SendReply",
        ]
    ),
)
CLOUDWATCH_AGENT_SERVER_POLICY = doc(
    allow(
        [
            "cloudwatch:PutMetricData",
            "ec2:DescribeVolumes",
            "ec2:DescribeTags",
            "logs:PutLogEvents",
            "logs:DescribeLogStreams",
            "logs:DescribeLogGroups",
            "logs:CreateLogStream",
            "logs:CreateLogGroup",
        ]
    ),
    allow(["ssm:GetParameter"], "arn:aws:ssm:*:*:parameter/AmazonCloudWatch-*"),
)

# name -> (path, document)
AWS_MANAGED: dict[str, tuple[str, dict[str, Any]]] = {
    "AdministratorAccess": ("/", ADMINISTRATOR_ACCESS),
    "IAMReadOnlyAccess": ("/", IAM_READ_ONLY_ACCESS),
    "ReadOnlyAccess": ("/", READ_ONLY_ACCESS),
    "AmazonS3FullAccess": ("/", AMAZON_S3_FULL_ACCESS),
    "AmazonRDSFullAccess": ("/", AMAZON_RDS_FULL_ACCESS),
    "AWSGlueConsoleFullAccess": ("/", AWS_GLUE_CONSOLE_FULL_ACCESS),
    "AmazonSSMFullAccess": ("/", AMAZON_SSM_FULL_ACCESS),
    "AWSGlueServiceRole": ("/service-role/", AWS_GLUE_SERVICE_ROLE),
    "AWSLambdaBasicExecutionRole": ("/service-role/", AWS_LAMBDA_BASIC_EXECUTION_ROLE),
    "AmazonSSMManagedInstanceCore": ("/", AMAZON_SSM_MANAGED_INSTANCE_CORE),
    "CloudWatchAgentServerPolicy": ("/", CLOUDWATCH_AGENT_SERVER_POLICY),
}
ABBREVIATED = frozenset(
    {
        "ReadOnlyAccess",
        "AWSGlueServiceRole",
        "AmazonSSMManagedInstanceCore",
        "CloudWatchAgentServerPolicy",
    }
)


def aws_policy(name: str) -> str:
    path, _ = AWS_MANAGED[name]
    return f"arn:aws:iam::aws:policy{path}{name}"


# --- one account per scenario ---------------------------------------------------------------------


class Account:
    """The four GAAD lists of one scenario's account."""

    def __init__(self, scenario: str, cgid: str) -> None:
        self.scenario = scenario
        self.cgid = cgid
        self.users: list[dict[str, Any]] = []
        self.groups: list[dict[str, Any]] = []
        self.roles: list[dict[str, Any]] = []
        self.policies: list[dict[str, Any]] = []
        self._attachments: dict[str, int] = {}

    def managed(self, name, document, *, versions=(), path="/", description=None) -> str:
        """A customer-managed policy; ``versions`` are further, non-default versions (v2...)."""
        policy_arn = arn("policy", name, path)
        version_list = [
            {"Document": document, "VersionId": "v1", "IsDefaultVersion": True, "CreateDate": DATE}
        ]
        for number, extra in enumerate(versions, start=2):
            version_list.append(
                {
                    "Document": extra,
                    "VersionId": f"v{number}",
                    "IsDefaultVersion": False,
                    "CreateDate": LATER,
                }
            )
        entry = {
            "PolicyName": name,
            "PolicyId": unique_id("ANPA", policy_arn),
            "Arn": policy_arn,
            "Path": path,
            "DefaultVersionId": "v1",
            "AttachmentCount": 0,
            "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": True,
            "CreateDate": DATE,
            "UpdateDate": LATER if versions else DATE,
            "PolicyVersionList": version_list,
        }
        if description:
            entry["Description"] = description
        self.policies.append(entry)
        return policy_arn

    def _attach(self, arns) -> list[dict[str, str]]:
        attached = []
        for policy_arn in arns:
            self._attachments[policy_arn] = self._attachments.get(policy_arn, 0) + 1
            if ":aws:policy/" in policy_arn and not any(
                p["Arn"] == policy_arn for p in self.policies
            ):
                name = policy_arn.rsplit("/", 1)[-1]
                path, document = AWS_MANAGED[name]
                self.policies.append(
                    {
                        "PolicyName": name,
                        "PolicyId": unique_id("ANPA", policy_arn),
                        "Arn": policy_arn,
                        "Path": path,
                        "DefaultVersionId": "v1",
                        "AttachmentCount": 0,
                        "PermissionsBoundaryUsageCount": 0,
                        "IsAttachable": True,
                        "CreateDate": "2015-02-06T18:39:46Z",
                        "UpdateDate": "2015-02-06T18:39:46Z",
                        "PolicyVersionList": [
                            {
                                "Document": document,
                                "VersionId": "v1",
                                "IsDefaultVersion": True,
                                "CreateDate": "2015-02-06T18:39:46Z",
                            }
                        ],
                    }
                )
            attached.append({"PolicyName": policy_arn.rsplit("/", 1)[-1], "PolicyArn": policy_arn})
        return attached

    def user(self, name, *, inline=(), managed_arns=(), groups=(), path="/", tags=None) -> str:
        user_arn = arn("user", name, path)
        entry = {
            "Path": path,
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

    def group(self, name, *, inline=(), managed_arns=(), path="/") -> str:
        group_arn = arn("group", name, path)
        self.groups.append(
            {
                "Path": path,
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
        self,
        name,
        trust_policy,
        *,
        inline=(),
        managed_arns=(),
        instance_profile=None,
        description=None,
        path="/",
        tags=None,
    ) -> str:
        role_arn = arn("role", name, path)
        role_id = unique_id("AROA", role_arn)
        profiles = []
        if instance_profile:
            profiles.append(
                {
                    "Path": "/",
                    "InstanceProfileName": instance_profile,
                    "InstanceProfileId": unique_id("AIPA", instance_profile),
                    "Arn": arn("instance-profile", instance_profile),
                    "CreateDate": DATE,
                    "Roles": [
                        {
                            "Path": path,
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
            "Path": path,
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
        if description:
            entry["Description"] = description
        self.roles.append(entry)
        return role_arn

    def gaad(self) -> dict[str, Any]:
        for policy in self.policies:
            policy["AttachmentCount"] = self._attachments.get(policy["Arn"], 0)
        return {
            "UserDetailList": self.users,
            "GroupDetailList": self.groups,
            "RoleDetailList": self.roles,
            "Policies": self.policies,
        }


SCENARIOS: dict[str, Account] = {}


def scenario(name: str, cgid_suffix: str) -> Account:
    account = Account(name, f"{name}_cgid{cgid_suffix}")
    SCENARIOS[name] = account
    return account


# --- iam_privesc_by_rollback ----------------------------------------------------------------------
# raynor's only policy has five versions; v1 (default) lets it pick another one, v3 is `*` on `*`.

a = scenario("iam_privesc_by_rollback", "tm8l3zv490")
RAYNOR_V1 = doc(
    {
        "Sid": "IAMPrivilegeEscalationByRollback",
        "Action": ["iam:Get*", "iam:List*", "iam:SetDefaultPolicyVersion"],
        "Effect": "Allow",
        "Resource": "*",
    }
)
RAYNOR_V2 = {
    "Version": "2012-10-17",
    "Statement": {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]}},
    },
}
RAYNOR_V3 = doc({"Action": "*", "Effect": "Allow", "Resource": "*"})
RAYNOR_V4 = {
    "Version": "2012-10-17",
    "Statement": {
        "Effect": "Allow",
        "Action": "iam:Get*",
        "Resource": "*",
        "Condition": {
            "DateGreaterThan": {"aws:CurrentTime": "2017-07-01T00:00:00Z"},
            "DateLessThan": {"aws:CurrentTime": "2017-12-31T23:59:59Z"},
        },
    },
}
RAYNOR_V5 = {
    "Version": "2012-10-17",
    "Statement": {
        "Effect": "Allow",
        "Action": ["s3:ListBucket", "s3:GetObject", "s3:ListAllMyBuckets"],
        "Resource": "*",
    },
}
raynor_policy = a.managed(
    f"cg-raynor-policy-{a.cgid}",
    RAYNOR_V1,
    versions=[RAYNOR_V2, RAYNOR_V3, RAYNOR_V4, RAYNOR_V5],
    description="cg-raynor-policy",
)
a.user(f"raynor-{a.cgid}", managed_arns=[raynor_policy])

# --- iam_privesc_by_attachment --------------------------------------------------------------------
# kerrigan swaps the mighty role into the meek instance profile and starts an instance with it.

a = scenario("iam_privesc_by_attachment", "k3rr1g4n0x")
kerrigan_policy = a.managed(
    "cg-kerrigan-policy",
    doc(
        {
            "Effect": "Allow",
            "Action": [
                "iam:AddRoleToInstanceProfile",
                "iam:ListInstanceProfiles",
                "iam:ListRoles",
                "iam:PassRole",
                "iam:RemoveRoleFromInstanceProfile",
            ],
            "Resource": "*",
        },
        {
            "Action": [
                "ec2:AssociateIamInstanceProfile",
                "ec2:CreateKeyPair",
                "ec2:DescribeIamInstanceProfileAssociations",
                "ec2:DescribeInstances",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcs",
                "ec2:RunInstances",
            ],
            "Effect": "Allow",
            "Resource": "*",
        },
    ),
    description=f"CloudGoat {a.cgid} kerrigan policy",
)
a.user("kerrigan", managed_arns=[kerrigan_policy])
EC2_TRUST = doc(
    {"Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}, "Effect": "Allow"}
)
a.role(
    f"cg-ec2-meek-role-{a.cgid}",
    EC2_TRUST,
    managed_arns=[
        a.managed(
            "cg-ec2-meek-policy",
            doc({"Action": "*", "Effect": "Deny", "Resource": "*"}),
            description="cg-ec2-meek-policy",
        )
    ],
    instance_profile=f"cg-ec2-meek-instance-profile-{a.cgid}",
    description="cg meek ec2 role",
    tags={"Name": f"CloudGoat {a.cgid} EC2 Meek Role"},
)
a.role(
    f"cg-ec2-mighty-role-{a.cgid}",
    EC2_TRUST,
    managed_arns=[
        a.managed(
            "cg-ec2-mighty-policy",
            doc({"Action": "*", "Effect": "Allow", "Resource": "*"}),
            description="cg-ec2-mighty-policy",
        )
    ],
    description="cg mighty ec2 role",
    tags={"Name": f"CloudGoat {a.cgid} EC2 Mighty Role"},
)

# --- lambda_privesc -------------------------------------------------------------------------------
# chris assumes lambdaManager, which passes the admin debug role to a new Lambda function.

a = scenario("lambda_privesc", "ch415l4mbd")
chris = a.user(
    f"chris-{a.cgid}",
    managed_arns=[
        a.managed(
            f"cg-chris-policy-{a.cgid}",
            doc(
                {
                    "Sid": "chris",
                    "Effect": "Allow",
                    "Action": ["sts:AssumeRole", "iam:List*", "iam:Get*"],
                    "Resource": "*",
                }
            ),
            description=f"cg-chris-policy-{a.cgid}",
        )
    ],
    tags={"Name": f"cg-chris-{a.cgid}"},
)
a.role(
    f"cg-lambdaManager-role-{a.cgid}",
    trust({"AWS": chris}),
    managed_arns=[
        a.managed(
            f"cg-lambdaManager-policy-{a.cgid}",
            doc(
                {
                    "Sid": "lambdaManager",
                    "Effect": "Allow",
                    "Action": ["lambda:*", "iam:PassRole"],
                    "Resource": "*",
                }
            ),
            description=f"cg-lambdaManager-policy-{a.cgid}",
        )
    ],
    description="CloudGoat Lambda manager role",
    tags={"Name": f"cg-debug-role-{a.cgid}"},
)
a.role(
    f"cg-debug-role-{a.cgid}",
    service_trust("lambda.amazonaws.com"),
    managed_arns=[aws_policy("AdministratorAccess")],
    description="CloudGoat debug role",
    tags={"Name": f"cg-debug-role-{a.cgid}"},
)

# --- iam_privesc_by_key_rotation ------------------------------------------------------------------
# manager tags the admin user developer=true, replaces one of its two keys, enables an MFA device
# on it and, as admin with MFA, assumes the secrets role.

a = scenario("iam_privesc_by_key_rotation", "r0t4t10nk3")
IAM_READ = aws_policy("IAMReadOnlyAccess")
secret_arn = f"arn:aws:secretsmanager:us-east-1:{ACCT}:secret:cg_secret_{a.cgid}-Ab12Cd"
secrets_role = arn("role", f"cg_secretsmanager_{a.cgid}")
a.user(
    f"admin_{a.cgid}",
    managed_arns=[IAM_READ],
    inline=[
        (
            "AssumeRoles",
            doc(
                {
                    "Sid": "AssumeRole",
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Resource": secrets_role,
                }
            ),
        )
    ],
)
a.role(
    f"cg_secretsmanager_{a.cgid}",
    doc(
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"AWS": ACCT},
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": True}},
        }
    ),
    managed_arns=[
        a.managed(
            f"cg_view_secrets_{a.cgid}",
            doc(
                {"Action": "secretsmanager:ListSecrets", "Effect": "Allow", "Resource": "*"},
                {
                    "Action": "secretsmanager:GetSecretValue",
                    "Effect": "Allow",
                    "Resource": secret_arn,
                },
            ),
            description="View and retreive secrets",
        )
    ],
    description="Access to view secrets",
)
a.user(
    f"manager_{a.cgid}",
    managed_arns=[IAM_READ],
    inline=[
        (
            "SelfManageAccess",
            doc(
                {
                    "Sid": "SelfManageAccess",
                    "Effect": "Allow",
                    "Action": [
                        "iam:DeactivateMFADevice",
                        "iam:GetMFADevice",
                        "iam:EnableMFADevice",
                        "iam:ResyncMFADevice",
                        "iam:DeleteAccessKey",
                        "iam:UpdateAccessKey",
                        "iam:CreateAccessKey",
                    ],
                    "Resource": [f"arn:aws:iam::{ACCT}:user/*", f"arn:aws:iam::{ACCT}:mfa/*"],
                    "Condition": {"StringEquals": {"aws:ResourceTag/developer": "true"}},
                },
                {
                    "Sid": "CreateMFA",
                    "Effect": "Allow",
                    "Action": ["iam:DeleteVirtualMFADevice", "iam:CreateVirtualMFADevice"],
                    "Resource": f"arn:aws:iam::{ACCT}:mfa/*",
                },
            ),
        ),
        (
            "TagResources",
            doc(
                {
                    "Sid": "TagResources",
                    "Effect": "Allow",
                    "Action": [
                        "iam:UntagUser",
                        "iam:UntagRole",
                        "iam:TagRole",
                        "iam:UntagMFADevice",
                        "iam:UntagPolicy",
                        "iam:TagMFADevice",
                        "iam:TagPolicy",
                        "iam:TagUser",
                    ],
                    "Resource": "*",
                }
            ),
        ),
    ],
)
a.user(
    f"developer_{a.cgid}",
    tags={"developer": "true"},
    inline=[
        (
            "DeveloperViewSecrets",
            doc(
                {
                    "Sid": "ViewSecrets",
                    "Effect": "Allow",
                    "Action": "secretsmanager:ListSecrets",
                    "Resource": "*",
                }
            ),
        )
    ],
)

# --- beanstalk_secrets ----------------------------------------------------------------------------
# The secondary user (keys leaked in an Elastic Beanstalk environment) creates a key for the admin.

a = scenario("beanstalk_secrets", "b34n5t4lk0")
a.user(
    f"{a.cgid}_admin_user",
    managed_arns=[
        a.managed(
            f"{a.cgid}_admin_user_policy",
            doc({"Action": "*", "Effect": "Allow", "Resource": "*"}),
        )
    ],
)
a.user(
    f"{a.cgid}_low_priv_user",
    managed_arns=[
        a.managed(
            f"{a.cgid}_low_priv_policy",
            doc(
                {
                    "Effect": "Allow",
                    "Action": [
                        "elasticbeanstalk:DescribeApplications",
                        "elasticbeanstalk:DescribeApplicationVersions",
                        "elasticbeanstalk:DescribeConfigurationSettings",
                        "elasticbeanstalk:DescribeEnvironmentHealth",
                        "elasticbeanstalk:DescribeEnvironmentResources",
                        "elasticbeanstalk:DescribeEnvironments",
                        "elasticbeanstalk:DescribeEvents",
                        "elasticbeanstalk:ListAvailableSolutionStacks",
                        "elasticbeanstalk:ListTagsForResource",
                        "ec2:DescribeSubnets",
                    ],
                    "Resource": "*",
                },
                {
                    "Effect": "Allow",
                    "Action": ["s3:*"],
                    "Resource": [
                        "arn:aws:s3:::elasticbeanstalk*",
                        "arn:aws:s3:::elasticbeanstalk*/*",
                    ],
                },
            ),
        )
    ],
)
a.user(
    f"{a.cgid}_secondary_user",
    managed_arns=[
        a.managed(
            f"{a.cgid}_secondary_policy",
            doc(
                {"Effect": "Allow", "Action": ["iam:CreateAccessKey"], "Resource": "*"},
                {
                    "Effect": "Allow",
                    "Action": [
                        "iam:ListRoles",
                        "iam:GetRole",
                        "iam:ListPolicies",
                        "iam:GetPolicy",
                        "iam:ListPolicyVersions",
                        "iam:GetPolicyVersion",
                        "iam:ListUsers",
                        "iam:GetUser",
                        "iam:ListGroups",
                        "iam:GetGroup",
                        "iam:ListAttachedUserPolicies",
                        "iam:ListAttachedRolePolicies",
                        "iam:GetRolePolicy",
                    ],
                    "Resource": "*",
                },
            ),
        )
    ],
)
a.role(
    f"{a.cgid}_eb_instance_role",
    doc(
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
        }
    ),
    instance_profile=f"{a.cgid}_eb_instance_profile",
)
a.role(
    f"{a.cgid}_eb_service_role",
    doc(
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "elasticbeanstalk.amazonaws.com"},
        }
    ),
)

# --- glue_privesc ---------------------------------------------------------------------------------
# cg-glue-admin (keys leaked through the web app's SQL injection) creates and runs a Glue job with
# ssm_parameter_role, which reads the flag from SSM Parameter Store.

a = scenario("glue_privesc", "g1u3pr1v35")
a.user(
    f"cg-run-app-{a.cgid}",
    managed_arns=[aws_policy("AmazonRDSFullAccess"), aws_policy("AmazonS3FullAccess")],
    tags={"Name": f"cg-run-app-{a.cgid}", "Stack": "CloudGoat", "Scenario": "glue_privesc"},
)
a.user(
    f"cg-glue-admin-{a.cgid}",
    inline=[
        (
            "glue_management_policy",
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "VisualEditor0",
                        "Effect": "Allow",
                        "Action": [
                            "glue:CreateJob",
                            "iam:PassRole",
                            "iam:Get*",
                            "iam:List*",
                            "glue:CreateTrigger",
                            "glue:StartJobRun",
                            "glue:UpdateJob",
                        ],
                        "Resource": "*",
                    },
                    {
                        "Sid": "VisualEditor1",
                        "Effect": "Allow",
                        "Action": "s3:ListBucket",
                        "Resource": "arn:aws:s3:::test-glue-scenario2",
                    },
                ],
            },
        )
    ],
    tags={"Name": f"cg-glue-admin-{a.cgid}", "Stack": "CloudGoat", "Scenario": "glue_privesc"},
)
a.role(
    "glue_ETL_role",
    doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": ["rds.amazonaws.com", "glue.amazonaws.com"]},
            "Action": "sts:AssumeRole",
        }
    ),
    managed_arns=[
        aws_policy("AmazonRDSFullAccess"),
        aws_policy("AmazonS3FullAccess"),
        aws_policy("AWSGlueConsoleFullAccess"),
        aws_policy("AWSGlueServiceRole"),
    ],
)
a.role(
    "s3_to_gluecatalog_lambda_role",
    doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": ["lambda.amazonaws.com"]},
            "Action": "sts:AssumeRole",
        }
    ),
    managed_arns=[
        aws_policy("AmazonS3FullAccess"),
        aws_policy("AWSGlueConsoleFullAccess"),
        aws_policy("AWSLambdaBasicExecutionRole"),
    ],
)
a.role(
    "ssm_parameter_role",
    doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": ["glue.amazonaws.com"]},
            "Action": "sts:AssumeRole",
        }
    ),
    managed_arns=[aws_policy("AmazonS3FullAccess"), aws_policy("AmazonSSMFullAccess")],
)

# --- iam_privesc_by_ec2 ---------------------------------------------------------------------------
# cg_dev_user deletes the Name tag of the admin instance, assumes the management role, stops the
# instance, rewrites its user data and starts it: the code runs as the admin instance role.

a = scenario("iam_privesc_by_ec2", "3c2pr1v35c")
management_role = arn("role", f"cg_ec2_management_role_{a.cgid}")
a.role(
    f"cg_ec2_role_{a.cgid}",
    service_trust("ec2.amazonaws.com"),
    managed_arns=[aws_policy("AdministratorAccess")],
    instance_profile=f"cg_ec2_role_profile_{a.cgid}",
)
dev_user = a.user(
    f"cg_dev_user_{a.cgid}",
    managed_arns=[aws_policy("ReadOnlyAccess")],
    inline=[
        (
            f"cg_dev_ec2_permissions_{a.cgid}",
            doc(
                {
                    "Action": [
                        "ec2:AllocateAddress",
                        "ec2:DeleteTags",
                        "ec2:AssociateRouteTable",
                        "ec2:AttachNetworkInterface",
                        "ec2:CreateSecurityGroup",
                    ],
                    "Effect": "Allow",
                    "Resource": "*",
                }
            ),
        ),
        (
            f"cg_dev_ec2_mgmt_assume_{a.cgid}",
            doc({"Action": "sts:AssumeRole", "Effect": "Allow", "Resource": management_role}),
        ),
    ],
)
a.role(
    f"cg_ec2_management_role_{a.cgid}",
    trust({"AWS": dev_user}),
    inline=[
        (
            f"cg_ec2_management_role_{a.cgid}",
            doc(
                {
                    "Action": [
                        "ec2:StartInstances",
                        "ec2:StopInstances",
                        "ec2:ModifyInstanceAttribute",
                    ],
                    "Effect": "Allow",
                    "Resource": "*",
                    "Condition": {
                        "StringNotEquals": {"aws:ResourceTag/Name": f"cg_admin_ec2_{a.cgid}"}
                    },
                }
            ),
        )
    ],
)

# --- vulnerable_lambda ----------------------------------------------------------------------------
# bilbo assumes cg-lambda-invoker and invokes a Lambda function whose SQL injection makes it attach
# AdministratorAccess to bilbo (its execution role may attach policies to bilbo only).

a = scenario("vulnerable_lambda", "vu1n14mbd4")
bilbo = a.user(
    f"cg-bilbo-{a.cgid}",
    tags={"deployment_profile": "cloudgoat"},
    inline=[
        (
            f"cg-bilbo-{a.cgid}-standard-user-assumer",
            doc(
                {
                    "Sid": "",
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    # Hard-coded in the Terraform: another account's id.
                    "Resource": "arn:aws:iam::940877411605:role/cg-lambda-invoker*",
                },
                {
                    "Sid": "",
                    "Effect": "Allow",
                    "Action": [
                        "iam:Get*",
                        "iam:List*",
                        "iam:SimulateCustomPolicy",
                        "iam:SimulatePrincipalPolicy",
                    ],
                    "Resource": "*",
                },
            ),
        )
    ],
)
applier_function = f"arn:aws:lambda:us-east-1:{ACCT}:function:{a.cgid}-policy_applier_lambda1"
a.role(
    f"cg-lambda-invoker-{a.cgid}",
    doc({"Action": "sts:AssumeRole", "Effect": "Allow", "Sid": "", "Principal": {"AWS": bilbo}}),
    inline=[
        (
            "lambda-invoker",
            doc(
                {
                    "Effect": "Allow",
                    "Action": [
                        "lambda:ListFunctionEventInvokeConfigs",
                        "lambda:InvokeFunction",
                        "lambda:ListTags",
                        "lambda:GetFunction",
                        "lambda:GetPolicy",
                    ],
                    "Resource": applier_function,
                },
                {
                    "Effect": "Allow",
                    "Action": [
                        "lambda:ListFunctions",
                        "iam:Get*",
                        "iam:List*",
                        "iam:SimulateCustomPolicy",
                        "iam:SimulatePrincipalPolicy",
                    ],
                    "Resource": "*",
                },
            ),
        )
    ],
)
a.role(
    f"{a.cgid}-policy_applier_lambda1",
    doc(
        {
            "Action": "sts:AssumeRole",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Effect": "Allow",
            "Sid": "",
        }
    ),
    inline=[
        (
            "policy_applier_lambda1",
            doc(
                {"Action": "iam:AttachUserPolicy", "Effect": "Allow", "Resource": bilbo},
                {
                    "Effect": "Allow",
                    "Action": "logs:CreateLogGroup",
                    "Resource": "arn:aws:logs:*:*:*",
                },
                {
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": "arn:aws:logs:*:*:log-group:*:*",
                },
            ),
        )
    ],
)

# --- detection_evasion ----------------------------------------------------------------------------
# r_waterhouse (the one key pair of four that is no honeytoken) opens an SSM session on the easy
# path instance and reads the secret with the instance role.

a = scenario("detection_evasion", "d373c710n0")
TAGS = {"tag-key": a.cgid, "git_org": "RadoGar", "git_repo": "cloudgoat"}
a.group(
    "cg-developers",
    path="/developers/",
    managed_arns=[aws_policy("ReadOnlyAccess")],
    inline=[
        (
            "developer_policy",
            doc(
                {
                    "Effect": "Allow",
                    "Action": [
                        "ssm:SendCommand",
                        "ssm:ResumeSession",
                        "ssm:TerminateSession",
                        "ssm:StartSession",
                    ],
                    "Resource": [
                        "arn:aws:ssm:*:*:patchbaseline/*",
                        "arn:aws:ssm:*:*:managed-instance/*",
                        "arn:aws:ec2:*:*:instance/*",
                        "arn:aws:ssm:*:*:session/*",
                        "arn:aws:ssm:*:*:document/*",
                    ],
                }
            ),
        )
    ],
)
a.user("r_waterhouse", groups=["cg-developers"], tags=TAGS)
a.user("canarytokens.com@@kz9r8ouqnhve4zs1yi4bzspzz", tags=TAGS)
a.user("l_salander", path="/SpaceCrab/", tags=TAGS)
a.user("cd1fceca-e751-4c1b-83e4-78d309063830", tags=TAGS)
for level in ("easy", "hard"):
    a.role(
        f"{a.cgid}_{level}",
        doc(
            {
                "Action": "sts:AssumeRole",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Effect": "Allow",
                "Sid": "",
            }
        ),
        managed_arns=[
            aws_policy("AmazonSSMManagedInstanceCore"),
            aws_policy("CloudWatchAgentServerPolicy"),
        ],
        inline=[
            (
                f"cg_instance_profile_policy_{level}_path",
                doc(
                    {"Action": ["ec2:Describe*"], "Effect": "Allow", "Resource": "*"},
                    {
                        "Effect": "Allow",
                        "Action": ["secretsmanager:GetSecretValue"],
                        "Resource": (
                            f"arn:aws:secretsmanager:us-east-1:{ACCT}:secret:"
                            f"{level}_secret-{a.cgid}-Xy12Zw"
                        ),
                    },
                    {
                        "Effect": "Allow",
                        "Action": [
                            "secretsmanager:ListSecrets",
                            "secretsmanager:GetResourcePolicy",
                            "secretsmanager:DescribeSecret",
                            "secretsmanager:ListSecretVersionIds",
                        ],
                        "Resource": "*",
                    },
                ),
            )
        ],
        instance_profile=f"{a.cgid}_{level}",
        tags=TAGS,
    )

# --- cloud_breach_s3 ------------------------------------------------------------------------------
# An anonymous attacker abuses the misconfigured reverse proxy to read the instance role's
# credentials from IMDS, then lists and downloads the buckets: no IAM principal escalates.

a = scenario("cloud_breach_s3", "c10udbr34c")
a.role(
    f"cg-banking-WAF-Role-{a.cgid}",
    doc(
        {
            "Action": "sts:AssumeRole",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Effect": "Allow",
            "Sid": "",
        }
    ),
    managed_arns=[aws_policy("AmazonS3FullAccess")],
    instance_profile=f"cg-ec2-instance-profile-{a.cgid}",
    tags={
        "Name": f"cg-banking-WAF-Role-{a.cgid}",
        "Stack": "CloudGoat",
        "Scenario": "cloud-breach-s3",
    },
)

# --- codebuild_secrets ----------------------------------------------------------------------------
# solo reads CodeBuild project secrets, calrissian restores an RDS snapshot with a new password.

a = scenario("codebuild_secrets", "c0d3bu11d5")
a.user(
    "calrissian",
    managed_arns=[
        a.managed(
            f"cg-calrissian-policy-{a.cgid}",
            doc(
                {
                    "Sid": "calrissian",
                    "Effect": "Allow",
                    "Action": [
                        "rds:CreateDBSnapshot",
                        "rds:DescribeDBInstances",
                        "rds:ModifyDBInstance",
                        "rds:RestoreDBInstanceFromDBSnapshot",
                        "rds:DescribeDBSubnetGroups",
                        "rds:CreateDBSecurityGroup",
                        "rds:DeleteDBSecurityGroup",
                        "rds:DescribeDBSecurityGroups",
                        "rds:AuthorizeDBSecurityGroupIngress",
                        "ec2:CreateSecurityGroup",
                        "ec2:DeleteSecurityGroup",
                        "ec2:DescribeSecurityGroups",
                        "ec2:AuthorizeSecurityGroupIngress",
                    ],
                    "Resource": "*",
                }
            ),
            description=f"cg-calrissian-policy-{a.cgid}",
        )
    ],
    tags={"Name": f"cg-calrissian-{a.cgid}", "Stack": "CloudGoat", "Scenario": "codebuild-secrets"},
)
a.user(
    "solo",
    managed_arns=[
        a.managed(
            f"cg-solo-policy-{a.cgid}",
            doc(
                {
                    "Sid": "solo",
                    "Effect": "Allow",
                    "Action": [
                        "s3:ListAllMyBuckets",
                        "ssm:DescribeParameters",
                        "ssm:GetParameter",
                        "codebuild:ListProjects",
                        "codebuild:BatchGetProjects",
                        "codebuild:ListBuilds",
                        "ec2:DescribeInstances",
                        "ec2:DescribeVpcs",
                        "ec2:DescribeSubnets",
                        "ec2:DescribeSecurityGroups",
                    ],
                    "Resource": "*",
                }
            ),
            description=f"cg-solo-policy-{a.cgid}",
        )
    ],
    tags={"Name": f"cg-solo-{a.cgid}", "Stack": "CloudGoat", "Scenario": "codebuild-secrets"},
)


def render() -> dict[str, str]:
    """File name -> JSON text, one per scenario."""
    return {
        f"{name}.json": json.dumps(account.gaad(), indent=1, sort_keys=True) + "\n"
        for name, account in SCENARIOS.items()
    }


if __name__ == "__main__":
    OUTPUT_DIR.mkdir(exist_ok=True)
    for file_name, text in render().items():
        (OUTPUT_DIR / file_name).write_text(text, encoding="utf-8")
    print(f"{OUTPUT_DIR}: {len(SCENARIOS)} scenario GAADs")
