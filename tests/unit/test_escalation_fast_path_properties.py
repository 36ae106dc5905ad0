"""Properties of the escalation search's fast paths added on 2026-12-06, against their reference.

- _hits (every literal run as a prefilter) answers as the plain ARN matcher, escaped wildcards
  (LITERAL_STAR / LITERAL_QMARK markers) included;
- TargetFinder._shared_walk (targets of too many kinds walked once per kind of holder, the walk
  kept and replayed) answers as matching_roles filtered by more_privileged;
- trust_chains' _covering_no_role filter changes no chain, and every chain (seed hops included)
  is a real path of assumable hops ending at an administrator or an escalating role;
- policy_versions.richer_than never raises, never calls a document richer than itself, and
  when it says "no richer" the evaluator agrees on a small request space;
- credential_access leaving refused users out before the walk holds the methods the old
  after-the-walk filter held.
"""

from __future__ import annotations

import copy
import itertools
from collections import deque
from unittest.mock import patch

from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st

from bot.iam.effective import PermissionIndex
from bot.iam.evaluator import Evaluator, PolicySet, Request
from bot.iam.matching import LITERAL_QMARK, LITERAL_STAR, arn_matcher
from bot.iam.policy import PolicyParseError, parse_policy
from bot.iam.policy_versions import richer_than
from bot.iam.privesc import (
    TargetFinder,
    can_assume,
    coverage,
    methods,
    methods_held,
    target_finder,
    trust_chains,
)
from bot.iam.privesc import chains as chain_search
from bot.iam.privesc.chains import resource_tag_keys
from bot.iam.privesc.methods import _keeps_key_quota
from bot.iam.privesc.targets import _hits
from bot.iam.privesc.vocabulary import TAKES_OVER_USERS
from tests.factories import (
    ACCOUNT_ID,
    NOW,
    credential_row,
    inline,
    key,
    policy_document,
    role,
    role_arn,
    service_trust,
    snapshot,
    statement,
    trust_policy,
    user,
    user_arn,
    with_rows,
)
from tests.unit.test_matching_fast_paths import _TEXT_SEGMENT, _arnish
from tests.unit.test_matching_fast_paths import _reference as _arn_reference
from tests.unit.test_privesc import ADMIN_DOC

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.filter_too_much]

# --- 1. _hits with escaped wildcards -------------------------------------------------------------

# Pattern segments with `*`, `?` and the markers ${*} / ${?} leave (a literal `*` / `?`).
_MARKED_SEGMENT = st.text(alphabet=f"ab*?/-{LITERAL_STAR}{LITERAL_QMARK}", max_size=5)
# Targets holding literal `*` / `?` too: only an escaped wildcard matches them as text.
_STARRY_SEGMENT = st.text(alphabet="ab/*?-", max_size=5)


@settings(max_examples=600, deadline=None)
@given(
    pattern=_arnish(_MARKED_SEGMENT),
    targets=st.lists(_arnish(_STARRY_SEGMENT | _TEXT_SEGMENT), min_size=1, max_size=8),
)
def test_hits_with_literal_wildcard_markers_is_the_plain_matcher(
    pattern: str, targets: list[str]
) -> None:
    """Escaped wildcards give no literal runs (no prefilter): the matcher alone decides, and
    a target holding the literal `*` / `?` the marker stands for still matches."""
    arn_matcher.cache_clear()
    expected = tuple(t for t in targets if _arn_reference((pattern,), t))
    assert _hits(tuple(targets), pattern) == expected, (pattern, targets)
    plain = arn_matcher((pattern,))
    assert expected == tuple(t for t in targets if plain(t))


def test_hits_keeps_a_target_matching_an_escaped_star() -> None:
    pattern = f"arn:aws:s3:::b/{LITERAL_STAR}-x*"
    targets = ("arn:aws:s3:::b/*-xy", "arn:aws:s3:::b/a-xy", "arn:aws:s3:::b/*-")
    assert _hits(targets, pattern) == ("arn:aws:s3:::b/*-xy",)


# --- 2. TargetFinder._shared_walk ----------------------------------------------------------------

