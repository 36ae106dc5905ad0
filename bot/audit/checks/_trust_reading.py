"""What a role's trust policy lets in: read once per role for the trust checks in roles.py.

Conditions are read as AWS documents them (IAM User Guide: global condition keys, the confused
deputy problem, condition operators): a condition narrows the callers only when it is a
positive test whose values name particular accounts, organizations or resources. The same
policy's Deny statements are read for what they require of every caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from bot.audit.checks._policy_documents import (
    ConditionEntry,
    Statement,
    action_pattern_matches,
    statements,
)
from bot.iam.conditions import CompiledCondition
from bot.iam.matching import has_wildcard
from bot.iam.mfa_requests import (
    LONG_TERM_KEY_FACTS,
    MFA_AGE_KEY,
    MFA_PRESENT_KEY,
    SESSION_WITHOUT_MFA_FACTS,
)
from bot.iam.web_identity import (
    allow_pins_caller,
    base_operator,
    deny_pins_caller,
    open_provider,
    provider_host,
)
from bot.model.snapshot import Role


class CallerGuard(Protocol):
    """What an organization's policies require of every caller of one kind (see
    _rcp_reading.RcpGuard, which builds on this module's Deny reading)."""

    @property
    def required(self) -> tuple[ConditionEntry, ...]: ...
    @property
    def everyone_denied(self) -> bool: ...
    @property
    def policies(self) -> tuple[str, ...]: ...


class OrganizationGuards(Protocol):
    """The guards on one role for principals of accounts and for services."""

    @property
    def account(self) -> CallerGuard: ...
    @property
    def service(self) -> CallerGuard: ...


class WebIdentityGuards(Protocol):
    """The Denies of sts:AssumeRoleWithWebIdentity on one role, for one provider."""

    @property
    def refused(self) -> bool: ...
    @property
    def statements(self) -> tuple[Statement, ...]: ...


class WebIdentityGuardReader(Protocol):
    def web_identity_denies(self, role: Role, provider: str) -> WebIdentityGuards: ...


# Condition keys that narrow a "*" trust to known callers (see _narrows for which operators
# and values count).
RESTRICTIVE_KEYS = frozenset(
    {
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalarn",
        "aws:principalaccount",
        "aws:userid",
        "sts:externalid",
    }
)
_CONFUSED_DEPUTY_KEYS = frozenset(
    {"aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths"}
)
# IAM User Guide, "AWS global condition context keys": these are "included in the request
# context for all signed requests", and sts:AssumeRole is always signed, so ...IfExists and
# ForAllValues never meet them absent. The other restrictive keys can be absent (no
# organization, no service acting for a resource, no external id passed).
_ALWAYS_PRESENT_KEYS = frozenset({"aws:principalarn", "aws:principalaccount", "aws:userid"})
# Same page, "Sensitive condition keys": "no valid use case for wildcards in these condition
# keys, even with a substring of the key value".
_SENSITIVE_KEYS = frozenset(
    {"aws:principalaccount", "aws:principalorgid", "aws:sourceaccount", "aws:sourceorgid"}
)
_ARN_KEYS = frozenset({"aws:principalarn", "aws:sourcearn"})
_ORG_PATH_KEYS = frozenset({"aws:principalorgpaths", "aws:sourceorgpaths"})
# Keys whose concrete values name the caller's account (for "*" narrowed to an account).
_CALLER_ACCOUNT_KEYS = frozenset({"aws:principalaccount", "aws:principalarn"})
_ACCOUNT_ID = re.compile(r"^\d{12}$")


def principal_account(value: str) -> str | None:
    """The account of an AWS principal: a 12-digit id or the account field of an ARN."""
    value = value.strip()
    if _ACCOUNT_ID.match(value):
        return value
    parts = value.split(":")
    if len(parts) >= 6 and parts[0] == "arn" and _ACCOUNT_ID.match(parts[4]):
        return parts[4]
    return None  # "*", or a unique id left behind by a deleted principal


_SERVICE_LINKED_PREFIX = "role/aws-service-role/"


