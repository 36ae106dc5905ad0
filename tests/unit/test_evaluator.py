"""Evaluation logic: deny precedence, SCP/RCP levels, boundary, session and resource policies."""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.evaluator import Decision, Evaluator, PolicySet, Request, evaluate
from bot.iam.policy import Policy, parse_policy

ACCOUNT = "111122223333"
OTHER = "444455556666"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
APP_ROLE = f"arn:aws:iam::{ACCOUNT}:role/team/app"
APP_SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s1"
BUCKET = "arn:aws:s3:::data"
OBJECT = "arn:aws:s3:::data/report.csv"


def doc(*statements: dict[str, Any], version: str = "2012-10-17") -> dict[str, Any]:
    return {"Version": version, "Statement": list(statements)}


def stmt(effect: str = "Allow", action: Any = "s3:GetObject", resource: Any = "*", **extra: Any):
    body: dict[str, Any] = {"Effect": effect}
    if action is not None:
        body["Action"] = action
    if resource is not None:
        body["Resource"] = resource
    body.update(extra)
    return body


def pol(*statements: dict[str, Any], name: str = "p", version: str = "2012-10-17") -> Policy:
    return parse_policy(doc(*statements, version=version), name=name)


def decide(
    policies: PolicySet,
    *,
    principal: str = ALICE,
    action: str = "s3:GetObject",
    resource: str = OBJECT,
    resource_account: str | None = None,
    **context: Any,
) -> Decision:
    ctx = {k.replace("__", ":").replace("_slash_", "/"): v for k, v in context.items()}
    return evaluate(Request(principal, action, resource, resource_account, ctx), policies)


ALLOW_ALL = pol(stmt(action="*"), name="allow-all")
ALLOW_GET = pol(stmt(), name="allow-get")
DENY_GET = pol(stmt("Deny"), name="deny-get")


# --- identity policies ------------------------------------------------------------------------


def test_nothing_allows_means_implicit_deny() -> None:
    decision = decide(PolicySet())
    assert decision.decision == "implicit_deny"
    assert decision.matched == ()
    assert "no identity-based policy" in decision.reason


def test_identity_allow_is_allowed_and_names_the_statement() -> None:
    decision = decide(PolicySet(identity=[pol(stmt(Sid="Read"), name="reader")]))
    assert decision.decision == "allowed"
    assert [(m.policy, m.statement, m.effect, m.kind) for m in decision.matched] == [
        ("reader", "Read", "Allow", "identity")
    ]


def test_explicit_deny_beats_allow_across_policies() -> None:
    decision = decide(PolicySet(identity=[ALLOW_ALL, DENY_GET]))
    assert decision.decision == "explicit_deny"
    assert [m.policy for m in decision.matched] == ["deny-get"]


@pytest.mark.parametrize(
    ("statement", "action", "resource", "expected"),
    [
        (stmt(action="S3:getobject"), "s3:GetObject", OBJECT, "allowed"),  # action case
        (stmt(action="s3:Get*"), "S3:GETOBJECT", OBJECT, "allowed"),
        (stmt(action="s3:Put*"), "s3:GetObject", OBJECT, "implicit_deny"),
        (stmt(action=None, NotAction="iam:*"), "s3:GetObject", OBJECT, "allowed"),
        (stmt(action=None, NotAction="iam:*"), "iam:CreateUser", OBJECT, "implicit_deny"),
        (stmt(action=None, NotAction=["s3:Get*"]), "s3:GetObject", OBJECT, "implicit_deny"),
        (stmt(resource="arn:aws:s3:::data/*"), "s3:GetObject", OBJECT, "allowed"),
        (stmt(resource="arn:aws:s3:::DATA/*"), "s3:GetObject", OBJECT, "implicit_deny"),
        (stmt(resource="arn:aws:s3:::data/*"), "s3:GetObject", BUCKET, "implicit_deny"),
        (
            stmt(resource=None, NotResource="arn:aws:s3:::secret/*"),
            "s3:GetObject",
            OBJECT,
            "allowed",
        ),
        (
            stmt(resource=None, NotResource="arn:aws:s3:::data/*"),
            "s3:GetObject",
            OBJECT,
            "implicit_deny",
        ),
    ],
)
def test_action_and_resource_elements(
    statement: dict[str, Any], action: str, resource: str, expected: str
) -> None:
    decision = decide(PolicySet(identity=[pol(statement)]), action=action, resource=resource)
    assert decision.decision == expected


