"""State store: Redis in production, an in-process store for a single-process trial."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.store.base import HistoryEntry, Store, StoredReport, StoredSnapshot
from bot.store.memory import InMemoryStore

__all__ = ["HistoryEntry", "InMemoryStore", "Store", "StoredReport", "StoredSnapshot", "make_store"]


def make_store(redis_url: str, *, clock: Callable[[], datetime]) -> Store:
    """Redis when a URL is configured, else the in-process store; nothing connects here."""
    if not redis_url:
        return InMemoryStore(clock=clock)
    from bot.store.redis_store import RedisStore  # noqa: PLC0415 - redis only when configured

    return RedisStore.from_url(redis_url)
