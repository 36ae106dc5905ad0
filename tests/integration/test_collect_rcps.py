"""The resource control policies (RCPs) over an account, read from AWS Organizations in the same
pass as its SCPs (moto, which knows RCPs and attaches RCPFullAWSAccess everywhere; botocore's
Stubber for what moto answers differently from AWS: refusals, a broken policy, pages).

AWS applies RCPs only when RESOURCE_CONTROL_POLICY is enabled on the root (ListRoots'
PolicyTypes); moto attaches RCPFullAWSAccess before that, so "not enabled" must read as "none
apply" (levels ``()``) whatever is attached.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber
from moto import mock_aws

import bot.aws.session as aws_session
from bot.aws.collect import collect_snapshot
from bot.aws.service_control_policies import (
    ORGANIZATION_POLICY_ACTIONS,
    ORGANIZATION_POLICY_APIS,
    hub_reader,
    read_organization_policies,
)
from bot.model.snapshot import AccountSnapshot
from tests.aws_call_recorder import RecordedCall
from tests.scp_support import (
    FULL_ACCESS,
    FULL_ACCESS_DOCUMENT,
    MANAGEMENT,
    MEMBER,
    NOW,
    OU_ID,
    RCP,
    RCP_FULL_ACCESS,
    RCP_FULL_ACCESS_DOCUMENT,
    REGION,
    ROOT_ID,
    SCP,
    build_organization,
    deny_outsiders,
    described,
    names,
    operations,
    organization_answer,
    organizations,
    roots_answer,
    stubbed,
    summary,
    targets,
)


@pytest.fixture
def hub() -> Iterator[boto3.Session]:
    with mock_aws():
        yield boto3.Session(region_name=REGION)


def listed(calls: list[RecordedCall], kind: str) -> list[str]:
    """The targets whose policies of ``kind`` were listed, in call order."""
    return [
        str(call.params["TargetId"])
        for call in calls
        if call.operation == "ListPoliciesForTarget" and call.params.get("Filter") == kind
    ]


def described_ids(calls: list[RecordedCall]) -> Counter[str]:
    return Counter(
        str(call.params["PolicyId"]) for call in calls if call.operation == "DescribePolicy"
    )


# --- reading, against moto ----------------------------------------------------------------------


def test_rcp_levels_run_from_the_root_down_to_the_account(hub: boto3.Session) -> None:
    org = build_organization(enable_rcps=True)
    reading = read_organization_policies(organizations(hub), org.member)

    assert reading.issues == ()
    assert reading.is_management_account is False
    levels = reading.rcp_levels
    assert levels is not None
    assert targets(levels) == [{org.root}, {org.outer}, {org.inner}, {org.member}]
    # RCPFullAWSAccess is attached at every level (as AWS does once RCPs are enabled).
    assert names(levels) == [
        ["RCPFullAWSAccess", "rcp-root"],
        ["RCPFullAWSAccess", "rcp-outer"],
        ["RCPFullAWSAccess"],
        ["RCPFullAWSAccess", "rcp-member"],
    ]
    by_name = {policy.name: policy for level in levels for policy in level}
    assert by_name["rcp-outer"].document == deny_outsiders("sqs:SendMessage")
    assert by_name["rcp-outer"].policy_id == org.policies["rcp-outer"]
    assert by_name["RCPFullAWSAccess"].document == RCP_FULL_ACCESS_DOCUMENT
    assert by_name["RCPFullAWSAccess"].policy_id == RCP_FULL_ACCESS
    # The SCPs of the same reading are exactly what they were without RCPs: no RCP among them.
    assert reading.levels is not None
    assert names(reading.levels) == [
        ["FullAWSAccess", "no-leaving"],
        ["FullAWSAccess", "no-regions"],
        ["FullAWSAccess", "prod-guard"],
        ["FullAWSAccess", "member-only"],
    ]


def test_one_pass_shares_the_path_and_describes_each_policy_once(
    hub: boto3.Session, aws_calls: list[RecordedCall]
) -> None:
    org = build_organization(enable_rcps=True)
    read_organization_policies(organizations(hub), org.member)

    path = [org.root, org.outer, org.inner, org.member]
    assert listed(aws_calls, SCP) == path
    assert listed(aws_calls, RCP) == path
    described = described_ids(aws_calls)
    assert set(described.values()) == {1}
    assert {RCP_FULL_ACCESS, org.policies["rcp-root"], org.policies["rcp-member"]} <= set(described)
    assert operations(aws_calls) == Counter(
        DescribeOrganization=1,
        ListRoots=1,
        ListParents=3,  # once for both kinds
        ListPoliciesForTarget=8,  # four levels, two kinds
        DescribePolicy=9,  # FullAWSAccess + our four SCPs; RCPFullAWSAccess + our three RCPs
    )


def test_rcps_not_enabled_on_the_root_means_none_apply(
    hub: boto3.Session, aws_calls: list[RecordedCall]
) -> None:
    # moto attaches RCPFullAWSAccess anyway; AWS applies no RCP until the type is enabled.
    org = build_organization()
    reading = read_organization_policies(organizations(hub), org.member)
    assert reading.rcp_levels == ()
    assert reading.levels is not None
    assert len(reading.levels) == 4
    assert reading.issues == ()
    assert listed(aws_calls, RCP) == []
    assert RCP_FULL_ACCESS not in described_ids(aws_calls)


def test_rcps_are_read_when_scps_are_not_enabled(
    hub: boto3.Session, aws_calls: list[RecordedCall]
) -> None:
    org = build_organization(enable_scps=False, enable_rcps=True)
    reading = read_organization_policies(organizations(hub), org.member)
    assert reading.levels == ()
    assert reading.rcp_levels is not None
    assert targets(reading.rcp_levels) == [{org.root}, {org.outer}, {org.inner}, {org.member}]
    assert listed(aws_calls, SCP) == []
    assert operations(aws_calls)["ListParents"] == 3


def test_the_management_account_gets_its_rcps_too(hub: boto3.Session) -> None:
    # RCPs do not apply to the management account; the audit skips them there, knowing it is.
    org = build_organization(enable_rcps=True)
    reading = read_organization_policies(organizations(hub), MANAGEMENT)
    assert reading.is_management_account is True
    assert reading.rcp_levels is not None
    assert targets(reading.rcp_levels) == [{org.root}, {MANAGEMENT}]
    assert names(reading.rcp_levels) == [["RCPFullAWSAccess", "rcp-root"], ["RCPFullAWSAccess"]]


def test_the_hub_reader_describes_each_distinct_rcp_once_across_members(
    hub: boto3.Session, aws_calls: list[RecordedCall]
) -> None:
    org = build_organization(enable_rcps=True)
    reader = hub_reader(hub)
    member = reader.read(org.member)
    other = reader.read(org.other)

    assert member.rcp_levels is not None
    assert other.rcp_levels is not None
    assert names(other.rcp_levels) == [
        ["RCPFullAWSAccess", "rcp-root"],
        ["RCPFullAWSAccess", "rcp-outer"],
        ["RCPFullAWSAccess", "rcp-other"],
    ]
    assert names(member.rcp_levels)[-1] == ["RCPFullAWSAccess", "rcp-member"]
    described = described_ids(aws_calls)
    rcps = [RCP_FULL_ACCESS, *(org.policies[f"rcp-{n}"] for n in ("root", "outer", "member"))]
    rcps.append(org.policies["rcp-other"])
    assert [described[policy_id] for policy_id in rcps] == [1, 1, 1, 1, 1]
    # What the members share (root, outer OU) was listed once.
    assert sorted(listed(aws_calls, RCP)) == sorted(
        [org.root, org.outer, org.inner, org.member, org.other]
    )


def test_collect_snapshot_fills_in_the_rcps(hub: boto3.Session) -> None:
    org = build_organization(enable_rcps=True)
    snapshot = collect_snapshot(hub, now=NOW, sleep=lambda _s: None)
    assert snapshot.account_id == MANAGEMENT
    assert snapshot.resource_control_policies is not None
    assert targets(snapshot.resource_control_policies) == [{org.root}, {MANAGEMENT}]
    assert snapshot.service_control_policies is not None
    assert [i for i in snapshot.collection_issues if i.api in ORGANIZATION_POLICY_APIS] == []
    again = AccountSnapshot.from_dict(json.loads(json.dumps(snapshot.to_dict())))
    assert again.resource_control_policies == snapshot.resource_control_policies


def test_collect_snapshot_can_leave_the_rcps_out(
    hub: boto3.Session, aws_calls: list[RecordedCall]
) -> None:
    build_organization(enable_rcps=True)
    snapshot = collect_snapshot(hub, now=NOW, sleep=lambda _s: None, organization_policies=False)
    assert snapshot.resource_control_policies is None
    assert operations(aws_calls) == Counter()


class Raw:
    """The raw body botocore streams from (what urllib3 would hand it)."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def test_a_throttled_rcp_listing_is_retried_and_read(
    hub: boto3.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AWS's throttling answer, read by botocore's own parser and retried by its retry handler
    (standard mode with three attempts here: the same path as adaptive, without its waits)."""
    monkeypatch.setattr(aws_session, "RETRY_CONFIG", {"mode": "standard", "max_attempts": 3})
    org = build_organization(enable_rcps=True)
    throttled: list[str] = []

    def send(request: Any, **_: Any) -> AWSResponse | None:
        body = request.body or b""
        if b"RESOURCE_CONTROL_POLICY" in body and not throttled:
            throttled.append(json.loads(body)["TargetId"])
            answer = b'{"__type":"TooManyRequestsException","Message":"Rate exceeded"}'
            headers = {"Content-Type": "application/x-amz-json-1.1"}
            return AWSResponse(request.url, 400, headers, Raw(answer))
        return None  # moto answers

    hub.events.register_first("before-send.organizations.ListPoliciesForTarget", send)
    reading = read_organization_policies(organizations(hub), org.member)

    assert throttled == [org.root]
    assert reading.issues == ()
    assert reading.rcp_levels is not None
    assert names(reading.rcp_levels)[0] == ["RCPFullAWSAccess", "rcp-root"]


# --- what moto cannot do: AWS's refusals and broken answers (Stubber) ---------------------------


def start(stub: Stubber, *, scps: bool = True, rcps: str = "ENABLED") -> None:
    """DescribeOrganization and ListRoots, then (SCPs enabled) the SCPs of root -> MEMBER."""
    stub.add_response("describe_organization", organization_answer(), {})
    kinds = [(SCP, "ENABLED")] if scps else []
    stub.add_response("list_roots", roots_answer(*kinds, (RCP, rcps)), {})
    stub.add_response(
        "list_parents", {"Parents": [{"Id": ROOT_ID, "Type": "ROOT"}]}, {"ChildId": MEMBER}
    )
    if not scps:
        return
    full = {"Policies": [summary(FULL_ACCESS, "FullAWSAccess")]}
    stub.add_response("list_policies_for_target", full, {"TargetId": ROOT_ID, "Filter": SCP})
    stub.add_response(
        "describe_policy",
        described(FULL_ACCESS, "FullAWSAccess", json.dumps(FULL_ACCESS_DOCUMENT)),
        {"PolicyId": FULL_ACCESS},
    )
    stub.add_response("list_policies_for_target", full, {"TargetId": MEMBER, "Filter": SCP})


def rcp_list(target: str, *policies: tuple[str, str], token: str | None = None) -> tuple:
    answer: dict[str, Any] = {"Policies": [summary(p, n, RCP) for p, n in policies]}
    expected: dict[str, Any] = {"TargetId": target, "Filter": RCP}
    if token:
        expected["NextToken"] = token
    return answer, expected


def rcp_described(policy_id: str, name: str, content: str) -> tuple:
    return described(policy_id, name, content, RCP), {"PolicyId": policy_id}


FULL_RCP = (RCP_FULL_ACCESS, "RCPFullAWSAccess")


def test_a_refused_rcp_listing_is_one_issue_naming_the_action_and_scps_still_apply() -> None:
    client, stub = stubbed()
    start(stub)
    stub.add_client_error(
        "list_policies_for_target",
        service_error_code="AccessDeniedException",
        service_message="You don't have permissions to access this resource.",
        http_status_code=400,
        expected_params={"TargetId": ROOT_ID, "Filter": RCP},
    )
    with stub:
        reading = read_organization_policies(client, MEMBER)
    stub.assert_no_pending_responses()

    assert reading.rcp_levels is None
    assert reading.levels is not None
    assert targets(reading.levels) == [{ROOT_ID}, {MEMBER}]
    (issue,) = reading.issues
    assert (issue.api, issue.action) == (
        "ListPoliciesForTarget",
        "organizations:ListPoliciesForTarget",
    )
    assert issue.code == "AccessDeniedException"
    for action in ORGANIZATION_POLICY_ACTIONS:
        assert action in issue.message
    assert "the resource control policies over the account" in issue.message
    assert "service control" not in issue.message  # the SCPs were read
    assert "findings do not apply them" in issue.message


def test_a_refused_rcp_description_is_one_issue_naming_describepolicy() -> None:
    # What a bot whose policy grants DescribePolicy on SCP ARNs only would get.
    client, stub = stubbed()
    start(stub)
    stub.add_response("list_policies_for_target", *rcp_list(ROOT_ID, FULL_RCP))
    stub.add_client_error("describe_policy", "AccessDeniedException", "denied", 400)
    with stub:
        reading = read_organization_policies(client, MEMBER)
    assert reading.rcp_levels is None
    assert reading.levels is not None
    (issue,) = reading.issues
    assert (issue.api, issue.action) == ("DescribePolicy", "organizations:DescribePolicy")
    assert "delegated administrator" in issue.message


def test_a_refusal_on_the_shared_path_leaves_both_kinds_unknown_with_one_issue() -> None:
    client, stub = stubbed()
    stub.add_response("describe_organization", organization_answer(), {})
    stub.add_response("list_roots", roots_answer((SCP, "ENABLED"), (RCP, "ENABLED")), {})
    stub.add_client_error("list_parents", "AccessDeniedException", "denied", 400)
    with stub:
        reading = read_organization_policies(client, MEMBER)
    assert (reading.levels, reading.rcp_levels) == (None, None)
    (issue,) = reading.issues
    assert issue.api == "ListParents"
    assert "service control policies and resource control policies" in issue.message


def test_a_refusal_on_the_path_does_not_make_disabled_rcps_unknown() -> None:
    client, stub = stubbed()
    stub.add_response("describe_organization", organization_answer(), {})
    stub.add_response("list_roots", roots_answer((SCP, "ENABLED")), {})
    stub.add_client_error("list_parents", "AccessDeniedException", "denied", 400)
    with stub:
        reading = read_organization_policies(client, MEMBER)
    assert reading.levels is None
    assert reading.rcp_levels == ()  # not enabled: none apply, whatever the path
    (issue,) = reading.issues
    assert "resource control" not in issue.message


def test_throttling_after_retries_is_an_issue_for_the_rcps_only() -> None:
    client, stub = stubbed()
    start(stub)
    stub.add_client_error("list_policies_for_target", "TooManyRequestsException", "Rate", 400)
    with stub:
        reading = read_organization_policies(client, MEMBER)
    assert reading.rcp_levels is None
    assert reading.levels is not None
    (issue,) = reading.issues
    assert (issue.api, issue.code) == ("ListPoliciesForTarget", "TooManyRequestsException")
    assert "throttled" in issue.message


def test_an_rcp_that_is_not_json_is_an_issue_naming_it(caplog: pytest.LogCaptureFixture) -> None:
    secret_looking = '{"Statement": [{"Sid": "do-not-print-me"'  # cut off: not JSON
    client, stub = stubbed()
    start(stub)
    stub.add_response("list_policies_for_target", *rcp_list(ROOT_ID, ("p-broken12", "broken")))
    stub.add_response("describe_policy", *rcp_described("p-broken12", "broken", secret_looking))
    with caplog.at_level(logging.DEBUG), stub:
        reading = read_organization_policies(client, MEMBER)
    assert reading.rcp_levels is None
    assert reading.levels is not None  # the SCPs were fine
    (issue,) = reading.issues
    assert (issue.api, issue.code) == ("DescribePolicy", "MalformedPolicy")
    assert "resource control policy p-broken12" in issue.message
    assert "do-not-print-me" not in issue.message
    assert "do-not-print-me" not in caplog.text


def test_rcps_pending_enablement_are_not_enabled() -> None:
    client, stub = stubbed()
    start(stub, rcps="PENDING_ENABLE")
    with stub:
        reading = read_organization_policies(client, MEMBER)
    stub.assert_no_pending_responses()
    assert reading.rcp_levels == ()
    assert reading.levels is not None
    assert len(reading.levels) == 2


def test_rcp_levels_are_read_through_every_page() -> None:
    client, stub = stubbed()
    stub.add_response("describe_organization", organization_answer(), {})
    stub.add_response("list_roots", roots_answer((RCP, "ENABLED")), {})
    stub.add_response(
        "list_parents",
        {"Parents": [{"Id": OU_ID, "Type": "ORGANIZATIONAL_UNIT"}]},
        {"ChildId": MEMBER},
    )
    stub.add_response(
        "list_parents", {"Parents": [{"Id": ROOT_ID, "Type": "ROOT"}]}, {"ChildId": OU_ID}
    )
    for target, extra in ((ROOT_ID, "p-rootrcp1"), (OU_ID, "p-ourcp111"), (MEMBER, None)):
        first, expected = rcp_list(target, FULL_RCP)
        stub.add_response("list_policies_for_target", {**first, "NextToken": "page-2"}, expected)
        second = [(extra, extra)] if extra else []
        stub.add_response("list_policies_for_target", *rcp_list(target, *second, token="page-2"))
        if target == ROOT_ID:
            document = json.dumps(RCP_FULL_ACCESS_DOCUMENT)
            stub.add_response("describe_policy", *rcp_described(*FULL_RCP, document))
        if extra:
            document = json.dumps(deny_outsiders("s3:*"))
            stub.add_response("describe_policy", *rcp_described(extra, extra, document))
    with stub:
        reading = read_organization_policies(client, MEMBER)
    stub.assert_no_pending_responses()
    assert reading.issues == ()
    assert reading.levels == ()
    assert reading.rcp_levels is not None
    assert [[p.policy_id for p in level] for level in reading.rcp_levels] == [
        [RCP_FULL_ACCESS, "p-rootrcp1"],
        [RCP_FULL_ACCESS, "p-ourcp111"],
        [RCP_FULL_ACCESS],
    ]
    assert targets(reading.rcp_levels) == [{ROOT_ID}, {OU_ID}, {MEMBER}]
    assert reading.rcp_levels[0][1].document == deny_outsiders("s3:*")


def test_the_reading_knows_the_account_s_organization(hub: boto3.Session) -> None:
    """DescribeOrganization's Id reaches the snapshot, so a trust naming another organization
    can be told from one naming the account's own; an account in no organization says ""."""
    reading = read_organization_policies(organizations(hub), MANAGEMENT)
    assert reading.organization_id == ""
    build_organization(enable_rcps=True)
    expected = boto3.client("organizations", region_name=REGION).describe_organization()
    reading = read_organization_policies(organizations(hub), MANAGEMENT)
    assert reading.organization_id == expected["Organization"]["Id"]
    snapshot = collect_snapshot(hub, now=NOW, sleep=lambda _s: None)
    assert snapshot.organization_id == expected["Organization"]["Id"]
