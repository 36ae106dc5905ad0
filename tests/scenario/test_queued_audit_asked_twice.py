"""IAM_AUDIT_QUEUE=rq in Slack: `/iam-audit audit` asked again while the first audit is still
queued for a worker is told so (which job, since when) and gets that audit's report; no second
job is queued. Before, the second command queued a second audit of the same account."""

from __future__ import annotations

import uuid

import pytest
import redis

from bot.runs.queue import AuditQueue

pytestmark = pytest.mark.redis

GRACE = 0.5  # seconds without a live worker before the requester is told (90 s in the bot)


def texts(calls) -> list[str]:
    sent = ("chat.postMessage", "chat.update")
    return [c.body.get("text", "") for c in calls if c.method in sent]


def test_asking_again_while_the_audit_is_queued_says_so_and_queues_nothing(
    make_bot, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on the test URL")
    monkeypatch.setenv("REDIS_URL", redis_url)  # the worker reads its own environment
    bot = make_bot(env={"IAM_AUDIT_QUEUE": "rq", "REDIS_URL": redis_url})
    queue = AuditQueue(redis_url, name=f"test-asked-twice-{uuid.uuid4().hex[:8]}")
    bot.services.audits._queue = queue  # a queue of this test's own, not the bot's shared one
    bot.services.audits._no_worker = GRACE
    try:
        assert bot.command("audit") == 200
        bot.mock.wait_until(lambda calls: any("stays queued" in t for t in texts(calls)))
        [job_id] = queue._queue.job_ids

        assert bot.command("audit") == 200
        bot.mock.wait_until(lambda calls: any("already queued" in t for t in texts(calls)))
        said = next(t for t in texts(bot.mock.calls) if "already queued" in t)
        assert job_id in said
        assert "UTC" in said
        assert "no second audit queued" in said
        assert queue._queue.job_ids == [job_id]

        assert queue.worker(simple=True, name=f"test-{uuid.uuid4().hex[:6]}").work(burst=True)
        bot.mock.wait_until(
            lambda calls: any(
                c.method == "chat.update" and "IAM audit of account" in c.body.get("text", "")
                for c in calls
            ),
            timeout=30,
        )
        assert queue._queue.finished_job_registry.count == 1  # one audit ran
    finally:
        bot.services.jobs.wait_idle(30)
        for key in client.scan_iter(f"rq:*{queue.name}*"):
            client.delete(key)
        for key in client.scan_iter(f"iam-audit:queued-audit:{queue.name}:*"):
            client.delete(key)
