"""The approval store's reconciliation indexes: what they hold, and that they move with the state.

Every request that may need the reconciler is indexed in the same MULTI/EXEC as the move that puts
it there (approved: its apply not started; applying; apply ended with its trail `result` entry
not yet written) and leaves with the move that settles it (or, for the last one, when its entry is
written), so the indexes hold the requests in flight only and never grow with the history. A
deployment upgraded from before the indexes is indexed once from its request records.

Real Redis (db 15, a prefix per test) and the in-process store, side by side.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis

from bot.approvals.model import ApprovalRequest, State, Target
from bot.model.errors import StoreError
from bot.store.approvals import InMemoryApprovalStore, RedisApprovalStore
from tests.integration import test_crash_halfway_sweep as sweep

rds = sweep.rds  # the suite's Redis under this test's own prefix (fixture)

INDEXES = ("approved", "applying", "unrecorded")
NOTHING: dict[str, list[str]] = {name: [] for name in INDEXES}


def raw_indexes(rds: Any) -> dict[str, list[str]]:
    """The Redis index keys as stored (what would grow without bound if never emptied)."""
    client, prefix = rds
    return {name: client.zrange(f"{prefix}approvals:{name}", 0, -1) for name in INDEXES}


def indexed(store: Any) -> dict[str, list[str]]:
    return {name: [r.id for r in getattr(store, name)()] for name in INDEXES}


# --- the indexes hold a request only while it needs the reconciler --------------------------------

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def new_request() -> ApprovalRequest:
    return ApprovalRequest(
        id=uuid.uuid4().hex[:12],
        requester="UREQ",
        target=Target("user", "bob"),
        change={"remediation": "detach_policy", "params": {"target_name": "bob"}},
        summary="Detach x from user bob",
        steps=("iam:DetachUserPolicy",),
        undo="Attach it again",
        created_at=T0,
        expires_at=T0 + timedelta(hours=24),
        fingerprint="abc",
    )


@pytest.fixture(params=["redis", "memory"])
def store(request: pytest.FixtureRequest, rds: Any) -> Any:
    if request.param == "redis":
        client, prefix = rds
        return RedisApprovalStore(client, prefix=prefix)
    return InMemoryApprovalStore()


LATER = T0 + timedelta(hours=25)
PATHS = {
    "applied": [(State.APPROVED, T0), (State.APPLYING, T0), (State.APPLIED, T0)],
    "partly-applied": [(State.APPROVED, T0), (State.APPLYING, T0), (State.PARTLY_APPLIED, T0)],
    "failed": [(State.APPROVED, T0), (State.APPLYING, T0), (State.FAILED, T0)],
    "approved-then-expired": [(State.APPROVED, T0), (State.EXPIRED, LATER)],
    "rejected": [(State.REJECTED, T0)],
    "withdrawn": [(State.CANCELLED, T0)],
    "expired-pending": [(State.EXPIRED, LATER)],
}


@pytest.mark.parametrize("path", list(PATHS))
def test_a_request_leaves_every_index_when_it_is_settled(store: Any, rds: Any, path: str) -> None:
    r = new_request()
    store.create(r)
    for to, at in PATHS[path]:
        store.transition(r.id, to, actor="UAPP" if to is State.APPROVED else "bot", now=at)
        expected = {name: [] for name in INDEXES}
        if to is State.APPROVED:
            expected["approved"] = [r.id]
        elif to is State.APPLYING:
            expected["applying"] = [r.id]
        elif to.is_final:
            expected["unrecorded"] = [r.id]  # until its last entry is in the trail
        assert indexed(store) == expected, to
        store.annotate(r.id, message_ts="1.2")  # not a move: the indexes stay as they are
        assert indexed(store) == expected, to
    store.result_recorded(r.id)
    assert indexed(store) == NOTHING
    if isinstance(store, RedisApprovalStore):
        assert raw_indexes(rds) == NOTHING  # no member left behind: the keys do not grow


def test_only_settled_approvals_are_listed_for_the_reconciler(store: Any) -> None:
    early, late = new_request(), new_request()
    for r, at in ((early, T0), (late, T0 + timedelta(minutes=5))):
        store.create(r)
        store.transition(r.id, State.APPROVED, actor="UAPP", now=at)
    before = T0 + timedelta(minutes=1)
    assert [r.id for r in store.approved(before=before)] == [early.id]
    assert sorted(r.id for r in store.approved()) == sorted([early.id, late.id])


# --- the state and its index are written together -------------------------------------------------


def test_the_state_and_its_index_are_written_in_one_transaction(rds: Any, monkeypatch) -> None:
    client, prefix = rds
    store = RedisApprovalStore(client, prefix=prefix)
    r = new_request()
    store.create(r)
    executed: list[tuple[bool, list[tuple[Any, ...]]]] = []
    real_execute = redis.client.Pipeline.execute

    def recording(pipe: Any, *args: Any, **kwargs: Any) -> Any:
        executed.append((pipe.transaction, [c[0] for c in pipe.command_stack]))
        return real_execute(pipe, *args, **kwargs)

    monkeypatch.setattr(redis.client.Pipeline, "execute", recording)
    store.transition(r.id, State.APPROVED, actor="UAPP", now=T0)
    [(transaction, commands)] = [(tx, stack) for tx, stack in executed if stack]
    assert transaction  # MULTI ... EXEC: one write holds the record and the index
    written = [c[:2] for c in commands]
    assert ("SET", f"{prefix}approval:{r.id}") in written
    assert ("ZADD", f"{prefix}approvals:approved") in written
    assert ("ZREM", f"{prefix}approvals:pending") in written


@pytest.mark.parametrize("to", [State.APPROVED, State.APPLYING, State.APPLIED])
def test_a_failed_exec_writes_neither_the_state_nor_the_index(
    rds: Any, monkeypatch, to: State
) -> None:
    """Redis gone at the EXEC of a move: the request and the indexes are as before it, so no
    crash can leave a request approved but out of the index (or indexed in a state it left)."""
    client, prefix = rds
    store = RedisApprovalStore(client, prefix=prefix)
    r = new_request()
    store.create(r)
    path = [State.APPROVED, State.APPLYING, State.APPLIED]
    for step in path[: path.index(to)]:
        store.transition(r.id, step, actor="UAPP", now=T0)
    before_state = store.get(r.id, now=T0).state
    before_indexes = raw_indexes(rds)
    real_execute = redis.client.Pipeline.execute

    def dying(pipe: Any, *args: Any, **kwargs: Any) -> Any:
        if pipe.command_stack:  # the MULTI block of the move
            pipe.reset()
            raise redis.ConnectionError("Connection closed by server.")
        return real_execute(pipe, *args, **kwargs)

    monkeypatch.setattr(redis.client.Pipeline, "execute", dying)
    with pytest.raises(StoreError, match=r"the state store \(Redis\) failed"):
        store.transition(r.id, to, actor="UAPP", now=T0)
    monkeypatch.undo()
    assert store.get(r.id, now=T0).state is before_state
    assert raw_indexes(rds) == before_indexes


# --- a deployment upgraded from before the indexes ---------------------------------------------


def test_backfill_indexes_what_an_older_version_stored(rds: Any) -> None:
    client, prefix = rds
    store = RedisApprovalStore(client, prefix=prefix)
    approved, applying, lost, recorded, late, rejected = (new_request() for _ in range(6))
    for r in (approved, applying, lost, recorded, late, rejected):
        store.create(r)
    store.transition(approved.id, State.APPROVED, actor="UAPP", now=T0)
    for r in (applying, lost, recorded, late):
        store.transition(r.id, State.APPROVED, actor="UAPP", now=T0)
        store.transition(r.id, State.APPLYING, actor="bot", now=T0)
    store.transition(lost.id, State.APPLIED, actor="bot", now=T0)
    store.transition(recorded.id, State.FAILED, actor="bot", now=T0)
    store.transition(late.id, State.APPLIED, actor="bot", now=T0 + timedelta(minutes=5))
    store.transition(rejected.id, State.REJECTED, actor="UAPP", now=T0)
    for name in INDEXES:  # what the older version left: no index (but `applying`), no marker
        if name != "applying":
            client.delete(f"{prefix}approvals:{name}")
    client.delete(f"{prefix}approvals:indexed")
    assert store.needs_backfill()

    added = store.backfill(
        lost_results={lost.id, late.id, rejected.id}, ended_before=T0 + timedelta(minutes=1)
    )
    assert added == 2  # the approval and the lost result; `applying` was indexed already
    assert raw_indexes(rds) == {
        "approved": [approved.id],
        "applying": [applying.id],
        "unrecorded": [lost.id],  # `late` ended after the backfill began: its own move indexes it
    }
    assert not store.needs_backfill()
    assert store.backfill(lost_results={lost.id}, ended_before=T0 + timedelta(minutes=1)) == 0


def test_backfill_finds_records_under_a_prefix_with_glob_characters(
    rds: Any, request: pytest.FixtureRequest
) -> None:
    client, prefix = rds
    odd = prefix + "env[1]*?:"
    request.addfinalizer(lambda: [client.delete(k) for k in client.scan_iter(prefix + "*")])
    store = RedisApprovalStore(client, prefix=odd)
    r = new_request()
    store.create(r)
    store.transition(r.id, State.APPROVED, actor="UAPP", now=T0)
    client.delete(f"{odd}approvals:approved")
    assert store.backfill(lost_results=set(), ended_before=T0) == 1
    assert [x.id for x in store.approved()] == [r.id]


def test_the_in_process_store_has_nothing_to_backfill() -> None:
    store = InMemoryApprovalStore()
    assert not store.needs_backfill()
    assert store.backfill(lost_results={"x"}, ended_before=T0) == 0


def test_a_record_gone_from_redis_leaves_its_index(rds: Any) -> None:
    """A decided record expires after keep_seconds; an index entry it left is dropped on read."""
    client, prefix = rds
    store = RedisApprovalStore(client, prefix=prefix)
    r = new_request()
    store.create(r)
    for to in (State.APPROVED, State.APPLYING, State.APPLIED):
        store.transition(r.id, to, actor="UAPP", now=T0)
    client.delete(f"{prefix}approval:{r.id}")
    assert store.unrecorded() == []
    assert raw_indexes(rds) == NOTHING


def test_a_lost_entry_is_claimed_by_one_round_and_again_only_after_the_next_wait(
    store: Any,
) -> None:
    r = new_request()
    store.create(r)
    store.transition(r.id, State.REJECTED, actor="UAPP", now=T0)
    due_by, claim_at = T0 + timedelta(minutes=1), T0 + timedelta(minutes=11)
    assert not store.claim_unrecorded(r.id, due_by=T0 - timedelta(seconds=1), now=claim_at)
    assert store.claim_unrecorded(r.id, due_by=due_by, now=claim_at)
    assert not store.claim_unrecorded(r.id, due_by=due_by, now=claim_at)  # taken
    assert [x.id for x in store.unrecorded()] == [r.id]  # until its entry is written
    assert store.unrecorded(before=due_by) == []
    later = claim_at + timedelta(minutes=10)
    assert store.claim_unrecorded(r.id, due_by=later, now=later)  # its claimant gave up
    store.result_recorded(r.id)
    assert not store.claim_unrecorded(r.id, due_by=later, now=later)
    assert store.unrecorded() == []
