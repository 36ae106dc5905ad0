"""THE policy test: the bot's shipped IAM policies allow exactly what its code calls.

Every AWS call the code can make is recorded through botocore events (tests/aws_call_recorder.py):
the collector against moto (Access Analyzer answered by a ``before-call`` handler, moto has none),
every remediation and every state read of the remediation executor against moto, and the
Organizations fan-out. Each call is mapped to its IAM action (the service prefix is botocore's
``signingName``; a few operations differ, listed in ACTION_EXCEPTIONS) and to the resource it acts
on, and our own evaluator (bot.iam.evaluator) decides it against policies/bot/. The declared
permissions of the check registry and of every remediation are covered too; nothing broader is
allowed: no wildcard actions, no action the code does not use, no `*` resource where the action
supports resource-level permissions. Finally the bot audits itself: its roles get no findings.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws

from bot.approvals.journal import CallJournal
from bot.audit.registry import all_checks
from bot.aws.access_analyzer import ACCESS_ANALYZER_ACTIONS, AnalyzerScope
from bot.aws.collect import COLLECTOR_ACTIONS, collect_snapshot
from bot.aws.last_accessed import LAST_ACCESSED_ACTIONS, RECOMMENDATION_ACTIONS
from bot.aws.organizations import (
    ORGANIZATIONS_ACTIONS,
    AssumeRoleOptions,
    RoleAssumer,
    list_accounts,
)
from bot.aws.policy_simulator import PolicySimulator
from bot.aws.remediate import RemediationExecutor, implemented_remediations
from bot.aws.service_control_policies import (
    ORGANIZATION_POLICY_ACTIONS,
    hub_reader,
    read_organization_policies,
)
from bot.aws.session import make_client
from bot.aws.validate_policy import ACTION as VALIDATE_POLICY_ACTION
from bot.aws.validate_policy import validate_policy
from bot.iam.catalogue import default_catalogue
from bot.iam.evaluator import PolicySet, Request, evaluate
from bot.iam.linter import lint_policy
from bot.iam.policy import Policy, parse_policy
from bot.iam.second_opinion import CustomSimulation
from bot.model.snapshot import AccountSnapshot, AttachedPolicy, ManagedPolicy, Role
from bot.remediation.fixes.rightsize import RESTORE, RIGHTSIZE
from bot.remediation.registry import all_remediations, get_remediation, required_iam_actions
from tests import factories as f
from tests.aws_call_recorder import RECORDER, RecordedCall, calls_not_granted
from tests.aws_call_recorder import iam_action as recorded_action
from tests.rightsize_support import record_usage_reads, run_rightsize_remediations

POLICY_DIR = Path(__file__).resolve().parents[2] / "policies" / "bot"
ACCOUNT = "123456789012"  # moto's default account
HUB_ACCOUNT = "111122223333"  # the account cross-account-trust.json names
OTHER_ACCOUNT = "999988887777"
REGION = "us-east-1"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
MEMBER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/iam-audit-member"
HUB_ROLE = f"arn:aws:iam::{HUB_ACCOUNT}:role/iam-audit-bot"
ANALYZER = f"arn:aws:access-analyzer:{REGION}:{ACCOUNT}:analyzer/account"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
ORGANIZATION = "o-exampleorg1"  # the organization the recorded Organizations calls act in
RCP_FULL_ACCESS = "p-RCPFullAWSAccess"  # AWS-managed, attached everywhere once RCPs are enabled
# The resource control policies seed_organization creates (DescribePolicy names only an id; its
# ARN depends on the policy's type).
RESOURCE_CONTROL_POLICY_IDS: set[str] = {RCP_FULL_ACCESS}


def iam_action(call: RecordedCall) -> str | None:
    return recorded_action(call.service, call.operation)


# --- the shipped policies -----------------------------------------------------------------------


@cache
def document(name: str) -> dict[str, Any]:
    return json.loads((POLICY_DIR / f"{name}.json").read_text(encoding="utf-8"))


@cache
def policy(name: str) -> Policy:
    return parse_policy(document(name), name=name)


def allowed_actions(name: str) -> set[str]:
    actions: set[str] = set()
    for statement in document(name)["Statement"]:
        if statement["Effect"] == "Allow":
            value = statement["Action"]
            actions.update([value] if isinstance(value, str) else value)
    return actions


IDENTITY_POLICIES = ("audit-readonly", "remediation", "rightsize", "hub-organizations")
ALL_POLICIES = (*IDENTITY_POLICIES, "remediation-boundary", "cross-account-trust")


# --- recording the calls the code makes ---------------------------------------------------------


class FakeAccessAnalyzer:
    """Access Analyzer's answers (moto has no Access Analyzer), returned from ``before-call``."""

    def __init__(self) -> None:
        created = datetime(2026, 11, 1, tzinfo=UTC)
        finding = {
            "id": "f-1",
            "resource": f"arn:aws:iam::{ACCOUNT}:role/shared",
            "resourceType": "AWS::IAM::Role",
            "resourceOwnerAccount": ACCOUNT,
            "status": "ACTIVE",
            "findingType": "ExternalAccess",
            "createdAt": created,
            "updatedAt": created,
            "analyzedAt": created,
        }
        analyzer = {
            "arn": ANALYZER,
            "name": "account",
            "type": "ACCOUNT",
            "status": "ACTIVE",
            "createdAt": created,
        }
        self.answers: dict[str, dict[str, Any]] = {
            "ListAnalyzers": {"analyzers": [analyzer]},
            "ListFindingsV2": {"findings": [finding]},
            "GetFindingV2": {**finding, "findingDetails": []},
            "CreateAnalyzer": {"arn": f"{ANALYZER}-new"},
            "DeleteAnalyzer": {},
            "UpdateFindings": {},
            "ValidatePolicy": {"findings": []},
        }

    def __call__(self, model: Any, **_: Any) -> Any:
        answer = self.answers[model.name]
        response = AWSResponse(f"https://access-analyzer.{REGION}.amazonaws.com/", 200, {}, None)
        return response, {
            **answer,
            "ResponseMetadata": {"RequestId": "fake", "HTTPStatusCode": 200},
        }