# Action patterns the roles' and holders' Allows combine: overlapping, so some holders cover
# some roles and not others.
_ACTION_POOL = (
    "s3:*",
    "s3:GetObject",
    "s3:Get*",
    "ec2:RunInstances",
    "ec2:*",
    "lambda:*",
    "lambda:InvokeFunction",
    "kms:Decrypt",
)
_HOLDER_DENIES = (
    None,
    statement(effect="Deny", action="kms:*", resource="*"),
    statement(effect="Deny", action="s3:DeleteBucket", resource="*"),
)
_TAKEOVER = ("iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile")
_ASKER_GRANTS = (
    ["iam:PassRole", *_TAKEOVER],
    ["iam:*"],
    ["iam:PassRole"],
    ["iam:CreateAccessKey"],
)


def _allow_doc(actions: list[str], not_action: bool = False):
    if not_action:
        return policy_document(statement(not_action="iam:*", resource="*"))
    return policy_document(statement(action=sorted(actions), resource="*"))


@st.composite
def many_kinds_accounts(draw):
    """Roles and users of many Allow-pattern sets (and a few administrators); holders that
    share a kind (the same Allow patterns) through different views (an extra Deny)."""
    kinds = st.lists(st.sampled_from(_ACTION_POOL), min_size=1, max_size=4, unique=True)
    roles = []
    for i in range(draw(st.integers(4, 18))):
        pick = draw(st.integers(0, 9))
        doc = (
            ADMIN_DOC
            if pick == 0
            else _allow_doc([], not_action=True)
            if pick == 1
            else _allow_doc(draw(kinds))
        )
        roles.append(
            role(
                f"r{i:02d}",
                trust=service_trust(
                    draw(st.sampled_from(("lambda.amazonaws.com", "ec2.amazonaws.com")))
                ),
                inline_policies=[inline("p", doc)],
            )
        )
    targets = [
        user(
            f"t{i:02d}",
            inline_policies=[
                inline("p", ADMIN_DOC if draw(st.integers(0, 5)) == 0 else _allow_doc(draw(kinds)))
            ],
        )
        for i in range(draw(st.integers(0, 10)))
    ]
    # Holders: a few grant-and-pattern combinations, each maybe held twice behind other Denies.
    holders = []
    combos = draw(
        st.lists(
            st.tuples(st.sampled_from(_ASKER_GRANTS), kinds),
            min_size=1,
            max_size=3,
        )
    )
    for i in range(draw(st.integers(2, 6))):
        grants, extra = combos[draw(st.integers(0, len(combos) - 1))]
        deny = draw(st.sampled_from(_HOLDER_DENIES))
        policies = [inline("p", _allow_doc([*grants, *extra]))]
        if deny is not None:
            policies.append(inline("d", policy_document(deny)))
        holders.append(user(f"h{i}", inline_policies=policies))
    return snapshot(users=[*holders, *targets], roles=roles, credential_report=None)


def _reference_richer(finder, asker, holder, targets, action) -> list[str]:
    return [
        t
        for t in finder.matching_roles(asker, action, targets)
        if finder.more_privileged(t, holder)
    ]


