"""Adversarial review of request -> approve -> apply -> record (real Redis db 15, moto IAM).

Each test here showed a bug on the code before its fix:

- an AWS call whose answer is lost (botocore ReadTimeoutError after IAM made the change) was
  recorded as "failed / not applied" although IAM holds the change: the result now comes from
  IAM's real state, as for an apply interrupted by a crash;
- one malformed record in the reconciler's indexes (a corrupted key, or one written by another
  version during a rolling deploy) raised out of every reconciliation round, so no other
  stranded request was ever finished.
"""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from bot.approvals.desk import ApplyInterrupted, ApprovalDesk
from bot.approvals.model import State
from bot.approvals.wiring import build_approval_desk
from bot.aws.remediate import RemediationExecutor
from bot.config.settings import Settings
from bot.store.approvals import RedisApprovalStore
from bot.store.audit_log import RedisAuditLog
from tests.integration import test_crash_halfway_sweep as sweep
from tests.integration.test_crash_halfway_sweep import (
    DOC,
    REDIS_DOWN,
    RULES,
    Clock,
    Fault,
    _journal,
    approved,
    attached,
    trail_kinds,
)

aws = sweep.aws  # moto IAM: user bob, policy ro (fixture)
rds = sweep.rds  # the suite's Redis under this test's own prefix (fixture)


class AnswerLost:
    """The IAM client, where one API reaches IAM (the change is made) but its answer is lost:
    botocore raises ReadTimeoutError once its retries are spent."""

    def __init__(self, client: Any, api: str) -> None:
        self._client, self._api = client, api
        self.sent = 0

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._client, name)
        if name == "delete_policy":
            return self._delete_policy
        if name != self._api:
            return real

        def call(**kwargs: Any) -> Any:
            self.sent += 1
            real(**kwargs)  # IAM makes the change ...
            raise ReadTimeoutError(endpoint_url="https://iam.amazonaws.com/")  # ... answer lost

        return call

    def _delete_policy(self, *, PolicyArn: str) -> Any:
        """As real IAM (moto deletes it and leaves a dangling attachment): an attached policy
        cannot be deleted."""
        policy = self._client.get_policy(PolicyArn=PolicyArn)["Policy"]
        if policy["AttachmentCount"]:
            error = {"Code": "DeleteConflict", "Message": "Cannot delete a policy attached"}
            raise ClientError({"Error": error, "ResponseMetadata": {"RequestId": "r"}}, "Delete")
        return self._client.delete_policy(PolicyArn=PolicyArn)


def desk_with(aws: SimpleNamespace, rds: Any, clock: Clock, iam: Any) -> ApprovalDesk:
    executor = RemediationExecutor(
        aws.session,
        client_factory=lambda service, _region: (
            iam if service == "iam" else aws.session.client(service, region_name="us-east-1")
        ),
    )
    desk = build_approval_desk(Settings(), clock=clock, executor=lambda: executor, rules=RULES)
    client, prefix = rds
    desk.store = RedisApprovalStore(client, prefix=prefix)
    desk.trail = RedisAuditLog(client, prefix=prefix)
    return desk


# --- an AWS answer lost in transit -------------------------------------------------------------


def test_attach_whose_answer_was_lost_is_recorded_as_applied_not_failed(aws, rds) -> None:
    """AttachUserPolicy reached IAM and its answer timed out: the policy IS attached, so the
    request must not say "Not applied" (nor offer nothing to undo)."""
    iam = AnswerLost(aws.iam, "attach_user_policy")
    desk = desk_with(aws, rds, Clock(), iam)
    request_id = approved(
        desk,
        "attach_policy",
        {"target_kind": "user", "target_name": "bob", "policy_arn": aws.ro_arn, "source": "arn"},
    )

    final = desk.apply(request_id)

    assert attached(aws) == ["ro"]  # IAM's real state
    assert final.state is State.APPLIED
    assert "(the answer to AttachUserPolicy was lost)" in final.outcome
    assert iam.sent == 1  # judged from IAM, never sent again
    assert desk.store.applying() == []
    assert trail_kinds(desk, request_id)[-1] == "result"
    assert desk.reconcile(stale_after=timedelta(0)) == []  # finished once


def test_custom_policy_attach_answer_lost_is_applied_though_the_rollback_failed(aws, rds) -> None:
    """CreatePolicy then AttachUserPolicy (answer lost): the executor's rollback cannot delete
    an attached policy; IAM holds the whole change, so it is applied, not failed."""
    iam = AnswerLost(aws.iam, "attach_user_policy")
    desk = desk_with(aws, rds, Clock(), iam)
    request_id = approved(
        desk,
        "attach_policy",
        {"target_kind": "user", "target_name": "bob", "document": DOC, "policy_name": "custom"},
    )

    final = desk.apply(request_id)

    assert [n.startswith("iam-audit-custom-") for n in attached(aws)] == [True]
    assert final.state is State.APPLIED
    assert desk.reconcile(stale_after=timedelta(0)) == []


