"""Slack is told of an end even when its teller dies between claiming it and posting it.

Telling Slack of an end (message refreshed, result in the thread) is claimed once per request,
so a repair never tells it twice. The claim used to be the end of the story: a process killed
after claiming and before (or while) posting left the thread silent for good, since every later
teller found the claim taken. Now the claim is indexed as untold, with the time it was taken,
until the post succeeded; a reconciler round tells again an end whose claim is older than its
stale window and never confirmed, a failed post stays untold for the next round (up to
MAX_NOTICE_ATTEMPTS attempts, then it is given up with an error in the log), and a claim
stored by an older version (no index entry) counts as told.

The claim is made by the final move itself (same MULTI/EXEC, or the in-memory store's lock), so
a process killed between storing the end and claiming it no longer leaves Slack untold for good;
the bot withdrawing a request follows the same protocol, so the repair of a withdrawal's lost
trail entry no longer posts it to the channel again.

Real Redis (db 15, a prefix per test) and moto IAM, with the fixtures of the crash-halfway sweep
and the Slack side of commands/approvals.py (on_approve, on_reject_submit, reconcile_applying).
"""

# ruff: noqa: F811 - the store fixtures are test_approvals_store's, taken by name

from __future__ import annotations

import json
import logging
import threading
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from bot.approvals.desk import MAX_NOTICE_ATTEMPTS, ApprovalDesk
from bot.approvals.model import ApprovalRequest, State
from bot.model.errors import DeliveryError, InputError
from bot.slack.approval_blocks import REASON_BLOCK, REASON_INPUT
from bot.store.approvals import InMemoryApprovalStore, RedisApprovalStore
from commands.approval_requests import post_request, withdraw_unrecorded
from commands.approvals import on_approve, on_reject_submit, reconcile_applying
from tests.fake_clock import Clock
from tests.integration import test_crash_halfway_sweep as sweep
from tests.integration.test_approvals_lapse import CHANNEL, TS, results
from tests.integration.test_approvals_store import T0, client, new_request, prefix, store  # noqa: F401
from tests.integration.test_crash_approved_not_applied import (
    QUIET,
    RecordingDelivery,
    pending_request,
)
from tests.integration.test_crash_halfway_sweep import REDIS_DOWN, Fault, _trail_kind, make_desk

aws = sweep.aws  # moto IAM: user bob, policy ro (fixture)
rds = sweep.rds  # the suite's Redis under this test's own prefix (fixture)

RATE_LIMITED = DeliveryError(
    "Slack refused chat.postMessage: ratelimited", slack_error="ratelimited"
)


class Killed(BaseException):
    """The process dies here: nothing after it runs (not an error any code catches)."""


class FlakyDelivery(RecordingDelivery):
    """Records what reached Slack; the next ``failing`` posts raise ``error`` instead, and with
    ``hold`` set a post waits on it (a post in flight)."""

    def __init__(self, failing: int = 0, error: BaseException = RATE_LIMITED) -> None:
        super().__init__()
        self.failing = failing
        self.error = error
        self.attempts = 0
        self.hold: threading.Event | None = None
        self.posting = threading.Event()

    def post(self, channel: str, message: dict[str, Any], thread_ts: str | None = None) -> str:
        self.attempts += 1
        self.posting.set()
        if self.hold is not None:
            self.hold.wait(30)
        if self.failing:
            self.failing -= 1
            raise self.error
        return super().post(channel, message, thread_ts)


def replies(delivery: RecordingDelivery) -> list[dict[str, Any]]:
    return [message for _channel, message, thread in delivery.posts if thread == TS]


def approve_click(request_id: str) -> dict[str, Any]:
    return {"user": {"id": "UAPP"}, "actions": [{"value": json.dumps({"id": request_id})}]}


def start(aws: Any, rds: Any) -> tuple[Clock[Any], ApprovalDesk, str]:
    """A desk on the fake clock, and a pending request with its Slack message."""
    clock = Clock(sweep.T0)
    desk = make_desk(aws, rds, clock)
    request = pending_request(desk, aws)
    desk.store.annotate(request.id, channel=CHANNEL, message_ts=TS)
    return clock, desk, request.id