@settings(max_examples=150, deadline=None, suppress_health_check=_SLOW_OK)
@given(
    snap=many_kinds_accounts(),
    data=st.data(),
    few_kinds=st.sampled_from((1, 2, 3)),
    walks_kept=st.sampled_from((1, 2, 256)),
)
def test_shared_walk_is_the_reference_walk_in_any_order(snap, data, few_kinds, walks_kept) -> None:
    """Holders asked in a random order (several of a kind, through other views), some
    consuming only the first target, then others the whole list: each answer is
    matching_roles filtered by more_privileged (asked of a fresh index)."""
    principals = [u.arn for u in snap.users if u.name.startswith("h")] + [r.arn for r in snap.roles]
    queries = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from(principals),  # the holder
                st.sampled_from(principals),  # the asker (usually the holder itself)
                st.booleans(),  # asker is holder
                st.sampled_from(("iam:PassRole", "iam:CreateAccessKey")),
                st.sampled_from(((), ("lambda.amazonaws.com",))),
                st.booleans(),  # first element only
            ),
            min_size=2,
            max_size=12,
        )
    )
    shared = 0
    with (
        patch("bot.iam.privesc.targets._FEW_KINDS", few_kinds),
        patch("bot.iam.privesc.targets._SHARED_WALKS", walks_kept),
    ):
        index = PermissionIndex(snap, NOW)
        finder = target_finder(index)
        ref_index = PermissionIndex(snap, NOW)
        ref_finder = TargetFinder(ref_index)
        real_shared = TargetFinder._shared_walk

        def counting(self, *args):
            nonlocal shared
            shared += 1
            return real_shared(self, *args)

        with patch.object(TargetFinder, "_shared_walk", counting):
            for holder_arn, other, same, action, services, first_only in queries:
                asker_arn = holder_arn if same else other
                if action == "iam:PassRole":
                    targets, ref_targets = (
                        finder.pass_targets(services),
                        ref_finder.pass_targets(services),
                    )
                else:
                    targets, ref_targets = (
                        finder.users_admin_first(),
                        ref_finder.users_admin_first(),
                    )
                expected = _reference_richer(
                    ref_finder, ref_index[asker_arn], ref_index[holder_arn], ref_targets, action
                )
                walk = finder.richer_passable(index[asker_arn], index[holder_arn], targets, action)
                if first_only:
                    assert next(iter(walk), None) == (expected[0] if expected else None)
                else:
                    assert list(walk) == expected, (holder_arn, asker_arn, action, services)
    # The shared walk answered at least once in most accounts (not asserted per example:
    # a holder covering few targets walks them one by one).
    if shared:
        event("shared walk used")


def test_shared_walk_replays_a_partly_consumed_walk_for_a_holder_of_the_same_kind() -> None:
    """h0 takes the first richer role only; h1 (same Allow patterns, another view: an extra
    Deny) then lists them all from the kept walk; h2 (another kind) its own."""
    roles = [
        role(
            f"r{i:02d}",
            inline_policies=[
                inline(
                    "p",
                    _allow_doc([f"s3:Get{i}*", "ec2:RunInstances"] if i % 3 else [f"s3:Get{i}*"]),
                )
            ],
        )
        for i in range(12)
    ]
    grant = ["iam:PassRole", "s3:*"]
    h0 = user("h0", inline_policies=[inline("p", _allow_doc(grant))])
    h1 = user(
        "h1",
        inline_policies=[
            inline("p", _allow_doc(grant)),
            inline("d", policy_document(_HOLDER_DENIES[1])),
        ],
    )
    h2 = user("h2", inline_policies=[inline("p", _allow_doc([*grant, "ec2:*"]))])
    snap = snapshot(users=[h0, h1, h2], roles=roles, credential_report=None)
    with patch("bot.iam.privesc.targets._FEW_KINDS", 2):
        index = PermissionIndex(snap, NOW)
        finder = target_finder(index)
        targets = finder.pass_targets(())
        assert finder._kinds_in(targets)[0] is None
        assert index[h0.arn].view is not index[h1.arn].view
        expected = {
            h.arn: _reference_richer(finder, index[h.arn], index[h.arn], targets, "iam:PassRole")
            for h in (h0, h1, h2)
        }
        assert expected[h0.arn]
        assert expected[h2.arn] == []
        with patch.object(TargetFinder, "_shared_walk", wraps=finder._shared_walk) as walk:
            first = next(iter(finder.richer_passable(index[h0.arn], index[h0.arn], targets)))
            assert walk.call_count == 1
        assert first == expected[h0.arn][0]
        got = {
            h.arn: list(finder.richer_passable(index[h.arn], index[h.arn], targets))
            for h in (h1, h2, h0)
        }
    assert got == expected


# --- 3 / 4. trust chains: _covering_no_role, seed hops ------------------------------------------

