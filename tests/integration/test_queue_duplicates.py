"""The same queued audit asked for again before a worker picked the first one up
(IAM_AUDIT_QUEUE=rq), against the real Redis (db 15) and real RQ workers.

A requester whose audit sat queued with no worker is told so and the wait ends with the job still
queued (test_queue_without_workers). Asking again then, on the same replica or another, used to
queue a second job for the same audit: both ran once a worker came. Now the second request is
told the first is still queued (which job, since when) and waits for that job; no second job is
queued. Once the first has started or finished, a new request queues a new audit as before.
"""

# ruff: noqa: F811 - the queue and target fixtures are test_runs_crash's, taken by name

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid

import pytest
import redis

from bot.runs.queue import QUEUED, QUEUED_NO_WORKER, AuditJobRequest, AuditQueue
from tests.integration.test_runs_crash import (  # noqa: F401 - fixtures
    Replica,
    drain,
    queue,
    queued_job_ids,
    target,
    until,
)

pytestmark = pytest.mark.redis

GRACE = 0.5  # seconds without a live worker before a requester is told (90 s in the bot)


def ask_and_give_up(replica: Replica) -> str:
    """A request that waits out the no-worker grace; returns the job it left queued."""
    first = replica.ask()
    first.wait()
    assert "no `iam-audit worker` is running" in str(first.error)
    [job_id] = queued_job_ids(replica.audits._queue)
    return job_id


@pytest.mark.parametrize("where", ["same replica", "another replica"])
def test_asking_again_while_the_first_is_queued_waits_for_it_instead_of_queueing_another(
    queue: AuditQueue, redis_url: str, target: str, where: str
) -> None:
    one = Replica(redis_url, queue, target, timeout=60, no_worker=GRACE)
    other = (
        one
        if where == "same replica"
        else Replica(redis_url, queue, target, timeout=60, no_worker=GRACE)
    )
    try:
        job_id = ask_and_give_up(one)
        again = other.ask()
        until(lambda: again.stages, "the second request's first stage")
        said = again.stages[0]
        assert "already queued" in said
        assert job_id in said  # which job
        assert " UTC" in said  # and since when
        assert "no second audit" in said
        time.sleep(0.2)
        assert queued_job_ids(queue) == [job_id]  # nothing queued by the second request
        drain(queue)
        again.wait()
        assert again.error is None, again.error
        assert again.result.report_id == queue.outcome(job_id).result["report_id"]
        assert queue._queue.finished_job_registry.count == 1  # one audit ran
    finally:
        one.close()
        if other is not one:
            other.close()


def test_two_replicas_asking_at_once_queue_one_job(
    queue: AuditQueue, redis_url: str, target: str
) -> None:
    """Without the account lock between them (the digest's audit step calls the pipeline
    directly): the claim of the queued audit is one Redis transaction with the enqueue."""
    request = AuditJobRequest(demo=True, target=target)
    queues = [AuditQueue(redis_url, name=queue.name) for _ in range(8)]
    start = threading.Barrier(len(queues))
    got: list[tuple[str, object]] = []

    def enqueue(q: AuditQueue) -> None:
        start.wait(10)
        got.append(q.enqueue_once(request))

    threads = [threading.Thread(target=enqueue, args=(q,)) for q in queues]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(got) == len(queues)
    assert len(queued_job_ids(queue)) == 1
    assert {job_id for job_id, _ in got} == set(queued_job_ids(queue))
    assert sum(1 for _, before in got if before is None) == 1  # one queued it, the rest joined