def test_deny_with_not_action_denies_everything_else() -> None:
    policies = PolicySet(identity=[ALLOW_ALL, pol(stmt("Deny", action=None, NotAction="s3:*"))])
    assert decide(policies, action="s3:GetObject").decision == "allowed"
    assert decide(policies, action="ec2:RunInstances").decision == "explicit_deny"


def test_conditions_gate_allow_and_deny() -> None:
    allow_tls = pol(stmt(Condition={"Bool": {"aws:SecureTransport": "true"}}))
    assert decide(PolicySet(identity=[allow_tls])).decision == "implicit_deny"
    assert decide(PolicySet(identity=[allow_tls]), aws__SecureTransport=True).allowed


# --- policy variables -------------------------------------------------------------------------


HOME = stmt(action="s3:*", resource="arn:aws:s3:::home/${aws:username}/*")


def test_resource_variables_resolve_from_the_principal() -> None:
    policies = PolicySet(identity=[pol(HOME)])
    assert decide(policies, resource="arn:aws:s3:::home/alice/x").allowed
    assert not decide(policies, resource="arn:aws:s3:::home/bob/x").allowed


def test_unresolvable_variable_makes_the_statement_not_match() -> None:
    # Roles have no aws:username, so the statement cannot match for them.
    policies = PolicySet(identity=[pol(HOME)])
    decision = decide(policies, principal=APP_ROLE, resource="arn:aws:s3:::home/app/x")
    assert decision.decision == "implicit_deny"
    deny = PolicySet(
        identity=[ALLOW_ALL, pol(stmt("Deny", action="s3:*", resource=HOME["Resource"]))]
    )
    assert decide(deny, principal=APP_ROLE, resource="arn:aws:s3:::home/app/x").allowed


def test_variables_are_literal_text_in_2008_policies() -> None:
    policies = PolicySet(identity=[pol(HOME, version="2008-10-17")])
    assert not decide(policies, resource="arn:aws:s3:::home/alice/x").allowed
    assert decide(policies, resource="arn:aws:s3:::home/${aws:username}/x").allowed


def test_principal_tag_variable_and_context_override() -> None:
    policies = PolicySet(
        identity=[pol(stmt(resource="arn:aws:s3:::team-${aws:PrincipalTag/team}/*"))]
    )
    ctx = {"aws:PrincipalTag/team": "red"}
    request = Request(ALICE, "s3:GetObject", "arn:aws:s3:::team-red/x", context=ctx)
    assert evaluate(request, policies).allowed
    other = Request(ALICE, "s3:GetObject", "arn:aws:s3:::team-blue/x", context=ctx)
    assert not evaluate(other, policies).allowed


# --- permissions boundary and session policy --------------------------------------------------


def test_boundary_must_also_allow() -> None:
    boundary = pol(stmt(action="s3:List*"), name="boundary")
    decision = decide(PolicySet(identity=[ALLOW_ALL], permission_boundaries=[boundary]))
    assert decision.decision == "implicit_deny"
    assert "permissions boundary" in decision.reason
    allowed = decide(PolicySet(identity=[ALLOW_ALL], permission_boundaries=[ALLOW_GET]))
    assert allowed.allowed
    assert {m.kind for m in allowed.matched} == {"identity", "permission_boundary"}


def test_boundary_alone_grants_nothing() -> None:
    assert not decide(PolicySet(permission_boundaries=[ALLOW_ALL])).allowed


