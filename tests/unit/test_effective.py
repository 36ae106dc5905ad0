"""Effective permissions: every policy that reaches a principal, combined the way AWS does."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import pytest

from bot.iam.effective import (
    PermissionIndex,
    effective_permissions,
    gather_policies,
    referenced_keys,
)
from tests.factories import (
    ACCOUNT_ID,
    NOW,
    allow,
    attached,
    group,
    inline,
    managed_policy,
    policy_document,
    role,
    role_arn,
    snapshot,
    statement,
    team_bucket_perimeter,
    user,
    user_arn,
)

BUCKET_OBJECTS = "arn:aws:s3:::data/*"


def _perms(snap, arn):
    return PermissionIndex(snap, NOW)[arn]


def _deny(action, resource="*", **extra):
    return policy_document(statement(effect="Deny", action=action, resource=resource, **extra))


# --- which policies reach a principal -----------------------------------------------------------


def test_user_gets_own_inline_and_managed_plus_each_groups_policies():
    own = managed_policy("own", allow("s3:GetObject"))
    shared = managed_policy("shared", allow("sqs:SendMessage"))
    snap = snapshot(
        users=[
            user(
                "dev",
                groups=["team"],
                attached_policies=[own.arn],
                inline_policies=[inline("mine", allow("sns:Publish"))],
            )
        ],
        groups=[
            group(
                "team",
                attached_policies=[shared.arn],
                inline_policies=[inline("team-inline", allow("logs:PutLogEvents"))],
            )
        ],
        policies=[own, shared],
    )
    perms = _perms(snap, user_arn("dev"))
    assert [(s.kind, s.via) for s in perms.sources] == [
        ("managed", "user"),
        ("inline", "user"),
        ("managed", "group:team"),
        ("inline", "group:team"),
    ]
    for action in ("s3:GetObject", "sqs:SendMessage", "sns:Publish", "logs:PutLogEvents"):
        assert perms.can(action, "*"), action
    assert not perms.can("ec2:RunInstances", "*")
    granted = perms.decide("sqs:SendMessage", "*").granted_by
    assert granted[0].policy == f"{shared.arn} (via group:team)"


def test_role_gets_own_policies_and_boundary():
    boundary = managed_policy("boundary", allow(["s3:*", "sqs:*"]))
    snap = snapshot(
        roles=[
            role(
                "app",
                inline_policies=[inline("p", allow(["s3:GetObject", "ec2:RunInstances"]))],
                permissions_boundary_arn=boundary.arn,
            )
        ],
        policies=[boundary],
    )
    perms = _perms(snap, role_arn("app"))
    assert perms.can("s3:GetObject", BUCKET_OBJECTS)
    denied = perms.decide("ec2:RunInstances", "*")
    assert not denied.allowed
    assert denied.boundary_blocks
    assert not perms.can("sqs:SendMessage", "*")  # the boundary alone grants nothing


def test_missing_policies_are_reported_and_an_unknown_boundary_allows_nothing():
    snap = snapshot(
        users=[
            user(
                "dev",
                attached_policies=[f"arn:aws:iam::{ACCOUNT_ID}:policy/gone"],
                inline_policies=[inline("p", allow("s3:GetObject"))],
                permissions_boundary_arn=f"arn:aws:iam::{ACCOUNT_ID}:policy/gone-boundary",
            )
        ]
    )
    perms = _perms(snap, user_arn("dev"))
    assert set(perms.missing_policies) == {
        f"arn:aws:iam::{ACCOUNT_ID}:policy/gone",
        f"arn:aws:iam::{ACCOUNT_ID}:policy/gone-boundary",
    }
    assert not perms.can("s3:GetObject", "*")


def test_gather_policies_ignores_unknown_groups():
    snap = snapshot(users=[user("dev", groups=["nope"])], groups=[])
    sources, boundary, missing = gather_policies(snap, snap.users[0])
    assert sources == ()
    assert boundary is None
    assert missing == ()


# --- denies, NotAction, NotResource ------------------------------------------------------------


def test_explicit_deny_in_another_policy_wins():
    snap = snapshot(
        users=[
            user(
                "dev",
                inline_policies=[
                    inline("allow", allow("iam:*")),
                    inline("deny", _deny("iam:CreateAccessKey")),
                ],
            )
        ]
    )
    perms = _perms(snap, user_arn("dev"))
    access = perms.decide("iam:CreateAccessKey", user_arn("dev"))
    assert not access.allowed
    assert access.denied_by[0].policy.endswith("inline deny")
    assert perms.can("iam:CreateUser", "*")


def test_deny_on_a_resource_pattern_restricts_only_that_pattern():
    doc = policy_document(
        statement(action="s3:GetObject"),
        statement(effect="Deny", action="s3:GetObject", resource="arn:aws:s3:::secret/*"),
    )
    perms = _perms(
        snapshot(users=[user("dev", inline_policies=[inline("p", doc)])]), user_arn("dev")
    )
    assert not perms.can("s3:GetObject", "arn:aws:s3:::secret/key")
    assert perms.can("s3:GetObject", "arn:aws:s3:::public/key")
    assert perms.unrestricted("s3:GetObject") is not None


def test_not_action_allows_everything_else_and_can_be_admin_equivalent():
    doc = policy_document(statement(not_action=["s3:*", "ec2:*"]))
    perms = _perms(
        snapshot(users=[user("dev", inline_policies=[inline("p", doc)])]), user_arn("dev")
    )
    assert not perms.can("s3:GetObject", "*")
    assert perms.can("iam:CreateUser", "*")
    assert perms.is_admin_equivalent


def test_not_action_leaving_out_iam_deletes_is_not_admin():
    doc = policy_document(statement(not_action=["iam:Delete*"]))
    perms = _perms(
        snapshot(users=[user("dev", inline_policies=[inline("p", doc)])]), user_arn("dev")
    )
    assert not perms.is_admin_equivalent
    assert perms.can("iam:CreatePolicyVersion", "*")


def test_not_resource_is_honoured():
    doc = policy_document(
        statement(action="iam:PassRole", not_resource=f"arn:aws:iam::{ACCOUNT_ID}:role/admin*")
    )
    perms = _perms(
        snapshot(users=[user("dev", inline_policies=[inline("p", doc)])]), user_arn("dev")
    )
    assert not perms.can("iam:PassRole", role_arn("admin-role"))
    assert perms.can("iam:PassRole", role_arn("worker"))


def test_admin_star_and_boundary_limited_admin():
    admin = managed_policy("AdministratorAccess", allow("*"), aws_managed=True)
    boundary = managed_policy("boundary", allow("s3:*"))
    snap = snapshot(
        users=[
            user("root-like", attached_policies=[admin.arn]),
            user("bounded", attached_policies=[admin.arn], permissions_boundary_arn=boundary.arn),
        ],
        policies=[admin, boundary],
    )
    index = PermissionIndex(snap, NOW)
    assert index[user_arn("root-like")].is_admin_equivalent
    assert not index[user_arn("bounded")].is_admin_equivalent
    assert index[user_arn("bounded")].can("s3:PutObject", BUCKET_OBJECTS)


def test_deny_on_iam_roles_breaks_admin_equivalence():
    doc = policy_document(
        statement(action="*"),
        statement(effect="Deny", action="iam:*", resource=f"arn:aws:iam::{ACCOUNT_ID}:role/*"),
    )
    perms = _perms(
        snapshot(users=[user("dev", inline_policies=[inline("p", doc)])]), user_arn("dev")
    )
    assert not perms.is_admin_equivalent


def test_deny_only_policy_grants_nothing():
    perms = _perms(
        snapshot(users=[user("dev", inline_policies=[inline("p", _deny("*"))])]), user_arn("dev")
    )
    assert not perms.can("s3:GetObject", "*")
    assert perms.candidate_actions() == frozenset()


# --- conditions ------------------------------------------------------------------------------


def _conditional(condition, action="iam:CreateAccessKey", **user_kwargs):
    doc = allow(action, condition=condition)
    snap = snapshot(users=[user("dev", inline_policies=[inline("p", doc)], **user_kwargs)])
    return _perms(snap, user_arn("dev"))


def test_expired_condition_no_longer_grants():
    perms = _conditional({"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}})
    assert not perms.can("iam:CreateAccessKey", "*")
    assert any("DateLessThan aws:CurrentTime is false" in note for note in perms.assumptions())


def test_condition_in_the_future_still_holds():
    perms = _conditional({"DateLessThan": {"aws:CurrentTime": "2099-01-01T00:00:00Z"}})
    assert perms.can("iam:CreateAccessKey", "*")


def test_caller_controlled_condition_is_assumed_satisfiable_and_noted():
    perms = _conditional({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
    assert perms.can("iam:CreateAccessKey", "*")
    assert any("aws:SourceIp" in n and "satisfiable" in n for n in perms.assumptions())


def test_principal_tags_and_names_are_facts():
    tagged = {"StringEquals": {"aws:PrincipalTag/team": "ops"}}
    assert _conditional(tagged, tags={"team": "ops"}).can("iam:CreateAccessKey", "*")
    assert not _conditional(tagged, tags={"team": "dev"}).can("iam:CreateAccessKey", "*")
    assert not _conditional(tagged).can("iam:CreateAccessKey", "*")
    named = {"StringLike": {"aws:username": "d*"}}
    assert _conditional(named).can("iam:CreateAccessKey", "*")


def test_a_fact_compared_with_the_callers_tag_reads_the_tag():
    """A condition value naming the caller's tag renders from its tags (IAM User Guide, policy
    variables: aws:PrincipalTag is a request key); without the tag it cannot render and the
    condition does not hold."""
    owner = {"StringEquals": {"aws:username": "${aws:PrincipalTag/owner}"}}
    assert _conditional(owner, tags={"owner": "dev"}).can("iam:CreateAccessKey", "*")
    assert not _conditional(owner, tags={"owner": "ann"}).can("iam:CreateAccessKey", "*")
    assert not _conditional(owner).can("iam:CreateAccessKey", "*")


def test_unsatisfiable_deny_is_dropped_and_unavoidable_deny_stays():
    doc = policy_document(
        statement(action="iam:CreateAccessKey"),
        statement(
            effect="Deny",
            action="iam:CreateAccessKey",
            condition={"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
        ),
    )
    perms = _perms(
        snapshot(users=[user("dev", inline_policies=[inline("p", doc)])]), user_arn("dev")
    )
    assert not perms.can("iam:CreateAccessKey", "*")  # the deny always applies now


def test_mfa_guarded_deny_is_avoidable_but_not_in_the_no_mfa_view():
    doc = policy_document(
        statement(action="iam:CreateAccessKey"),
        statement(
            effect="Deny",
            action="*",
            condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        ),
    )
    perms = _perms(
        snapshot(users=[user("dev", inline_policies=[inline("p", doc)])]), user_arn("dev")
    )
    assert perms.can("iam:CreateAccessKey", "*")
    without_mfa = perms.with_facts({"aws:MultiFactorAuthPresent": ["false"]})
    assert not without_mfa.can("iam:CreateAccessKey", "*")
    absent = perms.with_facts({"aws:MultiFactorAuthPresent": []})
    assert not absent.can("iam:CreateAccessKey", "*")
    with_mfa = perms.with_facts({"aws:MultiFactorAuthPresent": ["true"]})
    assert with_mfa.can("iam:CreateAccessKey", "*")


def test_policy_variables_resolve_per_principal():
    doc = allow("iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT_ID}:user/${{aws:username}}")
    team = group("team", inline_policies=[inline("self", doc)])
    snap = snapshot(
        users=[user("ann", groups=["team"]), user("bob", groups=["team"])], groups=[team]
    )
    index = PermissionIndex(snap, NOW)
    assert index[user_arn("ann")].can("iam:CreateAccessKey", user_arn("ann"))
    assert not index[user_arn("ann")].can("iam:CreateAccessKey", user_arn("bob"))
    assert index[user_arn("bob")].can("iam:CreateAccessKey", user_arn("bob"))


def test_copies_differing_only_in_a_variable_share_projections_on_actions_it_does_not_touch():
    own_keys = statement(
        action="iam:CreateAccessKey", resource=f"arn:aws:iam::{ACCOUNT_ID}:user/${{aws:username}}"
    )
    pass_any = statement(action="iam:PassRole", resource="*")
    deny_prod = statement(
        effect="Deny", action="iam:PassRole", resource=f"arn:aws:iam::{ACCOUNT_ID}:role/prod-*"
    )
    shared = managed_policy("self-service", policy_document(own_keys, pass_any, deny_prod))
    # Each user also has a policy of its own, so no two policy sets are alike.
    extras = [managed_policy(f"extra{i}", allow(f"s3:GetObject{i}")) for i in range(3)]
    users = [
        user(f"u{i}", groups=[], attached_policies=[shared.arn, extras[i].arn]) for i in range(3)
    ]
    index = PermissionIndex(snapshot(users=users, policies=[shared, *extras]), NOW)
    perms = [index[u.arn] for u in users]
    assert len({id(p.view) for p in perms}) == 3
    # iam:PassRole: no statement naming the variable matches it, one projection for all.
    passing = {id(p.view.for_action("iam:PassRole")) for p in perms}
    assert len(passing) == 1
    for p in perms:
        assert p.can("iam:PassRole", role_arn("build"))
        assert not p.can("iam:PassRole", role_arn("prod-admin"))
        label = p.decide("iam:PassRole", role_arn("build")).granted_by[0].policy
        assert label == shared.arn
    # iam:CreateAccessKey: the variable renders per principal, so each keeps its own answer.
    keys = {id(p.view.for_action("iam:CreateAccessKey")) for p in perms}
    assert len(keys) == 3
    for mine, other in ((0, 1), (1, 2), (2, 0)):
        assert perms[mine].can("iam:CreateAccessKey", users[mine].arn)
        assert not perms[mine].can("iam:CreateAccessKey", users[other].arn)


def test_malformed_policy_grants_nothing_and_is_noted():
    bad = {"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "*"}]}
    perms = _perms(
        snapshot(users=[user("dev", inline_policies=[inline("bad", bad)])]), user_arn("dev")
    )
    assert not perms.can("s3:GetObject", "*")
    assert any("unreadable" in note for note in perms.assumptions())


def test_referenced_keys_finds_conditions_and_variables():
    doc = policy_document(
        statement(
            action="s3:*",
            resource="arn:aws:s3:::b/${aws:username}/*",
            condition={"StringEquals": {"aws:PrincipalTag/Team": "x"}},
        )
    )
    assert referenced_keys(doc) == {"aws:principaltag/team", "aws:username"}


# --- cache by policy set, actions, shared context -------------------------------------------------


def test_principals_with_the_same_policy_set_share_one_view():
    shared = managed_policy("shared", allow("s3:GetObject"))
    users = [user(f"u{i}", groups=[], attached_policies=[shared.arn]) for i in range(50)]
    index = PermissionIndex(snapshot(users=users, policies=[shared]), NOW)
    views = {id(index[u.arn].view) for u in users}
    assert len(views) == 1
    for u in users:
        assert index[u.arn].can("s3:GetObject", BUCKET_OBJECTS)
    assert index.stats()["policy_sets"] == 1


def test_allowed_actions_lists_actions_and_resources():
    doc = policy_document(
        statement(action=["s3:GetObject", "s3:PutObject"], resource=BUCKET_OBJECTS),
        statement(effect="Deny", action="s3:PutObject"),
    )
    perms = _perms(
        snapshot(users=[user("dev", inline_policies=[inline("p", doc)])]), user_arn("dev")
    )
    allowed = perms.allowed_actions()
    assert set(allowed) == {"s3:GetObject"}
    assert BUCKET_OBJECTS in allowed["s3:GetObject"]
    assert "*" not in allowed["s3:GetObject"]
    assert perms.unrestricted("s3:GetObject") is None


def test_unrestricted_among_a_list():
    doc = policy_document(
        statement(action=["kms:Decrypt", "secretsmanager:GetSecretValue"]),
        statement(action="s3:GetObject", resource=BUCKET_OBJECTS),
    )
    perms = _perms(
        snapshot(users=[user("dev", inline_policies=[inline("p", doc)])]), user_arn("dev")
    )
    wanted = ["kms:Decrypt", "s3:GetObject", "secretsmanager:GetSecretValue"]
    assert perms.unrestricted_among("exfil", wanted) == (
        "kms:Decrypt",
        "secretsmanager:GetSecretValue",
    )


@pytest.mark.parametrize(
    ("extra", "boundary", "expected"),
    [
        # Allowed on `*` and narrowed by a second statement: allowed on the probe too.
        ([], None, ("s3:GetObject", "s3:PutObject")),
        # A Deny matching every S3 ARN (not the literal `*`): not on the probes.
        (
            [statement(effect="Deny", action="s3:GetObject", resource="arn:aws:s3:*:*:*")],
            None,
            ("s3:PutObject",),
        ),
        # NotResource: the probe lies outside data/*, so the Deny reaches it.
        (
            [statement(effect="Deny", action="s3:GetObject", not_resource=BUCKET_OBJECTS)],
            None,
            ("s3:PutObject",),
        ),
        # A boundary allowing only the data bucket's objects: the probe is outside it.
        ([], allow("s3:*", BUCKET_OBJECTS), ()),
        # A boundary whose Resource `?` matches the literal `*` of a question about every
        # resource, but no ARN: nothing is allowed on a real resource.
        ([], allow("s3:*", "?"), ()),
        # A boundary allowing everything: as without one.
        ([], allow("s3:*"), ("s3:GetObject", "s3:PutObject")),
    ],
)
def test_a_grant_on_every_resource_beside_a_narrower_one_is_unrestricted(extra, boundary, expected):
    """The shortcut for actions allowed on `*` that some statement also scopes (no decision
    per probe when no Deny of the set touches them) gives the evaluator's answers."""
    doc = policy_document(
        statement(action="s3:*"),
        statement(action="s3:GetObject", resource=BUCKET_OBJECTS),
        *extra,
    )
    policies = []
    boundary_arn = None
    if boundary is not None:
        fence = managed_policy("fence", boundary)
        policies.append(fence)
        boundary_arn = fence.arn
    dev = user("dev", inline_policies=[inline("p", doc)], permissions_boundary_arn=boundary_arn)
    perms = _perms(snapshot(users=[dev], policies=policies), user_arn("dev"))
    wanted = ["s3:GetObject", "s3:PutObject"]
    assert perms.unrestricted_among("exfil", wanted) == expected