_ROLE_NAMES = ("admin-0", "admin-1", "hop-0", "hop-1", "esc-0", "esc-1")
_ASSUME_SCOPES = (
    None,  # no sts:AssumeRole Allow at all
    f"arn:aws:iam::{ACCOUNT_ID}:role/hop-*",
    f"arn:aws:iam::{ACCOUNT_ID}:role/admin-1",
    f"arn:aws:iam::{ACCOUNT_ID}:role/esc-*",
    f"arn:aws:iam::{ACCOUNT_ID}:role/nothing-*",  # covers no role
    f"arn:aws:iam::{ACCOUNT_ID}:user/*",  # covers no role
    "arn:aws:iam::999999999999:role/*",  # another account's roles only
    "*",
    f"arn:aws:iam::{ACCOUNT_ID}:role/${{aws:username}}",
    "not-resource",  # Allow sts:AssumeRole with NotResource
)


def _assume_grant(scope: str | None):
    if scope is None:
        return statement(action="s3:GetObject", resource="*")
    if scope == "not-resource":
        return statement(
            action="sts:AssumeRole", not_resource=f"arn:aws:iam::{ACCOUNT_ID}:role/admin-0"
        )
    return statement(action="sts:AssumeRole", resource=scope)


def _trust(kind: str, named: str):
    principal = {
        "root": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
        "account-id": {"AWS": ACCOUNT_ID},
        "named": {"AWS": named},
        "named-and-root": {"AWS": [named, f"arn:aws:iam::{ACCOUNT_ID}:root"]},
        "service": {"Service": "lambda.amazonaws.com"},
        "other-account": {"AWS": "arn:aws:iam::999999999999:root"},
        "wildcard": "*",
        "aws-wildcard": {"AWS": "*"},
    }[kind]
    return trust_policy(principal)


_TRUSTS = ("root", "account-id", "named", "named-and-root", "service", "other-account")
_ANYONE = ("wildcard", "aws-wildcard")


@st.composite
def chain_accounts(draw):
    """Users and roles allowed sts:AssumeRole on random scopes (often none of the roles),
    roles trusting the account, a named user or role, a service, another account (and,
    sometimes, anyone); admin, hop and escalating roles. Returns the snapshot and the
    escalating roles to pass (in a random order)."""
    anyone = draw(st.integers(0, 4)) == 0
    trusts = st.sampled_from(_TRUSTS + (_ANYONE if anyone else ()))
    scopes = st.lists(st.sampled_from(_ASSUME_SCOPES), min_size=1, max_size=2)
    users = [
        user(
            name, inline_policies=[inline("p", policy_document(*map(_assume_grant, draw(scopes))))]
        )
        for name in ("dev", "ops", "hop-0", "ci")[: draw(st.integers(1, 4))]
    ]
    names = [r for r in _ROLE_NAMES if r.startswith("admin-0") or draw(st.booleans())]
    principals = [u.arn for u in users] + [role_arn(n) for n in names]
    roles = [
        role(
            name,
            trust=_trust(draw(trusts), draw(st.sampled_from(principals))),
            inline_policies=[
                inline("all", ADMIN_DOC)
                if name.startswith("admin") and draw(st.integers(0, 3)) > 0
                else inline("p", policy_document(*map(_assume_grant, draw(scopes))))
            ],
        )
        for name in names
    ]
    escalating = draw(
        st.lists(st.sampled_from([role_arn(n) for n in names]), unique=True, max_size=4)
    )
    return snapshot(users=users, roles=roles, credential_report=None), escalating


_CHAIN_SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=_SLOW_OK)


@_CHAIN_SETTINGS
@given(chain_accounts())
def test_covering_no_role_changes_no_chain(drawn) -> None:
    snap, escalating = drawn
    index = PermissionIndex(snap, NOW)
    roles = {r.arn: r for r in snap.roles}
    hopeless = chain_search._covering_no_role(roles, list(index), chain_search._AssumeScopes(index))
    event(f"callers left out: {bool(hopeless)}")
    fast = trust_chains(index, escalating)
    with patch("bot.iam.privesc.chains._covering_no_role", lambda roles, starts, scopes: set()):
        reference = trust_chains(PermissionIndex(snap, NOW), escalating)
    assert fast == reference


def _assumable(index: PermissionIndex) -> dict[str, set[str]]:
    """Every principal -> the roles it can assume (can_assume, pair by pair: the reference)."""
    roles = [r for r in index.snapshot.roles if not r.is_service_linked]
    return {
        arn: {r.arn for r in roles if can_assume(index[arn], r, index) is not None} for arn in index
    }


