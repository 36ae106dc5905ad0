"""The linter's caches answer exactly as the code they stand in front of (property tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.iam import linter
from bot.iam.catalogue import default_catalogue
from bot.iam.lint_context import LintContext
from bot.iam.lint_model import RESOURCE_POLICY_ESCALATION, LintFinding, finding
from bot.iam.lint_resources import action_fits_resources, covers_every_resource
from bot.iam.lint_risk import (
    _IDENTITY_POLICY_SERVICES,
    _listed,
    _policy_rewriters,
    _resource_policy,
)
from bot.iam.linter import lint_policy
from bot.iam.policy import PolicyParseError, parse_policy

# Small pools, so that statements repeat across documents and at other positions (the cache's
# hits), with the cases the rules care about: wildcards, NotAction, ARNs that fit or do not,
# policy rewriters, conditions, a Principal, malformed entries.
_ACTIONS = st.sampled_from(
    [
        "*",
        "s3:*",
        "s3:GetObject",
        "s3:ListBucket",
        "s3:PutBucketPolicy",
        "s3:Get*",
        "kms:PutKeyPolicy",
        "kms:Decrypt",
        "iam:PassRole",
        "iam:CreateVirtualMFADevice",
        "ec2:Describe*",
        "logs:PutLogEvents",
        "sts:AssumeRole",
        "s3:GetObjet",
        "nosuchservice:Get",
    ]
)
_RESOURCES = st.sampled_from(
    [
        "*",
        "arn:aws:s3:::bucket",
        "arn:aws:s3:::bucket/*",
        "arn:aws:s3:::*",
        "arn:aws:iam::123456789012:user/${aws:username}",
        "arn:aws:kms:eu-west-1:123456789012:key/abc",
        "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/x-*",
        "arn:*:cloudtrail:*:*:trail/*",
        "arn:aws:s3:eu-west-1::bucket",
        "not-an-arn",
    ]
)
_CONDITIONS = st.sampled_from(
    [
        None,
        {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        {"StringEquals": {"s3:prefix": ["home/", 1]}},
        {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        {},
    ]
)


def _one_or_list(items: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return st.one_of(items, st.lists(items, min_size=1, max_size=3))


@st.composite
def _statements(draw: st.DrawFn) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": draw(st.sampled_from(["Allow", "Deny", "allow"]))}
    if draw(st.booleans()):
        statement["Sid"] = draw(st.sampled_from(["A", "B", "", "a-b"]))
    key = draw(st.sampled_from(["Action", "Action", "NotAction"]))
    statement[key] = draw(_one_or_list(_ACTIONS))
    if draw(st.integers(0, 9)):
        statement[draw(st.sampled_from(["Resource", "Resource", "NotResource"]))] = draw(
            _one_or_list(_RESOURCES)
        )
    condition = draw(_CONDITIONS)
    if condition is not None:
        statement["Condition"] = condition
    if not draw(st.integers(0, 9)):
        statement["Principal"] = {"AWS": "arn:aws:iam::123456789012:root"}
    return statement


_DOCUMENTS = st.builds(
    lambda version, statements: {"Version": version, "Statement": statements},
    st.sampled_from(["2012-10-17", "2012-10-17", "2008-10-17"]),
    st.lists(_statements(), min_size=1, max_size=4),
)


@contextmanager
def _statement_cache_off() -> Iterator[None]:
    """The linter as it was: every statement rule run on every statement."""
    keyed = linter._statement_key
    linter._statement_key = lambda statement, ctx: None  # type: ignore[assignment]
    try:
        yield
    finally:
        linter._statement_key = keyed  # type: ignore[assignment]


@settings(max_examples=150, deadline=None)
@given(
    documents=st.lists(_DOCUMENTS, min_size=1, max_size=4),
    policy_type=st.sampled_from(["identity", "resource", "boundary", None]),
)
def test_statement_cache_answers_as_every_rule_run_again(
    documents: list[dict[str, Any]], policy_type: Any
) -> None:
    catalogue = default_catalogue()
    for document in documents:
        with _statement_cache_off():
            expected = lint_policy(document, catalogue=catalogue, policy_type=policy_type)
        # Twice: the first may fill the cache, the second answers from it.
        assert lint_policy(document, catalogue=catalogue, policy_type=policy_type) == expected
        assert lint_policy(document, catalogue=catalogue, policy_type=policy_type) == expected


def _resource_policy_before(ctx: LintContext) -> list[LintFinding]:
    """The rule before its cache and per-service shortcut: over each statement's expansion."""
    rewriters = _policy_rewriters(ctx.catalogue)
    allows: list[frozenset[str]] = []
    denies: list[frozenset[str]] = []
    for statement in ctx.statements:
        if statement.effect == "Allow":
            allows.append(ctx.expanded_actions(statement))
        elif not statement.conditions and "*" in (statement.resources or ()):
            denies.append(ctx.expanded_actions(statement))

    def allowed(action: str) -> bool:
        return any(action in e for e in allows) and not any(action in d for d in denies)

    def all_allowed(actions: frozenset[str]) -> bool:
        if any(not actions.isdisjoint(d) for d in denies):
            return False
        rest = actions
        for expansion in allows:
            rest = rest - expansion
            if not rest:
                return True
        return not rest

    hits = {a for e in allows for a in (e & rewriters) if allowed(a)}
    if not hits:
        return []
    rewrites = sorted(a for a in hits if a.partition(":")[0] not in _IDENTITY_POLICY_SERVICES)
    services = sorted({a.partition(":")[0] for a in rewrites})
    withheld = [s for s in services if not all_allowed(ctx.catalogue.expand(f"{s}:*"))]
    if not withheld:
        return []
    rewrites = [a for a in rewrites if a.partition(":")[0] in withheld]
    return [
        finding(
            RESOURCE_POLICY_ESCALATION,
            None,
            f"withholds some {', '.join(withheld)} actions but allows {_listed(rewrites)}, which"
            " change a resource's policy or ACL: with them the holder can grant itself (or"
            " anyone) what this policy withholds",
            {"actions": rewrites[:20], "count": len(rewrites), "services": withheld},
        )
    ]


