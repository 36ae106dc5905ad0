"""Digest bookkeeping in Redis (and in process): leader lock, slots, history, schedule, campaign.

- Leader lock: SET NX PX with a random owner token; renewal and release are compare-and-act Lua
  scripts, so a replica whose lock expired (and was taken over) can neither extend nor delete the
  new holder's lock.
- Slot keys: one SET NX EX per (channel, slot), taken BEFORE anything is posted; whoever gets it
  posts, everyone else says the slot is taken. A run holds it as a short lease it renews while it
  works (a process killed mid-run frees it within the lease), and keeps it for days once posted.
- Owed slots: a sorted set of (channel, slot) a scheduled run is due for, scored by the end of its
  grace time, so whichever replica leads next (a restart included) finishes what was left undone.
- The schedule and the MFA campaign are JSON documents: data, never pickled jobs, so write access
  to Redis never becomes code execution in the bot.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, Protocol

import redis

from bot.model.errors import StoreError
from bot.store.redis_url import redis_client

HISTORY_LENGTH = 30
SENDING = "sending"  # the posted record while a post may be under way (bot.digest.run)
LAST_REPORT_TTL_SECONDS = 90 * 86400

_RENEW_IF_OWNER = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
"""
_DELETE_IF_OWNER = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class DigestStore(Protocol):
    """Every method raises StoreError when the store is unreachable."""

    kind: str

    def acquire_leader(self, owner: str, ttl_ms: int) -> bool: ...

    def renew_leader(self, owner: str, ttl_ms: int) -> bool:
        """Extend the lock only if ``owner`` still holds it."""
        ...

    def release_leader(self, owner: str) -> bool: ...

    def leader(self) -> str | None: ...

    def claim_slot(self, channel: str, slot: str, owner: str, ttl_seconds: int) -> bool: ...

    def slot_owner(self, channel: str, slot: str) -> str | None: ...

    def release_slot(self, channel: str, slot: str, owner: str) -> bool: ...

    def renew_slot(self, channel: str, slot: str, owner: str, ttl_seconds: int) -> bool:
        """Extend the slot key only if ``owner`` still holds it."""
        ...

    def mark_posted(self, channel: str, slot: str, ts: str, ttl_seconds: int) -> None: ...

    def posted_ts(self, channel: str, slot: str) -> str | None: ...

    def mark_sending(self, channel: str, slot: str, ttl_seconds: int) -> None:
        """Record, before the first post, that one may be out from here on."""
        ...

    def clear_posted(self, channel: str, slot: str) -> None: ...

    def owe(self, channel: str, slot: str, until: datetime) -> None:
        """Note that a scheduled run owes ``slot`` to ``channel`` until ``until``."""
        ...

    def owed(self, now: datetime) -> list[tuple[str, str]]:
        """The (channel, slot) pairs still owed at ``now`` (older ones are forgotten)."""
        ...

    def settle(self, channel: str, slot: str) -> None: ...

    def add_summary(self, account: str, summary: dict[str, Any]) -> None: ...

    def summaries(self, account: str, limit: int = HISTORY_LENGTH) -> list[dict[str, Any]]:
        """Newest first."""
        ...

    def save_last_report(self, account: str, record: dict[str, Any]) -> None: ...

    def last_report(self, account: str) -> dict[str, Any] | None: ...

    def save_schedule(self, schedule: dict[str, Any]) -> None: ...

    def schedule(self) -> dict[str, Any] | None: ...

    def save_campaign(self, campaign: dict[str, Any]) -> None: ...

    def campaign(self) -> dict[str, Any] | None: ...

    def claim_once(self, key: str, ttl_seconds: int) -> bool:
        """True the first time ``key`` is claimed within ``ttl_seconds`` (one DM per reminder)."""
        ...

    def release_once(self, key: str) -> None: ...


@contextmanager
def _translated(operation: str) -> Iterator[None]:
    try:
        yield
    except redis.RedisError as exc:
        raise StoreError(f"the state store (Redis) failed during {operation}: {exc}") from exc


