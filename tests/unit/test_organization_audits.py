"""OrganizationAudits without AWS: selectors, the shared per-account lock, progress, the index."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.audit.config import AuditConfig
from bot.config.operations import OperationsOptions
from bot.model.errors import InputError
from bot.organizations.member_audits import INDEX_TARGET, OrganizationAudits
from bot.runs.jobs import lock_name
from bot.store.memory import InMemoryStore
from tests.factories import ACCOUNT_ID, NOW, snapshot

DEMO_ACCOUNT_ID = ACCOUNT_ID  # the factories' account stands in for the demo account


def _org(store: InMemoryStore, *, sleep=lambda _s: None, accounts: str = "") -> OrganizationAudits:
    return OrganizationAudits(
        operations=OperationsOptions(accounts=accounts, account_workers=2),
        session=lambda: pytest.fail("no AWS session in demo mode"),
        store=store,
        config=AuditConfig(),
        clock=lambda: NOW,
        ttl_seconds=3600,
        lock_ttl_seconds=60,
        sleep=sleep,
        lock_poll_seconds=0.0,
        demo_source=lambda now: snapshot(),
        demo_account_id=DEMO_ACCOUNT_ID,
    )


def test_selectors_are_checked_before_anything_runs() -> None:
    org = _org(InMemoryStore(clock=lambda: NOW))
    assert org.check_selector(" ALL ") == "all"
    assert org.check_selector(DEMO_ACCOUNT_ID) == DEMO_ACCOUNT_ID
    for bad in ("12345", "prod", "1234567890123", ""):
        with pytest.raises(InputError, match="12-digit"):
            org.check_selector(bad)
    with pytest.raises(InputError, match="one account"):
        org.check_selector("111122223333")
    with pytest.raises(InputError, match="unknown check"):
        org.validate_checks(["no.such_check"])


def test_a_running_audit_of_the_same_account_is_waited_for_and_its_report_reused() -> None:
    store = InMemoryStore(clock=lambda: NOW)
    assert store.acquire_lock(lock_name(DEMO_ACCOUNT_ID), "another-replica", 60)
    waits: list[float] = []
    theirs: list[str] = []

    def other_replica_finishes(seconds: float) -> None:
        # The other replica's audit completes (and caches its report) while we wait.
        waits.append(seconds)
        if len(waits) == 1:
            theirs.append(org.audits_for(DEMO_ACCOUNT_ID).run(lambda _s: None, None).report_id)
            store.release_lock(lock_name(DEMO_ACCOUNT_ID), "another-replica")

    org = _org(store, sleep=other_replica_finishes)
    progress: list[tuple[int, int]] = []
    run = org.run_all([DEMO_ACCOUNT_ID], progress=lambda d, t: progress.append((d, t)))
    assert waits
    assert progress == [(1, 1)]
    assert run.multi.failures == ()
    cached = store.latest_report(DEMO_ACCOUNT_ID)
    assert cached is not None
    assert run.report_ids[DEMO_ACCOUNT_ID] == theirs[0]  # reused, not audited twice
    assert cached.report_id == theirs[0]
    assert store.lock_owner(lock_name(DEMO_ACCOUNT_ID)) is None


def test_a_failing_progress_update_does_not_fail_the_account() -> None:
    org = _org(InMemoryStore(clock=lambda: NOW))

    def broken(_done: int, _total: int) -> None:
        raise RuntimeError("Slack is down")

    run = org.run_all([DEMO_ACCOUNT_ID], progress=broken)
    assert run.multi.failures == ()
    assert [r.account_id for r in run.multi.reports] == [DEMO_ACCOUNT_ID]


def test_audited_accounts_are_indexed_and_read_back() -> None:
    store = InMemoryStore(clock=lambda: NOW)
    org = _org(store)
    assert org.cached() == []
    org.run_all([DEMO_ACCOUNT_ID])
    assert org.indexed_accounts() == [DEMO_ACCOUNT_ID]
    cached = org.cached()
    assert [c.account_id for c in cached] == [DEMO_ACCOUNT_ID]
    report_id = cached[0].stored.report_id
    found = org.report(report_id)
    assert found is not None
    assert found[0].account_id == DEMO_ACCOUNT_ID
    # The index entry itself is never served as an account report.
    index_id = store.latest_report_id(INDEX_TARGET)
    assert index_id is not None
    assert org.report(index_id) is None
    assert org.report("no-such-report") is None


def test_configured_accounts_bound_what_all_means() -> None:
    store = InMemoryStore(clock=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    org = OrganizationAudits(
        operations=OperationsOptions(accounts="111111111111,222222222222"),
        session=lambda: pytest.fail("a configured list needs no ListAccounts"),
        store=store,
        config=AuditConfig(),
        clock=lambda: NOW,
        ttl_seconds=3600,
        lock_ttl_seconds=60,
    )
    assert org.resolve("all") == ["111111111111", "222222222222"]
    with pytest.raises(InputError, match="not among the configured accounts"):
        org.check_selector("333333333333")


def test_member_audits_run_their_checks_through_the_given_auditor() -> None:
    from bot.runs.workers import inline_auditor

    seen: list[str] = []

    def recording(snapshot, **kwargs):
        seen.append(snapshot.account_id)
        return inline_auditor(snapshot, **kwargs)

    org = OrganizationAudits(
        operations=OperationsOptions(account_workers=2),
        session=lambda: pytest.fail("no AWS session in demo mode"),
        store=InMemoryStore(clock=lambda: NOW),
        config=AuditConfig(),
        clock=lambda: NOW,
        ttl_seconds=3600,
        lock_ttl_seconds=60,
        lock_poll_seconds=0.0,
        demo_source=lambda now: snapshot(),
        demo_account_id=DEMO_ACCOUNT_ID,
        auditor=recording,
    )
    run = org.run_all([DEMO_ACCOUNT_ID])
    assert seen == [DEMO_ACCOUNT_ID]
    assert [r.account_id for r in run.multi.reports] == [DEMO_ACCOUNT_ID]
