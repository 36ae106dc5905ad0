"""The digest store contract on the real Redis (db 15) and the in-process store alike."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis

from bot.model.errors import StoreError
from bot.store.digests import (
    HISTORY_LENGTH,
    InMemoryDigestStore,
    RedisDigestStore,
    make_digest_store,
)
from tests.fake_clock import Clock

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


class Handle:
    """The store under test and a way to make time pass for its keys."""

    def __init__(self, store, expire) -> None:
        self.store = store
        self.expire = expire  # (key suffix) -> make that key's TTL run out now


@pytest.fixture(params=["redis", "memory"])
def handle(request) -> Iterator[Handle]:
    if request.param == "memory":
        clock = Clock(NOW)
        store = InMemoryDigestStore(clock=clock)

        def advance(_key: str) -> None:
            clock.now += timedelta(days=30)

        yield Handle(store, advance)
        return
    client, prefix = request.getfixturevalue("redis_under_prefix")

    def expire(key: str) -> None:
        # The TTL running out, without waiting for it: an expiry time in the past deletes the key.
        assert client.pttl(prefix + "digest:" + key) > 0, "the key must carry a TTL"
        client.pexpireat(prefix + "digest:" + key, 1)

    yield Handle(RedisDigestStore(client, prefix=prefix), expire)


def test_leader_lock_is_exclusive_renewable_by_owner_and_expires(handle: Handle) -> None:
    store = handle.store
    assert store.acquire_leader("a", 30_000)
    assert not store.acquire_leader("b", 30_000)
    assert store.leader() == "a"
    assert store.renew_leader("a", 30_000)
    assert not store.renew_leader("b", 30_000)  # only the holder extends it
    handle.expire("leader")  # the holder died: nobody renewed
    assert store.leader() is None
    assert not store.renew_leader("a", 30_000)  # a late holder cannot resurrect it
    assert store.acquire_leader("b", 30_000)
    assert not store.release_leader("a")  # nor delete the new holder's lock
    assert store.leader() == "b"
    assert store.release_leader("b")
    assert store.leader() is None


def test_renewal_pushes_the_expiry_back(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    store = RedisDigestStore(client, prefix=f"iam-audit-test:{uuid.uuid4().hex[:8]}:")
    key = store._k("leader")
    try:
        assert store.acquire_leader("a", 1_000)
        assert client.pttl(key) <= 1_000
        assert store.renew_leader("a", 60_000)
        assert client.pttl(key) > 1_000
    finally:
        client.delete(key)


def test_slot_key_is_taken_once_and_can_be_given_back_by_its_owner(handle: Handle) -> None:
    store = handle.store
    assert store.claim_slot("C1", "2026-11-30T09:00Z", "a", 3600)
    assert not store.claim_slot("C1", "2026-11-30T09:00Z", "b", 3600)
    assert store.claim_slot("C2", "2026-11-30T09:00Z", "b", 3600)  # per channel
    assert store.claim_slot("C1", "2026-12-01T09:00Z", "b", 3600)  # per slot
    assert store.slot_owner("C1", "2026-11-30T09:00Z") == "a"
    assert not store.release_slot("C1", "2026-11-30T09:00Z", "b")
    assert store.release_slot("C1", "2026-11-30T09:00Z", "a")
    assert store.claim_slot("C1", "2026-11-30T09:00Z", "b", 3600)
    store.mark_posted("C1", "2026-11-30T09:00Z", "1700.1", 3600)
    assert store.posted_ts("C1", "2026-11-30T09:00Z") == "1700.1"


def test_concurrent_claims_have_exactly_one_winner(handle: Handle) -> None:
    store = handle.store
    wins: list[str] = []
    barrier = threading.Barrier(8)

    def claim(name: str) -> None:
        barrier.wait()
        if store.claim_slot("C1", "slot", name, 3600):
            wins.append(name)

    threads = [threading.Thread(target=claim, args=(f"r{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(wins) == 1


def test_history_keeps_the_last_thirty_newest_first(handle: Handle) -> None:
    store = handle.store
    for i in range(HISTORY_LENGTH + 5):
        store.add_summary("demo", {"at": f"2026-11-{i % 28 + 1:02d}T09:00:00+00:00", "n": i})
    items = store.summaries("demo")
    assert len(items) == HISTORY_LENGTH
    assert items[0]["n"] == HISTORY_LENGTH + 4
    assert store.summaries("other") == []


def test_schedule_campaign_and_last_report_are_json_documents(handle: Handle) -> None:
    store = handle.store
    assert store.schedule() is None
    store.save_schedule({"cron": "0 9 * * 1-5", "channel": "C1"})
    assert store.schedule() == {"cron": "0 9 * * 1-5", "channel": "C1"}
    store.save_campaign({"deadline": "2026-12-31"})
    assert store.campaign() == {"deadline": "2026-12-31"}
    store.save_last_report("demo", {"at": NOW.isoformat(), "data": {"x": 1}})
    assert store.last_report("demo") == {"at": NOW.isoformat(), "data": {"x": 1}}
    assert store.claim_once("dm:alice:1", 3600)
    assert not store.claim_once("dm:alice:1", 3600)
    store.release_once("dm:alice:1")
    assert store.claim_once("dm:alice:1", 3600)


def test_garbage_in_redis_is_a_store_error_not_a_crash(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    store = RedisDigestStore(client, prefix=f"iam-audit-test:{uuid.uuid4().hex[:8]}:")
    key = store._k("schedule")
    try:
        client.set(key, "not json")
        with pytest.raises(StoreError, match="not valid JSON"):
            store.schedule()
        client.set(key, "[1, 2]")
        with pytest.raises(StoreError, match="not a JSON object"):
            store.schedule()
    finally:
        client.delete(key)


def test_unreachable_redis_is_a_store_error() -> None:
    store = make_digest_store("redis://127.0.0.1:1/0", clock=Clock(NOW))
    with pytest.raises(StoreError, match="scheduler lock"):
        store.acquire_leader("a", 1000)


def test_no_redis_url_gives_the_in_process_store() -> None:
    assert make_digest_store("", clock=Clock(NOW)).kind == "memory"
