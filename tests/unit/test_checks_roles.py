"""Role trust, unused roles and support-role checks; service-linked roles are never flagged."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.audit.checks._trust_reading import read_trust
from bot.audit.findings import Severity
from tests.factories import (
    ACCOUNT_ID,
    OTHER_ACCOUNT_ID,
    READ_ONLY_ACCESS,
    SUPPORT_ACCESS,
    account_arn,
    account_trust,
    config_with,
    group,
    policy_document,
    role,
    role_arn,
    run_check,
    service_linked_role,
    service_trust,
    snapshot,
    statement,
    trust_policy,
    user,
)


def _roles(*roles):
    return snapshot(roles=roles)


def _check(check_id, *roles):
    return run_check(check_id, _roles(*roles))


# --- role.trust_any_principal ---------------------------------------------------------------


@pytest.mark.parametrize(
    "principal",
    ["*", {"AWS": "*"}, {"AWS": ["arn:aws:iam::123456789012:root", "*"]}],
)
def test_trust_any_principal_fails(principal) -> None:
    findings = _check("role.trust_any_principal", role("open", trust=trust_policy(principal)))
    assert [f.resource_arn for f in findings] == [role_arn("open")]
    assert findings[0].severity is Severity.CRITICAL
    assert findings[0].evidence["statements"][0]["statement_index"] == 0


def test_allow_with_not_principal_trusts_everyone_else() -> None:
    doc = policy_document(
        {
            "Effect": "Allow",
            "NotPrincipal": {"AWS": "arn:aws:iam::1:root"},
            "Action": "sts:AssumeRole",
        }
    )
    assert len(_check("role.trust_any_principal", role("np", trust=doc))) == 1


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
        {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}},
        {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::bucket"}},
        {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/x"}},
        {"StringEquals": {"aws:PrincipalAccount": [ACCOUNT_ID]}},
        {"StringEquals": {"sts:ExternalId": "s3cr3t"}},
        {"stringequals": {"AWS:PRINCIPALORGID": "o-abc123"}},  # keys are case-insensitive
    ],
)
def test_trust_any_principal_passes_with_restrictive_condition(condition) -> None:
    trust = trust_policy("*", condition=condition)
    assert _check("role.trust_any_principal", role("guarded", trust=trust)) == []


@pytest.mark.parametrize(
    "condition",
    [
        {"Bool": {"aws:SecureTransport": "true"}},  # not about who calls
        {"StringNotEquals": {"aws:PrincipalAccount": "111122223333"}},  # negated
        {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123"}},  # absent key passes
        {"StringLike": {"aws:PrincipalArn": "*"}},  # matches everyone
        {"Null": {"aws:PrincipalOrgID": "false"}},
    ],
)
def test_trust_any_principal_fails_with_conditions_that_do_not_restrict(condition) -> None:
    trust = trust_policy({"AWS": "*"}, condition=condition)
    assert len(_check("role.trust_any_principal", role("leaky", trust=trust))) == 1


def test_trust_any_principal_ignores_deny_statements_and_named_principals() -> None:
    doc = policy_document(
        statement(effect="Deny", principal="*", action="sts:AssumeRole", resource=None),
        statement(principal={"AWS": account_arn()}, action="sts:AssumeRole", resource=None),
    )
    assert _check("role.trust_any_principal", role("ok", trust=doc)) == []


# --- role.trust_cross_account_unguarded -----------------------------------------------------


@pytest.mark.parametrize(
    "principal",
    [
        OTHER_ACCOUNT_ID,
        f"arn:aws:iam::{OTHER_ACCOUNT_ID}:root",
        f"arn:aws:iam::{OTHER_ACCOUNT_ID}:role/vendor",
        [account_arn(), f"arn:aws:sts::{OTHER_ACCOUNT_ID}:assumed-role/x/y"],
    ],
)
def test_cross_account_unguarded_fails(principal) -> None:
    findings = _check(
        "role.trust_cross_account_unguarded", role("vendor", trust=trust_policy({"AWS": principal}))
    )
    assert findings[0].evidence["accounts"] == [OTHER_ACCOUNT_ID]
    assert OTHER_ACCOUNT_ID in findings[0].detail


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"sts:ExternalId": "abc"}},
        {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        {"Bool": {"aws:MultiFactorAuthPresent": True}},
        {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
    ],
)
def test_cross_account_guarded_passes(condition) -> None:
    trust = account_trust(OTHER_ACCOUNT_ID, condition=condition)
    assert _check("role.trust_cross_account_unguarded", role("vendor", trust=trust)) == []


@pytest.mark.parametrize(
    "condition",
    [
        {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}},  # absent for access keys
        {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
        {"StringEquals": {"sts:ExternalId": "*"}},
    ],
)
def test_cross_account_weak_guards_still_fail(condition) -> None:
    trust = account_trust(OTHER_ACCOUNT_ID, condition=condition)
    assert len(_check("role.trust_cross_account_unguarded", role("vendor", trust=trust))) == 1


def test_same_account_trust_and_unknown_ids_are_not_cross_account() -> None:
    trust = trust_policy({"AWS": [account_arn(), ACCOUNT_ID, "AROAEXAMPLEDELETEDROLE"]})
    assert _check("role.trust_cross_account_unguarded", role("local", trust=trust)) == []


# Control Tower's stacksets-exec-* roles trust the management account's StackSets
# service-linked role (CloudFormation User Guide, service-managed permissions).
STACKSETS_SLR = (
    f"arn:aws:iam::{OTHER_ACCOUNT_ID}:role/aws-service-role/stacksets.cloudformation.amazonaws.com/"
    "AWSServiceRoleForCloudFormationStackSetsOrgAdmin"
)


def test_trusting_another_accounts_service_linked_role_needs_no_external_id_or_mfa() -> None:
    """Only its service uses a service-linked role (nobody can change its trust; IAM refuses
    the /aws-service-role/ path to other roles), and the service sends neither sts:ExternalId
    nor MFA: no such condition can be asked of it. The trust is read as the other account's
    still, naming the service."""
    stacksets = role("stacksets-exec-1a2b", trust=trust_policy({"AWS": STACKSETS_SLR}))
    assert _check("role.trust_cross_account_unguarded", stacksets) == []
    (entry,) = read_trust(stacksets, ACCOUNT_ID).foreign_accounts
    assert entry["accounts"] == [OTHER_ACCOUNT_ID]
    assert entry["service_linked"] == [
        {"principal": STACKSETS_SLR, "service": "stacksets.cloudformation.amazonaws.com"}
    ]
    assert entry["guardable_accounts"] == []


@pytest.mark.parametrize(
    "principal",
    [
        # Any other role of that account, even one whose name looks like a service's.
        f"arn:aws:iam::{OTHER_ACCOUNT_ID}:role/service-role/AWSServiceRoleForThing",
        f"arn:aws:iam::{OTHER_ACCOUNT_ID}:role/aws-service-role",  # no service, no name
        f"arn:aws:iam::{OTHER_ACCOUNT_ID}:root",
    ],
)
def test_other_principals_of_that_account_still_need_a_guard(principal) -> None:
    findings = _check(
        "role.trust_cross_account_unguarded", role("r", trust=trust_policy({"AWS": principal}))
    )
    assert findings[0].evidence["accounts"] == [OTHER_ACCOUNT_ID]


def test_a_statement_trusting_a_service_linked_role_and_a_person_is_judged_on_the_person() -> None:
    third = "444455556666"
    trust = trust_policy({"AWS": [STACKSETS_SLR, f"arn:aws:iam::{third}:role/ops"]})
    (finding,) = _check("role.trust_cross_account_unguarded", role("r", trust=trust))
    assert finding.evidence["accounts"] == [third]
    (statement_,) = finding.evidence["statements"]
    assert statement_["principals"] == [f"arn:aws:iam::{third}:role/ops"]
    assert statement_["accounts"] == [third]
    assert statement_["service_linked"][0]["service"] == "stacksets.cloudformation.amazonaws.com"
    assert "guardable_accounts" not in statement_


def test_read_only_access_through_another_accounts_service_linked_role_is_still_reported() -> None:
    """role.cross_account_readonly names who reaches the role: the other account does, through
    its service, so the service-linked role counts as that account's trust there."""
    reader = role(
        "r", trust=trust_policy({"AWS": STACKSETS_SLR}), attached_policies=[READ_ONLY_ACCESS]
    )
    (finding,) = _check("role.cross_account_readonly", reader)
    assert finding.evidence["trusted_accounts"] == [OTHER_ACCOUNT_ID]


