"""Audits in worker processes, so the interpreter that acks Slack never runs one.

A 10,000-principal audit is tens of seconds of pure-Python CPU. Run on a thread of the bot's
own interpreter it competes for the GIL with Bolt's listener threads, and acks slow down past
Slack's 3 s budget under load. In the single-process mode the bot hands the CPU-heavy step
(``run_audit`` over a collected snapshot) to a small pool of worker processes; collection (AWS
I/O) and the Slack replies stay on the bot's threads. In queue mode RQ workers already run audits
in their own processes and use :func:`inline_auditor`.

Worker processes are started with the ``spawn`` method: the bot has threads (Bolt, the
scheduler), and forking a threaded process can copy a held lock into the child.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import threading
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.audit.config import AuditConfig
from bot.audit.engine import run_audit
from bot.audit.report import Report
from bot.model.errors import IamAuditError
from bot.model.snapshot import AccountSnapshot

log = logging.getLogger(__name__)


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


WORKER_NICENESS = 10  # below the bot's own priority: acks first, audits with what is left


def _lower_priority() -> None:
    """Worker initializer: audits are background work; the interpreter that acks must win the
    CPU when both want it (on a 2-core host two audit workers would otherwise starve it)."""
    try:
        os.nice(WORKER_NICENESS)
    except (AttributeError, OSError):  # not on this platform, or not permitted: run as is
        log.debug("could not lower the audit worker's priority")


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
                    initializer=_lower_priority,
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
        try:
            future = self._executor().submit(_audit_in_worker, sent, config, now, selected)
            data, text = future.result()
        except BrokenProcessPool as exc:
            # A worker died (out of memory, killed): start a fresh pool for the next audit.
            with self._guard:
                self._pool = None
            log.error("an audit worker process died: %s", exc)
            raise IamAuditError(
                "the audit worker process stopped unexpectedly (out of memory?); try again"
            ) from exc
        return AuditOutput(Report.from_dict(data), text, data)

    def shutdown(self) -> None:
        with self._guard:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