def _distances(edges: dict[str, set[str]], ends: set[str], index) -> dict[str, int]:
    """Hops from each principal to the nearest of ``ends`` through non-admin roles."""
    into: dict[str, set[str]] = {}
    for source, targets in edges.items():
        for target in targets:
            into.setdefault(target, set()).add(source)
    distance = dict.fromkeys(ends, 0)
    queue = deque(ends)
    while queue:
        node = queue.popleft()
        for source in into.get(node, ()):
            if source in distance or index[source].is_admin_equivalent:
                continue
            distance[source] = distance[node] + 1
            queue.append(source)
    return distance


@_CHAIN_SETTINGS
@given(chain_accounts())
def test_every_chain_is_a_real_path_to_an_admin_or_escalating_role(drawn) -> None:
    snap, escalating = drawn
    index = PermissionIndex(snap, NOW)
    roles = {r.arn: r for r in snap.roles}
    chains = trust_chains(index, escalating)
    admins = {arn for arn in roles if index[arn].is_admin_equivalent}
    event(f"seed hop: {any(c[0] in escalating and c[-1] in escalating for c in chains.values())}")
    for start, chain in chains.items():
        assert chain[0] == start, chain
        assert len(chain) >= 2, chain
        assert len(set(chain)) == len(chain), f"cycle in {chain}"
        assert not index[start].is_admin_equivalent, chain
        for caller, target in itertools.pairwise(chain):
            assert target in roles, chain
            assert can_assume(index[caller], roles[target], index) is not None, (caller, target)
        assert chain[-1] in admins or chain[-1] in escalating, chain
    # Against the pair-by-pair reference: whoever can reach an administrator has a chain
    # ending at one, and the shortest.
    edges = _assumable(index)
    to_admin = _distances(edges, admins, index)
    for arn, hops in to_admin.items():
        if hops == 0 or index[arn].is_admin_equivalent:
            continue
        assert arn in chains, arn
        assert chains[arn][-1] in admins, (arn, chains[arn])
        assert len(chains[arn]) == hops + 1, (arn, chains[arn])
    for arn, chain in chains.items():
        if chain[-1] in admins:
            assert to_admin.get(arn) == len(chain) - 1, chain
    # Who reaches only an escalating role has a chain (not a seed itself: seeds get one-hop
    # chains to another seed only).
    to_seed = _distances(edges, set(escalating) - admins, index)
    for arn, hops in to_seed.items():
        if hops and arn not in to_admin and arn not in escalating:
            assert arn in chains, arn
            assert chains[arn][-1] in escalating, (arn, chains[arn])
            # ... and the shortest to any of them (all are searched from at once).
            assert len(chains[arn]) == hops + 1, (arn, chains[arn])


@_CHAIN_SETTINGS
@given(chain_accounts(), st.randoms(use_true_random=False))
def test_chains_do_not_depend_on_the_order_of_the_escalating_roles(drawn, rng) -> None:
    """Who has a chain, and of what length, is the same for the escalating roles in any
    order (the search once seeded them one after another: a role reaching another only
    through an ordinary role got a chain or not by the order they came in)."""
    snap, escalating = drawn
    shuffled = list(escalating)
    rng.shuffle(shuffled)
    first = trust_chains(PermissionIndex(snap, NOW), escalating)
    second = trust_chains(PermissionIndex(snap, NOW), shuffled)
    assert {a: len(c) for a, c in first.items()} == {a: len(c) for a, c in second.items()}


def test_seed_hop_one_escalating_role_assuming_another() -> None:
    esc0 = role(
        "esc-0",
        trust=trust_policy({"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}),
        inline_policies=[
            inline("p", policy_document(_assume_grant(f"arn:aws:iam::{ACCOUNT_ID}:role/esc-*")))
        ],
    )
    esc1 = role(
        "esc-1",
        trust=trust_policy({"AWS": esc0.arn}),
        inline_policies=[inline("p", policy_document(_assume_grant(None)))],
    )
    index = PermissionIndex(snapshot(roles=[esc0, esc1], credential_report=None), NOW)
    for order in ([esc0.arn, esc1.arn], [esc1.arn, esc0.arn]):
        assert trust_chains(index, order) == {esc0.arn: (esc0.arn, esc1.arn)}


# --- 5. policy_versions.richer_than -----------------------------------------------------------

_KEYS = ("Version", "Statement", "Effect", "Action", "NotAction", "Resource", "NotResource")
_KEYS += ("Condition", "Sid", "Principal")
_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.sampled_from(("Allow", "Deny", "*", "s3:*", "s3:Get*", "arn:aws:s3:::b/*"))
    | st.text(max_size=6),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(_KEYS) | st.text(max_size=4), children, max_size=5)
    ),
    max_leaves=25,
)