def test_once_the_first_has_started_a_new_request_queues_a_new_audit(
    queue: AuditQueue, redis_url: str, target: str
) -> None:
    replica = Replica(redis_url, queue, target, timeout=60, no_worker=GRACE)
    worker = queue.worker(simple=True)
    try:
        first = ask_and_give_up(replica)
        worker.register_birth()
        job, _ = worker.dequeue_job_and_maintain_ttl(timeout=1)
        worker.prepare_execution(job)
        worker.prepare_job_execution(job)
        assert queue.outcome(first).status == "started"
        again = replica.ask()
        until(lambda: again.stages, "the second request's first stage")
        assert again.stages[0] == QUEUED  # a worker lives (busy with the first)
        until(lambda: len(queued_job_ids(queue)) == 1, "a new job to be queued")
        [second] = queued_job_ids(queue)
        assert second != first
        drain(queue)
        again.wait()
        assert again.error is None, again.error
    finally:
        worker.register_death()
        replica.close()


def test_once_the_first_has_finished_a_new_request_queues_a_new_audit(
    queue: AuditQueue, redis_url: str, target: str
) -> None:
    replica = Replica(redis_url, queue, target, timeout=60, no_worker=GRACE)
    try:
        first = ask_and_give_up(replica)
        drain(queue)
        assert queue.outcome(first).status == "finished"
        again = replica.ask()
        until(lambda: again.stages, "the second request's first stage")
        assert again.stages[0] == QUEUED_NO_WORKER
        until(lambda: len(queued_job_ids(queue)) == 1, "a new job to be queued")
        [second] = queued_job_ids(queue)
        assert second != first
        drain(queue)
        again.wait()
        assert again.error is None, again.error
        assert again.result.report_id == queue.outcome(second).result["report_id"]
    finally:
        replica.close()


def test_another_scope_is_another_audit(queue: AuditQueue, redis_url: str, target: str) -> None:
    """Only the same audit (account, report key, checks, demo) is joined."""
    full = AuditJobRequest(demo=True, target=target)
    some = AuditJobRequest(demo=True, target=target, only=("root.mfa_disabled",))
    first, before = queue.enqueue_once(full)
    assert before is None
    second, before = queue.enqueue_once(some)
    assert before is None
    assert second != first
    third, before = queue.enqueue_once(full)
    assert (third, before is not None) == (first, True)
    assert len(queued_job_ids(queue)) == 2


def test_deployments_under_other_prefixes_each_queue_the_same_audit(
    queue: AuditQueue, redis_url: str, target: str
) -> None:
    """Two deployments sharing one Redis under different store prefixes: the marker of one's
    queued audit is not the other's (it was: the marker ignored the prefix)."""
    ours, theirs = (f"iam-audit-test:{uuid.uuid4().hex[:8]}:" for _ in range(2))
    request = AuditJobRequest(demo=True, target=target)
    try:
        first, before = AuditQueue(redis_url, name=queue.name, prefix=ours).enqueue_once(request)
        assert before is None
        other, before = AuditQueue(redis_url, name=queue.name, prefix=theirs).enqueue_once(request)
        assert before is None  # queued, not joined to the other deployment's job
        assert other != first
        again, before = AuditQueue(redis_url, name=queue.name, prefix=ours).enqueue_once(request)
        assert (again, before is not None) == (first, True)  # the same prefix joins
        assert sorted(queued_job_ids(queue)) == sorted([first, other])
    finally:
        client = redis.Redis.from_url(redis_url)
        for prefix in (ours, theirs):
            for key in client.scan_iter(prefix + "*"):
                client.delete(key)


def test_a_marker_from_before_the_prefix_is_still_honoured_under_the_default_prefix(
    queue: AuditQueue, redis_url: str, target: str
) -> None:
    """An audit queued by the previous version (its marker named without a configurable
    prefix) is still joined after an upgrade: the default prefix gives the same name."""
    request = AuditJobRequest(demo=True, target=target)
    job_id = f"audit-{target}-before"
    queue._enqueue_call(request, job_id, pipeline=None)
    identity = json.dumps(request.to_dict(), sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
    old_name = f"iam-audit:queued-audit:{queue.name}:{request.store_key}:{digest}"
    redis.Redis.from_url(redis_url).set(old_name, job_id, ex=60)
    joined, before = queue.enqueue_once(request)
    assert (joined, before is not None) == (job_id, True)
    assert queued_job_ids(queue) == [job_id]
