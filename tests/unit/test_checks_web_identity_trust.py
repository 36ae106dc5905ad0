"""role.trust_web_identity_unscoped: roles that any account of a public identity provider can
assume (GitHub Actions without a repository in `sub`, Cognito without the identity pool...).

Cases come from the IAM User Guide ("Configuring a role for GitHub OIDC identity provider",
"Available keys for AWS web identity federation"), GitHub's "Configuring OpenID Connect in
Amazon Web Services", Amazon Cognito's "Role trust and permissions", Datadog's rule "AWS IAM
role should not allow untrusted GitHub Actions to assume it" and AWS STS's provider-specific
claim keys (2026-01). Each case also states the token an outsider can obtain, and the
condition engine (bot.iam.conditions, the evaluator's) is asked whether the trust statement
admits it: the check must say "open" exactly when it does.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.audit.findings import Severity
from bot.iam.catalogue import default_catalogue
from bot.iam.conditions import CompiledCondition, normalise_context
from bot.iam.lint_model import OIDC_MISSING_SUBJECT
from bot.iam.linter import lint_policy
from tests.factories import (
    ACCOUNT_ID,
    role,
    run_check,
    service_linked_role,
    snapshot,
)

CHECK = "role.trust_web_identity_unscoped"
GITHUB = "token.actions.githubusercontent.com"
GITHUB_ARN = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{GITHUB}"
COGNITO = "cognito-identity.amazonaws.com"
WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"

# The tokens an outsider gets by running a workflow in a repository of their own, choosing the
# audience (aws-actions/configure-aws-credentials' `audience` input), the branch and the
# environment as they please.
OUTSIDER_GITHUB = {
    f"{GITHUB}:sub": "repo:evil-org/deploy:ref:refs/heads/main",
    f"{GITHUB}:aud": "sts.amazonaws.com",
    f"{GITHUB}:repository": "evil-org/deploy",
    f"{GITHUB}:repository_owner": "evil-org",
    f"{GITHUB}:repository_id": "999",
    f"{GITHUB}:environment": "production",
    f"{GITHUB}:ref": "refs/heads/main",
    f"{GITHUB}:actor": "evil-user",
}


def trust(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def web_identity(
    federated: str | list[str] = GITHUB_ARN,
    condition: dict[str, Any] | None = None,
    *,
    effect: str = "Allow",
    action: str | list[str] = WEB_IDENTITY,
) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": effect,
        "Principal": {"Federated": federated},
        "Action": action,
    }
    if condition is not None:
        statement["Condition"] = condition
    return statement


def findings(document: dict[str, Any], name: str = "deploy") -> list[Any]:
    return run_check(CHECK, snapshot(roles=[role(name, trust=document)]))


def admits(condition: dict[str, Any] | None, token: dict[str, str]) -> bool:
    """Whether a statement's Condition block holds for a token's claims (the evaluator's
    condition engine; every operator must hold)."""
    context = normalise_context(token)
    for operator, block in (condition or {}).items():
        for key, values in block.items():
            listed = tuple(values) if isinstance(values, list) else (values,)
            if not CompiledCondition(operator, key, listed, variables=True).holds(context):
                return False
    return True


# (case, Condition of the Allow statement, open to an outsider?)
GITHUB_CASES: list[tuple[str, dict[str, Any] | None, bool]] = [
    # Datadog's rule and the gist it cites: the audience alone.
    ("audience only", {"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"}}, True),
    ("no condition at all", None, True),
    # GitHub's documented examples: one branch of one repository, every ref of one repository.
    (
        "GitHub docs: one branch",
        {
            "StringEquals": {
                f"{GITHUB}:aud": "sts.amazonaws.com",
                f"{GITHUB}:sub": "repo:octo-org/octo-repo:ref:refs/heads/octo-branch",
            }
        },
        False,
    ),
    (
        "GitHub docs: StringLike any ref of the repository",
        {
            "StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"},
            "StringLike": {f"{GITHUB}:sub": "repo:octo-org/octo-repo:*"},
        },
        False,
    ),
    # Owner-wide is a deliberate, common choice (the linter reports it, at medium).
    ("every repository of one owner", {"StringLike": {f"{GITHUB}:sub": "repo:octo-org/*"}}, False),
    ("sub wildcard", {"StringLike": {f"{GITHUB}:sub": "*"}}, True),
    ("sub repo:*", {"StringLike": {f"{GITHUB}:sub": "repo:*"}}, True),
    ("owner wildcard", {"StringLike": {f"{GITHUB}:sub": "repo:*/deploy:*"}}, True),
    (
        "one of the values is open",
        {"StringLike": {f"{GITHUB}:sub": ["repo:octo-org/app:*", "repo:*"]}},
        True,
    ),
    (
        "a negated test pins nobody",
        {"StringNotLike": {f"{GITHUB}:sub": "repo:octo-org/legacy:*"}},
        True,
    ),
    (
        "IfExists: the claim is in every token, so it is tested",
        {"StringLikeIfExists": {f"{GITHUB}:sub": "repo:octo-org/octo-repo:*"}},
        False,
    ),
    (
        "set operator on the always-present claim",
        {"ForAnyValue:StringLike": {f"{GITHUB}:sub": "repo:octo-org/octo-repo:*"}},
        False,
    ),
    # A customised subject template (GitHub's OIDC API) sends ids instead of names.
    (
        "customised subject with ids",
        {"StringEquals": {f"{GITHUB}:sub": "repository_owner_id:72:repository_id:1296269"}},
        False,
    ),
    # AWS STS's provider-specific claims (2026-01).
    (
        "repository claim",
        {"StringEquals": {f"{GITHUB}:repository": "octo-org/octo-repo"}},
        False,
    ),
    ("repository id claim", {"StringEquals": {f"{GITHUB}:repository_id": "1296269"}}, False),
    (
        "repository claim with a wildcard owner",
        {"StringLike": {f"{GITHUB}:repository": "*/deploy"}},
        True,
    ),
    ("environment alone", {"StringEquals": {f"{GITHUB}:environment": "production"}}, True),
    ("branch alone", {"StringEquals": {f"{GITHUB}:ref": "refs/heads/main"}}, True),
    # Claim keys of another provider test nothing GitHub sends.
    ("another provider's key", {"StringEquals": {"gitlab.com:sub": "project_path:g/p"}}, False),
    (
        "a misspelt key with IfExists tests nothing",
        {"StringLikeIfExists": {f"{GITHUB}:subject": "repo:octo-org/*"}},
        True,
    ),
    (
        "condition keys are case-insensitive",
        {"StringLike": {"Token.Actions.GitHubUserContent.com:Sub": "repo:octo-org/octo-repo:*"}},
        False,
    ),
]


@pytest.mark.parametrize(("case", "condition", "is_open"), GITHUB_CASES)
def test_github_actions_trusts(case: str, condition: dict[str, Any] | None, is_open: bool) -> None:
    found = findings(trust(web_identity(GITHUB_ARN, condition)))
    if case == "another provider's key":
        # GitHub's tokens have no gitlab.com:sub: StringEquals on an absent key fails, so
        # nobody gets in (the evaluator agrees below); not an open trust.
        assert found == []
        assert not admits(condition, OUTSIDER_GITHUB)
        return
    assert (len(found) == 1) is is_open, case
    assert admits(condition, OUTSIDER_GITHUB) is is_open, case
    if is_open:
        assert found[0].severity is Severity.CRITICAL
        assert found[0].resource_arn.endswith(":role/deploy")


def test_a_condition_on_something_the_caller_does_not_choose_is_left_to_the_user() -> None:
    """The source network is not in the outsider's hands: the check cannot tell whether it
    narrows the callers enough, and does not call the trust open."""
    condition = {
        "StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"},
        "IpAddress": {"aws:SourceIp": "203.0.113.0/24"},
    }
    assert findings(trust(web_identity(GITHUB_ARN, condition))) == []
    assert admits(condition, OUTSIDER_GITHUB | {"aws:SourceIp": "198.51.100.7"}) is False


def test_the_finding_says_which_statement_and_how_to_pin_the_caller() -> None:
    document = trust(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
            "Action": "sts:AssumeRole",
        },
        web_identity(GITHUB_ARN, {"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"}})
        | {"Sid": "GitHubDeploy"},
    )
    (finding,) = findings(document)
    (statement,) = finding.evidence["statements"]
    assert statement["statement_index"] == 1
    assert statement["sid"] == "GitHubDeploy"
    assert statement["federated"] == GITHUB_ARN
    assert statement["provider"] == "GitHub Actions"
    assert f"{GITHUB}:sub" in statement["fix"]
    assert "GitHub Actions" in finding.detail


def test_a_deny_refusing_other_repositories_pins_the_caller() -> None:
    """IAM's evaluation logic: the Deny applies to every token whose sub is outside the
    organisation, so only the organisation's workflows remain."""
    deny_outsiders = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": WEB_IDENTITY,
        "Condition": {"StringNotLike": {f"{GITHUB}:sub": "repo:octo-org/*"}},
    }
    allow = web_identity(GITHUB_ARN, {"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"}})
    assert findings(trust(allow, deny_outsiders)) == []
    assert admits(deny_outsiders["Condition"], OUTSIDER_GITHUB)  # the Deny hits the outsider


