"""The engine against AWS's own example identity-based policies for other services.

Covers the IAM User Guide's "Example IAM identity-based policies" pages for Amazon S3, DynamoDB,
EC2, Lambda, RDS and region restriction, the Secrets Manager and KMS developer guides' IAM
policy examples, and the PowerUserAccess / AdministratorAccess job-function policies. For each
example (placeholders replaced by account 123456789012, `amzn-s3-demo-bucket`, concrete ARNs):

1. the linter: AWS's example gets no high/critical or MALFORMED finding, and the lower ones it
   does get are pinned and judged in the test's docstring;
2. the evaluator: requests the page says are allowed or denied get that decision;
3. the audit checks that follow from the page (data exfiltration, exposure, escalation,
   service wildcard, NotAction, lint).

Where the engine disagrees with the page the test asserts the documented behaviour and is
marked ``xfail(strict=True)``.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bot.iam.catalogue import default_catalogue
from bot.iam.evaluator import Evaluator, PolicySet, Request
from bot.iam.lint_model import MALFORMED, LintFinding
from bot.iam.linter import lint_policy
from bot.iam.policy import parse_policy
from bot.iam.privesc_methods import PASS_ROLE, methods_by_id
from bot.model.severity import Severity
from tests.factories import (
    ACCOUNT_ID,
    ADMINISTRATOR_ACCESS,
    inline,
    managed_policy,
    role,
    role_arn,
    run_check,
    service_trust,
    snapshot,
    user,
    user_arn,
)

Doc = dict[str, Any]

REGION = "us-east-1"
USER = user_arn("alice")
SESSION = f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/app/session-1"
BUCKET = "amzn-s3-demo-bucket"
SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT_ID}:secret:prod/db-AbCdEf"
OTHER_SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT_ID}:secret:prod/api-GhIjKl"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_US_WEST_2 = KEY.replace(REGION, "us-west-2")
TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/MyTable"
INSTANCE = f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:instance/i-0123456789abcdef0"

PRINCIPAL_CHECKS = (
    "principal.admin_equivalent",
    "principal.data_exfiltration",
    "principal.resource_exposure",
    "principal.credentials_exposure",
    "principal.privilege_escalation",
)
POLICY_CHECKS = (
    "policy.admin_star",
    "policy.service_wildcard",
    "policy.full_access_sensitive",
    "policy.notaction_allow",
    "policy.passrole_star",
    "policy.lint",
)


def doc(*statements: dict[str, Any]) -> Doc:
    return {"Version": "2012-10-17", "Statement": list(statements)}


# --- the examples (policy JSON as on the pages, placeholders filled in) ----------------------

S3_CONSOLE_ACTIONS = [
    "s3:GetAccountPublicAccessBlock",
    "s3:GetBucketAcl",
    "s3:GetBucketLocation",
    "s3:GetBucketPolicyStatus",
    "s3:GetBucketPublicAccessBlock",
    "s3:ListAccessPoints",
    "s3:ListAllMyBuckets",
]
S3_RW_BUCKET = doc(
    {
        "Sid": "ListObjectsInBucket",
        "Effect": "Allow",
        "Action": ["s3:ListBucket"],
        "Resource": [f"arn:aws:s3:::{BUCKET}"],
    },
    {
        "Sid": "AllObjectActions",
        "Effect": "Allow",
        "Action": "s3:*Object",
        "Resource": [f"arn:aws:s3:::{BUCKET}/*"],
    },
)
S3_RW_BUCKET_CONSOLE = doc(
    {"Sid": "S3ConsoleAccess", "Effect": "Allow", "Action": S3_CONSOLE_ACTIONS, "Resource": "*"},
    *S3_RW_BUCKET["Statement"],
)
S3_HOME_DIRECTORY = doc(
    {"Sid": "S3ConsoleAccess", "Effect": "Allow", "Action": S3_CONSOLE_ACTIONS, "Resource": "*"},
    {
        "Sid": "ListObjectsInBucket",
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": f"arn:aws:s3:::{BUCKET}",
        "Condition": {"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/*"]}},
    },
    {
        "Sid": "AllowS3ActionsInUserFolder",
        "Effect": "Allow",
        "Action": "s3:*",
        "Resource": f"arn:aws:s3:::{BUCKET}/home/${{aws:username}}/*",
    },
)
DYNAMODB_SPECIFIC_TABLE = doc(
    {
        "Sid": "ListAndDescribe",
        "Effect": "Allow",
        "Action": [
            "dynamodb:List*",
            "dynamodb:DescribeReservedCapacity*",
            "dynamodb:DescribeLimits",
            "dynamodb:DescribeTimeToLive",
        ],
        "Resource": "*",
    },
    {
        "Sid": "SpecificTable",
        "Effect": "Allow",
        "Action": [
            "dynamodb:BatchGet*",
            "dynamodb:DescribeStream",
            "dynamodb:DescribeTable",
            "dynamodb:Get*",
            "dynamodb:Query",
            "dynamodb:Scan",
            "dynamodb:BatchWrite*",
            "dynamodb:CreateTable",
            "dynamodb:Delete*",
            "dynamodb:Update*",
            "dynamodb:PutItem",
        ],
        "Resource": "arn:aws:dynamodb:*:*:table/MyTable",
    },
)
DYNAMODB_ITEMS_COGNITO = doc(
    {
        "Effect": "Allow",
        "Action": [
            "dynamodb:DeleteItem",
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:Query",
            "dynamodb:UpdateItem",
        ],
        "Resource": ["arn:aws:dynamodb:*:*:table/MyTable"],
        "Condition": {
            "ForAllValues:StringEquals": {
                "dynamodb:LeadingKeys": ["${cognito-identity.amazonaws.com:sub}"]
            }
        },
    }
)
EC2_TAG_OWNER = doc(
    {
        "Effect": "Allow",
        "Action": ["ec2:StartInstances", "ec2:StopInstances"],
        "Resource": "arn:aws:ec2:*:*:instance/*",
        "Condition": {"StringEquals": {"aws:ResourceTag/Owner": "${aws:username}"}},
    },
    {"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"},
)
EC2_START_STOP_MATCH_TAGS = doc(
    {
        "Effect": "Allow",
        "Action": ["ec2:startInstances", "ec2:stopInstances"],
        "Resource": "*",
        "Condition": {
            "StringEquals": {"aws:ResourceTag/CostCenter": "${aws:PrincipalTag/CostCenter}"}
        },
    }
)
EC2_REGION = doc(
    {
        "Action": "ec2:*",
        "Resource": "*",
        "Effect": "Allow",
        "Condition": {"StringEquals": {"ec2:Region": "us-east-2"}},
    }
)
EC2_SECURITY_GROUPS = doc(
    {
        "Effect": "Allow",
        "Action": [
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeSecurityGroupRules",
            "ec2:DescribeTags",
        ],
        "Resource": "*",
    },
    {
        "Effect": "Allow",
        "Action": [
            "ec2:AuthorizeSecurityGroupIngress",
            "ec2:RevokeSecurityGroupIngress",
            "ec2:AuthorizeSecurityGroupEgress",
            "ec2:RevokeSecurityGroupEgress",
            "ec2:ModifySecurityGroupRules",
            "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
            "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
        ],
        "Resource": [f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:security-group/*"],
        "Condition": {"StringEquals": {"aws:ResourceTag/Department": "Test"}},
    },
    {
        "Effect": "Allow",
        "Action": ["ec2:ModifySecurityGroupRules"],
        "Resource": [f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:security-group-rule/*"],
    },
)
# Verbatim from the page, including the stray space at the end of the stream ARN.
LAMBDA_DYNAMODB = doc(
    {
        "Sid": "ReadWriteTable",
        "Effect": "Allow",
        "Action": [
            "dynamodb:BatchGetItem",
            "dynamodb:GetItem",
            "dynamodb:Query",
            "dynamodb:Scan",
            "dynamodb:BatchWriteItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
        ],
        "Resource": "arn:aws:dynamodb:*:*:table/SampleTable",
    },
    {
        "Sid": "GetStreamRecords",
        "Effect": "Allow",
        "Action": "dynamodb:GetRecords",
        "Resource": "arn:aws:dynamodb:*:*:table/SampleTable/stream/* ",
    },
    {
        "Sid": "WriteLogStreamsAndGroups",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": "*",
    },
    {"Sid": "CreateLogGroup", "Effect": "Allow", "Action": "logs:CreateLogGroup", "Resource": "*"},
)
RDS_REGION = doc(
    {"Effect": "Allow", "Action": "rds:*", "Resource": ["arn:aws:rds:us-east-1:*:*"]},
    {"Effect": "Allow", "Action": ["rds:Describe*"], "Resource": ["*"]},
)
DENY_OUTSIDE_REGIONS = doc(
    {
        "Sid": "DenyAllOutsideRequestedRegions",
        "Effect": "Deny",
        "NotAction": ["cloudfront:*", "iam:*", "organizations:*", "route53:*", "support:*"],
        "Resource": "*",
        "Condition": {
            "StringNotEquals": {
                "aws:RequestedRegion": ["eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3"]
            }
        },
    }
)
SECRETS_READ_ONE_WITH_KEY = doc(
    {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": SECRET},
    {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY},
)
SECRETS_BATCH = doc(
    {
        "Effect": "Allow",
        "Action": ["secretsmanager:BatchGetSecretValue", "secretsmanager:ListSecrets"],
        "Resource": "*",
    },
    {
        "Effect": "Allow",
        "Action": ["secretsmanager:GetSecretValue"],
        "Resource": [SECRET, OTHER_SECRET],
    },
)
SECRETS_BY_TAG = doc(
    {
        "Effect": "Allow",
        "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/ServerName": "ServerABC"}},
    }
)
SECRETS_ABAC = doc(
    {
        "Effect": "Allow",
        "Action": ["secretsmanager:GetSecretValue"],
        "Resource": "*",
        "Condition": {
            "StringEquals": {"aws:ResourceTag/AccessProject": "${aws:PrincipalTag/AccessProject}"}
        },
    }
)
KMS_USE_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
]
KMS_ONE_ACCOUNT = doc(
    {"Effect": "Allow", "Action": KMS_USE_ACTIONS, "Resource": f"arn:aws:kms:*:{ACCOUNT_ID}:key/*"}
)
KMS_ONE_ACCOUNT_ONE_REGION = doc(
    {
        "Effect": "Allow",
        "Action": KMS_USE_ACTIONS,
        "Resource": f"arn:aws:kms:us-west-2:{ACCOUNT_ID}:key/*",
    }
)
KMS_SPECIFIC_KEYS = doc({"Effect": "Allow", "Action": KMS_USE_ACTIONS, "Resource": [KEY]})
KMS_DENY_DISABLE_DELETE = doc(
    {"Effect": "Deny", "Action": ["kms:DisableKey", "kms:ScheduleKeyDeletion"], "Resource": "*"}
)
KMS_VIA_SERVICE = doc(
    {
        "Effect": "Allow",
        "Action": [
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:ReEncrypt*",
            "kms:GenerateDataKey*",
            "kms:CreateGrant",
            "kms:ListGrants",
            "kms:DescribeKey",
        ],
        "Resource": KEY,
        "Condition": {
            "StringEquals": {
                "kms:ViaService": ["ec2.us-west-2.amazonaws.com", "rds.us-west-2.amazonaws.com"]
            }
        },
    }
)
POWER_USER_ACCESS = doc(
    {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
    {
        "Effect": "Allow",
        "Action": [
            "account:GetAccountInformation",
            "account:GetGovCloudAccountInformation",
            "account:GetPrimaryEmail",
            "account:ListRegions",
            "iam:CreateServiceLinkedRole",
            "iam:DeleteServiceLinkedRole",
            "iam:ListRoles",
            "organizations:DescribeEffectivePolicy",
            "organizations:DescribeOrganization",
        ],
        "Resource": "*",
    },
)
ADMINISTRATOR_ACCESS_DOC = doc({"Effect": "Allow", "Action": "*", "Resource": "*"})

ALL_EXAMPLES: dict[str, Doc] = {
    "s3_rw-bucket": S3_RW_BUCKET,
    "s3_rw-bucket-console": S3_RW_BUCKET_CONSOLE,
    "s3_home-directory-console": S3_HOME_DIRECTORY,
    "dynamodb_specific-table": DYNAMODB_SPECIFIC_TABLE,
    "dynamodb_items": DYNAMODB_ITEMS_COGNITO,
    "ec2_tag-owner": EC2_TAG_OWNER,
    "ec2-start-stop-match-tags": EC2_START_STOP_MATCH_TAGS,
    "ec2_region": EC2_REGION,
    "ec2_securitygroups-vpc": EC2_SECURITY_GROUPS,
    "lambda-access-dynamodb": LAMBDA_DYNAMODB,
    "rds_region": RDS_REGION,
    "aws_deny-requested-region": DENY_OUTSIDE_REGIONS,
    "secrets_read-one": SECRETS_READ_ONE_WITH_KEY,
    "secrets_batch": SECRETS_BATCH,
    "secrets_tags": SECRETS_BY_TAG,
    "secrets_abac": SECRETS_ABAC,
    "kms_one-account": KMS_ONE_ACCOUNT,
    "kms_one-account-one-region": KMS_ONE_ACCOUNT_ONE_REGION,
    "kms_specific-keys": KMS_SPECIFIC_KEYS,
    "kms_deny-disable-delete": KMS_DENY_DISABLE_DELETE,
    "kms_via-service": KMS_VIA_SERVICE,
}

# --- helpers --------------------------------------------------------------------------------


def lint(document: Doc) -> list[LintFinding]:
    return lint_policy(document, catalogue=default_catalogue())


def codes(findings: list[LintFinding]) -> list[tuple[str, str, int | None]]:
    return [(f.code, f.severity.value, f.statement) for f in findings]


def decide(
    documents: Doc | list[Doc],
    action: str,
    resource: str,
    *,
    principal: str = USER,
    context: dict[str, str | list[str]] | None = None,
) -> str:
    """The decision for one request against identity policies only (the audit's view: key
    policies unknown, so KMS keys are taken to carry the default key policy)."""
    documents = documents if isinstance(documents, list) else [documents]
    policies = [parse_policy(d, name=f"p{i}") for i, d in enumerate(documents)]
    request = Request(principal, action, resource, None, context or {})
    return Evaluator(PolicySet(identity=policies)).evaluate(request).decision


def check_findings(
    document: Doc,
    *,
    as_role: bool = False,
    name: str = "doc-example",
    aws_managed: bool = False,
    extra_policies: tuple[str, ...] = (),
    other_roles: tuple[Any, ...] = (),
) -> dict[str, list[Any]]:
    """Every principal and policy check's findings for one principal holding ``document``
    (``other_roles``: more roles in the account, e.g. an instance role to run code as)."""
    policy = managed_policy(name, document, aws_managed=aws_managed)
    attached = [policy.arn, *extra_policies]
    extras = [
        managed_policy("AdministratorAccess", ADMINISTRATOR_ACCESS_DOC, aws_managed=True)
        for arn in extra_policies
        if arn == ADMINISTRATOR_ACCESS
    ]
    if as_role:
        snap = snapshot(
            roles=[role("app", attached_policies=attached), *other_roles],
            policies=[policy, *extras],
        )
    else:
        snap = snapshot(
            users=[user("alice", groups=[], attached_policies=attached)],
            roles=list(other_roles),
            policies=[policy, *extras],
        )
    found = {c: run_check(c, snap) for c in (*PRINCIPAL_CHECKS, *POLICY_CHECKS)}
    return {c: f for c, f in found.items() if f}


# --- every example: nothing high, critical or malformed ---------------------------------------


@pytest.mark.parametrize("name", sorted(ALL_EXAMPLES))
def test_aws_examples_get_no_high_or_malformed_lint_finding(name: str) -> None:
    """Every example above is published by AWS as a working policy (IAM User Guide, "Example
    IAM identity-based policies", https://docs.aws.amazon.com/IAM/latest/UserGuide/
    access_policies_examples.html; Secrets Manager and KMS developer guides): the linter may
    advise, but must not call one broken (MALFORMED) or high/critical."""
    findings = lint(ALL_EXAMPLES[name])
    serious = [f for f in findings if f.code == MALFORMED or f.severity.rank >= Severity.HIGH.rank]
    assert serious == []


# --- Amazon S3 ------------------------------------------------------------------------------


def test_s3_rw_bucket_lints_clean_and_grants_object_actions_only() -> None:
    """ "Grant read and write access to Amazon S3 bucket objects"
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_s3_rw-bucket.html):
    ListBucket on the bucket, and `s3:*Object` (every S3 action whose name ends in "Object")
    on its objects; nothing on other buckets."""
    assert lint(S3_RW_BUCKET) == []
    obj = f"arn:aws:s3:::{BUCKET}/reports/q1.csv"
    assert decide(S3_RW_BUCKET, "s3:ListBucket", f"arn:aws:s3:::{BUCKET}") == "allowed"
    for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:RestoreObject"):
        assert decide(S3_RW_BUCKET, action, obj) == "allowed", action
    # Not ending in "Object": outside s3:*Object.
    for action in ("s3:GetObjectAcl", "s3:PutObjectTagging", "s3:DeleteObjectVersion"):
        assert decide(S3_RW_BUCKET, action, obj) == "implicit_deny", action
    assert decide(S3_RW_BUCKET, "s3:GetObject", "arn:aws:s3:::other-bucket/x") == "implicit_deny"
    assert decide(S3_RW_BUCKET, "s3:ListBucket", "arn:aws:s3:::other-bucket") == "implicit_deny"


def test_s3_rw_bucket_console_adds_the_console_reads() -> None:
    """ "Amazon S3: Allows read and write access to objects in an S3 Bucket, programmatically
    and in the console" (https://docs.aws.amazon.com/IAM/latest/UserGuide/
    reference_policies_examples_s3_rw-bucket-console.html): the console needs bucket-level
    reads such as ListAllMyBuckets and GetBucketLocation on `*` besides the object grants."""
    assert lint(S3_RW_BUCKET_CONSOLE) == []
    assert decide(S3_RW_BUCKET_CONSOLE, "s3:ListAllMyBuckets", "*") == "allowed"
    assert (
        decide(S3_RW_BUCKET_CONSOLE, "s3:GetBucketLocation", "arn:aws:s3:::any-bucket") == "allowed"
    )
    # The console reads do not open other buckets' contents.
    assert (
        decide(S3_RW_BUCKET_CONSOLE, "s3:GetObject", "arn:aws:s3:::any-bucket/x") == "implicit_deny"
    )


@pytest.mark.parametrize("document", [S3_RW_BUCKET, S3_RW_BUCKET_CONSOLE], ids=["api", "console"])
def test_s3_rw_bucket_is_not_exfiltration_or_exposure(document: Doc) -> None:
    """The rw-bucket pages scope every object action to one bucket: s3:GetObject on one
    bucket is not "unrestricted" (checks.md principal.data_exfiltration), GetBucketAcl and
    GetBucketPolicyStatus only read permissions (not resource_exposure), and nothing is a
    service wildcard. No check should fire."""
    assert check_findings(document) == {}


def test_s3_home_directory_keeps_each_user_in_their_folder() -> None:
    """ "Amazon S3: Allows IAM users access to their S3 home directory, programmatically and
    in the console" (https://docs.aws.amazon.com/IAM/latest/UserGuide/
    reference_policies_examples_s3_home-directory-console.html): `${aws:username}` puts each
    user in home/<name>/; listing is allowed at the root, at home/ and inside their own folder."""
    assert lint(S3_HOME_DIRECTORY) == []
    home = f"arn:aws:s3:::{BUCKET}/home"
    assert decide(S3_HOME_DIRECTORY, "s3:GetObject", f"{home}/alice/notes.txt") == "allowed"
    assert decide(S3_HOME_DIRECTORY, "s3:PutObject", f"{home}/alice/new.txt") == "allowed"
    assert decide(S3_HOME_DIRECTORY, "s3:GetObject", f"{home}/bob/notes.txt") == "implicit_deny"
    bucket = f"arn:aws:s3:::{BUCKET}"
    for prefix in ("", "home/", "home/alice/", "home/alice/photos/"):
        context = {"s3:prefix": prefix}
        assert decide(S3_HOME_DIRECTORY, "s3:ListBucket", bucket, context=context) == "allowed"
    for prefix in ("home/bob/", "other/"):
        context = {"s3:prefix": prefix}
        decision = decide(S3_HOME_DIRECTORY, "s3:ListBucket", bucket, context=context)
        assert decision == "implicit_deny", prefix


def test_s3_home_directory_does_not_work_for_roles() -> None:
    """Same page: the policy does not work for IAM roles, because aws:username is not in the
    request context of a role session. Even a folder named after the role stays closed."""
    home = f"arn:aws:s3:::{BUCKET}/home"
    for folder in ("alice", "app", "session-1"):
        decision = decide(
            S3_HOME_DIRECTORY, "s3:GetObject", f"{home}/{folder}/x", principal=SESSION
        )
        assert decision == "implicit_deny", folder


@pytest.mark.parametrize("as_role", [False, True], ids=["user", "role"])
def test_s3_home_directory_checks(as_role: bool) -> None:
    """The home-directory page grants `s3:*` on home/${aws:username}/*: a service wildcard
    (policy.service_wildcard, low: it is `s3:*` whatever the Resource), but GetObject only in
    the caller's own folder, so not principal.data_exfiltration, for users or roles."""
    found = check_findings(S3_HOME_DIRECTORY, as_role=as_role)
    assert set(found) == {"policy.service_wildcard"}
    (wildcard,) = found["policy.service_wildcard"]
    assert wildcard.severity is Severity.LOW


# --- Amazon DynamoDB ------------------------------------------------------------------------


def test_dynamodb_specific_table_lint_flags_only_describe_stream() -> None:
    """ "Amazon DynamoDB: Allows access to a specific table" (https://docs.aws.amazon.com/IAM/
    latest/UserGuide/reference_policies_examples_dynamodb_specific-table.html) lists
    dynamodb:DescribeStream with Resource table/MyTable. DescribeStream acts on the stream
    resource (table/MyTable/stream/<label>), so the medium RESOURCE_MISMATCH is fair: AWS's own
    example really mixes them. It is the only finding."""
    findings = lint(DYNAMODB_SPECIFIC_TABLE)
    assert codes(findings) == [("RESOURCE_MISMATCH", "medium", 1)]
    assert "dynamodb:DescribeStream" in findings[0].message


def test_dynamodb_specific_table_evaluator() -> None:
    """Same page: every table action on MyTable, in any region of the account, plus List and
    Describe on `*`; other tables are out of reach. DescribeStream on the table's stream is
    not granted by a table ARN (the linter's point above)."""
    assert decide(DYNAMODB_SPECIFIC_TABLE, "dynamodb:GetItem", TABLE) == "allowed"
    assert decide(DYNAMODB_SPECIFIC_TABLE, "dynamodb:DeleteTable", TABLE) == "allowed"
    assert decide(DYNAMODB_SPECIFIC_TABLE, "dynamodb:CreateTable", TABLE) == "allowed"
    west = TABLE.replace(REGION, "eu-west-1")
    assert decide(DYNAMODB_SPECIFIC_TABLE, "dynamodb:Scan", west) == "allowed"
    assert decide(DYNAMODB_SPECIFIC_TABLE, "dynamodb:ListTables", "*") == "allowed"
    other = TABLE.replace("MyTable", "Payroll")
    assert decide(DYNAMODB_SPECIFIC_TABLE, "dynamodb:GetItem", other) == "implicit_deny"
    stream = f"{TABLE}/stream/2026-01-01T00:00:00.000"
    assert decide(DYNAMODB_SPECIFIC_TABLE, "dynamodb:DescribeStream", stream) == "implicit_deny"


def test_dynamodb_specific_table_checks() -> None:
    """One table is no unrestricted read or permissions change; the only audit finding is
    policy.lint carrying the DescribeStream mismatch, at its medium severity."""
    found = check_findings(DYNAMODB_SPECIFIC_TABLE)
    assert set(found) == {"policy.lint"}
    (finding,) = found["policy.lint"]
    assert finding.severity is Severity.MEDIUM
    assert [f["code"] for f in finding.evidence["lint_findings"]] == ["RESOURCE_MISMATCH"]


def test_dynamodb_leading_keys_restricts_items_to_the_cognito_identity() -> None:
    """ "Amazon DynamoDB: Allows item-level access to DynamoDB based on an Amazon Cognito ID"
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_dynamodb_items.html):
    ForAllValues:StringEquals on dynamodb:LeadingKeys = ${cognito-identity.amazonaws.com:sub}
    allows only items whose partition key is the caller's identity ID. Every requested key
    must match (IAM User Guide, "Multivalued context keys"); a request without the key
    satisfies ForAllValues, and actions not listed (Scan) stay denied."""
    assert lint(DYNAMODB_ITEMS_COGNITO) == []
    sub = {"cognito-identity.amazonaws.com:sub": "us-east-1:1111-aaaa"}

    def ask(action: str, keys: list[str] | None) -> str:
        context: dict[str, Any] = dict(sub)
        if keys is not None:
            context["dynamodb:LeadingKeys"] = keys
        return decide(DYNAMODB_ITEMS_COGNITO, action, TABLE, principal=SESSION, context=context)

    assert ask("dynamodb:GetItem", ["us-east-1:1111-aaaa"]) == "allowed"
    assert ask("dynamodb:GetItem", ["us-east-1:2222-bbbb"]) == "implicit_deny"
    assert ask("dynamodb:Query", ["us-east-1:1111-aaaa", "us-east-1:2222-bbbb"]) == (
        "implicit_deny"
    )
    assert ask("dynamodb:GetItem", None) == "allowed"
    assert ask("dynamodb:Scan", ["us-east-1:1111-aaaa"]) == "implicit_deny"
    assert check_findings(DYNAMODB_ITEMS_COGNITO, as_role=True) == {}


# --- Amazon EC2 -----------------------------------------------------------------------------


def test_ec2_tag_owner_lets_users_start_and_stop_only_their_instances() -> None:
    """ "Amazon EC2: Allows starting or stopping EC2 instances a user has tagged,
    programmatically and in the console" (https://docs.aws.amazon.com/IAM/latest/UserGuide/
    reference_policies_examples_ec2_tag-owner.html): Start/Stop only where the instance's
    Owner tag equals the caller's user name; DescribeInstances everywhere."""
    assert decide(EC2_TAG_OWNER, "ec2:DescribeInstances", "*") == "allowed"
    mine = {"aws:ResourceTag/Owner": "alice"}
    theirs = {"aws:ResourceTag/Owner": "bob"}
    assert decide(EC2_TAG_OWNER, "ec2:StartInstances", INSTANCE, context=mine) == "allowed"
    assert decide(EC2_TAG_OWNER, "ec2:StopInstances", INSTANCE, context=mine) == "allowed"
    assert decide(EC2_TAG_OWNER, "ec2:StopInstances", INSTANCE, context=theirs) == ("implicit_deny")
    assert decide(EC2_TAG_OWNER, "ec2:StopInstances", INSTANCE) == "implicit_deny"
    assert decide(EC2_TAG_OWNER, "ec2:TerminateInstances", INSTANCE, context=mine) == (
        "implicit_deny"
    )


def test_ec2_tag_owner_lint_and_checks() -> None:
    """Same page. The linter's one finding is WILDCARD_SENSITIVE as an info note: the
    statement names every instance, but a positive resource-tag condition scopes it, the way
    AWS documents attribute-based access (nothing to fix). No principal check fires:
    Start/Stop are neither data reads, credentials nor permissions management."""
    assert codes(lint(EC2_TAG_OWNER)) == [("WILDCARD_SENSITIVE", "info", 0)]
    found = check_findings(EC2_TAG_OWNER)
    assert set(found) == {"policy.lint"}
    assert found["policy.lint"][0].severity is Severity.INFO


def test_ec2_start_stop_matching_principal_and_resource_tags() -> None:
    """ "EC2: Start or stop instances based on matching principal and resource tags"
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/
    reference_policies_examples_ec2-start-stop-match-tags.html): allowed when the instance's
    CostCenter tag equals the caller's. The page writes ec2:startInstances in lower camel
    case; action names are case-insensitive (IAM User Guide, "IAM JSON policy elements:
    Action"), so the request ec2:StartInstances matches."""
    same = {"aws:ResourceTag/CostCenter": "42", "aws:PrincipalTag/CostCenter": "42"}
    other = {"aws:ResourceTag/CostCenter": "42", "aws:PrincipalTag/CostCenter": "7"}
    untagged_caller = {"aws:ResourceTag/CostCenter": "42"}
    doc_ = EC2_START_STOP_MATCH_TAGS
    assert decide(doc_, "ec2:StartInstances", INSTANCE, context=same) == "allowed"
    assert decide(doc_, "ec2:StopInstances", INSTANCE, context=same) == "allowed"
    assert decide(doc_, "ec2:StartInstances", INSTANCE, context=other) == "implicit_deny"
    assert decide(doc_, "ec2:StartInstances", INSTANCE, context=untagged_caller) == (
        "implicit_deny"
    )
    assert [f.code for f in lint(doc_) if f.code.startswith("UNKNOWN")] == []


def test_ec2_region_allows_ec2_only_in_the_named_region() -> None:
    """ "Amazon EC2: Allows full EC2 access within a specific Region, programmatically and in
    the console" (https://docs.aws.amazon.com/IAM/latest/UserGuide/
    reference_policies_examples_ec2_region.html): ec2:* with StringEquals ec2:Region =
    us-east-2. ec2:Region is a documented EC2 condition key: no unknown-key finding."""
    findings = lint(EC2_REGION)
    assert codes(findings) == [("WILDCARD_SENSITIVE", "low", 0)]
    run = "ec2:RunInstances"
    east2 = f"arn:aws:ec2:us-east-2:{ACCOUNT_ID}:instance/*"
    west1 = f"arn:aws:ec2:us-west-1:{ACCOUNT_ID}:instance/*"
    assert decide(EC2_REGION, run, east2, context={"ec2:Region": "us-east-2"}) == "allowed"
    assert decide(EC2_REGION, run, west1, context={"ec2:Region": "us-west-1"}) == ("implicit_deny")
    assert decide(EC2_REGION, "ec2:DescribeInstances", "*") == "implicit_deny"


def test_ec2_region_is_still_full_ec2_for_the_audit() -> None:
    """Same page: "full EC2 access" in one region. A region condition does not scope which
    resources, so the principal checks are right to fire with the condition recorded as an
    assumption: ec2:GetPasswordData returns credentials, EC2's permissions-management actions
    (launch permissions, ...) are unrestricted, and ModifyInstanceAttribute + Stop/Start run
    code as an existing instance's role (privilege escalation ec2-002) when the account has
    an instance role richer than the holder; without one, there is no role to run as."""
    assert "principal.privilege_escalation" not in check_findings(EC2_REGION)
    instance_role = role(
        "web-instance",
        trust=service_trust("ec2.amazonaws.com"),
        inline_policies=[
            inline(
                "all",
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
                },
            )
        ],
    )
    everything = check_findings(EC2_REGION, other_roles=(instance_role,))
    found = {
        check: mine
        for check, findings in everything.items()
        if (mine := [f for f in findings if "web-instance" not in f.resource_arn])
    }
    assert set(found) == {
        "principal.credentials_exposure",
        "principal.resource_exposure",
        "principal.privilege_escalation",
        "policy.service_wildcard",
        "policy.lint",
    }
    (credentials,) = found["principal.credentials_exposure"]
    assert credentials.evidence["actions"] == ["ec2:GetPasswordData"]
    assert any("ec2:Region" in a for a in credentials.evidence["assumptions"])
    (escalation,) = found["principal.privilege_escalation"]
    assert "ec2-002" in escalation.evidence["method_ids"]


def test_ec2_security_groups_by_tag() -> None:
    """ "Amazon EC2: Allows managing EC2 security groups associated with a specific tag
    key-value pair programmatically and in the console" (https://docs.aws.amazon.com/IAM/
    latest/UserGuide/reference_policies_examples_ec2_securitygroups-vpc.html): rule changes
    only on groups tagged Department=Test in us-east-1 of the account; ModifySecurityGroupRules
    on any security-group-rule there; describe on `*`."""
    assert lint(EC2_SECURITY_GROUPS) == []
    group_arn = f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:security-group/sg-0a1b2c3d"
    test = {"aws:ResourceTag/Department": "Test"}
    prod = {"aws:ResourceTag/Department": "Prod"}
    doc_ = EC2_SECURITY_GROUPS
    ingress = "ec2:AuthorizeSecurityGroupIngress"
    assert decide(doc_, ingress, group_arn, context=test) == "allowed"
    assert decide(doc_, ingress, group_arn, context=prod) == "implicit_deny"
    west = group_arn.replace(REGION, "us-west-2")
    assert decide(doc_, ingress, west, context=test) == "implicit_deny"
    assert decide(doc_, "ec2:DeleteSecurityGroup", group_arn, context=test) == "implicit_deny"
    rule = f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:security-group-rule/sgr-0a1b2c3d"
    assert decide(doc_, "ec2:ModifySecurityGroupRules", rule) == "allowed"
    assert decide(doc_, "ec2:DescribeSecurityGroups", "*") == "allowed"
    assert check_findings(EC2_SECURITY_GROUPS) == {}


# --- AWS Lambda -----------------------------------------------------------------------------


def test_lambda_dynamodb_role_reads_and_writes_one_table_and_logs() -> None:
    """ "AWS Lambda: Allows a Lambda function to access an Amazon DynamoDB table"
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/
    reference_policies_examples_lambda-access-dynamodb.html): read/write on SampleTable (no
    DeleteItem), reading its stream, and writing CloudWatch Logs, for a Lambda service role."""
    table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/SampleTable"
    ask = LAMBDA_DYNAMODB
    assert decide(ask, "dynamodb:GetItem", table, principal=SESSION) == "allowed"
    assert decide(ask, "dynamodb:BatchWriteItem", table, principal=SESSION) == "allowed"
    assert decide(ask, "dynamodb:DeleteItem", table, principal=SESSION) == "implicit_deny"
    other = table.replace("SampleTable", "Other")
    assert decide(ask, "dynamodb:GetItem", other, principal=SESSION) == "implicit_deny"
    stream_log = f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:/aws/lambda/fn:log-stream:abc"
    assert decide(ask, "logs:PutLogEvents", stream_log, principal=SESSION) == "allowed"
    # The stream statement as meant (the page's ARN ends in a stray space, see below).
    trimmed = copy.deepcopy(LAMBDA_DYNAMODB)
    trimmed["Statement"][1]["Resource"] = trimmed["Statement"][1]["Resource"].strip()
    stream = f"{table}/stream/2026-01-01T00:00:00.000"
    assert decide(trimmed, "dynamodb:GetRecords", stream, principal=SESSION) == "allowed"


def test_lambda_dynamodb_lint_and_checks() -> None:
    """Same page. Lint: WILDCARD_SENSITIVE (medium) on the two logs statements, which really
    grant log writes on `*` (fair; AWS's AWSLambdaBasicExecutionRole does the same). The
    checks see one table and log writes: no principal finding for the Lambda role."""
    assert codes(lint(LAMBDA_DYNAMODB)) == [
        ("INVALID_ARN", "medium", 1),  # the stray space: see the next test
        ("WILDCARD_SENSITIVE", "medium", 2),
        ("WILDCARD_SENSITIVE", "medium", 3),
    ]
    found = check_findings(LAMBDA_DYNAMODB, as_role=True)
    assert set(found) == {"policy.lint"}


def test_lambda_dynamodb_stray_space_in_stream_arn_is_reported() -> None:
    """Same page: the GetStreamRecords Resource is written "arn:aws:dynamodb:*:*:table/
    SampleTable/stream/* " (trailing space). The page means it to allow reading the table's
    stream; matched literally it names no real stream ARN, and our evaluator (like, as far as
    we know, AWS) then denies GetRecords. Whether IAM trims it is not documented, so either
    the grant is dead or the space is noise: the linter should say so (INVALID_ARN)."""
    findings = [f for f in lint(LAMBDA_DYNAMODB) if f.statement == 1]
    assert [f.code for f in findings] == ["INVALID_ARN"]


# --- Amazon RDS and region restriction ------------------------------------------------------


def test_rds_region_full_access_in_one_region() -> None:
    """ "Amazon RDS: Allows full RDS database access within a specific Region"
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_rds_region.html):
    rds:* on arn:aws:rds:us-east-1:*:*, and rds:Describe* anywhere."""
    assert lint(RDS_REGION) == []
    east = f"arn:aws:rds:us-east-1:{ACCOUNT_ID}:db:orders"
    west = east.replace("us-east-1", "us-west-2")
    assert decide(RDS_REGION, "rds:CreateDBInstance", east) == "allowed"
    assert decide(RDS_REGION, "rds:DeleteDBInstance", east) == "allowed"
    assert decide(RDS_REGION, "rds:CreateDBInstance", west) == "implicit_deny"
    assert decide(RDS_REGION, "rds:DescribeDBInstances", west) == "allowed"
    found = check_findings(RDS_REGION)
    assert set(found) == {"policy.service_wildcard"}


def test_deny_outside_requested_regions() -> None:
    """ "AWS: Denies access to AWS based on the requested Region" (https://docs.aws.amazon.com/
    IAM/latest/UserGuide/reference_policies_examples_aws_deny-requested-region.html): with
    Deny + NotAction, every action outside the listed regions is denied except the global
    services named (IAM, CloudFront, Route 53, ...). The policy alone allows nothing."""
    assert lint(DENY_OUTSIDE_REGIONS) == []
    admin = ADMINISTRATOR_ACCESS_DOC
    both = [admin, DENY_OUTSIDE_REGIONS]
    us = {"aws:RequestedRegion": "us-east-1"}
    eu = {"aws:RequestedRegion": "eu-west-1"}
    assert decide(both, "ec2:RunInstances", "*", context=us) == "explicit_deny"
    assert decide(both, "ec2:RunInstances", "*", context=eu) == "allowed"
    assert decide(both, "iam:CreateUser", "*", context=us) == "allowed"
    assert decide(DENY_OUTSIDE_REGIONS, "ec2:RunInstances", "*", context=eu) == "implicit_deny"


def test_deny_outside_requested_regions_checks() -> None:
    """Same page: Deny with NotAction grants nothing, so policy.notaction_allow (Allow with
    NotAction) must stay quiet; next to AdministratorAccess the principal stays admin
    equivalent, since iam:* is exempted from the region deny."""
    alone = check_findings(DENY_OUTSIDE_REGIONS)
    assert alone == {}
    with_admin = check_findings(DENY_OUTSIDE_REGIONS, extra_policies=(ADMINISTRATOR_ACCESS,))
    assert "policy.notaction_allow" not in with_admin
    assert [f.resource_arn for f in with_admin["principal.admin_equivalent"]] == [USER]


# --- AWS Secrets Manager --------------------------------------------------------------------


def test_secrets_read_one_secret_with_its_key() -> None:
    """AWS Secrets Manager User Guide, "Permissions policy examples" (https://docs.aws.amazon.com/
    secretsmanager/latest/userguide/auth-and-access_examples.html), "Read one secret encrypted
    with a customer managed key (attach to an identity)": GetSecretValue on that secret and
    kms:Decrypt on that key; no other secret. One secret and one key are not unrestricted."""
    assert lint(SECRETS_READ_ONE_WITH_KEY) == []
    doc_ = SECRETS_READ_ONE_WITH_KEY
    assert decide(doc_, "secretsmanager:GetSecretValue", SECRET) == "allowed"
    assert decide(doc_, "secretsmanager:GetSecretValue", OTHER_SECRET) == "implicit_deny"
    assert decide(doc_, "kms:Decrypt", KEY) == "allowed"
    assert decide(doc_, "kms:Decrypt", KEY_US_WEST_2) == "implicit_deny"
    assert check_findings(doc_) == {}


def test_secrets_batch_retrieval_needs_get_secret_value_per_secret() -> None:
    """Same page, "Permission to retrieve a group of secret values in a batch":
    BatchGetSecretValue and ListSecrets on `*`, GetSecretValue on the secrets in the batch.
    BatchGetSecretValue on `*` reads nothing by itself, so no data_exfiltration."""
    assert lint(SECRETS_BATCH) == []
    assert decide(SECRETS_BATCH, "secretsmanager:BatchGetSecretValue", "*") == "allowed"
    assert decide(SECRETS_BATCH, "secretsmanager:GetSecretValue", OTHER_SECRET) == "allowed"
    third = OTHER_SECRET.replace("api-GhIjKl", "hr-MnOpQr")
    assert decide(SECRETS_BATCH, "secretsmanager:GetSecretValue", third) == "implicit_deny"
    assert check_findings(SECRETS_BATCH) == {}


def test_secrets_by_resource_tag_evaluator() -> None:
    """Same page, "Control access to secrets using tags": DescribeSecret and GetSecretValue on
    `*` but only for secrets tagged ServerName=ServerABC; and the ABAC variant where the
    secret's AccessProject tag must equal the caller's."""
    assert lint(SECRETS_BY_TAG) == []
    get = "secretsmanager:GetSecretValue"
    tagged = {"aws:ResourceTag/ServerName": "ServerABC"}
    assert decide(SECRETS_BY_TAG, get, SECRET, context=tagged) == "allowed"
    other = {"aws:ResourceTag/ServerName": "ServerXYZ"}
    assert decide(SECRETS_BY_TAG, get, SECRET, context=other) == "implicit_deny"
    assert decide(SECRETS_BY_TAG, get, SECRET) == "implicit_deny"
    same = {"aws:ResourceTag/AccessProject": "alpha", "aws:PrincipalTag/AccessProject": "alpha"}
    differ = {"aws:ResourceTag/AccessProject": "alpha", "aws:PrincipalTag/AccessProject": "beta"}
    untagged_caller = {"aws:ResourceTag/AccessProject": "alpha"}
    assert decide(SECRETS_ABAC, get, SECRET, context=same) == "allowed"
    assert decide(SECRETS_ABAC, get, SECRET, context=differ) == "implicit_deny"
    assert decide(SECRETS_ABAC, get, SECRET, context=untagged_caller) == "implicit_deny"


@pytest.mark.parametrize("document", [SECRETS_BY_TAG, SECRETS_ABAC], ids=["tag", "abac"])
def test_secrets_by_resource_tag_are_not_unrestricted_reads(document: Doc) -> None:
    """principal.data_exfiltration reports reads allowed "on every resource". The tag examples
    allow GetSecretValue on Resource `*` only for secrets carrying a tag (or the caller's tag
    value): a secret without the tag is out of reach, so the read is not unrestricted (the
    check asks about an untagged resource; the escalation search decides tag conditions on
    the real resources). A Cloudsplaining-style reading that ignores conditions would report
    it; the AWS guide presents it as the way to scope access."""
    found = check_findings(document)
    assert "principal.data_exfiltration" not in found
    # The same read without the tag condition is reported.
    unscoped = copy.deepcopy(document)
    for statement in unscoped["Statement"]:
        statement.pop("Condition", None)
    assert "principal.data_exfiltration" in check_findings(unscoped)


# --- AWS KMS --------------------------------------------------------------------------------


def test_kms_encrypt_decrypt_in_one_account_and_region() -> None:
    """AWS KMS Developer Guide, "IAM policy examples" (https://docs.aws.amazon.com/kms/latest/
    developerguide/customer-managed-policies.html): "any KMS key in a specific AWS account"
    (key ARN arn:aws:kms:*:<account>:key/*) and "... and Region" (us-west-2 only). Keys of
    other accounts and regions are not covered. (The key policy must allow too; the audit
    assumes the default key policy, which delegates to IAM.)"""
    for document in (KMS_ONE_ACCOUNT, KMS_ONE_ACCOUNT_ONE_REGION, KMS_SPECIFIC_KEYS):
        assert lint(document) == []
    assert decide(KMS_ONE_ACCOUNT, "kms:Decrypt", KEY) == "allowed"
    assert decide(KMS_ONE_ACCOUNT, "kms:GenerateDataKeyWithoutPlaintext", KEY) == "allowed"
    assert decide(KMS_ONE_ACCOUNT, "kms:ReEncryptFrom", KEY_US_WEST_2) == "allowed"
    foreign = KEY.replace(ACCOUNT_ID, "999988887777")
    assert decide(KMS_ONE_ACCOUNT, "kms:Decrypt", foreign) == "implicit_deny"
    assert decide(KMS_ONE_ACCOUNT, "kms:ScheduleKeyDeletion", KEY) == "implicit_deny"
    assert decide(KMS_ONE_ACCOUNT_ONE_REGION, "kms:Decrypt", KEY_US_WEST_2) == "allowed"
    assert decide(KMS_ONE_ACCOUNT_ONE_REGION, "kms:Decrypt", KEY) == "implicit_deny"
    assert decide(KMS_SPECIFIC_KEYS, "kms:Decrypt", KEY) == "allowed"
    assert decide(KMS_SPECIFIC_KEYS, "kms:Decrypt", KEY_US_WEST_2) == "implicit_deny"


@pytest.mark.parametrize(
    "document",
    [KMS_ONE_ACCOUNT, KMS_ONE_ACCOUNT_ONE_REGION, KMS_SPECIFIC_KEYS],
    ids=["account", "account-region", "keys"],
)
def test_kms_key_arn_scoped_decrypt_is_not_data_exfiltration(document: Doc) -> None:
    """checks.md principal.data_exfiltration counts kms:Decrypt "on `*`". Key ARNs (even
    arn:aws:kms:*:<account>:key/*) are not `*`, so the check is quiet. Note: the account-wide
    pattern reaches every key of the account, which Security Hub KMS.1 ("all KMS keys") might
    count; the definitions differ there, so this pins the documented "on `*`" reading."""
    assert check_findings(document) == {}


def test_kms_deny_disable_and_delete() -> None:
    """Same guide, "Prevent a user from disabling or deleting any KMS keys": an explicit Deny
    of kms:DisableKey and kms:ScheduleKeyDeletion on `*` beats kms:* elsewhere; other KMS
    actions are untouched. The Deny alone triggers no check."""
    kms_all = doc({"Effect": "Allow", "Action": "kms:*", "Resource": "*"})
    both = [kms_all, KMS_DENY_DISABLE_DELETE]
    assert decide(both, "kms:ScheduleKeyDeletion", KEY) == "explicit_deny"
    assert decide(both, "kms:DisableKey", KEY) == "explicit_deny"
    assert decide(both, "kms:Decrypt", KEY) == "allowed"
    assert decide(both, "kms:EnableKey", KEY) == "allowed"
    assert lint(KMS_DENY_DISABLE_DELETE) == []
    assert check_findings(KMS_DENY_DISABLE_DELETE) == {}


def test_kms_via_service_limits_key_use_to_named_services() -> None:
    """AWS KMS Developer Guide, "kms:ViaService" (https://docs.aws.amazon.com/kms/latest/
    developerguide/conditions-kms.html#conditions-kms-via-service): the key may be used only
    in requests that EC2 or RDS make on the caller's behalf in us-west-2. A documented key:
    no lint finding; CreateGrant is scoped to one key, so no resource_exposure."""
    assert lint(KMS_VIA_SERVICE) == []
    ec2 = {"kms:ViaService": "ec2.us-west-2.amazonaws.com"}
    s3 = {"kms:ViaService": "s3.us-west-2.amazonaws.com"}
    assert decide(KMS_VIA_SERVICE, "kms:Decrypt", KEY, context=ec2) == "allowed"
    assert decide(KMS_VIA_SERVICE, "kms:CreateGrant", KEY, context=ec2) == "allowed"
    assert decide(KMS_VIA_SERVICE, "kms:Decrypt", KEY, context=s3) == "implicit_deny"
    assert decide(KMS_VIA_SERVICE, "kms:Decrypt", KEY) == "implicit_deny"
    assert check_findings(KMS_VIA_SERVICE) == {}


# --- AWS managed policies for job functions -------------------------------------------------


def test_power_user_access_cannot_manage_users_and_groups() -> None:
    """ "AWS managed policies for job functions" (https://docs.aws.amazon.com/IAM/latest/
    UserGuide/access_policies_job-functions.html) and "PowerUserAccess"
    (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/PowerUserAccess.html):
    full access to AWS services and resources, but not management of users and groups
    (NotAction iam:*, organizations:*, account:*, with a few reads added back)."""
    doc_ = POWER_USER_ACCESS
    assert decide(doc_, "ec2:RunInstances", INSTANCE) == "allowed"
    assert decide(doc_, "s3:GetObject", f"arn:aws:s3:::{BUCKET}/x") == "allowed"
    assert decide(doc_, "iam:ListRoles", "*") == "allowed"
    assert decide(doc_, "iam:CreateServiceLinkedRole", "*") == "allowed"
    for action, resource in (
        ("iam:CreateUser", user_arn("mallory")),
        ("iam:AddUserToGroup", f"arn:aws:iam::{ACCOUNT_ID}:group/admins"),
        ("iam:PassRole", role_arn("admin")),
        ("organizations:LeaveOrganization", "*"),
        ("account:PutAlternateContact", "*"),
    ):
        assert decide(doc_, action, resource) == "implicit_deny", action


def test_power_user_access_checks() -> None:
    """PowerUserAccess attached to a user: not admin equivalent (no IAM writes), flagged by
    policy.notaction_allow and policy.passrole_star (sts:AssumeRole on `*` through NotAction,
    as checks.md defines it), by the unrestricted read/exposure checks and by escalation
    through existing roles (no iam:PassRole, so only "existing-passrole" methods). policy.lint
    runs on customer and inline policies only, not on this AWS-managed one."""
    found = check_findings(POWER_USER_ACCESS, name="PowerUserAccess", aws_managed=True)
    assert "principal.admin_equivalent" not in found
    assert "policy.lint" not in found
    for check_id in (
        "policy.notaction_allow",
        "policy.passrole_star",
        "policy.full_access_sensitive",
        "principal.data_exfiltration",
        "principal.privilege_escalation",
    ):
        assert check_id in found, check_id
    (escalation,) = found["principal.privilege_escalation"]
    methods = methods_by_id()
    needing_pass_role = [
        method_id
        for method_id in escalation.evidence["method_ids"]
        if PASS_ROLE in methods[method_id].actions
    ]
    assert needing_pass_role == []


def test_power_user_access_escalations_are_all_through_existing_roles() -> None:
    """Same pages: PowerUserAccess holds no iam:PassRole, so every escalation it has runs as a
    role already attached somewhere (an existing stack, instance, function). The evidence's
    method categories should say so: none "new-passrole"."""
    found = check_findings(POWER_USER_ACCESS, name="PowerUserAccess", aws_managed=True)
    (escalation,) = found["principal.privilege_escalation"]
    methods = methods_by_id()
    categories = {methods[m].category for m in escalation.evidence["method_ids"]}
    assert "new-passrole" not in categories


def test_administrator_access_is_admin_equivalent() -> None:
    """ "AWS managed policies for job functions", Administrator job function: AdministratorAccess
    grants every action on every resource. A user holding it is admin equivalent (critical
    for users, checks.md) and identity.aws_admin_attached names it."""
    snap = snapshot(
        users=[user("alice", groups=[], attached_policies=[ADMINISTRATOR_ACCESS])],
        policies=[
            managed_policy("AdministratorAccess", ADMINISTRATOR_ACCESS_DOC, aws_managed=True)
        ],
    )
    (admin,) = run_check("principal.admin_equivalent", snap)
    assert admin.resource_arn == USER
    assert admin.severity is Severity.CRITICAL
    assert len(run_check("identity.aws_admin_attached", snap)) == 1
    assert decide(ADMINISTRATOR_ACCESS_DOC, "iam:CreateUser", user_arn("x")) == "allowed"
