"""Scale-out: audits as RQ jobs on the bot's own Redis, run by `iam-audit worker` processes.

With IAM_AUDIT_QUEUE=rq the bot enqueues an audit instead of running it, and any number of
workers on any machines pick jobs up. A job carries plain JSON data (which account, which
checks, the store key to save under) and names its function by import path: RQ's JSON serializer
is used, so nothing pickled ever travels through Redis and a job cannot smuggle code. The worker
reads its own AWS settings (profile, region, member role, ExternalId) from its environment; the
report lands in the shared store, where any bot replica finds it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from redis.exceptions import WatchError
from rq import Queue, SimpleWorker, Worker, worker_registration
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from bot.model.errors import ConfigError, IamAuditError, InputError, StoreError
from bot.store.queue_connection import queue_connection, translated_redis_errors

log = logging.getLogger(__name__)

QUEUE_NAME = "iam-audit-audits"
JOB_FUNCTION = "bot.runs.queue.run_audit_job"
SELF = "self"  # the worker's own account (its credential chain), no role assumed
DEFAULT_RESULT_TTL = 24 * 3600
DEFAULT_REPORT_TTL = 7 * 24 * 3600

# A worker's registration in Redis lives this long past its last heartbeat (RQ: TTL + 60 s; an
# idle worker beats every TTL - 15 s). RQ's 420 s kept a worker killed while idle (SIGKILL, its
# machine gone) "alive" for 8 minutes; 60 s lets a waiting requester hear within about two.
WORKER_TTL_SECONDS = 60
# How long a queued audit waits with no live worker on its queue before the requester is told.
NO_WORKER_SECONDS = 90.0
QUEUED = "queued for a worker"
QUEUED_NO_WORKER = (
    "queued for a worker, but no `iam-audit worker` is running: it runs when one starts"
)

MAX_CLAIM_ATTEMPTS = 50  # WATCH retries of enqueue_once before it gives up (StoreError)
# The deployment's key prefix: the default of the Redis stores (bot.store.redis_store and the
# digest, approval and trail stores), so a queued-audit marker sits beside the reports and locks.
DEFAULT_KEY_PREFIX = "iam-audit:"

_ACCOUNT = re.compile(r"^\d{12}$")
_TARGET = re.compile(r"^[\w:.@/+=-]{1,128}$")


@dataclass(frozen=True, slots=True)
class AuditJobRequest:
    """What one job audits; plain data only (it is stored in Redis as JSON)."""

    account: str = SELF
    target: str = ""  # the store key the report is saved under; default: the account id
    only: tuple[str, ...] = ()
    demo: bool = False

    def __post_init__(self) -> None:
        if self.account != SELF and not _ACCOUNT.match(self.account):
            raise InputError(
                f"an audit job needs 'self' or a 12-digit account, got {self.account!r}"
            )
        if self.target and not _TARGET.match(self.target):
            raise InputError(f"{self.target!r} is not a usable report key")

    @property
    def store_key(self) -> str:
        return self.target or self.account

    def to_dict(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "target": self.target,
            "only": list(self.only),
            "demo": self.demo,
        }

    @classmethod
    def from_dict(cls, data: Any) -> AuditJobRequest:
        if not isinstance(data, Mapping):
            raise InputError("an audit job's data must be a JSON object")
        unknown = set(data) - {"account", "target", "only", "demo"}
        if unknown:
            raise InputError(f"an audit job has unknown field(s): {', '.join(sorted(unknown))}")
        only = data.get("only") or []
        if not isinstance(only, list) or not all(isinstance(c, str) for c in only):
            raise InputError("an audit job's 'only' must be a list of check ids")
        return cls(
            account=str(data.get("account", SELF)),
            target=str(data.get("target", "")),
            only=tuple(only),
            demo=bool(data.get("demo", False)),
        )


class AuditJob(Job):
    """A job as this queue's workers (and the bot, cleaning up after a dead worker) see it.

    The payload is JSON, but RQ imports and calls whatever function a job names, and its
    success / failure / stopped callbacks: anyone able to write to the queue's Redis could have
    a worker call any importable function (`os.mkdir`, ...). Here only the audit function runs,
    and no callback (the bot never sets one); any other job fails in one sentence, unimported.
    """

    @property
    def func(self) -> Callable[..., Any]:
        named = [self.func_name, self._success_callback_name, self._failure_callback_name]
        named.append(self._stopped_callback_name)
        if self.func_name != JOB_FUNCTION or self.instance is not None or any(named[1:]):
            what = ", ".join(repr(str(name)) for name in named if name)
            raise InputError(f"this queue runs audits only; a job naming {what} was refused unrun")
        return super().func

    @property
    def success_callback(self) -> None:
        return None

    @property
    def failure_callback(self) -> None:
        return None

    @property
    def stopped_callback(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class AuditJobOutcome:
    """Where a job stands; ``result`` is the job function's return value once finished."""

    job_id: str
    status: str
    result: dict[str, Any] = field(default_factory=dict)
    error: str = ""

    @property
    def done(self) -> bool:
        return self.status in (JobStatus.FINISHED.value, JobStatus.FAILED.value, "missing")


