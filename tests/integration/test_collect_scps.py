"""The service control policies over an account, read from AWS Organizations (moto; botocore's
Stubber where moto answers differently from AWS: refusals, throttling, a broken policy).

AWS documents that SCPs apply only when the SERVICE_CONTROL_POLICY type is enabled on the root
(ListRoots' PolicyTypes); moto attaches FullAWSAccess everywhere even before that, so "not
enabled" must read as "none apply" (levels ``()``) whatever is attached.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from bot.aws.collect import collect_snapshot
from bot.aws.service_control_policies import (
    ORGANIZATION_POLICY_ACTIONS,
    ORGANIZATION_POLICY_APIS,
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
    REGION,
    ROOT_ID,
    SCP,
    answer_with_error,
    build_organization,
    deny,
    described,
    member_session,
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


# --- reading, against moto ----------------------------------------------------------------------


def test_levels_run_from_the_root_down_to_the_account(hub: boto3.Session) -> None:
    org = build_organization()
    reading = read_organization_policies(organizations(hub), org.member)

    assert reading.issues == ()
    assert reading.is_management_account is False
    levels = reading.levels
    assert levels is not None
    assert targets(levels) == [{org.root}, {org.outer}, {org.inner}, {org.member}]
    # FullAWSAccess is attached at every level (as AWS does by default), ours beside it.
    assert names(levels) == [
        ["FullAWSAccess", "no-leaving"],
        ["FullAWSAccess", "no-regions"],
        ["FullAWSAccess", "prod-guard"],
        ["FullAWSAccess", "member-only"],
    ]
    by_name = {policy.name: policy for level in levels for policy in level}
    assert by_name["prod-guard"].document == deny("iam:CreateUser")
    assert by_name["prod-guard"].policy_id == org.policies["prod-guard"]
    assert by_name["member-only"].document == deny("s3:DeleteBucket")
    assert by_name["FullAWSAccess"].document == FULL_ACCESS_DOCUMENT
    assert by_name["FullAWSAccess"].policy_id == FULL_ACCESS


def test_the_management_account_is_recognised(hub: boto3.Session) -> None:
    org = build_organization()
    reading = read_organization_policies(organizations(hub), MANAGEMENT)
    assert reading.is_management_account is True
    assert reading.levels is not None
    assert targets(reading.levels) == [{org.root}, {MANAGEMENT}]


def test_each_policy_is_described_once_however_often_it_is_attached(
    hub: boto3.Session, aws_calls: list[RecordedCall]
) -> None:
    org = build_organization()
    reading = read_organization_policies(organizations(hub), org.member)
    assert reading.levels is not None
    described = Counter(
        call.params["PolicyId"] for call in aws_calls if call.operation == "DescribePolicy"
    )
    assert described[FULL_ACCESS] == 1  # attached at four levels, read once
    assert set(described.values()) == {1}
    assert len(described) == 5  # FullAWSAccess and the four of ours over the member
    assert operations(aws_calls) == Counter(
        DescribeOrganization=1,
        ListRoots=1,
        ListParents=3,
        ListPoliciesForTarget=4,
        DescribePolicy=5,
    )


def test_scps_not_enabled_on_the_root_means_none_apply(
    hub: boto3.Session, aws_calls: list[RecordedCall]
) -> None:
    # moto attaches FullAWSAccess anyway; AWS applies no SCP until the type is enabled.
    org = build_organization(enable_scps=False)
    reading = read_organization_policies(organizations(hub), org.member)
    assert reading.levels == ()
    assert reading.is_management_account is False
    assert reading.issues == ()
    assert operations(aws_calls) == Counter(DescribeOrganization=1, ListRoots=1)


def test_collect_snapshot_fills_in_the_scps_and_the_management_account(hub: boto3.Session) -> None:
    org = build_organization()
    snapshot = collect_snapshot(hub, now=NOW, sleep=lambda _s: None)
    assert snapshot.account_id == MANAGEMENT
    assert snapshot.is_management_account is True
    assert snapshot.service_control_policies is not None
    assert targets(snapshot.service_control_policies) == [{org.root}, {MANAGEMENT}]
    assert [i for i in snapshot.collection_issues if i.api in ORGANIZATION_POLICY_APIS] == []
    # The snapshot keeps them through JSON (cache, --snapshot FILE).
    again = AccountSnapshot.from_dict(json.loads(json.dumps(snapshot.to_dict())))
    assert again.service_control_policies == snapshot.service_control_policies
    assert again.is_management_account is True


def test_collect_snapshot_in_a_member_account_says_where_to_run_from(hub: boto3.Session) -> None:
    # A member account may call DescribeOrganization but AWS refuses it the rest (moto does not
    # refuse: its answer is injected, as AWS gives it).
    org = build_organization()
    member = member_session(hub, org.member)
    answer_with_error(member, "ListRoots", "AccessDeniedException", 400)
    snapshot = collect_snapshot(member, now=NOW, sleep=lambda _s: None)
    assert snapshot.account_id == org.member
    assert snapshot.is_management_account is False
    assert snapshot.service_control_policies is None
    (issue,) = [i for i in snapshot.collection_issues if i.api in ORGANIZATION_POLICY_APIS]
    assert issue.api == "ListRoots"
    assert "management account or a delegated administrator" in issue.message


def test_collect_snapshot_can_leave_the_scps_out(
    hub: boto3.Session, aws_calls: list[RecordedCall]
) -> None:
    build_organization()
    snapshot = collect_snapshot(hub, now=NOW, sleep=lambda _s: None, organization_policies=False)
    assert snapshot.service_control_policies is None
    assert snapshot.is_management_account is None
    assert operations(aws_calls) == Counter()


def test_outside_an_organization_scps_are_unknown_and_that_is_no_issue(
    hub: boto3.Session, aws_calls: list[RecordedCall]
) -> None:
    snapshot = collect_snapshot(hub, now=NOW, sleep=lambda _s: None)
    assert snapshot.service_control_policies is None
    assert snapshot.is_management_account is None
    assert [i for i in snapshot.collection_issues if i.api in ORGANIZATION_POLICY_APIS] == []
    assert operations(aws_calls) == Counter(DescribeOrganization=1)


def test_a_refusal_in_the_collector_is_an_issue_and_the_collection_goes_on(
    hub: boto3.Session,
) -> None:
    build_organization()
    iam = boto3.client("iam", region_name=REGION)
    iam.create_user(UserName="ana")
    answer_with_error(hub, "ListPoliciesForTarget", "AccessDeniedException", 400)
    snapshot = collect_snapshot(hub, now=NOW, sleep=lambda _s: None)
    assert snapshot.service_control_policies is None
    assert snapshot.is_management_account is True  # DescribeOrganization answered
    assert [u.name for u in snapshot.users] == ["ana"]
    (issue,) = [i for i in snapshot.collection_issues if i.api in ORGANIZATION_POLICY_APIS]
    assert issue.api == "ListPoliciesForTarget"
    assert issue.code == "AccessDeniedException"


def test_throttling_in_the_collector_is_an_issue(hub: boto3.Session) -> None:
    build_organization()
    answer_with_error(hub, "ListParents", "TooManyRequestsException", 400)
    snapshot = collect_snapshot(hub, now=NOW, sleep=lambda _s: None)
    assert snapshot.service_control_policies is None
    (issue,) = [i for i in snapshot.collection_issues if i.api in ORGANIZATION_POLICY_APIS]
    assert issue.api == "ListParents"
    assert issue.code == "TooManyRequestsException"
    assert "throttled" in issue.message


# --- what moto cannot do: AWS's refusals and broken answers (Stubber) ---------------------------


def start(stub: Stubber, *, enabled: bool = True) -> None:
    stub.add_response("describe_organization", organization_answer(), {})
    status = [(SCP, "ENABLED")] if enabled else [("TAG_POLICY", "ENABLED")]
    stub.add_response("list_roots", roots_answer(*status), {})


def test_a_member_account_refused_listpoliciesfortarget_gets_an_issue_naming_the_actions() -> None:
    client, stub = stubbed()
    start(stub)
    stub.add_response(
        "list_parents", {"Parents": [{"Id": ROOT_ID, "Type": "ROOT"}]}, {"ChildId": MEMBER}
    )
    stub.add_client_error(
        "list_policies_for_target",
        service_error_code="AccessDeniedException",
        service_message="You don't have permissions to access this resource.",
        http_status_code=400,
    )
    with stub:
        reading = read_organization_policies(client, MEMBER)

    assert reading.levels is None
    assert reading.is_management_account is False
    (issue,) = reading.issues
    assert issue.api == "ListPoliciesForTarget"
    assert issue.action == "organizations:ListPoliciesForTarget"
    assert issue.code == "AccessDeniedException"
    for action in ORGANIZATION_POLICY_ACTIONS:
        assert action in issue.message
    assert "management account" in issue.message
    assert "delegated administrator" in issue.message
    assert "findings do not apply them" in issue.message


def test_a_refused_listroots_is_the_same_issue() -> None:
    client, stub = stubbed()
    stub.add_response("describe_organization", organization_answer(), {})
    stub.add_client_error("list_roots", "AccessDeniedException", "denied", 400)
    with stub:
        reading = read_organization_policies(client, MEMBER)
    assert reading.levels is None
    assert reading.is_management_account is False
    assert [i.api for i in reading.issues] == ["ListRoots"]


def test_throttling_after_retries_is_an_issue_not_a_traceback() -> None:
    client, stub = stubbed()
    start(stub)
    stub.add_client_error("list_parents", "TooManyRequestsException", "Rate exceeded", 400)
    with stub:
        reading = read_organization_policies(client, MEMBER)
    assert reading.levels is None
    (issue,) = reading.issues
    assert (issue.api, issue.code) == ("ListParents", "TooManyRequestsException")
    assert "throttled" in issue.message
    assert "findings do not apply them" in issue.message


def test_another_error_is_an_issue_with_its_code() -> None:
    client, stub = stubbed()
    start(stub)
    stub.add_client_error("list_parents", "ServiceException", "internal", 500)
    with stub:
        reading = read_organization_policies(client, MEMBER)
    assert reading.levels is None
    assert [(i.api, i.code) for i in reading.issues] == [("ListParents", "ServiceException")]


def test_a_policy_that_is_not_json_is_an_issue_naming_it(caplog: pytest.LogCaptureFixture) -> None:
    secret_looking = '{"Statement": [{"Sid": "do-not-print-me"'  # cut off: not JSON
    client, stub = stubbed()
    start(stub)
    stub.add_response("list_parents", {"Parents": [{"Id": ROOT_ID, "Type": "ROOT"}]})
    stub.add_response("list_policies_for_target", {"Policies": [summary("p-broken12", "broken")]})
    stub.add_response("describe_policy", described("p-broken12", "broken", secret_looking))
    with caplog.at_level(logging.DEBUG), stub:
        reading = read_organization_policies(client, MEMBER)
    assert reading.levels is None
    (issue,) = reading.issues
    assert (issue.api, issue.code) == ("DescribePolicy", "MalformedPolicy")
    assert "p-broken12" in issue.message
    assert "do-not-print-me" not in issue.message
    assert "do-not-print-me" not in caplog.text


def test_not_in_an_organization_from_any_call_is_no_issue() -> None:
    client, stub = stubbed()
    stub.add_client_error(
        "describe_organization", "AWSOrganizationsNotInUseException", "not in use", 400
    )
    with stub:
        reading = read_organization_policies(client, MEMBER)
    assert (reading.levels, reading.is_management_account, reading.issues) == (None, None, ())


def test_pending_enablement_is_not_enabled() -> None:
    client, stub = stubbed()
    stub.add_response("describe_organization", organization_answer(), {})
    stub.add_response("list_roots", roots_answer((SCP, "PENDING_ENABLE")), {})
    with stub:
        reading = read_organization_policies(client, MEMBER)
    assert reading.levels == ()


def test_levels_are_read_through_every_page() -> None:
    client, stub = stubbed()
    start(stub)
    stub.add_response(
        "list_parents",
        {"Parents": [{"Id": OU_ID, "Type": "ORGANIZATIONAL_UNIT"}]},
        {"ChildId": MEMBER},
    )
    stub.add_response(
        "list_parents", {"Parents": [{"Id": ROOT_ID, "Type": "ROOT"}]}, {"ChildId": OU_ID}
    )
    full = summary(FULL_ACCESS, "FullAWSAccess")
    for target, extra in ((ROOT_ID, "p-rootonly1"), (OU_ID, "p-ouonly111"), (MEMBER, None)):
        stub.add_response(
            "list_policies_for_target",
            {"Policies": [full], "NextToken": "page-2"},
            {"TargetId": target, "Filter": SCP},
        )
        second = [summary(extra, extra)] if extra else []
        stub.add_response(
            "list_policies_for_target",
            {"Policies": second},
            {"TargetId": target, "Filter": SCP, "NextToken": "page-2"},
        )
        if target == ROOT_ID:
            document = json.dumps(FULL_ACCESS_DOCUMENT)
            stub.add_response(
                "describe_policy",
                described(FULL_ACCESS, "FullAWSAccess", document),
                {"PolicyId": FULL_ACCESS},
            )
        if extra:
            stub.add_response(
                "describe_policy",
                described(extra, extra, json.dumps(deny("s3:*"))),
                {"PolicyId": extra},
            )
    with stub:
        reading = read_organization_policies(client, MEMBER)
    stub.assert_no_pending_responses()
    assert reading.issues == ()
    assert reading.levels is not None
    assert [[p.policy_id for p in level] for level in reading.levels] == [
        [FULL_ACCESS, "p-rootonly1"],
        [FULL_ACCESS, "p-ouonly111"],
        [FULL_ACCESS],
    ]
    assert targets(reading.levels) == [{ROOT_ID}, {OU_ID}, {MEMBER}]