def service_linked_role_service(value: str) -> str | None:
    """The service whose service-linked role ``value`` is
    (``arn:aws:iam::<account>:role/aws-service-role/<service principal>/<name>``), else None.

    IAM keeps that path to service-linked roles (CreateRole refuses it: "Path prefix
    '/aws-service-role/' can only be used for AWS Service linked Roles"), and such a role is
    the service's alone: only the linked service can assume it, and nobody can change its
    trust or permissions (IAM User Guide, service-linked roles; UnmodifiableEntityException).
    Its sessions are the service's, acting for that account's users of the service."""
    value = value.strip()
    if has_wildcard(value):
        return None
    parts = value.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn" or parts[2] != "iam":
        return None
    resource = parts[5]
    if not resource.startswith(_SERVICE_LINKED_PREFIX):
        return None
    service, sep, name = resource[len(_SERVICE_LINKED_PREFIX) :].partition("/")
    return service if service and sep and name else None


def _arn_admits_any_account(value: str) -> bool:
    """An ARN pattern whose account field is a wildcard matches every account's principals or
    resources; one without an account field (an S3 bucket) only if it has a wildcard at all.
    (Confused-deputy page: wildcards go in "the unknown portions", e.g.
    arn:aws:servicename:*:123456789012:*.)"""
    parts = value.split(":", 5)
    if len(parts) < 6:
        return has_wildcard(value)
    account = parts[4]
    return has_wildcard(account) or (not account and has_wildcard(value))


def _admits_anyone(key: str, value: str) -> bool:
    """True when this one condition value matches callers of any account or organization."""
    if value and not value.strip("*"):
        return True  # "*", "**"
    if key in _SENSITIVE_KEYS:
        return has_wildcard(value)
    if key in _ARN_KEYS:
        return _arn_admits_any_account(value)
    if key in _ORG_PATH_KEYS:
        return has_wildcard(value.split("/", 1)[0])  # the organization id itself
    return False


def _values_narrow(key: str, values: tuple[str, ...]) -> bool:
    """Values are ORed: they narrow when none admits anyone and one is not empty."""
    stripped = [v.strip() for v in values]
    return any(stripped) and not any(_admits_anyone(key, v) for v in stripped)


def _requires_presence(key: str, entries: tuple[ConditionEntry, ...]) -> bool:
    """``Null key: false`` in the same statement: the key must be in the request."""
    return any(
        e.operator.lower() == "null"
        and e.key.lower() == key
        and e.values
        and all(v.lower() == "false" for v in e.values)
        for e in entries
    )


def _narrows(entry: ConditionEntry, entries: tuple[ConditionEntry, ...]) -> bool:
    """Whether ``entry``, one of a statement's ``entries``, admits only named callers.

    Condition operators page: ...IfExists "If the key is not present, the condition evaluates
    to true", and ForAllValues is true without the key too; neither matters for a key every
    signed request carries, or (ForAllValues) when the statement requires the key with Null.
    """
    key = entry.key.lower()
    always = key in _ALWAYS_PRESENT_KEYS
    if entry.is_if_exists and always:
        entry = replace(entry, operator=entry.operator[: -len("IfExists")])
    if not entry.restricts:
        return False  # negated, Null, IfExists on a key that can be absent, bare "*"
    if entry.is_for_all_values and not always and not _requires_presence(key, entries):
        return False
    return _values_narrow(key, entry.values)


def _restricting(entries: tuple[ConditionEntry, ...], keys: frozenset[str]) -> list[str]:
    return sorted({e.key for e in entries if e.key.lower() in keys and _narrows(e, entries)})


def _source_guards(entries: tuple[ConditionEntry, ...]) -> list[str]:
    """The confused-deputy guards among ``entries``. Confused-deputy page: "If the
    aws:SourceArn value does not contain the account ID, such as an Amazon S3 bucket ARN, you
    must use both global condition context keys" - such a source ARN guards only with
    aws:SourceAccount (or aws:SourceOrgID) next to it."""
    keys = _restricting(entries, _CONFUSED_DEPUTY_KEYS)
    paired = {"aws:sourceaccount", "aws:sourceorgid"} & {k.lower() for k in keys}
    if paired:
        return keys
    return [k for k in keys if k.lower() != "aws:sourcearn" or _source_arns_name_accounts(entries)]


