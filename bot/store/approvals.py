"""Approval requests in Redis (and in process): every state move is atomic, so it happens once.

A move reads the request, judges it with the pure rules of bot.approvals.model and writes it back
inside WATCH/MULTI: when two clicks race, Redis aborts the slower EXEC and the retry sees the
decided request, so any number of concurrent Approve clicks approve (and apply) exactly once.
Expiry is enforced by the transition rules (a pending request past its time cannot be decided);
writing the lapse down is a move of its own, made by the desk together with its trail entry, so
reading a request never moves it. Keys have no TTL before expiry, so pending requests survive a
restart of a Redis with persistence on; decided requests are kept for ``keep_seconds`` as part of
the trail.

The reconciler's work is indexed in the same MULTI/EXEC as the state it follows, so no crash can
leave a request in a state that needs the reconciler without its index entry (or the reverse):
``approved`` (an apply not started: the click's process may have died), ``applying`` (an apply
in progress or stranded) and ``unrecorded`` (a request ended whose last trail entry, its
`result` or the `decision` that ended it, is not yet confirmed written; left by
``result_recorded``). A request leaves each index with the move that settles it, so the indexes
hold only the requests in flight, however busy the trail is. Pending requests are indexed by
their expiry, so the lapsed ones are found.

Telling Slack of an end is claimed once per request, by the final move itself: the same
MULTI/EXEC that stores the end sets the claim and indexes it in ``untold``, scored by the time of
the move, so no crash can leave an end stored and nobody owing Slack its news. The mover tells
it and takes it out once its post succeeded (``notice_told``); a move whose caller shows it
without a post (``told``) sets the claim only. A claim left in ``untold`` (the mover died, or
Slack failed) is taken again by a reconciler once it is older than its stale window
(``reclaim_notice``). ``claim_notice`` is for ends stored by an older version (no claim at all).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

import redis

from bot.approvals.model import (
    APPLY_ENDS,
    FINAL_STATES,
    ApprovalRequest,
    State,
    journalled,
    owes_result,
    transition,
)
from bot.model.errors import StoreError
from bot.store.redis_url import redis_client

log = logging.getLogger(__name__)

KEEP_DECIDED_SECONDS = 90 * 86400
MAX_RETRIES = 100


class ApprovalStore(Protocol):
    kind: str

    def create(self, request: ApprovalRequest) -> None: ...

    def get(self, request_id: str, *, now: datetime) -> ApprovalRequest | None:
        """The request as stored (an overdue pending request stays pending until its lapse is
        written down by a move, which the desk makes together with its trail entry)."""
        ...

    def transition(
        self,
        request_id: str,
        to: State,
        *,
        actor: str,
        now: datetime,
        reason: str = "",
        told: bool = False,
        **changes: Any,
    ) -> ApprovalRequest:
        """Move atomically; TransitionRefused (nothing written) when the move is not allowed.

        A move to a final state also claims telling Slack of the end, for its caller, in the
        same atomic step: indexed as untold at the move's time until ``notice_told``, or, with
        ``told`` (its caller shows the end without a post), claimed as told."""
        ...

    def annotate(self, request_id: str, **changes: Any) -> ApprovalRequest:
        """Set fields that are not the state (message ts, channel); atomic too."""
        ...

    def pending(self, *, now: datetime) -> list[ApprovalRequest]:
        """Requests still awaiting a decision at ``now`` (an overdue one is not)."""
        ...

    def overdue(self, *, now: datetime) -> list[ApprovalRequest]:
        """Requests stored as pending whose time ran out at or before ``now``: their lapse is not
        written down yet."""
        ...

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

    def approved(self, *, before: datetime | None = None) -> list[ApprovalRequest]:
        """Requests `approved` whose apply has not started, approved at or before ``before``."""
        ...

    def unrecorded(self, *, before: datetime | None = None) -> list[ApprovalRequest]:
        """Requests that ended (applied, partly applied, failed, expired, rejected, cancelled) at or
        before ``before`` and whose last trail entry (a `result`, or the `decision` of a rejection
        or withdrawal) is not known to be written."""
        ...

    def result_recorded(self, request_id: str) -> None:
        """The request's last entry is in the trail: it leaves the ``unrecorded`` index."""
        ...

    def claim_unrecorded(self, request_id: str, *, due_by: datetime, now: datetime) -> bool:
        """Take an unrecorded request's lost entry to write: True for one caller only, while it
        is still indexed at or before ``due_by``. Its index time becomes ``now``, so if the
        claimant fails before writing, a later round (past ``due_by`` again) takes it."""
        ...

    def claim_notice(self, request_id: str, *, now: datetime, told: bool = False) -> bool:
        """Take the telling of an ended request's end to Slack (its message and thread reply):
        True for one caller only, so an end is told once however many processes see it (a
        repair of its lost trail entry, reconcilers racing). The final move claims it already,
        so this is True only for an end an older version stored without a claim. The claim is
        indexed as untold at ``now`` until ``notice_told`` (a claimant that dies before its post
        leaves it there for a reconciler); ``told`` claims an end that needs no post."""
        ...

    def notice_told(self, request_id: str) -> None:
        """Slack was told of the end (or a reconciler gave up telling it): the claim leaves the
        ``untold`` index. A claim stored before that index existed was never in it."""
        ...

    def untold(self, *, before: datetime) -> list[ApprovalRequest]:
        """Ended requests whose notice was claimed (or last taken again) at or before ``before``
        and never confirmed told."""
        ...

    def reclaim_notice(self, request_id: str, *, due_by: datetime, now: datetime) -> int:
        """Take an untold notice again, for one caller only, while its claim is still at or
        before ``due_by``; its claim time becomes ``now``, so a claimant that fails again leaves
        it to a round one stale window later. Returns which attempt this is (2 for the first
        retry), or 0 when it is not due (told, or taken by another round, meanwhile)."""
        ...

    def needs_backfill(self) -> bool:
        """True until ``backfill`` has indexed what was stored before the index existed."""
        ...

    def backfill(self, *, lost_results: Collection[str], ended_before: datetime) -> int:
        """Index the requests stored before the index existed (an upgraded deployment): every
        approved and applying request, and those of ``lost_results`` (found in the trail with no
        `result` entry) whose apply ended before ``ended_before``; returns how many were added."""
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
    nothing is written); ``what`` names the operation in a store error; ``told``: a move to a
    final state claims telling Slack of it as told (see ``ApprovalStore.transition``)."""

    def _update(
        self,
        request_id: str,
        move: Callable[[ApprovalRequest], ApprovalRequest],
        what: str,
        *,
        told: bool = False,
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
        told: bool = False,
        **changes: Any,
    ) -> ApprovalRequest:
        def move(request: ApprovalRequest) -> ApprovalRequest:
            return transition(request, to, actor=actor, now=now, reason=reason, **changes)

        return self._update(request_id, move, f"approval {to.value}", told=told)

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


# KEYS: the claim, the untold index. ARGV: request id, claim time (a score, or "" for an end
# that needs no post), seconds to keep the claim. SET NX and the index entry, both or neither.
_CLAIM_NOTICE = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[3]) then
    return 0
end
if ARGV[2] ~= '' then
    redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
end
return 1
"""

