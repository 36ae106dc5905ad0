"""INVALID_ARN kind "missing_account" (Access Analyzer's "Error - Missing ARN account"): an
empty account segment where every ARN of the resource type names its owner's account, so the
value matches no resource. Resources AWS publishes to every account (public SSM documents,
runbooks and parameters, Resource Explorer's service views) leave the account empty and stay
quiet, as do types whose format has no account (S3 buckets, AMIs, EBS snapshots)."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.iam.catalogue import ActionCatalogue, default_catalogue
from bot.iam.lint_arns import _formats_by_service, arn_problems, may_be_aws_owned
from bot.iam.lint_model import INVALID_ARN, LintFinding
from bot.iam.linter import lint_policy
from bot.model.severity import Severity


@pytest.fixture(scope="module")
def catalogue() -> ActionCatalogue:
    return default_catalogue()


def lint(
    catalogue: ActionCatalogue, *statements: dict[str, Any], policy_type: str = "identity"
) -> list[LintFinding]:
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    return lint_policy(document, catalogue=catalogue, policy_type=policy_type)  # type: ignore[arg-type]


def missing(findings: list[LintFinding]) -> list[LintFinding]:
    return [f for f in findings if f.code == INVALID_ARN and f.detail["kind"] == "missing_account"]


def kinds(arn: str, catalogue: ActionCatalogue) -> set[str]:
    return {kind for kind, _, _ in arn_problems(arn, catalogue)}


@pytest.mark.parametrize(
    "arn",
    [
        # Wildcards do not help: every queue, table, key and alias ARN names an account, so
        # `arn:aws:sqs:*::*` matches none (AWSRefactoringToolkitFullAccess's arn:aws:kms:*::*,
        # meant for the keys aliased application-transformation*, grants nothing).
        "arn:aws:sqs:*::*",
        "arn:aws:kms:*::*",
        "arn:aws:kms:us-east-1::alias/my-key",
        "arn:aws:dynamodb:us-east-1::table/Books",
        # A customer's document, runbook or parameter: only AWS's own names leave it empty.
        "arn:aws:ssm:us-east-1::document/MyDocument",
        "arn:aws:ssm:*::document/My*",
        "arn:aws:ssm:*::automation-definition/Restart-*:*",
        "arn:aws:ssm:*::parameter/my-app/*",
        "arn:aws:ssm:*::parameter/aws/reference/secretsmanager/db",
        "arn:aws:resource-explorer-2:*::view/my-view/*",
    ],
)
def test_an_empty_account_is_reported(catalogue: ActionCatalogue, arn: str) -> None:
    problems = [p for p in arn_problems(arn, catalogue) if p[0] == "missing_account"]
    assert [severity for _, _, severity in problems] == [Severity.MEDIUM], arn_problems(
        arn, catalogue
    )
    assert "or * for any account" in problems[0][1]


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:sqs:us-east-1:111122223333:queue1",
        "arn:aws:sqs:us-east-1:*:queue1",
        "arn:aws:sqs:us-east-1:${aws:PrincipalAccount}:queue1",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        # Formats without an account.
        "arn:aws:s3:::amzn-s3-demo-bucket",
        "arn:aws:s3:::amzn-s3-demo-bucket/*",
        "arn:aws:ec2:us-east-1::image/ami-0abcdef1234567890",
        "arn:aws:bedrock:us-east-1::foundation-model/*",
        # Formats that disagree (some of the types the value may match have no account).
        "arn:aws:s3:::*",
        "arn:aws:apigateway:*::/domainnames/*",
        # AWS's own resources.
        "arn:aws:ssm:*::document/AWSSupport-*",
        "arn:aws:ssm:*::document/aws-*",  # compared without case
        "arn:aws:ssm:*::document/${aws:username}",  # the variable may be AWS-RunShellScript
        "arn:aws:ssm:*::parameter/aws/service/ami-amazon-linux-latest/*",
        "arn:aws-cn:ssm:cn-north-1::document/AWS-RunShellScript",
    ],
)
def test_an_account_or_an_aws_owned_type_is_quiet(catalogue: ActionCatalogue, arn: str) -> None:
    assert "missing_account" not in kinds(arn, catalogue)


def test_missing_region_and_account_are_both_reported(catalogue: ActionCatalogue) -> None:
    assert kinds("arn:aws:sqs:::queue1", catalogue) == {"missing_region", "missing_account"}


def test_not_resource_says_it_excludes_nothing(catalogue: ActionCatalogue) -> None:
    statement = {
        "Effect": "Deny",
        "Action": "sqs:*",
        "NotResource": "arn:aws:sqs:us-east-1::audit-queue",
    }
    (found,) = missing(lint(catalogue, statement))
    assert found.detail["element"] == "NotResource"
    assert found.message.endswith("as NotResource it excludes nothing")


@pytest.mark.parametrize(
    ("policy_type", "extra"),
    [
        ("scp", {"Effect": "Deny"}),
        ("resource", {"Effect": "Allow", "Principal": {"AWS": "111122223333"}}),
    ],
)
def test_every_policy_type(
    catalogue: ActionCatalogue, policy_type: str, extra: dict[str, Any]
) -> None:
    statement = {"Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:*::orders", **extra}
    assert len(missing(lint(catalogue, statement, policy_type=policy_type))) == 1


@pytest.mark.parametrize(
    ("service", "literal", "owned"),
    [
        ("ssm", "document/AWS-RunShellScript", True),
        ("ssm", "document/", True),  # document/* may be AWS-RunShellScript
        ("ssm", "", True),
        ("ssm", "document/amzn-x", True),
        ("ssm", "document/My", False),
        ("ssm", "parameter/aws/service/eks/", True),
        ("ssm", "parameter/aws/reference/", False),
        ("ssm", "association/", False),
        ("sqs", "", False),
        ("resource-explorer-2", "view/AWSServiceView", True),
        ("resource-explorer-2", "index/", False),
    ],
)
def test_may_be_aws_owned(service: str, literal: str, owned: bool) -> None:
    assert may_be_aws_owned(service, literal) is owned


_TEXT = st.text(alphabet="aAzW-_/.0", min_size=1, max_size=8)
# Fills that begin as AWS's own documents and parameters do, so that both outcomes are drawn.
_FILL = st.one_of(
    _TEXT,
    st.sampled_from(("AWS-", "Amazon", "aws/service/")).flatmap(
        lambda start: _TEXT.map(lambda rest: start + rest)
    ),
)


@cache
def _account_formats() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The catalogue's formats with an account placeholder; those of SSM and Resource Explorer
    (where AWS publishes resources without an account)."""
    formats = tuple(
        f
        for found in _formats_by_service(default_catalogue()).values()
        for f in found
        if f.split(":", 5)[4] == "${Account}" and "${" not in f.split(":", 5)[2]
    )
    owned = tuple(f for f in formats if f.split(":", 5)[2] in ("ssm", "resource-explorer-2"))
    return formats, owned


