"""A request approved but never applied: the bot died between a click's approve and its apply.

The approval is stored ('approved') before desk.apply moves it to 'applying', so a crash in between
left it approved forever: a second click says "already approved" and the reconciler only finished
'applying' requests. The reconciler now resumes it once the approval is older than its
``stale_after`` (no click can still be on its way to apply it): within the request's validity it
is applied, once (desk.apply's atomic approved -> applying move lets only one applier through),
and Slack says it was applied after an interruption; past its validity it is closed 'expired' with
nothing done in AWS. The approval must still pass the rules (four eyes, a configured approver).

Real Redis (db 15, a prefix per test) and moto IAM, with the fixtures of the crash-halfway sweep
(tests/integration/test_crash_halfway_sweep.py).
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from bot.approvals.desk import ApprovalDesk
from bot.approvals.model import ApprovalRequest, Decision, State, TransitionRefused
from bot.approvals.reconciler import ApplyReconciler
from bot.approvals.rules import ApprovalRules, People
from bot.approvals.suppressions import SUPPRESS_CHANGE
from bot.model.errors import StoreError
from bot.store.approvals import RedisApprovalStore
from bot.store.audit_log import RedisAuditLog
from bot.store.suppressions import RedisSuppressions
from commands.approvals import on_approve, reconcile_applying
from commands.suppress import write_suppression
from tests.integration import test_crash_halfway_sweep as sweep
from tests.integration.test_crash_halfway_sweep import (
    NOBODY,
    REDIS_DOWN,
    Clock,
    Fault,
    _journal,
    _trail_kind,
    attached,
    make_desk,
    suppress_request,
    trail_kinds,
)

aws = sweep.aws  # moto IAM: user bob, policy ro (fixture)
rds = sweep.rds  # the suite's Redis under this test's own prefix (fixture)

QUIET = timedelta(minutes=10)  # the reconciler's default stale_after
RESUMED = "after an interruption"


def pending_request(desk: ApprovalDesk, aws: SimpleNamespace) -> ApprovalRequest:
    """UREQ asks to attach policy ro to bob; nobody decides."""
    return desk.propose(
        requester="UREQ",
        remediation="attach_policy",
        params={
            "target_kind": "user",
            "target_name": "bob",
            "policy_arn": aws.ro_arn,
            "source": "arn",
        },
        is_member=NOBODY,
    )


def attach_request(desk: ApprovalDesk, aws: SimpleNamespace) -> str:
    """A request approved by UAPP and never applied: the click's process died after approve."""
    request = pending_request(desk, aws)
    desk.approve(request.id, approver="UAPP", is_member=NOBODY)
    return request.id


def attaches(aws: SimpleNamespace) -> int:
    return aws.iam.sent.count("attach_user_policy")


# --- the crash, then the reconciler ------------------------------------------------------------


def test_approved_then_crash_is_applied_once_by_the_reconciler(aws, rds) -> None:
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request_id = attach_request(desk, aws)

    told: list[ApprovalRequest] = []
    assert desk.reconcile(notify=told.append) == []  # the click may still be applying it
    assert desk.get(request_id).state is State.APPROVED
    clock.now += QUIET + timedelta(seconds=1)

    finished = desk.reconcile(notify=told.append)
    assert [(r.id, r.state) for r in finished] == [(request_id, State.APPLIED)]
    assert told == finished  # Slack is told once
    assert RESUMED in finished[0].outcome
    assert finished[0].outcome.startswith("Applied: attach it to user bob.")
    assert attached(aws) == ["ro"]
    assert attaches(aws) == 1
    assert desk.reconcile(notify=told.append) == []  # finished once
    assert attaches(aws) == 1
    assert trail_kinds(desk, request_id) == ["request", "decision", "apply", "aws_call", "result"]
    result = next(e for e in desk.trail.last(100) if e.kind == "result")
    assert RESUMED in result.data["outcome"]
    # A click now, by anyone, changes nothing and says what happened.
    with pytest.raises(TransitionRefused, match=r"already approved \(now applied\) by <@UAPP>"):
        desk.approve(request_id, approver="UAPP", is_member=NOBODY)
    assert attaches(aws) == 1


