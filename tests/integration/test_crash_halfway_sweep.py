"""Crash-halfway sweep of the bot's and the CLI's multi-step write paths (real Redis db 15, moto).

For every path a fault is injected at each step boundary in turn (a store write that fails, an
AWS answer that is lost, a Slack call that fails, a bug raised from an inner call); then what the
code offers to recover is run (the reconciler, a retry, the next scheduled run) and the test
checks: nothing done twice in AWS or Slack, no record lost, the final state is AWS's real state,
and the user gets a sentence, not a traceback.

Where iam-audit gets it right the test pins it; a path it gets wrong is added as a strict xfail
naming the cause and the fix, and loses the mark with the fix.

Paths here: approval apply (attach by ARN, custom policy create+attach), right-sizing apply,
Access Analyzer archive, suppression approved from Slack (a change the bot records itself), the
morning digest (post, attachments, baseline, posted record), the MFA campaign DMs and the CLI's
`suppressions remove`. The Slack-driven halves live in tests/scenario/test_crash_halfway_slack.py.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
import redis
from moto import mock_aws

from bot.approvals.desk import ApplyInterrupted, ApprovalDesk
from bot.approvals.model import State, Target, TransitionRefused
from bot.approvals.rules import ApprovalRules, People
from bot.approvals.suppressions import SUPPRESS_CHANGE, StoredSuppression
from bot.approvals.wiring import build_approval_desk
from bot.aws.remediate import RemediationExecutor
from bot.cli import main
from bot.config.settings import Settings
from bot.digest.run import DigestRunner
from bot.mfa_campaign.runner import MfaCampaignRunner
from bot.model.errors import DeliveryError, IamAuditError, StoreError
from bot.store.approvals import RedisApprovalStore
from bot.store.audit_log import RedisAuditLog
from bot.store.digests import InMemoryDigestStore, RedisDigestStore
from bot.store.suppressions import RedisSuppressions
from commands.approval_requests import post_request
from commands.suppress import write_suppression
from tests.digest_support import CampaignSlack, FakeAudits, FakePoster, finding, report
from tests.digest_support import campaign_account as mfa_account
from tests.fake_clock import Clock as SharedClock

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
RULES = ApprovalRules(approvers=People(frozenset({"UAPP"})), ttl_seconds=3600)
NOBODY = lambda _u, _g: False  # noqa: E731
DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
}
WIDE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:*", "ec2:*"], "Resource": "*"}],
}
NARROW = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
}
ANALYZER = "arn:aws:access-analyzer:us-east-1:123456789012:analyzer/external"


# --- shared fixtures -------------------------------------------------------------------------


class Clock(SharedClock[datetime]):
    """tests/fake_clock.py's clock starting at T0 when not told: the approval tests that import
    it from here call ``Clock()``."""

    def __init__(self, now: datetime = T0) -> None:
        super().__init__(now)


@pytest.fixture
def rds(redis_under_prefix: tuple[redis.Redis, str]) -> tuple[redis.Redis, str]:
    """The suite's Redis under this test's own prefix (tests/conftest.py)."""
    return redis_under_prefix


class Counting:
    """A boto3 client (or fake) that records every mutating call it forwards."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.sent: list[str] = []

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._client, name)
        if not callable(real) or name.startswith(("get_", "list_", "can_")):
            return real

        def call(*args: Any, **kwargs: Any) -> Any:
            self.sent.append(name)
            return real(*args, **kwargs)

        return call


class FakeAnalyzer:
    """The two Access Analyzer APIs the archive path uses (moto has no UpdateFindings)."""

    def __init__(self) -> None:
        self.status = "ACTIVE"

    def get_finding_v2(self, *, analyzerArn: str, id: str) -> dict[str, Any]:
        assert analyzerArn == ANALYZER
        return {
            "id": id,
            "status": self.status,
            "resource": "arn:aws:s3:::shared-bucket",
            "findingType": "ExternalAccess",
            "ResponseMetadata": {"RequestId": "get-1"},
        }

    def update_findings(self, **kwargs: Any) -> dict[str, Any]:
        self.status = kwargs["status"]
        return {"ResponseMetadata": {"RequestId": "upd-1"}}


