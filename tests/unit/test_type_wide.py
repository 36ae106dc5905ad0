"""Grants through Resource patterns that reach every resource of an action's types.

AWS authorises a request against the resource's own ARN ("Policy evaluation logic": the
request context holds the resource; IAM User Guide, "IAM JSON policy elements: Resource"), so
s3:GetObject on `arn:aws:s3:::*` matches every object of every bucket, exactly as `*` does.
The Service Authorization Reference gives each action's resource types and their ARN formats
(s3:GetObject: object, `arn:${Partition}:s3:::${BucketName}/${ObjectName}`). Cloudsplaining
reads only the literal `*`; the unrestricted-access checks read both.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.iam.catalogue import default_catalogue
from bot.iam.effective import PermissionIndex
from bot.iam.lint_resources import covers_every_resource
from bot.iam.type_wide import covers_type_in_account, may_cover_in_service
from tests.factories import (
    ACCOUNT_ID,
    NOW,
    allow,
    inline,
    managed_policy,
    policy_document,
    role,
    role_arn,
    run_check,
    snapshot,
    statement,
)

CATALOGUE = default_catalogue()


@pytest.mark.parametrize(
    ("action", "resources", "account", "covers"),
    [
        # S3 ARNs carry no account: `arn:aws:s3:::*` is every bucket and every object.
        ("s3:GetObject", ("arn:aws:s3:::*",), "", True),
        ("s3:GetObject", ("arn:aws:s3:::*/*",), "", True),
        ("s3:GetObject", ("arn:aws:s3:::reports-7/*",), "", False),
        ("s3:GetObject", ("arn:aws:s3:::reports-*/*",), "", False),
        ("s3:GetObject", ("arn:aws:s3:::*/public/*",), "", False),
        # ssm parameters: every region and account, or not all of them.
        ("ssm:GetParameter", ("arn:aws:ssm:*:*:parameter/*",), "", True),
        ("ssm:GetParameter", (f"arn:aws:ssm:*:{ACCOUNT_ID}:parameter/*",), "", False),
        ("ssm:GetParameter", ("arn:aws:ssm:us-east-1:*:parameter/*",), "", False),
        ("ssm:GetParameter", ("arn:aws:ssm:*:*:parameter/prod/*",), "", False),
        # IAM calls act on the caller's account: its own id is read as any account.
        ("iam:PassRole", (f"arn:aws:iam::{ACCOUNT_ID}:role/*",), ACCOUNT_ID, True),
        ("iam:PassRole", ("arn:aws:iam::*:role/*",), ACCOUNT_ID, True),
        ("iam:PassRole", (f"arn:aws:iam::{ACCOUNT_ID}:role/app-*",), ACCOUNT_ID, False),
        ("iam:PassRole", ("arn:aws:iam::999999999999:role/*",), ACCOUNT_ID, False),
        # A policy variable renders per caller: never every resource.
        ("s3:GetObject", ("arn:aws:s3:::${aws:username}*",), "", False),
        # An action without resource types is named only by `*`.
        ("s3:ListAllMyBuckets", ("arn:aws:s3:::*",), "", False),
        # Every ARN of every service.
        ("kms:Decrypt", ("arn:aws:*:*:*:*",), "", True),
        # A wildcard may span separators: these reach every network interface and every role.
        ("ec2:CreateNetworkInterfacePermission", ("*network-interface*",), "", True),
        ("iam:PassRole", ("arn:aws:iam::*:role*",), ACCOUNT_ID, True),
        # A format ending in literal text: apigateway:POST requires none of its 21 types, so
        # every authorizers collection is one whole type of it.
        ("apigateway:POST", ("arn:aws:apigateway:*::/apis/*/authorizers",), "", True),
    ],
)
def test_covers_type_in_account(
    action: str, resources: tuple[str, ...], account: str, covers: bool
) -> None:
    assert covers_type_in_account(CATALOGUE, action, resources, account) is covers


def _role_with(*statements, boundary=None):
    policies = [boundary] if boundary else []
    r = role(
        "app",
        inline_policies=[inline("p", policy_document(*statements))],
        permissions_boundary_arn=boundary.arn if boundary else None,
    )
    return snapshot(roles=[r], policies=policies)


def test_every_bucket_pattern_is_data_exfiltration_with_its_grant_as_evidence() -> None:
    snap = _role_with(statement(action="s3:GetObject", resource="arn:aws:s3:::*", sid="AnyBucket"))
    (found,) = run_check("principal.data_exfiltration", snap)
    assert found.resource_arn == role_arn("app")
    assert found.evidence["actions"] == ["s3:GetObject"]
    assert found.evidence["policies"] == [f"{role_arn('app')} inline p"]
    (grant,) = found.evidence["grants"]["s3:GetObject"]
    assert grant["statement"] == "AnyBucket"
    assert grant["effect"] == "Allow"


def test_one_bucket_pattern_is_not_data_exfiltration() -> None:
    snap = _role_with(statement(action="s3:GetObject", resource="arn:aws:s3:::reports/*"))
    assert run_check("principal.data_exfiltration", snap) == []


def test_a_deny_on_every_bucket_takes_it_back() -> None:
    snap = _role_with(
        statement(action="s3:GetObject", resource="arn:aws:s3:::*"),
        statement(effect="Deny", action="s3:*", resource="arn:aws:s3:::*"),
    )
    assert run_check("principal.data_exfiltration", snap) == []


def test_a_deny_on_one_bucket_leaves_every_other_bucket() -> None:
    """As for `*`: a principal reading every bucket but one still reads every bucket's data
    that the audit cannot name."""
    snap = _role_with(
        statement(action="s3:GetObject", resource="arn:aws:s3:::*"),
        statement(effect="Deny", action="s3:*", resource="arn:aws:s3:::secret/*"),
    )
    assert len(run_check("principal.data_exfiltration", snap)) == 1


@pytest.mark.parametrize(
    ("boundary_resource", "reported"),
    [("*", True), ("arn:aws:s3:::*", True), ("arn:aws:s3:::reports/*", False)],
)
def test_the_boundary_must_reach_every_bucket_too(boundary_resource: str, reported: bool) -> None:
    boundary = managed_policy("boundary", allow("s3:*", boundary_resource))
    snap = _role_with(
        statement(action="s3:GetObject", resource="arn:aws:s3:::*"), boundary=boundary
    )
    assert bool(run_check("principal.data_exfiltration", snap)) is reported


def test_every_role_of_the_account_is_as_broad_as_star_for_iam_writes() -> None:
    """iam:PutRolePolicy on every role of the account: the role may write itself any policy,
    which the audit reports as resource exposure on `*` too."""
    everywhere = _role_with(statement(action="iam:PutRolePolicy", resource="*"))
    account_roles = _role_with(
        statement(action="iam:PutRolePolicy", resource=f"arn:aws:iam::{ACCOUNT_ID}:role/*")
    )
    some_roles = _role_with(
        statement(action="iam:PutRolePolicy", resource=f"arn:aws:iam::{ACCOUNT_ID}:role/app-*")
    )
    for check in ("principal.resource_exposure", "principal.privilege_escalation"):
        assert bool(run_check(check, everywhere)) == bool(run_check(check, account_roles)), check
    assert run_check("principal.resource_exposure", account_roles)
    assert run_check("principal.resource_exposure", some_roles) == []


def test_the_set_path_and_the_per_action_path_agree() -> None:
    snap = _role_with(
        statement(action=["s3:GetObject", "ssm:GetParameter"], resource="arn:aws:s3:::*"),
        statement(action="secretsmanager:GetSecretValue", resource="arn:aws:*:*:*:*"),
    )
    perms = PermissionIndex(snap, NOW)[role_arn("app")]
    actions = ("s3:GetObject", "ssm:GetParameter", "secretsmanager:GetSecretValue", "kms:Decrypt")
    one_by_one = sorted(a for a in actions if perms.unrestricted(a) is not None)
    assert sorted(perms.unrestricted_among("some", actions)) == one_by_one
    assert one_by_one == ["s3:GetObject", "secretsmanager:GetSecretValue"]


# --- the prefilters against the plain glob comparison (hypothesis) ---------------------------

_ACTIONS = (
    "s3:GetObject",
    "s3:PutBucketPolicy",
    "ssm:GetParameter",
    "kms:Decrypt",
    "iam:PassRole",
    "iam:PutRolePolicy",
    "kafka-cluster:ReadData",
    "secretsmanager:GetSecretValue",
    "ec2:CreateNetworkInterfacePermission",
    "lambda:AddPermission",
)
_PIECES = (
    "*",
    "?",
    "arn:",
    "aws",
    ":",
    "s3",
    "ssm",
    "kms",
    "iam",
    "kafka",
    "ec2",
    "lambda",
    "secretsmanager",
    "us-east-1",
    ACCOUNT_ID,
    "/",
    "parameter",
    "key",
    "role",
    "topic",
    "secret",
    "function",
    "network-interface",
    "reports",
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(_ACTIONS),
    st.lists(
        st.one_of(
            st.lists(st.sampled_from(_PIECES), min_size=1, max_size=9).map("".join),
            st.sampled_from(
                (
                    "arn:aws:s3:::*",
                    "arn:aws:s3:::*/*",
                    "arn:aws:*:*:*:*",
                    "arn:aws:kafka:*:*:topic/*",
                    f"arn:aws:iam::{ACCOUNT_ID}:role/*",
                    "arn:aws:ssm:*:*:parameter/*",
                    "arn:*:secretsmanager:*:*:secret:*",
                )
            ),
        ),
        min_size=1,
        max_size=3,
    ),
    st.sampled_from(("", ACCOUNT_ID)),
)
def test_prefilters_never_change_the_answer(action: str, patterns: list[str], account: str) -> None:
    """covers_type_in_account skips the glob comparison when a cheap test says it cannot hold
    (no such ARN service, a narrower opening text, a variable);
    may_cover_in_service answers for a whole service. Both only ever say no where the plain
    comparison of every pattern against every format says no."""
    resources = tuple(patterns)
    info = CATALOGUE.action(action)
    assert info is not None
    plain = tuple(
        p.replace(f":{account}:", ":*:", 1) if account else p for p in resources if "${" not in p
    )
    expected = bool(info.resource_types) and covers_every_resource(info, plain)
    assert covers_type_in_account(CATALOGUE, action, resources, account) is expected
    if expected:
        assert may_cover_in_service(CATALOGUE, action.partition(":")[0], resources)
