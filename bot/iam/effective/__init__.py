"""Effective permissions of every principal in a snapshot, computed once per audit.

A principal's permissions are its identity policies (a user's own inline and attached policies
plus each of its groups'; a role's own) filtered by its permissions boundary, with explicit denies
anywhere winning. Each policy is asked once per action and resource and the answer cached (by
the evaluator, bot.iam.evaluator, or, where the statements involved are on Resource `*` or the
resource is `*`, by the same rules applied directly: see bot.iam.resolved_policy); a principal's
answer combines its policies' answers the way AWS combines identity policies and a boundary in
one account:

    denied  = some policy (identity or boundary) explicitly denies
    allowed = not denied and some identity policy allows and (no boundary or the boundary allows)

so a managed policy shared by thousands of principals is evaluated once, and principals with the
same policy set share one cache. A policy set's view answers with the policies' verdict alone; the
calls AWS allows whatever the policies say (sts:GetCallerIdentity for every caller, a user's
sts:GetSessionToken: bot.iam.fixed_rules) depend on the caller's kind, which a view shared by
users and roles does not know, so EffectivePermissions applies that rule on top. How conditions
are judged ("can the caller satisfy it?") is described in bot.iam.resolved_policy.

The package, one job per module: ``sources`` (which policies reach a principal, and the facts the
snapshot fixes about it), ``view`` (the answers of one policy set, shared by its principals),
``permissions`` (one principal's answers) and ``index`` (every principal of the snapshot, built
once per audit).
"""

from __future__ import annotations

from bot.iam.effective.index import SHARED_KEY, PermissionIndex, action_space, effective_permissions
from bot.iam.effective.permissions import EffectivePermissions
from bot.iam.effective.sources import PrincipalRef, gather_policies, principal_facts
from bot.iam.effective.view import Access, PolicySetView, outside_denial_filter
from bot.iam.resolved_policy import (
    Grant,
    PolicySource,
    ResolvedPolicy,
    decision_count,
    document_key,
    evaluation_count,
    referenced_keys,
)

__all__ = [
    "SHARED_KEY",
    "Access",
    "EffectivePermissions",
    "Grant",
    "PermissionIndex",
    "PolicySetView",
    "PolicySource",
    "PrincipalRef",
    "ResolvedPolicy",
    "action_space",
    "decision_count",
    "document_key",
    "effective_permissions",
    "evaluation_count",
    "gather_policies",
    "outside_denial_filter",
    "principal_facts",
    "referenced_keys",
]
