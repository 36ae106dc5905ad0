"""RQ scale-out against the real Redis (db 15): an in-process worker runs real audit jobs.

`rq.SimpleWorker` with burst=True runs each job in this process and returns when the queue is
empty, so moto's in-process AWS is visible to the job and the test stays fast. Each test uses its
own queue name, so parallel runs and leftovers never mix.
"""

from __future__ import annotations

import json
import time
import uuid
import zlib
from collections.abc import Iterator

import boto3
import pytest
import redis
from moto import mock_aws

from bot.audit.report import Report
from bot.model.errors import ConfigError, IamAuditError, InputError, StoreError
from bot.runs.queue import (
    JOB_FUNCTION,
    AuditJobRequest,
    AuditQueue,
    worker_settings,
)
from bot.store.redis_store import RedisStore

pytestmark = pytest.mark.redis


@pytest.fixture
def queue(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AuditQueue]:
    client = redis.Redis.from_url(redis_url)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on the test URL")
    monkeypatch.setenv("REDIS_URL", redis_url)
    audit_queue = AuditQueue(redis_url, name=f"test-audits-{uuid.uuid4().hex[:8]}")
    yield audit_queue
    for key in client.scan_iter(f"rq:*{audit_queue.name}*"):
        client.delete(key)


def work(queue: AuditQueue) -> None:
    assert queue.worker(simple=True).work(burst=True) is True


def test_a_worker_runs_a_queued_demo_audit_and_the_report_is_in_the_store(
    queue: AuditQueue, redis_url: str
) -> None:
    job_id = queue.enqueue(AuditJobRequest(demo=True, target=f"demo-{uuid.uuid4().hex[:6]}"))
    assert queue.outcome(job_id).status == "queued"
    assert queue.pending() == 1

    work(queue)

    outcome = queue.outcome(job_id)
    assert outcome.status == "finished", outcome.error
    assert queue.pending() == 0
    result = outcome.result
    store = RedisStore.from_url(redis_url)
    stored = store.get_report(result["report_id"])
    assert stored is not None
    report = Report.from_dict(stored.data)
    assert report.is_demo
    assert report.summary() == result["summary"]
    assert sum(result["summary"].values()) > 0  # the demo account has findings
    assert store.latest_report_id(result["target"]) == result["report_id"]


def test_a_live_job_audits_the_workers_own_account_and_a_member_account(
    queue: AuditQueue,
) -> None:
    member = "210987654321"
    with mock_aws():
        boto3.client("iam").create_user(UserName="worker-sees-me")
        # A fresh credential report in both accounts: the job reuses it instead of waiting.
        boto3.client("iam").generate_credential_report()
        credentials = boto3.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{member}:role/iam-audit-member", RoleSessionName="setup"
        )["Credentials"]
        boto3.client(
            "iam",
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        ).generate_credential_report()
        own = queue.enqueue(AuditJobRequest(target=f"own-{uuid.uuid4().hex[:6]}"))
        other = queue.enqueue(AuditJobRequest(account=member))
        work(queue)
        results = [queue.outcome(own), queue.outcome(other)]
    assert [r.status for r in results] == ["finished", "finished"], [r.error for r in results]
    assert results[0].result["account_id"] == "123456789012"
    assert results[1].result["account_id"] == member  # entered through the member role
    assert results[1].result["target"] == member


def test_job_payloads_are_json_naming_the_function_never_pickles(
    queue: AuditQueue, redis_url: str
) -> None:
    job_id = queue.enqueue(AuditJobRequest(account="123456789012", only=("root.mfa_disabled",)))
    raw = redis.Redis.from_url(redis_url).hget(f"rq:job:{job_id}", "data")
    assert raw is not None
    # RQ zlib-compresses the payload; inside is JSON (a pickle would not parse).
    payload = json.loads(zlib.decompress(raw))
    assert payload[0] == JOB_FUNCTION
    assert payload[3] == {
        "request": {
            "account": "123456789012",
            "target": "",
            "only": ["root.mfa_disabled"],
            "demo": False,
        }
    }


def test_a_bad_job_fails_with_one_sentence_not_a_traceback(queue: AuditQueue) -> None:
    # Bypass the request class, as a stranger writing to the queue would.
    job = queue._queue.enqueue_call(JOB_FUNCTION, kwargs={"request": {"account": "../../etc"}})
    work(queue)
    outcome = queue.outcome(job.id)
    assert outcome.status == "failed"
    assert "12-digit account" in outcome.error
    assert "Traceback" not in outcome.error
    assert "\n" not in outcome.error


