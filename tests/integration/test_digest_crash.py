"""The morning digest when a process dies, Slack answers 5xx or Redis is away, on the real Redis.

A death is a BaseException no ``except Exception`` catches (the process is gone: nothing after
it runs), then the TTLs run out (an expiry time in the past, no waiting).
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis

from bot.digest.run import DigestRunner, refused_by_slack
from bot.digest.schedule import DigestSchedule, parse_cron
from bot.digest.scheduler import DigestScheduler
from bot.model.errors import DeliveryError, InputError, StoreError
from bot.slack.delivery import Delivery, make_web_client
from bot.slack.digest_post import SlackDigestPoster
from bot.store import InMemoryStore
from bot.store.digests import RedisDigestStore
from tests.digest_support import FakeAudits, FakePoster, finding, report
from tests.fake_clock import Clock
from tests.scenario.mock_slack import Call, MockSlack

pytestmark = pytest.mark.redis

MONDAY_9 = datetime(2026, 11, 30, 9, 0, 2, tzinfo=UTC)
CHANNEL = "C0DIGEST"
SLOT = "2026-11-30T09:00Z"
SLOT_KEY = f"digest:slot:{CHANNEL}:{SLOT}"  # under the test's prefix


class Killed(BaseException):
    """The process dies here."""


@pytest.fixture
def rds(redis_under_prefix: tuple[redis.Redis, str]) -> tuple[redis.Redis, str]:
    """The suite's Redis under this test's own prefix (tests/conftest.py)."""
    return redis_under_prefix


def expire(client: redis.Redis, key: str) -> None:
    client.pexpireat(key, 1)


def the_dead_leaders_locks_run_out(client: redis.Redis, prefix: str) -> None:
    """The leader lock and the slot lease of a process killed mid-run: nothing renews them."""
    expire(client, prefix + "digest:leader")
    expire(client, prefix + SLOT_KEY)


class DyingAudits(FakeAudits):
    def __init__(self) -> None:
        super().__init__([report(finding())])
        self.die = True

    def run(self, progress, reuse_since, only=frozenset()):  # type: ignore[no-untyped-def]
        if self.die:
            self.die = False
            raise Killed
        return super().run(progress, reuse_since, only)


class DiesAfterSlackAccepted(FakePoster):
    die = True

    def post_message(self, channel: str, message: dict[str, Any]) -> str:
        ts = super().post_message(channel, message)
        if self.die:
            self.die = False
            raise Killed
        return ts


def runner_on(rds, poster, audits=None, owner: str = "a") -> tuple[DigestRunner, RedisDigestStore]:
    client, prefix = rds
    store = RedisDigestStore(client, prefix=prefix)
    audits = audits or FakeAudits([report(finding())])
    return DigestRunner(
        accounts=[audits], store=store, poster=poster, clock=Clock(MONDAY_9), owner=owner
    ), store


def test_a_process_killed_during_the_audit_does_not_hold_the_slot_for_days(rds) -> None:
    client, prefix = rds
    poster = FakePoster()
    dying, _store = runner_on(rds, poster, DyingAudits())
    with pytest.raises(Killed):
        dying.run(channel=CHANNEL, slot=SLOT)
    key = prefix + SLOT_KEY
    assert 0 < client.ttl(key) <= 600  # a lease, not the 8 days of a posted slot
    again, _ = runner_on(rds, poster, owner="b")
    assert again.run(channel=CHANNEL, slot=SLOT).status == "slot_taken"  # the lease still holds
    expire(client, key)  # the dead process renews nothing
    outcome = again.run(channel=CHANNEL, slot=SLOT)
    assert outcome.status == "posted"
    assert len(poster.messages) == 1
    assert "retry" not in json.dumps(poster.messages[0][1]).lower()  # nothing was sent before


def test_a_process_killed_after_slack_accepted_is_retried_with_a_visible_note(rds) -> None:
    client, prefix = rds
    poster = DiesAfterSlackAccepted()
    dying, store = runner_on(rds, poster)
    with pytest.raises(Killed):
        dying.run(channel=CHANNEL, slot=SLOT)
    assert len(poster.messages) == 1
    other, _ = runner_on(rds, poster, owner="b")
    assert other.run(channel=CHANNEL, slot=SLOT).status == "slot_taken"  # no second, silently
    expire(client, prefix + SLOT_KEY)
    retry = other.run(channel=CHANNEL, slot=SLOT)
    assert retry.status == "posted"
    first, second = (m for _c, m in poster.messages)
    assert "retry" not in json.dumps(first).lower()
    assert second["text"].startswith("Retry: ")  # never an unexplained second digest
    assert store.posted_ts(CHANNEL, SLOT) == retry.message_ts[0]
    expire(client, prefix + SLOT_KEY)
    assert other.run(channel=CHANNEL, slot=SLOT).status == "slot_taken"  # posted: done
    assert len(poster.messages) == 2


def test_a_posted_slot_is_kept_for_days(rds) -> None:
    client, prefix = rds
    runner, _store = runner_on(rds, FakePoster())
    assert runner.run(channel=CHANNEL, slot=SLOT).status == "posted"
    assert client.ttl(prefix + SLOT_KEY) > 86400


def test_a_long_audit_keeps_its_lease(rds) -> None:
    client, prefix = rds
    key = prefix + SLOT_KEY
    seen: list[int] = []

    class SlowAudits(FakeAudits):
        def run(self, progress, reuse_since, only=frozenset()):  # type: ignore[no-untyped-def]
            threading.Event().wait(2.5)  # longer than the 1 s lease
            seen.append(client.pttl(key))
            return super().run(progress, reuse_since, only)

    store = RedisDigestStore(client, prefix=prefix)
    poster = FakePoster()
    runner = DigestRunner(
        accounts=[SlowAudits([report(finding())])],
        store=store,
        poster=poster,
        clock=Clock(MONDAY_9),
        slot_lease_seconds=1,
    )
    assert runner.run(channel=CHANNEL, slot=SLOT).status == "posted"
    assert seen
    assert seen[0] > 0  # renewed while the audit ran


# --- Slack 5xx ---------------------------------------------------------------------------------


class Slack5xx(MockSlack):
    """Slack's edge answers the first chat.postMessage with a 5xx page after the post went in."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__()
        self.failures = 1
        mock = self
        base = self._server.RequestHandlerClass

        class Handler(base):  # type: ignore[misc, valid-type]
            def do_POST(self) -> None:
                if self.path.startswith("/api/chat.postMessage") and mock.failures:
                    mock.failures -= 1
                    length = int(self.headers.get("Content-Length") or 0)
                    self.rfile.read(length)
                    mock.record(Call("chat.postMessage", {"gateway": status}))
                    self.send_response(status)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                super().do_POST()

        self._server.RequestHandlerClass = Handler


