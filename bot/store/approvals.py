"""Approval requests in Redis (and in process): every state move is atomic, so it happens once.

A move reads the request, judges it with the pure rules of bot.approvals.model and writes it back
inside WATCH/MULTI: when two clicks race, Redis aborts the slower EXEC and the retry sees the
decided request, so any number of concurrent Approve clicks approve (and apply) exactly once.
Expiry is enforced on read (a pending request past its time is written down as expired) and by
the transition rules. Keys have no TTL before expiry, so pending requests survive a restart of a
Redis with persistence on; decided requests are kept for ``keep_seconds`` as part of the trail.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

import redis

from bot.approvals.model import (
    ApprovalRequest,
    State,
    TransitionRefused,
    journalled,
    transition,
)
from bot.model.errors import StoreError

KEEP_DECIDED_SECONDS = 90 * 86400
MAX_RETRIES = 100


class ApprovalStore(Protocol):
    kind: str

    def create(self, request: ApprovalRequest) -> None: ...

    def get(self, request_id: str, *, now: datetime) -> ApprovalRequest | None:
        """The request as of ``now`` (an overdue pending request is recorded as expired)."""
        ...

    def transition(
        self,
        request_id: str,
        to: State,
        *,
        actor: str,
        now: datetime,
        reason: str = "",
        **changes: Any,
    ) -> ApprovalRequest:
        """Move atomically; TransitionRefused (nothing written) when the move is not allowed."""
        ...

    def annotate(self, request_id: str, **changes: Any) -> ApprovalRequest:
        """Set fields that are not the state (message ts, channel); atomic too."""
        ...

    def pending(self, *, now: datetime) -> list[ApprovalRequest]: ...

    def journal(
        self,
        request_id: str,
        *,
        sending: dict[str, Any] | None = None,
        result: dict[str, Any] | None = None,
    ) -> ApprovalRequest:
        """Record the call about to be sent, or a call's result, on an applying request."""
        ...

    def applying(self) -> list[ApprovalRequest]:
        """Requests left in `applying` (in progress, or stranded by a crash)."""
        ...


@contextmanager
def _translated(operation: str) -> Iterator[None]:
    try:
        yield
    except redis.RedisError as exc:
        raise StoreError(f"the state store (Redis) failed during {operation}: {exc}") from exc


_FORBIDDEN_ANNOTATIONS = frozenset({"state", "decisions", "id", "content_hash", "change"})


def _check_annotation(changes: dict[str, Any]) -> None:
    bad = _FORBIDDEN_ANNOTATIONS & set(changes)
    if bad:
        raise ValueError(f"annotate cannot change {sorted(bad)}; use transition")


class _Moves:
    """`transition` and `annotate` of both stores, written once. Each store supplies `_update`:
    replace a request by ``move(request)`` atomically (``move`` may refuse by raising, and then
    nothing is written); ``what`` names the operation in a store error."""

    def _update(
        self, request_id: str, move: Callable[[ApprovalRequest], ApprovalRequest], what: str
    ) -> ApprovalRequest:
        raise NotImplementedError

    def transition(
        self,
        request_id: str,
        to: State,
        *,
        actor: str,
        now: datetime,
        reason: str = "",
        **changes: Any,
    ) -> ApprovalRequest:
        def move(request: ApprovalRequest) -> ApprovalRequest:
            return transition(request, to, actor=actor, now=now, reason=reason, **changes)

        return self._update(request_id, move, f"approval {to.value}")

    def annotate(self, request_id: str, **changes: Any) -> ApprovalRequest:
        _check_annotation(changes)
        return self._update(request_id, lambda r: replace(r, **changes), "annotate approval")

    def journal(
        self,
        request_id: str,
        *,
        sending: dict[str, Any] | None = None,
        result: dict[str, Any] | None = None,
    ) -> ApprovalRequest:
        return self._update(
            request_id,
            lambda r: journalled(r, sending=sending, result=result),
            "record an AWS call",
        )


