"""Audits in worker processes, so the interpreter that acks Slack never runs one.

A 10,000-principal audit is tens of seconds of pure-Python CPU. Run on a thread of the bot's
own interpreter it competes for the GIL with Bolt's listener threads, and acks slow down past
Slack's 3 s budget under load. Even the steps around the checks count: turning a large snapshot
into plain data for the store is a tenth of a second of Python per audit, and any CPU-bound
thread makes every ack wait its turn for the GIL several times. So in the single-process mode
the bot hands the whole pipeline to a small pool of worker processes, in two calls:
:meth:`ProcessAuditor.collect` (collect the snapshot when the source can run there, serialise it,
save it when the store is Redis) and :meth:`ProcessAuditor.audit_collected` (the checks, the
report's data and JSON, saved when the store is Redis). Between the two the bot says "auditing",
as before. Only bytes cross back (pickled once, in the worker), so the bot's interpreter copies
them instead of building objects; it unpickles a snapshot only when a command asks for it.
In queue mode RQ workers already run audits in their own processes and use
:func:`inline_auditor`.

Worker processes are started with the ``spawn`` method: the bot has threads (Bolt, the
scheduler), and forking a threaded process can copy a held lock into the child.
"""

from __future__ import annotations

import gc
import json
import logging
import multiprocessing
import os
import pickle
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from bot.audit.config import AuditConfig
from bot.audit.engine import run_audit
from bot.audit.report import Report
from bot.model.errors import IamAuditError
from bot.model.snapshot import AccountSnapshot

log = logging.getLogger(__name__)

T = TypeVar("T")


class PortableSource:
    """A snapshot source a worker process can run itself: picklable (plain settings, no open
    connection, no closure), so collecting and parsing the account happens outside the bot's
    interpreter. Subclasses implement ``__call__(now) -> AccountSnapshot``; any other callable
    source is run by the bot, which then sends the snapshot over."""

    def __call__(self, now: datetime) -> AccountSnapshot:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Collected:
    """What the bot gets back from :meth:`ProcessAuditor.collect`: bytes, cheap to receive."""

    snapshot_blob: bytes  # the pickled AccountSnapshot, sent back to the worker that audits it
    account_id: str
    data_blob: bytes | None  # the pickled snapshot.to_dict(), when the bot's store must save it


@dataclass(frozen=True, slots=True)
class Audited:
    """What the bot gets back from :meth:`ProcessAuditor.audit_collected`."""

    report_id: str
    report_blob: bytes  # the pickled Report
    data_blob: bytes  # the pickled report.to_dict() (the store's and the report cache's form)
    report_json: str  # the indented JSON attached to the Slack result


@dataclass(frozen=True, slots=True)
class SaveTo:
    """Where a worker saves what it made itself: the Redis store shared with the bot. Without
    one (the in-process store) the bot saves the data the worker sends back."""

    redis_url: str
    target: str
    ttl_seconds: int


@dataclass(frozen=True, slots=True)
class AuditOutput:
    """The report, and (from a worker process) its indented JSON for the file attached to the
    Slack result: serialising a 10,000-principal report is seconds of CPU, done once, there."""

    report: Report
    report_json: str = ""
    report_data: dict[str, Any] | None = None  # report.to_dict(), when already made


class Auditor(Protocol):
    """Runs the checks over a snapshot; where (this process or another) is its business.

    ``snapshot_data`` is the snapshot's ``to_dict()`` when the caller made it anyway (for the
    store): a worker process receives that instead of the objects, which is cheaper to send."""

    def __call__(
        self,
        snapshot: AccountSnapshot,
        *,
        config: AuditConfig,
        now: datetime,
        only: Iterable[str] | None,
        snapshot_data: dict[str, Any] | None = None,
    ) -> AuditOutput: ...


def inline_auditor(
    snapshot: AccountSnapshot,
    *,
    config: AuditConfig,
    now: datetime,
    only: Iterable[str] | None,
    snapshot_data: dict[str, Any] | None = None,
) -> AuditOutput:
    """In this process: the CLI, RQ workers, and tests that do not exercise the pool."""
    return AuditOutput(run_audit(snapshot, config=config, now=now, only=only))


def report_json(report: Report) -> str:
    """The full report as the indented JSON attached to a Slack result (the worker's output is
    the same: ``json.dumps(report.to_dict(), indent=2)``)."""
    return json.dumps(report.to_dict(), indent=2)


