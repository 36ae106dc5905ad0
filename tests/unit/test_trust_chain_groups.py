"""Trust chains asked once per group of callers a trust cannot tell apart find the chains the
per-pair can_assume walk finds."""

from __future__ import annotations

from collections import deque
from dataclasses import replace
from itertools import pairwise
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.iam.chosen_suffix import ChosenSuffix
from bot.iam.effective import PermissionIndex
from bot.iam.evaluator import Evaluator, PolicySet, Request
from bot.iam.policy import parse_policy
from bot.iam.privesc import can_assume, chains_from, session_arn, trust_chains
from bot.iam.privesc import chains as chain_search
from bot.iam.trust_groups import CallerGroups
from tests.factories import (
    ACCOUNT_ID,
    NOW,
    account_trust,
    allow,
    inline,
    managed_policy,
    policy_document,
    role,
    role_arn,
    snapshot,
    statement,
    trust_policy,
    user,
    user_arn,
)
from tests.unit.test_privesc import ADMIN_DOC

_ROOT = f"arn:aws:iam::{ACCOUNT_ID}:root"
_BREAKGLASS = {"StringEquals": {"aws:PrincipalTag/breakglass": "yes"}}


def _per_pair_chains(index: PermissionIndex) -> dict[str, tuple[str, ...]]:
    """The reference: every principal the search reaches tried on every role reached, by
    can_assume alone (no groups, no scope filter)."""
    roles = {r.arn: r for r in index.snapshot.roles if not r.is_service_linked}
    admin_roles = [arn for arn in roles if index[arn].is_admin_equivalent]
    next_hop: dict[str, str] = {}
    reached = set(admin_roles)
    queue = deque(admin_roles)
    while queue:
        target = roles[queue.popleft()]
        for arn in index:
            perms = index[arn]
            if arn in reached or arn in next_hop or perms.is_admin_equivalent:
                continue
            if not _reached_by_the_search(perms, target):
                continue
            if perms.principal.is_service_linked or can_assume(perms, target, index) is None:
                continue
            next_hop[arn] = target.arn
            if arn in roles:
                reached.add(arn)
                queue.append(arn)
    return chains_from(next_hop)


def _reached_by_the_search(perms, target) -> bool:
    """The callers trust_chains looks at, grouped or not: those an Allow statement names by
    their exact ARN, everyone when one names `*` (no Allow of the caller's own is needed
    then), and those with some Allow for sts:AssumeRole when one names the account."""
    broad = False
    for entry in target.trust_policy["Statement"]:
        if entry["Effect"] != "Allow":
            continue
        principal = entry["Principal"]
        values = ["*"] if principal == "*" else [principal["AWS"]]
        if perms.principal.arn in values or "*" in values:
            return True
        broad = broad or any(v.endswith(":root") or v.isdigit() for v in values)
    return broad and perms.may_allow("sts:AssumeRole")


def _every_caller(self, trust, lets_in, placed, keep=None):
    """CallerGroups.admitted without the groups: every unplaced caller, decided one by one."""
    unplaced = [arn for arn in self._position if arn not in placed]
    return [(arn, None) for arn in (unplaced if keep is None else keep(unplaced))]


# --- generated accounts -----------------------------------------------------------------------

_USERS = ("alice", "bob", "carol", "dave", "erin")
_HOPS = ("hop-0", "hop-1", "hop-2")
_ADMINS = ("admin-0", "admin-1")
# IAM refuses two tag keys of one principal that differ only in case.
_TAGS = st.dictionaries(
    st.sampled_from(("breakglass", "BreakGlass", "team", "owner")),
    st.sampled_from(("yes", "no", "ops", "alice", "hop-0")),
    max_size=2,
).filter(lambda tags: len({key.lower() for key in tags}) == len(tags))
_IDENTITY = (
    allow("sts:AssumeRole"),
    allow("sts:AssumeRole", role_arn("admin-0")),
    allow("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT_ID}:role/hop-*"),
    allow("s3:GetObject"),
    policy_document(
        statement(action="sts:AssumeRole", resource="*"),
        statement(effect="Deny", action="sts:AssumeRole", resource=role_arn("admin-1")),
    ),
)


def _assume_but_not_tagged(tag: str, value: str) -> dict:
    """sts:AssumeRole on any role but those tagged ``tag=value`` (a Deny on the role's tag)."""
    return policy_document(
        statement(action="sts:AssumeRole", resource="*"),
        statement(
            effect="Deny",
            action="sts:AssumeRole",
            resource="*",
            condition={"StringEquals": {f"aws:ResourceTag/{tag}": value}},
        ),
    )


