"""The linter's indexes and set-keyed caches answer exactly as the scans they replace
(property tests): the ARN formats by literal start, the prefix regex for `L*` patterns, the
action-set caches, the redundancy candidates by effect and principals."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.iam import lint_redundancy as lint_redundancy_module
from bot.iam import linter
from bot.iam.catalogue import ActionInfo, ResourceTypeRef, default_catalogue
from bot.iam.lint_arns import (
    _CATALOGUE_GAPS,
    _account_problems,
    _dynamic,
    _format_start,
    _formats_by_service,
    _FormatsByStart,
    _literal_start,
    _own_formats,
    _prefixes_agree,
    _region_problems,
    _segment_rule,
    arn_problems,
    partitions,
)
from bot.iam.lint_model import REDUNDANT_STATEMENT, LintFinding, finding
from bot.iam.lint_redundancy import (
    _covered,
    _covered_entries,
    _resources_covered,
    _Scope,
    lint_redundancy,
    lint_redundant_entries,
)
from bot.iam.lint_resources import (
    _ANY,
    _format_items,
    _glob_items,
    _intersects,
    _pattern_items,
    _prefix_regex,
    action_fits_resources,
    covers_every_resource,
    pattern_covers_wildcard,
    pattern_matches_format,
    resource_part_matches_format,
    service_formats,
)
from bot.iam.lint_risk import _REWRITES_POLICY, _policy_rewriters
from bot.iam.linter import _may_cover_everything, _sensitive
from bot.iam.matching import string_matcher
from bot.iam.policy import Statement, parse_policy
from bot.model.severity import Severity

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")
_CATALOGUE_FORMATS = sorted({f for s in default_catalogue().services() for f in service_formats(s)})
_SERVICES = ("s3", "ec2", "iam", "dynamodb", "sagemaker", "lambda", "kms", "logs", "backup")
_TEXT = st.text(alphabet="ab/:-*?.", max_size=8)


# --- the ARN linter: formats by literal start ---------------------------------------------------


@st.composite
def _literals(draw: st.DrawFn, starts: list[str]) -> str:
    """A literal start: one of the formats' starts cut or extended, or free text."""
    how = draw(st.sampled_from(("cut", "extended", "free")))
    if how == "free" or not starts:
        return draw(st.text(alphabet="abcdefgijklmnoprstu-/:", max_size=12))
    start = draw(st.sampled_from(starts))
    if how == "cut":
        return start[: draw(st.integers(0, len(start)))]
    return start + draw(st.text(alphabet="ab/-:", max_size=6))


@settings(max_examples=1500, deadline=None)
@given(data=st.data(), service=st.sampled_from(_SERVICES), own=st.booleans())
def test_formats_by_start_are_those_whose_start_agrees(
    data: st.DataObject, service: str, own: bool
) -> None:
    catalogue = default_catalogue()
    formats = (
        _own_formats(catalogue, service) if own else _formats_by_service(catalogue).get(service, ())
    )
    literal = data.draw(_literals(sorted({_format_start(f) for f in formats})))
    expected = tuple(f for f in formats if _prefixes_agree(literal, _format_start(f)))
    assert _FormatsByStart(formats).agreeing(literal) == expected


def test_formats_by_start_examples() -> None:
    index = _FormatsByStart(
        ("arn:aws:s:::${B}", "arn:aws:s:::job/${J}", "arn:aws:s:::jo${X}", "arn:aws:s:::jobs/x")
    )
    assert index.agreeing("") == index.formats
    assert index.agreeing("job/1") == (
        "arn:aws:s:::${B}",
        "arn:aws:s:::job/${J}",
        "arn:aws:s:::jo${X}",
    )
    assert index.agreeing("jo") == index.formats  # the longer starts begin with it
    assert index.agreeing("x") == ("arn:aws:s:::${B}",)


def _literal_start_before(resource: str) -> str:
    cut = [i for i in (resource.find("*"), resource.find("?"), resource.find("${")) if i >= 0]
    return resource[: min(cut)] if cut else resource


@settings(max_examples=1000, deadline=None)
@given(resource=st.text(alphabet="ab*?${}", max_size=10))
def test_literal_start_as_before(resource: str) -> None:
    assert _literal_start(resource) == _literal_start_before(resource)


