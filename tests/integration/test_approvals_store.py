"""Approval store and audit trail on a real Redis: atomic moves, expiry, restart survival."""

from __future__ import annotations

import socket
import subprocess
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from bot.approvals.model import ApprovalRequest, State, Target, TransitionRefused
from bot.model.errors import StoreError
from bot.store.approvals import InMemoryApprovalStore, RedisApprovalStore
from bot.store.audit_log import AuditEntry, InMemoryAuditLog, RedisAuditLog

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
REDIS_SERVER = "/usr/bin/redis-server"


def new_request(**changes: object) -> ApprovalRequest:
    base: dict[str, object] = {
        "id": uuid.uuid4().hex[:12],
        "requester": "UREQ",
        "target": Target("user", "bob"),
        "change": {"remediation": "detach_policy", "params": {"target_name": "bob"}},
        "summary": "Detach x from user bob",
        "steps": ("iam:DetachUserPolicy",),
        "undo": "Attach it again",
        "created_at": T0,
        "expires_at": T0 + timedelta(hours=24),
        "fingerprint": "abc",
    }
    base.update(changes)
    return ApprovalRequest(**base)  # type: ignore[arg-type]


@pytest.fixture
def prefix() -> str:
    return f"test-approvals-{uuid.uuid4().hex[:8]}:"


@pytest.fixture
def client(redis_url: str, prefix: str) -> Iterator[redis.Redis]:
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    yield r
    for key in r.scan_iter(prefix + "*"):
        r.delete(key)
    r.close()


@pytest.fixture(params=["redis", "memory"])
def store(request: pytest.FixtureRequest, client: redis.Redis, prefix: str):
    if request.param == "redis":
        return RedisApprovalStore(client, prefix=prefix)
    return InMemoryApprovalStore()


def test_create_get_and_transitions_round_trip(store) -> None:
    r = new_request()
    store.create(r)
    assert store.get(r.id, now=T0) == r
    approved = store.transition(r.id, State.APPROVED, actor="UAPP", now=T0)
    assert approved.state is State.APPROVED
    assert store.get(r.id, now=T0).approver == "UAPP"
    with pytest.raises(TransitionRefused, match="already approved by <@UAPP>"):
        store.transition(r.id, State.APPROVED, actor="UOTHER", now=T0)
    assert store.get(r.id, now=T0).decisions == approved.decisions  # nothing written
    with pytest.raises(StoreError):
        store.create(r)  # ids are never reused


def test_annotate_cannot_touch_the_state(store) -> None:
    r = new_request()
    store.create(r)
    assert store.annotate(r.id, channel="C1", message_ts="1.2").message_ts == "1.2"
    with pytest.raises(ValueError, match="transition"):
        store.annotate(r.id, state=State.APPLIED)
    with pytest.raises(StoreError, match="does not exist"):
        store.annotate("missing", channel="C1")


def test_expiry_is_enforced_by_transition_and_a_read_moves_nothing(store) -> None:
    """Reading an overdue request leaves it as stored: its lapse is a move of its own, made by
    the desk with its trail entry (tests/integration/test_approvals_lapse.py)."""
    r = new_request()
    store.create(r)
    late = r.expires_at + timedelta(seconds=1)
    with pytest.raises(TransitionRefused, match="expired"):
        store.transition(r.id, State.APPROVED, actor="UAPP", now=late)
    assert store.overdue(now=r.expires_at - timedelta(seconds=1)) == []
    read = store.get(r.id, now=late)
    assert read.state is State.PENDING
    assert read.current_state(late) is State.EXPIRED
    assert store.pending(now=late) == []
    assert [o.id for o in store.overdue(now=late)] == [r.id]
    lapsed = store.transition(r.id, State.EXPIRED, actor="bot", now=late)
    assert lapsed.decisions[-1].actor == "bot"
    assert store.get(r.id, now=late).state is State.EXPIRED
    assert store.overdue(now=late) == []