_ON_TAGS = {"StringEquals": {"iam:ResourceTag/team": "ops"}}
_OWNED = {"StringEquals": {"aws:ResourceTag/owner": "${aws:username}"}}
_IDENTITY += (
    # Roles chosen by their tags (IAM User Guide, "Assume roles that have a specific tag").
    allow("sts:AssumeRole", condition=_ON_TAGS),
    allow("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT_ID}:role/hop-*", condition=_OWNED),
    _assume_but_not_tagged("breakglass", "yes"),
)
_CONDITIONS = (
    None,
    _BREAKGLASS,
    {"StringEquals": {"aws:PrincipalTag/team": "ops"}},
    {"StringEquals": {"aws:username": ["alice", "carol"]}},
    {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT_ID}:role/hop-*"}},
    {"StringNotEquals": {"aws:PrincipalTag/breakglass": "no"}},
    {"Null": {"aws:PrincipalTag/team": "false"}},
    {"StringEquals": {"aws:PrincipalTag/owner": "${aws:username}"}},
    {"StringEquals": {"aws:PrincipalType": "AssumedRole"}},
    # Personal keys, grouped by what the trust's conditions conclude (or by value when a
    # policy variable is involved).
    {"ArnEquals": {"aws:PrincipalArn": [user_arn("bob"), role_arn("hop-1")]}},
    {"ArnNotLike": {"aws:PrincipalArn": [user_arn("a*"), role_arn("hop-?")]}},
    {"StringNotEquals": {"aws:username": "dave"}},
    {"StringLikeIfExists": {"aws:username": "*r*"}},
    {"StringLike": {"aws:PrincipalArn": "*:user/${aws:username}"}},
    {"ArnLike": {"aws:PrincipalArn": role_arn("hop-*"), "aws:PrincipalTag/team": "ops"}},
    {"Null": {"aws:username": "true"}},
    {"StringEquals": {"aws:username": "${aws:PrincipalTag/owner}"}},
    {
        "StringEquals": {
            "aws:PrincipalTag/owner": "${aws:username}",
            "aws:username": ["alice", "carol"],
        }
    },
)
# A role's aws:userid is its id and a session name the caller picks (bot.iam.chosen_suffix).
# Conditions every session name of a role concludes alike are compared with the reference
# evaluator (given one session name); those a session name decides only grouped against
# ungrouped.
_ROLE_IDS = (
    {"StringLike": {"aws:userid": f"AROA{_HOPS[1].upper()}:*"}},
    {"StringNotLike": {"aws:userid": ["AROAHOP-*", "AIDAB*"]}},
    {"ForAnyValue:StringLike": {"aws:userid": ["AIDA*", "AROA*"]}},
    {"StringEquals": {"aws:userid": ["AIDABOB", "AIDACAROL"]}},
)
_CALLER_CHOSEN = (
    {"StringEquals": {"aws:userid": f"AROA{_HOPS[0].upper()}:deploy"}},
    {"StringLike": {"aws:userid": ["AROAHOP-2:ci-*", "AIDAD*"]}},
)


_BROAD = ("root", "account-id", "star", "aws-star")
# A boundary that limits nothing: only its presence matters (to a Deny with NotPrincipal).
_OPEN_BOUNDARY = managed_policy("open-boundary", allow("*"))
_NAMING = ("user", "role", "role", "other")


@st.composite
def _principal(draw, kinds: tuple[str, ...]) -> object:
    kind = draw(st.sampled_from(kinds))
    if kind == "user":
        return {"AWS": user_arn(draw(st.sampled_from(_USERS)))}
    if kind == "role":
        name = draw(st.sampled_from(_HOPS))
        # Another path names the same role: Principal elements match a role by name.
        return {"AWS": role_arn(name, path=draw(st.sampled_from(("/", "/team/"))))}
    return {
        "root": {"AWS": _ROOT},
        "account-id": {"AWS": ACCOUNT_ID},
        "star": "*",
        "aws-star": {"AWS": "*"},
        "other": {"AWS": "arn:aws:iam::999999999999:root"},
    }[kind]