# --- role.trust_confused_deputy -------------------------------------------------------------


def test_confused_deputy_fails_for_service_trust_without_source_condition() -> None:
    findings = _check(
        "role.trust_confused_deputy", role("rec", trust=service_trust("config.amazonaws.com"))
    )
    assert findings[0].evidence["services"] == ["config.amazonaws.com"]


@pytest.mark.parametrize(
    "service", ["lambda.amazonaws.com", "ec2.amazonaws.com", "ecs-tasks.amazonaws.com"]
)
def test_confused_deputy_spares_execution_roles_passed_with_pass_role(service) -> None:
    # Such roles reach the service only through iam:PassRole, which never crosses accounts.
    assert _check("role.trust_confused_deputy", role("fn", trust=service_trust(service))) == []


def test_confused_deputy_names_only_the_services_that_matter() -> None:
    both = service_trust(["lambda.amazonaws.com", "config.amazonaws.com"])
    findings = _check("role.trust_confused_deputy", role("mixed", trust=both))
    assert findings[0].evidence["services"] == ["config.amazonaws.com"]


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}},
        {"ArnLike": {"aws:SourceArn": f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:*"}},
    ],
)
def test_confused_deputy_passes_with_source_condition(condition) -> None:
    trust = service_trust("lambda.amazonaws.com", condition=condition)
    assert _check("role.trust_confused_deputy", role("fn", trust=trust)) == []


