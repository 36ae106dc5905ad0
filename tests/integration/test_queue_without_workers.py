"""A queued audit (IAM_AUDIT_QUEUE=rq) and the workers that may or may not be there, against the
real Redis (db 15) and real RQ workers (in-process SimpleWorker, the project's own helpers).

Before, a requester whose audit was queued with no `iam-audit worker` running at all heard
nothing for twice the job timeout (30 minutes by default). Now the first stage says no worker
is running, and the wait ends once none has been seen for a bounded time; the job stays queued,
so a worker started later runs it. A worker alive but busy with a long audit keeps them waiting.
"""

# ruff: noqa: F811 - the queue and target fixtures are test_runs_crash's, taken by name

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
import redis
from rq import Worker

import bot.runs.queue as queue_module
from bot.runs.queue import (
    QUEUED,
    QUEUED_NO_WORKER,
    WORKER_TTL_SECONDS,
    AuditJobRequest,
    AuditQueue,
)
from tests.integration.test_runs_crash import (  # noqa: F401 - fixtures
    Replica,
    drain,
    queue,
    target,
    until,
)

pytestmark = pytest.mark.redis

GRACE = 1.0  # seconds without a live worker before the requester is told (90 s in the bot)
LONG_AUDIT = 3.0  # a "long" audit: several times the grace


def test_no_worker_at_all_is_said_at_once_and_ends_the_wait_with_the_job_still_queued(
    queue: AuditQueue, redis_url: str, target: str
) -> None:
    replica = Replica(redis_url, queue, target, timeout=600, no_worker=GRACE)  # 10 min timeout
    try:
        asked = time.monotonic()
        requester = replica.ask()
        until(lambda: requester.stages, "the first stage")
        assert requester.stages[0] == QUEUED_NO_WORKER
        assert "no `iam-audit worker` is running" in requester.stages[0]
        requester.wait()
        assert time.monotonic() - asked < 10  # not the 10 minutes of the job timeout
        assert requester.result is None
        message = str(requester.error)
        assert "no `iam-audit worker` is running" in message
        assert "stays queued" in message
        # Still queued: a worker started later runs it and the report lands in the store.
        assert queue.pending() == 1
        drain(queue)
        assert queue.pending() == 0
        assert replica.audits.latest() is not None
    finally:
        replica.close()


def test_a_worker_started_after_the_enqueue_keeps_the_requester_waiting_and_runs_it(
    queue: AuditQueue, redis_url: str, target: str
) -> None:
    replica = Replica(redis_url, queue, target, timeout=600, no_worker=GRACE)
    late = queue.worker(simple=True, name=f"late-{uuid.uuid4().hex[:6]}")
    try:
        requester = replica.ask()
        until(lambda: requester.stages, "the first stage")
        assert requester.stages[0] == QUEUED_NO_WORKER
        late.register_birth()  # a worker starts (on any machine: the registry is in Redis)
        time.sleep(3 * GRACE)
        assert not requester.answered.is_set(), requester.error
        drain(queue)  # a worker takes the job
        requester.wait()
        assert requester.error is None, requester.error
        assert requester.result.report.is_demo
        assert "collecting" in requester.stages
    finally:
        late.register_death()
        replica.close()


def test_a_worker_busy_with_a_long_audit_keeps_the_requester_waiting(
    queue: AuditQueue, redis_url: str, target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The only worker runs someone else's long audit: alive, its registration fresh, so the
    queued audit waits its turn instead of being told no worker runs."""
    real = queue_module.run_audit_job
    long_target = f"{target}-long"

    def slow_for_the_long_one(request: dict[str, Any]) -> dict[str, Any]:
        if request.get("target") == long_target:
            time.sleep(LONG_AUDIT)
        return real(request)

    monkeypatch.setattr(queue_module, "run_audit_job", slow_for_the_long_one)
    replica = Replica(redis_url, queue, target, timeout=600, no_worker=GRACE)
    client = redis.Redis.from_url(redis_url)
    try:
        queue.enqueue(AuditJobRequest(demo=True, target=long_target))
        requester = replica.ask()
        until(lambda: queue.pending() == 2, "the second job to be queued behind the long one")
        started = time.monotonic()
        drain(queue)  # the long audit, then ours, in this worker
        assert time.monotonic() - started >= LONG_AUDIT
        requester.wait()
        assert requester.error is None, requester.error
        assert requester.result.report.is_demo
    finally:
        replica.close()
        for key in client.scan_iter(f"iam-audit:*{long_target}*"):
            client.delete(key)


def test_a_live_worker_is_seen_by_every_replica_and_a_killed_one_only_until_its_ttl(
    queue: AuditQueue, redis_url: str
) -> None:
    """Liveness is the worker's own hash, which expires with its heartbeats (Redis's clock):
    registry membership alone would count a worker killed outright for ever."""
    other_replica = AuditQueue(redis_url, name=queue.name)
    assert queue.live_workers() == other_replica.live_workers() == 0
    worker = queue.worker(simple=True, name=f"idle-{uuid.uuid4().hex[:6]}")
    worker.register_birth()
    client = redis.Redis.from_url(redis_url)
    try:
        assert queue.live_workers() == other_replica.live_workers() == 1
        assert 0 < client.ttl(worker.key) <= WORKER_TTL_SECONDS + 60  # about two minutes
        client.delete(worker.key)  # killed while idle: its hash expired, no death registered
        assert Worker.count(queue=queue._queue) == 1  # RQ's registry still lists it
        assert queue.live_workers() == other_replica.live_workers() == 0
    finally:
        worker.register_death()


def test_the_first_stage_says_queued_for_a_worker_when_one_listens(
    queue: AuditQueue, redis_url: str, target: str
) -> None:
    replica = Replica(redis_url, queue, target, timeout=600, no_worker=GRACE)
    idle = queue.worker(simple=True, name=f"idle-{uuid.uuid4().hex[:6]}")
    idle.register_birth()
    try:
        requester = replica.ask()
        until(lambda: requester.stages, "the first stage")
        assert requester.stages[0] == QUEUED
        drain(queue)
        requester.wait()
        assert requester.error is None, requester.error
    finally:
        idle.register_death()
        replica.close()
