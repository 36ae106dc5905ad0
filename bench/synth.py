"""Synthetic AWS accounts for benchmarks: a GAAD JSON and a matching IAM credential report.

The output has exactly the shapes of ``aws iam get-account-authorization-details`` and of the
decoded ``aws iam get-credential-report`` CSV, so the same files can be audited by iam-audit and
scanned by other tools (Cloudsplaining) side by side. Documents are drawn from a pool of the
statements real accounts hold (scoped S3/DynamoDB access, ``service:*``, NotAction, PassRole, a few
admins, MFA and source-IP conditions), so the work a scanner does is close to a real account's.

Everything is derived from ``random.Random(seed)`` and the ``now`` passed in: the same arguments
always give the same account, byte for byte.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import json
import random
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.audit.credential_report import REPORT_COLUMNS

Document = dict[str, Any]
Statement = dict[str, Any]

# The IAM credential report's columns, in the order AWS writes them (the loader's list).
CREDENTIAL_REPORT_COLUMNS: tuple[str, ...] = REPORT_COLUMNS

NA = "N/A"
NO_INFORMATION = "no_information"
NOT_SUPPORTED = "not_supported"
POLICY_VERSION = "2012-10-17"
_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

REGIONS = ("us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2")
ENVIRONMENTS = ("prod", "staging", "dev", "sandbox", "shared")
TEAMS = (
    "payments",
    "platform",
    "data",
    "search",
    "checkout",
    "identity",
    "growth",
    "infra",
    "mobile",
    "analytics",
    "security",
    "billing",
)
BUCKET_PURPOSES = ("assets", "logs", "uploads", "reports", "backups", "artifacts", "exports", "raw")
TABLES = ("orders", "customers", "sessions", "inventory", "invoices", "events", "carts", "ledger")
FIRST_NAMES = (
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
    "heidi",
    "ivan",
    "judy",
    "mallory",
    "niaj",
    "olivia",
    "peggy",
    "rupert",
    "sybil",
    "trent",
    "victor",
    "wendy",
    "yusuf",
)
LAST_NAMES = (
    "smith",
    "jones",
    "garcia",
    "chen",
    "kumar",
    "okafor",
    "novak",
    "silva",
    "tanaka",
    "muller",
    "haddad",
    "kowalski",
)
# Services assumed by workload roles, with the weight they have in a typical account.
SERVICE_PRINCIPALS = (
    ("lambda.amazonaws.com", 30),
    ("ec2.amazonaws.com", 20),
    ("ecs-tasks.amazonaws.com", 20),
    ("states.amazonaws.com", 5),
    ("glue.amazonaws.com", 5),
    ("codebuild.amazonaws.com", 5),
    ("events.amazonaws.com", 5),
    ("sagemaker.amazonaws.com", 3),
    ("firehose.amazonaws.com", 3),
)
# Service-linked roles: (service principal, role name, AWS-managed policy name).
SERVICE_LINKED = (
    ("ecs.amazonaws.com", "AWSServiceRoleForECS", "AmazonECSServiceRolePolicy"),
    ("support.amazonaws.com", "AWSServiceRoleForSupport", "AWSSupportServiceRolePolicy"),
    (
        "trustedadvisor.amazonaws.com",
        "AWSServiceRoleForTrustedAdvisor",
        "AWSTrustedAdvisorServiceRolePolicy",
    ),
    (
        "elasticloadbalancing.amazonaws.com",
        "AWSServiceRoleForElasticLoadBalancing",
        "AWSElasticLoadBalancingServiceRolePolicy",
    ),
    ("autoscaling.amazonaws.com", "AWSServiceRoleForAutoScaling", "AutoScalingServiceRolePolicy"),
    ("rds.amazonaws.com", "AWSServiceRoleForRDS", "AmazonRDSServiceRolePolicy"),
)


# --- AWS-managed policies ---------------------------------------------------------------------
# Plausible default-version documents of the AWS-managed policies accounts commonly attach. They
# are shortened, but keep the traits checks and scanners care about (Action/NotAction, wildcards,
# conditions on iam:PassRole / iam:CreateServiceLinkedRole).

_READ_ONLY_SERVICES = (
    "acm",
    "apigateway",
    "application-autoscaling",
    "athena",
    "autoscaling",
    "backup",
    "batch",
    "cloudformation",
    "cloudfront",
    "cloudtrail",
    "cloudwatch",
    "codebuild",
    "codecommit",
    "codedeploy",
    "codepipeline",
    "cognito-idp",
    "config",
    "dax",
    "directconnect",
    "dms",
    "dynamodb",
    "ec2",
    "ecr",
    "ecs",
    "eks",
    "elasticache",
    "elasticbeanstalk",
    "elasticfilesystem",
    "elasticloadbalancing",
    "elasticmapreduce",
    "es",
    "events",
    "firehose",
    "glacier",
    "glue",
    "guardduty",
    "iam",
    "inspector2",
    "kafka",
    "kinesis",
    "kms",
    "lambda",
    "logs",
    "organizations",
    "rds",
    "redshift",
    "route53",
    "s3",
    "secretsmanager",
    "securityhub",
    "ses",
    "sns",
    "sqs",
    "ssm",
    "states",
    "sts",
    "tag",
    "waf",
    "wafv2",
    "xray",
)


def _statement(
    actions: str | Sequence[str],
    resources: str | Sequence[str] = "*",
    *,
    effect: str = "Allow",
    sid: str | None = None,
    condition: dict[str, Any] | None = None,
    not_action: bool = False,
    not_resource: bool = False,
) -> Statement:
    """One policy statement; single values stay strings, as AWS documents often write them."""
    statement: Statement = {}
    if sid:
        statement["Sid"] = sid
    statement["Effect"] = effect
    action_value = actions if isinstance(actions, str) else list(actions)
    statement["NotAction" if not_action else "Action"] = action_value
    resource_value = resources if isinstance(resources, str) else list(resources)
    statement["NotResource" if not_resource else "Resource"] = resource_value
    if condition:
        statement["Condition"] = condition
    return statement


def _doc(*statements: Statement) -> Document:
    return {"Version": POLICY_VERSION, "Statement": list(statements)}


# Services whose read actions do not start with all three of Describe / Get / List (per the
# service authorization reference), so no statement names an action that does not exist.
_READ_VERBS: dict[str, tuple[str, ...]] = {
    "apigateway": ("Get", "List"),
    "athena": ("Get", "List"),
    "autoscaling": ("Describe", "Get"),
    "codedeploy": ("Get", "List"),
    "codepipeline": ("Get", "List"),
    "eks": ("Describe", "List"),
    "elasticache": ("Describe", "List"),
    "elasticbeanstalk": ("Describe", "List"),
    "elasticfilesystem": ("Describe", "List"),
    "elasticloadbalancing": ("Describe", "Get"),
    "firehose": ("Describe", "List"),
    "iam": ("Get", "List"),
    "lambda": ("Get", "List"),
    "organizations": ("Describe", "List"),
    "rds": ("Describe", "List"),
    "route53": ("Get", "List"),
    "sns": ("Get", "List"),
    "sqs": ("Get", "List"),
    "sts": ("Get",),
    "waf": ("Get", "List"),
    "xray": ("Get", "List"),
}


def _read_actions(verbs: Sequence[str]) -> list[str]:
    return [
        f"{service}:{verb}*"
        for service in _READ_ONLY_SERVICES
        for verb in verbs
        if verb in _READ_VERBS.get(service, ("Describe", "Get", "List"))
    ]


def _read_only_access() -> Document:
    actions = _read_actions(("Describe", "Get", "List"))
    actions += ["s3:GetObject", "dynamodb:Query", "dynamodb:Scan", "sqs:ReceiveMessage"]
    return _doc(_statement(sorted(set(actions)), sid="ReadOnlyActions"))


def _view_only_access() -> Document:
    return _doc(_statement(sorted(_read_actions(("Describe", "List"))), sid="ViewOnlyActions"))


def _security_audit() -> Document:
    actions = [
        "access-analyzer:GetAnalyzer",
        "access-analyzer:ListAnalyzers",
        "cloudtrail:DescribeTrails",
        "cloudtrail:GetEventSelectors",
        "cloudtrail:GetTrailStatus",
        "config:Describe*",
        "ec2:Describe*",
        "guardduty:Get*",
        "guardduty:List*",
        "iam:GenerateCredentialReport",
        "iam:Get*",
        "iam:List*",
        "kms:Describe*",
        "kms:Get*",
        "kms:List*",
        "logs:Describe*",
        "organizations:Describe*",
        "organizations:List*",
        "s3:GetBucketPolicy",
        "s3:GetBucketAcl",
        "s3:GetEncryptionConfiguration",
        "s3:ListAllMyBuckets",
        "securityhub:Get*",
        "securityhub:Describe*",
    ]
    return _doc(_statement(actions))


def _passrole_to(service: str) -> Statement:
    return _statement(
        "iam:PassRole",
        condition={"StringEquals": {"iam:PassedToService": service}},
    )


def _create_slr(*services: str) -> Statement:
    return _statement(
        "iam:CreateServiceLinkedRole",
        condition={"StringEquals": {"iam:AWSServiceName": list(services)}},
    )


def _slr_policy(*actions: str) -> Document:
    return _doc(_statement(list(actions)))


AWS_MANAGED: dict[str, tuple[str, Callable[[], Document]]] = {
    # name: (path, document factory)
    "AdministratorAccess": ("/", lambda: _doc(_statement("*"))),
    "PowerUserAccess": (
        "/",
        lambda: _doc(
            _statement(["iam:*", "organizations:*", "account:*"], not_action=True),
            _statement(
                [
                    "account:GetAccountInformation",
                    "account:ListRegions",
                    "iam:CreateServiceLinkedRole",
                    "iam:DeleteServiceLinkedRole",
                    "iam:ListRoles",
                    "organizations:DescribeOrganization",
                ]
            ),
        ),
    ),
    "ReadOnlyAccess": ("/", _read_only_access),
    "ViewOnlyAccess": ("/job-function/", _view_only_access),
    "SecurityAudit": ("/", _security_audit),
    "Billing": (
        "/job-function/",
        lambda: _doc(
            _statement(["aws-portal:*", "budgets:*", "ce:*", "cur:*", "pricing:*", "tax:*"])
        ),
    ),
    "AmazonS3ReadOnlyAccess": (
        "/",
        lambda: _doc(
            _statement(
                [
                    "s3:Get*",
                    "s3:List*",
                    "s3:Describe*",
                    "s3-object-lambda:Get*",
                    "s3-object-lambda:List*",
                ]
            )
        ),
    ),
    "AmazonS3FullAccess": ("/", lambda: _doc(_statement(["s3:*", "s3-object-lambda:*"]))),
    "AmazonEC2ReadOnlyAccess": (
        "/",
        lambda: _doc(
            _statement("ec2:Describe*"),
            _statement("elasticloadbalancing:Describe*"),
            _statement(
                [
                    "cloudwatch:ListMetrics",
                    "cloudwatch:GetMetricStatistics",
                    "cloudwatch:Describe*",
                ]
            ),
            _statement("autoscaling:Describe*"),
        ),
    ),
    "AmazonEC2FullAccess": (
        "/",
        lambda: _doc(
            _statement(["ec2:*", "elasticloadbalancing:*", "cloudwatch:*", "autoscaling:*"]),
            _create_slr(
                "autoscaling.amazonaws.com",
                "ec2scheduled.amazonaws.com",
                "elasticloadbalancing.amazonaws.com",
                "spot.amazonaws.com",
            ),
        ),
    ),
    "AmazonDynamoDBReadOnlyAccess": (
        "/",
        lambda: _doc(
            _statement(
                [
                    "dynamodb:BatchGetItem",
                    "dynamodb:Describe*",
                    "dynamodb:List*",
                    "dynamodb:GetItem",
                    "dynamodb:Query",
                    "dynamodb:Scan",
                    "dax:Describe*",
                    "dax:List*",
                    "cloudwatch:GetMetricStatistics",
                ]
            )
        ),
    ),
    "AmazonDynamoDBFullAccess": (
        "/",
        lambda: _doc(
            _statement(["dynamodb:*", "dax:*", "application-autoscaling:*", "cloudwatch:*"]),
            _passrole_to("application-autoscaling.amazonaws.com"),
        ),
    ),
    "AmazonSQSFullAccess": ("/", lambda: _doc(_statement("sqs:*"))),
    "AmazonSNSFullAccess": ("/", lambda: _doc(_statement(["sns:*"]))),
    "IAMFullAccess": (
        "/",
        lambda: _doc(
            _statement(
                [
                    "iam:*",
                    "organizations:DescribeAccount",
                    "organizations:DescribeOrganization",
                    "organizations:ListRoots",
                ]
            )
        ),
    ),
    "IAMReadOnlyAccess": (
        "/",
        lambda: _doc(
            _statement(
                [
                    "iam:GenerateCredentialReport",
                    "iam:GenerateServiceLastAccessedDetails",
                    "iam:Get*",
                    "iam:List*",
                    "iam:SimulateCustomPolicy",
                    "iam:SimulatePrincipalPolicy",
                ]
            )
        ),
    ),
    "IAMUserChangePassword": (
        "/",
        lambda: _doc(
            _statement("iam:ChangePassword", "arn:aws:iam::*:user/${aws:username}"),
            _statement("iam:GetAccountPasswordPolicy"),
        ),
    ),
    "AWSSupportAccess": ("/", lambda: _doc(_statement("support:*"))),
    "AWSCloudShellFullAccess": ("/", lambda: _doc(_statement("cloudshell:*"))),
    "CloudWatchLogsReadOnlyAccess": (
        "/",
        lambda: _doc(
            _statement(
                [
                    "logs:Describe*",
                    "logs:Get*",
                    "logs:List*",
                    "logs:StartQuery",
                    "logs:StopQuery",
                    "logs:TestMetricFilter",
                    "logs:FilterLogEvents",
                ]
            )
        ),
    ),
    "AWSLambda_FullAccess": (
        "/",
        lambda: _doc(
            _statement(
                [
                    "cloudformation:DescribeStacks",
                    "cloudwatch:GetMetricData",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeVpcs",
                    "iam:GetRole",
                    "iam:ListRoles",
                    "kms:ListAliases",
                    "lambda:*",
                    "logs:DescribeLogGroups",
                    "s3:ListAllMyBuckets",
                ]
            ),
            _passrole_to("lambda.amazonaws.com"),
        ),
    ),
    "AmazonSSMManagedInstanceCore": (
        "/",
        lambda: _doc(
            _statement(
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
            _statement(
                [
                    "ssmmessages:CreateControlChannel",
                    "ssmmessages:CreateDataChannel",
                    "ssmmessages:OpenControlChannel",
                    "ssmmessages:OpenDataChannel",
                ]
            ),
            _statement(
                [
                    "ec2messages:AcknowledgeMessage",
                    "ec2messages:DeleteMessage",
                    "ec2messages:FailMessage",
                    "ec2messages:GetEndpoint",
                    "ec2messages:GetMessages",
                    "ec2messages:SendReply",
                ]
            ),
        ),
    ),
    "AWSLambdaBasicExecutionRole": (
        "/service-role/",
        lambda: _doc(
            _statement(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"])
        ),
    ),
    "AmazonECSTaskExecutionRolePolicy": (
        "/service-role/",
        lambda: _doc(
            _statement(
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
    "AWSGlueServiceRole": (
        "/service-role/",
        lambda: _doc(
            _statement(
                [
                    "glue:*",
                    "s3:GetBucketLocation",
                    "s3:ListBucket",
                    "s3:ListAllMyBuckets",
                    "ec2:DescribeVpcEndpoints",
                    "ec2:DescribeRouteTables",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeSecurityGroups",
                    "iam:ListRolePolicies",
                    "iam:GetRole",
                    "iam:GetRolePolicy",
                    "cloudwatch:PutMetricData",
                ]
            ),
            _statement(
                ["s3:GetObject", "s3:PutObject"],
                ["arn:aws:s3:::aws-glue-*/*", "arn:aws:s3:::*/*aws-glue-*/*"],
            ),
            _statement(
                ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "arn:aws:logs:*:*:*:/aws-glue/*",
            ),
        ),
    ),
    "AmazonECSServiceRolePolicy": (
        "/aws-service-role/",
        lambda: _slr_policy(
            "ec2:AttachNetworkInterface",
            "ec2:CreateNetworkInterface",
            "ec2:DeleteNetworkInterface",
            "ec2:Describe*",
            "elasticloadbalancing:DeregisterTargets",
            "elasticloadbalancing:Describe*",
            "elasticloadbalancing:RegisterTargets",
        ),
    ),
    "AWSSupportServiceRolePolicy": (
        "/aws-service-role/",
        lambda: _slr_policy("support:*", "ec2:Describe*", "iam:Get*", "iam:List*", "s3:GetBucket*"),
    ),
    "AWSTrustedAdvisorServiceRolePolicy": (
        "/aws-service-role/",
        lambda: _slr_policy(
            "autoscaling:Describe*",
            "cloudformation:DescribeStacks",
            "ec2:Describe*",
            "iam:GenerateCredentialReport",
            "iam:GetCredentialReport",
            "rds:Describe*",
            "s3:GetBucketAcl",
        ),
    ),
    "AWSElasticLoadBalancingServiceRolePolicy": (
        "/aws-service-role/",
        lambda: _slr_policy(
            "ec2:DescribeAddresses",
            "ec2:DescribeInstances",
            "ec2:DescribeSubnets",
            "ec2:CreateNetworkInterface",
            "ec2:DeleteNetworkInterface",
            "ec2:ModifyNetworkInterfaceAttribute",
        ),
    ),
    "AutoScalingServiceRolePolicy": (
        "/aws-service-role/",
        lambda: _slr_policy(
            "ec2:RunInstances",
            "ec2:TerminateInstances",
            "ec2:Describe*",
            "elasticloadbalancing:Register*",
            "elasticloadbalancing:Deregister*",
            "cloudwatch:PutMetricAlarm",
        ),
    ),
    "AmazonRDSServiceRolePolicy": (
        "/aws-service-role/",
        lambda: _slr_policy(
            "ec2:AuthorizeSecurityGroupIngress",
            "ec2:CreateNetworkInterface",
            "ec2:Describe*",
            "logs:CreateLogGroup",
            "logs:PutLogEvents",
        ),
    ),
}

# How often each AWS-managed policy is attached, by kind of principal (weights).
_GROUP_AWS_POLICIES = (
    ("ReadOnlyAccess", 25),
    ("ViewOnlyAccess", 10),
    ("AmazonS3ReadOnlyAccess", 15),
    ("AmazonEC2ReadOnlyAccess", 10),
    ("IAMUserChangePassword", 15),
    ("PowerUserAccess", 6),
    ("SecurityAudit", 5),
    ("Billing", 3),
    ("AdministratorAccess", 2),
    ("AWSCloudShellFullAccess", 3),
    ("AmazonDynamoDBReadOnlyAccess", 5),
    ("CloudWatchLogsReadOnlyAccess", 5),
)
_USER_AWS_POLICIES = (
    ("AmazonS3ReadOnlyAccess", 20),
    ("AmazonS3FullAccess", 8),
    ("AmazonSQSFullAccess", 8),
    ("IAMUserChangePassword", 10),
    ("AmazonEC2FullAccess", 4),
    ("AmazonDynamoDBFullAccess", 4),
    ("IAMReadOnlyAccess", 5),
    ("AdministratorAccess", 1),
    ("IAMFullAccess", 1),
)
_ROLE_AWS_POLICIES = {
    "lambda.amazonaws.com": ("AWSLambdaBasicExecutionRole",),
    "ec2.amazonaws.com": ("AmazonSSMManagedInstanceCore",),
    "ecs-tasks.amazonaws.com": ("AmazonECSTaskExecutionRolePolicy",),
    "glue.amazonaws.com": ("AWSGlueServiceRole",),
}
_HUMAN_ROLE_AWS_POLICIES = (
    ("ReadOnlyAccess", 30),
    ("ViewOnlyAccess", 10),
    ("PowerUserAccess", 10),
    ("AdministratorAccess", 6),
    ("SecurityAudit", 10),
    ("AWSSupportAccess", 5),
    ("Billing", 4),
    ("AmazonS3ReadOnlyAccess", 10),
    ("AWSLambda_FullAccess", 5),
)


# --- the result -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyntheticAccount:
    """A generated account: the GAAD document and the credential report that goes with it."""

    account_id: str
    generated_at: datetime
    gaad: dict[str, Any]
    credential_report_csv: str

    def write(self, out_dir: Path) -> tuple[Path, Path]:
        """Write ``gaad.json`` and ``credential-report.csv`` into ``out_dir``; return both paths."""
        out_dir.mkdir(parents=True, exist_ok=True)
        gaad_path = out_dir / "gaad.json"
        report_path = out_dir / "credential-report.csv"
        gaad_path.write_text(json.dumps(self.gaad, indent=1) + "\n", encoding="utf-8")
        report_path.write_text(self.credential_report_csv, encoding="utf-8", newline="")
        return gaad_path, report_path


def generate_account(
    *,
    users: int,
    roles: int,
    groups: int,
    policies: int,
    seed: int = 0,
    account_id: str = "123456789012",
    now: datetime,
    distinct: float = 0.0,
    shape: str = "customer",
) -> SyntheticAccount:
    """Build a deterministic synthetic account.

    ``policies`` is the number of customer-managed policies; the AWS-managed policies the
    principals attach come on top, listed in ``Policies`` as real GAAD output lists them.

    ``distinct`` (0..1) sets how much policy sets repeat: 0 is the reuse-heavy account (a few
    popular policies everywhere, so thousands of principals share a policy set); at 1 every
    user and role attaches its own random subset of the customer policies and 20% of users /
    30% of roles carry an inline policy of 1-4 statements mixing wildcards, S3 ARNs and MFA
    conditions, so almost no two principals share a set (what large real accounts look like).

    ``shape="aws-managed"``: principals and groups attach two or three of the AWS-managed
    policies moto ships (their real documents) instead of customer policies, and carry no
    inline policies.
    """
    for name, value in (("users", users), ("roles", roles), ("groups", groups)):
        _require_count(name, value)
    _require_count("policies", policies)
    if not (len(account_id) == 12 and account_id.isdigit()):
        raise ValueError(f"account_id must be 12 digits, got {account_id!r}")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if isinstance(distinct, bool) or not 0.0 <= distinct <= 1.0:
        raise ValueError(f"distinct must be between 0 and 1, got {distinct!r}")
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {', '.join(SHAPES)}, got {shape!r}")
    builder = _AccountBuilder(
        random.Random(seed), account_id, now.astimezone(UTC), distinct=distinct
    )
    account = builder.build(users=users, roles=roles, groups=groups, policies=policies)
    if shape == "aws-managed":
        _attach_real_aws_managed(account.gaad, random.Random(seed + 1), now.astimezone(UTC))
    return account


def _require_count(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")


# --- the builder ------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    """AWS's timestamp form: second precision, explicit UTC offset."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _weighted(rng: random.Random, choices: Sequence[tuple[Any, int]]) -> Any:
    values = [value for value, _ in choices]
    weights = [weight for _, weight in choices]
    return rng.choices(values, weights=weights, k=1)[0]


