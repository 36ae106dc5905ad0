"""The organization-wide audit reads each member's SCPs and RCPs with the hub's session (only
the management account or a delegated administrator may) and puts them into that member's
snapshot: the CLI pipeline (bot.organizations.pipeline) and the bot's member audits
(member_audits)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from moto import mock_aws

from bot.audit.config import AuditConfig
from bot.aws.collect import collect_snapshot
from bot.aws.organizations import AssumeRoleOptions
from bot.aws.service_control_policies import ORGANIZATION_POLICY_APIS, OrganizationPolicyReading
from bot.config.operations import OperationsOptions
from bot.model.snapshot import AccountSnapshot, CollectionIssue, ServiceControlPolicy
from bot.organizations import pipeline
from bot.organizations.member_audits import ORGANIZATION_POLICY_READER_SECONDS, OrganizationAudits
from bot.organizations.pipeline import MultiAccountOptions, audit_accounts
from bot.store.memory import InMemoryStore
from tests.aws_call_recorder import RecordedCall
from tests.scp_support import (
    NOW,
    REGION,
    ROLE,
    Organization,
    answer_with_error,
    build_organization,
    member_session,
    names,
    operations,
    targets,
)


def member_collect(session: boto3.Session, _account_id: str) -> AccountSnapshot:
    """What the pipeline's default collector does (no SCPs from the member), without waits."""
    return collect_snapshot(session, now=NOW, sleep=lambda _s: None, organization_policies=False)


@pytest.fixture
def hub() -> Iterator[boto3.Session]:
    with mock_aws():
        yield boto3.Session(region_name=REGION)


@pytest.fixture
def audited(monkeypatch: pytest.MonkeyPatch) -> dict[str, AccountSnapshot]:
    """The snapshot each account's audit was given (the pipeline's reports do not carry it)."""
    seen: dict[str, AccountSnapshot] = {}
    real = pipeline.run_audit

    def run_audit(snapshot: AccountSnapshot, **kwargs: Any) -> Any:
        seen[snapshot.account_id] = snapshot
        return real(snapshot, **kwargs)

    monkeypatch.setattr(pipeline, "run_audit", run_audit)
    return seen


def audit_members(hub: boto3.Session, org: Organization) -> Any:
    return audit_accounts(
        hub,
        MultiAccountOptions(
            accounts=f"{org.member},{org.other}",
            role=AssumeRoleOptions(role_name=ROLE),
            max_workers=2,
        ),
        now=NOW,
        collect=member_collect,
    )


def assert_each_member_has_its_own_levels(
    org: Organization, snapshots: dict[str, AccountSnapshot]
) -> None:
    member, other = snapshots[org.member], snapshots[org.other]
    assert member.service_control_policies is not None
    assert targets(member.service_control_policies) == [
        {org.root},
        {org.outer},
        {org.inner},
        {org.member},
    ]
    assert names(member.service_control_policies)[2:] == [
        ["FullAWSAccess", "prod-guard"],
        ["FullAWSAccess", "member-only"],
    ]
    assert other.service_control_policies is not None
    assert targets(other.service_control_policies) == [{org.root}, {org.outer}, {org.other}]
    assert names(other.service_control_policies)[-1] == ["FullAWSAccess", "other-only"]
    for snapshot in (member, other):
        assert snapshot.is_management_account is False
        assert [i for i in snapshot.collection_issues if i.api in ORGANIZATION_POLICY_APIS] == []


def test_the_pipeline_gives_each_member_its_own_levels_read_by_the_hub(
    hub: boto3.Session, audited: dict[str, AccountSnapshot], aws_calls: list[RecordedCall]
) -> None:
    org = build_organization()
    multi = audit_members(hub, org)

    assert multi.failures == ()
    assert set(audited) == {org.member, org.other}
    assert_each_member_has_its_own_levels(org, audited)
    # Only the hub asked Organizations, and what the members share was read once: the root,
    # the outer OU, FullAWSAccess.
    assert operations(aws_calls) == Counter(
        DescribeOrganization=1,
        ListRoots=1,
        ListParents=4,  # member -> inner -> outer -> root; other -> outer (known)
        ListPoliciesForTarget=5,  # root, outer, inner, member, other
        DescribePolicy=6,  # FullAWSAccess and our five
    )


def test_each_members_report_says_which_of_its_scps_applied(hub: boto3.Session) -> None:
    org = build_organization()
    multi = audit_members(hub, org)
    applied = {
        report.account_id: " ".join(
            report.to_dict()["extra"]["service_control_policies"]["applied"]
        )
        for report in multi.reports
    }
    assert "member-only" in applied[org.member]
    assert "other-only" not in applied[org.member]
    assert "other-only" in applied[org.other]
    assert "prod-guard" not in applied[org.other]


