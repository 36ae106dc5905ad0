"""Build tests/data/small_company/: the IAM-users-era account of a 40-person software company.

``gaad.json`` is what `aws iam get-account-authorization-details` returns for the one AWS
account (111122223333) of a small software company that set up IAM the way the IAM User Guide's
tutorials and example policies show, before IAM Identity Center: people are IAM users in the
groups Admins, Developers, ReadOnly and Billing; the developers' group forces MFA with the
User Guide's self-manage-MFA example; a break-glass administrator; machine users for Terraform
CI, a deploy bot and SES SMTP; GitHub Actions OIDC roles (one scoped as the User Guide shows,
two not); a vendor's cross-account role with an external id and one without; an EC2 instance
role reading and writing one bucket; Lambda execution roles; the service-linked roles AWS
creates. ``credential_report.csv`` is the matching `aws iam get-credential-report` (decoded):
console users with and without MFA, an administrator without MFA, access keys old and fresh,
used and never used, and a root user with MFA and no keys.

Two things are the deliberate mistakes such an account often has: the Terraform CI user may do
anything IAM allows to roles and policies named app-* (the User Guide's delegation example
scopes this with a permissions boundary; this policy dropped it), and one GitHub Actions role
trusts every repository (no ``:sub`` condition).

Every policy and role is written from the AWS page cited beside it (AWS's example policies
transcribed, with this account's names filled in). The AWS-managed policies' documents are the
ones moto (the AWS mock library installed in the venv) ships in moto/iam/aws_managed_policies.py,
a copy of AWS's published versions (``MOTO_VERSION`` records the copy used).

Ids are derived from the names and dates are fixed (relative to the tests' clock,
tests/factories.py NOW = 2026-11-29T12:00:00Z), so the files are the same on every run.

Run ``.venv/bin/python tests/data/build_small_company_gaad.py`` after changing this file;
tests/unit/test_small_company_account.py checks the files match it.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any

# The sibling module, whether this runs as a script or is loaded by path from a test.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from gaad_fixtures import (
    attachment_counts,
    aws_managed_version,
    moto_managed,
    policy_entry,
    report_csv,
    role_entry,
    unique_id,
    write_fixtures,
)

OUTPUT_DIR = Path(__file__).with_name("small_company")
GAAD_FILE = "gaad.json"
CREDENTIAL_REPORT_FILE = "credential_report.csv"
MOTO_VERSION = "5.2.6"

ACCT = "111122223333"
REGION = "us-east-1"
SCANNER_VENDOR = "444455556666"  # a security-posture SaaS: gives each customer an external id
COST_VENDOR = "777788889999"  # a cost-reporting SaaS whose setup guide asks for no external id
SCANNER_EXTERNAL_ID = "acme-co-7f3c9b2e4d1a"
GITHUB_ORG = "acme-co"
OIDC_PROVIDER_ARN = f"arn:aws:iam::{ACCT}:oidc-provider/token.actions.githubusercontent.com"

ACCOUNT_CREATED = "2022-03-10T16:02:11Z"
IAM_SET_UP = "2022-03-14T10:30:00Z"  # the first admin followed the "first IAM user" tutorial
RECENT = "2026-11-29T06:00:00Z"

# Buckets: the web app's uploads (EC2 instances read and write it), the static site GitHub
# Actions deploys, the Lambda thumbnailer's output, CI build artefacts.
UPLOADS = "acme-webapp-uploads"
SITE = "acme-co-www"
THUMBNAILS = "acme-webapp-thumbnails"
ARTIFACTS = "acme-ci-artifacts"
DISTRIBUTION = f"arn:aws:cloudfront::{ACCT}:distribution/E2QWRUHEXAMPLE"

# Names the tests use.
ADMINS, DEVELOPERS, READ_ONLY, BILLING = "Admins", "Developers", "ReadOnly", "Billing"
FORCE_MFA = "Force_MFA"
SELF_MANAGE = "SelfManageCredentialsWithMFA"
TERRAFORM_POLICY = "terraform-ci-app-iam"
APP_S3_POLICY = "app-web-uploads-access"
BREAK_GLASS = "breakglass-admin"
TERRAFORM = "terraform-ci"
DEPLOY_BOT = "deploy-bot"
SES_USER = "ses-smtp-user.20240315-101500"
GHA_DEPLOY = "github-actions-deploy-www"
GHA_PLAN = "github-actions-terraform-plan"
GHA_LEGACY = "github-actions-legacy-ci"
SCANNER_ROLE = "SecureScanAuditRole"
COST_ROLE = "CostInsightsReadOnly"
EC2_ROLE = "app-web-ec2-role"
THUMBNAILER = "image-thumbnailer-role-k2j4h6g8"
ALERTS = "slack-alerts-role-p9q8r7s6"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any, sid: str = "", **extra: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": action, "Resource": resource}
    if sid:
        statement = {"Sid": sid, **statement}
    statement.update(extra)
    return statement


def service_trust(service: str) -> dict[str, Any]:
    return doc({"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"})


def role_arn(name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{ACCT}:role{path}{name}"


def user_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCT}:user/{name}"


@functools.cache
def managed_arn(name: str) -> str:
    return f"arn:aws:iam::aws:policy{moto_managed()[name]['Path']}{name}"


def customer_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCT}:policy/{name}"


# --- customer-managed policies --------------------------------------------------------------------

OWN_USER = "arn:aws:iam::*:user/${aws:username}"


def force_mfa() -> dict[str, Any]:
    """IAM User Guide, "IAM: Allows IAM users to self-manage an MFA device"
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_iam_mfa-
    selfmanage.html), under the name "IAM tutorial: Enable your users to configure their own
    credentials and MFA settings" (.../tutorial_users-self-manage-mfa-and-creds.html) gives its
    MFA-enforcing policy, Force_MFA."""
    return doc(
        allow(["iam:ListUsers", "iam:ListVirtualMFADevices"], "*", "AllowListActions"),
        allow(
            ["iam:CreateVirtualMFADevice"],
            "arn:aws:iam::*:mfa/*",
            "AllowUserToCreateVirtualMFADevice",
        ),
        allow(
            [
                "iam:EnableMFADevice",
                "iam:GetMFADevice",
                "iam:ListMFADevices",
                "iam:ResyncMFADevice",
            ],
            OWN_USER,
            "AllowUserToManageTheirOwnMFA",
        ),
        allow(
            ["iam:DeactivateMFADevice"],
            [OWN_USER],
            "AllowUserToDeactivateTheirOwnMFAOnlyWhenUsingMFA",
            Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        ),
        {
            "Sid": "BlockMostAccessUnlessSignedInWithMFA",
            "Effect": "Deny",
            "NotAction": [
                "iam:CreateVirtualMFADevice",
                "iam:EnableMFADevice",
                "iam:ListMFADevices",
                "iam:ListUsers",
                "iam:ListVirtualMFADevices",
                "iam:ResyncMFADevice",
            ],
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        },
    )


def self_manage_credentials() -> dict[str, Any]:
    """IAM User Guide, "AWS: Allows MFA-authenticated IAM users to manage their own credentials
    on the Security credentials page" (https://docs.aws.amazon.com/IAM/latest/UserGuide/
    reference_policies_examples_aws_my-sec-creds-self-manage.html)."""
    return doc(
        allow(
            [
                "iam:GetAccountPasswordPolicy",
                "iam:GetAccountSummary",
                "iam:ListVirtualMFADevices",
            ],
            "*",
            "AllowViewAccountInfo",
        ),
        allow(["iam:ChangePassword", "iam:GetUser"], OWN_USER, "AllowManageOwnPasswords"),
        allow(
            [
                "iam:CreateAccessKey",
                "iam:DeleteAccessKey",
                "iam:ListAccessKeys",
                "iam:UpdateAccessKey",
            ],
            OWN_USER,
            "AllowManageOwnAccessKeys",
        ),
        allow(
            [
                "iam:DeleteSigningCertificate",
                "iam:ListSigningCertificates",
                "iam:UpdateSigningCertificate",
                "iam:UploadSigningCertificate",
            ],
            OWN_USER,
            "AllowManageOwnSigningCertificates",
        ),
        allow(
            [
                "iam:DeleteSSHPublicKey",
                "iam:GetSSHPublicKey",
                "iam:ListSSHPublicKeys",
                "iam:UpdateSSHPublicKey",
                "iam:UploadSSHPublicKey",
            ],
            OWN_USER,
            "AllowManageOwnSSHPublicKeys",
        ),
        allow(
            [
                "iam:CreateServiceSpecificCredential",
                "iam:DeleteServiceSpecificCredential",
                "iam:ListServiceSpecificCredentials",
                "iam:ResetServiceSpecificCredential",
                "iam:UpdateServiceSpecificCredential",
            ],
            OWN_USER,
            "AllowManageOwnGitCredentials",
        ),
        allow(
            ["iam:CreateVirtualMFADevice", "iam:DeleteVirtualMFADevice"],
            "arn:aws:iam::*:mfa/${aws:username}",
            "AllowManageOwnVirtualMFADevice",
        ),
        allow(
            [
                "iam:DeactivateMFADevice",
                "iam:EnableMFADevice",
                "iam:ListMFADevices",
                "iam:ResyncMFADevice",
            ],
            OWN_USER,
            "AllowManageOwnUserMFA",
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
    )


def terraform_app_iam() -> dict[str, Any]:
    """The Terraform CI user's IAM rights. IAM User Guide, "Permissions boundaries for IAM
    entities" (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html,
    "Delegating responsibility to others using permissions boundaries") lets a delegate create
    and manage roles only with the boundary attached (iam:PermissionsBoundary condition); this
    account kept the name prefix (role/app-*, policy/app-*) and dropped the boundary, and lets
    the CI pass any role to the services it deploys (the Lambda roles live under
    /service-role/)."""
    return doc(
        allow(
            "iam:*",
            [
                f"arn:aws:iam::{ACCT}:role/app-*",
                f"arn:aws:iam::{ACCT}:policy/app-*",
                f"arn:aws:iam::{ACCT}:instance-profile/app-*",
            ],
            "ManageAppRolesAndPolicies",
        ),
        allow("iam:PassRole", f"arn:aws:iam::{ACCT}:role/*", "PassRolesToServices"),
        allow(
            ["iam:ListRoles", "iam:ListPolicies", "iam:ListInstanceProfiles"],
            "*",
            "ListForPlanning",
        ),
    )


def app_web_s3() -> dict[str, Any]:
    """IAM User Guide, "Amazon S3: Allows read and write access to objects in an S3 Bucket"
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_s3_rw-
    bucket.html), for the uploads bucket."""
    return doc(
        allow(["s3:ListBucket"], [f"arn:aws:s3:::{UPLOADS}"], "ListObjectsInBucket"),
        allow("s3:*Object", [f"arn:aws:s3:::{UPLOADS}/*"], "AllObjectActions"),
    )


def customer_policies() -> dict[str, dict[str, Any]]:
    return {
        FORCE_MFA: force_mfa(),
        SELF_MANAGE: self_manage_credentials(),
        TERRAFORM_POLICY: terraform_app_iam(),
        APP_S3_POLICY: app_web_s3(),
    }


POLICIES_CREATED = {
    FORCE_MFA: IAM_SET_UP,
    SELF_MANAGE: "2024-07-08T09:00:00Z",
    TERRAFORM_POLICY: "2023-03-01T14:00:00Z",
    APP_S3_POLICY: "2023-03-02T10:00:00Z",
}


def attached(*names: str) -> list[dict[str, str]]:
    custom = customer_policies()
    return [
        {"PolicyName": n, "PolicyArn": customer_arn(n) if n in custom else managed_arn(n)}
        for n in names
    ]


# --- groups ---------------------------------------------------------------------------------------


def groups() -> list[dict[str, Any]]:
    def group(name: str, *policies: str) -> dict[str, Any]:
        return {
            "Path": "/",
            "GroupName": name,
            "GroupId": unique_id("AGPA", name),
            "Arn": f"arn:aws:iam::{ACCT}:group/{name}",
            "CreateDate": IAM_SET_UP,
            "GroupPolicyList": [],
            "AttachedManagedPolicies": attached(*policies),
        }

    return [
        # IAM User Guide, "Create your first IAM admin user and user group" / "Set up an IAM
        # admin user group" (https://docs.aws.amazon.com/IAM/latest/UserGuide/
        # getting-started-account-iam.html): the Admins group with AdministratorAccess.
        group(ADMINS, "AdministratorAccess"),
        # IAM User Guide, "AWS managed policies for job functions" (https://docs.aws.amazon.com/
        # IAM/latest/UserGuide/access_policies_job-functions.html): "Developer power user" is
        # PowerUserAccess; Force_MFA as in the self-manage-MFA tutorial cited above.
        group(DEVELOPERS, "PowerUserAccess", FORCE_MFA),
        # The same page's "View-only user" alternative most small companies pick instead:
        # ReadOnlyAccess for support engineers and the occasional auditor.
        group(READ_ONLY, "ReadOnlyAccess"),
        # The same page, "Billing": the job-function/Billing policy; "IAM tutorial: Delegate
        # access to the billing console" (.../tutorial_billing.html).
        group(BILLING, "Billing"),
    ]


# --- roles ----------------------------------------------------------------------------------------


def role(
    name: str,
    trust_policy: dict[str, Any],
    *,
    path: str = "/",
    policies: tuple[str, ...] = (),
    inline: dict[str, dict[str, Any]] | None = None,
    created: str = "2023-03-02T10:00:00Z",
    last_used: str | None = RECENT,
    instance_profile: bool = False,
    description: str = "",
) -> dict[str, Any]:
    custom = customer_policies()
    return role_entry(
        ACCT,
        name,
        trust_policy,
        created=created,
        path=path,
        attached=[(p, customer_arn(p) if p in custom else managed_arn(p)) for p in policies],
        inline=inline,
        last_used=last_used,
        region=REGION,
        instance_profile=instance_profile,
        description=description,
    )


def github_trust(subject_operator: str | None, subject: str | None) -> dict[str, Any]:
    """IAM User Guide, "Create a role for OpenID Connect federation (console)" / "Configuring a
    role for GitHub OIDC identity provider" (https://docs.aws.amazon.com/IAM/latest/UserGuide/
    id_roles_create_for-idp_oidc.html#idp_oidc_Create_GitHub): aud sts.amazonaws.com, and the
    sub condition naming the repository and branch."""
    condition: dict[str, Any] = {
        "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
    }
    if subject_operator and subject:
        key = "token.actions.githubusercontent.com:sub"
        condition.setdefault(subject_operator, {})[key] = subject
    return doc(
        {
            "Effect": "Allow",
            "Principal": {"Federated": OIDC_PROVIDER_ARN},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": condition,
        }
    )


def github_roles() -> list[dict[str, Any]]:
    site = f"arn:aws:s3:::{SITE}"
    return [
        # Scoped as the User Guide shows: one repository, its main branch.
        role(
            GHA_DEPLOY,
            github_trust("StringEquals", f"repo:{GITHUB_ORG}/www:ref:refs/heads/main"),
            inline={
                "deploy-static-site": doc(
                    allow("s3:ListBucket", site, "ListSite"),
                    allow(["s3:PutObject", "s3:DeleteObject"], f"{site}/*", "WriteSite"),
                    allow("cloudfront:CreateInvalidation", DISTRIBUTION, "InvalidateCache"),
                )
            },
            created="2024-05-20T11:00:00Z",
        ),
        # Terraform plan on pull requests from any repository of the organization: StringLike
        # repo:acme-co/* (the User Guide's page allows a wildcard in the sub's value).
        role(
            GHA_PLAN,
            github_trust("StringLike", f"repo:{GITHUB_ORG}/*"),
            policies=("ReadOnlyAccess",),
            created="2024-05-20T11:05:00Z",
        ),
        # The first OIDC role, made before the sub condition was understood: aud only, so any
        # GitHub Actions workflow of any owner can assume it.
        role(
            GHA_LEGACY,
            github_trust(None, None),
            inline={
                "upload-build-artifacts": doc(
                    allow("s3:ListBucket", f"arn:aws:s3:::{ARTIFACTS}"),
                    allow(["s3:GetObject", "s3:PutObject"], f"arn:aws:s3:::{ARTIFACTS}/*"),
                )
            },
            created="2023-11-02T15:30:00Z",
            last_used="2026-11-27T18:00:00Z",
        ),
    ]


def vendor_roles() -> list[dict[str, Any]]:
    return [
        # IAM User Guide, "Access to AWS accounts owned by third parties" and "How to use an
        # external ID when granting access to your AWS resources to a third party"
        # (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-
        # party.html, .../id_roles_create_for-user_externalid.html): the vendor's account as
        # principal, sts:ExternalId the vendor gave; SecurityAudit for a posture scanner.
        role(
            SCANNER_ROLE,
            doc(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{SCANNER_VENDOR}:root"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"sts:ExternalId": SCANNER_EXTERNAL_ID}},
                }
            ),
            policies=("SecurityAudit",),
            created="2025-02-11T09:00:00Z",
        ),
        # The same pages' counter-example: a cost vendor's role trusting its account with no
        # external id (the confused-deputy problem the external-id page describes).
        role(
            COST_ROLE,
            doc(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{COST_VENDOR}:root"},
                    "Action": "sts:AssumeRole",
                }
            ),
            policies=("ReadOnlyAccess",),
            created="2023-08-15T13:00:00Z",
            last_used="2026-11-29T01:00:00Z",
        ),
    ]


def workload_roles() -> list[dict[str, Any]]:
    return [
        # IAM User Guide, "Use an IAM role to grant permissions to applications running on
        # Amazon EC2 instances" (https://docs.aws.amazon.com/IAM/latest/UserGuide/
        # id_roles_use_switch-role-ec2.html): ec2.amazonaws.com, an instance profile of the same
        # name; the web servers read and write the uploads bucket only (app_web_s3 above).
        role(
            EC2_ROLE,
            service_trust("ec2.amazonaws.com"),
            policies=(APP_S3_POLICY,),
            instance_profile=True,
        ),
        # AWS Lambda Developer Guide, "Defining Lambda function permissions with an execution
        # role" (https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html):
        # the console's <function>-role-<random> under /service-role/ with
        # AWSLambdaBasicExecutionRole; "Tutorial: Using an Amazon S3 trigger to create thumbnail
        # images" (https://docs.aws.amazon.com/lambda/latest/dg/with-s3-tutorial.html) adds
        # s3:GetObject on the source bucket and s3:PutObject on the destination.
        role(
            THUMBNAILER,
            service_trust("lambda.amazonaws.com"),
            path="/service-role/",
            policies=("AWSLambdaBasicExecutionRole",),
            inline={
                "thumbnails-s3": doc(
                    allow("s3:GetObject", f"arn:aws:s3:::{UPLOADS}/*"),
                    allow("s3:PutObject", f"arn:aws:s3:::{THUMBNAILS}/*"),
                )
            },
            created="2024-01-22T14:00:00Z",
        ),
        role(
            ALERTS,
            service_trust("lambda.amazonaws.com"),
            path="/service-role/",
            policies=("AWSLambdaBasicExecutionRole",),
            created="2024-09-03T16:00:00Z",
        ),
    ]


# Service-linked roles: IAM User Guide, "Create a service-linked role"
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create-service-linked-role.html);
# each name, service principal and policy is on the service's own page named beside it.
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
    # Elastic Load Balancing User Guide, "Elastic Load Balancing service-linked role"
    # (https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/
    # elb-service-linked-roles.html)
    (
        "AWSServiceRoleForElasticLoadBalancing",
        "elasticloadbalancing.amazonaws.com",
        "AWSElasticLoadBalancingServiceRolePolicy",
    ),
    # Amazon EC2 Auto Scaling User Guide, "Service-linked roles for Amazon EC2 Auto Scaling"
    # (https://docs.aws.amazon.com/autoscaling/ec2/userguide/autoscaling-service-linked-role.html)
    ("AWSServiceRoleForAutoScaling", "autoscaling.amazonaws.com", "AutoScalingServiceRolePolicy"),
    # Amazon RDS User Guide, "Using service-linked roles for Amazon RDS"
    # (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAM.ServiceLinkedRoles.html)
    ("AWSServiceRoleForRDS", "rds.amazonaws.com", "AmazonRDSServiceRolePolicy"),
    # AWS Systems Manager User Guide, "Using roles to collect inventory and view OpsData"
    # (https://docs.aws.amazon.com/systems-manager/latest/userguide/using-service-linked-roles-
    # service-action-1.html)
    ("AWSServiceRoleForAmazonSSM", "ssm.amazonaws.com", "AmazonSSMServiceRolePolicy"),
)


def service_linked_roles() -> list[dict[str, Any]]:
    never_used = {"AWSServiceRoleForSupport", "AWSServiceRoleForTrustedAdvisor"}
    return [
        role(
            name,
            service_trust(service),
            path=f"/aws-service-role/{service}/",
            policies=(policy,),
            created="2022-06-01T12:00:00Z",
            last_used=None if name in never_used else RECENT,
        )
        for name, service, policy in SERVICE_LINKED
    ]


def all_roles() -> list[dict[str, Any]]:
    return [*github_roles(), *vendor_roles(), *workload_roles(), *service_linked_roles()]


# --- users ----------------------------------------------------------------------------------------

# The people: name -> (created, groups). Their credentials are in credential_report() below.
PEOPLE: dict[str, tuple[str, tuple[str, ...]]] = {
    "alice.nguyen": ("2022-03-14T10:45:00Z", (ADMINS,)),  # CTO, MFA
    "bob.martin": ("2022-03-14T10:50:00Z", (ADMINS,)),  # ops lead, no MFA, a CLI key
    "carol.diaz": ("2023-01-09T09:00:00Z", (DEVELOPERS,)),  # key rotated last month
    "dan.okafor": ("2022-05-02T09:00:00Z", (DEVELOPERS,)),  # key from 2025, used daily
    "erin.walsh": ("2026-11-16T09:00:00Z", (DEVELOPERS,)),  # new hire, MFA not enrolled yet
    "frank.li": ("2023-06-12T09:00:00Z", (DEVELOPERS,)),  # made a key in June, never used it
    "grace.kim": ("2024-02-05T09:00:00Z", (DEVELOPERS,)),  # console only
    "heidi.support": ("2023-09-01T09:00:00Z", (READ_ONLY,)),
    "ivan.contractor": ("2024-04-01T09:00:00Z", (READ_ONLY,)),  # contract ended in May
    "judy.finance": ("2023-02-20T09:00:00Z", (BILLING,)),
    "ken.accounts": ("2025-08-11T09:00:00Z", (BILLING,)),  # no MFA
}


def users() -> list[dict[str, Any]]:
    def user(name: str, created: str, **extra: Any) -> dict[str, Any]:
        entry = {
            "Path": "/",
            "UserName": name,
            "UserId": unique_id("AIDA", name),
            "Arn": user_arn(name),
            "CreateDate": created,
            "UserPolicyList": [],
            "GroupList": [],
            "AttachedManagedPolicies": [],
            "Tags": [],
        }
        entry.update(extra)
        return entry

    people = [
        user(name, created, GroupList=list(groups_)) for name, (created, groups_) in PEOPLE.items()
    ]
    return [
        *people,
        # IAM User Guide, "Root user best practices for your AWS account" / AWS Security Incident
        # Response Guide, "Break glass access": an emergency administrator outside the groups,
        # AdministratorAccess attached, a password in the safe and MFA, tested each quarter.
        user(
            BREAK_GLASS,
            "2022-03-14T11:00:00Z",
            AttachedManagedPolicies=attached("AdministratorAccess"),
            Tags=[{"Key": "purpose", "Value": "break-glass"}],
        ),
        # Terraform in CI with a long-lived key: PowerUserAccess for what it deploys and the app
        # IAM policy above.
        user(
            TERRAFORM,
            "2023-03-01T14:00:00Z",
            AttachedManagedPolicies=attached("PowerUserAccess", TERRAFORM_POLICY),
        ),
        # A deploy bot given only the Security-credentials self-management policy (to rotate its
        # own key): without an MFA session its key may do nothing else.
        user(DEPLOY_BOT, "2024-07-08T09:00:00Z", AttachedManagedPolicies=attached(SELF_MANAGE)),
        # Amazon SES Developer Guide, "Obtaining Amazon SES SMTP credentials"
        # (https://docs.aws.amazon.com/ses/latest/dg/smtp-credentials.html): the console creates
        # ses-smtp-user.<date-time> with the inline policy AmazonSesSendingAccess.
        user(
            SES_USER,
            "2024-03-15T10:15:00Z",
            UserPolicyList=[
                {
                    "PolicyName": "AmazonSesSendingAccess",
                    "PolicyDocument": doc(allow("ses:SendRawEmail", "*")),
                }
            ],
        ),
    ]


# --- the Policies list ----------------------------------------------------------------------------


def managed_policies(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every managed policy attached somewhere, as GAAD lists it."""
    counts = attachment_counts(entities, "PolicyArn")
    custom = customer_policies()
    result = []
    for arn in sorted(counts):
        name = arn.rsplit("/", 1)[1]
        if arn.startswith("arn:aws:iam::aws:"):
            version = aws_managed_version(name)
        else:
            created = POLICIES_CREATED[name]
            version = ("/", custom[name], "v1", created, created)
        policy_id = unique_id("ANPA", "managed-" + arn)
        result.append(
            policy_entry(name, arn, policy_id=policy_id, version=version, attachments=counts[arn])
        )
    return result


