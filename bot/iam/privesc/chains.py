"""sts-001: role trust chains, followed backwards from the administrator roles."""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.iam.effective import Access, EffectivePermissions, Grant, PermissionIndex, PolicySource
from bot.iam.matching import action_matcher, arn_matcher
from bot.iam.principals import not_principal_via, parse_principal, principal_via
from bot.iam.privesc.trust import named_in_trusts, trust_statements, trusts_anyone
from bot.iam.privesc.vocabulary import ASSUME_ROLE
from bot.iam.trust_groups import CallerGroups
from bot.iam.variables import VARIABLE_SPAN
from bot.model.snapshot import Role


def tag_facts(tags: Mapping[str, str], keys: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """The resource-tag keys' values for a resource with these tags (``()``: no such tag);
    tag keys compare without case, as condition keys do."""
    lowered = {tag.lower(): value for tag, value in tags.items()}
    facts: dict[str, tuple[str, ...]] = {}
    for key in keys:
        value = lowered.get(key.split("/", 1)[1])
        facts[key] = () if value is None else (value,)
    return facts


def session_arn(perms: EffectivePermissions) -> str:
    """The ARN the principal calls AWS as (a role acts through a session of itself)."""
    ref = perms.principal
    if ref.kind == "role":
        account = ref.arn.split(":")[4]
        partition = ref.arn.split(":")[1]
        return f"arn:{partition}:sts::{account}:assumed-role/{ref.name}/iam-audit"
    return ref.arn


def can_assume(perms: EffectivePermissions, role: Role, index: PermissionIndex) -> Access | None:
    """Whether the principal can call sts:AssumeRole on the role; the identity-side grant if any."""
    if perms.principal.kind == "user" and _boundary_allows_no_assume(perms):
        return None  # whichever way a trust names a user, its boundary must allow the call
    verdict = _trust_lets_in(perms, role, index)
    return None if verdict is None else identity_lets_in(perms, role, verdict)


def _boundary_allows_no_assume(perms: EffectivePermissions) -> bool:
    """Whether the principal's boundary has no Allow statement for sts:AssumeRole at all, once
    per policy set: then a user assumes no role (see identity_lets_in), and the trust-chain
    search need not read every trust for the users of a boundary such as "S3 only"."""
    boundary = perms.view.boundary
    if boundary is None:
        return False
    key = ("boundary_allows_no_assume",)
    found = perms.view.memo.get(key)
    if found is None:
        found = perms.view.memo[key] = boundary.allow_resources("sts:assumerole") == ()
    return found  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class TrustVerdict:
    """How a trust policy lets a caller in: the statements naming it (with how they name it)
    and whether one names its account. Callers the trust cannot tell apart share one."""

    direct: tuple[tuple[str, Grant], ...]
    via_account: bool


def _trust_source(role: Role, index: PermissionIndex) -> PolicySource:
    """The role's trust policy as a policy source, one per role (not per caller)."""
    sources = index.memo.setdefault("trust_sources", {})
    trust_source = sources.get(role.arn)
    if trust_source is None or trust_source.document is not role.trust_policy:
        trust_source = sources[role.arn] = PolicySource(
            f"{role.arn} trust policy", "trust", "role", role.trust_policy, f"trust:{role.arn}"
        )
    return trust_source


def _trust_lets_in(
    perms: EffectivePermissions, role: Role, index: PermissionIndex
) -> TrustVerdict | None:
    """The trust side of can_assume: None when no statement lets the caller in or one denies."""
    trust_source = _trust_source(role, index)
    # Resolved once per role and per value of the facts its conditions name (usually none).
    trust = index.resolved_policy(trust_source, perms.facts, perms.principal)
    if trust.error:
        return None
    caller = parse_principal(session_arn(perms))
    direct: list[tuple[str, Grant]] = []  # (how the trust names the caller, statement)
    via_account = False
    for statement in trust.policy.statements:
        names = statement.actions
        matches = (
            action_matcher(names)("sts:assumerole")
            if names is not None
            else not action_matcher(statement.not_actions or ())("sts:assumerole")
        )
        if not matches:
            continue
        if statement.principals is not None:
            via = principal_via(statement.principals, caller)
        elif statement.not_principals is not None:
            # A Deny with NotPrincipal (everyone but the listed) is how some trusts fence a
            # role off; it also reaches any caller that has a permissions boundary.
            via = not_principal_via(
                statement.not_principals,
                caller,
                deny=statement.effect == "Deny",
                has_boundary=perms.boundary is not None,
            )
        else:
            continue
        if via is None:
            continue
        if statement.effect == "Deny":
            return None
        if via == "account":
            via_account = True
        else:
            direct.append((via, Grant(trust_source.label(), statement.label, "Allow")))
    if not direct and not via_account:
        return None  # the trust lets the caller in by no statement: no identity question
    return TrustVerdict(tuple(direct), via_account)


def identity_lets_in(
    perms: EffectivePermissions, role: Role, verdict: TrustVerdict
) -> Access | None:
    """The identity side of can_assume, for a caller the trust lets in as ``verdict`` says."""
    identity = _assume_decision(perms, role)
    if identity is None:
        return None
    if identity.allowed:
        return identity
    # Same account, the trust names the caller itself: no identity Allow needed. Naming a role
    # is still limited by its boundary, as in any resource policy; so is naming a user (by its
    # ARN or `*`), unlike in a bucket policy: "If a permissions boundary is set for the user,
    # then it must allow the sts:AssumeRole action" (IAM User Guide, "Update a role trust
    # policy"). The evaluator's _resource_grants reads it alike.
    user = perms.principal.kind == "user"
    for via, grant in verdict.direct:
        limited = via == "role" or (user and via in ("user", "wildcard"))
        if not limited or not _boundary_refuses(perms, ASSUME_ROLE, role.arn):
            return Access(ASSUME_ROLE, role.arn, True, (grant,), ())
    return None


def _boundary_refuses(perms: EffectivePermissions, action: str, resource: str) -> bool:
    """Whether the principal's permissions boundary leaves the call out, whatever its identity
    policies say (an Access's boundary_blocks is set only when they would allow it)."""
    boundary = perms.view.boundary
    return boundary is not None and boundary.decide(action, resource)[0] != "allowed"


def _assume_decision(perms: EffectivePermissions, role: Role) -> Access | None:
    """The caller's own policies on sts:AssumeRole for the role, None when one denies it.

    Resource-tag conditions are decided on the role's tags, not assumed to hold: a policy
    allowing sts:AssumeRole only on roles tagged so (IAM User Guide, "IAM: Assume roles that
    have a specific tag", and the ABAC tutorial's ``iam:ResourceTag/access-project`` equal to
    ``${aws:PrincipalTag/access-project}``) lets the caller into those roles only, and a Deny
    on them applies (the Service Authorization Reference lists aws:ResourceTag and
    iam:ResourceTag for IAM's role and user resource types, so for every action on them).
    Callers sharing a policy-set view resolve those conditions alike (their policies resolved
    alike), so the answer is kept per view and role."""
    keys = resource_tag_keys(perms)
    if not keys:
        if perms.denied_by(ASSUME_ROLE, role.arn):
            return None
        return perms.decide(ASSUME_ROLE, role.arn)
    memo_key = ("privesc_assume_on_tags", role.arn)
    memo = perms.view.memo
    if memo_key not in memo:
        asker = perms.with_facts(tag_facts(role.tags, keys))
        denied = asker.denied_by(ASSUME_ROLE, role.arn)
        memo[memo_key] = None if denied else asker.decide(ASSUME_ROLE, role.arn)
    return memo[memo_key]


def resource_tag_keys(perms: EffectivePermissions) -> tuple[str, ...]:
    """The resource-tag condition keys the caller's policies and boundary name (usually none),
    once per policy-set view."""
    memo = perms.view.memo
    keys = memo.get(_RESOURCE_TAG_MEMO)
    if keys is None:
        keys = memo[_RESOURCE_TAG_MEMO] = perms.index.resource_tag_keys(perms.all_sources)
    return keys


_RESOURCE_TAG_MEMO = ("privesc_resource_tag_keys",)


def trust_chains(
    index: PermissionIndex, escalating_roles: Iterable[str] = ()
) -> dict[str, tuple[str, ...]]:
    """Principal ARN -> the shortest chain of roles it can assume that ends at an admin role;
    for principals that reach none, the shortest chain ending at one of ``escalating_roles``
    (roles that hold an escalation method themselves: assuming one is escalating in two steps,
    as PMapper's graph and CloudGoat's lambda_privesc path have it)."""
    roles = {r.arn: r for r in index.snapshot.roles if not r.is_service_linked}
    admin_roles = [arn for arn in roles if index[arn].is_admin_equivalent]
    further = [arn for arn in escalating_roles if arn in roles and arn not in admin_roles]
    if not admin_roles and not further:
        return {}
    # Those an account-wide trust could let in, less the admin-equivalent (never a start:
    # skipped below), grouped by what a trust can see of them: each admin role with an
    # account-wide trust asks its trust once per group, then looks at the members of the
    # groups it lets in that are still unplaced, not at all 50,000. Callers with no Allow of
    # their own for sts:AssumeRole stay in: a trust naming `*` lets them in without one (as
    # can_assume says); for a trust naming only the account, _possible_assumers keeps those
    # whose Allow could cover the role. Those denied sts:AssumeRole on every role cannot
    # assume any, whatever a trust says: left out, not tried against every role. So are users
    # whose boundary allows the call nowhere (a trust naming a user does not lift it).
    starts = [
        arn
        for arn in index
        if not index[arn].principal.is_service_linked
        and not index[arn].is_admin_equivalent
        and not index[arn].denied_everywhere(ASSUME_ROLE)
        and not (index[arn].principal.kind == "user" and _boundary_allows_no_assume(index[arn]))
    ]
    scopes = _AssumeScopes(index)
    unplaced = len(starts)  # once all are on a chain, no further seed can add one
    hopeless = _covering_no_role(roles, starts, scopes)
    if hopeless:
        # Only a trust naming them can let these in (found without the groups): the groups
        # leave them out, rather than try them again for every role the search reaches.
        named = named_in_trusts(roles.values())
        unplaced -= sum(1 for arn in hopeless if arn not in named)
        starts = [arn for arn in starts if arn not in hopeless]
    callers = CallerGroups(index, starts)
    next_hop: dict[str, str] = {}
    queue = deque(admin_roles)
    reached = set(admin_roles)
    pending = deque(further)  # seeded once the admin roles' reach is known: those chains win
    seeds = frozenset(further)
    # An escalating role that can assume another one: its own one-hop chain, kept apart so
    # the chains of those reaching it still end there (their shortest). Its own methods may
    # rest on assumptions ("an existing stack..."), the other role's need none.
    seed_hop: dict[str, str] = {}
    while queue or pending:
        if not queue:
            if not unplaced:
                break
            # Every escalating role at once, not one after another: a principal's chain then
            # ends at the nearest of them whatever order they came in, and none is placed on
            # another's chain (they get the one-hop chains below). Those already on a chain to
            # an administrator stay there.
            for seed in pending:
                if seed not in reached and seed not in next_hop:
                    reached.add(seed)
                    queue.append(seed)
            pending.clear()
            continue
        target = roles[queue.popleft()]
        from_seed = target.arn in seeds
        for arn, verdict in _possible_assumers(target, callers, next_hop, index, scopes):
            if arn in next_hop:
                continue
            seed_start = arn in reached
            if seed_start and not (
                from_seed and arn in seeds and arn != target.arn and arn not in seed_hop
            ):
                continue
            perms = index[arn]
            if perms.principal.is_service_linked or perms.is_admin_equivalent:
                continue
            if verdict is None:
                if can_assume(perms, target, index) is None:
                    continue
            elif identity_lets_in(perms, target, verdict) is None:
                continue
            unplaced -= 1
            if seed_start:
                seed_hop[arn] = target.arn
                continue
            next_hop[arn] = target.arn
            if arn in roles:
                reached.add(arn)
                queue.append(arn)
    chains = chains_from(next_hop)
    chains.update((arn, (arn, end)) for arn, end in seed_hop.items())
    return chains


def _covering_no_role(
    roles: Mapping[str, Role], starts: list[str], scopes: _AssumeScopes
) -> set[str]:
    """Starts that no trust naming an account can let in: their own Allow for sts:AssumeRole
    (needed then) covers no role of the account. None when a trust names `*` (or uses
    NotPrincipal), which lets callers in without such an Allow."""
    if any(trusts_anyone(role) for role in roles.values()):
        return set()
    role_arns = tuple(roles)
    reach: dict[tuple[str, ...], bool] = {}
    found: set[str] = set()
    for arn in starts:
        group = scopes._patterns(arn)
        if group is None:
            continue  # NotResource: not bounded by patterns
        hit = reach.get(group)
        if hit is None:
            matcher = arn_matcher(group) if group else None
            hit = reach[group] = matcher is not None and any(matcher(r) for r in role_arns)
        if not hit:
            found.add(arn)
    return found


def chains_from(next_hop: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """Each start's chain of hops (start, role, ..., admin role), from the first hop of each."""
    chains: dict[str, tuple[str, ...]] = {}
    for start in next_hop:
        chain = [start]
        while chain[-1] in next_hop:
            chain.append(next_hop[chain[-1]])
        chains[start] = tuple(chain)
    return chains


def _possible_assumers(
    role: Role,
    callers: CallerGroups,
    placed: Mapping[str, str],
    index: PermissionIndex,
    scopes: _AssumeScopes,
) -> list[tuple[str, TrustVerdict | None]]:
    """Principals a trust policy could let in: those it names, plus, when it names an account or
    `*`, the unplaced callers of the groups it lets in (when only an account is named, just
    those whose own Allow for sts:AssumeRole could cover this role: the caller's own Allow is
    needed then; `*` needs none). Each with the trust's verdict on its group, None when the
    caller's own can_assume must decide (the trust names it: its verdict may not be its
    group's)."""
    named: list[str] = []
    broad = False
    wildcard = False
    for statement in trust_statements(role):
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        if principal == "*":
            broad = wildcard = True
            continue
        if not isinstance(principal, Mapping):
            continue
        values = principal.get("AWS", [])
        for value in [values] if isinstance(values, str) else values:
            if value == "*":
                broad = wildcard = True
            elif value.endswith(":root") or value.isdigit():
                broad = True
            elif value in index:
                named.append(value)
    found: dict[str, TrustVerdict | None] = dict.fromkeys(named)
    if broad:
        # The trust is asked once per group of callers it cannot tell apart (5,000 untagged
        # users are one group for a trust guarded by a tag). An account in the trust lets in
        # only callers whose own policies allow sts:AssumeRole on the role: 10,000
        # developers allowed their team's roles are not each tried against 500 admin roles.
        admitted = callers.admitted(
            _trust_source(role, index),
            lambda arn: _trust_lets_in(index[arn], role, index),
            placed,
            keep=None if wildcard else functools.partial(scopes.allowing, role.arn),
        )
        for arn, verdict in admitted:
            found.setdefault(arn, verdict)
    return list(found.items())


class _AssumeScopes:
    """Which principals' Allow statements for sts:AssumeRole could cover a role ARN: their
    Resource patterns, grouped (principals share them) and matched once per group and role.
    Only a filter: can_assume decides for those it keeps."""

    def __init__(self, index: PermissionIndex) -> None:
        self._index = index
        self._groups: dict[str, tuple[str, ...] | None] = {}

    def _patterns(self, arn: str) -> tuple[str, ...] | None:
        """The principal's patterns (variables as `*`), None when not bounded (NotResource)."""
        if arn in self._groups:
            return self._groups[arn]
        found: set[str] = set()
        bounded = True
        for policy in self._index[arn].view.identity:
            patterns = policy.allow_resources("sts:assumerole")
            if patterns is None:
                bounded = False
                break
            found.update(VARIABLE_SPAN.sub("*", p) for p in patterns)
        group = tuple(sorted(found)) if bounded else None
        self._groups[arn] = group
        return group

    def allowing(self, role_arn: str, principals: list[str]) -> list[str]:
        hits: dict[tuple[str, ...] | None, bool] = {None: True}
        kept: list[str] = []
        for arn in principals:
            group = self._patterns(arn)
            hit = hits.get(group)
            if hit is None:
                hit = hits[group] = bool(group) and arn_matcher(group)(role_arn)
            if hit:
                kept.append(arn)
        return kept