def member_session() -> boto3.Session:
    session = boto3.Session(region_name=REGION)
    session.events.register("before-call.accessanalyzer.*", FakeAccessAnalyzer())
    return session


def seed_account() -> dict[str, str]:
    """Everything the remediations act on, created in moto by plain (unrecorded) clients."""
    iam = boto3.client("iam", region_name=REGION)
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]["AccessKeyId"]
    iam.create_login_profile(UserName="alice", Password="Correct-Horse-9!")
    iam.create_group(GroupName="admins")
    iam.add_user_to_group(GroupName="admins", UserName="alice")
    trust = f.account_trust(ACCOUNT)
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(trust))
    managed = iam.create_policy(
        PolicyName="reader", PolicyDocument=json.dumps(f.allow("s3:GetObject"))
    )["Policy"]["Arn"]
    for kind, name in (("user", "alice"), ("group", "admins"), ("role", "app")):
        getattr(iam, f"attach_{kind}_policy")(
            **{f"{kind.capitalize()}Name": name}, PolicyArn=managed
        )
    iam.upload_server_certificate(
        ServerCertificateName="web", CertificateBody=_CERT, PrivateKey=_KEY
    )
    return {"key": key, "managed": managed}


def run_every_remediation(session: boto3.Session, seeded: dict[str, str]) -> list[str]:
    """Apply each remediation (and its undo) once; returns the outcomes that failed."""
    executor = RemediationExecutor(session, region=REGION)
    document_ = f.allow("s3:ListBucket", "arn:aws:s3:::example-bucket")
    trust = f.account_trust(ACCOUNT)
    user = {"target_kind": "user", "target_name": "alice"}
    analyzer = {"region": REGION, "analyzer_name": "iam-audit-analyzer", "analyzer_type": "ACCOUNT"}
    finding = {
        "analyzer_arn": ANALYZER,
        "finding_id": "f-1",
        "region": REGION,
        "reason": "accepted: test",
    }
    changes: list[tuple[str, dict[str, Any], bool]] = [
        ("deactivate_access_key", {**user, "access_key_id": seeded["key"]}, True),
        ("activate_access_key", {**user, "access_key_id": seeded["key"]}, True),
        ("remove_user_from_group", {**user, "group": "admins"}, True),
        ("add_user_to_group", {**user, "group": "admins"}, True),
        (
            "update_role_trust",
            {"target_kind": "role", "target_name": "app", "document": trust},
            True,
        ),
        ("enable_access_analyzer", analyzer, True),
        ("delete_analyzer", analyzer, True),
        ("delete_server_certificate", {"certificate": "web"}, True),
        ("archive_finding", finding, True),
        ("unarchive_finding", finding, True),
        ("delete_login_profile", user, True),
        # A target that does not exist: the created policy is rolled back (DeletePolicy).
        (
            "attach_policy",
            {
                "target_kind": "user",
                "target_name": "ghost",
                "managed_name": "iam-audit-x-1",
                "document": document_,
            },
            False,
        ),
    ]
    # The undo of a partly applied attach: the unattached policy the bot created is deleted.
    leftover = boto3.client("iam", region_name=REGION).create_policy(
        PolicyName="iam-audit-left-1", PolicyDocument=json.dumps(document_)
    )["Policy"]["Arn"]
    changes.append(("delete_policy", {"policy_arn": leftover}, True))
    for kind, name in (("user", "alice"), ("group", "admins"), ("role", "app")):
        target = {"target_kind": kind, "target_name": name}
        changes.append(("detach_policy", {**target, "policy_arn": seeded["managed"]}, True))
        changes.append(
            (
                "attach_policy",
                {**target, "managed_name": "iam-audit-y-2", "document": document_},
                True,
            )
        )
    failed = []
    for remediation, params, should_work in changes:
        journal: list[dict[str, Any]] = []
        result = executor.apply(
            remediation,
            params,
            request_id="R1",
            requester="U1",
            approver="U2",
            journal=CallJournal(lambda _intent: None, journal.append),
        )
        if result.ok != should_work:
            failed.append(f"{remediation}: {result.outcome}")
        # The reads of a reconciliation after a crash (bot.approvals.desk.reconcile) are
        # recorded too: they must be allowed as well.
        for call in journal:
            executor.took_effect(call)
        in_effect = executor.change_in_effect(remediation, params, journal)
        # Access Analyzer is answered by fixed stubs here (moto has none), so only IAM's real
        # state (moto) can confirm the reconciliation's judgement.
        stubbed = "analyzer" in remediation or "finding" in remediation
        if not stubbed and in_effect != should_work:
            failed.append(f"{remediation}: reconciliation misjudged the outcome")
    failed += run_rightsize_remediations(executor)
    for kind, name, params in (
        ("user", "alice", {}),
        ("group", "admins", {}),
        ("role", "app", {}),
        ("server_certificate", "web", {}),
        ("analyzer", "any", {"region": REGION}),
        ("analyzer_finding", "f-1", finding),
        ("policy", "iam-audit-left-1", {"policy_arn": leftover}),
    ):
        executor.read_state(kind, name, params)
    for kind, name in (("user", "alice"), ("group", "admins"), ("role", "app")):
        executor.attached_policies(kind, name)
    executor.account_id()
    return failed