def test_the_default_member_collector_leaves_the_scps_to_the_hub(
    hub: boto3.Session, aws_calls: list[RecordedCall]
) -> None:
    org = build_organization()
    member = boto3.Session(region_name=REGION)  # moto's management account stands in
    pipeline.default_collector(NOW)(member, org.member)
    assert operations(aws_calls) == Counter()


def test_a_hub_that_cannot_read_scps_puts_an_issue_on_each_member(
    hub: boto3.Session, audited: dict[str, AccountSnapshot], aws_calls: list[RecordedCall]
) -> None:
    org = build_organization()
    answer_with_error(hub, "ListRoots", "AccessDeniedException", 400)
    multi = audit_members(hub, org)

    assert multi.failures == ()  # the audits themselves went on
    for account in (org.member, org.other):
        snapshot = audited[account]
        assert snapshot.service_control_policies is None
        assert snapshot.is_management_account is False
        (issue,) = [i for i in snapshot.collection_issues if i.api in ORGANIZATION_POLICY_APIS]
        assert issue.api == "ListRoots"
        assert "management account or a delegated administrator" in issue.message
    # The refusal is remembered for the run: AWS is not asked again for every member.
    assert operations(aws_calls)["ListRoots"] == 1


def test_a_hub_connection_failure_is_an_issue_not_a_failed_member(
    hub: boto3.Session, audited: dict[str, AccountSnapshot]
) -> None:
    org = build_organization()

    def unreachable(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://organizations.us-east-1.amazonaws.com")

    hub.events.register("before-call.organizations.ListParents", unreachable)
    multi = audit_members(hub, org)

    assert multi.failures == ()
    for account in (org.member, org.other):
        snapshot = audited[account]
        assert snapshot.service_control_policies is None
        assert snapshot.is_management_account is False
        (issue,) = [i for i in snapshot.collection_issues if i.api in ORGANIZATION_POLICY_APIS]
        assert (issue.api, issue.code) == ("ListParents", "EndpointConnectionError")
        assert "findings do not apply them" in issue.message


def test_the_bots_member_audits_read_scps_with_the_hub(hub: boto3.Session) -> None:
    org = build_organization()
    clock = [NOW]
    audits = OrganizationAudits(
        operations=OperationsOptions(org_role_name=ROLE, account_workers=2),
        session=lambda: hub,
        store=InMemoryStore(clock=lambda: clock[0]),
        config=AuditConfig(),
        clock=lambda: clock[0],
        ttl_seconds=3600,
        lock_ttl_seconds=60,
        lock_poll_seconds=0.0,
        collect=lambda session, account, _now: member_collect(session, account),
    )
    run = audits.run_all([org.member, org.other])
    assert run.multi.failures == ()
    snapshots = {a: audits.audits_for(a).snapshot().snapshot for a in (org.member, org.other)}
    assert_each_member_has_its_own_levels(org, snapshots)

    # A policy detached later is seen once the reader has aged out, not before.
    boto3.client("organizations", region_name=REGION).detach_policy(
        PolicyId=org.policies["member-only"], TargetId=org.member
    )
    audits.run_all([org.member])
    levels = audits.audits_for(org.member).snapshot().snapshot.service_control_policies
    assert levels is not None
    assert names(levels)[-1] == ["FullAWSAccess", "member-only"]  # the same run's reader
    clock[0] = NOW + timedelta(seconds=ORGANIZATION_POLICY_READER_SECONDS)
    audits.run_all([org.member])
    levels = audits.audits_for(org.member).snapshot().snapshot.service_control_policies
    assert levels is not None
    assert names(levels)[-1] == ["FullAWSAccess"]


def test_the_hubs_reading_replaces_what_the_member_said_about_scps() -> None:
    from dataclasses import replace

    from tests.factories import snapshot

    member_said = CollectionIssue(
        api="ListRoots", action="organizations:ListRoots", message="denied", code="AccessDenied"
    )
    other = CollectionIssue(api="GetAccountSummary", message="denied")
    collected = replace(snapshot(), collection_issues=(member_said, other))
    levels = ((ServiceControlPolicy("FullAWSAccess", {}, "p-FullAWSAccess", "r-abcd"),),)
    applied = OrganizationPolicyReading(levels, False).apply_to(collected)
    assert applied.service_control_policies == levels
    assert applied.is_management_account is False
    assert applied.collection_issues == (other,)


# --- resource control policies, read by the hub in the same pass -------------------------------


def test_the_pipeline_gives_each_member_its_rcps_read_by_the_hub(
    hub: boto3.Session, audited: dict[str, AccountSnapshot], aws_calls: list[RecordedCall]
) -> None:
    org = build_organization(enable_rcps=True)
    multi = audit_members(hub, org)

    assert multi.failures == ()
    member, other = audited[org.member], audited[org.other]
    assert member.resource_control_policies is not None
    assert targets(member.resource_control_policies) == [
        {org.root},
        {org.outer},
        {org.inner},
        {org.member},
    ]
    assert names(member.resource_control_policies)[-1] == ["RCPFullAWSAccess", "rcp-member"]
    assert other.resource_control_policies is not None
    assert names(other.resource_control_policies) == [
        ["RCPFullAWSAccess", "rcp-root"],
        ["RCPFullAWSAccess", "rcp-outer"],
        ["RCPFullAWSAccess", "rcp-other"],
    ]
    assert_each_member_has_its_own_levels(org, audited)  # the SCPs as before
    # One path per member for both kinds; each RCP described once for the whole run.
    assert operations(aws_calls) == Counter(
        DescribeOrganization=1,
        ListRoots=1,
        ListParents=4,
        ListPoliciesForTarget=10,  # root, outer, inner, member, other: SCPs and RCPs
        DescribePolicy=11,  # FullAWSAccess + five SCPs; RCPFullAWSAccess + four RCPs
    )


def test_each_members_report_says_which_rcps_were_read_for_its_role_trusts(
    hub: boto3.Session,
) -> None:
    # The live reading reaches the audit: the trust checks read the member's RCPs for its role.
    org = build_organization(enable_rcps=True)
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
    member_session(hub, org.member).client("iam").create_role(
        RoleName="shared", AssumeRolePolicyDocument=json.dumps(trust)
    )
    multi = audit_members(hub, org)
    (report,) = [r for r in multi.reports if r.account_id == org.member]
    read = report.to_dict()["extra"]["resource_control_policies"]["read"]
    assert set(read) == {"RCPFullAWSAccess", "rcp-root", "rcp-outer", "rcp-member"}


def test_a_hub_that_cannot_read_the_roots_leaves_each_members_rcps_unknown(
    hub: boto3.Session, audited: dict[str, AccountSnapshot]
) -> None:
    org = build_organization(enable_rcps=True)
    answer_with_error(hub, "ListRoots", "AccessDeniedException", 400)
    audit_members(hub, org)
    for account in (org.member, org.other):
        snapshot = audited[account]
        assert snapshot.resource_control_policies is None
        assert snapshot.service_control_policies is None
        (issue,) = [i for i in snapshot.collection_issues if i.api in ORGANIZATION_POLICY_APIS]
        assert "resource control policies" in issue.message


def test_the_bots_member_audits_read_rcps_with_the_hub(hub: boto3.Session) -> None:
    org = build_organization(enable_rcps=True)
    clock = [NOW]
    audits = OrganizationAudits(
        operations=OperationsOptions(org_role_name=ROLE, account_workers=2),
        session=lambda: hub,
        store=InMemoryStore(clock=lambda: clock[0]),
        config=AuditConfig(),
        clock=lambda: clock[0],
        ttl_seconds=3600,
        lock_ttl_seconds=60,
        lock_poll_seconds=0.0,
        collect=lambda session, account, _now: member_collect(session, account),
    )
    audits.run_all([org.member, org.other])
    levels = audits.audits_for(org.other).snapshot().snapshot.resource_control_policies
    assert levels is not None
    assert names(levels)[-1] == ["RCPFullAWSAccess", "rcp-other"]

    # An RCP detached later is seen once the reader has aged out, not before.
    boto3.client("organizations", region_name=REGION).detach_policy(
        PolicyId=org.policies["rcp-other"], TargetId=org.other
    )
    audits.run_all([org.other])
    levels = audits.audits_for(org.other).snapshot().snapshot.resource_control_policies
    assert levels is not None
    assert names(levels)[-1] == ["RCPFullAWSAccess", "rcp-other"]
    clock[0] = NOW + timedelta(seconds=ORGANIZATION_POLICY_READER_SECONDS)
    audits.run_all([org.other])
    levels = audits.audits_for(org.other).snapshot().snapshot.resource_control_policies
    assert levels is not None
    assert names(levels)[-1] == ["RCPFullAWSAccess"]


def test_the_hubs_reading_replaces_what_the_snapshot_said_about_rcps() -> None:
    from dataclasses import replace

    from tests.factories import snapshot

    full = ServiceControlPolicy("RCPFullAWSAccess", {}, "p-RCPFullAWSAccess", "r-abcd")
    stale = replace(snapshot(), resource_control_policies=((full,),))
    assert OrganizationPolicyReading(None, None).apply_to(stale).resource_control_policies is None
    fresh = ((full,), (replace(full, target="123456789012"),))
    applied = OrganizationPolicyReading((), True, (), fresh).apply_to(stale)
    assert applied.resource_control_policies == fresh
    assert applied.service_control_policies == ()
    assert applied.is_management_account is True
