"""The privesc.md traps and the origin.md example policies, at the evaluator level; and the
collection of a principal's policies from a snapshot."""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.evaluator import Evaluator, PolicySet, Request, evaluate
from bot.iam.policy import Policy, parse_policy
from bot.iam.principal_policies import policies_for_principal
from bot.model.errors import InputError
from tests import factories as f

ALICE = f.user_arn("alice")
ADMIN_ROLE = f.role_arn("admin")
CUSTOMER_POLICY = f.policy_arn("app-policy")
AWS_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"


def pol(document: dict[str, Any], name: str = "p") -> Policy:
    return parse_policy(document, name=name)


def decide(identity: list[Policy], action: str, resource: str = "*", **context: Any) -> str:
    return evaluate(Request(ALICE, action, resource, context=context), PolicySet(identity)).decision


# --- privesc.md traps --------------------------------------------------------------------------


def test_two_policies_together_make_a_method() -> None:
    passrole = pol(f.allow("iam:PassRole", f.role_arn("*")), "passrole")
    run = pol(f.allow("ec2:RunInstances"), "run")
    evaluator = Evaluator(PolicySet([passrole, run]))
    assert evaluator.evaluate(Request(ALICE, "iam:PassRole", ADMIN_ROLE)).allowed
    assert evaluator.evaluate(Request(ALICE, "ec2:RunInstances", "*")).allowed


def test_a_resource_pattern_that_still_matches_an_exploitable_target() -> None:
    policy = pol(f.allow("iam:PassRole", "arn:aws:iam::*:role/ad*"))
    assert decide([policy], "iam:PassRole", ADMIN_ROLE) == "allowed"


def test_allow_not_action_leaves_escalation_actions() -> None:
    policy = pol(f.policy_document(f.statement(not_action=["s3:*", "ec2:*"])))
    assert decide([policy], "iam:CreatePolicyVersion", CUSTOMER_POLICY) == "allowed"
    assert decide([policy], "s3:GetObject") == "implicit_deny"


def test_allow_and_deny_of_the_same_actions_in_one_policy() -> None:
    policy = pol(
        f.policy_document(
            f.statement(action="iam:CreatePolicyVersion"),
            f.statement(effect="Deny", action="iam:CreatePolicyVersion"),
        )
    )
    assert decide([policy], "iam:CreatePolicyVersion", CUSTOMER_POLICY) == "explicit_deny"


def test_allow_and_deny_of_the_same_actions_across_two_policies() -> None:
    allow = pol(f.allow(["iam:PutUserPolicy", "iam:AttachUserPolicy"]), "allow")
    deny = pol(f.policy_document(f.statement(effect="Deny", action="iam:*UserPolicy")), "deny")
    for action in ("iam:PutUserPolicy", "iam:AttachUserPolicy"):
        assert decide([allow, deny], action, ALICE) == "explicit_deny"


def test_a_deny_only_policy_grants_nothing() -> None:
    deny = pol(f.policy_document(f.statement(effect="Deny", action="iam:*")))
    assert decide([deny], "iam:CreateAccessKey", ALICE) == "explicit_deny"
    assert decide([deny], "s3:GetObject") == "implicit_deny"


def test_create_policy_version_limited_to_aws_managed_policies() -> None:
    """A grant limited to AWS managed policies grants nothing: AWS never lets an account
    change them (IAM User Guide, "AWS managed policies")."""
    policy = pol(f.allow("iam:CreatePolicyVersion", "arn:aws:iam::aws:policy/*"))
    assert decide([policy], "iam:CreatePolicyVersion", CUSTOMER_POLICY) == "implicit_deny"
    assert decide([policy], "iam:CreatePolicyVersion", AWS_POLICY) == "implicit_deny"


PAST = "2020-01-01T00:00:00Z"
NOW = "2026-11-29T12:00:00Z"


def test_a_satisfiable_token_issue_time_condition_does_not_protect() -> None:
    policy = pol(
        f.allow(
            "iam:AttachUserPolicy",
            condition={"DateGreaterThan": {"aws:TokenIssueTime": PAST}},
        )
    )
    context = {"aws:TokenIssueTime": NOW}
    assert decide([policy], "iam:AttachUserPolicy", ALICE, **context) == "allowed"


def test_a_condition_that_can_no_longer_be_met() -> None:
    policy = pol(
        f.allow("iam:AttachUserPolicy", condition={"DateLessThan": {"aws:TokenIssueTime": PAST}})
    )
    assert decide([policy], "iam:AttachUserPolicy", ALICE, **{"aws:TokenIssueTime": NOW}) == (
        "implicit_deny"
    )
    # and with no token time at all (long-term keys) it is false as well
    assert decide([policy], "iam:AttachUserPolicy", ALICE) == "implicit_deny"


# --- origin.md example policies ----------------------------------------------------------------


def test_origin_least_privilege_policy_cannot_list_the_bucket() -> None:
    policy = pol(f.ORIGIN_S3_EXAMPLE, "least-privilege")
    assert decide([policy], "s3:GetObject", "arn:aws:s3:::example-bucket/a.txt") == "allowed"
    # ListBucket acts on the bucket ARN, which the object pattern never matches
    assert decide([policy], "s3:ListBucket", "arn:aws:s3:::example-bucket") == "implicit_deny"


