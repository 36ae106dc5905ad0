"""The bot on the real Redis (db 15), and on a Redis that is down."""

from __future__ import annotations

import json
import uuid

import redis

from bot.store.redis_store import RedisStore


def test_audit_result_is_cached_in_redis_and_paged_from_it(make_bot, redis_url) -> None:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    prefix = f"iam-audit-scenario:{uuid.uuid4().hex[:8]}:"
    try:
        bot = make_bot(store=RedisStore(client, prefix=prefix))
        bot.command("audit", via="http")
        bot.mock.wait_until(
            lambda calls: any("IAM audit of account" in c.body.get("text", "") for c in calls)
        )
        bot.services.jobs.wait_idle()
        latest = client.get(prefix + "latest:demo")
        assert latest
        assert client.ttl(prefix + "report:" + latest) > 0
        assert client.get(prefix + "lock:audit:demo") is None  # released after the audit
        bot.clock.advance(hours=2)
        bot.command("status", via="http")
        reply = bot.mock.wait_for("response_url")[-1].body
        assert "2 h ago" in reply["text"]
    finally:
        for key in client.scan_iter(prefix + "*"):
            client.delete(key)


def test_redis_down_gives_a_clear_message_not_a_crash(make_bot) -> None:
    down = RedisStore.from_url("redis://127.0.0.1:1/0")
    bot = make_bot(store=down)
    assert bot.command("status") == 200
    reply = bot.mock.wait_for("response_url")[0].body
    assert reply["text"] == "The bot's state store (Redis) is unreachable; try again shortly."
    status, body = bot.get("/healthz")
    assert status == 503
    assert json.loads(body) == {"ok": False, "store": "unreachable"}