def test_service_linked_roles_are_never_flagged_for_trust_or_unused() -> None:
    slr = service_linked_role(
        trust=trust_policy("*"), last_used_days_ago=None, created_days_ago=900
    )
    for check_id in (
        "role.trust_any_principal",
        "role.trust_cross_account_unguarded",
        "role.trust_confused_deputy",
        "role.unused",
    ):
        assert _check(check_id, slr) == [], check_id


# --- role.cross_account_readonly ------------------------------------------------------------


def test_cross_account_readonly_fails() -> None:
    audit_role = role(
        "auditor",
        trust=account_trust(OTHER_ACCOUNT_ID, condition={"StringEquals": {"sts:ExternalId": "x"}}),
        attached_policies=[READ_ONLY_ACCESS],
    )
    findings = _check("role.cross_account_readonly", audit_role)
    assert findings[0].evidence["trusted_accounts"] == [OTHER_ACCOUNT_ID]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"trust": account_trust(ACCOUNT_ID), "attached_policies": [READ_ONLY_ACCESS]},
        {"trust": account_trust(OTHER_ACCOUNT_ID), "attached_policies": []},
    ],
)
def test_cross_account_readonly_passes(kwargs) -> None:
    assert _check("role.cross_account_readonly", role("r", **kwargs)) == []


# --- role.unused ----------------------------------------------------------------------------


def test_unused_role_fails_when_last_use_is_old() -> None:
    findings = _check("role.unused", role("old", last_used_days_ago=120))
    assert "120 days ago" in findings[0].detail
    assert findings[0].evidence["limit_days"] == 90


def test_recently_used_role_passes() -> None:
    assert _check("role.unused", role("busy", last_used_days_ago=10)) == []


def test_never_used_role_created_before_the_threshold_fails() -> None:
    # RoleLastUsed null proves N days of silence only for a role older than N days (see
    # tests/unit/test_last_accessed_review_aws_docs.py); 120 > the default 90.
    findings = _check("role.unused", role("ghost", last_used_days_ago=None, created_days_ago=120))
    assert "never been used" in findings[0].detail


def test_never_used_role_inside_grace_period_passes() -> None:
    assert _check("role.unused", role("new", last_used_days_ago=None, created_days_ago=2)) == []


def test_role_without_any_date_cannot_be_judged_and_passes() -> None:
    undated = replace(role("undated", last_used_days_ago=None), create_date=None)
    assert _check("role.unused", undated) == []


def test_role_unused_threshold_is_configurable() -> None:
    snap = _roles(role("r", last_used_days_ago=40))
    assert run_check("role.unused", snap) == []
    assert (
        len(run_check("role.unused", snap, config=config_with(thresholds={"role_unused_days": 30})))
        == 1
    )


# --- role.support_missing -------------------------------------------------------------------


def test_support_missing_fails_account_wide_and_names_non_role_holders() -> None:
    snap = snapshot(
        roles=[role("app")],
        users=[user("alice", attached_policies=[SUPPORT_ACCESS])],
        groups=[group()],
    )
    findings = run_check("role.support_missing", snap)
    assert [f.resource_arn for f in findings] == [account_arn()]
    assert findings[0].resource_type == "AWS::::Account"
    assert findings[0].evidence["other_holders"] == ["arn:aws:iam::123456789012:user/alice"]


def test_support_role_passes() -> None:
    assert _check("role.support_missing", role("support", attached_policies=[SUPPORT_ACCESS])) == []


@pytest.mark.parametrize(
    "trust",
    [
        {},
        {"Statement": "x"},
        {"Statement": [{"Effect": "Allow", "Principal": 5, "Condition": []}]},
        {"Statement": [{"Effect": "Allow", "Principal": {"AWS": [None, 7]}}]},
        {"Statement": [{"Effect": "Allow", "Principal": {"Service": "x"}, "Condition": {"A": 1}}]},
        '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]}',
    ],
)
@pytest.mark.parametrize(
    "check_id",
    [
        "role.trust_any_principal",
        "role.trust_cross_account_unguarded",
        "role.trust_confused_deputy",
        "role.cross_account_readonly",
    ],
)
def test_malformed_trust_policies_do_not_crash(trust, check_id) -> None:
    odd = role("odd", trust=trust, attached_policies=[READ_ONLY_ACCESS])
    findings = _check(check_id, odd)  # run_check fails the test if the check crashed
    assert all(f.resource_arn == role_arn("odd") for f in findings)


def test_trust_policy_given_as_json_text_is_read() -> None:
    text = '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]}'
    assert len(_check("role.trust_any_principal", role("text", trust=text))) == 1