@settings(max_examples=300, deadline=None)
@given(documents=st.lists(_DOCUMENTS, min_size=1, max_size=3))
def test_resource_policy_cache_answers_as_the_rule(documents: list[dict[str, Any]]) -> None:
    catalogue = default_catalogue()
    for document in documents:
        try:
            statements = parse_policy(document).statements
        except PolicyParseError:  # malformed drafts are the linter's business, not this rule's
            continue
        ctx = LintContext(
            catalogue=catalogue, policy_type="identity", statements=statements, document=document
        )
        assert _resource_policy(ctx) == _resource_policy_before(ctx)


def test_resource_policy_cache_example() -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:PutBucketPolicy", "s3:GetObject"], "Resource": "*"}
        ],
    }
    catalogue = default_catalogue()
    statements = parse_policy(document).statements
    ctx = LintContext(
        catalogue=catalogue, policy_type="identity", statements=statements, document=document
    )
    found = _resource_policy(ctx)
    assert found == _resource_policy_before(ctx)
    assert [f.code for f in found] == [RESOURCE_POLICY_ESCALATION]


_SERVICE_PATTERNS = st.sampled_from(
    ["s3:*", "s3:Get*", "s3:Put*", "ec2:*", "elasticloadbalancing:*", "iam:*", "kms:*", "*"]
)


@settings(max_examples=300, deadline=None)
@given(pattern=_SERVICE_PATTERNS, resources=st.lists(_RESOURCES, min_size=1, max_size=3))
def test_fit_representatives_answer_as_every_action(pattern: str, resources: list[str]) -> None:
    catalogue = default_catalogue()
    patterns = tuple(resources)
    every = [i for i in map(catalogue.action, catalogue.expand(pattern)) if i is not None]
    expected = any(action_fits_resources(info, patterns) for info in every)
    shortcut = linter._fit_representatives(catalogue, pattern)
    assert any(action_fits_resources(info, patterns) for info in shortcut) is expected


@settings(max_examples=300, deadline=None)
@given(
    actions=st.lists(_SERVICE_PATTERNS, min_size=1, max_size=2),
    resources=st.lists(_RESOURCES, min_size=1, max_size=3),
)
def test_cover_representatives_answer_as_every_action(
    actions: list[str], resources: list[str]
) -> None:
    catalogue = default_catalogue()
    patterns = tuple(resources)
    names = catalogue.expand_all(tuple(actions))
    every = [i for i in map(catalogue.action, names) if i is not None]
    expected = any(covers_every_resource(info, patterns) for info in every)
    shortcut = linter._cover_representatives(catalogue, frozenset(actions))
    assert any(covers_every_resource(info, patterns) for info in shortcut) is expected


@settings(max_examples=300, deadline=None)
@given(pattern=_SERVICE_PATTERNS, resources=st.lists(_RESOURCES, max_size=3))
def test_pattern_fits_per_entry_answers_as_the_whole_list(
    pattern: str, resources: list[str]
) -> None:
    catalogue = default_catalogue()
    patterns = tuple(resources)
    every = [i for i in map(catalogue.action, catalogue.expand(pattern)) if i is not None]
    expected = any(action_fits_resources(info, patterns) for info in every)
    assert linter._pattern_fits(catalogue, pattern, patterns) is expected
