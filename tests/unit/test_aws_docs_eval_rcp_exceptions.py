"""What resource control policies (RCPs) do not restrict, from AWS's own pages.

Pages:
- AWS Organizations User Guide, "Resource control policies (RCPs)":
  - "RCPs don't affect resources in the management account. They only affect resources in the
    member accounts within your organization."
  - "List of AWS services that support RCPs": "RCPs apply to actions for the following AWS
    services" (some sixty service prefixes, from appstream to xray, in the copy read).
  - "RCP effects on permissions": "RCPs apply to the resources that are authorized as part of an
    operation request. These resources can be found in the "Resource type" column of the Action
    table in the Service Authorization Reference. If a resource is specified in the "Resource
    type" column, then the RCPs of the resource owner's account are applied." An action with no
    resource type (s3:ListAllMyBuckets, kms:CreateKey, sqs:ListQueues) authorizes no resource of
    an account, so no RCP applies to it. RCPs apply to every principal "regardless of whether
    the principals belong to the same organizations or not. This includes root users. The
    exception is when principals are service-linked roles".
  - "Resources and entities not restricted by RCPs": any action on resources in the management
    account; the permissions of service-linked roles, and "AWS services' ability to assume a
    service-linked role"; "AWS managed keys for AWS Key Management Service"; kms:RetireGrant.
- AWS KMS Developer Guide, "Resource control policies in AWS KMS": "Resource control policies
  in your organization do not apply to AWS managed keys", and its RCPEnforceIdentityPerimeter
  example RCP (Deny kms:* unless aws:PrincipalOrgID is the organization's or the caller is an
  AWS service).

What the evaluator can know of an AWS managed key: only its alias, ``alias/aws/<service>``
(AWS reserves the ``alias/aws/`` prefix for them). A request naming the key by its key ARN
(``key/<id>``) does not say who manages the key, so the RCPs stay applied to it.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.evaluator import RCP_SERVICES, Evaluator, PolicySet, Request
from bot.iam.policy import Policy, parse_policy

ACCOUNT = "111122223333"
ORG = "o-exampleorgid"
OUTSIDER_ROOT = "arn:aws:iam::444455556666:root"
OUTSIDER = "arn:aws:iam::444455556666:role/partner"
USER = f"arn:aws:iam::{ACCOUNT}:user/alice"
REGION = "us-east-1"


def _policy(*statements: dict[str, Any], name: str) -> Policy:
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, name=name)


RCP_FULL_AWS_ACCESS = _policy(
    {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}, name="RCPFullAWSAccess"
)
RCP_DENY_ALL = _policy(
    {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}, name="deny-all"
)
# AWS KMS Developer Guide, "Resource control policies in AWS KMS": the identity perimeter.
KMS_IDENTITY_PERIMETER = _policy(
    {
        "Sid": "RCPEnforceIdentityPerimeter",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "kms:*",
        "Resource": "*",
        "Condition": {
            "StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG},
            "Bool": {"aws:PrincipalIsAWSService": "false"},
        },
    },
    name="kms-identity-perimeter",
)
ADMIN = _policy({"Effect": "Allow", "Action": "*", "Resource": "*"}, name="admin")
# A resource-based policy open to everyone: only the RCPs can then refuse.
OPEN = _policy({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}, name="open")

DENY_ALL_LEVELS = [[RCP_FULL_AWS_ACCESS, RCP_DENY_ALL]]


def _decide(
    principal: str,
    action: str,
    resource: str,
    *,
    rcps: list[list[Policy]] = DENY_ALL_LEVELS,
    resource_policy: Policy | None = OPEN,
    **flags: bool,
) -> str:
    policies = PolicySet(identity=[ADMIN], rcps=rcps, resource_policy=resource_policy, **flags)
    request = Request(principal, action, resource, resource_account=ACCOUNT)
    return Evaluator(policies).evaluate(request).decision


# --- AWS managed KMS keys -------------------------------------------------------------------

AWS_MANAGED_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/aws/s3"
CUSTOMER_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.mark.parametrize("action", ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"])
def test_rcps_do_not_apply_to_an_aws_managed_key(action: str) -> None:
    """The KMS page's identity perimeter keeps an outsider from a customer managed key but not
    from an AWS managed key (named by its alias/aws/ alias)."""
    rcps = [[RCP_FULL_AWS_ACCESS, KMS_IDENTITY_PERIMETER]]
    assert _decide(OUTSIDER, action, AWS_MANAGED_KEY, rcps=rcps) == "allowed"
    assert _decide(OUTSIDER, action, CUSTOMER_KEY, rcps=rcps) == "explicit_deny"


def test_rcp_level_without_allow_does_not_limit_an_aws_managed_key() -> None:
    only_s3 = _policy(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}, name="s3"
    )
    assert _decide(USER, "kms:Decrypt", AWS_MANAGED_KEY, rcps=[[only_s3]]) == "allowed"
    assert _decide(USER, "kms:Decrypt", CUSTOMER_KEY, rcps=[[only_s3]]) == "implicit_deny"


def test_a_set_of_aws_managed_keys_is_out_of_the_rcps_but_a_wider_set_is_not() -> None:
    policies = PolicySet(identity=[ADMIN], rcps=DENY_ALL_LEVELS, resource_policy=OPEN)
    evaluator = Evaluator(policies)

    def ask(resource: str) -> str:
        request = Request(
            USER, "kms:Decrypt", resource, resource_account=ACCOUNT, resource_is_pattern=True
        )
        return evaluator.evaluate(request).decision

    assert ask(f"arn:aws:kms:*:{ACCOUNT}:alias/aws/*") == "allowed"
    assert ask(f"arn:aws:kms:*:{ACCOUNT}:alias/*") == "explicit_deny"


def test_a_customer_alias_that_merely_starts_with_aws_is_still_governed() -> None:
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/aws-backups"
    assert _decide(USER, "kms:Decrypt", key) == "explicit_deny"


def test_explain_says_rcps_leave_an_aws_managed_key_alone() -> None:
    policies = PolicySet(identity=[ADMIN], rcps=DENY_ALL_LEVELS, resource_policy=OPEN)
    traces = Evaluator(policies).explain(Request(USER, "kms:Decrypt", AWS_MANAGED_KEY))
    rcp_traces = [t for t in traces if t.kind == "rcp"]
    assert rcp_traces
    assert not any(t.applies for t in rcp_traces)
    assert all("AWS managed" in t.why for t in rcp_traces)


# --- actions without a resource type ----------------------------------------------------------


@pytest.mark.parametrize(
    "action",
    [
        "s3:ListAllMyBuckets",
        "kms:CreateKey",
        "kms:ListAliases",
        "sqs:ListQueues",
        "secretsmanager:ListSecrets",
        "sts:DecodeAuthorizationMessage",
    ],
)
def test_rcps_do_not_apply_to_actions_that_authorize_no_resource(action: str) -> None:
    assert _decide(USER, action, "*", resource_policy=None) == "allowed"


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("s3:ListBucket", "arn:aws:s3:::amzn-s3-demo-bucket"),
        ("kms:CreateGrant", CUSTOMER_KEY),
        ("sqs:ReceiveMessage", f"arn:aws:sqs:{REGION}:{ACCOUNT}:queue"),
        ("sts:GetFederationToken", f"arn:aws:sts::{ACCOUNT}:federated-user/bob"),
    ],
)
def test_rcps_still_apply_to_the_same_services_resource_actions(action: str, resource: str) -> None:
    assert _decide(USER, action, resource, resource_policy=None) == "explicit_deny"


def test_explain_says_rcps_leave_a_resource_less_action_alone() -> None:
    policies = PolicySet(identity=[ADMIN], rcps=DENY_ALL_LEVELS)
    traces = Evaluator(policies).explain(Request(USER, "s3:ListAllMyBuckets", "*"))
    rcp_traces = [t for t in traces if t.kind == "rcp"]
    assert rcp_traces
    assert not any(t.applies for t in rcp_traces)


# --- the service list ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("events:PutEvents", f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"),
        ("codebuild:StartBuild", f"arn:aws:codebuild:{REGION}:{ACCOUNT}:project/p"),
        ("cloudfront:GetDistribution", f"arn:aws:cloudfront::{ACCOUNT}:distribution/E1"),
        ("firehose:PutRecord", f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/d"),
        ("ecr-public:BatchCheckLayerAvailability", f"arn:aws:ecr-public::{ACCOUNT}:repository/r"),
        ("xray:PutTraceSegments", "*"),
    ],
)
def test_services_on_the_documented_list_are_governed(action: str, resource: str) -> None:
    expected = "allowed" if resource == "*" else "explicit_deny"  # xray: no resource type
    assert _decide(USER, action, resource, resource_policy=None) == expected


def test_the_service_list_is_the_documented_one() -> None:
    """The prefixes on "List of AWS services that support RCPs" (the copy read): spot checks
    of the launch five, later additions and services that are not on it."""
    for prefix in ("s3", "sts", "kms", "sqs", "secretsmanager", "ecr", "aoss", "dynamodb"):
        assert prefix in RCP_SERVICES, prefix
    for prefix in ("events", "codebuild", "wafv2", "signin", "rolesanywhere", "ecr-public"):
        assert prefix in RCP_SERVICES, prefix
    for prefix in ("ec2", "iam", "lambda", "sns", "rds", "elasticfilesystem"):
        assert prefix not in RCP_SERVICES, prefix
    assert len(RCP_SERVICES) == 62


# --- the rules the evaluator already followed (confirmation) ----------------------------------


def test_rcps_never_apply_to_resources_in_the_management_account() -> None:
    """Mirrors SCPs (principal_in_management_account): the flag for the resource's account."""
    bucket = "arn:aws:s3:::amzn-s3-demo-bucket/report.csv"
    assert _decide(OUTSIDER, "s3:GetObject", bucket, resource_in_management_account=True) == (
        "allowed"
    )
    # The caller being in the management account does not exempt a member account's resource.
    assert _decide(USER, "s3:GetObject", bucket, principal_in_management_account=True) == (
        "explicit_deny"
    )