@st.composite
def _trust(draw, conditions: tuple = _CONDITIONS) -> dict:
    """Mostly an account-wide or `*` statement under a condition, then statements (Allow or
    Deny) naming users, roles (under their path or another) or accounts."""
    kinds = [draw(st.sampled_from((*_BROAD, *_BROAD, *_NAMING)))]
    kinds += draw(st.lists(st.sampled_from((*_NAMING, *_BROAD)), max_size=2))
    statements = [
        statement(
            effect="Allow" if at == 0 else draw(st.sampled_from(("Allow", "Deny"))),
            principal=draw(_principal((kind,))),
            action=draw(
                st.sampled_from(("sts:AssumeRole", "sts:AssumeRole", "sts:*", "sts:TagSession"))
            ),
            resource=None,
            condition=draw(st.sampled_from(conditions)),
        )
        for at, kind in enumerate(kinds)
    ]
    if draw(st.integers(0, 3)) == 0:
        # Everyone but the listed is denied (and, whatever it lists, a caller that has a
        # permissions boundary): the fence some trusts put around a role.
        listed = draw(_principal(("user", "role", "root")))
        statements.append({"Effect": "Deny", "NotPrincipal": listed, "Action": "sts:AssumeRole"})
    return policy_document(*statements)


@st.composite
def trust_accounts(draw, conditions: tuple = _CONDITIONS):
    """Users and hop roles, tagged or not, allowed sts:AssumeRole on various scopes; admin and
    hop roles whose trusts name the account, `*`, a user, a role, another account, under
    conditions on principal tags, aws:username, aws:PrincipalArn, with Deny statements."""
    users = [
        user(
            name,
            tags=draw(_TAGS),
            inline_policies=[inline("assume", draw(st.sampled_from(_IDENTITY)))],
            permissions_boundary_arn=_OPEN_BOUNDARY.arn if draw(st.booleans()) else None,
        )
        for name in _USERS[: draw(st.integers(1, len(_USERS)))]
    ]
    roles = [
        replace(
            role(
                name,
                trust=draw(_trust(conditions)),
                inline_policies=[
                    inline("all", ADMIN_DOC)
                    if name in _ADMINS
                    else inline("assume", draw(st.sampled_from(_IDENTITY)))
                ],
            ),
            tags=draw(_TAGS),
        )
        for name in (*_ADMINS, *_HOPS)
    ]
    return snapshot(users=users, roles=roles, policies=[_OPEN_BOUNDARY])


@settings(max_examples=400, deadline=None)
@given(trust_accounts(_CONDITIONS + _ROLE_IDS + _CALLER_CHOSEN))
def test_grouped_search_finds_the_chains_of_the_per_pair_walk(snap) -> None:
    grouped = trust_chains(PermissionIndex(snap, NOW))
    # Exactly the chains of the same search trying every caller one by one...
    with patch.object(CallerGroups, "admitted", _every_caller):
        assert grouped == trust_chains(PermissionIndex(snap, NOW))
    if _names_a_role_under_another_path(snap):
        return  # can_assume lets its sessions in; the search (grouped or not) never tried them
    # ...and the holders and chain lengths of the plain walk (which may break ties between
    # equally short chains in another order), each hop one can_assume allows.
    index = PermissionIndex(snap, NOW)
    reference = _per_pair_chains(index)
    assert {arn: len(chain) for arn, chain in grouped.items()} == {
        arn: len(chain) for arn, chain in reference.items()
    }
    roles = {r.arn: r for r in snap.roles}
    for chain in grouped.values():
        for caller, target in pairwise(chain):
            assert can_assume(index[caller], roles[target], index) is not None


def _names_a_role_under_another_path(snap) -> bool:
    return any(
        "/team/" in str(entry.get("Principal"))
        for r in snap.roles
        for entry in r.trust_policy["Statement"]
    )


# --- examples -----------------------------------------------------------------------------------


def _admins(count: int, trust: dict) -> list:
    return [
        role(f"admin-{j}", trust=trust, inline_policies=[inline("all", ADMIN_DOC)])
        for j in range(count)
    ]


def _assumers(count: int, **tagged: dict[str, str]) -> list:
    return [
        user(
            f"u{i}",
            tags=tagged.get(f"u{i}"),
            inline_policies=[inline("assume", allow("sts:AssumeRole"))],
        )
        for i in range(count)
    ]


def test_a_guarded_trust_is_asked_once_per_group_not_once_per_caller() -> None:
    """50 untagged users are one group: 3 guarded roles ask their trusts 3 times, not 150."""
    snap = snapshot(users=_assumers(50), roles=_admins(3, account_trust(condition=_BREAKGLASS)))
    with patch.object(chain_search, "_trust_lets_in", wraps=chain_search._trust_lets_in) as asked:
        assert trust_chains(PermissionIndex(snap, NOW)) == {}
    assert asked.call_count == 3


