"""The approval request's second opinion from AWS's policy simulator, through the real Bolt app.

In demo mode the message says only the local engine answered, and why; with AWS's answer
(botocore Stubber, the documented response shape; moto has no simulator) it says how many
requests the two agree on.
"""

from __future__ import annotations

import json

import boto3
from botocore.stub import Stubber

from bot.approvals.wiring import aws_second_opinion, build_approval_desk
from bot.aws.collect import collect_snapshot
from bot.aws.policy_simulator import PolicySimulator
from tests.scenario.harness import START, posted_requests
from tests.scenario.test_approvals_flow import (  # noqa: F401 - the aws fixture is used by name
    CountingExecutor,
    approvals_bot,
    aws,
    request_custom,
)


def test_in_demo_mode_the_request_says_only_the_local_engine_answered(make_bot, aws) -> None:  # noqa: F811
    bot = approvals_bot(make_bot, aws)  # the scenario bot runs in demo mode
    assert bot.settings.demo
    request_custom(bot)
    shown = json.dumps(posted_requests(bot)[-1].body["blocks"])
    assert "Gains 1 action" in shown
    assert ":mag: only the local engine answered: demo mode has no AWS account to ask" in shown


def test_with_aws_answering_the_request_shows_agreement(make_bot, aws) -> None:  # noqa: F811
    client = boto3.client(
        "iam", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    )
    stub = Stubber(client)
    stub.add_response(
        "simulate_custom_policy",
        {
            "EvaluationResults": [
                {
                    "EvalActionName": "s3:ListAllMyBuckets",
                    "EvalResourceName": "*",
                    "EvalDecision": "allowed",
                    "MatchedStatements": [{"SourcePolicyId": "PolicyInputList.1"}],
                }
            ],
            "IsTruncated": False,
        },
    )
    stub.activate()
    bot = make_bot(env={"IAM_AUDIT_APPROVAL_CHANNEL": "C0APPROVE", "IAM_AUDIT_APPROVERS": "UAPP1"})
    snapshot = collect_snapshot(aws, now=START, sleep=lambda _s: None)
    executor = CountingExecutor(aws)
    bot.services.approvals = build_approval_desk(
        bot.settings,
        clock=bot.clock,
        snapshot_source=lambda: snapshot,
        executor=lambda: executor,
        second_opinion=aws_second_opinion(lambda: PolicySimulator(client)),
    )
    request_custom(bot)
    shown = json.dumps(posted_requests(bot)[-1].body["blocks"])
    assert ":mag: local engine and AWS's simulator agree on 1 of 1 requests" in shown
    stub.assert_no_pending_responses()