def test_effective_permissions_is_built_once_per_audit_and_records_the_catalogue():
    ctx = SimpleNamespace(snapshot=snapshot(users=[user("dev")]), now=NOW, shared={})
    first = effective_permissions(ctx)
    assert effective_permissions(ctx) is first
    assert ctx.shared["report_extra"]["catalogue_version"] == first.catalogue.version
    assert user_arn("dev") in first
    assert len(first) == 1


def test_unknown_principal_raises_key_error():
    index = PermissionIndex(snapshot(users=[user("dev")]), NOW)
    with pytest.raises(KeyError):
        index[user_arn("nobody")]


def test_attached_helper_names_match_arns():
    # guards the factory the tests above rely on
    assert attached("arn:aws:iam::aws:policy/X")[0].name == "X"


# --- the by-action shortcut agrees with the evaluator ------------------------------------------

SHORTCUT_DOCS = [
    allow("*"),
    allow(["iam:*", "s3:Get*"]),
    policy_document(statement(not_action=["iam:*", "sts:*"])),
    policy_document(statement(action="iam:*"), statement(effect="Deny", action="iam:Put*")),
    policy_document(
        statement(action="s3:*"),
        statement(effect="Deny", action="s3:GetObject", resource="arn:aws:s3:::secret/*"),
    ),
    policy_document(statement(action="iam:PassRole", not_resource="arn:aws:iam::*:role/x")),
    policy_document(statement(effect="Deny", not_action="s3:List*")),
    allow(["s3:GetObject", "iam:PassRole"], ["arn:aws:s3:::b/*", "arn:aws:iam::*:role/x"]),
    policy_document(
        statement(action="s3:*", resource=["arn:aws:s3:::b", "*"]),
        statement(effect="Deny", action="s3:GetObject", not_resource="*"),
        statement(effect="Deny", action="iam:*", not_resource="arn:aws:iam::*:role/x"),
    ),
]
SHORTCUT_ACTIONS = [
    "iam:PutUserPolicy",
    "iam:PassRole",
    "s3:GetObject",
    "s3:ListBucket",
    "sts:AssumeRole",
]
SHORTCUT_RESOURCES = [
    "*",
    "arn:aws:s3:::secret/k",
    "arn:aws:iam::123456789012:role/x",
    "arn:aws:s3:::b",
]