def test_a_trust_fencing_by_principal_arn_is_asked_once_per_conclusion() -> None:
    """Every caller has its own aws:PrincipalArn: grouping by value would ask the trust 150
    times; its condition concludes only "listed" or "not listed"."""
    fenced = account_trust(condition={"ArnEquals": {"aws:PrincipalArn": [user_arn("u3")]}})
    snap = snapshot(users=_assumers(50), roles=_admins(3, fenced))
    with patch.object(chain_search, "_trust_lets_in", wraps=chain_search._trust_lets_in) as asked:
        chains = trust_chains(PermissionIndex(snap, NOW))
    assert chains == {user_arn("u3"): (user_arn("u3"), role_arn("admin-0"))}
    assert asked.call_count <= 3 * 2


def test_callers_a_name_pattern_lets_in_are_each_found() -> None:
    fenced = account_trust(condition={"StringLike": {"aws:username": ["u1?", "u7"]}})
    snap = snapshot(users=_assumers(30), roles=_admins(2, fenced))
    chains = trust_chains(PermissionIndex(snap, NOW))
    assert sorted(chains) == sorted(user_arn(f"u{i}") for i in (7, *range(10, 20)))


def test_a_personal_key_compared_with_a_variable_is_not_grouped_by_its_condition() -> None:
    """Whether aws:username equals the caller's owner tag is not decided by the key alone:
    two callers with the same tag, one of them its owner, are told apart."""
    users = _assumers(6, u2={"owner": "u2"}, u3={"owner": "u2"}, u4={"owner": "u4"})
    owner_is_user = {"StringEquals": {"aws:username": "${aws:PrincipalTag/owner}"}}
    # u2 and u3 are both listed: only the variable tells them apart.
    listed_owner = {
        "StringEquals": {"aws:PrincipalTag/owner": "${aws:username}", "aws:username": ["u2", "u3"]}
    }
    for condition, expected in ((owner_is_user, {"u2", "u4"}), (listed_owner, {"u2"})):
        roles = _admins(1, account_trust(condition=condition))
        chains = trust_chains(PermissionIndex(snapshot(users=users, roles=roles), NOW))
        assert set(chains) == {user_arn(name) for name in expected}, condition


def _tagged_admin(name: str, **tags: str):
    return replace(
        role(name, trust=account_trust(), inline_policies=[inline("all", ADMIN_DOC)]), tags=tags
    )


def test_aws_example_assume_roles_that_have_a_specific_tag() -> None:
    """IAM User Guide, "IAM: Assume roles that have a specific tag": sts:AssumeRole on `*`
    when iam:ResourceTag/Project is ExampleCorpABC lets the user into the roles so tagged
    only, not into every admin role its account trusts."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeTaggedRole",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": "*",
                "Condition": {"StringEquals": {"iam:ResourceTag/Project": "ExampleCorpABC"}},
            }
        ],
    }
    tagged = _tagged_admin("abc-admin", Project="ExampleCorpABC")
    others = [_tagged_admin("admin"), _tagged_admin("xyz-admin", Project="ExampleCorpXYZ")]
    snap = snapshot(users=[user("dev", inline_policies=[inline("p", policy)])], roles=others)
    assert trust_chains(PermissionIndex(snap, NOW)) == {}
    snap = replace(snap, roles=(*others, tagged))
    assert trust_chains(PermissionIndex(snap, NOW)) == {
        user_arn("dev"): (user_arn("dev"), role_arn("abc-admin"))
    }


def test_aws_abac_tutorial_engineers_assume_only_their_projects_role() -> None:
    """IAM User Guide, "IAM tutorial: Define permissions to access AWS resources based on
    tags": the access-assume-role policy matches the role's tags with the caller's."""
    policy = allow(
        "sts:AssumeRole",
        f"arn:aws:iam::{ACCOUNT_ID}:role/access-*",
        condition={
            "StringEquals": {
                "iam:ResourceTag/access-project": "${aws:PrincipalTag/access-project}",
                "iam:ResourceTag/access-team": "${aws:PrincipalTag/access-team}",
                "iam:ResourceTag/cost-center": "${aws:PrincipalTag/cost-center}",
            }
        },
    )
    peg = {"access-project": "peg", "access-team": "eng", "cost-center": "987654"}
    uni = {"access-project": "uni", "access-team": "eng", "cost-center": "123456"}
    users = [
        user("access-Arnav-peg-eng", tags=peg, inline_policies=[inline("p", policy)]),
        user("access-Mary-uni-eng", tags=uni, inline_policies=[inline("p", policy)]),
        user("access-Saanvi-untagged", inline_policies=[inline("p", policy)]),
    ]
    roles = [
        _tagged_admin("access-peg-engineering", **peg),
        _tagged_admin("access-uni-engineering", **uni),
    ]
    index = PermissionIndex(snapshot(users=users, roles=roles), NOW)
    assert trust_chains(index) == {
        user_arn("access-Arnav-peg-eng"): (
            user_arn("access-Arnav-peg-eng"),
            role_arn("access-peg-engineering"),
        ),
        user_arn("access-Mary-uni-eng"): (
            user_arn("access-Mary-uni-eng"),
            role_arn("access-uni-engineering"),
        ),
    }
    arnav = index[user_arn("access-Arnav-peg-eng")]
    assert can_assume(arnav, roles[0], index) is not None
    assert can_assume(arnav, roles[1], index) is None


