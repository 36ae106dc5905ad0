"""The reconciler finds its work in the store's indexes, not in a window of the newest trail.

It used to look for requests approved but never applied (the bot died between a click's approve
and its apply) and for lost `result` entries in the newest 1,000 trail entries only (RESULT_SCAN):
on a busy bot (audits, suppressions, other approvals) such a request fell out of that window and
was never resumed, expired or recorded. The approval store now keeps an index of every request
that may need the reconciler (approved, applying, apply ended with its `result` entry not yet
written), moved in the same MULTI/EXEC as the state, and the reconciler reads that; a deployment
upgraded from before the index is backfilled once from the request records (and, for lost result
entries, one pass over the trail).

Real Redis (db 15, a prefix per test) and moto IAM, with the fixtures of the crash-halfway sweep.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from bot.approvals.desk import ApplyInterrupted, ApprovalDesk
from bot.approvals.model import ApprovalRequest, State
from bot.approvals.reconciler import ApplyReconciler
from bot.store.approvals import InMemoryApprovalStore, RedisApprovalStore
from bot.store.audit_log import AuditEntry, InMemoryAuditLog
from tests.integration import test_crash_halfway_sweep as sweep
from tests.integration.test_crash_halfway_sweep import (
    NOBODY,
    REDIS_DOWN,
    Clock,
    Fault,
    _journal,
    _trail_kind,
    attached,
    make_desk,
    trail_kinds,
)

aws = sweep.aws  # moto IAM: user bob, policy ro (fixture)
rds = sweep.rds  # the suite's Redis under this test's own prefix (fixture)

QUIET = timedelta(minutes=10)  # the reconciler's default stale_after
BUSY = 1500  # more trail entries than the old window of 1,000
INDEXES = ("approved", "applying", "unrecorded")


@pytest.fixture(params=["redis", "memory"])
def desk(request: pytest.FixtureRequest, aws: SimpleNamespace, rds: Any) -> ApprovalDesk:
    built = make_desk(aws, rds, Clock())
    if request.param == "memory":  # the no-REDIS_URL trial stores
        built.store = InMemoryApprovalStore()
        built.trail = InMemoryAuditLog()
    return built


def attach_request(desk: ApprovalDesk, aws: SimpleNamespace) -> str:
    """A request for attaching policy ro to bob, approved by UAPP (its apply not started)."""
    request = desk.propose(
        requester="UREQ",
        remediation="attach_policy",
        params={"target_kind": "user", "target_name": "bob", "policy_arn": aws.ro_arn},
        is_member=NOBODY,
    )
    desk.approve(request.id, approver="UAPP", is_member=NOBODY)
    return request.id


def busy_trail(desk: ApprovalDesk, count: int = BUSY) -> None:
    """What a busy bot writes meanwhile: audits, suppressions, other people's requests."""
    kinds = ("audit", "suppression", "request", "decision", "aws_call")
    for n in range(count):
        kind = kinds[n % len(kinds)]
        data: dict[str, Any] = {"n": n}
        if kind == "decision":
            data["state"] = "rejected"
        desk.trail.append(AuditEntry(kind, f"other{n}", "UOTHER", desk.clock(), data))


def attaches(aws: SimpleNamespace) -> int:
    return aws.iam.sent.count("attach_user_policy")


def raw_indexes(rds: Any) -> dict[str, list[str]]:
    """The Redis index keys as stored (what would grow without bound if never emptied)."""
    client, prefix = rds
    return {name: client.zrange(f"{prefix}approvals:{name}", 0, -1) for name in INDEXES}


def indexed(store: Any) -> dict[str, list[str]]:
    return {name: [r.id for r in getattr(store, name)()] for name in INDEXES}


NOTHING = {name: [] for name in INDEXES}


# --- beyond the old window ------------------------------------------------------------------------


def test_a_request_left_applying_is_reconciled_after_1500_unrelated_trail_entries(
    desk: ApprovalDesk, aws: SimpleNamespace
) -> None:
    request_id = attach_request(desk, aws)
    Fault(desk, "store.journal", _journal("result", "AttachUserPolicy"), REDIS_DOWN)
    with pytest.raises(ApplyInterrupted):
        desk.apply(request_id)
    busy_trail(desk)
    desk.clock.now += QUIET  # type: ignore[attr-defined]
    finished = desk.reconcile()
    assert [(r.id, r.state) for r in finished] == [(request_id, State.APPLIED)]
    assert attaches(aws) == 1  # judged from IAM, not sent again
    assert indexed(desk.store) == NOTHING
    assert desk.reconcile() == []


