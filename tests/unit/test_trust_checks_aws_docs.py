"""The role-trust checks on AWS's documented trust-policy examples and rules, and on the trust
rules of ScoutSuite, PMapper and Cloudsplaining.

Each test names the rule it applies. Where our checks disagree with AWS's documented semantics the
test states the correct behaviour and is a strict xfail naming the cause in our code and the fix;
where another tool disagrees with AWS, the test pins our behaviour and says why.

Sources (IAM User Guide pages under https://docs.aws.amazon.com/IAM/latest/UserGuide/):
- confused-deputy.html, "The confused deputy problem", and the services' "Cross-service confused
  deputy prevention" pages built from it (AWS Config, CloudTrail, Directory Service...): use
  aws:SourceArn / aws:SourceAccount (or aws:SourceOrgID / aws:SourceOrgPaths); "If you don't know
  the full ARN ... use aws:SourceArn with wildcard characters (*) for the unknown portions of the
  ARN. For example, arn:aws:servicename:*:123456789012:*"; "If the aws:SourceArn value does not
  contain the account ID, such as an Amazon S3 bucket ARN, you must use both global condition
  context keys".
- reference_policies_condition-keys.html, "AWS global condition context keys": availability of
  each key (aws:SourceAccount only when a service principal calls; aws:PrincipalOrgID only for
  members of an organization; aws:PrincipalArn in every signed request), aws:PrincipalOrgPaths
  and aws:SourceOrgPaths (multivalued, ForAnyValue), and "Sensitive condition keys"
  (aws:PrincipalAccount, aws:PrincipalOrgID, aws:SourceAccount, aws:SourceOrgID...: "no valid use
  case for wildcards in these condition keys, even with a substring of the key value").
- reference_policies_condition-single-vs-multi-valued-context-keys.html: ForAllValues "also
  returns true if there are no context keys in the request"; use it with Allow with caution.
- reference_policies_elements_condition_operators.html: ...IfExists ("If the key is not present,
  the condition evaluates to true").
- id_roles_common-scenarios_third-party.html, "Access to AWS accounts owned by third parties"
  (sts:ExternalId), id_roles_common-scenarios_aws-accounts.html (cross-account roles).
- id_credentials_mfa_configure-api-require.html and id_credentials_mfa_example-policies.html,
  "Configure MFA-protected API access": Bool aws:MultiFactorAuthPresent true or
  NumericLessThan aws:MultiFactorAuthAge in the trust policy; "You can either allow long-term
  credentials by changing the operator to NumericLessThanIfExists".
- reference_policies_examples_ec2_require-mfa.html: "The condition check for
  MultiFactorAuthPresent in the Deny statement should not be a
  {"Bool":{"aws:MultiFactorAuthPresent":false}} because that key is not present and cannot be
  evaluated when MFA is not used. So instead, use the BoolIfExists check".
- reference_policies_elements_principal.html, "AWS JSON policy elements: Principal": "*" and
  {"AWS": "*"}, account ids and root ARNs, role, user, role-session and federated-user ARNs,
  service principals, and CanonicalUser (an Amazon S3 owner id).
- reference_policies_elements_notprincipal.html: "You cannot use the NotPrincipal element in an
  IAM identity-based policy nor in an IAM role trust policy".
- id_session-tags.html and id_credentials_temp_control-access_monitor.html: sts:TagSession and
  sts:SetSourceIdentity are granted in the trust policy next to sts:AssumeRole.
- using-service-linked-roles.html: service-linked roles live under /aws-service-role/;
  console-created service roles under /service-role/ are ordinary customer roles.
- Service trust examples: Amazon Personalize and AWS FIS ("Cross-service confused deputy
  prevention", trust with aws:SourceArn + aws:SourceAccount), Amazon SageMaker Unified Studio
  (AmazonSageMakerDomainExecution: datazone.amazonaws.com with sts:TagSession / sts:SetContext and
  aws:SourceAccount), and in the same aws:SourceAccount + aws:SourceArn form the Amazon ECS task
  role (ecs-tasks.amazonaws.com, arn:aws:ecs:region:account:*), Amazon SageMaker and AWS CodeBuild
  service roles; EC2, Lambda and Glue execution roles (no condition).
- AWS China partition: AWS-managed EC2 Spot Fleet and ECS policies pass roles to
  ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"] (iam:PassedToService), and Amazon EKS's worker
  node CloudFormation template maps PartitionMap aws-cn EC2ServicePrincipal to
  "ec2.amazonaws.com.cn"; roles and trust never cross a partition.
- nccgroup/ScoutSuite ScoutSuite/providers/aws/rules/findings/iam-assume-role-policy-allows-all.json
  (with conditions/policy-statement-any-principal.json),
  iam-assume-role-lacks-external-id-and-mfa.json, and the isCrossAccount test of
  ScoutSuite/core/conditions.py (``re.match(r'arn:aws:iam:.*?:%s:.*' % account, principal)``).
- nccgroup/PMapper principalmapper/graphing/cross_account_edges.py (_check_assume_role evaluates
  the trust with aws:PrincipalAccount, aws:PrincipalArn, aws:PrincipalOrgID of the caller, and no
  sts:ExternalId).
- salesforce/cloudsplaining cloudsplaining/scan/assume_role_policy_document.py (compute-service
  roles recognised by ``principal.endswith(".amazonaws.com")``).

Not covered here on purpose: federated web-identity (OIDC) trusts; the Prowler confused-deputy
cases (tests/unit/test_other_tools_examples.py) and the basic documented trusts already in
tests/unit/test_aws_doc_examples_aws.py.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bot.audit.findings import Finding
from tests.factories import (
    ACCOUNT_ID,
    READ_ONLY_ACCESS,
    SUPPORT_ACCESS,
    policy_document,
    role,
    role_arn,
    run_check,
    snapshot,
    statement,
)

OWN = ACCOUNT_ID
OTHER = "444455556666"  # the IAM User Guide's second example account
THIRD = "777788889999"
ORG_ID = "o-a1b2c3d4e5"
ORG_PATH = f"{ORG_ID}/r-ab12/ou-ab12-11111111/*"

ANY = "role.trust_any_principal"
CROSS = "role.trust_cross_account_unguarded"
DEPUTY = "role.trust_confused_deputy"
READONLY = "role.cross_account_readonly"
TRUST_CHECKS = (ANY, CROSS, DEPUTY)

VIEW_ONLY_ACCESS = "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"
SECURITY_AUDIT = "arn:aws:iam::aws:policy/SecurityAudit"


# --- helpers --------------------------------------------------------------------------------


def _allow(principal: Any, action: Any = "sts:AssumeRole", **kwargs: Any) -> dict[str, Any]:
    return statement(principal=principal, action=action, resource=None, **kwargs)


def _deny(principal: Any, action: Any = "sts:AssumeRole", **kwargs: Any) -> dict[str, Any]:
    return statement(effect="Deny", principal=principal, action=action, resource=None, **kwargs)


def _trust(*statements: dict[str, Any]) -> dict[str, Any]:
    return policy_document(*statements)


def _run(check_id: str, trust: Any, *, partition: str = "aws", **role_kwargs: Any) -> list[Finding]:
    snap = snapshot(roles=[role("r", trust=trust, **role_kwargs)])
    if partition != "aws":
        snap = replace(snap, partition=partition)
    return run_check(check_id, snap)


def _one(check_id: str, trust: Any, **kwargs: Any) -> Finding:
    findings = _run(check_id, trust, **kwargs)
    assert [f.resource_arn for f in findings] == [role_arn("r")], findings
    return findings[0]


def _flagged_services(trust: Any) -> set[str]:
    return {s for f in _run(DEPUTY, trust) for s in f.evidence["services"]}


# --- Principal element ----------------------------------------------------------------------


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["*"]}])
def test_everyone_in_each_documented_spelling_is_any_principal_not_cross_account(
    principal,
) -> None:
    """Principal page: "*" and {"AWS": "*"} both mean every principal (a one-item list is the
    same element). It is reported once, as role.trust_any_principal (critical).

    ScoutSuite's isCrossAccount counts "*" as another account, so its
    iam-assume-role-lacks-external-id-and-mfa also fires; "*" is not an account, and ours leaves
    it to the critical check rather than reporting it twice."""
    finding = _one(ANY, _trust(_allow(principal)))
    assert finding.evidence["statements"][0]["principal"] == "*"
    assert finding.evidence["statements"][0]["restricted_by"] == []
    assert _run(CROSS, _trust(_allow(principal))) == []


@pytest.mark.parametrize(
    "principal",
    [
        OTHER,  # "AWS": "123456789012" is converted to the account's root ARN
        f"arn:aws:iam::{OTHER}:root",
        f"arn:aws:iam::{OTHER}:role/role-name",
        f"arn:aws:iam::{OTHER}:user/user-name",
        f"arn:aws:sts::{OTHER}:assumed-role/role-name/role-session-name",
        f"arn:aws:sts::{OTHER}:federated-user/user-name",
    ],
)
def test_each_documented_principal_form_of_another_account_is_cross_account(principal) -> None:
    """Principal page: an account (by id or root ARN), an IAM role, an IAM user, a role session
    and an STS federated user of another account all let that account in."""
    finding = _one(CROSS, _trust(_allow({"AWS": principal})))
    assert finding.evidence["accounts"] == [OTHER]
    assert finding.evidence["statements"][0]["principals"] == [principal]
    assert _run(ANY, _trust(_allow({"AWS": principal}))) == []


def test_principal_list_mixing_own_and_foreign_accounts_names_only_the_foreign_ones() -> None:
    """Principal page: a list of AWS principals; the own account's principals (id, root, role)
    are not cross-account, so the evidence names only the others' principals and accounts."""
    principals = [
        OWN,
        f"arn:aws:iam::{OWN}:root",
        f"arn:aws:iam::{OWN}:role/admin",
        f"arn:aws:iam::{THIRD}:role/vendor",
        f"arn:aws:iam::{OTHER}:root",
    ]
    finding = _one(CROSS, _trust(_allow({"AWS": principals})))
    assert finding.evidence["accounts"] == [OTHER, THIRD]
    assert finding.evidence["statements"][0]["principals"] == [
        f"arn:aws:iam::{OTHER}:root",
        f"arn:aws:iam::{THIRD}:role/vendor",
    ]


