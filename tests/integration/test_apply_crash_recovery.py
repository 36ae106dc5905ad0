"""Crash-safe apply: a real redis-server (own port) killed mid-apply, moto IAM, reconciliation.

The approved change is journalled before each AWS call and as each call returns; a request left
`applying` is finished from IAM's real state (applied / partly applied / failed), with the trail
and the Slack message (here: the notify callback) brought up to date.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
import redis
from moto import mock_aws

from bot.approvals.desk import ApplyInterrupted, ApprovalDesk
from bot.approvals.model import State
from bot.approvals.rules import ApprovalRules, People
from bot.approvals.wiring import build_approval_desk
from bot.aws.remediate import RemediationExecutor
from bot.config.settings import Settings
from bot.store.approvals import RedisApprovalStore
from bot.store.audit_log import RedisAuditLog
from tests.fake_clock import Clock

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
RULES = ApprovalRules(approvers=People(frozenset({"UAPP"})), ttl_seconds=3600)
NOBODY = lambda _u, _g: False  # noqa: E731
DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
}


class RedisProcess:
    """A redis-server of the test's own, on a free port, that can be killed and restarted."""

    def __init__(self, directory: Path, *, persistent: bool) -> None:
        self.dir = directory
        self.persistent = persistent
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        persistence = (
            ["--appendonly", "yes", "--appendfsync", "always"]
            if self.persistent
            else ["--appendonly", "no"]
        )
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--dir",
                str(self.dir),
                *persistence,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
                return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()  # SIGKILL: no shutdown save, like a crashed container
        self.proc.wait(timeout=10)


@pytest.fixture(params=[True], ids=["aof"])
def server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[RedisProcess]:
    process = RedisProcess(tmp_path, persistent=request.param)
    process.start()
    yield process
    if process.proc is not None and process.proc.poll() is None:
        process.kill()


@pytest.fixture
def session() -> Iterator[boto3.Session]:
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        session.client("iam").create_user(UserName="bob")
        yield session


class Killed(BaseException):
    """The bot process dying mid-apply (not an Exception: nothing in the bot catches it)."""


class FaultyIam:
    """The real (moto) IAM client, with a fault injected around one API."""

    def __init__(self, client: Any, api: str, *, before: Any = None, after: Any = None) -> None:
        self._client, self._api, self._before, self._after = client, api, before, after

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._client, name)
        if name != self._api:
            return real

        def call(**kwargs: Any) -> Any:
            if self._before:
                self._before()
            response = real(**kwargs)
            if self._after:
                self._after()
            return response

        return call


def make_desk(session: boto3.Session, url: str, clock: Clock, iam: Any = None) -> ApprovalDesk:
    executor = RemediationExecutor(
        session,
        client_factory=(
            lambda service, _region: (
                iam
                if service == "iam" and iam
                else session.client(service, region_name="us-east-1")
            )
        ),
    )
    desk = build_approval_desk(Settings(), clock=clock, executor=lambda: executor, rules=RULES)
    client = redis.Redis.from_url(url, decode_responses=True, socket_connect_timeout=1)
    desk.store = RedisApprovalStore(client, prefix="crash:")
    desk.trail = RedisAuditLog(client, prefix="crash:")
    return desk


def approved_request(desk: ApprovalDesk, params: dict[str, Any]) -> str:
    request = desk.propose(
        requester="UREQ", remediation="attach_policy", params=params, is_member=NOBODY
    )
    desk.approve(request.id, approver="UAPP", is_member=NOBODY)
    return request.id


CUSTOM = {"target_kind": "user", "target_name": "bob", "document": DOC, "policy_name": "custom"}


def attached(session: boto3.Session) -> list[str]:
    found = session.client("iam").list_attached_user_policies(UserName="bob")
    return [p["PolicyName"] for p in found["AttachedPolicies"]]


def test_redis_killed_while_attach_is_in_flight_is_reconciled_as_applied(
    server: RedisProcess, session: boto3.Session
) -> None:
    """The issue's case: AttachUserPolicy reaches AWS, Redis dies before its answer is stored."""
    clock = Clock(T0)
    iam = FaultyIam(session.client("iam"), "attach_user_policy", before=server.kill)
    desk = make_desk(session, server.url, clock, iam)
    request_id = approved_request(desk, CUSTOM)

    with pytest.raises(ApplyInterrupted, match="finishes it"):
        desk.apply(request_id)
    assert attached(session)[0].startswith("iam-audit-custom-")  # the change is in AWS

    server.start()  # same AOF directory: what was fsynced comes back
    stranded = desk.get(request_id)
    assert stranded.state is State.APPLYING
    assert stranded.in_flight["api"] == "AttachUserPolicy"  # the intent was written ahead
    assert [c["api"] for c in stranded.calls][-1] == "CreatePolicy"

    told: list[Any] = []
    assert desk.reconcile(notify=told.append) == []  # a live apply may still be working
    clock.now += timedelta(minutes=11)
    finished = desk.reconcile(notify=told.append)

    assert [r.state for r in finished] == [State.APPLIED]
    assert "AttachUserPolicy was lost" in finished[0].outcome
    assert told == finished
    kinds = [e.kind for e in reversed(desk.trail.last(30)) if e.request_id == request_id]
    assert kinds[-2:] == ["reconciled", "result"]
    reconciled = next(e for e in desk.trail.last(30) if e.kind == "reconciled")
    assert {"api": "AttachUserPolicy", "in_iam_now": True} in reconciled.data["checked"]
    assert desk.reconcile(stale_after=timedelta(0)) == []  # finished once