def test_a_lost_answer_of_a_call_that_did_not_take_effect_still_fails_plainly(aws, rds) -> None:
    """The check of a lost answer must not turn a real failure into success: the timeout came
    before IAM made the change, so the executor's own account of the failure stands."""

    class NeverSent(AnswerLost):
        def __getattr__(self, name: str) -> Any:
            if name != self._api:
                return getattr(self._client, name)

            def call(**_kwargs: Any) -> Any:
                self.sent += 1
                raise ReadTimeoutError(endpoint_url="https://iam.amazonaws.com/")

            return call

    desk = desk_with(aws, rds, Clock(), NeverSent(aws.iam, "attach_user_policy"))
    request_id = approved(
        desk,
        "attach_policy",
        {"target_kind": "user", "target_name": "bob", "policy_arn": aws.ro_arn, "source": "arn"},
    )
    final = desk.apply(request_id)
    assert attached(aws) == []
    assert final.state is State.FAILED
    assert final.outcome.startswith("Step 'attach it to user bob' failed:")
    assert desk.store.applying() == []


# --- a malformed record must not stop the reconciliation of the others -------------------------


@pytest.mark.parametrize("indexed", [True, False], ids=["indexed", "before-backfill"])
@pytest.mark.parametrize(
    "raw",
    ["{not json", '{"id": "bad"}', '{"id": "bad", "state": "rolling_back"}'],
    ids=["not-json", "missing-fields", "unknown-state"],
)
def test_a_malformed_indexed_record_does_not_block_the_other_stranded_requests(
    aws, rds, raw, indexed
) -> None:
    """Read through the indexes (``indexed``) and through the one-off backfill of a deployment
    upgraded from a version without them, which scans every stored record."""
    client, prefix = rds
    if indexed:
        client.set(f"{prefix}approvals:indexed", "1")
    desk = desk_with(aws, rds, Clock(), aws.iam)
    request_id = approved(
        desk,
        "attach_policy",
        {"target_kind": "user", "target_name": "bob", "policy_arn": aws.ro_arn, "source": "arn"},
    )
    Fault(desk, "store.journal", _journal("result", "AttachUserPolicy"), REDIS_DOWN)
    with pytest.raises(ApplyInterrupted):  # stranded in `applying`
        desk.apply(request_id)
    # A record the reconciler cannot read sits in every index it walks.
    client.set(f"{prefix}approval:bad", raw)
    for index in ("applying", "approved", "unrecorded"):
        client.zadd(f"{prefix}approvals:{index}", {"bad": 0})

    finished = desk.reconcile(stale_after=timedelta(0))

    assert [(r.id, r.state) for r in finished] == [(request_id, State.APPLIED)]
    assert attached(aws) == ["ro"]
    assert client.get(f"{prefix}approval:bad") == raw  # left for a person, not deleted


class RetriedAfterLostAnswer(AnswerLost):
    """botocore's retry of a call whose first answer was lost: the first attempt made the
    change, the retry gets AWS's error for a change already made (EntityAlreadyExists)."""

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._client, name)
        if name != self._api:
            return AnswerLost.__getattr__(self, name)

        def call(**kwargs: Any) -> Any:
            self.sent += 1
            real(**kwargs)  # the first attempt: IAM creates it, the answer times out
            return real(**kwargs)  # the retry: ClientError EntityAlreadyExists

        return call


def test_create_retried_after_a_lost_answer_is_partly_applied_not_failed(aws, rds) -> None:
    """CreatePolicy's first attempt created the policy (tagged with the request id), its retry
    got EntityAlreadyExists: IAM holds a policy this request made, unattached, so the request is
    partly applied and offers to delete it, rather than "failed" with an orphan left behind."""
    iam = RetriedAfterLostAnswer(aws.iam, "create_policy")
    desk = desk_with(aws, rds, Clock(), iam)
    request_id = approved(
        desk,
        "attach_policy",
        {"target_kind": "user", "target_name": "bob", "document": DOC, "policy_name": "custom"},
    )

    final = desk.apply(request_id)

    local = aws.session.client("iam").list_policies(Scope="Local")["Policies"]
    assert len([p for p in local if p["PolicyName"].startswith("iam-audit-custom-")]) == 1
    assert attached(aws) == []
    assert final.state is State.PARTLY_APPLIED
    assert final.undo_change["remediation"] == "delete_policy"


def test_a_request_whose_reconciliation_raises_a_bug_does_not_block_the_others(aws, rds) -> None:
    """A stranded request the reconciler cannot judge (params of another version: no "group";
    its id sorts first in the index) raised KeyError out of every round, before the others."""
    client, prefix = rds
    desk = desk_with(aws, rds, Clock(), aws.iam)
    request_id = approved(
        desk,
        "attach_policy",
        {"target_kind": "user", "target_name": "bob", "policy_arn": aws.ro_arn, "source": "arn"},
    )
    Fault(desk, "store.journal", _journal("result", "AttachUserPolicy"), REDIS_DOWN)
    with pytest.raises(ApplyInterrupted):
        desk.apply(request_id)
    odd = json.loads(client.get(f"{prefix}approval:{request_id}"))
    odd.update(
        id="0000odd",
        change={"remediation": "add_user_to_group", "params": {"target_name": "bob"}},
        content_hash="",
        calls=[],
        in_flight={},
    )
    client.set(f"{prefix}approval:0000odd", json.dumps(odd))
    client.zadd(f"{prefix}approvals:applying", {"0000odd": 0})

    finished = desk.reconcile(stale_after=timedelta(0))

    assert [(r.id, r.state) for r in finished] == [(request_id, State.APPLIED)]
    assert desk.get("0000odd").state is State.APPLYING  # left for a person, logged
