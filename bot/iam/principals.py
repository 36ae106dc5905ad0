"""Who is asking: a request principal's ARN taken apart, and Principal elements matched to it.

Resource policies name principals at several levels (the account, the user or role, the role
session, a service); which level matched changes how the evaluator combines the resource
policy with the caller's own policies, so matching returns that level, not just a yes/no.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from bot.iam.policy import Principal

PrincipalKind = Literal[
    "user", "role", "assumed_role", "root", "federated_user", "service", "anonymous", "other"
]
# How a Principal element reached the caller, from widest to narrowest.
Via = Literal["wildcard", "account", "service", "user", "role", "session"]

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_PRINCIPAL_TYPES = {
    "user": "User",
    "role": "AssumedRole",
    "assumed_role": "AssumedRole",
    "root": "Account",
    "federated_user": "FederatedUser",
    "anonymous": "Anonymous",
}


@dataclass(frozen=True, slots=True)
class PrincipalInfo:
    arn: str
    kind: PrincipalKind
    partition: str = "aws"
    account: str = ""
    name: str = ""  # user name, role name, or federated user name
    role_arn: str = ""  # for roles and their sessions: the role (path unknown for sessions)
    # Every identity the caller holds, as Principal elements name them: account, user/role,
    # session. A Deny with NotPrincipal must exclude all of them to spare the caller.
    identities: tuple[str, ...] = ()

    @property
    def account_root(self) -> str:
        return f"arn:{self.partition}:iam::{self.account}:root" if self.account else ""

    @property
    def principal_type(self) -> str:
        """The aws:PrincipalType value AWS puts in the request context."""
        return _PRINCIPAL_TYPES.get(self.kind, "")


@lru_cache(maxsize=16384)
def parse_principal(arn: str) -> PrincipalInfo:
    """Classify a caller given as an ARN, a service principal (``ec2.amazonaws.com``) or ``*``."""
    if arn in ("*", "anonymous", ""):
        return PrincipalInfo(arn=arn, kind="anonymous", identities=("*",))
    if not arn.startswith("arn:"):
        kind: PrincipalKind = "service" if arn.endswith(".amazonaws.com") else "other"
        return PrincipalInfo(arn=arn, kind=kind, identities=(arn,))
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return PrincipalInfo(arn=arn, kind="other", identities=(arn,))
    _, partition, service, _region, account, resource = parts
    root = f"arn:{partition}:iam::{account}:root"
    if service == "iam" and resource == "root":
        return PrincipalInfo(arn, "root", partition, account, identities=(root,))
    if service == "iam" and resource.startswith("user/"):
        name = resource.rsplit("/", 1)[-1]
        return PrincipalInfo(arn, "user", partition, account, name, identities=(root, arn))
    if service == "iam" and resource.startswith("role/"):
        name = resource.rsplit("/", 1)[-1]
        return PrincipalInfo(
            arn, "role", partition, account, name, role_arn=arn, identities=(root, arn)
        )
    if service == "sts" and resource.startswith("assumed-role/"):
        pieces = resource.split("/")
        name = pieces[1] if len(pieces) > 1 else ""
        role_arn = f"arn:{partition}:iam::{account}:role/{name}"
        return PrincipalInfo(
            arn,
            "assumed_role",
            partition,
            account,
            name,
            role_arn=role_arn,
            identities=(root, role_arn, arn),
        )
    if service == "sts" and resource.startswith("federated-user/"):
        name = resource.split("/", 1)[1]
        return PrincipalInfo(
            arn, "federated_user", partition, account, name, identities=(root, arn)
        )
    return PrincipalInfo(arn, "other", partition, account, identities=(root, arn))


def _account_of(value: str) -> str | None:
    """The account a Principal value names as a whole (``123...`` or ``arn:...:root``)."""
    if _ACCOUNT_ID.match(value):
        return value
    if value.startswith("arn:") and value.endswith(":root"):
        parts = value.split(":")
        if len(parts) == 6 and parts[2] == "iam":
            return parts[4]
    return None


def _role_name(value: str) -> str | None:
    parts = value.split(":", 5)
    if len(parts) == 6 and parts[2] == "iam" and parts[5].startswith("role/"):
        return parts[5].rsplit("/", 1)[-1]
    return None


def _aws_value_via(value: str, caller: PrincipalInfo) -> Via | None:
    if value == "*":
        return "wildcard"
    account = _account_of(value)
    if account is not None:
        if account != caller.account:
            return None
        # Naming the account delegates to its IAM policies; only the root user itself is named.
        return "user" if caller.kind == "root" else "account"
    if value == caller.arn:
        return "user" if caller.kind == "user" else "role" if caller.kind == "role" else "session"
    if caller.kind == "assumed_role" and value.startswith(f"arn:{caller.partition}:iam::"):
        # A role ARN (with any path) covers every session of that role.
        parts = value.split(":", 5)
        if parts[4] == caller.account and _role_name(value) == caller.name:
            return "role"
    return None


def principal_via(principal: Principal, caller: PrincipalInfo) -> Via | None:
    """How a Principal element names the caller, or ``None`` when it does not."""
    if principal == "*":
        return "wildcard"
    best: Via | None = None
    for value in principal.get("AWS", ()):
        via = _aws_value_via(value, caller)
        if via is not None and (best is None or _RANK[via] > _RANK[best]):
            best = via
    if best is not None:
        return best
    for kind in ("Service", "Federated", "CanonicalUser"):
        if caller.arn in principal.get(kind, ()):
            return "service" if kind == "Service" else "session"
    return None


def names_identity(principal: Principal, identity: str, caller: PrincipalInfo) -> bool:
    """Whether a NotPrincipal element lists one specific identity of the caller.

    The role identity of a session is known by name only (a session ARN carries no path), so a
    listed role ARN with any path names it, as it does in a Principal element.
    """
    if principal == "*":
        return True
    role_identity = identity == caller.role_arn and caller.kind == "assumed_role"
    for kind, values in principal.items():
        for value in values:
            if value in ("*", identity):
                return True
            if kind != "AWS":
                continue
            account = _account_of(value)
            if account is not None and f"arn:{caller.partition}:iam::{account}:root" == identity:
                return True
            if (
                role_identity
                and _role_name(value) == caller.name
                and value.split(":", 5)[4] == caller.account
            ):
                return True
    return False


def not_principal_via(
    not_principals: Principal, caller: PrincipalInfo, *, deny: bool, has_boundary: bool
) -> Via | None:
    """How a NotPrincipal element reaches the caller (``"wildcard"``), or ``None`` when it
    spares it.

    IAM User Guide, "NotPrincipal": a Deny with NotPrincipal denies unless every identity of
    the caller (its account, role and session) is listed, and always denies a caller that has
    a permissions boundary; an Allow with NotPrincipal reaches every caller none of whose
    identities is listed.
    """
    if deny:
        if has_boundary:
            return "wildcard"
        spared = all(names_identity(not_principals, i, caller) for i in caller.identities)
        return None if spared else "wildcard"
    listed = any(names_identity(not_principals, i, caller) for i in caller.identities)
    return None if listed else "wildcard"


_RANK: dict[str, int] = {
    "account": 0,
    "wildcard": 1,
    "service": 2,
    "role": 3,
    "user": 4,
    "session": 5,
}