def test_deny_in_boundary_is_explicit() -> None:
    decision = decide(PolicySet(identity=[ALLOW_ALL], permission_boundaries=[DENY_GET]))
    assert decision.decision == "explicit_deny"
    assert decision.matched[0].kind == "permission_boundary"


def test_session_policy_must_also_allow() -> None:
    session = pol(stmt(action="s3:PutObject"), name="session")
    decision = decide(
        PolicySet(identity=[ALLOW_ALL], session_policy=session), principal=APP_SESSION
    )
    assert decision.decision == "implicit_deny"
    assert "session policy" in decision.reason
    assert decide(
        PolicySet(identity=[ALLOW_ALL], session_policy=ALLOW_GET), principal=APP_SESSION
    ).allowed


# --- SCPs and RCPs ----------------------------------------------------------------------------

FULL = pol(stmt(action="*"), name="FullAWSAccess")


def test_every_scp_level_must_allow() -> None:
    only_ec2 = pol(stmt(action="ec2:*"), name="ou-ec2")
    policies = PolicySet(identity=[ALLOW_ALL], scps=[[FULL], [only_ec2]])
    decision = decide(policies)
    assert decision.decision == "implicit_deny"
    assert "SCPs at organisation level 2 of 2" in decision.reason
    assert decide(policies, action="ec2:RunInstances").allowed


def test_scp_allow_alone_grants_nothing() -> None:
    assert not decide(PolicySet(scps=[[FULL]])).allowed


def test_scp_deny_is_explicit_and_management_account_is_exempt() -> None:
    deny = pol(stmt("Deny", action="s3:*"), name="no-s3")
    policies = PolicySet(identity=[ALLOW_ALL], scps=[[FULL, deny]])
    assert decide(policies).decision == "explicit_deny"
    exempt = PolicySet(
        identity=[ALLOW_ALL], scps=[[FULL, deny]], principal_in_management_account=True
    )
    assert decide(exempt).allowed


def test_scps_do_not_apply_to_service_linked_roles() -> None:
    path = "aws-service-role/support.amazonaws.com"
    slr = f"arn:aws:iam::{ACCOUNT}:role/{path}/AWSServiceRoleForSupport"
    policies = PolicySet(identity=[ALLOW_ALL], scps=[[pol(stmt("Deny", action="*"))]])
    assert decide(policies, principal=slr).allowed


def test_rcp_levels_must_allow_and_can_deny() -> None:
    rcp_full = pol(stmt(action="*", Principal="*"), name="RCPFullAWSAccess")
    rcp_deny = pol(
        stmt(
            "Deny",
            action="s3:*",
            Principal="*",
            Condition={"StringNotEqualsIfExists": {"aws:PrincipalAccount": ACCOUNT}},
        ),
        name="rcp-perimeter",
    )
    allowed = PolicySet(identity=[ALLOW_ALL], rcps=[[rcp_full, rcp_deny]])
    assert decide(allowed).allowed
    outsider = f"arn:aws:iam::{OTHER}:user/eve"
    assert decide(allowed, principal=outsider, resource_account=ACCOUNT).decision == "explicit_deny"
    empty_level = PolicySet(identity=[ALLOW_ALL], rcps=[[rcp_full], []])
    decision = decide(empty_level)
    assert decision.decision == "implicit_deny"
    assert "RCPs" in decision.reason
    exempt = PolicySet(identity=[ALLOW_ALL], rcps=[[]], resource_in_management_account=True)
    assert decide(exempt).allowed


# --- resource-based policies ------------------------------------------------------------------


def bucket_policy(principal: Any, effect: str = "Allow", **extra: Any) -> Policy:
    return pol(
        stmt(
            effect,
            action="s3:GetObject",
            resource="arn:aws:s3:::data/*",
            Principal=principal,
            **extra,
        ),
        name="bucket-policy",
    )