@pytest.mark.parametrize("partition", ["aws-cn", "aws-us-gov"])
def test_own_account_in_another_partition_is_not_cross_account(partition) -> None:
    """ARNs carry the partition (arn:aws-cn:..., arn:aws-us-gov:...); an account trusting its own
    root or roles is not cross-account in any partition.

    ScoutSuite's isCrossAccount matches only ``arn:aws:iam:...:<account>:``, so in China and
    GovCloud it reports an account's trust in itself as cross-account; ours reads the account
    field whatever the partition."""
    own = [f"arn:{partition}:iam::{OWN}:root", f"arn:{partition}:iam::{OWN}:role/admin"]
    assert _run(CROSS, _trust(_allow({"AWS": own})), partition=partition) == []
    other = f"arn:{partition}:iam::{OTHER}:root"
    finding = _one(CROSS, _trust(_allow({"AWS": other})), partition=partition)
    assert finding.evidence["accounts"] == [OTHER]


def test_canonical_user_principal_lets_no_aws_principal_in() -> None:
    """Principal page: CanonicalUser is an Amazon S3 owner id, not an IAM principal that can call
    sts:AssumeRole; none of the trust checks reports it (and none crashes on it)."""
    trust = _trust(_allow({"CanonicalUser": "79a59df900b949e55d96a1e698fbaced" * 2}))
    for check_id in TRUST_CHECKS:
        assert _run(check_id, trust) == [], check_id


