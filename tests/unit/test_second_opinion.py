"""Comparing the local engine's answers with AWS's simulator's (pure: bot.iam.second_opinion)."""

from __future__ import annotations

import json

import pytest

from bot.iam.evaluator import Decision, PolicySet, Request
from bot.iam.policy import parse_policy
from bot.iam.second_opinion import (
    AwsAnswer,
    NotComparable,
    compare,
    custom_simulation,
    difference_lines,
    summary,
)

USER = "arn:aws:iam::111122223333:user/alice"
SESSION = "arn:aws:sts::111122223333:assumed-role/app/s1"
DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
POLICY = parse_policy(DOC, name="p")
ALLOWED = Decision("allowed", (), "allowed by identity-based policies")


def request(action: str = "s3:GetObject") -> Request:
    return Request(USER, action, "*")


def test_agreement_and_differences_in_one_sentence() -> None:
    comparisons = [
        compare(request("s3:GetObject"), ALLOWED, AwsAnswer("s3:GetObject", "*", "allowed")),
        compare(request("s3:PutObject"), ALLOWED, AwsAnswer("s3:PutObject", "*", "implicit_deny")),
        compare(request("sqs:SendMessage"), ALLOWED, None, unavailable="AWS cannot take it"),
    ]
    assert summary(comparisons) == (
        "local engine and AWS's simulator agree on 1 of 2 requests"
        " (1 not asked: AWS's simulator cannot take them)"
    )
    assert difference_lines(comparisons) == [
        "s3:PutObject on *: local engine allowed, AWS implicit_deny"
    ]


def test_only_the_local_engine_answered_names_each_reason() -> None:
    comparisons = [
        compare(request(), ALLOWED, None, unavailable="no AWS credentials found"),
        compare(request(), ALLOWED, None, unavailable="no AWS credentials found"),
        compare(request(), ALLOWED, None, unavailable="a session policy cannot be sent"),
    ]
    assert summary(comparisons) == (
        "only the local engine answered: no AWS credentials found (2 requests);"
        " a session policy cannot be sent (1 request)"
    )
    assert summary(comparisons[:1]) == "only the local engine answered: no AWS credentials found"


def test_missing_context_values_are_noted() -> None:
    answer = AwsAnswer("iam:DeleteUser", "*", "implicit_deny", (), ("aws:MultiFactorAuthPresent",))
    comparison = compare(request("iam:DeleteUser"), ALLOWED, answer)
    assert comparison.note == "AWS lacked context values: aws:MultiFactorAuthPresent"
    assert comparison.to_dict() == {
        "decision": "implicit_deny",
        "agrees": False,
        "note": "AWS lacked context values: aws:MultiFactorAuthPresent",
    }


@pytest.mark.parametrize(
    ("principal", "policies", "reason"),
    [
        (USER, PolicySet(identity=[POLICY], session_policy=POLICY), "a session policy"),
        (USER, PolicySet(identity=[POLICY], scps=[[POLICY]]), "SCPs"),
        (USER, PolicySet(), "at least one identity policy"),
        (SESSION, PolicySet(identity=[POLICY], resource_policy=POLICY), "only an IAM user"),
    ],
)
def test_what_aws_cannot_be_asked(principal: str, policies: PolicySet, reason: str) -> None:
    """IAM API Reference, SimulateCustomPolicy: PolicyInputList, one permissions boundary list,
    ResourcePolicy with CallerArn (an IAM user ARN only); no session policies, SCPs or RCPs."""
    with pytest.raises(NotComparable, match=reason):
        custom_simulation(Request(principal, "s3:GetObject", "*"), policies)


def test_the_custom_simulation_carries_the_evaluated_documents() -> None:
    bucket = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}
            ],
        },
        name="bucket",
    )
    policies = PolicySet(identity=[POLICY], permission_boundaries=[POLICY], resource_policy=bucket)
    simulation = custom_simulation(
        Request(
            USER, "s3:GetObject", "arn:aws:s3:::b/k", "444455556666", {"aws:SourceIp": "1.2.3.4"}
        ),
        policies,
    )
    assert [json.loads(d) for d in simulation.identity] == [DOC]
    assert [json.loads(d) for d in simulation.boundaries] == [DOC]
    assert json.loads(simulation.resource_policy or "{}")["Statement"][0]["Principal"] == "*"
    assert simulation.caller_arn == USER
    assert simulation.resource_owner == "arn:aws:iam::444455556666:root"
    assert simulation.context == {"aws:SourceIp": ("1.2.3.4",)}