def _arn_problems_before(arn: str) -> tuple[tuple[str, str, Severity], ...]:
    """The ARN linter as it was: every format of the service compared, rules per ARN."""
    catalogue = default_catalogue()
    if arn == "*" or not arn.startswith("arn:"):
        return ()
    parts = _PLACEHOLDER.sub("${v}", arn).split(":", 5)
    if len(parts) < 6:
        return (
            (
                "missing_field",
                f"{arn} has {len(parts)} of the 6 ARN fields"
                " (arn:partition:service:region:account:resource)",
                Severity.MEDIUM,
            ),
        )
    _, partition, service, region, account, resource = parts
    if not resource or not service:  # a rule added since (Access Analyzer's Missing ARN field)
        return (
            (
                "missing_field",
                f"{arn} has an empty {'service' if not service else 'resource'} field"
                " (arn:partition:service:region:account:resource)",
                Severity.MEDIUM,
            ),
        )
    found: list[tuple[str, str, Severity]] = []
    if partition and not _dynamic(partition) and partition not in partitions():
        found.append(
            (
                "partition",
                f"{arn}: {partition!r} is not an AWS partition"
                f" (use one of {', '.join(sorted(partitions()))})",
                Severity.MEDIUM,
            )
        )
    if "*" in service or "?" in service:
        found.append(
            (
                "wildcard_service",
                f"{arn}: a wildcard in the service name matches resources of every service;"
                " name the service",
                Severity.LOW,
            )
        )
        return tuple(found)
    if service != service.lower():
        found.append(
            (
                "service_case",
                f"{arn}: service names in ARNs are lower case ({service.lower()})",
                Severity.MEDIUM,
            )
        )
        return tuple(found)
    literal = _literal_start_before(resource)

    def matching_in(formats: tuple[str, ...]) -> list[str]:
        return [
            f
            for f in formats
            if _prefixes_agree(literal, _format_start(f))
            and resource_part_matches_format(service, resource, f)
        ]

    matching = matching_in(_own_formats(catalogue, service))
    if not matching:
        formats = _formats_by_service(catalogue).get(service)
        if not formats:
            return tuple(found)
        matching = matching_in(formats)
    if not matching:
        found.append(
            (
                "resource",
                f"{arn}: the resource part matches no {service} resource type's ARN format"
                f" (for example {formats[0]}), so it may never match a real resource",
                # The severity rule is lint_arns' (MEDIUM but for the catalogue's known gaps).
                Severity.LOW
                if resource.startswith(_CATALOGUE_GAPS.get(service, ()))
                else Severity.MEDIUM,
            )
        )
        return tuple(found)
    found.extend(_region_problems(arn, region, partition, _segment_rule(matching, 3)))
    found.extend(_account_problems(arn, account, _segment_rule(matching, 4), service, literal))
    return tuple(found)


@st.composite
def _arns(draw: st.DrawFn) -> str:
    """An ARN of a catalogue format with its placeholders filled (so that many match), a
    wildcard in place of a piece, or free text in the resource part; region and account
    right, wrong or missing."""
    arn_format = draw(st.sampled_from(_CATALOGUE_FORMATS))
    parts = arn_format.split(":", 5)
    if len(parts) < 6:
        return arn_format
    service = draw(st.sampled_from([parts[2], parts[2], "s3", "iam"]))
    resource = _PLACEHOLDER.sub(lambda _m: draw(_TEXT), parts[5])
    if draw(st.booleans()):
        start = draw(st.integers(0, len(resource)))
        resource = resource[:start] + draw(st.sampled_from(("*", "?", "${aws:username}")))
    region = draw(st.sampled_from(("", "us-east-1", "*", "moon-1")))
    account = draw(st.sampled_from(("", "123456789012", "*", "abc")))
    return f"arn:aws:{service}:{region}:{account}:{resource}"


@settings(max_examples=2000, deadline=None)
@given(arn=_arns())
def test_arn_problems_as_before(arn: str) -> None:
    """The formats found through the index and the cached region / account rules: the
    problems of comparing every format's start, ARN by ARN."""
    assert arn_problems.__wrapped__(arn, default_catalogue()) == _arn_problems_before(arn)