@pytest.mark.parametrize(
    ("mfa", "expected"),
    [(None, "explicit_deny"), ("false", "explicit_deny"), ("true", "implicit_deny")],
)
def test_origin_mfa_policy_denies_enrolling_mfa_without_mfa(mfa: str | None, expected: str) -> None:
    policy = pol(f.ORIGIN_MFA_EXAMPLE, "enforce-mfa")
    context = {} if mfa is None else {"aws:MultiFactorAuthPresent": mfa}
    mfa_arn = f"arn:aws:iam::{f.ACCOUNT_ID}:mfa/alice"
    assert decide([policy], "iam:CreateVirtualMFADevice", mfa_arn, **context) == expected


def test_origin_policies_together() -> None:
    both = [pol(f.ORIGIN_S3_EXAMPLE, "least"), pol(f.ORIGIN_MFA_EXAMPLE, "mfa")]
    target = "arn:aws:s3:::example-bucket/a.txt"
    assert decide(both, "s3:GetObject", target) == "explicit_deny"
    assert decide(both, "s3:GetObject", target, **{"aws:MultiFactorAuthPresent": True}) == "allowed"


# --- a principal's policies from a snapshot ----------------------------------------------------


def _account() -> Any:
    boundary = f.managed_policy("boundary", f.allow(["s3:*", "iam:Get*"]))
    user_managed = f.managed_policy("user-managed", f.allow("s3:PutObject"))
    group_managed = f.managed_policy("group-managed", f.allow("iam:GetUser"))
    role_managed = f.managed_policy("role-managed", f.allow("ec2:*"))
    alice = f.user(
        "alice",
        groups=["developers"],
        attached_policies=[user_managed.arn],
        inline_policies=[f.inline("own", f.allow("s3:GetObject"))],
        permissions_boundary_arn=boundary.arn,
    )
    developers = f.group(
        "developers",
        attached_policies=[group_managed.arn],
        inline_policies=[f.inline("team", f.allow("s3:DeleteObject"))],
    )
    app = f.role(
        "app",
        path="/service/",
        attached_policies=[role_managed.arn],
        inline_policies=[f.inline("logs", f.allow("logs:PutLogEvents"))],
    )
    return f.snapshot(
        users=[alice],
        groups=[developers],
        roles=[app],
        policies=[boundary, user_managed, group_managed, role_managed],
    )


def test_user_policies_include_groups_and_boundary() -> None:
    snapshot = _account()
    policies = policies_for_principal(snapshot, ALICE)
    names = [p.name for p in policies.identity]
    assert names == [
        "user/alice/inline/own",
        f.policy_arn("user-managed"),
        "group/developers/inline/team",
        f.policy_arn("group-managed"),
    ]
    assert [p.name for p in policies.permission_boundaries] == [f.policy_arn("boundary")]
    evaluator = Evaluator(policies)
    assert evaluator.evaluate(Request(ALICE, "s3:DeleteObject", "arn:aws:s3:::b/k")).allowed
    assert evaluator.evaluate(Request(ALICE, "iam:GetUser", ALICE)).allowed
    # ec2 is outside the boundary even if a policy allowed it
    assert not evaluator.evaluate(Request(ALICE, "ec2:RunInstances", "*")).allowed


def test_role_and_role_session_policies() -> None:
    snapshot = _account()
    role_arn = f.role_arn("app", path="/service/")
    names = [p.name for p in policies_for_principal(snapshot, role_arn).identity]
    assert names == ["role/app/inline/logs", f.policy_arn("role-managed")]
    session = f"arn:aws:sts::{f.ACCOUNT_ID}:assumed-role/app/build-42"
    via_session = policies_for_principal(snapshot, session)
    assert [p.name for p in via_session.identity] == names
    assert via_session.permission_boundaries == ()


def test_parsed_policies_are_shared_through_the_cache() -> None:
    snapshot = _account()
    cache: dict[str, Policy] = {}
    first = policies_for_principal(snapshot, ALICE, cache=cache)
    second = policies_for_principal(snapshot, ALICE, cache=cache)
    assert all(a is b for a, b in zip(first.identity, second.identity, strict=True))
    assert f.policy_arn("boundary") in cache


@pytest.mark.parametrize(
    ("arn", "message"),
    [
        (f.user_arn("mallory"), "no user with ARN"),
        (f.role_arn("ghost"), "no role matching"),
        (f.group_arn("developers"), "not the ARN of an IAM user or role"),
        ("ec2.amazonaws.com", "not the ARN of an IAM user or role"),
    ],
)
def test_unknown_principals_are_input_errors(arn: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        policies_for_principal(_account(), arn)


def test_missing_managed_policy_and_malformed_inline_are_input_errors() -> None:
    lonely = f.user("bob", groups=[], attached_policies=[f.policy_arn("gone")])
    with pytest.raises(InputError, match="missing from the snapshot"):
        policies_for_principal(f.snapshot(users=[lonely]), lonely.arn)
    broken = f.user("carol", groups=[], inline_policies=[f.inline("bad", {"Statement": []})])
    with pytest.raises(InputError, match="at least one statement"):
        policies_for_principal(f.snapshot(users=[broken]), broken.arn)
    orphan = f.user("dave", groups=["nowhere"])
    with pytest.raises(InputError, match="group nowhere"):
        policies_for_principal(f.snapshot(users=[orphan], groups=[]), orphan.arn)
