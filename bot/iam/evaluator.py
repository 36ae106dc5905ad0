"""The policy simulator: AWS's documented evaluation logic over parsed policies, offline.

Order of decision (IAM User Guide, "Policy evaluation logic"):
1. an explicit Deny in any applicable policy wins;
2. every level of resource control policies (RCPs) and of service control policies (SCPs), from
   the root down, must contain an applicable Allow;
3. same account: a resource-based policy Allow can grant on its own (see ``_resource_grants``);
   otherwise identity policies must allow, within the permissions boundary and session policy;
   role trust policies and KMS key policies must allow the caller in any case;
4. cross account: the identity side (identity, boundary, session) and the resource-based policy
   must both allow.

``Evaluator`` compiles a policy set once and answers many requests; for a principal-level sweep
``allowed_actions`` reuses per-request work (context, resource and condition results) across
actions, and each layer caches which of its statements an action can reach.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from bot.iam.catalogue import default_catalogue
from bot.iam.conditions import CompiledCondition, normalise_context
from bot.iam.fixed_rules import ALWAYS_ALLOWED, FIXED_ACTIONS, is_always_allowed, never_changeable
from bot.iam.matching import Matcher, action_matcher, arn_matcher
from bot.iam.mcp_actions import IS_MCP_SERVICE_ACTION, is_mcp_service
from bot.iam.policy import Policy, Principal, Statement
from bot.iam.principals import (
    PrincipalInfo,
    Via,
    not_principal_via,
    parse_principal,
    principal_via,
)
from bot.iam.variables import Context, has_variables, parse_template
from bot.iam.wildcards import arn_pattern_covers, arn_patterns_intersect, has_wildcard

DecisionValue = Literal["allowed", "implicit_deny", "explicit_deny"]
PolicyKind = Literal["identity", "permission_boundary", "session", "scp", "rcp", "resource"]

_KIND_LABEL = {
    "identity": "identity policy",
    "permission_boundary": "permissions boundary",
    "session": "session policy",
    "scp": "SCP",
    "rcp": "RCP",
    "resource": "resource-based policy",
}


@dataclass(frozen=True, slots=True)
class Request:
    """One request. ``resource_is_pattern`` turns a resource with ``*``/``?`` into a question
    about a set of resources ("may the caller do this on any of these?"): an Allow counts when
    its Resource shares a resource with the pattern, a Deny only when it covers all of them.
    Without it the resource is the literal string AWS would see (``*`` for actions that have
    no resource type)."""

    principal_arn: str
    action: str
    resource: str
    resource_account: str | None = None
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)
    resource_is_pattern: bool = False


@dataclass(frozen=True, slots=True)
class PolicySet:
    """Every policy that can take part in one principal's requests.

    ``scps`` / ``rcps`` hold one sequence of policies per level of the organisation, root first.
    Several permission boundaries act as successive filters (IAM attaches at most one).
    The management-account flags switch SCPs (caller's account) or RCPs (resource's account)
    off, as AWS never applies them there.

    ``complete`` says the set holds every policy that exists for the request (``simulate``):
    then a KMS key or role without a resource policy in the set has none that allows, and the
    request is denied, and an IAM federated user session without a session policy is denied.
    When False (the audit, which does not collect key policies) a missing key policy is unknown
    and the key is taken to carry AWS's default key policy, which delegates to the account's IAM
    policies; a federated user session's missing session policy is likewise unknown.
    """

    identity: Sequence[Policy] = ()
    permission_boundaries: Sequence[Policy] = ()
    scps: Sequence[Sequence[Policy]] = ()
    rcps: Sequence[Sequence[Policy]] = ()
    resource_policy: Policy | None = None
    session_policy: Policy | None = None
    principal_in_management_account: bool = False
    resource_in_management_account: bool = False
    complete: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "identity", tuple(self.identity))
        object.__setattr__(self, "permission_boundaries", tuple(self.permission_boundaries))
        object.__setattr__(self, "scps", tuple(tuple(level) for level in self.scps))
        object.__setattr__(self, "rcps", tuple(tuple(level) for level in self.rcps))


@dataclass(frozen=True, slots=True)
class MatchedStatement:
    policy: str
    statement: int | str  # the Sid when present, else the index in the policy
    effect: str
    kind: str

    def to_dict(self) -> dict[str, object]:
        return {
            "policy": self.policy,
            "statement": self.statement,
            "effect": self.effect,
            "kind": self.kind,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    decision: DecisionValue
    matched: tuple[MatchedStatement, ...]
    reason: str

    @property
    def allowed(self) -> bool:
        return self.decision == "allowed"

    def to_dict(self) -> dict[str, object]:
        return {
            "decision": self.decision,
            "matched": [m.to_dict() for m in self.matched],
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class StatementTrace:
    """Why one statement did or did not apply to a request (for explanations, not sweeps)."""

    kind: str
    policy: str
    statement: int | str
    effect: str
    applies: bool
    why: str


# --- compiled statements --------------------------------------------------------------------


class CompiledStatement:
    """A statement with its matchers built once; identity-hashed so per-request memos are cheap."""

    __slots__ = (
        "_action",
        "_action_negated",
        "_conditions",
        "_not_principals",
        "_principals",
        "_resource",
        "_resource_negated",
        "_resource_patterns",
        "_resource_templates",
        "is_deny",
        "kind",
        "matched",
        "policy_name",
        "services",
        "statement",
    )

    def __init__(self, policy: Policy, statement: Statement, kind: PolicyKind) -> None:
        self.policy_name = policy.name
        self.statement = statement
        self.kind = kind
        self.is_deny = statement.effect == "Deny"
        self.matched = MatchedStatement(policy.name, statement.label, statement.effect, kind)
        self._action_negated = statement.actions is None
        self._action = action_matcher(statement.not_actions or statement.actions or ())
        # The service prefixes an Action list can reach, or None when it can reach any service
        # (NotAction, "*", a wildcard in the prefix): lets a layer skip statements cheaply.
        self.services = _services_of(statement.actions) if statement.actions else None
        variables = policy.substitutes_variables
        patterns = statement.resources if statement.resources is not None else None
        self._resource_negated = statement.resources is None and statement.not_resources is not None
        if self._resource_negated:
            patterns = statement.not_resources
        # No Resource at all (trust policies): the statement is about the resource it sits on.
        self._resource_patterns = patterns
        # Compiled on first use: in a big account most statements are never asked about a
        # resource (their action does not match), and each pattern list is a regex to build.
        self._resource: Matcher | None = None
        self._resource_templates = None
        if patterns is not None and variables and any(has_variables(p) for p in patterns):
            self._resource_templates = tuple(parse_template(p, pattern=True) for p in patterns)
        self._conditions = tuple(
            CompiledCondition(c.operator, c.key, c.values, variables=variables)
            for c in statement.conditions
        )
        self._principals: Principal | None = statement.principals
        self._not_principals: Principal | None = statement.not_principals

    def matches_action(self, action_lower: str) -> bool:
        return self._action(action_lower) != self._action_negated

    def matches_resource(self, resource: str, context: Context) -> bool:
        if self._resource_patterns is None:
            return True
        if self._resource_templates is None:
            matcher = self._resource
            if matcher is None:
                matcher = self._resource = arn_matcher(self._resource_patterns)
            return matcher(resource) != self._resource_negated
        rendered = [t.render(context, pattern=True) for t in self._resource_templates]
        if self._resource_negated and None in rendered:
            # Cannot tell what NotResource excludes: the statement does not match.
            return False
        # An entry whose variable has no value matches nothing.
        known = tuple(r for r in rendered if r is not None)
        return arn_matcher(known)(resource) != self._resource_negated

    def matches_resource_set(self, requests: tuple[str, ...], context: Context) -> bool:
        """Whether the statement applies to a request about every resource ``requests`` match.

        An Allow applies when it reaches some of them, a Deny only when it reaches all of them
        (IAM User Guide, "IAM JSON policy elements: Resource": wildcards within ARN segments).
        """
        if len(requests) != 1:
            if self.is_deny:
                return all(self.matches_resource_set((r,), context) for r in requests)
            return any(self.matches_resource_set((r,), context) for r in requests)
        request = requests[0]
        patterns = self._resource_patterns
        if patterns is None:
            return True
        if self._resource_templates is not None:
            rendered = [t.render(context, pattern=True) for t in self._resource_templates]
            if self._resource_negated and None in rendered:
                return False
            patterns = tuple(r for r in rendered if r is not None)
        if self._resource_negated:
            if self.is_deny:  # denies what lies outside every listed pattern: all of it must
                return not any(arn_patterns_intersect(request, p) for p in patterns)
            return not any(arn_pattern_covers(p, request) for p in patterns)
        if self.is_deny:
            return any(arn_pattern_covers(p, request) for p in patterns)
        return any(arn_patterns_intersect(request, p) for p in patterns)

    def failing_condition(self, context: Context) -> CompiledCondition | None:
        for condition in self._conditions:
            if not condition.holds(context):
                return condition
        return None

    def conditions_hold(self, context: Context) -> bool:
        return all(c.holds(context) for c in self._conditions)

    def principal_via(self, caller: PrincipalInfo, *, has_boundary: bool) -> Via | None:
        """How the Principal/NotPrincipal element reaches the caller (None: it does not)."""
        if self._principals is not None:
            return principal_via(self._principals, caller)
        if self._not_principals is None:
            # A resource-based policy statement names its principals; without Principal or
            # NotPrincipal it names no one (AWS refuses to store one, so it matches nobody).
            # RCPs are written with Principal "*"; the parser's lenient form keeps them global.
            return "wildcard" if self.kind == "rcp" else None
        return not_principal_via(
            self._not_principals, caller, deny=self.is_deny, has_boundary=has_boundary
        )


class _Layer:
    """The compiled statements of one policy type (or one organisation level)."""

    __slots__ = ("_by_service", "index", "kind", "policies", "statements")

    def __init__(
        self,
        kind: PolicyKind,
        policies: Sequence[Policy],
        index: int,
        statements: tuple[CompiledStatement, ...] | None = None,
    ) -> None:
        self.kind = kind
        self.index = index  # position of this layer's candidates in a _Plan
        self.policies = tuple(policies)
        if statements is None:
            statements = tuple(
                CompiledStatement(p, s, kind) for p in self.policies for s in p.statements
            )
        self.statements = statements
        # Statements worth testing per service prefix, in policy order (order shows in
        # reports); filled lazily so building an evaluator stays cheap.
        self._by_service: dict[str, tuple[CompiledStatement, ...]] = {}

    def candidates(self, action_lower: str) -> _Candidates:
        """(allows, denies) whose Action/NotAction covers the action."""
        service = action_lower.partition(":")[0]
        reachable = self._by_service.get(service)
        if reachable is None:
            reachable = tuple(
                s for s in self.statements if s.services is None or service in s.services
            )
            self._by_service[service] = reachable
        hits = [s for s in reachable if s.matches_action(action_lower)]
        return (
            tuple(s for s in hits if not s.is_deny),
            tuple(s for s in hits if s.is_deny),
        )


_Candidates = tuple[tuple[CompiledStatement, ...], tuple[CompiledStatement, ...]]


class _MemoLayer(_Layer):
    """A layer that many evaluators share (see SharedCompilation): it remembers its candidates
    per action, since each evaluator that holds it asks for the same actions again. With
    ``parts`` (one memo layer per policy, in order) its candidates are theirs joined, so a
    policy in many combinations matches its statements against an action once."""

    __slots__ = ("_hits", "_parts")

    def __init__(
        self,
        kind: PolicyKind,
        policies: Sequence[Policy],
        index: int,
        statements: tuple[CompiledStatement, ...],
        parts: tuple[_MemoLayer, ...] = (),
    ) -> None:
        super().__init__(kind, policies, index, statements)
        self._hits: dict[str, _Candidates] = {}
        self._parts = parts

    def candidates(self, action_lower: str) -> _Candidates:
        found = self._hits.get(action_lower)
        if found is None:
            if len(self._parts) == 1:
                found = self._parts[0].candidates(action_lower)
            elif self._parts:
                allows: list[CompiledStatement] = []
                denies: list[CompiledStatement] = []
                for part in self._parts:
                    part_allows, part_denies = part.candidates(action_lower)
                    allows += part_allows
                    denies += part_denies
                found = (tuple(allows), tuple(denies))
            else:
                found = super().candidates(action_lower)
            self._hits[action_lower] = found
        return found


class SharedCompilation:
    """Compiled layers and per-request statement results shared by many evaluators.

    For bulk simulation: every line of a requests file carries its own policy set, but the sets
    are combinations of a few documents and the requests repeat a few callers, resources and
    contexts. An evaluator built with one of these takes each layer (a list of the same policy
    objects at the same place) already compiled, and each request reuses which statements apply
    as found by earlier requests with the same caller, resource, context and boundary, whatever
    their policy set. Both caches are bounded (cleared when full). The answers are the plain
    evaluator's: tests/unit/test_simulate_shared.py compares them.
    """

    __slots__ = ("_facts", "_layers", "_memos", "_statements", "max_layers", "max_requests")

    def __init__(self, *, max_layers: int = 4096, max_requests: int = 4096) -> None:
        self.max_layers = max_layers
        self.max_requests = max_requests
        # (kind, index, id of each policy) -> layer; the layer holds its policies, so an id in
        # a live key cannot be reused by another object (the same for the statements below).
        self._layers: dict[tuple[object, ...], _MemoLayer] = {}
        # (kind, id of a policy) -> the policy compiled (a one-policy layer, holding it): one
        # compilation per document and place, whichever layers hold it, so the statement memos
        # below apply across policy sets.
        self._statements: dict[tuple[str, int], _MemoLayer] = {}
        # (principal ARN, resource, has_boundary, context items) -> (memo, set_memo) of _Scope
        self._memos: dict[tuple[object, ...], tuple[dict, dict]] = {}
        # A request as given (its context all strings) -> what its _Scope derives from it
        self._facts: dict[tuple[object, ...], tuple[object, ...]] = {}

    def _layer(self, kind: PolicyKind, members: Sequence[Policy], index: int) -> _Layer:
        key = (kind, index, *map(id, members))
        found = self._layers.get(key)
        if found is None:
            if len(self._layers) >= self.max_layers:
                self._layers.clear()
                self._statements.clear()
            parts = tuple(self._compiled(kind, p) for p in members)
            statements = tuple(s for part in parts for s in part.statements)
            found = self._layers[key] = _MemoLayer(kind, members, index, statements, parts)
        return found

    def _compiled(self, kind: PolicyKind, policy: Policy) -> _MemoLayer:
        """One policy compiled for one place: a layer of its own, which no plan indexes."""
        found = self._statements.get((kind, id(policy)))
        if found is None:
            compiled = tuple(CompiledStatement(policy, s, kind) for s in policy.statements)
            found = self._statements[(kind, id(policy))] = _MemoLayer(kind, (policy,), -1, compiled)
        return found

    def _scope(
        self,
        evaluator: Evaluator,
        principal_arn: str,
        resource: str,
        resource_account: str | None,
        context: Mapping[str, object],
        *,
        resource_is_pattern: bool,
    ) -> _Scope:
        """The evaluator's scope for a request, its caller, completed context and statement
        memos taken from an earlier request with the same fields, when there was one."""
        has_boundary = bool(evaluator._boundaries)
        items = tuple(context.items())
        # Only plain strings: True and 1 are equal keys but different context values.
        key = None
        if all(type(value) is str for _, value in items):
            key = (principal_arn, resource, resource_account, has_boundary, *items)
            found = self._facts.get(key)
            if found is not None:
                caller, normalised, cross_account, memo, set_memo = found
                bounded = has_boundary and _can_have_boundary(caller)  # type: ignore[arg-type]
                scope = _Scope(
                    caller,  # type: ignore[arg-type]
                    resource,
                    normalised,  # type: ignore[arg-type]
                    cross_account=cross_account,  # type: ignore[arg-type]
                    has_boundary=bounded,
                    resource_is_pattern=resource_is_pattern,
                )
                scope.memo, scope.set_memo = memo, set_memo  # type: ignore[assignment]
                return scope
        scope = evaluator._new_scope(
            principal_arn,
            resource,
            resource_account,
            context,
            resource_is_pattern=resource_is_pattern,
        )
        self._share(scope, principal_arn)
        if key is not None:
            if len(self._facts) >= self.max_requests:
                self._facts.clear()
            self._facts[key] = (
                scope.caller,
                scope.context,
                scope.cross_account,
                scope.memo,
                scope.set_memo,
            )
        return scope

    def _share(self, scope: _Scope, principal_arn: str) -> None:
        """Point the scope's statement memos at those of earlier requests that ask the same.

        What a statement's applicability depends on: the resource, the (normalised, completed)
        context, the caller and whether it has a boundary (a NotPrincipal Deny)."""
        key = (principal_arn, scope.resource, scope.has_boundary, *scope.context.items())
        memos = self._memos.get(key)
        if memos is None:
            if len(self._memos) >= self.max_requests:
                self._memos.clear()
            memos = self._memos[key] = (scope.memo, scope.set_memo)
        else:
            scope.memo, scope.set_memo = memos


# Per layer (by _Layer.index), the statements an action can reach. Plans are interned: every
# action that reaches the same statements shares one plan, so a sweep decides each plan once.
_Plan = tuple[_Candidates, ...]


class _Scope:
    """Per-request facts that do not depend on the action, so a sweep computes them once."""

    __slots__ = (
        "as_set",
        "caller",
        "context",
        "cross_account",
        "decisions",
        "has_boundary",
        "memo",
        "resource",
        "set_memo",
    )

    def __init__(
        self,
        caller: PrincipalInfo,
        resource: str,
        context: Context,
        *,
        cross_account: bool,
        has_boundary: bool,
        resource_is_pattern: bool = False,
    ) -> None:
        self.caller = caller
        self.resource = resource
        self.context = context
        self.cross_account = cross_account
        self.has_boundary = has_boundary
        # A pattern resource is read as a set only for actions that have resource types (for
        # the others `*` is the literal resource AWS sees): decided per action by _decide.
        self.as_set = resource_is_pattern and has_wildcard(resource)
        self.memo: dict[CompiledStatement, Via | None] = {}
        self.set_memo: dict[tuple[str, ...], dict[CompiledStatement, Via | None]] = {}
        # (id(plan), strict[, the resource patterns of a set question]) -> decision
        self.decisions: dict[tuple[object, ...], Decision] = {}

    def for_mcp_action(self) -> _Scope:
        """This request on an MCP service's own action, which AWS marks with
        aws:IsMcpServiceAction = true (bot.iam.mcp_actions): a scope of its own, so the
        decisions memoised for other actions stay theirs."""
        return _Scope(
            self.caller,
            self.resource,
            {**self.context, IS_MCP_SERVICE_ACTION: ("true",)},
            cross_account=self.cross_account,
            has_boundary=self.has_boundary,
            resource_is_pattern=self.as_set,  # as_set is the pattern with a wildcard in it
        )

    def applies(self, statement: CompiledStatement, *, as_set: tuple[str, ...] = ()) -> Via | None:
        """Whether a statement (action already matched) applies; ``via`` for principals.

        ``as_set`` holds the resource patterns of a question about a set of resources."""
        memo = self.set_memo.setdefault(as_set, {}) if as_set else self.memo
        try:
            return memo[statement]
        except KeyError:
            pass
        via: Via | None = None
        if as_set:
            reaches = statement.matches_resource_set(as_set, self.context)
        else:
            reaches = statement.matches_resource(self.resource, self.context)
        if reaches and statement.conditions_hold(self.context):
            if statement.kind in ("resource", "rcp"):
                via = statement.principal_via(self.caller, has_boundary=self.has_boundary)
            else:
                via = "wildcard"
        memo[statement] = via
        return via


# --- the evaluator --------------------------------------------------------------------------


class Evaluator:
    """A compiled policy set: ``evaluate`` one request, or sweep many actions at once.

    ``shared``: compiled layers and statement results shared with other evaluators (bulk
    simulation of many policy sets made of the same documents); the answers do not change.
    ``always_allowed=False``: the policies' own verdict on the calls AWS allows whatever they
    say (sts:GetCallerIdentity, a user's sts:GetSessionToken), for a caller that combines
    several such verdicts and applies that rule once itself (bot.iam.effective)."""

    def __init__(
        self,
        policies: PolicySet,
        *,
        shared: SharedCompilation | None = None,
        always_allowed: bool = True,
    ) -> None:
        self.policies = policies
        self._shared = shared
        self._always_allowed = always_allowed
        layers: list[_Layer] = []

        def layer(kind: PolicyKind, members: Sequence[Policy]) -> _Layer:
            if shared is None:
                built = _Layer(kind, members, len(layers))
            else:
                built = shared._layer(kind, members, len(layers))
            layers.append(built)
            return built

        self._identity = layer("identity", policies.identity)
        self._boundaries = tuple(
            layer("permission_boundary", (p,)) for p in policies.permission_boundaries
        )
        self._session = (
            layer("session", (policies.session_policy,)) if policies.session_policy else None
        )
        self._scps = tuple(layer("scp", level) for level in policies.scps)
        self._rcps = tuple(layer("rcp", level) for level in policies.rcps)
        self._resource = (
            layer("resource", (policies.resource_policy,)) if policies.resource_policy else None
        )
        self._layers = tuple(layers)
        # Whether a role trust policy / KMS key policy must be present and allow (see _decide).
        self._must_allow_applies = policies.resource_policy is not None or policies.complete
        self._plans: dict[str, _Plan] = {}
        self._actions: dict[str, tuple[_Plan, bool, bool]] = {}
        self._interned: dict[_Plan, _Plan] = {}

    # -- public API --

    def evaluate(self, request: Request) -> Decision:
        scope = self._scope(
            request.principal_arn,
            request.resource,
            request.resource_account,
            request.context,
            resource_is_pattern=request.resource_is_pattern,
        )
        return self._decide(request.action, scope)

    def allowed_actions(
        self,
        actions: Iterable[str],
        resource: str,
        *,
        principal_arn: str,
        context: Mapping[str, str | Sequence[str]] | None = None,
        resource_account: str | None = None,
        resource_is_pattern: bool = False,
    ) -> dict[str, Decision]:
        """A decision per action for one principal, resource and context (a sweep)."""
        scope = self._scope(
            principal_arn,
            resource,
            resource_account,
            context or {},
            resource_is_pattern=resource_is_pattern,
        )
        return {action: self._decide(action, scope) for action in actions}

    def explain(self, request: Request) -> list[StatementTrace]:
        """Every statement of the set with whether it applied to the request, and why not."""
        scope = self._scope(
            request.principal_arn,
            request.resource,
            request.resource_account,
            request.context,
            resource_is_pattern=request.resource_is_pattern,
        )
        action_lower = request.action.lower()
        as_set = _request_patterns(action_lower, scope.resource) if scope.as_set else ()
        scps_off = self._scps_off(scope) if self._scps else None
        rcps_off = self._rcps_off(scope) if self._rcps else None
        traces: list[StatementTrace] = []
        for layer in self._layers:
            for statement in layer.statements:
                traces.append(
                    _trace(
                        statement,
                        action_lower,
                        scope,
                        as_set=as_set,
                        scps_off=scps_off,
                        rcps_off=rcps_off,
                    )
                )
        return traces

    # -- internals --

    def _scps_off(self, scope: _Scope) -> str | None:
        """Why no SCP limits the scope's caller, or None: SCPs limit the IAM users and roles of
        member accounts (AWS Organizations, "Service control policies (SCPs)"), not the
        management account's, service-linked roles, AWS service principals or an anonymous
        caller. The decision and explain() both ask here."""
        caller = scope.caller
        if _service_linked(caller):
            return "SCPs do not apply to service-linked roles"
        if caller.kind == "service":
            return "SCPs do not apply to an AWS service principal"
        if caller.kind == "anonymous":
            return "SCPs do not apply to an anonymous caller: they limit IAM users and roles"
        if self.policies.principal_in_management_account:
            return "SCPs do not apply to the users and roles of the management account"
        return None

    def _rcps_off(self, scope: _Scope) -> str | None:
        """Why no RCP takes part in the scope's requests whatever the action, as _decide_plan
        decides it (for explain), or None."""
        if self.policies.resource_in_management_account:
            return "RCPs do not apply to resources in the management account"
        if _service_linked(scope.caller):
            return "RCPs do not apply to calls made by service-linked roles"
        if scope.caller.kind == "service" and _is_service_linked_role(scope.resource):
            return "RCPs do not apply to an AWS service assuming its service-linked role"
        return None

    def _scope(
        self,
        principal_arn: str,
        resource: str,
        resource_account: str | None,
        context: Mapping[str, object],
        *,
        resource_is_pattern: bool = False,
    ) -> _Scope:
        if self._shared is not None:
            return self._shared._scope(
                self,
                principal_arn,
                resource,
                resource_account,
                context,
                resource_is_pattern=resource_is_pattern,
            )
        return self._new_scope(
            principal_arn,
            resource,
            resource_account,
            context,
            resource_is_pattern=resource_is_pattern,
        )

    def _new_scope(
        self,
        principal_arn: str,
        resource: str,
        resource_account: str | None,
        context: Mapping[str, object],
        *,
        resource_is_pattern: bool,
    ) -> _Scope:
        caller = parse_principal(principal_arn)
        account = resource_account or _arn_account(resource) or caller.account
        normalised = normalise_context(context)
        _add_request_defaults(normalised, caller, account)
        return _Scope(
            caller,
            resource,
            normalised,
            # An anonymous caller has no account: never cross-account, so a public resource
            # policy alone can let it in.
            cross_account=bool(caller.account) and account != caller.account,
            has_boundary=bool(self._boundaries) and _can_have_boundary(caller),
            resource_is_pattern=resource_is_pattern,
        )

    def _plan(self, action_lower: str) -> _Plan:
        plan = self._plans.get(action_lower)
        if plan is None:
            fresh = tuple(layer.candidates(action_lower) for layer in self._layers)
            plan = self._interned.setdefault(fresh, fresh)
            self._plans[action_lower] = plan
        return plan

    def _decide(self, action: str, scope: _Scope) -> Decision:
        action_lower = action.lower()
        # One lookup per action: its plan, and whether a fixed AWS rule may concern it.
        entry = self._actions.get(action_lower)
        if entry is None:
            entry = (
                self._plan(action_lower),
                action_lower in _FIXED_RULE_ACTIONS,
                is_mcp_service(action_lower.partition(":")[0]),
            )
            self._actions[action_lower] = entry
        plan, special, mcp = entry
        if mcp and IS_MCP_SERVICE_ACTION not in scope.context:
            scope = scope.for_mcp_action()
        if special and self._always_allowed and is_always_allowed(action_lower, scope.caller.kind):
            return Decision(
                "allowed", (), f"{action} needs no permission and no policy can deny it"
            )
        # RCPs govern only the services that support them, and there only the actions that
        # authorize a resource (a sweep's plan may be shared by actions of several services,
        # hence part of the decision's key).
        rcps_apply = bool(self._rcps) and _rcps_govern(action_lower)
        key: tuple[object, ...]
        if scope.as_set:
            as_set = _request_patterns(action_lower, scope.resource)
            # A question about any KMS key (or role) is still about keys: each needs its policy.
            targets = as_set or (scope.resource,)
            strict = self._must_allow_applies and all(
                _resource_policy_must_allow(action_lower, t) for t in targets
            )
            key = (id(plan), strict, as_set, rcps_apply)
        else:
            as_set = ()
            strict = self._must_allow_applies and _resource_policy_must_allow(
                action_lower, scope.resource
            )
            key = (id(plan), strict, rcps_apply)
        decision = scope.decisions.get(key)
        if decision is None:
            decision = self._decide_plan(
                plan, scope, resource_must_allow=strict, as_set=as_set, rcps_apply=rcps_apply
            )
            scope.decisions[key] = decision
        if special and decision.decision != "explicit_deny":
            fixed = never_changeable(action, scope.resource)
            if fixed is not None:
                return Decision("implicit_deny", (), fixed)
        return decision

    def _decide_plan(
        self,
        plan: _Plan,
        scope: _Scope,
        *,
        resource_must_allow: bool,
        as_set: tuple[str, ...] = (),
        rcps_apply: bool = True,
    ) -> Decision:
        """The decision for every action sharing ``plan`` (so reasons never name the action)."""
        caller = scope.caller
        service_linked = _service_linked(caller)
        scps = self._scps if self._scps and self._scps_off(scope) is None else ()
        # RCPs limit requests to the member accounts' resources whoever makes them, AWS service
        # principals included (AWS Organizations, "Resource control policy examples", confused
        # deputy protection); not service-linked roles, nor a service assuming one.
        no_rcps = (
            not rcps_apply
            or service_linked
            or (caller.kind == "service" and _is_service_linked_role(scope.resource))
            or _aws_managed_kms_key(scope.resource)
        )
        rcps = () if no_rcps or self.policies.resource_in_management_account else self._rcps

        # 1. An explicit deny anywhere wins.
        layers = [self._identity, *self._boundaries, *scps, *rcps]
        if self._session:
            layers.append(self._session)
        if self._resource:
            layers.append(self._resource)
        denies = [
            s.matched
            for layer in layers
            for s in plan[layer.index][1]
            if scope.applies(s, as_set=as_set) is not None
        ]
        if denies:
            first = denies[0]
            more = f" (and {len(denies) - 1} more)" if len(denies) > 1 else ""
            return Decision(
                "explicit_deny",
                tuple(denies),
                f"explicitly denied by {_KIND_LABEL[first.kind]} {first.policy!r} "
                f"statement {first.statement}{more}",
            )

        matched: list[MatchedStatement] = []

        def allows(layer: _Layer) -> list[tuple[CompiledStatement, Via]]:
            found = []
            for statement in plan[layer.index][0]:
                via = scope.applies(statement, as_set=as_set)
                if via is not None:
                    found.append((statement, via))
            return found

        # 2. Every RCP and SCP level must allow.
        for label, levels in (("resource control policies (RCPs)", rcps), ("SCPs", scps)):
            for depth, level in enumerate(levels, start=1):
                level_allows = allows(level)
                if not level_allows:
                    return Decision(
                        "implicit_deny",
                        tuple(matched),
                        f"no statement in the {label} at organisation level {depth} of "
                        f"{len(levels)} allows the action",
                    )
                matched += [s.matched for s, _ in level_allows]

        # 3/4. Identity side and resource-based policy.
        # An anonymous caller has no identity of its own for identity policies to attach to.
        identity_allows = allows(self._identity) if caller.kind != "anonymous" else []
        identity_ok = bool(identity_allows) or caller.kind == "root"
        boundary_ok = True
        boundary_matched: list[MatchedStatement] = []
        for boundary in self._boundaries if _can_have_boundary(caller) else ():
            found = allows(boundary)
            boundary_ok = boundary_ok and bool(found)
            boundary_matched += [s.matched for s, _ in found]
        session_allows = allows(self._session) if self._session else []
        # IAM User Guide, "Policy evaluation logic", session policies: with none passed, a role
        # session keeps its role's permissions but an IAM federated user session is implicitly
        # denied. Only when the set is complete: the audit does not know session policies.
        sessionless_federated = (
            self._session is None and self.policies.complete and caller.kind == "federated_user"
        )
        session_ok = (self._session is None and not sessionless_federated) or bool(session_allows)
        resource_allows = allows(self._resource) if self._resource else []

        identity_side = identity_ok and boundary_ok and session_ok
        identity_matched = (
            [s.matched for s, _ in identity_allows]
            + boundary_matched
            + [s.matched for s, _ in session_allows]
        )
        if scope.cross_account:
            if identity_side and resource_allows:
                matched += identity_matched + [s.matched for s, _ in resource_allows]
                return Decision("allowed", tuple(matched), "allowed by both sides (cross-account)")
            matched += [s.matched for s, _ in identity_allows] + [
                s.matched for s, _ in resource_allows
            ]
            if not resource_allows:
                why = (
                    "cross-account request: no resource-based policy allows it"
                    if self._resource
                    else "cross-account request: the resource has no resource-based policy"
                )
            else:
                why = "cross-account request: " + _identity_gap(
                    identity_ok, boundary_ok, session_ok, sessionless=sessionless_federated
                )
            return Decision("implicit_deny", tuple(matched), why)

        if resource_must_allow and not resource_allows:
            matched += identity_matched
            what = _must_allow_label(as_set[0] if as_set else scope.resource)
            if self._resource is None:
                why = (
                    f"the {what} must allow the request even within the account, and the "
                    "request carries none (an identity policy alone is not enough)"
                )
            else:
                why = f"the {what} does not allow the caller, and it must even within the account"
            return Decision("implicit_deny", tuple(matched), why)
        # An IAM user asking a role trust policy (not a KMS key policy) that must allow.
        user_trust = (
            caller.kind == "user"
            and resource_must_allow
            and ":kms:" not in (as_set[0] if as_set else scope.resource)
        )
        granting = [
            s.matched
            for s, via in resource_allows
            if _resource_grants(
                via,
                boundary_ok=boundary_ok,
                session_ok=session_ok,
                federated=caller.kind == "federated_user",
                user_trust=user_trust,
            )
        ]
        if granting:
            matched += granting
            return Decision(
                "allowed", tuple(matched), "allowed by the resource-based policy (same account)"
            )
        if identity_side:
            matched += identity_matched
            if caller.kind == "root" and not identity_allows:
                return Decision(
                    "allowed", tuple(matched), "the account root user has every permission"
                )
            return Decision("allowed", tuple(matched), "allowed by identity-based policies")
        matched += identity_matched + [s.matched for s, _ in resource_allows]
        why = _identity_gap(identity_ok, boundary_ok, session_ok, sessionless=sessionless_federated)
        direct = [via for _, via in resource_allows if via != "account"]
        if direct and not session_ok and not sessionless_federated:
            why = "the resource-based policy allows it, but the session policy does not"
        elif direct and not boundary_ok:
            named = "the user" if caller.kind == "user" else "the role"
            why = f"the resource-based policy allows {named}, but its permissions boundary does not"
        return Decision("implicit_deny", tuple(matched), why)


def asks_about_a_set(request: Request) -> bool:
    """Whether the evaluator reads this request's resource as a set of resources."""
    if not (request.resource_is_pattern and has_wildcard(request.resource)):
        return False
    return bool(_request_patterns(request.action.lower(), request.resource))


def evaluate(request: Request, policies: PolicySet) -> Decision:
    """Evaluate one request; build an :class:`Evaluator` instead when asking many questions."""
    return Evaluator(policies).evaluate(request)


@lru_cache(maxsize=65536)
def _services_of(actions: tuple[str, ...]) -> frozenset[str] | None:
    services: set[str] = set()
    for action in actions:
        service, sep, _ = action.lower().partition(":")
        if not sep or "*" in service or "?" in service:
            return None
        services.add(service)
    return frozenset(services)


# The actions a role trust policy governs.
# Actions some fixed AWS rule (bot.iam.fixed_rules) may decide whatever the policies say.
_FIXED_RULE_ACTIONS = FIXED_ACTIONS | frozenset(ALWAYS_ALLOWED)

_TRUST_ACTIONS = ("sts:assumerole", "sts:tagsession", "sts:setsourceidentity", "sts:setcontext")


def _resource_policy_must_allow(action_lower: str, resource: str) -> bool:
    """Role trust policies and KMS key policies must allow the caller even in the same account.

    The IAM User Guide names them as the exception to "an allow in either the identity or the
    resource policy is enough". Only applied when the policy set carries that resource policy:
    without it the evaluator answers what the identity side allows.
    """
    if action_lower.startswith(_TRUST_ACTIONS) and ":iam::" in resource and ":role/" in resource:
        return True
    return ":kms:" in resource and ":key/" in resource


def _resource_grants(
    via: Via, *, boundary_ok: bool, session_ok: bool, federated: bool, user_trust: bool = False
) -> bool:
    """Whether a same-account resource-policy Allow reached through ``via`` grants on its own.

    IAM User Guide, "How AWS enforcement code logic evaluates requests" (table "Resource-based
    policies and implicit denies in other policy types, same account") and "Session policies":
    - naming a role session (or ``*``, which names it too) is not limited by an implicit deny
      in identity policies or the permissions boundary; an implicit deny in the session policy
      still denies (a session cannot hold more than its session policy allows);
    - naming an IAM federated user session directly grants to the session: neither boundary
      nor session policy limits it (STS API Reference, GetFederationToken: "granted in addition
      to the permissions that are granted by the session policies");
    - naming the IAM user ARN is not limited by identity policies or the boundary, but a
      session policy still limits it;
    - except in a role trust policy (``user_trust``: an IAM user calls, the trust policy must
      allow): however it names the user (its ARN or ``*``), the user's boundary must still
      allow the call (IAM User Guide, "Update a role trust policy": "If a permissions boundary
      is set for the user, then it must allow the sts:AssumeRole action");
    - naming the IAM role ARN needs no identity Allow but is limited by the boundary and the
      session policy (the role's permissions are computed before the session exists);
    - naming a service principal grants to that service;
    - naming the account delegates to the account's identity policies: it grants nothing alone.
    """
    if via == "service":
        return True
    if user_trust and via in ("user", "wildcard"):
        return boundary_ok and session_ok
    if via in ("session", "wildcard"):
        return True if federated else session_ok
    if via == "user":
        return session_ok
    if via == "role":
        return boundary_ok and session_ok
    return False


# AWS Organizations User Guide, "Resource control policies (RCPs)", "List of AWS services that
# support RCPs": "RCPs apply to actions for the following AWS services" (the prefixes below, as the
# page listed them in the copy read, fetched 2026-09-26; S3, STS, KMS, SQS and Secrets Manager at
# launch). Requests to any other service pass RCPs untouched, whatever their Deny statements say.
RCP_SERVICES = frozenset(
    {
        "aoss",
        "appconfig",
        "appstream",
        "autoscaling",
        "autoscaling-plans",
        "budgets",
        "clouddirectory",
        "cloudfront",
        "cloudsearch",
        "cloudtrail-data",
        "codeartifact",
        "codebuild",
        "codecommit",
        "codepipeline",
        "cognito-identity",
        "cognito-idp",
        "comprehend",
        "comprehendmedical",
        "compute-optimizer",
        "cost-optimization-hub",
        "dax",
        "dsql",
        "dynamodb",
        "ecr",
        "ecr-public",
        "events",
        "firehose",
        "fis",
        "fms",
        "gamelift",
        "health",
        "inspector-scan",
        "kendra",
        "kinesisvideo",
        "kms",
        "logs",
        "memorydb",
        "networkmonitor",
        "notifications",
        "opensearch",
        "pca-connector-ad",
        "personalize",
        "polly",
        "pricing",
        "resource-groups",
        "rolesanywhere",
        "s3",
        "secretsmanager",
        "servicediscovery",
        "signin",
        "sqs",
        "sts",
        "support",
        "swf",
        "textract",
        "timestream-influxdb",
        "transcribe",
        "transfer",
        "translate",
        "wafv2",
        "workspaces",
        "xray",
    }
)
# AWS KMS Developer Guide, "Resource control policies in AWS KMS": "The kms:RetireGrant
# permission is not effective in an RCP, even if the Action element specifies an asterisk"
# (and the Organizations page's "Resources and entities not restricted by RCPs").
_RCP_UNGOVERNED_ACTIONS = frozenset({"kms:retiregrant"})


@lru_cache(maxsize=8192)
def _rcps_govern(action_lower: str) -> bool:
    """Whether RCPs take part in a request for this (lower-cased) action.

    AWS Organizations, "Resource control policies (RCPs)", "RCP effects on permissions": "RCPs
    apply to the resources that are authorized as part of an operation request", those of the
    action's "Resource type" column in the Service Authorization Reference, and then the RCPs of
    the resource owner's account. An action with no resource type (s3:ListAllMyBuckets,
    kms:CreateKey) authorizes no account's resource, so no RCP applies to it. An action the
    catalogue does not know keeps its service's RCPs (the stricter reading)."""
    if action_lower.partition(":")[0] not in RCP_SERVICES:
        return False
    if action_lower in _RCP_UNGOVERNED_ACTIONS:
        return False
    info = default_catalogue().action(action_lower)
    return info is None or not info.needs_wildcard_resource


def _aws_managed_kms_key(resource: str) -> bool:
    """A KMS key named by an AWS managed alias (``alias/aws/<service>``; a pattern only when all
    it covers is such aliases). AWS Organizations, "Resources and entities not restricted by
    RCPs": "RCPs do not apply to AWS managed keys for AWS Key Management Service" (also the AWS
    KMS Developer Guide, "Resource control policies in AWS KMS"). AWS reserves the alias/aws/
    prefix for them. Only the alias tells: a key ARN (key/<id>) does not say whether AWS or the
    customer manages the key (DescribeKey's KeyManager does, which a request does not carry),
    so the RCPs stay applied to a key named by its id."""
    parts = resource.split(":", 5)
    return len(parts) == 6 and parts[2] == "kms" and parts[5].startswith("alias/aws/")


def _service_linked(caller: PrincipalInfo) -> bool:
    """A service-linked role or one of its sessions: SCPs and RCPs do not apply to them
    (AWS Organizations User Guide, "Service control policies": "SCPs do not affect
    service-linked roles"). A session ARN carries no path, but service-linked role names
    always begin with AWSServiceRoleFor."""
    if "/aws-service-role/" in caller.arn:
        return True
    return caller.kind == "assumed_role" and caller.name.startswith("AWSServiceRoleFor")


def _can_have_boundary(caller: PrincipalInfo) -> bool:
    """Whether a permissions boundary in the set can be the caller's: IAM sets none on the root
    user, and "You cannot set the boundary for a service-linked role" (IAM API Reference,
    PutRolePermissionsBoundary), so a boundary given for either is not AWS's to apply."""
    return caller.kind != "root" and not _service_linked(caller)


def _is_service_linked_role(resource: str) -> bool:
    """A service-linked role as the resource: RCPs do not restrict an AWS service assuming its
    service-linked role (AWS Organizations User Guide, "Resource control policies (RCPs)")."""
    return ":iam::" in resource and ":role/aws-service-role/" in resource


def _must_allow_label(resource: str) -> str:
    return "KMS key policy" if ":kms:" in resource else "role trust policy"


_ARN_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


@lru_cache(maxsize=16384)
def _request_patterns(action_lower: str, resource: str) -> tuple[str, ...]:
    """The resource patterns a set question stands for; () when it is a literal request.

    An action without resource types only ever sees the literal `*`. For the others `*` means
    any resource of the action's types (from the IAM action data), so a grant on a DynamoDB
    table does not answer a question about s3:GetObject; another pattern stands for itself.
    Unknown actions: the pattern stands for itself.
    """
    info = default_catalogue().action(action_lower)
    if info is not None and info.needs_wildcard_resource:
        return ()
    if resource != "*" or info is None:
        return (resource,)
    formats = [
        _ARN_PLACEHOLDER.sub("*", pattern)
        for resource_type in info.resource_types
        for pattern in resource_type.arn_patterns
    ]
    return tuple(dict.fromkeys(formats)) or (resource,)


def _identity_gap(
    identity_ok: bool, boundary_ok: bool, session_ok: bool, *, sessionless: bool = False
) -> str:
    if not identity_ok:
        return "no identity-based policy allows the action"
    if not boundary_ok:
        return "the permissions boundary does not allow the action"
    if sessionless:
        return "an IAM federated user session without a session policy is implicitly denied"
    if not session_ok:
        return "the session policy does not allow the action"
    return "nothing allows the action"


def _arn_account(resource: str) -> str:
    """The owning account in a resource ARN; ``aws`` (AWS-managed policies) is no account."""
    parts = resource.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and len(parts[4]) == 12 and parts[4].isdigit():
        return parts[4]
    return ""


@lru_cache(maxsize=4096)
def _request_defaults(caller: PrincipalInfo, account: str) -> tuple[tuple[str, tuple[str]], ...]:
    """Keys AWS always puts in the request context for this caller and resource account."""
    defaults: dict[str, str] = {}
    if caller.account:
        defaults["aws:principalaccount"] = caller.account
        defaults["aws:principalarn"] = caller.role_arn or caller.arn
    if caller.principal_type:
        defaults["aws:principaltype"] = caller.principal_type
    if caller.kind == "user":
        defaults["aws:username"] = caller.name
    # IAM User Guide, "IAM policy elements: Variables and tags", "Request information that you
    # can use for policy variables" (the principal table): aws:userid is the account ID for the
    # root user, account:caller-specified-name for an AWS STS federated user principal and
    # "anonymous" for an anonymous caller. (For IAM users and roles it holds unique IDs that an
    # ARN does not carry, so the request must supply it.)
    if caller.kind == "root" and caller.account:
        defaults["aws:userid"] = caller.account
    elif caller.kind == "federated_user" and caller.account:
        defaults["aws:userid"] = f"{caller.account}:{caller.name}"
    elif caller.kind == "anonymous":
        defaults["aws:userid"] = "anonymous"
    defaults["aws:principalisawsservice"] = "true" if caller.kind == "service" else "false"
    # In every request; true only when a service calls on the principal's behalf (forward
    # access sessions), which a request names by setting it.
    defaults["aws:viaawsservice"] = "false"
    if caller.kind == "service":
        defaults["aws:principalservicename"] = caller.arn
    if account:
        defaults["aws:resourceaccount"] = account
    return tuple((key, (value,)) for key, value in defaults.items())


def _add_request_defaults(context: dict[str, tuple[str, ...]], caller: PrincipalInfo, account: str):
    """Fill in the keys AWS always sets, unless the caller supplied them."""
    for key, value in _request_defaults(caller, account):
        if key not in context:
            context[key] = value


def _trace(
    statement: CompiledStatement,
    action_lower: str,
    scope: _Scope,
    *,
    as_set: tuple[str, ...] = (),
    scps_off: str | None = None,
    rcps_off: str | None = None,
) -> StatementTrace:
    def done(applies: bool, why: str) -> StatementTrace:
        m = statement.matched
        return StatementTrace(m.kind, m.policy, m.statement, m.effect, applies, why)

    if not statement.matches_action(action_lower):
        if statement._action_negated:
            return done(False, "NotAction lists the action, so the statement leaves it out")
        return done(False, "Action does not cover the action")
    if statement.kind == "scp" and scps_off is not None:
        return done(False, scps_off)
    if statement.kind == "rcp":
        if action_lower.partition(":")[0] not in RCP_SERVICES:
            return done(False, "RCPs do not apply to this service's requests")
        if not _rcps_govern(action_lower):
            return done(False, "RCPs do not apply to this action: it authorizes no resource")
        if _aws_managed_kms_key(scope.resource):
            return done(False, "RCPs do not apply to AWS managed KMS keys")
        if rcps_off is not None:
            return done(False, rcps_off)
    if as_set:
        if not statement.matches_resource_set(as_set, scope.context):
            if statement.is_deny:
                return done(False, "Resource/NotResource does not cover every resource asked")
            return done(False, "Resource/NotResource shares no resource with the pattern")
    elif not statement.matches_resource(scope.resource, scope.context):
        return done(False, "Resource/NotResource does not cover the resource")
    failing = statement.failing_condition(scope.context)
    if failing is not None:
        where = f"condition {failing.spec.name} on {failing.key_as_written}"
        if not scope.context.get(failing.key):
            # Not "is false": an access key's call carries no aws:MultiFactorAuthPresent, and
            # a Bool false test does not match it (IAM User Guide, aws:MultiFactorAuthPresent).
            return done(False, f"{where} does not hold: the key is not in the request")
        return done(False, f"{where} is false")
    if statement.kind in ("resource", "rcp"):
        via = statement.principal_via(scope.caller, has_boundary=scope.has_boundary)
        if via is None:
            if statement.kind == "resource" and (
                statement.statement.principals is None
                and statement.statement.not_principals is None
            ):
                return done(False, "no Principal element, so the statement names no one")
            return done(False, "Principal/NotPrincipal does not name the caller")
        return done(True, f"applies (principal matched as {via})")
    return done(True, "applies")