def test_twenty_concurrent_approvals_succeed_exactly_once(store) -> None:
    r = new_request()
    store.create(r)
    barrier = threading.Barrier(20)
    wins: list[str] = []
    refusals: list[str] = []
    lock = threading.Lock()

    def click(n: int) -> None:
        barrier.wait()
        try:
            store.transition(r.id, State.APPROVED, actor=f"UAPP{n}", now=T0)
            with lock:
                wins.append(f"UAPP{n}")
        except TransitionRefused as exc:
            with lock:
                refusals.append(str(exc))

    threads = [threading.Thread(target=click, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(wins) == 1
    assert len(refusals) == 19
    final = store.get(r.id, now=T0)
    assert final.approver == wins[0]
    assert len(final.decisions) == 1
    assert all(f"already approved by <@{wins[0]}>" in text for text in refusals)


def test_decided_requests_leave_the_pending_index_and_expire_later(
    client: redis.Redis, prefix: str
) -> None:
    store = RedisApprovalStore(client, prefix=prefix, keep_seconds=3600)
    a, b = new_request(), new_request()
    store.create(a)
    store.create(b)
    assert {x.id for x in store.pending(now=T0)} == {a.id, b.id}
    store.transition(a.id, State.REJECTED, actor="UAPP", now=T0, reason="no")
    assert [x.id for x in store.pending(now=T0)] == [b.id]
    assert client.ttl(f"{prefix}approval:{a.id}") > 0  # decided: kept for the trail, then gone
    assert client.ttl(f"{prefix}approval:{b.id}") == -1  # pending: never expires by TTL


def test_unreachable_redis_is_a_store_error() -> None:
    dead = redis.Redis(
        host="127.0.0.1", port=free_port(), socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0)
    )
    store = RedisApprovalStore(dead)
    with pytest.raises(StoreError, match="Redis"):
        store.get("x", now=T0)
    with pytest.raises(StoreError, match="audit trail"):
        RedisAuditLog(dead).append(AuditEntry("request", "x", "U1", T0, {}))


# --- audit trail ---------------------------------------------------------------------------------


@pytest.fixture(params=["redis", "memory"])
def trail(request: pytest.FixtureRequest, client: redis.Redis, prefix: str):
    if request.param == "redis":
        return RedisAuditLog(client, prefix=prefix)
    return InMemoryAuditLog()


def test_audit_trail_appends_and_reads_newest_first_and_exports_all(trail) -> None:
    for n in range(7):
        trail.append(
            AuditEntry(
                "aws_call",
                f"r{n}",
                "bot",
                T0 + timedelta(seconds=n),
                {"api": "X", "request_id": f"aws-{n}"},
            )
        )
    last = trail.last(3)
    assert [e.request_id for e in last] == ["r6", "r5", "r4"]
    assert last[0].data == {"api": "X", "request_id": "aws-6"}
    assert last[0].at == T0 + timedelta(seconds=6)
    assert all(e.entry_id for e in last)
    exported = list(trail.export())
    assert [e.request_id for e in exported] == [f"r{n}" for n in range(7)]


def test_export_pages_through_a_long_stream(client: redis.Redis, prefix: str, monkeypatch) -> None:
    import bot.store.audit_log as module

    monkeypatch.setattr(module, "EXPORT_BATCH", 4)
    trail = RedisAuditLog(client, prefix=prefix)
    for n in range(10):
        trail.append(AuditEntry("decision", f"r{n}", "U1", T0, {}))
    assert [e.request_id for e in trail.export()] == [f"r{n}" for n in range(10)]


# --- a real restart ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(port: int, directory: Path) -> subprocess.Popen[str]:
    """A redis-server with append-only persistence; returns once it accepts connections."""
    process = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--appendonly",
            "yes",
            "--dir",
            str(directory),
            "--save",
            "",
            "--logfile",
            "",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:  # blocks on the server's own log, no polling sleep
        if "Ready to accept connections" in line:
            return process
    raise AssertionError(f"redis-server exited with {process.wait()}")


@pytest.mark.skipif(not Path(REDIS_SERVER).exists(), reason="redis-server not installed")
def test_pending_requests_survive_a_redis_restart(tmp_path: Path) -> None:
    port = free_port()
    server = start_redis(port, tmp_path)
    try:
        client = redis.Redis(
            host="127.0.0.1", port=port, decode_responses=True, retry=Retry(NoBackoff(), 0)
        )
        store = RedisApprovalStore(client)
        trail = RedisAuditLog(client)
        pending = new_request()
        store.create(pending)
        trail.append(AuditEntry("request", pending.id, "UREQ", T0, {"summary": pending.summary}))
        client.shutdown()  # SHUTDOWN flushes the append-only file
    except redis.ConnectionError:
        pass
    finally:
        server.wait(timeout=30)
    assert server.returncode == 0
    assert (tmp_path / "appendonlydir").exists() or (tmp_path / "appendonly.aof").exists()

    restarted = start_redis(port, tmp_path)
    try:
        client = redis.Redis(
            host="127.0.0.1", port=port, decode_responses=True, retry=Retry(NoBackoff(), 0)
        )
        back = RedisApprovalStore(client).get(pending.id, now=T0)
        assert back == pending
        assert back.state is State.PENDING
        assert [r.id for r in RedisApprovalStore(client).pending(now=T0)] == [pending.id]
        assert RedisAuditLog(client).last(1)[0].request_id == pending.id
        # and it can still be decided after the restart
        approved = RedisApprovalStore(client).transition(
            pending.id, State.APPROVED, actor="UAPP", now=T0
        )
        assert approved.state is State.APPROVED
    finally:
        restarted.terminate()
        restarted.wait(timeout=30)