def untold(desk: ApprovalDesk, clock: Clock[Any]) -> list[str]:
    return [r.id for r in desk.store.untold(before=clock.now)]


def test_killed_between_claim_and_post_is_told_once_after_the_stale_window(aws, rds) -> None:
    clock, desk, request_id = start(aws, rds)
    delivery = FlakyDelivery(failing=1, error=Killed())
    services = SimpleNamespace(approvals=desk, delivery=delivery)
    with pytest.raises(Killed):  # applied and claimed; dies posting the result
        on_approve(services, approve_click(request_id), lambda _message: None)  # type: ignore[arg-type]
    assert desk.store.get(request_id, now=clock.now).state is State.APPLIED
    assert replies(delivery) == []

    clock.now += QUIET - timedelta(seconds=1)  # the teller might still be posting
    assert reconcile_applying(services) == 0  # type: ignore[arg-type]
    assert replies(delivery) == []

    clock.now += timedelta(seconds=2)
    assert reconcile_applying(services) == 1  # type: ignore[arg-type]
    [said] = replies(delivery)
    assert "applied" in json.dumps(said).lower()
    assert untold(desk, clock) == []
    clock.now += 3 * QUIET
    assert reconcile_applying(services) == 0  # type: ignore[arg-type]
    assert len(replies(delivery)) == 1


def test_a_post_in_flight_within_the_window_is_not_told_by_the_reconciler(aws, rds) -> None:
    clock, desk, request_id = start(aws, rds)
    delivery = FlakyDelivery()
    delivery.hold = threading.Event()
    services = SimpleNamespace(approvals=desk, delivery=delivery)
    click = threading.Thread(
        target=on_approve, args=(services, approve_click(request_id), lambda _m: None)
    )
    click.start()
    try:
        assert delivery.posting.wait(30)  # the click's thread reply is on its way
        assert untold(desk, clock) == [request_id]  # claimed, not confirmed yet
        clock.now += QUIET - timedelta(seconds=1)
        reconciler = SimpleNamespace(approvals=desk, delivery=RecordingDelivery())
        assert reconcile_applying(reconciler) == 0  # type: ignore[arg-type]
        assert reconciler.delivery.posts == []
        assert reconciler.delivery.updates == []
    finally:
        delivery.hold.set()
        click.join(30)
    assert len(replies(delivery)) == 1
    assert untold(desk, clock) == []  # confirmed by the click once posted
    clock.now += 3 * QUIET
    assert reconcile_applying(reconciler) == 0  # type: ignore[arg-type]
    assert reconciler.delivery.posts == []


def test_a_failed_post_stays_untold_and_is_told_by_a_later_round(aws, rds, caplog) -> None:
    clock, desk, request_id = start(aws, rds)
    delivery = FlakyDelivery(failing=2)  # the click's post and the first retry: 429
    services = SimpleNamespace(approvals=desk, delivery=delivery)
    with pytest.raises(DeliveryError):
        on_approve(services, approve_click(request_id), lambda _message: None)  # type: ignore[arg-type]
    assert untold(desk, clock) == [request_id]

    clock.now += QUIET
    with caplog.at_level(logging.ERROR, logger="bot.approvals.desk"):
        reconcile_applying(services)  # type: ignore[arg-type]
    assert "could not tell Slack" in caplog.text
    assert "ratelimited" in caplog.text
    assert replies(delivery) == []
    assert delivery.attempts == 2
    assert untold(desk, clock) == [request_id]  # stays untold for the next round

    clock.now += QUIET - timedelta(seconds=1)  # one window after the retry, not after the claim
    reconcile_applying(services)  # type: ignore[arg-type]
    assert delivery.attempts == 2
    clock.now += timedelta(seconds=1)
    reconcile_applying(services)  # type: ignore[arg-type]
    assert len(replies(delivery)) == 1
    assert delivery.attempts == 3
    assert untold(desk, clock) == []
    clock.now += 3 * QUIET
    reconcile_applying(services)  # type: ignore[arg-type]
    assert delivery.attempts == 3


