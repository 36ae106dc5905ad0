"""Keep a store lock alive while its holder works: renewed every third of its TTL.

The collection lock has a TTL so a crashed replica cannot hold it forever; without renewal, a
collection slower than the TTL (a 45 s GetAccountAuthorizationDetails against a 20 s TTL) lost
the lock half-way and a second replica ran a second full collection. The keeper renews only a
lock it still owns (compare-and-expire in Redis); a renewal that fails is logged, and the TTL
still frees the lock if this process dies.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from bot.model.errors import StoreError

log = logging.getLogger(__name__)


class RenewableLocks(Protocol):
    def renew_lock(self, name: str, owner: str, ttl_seconds: int) -> bool: ...


@contextmanager
def kept_alive(
    store: RenewableLocks, name: str, owner: str, ttl_seconds: int
) -> Iterator[threading.Event]:
    """Renew ``name`` while the block runs; the yielded event is set if the lock was lost."""
    stop = threading.Event()
    lost = threading.Event()
    interval = max(ttl_seconds / 3, 0.05)

    def renew() -> None:
        while not stop.wait(interval):
            try:
                if not store.renew_lock(name, owner, ttl_seconds):
                    log.error("lost lock %s (expired or taken over); not renewing it", name)
                    lost.set()
                    return
            except StoreError as exc:  # Redis away: try again; the TTL decides meanwhile
                log.warning("could not renew lock %s: %s", name, exc)

    thread = threading.Thread(target=renew, name=f"lock-keeper:{name}", daemon=True)
    thread.start()
    try:
        yield lost
    finally:
        stop.set()
        thread.join(timeout=5)
