"""The linter's Access Analyzer and Parliament counterparts: each code fires on the documented
example of its problem and stays quiet on the documented correct form.

Sources (facts only): IAM User Guide "IAM Access Analyzer policy validation check reference"
(AA below), its policy examples pages, "AWS JSON policy elements: Principal", "IAM policy
elements: Variables", and Parliament's finding types (its config.yaml and community auditors).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bot.audit.findings import Severity
from bot.iam.catalogue import ActionCatalogue, default_catalogue
from bot.iam.lint_detect import detect_policy_type
from bot.iam.lint_model import CODES, LintFinding
from bot.iam.linter import lint_policy
from bot.iam.privesc_methods import EscalationMethod


@pytest.fixture(scope="module")
def catalogue() -> ActionCatalogue:
    return default_catalogue()


def doc(*statements: dict[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    document: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        document["Version"] = version
    return document


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def lint(
    catalogue: ActionCatalogue,
    document: Any,
    policy_type: str | None = "identity",
    resource_type: str | None = None,
    *,
    capabilities: bool = False,
) -> list[LintFinding]:
    return lint_policy(
        document,
        catalogue=catalogue,
        policy_type=policy_type,  # type: ignore[arg-type]
        resource_type=resource_type,
        capabilities=capabilities,
    )


def only(findings: list[LintFinding], code: str) -> list[LintFinding]:
    return [f for f in findings if f.code == code]


def kinds(findings: list[LintFinding], code: str) -> list[str]:
    return [f.detail.get("kind", "") for f in only(findings, code)]


# --- 1. condition keys the statement's actions do not carry ------------------------------------


@pytest.mark.parametrize(
    ("action", "key"),
    [
        ("s3:ListBucket", "s3:x-amz-storage-class"),
        ("iam:CreateUser", "iam:PassedToService"),
        ("ec2:*", "iam:ResourceTag/team"),
    ],
)
def test_service_key_no_action_supports(catalogue: ActionCatalogue, action: str, key: str) -> None:
    """Issue 13's three cases; AA "Invalid service condition key" for the statement's actions."""
    findings = lint(catalogue, doc(allow(action, Condition={"StringEquals": {key: "x"}})))
    (found,) = only(findings, "CONDITION_KEY_UNSUPPORTED")
    assert found.detail["key"] == key
    assert found.severity is Severity.MEDIUM
    assert "grants nothing" in found.message


def test_service_key_in_a_deny_is_high(catalogue: ActionCatalogue) -> None:
    findings = lint(
        catalogue,
        doc(deny("s3:ListBucket", Condition={"StringEquals": {"s3:x-amz-storage-class": "X"}})),
    )
    (found,) = only(findings, "CONDITION_KEY_UNSUPPORTED")
    assert found.severity is Severity.HIGH
    assert "never fires" in found.message


@pytest.mark.parametrize(
    ("action", "condition"),
    [
        ("s3:PutObject", {"StringEquals": {"s3:x-amz-storage-class": "STANDARD_IA"}}),
        ("iam:PassRole", {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}),
        # a key on the resource type (secretsmanager:ResourceTag/tag-key), not per action
        (
            "secretsmanager:GetSecretValue",
            {"StringEquals": {"secretsmanager:ResourceTag/env": "prod"}},
        ),
        # a key that says where the request came from: applies to every service's actions
        ("s3:GetObject", {"ArnEquals": {"ec2:SourceInstanceARN": "arn:aws:ec2:*:*:instance/*"}}),
    ],
)
def test_service_key_supported(
    catalogue: ActionCatalogue, action: str, condition: dict[str, Any]
) -> None:
    findings = lint(catalogue, doc(allow(action, Condition=condition)))
    assert only(findings, "CONDITION_KEY_UNSUPPORTED") == []


def test_tag_key_for_a_service_without_it(catalogue: ActionCatalogue) -> None:
    """AA "Deny with unsupported tag condition key for service": its example's AppMesh and Backup
    actions support aws:ResourceTag; s3:ListAllMyBuckets (no resource type) does not."""
    supported = deny(
        ["appmesh:DeleteMesh", "backup:DeleteBackupPlan"],
        Condition={"StringEquals": {"aws:ResourceTag/status": "Confidential"}},
    )
    assert only(lint(catalogue, doc(supported)), "TAG_KEY_UNSUPPORTED") == []
    unsupported = deny(
        ["appmesh:DeleteMesh", "s3:ListAllMyBuckets"],
        Condition={"StringEquals": {"aws:ResourceTag/status": "Confidential"}},
    )
    (found,) = only(lint(catalogue, doc(unsupported)), "TAG_KEY_UNSUPPORTED")
    assert found.detail["services"] == ["s3"]
    assert found.severity is Severity.MEDIUM
    as_allow = {**unsupported, "Effect": "Allow"}
    (suggestion,) = only(lint(catalogue, doc(as_allow)), "TAG_KEY_UNSUPPORTED")
    assert suggestion.severity is Severity.LOW


def test_tag_key_with_not_action(catalogue: ActionCatalogue) -> None:
    """AA "Deny NotAction with unsupported tag condition key for service"."""
    statement = {
        "Effect": "Deny",
        "NotAction": "iam:*",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/status": "Confidential"}},
    }
    (found,) = only(lint(catalogue, doc(statement)), "TAG_KEY_UNSUPPORTED")
    assert found.detail["not_action"] is True
    assert found.severity is Severity.MEDIUM


# --- 2. policy variables -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "kind"),
    [
        ("arn:aws:s3:::b/${aws:username", "missing_brace"),
        ("arn:aws:s3:::b/${aws:PrincipalTag/team, company-wide}", "missing_quote"),
        ("arn:aws:s3:::b/${aws:user name}", "space"),
        ("arn:aws:s3:::b/${ aws:username}", "space"),
        ("arn:aws:s3:::b/${}", "empty"),
        ("arn:aws:s3:::b/${aws:user#name}", "symbol"),
    ],
)
def test_malformed_variables(catalogue: ActionCatalogue, resource: str, kind: str) -> None:
    """AA "Missing brace / Missing quote / Unsupported space / Empty variable / symbol"."""
    findings = lint(catalogue, doc(allow("s3:GetObject", resource)))
    assert kind in kinds(findings, "INVALID_POLICY_VARIABLE")


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:s3:::b/${aws:username}/*",
        # "IAM policy elements: Variables": a default value, single-quoted after a comma
        "arn:aws:s3:::b/${aws:PrincipalTag/team, 'company-wide'}/*",
        "arn:aws:s3:::b/${*}literal",
    ],
)
def test_well_formed_variables(catalogue: ActionCatalogue, resource: str) -> None:
    assert (
        only(lint(catalogue, doc(allow("s3:GetObject", resource))), "INVALID_POLICY_VARIABLE") == []
    )


def test_variable_in_principal(catalogue: ActionCatalogue) -> None:
    """AA "Variable unsupported in element"."""
    statement = allow(
        "s3:GetObject",
        "arn:aws:s3:::b/*",
        Principal={"AWS": "arn:aws:iam::111122223333:user/${aws:username}"},
    )
    findings = lint(catalogue, doc(statement), policy_type="resource")
    assert "element" in kinds(findings, "INVALID_POLICY_VARIABLE")


@pytest.mark.parametrize("version", ["2008-10-17", None])
def test_variables_under_an_old_or_missing_version(
    catalogue: ActionCatalogue, version: str | None
) -> None:
    """AA "Variable unsupported in version": without 2012-10-17 they are literal text."""
    findings = lint(
        catalogue, doc(allow("s3:GetObject", "arn:aws:s3:::b/${aws:username}/*"), version=version)
    )
    assert "version" in kinds(findings, "INVALID_POLICY_VARIABLE")


def test_variable_with_a_numeric_operator(catalogue: ActionCatalogue) -> None:
    """AA "Invalid variable for operator": only String and ARN operators resolve variables."""
    statement = allow(
        "s3:GetObject",
        "arn:aws:s3:::b/*",
        Condition={"NumericLessThan": {"aws:MultiFactorAuthAge": "${aws:username}"}},
    )
    assert "operator" in kinds(lint(catalogue, doc(statement)), "INVALID_POLICY_VARIABLE")


# --- 3. ARN segments ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "kind", "severity"),
    [
        ("arn:aws:ec2:us-east-1:12345:instance/*", "account", Severity.MEDIUM),
        # No region name at all (moon is no direction): MEDIUM; one AWS may have opened after
        # our region list (the next number of a known series): LOW.
        ("arn:aws:ec2:us-moon-1:123456789012:instance/*", "region", Severity.MEDIUM),
        ("arn:aws:ec2:us-east-9:123456789012:instance/*", "region", Severity.MEDIUM),
        ("arn:aws:ec2:cn-north-1:123456789012:instance/*", "region", Severity.MEDIUM),
        ("arn:aws:ec2:us-east-3:123456789012:instance/*", "region", Severity.LOW),
        ("arn:amazon:s3:::amzn-s3-demo-bucket", "partition", Severity.MEDIUM),
        ("arn:aws:s3:us-east-1::amzn-s3-demo-bucket", "region_not_allowed", Severity.MEDIUM),
        ("arn:aws:s3::123456789012:amzn-s3-demo-bucket", "account_not_allowed", Severity.MEDIUM),
        ("arn:aws:iam:us-east-1:123456789012:role/x", "region_not_allowed", Severity.MEDIUM),
        ("arn:aws:ec2::123456789012:instance/*", "missing_region", Severity.MEDIUM),
        ("arn:aws:S3:::amzn-s3-demo-bucket", "service_case", Severity.MEDIUM),
        ("arn:aws:*:*:*:*", "wildcard_service", Severity.LOW),
        ("arn:aws:s3", "missing_field", Severity.MEDIUM),
        # The catalogue knows ec2's resource types: a part none fits is MEDIUM.
        ("arn:aws:ec2:us-east-1:123456789012:instances/i-1", "resource", Severity.MEDIUM),
    ],
)
def test_invalid_arn(
    catalogue: ActionCatalogue, resource: str, kind: str, severity: Severity
) -> None:
    """AA "Invalid ARN account / Region / partition / resource / service case", "ARN Region
    (account) not allowed", "Missing ARN Region / field", "Wildcard in service name"."""
    findings = only(lint(catalogue, doc(allow("ec2:StartInstances", resource))), "INVALID_ARN")
    assert [(f.detail["kind"], f.severity) for f in findings] == [(kind, severity)]


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:s3:::amzn-s3-demo-bucket/*",
        "arn:aws-cn:iam::123456789012:role/x",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "arn:aws:iam::${aws:PrincipalAccount}:user/*",
        "arn:aws:ec2:eu-west-1::image/ami-*",
        "arn:aws:ec2:*:*:instance/*",
    ],
)
def test_valid_arns(catalogue: ActionCatalogue, resource: str) -> None:
    assert only(lint(catalogue, doc(allow("s3:GetObject", resource))), "INVALID_ARN") == []


# --- 4. Sid --------------------------------------------------------------------------------------


def test_sid_characters(catalogue: ActionCatalogue) -> None:
    """AA "Unsupported Sid": A-Z, a-z, 0-9 in IAM's policies; KMS's default key policy has a
    Sid with spaces, which resource policies accept."""
    statement = allow("s3:GetObject", "arn:aws:s3:::b/*", Sid="read-objects")
    (found,) = only(lint(catalogue, doc(statement)), "INVALID_SID")
    assert found.severity is Severity.HIGH
    key_policy = allow(
        "kms:*",
        Principal={"AWS": "arn:aws:iam::111122223333:root"},
        Sid="Enable IAM User Permissions",
    )
    assert only(lint(catalogue, doc(key_policy), policy_type="resource"), "INVALID_SID") == []


def test_empty_sid(catalogue: ActionCatalogue) -> None:
    """AA "Empty Sid value" (suggestion)."""
    findings = lint(catalogue, doc(allow("s3:GetObject", "arn:aws:s3:::b/*", Sid="")))
    (found,) = only(findings, "EMPTY_ELEMENT")
    assert (found.detail["element"], found.severity) == ("Sid", Severity.LOW)


def test_duplicate_sid_severity_by_policy_type(catalogue: ActionCatalogue) -> None:
    """AA "Unique Sids required" (error) vs "Unique Sids recommended" (general warning)."""
    statements = (
        allow("s3:GetObject", "arn:aws:s3:::b/*", Sid="Same", Principal={"AWS": "111122223333"}),
        allow("s3:PutObject", "arn:aws:s3:::b/*", Sid="Same", Principal={"AWS": "111122223333"}),
    )
    (in_resource,) = only(
        lint(catalogue, doc(*statements), policy_type="resource"), "DUPLICATE_SID"
    )
    assert in_resource.severity is Severity.LOW
    identity = [{k: v for k, v in s.items() if k != "Principal"} for s in statements]
    (in_identity,) = only(lint(catalogue, doc(*identity)), "DUPLICATE_SID")
    assert in_identity.severity is Severity.HIGH


# --- 5. principals and trust policies ----------------------------------------------------------

GITHUB = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
# IAM User Guide, "Configuring a role for GitHub OIDC identity provider".
GITHUB_TRUST = {
    "Effect": "Allow",
    "Principal": {"Federated": GITHUB},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {
        "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
        "StringLike": {
            "token.actions.githubusercontent.com:sub": (
                "repo:GitHubOrg/GitHubRepo:ref:refs/heads/GitHubBranch"
            )
        },
    },
}
# IAM User Guide, "Create a role for SAML 2.0 federation".
SAML_TRUST = {
    "Effect": "Allow",
    "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/ExampleOrgSSOProvider"},
    "Action": "sts:AssumeRoleWithSAML",
    "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
}
# IAM User Guide, "Role terms and concepts": the EC2 service role trust policy.
EC2_TRUST = {
    "Effect": "Allow",
    "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole",
}
# Amazon Cognito developer guide, role trust for an identity pool.
COGNITO_TRUST = {
    "Effect": "Allow",
    "Principal": {"Federated": "cognito-identity.amazonaws.com"},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {
        "StringEquals": {
            "cognito-identity.amazonaws.com:aud": "us-east-1:12345678-abcd-abcd-abcd-123456790ab"
        },
        "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"},
    },
}


@pytest.mark.parametrize("statement", [GITHUB_TRUST, SAML_TRUST, EC2_TRUST, COGNITO_TRUST])
def test_documented_trust_policies_are_clean(
    catalogue: ActionCatalogue, statement: dict[str, Any]
) -> None:
    assert lint(catalogue, doc(statement), policy_type="trust") == []
    assert lint(catalogue, doc(statement), policy_type=None) == []  # detected as trust


def test_github_trust_without_subject(catalogue: ActionCatalogue) -> None:
    no_sub = {
        **GITHUB_TRUST,
        "Condition": {"StringEquals": GITHUB_TRUST["Condition"]["StringEquals"]},
    }
    (found,) = only(lint(catalogue, doc(no_sub), policy_type="trust"), "OIDC_MISSING_SUBJECT")
    assert found.severity is Severity.HIGH
    any_repo = {
        **GITHUB_TRUST,
        "Condition": {
            **GITHUB_TRUST["Condition"],
            "StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"},
        },
    }
    (broad,) = only(lint(catalogue, doc(any_repo), policy_type="trust"), "OIDC_MISSING_SUBJECT")
    assert (broad.detail["scope"], broad.severity) == ("any", Severity.HIGH)


@pytest.mark.parametrize(
    ("subject", "scope", "severity"),
    [
        ("repo:octo-org/*", "owner", Severity.MEDIUM),
        ("repo:octo-org/octo-repo:*", "repository", Severity.LOW),
        ("repo:octo-org/octo-repo", "repository", Severity.LOW),
        ("*", "any", Severity.HIGH),
    ],
)
def test_github_subject_breadth(
    catalogue: ActionCatalogue, subject: str, scope: str, severity: Severity
) -> None:
    """The issue: GitHub Actions trusts must pin the repository and the branch; GitHub's subject
    is repo:OWNER/REPO:ref:refs/heads/BRANCH. An environment's subject
    (repo:OWNER/REPO:environment:NAME) carries no branch: Access Analyzer ("Specific github repo
    and branch recommended") wants it in a token.actions.githubusercontent.com:ref condition."""
    statement = {
        **GITHUB_TRUST,
        "Condition": {
            **GITHUB_TRUST["Condition"],
            "StringLike": {"token.actions.githubusercontent.com:sub": subject},
        },
    }
    (found,) = only(lint(catalogue, doc(statement), policy_type="trust"), "OIDC_MISSING_SUBJECT")
    assert (found.detail["scope"], found.severity) == (scope, severity)
    environment = {
        **GITHUB_TRUST,
        "Condition": {
            **GITHUB_TRUST["Condition"],
            "StringEquals": {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                "token.actions.githubusercontent.com:sub": (
                    "repo:octo-org/octo-repo:environment:prod"
                ),
            },
        },
    }
    (unbranched,) = only(
        lint(catalogue, doc(environment), policy_type="trust"), "OIDC_MISSING_SUBJECT"
    )
    assert (unbranched.detail["scope"], unbranched.severity) == ("environment", Severity.LOW)
    environment["Condition"]["StringEquals"]["token.actions.githubusercontent.com:ref"] = (
        "refs/heads/main"
    )
    assert (
        only(lint(catalogue, doc(environment), policy_type="trust"), "OIDC_MISSING_SUBJECT") == []
    )


def test_web_identity_trust_without_audience(catalogue: ActionCatalogue) -> None:
    no_aud = {**GITHUB_TRUST, "Condition": {"StringLike": GITHUB_TRUST["Condition"]["StringLike"]}}
    (found,) = only(lint(catalogue, doc(no_aud), policy_type="trust"), "OIDC_MISSING_AUDIENCE")
    assert found.detail["key"] == "token.actions.githubusercontent.com:aud"
    cognito = {**COGNITO_TRUST, "Condition": {}}
    assert only(lint(catalogue, doc(cognito), policy_type="trust"), "OIDC_MISSING_AUDIENCE")


def test_trust_actions_are_judged_over_the_whole_policy(catalogue: ActionCatalogue) -> None:
    """A principal may get sts:AssumeRole from one statement and sts:TagSession from another:
    the AWS CDK bootstrap template (CdkBootstrapVersion 26) gives each of its deploy, lookup and
    publishing roles a TagSession-only statement for the account beside the AssumeRole one. A
    per-statement reading called the first statement a mismatch (4 MEDIUM false alarms per
    bootstrapped region). A TagSession-only statement whose principal nothing lets assume the
    role still is one, and so is a principal left out of the statement that has the action."""
    account = {"AWS": "arn:aws:iam::111122223333:root"}
    cdk = doc(
        {"Effect": "Allow", "Principal": account, "Action": "sts:TagSession"},
        {"Effect": "Allow", "Principal": account, "Action": "sts:AssumeRole"},
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
            "Action": "sts:AssumeRole",
        },
    )
    assert only(lint(catalogue, cdk, policy_type="trust"), "TRUST_ACTION_MISMATCH") == []
    # Roles Anywhere's session calls in a statement of their own count too.
    anywhere = {"Service": "rolesanywhere.amazonaws.com"}
    split = doc(
        {"Effect": "Allow", "Principal": anywhere, "Action": "sts:AssumeRole"},
        {
            "Effect": "Allow",
            "Principal": anywhere,
            "Action": ["sts:TagSession", "sts:SetSourceIdentity"],
        },
    )
    assert only(lint(catalogue, split, policy_type="trust"), "TRUST_ACTION_MISMATCH") == []
    # Principal "*" with sts:AssumeRole covers an account named elsewhere.
    star = doc(
        {"Effect": "Allow", "Principal": account, "Action": "sts:TagSession"},
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorgid"}},
        },
    )
    assert only(lint(catalogue, star, policy_type="trust"), "TRUST_ACTION_MISMATCH") == []
    alone = doc({"Effect": "Allow", "Principal": account, "Action": "sts:TagSession"})
    (found,) = only(lint(catalogue, alone, policy_type="trust"), "TRUST_ACTION_MISMATCH")
    assert found.detail == {
        "missing_action": "sts:AssumeRole",
        "principals": ["arn:aws:iam::111122223333:root"],
    }
    other = {"AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::777788889999:root"]}
    partly = doc(
        {"Effect": "Allow", "Principal": other, "Action": "sts:TagSession"},
        {"Effect": "Allow", "Principal": account, "Action": "sts:AssumeRole"},
    )
    (found,) = only(lint(catalogue, partly, policy_type="trust"), "TRUST_ACTION_MISMATCH")
    assert found.statement == 0
    assert found.detail["principals"] == ["arn:aws:iam::777788889999:root"]
    # A Deny gives nothing: the TagSession statement's principal still cannot assume.
    denied = doc(
        {"Effect": "Allow", "Principal": account, "Action": "sts:TagSession"},
        {"Effect": "Deny", "Principal": account, "Action": "sts:AssumeRole"},
    )
    assert only(lint(catalogue, denied, policy_type="trust"), "TRUST_ACTION_MISMATCH")


def test_trust_action_must_fit_the_principal(catalogue: ActionCatalogue) -> None:
    """AA "Mismatched action for principal"; Roles Anywhere also needs TagSession and
    SetSourceIdentity (AA "Missing action for roles anywhere trust policy")."""
    mismatched = {**SAML_TRUST, "Action": "sts:AssumeRoleWithWebIdentity"}
    (found,) = only(lint(catalogue, doc(mismatched), policy_type="trust"), "TRUST_ACTION_MISMATCH")
    assert found.detail["missing_action"] == "sts:AssumeRoleWithSAML"
    anywhere = {
        "Effect": "Allow",
        "Principal": {"Service": "rolesanywhere.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}},
    }
    missing = only(lint(catalogue, doc(anywhere), policy_type="trust"), "TRUST_ACTION_MISMATCH")
    assert {f.detail["missing_action"] for f in missing} == {
        "sts:TagSession",
        "sts:SetSourceIdentity",
    }


@pytest.mark.parametrize(
    ("principal", "kind", "severity"),
    [
        ({"AWS": "arn:aws:iam::*:root"}, "wildcard", Severity.HIGH),
        ({"AWS": "arn:aws:iam::123456789012:role/*"}, "wildcard", Severity.HIGH),
        ({"AWS": "12345"}, "format", Severity.HIGH),
        ({"AWS": "AIDAJQABLZS4A3QDU576Q"}, "unique_id", Severity.LOW),
        ({"Federated": "arn:aws:iam::123456789012:saml-provider"}, "federated", Severity.HIGH),
        ({"Federated": "token.actions.githubusercontent.com"}, "federated", Severity.HIGH),
        ({"Service": "ec2"}, "format", Severity.HIGH),
        ({"CanonicalUser": "not-hex"}, "format", Severity.HIGH),
    ],
)
def test_invalid_principals(
    catalogue: ActionCatalogue, principal: dict[str, str], kind: str, severity: Severity
) -> None:
    """AA "Unsupported wildcard in principal", "Invalid principal format", "Invalid role/user
    reference"; Parliament UNKNOWN_PRINCIPAL and UNKNOWN_FEDERATION_SOURCE."""
    statement = allow("s3:GetObject", "arn:aws:s3:::b/*", Principal=principal)
    found = only(lint(catalogue, doc(statement), policy_type="resource"), "INVALID_PRINCIPAL")
    assert [(f.detail["kind"], f.severity) for f in found] == [(kind, severity)]


def test_anyone_may_assume(catalogue: ActionCatalogue) -> None:
    statement = {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}
    (found,) = only(lint(catalogue, doc(statement), policy_type="trust"), "PUBLIC_PRINCIPAL")
    assert found.severity is Severity.HIGH
    conditioned = {**statement, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
    (limited,) = only(lint(catalogue, doc(conditioned), policy_type="trust"), "PUBLIC_PRINCIPAL")
    assert limited.severity is Severity.MEDIUM
    # AWS's pattern (IAM User Guide, aws:PrincipalOrgID): "*" limited to one organization
    org = {**statement, "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}
    assert only(lint(catalogue, doc(org), policy_type="trust"), "PUBLIC_PRINCIPAL") == []


def test_not_principal(catalogue: ActionCatalogue) -> None:
    """AA "Allow with NotPrincipal" / Parliament NOTPRINCIPAL_WITH_ALLOW; NotPrincipal in a trust
    policy is not accepted at all."""
    statement = {
        "Effect": "Allow",
        "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:user/Bob"},
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/*",
    }
    assert only(lint(catalogue, doc(statement), policy_type="resource"), "ALLOW_NOT_PRINCIPAL")
    trust = {"Effect": "Deny", "NotPrincipal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}
    found = only(lint(catalogue, doc(trust), policy_type="trust"), "INVALID_PRINCIPAL")
    assert [f.detail["kind"] for f in found] == ["not_principal_in_trust"]


def test_confused_deputy(catalogue: ActionCatalogue) -> None:
    """A service principal other than the compute services needs aws:SourceArn/SourceAccount
    (IAM User Guide, "The confused deputy problem")."""
    config = {**EC2_TRUST, "Principal": {"Service": "config.amazonaws.com"}}
    (found,) = only(lint(catalogue, doc(config), policy_type="trust"), "CONFUSED_DEPUTY")
    assert found.severity is Severity.LOW
    fixed = {**config, "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}}
    assert lint(catalogue, doc(fixed), policy_type="trust") == []


# --- 6. condition block shape ------------------------------------------------------------------


def test_keys_differing_only_in_case(catalogue: ActionCatalogue) -> None:
    """AA "Duplicate keys with different case"."""
    statement = allow(
        "s3:GetObject",
        "arn:aws:s3:::b/*",
        Condition={"StringEquals": {"aws:PrincipalTag/team": "a", "aws:principaltag/TEAM": "b"}},
    )
    (found,) = only(lint(catalogue, doc(statement)), "CONDITION_KEY_CASE")
    assert found.severity is Severity.HIGH


def test_bool_with_both_values(catalogue: ActionCatalogue) -> None:
    """AA "Invalid condition multiple Boolean"."""
    statement = allow(
        "s3:GetObject",
        "arn:aws:s3:::b/*",
        Condition={"Bool": {"aws:SecureTransport": ["true", "false"]}},
    )
    assert only(lint(catalogue, doc(statement)), "CONDITION_MULTIPLE_BOOLEAN")


@pytest.mark.parametrize(
    ("condition", "says"),
    [
        ({}, "empty object"),
        ({"StringEquals": {"aws:PrincipalTag/team": []}}, "never matches"),
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": []}}, "never matches"),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": []}}, "only when the key is absent"),
        ({"StringEqualsIfExists": {"aws:PrincipalTag/team": []}}, "only when the key is absent"),
    ],
)
def test_empty_conditions(catalogue: ActionCatalogue, condition: dict[str, Any], says: str) -> None:
    """AA "Empty object condition", "Empty array condition", "... ForAllValues / ForAnyValue /
    IfExists"."""
    findings = only(
        lint(catalogue, doc(allow("s3:PutObject", "arn:aws:s3:::b/*", Condition=condition))),
        "EMPTY_ELEMENT",
    )
    assert len(findings) == 1
    assert says in findings[0].message


# --- 7. WILDCARD_SENSITIVE on match-everything patterns ----------------------------------------


def test_pattern_matching_every_trail_is_like_star(catalogue: ActionCatalogue) -> None:
    everything = allow("cloudtrail:DeleteTrail", "arn:*:cloudtrail:*:*:trail/*")
    (found,) = only(lint(catalogue, doc(everything)), "WILDCARD_SENSITIVE")
    assert "every resource of its type" in found.message
    one = allow("cloudtrail:DeleteTrail", "arn:aws:cloudtrail:us-east-1:123456789012:trail/prod")
    assert only(lint(catalogue, doc(one)), "WILDCARD_SENSITIVE") == []


# --- 8. the rest of Access Analyzer's offline reference ----------------------------------------


def test_missing_version(catalogue: ActionCatalogue) -> None:
    """AA "Missing version"; Parliament NO_VERSION."""
    findings = lint(catalogue, doc(allow("s3:GetObject", "arn:aws:s3:::b/*"), version=None))
    (found,) = only(findings, "MISSING_VERSION")
    assert (found.statement, found.severity) == (None, Severity.LOW)


def test_policy_size_quota(catalogue: ActionCatalogue) -> None:
    """AA "Policy size exceeds identity policy quota" (6,144 characters without whitespace) and
    the trust policy quota (2,048)."""
    resources = [f"arn:aws:s3:::amzn-s3-demo-bucket-{i:04d}/*" for i in range(200)]
    (found,) = only(lint(catalogue, doc(allow("s3:GetObject", resources))), "POLICY_SIZE")
    assert found.detail["limit"] == 6_144
    assert found.detail["size"] > 6_144
    small = resources[:10]
    assert only(lint(catalogue, doc(allow("s3:GetObject", small))), "POLICY_SIZE") == []
    principals = [f"arn:aws:iam::{i:012d}:root" for i in range(60)]
    trust = {"Effect": "Allow", "Principal": {"AWS": principals}, "Action": "sts:AssumeRole"}
    (too_big,) = only(lint(catalogue, doc(trust), policy_type="trust"), "POLICY_SIZE")
    assert too_big.detail["limit"] == 2_048


def test_scp_size_counts_whitespace(catalogue: ActionCatalogue) -> None:
    """AWS Organizations, SCP syntax: all characters count against an SCP's 5,120, whitespace
    outside quotation marks included."""
    scp = doc(
        {
            "Effect": "Deny",
            "Action": [f"ec2:{name}" for name in ("RunInstances", "StartInstances")] * 40,
            "Resource": "*",
        }
    )
    compact = json.dumps(scp, separators=(",", ":"))
    padded = json.dumps(scp, indent=40)
    assert len(compact) < 5_120 < len(padded)
    assert only(lint(catalogue, compact, policy_type="scp"), "POLICY_SIZE") == []
    (found,) = only(lint(catalogue, padded, policy_type="scp"), "POLICY_SIZE")
    assert "whitespace included" in found.message
    # an identity policy does not count whitespace
    assert only(lint(catalogue, padded), "POLICY_SIZE") == []


def test_redundant_action_and_resource(catalogue: ActionCatalogue) -> None:
    """AA "Redundant action": iam:GetCredentialReport is inside iam:Get*; iam:*CredentialReport
    is not (it also covers iam:GenerateCredentialReport)."""
    findings = lint(catalogue, doc(allow(["iam:Get*", "iam:List*", "iam:GetCredentialReport"])))
    assert [f.detail["value"] for f in only(findings, "REDUNDANT_ACTION")] == [
        "iam:GetCredentialReport"
    ]
    assert (
        only(lint(catalogue, doc(allow(["iam:Get*", "iam:*CredentialReport"]))), "REDUNDANT_ACTION")
        == []
    )
    resources = ["arn:aws:s3:::b/*", "arn:aws:s3:::b/home/*"]
    (found,) = only(lint(catalogue, doc(allow("s3:GetObject", resources))), "REDUNDANT_RESOURCE")
    assert found.detail == {
        "element": "Resource",
        "value": "arn:aws:s3:::b/home/*",
        "covered_by": "arn:aws:s3:::b/*",
    }


@pytest.mark.parametrize(
    ("condition", "code", "kind"),
    [
        (
            {"StringEquals": {"aws:PrincipalTag/job-category": "admin-*"}},
            "WILDCARD_WITHOUT_LIKE",
            None,
        ),
        ({"IpAddress": {"aws:SourceIp": "203.0.113.5/24"}}, "CONDITION_VALUE", "host_bits"),
        ({"DateGreaterThan": {"aws:CurrentTime": "1704067200"}}, "CONDITION_VALUE", "epoch_date"),
        ({"StringEquals": {"aws:RequestedRegion": "us-moon-1"}}, "CONDITION_VALUE", "region"),
        ({"StringEquals": {"aws:SourceVpc": "vpc1"}}, "CONDITION_VALUE", "vpc"),
        ({"StringEquals": {"aws:SourceVpce": "vpc-1a2b3c4d"}}, "CONDITION_VALUE", "vpc_endpoint"),
        (
            {"StringEquals": {"kms:ViaService": "ec2.amazonaws.com"}},
            "CONDITION_VALUE",
            "service_principal",
        ),
        (
            {"StringEquals": {"aws:PrincipalServiceName": "cloudtrail"}},
            "CONDITION_VALUE",
            "service_principal",
        ),
        (
            {"NumericLessThan": {"aws:MultiFactorAuthAge": ["2700", "3600"]}},
            "REDUNDANT_CONDITION_VALUE",
            None,
        ),
        ({"IpAddress": {"aws:VpcSourceIp": "10.0.0.0/16"}}, "MISSING_PAIRED_KEY", None),
    ],
)
def test_condition_values(
    catalogue: ActionCatalogue, condition: dict[str, Any], code: str, kind: str | None
) -> None:
    """AA "Wildcard without like operator" (its own example), "Improve IP range", "Invalid date
    value", invalid Region / VPC / VPC endpoint values, "Redundant condition value num" (its
    aws:MultiFactorAuthAge example), "Missing paired condition keys" (aws:VpcSourceIp)."""
    findings = only(
        lint(catalogue, doc(allow("s3:GetObject", "arn:aws:s3:::b/*", Condition=condition))), code
    )
    assert len(findings) == 1
    if kind is not None:
        assert findings[0].detail["kind"] == kind


@pytest.mark.parametrize(
    "condition",
    [
        {"StringLike": {"aws:PrincipalTag/job-category": "admin-*"}},
        {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}},
        {"DateGreaterThan": {"aws:CurrentTime": "2026-01-31T00:00:00Z"}},
        {"StringEquals": {"aws:RequestedRegion": ["eu-central-1", "eu-west-1"]}},
        {"StringEquals": {"aws:SourceVpc": "vpc-111bbb22"}},
        {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}},
        # IAM User Guide, aws:PrincipalServiceName
        {"StringEquals": {"aws:PrincipalServiceName": "cloudtrail.amazonaws.com"}},
        {
            "IpAddress": {"aws:VpcSourceIp": "10.0.0.0/16"},
            "StringEquals": {"aws:SourceVpc": "vpc-111bbb22"},
        },
    ],
)
def test_condition_values_that_fit(catalogue: ActionCatalogue, condition: dict[str, Any]) -> None:
    """The documented forms (the condition operator and global key reference examples)."""
    statement = allow("s3:GetObject", "arn:aws:s3:::b/*", Condition=condition)
    assert lint(catalogue, doc(statement)) == []


def test_kms_via_service_example_is_clean(catalogue: ActionCatalogue) -> None:
    """AWS KMS developer guide, kms:ViaService: service.REGION.amazonaws.com values."""
    statement = allow(
        ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
        "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        Condition={
            "StringEquals": {
                "kms:ViaService": ["ec2.us-west-2.amazonaws.com", "rds.us-west-2.amazonaws.com"]
            }
        },
    )
    assert lint(catalogue, doc(statement)) == []


def test_private_source_ip(catalogue: ActionCatalogue) -> None:
    """AA "Private IP address" (error) and "Private IP address subset" (suggestion)."""
    private = allow(
        "s3:GetObject", "arn:aws:s3:::b/*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}
    )
    (found,) = only(lint(catalogue, doc(private)), "PRIVATE_SOURCE_IP")
    assert found.severity is Severity.MEDIUM
    mixed = allow(
        "s3:GetObject",
        "arn:aws:s3:::b/*",
        Condition={"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "203.0.113.0/24"]}},
    )
    (subset,) = only(lint(catalogue, doc(mixed)), "PRIVATE_SOURCE_IP")
    assert subset.severity is Severity.LOW


@pytest.mark.parametrize(
    ("statement", "code", "kind"),
    [
        (allow("iam:PassRole"), "PASS_ROLE_WILDCARD", "star_resource"),
        (allow("iam:PassRole", "arn:aws:iam::*:role/*"), "PASS_ROLE_WILDCARD", "star_resource"),
        (allow("iam:*"), "PASS_ROLE_WILDCARD", "star_resource"),
        (
            {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "NotResource": "arn:aws:iam::*:role/admin",
            },
            "PASS_ROLE_WILDCARD",
            "not_resource",
        ),
        (allow("iam:CreateServiceLinkedRole"), "CREATE_SLR_WILDCARD", "star_resource"),
    ],
)
def test_pass_role_and_slr_on_every_role(
    catalogue: ActionCatalogue, statement: dict[str, Any], code: str, kind: str
) -> None:
    """AA "Pass role with star in resource / NotResource / star in action" and "Create SLR with
    star in resource"."""
    assert kind in kinds(lint(catalogue, doc(statement)), code)


@pytest.mark.parametrize(
    "statement",
    [
        allow("iam:PassRole", "arn:aws:iam::123456789012:role/ec2-app"),
        allow(
            "iam:PassRole", Condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}
        ),
        allow(
            "iam:CreateServiceLinkedRole",
            Condition={"StringEquals": {"iam:AWSServiceName": "access-analyzer.amazonaws.com"}},
        ),
    ],
)
def test_pass_role_scoped(catalogue: ActionCatalogue, statement: dict[str, Any]) -> None:
    findings = lint(catalogue, doc(statement))
    assert only(findings, "PASS_ROLE_WILDCARD") == only(findings, "CREATE_SLR_WILDCARD") == []


def test_resource_type_checks(catalogue: ActionCatalogue) -> None:
    """AA "Unsupported action in policy" / "Unsupported resource ARN in policy" when the
    resource type is given (ValidatePolicy's validatePolicyResourceType)."""
    statement = allow(
        ["s3:GetObject", "sqs:SendMessage"],
        ["arn:aws:s3:::amzn-s3-demo-bucket/*", "arn:aws:sqs:us-east-1:111122223333:q"],
        Principal={"AWS": "111122223333"},
    )
    findings = lint(
        catalogue, doc(statement), policy_type="resource", resource_type="AWS::S3::Bucket"
    )
    assert sorted(kinds(findings, "UNSUPPORTED_FOR_RESOURCE_TYPE")) == ["action", "resource"]
    with pytest.raises(ValueError, match="unknown resource type"):
        lint(catalogue, doc(statement), policy_type="resource", resource_type="AWS::Nope::Thing")


# --- 9. Parliament's finding types -------------------------------------------------------------


def test_privilege_escalation_uses_the_engine_catalogue(catalogue: ActionCatalogue) -> None:
    """Parliament PRIVILEGE_ESCALATION; iam:CreatePolicyVersion is Rhino's first method."""
    (found,) = only(
        lint(catalogue, doc(allow("iam:CreatePolicyVersion")), capabilities=True),
        "PRIVILEGE_ESCALATION",
    )
    assert found.severity is Severity.HIGH
    assert "iam-001" in found.detail["methods"]
    harmless = lint(catalogue, doc(allow("iam:GetPolicyVersion")), capabilities=True)
    assert only(harmless, "PRIVILEGE_ESCALATION") == []
    # opt-in, like Parliament's community auditors: a working policy is not a wrong one
    plain = lint(catalogue, doc(allow("iam:CreatePolicyVersion")))
    assert {f.code for f in plain} & {"PRIVILEGE_ESCALATION", "PERMISSIONS_MANAGEMENT"} == set()


def test_a_method_added_to_the_catalogue_flows_into_lint(
    catalogue: ActionCatalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    added = EscalationMethod("test-001", "new-passrole", ("iam:PassRole", "glue:CreateJob"), "")
    monkeypatch.setattr("bot.iam.lint_risk.action_methods", lambda: (added,))
    passing = allow("iam:PassRole", "arn:aws:iam::123456789012:role/x")
    creating = allow("glue:CreateJob")  # on a role ARN it would grant nothing (a job's ARN)
    found_all = lint(catalogue, doc(passing, creating), capabilities=True)
    (found,) = only(found_all, "PRIVILEGE_ESCALATION")
    assert found.detail["methods"] == ["test-001"]


def test_existing_role_methods_are_only_pointers(catalogue: ActionCatalogue) -> None:
    """ssm:StartSession escalates only if a more privileged role is already on an instance."""
    (found,) = only(
        lint(catalogue, doc(allow("ssm:StartSession")), capabilities=True), "PRIVILEGE_ESCALATION"
    )
    assert found.severity is Severity.LOW
    assert found.detail["needs_existing_role_only"] is True


def test_credentials_exposure_and_permissions_management(catalogue: ActionCatalogue) -> None:
    """Parliament CREDENTIALS_EXPOSURE (its list: ecr:GetAuthorizationToken ...) and
    PERMISSIONS_MANAGEMENT_ACTIONS (access level "Permissions management")."""
    findings = lint(
        catalogue,
        doc(allow(["ecr:GetAuthorizationToken", "s3:PutBucketPolicy"])),
        capabilities=True,
    )
    (exposure,) = only(findings, "CREDENTIALS_EXPOSURE")
    assert exposure.detail["actions"] == ["ecr:GetAuthorizationToken"]
    (management,) = only(findings, "PERMISSIONS_MANAGEMENT")
    assert management.detail["actions"] == ["s3:PutBucketPolicy"]


def test_not_resource_with_allow(catalogue: ActionCatalogue) -> None:
    """Parliament NOTRESOURCE_WITH_ALLOW."""
    statement = {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"}
    assert only(lint(catalogue, doc(statement)), "ALLOW_NOT_RESOURCE")
    as_deny = {**statement, "Effect": "Deny"}
    assert only(lint(catalogue, doc(as_deny)), "ALLOW_NOT_RESOURCE") == []


def test_resource_policy_that_can_be_rewritten(catalogue: ActionCatalogue) -> None:
    """Parliament RESOURCE_POLICY_PRIVILEGE_ESCALATION: s3:PutBucketPolicy without s3:Delete*
    lets principals grant themselves the deletes; KMS's default key policy (kms:*) withholds
    nothing."""
    bucket = allow(
        ["s3:GetObject", "s3:PutBucketPolicy"],
        ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
        Principal={"AWS": "arn:aws:iam::111122223333:root"},
    )
    assert only(lint(catalogue, doc(bucket), policy_type="resource"), "RESOURCE_POLICY_ESCALATION")
    key_policy = allow("kms:*", Principal={"AWS": "arn:aws:iam::111122223333:root"})
    assert lint(catalogue, doc(key_policy), policy_type="resource") == []


def test_mfa_condition_patterns(catalogue: ActionCatalogue) -> None:
    """Parliament BAD_PATTERN_FOR_MFA; IAM User Guide, aws:MultiFactorAuthPresent: requests
    with long-term keys carry no key, so Bool false in a Deny misses them."""
    bad_deny = deny("s3:*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}})
    assert only(lint(catalogue, doc(bad_deny)), "MFA_CONDITION_PATTERN")
    bad_allow = allow(
        "s3:GetObject",
        "arn:aws:s3:::b/*",
        Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}},
    )
    assert only(lint(catalogue, doc(bad_allow)), "MFA_CONDITION_PATTERN")
    good = deny("s3:*", Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}})
    assert only(lint(catalogue, doc(good)), "MFA_CONDITION_PATTERN") == []


# --- Also: MFA_LOCKOUT's message and severity on AWS's own self-service policy ------------------

# IAM User Guide, "AWS: Allows MFA-authenticated IAM users to manage their own credentials on the
# Security credentials page": its DenyAllExceptListedIfNoMFA statement. The page notes that it
# does not let users reset a password while signing in (new users, expired passwords), and that
# adding iam:ChangePassword there is possible but not recommended.
AWS_SELF_SERVICE_DENY = {
    "Sid": "DenyAllExceptListedIfNoMFA",
    "Effect": "Deny",
    "NotAction": [
        "iam:CreateVirtualMFADevice",
        "iam:EnableMFADevice",
        "iam:GetUser",
        "iam:GetMFADevice",
        "iam:ListMFADevices",
        "iam:ListVirtualMFADevices",
        "iam:ResyncMFADevice",
        "sts:GetSessionToken",
    ],
    "Resource": "*",
    "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
}


def test_aws_self_service_policy_is_a_low_password_note(catalogue: ActionCatalogue) -> None:
    (found,) = lint(catalogue, doc(AWS_SELF_SERVICE_DENY))
    assert found.code == "MFA_LOCKOUT"
    assert found.severity is Severity.LOW
    assert found.detail["blocked_actions"] == ["iam:ChangePassword"]
    assert "MFA enrolment itself is not blocked" in found.message
    assert "reset a password while signing in" in found.message
    assert "enrol MFA" not in found.message.replace("MFA enrolment", "")


def test_blocking_enrolment_itself_stays_high(catalogue: ActionCatalogue) -> None:
    statement = {
        **AWS_SELF_SERVICE_DENY,
        "NotAction": ["iam:CreateVirtualMFADevice", "sts:GetSessionToken"],
    }
    (found,) = only(lint(catalogue, doc(statement)), "MFA_LOCKOUT")
    assert found.severity is Severity.HIGH
    assert found.message.startswith(
        "denies requests without MFA but also denies iam:EnableMFADevice, which users need to enrol"
    )


# --- Also: the policy type is detected ---------------------------------------------------------


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        ([EC2_TRUST], "trust"),
        ([GITHUB_TRUST, SAML_TRUST], "trust"),
        (
            [allow("s3:GetObject", "arn:aws:s3:::b/*", Principal={"AWS": "111122223333"})],
            "resource",
        ),
        ([{**EC2_TRUST, "Resource": "*"}], "resource"),
        ([allow("s3:GetObject", "arn:aws:s3:::b/*")], "identity"),
    ],
)
def test_detect_policy_type(statements: list[dict[str, Any]], expected: str) -> None:
    detected = detect_policy_type(json.dumps(doc(*statements)))
    assert detected.policy_type == expected
    assert detected.reason
    assert detect_policy_type("{not json").policy_type == "identity"
    assert (
        detect_policy_type(doc(), resource_type="AWS::IAM::AssumeRolePolicyDocument").policy_type
        == "trust"
    )


# --- every code is documented ------------------------------------------------------------------

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_code_is_in_the_readme_table_and_every_row_is_a_code() -> None:
    text = README.read_text("utf-8")
    section = text[text.index("### Lint: codes") : text.index("#### IAM Access Analyzer")]
    rows = re.findall(r"^\| `([A-Z_]+)` \|", section, flags=re.MULTILINE)
    assert sorted(rows) == sorted(CODES)
    mapped = set(re.findall(r"`([A-Z][A-Z_]+)`", text[text.index("#### IAM Access Analyzer") :]))
    # iam-audit's own checks, which neither tool has an equivalent for
    extras = {"MFA_LOCKOUT", "NOT_ACTION_ALLOW", "CONFUSED_DEPUTY", "PUBLIC_PRINCIPAL"}
    assert {code for code in mapped if code in CODES} == set(CODES) - extras