def test_deny_with_not_principal_is_not_read_as_a_restriction() -> None:
    """NotPrincipal page: "You cannot use the NotPrincipal element ... in an IAM role trust
    policy", so IAM never stores Allow `*` + Deny NotPrincipal; a document that has it (a
    hand-edited snapshot) is read without the Deny and reported open, the safe reading.
    (Cloudsplaining logs NotPrincipal in a trust policy as critical.)"""
    trust = _trust(
        _allow({"AWS": "*"}),
        {
            "Effect": "Deny",
            "NotPrincipal": {"AWS": f"arn:aws:iam::{OWN}:role/admin"},
            "Action": "sts:AssumeRole",
        },
    )
    finding = _one(ANY, trust)
    assert [s["statement_index"] for s in finding.evidence["statements"]] == [0]


# --- service-linked and service roles -------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "flagged"),
    [
        ("/", True),
        ("/service-role/", True),  # console-created service roles are customer roles
        ("/aws-service-role/config.amazonaws.com/", False),
    ],
)
def test_service_linked_roles_are_known_by_path_not_name(path, flagged) -> None:
    """ "Using service-linked roles": AWS creates them under /aws-service-role/ and owns their
    trust. A customer role named like one (AWSServiceRoleFor...) or a console-made service role
    under /service-role/ is the customer's and is judged."""
    slr_like = role(
        "AWSServiceRoleForConfig",
        path=path,
        trust=_trust(_allow({"Service": "config.amazonaws.com"})),
    )
    findings = run_check(DEPUTY, snapshot(roles=[slr_like]))
    assert bool(findings) is flagged


# --- Action: sts:AssumeRole with session tags and source identity ----------------------------


@pytest.mark.parametrize(
    "action",
    [["sts:AssumeRole", "sts:TagSession"], ["sts:AssumeRole", "sts:SetSourceIdentity"]],
)
def test_assume_role_granted_with_tag_session_or_source_identity_is_a_trust(action) -> None:
    """ "Passing session tags in AWS STS" and "Monitor and control actions taken with assumed
    roles": the trust statement grants sts:TagSession / sts:SetSourceIdentity next to
    sts:AssumeRole; the statement still lets the other account assume the role."""
    trust = _trust(_allow({"AWS": f"arn:aws:iam::{OTHER}:role/role-name"}, action=action))
    assert _one(CROSS, trust).evidence["accounts"] == [OTHER]


def test_statement_granting_only_tag_session_and_source_identity_lets_nobody_in() -> None:
    """Without sts:AssumeRole the principal cannot assume the role: a second statement granting
    the other account only sts:TagSession and sts:SetSourceIdentity adds no trust to an
    external-id-guarded first statement."""
    trust = _trust(
        _allow(
            {"AWS": OTHER},
            condition={"StringEquals": {"sts:ExternalId": "Unique-ID-Assigned-By-Example-Corp"}},
        ),
        _allow({"AWS": OTHER}, action=["sts:TagSession", "sts:SetSourceIdentity"]),
    )
    assert _run(CROSS, trust) == []


# --- conditions that restrict "*" -----------------------------------------------------------


