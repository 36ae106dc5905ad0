"""A request that lapses: nobody approved or rejected it before its expiry.

It used to leave no trail entry at all: the store wrote `expired` down silently whenever
something read it, so the trail's last word about it was its `request`, and with nobody reading
it, it stayed `pending` in the store with live buttons in Slack. Now the lapse is a move of its
own: the reconciler's round (or the first click or read after the expiry) moves it pending ->
expired, once, however many replicas see it at the same instant, and writes one `result` entry
naming who asked, what it would have changed and when it expired. The move indexes it as
unrecorded in the same transaction, so a trail failure or a crash before the entry is repaired
by the next reconciliation (marked recovered), like every other end.

Real Redis (db 15, a prefix per test) and moto IAM, with the fixtures of the crash-halfway sweep.
"""

from __future__ import annotations

import argparse
import json
import threading
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from bot.approvals.desk import ApprovalDesk, Refused
from bot.approvals.model import ApprovalRequest, State, TransitionRefused
from bot.clicmd import history
from bot.slack.approval_blocks import history_message
from bot.store.audit_log import RedisAuditLog
from commands.approvals import on_approve, on_reject_click, reconcile_applying
from tests.integration import test_crash_halfway_sweep as sweep
from tests.integration.test_crash_approved_not_applied import (
    QUIET,
    RecordingDelivery,
    pending_request,
)
from tests.integration.test_crash_halfway_sweep import (
    NOBODY,
    REDIS_DOWN,
    Clock,
    Fault,
    _trail_kind,
    make_desk,
    trail_kinds,
)

aws = sweep.aws  # moto IAM: user bob, policy ro (fixture)
rds = sweep.rds  # the suite's Redis under this test's own prefix (fixture)

CHANNEL, TS = "C0APPROVE", "1700000000.000100"


def results(desk: ApprovalDesk, request_id: str) -> list[Any]:
    return [e for e in desk.trail.export() if e.kind == "result" and e.request_id == request_id]


def past_expiry(clock: Clock, request: ApprovalRequest) -> None:
    clock.now = request.expires_at + timedelta(seconds=1)


# --- the lapse is written down once, with what it was about ----------------------------------


def test_the_reconciler_writes_a_lapse_with_who_asked_what_and_when(aws, rds) -> None:
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request = pending_request(desk, aws)
    clock.now = request.expires_at - timedelta(seconds=1)
    assert desk.reconcile() == []  # not yet
    past_expiry(clock, request)

    finished = desk.reconcile()
    assert [(r.id, r.state) for r in finished] == [(request.id, State.EXPIRED)]
    assert desk.store.get(request.id, now=clock.now).state is State.EXPIRED  # in the store too
    [entry] = results(desk, request.id)
    assert entry.actor == "bot"
    assert entry.data["state"] == "expired"
    assert entry.data["lapsed"] is True
    assert entry.data["requester"] == "UREQ"
    assert entry.data["would_change"] == request.summary
    assert entry.data["remediation"] == "attach_policy"
    assert entry.data["target"] == request.target.to_dict()
    assert entry.data["expired_at"] == request.expires_at.isoformat()
    assert "nobody approved or rejected it" in entry.data["outcome"]
    assert "recovered" not in entry.data
    assert trail_kinds(desk, request.id) == ["request", "result"]
    assert desk.store.unrecorded() == []  # its entry is written: nothing left to repair
    clock.now += QUIET * 3
    assert desk.reconcile() == []  # written once
    assert len(results(desk, request.id)) == 1
    assert aws.iam.sent == []


def test_reading_a_lapsed_request_writes_its_lapse_once(aws, rds) -> None:
    """The first read after the expiry (a click, `get`) makes the move and writes the entry; the
    next read and the reconciler find it written."""
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request = pending_request(desk, aws)
    past_expiry(clock, request)
    assert desk.get(request.id).state is State.EXPIRED
    assert desk.get(request.id).state is State.EXPIRED
    clock.now += QUIET * 3
    assert desk.reconcile() == []
    assert len(results(desk, request.id)) == 1
    assert trail_kinds(desk, request.id) == ["request", "result"]


def test_a_pending_request_is_not_expired_before_its_time(aws, rds) -> None:
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request = pending_request(desk, aws)
    with pytest.raises(TransitionRefused, match="has not expired"):
        desk.store.transition(request.id, State.EXPIRED, actor="bot", now=clock.now)
    assert desk.get(request.id).state is State.PENDING


