"""Suppressions approved from Slack, in Redis (see bot.approvals.suppressions for what they are)."""

from __future__ import annotations

import json
from typing import Any

import redis

from bot.approvals.suppressions import KEY, MemorySuppressions, StoredSuppression
from bot.model.errors import StoreError
from bot.store.redis_url import redis_client


class RedisSuppressions:
    """A Redis hash ``check|resource`` -> JSON; a newer approval of the same pair replaces it."""

    def __init__(self, client: Any, *, key: str = KEY) -> None:
        self._client = client
        self._key = key

    @classmethod
    def from_url(cls, url: str, *, key: str = KEY, option: str = "REDIS_URL") -> RedisSuppressions:
        """The store at ``url``; a malformed URL is an InputError naming ``option``."""
        return cls(redis_client(url, option, socket_timeout=5, decode_responses=True), key=key)

    def save(self, suppression: StoredSuppression) -> None:
        try:
            self._client.hset(self._key, suppression.key, json.dumps(suppression.to_dict()))
        except redis.RedisError as exc:
            raise StoreError(f"could not store the suppression in Redis: {exc}") from exc

    def all(self) -> list[StoredSuppression]:
        try:
            raw = self._client.hgetall(self._key)
        except redis.RedisError as exc:
            raise StoreError(f"could not read the suppressions from Redis: {exc}") from exc
        found = []
        for _key, text in sorted(raw.items()):
            try:
                found.append(StoredSuppression.from_dict(json.loads(text)))
            except (ValueError, KeyError, TypeError):
                continue  # a hand-edited or foreign entry is skipped, not fatal
        return found

    def remove(self, check: str, resource: str) -> bool:
        try:
            return bool(self._client.hdel(self._key, f"{check}|{resource}"))
        except redis.RedisError as exc:
            raise StoreError(f"could not remove the suppression from Redis: {exc}") from exc


def make_suppression_store(redis_url: str) -> MemorySuppressions | RedisSuppressions:
    return RedisSuppressions.from_url(redis_url) if redis_url else MemorySuppressions()