@pytest.mark.parametrize(
    ("principal_element", "caller", "expected"),
    [
        ({"AWS": ALICE}, ALICE, "allowed"),
        ({"AWS": [f"arn:aws:iam::{ACCOUNT}:user/bob"]}, ALICE, "implicit_deny"),
        ({"AWS": APP_ROLE}, APP_ROLE, "allowed"),
        ({"AWS": APP_ROLE}, APP_SESSION, "allowed"),  # a role ARN covers its sessions
        ({"AWS": APP_SESSION}, APP_SESSION, "allowed"),
        ({"AWS": f"arn:aws:sts::{ACCOUNT}:assumed-role/app/other"}, APP_SESSION, "implicit_deny"),
        ("*", ALICE, "allowed"),
        ({"AWS": "*"}, ALICE, "allowed"),
        # naming the account only delegates to IAM: no identity allow, no access
        ({"AWS": ACCOUNT}, ALICE, "implicit_deny"),
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, ALICE, "implicit_deny"),
        ({"Service": "cloudtrail.amazonaws.com"}, "cloudtrail.amazonaws.com", "allowed"),
        ({"Service": "cloudtrail.amazonaws.com"}, "config.amazonaws.com", "implicit_deny"),
    ],
)
def test_same_account_resource_policy_grants_without_identity_allow(
    principal_element: Any, caller: str, expected: str
) -> None:
    decision = decide(PolicySet(resource_policy=bucket_policy(principal_element)), principal=caller)
    assert decision.decision == expected
    if expected == "allowed":
        assert decision.matched[0].kind == "resource"


def test_account_principal_plus_identity_allow_is_allowed() -> None:
    policies = PolicySet(identity=[ALLOW_GET], resource_policy=bucket_policy({"AWS": ACCOUNT}))
    assert decide(policies).allowed


def test_anonymous_access_only_through_a_public_resource_policy() -> None:
    assert decide(PolicySet(resource_policy=bucket_policy("*")), principal="*").allowed
    assert not decide(PolicySet(identity=[ALLOW_ALL]), principal="*").allowed


@pytest.mark.parametrize(
    ("named", "caller", "expected"),
    [
        # a user ARN named in the resource policy is not limited by the user's boundary
        (ALICE, ALICE, "allowed"),
        # a role ARN named is limited by the role's boundary ...
        (APP_ROLE, APP_SESSION, "implicit_deny"),
        # ... but a role session named directly is not
        (APP_SESSION, APP_SESSION, "allowed"),
    ],
)
def test_resource_policy_and_permissions_boundary(named: str, caller: str, expected: str) -> None:
    boundary = pol(stmt(action="sts:GetCallerIdentity"), name="boundary")
    policies = PolicySet(
        permission_boundaries=[boundary], resource_policy=bucket_policy({"AWS": named})
    )
    assert decide(policies, principal=caller).decision == expected


@pytest.mark.parametrize(
    ("named", "expected"), [(APP_ROLE, "implicit_deny"), (APP_SESSION, "implicit_deny")]
)
def test_resource_policy_and_session_policy(named: str, expected: str) -> None:
    """An implicit deny in a session policy denies whether the resource policy names the role
    or the session (IAM User Guide, "Session policies"; see test_evaluator_aws_docs.py)."""
    session = pol(stmt(action="ec2:*"), name="session")
    policies = PolicySet(session_policy=session, resource_policy=bucket_policy({"AWS": named}))
    assert decide(policies, principal=APP_SESSION).decision == expected


def test_explicit_deny_in_resource_policy_wins() -> None:
    policies = PolicySet(
        identity=[ALLOW_ALL], resource_policy=bucket_policy({"AWS": ALICE}, "Deny")
    )
    decision = decide(policies)
    assert decision.decision == "explicit_deny"
    assert decision.matched[0].kind == "resource"