@pytest.mark.parametrize("how", ["reconcile", "read"])
def test_two_replicas_seeing_the_lapse_at_once_write_one_entry(aws, rds, how: str) -> None:
    clock = Clock()
    desks = [make_desk(aws, rds, clock) for _ in range(4)]
    request = pending_request(desks[0], aws)
    past_expiry(clock, request)
    start = threading.Barrier(len(desks))
    errors: list[BaseException] = []

    def replica(desk: ApprovalDesk) -> None:
        try:
            start.wait()
            if how == "reconcile":
                desk.reconcile()
            else:
                desk.get(request.id)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=replica, args=(d,)) for d in desks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(results(desks[0], request.id)) == 1
    clock.now += QUIET * 3
    assert desks[1].reconcile() == []
    assert len(results(desks[0], request.id)) == 1


# --- repaired after a trail failure or a crash -----------------------------------------------


def test_a_lapse_whose_entry_was_lost_is_written_by_the_next_round(aws, rds) -> None:
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request = pending_request(desk, aws)
    past_expiry(clock, request)
    fault = Fault(desk, "trail.append", _trail_kind("result"), REDIS_DOWN)
    assert [r.state for r in desk.reconcile()] == [State.EXPIRED]
    assert fault.fired == 1
    assert results(desk, request.id) == []
    assert [r.id for r in desk.store.unrecorded()] == [request.id]
    assert desk.reconcile() == []  # the mover may still be writing it
    clock.now += QUIET + timedelta(seconds=1)
    assert [r.id for r in desk.reconcile()] == [request.id]
    [entry] = results(desk, request.id)
    assert entry.data["recovered"] is True
    assert entry.data["lapsed"] is True
    assert entry.data["requester"] == "UREQ"
    assert desk.store.unrecorded() == []
    assert desk.reconcile() == []
    assert len(results(desk, request.id)) == 1


def test_a_click_whose_lapse_entry_failed_is_still_told_it_expired(aws, rds) -> None:
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request = pending_request(desk, aws)
    past_expiry(clock, request)
    Fault(desk, "trail.append", _trail_kind("result"), REDIS_DOWN)
    with pytest.raises(TransitionRefused, match="expired at"):
        desk.approve(request.id, approver="UAPP", is_member=NOBODY)
    clock.now += QUIET + timedelta(seconds=1)
    desk.reconcile()
    assert len(results(desk, request.id)) == 1


def test_a_crash_between_the_lapse_and_its_entry_is_repaired(aws, rds) -> None:
    """The move is stored and the process dies before the trail write: the move itself indexed
    the request as unrecorded, so the next round writes its lapse."""
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request = pending_request(desk, aws)
    past_expiry(clock, request)
    desk.store.transition(request.id, State.EXPIRED, actor="bot", now=clock.now)  # then: crash
    clock.now += QUIET + timedelta(seconds=1)
    assert [r.id for r in desk.reconcile()] == [request.id]
    [entry] = results(desk, request.id)
    assert entry.data["lapsed"] is True
    assert entry.data["recovered"] is True
    assert entry.data["expired_at"] == request.expires_at.isoformat()


# --- what people see -------------------------------------------------------------------------


def test_a_click_on_a_lapsed_request_says_it_lapsed_and_changes_nothing(aws, rds) -> None:
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request = pending_request(desk, aws)
    when = request.expires_at.isoformat(timespec="seconds")
    clock.now = request.expires_at + timedelta(days=3)  # read days later: the expiry time stands
    for _ in range(2):  # the first click makes the move, the second finds it made
        with pytest.raises(TransitionRefused) as refused:
            desk.approve(request.id, approver="UAPP", is_member=NOBODY)
        said = str(refused.value)
        assert f"expired at {when}" in said
        assert "before anyone approved or rejected it" in said
        assert "nothing was changed" in said
        assert "make a new one" in said
    assert desk.get(request.id).state is State.EXPIRED
    assert aws.iam.sent == []
    assert trail_kinds(desk, request.id) == ["request", "result", "refused", "refused"]


def test_the_requester_clicking_approve_on_their_lapsed_request_is_told_it_lapsed(aws, rds) -> None:
    """Four eyes is moot once the request has ended: its own requester is told what became of
    it, not "you cannot approve your own request"; a pending one still gets the four-eyes
    refusal."""
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request = pending_request(desk, aws)
    with pytest.raises(Refused, match="your own request"):
        desk.approve(request.id, approver=request.requester, is_member=NOBODY)
    clock.now = request.expires_at + timedelta(minutes=1)
    with pytest.raises(TransitionRefused) as refused:
        desk.approve(request.id, approver=request.requester, is_member=NOBODY)
    assert "before anyone approved or rejected it" in str(refused.value)
    assert "your own request" not in str(refused.value)
    assert desk.get(request.id).state is State.EXPIRED
    assert aws.iam.sent == []


