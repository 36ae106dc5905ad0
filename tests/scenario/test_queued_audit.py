"""IAM_AUDIT_QUEUE=rq end to end: /iam-audit audit is queued, a worker runs it, Slack gets it."""

from __future__ import annotations

import uuid

import pytest
import redis

from bot.runs.queue import AuditQueue, QueuedAccountAudits

pytestmark = pytest.mark.redis


@pytest.fixture
def live_redis(redis_url: str) -> str:
    try:
        redis.Redis.from_url(redis_url).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on the test URL")
    return redis_url


def test_an_audit_command_is_run_by_a_worker_and_answered_in_slack(
    make_bot, live_redis: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", live_redis)  # the worker reads its own environment
    bot = make_bot(env={"IAM_AUDIT_QUEUE": "rq", "REDIS_URL": live_redis})
    assert isinstance(bot.services.audits, QueuedAccountAudits)
    assert bot.services.store.kind == "redis"
    # A queue of this test's own: another run on the same Redis (a second checkout's suite)
    # could otherwise take this job, or hand this test's worker its own.
    queue = AuditQueue(live_redis, name=f"test-queued-{uuid.uuid4().hex[:8]}")
    bot.services.audits._queue = queue

    assert bot.command("audit") == 200
    bot.mock.wait_until(
        lambda calls: any("queued for a worker" in c.body.get("text", "") for c in calls)
    )
    assert bot.collections == 0  # the bot process itself collected nothing

    assert queue.worker(simple=True, name=f"test-{uuid.uuid4().hex[:6]}").work(burst=True)

    bot.mock.wait_until(
        lambda calls: any(
            c.method == "chat.update" and "IAM audit of account" in c.body.get("text", "")
            for c in calls
        ),
        timeout=30,
    )
    latest = bot.services.audits.latest()
    assert latest is not None
    report, stored = latest
    assert report.is_demo  # the worker audited the demo account, as the bot asked
    assert stored.account_id == bot.services.audits.target