@settings(max_examples=800, deadline=None)
@given(version=_json, default=_json)
def test_richer_than_never_raises(version, default) -> None:
    assert richer_than(version, default) in (True, False)
    assert richer_than(version, version) is False
    assert richer_than(version, copy.deepcopy(version)) is False


_V_ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:ListBucket", "ec2:RunInstances", "iam:PassRole")
_V_ACTION_PATTERNS = (*_V_ACTIONS, "*", "s3:*", "s3:Get*", "S3:getobject", "s3:*Object", "ec2:*")
_V_RESOURCES = (
    "*",
    "arn:aws:s3:::data",
    "arn:aws:s3:::data/x",
    "arn:aws:s3:::datalake/y",
    f"arn:aws:iam::{ACCOUNT_ID}:role/app",
)
_V_RESOURCE_PATTERNS = (
    *_V_RESOURCES,
    "arn:aws:s3:::data*",
    "arn:aws:s3:::data/*",
    "arn:aws:s3:::*",
    f"arn:aws:iam::{ACCOUNT_ID}:role/*",
    "arn:aws:*:*:*:*",
)
# Shapes richer_than once judged unsoundly (a `?` in a pattern, ARN patterns of fewer than six
# segments): the tests below keep them answered as the evaluator does.
_V_BUGGY_ACTION_PATTERNS = ("s3:Get?", "s3:G?tObject")
_V_BUGGY_RESOURCE_PATTERNS = ("arn:*", "arn:aws:s3*", "arn:aws:s3:::dat?")
_V_CONDITIONS = (
    {"Bool": {"aws:SecureTransport": "true"}},
    {"StringEquals": {"aws:username": "alice"}},
)


def _version_statements(actions, resources):
    def one(draw):
        negate_action = draw(st.integers(0, 4)) == 0
        negate_resource = draw(st.integers(0, 5)) == 0
        picked_actions = draw(st.lists(st.sampled_from(actions), min_size=1, max_size=2))
        picked_resources = draw(st.lists(st.sampled_from(resources), min_size=1, max_size=2))
        return statement(
            effect=draw(st.sampled_from(("Allow", "Allow", "Deny"))),
            action=None if negate_action else picked_actions,
            not_action=picked_actions if negate_action else None,
            resource=picked_resources,
            not_resource=picked_resources if negate_resource else None,
            condition=draw(st.none() | st.none() | st.sampled_from(_V_CONDITIONS)),
        )

    return st.composite(one)()


def _version_pairs(actions, resources):
    statements = _version_statements(actions, resources)

    @st.composite
    def pairs(draw):
        default = draw(st.lists(statements, min_size=1, max_size=3))
        # The version: often a variation of the default (its statements kept, one changed).
        version = list(draw(st.permutations(default)))
        for _ in range(draw(st.integers(0, 2))):
            if version and draw(st.booleans()):
                version.pop(draw(st.integers(0, len(version) - 1)))
            else:
                version.append(draw(statements))
        assume(version)
        return policy_document(*version), policy_document(*default)

    return pairs()


def _allowed(document, action: str, resource: str) -> bool:
    evaluator = Evaluator(PolicySet(identity=[parse_policy(document)]))
    request = Request(user_arn("alice"), action, resource, context={})
    return evaluator.evaluate(request).decision == "allowed"


def _gains(version, default) -> list[tuple[str, str]]:
    return [
        (action, resource)
        for action in _V_ACTIONS
        for resource in _V_RESOURCES
        if _allowed(version, action, resource) and not _allowed(default, action, resource)
    ]


