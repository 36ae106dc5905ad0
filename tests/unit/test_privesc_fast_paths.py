"""The escalation search's shortcuts answer exactly as the reference they replace."""

from __future__ import annotations

from dataclasses import replace
from fnmatch import fnmatchcase
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.iam.effective import PermissionIndex, PolicySetView
from bot.iam.evaluator import Evaluator
from bot.iam.policy import parse_policy
from bot.iam.privesc import TargetFinder, methods_held, target_finder, trust_chains
from bot.iam.privesc.chains import _AssumeScopes
from bot.iam.privesc.coverage import _SCOPED, _Coverage, _not_action_pattern
from bot.iam.privesc.methods import _candidate_methods, _method_table
from bot.iam.privesc_methods import all_method_actions
from tests.factories import (
    ACCOUNT_ID,
    NOW,
    allow,
    inline,
    managed_policy,
    policy_document,
    role,
    role_arn,
    service_trust,
    snapshot,
    statement,
    trust_policy,
    user,
    user_arn,
)
from tests.unit.test_compiled import SETTINGS as COMPILED_SETTINGS
from tests.unit.test_compiled import _ref_decision, _reference, accounts
from tests.unit.test_privesc import ADMIN_DOC

# Action-like patterns over a small alphabet, so that holders and targets share patterns.
_PATTERN = st.text(alphabet="ab:*?[]", min_size=1, max_size=8) | st.sampled_from(
    ["iam:passrole", "iam:*", "s3:get*", "s3:getobject", "ec2:run?nstances"]
)


@settings(max_examples=1500, deadline=None)
@given(mine=st.frozensets(_PATTERN, max_size=6), targets=st.lists(_PATTERN, max_size=8))
def test_coverage_is_fnmatch_against_every_holder_pattern(
    mine: frozenset[str], targets: list[str]
) -> None:
    coverage = _Coverage(mine)
    for pattern in targets * 2:  # asked twice: the memo answers the second time
        assert coverage.covers(pattern) is any(fnmatchcase(pattern, h) for h in mine)


@settings(max_examples=1500, deadline=None)
@given(
    mine=st.frozensets(st.tuples(_PATTERN, st.booleans()), max_size=6),
    targets=st.lists(st.tuples(_PATTERN, st.booleans()), max_size=8),
)
def test_coverage_of_scoped_patterns(
    mine: frozenset[tuple[str, bool]], targets: list[tuple[str, bool]]
) -> None:
    """A pattern granted on every resource is covered by the holder's patterns on every
    resource only; one granted on some resources by any of the holder's (the reference,
    with the marks taken off)."""
    marked = frozenset(_SCOPED + p if scoped else p for p, scoped in mine)
    everywhere = [p for p, scoped in mine if not scoped]
    coverage = _Coverage(marked)
    for pattern, scoped in targets * 2:
        holders = [p for p, _ in mine] if scoped else everywhere
        expected = any(fnmatchcase(pattern, h) for h in holders)
        assert coverage.covers(_SCOPED + pattern if scoped else pattern) is expected


_GLOB = st.text(alphabet="ab:*?", min_size=1, max_size=5)
_NAMES = st.lists(st.text(alphabet="ab:", min_size=1, max_size=5), min_size=1, max_size=25)


@settings(max_examples=1500, deadline=None)
@given(excluded=st.lists(_GLOB, min_size=1, max_size=3), target=_GLOB, names=_NAMES)
def test_a_not_action_allow_covers_only_what_it_cannot_leave_out(
    excluded: list[str], target: str, names: list[str]
) -> None:
    """A holder's Allow NotAction covers a literal action exactly when no excluded pattern
    matches it, and a wildcard pattern only when no action it names is excluded (checked on
    sample names: the test may say "not covered" too often, never "covered" wrongly)."""
    coverage = _Coverage(frozenset({_not_action_pattern(tuple(excluded))}))
    covered = coverage.covers(target)
    if not any(c in target for c in "*?"):
        assert covered is not any(fnmatchcase(target, e) for e in excluded)
    if covered:
        for name in names:
            if fnmatchcase(name, target):
                assert not any(fnmatchcase(name, e) for e in excluded), (name, target, excluded)