def test_cross_account_needs_both_sides() -> None:
    outsider = f"arn:aws:iam::{OTHER}:user/eve"
    grant = bucket_policy({"AWS": OTHER})
    both = decide(
        PolicySet(identity=[ALLOW_GET], resource_policy=grant),
        principal=outsider,
        resource_account=ACCOUNT,
    )
    assert both.allowed
    assert {m.kind for m in both.matched} == {"identity", "resource"}
    resource_only = decide(
        PolicySet(resource_policy=bucket_policy({"AWS": outsider})),
        principal=outsider,
        resource_account=ACCOUNT,
    )
    assert resource_only.decision == "implicit_deny"
    assert "no identity-based policy" in resource_only.reason
    identity_only = decide(
        PolicySet(identity=[ALLOW_GET]), principal=outsider, resource_account=ACCOUNT
    )
    assert identity_only.decision == "implicit_deny"
    assert "no resource-based policy" in identity_only.reason or "has no" in identity_only.reason


def test_cross_account_is_read_from_the_resource_arn() -> None:
    queue = f"arn:aws:sqs:us-east-1:{OTHER}:q"
    decision = decide(PolicySet(identity=[ALLOW_ALL]), action="sqs:SendMessage", resource=queue)
    assert decision.decision == "implicit_deny"
    assert "cross-account" in decision.reason


@pytest.mark.parametrize(
    ("not_principal", "caller", "expected"),
    [
        # Deny + NotPrincipal spares a caller only when all its identities are listed
        ({"AWS": [ALICE, f"arn:aws:iam::{ACCOUNT}:root"]}, ALICE, "allowed"),
        ({"AWS": [ALICE]}, ALICE, "explicit_deny"),
        (
            {"AWS": [APP_SESSION, f"arn:aws:iam::{ACCOUNT}:role/app", ACCOUNT]},
            APP_SESSION,
            "allowed",
        ),
        ({"AWS": [f"arn:aws:iam::{ACCOUNT}:user/bob", ACCOUNT]}, ALICE, "explicit_deny"),
    ],
)
def test_deny_with_not_principal(not_principal: Any, caller: str, expected: str) -> None:
    resource_policy = pol(
        stmt("Deny", action="s3:*", resource="arn:aws:s3:::data/*", NotPrincipal=not_principal)
    )
    policies = PolicySet(identity=[ALLOW_ALL], resource_policy=resource_policy)
    assert decide(policies, principal=caller).decision == expected


def test_deny_with_not_principal_always_denies_a_caller_with_a_boundary() -> None:
    spare_alice = {"AWS": [ALICE, f"arn:aws:iam::{ACCOUNT}:root"]}
    resource_policy = pol(
        stmt("Deny", action="s3:*", resource="arn:aws:s3:::data/*", NotPrincipal=spare_alice)
    )
    policies = PolicySet(
        identity=[ALLOW_ALL], permission_boundaries=[ALLOW_ALL], resource_policy=resource_policy
    )
    assert decide(policies).decision == "explicit_deny"


def test_allow_with_not_principal_grants_everyone_else() -> None:
    resource_policy = pol(
        stmt(
            action="s3:GetObject",
            resource="arn:aws:s3:::data/*",
            NotPrincipal={"AWS": f"arn:aws:iam::{ACCOUNT}:user/bob"},
        )
    )
    assert decide(PolicySet(resource_policy=resource_policy)).allowed
    bob = f"arn:aws:iam::{ACCOUNT}:user/bob"
    assert not decide(PolicySet(resource_policy=resource_policy), principal=bob).allowed


def test_trust_policy_without_resource_applies_to_its_role() -> None:
    trust = pol(stmt(action="sts:AssumeRole", resource=None, Principal={"AWS": ALICE}))
    policies = PolicySet(
        identity=[pol(stmt(action="sts:AssumeRole", resource=APP_ROLE))], resource_policy=trust
    )
    assert decide(policies, action="sts:AssumeRole", resource=APP_ROLE).allowed