@pytest.mark.parametrize(
    ("status", "body"),
    [(503, b"<html>503 Service Unavailable</html>"), (502, b""), (504, b"upstream timed out")],
)
def test_a_5xx_from_slack_is_retried_with_a_visible_note_not_silently(rds, status, body) -> None:
    slack = Slack5xx(status, body)
    try:
        clock = Clock(MONDAY_9)
        client = make_web_client(token="xoxb-t", base_url=slack.base_url, sleep=lambda _s: None)
        delivery = Delivery(client, InMemoryStore(clock=clock), sleep=lambda _s: None)
        runner, store = runner_on(rds, SlackDigestPoster(delivery))
        with pytest.raises(DeliveryError) as caught:
            runner.run(channel=CHANNEL, slot=SLOT)
        assert not refused_by_slack(caught.value)  # a gateway page is no answer from Slack
        retry = runner.run(channel=CHANNEL, slot=SLOT)
        assert retry.status == "posted"
        posts = [c for c in slack.calls_to("chat.postMessage") if "gateway" not in c.body]
        assert len(posts) == 1
        assert posts[0].body["text"].startswith("Retry: ")
        assert store.posted_ts(CHANNEL, SLOT) == retry.message_ts[0]
    finally:
        slack.close()


def test_slack_error_codes_still_count_as_refusals() -> None:
    refused = DeliveryError("Slack refused: not_in_channel", slack_error="not_in_channel")
    assert refused_by_slack(refused)
    assert not refused_by_slack(DeliveryError("x", slack_error="service_unavailable"))


# --- the scheduler: Redis away, a leader dying, a retry ----------------------------------------


class FlakyStore(RedisDigestStore):
    """The real Redis store, unreachable while ``down`` is set."""

    down = False

    def __getattribute__(self, name: str) -> Any:
        attr = super().__getattribute__(name)
        if name.startswith("_") or name in ("down", "kind") or not callable(attr):
            return attr
        if super().__getattribute__("down"):

            def unreachable(*_a: Any, **_k: Any) -> Any:
                raise StoreError("the state store (Redis) failed during x: Connection refused")

            return unreachable
        return attr


def replica(rds, name: str, poster: FakePoster, clock: Clock, audits=None, **kwargs):
    client, prefix = rds
    store = FlakyStore(client, prefix=prefix)
    runner = DigestRunner(
        accounts=[audits or FakeAudits([report(finding())])],
        store=store,
        poster=poster,
        clock=clock,
        owner=name,
    )
    scheduler = DigestScheduler(
        runner=runner,
        store=store,
        configured=DigestSchedule(channel=CHANNEL),
        clock=clock,
        owner=name,
        **kwargs,
    )
    return scheduler, store


def test_redis_down_at_digest_time_is_logged_and_the_digest_follows_when_it_is_back(
    rds, caplog
) -> None:
    poster, clock = FakePoster(), Clock(MONDAY_9)
    scheduler, store = replica(rds, "a", poster, clock)
    try:
        assert scheduler.tick()
        store.down = True
        assert not scheduler.tick()
        assert scheduler.fire() is None  # no crash
        assert "digest for slot 2026-11-30T09:00Z" in caplog.text
        assert "state store" in caplog.text
        assert poster.messages == []
        clock.now += timedelta(minutes=3)
        store.down = False
        assert scheduler.tick()  # leader again: the owed slot is posted
        assert len(poster.messages) == 1
        clock.now += timedelta(minutes=3)
        scheduler.tick()
        assert len(poster.messages) == 1
    finally:
        scheduler.shutdown()