def test_an_end_slack_never_takes_is_given_up_after_its_attempts(aws, rds, caplog) -> None:
    """A lasting refusal (message deleted, channel archived) is not retried for ever."""
    clock, desk, request_id = start(aws, rds)
    gone = DeliveryError("Slack refused chat.postMessage: channel_not_found", slack_error="x")
    delivery = FlakyDelivery(failing=1000, error=gone)
    services = SimpleNamespace(approvals=desk, delivery=delivery)
    with pytest.raises(DeliveryError):
        on_approve(services, approve_click(request_id), lambda _message: None)  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR, logger="bot.approvals.desk"):
        for _round in range(MAX_NOTICE_ATTEMPTS + 3):
            clock.now += QUIET
            reconcile_applying(services)  # type: ignore[arg-type]
    assert delivery.attempts == MAX_NOTICE_ATTEMPTS
    assert f"gave up telling Slack of the end of {request_id}" in caplog.text
    assert untold(desk, clock) == []
    assert desk.store.get(request_id, now=clock.now).state is State.APPLIED


def test_a_claim_stored_by_an_older_version_counts_as_told(aws, rds) -> None:
    """Before the untold index a claim was a bare '1': the end was told (or its teller died,
    which that version could not tell apart). It is not told again, also by the repair of the
    end's lost trail entry."""
    clock, desk, request_id = start(aws, rds)
    client, prefix = rds
    desk.store.transition(request_id, State.APPROVED, actor="UAPP", now=clock.now)
    desk.store.transition(request_id, State.APPLYING, actor="bot", now=clock.now)
    desk.store.transition(request_id, State.FAILED, actor="bot", now=clock.now, outcome="x")
    # What that version left: its claim, and no untold entry (its moves never made one).
    client.zrem(f"{prefix}approvals:untold", request_id)
    client.set(f"{prefix}approvals:told:{request_id}", "1", ex=3600)  # then: crash
    services = SimpleNamespace(approvals=desk, delivery=RecordingDelivery())
    assert not desk.claim_end_notice(desk.get(request_id))
    clock.now += QUIET + timedelta(seconds=1)
    reconcile_applying(services)  # type: ignore[arg-type]  # the repair of its entry
    [entry] = results(desk, request_id)
    assert entry.data["recovered"] is True
    assert services.delivery.posts == []
    assert services.delivery.updates == []
    assert untold(desk, clock) == []


def test_redis_down_while_confirming_is_logged_and_the_click_goes_on(aws, rds, caplog) -> None:
    """The thread has the result; the lost confirmation is a warning, not a traceback, and a
    round one window later tells it once more: twice rather than never."""
    clock, desk, request_id = start(aws, rds)
    delivery = FlakyDelivery()
    services = SimpleNamespace(approvals=desk, delivery=delivery)
    fault = Fault(desk, "store.notice_told", lambda *_a, **_k: True, REDIS_DOWN)
    told: list[Any] = []
    with caplog.at_level(logging.WARNING):
        on_approve(services, approve_click(request_id), told.append)  # type: ignore[arg-type]
    assert fault.fired == 1
    assert told == []  # nothing for the approver to hear: the thread has the result
    assert len(replies(delivery)) == 1
    [warning] = [r for r in caplog.records if "could not record it" in r.getMessage()]
    assert warning.levelno == logging.WARNING
    assert warning.exc_info is None
    assert "Traceback" not in caplog.text
    clock.now += QUIET
    reconcile_applying(services)  # type: ignore[arg-type]
    assert len(replies(delivery)) == 2
    assert untold(desk, clock) == []


def test_a_rejection_whose_teller_dies_before_its_thread_reply_is_told_later(aws, rds) -> None:
    clock, desk, request_id = start(aws, rds)
    delivery = FlakyDelivery(failing=1, error=Killed())
    services = SimpleNamespace(approvals=desk, delivery=delivery)
    view = {
        "private_metadata": json.dumps({"id": request_id, "channel": CHANNEL, "ts": TS}),
        "state": {"values": {REASON_BLOCK: {REASON_INPUT: {"value": "not now"}}}},
    }
    with pytest.raises(Killed):
        on_reject_submit(services, {"user": {"id": "UAPP"}, "view": view})  # type: ignore[arg-type]
    assert desk.store.get(request_id, now=clock.now).state is State.REJECTED
    clock.now += QUIET
    reconcile_applying(services)  # type: ignore[arg-type]
    [said] = replies(delivery)
    assert "not now" in json.dumps(said)
    clock.now += QUIET
    reconcile_applying(services)  # type: ignore[arg-type]
    assert len(replies(delivery)) == 1