@settings(max_examples=1000, deadline=None)
@given(
    mine=st.lists(_GLOB, min_size=1, max_size=3),
    theirs=st.lists(_GLOB, min_size=1, max_size=3),
    names=_NAMES,
)
def test_a_not_action_target_is_covered_by_a_not_action_leaving_out_no_more(
    mine: list[str], theirs: list[str], names: list[str]
) -> None:
    coverage = _Coverage(frozenset({_not_action_pattern(tuple(mine))}))
    if coverage.covers(_not_action_pattern(tuple(theirs))):
        for name in names:
            if not any(fnmatchcase(name, t) for t in theirs):
                assert not any(fnmatchcase(name, m) for m in mine), (name, mine, theirs)
    # Leaving out the same is always covered; plain patterns never cover a NotAction.
    assert coverage.covers(_not_action_pattern(tuple(mine)))
    plain = _Coverage(frozenset(theirs))
    assert not plain.covers(_not_action_pattern(tuple(mine)))


def test_power_user_is_not_poorer_than_a_role_doing_less() -> None:
    """PowerUserAccess (Allow NotAction iam:*, organizations:*, account:* on `*`) covers a
    role's s3, sns and logs grants and its wildcards of other services, not IAM's."""
    power_user = _Coverage(
        frozenset({_not_action_pattern(("iam:*", "organizations:*", "account:*"))})
    )
    for covered in ("s3:getobject", "sns:publish", "logs:*", "~s3:putobject", "ec2:run*"):
        assert power_user.covers(covered), covered
    for richer in ("iam:passrole", "iam:*", "*:get*", "organizations:listaccounts", "*"):
        assert not power_user.covers(richer), richer


_METHOD_ACTIONS = sorted(a.lower() for a in all_method_actions())


@settings(max_examples=500, deadline=None)
@given(
    possible=st.frozensets(st.sampled_from(_METHOD_ACTIONS), max_size=40)
    | st.frozensets(st.sampled_from(_METHOD_ACTIONS), min_size=100)
)
def test_candidate_methods_are_the_table_scan(possible: frozenset[str]) -> None:
    expected = [m for m, needed in _method_table() if possible.issuperset(needed)]
    assert _candidate_methods(possible) == expected


@COMPILED_SETTINGS
@given(accounts())
def test_held_methods_do_not_depend_on_which_principal_asked_first(snap) -> None:
    """A method found through a projection another policy set warmed is the one this set finds
    alone, and each of its accesses is one the evaluator (the reference) allows."""
    fresh = PermissionIndex(snap, NOW)
    alice = fresh[user_arn("alice")]
    alone = methods_held(alice, target_finder(fresh))
    warm = PermissionIndex(snap, NOW)
    finder = target_finder(warm)
    for arn in reversed(list(warm)):  # the role first: it shares alice's first managed policy
        methods_held(warm[arn], finder)
    assert methods_held(warm[user_arn("alice")], finder) == alone
    evaluator = _reference(alice)
    for held in alone:
        for access in held.accesses:
            assert access.allowed
            if _is_own_new_role_trust(held, access):
                # iam-005b / iam-009b: the new role's trust, written by alice, names alice.
                decision = _ref_decision(
                    _trusting(evaluator, alice.arn), alice, access.action, access.resource
                )
                assert decision == "allowed", (held.method.id, access)
            elif access.action.lower() != "iam:passrole" or access.resource != alice.arn:
                decision = _ref_decision(evaluator, alice, access.action, access.resource)
                assert decision == "allowed", (held.method.id, access)


def _is_own_new_role_trust(held, access) -> bool:
    return held.method.id in {"iam-005b", "iam-009b"} and access.action == "sts:AssumeRole"


def _trusting(evaluator: Evaluator, holder_arn: str) -> Evaluator:
    """The reference evaluator with a role trust policy naming the holder as resource policy."""
    trust = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": holder_arn}, "Action": "sts:AssumeRole"}
            ],
        }
    )
    return Evaluator(replace(evaluator.policies, resource_policy=trust))


# --- trust chains: the sts:AssumeRole scope filter -------------------------------------------

