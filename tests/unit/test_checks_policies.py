"""Document-level policy checks: which documents are read, what each check matches, evidence."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.audit.findings import Severity
from tests.factories import (
    ACCOUNT_ID,
    ADMINISTRATOR_ACCESS,
    allow,
    group,
    inline,
    managed_policy,
    policy_arn,
    policy_document,
    role,
    run_check,
    snapshot,
    statement,
    user,
    user_arn,
)

ADMIN_DOC = allow("*")


def _customer(document, **kwargs):
    return snapshot(policies=[managed_policy("p", document, **kwargs)])


def _findings(check_id, document):
    return run_check(check_id, _customer(document))


# --- which documents are audited ------------------------------------------------------------


def test_admin_star_in_customer_managed_policy() -> None:
    findings = _findings("policy.admin_star", ADMIN_DOC)
    assert len(findings) == 1
    finding = findings[0]
    assert finding.resource_arn == policy_arn("p")
    assert finding.resource_type == "AWS::IAM::Policy"
    assert finding.severity is Severity.HIGH
    assert finding.evidence["policy_name"] == "p"
    assert finding.evidence["statements"] == [
        {"statement_index": 0, "actions": ["*"], "resources": ["*"]}
    ]


def test_admin_star_in_inline_policy_uses_principal_arn_with_inline_suffix() -> None:
    snap = snapshot(users=[user("alice", inline_policies=[inline("break-glass", ADMIN_DOC)])])
    findings = run_check("policy.admin_star", snap)
    assert [f.resource_arn for f in findings] == [f"{user_arn('alice')}#inline/break-glass"]
    assert findings[0].resource_type == "AWS::IAM::UserPolicy"
    assert findings[0].evidence["attached_to"] == user_arn("alice")


def test_inline_policies_of_groups_and_roles_are_read() -> None:
    snap = snapshot(
        groups=[group("ops", inline_policies=[inline("g", ADMIN_DOC)])],
        roles=[role("r", inline_policies=[inline("r", ADMIN_DOC)])],
    )
    types = sorted(f.resource_type for f in run_check("policy.admin_star", snap))
    assert types == ["AWS::IAM::GroupPolicy", "AWS::IAM::RolePolicy"]


def test_aws_managed_policy_is_read_only_when_in_use() -> None:
    attached = managed_policy(
        "AdministratorAccess", ADMIN_DOC, aws_managed=True, attachment_count=2
    )
    idle = managed_policy("PowerUserAccess", ADMIN_DOC, aws_managed=True, attachment_count=0)
    findings = run_check("policy.admin_star", snapshot(policies=[attached, idle]))
    assert [f.resource_arn for f in findings] == [ADMINISTRATOR_ACCESS]
    assert findings[0].evidence["policy_kind"] == "aws_managed"


def test_aws_managed_policy_named_by_a_principal_is_read_even_with_zero_count() -> None:
    admin = managed_policy("AdministratorAccess", ADMIN_DOC, aws_managed=True, attachment_count=0)
    snap = snapshot(policies=[admin], roles=[role("ops", attached_policies=[ADMINISTRATOR_ACCESS])])
    assert len(run_check("policy.admin_star", snap)) == 1


# AutoScalingServiceRolePolicy's EC2 statement (AWS's document, shortened): iam:PassRole on `*`
# for the instances it launches, plus a sensitive service wildcard and a NotAction to make every
# document check look at it.
SERVICE_ROLE_DOC = policy_document(
    statement(action=["iam:PassRole", "ec2:RunInstances"]),
    statement(action="kms:*"),
    statement(not_action="iam:*"),
)
POLICY_CHECKS = (
    "policy.admin_star",
    "policy.service_wildcard",
    "policy.notaction_allow",
    "policy.passrole_star",
    "policy.full_access_sensitive",
)


def _with_path(policy, path: str):
    """``policy`` under ``path`` (its ARN too, as IAM names it)."""
    owner, _, name = policy.arn.rpartition(":policy/")
    return replace(policy, path=path, arn=f"{owner}:policy{path}{name}")


def test_policies_only_a_service_linked_role_can_hold_are_not_audited() -> None:
    """AWS-managed policies under /aws-service-role/ attach only to their service's
    service-linked role (AttachRolePolicy: PolicyNotAttachableException, "AWS service role
    policies can only be attached to the service-linked role for that service"), which only the
    service uses: what they allow is not the account's to fix, as the roles are not."""
    slr_policy = _with_path(
        managed_policy("AutoScalingServiceRolePolicy", SERVICE_ROLE_DOC, aws_managed=True),
        "/aws-service-role/",
    )
    # A source that does not carry the path: the ARN still says it.
    arn_only = replace(
        managed_policy("AWSSupportServiceRolePolicy", SERVICE_ROLE_DOC, aws_managed=True),
        arn="arn:aws:iam::aws:policy/aws-service-role/AWSSupportServiceRolePolicy",
    )
    holder = role(
        "AWSServiceRoleForAutoScaling",
        path="/aws-service-role/autoscaling.amazonaws.com/",
        attached_policies=[slr_policy.arn, arn_only.arn],
    )
    snap = snapshot(policies=[slr_policy, arn_only], roles=[holder])
    for check_id in POLICY_CHECKS:
        assert run_check(check_id, snap) == [], check_id


def test_other_policies_under_service_paths_are_still_audited() -> None:
    """A customer-managed policy attaches to any principal whatever its path, and AWS-managed
    policies under /service-role/ (AWSLambdaRole...) to any role: both are still audited."""
    customer = _with_path(managed_policy("lookalike", SERVICE_ROLE_DOC), "/aws-service-role/")
    service_role = _with_path(
        managed_policy("AWSLambdaRole", SERVICE_ROLE_DOC, aws_managed=True), "/service-role/"
    )
    snap = snapshot(policies=[customer, service_role])
    for check_id in POLICY_CHECKS[1:]:
        arns = {f.resource_arn for f in run_check(check_id, snap)}
        assert arns == {customer.arn, service_role.arn}, check_id
    assert customer.arn == f"arn:aws:iam::{ACCOUNT_ID}:policy/aws-service-role/lookalike"


# --- policy.admin_star ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        allow("*"),
        allow("*:*"),
        allow(["s3:GetObject", "*"]),
        policy_document({"Effect": "Allow", "Action": "*", "Resource": ["arn:aws:s3:::x", "*"]}),
        {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}},  # object, not list
        '{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}',  # JSON text
    ],
)
def test_admin_star_matches(document) -> None:
    assert len(_findings("policy.admin_star", document)) == 1


