"""The settable fake clock the tests share: it reads what ``now`` holds and moves only when a
test sets ``now`` (or advances it) or the code under test sleeps on it.

``now`` is a datetime for the bot's wall clock (``Clock(T0)``, called like ``clock()``) or
seconds for a monotonic one (``Clock(0.0)``, read with ``clock.monotonic()``); ``sleep`` records
each wait in ``sleeps`` and moves ``now`` on by it instead of waiting; ``advance(minutes=7)``
moves it on by a timedelta's keywords. Reads and moves hold a lock: a running bot reads the
clock from its worker threads while the test moves it.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Generic, TypeVar

Moment = TypeVar("Moment", datetime, float)


class Clock(Generic[Moment]):
    def __init__(self, now: Moment) -> None:
        self.now: Moment = now
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> Moment:
        with self._lock:
            return self.now

    def monotonic(self) -> Moment:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        """Record the wait and move on by it, instead of waiting."""
        with self._lock:
            self.sleeps.append(seconds)
            if isinstance(self.now, datetime):
                self.now = self.now + timedelta(seconds=seconds)
            else:
                self.now = self.now + seconds

    def advance(self, **delta: float) -> None:
        """Move on by ``timedelta(**delta)`` (``advance(hours=2)``)."""
        by = timedelta(**delta)
        with self._lock:
            if isinstance(self.now, datetime):
                self.now = self.now + by
            else:
                self.now = self.now + by.total_seconds()
