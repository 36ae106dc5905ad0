"""The state-store interface the bot talks to; Redis in production, in-process for a trial."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class StoredReport:
    """A cached report (the `iam-audit/report/1` dict) with when it was saved."""

    report_id: str
    account_id: str
    data: dict[str, Any]
    saved_at: datetime


@dataclass(frozen=True, slots=True)
class StoredSnapshot:
    account_id: str
    data: dict[str, Any]
    saved_at: datetime


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One past audit's counts by severity, newest first in a history; feeds the trend."""

    report_id: str
    saved_at: datetime
    summary: dict[str, int]


class Store(Protocol):
    """Caches, locks and de-duplication keys; every method raises StoreError when unreachable."""

    kind: str  # "redis" | "memory": announced at start

    def ping(self) -> None: ...

    def save_report(
        self,
        *,
        report_id: str,
        account_id: str,
        data: dict[str, Any],
        saved_at: datetime,
        ttl_seconds: int,
    ) -> None: ...

    def get_report(self, report_id: str) -> StoredReport | None: ...

    def latest_report(self, account_id: str) -> StoredReport | None: ...

    def latest_report_id(self, account_id: str) -> str | None:
        """Cheap: lets a reader reuse a report it already parsed."""
        ...

    def report_history(self, account_id: str, limit: int = 10) -> list[HistoryEntry]: ...

    def save_snapshot(
        self, *, account_id: str, data: dict[str, Any], saved_at: datetime, ttl_seconds: int
    ) -> None: ...

    def latest_snapshot(self, account_id: str) -> StoredSnapshot | None: ...

    def snapshot_saved_at(self, account_id: str) -> datetime | None:
        """Cheap: when the cached snapshot was saved (None: no snapshot)."""
        ...

    def acquire_lock(self, name: str, owner: str, ttl_seconds: int) -> bool: ...

    def release_lock(self, name: str, owner: str) -> bool: ...

    def renew_lock(self, name: str, owner: str, ttl_seconds: int) -> bool:
        """Extend a lock we still own to ``ttl_seconds`` from now; False when it is not ours."""
        ...

    def lock_owner(self, name: str) -> str | None: ...

    def first_seen(self, key: str, ttl_seconds: int) -> bool: ...

    def count_use(self, key: str, window_seconds: int) -> int: ...

    def add_home_viewer(self, user_id: str) -> None: ...

    def home_viewers(self) -> set[str]: ...


HISTORY_LENGTH = 20