def test_a_deny_that_also_tests_the_audience_can_be_stepped_around() -> None:
    """The Deny applies only when both negated tests match; the outsider sends the audience the
    Deny expects, so it does not apply to them."""
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": WEB_IDENTITY,
        "Condition": {
            "StringNotLike": {f"{GITHUB}:sub": "repo:octo-org/*"},
            "StringNotEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"},
        },
    }
    allow = web_identity(GITHUB_ARN, {"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"}})
    assert len(findings(trust(allow, deny))) == 1
    assert not admits(deny["Condition"], OUTSIDER_GITHUB)


def test_an_unconditional_deny_of_everyone_leaves_nothing_open() -> None:
    deny_all = {"Effect": "Deny", "Principal": "*", "Action": "sts:*"}
    assert findings(trust(web_identity(), deny_all)) == []


@pytest.mark.parametrize(
    "action", ["sts:AssumeRoleWithWebIdentity", "sts:*", "sts:AssumeRole*", "*"]
)
def test_any_action_covering_web_identity_assumption_counts(action: str) -> None:
    assert len(findings(trust(web_identity(action=action)))) == 1


def test_a_statement_granting_another_assume_action_lets_no_token_in() -> None:
    assert findings(trust(web_identity(action="sts:AssumeRole"))) == []


