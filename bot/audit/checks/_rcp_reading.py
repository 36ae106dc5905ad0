"""What the organization's resource control policies (RCPs) require of whoever assumes a role.

An RCP is a Deny-only policy over a member account's resources (RCPFullAWSAccess, attached at
every level and never detachable, lets the rest through), written with ``"Principal": "*"``.
For the trust checks one request matters: sts:AssumeRole on the role, the call of principals
of AWS accounts and of AWS services alike. An RCP Deny of that call reads as the trust policy's
own Deny would (_trust_reading.read_deny_guards): ``Deny unless aws:PrincipalOrgID = o-1``
narrows an ``Allow *`` to the organization, as AWS's data-perimeter RCPs intend.

A Deny's other conditions are judged on what is known of every caller of one kind:

- ``aws:ResourceTag/<key>``: the role's own tags (the data perimeter's ``dp:exclude:*`` tags
  exempt a role);
- ``aws:PrincipalIsAWSService``: false for principals of accounts, true for services;
- the source keys (``aws:SourceAccount``, ``aws:SourceArn``, ``aws:SourceOrgID``...): absent
  from an account principal's own call, present when a service acts for a resource (the
  confused deputy's case); a service's request carries no ``aws:PrincipalOrgID``,
  ``aws:PrincipalAccount`` or ``aws:PrincipalArn``.

A statement with any other condition (the caller's network, tags, the time...) may not apply to
every caller, so it is left out and named as not applied: the trust finding stays, a false
alarm being safer than a silent miss. RCPs do not apply in the management account.

A Deny of sts:AssumeRoleWithWebIdentity is read for one provider's tokens at a time (another
provider's claims are absent from them, ``sub`` and ``aud`` are in every one): what is left are
tests of that provider's claims, which _trust_reading judges as it judges the trust's own
Denies (AWS's ``EnforceTrustedOIDCTenants`` pins GitHub's ``sub`` to the organization's
repositories).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from bot.audit.checks._policy_documents import ConditionEntry, Statement, statements
from bot.audit.checks._trust_reading import (
    RESTRICTIVE_KEYS,
    as_required,
    assume_actions,
    requires_value,
)
from bot.iam.conditions import CompiledCondition, UnknownOperatorError
from bot.iam.matching import any_arn_matches
from bot.model.snapshot import ResourceControlPolicy, Role

CallerKind = Literal["account", "service"]
_ASSUME_ROLE = "sts:AssumeRole"
_WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
# Claims every OIDC token carries (OpenID Connect Core, ID token: sub and aud are required).
_ALWAYS_IN_TOKENS = frozenset({"sub", "aud"})
_SOURCE_KEYS = frozenset(
    {"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths"}
)
_CALLER_IDENTITY_KEYS = frozenset(
    {"aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount", "aws:principalarn"}
)
_PRESENT = "\x00present"  # a key the request carries with a value not known here


@dataclass(frozen=True, slots=True)
class RcpGuard:
    """What the RCPs require of every caller of one kind assuming one role."""

    required: tuple[ConditionEntry, ...] = ()  # positive form, as DenyGuards.required
    everyone_denied: bool = False
    policies: tuple[str, ...] = ()  # the RCPs whose statements contributed


@dataclass(frozen=True, slots=True)
class RcpReading:
    """The RCPs over one role, read for both kinds of caller, with what was left out."""

    account: RcpGuard = field(default_factory=RcpGuard)
    service: RcpGuard = field(default_factory=RcpGuard)
    not_applied: tuple[str, ...] = ()


NO_RCPS = RcpReading()


@dataclass(frozen=True, slots=True)
class WebIdentityDenies:
    """The RCP Denies of sts:AssumeRoleWithWebIdentity on one role, for one provider."""

    refused: bool = False  # one refuses every token of the provider
    statements: tuple[Statement, ...] = ()  # the others, as tests of the provider's claims
    policies: tuple[str, ...] = ()
    not_applied: tuple[str, ...] = ()


def read_rcps(levels: Iterable[Iterable[ResourceControlPolicy]] | None, role: Role) -> RcpReading:
    """The RCP Denies of sts:AssumeRole on ``role``, as requirements on its callers."""
    return RcpReader(levels or ()).read(role)


class RcpReader:
    """The RCPs over one account, parsed once and read role by role: thousands of roles share
    the few readings that differ only in which statements cover them and the tags they test."""

    def __init__(
        self,
        levels: Iterable[Iterable[ResourceControlPolicy]],
        summary: dict[str, Any] | None = None,
    ) -> None:
        self._summary = summary  # the report's account (new_rcp_summary), noted as read
        self._statements: list[tuple[str, str, Statement, tuple[str, ...]]] = []
        self._web_identity: list[tuple[str, str, Statement]] = []
        notes: list[str] = []
        for level in levels:
            for policy in level:
                for statement in statements(policy.document):
                    actions = assume_actions(statement)
                    if statement.effect.lower() != "deny" or not actions:
                        continue  # RCPFullAWSAccess, or a Deny of other calls
                    place = f"{policy.name} statement {_statement_label(statement)}"
                    if statement.not_principals or "*" not in statement.principals.get("AWS", ()):
                        notes.append(f'{place}: its Principal is not "*"')
                        continue
                    if _WEB_IDENTITY in actions:
                        self._web_identity.append((policy.name, place, statement))
                    if _ASSUME_ROLE in actions:
                        self._statements.append(
                            (policy.name, place, statement, _tag_keys(statement))
                        )
                    elif _WEB_IDENTITY not in actions:
                        notes.append(
                            f"{place}: it refuses only the SAML calls, which no check reads "
                            "RCPs for"
                        )
        self._notes = tuple(dict.fromkeys(notes))
        self._readings: dict[tuple[Any, ...], RcpReading] = {}

    def read(self, role: Role) -> RcpReading:
        if not self._statements:
            return RcpReading(not_applied=self._notes) if self._notes else NO_RCPS
        tags = _role_tags(role)
        covering = tuple(
            (position, tuple(tags.get(key) for key in tag_keys))
            for position, (_name, _place, statement, tag_keys) in enumerate(self._statements)
            if _covers(statement, role.arn)
        )
        reading = self._readings.get(covering)
        if reading is None:
            reading = self._readings[covering] = self._reading([p for p, _ in covering], tags)
            self._note((*reading.account.policies, *reading.service.policies), reading.not_applied)
        return reading

    def web_identity_denies(self, role: Role, provider: str) -> WebIdentityDenies:
        """The RCP Denies of sts:AssumeRoleWithWebIdentity on ``role`` as they apply to the
        tokens of ``provider`` (bot.iam.web_identity.provider_host): whether one refuses them
        all, and the others reduced to their tests of the provider's claims, for
        _trust_reading to judge as it judges the trust's own Denies (deny_pins_caller)."""
        refused = False
        narrowed: list[Statement] = []
        names: list[str] = []
        left_out: list[str] = []
        tags = _role_tags(role)
        for name, place, statement in self._web_identity:
            if not _covers(statement, role.arn):
                continue
            claims = _claim_tests(statement, provider, tags)
            if claims is None:
                left_out.append(f"{place}: a condition this audit cannot judge")
                continue
            if claims is False:
                continue  # never applies to this provider's tokens
            names.append(name)
            if not claims:
                refused = True
            else:
                narrowed.append(replace(statement, conditions=tuple(claims)))
        self._note(names, left_out)
        return WebIdentityDenies(refused, tuple(narrowed), tuple(names), tuple(left_out))

    def _note(self, applied: Iterable[str], left_out: Iterable[str]) -> None:
        if self._summary is None:
            return
        for key, items in (("applied", applied), ("not_applied", left_out)):
            listed = self._summary[key]
            listed.extend(item for item in dict.fromkeys(items) if item not in listed)

    def _reading(self, positions: list[int], tags: dict[str, str]) -> RcpReading:
        found: dict[CallerKind, tuple[list[ConditionEntry], list[str], list[bool]]] = {
            "account": ([], [], []),
            "service": ([], [], []),
        }
        left_out = list(self._notes)
        for position in positions:
            name, place, statement, _tag_keys = self._statements[position]
            for kind, (required, names, denied) in found.items():
                verdict = _requirements(statement, kind, tags)
                if verdict is None:
                    left_out.append(f"{place}: a condition this audit cannot judge")
                    continue
                if verdict is False:
                    continue  # never applies to this kind of caller
                required.extend(verdict)
                names.append(name)
                denied.append(not verdict)
        return RcpReading(
            account=_guard(*found["account"]),
            service=_guard(*found["service"]),
            not_applied=tuple(dict.fromkeys(left_out)),
        )


