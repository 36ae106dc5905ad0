"""The write-ahead journal of one apply: each AWS call recorded before it is sent and as it returns.

The executor treats it as its list of call records; the desk gives it two callbacks that write to
the approval store (and the trail). If a write fails, the exception stops the apply right there:
a call whose intent could not be stored is never sent, and nothing runs after a lost result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class CallJournal(list[Any]):
    """Call records (objects with ``to_dict()``) whose intents and results are written ahead."""

    def __init__(
        self,
        sending: Callable[[dict[str, Any]], None],
        returned: Callable[[dict[str, Any]], None],
    ) -> None:
        super().__init__()
        self._sending = sending
        self._returned = returned
        self._intent: dict[str, Any] = {}
        self.sent = 0  # calls whose intent was stored, so which may have reached AWS

    def sending(self, intent: dict[str, Any]) -> None:
        """Store what is about to be sent; raises (and the call is not sent) if that fails."""
        self._sending(intent)
        self._intent = intent
        self.sent += 1

    def append(self, record: Any) -> None:
        super().append(record)
        result = record.to_dict()
        if self._intent.get("api") == result.get("api"):  # keep the arguments with the result
            result["args"] = self._intent.get("args", {})
            result["region"] = self._intent.get("region", "")
        self._intent = {}
        self._returned(result)