@pytest.mark.parametrize("document", SHORTCUT_DOCS)
def test_per_action_shortcut_matches_the_evaluator(document):
    from bot.iam.effective import PolicySource, ResolvedPolicy
    from bot.iam.evaluator import Evaluator, PolicySet, Request
    from bot.iam.policy import parse_policy

    source = PolicySource("doc", "inline", "user", document, "k")
    resolved = ResolvedPolicy(source, {}, {}, user_arn("dev"))
    evaluator = Evaluator(PolicySet(identity=[parse_policy(document, name="doc")]))
    for action in SHORTCUT_ACTIONS:
        for resource in SHORTCUT_RESOURCES:
            expected = evaluator.evaluate(Request(user_arn("dev"), action, resource)).decision
            assert resolved.decide(action, resource)[0] == expected, (action, resource)
            assert resolved.decide_many([action], resource)[action] == expected


def test_evidence_names_the_group_a_shared_policy_came_through():
    shared = managed_policy("shared", allow("sqs:SendMessage"))
    snap = snapshot(
        users=[
            user("direct", groups=[], attached_policies=[shared.arn]),
            user("member", groups=["team"]),
        ],
        groups=[group("team", attached_policies=[shared.arn])],
        policies=[shared],
    )
    index = PermissionIndex(snap, NOW)
    direct = index[user_arn("direct")].decide("sqs:SendMessage", "*").policies()
    member = index[user_arn("member")].decide("sqs:SendMessage", "*").policies()
    assert direct == (shared.arn,)
    assert member == (f"{shared.arn} (via group:team)",)


