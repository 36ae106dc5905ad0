"""The collection lock is renewed while its holder works, so a collection slower than the lock's
TTL is still the only one: two replicas on the real Redis, TTL 2 s, a 4.5 s "GAAD" (the issue's
20 s / 45 s scaled down by 10)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis

from bot.runs.jobs import AuditJobs, lock_name
from bot.store.lock_keeper import kept_alive
from bot.store.memory import InMemoryStore
from bot.store.redis_store import RedisStore
from tests.integration.test_store_jobs import Recorder

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
TTL = 2


@pytest.fixture
def stores(redis_url: str) -> Iterator[tuple[RedisStore, RedisStore]]:
    """Two replicas: each its own connection to the one Redis."""
    prefix = f"iam-audit-renew:{uuid.uuid4().hex[:8]}:"
    clients = [redis.Redis.from_url(redis_url, decode_responses=True) for _ in range(2)]
    yield RedisStore(clients[0], prefix=prefix), RedisStore(clients[1], prefix=prefix)
    for key in clients[0].scan_iter(prefix + "*"):
        clients[0].delete(key)


def test_two_replicas_and_a_collection_slower_than_the_ttl_collect_once(stores) -> None:
    collections: list[str] = []
    reused: list[object] = []

    def replica(store: RedisStore, name: str) -> AuditJobs:
        return AuditJobs(
            store=store,
            workers=1,
            max_queued=1,
            lock_ttl_seconds=TTL,
            clock=lambda: NOW,
            lock_poll_seconds=0.1,
        )

    def work_of(name: str):
        def work(progress, reuse_since):
            if reuse_since is not None:  # the other replica's fresh report answers us
                reused.append(name)
                return "reused"
            collections.append(name)
            time.sleep(4.5)  # GetAccountAuthorizationDetails on a big account
            return "collected"

        return work

    first, second = replica(stores[0], "a"), replica(stores[1], "b")
    one, two = Recorder(), Recorder()
    first.submit("acct", work_of("a"), one)
    time.sleep(0.3)
    second.submit("acct", work_of("b"), two)
    assert one.done.wait(20)
    assert two.done.wait(20)
    assert collections == ["a"]  # one collection, not two
    assert reused == ["b"]
    assert ("waiting for the running audit", 0) in two.stages
    for jobs in (first, second):
        jobs.wait_idle()
        jobs.shutdown()
    assert stores[0].lock_owner(lock_name("acct")) is None


def test_the_keeper_never_renews_a_lock_taken_over_by_someone_else(stores) -> None:
    store, other = stores
    assert store.acquire_lock("l", "me", 1)
    with kept_alive(store, "l", "me", 1) as lost:
        other._r.set(other._k("lock", "l"), "someone-else")  # expired and re-taken elsewhere
        assert lost.wait(3)
    assert other.lock_owner("l") == "someone-else"


def test_the_in_memory_store_renews_only_its_own_live_lock() -> None:
    now = [NOW]
    store = InMemoryStore(clock=lambda: now[0])
    assert store.acquire_lock("l", "me", 10)
    assert store.renew_lock("l", "me", 10)
    assert not store.renew_lock("l", "other", 10)
    now[0] += timedelta(seconds=11)
    assert not store.renew_lock("l", "me", 10)  # expired: it may be someone else's by now