def _guard(required: list[ConditionEntry], names: list[str], denied: list[bool]) -> RcpGuard:
    return RcpGuard(tuple(required), any(denied), tuple(dict.fromkeys(names)))


def _statement_label(statement: Statement) -> str:
    return repr(statement.sid) if statement.sid else str(statement.index)


def _tag_keys(statement: Statement) -> tuple[str, ...]:
    """The resource tags (lower-case keys) the statement's conditions test."""
    return tuple(
        sorted(
            {
                e.key.lower().split("/", 1)[1]
                for e in statement.conditions
                if e.key.lower().startswith("aws:resourcetag/")
            }
        )
    )


def _role_tags(role: Role) -> dict[str, str]:
    """The role's tags by lower-case key (tag keys in conditions compare without case)."""
    return {str(key).lower(): str(value) for key, value in (role.tags or {}).items()}


def _claim_tests(
    statement: Statement, provider: str, tags: dict[str, str]
) -> list[ConditionEntry] | bool | None:
    """A web-identity Deny's tests of ``provider``'s claims, once the rest of its conditions
    are judged for that provider's tokens: a claim of another provider is absent from them,
    ``sub`` and ``aud`` are in every token, the role's tags are known. False when it never
    applies to them, None when that depends on something not known here."""
    kept: list[ConditionEntry] = []
    for entry in statement.conditions:
        key = entry.key.lower()
        issuer, _, claim = key.rpartition(":")
        if key.startswith("aws:resourcetag/"):
            holds = _holds(entry, _context(key, "account", tags))
        elif key == "aws:principalisawsservice":
            holds = _holds(entry, {key: ("false",)})
        elif issuer == provider and not entry.is_null_test:
            kept.append(entry)
            continue
        elif issuer == provider:
            holds = _holds(entry, {key: (_PRESENT,)}) if claim in _ALWAYS_IN_TOKENS else None
        elif "." in issuer or key in _SOURCE_KEYS or key in _CALLER_IDENTITY_KEYS:
            # Another provider's claim, or a key of signed calls: not in this request.
            holds = _holds(entry, {})
        else:
            holds = None
        if holds is None:
            return None
        if not holds:
            return False
    return kept