def test_arn_problems_examples() -> None:
    catalogue = default_catalogue()
    kinds = {k for k, _, _ in arn_problems("arn:aws:iam:us-east-1:123456789012:role/x", catalogue)}
    assert kinds == {"region_not_allowed"}
    kinds = {k for k, _, _ in arn_problems("arn:aws:dynamodb::123456789012:table/t", catalogue)}
    assert kinds == {"missing_region"}
    assert arn_problems("arn:aws:s3:::bucket/key/*", catalogue) == ()


# --- `L*` against a format: the prefix regex ----------------------------------------------------

_GLOB_FORMATS = st.sampled_from(
    (
        "arn:${Partition}:s3:::${BucketName}/${ObjectName}",
        "arn:${Partition}:s3:::${BucketName}",
        "arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}",
        "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}",
        "${BucketName}/${ObjectName}",
        "table/${TableName}/index/${IndexName}",
        "a${X}b${Y}",
        "abc",
        "",
        "${A}${B}",
        "x*y?z",
    )
)


@settings(max_examples=3000, deadline=None)
@given(glob=st.one_of(_GLOB_FORMATS, st.sampled_from(_CATALOGUE_FORMATS)), data=st.data())
def test_prefix_regex_is_the_search_for_a_trailing_star(glob: str, data: st.DataObject) -> None:
    # Texts that begin as the glob does (placeholders filled), cut anywhere, or free.
    filled = _PLACEHOLDER.sub(lambda _m: data.draw(st.text(alphabet="ab/:.", max_size=4)), glob)
    literal = data.draw(
        st.one_of(
            st.integers(0, len(filled)).map(lambda n: filled[:n]),
            st.text(alphabet="arn:s3ab/*?.", max_size=10).filter(
                lambda t: "*" not in t and "?" not in t
            ),
        )
    )
    expected = _intersects(tuple(_glob_items(literal + "*", _ANY)), _format_items(glob))
    assert (_prefix_regex(glob).fullmatch(literal) is not None) is expected


@settings(max_examples=3000, deadline=None)
@given(arn_format=st.sampled_from(_CATALOGUE_FORMATS), data=st.data())
def test_trailing_star_patterns_match_formats_as_the_search(
    arn_format: str, data: st.DataObject
) -> None:
    # Mostly literal fills (the shortcut's case), sometimes with `?` or `*` (the search's).
    fills = st.one_of(_TEXT.filter(lambda t: "*" not in t and "?" not in t), _TEXT)
    filled = _PLACEHOLDER.sub(lambda _m: data.draw(fills), arn_format)
    pattern = filled[: data.draw(st.integers(0, len(filled)))] + "*"
    expected = _intersects(_pattern_items(pattern), _format_items(arn_format))
    assert pattern_matches_format.__wrapped__(pattern, arn_format) is expected
    parts = arn_format.split(":", 5)
    if len(parts) == 6:
        resource = pattern.split(":", 5)[-1] if pattern.count(":") >= 5 else pattern
        whole = pattern_matches_format.__wrapped__(f"arn:*:{parts[2]}:*:*:{resource}", arn_format)
        assert resource_part_matches_format(parts[2], resource, arn_format) is whole


def test_trailing_star_examples() -> None:
    obj = "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
    assert pattern_matches_format("arn:aws:s3:::logs/2026/*", obj)
    assert pattern_matches_format("arn:aws:s3:::logs*", obj)
    assert not pattern_matches_format("arn:aws:ec2:::logs/*", obj)
    bucket = "arn:${Partition}:s3:::${BucketName}"
    assert not pattern_matches_format("arn:aws:s3:::logs/2026/*", bucket)
    assert resource_part_matches_format("s3", "logs*", "arn:${Partition}:s3:::${BucketName}")


# --- a Resource against `*` ---------------------------------------------------------------------


@settings(max_examples=3000, deadline=None)
@given(pattern=st.text(alphabet="*?a:\x00\x01${}", max_size=6))
def test_pattern_covers_wildcard_as_the_glob(pattern: str) -> None:
    expected = bool(string_matcher(_PLACEHOLDER.sub("*", pattern))("*"))
    assert pattern_covers_wildcard(pattern) is expected


# --- caches keyed by the set of actions ---------------------------------------------------------