@pytest.fixture(scope="module")
def recorded() -> Iterator[dict[str, list[RecordedCall]]]:
    """The calls of each part of the bot: collector, remediations, hub (Organizations)."""
    calls: dict[str, list[RecordedCall]] = {}
    with mock_aws():
        seeded = seed_account()
        session = member_session()
        with RECORDER.scope() as seen:
            collect_snapshot(
                session,
                now=NOW,
                sleep=lambda _s: None,
                access_analyzer=AnalyzerScope(max_regions=2),
            )
        with RECORDER.scope() as lint_seen:
            validate_policy(
                make_client(session, "accessanalyzer"),
                json.dumps(f.allow("s3:GetObject")),
                "identity",
            )
        with RECORDER.scope() as simulator_seen:
            ask_the_policy_simulator(session)
        with RECORDER.scope() as usage_seen:
            record_usage_reads()
        calls["collector"] = list(seen) + list(lint_seen) + list(simulator_seen) + list(usage_seen)
        with RECORDER.scope() as seen:
            failed = run_every_remediation(session, seeded)
        assert failed == []
        calls["remediation"] = list(seen)
        member = seed_organization()
        with RECORDER.scope() as seen:
            # The collector reads the SCPs over its own account (moto's organization is
            # managed from it; in a member account AWS refuses, and the audit says so).
            read_organization_policies(make_client(session, "organizations"), ACCOUNT)
        calls["collector"] += list(seen)
        with RECORDER.scope() as seen:
            hub = boto3.Session(region_name=REGION)
            accounts = list_accounts(hub)
            RoleAssumer(hub, AssumeRoleOptions(external_id="x-id")).session_for(
                accounts[0].account_id
            )
            hub_reader(hub).read(member)
        calls["hub"] = list(seen)
    return calls


def seed_organization() -> str:
    """An organization with SCPs and RCPs enabled, the account in a nested OU, an SCP at every
    level and an RCP at the root and on the accounts (plain clients, unrecorded); returns a
    member account's id."""
    org = boto3.client("organizations", region_name=REGION)
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    org.enable_policy_type(RootId=root, PolicyType="RESOURCE_CONTROL_POLICY")
    outer = org.create_organizational_unit(ParentId=root, Name="outer")["OrganizationalUnit"]["Id"]
    inner = org.create_organizational_unit(ParentId=outer, Name="inner")["OrganizationalUnit"]
    member = org.create_account(Email="member@example.com", AccountName="member")
    member_id = member["CreateAccountStatus"]["AccountId"]
    for account in (ACCOUNT, member_id):
        org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=inner["Id"])
    deny = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}],
    }
    scp = org.create_policy(
        Name="deny-s3", Description="", Type="SERVICE_CONTROL_POLICY", Content=json.dumps(deny)
    )["Policy"]["PolicySummary"]["Id"]
    for target in (root, outer, inner["Id"], ACCOUNT, member_id):
        org.attach_policy(PolicyId=scp, TargetId=target)
    outside = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORGANIZATION}},
            }
        ],
    }
    rcp = org.create_policy(
        Name="org-only-s3",
        Description="",
        Type="RESOURCE_CONTROL_POLICY",
        Content=json.dumps(outside),
    )["Policy"]["PolicySummary"]["Id"]
    RESOURCE_CONTROL_POLICY_IDS.add(rcp)
    for target in (root, ACCOUNT, member_id):
        org.attach_policy(PolicyId=rcp, TargetId=target)
    return member_id


