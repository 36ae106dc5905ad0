"""Policy parsing and normalisation, wildcard matching and policy variables."""

from __future__ import annotations

import json

import pytest

from bot.iam.matching import (
    LITERAL_STAR,
    action_matches,
    arn_matcher,
    arn_matches,
    string_like,
)
from bot.iam.policy import Condition, PolicyParseError, parse_policy
from bot.iam.variables import has_variables, substitute
from bot.model.errors import InputError

DOC = {
    "Version": "2012-10-17",
    "Id": "example",
    "Statement": [
        {
            "Sid": "Read",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": ["arn:aws:s3:::b/*", "arn:aws:s3:::c/*"],
            "Condition": {
                "Bool": {"aws:SecureTransport": True},
                "NumericLessThan": {"s3:max-keys": [10, 2.5]},
                "StringEquals": {"aws:PrincipalTag/team": ["red", "blue"]},
            },
        },
        {
            "Effect": "Deny",
            "NotAction": ["iam:*"],
            "NotResource": "arn:aws:iam::*:role/x",
            "Principal": {"AWS": "123456789012", "Service": ["ec2.amazonaws.com"]},
        },
        {"Effect": "Allow", "Action": "sts:AssumeRole", "NotPrincipal": "*"},
    ],
}


# --- parsing ----------------------------------------------------------------------------------


def test_parse_normalises_every_element() -> None:
    policy = parse_policy(DOC, name="p")
    assert (policy.name, policy.version, policy.id) == ("p", "2012-10-17", "example")
    first, second, third = policy.statements
    assert first.index == 0
    assert first.sid == "Read"
    assert first.label == "Read"
    assert first.actions == ("s3:GetObject",)
    assert first.not_actions is None
    assert first.resources == ("arn:aws:s3:::b/*", "arn:aws:s3:::c/*")
    assert first.conditions == (
        Condition("Bool", "aws:SecureTransport", ("true",)),
        Condition("NumericLessThan", "s3:max-keys", ("10", "2.5")),
        Condition("StringEquals", "aws:PrincipalTag/team", ("red", "blue")),
    )
    assert second.label == 1
    assert second.sid is None
    assert second.not_actions == ("iam:*",)
    assert second.actions is None
    assert second.not_resources == ("arn:aws:iam::*:role/x",)
    assert second.resources is None
    assert second.principals == {"AWS": ("123456789012",), "Service": ("ec2.amazonaws.com",)}
    assert third.not_principals == "*"
    assert third.resources is None
    assert policy.substitutes_variables


def test_parse_accepts_json_text_and_a_single_statement_object() -> None:
    text = json.dumps({"Version": "2008-10-17", "Statement": {"Effect": "Deny", "Action": "*"}})
    policy = parse_policy(text)
    assert len(policy.statements) == 1
    assert policy.statements[0].actions == ("*",)
    assert policy.version == "2008-10-17"
    assert not policy.substitutes_variables


def test_missing_version_means_no_variable_substitution() -> None:
    policy = parse_policy({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    assert policy.version == ""
    assert not policy.substitutes_variables


def _stmt(**extra: object) -> dict[str, object]:
    body: dict[str, object] = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    body.update(extra)
    return {key: value for key, value in body.items() if value is not None}


@pytest.mark.parametrize(
    ("document", "reason", "index"),
    [
        ("{not json", "not valid JSON", None),
        ([1, 2], "must be a JSON object", None),
        ({"Version": "2012-10-17"}, "missing the required Statement", None),
        ({"Statement": []}, "at least one statement", None),
        ({"Statement": "x"}, "Statement must be an object or a list", None),
        (
            {"Version": "2012-10-17", "Statement": [_stmt()], "Foo": 1},
            "unknown element(s): Foo",
            None,
        ),
        (
            {"Version": "2020-01-01", "Statement": [_stmt()]},
            "Version '2020-01-01' is not valid",
            None,
        ),
        ({"Statement": [_stmt(Effect="allow")]}, "Effect must be 'Allow' or 'Deny'", 0),
        ({"Statement": [_stmt(Effect=None)]}, "missing required field Effect", 0),
        ({"Statement": [_stmt(NotAction="s3:*")]}, "both Action and NotAction", 0),
        ({"Statement": [_stmt(Action=None)]}, "missing required field Action", 0),
        ({"Statement": [_stmt(NotResource="*")]}, "both Resource and NotResource", 0),
        ({"Statement": [_stmt(), _stmt(Resource="bucket")]}, "must be in ARN format", 1),
        ({"Statement": [_stmt(Action="s3GetObject")]}, "must be '*' or 'service:action'", 0),
        # An empty Action matches nothing and is accepted (test_policy_empty_elements.py);
        # an empty NotAction would match everything: refused.
        ({"Statement": [_stmt(Action=None, NotAction=[])]}, "must not be an empty list", 0),
        ({"Statement": [_stmt(Action=[1])]}, "string or a list of strings", 0),
        ({"Statement": [_stmt(Colour="red")]}, "unknown element(s) Colour", 0),
        (
            {"Statement": [_stmt(Principal="*", NotPrincipal="*")]},
            "both Principal and NotPrincipal",
            0,
        ),
        ({"Statement": [_stmt(Principal={"User": "x"})]}, "invalid principal type 'User'", 0),
        (
            {"Statement": [_stmt(Condition={"StringEqualz": {"a": "b"}})]},
            "Invalid Condition type",
            0,
        ),
        ({"Statement": [_stmt(Condition={"NullIfExists": {"a": "true"}})]}, "Invalid Condition", 0),
        ({"Statement": [_stmt(Condition={"StringEquals": {"a": {"b": 1}}})]}, "values must be", 0),
        ({"Statement": [_stmt(Condition=["x"])]}, "Condition must be an object", 0),
        ({"Statement": [_stmt(Sid="A"), _stmt(Sid="A")]}, "must be unique", 1),
        ({"Statement": ["x"]}, "a statement must be an object", 0),
    ],
)
def test_malformed_documents_raise_with_aws_style_reasons(
    document: object, reason: str, index: int | None
) -> None:
    with pytest.raises(PolicyParseError) as caught:
        parse_policy(document, name="bad")  # type: ignore[arg-type]
    error = caught.value
    assert isinstance(error, InputError)
    assert any(reason in r for r in error.reasons), error.reasons
    assert error.statement_index == index
    assert "bad" in str(error)


def test_every_problem_is_reported_not_just_the_first() -> None:
    doc = {"Version": "1", "Statement": [_stmt(Effect="Maybe"), _stmt(NotAction="*")]}
    with pytest.raises(PolicyParseError) as caught:
        parse_policy(doc)
    assert len(caught.value.reasons) == 3
    assert [i for i, _ in caught.value.problems] == [None, 0, 1]


# --- matching ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "pattern", "expected"),
    [
        ("s3:GetObject", "s3:GetObject", True),
        ("S3:GETOBJECT", "s3:getobject", True),  # actions ignore case
        ("s3:GetObject", "s3:Get*", True),
        ("s3:GetObject", "s3:*Object", True),
        ("s3:GetObject", "s3:Get?bject", True),
        ("s3:GetObject", "s3:Put*", False),
        ("s3:GetObject", "*", True),
        ("s3:GetObject", "s3:Get", False),
        ("iam:PassRole", "iam:Pass?ole", True),
        ("iam:PassRole", "ia?:*", True),
        ("ec2:RunInstances", "s3:*", False),
    ],
)
def test_action_matching(action: str, pattern: str, expected: bool) -> None:
    assert action_matches(action, pattern) is expected


@pytest.mark.parametrize(
    ("arn", "pattern", "expected"),
    [
        ("arn:aws:s3:::bucket/key", "arn:aws:s3:::bucket/*", True),
        ("arn:aws:s3:::bucket", "arn:aws:s3:::bucket/*", False),
        ("arn:aws:s3:::Bucket/key", "arn:aws:s3:::bucket/*", False),  # ARNs are case-sensitive
        ("arn:aws:s3:::bucket/a/b/c", "arn:aws:s3:::bucket/*", True),
        ("arn:aws:iam::123456789012:role/x", "arn:aws:iam::*:role/x", True),
        ("arn:aws:iam::123456789012:role/x", "arn:aws:iam::12345678901?:role/*", True),
        ("arn:aws:iam::123456789012:role/a/b", "arn:aws:iam::123456789012:role/*", True),
        # a wildcard in a segment does not cross into the next one
        ("arn:aws:iam::123456789012:role/x", "arn:aws:*:role/x", False),
        ("arn:aws:iam::123456789012:role/x", "arn:*:iam::123456789012:role/x", True),
        # the resource segment may hold colons, and * spans them there
        (
            "arn:aws:logs:us-east-1:1:log-group:g:log-stream:s",
            "arn:aws:logs:*:*:log-group:g:*",
            True,
        ),
        ("arn:aws:logs:us-east-1:1:log-group:g", "arn:aws:logs:*:*:log-group:*", True),
        ("anything", "*", True),
        ("*", "arn:aws:s3:::*", False),
        ("arn:aws:s3:::b/" + "x" * 50, "arn:aws:s3:::b/x*x?x", True),
        ("arn:aws:s3:::b/*", "arn:aws:s3:::b/" + LITERAL_STAR, True),
        ("arn:aws:s3:::b/anything", "arn:aws:s3:::b/" + LITERAL_STAR, False),
    ],
)
def test_arn_matching(arn: str, pattern: str, expected: bool) -> None:
    assert arn_matches(arn, pattern) is expected


def test_arn_matcher_over_a_list_mixes_exact_and_wildcard_patterns() -> None:
    match = arn_matcher(("arn:aws:s3:::a", "arn:aws:s3:::b/*"))
    assert match("arn:aws:s3:::a")
    assert match("arn:aws:s3:::b/k")
    assert not match("arn:aws:s3:::c")
    assert arn_matcher(())("arn:aws:s3:::a") is False


@pytest.mark.parametrize(
    ("value", "pattern", "expected"),
    [
        ("home/alice/x", "home/*", True),
        ("Home/alice", "home/*", False),
        ("a:b:c", "a*c", True),
        ("abc", "a?c", True),
        ("ac", "a?c", False),
        ("line1\nline2", "line*", True),
        ("a.c", "a.c", True),
        ("abc", "a.c", False),  # regex characters are literal
    ],
)
def test_string_like(value: str, pattern: str, expected: bool) -> None:
    assert string_like(value, pattern) is expected


# --- variables ----------------------------------------------------------------------------------

CTX = {"aws:username": ("alice",), "aws:principaltag/team": ("red",), "aws:tagkeys": ("a", "b")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("home/${aws:username}/*", "home/alice/*"),
        ("home/${AWS:UserName}", "home/alice"),  # keys are case-insensitive
        ("${aws:PrincipalTag/team}-x", "red-x"),
        ("a${*}b${?}c${$}", "a*b?c$"),
        ("${aws:userid, 'nobody'}", "nobody"),
        ("${aws:username,'nobody'}", "alice"),
        ("${aws:userid}", None),  # unresolvable
        ("${aws:TagKeys}", None),  # multi-valued keys cannot be variables
        ("no variables", "no variables"),
    ],
)
def test_substitute(text: str, expected: str | None) -> None:
    assert substitute(text, CTX) == expected


def test_substituted_values_are_literal_in_patterns() -> None:
    context = {"aws:username": ("a*b",)}
    rendered = substitute("arn:aws:s3:::b/${aws:username}/*", context, pattern=True)
    assert rendered is not None
    assert arn_matches("arn:aws:s3:::b/a*b/k", rendered)
    assert not arn_matches("arn:aws:s3:::b/aXb/k", rendered)


def test_has_variables() -> None:
    assert has_variables("x/${aws:username}")
    assert not has_variables("x/$aws:username")


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ("", "policy is empty: expected a JSON object"),
        ("  \n", "policy is empty: expected a JSON object"),
        (b'{"Version": "\x80"}', "policy is not UTF-8 text (byte 13 cannot be decoded)"),
        ("{", "policy is not valid JSON: Expecting property name enclosed in double quotes"),
    ],
)
def test_unreadable_text_is_one_clear_reason(document: str | bytes, reason: str) -> None:
    with pytest.raises(PolicyParseError) as caught:
        parse_policy(document)
    (problem,) = caught.value.problems
    assert problem[0] is None
    assert problem[1].startswith(reason)
