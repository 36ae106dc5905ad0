"""The linter's shortcuts answer exactly as the reference they replace (property tests)."""

from __future__ import annotations

import re
from typing import Any
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.iam import lint_redundancy as lint_redundancy_module
from bot.iam.catalogue import default_catalogue
from bot.iam.lint_context import LintContext
from bot.iam.lint_model import RESOURCE_POLICY_ESCALATION, LintFinding, finding
from bot.iam.lint_redundancy import _cover_regex, glob_covers, lint_redundancy
from bot.iam.lint_resources import (
    _format_glob,
    _format_items,
    _format_regex,
    _format_segments,
    _intersects,
    _normalise_partition,
    _pattern_items,
    action_fits_resources,
    covers_every_resource,
    pattern_covers_format,
    pattern_matches_format,
    resource_part_matches_format,
    service_formats,
)
from bot.iam.lint_risk import (
    _IDENTITY_POLICY_SERVICES,
    _REWRITES_POLICY,
    _listed,
    _resource_policy,
)
from bot.iam.linter import (
    _cover_representatives,
    _fit_representatives,
    _may_cover_everything,
    _pattern_fits_one,
)
from bot.iam.policy import parse_policy

_PLACEHOLDER_RE = re.compile(r"\$\{[^}]*\}")

# Few letters, so that parts repeat and overlap (the cases a greedy search could get wrong).
_TEXT = st.text(alphabet="ab:/*?", max_size=12)
_STAR_GLOB = st.text(alphabet="ab:/*", min_size=1, max_size=10)


@settings(max_examples=2000, deadline=None)
@given(outer=_STAR_GLOB, inner=_TEXT)
def test_star_only_globs_cover_as_the_regex_says(outer: str, inner: str) -> None:
    expected = (
        outer == inner if "*" not in outer else _cover_regex(outer).fullmatch(inner) is not None
    )
    assert glob_covers(outer, inner) is expected


def test_star_glob_examples() -> None:
    assert glob_covers("arn:*:s3:::*", "arn:*:s3:::*")
    assert glob_covers("arn:*:s3:::bucket/*", "arn:*:s3:::bucket/*")
    assert not glob_covers("arn:*:s3:::bucket/*", "arn:*:s3:::*")
    assert not glob_covers("ab*ba", "aba")  # first and last part may not overlap
    assert glob_covers("a**b", "ab")


def _resource_policy_reference(ctx: LintContext) -> list[LintFinding]:
    """The rule as first written: over the policy's allowed set, by regex per action."""
    allowed = ctx.allowed_actions
    rewrites = sorted(
        a
        for a in allowed & ctx.catalogue.permission_changing_actions()
        if _REWRITES_POLICY.search(a.partition(":")[2])
        and a.partition(":")[0] not in _IDENTITY_POLICY_SERVICES
    )
    services = sorted({a.partition(":")[0] for a in rewrites})
    withheld = [s for s in services if not ctx.catalogue.expand(f"{s}:*") <= allowed]
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


_RISK_PATTERNS = (
    "*",
    "s3:*",
    "s3:Put*",
    "s3:PutBucketPolicy",
    "s3:GetObject",
    "kms:*",
    "kms:PutKeyPolicy",
    "sqs:SetQueueAttributes",
    "iam:*",
    "sns:*",
)


@st.composite
def _risk_documents(draw: st.DrawFn) -> dict[str, Any]:
    statements = []
    for _ in range(draw(st.integers(1, 4))):
        patterns = draw(st.lists(st.sampled_from(_RISK_PATTERNS), min_size=1, max_size=3))
        negated = draw(st.integers(0, 4)) == 0
        body: dict[str, Any] = {
            "Effect": draw(st.sampled_from(("Allow", "Allow", "Deny"))),
            "NotAction" if negated else "Action": patterns,
            "Resource": draw(st.sampled_from(("*", "arn:aws:s3:::b/*"))),
        }
        if draw(st.booleans()) and draw(st.booleans()):
            body["Condition"] = {"Bool": {"aws:SecureTransport": "true"}}
        statements.append(body)
    return {"Version": "2012-10-17", "Statement": statements}


@settings(max_examples=300, deadline=None)
@given(document=_risk_documents())
def test_resource_policy_rule_matches_the_allowed_set_reference(document: dict[str, Any]) -> None:
    catalogue = default_catalogue()
    statements = parse_policy(document).statements
    ctx = LintContext(
        catalogue=catalogue, policy_type="identity", statements=statements, document=document
    )
    assert _resource_policy(ctx) == _resource_policy_reference(ctx)


# --- redundant statements: candidates by action ----------------------------------------------

