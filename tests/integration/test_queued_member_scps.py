"""A member audit run by a queue worker (bot.runs.queue) reads the member's SCPs and RCPs with
the worker's own session, the hub's: the member's role cannot read them (only the management
account or a delegated administrator may), and a member collected with its own reading gets
"unknown" and an issue instead of the organization's policies."""

from __future__ import annotations

import time

import pytest
from moto import mock_aws

from bot.aws.service_control_policies import ORGANIZATION_POLICY_APIS
from bot.runs import queue
from bot.runs.queue import AuditJobRequest, WorkerSettings
from tests.scp_support import NOW, REGION, ROLE, build_organization, names, targets


@pytest.fixture(autouse=True)
def no_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "sleep", lambda _seconds: None)


def test_a_queued_member_audit_gets_its_scps_from_the_hub(monkeypatch) -> None:
    with mock_aws():
        org = build_organization()
        settings = WorkerSettings(redis_url="redis://unused", aws_region=REGION, org_role_name=ROLE)
        snapshot = queue._collect(AuditJobRequest(account=org.member), settings, NOW)
    assert snapshot.account_id == org.member
    assert snapshot.service_control_policies is not None
    assert targets(snapshot.service_control_policies) == [
        {org.root},
        {org.outer},
        {org.inner},
        {org.member},
    ]
    assert names(snapshot.service_control_policies)[-1] == ["FullAWSAccess", "member-only"]
    assert snapshot.is_management_account is False
    assert not [i for i in snapshot.collection_issues if i.api in ORGANIZATION_POLICY_APIS]


def test_a_queued_member_audit_gets_its_rcps_from_the_hub() -> None:
    with mock_aws():
        org = build_organization(enable_rcps=True)
        settings = WorkerSettings(redis_url="redis://unused", aws_region=REGION, org_role_name=ROLE)
        snapshot = queue._collect(AuditJobRequest(account=org.member), settings, NOW)
    assert snapshot.account_id == org.member
    assert snapshot.resource_control_policies is not None
    assert targets(snapshot.resource_control_policies) == [
        {org.root},
        {org.outer},
        {org.inner},
        {org.member},
    ]
    assert names(snapshot.resource_control_policies)[-1] == ["RCPFullAWSAccess", "rcp-member"]
    assert not [i for i in snapshot.collection_issues if i.api in ORGANIZATION_POLICY_APIS]