class _AccountBuilder:
    """Holds the random source and the policies created so far while one account is built."""

    def __init__(
        self, rng: random.Random, account_id: str, now: datetime, *, distinct: float = 0.0
    ) -> None:
        self.rng = rng
        # A second random source for the distinct-sets draws, so that distinct=0 consumes
        # exactly the draws it always did and keeps producing the same account byte for byte.
        self.distinct = distinct
        self.distinct_rng = random.Random(rng.random() if distinct else 0)
        self.account_id = account_id
        self.now = now
        self.company = rng.choice(("acme", "globex", "initech", "umbrella", "hooli", "stark"))
        self.other_accounts = [f"{rng.randrange(10**11, 10**12):012d}" for _ in range(12)]
        self.org_id = "o-" + "".join(
            rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(10)
        )
        self.policies: dict[str, dict[str, Any]] = {}  # ARN -> GAAD policy entry
        self.customer_arns: list[str] = []
        self.boundary_arns: list[str] = []
        self.used_ids: set[str] = set()

    # -- identifiers and names --

    def unique_id(self, prefix: str) -> str:
        while True:
            candidate = prefix + "".join(self.rng.choice(_ID_ALPHABET) for _ in range(17))
            if candidate not in self.used_ids:
                self.used_ids.add(candidate)
                return candidate

    def arn(self, kind: str, path: str, name: str) -> str:
        return f"arn:aws:iam::{self.account_id}:{kind}{path}{name}"

    def days_ago(self, low: float, high: float) -> datetime:
        return self.now - timedelta(seconds=self.rng.uniform(low * 86400, high * 86400))

    def between(self, start: datetime, end: datetime) -> datetime:
        if end <= start:
            return start
        return start + timedelta(seconds=self.rng.uniform(0, (end - start).total_seconds()))

    def bucket(self) -> str:
        env = self.rng.choice(ENVIRONMENTS)
        return f"{self.company}-{env}-{self.rng.choice(BUCKET_PURPOSES)}"

    def table(self) -> str:
        return f"{self.rng.choice(ENVIRONMENTS)}-{self.rng.choice(TABLES)}"

    def region(self) -> str:
        return self.rng.choice(REGIONS)

    # -- policies --

    def aws_managed_arn(self, name: str) -> str:
        """Reference an AWS-managed policy, adding it to ``Policies`` on first use."""
        path, factory = AWS_MANAGED[name]
        arn = f"arn:aws:iam::aws:policy{path}{name}"
        if arn not in self.policies:
            digest = hashlib.sha256(name.encode()).digest()
            policy_id = "ANPA" + base64.b32encode(digest).decode()[:17]
            versions = 1 + int.from_bytes(digest[:1], "big") % 9
            created = datetime(2015, 2, 6, 18, 40, 0, tzinfo=UTC) + timedelta(days=digest[1] * 7)
            updated = min(created + timedelta(days=200 * versions), self.now - timedelta(days=30))
            self.policies[arn] = self._policy_entry(
                name, arn, policy_id, path, factory(), versions, created, updated
            )
        return arn

    def _policy_entry(
        self,
        name: str,
        arn: str,
        policy_id: str,
        path: str,
        document: Document,
        versions: int,
        created: datetime,
        updated: datetime,
    ) -> dict[str, Any]:
        version_list = [
            {
                "Document": document,
                "VersionId": f"v{versions}",
                "IsDefaultVersion": True,
                "CreateDate": _iso(updated),
            }
        ]
        # Real GAAD lists older, non-default versions too (up to 5 are kept).
        for number in range(versions - 1, max(0, versions - 3), -1):
            older = _doc(*document["Statement"][: max(1, len(document["Statement"]) - 1)])
            version_list.append(
                {
                    "Document": older,
                    "VersionId": f"v{number}",
                    "IsDefaultVersion": False,
                    "CreateDate": _iso(self.between(created, updated)),
                }
            )
        return {
            "PolicyName": name,
            "PolicyId": policy_id,
            "Arn": arn,
            "Path": path,
            "DefaultVersionId": f"v{versions}",
            "AttachmentCount": 0,
            "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": True,
            "CreateDate": _iso(created),
            "UpdateDate": _iso(updated),
            "PolicyVersionList": version_list,
        }

    def build_customer_policies(self, count: int) -> None:
        boundaries = 3 if count >= 20 else 0
        for index in range(count):
            if index < boundaries:
                name = ("DeveloperBoundary", "WorkloadBoundary", "ContractorBoundary")[index]
                path = "/boundaries/"
                document = self.boundary_document(index)
            else:
                team = self.rng.choice(TEAMS)
                name = f"{team}-{self.rng.choice(('app', 'ci', 'ops', 'etl', 'svc'))}-{index:05d}"
                path = self.rng.choice(("/", "/", "/", f"/{team}/"))
                document = self.customer_document()
            created = self.days_ago(30, 2000)
            versions = _weighted(self.rng, ((1, 60), (2, 25), (3, 10), (5, 5)))
            updated = self.between(created, self.now) if versions > 1 else created
            arn = self.arn("policy", path, name)
            self.policies[arn] = self._policy_entry(
                name, arn, self.unique_id("ANPA"), path, document, versions, created, updated
            )
            (self.boundary_arns if index < boundaries else self.customer_arns).append(arn)

    def boundary_document(self, index: int) -> Document:
        allowed = [
            ["s3:*", "dynamodb:*", "sqs:*", "sns:*", "lambda:*", "logs:*", "cloudwatch:*", "ec2:*"],
            [
                "s3:*",
                "dynamodb:*",
                "sqs:*",
                "logs:*",
                "kms:Decrypt",
                "secretsmanager:GetSecretValue",
            ],
            ["s3:Get*", "s3:List*", "ec2:Describe*", "logs:Get*", "cloudwatch:Get*"],
        ][index]
        return _doc(
            _statement(allowed, sid="AllowedServices"),
            _statement(
                ["iam:*", "organizations:*", "account:*"],
                effect="Deny",
                sid="NoIdentityAdmin",
            ),
            _statement(
                ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"],
                effect="Deny",
                sid="KeepBoundary",
            ),
        )

    def customer_document(self) -> Document:
        count = _weighted(self.rng, ((1, 35), (2, 30), (3, 20), (4, 10), (6, 5)))
        makers = [_weighted(self.rng, _STATEMENT_POOL) for _ in range(count)]
        statements = [maker(self) for maker in makers]
        if self.rng.random() < 0.5:
            for number, statement in enumerate(statements):
                statement_with_sid = {"Sid": f"Stmt{number + 1}", **statement}
                statements[number] = statement_with_sid
        return _doc(*statements)

    def inline_policies(self, kind: str, probability: float) -> list[dict[str, Any]]:
        distinct_kind = kind in _DISTINCT_INLINE and probability > 0
        if distinct_kind and self.distinct and self.distinct_rng.random() < self.distinct:
            return self.distinct_inline(kind)
        if self.rng.random() >= probability:
            return []
        result = []
        for number in range(self.rng.choice((1, 1, 1, 2))):
            result.append(
                {
                    "PolicyName": f"{kind}-inline-{number + 1}",
                    "PolicyDocument": self.customer_document(),
                }
            )
        return result

    def attach(self, arns: Sequence[str]) -> list[dict[str, str]]:
        attached = []
        for arn in dict.fromkeys(arns):
            self.policies[arn]["AttachmentCount"] += 1
            attached.append({"PolicyName": self.policies[arn]["PolicyName"], "PolicyArn": arn})
        return attached

    def boundary(self, arns: Sequence[str]) -> dict[str, str] | None:
        if not arns:
            return None
        arn = self.rng.choice(arns)
        self.policies[arn]["PermissionsBoundaryUsageCount"] += 1
        return {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn}

    def distinct_inline(self, kind: str) -> list[dict[str, Any]]:
        """The distinct-sets account's inline policy: at the kind's rate, 1-4 statements."""
        rng = self.distinct_rng
        if rng.random() >= _DISTINCT_INLINE[kind]:
            return []
        statements = [_weighted(rng, _DISTINCT_STATEMENTS)(self) for _ in range(rng.randint(1, 4))]
        return [{"PolicyName": f"{kind}-inline-1", "PolicyDocument": _doc(*statements)}]

    def distinct_customer_policies(self) -> list[str]:
        """A uniformly random subset of 1-4 customer policies (sets rarely repeat)."""
        rng = self.distinct_rng
        return rng.sample(self.customer_arns, min(len(self.customer_arns), rng.randint(1, 4)))

    def some_customer_policies(self, low: int, high: int) -> list[str]:
        if not self.customer_arns:
            return []
        # Skewed towards the front: real accounts reuse a few popular policies everywhere. The
        # last tenth is never picked: leftovers nobody attaches any more, as in real accounts.
        size = max(1, len(self.customer_arns) * 9 // 10)
        count = self.rng.randint(low, high)
        return [self.customer_arns[int(size * self.rng.random() ** 2)] for _ in range(count)]

    # -- groups --

    def build_groups(self, count: int) -> list[dict[str, Any]]:
        result = []
        base_names = ("admins", "developers", "readonly", "billing", "oncall", "auditors", "data")
        for index in range(count):
            base = base_names[index % len(base_names)]
            name = (
                base if index < len(base_names) else f"{self.rng.choice(TEAMS)}-{base}-{index:04d}"
            )
            arns = [
                self.aws_managed_arn(_weighted(self.rng, _GROUP_AWS_POLICIES))
                for _ in range(self.rng.randint(0, 2))
            ]
            if base == "admins" and index < len(base_names):
                arns.insert(0, self.aws_managed_arn("AdministratorAccess"))
            arns += self.some_customer_policies(0, 2)
            result.append(
                {
                    "Path": "/",
                    "GroupName": name,
                    "GroupId": self.unique_id("AGPA"),
                    "Arn": self.arn("group", "/", name),
                    "CreateDate": _iso(self.days_ago(200, 2500)),
                    "GroupPolicyList": self.inline_policies("group", 0.15),
                    "AttachedManagedPolicies": self.attach(arns),
                }
            )
        return result

    # -- users and their credential-report rows --

    def build_users(
        self, count: int, group_names: Sequence[str]
    ) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
        users: list[dict[str, Any]] = []
        rows: list[dict[str, str]] = []
        for index in range(count):
            profile = _weighted(
                self.rng, (("human", 55), ("service", 28), ("dormant", 12), ("new", 5))
            )
            if profile == "service":
                job = self.rng.choice(("ci", "deploy", "etl", "backup", "app"))
                name = f"svc-{self.rng.choice(TEAMS)}-{job}-{index:05d}"
                path = self.rng.choice(("/", "/service/"))
            else:
                name = f"{self.rng.choice(FIRST_NAMES)}.{self.rng.choice(LAST_NAMES)}{index:05d}"
                path = self.rng.choice(("/", "/", "/", "/staff/"))
            if profile == "new":
                created = self.days_ago(0.2, 6)  # inside the checks' grace period
            elif profile == "dormant":
                created = self.days_ago(400, 2500)  # old enough to have gone quiet long ago
            else:
                created = self.days_ago(30, 2500)
            arn = self.arn("user", path, name)

            group_count = _weighted(self.rng, ((0, 12), (1, 48), (2, 28), (3, 12)))
            if profile == "service":
                group_count = min(group_count, 1)
            memberships = sorted(
                set(self.rng.sample(group_names, min(group_count, len(group_names))))
            )

            direct_probability = 0.5 if profile == "service" else 0.12
            arns: list[str] = []
            if self.rng.random() < direct_probability:
                arns = [self.aws_managed_arn(_weighted(self.rng, _USER_AWS_POLICIES))]
                arns += self.some_customer_policies(0, 2)
            if self.customer_arns and self.distinct_rng.random() < self.distinct:
                arns += self.distinct_customer_policies()
            user: dict[str, Any] = {
                "Path": path,
                "UserName": name,
                "UserId": self.unique_id("AIDA"),
                "Arn": arn,
                "CreateDate": _iso(created),
                "UserPolicyList": self.inline_policies("user", 0.08),
                "GroupList": memberships,
                "AttachedManagedPolicies": self.attach(arns),
            }
            if self.rng.random() < 0.05:
                boundary = self.boundary(self.boundary_arns)
                if boundary:
                    user["PermissionsBoundary"] = boundary
            if self.rng.random() < 0.3:
                user["Tags"] = [
                    {"Key": "team", "Value": self.rng.choice(TEAMS)},
                    {"Key": "owner", "Value": f"{self.rng.choice(FIRST_NAMES)}@{self.company}.com"},
                ]
            users.append(user)
            rows.append(self.credential_row(name, arn, created, profile))
        return users, rows

    def credential_row(
        self, name: str, arn: str, created: datetime, profile: str
    ) -> dict[str, str]:
        row = dict.fromkeys(CREDENTIAL_REPORT_COLUMNS, NA)
        row.update(user=name, arn=arn, user_creation_time=_iso(created))
        for flag in ("password_enabled", "mfa_active", "access_key_1_active"):
            row[flag] = "false"
        row.update(access_key_2_active="false", cert_1_active="false", cert_2_active="false")

        rng = self.rng
        password_odds = {"human": 1.0, "service": 0.0, "dormant": 0.6, "new": 0.7}[profile]
        has_password = rng.random() < password_odds
        if profile == "human":
            key_count = _weighted(rng, ((0, 60), (1, 30), (2, 10)))
        elif profile == "service":
            key_count = _weighted(rng, ((1, 80), (2, 18), (0, 2)))
        elif profile == "dormant":
            key_count = _weighted(rng, ((0, 40), (1, 50), (2, 10)))
        else:
            key_count = _weighted(rng, ((0, 70), (1, 30)))
        # The newest moment this user could have acted.
        last_activity_cap = self.now
        if profile == "dormant":
            last_activity_cap = self.between(created, self.now - timedelta(days=120))

        if has_password:
            row["password_enabled"] = "true"
            changed = self.between(created, min(last_activity_cap, self.now))
            row["password_last_changed"] = _iso(changed)
            if profile == "new" or rng.random() < 0.04:
                row["password_last_used"] = NO_INFORMATION
            else:
                earliest = created
                if profile != "dormant":  # active users logged in within the last two months
                    earliest = max(created, self.now - timedelta(days=60))
                row["password_last_used"] = _iso(self.between(earliest, last_activity_cap))
            if rng.random() < 0.3:
                row["password_next_rotation"] = _iso(changed + timedelta(days=90))
            row["mfa_active"] = (
                "true" if rng.random() < (0.75 if profile == "human" else 0.3) else "false"
            )
        elif profile == "service" and rng.random() < 0.02:
            row["mfa_active"] = "true"

        for slot in range(1, key_count + 1):
            prefix = f"access_key_{slot}"
            active = rng.random() < (0.92 if slot == 1 else 0.75)
            rotated = self.between(created, last_activity_cap)
            if rng.random() < 0.35 and profile != "dormant":
                rotated = self.between(max(created, self.now - timedelta(days=85)), self.now)
            row[f"{prefix}_active"] = "true" if active else "false"
            row[f"{prefix}_last_rotated"] = _iso(rotated)
            if rng.random() < 0.12 or profile == "new":
                continue  # never used: date, region and service stay N/A
            used = self.between(rotated, last_activity_cap)
            if profile in ("human", "service") and rng.random() < 0.7:
                used = self.between(max(rotated, self.now - timedelta(days=10)), self.now)
            row[f"{prefix}_last_used_date"] = _iso(used)
            row[f"{prefix}_last_used_region"] = rng.choice((*REGIONS, "us-east-1"))
            row[f"{prefix}_last_used_service"] = rng.choice(
                ("s3", "sts", "ec2", "dynamodb", "sqs", "iam", "lambda", "logs")
            )
        if rng.random() < 0.005:
            row["cert_1_active"] = "true"
            row["cert_1_last_rotated"] = _iso(self.between(created, self.now))
        return row

    def root_row(self, created: datetime) -> dict[str, str]:
        rng = self.rng
        row = dict.fromkeys(CREDENTIAL_REPORT_COLUMNS, NA)
        row.update(
            user="<root_account>",
            arn=f"arn:aws:iam::{self.account_id}:root",
            user_creation_time=_iso(created),
            password_enabled=NOT_SUPPORTED,
            password_last_changed=NOT_SUPPORTED,
            password_next_rotation=NOT_SUPPORTED,
            password_last_used=(
                _iso(self.days_ago(1, 400)) if rng.random() < 0.7 else NO_INFORMATION
            ),
            mfa_active="true" if rng.random() < 0.7 else "false",
            access_key_1_active="false",
            access_key_2_active="false",
            cert_1_active="false",
            cert_2_active="false",
        )
        if rng.random() < 0.3:  # an old root key, the kind every benchmark should catch
            row["access_key_1_active"] = "true"
            row["access_key_1_last_rotated"] = _iso(self.days_ago(400, 2000))
        return row

    # -- roles --

    def build_roles(self, count: int) -> list[dict[str, Any]]:
        roles = []
        linked_used: dict[str, int] = {}
        for index in range(count):
            kind = _weighted(
                self.rng,
                (
                    ("service", 45),
                    ("cross_account", 18),
                    ("same_account", 8),
                    ("saml", 8),
                    ("oidc", 7),
                    ("service_linked", 10),
                    ("wildcard", 2),
                    ("org_wildcard", 2),
                ),
            )
            roles.append(self.role(index, kind, linked_used))
        return roles

    def role(self, index: int, kind: str, linked_used: dict[str, int]) -> dict[str, Any]:
        rng = self.rng
        team = rng.choice(TEAMS)
        path = "/"
        arns: list[str] = []
        inline_probability = 0.3
        boundary_probability = 0.1
        instance_profile = False
        if kind == "service":
            service = _weighted(rng, SERVICE_PRINCIPALS)
            short = service.split(".")[0]
            workload = rng.choice(("orders", "ingest", "api", "worker", "sync"))
            name = f"{team}-{workload}-{short}-{index:05d}"
            statement: Statement = {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
            }
            if rng.random() < 0.3:
                statement["Condition"] = {
                    "StringEquals": {"aws:SourceAccount": self.account_id},
                }
            trust = _doc(statement)
            arns += [self.aws_managed_arn(p) for p in _ROLE_AWS_POLICIES.get(service, ())]
            arns += self.some_customer_policies(1, 3)
            instance_profile = service == "ec2.amazonaws.com"
            path = rng.choice(("/", "/service-role/", "/"))
        elif kind == "service_linked":
            service, base, policy = rng.choice(SERVICE_LINKED)
            linked_used[base] = linked_used.get(base, 0) + 1
            name = base if linked_used[base] == 1 else f"{base}_{index:05d}"
            path = f"/aws-service-role/{service}/"
            trust = _doc(
                {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
            )
            arns.append(self.aws_managed_arn(policy))
            inline_probability = 0.0
            boundary_probability = 0.0
        elif kind in ("cross_account", "same_account"):
            account = (
                rng.choice(self.other_accounts) if kind == "cross_account" else self.account_id
            )
            principal = rng.choice(
                (
                    f"arn:aws:iam::{account}:root",
                    f"arn:aws:iam::{account}:role/{rng.choice(TEAMS)}-deployer",
                )
            )
            name = f"{team}-{'xacct' if kind == 'cross_account' else 'assume'}-{index:05d}"
            statement = {
                "Effect": "Allow",
                "Principal": {"AWS": principal},
                "Action": "sts:AssumeRole",
            }
            guard = rng.random()
            if kind == "cross_account" and guard < 0.5:
                statement["Condition"] = {
                    "StringEquals": {"sts:ExternalId": f"{self.company}-{rng.randrange(10**8):08d}"}
                }
            elif guard < 0.6:
                statement["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
            trust = _doc(statement)
            arns.append(self.aws_managed_arn(_weighted(rng, _HUMAN_ROLE_AWS_POLICIES)))
            arns += self.some_customer_policies(0, 2)
        elif kind == "saml":
            idp = rng.choice(("sso", "okta", "adfs"))
            name = f"{idp}-{team}-{rng.choice(('admin', 'dev', 'readonly'))}-{index:05d}"
            provider = self.arn("saml-provider", "/", "CorporateIdP")
            trust = _doc(
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": provider},
                    "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
                    "Condition": {
                        "StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}
                    },
                }
            )
            arns.append(self.aws_managed_arn(_weighted(rng, _HUMAN_ROLE_AWS_POLICIES)))
            arns += self.some_customer_policies(0, 1)
        elif kind == "oidc":
            name = f"github-actions-{team}-{index:05d}"
            provider = self.arn("oidc-provider", "/", "token.actions.githubusercontent.com")
            subject = (
                f"repo:{self.company}/*"
                if rng.random() < 0.25
                else f"repo:{self.company}/{team}-service:ref:refs/heads/main"
            )
            trust = _doc(
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": provider},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {
                            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"
                        },
                        "StringLike": {"token.actions.githubusercontent.com:sub": subject},
                    },
                }
            )
            arns += self.some_customer_policies(1, 2)
        else:  # "wildcard": trusts anyone; "org_wildcard": anyone in the organization
            name = f"{team}-shared-access-{index:05d}"
            statement = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
            if kind == "org_wildcard":
                statement["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": self.org_id}}
            trust = _doc(statement)
            arns += self.some_customer_policies(1, 2)
        if inline_probability and self.customer_arns and self.distinct_rng.random() < self.distinct:
            arns += self.distinct_customer_policies()  # service-linked roles keep AWS's policy

        created = self.days_ago(1, 2200)
        role_id = self.unique_id("AROA")
        arn = self.arn("role", path, name)
        role: dict[str, Any] = {
            "Path": path,
            "RoleName": name,
            "RoleId": role_id,
            "Arn": arn,
            "CreateDate": _iso(created),
            "AssumeRolePolicyDocument": trust,
            "InstanceProfileList": [],
            "RolePolicyList": self.inline_policies("role", inline_probability),
            "AttachedManagedPolicies": self.attach(arns),
            "Tags": [],
            "RoleLastUsed": {},
        }
        if instance_profile:
            role["InstanceProfileList"] = [
                {
                    "Path": "/",
                    "InstanceProfileName": name,
                    "InstanceProfileId": self.unique_id("AIPA"),
                    "Arn": self.arn("instance-profile", "/", name),
                    "CreateDate": _iso(created),
                    "Roles": [
                        {
                            "Path": path,
                            "RoleName": name,
                            "RoleId": role_id,
                            "Arn": arn,
                            "CreateDate": _iso(created),
                            "AssumeRolePolicyDocument": trust,
                        }
                    ],
                }
            ]
        if rng.random() < boundary_probability:
            boundary = self.boundary(self.boundary_arns)
            if boundary:
                role["PermissionsBoundary"] = boundary
        if rng.random() < 0.4:
            role["Tags"] = [
                {"Key": "team", "Value": team},
                {"Key": "env", "Value": rng.choice(ENVIRONMENTS)},
            ]
        if rng.random() < 0.7:
            # Most used roles ran recently (workloads run daily); the rest drifted out of use.
            earliest = created
            if rng.random() < 0.6:
                earliest = max(created, self.now - timedelta(days=30))
            role["RoleLastUsed"] = {
                "LastUsedDate": _iso(self.between(earliest, self.now)),
                "Region": self.region(),
            }
        return role

    # -- the whole account --

    def build(self, *, users: int, roles: int, groups: int, policies: int) -> SyntheticAccount:
        self.build_customer_policies(policies)
        group_list = self.build_groups(groups)
        group_names = [group["GroupName"] for group in group_list]
        user_list, rows = self.build_users(users, group_names)
        role_list = self.build_roles(roles)
        # Customer policies first, then the AWS-managed ones in order of first reference.
        ordered = [arn for arn in self.policies if ":aws:policy/" not in arn]
        ordered += [arn for arn in self.policies if ":aws:policy/" in arn]
        gaad = {
            "UserDetailList": user_list,
            "GroupDetailList": group_list,
            "RoleDetailList": role_list,
            "Policies": [self.policies[arn] for arn in ordered],
        }
        account_created = min(
            [self.now - timedelta(days=2600)]
            + [datetime.fromisoformat(user["CreateDate"]) for user in user_list]
        )
        report = _to_csv([self.root_row(account_created), *rows])
        return SyntheticAccount(self.account_id, self.now, gaad, report)