_ACTION_PATTERNS = st.sampled_from(
    (
        "s3:*",
        "s3:GetObject",
        "S3:getobject",
        "s3:Put*",
        "kms:Decrypt",
        "kms:*",
        "iam:PassRole",
        "ec2:*Instance*",
        "dynamodb:*",
        "sts:GetCallerIdentity",
        "redshift:GetClusterCredentials",
        "nosuch:Thing",
    )
)
_COVER_RESOURCES = st.sampled_from(
    (
        "arn:aws:s3:::u1/*",
        "arn:aws:s3:::*",
        "arn:aws:s3:::*/*",
        "arn:*:ec2:*:*:instance/*",
        "arn:aws:iam::111122223333:role/*",
        "arn:aws:iam::111122223333:role/r1-*",
        "arn:aws:*:*:*:*",
        "arn:aws:kms:*:*:key/*",
        "arn:aws:dynamodb:us-east-1:111122223333:table/t1",
        "arn:aws:redshift:*:*:dbuser:*/*",
        "arn:aws:s3:::${aws:username}/*",
        "*",
    )
)


def _sensitive_before(catalogue: Any, actions: Any, not_actions: Any) -> tuple[Any, int]:
    if actions is not None:
        granted = catalogue.expand_all(actions)
    else:
        granted = catalogue.expand_not_action(not_actions or ())
    granted = granted & catalogue.resource_scoped_actions()
    permissions = granted & catalogue.permission_changing_actions()
    writes = granted & catalogue.actions_by_access_level("Write")
    return tuple(sorted(permissions)) + tuple(sorted(writes - permissions)), len(permissions)


@settings(max_examples=300, deadline=None)
@given(
    patterns=st.lists(_ACTION_PATTERNS, min_size=1, max_size=4),
    negated=st.booleans(),
    order=st.randoms(use_true_random=False),
)
def test_sensitive_actions_by_set_answer_as_the_list(
    patterns: list[str], negated: bool, order: Any
) -> None:
    """The same grants in another order or repeated are one cache entry, with the answer of
    each list."""
    catalogue = default_catalogue()
    shuffled = list(patterns)
    order.shuffle(shuffled)
    for listed in (tuple(patterns), tuple(shuffled), tuple(patterns + patterns[:1])):
        actions, not_actions = (None, listed) if negated else (listed, None)
        assert _sensitive(catalogue, actions, not_actions) == _sensitive_before(
            catalogue, actions, not_actions
        )


@settings(max_examples=400, deadline=None)
@given(
    actions=st.lists(_ACTION_PATTERNS, min_size=1, max_size=3),
    resources=st.lists(_COVER_RESOURCES, min_size=1, max_size=3),
)
def test_may_cover_everything_answers_as_every_action(
    actions: list[str], resources: list[str]
) -> None:
    """The format pre-check and the per-pattern representatives: the answer of asking every
    action the patterns expand to."""
    catalogue = default_catalogue()
    every = [i for i in map(catalogue.action, catalogue.expand_all(actions)) if i is not None]
    expected = any("*" in r or "?" in r for r in resources) and any(
        covers_every_resource(info, tuple(resources)) for info in every
    )
    assert _may_cover_everything.__wrapped__(catalogue, tuple(actions), tuple(resources)) is (
        expected
    )


# --- redundant statements: candidates by effect and principals --------------------------------


def _candidates_before(scopes: list[_Scope]) -> Callable[[_Scope], list[_Scope]]:
    """Every statement pair by pair below the index size, else by one action only."""
    if len(scopes) < lint_redundancy_module._INDEXED_FROM:
        return lambda inner: scopes
    by_action: dict[str, list[_Scope]] = defaultdict(list)
    for outer in scopes:
        if not outer.statement.conditions:
            for action in outer.actions:
                by_action[action].append(outer)
    return lambda inner: by_action.get(min(inner.actions), [])


_PRINCIPALS = st.sampled_from(
    (None, None, {"AWS": "arn:aws:iam::111122223333:root"}, {"Service": "ec2.amazonaws.com"}, "*")
)
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
    optional={
        "Condition": st.just({"Bool": {"aws:SecureTransport": "true"}}),
        "Principal": _PRINCIPALS.filter(lambda p: p is not None),
    },
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_REDUNDANCY_STATEMENTS, min_size=1, max_size=40), st.booleans())
def test_redundancy_candidates_by_signature_find_what_every_pair_finds(
    statements: list[dict[str, Any]], indexed: bool
) -> None:
    policy = parse_policy({"Version": "2012-10-17", "Statement": statements})
    catalogue = default_catalogue()
    threshold = 1 if indexed else 10**9
    with patch.object(lint_redundancy_module, "_INDEXED_FROM", threshold):
        fast = lint_redundancy(policy.statements, catalogue)
        with patch.object(lint_redundancy_module, "_outer_candidates", _candidates_before):
            before = lint_redundancy(policy.statements, catalogue)
    assert fast == before


