"""The bot's audit pipeline with worker processes: what it caches, the stages it says, Redis
written by the worker, and a worker that dies mid-audit ending in an error, never a hang."""

from __future__ import annotations

import functools
import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import redis

from bot.audit.config import AuditConfig
from bot.audit.engine import run_audit
from bot.aws.demo import build_demo_snapshot
from bot.model.errors import IamAuditError, StoreError
from bot.model.snapshot import AccountSnapshot
from bot.runs.account_audits import AccountAudits, AuditResult
from bot.runs.jobs import AuditJobs
from bot.runs.workers import PortableSource, ProcessAuditor
from bot.store import InMemoryStore, make_store

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@functools.lru_cache(maxsize=1)
def _demo(now: datetime) -> AccountSnapshot:
    return build_demo_snapshot(now)


class DemoInWorker(PortableSource):
    """Collects where it is called, and says where: the account id is the process id."""

    def __call__(self, now: datetime) -> AccountSnapshot:
        return replace(_demo(now), account_id=str(os.getpid()))


class DiesInWorker(PortableSource):
    """A collection the OOM killer ends: the process exits without a word."""

    def __call__(self, now: datetime) -> AccountSnapshot:
        os._exit(9)


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessAuditor]:
    auditor = ProcessAuditor(1)
    yield auditor
    auditor.shutdown()


def _audits(pool: ProcessAuditor, store, source, **kwargs) -> AccountAudits:
    return AccountAudits(
        target=kwargs.pop("target", "demo"),
        source=source,
        store=store,
        config=AuditConfig(),
        clock=lambda: NOW,
        ttl_seconds=3600,
        auditor=pool,
        **kwargs,
    )


def test_a_portable_source_is_collected_in_the_worker_and_everything_is_cached(pool) -> None:
    store = InMemoryStore(clock=lambda: NOW)
    audits = _audits(pool, store, DemoInWorker())
    stages: list[str] = []
    result = audits.run(stages.append, None)
    assert stages == ["collecting", "auditing"]
    worker_pid = result.report.account_id
    assert worker_pid != str(os.getpid())  # collected in the worker, not here
    expected = run_audit(replace(_demo(NOW), account_id=worker_pid), now=NOW)
    assert result.report.to_dict() == expected.to_dict()
    assert result.report_json  # the attachment's JSON, made in the worker
    # The store holds the snapshot and the report, as when the bot does every step itself.
    assert store.latest_snapshot("demo").data["account_id"] == worker_pid
    assert store.latest_report("demo").data == expected.to_dict()
    assert store.latest_report_id("demo") == result.report_id
    cached = audits.snapshot()
    assert cached.snapshot.account_id == worker_pid
    assert cached.saved_at == NOW
    assert audits.snapshot() is cached  # unpickled once
    assert audits.latest()[0] is result.report


def test_a_source_that_runs_only_here_is_sent_over(pool) -> None:
    store = InMemoryStore(clock=lambda: NOW)
    calls: list[datetime] = []

    def here(now: datetime) -> AccountSnapshot:
        calls.append(now)
        return _demo(now)

    result = _audits(pool, store, here).run(
        lambda _stage: None, None, frozenset({"root.mfa_disabled"})
    )
    assert calls == [NOW]
    assert {f.check_id for f in result.report.findings} == {"root.mfa_disabled"}
    assert store.latest_snapshot("demo").data == _demo(NOW).to_dict()


@pytest.fixture
def redis_target(redis_url: str) -> Iterator[str]:
    target = f"workers-test-{uuid.uuid4().hex[:8]}"
    yield target
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    report_id = client.get(f"iam-audit:latest:{target}")
    if report_id:
        client.delete(f"iam-audit:report:{report_id}")
    for key in client.scan_iter(f"iam-audit:*{target}*"):
        client.delete(key)


def test_with_redis_the_worker_saves_what_the_bot_reads_back(pool, redis_url, redis_target) -> None:
    store = make_store(redis_url, clock=lambda: NOW)
    audits = _audits(pool, store, DemoInWorker(), target=redis_target, worker_redis_url=redis_url)
    result = audits.run(lambda _stage: None, None)
    stored = store.latest_report(redis_target)
    assert stored is not None
    assert stored.report_id == result.report_id
    assert stored.data == result.report.to_dict()
    assert store.latest_snapshot(redis_target).data["account_id"] == result.report.account_id
    assert store.snapshot_saved_at(redis_target) == NOW
    assert audits.snapshot().snapshot.account_id == result.report.account_id


def test_redis_down_in_the_worker_is_the_same_store_error(pool) -> None:
    down = "redis://127.0.0.1:1/15"  # nothing listens on port 1
    audits = _audits(pool, InMemoryStore(clock=lambda: NOW), DemoInWorker(), worker_redis_url=down)
    with pytest.raises(StoreError, match=r"the state store \(Redis\) failed during save_snapshot"):
        audits.run(lambda _stage: None, None)


class Recorder:
    def __init__(self) -> None:
        self.stages: list[str] = []
        self.errors: list[IamAuditError] = []
        self.results: list[AuditResult] = []
        self.done = threading.Event()

    def on_stage(self, stage: str, joined: int) -> None:
        self.stages.append(stage)

    def on_done(self, result: AuditResult) -> None:
        self.results.append(result)
        self.done.set()

    def on_error(self, error: IamAuditError) -> None:
        self.errors.append(error)
        self.done.set()


def test_a_worker_dying_mid_audit_tells_the_requester_and_the_next_audit_works() -> None:
    pool = ProcessAuditor(1)
    store = InMemoryStore(clock=lambda: NOW)
    jobs = AuditJobs(store=store, workers=1, max_queued=2, lock_ttl_seconds=60, clock=lambda: NOW)
    try:
        requester = Recorder()
        jobs.submit("demo", _audits(pool, store, DiesInWorker()).run, requester)
        assert requester.done.wait(120), "the requester was never told"
        assert requester.results == []
        assert "stopped unexpectedly" in str(requester.errors[0])
        assert requester.stages[-1] == "collecting"
        again = Recorder()
        jobs.submit("demo", _audits(pool, store, DemoInWorker()).run, again)
        assert again.done.wait(120)
        assert again.errors == []
        assert again.results[0].report.findings
    finally:
        jobs.shutdown()
        pool.shutdown()


def test_a_replica_that_asked_while_the_collection_ran_reuses_the_report(pool) -> None:
    """bot.runs.jobs: the second replica waits on the account lock and reuses the first one's
    report when it was saved since it asked. The collection is the long part (minutes on a
    large account); a request that arrived during it reused the report when the audit ran here
    (its time is taken after the collection) but not when it ran in worker processes (the
    report was stamped with the collection's start), and the same audit ran a second time."""
    store = InMemoryStore(clock=lambda: NOW)
    ticks = iter(range(100))

    def minutes_pass() -> datetime:  # every look at the clock is a minute later
        return NOW + timedelta(minutes=next(ticks))

    first = AccountAudits(
        target="shared",
        source=DemoInWorker(),
        store=store,
        config=AuditConfig(),
        clock=minutes_pass,
        ttl_seconds=3600,
        auditor=pool,
    )
    made = first.run(lambda _stage: None, None)
    asked_while_collecting = NOW + timedelta(seconds=30)
    second = _audits(pool, store, DemoInWorker(), target="shared")
    reused = second.run(lambda _stage: None, asked_while_collecting)
    assert reused.reused
    assert reused.report_id == made.report_id