def _source_arns_name_accounts(entries: tuple[ConditionEntry, ...]) -> bool:
    """Some narrowing aws:SourceArn entry whose every value names a 12-digit account."""
    return any(
        e.key.lower() == "aws:sourcearn"
        and _narrows(e, entries)
        and all(principal_account(v) for v in e.values if v.strip())
        for e in entries
    )


def _condition_accounts(entries: tuple[ConditionEntry, ...]) -> set[str] | None:
    """The accounts that narrowing aws:PrincipalAccount / aws:PrincipalArn entries admit (the
    entries are ANDed, their values ORed); None when none names concrete accounts. Global
    condition keys page: they describe the caller, as naming it in Principal would."""
    admitted: set[str] | None = None
    for entry in entries:
        if entry.key.lower() not in _CALLER_ACCOUNT_KEYS or not _narrows(entry, entries):
            continue
        accounts = {principal_account(v) for v in entry.values if v.strip()}
        if None in accounts:
            continue  # a value naming no account: cannot tell which accounts it admits
        named = {a for a in accounts if a is not None}
        admitted = named if admitted is None else admitted & named
    return admitted


def _mfa_required(entries: tuple[ConditionEntry, ...]) -> bool:
    """Whether one of an Allow statement's entries (they are ANDed) admits only callers that
    signed in with MFA: it fails for both requests made without MFA (bot.iam.mfa_requests) and
    holds for an MFA session, judged by the engine's own condition test. IAM User Guide, global
    condition keys: aws:MultiFactorAuthAge "is not present" when MFA was not used, so besides
    ``Bool aws:MultiFactorAuthPresent true`` and a Numeric test of the age, ``Null
    aws:MultiFactorAuthAge false`` requires MFA too; ``...IfExists`` lets long-term keys
    through, and a value list holding "false" lets a session without MFA through."""
    return any(_admits_only_mfa(entry) for entry in entries)


def _admits_only_mfa(entry: ConditionEntry) -> bool:
    condition = _mfa_condition(entry)
    if condition is None:
        return False
    without = (LONG_TERM_KEY_FACTS, SESSION_WITHOUT_MFA_FACTS)
    return not any(condition.holds(facts) for facts in without) and any(
        condition.holds(facts) for facts in _MFA_SESSIONS
    )


# The actions that let a principal named in a trust policy become the role.
_ASSUME_ACTIONS = ("sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity")
_NEGATED_STRING_OPERATORS = ("stringnotequals", "stringnotlike", "arnnotequals", "arnnotlike")


@dataclass(frozen=True, slots=True)
class DenyGuards:
    """What the trust policy's own Deny statements require of every caller of sts:AssumeRole.

    ``Deny * unless aws:PrincipalOrgID = o-1`` (a Deny with StringNotEquals) restricts an
    ``Allow *`` as much as a positive condition on the Allow would; an unconditional Deny of
    everyone leaves nobody able to assume the role.
    """

    everyone_denied: bool = False
    denied_principals: frozenset[str] = frozenset()
    required: tuple[ConditionEntry, ...] = ()  # positive form of what the Denies require
    mfa_required: bool = False

    @property
    def restricting_keys(self) -> frozenset[str]:
        return frozenset(e.key for e in self.required)


def assume_actions(statement: Statement) -> frozenset[str]:
    """The assume actions the statement's Action (or NotAction) covers, any case or wildcard."""
    if statement.actions:
        return frozenset(
            a
            for a in _ASSUME_ACTIONS
            if any(action_pattern_matches(p, a) for p in statement.actions)
        )
    if statement.uses_not_action:
        return frozenset(
            a
            for a in _ASSUME_ACTIONS
            if not any(action_pattern_matches(p, a) for p in statement.not_actions)
        )
    return frozenset()


def requires_value(entry: ConditionEntry) -> bool:
    """A Deny entry ``StringNotEquals key: values`` denies whoever lacks one of the values:
    it requires the key to match (``...IfExists`` also denies when the key is absent). A value
    admitting any account (``*``, ``o-*``...) requires nothing."""
    return base_operator(entry.operator) in _NEGATED_STRING_OPERATORS and _values_narrow(
        entry.key.lower(), entry.values
    )