def _covers(statement: Statement, role_arn: str) -> bool:
    """Whether the Deny's Resource (or NotResource) takes in the role."""
    if statement.resources:
        return any_arn_matches(role_arn, statement.resources)
    if statement.not_resources:
        return not any_arn_matches(role_arn, statement.not_resources)
    return False  # no Resource element: AWS refuses such an RCP


def _requirements(
    statement: Statement, kind: CallerKind, tags: dict[str, str]
) -> list[ConditionEntry] | bool | None:
    """What the Deny requires of every caller of ``kind`` (the positive entries; ``[]``: it
    denies them all), False when it never applies to them, None when that depends on
    something not known here.

    Conditions are ANDed, so a Deny asking for several values lets in whoever has one of them
    ("in the organization, or this partner account"). Each narrows, so together they narrow;
    read as the trust's own Denies are, the accounts they name become the trust's foreign
    accounts (a partner then needs an external id like any other)."""
    required: list[ConditionEntry] = []
    for entry in statement.conditions:
        key = entry.key.lower()
        if key in RESTRICTIVE_KEYS and requires_value(entry) and _carried(key, kind):
            required.append(as_required(entry))
            continue
        holds = _holds(entry, _context(key, kind, tags))
        if holds is None:
            return None
        if not holds:
            return False
    return required


def _carried(key: str, kind: CallerKind) -> bool:
    """Whether a request of ``kind`` carries the caller key (else it is judged as absent)."""
    if kind == "account":
        return key not in _SOURCE_KEYS
    return key not in _CALLER_IDENTITY_KEYS


def _context(key: str, kind: CallerKind, tags: dict[str, str]) -> dict[str, tuple[str, ...]] | None:
    """The request's value of ``key`` as far as it is known for every caller of ``kind``
    (``{}``: absent), or None when it is not known."""
    if key.startswith("aws:resourcetag/"):
        value = tags.get(key.split("/", 1)[1])
        return {} if value is None else {key: (value,)}
    if key == "aws:principalisawsservice":
        return {key: ("true" if kind == "service" else "false",)}
    if key in _SOURCE_KEYS or key in _CALLER_IDENTITY_KEYS:
        return {key: (_PRESENT,)} if _carried(key, kind) else {}
    return None


def _holds(entry: ConditionEntry, context: dict[str, tuple[str, ...]] | None) -> bool | None:
    """Whether the condition entry holds for every caller whose request is ``context``; None
    when unknown (a key not known here, or a value known only to be present)."""
    if context is None:
        return None
    try:
        condition = CompiledCondition(entry.operator, entry.key, entry.values, variables=False)
    except (UnknownOperatorError, ValueError):
        return None
    present = context.get(entry.key.lower()) == (_PRESENT,)
    if present and condition.spec.base != "Null":
        return None
    return condition.holds(context)


# --- what the report says about them ----------------------------------------------------------

RCP_SUMMARY_KEY = "resource_control_policies"


def new_rcp_summary(
    levels: Iterable[Iterable[ResourceControlPolicy]], *, management: bool | None
) -> dict[str, Any]:
    """The report's account of the RCPs (``report_extra``): those read, those the trust
    findings took into account (filled in role by role), and what was left out."""
    names = [policy.name for level in levels for policy in level]
    summary: dict[str, Any] = {
        "known": True,  # as the SCP summary says (they are, or there would be no summary)
        "read": list(dict.fromkeys(names)),
        "applied": [],
        "not_applied": [],
    }
    if management:
        summary["not_applied"].append("this is the management account, where RCPs do not apply")
    return summary
