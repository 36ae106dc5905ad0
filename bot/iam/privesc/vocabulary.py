"""The IAM actions the escalation search treats specially, and the empty answers it
shares."""

from __future__ import annotations

from bot.iam.privesc_methods import EscalationMethod

PASS_ROLE = "iam:passrole"
SET_DEFAULT_VERSION = "iam:setdefaultpolicyversion"
CREATE_POLICY_VERSION = "iam:createpolicyversion"
POLICY_VERSION_ACTIONS = frozenset({CREATE_POLICY_VERSION, SET_DEFAULT_VERSION})
# Actions that escalate even when aimed at the principal itself (a policy on its own user or
# role). Creating keys or a password for oneself, by contrast, gains nothing: the common
# self-service pattern (`user/${aws:username}`) must not count as iam-002 / iam-004.
SELF_ESCALATING = {
    "user": frozenset(
        {
            "iam:putuserpolicy",
            "iam:attachuserpolicy",
            "iam:deleteuserpermissionsboundary",
            "iam:putuserpermissionsboundary",
        }
    ),
    "role": frozenset(
        {
            "iam:putrolepolicy",
            "iam:attachrolepolicy",
            "iam:deleterolepermissionsboundary",
            "iam:putrolepermissionsboundary",
        }
    ),
}
ANY_SELF_ESCALATING = SELF_ESCALATING["user"] | SELF_ESCALATING["role"]
NO_METHODS: list[EscalationMethod] = []
NOTHING: frozenset[str] = frozenset()
ASSUME_ROLE = "sts:AssumeRole"
# The AWS-managed administrator policy exists in every account, listed in the snapshot or not.
ADMINISTRATOR_ACCESS = "arn:{partition}:iam::aws:policy/AdministratorAccess"
NOT_ACTION = "<notaction>"
ATTACH_ACTIONS = frozenset(
    {"iam:attachuserpolicy", "iam:attachgrouppolicy", "iam:attachrolepolicy"}
)
PUT_POLICY_ACTIONS = frozenset({"iam:putuserpolicy", "iam:putgrouppolicy", "iam:putrolepolicy"})
# Actions that take over another IAM user's credentials: they gain only on a user richer than
# the holder, and only when the user's state lets the call succeed (IAM API reference:
# CreateLoginProfile fails with EntityAlreadyExists on a user with a password,
# UpdateLoginProfile with NoSuchEntity on one without; CreateAccessKey with LimitExceeded on a
# user holding two keys, unless the holder may delete one).
CREATE_ACCESS_KEY = "iam:createaccesskey"
TAKES_OVER_USERS = frozenset(
    {CREATE_ACCESS_KEY, "iam:createloginprofile", "iam:updateloginprofile"}
)
# Rewriting a role's trust to assume it (iam-012) gains what the role holds now.
UPDATE_TRUST = "iam:updateassumerolepolicy"
# Their iam:PermissionsBoundary is the boundary being set, not the target's own.
SETS_BOUNDARY = frozenset({"iam:putuserpermissionsboundary", "iam:putrolepermissionsboundary"})
ASSUMING_ACTIONS = ("sts:assumerole", "sts:assumerolewithwebidentity", "sts:*", "*")
CREATE_ROLE = "iam:createrole"
