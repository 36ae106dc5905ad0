"""The approval preview's second opinion from AWS's policy simulator (botocore Stubber).

The preview asks AWS's simulator about the actions a change gains or loses, with the policies the
principal will have once the change is made (IAM API Reference, SimulateCustomPolicy).
"""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.stub import Stubber

from bot.approvals.model import Target
from bot.approvals.wiring import aws_second_opinion, live_simulator, summarize_impact
from bot.aws.policy_simulator import PolicySimulator
from bot.config.settings import Settings
from bot.remediation.plan import Plan
from tests.factories import allow, group, managed_policy, policy_arn, snapshot, user

BOB = "arn:aws:iam::123456789012:user/bob"


def _plan(kind: str, name: str, change: dict[str, Any]) -> Plan:
    return Plan(
        remediation="attach_policy",
        target=Target(kind, name),
        params={},
        summary="",
        steps=(),
        undo="",
        impact_change=change,
    )


def stubbed(answers: dict[str, str]) -> tuple[Any, list[dict[str, Any]]]:
    client = boto3.client(
        "iam", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    )
    stub = Stubber(client)
    stub.add_response(
        "simulate_custom_policy",
        {
            "EvaluationResults": [
                {"EvalActionName": action, "EvalResourceName": "*", "EvalDecision": decision}
                for action, decision in answers.items()
            ],
            "IsTruncated": False,
        },
    )
    sent: list[dict[str, Any]] = []
    client.meta.events.register(
        "provide-client-params.iam.SimulateCustomPolicy",
        lambda params, **_: sent.append(dict(params)),
    )
    stub.activate()
    return client, sent


def test_preview_shows_agreement_on_the_actions_the_change_gains() -> None:
    passrole = managed_policy("pass-role", allow("iam:PassRole"), attachment_count=0)
    snap = snapshot(users=[user("bob")], policies=[passrole])
    client, sent = stubbed({"iam:PassRole": "allowed"})
    opinion = aws_second_opinion(lambda: PolicySimulator(client))
    change = {"kind": "attach_managed", "policy_arn": passrole.arn}
    impact = summarize_impact(snap, _plan("user", "bob", change), second_opinion=opinion)
    assert impact["gained"] == ["iam:PassRole"]
    assert impact["second_opinion"] == {
        "summary": "local engine and AWS's simulator agree on 1 of 1 requests",
        "differences": [],
    }
    # AWS got bob's policies after the change: the attached document
    assert [json.loads(p) for p in sent[0]["PolicyInputList"]] == [passrole.document]
    assert sent[0]["ActionNames"] == ["iam:PassRole"]
    assert sent[0]["ResourceArns"] == ["*"]


def test_preview_lists_each_difference() -> None:
    read = managed_policy("read-logs", allow("logs:GetLogEvents"))
    other = managed_policy("read-s3", allow("s3:GetObject"))
    snap = snapshot(
        users=[user("bob", groups=["devs"])],
        groups=[group("devs", attached_policies=[policy_arn("read-logs"), policy_arn("read-s3")])],
        policies=[read, other],
    )
    client, sent = stubbed({"logs:GetLogEvents": "allowed"})
    opinion = aws_second_opinion(lambda: PolicySimulator(client))
    change = {"kind": "detach_managed", "policy_arn": read.arn}
    impact = summarize_impact(snap, _plan("group", "devs", change), second_opinion=opinion)
    assert impact["lost"] == ["logs:GetLogEvents"]
    assert impact["second_opinion"]["summary"] == (
        "local engine and AWS's simulator agree on 0 of 1 requests"
    )
    assert impact["second_opinion"]["differences"] == [
        "logs:GetLogEvents on *: local engine implicit_deny, AWS allowed"
    ]
    # the detached policy is gone from what AWS was given; the other one stays
    assert [json.loads(p) for p in sent[0]["PolicyInputList"]] == [other.document]


def test_demo_mode_says_only_the_local_engine_answered() -> None:
    passrole = managed_policy("pass-role", allow("iam:PassRole"), attachment_count=0)
    snap = snapshot(users=[user("bob")], policies=[passrole])
    opinion = aws_second_opinion(live_simulator(Settings(demo=True)))
    change = {"kind": "attach_managed", "policy_arn": passrole.arn}
    impact = summarize_impact(snap, _plan("user", "bob", change), second_opinion=opinion)
    assert impact["second_opinion"]["summary"] == (
        "only the local engine answered: demo mode has no AWS account to ask"
    )


def test_a_change_that_leaves_no_identity_policy_is_not_sent() -> None:
    read = managed_policy("read-logs", allow("logs:GetLogEvents"))
    snap = snapshot(
        users=[user("bob", attached_policies=[policy_arn("read-logs")])], policies=[read]
    )
    opinion = aws_second_opinion(lambda: (_ for _ in ()).throw(AssertionError("not called")))
    change = {"kind": "detach_managed", "policy_arn": read.arn}
    impact = summarize_impact(snap, _plan("user", "bob", change), second_opinion=opinion)
    assert impact["second_opinion"]["summary"] == (
        "only the local engine answered: AWS's custom simulation needs at least one identity policy"
    )


def test_the_approval_message_shows_the_second_opinion_escaped() -> None:
    from bot.slack.approval_blocks import impact_text

    impact = {
        "gained": ["iam:PassRole"],
        "lost": [],
        "second_opinion": {
            "summary": "local engine and AWS's simulator agree on 0 of 1 requests",
            "differences": ["iam:PassRole on <*>: local engine allowed, AWS implicit_deny"],
        },
    }
    text = impact_text(impact)
    assert ":mag: local engine and AWS's simulator agree on 0 of 1 requests" in text
    assert "• differs: iam:PassRole on &lt;*&gt;: local engine allowed, AWS implicit_deny" in text