def ask_the_policy_simulator(session: boto3.Session) -> None:
    """`simulate --aws` and the approval preview (moto has no simulator: answered like AWS)."""
    session.events.register("before-call.iam.SimulateCustomPolicy", _simulation_answer)
    session.events.register("before-call.iam.SimulatePrincipalPolicy", _simulation_answer)
    simulator = PolicySimulator(make_client(session, "iam"))
    simulation = CustomSimulation((json.dumps(f.allow("s3:GetObject")),), (), None, None, None)
    simulator.simulate_custom(simulation, ["s3:GetObject"], ["*"])
    simulator.simulate_principal(f"arn:aws:iam::{ACCOUNT}:role/app", ["s3:GetObject"], ["*"])


def _simulation_answer(model: Any, **_: Any) -> Any:
    response = AWSResponse("https://iam.amazonaws.com/", 200, {}, None)
    result = {"EvalActionName": "s3:GetObject", "EvalResourceName": "*", "EvalDecision": "allowed"}
    return response, {
        "EvaluationResults": [result],
        "IsTruncated": False,
        "ResponseMetadata": {"RequestId": "fake", "HTTPStatusCode": 200},
    }


def needed(calls: list[RecordedCall]) -> set[str]:
    return {action for call in calls if (action := iam_action(call)) is not None}


def check_permissions() -> set[str]:
    return {p for check in all_checks().values() for p in check.meta.permissions}


# --- resources and requests ---------------------------------------------------------------------


def resource_of(action: str, params: dict[str, Any], *, account: str = ACCOUNT) -> str:
    """The ARN a call acts on, from its API parameters and the action's resource type."""
    info = default_catalogue().action(action)
    types = {t.name for t in info.resource_types} if info else set()
    iam = f"arn:aws:iam::{account}"
    if "user" in types and "UserName" in params and "group" not in types:
        return f"{iam}:user/{params['UserName']}"
    if "group" in types and "GroupName" in params:
        return f"{iam}:group/{params['GroupName']}"
    if "role" in types and "RoleName" in params:
        return f"{iam}:role/{params['RoleName']}"
    if "PolicySourceArn" in params:  # iam:SimulatePrincipalPolicy: the user or role simulated
        return str(params["PolicySourceArn"])
    if "role" in types and "RoleArn" in params:
        return str(params["RoleArn"])
    if "policy" in types and "PolicyArn" in params:
        return str(params["PolicyArn"])
    if "policy" in types and "PolicyName" in params:
        return f"{iam}:policy/{params['PolicyName']}"
    if "server-certificate" in types and "ServerCertificateName" in params:
        return f"{iam}:server-certificate/{params['ServerCertificateName']}"
    if {"user", "role"} & types and "Arn" in params:  # GenerateServiceLastAccessedDetails
        return str(params["Arn"])
    if action.startswith("organizations:"):
        return organizations_resource(action, params)
    if "Analyzer" in types:
        if "analyzerArn" in params:
            return str(params["analyzerArn"])
        if "analyzerName" in params:
            return f"arn:aws:access-analyzer:{REGION}:{account}:analyzer/{params['analyzerName']}"
    if types:
        raise AssertionError(f"no resource known for {action} with {sorted(params)}")
    return "*"


def organizations_resource(action: str, params: dict[str, Any]) -> str:
    """The Organizations ARN a call acts on (the service authorization reference's formats)."""
    arn = f"arn:aws:organizations::{ACCOUNT}"
    if "PolicyId" in params:
        policy_id = str(params["PolicyId"])
        kind = (
            "resource_control_policy"
            if policy_id in RESOURCE_CONTROL_POLICY_IDS
            else "service_control_policy"
        )
        if policy_id in ("p-FullAWSAccess", RCP_FULL_ACCESS):  # AWS-managed: no organization
            return f"arn:aws:organizations::aws:policy/{kind}/{policy_id}"
        return f"{arn}:policy/{ORGANIZATION}/{kind}/{policy_id}"
    target = str(params.get("ChildId") or params.get("TargetId") or "")
    if target.startswith("r-"):
        return f"{arn}:root/{ORGANIZATION}/{target}"
    if target.startswith("ou-"):
        return f"{arn}:ou/{ORGANIZATION}/{target}"
    if target.isdigit():
        return f"{arn}:account/{ORGANIZATION}/{target}"
    if default_catalogue().action(action).resource_types:
        raise AssertionError(f"no resource known for {action} with {sorted(params)}")
    return "*"


def member_policies() -> PolicySet:
    return PolicySet(
        identity=[policy("audit-readonly"), policy("remediation"), policy("rightsize")],
        permission_boundaries=[policy("remediation-boundary")],
    )


def decide(action: str, resource: str, policies: PolicySet, **context: str) -> str:
    request = Request(MEMBER_ROLE, action, resource, context=context)
    return evaluate(request, policies).decision


# --- the tests ----------------------------------------------------------------------------------