def test_a_second_click_on_a_stranded_approval_says_the_bot_will_apply_it(aws, rds) -> None:
    desk = make_desk(aws, rds, Clock())
    request_id = attach_request(desk, aws)
    with pytest.raises(TransitionRefused) as refused:
        desk.approve(request_id, approver="UAPP", is_member=NOBODY)
    assert "already approved by <@UAPP>" in str(refused.value)
    assert "within minutes" in str(refused.value)  # what happens next, not only "no"
    assert desk.get(request_id).state is State.APPROVED
    assert attaches(aws) == 0


def test_crash_between_the_approval_and_its_trail_entry_is_found_and_applied_once(aws, rds) -> None:
    """The approval is stored but its `decision` entry was not written: the request's own
    `request` entry still leads the reconciler to it."""
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request = desk.propose(
        requester="UREQ",
        remediation="attach_policy",
        params={"target_kind": "user", "target_name": "bob", "policy_arn": aws.ro_arn},
        is_member=NOBODY,
    )
    Fault(desk, "trail.append", _trail_kind("decision"), REDIS_DOWN)
    with pytest.raises(StoreError):
        desk.approve(request.id, approver="UAPP", is_member=NOBODY)
    assert desk.get(request.id).state is State.APPROVED
    clock.now += QUIET
    finished = desk.reconcile()
    assert [(r.id, r.state) for r in finished] == [(request.id, State.APPLIED)]
    assert attaches(aws) == 1
    # The trail has no `decision` of the approval, so its last word names who approved, when.
    assert trail_kinds(desk, request.id) == ["request", "apply", "aws_call", "result"]
    result = next(e for e in desk.trail.last(100) if e.kind == "result")
    approval = desk.get(request.id).decision(State.APPROVED)
    assert approval is not None
    assert result.data["approver"] == "UAPP"
    assert result.data["approved_at"] == approval.at.isoformat()


def test_a_resumed_apply_still_refuses_a_target_that_changed_since_the_request(aws, rds) -> None:
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    attach_request(desk, aws)
    aws.session.client("iam").attach_user_policy(UserName="bob", PolicyArn=aws.ro_arn)
    clock.now += QUIET
    finished = desk.reconcile()
    assert [r.state for r in finished] == [State.FAILED]
    assert "changed since the request" in finished[0].outcome
    assert RESUMED in finished[0].outcome
    assert attaches(aws) == 0


def test_a_suppression_approved_then_crash_is_written_once(aws, rds) -> None:
    client, prefix = rds
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    services = SimpleNamespace(
        suppressions=RedisSuppressions(client, key=prefix + "suppressions"), clock=clock
    )
    request_id = suppress_request(desk)
    write = lambda request: write_suppression(services, request)  # noqa: E731
    clock.now += QUIET
    finished = desk.reconcile(recorded={SUPPRESS_CHANGE: write})
    assert [(r.id, r.state) for r in finished] == [(request_id, State.APPLIED)]
    assert RESUMED in finished[0].outcome
    assert [s.request_id for s in services.suppressions.all()] == [request_id]
    assert desk.reconcile(recorded={SUPPRESS_CHANGE: write}) == []
    assert aws.iam.sent == []  # a suppression is the bot's own record, not an AWS change


# --- past its validity -------------------------------------------------------------------------