def _to_csv(rows: Sequence[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CREDENTIAL_REPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


# --- the statement pool -----------------------------------------------------------------------
# Each maker returns one fresh statement; weights approximate how common each kind is.


def _s3_read(b: _AccountBuilder) -> Statement:
    buckets = [b.bucket() for _ in range(b.rng.randint(1, 3))]
    resources = [f"arn:aws:s3:::{name}" for name in buckets]
    resources += [f"arn:aws:s3:::{name}/*" for name in buckets]
    return _statement(["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"], resources)


def _s3_write_prefix(b: _AccountBuilder) -> Statement:
    bucket = b.bucket()
    prefix = b.rng.choice(("uploads", "exports", "tmp", "incoming"))
    return _statement(
        ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
        f"arn:aws:s3:::{bucket}/{prefix}/*",
    )


def _ec2_describe(b: _AccountBuilder) -> Statement:
    return _statement(
        b.rng.choice(("ec2:Describe*", ["ec2:DescribeInstances", "ec2:DescribeTags"]))
    )


def _dynamodb_tables(b: _AccountBuilder) -> Statement:
    region = b.region()
    resources = []
    for _ in range(b.rng.randint(1, 2)):
        table = f"arn:aws:dynamodb:{region}:{b.account_id}:table/{b.table()}"
        resources += [table, f"{table}/index/*"]
    return _statement(
        [
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:Query",
            "dynamodb:BatchWriteItem",
        ],
        resources,
    )


def _service_star(b: _AccountBuilder) -> Statement:
    service = b.rng.choice(("sqs", "sns", "cloudwatch", "logs", "s3", "dynamodb", "lambda", "kms"))
    if service == "sqs" and b.rng.random() < 0.6:
        return _statement("sqs:*", f"arn:aws:sqs:*:{b.account_id}:{b.rng.choice(TEAMS)}-*")
    return _statement(f"{service}:*")


def _not_action(b: _AccountBuilder) -> Statement:
    excluded = b.rng.choice((["iam:*", "organizations:*"], ["iam:*"], ["iam:*", "sts:*", "kms:*"]))
    return _statement(excluded, not_action=True)


def _passrole(b: _AccountBuilder) -> Statement:
    if b.rng.random() < 0.35:
        return _statement("iam:PassRole")
    return _statement(
        ["iam:PassRole", "iam:GetRole"],
        f"arn:aws:iam::{b.account_id}:role/{b.rng.choice(TEAMS)}-*",
        condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}
        if b.rng.random() < 0.5
        else None,
    )


def _admin(b: _AccountBuilder) -> Statement:
    return _statement("*", "*")


def _mfa_admin(b: _AccountBuilder) -> Statement:
    return _statement(
        "*",
        condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    )


def _source_ip(b: _AccountBuilder) -> Statement:
    cidrs = [f"{b.rng.randrange(1, 223)}.{b.rng.randrange(256)}.{b.rng.randrange(256)}.0/24"]
    return _statement(
        ["s3:GetObject", "s3:PutObject"],
        f"arn:aws:s3:::{b.bucket()}/*",
        condition={"IpAddress": {"aws:SourceIp": cidrs}},
    )


def _deny_outside_network(b: _AccountBuilder) -> Statement:
    return _statement(
        "*",
        effect="Deny",
        condition={
            "NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "198.51.100.0/24"]},
            "Bool": {"aws:ViaAWSService": "false"},
        },
    )


def _deny_without_mfa(b: _AccountBuilder) -> Statement:
    return _statement(
        [
            "iam:CreateVirtualMFADevice",
            "iam:EnableMFADevice",
            "iam:GetUser",
            "iam:ListMFADevices",
            "iam:ListVirtualMFADevices",
            "iam:ResyncMFADevice",
            "sts:GetSessionToken",
        ],
        effect="Deny",
        not_action=True,
        condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    )


def _self_service_keys(b: _AccountBuilder) -> Statement:
    return _statement(
        [
            "iam:CreateAccessKey",
            "iam:DeleteAccessKey",
            "iam:ListAccessKeys",
            "iam:UpdateAccessKey",
        ],
        "arn:aws:iam::*:user/${aws:username}",
    )


def _logs(b: _AccountBuilder) -> Statement:
    return _statement(
        ["logs:CreateLogStream", "logs:PutLogEvents"],
        f"arn:aws:logs:{b.region()}:{b.account_id}:log-group:/aws/lambda/{b.rng.choice(TEAMS)}-*",
    )


def _kms(b: _AccountBuilder) -> Statement:
    if b.rng.random() < 0.3:
        return _statement(["kms:Decrypt", "kms:GenerateDataKey"])
    key_id = uuid.UUID(int=b.rng.getrandbits(128), version=4)
    key = f"arn:aws:kms:{b.region()}:{b.account_id}:key/{key_id}"
    return _statement(["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], key)


def _secrets(b: _AccountBuilder) -> Statement:
    if b.rng.random() < 0.2:
        return _statement("secretsmanager:GetSecretValue")
    env = b.rng.choice(ENVIRONMENTS)
    return _statement(
        ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        f"arn:aws:secretsmanager:{b.region()}:{b.account_id}:secret:{env}/{b.rng.choice(TEAMS)}/*",
    )


def _ssm_params(b: _AccountBuilder) -> Statement:
    return _statement(
        ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
        f"arn:aws:ssm:{b.region()}:{b.account_id}:parameter/{b.rng.choice(TEAMS)}/*",
    )


def _assume_role(b: _AccountBuilder) -> Statement:
    if b.rng.random() < 0.3:
        return _statement("sts:AssumeRole")
    return _statement(
        "sts:AssumeRole",
        f"arn:aws:iam::{b.rng.choice(b.other_accounts)}:role/{b.rng.choice(TEAMS)}-readonly",
    )


def _lambda_deploy(b: _AccountBuilder) -> Statement:
    return _statement(
        [
            "lambda:CreateFunction",
            "lambda:UpdateFunctionCode",
            "lambda:UpdateFunctionConfiguration",
            "lambda:InvokeFunction",
        ],
        f"arn:aws:lambda:{b.region()}:{b.account_id}:function:{b.rng.choice(TEAMS)}-*",
    )


def _iam_escalation(b: _AccountBuilder) -> Statement:
    actions = b.rng.choice(
        (
            ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"],
            ["iam:AttachUserPolicy"],
            ["iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy"],
            ["iam:CreateLoginProfile", "iam:UpdateLoginProfile"],
            ["iam:AddUserToGroup"],
        )
    )
    return _statement(actions)


def _ec2_run(b: _AccountBuilder) -> Statement:
    return _statement(
        ["ec2:RunInstances", "ec2:CreateTags", "ec2:TerminateInstances"],
        condition={"StringEquals": {"aws:RequestedRegion": [b.region()]}},
    )


def _cloudformation(b: _AccountBuilder) -> Statement:
    return _statement(
        ["cloudformation:CreateStack", "cloudformation:UpdateStack", "cloudformation:Describe*"],
        f"arn:aws:cloudformation:{b.region()}:{b.account_id}:stack/{b.rng.choice(TEAMS)}-*/*",
    )


def _tag_scoped(b: _AccountBuilder) -> Statement:
    return _statement(
        ["ec2:StartInstances", "ec2:StopInstances", "ec2:RebootInstances"],
        f"arn:aws:ec2:*:{b.account_id}:instance/*",
        condition={"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}},
    )


def _sqs_queue(b: _AccountBuilder) -> Statement:
    return _statement(
        ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
        f"arn:aws:sqs:{b.region()}:{b.account_id}:{b.rng.choice(TEAMS)}-{b.rng.choice(TABLES)}",
    )


def _full_sensitive(b: _AccountBuilder) -> Statement:
    return _statement(b.rng.choice(("cloudtrail:*", "kms:*", "aws-marketplace:Subscribe")))


_STATEMENT_POOL: tuple[tuple[Callable[[_AccountBuilder], Statement], int], ...] = (
    (_s3_read, 36),
    (_s3_write_prefix, 16),
    (_ec2_describe, 16),
    (_dynamodb_tables, 20),
    (_service_star, 14),
    (_not_action, 3),
    (_passrole, 6),
    (_admin, 1),
    (_mfa_admin, 1),
    (_source_ip, 6),
    (_deny_outside_network, 2),
    (_deny_without_mfa, 2),
    (_self_service_keys, 4),
    (_logs, 16),
    (_kms, 8),
    (_secrets, 8),
    (_ssm_params, 8),
    (_assume_role, 5),
    (_lambda_deploy, 6),
    (_iam_escalation, 3),
    (_ec2_run, 4),
    (_cloudformation, 4),
    (_tag_scoped, 4),
    (_sqs_queue, 10),
    (_full_sensitive, 2),
)


def _s3_wildcards(b: _AccountBuilder) -> Statement:
    bucket = b.bucket()
    return _statement(
        b.rng.choice((["s3:Get*", "s3:List*"], "s3:*", ["s3:Put*", "s3:Get*"])),
        [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
    )


def _s3_with_mfa(b: _AccountBuilder) -> Statement:
    return _statement(
        ["s3:DeleteObject", "s3:PutObject", "s3:GetObject"],
        f"arn:aws:s3:::{b.bucket()}/{b.rng.choice(TEAMS)}/*",
        condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    )


# The distinct-sets account's inline statements: wildcards, S3 ARNs, MFA conditions.
_DISTINCT_STATEMENTS: tuple[tuple[Callable[[_AccountBuilder], Statement], int], ...] = (
    (_s3_read, 20),
    (_s3_write_prefix, 10),
    (_s3_wildcards, 20),
    (_s3_with_mfa, 10),
    (_service_star, 12),
    (_ec2_describe, 8),
    (_mfa_admin, 2),
    (_deny_without_mfa, 4),
    (_passrole, 4),
    (_iam_escalation, 2),
    (_kms, 4),
    (_logs, 6),
)
# How often a principal of the distinct-sets account carries an inline policy.
_DISTINCT_INLINE = {"user": 0.2, "role": 0.3}

SHAPES = ("customer", "aws-managed")


def _attach_real_aws_managed(gaad: dict[str, Any], rng: random.Random, now: datetime) -> None:
    """Give every user, role and group two or three of moto's AWS-managed policies (their real
    documents, as AWS publishes them) in place of the generated attachments, and drop inline
    policies and boundaries: the account is then only AWS-managed policies."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data  # noqa: PLC0415 (heavy, only this shape)

    catalogue = json.loads(aws_managed_policies_data)
    names = sorted(catalogue)
    used: dict[str, dict[str, Any]] = {}

    def pick() -> list[dict[str, str]]:
        chosen = rng.sample(names, rng.randint(2, 3))
        attached = []
        for name in chosen:
            data = catalogue[name]
            arn = f"arn:aws:iam::aws:policy{data['Path']}{name}"
            entry = used.get(arn)
            if entry is None:
                digest = hashlib.sha256(name.encode()).digest()
                entry = used[arn] = {
                    "PolicyName": name,
                    "PolicyId": "ANPA" + base64.b32encode(digest).decode()[:17],
                    "Arn": arn,
                    "Path": data["Path"],
                    "DefaultVersionId": data["DefaultVersionId"],
                    "AttachmentCount": 0,
                    "PermissionsBoundaryUsageCount": 0,
                    "IsAttachable": True,
                    "CreateDate": _moto_date(data["CreateDate"], now),
                    "UpdateDate": _moto_date(data["UpdateDate"], now),
                    "PolicyVersionList": [
                        {
                            "Document": data["Document"],
                            "VersionId": data["DefaultVersionId"],
                            "IsDefaultVersion": True,
                            "CreateDate": _moto_date(data["UpdateDate"], now),
                        }
                    ],
                }
            entry["AttachmentCount"] += 1
            attached.append({"PolicyName": name, "PolicyArn": arn})
        return attached

    for section, inline_key in (
        ("GroupDetailList", "GroupPolicyList"),
        ("UserDetailList", "UserPolicyList"),
        ("RoleDetailList", "RolePolicyList"),
    ):
        for entity in gaad[section]:
            entity["AttachedManagedPolicies"] = pick()
            entity[inline_key] = []
            entity.pop("PermissionsBoundary", None)
    gaad["Policies"] = list(used.values())


def _moto_date(text: str, now: datetime) -> str:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return _iso(min(moment if moment.tzinfo else moment.replace(tzinfo=UTC), now))


# --- command line -----------------------------------------------------------------------------


def _parse_now(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 timestamp: {text!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def non_negative_int(text: str) -> int:
    """argparse type for the account sizes (shared with bench.audit_bench)."""
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from exc
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def fraction(text: str) -> float:
    """argparse type for --distinct (shared with bench.audit_bench)."""
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.synth",
        description="Write a synthetic account: gaad.json and credential-report.csv.",
    )
    parser.add_argument("--users", type=non_negative_int, default=100)
    parser.add_argument("--roles", type=non_negative_int, default=100)
    parser.add_argument("--groups", type=non_negative_int, default=10)
    parser.add_argument("--policies", type=non_negative_int, default=50, help="customer-managed")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--distinct",
        type=fraction,
        default=0.0,
        help="how much policy sets differ, 0..1 (0: a few popular sets shared by thousands of "
        "principals; 1: almost every principal has its own set and many an inline policy)",
    )
    parser.add_argument(
        "--shape",
        choices=SHAPES,
        default="customer",
        help="aws-managed: principals attach 2-3 of moto's real AWS-managed policies instead",
    )
    parser.add_argument("--account-id", default="123456789012")
    parser.add_argument(
        "--now",
        type=_parse_now,
        default=None,
        help="ISO-8601 'current time' the dates are relative to (default: the clock)",
    )
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    now = args.now or datetime.now(UTC).replace(microsecond=0)
    try:
        account = generate_account(
            users=args.users,
            roles=args.roles,
            groups=args.groups,
            policies=args.policies,
            seed=args.seed,
            account_id=args.account_id,
            now=now,
            distinct=args.distinct,
            shape=args.shape,
        )
        gaad_path, report_path = account.write(args.out)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    gaad = account.gaad
    aws_managed = sum(1 for policy in gaad["Policies"] if ":aws:policy/" in policy["Arn"])
    print(f"wrote {gaad_path} and {report_path}")
    print(
        f"account {account.account_id}: {len(gaad['UserDetailList'])} users, "
        f"{len(gaad['RoleDetailList'])} roles, {len(gaad['GroupDetailList'])} groups, "
        f"{len(gaad['Policies']) - aws_managed} customer policies (+{aws_managed} AWS-managed)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
