"""Review of the linter: a wildcard in an action's service prefix.

IAM refuses such a document outright: "MalformedPolicyDocument: Action vendors (e.g., aws, ec2,
etc.) must not contain wildcards" (CloudFormation stacks failing on ``*:Create*`` and
``dynamodb*:TagResource``; boogy/iam-policy-validator#172 on ``*:Untag*``). The IAM User
Guide's Action element allows wildcards in the action name only (``s3:Get*``,
``iam:*AccessKey*``) or ``*`` alone. The linter said nothing about ``s*:GetObject`` and only
WILDCARD_SENSITIVE about ``*:Describe*``.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.catalogue import ActionCatalogue, default_catalogue
from bot.iam.lint_model import MALFORMED, LintFinding
from bot.iam.linter import lint_policy
from bot.model.severity import Severity


@pytest.fixture(scope="module")
def catalogue() -> ActionCatalogue:
    return default_catalogue()


def _lint(catalogue: ActionCatalogue, element: str, actions: Any) -> list[LintFinding]:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", element: actions, "Resource": "*"}],
    }
    return lint_policy(document, catalogue=catalogue, policy_type="identity")


@pytest.mark.parametrize(
    "pattern", ["*:Describe*", "s*:GetObject", "dynamodb*:TagResource", "*:*", "ec?:Describe*"]
)
@pytest.mark.parametrize("element", ["Action", "NotAction"])
def test_a_wildcard_in_the_service_prefix_is_rejected_by_iam(
    catalogue: ActionCatalogue, pattern: str, element: str
) -> None:
    found = [
        f
        for f in _lint(catalogue, element, ["s3:ListAllMyBuckets", pattern])
        if f.code == MALFORMED
    ]
    assert len(found) == 1, found
    assert found[0].severity is Severity.HIGH
    assert found[0].detail.get("action") == pattern
    assert found[0].detail.get("kind") == "service_wildcard"


@pytest.mark.parametrize(
    "pattern", ["*", "s3:*", "s3:Get*", "iam:*AccessKey*", "ec2:Describe?nstances", "S3:get*"]
)
def test_wildcards_in_the_action_name_are_fine(catalogue: ActionCatalogue, pattern: str) -> None:
    assert MALFORMED not in {f.code for f in _lint(catalogue, "Action", pattern)}
