"""The audit trail: an append-only Redis stream of every request, decision and AWS call result.

Entries are never edited or trimmed by the bot. Each carries its kind, the approval request id,
the actor (a Slack user id or "bot"), a timestamp and a JSON payload (for AWS calls: the API, the
outcome and the AWS request id).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import redis

from bot.model.errors import StoreError
from bot.model.snapshot import parse_aws_time
from bot.store.redis_url import redis_client

STREAM = "audit"
EXPORT_BATCH = 500


@dataclass(frozen=True, slots=True)
class AuditEntry:
    kind: str  # request | decision | aws_call | apply | ...
    request_id: str
    actor: str
    at: datetime
    data: dict[str, Any]
    entry_id: str = ""  # the stream id, assigned on append

    def to_dict(self) -> dict[str, Any]:
        return {
            "entry_id": self.entry_id,
            "kind": self.kind,
            "request_id": self.request_id,
            "actor": self.actor,
            "at": self.at.isoformat(),
            "data": self.data,
        }

    def fields(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "request_id": self.request_id,
            "actor": self.actor,
            "at": self.at.isoformat(),
            "data": json.dumps(self.data, sort_keys=True, default=str),
        }

    @classmethod
    def from_fields(cls, entry_id: str, fields: dict[str, str]) -> AuditEntry:
        at = parse_aws_time(fields.get("at", "")) or datetime.fromtimestamp(0).astimezone()
        try:
            data = json.loads(fields.get("data") or "{}")
        except ValueError:
            data = {"raw": fields.get("data", "")}
        return cls(
            kind=fields.get("kind", ""),
            request_id=fields.get("request_id", ""),
            actor=fields.get("actor", ""),
            at=at,
            data=data if isinstance(data, dict) else {"value": data},
            entry_id=entry_id,
        )


class AuditLog(Protocol):
    kind: str

    def append(self, entry: AuditEntry) -> str: ...

    def last(self, count: int) -> list[AuditEntry]:
        """The newest ``count`` entries, newest first."""
        ...

    def export(self) -> Iterator[AuditEntry]:
        """Every entry, oldest first."""
        ...


class RedisAuditLog:
    kind = "redis"

    def __init__(self, client: redis.Redis, *, prefix: str = "iam-audit:") -> None:
        self._r = client
        self._key = f"{prefix}{STREAM}"

    @classmethod
    def from_url(
        cls, url: str, *, prefix: str = "iam-audit:", option: str = "REDIS_URL"
    ) -> RedisAuditLog:
        """The log at ``url``; a malformed URL is an InputError naming ``option`` (where the
        URL came from, e.g. --redis-url), not redis's bare ValueError."""
        client = redis_client(
            url, option, decode_responses=True, socket_connect_timeout=3, socket_timeout=5
        )
        return cls(client, prefix=prefix)

    def append(self, entry: AuditEntry) -> str:
        try:
            return str(self._r.xadd(self._key, entry.fields()))
        except redis.RedisError as exc:
            raise StoreError(f"could not write the audit trail (Redis): {exc}") from exc

    def last(self, count: int) -> list[AuditEntry]:
        try:
            rows = self._r.xrevrange(self._key, count=max(count, 1))
        except redis.RedisError as exc:
            raise StoreError(f"could not read the audit trail (Redis): {exc}") from exc
        return [AuditEntry.from_fields(i, f) for i, f in rows]

    def export(self) -> Iterator[AuditEntry]:
        start = "-"
        while True:
            try:
                rows = self._r.xrange(self._key, min=start, count=EXPORT_BATCH)
            except redis.RedisError as exc:
                raise StoreError(f"could not read the audit trail (Redis): {exc}") from exc
            for entry_id, fields in rows:
                yield AuditEntry.from_fields(entry_id, fields)
            if len(rows) < EXPORT_BATCH:
                return
            start = "(" + rows[-1][0]  # exclusive start after the last id seen


class InMemoryAuditLog:
    kind = "memory"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[AuditEntry] = []

    def append(self, entry: AuditEntry) -> str:
        with self._lock:
            entry_id = f"{len(self._entries) + 1}-0"
            self._entries.append(
                AuditEntry(
                    entry.kind, entry.request_id, entry.actor, entry.at, entry.data, entry_id
                )
            )
            return entry_id

    def last(self, count: int) -> list[AuditEntry]:
        with self._lock:
            return list(reversed(self._entries[-max(count, 1) :]))

    def export(self) -> Iterator[AuditEntry]:
        with self._lock:
            entries = list(self._entries)
        return iter(entries)


def make_audit_log(redis_url: str) -> AuditLog:
    if not redis_url:
        return InMemoryAuditLog()
    return RedisAuditLog.from_url(redis_url)