class RedisApprovalStore(_Moves):
    kind = "redis"

    def __init__(
        self,
        client: redis.Redis,
        *,
        prefix: str = "iam-audit:",
        keep_seconds: int = KEEP_DECIDED_SECONDS,
    ) -> None:
        self._r = client
        self._p = prefix
        self._keep = keep_seconds

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "iam-audit:") -> RedisApprovalStore:
        client = redis.Redis.from_url(
            url, decode_responses=True, socket_connect_timeout=3, socket_timeout=5
        )
        return cls(client, prefix=prefix)

    def _key(self, request_id: str) -> str:
        return f"{self._p}approval:{request_id}"

    @property
    def _pending_index(self) -> str:
        return f"{self._p}approvals:pending"

    @property
    def _applying_index(self) -> str:
        return f"{self._p}approvals:applying"

    def create(self, request: ApprovalRequest) -> None:
        with _translated("create approval"):
            pipe = self._r.pipeline(transaction=True)
            pipe.set(self._key(request.id), request.to_json(), nx=True)
            pipe.zadd(self._pending_index, {request.id: request.expires_at.timestamp()})
            created, _ = pipe.execute()
        if not created:
            raise StoreError(f"approval request {request.id} already exists")

    def get(self, request_id: str, *, now: datetime) -> ApprovalRequest | None:
        with _translated("read approval"):
            raw = self._r.get(self._key(request_id))
        if raw is None:
            return None
        request = ApprovalRequest.from_json(raw)
        if request.state is State.PENDING and request.current_state(now) is State.EXPIRED:
            try:
                return self.transition(request_id, State.EXPIRED, actor="bot", now=now)
            except TransitionRefused:
                return self.get(request_id, now=now)  # someone else moved it meanwhile
        return request

    def _update(
        self, request_id: str, move: Callable[[ApprovalRequest], ApprovalRequest], what: str
    ) -> ApprovalRequest:
        """Compare-and-set under WATCH/MULTI, retried while other writers win the race."""
        key = self._key(request_id)
        with _translated(what):
            for _attempt in range(MAX_RETRIES):
                with self._r.pipeline(transaction=True) as pipe:
                    try:
                        pipe.watch(key)
                        raw = pipe.get(key)
                        if raw is None:
                            raise StoreError(f"approval request {request_id} does not exist")
                        updated = move(ApprovalRequest.from_json(raw))  # may raise: unwatched
                        pipe.multi()
                        pipe.set(key, updated.to_json())
                        if updated.state.is_final:
                            pipe.expire(key, self._keep)
                        if updated.state is not State.PENDING:
                            pipe.zrem(self._pending_index, request_id)
                        if updated.state is State.APPLYING:
                            pipe.zadd(self._applying_index, {request_id: 0}, nx=True)
                        else:
                            pipe.zrem(self._applying_index, request_id)
                        pipe.execute()
                        return updated
                    except redis.WatchError:
                        continue  # another writer won; judge again on what it wrote
        raise StoreError(f"approval request {request_id}: too much contention, try again")

    def pending(self, *, now: datetime) -> list[ApprovalRequest]:
        with _translated("list pending approvals"):
            ids = self._r.zrange(self._pending_index, 0, -1)
        found = [self.get(i, now=now) for i in ids]
        return [r for r in found if r is not None and r.state is State.PENDING]

    def applying(self) -> list[ApprovalRequest]:
        with _translated("list applying approvals"):
            ids = self._r.zrange(self._applying_index, 0, -1)
            raws = [self._r.get(self._key(i)) for i in ids]
        found = [ApprovalRequest.from_json(raw) for raw in raws if raw is not None]
        return [r for r in found if r.state is State.APPLYING]


class InMemoryApprovalStore(_Moves):
    """The no-REDIS_URL trial store: same behaviour behind one lock, gone when the process ends."""

    kind = "memory"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[str, ApprovalRequest] = {}

    def create(self, request: ApprovalRequest) -> None:
        with self._lock:
            if request.id in self._requests:
                raise StoreError(f"approval request {request.id} already exists")
            self._requests[request.id] = request

    def get(self, request_id: str, *, now: datetime) -> ApprovalRequest | None:
        with self._lock:
            request = self._requests.get(request_id)
            if request is None:
                return None
            if request.state is State.PENDING and request.current_state(now) is State.EXPIRED:
                request = transition(request, State.EXPIRED, actor="bot", now=now)
                self._requests[request_id] = request
            return request

    def _update(
        self, request_id: str, move: Callable[[ApprovalRequest], ApprovalRequest], what: str
    ) -> ApprovalRequest:
        """Replace a request by ``move(request)`` under the one lock."""
        with self._lock:
            request = self._requests.get(request_id)
            if request is None:
                raise StoreError(f"approval request {request_id} does not exist")
            updated = move(request)
            self._requests[request_id] = updated
            return updated

    def pending(self, *, now: datetime) -> list[ApprovalRequest]:
        with self._lock:
            ids = [i for i, r in self._requests.items() if r.state is State.PENDING]
        found = [self.get(i, now=now) for i in ids]
        return [r for r in found if r is not None and r.state is State.PENDING]

    def applying(self) -> list[ApprovalRequest]:
        with self._lock:
            return [r for r in self._requests.values() if r.state is State.APPLYING]


def make_approval_store(redis_url: str) -> ApprovalStore:
    """Redis when configured, else in process; nothing connects here."""
    if not redis_url:
        return InMemoryApprovalStore()
    return RedisApprovalStore.from_url(redis_url)
