"""A role's aws:userid: its role id, then a session name the caller picks (bot.iam.chosen_suffix).

IAM User Guide, "IAM policy elements: Variables and tags" (the principal key values table: for a
role, aws:userid is ``role-id:caller-specified-role-name``) and the STS API reference
(AssumedRoleUser.AssumedRoleId: the role id and the role session name, a session name of 2 to 64
characters). A condition on it is decided when every session name concludes alike.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.iam.chosen_suffix import ChosenSuffix, condition_outcome
from bot.iam.conditions import CompiledCondition
from tests.factories import (
    ACCOUNT_ID,
    allow,
    inline,
    managed_policy,
    policy_document,
    role,
    run_check,
    service_trust,
    snapshot,
    user,
)

ROLE = ChosenSuffix("AROAWORKER:")


@pytest.mark.parametrize(
    ("operator", "values", "expected"),
    [
        ("StringLike", ["AIDA*"], False),  # users only: no role session matches
        ("StringLike", ["AROAWORKER:*"], True),  # every session of the role
        ("StringLike", ["AROA*"], True),
        ("StringLike", ["AROAWORKER:ci-*"], None),  # the session name decides
        ("StringNotLike", ["AROAWORKER:*"], False),  # the usual "everyone but this role"
        ("StringNotLike", ["AROAOTHER:*", "AIDA*"], True),
        ("StringEquals", ["AIDAALICE"], False),
        ("StringEquals", ["AROAWORKER:build"], None),
        ("StringEquals", ["AROAWORKER:"], False),  # a session name is never empty
        ("StringNotEquals", ["AIDAALICE"], True),
        ("StringNotEquals", ["AROAWORKER:build"], None),
        ("StringEqualsIgnoreCase", ["aroaworker:build"], None),
        ("StringEqualsIgnoreCase", ["aida*"], False),
        ("ForAnyValue:StringLike", ["AIDA*", "AROA*"], True),
        ("StringLikeIfExists", ["AIDA*"], False),  # the key is in every request of a role
        ("Null", ["true"], False),
        ("Null", ["false"], True),
        ("ArnLike", ["arn:aws:iam::*:role/x"], None),  # not a string comparison: not decided
        ("StringLike", ["${aws:username}*"], None),  # a policy variable: rendered per request
        ("NoSuchOperator", ["x"], False),  # AWS matches no condition it cannot parse
    ],
)
def test_a_condition_on_a_roles_userid_is_decided_when_every_session_concludes_alike(
    operator: str, values: list[str], expected: bool | None
) -> None:
    assert condition_outcome(operator, values, ROLE) is expected


_ALPHABET = "AROWK:*?b-"


@settings(max_examples=300, deadline=None)
@given(
    operator=st.sampled_from(
        [
            "StringLike",
            "StringNotLike",
            "StringEquals",
            "StringNotEquals",
            "StringEqualsIgnoreCase",
            "StringNotEqualsIgnoreCase",
            "ForAllValues:StringLike",
            "ForAnyValue:StringNotLike",
        ]
    ),
    values=st.lists(st.text(_ALPHABET, min_size=1, max_size=9), min_size=1, max_size=3),
    sessions=st.lists(st.text("bk-AR:*", min_size=2, max_size=6), min_size=1, max_size=25),
)
def test_a_decided_outcome_holds_for_every_session_name(
    operator: str, values: list[str], sessions: list[str]
) -> None:
    """What the evaluator concludes for concrete session names never contradicts a decided
    outcome (True: holds for each, False: for none); an undecided one has two witnesses."""
    prefix = ChosenSuffix("AROAWK:")
    outcome = condition_outcome(operator, values, prefix)
    compiled = CompiledCondition(operator, "aws:userid", tuple(values), variables=False)
    # Every session name drawn, and the ones the policy values themselves spell out.
    candidates = set(sessions)
    for value in values:
        literal = value.replace("*", "").replace("?", "b")
        if literal.startswith(prefix.prefix) and len(literal) >= len(prefix.prefix) + 2:
            candidates.add(literal[len(prefix.prefix) :])
    results = {compiled.holds({"aws:userid": (prefix.prefix + name,)}) for name in candidates}
    if outcome is True:
        assert results == {True}
    elif outcome is False:
        assert results == {False}


ADMIN = managed_policy("AdministratorAccess", allow("*"), aws_managed=True, attachment_count=1)
ASSUME = inline("assume", allow("sts:AssumeRole"))


def _escalating(condition: dict) -> list[str]:
    """Who the sts-001 search reports when the admin role's trust names the account under
    ``condition``: user alice (AIDAALICE) and the EC2 role worker (AROAWORKER) may both call
    sts:AssumeRole on any role."""
    trust = policy_document(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
            "Action": "sts:AssumeRole",
            "Condition": condition,
        }
    )
    snap = snapshot(
        users=[user("alice", inline_policies=[ASSUME])],
        roles=[
            role("admin", trust=trust, attached_policies=[ADMIN.arn]),
            role("worker", trust=service_trust("ec2.amazonaws.com"), inline_policies=[ASSUME]),
        ],
        policies=[ADMIN],
    )
    findings = run_check("principal.privilege_escalation", snap)
    return sorted(f.resource_arn.rsplit(":", 1)[1] for f in findings)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"StringLike": {"aws:userid": "AIDA*"}}, ["user/alice"]),
        ({"StringEquals": {"aws:userId": "AIDAALICE"}}, ["user/alice"]),
        ({"StringLike": {"aws:userid": "AROAWORKER:*"}}, ["role/worker"]),
        ({"StringNotLike": {"aws:userid": "AROAWORKER:*"}}, ["user/alice"]),
        ({"StringLike": {"aws:userid": "AROAWORKER:deploy-*"}}, ["role/worker"]),
    ],
)
def test_a_trust_fenced_by_userid_lets_in_only_who_can_carry_it(
    condition: dict, expected: list[str]
) -> None:
    """Before, every role was taken as able to pick its whole aws:userid: a trust kept to
    users (``AIDA*``) or to one user's id reported the EC2 role as able to become admin, and
    one excluding the role's own sessions too. A pattern naming some of the role's sessions
    (``AROAWORKER:deploy-*``) is the caller's to meet, as before."""
    assert _escalating(condition) == expected


def test_an_identity_deny_on_other_callers_ids_is_applied_to_the_role() -> None:
    """A Deny on everyone but one role's sessions (the re:Post pattern, here in an identity
    policy shared by two roles): the other role cannot avoid it (before, it was taken as able
    to pick a session id outside the pattern, and reported as an IAM administrator), the named
    role never meets it."""
    guard = {
        "Effect": "Deny",
        "Action": "iam:*",
        "Resource": "*",
        "Condition": {"StringNotLike": {"aws:userid": "AROAKEEPER:*"}},
    }
    shared = managed_policy("iam-admin", policy_document(allow("iam:*")["Statement"][0], guard))
    snap = snapshot(
        roles=[
            role("keeper", attached_policies=[shared.arn]),
            role("other", attached_policies=[shared.arn]),
        ],
        policies=[shared],
    )
    admins = {
        f.resource_arn.rsplit("/", 1)[1] for f in run_check("principal.admin_equivalent", snap)
    }
    assert admins == {"keeper"}
