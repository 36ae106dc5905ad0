"""What AWS decides before or beyond any policy: calls that always succeed, resources no one in
the account can change.

No policy an account writes can change these answers, so the evaluator applies them around the
policy logic: an always-allowed call is allowed even under an explicit Deny, and a change to an
AWS-owned resource is refused even when every policy allows it (an explicit Deny still reports
as the explicit Deny it is).
"""

from __future__ import annotations

from functools import lru_cache

from bot.iam.wildcards import arn_pattern_covers

# Calls no policy controls, and which callers may make them:
# - STS API Reference, GetCallerIdentity: "No permissions are required to perform this operation.
#   If an administrator attaches a policy to your identity that explicitly denies access to the
#   sts:GetCallerIdentity action, you can still perform this operation." (any signed-in caller)
# - IAM User Guide, "Permissions for GetSessionToken": "No permissions are required for a user to
#   get a session token ... You cannot use policies to control authentication operations." It is
#   called with the long-term credentials of an IAM user or the root user.
ALWAYS_ALLOWED: dict[str, frozenset[str]] = {
    "sts:getcalleridentity": frozenset(
        {"user", "role", "assumed_role", "root", "federated_user", "service", "other"}
    ),
    "sts:getsessiontoken": frozenset({"user", "root"}),
}

# IAM User Guide, "AWS managed policies": AWS owns them; "you cannot change the permissions
# defined in AWS managed policies". Every write to the policy object is refused.
_AWS_MANAGED_POLICY = "arn:*:iam::aws:policy/*"
_POLICY_WRITES = frozenset(
    {
        "iam:createpolicy",
        "iam:createpolicyversion",
        "iam:deletepolicy",
        "iam:deletepolicyversion",
        "iam:setdefaultpolicyversion",
        "iam:tagpolicy",
        "iam:untagpolicy",
    }
)

# IAM User Guide, "Using service-linked roles": the service defines the role's permissions and
# trust policy and no one else can edit them (IAM answers UnmodifiableEntity); the description
# can be edited (UpdateRole / UpdateRoleDescription, so neither is refused here) and the role is
# deleted with iam:DeleteServiceLinkedRole, not DeleteRole.
_SERVICE_LINKED_ROLE = "arn:*:iam::*:role/aws-service-role/*"
_SERVICE_LINKED_ROLE_WRITES = frozenset(
    {
        "iam:attachrolepolicy",
        "iam:createrole",
        "iam:deleterole",
        "iam:deleterolepermissionsboundary",
        "iam:deleterolepolicy",
        "iam:detachrolepolicy",
        "iam:putrolepermissionsboundary",
        "iam:putrolepolicy",
        "iam:updateassumerolepolicy",
    }
)

# IAM Identity Center User Guide, "Permission sets": the roles it creates live under the
# reserved path /aws-reserved/sso.amazonaws.com/ and are managed only through Identity Center;
# IAM refuses to create, change, pass, tag or delete them.
_RESERVED_ROLE = "arn:*:iam::*:role/aws-reserved/*"
_RESERVED_ROLE_WRITES = _SERVICE_LINKED_ROLE_WRITES | frozenset(
    {
        "iam:createservicelinkedrole",
        "iam:deleteservicelinkedrole",
        "iam:passrole",
        "iam:tagrole",
        "iam:untagrole",
        "iam:updaterole",
        "iam:updateroledescription",
    }
)

# AWS KMS Developer Guide, "Aliases in AWS KMS": aliases under alias/aws/ are reserved for AWS
# managed keys; "you cannot create, edit, or delete" them.
_AWS_MANAGED_ALIAS = "arn:*:kms:*:*:alias/aws/*"
_ALIAS_WRITES = frozenset({"kms:createalias", "kms:deletealias", "kms:updatealias"})

_NEVER_CHANGEABLE: tuple[tuple[str, frozenset[str], str], ...] = (
    (_AWS_MANAGED_POLICY, _POLICY_WRITES, "AWS managed policies belong to AWS"),
    (
        _SERVICE_LINKED_ROLE,
        _SERVICE_LINKED_ROLE_WRITES,
        "a service-linked role is defined by its service (only its description can be edited)",
    ),
    (_RESERVED_ROLE, _RESERVED_ROLE_WRITES, "roles under /aws-reserved/ are managed by AWS"),
    (_AWS_MANAGED_ALIAS, _ALIAS_WRITES, "aliases under alias/aws/ are reserved for AWS"),
)


# Every action some rule above refuses: lets the evaluator skip the rules for all others.
FIXED_ACTIONS = frozenset().union(*(actions for _, actions, _ in _NEVER_CHANGEABLE))


def is_always_allowed(action_lower: str, caller_kind: str) -> bool:
    """Whether AWS lets this kind of caller make this call whatever the policies say."""
    return caller_kind in ALWAYS_ALLOWED.get(action_lower, ())


@lru_cache(maxsize=16)
def always_allowed_for(caller_kind: str) -> frozenset[str]:
    """The lower-case calls AWS lets this kind of caller make whatever the policies say (for a
    caller asking about many actions: one set look-up each)."""
    return frozenset(a for a in ALWAYS_ALLOWED if is_always_allowed(a, caller_kind))


def never_changeable(action: str, resource: str) -> str | None:
    """Why no principal of an account can do this to this resource, or None when it can."""
    action_lower = action.lower()
    for pattern, actions, why in _NEVER_CHANGEABLE:
        if action_lower in actions and arn_pattern_covers(pattern, resource):
            return f"{why}; no policy can allow {action} on it"
    return None
