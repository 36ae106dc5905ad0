"""What a policy makes its holder able to do, as Parliament reports it: privilege escalation
(the engine's escalation catalogue, bot/iam/data/privesc_methods.json), credentials exposure,
permissions management, and a policy that withholds actions yet lets its holder rewrite resource
policies (always reported: the policy contradicts itself).

These look at the actions the policy allows, whatever their resources or conditions (as
Parliament does). The first three describe a policy working as intended (the bot's own
remediation policy holds several), so like Parliament's community auditors they are opt-in:
`lint_policy(capabilities=True)`, `iam-audit lint --capabilities`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sized
from functools import cache, lru_cache
from importlib import resources

from bot.iam.catalogue import ActionCatalogue
from bot.iam.lint_context import LintContext
from bot.iam.lint_model import (
    CREDENTIALS_EXPOSURE,
    PERMISSIONS_MANAGEMENT,
    PRIVILEGE_ESCALATION,
    RESOURCE_POLICY_ESCALATION,
    LintFinding,
    finding,
)
from bot.iam.privesc_methods import action_methods
from bot.model.severity import Severity

_NAMED = 5
# Permissions-management actions that write a resource's policy or ACL (s3:PutBucketPolicy,
# s3:PutBucketAcl; not kms:CreateGrant): Parliament's example of the escalation.
_REWRITES_POLICY = re.compile(r"^(?!Delete|Remove|Detach|Revoke).*(?:Policy|Acl)")
# Their policy actions are about identities (iam:AttachRolePolicy, organizations:AttachPolicy):
# PRIVILEGE_ESCALATION's business, not a resource's own policy.
_IDENTITY_POLICY_SERVICES = frozenset({"iam", "organizations", "sso"})
# A method that needs an existing, more privileged role already attached to a resource the
# holder can reach: the policy alone cannot show that role exists, so it is only a pointer.
_NEEDS_EXISTING_ROLE = "existing-passrole"


@cache
def credential_actions() -> frozenset[str]:
    """Lower-cased actions that return credentials (data/credential_actions.json)."""
    text = resources.files("bot.iam").joinpath("data/credential_actions.json").read_text("utf-8")
    return frozenset(a.lower() for a in json.loads(text)["actions"])


def _s(items: Sized) -> str:
    """The plural ending for a count of ``items`` ("1 action", "2 actions")."""
    return "" if len(items) == 1 else "s"


def _listed(actions: list[str]) -> str:
    more = len(actions) - _NAMED
    return ", ".join(actions[:_NAMED]) + (f" and {more} more" if more > 0 else "")


def lint_risk(ctx: LintContext) -> list[LintFinding]:
    if ctx.policy_type == "resource":
        return _resource_policy(ctx)
    if ctx.policy_type != "identity":
        return []  # trust policies grant assumption only; SCPs and boundaries set ceilings
    if not ctx.capabilities:
        return _resource_policy(ctx)
    # Each action on the resources its statement names: `*` on one bucket grants no IAM,
    # Cognito or STS call, so it escalates nothing and exposes no credentials.
    granted = ctx.actions_on_their_resources
    allowed = {a.lower(): a for a in granted}
    if not allowed:
        return _resource_policy(ctx)
    findings = _escalation(allowed) + _resource_policy(ctx)
    exposed = sorted(allowed[a] for a in credential_actions() if a in allowed)
    if exposed:
        findings.append(
            finding(
                CREDENTIALS_EXPOSURE,
                None,
                f"allows {len(exposed)} action{_s(exposed)} that return credentials or tokens:"
                f" {_listed(exposed)}",
                {"actions": exposed[:20], "count": len(exposed)},
            )
        )
    changing = sorted(granted & ctx.catalogue.permission_changing_actions())
    if changing:
        findings.append(
            finding(
                PERMISSIONS_MANAGEMENT,
                None,
                f"allows {len(changing)} permissions-management action{_s(changing)}, which"
                f" change who has access: {_listed(changing)}",
                {"actions": changing[:20], "count": len(changing)},
            )
        )
    return findings


def _escalation(allowed: dict[str, str]) -> list[LintFinding]:
    held = [
        method
        for method in action_methods()
        if all(action.lower() in allowed for action in method.actions)
    ]
    if not held:
        return []
    direct = [m for m in held if m.category != _NEEDS_EXISTING_ROLE]
    shown = direct or held
    ids = [m.id for m in held]
    example = shown[0]
    return [
        finding(
            PRIVILEGE_ESCALATION,
            None,
            f"allows {len(held)} privilege-escalation method{_s(held)} ({_listed(ids)}); e.g."
            f" {example.id} ({example.category}) needs only {', '.join(example.actions)}",
            {
                "methods": ids,
                "categories": sorted({m.category for m in held}),
                "needs_existing_role_only": not direct,
            },
            severity=None if direct else Severity.LOW,
        )
    ]


@lru_cache(maxsize=4)
def _policy_rewriters(catalogue: ActionCatalogue) -> frozenset[str]:
    """Every permissions-management action that writes a resource's policy or ACL.

    `permission_changing_actions` holds only actions of that access level, as the catalogue
    read it at load: no full action record is built for them (a few hundred services')."""
    return frozenset(
        a
        for a in catalogue.permission_changing_actions()
        if _REWRITES_POLICY.search(a.partition(":")[2])
    )


def _resource_policy(ctx: LintContext) -> list[LintFinding]:
    """Parliament's RESOURCE_POLICY_PRIVILEGE_ESCALATION: the policy withholds some of a
    service's actions yet allows changing resource policies or ACLs of that service
    (s3:PutBucketPolicy without s3:DeleteObject), so the withheld ones are one call away. A
    policy allowing all of the service (KMS's default key policy) withholds nothing.

    It reads only the Action / NotAction lists of the Allows and of the unconditional Denies
    on `*`, so the answer is cached by those (policies repeat the same grants with other ARNs).
    """
    # As sets: the answer reads neither their order nor repeats, and policies list the same
    # grants in other orders.
    allows = frozenset((s.actions, s.not_actions) for s in ctx.statements if s.effect == "Allow")
    denies = frozenset(
        (s.actions, s.not_actions)
        for s in ctx.statements
        if s.effect != "Allow" and not s.conditions and "*" in (s.resources or ())
    )
    return list(_resource_policy_by_actions(ctx.catalogue, allows, denies))


_ActionLists = tuple[tuple[str, ...] | None, tuple[str, ...] | None]  # (Action, NotAction)


def _expansion(catalogue: ActionCatalogue, lists: _ActionLists) -> frozenset[str]:
    """The actions a statement names (all but its NotAction list for NotAction); the
    catalogue caches both expansions."""
    actions, not_actions = lists
    if actions is not None:
        return catalogue.expand_all(actions)
    return catalogue.expand_not_action(not_actions or ())


@lru_cache(maxsize=8192)
def _rewriters_named(catalogue: ActionCatalogue, lists: _ActionLists) -> frozenset[str]:
    """The policy rewriters one statement's action lists name."""
    return _expansion(catalogue, lists) & _policy_rewriters(catalogue)


@lru_cache(maxsize=16384)
def _names_whole_service(catalogue: ActionCatalogue, lists: _ActionLists, service: str) -> bool:
    """Whether one statement's action lists name every action of the service (`*`, `s3:*`,
    a NotAction of another service's): then no other statement needs looking at."""
    return catalogue.expand(f"{service}:*") <= _expansion(catalogue, lists)


@lru_cache(maxsize=8192)
def _resource_policy_by_actions(
    catalogue: ActionCatalogue,
    allow_lists: frozenset[_ActionLists],
    deny_lists: frozenset[_ActionLists],
) -> tuple[LintFinding, ...]:
    # Asked of each statement's own (cached) expansion rather than of the policy's allowed
    # set (LintContext.allowed_actions: the Allows' union less the unconditional denies on
    # `*`), whose union copies 20,000 names for every `*` or NotAction grant: an action is
    # allowed when some Allow expansion holds it and no such deny does.
    denies = [_expansion(catalogue, lists) for lists in deny_lists]

    def all_allowed(service: str) -> bool:
        """Every action of the service is allowed, by set operations on the expansions."""
        actions = catalogue.expand(f"{service}:*")
        if any(not actions.isdisjoint(d) for d in denies):
            return False
        if any(_names_whole_service(catalogue, lists, service) for lists in allow_lists):
            return True
        rest = actions
        for lists in allow_lists:
            rest = rest - _expansion(catalogue, lists)
            if not rest:
                return True
        return not rest

    # The rewriters allowed (only the emptiness matters for the usual policy: an allowed
    # rewriter outside them is a read-only verb, which the list below leaves out too).
    # Set operations over the cached per-statement sets (an Allow of `*` names every rewriter).
    hits = frozenset().union(*(_rewriters_named(catalogue, lists) for lists in allow_lists))
    if hits and denies:
        hits = hits.difference(*denies)
    if not hits:
        return ()  # spares loading every service for the usual policy
    services = sorted({a.partition(":")[0] for a in hits} - _IDENTITY_POLICY_SERVICES)
    withheld = [s for s in services if not all_allowed(s)]
    if not withheld:
        return ()  # the usual answer: sorting hundreds of rewriters for it was wasted
    rewrites = sorted(a for a in hits if a.partition(":")[0] in withheld)
    return (
        finding(
            RESOURCE_POLICY_ESCALATION,
            None,
            f"withholds some {', '.join(withheld)} actions but allows {_listed(rewrites)}, which"
            " change a resource's policy or ACL: with them the holder can grant itself (or"
            " anyone) what this policy withholds",
            {"actions": rewrites[:20], "count": len(rewrites), "services": withheld},
        ),
    )
