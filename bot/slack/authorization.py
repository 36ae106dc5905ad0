"""Who may use which subcommand where: checked server-side on every command and every click."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.config.settings import Settings
from bot.model.errors import DeliveryError

log = logging.getLogger(__name__)

GroupMembers = Callable[[str], set[str]]


class Authorizer:
    """Applies IAM_AUDIT_CHANNELS and the per-subcommand allowlists; user groups are cached."""

    def __init__(
        self, settings: Settings, *, group_members: GroupMembers, clock: Callable[[], datetime]
    ) -> None:
        self._settings = settings
        self._members = group_members
        self._clock = clock
        self._cache: dict[str, tuple[set[str], datetime]] = {}
        self._lock = threading.Lock()

    def refusal(self, *, user_id: str, channel_id: str | None, subcommand: str) -> str | None:
        """None when allowed; otherwise the polite sentence to show the user (ephemeral)."""
        allowed_channels = self._settings.allowed_channels
        if channel_id is not None and allowed_channels and channel_id not in allowed_channels:
            places = ", ".join(f"<#{c}>" for c in sorted(allowed_channels))
            return f"Sorry, /iam-audit is not enabled in this channel. It can be used in: {places}."
        allowlist = self._settings.allowlist(subcommand)
        if allowlist.is_open or user_id in allowlist.user_ids:
            return None
        for group_id in sorted(allowlist.group_ids):
            if user_id in self._group(group_id):
                return None
        return (
            f"Sorry, you are not allowed to run `{subcommand}`. "
            "Ask an admin to add you (or your user group) to its allowlist."
        )

    def _group(self, group_id: str) -> set[str]:
        now = self._clock()
        with self._lock:
            cached = self._cache.get(group_id)
            if cached and cached[1] > now:
                return cached[0]
        try:
            members = self._members(group_id)
        except DeliveryError as exc:
            # Deny rather than guess: the refusal tells the user, the log tells the operator.
            log.error("could not read members of user group %s: %s", group_id, exc)
            return set()
        ttl = timedelta(seconds=self._settings.group_cache_seconds)
        with self._lock:
            self._cache[group_id] = (members, now + ttl)
        return members