@pytest.mark.parametrize(
    "condition",
    [
        pytest.param(
            {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": [ORG_PATH]}}, id="org-path"
        ),
        pytest.param(
            {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{OWN}:role/ops-*"}},
            id="principal-arn-wildcard-name-own-account",
        ),
        pytest.param(
            {
                "ArnEquals": {
                    "aws:PrincipalArn": [
                        f"arn:aws:iam::{OWN}:role/a",
                        f"arn:aws:iam::{OWN}:role/b",
                    ]
                }
            },
            id="principal-arn-list",
        ),
        pytest.param({"StringEquals": {"aws:PrincipalOrgID": [ORG_ID]}}, id="org-id-list"),
        pytest.param(
            {"StringEquals": {"aws:PrincipalOrgID": ORG_ID}, "Bool": {"aws:SecureTransport": True}},
            id="org-id-and-another-test",
        ),
    ],
)
def test_documented_restrictions_of_everyone_pass(condition) -> None:
    """Global condition keys page: aws:PrincipalOrgPaths (multivalued, with ForAnyValue and a
    path wildcard below the organization), aws:PrincipalArn naming own-account roles (a wildcard
    in the role name only), aws:PrincipalOrgID. Each admits only the named callers; conditions
    are ANDed, so another test next to it keeps the restriction."""
    trust = _trust(_allow({"AWS": "*"}, condition=condition))
    assert _run(ANY, trust) == []


@pytest.mark.parametrize(
    "condition",
    [
        pytest.param({"StringLike": {"aws:PrincipalOrgID": "*"}}, id="like-star"),
        pytest.param({"StringLike": {"aws:PrincipalArn": ["*"]}}, id="like-star-list"),
        pytest.param({"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{OTHER}:*"}}, id="negated"),
        pytest.param({"StringEqualsIfExists": {"aws:PrincipalOrgID": ORG_ID}}, id="if-exists"),
        pytest.param({"Null": {"aws:PrincipalOrgID": "false"}}, id="any-organization"),
    ],
)
def test_conditions_that_admit_everyone_leave_the_finding(condition) -> None:
    """A "*" value matches every caller; a negated operator admits everyone but the values; the
    IfExists form of aws:PrincipalOrgID admits every caller outside any organization (the key is
    absent for them, and IfExists then evaluates to true); Null false admits members of any
    organization, which anyone can create."""
    finding = _one(ANY, _trust(_allow({"AWS": "*"}, condition=condition)))
    assert finding.evidence["statements"][0]["restricted_by"] == []


@pytest.mark.parametrize(
    "condition",
    [
        pytest.param({"StringLike": {"aws:PrincipalOrgID": "o-*"}}, id="any-org-id"),
        pytest.param({"StringLike": {"aws:PrincipalAccount": "*6"}}, id="account-substring"),
        pytest.param(
            {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}, id="any-account-role"
        ),
    ],
)
def test_wildcards_over_the_account_or_organization_restrict_nothing(condition) -> None:
    """Global condition keys page, "Sensitive condition keys": for aws:PrincipalAccount,
    aws:PrincipalOrgID (and the source/resource account and org keys) "there is no valid use case
    for wildcards ... even with a substring of the key value", because the wildcard can match any
    value. "o-*" matches every organization (anyone can create one), and
    arn:aws:iam::*:role/* every role of every account: Principal "*" stays open."""
    assert len(_run(ANY, _trust(_allow({"AWS": "*"}, condition=condition)))) == 1


@pytest.mark.parametrize(
    "condition",
    [
        pytest.param(
            {"ForAllValues:StringLike": {"aws:PrincipalOrgPaths": [ORG_PATH]}}, id="paths"
        ),
        pytest.param({"ForAllValues:StringEquals": {"aws:PrincipalOrgID": ORG_ID}}, id="org-id"),
    ],
)
def test_for_all_values_admits_callers_without_the_key(condition) -> None:
    """Single-valued vs. multivalued context keys: ForAllValues "also returns true if there are
    no context keys in the request" - use it with Allow with caution; and a set operator on a
    single-valued key such as aws:PrincipalOrgID "can result in overly permissive policies".
    A caller outside any organization has neither key, so Principal "*" lets every such account
    in."""
    assert len(_run(ANY, _trust(_allow({"AWS": "*"}, condition=condition)))) == 1


@pytest.mark.parametrize(
    "condition",
    [
        {"ArnEqualsIfExists": {"aws:PrincipalArn": f"arn:aws:iam::{OWN}:role/ops"}},
        {"StringEqualsIfExists": {"aws:PrincipalAccount": OWN}},
    ],
)
def test_if_exists_on_a_key_every_signed_request_carries_still_restricts(condition) -> None:
    """Global condition keys page, availability of aws:PrincipalArn and aws:PrincipalAccount:
    "always included in the request context for all signed requests", and sts:AssumeRole is
    always signed. The IfExists form therefore never meets an absent key and admits only the
    named role / account: the trust is not open to everyone."""
    assert _run(ANY, _trust(_allow({"AWS": "*"}, condition=condition))) == []


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:PrincipalAccount": OTHER}},
        {"ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{OTHER}:role/vendor"}},
    ],
)
def test_everyone_narrowed_to_another_account_is_an_unguarded_cross_account_trust(
    condition,
) -> None:
    """Global condition keys page (aws:PrincipalAccount, aws:PrincipalArn): the condition admits
    exactly the other account's principals, as naming them in Principal would - a cross-account
    trust with neither sts:ExternalId nor MFA. PMapper's cross_account_edges evaluates the trust
    with the caller's aws:PrincipalAccount / aws:PrincipalArn and finds this edge; ours reports
    nothing today."""
    finding = _one(CROSS, _trust(_allow({"AWS": "*"}, condition=condition)))
    assert finding.evidence["accounts"] == [OTHER]


# --- several statements, and conditions on Deny statements ----------------------------------


