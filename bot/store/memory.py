"""In-process store for a single-process trial (no REDIS_URL): same interface as RedisStore."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.store.base import HISTORY_LENGTH, HistoryEntry, StoredReport, StoredSnapshot


class InMemoryStore:
    """Keeps everything in dicts behind one lock; expiry is judged with the injected clock."""

    kind = "memory"

    def __init__(self, *, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._reports: dict[str, tuple[StoredReport, datetime]] = {}
        self._latest: dict[str, str] = {}
        self._history: dict[str, list[HistoryEntry]] = {}
        self._snapshots: dict[str, tuple[StoredSnapshot, datetime]] = {}
        self._locks: dict[str, tuple[str, datetime]] = {}
        self._keys: dict[str, datetime] = {}
        self._counters: dict[str, tuple[int, datetime]] = {}
        self._viewers: set[str] = set()

    def ping(self) -> None:
        return None

    def save_report(
        self,
        *,
        report_id: str,
        account_id: str,
        data: dict[str, Any],
        saved_at: datetime,
        ttl_seconds: int,
    ) -> None:
        stored = StoredReport(report_id, account_id, data, saved_at)
        entry = HistoryEntry(report_id, saved_at, dict(data.get("summary") or {}))
        with self._lock:
            self._reports[report_id] = (stored, self._expiry(ttl_seconds))
            self._latest[account_id] = report_id
            history = self._history.setdefault(account_id, [])
            history.insert(0, entry)
            del history[HISTORY_LENGTH:]

    def get_report(self, report_id: str) -> StoredReport | None:
        with self._lock:
            item = self._reports.get(report_id)
            if item is None or item[1] <= self._clock():
                self._reports.pop(report_id, None)
                return None
            return item[0]

    def latest_report(self, account_id: str) -> StoredReport | None:
        with self._lock:
            report_id = self._latest.get(account_id)
        return self.get_report(report_id) if report_id else None

    def latest_report_id(self, account_id: str) -> str | None:
        report_id = self._latest.get(account_id)
        return report_id if report_id and self.get_report(report_id) else None

    def report_history(self, account_id: str, limit: int = 10) -> list[HistoryEntry]:
        with self._lock:
            return list(self._history.get(account_id, [])[:limit])

    def save_snapshot(
        self, *, account_id: str, data: dict[str, Any], saved_at: datetime, ttl_seconds: int
    ) -> None:
        with self._lock:
            self._snapshots[account_id] = (
                StoredSnapshot(account_id, data, saved_at),
                self._expiry(ttl_seconds),
            )

    def latest_snapshot(self, account_id: str) -> StoredSnapshot | None:
        with self._lock:
            item = self._snapshots.get(account_id)
            if item is None or item[1] <= self._clock():
                return None
            return item[0]

    def snapshot_saved_at(self, account_id: str) -> datetime | None:
        stored = self.latest_snapshot(account_id)
        return stored.saved_at if stored else None

    def acquire_lock(self, name: str, owner: str, ttl_seconds: int) -> bool:
        with self._lock:
            held = self._locks.get(name)
            if held and held[1] > self._clock():
                return False
            self._locks[name] = (owner, self._expiry(ttl_seconds))
            return True

    def renew_lock(self, name: str, owner: str, ttl_seconds: int) -> bool:
        with self._lock:
            held = self._locks.get(name)
            if held is None or held[0] != owner or held[1] <= self._clock():
                return False
            self._locks[name] = (owner, self._expiry(ttl_seconds))
            return True

    def release_lock(self, name: str, owner: str) -> bool:
        with self._lock:
            held = self._locks.get(name)
            if held and held[0] == owner:
                del self._locks[name]
                return True
            return False

    def lock_owner(self, name: str) -> str | None:
        with self._lock:
            held = self._locks.get(name)
            return held[0] if held and held[1] > self._clock() else None

    def first_seen(self, key: str, ttl_seconds: int) -> bool:
        with self._lock:
            expiry = self._keys.get(key)
            if expiry and expiry > self._clock():
                return False
            self._keys[key] = self._expiry(ttl_seconds)
            return True

    def count_use(self, key: str, window_seconds: int) -> int:
        with self._lock:
            count, expiry = self._counters.get(key, (0, self._clock()))
            if expiry <= self._clock():
                count, expiry = 0, self._expiry(window_seconds)
            count += 1
            self._counters[key] = (count, expiry)
            return count

    def add_home_viewer(self, user_id: str) -> None:
        with self._lock:
            self._viewers.add(user_id)

    def home_viewers(self) -> set[str]:
        with self._lock:
            return set(self._viewers)

    def _expiry(self, ttl_seconds: int) -> datetime:
        return self._clock() + timedelta(seconds=ttl_seconds)
