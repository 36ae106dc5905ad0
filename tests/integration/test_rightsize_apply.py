"""Applying right-sizings against moto: what changed since the approval is never overwritten,
IAM's five-version quota is respected, and a failed step rolls the earlier ones back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import boto3
import pytest
from moto import mock_aws

from bot.aws.remediate import RemediationExecutor

WIDE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:*", "ec2:*"], "Resource": "*"}],
}
NARROW = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
}


@pytest.fixture
def iam() -> Iterator[tuple[boto3.Session, str]]:
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        client = session.client("iam")
        client.create_role(
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
        arn = client.create_policy(PolicyName="app", PolicyDocument=json.dumps(WIDE))["Policy"][
            "Arn"
        ]
        client.attach_role_policy(RoleName="worker", PolicyArn=arn)
        client.put_role_policy(
            RoleName="worker", PolicyName="inline", PolicyDocument=json.dumps(WIDE)
        )
        yield session, arn


def params(arn: str, *, version: str = "v1", inline_old: dict = WIDE) -> dict:
    return {
        "target_kind": "role",
        "target_name": "worker",
        "edits": [
            {
                "kind": "managed",
                "name": "app",
                "arn": arn,
                "old_version": version,
                "old_document": WIDE,
                "new_document": NARROW,
            },
            {
                "kind": "inline",
                "name": "inline",
                "arn": "",
                "old_document": inline_old,
                "new_document": NARROW,
            },
        ],
    }


def apply(session: boto3.Session, remediation: str, p: dict):
    return RemediationExecutor(session).apply(
        remediation, p, request_id="R1", requester="U1", approver="U2"
    )


def default_version(session: boto3.Session, arn: str) -> str:
    return session.client("iam").get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]


def test_a_policy_changed_since_the_request_is_not_overwritten(iam) -> None:
    session, arn = iam
    session.client("iam").create_policy_version(
        PolicyArn=arn, PolicyDocument=json.dumps(NARROW), SetAsDefault=True
    )
    result = apply(session, "rightsize_principal", params(arn))
    assert not result.ok
    assert "changed since the request" in result.outcome
    assert default_version(session, arn) == "v2"  # the other person's change stands


def test_an_inline_policy_changed_since_the_request_is_refused_before_any_change(iam) -> None:
    """Every policy is checked before the first change: the managed policy earlier in the
    request gets no new version that a rollback would have to delete again."""
    session, arn = iam
    result = apply(session, "rightsize_principal", params(arn, inline_old=NARROW))
    assert not result.ok
    assert "inline policy inline of role worker changed" in result.outcome
    assert default_version(session, arn) == "v1"
    versions = session.client("iam").list_policy_versions(PolicyArn=arn)["Versions"]
    assert [v["VersionId"] for v in versions] == ["v1"]
    assert [c.api for c in result.calls if not c.api.startswith("Get")] == ["ListPolicyVersions"]
    assert not result.rolled_back


def test_the_five_version_quota_is_refused_with_the_fix(iam) -> None:
    session, arn = iam
    client = session.client("iam")
    for _ in range(4):
        client.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(WIDE))
    result = apply(session, "rightsize_principal", params(arn))
    assert not result.ok
    assert "already has 5 versions" in result.outcome
    assert "DeletePolicyVersion" in result.outcome


def test_apply_then_restore_round_trips(iam) -> None:
    session, arn = iam
    assert apply(session, "rightsize_principal", params(arn)).ok
    assert default_version(session, arn) == "v2"
    assert apply(session, "restore_rightsized_policies", params(arn)).ok
    assert default_version(session, arn) == "v1"
    inline = session.client("iam").get_role_policy(RoleName="worker", PolicyName="inline")
    assert inline["PolicyDocument"] == WIDE


MUTATING = ("Create", "Put", "Attach", "Detach", "Delete", "Set", "Update", "Tag")


def changes_sent(result) -> list[str]:
    return [c.api for c in result.calls if c.api.startswith(MUTATING)]


def actions(count: int, prefix: str = "s3:GetObject") -> list[str]:
    return [f"{prefix}{i:05d}" for i in range(count)]


def managed_edit(arn: str, name: str, *, version: str = "v1", new: dict | None = NARROW) -> dict:
    return {
        "kind": "managed",
        "name": name,
        "arn": arn,
        "old_version": version,
        "old_document": WIDE,
        "new_document": new,
    }


def test_a_later_policy_at_the_version_quota_is_refused_before_any_change(iam) -> None:
    """The quota of the second policy is known before the first one gets a new version: nothing
    is created only to be deleted again by a rollback (which could itself fail)."""
    session, arn = iam
    client = session.client("iam")
    full = client.create_policy(PolicyName="full", PolicyDocument=json.dumps(WIDE))["Policy"]
    client.attach_role_policy(RoleName="worker", PolicyArn=full["Arn"])
    for _ in range(4):
        client.create_policy_version(PolicyArn=full["Arn"], PolicyDocument=json.dumps(WIDE))
    p = {**params(arn), "edits": [managed_edit(arn, "app"), managed_edit(full["Arn"], "full")]}
    result = apply(session, "rightsize_principal", p)
    assert not result.ok
    assert "full already has 5 versions" in result.outcome
    assert changes_sent(result) == []
    versions = client.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [v["VersionId"] for v in versions] == ["v1"]


def test_inline_policies_over_the_role_total_are_refused_before_any_change(iam) -> None:
    """IAM counts a role's inline policies together (10,240 characters without whitespace): a
    rewrite that grows one of them past that total is refused before the managed policy gets
    its new version, instead of PutRolePolicy failing with LimitExceeded halfway."""
    session, arn = iam
    client = session.client("iam")
    other = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions(300), "Resource": "*"}],
    }
    client.put_role_policy(RoleName="worker", PolicyName="other", PolicyDocument=json.dumps(other))
    grown = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions(350, "s3:Put"), "Resource": "*"}],
    }  # 4,983 characters, and `other` 6,083: each fits alone, not both
    p = params(arn)
    p["edits"][1]["new_document"] = grown
    result = apply(session, "rightsize_principal", p)
    assert not result.ok
    assert "10,240" in result.outcome
    assert changes_sent(result) == []
    assert default_version(session, arn) == "v1"


def test_a_managed_document_over_6144_characters_is_refused_before_any_change(iam) -> None:
    session, arn = iam
    big = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions(400), "Resource": "*"}],
    }
    p = {**params(arn), "edits": [params(arn)["edits"][1], managed_edit(arn, "app", new=big)]}
    result = apply(session, "rightsize_principal", p)
    assert not result.ok
    assert "6,144" in result.outcome
    assert changes_sent(result) == []


def test_detaching_a_policy_changed_since_the_request_is_refused(iam) -> None:
    """A managed policy proposed for detaching (nothing in it used) that someone has given a new
    default version since is not detached: the approver judged the old document."""
    session, arn = iam
    client = session.client("iam")
    client.create_policy_version(
        PolicyArn=arn, PolicyDocument=json.dumps(NARROW), SetAsDefault=True
    )
    p = {**params(arn), "edits": [managed_edit(arn, "app", new=None)]}
    result = apply(session, "rightsize_principal", p)
    assert not result.ok
    assert "changed since the request" in result.outcome
    attached = client.list_attached_role_policies(RoleName="worker")["AttachedPolicies"]
    assert [a["PolicyArn"] for a in attached] == [arn]


def test_restore_does_not_overwrite_a_version_made_since(iam) -> None:
    """Undo of a right-sizing sets the old version default again only while the right-sized one
    is still the default: a version someone made since is not silently replaced."""
    session, arn = iam
    assert apply(session, "rightsize_principal", params(arn)).ok
    session.client("iam").create_policy_version(
        PolicyArn=arn, PolicyDocument=json.dumps(WIDE), SetAsDefault=True
    )
    result = apply(session, "restore_rightsized_policies", params(arn))
    assert not result.ok
    assert "changed since the right-sizing" in result.outcome
    assert default_version(session, arn) == "v3"
    assert changes_sent(result) == []


def test_restore_of_a_deleted_inline_policy_does_not_overwrite_one_made_since(iam) -> None:
    session, arn = iam
    client = session.client("iam")
    p = params(arn)
    p["edits"] = [{**p["edits"][1], "new_document": None}]
    assert apply(session, "rightsize_principal", p).ok
    client.put_role_policy(
        RoleName="worker", PolicyName="inline", PolicyDocument=json.dumps(NARROW)
    )
    result = apply(session, "restore_rightsized_policies", p)
    assert not result.ok
    assert "inline policy inline of role worker" in result.outcome
    found = client.get_role_policy(RoleName="worker", PolicyName="inline")["PolicyDocument"]
    assert found == NARROW


def test_a_refused_inline_put_rolls_back_the_new_version(iam) -> None:
    """IAM refusing a later step (here LimitExceeded from PutRolePolicy: another inline policy
    grew meanwhile) undoes the new version made before it."""
    session, arn = iam
    executor = RemediationExecutor(session)
    fail_on_put(executor._client("iam"), "PutRolePolicy", "LimitExceeded")
    result = executor.apply(
        "rightsize_principal", params(arn), request_id="R1", requester="U1", approver="U2"
    )
    assert not result.ok
    assert "LimitExceeded" in result.outcome
    assert default_version(session, arn) == "v1"
    versions = session.client("iam").list_policy_versions(PolicyArn=arn)["Versions"]
    assert [v["VersionId"] for v in versions] == ["v1"]
    assert [c.api for c in result.calls if c.rollback] == [
        "SetDefaultPolicyVersion",
        "DeletePolicyVersion",
    ]
    assert "fix by hand" not in result.outcome


def fail_on_put(client, api: str, code: str) -> None:
    """``api`` answers ``code`` with a request id, as IAM does (a 409 LimitExceeded)."""

    def fail(**_kwargs: object):
        from botocore.awsrequest import AWSResponse

        parsed = {
            "Error": {"Code": code, "Message": "Maximum policy size of 10240 bytes exceeded"},
            "ResponseMetadata": {"RequestId": "iam-request-id", "HTTPStatusCode": 409},
        }
        return AWSResponse("https://iam.amazonaws.com/", 409, {}, None), parsed

    client.meta.events.register(f"before-call.iam.{api}", fail)


def test_an_aws_managed_policy_updated_by_aws_since_the_proposal_is_refused_before_any_change(
    aws_calls,
) -> None:
    """AWS publishes new default versions of its managed policies: a right-sizing that swaps
    one for a scoped copy (judged on the version the proposal read) is refused, before the copy
    is created, once AWS has made another version default. IAM answered by a Stubber (moto has
    no AWS-managed policies), with the bot's own client."""
    from botocore.stub import Stubber

    from bot.aws.session import make_client
    from bot.iam.catalogue import default_catalogue
    from bot.remediation.registry import get_remediation
    from bot.rightsize.proposal import build_proposal
    from tests import factories as f
    from tests.unit.test_rightsize import evidence, unused, used

    readonly = replace(
        f.managed_policy("ReadOnlyAccess", f.allow(["s3:Get*", "ec2:Describe*"]), aws_managed=True),
        default_version_id="v7",
    )
    snapshot = f.snapshot(
        roles=[f.role("app", attached_policies=[readonly.arn])], policies=[readonly]
    )
    proposal = build_proposal(
        snapshot,
        "role",
        "app",
        evidence=evidence(used("s3", 2), unused("ec2")),
        days=90,
        catalogue=default_catalogue(),
        copy_aws_managed=True,
    )
    p = get_remediation("rightsize_principal").plan(proposal.remediation_params()).params
    session = boto3.Session(
        region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    client = make_client(session, "iam")
    stubber = Stubber(client)
    stubber.add_response(
        "get_policy",
        {"Policy": {"PolicyName": "ReadOnlyAccess", "Arn": readonly.arn, "DefaultVersionId": "v8"}},
        {"PolicyArn": readonly.arn},
    )
    sts = make_client(session, "sts")  # the copy's ARN needs the account: never reached
    clients = {"iam": client, "sts": sts}
    executor = RemediationExecutor(session, client_factory=lambda service, _r: clients[service])
    with stubber, Stubber(sts):
        result = executor.apply(
            "rightsize_principal", p, request_id="R1", requester="U1", approver="U2"
        )
    assert not result.ok
    assert "ReadOnlyAccess changed since the request" in result.outcome
    assert "default version is now v8, not v7" in result.outcome
    assert changes_sent(result) == []
    assert not result.rolled_back
    stubber.assert_no_pending_responses()
    # The bot may read AWS-managed policies (they are not in its account): its role's policies
    # and the boundary grant iam:GetPolicy on them.
    assert [(c.operation, c.params.get("PolicyArn")) for c in aws_calls] == [
        ("GetPolicy", readonly.arn)
    ]
    assert member_policies_allow("iam:GetPolicy", readonly.arn)


def member_policies_allow(action: str, resource: str) -> bool:
    from pathlib import Path

    from bot.iam.evaluator import PolicySet, Request, evaluate
    from bot.iam.policy import parse_policy

    folder = Path(__file__).resolve().parents[2] / "policies" / "bot"

    def policy(name: str):
        return parse_policy(json.loads((folder / f"{name}.json").read_text()), name=name)

    policies = PolicySet(
        identity=[policy("audit-readonly"), policy("remediation"), policy("rightsize")],
        permission_boundaries=[policy("remediation-boundary")],
    )
    member = "arn:aws:iam::123456789012:role/iam-audit-member"
    return evaluate(Request(member, action, resource), policies).decision == "allowed"


READONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def proposed_copy_or_detach(operation: str) -> dict:
    """The parameters of a right-sizing of role app that swaps AWS's ReadOnlyAccess for a scoped
    copy (s3 used, ec2 not) or detaches it (nothing used), as the bot proposes them today."""
    from bot.iam.catalogue import default_catalogue
    from bot.remediation.registry import get_remediation
    from bot.rightsize.proposal import build_proposal
    from tests import factories as f
    from tests.unit.test_rightsize import evidence, unused, used

    readonly = replace(
        f.managed_policy("ReadOnlyAccess", f.allow(["s3:Get*", "ec2:Describe*"]), aws_managed=True),
        default_version_id="v1",  # replaced by moto's own default version below
    )
    snapshot = f.snapshot(
        roles=[f.role("app", attached_policies=[readonly.arn])], policies=[readonly]
    )
    usage = {
        "copy": evidence(used("s3", 2), unused("ec2")),
        "detach": evidence(unused("s3"), unused("ec2")),
    }
    proposal = build_proposal(
        snapshot,
        "role",
        "app",
        evidence=usage[operation],
        days=90,
        catalogue=default_catalogue(),
        copy_aws_managed=True,
    )
    assert [e.operation for e in proposal.edits] == [operation]
    return get_remediation("rightsize_principal").plan(proposal.remediation_params()).params


def stored_before_the_version_was_recorded(params: dict) -> dict:
    """What the bot stored for the same proposal before 560b8da: the edit of an AWS-managed
    policy had an empty old_version (the key was always written)."""
    edits = [{**e, "old_version": ""} if e["kind"] == "aws_managed" else e for e in params["edits"]]
    return {**params, "edits": edits}


@pytest.mark.parametrize("operation", ["copy", "detach"])
@pytest.mark.parametrize("old_format", [False, True], ids=["version-recorded", "old-format"])
def test_a_request_stored_before_the_aws_managed_version_was_recorded_is_refused(
    operation: str, old_format: bool
) -> None:
    """A right-sizing of an AWS-managed policy proposed before the bot recorded the default
    version it judged (pending in the store across the upgrade) names no version, so the apply
    cannot tell whether AWS has published a new one since: it is refused before any change,
    asking for the right-sizing to be run again, instead of being applied unchecked. The same
    request with the version recorded is applied (moto IAM with AWS's managed policies)."""
    from datetime import UTC, datetime

    from bot.approvals.model import State
    from bot.approvals.rules import ApprovalRules, People
    from bot.approvals.wiring import build_approval_desk
    from bot.config.settings import Settings
    from bot.store.approvals import InMemoryApprovalStore
    from bot.store.audit_log import InMemoryAuditLog

    with mock_aws(config={"iam": {"load_aws_managed_policies": True}}):
        session = boto3.Session(region_name="us-east-1")
        client = session.client("iam")
        client.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(WIDE))
        client.attach_role_policy(RoleName="app", PolicyArn=READONLY)
        params = proposed_copy_or_detach(operation)
        params["edits"][0]["old_version"] = default_version(session, READONLY)
        if old_format:
            params = stored_before_the_version_was_recorded(params)
        executor = RemediationExecutor(session)
        desk = build_approval_desk(
            Settings(),
            clock=lambda: datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
            executor=lambda: executor,
            rules=ApprovalRules(approvers=People(frozenset({"UAPP"})), ttl_seconds=3600),
        )
        desk.store, desk.trail = InMemoryApprovalStore(), InMemoryAuditLog()
        nobody = lambda _u, _g: False  # noqa: E731
        request = desk.propose(
            requester="UREQ", remediation="rightsize_principal", params=params, is_member=nobody
        )
        desk.approve(request.id, approver="UAPP", is_member=nobody)
        done = desk.apply(request.id)

        attached = [
            a["PolicyArn"]
            for a in client.list_attached_role_policies(RoleName="app")["AttachedPolicies"]
        ]
        copies = client.list_policies(Scope="Local")["Policies"]
        if not old_format:
            assert done.state is State.APPLIED, done.outcome
            assert READONLY not in attached
            return
        assert done.state is State.FAILED, done.outcome
        assert "does not record which default version of policy ReadOnlyAccess" in done.outcome
        assert "run the right-sizing of role/app again" in done.outcome
        assert attached == [READONLY]
        assert copies == []
        assert not [c["api"] for c in done.calls if c["api"].startswith(MUTATING)]


def test_the_undo_of_a_rightsizing_applied_before_the_version_was_recorded_still_works() -> None:
    """Only applying a right-sizing needs the judged version: the restore of one applied by the
    bot before the upgrade (its old-format parameters, no version) re-attaches ReadOnlyAccess."""
    with mock_aws(config={"iam": {"load_aws_managed_policies": True}}):
        session = boto3.Session(region_name="us-east-1")
        client = session.client("iam")
        client.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(WIDE))
        old = stored_before_the_version_was_recorded(proposed_copy_or_detach("detach"))
        result = apply(session, "restore_rightsized_policies", old)
        assert result.ok, result.outcome
        attached = client.list_attached_role_policies(RoleName="app")["AttachedPolicies"]
        assert [a["PolicyArn"] for a in attached] == [READONLY]
