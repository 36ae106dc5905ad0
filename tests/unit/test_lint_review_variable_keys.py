"""Review of the linter: a policy variable that names no global key.

IAM User Guide, "IAM policy elements: Variables and tags": a variable is replaced by the value
of the request-context key it names (``${aws:username}``, ``${aws:PrincipalTag/team}``); the
global keys are listed in "AWS global condition context keys". ``${aws:usename}`` names none, so
IAM has nothing to put in its place and the Resource or condition value it sits in never
matches as the author meant. The linter checked only the variable's syntax and said nothing.
Only ``aws:`` names are judged: other prefixes (``saml:``, a web identity provider's claims,
service keys) are not all enumerable.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.catalogue import ActionCatalogue, default_catalogue
from bot.iam.lint_model import INVALID_POLICY_VARIABLE, LintFinding
from bot.iam.linter import lint_policy


@pytest.fixture(scope="module")
def catalogue() -> ActionCatalogue:
    return default_catalogue()


def _lint(catalogue: ActionCatalogue, **statement: Any) -> list[LintFinding]:
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **statement}]}
    return lint_policy(document, catalogue=catalogue, policy_type="identity")


def _unknown(found: list[LintFinding]) -> list[LintFinding]:
    return [
        f
        for f in found
        if f.code == INVALID_POLICY_VARIABLE and f.detail.get("kind") == "unknown_key"
    ]


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:usename}/*",
        "arn:aws:s3:::amzn-s3-demo-bucket/${aws:PrincipleTag/team}/*",
        "arn:aws:s3:::amzn-s3-demo-bucket/${AWS:UserNme, 'nobody'}/*",
    ],
)
def test_a_variable_naming_no_global_key_in_resource(
    catalogue: ActionCatalogue, resource: str
) -> None:
    found = _unknown(_lint(catalogue, Action="s3:GetObject", Resource=resource))
    assert len(found) == 1, found
    assert found[0].detail.get("element") == "Resource"


def test_a_variable_naming_no_global_key_in_a_condition(catalogue: ActionCatalogue) -> None:
    found = _unknown(
        _lint(
            catalogue,
            Action="s3:ListBucket",
            Resource="arn:aws:s3:::amzn-s3-demo-bucket",
            Condition={"StringLike": {"s3:prefix": ["home/${aws:usrename}/*"]}},
        )
    )
    assert len(found) == 1, found
    assert found[0].detail.get("element") == "Condition"


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:s3:::b/home/${aws:username}/*",
        "arn:aws:s3:::b/${aws:userid}/*",
        "arn:aws:s3:::b/${AWS:UserName}/*",
        "arn:aws:s3:::b/${aws:PrincipalTag/team, 'company-wide'}/*",
        "arn:aws:s3:::b/${aws:SourceIdentity}/*",
        "arn:aws:s3:::b/${aws:PrincipalAccount}/*",
        "arn:aws:s3:::b/${*}/${?}/${$}",
        "arn:aws:s3:::b/${saml:sub}/*",
        "arn:aws:s3:::b/${www.amazon.com:user_id}/*",
        "arn:aws:s3:::b/${cognito-identity.amazonaws.com:sub}/*",
        "arn:aws:s3:::b/${ec2:SourceInstanceARN}/*",
    ],
)
def test_variables_of_real_or_unenumerable_keys_are_quiet(
    catalogue: ActionCatalogue, resource: str
) -> None:
    assert _unknown(_lint(catalogue, Action="s3:GetObject", Resource=resource)) == []