def test_a_cache_from_another_audit_is_not_reused():
    shared: dict = {}
    first = effective_permissions(
        SimpleNamespace(snapshot=snapshot(users=[user("a")]), now=NOW, shared=shared)
    )
    other = snapshot(users=[user("b")])
    second = effective_permissions(SimpleNamespace(snapshot=other, now=NOW, shared=shared))
    assert second is not first
    assert list(second) == [user_arn("b")]


@pytest.mark.parametrize(
    ("action", "resource", "allowed"),
    [
        # IAM User Guide, "AWS managed policies": "You cannot change the permissions defined in
        # AWS managed policies."
        ("iam:CreatePolicyVersion", "arn:aws:iam::aws:policy/AdministratorAccess", False),
        ("iam:DeletePolicy", "arn:aws:iam::aws:policy/ReadOnlyAccess", False),
        ("iam:CreatePolicyVersion", f"arn:aws:iam::{ACCOUNT_ID}:policy/app", True),
        # IAM User Guide, "Using service-linked roles": only the service edits the role's
        # permissions; its description stays editable.
        (
            "iam:PutRolePolicy",
            f"arn:aws:iam::{ACCOUNT_ID}:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport",
            False,
        ),
        (
            "iam:UpdateRoleDescription",
            f"arn:aws:iam::{ACCOUNT_ID}:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport",
            True,
        ),
        # AWS KMS Developer Guide, "Aliases in AWS KMS": alias/aws/ is reserved.
        ("kms:DeleteAlias", f"arn:aws:kms:us-east-1:{ACCOUNT_ID}:alias/aws/s3", False),
        ("kms:DeleteAlias", f"arn:aws:kms:us-east-1:{ACCOUNT_ID}:alias/app", True),
    ],
)
def test_resources_no_policy_can_change_are_refused_by_the_index_as_by_the_evaluator(
    action: str, resource: str, allowed: bool
) -> None:
    """The index's answers made without the evaluator (action-only and per-resource shortcuts,
    swept decisions) apply AWS's fixed rules too: an Allow of * grants nothing on them."""
    snap = snapshot(users=[user("ops", inline_policies=[inline("all", allow("*"))])])
    perms = _perms(snap, user_arn("ops"))
    assert perms.can(action, resource) is allowed
    access = perms.decide(action, resource)
    assert access.allowed is allowed
    assert access.denied_by == ()  # refused by AWS, not by a Deny: nothing to point at


