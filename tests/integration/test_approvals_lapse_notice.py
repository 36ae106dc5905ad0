"""One Slack thread message per lapse, also when its trail entry is repaired later.

The reconciler's round that lapses a request tells Slack (message refreshed, buttons gone, a
thread reply saying it lapsed). If the lapse's trail `result` failed, a round ``stale_after``
later writes it (marked recovered) and used to tell Slack a second time: a second thread reply
about the same lapse. Now telling Slack of an end is claimed once per request in the store:
the round that lapses it claims it, a repair tells only when nobody did (the process died
between the lapse and its message), and of two reconcilers racing, one tells.

Real Redis (db 15, a prefix per test) and moto IAM, with the fixtures of the crash-halfway sweep
and the Slack side of commands/approvals.py (reconcile_applying), as test_approvals_lapse does.
"""

# ruff: noqa: F811 - the store fixtures are test_approvals_store's, taken by name

from __future__ import annotations

import threading
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from bot.approvals.desk import ApprovalDesk
from bot.approvals.model import State
from bot.store.approvals import RedisApprovalStore
from commands.approvals import on_approve, reconcile_applying
from tests.integration import test_crash_halfway_sweep as sweep
from tests.integration.test_approvals_lapse import CHANNEL, TS, past_expiry, results
from tests.integration.test_approvals_store import (  # noqa: F401 - fixtures
    T0,
    client,
    prefix,
    store,
)
from tests.integration.test_crash_approved_not_applied import (
    QUIET,
    RecordingDelivery,
    pending_request,
)
from tests.integration.test_crash_halfway_sweep import (
    REDIS_DOWN,
    Clock,
    Fault,
    _trail_kind,
    make_desk,
)

aws = sweep.aws  # moto IAM: user bob, policy ro (fixture)
rds = sweep.rds  # the suite's Redis under this test's own prefix (fixture)


def slack(desk: ApprovalDesk) -> tuple[SimpleNamespace, RecordingDelivery]:
    delivery = RecordingDelivery()
    return SimpleNamespace(approvals=desk, delivery=delivery), delivery


def thread_replies(delivery: RecordingDelivery) -> list[dict[str, Any]]:
    return [message for channel, message, thread in delivery.posts if thread == TS]


def lapsing_request(desk: ApprovalDesk, aws: Any, clock: Clock) -> str:
    request = pending_request(desk, aws)
    desk.store.annotate(request.id, channel=CHANNEL, message_ts=TS)
    past_expiry(clock, request)
    return request.id


def test_a_lapse_whose_entry_is_repaired_is_told_in_the_thread_once(aws, rds) -> None:
    clock = Clock(sweep.T0)
    desk = make_desk(aws, rds, clock)
    request_id = lapsing_request(desk, aws, clock)
    services, delivery = slack(desk)
    fault = Fault(desk, "trail.append", _trail_kind("result"), REDIS_DOWN)
    assert reconcile_applying(services) == 1  # type: ignore[arg-type]
    assert fault.fired == 1
    [said] = thread_replies(delivery)
    assert "expired" in str(said).lower()
    assert results(desk, request_id) == []

    clock.now += QUIET + timedelta(seconds=1)
    assert reconcile_applying(services) == 1  # type: ignore[arg-type]  # the repair
    [entry] = results(desk, request_id)
    assert entry.data["recovered"] is True
    assert len(thread_replies(delivery)) == 1  # was 2: the repair told the thread again
    assert reconcile_applying(services) == 0  # type: ignore[arg-type]
    assert len(thread_replies(delivery)) == 1


def test_a_lapse_whose_message_was_never_sent_is_told_by_the_repair(aws, rds) -> None:
    """The process died between the lapse (stored) and its trail entry and message: the repair
    is the only one to tell Slack, and does, once."""
    clock = Clock(sweep.T0)
    desk = make_desk(aws, rds, clock)
    request_id = lapsing_request(desk, aws, clock)
    services, delivery = slack(desk)
    desk.store.transition(request_id, State.EXPIRED, actor="bot", now=clock.now)  # then: crash
    clock.now += QUIET + timedelta(seconds=1)
    assert reconcile_applying(services) == 1  # type: ignore[arg-type]
    assert len(thread_replies(delivery)) == 1
    assert len(delivery.updates) == 1  # the buttons go
    assert reconcile_applying(services) == 0  # type: ignore[arg-type]
    assert len(thread_replies(delivery)) == 1