@pytest.mark.parametrize(
    "document",
    [
        allow("*", "arn:aws:s3:::bucket"),
        allow("s3:*"),
        policy_document(statement(effect="Deny", action="*")),
        policy_document(statement(not_action="iam:*")),  # NotAction belongs to notaction_allow
    ],
)
def test_admin_star_does_not_match(document) -> None:
    assert _findings("policy.admin_star", document) == []


def test_one_finding_per_document_lists_every_offending_statement() -> None:
    document = policy_document(
        statement(action="s3:GetObject", resource="arn:aws:s3:::b/*"),
        statement(action="*", sid="One"),
        statement(action="*:*", sid="Two"),
    )
    findings = _findings("policy.admin_star", document)
    assert len(findings) == 1
    assert [s["statement_index"] for s in findings[0].evidence["statements"]] == [1, 2]
    assert [s["sid"] for s in findings[0].evidence["statements"]] == ["One", "Two"]
    assert "statements 1, 2" in findings[0].detail


# --- policy.service_wildcard ----------------------------------------------------------------


def test_service_wildcard_matches_any_case_and_names_actions() -> None:
    findings = _findings(
        "policy.service_wildcard", allow(["S3:*", "ec2:Describe*"], "arn:aws:s3:::b")
    )
    assert findings[0].evidence["statements"][0]["actions"] == ["S3:*"]
    assert "S3:*" in findings[0].detail


@pytest.mark.parametrize("action", ["*", "s3:Get*", "s3:GetObject", "*:*"])
def test_service_wildcard_ignores_non_service_wildcards(action) -> None:
    assert _findings("policy.service_wildcard", allow(action)) == []


# --- policy.notaction_allow -----------------------------------------------------------------


def test_notaction_allow_matches_notaction_and_notresource() -> None:
    document = policy_document(
        statement(not_action=["iam:*", "organizations:*"]),
        statement(action="s3:GetObject", not_resource="arn:aws:s3:::secret/*"),
    )
    findings = _findings("policy.notaction_allow", document)
    hits = findings[0].evidence["statements"]
    assert hits[0]["not_actions"] == ["iam:*", "organizations:*"]
    assert hits[1]["not_resources"] == ["arn:aws:s3:::secret/*"]
    assert "NotAction" in findings[0].detail
    assert "NotResource" in findings[0].detail


def test_notaction_in_deny_is_fine() -> None:
    document = policy_document(statement(effect="Deny", not_action="iam:ChangePassword"))
    assert _findings("policy.notaction_allow", document) == []


# --- policy.passrole_star -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "grants"),
    [
        ("iam:PassRole", ["iam:PassRole"]),
        ("IAM:passrole", ["iam:PassRole"]),  # case-insensitive
        ("iam:Pass*", ["iam:PassRole"]),
        ("iam:*", ["iam:PassRole"]),
        ("sts:AssumeRole", ["sts:AssumeRole"]),
        ("sts:Assume*", ["sts:AssumeRole"]),
        (["iam:PassRole", "sts:AssumeRole"], ["iam:PassRole", "sts:AssumeRole"]),
    ],
)
def test_passrole_star_matches_actions_and_covering_wildcards(action, grants) -> None:
    findings = _findings("policy.passrole_star", allow(action))
    assert findings[0].evidence["statements"][0]["grants"] == grants