def _covered_before(inner: _Scope, outer: _Scope) -> bool:
    a, b = inner.statement, outer.statement
    return (
        a.effect == b.effect
        and not b.conditions
        and a.principals == b.principals
        and a.not_principals == b.not_principals
        and inner.actions <= outer.actions
        and _resources_covered(a, b)
    )


def _redundancy_before(statements: tuple[Statement, ...], catalogue: Any) -> list[LintFinding]:
    """The rule as it was: every pair of statements, no early exit, no index."""
    scopes = [
        _Scope(statement, actions)
        for statement in statements
        if (actions := lint_redundancy_module._actions(statement, catalogue))
    ]
    findings: list[LintFinding] = []
    for inner in scopes:
        for outer in scopes:
            if outer is inner or not _covered_before(inner, outer):
                continue
            if _covered_before(outer, inner) and outer.statement.index > inner.statement.index:
                continue
            findings.append(
                finding(
                    REDUNDANT_STATEMENT,
                    inner.statement.index,
                    f"statement {inner.statement.label} adds nothing: statement"
                    f" {outer.statement.label} already"
                    f" {'allows' if inner.statement.effect == 'Allow' else 'denies'} all of its"
                    " actions on all of its resources without conditions",
                    {"covered_by": outer.statement.index},
                )
            )
            break
    return findings


@settings(max_examples=400, deadline=None)
@given(st.lists(_REDUNDANCY_STATEMENTS, min_size=1, max_size=40), st.booleans())
def test_redundancy_finds_what_every_pair_found(
    statements: list[dict[str, Any]], indexed: bool
) -> None:
    """Against the rule as it was (pair by pair, its own comparison): the early exits, the
    candidates by effect and principals, the action index (past 64 statements)."""
    policy = parse_policy({"Version": "2012-10-17", "Statement": statements})
    catalogue = default_catalogue()
    threshold = 1 if indexed else lint_redundancy_module._INDEXED_FROM
    with patch.object(lint_redundancy_module, "_INDEXED_FROM", threshold):
        found = lint_redundancy(policy.statements, catalogue)
    assert found == _redundancy_before(policy.statements, catalogue)


def test_two_statements_one_redundant() -> None:
    policy = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"},
            ],
        }
    )
    found = lint_redundancy(policy.statements, default_catalogue())
    assert [(f.code, f.statement) for f in found] == [(REDUNDANT_STATEMENT, 1)]


def test_redundancy_candidates_skip_other_effects_and_principals() -> None:
    policy = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Deny", "Action": "s3:*", "Resource": "*"},
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            ],
        }
    )
    catalogue = default_catalogue()
    scopes = [_Scope(s, catalogue.expand_all(s.actions or ())) for s in policy.statements]
    candidates = lint_redundancy_module._outer_candidates(scopes)
    assert [c.statement.index for c in candidates(scopes[1])] == [1, 2]
    assert _covered(scopes[1], scopes[2])
    assert not _covered(scopes[1], scopes[0])


@settings(max_examples=500, deadline=None)
@given(value=st.text(alphabet="ab*?$", max_size=6), case_insensitive=st.booleans())
def test_a_single_entry_is_never_covered(value: str, case_insensitive: bool) -> None:
    """What lets lint_redundant_entries skip one-entry lists without asking."""
    assert _covered_entries.__wrapped__((value,), case_insensitive=case_insensitive) == ()
    statement = Statement(
        index=0,
        sid=None,
        effect="Allow",
        actions=(value,),
        not_actions=None,
        resources=None,
        not_resources=(value,),
    )
    assert lint_redundant_entries(statement, None) == []


def test_redundant_entries_still_reported_in_lists() -> None:
    statement = Statement(
        index=0,
        sid=None,
        effect="Allow",
        actions=("s3:*", "s3:GetObject"),
        not_actions=None,
        resources=("a*", "ab"),
        not_resources=None,
    )
    assert [f.detail["value"] for f in lint_redundant_entries(statement, None)] == [
        "s3:GetObject",
        "ab",
    ]


