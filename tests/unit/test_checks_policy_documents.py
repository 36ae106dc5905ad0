"""The defensive policy-document reader the document-level checks share."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.audit.checks._policy_documents import (
    ConditionEntry,
    action_pattern_matches,
    as_strings,
    audited_documents,
    is_service_linked_role_policy,
    is_service_wildcard,
    parse_conditions,
    parse_principal,
    statements,
)
from bot.model.snapshot import ManagedPolicy
from tests.factories import (
    allow,
    inline,
    managed_policy,
    policy_document,
    role,
    snapshot,
    statement,
    user,
)


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("iam:PassRole", "iam:passrole", True),
        ("IAM:Pass*", "iam:PassRole", True),
        ("iam:*", "iam:PassRole", True),
        ("*", "iam:PassRole", True),
        ("iam:Pass?ole", "iam:PassRole", True),
        ("iam:Pass", "iam:PassRole", False),
        ("s3:*", "iam:PassRole", False),
        ("iam:[P]assRole", "iam:PassRole", False),  # brackets are literal in IAM, not a class
        (" iam:PassRole ", "iam:PassRole", True),
    ],
)
def test_action_pattern_matching(pattern, action, expected) -> None:
    assert action_pattern_matches(pattern, action) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, ()), ("a", ("a",)), (["a", 1, None, "b"], ("a", "b")), ({"a": 1}, ()), (5, ())],
)
def test_as_strings(value, expected) -> None:
    assert as_strings(value) == expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("s3:*", True),
        ("S3:*", True),
        ("*", False),
        ("*:*", False),
        ("s3:Get*", False),
        # Every action of s3, sqs, sns...: a wildcard over services covers each one whole.
        ("s*:*", True),
    ],
)
def test_is_service_wildcard(pattern, expected) -> None:
    assert is_service_wildcard(pattern) is expected


def test_statements_normalise_strings_to_tuples_and_keep_indexes() -> None:
    doc = policy_document(
        statement(action="s3:GetObject", resource="arn:aws:s3:::b/*", sid="Read"),
        statement(effect="Deny", not_action=["iam:*"], resource="*"),
    )
    first, second = statements(doc)
    assert (first.index, first.sid, first.actions, first.resources) == (
        0,
        "Read",
        ("s3:GetObject",),
        ("arn:aws:s3:::b/*",),
    )
    assert second.index == 1
    assert not second.is_allow
    assert second.uses_not_action


def test_statement_indexes_follow_the_document_even_when_items_are_skipped() -> None:
    parsed = statements({"Statement": ["junk", {"Effect": "Allow", "Action": "*"}]})
    assert [s.index for s in parsed] == [1]


def test_allows_action_through_action_and_notaction() -> None:
    (through_action,) = statements(allow("iam:Pass*"))
    (through_not_action,) = statements(policy_document(statement(not_action="s3:*")))
    (deny,) = statements(policy_document(statement(effect="Deny", action="*")))
    assert through_action.allows_action("iam:PassRole")
    assert not through_action.allows_action("iam:GetRole")
    assert through_not_action.allows_action("iam:PassRole")
    assert not through_not_action.allows_action("s3:GetObject")
    assert not deny.allows_action("iam:PassRole")


def test_principal_parsing() -> None:
    assert parse_principal("*") == {"AWS": ("*",)}
    assert parse_principal({"Service": ["a", "b"], "AWS": "x"}) == {
        "Service": ("a", "b"),
        "AWS": ("x",),
    }
    assert parse_principal(["odd"]) == {}


def test_condition_parsing_and_restriction_rules() -> None:
    entries = parse_conditions(
        {
            "StringEquals": {"aws:PrincipalOrgID": ["o-1"], "aws:SourceAccount": 123456789012},
            "Bool": {"aws:MultiFactorAuthPresent": True},
            "bad": "not a block",
        }
    )
    assert [(e.operator, e.key, e.values) for e in entries] == [
        ("StringEquals", "aws:PrincipalOrgID", ("o-1",)),
        ("StringEquals", "aws:SourceAccount", ("123456789012",)),
        ("Bool", "aws:MultiFactorAuthPresent", ("true",)),
    ]
    assert all(e.restricts for e in entries)
    assert not ConditionEntry("ForAnyValue:StringNotLike", "k", ("v",)).restricts
    assert not ConditionEntry("StringEqualsIfExists", "k", ("v",)).restricts
    assert not ConditionEntry("Null", "k", ("false",)).restricts
    assert not ConditionEntry("StringLike", "k", ("*",)).restricts
    assert ConditionEntry("ForAnyValue:StringEquals", "k", ("v",)).restricts
    assert parse_conditions("nope") == ()


def test_audited_documents_choose_customer_inline_and_aws_managed_in_use() -> None:
    snap = snapshot(
        users=[user("alice", inline_policies=[inline("u")])],
        roles=[role("r", inline_policies=[inline("r")])],
        policies=[
            managed_policy("mine", attachment_count=0),
            managed_policy("AdministratorAccess", aws_managed=True, attachment_count=1),
            managed_policy("Unused", aws_managed=True, attachment_count=0),
        ],
    )
    shared: dict = {}
    documents = audited_documents(snap, shared)
    assert sorted(d.policy_name for d in documents) == ["AdministratorAccess", "mine", "r", "u"]
    assert audited_documents(snap, shared) is documents  # parsed once per audit


@pytest.mark.parametrize(
    ("arn", "path", "skipped"),
    [
        # AWS service role policies attach only to their service-linked role
        # (PolicyNotAttachableException): never audited, by path or by ARN.
        (
            "arn:aws:iam::aws:policy/aws-service-role/AutoScalingServiceRolePolicy",
            "/aws-service-role/",
            True,
        ),
        ("arn:aws:iam::aws:policy/aws-service-role/AutoScalingServiceRolePolicy", "/", True),
        # Attachable to any role or principal: audited.
        ("arn:aws:iam::aws:policy/service-role/AWSLambdaRole", "/service-role/", False),
        ("arn:aws:iam::aws:policy/AdministratorAccess", "/", False),
        (
            "arn:aws:iam::123456789012:policy/aws-service-role/lookalike",
            "/aws-service-role/",
            False,
        ),
    ],
)
def test_audited_documents_leave_out_service_linked_role_policies(arn, path, skipped) -> None:
    policy = ManagedPolicy(name=arn.rsplit("/", 1)[1], arn=arn, path=path, attachment_count=1)
    assert is_service_linked_role_policy(policy) is skipped
    documents = audited_documents(snapshot(policies=[policy]), {})
    assert [d.resource_arn for d in documents] == ([] if skipped else [arn])


# --- action matching through the engine's cached matcher (issue 12) ---------------------------


def _reference_match(pattern: str, action: str) -> bool:
    """The matcher this module used before: one regex per pattern, IAM's `*` and `?` globs,
    case-insensitive (IAM User Guide, "IAM JSON policy elements: Action")."""
    regex = "".join(
        ".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern.strip()
    )
    return re.fullmatch(regex, action, re.IGNORECASE | re.DOTALL) is not None


_ACTION_CHARS = st.sampled_from("aAbBsS3:*?-_.")


@settings(max_examples=400, deadline=None)
@given(pattern=st.text(_ACTION_CHARS, max_size=10), action=st.text(_ACTION_CHARS, max_size=10))
def test_action_pattern_matches_agrees_with_the_regex_reference(pattern, action) -> None:
    assert action_pattern_matches(pattern, action) is _reference_match(pattern, action)


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("iam:PassRole", "IAM:passrole", True),
        (" iam:Pass* ", "iam:PassRole", True),
        ("iam:Pass?ole", "iam:PassRole", True),
        ("iam:Pass?ole", "iam:PassRRole", False),
        ("s3:*", "s3:GetObject", True),
        ("s3:*", "s3x:GetObject", False),
        ("*", "anything:At", True),
    ],
)
def test_action_pattern_matches_examples(pattern, action, expected) -> None:
    assert action_pattern_matches(pattern, action) is expected


def test_action_matching_compiles_no_regex_for_literal_patterns(monkeypatch) -> None:
    """Most patterns of AWS-managed policies are literals: they are compared as strings, so an
    account of thousands of distinct actions no longer thrashes a regex cache (issue 12)."""
    compiled: list[str] = []
    original = re.compile

    def counting(pattern, *args, **kwargs):
        compiled.append(pattern)
        return original(pattern, *args, **kwargs)

    monkeypatch.setattr(re, "compile", counting)
    for n in range(2000):
        assert action_pattern_matches(f"svc:LiteralAction{n}", f"svc:literalaction{n}")
    assert compiled == []
