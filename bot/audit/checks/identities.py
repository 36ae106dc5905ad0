"""AWS-managed policies that should not be attached to identities as they are."""

from __future__ import annotations

from collections.abc import Iterator

from bot.audit.checks._aws_names import AUTHORIZATION_DETAILS_PERMISSIONS, GROUP, ROLE, USER
from bot.audit.findings import Finding, Severity
from bot.audit.registry import CheckContext, register
from bot.model.snapshot import AccountSnapshot, AttachedPolicy, Group, Role, User


def aws_managed_policy_arn(snapshot: AccountSnapshot, name: str) -> str:
    return f"arn:{snapshot.partition}:iam::aws:policy/{name}"


def identities_with_policy(
    snapshot: AccountSnapshot, policy_arn: str
) -> Iterator[tuple[User | Group | Role, str, AttachedPolicy]]:
    """Each user, group and role with ``policy_arn`` attached, with its resource type."""
    for kind, identities in (
        (USER, snapshot.users),
        (GROUP, snapshot.groups),
        (ROLE, snapshot.roles),
    ):
        for identity in identities:
            for policy in identity.attached_policies:
                if policy.arn == policy_arn:
                    yield identity, kind, policy
                    break


_KIND_NAMES = {USER: "user", GROUP: "group", ROLE: "role"}


def _attached_findings(ctx: CheckContext, policy_name: str) -> Iterator[Finding]:
    policy_arn = aws_managed_policy_arn(ctx.snapshot, policy_name)
    for identity, kind, _policy in identities_with_policy(ctx.snapshot, policy_arn):
        members = ""
        if kind == GROUP:
            names = sorted(u.name for u in ctx.snapshot.users if identity.name in u.groups)
            members = f" (members: {', '.join(names)})" if names else " (no members)"
        yield ctx.finding(
            identity.arn,
            kind,
            f"{_KIND_NAMES[kind]} {identity.name} has the AWS-managed {policy_name} policy"
            f" attached{members}",
            {
                "identity": identity.name,
                "identity_type": _KIND_NAMES[kind],
                "policy_arn": policy_arn,
            },
        )


@register(
    id="identity.aws_admin_attached",
    title="AdministratorAccess attached",
    severity=Severity.HIGH,
    risk="AdministratorAccess makes the identity (and everyone who can act as it) a full"
    " administrator of the account.",
    remediation="Replace AdministratorAccess by policies scoped to the job; keep admin rights in"
    " a role assumed with MFA for break-glass use.",
    anchors=(
        "Prowler iam_user_administrator_access_policy",
        "Prowler iam_group_administrator_access_policy",
        "Prowler iam_role_administratoraccess_policy",
    ),
    permissions=AUTHORIZATION_DETAILS_PERMISSIONS,
    requires=("authorization_details",),
)
def identity_aws_admin_attached(ctx: CheckContext) -> Iterator[Finding]:
    """One finding per user, group or role with AdministratorAccess attached."""
    yield from _attached_findings(ctx, "AdministratorAccess")


@register(
    id="identity.cloudshell_full_access",
    title="AWSCloudShellFullAccess attached",
    severity=Severity.MEDIUM,
    risk="CloudShell full access allows uploading and downloading files and running a shell with"
    " the identity's credentials: an easy path to exfiltrate data.",
    remediation="Detach AWSCloudShellFullAccess; grant CloudShell only to the few who need it,"
    " without file transfer.",
    anchors=("CIS 1.21", "Security Hub IAM.27", "Prowler iam_policy_cloudshell_admin_not_attached"),
    permissions=AUTHORIZATION_DETAILS_PERMISSIONS,
    requires=("authorization_details",),
)
def identity_cloudshell_full_access(ctx: CheckContext) -> Iterator[Finding]:
    yield from _attached_findings(ctx, "AWSCloudShellFullAccess")