@st.composite
def _empty_account_arns(draw: st.DrawFn) -> str:
    """An ARN of a catalogue format with an account placeholder, filled, the account empty."""
    formats, owned = _account_formats()
    parts = draw(st.sampled_from(formats) | st.sampled_from(owned)).split(":", 5)
    resource = parts[5]
    while "${" in resource:
        head, _, rest = resource.partition("${")
        resource = head + draw(_FILL) + rest.partition("}")[2]
    if draw(st.booleans()):
        resource = resource[: draw(st.integers(0, len(resource)))] + "*"
    region = draw(st.sampled_from(("", "us-east-1", "*")))
    return f"arn:aws:{parts[2]}:{region}::{resource}"


@settings(max_examples=400, deadline=None)
@given(arn=_empty_account_arns())
def test_the_fix_the_finding_names_removes_it_and_nothing_else(arn: str) -> None:
    """Writing `*` in the account, as the message says, leaves every other problem as it was:
    the rule reads the account and nothing else. A value naming an SSM document, runbook or
    parameter the way AWS names its own is never reported."""
    catalogue = default_catalogue()
    before = kinds(arn, catalogue)
    after = kinds(_star_account(arn), catalogue)
    assert "missing_account" not in after
    assert before - {"missing_account"} == after
    # The names AWS gives its own SSM documents, runbooks and public parameters.
    if arn.split(":", 5)[5].lower().startswith(AWS_OWNED_SSM):
        assert "missing_account" not in before


AWS_OWNED_SSM = (
    "document/aws",
    "document/amazon",
    "automation-definition/aws",
    "automation-definition/amazon",
    "parameter/aws/service/",
)


def _star_account(arn: str) -> str:
    parts = arn.split(":", 5)
    parts[4] = "*"
    return ":".join(parts)
