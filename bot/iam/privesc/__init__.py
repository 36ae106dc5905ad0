"""Privilege-escalation detection: which catalogue methods each principal holds.

A principal holds a method when its effective permissions (bot.iam.effective: every policy that
reaches it, denies honoured, conditions resolved from the caller's side) allow every action of the
method on some resource it could target:
- iam:PassRole: a role of the snapshot (service-linked roles excluded: no service accepts them)
  that trusts one of the services the method passes roles to (its ``pass_to``) and is more
  privileged than the holder: admin-equivalent, or allowed some action the holder is not. A
  PassRole scoped to one narrowly named admin role counts as much as PassRole on `*`; a role
  that grants nothing new, or that the service cannot assume, does not;
- iam:CreatePolicyVersion / iam:SetDefaultPolicyVersion: a customer-managed policy, never an
  AWS-managed one (`arn:aws:iam::aws:policy/...`, which customers cannot write);
- any other action: an arbitrary resource of its type, the principal itself (for IAM actions),
  or a resource pattern its Allow statements name.

Statements whose conditions can never hold (bot.iam.satisfiability: a token-issue-time window in
the past, contradictory entries) are set aside first, so they make no finding; conditions that can
hold stay "assumed satisfiable" in the evidence.

Every held method is reported, including those aimed at another kind of principal (a role that can
write any user's policy): the method's ``enables_other`` says what that makes possible, and
``direct`` tells whether the holder itself gains.

sts-001 follows role trust chains backwards from the admin-equivalent roles: a principal that can
assume one of them, directly or through intermediate roles, holds it. A principal can assume a
role when the trust policy names it (its ARN, or the role it is a session of), or names its
account (or `*`) and its own policies allow sts:AssumeRole on the role; an explicit deny on either
side blocks it.

The search, one job per module: ``methods`` (which methods one principal holds), ``targets``
(what a method can be aimed at, and which targets are richer than the holder), ``coverage``
(which action patterns a principal's Allows cover: the cheap filter before any evaluation),
``trust`` (which services a role's trust policy admits), ``chains`` (sts-001), ``pruning``
(statements whose conditions never hold), ``vocabulary`` (the actions treated specially) and
``results`` (what is reported). This module runs them over the account, once per audit.
"""

from __future__ import annotations

import functools
from typing import Any

from bot.iam.effective import PermissionIndex, effective_permissions
from bot.iam.privesc.chains import can_assume, chains_from, session_arn, trust_chains
from bot.iam.privesc.methods import methods_held
from bot.iam.privesc.pruning import ConditionPruner
from bot.iam.privesc.results import SHARED_KEY, Escalation, HeldMethod
from bot.iam.privesc.targets import TargetFinder, target_finder
from bot.iam.privesc_methods import TRUST_CHAIN_METHOD, EscalationMethod, load_methods

__all__ = [
    "SHARED_KEY",
    "Escalation",
    "HeldMethod",
    "TargetFinder",
    "can_assume",
    "chains_from",
    "find_escalations",
    "methods_held",
    "privilege_escalations",
    "session_arn",
    "target_finder",
    "trust_chains",
]


def find_escalations(index: PermissionIndex) -> dict[str, Escalation]:
    """Every principal that holds at least one method (admin-equivalent principals excluded:
    they have nothing left to escalate to, principal.admin_equivalent reports them)."""
    finder = target_finder(index)
    pruner = ConditionPruner(index)
    chain_method = next(m for m in load_methods() if m.id == TRUST_CHAIN_METHOD)
    roles = {r.arn: r for r in index.snapshot.roles}
    direct: dict[str, tuple[list[HeldMethod], Any, tuple[str, ...]]] = {}
    for arn in index:
        perms = index[arn]
        if perms.principal.is_service_linked or perms.is_admin_equivalent:
            continue
        analysed, notes = pruner.analysed(perms)
        direct[arn] = (list(methods_held(analysed, finder)), analysed, notes)
    escalating = [arn for arn, (held, _, _) in direct.items() if held and arn in roles]
    chains = trust_chains(index, escalating)
    found: dict[str, Escalation] = {}
    for arn, (held, analysed, notes) in direct.items():
        perms = index[arn]
        chain = chains.get(arn)
        first_hop = can_assume(perms, roles[chain[1]], index) if chain else None
        if chain and first_hop is not None:
            end = chain[-1]
            enables = (
                chain_method.what_it_enables(perms.principal.kind)
                if index[end].is_admin_equivalent
                else _escalating_role_text(end, direct[end][0])
            )
            held.append(HeldMethod(chain_method, (first_hop,), chain, enables=enables))
        if held:
            requires = tuple(
                dict.fromkeys(_requirement(m.method) for m in held if m.method.requires)
            )
            found[arn] = Escalation(arn, tuple(held), (*analysed.assumptions(), *notes, *requires))
    return found


def _escalating_role_text(role_arn: str, held: list[HeldMethod]) -> str:
    """What a chain ending at a role that escalates (not an administrator) enables."""
    name = role_arn.rsplit("/", 1)[-1]
    ids = list(dict.fromkeys(h.method.id for h in held))
    methods = ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
    return (
        f"assumes, directly or through a chain of roles, role {name}, which can escalate its"
        f" own privileges ({methods})"
    )


@functools.lru_cache(maxsize=256)
def _requirement(method: EscalationMethod) -> str:
    """The assumption a method rests on, one shared string per method (thousands of findings
    repeat it)."""
    return f"{method.id} needs {method.requires}"


def privilege_escalations(ctx: Any) -> dict[str, Escalation]:
    """The audit-wide result, computed once and shared through ``ctx.shared``."""
    index = effective_permissions(ctx)
    cached = ctx.shared.get(SHARED_KEY)
    if cached is None or cached[0] is not index:
        cached = (index, find_escalations(index))
        ctx.shared[SHARED_KEY] = cached
    return cached[1]