def test_only_the_open_statement_is_reported() -> None:
    """Statements are separate grants (policy evaluation logic: any matching Allow allows). A
    trust with an org-fenced statement and an unconditioned one is open through the second
    only, and the finding points at it."""
    trust = _trust(
        _allow({"AWS": "*"}, condition={"StringEquals": {"aws:PrincipalOrgID": ORG_ID}}, sid="Org"),
        _allow({"AWS": "*"}, sid="Open"),
    )
    finding = _one(ANY, trust)
    assert [(s["statement_index"], s["sid"]) for s in finding.evidence["statements"]] == [
        (1, "Open")
    ]
    assert "statement 1" in finding.detail


def test_cross_account_statements_are_judged_one_by_one() -> None:
    """A guarded third-party statement does not guard a second, unguarded one for another
    account: only the unguarded account is reported."""
    trust = _trust(
        _allow({"AWS": OTHER}, condition={"StringEquals": {"sts:ExternalId": "Example-Corp-1"}}),
        _allow({"AWS": f"arn:aws:iam::{THIRD}:root"}),
    )
    finding = _one(CROSS, trust)
    assert finding.evidence["accounts"] == [THIRD]
    assert [s["statement_index"] for s in finding.evidence["statements"]] == [1]


def test_deny_outside_the_organization_with_if_exists_restricts_everyone() -> None:
    """Condition operators page: a negated operator with IfExists is true when the key is
    absent, so a Deny with StringNotEqualsIfExists aws:PrincipalOrgID refuses callers of other
    organizations and callers in none - the data-perimeter form that fences Allow "*"."""
    trust = _trust(
        _allow({"AWS": "*"}),
        _deny({"AWS": "*"}, condition={"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG_ID}}),
    )
    assert _run(ANY, trust) == []


def test_deny_with_a_positive_org_condition_does_not_restrict() -> None:
    """A Deny with StringEquals aws:PrincipalOrgID refuses the organization's own members and
    lets everyone else through: the Allow of "*" stays open to outsiders."""
    trust = _trust(
        _allow({"AWS": "*"}),
        _deny({"AWS": "*"}, condition={"StringEquals": {"aws:PrincipalOrgID": ORG_ID}}),
    )
    assert len(_run(ANY, trust)) == 1


# --- cross-account guards: sts:ExternalId and MFA -------------------------------------------


@pytest.mark.parametrize(
    "condition",
    [
        pytest.param(
            {"StringLike": {"sts:ExternalId": "Unique-ID-Assigned-By-Example-Corp"}},
            id="external-id-string-like",
        ),
        pytest.param(
            {"StringEquals": {"sts:ExternalId": ["id-for-prod", "id-for-test"]}},
            id="external-id-list",
        ),
        pytest.param(
            {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, id="mfa-age-one-hour"
        ),
        pytest.param(
            {"Bool": {"aws:MultiFactorAuthPresent": "true"}, "StringEquals": {"aws:SourceIp": "x"}},
            id="mfa-and-another-test",
        ),
    ],
)
def test_documented_cross_account_guards_pass(condition) -> None:
    """Third-party page: the role trusts the vendor's account when the caller passes the
    external id; MFA pages: NumericLessThan aws:MultiFactorAuthAge fails when the key is absent
    (no MFA), so it requires MFA as Bool aws:MultiFactorAuthPresent true does.

    ScoutSuite's iam-assume-role-lacks-external-id-and-mfa reads only StringEquals sts:ExternalId
    and Bool/BoolIfExists aws:MultiFactorAuthPresent, so it reports the StringLike external id
    and the MultiFactorAuthAge guard; ours does not."""
    assert _run(CROSS, _trust(_allow({"AWS": OTHER}, condition=condition))) == []


@pytest.mark.parametrize(
    "condition",
    [
        pytest.param({"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}, id="bool-ifexists"),
        pytest.param(
            {"NumericLessThanIfExists": {"aws:MultiFactorAuthAge": "3600"}}, id="age-ifexists"
        ),
        pytest.param({"StringEquals": {"sts:ExternalId": ""}}, id="empty-external-id"),
        pytest.param({"StringLike": {"sts:ExternalId": "*"}}, id="any-external-id"),
        pytest.param(
            {"StringNotEquals": {"sts:ExternalId": "Unique-ID"}}, id="negated-external-id"
        ),
    ],
)
def test_documented_pitfalls_leave_the_cross_account_trust_unguarded(condition) -> None:
    """MFA example policies: "You can either allow long-term credentials by changing the
    operator to NumericLessThanIfExists" - IfExists lets callers using access keys (no MFA key in
    the context) in, for MultiFactorAuthAge and MultiFactorAuthPresent alike. An empty or "*"
    external id, or a negated one, is no guard.

    ScoutSuite's rule accepts BoolIfExists aws:MultiFactorAuthPresent true as MFA; ours does not."""
    finding = _one(CROSS, _trust(_allow({"AWS": OTHER}, condition=condition)))
    assert finding.evidence["statements"][0]["external_id"] is False
    assert finding.evidence["statements"][0]["mfa_required"] is False


def test_deny_without_mfa_written_with_bool_does_not_guard() -> None:
    """ "Amazon EC2: Requires MFA (GetSessionToken)": the Deny "should not be a
    {"Bool":{"aws:MultiFactorAuthPresent":false}} because that key is not present and cannot be
    evaluated when MFA is not used. So instead, use the BoolIfExists check". The other account's
    users calling sts:AssumeRole with access keys carry no MFA key, escape the Deny, and assume
    the role without MFA."""
    trust = _trust(
        _allow({"AWS": f"arn:aws:iam::{OTHER}:root"}),
        _deny({"AWS": "*"}, condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}}),
    )
    assert len(_run(CROSS, trust)) == 1


def test_deny_without_mfa_written_with_bool_if_exists_guards() -> None:
    """The documented form of the same Deny (BoolIfExists ... false) refuses callers without MFA,
    access-key callers included: the cross-account trust is guarded."""
    trust = _trust(
        _allow({"AWS": f"arn:aws:iam::{OTHER}:root"}),
        _deny({"AWS": "*"}, condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}),
    )
    assert _run(CROSS, trust) == []


# --- service principals and the confused deputy ---------------------------------------------

PERSONALIZE_TRUST = _trust(
    _allow(
        {"Service": "personalize.amazonaws.com"},
        condition={
            "StringEquals": {"aws:SourceAccount": OWN},
            "ArnLike": {"aws:SourceArn": f"arn:aws:personalize:us-east-1:{OWN}:*"},
        },
    )
)
FIS_TRUST = _trust(
    _allow(
        {"Service": "fis.amazonaws.com"},
        condition={
            "StringEquals": {"aws:SourceAccount": OWN},
            "ArnLike": {"aws:SourceArn": f"arn:aws:fis:*:{OWN}:experiment/*"},
        },
        sid="FISTrustPolicy",
    )
)
DATAZONE_TRUST = _trust(
    _allow(
        {"Service": "datazone.amazonaws.com"},
        action=["sts:AssumeRole", "sts:TagSession", "sts:SetContext"],
        condition={
            "StringEquals": {"aws:SourceAccount": OWN},
            "ForAllValues:StringLike": {"aws:TagKeys": "datazone*"},
        },
    )
)
ECS_TASK_TRUST = _trust(
    _allow(
        {"Service": "ecs-tasks.amazonaws.com"},
        condition={
            "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:us-west-2:{OWN}:*"},
            "StringEquals": {"aws:SourceAccount": OWN},
        },
    )
)
SAGEMAKER_TRUST = _trust(
    _allow(
        {"Service": "sagemaker.amazonaws.com"},
        condition={
            "StringEquals": {"aws:SourceAccount": OWN},
            "ArnLike": {"aws:SourceArn": f"arn:aws:sagemaker:us-west-2:{OWN}:*"},
        },
    )
)
CODEBUILD_TRUST = _trust(
    _allow(
        {"Service": "codebuild.amazonaws.com"},
        condition={
            "StringEquals": {"aws:SourceAccount": OWN},
            "ArnLike": {"aws:SourceArn": f"arn:aws:codebuild:us-east-1:{OWN}:project/my-project"},
        },
    )
)


@pytest.mark.parametrize(
    "trust",
    [
        pytest.param(PERSONALIZE_TRUST, id="personalize"),
        pytest.param(FIS_TRUST, id="fis"),
        pytest.param(DATAZONE_TRUST, id="sagemaker-unified-studio-datazone"),
        pytest.param(ECS_TASK_TRUST, id="ecs-task-role"),
        pytest.param(SAGEMAKER_TRUST, id="sagemaker"),
        pytest.param(CODEBUILD_TRUST, id="codebuild"),
    ],
)
def test_documented_service_trusts_with_source_conditions_pass(trust) -> None:
    """The services' trust examples name the source account and/or ARN (with a wildcard only
    in the region or resource part): no confused-deputy finding, and none of the other trust
    checks reports a service-only trust."""
    for check_id in TRUST_CHECKS:
        assert _run(check_id, trust) == [], check_id


@pytest.mark.parametrize(
    ("service", "flagged"),
    [
        ("personalize.amazonaws.com", True),
        ("fis.amazonaws.com", True),
        ("sagemaker.amazonaws.com", True),
        ("codebuild.amazonaws.com", True),
        ("config.amazonaws.com", True),
        # Execution roles reached only through iam:PassRole in the same account (roles.py
        # PASS_ROLE_ONLY_SERVICES; the EC2, Lambda and Glue guides show them unconditioned).
        ("ec2.amazonaws.com", False),
        ("lambda.amazonaws.com", False),
        ("glue.amazonaws.com", False),
        ("ecs-tasks.amazonaws.com", False),
    ],
)
def test_the_same_services_without_conditions(service, flagged) -> None:
    """ "The confused deputy problem": a service that acts for many customers and is trusted
    without aws:SourceArn/SourceAccount can be made to use the role for another customer.

    The ECS guide's task-role example does carry the source conditions; we spare an
    unconditioned task role on purpose (the role reaches ECS only through iam:PassRole, which
    never crosses accounts), as for EC2, Lambda and Glue."""
    trust = _trust(_allow({"Service": service}))
    assert _flagged_services(trust) == ({service} if flagged else set())


@pytest.mark.parametrize(
    "condition",
    [
        pytest.param({"StringEquals": {"aws:SourceOrgID": ORG_ID}}, id="source-org-id"),
        pytest.param(
            {"ForAnyValue:StringLike": {"aws:SourceOrgPaths": [ORG_PATH]}}, id="source-org-paths"
        ),
        pytest.param(
            {"ArnLike": {"aws:SourceArn": f"arn:aws:config:*:{OWN}:*"}},
            id="source-arn-wildcard-region-and-resource",
        ),
    ],
)
def test_organization_and_partial_arn_source_guards_pass(condition) -> None:
    """Global condition keys page: aws:SourceOrgID / aws:SourceOrgPaths restrict the service to
    resources of the organization (or of an OU path); confused-deputy page: a source ARN with
    wildcards for the unknown portions, account given, is the documented form."""
    trust = _trust(_allow({"Service": "config.amazonaws.com"}, condition=condition))
    assert _run(DEPUTY, trust) == []


@pytest.mark.parametrize(
    "condition",
    [
        pytest.param({"StringLike": {"aws:SourceAccount": "*"}}, id="any-account"),
        pytest.param({"ArnLike": {"aws:SourceArn": "*"}}, id="any-arn"),
        pytest.param({"StringEqualsIfExists": {"aws:SourceAccount": OWN}}, id="if-exists"),
        pytest.param({"StringNotEquals": {"aws:SourceAccount": OTHER}}, id="negated"),
        pytest.param({"StringEquals": {"aws:ResourceAccount": OWN}}, id="resource-account"),
    ],
)
def test_source_conditions_that_guard_nothing_leave_the_finding(condition) -> None:
    """A "*" value matches every source; IfExists admits requests the service sends without the
    key; a negated operator admits every other account; aws:ResourceAccount in a trust policy is
    the role's own account for every caller (not a source key)."""
    trust = _trust(_allow({"Service": "config.amazonaws.com"}, condition=condition))
    assert _flagged_services(trust) == {"config.amazonaws.com"}


@pytest.mark.parametrize(
    "source_arn",
    ["arn:aws:config:*:*:*", "arn:aws:sns:us-east-1:*:notifications", "arn:aws:*:*:*:*"],
)
def test_source_arn_with_a_wildcard_account_is_no_guard(source_arn) -> None:
    """Confused-deputy page: wildcards go in "the unknown portions of the ARN", the account
    stays (arn:aws:servicename:*:123456789012:*). A wildcard account matches every customer's
    resources, which is the confused deputy the condition is meant to stop."""
    trust = _trust(
        _allow(
            {"Service": "config.amazonaws.com"},
            condition={"ArnLike": {"aws:SourceArn": source_arn}},
        )
    )
    assert _flagged_services(trust) == {"config.amazonaws.com"}


def test_source_arn_without_an_account_needs_source_account_too() -> None:
    """Confused-deputy page: "If the aws:SourceArn value does not contain the account ID, such
    as an Amazon S3 bucket ARN, you must use both global condition context keys" (a deleted
    bucket's name can be taken by another customer)."""
    trust = _trust(
        _allow(
            {"Service": "config.amazonaws.com"},
            condition={"ArnLike": {"aws:SourceArn": "arn:aws:s3:::config-bucket"}},
        )
    )
    assert _flagged_services(trust) == {"config.amazonaws.com"}


def test_source_arn_without_an_account_with_source_account_passes() -> None:
    """The same bucket ARN with aws:SourceAccount, as the page asks, is a guard."""
    trust = _trust(
        _allow(
            {"Service": "config.amazonaws.com"},
            condition={
                "ArnLike": {"aws:SourceArn": "arn:aws:s3:::config-bucket"},
                "StringEquals": {"aws:SourceAccount": OWN},
            },
        )
    )
    assert _run(DEPUTY, trust) == []


def test_china_ec2_principal_is_spared_like_ec2() -> None:
    """In the aws-cn partition EC2's service principal is ec2.amazonaws.com.cn (AWS-managed
    policies pass instance roles to ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"]; Amazon EKS's
    node template maps aws-cn EC2ServicePrincipal to it). An instance role in China reaches EC2
    through iam:PassRole exactly as elsewhere, so it is spared as ec2.amazonaws.com is.
    (Cloudsplaining makes the same mistake: ``principal.endswith(".amazonaws.com")``.)"""
    trust = _trust(_allow({"Service": "ec2.amazonaws.com.cn"}))
    assert _run(DEPUTY, trust, partition="aws-cn") == []


def test_china_service_principal_of_a_non_pass_role_service_is_still_judged() -> None:
    """The .cn spelling does not hide a service that acts for other customers."""
    trust = _trust(_allow({"Service": "config.amazonaws.com.cn"}))
    assert _flagged_services(trust) == {"config.amazonaws.com.cn"}


# --- role.cross_account_readonly ------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "flagged"),
    [
        (READ_ONLY_ACCESS, True),
        (VIEW_ONLY_ACCESS, False),
        (SECURITY_AUDIT, False),
        (f"arn:aws:iam::{OWN}:policy/ReadOnlyAccess", False),  # customer policy with the name
    ],
)
def test_readonly_versus_view_only_for_a_third_party(policy, flagged) -> None:
    """ReadOnlyAccess includes data reads (s3:GetObject, dynamodb:GetItem...); the job-function
    ViewOnlyAccess and SecurityAudit list and describe without reading data - what the
    remediation recommends for auditors. Only the AWS-managed ReadOnlyAccess is reported, even
    behind the documented external id."""
    trust = _trust(
        _allow({"AWS": OTHER}, condition={"StringEquals": {"sts:ExternalId": "Example-Corp-1"}})
    )
    findings = _run(READONLY, trust, attached_policies=[policy])
    assert bool(findings) is flagged
    if flagged:
        assert findings[0].evidence["trusted_accounts"] == [OTHER]
        assert findings[0].evidence["policy_arn"] == READ_ONLY_ACCESS