def as_required(entry: ConditionEntry) -> ConditionEntry:
    """The positive entry a ``_requires_value`` Deny entry amounts to for an Allow
    (``StringNotEqualsIfExists`` -> ``StringEquals``): the caller must carry a matching value."""
    return replace(entry, operator=base_operator(entry.operator).replace("not", "", 1))


def _denies_without_mfa(entry: ConditionEntry) -> bool:
    """Whether a Deny entry holds for both requests made without MFA (bot.iam.mfa_requests)
    and not for a fresh MFA session, judged by the engine's own condition test. EC2 "Requires
    MFA" example: the Deny "should not be a {"Bool": {"aws:MultiFactorAuthPresent":false}}
    because that key is not present ... when MFA is not used. So instead, use the BoolIfExists
    check"; Null aws:MultiFactorAuthAge true and NumericGreaterThanIfExists on the age deny the
    same callers."""
    condition = _mfa_condition(entry)
    if condition is None:
        return False
    return all(
        condition.holds(facts) for facts in (LONG_TERM_KEY_FACTS, SESSION_WITHOUT_MFA_FACTS)
    ) and not condition.holds(_FRESH_MFA_SESSION)


_FRESH_MFA_SESSION = {MFA_PRESENT_KEY: ("true",), MFA_AGE_KEY: ("0",)}


def _mfa_condition(entry: ConditionEntry) -> CompiledCondition | None:
    """The entry as the engine tests it when it is about MFA (aws:MultiFactorAuthPresent or
    aws:MultiFactorAuthAge), else None; None too for an operator AWS does not know, which
    neither requires MFA in an Allow nor applies in a Deny."""
    if entry.key.lower() not in (MFA_PRESENT_KEY, MFA_AGE_KEY):
        return None
    try:
        return CompiledCondition(entry.operator, entry.key, entry.values, variables=False)
    except (ValueError, TypeError):
        return None


# A fresh MFA session and one signed in with MFA a day ago (an Allow may ask for either age).
_MFA_SESSIONS = (_FRESH_MFA_SESSION, {MFA_PRESENT_KEY: ("true",), MFA_AGE_KEY: ("86400",)})


def read_deny_guards(statements_: tuple[Statement, ...]) -> DenyGuards:
    """The Deny statements of a trust policy that cover every assume action its Allows grant,
    read for what they take away from the Allows (IAM User Guide, policy evaluation logic: a
    Deny trumps an Allow). A Deny whose condition mixes other tests is left out: it may not
    apply."""
    granted = frozenset().union(*(assume_actions(s) for s in statements_ if s.is_allow))
    everyone = False
    denied: set[str] = set()
    required: list[ConditionEntry] = []
    mfa = False
    for statement in statements_:
        if statement.effect.lower() != "deny" or not granted <= assume_actions(statement):
            continue
        if statement.not_principals:
            continue  # denies all but someone: not read here
        aws = statement.principals.get("AWS", ())
        to_all = "*" in aws
        if not statement.conditions:
            if to_all:
                everyone = True
            else:
                denied.update(v.strip() for v in aws)
            continue
        if not to_all:
            continue
        if all(requires_value(e) for e in statement.conditions):
            required.extend(as_required(e) for e in statement.conditions)
        elif all(_denies_without_mfa(e) for e in statement.conditions):
            mfa = True
    return DenyGuards(everyone, frozenset(denied), tuple(required), mfa)


@dataclass(frozen=True, slots=True)
class TrustReading:
    """What one role's trust policy lets in, statement by statement."""

    any_principal: list[dict[str, Any]] = field(default_factory=list)
    foreign_accounts: list[dict[str, Any]] = field(default_factory=list)
    services: list[dict[str, Any]] = field(default_factory=list)


def _is_trust_statement(statement: Statement) -> bool:
    """Allow statements that name a principal and let it assume the role (sts:AssumeRole or
    its SAML / web-identity forms; ``sts:*``, ``STS:Assume*``... count; a statement granting
    only sts:TagSession lets nobody in)."""
    return (
        statement.is_allow
        and bool(statement.principals or statement.not_principals)
        and bool(assume_actions(statement))
    )


