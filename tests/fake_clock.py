"""The settable fake clock the tests share: it reads what ``now`` holds and moves only when a
test sets ``now`` (or advances it) or the code under test sleeps on it.

``now`` is a datetime for the bot's wall clock (``Clock(T0)``, called like ``clock()``) or
seconds for a monotonic one (``Clock(0.0)``, read with ``clock.monotonic()``); ``sleep`` records
each wait in ``sleeps`` and moves ``now`` on by it instead of waiting.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Generic, TypeVar

Moment = TypeVar("Moment", datetime, float)


class Clock(Generic[Moment]):
    def __init__(self, now: Moment) -> None:
        self.now: Moment = now
        self.sleeps: list[float] = []

    def __call__(self) -> Moment:
        return self.now

    def monotonic(self) -> Moment:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if isinstance(self.now, datetime):
            self.now = self.now + timedelta(seconds=seconds)
        else:
            self.now = self.now + seconds