# KEYS: the claim, the untold index. ARGV: request id, due-by score, now score, seconds to keep.
# The claim's value counts the attempts (an older version stored '1' and never indexed it).
_RECLAIM_NOTICE = """
local since = redis.call('ZSCORE', KEYS[2], ARGV[1])
if (not since) or tonumber(since) > tonumber(ARGV[2]) then
    return 0
end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
local attempt = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return attempt
"""


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
        self._claim_notice = client.register_script(_CLAIM_NOTICE)
        self._reclaim_notice = client.register_script(_RECLAIM_NOTICE)

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "iam-audit:") -> RedisApprovalStore:
        client = redis_client(
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

    @property
    def _approved_index(self) -> str:
        return f"{self._p}approvals:approved"

    @property
    def _unrecorded_index(self) -> str:
        return f"{self._p}approvals:unrecorded"

    @property
    def _untold_index(self) -> str:
        return f"{self._p}approvals:untold"

    @property
    def _indexed_marker(self) -> str:
        return f"{self._p}approvals:indexed"

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
        return _parsed(raw, request_id)

    def _update(
        self,
        request_id: str,
        move: Callable[[ApprovalRequest], ApprovalRequest],
        what: str,
        *,
        told: bool = False,
    ) -> ApprovalRequest:
        """Compare-and-set under WATCH/MULTI, retried while other writers win the race. The
        notice claim is watched too, so a final move claims it only if nobody holds it."""
        key, claim = self._key(request_id), self._notice_key(request_id)
        with _translated(what):
            for _attempt in range(MAX_RETRIES):
                with self._r.pipeline(transaction=True) as pipe:
                    try:
                        pipe.watch(key, claim)
                        raw = pipe.get(key)
                        if raw is None:
                            raise StoreError(f"approval request {request_id} does not exist")
                        current = _parsed(raw, request_id)
                        updated = move(current)  # may raise: unwatched
                        notice = owes_result(current.state, updated.state) and not pipe.exists(
                            claim
                        )
                        pipe.multi()
                        pipe.set(key, updated.to_json())
                        if updated.state.is_final:
                            pipe.expire(key, self._keep)
                        self._reindex(pipe, current, updated)
                        if notice:  # the end, its claim and (unless told) its untold entry
                            self._claim_in(pipe, updated, told=told)
                        pipe.execute()  # the record and its index entries, all or nothing
                        return updated
                    except redis.WatchError:
                        continue  # another writer won; judge again on what it wrote
        raise StoreError(f"approval request {request_id}: too much contention, try again")

    def _reindex(self, pipe: Any, current: ApprovalRequest, updated: ApprovalRequest) -> None:
        """Queue, in the move's MULTI, the index entries that follow ``current`` -> ``updated``."""
        request_id = updated.id
        if updated.state is not State.PENDING:
            pipe.zrem(self._pending_index, request_id)
        if updated.state is State.APPROVED:
            pipe.zadd(self._approved_index, {request_id: _moment(updated)}, nx=True)
        else:
            pipe.zrem(self._approved_index, request_id)
        if updated.state is State.APPLYING:
            pipe.zadd(self._applying_index, {request_id: 0}, nx=True)
        else:
            pipe.zrem(self._applying_index, request_id)
        if owes_result(current.state, updated.state):
            pipe.zadd(self._unrecorded_index, {request_id: _moment(updated)})

    def _claim_in(self, pipe: Any, final: ApprovalRequest, *, told: bool) -> None:
        """Queue, in a final move's MULTI, the claim of telling Slack of it (attempt 1, kept as
        long as the record) and, unless ``told``, its untold entry at the time of the move."""
        pipe.set(self._notice_key(final.id), "1", nx=True, ex=self._keep)
        if not told:
            pipe.zadd(self._untold_index, {final.id: _moment(final)}, nx=True)

    def pending(self, *, now: datetime) -> list[ApprovalRequest]:
        # The pending index is scored by expiry: those still waiting are above ``now``.
        found = self._indexed(self._pending_index, {State.PENDING}, None, "pending", after=now)
        return [r for r in found if r.current_state(now) is State.PENDING]

    def overdue(self, *, now: datetime) -> list[ApprovalRequest]:
        # The pending index is scored by expiry: the overdue ones are its low end.
        found = self._indexed(self._pending_index, {State.PENDING}, now, "overdue")
        return [r for r in found if _overdue(r, now)]

    def applying(self) -> list[ApprovalRequest]:
        return self._indexed(self._applying_index, {State.APPLYING}, None, "applying")

    def approved(self, *, before: datetime | None = None) -> list[ApprovalRequest]:
        return self._indexed(self._approved_index, {State.APPROVED}, before, "approved")

    def unrecorded(self, *, before: datetime | None = None) -> list[ApprovalRequest]:
        return self._indexed(self._unrecorded_index, FINAL_STATES, before, "unrecorded")

    def _indexed(
        self,
        index: str,
        states: Collection[State],
        before: datetime | None,
        what: str,
        *,
        after: datetime | None = None,
    ) -> list[ApprovalRequest]:
        """The requests of ``index`` scored at or before ``before`` (and, with ``after``, above
        it) and still in ``states``, read with one MGET; members whose record is gone (kept
        ``keep_seconds`` once decided) are dropped."""
        top: float | str = "+inf" if before is None else before.timestamp()
        bottom = "-inf" if after is None else f"({after.timestamp()}"
        with _translated(f"list {what} approvals"):
            ids = self._r.zrangebyscore(index, bottom, top)
            if not ids:
                return []
            raws = self._r.mget([self._key(i) for i in ids])
            gone = [i for i, raw in zip(ids, raws, strict=True) if raw is None]
            if gone:
                self._r.zrem(index, *gone)
        found = []
        for request_id, raw in zip(ids, raws, strict=True):
            if raw is None:
                continue
            try:
                found.append(_parsed(raw, request_id))
            except StoreError as exc:  # one bad record must not hide the others
                log.error("skipped in the %s index: %s", what, exc)
        return [r for r in found if r.state in states]

    def result_recorded(self, request_id: str) -> None:
        with _translated("record that a result entry was written"):
            self._r.zrem(self._unrecorded_index, request_id)

    def claim_unrecorded(self, request_id: str, *, due_by: datetime, now: datetime) -> bool:
        """Under WATCH on the index: of claimants reading the same due entry one EXEC wins, and
        the others, judging again, find it no longer due."""
        index = self._unrecorded_index
        with _translated("claim an unrecorded result"):
            for _attempt in range(MAX_RETRIES):
                with self._r.pipeline(transaction=True) as pipe:
                    try:
                        pipe.watch(index)
                        score = pipe.zscore(index, request_id)
                        if score is None or score > due_by.timestamp():
                            return False  # written meanwhile, or claimed by another round
                        pipe.multi()
                        pipe.zadd(index, {request_id: now.timestamp()}, xx=True)
                        pipe.execute()
                        return True
                    except redis.WatchError:
                        continue  # the index changed (another end, another claimant): again
        raise StoreError(f"approval request {request_id}: too much contention, try again")

    def claim_notice(self, request_id: str, *, now: datetime, told: bool = False) -> bool:
        """One script: of claimants at once, one SET NX wins, and its index entry goes with it."""
        since = "" if told else repr(now.timestamp())
        keys = [self._notice_key(request_id), self._untold_index]
        with _translated("claim telling Slack of an end"):
            # Kept as long as an ended request's record: the end cannot be told after that.
            return bool(self._claim_notice(keys=keys, args=[request_id, since, self._keep]))

    def notice_told(self, request_id: str) -> None:
        with _translated("record that Slack was told of an end"):
            self._r.zrem(self._untold_index, request_id)

    def untold(self, *, before: datetime) -> list[ApprovalRequest]:
        return self._indexed(self._untold_index, FINAL_STATES, before, "untold")

    def reclaim_notice(self, request_id: str, *, due_by: datetime, now: datetime) -> int:
        keys = [self._notice_key(request_id), self._untold_index]
        args = [request_id, repr(due_by.timestamp()), repr(now.timestamp()), self._keep]
        with _translated("take telling Slack of an end again"):
            return int(self._reclaim_notice(keys=keys, args=args))

    def _notice_key(self, request_id: str) -> str:
        # Not under approval:* (the backfill scans that for request records).
        return f"{self._p}approvals:told:{request_id}"

    def needs_backfill(self) -> bool:
        with _translated("read the approvals index marker"):
            return not self._r.exists(self._indexed_marker)

    def backfill(self, *, lost_results: Collection[str], ended_before: datetime) -> int:
        lost = set(lost_results)
        record = _glob_escaped(self._p) + "approval:*"
        added = 0
        with _translated("index the approvals stored before the index"):
            for key in self._r.scan_iter(match=record, count=500):
                added += self._backfill_one(key, lost, ended_before)
            self._r.set(self._indexed_marker, "1")
        return added

    def _backfill_one(self, key: str, lost: set[str], ended_before: datetime) -> int:
        """Index one stored request under WATCH, so a move made meanwhile is judged again."""
        for _attempt in range(MAX_RETRIES):
            with self._r.pipeline(transaction=True) as pipe:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    if raw is None:
                        return 0
                    try:
                        request = _parsed(raw, key)
                    except StoreError as exc:  # one bad record must not stop the backfill
                        log.error("not indexed: %s", exc)
                        return 0
                    ended = request.decision(request.state)
                    pipe.multi()
                    if request.state is State.APPROVED:
                        pipe.zadd(self._approved_index, {request.id: _moment(request)}, nx=True)
                    elif request.state is State.APPLYING:
                        pipe.zadd(self._applying_index, {request.id: 0}, nx=True)
                    elif (
                        request.state in APPLY_ENDS
                        and request.id in lost
                        and ended is not None
                        and ended.at < ended_before  # later: its move indexed it already
                    ):
                        pipe.zadd(self._unrecorded_index, {request.id: _moment(request)}, nx=True)
                    else:
                        return 0
                    [count] = pipe.execute()
                    return int(count)
                except redis.WatchError:
                    continue
        raise StoreError(f"approval record {key}: too much contention, try again")


class InMemoryApprovalStore(_Moves):
    """The no-REDIS_URL trial store: same behaviour behind one lock, gone when the process ends."""

    kind = "memory"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[str, ApprovalRequest] = {}
        # The reconciler's indexes (request id -> when it entered), moved under the same lock.
        self._approved: dict[str, datetime] = {}
        self._applying: dict[str, datetime] = {}
        self._unrecorded: dict[str, datetime] = {}
        self._told: dict[str, int] = {}  # ends claimed to tell Slack -> attempts (claim_notice)
        self._untold: dict[str, datetime] = {}  # claims not confirmed told -> when taken

    def create(self, request: ApprovalRequest) -> None:
        with self._lock:
            if request.id in self._requests:
                raise StoreError(f"approval request {request.id} already exists")
            self._requests[request.id] = request

    def get(self, request_id: str, *, now: datetime) -> ApprovalRequest | None:
        with self._lock:
            request = self._requests.get(request_id)
            return request

    def _update(
        self,
        request_id: str,
        move: Callable[[ApprovalRequest], ApprovalRequest],
        what: str,
        *,
        told: bool = False,
    ) -> ApprovalRequest:
        """Replace a request by ``move(request)`` under the one lock."""
        with self._lock:
            request = self._requests.get(request_id)
            if request is None:
                raise StoreError(f"approval request {request_id} does not exist")
            updated = move(request)
            self._requests[request_id] = updated
            self._reindex(request, updated, told=told)
            return updated

    def _reindex(self, current: ApprovalRequest, updated: ApprovalRequest, *, told: bool) -> None:
        for state, index in ((State.APPROVED, self._approved), (State.APPLYING, self._applying)):
            if updated.state is state:
                index.setdefault(updated.id, _when(updated))
            else:
                index.pop(updated.id, None)
        if owes_result(current.state, updated.state):
            self._unrecorded[updated.id] = _when(updated)
            if updated.id not in self._told:  # the mover's claim to tell Slack, as in Redis
                self._told[updated.id] = 1
                if not told:
                    self._untold[updated.id] = _when(updated)

    def pending(self, *, now: datetime) -> list[ApprovalRequest]:
        with self._lock:
            return [r for r in self._requests.values() if r.current_state(now) is State.PENDING]

    def overdue(self, *, now: datetime) -> list[ApprovalRequest]:
        with self._lock:
            found = [r for r in self._requests.values() if _overdue(r, now)]
        return sorted(found, key=lambda r: r.expires_at)

    def applying(self) -> list[ApprovalRequest]:
        return self._indexed(self._applying, {State.APPLYING}, None)

    def approved(self, *, before: datetime | None = None) -> list[ApprovalRequest]:
        return self._indexed(self._approved, {State.APPROVED}, before)

    def unrecorded(self, *, before: datetime | None = None) -> list[ApprovalRequest]:
        return self._indexed(self._unrecorded, FINAL_STATES, before)

    def _indexed(
        self, index: dict[str, datetime], states: Collection[State], before: datetime | None
    ) -> list[ApprovalRequest]:
        with self._lock:
            due = sorted((at, i) for i, at in index.items() if before is None or at <= before)
            found = [self._requests[i] for _at, i in due if i in self._requests]
        return [r for r in found if r.state in states]

    def result_recorded(self, request_id: str) -> None:
        with self._lock:
            self._unrecorded.pop(request_id, None)

    def claim_unrecorded(self, request_id: str, *, due_by: datetime, now: datetime) -> bool:
        with self._lock:
            since = self._unrecorded.get(request_id)
            if since is None or since > due_by:
                return False
            self._unrecorded[request_id] = now
            return True

    def claim_notice(self, request_id: str, *, now: datetime, told: bool = False) -> bool:
        with self._lock:
            if request_id in self._told:
                return False
            self._told[request_id] = 1
            if not told:
                self._untold[request_id] = now
            return True

    def notice_told(self, request_id: str) -> None:
        with self._lock:
            self._untold.pop(request_id, None)

    def untold(self, *, before: datetime) -> list[ApprovalRequest]:
        return self._indexed(self._untold, FINAL_STATES, before)

    def reclaim_notice(self, request_id: str, *, due_by: datetime, now: datetime) -> int:
        with self._lock:
            since = self._untold.get(request_id)
            if since is None or since > due_by:
                return 0
            self._untold[request_id] = now
            self._told[request_id] = self._told.get(request_id, 1) + 1
            return self._told[request_id]

    def needs_backfill(self) -> bool:
        return False  # gone with the process: nothing was ever stored before the index

    def backfill(self, *, lost_results: Collection[str], ended_before: datetime) -> int:
        return 0


def _parsed(raw: str, request_id: str) -> ApprovalRequest:
    """The stored request, or a StoreError naming it when the record cannot be read (corrupted,
    or written by a version with other fields or states): a sentence, not a traceback."""
    try:
        return ApprovalRequest.from_json(raw)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StoreError(
            f"approval request {request_id} is stored in a form this version cannot read"
            f" ({type(exc).__name__}: {exc}); it is left as it is for a person to look at"
        ) from exc


def _overdue(request: ApprovalRequest, now: datetime) -> bool:
    """Stored as pending, and its time ran out at or before ``now``."""
    return request.state is State.PENDING and request.current_state(now) is State.EXPIRED


def _when(request: ApprovalRequest) -> datetime:
    """When the request entered its state (its last decision)."""
    decision = request.decision(request.state)
    return decision.at if decision is not None else request.created_at


def _moment(request: ApprovalRequest) -> float:
    """``_when`` as an index score."""
    return _when(request).timestamp()


def _glob_escaped(text: str) -> str:
    """``text`` matched literally in a SCAN pattern."""
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


def make_approval_store(redis_url: str) -> ApprovalStore:
    """Redis when configured, else in process; nothing connects here."""
    if not redis_url:
        return InMemoryApprovalStore()
    return RedisApprovalStore.from_url(redis_url)