# --- resource-policy rewriters ------------------------------------------------------------------


def test_policy_rewriters_need_no_action_record() -> None:
    """Every permission-changing action is of the Permissions management level already."""
    catalogue = default_catalogue()
    expected = frozenset(
        a
        for a in catalogue.permission_changing_actions()
        if _REWRITES_POLICY.search(a.partition(":")[2])
        and (info := catalogue.action(a)) is not None
        and info.access_level == "Permissions management"
    )
    assert _policy_rewriters.__wrapped__(catalogue) == expected


# --- representatives: shapes per pattern, fit tests per format ----------------------------------


def test_cover_representatives_keep_every_shape_of_every_service() -> None:
    """One action per (formats, required) shape, from each pattern's own shapes: every shape
    of every service's actions is kept."""
    catalogue = default_catalogue()

    def shape(info: ActionInfo) -> tuple[tuple[tuple[str, ...], bool], ...]:
        return tuple((rt.arn_patterns, rt.required) for rt in info.resource_types)

    for service in catalogue.services():
        pattern = f"{service}:*"
        every = {shape(i) for i in map(catalogue.action, catalogue.expand(pattern)) if i}
        kept = [shape(i) for i in linter._cover_representatives(catalogue, frozenset((pattern,)))]
        assert len(kept) == len(set(kept)), service
        assert set(kept) == every, service


class _OneActionCatalogue:
    """A catalogue of one action whose resource type has no ARN format: the catalogue has
    none today, and such an action fits every Resource."""

    def __init__(self, info: ActionInfo) -> None:
        self.info = info

    def expand(self, pattern: str) -> frozenset[str]:
        return frozenset({self.info.full_name})

    def action(self, name: str) -> ActionInfo | None:
        return self.info if name == self.info.full_name else None


def test_fit_test_takes_a_resource_type_without_format_as_fitting() -> None:
    info = ActionInfo("svc", "Act", "svc:Act", "Write", (ResourceTypeRef("t", (), True),), ())
    catalogue: Any = _OneActionCatalogue(info)
    for resource in ("arn:aws:svc:::x", "arn:aws:s3:::b", "*"):
        expected = action_fits_resources(info, (resource,))
        assert linter._pattern_fits_one.__wrapped__(catalogue, "svc:Act", resource) is expected


# --- resource fit: the per-service shortcut against every action of the pattern ---------------

_FIT_PATTERNS = (
    "iam:PassRole",
    "iam:List*",
    "iam:*",
    "s3:GetObject",
    "s3:ListAllMyBuckets",
    "s3:*",
    "ec2:RunInstances",
    "ec2:Describe*",
    "sts:AssumeRole",
    "lambda:*Function*",
    "elasticloadbalancing:AddTags",
    "cloudwatch:PutMetricData",
    "dynamodb:GetItem",
    "*:Get*",
    "kms:Decrypt",
)
_FIT_RESOURCES = (
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::bucket",
    "arn:aws:iam::123456789012:role/app-*",
    "arn:aws:iam::123456789012:user/u",
    "arn:aws:dynamodb:us-east-1:123456789012:table/t",
    "arn:aws:ec2:us-east-1:123456789012:instance/*",
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/1",
    "arn:aws:lambda:*:*:function:f",
    "arn:aws:*:*:*:*",
    "arn:aws:kms:us-east-1:123456789012:key/k",
    "*",
    "arn:*",
    "arn:aws:S3:::bucket/*",
)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(_FIT_PATTERNS),
    st.lists(st.sampled_from(_FIT_RESOURCES), min_size=1, max_size=3, unique=True),
)
def test_pattern_fits_as_every_action_of_the_pattern(pattern: str, resources: list[str]) -> None:
    """The reference: some action the pattern expands to fits one of the entries."""
    catalogue = default_catalogue()
    infos = [catalogue.action(name) for name in sorted(catalogue.expand(pattern))]
    expected = any(
        action_fits_resources(info, (resource,))
        for info in infos
        if info is not None
        for resource in resources
    )
    assert linter._pattern_fits(catalogue, pattern, tuple(resources)) == expected
