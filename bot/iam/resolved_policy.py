"""One policy made ready for a principal: its conditions resolved, its answers cached.

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
  = false, for "is MFA enforced?") come from bot.iam.effective.EffectivePermissions.with_facts.

With the conditions gone, two questions need no evaluator call, and are answered from the
statements with the evaluator's own rules and ARN matcher (test_effective checks both agree):
- an action whose matching statements are all on Resource "*" gets the same answer for every
  resource, so it is decided once per action;
- the literal Resource "*" (what "unrestricted" means) matches a statement only through a `*`
  pattern or a NotResource that does not cover it.
Everything else (specific resources, policy variables) is asked of the evaluator.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, TypeVar

from bot.iam.chosen_suffix import ChosenSuffix, FactValue, condition_outcome
from bot.iam.compiled import ActionSpace, CompiledPolicy, compile_statements
from bot.iam.conditions import CompiledCondition
from bot.iam.evaluator import Decision, Evaluator, PolicySet, Request
from bot.iam.fixed_rules import FIXED_ACTIONS, never_changeable
from bot.iam.matching import LITERAL_STAR, action_matcher, arn_matcher
from bot.iam.mcp_actions import mcp_only
from bot.iam.policy import Condition, Policy, PolicyParseError, Statement, parse_policy
from bot.iam.principals import parse_principal
from bot.iam.type_wide import TypeWideTest
from bot.iam.variables import VARIABLE_SPAN
from bot.model.snapshot import PolicyDocument

ABSENT: tuple[str, ...] = ()  # a fact saying "this key is not in the request"
_VARIABLE = re.compile(r"\$\{\s*([^}',]+?)\s*(?:,[^}]*)?\}")


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


# json.dumps builds an encoder per call, which costs as much as encoding a small document
# (110,000 one-statement inline policies: half of the hashing time); these are built once.
_KEY_TEXT = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode
_PLAIN_TEXT = json.JSONEncoder(default=str).encode


def document_key(document: PolicyDocument) -> str:
    text = _KEY_TEXT(document)
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def fixed_value(
    facts: Mapping[str, FactValue], tags: Mapping[str, str], key: str
) -> FactValue | None:
    """The fixed value of a condition key, ABSENT, None when the caller controls it, or a
    ChosenSuffix when the snapshot fixes only its start (a role's aws:userid)."""
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


_T = TypeVar("_T")


def _per_statement(
    cache: dict[Any, Any] | None,
    name: str,
    statement: Statement,
    make: Callable[[Statement], _T],
) -> _T:
    """``make(statement)`` once per parsed statement: a policy resolved for each of 10,000
    principals keeps one copy of what is derived from its statements. The parse cache holds
    the parsed statements for the whole audit, so their ids stay theirs (and the statement is
    kept beside its answer, so no other can take its id)."""
    if cache is None:
        return make(statement)
    key = (name, id(statement))
    found = cache.get(key)
    if found is None or found[0] is not statement:
        found = cache[key] = (statement, make(statement))
    return found[1]  # type: ignore[no-any-return]


def _unconditioned(statement: Statement, cache: dict[Any, Any] | None) -> Statement:
    """The statement without its (decided) conditions."""
    return _per_statement(cache, "unconditioned", statement, _without_conditions)


def _without_conditions(statement: Statement) -> Statement:
    return replace(statement, conditions=())


def _mcp_only(statement: Statement, cache: dict[Any, Any] | None) -> Statement | None:
    """bot.iam.mcp_actions.mcp_only: a narrowed statement keeps one identity."""
    return _per_statement(cache, "mcp_only", statement, mcp_only)


@lru_cache(maxsize=65536)
def _literal_holds(condition: Condition, value: tuple[str, ...]) -> bool:
    """Whether a condition without policy variables holds for one key value: the same answer
    for every principal with that value (a policy naming aws:username resolves per principal,
    its conditions on other keys need not be tested again)."""
    try:
        compiled = CompiledCondition(
            condition.operator, condition.key, condition.values, variables=False
        )
        return compiled.holds({condition.key.lower(): value})
    except (ValueError, TypeError):
        return False  # AWS does not match a condition it cannot parse


def parse_source(
    source: PolicySource, cache: dict[Any, Any] | None = None
) -> tuple[Policy, str | None, frozenset[str]]:
    """(parsed policy, parse error, policy variables it names), once per document and name
    when a cache is given: a managed policy reaches thousands of principals. A document
    parsed well under one name is not parsed again under another (an inline policy copied
    onto thousands of users): its statements are shared, only the name is this source's."""
    key = (source.key, source.name) if source.key and cache is not None else None
    if key is not None:
        found = cache.get(key)  # type: ignore[union-attr]
        if found is not None:
            return found
        parsed_before = cache.get((source.key, None))  # type: ignore[union-attr]
        if parsed_before is not None:
            first, _, names = parsed_before
            renamed = Policy(
                name=source.name,
                version=first.version,
                statements=first.statements,
                id=first.id,
                document=source.document,
            )
            cache[key] = found = (renamed, None, names)  # type: ignore[index]
            return found
    text = _PLAIN_TEXT(source.document)
    variables = (
        frozenset(m.group(1).lower() for m in _VARIABLE.finditer(text))
        if "${" in text
        else frozenset()
    )
    error: str | None = None
    try:
        parsed = parse_policy(source.document, name=source.name)
    except PolicyParseError as exc:
        # IAM never stores a malformed policy; if one reaches us it grants nothing.
        error = str(exc)
        parsed = Policy(name=source.name, version="", statements=())
    result = (parsed, error, variables)
    if key is not None:
        cache[key] = result  # type: ignore[index]
        if error is None:  # an error names the policy: another name parses again
            cache.setdefault((source.key, None), result)  # type: ignore[union-attr]
    return result


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
class StarFacts:
    """One policy's answers on Resource `*` for the actions of a list (lower-case)."""

    allow: frozenset[str]
    deny: frozenset[str]


class ResolvedPolicy:
    """A policy with its conditions resolved for a set of facts, and a decision cache."""

    __slots__ = (
        "_action_answers",
        "_broad",
        "_by_action",
        "_context",
        "_evaluator",
        "_literals",
        "_principal_arn",
        "_star",
        "_subsets",
        "_tests",
        "all_star",
        "assumptions",
        "cache",
        "canonical",
        "compiled",
        "error",
        "policy",
        "source",
    )

    def __init__(
        self,
        source: PolicySource,
        facts: Mapping[str, FactValue],
        tags: Mapping[str, str],
        principal_arn: str,
        *,
        shared: dict[Any, Any] | None = None,
        parsed_cache: dict[Any, Any] | None = None,
    ) -> None:
        """``parsed_cache``: a dict (one per audit) keeping each document parsed once, however
        many principals and groups it reaches.

        ``shared``: a dict (one per audit) through which policies whose resolved statements
        are identical share the answers that depend on the statements only (which statements
        match an action, which actions of a list they can match, their answers on `*`): the
        same managed policy reached through 200 groups, or an inline document copied onto
        hundreds of users, is then worked out once instead of once per copy."""
        self.source = source
        self.error: str | None = None
        self.assumptions: list[str] = []
        self.cache: dict[tuple[str, str], tuple[str, tuple[Grant, ...]]] = {}
        self._literals: dict[str, tuple[str, ...]] = {}
        self._subsets: dict[tuple[str, ...], Any] = {}
        self._star: dict[str, StarFacts] = {}  # answers on `*` per action list
        # Conditions are resolved below, so the request context only serves policy variables;
        # keeping just the keys they name spares the evaluator normalising the rest every call.
        parsed, self.error, variables = parse_source(source, parsed_cache)
        # A principal tag is a request key too (`${aws:PrincipalTag/team}` in a Resource
        # renders to the caller's tag): read from the tags, as conditions on it are.
        self._context = {
            k: list(value)
            for k in variables
            if isinstance(value := fixed_value(facts, tags, k), tuple) and value
        }
        self.policy = self._resolve(parsed, facts, tags, variables, parsed_cache)
        # One compiled action test per statement, built on the first action asked (then run
        # for every action asked); many policies are answered from their bitsets alone.
        self._tests: tuple[tuple[Statement, Callable[[str], bool]], ...] | None = None
        # Every statement on Resource "*" (and no condition is left): the policy answers each
        # action the same way for every resource.
        self.all_star = all(st.resources == ("*",) for st in self.policy.statements)
        self._evaluator: Evaluator | None = None  # compiled on first use: many never need it
        self._by_action: dict[str, tuple[Statement, ...]] = {}
        self._principal_arn = principal_arn
        # The first policy with these statements, this label and this caller account: it
        # answers as this one does for every action no statement holding a policy variable
        # matches (CompiledPolicy.varies), so projections on such actions can be shared by
        # principals whose copies differ only in ${aws:username} (see PolicySetView).
        self.canonical: ResolvedPolicy = self
        if shared is not None:
            # Answers on `*` depend on the caller when a policy variable is involved.
            self._share(shared, with_star=not variables)
        self._action_answers: dict[str, tuple[str, tuple[Grant, ...]] | None] = {}
        self.compiled: CompiledPolicy | None = None  # see compile_for
        self._broad: bool | None = None  # see may_be_type_wide

    def compile_for(self, space: ActionSpace) -> CompiledPolicy:
        """The statements as action bitsets (bot.iam.compiled), built once per distinct
        statement list and shared with every policy holding the same statements."""
        compiled = self.compiled
        if compiled is None:
            compiled = self._subsets.get(_COMPILED_KEY)
            if compiled is None:
                compiled = compile_statements(space, self.policy.statements)
                self._subsets[_COMPILED_KEY] = compiled
            self.compiled = compiled
        return compiled

    def _share(self, shared: dict[Any, Any], *, with_star: bool) -> None:
        try:
            key = ("statements", self.policy.version, self.policy.statements)
            caches = shared.get(key)
        except TypeError:  # a statement holding something unhashable: keep our own caches
            return
        if caches is None:
            caches = shared[key] = (self._by_action, self._subsets, self._star, {})
        self._by_action, self._subsets = caches[0], caches[1]
        if with_star:
            self._star = caches[2]
        alike = (self.source.label(), _caller_class(self._principal_arn))
        canonicals: dict[tuple[str, Any], ResolvedPolicy] = caches[3]
        self.canonical = canonicals.setdefault(alike, self)

    def _resolve(
        self,
        policy: Policy,
        facts: Mapping[str, FactValue],
        tags: Mapping[str, str],
        names: frozenset[str],
        cache: dict[Any, Any] | None = None,
    ) -> Policy:
        """The policy with each statement's conditions decided or assumed (``cache``: the
        audit's parse cache, which also keeps each statement's unconditioned copy)."""
        if not any(statement.conditions for statement in policy.statements):
            return policy  # nothing to resolve (most AWS-managed policies): the parsed form
        variables = policy.substitutes_variables
        # A value fixed only in part (a role's aws:userid) renders no variable.
        context: dict[str, Any] = {
            k: v for k, v in facts.items() if not isinstance(v, ChosenSuffix)
        }
        # A condition value may name the caller's tag (`${aws:PrincipalTag/team}`): rendered
        # from its tags, as the request AWS evaluates carries them.
        for name in names:
            if name.startswith("aws:principaltag/"):
                context[name] = fixed_value(facts, tags, name)
        kept: list[Statement] = []
        for written in policy.statements:
            where = f"{self.source.name} statement {written.label}"
            statement = _mcp_only(written, cache)
            if statement is None:
                self.assumptions.append(
                    f"{where}: applies only to MCP services' actions (aws:IsMcpServiceAction),"
                    " which it does not name, ignored"
                )
                continue
            if statement is not written:
                self.assumptions.append(
                    f"{where}: applies only to MCP services' actions (aws:IsMcpServiceAction)"
                )
            attacker_controlled: list[str] = []
            applies = True
            for condition in statement.conditions:
                key = condition.key.lower()
                value = fixed_value(facts, tags, key)
                if isinstance(value, ChosenSuffix):
                    # Decided when every value the caller can pick concludes alike.
                    outcome = condition_outcome(condition.operator, condition.values, value)
                    if outcome is False:
                        applies = False
                        break
                    if outcome:
                        continue
                    value = None
                if value is None:
                    attacker_controlled.append(f"{condition.operator} {condition.key}")
                    continue
                if not any("${" in v for v in condition.values):
                    holds = _literal_holds(condition, value)  # the usual case, shared
                else:
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
            if not applies:
                self.assumptions.append(
                    f"{where}: condition {condition.operator} {condition.key} is false for"
                    " this principal's own requests at the audit time, ignored"
                )
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
            kept.append(_unconditioned(statement, cache) if statement.conditions else statement)
        return replace(policy, statements=tuple(kept))

    # ---- quick tests used to skip evaluator calls that cannot matter ----
    def may_allow(self, action_lower: str) -> bool:
        return bool(self._effects(action_lower) & _ALLOW)

    def may_deny(self, action_lower: str) -> bool:
        return bool(self._effects(action_lower) & _DENY)

    def _effects(self, action_lower: str) -> int:
        """The effects of the statements matching an action, as bits (asked ~100 times per
        action; small ints cost no memory per entry)."""
        key = ("effects", action_lower)
        found = self._subsets.get(key)
        if found is None:
            found = 0
            for st in self._matching(action_lower):
                found |= _ALLOW if st.effect == "Allow" else _DENY
            self._subsets[key] = found
        return found

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

    def scoped_subset(self, label: str, actions: frozenset[str], expand: Expander):
        """Actions of a list some statement naming specific resources can match: the only
        ones whose answer may differ from one resource to another."""
        key = ("scoped", label)
        found = self._subsets.get(key)
        if found is None:
            hits: set[str] = set()
            for statement in self.policy.statements:
                if statement.resources == ("*",):
                    continue
                if statement.actions is not None:
                    hits |= expand(statement.actions) & actions
                else:
                    hits |= actions - expand(statement.not_actions or ())
            found = frozenset(hits)
            self._subsets[key] = found
        return found

    def star_facts(self, label: str, actions: frozenset[str], expand: Expander) -> StarFacts:
        """This policy's own answers on Resource `*` for the actions of a named list."""
        found = self._star.get(label)
        if found is None:
            allows = self.subset("Allow", label, actions, expand)
            denies = self.subset("Deny", label, actions, expand)
            if self.all_star:
                # Statements on `*` apply to `*`: matching a Deny denies, else an Allow allows.
                found = StarFacts(allows - denies, denies)
            else:
                decisions = self.decide_many(sorted(allows | denies), "*")
                found = StarFacts(
                    frozenset(a for a, d in decisions.items() if d == "allowed"),
                    frozenset(a for a, d in decisions.items() if d == "explicit_deny"),
                )
            self._star[label] = found
        return found

    def cached_star_facts(self, label: str) -> StarFacts | None:
        return self._star.get(label)

    def type_wide(self, action_lower: str, covers: TypeWideTest) -> bool:
        """Whether an Allow statement matching the action names Resource patterns that reach
        every resource of its types in the account (bot.iam.type_wide): as broad as `*` for
        the unrestricted-access questions, though the literal `*` does not match them."""
        for st in self._matching(action_lower):
            patterns = _broad_patterns(st)
            if patterns and covers.covers(action_lower, patterns):
                return True
        return False

    def type_wide_among(
        self, label: str, actions: frozenset[str], expand: Expander, covers: TypeWideTest
    ) -> frozenset[str]:
        """The actions of a named list :meth:`type_wide` holds for; once per distinct statement
        list and list, statement by statement: most policies name `*` or single resources,
        and one look at their patterns settles them."""
        if not self.may_be_type_wide(expand, covers):
            return _NONE
        key = ("type_wide", label)
        found = self._subsets.get(key)
        if found is None:
            hits: set[str] = set()
            for statement in self.policy.statements:
                patterns = _broad_patterns(statement)
                if not patterns:
                    continue
                if statement.actions is not None:
                    reached = expand(statement.actions) & actions
                else:
                    reached = actions - expand(statement.not_actions or ())
                # One question per service first: `arn:aws:s3:::reports-7/*` reaches no
                # s3 type whole, whichever of the list's s3 actions asks.
                services: dict[str, bool] = {}
                for action in reached - hits:
                    prefix = action.partition(":")[0]
                    possible = services.get(prefix)
                    if possible is None:
                        possible = services[prefix] = covers.may_cover_in(prefix, patterns)
                    if possible and covers.covers(action, patterns):
                        hits.add(action)
            found = frozenset(hits)
            self._subsets[key] = found
        return found

    def may_be_type_wide(self, expand: Expander, covers: TypeWideTest) -> bool:
        """Whether :meth:`type_wide` may hold for some action: an Allow statement's broad
        patterns could reach a whole type of one of its actions' services. Most policies
        name `*` or one bucket's objects (`arn:aws:s3:::reports-7/*`, no s3 type whole):
        every principal's every list then skips them at once. Once per statement list."""
        found = self._broad
        if found is None:
            # Shared by the policies holding these statements (one per principal, often).
            found = self._subsets.get(_POSSIBLE_KEY)
            if found is None:
                found = self._subsets[_POSSIBLE_KEY] = any(
                    _may_reach_a_type(st, expand, covers) for st in self.policy.statements
                )
            self._broad = found
        return found

    def cached_type_wide(self, label: str) -> frozenset[str]:
        """:meth:`type_wide_among`'s answer when it was asked (else none)."""
        if self._broad is False:
            return _NONE  # no statement may reach a whole type
        return self._subsets.get(("type_wide", label), _NONE)

    def allow_literals(self, action_lower: str) -> tuple[str, ...]:
        """Resource patterns of the Allow statements that match an action (candidate targets)."""
        found = self._literals.get(action_lower)
        if found is None:
            patterns: list[str] = []
            for statement in self._matching(action_lower):
                if statement.effect == "Allow" and statement.resources:
                    patterns.extend(statement.resources)
            found = tuple(dict.fromkeys(patterns))
            self._literals[action_lower] = found
        return found

    def allow_resources(self, action_lower: str) -> tuple[str, ...] | None:
        """The Resource patterns of the Allow statements matching an action; None when one of
        them uses NotResource (it covers all but its patterns, so no list bounds it)."""
        patterns: list[str] = []
        for statement in self._matching(action_lower):
            if statement.effect != "Allow":
                continue
            if statement.resources is None:
                return None
            patterns.extend(statement.resources)
        return tuple(patterns)

    def _compiled(self) -> Evaluator:
        evaluator = self._evaluator
        if evaluator is None:
            # Shared by the copies with these statements (a managed policy naming
            # ${aws:username} is resolved per principal): the variables' values and the caller
            # come with each request, and only statement labels are kept from its answers.
            evaluator = self._subsets.get(_EVALUATOR_KEY)
            if evaluator is None:
                # This one policy's verdict: which calls AWS allows whatever the policies say
                # depends on the caller's kind, and the principal combining the verdicts
                # applies that (this copy is shared by users and roles alike).
                evaluator = Evaluator(PolicySet(identity=[self.policy]), always_allowed=False)
                self._subsets[_EVALUATOR_KEY] = evaluator
            self._evaluator = evaluator
        return evaluator

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
            tests = self._tests
            if tests is None:
                tests = self._tests = tuple((st, _action_test(st)) for st in self.policy.statements)
            found = tuple(st for st, test in tests if test(action_lower))
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

    def _on_star(self, action_lower: str) -> tuple[str, tuple[Grant, ...]] | None:
        """The answer for the literal Resource `*`, from the statements and the evaluator's own
        ARN matcher (no conditions are left); None when a policy variable needs rendering."""
        matched = self._matching(action_lower)
        applying: list[Statement] = []
        for st in matched:
            patterns = st.resources if st.resources is not None else st.not_resources
            if patterns is None:
                applying.append(st)
                continue
            if any("${" in p for p in patterns):
                if st.resources is None:
                    # A NotResource applies only when every entry renders (IAM User Guide,
                    # "Policy variables": a variable AWS cannot resolve can make the whole
                    # statement invalid); the caller's values decide: ask the evaluator.
                    return None
                if any(_STAR_CAPABLE.issuperset(VARIABLE_SPAN.sub("", p)) for p in patterns):
                    return None  # a variable might render to a wildcard: ask the evaluator
                matches = False  # a literal character besides the variables: never `*`
            else:
                matches = _matches_literal_star(patterns)
            if matches != (st.resources is None):
                applying.append(st)
        label = self.source.label()
        denies = tuple(Grant(label, st.label, "Deny") for st in applying if st.effect == "Deny")
        allows = tuple(Grant(label, st.label, "Allow") for st in applying if st.effect == "Allow")
        if denies:
            return ("explicit_deny", denies)
        if allows:
            return ("allowed", allows)
        return ("implicit_deny", ())

    def _on_resource(
        self, action_lower: str, resource: str
    ) -> tuple[str, tuple[Grant, ...]] | None:
        """The answer for one concrete resource from the statements and the evaluator's own ARN
        matcher, as the evaluator decides an identity policy with no conditions left: a
        matching Deny whose Resource (NotResource) covers it denies, else such an Allow allows.

        None (ask the evaluator) when a pattern holds a policy variable, when the caller is not
        a user or role (the root user and anonymous callers follow other rules) and when the
        resource belongs to another account (then a resource policy must allow it too).
        """
        if not self.decides_locally(resource):
            return None
        applying: list[Statement] = []
        for st in self._matching(action_lower):
            patterns = st.resources if st.resources is not None else st.not_resources
            if patterns is None:
                applying.append(st)
                continue
            if any("${" in p for p in patterns):
                return None
            if arn_matcher(patterns)(resource) != (st.resources is None):
                applying.append(st)
        label = self.source.label()
        denies = tuple(Grant(label, st.label, "Deny") for st in applying if st.effect == "Deny")
        if denies:
            return ("explicit_deny", denies)
        allows = tuple(Grant(label, st.label, "Allow") for st in applying if st.effect == "Allow")
        if allows:
            return ("allowed", allows)
        return ("implicit_deny", ())

    def decides_locally(self, resource: str) -> bool:
        """Whether the identity policies alone decide a request on the resource: the caller
        is a user or role of an account, and the resource is that account's (or no
        account's). Otherwise the root user's, anonymous or cross-account rules apply."""
        caller = parse_principal(self._principal_arn)
        if caller.kind not in ("user", "role") or not caller.account:
            return False
        owner = _arn_account(resource)
        return not owner or owner == caller.account

    def resource_independent(self, action_lower: str) -> bool:
        """Whether this policy answers the action the same way for every resource."""
        return self.all_star or self.shortcut(action_lower) is not None

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
        decided = self._decide(action, resource)
        if decided[0] == "allowed" and never_changeable_request(action, resource):
            return _NOT_CHANGEABLE
        return decided

    def _decide(self, action: str, resource: str) -> tuple[str, tuple[Grant, ...]]:
        lowered = action.lower()
        shortcut = self.shortcut(lowered)
        if shortcut is not None:
            return shortcut
        key = (lowered, resource)
        cached = self.cache.get(key)
        if cached is None:
            cached = (
                self._on_star(lowered) if resource == "*" else self._on_resource(lowered, resource)
            )
            if cached is not None:
                self.cache[key] = cached
                _STATS["by_action"] += 1
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
            if cached is None and resource == "*":
                cached = self.decide(action, resource)
            if cached is None:
                missing.append(action)
            elif cached[0] == "allowed" and never_changeable_request(action, resource):
                result[action] = _NOT_CHANGEABLE[0]
            else:
                result[action] = cached[0]
        if missing:
            swept = self._compiled().allowed_actions(
                missing, resource, principal_arn=self._principal_arn, context=self._context
            )
            for action, decision in swept.items():
                result[action] = self._remember((action.lower(), resource), decision)[0]
                if result[action] == "allowed" and never_changeable_request(action, resource):
                    result[action] = _NOT_CHANGEABLE[0]
        return result


_STATS = {"evaluations": 0, "by_action": 0}
_COMPILED_KEY = ("compiled",)  # one action space per audit index, so one compiled form
_EVALUATOR_KEY = ("evaluator",)


def evaluation_count() -> int:
    """How many evaluator calls this process made for effective permissions (for benchmarks)."""
    return _STATS["evaluations"]


def decision_count() -> int:
    """Every per-policy decision made: evaluator calls plus Resource-"*" policies decided by
    action alone (for benchmarks)."""
    return _STATS["evaluations"] + _STATS["by_action"]


_ALLOW = 1
_DENY = 2
_STAR_CAPABLE = frozenset("*?" + LITERAL_STAR)


_NONE: frozenset[str] = frozenset()
_POSSIBLE_KEY = ("may_be_type_wide",)


def _may_reach_a_type(statement: Statement, expand: Expander, covers: TypeWideTest) -> bool:
    """Whether the statement's broad patterns may reach a whole resource type of a service
    one of its actions belongs to (a NotAction: any service)."""
    patterns = _broad_patterns(statement)
    if not patterns:
        return False
    if statement.actions is None:
        return True
    services: set[str] = set()
    for pattern in statement.actions:
        service = pattern.partition(":")[0].lower()
        if "*" in service or "?" in service:  # `*`, `s3*`: the services it expands to
            services.update(a.partition(":")[0] for a in expand((pattern,)))
        else:
            services.add(service)
    return any(covers.may_cover_in(service, patterns) for service in services)


def _broad_patterns(statement: Statement) -> tuple[str, ...]:
    """An Allow statement's Resource patterns that may reach every resource of a type: not `*`
    itself (that is the answer on `*`, which a NotResource Deny may refuse while sparing every
    probe ARN) and no policy variable (it renders per caller). Which of them do is
    bot.iam.type_wide's question."""
    if statement.effect != "Allow" or statement.resources is None:
        return ()
    return _broad_of(statement.resources)


@lru_cache(maxsize=16384)
def _broad_of(resources: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(p for p in resources if p.strip("*") and "${" not in p)


def _caller_class(principal_arn: str) -> tuple[str, str]:
    """(account, kind of principal: ``user``, ``role``...) of a caller's ARN: all the evaluator
    takes from the caller besides the policy variables (the caller's kind decides a few
    always-allowed actions, its account what is cross-account)."""
    parts = principal_arn.split(":", 5)
    if len(parts) < 6:
        return ("", principal_arn)
    return (parts[4], parts[5].split("/", 1)[0])


def _arn_account(resource: str) -> str:
    """The owning account in a resource ARN, by the evaluator's rule (bot.iam.evaluator):
    a 12-digit account segment; ``aws`` (AWS-managed policies) is no account."""
    parts = resource.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and len(parts[4]) == 12 and parts[4].isdigit():
        return parts[4]
    return ""


def _matches_literal_star(patterns: tuple[str, ...]) -> bool:
    """Whether the one-character Resource `*` matches a pattern list. Only a pattern made of
    wildcards alone can match it, so the regex of every other pattern (thousands of ARNs in a
    big account, each compiled once) is never built just to answer no."""
    if not any(_STAR_CAPABLE.issuperset(pattern) for pattern in patterns):
        return False
    return arn_matcher(patterns)("*")


def _action_test(statement: Statement) -> Callable[[str], bool]:
    """Whether the statement's Action (or NotAction) covers a lower-cased action."""
    if statement.actions is not None:
        return action_matcher(statement.actions)
    excluded = action_matcher(statement.not_actions or ())
    return lambda action_lower: not excluded(action_lower)


def referenced_keys(document: PolicyDocument) -> frozenset[str]:
    """Condition keys and policy variables a document mentions (lower-case)."""
    keys = set(condition_keys(document))
    text = _PLAIN_TEXT(document)
    if "${" in text:
        keys.update(m.group(1).lower() for m in _VARIABLE.finditer(text))
    return frozenset(keys)


def condition_keys(document: PolicyDocument) -> frozenset[str]:
    """The condition keys a document's statements test (lower-case), variables aside."""
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
    return frozenset(keys)


# A fixed AWS rule (bot.iam.fixed_rules) refuses some writes to AWS-owned resources whatever a
# policy allows; the evaluator applies it, and so must every answer given without it here.
_NOT_CHANGEABLE: tuple[str, tuple[Grant, ...]] = ("implicit_deny", ())


def never_changeable_request(action: str, resource: str) -> bool:
    """Whether AWS refuses the action on the resource whatever the policies allow (an
    AWS-managed policy, a service-linked role...): an Allow there decides nothing."""
    return (
        resource != "*" and action.lower() in FIXED_ACTIONS and _never_changeable(action, resource)
    )


@lru_cache(maxsize=65536)
def _never_changeable(action: str, resource: str) -> bool:
    """Asked for every allowed IAM write on every probe ARN of every policy set (900,000 times
    on an account of 15,000 sets): the few (action, probe) pairs answered once."""
    return never_changeable(action, resource) is not None