def _foreign_principals(
    statement: Statement, aws: tuple[str, ...], entries: tuple[ConditionEntry, ...], own: str
) -> dict[str, Any]:
    """Principals of other accounts the statement trusts, and their accounts: those named in
    Principal, and ``*`` (or NotPrincipal) narrowed by aws:PrincipalAccount / aws:PrincipalArn
    to other accounts (PMapper's cross_account_edges reads the trust the same way).

    Service-linked roles of other accounts (a management account's
    AWSServiceRoleForCloudFormationStackSetsOrgAdmin) are trusted principals like any other,
    so ``principals`` and ``accounts`` keep them: their account reaches the role through the
    service. They are also listed under ``service_linked`` with their service, and
    ``guardable_accounts`` holds the accounts of the other principals: only the service
    uses a service-linked role's sessions, and it sends neither an external id nor MFA, so
    no such condition can be asked of it (service_linked_role_service)."""
    by_principal = {v: a for v in aws if (a := principal_account(v)) and a != own}
    linked = {v: svc for v in by_principal if (svc := service_linked_role_service(v))}
    named = set(by_principal)
    accounts = set(by_principal.values())
    guardable = {a for v, a in by_principal.items() if v not in linked}
    if "*" in aws or statement.not_principals:
        narrowed = (_condition_accounts(entries) or set()) - {own}
        if narrowed:
            named.add("*")
            accounts |= narrowed
            guardable |= narrowed
    out: dict[str, Any] = {"principals": sorted(named), "accounts": sorted(accounts)}
    if linked:
        out["service_linked"] = [{"principal": v, "service": linked[v]} for v in sorted(linked)]
        out["guardable_accounts"] = sorted(guardable)
    return out


def needing_guard(entry: dict[str, Any]) -> dict[str, Any] | None:
    """A ``foreign_accounts`` entry narrowed to the principals that can be asked for an
    external id or MFA (every principal but other accounts' service-linked roles), with their
    accounts; None when the statement trusts only service-linked roles. The services are
    named under ``service_linked``."""
    linked = entry.get("service_linked")
    if not linked:
        return entry
    skipped = {item["principal"] for item in linked}
    principals = [p for p in entry["principals"] if p not in skipped]
    if not principals:
        return None
    narrowed = {k: v for k, v in entry.items() if k != "guardable_accounts"}
    return {**narrowed, "principals": principals, "accounts": entry["guardable_accounts"]}


