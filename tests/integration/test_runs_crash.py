"""Queued audit runs (IAM_AUDIT_QUEUE=rq) when things go wrong, against the real Redis (db 15).

The bot side is the real pipeline: bot.runs.jobs.AuditJobs (one audit per account, the Redis
account lock) around bot.runs.queue.QueuedAccountAudits (enqueue, poll the job). Workers are
rq.SimpleWorker in burst mode in the test's main thread (RQ installs signal handlers, which only
the main thread may do), so moto-free demo audits run in this process.

(a) a worker killed mid-run: the job started, its worker gone, no heartbeat;
(b) the same audit asked twice (a double click on one replica, a click on another);
(c) a job whose payload in Redis cannot be read.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import redis
from rq import Callback

from bot.audit.config import AuditConfig
from bot.model.errors import IamAuditError
from bot.runs.account_audits import AccountAudits
from bot.runs.jobs import AuditJobs, lock_name
from bot.runs.queue import (
    JOB_FUNCTION,
    NO_WORKER_SECONDS,
    AuditJobRequest,
    AuditQueue,
    QueuedAccountAudits,
)
from bot.store.redis_store import RedisStore

pytestmark = pytest.mark.redis

WAIT = 20.0  # seconds a requester may wait for its answer in these tests


def utc_now() -> datetime:
    return datetime.now(UTC)


class Requester:
    """A subscriber as the Slack layer is one: told each stage, then the result or the error."""

    def __init__(self) -> None:
        self.stages: list[str] = []
        self.result: Any = None
        self.error: IamAuditError | None = None
        self.answered = threading.Event()

    def on_stage(self, stage: str, joined: int) -> None:
        self.stages.append(stage)

    def on_done(self, result: Any) -> None:
        self.result = result
        self.answered.set()

    def on_error(self, error: IamAuditError) -> None:
        self.error = error
        self.answered.set()

    def wait(self) -> None:
        assert self.answered.wait(WAIT), f"no answer within {WAIT} s; stages: {self.stages}"


@pytest.fixture
def queue(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AuditQueue]:
    client = redis.Redis.from_url(redis_url)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on the test URL")
    monkeypatch.setenv("REDIS_URL", redis_url)  # the job function's own settings
    audit_queue = AuditQueue(redis_url, name=f"test-crash-{uuid.uuid4().hex[:8]}")
    yield audit_queue
    for key in client.scan_iter(f"rq:*{audit_queue.name}*"):
        client.delete(key)


@pytest.fixture
def target(redis_url: str) -> Iterator[str]:
    name = f"crash-{uuid.uuid4().hex[:8]}"
    yield name
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"iam-audit:*{name}*"):
        client.delete(key)


class Replica:
    """One bot replica: its own AuditJobs and queued pipeline, the shared Redis."""

    def __init__(
        self,
        redis_url: str,
        queue: AuditQueue,
        target: str,
        *,
        timeout: float,
        no_worker: float = NO_WORKER_SECONDS,
    ) -> None:
        self.store = RedisStore.from_url(redis_url)
        inner = AccountAudits(
            target=target,
            source=lambda _now: pytest.fail("a queued audit never collects in the bot"),
            store=self.store,
            config=AuditConfig(),
            clock=utc_now,
            ttl_seconds=3600,
        )
        self.audits = QueuedAccountAudits(
            inner,
            queue=queue,
            demo=True,
            timeout_seconds=timeout,
            poll_seconds=0.02,
            no_worker_seconds=no_worker,
        )
        self.jobs = AuditJobs(
            store=self.store,
            workers=2,
            max_queued=4,
            lock_ttl_seconds=30,
            clock=utc_now,
            lock_poll_seconds=0.02,
        )
        self.target = target

    def ask(self) -> Requester:
        requester = Requester()
        self.jobs.submit(self.target, self.audits.run, requester)
        return requester

    def close(self) -> None:
        self.jobs.wait_idle(WAIT)
        self.jobs.shutdown()


def until(condition, what: str, seconds: float = WAIT) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def drain(queue: AuditQueue) -> None:
    """Run the queued jobs in this thread."""
    assert queue.worker(simple=True).work(burst=True)


def queued_job_ids(queue: AuditQueue) -> list[str]:
    return list(queue._queue.job_ids)


def start_and_kill_a_worker(queue: AuditQueue, redis_url: str) -> str:
    """A worker takes the next job and starts it, then dies without a word (SIGKILL, OOM, the
    machine gone): no death registered, no result, and its heartbeat lapses."""
    worker = queue.worker(simple=True)
    worker.register_birth()
    job, _ = worker.dequeue_job_and_maintain_ttl(timeout=1)
    worker.prepare_execution(job)
    worker.prepare_job_execution(job)
    assert queue.outcome(job.id).status == "started"
    client = redis.Redis.from_url(redis_url)
    client.delete(worker.key)  # the worker's own heartbeat key expires with it
    started = queue._queue.started_job_registry.key
    for member in client.zrange(started, 0, -1):
        # The execution's heartbeat deadline (RQ: 90 s after the last beat) has passed.
        client.zadd(started, {member: time.time() - 1})
    return str(job.id)


# --- (a) a worker killed mid-run -----------------------------------------------------------


def test_a_job_whose_worker_died_is_failed_with_a_sentence_not_left_started(
    queue: AuditQueue, redis_url: str
) -> None:
    """Nobody else needs to run RQ's maintenance: reading the outcome of a started job whose
    worker stopped beating says it failed, in words, instead of 'started' forever."""
    queue.enqueue(AuditJobRequest(demo=True, target=f"t-{uuid.uuid4().hex[:6]}"))
    job_id = start_and_kill_a_worker(queue, redis_url)
    outcome = queue.outcome(job_id)
    assert outcome.status == "failed"
    assert outcome.done
    assert "worker" in outcome.error
    assert "stopped" in outcome.error
    for raw in ("AbandonedJobError", "FailedJobRegistry", "rq."):
        assert raw not in outcome.error


def test_the_requester_hears_the_worker_died_and_the_next_request_runs(
    queue: AuditQueue, redis_url: str, target: str
) -> None:
    replica = Replica(redis_url, queue, target, timeout=600)  # 10 min: long before the timeout
    try:
        first = replica.ask()
        until(lambda: queue.pending() == 1, "the job to be queued")
        start_and_kill_a_worker(queue, redis_url)
        first.wait()
        assert first.result is None
        assert first.error is not None
        message = str(first.error)
        assert "worker" in message
        assert "stopped" in message
        assert "AbandonedJobError" not in message
        # Not reported running any more, and the account lock is free again.
        until(lambda: not replica.jobs.is_running(target), "the run to end")
        assert replica.store.lock_owner(lock_name(target)) is None

        second = replica.ask()
        until(lambda: queue.pending() == 1, "the second job to be queued")
        drain(queue)
        second.wait()
        assert second.error is None, second.error
        assert second.result.report.is_demo
    finally:
        replica.close()


def test_the_account_lock_of_a_replica_killed_mid_wait_does_not_block_the_next_request(
    queue: AuditQueue, redis_url: str, target: str
) -> None:
    """The replica that held the account lock (and polled the job) was killed too: its lock is
    no longer renewed, expires with its TTL, and the next request runs instead of waiting
    forever or being told someone else is auditing."""
    replica = Replica(redis_url, queue, target, timeout=WAIT)
    try:
        assert replica.store.acquire_lock(lock_name(target), "dead-replica:1:0000", 1)
        assert replica.jobs.is_running(target)  # while its TTL lasts
        requester = replica.ask()
        until(lambda: queue.pending() == 1, "the job to be queued once the lock expired")
        drain(queue)
        requester.wait()
        assert requester.error is None, requester.error
        assert requester.result.report.is_demo
        assert "waiting for the running audit" in requester.stages
        until(lambda: not replica.jobs.is_running(target), "the run to end")
    finally:
        replica.close()


# --- (b) the same audit asked twice ----------------------------------------------------------


def test_a_double_click_and_a_click_on_another_replica_run_one_audit_and_all_get_its_report(
    queue: AuditQueue, redis_url: str, target: str
) -> None:
    """The second replica's request arrives while the worker runs the first one's job; it waits
    on the account lock and reuses that report (bot.runs.jobs: 'the second replica waits and
    reuses the first one's report') instead of queueing a second audit."""
    one = Replica(redis_url, queue, target, timeout=WAIT)
    other = Replica(redis_url, queue, target, timeout=WAIT)
    asked: dict[str, Requester] = {}
    try:
        asked["click"] = one.ask()
        asked["double click"] = one.ask()  # joins the running audit on the same replica
        until(lambda: queue.pending() == 1, "the job to be queued")
        job_id = queued_job_ids(queue)[0]

        def click_on_the_other_replica_while_the_job_runs() -> None:
            until(lambda: queue.outcome(job_id).status == "started", "the worker to start")
            asked["other replica"] = other.ask()

        clicker = threading.Thread(target=click_on_the_other_replica_while_the_job_runs)
        clicker.start()
        drain(queue)
        clicker.join(WAIT)
        for requester in asked.values():
            requester.wait()
        errors = {name: str(r.error) for name, r in asked.items() if r.error}
        assert not errors
        report_ids = {name: r.result.report_id for name, r in asked.items()}
        assert len(set(report_ids.values())) == 1, report_ids
        assert queue.outcome(job_id).result["report_id"] in report_ids.values()
        assert asked["other replica"].result.reused
        assert queue.pending() == 0
        assert queue._queue.finished_job_registry.count == 1  # one audit ran
    finally:
        one.close()
        other.close()


# --- (c) a job whose payload cannot be read --------------------------------------------------


def test_a_malformed_payload_fails_in_words_and_the_worker_keeps_serving(
    queue: AuditQueue, redis_url: str, target: str
) -> None:
    replica = Replica(redis_url, queue, target, timeout=WAIT)
    client = redis.Redis.from_url(redis_url)
    try:
        requester = replica.ask()
        until(lambda: queue.pending() == 1, "the job to be queued")
        bad = queued_job_ids(queue)[0]
        client.hset(f"rq:job:{bad}", "data", b"\x00 not zlib, not JSON")
        good = queue.enqueue(AuditJobRequest(demo=True, target=f"{target}-next"))

        drain(queue)

        assert queue.outcome(good).status == "finished"  # the worker went on to the next job
        outcome = queue.outcome(bad)
        assert outcome.status == "failed"
        requester.wait()
        message = str(requester.error)
        for said in (outcome.error, message):
            assert "could not be read" in said
            assert "DeserializationError" not in said
            assert "rq." not in said
            assert "\n" not in said
    finally:
        replica.close()


@pytest.mark.parametrize(
    ("last_line", "expected"),
    [
        ("rq.exceptions.DeserializationError", "could not be read"),
        (
            "Moved to FailedJobRegistry, due to AbandonedJobError, at 2026-12-07 13:49:43+00:00",
            "stopped",
        ),
        (
            "rq.timeouts.JobTimeoutException: Task exceeded maximum timeout value (900 seconds)",
            "900 s",
        ),
        ("bot.model.errors.InputError: an audit job needs 'self'", "an audit job needs 'self'"),
        ("TypeError: run_audit_job() got an unexpected keyword argument 'x'", "could not be read"),
    ],
)
def test_failure_sentences(last_line: str, expected: str) -> None:
    from bot.runs.queue import failure_sentence

    said = failure_sentence(f"Traceback (most recent call last):\n  File 'x'\n{last_line}\n")
    assert expected in said
    assert "Traceback" not in said
    for name in ("rq.", "Error:", "Exception"):
        assert name not in said


def test_a_job_naming_another_function_or_a_callback_is_refused_not_run(
    queue: AuditQueue, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The payload is JSON, but RQ imports and calls whatever function (and success / failure
    callback) a job names: someone who can write to the queue's Redis could have a worker, or
    the bot cleaning up after a dead worker, call any importable function. Only the audit
    function runs, without callbacks; anything else fails in one sentence and the worker goes
    on."""
    marker = tmp_path / "ran"
    forged = queue._queue.enqueue_call("os.mkdir", args=[str(marker)])
    request = {"request": AuditJobRequest(demo=True, target="forged-cb").to_dict()}
    callback = queue._queue.enqueue_call(
        JOB_FUNCTION, kwargs=request, on_success=Callback("builtins.print")
    )
    good = queue.enqueue(AuditJobRequest(demo=True, target=f"forged-{uuid.uuid4().hex[:6]}"))
    drain(queue)
    assert not marker.exists()
    assert "Job" not in capsys.readouterr().out  # print(job, connection, result) never ran
    for job in (forged, callback):
        outcome = queue.outcome(job.id)
        assert outcome.status == "failed"
        assert outcome.error.startswith("this queue runs audits only")
        assert "\n" not in outcome.error
    assert queue.outcome(good).status == "finished"
