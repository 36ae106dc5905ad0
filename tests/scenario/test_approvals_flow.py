"""Approvals through the real Bolt app: signed requests, the mock Slack Web API, moto IAM."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from bot.approvals.model import State
from bot.approvals.wiring import build_approval_desk
from bot.aws.collect import collect_snapshot
from bot.aws.remediate import RemediationExecutor
from bot.slack.approval_blocks import (
    ACTION_APPROVE,
    ACTION_REJECT,
    ACTION_UNDO,
    CUSTOM_MODAL,
    POLICY_BLOCK,
    POLICY_INPUT,
    REASON_BLOCK,
    REASON_INPUT,
    REJECT_MODAL,
)
from bot.slack.blocks import ACTION_REMEDIATE
from tests.scenario.conftest import demo_snapshot
from tests.scenario.harness import (
    APPROVAL_CHANNEL,
    START,
    action_body,
    modal_submission_body,
    posted_requests,
    request_id_of,
    texts,
    wait_for_request_message,
)

DOC = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "ListBuckets", "Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}
    ],
}


class CountingExecutor(RemediationExecutor):
    def __init__(self, session: boto3.Session) -> None:
        super().__init__(session)
        self.applies = 0
        self._count_lock = threading.Lock()

    def apply(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with self._count_lock:
            self.applies += 1
        return super().apply(*args, **kwargs)


@pytest.fixture
def aws() -> Iterator[boto3.Session]:
    demo_snapshot()  # built (and cached) first: the demo runs its own moto account
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        iam = session.client("iam")
        iam.create_user(UserName="bob")
        iam.create_user(UserName="bob.console")
        iam.create_login_profile(UserName="bob.console", Password="Initial-password-1!")
        iam.create_group(GroupName="devs")
        iam.add_user_to_group(GroupName="devs", UserName="bob")
        yield session


def approvals_bot(make_bot, aws: boto3.Session, approvers: str = "UAPP1,UAPP2"):
    env = {"IAM_AUDIT_APPROVAL_CHANNEL": APPROVAL_CHANNEL}
    if approvers:
        env["IAM_AUDIT_APPROVERS"] = approvers
    bot = make_bot(env=env)
    executor = CountingExecutor(aws)
    snapshot = collect_snapshot(aws, now=START, sleep=lambda _s: None)
    bot.services.approvals = build_approval_desk(
        bot.settings, clock=bot.clock, snapshot_source=lambda: snapshot, executor=lambda: executor
    )
    bot.executor = executor
    return bot


def click(bot, action_id: str, request_id: str, user: str, n: int = 0) -> None:
    bot.dispatch(
        action_body(
            action_id,
            json.dumps({"id": request_id}),
            user=user,
            channel=APPROVAL_CHANNEL,
            response_url=bot.mock.response_url(f"{user}-{n}"),
            action_ts=f"1700000200.{n:06d}",
        )
    )


def attached(aws: boto3.Session, user: str = "bob") -> list[str]:
    iam = aws.client("iam")
    return [
        p["PolicyName"] for p in iam.list_attached_user_policies(UserName=user)["AttachedPolicies"]
    ]


def request_custom(bot, user: str = "UREQ", document: dict = DOC) -> str:
    """`/iam-audit apply custom to user bob`, then the pasted JSON: returns the request id."""
    before = len(posted_requests(bot))
    assert bot.command("apply custom to user bob", user=user, via="http") == 200
    modal = bot.mock.wait_for("views.open")[-1].body["view"]
    assert modal["callback_id"] == CUSTOM_MODAL
    meta = json.loads(modal["private_metadata"])
    assert meta == {"channel": "C111", "kind": "user", "name": "bob"}
    response = bot.dispatch(
        modal_submission_body(
            CUSTOM_MODAL, POLICY_BLOCK, POLICY_INPUT, json.dumps(document), meta, user=user
        )
    )
    assert response.status == 200
    return wait_for_request_message(bot, before + 1)


def test_full_flow_from_slash_command_to_applied_policy(make_bot, aws) -> None:
    bot = approvals_bot(make_bot, aws)
    request_id = request_custom(bot)
    post = posted_requests(bot)[-1].body
    shown = json.dumps(post["blocks"])
    assert "<@UREQ>" in shown
    assert "user bob" in shown
    assert "s3:ListAllMyBuckets" in shown  # the exact document and the simulated gain
    request = bot.services.approvals.get(request_id)
    assert request.content_hash in shown
    assert "Gains 1 action" in shown
    assert bot.mock.wait_for("chat.postEphemeral")[-1].body["channel"] == "C111"  # told where

    # the requester and a stranger are refused, nothing changes
    click(bot, ACTION_APPROVE, request_id, "UREQ")
    click(bot, ACTION_APPROVE, request_id, "USTRANGER")
    bot.mock.wait_until(lambda calls: sum(c.method == "response_url" for c in calls) >= 2)
    refusals = texts(bot.mock.calls_to("response_url"))
    assert "cannot approve your own request" in refusals
    assert "only the configured approvers" in refusals
    assert attached(aws) == []
    assert bot.executor.applies == 0

    click(bot, ACTION_APPROVE, request_id, "UAPP1")
    bot.mock.wait_until(
        lambda calls: any(c.method == "chat.postMessage" and c.body.get("thread_ts") for c in calls)
    )
    assert attached(aws)[0].startswith("iam-audit-custom-")
    final_update = bot.mock.calls_to("chat.update")[-1].body
    assert final_update["ts"] == posted_requests(bot)[-1].body.get("ts") or final_update["ts"]
    update_text = json.dumps(final_update["blocks"])
    assert '"type": "actions"' not in update_text  # buttons removed
    assert "approved by <@UAPP1>" in update_text
    assert "Applied" in update_text
    thread = next(c for c in bot.mock.calls_to("chat.postMessage") if c.body.get("thread_ts"))
    thread_text = json.dumps(thread.body["blocks"])
    assert "AttachUserPolicy" in thread_text
    assert "request id" in thread_text
    assert ACTION_UNDO in thread_text

    # a second click on the decided request changes nothing and says who decided
    click(bot, ACTION_APPROVE, request_id, "UAPP2", n=1)
    bot.mock.wait_until(
        lambda calls: "already approved" in texts([c for c in calls if c.method == "response_url"])
    )
    assert "already approved (now applied) by <@UAPP1>" in texts(bot.mock.calls_to("response_url"))
    assert bot.executor.applies == 1

    # history shows the request, the decision and the AWS calls with their request ids
    bot.command("history 30", user="UAPP2", via="dispatch")
    bot.mock.wait_until(
        lambda calls: (
            "audit-trail entries" in texts([c for c in calls if c.method == "response_url"])
        )
    )
    history = texts(bot.mock.calls_to("response_url"))
    assert "aws_call" in history
    assert "CreatePolicy" in history
    assert "decision" in history

    # Undo: a new, pre-filled request that needs its own approval
    click(bot, ACTION_UNDO, request_id, "UAPP2", n=2)
    bot.mock.wait_until(lambda calls: len(posted_requests(bot)) >= 2)
    undo_post = json.dumps(posted_requests(bot)[-1].body["blocks"])
    assert "Detach policy" in undo_post
    assert f"Undoes request `{request_id}`" in undo_post
    assert attached(aws)  # still attached until someone approves the undo


def test_twenty_concurrent_approve_clicks_apply_once(make_bot, aws) -> None:
    approvers = [f"UAPP{n:02d}" for n in range(20)]
    bot = approvals_bot(make_bot, aws, approvers=",".join(approvers))
    request_id = request_custom(bot)
    barrier = threading.Barrier(20)

    def one(n: int) -> None:
        barrier.wait()
        click(bot, ACTION_APPROVE, request_id, approvers[n], n=n)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    bot.mock.wait_until(
        lambda calls: any(c.method == "chat.postMessage" and c.body.get("thread_ts") for c in calls)
    )
    bot.mock.wait_until(
        lambda calls: (
            texts([c for c in calls if c.method == "response_url"]).count("already approved") >= 19
        )
    )
    assert bot.executor.applies == 1
    assert len(attached(aws)) == 1
    assert bot.services.approvals.get(request_id).state is State.APPLIED


def test_reject_with_reason_in_a_modal(make_bot, aws) -> None:
    bot = approvals_bot(make_bot, aws)
    bot.command("apply mfa-self-service-enforce to group devs", user="UREQ", via="dispatch")
    bot.mock.wait_until(lambda calls: len(posted_requests(bot)) == 1)
    request_id = request_id_of(posted_requests(bot)[0])
    assert "mfa-self-service-enforce" in json.dumps(posted_requests(bot)[0].body["blocks"])

    click(bot, ACTION_REJECT, request_id, "UAPP1")
    modal = bot.mock.wait_for("views.open")[-1].body["view"]
    assert modal["callback_id"] == REJECT_MODAL
    meta = json.loads(modal["private_metadata"])
    empty = bot.dispatch(
        modal_submission_body(REJECT_MODAL, REASON_BLOCK, REASON_INPUT, "  ", meta, user="UAPP1")
    )
    assert "Give a reason" in empty.body  # the modal stays open with an error
    bot.dispatch(
        modal_submission_body(
            REJECT_MODAL, REASON_BLOCK, REASON_INPUT, "use <!channel> group", meta, user="UAPP1"
        )
    )
    bot.mock.wait_until(lambda calls: any(c.method == "chat.update" for c in calls))
    update = json.dumps(bot.mock.calls_to("chat.update")[-1].body["blocks"])
    assert "rejected by <@UAPP1>" in update
    assert '"type": "actions"' not in update
    assert "&lt;!channel&gt;" in update
    assert "<!channel>" not in update
    assert bot.services.approvals.get(request_id).state is State.REJECTED
    assert attached(aws) == []


def test_without_approvers_nothing_can_be_requested(make_bot, aws) -> None:
    bot = approvals_bot(make_bot, aws, approvers="")
    bot.command("apply read-only-iam-review to user bob", user="UREQ", via="dispatch")
    reply = bot.mock.wait_for("response_url")[0].body
    assert "IAM_AUDIT_APPROVERS" in reply["text"]
    assert posted_requests(bot) == []


def test_bad_usage_unknown_policy_and_missing_target_are_one_sentence(make_bot, aws) -> None:
    bot = approvals_bot(make_bot, aws)
    bot.command("apply to bob", user="UREQ", via="dispatch")
    bot.command("apply nope to user bob", user="UREQ", via="dispatch")
    bot.command("detach <b>x</b> from user ghost", user="UREQ", via="dispatch")
    bot.mock.wait_for("response_url", 3)
    replies = texts(bot.mock.calls_to("response_url"))
    assert "usage: /iam-audit apply" in replies
    assert "no policy named 'nope'" in replies
    assert "there is no IAM user named 'ghost'" in replies.lower() or "ghost" in replies
    assert "<b>" not in replies  # user input is escaped
    assert posted_requests(bot) == []


def test_invalid_custom_json_keeps_the_modal_open(make_bot, aws) -> None:
    bot = approvals_bot(make_bot, aws)
    meta = {"channel": "C111", "kind": "user", "name": "bob"}
    response = bot.dispatch(
        modal_submission_body(CUSTOM_MODAL, POLICY_BLOCK, POLICY_INPUT, "{nope", meta, user="UREQ")
    )
    assert response.status == 200
    assert "Not valid JSON" in response.body
    assert posted_requests(bot) == []


def test_policies_lists_the_catalogue(make_bot, aws) -> None:
    bot = approvals_bot(make_bot, aws)
    bot.command("policies", via="dispatch")
    reply = json.dumps(bot.mock.wait_for("response_url")[0].body["blocks"])
    assert "mfa-self-service-enforce" in reply
    assert "deny-without-mfa-admins" in reply


def test_remediate_button_on_an_audit_finding_posts_a_request(make_bot, aws) -> None:
    bot = approvals_bot(make_bot, aws)
    bot.command("audit", via="dispatch")
    bot.mock.wait_until(
        lambda calls: any("IAM audit of account" in c.body.get("text", "") for c in calls)
    )
    bot.services.jobs.wait_idle()
    report, stored = bot.services.audits.latest()
    index = next(
        i
        for i, f in enumerate(report.findings)
        if f.check_id == "user.console_without_mfa" and f.resource_arn.endswith("/bob.console")
    )
    bot.dispatch(
        action_body(
            ACTION_REMEDIATE,
            json.dumps({"r": stored.report_id, "i": index}),
            user="UREQ",
            response_url=bot.mock.response_url("rem"),
        )
    )
    bot.mock.wait_until(lambda calls: len(posted_requests(bot)) == 1)
    shown = json.dumps(posted_requests(bot)[0].body["blocks"])
    assert "Attach policy mfa-self-service-enforce to user bob.console" in shown
    assert "Approve" in shown
    assert "Reject" in shown


def test_expired_request_cannot_be_approved_and_its_message_says_so(make_bot, aws) -> None:
    bot = approvals_bot(make_bot, aws)
    request_id = request_custom(bot)
    bot.clock.advance(hours=24, seconds=1)
    click(bot, ACTION_APPROVE, request_id, "UAPP1")
    bot.mock.wait_until(lambda calls: any(c.method == "chat.update" for c in calls))
    reply = texts(bot.mock.calls_to("response_url"))
    assert "expired" in reply
    assert "nothing was changed" in reply
    update = json.dumps(bot.mock.calls_to("chat.update")[-1].body["blocks"])
    assert "Expired" in update
    assert '"type": "actions"' not in update
    assert attached(aws) == []
    assert bot.executor.applies == 0


def test_request_that_cannot_be_posted_is_withdrawn(make_bot, aws) -> None:
    bot = approvals_bot(make_bot, aws)
    bot.mock.errors["chat.postMessage"] = "not_in_channel"
    bot.command("apply read-only-iam-review to user bob", user="UREQ", via="dispatch")
    reply = bot.mock.wait_for("response_url")[0].body
    assert "invite me there" in reply["text"]
    assert "C0APPROVE" in reply["text"]
    entries = bot.services.approvals.trail.last(5)
    assert [e.kind for e in entries[:2]] == ["decision", "request"]  # newest first
    assert (entries[0].actor, entries[0].data["state"]) == ("bot", "cancelled")
    request = bot.services.approvals.get(entries[1].request_id)
    assert request.state is State.CANCELLED


def test_apply_interrupted_by_a_crash_is_reconciled_and_the_slack_message_updated(
    make_bot, aws
) -> None:
    """A request a crash left `applying` (the attach reached AWS, its answer was lost) is
    finished by the reconciler: the message says Applied and the thread lists the calls."""
    from datetime import timedelta

    from commands.approvals import reconcile_applying

    bot = approvals_bot(make_bot, aws)
    request_id = request_custom(bot)
    the_desk = bot.services.approvals
    request = the_desk.approve(request_id, approver="UAPP1", is_member=lambda _u, _g: False)
    managed = request.params["managed_name"]
    arn = aws.client("iam").create_policy(PolicyName=managed, PolicyDocument=json.dumps(DOC))[
        "Policy"
    ]["Arn"]
    the_desk.store.transition(request_id, State.APPLYING, actor="bot", now=bot.clock())
    intent = {"api": "AttachUserPolicy", "args": {"UserName": "bob", "PolicyArn": arn}}
    the_desk.store.journal(request_id, sending=intent)
    aws.client("iam").attach_user_policy(UserName="bob", PolicyArn=arn)  # reached AWS, then crash
    assert the_desk.get(request_id).state is State.APPLYING

    updates = len(bot.mock.calls_to("chat.update"))
    assert reconcile_applying(bot.services, stale_after=timedelta(0)) == 1
    final = the_desk.get(request_id)
    assert final.state is State.APPLIED, final.outcome
    assert final.message_ts
    bot.mock.wait_until(lambda calls: len(bot.mock.calls_to("chat.update")) > updates)
    shown = json.dumps(bot.mock.calls_to("chat.update")[-1].body["blocks"])
    assert "Applied" in shown
    assert "reconciled from IAM" in shown
    thread = bot.mock.calls_to("chat.postMessage")[-1].body
    assert thread["thread_ts"] == final.message_ts
    assert "Undo" in json.dumps(thread["blocks"])


def test_a_store_failure_mid_apply_tells_the_approver_the_truth(make_bot, aws) -> None:
    """Not "try again shortly": the change may be partly in AWS and will be reconciled."""
    from bot.model.errors import StoreError

    bot = approvals_bot(make_bot, aws)
    request_id = request_custom(bot)
    store = bot.services.approvals.store
    real_journal = store.journal

    def journal(rid, **kw):
        if (kw.get("sending") or {}).get("api") == "AttachUserPolicy":
            raise StoreError("the state store (Redis) failed during record an AWS call")
        return real_journal(rid, **kw)

    store.journal = journal
    click(bot, ACTION_APPROVE, request_id, "UAPP1")
    bot.mock.wait_until(
        lambda calls: "being applied" in texts([c for c in calls if c.method == "response_url"])
    )
    reply = texts(bot.mock.calls_to("response_url"))
    assert "part of it may already be in AWS" in reply
    assert "try again shortly" not in reply
    assert attached(aws) == []  # the attach whose intent could not be stored was not sent
    assert bot.services.approvals.get(request_id).state is State.APPLYING
