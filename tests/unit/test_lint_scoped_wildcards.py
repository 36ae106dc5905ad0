"""WILDCARD_SENSITIVE on a grant AWS scopes by condition instead of by Resource: iam:PassRole
with a positive iam:PassedToService test (reference_policies_examples_iam-passrole-service.html,
PASS_ROLE_WILDCARD's own remedy) and ABAC grants with a positive aws:ResourceTag/... or
iam:ResourceTag/... test (iam-assume-tagged-role, ec2-start-stop-match-tags). Such a test fails
when its key is absent, so nothing is granted beyond what it scopes: the finding stays, as
information (INFO); negated, IfExists, wildcard-only or unrelated conditions stay LOW."""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.catalogue import ActionCatalogue, default_catalogue
from bot.iam.lint_model import WILDCARD_SENSITIVE, LintFinding
from bot.iam.linter import lint_policy
from bot.model.severity import Severity


@pytest.fixture(scope="module")
def catalogue() -> ActionCatalogue:
    return default_catalogue()


def wildcard(
    catalogue: ActionCatalogue, action: Any, condition: dict[str, Any] | None
) -> LintFinding:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": action, "Resource": "*"}
    if condition is not None:
        statement["Condition"] = condition
    document = {"Version": "2012-10-17", "Statement": [statement]}
    findings = lint_policy(document, catalogue=catalogue, policy_type="identity")
    (found,) = [f for f in findings if f.code == WILDCARD_SENSITIVE]
    return found


PASS_ROLE_TO_CLOUDWATCH = {"StringEquals": {"iam:PassedToService": "cloudwatch.amazonaws.com"}}
SAME_COST_CENTER = {
    "StringEquals": {"aws:ResourceTag/CostCenter": "${aws:PrincipalTag/CostCenter}"}
}


@pytest.mark.parametrize(
    ("action", "condition", "key"),
    [
        pytest.param("iam:PassRole", PASS_ROLE_TO_CLOUDWATCH, "iam:PassedToService", id="passrole"),
        pytest.param(
            ["ec2:StartInstances", "ec2:StopInstances"],
            SAME_COST_CENTER,
            "aws:ResourceTag/CostCenter",
            id="ec2-match-tags",
        ),
        pytest.param(
            "sts:AssumeRole",
            {"StringEquals": {"iam:ResourceTag/access-team": "eng"}},
            "iam:ResourceTag/access-team",
            id="iam-resource-tag",
        ),
        pytest.param(
            "ec2:TerminateInstances",
            {"StringLike": {"aws:ResourceTag/env": "dev-*"}},
            "aws:ResourceTag/env",
            id="like-with-a-literal-part",
        ),
        pytest.param(
            "secretsmanager:PutSecretValue",
            {"StringEquals": {"secretsmanager:ResourceTag/Redshift": "true"}},
            "secretsmanager:ResourceTag/Redshift",
            id="service-resource-tag",
        ),
    ],
)
def test_documented_scoping_condition_makes_it_info(
    catalogue: ActionCatalogue, action: Any, condition: dict[str, Any], key: str
) -> None:
    found = wildcard(catalogue, action, condition)
    assert found.severity is Severity.INFO
    assert found.detail["scoped_by"] == [key]
    assert key in found.message
    assert "name the resources instead" not in found.message
    # Without the condition the same grant is a real finding.
    bare = wildcard(catalogue, action, None)
    assert bare.severity in (Severity.MEDIUM, Severity.HIGH)
    assert "scoped_by" not in bare.detail


@pytest.mark.parametrize(
    "condition",
    [
        pytest.param({"StringNotEquals": {"aws:ResourceTag/env": "prod"}}, id="negated-tag"),
        pytest.param({"StringEqualsIfExists": {"aws:ResourceTag/env": "dev"}}, id="if-exists"),
        pytest.param({"StringLike": {"aws:ResourceTag/env": "*"}}, id="any-tag-value"),
        pytest.param({"StringLike": {"aws:ResourceTag/env": ["dev", "*"]}}, id="one-value-any"),
        pytest.param(
            {"ForAllValues:StringEquals": {"aws:ResourceTag/env": "dev"}}, id="for-all-values"
        ),
        pytest.param({"Null": {"aws:ResourceTag/env": "false"}}, id="null-test"),
        pytest.param({"StringEquals": {"aws:RequestedRegion": "us-east-1"}}, id="unrelated"),
        pytest.param({"StringEquals": {"aws:RequestTag/env": "dev"}}, id="request-tag"),
        pytest.param(
            {"StringNotEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}, id="negated-pass"
        ),
    ],
)
def test_other_conditions_stay_low(catalogue: ActionCatalogue, condition: dict[str, Any]) -> None:
    found = wildcard(catalogue, ["iam:PassRole", "ec2:TerminateInstances"], condition)
    assert found.severity is Severity.LOW
    assert "scoped_by" not in found.detail
    assert found.message.endswith("name the resources instead")


def test_one_scoping_condition_among_others_is_enough(catalogue: ActionCatalogue) -> None:
    """Every condition of a statement must hold, so one scoping test scopes the grant."""
    condition = {
        "StringEquals": {"aws:ResourceTag/env": "dev", "aws:RequestedRegion": "us-east-1"},
        "StringNotEquals": {"aws:ResourceTag/owner": "root"},
    }
    found = wildcard(catalogue, "ec2:TerminateInstances", condition)
    assert found.severity is Severity.INFO
    assert found.detail["scoped_by"] == ["aws:ResourceTag/env"]
