"""Bulk simulation's shortcuts answer exactly as the reference evaluator.

Evaluators built with one SharedCompilation share compiled layers and statement results across
policy sets; ``answer_lines`` caches parsed documents and evaluators by key. Neither may change
an answer: each is compared with a fresh ``Evaluator`` per request (hypothesis).
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clicmd.simulate import answer_lines
from bot.iam.evaluator import Evaluator, PolicySet, Request, SharedCompilation
from bot.iam.policy import Policy, parse_policy

ACCOUNT = "111122223333"
OTHER = "444455556666"
ACTIONS = ["s3:GetObject", "s3:PutObject", "kms:Decrypt", "iam:PassRole", "sts:AssumeRole"]
PATTERNS = ["*", "s3:*", "s3:Get*", "kms:Decrypt", "iam:*", "sts:AssumeRole", "s3:?utObject"]
RESOURCES = [
    "*",
    "arn:aws:s3:::b/k",
    "arn:aws:s3:::b/*",
    f"arn:aws:s3:::{OTHER}-b/k",
    f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k",
    f"arn:aws:iam::{ACCOUNT}:role/r",
]
RESOURCE_PATTERNS = [
    "*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::*/k",
    f"arn:aws:iam::{ACCOUNT}:role/*",
    "arn:aws:s3:::home/${aws:username}/*",
]
CALLERS = [
    f"arn:aws:iam::{ACCOUNT}:user/alice",
    f"arn:aws:iam::{ACCOUNT}:role/r",
    f"arn:aws:sts::{ACCOUNT}:assumed-role/r/s",
    f"arn:aws:iam::{OTHER}:user/bob",
    f"arn:aws:iam::{ACCOUNT}:root",
]
PRINCIPALS = ["*", {"AWS": ACCOUNT}, {"AWS": CALLERS[1]}, {"AWS": CALLERS[3]}]
CONDITIONS = [
    None,
    {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    {"Bool": {"aws:MultiFactorAuthPresent": True}},
    {"StringEquals": {"aws:PrincipalTag/team": "data"}},
    {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
    {"NumericLessThan": {"s3:max-keys": 10}},
    {"NumericLessThan": {"s3:max-keys": 10.0}},
    {"StringEquals": {"aws:PrincipalTag/n": "1"}},
]
CONTEXTS = [
    {},
    {"aws:MultiFactorAuthPresent": "true"},
    {"aws:MultiFactorAuthPresent": True},
    {"aws:SourceIp": "203.0.113.9", "aws:PrincipalTag/team": "data"},
    {"s3:max-keys": "5"},
    {"s3:max-keys": 5},
    {"aws:PrincipalTag/n": 1},
    {"aws:PrincipalTag/n": True},  # equal to 1 as a key, but "true" as a context value
]


@st.composite
def statements(draw: Any, *, resource_policy: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Effect": draw(st.sampled_from(["Allow", "Deny"])),
        draw(st.sampled_from(["Action", "NotAction"])): draw(
            st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=2)
        ),
        draw(st.sampled_from(["Resource", "NotResource"])): draw(
            st.lists(st.sampled_from(RESOURCE_PATTERNS), min_size=1, max_size=2)
        ),
    }
    condition = draw(st.sampled_from(CONDITIONS))
    if condition:
        body["Condition"] = condition
    if resource_policy:
        key = draw(st.sampled_from(["Principal", "NotPrincipal"]))
        body[key] = draw(st.sampled_from(PRINCIPALS))
    return body


def documents(*, resource_policy: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda body: {"Version": "2012-10-17", "Statement": body},
        st.lists(statements(resource_policy=resource_policy), min_size=1, max_size=3),
    )


@st.composite
def request_dicts(draw: Any, pool: list[dict[str, Any]], resources: list[dict[str, Any]]) -> dict:
    """One request line; its policies are drawn from small pools, so documents repeat."""
    line: dict[str, Any] = {
        "principal": draw(st.sampled_from(CALLERS)),
        "action": draw(st.sampled_from(ACTIONS)),
        "resource": draw(st.sampled_from(RESOURCES)),
        "identity_policies": draw(st.lists(st.sampled_from(pool), max_size=3)),
    }
    context = draw(st.sampled_from(CONTEXTS))
    if context:
        line["context"] = context
    if draw(st.booleans()):
        line["permission_boundaries"] = [draw(st.sampled_from(pool))]
    if draw(st.booleans()):
        line["scps"] = [[draw(st.sampled_from(pool))] for _ in range(draw(st.integers(1, 2)))]
    if draw(st.booleans()):
        line["rcps"] = [[draw(st.sampled_from(resources))]]
    if draw(st.booleans()):
        line["resource_policy"] = draw(st.sampled_from(resources))
    if draw(st.booleans()):
        line["session_policy"] = draw(st.sampled_from(pool))
    if draw(st.booleans()):
        line["resource_is_pattern"] = draw(st.booleans())
    if draw(st.booleans()):
        line["resource_account"] = draw(st.sampled_from([ACCOUNT, OTHER]))
    for flag in ("principal_in_management_account", "resource_in_management_account"):
        if draw(st.integers(0, 3)) == 0:
            line[flag] = True
    return line


@st.composite
def bulk_files(draw: Any) -> list[dict[str, Any]]:
    pool = draw(st.lists(documents(), min_size=1, max_size=4))
    resources = draw(st.lists(documents(resource_policy=True), min_size=1, max_size=2))
    return draw(st.lists(request_dicts(pool, resources), min_size=1, max_size=12))


def _parse(document: dict[str, Any], name: str, cache: dict[tuple[bool, str], Policy]) -> Policy:
    """One Policy object per equal document, wherever it stands (more sharing than the bulk
    reader, which parses a document once per place: layers and statements must still be told
    apart by their place)."""
    unique_sids = name != "resource_policy"
    key = (unique_sids, repr(document))
    if key not in cache:
        cache[key] = parse_policy(document, name=f"doc{len(cache)}", unique_sids=unique_sids)
    return cache[key]


def _policy_set(line: dict[str, Any], cache: dict[tuple[bool, str], Policy]) -> PolicySet:
    def parsed(key: str) -> list[Policy]:
        return [_parse(d, f"{key}[{i}]", cache) for i, d in enumerate(line.get(key, []))]

    def levels(key: str) -> list[list[Policy]]:
        return [
            [_parse(d, f"{key}{n}", cache) for d in lv] for n, lv in enumerate(line.get(key, []))
        ]

    resource = line.get("resource_policy")
    session = line.get("session_policy")
    return PolicySet(
        identity=parsed("identity_policies"),
        permission_boundaries=parsed("permission_boundaries"),
        scps=levels("scps"),
        rcps=levels("rcps"),
        resource_policy=None if resource is None else _parse(resource, "resource_policy", cache),
        session_policy=None if session is None else _parse(session, "session", cache),
        principal_in_management_account=line.get("principal_in_management_account", False),
        resource_in_management_account=line.get("resource_in_management_account", False),
        complete=True,
    )


def _request(line: dict[str, Any]) -> Request:
    resource = line["resource"]
    pattern = line.get("resource_is_pattern")
    return Request(
        principal_arn=line["principal"],
        action=line["action"],
        resource=resource,
        resource_account=line.get("resource_account"),
        context=line.get("context", {}),
        resource_is_pattern=("*" in resource) if pattern is None else pattern,
    )


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(bulk_files(), st.sampled_from([1, 3, 4096]), st.randoms(use_true_random=False))
def test_shared_evaluators_answer_as_fresh_ones(
    lines: list[dict[str, Any]], bound: int, rng: Any
) -> None:
    """Every policy set of a file asked every request of it, in a random order: sets that
    share Policy objects (as the bulk reader's cache makes them) share layers and statement
    results; small bounds make the caches empty themselves on the way."""
    cache: dict[tuple[bool, str], Policy] = {}
    sets = [_policy_set(line, cache) for line in lines]
    requests = [_request(line) for line in lines]
    pairs = [(p, r) for p in sets for r in requests]
    rng.shuffle(pairs)
    shared = SharedCompilation(max_layers=bound, max_requests=bound)
    evaluators: dict[int, Evaluator] = {}
    for policies, request in pairs:
        expected = Evaluator(policies).evaluate(request)
        evaluator = evaluators.setdefault(id(policies), Evaluator(policies, shared=shared))
        assert evaluator.evaluate(request) == expected


@SETTINGS
@given(bulk_files())
def test_bulk_answers_are_each_line_answered_alone(lines: list[dict[str, Any]]) -> None:
    """A file's answers equal each line answered as a file of its own (no cache to reuse),
    with equal documents written differently (1 and 1.0, a document and its text)."""
    texts = [json.dumps(line) for line in lines]
    texts += [t.replace('"Version"', '"Version" ') for t in texts]  # same values, new text
    texts += [
        json.dumps(
            {**line, "identity_policies": [json.dumps(d) for d in line["identity_policies"]]}
        )
        for line in lines
    ]
    answers, failed = answer_lines("\n".join(texts))
    alone = []
    for number, text in enumerate(texts, start=1):
        [answer], _ = answer_lines(text)
        if "error" in answer:
            answer = {"error": answer["error"].replace("line 1:", f"line {number}:", 1)}
        alone.append(answer)
    assert answers == alone
    assert failed == sum("error" in a for a in alone)


def test_a_boundary_changes_what_a_not_principal_deny_reaches() -> None:
    """The same request of sets with and without a boundary must not share statement results:
    a Deny with NotPrincipal always denies a caller that has a permissions boundary."""
    allow = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    spare = {
        "Effect": "Deny",
        "NotPrincipal": {"AWS": [CALLERS[0], f"arn:aws:iam::{ACCOUNT}:root"]},
        "Action": "s3:*",
        "Resource": "*",
    }
    identity = parse_policy({"Version": "2012-10-17", "Statement": [allow]}, name="identity")
    bucket = parse_policy({"Version": "2012-10-17", "Statement": [spare]}, name="bucket")
    plain = PolicySet(identity=[identity], resource_policy=bucket, complete=True)
    bounded = PolicySet(
        identity=[identity], permission_boundaries=[identity], resource_policy=bucket
    )
    request = Request(CALLERS[0], "s3:GetObject", "arn:aws:s3:::b/k")
    for order in ((plain, bounded), (bounded, plain)):
        shared = SharedCompilation()
        for policies in order:
            expected = Evaluator(policies).evaluate(request)
            assert Evaluator(policies, shared=shared).evaluate(request) == expected
    assert Evaluator(plain).evaluate(request).decision == "allowed"
    assert Evaluator(bounded).evaluate(request).decision == "explicit_deny"


def test_context_values_equal_as_keys_are_not_shared() -> None:
    """True == 1 in Python, but AWS sees "true" and "1": a request's facts are reused only
    for contexts of plain strings."""
    grant = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/n": "1"}},
    }
    policies = PolicySet(
        identity=[parse_policy({"Version": "2012-10-17", "Statement": [grant]}, name="p")]
    )
    shared = SharedCompilation()
    evaluator = Evaluator(policies, shared=shared)
    for value, decision in ((True, "implicit_deny"), (1, "allowed"), ("1", "allowed")):
        request = Request(
            CALLERS[0], "s3:GetObject", "arn:aws:s3:::b/k", context={"aws:PrincipalTag/n": value}
        )
        assert evaluator.evaluate(request).decision == decision
        assert Evaluator(policies).evaluate(request).decision == decision
