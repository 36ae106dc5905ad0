"""A right-sizing interrupted halfway (the bot dies between AWS's answer and its record) is
reconciled as partly applied, and what it left in IAM can be undone through the bot: the Undo
of the partly applied request restores exactly the policies that were changed (moto IAM, the
desk with its in-memory store and trail)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from bot.approvals.model import State
from bot.approvals.rules import ApprovalRules, People
from bot.approvals.wiring import build_approval_desk
from bot.aws.remediate import RemediationExecutor
from bot.config.settings import Settings
from bot.store.approvals import InMemoryApprovalStore
from bot.store.audit_log import InMemoryAuditLog
from tests.fake_clock import Clock
from tests.integration import test_rightsize_apply
from tests.integration.test_rightsize_apply import NARROW, WIDE

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
RULES = ApprovalRules(approvers=People(frozenset({"UAPP"})), ttl_seconds=3600)
NOBODY = lambda _u, _g: False  # noqa: E731


class Killed(BaseException):
    """The bot process dying mid-apply (not an Exception: nothing in the bot catches it)."""


class DiesAfter:
    """The moto IAM client; the process dies right after ``api`` returns."""

    def __init__(self, client: Any, api: str) -> None:
        self._client, self._api = client, api

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._client, name)
        if name != self._api:
            return real

        def call(**kwargs: Any) -> Any:
            real(**kwargs)
            raise Killed

        return call


account = test_rightsize_apply.iam  # moto IAM: role worker, its policy app and inline policy


def make_desk(session: boto3.Session, clock: Clock, store: Any, trail: Any, iam: Any = None):
    executor = RemediationExecutor(
        session,
        client_factory=lambda service, _region: (
            iam if service == "iam" and iam else session.client(service, region_name="us-east-1")
        ),
    )
    desk = build_approval_desk(Settings(), clock=clock, executor=lambda: executor, rules=RULES)
    desk.store, desk.trail = store, trail
    return desk


def rightsizing(arn: str) -> dict[str, Any]:
    return {
        "target_kind": "role",
        "target_name": "worker",
        "target_arn": "arn:aws:iam::123456789012:role/worker",
        "days": 90,
        "proof": {"holds": True},
        "edits": [
            {
                "kind": "managed",
                "name": "app",
                "arn": arn,
                "old_version": "v1",
                "old_document": WIDE,
                "new_document": NARROW,
            },
            {"kind": "inline", "name": "inline", "old_document": WIDE, "new_document": NARROW},
        ],
    }


def test_a_rightsizing_killed_halfway_can_be_undone_through_the_bot(account) -> None:
    session, arn = account
    iam = session.client("iam")
    clock, store, trail = Clock(T0), InMemoryApprovalStore(), InMemoryAuditLog()
    first = make_desk(session, clock, store, trail, DiesAfter(iam, "create_policy_version"))
    request = first.propose(
        requester="UREQ",
        remediation="rightsize_principal",
        params=rightsizing(arn),
        is_member=NOBODY,
    )
    first.approve(request.id, approver="UAPP", is_member=NOBODY)
    with pytest.raises(Killed):
        first.apply(request.id)

    second = make_desk(session, clock, store, trail)  # the bot restarted
    clock.now += timedelta(minutes=11)
    [partly] = second.reconcile()
    assert partly.state is State.PARTLY_APPLIED
    assert "CreatePolicyVersion" in partly.outcome
    assert partly.undo_change["remediation"] == "restore_rightsized_policies"
    assert [e["name"] for e in partly.undo_change["params"]["edits"]] == ["app"]

    undo = second.propose_undo(requester="UREQ", request_id=request.id, is_member=NOBODY)
    second.approve(undo.id, approver="UAPP", is_member=NOBODY)
    restored = second.apply(undo.id)
    assert restored.state is State.APPLIED, restored.outcome
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v1"
    inline = iam.get_role_policy(RoleName="worker", PolicyName="inline")["PolicyDocument"]
    assert inline == WIDE  # never changed, and the undo left it alone
