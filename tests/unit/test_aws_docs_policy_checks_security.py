"""IAM Access Analyzer's security warnings, one test per check of the reference (IAM User Guide,
"IAM policy validation check reference", access-analyzer-reference-policy-checks.html): the
check's example (or the smallest policy its text describes) is reported, and the correction the
page gives is not. A security warning is at least MEDIUM here (see
test_lint_access_analyzer_severities). Checks the linter does not make yet, in files another
helper owns, are strict xfails naming the change.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.catalogue import ActionCatalogue, default_catalogue
from bot.iam.lint_model import LintFinding
from bot.model.severity import Severity
from tests.policy_check_support import (
    BUCKET,
    GITHUB,
    doc,
    lint,
    only,
)

MAIN_BRANCH = "repo:octo-org/octo-repo:ref:refs/heads/main"


@pytest.fixture(scope="module")
def catalogue() -> ActionCatalogue:
    return default_catalogue()


def mentioning(findings: list[LintFinding], text: str) -> list[LintFinding]:
    return [f for f in findings if text.lower() in f.message.lower()]


# Source: REFERENCE,
# "Security Warning - Untrustworthy condition key": aws:Referer and aws:UserAgent are set by
# the caller (IAM User Guide, global condition keys: "can be spoofed").
def test_untrustworthy_condition_key(catalogue: ActionCatalogue) -> None:
    statement = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": f"{BUCKET}/*",
        "Condition": {"StringEquals": {"aws:UserAgent": "my-internal-tool/1.0"}},
    }
    found = mentioning(lint(catalogue, doc(statement)), "aws:UserAgent")
    assert found
    assert all(f.severity.rank >= Severity.MEDIUM.rank for f in found)


# Source: REFERENCE,
# "Security Warning - Allow with NotPrincipal"; the page's alternative (Deny with NotPrincipal)
# is not reported.
def test_allow_with_not_principal(catalogue: ActionCatalogue) -> None:
    allow = {
        "Effect": "Allow",
        "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:user/Bob"},
        "Action": "s3:GetObject",
        "Resource": f"{BUCKET}/*",
    }
    (found,) = only(lint(catalogue, doc(allow), "resource"), "ALLOW_NOT_PRINCIPAL")
    assert found.severity.rank >= Severity.MEDIUM.rank
    deny = {**allow, "Effect": "Deny"}
    assert only(lint(catalogue, doc(deny), "resource"), "ALLOW_NOT_PRINCIPAL") == []


# Source: REFERENCE,
# "Security Warning - ForAllValues with single valued key" (true when the key is absent).
def test_forallvalues_with_single_valued_key(catalogue: ActionCatalogue) -> None:
    statement = {
        "Effect": "Allow",
        "Action": "ec2:DescribeInstances",
        "Resource": "*",
        "Condition": {"ForAllValues:StringEquals": {"aws:RequestedRegion": ["eu-west-1"]}},
    }
    found = only(lint(catalogue, doc(statement)), "CONDITION_TYPE_MISMATCH")
    assert [f.severity for f in found] == [Severity.MEDIUM]
    fixed = {**statement, "Condition": {"StringEquals": {"aws:RequestedRegion": ["eu-west-1"]}}}
    assert lint(catalogue, doc(fixed)) == []


# REFERENCE: the six "Security Warning - Pass role with ..." checks (NotResource, star in
# action and NotResource, NotAction and NotResource, star in resource, star in action and
# resource, star in resource and NotAction).
@pytest.mark.parametrize(
    ("statement", "kind"),
    [
        pytest.param(
            {"Action": "iam:PassRole", "NotResource": "arn:aws:iam::111122223333:role/admin"},
            "not_resource",
            id="pass-role-with-not-resource",
        ),
        pytest.param(
            {"Action": "iam:*", "NotResource": "arn:aws:iam::111122223333:role/admin"},
            "not_resource",
            id="pass-role-with-star-in-action-and-not-resource",
        ),
        pytest.param(
            {"NotAction": "s3:*", "NotResource": "arn:aws:iam::111122223333:role/admin"},
            "not_resource",
            id="pass-role-with-not-action-and-not-resource",
        ),
        pytest.param(
            {"Action": "iam:PassRole", "Resource": "*"},
            "star_resource",
            id="pass-role-with-star-in-resource",
        ),
        pytest.param(
            {"Action": "*", "Resource": "*"},
            "star_resource",
            id="pass-role-with-star-in-action-and-resource",
        ),
        pytest.param(
            {"NotAction": "s3:*", "Resource": "*"},
            "star_resource",
            id="pass-role-with-star-in-resource-and-not-action",
        ),
        # Every role of the account is every role the holder can pass (a role of another
        # account cannot be passed): the same warning as "*".
        pytest.param(
            {"Action": "iam:PassRole", "Resource": "arn:aws:iam::111122223333:role/*"},
            "star_resource",
            id="pass-role-with-star-in-resource-one-account",
        ),
    ],
)
def test_pass_role_checks(catalogue: ActionCatalogue, statement: dict[str, Any], kind: str) -> None:
    found = only(lint(catalogue, doc({"Effect": "Allow", **statement})), "PASS_ROLE_WILDCARD")
    assert [(f.detail["kind"], f.severity) for f in found] == [(kind, Severity.MEDIUM)]


@pytest.mark.parametrize(
    "statement",
    [
        # The page: "the following resource ARN might not generate a finding" (a service's own
        # naming convention for its roles).
        {"Action": "iam:PassRole", "Resource": "arn:aws:iam::*:role/Service*"},
        # The resolution: name the role ...
        {"Action": "iam:PassRole", "Resource": "arn:aws:iam::111122223333:role/app-task-role"},
        # ... or limit the service it is passed to.
        {
            "Action": "iam:PassRole",
            "Resource": "*",
            "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
        },
    ],
)
def test_pass_role_resolutions(catalogue: ActionCatalogue, statement: dict[str, Any]) -> None:
    assert only(lint(catalogue, doc({"Effect": "Allow", **statement})), "PASS_ROLE_WILDCARD") == []


# Source: REFERENCE,
# "Security Warning - Missing paired condition keys": its example, aws:VpcSourceIp without
# aws:SourceVpc.
def test_missing_paired_condition_keys(catalogue: ActionCatalogue) -> None:
    statement = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": f"{BUCKET}/*",
        "Condition": {"IpAddress": {"aws:VpcSourceIp": "10.0.0.0/16"}},
    }
    (found,) = only(lint(catalogue, doc(statement)), "MISSING_PAIRED_KEY")
    assert found.severity is Severity.MEDIUM
    paired = {
        **statement,
        "Condition": {
            "IpAddress": {"aws:VpcSourceIp": "10.0.0.0/16"},
            "StringEquals": {"aws:SourceVpc": "vpc-1a2b3c4d"},
        },
    }
    assert only(lint(catalogue, doc(paired)), "MISSING_PAIRED_KEY") == []


# Source: REFERENCE,
# "Security Warning - Deny with unsupported tag condition key for service": the page's
# corrected policy (tag condition for App Mesh and Backup, a naming convention for the rest)
# has no finding; a Deny whose action carries no aws:ResourceTag is reported.
def test_deny_with_unsupported_tag_condition_key(catalogue: ActionCatalogue) -> None:
    corrected = doc(
        {
            "Sid": "DenyDeleteSupported",
            "Effect": "Deny",
            "Action": ["appmesh:DeleteMesh", "backup:DeleteBackupPlan"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:ResourceTag/status": "Confidential"}},
        },
        {
            "Sid": "DenyDeleteUnsupported",
            "Effect": "Deny",
            "Action": "lambda:DeleteFunction",
            "Resource": "arn:aws:lambda:*:123456789012:function:status-Confidential*",
        },
    )
    assert only(lint(catalogue, corrected), "TAG_KEY_UNSUPPORTED") == []
    unsupported = doc(
        {
            "Effect": "Deny",
            "Action": ["appmesh:DeleteMesh", "s3:ListAllMyBuckets"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:ResourceTag/status": "Confidential"}},
        }
    )
    (found,) = only(lint(catalogue, unsupported), "TAG_KEY_UNSUPPORTED")
    assert found.severity is Severity.MEDIUM
    assert "s3" in found.message


# Source: REFERENCE,
# "Security Warning - Deny NotAction with unsupported tag condition key for service".
def test_deny_notaction_with_unsupported_tag_condition_key(catalogue: ActionCatalogue) -> None:
    statement = {
        "Effect": "Deny",
        "NotAction": "iam:*",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/status": "Confidential"}},
    }
    (found,) = only(lint(catalogue, doc(statement)), "TAG_KEY_UNSUPPORTED")
    assert found.severity is Severity.MEDIUM


# Source: REFERENCE,
# "Security Warning - Restrict access to service principal": any of aws:SourceArn,
# aws:SourceAccount, aws:SourceOrgID or aws:SourceOrgPaths resolves it.
def test_restrict_access_to_service_principal(catalogue: ActionCatalogue) -> None:
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": "sns:Publish",
        "Resource": "arn:aws:sns:us-east-1:111122223333:trail-topic",
    }
    (found,) = only(lint(catalogue, doc(statement), "resource"), "CONFUSED_DEPUTY")
    assert found.severity is Severity.MEDIUM
    for key in ("aws:SourceOrgID", "aws:SourceOrgPaths"):
        assert "aws:SourceOrgID" in found.message
        limited = {
            **statement,
            "Condition": {"ForAnyValue:StringLike": {key: "o-a1b2c3d4e5*"}}
            if key == "aws:SourceOrgPaths"
            else {"StringEquals": {key: "o-a1b2c3d4e5"}},
        }
        assert only(lint(catalogue, doc(limited), "resource"), "CONFUSED_DEPUTY") == [], key
    for key, value in (
        ("aws:SourceAccount", "111122223333"),
        ("aws:SourceArn", "arn:aws:cloudtrail:us-east-1:111122223333:trail/main"),
    ):
        limited = {**statement, "Condition": {"StringEquals": {key: value}}}
        assert only(lint(catalogue, doc(limited), "resource"), "CONFUSED_DEPUTY") == [], key


# Source: REFERENCE,
# "Security Warning - Missing condition key for oidc principal".
def test_missing_condition_key_for_oidc_principal(catalogue: ActionCatalogue) -> None:
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/oidc.example.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
    }
    (found,) = only(lint(catalogue, doc(statement), "trust"), "OIDC_MISSING_AUDIENCE")
    assert found.severity is Severity.MEDIUM
    pinned = {**statement, "Condition": {"StringEquals": {"oidc.example.com:aud": "my-app-id"}}}
    assert lint(catalogue, doc(pinned), "trust") == []


# Source: REFERENCE,
# "Security Warning - Missing github repo condition key".
def test_missing_github_repo_condition_key(catalogue: ActionCatalogue) -> None:
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": GITHUB},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
        },
    }
    (found,) = only(lint(catalogue, doc(statement), "trust"), "OIDC_MISSING_SUBJECT")
    assert found.severity is Severity.HIGH
    pinned = {
        **statement,
        "Condition": {
            "StringEquals": {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                "token.actions.githubusercontent.com:sub": MAIN_BRANCH,
            }
        },
    }
    assert lint(catalogue, doc(pinned), "trust") == []


# Source: REFERENCE,
# "Security Warning - String like operator with ARN condition keys": use ArnLike.
def test_string_like_operator_with_arn_condition_keys(catalogue: ActionCatalogue) -> None:
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": "arn:aws:sqs:us-east-1:111122223333:queue",
        "Condition": {"StringLike": {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:*"}},
    }
    found = mentioning(lint(catalogue, doc(statement), "resource"), "ArnLike")
    assert found
    assert all(f.severity.rank >= Severity.MEDIUM.rank for f in found)


def test_arn_like_on_arn_condition_key_is_quiet(catalogue: ActionCatalogue) -> None:
    """The resolution of the check above: ArnLike on aws:SourceArn."""
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": "arn:aws:sqs:us-east-1:111122223333:queue",
        "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:*"}},
    }
    assert lint(catalogue, doc(statement), "resource") == []


# Source: REFERENCE,
# "Security Warning - DynamoDB attributes without select".
DYNAMODB_ATTRIBUTES = {
    "Effect": "Allow",
    "Action": ["dynamodb:GetItem", "dynamodb:Query"],
    "Resource": "arn:aws:dynamodb:us-east-1:111122223333:table/GameScores",
    "Condition": {"ForAllValues:StringEquals": {"dynamodb:Attributes": ["UserId", "TopScore"]}},
}


def test_dynamodb_attributes_without_select(catalogue: ActionCatalogue) -> None:
    found = mentioning(lint(catalogue, doc(DYNAMODB_ATTRIBUTES)), "dynamodb:Select")
    assert [(f.code, f.detail["kind"], f.severity) for f in found] == [
        ("MISSING_PAIRED_KEY", "dynamodb_select", Severity.MEDIUM)
    ]


def test_dynamodb_attributes_with_select_if_exists_is_quiet(catalogue: ActionCatalogue) -> None:
    """The DynamoDB Developer Guide's fine-grained example writes StringEqualsIfExists."""
    conditions = {
        **DYNAMODB_ATTRIBUTES["Condition"],
        "StringEqualsIfExists": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"},
    }
    assert lint(catalogue, doc({**DYNAMODB_ATTRIBUTES, "Condition": conditions})) == []


