"""The digest scheduler inside `iam-audit serve`: APScheduler 3.x, one leader across replicas.

Every replica runs a BackgroundScheduler whose jobs are built from data (configuration or the
schedule JSON in Redis; never a pickled job store, which would let anyone able to write to Redis
run code here): a leader tick that takes or renews a Redis lock (TTL + renewal by owner token) and
re-reads the stored schedule, the digest job and the hourly MFA-campaign job, both of which act
only on the lock holder. Each run
also takes the (channel, slot) idempotency key before posting, so even two "leaders" (a lock that
expired mid-run) post one digest per slot. Missed runs are coalesced into one and dropped after
a bounded grace time. This is the only module that imports apscheduler.

A run that does not post its slot (Redis away, Slack refusing or not answering, the leader
killed mid-run, no leader at that minute) leaves the slot owed, in Redis and in memory, until
the end of its grace time: the leader's tick retries it with a growing pause until it is posted,
so a failure at 09:00 is a log line and a digest a few minutes later, not a day without one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.digest.run import DigestOutcome, DigestRunner, approval_counts_source, runner_id
from bot.digest.schedule import DigestSchedule, schedule_from_config
from bot.mfa_campaign.runner import CampaignRun, MfaCampaignRunner, Proposer
from bot.model.errors import IamAuditError, InputError, StoreError
from bot.store.digests import DigestStore, make_digest_store

log = logging.getLogger(__name__)

LEADER_TTL_SECONDS = 60
MISFIRE_GRACE_SECONDS = 3600  # a digest more than an hour late is skipped, not posted at noon
DIGEST_JOB = "digest"
LEADER_JOB = "digest-leader"
CAMPAIGN_JOB = "mfa-campaign"
CAMPAIGN_EVERY_SECONDS = 3600  # DMs are due by day; an hourly look is plenty
CATCH_UP_JOB = "digest-catch-up"
RETRY_FIRST_SECONDS = 60  # then doubled after each failure, up to RETRY_MAX_SECONDS
RETRY_MAX_SECONDS = 900


def manual_slot(now: datetime) -> str:
    """The slot of `/iam-audit digest now` and of a one-shot run: one per minute."""
    return "manual:" + now.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def slot_name(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


class DigestScheduler:
    """Leader election + the digest job; ``tick`` and ``fire`` are callable directly in tests."""

    def __init__(
        self,
        *,
        runner: DigestRunner,
        store: DigestStore,
        configured: DigestSchedule,
        clock: Callable[[], datetime],
        owner: str | None = None,
        leader_ttl_seconds: int = LEADER_TTL_SECONDS,
        misfire_grace_seconds: int = MISFIRE_GRACE_SECONDS,
        scheduler: Any | None = None,
        campaign: MfaCampaignRunner | None = None,
    ) -> None:
        self._runner = runner
        self.campaign = campaign
        self._store = store
        self._configured = configured
        self._clock = clock
        self.owner = owner or runner_id()
        self._ttl_ms = leader_ttl_seconds * 1000
        self._renew_seconds = max(1, leader_ttl_seconds // 3)
        self.misfire_grace_seconds = misfire_grace_seconds
        self._scheduler = scheduler or BackgroundScheduler(timezone=UTC)
        self._guard = threading.Lock()
        self._leader = False
        self._store_down = False
        self._active: DigestSchedule | None = None
        # (channel, slot) -> (end of its grace, not retried before, failures so far)
        self._owed: dict[tuple[str, str], tuple[datetime, datetime, int]] = {}
        self._catching_up = False
        self._running: set[tuple[str, str]] = set()  # slots a run of this process is on

    # --- schedule as data ------------------------------------------------------------------

    def current_schedule(self) -> DigestSchedule:
        """The schedule set from Slack (stored JSON) or else the configured one."""
        stored = self._store.schedule()
        if stored is None:
            return self._configured
        try:
            return DigestSchedule.from_dict(stored)
        except InputError as exc:
            log.error("stored digest schedule is invalid (%s); using the configured one", exc)
            return self._configured

    def set_schedule(self, schedule: DigestSchedule) -> DigestSchedule:
        """Store the schedule for every replica and apply it here at once."""
        self._store.save_schedule(schedule.to_dict())
        self._apply(schedule)
        return schedule

    def _apply(self, schedule: DigestSchedule) -> None:
        with self._guard:
            if self._active is not None and self._active.to_dict() == schedule.to_dict():
                return
            self._active = schedule
        if self._scheduler.running:
            self._scheduler.add_job(
                self._fire_job,
                self.trigger(schedule),
                id=DIGEST_JOB,
                name="iam-audit digest",
                replace_existing=True,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=self.misfire_grace_seconds,
            )
            log.info(
                "digest schedule: %r (%s) to %s",
                schedule.spec.expression,
                schedule.timezone,
                schedule.channel or "(no channel set)",
            )

    @staticmethod
    def trigger(schedule: DigestSchedule) -> CronTrigger:
        """APScheduler trigger from our parsed fields (crontab's weekday numbers, not 3.x's)."""
        return CronTrigger(**schedule.spec.apscheduler_fields(), timezone=schedule.tz)

    # --- leader ----------------------------------------------------------------------------

    @property
    def is_leader(self) -> bool:
        return self._leader

    def tick(self) -> bool:
        """Take or renew the leader lock, then pick up a schedule changed on another replica."""
        try:
            if self._leader:
                self._leader = self._store.renew_leader(self.owner, self._ttl_ms)
                if not self._leader:
                    log.warning("lost the digest leader lock; another replica has taken over")
            if not self._leader:
                # Our own lock from before a store outage is still ours: renew it, no TTL wait.
                self._leader = self._store.renew_leader(
                    self.owner, self._ttl_ms
                ) or self._store.acquire_leader(self.owner, self._ttl_ms)
                if self._leader:
                    log.info("this replica now sends the scheduled digests")
            self._apply(self.current_schedule())
            self._store_down = False
        except StoreError as exc:
            # Without the store nobody can prove leadership; step down rather than double-post.
            log.error("digest leader tick failed: %s", exc)
            self._leader = False
            self._store_down = True
        if self._leader:
            self._catch_up_soon()
        return self._leader

    # --- the job ---------------------------------------------------------------------------

    def fire(self, now: datetime | None = None) -> DigestOutcome | None:
        """The scheduled run: on the leader only, for the slot ``now`` belongs to.

        Every replica notes the slot as owed first, so whichever leads next finishes it if
        this run does not (see ``catch_up``)."""
        now = now or self._clock()
        schedule = self._schedule_for_run()
        slot = schedule.latest_slot(now, timedelta(seconds=self.misfire_grace_seconds))
        if slot is None:
            log.warning("digest run at %s matches no slot within the grace time; skipped", now)
            return None
        if not schedule.channel:
            log.error("scheduled digest skipped: no channel (set IAM_AUDIT_DIGEST_CHANNEL)")
            return None
        name = slot_name(slot)
        until = slot + timedelta(seconds=self.misfire_grace_seconds)
        self._owe(
            schedule.channel, name, until, not_before=now + timedelta(seconds=RETRY_FIRST_SECONDS)
        )
        if not self._leader:
            if self._store_down:
                log.error(
                    "digest for slot %s postponed: the state store (Redis) is unreachable, so"
                    " no replica can claim it; it is posted once the store answers (until %s)",
                    name,
                    f"{until:%H:%MZ}",
                )
            else:
                log.debug("digest slot skipped: not the leader")
            return None
        return self._attempt(schedule, name, now)

    def _schedule_for_run(self) -> DigestSchedule:
        """The current schedule; with the store away, the one last applied (or configured)."""
        try:
            return self.current_schedule()
        except StoreError:
            return self._active or self._configured

    def _owe(self, channel: str, slot: str, until: datetime, *, not_before: datetime) -> None:
        """Note the slot as owed here and in the store (for a replica that leads next); the
        catch-up leaves it alone until ``not_before`` (the run firing now is on it)."""
        with self._guard:
            if (channel, slot) not in self._owed:
                self._owed[(channel, slot)] = (until, not_before, 0)
        try:
            self._store.owe(channel, slot, until)
        except StoreError as exc:
            log.warning("could not note digest slot %s as owed in the store: %s", slot, exc)

    def _attempt(self, schedule: DigestSchedule, slot: str, now: datetime) -> DigestOutcome:
        """Run the slot; settle it once posted (here or elsewhere), else retry it later."""
        key = (schedule.channel, slot)
        with self._guard:
            if key in self._running:
                return DigestOutcome("slot_taken", key[0], slot, detail="a run here is on it")
            self._running.add(key)
        try:
            outcome = self._runner.run(
                channel=schedule.channel, slot=slot, accounts=schedule.accounts
            )
        except BaseException:
            self._retry_later(key, now)
            raise
        finally:
            with self._guard:
                self._running.discard(key)
        log.info("%s", outcome.sentence())
        if outcome.status == "posted" or outcome.detail.startswith("posted as message"):
            self._settle(key)
        else:  # claimed by a live run (or a dead one's lease): look again after a pause
            self._retry_later(key, now, count=False)
        return outcome

    def _retry_later(self, key: tuple[str, str], now: datetime, *, count: bool = True) -> None:
        with self._guard:
            until, _not_before, failures = self._owed.get(key, (now, now, 0))
            pause = min(RETRY_FIRST_SECONDS * 2**failures, RETRY_MAX_SECONDS)
            self._owed[key] = (until, now + timedelta(seconds=pause), failures + int(count))
        log.warning("digest for slot %s in %s is retried after %s s", key[1], key[0], pause)

    def _settle(self, key: tuple[str, str]) -> None:
        with self._guard:
            self._owed.pop(key, None)
        try:
            self._store.settle(*key)
        except StoreError as exc:  # the posted record answers the next look anyway
            log.warning("could not settle digest slot %s: %s", key[1], exc)

    def catch_up(self, now: datetime | None = None) -> list[DigestOutcome]:
        """On the leader: run every owed slot that is due (not posted, within its grace)."""
        if not self._leader:
            return []
        now = now or self._clock()
        outcomes = []
        for key in self._due(now):
            schedule = self._schedule_for_run()
            if schedule.channel != key[0]:  # owed to a channel since changed: same accounts
                schedule = replace(schedule, channel=key[0])
            try:
                outcomes.append(self._attempt(schedule, key[1], now))
            except IamAuditError as exc:
                log.error("digest for slot %s failed again: %s", key[1], exc)
            except Exception:
                log.exception("digest for slot %s crashed", key[1])
        return outcomes

    def _due(self, now: datetime) -> list[tuple[str, str]]:
        """Owed slots (in memory and in the store) within their grace and past their pause."""
        try:
            stored = self._store.owed(now)
        except StoreError as exc:
            log.warning("could not read the digests owed: %s", exc)
            stored = []
        grace = timedelta(seconds=self.misfire_grace_seconds)
        with self._guard:
            for key in stored:
                if key not in self._owed:
                    self._owed[key] = (now + grace, now, 0)
            for key in [k for k, (until, _n, _f) in self._owed.items() if until < now]:
                del self._owed[key]
            return sorted(
                k
                for k, (_u, not_before, _f) in self._owed.items()
                if not_before <= now and k not in self._running
            )

    def _catch_up_soon(self) -> None:
        """Catch up in the scheduler's pool (a run takes minutes; the tick must stay quick)."""
        if not self._scheduler.running:
            self.catch_up()
            return
        with self._guard:
            if self._catching_up:
                return
            self._catching_up = True

        def job() -> None:
            try:
                self.catch_up()
            finally:
                with self._guard:
                    self._catching_up = False

        self._scheduler.add_job(job, id=CATCH_UP_JOB, name="iam-audit digest catch-up")

    def campaign_tick(self) -> CampaignRun | None:
        """The MFA campaign's scheduled run: DMs, reminders, the proposal; on the leader only."""
        if not self._leader or self.campaign is None:
            return None
        result = self.campaign.run()
        if result.sent or result.proposed or result.failed:
            log.info(
                "MFA campaign: %d DM(s) sent, %d enforcement request(s), %d failure(s)",
                len(result.sent),
                len(result.proposed),
                len(result.failed),
            )
        return result

    def _campaign_job(self) -> None:
        try:
            self.campaign_tick()
        except IamAuditError as exc:
            log.error("MFA campaign run failed: %s", exc)
        except Exception:  # the scheduler thread must survive a bug
            log.exception("MFA campaign run crashed")

    def _fire_job(self) -> None:
        try:
            self.fire()
        except IamAuditError as exc:
            log.error("scheduled digest failed: %s", exc)
        except Exception:  # the scheduler thread must survive a bug; the trace goes to the log
            log.exception("scheduled digest crashed")

    def run_now(self, channel: str, on_done: Callable[[DigestOutcome | None, str], None]) -> None:
        """`/iam-audit digest now`: run in the scheduler's pool, never in a Slack listener."""

        def job() -> None:
            try:
                outcome = self._runner.run(channel=channel, slot=manual_slot(self._clock()))
            except IamAuditError as exc:
                log.error("digest now failed: %s", exc)
                on_done(None, str(exc))
                return
            except Exception:
                log.exception("digest now crashed")
                on_done(None, "the digest failed unexpectedly; the details are in the bot's log")
                return
            on_done(outcome, "")

        if self._scheduler.running:
            self._scheduler.add_job(job, name="iam-audit digest now", misfire_grace_time=None)
        else:
            job()

    # --- life cycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Start the scheduler: leader tick now and every TTL/3, the digest on its cron."""
        self._scheduler.start()
        self._scheduler.add_job(
            self.tick,
            IntervalTrigger(seconds=self._renew_seconds),
            id=LEADER_JOB,
            name="iam-audit digest leader",
            next_run_time=datetime.now(UTC),
            coalesce=True,
            max_instances=1,
            misfire_grace_time=self._renew_seconds,
            replace_existing=True,
        )
        if self.campaign is not None:
            self._scheduler.add_job(
                self._campaign_job,
                IntervalTrigger(seconds=CAMPAIGN_EVERY_SECONDS),
                id=CAMPAIGN_JOB,
                name="iam-audit MFA campaign",
                coalesce=True,
                max_instances=1,
                misfire_grace_time=CAMPAIGN_EVERY_SECONDS,
                replace_existing=True,
            )
        schedule = self.current_schedule()
        with self._guard:
            self._active = None
        self._apply(schedule)

    def job(self, job_id: str = DIGEST_JOB) -> Any:
        return self._scheduler.get_job(job_id)

    def shutdown(self) -> None:
        """Stop firing and hand the lock over at once instead of after its TTL."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        if self._leader:
            try:
                self._store.release_leader(self.owner)
            except StoreError as exc:
                log.error("could not release the digest leader lock: %s", exc)
            self._leader = False


def build_digest_scheduler(
    services: Any,
    env: Mapping[str, str],
    *,
    proposer: Proposer | None = None,
) -> DigestScheduler:
    """Wire the digest and the MFA campaign from Services (Settings, store, Slack) and env.

    The schedule comes from IAM_AUDIT_DIGEST_* and the [digest] table (a schedule set from
    Slack, stored in Redis, overrides it); nothing connects until the scheduler starts.
    """
    from bot.slack.digest_post import SlackDigestPoster  # noqa: PLC0415 - Slack only when serving

    # The config file's [digest] table (validated by load_settings); IAM_AUDIT_DIGEST_* win.
    configured = schedule_from_config(env, getattr(services.settings, "digest_config", {}))
    store = make_digest_store(services.settings.redis_url, clock=services.clock)
    poster = SlackDigestPoster(services.delivery)

    def snapshot() -> Any:
        return services.audits.snapshot().snapshot

    campaign = MfaCampaignRunner(
        store=store, snapshot=snapshot, poster=poster, clock=services.clock, proposer=proposer
    )
    from bot.organizations.member_audits import digest_accounts  # noqa: PLC0415 - boto3 only when serving

    runner = DigestRunner(
        accounts=digest_accounts(services),
        store=store,
        poster=poster,
        clock=services.clock,
        approvals=approval_counts_source(getattr(services, "approvals", None)),
        campaign=campaign.progress,
        jobs=getattr(services, "jobs", None),  # one audit per account with the users' requests
    )
    return DigestScheduler(
        runner=runner,
        store=store,
        configured=configured,
        clock=services.clock,
        campaign=campaign,
    )