@pytest.mark.parametrize(
    "federated",
    [
        # GitHub Enterprise Cloud's unique issuer: only the enterprise's workflows get tokens.
        f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{GITHUB}/octo-enterprise",
        # CircleCI's issuer is per organisation.
        f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/oidc.circleci.com/org/1234-abcd",
        # A company's own identity provider.
        f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/login.example.com",
        f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/Okta",
    ],
)
def test_single_tenant_providers_are_not_judged_open(federated: str) -> None:
    assert findings(trust(web_identity(federated))) == []


def test_a_trust_still_in_its_json_text_is_read_too() -> None:
    """IAM returns trust policies URL-encoded JSON; a snapshot may hold the text."""
    text = json.dumps(trust(web_identity()))
    assert len(findings(text)) == 1  # type: ignore[arg-type]


def test_other_partitions_name_the_same_provider() -> None:
    arn = f"arn:aws-us-gov:iam::{ACCOUNT_ID}:oidc-provider/{GITHUB}"
    assert len(findings(trust(web_identity(arn)))) == 1


def test_one_open_provider_in_a_list_is_enough() -> None:
    federated = [f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/login.example.com", GITHUB_ARN]
    (finding,) = findings(trust(web_identity(federated)))
    assert [s["federated"] for s in finding.evidence["statements"]] == [GITHUB_ARN]


COGNITO_DOCS_UNAUTHENTICATED = {
    "StringEquals": {f"{COGNITO}:aud": "us-east-1:12345678-corner-cafe-123456790ab"},
    "ForAnyValue:StringLike": {f"{COGNITO}:amr": "unauthenticated"},
}
OUTSIDER_COGNITO = {
    f"{COGNITO}:aud": "us-east-1:00000000-evil-pool-0000000000",
    f"{COGNITO}:amr": ["unauthenticated"],
}


@pytest.mark.parametrize(
    ("condition", "is_open"),
    [
        # Amazon Cognito developer guide, "Role trust and permissions": the identity pool id.
        (COGNITO_DOCS_UNAUTHENTICATED, False),
        # Without aud, an identity from any pool in any account gets the role.
        ({"ForAnyValue:StringLike": {f"{COGNITO}:amr": "unauthenticated"}}, True),
        ({"ForAnyValue:StringLike": {f"{COGNITO}:amr": "authenticated"}}, True),
        ({"StringLike": {f"{COGNITO}:aud": "us-east-1:*"}}, True),
        (None, True),
    ],
)
def test_cognito_identity_pool_trusts(condition: dict[str, Any] | None, is_open: bool) -> None:
    found = findings(trust(web_identity(COGNITO, condition)))
    assert (len(found) == 1) is is_open
    outsider = dict(OUTSIDER_COGNITO)
    if condition and "authenticated" in str(condition) and "unauth" not in str(condition):
        outsider[f"{COGNITO}:amr"] = ["authenticated", "graph.facebook.com"]
    assert admits(condition, outsider) is is_open


@pytest.mark.parametrize(
    ("federated", "condition", "is_open"),
    [
        ("accounts.google.com", {"StringEquals": {"accounts.google.com:aud": "1234.apps"}}, False),
        ("accounts.google.com", None, True),
        ("graph.facebook.com", {"StringEquals": {"graph.facebook.com:app_id": "42"}}, False),
        ("graph.facebook.com", None, True),
        ("www.amazon.com", {"StringEquals": {"www.amazon.com:app_id": "amzn1.app"}}, False),
        ("www.amazon.com", {"StringEquals": {"www.amazon.com:aud": "amzn1.app"}}, True),
        (
            f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/gitlab.com",
            {"StringLike": {"gitlab.com:sub": "project_path:my-group/my-project:*"}},
            False,
        ),
        (
            f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/gitlab.com",
            {"StringLike": {"gitlab.com:sub": "project_path:*"}},
            True,
        ),
        (
            f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/gitlab.com",
            {"StringEquals": {"gitlab.com:aud": "https://gitlab.com"}},
            True,
        ),
        (
            f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/app.terraform.io",
            {"StringLike": {"app.terraform.io:sub": "organization:acme:project:*:workspace:*:*"}},
            False,
        ),
        (
            f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/app.terraform.io",
            {"StringEquals": {"app.terraform.io:aud": "aws.workload.identity"}},
            True,
        ),
    ],
)
def test_other_public_providers(
    federated: str, condition: dict[str, Any] | None, is_open: bool
) -> None:
    assert (len(findings(trust(web_identity(federated, condition)))) == 1) is is_open


def test_service_linked_roles_are_never_flagged() -> None:
    open_trust = trust(web_identity())
    linked = service_linked_role("AWSServiceRoleForSomething", trust=open_trust)
    flagged = role("deploy", trust=open_trust)
    snap = snapshot(roles=[linked, flagged])
    assert [f.resource_arn for f in run_check(CHECK, snap)] == [flagged.arn]


def test_the_linter_agrees_on_the_github_subject() -> None:
    """The linter and the check share the judgement of a `sub` value (bot.iam.web_identity):
    what the check calls open, the linter calls open to any owner."""
    document = trust(web_identity(GITHUB_ARN, {"StringLike": {f"{GITHUB}:sub": "repo:*"}}))
    lint = [
        f
        for f in lint_policy(document, catalogue=default_catalogue(), policy_type="trust")
        if f.code == OIDC_MISSING_SUBJECT
    ]
    assert [f.detail["scope"] for f in lint] == ["any"]
    assert len(findings(document)) == 1


EKS_ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/ABCDEF0123"
EKS_ARN = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{EKS_ISSUER}"


@pytest.mark.parametrize(
    ("condition", "open_to_cluster"),
    [
        ({"StringEquals": {f"{EKS_ISSUER}:aud": "sts.amazonaws.com"}}, True),
        (None, True),
        ({"StringLike": {f"{EKS_ISSUER}:sub": "system:serviceaccount:*:*"}}, True),
        ({"StringEquals": {f"{EKS_ISSUER}:sub": "system:serviceaccount:orders:reports"}}, False),
        ({"StringLike": {f"{EKS_ISSUER}:sub": "system:serviceaccount:orders:*"}}, False),
    ],
)
def test_an_eks_issuer_is_judged_on_the_service_account(condition, open_to_cluster) -> None:
    """EKS Best Practices Guide, "Scope the IAM Role trust policy for IRSA Roles to the service
    account name": `aud` is always sts.amazonaws.com, so only `sub` (a fixed namespace) keeps
    other pods out. Open to one cluster's pods, not the world: high, not critical."""
    found = findings(trust(web_identity(EKS_ARN, condition)))
    assert bool(found) is open_to_cluster
    if open_to_cluster:
        assert found[0].severity.value == "high"
        assert found[0].evidence["statements"][0]["reach"] == "cluster"
        assert "every workload's token" in found[0].detail