@pytest.mark.parametrize(
    "trust",
    [
        pytest.param(_trust(_allow({"AWS": f"arn:aws:iam::{OWN}:root"})), id="own-account"),
        pytest.param(_trust(_allow({"Service": "ec2.amazonaws.com"})), id="service"),
        pytest.param(
            _trust(_allow({"AWS": OTHER}), _deny({"AWS": OTHER})), id="foreign-trust-denied"
        ),
    ],
)
def test_readonly_without_another_account_in_the_trust_passes(trust) -> None:
    """ReadOnlyAccess on an instance role or a role for the own account is not shared with
    another account; a foreign principal the policy's own Deny cancels is not trusted."""
    assert _run(READONLY, trust, attached_policies=[READ_ONLY_ACCESS]) == []


@pytest.mark.parametrize("partition", ["aws-cn", "aws-us-gov"])
def test_readonly_is_recognised_in_every_partition(partition) -> None:
    """AWS-managed policy ARNs carry the partition (arn:aws-us-gov:iam::aws:policy/...)."""
    readonly = f"arn:{partition}:iam::aws:policy/ReadOnlyAccess"
    trust = _trust(_allow({"AWS": f"arn:{partition}:iam::{OTHER}:root"}))
    finding = _one(READONLY, trust, partition=partition, attached_policies=[readonly])
    assert finding.evidence["policy_arn"] == readonly
    assert finding.evidence["trusted_accounts"] == [OTHER]


