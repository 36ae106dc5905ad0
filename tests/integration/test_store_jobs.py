"""The audit pool over the real Redis lock: one audit per account, joins, and a second replica."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import redis

from bot.model.errors import CollectionError, IamAuditError
from bot.runs.jobs import AuditJobs, lock_name
from bot.store.redis_store import RedisStore

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


class Recorder:
    def __init__(self) -> None:
        self.stages: list[tuple[str, int]] = []
        self.results: list[object] = []
        self.errors: list[IamAuditError] = []
        self.done = threading.Event()

    def on_stage(self, stage: str, joined: int) -> None:
        self.stages.append((stage, joined))

    def on_done(self, result: object) -> None:
        self.results.append(result)
        self.done.set()

    def on_error(self, error: IamAuditError) -> None:
        self.errors.append(error)
        self.done.set()


@pytest.fixture
def store(redis_url: str) -> Iterator[RedisStore]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    prefix = f"iam-audit-jobs:{uuid.uuid4().hex[:8]}:"
    yield RedisStore(client, prefix=prefix)
    for key in client.scan_iter(prefix + "*"):
        client.delete(key)


def _jobs(store: RedisStore, sleep=lambda _s: None) -> AuditJobs:
    return AuditJobs(
        store=store, workers=2, max_queued=2, lock_ttl_seconds=60, clock=lambda: NOW, sleep=sleep
    )


def test_a_second_request_joins_and_both_get_the_one_result(store) -> None:
    jobs = _jobs(store)
    release = threading.Event()
    runs = []

    def work(progress, reuse_since):
        runs.append(reuse_since)
        progress("collecting")
        release.wait(10)
        return "report-1"

    first, second = Recorder(), Recorder()
    assert not jobs.submit("acct", work, first).joined
    assert jobs.submit("acct", work, second).joined
    release.set()
    assert first.done.wait(10)
    assert second.done.wait(10)
    assert first.results == second.results == ["report-1"]
    assert runs == [None]
    assert ("rendering", 1) in first.stages
    jobs.wait_idle()
    assert store.lock_owner(lock_name("acct")) is None
    jobs.shutdown()


def test_a_narrower_request_joins_but_a_wider_one_queues(store) -> None:
    jobs = _jobs(store)
    release = threading.Event()

    def work(progress, reuse_since):
        release.wait(10)
        return "r"

    narrow_running = Recorder()
    jobs.submit("acct", work, narrow_running, scope=frozenset({"root.mfa_disabled"}))
    wider = Recorder()
    assert not jobs.submit("acct", work, wider).joined
    release.set()
    assert narrow_running.done.wait(10)
    assert wider.done.wait(10)
    jobs.wait_idle()
    jobs.shutdown()


def test_another_replica_holding_the_lock_makes_us_wait_then_reuse(store) -> None:
    store.acquire_lock(lock_name("acct"), "other-replica", 60)
    waits = []

    def sleep(seconds: float) -> None:  # the other replica finishes while we wait
        waits.append(seconds)
        if len(waits) == 3:
            store.release_lock(lock_name("acct"), "other-replica")

    jobs = _jobs(store, sleep=sleep)
    seen = []

    def work(progress, reuse_since):
        seen.append(reuse_since)
        return "reused"

    recorder = Recorder()
    jobs.submit("acct", work, recorder)
    assert recorder.done.wait(10)
    assert seen == [NOW]  # told to reuse what the other replica cached since NOW
    assert len(waits) == 3
    assert ("waiting for the running audit", 0) in recorder.stages
    jobs.wait_idle()
    jobs.shutdown()


def test_errors_reach_every_requester_and_free_the_lock(store) -> None:
    jobs = _jobs(store)

    def failing(progress, reuse_since):
        raise CollectionError("AccessDenied")

    def crashing(progress, reuse_since):
        raise KeyError("bug")

    a, b = Recorder(), Recorder()
    jobs.submit("a", failing, a)
    jobs.submit("b", crashing, b)
    assert a.done.wait(10)
    assert b.done.wait(10)
    assert str(a.errors[0]) == "AccessDenied"
    assert "unexpectedly (KeyError)" in str(b.errors[0])
    jobs.wait_idle()
    assert store.lock_owner(lock_name("a")) is None
    assert store.lock_owner(lock_name("b")) is None
    jobs.shutdown()


def test_a_broken_subscriber_does_not_stop_the_others(store) -> None:
    jobs = _jobs(store)

    class Broken(Recorder):
        def on_done(self, result: object) -> None:
            raise RuntimeError("slack down")

    release = threading.Event()

    def work(progress, reuse_since):
        release.wait(10)
        return "r"

    broken, fine = Broken(), Recorder()
    jobs.submit("acct", work, broken)
    jobs.submit("acct", work, fine)
    release.set()
    assert fine.done.wait(10)
    assert fine.results == ["r"]
    jobs.wait_idle()
    jobs.shutdown()