_REDUNDANCY_STATEMENTS = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(("Allow", "Allow", "Deny")),
        "Action": st.lists(
            st.sampled_from(("s3:GetObject", "s3:Get*", "s3:*", "sqs:SendMessage", "kms:Decrypt")),
            min_size=1,
            max_size=3,
        ),
        "Resource": st.lists(
            st.sampled_from(("*", "arn:aws:s3:::a/*", "arn:aws:s3:::a/b*", "arn:aws:s3:::c")),
            min_size=1,
            max_size=2,
        ),
    },
    optional={"Condition": st.just({"Bool": {"aws:SecureTransport": "true"}})},
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_REDUNDANCY_STATEMENTS, min_size=1, max_size=40))
def test_redundant_statements_found_by_action_index_are_the_pairwise_ones(statements) -> None:
    """Long policies look for covering statements among those holding one of the covered
    statement's actions; the findings are those of comparing every pair."""
    policy = parse_policy({"Version": "2012-10-17", "Statement": statements})
    catalogue = default_catalogue()
    with patch.object(lint_redundancy_module, "_INDEXED_FROM", 1):  # indexed at any length
        fast = lint_redundancy(policy.statements, catalogue)
    with patch.object(lint_redundancy_module, "_INDEXED_FROM", 10**9):
        pairwise = lint_redundancy(policy.statements, catalogue)
    assert fast == pairwise


# --- resource fit: the service-segment shortcut ------------------------------------------------

_ARN_PART = st.sampled_from(
    ("aws", "*", "s3", "ec2", "", "x", "a?", "${aws:username}", "b*c", "cloudtrail", "trail/*")
)
_FORMATS = (
    "arn:${Partition}:s3:::${BucketName}/${ObjectName}",
    "arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}",
    "arn:aws:s3:::${BucketName}",
    "arn:${Partition}:${Service}:${Region}:${Account}:thing",
    "arn:${Other}:ec2:${Region}:${Account}:volume/${VolumeId}",
    "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}",
    "arn:${Partition}:cloudtrail:${Region}:${Account}:trail/${TrailName}",
)


@settings(max_examples=3000, deadline=None)
@given(
    parts=st.lists(_ARN_PART, min_size=1, max_size=7),
    head=st.sampled_from(("arn", "arn", "ARN", "*")),
    arn_format=st.sampled_from(_FORMATS),
)
def test_service_shortcut_answers_as_the_glob_search(parts, head, arn_format) -> None:
    pattern = ":".join((head, *parts))
    if pattern == "*":
        expected = True
    elif "*" not in pattern and "?" not in pattern and "${" not in pattern:
        expected = _format_regex(arn_format).fullmatch(pattern) is not None
    else:
        expected = _intersects(_pattern_items(pattern), _format_items(arn_format))
    assert pattern_matches_format(pattern, arn_format) is expected, pattern


@settings(max_examples=3000, deadline=None)
@given(
    parts=st.lists(_ARN_PART, min_size=1, max_size=7),
    head=st.sampled_from(("arn", "arn", "*")),
    arn_format=st.sampled_from(_FORMATS),
)
def test_cover_shortcut_answers_as_glob_covers(parts, head, arn_format) -> None:
    pattern = ":".join((head, *parts))
    if "${" in pattern:
        return  # never covers, before any shortcut
    expected = pattern == "*" or glob_covers(
        _normalise_partition(pattern), _format_glob(arn_format)
    )
    assert pattern_covers_format(pattern, arn_format) is expected, pattern


_LINT_ACTIONS = st.sampled_from(
    (
        "ec2:*",
        "s3:*",
        "s3:Get*",
        "lambda:*",
        "iam:PassRole",
        "kms:*",
        "elasticloadbalancing:*",
        "sts:GetCallerIdentity",
        "cloudtrail:*",
        "redshift:GetClusterCredentials",
    )
)
_LINT_RESOURCES = st.sampled_from(
    (
        "arn:aws:s3:::u1/*",
        "arn:aws:s3:::*",
        "arn:*:ec2:*:*:instance/*",
        "arn:aws:ec2:us-east-1:111122223333:volume/v-1",
        "arn:aws:lambda:*:*:function:*",
        "arn:*:cloudtrail:*:*:trail/*",
        "arn:aws:iam::111122223333:role/*",
        "arn:aws:*:*:*:*",
        "arn:aws:kms:*:*:key/*",
        "arn:aws:elasticloadbalancing:*:*:loadbalancer/*",
        "arn:aws:redshift:*:*:dbuser:*/*",
        "arn:aws:s3:::${aws:username}/*",
        "*",
    )
)