def _json(raw: str | None, what: str) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise StoreError(f"the stored {what} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise StoreError(f"the stored {what} is not a JSON object")
    return data


def _owed_member(channel: str, slot: str) -> str:
    return json.dumps([channel, slot])


def _owed_pair(member: str) -> tuple[str, str] | None:
    """A stored owed entry back as (channel, slot); anything else written there is ignored."""
    try:
        channel, slot = json.loads(member)
    except (ValueError, TypeError):
        return None
    if not isinstance(channel, str) or not isinstance(slot, str):
        return None
    return channel, slot


class RedisDigestStore:
    kind = "redis"

    def __init__(self, client: redis.Redis, *, prefix: str = "iam-audit:") -> None:
        self._r = client
        self._p = prefix + "digest:"
        self._renew = client.register_script(_RENEW_IF_OWNER)
        self._delete = client.register_script(_DELETE_IF_OWNER)

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "iam-audit:") -> RedisDigestStore:
        client = redis_client(
            url, decode_responses=True, socket_connect_timeout=3, socket_timeout=5
        )
        return cls(client, prefix=prefix)

    def _k(self, *parts: str) -> str:
        return self._p + ":".join(parts)

    # --- leader lock -----------------------------------------------------------------------

    def acquire_leader(self, owner: str, ttl_ms: int) -> bool:
        with _translated("acquire the scheduler lock"):
            return bool(self._r.set(self._k("leader"), owner, nx=True, px=ttl_ms))

    def renew_leader(self, owner: str, ttl_ms: int) -> bool:
        with _translated("renew the scheduler lock"):
            return bool(self._renew(keys=[self._k("leader")], args=[owner, ttl_ms]))

    def release_leader(self, owner: str) -> bool:
        with _translated("release the scheduler lock"):
            return bool(self._delete(keys=[self._k("leader")], args=[owner]))

    def leader(self) -> str | None:
        with _translated("read the scheduler lock"):
            return self._r.get(self._k("leader"))

    # --- slots -----------------------------------------------------------------------------

    def claim_slot(self, channel: str, slot: str, owner: str, ttl_seconds: int) -> bool:
        with _translated("claim the digest slot"):
            return bool(self._r.set(self._k("slot", channel, slot), owner, nx=True, ex=ttl_seconds))

    def slot_owner(self, channel: str, slot: str) -> str | None:
        with _translated("read the digest slot"):
            return self._r.get(self._k("slot", channel, slot))

    def release_slot(self, channel: str, slot: str, owner: str) -> bool:
        with _translated("release the digest slot"):
            return bool(self._delete(keys=[self._k("slot", channel, slot)], args=[owner]))

    def renew_slot(self, channel: str, slot: str, owner: str, ttl_seconds: int) -> bool:
        with _translated("renew the digest slot"):
            key = self._k("slot", channel, slot)
            return bool(self._renew(keys=[key], args=[owner, ttl_seconds * 1000]))

    def mark_posted(self, channel: str, slot: str, ts: str, ttl_seconds: int) -> None:
        with _translated("record the posted digest"):
            self._r.set(self._k("posted", channel, slot), ts, ex=ttl_seconds)

    def posted_ts(self, channel: str, slot: str) -> str | None:
        with _translated("read the posted digest"):
            return self._r.get(self._k("posted", channel, slot))

    def mark_sending(self, channel: str, slot: str, ttl_seconds: int) -> None:
        with _translated("record the digest being sent"):
            self._r.set(self._k("posted", channel, slot), SENDING, ex=ttl_seconds)

    def clear_posted(self, channel: str, slot: str) -> None:
        with _translated("clear the posted digest"):
            self._r.delete(self._k("posted", channel, slot))

    def owe(self, channel: str, slot: str, until: datetime) -> None:
        with _translated("note the digest owed"):
            self._r.zadd(self._k("owed"), {_owed_member(channel, slot): until.timestamp()})

    def owed(self, now: datetime) -> list[tuple[str, str]]:
        key = self._k("owed")
        with _translated("read the digests owed"):
            pipe = self._r.pipeline(transaction=True)  # one round trip on every leader tick
            pipe.zremrangebyscore(key, "-inf", f"({now.timestamp()}")
            pipe.zrange(key, 0, -1)
            _dropped, members = pipe.execute()
        return [pair for pair in map(_owed_pair, members) if pair is not None]

    def settle(self, channel: str, slot: str) -> None:
        with _translated("settle the digest owed"):
            self._r.zrem(self._k("owed"), _owed_member(channel, slot))

    # --- history and the previous report -------------------------------------------------

    def add_summary(self, account: str, summary: dict[str, Any]) -> None:
        key = self._k("history", account)
        with _translated("save the digest history"):
            pipe = self._r.pipeline(transaction=True)
            pipe.lpush(key, json.dumps(summary, sort_keys=True))
            pipe.ltrim(key, 0, HISTORY_LENGTH - 1)
            pipe.execute()

    def summaries(self, account: str, limit: int = HISTORY_LENGTH) -> list[dict[str, Any]]:
        with _translated("read the digest history"):
            raw = self._r.lrange(self._k("history", account), 0, max(limit, 1) - 1)
        found = []
        for item in raw:
            data = _json(item, "digest history entry")
            if data is not None:
                found.append(data)
        return found

    def save_last_report(self, account: str, record: dict[str, Any]) -> None:
        with _translated("save the digest's report"):
            self._r.set(
                self._k("last_report", account), json.dumps(record), ex=LAST_REPORT_TTL_SECONDS
            )

    def last_report(self, account: str) -> dict[str, Any] | None:
        with _translated("read the previous digest's report"):
            raw = self._r.get(self._k("last_report", account))
        return _json(raw, "previous digest report")

    # --- schedule and campaign (JSON data) ------------------------------------------------

    def save_schedule(self, schedule: dict[str, Any]) -> None:
        with _translated("save the digest schedule"):
            self._r.set(self._k("schedule"), json.dumps(schedule, sort_keys=True))

    def schedule(self) -> dict[str, Any] | None:
        with _translated("read the digest schedule"):
            raw = self._r.get(self._k("schedule"))
        return _json(raw, "digest schedule")

    def save_campaign(self, campaign: dict[str, Any]) -> None:
        with _translated("save the MFA campaign"):
            self._r.set(self._k("mfa_campaign"), json.dumps(campaign, sort_keys=True))

    def campaign(self) -> dict[str, Any] | None:
        with _translated("read the MFA campaign"):
            raw = self._r.get(self._k("mfa_campaign"))
        return _json(raw, "MFA campaign")

    def claim_once(self, key: str, ttl_seconds: int) -> bool:
        with _translated("claim a campaign message"):
            return bool(self._r.set(self._k("once", key), "1", nx=True, ex=ttl_seconds))

    def release_once(self, key: str) -> None:
        with _translated("release a campaign message"):
            self._r.delete(self._k("once", key))


