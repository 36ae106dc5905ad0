"""Redis adapter of the store: caches with TTL, owner-checked locks, SET NX de-duplication."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import redis

from bot.model.errors import StoreError
from bot.model.snapshot import parse_aws_time
from bot.store.base import HISTORY_LENGTH, HistoryEntry, StoredReport, StoredSnapshot
from bot.store.redis_url import redis_client

# Delete the lock only if we still own it: a lock that expired and was taken by another replica
# must not be released by the late finisher.
_RELEASE_IF_OWNER = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""
# Extend the lock only if we still own it (same reason: never extend another replica's lock).
_RENEW_IF_OWNER = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('expire', KEYS[1], ARGV[2]) end
return 0
"""


@contextmanager
def _translated(operation: str) -> Iterator[None]:
    try:
        yield
    except redis.RedisError as exc:
        raise StoreError(f"the state store (Redis) failed during {operation}: {exc}") from exc


class RedisStore:
    """All keys live under one prefix so several environments can share a Redis."""

    kind = "redis"

    def __init__(self, client: redis.Redis, *, prefix: str = "iam-audit:") -> None:
        self._r = client
        self._p = prefix
        self._release = client.register_script(_RELEASE_IF_OWNER)
        self._renew = client.register_script(_RENEW_IF_OWNER)

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "iam-audit:") -> RedisStore:
        """Build the client without connecting; the first command connects."""
        client = redis_client(
            url, decode_responses=True, socket_connect_timeout=3, socket_timeout=5
        )
        return cls(client, prefix=prefix)

    def _k(self, *parts: str) -> str:
        return self._p + ":".join(parts)

    def ping(self) -> None:
        with _translated("ping"):
            self._r.ping()

    def save_report(
        self,
        *,
        report_id: str,
        account_id: str,
        data: dict[str, Any],
        saved_at: datetime,
        ttl_seconds: int,
    ) -> None:
        record = json.dumps(
            {"account_id": account_id, "saved_at": saved_at.isoformat(), "data": data}
        )
        entry = json.dumps(
            {
                "report_id": report_id,
                "saved_at": saved_at.isoformat(),
                "summary": data.get("summary") or {},
            }
        )
        history = self._k("history", account_id)
        with _translated("save_report"):
            pipe = self._r.pipeline(transaction=True)
            pipe.set(self._k("report", report_id), record, ex=ttl_seconds)
            pipe.set(self._k("latest", account_id), report_id, ex=ttl_seconds)
            pipe.lpush(history, entry)
            pipe.ltrim(history, 0, HISTORY_LENGTH - 1)
            pipe.expire(history, ttl_seconds)
            pipe.execute()

    def get_report(self, report_id: str) -> StoredReport | None:
        with _translated("get_report"):
            raw = self._r.get(self._k("report", report_id))
        if raw is None:
            return None
        record = json.loads(raw)
        return StoredReport(
            report_id, record["account_id"], record["data"], _time(record["saved_at"])
        )

    def latest_report(self, account_id: str) -> StoredReport | None:
        with _translated("latest_report"):
            report_id = self._r.get(self._k("latest", account_id))
        return self.get_report(report_id) if report_id else None

    def latest_report_id(self, account_id: str) -> str | None:
        with _translated("latest_report_id"):
            return self._r.get(self._k("latest", account_id))

    def report_history(self, account_id: str, limit: int = 10) -> list[HistoryEntry]:
        with _translated("report_history"):
            raw = self._r.lrange(self._k("history", account_id), 0, max(limit, 1) - 1)
        entries = []
        for item in raw:
            data = json.loads(item)
            entries.append(
                HistoryEntry(data["report_id"], _time(data["saved_at"]), dict(data["summary"]))
            )
        return entries

    def save_snapshot(
        self, *, account_id: str, data: dict[str, Any], saved_at: datetime, ttl_seconds: int
    ) -> None:
        record = json.dumps({"saved_at": saved_at.isoformat(), "data": data})
        with _translated("save_snapshot"):
            pipe = self._r.pipeline(transaction=True)
            pipe.set(self._k("snapshot", account_id), record, ex=ttl_seconds)
            pipe.set(self._k("snapshot_at", account_id), saved_at.isoformat(), ex=ttl_seconds)
            pipe.execute()

    def latest_snapshot(self, account_id: str) -> StoredSnapshot | None:
        with _translated("latest_snapshot"):
            raw = self._r.get(self._k("snapshot", account_id))
        if raw is None:
            return None
        record = json.loads(raw)
        return StoredSnapshot(account_id, record["data"], _time(record["saved_at"]))

    def snapshot_saved_at(self, account_id: str) -> datetime | None:
        with _translated("snapshot_saved_at"):
            raw = self._r.get(self._k("snapshot_at", account_id))
        return _time(raw) if raw else None

    def acquire_lock(self, name: str, owner: str, ttl_seconds: int) -> bool:
        with _translated("acquire_lock"):
            return bool(self._r.set(self._k("lock", name), owner, nx=True, ex=ttl_seconds))

    def release_lock(self, name: str, owner: str) -> bool:
        with _translated("release_lock"):
            return bool(self._release(keys=[self._k("lock", name)], args=[owner]))

    def renew_lock(self, name: str, owner: str, ttl_seconds: int) -> bool:
        with _translated("renew_lock"):
            return bool(self._renew(keys=[self._k("lock", name)], args=[owner, ttl_seconds]))

    def lock_owner(self, name: str) -> str | None:
        with _translated("lock_owner"):
            return self._r.get(self._k("lock", name))

    def first_seen(self, key: str, ttl_seconds: int) -> bool:
        with _translated("first_seen"):
            return bool(self._r.set(self._k("seen", key), "1", nx=True, ex=ttl_seconds))

    def count_use(self, key: str, window_seconds: int) -> int:
        counter = self._k("count", key)
        with _translated("count_use"):
            pipe = self._r.pipeline(transaction=True)
            pipe.incr(counter)
            pipe.expire(counter, window_seconds, nx=True)
            count, _ = pipe.execute()
        return int(count)

    def add_home_viewer(self, user_id: str) -> None:
        with _translated("add_home_viewer"):
            self._r.sadd(self._k("home_viewers"), user_id)

    def home_viewers(self) -> set[str]:
        with _translated("home_viewers"):
            return set(self._r.smembers(self._k("home_viewers")))


def _time(text: str) -> datetime:
    parsed = parse_aws_time(text)
    assert parsed is not None  # written by us, always a timestamp
    return parsed