@pytest.mark.parametrize(
    ("action", "detail_end"),
    [
        ("iam:PassRole", "allows iam:PassRole on every resource (*)"),
        ("IAM:passrole", "allows iam:PassRole on every resource (*)"),  # same action, any case
        ("iam:Pass*", "allows iam:PassRole on every resource (*) through iam:Pass*"),
    ],
)
def test_passrole_star_names_the_pattern_only_when_it_differs(action, detail_end) -> None:
    (finding,) = _findings("policy.passrole_star", allow(action))
    assert finding.detail.endswith(detail_end)


def test_passrole_star_through_notaction() -> None:
    findings = _findings("policy.passrole_star", policy_document(statement(not_action="s3:*")))
    assert findings[0].evidence["statements"][0]["grants"] == ["iam:PassRole", "sts:AssumeRole"]


def test_notaction_excluding_only_iam_still_leaves_assume_role() -> None:
    findings = _findings("policy.passrole_star", policy_document(statement(not_action="iam:*")))
    assert findings[0].evidence["statements"][0]["grants"] == ["sts:AssumeRole"]


@pytest.mark.parametrize(
    "document",
    [
        allow("iam:PassRole", "arn:aws:iam::123456789012:role/app"),
        allow("iam:GetRole"),
        allow("*"),  # reported by policy.admin_star
        policy_document(statement(not_action=["iam:*", "sts:*"])),
        policy_document(statement(effect="Deny", action="iam:PassRole")),
    ],
)
def test_passrole_star_does_not_match(document) -> None:
    assert _findings("policy.passrole_star", document) == []


# --- policy.full_access_sensitive -----------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "grant"),
    [
        ("cloudtrail:*", "cloudtrail:*"),
        ("KMS:*", "kms:*"),
        ("aws-marketplace:Subscribe", "aws-marketplace:Subscribe"),
        ("aws-marketplace:*", "aws-marketplace:Subscribe"),
    ],
)
def test_full_access_sensitive_matches(action, grant) -> None:
    findings = _findings("policy.full_access_sensitive", allow(action))
    assert grant in findings[0].evidence["statements"][0]["grants"]


@pytest.mark.parametrize(
    "document",
    [
        allow("kms:*", "arn:aws:kms:us-east-1:123456789012:key/abc"),
        allow("kms:Decrypt"),
        allow("cloudtrail:Describe*"),
        allow("*"),
    ],
)
def test_full_access_sensitive_does_not_match(document) -> None:
    assert _findings("policy.full_access_sensitive", document) == []


# --- policy.unattached ----------------------------------------------------------------------


def test_unattached_customer_policy_fails() -> None:
    findings = run_check("policy.unattached", _customer(allow("s3:GetObject"), attachment_count=0))
    assert [f.resource_arn for f in findings] == [policy_arn("p")]
    assert findings[0].evidence["attachment_count"] == 0


@pytest.mark.parametrize(
    "kwargs", [{"attachment_count": 1}, {"attachment_count": 0, "boundary_usage_count": 1}]
)
def test_attached_or_boundary_policy_passes(kwargs) -> None:
    assert run_check("policy.unattached", _customer(allow("s3:GetObject"), **kwargs)) == []


def test_unattached_ignores_aws_managed_and_policies_named_by_principals() -> None:
    snap = snapshot(
        policies=[
            managed_policy("ReadOnlyAccess", aws_managed=True, attachment_count=0),
            managed_policy("boundary", attachment_count=0),
        ],
        users=[user("alice", permissions_boundary_arn=policy_arn("boundary"))],
    )
    assert run_check("policy.unattached", snap) == []


# --- malformed documents never crash --------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"Statement": "nonsense"},
        {"Statement": [None, 3, "x", {"Effect": None, "Action": 5}]},
        {"Statement": [{"Effect": "Allow"}]},  # no Action, no Resource
        {"Statement": [{"Effect": "Allow", "Action": ["s3:*", 7, None], "Resource": {"x": 1}}]},
        {"Statement": [{"Effect": "Allow", "Action": "*", "Condition": "bad"}]},
        "not json",
        "[1, 2]",
        None,
    ],
)
@pytest.mark.parametrize(
    "check_id",
    [
        "policy.admin_star",
        "policy.service_wildcard",
        "policy.notaction_allow",
        "policy.passrole_star",
        "policy.full_access_sensitive",
    ],
)
def test_malformed_documents_do_not_crash(document, check_id) -> None:
    snap = snapshot(users=[user("alice", inline_policies=[inline("odd", document)])])
    findings = run_check(check_id, snap)  # run_check fails the test if the check crashed
    assert all(f.resource_arn.endswith("#inline/odd") for f in findings)


def test_full_access_sensitive_through_notaction_names_the_services_left_open() -> None:
    findings = _findings(
        "policy.full_access_sensitive", policy_document(statement(not_action="kms:*"))
    )
    grants = findings[0].evidence["statements"][0]["grants"]
    assert "cloudtrail:*" in grants
    assert "kms:*" not in grants
