"""`/iam-audit rightsize` end to end: signed requests through the real Bolt app, the mock Slack
Web API, moto IAM for the account and the apply, botocore Stubber for what moto lacks (IAM's
last-accessed report, Access Analyzer's unused access and recommendations; shapes from the
IAM and Access Analyzer API references). Every AWS call the bot makes is recorded and must be
granted by policies/bot/ (tests/aws_call_recorder.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from bot.approvals.model import State
from bot.approvals.wiring import build_approval_desk
from bot.aws.collect import collect_snapshot
from bot.aws.last_accessed import Polling, read_usage
from bot.aws.remediate import RemediationExecutor
from bot.slack.approval_blocks import ACTION_APPROVE, ACTION_UNDO
from tests.aws_call_recorder import calls_not_granted
from tests.rightsize_support import ago, stubbed_session
from tests.scenario.conftest import demo_snapshot
from tests.scenario.harness import APPROVAL_CHANNEL, START, action_body, posted_requests, texts

WIDE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "App",
            "Effect": "Allow",
            "Action": ["s3:ListAllMyBuckets", "s3:CreateBucket", "ec2:*", "sqs:SendMessage"],
            "Resource": "*",
        },
        {"Sid": "NoDeletes", "Effect": "Deny", "Action": "sqs:DeleteQueue", "Resource": "*"},
    ],
}
INLINE = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": "sqs:ReceiveMessage",
            "Resource": "arn:aws:sqs:us-east-1:123456789012:jobs",
        },
    ],
}


@pytest.fixture
def aws() -> Iterator[boto3.Session]:
    demo_snapshot()  # built first: the demo runs its own moto account
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        iam = session.client("iam")
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ec2.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        iam.create_role(RoleName="worker", AssumeRolePolicyDocument=json.dumps(trust))
        arn = iam.create_policy(PolicyName="worker-app", PolicyDocument=json.dumps(WIDE))["Policy"][
            "Arn"
        ]
        iam.attach_role_policy(RoleName="worker", PolicyArn=arn)
        iam.put_role_policy(
            RoleName="worker", PolicyName="worker-inline", PolicyDocument=json.dumps(INLINE)
        )
        yield session


def rightsize_bot(make_bot, aws: boto3.Session, **env: str):
    snapshot = collect_snapshot(aws, now=START, sleep=lambda _s: None)
    bot = make_bot(
        snapshot=snapshot,
        env={
            "IAM_AUDIT_APPROVAL_CHANNEL": APPROVAL_CHANNEL,
            "IAM_AUDIT_APPROVERS": "UAPP1",
            **env,
        },
    )
    executor = RemediationExecutor(aws)
    bot.services.approvals = build_approval_desk(
        bot.settings, clock=bot.clock, snapshot_source=lambda: snapshot, executor=lambda: executor
    )

    def reader(arn, _created, now):
        session, _stubbers = stubbed_session(arn)
        return read_usage(
            session,
            arn,
            created=ago(300),  # moto stamps the role "now"; AWS would have tracked it longer
            now=now,
            polling=Polling(first_delay=0, max_delay=0, max_wait=5),
            sleep=lambda _s: None,
        )

    bot.services.usage_reader = reader
    bot.command("audit", via="dispatch")
    bot.mock.wait_until(
        lambda calls: any("IAM audit of account" in c.body.get("text", "") for c in calls)
    )
    bot.services.jobs.wait_idle()
    return bot


def click(bot, action_id: str, request_id: str, user: str, n: int) -> None:
    bot.dispatch(
        action_body(
            action_id,
            json.dumps({"id": request_id}),
            user=user,
            channel=APPROVAL_CHANNEL,
            response_url=bot.mock.response_url(f"{user}-{n}"),
            action_ts=f"1700000300.{n:06d}",
        )
    )


def default_document(aws: boto3.Session) -> dict:
    iam = aws.client("iam")
    arn = "arn:aws:iam::123456789012:policy/worker-app"
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    return iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]


def test_rightsize_preview_approval_apply_and_undo(make_bot, aws, aws_calls) -> None:
    bot = rightsize_bot(make_bot, aws)
    assert bot.command("rightsize role/worker --days 90", user="UREQ", via="http") == 200
    bot.mock.wait_until(lambda calls: len(posted_requests(bot)) >= 1)
    bot.services.jobs.wait_idle()
    post = posted_requests(bot)[-1].body
    shown = json.dumps(post["blocks"])
    # The preview is the proof: used actions kept, what goes, lint, escalation, the diff.
    assert "Right-size role worker" in shown
    assert "stay allowed on the same resources" in shown
    assert "Removed:" in shown
    assert "Escalation paths:" in shown
    assert "Proof 2 (linter)" in shown
    assert "Access Analyzer also reports unused: ec2" in shown
    assert "CreatePolicyVersion" in shown
    assert "PutRolePolicy" in shown
    request_id = json.loads(
        next(b for b in post["blocks"] if b["type"] == "actions")["elements"][0]["value"]
    )["id"]
    request = bot.services.approvals.get(request_id)
    assert request.content_hash in shown
    assert "Right-sizing request" in texts(bot.mock.calls_to("chat.update"))
    # every document, unclipped, in the request's thread
    bot.mock.wait_until(
        lambda calls: any(c.method == "files.completeUploadExternal" for c in calls)
    )
    upload = bot.mock.calls_to("files.completeUploadExternal")[-1].body
    assert upload["channel_id"] == APPROVAL_CHANNEL
    assert upload["thread_ts"] == request.message_ts
    assert upload["files"][0]["title"] == "Right-sizing role worker: every document"

    # the requester cannot approve it; nothing changed in AWS
    click(bot, ACTION_APPROVE, request_id, "UREQ", 0)
    bot.mock.wait_until(lambda calls: "own request" in texts(bot.mock.calls_to("response_url")))
    assert default_document(aws) == WIDE

    click(bot, ACTION_APPROVE, request_id, "UAPP1", 1)
    bot.mock.wait_until(
        lambda calls: any(c.method == "chat.postMessage" and c.body.get("thread_ts") for c in calls)
    )
    applied = bot.services.approvals.get(request_id)
    assert applied.state is State.APPLIED, applied.outcome
    new = default_document(aws)
    actions = new["Statement"][0]["Action"]
    assert sorted(actions) == ["s3:ListAllMyBuckets", "sqs:SendMessage"]
    assert new["Statement"][1]["Effect"] == "Deny"  # denies are kept
    inline = aws.client("iam").get_role_policy(RoleName="worker", PolicyName="worker-inline")
    assert [s["Action"] for s in inline["PolicyDocument"]["Statement"]] == ["sqs:ReceiveMessage"]
    versions = aws.client("iam").list_policy_versions(
        PolicyArn="arn:aws:iam::123456789012:policy/worker-app"
    )["Versions"]
    assert {v["VersionId"] for v in versions} == {"v1", "v2"}  # the old version is kept
    thread = texts([c for c in bot.mock.calls_to("chat.postMessage") if c.body.get("thread_ts")])
    assert "CreatePolicyVersion" in thread
    assert "PutRolePolicy" in thread

    # Undo: a new request (restore), approved by someone else than its requester
    click(bot, ACTION_UNDO, request_id, "UREQ", 2)
    bot.mock.wait_until(lambda calls: len(posted_requests(bot)) >= 2)
    undo_post = json.dumps(posted_requests(bot)[-1].body["blocks"])
    assert "Restore the policies of role worker" in undo_post
    assert "SetDefaultPolicyVersion" in undo_post
    undo_id = json.loads(
        next(b for b in posted_requests(bot)[-1].body["blocks"] if b["type"] == "actions")[
            "elements"
        ][0]["value"]
    )["id"]
    click(bot, ACTION_APPROVE, undo_id, "UAPP1", 3)
    bot.mock.wait_until(lambda calls: bot.services.approvals.get(undo_id).state.is_final)
    assert bot.services.approvals.get(undo_id).state is State.APPLIED
    assert default_document(aws) == WIDE
    restored = aws.client("iam").get_role_policy(RoleName="worker", PolicyName="worker-inline")
    assert restored["PolicyDocument"] == INLINE

    # Every AWS call the bot made is one its shipped policies grant.
    made = {(c.service, c.operation) for c in aws_calls}
    assert {
        ("iam", "GenerateServiceLastAccessedDetails"),
        ("iam", "GetServiceLastAccessedDetails"),
        ("access-analyzer", "GetFindingRecommendation"),
        ("iam", "CreatePolicyVersion"),
        ("iam", "SetDefaultPolicyVersion"),
        ("iam", "PutRolePolicy"),
    } <= made
    assert calls_not_granted(frozenset(made)) == []


def test_a_principal_tracked_for_less_than_the_window_is_refused(make_bot, aws) -> None:
    bot = rightsize_bot(make_bot, aws)

    def young(arn, _created, now):
        session, _ = stubbed_session(arn)
        return read_usage(
            session,
            arn,
            created=ago(10),
            now=now,
            polling=Polling(first_delay=0, max_delay=0, max_wait=5),
            sleep=lambda _s: None,
        )

    bot.services.usage_reader = young
    bot.command("rightsize role/worker", user="UREQ", via="dispatch")
    bot.mock.wait_until(
        lambda calls: "tracked worker for" in texts(bot.mock.calls_to("chat.update"))
    )
    assert posted_requests(bot) == []
    assert default_document(aws) == WIDE


def test_bad_input_gets_the_usage(make_bot, aws) -> None:
    bot = rightsize_bot(make_bot, aws)
    bot.command("rightsize role/worker --days nine", user="UREQ", via="dispatch")
    reply = bot.mock.wait_for("response_url")[-1].body
    assert "Usage: /iam-audit rightsize" in reply["text"]
    bot.command("rightsize group/devs", user="UREQ", via="dispatch")
    bot.mock.wait_until(lambda calls: "user or a role" in texts(bot.mock.calls_to("chat.update")))


def test_serve_demo_shows_a_proposal_as_a_preview(bot) -> None:
    """`serve --demo`: the demo account's usage data, the proof and the diff; no request, since
    demo mode has no account to change."""
    bot.command("audit", via="dispatch")
    bot.mock.wait_until(
        lambda calls: any("IAM audit of account" in c.body.get("text", "") for c in calls)
    )
    bot.services.jobs.wait_idle()
    bot.command("rightsize role/lambda-processor", user="UREQ", via="dispatch")
    bot.mock.wait_until(lambda calls: "Demo mode" in texts(bot.mock.calls_to("chat.update")))
    shown = texts(bot.mock.calls_to("chat.update"))
    assert "Right-sizing role lambda-processor" in shown
    assert "Escalation paths: 1 -&gt; 0" in shown  # escaped for mrkdwn
    assert "iam:CreatePolicyVersion" in shown
    assert posted_requests(bot) == []


def test_only_requesters_may_ask_and_the_allowlist_applies(make_bot, aws) -> None:
    bot = rightsize_bot(
        make_bot, aws, IAM_AUDIT_REQUESTERS="UREQ", IAM_AUDIT_ALLOW_RIGHTSIZE="UREQ,UOTHER"
    )
    bot.command("rightsize role/worker", user="UOTHER", via="dispatch")
    bot.command("rightsize role/worker", user="USTRANGER", via="dispatch")
    bot.mock.wait_until(lambda calls: len(bot.mock.calls_to("response_url")) >= 2)
    replies = texts(bot.mock.calls_to("response_url"))
    assert "not allowed to request IAM changes" in replies  # UOTHER: not a requester
    assert "not allowed to run `rightsize`" in replies  # USTRANGER: not on the allowlist
    assert posted_requests(bot) == []
    assert default_document(aws) == WIDE
