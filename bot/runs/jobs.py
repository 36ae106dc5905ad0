"""Bounded worker pool for audits: one audit per account at a time, later requests join it.

Audits never run in Bolt's listener threads (those must stay free to ack within 3 s). A request
for an account whose audit is already running here joins it and gets the same result; across
replicas a Redis lock with a TTL makes the second replica wait and reuse the first one's report.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bot.model.errors import IamAuditError, StoreError
from bot.store.base import Store
from bot.store.lock_keeper import kept_alive

log = logging.getLogger(__name__)


class AuditBusyError(IamAuditError):
    """Too many audits are queued; the user is asked to retry instead of waiting forever."""


class Subscriber(Protocol):
    """Someone waiting for an audit: told each stage, then the result or the error."""

    def on_stage(self, stage: str, joined: int) -> None: ...

    def on_done(self, result: Any) -> None: ...

    def on_error(self, error: IamAuditError) -> None: ...


Progress = Callable[[str], None]
# work(progress, reuse_since) -> result; reuse_since lets the work reuse a report another replica
# finished while this one waited for the lock (None: the lock was free, run a fresh audit).
Work = Callable[[Progress, "datetime | None"], Any]


@dataclass
class _Job:
    account_id: str
    scope: frozenset[str]  # check ids asked for; empty = every check
    subscribers: list[Subscriber] = field(default_factory=list)
    stage: str = "queued"
    done: threading.Event = field(default_factory=threading.Event)

    def covers(self, scope: frozenset[str]) -> bool:
        return not self.scope or (bool(scope) and scope <= self.scope)


@dataclass(frozen=True, slots=True)
class Submission:
    joined: bool  # True: this request rides on an audit already running


LOCK_WAIT_TTLS = 4


class AuditJobs:
    """Runs audit work on a fixed number of threads with a bounded queue."""

    def __init__(
        self,
        *,
        store: Store,
        workers: int,
        max_queued: int,
        lock_ttl_seconds: int,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None] = time.sleep,
        lock_poll_seconds: float = 1.0,
    ) -> None:
        self._store = store
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="audit")
        self._capacity = workers + max_queued
        self._lock_ttl = lock_ttl_seconds
        self._clock = clock
        self._sleep = sleep
        self._poll = lock_poll_seconds
        self._guard = threading.Lock()
        self._running: dict[str, list[_Job]] = {}
        self._pending = 0
        self._owner = f"{socket.gethostname()}:{os.getpid()}"
        self._on_shutdown: list[Callable[[], None]] = []

    def on_shutdown(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` after the last audit finished at shutdown (the worker processes' pool)."""
        self._on_shutdown.append(hook)

    def submit(
        self,
        account_id: str,
        work: Work,
        subscriber: Subscriber,
        *,
        scope: frozenset[str] = frozenset(),
    ) -> Submission:
        """Start (or join) the audit of an account; raises AuditBusyError when the queue is full."""
        with self._guard:
            for job in self._running.get(account_id, []):
                if job.covers(scope) and not job.done.is_set():
                    job.subscribers.append(subscriber)
                    joined = len(job.subscribers) - 1
                    stage = job.stage
                    break
            else:
                if self._pending >= self._capacity:
                    raise AuditBusyError(
                        "The bot is busy with other audits right now; please try again in a minute."
                    )
                job = _Job(account_id, scope, [subscriber])
                self._running.setdefault(account_id, []).append(job)
                self._pending += 1
                self._pool.submit(self._run, job, work)
                return Submission(joined=False)
        subscriber.on_stage(stage if stage != "queued" else "collecting", joined)
        return Submission(joined=True)

    def watch(self, account_id: str, subscriber: Subscriber) -> bool:
        """Tell ``subscriber`` how the audit of the account running here ends (any scope).
        False when none runs in this process (not at all, or on another replica)."""
        with self._guard:
            for job in self._running.get(account_id, []):
                if not job.done.is_set():
                    job.subscribers.append(subscriber)
                    return True
        return False

    def is_running(self, account_id: str) -> bool:
        with self._guard:
            if any(not job.done.is_set() for job in self._running.get(account_id, [])):
                return True
        try:
            return self._store.lock_owner(lock_name(account_id)) is not None
        except StoreError:
            return False

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until no job is pending (tests and a graceful shutdown use it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._guard:
                if self._pending == 0:
                    return True
            time.sleep(0.01)
        return False

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
        for hook in self._on_shutdown:
            hook()

    # --- worker side -------------------------------------------------------------------------

    def _run(self, job: _Job, work: Work) -> None:
        token = f"{self._owner}:{uuid.uuid4().hex[:8]}"
        name = lock_name(job.account_id)
        try:
            reuse_since = self._acquire(name, token, job)
            try:
                with kept_alive(self._store, name, token, self._lock_ttl):
                    result = work(lambda stage: self._stage(job, stage), reuse_since)
            finally:
                self._release(name, token)
            self._stage(job, "rendering")
            self._finish(job, lambda s: s.on_done(result))
        except IamAuditError as exc:
            log.warning("audit of %s failed: %s", job.account_id, exc)
            failure = exc
            self._finish(job, lambda s: s.on_error(failure))
        except Exception as exc:  # the user must hear back even from a bug; the log has the trace
            log.exception("audit of %s crashed", job.account_id)
            error = IamAuditError(f"the audit failed unexpectedly ({type(exc).__name__})")
            self._finish(job, lambda s: s.on_error(error))
        finally:
            with self._guard:
                job.done.set()
                self._running[job.account_id].remove(job)
                if not self._running[job.account_id]:
                    del self._running[job.account_id]
                self._pending -= 1

    def _acquire(self, name: str, token: str, job: _Job) -> datetime | None:
        """Take the account lock; if another replica holds it, wait and reuse its result."""
        started = self._clock()
        waited = False
        # The holder renews its lock while it works: wait for it up to LOCK_WAIT_TTLS TTLs.
        deadline = time.monotonic() + self._lock_ttl * LOCK_WAIT_TTLS
        while not self._store.acquire_lock(name, token, self._lock_ttl):
            if not waited:
                log.info("audit of %s is running elsewhere; waiting for it", job.account_id)
                self._stage(job, "waiting for the running audit")
                waited = True
            if time.monotonic() > deadline:
                raise IamAuditError(
                    f"another audit of account {job.account_id} has held the lock too long;"
                    " try again later"
                )
            self._sleep(self._poll)
        # The other audit just finished: a report it cached after `started` answers us too.
        return started if waited else None

    def _release(self, name: str, token: str) -> None:
        try:
            self._store.release_lock(name, token)
        except StoreError as exc:  # the TTL frees it anyway; the result still reaches the users
            log.error("could not release %s: %s", name, exc)

    def _finish(self, job: _Job, call: Callable[[Subscriber], None]) -> None:
        """Close the job to joiners and tell everyone who joined, in one step (no lost joiner)."""
        with self._guard:
            job.done.set()
        self._notify(job, call)

    def _stage(self, job: _Job, stage: str) -> None:
        with self._guard:
            job.stage = stage
            count = len(job.subscribers)
        self._notify(job, lambda s: s.on_stage(stage, count - 1))

    def _notify(self, job: _Job, call: Callable[[Subscriber], None]) -> None:
        with self._guard:
            subscribers = list(job.subscribers)
        for subscriber in subscribers:
            try:
                call(subscriber)
            except IamAuditError as exc:
                log.error(
                    "could not tell a requester about the audit of %s: %s", job.account_id, exc
                )
            except Exception:  # one broken reply must not stop the others from being told
                log.exception("subscriber of the audit of %s failed", job.account_id)


def lock_name(account_id: str) -> str:
    return f"audit:{account_id}"