def test_readonly_with_everyone_names_any_account() -> None:
    """Principal "*" with no condition hands ReadOnlyAccess to every AWS account."""
    finding = _one(READONLY, _trust(_allow("*")), attached_policies=[READ_ONLY_ACCESS])
    assert finding.evidence["trusted_accounts"] == ["*"]
    assert "any account (*)" in finding.detail


# --- role.support_missing and role.unused ---------------------------------------------------


@pytest.mark.parametrize("partition", ["aws-cn", "aws-us-gov"])
def test_support_role_is_recognised_in_every_partition(partition) -> None:
    """CIS 1.16 / Security Hub IAM.18 (ScoutSuite iam-no-support-role): a role with the
    AWS-managed AWSSupportAccess, whose ARN carries the partition; the commercial-partition ARN
    names no policy of a China or GovCloud account, and the finding's resource is the account ARN
    of the audited partition."""
    support = f"arn:{partition}:iam::aws:policy/AWSSupportAccess"
    good = replace(
        snapshot(roles=[role("support", attached_policies=[support])]), partition=partition
    )
    assert run_check("role.support_missing", good) == []
    wrong = replace(
        snapshot(roles=[role("support", attached_policies=[SUPPORT_ACCESS])]), partition=partition
    )
    findings = run_check("role.support_missing", wrong)
    assert [f.resource_arn for f in findings] == [f"arn:{partition}:iam::{OWN}:root"]