@pytest.mark.parametrize(
    "caller",
    [
        f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/elasticmapreduce.amazonaws.com/"
        "AWSServiceRoleForEMRCleanup",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/AWSServiceRoleForEMRCleanup/session",
    ],
)
def test_rcps_do_not_restrict_service_linked_roles(caller: str) -> None:
    assert _decide(caller, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/x") == "allowed"


def test_rcps_do_not_restrict_a_service_assuming_its_service_linked_role() -> None:
    role = (
        f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/elasticmapreduce.amazonaws.com/"
        "AWSServiceRoleForEMRCleanup"
    )
    assert _decide("elasticmapreduce.amazonaws.com", "sts:AssumeRole", role) == "allowed"
    # ... while a customer role stays governed for the same service.
    other = f"arn:aws:iam::{ACCOUNT}:role/app"
    assert _decide("elasticmapreduce.amazonaws.com", "sts:AssumeRole", other) == "explicit_deny"


@pytest.mark.parametrize(
    "caller", [OUTSIDER_ROOT, "cloudtrail.amazonaws.com", "*"], ids=["root", "service", "anon"]
)
def test_rcps_restrict_root_users_service_principals_and_anonymous_callers(caller: str) -> None:
    assert _decide(caller, "s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket/x") == (
        "explicit_deny"
    )


@pytest.mark.parametrize(
    ("caller", "action", "resource", "flags", "why"),
    [
        (
            USER,
            "s3:GetObject",
            "arn:aws:s3:::b/k",
            {"resource_in_management_account": True},
            "management account",
        ),
        (
            f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/elasticmapreduce.amazonaws.com/"
            "AWSServiceRoleForEMRCleanup",
            "s3:GetObject",
            "arn:aws:s3:::b/k",
            {},
            "service-linked roles",
        ),
        (
            "elasticmapreduce.amazonaws.com",
            "sts:AssumeRole",
            f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/elasticmapreduce.amazonaws.com/"
            "AWSServiceRoleForEMRCleanup",
            {},
            "service-linked role",
        ),
    ],
    ids=["management-account", "service-linked-caller", "service-assumes-its-role"],
)
def test_explain_agrees_with_the_decision_on_the_exempt_requests(
    caller: str, action: str, resource: str, flags: dict[str, bool], why: str
) -> None:
    """explain() traced RCP statements as applying where the decision left the RCPs out."""
    policies = PolicySet(identity=[ADMIN], rcps=DENY_ALL_LEVELS, resource_policy=OPEN, **flags)
    evaluator = Evaluator(policies)
    request = Request(caller, action, resource, resource_account=ACCOUNT)
    assert evaluator.evaluate(request).decision == "allowed"
    rcp_traces = [t for t in evaluator.explain(request) if t.kind == "rcp"]
    assert rcp_traces
    assert not any(t.applies for t in rcp_traces)
    assert all(why in t.why for t in rcp_traces)