def test_a_principal_tag_in_a_resource_renders_to_the_callers_tag():
    """IAM User Guide, "Tags as policy variables": `${aws:PrincipalTag/team}` in a Resource is
    the caller's own tag value; a caller without the tag matches nothing through it."""
    doc = policy_document(
        statement(action="s3:GetObject", resource="arn:aws:s3:::data/${aws:PrincipalTag/team}/*")
    )
    ann = user("ann", tags={"team": "red"}, inline_policies=[inline("p", doc)])
    cid = user("cid", tags={"Team": "red"}, inline_policies=[inline("p", doc)])  # keys: any case
    bob = user("bob", inline_policies=[inline("p", doc)])
    ops = replace(role("ops", inline_policies=[inline("p", doc)]), tags={"team": "blue"})
    index = PermissionIndex(snapshot(users=[ann, cid, bob], roles=[ops]), NOW)
    red, blue = "arn:aws:s3:::data/red/plan.txt", "arn:aws:s3:::data/blue/plan.txt"
    for name in ("ann", "cid"):
        assert index[user_arn(name)].can("s3:GetObject", red)
        assert not index[user_arn(name)].can("s3:GetObject", blue)
    assert not index[user_arn("bob")].can("s3:GetObject", red)
    assert not index[user_arn("bob")].can("s3:GetObject", blue)
    assert index[role_arn("ops")].can("s3:GetObject", blue)
    assert not index[role_arn("ops")].can("s3:GetObject", red)


