"""RedisApprovalStore.pending(): many requests read in one MGET, not one GET per request.

pending() runs for every digest (its approvals line) and for the App Home; with a few hundred
requests waiting it made a few hundred round trips. It now reads them as overdue() and the
reconciler's other index reads do, through the store's one index read (ZRANGEBYSCORE, then one
MGET of the records). What it answers is unchanged: the requests still pending at ``now``, in
the order of their expiry, without the decided, the overdue, and those whose record vanished
between the index read and the MGET.

Real Redis (db 15, a prefix per test).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import redis

from bot.approvals.model import State
from bot.store.approvals import RedisApprovalStore
from tests.integration.test_approvals_store import T0, new_request

pytestmark = pytest.mark.redis

MANY = 60


@pytest.fixture
def rds(redis_url: str) -> Iterator[tuple[redis.Redis, str]]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on the test URL")
    prefix = f"test-pending-{uuid.uuid4().hex[:8]}:"
    yield client, prefix
    for key in client.scan_iter(prefix + "*"):
        client.delete(key)
    client.close()


class Counting(redis.Redis):
    """The suite's Redis, counting the commands sent one by one (each is a round trip)."""

    sent: list[str]

    def execute_command(self, *args: Any, **options: Any) -> Any:
        self.sent.append(str(args[0]))
        return super().execute_command(*args, **options)


def counting_client(redis_url: str) -> Counting:
    client = Counting.from_url(redis_url, decode_responses=True)
    client.sent = []
    return client


def test_many_pending_requests_are_read_in_one_mget(rds, redis_url: str) -> None:
    client, prefix = rds
    store = RedisApprovalStore(client, prefix=prefix, keep_seconds=3600)
    waiting = []
    for minutes in range(MANY):  # expiring one minute apart, created out of order
        request = new_request(expires_at=T0 + timedelta(hours=1, minutes=(minutes * 7) % MANY))
        store.create(request)
        waiting.append(request)
    counted = counting_client(redis_url)
    found = RedisApprovalStore(counted, prefix=prefix).pending(now=T0)
    assert [r.id for r in found] == [r.id for r in sorted(waiting, key=lambda r: r.expires_at)]
    assert found == sorted(waiting, key=lambda r: r.expires_at)
    assert counted.sent == ["ZRANGEBYSCORE", "MGET"], counted.sent  # was ZRANGEBYSCORE + 60 GETs


def test_pending_leaves_out_the_decided_the_overdue_and_the_vanished(rds) -> None:
    """Same answer as before for every kind of request in the index, including records deleted
    (by hand, or expired) between the index read and the MGET."""
    client, prefix = rds
    store = RedisApprovalStore(client, prefix=prefix, keep_seconds=3600)
    now = T0 + timedelta(hours=2)
    live = [new_request(expires_at=T0 + timedelta(hours=3 + i)) for i in range(20)]
    overdue = [new_request(expires_at=T0 + timedelta(hours=1)) for _ in range(3)]
    due_now = new_request(expires_at=now)  # its time runs out at ``now``: not pending
    decided = [new_request(expires_at=T0 + timedelta(hours=5)) for _ in range(3)]
    for request in [*live, *overdue, due_now, *decided]:
        store.create(request)
    store.transition(decided[0].id, State.REJECTED, actor="UAPP", now=T0, reason="no")
    store.transition(decided[1].id, State.APPROVED, actor="UAPP", now=T0)
    store.transition(decided[2].id, State.CANCELLED, actor="UREQ", now=T0, reason="moot")
    vanishing = {live[4].id, live[11].id, live[19].id}
    read_index = client.zrangebyscore

    def index_read_then_records_vanish(*args: Any, **kwargs: Any) -> Any:
        ids = read_index(*args, **kwargs)
        for request_id in vanishing:
            client.delete(f"{prefix}approval:{request_id}")
        return ids

    client.zrangebyscore = index_read_then_records_vanish  # type: ignore[method-assign]
    found = store.pending(now=now)
    del client.zrangebyscore
    assert [r.id for r in found] == [r.id for r in live if r.id not in vanishing]
    assert all(r.state is State.PENDING for r in found)
    # The vanished are dropped from the index as the reconciler's reads drop them; the overdue
    # stay there for the reconciler's lapse.
    indexed = set(client.zrange(f"{prefix}approvals:pending", 0, -1))
    assert not indexed & vanishing
    assert {r.id for r in overdue} | {due_now.id} <= indexed
    assert store.pending(now=now) == found


def test_no_pending_request_is_one_round_trip(rds, redis_url: str) -> None:
    _client, prefix = rds
    counted = counting_client(redis_url)
    assert RedisApprovalStore(counted, prefix=prefix).pending(now=T0) == []
    assert counted.sent == ["ZRANGEBYSCORE"]