def read_trust(
    role: Role,
    own_account: str,
    rcps: OrganizationGuards | None = None,
    own_organization: str | None = None,
) -> TrustReading:
    """Allow statements read with the same policy's Denies applied: an unconditional Deny of
    everyone (or of the principal named) cancels them, and a Deny requiring a caller property
    (``StringNotEquals aws:PrincipalOrgID``, ``sts:ExternalId``, MFA) guards them. The
    organization's RCPs (``rcps``, see _rcp_reading) guard sts:AssumeRole the same way.

    ``own_organization`` (the account's organization id, "" when it is in none, None when
    unknown): a ``*`` narrowed to organizations other than it trusts their accounts, listed
    under ``foreign_accounts`` with ``organizations``."""
    reading = TrustReading()
    parsed = statements(role.trust_policy)
    guards = read_deny_guards(parsed)
    if guards.everyone_denied:
        return reading
    for statement in parsed:
        if not _is_trust_statement(statement):
            continue
        entries = statement.conditions + guards.required
        # AWS principals call sts:AssumeRole; the SAML and web-identity forms are for
        # Federated principals, so a statement granting only those trusts no account.
        signed = "sts:AssumeRole" in assume_actions(statement)
        account_rcp = rcps.account if rcps is not None and signed else None
        service_rcp = rcps.service if rcps is not None and signed else None
        aws = tuple(
            v
            for v in statement.principals.get("AWS", ())
            if v.strip() not in guards.denied_principals
        )
        with_rcps = entries + (account_rcp.required if account_rcp is not None else ())
        # Refused to every account's principals: by the RCPs, or by asking for membership of
        # two organizations at once (the trust one, the RCPs another).
        organizations = _condition_organizations(with_rcps)
        everyone_denied = account_rcp is not None and account_rcp.everyone_denied
        refused = everyone_denied or organizations == set()
        if refused:
            aws = ()
        # The callers are those the trust admits and the RCPs admit. An RCP asking for one of
        # several values ("the organization, or this partner") admits the partner only where
        # the trust does not already name its callers itself: its own narrowing then decides
        # which accounts are trusted, the RCPs only confirm that nobody else is.
        account_entries = entries if _restricting(entries, RESTRICTIVE_KEYS) else with_rcps
        if not refused and ("*" in aws or statement.not_principals):
            narrowed = _condition_accounts(account_entries)
            reading.any_principal.append(
                {
                    **statement.evidence(),
                    "principal": "NotPrincipal" if statement.not_principals else "*",
                    "restricted_by": _restricting(with_rcps, RESTRICTIVE_KEYS),
                    **({"accounts": sorted(narrowed)} if narrowed is not None else {}),
                    **(
                        {"organizations": sorted(organizations)}
                        if organizations and narrowed is None
                        else {}
                    ),
                    **_rcp_evidence(account_rcp),
                }
            )
        foreign = _foreign_principals(
            statement, aws if signed else (), account_entries, own_account
        )
        # Organizations the trust and the RCPs both admit (an RCP keeping callers to the
        # account's own organization leaves a partner organization's trust empty), unless
        # accounts narrow it further.
        if (
            own_organization is not None
            and signed
            and not refused
            and ("*" in aws or statement.not_principals)
            and _condition_accounts(with_rcps) is None
        ):
            _add_foreign_organizations(foreign, organizations, own_organization)
        if foreign["principals"]:
            reading.foreign_accounts.append(
                {
                    **statement.evidence(),
                    **foreign,
                    "external_id": bool(_restricting(with_rcps, frozenset({"sts:externalid"}))),
                    "mfa_required": _mfa_required(statement.conditions) or guards.mfa_required,
                    # Named where the RCPs decided which accounts come in.
                    **(_rcp_evidence(account_rcp) if account_entries is with_rcps else {}),
                }
            )
        services = statement.principals.get("Service", ())
        if services and not (service_rcp is not None and service_rcp.everyone_denied):
            service_entries = entries + (service_rcp.required if service_rcp is not None else ())
            reading.services.append(
                {
                    **statement.evidence(),
                    "services": list(services),
                    "restricted_by": _source_guards(service_entries),
                    **_rcp_evidence(service_rcp),
                }
            )
    return reading


def _add_foreign_organizations(
    foreign: dict[str, Any], organizations: set[str] | None, own_organization: str
) -> None:
    """A ``*`` narrowed to ``organizations``: those other than the account's own are trusted
    like foreign accounts (listed under ``organizations``, with ``*`` among the principals)."""
    others = sorted((organizations or set()) - {own_organization})
    if others:
        foreign["organizations"] = others
        if "*" not in foreign["principals"]:
            foreign["principals"] = sorted({*foreign["principals"], "*"})


def _condition_organizations(entries: tuple[ConditionEntry, ...]) -> set[str] | None:
    """The organizations narrowing aws:PrincipalOrgID / aws:PrincipalOrgPaths entries admit
    (entries ANDed, values ORed; a path's first segment is its organization); None when none
    names concrete organizations."""
    admitted: set[str] | None = None
    for entry in entries:
        key = entry.key.lower()
        if key not in ("aws:principalorgid", "aws:principalorgpaths") or not _narrows(
            entry, entries
        ):
            continue
        named = {
            v.strip().split("/", 1)[0] if key == "aws:principalorgpaths" else v.strip()
            for v in entry.values
            if v.strip()
        }
        if any(has_wildcard(o) for o in named):
            continue
        admitted = named if admitted is None else admitted & named
    return admitted


def _rcp_evidence(guard: CallerGuard | None) -> dict[str, Any]:
    """Which RCPs guard the statement and what they require (absent when none does)."""
    if guard is None or not guard.required:
        return {}
    return {
        "rcp_requires": sorted({e.key for e in guard.required}),
        "rcps": list(guard.policies),
    }


_WEB_IDENTITY_ACTION = "sts:AssumeRoleWithWebIdentity"