# --- what AWS decides whatever the policies say ------------------------------------------------


def test_a_user_gets_a_session_token_under_a_deny_and_a_role_does_not():
    """IAM User Guide, "Permissions for GetSessionToken": no permissions are required and
    "you cannot use policies to control authentication operations"; it takes an IAM user's
    (or the root user's) long-term credentials, so a role never makes the call."""
    denied = inline("no-sts", _deny("sts:*"))
    snap = snapshot(
        users=[user("alice", inline_policies=[denied]), user("bob")],
        roles=[role("app", inline_policies=[denied])],
    )
    index = PermissionIndex(snap, NOW)
    for name in ("alice", "bob"):
        perms = index[user_arn(name)]
        access = perms.decide("sts:GetSessionToken", "*")
        assert access.allowed
        assert not access.granted_by
        assert not access.denied_by
        assert perms.can("sts:getsessiontoken", "*")
        assert perms.denied_by("sts:GetSessionToken", "*") == ()
        assert perms.unrestricted("sts:GetSessionToken") is not None
        assert perms.may_allow("sts:GetSessionToken")
    app = index[role_arn("app")]
    assert not app.decide("sts:GetSessionToken", "*").allowed
    assert app.denied_by("sts:GetSessionToken", "*")  # the Deny stands for a role
    assert app.unrestricted("sts:GetSessionToken") is None