_ASSUME_STATEMENTS = (
    {"action": "sts:AssumeRole", "resource": "arn:aws:iam::{account}:role/team-*"},
    {"action": "sts:AssumeRole", "resource": "arn:aws:iam::{account}:role/admin-1"},
    {"action": "sts:AssumeRole", "resource": "arn:aws:iam::{account}:role/hop-*"},
    {"action": "sts:Assume*", "resource": "*"},
    {"action": "sts:AssumeRole", "not_resource": "arn:aws:iam::{account}:role/admin-0"},
    {"action": "sts:AssumeRole", "resource": "arn:aws:iam::{account}:role/${{aws:username}}"},
    {"action": "sts:AssumeRole", "resource": "arn:aws:iam::*:role/${{aws:PrincipalTag/team}}-*"},
    {"not_action": "iam:*", "resource": "*"},
    {"action": "s3:GetObject", "resource": "*"},
    {
        "action": "sts:AssumeRole",
        "resource": "*",
        "condition": {"DateGreaterThan": {"aws:CurrentTime": "2100-01-01T00:00:00Z"}},
    },
)
_TRUSTED = ("root", "account-id", "wildcard", "aws-wildcard", "named", "other-account")


def _assume_statement(index: int):
    fields = {
        key: value.format(account=ACCOUNT_ID) if isinstance(value, str) else value
        for key, value in _ASSUME_STATEMENTS[index].items()
    }
    return statement(**fields)


def _trust_principal(kind: str, named: str):
    return {
        "root": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
        "account-id": {"AWS": ACCOUNT_ID},
        "wildcard": "*",
        "aws-wildcard": {"AWS": "*"},
        "named": {"AWS": named},
        "other-account": {"AWS": "arn:aws:iam::999999999999:root"},
    }[kind]


@st.composite
def trust_accounts(draw):
    """Users and hop roles allowed sts:AssumeRole on various scopes, admin roles trusting the
    account, `*`, a named principal or another account."""
    grants = st.lists(st.integers(0, len(_ASSUME_STATEMENTS) - 1), min_size=1, max_size=2)
    users = [
        user(
            name,
            tags={"team": draw(st.sampled_from(("admin", "hop", "ops")))},
            inline_policies=[
                inline("assume", policy_document(*map(_assume_statement, draw(grants))))
            ],
        )
        for name in ("admin-1", "dev", "ops", "hop-0")[: draw(st.integers(1, 4))]
    ]
    principals = [u.arn for u in users] + [role_arn("hop-0"), role_arn("hop-1")]
    roles = [
        role(
            name,
            trust=trust_policy(
                _trust_principal(draw(st.sampled_from(_TRUSTED)), draw(st.sampled_from(principals)))
            ),
            inline_policies=[
                inline("all", ADMIN_DOC)
                if name.startswith("admin")
                else inline("assume", policy_document(*map(_assume_statement, draw(grants))))
            ],
        )
        for name in ("admin-0", "admin-1", "hop-0", "hop-1", "team-a")
    ]
    return snapshot(users=users, roles=roles)


@settings(max_examples=300, deadline=None)
@given(trust_accounts())
def test_trust_chains_with_the_scope_filter_are_the_chains_without_it(snap) -> None:
    """The filter only skips callers whose own Allows cannot cover the role; every chain the
    unfiltered search finds (the reference) is found, and no other."""
    fast = trust_chains(PermissionIndex(snap, NOW))
    with patch.object(_AssumeScopes, "allowing", lambda self, role_arn, principals: principals):
        reference = trust_chains(PermissionIndex(snap, NOW))
    assert fast == reference


