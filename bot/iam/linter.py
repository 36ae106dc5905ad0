"""The policy linter: what is wrong with a policy document before anyone relies on it.

`lint_policy` parses the document (IAM's own grammar, `bot.iam.policy`), then runs every rule on
the statements that parse. A malformed statement is reported and skipped; the others are still
linted so one typo does not hide the rest. Rules live in `lint_*` modules by concern; this module
holds the action rules and the orchestration.
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from bot.iam.catalogue import ActionCatalogue, ActionInfo, is_resource_tag_key
from bot.iam.conditions import UnknownOperatorError, parse_operator
from bot.iam.lint_arns import lint_arns
from bot.iam.lint_broad_grants import lint_broad_grants
from bot.iam.lint_condition_values import (
    condition_value_types,
    lint_condition_shape,
    lint_condition_values,
    lint_denied_pairs,
)
from bot.iam.lint_conditions import lint_conditions
from bot.iam.lint_context import LintContext
from bot.iam.lint_detect import TRUST_RESOURCE_TYPE, detect_policy_type
from bot.iam.lint_document import RESOURCE_TYPES, lint_document, lint_resource_type
from bot.iam.lint_keys import lint_condition_keys
from bot.iam.lint_mfa import lint_mfa_lockout
from bot.iam.lint_model import (
    INVALID_POLICY_VARIABLE,
    MALFORMED,
    NOT_ACTION_ALLOW,
    POLICY_TYPES,
    RESOURCE_MISMATCH,
    UNKNOWN_ACTION,
    UNKNOWN_SERVICE,
    WILDCARD_SENSITIVE,
    LintFinding,
    PolicyType,
    finding,
    sort_key,
)
from bot.iam.lint_principals import lint_principals, lint_trust_actions
from bot.iam.lint_redundancy import lint_redundancy, lint_redundant_entries
from bot.iam.lint_resources import (
    SHARED_PREFIXES,
    action_fits_resources,
    covering_services,
    covers_every_resource,
    format_service,
    may_be_covered,
    pattern_covers_format,
    pattern_covers_wildcard,
    pattern_matches_format,
    pattern_service,
    service_formats,
    split_formats,
)
from bot.iam.lint_risk import lint_risk
from bot.iam.lint_sensitive import lint_sensitive, normalise_sensitive
from bot.iam.lint_variables import lint_variables
from bot.iam.matching import has_wildcard
from bot.iam.mcp_actions import mcp_only
from bot.iam.policy import (
    VARIABLE_IN_ACTION_REASON,
    VERSION_2008,
    VERSION_2012,
    Policy,
    PolicyParseError,
    Statement,
    parse_policy,
)
from bot.model.severity import Severity

# How many action names a finding's detail lists, and its message names, before counting.
_LISTED_ACTIONS = 20
_NAMED_IN_MESSAGE = 5
# How bot.iam.policy words a repeated Sid; DUPLICATE_SID reports it with AWS's severity per type.
_DUPLICATE_SID_REASON = "Statement IDs (SID) must be unique"
# Actions a role trust policy may name (AWS rejects others in AssumeRolePolicyDocument).
_TRUST_ACTIONS = frozenset(
    {
        "sts:assumerole",
        "sts:assumerolewithsaml",
        "sts:assumerolewithwebidentity",
        "sts:tagsession",
        "sts:setsourceidentity",
        "sts:setcontext",
    }
)


StatementRule = Callable[[Statement, LintContext], list[LintFinding]]
PolicyRule = Callable[[LintContext], list[LintFinding]]


def lint_policy(
    document: Mapping[str, Any] | str,
    *,
    catalogue: ActionCatalogue,
    policy_type: PolicyType | None = "identity",
    resource_type: str | None = None,
    capabilities: bool = False,
    sensitive: Mapping[str, Iterable[str]] | None = None,
) -> list[LintFinding]:
    """Every finding for one policy document (a dict or JSON text), in statement order.

    `policy_type=None` detects the type from the document (`detect_policy_type`);
    `resource_type` (e.g. `AWS::S3::Bucket`) enables the checks that need it; `capabilities`
    adds what the policy lets its holder do (privilege escalation, credentials exposure,
    permissions management: Parliament's community auditors, opt-in there too), which are
    true of a policy that works as intended, so not part of "is this policy right";
    `sensitive` ({action: [resource patterns]}) reports grants of those (SENSITIVE_ACCESS).
    """
    if policy_type is None:
        policy_type = detect_policy_type(document, resource_type=resource_type).policy_type
    elif policy_type == "resource" and resource_type == TRUST_RESOURCE_TYPE:
        # A role trust policy is the resource policy of this type (ValidatePolicy's
        # RESOURCE_POLICY + AWS::IAM::AssumeRolePolicyDocument): IAM's trust rules apply
        # (alphanumeric Sids, no Resource, no NotPrincipal), as when the type is detected.
        policy_type = "trust"
    if policy_type not in POLICY_TYPES:
        raise ValueError(f"unknown policy type {policy_type!r} (use one of {POLICY_TYPES})")
    if resource_type is not None and resource_type not in RESOURCE_TYPES:
        raise ValueError(
            f"unknown resource type {resource_type!r} (use one of {', '.join(RESOURCE_TYPES)})"
        )
    findings: list[LintFinding] = []
    statements = _parse(document, findings, policy_type)
    ctx = LintContext(
        catalogue=catalogue,
        policy_type=policy_type,
        statements=statements,
        document=_as_mapping(document),
        resource_type=resource_type,
        capabilities=capabilities,
        sensitive=normalise_sensitive(sensitive),
        text_length=len(document) if isinstance(document, str) else None,
    )
    for statement in statements:
        findings.extend(_statement_findings(statement, ctx))
    if not any(
        f.code == MALFORMED and f.statement is None and f.detail.get("kind") != "duplicate_key"
        for f in findings
    ):  # a repeated top-level key is read as its last value: the document still parses
        for policy_rule in POLICY_RULES:
            findings.extend(policy_rule(ctx))
    return sorted(findings, key=sort_key)


# Caches keyed by an action pattern: enough for the whole catalogue (22,000 actions), so a
# policy set naming thousands of distinct actions does not evict and recompute them.
_PER_ACTION = 32768

# Statement rules' answers, by everything they may look at but the statement's position
# (see `_statement_key`): policies repeat statements (the same S3 or logs grant in many inline
# policies, at any position), so an audit lints each distinct statement once. Bounded: oldest
# first out. Holds (the index the findings were made for, the findings).
_STATEMENT_CACHE_SIZE = 32768
_statement_cache: dict[Hashable, tuple[int, tuple[LintFinding, ...]]] = {}


def _statement_key(statement: Statement, ctx: LintContext) -> Hashable | None:
    """What the position-free statement rules read: the parsed statement less its index and
    Sid (no statement rule reads the Sid: its checks are `lint_document`'s, a policy rule; a
    statement rule reading it must add it here), what they read of its raw JSON (`ctx.raw`:
    whether Condition is an empty object, for EMPTY_ELEMENT, and the JSON types of condition
    values that are not strings, for a list mixing them: parsing makes 1 and "1" one value;
    a rule reading more of it must add that here), the Version, the policy's type, resource
    type and sensitive list, and the catalogue. None when the statement cannot be a key (a
    Principal mapping).

    Policies repeat a statement under other Sids (a copied grant renamed), so leaving the Sid
    out lets those share one answer."""
    condition = ctx.raw(statement).get("Condition")
    key = (
        statement.effect,
        statement.actions,
        statement.not_actions,
        statement.resources,
        statement.not_resources,
        statement.principals,
        statement.not_principals,
        statement.conditions,
        isinstance(condition, Mapping) and not condition,
        condition_value_types(condition) if statement.conditions else (),
        ctx.version,
        ctx.policy_type,
        ctx.resource_type,
        ctx.capabilities,
        ctx.sensitive,
        ctx.catalogue,
    )
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _statement_findings(statement: Statement, ctx: LintContext) -> list[LintFinding]:
    """Every statement rule's findings for one statement. `_structure` names the index in its
    message, so it runs every time; the other rules use the index only as their findings'
    `statement`, so their answer is computed once per distinct key and moved to this index."""
    findings = _structure(statement, ctx.policy_type)
    if matches_nothing(statement):
        # An empty Action / Resource list or a Principal naming nobody: the statement grants or
        # denies nothing, so what the other rules say of its breadth would be false.
        return findings
    key = _statement_key(statement, ctx)
    cached = None if key is None else _statement_cache.get(key)
    if cached is None:
        found = tuple(f for rule in _POSITION_FREE_RULES for f in rule(statement, ctx))
        if key is not None:
            if len(_statement_cache) >= _STATEMENT_CACHE_SIZE:
                del _statement_cache[next(iter(_statement_cache))]
            _statement_cache[key] = (statement.index, found)
        findings.extend(found)
        return findings
    made_for, found = cached
    if made_for == statement.index:
        findings.extend(found)
    else:
        index = statement.index
        findings.extend(
            LintFinding(f.code, f.severity, index, f.message, f.detail)
            if f.statement == made_for
            else f
            for f in found
        )
    return findings


def _as_mapping(document: Mapping[str, Any] | str) -> Mapping[str, Any] | None:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return None
    return document if isinstance(document, Mapping) else None


# --- parsing -----------------------------------------------------------------------------------


def _parse(
    document: Mapping[str, Any] | str,
    findings: list[LintFinding],
    policy_type: PolicyType = "identity",
) -> tuple[Statement, ...]:
    """Statements that parse; every reason IAM would reject the document becomes MALFORMED."""
    if isinstance(document, str):
        findings.extend(_duplicate_keys(document))
    if policy_type == "resource":
        document = _expand_api_gateway_short_form(document)
    try:
        policy = parse_policy(document, name="")
    except PolicyParseError as error:
        hint = not_a_policy_hint(document)
        if hint is not None:  # one clear sentence instead of "unknown elements / no Statement"
            findings.append(finding(MALFORMED, None, hint, {"reason": hint}))
            return ()
        # The finding carries its statement index; "Statement 2: " in the message would say it
        # twice ("statement 2: ... Statement 2: ..."). The AWS-style reason keeps it.
        problems = [(i, r) for i, r in error.problems if not r.startswith(_DUPLICATE_SID_REASON)]
        findings.extend(_parse_problem(index, reason) for index, reason in problems)
        return _salvage(document)
    return policy.statements


class _Pairs(list[tuple[str, Any]]):
    """A JSON object as its (key, value) pairs in order, a repeated key kept."""


def _duplicate_keys(text: str) -> list[LintFinding]:
    """Keys repeated within one JSON object. IAM's policy grammar ("Policy grammar notes"):
    "Individual elements must not contain multiple instances of the same key", e.g. Effect
    twice. A JSON reader keeps one of them (Python's and most: the last), so the other is
    silently dropped: two StringEquals blocks in one Condition leave only the second's tests,
    a broader grant than the author wrote. Only text shows this; a parsed dict has lost it."""
    try:
        tree = json.loads(text, object_pairs_hook=_Pairs)
    except ValueError:
        return []  # parse_policy reports the syntax error
    findings: list[LintFinding] = []

    def walk(node: Any, path: tuple[str | int, ...], statement: int | None) -> None:
        if isinstance(node, _Pairs):
            counts = Counter(key for key, _ in node)
            for key, count in counts.items():
                if count > 1:
                    where = "/".join(str(p) for p in (*path, key))
                    findings.append(
                        finding(
                            MALFORMED,
                            statement,
                            f"{where} appears {count} times in one object; IAM's grammar allows"
                            " a key once, and only the last is read, so the others are ignored:"
                            " merge them",
                            {"kind": "duplicate_key", "key": key, "path": [*path, key]},
                        )
                    )
            for key, value in node:
                if path == () and key == "Statement" and isinstance(value, _Pairs):
                    walk(value, ("Statement",), 0)
                    continue
                walk(value, (*path, key), statement)
        elif isinstance(node, list):
            for index, item in enumerate(node):
                inner = index if path == ("Statement",) else statement
                walk(item, (*path, index), inner)

    walk(tree, (), None)
    return findings


def _parse_problem(index: int | None, reason: str) -> LintFinding:
    """A reason IAM would reject the document: MALFORMED, or INVALID_POLICY_VARIABLE for a
    variable in Action (high: IAM refuses the policy)."""
    message = reason.removeprefix(f"Statement {index}: ")
    if VARIABLE_IN_ACTION_REASON in reason:
        return finding(
            INVALID_POLICY_VARIABLE,
            index,
            message,
            {"kind": "unsupported_element", "element": "Action", "reason": reason},
            severity=Severity.HIGH,
        )
    return finding(MALFORMED, index, message, {"reason": reason})


def not_a_policy_hint(document: Mapping[str, Any] | str) -> str | None:
    """What a JSON object without a Statement most likely is, when we recognise it.

    People lint the answer of an AWS CLI call, or a JSON file that sits next to their
    policies; naming the wrapper and where the policy is inside it saves a puzzled minute.
    """
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return None
    if not isinstance(document, Mapping) or "Statement" in document:
        return None
    schema = document.get("schema")
    if isinstance(schema, str) and schema.startswith("iam-audit/"):
        return f"not a policy document: an iam-audit file ({schema}); lint the policies it names"
    version = document.get("PolicyVersion")
    if isinstance(version, Mapping) and "Document" in version:
        return (
            "not a policy document: the answer of `aws iam get-policy-version`; lint its"
            " PolicyVersion.Document (add --query PolicyVersion.Document --output json)"
        )
    if "PolicyDocument" in document:
        return (
            "not a policy document: the answer of an `aws iam get-*-policy` call; lint its"
            " PolicyDocument (add --query PolicyDocument --output json)"
        )
    role = document.get("Role")
    if isinstance(role, Mapping) and "AssumeRolePolicyDocument" in role:
        return (
            "not a policy document: the answer of `aws iam get-role`; lint its trust policy"
            " with --type trust (add --query Role.AssumeRolePolicyDocument --output json)"
        )
    return None


# API Gateway Developer Guide, "API Gateway resource policy examples": a REST API's resource
# policy names its own methods as execute-api:/STAGE/METHOD/PATH, which API Gateway expands to
# arn:aws:execute-api:REGION:ACCOUNT:API-ID/STAGE/METHOD/PATH when it saves the policy.
_API_GATEWAY_SHORT_FORM = "execute-api:/"
_API_GATEWAY_EXPANDED = "arn:aws:execute-api:*:*:*/"


def _expand_api_gateway_short_form(
    document: Mapping[str, Any] | str,
) -> Mapping[str, Any] | str:
    """The document with each execute-api:/... Resource written as the ARN it stands for (the
    API's own region, account and ID, unknown here, as wildcards); unchanged without one."""
    text = document if isinstance(document, str) else None
    if text is not None and _API_GATEWAY_SHORT_FORM not in text:
        return document
    mapping = _as_mapping(document)
    if mapping is None:
        return document
    raw = mapping.get("Statement")
    items = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(items, list):
        return document

    def expanded(value: Any) -> Any:
        if isinstance(value, str) and value.startswith(_API_GATEWAY_SHORT_FORM):
            return _API_GATEWAY_EXPANDED + value.removeprefix(_API_GATEWAY_SHORT_FORM)
        if isinstance(value, list):
            return [expanded(v) for v in value]
        return value

    changed = False
    statements: list[Any] = []
    for item in items:
        if not isinstance(item, Mapping):
            statements.append(item)
            continue
        new = {k: expanded(v) if k in ("Resource", "NotResource") else v for k, v in item.items()}
        changed = changed or new != item
        statements.append(new)
    if not changed:
        return document
    return {**mapping, "Statement": statements if isinstance(raw, list) else statements[0]}


def _salvage(document: Mapping[str, Any] | str) -> tuple[Statement, ...]:
    """The statements of a malformed document that parse on their own, with their real index."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return ()
    if not isinstance(document, Mapping):
        return ()
    raw = document.get("Statement")
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list):
        return ()
    # An invalid Version is reported already; the statements are judged on their own merits.
    version = document.get("Version")
    prologue = {"Version": version} if version in (VERSION_2012, VERSION_2008) else {}
    salvaged: list[Statement] = []
    for index, item in enumerate(raw):
        # Without its Sid: a duplicate Sid is reported already and must not drop the statement.
        alone = {k: v for k, v in item.items() if k != "Sid"} if isinstance(item, Mapping) else item
        single = {**prologue, "Statement": [alone]}
        try:
            policy: Policy = parse_policy(single)
        except PolicyParseError:
            continue
        sid = item.get("Sid") if isinstance(item, Mapping) else None
        salvaged.extend(
            replace(s, index=index, sid=sid if isinstance(sid, str) and sid else None)
            for s in policy.statements
        )
    return tuple(salvaged)


def _structure(statement: Statement, policy_type: PolicyType) -> list[LintFinding]:
    """Elements a policy of this type must or must not have (IAM's per-type rules)."""
    reasons: list[str] = []
    has_principal = statement.principals is not None or statement.not_principals is not None
    has_resource = statement.resources is not None or statement.not_resources is not None
    if policy_type in ("identity", "boundary", "scp") and has_principal:
        reasons.append("Policy document should not specify a principal")
    if policy_type in ("resource", "trust") and not has_principal:
        reasons.append("Missing required field Principal")
    # Resource policies may leave Resource out (an ECR repository policy has none).
    if policy_type in ("identity", "boundary", "scp") and not has_resource:
        reasons.append("Policy statement must contain resources")
    if policy_type == "trust":
        if has_resource:
            reasons.append("Has prohibited field Resource")
        named = [*(statement.actions or ()), *(statement.not_actions or ())]
        for action in named:
            if not has_wildcard(action) and action.lower() not in _TRUST_ACTIONS:
                reasons.append(
                    f"AssumeRolePolicy policy: action {action} is not valid in a trust policy"
                )
    return [
        finding(MALFORMED, statement.index, f"Statement {statement.index}: {r}", {"reason": r})
        for r in reasons
    ] + _empty_elements(statement)


def matches_nothing(statement: Statement) -> bool:
    """Whether an empty element leaves the statement matching no request: an empty Action or
    Resource list, or a Principal object whose every type lists nobody (``{}`` too)."""
    principals = statement.principals
    return (
        statement.actions == ()
        or statement.resources == ()
        or (isinstance(principals, Mapping) and not any(principals.values()))
    )


def _empty_elements(statement: Statement) -> list[LintFinding]:
    """An empty Action, Resource or Principal list, or an empty Principal object: IAM takes it
    and the statement matches no request (Access Analyzer's "Empty array action / principal /
    resource", "Empty object principal": suggestions), so LOW, kind "empty"."""
    empty: list[str] = []
    if statement.actions == ():
        empty.append("Action is an empty list")
    if statement.resources == ():
        empty.append("Resource is an empty list")
    principals = statement.principals
    if isinstance(principals, Mapping):
        if not principals:
            empty.append("Principal is an empty object")
        empty.extend(
            f"Principal {kind} is an empty list" for kind, v in principals.items() if not v
        )
    return [
        finding(
            MALFORMED,
            statement.index,
            f"Statement {statement.index}: {what}: it names nothing, so the statement matches"
            " no request; remove the statement or fill the element in",
            {"reason": what, "kind": "empty"},
            severity=Severity.LOW,
        )
        for what in empty
    ]


# --- actions -----------------------------------------------------------------------------------


def _lint_actions(statement: Statement, catalogue: ActionCatalogue) -> list[LintFinding]:
    findings: list[LintFinding] = []
    element = "Action" if statement.actions is not None else "NotAction"
    for pattern in statement.actions or statement.not_actions or ():
        if pattern == "*":
            continue
        prefix = pattern.partition(":")[0]
        if ":" in pattern and has_wildcard(prefix):
            # IAM: "MalformedPolicyDocument: Action vendors (e.g., aws, ec2, etc.) must not
            # contain wildcards"; the Action element takes a wildcard in the name, or "*" alone.
            findings.append(
                finding(
                    MALFORMED,
                    statement.index,
                    f"{element} {pattern!r}: IAM rejects a wildcard in the service prefix"
                    ' (only the action name may have one, or "*" alone); name each service',
                    {"action": pattern, "service": prefix, "kind": "service_wildcard"},
                )
            )
            continue
        if catalogue.expand(pattern):
            continue
        if not has_wildcard(prefix) and not catalogue.service_exists(prefix):
            suggestions = list(_similar_services(prefix.lower(), catalogue))
            findings.append(
                finding(
                    UNKNOWN_SERVICE,
                    statement.index,
                    f"{element} {pattern!r}: there is no AWS service with prefix {prefix!r}"
                    + _did_you_mean(suggestions),
                    {"action": pattern, "service": prefix, "suggestions": suggestions},
                )
            )
            continue
        suggestions = _similar_actions(pattern, catalogue)
        findings.append(
            finding(
                UNKNOWN_ACTION,
                statement.index,
                f"{element} {pattern!r} matches no action of {prefix}" + _did_you_mean(suggestions),
                {"action": pattern, "service": prefix, "suggestions": suggestions},
            )
        )
    return findings


@lru_cache(maxsize=4096)
def _similar_services(prefix: str, catalogue: ActionCatalogue) -> tuple[str, ...]:
    """Close service prefixes, for a "did you mean"; cached: retired services recur."""
    return tuple(difflib.get_close_matches(prefix, catalogue.services(), n=3, cutoff=0.5))


def _similar_actions(pattern: str, catalogue: ActionCatalogue) -> list[str]:
    return list(_similar_actions_cached(pattern, catalogue))


@lru_cache(maxsize=4096)
def _similar_actions_cached(pattern: str, catalogue: ActionCatalogue) -> tuple[str, ...]:
    prefix, _, name = pattern.partition(":")
    if has_wildcard(prefix) or has_wildcard(name):
        return ()
    names = {full.partition(":")[2].lower(): full for full in catalogue.expand(f"{prefix}:*")}
    return tuple(names[n] for n in difflib.get_close_matches(name.lower(), names, n=3))


def _did_you_mean(suggestions: list[str]) -> str:
    return f" (did you mean {', '.join(suggestions)}?)" if suggestions else ""


def _lint_resource_fit(statement: Statement, catalogue: ActionCatalogue) -> list[LintFinding]:
    """Actions that can never apply to the statement's Resource (s3:ListBucket on objects)."""
    if not statement.actions or not statement.resources or "*" in statement.resources:
        return []  # an empty list is MALFORMED (kind "empty") already
    return [
        finding(
            RESOURCE_MISMATCH,
            statement.index,
            f"{name} cannot apply to {', '.join(statement.resources)}: {expectation}",
            {
                "action": name,
                "resources": list(statement.resources),
                "expected_resource_types": list(wanted),
            },
        )
        for name, expectation, wanted in _misfits(catalogue, statement.actions, statement.resources)
    ]


@lru_cache(maxsize=8192)
def _misfits(
    catalogue: ActionCatalogue, actions: tuple[str, ...], resources: tuple[str, ...]
) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(action or pattern, what it acts on, its resource types) for each Action entry that fits
    none of the resources; cached because many policies repeat the same statement."""
    misfits: list[tuple[str, str, tuple[str, ...]]] = []
    for pattern in actions:
        if pattern == "*":
            continue
        if not catalogue.expand(pattern) or _pattern_fits(catalogue, pattern, resources):
            continue
        # Explicit action, or a wildcard none of whose actions fit: the pattern does nothing here.
        misfits.append(_what_it_acts_on(catalogue, pattern))
    return tuple(misfits)


@lru_cache(maxsize=_PER_ACTION)
def _what_it_acts_on(catalogue: ActionCatalogue, pattern: str) -> tuple[str, str, tuple[str, ...]]:
    """(action or pattern, what it acts on, its resource types) for a misfit's message: the
    pattern's alone, so one copy serves every statement it misfits (thousands, in a large
    account: these strings were a sixth of the linter's memory)."""
    infos = [i for i in map(catalogue.action, sorted(catalogue.expand(pattern))) if i is not None]
    wanted = tuple(
        sorted(
            {
                f"{rt.name} ({fmt})" if fmt else rt.name
                for info in infos
                for rt in info.resource_types
                for fmt in (split_formats(rt.arn_patterns) or ("",))
            }
        )
    )
    name = infos[0].full_name if len(infos) == 1 and not has_wildcard(pattern) else pattern
    if not wanted:
        expectation = "it supports no resource-level permissions, so its Resource must be '*'"
    else:
        expectation = "it acts on " + "; ".join(wanted[:_NAMED_IN_MESSAGE])
        if len(wanted) > _NAMED_IN_MESSAGE:
            # ec2:* names 100+ resource types: five of them read as if they were all.
            expectation += f"; and {len(wanted) - _NAMED_IN_MESSAGE} more resource types"
    return (name, expectation, wanted)


def _sensitive(
    catalogue: ActionCatalogue,
    actions: tuple[str, ...] | None,
    not_actions: tuple[str, ...] | None,
) -> tuple[tuple[str, ...], int]:
    """Write / permissions-management actions with resource-level permissions that an Action
    or NotAction list grants, and how many are permissions management (cached).

    Permissions-management actions come first (each group sorted): they are the ones that open
    resources to others, so they are the ones a shortened list must still name. The answer
    reads the lists as sets, so it is cached by their sets: the same grants come in many orders.
    """
    return _sensitive_of(
        catalogue,
        None if actions is None else frozenset(actions),
        None if not_actions is None else frozenset(not_actions),
    )


@lru_cache(maxsize=8192)
def _sensitive_of(
    catalogue: ActionCatalogue,
    actions: frozenset[str] | None,
    not_actions: frozenset[str] | None,
) -> tuple[tuple[str, ...], int]:
    if actions is not None:
        granted = catalogue.expand_all(actions)
    else:
        granted = catalogue.expand_not_action(not_actions or ())
    granted = granted & catalogue.resource_scoped_actions()
    permissions = granted & catalogue.permission_changing_actions()
    writes = granted & catalogue.actions_by_access_level("Write")
    return tuple(sorted(permissions)) + tuple(sorted(writes - permissions)), len(permissions)


def _lint_not_action(
    statement: Statement, catalogue: ActionCatalogue, policy_type: PolicyType
) -> list[LintFinding]:
    # In SCPs and boundaries an Allow only sets a ceiling, so "all but X" is the usual idiom.
    if statement.effect != "Allow" or statement.not_actions is None:
        return []
    if policy_type in ("scp", "boundary"):
        return []
    count = len(catalogue.expand_not_action(statement.not_actions))
    return [
        finding(
            NOT_ACTION_ALLOW,
            statement.index,
            f"Allow with NotAction grants every action except {', '.join(statement.not_actions)}"
            f" ({count} actions today, and any AWS adds later); list the actions to allow",
            {"not_actions": list(statement.not_actions), "actions_allowed": count},
        )
    ]


def _lint_wildcard(
    statement: Statement, catalogue: ActionCatalogue, policy_type: PolicyType
) -> list[LintFinding]:
    """Write / permissions-management actions on Resource "*" when they could be scoped.

    Actions without resource-level permissions can only ever be granted on "*": not a finding.
    """
    # Only identity policies grant on "*" = everything: in a resource policy "*" means the
    # resource it is attached to (KMS key policies always say so), and SCPs / boundaries only
    # set ceilings.
    if statement.effect != "Allow" or policy_type != "identity":
        return []
    narrowed = mcp_only(statement)  # only the MCP services' actions: bot.iam.mcp_actions
    if narrowed is None or narrowed.resources is None:
        return []
    statement = narrowed
    if "*" not in statement.resources and not _may_cover_everything(
        catalogue, statement.actions, statement.resources
    ):
        return []  # named resources only: nothing is granted on everything
    sensitive, permissions = _sensitive(catalogue, statement.actions, statement.not_actions)
    where = "Resource '*'"
    if "*" not in statement.resources:
        # A pattern such as arn:*:cloudtrail:*:*:trail/* is '*' for the actions it fits.
        sensitive, permissions = _everything_of_type(catalogue, sensitive, statement.resources)
        where = "Resource " + ", ".join(statement.resources) + " (every resource of its type)"
    if not sensitive:
        return []
    scoped_by = _scoping_condition_keys(statement)
    if scoped_by:
        severity = Severity.INFO  # scoped the way AWS documents: nothing to fix
        advice = (
            f"; the {', '.join(scoped_by)} condition limits which resources it reaches"
            " (AWS's documented way to scope this grant), so this is for information"
        )
    elif statement.conditions:
        severity = Severity.LOW  # conditions may well scope what "*" reaches
        advice = "; name the resources instead"
    elif permissions:
        severity = Severity.HIGH
        advice = "; name the resources instead"
    else:
        severity = Severity.MEDIUM
        advice = "; name the resources instead"
    by_service = _count_by_service(sensitive)
    detail: dict[str, Any] = {
        "actions": list(sensitive[:_LISTED_ACTIONS]),
        "count": len(sensitive),
        "permissions_management": permissions,
        "has_conditions": bool(statement.conditions),
        "service_count": len(by_service),
        "top_services": dict(by_service[:_LISTED_ACTIONS]),
    }
    if scoped_by:
        detail["scoped_by"] = list(scoped_by)
    return [
        finding(
            WILDCARD_SENSITIVE,
            statement.index,
            f"{where} with {len(sensitive)} write/permissions-management"
            f" action{'' if len(sensitive) == 1 else 's'} that"
            f" support resource-level permissions{_sensitive_summary(sensitive, by_service)}"
            + advice,
            detail,
            severity=severity,
        )
    ]


# Condition keys whose positive test is AWS's documented way to scope a grant on "*": the
# service a role may be passed to (reference_policies_examples_iam-passrole-service.html, and
# PASS_ROLE_WILDCARD's own remedy) and the resource's tags (ABAC: iam-assume-tagged-role,
# ec2-start-stop-match-tags: a tag key follows the prefix). Lower-cased.
_SCOPING_KEYS = frozenset({"iam:passedtoservice", "iam:awsservicename"})


def _scoping_condition_keys(statement: Statement) -> tuple[str, ...]:
    """The keys of the statement's conditions that scope what a grant on "*" reaches: a
    positive String test (no IfExists, no ForAllValues / ForAnyValue) of a scoping key with
    values that are not just wildcards. Such a test fails when the key is absent, so every
    action the statement grants is either limited by it or not granted at all. A negated test
    (StringNotEquals: every other tag value, untagged resources included), an IfExists one
    (true when the key is absent) or another key leaves the finding as it was. ``Null`` of a
    resource tag key with ``false`` (any value of the tag, as StringLike ``*``) does not: any
    resource someone tagged so is in. iam:AWSServiceName fixes which service-linked role
    iam:CreateServiceLinkedRole may create (IAM User Guide, "Service-linked role permission")."""
    keys: list[str] = []
    for condition in statement.conditions:
        key = condition.key.lower()
        if key not in _SCOPING_KEYS and not is_resource_tag_key(key):
            continue
        try:
            spec = parse_operator(condition.operator)
        except UnknownOperatorError:
            continue
        if spec.family != "String" or spec.negated or spec.if_exists or spec.qualifier:
            continue
        values = condition.values
        if not values or any(not v.strip().strip("*?") for v in values):
            continue  # no value, or a value such as "*" that any tag or service matches
        if condition.key not in keys:
            keys.append(condition.key)
    return tuple(keys)


@lru_cache(maxsize=8192)
def _may_cover_everything(
    catalogue: ActionCatalogue, actions: tuple[str, ...] | None, resources: tuple[str, ...]
) -> bool:
    """A cheap pre-check: whether some Resource pattern covers every resource of a type one of
    the statement's actions acts on (a NotAction statement may reach any type: assume so)."""
    if not any("*" in r or "?" in r for r in resources):
        return False
    if actions is None:
        return True
    services = covering_services(resources)
    patterns = frozenset(actions)
    # Covering every resource of some type needs a pattern covering one of its formats: each
    # format of the representatives asked once first (`s3:*` is 20 shapes of 12 formats).
    if not any(
        pattern_covers_format(resource, arn_format)
        for arn_format in _cover_formats(catalogue, patterns, services)
        for resource in resources
    ):
        return False
    representatives = _cover_representatives(catalogue, patterns, services)
    return any(covers_every_resource(info, resources) for info in representatives)


@lru_cache(maxsize=4096)
def _cover_formats(
    catalogue: ActionCatalogue, actions: frozenset[str], services: frozenset[str] | None
) -> tuple[str, ...]:
    """Every ARN format of the cover representatives' resource types, each once."""
    return tuple(
        dict.fromkeys(
            arn_format
            for info in _cover_representatives(catalogue, actions, services)
            for resource_type in info.resource_types
            for arn_format in split_formats(resource_type.arn_patterns)
        )
    )


def _pattern_fits(catalogue: ActionCatalogue, pattern: str, resources: tuple[str, ...]) -> bool:
    """Whether some action the pattern expands to can apply to one of the resources. An action
    fits a list when it fits one of its entries, so this is asked per (pattern, entry), cached:
    statements pair the same grants with different lists of the same ARNs."""
    if not resources:
        return any(
            action_fits_resources(info, resources)
            for info in _fit_representatives(catalogue, pattern)
        )
    nameable = _nameable_services(catalogue, pattern.partition(":")[0].lower())
    for resource in resources:
        service = _service_of(resource)
        # No resource type of the pattern's service has an ARN of this resource's service (nor
        # is the entry the `*` an action without resource types is asked on). Known per
        # service, before the per-(pattern, service) test below (22,000 actions x 3 services
        # of a few listed ARNs overflowed its cache).
        if nameable is not None and service is not None and service.lower() not in nameable:
            continue
        # No action of the pattern acts on this resource's service: no pair worth caching
        # (300 listed actions against 5 ARNs, most of other services, is 1,500 pairs).
        if _fit_test(catalogue, pattern, service).never:
            continue
        if _pattern_fits_one(catalogue, pattern, resource):
            return True
    return False


@lru_cache(maxsize=1024)
def _nameable_services(catalogue: ActionCatalogue, prefix: str) -> frozenset[str] | None:
    """The ARN services the resource types of a service prefix may have, None when unknown
    (a wildcard prefix, a prefix two pages share, a type without an ARN format)."""
    if not prefix or has_wildcard(prefix) or prefix in SHARED_PREFIXES:
        return None
    return catalogue.arn_services(prefix)


@lru_cache(maxsize=65536)
def _service_of(resource: str) -> str | None:
    return pattern_service(resource)


@lru_cache(maxsize=65536)
def _pattern_fits_one(catalogue: ActionCatalogue, pattern: str, resource: str) -> bool:
    """Whether some action of the pattern fits the one Resource entry: `action_fits_resources`
    of each representative, asked through their formats, each format once (`s3:*`'s shapes
    share a dozen formats)."""
    test = _fit_test(catalogue, pattern, _service_of(resource))
    return (
        test.always
        or (test.wildcard and pattern_covers_wildcard(resource))
        or any(pattern_matches_format(resource, arn_format) for arn_format in test.formats)
    )


@dataclass(frozen=True, slots=True)
class _FitTest:
    """What `action_fits_resources` asks of one entry, for every representative at once: an
    action fits when one of its resource types has no ARN format (`always`), when it has no
    resource type and the entry matches `*` (`wildcard`), or when the entry matches one of its
    formats (`formats`: a shared prefix's are all of its service's)."""

    always: bool
    wildcard: bool
    formats: tuple[str, ...]

    @property
    def never(self) -> bool:
        return not (self.always or self.wildcard or self.formats)


@lru_cache(maxsize=_PER_ACTION)
def _fit_test(catalogue: ActionCatalogue, pattern: str, service: str | None) -> _FitTest:
    """The fit test of the pattern's representatives for entries of ``service`` (None: an
    entry whose service is not literal)."""
    representatives = (
        _fit_representatives(catalogue, pattern)
        if service is None
        else _fit_representatives_in(catalogue, pattern, service)
    )
    always = wildcard = False
    formats: dict[str, None] = {}
    for info in representatives:
        if not info.resource_types:
            wildcard = True
        elif info.service in SHARED_PREFIXES:
            formats.update(dict.fromkeys(service_formats(info.service)))
        else:
            for resource_type in info.resource_types:
                if not resource_type.arn_patterns:
                    always = True
                formats.update(dict.fromkeys(split_formats(resource_type.arn_patterns)))
    return _FitTest(always, wildcard, tuple(formats))


@lru_cache(maxsize=_PER_ACTION)
def _fit_representatives_in(
    catalogue: ActionCatalogue, pattern: str, service: str
) -> tuple[ActionInfo, ...]:
    """:func:`_fit_representatives` less those no ARN of ``service`` can fit: every ARN
    format of theirs names another service literally (pattern_matches_format's shortcut).
    `ec2:*` against an S3 ARN then tries no ec2 format at all."""
    return tuple(
        info
        for info in _fit_representatives(catalogue, pattern)
        if not info.resource_types
        or info.service in SHARED_PREFIXES
        or any(
            not resource_type.arn_patterns
            or any(
                format_service(arn_format) in (None, service)
                for arn_format in split_formats(resource_type.arn_patterns)
            )
            for resource_type in info.resource_types
        )
    )


@lru_cache(maxsize=_PER_ACTION)
def _fit_representatives(catalogue: ActionCatalogue, pattern: str) -> tuple[ActionInfo, ...]:
    """One action per distinct answer-deciding shape among those a pattern expands to:
    `action_fits_resources` reads only an action's resource types' ARN formats and whether
    its service shares its prefix, and `s3:*` is 180 actions of a few dozen shapes."""
    shapes: dict[Hashable, ActionInfo] = {}
    for info in map(catalogue.action, catalogue.expand(pattern)):
        if info is not None:
            shared = info.service if info.service in SHARED_PREFIXES else ""
            shape = (shared, tuple(rt.arn_patterns for rt in info.resource_types))
            shapes.setdefault(shape, info)
    return tuple(shapes.values())


@lru_cache(maxsize=4096)
def _cover_representatives(
    catalogue: ActionCatalogue,
    actions: frozenset[str],
    services: frozenset[str] | None = None,
) -> tuple[ActionInfo, ...]:
    """One action per distinct shape for `covers_every_resource`, which reads only the
    resource types' ARN formats and whether each is required; with ``services``, less those
    whose formats none of them names (a pattern of those services covers none of their
    resources).

    Cached by the set of patterns, from each pattern's own shapes: policies list the same
    few patterns in thousands of orders and combinations, and `s3:*` alone is 180 actions."""
    if services is not None:
        return tuple(
            info
            for info in _cover_representatives(catalogue, actions)
            if may_be_covered(info, services)
        )
    shapes: dict[Hashable, ActionInfo] = {}
    for pattern in actions:
        for shape, info in _cover_shapes(catalogue, pattern):
            shapes.setdefault(shape, info)
    return tuple(shapes.values())


@lru_cache(maxsize=_PER_ACTION)
def _cover_shapes(
    catalogue: ActionCatalogue, pattern: str
) -> tuple[tuple[Hashable, ActionInfo], ...]:
    """(shape, one action of that shape) for the actions one pattern expands to."""
    shapes: dict[Hashable, ActionInfo] = {}
    for info in map(catalogue.action, catalogue.expand(pattern)):
        if info is not None:
            shapes.setdefault(
                tuple((rt.arn_patterns, rt.required) for rt in info.resource_types), info
            )
    return tuple(shapes.items())


@lru_cache(maxsize=8192)
def _everything_of_type(
    catalogue: ActionCatalogue, sensitive: tuple[str, ...], resources: tuple[str, ...]
) -> tuple[tuple[str, ...], int]:
    """The sensitive actions some Resource pattern grants on every resource of their type."""
    if not any("*" in r or "?" in r for r in resources):
        return (), 0
    changing = catalogue.permission_changing_actions()
    # Create* actions make the resource the pattern names: naming it ahead is rarely possible
    # (AWS's self-service MFA example allows iam:CreateVirtualMFADevice on mfa/*).
    kept = tuple(
        name
        for name in sensitive
        if not name.partition(":")[2].startswith("Create")
        and (info := catalogue.action(name)) is not None
        and covers_every_resource(info, resources)
    )
    return kept, sum(1 for name in kept if name in changing)


@lru_cache(maxsize=8192)
def _count_by_service(actions: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    """(service, number of actions), most actions first, then by name (a stable order); cached
    like `_sensitive`, whose answers it counts: a NotAction statement reaches ~10,000 actions."""
    counts = Counter(action.partition(":")[0] for action in actions)
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _sensitive_summary(actions: tuple[str, ...], by_service: tuple[tuple[str, int], ...]) -> str:
    """A few actions by name; a statement reaching many services (NotAction, `*`-ish patterns)
    is summarised by service, since the first names in alphabetical order say nothing."""
    hidden = len(actions) - _NAMED_IN_MESSAGE
    if hidden <= 0 or len(by_service) == 1:
        more = f" and {hidden} more" if hidden > 0 else ""
        return f": {', '.join(actions[:_NAMED_IN_MESSAGE])}{more}"
    shown = ", ".join(f"{service} {count}" for service, count in by_service[:_NAMED_IN_MESSAGE])
    others = len(by_service) - _NAMED_IN_MESSAGE
    if others <= 0:
        return f" in {len(by_service)} services ({shown})"
    more = f"{others} more service{'' if others == 1 else 's'}"
    return f" in {len(by_service)} services (most in {shown} and {more})"


# --- the rules, in one place ----------------------------------------------------------------


def _catalogue_rule(
    rule: Callable[[Statement, ActionCatalogue], list[LintFinding]],
) -> StatementRule:
    return lambda statement, ctx: rule(statement, ctx.catalogue)


# Every rule, in one place: statement rules run on each statement that parses, policy rules once.
STATEMENT_RULES: tuple[StatementRule, ...] = (
    lambda statement, ctx: _structure(statement, ctx.policy_type),
    _catalogue_rule(_lint_actions),
    _catalogue_rule(_lint_resource_fit),
    _catalogue_rule(lint_conditions),
    lambda statement, ctx: _lint_not_action(statement, ctx.catalogue, ctx.policy_type),
    lambda statement, ctx: _lint_wildcard(statement, ctx.catalogue, ctx.policy_type),
    _catalogue_rule(lint_mfa_lockout),
    lint_condition_keys,
    lint_variables,
    lint_arns,
    lint_principals,
    lint_condition_shape,
    lint_condition_values,
    lint_broad_grants,
    lint_resource_type,
    lint_redundant_entries,
    lint_sensitive,
)
# All but `_structure` (the first): what `_statement_findings` may cache across positions.
_POSITION_FREE_RULES = STATEMENT_RULES[1:]
POLICY_RULES: tuple[PolicyRule, ...] = (
    lambda ctx: lint_redundancy(ctx.statements, ctx.catalogue),
    lint_document,
    lint_risk,
    lint_trust_actions,
    lint_denied_pairs,
)


__all__ = ["LintFinding", "PolicyType", "lint_policy"]