def test_every_caller_may_ask_who_it_is_under_a_deny_on_everything():
    """STS API Reference, GetCallerIdentity: "No permissions are required to perform this
    operation", and an explicit Deny does not stop it. The view both principals share keeps
    the policies' own verdict (denied): the rule is the principal's, by its kind."""
    everything = managed_policy("deny-all", _deny("*"))
    snap = snapshot(
        users=[user("alice", attached_policies=[everything.arn])],
        roles=[role("app", attached_policies=[everything.arn])],
        policies=[everything],
    )
    index = PermissionIndex(snap, NOW)
    lists = ("sts:GetCallerIdentity", "sts:GetSessionToken", "s3:GetObject")
    for arn, expected in (
        (user_arn("alice"), ("sts:GetCallerIdentity", "sts:GetSessionToken")),
        (role_arn("app"), ("sts:GetCallerIdentity",)),
    ):
        perms = index[arn]
        assert perms.can("sts:GetCallerIdentity", "*")
        assert not perms.can("s3:GetObject", "*")
        assert perms.unrestricted_among("who-am-i", lists) == expected
        assert perms.possible_among("who-am-i", lists) >= {a.lower() for a in expected}
        first = perms.allowed_on_any("sts:GetCallerIdentity", ["arn:aws:s3:::x", "*"])
        assert first is not None
        assert first.resource == "arn:aws:s3:::x"
        assert not perms.view.decide("sts:GetCallerIdentity", "*").allowed


# --- a policy variable with no value ------------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "on_star", "on_own_bucket", "on_other_bucket"),
    [
        ({"team": "red"}, False, True, False),  # the perimeter renders: outside it is denied
        ({}, True, True, True),  # no tag: the Deny's NotResource cannot render, so it is void
    ],
)
def test_a_notresource_whose_variable_has_no_value_voids_the_statement(
    tags, on_star, on_own_bucket, on_other_bucket
):
    """IAM User Guide, "Policy variables": "If AWS cannot resolve a variable, this might cause
    the entire statement to be invalid." The reference evaluator treats a NotResource entry
    that cannot render as voiding its statement; the fast paths must agree, for the literal
    `*` as for ARNs."""
    perimeter = policy_document(statement(action="s3:*", resource="*"), team_bucket_perimeter())
    snap = snapshot(users=[user("alice", tags=tags, inline_policies=[inline("p", perimeter)])])
    perms = _perms(snap, user_arn("alice"))
    assert perms.can("s3:GetObject", "*") is on_star
    assert perms.can("s3:GetObject", "arn:aws:s3:::red/report.csv") is on_own_bucket
    assert perms.can("s3:GetObject", "arn:aws:s3:::blue/report.csv") is on_other_bucket
    assert (perms.unrestricted("s3:GetObject") is not None) is on_star