def _web_identity_guarded(denies: list[Statement], federated: str, provider: str) -> bool:
    """A Deny of sts:AssumeRoleWithWebIdentity, to everyone or to this provider, that refuses
    callers outside narrow values of the provider's pinning claims."""
    for deny in denies:
        named = deny.principals.get("Federated", ())
        to_this = "*" in deny.principals.get("AWS", ()) or federated in named
        if to_this and not deny.not_principals and deny_pins_caller(provider, deny.conditions):
            return True
    return False


def _names_federated(document: Any) -> bool:
    """Whether any statement of a trust document names a Federated principal (a document
    still in its JSON text is judged by the word: reading it is left to `statements`)."""
    if isinstance(document, str):
        return "Federated" in document
    listed = document.get("Statement") if isinstance(document, dict) else None
    for raw in listed if isinstance(listed, list) else [listed]:
        principal = raw.get("Principal") if isinstance(raw, dict) else None
        if isinstance(principal, dict) and "Federated" in principal:
            return True
    return False


def read_open_web_identity(
    role: Role, rcps: WebIdentityGuardReader | None = None
) -> list[dict[str, Any]]:
    """The trust statements that let any account of a public web identity provider (GitHub
    Actions, Google, Cognito identity pools...) become the role: no condition pins the caller
    (bot.iam.web_identity says which claims pin it, for which provider). The organization's
    RCPs (``rcps``) pin it as the trust's own Denies would."""
    if not _names_federated(role.trust_policy):
        return []  # most trusts: skip reading them a second time
    parsed = statements(role.trust_policy)
    if read_deny_guards(parsed).everyone_denied:
        return []
    denies = [
        s
        for s in parsed
        if s.effect.lower() == "deny" and _WEB_IDENTITY_ACTION in assume_actions(s)
    ]
    opened: list[dict[str, Any]] = []
    for statement in parsed:
        if not statement.is_allow or _WEB_IDENTITY_ACTION not in assume_actions(statement):
            continue
        for federated in statement.principals.get("Federated", ()):
            provider = provider_host(federated)
            public = open_provider(provider)
            if public is None or allow_pins_caller(provider, statement.conditions):
                continue
            if _web_identity_guarded(denies, federated, provider):
                continue
            if rcps is not None:
                from_rcps = rcps.web_identity_denies(role, provider)
                if from_rcps.refused or _web_identity_guarded(
                    list(from_rcps.statements), federated, provider
                ):
                    continue
            opened.append(
                {
                    **statement.evidence(),
                    "federated": federated,
                    "provider": public.name,
                    "reach": public.reach,
                    "fix": public.remedy,
                }
            )
    return opened


# Services that use a role only when it is passed to them (iam:PassRole, same account).
PASS_ROLE_ONLY_SERVICES = frozenset(
    {
        "ec2.amazonaws.com",
        "lambda.amazonaws.com",
        "edgelambda.amazonaws.com",
        "ecs-tasks.amazonaws.com",
        "eks.amazonaws.com",
        "eks-fargate-pods.amazonaws.com",
        "glue.amazonaws.com",
        "backup.amazonaws.com",
        "apigateway.amazonaws.com",
        "batch.amazonaws.com",
        # EKS Pod Identity: an association needs iam:PassRole on the role (EKS User Guide,
        # "Create an IAM role for EKS Pod Identity"); ECS's infrastructure role is passed to
        # CreateService / RunTask / CreateCluster the same way. Neither crosses accounts.
        "pods.eks.amazonaws.com",
        "ecs.amazonaws.com",
    }
)
# DNS suffixes of the other partitions (botocore partitions.json): China's service principals
# are ec2.amazonaws.com.cn and the like, the same services as ec2.amazonaws.com.
_PARTITION_SUFFIXES = (
    ".amazonaws.com.cn",
    ".amazonaws.eu",
    ".c2s.ic.gov",
    ".sc2s.sgov.gov",
    ".cloud.adc-e.uk",
    ".csp.hci.ic.gov",
)


def is_pass_role_only(service: str) -> bool:
    """A service principal of PASS_ROLE_ONLY_SERVICES, in any partition's spelling."""
    name = service.strip().lower()
    for suffix in _PARTITION_SUFFIXES:
        if name.endswith(suffix):
            name = name.removesuffix(suffix) + ".amazonaws.com"
            break
    return name in PASS_ROLE_ONLY_SERVICES
