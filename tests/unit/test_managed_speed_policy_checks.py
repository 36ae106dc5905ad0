"""The document-level checks' shortcuts answer exactly as the code they replace.

The shortcuts answer from a pattern's service prefix (a pattern naming a service without
wildcards only matches that service's actions) and keep per-pattern answers; the references
here are the per-pattern matcher and catalogue expansions the checks used before.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.audit.checks._policy_documents import (
    Statement,
    _services_covered_by_matching,
    action_pattern_matches,
    named_services,
    services_covered,
)
from bot.audit.checks.policies import (
    _covers_whole_service,
    _service_patterns,
    pattern_grants_service,
)
from bot.iam.catalogue import default_catalogue
from bot.iam.document_access import is_full_wildcard
from bot.iam.matching import action_matcher

_SERVICES = ["kms", "KMS", "cloudtrail", "s3", "iam", "sts", "aws-marketplace", "k?s", "*", "km*"]
_NAMES = [
    "*",
    "Decrypt",
    "decrypt",
    "Get*",
    "*Key*",
    "CreateKey",
    "PassRole",
    "Subscribe",
    "Sub?cribe",
    "StopLogging",
    "**",
    "?*",
    "Qzxjvq",
    "qzxjv?",
]
_PATTERN = st.one_of(
    st.builds(
        lambda s, n, pad: f"{pad}{s}:{n}{pad}",
        st.sampled_from(_SERVICES),
        st.sampled_from(_NAMES),
        st.sampled_from(["", " "]),
    ),
    st.sampled_from(["*", "kms", "", ":", "kms:", ":Decrypt", "iam:pass:role"]),
    st.text(st.sampled_from("akmsi:*? "), max_size=8),
)
_ACTION = st.one_of(
    st.sampled_from(
        [
            "kms:Decrypt",
            "KMS:decrypt",
            "iam:PassRole",
            "sts:AssumeRole",
            "aws-marketplace:Subscribe",
            "cloudtrail:StopLogging",
            "s3:GetObject",
            "kms",
            "",
        ]
    ),
    st.text(st.sampled_from("akmsi:*? "), max_size=8),
)
SETTINGS = settings(max_examples=600, deadline=None)


def _reference_match(pattern: str, action: str) -> bool:
    return action_matcher((pattern.strip(),))(action.lower())


@SETTINGS
@given(pattern=_PATTERN, action=_ACTION)
def test_action_pattern_matches_is_the_matcher(pattern: str, action: str) -> None:
    assert action_pattern_matches(pattern, action) is _reference_match(pattern, action)


def _statement(actions: tuple[str, ...], *, effect: str = "Allow") -> Statement:
    return Statement(
        index=0,
        sid="",
        effect=effect,
        actions=actions,
        not_actions=(),
        resources=("*",),
        not_resources=(),
        principals={},
        not_principals={},
        conditions=(),
        keys=frozenset({"Effect", "Action", "Resource"}),
    )


@SETTINGS
@given(actions=st.lists(_PATTERN, max_size=6), action=_ACTION)
def test_actions_matching_is_the_pattern_by_pattern_scan(actions: list[str], action: str) -> None:
    statement = _statement(tuple(actions))
    expected = tuple(p for p in actions if _reference_match(p, action))
    assert statement.actions_matching(action) == expected


@SETTINGS
@given(actions=st.lists(_PATTERN, max_size=6))
def test_named_services_bounds_every_match(actions: list[str]) -> None:
    """Whenever named_services answers, no pattern matches an action of another service."""
    named = named_services(tuple(actions))
    if named is None:
        return
    for service in ("kms", "iam", "s3", "cloudtrail", "x"):
        if service not in named:
            assert not any(_reference_match(p, f"{service}:Decrypt") for p in actions)


def _reference_grants(pattern: str, service: str) -> bool:
    catalogue = default_catalogue()
    every = catalogue.expand(f"{service}:*")
    return bool(service in services_covered(pattern) or catalogue.expand(pattern) & every)


@SETTINGS
@given(pattern=_PATTERN, service=st.sampled_from(["kms", "cloudtrail", "KMS", "s3", "nosuch"]))
def test_pattern_grants_service_is_the_expansion_test(pattern: str, service: str) -> None:
    assert pattern_grants_service(pattern, service) is _reference_grants(pattern, service)


@SETTINGS
@given(
    actions=st.lists(_PATTERN, min_size=1, max_size=6),
    service=st.sampled_from(["kms", "cloudtrail"]),
    narrow=st.booleans(),
)
def test_service_patterns_is_the_expansion_scan(
    actions: list[str], service: str, narrow: bool
) -> None:
    statement = _statement(tuple(actions))
    expected = [
        p for p in actions if not (narrow and is_full_wildcard(p)) and _reference_grants(p, service)
    ]
    assert _service_patterns(statement, service, narrow=narrow) == expected


def _reference_covers(actions_lists: list[list[str]], service: str, narrow: bool) -> bool:
    catalogue = default_catalogue()
    every = catalogue.expand(f"{service}:*")
    granted: set[str] = set()
    for actions in actions_lists:
        patterns = [p for p in actions if not (narrow and is_full_wildcard(p))]
        if any(service in services_covered(p) for p in patterns):
            return True
        granted |= catalogue.expand_all(patterns) & every
    return bool(every) and granted >= every


_KMS_ACTIONS = sorted(a.partition(":")[2] for a in default_catalogue().expand("kms:*"))


@SETTINGS
@given(
    actions_lists=st.lists(
        st.lists(
            _PATTERN
            | st.sampled_from(_KMS_ACTIONS).map(lambda name: f"kms:{name}")
            | st.sampled_from(["kms:Create*", "kms:Get*", "kms:*Key*", "kms:D*", "kms:[!a]*"]),
            min_size=1,
            max_size=40,
        ),
        min_size=1,
        max_size=3,
    ),
    narrow=st.booleans(),
)
def test_covers_whole_service_is_the_union_of_expansions(
    actions_lists: list[list[str]], narrow: bool
) -> None:
    statements = [_statement(tuple(actions)) for actions in actions_lists]
    expected = _reference_covers(actions_lists, "kms", narrow)
    assert _covers_whole_service(statements, "kms", narrow=narrow) is expected


def test_covers_whole_service_with_every_action_listed() -> None:
    every = [f"kms:{name}" for name in _KMS_ACTIONS]
    half = len(every) // 2
    split = [_statement(tuple(every[:half])), _statement(tuple(every[half:]))]
    assert _covers_whole_service(split, "kms", narrow=True)
    assert not _covers_whole_service(split[:1], "kms", narrow=True)


@SETTINGS
@given(pattern=_PATTERN)
def test_services_covered_answers_literals_without_a_matcher(pattern: str) -> None:
    """A literal action part is answered at once; the matcher-based reading agrees."""
    assert services_covered(pattern) == _services_covered_by_matching(pattern.strip().lower())
