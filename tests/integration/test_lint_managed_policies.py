"""The linter over the AWS managed policies moto ships (their real documents): AWS saved every
one of them, so nothing IAM would reject may be reported, and the managed policies that IAM
Access Analyzer's policy check reference names for a check must get its counterpart here."""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from typing import Any

import pytest
from moto.iam.aws_managed_policies import aws_managed_policies_data

from bot.iam.catalogue import default_catalogue
from bot.iam.lint_model import LintFinding
from bot.iam.linter import lint_policy


@cache
def managed() -> dict[str, Any]:
    return {name: p["Document"] for name, p in json.loads(aws_managed_policies_data).items()}


@cache
def findings() -> dict[str, tuple[LintFinding, ...]]:
    catalogue = default_catalogue()
    return {
        name: tuple(lint_policy(document, catalogue=catalogue, policy_type="identity"))
        for name, document in managed().items()
    }


def test_nothing_iam_would_reject_is_reported() -> None:
    assert len(managed()) > 1000
    by_code = Counter(f.code for found in findings().values() for f in found)
    rejected_by_iam = ("MALFORMED", "INVALID_SID", "DUPLICATE_SID", "CONDITION_KEY_CASE")
    assert {code: by_code[code] for code in rejected_by_iam} == dict.fromkeys(rejected_by_iam, 0)
    assert by_code["INVALID_PRINCIPAL"] == 0  # identity policies name no principal


@pytest.mark.parametrize(
    ("policy", "code"),
    [
        # "Security Warning - Pass role with star in action and resource": AdministratorAccess,
        # IAMFullAccess; "... with star in resource": AmazonElasticMapReduceFullAccess,
        # AWSElasticBeanstalkService (AA's reference lists them)
        ("AdministratorAccess", "PASS_ROLE_WILDCARD"),
        ("IAMFullAccess", "PASS_ROLE_WILDCARD"),
        ("AmazonElasticMapReduceFullAccess", "PASS_ROLE_WILDCARD"),
        ("AWSElasticBeanstalkService", "PASS_ROLE_WILDCARD"),
        # "General Warning - Create SLR with star in action and resource" / "... in resource"
        ("AdministratorAccess", "CREATE_SLR_WILDCARD"),
        ("IAMFullAccess", "CREATE_SLR_WILDCARD"),
        ("PowerUserAccess", "CREATE_SLR_WILDCARD"),
        ("AWSOrganizationsServiceTrustPolicy", "CREATE_SLR_WILDCARD"),
        # "General Warning - Policy size exceeds identity policy quota": ReadOnlyAccess
        ("ReadOnlyAccess", "POLICY_SIZE"),
    ],
)
def test_managed_policies_access_analyzer_names(policy: str, code: str) -> None:
    if policy not in managed():
        pytest.skip(f"this moto release does not ship {policy}")
    assert code in {f.code for f in findings()[policy]}


def test_an_empty_account_is_reported_only_where_it_is_wrong() -> None:
    """AWS's managed policies leave the account empty in 153 ARNs of types whose format has
    ${Account}: AWS's own SSM documents, runbooks and public parameters and Resource Explorer's
    service views, which lint_arns._AWS_OWNED keeps quiet; and arn:aws:kms:*::*, which matches
    no KMS key or alias (each names its account), so that statement grants nothing."""
    reported = {
        (name, f.detail["arn"])
        for name, found in findings().items()
        for f in found
        if f.code == "INVALID_ARN" and f.detail.get("kind") == "missing_account"
    }
    assert reported <= {("AWSRefactoringToolkitFullAccess", "arn:aws:kms:*::*")}