def test_service_linked_role_never_used_is_not_unused() -> None:
    """ "Using service-linked roles": AWS creates and uses them; a never-used one (created when a
    feature was tried) is not the customer's to delete, while the same role outside
    /aws-service-role/ is."""
    slr = role(
        "AWSServiceRoleForSupport",
        path="/aws-service-role/support.amazonaws.com/",
        last_used_days_ago=None,
        created_days_ago=900,
    )
    customer = role("AWSServiceRoleForSupport", last_used_days_ago=None, created_days_ago=900)
    assert run_check("role.unused", snapshot(roles=[slr])) == []
    assert len(run_check("role.unused", snapshot(roles=[customer]))) == 1


# --- ScoutSuite's allows-all rule -----------------------------------------------------------


def test_scoutsuite_allows_all_ignores_the_org_condition_ours_does_not() -> None:
    """ScoutSuite iam-assume-role-policy-allows-all fires on any Allow whose Principal contains
    "*" (conditions/policy-statement-any-principal.json reads only Principal), so the
    documented aws:PrincipalOrgID fence of the Principal page is reported as "anyone". Ours reads
    the condition and reports nothing; the evidence of the statement shows the key it found."""
    trust = _trust(
        _allow({"AWS": ["*"]}, condition={"StringEquals": {"aws:PrincipalOrgID": ORG_ID}}),
        _allow({"AWS": "*"}),
    )
    finding = _one(ANY, trust)
    assert [s["statement_index"] for s in finding.evidence["statements"]] == [1]
    assert _run(ANY, _trust(trust["Statement"][0])) == []


def test_scoutsuite_allows_all_misses_not_principal_ours_reports_it() -> None:
    """ScoutSuite's any-principal condition reads only the Principal element, so an Allow with
    NotPrincipal (everyone but the named principal) passes there. IAM refuses NotPrincipal in a
    trust policy (NotPrincipal page), but a document that has one is open to everyone else and
    ours reports it."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "NotPrincipal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    finding = _one(ANY, trust)
    assert finding.evidence["statements"][0]["principal"] == "NotPrincipal"
