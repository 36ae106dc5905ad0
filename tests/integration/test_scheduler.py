"""Scheduled digests across replicas on the real Redis: one digest per slot, one leader.

The job function is driven directly with an injected clock; one test runs the real APScheduler
with a backlog of missed runs to show they are coalesced into one.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import redis

from bot.digest.run import DigestRunner
from bot.digest.schedule import DigestSchedule
from bot.digest.scheduler import DigestScheduler
from bot.model.errors import DeliveryError, InputError
from bot.store.digests import InMemoryDigestStore, RedisDigestStore
from tests.digest_support import FakeAudits, FakePoster, finding, report
from tests.fake_clock import Clock

MONDAY_9 = datetime(2026, 11, 30, 9, 0, 2, tzinfo=UTC)
CHANNEL = "C0DIGEST"


@pytest.fixture
def redis_client(redis_under_prefix: tuple[redis.Redis, str]) -> tuple[redis.Redis, str]:
    """The suite's Redis under this test's own prefix (tests/conftest.py)."""
    return redis_under_prefix


class Replica:
    """One bot replica: its own store client, runner and scheduler, sharing Redis and Slack."""

    def __init__(self, name, client, prefix, poster, clock, schedule, **kwargs) -> None:
        self.store = RedisDigestStore(client, prefix=prefix)
        self.audits = FakeAudits([report(finding(name="alice"))])
        self.runner = DigestRunner(
            accounts=[self.audits], store=self.store, poster=poster, clock=clock, owner=name
        )
        self.scheduler = DigestScheduler(
            runner=self.runner,
            store=self.store,
            configured=schedule,
            clock=clock,
            owner=name,
            **kwargs,
        )


@pytest.fixture
def replicas(redis_client):
    client, prefix = redis_client
    poster = FakePoster()
    clock = Clock(MONDAY_9)
    schedule = DigestSchedule(channel=CHANNEL)
    made: list[Replica] = []

    def make(name: str, **kwargs) -> Replica:
        replica = Replica(name, client, prefix, poster, clock, schedule, **kwargs)
        made.append(replica)
        return replica

    yield make, poster, clock, client, prefix
    for replica in made:
        replica.scheduler.shutdown()


def test_two_replicas_post_one_digest_per_slot(replicas) -> None:
    make, poster, _clock, _client, _prefix = replicas
    a, b = make("a"), make("b")
    assert a.scheduler.tick()
    assert not b.scheduler.tick()  # one leader
    assert b.scheduler.fire() is None  # the follower does not even try
    outcome = a.scheduler.fire()
    assert outcome is not None
    assert outcome.status == "posted"
    assert outcome.slot == "2026-11-30T09:00Z"
    assert len(poster.messages) == 1
    assert poster.messages[0][0] == CHANNEL
    assert len(poster.attachments) == 1  # chart and report, in the thread
    assert b.audits.runs == 0


def test_two_leaders_at_once_still_post_once(replicas) -> None:
    """A lock that expired mid-run can leave two replicas believing they lead: the slot key wins."""
    make, poster, _clock, _client, _prefix = replicas
    replicas_ = [make(f"r{i}") for i in range(4)]
    for replica in replicas_:
        replica.scheduler._leader = True
    barrier = threading.Barrier(len(replicas_))
    outcomes = []

    def fire(replica: Replica) -> None:
        barrier.wait()
        outcomes.append(replica.scheduler.fire())

    threads = [threading.Thread(target=fire, args=(r,)) for r in replicas_]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(o.status for o in outcomes) == [
        "posted",
        "slot_taken",
        "slot_taken",
        "slot_taken",
    ]
    assert len(poster.messages) == 1
    # Those that lost the slot never ran an audit.
    assert sum(r.audits.runs for r in replicas_) == 1


def test_next_slot_posts_again_and_a_repeat_says_taken(replicas) -> None:
    make, poster, clock, _client, _prefix = replicas
    a = make("a")
    a.scheduler.tick()
    assert a.scheduler.fire().status == "posted"
    clock.now += timedelta(minutes=5)  # a retried run within the grace: same slot
    again = a.scheduler.fire()
    assert again.status == "slot_taken"
    assert "1700000000.000001" in again.sentence()
    clock.now = MONDAY_9 + timedelta(days=1)
    assert a.scheduler.fire().status == "posted"
    assert len(poster.messages) == 2


def test_missed_runs_coalesce_into_one_and_a_stale_one_is_dropped(replicas) -> None:
    make, poster, clock, _client, _prefix = replicas
    a = make("a", misfire_grace_seconds=1800)
    a.scheduler.tick()
    clock.now = MONDAY_9 + timedelta(minutes=20)  # the 09:00 run is 20 minutes late
    first = a.scheduler.fire()
    assert first.slot == "2026-11-30T09:00Z"
    # A scheduler without coalescing would fire the backlog again: the slot key absorbs it.
    assert a.scheduler.fire().status == "slot_taken"
    assert len(poster.messages) == 1
    clock.now = MONDAY_9 + timedelta(days=1, minutes=45)  # Tuesday, beyond the grace
    assert a.scheduler.fire() is None
    assert len(poster.messages) == 1


def test_leader_lock_expires_when_the_holder_dies_and_another_takes_over(replicas) -> None:
    make, poster, _clock, client, prefix = replicas
    a, b = make("a", leader_ttl_seconds=30), make("b", leader_ttl_seconds=30)
    assert a.scheduler.tick()
    assert not b.scheduler.tick()
    for _ in range(3):  # renewal keeps it: the follower never gets in
        assert a.scheduler.tick()
        assert not b.scheduler.tick()
    key = prefix + "digest:leader"
    assert 0 < client.pttl(key) <= 30_000
    # "a" dies: no more renewals; its TTL runs out (an expiry time in the past, no waiting).
    client.pexpireat(key, 1)
    assert b.scheduler.tick()
    assert b.scheduler.fire().status == "posted"
    assert not a.scheduler.tick()  # back from the dead, it finds a new leader
    assert not a.scheduler.is_leader
    assert len(poster.messages) == 1


def test_shutdown_hands_the_lock_over_at_once(replicas) -> None:
    make, _poster, _clock, _client, _prefix = replicas
    a, b = make("a"), make("b")
    assert a.scheduler.tick()
    a.scheduler.shutdown()
    assert b.scheduler.tick()


def test_schedule_set_on_one_replica_reaches_the_other(replicas) -> None:
    make, poster, clock, _client, _prefix = replicas
    a, b = make("a"), make("b")
    a.scheduler.tick()
    b.scheduler.set_schedule(DigestSchedule(cron="30 7 * * *", channel="C0OTHER", updated_by="U1"))
    assert a.scheduler.current_schedule().cron == "30 7 * * *"
    clock.now = datetime(2026, 11, 30, 7, 30, 1, tzinfo=UTC)
    outcome = a.scheduler.fire()
    assert outcome.channel == "C0OTHER"
    assert poster.messages[0][0] == "C0OTHER"


def test_failure_before_posting_gives_the_slot_back(replicas) -> None:
    make, poster, _clock, _client, _prefix = replicas
    a = make("a")
    a.scheduler.tick()
    poster.fail_post = DeliveryError(
        "Slack refused chat_postMessage: channel_not_found", slack_error="channel_not_found"
    )
    with pytest.raises(DeliveryError):
        a.scheduler.fire()
    poster.fail_post = None
    assert a.scheduler.fire().status == "posted"  # the retry can still post the slot


def test_failed_attachment_does_not_cost_a_second_digest(replicas) -> None:
    make, poster, _clock, _client, _prefix = replicas
    a = make("a")
    a.scheduler.tick()
    poster.fail_attach = DeliveryError("upload failed")
    outcome = a.scheduler.fire()
    assert outcome.status == "posted"
    assert "could not be attached" in outcome.detail
    assert a.scheduler.fire().status == "slot_taken"
    assert len(poster.messages) == 1


def test_no_channel_means_no_digest_and_a_log_line(caplog) -> None:
    clock = Clock(MONDAY_9)
    store = InMemoryDigestStore(clock=clock)
    poster = FakePoster()
    runner = DigestRunner(
        accounts=[FakeAudits([report()])], store=store, poster=poster, clock=clock
    )
    scheduler = DigestScheduler(
        runner=runner, store=store, configured=DigestSchedule(), clock=clock
    )
    scheduler.tick()
    assert scheduler.fire() is None
    assert "no channel" in caplog.text
    assert poster.messages == []
    with pytest.raises(InputError, match="no digest channel"):
        runner.run(channel="", slot="s")
    with pytest.raises(InputError, match="does not serve: prod"):
        runner.run(channel=CHANNEL, slot="s", accounts=["prod"])


def test_second_digest_reports_the_delta_and_the_chart_grows(replicas) -> None:
    make, poster, clock, _client, _prefix = replicas
    a = make("a")
    a.audits._reports = [
        report(finding(name="alice"), finding(name="bob")),
        report(finding(name="bob"), finding(name="carol")),
    ]
    a.scheduler.tick()
    first = a.scheduler.fire()
    assert first.digests[0].diff.first
    clock.now += timedelta(days=1)
    second = a.scheduler.fire().digests[0]
    assert [f.resource_arn.rsplit("/", 1)[1] for f in second.diff.new] == ["carol"]
    assert [f.resource_arn.rsplit("/", 1)[1] for f in second.diff.resolved] == ["alice"]
    assert second.previous_at == first.digests[0].generated_at
    assert len(a.runner.history("acct")) == 2
    assert poster.attachments[-1][3].startswith("Open findings by severity over the last 2")


def test_real_apscheduler_coalesces_a_backlog_into_one_run(replicas) -> None:
    make, poster, _clock, _client, _prefix = replicas
    a = make("a", misfire_grace_seconds=4 * 86400)
    # A daily run two minutes ago (real time), last run three days back: three runs are due.
    due = datetime.now(UTC) - timedelta(minutes=2)
    a.scheduler._configured = DigestSchedule(cron=f"{due.minute} {due.hour} * * *", channel=CHANNEL)
    fired = []
    done = threading.Event()
    original = a.scheduler.fire

    def counting_fire(now=None):
        fired.append(datetime.now(UTC))
        try:
            return original(now)
        finally:
            done.set()

    a.scheduler.fire = counting_fire
    a.scheduler.tick()
    a.scheduler.start()
    job = a.scheduler.job()
    assert job.coalesce is True
    assert job.misfire_grace_time == a.scheduler.misfire_grace_seconds
    assert job.max_instances == 1
    assert a.scheduler.job("digest-leader") is not None
    job.modify(next_run_time=due - timedelta(days=2))
    a.scheduler._scheduler.wakeup()
    assert done.wait(10)
    assert a.scheduler.job().next_run_time > datetime.now(UTC)  # the whole backlog is consumed
    a.scheduler.shutdown()
    assert len(fired) == 1
    assert len(poster.messages) == 1


def test_trigger_uses_crontab_weekdays() -> None:
    trigger = DigestScheduler.trigger(DigestSchedule(cron="0 9 * * 1-5"))
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    assert trigger.get_next_fire_time(None, saturday) == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    sunday_only = DigestScheduler.trigger(DigestSchedule(cron="0 9 * * 0"))
    assert sunday_only.get_next_fire_time(None, saturday).weekday() == 6


def test_approval_counts_come_from_the_store_and_the_trail() -> None:
    from types import SimpleNamespace

    from bot.digest.run import approval_counts_source
    from bot.model.errors import StoreError

    since = MONDAY_9 - timedelta(days=1)

    def entry(kind: str, state: str, hours_ago: float):
        return SimpleNamespace(
            kind=kind, data={"state": state}, at=MONDAY_9 - timedelta(hours=hours_ago)
        )

    trail = SimpleNamespace(
        last=lambda _n: [
            entry("decision", "approved", 1),
            entry("decision", "approved", 2),
            entry("decision", "rejected", 3),
            entry("decision", "approved", 30),  # before the previous digest
            entry("request", "", 1),
        ]
    )
    store = SimpleNamespace(pending=lambda now: ["a", "b"])
    counts = approval_counts_source(SimpleNamespace(store=store, trail=trail))(since, MONDAY_9)
    assert counts.pending == 2
    assert dict(counts.decided) == {"approved": 2, "rejected": 1}
    assert approval_counts_source(None) is None

    def broken(now):
        raise StoreError("Redis is down")

    down = SimpleNamespace(store=SimpleNamespace(pending=broken), trail=trail)
    assert not approval_counts_source(down)(since, MONDAY_9).known


def test_campaign_runs_only_on_the_leader() -> None:
    from bot.mfa_campaign.runner import MfaCampaignRunner
    from tests.digest_support import CampaignSlack as Slack
    from tests.digest_support import campaign_account as account

    clock = Clock(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    store = InMemoryDigestStore(clock=clock)
    slack = Slack()
    campaign = MfaCampaignRunner(store=store, snapshot=account, poster=slack, clock=clock)
    campaign.start(deadline=datetime(2026, 12, 15, 9, 0, tzinfo=UTC), owner="UOWNER")
    runner = DigestRunner(accounts=[FakeAudits([report()])], store=store, poster=None, clock=clock)

    def make(owner: str) -> DigestScheduler:
        return DigestScheduler(
            runner=runner,
            store=store,
            configured=DigestSchedule(),
            clock=clock,
            owner=owner,
            campaign=campaign,
        )

    leader, follower = make("a"), make("b")
    assert leader.tick()
    assert not follower.tick()
    assert follower.campaign_tick() is None
    assert sorted(leader.campaign_tick().sent) == ["alice", "bob"]
    assert len(slack.dms) == 2