@settings(max_examples=400, deadline=None, suppress_health_check=_SLOW_OK)
@given(_version_pairs(_V_ACTION_PATTERNS, _V_RESOURCE_PATTERNS))
def test_a_version_no_richer_allows_nothing_the_default_does_not(pair) -> None:
    version, default = pair
    try:
        parse_policy(version), parse_policy(default)
    except PolicyParseError:
        assume(False)
    assert richer_than(default, default) is False
    if not richer_than(version, default):
        assert _gains(version, default) == [], (version, default)


def _one(action, resource):
    return policy_document(statement(action=action, resource=resource))


def test_richer_than_question_mark_in_the_default_action() -> None:
    version, default = _one("s3:G*", "*"), _one("s3:G?", "*")
    assert _gains(version, default)  # s3:GetObject: allowed by the version only
    assert richer_than(version, default)


def test_richer_than_question_mark_in_the_default_resource() -> None:
    version = _one("s3:GetObject", "arn:aws:s3:::dat*")
    default = _one("s3:GetObject", "arn:aws:s3:::dat?")
    assert _gains(version, default)
    assert richer_than(version, default)


def test_richer_than_short_arn_pattern_in_the_default() -> None:
    version = _one("s3:GetObject", "arn:aws:s3:::data/x")
    default = _one("s3:GetObject", "arn:*")
    assert _gains(version, default) == [("s3:GetObject", "arn:aws:s3:::data/x")]
    assert richer_than(version, default)


@example((_one("s3:G*", "*"), _one("s3:G?", "*")))
@example((_one("s3:GetObject", "arn:aws:s3:::data/x"), _one("s3:GetObject", "arn:*")))
@settings(max_examples=300, deadline=None, suppress_health_check=_SLOW_OK)
@given(
    _version_pairs(
        _V_ACTION_PATTERNS + _V_BUGGY_ACTION_PATTERNS,
        _V_RESOURCE_PATTERNS + _V_BUGGY_RESOURCE_PATTERNS,
    )
)
def test_richer_than_sound_with_question_marks_and_short_arns(pair) -> None:
    """The sound property over those shapes too (`?`, short ARN patterns): richer_than compares
    patterns as the evaluator matches them (bot.iam.policy_versions._covers)."""
    version, default = pair
    try:
        parse_policy(version), parse_policy(default)
    except PolicyParseError:
        assume(False)
    if not richer_than(version, default):
        assert _gains(version, default) == [], (version, default)


# --- 6. credential_access: refused users left out before the walk -----------------------------


def _old_credential_access(perms, finder, action, *, key_quota):
    """credential_access before 03dd48f: refused users filtered out after the walk."""
    if not perms.may_allow(action):
        return None
    memo_key = ("takes_over", action.lower(), key_quota)
    memo = perms.view.memo
    if memo_key in memo:
        return memo[memo_key]
    access = None
    if not perms.denied_everywhere(action):
        reachable = finder.undenied(perms.denied_outside(action), finder.users_admin_first())
        richer = finder.richer_passable(perms, perms, reachable, action)
        refused = finder.state_refuses(action, key_quota=key_quota)
        if refused:
            richer = (arn for arn in richer if arn not in refused)
        if resource_tag_keys(perms):
            access = methods._allowed_on_tagged(perms, action, richer, undenied=True)
        else:
            access = perms.allowed_on_any(action, richer, undenied=True)
    memo[memo_key] = access
    return access


_TAKEOVER_GRANTS = (
    statement(action="iam:CreateAccessKey", resource="*"),
    statement(action=["iam:CreateAccessKey", "iam:DeleteAccessKey"], resource="*"),
    statement(action="iam:CreateLoginProfile", resource="*"),
    statement(action="iam:UpdateLoginProfile", resource="*"),
    statement(action=["iam:CreateLoginProfile", "iam:UpdateLoginProfile"], resource="*"),
    statement(action="iam:CreateAccessKey", resource=f"arn:aws:iam::{ACCOUNT_ID}:user/u1*"),
    statement(action="iam:*", resource=f"arn:aws:iam::{ACCOUNT_ID}:user/*"),
    statement(effect="Deny", action="iam:*", not_resource=f"arn:aws:iam::{ACCOUNT_ID}:user/u0"),
)
_TARGET_DOCS = (
    ADMIN_DOC,
    policy_document(statement(action="s3:*", resource="*")),
    policy_document(statement(action="ec2:*", resource="*")),
    policy_document(statement(action="s3:GetObject", resource="*")),
)