def test_a_job_without_redis_url_in_the_worker_fails_clearly(
    queue: AuditQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = queue.enqueue(AuditJobRequest(demo=True))
    monkeypatch.delenv("REDIS_URL")
    work(queue)
    assert "REDIS_URL is not set" in queue.outcome(job_id).error


def test_wait_polls_until_done_and_times_out_with_a_hint(queue: AuditQueue) -> None:
    job_id = queue.enqueue(AuditJobRequest(demo=True))
    ticks = iter(range(100))
    seen: list[str] = []
    with pytest.raises(IamAuditError, match="iam-audit worker"):
        queue.wait(
            job_id,
            timeout_seconds=3,
            sleep=lambda _s: None,
            clock=lambda: float(next(ticks)),
            on_status=seen.append,
        )
    assert seen == ["queued"]
    work(queue)
    done = queue.wait(job_id, timeout_seconds=3, sleep=lambda _s: None)
    assert done.status == "finished"


def test_unknown_job_ids_are_reported_as_missing(queue: AuditQueue) -> None:
    outcome = queue.outcome("audit-does-not-exist")
    assert outcome.status == "missing"
    assert outcome.done


def test_an_unreachable_redis_is_a_store_error() -> None:
    dead = AuditQueue("redis://127.0.0.1:1/15")
    with pytest.raises(StoreError, match="job queue"):
        dead.enqueue(AuditJobRequest())


@pytest.mark.parametrize(
    "data",
    [
        "not an object",
        {"account": "12345"},
        {"account": "self", "only": "root.mfa_disabled"},
        {"account": "self", "surprise": 1},
        {"account": "self", "target": "has spaces in it"},
    ],
)
def test_malformed_job_data_is_refused(data: object) -> None:
    with pytest.raises(InputError):
        AuditJobRequest.from_dict(data)


def test_worker_settings_list_every_problem_together() -> None:
    with pytest.raises(ConfigError) as caught:
        worker_settings({"IAM_AUDIT_ORG_ROLE": "bad role", "IAM_AUDIT_EXTERNAL_ID": "x"})
    problems = " | ".join(caught.value.problems)
    assert "REDIS_URL" in problems
    assert "IAM_AUDIT_ORG_ROLE" in problems
    assert "IAM_AUDIT_EXTERNAL_ID" in problems


def test_the_worker_command_drains_the_queue_and_lists_config_problems(
    redis_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import logging

    from bot.cli import main
    from bot.runtime.observability import make_handler

    ours = type(make_handler())
    try:
        monkeypatch.delenv("REDIS_URL", raising=False)
        monkeypatch.setenv("IAM_AUDIT_ORG_ROLE", "not a role")
        assert main(["worker", "--burst"]) == 2
        err = capsys.readouterr().err
        assert "REDIS_URL is not set" in err
        assert "IAM_AUDIT_ORG_ROLE" in err

        monkeypatch.delenv("IAM_AUDIT_ORG_ROLE")
        monkeypatch.setenv("REDIS_URL", redis_url)
        queue = AuditQueue(redis_url)  # the default queue the command listens on
        job_id = queue.enqueue(AuditJobRequest(demo=True, target=f"cli-{uuid.uuid4().hex[:6]}"))
        assert main(["worker", "--burst", "--no-fork", "--log-format", "json"]) == 0
        assert queue.outcome(job_id).status == "finished"
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if isinstance(h, ours)]:
            root.removeHandler(handler)


def test_a_stopping_worker_does_not_wait_a_minute_for_its_command_listener(
    queue: AuditQueue,
) -> None:
    """RQ's listener for `rq suspend` / kill commands polled Redis every 60 s and stopping it
    waited for that poll: `iam-audit worker --burst` (and a SIGTERM'd worker) hung for up to a
    minute, half the time. The bot's workers poll every second."""
    worker = queue.worker(simple=True)
    worker.subscribe()
    # The race a stopping worker loses half the time: the listener takes the UNSUBSCRIBE reply
    # before being told to stop, and goes back to its blocking read.
    worker.pubsub.unsubscribe()
    time.sleep(0.3)
    started = time.monotonic()
    worker.unsubscribe()
    assert time.monotonic() - started < 5
