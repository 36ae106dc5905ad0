"""The approvals desk end to end below Slack: moto IAM, the real Redis (db 15), injected clock."""

from __future__ import annotations

import dataclasses
import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest
import redis
from moto import mock_aws

from bot.approvals.desk import ApprovalDesk, Refused
from bot.approvals.model import State, TransitionRefused
from bot.approvals.rules import ApprovalRules, People
from bot.approvals.wiring import build_approval_desk
from bot.aws.collect import collect_snapshot
from bot.aws.remediate import RemediationExecutor
from bot.config.settings import Settings
from bot.model.errors import InputError
from bot.store.approvals import RedisApprovalStore
from bot.store.audit_log import RedisAuditLog
from tests.integration.test_remediation_apply import DOC, fail_on

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
NOBODY = lambda _u, _g: False  # noqa: E731
RULES = ApprovalRules(approvers=People(frozenset({"UAPP", "UAPP2", "UREQ"})), ttl_seconds=3600)
ENROL = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice"],
            "Resource": "*",
        }
    ],
}
DENY_WITHOUT_MFA = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        }
    ],
}


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class CountingExecutor(RemediationExecutor):
    applies = 0

    def apply(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        type(self).applies += 1
        return super().apply(*args, **kwargs)


@pytest.fixture
def aws() -> Iterator[boto3.Session]:
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        iam = session.client("iam")
        iam.create_user(UserName="bob")
        iam.create_user(UserName="carol")
        iam.create_access_key(UserName="carol")
        iam.create_group(GroupName="devs")
        iam.add_user_to_group(GroupName="devs", UserName="bob")
        # bob may enrol an MFA device today, so a Deny-without-MFA would take that away
        iam.put_user_policy(UserName="bob", PolicyName="enrol", PolicyDocument=json.dumps(ENROL))
        yield session


@pytest.fixture
def desk(aws: boto3.Session, redis_url: str) -> Iterator[ApprovalDesk]:
    clock = Clock()
    prefix = f"test-desk-{uuid.uuid4().hex[:8]}:"
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    executor = CountingExecutor(aws)
    CountingExecutor.applies = 0
    snapshot = collect_snapshot(aws, now=T0, sleep=lambda _s: None)
    built = build_approval_desk(
        Settings(),
        clock=clock,
        snapshot_source=lambda: snapshot,
        executor=lambda: executor,
        rules=RULES,
    )
    built.store = RedisApprovalStore(client, prefix=prefix)
    built.trail = RedisAuditLog(client, prefix=prefix)
    yield built
    for key in client.scan_iter(prefix + "*"):
        client.delete(key)


def attached(aws: boto3.Session, user: str = "bob") -> list[str]:
    return [
        p["PolicyName"]
        for p in aws.client("iam").list_attached_user_policies(UserName=user)["AttachedPolicies"]
    ]


def propose_custom(desk: ApprovalDesk, document: dict = DOC, user: str = "bob"):
    return desk.propose(
        requester="UREQ",
        remediation="attach_policy",
        params={
            "target_kind": "user",
            "target_name": user,
            "document": document,
            "policy_name": "custom",
        },
        is_member=NOBODY,
        origin_channel="C1",
    )


def test_request_shows_impact_lint_hash_and_lands_in_the_trail(desk: ApprovalDesk) -> None:
    request = propose_custom(desk)
    assert request.state is State.PENDING
    assert request.channel == "C1"
    assert request.impact["gained"] == ["s3:ListAllMyBuckets"]
    assert request.impact["lost"] == []
    assert request.expires_at == T0 + timedelta(hours=1)
    assert len(request.content_hash) == 64
    assert request.target_state["exists"] is True
    entry = desk.trail.last(1)[0]
    assert entry.kind == "request"
    assert entry.request_id == request.id
    assert entry.data["content_hash"] == request.content_hash


def test_deny_without_mfa_for_a_user_without_device_warns_of_lockout(desk: ApprovalDesk) -> None:
    request = propose_custom(desk, DENY_WITHOUT_MFA)
    assert request.impact["lockout"], request.impact
    assert any(f["code"] == "MFA_LOCKOUT" for f in request.lint)


def test_full_flow_approve_apply_undo(desk: ApprovalDesk, aws: boto3.Session) -> None:
    request = propose_custom(desk)
    desk.approve(request.id, approver="UAPP", is_member=NOBODY)
    final = desk.apply(request.id)
    assert final.state is State.APPLIED, final.outcome
    assert attached(aws)[0].startswith("iam-audit-custom-")
    kinds = [e.kind for e in reversed(desk.trail.last(20))]
    assert kinds[:4] == ["request", "decision", "apply", "aws_call"]
    assert kinds[-1] == "result"
    calls = [e for e in desk.trail.last(20) if e.kind == "aws_call"]
    assert {c.data["api"] for c in calls} >= {"CreatePolicy", "AttachUserPolicy"}
    assert all(c.data["request_id"] for c in calls)

    undo = desk.propose_undo(requester="UAPP2", request_id=request.id, is_member=NOBODY)
    assert undo.remediation == "detach_policy"
    assert undo.undo_of == request.id
    assert undo.state is State.PENDING  # an undo needs its own approval
    assert attached(aws)  # nothing changed yet
    desk.approve(undo.id, approver="UAPP", is_member=NOBODY)
    assert desk.apply(undo.id).state is State.APPLIED
    assert attached(aws) == []


def test_undo_of_a_partly_applied_change_the_bot_cannot_reverse_says_so(
    desk: ApprovalDesk, aws: boto3.Session
) -> None:
    """A partly applied request with nothing the bot can reverse is not told "only an applied
    (or partly applied) change can be undone", which it is: it is told to read its outcome."""
    request = propose_custom(desk)
    desk.approve(request.id, approver="UAPP", is_member=NOBODY)
    applied = desk.apply(request.id)
    partly = dataclasses.replace(
        applied, state=State.PARTLY_APPLIED, undo_change={}, outcome="CreatePolicy held; fix X"
    )
    desk.get = lambda request_id: partly  # type: ignore[method-assign]
    with pytest.raises(InputError) as refused:
        desk.propose_undo(requester="UAPP2", request_id=request.id, is_member=NOBODY)
    assert "cannot reverse" in str(refused.value)
    assert "CreatePolicy held; fix X" in str(refused.value)
    assert "only an applied (or partly applied)" not in str(refused.value)


def test_self_approval_and_non_approver_are_refused_with_nothing_changed(
    desk: ApprovalDesk, aws: boto3.Session
) -> None:
    request = propose_custom(desk)
    with pytest.raises(Refused, match="your own request"):
        desk.approve(request.id, approver="UREQ", is_member=NOBODY)
    with pytest.raises(Refused, match="only the configured approvers"):
        desk.approve(request.id, approver="USTRANGER", is_member=NOBODY)
    assert desk.get(request.id).state is State.PENDING
    assert attached(aws) == []
    assert CountingExecutor.applies == 0
    assert [e.kind for e in desk.trail.last(2)] == ["refused", "refused"]


def test_twenty_concurrent_approvals_apply_exactly_once(
    desk: ApprovalDesk, aws: boto3.Session
) -> None:
    request = propose_custom(desk)
    approvers = [f"UAPP{n}" for n in range(20)]
    desk.rules = ApprovalRules(approvers=People(frozenset(approvers)))
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def click(user: str) -> None:
        barrier.wait()
        try:
            desk.approve(request.id, approver=user, is_member=NOBODY)
            result = desk.apply(request.id).state.value
        except TransitionRefused as exc:
            result = str(exc)
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=click, args=(u,)) for u in approvers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert outcomes.count("applied") == 1
    assert sum("already approved" in o for o in outcomes) == 19
    assert CountingExecutor.applies == 1
    assert len(attached(aws)) == 1
    decisions = [e for e in desk.trail.last(200) if e.kind == "decision"]
    assert len(decisions) == 1