class InMemoryDigestStore:
    """The no-REDIS_URL store: same behaviour, expiry judged with the injected clock."""

    kind = "memory"

    def __init__(self, *, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, tuple[str, datetime | None]] = {}
        self._history: dict[str, list[dict[str, Any]]] = {}
        self._owed: dict[tuple[str, str], datetime] = {}

    def _get(self, key: str) -> str | None:
        item = self._keys.get(key)
        if item is None:
            return None
        value, expiry = item
        if expiry is not None and expiry <= self._clock():
            del self._keys[key]
            return None
        return value

    def _set(self, key: str, value: str, ttl: timedelta | None, *, nx: bool = False) -> bool:
        if nx and self._get(key) is not None:
            return False
        self._keys[key] = (value, self._clock() + ttl if ttl is not None else None)
        return True

    def acquire_leader(self, owner: str, ttl_ms: int) -> bool:
        with self._lock:
            return self._set("leader", owner, timedelta(milliseconds=ttl_ms), nx=True)

    def renew_leader(self, owner: str, ttl_ms: int) -> bool:
        with self._lock:
            if self._get("leader") != owner:
                return False
            return self._set("leader", owner, timedelta(milliseconds=ttl_ms))

    def release_leader(self, owner: str) -> bool:
        with self._lock:
            if self._get("leader") != owner:
                return False
            del self._keys["leader"]
            return True

    def leader(self) -> str | None:
        with self._lock:
            return self._get("leader")

    def claim_slot(self, channel: str, slot: str, owner: str, ttl_seconds: int) -> bool:
        with self._lock:
            return self._set(
                f"slot:{channel}:{slot}", owner, timedelta(seconds=ttl_seconds), nx=True
            )

    def slot_owner(self, channel: str, slot: str) -> str | None:
        with self._lock:
            return self._get(f"slot:{channel}:{slot}")

    def release_slot(self, channel: str, slot: str, owner: str) -> bool:
        key = f"slot:{channel}:{slot}"
        with self._lock:
            if self._get(key) != owner:
                return False
            del self._keys[key]
            return True

    def renew_slot(self, channel: str, slot: str, owner: str, ttl_seconds: int) -> bool:
        key = f"slot:{channel}:{slot}"
        with self._lock:
            if self._get(key) != owner:
                return False
            return self._set(key, owner, timedelta(seconds=ttl_seconds))

    def mark_posted(self, channel: str, slot: str, ts: str, ttl_seconds: int) -> None:
        with self._lock:
            self._set(f"posted:{channel}:{slot}", ts, timedelta(seconds=ttl_seconds))

    def posted_ts(self, channel: str, slot: str) -> str | None:
        with self._lock:
            return self._get(f"posted:{channel}:{slot}")

    def mark_sending(self, channel: str, slot: str, ttl_seconds: int) -> None:
        with self._lock:
            self._set(f"posted:{channel}:{slot}", SENDING, timedelta(seconds=ttl_seconds))

    def clear_posted(self, channel: str, slot: str) -> None:
        with self._lock:
            self._keys.pop(f"posted:{channel}:{slot}", None)

    def owe(self, channel: str, slot: str, until: datetime) -> None:
        with self._lock:
            self._owed[(channel, slot)] = until

    def owed(self, now: datetime) -> list[tuple[str, str]]:
        with self._lock:
            for pair in [p for p, until in self._owed.items() if until < now]:
                del self._owed[pair]
            return sorted(self._owed)

    def settle(self, channel: str, slot: str) -> None:
        with self._lock:
            self._owed.pop((channel, slot), None)

    def add_summary(self, account: str, summary: dict[str, Any]) -> None:
        with self._lock:
            history = self._history.setdefault(account, [])
            history.insert(0, json.loads(json.dumps(summary)))
            del history[HISTORY_LENGTH:]

    def summaries(self, account: str, limit: int = HISTORY_LENGTH) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(item) for item in self._history.get(account, [])[: max(limit, 1)]]

    def save_last_report(self, account: str, record: dict[str, Any]) -> None:
        with self._lock:
            self._set(
                f"last_report:{account}",
                json.dumps(record),
                timedelta(seconds=LAST_REPORT_TTL_SECONDS),
            )

    def last_report(self, account: str) -> dict[str, Any] | None:
        with self._lock:
            return _json(self._get(f"last_report:{account}"), "previous digest report")

    def save_schedule(self, schedule: dict[str, Any]) -> None:
        with self._lock:
            self._set("schedule", json.dumps(schedule, sort_keys=True), None)

    def schedule(self) -> dict[str, Any] | None:
        with self._lock:
            return _json(self._get("schedule"), "digest schedule")

    def save_campaign(self, campaign: dict[str, Any]) -> None:
        with self._lock:
            self._set("mfa_campaign", json.dumps(campaign, sort_keys=True), None)

    def campaign(self) -> dict[str, Any] | None:
        with self._lock:
            return _json(self._get("mfa_campaign"), "MFA campaign")

    def claim_once(self, key: str, ttl_seconds: int) -> bool:
        with self._lock:
            return self._set(f"once:{key}", "1", timedelta(seconds=ttl_seconds), nx=True)

    def release_once(self, key: str) -> None:
        with self._lock:
            self._keys.pop(f"once:{key}", None)


def make_digest_store(redis_url: str, *, clock: Callable[[], datetime]) -> DigestStore:
    """Redis when a URL is configured, else in process; nothing connects here."""
    if not redis_url:
        return InMemoryDigestStore(clock=clock)
    return RedisDigestStore.from_url(redis_url)