def test_dynamodb_attributes_with_select_is_quiet(catalogue: ActionCatalogue) -> None:
    """The check's resolution: StringEquals dynamodb:Select SPECIFIC_ATTRIBUTES alongside."""
    conditions = {
        **DYNAMODB_ATTRIBUTES["Condition"],
        "StringEquals": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"},
    }
    assert lint(catalogue, doc({**DYNAMODB_ATTRIBUTES, "Condition": conditions})) == []


# Source: REFERENCE,
# "Security Warning - S3 prefix in negative context": a Deny with StringLike on s3:prefix is
# bypassed with a shorter prefix.
def _list_bucket(effect: str, operator: str) -> dict[str, Any]:
    return {
        "Effect": effect,
        "Action": "s3:ListBucket",
        "Resource": BUCKET,
        "Condition": {operator: {"s3:prefix": "private/*"}},
    }


def test_s3_prefix_in_negative_context(catalogue: ActionCatalogue) -> None:
    document = doc(
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET},
        _list_bucket("Deny", "StringLike"),
    )
    found = mentioning(lint(catalogue, document), "s3:prefix")
    assert [(f.detail["kind"], f.severity) for f in found] == [
        ("s3_prefix_negative", Severity.MEDIUM)
    ]
    # The other negative form: an Allow of the prefixes that do not match.
    allow_not = mentioning(
        lint(catalogue, doc(_list_bucket("Allow", "StringNotLike"))), "s3:prefix"
    )
    assert [f.detail["kind"] for f in allow_not] == ["s3_prefix_negative"]


@pytest.mark.parametrize(
    ("effect", "operator"), [("Allow", "StringLike"), ("Deny", "StringNotLike")]
)
def test_s3_prefix_resolutions_are_quiet(
    catalogue: ActionCatalogue, effect: str, operator: str
) -> None:
    """The page's two patterns that do restrict listing."""
    assert mentioning(lint(catalogue, doc(_list_bucket(effect, operator))), "s3:prefix") == []


# Source: REFERENCE,
# "Security Warning - ForAnyValue with audience claim type".
def test_foranyvalue_with_audience_claim_type(catalogue: ActionCatalogue) -> None:
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": GITHUB},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "ForAnyValue:StringEquals": {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"
            },
            "StringEquals": {"token.actions.githubusercontent.com:sub": MAIN_BRANCH},
        },
    }
    found = only(lint(catalogue, doc(statement), "trust"), "CONDITION_TYPE_MISMATCH")
    assert [f.severity for f in found] == [Severity.MEDIUM]