def test_slack_clicks_on_a_lapsed_request_are_answered_and_its_buttons_go(aws, rds) -> None:
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request = pending_request(desk, aws)
    desk.store.annotate(request.id, channel=CHANNEL, message_ts=TS)
    past_expiry(clock, request)
    delivery = RecordingDelivery()
    services = SimpleNamespace(approvals=desk, delivery=delivery)
    body = {"user": {"id": "UAPP"}, "actions": [{"value": json.dumps({"id": request.id})}]}
    told: list[Any] = []
    on_approve(services, body, told.append)  # type: ignore[arg-type]
    on_reject_click(services, body, told.append)  # type: ignore[arg-type]
    assert len(told) == 2
    for reply in told:
        assert "before anyone approved or rejected it" in json.dumps(reply)
    assert delivery.updates  # the message was refreshed: no buttons, the lapse shown
    shown = json.dumps(delivery.updates[-1][2]["blocks"])
    assert '"type": "actions"' not in shown
    assert "Lapsed" in shown
    assert aws.iam.sent == []
    assert len(results(desk, request.id)) == 1


def test_the_reconciler_takes_the_buttons_off_a_lapsed_request(aws, rds) -> None:
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request = pending_request(desk, aws)
    desk.store.annotate(request.id, channel=CHANNEL, message_ts=TS)
    past_expiry(clock, request)
    delivery = RecordingDelivery()
    services = SimpleNamespace(approvals=desk, delivery=delivery)
    assert reconcile_applying(services) == 1  # type: ignore[arg-type]
    [(channel, ts, message)] = delivery.updates
    assert (channel, ts) == (CHANNEL, TS)
    shown = json.dumps(message["blocks"])
    assert '"type": "actions"' not in shown
    assert "Expired" in shown
    assert "Lapsed" in shown
    assert reconcile_applying(services) == 0  # type: ignore[arg-type]
    assert len(delivery.updates) == 1


def test_history_in_slack_and_the_cli_shows_the_lapse(aws, rds, monkeypatch, capsys) -> None:
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request = pending_request(desk, aws)
    past_expiry(clock, request)
    desk.reconcile()

    text = json.dumps(history_message(desk.trail.last(10))["blocks"])
    line = next(part for part in text.split("\\n") if "result" in part and request.id in part)
    assert "result expired" in line
    assert "Lapsed" in line

    trail = desk.trail
    assert isinstance(trail, RedisAuditLog)
    monkeypatch.setattr(RedisAuditLog, "from_url", classmethod(lambda cls, *_a, **_k: trail))
    args = argparse.Namespace(redis_url="redis://unused", limit=0, format="json", output=None)
    assert history.run(args) == 0
    exported = [e for e in json.loads(capsys.readouterr().out) if e["request_id"] == request.id]
    assert [e["kind"] for e in exported] == ["request", "result"]
    assert exported[1]["data"]["requester"] == "UREQ"
    assert exported[1]["data"]["expired_at"] == request.expires_at.isoformat()


def test_the_digest_no_longer_counts_a_lapsed_request_as_pending(aws, rds) -> None:
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request = pending_request(desk, aws)
    assert [r.id for r in desk.store.pending(now=clock.now)] == [request.id]
    past_expiry(clock, request)
    assert desk.store.pending(now=clock.now) == []


@pytest.mark.parametrize("end", ["lapsed", "rejected"])
def test_two_reconcilers_repairing_the_same_lost_entry_write_it_once(aws, rds, end: str) -> None:
    """Both replicas' rounds list the same unrecorded request before either writes: one claims
    it (atomically, in the index) and writes it; the other leaves it. They used to write it
    twice, both marked recovered."""
    clock = Clock()
    desks = [make_desk(aws, rds, clock) for _ in range(2)]
    request = pending_request(desks[0], aws)
    if end == "lapsed":
        past_expiry(clock, request)
        desks[0].store.transition(request.id, State.EXPIRED, actor="bot", now=clock.now)
    else:
        desks[0].store.transition(request.id, State.REJECTED, actor="UAPP", now=clock.now)
    clock.now += QUIET + timedelta(seconds=1)
    listed = threading.Barrier(2)
    for desk in desks:  # both rounds hold the list before either writes
        listing = desk.store.unrecorded

        def unrecorded(*args: Any, _listing: Any = listing, **kwargs: Any) -> Any:
            found = _listing(*args, **kwargs)
            if not listed.broken:  # the two rounds only (aborted after them)
                listed.wait(10)
            return found

        desk.store.unrecorded = unrecorded  # type: ignore[method-assign]
    rounds: list[list[ApprovalRequest]] = [[], []]

    def run(i: int) -> None:
        rounds[i] = desks[i].reconcile()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    kinds = ("result",) if end == "lapsed" else ("decision",)
    written = [e for e in desks[0].trail.export() if e.request_id == request.id and e.kind in kinds]
    assert len(written) == 1
    assert sorted(len(r) for r in rounds) == [0, 1]  # Slack is told by the one that wrote it
    listed.abort()  # the rounds are over
    assert desks[0].store.unrecorded() == []