@settings(max_examples=400, deadline=None)
@given(
    actions=st.lists(_LINT_ACTIONS, min_size=1, max_size=3, unique=True),
    resources=st.lists(_LINT_RESOURCES, min_size=1, max_size=3, unique=True),
)
def test_resource_fit_filters_by_service_answer_as_every_representative(actions, resources):
    catalogue = default_catalogue()
    for pattern in actions:
        for resource in resources:
            expected = any(
                action_fits_resources(info, (resource,))
                for info in _fit_representatives(catalogue, pattern)
            )
            assert _pattern_fits_one(catalogue, pattern, resource) is expected
    expected_cover = any("*" in r or "?" in r for r in resources) and any(
        covers_every_resource(info, tuple(resources))
        for info in _cover_representatives(catalogue, frozenset(actions))
    )
    assert _may_cover_everything(catalogue, tuple(actions), tuple(resources)) is expected_cover


_REALISTIC_PATTERNS = (
    "arn:*:cloudtrail:*:*:trail/*",
    "arn:aws:cloudtrail:us-east-1:111122223333:trail/*",
    "arn:aws:s3:::*",
    "arn:aws:s3:::*/*",
    "arn:aws:ec2:*:*:instance/*",
    "arn:aws:iam::*:role/*",
    "arn:aws:*:*:*:*",
    "arn:*:*:*:*:*",
    "arn:aws:s3:::u1/*",
)


def test_cover_shortcut_on_realistic_patterns() -> None:
    covered = set()
    for pattern in _REALISTIC_PATTERNS:
        for arn_format in _FORMATS:
            expected = glob_covers(_normalise_partition(pattern), _format_glob(arn_format))
            assert pattern_covers_format(pattern, arn_format) is expected, (pattern, arn_format)
            if expected:
                covered.add((pattern, arn_format))
    # The examples do cover formats, of their own service and through `*` services.
    assert ("arn:*:cloudtrail:*:*:trail/*", _FORMATS[-1]) in covered
    assert ("arn:aws:*:*:*:*", _FORMATS[1]) in covered


# --- the ARN linter's per-Resource question, on the resource part alone ------------------------


def _catalogue_formats() -> list[str]:
    catalogue = default_catalogue()
    return sorted({f for s in catalogue.services() for f in service_formats(s)})


_CATALOGUE_FORMATS = _catalogue_formats()
_RESOURCE_TEXT = st.text(alphabet="ab:/*?-.", max_size=10)


@st.composite
def _resource_parts(draw: Any) -> tuple[str, str, str]:
    """A catalogue format, a service (its own or another), and a resource part: the format's
    own resource part with its placeholders filled by short texts (so that many match), that
    with a piece replaced by a wildcard, or free text."""
    arn_format = draw(st.sampled_from(_CATALOGUE_FORMATS))
    parts = arn_format.split(":", 5)
    service = draw(st.sampled_from([parts[2], "s3", "ec2", "lambda", "iam"]))
    how = draw(st.sampled_from(("filled", "cut", "free")))
    resource = draw(_RESOURCE_TEXT)
    if how != "free":
        resource = _PLACEHOLDER_RE.sub(lambda _m: draw(_RESOURCE_TEXT), parts[5])
    if how == "cut":  # a wildcard in place of a piece of it (it may have to span a colon)
        start = draw(st.integers(0, len(resource)))
        end = draw(st.integers(start, len(resource)))
        resource = resource[:start] + draw(st.sampled_from("*?")) + resource[end:]
    return arn_format, service, resource


@settings(max_examples=3000, deadline=None)
@given(_resource_parts())
def test_resource_part_shortcut_is_the_whole_arn_search(case: tuple[str, str, str]) -> None:
    arn_format, service, resource = case
    expected = pattern_matches_format(f"arn:*:{service}:*:*:{resource}", arn_format)
    assert resource_part_matches_format(service, resource, arn_format) is expected


def test_resource_part_shortcut_on_formats_whose_placeholders_span_colons() -> None:
    """Formats with a placeholder before the resource part that may hold a colon (Backup's
    recovery points name another service's ARN) are left to the whole-ARN search."""
    odd = [f for f in _CATALOGUE_FORMATS if _format_segments(f) is None]
    assert odd, "the catalogue has such formats; the shortcut must not take them"
    for arn_format in odd:
        for resource in ("x", "recovery-point:1", "*", "a:b/*"):
            for service in ("ec2", arn_format.split(":", 5)[2] if ":" in arn_format else "s3"):
                expected = pattern_matches_format(f"arn:*:{service}:*:*:{resource}", arn_format)
                assert resource_part_matches_format(service, resource, arn_format) is expected


def test_resource_part_shortcut_examples() -> None:
    table = "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}"
    assert resource_part_matches_format("dynamodb", "table/orders", table)
    assert resource_part_matches_format("dynamodb", "table/orders/index/by-date", table)
    assert not resource_part_matches_format("dynamodb", "stream/orders", table)
    obj = "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
    assert resource_part_matches_format("s3", "logs/2026/*", obj)
    assert not resource_part_matches_format("s3", "logs", obj)  # a bucket, not an object
    assert not resource_part_matches_format("ec2", "logs/2026/*", obj)