def test_an_approval_whose_request_expired_is_closed_and_nothing_is_done_in_aws(aws, rds) -> None:
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request_id = attach_request(desk, aws)
    expires_at = desk.get(request_id).expires_at
    clock.now = expires_at + timedelta(seconds=1)

    told: list[ApprovalRequest] = []
    finished = desk.reconcile(notify=told.append)
    assert [(r.id, r.state) for r in finished] == [(request_id, State.EXPIRED)]
    assert told == finished
    outcome = finished[0].outcome
    assert outcome.startswith("Not applied:")
    assert "interrupted between the approval and the apply" in outcome
    assert "expired at" in outcome
    assert "Nothing was changed;" in outcome
    assert aws.iam.sent == []  # not even a read-then-write
    assert attached(aws) == []
    assert desk.reconcile(notify=told.append) == []
    assert trail_kinds(desk, request_id)[-1] == "result"
    result = next(e for e in desk.trail.last(100) if e.kind == "result")
    assert result.data["state"] == "expired"
    # Nothing can apply it afterwards, and a click is told it was approved, then expired.
    with pytest.raises(TransitionRefused):
        desk.apply(request_id)
    with pytest.raises(TransitionRefused, match=r"already approved \(now expired\) by <@UAPP>"):
        desk.approve(request_id, approver="UAPP", is_member=NOBODY)
    assert aws.iam.sent == []


def test_an_expiry_whose_result_entry_was_lost_is_written_by_the_next_round(aws, rds) -> None:
    """The trail fails when the bot closes an approval past its expiry: the request stays in the
    store's unrecorded index and the next reconciliation writes its `result` (marked recovered),
    as for an ended apply. The trail used to keep 'approved' and nothing after it."""
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request_id = attach_request(desk, aws)
    clock.now = desk.get(request_id).expires_at + timedelta(seconds=1)
    fault = Fault(desk, "trail.append", _trail_kind("result"), REDIS_DOWN)
    assert [r.state for r in desk.reconcile()] == [State.EXPIRED]
    assert fault.fired == 1
    assert "result" not in trail_kinds(desk, request_id)
    assert [r.id for r in desk.store.unrecorded()] == [request_id]
    clock.now += QUIET + timedelta(seconds=1)
    desk.reconcile()
    results = [e for e in desk.trail.last(100) if e.kind == "result" and e.request_id == request_id]
    assert len(results) == 1
    assert results[0].data["state"] == "expired"
    assert results[0].data.get("recovered") is True
    assert desk.store.unrecorded() == []
    assert aws.iam.sent == []


def test_an_approved_request_is_not_expired_before_its_time(aws, rds) -> None:
    desk = make_desk(aws, rds, Clock())
    request_id = attach_request(desk, aws)
    with pytest.raises(TransitionRefused, match="has not expired"):
        desk.store.transition(request_id, State.EXPIRED, actor="bot", now=desk.clock())
    assert desk.get(request_id).state is State.APPROVED


# --- the rules still hold --------------------------------------------------------------------


def _rewrite(rds, request_id: str, **changes: Any) -> None:
    """What someone with write access to Redis could do to a stored request."""
    client, prefix = rds
    key = f"{prefix}approval:{request_id}"
    data = json.loads(client.get(key))
    data.update(changes)
    client.set(key, json.dumps(data))


def test_an_approval_by_the_requester_is_never_applied(aws, rds) -> None:
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request_id = attach_request(desk, aws)
    stored = desk.get(request_id)
    forged = [
        Decision(d.state, "UREQ" if d.state is State.APPROVED else d.actor, d.at).to_dict()
        for d in stored.decisions
    ]
    _rewrite(rds, request_id, decisions=forged)
    clock.now += QUIET
    assert desk.reconcile() == []  # left as it is, with a log line; never applied
    assert desk.get(request_id).state is State.APPROVED
    clock.now = stored.expires_at
    assert [r.state for r in desk.reconcile()] == [State.EXPIRED]  # closed when its time is up
    assert aws.iam.sent == []


def test_an_approver_removed_from_the_configuration_is_not_acted_on(aws, rds, caplog) -> None:
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request_id = attach_request(desk, aws)
    desk.rules = ApprovalRules(approvers=People(frozenset({"UOTHER"})), ttl_seconds=3600)
    clock.now += QUIET
    assert desk.reconcile() == []
    assert "only the configured approvers" in caplog.text
    assert desk.get(request_id).state is State.APPROVED
    assert aws.iam.sent == []


# --- races -----------------------------------------------------------------------------------


