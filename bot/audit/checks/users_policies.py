"""How users get their permissions: through groups and roles, not policies of their own."""

from __future__ import annotations

from collections.abc import Iterator

from bot.audit.checks._aws_names import AUTHORIZATION_DETAILS_PERMISSIONS, USER
from bot.audit.findings import Finding, Severity
from bot.audit.registry import CheckContext, register


@register(
    id="user.direct_policies",
    title="User has policies of its own",
    severity=Severity.LOW,
    risk="Permissions attached to individual users drift apart and are hard to review or revoke"
    " as a set.",
    remediation="Move the permissions to a group (or a role the user assumes) and detach the"
    " user's own policies.",
    anchors=("CIS 1.14", "Security Hub IAM.2"),
    permissions=AUTHORIZATION_DETAILS_PERMISSIONS,
    requires=("authorization_details",),
)
def user_direct_policies(ctx: CheckContext) -> Iterator[Finding]:
    for user in ctx.snapshot.users:
        managed = [p.name for p in user.attached_policies]
        inline = [p.name for p in user.inline_policies]
        if not managed and not inline:
            continue
        parts = []
        if managed:
            parts.append(f"attached {', '.join(managed)}")
        if inline:
            parts.append(f"inline {', '.join(inline)}")
        yield ctx.finding(
            user.arn,
            USER,
            f"{user.name} has policies of its own ({'; '.join(parts)})",
            {
                "user": user.name,
                "attached_policies": [p.arn for p in user.attached_policies],
                "inline_policies": inline,
            },
        )


@register(
    id="user.not_in_group",
    title="User is in no group",
    severity=Severity.LOW,
    risk="A user outside every group gets permissions only one by one, which escapes group-based"
    " review.",
    remediation="Add the user to the group matching its job, or delete the user if unused.",
    anchors=("AWS Config iam-user-group-membership-check",),
    permissions=AUTHORIZATION_DETAILS_PERMISSIONS,
    requires=("authorization_details",),
)
def user_not_in_group(ctx: CheckContext) -> Iterator[Finding]:
    for user in ctx.snapshot.users:
        if not user.groups:
            yield ctx.finding(
                user.arn,
                USER,
                f"{user.name} is not a member of any group",
                {"user": user.name, "groups": []},
            )