def test_a_failed_scheduled_run_is_retried_later_within_the_grace(rds) -> None:
    poster, clock = FakePoster(), Clock(MONDAY_9)
    scheduler, _store = replica(rds, "a", poster, clock)
    try:
        scheduler.tick()
        poster.fail_post = DeliveryError(
            "Slack refused: channel_not_found", slack_error="channel_not_found"
        )
        with pytest.raises(DeliveryError):
            scheduler.fire()
        poster.fail_post = None
        scheduler.tick()  # too soon: backing off
        assert poster.messages == []
        clock.now += timedelta(minutes=10)
        scheduler.tick()
        assert len(poster.messages) == 1
        clock.now += timedelta(hours=2)  # beyond the grace: nothing more is owed
        scheduler.tick()
        assert len(poster.messages) == 1
    finally:
        scheduler.shutdown()


def test_the_leader_dying_mid_run_is_finished_by_the_next_leader(rds) -> None:
    client, prefix = rds
    poster, clock = FakePoster(), Clock(MONDAY_9)
    a, _ = replica(rds, "a", poster, clock, DyingAudits())
    b, _ = replica(rds, "b", poster, clock)
    try:
        assert a.tick()
        assert not b.tick()
        assert b.fire() is None  # the follower leaves it to the leader
        with pytest.raises(Killed):
            a.fire()
        clock.now += timedelta(minutes=2)
        the_dead_leaders_locks_run_out(client, prefix)
        assert b.tick()
        assert len(poster.messages) == 1
    finally:
        b.shutdown()


def test_a_restarted_single_replica_finishes_the_slot_its_dead_run_left(rds) -> None:
    client, prefix = rds
    poster, clock = FakePoster(), Clock(MONDAY_9)
    a, _ = replica(rds, "a", poster, clock, DyingAudits())
    assert a.tick()
    with pytest.raises(Killed):
        a.fire()
    the_dead_leaders_locks_run_out(client, prefix)
    clock.now += timedelta(minutes=5)
    restarted, _ = replica(rds, "a2", poster, clock)
    try:
        assert restarted.tick()
        assert len(poster.messages) == 1
    finally:
        restarted.shutdown()


def test_a_restart_after_the_digest_went_out_posts_nothing(rds) -> None:
    poster, clock = FakePoster(), Clock(MONDAY_9)
    a, _ = replica(rds, "a", poster, clock)
    assert a.tick()
    assert a.fire().status == "posted"
    a.shutdown()
    clock.now += timedelta(minutes=5)
    restarted, _ = replica(rds, "a2", poster, clock)
    try:
        assert restarted.tick()
        assert len(poster.messages) == 1
    finally:
        restarted.shutdown()


# --- schedules typed or stored wrong -----------------------------------------------------------


@pytest.mark.parametrize("cron", ["² * * * *", "0 ¹ * * *", "*/² * * * *", "0 9 * * 1-¹"])
def test_a_cron_with_unicode_digits_is_one_sentence(cron: str) -> None:
    with pytest.raises(InputError, match=r"not a number|step"):
        parse_cron(cron)


@pytest.mark.parametrize(
    "stored",
    [{"cron": "² * * * *"}, {"accounts": 5}, {"accounts": {"prod": 1}}, {"accounts": "prod"}],
)
def test_a_malformed_stored_schedule_falls_back_to_the_configured_one(rds, stored, caplog) -> None:
    client, prefix = rds
    client.set(prefix + "digest:schedule", json.dumps(stored))
    poster, clock = FakePoster(), Clock(MONDAY_9)
    scheduler, _ = replica(rds, "a", poster, clock)
    try:
        assert scheduler.tick()
        assert scheduler.current_schedule().cron == "0 9 * * 1-5"
        assert "stored digest schedule is invalid" in caplog.text
        assert scheduler.fire().status == "posted"
    finally:
        scheduler.shutdown()


def test_a_slot_owed_to_a_former_channel_keeps_the_schedules_accounts(rds) -> None:
    """A slot owed to the channel the schedule named before a change is still posted there,
    for the schedule's accounts: the catch-up rebuilt the schedule with the channel alone, so it
    posted every account's digest."""
    poster, clock = FakePoster(), Clock(MONDAY_9)
    scheduler, _store = replica(rds, "a", poster, clock)
    asked: list[tuple[str, tuple[str, ...]]] = []
    scheduler._configured = DigestSchedule(channel="C0NEWCHAN", accounts=("prod",))
    scheduler._runner.run = lambda *, channel, slot, accounts: asked.append((channel, accounts))
    try:
        assert scheduler.tick()
        with scheduler._guard:
            scheduler._owed[(CHANNEL, "2026-12-07T09:00")] = (
                clock.now + timedelta(hours=1),
                clock.now,
                0,
            )
        scheduler.catch_up(clock.now)
    finally:
        scheduler.shutdown()
    assert (CHANNEL, ("prod",)) in asked