def _audit_in_worker(
    snapshot: AccountSnapshot | dict[str, Any],
    config: AuditConfig,
    now: datetime,
    only: list[str] | None,
) -> tuple[dict[str, Any], str]:
    """In the worker: the report as plain data and as the attachment's JSON. Plain dicts cross
    the process boundary several times cheaper than dataclass objects (no per-object
    ``__setstate__`` in the bot's interpreter)."""
    if isinstance(snapshot, dict):
        snapshot = AccountSnapshot.from_dict(snapshot)
    report = run_audit(snapshot, config=config, now=now, only=only)
    data = report.to_dict()
    return data, json.dumps(data, indent=2)


def _blob(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


_gc_guard = threading.Lock()
_gc_loads = 0
_gc_thresholds = gc.get_threshold()
NO_FULL_COLLECTION = 1 << 30  # gen1 collections before a full one: never, while loading


def unpickle(blob: bytes) -> Any:
    """Load what a worker process sent without full collections of the bot's heap meanwhile.

    A large report is hundreds of thousands of new objects. Loaded with the GC as it is, their
    count crosses the full-collection trigger again and again, and each full collection walks
    the bot's whole heap holding the GIL: every ack waits (a 60 ms load took 270 ms). Meanwhile
    only the young generations are collected, in their usual small steps; the one full
    collection the new objects call for comes later, as it would have anyway. Turning the GC
    off instead would make one long young collection of them all. Loads at once share this.
    """
    global _gc_loads, _gc_thresholds  # noqa: PLW0603 - one process-wide GC setting, one count
    with _gc_guard:
        if _gc_loads == 0:
            _gc_thresholds = gc.get_threshold()
            young, middle = _gc_thresholds[0], _gc_thresholds[1]
            gc.set_threshold(young, middle, NO_FULL_COLLECTION)
        _gc_loads += 1
    try:
        return pickle.loads(blob)  # noqa: S301 - made by this pool's worker processes
    finally:
        with _gc_guard:
            _gc_loads -= 1
            if _gc_loads == 0:
                gc.set_threshold(*_gc_thresholds)


_STORES: dict[str, Any] = {}


def _worker_store(redis_url: str) -> Any:
    """The worker's own client of the bot's Redis (one per process, connected on first use)."""
    from bot.store import make_store  # noqa: PLC0415 - redis only when configured

    if redis_url not in _STORES:
        _STORES[redis_url] = make_store(redis_url, clock=lambda: datetime.now(UTC))
    return _STORES[redis_url]


def report_id_for(report: Report, now: datetime) -> str:
    """A new report's cache key: the account, the audit's time, and a random suffix."""
    return f"{report.account_id}-{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


def _collect_in_worker(
    source: PortableSource | bytes, now: datetime, save_to: SaveTo | None
) -> Collected:
    """In the worker: collect (or unpickle what the bot collected), serialise, save to Redis."""
    if isinstance(source, bytes):
        snapshot = pickle.loads(source)  # noqa: S301 - pickled by the bot itself
        snapshot_blob = source
    else:
        snapshot = source(now)
        snapshot_blob = _blob(snapshot)
    data = snapshot.to_dict()
    if save_to is not None:
        _worker_store(save_to.redis_url).save_snapshot(
            account_id=save_to.target, data=data, saved_at=now, ttl_seconds=save_to.ttl_seconds
        )
        return Collected(snapshot_blob, snapshot.account_id, None)
    return Collected(snapshot_blob, snapshot.account_id, _blob(data))


def _audit_collected_in_worker(
    snapshot_blob: bytes,
    config: AuditConfig,
    now: datetime,
    only: list[str] | None,
    save_to: SaveTo | None,
) -> Audited:
    """In the worker: the checks, the report's data and JSON, saved to Redis when shared."""
    snapshot = pickle.loads(snapshot_blob)  # noqa: S301 - made by this pool's collect
    report = run_audit(snapshot, config=config, now=now, only=only)
    report_id = report_id_for(report, now)
    data = report.to_dict()
    if save_to is not None:
        _worker_store(save_to.redis_url).save_report(
            report_id=report_id,
            account_id=save_to.target,
            data=data,
            saved_at=now,
            ttl_seconds=save_to.ttl_seconds,
        )
    return Audited(report_id, _blob(report), _blob(data), json.dumps(data, indent=2))


WORKER_NICENESS = 10  # below the bot's own priority: acks first, audits with what is left


# How often a worker looks whether the bot that started it is still there.
PARENT_CHECK_SECONDS = 2.0


def _start_worker(parent_pid: int) -> None:
    """Worker initializer: lower the worker's priority and make it end with the bot."""
    _lower_priority()
    threading.Thread(
        target=_exit_with_parent, args=(parent_pid,), name="parent-watch", daemon=True
    ).start()


def _lower_priority() -> None:
    """Audits are background work; the interpreter that acks must win the CPU when both want
    it (on a 2-core host two audit workers would otherwise starve it)."""
    try:
        os.nice(WORKER_NICENESS)
    except (AttributeError, OSError):  # not on this platform, or not permitted: run as is
        log.debug("could not lower the audit worker's priority")


def _exit_with_parent(parent_pid: int) -> None:
    """End this worker once the bot that started it is gone (killed, out of memory). A spawned
    worker holds both ends of its task queue's pipe, so it never reads an end of input there:
    without this it waited for tasks forever, one orphan per worker at every crash or restart."""
    while os.getppid() == parent_pid:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _warm_up() -> int:
    """Import the checks (and the IAM action catalogue they load) before the first audit."""
    from bot.audit.registry import all_checks  # noqa: PLC0415 - runs in the worker

    return len(all_checks())


class ProcessAuditor:
    """An :class:`Auditor` backed by a process pool started on first use (or by ``warm_up``)."""

    def __init__(self, processes: int) -> None:
        if processes < 1:
            raise ValueError("a process auditor needs at least one process")
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None
        self._guard = threading.Lock()
        self._closed = False

    def _executor(self) -> ProcessPoolExecutor:
        with self._guard:
            if self._closed:
                raise IamAuditError("the bot is shutting down; the audit was not started")
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=self.processes,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_worker,
                    initargs=(os.getpid(),),
                )
            return self._pool

    def warm_up(self) -> None:
        """Start the workers and load the checks now, so the first audit does not pay for it."""
        pool = self._executor()
        for future in [pool.submit(_warm_up) for _ in range(self.processes)]:
            future.result(timeout=120)

    def __call__(
        self,
        snapshot: AccountSnapshot,
        *,
        config: AuditConfig,
        now: datetime,
        only: Iterable[str] | None,
        snapshot_data: dict[str, Any] | None = None,
    ) -> AuditOutput:
        selected = sorted(only) if only else None
        sent = snapshot_data if snapshot_data is not None else snapshot
        data, text = self._submit(_audit_in_worker, sent, config, now, selected)
        return AuditOutput(Report.from_dict(data), text, data)

    def collect(
        self, source: PortableSource | AccountSnapshot, *, now: datetime, save_to: SaveTo | None
    ) -> Collected:
        """Step 1 in a worker: the snapshot (collected there when the source can run there),
        its plain data, saved to Redis when ``save_to`` says so."""
        sent = source if isinstance(source, PortableSource) else _blob(source)
        return self._submit(_collect_in_worker, sent, now, save_to)

    def audit_collected(
        self,
        collected: Collected,
        *,
        config: AuditConfig,
        now: datetime,
        only: Iterable[str] | None,
        save_to: SaveTo | None,
    ) -> Audited:
        """Step 2 in a worker: the checks over what :meth:`collect` made."""
        selected = sorted(only) if only else None
        return self._submit(
            _audit_collected_in_worker, collected.snapshot_blob, config, now, selected, save_to
        )

    def _submit(self, work: Callable[..., T], *args: Any) -> T:
        """Run ``work`` in a worker and wait; a worker that dies is an error said to the user,
        never a hang: the pool notices the dead process and fails every call it was running."""
        try:
            return self._executor().submit(work, *args).result()
        except BrokenProcessPool as exc:
            # A worker died (out of memory, killed): start a fresh pool for the next audit.
            with self._guard:
                self._pool = None
            log.error("an audit worker process died: %s", exc)
            raise IamAuditError(
                "the audit worker process stopped unexpectedly (out of memory?); try again"
            ) from exc

    def shutdown(self) -> None:
        with self._guard:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
