"""Crash-halfway sweep, Slack-driven half: signed requests through the real Bolt app, the mock
Slack Web API, moto IAM.

Each test breaks one step of a multi-step path (a Slack call the mock refuses, a store write that
fails, a bug in an inner call), then runs what the bot offers to recover (a second click, the
reconciler, the same command again) and checks that nothing is done twice, that the user reads a
sentence and not a traceback, and that what Slack shows ends up matching the real state.
The store/AWS halves of the same paths are in tests/integration/test_crash_halfway_sweep.py.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bot.approvals.model import State
from bot.approvals.wiring import build_approval_desk
from bot.aws.remediate import RemediationExecutor
from bot.model.errors import DeliveryError, StoreError
from bot.slack.approval_blocks import ACTION_APPROVE
from commands.approvals import reconcile_applying
from tests.scenario.conftest import demo_snapshot
from tests.scenario.harness import (
    APPROVAL_CHANNEL,
    FailingPosts,
    action_body,
    log_event,
    posted_requests,
    request_id_of,
    texts,
    wait_for_request_message,
)

DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
}


class CountingExecutor(RemediationExecutor):
    def __init__(self, session: boto3.Session) -> None:
        super().__init__(session)
        self.applies = 0
        self._count = threading.Lock()

    def apply(self, *args: Any, **kwargs: Any) -> Any:
        with self._count:
            self.applies += 1
        return super().apply(*args, **kwargs)


@pytest.fixture
def aws() -> Iterator[tuple[boto3.Session, str]]:
    demo_snapshot()  # built first: the demo runs its own moto account
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        iam = session.client("iam")
        iam.create_user(UserName="bob")
        arn = iam.create_policy(PolicyName="ro", PolicyDocument=json.dumps(DOC))["Policy"]["Arn"]
        yield session, arn


def approvals_bot(make_bot, session: boto3.Session):
    bot = make_bot(
        env={"IAM_AUDIT_APPROVAL_CHANNEL": APPROVAL_CHANNEL, "IAM_AUDIT_APPROVERS": "UAPP1,UAPP2"}
    )
    executor = CountingExecutor(session)
    bot.services.approvals = build_approval_desk(
        bot.settings, clock=bot.clock, executor=lambda: executor
    )
    bot.executor = executor
    return bot


def request_attach(bot, arn: str, count: int = 1) -> str:
    assert bot.command(f"apply {arn} to user bob", user="UREQ", via="dispatch") == 200
    return wait_for_request_message(bot, count)


def click(bot, request_id: str, user: str, n: int) -> None:
    bot.dispatch(
        action_body(
            ACTION_APPROVE,
            json.dumps({"id": request_id}),
            user=user,
            channel=APPROVAL_CHANNEL,
            response_url=bot.mock.response_url(f"{user}-{n}"),
            action_ts=f"1700000300.{n:06d}",
        )
    )


def replies(bot) -> str:
    return texts(bot.mock.calls_to("response_url"))


def wait_reply(bot, fragment: str) -> None:
    bot.mock.wait_until(
        lambda calls: fragment in texts([c for c in calls if c.method == "response_url"])
    )


def thread_posts(bot) -> list[Any]:
    return [c for c in bot.mock.calls_to("chat.postMessage") if c.body.get("thread_ts")]


def attached(session: boto3.Session) -> list[str]:
    found = session.client("iam").list_attached_user_policies(UserName="bob")
    return [p["PolicyName"] for p in found["AttachedPolicies"]]


# --- approval request posting ------------------------------------------------------------------


def test_request_that_cannot_be_posted_is_withdrawn_and_the_requester_told(make_bot, aws) -> None:
    session, arn = aws
    bot = approvals_bot(make_bot, session)
    bot.mock.errors["chat.postMessage"] = "not_in_channel"
    assert bot.command(f"apply {arn} to user bob", user="UREQ", via="dispatch") == 200
    wait_reply(bot, "Nothing was requested")
    assert "Traceback" not in replies(bot)
    assert bot.services.approvals.store.pending(now=bot.clock()) == []  # cancelled, not waiting
    assert bot.executor.applies == 0


def test_request_posted_but_its_message_not_recorded_leaves_no_orphan(make_bot, aws) -> None:
    session, arn = aws
    bot = approvals_bot(make_bot, session)
    desk = bot.services.approvals
    original = desk.store.annotate

    def annotate(request_id: str, **changes: Any) -> Any:
        raise StoreError("the state store (Redis) failed during annotate approval")

    desk.store.annotate = annotate
    assert bot.command(f"apply {arn} to user bob", user="UREQ", via="dispatch") == 200
    wait_reply(bot, "state store (Redis) is unreachable")
    desk.store.annotate = original
    posted = posted_requests(bot)
    assert len(posted) == 1  # the request did reach the channel
    ts = posted[0].body.get("ts") or ""
    first = desk.get(request_id_of(posted[0]))  # cancelled: no longer in pending()
    withdrawn = [
        c
        for c in bot.mock.calls_to("chat.update")
        if '"type": "actions"' not in json.dumps(c.body.get("blocks"))
    ]
    assert first.message_ts or first.state is State.CANCELLED or withdrawn, ts
    assert first.state is State.CANCELLED  # the store was back for the cancel
    assert withdrawn  # and the posted message lost its buttons
    request_attach(bot, arn, count=2)  # the retry the requester was asked for
    assert len(desk.store.pending(now=bot.clock())) == 1  # one live request, not two


def test_unrecorded_request_whose_cancel_fails_too_loses_its_buttons(make_bot, aws) -> None:
    session, arn = aws
    bot = approvals_bot(make_bot, session)
    desk = bot.services.approvals

    def down(*args: Any, **kwargs: Any) -> Any:
        raise StoreError("the state store (Redis) failed: Connection refused")

    desk.store.annotate = down
    desk.store.transition = down
    assert bot.command(f"apply {arn} to user bob", user="UREQ", via="dispatch") == 200
    wait_reply(bot, "state store (Redis) is unreachable")
    withdrawn = bot.mock.calls_to("chat.update")[-1].body
    assert withdrawn["channel"] == APPROVAL_CHANNEL
    assert "was not recorded" in json.dumps(withdrawn["blocks"])
    assert '"type": "actions"' not in json.dumps(withdrawn["blocks"])
    assert bot.executor.applies == 0


def test_unrecorded_request_that_cannot_be_withdrawn_is_logged(make_bot, aws) -> None:
    session, arn = aws
    bot = approvals_bot(make_bot, session)
    desk = bot.services.approvals

    def annotate(request_id: str, **changes: Any) -> Any:
        raise StoreError("the state store (Redis) failed during annotate approval")

    desk.store.annotate = annotate
    bot.mock.errors["chat.update"] = "message_not_found"
    with log_event("commands.approval_requests", "could not withdraw") as logged:
        assert bot.command(f"apply {arn} to user bob", user="UREQ", via="dispatch") == 200
        wait_reply(bot, "state store (Redis) is unreachable")
        assert logged.is_set()
    assert "Traceback" not in replies(bot)
    assert desk.store.pending(now=bot.clock()) == []  # cancelled all the same


# --- approve -> apply -> update the message -> thread ------------------------------------------


def test_approval_message_update_failing_does_not_strand_the_request(make_bot, aws) -> None:
    session, arn = aws
    bot = approvals_bot(make_bot, session)
    request_id = request_attach(bot, arn)
    bot.mock.errors["chat.update"] = "message_not_found"
    click(bot, request_id, "UAPP1", 1)
    wait_reply(bot, "chat_update")
    assert "Traceback" not in replies(bot)
    del bot.mock.errors["chat.update"]
    click(bot, request_id, "UAPP2", 2)  # what a person does next: click again
    wait_reply(bot, "already approved")
    assert bot.services.approvals.get(request_id).state is State.APPLIED
    assert bot.executor.applies == 1


def test_approval_message_refresh_failing_once_still_ends_showing_the_result(
    make_bot, aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    session, arn = aws
    bot = approvals_bot(make_bot, session)
    request_id = request_attach(bot, arn)
    delivery = bot.services.delivery
    update = delivery.update
    failures = [DeliveryError("could not reach Slack for chat_update: timed out")]

    def flaky(*args: Any, **kwargs: Any) -> None:
        if failures:
            raise failures.pop()
        update(*args, **kwargs)

    monkeypatch.setattr(delivery, "update", flaky)
    click(bot, request_id, "UAPP1", 1)
    bot.mock.wait_until(lambda calls: len(thread_posts(bot)) == 1)
    assert bot.services.approvals.get(request_id).state is State.APPLIED
    last = bot.mock.calls_to("chat.update")[-1].body
    assert "Applied" in json.dumps(last["blocks"])
    assert '"type": "actions"' not in json.dumps(last["blocks"])
    assert "was not updated" not in replies(bot)
    assert bot.executor.applies == 1


def test_result_thread_failing_after_apply_changes_nothing_twice(make_bot, aws) -> None:
    session, arn = aws
    bot = approvals_bot(make_bot, session)
    request_id = request_attach(bot, arn)
    bot.mock.errors["chat.postMessage"] = "channel_not_found"
    click(bot, request_id, "UAPP1", 1)
    wait_reply(bot, "chat_postMessage")
    assert "Traceback" not in replies(bot)
    assert bot.services.approvals.get(request_id).state is State.APPLIED
    last = bot.mock.calls_to("chat.update")[-1].body
    assert "Applied" in json.dumps(last["blocks"])  # the message shows the result
    assert '"type": "actions"' not in json.dumps(last["blocks"])
    del bot.mock.errors["chat.postMessage"]
    click(bot, request_id, "UAPP2", 2)
    wait_reply(bot, "already approved (now applied) by <@UAPP1>")
    assert bot.executor.applies == 1
    assert attached(session) == ["ro"]


def test_store_failing_mid_apply_is_told_then_finished_once_by_the_reconciler(
    make_bot, aws
) -> None:
    session, arn = aws
    bot = approvals_bot(make_bot, session)
    request_id = request_attach(bot, arn)
    desk = bot.services.approvals
    original = desk.store.journal

    def journal(rid: str, **kw: Any) -> Any:
        if (kw.get("result") or {}).get("api") == "AttachUserPolicy":
            raise StoreError("the state store (Redis) failed during journal: Connection reset")
        return original(rid, **kw)

    desk.store.journal = journal
    click(bot, request_id, "UAPP1", 1)
    wait_reply(bot, "The request stays 'applying'")
    assert "Traceback" not in replies(bot)
    desk.store.journal = original
    assert attached(session) == ["ro"]  # the call reached IAM
    assert desk.get(request_id).state is State.APPLYING
    threads_before = len(thread_posts(bot))

    assert reconcile_applying(bot.services, stale_after=timedelta(0)) == 1
    final = desk.get(request_id)
    assert final.state is State.APPLIED
    bot.mock.wait_until(lambda calls: len(thread_posts(bot)) == threads_before + 1)
    assert "Applied" in json.dumps(bot.mock.calls_to("chat.update")[-1].body["blocks"])
    assert reconcile_applying(bot.services, stale_after=timedelta(0)) == 0
    click(bot, request_id, "UAPP2", 2)
    wait_reply(bot, "already approved")
    assert len(thread_posts(bot)) == threads_before + 1  # told once
    assert bot.executor.applies == 1


# --- an audit and the posting of its result ----------------------------------------------------


def test_audit_crashing_mid_way_tells_the_user_and_the_next_audit_runs(
    bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    audits = bot.services.audits
    original = audits.run
    crashed: list[int] = []

    def run(*args: Any, **kwargs: Any) -> Any:
        if not crashed:
            crashed.append(1)
            raise RuntimeError("collector bug")
        return original(*args, **kwargs)

    monkeypatch.setattr(audits, "run", run)
    bot.command("audit", via="dispatch")
    bot.mock.wait_until(
        lambda calls: (
            "The audit failed: the audit failed unexpectedly (RuntimeError)" in texts(calls)
        )
    )
    bot.services.jobs.wait_idle()
    assert "Traceback" not in texts(bot.mock.calls)
    bot.command("audit", via="dispatch")
    bot.mock.wait_until(lambda calls: "IAM audit of account" in texts(calls))
    assert len(crashed) == 1


def answers_after_progress(bot) -> list[Any]:
    """What reached the requester after the progress message (posts, ephemerals, replies)."""
    progress = bot.mock.calls_to("chat.postMessage")[:1]
    return [
        c
        for c in bot.mock.calls
        if c.method in ("chat.postMessage", "chat.postEphemeral", "response_url")
        and c not in progress
    ]


def test_audit_result_that_cannot_replace_the_progress_message_still_reaches_the_user(
    bot,
) -> None:
    bot.mock.errors["chat.update"] = "message_not_found"
    bot.command("audit", via="dispatch")
    bot.mock.wait_for("chat.postMessage")
    # wait for the answer itself: the job may not be submitted yet when the progress is posted
    bot.mock.wait_until(lambda calls: "audit" in texts(answers_after_progress(bot)).lower())
    bot.services.jobs.wait_idle()
    reposted = bot.mock.calls_to("chat.postMessage")[1:]
    assert len(reposted) == 1  # the result, posted anew in the channel
    assert "IAM audit" in texts(reposted)
    assert "Traceback" not in texts(bot.mock.calls)


def test_audit_result_that_cannot_be_posted_at_all_is_told_ephemerally(
    bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot.mock.errors["chat.update"] = "msg_too_long"
    monkeypatch.setattr(bot.services.delivery, "post", FailingPosts(bot.services.delivery.post))
    bot.command("audit", via="dispatch")
    wait_reply(bot, "finished")
    bot.services.jobs.wait_idle()
    told = replies(bot)
    assert "msg_too_long" in told
    assert "/iam-audit status" in told
    assert "Traceback" not in texts(bot.mock.calls)


def test_audit_failure_that_cannot_replace_the_progress_message_is_posted_anew(
    bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    def run(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("collector bug")

    monkeypatch.setattr(bot.services.audits, "run", run)
    bot.mock.errors["chat.update"] = "message_not_found"
    bot.command("audit", via="dispatch")
    bot.mock.wait_until(lambda calls: "The audit failed" in texts(answers_after_progress(bot)))
    assert "Traceback" not in texts(bot.mock.calls)


def test_audit_answer_nobody_can_be_told_is_logged_not_raised(
    bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot.mock.errors["chat.update"] = "message_not_found"
    bot.mock.errors["chat.postEphemeral"] = "user_not_in_channel"
    monkeypatch.setattr(bot.services.delivery, "post", FailingPosts(bot.services.delivery.post))
    with log_event("commands.audit_replies", "could not tell U111") as logged:
        bot.command("audit", via="dispatch", response_url="")  # ephemerals by bot token only
        assert logged.wait(timeout=15)
    bot.services.jobs.wait_idle()
    assert "Traceback" not in texts(bot.mock.calls)