def test_redis_killed_before_the_attach_is_sent_is_reconciled_as_partly_applied(
    server: RedisProcess, session: boto3.Session
) -> None:
    """The policy was created, the attach intent could not be written, so it was never sent."""
    clock = Clock(T0)
    sent: list[str] = []
    iam = FaultyIam(session.client("iam"), "attach_user_policy", before=lambda: sent.append("x"))
    desk = make_desk(session, server.url, clock, iam)
    request_id = approved_request(desk, CUSTOM)
    original = desk.store.journal

    def journal(rid: str, **kw: Any) -> Any:
        if (kw.get("sending") or {}).get("api") == "AttachUserPolicy":
            server.kill()
        return original(rid, **kw)

    desk.store.journal = journal  # type: ignore[method-assign]
    with pytest.raises(ApplyInterrupted):
        desk.apply(request_id)
    assert sent == []  # a call whose intent was not stored is not sent
    assert attached(session) == []

    server.start()
    desk.store.journal = original  # type: ignore[method-assign]
    finished = desk.reconcile(stale_after=timedelta(0))
    assert [r.state for r in finished] == [State.PARTLY_APPLIED]
    assert "CreatePolicy (PolicyName=iam-audit-custom-" in finished[0].outcome
    assert "Partly applied" in finished[0].outcome

    # Undo is offered: a new request, approved like any other, deletes the unattached policy.
    assert finished[0].undo_change["remediation"] == "delete_policy"
    undo = desk.propose_undo(requester="UREQ", request_id=request_id, is_member=NOBODY)
    assert undo.remediation == "delete_policy"
    assert undo.undo_of == request_id
    desk.approve(undo.id, approver="UAPP", is_member=NOBODY)
    assert desk.apply(undo.id).state is State.APPLIED
    local = session.client("iam").list_policies(Scope="Local")["Policies"]
    assert [p["PolicyName"] for p in local if p["PolicyName"].startswith("iam-audit-")] == []


def test_bot_killed_after_the_call_returned_is_reconciled_from_iam(
    server: RedisProcess, session: boto3.Session
) -> None:
    """A replica dies between AWS's answer and its record; another replica finishes it."""
    iam_client = session.client("iam")
    arn = iam_client.create_policy(PolicyName="ro", PolicyDocument=json.dumps(DOC))["Policy"]["Arn"]

    def die() -> None:
        raise Killed

    clock = Clock(T0)
    first = make_desk(
        session, server.url, clock, FaultyIam(iam_client, "attach_user_policy", after=die)
    )
    request_id = approved_request(
        first, {"target_kind": "user", "target_name": "bob", "policy_arn": arn, "source": "arn"}
    )
    with pytest.raises(Killed):
        first.apply(request_id)

    second = make_desk(session, server.url, clock)  # another replica, healthy
    clock.now += timedelta(minutes=11)
    finished = second.reconcile()
    assert [r.state for r in finished] == [State.APPLIED]
    assert attached(session) == ["ro"]


def test_interrupted_before_any_change_is_reconciled_as_failed(
    server: RedisProcess, session: boto3.Session
) -> None:
    """Killed while the intent of the only call is written: IAM shows nothing, so: failed."""
    iam_client = session.client("iam")
    arn = iam_client.create_policy(PolicyName="ro", PolicyDocument=json.dumps(DOC))["Policy"]["Arn"]
    clock = Clock(T0)
    desk = make_desk(session, server.url, clock)
    request_id = approved_request(
        desk, {"target_kind": "user", "target_name": "bob", "policy_arn": arn, "source": "arn"}
    )
    original = desk.store.journal

    def journal(rid: str, **kw: Any) -> Any:
        server.kill()
        return original(rid, **kw)

    desk.store.journal = journal  # type: ignore[method-assign]
    with pytest.raises(ApplyInterrupted):
        desk.apply(request_id)
    server.start()
    desk.store.journal = original  # type: ignore[method-assign]
    finished = desk.reconcile(stale_after=timedelta(0))
    assert [r.state for r in finished] == [State.FAILED]
    assert "IAM shows no change" in finished[0].outcome
    assert attached(session) == []


def test_without_persistence_a_restart_forgets_the_request_but_aws_keeps_the_tag(
    tmp_path: Path, session: boto3.Session
) -> None:
    """What docs/deploy.md says is lost without AOF: the request and trail; AWS keeps the change,
    and a created policy carries the request id as a tag, so it can be found by hand."""
    server = RedisProcess(tmp_path, persistent=False)
    server.start()
    try:
        clock = Clock(T0)
        iam = FaultyIam(session.client("iam"), "attach_user_policy", after=server.kill)
        desk = make_desk(session, server.url, clock, iam)
        request_id = approved_request(desk, CUSTOM)
        with pytest.raises(ApplyInterrupted):
            desk.apply(request_id)
        server.start()
        assert desk.store.applying() == []
        assert desk.reconcile(stale_after=timedelta(0)) == []
        client = session.client("iam")
        policy = client.list_attached_user_policies(UserName="bob")["AttachedPolicies"][0]
        tags = client.list_policy_tags(PolicyArn=policy["PolicyArn"])["Tags"]
        assert {"Key": "iam-audit:request-id", "Value": request_id} in tags
    finally:
        if server.proc is not None and server.proc.poll() is None:
            server.kill()
