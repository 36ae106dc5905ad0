"""Suppressions approved from Slack: kept in Redis, applied by the bot's audits, exported as TOML.

A finding muted from Slack (Suppress... on a finding, a reason and an expiry, approved on the
approvals desk) is stored here, where the bot and the CLI both read it: every audit the bot runs
applies the active ones next to the config file's ``[[suppressions]]``, and
``iam-audit suppressions export`` writes them in that same TOML format, so a team can move them
into the reviewed config file.

Without REDIS_URL the store lives in the bot's process (the demo and tests); with it,
bot.store.suppressions keeps them in Redis.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from bot.audit.config import Suppression

KEY = "iam-audit:suppressions"
EXPIRY_CHOICES = (7, 30, 90)  # days offered in the Suppress... modal
SUPPRESS_CHANGE = "suppress_finding"  # the change kind of the approval request


@dataclass(frozen=True, slots=True)
class StoredSuppression:
    """One approved suppression and who decided it (the audit trail has the full story)."""

    check: str
    resource: str
    reason: str
    expires: date
    requested_by: str
    approved_by: str
    request_id: str
    approved_at: datetime

    @property
    def key(self) -> str:
        return f"{self.check}|{self.resource}"

    def rule(self) -> Suppression:
        return Suppression(self.check, self.resource, self.reason, self.expires)

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "resource": self.resource,
            "reason": self.reason,
            "expires": self.expires.isoformat(),
            "requested_by": self.requested_by,
            "approved_by": self.approved_by,
            "request_id": self.request_id,
            "approved_at": self.approved_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StoredSuppression:
        return cls(
            check=str(data["check"]),
            resource=str(data["resource"]),
            reason=str(data["reason"]),
            expires=date.fromisoformat(str(data["expires"])),
            requested_by=str(data.get("requested_by", "")),
            approved_by=str(data.get("approved_by", "")),
            request_id=str(data.get("request_id", "")),
            approved_at=datetime.fromisoformat(str(data["approved_at"])),
        )


class SuppressionStore(Protocol):
    def save(self, suppression: StoredSuppression) -> None: ...

    def all(self) -> list[StoredSuppression]: ...

    def remove(self, check: str, resource: str) -> bool: ...


class MemorySuppressions:
    """In the bot's process: the demo and tests without Redis."""

    def __init__(self) -> None:
        self._items: dict[str, StoredSuppression] = {}
        self._lock = threading.Lock()

    def save(self, suppression: StoredSuppression) -> None:
        with self._lock:
            self._items[suppression.key] = suppression

    def all(self) -> list[StoredSuppression]:
        with self._lock:
            return sorted(self._items.values(), key=lambda s: s.key)

    def remove(self, check: str, resource: str) -> bool:
        with self._lock:
            return self._items.pop(f"{check}|{resource}", None) is not None


def glob_literal(text: str) -> str:
    """``text`` as an fnmatch pattern matching only itself (suppression resources are globs)."""
    return "".join(f"[{ch}]" if ch in "*?[" else ch for ch in text)


def active_rules(store: SuppressionStore, now: datetime) -> tuple[Suppression, ...]:
    """The stored suppressions still in force, as audit-config rules."""
    return tuple(s.rule() for s in store.all() if s.rule().is_active(now))


def _toml_string(text: str) -> str:
    """A TOML basic string: JSON's escaping (quotes, backslash, \\uXXXX) is valid TOML."""
    return json.dumps(text, ensure_ascii=True)


def to_toml(suppressions: Iterable[StoredSuppression]) -> str:
    """The ``[[suppressions]]`` tables of the config file, with who approved each as a comment."""
    parts = []
    for item in suppressions:
        parts.append(
            f"# requested by {item.requested_by}, approved by {item.approved_by} on"
            f" {item.approved_at.date().isoformat()} (request {item.request_id})\n"
            "[[suppressions]]\n"
            f"check = {_toml_string(item.check)}\n"
            f"resource = {_toml_string(item.resource)}\n"
            f"reason = {_toml_string(item.reason)}\n"
            f"expires = {item.expires.isoformat()}\n"
        )
    return "\n".join(parts)
