"""Nothing a policy file or a request can hold makes the engine crash (hypothesis fuzzing).

Any JSON value given as a policy either parses or raises PolicyParseError with reasons; any
parsed policy set answers any request, literal or pattern, with one of the three decisions.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.iam.evaluator import Evaluator, PolicySet, Request
from bot.iam.policy import PolicyParseError, parse_policy

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)
ACTIONS = st.sampled_from(
    [
        "*",
        "s3:*",
        "s3:GetObject",
        "kms:Decrypt",
        "iam:CreatePolicyVersion",
        "sts:Get*",
        "s3:Get?bject",
    ]
)
RESOURCES = st.sampled_from(
    [
        "*",
        "arn:aws:s3:::b/*",
        "arn:aws:s3:::*/x?",
        "arn:aws:kms:us-east-1:111122223333:key/k",
        "arn:aws:iam::aws:policy/*",
        "arn:aws:*",
        "arn:aws:iam::111122223333:role/${aws:username}",
    ]
)
PRINCIPALS = st.sampled_from(
    [
        "*",
        {"AWS": "111122223333"},
        {"AWS": ["arn:aws:iam::111122223333:role/r", "arn:aws:sts::111122223333:assumed-role/r/s"]},
        {"Service": "ec2.amazonaws.com"},
    ]
)


@st.composite
def statements(draw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Effect": draw(st.sampled_from(["Allow", "Deny"])),
        draw(st.sampled_from(["Action", "NotAction"])): draw(
            st.lists(ACTIONS, min_size=1, max_size=3)
        ),
        draw(st.sampled_from(["Resource", "NotResource"])): draw(
            st.lists(RESOURCES, min_size=1, max_size=3)
        ),
    }
    principal = draw(st.sampled_from([None, "Principal", "NotPrincipal"]))
    if principal:
        body[principal] = draw(PRINCIPALS)
    return body


def policy_of(draw_statements: list[dict[str, Any]], name: str) -> Any:
    return parse_policy({"Version": "2012-10-17", "Statement": draw_statements}, name=name)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_any_json_parses_or_is_refused_with_reasons(document: Any) -> None:
    reasons = _refusal(document)
    if reasons is not None:
        assert reasons
        assert all(isinstance(r, str) and r for r in reasons)


def _refusal(document: Any) -> list[str] | None:
    try:
        parse_policy(document)
    except PolicyParseError as exc:
        return exc.reasons
    return None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(statements(), min_size=1, max_size=3),
    st.lists(statements(), min_size=1, max_size=3),
    st.sampled_from(
        [
            "arn:aws:iam::111122223333:user/u",
            "arn:aws:sts::111122223333:assumed-role/r/s",
            "arn:aws:sts::444455556666:assumed-role/AWSServiceRoleForX/s",
            "arn:aws:sts::111122223333:federated-user/f",
            "ec2.amazonaws.com",
            "*",
        ]
    ),
    ACTIONS.filter(lambda a: "*" not in a and "?" not in a),
    RESOURCES,
    st.booleans(),
    st.booleans(),
)
def test_any_policy_set_answers_any_request(
    identity: list[dict[str, Any]],
    resource_statements: list[dict[str, Any]],
    principal: str,
    action: str,
    resource: str,
    pattern: bool,
    complete: bool,
) -> None:
    for s in identity:
        s.pop("Principal", None)
        s.pop("NotPrincipal", None)
    policies = PolicySet(
        identity=[policy_of(identity, "identity")],
        resource_policy=policy_of(resource_statements, "resource"),
        session_policy=policy_of(identity, "session"),
        complete=complete,
    )
    request = Request(principal, action, resource, resource_is_pattern=pattern)
    evaluator = Evaluator(policies)
    decision = evaluator.evaluate(request)
    assert decision.decision in ("allowed", "implicit_deny", "explicit_deny")
    assert decision.reason
    assert len(evaluator.explain(request)) == len(identity) * 2 + len(resource_statements)