@st.composite
def takeover_accounts(draw):
    """Users of a few kinds (administrators among them) in a credential report with and
    without passwords and with 0-2 keys (some not listed); holders of the takeover actions."""
    targets = [
        user(f"u{i}", inline_policies=[inline("p", draw(st.sampled_from(_TARGET_DOCS)))])
        for i in range(draw(st.integers(1, 10)))
    ]
    holders = [
        user(
            f"h{i}",
            inline_policies=[
                inline(
                    "p",
                    policy_document(
                        *draw(st.lists(st.sampled_from(_TAKEOVER_GRANTS), min_size=1, max_size=3))
                    ),
                ),
                inline("x", draw(st.sampled_from(_TARGET_DOCS[1:]))),
            ],
        )
        for i in range(draw(st.integers(1, 4)))
    ]
    rows = []
    for u in [*targets, *holders]:
        if draw(st.integers(0, 4)) == 0:
            continue  # not in the report: any state
        keys = draw(st.integers(0, 2))
        rows.append(
            credential_row(
                u.name,
                password=draw(st.booleans()),
                key1=key() if keys >= 1 else None,
                key2=key() if keys >= 2 else None,
            )
        )
    report = None if draw(st.integers(0, 5)) == 0 else with_rows(*rows)
    return snapshot(users=[*targets, *holders], credential_report=report)


@settings(max_examples=200, deadline=None, suppress_health_check=_SLOW_OK)
@given(takeover_accounts(), st.sampled_from((1, 2, 64)))
def test_refused_users_left_out_before_the_walk_hold_the_same_methods(snap, few_kinds) -> None:
    def held(index):
        finder = target_finder(index)
        return {arn: methods_held(index[arn], finder) for arn in index}

    with patch("bot.iam.privesc.targets._FEW_KINDS", few_kinds):
        index = PermissionIndex(snap, NOW)
        fast = held(index)
        with patch("bot.iam.privesc.methods.credential_access", _old_credential_access):
            reference = held(PermissionIndex(snap, NOW))
    assert fast == reference
    finder = target_finder(index)
    for found in fast.values():
        for method in found:
            if method.method.id not in {"iam-002", "iam-003", "iam-004", "iam-006"}:
                continue
            quota = _keeps_key_quota(method.method)
            for access in method.accesses:
                if access.action.lower() in TAKES_OVER_USERS:
                    refused = finder.state_refuses(access.action, key_quota=quota)
                    assert access.resource not in refused, (method.method.id, access)


def test_an_administrator_with_two_keys_is_passed_over_for_the_next() -> None:
    admins = [user(f"u{i}", inline_policies=[inline("p", ADMIN_DOC)]) for i in range(2)]
    holder = user("h0", inline_policies=[inline("p", policy_document(_TAKEOVER_GRANTS[0]))])
    report = with_rows(
        credential_row("u0", key1=key(), key2=key()), credential_row("u1", key1=key())
    )
    index = PermissionIndex(snapshot(users=[*admins, holder], credential_report=report), NOW)
    held = methods_held(index[holder.arn], target_finder(index))
    assert [(m.method.id, [a.resource for a in m.accesses]) for m in held] == [
        ("iam-002", [user_arn("u1")])
    ]


# --- 6. the coverage's glob tests -------------------------------------------------------------


@settings(max_examples=2000, deadline=None)
@given(
    st.text(alphabet="ab:*?[]", min_size=1, max_size=8),
    st.text(alphabet="ab:*?[]", max_size=8),
)
def test_coverage_glob_test_is_fnmatchcase(glob: str, text: str) -> None:
    """A holder's `*`-only Allow patterns are tested by their literal runs, not a regex: the
    answer is fnmatch's, the reference the coverage was written against."""
    from fnmatch import fnmatchcase

    assert coverage._glob_test(glob)(text) == fnmatchcase(text, glob)