def test_every_call_the_code_makes_maps_to_a_known_iam_action(recorded) -> None:
    catalogue = default_catalogue()
    unknown = sorted(
        action
        for calls in recorded.values()
        for action in needed(calls)
        if catalogue.action(action) is None
    )
    assert unknown == []
    # The recording is not trivially empty: every part of the bot made its calls.
    assert {"iam:GetAccountAuthorizationDetails", "access-analyzer:GetFinding"} <= needed(
        recorded["collector"]
    )
    assert {"iam:UpdateAccessKey", "iam:DeletePolicy", "access-analyzer:CreateAnalyzer"} <= needed(
        recorded["remediation"]
    )
    assert needed(recorded["hub"]) == {
        "organizations:ListAccounts",
        "sts:AssumeRole",
        *ORGANIZATION_POLICY_ACTIONS,
    }
    assert set(ORGANIZATION_POLICY_ACTIONS) <= needed(recorded["collector"])


def test_audit_readonly_allows_exactly_what_the_collector_and_checks_use(recorded) -> None:
    used = (
        needed(recorded["collector"])
        | set(COLLECTOR_ACTIONS)
        | set(ACCESS_ANALYZER_ACTIONS)
        | check_permissions()
        | {VALIDATE_POLICY_ACTION}  # `iam-audit lint --aws-validate`, run with the audit role
        | set(LAST_ACCESSED_ACTIONS + RECOMMENDATION_ACTIONS)  # `rightsize`'s usage evidence
    ) - {"sts:GetCallerIdentity"}
    assert allowed_actions("audit-readonly") == used


def test_remediation_policy_covers_every_remediation_and_nothing_else(recorded) -> None:
    used = needed(recorded["remediation"]) | set(required_iam_actions())
    grants = allowed_actions("remediation")
    # Right-sizing's permissions are the opt-in rightsize.json (exactly what it declares).
    rightsizing = {a for r in (RIGHTSIZE, RESTORE) for a in get_remediation(r).iam_actions}
    assert allowed_actions("rightsize") == rightsizing
    assert used - grants - allowed_actions("audit-readonly") - rightsizing == set()
    assert grants - used == set(), "the remediation policy allows actions no remediation uses"
    # Every remediation the executor implements is registered with its declared actions.
    assert implemented_remediations() <= set(all_remediations())


def test_hub_policy_allows_exactly_the_organizations_fan_out(recorded) -> None:
    assert allowed_actions("hub-organizations") == needed(recorded["hub"]) | set(
        ORGANIZATIONS_ACTIONS
    ) | set(ORGANIZATION_POLICY_ACTIONS)


def test_our_evaluator_allows_every_recorded_organizations_call_of_the_hub(recorded) -> None:
    policies = PolicySet(identity=[policy("hub-organizations")])
    hub_role = f"arn:aws:iam::{ACCOUNT}:role/iam-audit-bot"  # moto's organization is managed here
    denied = []
    for call in recorded["hub"]:
        action = iam_action(call)
        if action is None or not action.startswith("organizations:"):
            continue  # sts:AssumeRole is cross-account: test_cross_account_trust_needs_...
        resource = resource_of(action, call.params)
        request = Request(hub_role, action, resource)
        if evaluate(request, policies).decision != "allowed":
            denied.append((action, resource))
    assert denied == []


def test_the_audit_role_reads_the_scps_over_its_own_account_only() -> None:
    readonly = PolicySet(identity=[policy("audit-readonly")])
    for account, expected in ((ACCOUNT, "allowed"), (OTHER_ACCOUNT, "implicit_deny")):
        for action, params in (
            ("organizations:ListPoliciesForTarget", {"TargetId": account}),
            ("organizations:ListParents", {"ChildId": account}),
        ):
            assert decide(action, organizations_resource(action, params), readonly) == expected
    # Only service control policies, not the organization's other policy types.
    tag_policy = f"arn:aws:organizations::{ACCOUNT}:policy/{ORGANIZATION}/tag_policy/p-12345678"
    assert decide("organizations:DescribePolicy", tag_policy, readonly) != "allowed"


def rcp_reads(calls: list[RecordedCall]) -> tuple[set[str], set[str]]:
    """The targets whose RCPs were listed and the RCPs described, among ``calls``."""
    listed = {
        str(call.params.get("TargetId"))
        for call in calls
        if call.operation == "ListPoliciesForTarget"
        and call.params.get("Filter") == "RESOURCE_CONTROL_POLICY"
    }
    described = {
        str(call.params.get("PolicyId")) for call in calls if call.operation == "DescribePolicy"
    }
    return listed, described & RESOURCE_CONTROL_POLICY_IDS


@pytest.mark.parametrize("part", ["collector", "hub"])
def test_the_recorded_calls_include_reading_resource_control_policies(recorded, part) -> None:
    # The policy checks above judge these calls too: an RCP read is among what they allow.
    listed, described = rcp_reads(recorded[part])
    assert len(listed) == 4  # the root, two OUs and the account
    assert described == RESOURCE_CONTROL_POLICY_IDS  # RCPFullAWSAccess and ours


