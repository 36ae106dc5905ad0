"""Which catalogue methods one principal holds: each action asked of its effective
permissions against the targets the method needs."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from bot.iam.effective import Access, EffectivePermissions, Grant
from bot.iam.privesc.chains import TrustVerdict, identity_lets_in, resource_tag_keys, tag_facts
from bot.iam.privesc.results import HeldMethod
from bot.iam.privesc.targets import TargetFinder, is_aws_managed_policy, per_list, without
from bot.iam.privesc.vocabulary import (
    ANY_SELF_ESCALATING,
    ATTACH_ACTIONS,
    CREATE_ACCESS_KEY,
    CREATE_POLICY_VERSION,
    CREATE_ROLE,
    NO_METHODS,
    NOTHING,
    PASS_ROLE,
    PUT_POLICY_ACTIONS,
    SELF_ESCALATING,
    SET_DEFAULT_VERSION,
    SETS_BOUNDARY,
    TAKES_OVER_USERS,
    UPDATE_TRUST,
)
from bot.iam.privesc_methods import EscalationMethod, action_methods, all_method_actions
from bot.iam.resolved_policy import ABSENT
from bot.model.snapshot import Role


def held_access(perms: EffectivePermissions, finder: TargetFinder, action: str) -> Access | None:
    """The first target the action is allowed on, or None.

    Targets other than the principal itself depend only on the policy set, so that part is
    cached per set; the principal's own ARN is tried last, for the actions that escalate when
    aimed at oneself.
    """
    projection = perms.view.reaching(action)
    if projection is None:
        return None
    lowered = action.lower()
    key = ("held", lowered)
    memo = projection.memo  # shared by sets reaching the action alike
    if key in memo:
        # Found for another set reaching the action through the same policies (and boundary):
        # every answer about the action is the projection's, so this principal's too.
        access = memo[key]
        if access is not None and access.action != action:
            access = replace(access, action=action)
    else:
        candidates = _unique(finder.candidates(perms, action))
        access = projection.first_allowed(action, candidates, undenied=True)
        memo[key] = access
    if access is None and lowered in SELF_ESCALATING[perms.principal.kind]:
        access = perms.allowed_on_any(action, (perms.arn,))
    return access


def _allowed_on_tagged(
    perms: EffectivePermissions,
    action: str,
    resources: Iterable[str],
    *,
    undenied: bool = False,
) -> Access | None:
    """The first resource the action is allowed on (as ``allowed_on_any``, and as lazily: the
    walk usually stops at the first), the resource tags the caller's policies name read from
    each user or role of the account; resources alike in those tags share one asker. Other
    resources (their tags unknown here) keep the conditions assumed to hold."""
    keys = resource_tag_keys(perms)
    index = perms.index
    askers: dict[tuple[tuple[str, ...], ...], EffectivePermissions] = {}
    for resource in resources:
        entity = index.entity(resource) if resource in index else None
        if entity is None:
            access = perms.allowed_on_any(action, (resource,), undenied=undenied)
        else:
            facts = tag_facts(entity.tags, keys)
            signature = tuple(facts.values())
            asker = askers.get(signature)
            if asker is None:
                asker = askers[signature] = perms.with_facts(facts)
            # Its denials were not those the caller filtered the resources by.
            access = asker.allowed_on_any(action, (resource,))
        if access is not None:
            return access
    return None


def pass_role_access(
    perms: EffectivePermissions, finder: TargetFinder, services: tuple[str, ...]
) -> Access | None:
    """iam:PassRole on a role a service of ``services`` trusts and that is more privileged than
    the holder, or None (cached per policy set and service list)."""
    if not perms.may_allow("iam:PassRole"):
        return None
    key = ("pass_role", services)
    memo = perms.view.memo
    if key in memo:
        return memo[key]
    access = None
    targets = finder.pass_targets(services)
    if not targets:  # no role of the account trusts these services: nothing to pass
        memo[key] = None
        return None
    askers = [perms]
    if finder.mentions_passed_to_service(perms):
        # iam:PassedToService names the service the role goes to: judge it for this method's
        # services instead of assuming the caller can pick any.
        askers = [
            asker
            for service in services
            if (asker := _passing_to(perms, service)).may_allow("iam:PassRole")
        ]
    for asker in askers:
        if asker.denied_everywhere("iam:PassRole"):
            continue
        # One allowed_on_any over the richer roles, in order: when no policy scopes PassRole
        # by resource, the first refusal is every role's (a conditioned PassRole on `*` no
        # longer tries each of 25,000 roles in turn).
        passable = finder.undenied(asker.denied_outside("iam:PassRole"), targets)
        access = _admin_first(asker, finder, "iam:PassRole", passable, holder=perms)
        if access is not None:
            break
    memo[key] = access
    return access


def credential_access(
    perms: EffectivePermissions, finder: TargetFinder, action: str, *, key_quota: bool
) -> Access | None:
    """The action on a user more privileged than the holder whose state lets the call succeed
    (an administrator first), or None: taking over a lesser user, or one the call fails on,
    gains nothing (PMapper's IAM edge checker asks the same). Cached per policy set."""
    if not perms.may_allow(action):
        return None
    key = ("takes_over", action.lower(), key_quota)
    memo = perms.view.memo
    if key in memo:
        return memo[key]
    access = None
    if not perms.denied_everywhere(action):
        reachable = finder.undenied(perms.denied_outside(action), finder.users_admin_first())
        refused = finder.state_refuses(action, key_quota=key_quota)
        if refused:
            # Left out before the walk (one list per refusal, shared by every holder): the
            # administrators refused first would otherwise be judged for each holder, and
            # keep the walk from stopping early.
            reachable = per_list(finder._by_list, ("without", refused), reachable, without, refused)
        # Kind by kind (admin first), and only the users some Allow pattern covers: a grant
        # scoped to a few users is not evaluated against every administrator of the account.
        access = _admin_first(perms, finder, action, reachable, holder=perms)
    memo[key] = access
    return access


def trust_rewrite_access(
    perms: EffectivePermissions, finder: TargetFinder, action: str
) -> Access | None:
    """iam:UpdateAssumeRolePolicy on one of the account's roles more privileged than the holder
    (an administrator first), or None. Rewriting a role's trust to assume it gains what the role
    holds, so a lesser role, or a role the Resource pattern names but the account does not have,
    gains nothing (PMapper's edge asks the same of the destination). Only when the snapshot
    lists the account's roles (authorization details); cached per policy set. The methods that
    also change the role (iam-019..021) need no richer role and are judged as before."""
    if not perms.may_allow(action):
        return None
    key = ("rewrites_trust",)
    memo = perms.view.memo
    if key in memo:
        return memo[key]
    access = None
    if not perms.denied_everywhere(action):
        reachable = finder.undenied(perms.denied_outside(action), finder.pass_targets(()))
        access = _admin_first(perms, finder, action, reachable, holder=perms)
    memo[key] = access
    return access


def _admin_first(
    asker: EffectivePermissions,
    finder: TargetFinder,
    action: str,
    reachable: tuple[str, ...],
    *,
    holder: EffectivePermissions,
) -> Access | None:
    """The first of ``reachable`` (ordered administrators first) the action is allowed on that
    is richer than ``holder``: its administrators tried first, then the walk over the richer
    ones (TargetFinder.richer_passable), which repeats them at no cost (answers are cached)
    and returns the same first target. Like the walk, only targets some Allow pattern covers
    are asked (a ``user/${aws:username}`` grant covers none: it names the holder alone), and
    none sharing the holder's policy set. Most holders that reach anyone reach an
    administrator, and then nobody works out what their Allows cover. An asker whose policies
    name resource tags is asked target by target with each target's tags."""
    allowed_on = _allowed_on_tagged if resource_tag_keys(asker) else _allowed_on_any
    covered = finder.covered_targets(asker, action)
    index = finder.index
    admins = (  # lazily: the first allowed ends the walk
        a
        for a in finder.admins_among(reachable)
        if a in covered and index[a].view is not holder.view
    )
    access = allowed_on(asker, action, admins, undenied=True)
    if access is None:
        richer = finder.richer_passable(asker, holder, reachable, action)
        access = allowed_on(asker, action, richer, undenied=True)
    return access


def _allowed_on_any(
    perms: EffectivePermissions, action: str, resources: Iterable[str], *, undenied: bool = False
) -> Access | None:
    """:meth:`EffectivePermissions.allowed_on_any` with :func:`_allowed_on_tagged`'s
    signature."""
    return perms.allowed_on_any(action, resources, undenied=undenied)


_POLICY_WRITES = ATTACH_ACTIONS | PUT_POLICY_ACTIONS


def _writes_others(method: EscalationMethod, kind: str) -> bool:
    """Whether the method gains by writing a policy on a principal other than the holder (a
    user attaching a policy to a role it then assumes, iam-014 / iam-019): holds_on_itself
    judges only the writes a holder of this kind can aim at itself, so what the write can
    hand out (an administrator policy the iam:PolicyARN condition lets through) is asked of
    the other principal (reaches_an_administrator)."""
    return any(
        a.lower() in _POLICY_WRITES and a.lower() not in SELF_ESCALATING[kind]
        for a in method.actions
    )


def _keeps_key_quota(method: EscalationMethod) -> bool:
    """CreateAccessKey alone fails on a user with two keys; with DeleteAccessKey it does not."""
    lowered = {a.lower() for a in method.actions}
    return CREATE_ACCESS_KEY in lowered and "iam:deleteaccesskey" not in lowered


def _passing_to(perms: EffectivePermissions, service: str) -> EffectivePermissions:
    """The principal's permissions for a request whose iam:PassedToService is ``service``."""
    return _requesting(perms, (("iam:passedtoservice", (service,)),))


def methods_held(
    perms: EffectivePermissions,
    finder: TargetFinder,
    methods: Iterable[EscalationMethod] | None = None,
) -> tuple[HeldMethod, ...]:
    """Every action-list method the principal holds (sts-001 is found by trust_chains)."""
    held: list[HeldMethod] = []
    memo: dict[tuple[str, Any], Access | None] = {}
    kind = perms.principal.kind
    if methods is None:
        # Which methods some Allow could cover depends on the policy set only: once per set,
        # kept as the candidate methods and the self-escalating actions among the possible
        # ones (usually none), not as the whole possible set (thousands of sets).
        key = ("privesc_candidates",)
        summary = perms.view.memo.get(key)
        if summary is None:
            possible = perms.possible_among("privesc_methods", all_method_actions(), keep=False)
            # Less what an unconditional Deny takes away everywhere (a data perimeter's
            # NotResource of S3 ARNs denies every IAM action). No method action is a call AWS
            # always allows (test_privesc checks it), so the policies' verdict is the answer.
            possible -= perms.view.denied_everywhere_among(possible)
            candidates = _candidate_methods(possible)
            summary = (candidates or NO_METHODS, possible & ANY_SELF_ESCALATING or NOTHING)
            perms.view.memo[key] = summary
        candidates, possible_self = summary
        if not candidates:
            return ()
    else:
        possible = perms.possible_among("privesc_methods", all_method_actions(), keep=False)
        if not possible:
            return ()
        wanted = [m for m in methods if not m.needs_trust_chain]
        candidates = [m for m in wanted if possible.issuperset(_lowered_actions(m))]
        possible_self = possible & ANY_SELF_ESCALATING
    # Principals sharing a policy set hold the same methods unless one of them may aim an
    # action at itself (its own user or role): then the answer is worked out per principal.
    shared_key = ("privesc_held", kind)
    shareable = methods is None and possible_self.isdisjoint(SELF_ESCALATING[kind])
    if shareable and shared_key in perms.view.memo:
        return perms.view.memo[shared_key]
    for method in candidates:
        if method.id in finder.unreachable_methods:
            continue
        if method.runs_as and not finder.richer_role_trusting(method.runs_as, perms):
            continue  # no richer role runs there: its actions need not be asked
        accesses: list[Access] = []
        for action in method.actions:
            lowered = action.lower()
            if lowered == PASS_ROLE:
                access = pass_role_access(perms, finder, method.pass_to)
            elif lowered in TAKES_OVER_USERS:
                access = credential_access(
                    perms, finder, action, key_quota=_keeps_key_quota(method)
                )
            elif lowered == UPDATE_TRUST and finder.policies_listed and len(method.actions) == 1:
                access = trust_rewrite_access(perms, finder, action)
            else:
                request = method.request_values(action) if method.request else ()
                groups = method.resource_groups(action) if method.resources else ()
                if (action, request, groups) not in memo:
                    memo[action, request, groups] = _held_as_requested(
                        perms, finder, action, request, groups
                    )
                access = memo[action, request, groups]
            if access is None:
                break
            accesses.append(access)
        else:
            if _creates_its_role(method):
                made = new_role_accesses(perms, finder, method)
                if made is not None:
                    held.append(HeldMethod(method, made, direct=True, enables=method.enables))
                continue
            direct = is_direct(method, perms) and holds_on_itself(method, perms, finder)
            if direct and finder.richer_versions is not None:
                direct = _switches_own_policy(perms, accesses)
            if direct:
                direct = _rewrites_own_policy(perms, accesses)
            if (not direct or _writes_others(method, kind)) and not reaches_an_administrator(
                method, perms, finder, accesses
            ):
                continue
            held.append(
                HeldMethod(
                    method, tuple(accesses), direct=direct, enables=_enables(method, kind, direct)
                )
            )
    result = tuple(held)
    if shareable:
        perms.view.memo[shared_key] = result
    return result


def _held_as_requested(
    perms: EffectivePermissions,
    finder: TargetFinder,
    action: str,
    request: tuple[tuple[str, tuple[str, ...]], ...],
    groups: tuple[tuple[str, ...], ...] = (),
) -> Access | None:
    """held_access for the request the method makes: the keys it fixes
    (EscalationMethod.request) are decided, not assumed, each listed value tried in turn (a
    policy may spell an attribute name either way); when it names the resources the call is
    authorized against (EscalationMethod.resources), one of each group must be allowed."""
    if not request:
        return _held_on(perms, finder, action, groups)
    for values in itertools.product(*(choices for _, choices in request)):
        facts = tuple((key, (value,)) for (key, _), value in zip(request, values, strict=True))
        access = _held_on(_requesting(perms, facts), finder, action, groups)
        if access is not None:
            return access
    return None


def _held_on(
    perms: EffectivePermissions,
    finder: TargetFinder,
    action: str,
    groups: tuple[tuple[str, ...], ...],
) -> Access | None:
    """held_access, or, for a call authorized against several resources at once (ssm:SendCommand:
    the instance and the document), the action allowed on a resource of every group, the last
    group's (the document) kept as the evidence. Cached per policy set."""
    if not groups:
        return held_access(perms, finder, action)
    key = ("held_on", action.lower(), groups)
    memo = perms.view.memo
    if key in memo:
        return memo[key]
    access = None
    for group in groups:
        arns = _group_arns(perms, finder, action, group)
        access = perms.allowed_on_any(action, arns, undenied=True)
        if access is None:
            break
    memo[key] = access
    return access


# SSM reserves these document name prefixes for AWS's own documents (CreateDocument refuses
# them): a document ARN pattern whose name starts so names no document of the account.
_AWS_DOCUMENT_PREFIXES = ("aws", "amazon", "amzn")


def _group_arns(
    perms: EffectivePermissions, finder: TargetFinder, action: str, group: tuple[str, ...]
) -> tuple[str, ...]:
    """A group's ARN templates made concrete; a template ending in a name placeholder (any
    document of the account) also brings the holder's own Allow patterns for that kind of
    resource, so a grant on the account's `document/team-*` is tried, not only the probe's
    name. The account's documents may run anything; AWS's own are named in the group."""
    arns = [finder.index.probe_arn(template) for template in group]
    kinds = [_resource_kind(template) for template in group if template.endswith("}")]
    if kinds:
        for literal in perms.candidate_resources(action):
            kind = _resource_kind(literal)
            name = literal.split(":", 5)[-1].partition("/")[2].lower()
            if kind in kinds and not name.startswith(_AWS_DOCUMENT_PREFIXES):
                arns.append(literal)
    return tuple(dict.fromkeys(arns))


def _resource_kind(arn: str) -> tuple[str, str]:
    """(service, resource type) of an ARN or template: ("ssm", "document")."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return ("", "")
    return (parts[2].lower(), parts[5].partition("/")[0].lower())


def _requesting(
    perms: EffectivePermissions, facts: tuple[tuple[str, tuple[str, ...]], ...]
) -> EffectivePermissions:
    """The principal's permissions for a request carrying ``facts`` (cached per policy set)."""
    key = ("requesting", facts)
    found = perms.view.memo.get(key)
    if found is None or found.principal is not perms.principal:
        found = perms.with_facts(dict(facts))
        perms.view.memo[key] = found
    return found


def _switches_own_policy(perms: EffectivePermissions, accesses: list[Access]) -> bool:
    """A richer stored version made the default gains the holder only when the policy is one
    of its own (attached to it or to its group); for another principal's policy it escalates
    that principal. Other accesses: no such question."""
    switched = [a.resource for a in accesses if a.action.lower() == SET_DEFAULT_VERSION]
    if not switched:
        return True
    own = {source.name for source in perms.sources if source.kind == "managed"}
    return all(arn in own for arn in switched)


def _rewrites_own_policy(perms: EffectivePermissions, accesses: list[Access]) -> bool:
    """A new default version gains the holder only on a customer-managed policy of its own
    (attached to it or to its group; AWS-managed ones cannot be versioned by customers): one
    attached to another principal escalates that principal. Other accesses: no such question."""
    if not any(a.action.lower() == CREATE_POLICY_VERSION for a in accesses):
        return True
    return any(
        source.kind == "managed"
        and not is_aws_managed_policy(source.name)
        and perms.can("iam:CreatePolicyVersion", source.name)
        for source in perms.sources
    )


def _creates_its_role(method: EscalationMethod) -> bool:
    return any(a.lower() == CREATE_ROLE for a in method.actions)


def new_role_accesses(
    perms: EffectivePermissions, finder: TargetFinder, method: EscalationMethod
) -> tuple[Access, ...] | None:
    """For a method that creates a role and writes its policy (PMapper's update_admin_status):
    the three calls aimed at one new role, or None when no role name allows all three.

    The holder creates the role without a permissions boundary (a delegation guard requiring
    one hands out no more than the boundary), gives it administrator rights (attaching needs an
    administrator policy the iam:PolicyARN conditions let through) and assumes it: the trust
    policy it writes names its own ARN, and in the same account such a trust grants without an
    identity Allow, limited by the caller's boundary only when it names a role (IAM User Guide,
    "Policy evaluation logic"). An existing role's name is taken, so only new names count."""
    write = next(a for a in method.actions if a.lower() != CREATE_ROLE)
    unbounded = perms.with_facts({"iam:permissionsboundary": ABSENT})
    attaches = write.lower() in ATTACH_ACTIONS
    for resource in _unique(finder.candidates(perms, "iam:CreateRole")):
        if resource in finder.roles or not unbounded.can("iam:CreateRole", resource):
            continue
        if attaches:
            written = next(
                (
                    access
                    for arn in finder.admin_policies
                    if (
                        access := unbounded.with_facts({"iam:policyarn": (arn,)}).decide(
                            write, resource
                        )
                    ).allowed
                ),
                None,
            )
        else:
            written = unbounded.decide(write, resource)
        if written is None or not written.allowed:
            continue
        assumed = _assumes_own_role(perms, resource)
        if assumed is not None:
            created = unbounded.decide("iam:CreateRole", resource)
            return (created, written, assumed)
    return None


def _assumes_own_role(perms: EffectivePermissions, role_arn: str) -> Access | None:
    """sts:AssumeRole on a new role whose trust policy names the holder (user or role) itself."""
    name = role_arn.rsplit("/", 1)[-1]
    role = Role(name=name, arn=role_arn)
    kind = "role" if perms.principal.kind == "role" else "user"
    grant = Grant(f"{role_arn} trust policy (written by the holder)", 0, "Allow")
    return identity_lets_in(perms, role, TrustVerdict(((kind, grant),), via_account=False))


def reaches_an_administrator(
    method: EscalationMethod,
    perms: EffectivePermissions,
    finder: TargetFinder,
    accesses: list[Access],
) -> bool:
    """For a method that changes other principals: can it actually hand out administrator rights?

    Attaching a managed policy needs an administrator policy the holder may attach (the policy
    ARN is judged as the iam:PolicyARN condition key, so a guard such as "never attach
    AdministratorAccess" holds); adding a user to a group needs an administrators group.
    Writing an inline policy can grant anything. Either needs a target without a permissions
    boundary (iam:PermissionsBoundary absent): the delegation guard "only to users whose
    boundary is X" (IAM User Guide, "Permissions boundaries for IAM entities") hands out no
    more than X."""
    unbounded = {"iam:permissionsboundary": ABSENT}
    for access in accesses:
        action = access.action.lower()
        if action in ATTACH_ACTIONS:
            if not any(
                perms.with_facts({**unbounded, "iam:policyarn": (arn,)}).can(
                    access.action, access.resource
                )
                for arn in finder.admin_policies
            ):
                return False
        elif action in PUT_POLICY_ACTIONS:
            if not perms.with_facts(unbounded).can(access.action, access.resource):
                return False
        elif action == "iam:addusertogroup" and not any(
            perms.can(access.action, arn) for arn in finder.admin_groups
        ):
            return False
    return True


def holds_on_itself(
    method: EscalationMethod, perms: EffectivePermissions, finder: TargetFinder
) -> bool:
    """For a method that benefits its holder: whether the holder may aim it at itself, judged
    with what the snapshot fixes about that request. Attaching or writing a policy, or deleting
    a boundary, on its own user or role carries its own boundary as iam:PermissionsBoundary;
    attaching needs an administrator policy the iam:PolicyARN conditions let through (IAM User
    Guide, "IAM: Limits managed policies that can be applied"); joining a group needs an
    administrators group, or any group (one that may hold administrators later)."""
    kind = perms.principal.kind
    for action in method.actions:
        lowered = action.lower()
        if lowered in SELF_ESCALATING[kind] and lowered not in SETS_BOUNDARY:
            itself = perms.with_facts({"iam:permissionsboundary": _boundary_fact(perms)})
            if lowered in ATTACH_ACTIONS:
                allowed = any(
                    itself.with_facts({"iam:policyarn": (arn,)}).can(action, perms.arn)
                    for arn in finder.admin_policies
                )
            else:
                allowed = itself.can(action, perms.arn)
            if not allowed:
                return False
        elif lowered == "iam:addusertogroup":
            groups = (*finder.admin_groups, *perms.index.probes(action))
            if not any(perms.can(action, arn) for arn in groups):
                return False
    return True


def _boundary_fact(perms: EffectivePermissions) -> tuple[str, ...]:
    """iam:PermissionsBoundary of a request aimed at the principal itself: its boundary's ARN
    (the boundary source is named by it, a hypothetical policy set's included)."""
    return (perms.boundary.name,) if perms.boundary is not None else ABSENT


def is_direct(method: EscalationMethod, perms: EffectivePermissions) -> bool:
    """Whether the holder itself gains: it is a kind the method benefits, and (for boundary
    removal or replacement) it has a permissions boundary to lose."""
    if not method.benefits_kind(perms.principal.kind):
        return False
    if _removes_boundary(method):
        return perms.boundary is not None
    return True


_REMOVES_BOUNDARY: dict[str, bool] = {}  # method id -> whether it acts on a boundary


def _removes_boundary(method: EscalationMethod) -> bool:
    found = _REMOVES_BOUNDARY.get(method.id)
    if found is None:
        found = any("permissionsboundary" in a.lower() for a in method.actions)
        _REMOVES_BOUNDARY[method.id] = found
    return found


def _enables(method: EscalationMethod, kind: str, direct: bool) -> str:
    if direct or not method.enables_other:
        return method.enables or method.what_it_enables(kind)
    return method.enables_other


def _unique(items: Iterable[str]) -> Iterator[str]:
    """Each item once, lazily: the first allowed target ends the search."""
    seen: set[str] = set()
    for item in items:
        if item not in seen:
            seen.add(item)
            yield item


def _lowered_actions(method: EscalationMethod) -> frozenset[str]:
    return frozenset(a.lower() for a in method.actions)


def _candidate_methods(possible: frozenset[str]) -> list[EscalationMethod]:
    """The action-list methods all of whose actions are possible, in catalogue order: only the
    methods keyed by a possible action are tried (usually a few of the 100+)."""
    keyed = _methods_by_key_action()
    found = [
        entry
        for action in (*possible, "")  # "": methods without actions (none today)
        for entry in keyed.get(action, ())
        if possible.issuperset(entry[2])
    ]
    found.sort(key=lambda entry: entry[0])
    return [entry[1] for entry in found]


@functools.lru_cache(maxsize=1)
def _methods_by_key_action() -> dict[str, tuple[tuple[int, EscalationMethod, frozenset[str]], ...]]:
    """Each method (with its catalogue position) under one of its actions (the smallest name):
    a method is possible only if that action is."""
    keyed: dict[str, list[tuple[int, EscalationMethod, frozenset[str]]]] = {}
    for position, (method, needed) in enumerate(_method_table()):
        keyed.setdefault(min(needed, default=""), []).append((position, method, needed))
    return {action: tuple(entries) for action, entries in keyed.items()}


@functools.lru_cache(maxsize=1)
def _method_table() -> tuple[tuple[EscalationMethod, frozenset[str]], ...]:
    """Every action-list method with its actions lower-cased, computed once."""
    return tuple((m, _lowered_actions(m)) for m in action_methods())