# --- the store ---------------------------------------------------------------------------------


def test_a_claim_is_untold_until_confirmed_and_taken_again_once_per_round(store) -> None:
    """The final move claims telling Slack of it (untold at the move's time); a move whose
    caller shows it without a post (``told``) claims it as told."""
    ended = new_request()
    store.create(ended)
    store.transition(ended.id, State.REJECTED, actor="UAPP", now=T0, reason="no")
    quiet = new_request()
    store.create(quiet)
    store.transition(quiet.id, State.REJECTED, actor="UAPP", now=T0, reason="no", told=True)

    assert not store.claim_notice(ended.id, now=T0)  # the move's
    assert not store.claim_notice(quiet.id, now=T0)
    assert store.untold(before=T0 - timedelta(seconds=1)) == []
    assert [r.id for r in store.untold(before=T0)] == [ended.id]

    due, now = T0 + timedelta(minutes=1), T0 + timedelta(minutes=11)
    assert store.reclaim_notice(ended.id, due_by=due, now=now) == 2
    assert store.reclaim_notice(ended.id, due_by=due, now=now) == 0  # another replica's round
    assert store.untold(before=due) == []
    assert store.reclaim_notice(ended.id, due_by=now, now=now) == 3
    store.notice_told(ended.id)
    assert store.untold(before=now) == []
    assert store.reclaim_notice(ended.id, due_by=now, now=now) == 0
    assert store.reclaim_notice(quiet.id, due_by=now, now=now) == 0