def test_describe_policy_reaches_service_and_resource_control_policies_only() -> None:
    ours = f"arn:aws:organizations::{ACCOUNT}:policy/{ORGANIZATION}"
    readable = [
        f"{ours}/service_control_policy/p-12345678",
        f"{ours}/resource_control_policy/p-12345678",
        "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
        f"arn:aws:organizations::aws:policy/resource_control_policy/{RCP_FULL_ACCESS}",
    ]
    other_types = [
        f"{ours}/{kind}/p-12345678"
        for kind in (
            "tag_policy",
            "backup_policy",
            "aiservices_opt_out_policy",
            "chatbot_policy",
            "declarative_policy_ec2",
        )
    ]
    # The boundary's shorter pattern (*_control_policy, for its size) is held to the same.
    anything = parse_policy(f.allow("organizations:DescribePolicy"), name="anything")
    boundary_alone = PolicySet(
        identity=[anything], permission_boundaries=[policy("remediation-boundary")]
    )
    for policies in (
        PolicySet(identity=[policy("audit-readonly")]),
        PolicySet(identity=[policy("hub-organizations")]),
        member_policies(),
        boundary_alone,
    ):
        for resource in readable:
            assert decide("organizations:DescribePolicy", resource, policies) == "allowed"
        for resource in other_types:
            assert decide("organizations:DescribePolicy", resource, policies) != "allowed"


def test_boundary_ceiling_is_exactly_the_member_role_policies() -> None:
    assert allowed_actions("remediation-boundary") == allowed_actions(
        "audit-readonly"
    ) | allowed_actions("remediation") | allowed_actions("rightsize")


@pytest.mark.parametrize("name", ALL_POLICIES)
def test_no_wildcard_action_and_no_star_resource_where_aws_can_scope(name: str) -> None:
    catalogue = default_catalogue()
    for statement in document(name)["Statement"]:
        assert "NotAction" not in statement, statement.get("Sid")
        actions = statement["Action"]
        actions = [actions] if isinstance(actions, str) else actions
        assert all("*" not in a and "?" not in a for a in actions), statement.get("Sid")
        if statement["Effect"] != "Allow" or "Principal" in statement:
            continue
        assert "NotResource" not in statement
        resources = statement["Resource"]
        resources = [resources] if isinstance(resources, str) else resources
        for action in actions:
            info = catalogue.action(action)
            assert info is not None, action
            if info.resource_types:
                assert "*" not in resources, f"{action} supports resource-level permissions"


@pytest.mark.parametrize("name", ALL_POLICIES)
def test_policies_are_lint_clean(name: str) -> None:
    from bot.audit.findings import Severity

    kind = {"remediation-boundary": "boundary"}.get(name, "identity")
    if name == "cross-account-trust":
        kind = "trust"
    findings = lint_policy(
        json.dumps(document(name)), catalogue=default_catalogue(), policy_type=kind
    )
    assert [x.message for x in findings if x.severity.rank >= Severity.LOW.rank] == []


def test_our_evaluator_allows_every_recorded_collector_call(recorded) -> None:
    policies = PolicySet(identity=[policy("audit-readonly")])
    denied = []
    for call in recorded["collector"]:
        action = iam_action(call)
        if action is None:
            continue
        decision = decide(action, resource_of(action, call.params), policies)
        if decision != "allowed":
            denied.append((action, decision))
    assert denied == []


def test_our_evaluator_allows_every_recorded_remediation_call_within_the_boundary(
    recorded,
) -> None:
    denied = []
    for call in recorded["remediation"]:
        action = iam_action(call)
        if action is None:
            continue
        resource = resource_of(action, call.params)
        if decide(action, resource, member_policies()) != "allowed":
            denied.append((action, resource))
    assert denied == []


def test_declared_but_unrecorded_actions_are_allowed_on_their_resource() -> None:
    # Access Analyzer creates its service-linked role on first use, on the bot's behalf.
    slr = (
        f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/access-analyzer.amazonaws.com/"
        "AWSServiceRoleForAccessAnalyzer"
    )
    assert (
        decide(
            "iam:CreateServiceLinkedRole",
            slr,
            member_policies(),
            **{"iam:AWSServiceName": "access-analyzer.amazonaws.com"},
        )
        == "allowed"
    )
    assert (
        decide(
            "iam:CreateServiceLinkedRole",
            f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/ec2.amazonaws.com/AWSServiceRoleForEC2",
            member_policies(),
            **{"iam:AWSServiceName": "ec2.amazonaws.com"},
        )
        != "allowed"
    )
    assert (
        decide(
            "iam:ListMFADevices",
            f"arn:aws:iam::{ACCOUNT}:user/bob",
            PolicySet(identity=[policy("audit-readonly")]),
        )
        == "allowed"
    )