@pytest.mark.parametrize(
    ("trusted", "identity", "expected"),
    [
        # a trust policy must allow the caller even within the account: admin is not enough
        ({"Service": "ec2.amazonaws.com"}, [ALLOW_ALL], "implicit_deny"),
        # naming the account delegates to identity policies ...
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, [ALLOW_ALL], "allowed"),
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, [], "implicit_deny"),
        # ... naming the user directly needs no identity allow in the same account
        ({"AWS": ALICE}, [], "allowed"),
    ],
)
def test_role_trust_policy_must_allow_the_caller(
    trusted: Any, identity: list[Policy], expected: str
) -> None:
    trust = pol(stmt(action="sts:AssumeRole", resource=None, Principal=trusted), name="trust")
    policies = PolicySet(identity=identity, resource_policy=trust)
    decision = decide(policies, action="sts:AssumeRole", resource=APP_ROLE)
    assert decision.decision == expected
    # the same identity policies still allow other actions: the rule is about the trust policy
    if identity:
        assert decide(policies, action="s3:GetObject").allowed


def test_kms_key_policy_must_allow_the_caller() -> None:
    key = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd"
    other = f"arn:aws:iam::{ACCOUNT}:user/bob"
    key_policy = pol(stmt(action="kms:*", resource="*", Principal={"AWS": other}), name="key")
    policies = PolicySet(identity=[ALLOW_ALL], resource_policy=key_policy)
    assert decide(policies, action="kms:Decrypt", resource=key).decision == "implicit_deny"
    enable_iam = pol(stmt(action="kms:*", resource="*", Principal={"AWS": ACCOUNT}), name="key")
    enabled = PolicySet(identity=[ALLOW_ALL], resource_policy=enable_iam)
    assert decide(enabled, action="kms:Decrypt", resource=key).allowed


def test_root_user_has_every_permission_unless_denied() -> None:
    root = f"arn:aws:iam::{ACCOUNT}:root"
    assert decide(PolicySet(), principal=root).allowed
    scp_deny = pol(stmt("Deny", action="s3:*"))
    assert decide(PolicySet(scps=[[FULL, scp_deny]]), principal=root).decision == "explicit_deny"


# --- the fast path ------------------------------------------------------------------------------


def test_evaluator_sweep_matches_single_evaluations() -> None:
    policies = PolicySet(
        identity=[
            pol(stmt(action=["s3:Get*", "s3:List*"]), stmt("Deny", action="s3:GetObjectAcl"))
        ],
        permission_boundaries=[pol(stmt(action="s3:*"))],
    )
    evaluator = Evaluator(policies)
    actions = [
        "s3:GetObject",
        "s3:GetObjectAcl",
        "s3:ListBucket",
        "s3:PutObject",
        "ec2:RunInstances",
    ]
    sweep = evaluator.allowed_actions(actions, OBJECT, principal_arn=ALICE)
    for action in actions:
        single = evaluator.evaluate(Request(ALICE, action, OBJECT))
        assert sweep[action] == single
    assert [a for a, d in sweep.items() if d.allowed] == ["s3:GetObject", "s3:ListBucket"]
    assert sweep["s3:GetObjectAcl"].decision == "explicit_deny"


def test_evaluator_is_reusable_across_principals_and_contexts() -> None:
    evaluator = Evaluator(PolicySet(identity=[pol(HOME)]))
    alice = evaluator.evaluate(Request(ALICE, "s3:GetObject", "arn:aws:s3:::home/alice/x"))
    bob = evaluator.evaluate(
        Request(f"arn:aws:iam::{ACCOUNT}:user/bob", "s3:GetObject", "arn:aws:s3:::home/alice/x")
    )
    assert alice.allowed
    assert not bob.allowed


def test_explain_says_why_each_statement_did_not_apply() -> None:
    policies = PolicySet(
        identity=[
            pol(
                stmt(action="ec2:*", Sid="Ec2"),
                stmt(resource="arn:aws:s3:::other/*", Sid="Other"),
                stmt(Condition={"Bool": {"aws:SecureTransport": "true"}}, Sid="Tls"),
                stmt(Sid="Yes"),
            )
        ],
        resource_policy=bucket_policy({"AWS": "arn:aws:iam::999999999999:root"}),
    )
    traces = Evaluator(policies).explain(Request(ALICE, "s3:GetObject", OBJECT))
    why = {(t.kind, t.statement): (t.applies, t.why) for t in traces}
    assert why[("identity", "Ec2")] == (False, "Action does not cover the action")
    assert why[("identity", "Other")][1].startswith("Resource")
    assert "condition Bool on aws:SecureTransport" in why[("identity", "Tls")][1]
    assert why[("identity", "Yes")] == (True, "applies")
    assert why[("resource", 0)] == (False, "Principal/NotPrincipal does not name the caller")


