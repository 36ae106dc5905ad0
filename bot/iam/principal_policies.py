"""Collect the policies that reach one principal in a snapshot, as an evaluator PolicySet.

A user gets its inline and attached managed policies plus those of every group it belongs to,
and its permissions boundary; a role gets its own policies and boundary. The role's trust policy
is a resource-based policy about assuming the role, not a permission of the role, so it is left
out here.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence

from bot.iam.evaluator import PolicySet
from bot.iam.policy import Policy, parse_policy
from bot.iam.principals import parse_principal
from bot.model.errors import InputError
from bot.model.snapshot import (
    AccountSnapshot,
    AttachedPolicy,
    InlinePolicy,
    ManagedPolicy,
    ServiceControlPolicy,
)

ParsedCache = MutableMapping[str, Policy]


def policies_for_principal(
    snapshot: AccountSnapshot, arn: str, *, cache: ParsedCache | None = None
) -> PolicySet:
    """The PolicySet of a user or role (or a session of a role) named by ``arn``.

    ``cache`` (policy name -> parsed Policy) lets a caller that walks many principals parse each
    managed policy once. Raises InputError for an unknown principal, a policy missing from the
    snapshot, or a malformed document (PolicyParseError).
    """
    cache = {} if cache is None else cache
    managed = snapshot.policy_by_arn()
    info = parse_principal(arn)
    if info.kind == "user":
        user = next((u for u in snapshot.users if u.arn == arn), None)
        if user is None:
            raise InputError(f"no user with ARN {arn} in the snapshot")
        identity = _inline(f"user/{user.name}", user.inline_policies, cache)
        identity += _attached(user.attached_policies, managed, cache)
        groups = snapshot.group_by_name()
        for group_name in user.groups:
            group = groups.get(group_name)
            if group is None:
                raise InputError(
                    f"user {user.name} is in group {group_name}, missing from the snapshot"
                )
            identity += _inline(f"group/{group.name}", group.inline_policies, cache)
            identity += _attached(group.attached_policies, managed, cache)
        boundary_arn = user.permissions_boundary_arn
    elif info.kind in ("role", "assumed_role"):
        role = next((r for r in snapshot.roles if _is_role(r.arn, info.role_arn, info.kind)), None)
        if role is None:
            raise InputError(f"no role matching {arn} in the snapshot")
        identity = _inline(f"role/{role.name}", role.inline_policies, cache)
        identity += _attached(role.attached_policies, managed, cache)
        boundary_arn = role.permissions_boundary_arn
    else:
        raise InputError(f"{arn} is not the ARN of an IAM user or role")
    boundaries = [_managed(boundary_arn, managed, cache)] if boundary_arn else []
    return PolicySet(identity=identity, permission_boundaries=boundaries)


def scp_levels(snapshot: AccountSnapshot, cache: ParsedCache | None = None) -> list[list[Policy]]:
    """The SCPs over the account, parsed (none when the snapshot does not know them), for the
    evaluator's own SCP layer (every level from the root down, as AWS applies them). Raises
    PolicyParseError for an SCP IAM's parser refuses."""
    return _parsed_levels(snapshot.service_control_policies, "scp", cache)


def rcp_levels(snapshot: AccountSnapshot, cache: ParsedCache | None = None) -> list[list[Policy]]:
    """The RCPs over the account's resources, parsed as :func:`scp_levels` parses the SCPs,
    for the evaluator's RCP layer. AWS attaches RCPFullAWSAccess to every level and it cannot
    be detached, so a level read without any Allow (a hand-written file that lists only the
    Denies) is given it: an RCP only ever takes away."""
    levels = _parsed_levels(snapshot.resource_control_policies, "rcp", cache)
    full_access = None
    for level in levels:
        if not any(
            statement.effect == "Allow" for policy in level for statement in policy.statements
        ):
            full_access = full_access or parse_policy(_RCP_FULL_AWS_ACCESS, name="RCPFullAWSAccess")
            level.append(full_access)
    return levels


_RCP_FULL_AWS_ACCESS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
}


def _parsed_levels(
    levels_: Sequence[Sequence[ServiceControlPolicy]] | None,
    kind: str,
    cache: ParsedCache | None,
) -> list[list[Policy]]:
    cache = {} if cache is None else cache
    levels: list[list[Policy]] = []
    for depth, level in enumerate(levels_ or ()):
        parsed = []
        for number, policy in enumerate(level, 1):
            name = policy.name + (f" ({policy.policy_id})" if policy.policy_id else "")
            key = f"{kind}:{depth}:{number}:{name}"
            if key not in cache:
                cache[key] = parse_policy(policy.document, name=name)
            parsed.append(cache[key])
        levels.append(parsed)
    return levels


def _is_role(candidate: str, wanted: str, kind: str) -> bool:
    if kind == "role":
        return candidate == wanted
    # A session ARN carries the role name but not its path.
    prefix, _, name = wanted.rpartition("/")
    return candidate.startswith(prefix.rsplit(":", 1)[0] + ":role/") and candidate.endswith(
        "/" + name
    )


def _inline(owner: str, policies: tuple[InlinePolicy, ...], cache: ParsedCache) -> list[Policy]:
    parsed = []
    for inline in policies:
        name = f"{owner}/inline/{inline.name}"
        if name not in cache:
            cache[name] = parse_policy(inline.document, name=name)
        parsed.append(cache[name])
    return parsed


def _attached(
    attached: tuple[AttachedPolicy, ...], managed: dict[str, ManagedPolicy], cache: ParsedCache
) -> list[Policy]:
    return [_managed(a.arn, managed, cache) for a in attached]


def _managed(arn: str, managed: dict[str, ManagedPolicy], cache: ParsedCache) -> Policy:
    if arn not in cache:
        policy = managed.get(arn)
        if policy is None:
            raise InputError(f"managed policy {arn} is attached but missing from the snapshot")
        cache[arn] = parse_policy(policy.document, name=arn)
    return cache[arn]