@pytest.mark.parametrize(
    ("action", "resource", "context"),
    [
        # The bot's own roles are off limits, even for actions it has elsewhere.
        (
            "iam:AttachRolePolicy",
            MEMBER_ROLE,
            {"iam:PolicyARN": f"arn:aws:iam::{ACCOUNT}:policy/x"},
        ),
        ("iam:UpdateAssumeRolePolicy", MEMBER_ROLE, {}),
        ("iam:DetachRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/iam-audit-bot", {}),
        # AdministratorAccess is never attached, to anyone.
        ("iam:AttachUserPolicy", f"arn:aws:iam::{ACCOUNT}:user/alice", {"iam:PolicyARN": ADMIN}),
        ("iam:AttachGroupPolicy", f"arn:aws:iam::{ACCOUNT}:group/admins", {"iam:PolicyARN": ADMIN}),
        ("iam:AttachRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/app", {"iam:PolicyARN": ADMIN}),
        # Nothing the code does not do.
        ("iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/mallory", {}),
        ("iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT}:user/alice", {}),
        ("iam:PutGroupPolicy", f"arn:aws:iam::{ACCOUNT}:group/admins", {}),
        # Right-sizing (rightsize.json) rewrites customer policies, never the bot's own.
        ("iam:CreatePolicyVersion", f"arn:aws:iam::{ACCOUNT}:policy/IamAuditRemediation", {}),
        ("iam:SetDefaultPolicyVersion", f"arn:aws:iam::{ACCOUNT}:policy/IamAuditBoundary", {}),
        ("iam:PutRolePolicy", MEMBER_ROLE, {}),
        ("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/app", {}),
        ("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/app", {}),
        # Policies the bot did not create are not deleted; other accounts are out of reach.
        ("iam:DeletePolicy", f"arn:aws:iam::{ACCOUNT}:policy/reader", {}),
        ("iam:UpdateAccessKey", f"arn:aws:iam::{OTHER_ACCOUNT}:user/alice", {}),
        ("access-analyzer:DeleteAnalyzer", ANALYZER, {}),
    ],
)
def test_what_the_bot_must_never_do_is_denied(
    action: str, resource: str, context: dict[str, str]
) -> None:
    assert decide(action, resource, member_policies(), **context) != "allowed"


def test_admin_and_own_role_are_explicit_denies_in_the_boundary() -> None:
    # The boundary alone (with a hypothetical broad identity policy) still refuses both.
    broad = parse_policy(f.allow(["iam:AttachRolePolicy", "iam:AttachUserPolicy"]), name="broad")
    policies = PolicySet(identity=[broad], permission_boundaries=[policy("remediation-boundary")])
    own = Request(MEMBER_ROLE, "iam:AttachRolePolicy", MEMBER_ROLE)
    admin = Request(
        MEMBER_ROLE,
        "iam:AttachUserPolicy",
        f"arn:aws:iam::{ACCOUNT}:user/alice",
        context={"iam:PolicyARN": ADMIN},
    )
    assert evaluate(own, policies).decision == "explicit_deny"
    assert evaluate(admin, policies).decision == "explicit_deny"


def test_cross_account_trust_needs_the_external_id() -> None:
    trust = policy("cross-account-trust")
    hub = PolicySet(identity=[policy("hub-organizations")], resource_policy=trust)
    external_id = document("cross-account-trust")["Statement"][0]["Condition"]["StringEquals"][
        "sts:ExternalId"
    ]

    def assume(principal: str, **context: str) -> str:
        request = Request(
            principal, "sts:AssumeRole", MEMBER_ROLE, resource_account=ACCOUNT, context=context
        )
        return evaluate(request, hub).decision

    assert assume(HUB_ROLE, **{"sts:ExternalId": external_id}) == "allowed"
    assert assume(HUB_ROLE) != "allowed"
    assert assume(HUB_ROLE, **{"sts:ExternalId": "guessed"}) != "allowed"
    assert (
        assume(
            f"arn:aws:iam::{OTHER_ACCOUNT}:role/iam-audit-bot", **{"sts:ExternalId": external_id}
        )
        != "allowed"
    )


def test_every_call_recorded_so_far_in_this_session_is_allowed(recorded) -> None:
    """Calls other tests made through the bot's clients (demo, CLI, approvals...) count too;
    the ones made after this test are checked when the session ends (aws_call_recorder)."""
    assert RECORDER.calls  # the fixture's calls at least
    assert calls_not_granted(RECORDER.calls) == []


def test_the_session_check_would_name_a_call_no_policy_grants() -> None:
    assert calls_not_granted(frozenset({("iam", "CreateUser"), ("sts", "GetCallerIdentity")})) == [
        "iam:CreateUser"
    ]


# --- the bot audits itself ---------------------------------------------------------------------


def managed(name: str, file: str) -> ManagedPolicy:
    return ManagedPolicy(
        name=name,
        arn=f"arn:aws:iam::{ACCOUNT}:policy/{name}",
        policy_id=f"ANPA{name.upper()}",
        document=document(file),
        attachment_count={"remediation-boundary": 0, "audit-readonly": 2}.get(file, 1),
        boundary_usage_count=1 if file == "remediation-boundary" else 0,
        create_date=f.days_ago(30),
        update_date=f.days_ago(30),
    )


