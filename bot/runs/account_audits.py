"""The audit pipeline the bot runs for its account: collect, audit, cache; and cache look-ups.

The bot serves one AWS target (a profile, the default credential chain or the demo account);
locks and caches are keyed by that target so the key is known before anything is collected.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.audit.config import AuditConfig, Suppression
from bot.audit.engine import select_checks
from bot.audit.report import Report
from bot.model.errors import InputError
from bot.model.snapshot import AccountSnapshot
from bot.runs.workers import (
    Auditor,
    PortableSource,
    ProcessAuditor,
    SaveTo,
    inline_auditor,
    report_id_for,
    unpickle,
)
from bot.store.base import Store, StoredReport

log = logging.getLogger(__name__)

PARSED_REPORTS = 8

SnapshotSource = Callable[[datetime], AccountSnapshot]


class NoAccountDataError(InputError):
    """No snapshot of the account is cached yet: nothing was audited, or it expired."""


@dataclass(frozen=True, slots=True)
class AuditResult:
    report_id: str
    report: Report
    saved_at: datetime
    reused: bool = False  # True: another replica's audit, finished while this one waited
    report_json: str = ""  # the full report's indented JSON, when a worker process made it


@dataclass(frozen=True, slots=True)
class CachedSnapshot:
    snapshot: AccountSnapshot
    saved_at: datetime


@dataclass(frozen=True, slots=True)
class _PickledSnapshot:
    """The snapshot a worker process collected, as it sent it: unpickled on first use (a
    command that needs it), not as the audit goes on."""

    blob: bytes
    saved_at: datetime


class AccountAudits:
    """Runs the pipeline for one target and reads back what it cached."""

    def __init__(
        self,
        *,
        target: str,
        source: SnapshotSource,
        store: Store,
        config: AuditConfig,
        clock: Callable[[], datetime],
        ttl_seconds: int,
        after_audit: Iterable[Callable[[AuditResult], None]] = (),
        auditor: Auditor = inline_auditor,
        extra_suppressions: Callable[[datetime], tuple[Suppression, ...]] | None = None,
        worker_redis_url: str = "",
    ) -> None:
        """``worker_redis_url``: the Redis ``store`` is a client of, when worker processes may
        save there themselves (the JSON of a large snapshot or report is then made there)."""
        self.target = target
        self._source = source
        self._store = store
        self._config = config
        self._clock = clock
        self._ttl = ttl_seconds
        self._after = list(after_audit)
        self._auditor = auditor
        self._extra_suppressions = extra_suppressions
        self._worker_redis_url = worker_redis_url
        # Parsed copies of what the store holds: a large report or snapshot takes a while to
        # parse, and every status / mfa / click would otherwise parse it again.
        self._parsed_lock = threading.Lock()
        self._reports: OrderedDict[str, tuple[Report, StoredReport]] = OrderedDict()
        self._snapshot: CachedSnapshot | _PickledSnapshot | None = None

    def for_target(self, target: str, source: SnapshotSource) -> AccountAudits:
        """The same pipeline (store, config, clock, TTL) for another account: one bot auditing
        several accounts, and the ack benchmark's second account."""
        return AccountAudits(
            target=target,
            source=source,
            store=self._store,
            config=self._config,
            clock=self._clock,
            ttl_seconds=self._ttl,
            auditor=self._auditor,
            extra_suppressions=self._extra_suppressions,
            worker_redis_url=self._worker_redis_url,
        )

    def warm_up(self) -> None:
        """Start the audit worker processes now (serve calls it), if audits run in them."""
        warm = getattr(self._auditor, "warm_up", None)
        if warm is not None:
            warm()

    def add_after_audit(self, hook: Callable[[AuditResult], None]) -> None:
        self._after.append(hook)

    def validate_checks(self, only: Iterable[str]) -> None:
        """Fail fast (InputError) on unknown check ids, before anything is queued."""
        select_checks(list(only), self._config)

    def run(
        self,
        progress: Callable[[str], None],
        reuse_since: datetime | None,
        only: frozenset[str] = frozenset(),
    ) -> AuditResult:
        """Collect, audit and cache; reuse a report another replica just made when it covers us."""
        if reuse_since is not None:
            cached = self._store.latest_report(self.target)
            if cached and cached.saved_at >= reuse_since:
                report = Report.from_dict(cached.data)
                if self.covers(report, only):
                    return AuditResult(cached.report_id, report, cached.saved_at, reused=True)
        if isinstance(self._auditor, ProcessAuditor):
            report_id, report, data, text, now = self._run_in_workers(self._auditor, progress, only)
        else:
            report_id, report, data, now = self._run_here(progress, only)
            text = ""
        self._remember(report_id, (report, StoredReport(report_id, self.target, data, now)))
        result = AuditResult(report_id, report, now, report_json=text)
        for hook in self._after:
            try:
                hook(result)
            except Exception:  # a failed App Home refresh must not fail the audit itself
                log.exception("after-audit hook failed for %s", self.target)
        return result

    def covers(self, report: Report, only: Iterable[str]) -> bool:
        """Does ``report`` answer an audit of the checks ``only`` (none named: every enabled
        check)? A full audit waiting behind another replica's audit of a few checks must not
        be answered with those few. A check counts as judged when the report ran it, skipped it
        (its data missing) or recorded its failure."""
        judged = set(report.checks) | {s.check_id for s in report.skipped}
        judged |= {e.check_id for e in report.errors if e.check_id}
        wanted = set(only) or {c.meta.id for c in select_checks(None, self._config)}
        return wanted <= judged

    def _run_here(
        self, progress: Callable[[str], None], only: frozenset[str]
    ) -> tuple[str, Report, dict[str, Any], datetime]:
        """Every step in this process (the CLI, RQ workers, tests without a pool)."""
        progress("collecting")
        snapshot = self._source(self._clock())
        now = self._clock()
        snapshot_data = snapshot.to_dict()
        self._store.save_snapshot(
            account_id=self.target, data=snapshot_data, saved_at=now, ttl_seconds=self._ttl
        )
        with self._parsed_lock:
            self._snapshot = CachedSnapshot(snapshot, now)
        progress("auditing")
        output = self._auditor(
            snapshot,
            config=self._config_at(now),
            now=now,
            only=sorted(only) or None,
            snapshot_data=snapshot_data,
        )
        report = output.report
        report_id = report_id_for(report, now)
        data = output.report_data if output.report_data is not None else report.to_dict()
        self._store.save_report(
            report_id=report_id,
            account_id=self.target,
            data=data,
            saved_at=now,
            ttl_seconds=self._ttl,
        )
        return report_id, report, data, now

    def _run_in_workers(
        self, pool: ProcessAuditor, progress: Callable[[str], None], only: frozenset[str]
    ) -> tuple[str, Report, dict[str, Any], str, datetime]:
        """The same steps with the CPU-heavy ones in worker processes: this interpreter (the one
        that acks Slack) only receives bytes and unpickles what it keeps."""
        save_to = (
            SaveTo(self._worker_redis_url, self.target, self._ttl)
            if self._worker_redis_url
            else None
        )
        progress("collecting")
        now = self._clock()
        if isinstance(self._source, PortableSource):
            collected = pool.collect(self._source, now=now, save_to=save_to)
        else:  # a source that only runs here (a closure, a test's fake): send its snapshot over
            collected = pool.collect(self._source(now), now=now, save_to=save_to)
        if collected.data_blob is not None:  # the in-process store: it keeps the plain data
            self._store.save_snapshot(
                account_id=self.target,
                data=unpickle(collected.data_blob),
                saved_at=now,
                ttl_seconds=self._ttl,
            )
        with self._parsed_lock:
            self._snapshot = _PickledSnapshot(collected.snapshot_blob, now)
        progress("auditing")
        # As _run_here: the audit's time is taken after the collection, so a replica that
        # asked while it ran (and waits on the account lock) reuses this report.
        audited_at = self._clock()
        audited = pool.audit_collected(
            collected,
            config=self._config_at(audited_at),
            now=audited_at,
            only=sorted(only) or None,
            save_to=save_to,
        )
        report = unpickle(audited.report_blob)
        data = unpickle(audited.data_blob)
        if save_to is None:
            self._store.save_report(
                report_id=audited.report_id,
                account_id=self.target,
                data=data,
                saved_at=audited_at,
                ttl_seconds=self._ttl,
            )
        return audited.report_id, report, data, audited.report_json, audited_at

    def _config_at(self, now: datetime) -> AuditConfig:
        """The config file's settings plus the suppressions approved from Slack still in force."""
        if self._extra_suppressions is None:
            return self._config
        extra = self._extra_suppressions(now)
        if not extra:
            return self._config
        return replace(self._config, suppressions=(*self._config.suppressions, *extra))

    def latest(self) -> tuple[Report, StoredReport] | None:
        report_id = self._store.latest_report_id(self.target)
        return self.report(report_id) if report_id else None

    def report(self, report_id: str) -> tuple[Report, StoredReport] | None:
        with self._parsed_lock:
            if report_id in self._reports:
                self._reports.move_to_end(report_id)
                return self._reports[report_id]
        stored = self._store.get_report(report_id)
        if stored is None or stored.account_id != self.target:
            return None
        parsed = (Report.from_dict(stored.data), stored)
        self._remember(report_id, parsed)
        return parsed

    def _remember(self, report_id: str, parsed: tuple[Report, StoredReport]) -> None:
        with self._parsed_lock:
            self._reports[report_id] = parsed
            while len(self._reports) > PARSED_REPORTS:
                self._reports.popitem(last=False)

    def snapshot(self) -> CachedSnapshot:
        """The cached snapshot; without one the user is told to run an audit first."""
        saved_at = self._store.snapshot_saved_at(self.target)
        with self._parsed_lock:
            if saved_at and self._snapshot and self._snapshot.saved_at == saved_at:
                if isinstance(self._snapshot, _PickledSnapshot):
                    snapshot = unpickle(self._snapshot.blob)
                    self._snapshot = CachedSnapshot(snapshot, saved_at)
                return self._snapshot
        stored = self._store.latest_snapshot(self.target)
        if stored is None:
            raise NoAccountDataError(
                "No account data yet: run `/iam-audit audit` first (it takes seconds)."
            )
        cached = CachedSnapshot(AccountSnapshot.from_dict(stored.data), stored.saved_at)
        with self._parsed_lock:
            self._snapshot = cached
        return cached