def test_an_approval_never_applied_is_resumed_after_1500_unrelated_trail_entries(
    desk: ApprovalDesk, aws: SimpleNamespace
) -> None:
    request_id = attach_request(desk, aws)  # ... and the click's process died here
    busy_trail(desk)
    desk.clock.now += QUIET  # type: ignore[attr-defined]
    finished = desk.reconcile()
    assert [(r.id, r.state) for r in finished] == [(request_id, State.APPLIED)]
    assert "after an interruption" in finished[0].outcome
    assert attached(aws) == ["ro"]
    assert attaches(aws) == 1
    assert desk.reconcile() == []
    assert attaches(aws) == 1
    assert indexed(desk.store) == NOTHING


def test_an_approval_never_applied_is_expired_after_1500_unrelated_trail_entries(
    desk: ApprovalDesk, aws: SimpleNamespace
) -> None:
    request_id = attach_request(desk, aws)
    busy_trail(desk)
    desk.clock.now = desk.get(request_id).expires_at  # type: ignore[attr-defined]
    finished = desk.reconcile()
    assert [(r.id, r.state) for r in finished] == [(request_id, State.EXPIRED)]
    assert "Nothing was changed;" in finished[0].outcome
    assert aws.iam.sent == []
    assert desk.reconcile() == []
    assert indexed(desk.store) == NOTHING


def test_a_lost_result_entry_is_written_after_1500_unrelated_trail_entries(
    desk: ApprovalDesk, aws: SimpleNamespace
) -> None:
    request_id = attach_request(desk, aws)
    Fault(desk, "trail.append", _trail_kind("result"), REDIS_DOWN)
    # Applied in IAM and in the store; its `result` entry lost (logged, not raised: the
    # approver is told the result, the reconciler writes the entry).
    assert desk.apply(request_id).state is State.APPLIED
    busy_trail(desk)
    told: list[ApprovalRequest] = []
    assert desk.reconcile(notify=told.append) == []  # its applier may still be writing it
    desk.clock.now += QUIET  # type: ignore[attr-defined]
    finished = desk.reconcile(notify=told.append)
    assert [(r.id, r.state) for r in finished] == [(request_id, State.APPLIED)]
    assert told == finished  # Slack, which the crashed apply never updated, is told once
    assert desk.reconcile(notify=told.append) == []
    kinds = [e.kind for e in desk.trail.export() if e.request_id == request_id]
    assert kinds == ["request", "decision", "apply", "aws_call", "result"]  # written, once
    assert trail_kinds(desk, request_id) == ["result"]  # 1,500 entries after the others
    assert desk.trail.last(1)[0].data["recovered"] is True
    assert attaches(aws) == 1
    assert indexed(desk.store) == NOTHING


# --- through the desk, every settled request leaves the indexes -----------------------------------


def test_settled_requests_leave_no_index_behind_through_the_desk(
    desk: ApprovalDesk, aws: SimpleNamespace
) -> None:
    iam = aws.session.client("iam")
    failed = attach_request(desk, aws)
    iam.attach_user_policy(UserName="bob", PolicyArn=aws.ro_arn)  # changed since the request
    desk.apply(failed)
    iam.detach_user_policy(UserName="bob", PolicyArn=aws.ro_arn)
    applied = attach_request(desk, aws)
    desk.apply(applied)
    rejected = desk.propose(
        requester="UREQ",
        remediation="attach_policy",
        params={"target_kind": "user", "target_name": "bob", "policy_arn": aws.ro_arn},
        is_member=NOBODY,
    )
    desk.reject(rejected.id, user="UAPP", reason="no", is_member=NOBODY)
    withdrawn = desk.propose(
        requester="UREQ",
        remediation="attach_policy",
        params={"target_kind": "user", "target_name": "bob", "policy_arn": aws.ro_arn},
        is_member=NOBODY,
    )
    desk.reject(withdrawn.id, user="UREQ", reason="not needed", is_member=NOBODY)
    assert desk.get(applied).state is State.APPLIED
    assert desk.get(failed).state is State.FAILED
    assert desk.get(rejected.id).state is State.REJECTED
    assert desk.get(withdrawn.id).state is State.CANCELLED
    assert indexed(desk.store) == NOTHING


# --- Redis down while reconciling -----------------------------------------------------------------


