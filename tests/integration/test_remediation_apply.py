"""Every remediation applied against moto IAM (Access Analyzer with Stubber), with its undo,
the AWS request ids recorded, and a failure in the middle rolled back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber
from moto import mock_aws

from bot.aws.remediate import RemediationExecutor, explain_change, fingerprint
from bot.model.errors import RemediationError
from bot.remediation.registry import get_remediation

ACCOUNT = "123456789012"
DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
}
OPEN_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
}


@pytest.fixture
def session() -> Iterator[boto3.Session]:
    with mock_aws():
        yield boto3.Session(region_name="us-east-1")


@pytest.fixture
def iam(session: boto3.Session):
    client = session.client("iam")
    client.create_user(UserName="bob")
    client.create_group(GroupName="admins")
    client.add_user_to_group(GroupName="admins", UserName="bob")
    return client


@pytest.fixture
def executor(session: boto3.Session) -> RemediationExecutor:
    return RemediationExecutor(session)


def apply(executor: RemediationExecutor, remediation: str, params: dict, **ids: str):
    plan = get_remediation(remediation).plan(params)
    result = executor.apply(
        plan.remediation,
        plan.params,
        request_id=ids.get("request_id", "req-1"),
        requester=ids.get("requester", "UREQ"),
        approver=ids.get("approver", "UAPP"),
    )
    return plan, result


def undo(executor: RemediationExecutor, plan) -> object:
    assert plan.undo_change is not None
    return apply(executor, plan.undo_change["remediation"], plan.undo_change["params"])[1]


def fail_on(target: object, api: str, code: str = "ServiceFailure") -> None:
    """Make every call of ``api`` answer a 500 with ``code`` (a botocore before-call hook on a
    session, for clients made later, or on an existing client)."""

    def fail(**_kwargs: object) -> tuple[AWSResponse, dict]:
        parsed = {
            "Error": {"Code": code, "Message": f"injected failure of {api}"},
            "ResponseMetadata": {"RequestId": "injected-request-id", "HTTPStatusCode": 500},
        }
        return AWSResponse("https://iam.amazonaws.com/", 500, {}, None), parsed

    events = target.events if isinstance(target, boto3.Session) else target.meta.events  # type: ignore[attr-defined]
    events.register(f"before-call.iam.{api}", fail)


def test_deactivate_key_by_slot_records_request_ids_and_undoes(iam, executor) -> None:
    key = iam.create_access_key(UserName="bob")["AccessKey"]["AccessKeyId"]
    plan, result = apply(
        executor,
        "deactivate_access_key",
        {"target_kind": "user", "target_name": "bob", "key_slot": 1},
    )
    assert result.ok, result.outcome
    assert iam.list_access_keys(UserName="bob")["AccessKeyMetadata"][0]["Status"] == "Inactive"
    assert [c.api for c in result.calls] == ["ListAccessKeys", "UpdateAccessKey"]
    assert all(c.ok and len(c.request_id) > 10 for c in result.calls)
    assert result.calls[1].detail == {"access_key_id": key}
    assert undo(executor, plan).ok
    assert iam.list_access_keys(UserName="bob")["AccessKeyMetadata"][0]["Status"] == "Active"


def test_deactivate_key_that_is_gone_fails_clearly(iam, executor) -> None:
    _plan, result = apply(
        executor,
        "deactivate_access_key",
        {"target_kind": "user", "target_name": "bob", "key_slot": 2},
    )
    assert not result.ok
    assert "no such access key" in result.outcome


def test_delete_login_profile(iam, executor) -> None:
    iam.create_login_profile(UserName="bob", Password="An-initial-password-1!")
    plan, result = apply(
        executor, "delete_login_profile", {"target_kind": "user", "target_name": "bob"}
    )
    assert result.ok
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_login_profile(UserName="bob")
    assert plan.undo_change is None
    assert "CreateLoginProfile" in plan.undo


def test_attach_catalogue_policy_creates_prefixed_tagged_policy_and_undo_detaches(
    iam, executor
) -> None:
    plan, result = apply(
        executor,
        "attach_policy",
        {
            "target_kind": "group",
            "target_name": "admins",
            "document": DOC,
            "policy_name": "s3-list",
        },
        request_id="req-42",
    )
    assert result.ok, result.outcome
    attached = iam.list_attached_group_policies(GroupName="admins")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == [plan.params["managed_name"]]
    assert attached[0]["PolicyName"].startswith("iam-audit-s3-list-")
    tags = {
        t["Key"]: t["Value"]
        for t in iam.list_policy_tags(PolicyArn=attached[0]["PolicyArn"])["Tags"]
    }
    assert tags == {
        "iam-audit:request-id": "req-42",
        "iam-audit:requester": "UREQ",
        "iam-audit:approver": "UAPP",
    }
    version = iam.get_policy_version(PolicyArn=attached[0]["PolicyArn"], VersionId="v1")
    assert version["PolicyVersion"]["Document"] == DOC

    # the same content again reuses the policy instead of failing on the name
    _again, second = apply(
        executor,
        "attach_policy",
        {"target_kind": "user", "target_name": "bob", "document": DOC, "policy_name": "s3-list"},
    )
    assert second.ok
    assert "CreatePolicy" not in [c.api for c in second.calls if c.ok]

    undo_plan = get_remediation("detach_policy").plan(
        {**plan.undo_change["params"], "policy_arn": attached[0]["PolicyArn"]}
    )
    assert executor.apply(
        undo_plan.remediation, undo_plan.params, request_id="u", requester="U", approver="V"
    ).ok
    assert iam.list_attached_group_policies(GroupName="admins")["AttachedPolicies"] == []


def test_failure_in_the_middle_rolls_back_the_created_policy(session, iam, executor) -> None:
    fail_on(session, "AttachUserPolicy")
    plan, result = apply(
        executor,
        "attach_policy",
        {"target_kind": "user", "target_name": "bob", "document": DOC, "policy_name": "x"},
    )
    assert not result.ok
    assert result.rolled_back
    assert "ServiceFailure" in result.outcome
    assert "Rolled back: create policy" in result.outcome
    apis = [(c.api, c.ok, c.rollback) for c in result.calls]
    assert ("CreatePolicy", True, False) in apis
    assert ("AttachUserPolicy", False, False) in apis
    assert apis[-1] == ("DeletePolicy", True, True)
    failed = next(c for c in result.calls if not c.ok and c.api == "AttachUserPolicy")
    assert failed.request_id == "injected-request-id"
    assert failed.error_code == "ServiceFailure"
    names = [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]]
    assert plan.params["managed_name"] not in names  # nothing left behind


def test_rollback_failure_is_reported_not_hidden(session, iam, executor) -> None:
    fail_on(session, "AttachUserPolicy")
    fail_on(session, "DeletePolicy", code="AccessDenied")
    _plan, result = apply(
        executor,
        "attach_policy",
        {"target_kind": "user", "target_name": "bob", "document": DOC, "policy_name": "y"},
    )
    assert not result.ok
    assert "Rollback problems" in result.outcome
    assert "AccessDenied" in result.outcome


def test_detach_admin_policy_and_undo(iam, executor) -> None:
    admin = f"arn:aws:iam::{ACCOUNT}:policy/Admin"
    iam.create_policy(
        PolicyName="Admin",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        ),
    )
    iam.attach_user_policy(UserName="bob", PolicyArn=admin)
    plan, result = apply(
        executor,
        "detach_policy",
        {"target_kind": "user", "target_name": "bob", "policy_arn": admin},
    )
    assert result.ok
    assert iam.list_attached_user_policies(UserName="bob")["AttachedPolicies"] == []
    assert undo(executor, plan).ok
    assert (
        iam.list_attached_user_policies(UserName="bob")["AttachedPolicies"][0]["PolicyArn"] == admin
    )


def test_detach_of_a_policy_not_attached_is_a_clear_failure(iam, executor) -> None:
    _plan, result = apply(
        executor,
        "detach_policy",
        {
            "target_kind": "user",
            "target_name": "bob",
            "policy_arn": f"arn:aws:iam::{ACCOUNT}:policy/Nope",
        },
    )
    assert not result.ok
    assert "DetachUserPolicy failed" in result.outcome
    assert result.calls[0].error_code
    assert result.calls[0].request_id


def test_remove_from_admin_group_and_undo(iam, executor) -> None:
    plan, result = apply(
        executor,
        "remove_user_from_group",
        {"target_kind": "user", "target_name": "bob", "group": "admins"},
    )
    assert result.ok
    assert iam.list_groups_for_user(UserName="bob")["Groups"] == []
    assert undo(executor, plan).ok
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="bob")["Groups"]] == [
        "admins"
    ]


def test_tighten_role_trust_and_undo(iam, executor) -> None:
    iam.create_role(RoleName="open", AssumeRolePolicyDocument=json.dumps(OPEN_TRUST))
    new = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    plan, result = apply(
        executor,
        "update_role_trust",
        {"target_kind": "role", "target_name": "open", "document": new, "old_document": OPEN_TRUST},
    )
    assert result.ok
    assert executor.read_state("role", "open", {})["trust_policy"] == new
    assert undo(executor, plan).ok
    assert executor.read_state("role", "open", {})["trust_policy"] == OPEN_TRUST


def test_delete_server_certificate(session, iam, executor) -> None:
    iam.upload_server_certificate(ServerCertificateName="old", CertificateBody=CERT, PrivateKey=KEY)
    assert executor.read_state("server_certificate", "old", {})["exists"] is True
    _plan, result = apply(executor, "delete_server_certificate", {"certificate": "old"})
    assert result.ok
    assert executor.read_state("server_certificate", "old", {}) == {"exists": False}


def test_enable_access_analyzer_with_stubber_and_undo(session) -> None:
    executor = RemediationExecutor(session)
    client = executor._client("accessanalyzer", "eu-west-1")
    with Stubber(client) as stub:
        stub.add_response(
            "create_analyzer",
            {
                "arn": "arn:aws:access-analyzer:eu-west-1:1:analyzer/iam-audit-analyzer",
                "ResponseMetadata": {"RequestId": "aa-1"},
            },
            {
                "analyzerName": "iam-audit-analyzer",
                "type": "ACCOUNT",
                "tags": {
                    "iam-audit:request-id": "req-1",
                    "iam-audit:requester": "UREQ",
                    "iam-audit:approver": "UAPP",
                },
            },
        )
        stub.add_response(
            "delete_analyzer",
            {"ResponseMetadata": {"RequestId": "aa-2"}},
            {"analyzerName": "iam-audit-analyzer"},
        )
        plan, result = apply(executor, "enable_access_analyzer", {"region": "eu-west-1"})
        assert result.ok
        assert result.calls[0].request_id == "aa-1"
        assert undo(executor, plan).ok
        stub.assert_no_pending_responses()


def test_analyzer_error_becomes_a_failed_result(session) -> None:
    executor = RemediationExecutor(session)
    client = executor._client("accessanalyzer", "eu-west-1")
    with Stubber(client) as stub:
        stub.add_client_error("create_analyzer", "ServiceQuotaExceededException", "too many", 402)
        _plan, result = apply(executor, "enable_access_analyzer", {"region": "eu-west-1"})
    assert not result.ok
    assert "ServiceQuotaExceededException" in result.outcome


def test_fingerprint_changes_when_the_target_changes_and_explains_how(iam, executor) -> None:
    before = executor.read_state("user", "bob", {})
    assert before["exists"]
    assert before["groups"] == ["admins"]
    assert fingerprint(before) == fingerprint(executor.read_state("user", "bob", {}))
    iam.create_access_key(UserName="bob")
    after = executor.read_state("user", "bob", {})
    assert fingerprint(after) != fingerprint(before)
    assert explain_change(before, after).startswith("access keys was [], now [")
    assert executor.read_state("user", "ghost", {}) == {"exists": False}
    assert executor.read_state("group", "admins", {})["members"] == ["bob"]


def test_unknown_remediation_and_target_kind_are_errors(executor) -> None:
    with pytest.raises(RemediationError, match="no AWS implementation"):
        executor.apply("teleport", {}, request_id="r", requester="U", approver="V")
    with pytest.raises(RemediationError, match="unknown target kind"):
        executor.read_state("bucket", "b", {})


def _self_signed() -> tuple[str, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "old.example.com")])
    start = datetime(2020, 1, 1, tzinfo=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    return pem, private


CERT, KEY = _self_signed()


def test_a_throttled_key_change_names_no_rollback_problem_for_its_lookup(iam, executor) -> None:
    """Throttling that outlasts botocore's retries: the key stays as it was, and the read-only
    lookup before it is not reported as a change that 'cannot be undone' (fix by hand)."""
    iam.create_access_key(UserName="bob")
    fail_on(executor._client("iam"), "UpdateAccessKey", code="Throttling")
    _plan, result = apply(
        executor,
        "deactivate_access_key",
        {"target_kind": "user", "target_name": "bob", "key_slot": 1},
    )
    assert not result.ok
    assert "Throttling" in result.outcome
    assert "fix by hand" not in result.outcome
    assert "cannot be undone" not in result.outcome
    assert not result.rolled_back
    assert iam.list_access_keys(UserName="bob")["AccessKeyMetadata"][0]["Status"] == "Active"


def test_a_lost_answer_is_not_reported_as_a_call_never_sent(iam, executor) -> None:
    """A read timeout once botocore's retries are spent: the request reached IAM and may have
    taken effect, so the outcome must not say it 'could not be sent'."""
    from botocore.exceptions import ReadTimeoutError

    iam.create_access_key(UserName="bob")

    def lost(**_kwargs: object) -> None:
        raise ReadTimeoutError(endpoint_url="https://iam.amazonaws.com/")

    executor._client("iam").meta.events.register("before-call.iam.UpdateAccessKey", lost)
    _plan, result = apply(
        executor,
        "deactivate_access_key",
        {"target_kind": "user", "target_name": "bob", "key_slot": 1},
    )
    assert not result.ok
    assert "could not be sent" not in result.outcome
    assert "no answer" in result.outcome
    failed = result.calls[-1]
    assert (failed.api, failed.ok, failed.request_id) == ("UpdateAccessKey", False, "")
