"""What IAM's JSON policy grammar forbids (IAM User Guide, "Grammar of the IAM JSON policy
language", reference_policies_grammar.html, and the element pages it links): a key repeated in
one object, a Version other than the two it lists, a Sid outside A-Z, a-z, 0-9, a wildcard
inside a principal."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.iam.catalogue import ActionCatalogue, default_catalogue
from bot.iam.lint_model import LintFinding
from bot.iam.linter import lint_policy
from bot.model.severity import Severity

GRAMMAR = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html"


@pytest.fixture(scope="module")
def catalogue() -> ActionCatalogue:
    return default_catalogue()


def lint(
    catalogue: ActionCatalogue, document: Any, policy_type: str = "identity"
) -> list[LintFinding]:
    return lint_policy(document, catalogue=catalogue, policy_type=policy_type)  # type: ignore[arg-type]


def duplicates(findings: list[LintFinding]) -> list[tuple[int | None, list[Any]]]:
    return [
        (f.statement, f.detail["path"])
        for f in findings
        if f.code == "MALFORMED" and f.detail.get("kind") == "duplicate_key"
    ]


STATEMENT = (
    '{"Effect": "Allow", "Action": "s3:GetObject",'
    ' "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*"}'
)


# Source: GRAMMAR, "Policy grammar notes": "Individual elements must not contain multiple
# instances of the same key. For example, you cannot include the Effect block twice in the
# same statement." A JSON reader keeps only one of them: the other is silently ignored.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Effect": "Allow",'
            ' "Action": "s3:GetObject", "Resource": "*"}]}',
            [(0, ["Statement", 0, "Effect"])],
            id="Effect twice in one statement (the page's example)",
        ),
        pytest.param(
            '{"Version": "2012-10-17", "Statement": [' + STATEMENT + ", "
            '{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*", "Condition": {'
            '"StringEquals": {"aws:PrincipalTag/team": "a"},'
            ' "StringEquals": {"aws:ResourceTag/team": "a"}}}]}',
            [(1, ["Statement", 1, "Condition", "StringEquals"])],
            id="one operator twice in a Condition: the first block is dropped",
        ),
        pytest.param(
            '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject",'
            ' "Resource": "*", "Condition": {"StringEquals": {"aws:username": "a",'
            ' "aws:username": "b"}}}}',
            [(0, ["Statement", "Condition", "StringEquals", "aws:username"])],
            id="one key twice in an operator block, single statement object",
        ),
        pytest.param(
            '{"Version": "2008-10-17", "Version": "2012-10-17", "Statement": [' + STATEMENT + "]}",
            [(None, ["Version"])],
            id="Version twice",
        ),
    ],
)
def test_repeated_keys_are_reported(
    catalogue: ActionCatalogue, text: str, expected: list[tuple[int | None, list[Any]]]
) -> None:
    found = lint(catalogue, text)
    assert duplicates(found) == expected
    assert all(
        f.severity is Severity.HIGH for f in found if f.detail.get("kind") == "duplicate_key"
    )


def test_a_repeated_top_level_key_leaves_the_policy_checks_running(
    catalogue: ActionCatalogue,
) -> None:
    """The document still parses (as its last Version): the whole-document checks still run
    (here REDUNDANT_STATEMENT, a policy-level rule)."""
    text = (
        '{"Version": "2012-10-17", "Version": "2012-10-17", "Statement": ['
        + STATEMENT
        + ", "
        + STATEMENT
        + "]}"
    )
    codes = {f.code for f in lint(catalogue, text)}
    assert codes == {"MALFORMED", "REDUNDANT_STATEMENT"}


def test_distinct_keys_and_parsed_documents_are_quiet(catalogue: ActionCatalogue) -> None:
    """Keys differing in case are distinct JSON keys (CONDITION_KEY_CASE is their check), and
    a dict has no repeated keys to show."""
    text = '{"Version": "2012-10-17", "Statement": [' + STATEMENT + "]}"
    assert lint(catalogue, text) == []
    assert lint(catalogue, json.loads(text)) == []


# Source: GRAMMAR, <version_block> = "Version" : ("2008-10-17" | "2012-10-17").
@pytest.mark.parametrize("version", ["2012-10-17", "2008-10-17"])
def test_the_two_versions_parse(catalogue: ActionCatalogue, version: str) -> None:
    document = {"Version": version, "Statement": [json.loads(STATEMENT)]}
    assert [f.code for f in lint(catalogue, document)] == []


@pytest.mark.parametrize(
    "version",
    [
        "2012-10-18",
        "2012/10/17",
        "2024-01-01",
        "",
    ],
)
def test_other_versions_are_rejected(catalogue: ActionCatalogue, version: str) -> None:
    document = {"Version": version, "Statement": [json.loads(STATEMENT)]}
    assert "MALFORMED" in {f.code for f in lint(catalogue, document)}


# Source: GRAMMAR, sid_string: "For IAM policies, basic alphanumeric characters (A-Z,a-z,0-9)
# are the only allowed characters"; "Other AWS services ... allow additional characters such
# as spaces".
@pytest.mark.parametrize(
    ("sid", "policy_type", "bad"),
    [
        ("1", "identity", False),
        ("ThisStatementProvidesPermissionsForConsoleAccess", "identity", False),
        ("Allow read", "identity", True),
        ("read_objects", "boundary", True),
        ("Enable IAM User Permissions", "resource", False),
    ],
)
def test_sid_characters(catalogue: ActionCatalogue, sid: str, policy_type: str, bad: bool) -> None:
    statement = {**json.loads(STATEMENT), "Sid": sid}
    if policy_type == "resource":
        statement["Principal"] = {"AWS": "111122223333"}
    codes = {
        f.code
        for f in lint(catalogue, {"Version": "2012-10-17", "Statement": [statement]}, policy_type)
    }
    assert ("INVALID_SID" in codes) is bad


# Source: GRAMMAR, principal_id_string: "you can use * only to specify everyone/anonymous.
# You cannot use it to specify part of a name or ARN."
@pytest.mark.parametrize(
    ("principal", "reported"),
    [
        ({"AWS": "*"}, False),
        ({"AWS": "arn:aws:iam::111122223333:role/*"}, True),
        ({"AWS": "arn:aws:iam::*:root"}, True),
        ({"AWS": "111122223333"}, False),
    ],
)
def test_wildcards_in_principals(
    catalogue: ActionCatalogue, principal: dict[str, str], reported: bool
) -> None:
    statement = {**json.loads(STATEMENT), "Principal": principal}
    found = [
        f
        for f in lint(catalogue, {"Version": "2012-10-17", "Statement": [statement]}, "resource")
        if f.code == "INVALID_PRINCIPAL"
    ]
    assert bool(found) is reported
