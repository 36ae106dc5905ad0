"""The store contract, run against the real Redis (db 15) and the in-process store alike."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis

from bot.model.errors import StoreError
from bot.store import InMemoryStore, make_store
from bot.store.redis_store import RedisStore
from tests.fake_clock import Clock

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


@pytest.fixture(params=["redis", "memory"])
def store(request) -> Iterator:
    if request.param == "memory":
        yield InMemoryStore(clock=Clock(NOW))
        return
    client, prefix = request.getfixturevalue("redis_under_prefix")
    yield RedisStore(client, prefix=prefix)


def _report(summary: dict[str, int]) -> dict:
    return {"schema": "iam-audit/report/1", "summary": summary, "findings": []}


def test_reports_are_cached_with_their_age_and_history(store) -> None:
    store.save_report(
        report_id="r1", account_id="demo", data=_report({"high": 3}), saved_at=NOW, ttl_seconds=600
    )
    later = NOW + timedelta(minutes=5)
    store.save_report(
        report_id="r2",
        account_id="demo",
        data=_report({"high": 1}),
        saved_at=later,
        ttl_seconds=600,
    )
    latest = store.latest_report("demo")
    assert latest.report_id == "r2"
    assert latest.saved_at == later
    assert store.get_report("r1").data["summary"] == {"high": 3}
    assert store.get_report("missing") is None
    assert [h.report_id for h in store.report_history("demo", 10)] == ["r2", "r1"]
    assert store.report_history("demo", 1)[0].summary == {"high": 1}
    assert store.latest_report("other") is None


def test_snapshot_cache(store) -> None:
    assert store.latest_snapshot("demo") is None
    store.save_snapshot(account_id="demo", data={"a": 1}, saved_at=NOW, ttl_seconds=600)
    cached = store.latest_snapshot("demo")
    assert cached.data == {"a": 1}
    assert cached.saved_at == NOW


def test_lock_has_one_owner_and_only_the_owner_releases_it(store) -> None:
    assert store.acquire_lock("audit:demo", "a", 60)
    assert not store.acquire_lock("audit:demo", "b", 60)
    assert store.lock_owner("audit:demo") == "a"
    assert not store.release_lock("audit:demo", "b")
    assert store.release_lock("audit:demo", "a")
    assert store.acquire_lock("audit:demo", "b", 60)


def test_lock_is_taken_once_under_contention(store) -> None:
    winners = []
    barrier = threading.Barrier(8)

    def contend(owner: str) -> None:
        barrier.wait()
        if store.acquire_lock("audit:race", owner, 60):
            winners.append(owner)

    threads = [threading.Thread(target=contend, args=(f"o{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1


def test_first_seen_and_use_counter(store) -> None:
    assert store.first_seen("event:Ev1", 60)
    assert not store.first_seen("event:Ev1", 60)
    assert [store.count_use("url", 60) for _ in range(3)] == [1, 2, 3]


def test_home_viewers(store) -> None:
    store.add_home_viewer("U1")
    store.add_home_viewer("U2")
    store.add_home_viewer("U1")
    assert store.home_viewers() == {"U1", "U2"}


def test_memory_store_expires_with_its_clock() -> None:
    clock = Clock(NOW)
    store = InMemoryStore(clock=clock)
    store.acquire_lock("l", "a", 10)
    store.first_seen("k", 10)
    store.save_report(report_id="r", account_id="x", data=_report({}), saved_at=NOW, ttl_seconds=10)
    assert store.count_use("c", 10) == 1
    clock.now += timedelta(seconds=11)
    assert store.acquire_lock("l", "b", 10)
    assert store.first_seen("k", 10)
    assert store.get_report("r") is None
    assert store.count_use("c", 10) == 1


def test_redis_expires_keys_with_ttl(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    store = RedisStore(client, prefix=f"iam-audit-test:{uuid.uuid4().hex[:8]}:")
    store.acquire_lock("l", "a", 30)
    store.count_use("c", 1800)
    assert 0 < client.ttl(store._k("lock", "l")) <= 30
    assert 0 < client.ttl(store._k("count", "c")) <= 1800
    client.delete(store._k("lock", "l"), store._k("count", "c"))


def test_unreachable_redis_becomes_store_error() -> None:
    store = make_store("redis://127.0.0.1:1/0", clock=Clock(NOW))  # nothing listens on port 1
    assert store.kind == "redis"
    with pytest.raises(StoreError, match="Redis"):
        store.ping()
    with pytest.raises(StoreError):
        store.latest_report("demo")


def test_no_url_means_the_in_process_store() -> None:
    assert make_store("", clock=Clock(NOW)).kind == "memory"
