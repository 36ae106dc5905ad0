"""Privilege-escalation detection: which methods of privesc.md each principal holds.

A principal holds a method when its effective permissions (bot.iam.effective: every policy that
reaches it, denies honoured, conditions resolved from the caller's side) allow every action of the
method on some resource it could target:
- iam:PassRole: a role of the snapshot (service-linked roles excluded: no service accepts them)
  or any role, when the Resource pattern covers an arbitrary role ARN;
- iam:CreatePolicyVersion / iam:SetDefaultPolicyVersion: a customer-managed policy, never an
  AWS-managed one (`arn:aws:iam::aws:policy/...`, which customers cannot write);
- any other action: an arbitrary resource of its type, the principal itself (for IAM actions),
  or a resource pattern its Allow statements name.

sts-001 follows role trust chains backwards from the admin-equivalent roles: a principal that can
assume one of them, directly or through intermediate roles, holds it. A principal can assume a
role when the trust policy names it (its ARN, or the role it is a session of), or names its
account (or `*`) and its own policies allow sts:AssumeRole on the role; an explicit deny on either
side blocks it.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.audit.model import Role
from bot.iam.effective import (
    Access,
    EffectivePermissions,
    Grant,
    PermissionIndex,
    PolicySource,
    arn_pattern_matches,
    effective_permissions,
)
from bot.iam.matching import action_matcher
from bot.iam.principals import parse_principal, principal_via
from bot.iam.privesc_methods import (
    TRUST_CHAIN_METHOD,
    EscalationMethod,
    action_methods,
    all_method_actions,
    load_methods,
)

SHARED_KEY = "iam.privilege_escalation"
_POLICY_VERSION_ACTIONS = frozenset({"iam:createpolicyversion", "iam:setdefaultpolicyversion"})
# Actions that escalate even when aimed at the principal itself (a policy on its own user or
# role). Creating keys or a password for oneself, by contrast, gains nothing: the common
# self-service pattern (`user/${aws:username}`) must not count as iam-002 / iam-004.
_SELF_ESCALATING = {
    "user": frozenset({"iam:putuserpolicy", "iam:attachuserpolicy"}),
    "role": frozenset({"iam:putrolepolicy", "iam:attachrolepolicy"}),
}
_ASSUME_ROLE = "sts:AssumeRole"
# Which kind of principal a self-escalation action can benefit: a role gains nothing from
# attaching a policy to a user or group (it cannot act as one without another method, such as
# iam-015's CreateAccessKey), and a user gains nothing from a role's policy unless it can assume
# the role (iam-014 / iam-017 cover that).
_SELF_ESCALATION_BENEFICIARY = {
    "iam:putuserpolicy": "user",
    "iam:attachuserpolicy": "user",
    "iam:putgrouppolicy": "user",
    "iam:attachgrouppolicy": "user",
    "iam:addusertogroup": "user",
    "iam:putrolepolicy": "role",
    "iam:attachrolepolicy": "role",
}


@dataclass(frozen=True, slots=True)
class HeldMethod:
    """One escalation method a principal holds, with the grant behind each action."""

    method: EscalationMethod
    accesses: tuple[Access, ...]
    chain: tuple[str, ...] = ()  # sts-001: principal, intermediate roles..., admin role

    def policies(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p for a in self.accesses for p in a.policies()))

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "method": self.method.id,
            "category": self.method.category,
            "actions": [
                {"action": a.action, "resource": a.resource, "policies": list(a.policies())}
                for a in self.accesses
            ],
            "policies": list(self.policies()),
        }
        if self.chain:
            body["chain"] = list(self.chain)
        return body


@dataclass(frozen=True, slots=True)
class Escalation:
    principal_arn: str
    methods: tuple[HeldMethod, ...]
    assumptions: tuple[str, ...] = field(default=())

    @property
    def method_ids(self) -> tuple[str, ...]:
        return tuple(m.method.id for m in self.methods)

    def policies(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p for m in self.methods for p in m.policies()))


class TargetFinder:
    """The resources an action could be aimed at, for one principal."""

    def __init__(self, index: PermissionIndex) -> None:
        self.index = index
        snapshot = index.snapshot
        self.passable_roles = tuple(r.arn for r in snapshot.roles if not r.is_service_linked)
        self.customer_policies = tuple(p.arn for p in snapshot.policies if not p.is_aws_managed)
        self._hits: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = {}

    def candidates(self, perms: EffectivePermissions, action: str) -> Iterable[str]:
        lowered = action.lower()
        if lowered == "iam:passrole":
            yield from self.index.probes(action)
            yield from self._matching(perms, action, self.passable_roles)
            return
        if lowered in _POLICY_VERSION_ACTIONS:
            for resource in perms.candidate_resources(action):
                if not _is_aws_managed_policy(resource):
                    yield resource
            yield from self._matching(perms, action, self.customer_policies)
            return
        yield from perms.candidate_resources(action)

    def _matching(
        self, perms: EffectivePermissions, action: str, targets: tuple[str, ...]
    ) -> Iterable[str]:
        """Snapshot resources some Allow pattern covers (the evaluator still decides)."""
        patterns = {
            pattern
            for policy in perms.view.identity
            for pattern in policy.allow_literals(action.lower())
        }
        for pattern in sorted(patterns):
            # The same patterns recur across thousands of principals: match each once.
            key = (pattern, targets)
            hits = self._hits.get(key)
            if hits is None:
                hits = tuple(t for t in targets if arn_pattern_matches(pattern, t))
                self._hits[key] = hits
            yield from hits


def _is_aws_managed_policy(resource: str) -> bool:
    parts = resource.split(":", 5)
    return len(parts) == 6 and parts[4] == "aws"


def held_access(perms: EffectivePermissions, finder: TargetFinder, action: str) -> Access | None:
    """The first target the action is allowed on, or None.

    Targets other than the principal itself depend only on the policy set, so that part is
    cached per set; the principal's own ARN is tried last, for the actions that escalate when
    aimed at oneself.
    """
    if not perms.may_allow(action):
        return None
    lowered = action.lower()
    key = ("held", lowered)
    memo = perms.view.for_action(action).memo  # shared by sets reaching it alike
    if key in memo:
        access = memo[key]
        if access is not None:  # found for another set: this principal's own answer there
            access = perms.decide(action, access.resource)
    else:
        access = perms.allowed_on_any(action, _unique(finder.candidates(perms, action)))
        memo[key] = access
    if access is None and lowered in _SELF_ESCALATING[perms.principal.kind]:
        access = perms.allowed_on_any(action, (perms.arn,))
    return access


def methods_held(
    perms: EffectivePermissions,
    finder: TargetFinder,
    methods: Iterable[EscalationMethod] | None = None,
) -> tuple[HeldMethod, ...]:
    """Every action-list method the principal holds (sts-001 is found by trust_chains)."""
    held: list[HeldMethod] = []
    memo: dict[str, Access | None] = {}
    possible = perms.possible_among("privesc_methods", all_method_actions())
    if not possible:
        return ()
    if methods is None:
        # Which methods some Allow could cover depends on the policy set only: once per set.
        key = ("privesc_candidates",)
        candidates = perms.view.memo.get(key)
        if candidates is None:
            candidates = [m for m, needed in _method_table() if possible.issuperset(needed)]
            perms.view.memo[key] = candidates
    else:
        wanted = [m for m in methods if not m.needs_trust_chain]
        candidates = [m for m in wanted if possible.issuperset(_lowered_actions(m))]
    for method in candidates:
        if not _benefits(method, perms.principal.kind):
            continue
        accesses: list[Access] = []
        for action in method.actions:
            if action not in memo:
                memo[action] = held_access(perms, finder, action)
            access = memo[action]
            if access is None:
                break
            accesses.append(access)
        else:
            held.append(HeldMethod(method, tuple(accesses)))
    return tuple(held)


def _benefits(method: EscalationMethod, principal_kind: str) -> bool:
    """False for a self-escalation method aimed at a kind of principal other than this one."""
    if method.category != "self-escalation":
        return True
    return all(
        _SELF_ESCALATION_BENEFICIARY.get(action.lower(), principal_kind) == principal_kind
        for action in method.actions
    )


def _unique(items: Iterable[str]) -> Iterator[str]:
    """Each item once, lazily: the first allowed target ends the search."""
    seen: set[str] = set()
    for item in items:
        if item not in seen:
            seen.add(item)
            yield item


def _lowered_actions(method: EscalationMethod) -> frozenset[str]:
    return frozenset(a.lower() for a in method.actions)


@functools.lru_cache(maxsize=1)
def _method_table() -> tuple[tuple[EscalationMethod, frozenset[str]], ...]:
    """Every action-list method with its actions lower-cased, computed once."""
    return tuple((m, _lowered_actions(m)) for m in action_methods())


# --- sts-001: role trust chains -----------------------------------------------------------------


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
    trust_source = PolicySource(
        f"{role.arn} trust policy", "trust", "role", role.trust_policy, f"trust:{role.arn}"
    )
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
        if not matches or statement.principals is None:
            continue
        via = principal_via(statement.principals, caller)
        if via is None:
            continue
        if statement.effect == "Deny":
            return None
        if via == "account":
            via_account = True
        else:
            direct.append((via, Grant(trust_source.label(), statement.label, "Allow")))
    if perms.denied_by(_ASSUME_ROLE, role.arn):
        return None
    identity = perms.decide(_ASSUME_ROLE, role.arn)
    if identity.allowed and (direct or via_account):
        return identity
    # Same account, the trust names the caller itself: no identity Allow needed. As for any
    # resource policy, naming a role is still limited by its boundary; naming a user is not.
    for via, grant in direct:
        if via != "role" or not identity.boundary_blocks:
            return Access(_ASSUME_ROLE, role.arn, True, (grant,), ())
    return None


def trust_chains(index: PermissionIndex) -> dict[str, tuple[str, ...]]:
    """Principal ARN -> the shortest chain of roles it can assume that ends at an admin role."""
    roles = {r.arn: r for r in index.snapshot.roles if not r.is_service_linked}
    admin_roles = [arn for arn in roles if index[arn].is_admin_equivalent]
    if not admin_roles:
        return {}
    account_wide = [
        arn
        for arn in index
        if not index[arn].principal.is_service_linked and index[arn].may_allow(_ASSUME_ROLE)
    ]
    next_hop: dict[str, str] = {}
    queue = deque(admin_roles)
    reached = set(admin_roles)
    while queue:
        target = roles[queue.popleft()]
        for arn in _possible_assumers(target, account_wide, index):
            if arn in reached or arn in next_hop:
                continue
            perms = index[arn]
            if perms.principal.is_service_linked or perms.is_admin_equivalent:
                continue
            if can_assume(perms, target, index) is None:
                continue
            next_hop[arn] = target.arn
            if arn in roles:
                reached.add(arn)
                queue.append(arn)
    chains: dict[str, tuple[str, ...]] = {}
    for start in next_hop:
        chain = [start]
        while chain[-1] in next_hop:
            chain.append(next_hop[chain[-1]])
        chains[start] = tuple(chain)
    return chains


def _possible_assumers(role: Role, account_wide: list[str], index: PermissionIndex) -> list[str]:
    """Principals a trust policy could let in: those it names, plus, when it names an account or
    `*`, everyone whose own policies might allow sts:AssumeRole."""
    named: list[str] = []
    broad = False
    statements = role.trust_policy.get("Statement", []) if role.trust_policy else []
    if isinstance(statements, Mapping):
        statements = [statements]
    for statement in statements:
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        if principal == "*":
            broad = True
            continue
        if not isinstance(principal, Mapping):
            continue
        values = principal.get("AWS", [])
        for value in [values] if isinstance(values, str) else values:
            if value == "*" or value.endswith(":root") or value.isdigit():
                broad = True
            elif value in index:
                named.append(value)
    return list(dict.fromkeys(named + (account_wide if broad else [])))


# --- everything, once per audit -----------------------------------------------------------------


def find_escalations(index: PermissionIndex) -> dict[str, Escalation]:
    """Every principal that holds at least one method (admin-equivalent principals excluded:
    they have nothing left to escalate to, principal.admin_equivalent reports them)."""
    finder = TargetFinder(index)
    chains = trust_chains(index)
    chain_method = next(m for m in load_methods() if m.id == TRUST_CHAIN_METHOD)
    roles = {r.arn: r for r in index.snapshot.roles}
    found: dict[str, Escalation] = {}
    for arn in index:
        perms = index[arn]
        if perms.principal.is_service_linked or perms.is_admin_equivalent:
            continue
        held = list(methods_held(perms, finder))
        chain = chains.get(arn)
        first_hop = can_assume(perms, roles[chain[1]], index) if chain else None
        if chain and first_hop is not None:
            held.append(HeldMethod(chain_method, (first_hop,), chain))
        if held:
            found[arn] = Escalation(arn, tuple(held), perms.assumptions())
    return found


def privilege_escalations(ctx: Any) -> dict[str, Escalation]:
    """The audit-wide result, computed once and shared through ``ctx.shared``."""
    index = effective_permissions(ctx)
    cached = ctx.shared.get(SHARED_KEY)
    if cached is None or cached[0] is not index:
        cached = (index, find_escalations(index))
        ctx.shared[SHARED_KEY] = cached
    return cached[1]