def test_the_scope_filter_drops_callers_allowed_other_roles_only() -> None:
    admin = role(
        "admin-2",
        trust=trust_policy({"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}),
        inline_policies=[inline("all", ADMIN_DOC)],
    )
    team = user("dev", inline_policies=[inline("assume", policy_document(_assume_statement(0)))])
    unbounded = user("ops", inline_policies=[inline("p", policy_document(_assume_statement(4)))])
    index = PermissionIndex(snapshot(users=[team, unbounded], roles=[admin]), NOW)
    kept = _AssumeScopes(index).allowing(admin.arn, [team.arn, unbounded.arn])
    assert kept == [unbounded.arn]  # NotResource: no pattern list bounds it, so it is tried
    assert trust_chains(index) == {unbounded.arn: (unbounded.arn, admin.arn)}


# --- iam:PassRole: richer roles by kind -------------------------------------------------------

_ROLE_GRANTS = (
    ADMIN_DOC,
    policy_document(statement(action="s3:*", resource="*")),
    policy_document(statement(action="s3:GetObject", resource="*")),
    policy_document(statement(not_action="iam:*", resource="*")),
    policy_document(statement(action=["lambda:*", "s3:Get*"], resource="*")),
)
_PASS_GRANTS = (
    statement(action="iam:PassRole", resource="*"),
    statement(action="iam:PassRole", resource=f"arn:aws:iam::{ACCOUNT_ID}:role/r1*"),
    statement(action="iam:PassRole", not_resource=f"arn:aws:iam::{ACCOUNT_ID}:role/r0"),
    statement(action="iam:*", resource="*"),
)
_HOLDER_EXTRAS = (
    statement(action="s3:*", resource="*"),
    statement(action="lambda:CreateFunction", resource="*"),
    statement(action="s3:GetObject", resource="*"),
    statement(action=["lambda:*", "s3:Get*"], resource="*"),
)


@st.composite
def pass_role_accounts(draw):
    """Roles of a few kinds (their policy, trusted service) and holders of iam:PassRole."""
    roles = [
        role(
            f"r{i}",
            trust=service_trust(
                draw(st.sampled_from(("lambda.amazonaws.com", "ec2.amazonaws.com")))
            ),
            inline_policies=[inline("p", draw(st.sampled_from(_ROLE_GRANTS)))],
        )
        for i in range(draw(st.integers(1, 14)))
    ]
    holders = [
        user(
            f"h{i}",
            inline_policies=[
                inline(
                    "p",
                    policy_document(
                        draw(st.sampled_from(_PASS_GRANTS)),
                        *draw(st.lists(st.sampled_from(_HOLDER_EXTRAS), max_size=2)),
                    ),
                )
            ],
        )
        for i in range(draw(st.integers(1, 4)))
    ]
    return snapshot(users=holders, roles=roles)


@settings(max_examples=300, deadline=None)
@given(pass_role_accounts())
def test_richer_passable_roles_are_the_role_by_role_walk(snap) -> None:
    index = PermissionIndex(snap, NOW)
    finder = target_finder(index)
    for services in ((), ("lambda.amazonaws.com",), ("ec2.amazonaws.com",)):
        targets = finder.pass_targets(services)
        for arn in [*(u.arn for u in snap.users), *(r.arn for r in snap.roles)]:
            holder = index[arn]
            reference = [
                role
                for role in finder.matching_roles(holder, "iam:PassRole", targets)
                if finder.more_privileged(role, holder)
            ]
            assert list(finder.richer_passable(holder, holder, targets)) == reference


@pytest.mark.parametrize("last_is_richer", [False, True])
def test_many_kinds_of_lesser_roles_stop_the_walk_unless_one_is_richer(last_is_richer) -> None:
    """130 roles of 130 action sets (too many kinds to group): after 64 lesser roles in a row
    the walk asks whether any target could be richer, and goes on only if one could."""
    roles = [
        role(f"r{i:03d}", inline_policies=[inline("p", allow(f"s3:Get{i}*"))]) for i in range(130)
    ]
    if last_is_richer:
        roles[-1] = role("r999", inline_policies=[inline("p", allow("ec2:RunInstances"))])
    holder = user("holder", inline_policies=[inline("p", allow(["iam:PassRole", "s3:*"]))])
    index = PermissionIndex(snapshot(users=[holder], roles=roles), NOW)
    finder = target_finder(index)
    perms = index[holder.arn]
    targets = finder.pass_targets(())
    assert finder._kinds_in(targets)[0] is None  # the role-by-role walk
    reference = [
        arn
        for arn in finder.matching_roles(perms, "iam:PassRole", targets)
        if finder.more_privileged(arn, perms)
    ]
    assert list(finder.richer_passable(perms, perms, targets)) == reference
    assert reference == ([role_arn("r999")] if last_is_richer else [])


# --- data perimeters: a Deny's NotResource bounds where an allowed target can be ---------------

_PERIMETERS = (
    statement(effect="Deny", action="*", not_resource=f"arn:aws:iam::{ACCOUNT_ID}:role/r1*"),
    statement(
        effect="Deny",
        action="iam:*",
        not_resource=[f"arn:aws:iam::{ACCOUNT_ID}:role/r0", f"arn:aws:iam::{ACCOUNT_ID}:user/h0"],
    ),
    statement(effect="Deny", not_action="s3:Get*", not_resource="arn:aws:s3:::data/*"),
    statement(effect="Deny", action="iam:PassRole", not_resource="arn:aws:iam::*:role/r?"),
    # Not used to filter: a condition, a policy variable.
    statement(
        effect="Deny",
        action="iam:*",
        not_resource="arn:aws:s3:::data/*",
        condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}},
    ),
    statement(
        effect="Deny",
        action="iam:*",
        not_resource=f"arn:aws:iam::{ACCOUNT_ID}:user/${{aws:username}}",
    ),
)
_PERIMETER_GRANTS = (
    *_PASS_GRANTS,
    statement(action=["iam:AttachUserPolicy", "iam:CreateAccessKey"], resource="*"),
    statement(action="iam:PutRolePolicy", resource=f"arn:aws:iam::{ACCOUNT_ID}:role/*"),
    statement(action=["iam:CreatePolicyVersion", "iam:UpdateAssumeRolePolicy"], resource="*"),
    statement(action="sts:AssumeRole", resource="*"),
)