@pytest.fixture
def aws() -> Iterator[SimpleNamespace]:
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        iam = session.client("iam")
        iam.create_user(UserName="bob")
        ro = iam.create_policy(PolicyName="ro", PolicyDocument=json.dumps(DOC))["Policy"]["Arn"]
        iam.create_role(
            RoleName="worker",
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "ec2.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )
        app = iam.create_policy(PolicyName="app", PolicyDocument=json.dumps(WIDE))["Policy"]["Arn"]
        iam.attach_role_policy(RoleName="worker", PolicyArn=app)
        yield SimpleNamespace(
            session=session,
            iam=Counting(iam),
            analyzer=Counting(FakeAnalyzer()),
            ro_arn=ro,
            app_arn=app,
        )


def make_desk(aws: SimpleNamespace, rds: tuple[redis.Redis, str], clock: Clock) -> ApprovalDesk:
    clients = {"iam": aws.iam, "accessanalyzer": aws.analyzer}
    executor = RemediationExecutor(
        aws.session,
        client_factory=lambda service, _region: (
            clients.get(service) or aws.session.client(service, region_name="us-east-1")
        ),
    )
    desk = build_approval_desk(Settings(), clock=clock, executor=lambda: executor, rules=RULES)
    client, prefix = rds
    desk.store = RedisApprovalStore(client, prefix=prefix)
    desk.trail = RedisAuditLog(client, prefix=prefix)
    return desk


def approved(desk: ApprovalDesk, remediation: str, params: dict[str, Any]) -> str:
    request = desk.propose(
        requester="UREQ", remediation=remediation, params=params, is_member=NOBODY
    )
    desk.approve(request.id, approver="UAPP", is_member=NOBODY)
    return request.id


def attached(aws: SimpleNamespace) -> list[str]:
    found = aws.session.client("iam").list_attached_user_policies(UserName="bob")
    return sorted(p["PolicyName"] for p in found["AttachedPolicies"])


def trail_kinds(desk: ApprovalDesk, request_id: str) -> list[str]:
    return [e.kind for e in reversed(desk.trail.last(100)) if e.request_id == request_id]


class Fault:
    """Makes one store/trail write of the desk fail, once, where ``matches`` says."""

    def __init__(
        self, desk: ApprovalDesk, where: str, matches: Callable[..., bool], error: Exception
    ) -> None:
        self.fired = 0
        target = desk.trail if where == "trail.append" else desk.store
        method = where.split(".")[1]
        original = getattr(target, method)

        def faulty(*args: Any, **kwargs: Any) -> Any:
            if not self.fired and matches(*args, **kwargs):
                self.fired += 1
                raise error
            return original(*args, **kwargs)

        setattr(target, method, faulty)


def _trail_kind(kind: str) -> Callable[..., bool]:
    return lambda entry: entry.kind == kind


def _journal(side: str, api: str) -> Callable[..., bool]:
    return lambda _rid, **kw: (kw.get(side) or {}).get("api") == api


def _final_move(_rid: str, to: State, **_kw: Any) -> bool:
    return to in (State.APPLIED, State.FAILED)


REDIS_DOWN = StoreError("the state store (Redis) failed: Connection refused")

# (id, where, matches, state the reconciler must reach, policy attached in the end)
ATTACH_POINTS = [
    ("before-apply-recorded", "trail.append", _trail_kind("apply"), State.FAILED, False),
    (
        "before-aws-call",
        "store.journal",
        _journal("sending", "AttachUserPolicy"),
        State.FAILED,
        False,
    ),
    (
        "after-aws-call-before-record",
        "store.journal",
        _journal("result", "AttachUserPolicy"),
        State.APPLIED,
        True,
    ),
    ("after-record-before-trail", "trail.append", _trail_kind("aws_call"), State.APPLIED, True),
    ("after-trail-before-final-state", "store.transition", _final_move, State.APPLIED, True),
]


# --- approval apply: attach a policy by ARN ----------------------------------------------------


@pytest.mark.parametrize(
    ("where", "matches", "final", "in_iam"),
    [p[1:] for p in ATTACH_POINTS],
    ids=[p[0] for p in ATTACH_POINTS],
)
def test_attach_interrupted_at_each_step_is_finished_once_from_iam(
    aws, rds, where, matches, final, in_iam
) -> None:
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request_id = approved(
        desk,
        "attach_policy",
        {"target_kind": "user", "target_name": "bob", "policy_arn": aws.ro_arn, "source": "arn"},
    )
    fault = Fault(desk, where, matches, REDIS_DOWN)

    with pytest.raises(IamAuditError) as raised:  # a sentence for the user, never a bare bug
        desk.apply(request_id)
    assert fault.fired == 1
    assert "Traceback" not in str(raised.value)
    assert desk.get(request_id).state is State.APPLYING  # left for the reconciler
    sent_before = aws.iam.sent.count("attach_user_policy")
    assert sent_before == (1 if in_iam else 0)  # an intent not stored is never sent

    with pytest.raises(TransitionRefused):  # a retry (second click, second replica) runs nothing
        desk.apply(request_id)

    told: list[Any] = []
    finished = desk.reconcile(stale_after=timedelta(0), notify=told.append)
    assert [r.state for r in finished] == [final]
    assert told == finished  # Slack is told once
    assert attached(aws) == (["ro"] if in_iam else [])
    assert aws.iam.sent.count("attach_user_policy") == sent_before  # nothing sent twice
    assert desk.reconcile(stale_after=timedelta(0)) == []  # finished once
    assert trail_kinds(desk, request_id)[-2:] == ["reconciled", "result"]
    assert desk.get(request_id).in_flight == {}


def test_custom_policy_created_but_its_record_lost_is_partly_applied_never_created_twice(
    aws, rds
) -> None:
    """CreatePolicy reached IAM, its answer was not stored: the reconciler finds the policy
    (tagged with the request id), calls it partly applied and offers to delete it."""
    desk = make_desk(aws, rds, Clock())
    request_id = approved(
        desk,
        "attach_policy",
        {"target_kind": "user", "target_name": "bob", "document": DOC, "policy_name": "custom"},
    )
    Fault(desk, "store.journal", _journal("result", "CreatePolicy"), REDIS_DOWN)
    with pytest.raises(ApplyInterrupted):
        desk.apply(request_id)
    finished = desk.reconcile(stale_after=timedelta(0))
    assert [r.state for r in finished] == [State.PARTLY_APPLIED]
    assert "(the answer to CreatePolicy was lost)" in finished[0].outcome
    assert finished[0].undo_change["remediation"] == "delete_policy"
    assert aws.iam.sent.count("create_policy") == 1
    assert aws.iam.sent.count("attach_user_policy") == 0
    assert attached(aws) == []


def test_a_bug_after_the_aws_call_returned_still_ends_in_iams_real_state(aws, rds) -> None:
    desk = make_desk(aws, rds, Clock())
    request_id = approved(
        desk,
        "attach_policy",
        {"target_kind": "user", "target_name": "bob", "policy_arn": aws.ro_arn, "source": "arn"},
    )
    Fault(desk, "store.journal", _journal("result", "AttachUserPolicy"), KeyError("ts"))
    with pytest.raises(KeyError):
        desk.apply(request_id)
    assert attached(aws) == ["ro"]  # the change is in IAM
    desk.reconcile(stale_after=timedelta(0))
    assert desk.get(request_id).state is State.APPLIED


def test_a_lost_result_entry_of_the_trail_is_written_on_recovery(aws, rds) -> None:
    desk = make_desk(aws, rds, Clock())
    request_id = approved(
        desk,
        "attach_policy",
        {"target_kind": "user", "target_name": "bob", "policy_arn": aws.ro_arn, "source": "arn"},
    )
    Fault(desk, "trail.append", _trail_kind("result"), REDIS_DOWN)
    assert desk.apply(request_id).state is State.APPLIED  # the lost entry is logged, not raised
    assert desk.get(request_id).state is State.APPLIED
    assert aws.iam.sent.count("attach_user_policy") == 1
    desk.reconcile(stale_after=timedelta(0))
    assert "result" in trail_kinds(desk, request_id)


def test_a_bug_before_any_aws_call_still_fails_the_request_at_once(aws, rds) -> None:
    desk = make_desk(aws, rds, Clock())
    request_id = approved(
        desk,
        "attach_policy",
        {"target_kind": "user", "target_name": "bob", "policy_arn": aws.ro_arn, "source": "arn"},
    )
    Fault(desk, "store.journal", _journal("sending", "AttachUserPolicy"), KeyError("ts"))
    with pytest.raises(KeyError):
        desk.apply(request_id)
    final = desk.get(request_id)
    assert final.state is State.FAILED  # nothing was sent, so nothing is left to reconcile
    assert final.outcome == "Failed unexpectedly: KeyError"
    assert attached(aws) == []
    assert trail_kinds(desk, request_id)[-1] == "result"


def test_a_lost_result_entry_is_written_once_when_settled_and_slack_is_told(aws, rds) -> None:
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request_id = approved(
        desk,
        "attach_policy",
        {"target_kind": "user", "target_name": "bob", "policy_arn": aws.ro_arn, "source": "arn"},
    )
    Fault(desk, "trail.append", _trail_kind("result"), REDIS_DOWN)
    desk.apply(request_id)  # applied; its lost `result` entry is logged, not raised
    told: list[Any] = []
    assert desk.reconcile(notify=told.append) == []  # its applier may still be writing it
    clock.now += timedelta(minutes=11)
    finished = desk.reconcile(notify=told.append)
    assert [(r.id, r.state) for r in finished] == [(request_id, State.APPLIED)]
    assert told == finished  # the crashed apply never updated Slack
    assert desk.reconcile(notify=told.append) == []
    assert trail_kinds(desk, request_id).count("result") == 1
    result = next(e for e in desk.trail.last(100) if e.kind == "result")
    assert result.data["recovered"] is True
    assert result.data["outcome"] == "Applied: attach it to user bob."


# --- the ends without an apply: rejection, withdrawal, the bot's withdrawal ---------------------


def proposed(desk: ApprovalDesk, aws: SimpleNamespace, **kwargs: Any) -> str:
    params = {"target_kind": "user", "target_name": "bob", "policy_arn": aws.ro_arn}
    return desk.propose(
        requester="UREQ", remediation="attach_policy", params=params, is_member=NOBODY, **kwargs
    ).id


def last_words(desk: ApprovalDesk, request_id: str) -> list[Any]:
    """The entries that end the request: `result`, or the `decision` of a rejection/withdrawal."""
    return [
        e
        for e in desk.trail.export()
        if e.request_id == request_id
        and (e.kind == "result" or (e.kind == "decision" and e.data.get("state") != "approved"))
    ]


@pytest.mark.parametrize(
    ("user", "state"),
    [("UAPP", State.REJECTED), ("UREQ", State.CANCELLED)],
    ids=["rejected", "withdrawn"],
)
def test_a_rejection_whose_decision_entry_was_lost_is_written_by_the_next_round(
    aws, rds, user: str, state: State
) -> None:
    """The trail fails right after the rejection is stored. It used to raise to the person
    ('Redis is unreachable; try again') though the rejection stood, and the trail's last word
    stayed 'request' for good. Now the rejection is answered as done and the next round writes
    its `decision` (the person's, marked recovered)."""
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request_id = proposed(desk, aws)
    fault = Fault(desk, "trail.append", _trail_kind("decision"), REDIS_DOWN)
    decided = desk.reject(request_id, user=user, reason="not now", is_member=NOBODY)
    assert fault.fired == 1
    assert decided.state is state
    assert last_words(desk, request_id) == []
    assert [r.id for r in desk.store.unrecorded()] == [request_id]
    assert desk.reconcile() == []  # its decider may still be writing it
    clock.now += timedelta(minutes=11)
    assert [(r.id, r.state) for r in desk.reconcile()] == [(request_id, state)]
    [entry] = last_words(desk, request_id)
    assert (entry.kind, entry.actor) == ("decision", user)
    assert entry.data["state"] == state.value
    assert entry.data["reason"] == "not now"
    assert entry.data["recovered"] is True
    assert desk.store.unrecorded() == []
    assert desk.reconcile() == []
    assert len(last_words(desk, request_id)) == 1


@pytest.mark.parametrize("state", [State.REJECTED, State.CANCELLED])
def test_a_crash_between_a_rejection_and_its_entry_is_repaired(aws, rds, state: State) -> None:
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request_id = proposed(desk, aws)
    desk.store.transition(request_id, state, actor="UAPP", now=clock.now, reason="no")  # crash
    clock.now += timedelta(minutes=11)
    assert [r.id for r in desk.reconcile()] == [request_id]
    [entry] = last_words(desk, request_id)
    assert (entry.kind, entry.actor, entry.data["state"]) == ("decision", "UAPP", state.value)
    assert entry.data["recovered"] is True


def test_a_normal_rejection_writes_one_decision_and_leaves_nothing_to_repair(aws, rds) -> None:
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request_id = proposed(desk, aws)
    desk.reject(request_id, user="UAPP", reason="no", is_member=NOBODY)
    assert desk.store.unrecorded() == []
    clock.now += timedelta(hours=3)
    assert desk.reconcile() == []
    assert trail_kinds(desk, request_id) == ["request", "decision"]


class _UnpostableDelivery:
    def post(self, channel: str, message: dict[str, Any], thread_ts: str | None = None) -> str:
        raise DeliveryError("Slack refused chat_postMessage: not_in_channel")


def test_a_request_the_bot_withdraws_has_its_decision_in_the_trail(aws, rds) -> None:
    """The request's message could not be posted, so the bot cancels it. It used to leave no
    entry: the trail showed a request that was never decided nor expired."""
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request_id = proposed(desk, aws, origin_channel="C0NOPE")
    services = SimpleNamespace(approvals=desk, delivery=_UnpostableDelivery())
    with pytest.raises(IamAuditError, match="invite me there"):
        post_request(services, desk.get(request_id))  # type: ignore[arg-type]
    assert desk.get(request_id).state is State.CANCELLED
    [entry] = last_words(desk, request_id)
    assert (entry.kind, entry.actor, entry.data["state"]) == ("decision", "bot", "cancelled")
    assert "not_in_channel" in entry.data["reason"]
    assert desk.store.unrecorded() == []
    clock.now += timedelta(hours=3)
    assert desk.reconcile() == []
    assert len(last_words(desk, request_id)) == 1


@pytest.mark.parametrize("kind", ["reconciled", "result"])
def test_a_partly_applied_end_whose_entries_were_lost_is_written_by_a_later_round(
    aws, rds, kind: str
) -> None:
    """The reconciler finishes an interrupted custom-policy apply as partly applied and the trail
    fails at its `reconciled` or `result` entry: a later round writes the `result` once."""
    clock = Clock()
    desk = make_desk(aws, rds, clock)
    request_id = approved(
        desk,
        "attach_policy",
        {"target_kind": "user", "target_name": "bob", "document": DOC, "policy_name": "p"},
    )
    Fault(desk, "store.journal", _journal("sending", "AttachUserPolicy"), REDIS_DOWN)
    with pytest.raises(ApplyInterrupted):
        desk.apply(request_id)
    clock.now += timedelta(minutes=11)
    Fault(desk, "trail.append", _trail_kind(kind), REDIS_DOWN)
    assert desk.reconcile() == []  # the trail failed: Slack not told yet
    assert desk.get(request_id).state is State.PARTLY_APPLIED
    assert last_words(desk, request_id) == []
    clock.now += timedelta(minutes=11)
    assert [(r.id, r.state) for r in desk.reconcile()] == [(request_id, State.PARTLY_APPLIED)]
    [entry] = last_words(desk, request_id)
    assert entry.data["state"] == "partly_applied"
    assert entry.data["recovered"] is True
    assert desk.reconcile() == []


# --- right-sizing apply ------------------------------------------------------------------------


def rightsize_params(aws: SimpleNamespace) -> dict[str, Any]:
    return {
        "target_kind": "role",
        "target_name": "worker",
        "days": 90,
        "proof": {"holds": True},
        "edits": [
            {
                "kind": "managed",
                "name": "app",
                "arn": aws.app_arn,
                "old_version": "v1",
                "old_document": WIDE,
                "new_document": NARROW,
            }
        ],
    }


def versions(aws: SimpleNamespace) -> list[str]:
    found = aws.session.client("iam").list_policy_versions(PolicyArn=aws.app_arn)["Versions"]
    return sorted(v["VersionId"] for v in found)


def test_interrupted_rightsize_is_not_run_twice_by_a_retry(aws, rds) -> None:
    desk = make_desk(aws, rds, Clock())
    request_id = approved(desk, "rightsize_principal", rightsize_params(aws))
    Fault(desk, "store.journal", _journal("result", "CreatePolicyVersion"), REDIS_DOWN)
    with pytest.raises(ApplyInterrupted):
        desk.apply(request_id)
    with pytest.raises(TransitionRefused):
        desk.apply(request_id)
    assert aws.iam.sent.count("create_policy_version") == 1
    assert versions(aws) == ["v1", "v2"]


def test_interrupted_rightsize_is_reconciled_from_iam(aws, rds) -> None:
    desk = make_desk(aws, rds, Clock())
    request_id = approved(desk, "rightsize_principal", rightsize_params(aws))
    Fault(desk, "store.journal", _journal("result", "CreatePolicyVersion"), REDIS_DOWN)
    with pytest.raises(ApplyInterrupted):
        desk.apply(request_id)
    finished = desk.reconcile(stale_after=timedelta(0))
    assert [r.state for r in finished] == [State.APPLIED]  # the new default is in IAM
    assert desk.store.applying() == []


INLINE_EDIT = {"kind": "inline", "name": "tasks", "arn": "", "old_document": WIDE}


def role_inline(aws: SimpleNamespace) -> dict[str, Any] | None:
    iam = aws.session.client("iam")
    if "tasks" not in iam.list_role_policies(RoleName="worker")["PolicyNames"]:
        return None
    return iam.get_role_policy(RoleName="worker", PolicyName="tasks")["PolicyDocument"]


@pytest.mark.parametrize(
    ("new_inline", "where", "api", "final", "inline_after"),
    [
        (NARROW, "result", "PutRolePolicy", State.APPLIED, NARROW),
        (NARROW, "sending", "PutRolePolicy", State.PARTLY_APPLIED, WIDE),
        (None, "result", "DeleteRolePolicy", State.APPLIED, None),
        (None, "sending", "DeleteRolePolicy", State.PARTLY_APPLIED, WIDE),
    ],
    ids=["put-answer-lost", "put-never-sent", "delete-answer-lost", "delete-never-sent"],
)
def test_interrupted_two_policy_rightsize_is_judged_edit_by_edit_from_iam(
    aws, rds, new_inline, where, api, final, inline_after
) -> None:
    """A new managed version and an inline edit: applied only when both hold in IAM; with the
    first alone in IAM the request is partly applied and says which call holds."""
    aws.session.client("iam").put_role_policy(
        RoleName="worker", PolicyName="tasks", PolicyDocument=json.dumps(WIDE)
    )
    params = rightsize_params(aws)
    params["edits"].append({**INLINE_EDIT, "new_document": new_inline})
    desk = make_desk(aws, rds, Clock())
    request_id = approved(desk, "rightsize_principal", params)
    Fault(desk, "store.journal", _journal(where, api), REDIS_DOWN)
    with pytest.raises(ApplyInterrupted):
        desk.apply(request_id)
    finished = desk.reconcile(stale_after=timedelta(0))
    assert [r.state for r in finished] == [final]
    assert role_inline(aws) == inline_after
    if final is State.PARTLY_APPLIED:
        assert "In effect now: CreatePolicyVersion" in finished[0].outcome
    assert aws.iam.sent.count("create_policy_version") == 1  # nothing sent twice
    assert desk.reconcile(stale_after=timedelta(0)) == []


def test_interrupted_restore_of_a_rightsizing_is_reconciled_from_iam(aws, rds) -> None:
    """The undo (restore_rightsized_policies) sets the old version default again."""
    desk = make_desk(aws, rds, Clock())
    request_id = approved(desk, "rightsize_principal", rightsize_params(aws))
    assert desk.apply(request_id).state is State.APPLIED
    undo = desk.propose_undo(requester="UREQ", request_id=request_id, is_member=NOBODY)
    desk.approve(undo.id, approver="UAPP", is_member=NOBODY)
    Fault(desk, "store.journal", _journal("result", "SetDefaultPolicyVersion"), REDIS_DOWN)
    with pytest.raises(ApplyInterrupted):
        desk.apply(undo.id)
    finished = desk.reconcile(stale_after=timedelta(0))
    assert [(r.id, r.state) for r in finished] == [(undo.id, State.APPLIED)]
    policy = aws.session.client("iam").get_policy(PolicyArn=aws.app_arn)["Policy"]
    assert policy["DefaultVersionId"] == "v1"


# --- Access Analyzer archive -------------------------------------------------------------------


ARCHIVE = {
    "analyzer_arn": ANALYZER,
    "finding_id": "f-123",
    "reason": "shared on purpose with the auditors",
    "resource": "arn:aws:s3:::shared-bucket",
    "finding_type": "ExternalAccess",
}


@pytest.mark.parametrize(
    ("side", "final", "status"),
    [("sending", State.FAILED, "ACTIVE"), ("result", State.APPLIED, "ARCHIVED")],
    ids=["before-update-findings", "after-update-findings-before-record"],
)
def test_interrupted_archive_is_reconciled_from_access_analyzer(
    aws, rds, side, final, status
) -> None:
    desk = make_desk(aws, rds, Clock())
    request_id = approved(desk, "archive_finding", ARCHIVE)
    Fault(desk, "store.journal", _journal(side, "UpdateFindings"), REDIS_DOWN)
    with pytest.raises(ApplyInterrupted, match="finishes it"):
        desk.apply(request_id)
    with pytest.raises(TransitionRefused):
        desk.apply(request_id)
    finished = desk.reconcile(stale_after=timedelta(0))
    assert [r.state for r in finished] == [final]
    assert aws.analyzer._client.status == status
    assert aws.analyzer.sent.count("update_findings") == (1 if status == "ARCHIVED" else 0)
    if final is State.APPLIED:  # the undo (re-activate) is offered like after a live apply
        assert desk.propose_undo(
            requester="UREQ", request_id=request_id, is_member=NOBODY
        ).remediation == ("unarchive_finding")


# --- suppression approved from Slack (a change the bot records itself) -------------------------


def suppress_request(desk: ApprovalDesk) -> str:
    params = {
        "check": "user.console_without_mfa",
        "resource": "arn:aws:iam::123456789012:user/bob",
        "reason": "break-glass user",
        "expires": "2026-12-31",
    }
    request = desk.propose_recorded_change(
        requester="UREQ",
        change=SUPPRESS_CHANGE,
        target=Target("finding", "user.console_without_mfa on bob"),
        params=params,
        summary="Suppress user.console_without_mfa on bob",
        steps=("Mute it",),
        undo="It ends on its own.",
        is_member=NOBODY,
    )
    desk.approve(request.id, approver="UAPP", is_member=NOBODY)
    return request.id


def test_suppression_written_then_crash_before_final_state_is_finished_once(aws, rds) -> None:
    client, prefix = rds
    desk = make_desk(aws, rds, Clock())
    services = SimpleNamespace(
        suppressions=RedisSuppressions(client, key=prefix + "suppressions"), clock=Clock()
    )
    request_id = suppress_request(desk)
    Fault(desk, "store.transition", _final_move, REDIS_DOWN)
    write = lambda request: write_suppression(services, request)  # noqa: E731
    with pytest.raises(StoreError):
        desk.apply_recorded_change(request_id, write)
    assert len(services.suppressions.all()) == 1  # written before the crash
    with pytest.raises(TransitionRefused):  # the second click writes nothing
        desk.apply_recorded_change(request_id, write)
    finished = desk.reconcile(stale_after=timedelta(0), recorded={SUPPRESS_CHANGE: write})
    assert [r.state for r in finished] == [State.APPLIED]
    assert "finished after an interruption" in finished[0].outcome
    stored = services.suppressions.all()
    assert [(s.check, s.request_id) for s in stored] == [("user.console_without_mfa", request_id)]


def test_suppression_store_down_during_the_write_is_finished_by_the_reconciler(aws, rds) -> None:
    """A store error may hide a write Redis kept (its reply lost): the request is not called
    "not applied" but stays applying, and the reconciler makes the idempotent write again once
    the store answers (it used to end FAILED while the suppression could be in effect)."""
    client, prefix = rds
    desk = make_desk(aws, rds, Clock())
    stored = RedisSuppressions(client, key=prefix + "suppressions")

    class Flaky:
        down = True

        def save(self, suppression: StoredSuppression) -> None:
            if self.down:
                raise StoreError("could not store the suppression in Redis: Connection refused")
            stored.save(suppression)

    flaky = Flaky()
    services = SimpleNamespace(suppressions=flaky, clock=Clock())
    request_id = suppress_request(desk)
    write = lambda r: write_suppression(services, r)  # noqa: E731
    with pytest.raises(ApplyInterrupted, match="stays 'applying'"):
        desk.apply_recorded_change(request_id, write)
    assert [r.id for r in desk.store.applying()] == [request_id]
    recorded = {SUPPRESS_CHANGE: write}
    assert desk.reconcile(stale_after=timedelta(0), recorded=recorded) == []  # still down
    assert [r.id for r in desk.store.applying()] == [request_id]
    flaky.down = False
    finished = desk.reconcile(stale_after=timedelta(0), recorded=recorded)
    assert [r.state for r in finished] == [State.APPLIED]
    assert [s.request_id for s in stored.all()] == [request_id]


# --- the morning digest ------------------------------------------------------------------------


def digest_runner(rds, poster: FakePoster, audits: Any = None) -> tuple[DigestRunner, Any]:
    client, prefix = rds
    store = RedisDigestStore(client, prefix=prefix)
    audits = audits or FakeAudits([report(finding())])
    runner = DigestRunner(accounts=[audits], store=store, poster=poster, clock=Clock())
    return runner, store


class FailingAudits(FakeAudits):
    def __init__(self) -> None:
        super().__init__([report(finding())])
        self.fail = True

    def run(self, progress, reuse_since, only=frozenset()):  # type: ignore[no-untyped-def]
        if self.fail:
            self.fail = False
            raise RuntimeError("collector bug")
        return super().run(progress, reuse_since, only)


@pytest.mark.parametrize("step", ["audit", "post"])
def test_digest_failing_before_anything_was_posted_is_posted_once_by_the_retry(rds, step) -> None:
    poster = FakePoster()
    audits = FailingAudits() if step == "audit" else None
    runner, store = digest_runner(rds, poster, audits)
    if step == "post":
        poster.fail_post = DeliveryError(
            "Slack refused chat_postMessage: channel_not_found", slack_error="channel_not_found"
        )
    with pytest.raises(Exception):  # noqa: B017,PT011 - the scheduler job logs it
        runner.run(channel="C0DIGEST", slot="2026-12-01T09:00Z")
    assert poster.messages == []
    assert store.slot_owner("C0DIGEST", "2026-12-01T09:00Z") is None  # given back
    poster.fail_post = None
    outcome = runner.run(channel="C0DIGEST", slot="2026-12-01T09:00Z")
    assert outcome.status == "posted"
    assert len(poster.messages) == 1
    again = runner.run(channel="C0DIGEST", slot="2026-12-01T09:00Z")  # a second replica
    assert again.status == "slot_taken"
    assert "posted as message" in again.sentence()
    assert len(poster.messages) == 1


def test_digest_attachments_failing_keep_the_one_digest_and_its_record(rds) -> None:
    poster = FakePoster(
        fail_attach=DeliveryError("Slack refused files: not_allowed", slack_error="not_allowed")
    )
    runner, store = digest_runner(rds, poster)
    outcome = runner.run(channel="C0DIGEST", slot="s1")
    assert outcome.status == "posted"
    assert "could not be attached" in outcome.sentence()
    assert store.posted_ts("C0DIGEST", "s1") == outcome.message_ts[0]
    assert store.last_report("acct") is not None  # the baseline moved
    assert runner.run(channel="C0DIGEST", slot="s1").status == "slot_taken"
    assert len(poster.messages) == 1


class BaselineDown(RedisDigestStore):
    def add_summary(self, account: str, summary: dict[str, Any]) -> None:
        raise StoreError("the state store (Redis) failed during save the digest history")


def _baseline_down_runner(rds) -> tuple[DigestRunner, FakePoster, BaselineDown]:
    client, prefix = rds
    store = BaselineDown(client, prefix=prefix)
    poster = FakePoster()
    runner = DigestRunner(
        accounts=[FakeAudits([report(finding())])], store=store, poster=poster, clock=Clock()
    )
    return runner, poster, store


def test_digest_posted_then_baseline_lost_is_not_posted_again(rds) -> None:
    runner, poster, _store = _baseline_down_runner(rds)
    with pytest.raises(StoreError):
        runner.run(channel="C0DIGEST", slot="s1")
    assert len(poster.messages) == 1
    assert runner.run(channel="C0DIGEST", slot="s1").status == "slot_taken"
    assert len(poster.messages) == 1


def test_digest_posted_then_baseline_lost_still_records_the_post(rds) -> None:
    runner, _poster, store = _baseline_down_runner(rds)
    with pytest.raises(StoreError):
        runner.run(channel="C0DIGEST", slot="s1")
    assert store.posted_ts("C0DIGEST", "s1") == "1700000000.000001"


def test_digest_whose_post_answer_was_lost_is_not_posted_twice_unmarked(rds) -> None:
    class LostAnswer(FakePoster):
        lose = True

        def post_message(self, channel: str, message: dict[str, Any]) -> str:
            ts = super().post_message(channel, message)
            if self.lose:
                self.lose = False
                raise DeliveryError("could not reach Slack for chat_postMessage: timed out")
            return ts

    poster = LostAnswer()
    runner, _store = digest_runner(rds, poster)
    with pytest.raises(DeliveryError):
        runner.run(channel="C0DIGEST", slot="s1")
    runner.run(channel="C0DIGEST", slot="s1")  # the retry
    unmarked = [m for _c, m in poster.messages if "retry" not in json.dumps(m).lower()]
    assert len(unmarked) == 1


class AnswerLost(FakePoster):
    """Slack gets the first post, but its answer is lost (or is an error that may have posted)."""

    def __init__(self, error: DeliveryError) -> None:
        super().__init__()
        self.error: DeliveryError | None = error

    def post_message(self, channel: str, message: dict[str, Any]) -> str:
        ts = super().post_message(channel, message)
        if self.error is not None:
            error, self.error = self.error, None
            raise error
        return ts


@pytest.mark.parametrize(
    "error",
    [
        "could not reach Slack for chat_postMessage: timed out",
        "Slack refused chat_postMessage: internal_error",  # Slack: it may have partly happened
    ],
)
def test_digest_whose_post_may_be_out_is_reposted_once_marked_as_a_retry(rds, error) -> None:
    poster = AnswerLost(DeliveryError(error))
    runner, store = digest_runner(rds, poster)
    with pytest.raises(DeliveryError):
        runner.run(channel="C0DIGEST", slot="s1")
    assert store.slot_owner("C0DIGEST", "s1") is None  # given back: the digest is never lost
    retry = runner.run(channel="C0DIGEST", slot="s1")
    assert retry.status == "posted"
    first, second = (m for _c, m in poster.messages)
    assert "retry" not in json.dumps(first).lower()
    assert second["text"].startswith("Retry: ")
    assert "may already be in this channel" in json.dumps(second["blocks"][:2])
    assert store.posted_ts("C0DIGEST", "s1") == retry.message_ts[0]
    again = runner.run(channel="C0DIGEST", slot="s1")  # recorded: nothing more goes out
    assert again.status == "slot_taken"
    assert f"posted as message {retry.message_ts[0]}" in again.sentence()
    assert len(poster.messages) == 2


def test_digest_refused_by_slack_is_reposted_without_a_retry_note(rds) -> None:
    poster = FakePoster(
        fail_post=DeliveryError(
            "Slack refused chat_postMessage: not_in_channel", slack_error="not_in_channel"
        )
    )
    runner, _store = digest_runner(rds, poster)
    with pytest.raises(DeliveryError):
        runner.run(channel="C0DIGEST", slot="s1")
    poster.fail_post = None
    assert runner.run(channel="C0DIGEST", slot="s1").status == "posted"
    assert ["retry" in json.dumps(m).lower() for _c, m in poster.messages] == [False]


class DoubtNotRecorded(RedisDigestStore):
    def mark_posted(self, channel: str, slot: str, ts: str, ttl_seconds: int) -> None:
        raise StoreError("the state store (Redis) failed during record the posted digest")


def test_digest_whose_doubt_cannot_be_recorded_keeps_the_slot(rds) -> None:
    """Unknown whether it is out and unable to say so: no retry may post a silent duplicate."""
    client, prefix = rds
    store = DoubtNotRecorded(client, prefix=prefix)
    poster = AnswerLost(DeliveryError("could not reach Slack for chat_postMessage: timed out"))
    runner = DigestRunner(
        accounts=[FakeAudits([report(finding())])], store=store, poster=poster, clock=Clock()
    )
    with pytest.raises(DeliveryError):
        runner.run(channel="C0DIGEST", slot="s1")
    assert runner.run(channel="C0DIGEST", slot="s1").status == "slot_taken"
    assert len(poster.messages) == 1


# --- the MFA campaign --------------------------------------------------------------------------

DEADLINE = datetime(2026, 12, 15, 9, 0, tzinfo=UTC)


class SaveFailsOnce(InMemoryDigestStore):
    """The campaign document cannot be saved once (Redis blip at the end of a run)."""

    def __init__(self, *, clock: Clock) -> None:
        super().__init__(clock=clock)
        self.fail_next_save = False

    def save_campaign(self, campaign: dict[str, Any]) -> None:
        if self.fail_next_save:
            self.fail_next_save = False
            raise StoreError("the state store (Redis) failed during save the MFA campaign")
        super().save_campaign(campaign)


def campaign(clock: Clock) -> tuple[MfaCampaignRunner, SaveFailsOnce, CampaignSlack]:
    store = SaveFailsOnce(clock=clock)
    slack = CampaignSlack()
    runner = MfaCampaignRunner(store=store, snapshot=mfa_account, poster=slack, clock=clock)
    runner.start(deadline=DEADLINE, owner="UOWNER", channel="C0SEC")
    return runner, store, slack


def test_campaign_dm_that_failed_is_sent_once_by_the_next_run() -> None:
    clock = Clock()
    runner, _store, slack = campaign(clock)
    slack.fail_for = {"UALICE"}
    first = runner.run()
    assert first.failed == ["alice"]
    slack.fail_for = set()
    clock.now += timedelta(hours=1)
    assert runner.run().sent == ["alice"]
    clock.now += timedelta(hours=1)
    assert runner.run().sent == []
    assert [uid for uid, _ in slack.dms].count("UALICE") == 1
    assert runner.current().participants["alice"].messages == 1


def test_campaign_crash_after_dms_before_saving_sends_no_second_dm_at_once() -> None:
    clock = Clock()
    runner, store, slack = campaign(clock)
    store.fail_next_save = True
    with pytest.raises(StoreError):
        runner.run()
    assert sorted(uid for uid, _ in slack.dms) == ["UALICE", "UBOB"]
    clock.now += timedelta(hours=1)
    assert runner.run().sent == []  # the once-keys hold
    assert len(slack.dms) == 2


def test_campaign_crash_after_dms_keeps_the_record_and_never_reinvites() -> None:
    clock = Clock()
    runner, store, slack = campaign(clock)
    store.fail_next_save = True
    with pytest.raises(StoreError):
        runner.run()
    clock.now += timedelta(hours=1)
    runner.run()
    assert runner.current().participants["alice"].messages == 1
    clock.now = T0 + timedelta(days=3, hours=2)
    runner.run()
    alice = [json.dumps(m) for uid, m in slack.dms if uid == "UALICE"]
    assert len(alice) == 2
    assert "Reminder 1" in alice[1]


# --- the CLI: suppressions remove ----------------------------------------------------------------


def test_cli_suppression_remove_with_redis_down_then_twice_is_one_sentence_each(
    rds, redis_url, capsys
) -> None:
    client, prefix = rds
    key = prefix + "suppressions"
    store = RedisSuppressions(client, key=key)
    store.save(
        StoredSuppression(
            check="user.console_without_mfa",
            resource="arn:aws:iam::123456789012:user/bob",
            reason="r",
            expires=datetime(2026, 12, 31).date(),
            requested_by="UREQ",
            approved_by="UAPP",
            request_id="abc",
            approved_at=T0,
        )
    )
    args = ["suppressions", "remove", "user.console_without_mfa"]
    arn = "arn:aws:iam::123456789012:user/bob"
    assert main([*args, arn, "--redis-url", "redis://127.0.0.1:1/15"]) == 2
    err = capsys.readouterr().err
    assert "could not remove the suppression from Redis" in err
    assert "Traceback" not in err
    assert len(store.all()) == 1  # nothing half done
    assert store.remove("user.console_without_mfa", arn)  # the retry, on a working Redis
    unknown = f"crash.sweep.{uuid.uuid4().hex[:8]}"  # a field nobody else can hold
    assert main(["suppressions", "remove", unknown, arn, "--redis-url", redis_url]) == 2
    err = capsys.readouterr().err
    assert f"no suppression of {unknown}" in err
    assert "Traceback" not in err