def test_redis_down_during_reconcile_is_logged_and_the_loop_lives_on(
    aws: SimpleNamespace, rds: Any, caplog
) -> None:
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request_id = attach_request(desk, aws)
    clock.now += QUIET
    store = desk.store
    desk.store = RedisApprovalStore.from_url("redis://127.0.0.1:1/15")  # nothing listens there
    with caplog.at_level(logging.WARNING):
        assert ApplyReconciler(desk.reconcile).run_once() == 0
    assert "apply reconciliation postponed: the state store (Redis) failed" in caplog.text
    assert aws.iam.sent == []
    desk.store = store  # back
    assert [r.state for r in desk.reconcile()] == [State.APPLIED]
    assert desk.get(request_id).state is State.APPLIED


def test_an_index_unreadable_mid_round_is_logged_and_the_rest_of_the_round_runs(
    aws: SimpleNamespace, rds: Any, caplog
) -> None:
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    stranded = attach_request(desk, aws)
    Fault(desk, "store.journal", _journal("result", "AttachUserPolicy"), REDIS_DOWN)
    with pytest.raises(ApplyInterrupted):
        desk.apply(stranded)
    clock.now += QUIET

    def down(**_kw: Any) -> list[ApprovalRequest]:
        raise REDIS_DOWN

    desk.store.approved = down  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING):
        finished = desk.reconcile()
    assert [(r.id, r.state) for r in finished] == [(stranded, State.APPLIED)]
    assert "could not read the approved requests index yet" in caplog.text


# --- a deployment upgraded from before the index --------------------------------------------------


def test_an_upgraded_deployment_is_backfilled_once_from_its_records(
    aws: SimpleNamespace, rds: Any, caplog
) -> None:
    """Written by the old code (no index): an approval never applied and an apply whose result
    entry was lost, both far behind 1,500 newer entries. The first round indexes them from the
    request records (and one pass over the trail for the lost entry) and finishes them."""
    client, prefix = rds
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    lost = attach_request(desk, aws)
    Fault(desk, "trail.append", _trail_kind("result"), REDIS_DOWN)
    desk.apply(lost)  # applied; its lost `result` entry is logged, not raised
    done = attach_request(desk, aws)
    desk.apply(done)  # attached already: applied, its result written; nothing to do
    waiting = desk.propose(
        requester="UREQ",
        remediation="detach_policy",
        params={"target_kind": "user", "target_name": "bob", "policy_arn": aws.ro_arn},
        is_member=NOBODY,
    )
    desk.approve(waiting.id, approver="UAPP", is_member=NOBODY)  # ... crash before its apply
    for name in INDEXES:  # what the old code left: no index, no marker
        client.delete(f"{prefix}approvals:{name}")
    client.delete(f"{prefix}approvals:indexed")
    busy_trail(desk)
    clock.now += QUIET

    with caplog.at_level(logging.INFO):
        finished = desk.reconcile()
    assert sorted((r.id, r.state) for r in finished) == sorted(
        [(lost, State.APPLIED), (waiting.id, State.APPLIED)]
    )
    assert "indexed 2 request(s) written before the reconciliation index" in caplog.text
    assert attached(aws) == []  # ro attached by `lost`, detached by `waiting`
    assert raw_indexes(rds) == NOTHING
    assert client.get(f"{prefix}approvals:indexed")

    def unexpected() -> Any:
        raise AssertionError("the trail is read once, at the backfill")

    desk.trail.export = unexpected  # type: ignore[method-assign]
    assert desk.reconcile() == []
    lost_results = [e for e in client.xrange(f"{prefix}audit") if e[1]["request_id"] == lost]
    assert [f["kind"] for _, f in lost_results].count("result") == 1


def test_the_backfill_leaves_requests_settled_after_it_started_to_the_new_code(
    aws: SimpleNamespace, rds: Any
) -> None:
    """An apply ended by the new code after the backfill began is indexed by its own move: the
    backfill does not index it a second time (which would write its result entry twice)."""
    client, prefix = rds
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request_id = attach_request(desk, aws)
    clock.now += timedelta(seconds=1)
    desk.apply(request_id)  # its result entry is written by the applier itself
    client.delete(f"{prefix}approvals:indexed")
    # The trail pass saw the apply but not yet its result (it was written meanwhile).
    assert desk.store.backfill(lost_results={request_id}, ended_before=clock.now) == 0
    assert raw_indexes(rds) == NOTHING
