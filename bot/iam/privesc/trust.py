"""What roles' trust policies say about services, for the methods that pass or run as a role."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.iam.privesc.vocabulary import ASSUMING_ACTIONS
from bot.iam.privesc_methods import EscalationMethod
from bot.model.snapshot import Role


def trusts_service(role: Role, services: set[str]) -> bool:
    """Whether the role's trust policy lets one of the service principals assume it."""
    return admits(trusted_services(role), {s.lower() for s in services})


def admits(trusted: frozenset[str], services: set[str]) -> bool:
    return "*" in trusted or not trusted.isdisjoint(services)


def trusted_services(role: Role) -> frozenset[str]:
    """Lower-case service and federated principals an Allow of the trust policy names for
    sts:AssumeRole (or AssumeRoleWithWebIdentity); ``*`` for a Principal of ``*``."""
    found: set[str] = set()
    for statement in trust_statements(role):
        if statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if not any(str(a).lower() in ASSUMING_ACTIONS for a in actions):
            continue
        principal = statement.get("Principal")
        if principal == "*":
            found.add("*")
            continue
        if not isinstance(principal, Mapping):
            continue
        for kind in ("Service", "Federated"):
            values = principal.get(kind, [])
            values = [values] if isinstance(values, str) else values
            found.update(str(v).lower() for v in values)
    return frozenset(found)


def has_identity_center(roles: Iterable[Role]) -> bool:
    """Whether IAM Identity Center can reach the account: enabling it for an organization
    creates AWSServiceRoleForSSO in every member account ("Using service-linked roles for IAM
    Identity Center"), and each provisioned permission set is an AWSReservedSSO_* role under
    /aws-reserved/sso.amazonaws.com/. A snapshot listing no role at all cannot tell: assumed."""
    listed = False
    for role in roles:
        listed = True
        if role.name == "AWSServiceRoleForSSO" or role.path.startswith(_SSO_PATH):
            return True
    return not listed


_SSO_PATH = "/aws-reserved/sso.amazonaws.com/"


def needs_identity_center(method: EscalationMethod) -> bool:
    """A method made of IAM Identity Center calls (permission sets, account assignments, its
    identity store's group memberships): it hands out nothing in an account Identity Center
    does not reach."""
    return all(a.lower().startswith(_IDENTITY_CENTER_SERVICES) for a in method.actions)


_IDENTITY_CENTER_SERVICES = ("sso:", "identitystore:")


def trust_statements(role: Role) -> list[Mapping[str, Any]]:
    """The trust policy's statements that are objects (a lone statement, a malformed list)."""
    statements = role.trust_policy.get("Statement", []) if role.trust_policy else []
    if isinstance(statements, Mapping):
        statements = [statements]
    return [s for s in statements if isinstance(s, Mapping)] if isinstance(statements, list) else []


def trusts_anyone(role: Role) -> bool:
    for statement in trust_statements(role):
        if statement.get("Effect") != "Allow":
            continue
        if "NotPrincipal" in statement:
            return True
        principal = statement.get("Principal")
        if principal == "*":
            return True
        if isinstance(principal, Mapping):
            values = principal.get("AWS", [])
            if "*" in ([values] if isinstance(values, str) else values):
                return True
    return False


def named_in_trusts(roles: Iterable[Role]) -> set[str]:
    """Every AWS principal value the roles' trusts name (an ARN, an account)."""
    named: set[str] = set()
    for role in roles:
        for statement in trust_statements(role):
            principal = statement.get("Principal")
            if isinstance(principal, Mapping):
                values = principal.get("AWS", [])
                named.update(
                    v
                    for v in ([values] if isinstance(values, str) else values)
                    if isinstance(v, str)
                )
    return named