def test_sweep_agrees_with_single_evaluations_for_every_kind_of_action_pattern() -> None:
    identity = pol(
        stmt(action=["s3:Get*", "iam:PassRole"], Sid="Named"),
        stmt(action="*:Describe*", Sid="AnyService"),
        stmt(action=None, NotAction=["s3:*", "iam:*", "ec2:*"], Sid="NotAction"),
        stmt("Deny", action="ec2:Describe?mages", Sid="DenyImages"),
    )
    trust = pol(
        stmt(action="sts:AssumeRole", resource=None, Principal={"Service": "x.amazonaws.com"})
    )
    evaluator = Evaluator(PolicySet(identity=[identity], resource_policy=trust))
    actions = [
        "s3:GetObject",
        "S3:getbucketpolicy",
        "iam:PassRole",
        "iam:CreateUser",
        "ec2:DescribeInstances",
        "ec2:DescribeImages",
        "lambda:InvokeFunction",
        "sts:AssumeRole",
        "sts:GetCallerIdentity",
    ]
    for resource in ("*", APP_ROLE):
        sweep = evaluator.allowed_actions(actions, resource, principal_arn=ALICE)
        for action in actions:
            assert sweep[action] == evaluator.evaluate(Request(ALICE, action, resource)), action
    on_role = evaluator.allowed_actions(actions, APP_ROLE, principal_arn=ALICE)
    assert {a for a, d in on_role.items() if d.allowed} == {
        "s3:GetObject",
        "S3:getbucketpolicy",
        "iam:PassRole",
        "ec2:DescribeInstances",
        "lambda:InvokeFunction",
        "sts:GetCallerIdentity",
    }
    # sts:AssumeRole reaches the same identity statements as lambda:InvokeFunction, but on a
    # role the trust policy must allow it too
    assert on_role["sts:AssumeRole"].decision == "implicit_deny"
    assert on_role["ec2:DescribeImages"].decision == "explicit_deny"
    assert [m.statement for m in on_role["s3:GetObject"].matched] == ["Named"]


def test_not_resource_with_variables() -> None:
    others_homes = stmt(
        "Deny", action="s3:*", resource=None, NotResource="arn:aws:s3:::home/${aws:username}/*"
    )
    policies = PolicySet(identity=[ALLOW_ALL, pol(others_homes)])
    assert decide(policies, resource="arn:aws:s3:::home/alice/x").allowed
    assert decide(policies, resource="arn:aws:s3:::home/bob/x").decision == "explicit_deny"
    # a role has no aws:username: the NotResource cannot be resolved, so the Deny does not apply
    assert decide(policies, principal=APP_ROLE, resource="arn:aws:s3:::home/bob/x").allowed


def test_source_ip_variable_and_ip_condition() -> None:
    office = pol(
        stmt(
            action="s3:PutObject",
            resource="arn:aws:s3:::uploads/${aws:SourceIp}/*",
            Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        )
    )
    policies = PolicySet(identity=[office])
    inside = {"aws__SourceIp": "203.0.113.9"}
    assert decide(
        policies, action="s3:PutObject", resource="arn:aws:s3:::uploads/203.0.113.9/f", **inside
    ).allowed
    assert not decide(
        policies, action="s3:PutObject", resource="arn:aws:s3:::uploads/10.0.0.1/f", **inside
    ).allowed
    outside = {"aws__SourceIp": "198.51.100.1"}
    assert not decide(
        policies, action="s3:PutObject", resource="arn:aws:s3:::uploads/198.51.100.1/f", **outside
    ).allowed