def bot_snapshot() -> AccountSnapshot:
    """A member account holding only the bot's role and policies, exactly as shipped."""
    readonly = managed("IamAuditReadOnly", "audit-readonly")
    remediation = managed("IamAuditRemediation", "remediation")
    boundary = managed("IamAuditBoundary", "remediation-boundary")
    member = Role(
        name="iam-audit-member",
        arn=MEMBER_ROLE,
        role_id="AROAIAMAUDITMEMBER",
        create_date=f.days_ago(30),
        trust_policy=document("cross-account-trust"),
        attached_policies=(
            AttachedPolicy(readonly.name, readonly.arn),
            AttachedPolicy(remediation.name, remediation.arn),
        ),
        permissions_boundary_arn=boundary.arn,
        last_used=f.days_ago(1),
        last_used_region=REGION,
    )
    hub_policy = managed("IamAuditHub", "hub-organizations")
    hub = Role(
        name="iam-audit-bot",
        arn=f"arn:aws:iam::{ACCOUNT}:role/iam-audit-bot",
        role_id="AROAIAMAUDITBOT",
        create_date=f.days_ago(30),
        trust_policy=f.service_trust(
            "ecs-tasks.amazonaws.com",
            condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        ),
        attached_policies=(
            AttachedPolicy(hub_policy.name, hub_policy.arn),
            AttachedPolicy(readonly.name, readonly.arn),
        ),
        last_used=f.days_ago(1),
        last_used_region=REGION,
    )
    return f.snapshot(roles=[member, hub], policies=[readonly, remediation, boundary, hub_policy])


def test_the_bots_own_role_gets_no_findings_from_the_audit() -> None:
    # The remediation role may attach policies to users and groups and add users to groups
    # (what approved remediations do); none of that benefits the role itself, so the privesc
    # check must not call it self-escalation, and nothing needs muting.
    report = f.audit(bot_snapshot())
    ours = ("iam-audit-member", "iam-audit-bot", "IamAudit")
    about_the_bot = [
        (finding.check_id, finding.resource_arn, finding.title)
        for finding in report.findings
        if any(part in finding.resource_arn for part in ours)
    ]
    assert about_the_bot == []
    assert report.errors == ()
    assert report.suppressed == ()
    assert len(report.checks) >= 20  # the role and policy checks really ran


def test_the_audit_only_role_gets_no_findings_at_all() -> None:
    snapshot = bot_snapshot()
    member = snapshot.roles[0]
    readonly = Role(
        name=member.name,
        arn=member.arn,
        role_id=member.role_id,
        create_date=member.create_date,
        trust_policy=member.trust_policy,
        attached_policies=member.attached_policies[:1],
        last_used=member.last_used,
        last_used_region=member.last_used_region,
    )
    report = f.audit(f.snapshot(roles=[readonly], policies=snapshot.policies[:1]))
    assert [
        x for x in report.findings if "iam-audit" in x.resource_arn or "IamAudit" in x.resource_arn
    ] == []


def test_the_self_audit_would_notice_a_dangerous_change() -> None:
    # Same role without the boundary and with AdministratorAccess: the audit must object, which
    # shows the clean result above is the policies' merit, not checks that never look.
    snapshot = bot_snapshot()
    admin = f.managed_policy(
        "AdministratorAccess", f.allow("*"), aws_managed=True, attachment_count=1
    )
    member = snapshot.roles[0]
    risky = Role(
        name=member.name,
        arn=member.arn,
        role_id=member.role_id,
        create_date=member.create_date,
        trust_policy={
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
            ],
        },
        attached_policies=(*member.attached_policies, AttachedPolicy(admin.name, admin.arn)),
        last_used=member.last_used,
        last_used_region=member.last_used_region,
    )
    report = f.audit(f.snapshot(roles=[risky], policies=[*snapshot.policies, admin]))
    assert any("iam-audit-member" in x.resource_arn for x in report.findings)


# --- a throwaway self-signed certificate for moto's UploadServerCertificate ----------------------

_CERT = """-----BEGIN CERTIFICATE-----
MIIBhTCCASugAwIBAgIUQk3r6bS0nKf2Yy9a7g9wV0c3UoowCgYIKoZIzj0EAwIw
GDEWMBQGA1UEAwwNaWFtLWF1ZGl0LXRlc3QwHhcNMjQwMTAxMDAwMDAwWhcNMzQw
MTAxMDAwMDAwWjAYMRYwFAYDVQQDDA1pYW0tYXVkaXQtdGVzdDBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABOf5r5S4lQy2nq1yq0nH2b8pY7tWc4m9q7cM0p8m3m6x
Z2fYQy6H0oKJm3l8S0z8m7x8v2J1a4c9n0dQz0n8Z2ujUzBRMB0GA1UdDgQWBBQ4
-----END CERTIFICATE-----"""
_KEY = """-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgnotarealkeyfortests
-----END PRIVATE KEY-----"""
