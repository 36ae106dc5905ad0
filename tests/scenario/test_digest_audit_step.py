"""The digest's audit step and a user's `/iam-audit audit` at the same time: one audit.

The digest audited each account by calling the pipeline directly, outside the bot's audit runs
(bot.runs.jobs): it took no account lock and was not seen as running, so a user asking for an
audit while the digest audited, on that replica or another, ran a second audit of the same
account at once (collected twice). Now the digest's audit goes through the audit runs: on the
same replica the user's request joins it, on another it waits for the account lock and reuses
the digest's report. The digest slot itself was never run twice by two replicas: the slot is
claimed before the audit step (tests/integration/test_digest_crash.py).

The Slack harness (mock Slack Web API, the bot's own app); two replicas share a real Redis
store (db 15) under a prefix of this test's own.
"""

from __future__ import annotations

import threading

import pytest

from bot.digest.scheduler import build_digest_scheduler
from bot.store.redis_store import RedisStore

pytestmark = pytest.mark.redis


@pytest.fixture
def shared_store(redis_under_prefix) -> RedisStore:
    client, prefix = redis_under_prefix
    return RedisStore(client, prefix=prefix)


def until(condition, what: str, seconds: float = 15.0) -> None:
    done = threading.Event()
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def audit_answered(bot) -> bool:
    return any(
        c.method == "chat.update" and "IAM audit of account" in c.body.get("text", "")
        for c in bot.mock.calls
    )


def digest_posted(bot) -> bool:
    return any("IAM digest" in str(c.body) for c in bot.mock.calls_to("chat.postMessage"))


def stages_said(bot) -> str:
    return " ".join(c.body.get("text", "") for c in bot.mock.calls if c.method == "chat.update")


@pytest.mark.parametrize("where", ["same replica", "another replica"])
def test_an_audit_asked_during_the_digests_audit_is_not_run_a_second_time(
    make_bot, shared_store: RedisStore, where: str
) -> None:
    leader = make_bot(store=shared_store)
    other = leader if where == "same replica" else make_bot(store=shared_store)
    leader.services.digests = build_digest_scheduler(leader.services, {})
    leader.gate = threading.Event()  # holds the digest's audit mid-collection
    try:
        assert leader.command("digest now") == 200
        until(lambda: leader.collections == 1, "the digest's audit to start collecting")
        assert other.command("audit") == 200
        if where == "another replica":
            until(
                lambda: "waiting for the running audit" in stages_said(other),
                "the other replica to wait for the digest's audit",
            )
        threading.Event().wait(0.5)  # time for a second audit to start collecting, if one ran
        assert other.collections == (1 if other is leader else 0)  # no second collection
    finally:
        leader.gate.set()
    until(lambda: digest_posted(leader), "the digest to be posted")
    until(lambda: audit_answered(other), "the user's audit to be answered")
    assert leader.collections + (other.collections if other is not leader else 0) == 1