def test_reconcilers_racing_on_one_untold_end_take_it_once(client, prefix) -> None:
    stores = [RedisApprovalStore(client, prefix=prefix) for _ in range(8)]
    ended = new_request()
    stores[0].create(ended)
    stores[0].transition(ended.id, State.CANCELLED, actor="UREQ", now=T0, reason="no")
    assert not stores[0].claim_notice(ended.id, now=T0)  # the move claimed it, untold
    later = T0 + timedelta(minutes=20)
    barrier = threading.Barrier(len(stores))
    attempts: list[int] = []

    def take(store: RedisApprovalStore) -> None:
        barrier.wait(10)
        attempts.append(store.reclaim_notice(ended.id, due_by=T0, now=later))

    threads = [threading.Thread(target=take, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(attempts) == [0] * (len(stores) - 1) + [2]


# --- killed between the final move and any claim; withdrawals ------------------------------------


def on_store(desk: ApprovalDesk, kind: str) -> ApprovalDesk:
    """``desk`` on a Redis store (as made) or on the in-memory one (the no-REDIS_URL trial)."""
    if kind == "memory":
        desk.store = InMemoryApprovalStore()
    return desk


def begin(aws: Any, rds: Any, kind: str) -> tuple[Clock[Any], ApprovalDesk, str]:
    """``start`` on the store ``kind``: a pending request with its Slack message."""
    clock = Clock(sweep.T0)
    desk = on_store(make_desk(aws, rds, clock), kind)
    request = pending_request(desk, aws)
    desk.store.annotate(request.id, channel=CHANNEL, message_ts=TS)
    return clock, desk, request.id


def survivor(aws: Any, rds: Any, clock: Clock[Any], dead: ApprovalDesk) -> ApprovalDesk:
    """The process that carries on: a new desk on the same Redis, or, in memory, the same store
    (the thread that was telling died, the process lives)."""
    desk = make_desk(aws, rds, clock)
    if isinstance(dead.store, InMemoryApprovalStore):
        desk.store = dead.store
    return desk


def die_after_recording(desk: ApprovalDesk) -> None:
    """The process is killed right after the final move and its trail entry (the last thing the
    move's bookkeeping writes): nothing was claimed or told, and nothing is lost to repair."""
    recorded = desk.store.result_recorded

    def then_killed(request_id: str) -> None:
        recorded(request_id)
        raise Killed

    desk.store.result_recorded = then_killed  # type: ignore[method-assign]


def reject_view(request_id: str) -> dict[str, Any]:
    view = {
        "private_metadata": json.dumps({"id": request_id, "channel": CHANNEL, "ts": TS}),
        "state": {"values": {REASON_BLOCK: {REASON_INPUT: {"value": "not now"}}}},
    }
    return {"user": {"id": "UAPP"}, "view": view}


def end_and_die(how: str, desk: ApprovalDesk, clock: Clock[Any], request_id: str) -> None:
    services = SimpleNamespace(approvals=desk, delivery=RecordingDelivery())
    if how == "approved":
        on_approve(services, approve_click(request_id), lambda _message: None)  # type: ignore[arg-type]
    elif how == "rejected":
        on_reject_submit(services, reject_view(request_id))  # type: ignore[arg-type]
    else:  # lapsed, by the reconciler's round
        clock.now = desk.store.get(request_id, now=clock.now).expires_at
        reconcile_applying(services)  # type: ignore[arg-type]
    assert services.delivery.posts == []  # died before telling anything


@pytest.mark.parametrize("kind", ["redis", "memory"])
@pytest.mark.parametrize("how", ["approved", "rejected", "lapsed"])
def test_killed_right_after_the_final_move_is_told_once_after_the_window(
    aws, rds, how: str, kind: str
) -> None:
    """The end is stored and its trail entry written, then the process dies before claiming or
    telling: the move itself claimed it (untold), so a round one stale window after the move
    tells it, once; before that window nobody does (its mover might still be posting)."""
    clock, desk, request_id = begin(aws, rds, kind)
    die_after_recording(desk)
    with pytest.raises(Killed):
        end_and_die(how, desk, clock, request_id)
    ended = desk.store.get(request_id, now=clock.now)
    assert ended.state is {"approved": State.APPLIED, "rejected": State.REJECTED}.get(
        how, State.EXPIRED
    )
    assert desk.store.unrecorded() == []  # its trail entry is written: no repair to come

    later = survivor(aws, rds, clock, desk)
    delivery = RecordingDelivery()
    services = SimpleNamespace(approvals=later, delivery=delivery)
    clock.now += QUIET - timedelta(seconds=1)
    reconcile_applying(services)  # type: ignore[arg-type]
    assert delivery.posts == []
    assert delivery.updates == []

    clock.now += timedelta(seconds=2)
    assert reconcile_applying(services) == 1  # type: ignore[arg-type]
    [said] = replies(delivery)
    assert ended.state.value in json.dumps(said).lower()
    assert len(delivery.updates) == 1  # the buttons go
    assert untold(later, clock) == []
    clock.now += 3 * QUIET
    assert reconcile_applying(services) == 0  # type: ignore[arg-type]
    assert len(delivery.posts) == 1


class DiesUpdating(RecordingDelivery):
    """The process is killed while updating a message."""

    def update(self, channel: str, ts: str, message: dict[str, Any]) -> None:
        raise Killed


def decisions(desk: ApprovalDesk, request_id: str, state: State) -> list[Any]:
    return [
        e
        for e in desk.trail.export()
        if e.kind == "decision" and e.request_id == request_id and e.data["state"] == state.value
    ]


def unposted(aws: Any, rds: Any, kind: str) -> tuple[Clock[Any], ApprovalDesk, ApprovalRequest]:
    """A pending request for the approvals channel whose Slack message is not recorded (not
    posted yet, or the store failed to record where)."""
    clock = Clock(sweep.T0)
    desk = on_store(make_desk(aws, rds, clock), kind)
    request = desk.store.annotate(pending_request(desk, aws).id, channel=CHANNEL)
    return clock, desk, request


@pytest.mark.parametrize("kind", ["redis", "memory"])
def test_a_withdrawal_whose_entry_is_lost_is_not_posted_again_by_the_repair(
    aws, rds, kind: str
) -> None:
    """The bot withdraws a request whose message it could not record, taking the buttons off
    that message; the withdrawal's `decision` entry fails. The repair writes the entry (marked
    recovered) and posts nothing: the updated message told it (it used to post it again, as a
    new message in the channel)."""
    clock, desk, request = unposted(aws, rds, kind)
    fault = Fault(desk, "trail.append", _trail_kind("decision"), REDIS_DOWN)
    delivery = RecordingDelivery()
    services = SimpleNamespace(approvals=desk, delivery=delivery)
    withdraw_unrecorded(services, request, CHANNEL, TS)  # type: ignore[arg-type]
    assert fault.fired == 1
    assert desk.store.get(request.id, now=clock.now).state is State.CANCELLED
    [(_channel, ts, _message)] = delivery.updates
    assert ts == TS
    assert untold(desk, clock) == []

    clock.now += QUIET + timedelta(seconds=1)
    assert reconcile_applying(services) == 1  # type: ignore[arg-type]  # the repair
    [entry] = decisions(desk, request.id, State.CANCELLED)
    assert entry.data["recovered"] is True
    clock.now += 3 * QUIET
    reconcile_applying(services)  # type: ignore[arg-type]
    assert delivery.posts == []
    assert len(delivery.updates) == 1


@pytest.mark.parametrize("kind", ["redis", "memory"])
def test_a_request_withdrawn_unposted_with_its_entry_lost_is_never_posted(
    aws, rds, kind: str
) -> None:
    """Its post was refused (the bot is not in the channel), so it is withdrawn and the
    requester told; nothing of it is in Slack, so nothing is left to tell there, also when the
    withdrawal's entry is lost and repaired."""
    clock, desk, request = unposted(aws, rds, kind)
    fault = Fault(desk, "trail.append", _trail_kind("decision"), REDIS_DOWN)
    refused = DeliveryError("Slack refused chat.postMessage: not_in_channel", slack_error="x")
    delivery = FlakyDelivery(failing=1, error=refused)
    services = SimpleNamespace(approvals=desk, delivery=delivery)
    with pytest.raises(InputError, match="cannot post the approval request"):
        post_request(services, request)  # type: ignore[arg-type]
    assert fault.fired == 1
    assert desk.store.get(request.id, now=clock.now).state is State.CANCELLED

    clock.now += QUIET + timedelta(seconds=1)
    assert reconcile_applying(services) == 1  # type: ignore[arg-type]  # the repair
    assert len(decisions(desk, request.id, State.CANCELLED)) == 1
    clock.now += 3 * QUIET
    reconcile_applying(services)  # type: ignore[arg-type]
    assert delivery.attempts == 1  # the refused post only
    assert delivery.posts == []
    assert untold(desk, clock) == []


@pytest.mark.parametrize("kind", ["redis", "memory"])
def test_a_withdrawal_killed_before_its_message_update_is_told_once_later(
    aws, rds, kind: str
) -> None:
    """Withdrawn, then killed before the buttons came off: the withdrawal's move claimed the
    telling (untold), so a round a stale window later tells the channel, once."""
    clock, desk, request = unposted(aws, rds, kind)
    dying = SimpleNamespace(approvals=desk, delivery=DiesUpdating())
    with pytest.raises(Killed):
        withdraw_unrecorded(dying, request, CHANNEL, TS)  # type: ignore[arg-type]
    assert desk.store.get(request.id, now=clock.now).state is State.CANCELLED

    later = survivor(aws, rds, clock, desk)
    delivery = RecordingDelivery()
    services = SimpleNamespace(approvals=later, delivery=delivery)
    clock.now += QUIET - timedelta(seconds=1)
    reconcile_applying(services)  # type: ignore[arg-type]
    assert delivery.posts == []
    clock.now += timedelta(seconds=2)
    assert reconcile_applying(services) == 1  # type: ignore[arg-type]
    [(_channel, said, _thread)] = delivery.posts
    assert "cancelled" in json.dumps(said).lower()
    clock.now += 3 * QUIET
    reconcile_applying(services)  # type: ignore[arg-type]
    assert len(delivery.posts) == 1
    assert untold(later, clock) == []
