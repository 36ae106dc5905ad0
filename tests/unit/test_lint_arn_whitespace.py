"""INVALID_ARN kind "whitespace": a Resource, NotResource or condition ARN value with spaces
around it. IAM compares the value as written and no ARN starts or ends with whitespace, so the
value matches no request (AWS's own reference_policies_examples_lambda-access-dynamodb.html
carries "arn:aws:dynamodb:*:*:table/SampleTable/stream/* ")."""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.catalogue import ActionCatalogue, default_catalogue
from bot.iam.lint_arns import arn_problems
from bot.iam.lint_model import INVALID_ARN, LintFinding
from bot.iam.linter import lint_policy
from bot.model.severity import Severity

STREAM = "arn:aws:dynamodb:*:*:table/SampleTable/stream/*"


@pytest.fixture(scope="module")
def catalogue() -> ActionCatalogue:
    return default_catalogue()


def lint(catalogue: ActionCatalogue, *statements: dict[str, Any]) -> list[LintFinding]:
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    return lint_policy(document, catalogue=catalogue, policy_type="identity")


def spaced(findings: list[LintFinding]) -> list[LintFinding]:
    return [f for f in findings if f.code == INVALID_ARN and f.detail["kind"] == "whitespace"]


@pytest.mark.parametrize("value", [STREAM + " ", STREAM + "\t", " " + STREAM, f"  {STREAM} "])
def test_arn_problems_reports_whitespace_around_an_arn(
    catalogue: ActionCatalogue, value: str
) -> None:
    (problem,) = arn_problems(value, catalogue)
    kind, message, severity = problem
    assert kind == "whitespace"
    assert severity is Severity.MEDIUM
    assert "no spaces" in message
    assert "matches no request" in message
    assert repr(STREAM) in message  # the value to write instead
    assert arn_problems(STREAM, catalogue) == ()


def test_arn_problems_names_the_side_the_space_is_on(catalogue: ActionCatalogue) -> None:
    ((_, trailing, _),) = arn_problems(STREAM + " ", catalogue)
    ((_, leading, _),) = arn_problems(" " + STREAM, catalogue)
    ((_, both, _),) = arn_problems(f" {STREAM} ", catalogue)
    assert "trailing whitespace" in trailing
    assert "leading" not in trailing
    assert "leading whitespace" in leading
    assert "trailing" not in leading
    assert "leading and trailing whitespace" in both


def test_the_trimmed_value_is_checked_too(catalogue: ActionCatalogue) -> None:
    """An IAM role ARN has no region: reported along with the space, so that removing the
    space is not followed by another finding."""
    kinds = [k for k, _, _ in arn_problems("arn:aws:iam:us-east-1:123456789012:role/x ", catalogue)]
    assert kinds == ["whitespace", "region_not_allowed"]


def test_trailing_space_in_resource_is_invalid_arn(catalogue: ActionCatalogue) -> None:
    findings = lint(
        catalogue,
        {"Effect": "Allow", "Action": "dynamodb:GetRecords", "Resource": STREAM},
        {"Effect": "Allow", "Action": "dynamodb:GetRecords", "Resource": STREAM + " "},
    )
    (found,) = spaced(findings)
    assert found.statement == 1
    assert found.severity is Severity.MEDIUM
    assert found.detail == {"kind": "whitespace", "arn": STREAM + " ", "element": "Resource"}
    assert found.message.startswith("Resource ")


def test_trailing_space_in_not_resource_says_it_excludes_nothing(
    catalogue: ActionCatalogue,
) -> None:
    findings = lint(
        catalogue,
        {"Effect": "Deny", "Action": "dynamodb:DeleteTable", "NotResource": STREAM + " "},
    )
    (found,) = spaced(findings)
    assert found.detail["element"] == "NotResource"
    assert "excludes nothing" in found.message


def test_space_in_an_arn_condition_value_is_reported(catalogue: ActionCatalogue) -> None:
    topic = "arn:aws:sns:us-east-1:123456789012:alerts"
    role = "arn:aws:iam::123456789012:role/admin"
    findings = lint(
        catalogue,
        {
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": "arn:aws:sqs:us-east-1:123456789012:queue",
            "Condition": {
                "ArnEquals": {"aws:SourceArn": topic + " "},
                "StringEquals": {"aws:PrincipalArn": [" " + role, role]},
            },
        },
    )
    found = {(f.detail["operator"], f.detail["key"], f.detail["arn"]) for f in spaced(findings)}
    assert found == {
        ("ArnEquals", "aws:SourceArn", topic + " "),
        ("StringEquals", "aws:PrincipalArn", " " + role),
    }
    assert all(f.detail["element"] == "Condition" for f in spaced(findings))


def test_spaces_in_string_values_that_are_not_arns_are_left_alone(
    catalogue: ActionCatalogue,
) -> None:
    """Tag values and other strings may hold spaces."""
    findings = lint(
        catalogue,
        {
            "Effect": "Allow",
            "Action": "ec2:StartInstances",
            "Resource": "arn:aws:ec2:us-east-1:123456789012:instance/*",
            "Condition": {"StringEquals": {"aws:ResourceTag/Team": "data platform "}},
        },
    )
    assert spaced(findings) == []