def test_two_reconcilers_racing_on_a_repaired_lapse_tell_the_thread_once(aws, rds) -> None:
    clock = Clock(sweep.T0)
    desks = [make_desk(aws, rds, clock) for _ in range(2)]
    request_id = lapsing_request(desks[0], aws, clock)
    deliveries = []
    fault = Fault(desks[0], "trail.append", _trail_kind("result"), REDIS_DOWN)
    first, delivery = slack(desks[0])
    deliveries.append(delivery)
    assert reconcile_applying(first) == 1  # type: ignore[arg-type]  # lapsed, entry lost
    assert fault.fired == 1
    clock.now += QUIET + timedelta(seconds=1)
    listed = threading.Barrier(2)
    for desk in desks:  # both rounds hold the list of unrecorded requests before either writes
        listing = desk.store.unrecorded

        def unrecorded(*args: Any, _listing: Any = listing, **kwargs: Any) -> Any:
            found = _listing(*args, **kwargs)
            if not listed.broken:
                listed.wait(10)
            return found

        desk.store.unrecorded = unrecorded  # type: ignore[method-assign]
    replicas = [slack(desk) for desk in desks]
    deliveries.extend(delivery for _services, delivery in replicas)
    threads = [
        threading.Thread(target=reconcile_applying, args=(services,))
        for services, _delivery in replicas
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    listed.abort()
    assert len(results(desks[0], request_id)) == 1
    assert sum(len(thread_replies(d)) for d in deliveries) == 1


def test_a_lapse_found_by_a_click_whose_entry_is_repaired_adds_no_thread_reply(aws, rds) -> None:
    """A click lapses it: the clicker is answered and the message refreshed, with no thread
    reply (as for every lapse a click finds). Its lost entry's repair adds none either."""
    clock = Clock(sweep.T0)
    desk = make_desk(aws, rds, clock)
    request_id = lapsing_request(desk, aws, clock)
    services, delivery = slack(desk)
    Fault(desk, "trail.append", _trail_kind("result"), REDIS_DOWN)
    body = {"user": {"id": "UAPP"}, "actions": [{"value": f'{{"id": "{request_id}"}}'}]}
    told: list[Any] = []
    on_approve(services, body, told.append)  # type: ignore[arg-type]
    assert len(told) == 1
    assert desk.store.get(request_id, now=clock.now).state is State.EXPIRED
    clock.now += QUIET + timedelta(seconds=1)
    assert reconcile_applying(services) == 1  # type: ignore[arg-type]  # the repair
    assert len(results(desk, request_id)) == 1
    assert thread_replies(delivery) == []


def test_telling_an_end_is_claimed_once_per_request(store) -> None:
    assert store.claim_notice("r1", now=T0)
    assert not store.claim_notice("r1", now=T0)
    assert store.claim_notice("r2", now=T0)


def test_the_claim_is_kept_as_long_as_the_ended_request(client, prefix) -> None:
    store = RedisApprovalStore(client, prefix=prefix, keep_seconds=3600)
    assert store.claim_notice("r1", now=T0)
    assert 0 < client.ttl(f"{prefix}approvals:told:r1") <= 3600
    assert not list(client.scan_iter(f"{prefix}approval:*"))  # not read as a request record


def test_an_apply_by_click_whose_entry_is_repaired_is_told_in_the_thread_once(aws, rds) -> None:
    """The approver's click applies and posts the result in the thread; its trail `result`
    failed, so a later round repairs it. The repair must not post the result a second time."""
    clock = Clock(sweep.T0)
    desk = make_desk(aws, rds, clock)
    request = pending_request(desk, aws)
    desk.store.annotate(request.id, channel=CHANNEL, message_ts=TS)
    services, delivery = slack(desk)
    fault = Fault(desk, "trail.append", _trail_kind("result"), REDIS_DOWN)
    body = {"user": {"id": "UAPP"}, "actions": [{"value": f'{{"id": "{request.id}"}}'}]}
    on_approve(services, body, lambda _message: None)  # type: ignore[arg-type]
    assert fault.fired == 1
    assert desk.store.get(request.id, now=clock.now).state is State.APPLIED
    assert len(thread_replies(delivery)) == 1  # the click told the result
    assert results(desk, request.id) == []

    clock.now += QUIET + timedelta(seconds=1)
    reconcile_applying(services)  # type: ignore[arg-type]  # the repair
    [entry] = results(desk, request.id)
    assert entry.data["recovered"] is True
    assert len(thread_replies(delivery)) == 1  # was 2: the repair told the thread again