def test_a_deny_on_the_roles_tag_keeps_callers_out_of_it() -> None:
    deny_prod = _assume_but_not_tagged("tier", "prod")
    roles = [_tagged_admin("prod-admin", tier="prod"), _tagged_admin("dev-admin", tier="dev")]
    snap = snapshot(users=[user("dev", inline_policies=[inline("p", deny_prod)])], roles=roles)
    assert trust_chains(PermissionIndex(snap, NOW)) == {
        user_arn("dev"): (user_arn("dev"), role_arn("dev-admin"))
    }


def test_tagged_callers_are_not_lost_in_their_untagged_class() -> None:
    users = _assumers(40, u7={"breakglass": "yes"}, u30={"BreakGlass": "yes"}, u9={"x": "y"})
    snap = snapshot(users=users, roles=_admins(2, account_trust(condition=_BREAKGLASS)))
    chains = trust_chains(PermissionIndex(snap, NOW))
    assert chains == {
        user_arn("u7"): (user_arn("u7"), role_arn("admin-0")),
        user_arn("u30"): (user_arn("u30"), role_arn("admin-0")),
    }


def test_a_caller_the_trust_denies_by_name_is_decided_alone() -> None:
    trust = policy_document(
        statement(principal={"AWS": _ROOT}, action="sts:AssumeRole", resource=None),
        statement(
            effect="Deny", principal={"AWS": user_arn("u3")}, action="sts:AssumeRole", resource=None
        ),
    )
    snap = snapshot(users=_assumers(6), roles=_admins(1, trust))
    chains = trust_chains(PermissionIndex(snap, NOW))
    assert set(chains) == {user_arn(f"u{i}") for i in range(6)} - {user_arn("u3")}


def test_a_role_named_under_another_path_is_decided_alone() -> None:
    """A Principal element names a role by name whatever its path: the session of hop-1 is let
    in although the rest of its class (other roles, untagged) is not."""
    trust = policy_document(
        statement(
            principal={"AWS": _ROOT}, action="sts:AssumeRole", resource=None, condition=_BREAKGLASS
        ),
        statement(
            principal={"AWS": role_arn("hop-1", path="/team/")},
            action="sts:AssumeRole",
            resource=None,
        ),
    )
    hops = [
        role(
            f"hop-{k}",
            trust=trust_policy({"AWS": user_arn("u0")}),
            inline_policies=[inline("assume", allow("sts:AssumeRole"))],
        )
        for k in range(3)
    ]
    snap = snapshot(users=_assumers(1), roles=[*_admins(1, trust), *hops])
    chains = trust_chains(PermissionIndex(snap, NOW))
    assert chains[role_arn("hop-1")] == (role_arn("hop-1"), role_arn("admin-0"))
    assert role_arn("hop-0") not in chains
    assert role_arn("hop-2") not in chains
    assert chains[user_arn("u0")] == (user_arn("u0"), role_arn("hop-1"), role_arn("admin-0"))


def test_callers_placed_on_the_first_role_are_not_tried_again() -> None:
    """Once placed, a caller leaves its group: later roles look only at the rest."""
    snap = snapshot(users=_assumers(20), roles=_admins(4, account_trust()))
    index = PermissionIndex(snap, NOW)
    with patch.object(
        chain_search, "identity_lets_in", wraps=chain_search.identity_lets_in
    ) as asked:
        chains = trust_chains(index)
    assert len(chains) == 20
    assert asked.call_count == 20


