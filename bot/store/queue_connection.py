"""The Redis connection RQ needs, and Redis errors translated for bot/runs/queue.py.

RQ stores job payloads as bytes, so its connection must not decode responses (the store's own
client does); both point at the same Redis. Only bot/store imports redis, so the translation of
its errors into StoreError lives here too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import redis

from bot.model.errors import StoreError
from bot.store.redis_url import redis_client


def queue_connection(url: str) -> redis.Redis:
    """A client for RQ; nothing connects until the first command."""
    return redis_client(url, socket_connect_timeout=3, socket_timeout=10)


@contextmanager
def translated_redis_errors(operation: str) -> Iterator[None]:
    try:
        yield
    except redis.RedisError as exc:
        raise StoreError(f"the job queue (Redis) failed during {operation}: {exc}") from exc