def gaad() -> dict[str, Any]:
    roles, users_, groups_ = all_roles(), users(), groups()
    return {
        "UserDetailList": users_,
        "GroupDetailList": groups_,
        "RoleDetailList": roles,
        "Policies": managed_policies([*roles, *users_, *groups_]),
    }


# --- the credential report ------------------------------------------------------------------------

NO_KEY = ("false", "N/A", "N/A", "N/A", "N/A")


def key(rotated: str, used: str | None, service: str = "", region: str = REGION) -> tuple:
    """An active key slot: last rotated, last used (None: never) with its region and service."""
    if used is None:
        return ("true", rotated, "N/A", "N/A", "N/A")
    return ("true", rotated, used, region, service)


def row(
    name: str,
    created: str,
    *,
    password_used: str | None = None,
    password_changed: str | None = None,
    mfa: bool = False,
    key1: tuple = NO_KEY,
    key2: tuple = NO_KEY,
) -> list[str]:
    """One user's line. ``password_used`` None: no console password; "no_information": a
    password never used."""
    if password_used is None:
        password = ["false", "N/A", "N/A", "N/A"]
    else:
        password = ["true", password_used, password_changed or created, "N/A"]
    return [
        name,
        user_arn(name),
        created,
        *password,
        "true" if mfa else "false",
        *key1,
        *key2,
        "false",
        "N/A",
        "false",
        "N/A",
    ]