def test_a_trust_naming_everyone_needs_no_allow_of_the_callers_own() -> None:
    """Same account, a trust whose Principal is `*` lets in a caller with no policy at all
    (a resource policy granting the caller is enough, as for any resource policy; can_assume
    says so too); a trust naming only the account needs the caller's own Allow."""
    org_guarded = {"StringEquals": {"aws:PrincipalOrgID": "o-example"}}
    snap = snapshot(
        users=[user("nobody", groups=[]), *_assumers(1)],
        roles=[
            role(
                "open",
                trust=trust_policy({"AWS": "*"}, condition=org_guarded),
                inline_policies=[inline("all", ADMIN_DOC)],
            ),
        ],
    )
    chains = trust_chains(PermissionIndex(snap, NOW))
    assert chains[user_arn("nobody")] == (user_arn("nobody"), role_arn("open"))
    assert user_arn("u0") in chains
    only_account = snapshot(users=[user("nobody", groups=[])], roles=_admins(1, account_trust()))
    assert trust_chains(PermissionIndex(only_account, NOW)) == {}


# --- can_assume against the reference evaluator --------------------------------------------------


def _reference_assume(index: PermissionIndex, caller: str, target) -> bool:
    """The evaluator's answer to sts:AssumeRole on the role, its trust as the resource
    policy, the caller's identity policies and boundary, and the facts AWS puts in the
    request (the caller's tags and the role's among them). The caller's policies as written,
    not as the engine resolved them."""
    perms = index[caller]
    policies = PolicySet(
        identity=[index.parsed(source) for source in perms.sources],
        permission_boundaries=[index.parsed(perms.boundary)] if perms.boundary else [],
        resource_policy=parse_policy(target.trust_policy, name="trust"),
    )
    # A role's aws:userid: its role id and a session name (conditions on it are drawn only
    # among those every session name concludes alike).
    context = {
        key: [values.prefix + "session"] if isinstance(values, ChosenSuffix) else list(values)
        for key, values in perms.facts.items()
        if values
    }
    for tag, value in perms.principal.tags.items():
        context[f"aws:PrincipalTag/{tag}"] = [value]
    for tag, value in target.tags.items():
        context[f"aws:ResourceTag/{tag}"] = context[f"iam:ResourceTag/{tag}"] = [value]
    request = Request(session_arn(perms), "sts:AssumeRole", target.arn, context=context)
    return Evaluator(policies).evaluate(request).decision == "allowed"


@settings(max_examples=200, deadline=None)
@given(trust_accounts(_CONDITIONS + _ROLE_IDS))
def test_can_assume_agrees_with_the_evaluator(snap) -> None:
    """Trusts naming the account, `*`, users and roles, Denies with NotPrincipal, conditions
    on the caller's tags and names, callers with and without boundaries."""
    index = PermissionIndex(snap, NOW)
    for target in snap.roles:
        for caller in index:
            if caller == target.arn:
                continue
            found = can_assume(index[caller], target, index) is not None
            assert found == _reference_assume(index, caller, target), (caller, target.arn)


def test_callers_denied_assume_role_everywhere_are_never_tried() -> None:
    """Users under an unconditional Deny of sts:AssumeRole on `*` assume nothing, whatever a
    trust naming `*` says: the search leaves them out instead of asking each of them about
    each role (10,000 users x 100 such roles took 4 s)."""
    denied = policy_document(statement(effect="Deny", action="sts:AssumeRole", resource="*"))
    org_guarded = {"StringEquals": {"aws:PrincipalOrgID": "o-example"}}
    snap = snapshot(
        users=[user(f"u{i}", groups=[], inline_policies=[inline("no", denied)]) for i in range(30)],
        roles=_admins(3, trust_policy({"AWS": "*"}, condition=org_guarded)),
    )
    index = PermissionIndex(snap, NOW)
    with patch.object(
        chain_search, "identity_lets_in", wraps=chain_search.identity_lets_in
    ) as asked:
        assert trust_chains(index) == {}
    assert asked.call_count == 0
    assert index[user_arn("u0")].denied_everywhere("sts:AssumeRole")
    assert not index[user_arn("u0")].denied_everywhere("sts:GetCallerIdentity")