@st.composite
def perimeter_accounts(draw):
    """Roles of a few kinds; users and roles granted IAM writes, some behind perimeter Denies
    (in their own policy or in their permissions boundary)."""
    roles = [
        role(
            f"r{i}",
            trust=trust_policy({"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"})
            if draw(st.booleans())
            else service_trust("lambda.amazonaws.com"),
            inline_policies=[inline("p", draw(st.sampled_from(_ROLE_GRANTS)))],
        )
        for i in range(draw(st.integers(1, 8)))
    ]
    boundary = managed_policy(
        "perimeter",
        policy_document(statement(action="*", resource="*"), draw(st.sampled_from(_PERIMETERS))),
    )
    holders = []
    for i in range(draw(st.integers(1, 4))):
        grants = draw(st.lists(st.sampled_from(_PERIMETER_GRANTS), min_size=1, max_size=3))
        denies = draw(st.lists(st.sampled_from(_PERIMETERS), max_size=2))
        holders.append(
            user(
                f"h{i}",
                inline_policies=[inline("p", policy_document(*grants, _HOLDER_EXTRAS[1]))]
                + ([inline("perimeter", policy_document(*denies))] if denies else []),
                permissions_boundary_arn=boundary.arn if draw(st.booleans()) else None,
            )
        )
    return snapshot(users=holders, roles=roles, policies=[boundary])


@settings(max_examples=300, deadline=None)
@given(perimeter_accounts())
def test_perimeter_denies_skip_only_targets_they_deny(snap) -> None:
    """Methods held with the NotResource filter (TargetFinder.undenied, and first_allowed's
    own) are those the unfiltered walk finds, target for target."""

    def held(index):
        finder = target_finder(index)
        return {arn: methods_held(index[arn], finder) for arn in index}

    fast = held(PermissionIndex(snap, NOW))
    with patch(
        "bot.iam.privesc.targets._BISECT_FROM", 0
    ):  # the sorted search, on these few targets
        bisected = held(PermissionIndex(snap, NOW))
    with (
        patch.object(TargetFinder, "undenied", lambda self, denied, targets: targets),
        patch.object(PolicySetView, "_outside_denials", lambda self, p, r: r),
    ):
        reference = held(PermissionIndex(snap, NOW))
    assert fast == reference
    assert bisected == reference


@pytest.mark.parametrize("bisect_from", [0, 10_000])  # the sorted search, the plain scan
@pytest.mark.parametrize(
    ("inside", "expected"),
    [("r0", ["lambda-001"]), ("r1", []), ("r*", ["lambda-001"]), ("r0*", ["lambda-001"])],
)
def test_a_perimeter_leaves_the_roles_it_names_passable(
    bisect_from: int, inside: str, expected: list[str]
) -> None:
    """Deny iam:* outside the named roles: iam:PassRole still reaches the admin role r0 when
    the perimeter names it, and nothing when it names only the lesser r1."""
    roles = [
        role(
            "r0",
            trust=service_trust("lambda.amazonaws.com"),
            inline_policies=[inline("p", ADMIN_DOC)],
        ),
        role(
            "r1",
            trust=service_trust("lambda.amazonaws.com"),
            inline_policies=[inline("p", allow("lambda:InvokeFunction"))],  # nothing more
        ),
    ]
    holder = user(
        "h0",
        inline_policies=[
            inline("p", allow(["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"])),
            inline(
                "perimeter",
                policy_document(
                    statement(
                        effect="Deny",
                        action="iam:*",
                        not_resource=f"arn:aws:iam::{ACCOUNT_ID}:role/{inside}",
                    )
                ),
            ),
        ],
    )
    with patch("bot.iam.privesc.targets._BISECT_FROM", bisect_from):
        index = PermissionIndex(snapshot(users=[holder], roles=roles), NOW)
        held = methods_held(index[holder.arn], target_finder(index))
    assert [m.method.id for m in held] == expected