def test_expired_request_cannot_be_approved(desk: ApprovalDesk, aws: boto3.Session) -> None:
    request = propose_custom(desk)
    desk.clock.now = T0 + timedelta(hours=1, seconds=1)  # type: ignore[attr-defined]
    with pytest.raises(TransitionRefused, match="expired"):
        desk.approve(request.id, approver="UAPP", is_member=NOBODY)
    assert desk.get(request.id).state is State.EXPIRED
    assert attached(aws) == []


def test_target_changed_since_the_request_aborts_with_explanation(
    desk: ApprovalDesk, aws: boto3.Session
) -> None:
    request = propose_custom(desk)
    aws.client("iam").create_access_key(UserName="bob")  # someone changes bob meanwhile
    desk.approve(request.id, approver="UAPP", is_member=NOBODY)
    final = desk.apply(request.id)
    assert final.state is State.FAILED
    assert "changed since the request" in final.outcome
    assert "access keys" in final.outcome
    assert attached(aws) == []
    assert CountingExecutor.applies == 0


def test_aws_error_mid_apply_rolls_back_and_fails(desk: ApprovalDesk, aws: boto3.Session) -> None:
    request = propose_custom(desk)
    fail_on(desk.executor()._client("iam"), "AttachUserPolicy")  # type: ignore[attr-defined]
    desk.approve(request.id, approver="UAPP", is_member=NOBODY)
    final = desk.apply(request.id)
    assert final.state is State.FAILED
    assert "Rolled back" in final.outcome
    assert [c["api"] for c in final.calls if c["rollback"]] == ["DeletePolicy"]
    local = aws.client("iam").list_policies(Scope="Local")["Policies"]
    assert local == []  # the created policy was deleted again
    assert any(e.kind == "aws_call" and e.data["rollback"] for e in desk.trail.last(20))