class NoWorkerError(IamAuditError):
    """A queued audit waited with no live worker on its queue; the job stays queued."""


class AuditQueue:
    """Enqueue audits and read their outcome; every Redis failure is a StoreError."""

    def __init__(
        self,
        redis_url: str,
        *,
        name: str = QUEUE_NAME,
        job_timeout_seconds: int = 900,
        result_ttl_seconds: int = DEFAULT_RESULT_TTL,
        prefix: str = DEFAULT_KEY_PREFIX,
    ) -> None:
        """``prefix`` is the deployment's store key prefix: two deployments sharing one Redis
        under different prefixes never take each other's queued audit for their own."""
        self._connection = queue_connection(redis_url)
        self._prefix = prefix
        self._queue = Queue(
            name, connection=self._connection, serializer=JSONSerializer, job_class=AuditJob
        )
        self._timeout = job_timeout_seconds
        self._result_ttl = result_ttl_seconds

    @property
    def name(self) -> str:
        return self._queue.name

    def enqueue(self, request: AuditJobRequest) -> str:
        """Queue one audit; returns the job id."""
        with translated_redis_errors("enqueueing an audit"):
            job = self._enqueue_call(request, _job_id(request), pipeline=None)
        log.info("queued audit of %s as job %s", request.store_key, job.id)
        return str(job.id)

    def enqueue_once(self, request: AuditJobRequest) -> tuple[str, datetime | None]:
        """Queue the audit unless the same one (account, report key, checks, demo) is queued
        already and no worker has started it: then that job's id and when it was queued.

        Returns ``(job_id, None)`` for a job queued now. The queued audit is named by a key of
        its own, written in one transaction with the enqueue and compared under WATCH, so of
        requests made at the same instant on any replicas one queues it and the others get it.
        A job that started, ended, expired or never made it into Redis is no longer "queued":
        the next request queues a new audit.
        """
        marker = self._queued_key(request)
        with translated_redis_errors("enqueueing an audit"):
            for _attempt in range(MAX_CLAIM_ATTEMPTS):
                with self._connection.pipeline(transaction=True) as pipe:
                    try:
                        pipe.watch(marker)
                        current = pipe.get(marker)
                        if current:
                            queued_id = current.decode()
                            queued_at = self._still_queued(queued_id)
                            if queued_at is not None:
                                pipe.unwatch()
                                log.info(
                                    "audit of %s is queued already as job %s; not queued again",
                                    request.store_key,
                                    queued_id,
                                )
                                return queued_id, queued_at
                        job_id = _job_id(request)
                        pipe.multi()
                        # Kept as long as a job's result: a job queued longer is run by then or
                        # stuck behind a queue nobody serves, and a second one changes nothing.
                        pipe.set(marker, job_id, ex=self._result_ttl)
                        self._enqueue_call(request, job_id, pipeline=pipe)
                        pipe.execute()
                    except WatchError:
                        continue  # another request claimed it meanwhile: look again
                log.info("queued audit of %s as job %s", request.store_key, job_id)
                return job_id, None
        raise StoreError(f"the audit of {request.store_key}: too much contention, try again")

    def _enqueue_call(self, request: AuditJobRequest, job_id: str, *, pipeline: Any) -> Job:
        return self._queue.enqueue_call(
            JOB_FUNCTION,
            kwargs={"request": request.to_dict()},
            timeout=self._timeout,
            result_ttl=self._result_ttl,
            failure_ttl=self._result_ttl,
            job_id=job_id,
            description=f"audit of {request.store_key}",
            pipeline=pipeline,
        )

    def _queued_key(self, request: AuditJobRequest) -> str:
        """The marker of a queued audit, under the deployment's prefix. With the default prefix
        it is the name earlier versions wrote (``iam-audit:queued-audit:...``), so a marker left
        by a job queued before an upgrade is still honoured. Under another prefix such a marker
        is not seen: at worst one request queues that audit a second time, and the old marker
        expires with the job's result TTL (it is trusted only while its job is still queued)."""
        identity = json.dumps(request.to_dict(), sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
        return f"{self._prefix}queued-audit:{self.name}:{request.store_key}:{digest}"

    def _still_queued(self, job_id: str) -> datetime | None:
        """When the job was queued, while it waits for a worker; None once it left the queue."""
        try:
            job = AuditJob.fetch(job_id, connection=self._connection, serializer=JSONSerializer)
        except NoSuchJobError:
            return None
        if job.get_status(refresh=False) != JobStatus.QUEUED:
            return None
        return job.enqueued_at or datetime.now(UTC)

    def pending(self) -> int:
        """Jobs waiting for a worker (for /healthz and metrics)."""
        with translated_redis_errors("counting queued audits"):
            return int(self._queue.count)

    def live_workers(self) -> int:
        """Workers listening on this queue, on any machine, whose registration has not lapsed.

        RQ's per-queue set of workers is in the shared Redis, so every bot replica sees every
        worker. A worker stopped cleanly leaves the set; one killed outright stays in it, so the
        set alone is not enough: its hash expires when its heartbeats stop (the TTL is Redis's
        own, so no clock of this machine is compared with a worker's). A worker busy with a long
        audit keeps its hash alive for the job's whole time limit and counts as live.
        """
        with translated_redis_errors("looking for live workers"):
            keys = sorted(worker_registration.get_keys(queue=self._queue))
            if not keys:
                return 0
            with self._connection.pipeline(transaction=False) as pipeline:
                for key in keys:
                    pipeline.exists(key)
                return sum(1 for alive in pipeline.execute() if alive)

    def outcome(self, job_id: str) -> AuditJobOutcome:
        with translated_redis_errors("reading an audit job"):
            try:
                job = AuditJob.fetch(job_id, connection=self._connection, serializer=JSONSerializer)
            except NoSuchJobError:
                return AuditJobOutcome(
                    job_id, "missing", error="the audit job expired or never existed"
                )
            status = job.get_status(refresh=True)
            if status == JobStatus.STARTED:
                # A worker that died mid-job (SIGKILL, OOM, its machine gone) stops beating;
                # RQ fails such a job only when some worker next cleans its registries (every
                # 10 min, never if none runs): do it now, as any worker would.
                self._queue.started_job_registry.cleanup()
                status = job.get_status(refresh=True)
            status_value = status.value if status is not None else "missing"
            if status == JobStatus.FINISHED:
                return AuditJobOutcome(job_id, status_value, result=dict(job.return_value() or {}))
            if status == JobStatus.FAILED:
                return AuditJobOutcome(job_id, status_value, error=_failure_sentence(job))
            return AuditJobOutcome(job_id, status_value)

    def wait(
        self,
        job_id: str,
        *,
        timeout_seconds: float,
        poll_seconds: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        on_status: Callable[[str], None] | None = None,
        no_worker_seconds: float | None = None,
    ) -> AuditJobOutcome:
        """Poll until the job is done; raises IamAuditError when it outlives ``timeout_seconds``,
        and NoWorkerError once it sat queued ``no_worker_seconds`` with no live worker on the
        queue (the job stays queued: a worker started later still runs it)."""
        started = clock()
        deadline = started + timeout_seconds
        worker_seen = started
        last = ""
        while True:
            outcome = self.outcome(job_id)
            if outcome.status != last and on_status is not None:
                on_status(outcome.status)
            last = outcome.status
            if outcome.done:
                return outcome
            now = clock()
            if no_worker_seconds is not None:
                if outcome.status != JobStatus.QUEUED.value or self.live_workers():
                    worker_seen = now
                elif now - worker_seen >= no_worker_seconds:
                    raise NoWorkerError(
                        f"no `iam-audit worker` is running: none has listened on the queue for"
                        f" {now - worker_seen:.0f} s. The audit stays queued and runs when a"
                        " worker starts; ask again then"
                    )
            if now >= deadline:
                raise IamAuditError(
                    f"the audit job {job_id} did not finish within {timeout_seconds:.0f} s;"
                    " is an `iam-audit worker` running?"
                )
            sleep(poll_seconds)

    def worker(self, *, simple: bool = False, name: str | None = None) -> Worker:
        """An RQ worker on this queue (SimpleWorker runs jobs in-process, no fork)."""
        kind = _PromptSimpleWorker if simple else _PromptWorker
        return kind(
            [self._queue],
            connection=self._connection,
            serializer=JSONSerializer,
            name=name,
            job_class=AuditJob,
            worker_ttl=WORKER_TTL_SECONDS,
        )

    def run_worker(self, *, burst: bool = False, simple: bool = False) -> bool:
        """Process jobs until stopped (or, with ``burst``, until the queue is empty)."""
        with translated_redis_errors("running the worker"):
            return bool(self.worker(simple=simple).work(burst=burst, logging_level="INFO"))


def _job_id(request: AuditJobRequest) -> str:
    return f"audit-{request.store_key}-{uuid.uuid4().hex[:10]}"


def already_queued(job_id: str, queued_at: datetime, *, worker: bool) -> str:
    """The first stage of a request for an audit that is queued already."""
    since = queued_at.astimezone(UTC).strftime("%H:%M:%S UTC")
    said = (
        f"already queued for a worker since {since} as job {job_id}; waiting for that one,"
        " no second audit queued"
    )
    if not worker:
        said += ". No `iam-audit worker` is running: it runs when one starts"
    return said


def _failure_sentence(job: Job) -> str:
    result = job.latest_result()
    return failure_sentence((result.exc_string if result else "") or "")


# What RQ itself says when a job fails outside the audit, said for the requester.
_UNREADABLE = (
    "the audit job's data in Redis could not be read (damaged, or not a job this bot queues);"
    " the worker skipped it: run the audit again"
)
_WORKER_STOPPED = (
    "the worker running this audit stopped before it finished (killed, out of memory, or its"
    " machine lost); run the audit again"
)
_OUR_ERROR = re.compile(r"^bot\.model\.errors\.\w+: (.+)$")
_TIMEOUT = re.compile(r"maximum timeout value \((\d+) seconds\)")


def failure_sentence(exc_string: str) -> str:
    """The last line of the worker's traceback: the error, never the whole trace; what RQ
    reports in its own words (a payload it cannot read, a worker that died, the job's time
    limit) as a sentence a Slack user understands, not as an exception class."""
    lines = [line.strip() for line in exc_string.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else "the audit job failed"
    if "DeserializationError" in last or (
        last.startswith("TypeError:") and "run_audit_job()" in last
    ):
        return _UNREADABLE
    if "AbandonedJobError" in last:
        return _WORKER_STOPPED
    if "JobTimeoutException" in last:
        limit = _TIMEOUT.search(last)
        within = f" ({limit.group(1)} s, IAM_AUDIT_JOB_TIMEOUT)" if limit else ""
        return f"the audit took longer than an audit job may run{within}"
    ours = _OUR_ERROR.match(last)
    if ours:  # the project's own errors say a sentence; the class name means nothing to a user
        return ours.group(1)
    return last.removeprefix("builtins.")


# --- the bot side: AccountAudits whose runs are queued -------------------------------------------


class QueuedAccountAudits:
    """bot.runs.account_audits.AccountAudits with ``run`` sent to the queue; everything else is
    delegated.

    The job saves the report under the same store key (the audits' ``target``), so look-ups,
    caches and every replica see it as if this process had run it.
    """

    def __init__(
        self,
        inner: Any,
        *,
        queue: AuditQueue,
        demo: bool,
        timeout_seconds: float,
        poll_seconds: float = 1.0,
        no_worker_seconds: float = NO_WORKER_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._inner = inner
        self._queue = queue
        self._demo = demo
        self._timeout = timeout_seconds
        self._poll = poll_seconds
        self._no_worker = no_worker_seconds
        self._sleep = sleep
        self._after: list[Callable[[Any], None]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def add_after_audit(self, hook: Callable[[Any], None]) -> None:
        self._after.append(hook)

    def run(
        self,
        progress: Callable[[str], None],
        reuse_since: datetime | None,
        only: frozenset[str] = frozenset(),
    ) -> Any:
        from bot.runs.account_audits import AuditResult  # noqa: PLC0415 - keeps the worker's imports light

        if reuse_since is not None:
            latest = self._inner.latest()
            if latest is not None and latest[1].saved_at >= reuse_since:
                report, stored = latest
                if self._inner.covers(report, only):
                    return AuditResult(stored.report_id, report, stored.saved_at, reused=True)
        request = AuditJobRequest(
            account=SELF, target=self._inner.target, only=tuple(sorted(only)), demo=self._demo
        )
        # The same audit asked for before and still queued (its requester's wait ended with no
        # worker, or another replica asked): wait for that job rather than queue it twice.
        job_id, queued_at = self._queue.enqueue_once(request)
        worker = bool(self._queue.live_workers())
        # Said at once, not after the whole wait: the job stays queued for a worker started later.
        if queued_at is not None:
            progress(already_queued(job_id, queued_at, worker=worker))
        else:
            progress(QUEUED if worker else QUEUED_NO_WORKER)

        def on_status(status: str) -> None:
            if status == JobStatus.STARTED.value:
                progress("collecting")

        outcome = self._queue.wait(
            job_id,
            timeout_seconds=self._timeout,
            poll_seconds=self._poll,
            sleep=self._sleep,
            on_status=on_status,
            no_worker_seconds=self._no_worker,
        )
        if outcome.status != JobStatus.FINISHED.value:
            raise IamAuditError(f"the audit failed in the worker: {outcome.error}")
        found = self._inner.report(str(outcome.result.get("report_id", "")))
        if found is None:
            raise IamAuditError("the worker's report is not in the store (expired or evicted)")
        report, stored = found
        result = AuditResult(stored.report_id, report, stored.saved_at)
        for hook in self._after:
            try:
                hook(result)
            except Exception:  # a failed App Home refresh must not fail the audit itself
                log.exception("after-audit hook failed for %s", self._inner.target)
        return result


def queued_audits(
    audits: Any, settings: Any, *, sleep: Callable[[float], None] = time.sleep
) -> Any:
    """``audits`` unchanged, or wrapped to use the queue when IAM_AUDIT_QUEUE=rq is configured."""
    options = settings.operations
    if not options.queued:
        return audits
    queue = AuditQueue(settings.redis_url, job_timeout_seconds=options.job_timeout_seconds)
    return QueuedAccountAudits(
        audits,
        queue=queue,
        demo=settings.demo,
        # Time in the queue plus the job's own limit.
        timeout_seconds=2 * options.job_timeout_seconds,
        sleep=sleep,
    )


# --- the job function (runs inside `iam-audit worker`) ------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """What a worker needs from its environment; no Slack tokens are involved."""

    redis_url: str = field(repr=False)
    aws_profile: str = ""
    aws_region: str = ""
    org_role_name: str = ""
    external_id: str = field(default="", repr=False)
    config_file: str = ""
    report_ttl_seconds: int = DEFAULT_REPORT_TTL


class _PromptCommandListener:
    """RQ's worker listens for `rq suspend` / kill commands in a thread that polls Redis every
    60 s, and stopping it (a burst done, SIGTERM) waits for that poll: half the time a stopping
    worker hung for up to a minute (a container's grace period is often 30 s). Polled every
    second instead; the commands are the same."""

    _COMMAND_POLL_SECONDS = 1.0

    def subscribe(self) -> None:
        worker: Any = self
        worker.pubsub = worker.connection.pubsub()
        worker.pubsub.subscribe(**{worker.pubsub_channel_name: worker.handle_payload})
        handler = getattr(worker, "_pubsub_exception_handler", None)
        worker.pubsub_thread = worker.pubsub.run_in_thread(
            sleep_time=self._COMMAND_POLL_SECONDS, daemon=True, exception_handler=handler
        )


class _PromptWorker(_PromptCommandListener, Worker):
    pass


class _PromptSimpleWorker(_PromptCommandListener, SimpleWorker):
    pass


def worker_settings(env: Mapping[str, str]) -> WorkerSettings:
    """Read and check the worker's environment; every problem is reported together."""
    from bot.config.operations import parse_operations  # noqa: PLC0415 - avoids an import cycle

    problems: list[str] = []
    redis_url = env.get("REDIS_URL", "")
    if not redis_url:
        problems.append("REDIS_URL is not set: a worker takes its jobs from Redis")
    options = parse_operations(env, aws={}, bot={}, redis_url=redis_url, problems=problems)
    if problems:
        raise ConfigError(problems)
    return WorkerSettings(
        redis_url=redis_url,
        aws_profile=env.get("IAM_AUDIT_AWS_PROFILE") or env.get("AWS_PROFILE", ""),
        aws_region=env.get("IAM_AUDIT_AWS_REGION") or env.get("AWS_REGION", ""),
        org_role_name=options.org_role_name,
        external_id=options.external_id,
        config_file=env.get("IAM_AUDIT_CONFIG", ""),
    )


def run_audit_job(request: dict[str, Any]) -> dict[str, Any]:
    """Collect, audit and save one account; returns where the report is (JSON-safe)."""
    from bot.audit.engine import run_audit  # noqa: PLC0415 - the worker's imports, loaded lazily
    from bot.store import make_store  # noqa: PLC0415

    job = AuditJobRequest.from_dict(request)
    settings = worker_settings(os.environ)
    now = datetime.now(UTC)
    snapshot = _collect(job, settings, now)
    report = run_audit(
        snapshot, config=_audit_config(settings), now=now, only=list(job.only) or None
    )
    report_id = f"{report.account_id}-{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    # The report is saved as of when it is finished: a bot replica that asked for this account
    # while the job ran waits on the account lock and reuses a report saved since it asked
    # (bot.runs.jobs); stamped with the job's start, it ran the same audit a second time.
    finished = datetime.now(UTC)
    store = make_store(settings.redis_url, clock=lambda: finished)
    store.save_snapshot(
        account_id=job.store_key,
        data=snapshot.to_dict(),
        saved_at=now,
        ttl_seconds=settings.report_ttl_seconds,
    )
    store.save_report(
        report_id=report_id,
        account_id=job.store_key,
        data=report.to_dict(),
        saved_at=finished,
        ttl_seconds=settings.report_ttl_seconds,
    )
    log.info("audit job for %s saved report %s", job.store_key, report_id)
    return {
        "report_id": report_id,
        "target": job.store_key,
        "account_id": report.account_id,
        "saved_at": finished.isoformat(),
        "summary": report.summary(),
        "errors": len(report.errors),
    }


def _collect(job: AuditJobRequest, settings: WorkerSettings, now: datetime):
    if job.demo:
        from bot.aws.demo import build_demo_snapshot  # noqa: PLC0415 - moto only in demo mode

        return build_demo_snapshot(now=now)
    from bot.aws.collect import collect_snapshot  # noqa: PLC0415
    from bot.aws.organizations import AssumeRoleOptions, RoleAssumer  # noqa: PLC0415
    from bot.aws.session import make_session  # noqa: PLC0415

    session = make_session(profile=settings.aws_profile or None, region=settings.aws_region or None)
    if job.account == SELF:
        return collect_snapshot(session, now=now)
    from bot.organizations.pipeline import (  # noqa: PLC0415
        default_collector,
        with_hub_organization_policies,
    )

    options = AssumeRoleOptions(role_name=settings.org_role_name, external_id=settings.external_id)
    member = RoleAssumer(session, options).session_for(job.account)
    # As the organization pipeline collects: the worker's own session is the hub (it reads the
    # member's SCPs and RCPs).
    return with_hub_organization_policies(default_collector(now), session)(member, job.account)


def _audit_config(settings: WorkerSettings):
    from bot.audit.config import AuditConfig, load_audit_config  # noqa: PLC0415
    from bot.audit.registry import all_checks  # noqa: PLC0415

    if not settings.config_file:
        return AuditConfig()
    return load_audit_config(settings.config_file, known_checks=set(all_checks()))


__all__ = [
    "JOB_FUNCTION",
    "QUEUE_NAME",
    "SELF",
    "AuditJob",
    "AuditJobOutcome",
    "AuditJobRequest",
    "AuditQueue",
    "NoWorkerError",
    "QueuedAccountAudits",
    "StoreError",
    "WorkerSettings",
    "queued_audits",
    "run_audit_job",
    "worker_settings",
]