def _race(*calls: Any) -> list[Any]:
    """Run ``calls`` at the same instant; each one's result or exception."""
    start = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Any) -> None:
        start.wait()
        try:
            results[index] = call()
        except Exception as exc:  # the outcome is what the test inspects
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


@pytest.mark.parametrize("round_", range(5))
def test_a_click_racing_the_reconciler_applies_once(aws, rds, round_: int) -> None:
    """The click's own apply (late: it waited on Slack) and the reconciler, at the same instant;
    a second replica's reconciler joins in too."""
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request_id = attach_request(desk, aws)
    clock.now += QUIET
    click, reconciler, replica = _race(
        lambda: desk.apply(request_id), desk.reconcile, desk.reconcile
    )
    assert attaches(aws) == 1
    final = desk.get(request_id)
    assert final.state is State.APPLIED
    reconciled = [r for r in (*reconciler, *replica) if r.id == request_id]
    if isinstance(click, TransitionRefused):
        assert len(reconciled) == 1  # a reconciler won the move; the click was told
    else:
        assert click.state is State.APPLIED
        assert reconciled == []
    assert trail_kinds(desk, request_id).count("result") == 1


def test_a_click_racing_the_expiry_is_applied_or_expired_never_both(aws, rds) -> None:
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request_id = attach_request(desk, aws)
    clock.now = desk.get(request_id).expires_at
    click, reconciler = _race(lambda: desk.apply(request_id), desk.reconcile)
    final = desk.get(request_id)
    if isinstance(click, TransitionRefused):
        assert final.state is State.EXPIRED
        assert aws.iam.sent == []
    else:
        assert final.state is State.APPLIED
        assert reconciler == []
        assert attaches(aws) == 1


# --- Redis down during the reconciliation ------------------------------------------------------


def test_redis_down_during_reconcile_is_a_clear_error_and_the_next_round_applies_once(
    aws, rds, caplog
) -> None:
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request_id = attach_request(desk, aws)
    clock.now += QUIET
    store, trail = desk.store, desk.trail
    dead = "redis://127.0.0.1:1/15"  # nothing listens there
    desk.store = RedisApprovalStore.from_url(dead)
    desk.trail = RedisAuditLog.from_url(dead)

    with pytest.raises(StoreError, match=r"the state store \(Redis\) failed"):
        desk.reconcile()
    assert ApplyReconciler(desk.reconcile).run_once() == 0
    assert "apply reconciliation postponed: the state store (Redis) failed" in caplog.text
    assert aws.iam.sent == []

    desk.store, desk.trail = store, trail  # Redis is back
    assert desk.get(request_id).state is State.APPROVED  # nothing half done
    assert [r.state for r in desk.reconcile()] == [State.APPLIED]
    assert attaches(aws) == 1


def test_redis_failing_at_the_move_to_applying_leaves_it_approved_for_the_next_round(
    aws, rds, caplog
) -> None:
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request_id = attach_request(desk, aws)
    clock.now += QUIET
    fault = Fault(
        desk, "store.transition", lambda _rid, to, **_kw: to is State.APPLYING, REDIS_DOWN
    )
    assert desk.reconcile() == []
    assert fault.fired == 1
    assert f"could not resume approved request {request_id} yet" in caplog.text
    assert desk.get(request_id).state is State.APPROVED
    assert aws.iam.sent == []
    assert [r.state for r in desk.reconcile()] == [State.APPLIED]
    assert attaches(aws) == 1


def test_redis_failing_mid_resumed_apply_is_finished_from_iam_once(aws, rds, caplog) -> None:
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request_id = attach_request(desk, aws)
    clock.now += QUIET
    Fault(desk, "store.journal", _journal("result", "AttachUserPolicy"), REDIS_DOWN)
    assert desk.reconcile() == []  # interrupted again: now 'applying', journalled
    assert f"could not resume approved request {request_id} yet" in caplog.text
    assert "The request stays 'applying'" in caplog.text
    assert desk.get(request_id).state is State.APPLYING
    assert attaches(aws) == 1  # the call reached IAM
    assert desk.reconcile() == []  # its journal is fresh: an applier may still be at work
    clock.now += QUIET
    finished = desk.reconcile()
    assert [r.state for r in finished] == [State.APPLIED]
    assert "reconciled from IAM after an interrupted apply" in finished[0].outcome
    assert attaches(aws) == 1  # judged from IAM, not sent again
    assert desk.reconcile() == []


