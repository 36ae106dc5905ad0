"""Shared pieces of the tests built on IAM Access Analyzer's policy check reference
(tests/unit/test_aws_docs_policy_checks_*.py): the page, its example ARNs, a policy builder and
the linter call."""

from __future__ import annotations

from typing import Any

from bot.iam.catalogue import ActionCatalogue
from bot.iam.lint_model import LintFinding
from bot.iam.linter import lint_policy

REFERENCE = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"
)
BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket"
OBJECTS = f"{BUCKET}/*"
GITHUB = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"


def doc(*statements: Any, version: Any = "2012-10-17") -> dict[str, Any]:
    """A policy of these statements; ``version=None`` leaves the Version element out."""
    document: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        document = {"Version": version, **document}
    return document


def get_object(**extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "s3:GetObject", "Resource": OBJECTS, **extra}


def lint(
    catalogue: ActionCatalogue,
    document: Any,
    policy_type: str = "identity",
    resource_type: str | None = None,
) -> list[LintFinding]:
    return lint_policy(
        document,
        catalogue=catalogue,
        policy_type=policy_type,  # type: ignore[arg-type]
        resource_type=resource_type,
    )


def only(findings: list[LintFinding], code: str) -> list[LintFinding]:
    return [f for f in findings if f.code == code]
