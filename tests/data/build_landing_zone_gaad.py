"""Build tests/data/landing_zone/: a Control Tower "landing zone" member account, as AWS creates it.

``gaad.json`` is what `aws iam get-account-authorization-details` returns for a workload account
(123456789012) of an organization set up with AWS Control Tower and IAM Identity Center, then
used the usual way: bootstrapped for the CDK with a trusted CI/CD (tooling) account, with the
roles the AWS consoles create on first use of ECS, Elastic Beanstalk, Systems Manager Quick
Setup, Lambda and RDS enhanced monitoring, the service-linked roles of the services a landing
zone enables, a break-glass IAM user and a CI user. ``credential_report.csv`` is the matching
`aws iam get-credential-report` (decoded).

Every role is written from the AWS page cited beside it: its name, path, trust policy and the
policies the page says are attached. The documents of the AWS-managed policies are the ones moto
(the AWS mock library installed in the venv) ships in moto/iam/aws_managed_policies.py, itself
a copy of AWS's published versions; ``MOTO_VERSION`` records the copy used. Inline policies
are transcribed from the AWS template or page that creates them.

Ids (RoleId, PolicyId, hex suffixes of Identity Center roles) are derived from the names, so
the files are the same on every run. Dates are fixed, relative to the tests' clock
(tests/factories.py NOW = 2026-11-29T12:00:00Z).

Run ``.venv/bin/python tests/data/build_landing_zone_gaad.py`` after changing this file;
tests/unit/test_landing_zone_account.py checks the files match it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# The sibling module, whether this runs as a script or is loaded by path from a test.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from gaad_fixtures import (
    attachment_counts,
    aws_managed_version,
    hex_suffix,
    moto_managed,
    policy_entry,
    report_csv,
    role_entry,
    unique_id,
    write_fixtures,
)

OUTPUT_DIR = Path(__file__).with_name("landing_zone")
GAAD_FILE = "gaad.json"
CREDENTIAL_REPORT_FILE = "credential_report.csv"
MOTO_VERSION = "5.2.6"

ACCT = "123456789012"  # this member (workload) account
MANAGEMENT = "210987654321"  # the organization's management account (Control Tower home)
AUDIT = "333344445555"  # Control Tower's Audit (security tooling) account
TOOLING = "444455556666"  # the CI/CD account passed to `cdk bootstrap --trust`
REGION = "eu-west-1"
SSO_REGION = (
    "eu-west-1"  # Identity Center's home region (path /aws-reserved/sso.amazonaws.com/<r>/)
)
ORG_ID = "o-a1b2c3d4e5"

ACCOUNT_CREATED = "2024-03-04T09:12:33Z"  # Account Factory created the account
BASELINED = "2024-03-04T09:31:10Z"  # Control Tower baseline stack sets ran
SSO_PROVISIONED = "2024-03-05T14:02:41Z"
CDK_BOOTSTRAPPED = "2025-09-16T10:20:05Z"  # re-bootstrapped to template version 26
CONSOLE_DAY = "2024-06-11T13:45:00Z"


SAML_PROVIDER = f"AWSSSO_{hex_suffix('saml-provider')}_DO_NOT_DELETE"
SAML_PROVIDER_ARN = f"arn:aws:iam::{ACCT}:saml-provider/{SAML_PROVIDER}"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def trust(principal: dict[str, Any], action: Any = "sts:AssumeRole", **extra: Any):
    statement = {"Effect": "Allow", "Principal": principal, "Action": action}
    statement.update(extra)
    return statement


def service_trust(service: str, **extra: Any) -> dict[str, Any]:
    return doc(trust({"Service": service}, **extra))


# --- AWS-managed policies (moto's copy of AWS's documents) ---------------------------------------


def managed_arn(name: str) -> str:
    return f"arn:aws:iam::aws:policy{moto_managed()[name]['Path']}{name}"


# --- the roles ------------------------------------------------------------------------------------


def role(
    name: str,
    trust_policy: dict[str, Any],
    *,
    path: str = "/",
    managed: tuple[str, ...] = (),
    inline: dict[str, dict[str, Any]] | None = None,
    created: str = BASELINED,
    last_used: str | None = None,
    region: str = REGION,
    instance_profile: bool = False,
    tags: dict[str, str] | None = None,
    description: str = "",
) -> dict[str, Any]:
    return role_entry(
        ACCT,
        name,
        trust_policy,
        created=created,
        path=path,
        attached=[(policy, managed_arn(policy)) for policy in managed],
        inline=inline,
        last_used=last_used,
        region=region,
        instance_profile=instance_profile,
        tags=tags,
        description=description,
    )


def control_tower_roles() -> list[dict[str, Any]]:
    return [
        # AWS Control Tower User Guide, "How AWS Control Tower works with roles to create and
        # manage accounts" (https://docs.aws.amazon.com/controltower/latest/userguide/
        # roles-how.html) and "Manually add the required IAM role to an existing AWS account"
        # (.../enroll-manually.html): AWSControlTowerExecution trusts the management account
        # and has AdministratorAccess attached.
        role(
            "AWSControlTowerExecution",
            doc(trust({"AWS": f"arn:aws:iam::{MANAGEMENT}:root"})),
            managed=("AdministratorAccess",),
            created=ACCOUNT_CREATED,
            last_used="2026-11-18T03:12:00Z",
        ),
        # Control Tower User Guide, "Roles and accounts" / "Programmatic roles and trust
        # relationships for the AWS Control Tower audit account"
        # (https://docs.aws.amazon.com/controltower/latest/userguide/
        # roles-how.html#stacksets-and-roles): the baseline (stack set
        # AWSControlTowerBP-BASELINE-ROLES) creates aws-controltower-AdministratorRole and
        # aws-controltower-ReadOnlyExecutionRole, assumed by the Audit account's
        # aws-controltower-AuditAdministratorRole / -AuditReadOnlyRole (the latter only by AWS
        # Lambda functions there).
        role(
            "aws-controltower-AdministratorRole",
            doc(
                trust({"AWS": f"arn:aws:iam::{AUDIT}:role/aws-controltower-AuditAdministratorRole"})
            ),
            managed=("AdministratorAccess",),
            description="Administrator role used by AWS Control Tower audit account",
        ),
        role(
            "aws-controltower-ReadOnlyExecutionRole",
            doc(trust({"AWS": f"arn:aws:iam::{AUDIT}:role/aws-controltower-AuditReadOnlyRole"})),
            managed=("ReadOnlyAccess",),
            last_used="2026-11-29T02:00:00Z",
        ),
        # Control Tower User Guide, "Roles and accounts": aws-controltower-ConfigRecorderRole,
        # the AWS Config recorder's role (AWS_ConfigRole and ReadOnlyAccess attached).
        role(
            "aws-controltower-ConfigRecorderRole",
            service_trust("config.amazonaws.com"),
            managed=("AWS_ConfigRole", "ReadOnlyAccess"),
            last_used="2026-11-29T09:41:00Z",
        ),
        # Control Tower User Guide, "Roles and accounts": aws-controltower-
        # ForwardSnsNotificationRole, the role of the Lambda function forwarding AWS Config
        # notifications to the Audit account's aws-controltower-AggregateSecurityNotifications
        # topic (AWSLambdaBasicExecutionRole + an inline sns:publish policy).
        role(
            "aws-controltower-ForwardSnsNotificationRole",
            service_trust("lambda.amazonaws.com"),
            managed=("AWSLambdaBasicExecutionRole",),
            inline={
                "sns": doc(
                    {
                        "Action": ["sns:publish"],
                        "Resource": (
                            f"arn:aws:sns:*:{AUDIT}:aws-controltower-AggregateSecurityNotifications"
                        ),
                        "Effect": "Allow",
                    }
                )
            },
            last_used="2026-11-28T17:20:00Z",
        ),
        # AWS CloudFormation User Guide, "Activate trusted access with AWS Organizations"
        # (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/
        # stacksets-orgs-activate-trusted-access.html): service-managed stack sets create in each
        # target account the stacksets-exec-<hash> role, assumed by the management account's
        # AWSServiceRoleForCloudFormationStackSetsOrgAdmin, with AdministratorAccess.
        role(
            f"stacksets-exec-{hex_suffix('stacksets-exec', 32)}",
            doc(
                trust(
                    {
                        "AWS": f"arn:aws:iam::{MANAGEMENT}:role/aws-service-role/"
                        "stacksets.cloudformation.amazonaws.com/"
                        "AWSServiceRoleForCloudFormationStackSetsOrgAdmin"
                    }
                )
            ),
            managed=("AdministratorAccess",),
            created=ACCOUNT_CREATED,
            last_used="2026-10-02T08:00:00Z",
        ),
    ]


def organizations_roles() -> list[dict[str, Any]]:
    # AWS Organizations User Guide, "Accessing a member account that has a management account
    # access role" (https://docs.aws.amazon.com/organizations/latest/userguide/
    # orgs_manage_accounts_access-cross-account-role.html): CreateAccount adds
    # OrganizationAccountAccessRole, which "grants full administrator permissions" and trusts the
    # management account; the role created this way holds the inline policy AdministratorAccess
    # (Allow * on *). Never used here: Control Tower works through AWSControlTowerExecution.
    return [
        role(
            "OrganizationAccountAccessRole",
            doc(trust({"AWS": f"arn:aws:iam::{MANAGEMENT}:root"})),
            inline={
                "AdministratorAccess": doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
            },
            created=ACCOUNT_CREATED,
        ),
    ]


def identity_center_roles() -> list[dict[str, Any]]:
    # IAM Identity Center User Guide, "IAM roles created by IAM Identity Center in AWS accounts"
    # / "Referencing permission sets in resource policies" (https://docs.aws.amazon.com/
    # singlesignon/latest/userguide/referencingpermissionsets.html): each provisioned permission
    # set is a role AWSReservedSSO_<PermissionSetName>_<unique suffix> under
    # /aws-reserved/sso.amazonaws.com/<region>/, trusting the account's SAML provider
    # AWSSSO_<id>_DO_NOT_DELETE for sts:AssumeRoleWithSAML and sts:TagSession with
    # SAML:aud https://signin.aws.amazon.com/saml; a permission set's inline policy is the role's
    # inline policy AwsSSOInlinePolicy (.../permissionsetcustom.html).
    path = f"/aws-reserved/sso.amazonaws.com/{SSO_REGION}/"
    sso_trust = doc(
        trust(
            {"Federated": SAML_PROVIDER_ARN},
            ["sts:AssumeRoleWithSAML", "sts:TagSession"],
            Condition={"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
        )
    )
    data_bucket = f"arn:aws:s3:::analytics-data-{ACCT}-{REGION}"
    data_engineer = doc(
        {
            "Sid": "DataLakeReadWrite",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            "Resource": f"{data_bucket}/*",
        },
        {
            "Sid": "DataLakeList",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": data_bucket,
        },
        {
            "Sid": "Query",
            "Effect": "Allow",
            "Action": [
                "athena:StartQueryExecution",
                "athena:GetQueryExecution",
                "athena:GetQueryResults",
                "glue:GetDatabase",
                "glue:GetDatabases",
                "glue:GetTable",
                "glue:GetTables",
                "glue:GetPartitions",
            ],
            "Resource": "*",
        },
    )
    sets = [
        ("AdministratorAccess", ("AdministratorAccess",), None, "2026-11-27T15:03:00Z"),
        ("ReadOnlyAccess", ("ReadOnlyAccess",), None, "2026-11-29T08:14:00Z"),
        ("PowerUserAccess", ("PowerUserAccess",), None, "2026-11-28T11:40:00Z"),
        ("DataEngineer", (), data_engineer, "2026-11-26T10:05:00Z"),
    ]
    return [
        role(
            f"AWSReservedSSO_{name}_{hex_suffix('permission-set-' + name)}",
            sso_trust,
            path=path,
            managed=managed,
            inline={"AwsSSOInlinePolicy": inline} if inline else None,
            created=SSO_PROVISIONED,
            last_used=last_used,
        )
        for name, managed, inline, last_used in sets
    ]


def cdk_roles() -> list[dict[str, Any]]:
    # AWS CDK Developer Guide, "AWS CDK bootstrapping" / "Customize bootstrapping"
    # (https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-env.html,
    # .../bootstrapping-customizing.html) and the template it deploys,
    # packages/aws-cdk/lib/api/bootstrap/bootstrap-template.yaml (CdkBootstrapVersion 26),
    # bootstrapped with `cdk bootstrap --trust 444455556666
    # --cloudformation-execution-policies arn:aws:iam::aws:policy/AdministratorAccess`
    # (the CLI requires explicit execution policies with --trust). The default qualifier is
    # hnb659fds; the staging bucket is encrypted with the AWS-managed key (AWS_MANAGED_KEY).
    suffix = f"{ACCT}-{REGION}"
    bucket = f"arn:aws:s3:::cdk-hnb659fds-assets-{suffix}"
    repository = f"arn:aws:ecr:{REGION}:{ACCT}:repository/cdk-hnb659fds-container-assets-{suffix}"
    cfn_exec_arn = f"arn:aws:iam::{ACCT}:role/cdk-hnb659fds-cfn-exec-role-{suffix}"

    def cdk_trust(*extra_accounts: str) -> dict[str, Any]:
        statements = [
            trust({"AWS": f"arn:aws:iam::{ACCT}:root"}, "sts:TagSession"),
            trust({"AWS": f"arn:aws:iam::{ACCT}:root"}),
        ]
        statements += [trust({"AWS": f"arn:aws:iam::{a}:root"}) for a in extra_accounts]
        return doc(*statements)

    deploy = doc(
        {
            "Sid": "CloudFormationPermissions",
            "Effect": "Allow",
            "Action": [
                "cloudformation:CreateChangeSet",
                "cloudformation:DeleteChangeSet",
                "cloudformation:DescribeChangeSet",
                "cloudformation:DescribeStacks",
                "cloudformation:ExecuteChangeSet",
                "cloudformation:CreateStack",
                "cloudformation:UpdateStack",
                "cloudformation:RollbackStack",
                "cloudformation:ContinueUpdateRollback",
            ],
            "Resource": "*",
        },
        {
            "Sid": "PipelineCrossAccountArtifactsBucket",
            "Effect": "Allow",
            "Action": [
                "s3:GetObject*",
                "s3:GetBucket*",
                "s3:List*",
                "s3:Abort*",
                "s3:DeleteObject*",
                "s3:PutObject*",
            ],
            "Resource": "*",
            "Condition": {"StringNotEquals": {"s3:ResourceAccount": ACCT}},
        },
        {
            "Sid": "PipelineCrossAccountArtifactsKey",
            "Effect": "Allow",
            "Action": [
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:Encrypt",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
            ],
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}},
        },
        {"Action": "iam:PassRole", "Resource": cfn_exec_arn, "Effect": "Allow"},
        {
            "Sid": "CliPermissions",
            "Action": [
                "cloudformation:DescribeStackEvents",
                "cloudformation:GetTemplate",
                "cloudformation:DeleteStack",
                "cloudformation:UpdateTerminationProtection",
                "sts:GetCallerIdentity",
                "cloudformation:GetTemplateSummary",
            ],
            "Resource": "*",
            "Effect": "Allow",
        },
        {
            "Sid": "CliStagingBucket",
            "Effect": "Allow",
            "Action": ["s3:GetObject*", "s3:GetBucket*", "s3:List*"],
            "Resource": [bucket, f"{bucket}/*"],
        },
        {
            "Sid": "ReadVersion",
            "Effect": "Allow",
            "Action": ["ssm:GetParameter", "ssm:GetParameters"],
            "Resource": [f"arn:aws:ssm:{REGION}:{ACCT}:parameter/cdk-bootstrap/hnb659fds/version"],
        },
    )
    file_publishing = doc(
        {
            "Action": [
                "s3:GetObject*",
                "s3:GetBucket*",
                "s3:GetEncryptionConfiguration",
                "s3:List*",
                "s3:DeleteObject*",
                "s3:PutObject*",
                "s3:Abort*",
            ],
            "Resource": [bucket, f"{bucket}/*"],
            "Condition": {"StringEquals": {"aws:ResourceAccount": [ACCT]}},
            "Effect": "Allow",
        },
        {
            "Action": [
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:Encrypt",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
            ],
            "Effect": "Allow",
            "Resource": f"arn:aws:kms:{REGION}:{ACCT}:key/AWS_MANAGED_KEY",
        },
    )
    image_publishing = doc(
        {
            "Action": [
                "ecr:PutImage",
                "ecr:InitiateLayerUpload",
                "ecr:UploadLayerPart",
                "ecr:CompleteLayerUpload",
                "ecr:BatchCheckLayerAvailability",
                "ecr:DescribeRepositories",
                "ecr:DescribeImages",
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
            ],
            "Resource": repository,
            "Effect": "Allow",
        },
        {"Action": ["ecr:GetAuthorizationToken"], "Resource": "*", "Effect": "Allow"},
    )
    lookup = doc(
        {"Sid": "DontReadSecrets", "Effect": "Deny", "Action": ["kms:Decrypt"], "Resource": "*"}
    )
    used = "2026-11-28T16:55:00Z"
    return [
        role(
            f"cdk-hnb659fds-deploy-role-{suffix}",
            cdk_trust(TOOLING),
            inline={"default": deploy},
            created=CDK_BOOTSTRAPPED,
            last_used=used,
            tags={"aws-cdk:bootstrap-role": "deploy"},
        ),
        role(
            f"cdk-hnb659fds-file-publishing-role-{suffix}",
            cdk_trust(TOOLING),
            inline={f"cdk-hnb659fds-file-publishing-role-default-policy-{suffix}": file_publishing},
            created=CDK_BOOTSTRAPPED,
            last_used=used,
            tags={"aws-cdk:bootstrap-role": "file-publishing"},
        ),
        role(
            f"cdk-hnb659fds-image-publishing-role-{suffix}",
            cdk_trust(TOOLING),
            inline={
                f"cdk-hnb659fds-image-publishing-role-default-policy-{suffix}": image_publishing
            },
            created=CDK_BOOTSTRAPPED,
            last_used=used,
            tags={"aws-cdk:bootstrap-role": "image-publishing"},
        ),
        role(
            f"cdk-hnb659fds-lookup-role-{suffix}",
            cdk_trust(TOOLING),  # TrustedAccountsForLookup empty: only the TrustedAccounts
            managed=("ReadOnlyAccess",),
            inline={"LookupRolePolicy": lookup},
            created=CDK_BOOTSTRAPPED,
            last_used=used,
            tags={"aws-cdk:bootstrap-role": "lookup"},
        ),
        role(
            f"cdk-hnb659fds-cfn-exec-role-{suffix}",
            service_trust("cloudformation.amazonaws.com"),
            managed=("AdministratorAccess",),
            created=CDK_BOOTSTRAPPED,
            last_used=used,
        ),
    ]


# Service-linked roles: IAM User Guide, "Using service-linked roles" / "AWS services that work
# with IAM" (https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html);
# the name, service principal and policy of each are on the service's own page named below.
SERVICE_LINKED = (
    # AWS Support User Guide, "Using service-linked roles for AWS Support"
    # (https://docs.aws.amazon.com/awssupport/latest/user/using-service-linked-roles-sup.html)
    ("AWSServiceRoleForSupport", "support.amazonaws.com", "AWSSupportServiceRolePolicy"),
    # AWS Support User Guide, "Using service-linked roles for Trusted Advisor"
    # (https://docs.aws.amazon.com/awssupport/latest/user/using-service-linked-roles-ta.html)
    (
        "AWSServiceRoleForTrustedAdvisor",
        "trustedadvisor.amazonaws.com",
        "AWSTrustedAdvisorServiceRolePolicy",
    ),
    # Organizations User Guide, "AWS Organizations and service-linked roles"
    # (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_integrate_services.html)
    (
        "AWSServiceRoleForOrganizations",
        "organizations.amazonaws.com",
        "AWSOrganizationsServiceTrustPolicy",
    ),
    # IAM Identity Center User Guide, "Using service-linked roles for IAM Identity Center"
    # (https://docs.aws.amazon.com/singlesignon/latest/userguide/using-service-linked-roles.html)
    ("AWSServiceRoleForSSO", "sso.amazonaws.com", "AWSSSOServiceRolePolicy"),
    # AWS Config Developer Guide, "Using Service-Linked Roles for AWS Config"
    # (https://docs.aws.amazon.com/config/latest/developerguide/using-service-linked-roles.html)
    ("AWSServiceRoleForConfig", "config.amazonaws.com", "AWSConfigServiceRolePolicy"),
    # Amazon EC2 Auto Scaling User Guide, "Service-linked roles for Amazon EC2 Auto Scaling"
    # (https://docs.aws.amazon.com/autoscaling/ec2/userguide/autoscaling-service-linked-role.html)
    ("AWSServiceRoleForAutoScaling", "autoscaling.amazonaws.com", "AutoScalingServiceRolePolicy"),
    # Elastic Load Balancing User Guide, "Elastic Load Balancing service-linked role"
    # (https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/
    # elb-service-linked-roles.html)
    (
        "AWSServiceRoleForElasticLoadBalancing",
        "elasticloadbalancing.amazonaws.com",
        "AWSElasticLoadBalancingServiceRolePolicy",
    ),
    # Amazon GuardDuty User Guide, "Service-linked role permissions for GuardDuty"
    # (https://docs.aws.amazon.com/guardduty/latest/ug/slr-permissions.html)
    (
        "AWSServiceRoleForAmazonGuardDuty",
        "guardduty.amazonaws.com",
        "AmazonGuardDutyServiceRolePolicy",
    ),
    # AWS Security Hub User Guide, "Service-linked role for Security Hub"
    # (https://docs.aws.amazon.com/securityhub/latest/userguide/using-service-linked-roles.html)
    (
        "AWSServiceRoleForSecurityHub",
        "securityhub.amazonaws.com",
        "AWSSecurityHubServiceRolePolicy",
    ),
    # IAM User Guide, "Using service-linked roles for AWS Identity and Access Management Access
    # Analyzer" (https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-using-service-
    # linked-roles.html)
    (
        "AWSServiceRoleForAccessAnalyzer",
        "access-analyzer.amazonaws.com",
        "AccessAnalyzerServiceRolePolicy",
    ),
    # CloudFormation User Guide, "Activate trusted access with AWS Organizations": service-
    # managed stack sets create AWSServiceRoleForCloudFormationStackSetsOrgMember in targets.
    (
        "AWSServiceRoleForCloudFormationStackSetsOrgMember",
        "member.org.stacksets.cloudformation.amazonaws.com",
        "CloudFormationStackSetsOrgMemberServiceRolePolicy",
    ),
    # Amazon ECS Developer Guide, "Using service-linked roles for Amazon ECS"
    # (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using-service-linked-roles.html)
    ("AWSServiceRoleForECS", "ecs.amazonaws.com", "AmazonECSServiceRolePolicy"),
)


def service_linked_roles() -> list[dict[str, Any]]:
    never_used = {"AWSServiceRoleForSupport", "AWSServiceRoleForTrustedAdvisor"}
    return [
        role(
            name,
            service_trust(service),
            path=f"/aws-service-role/{service}/",
            managed=(policy,),
            created=ACCOUNT_CREATED if name != "AWSServiceRoleForECS" else CONSOLE_DAY,
            last_used=None if name in never_used else "2026-11-29T06:00:00Z",
        )
        for name, service, policy in SERVICE_LINKED
    ]


def console_roles() -> list[dict[str, Any]]:
    lambda_name = "orders-api-handler-role-x1y2z3w4"
    return [
        # Amazon ECS Developer Guide, "Amazon ECS task execution IAM role"
        # (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/
        # task_execution_IAM_role.html): ecsTaskExecutionRole, ecs-tasks.amazonaws.com,
        # AmazonECSTaskExecutionRolePolicy.
        role(
            "ecsTaskExecutionRole",
            doc(trust({"Service": "ecs-tasks.amazonaws.com"}, Sid="")),
            managed=("AmazonECSTaskExecutionRolePolicy",),
            created=CONSOLE_DAY,
            last_used="2026-11-29T07:30:00Z",
        ),
        # AWS Elastic Beanstalk Developer Guide, "Managing Elastic Beanstalk instance profiles"
        # (https://docs.aws.amazon.com/elasticbeanstalk/latest/dg/iam-instanceprofile.html):
        # aws-elasticbeanstalk-ec2-role with the WebTier, WorkerTier and MulticontainerDocker
        # policies, and an instance profile of the same name.
        role(
            "aws-elasticbeanstalk-ec2-role",
            service_trust("ec2.amazonaws.com"),
            managed=(
                "AWSElasticBeanstalkWebTier",
                "AWSElasticBeanstalkWorkerTier",
                "AWSElasticBeanstalkMulticontainerDocker",
            ),
            created=CONSOLE_DAY,
            last_used="2026-11-29T11:00:00Z",
            instance_profile=True,
        ),
        # Elastic Beanstalk Developer Guide, "Managing Elastic Beanstalk service roles"
        # (https://docs.aws.amazon.com/elasticbeanstalk/latest/dg/iam-servicerole.html):
        # trusts elasticbeanstalk.amazonaws.com with sts:ExternalId "elasticbeanstalk";
        # AWSElasticBeanstalkEnhancedHealth and AWSElasticBeanstalkManagedUpdatesCustomerRolePolicy.
        role(
            "aws-elasticbeanstalk-service-role",
            service_trust(
                "elasticbeanstalk.amazonaws.com",
                Condition={"StringEquals": {"sts:ExternalId": "elasticbeanstalk"}},
            ),
            managed=(
                "AWSElasticBeanstalkEnhancedHealth",
                "AWSElasticBeanstalkManagedUpdatesCustomerRolePolicy",
            ),
            created=CONSOLE_DAY,
            last_used="2026-11-29T05:00:00Z",
        ),
        # AWS Systems Manager User Guide, "Quick Setup" host management
        # (https://docs.aws.amazon.com/systems-manager/latest/userguide/
        # quick-setup-host-management.html): AmazonSSMRoleForInstancesQuickSetup, an EC2
        # instance role with AmazonSSMManagedInstanceCore and AmazonSSMPatchAssociation.
        role(
            "AmazonSSMRoleForInstancesQuickSetup",
            service_trust("ec2.amazonaws.com"),
            managed=("AmazonSSMManagedInstanceCore", "AmazonSSMPatchAssociation"),
            created=CONSOLE_DAY,
            last_used="2026-11-29T11:30:00Z",
            instance_profile=True,
        ),
        # AWS Lambda Developer Guide, "Defining Lambda function permissions with an execution
        # role" (https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html):
        # the console's <function>-role-<random> under /service-role/, lambda.amazonaws.com,
        # AWSLambdaBasicExecutionRole.
        role(
            lambda_name,
            service_trust("lambda.amazonaws.com"),
            path="/service-role/",
            managed=("AWSLambdaBasicExecutionRole",),
            created="2025-02-20T09:00:00Z",
            last_used="2026-11-29T11:45:00Z",
        ),
        # Amazon RDS User Guide, "Setting up and enabling Enhanced Monitoring"
        # (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Monitoring.OS.Enabling.html):
        # the console's rds-monitoring-role, monitoring.rds.amazonaws.com,
        # AmazonRDSEnhancedMonitoringRole.
        role(
            "rds-monitoring-role",
            service_trust("monitoring.rds.amazonaws.com"),
            managed=("AmazonRDSEnhancedMonitoringRole",),
            created="2025-01-08T15:00:00Z",
            last_used="2026-11-29T11:58:00Z",
        ),
    ]


def all_roles() -> list[dict[str, Any]]:
    return [
        *control_tower_roles(),
        *organizations_roles(),
        *identity_center_roles(),
        *cdk_roles(),
        *service_linked_roles(),
        *console_roles(),
    ]


# --- the users ------------------------------------------------------------------------------------

# IAM User Guide, "Root user best practices" / AWS Security Incident Response Guide, "Break glass
# access": one emergency IAM user with AdministratorAccess, a console password and MFA, tested
# quarterly. The CI user holds one access key and may only assume the CDK bootstrap roles
# (CDK Developer Guide, "Bootstrapping": the roles "are assumed by the AWS CDK CLI").
BREAK_GLASS = "breakglass-admin"
CI_USER = "github-ci-deployer"


def users() -> list[dict[str, Any]]:
    def user(name: str, created: str, **extra: Any) -> dict[str, Any]:
        entry = {
            "Path": "/",
            "UserName": name,
            "UserId": unique_id("AIDA", name),
            "Arn": f"arn:aws:iam::{ACCT}:user/{name}",
            "CreateDate": created,
            "UserPolicyList": [],
            "GroupList": [],
            "AttachedManagedPolicies": [],
            "Tags": [],
        }
        entry.update(extra)
        return entry

    ci_policy = doc(
        {
            "Sid": "AssumeCdkBootstrapRoles",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": f"arn:aws:iam::{ACCT}:role/cdk-hnb659fds-*-role-{ACCT}-*",
        }
    )
    return [
        user(
            BREAK_GLASS,
            "2024-03-06T10:00:00Z",
            AttachedManagedPolicies=[
                {
                    "PolicyName": "AdministratorAccess",
                    "PolicyArn": managed_arn("AdministratorAccess"),
                }
            ],
            Tags=[{"Key": "purpose", "Value": "break-glass"}],
        ),
        user(
            CI_USER,
            "2025-09-16T10:40:00Z",
            UserPolicyList=[{"PolicyName": "assume-cdk-roles", "PolicyDocument": ci_policy}],
        ),
    ]


def managed_policies(roles: list[dict[str, Any]], users_: list[dict[str, Any]]) -> list[dict]:
    """The Policies list: every AWS-managed policy attached somewhere, as GAAD lists it."""
    counts = attachment_counts((*roles, *users_), "PolicyName")
    return [
        policy_entry(
            name,
            managed_arn(name),
            policy_id=unique_id("ANPA", "aws-managed-" + name),
            version=aws_managed_version(name),
            attachments=counts[name],
        )
        for name in sorted(counts)
    ]


def gaad() -> dict[str, Any]:
    roles = all_roles()
    users_ = users()
    return {
        "UserDetailList": users_,
        "GroupDetailList": [],
        "RoleDetailList": roles,
        "Policies": managed_policies(roles, users_),
    }


# --- the credential report ------------------------------------------------------------------------

# The credential report's columns, in AWS's order: the loader's own list.


def credential_report() -> str:
    # IAM User Guide, "Generate credential reports for your AWS account"
    # (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html).
    # The root user of an account created by Organizations has no password, keys or MFA
    # (Organizations User Guide, "Accessing the root user of a member account").
    none_key = ["false", "N/A", "N/A", "N/A", "N/A"]
    rows = [
        [
            "<root_account>",
            f"arn:aws:iam::{ACCT}:root",
            "2024-03-04T09:12:33+00:00",
            "not_supported",
            "no_information",
            "not_supported",
            "not_supported",
            "false",
            *none_key,
            *none_key,
            "false",
            "N/A",
            "false",
            "N/A",
        ],
        [
            BREAK_GLASS,
            f"arn:aws:iam::{ACCT}:user/{BREAK_GLASS}",
            "2024-03-06T10:00:00+00:00",
            "true",
            "2026-10-30T09:15:00+00:00",  # the quarterly break-glass test
            "2024-03-06T10:05:00+00:00",
            "N/A",
            "true",
            *none_key,
            *none_key,
            "false",
            "N/A",
            "false",
            "N/A",
        ],
        [
            CI_USER,
            f"arn:aws:iam::{ACCT}:user/{CI_USER}",
            "2025-09-16T10:40:00+00:00",
            "false",
            "N/A",
            "N/A",
            "N/A",
            "false",
            "true",
            "2026-09-30T08:00:00+00:00",
            "2026-11-28T16:54:00+00:00",
            "us-east-1",
            "sts",
            *none_key,
            "false",
            "N/A",
            "false",
            "N/A",
        ],
    ]
    return report_csv(rows)


def render() -> dict[str, str]:
    """File name -> the text written to tests/data/landing_zone/."""
    return {
        GAAD_FILE: json.dumps(gaad(), indent=1, sort_keys=True) + "\n",
        CREDENTIAL_REPORT_FILE: credential_report(),
    }


def main() -> None:
    write_fixtures(render, OUTPUT_DIR, MOTO_VERSION)


if __name__ == "__main__":
    main()