# --- Slack is brought up to date ---------------------------------------------------------------


class RecordingDelivery:
    def __init__(self) -> None:
        self.updates: list[tuple[str, str, dict[str, Any]]] = []
        self.posts: list[tuple[str, dict[str, Any], str | None]] = []

    def update(self, channel: str, ts: str, message: dict[str, Any]) -> None:
        self.updates.append((channel, ts, message))

    def post(self, channel: str, message: dict[str, Any], thread_ts: str | None = None) -> str:
        self.posts.append((channel, message, thread_ts))
        return "1700000000.000900"


@pytest.mark.parametrize("late", [False, True], ids=["applied", "expired"])
def test_slack_message_and_thread_say_what_the_reconciler_did(aws, rds, late: bool) -> None:
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request_id = attach_request(desk, aws)
    desk.store.annotate(request_id, channel="C0APPROVE", message_ts="1700000000.000100")
    clock.now = desk.get(request_id).expires_at if late else clock.now + QUIET
    delivery = RecordingDelivery()
    services = SimpleNamespace(approvals=desk, delivery=delivery)

    assert reconcile_applying(services) == 1  # type: ignore[arg-type]
    [(channel, ts, message)] = delivery.updates
    assert (channel, ts) == ("C0APPROVE", "1700000000.000100")
    shown = json.dumps(message["blocks"])
    assert '"type": "actions"' not in shown  # no buttons left
    [(channel, thread, thread_ts)] = delivery.posts
    assert (channel, thread_ts) == ("C0APPROVE", "1700000000.000100")
    said = json.dumps(thread["blocks"])
    if late:
        assert "Expired" in shown
        assert "expired at" in said
        assert "Nothing was changed;" in said
        assert "Undo" not in said
        assert aws.iam.sent == []
    else:
        assert "Applied" in shown
        assert RESUMED in said
        assert "Undo" in said
        assert attaches(aws) == 1
    assert reconcile_applying(services) == 0  # type: ignore[arg-type]
    assert len(delivery.posts) == 1  # told once


def test_a_click_stalled_on_slack_while_the_reconciler_resumed_it_is_told_and_applies_nothing(
    aws, rds
) -> None:
    """The click approved, then hung on chat.update past ``stale_after``; the reconciler applied
    the approval meanwhile. The click's own apply is refused: it says so, and the thread has one
    result, the reconciler's."""
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request = desk.propose(
        requester="UREQ",
        remediation="attach_policy",
        params={"target_kind": "user", "target_name": "bob", "policy_arn": aws.ro_arn},
        is_member=NOBODY,
    )
    desk.store.annotate(request.id, channel="C0APPROVE", message_ts="1700000000.000100")
    delivery = RecordingDelivery()
    services = SimpleNamespace(approvals=desk, delivery=delivery)
    stalled = delivery.update

    def slow_update(channel: str, ts: str, message: dict[str, Any]) -> None:
        stalled(channel, ts, message)
        if len(delivery.updates) == 1:  # the click's refresh after approve hangs here
            clock.now += QUIET
            assert reconcile_applying(services) == 1  # type: ignore[arg-type]

    delivery.update = slow_update  # type: ignore[method-assign]
    told: list[Any] = []
    body = {"user": {"id": "UAPP"}, "actions": [{"value": json.dumps({"id": request.id})}]}
    on_approve(services, body, told.append)  # type: ignore[arg-type]

    assert attaches(aws) == 1
    assert desk.get(request.id).state is State.APPLIED
    assert len(told) == 1
    assert "already approved (now applied) by <@UAPP>" in json.dumps(told[0])
    assert len(delivery.posts) == 1  # one result in the thread, the reconciler's
    assert RESUMED in json.dumps(delivery.posts[0][1]["blocks"])
