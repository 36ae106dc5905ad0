"""A full audit that waited for another replica's audit of a few checks runs every check.

A request that finds the account lock held waits and then reuses the report saved since it
asked (bot.runs.jobs, AccountAudits.run). The reuse was judged only for a request naming checks:
a full audit (no checks named) reused any report, so waiting behind `/iam-audit audit
root.mfa_disabled` answered it with that one check's report, and the digest (a full audit since
it goes through the audit runs) compared one check with yesterday's every check. Now a full
audit reuses only a report of every enabled check.

Two replicas (their own AuditJobs and pipeline) on the real Redis (db 15) under a prefix of this
test's own, the checks run inline on a small snapshot.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from bot.audit.config import AuditConfig
from bot.audit.engine import select_checks
from bot.runs.account_audits import AccountAudits
from bot.runs.jobs import AuditJobs
from bot.store.redis_store import RedisStore
from tests.digest_support import snapshot
from tests.integration.test_runs_crash import Requester, until

pytestmark = pytest.mark.redis

ONE_CHECK = frozenset({"root.mfa_disabled"})


def utc_now() -> datetime:
    return datetime.now(UTC)


def judged(report) -> set[str]:
    """The checks a report ran or skipped (the small snapshot lacks some data)."""
    return set(report.checks) | {s.check_id for s in report.skipped}


class Replica:
    def __init__(self, store: RedisStore, gate: threading.Event, collections: list[str]) -> None:
        def source(now: datetime):
            collections.append(threading.current_thread().name)
            assert gate.wait(15)
            return snapshot(at=now)

        self.audits = AccountAudits(
            target="acct-scope",
            source=source,
            store=store,
            config=AuditConfig(),
            clock=utc_now,
            ttl_seconds=3600,
        )
        self.jobs = AuditJobs(
            store=store,
            workers=2,
            max_queued=4,
            lock_ttl_seconds=30,
            clock=utc_now,
            lock_poll_seconds=0.02,
        )

    def ask(self, only: frozenset[str] = frozenset()) -> Requester:
        requester = Requester()
        self.jobs.submit(
            "acct-scope",
            lambda progress, since: self.audits.run(progress, since, only),
            requester,
            scope=only,
        )
        return requester

    def close(self) -> None:
        self.jobs.wait_idle(20)
        self.jobs.shutdown()


@pytest.fixture
def replicas(redis_under_prefix):
    client, prefix = redis_under_prefix
    gate = threading.Event()
    collections: list[str] = []
    made = [Replica(RedisStore(client, prefix=prefix), gate, collections) for _ in range(2)]
    yield made, gate, collections
    gate.set()
    for replica in made:
        replica.close()


def test_a_full_audit_behind_a_one_check_audit_runs_every_check(replicas) -> None:
    (one, other), gate, collections = replicas
    scoped = one.ask(ONE_CHECK)
    until(lambda: len(collections) == 1, "the one-check audit to start")
    full = other.ask()
    until(lambda: "waiting for the running audit" in full.stages, "the full audit to wait")
    gate.set()
    scoped.wait()
    full.wait()
    assert scoped.error is None, scoped.error
    assert full.error is None, full.error
    assert judged(scoped.result.report) == ONE_CHECK
    every = {c.meta.id for c in select_checks(None, AuditConfig())}
    assert not full.result.reused  # was: reused the one-check report
    assert judged(full.result.report) == every
    assert len(collections) == 2


def test_a_full_audit_behind_a_full_audit_reuses_its_report(replicas) -> None:
    (one, other), gate, collections = replicas
    first = one.ask()
    until(lambda: len(collections) == 1, "the first audit to start")
    second = other.ask()
    until(lambda: "waiting for the running audit" in second.stages, "the second to wait")
    gate.set()
    first.wait()
    second.wait()
    assert second.result.reused
    assert second.result.report_id == first.result.report_id
    assert len(collections) == 1


def test_a_one_check_audit_behind_a_full_audit_reuses_its_report(replicas) -> None:
    (one, other), gate, collections = replicas
    first = one.ask()
    until(lambda: len(collections) == 1, "the first audit to start")
    second = other.ask(ONE_CHECK)
    until(lambda: "waiting for the running audit" in second.stages, "the second to wait")
    gate.set()
    first.wait()
    second.wait()
    assert second.result.reused
    assert len(collections) == 1