def credential_report() -> str:
    # IAM User Guide, "Generate credential reports for your AWS account"
    # (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html).
    t = "+00:00"
    root = [
        "<root_account>",
        f"arn:aws:iam::{ACCT}:root",
        f"2022-03-10T16:02:11{t}",
        "not_supported",
        f"2026-04-02T08:30:00{t}",  # last used to change the support plan
        "not_supported",
        "not_supported",
        "true",
        *NO_KEY,
        *NO_KEY,
        "false",
        "N/A",
        "false",
        "N/A",
    ]

    def created(name: str) -> str:
        return PEOPLE[name][0].replace("Z", t)

    rows = [
        root,
        row(
            "alice.nguyen",
            created("alice.nguyen"),
            password_used=f"2026-11-28T17:20:00{t}",
            password_changed=f"2026-06-01T09:00:00{t}",
            mfa=True,
        ),
        row(
            "bob.martin",
            created("bob.martin"),
            password_used=f"2026-11-27T08:10:00{t}",
            password_changed=f"2025-12-01T09:00:00{t}",
            key1=key(f"2026-10-01T09:00:00{t}", f"2026-11-28T22:00:00{t}", "ec2"),
        ),
        row(
            "carol.diaz",
            created("carol.diaz"),
            password_used=f"2026-11-29T08:00:00{t}",
            mfa=True,
            key1=key(f"2026-10-30T09:00:00{t}", f"2026-11-28T15:00:00{t}", "s3"),
        ),
        row(
            "dan.okafor",
            created("dan.okafor"),
            password_used=f"2026-11-26T10:00:00{t}",
            mfa=True,
            key1=key(f"2025-06-02T09:00:00{t}", f"2026-11-29T09:30:00{t}", "lambda"),
        ),
        row("erin.walsh", created("erin.walsh"), password_used=f"2026-11-16T09:20:00{t}"),
        row(
            "frank.li",
            created("frank.li"),
            password_used=f"2026-11-20T14:00:00{t}",
            mfa=True,
            key1=key(f"2026-06-15T11:00:00{t}", None),
        ),
        row("grace.kim", created("grace.kim"), password_used=f"2026-11-29T07:45:00{t}", mfa=True),
        row(
            "heidi.support",
            created("heidi.support"),
            password_used=f"2026-11-25T12:00:00{t}",
            mfa=True,
        ),
        row("ivan.contractor", created("ivan.contractor"), password_used=f"2026-05-12T16:00:00{t}"),
        row(
            "judy.finance",
            created("judy.finance"),
            password_used=f"2026-11-02T10:00:00{t}",
            mfa=True,
        ),
        row("ken.accounts", created("ken.accounts"), password_used=f"2026-11-24T11:00:00{t}"),
        row(
            BREAK_GLASS,
            f"2022-03-14T11:00:00{t}",
            password_used=f"2026-10-30T09:15:00{t}",
            password_changed=f"2026-10-30T09:20:00{t}",
            mfa=True,
        ),
        row(
            TERRAFORM,
            f"2023-03-01T14:00:00{t}",
            key1=key(f"2025-03-01T14:05:00{t}", f"2026-11-29T10:12:00{t}", "iam"),
        ),
        row(
            DEPLOY_BOT,
            f"2024-07-08T09:00:00{t}",
            key1=key(f"2026-09-20T09:00:00{t}", f"2026-11-28T20:00:00{t}", "sts"),
        ),
        row(
            SES_USER,
            f"2024-03-15T10:15:00{t}",
            key1=key(f"2024-03-15T10:15:30{t}", f"2026-11-29T11:40:00{t}", "ses"),
        ),
    ]
    return report_csv(rows)


def render() -> dict[str, str]:
    """File name -> the text written to tests/data/small_company/."""
    return {
        GAAD_FILE: json.dumps(gaad(), indent=1, sort_keys=True) + "\n",
        CREDENTIAL_REPORT_FILE: credential_report(),
    }


def main() -> None:
    write_fixtures(render, OUTPUT_DIR, MOTO_VERSION)


if __name__ == "__main__":
    main()