def test_reject_with_reason_and_requester_cancel(desk: ApprovalDesk) -> None:
    first = propose_custom(desk)
    rejected = desk.reject(first.id, user="UAPP", reason="too broad", is_member=NOBODY)
    assert rejected.state is State.REJECTED
    assert rejected.decisions[-1].reason == "too broad"
    second = propose_custom(desk)
    assert (
        desk.reject(second.id, user="UREQ", reason="oops", is_member=NOBODY).state
        is State.CANCELLED
    )
    with pytest.raises(TransitionRefused, match="already rejected by <@UAPP>"):
        desk.approve(first.id, approver="UAPP2", is_member=NOBODY)


def test_no_approvers_configured_refuses_requests(desk: ApprovalDesk) -> None:
    desk.rules = ApprovalRules()
    with pytest.raises(Refused, match="IAM_AUDIT_APPROVERS"):
        propose_custom(desk)


def test_catalogue_detach_and_key_remediations_resolve_targets(
    desk: ApprovalDesk, aws: boto3.Session
) -> None:
    attach = desk.propose(
        requester="UREQ",
        remediation="attach_policy",
        params={
            "target_kind": "group",
            "target_name": "devs",
            "catalogue": "mfa-self-service-enforce",
        },
        is_member=NOBODY,
    )
    assert attach.document
    assert attach.params["policy_name"] == "mfa-self-service-enforce"
    assert attach.impact["simulated_on"] == ["arn:aws:iam::123456789012:user/bob"]
    desk.approve(attach.id, approver="UAPP", is_member=NOBODY)
    assert desk.apply(attach.id).state is State.APPLIED
    detach = desk.propose(
        requester="UREQ",
        remediation="detach_policy",
        params={
            "target_kind": "group",
            "target_name": "devs",
            "policy": "mfa-self-service-enforce",
        },
        is_member=NOBODY,
    )
    assert detach.params["policy_arn"].endswith(attach.params["managed_name"])
    with pytest.raises(InputError, match="has no attached policy named 'nope'"):
        desk.propose(
            requester="UREQ",
            remediation="detach_policy",
            params={"target_kind": "group", "target_name": "devs", "policy": "nope"},
            is_member=NOBODY,
        )
    with pytest.raises(InputError, match="There is no IAM user ghost"):
        propose_custom(desk, user="ghost")
    key = desk.propose(
        requester="UREQ",
        remediation="deactivate_access_key",
        params={"target_kind": "user", "target_name": "carol", "key_slot": 1},
        is_member=NOBODY,
    )
    assert "stop" in key.impact["effect"].lower() or "fail" in key.impact["effect"].lower()
    desk.approve(key.id, approver="UAPP", is_member=NOBODY)
    assert desk.apply(key.id).state is State.APPLIED
    keys = aws.client("iam").list_access_keys(UserName="carol")["AccessKeyMetadata"]
    assert keys[0]["Status"] == "Inactive"


def test_a_request_altered_in_redis_after_approval_is_not_applied(
    desk: ApprovalDesk, aws: boto3.Session
) -> None:
    request = propose_custom(desk)
    desk.approve(request.id, approver="UAPP", is_member=NOBODY)
    store = desk.store
    key = store._key(request.id)  # type: ignore[attr-defined]
    data = json.loads(store._r.get(key))  # type: ignore[attr-defined]
    data["change"]["params"]["document"]["Statement"][0]["Action"] = (
        "*"  # someone with Redis access
    )
    store._r.set(key, json.dumps(data))  # type: ignore[attr-defined]
    final = desk.apply(request.id)
    assert final.state is State.FAILED
    assert "content hash" in final.outcome
    assert attached(aws) == []


def test_late_clicks_are_recorded_in_the_trail(desk: ApprovalDesk) -> None:
    request = propose_custom(desk)
    desk.approve(request.id, approver="UAPP", is_member=NOBODY)
    with pytest.raises(TransitionRefused):
        desk.approve(request.id, approver="UAPP2", is_member=NOBODY)
    last = desk.trail.last(1)[0]
    assert last.kind == "refused"
    assert last.actor == "UAPP2"
    assert "already approved by <@UAPP>" in last.data["reason"]
