"""MFA checks for users judged by what they can do (effective permissions), not by group name.

Prowler looks for admin users only through group membership; here any path counts (direct,
group, inline, NotAction), because bot.iam.effective aggregates every policy of the user.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.audit.checks._aws_names import (
    AUTHORIZATION_DETAILS_PERMISSIONS,
    CREDENTIAL_REPORT_PERMISSIONS,
    USER,
)
from bot.audit.checks._credentials import user_row_for
from bot.audit.checks.users_mfa import RequestWithoutMfa, requests_without_mfa
from bot.audit.findings import Finding, Severity
from bot.audit.registry import CheckContext, register
from bot.iam.effective import EffectivePermissions, effective_permissions
from bot.iam.privesc import TargetFinder, methods_held, privilege_escalations, target_finder
from bot.iam.sensitive_actions import credential_actions
from bot.model.snapshot import CredentialReportRow, User


def has_mfa_device(ctx: CheckContext, user: User, row: CredentialReportRow) -> bool:
    """The credential report shows an active MFA device, and ListMFADevices (when collected)
    does not show the user without one (the report may predate the device's removal)."""
    if row.flag("mfa_active") is not True:
        return False
    devices = ctx.snapshot.user_mfa_devices
    return devices is None or user.name not in devices or bool(devices[user.name])


_PLAINEST = ("console_session", "long_term_key", "access_key_session")


def _plainest_first(request: RequestWithoutMfa) -> int:
    return _PLAINEST.index(request.kind) if request.kind in _PLAINEST else len(_PLAINEST)


def _users(ctx: CheckContext) -> Iterator[tuple[User, EffectivePermissions]]:
    index = effective_permissions(ctx)
    for user in ctx.snapshot.users:
        yield user, index[user.arn]


def is_privileged(ctx: CheckContext, perms: EffectivePermissions) -> bool:
    """Admin-equivalent, or able to escalate to it."""
    return perms.is_admin_equivalent or perms.arn in privilege_escalations(ctx)


def sensitive_reach(perms: EffectivePermissions, finder: TargetFinder) -> dict[str, object]:
    """What makes a permission set sensitive: admin, escalation methods, credential actions."""
    reach: dict[str, object] = {}
    if perms.is_admin_equivalent:
        reach["admin_equivalent"] = True
        return reach
    methods = methods_held(perms, finder)
    if methods:
        reach["escalation_methods"] = [m.method.id for m in methods]
    credentials = perms.unrestricted_among("credentials_exposure", credential_actions())
    if credentials:
        reach["credential_actions"] = sorted(credentials)
    return reach


@register(
    id="user.admin_without_mfa",
    title="Administrator-equivalent user without MFA",
    severity=Severity.CRITICAL,
    risk="A password or access key alone unlocks full control of the account.",
    remediation="Enable MFA for the user now (or move the work to a role assumed with MFA) and"
    " rotate its credentials.",
    anchors=("Prowler iam_administrator_access_with_mfa",),
    permissions=AUTHORIZATION_DETAILS_PERMISSIONS + CREDENTIAL_REPORT_PERMISSIONS,
    requires=("authorization_details", "credential_report"),
)
def user_admin_without_mfa(ctx: CheckContext) -> Iterator[Finding]:
    """Admin by any path (direct, group, inline, NotAction) and the credential report says no
    MFA. A user missing from the report (created after it, or created again under the name of
    a user the report describes) cannot be judged and is skipped."""
    rows = user_row_for(ctx.snapshot)
    for user, perms in _users(ctx):
        row = rows.get(user.name)
        if row is None or row.flag("mfa_active") is not False:
            continue
        if not perms.is_admin_equivalent:
            continue
        evidence = perms.admin_evidence()
        yield ctx.finding(
            user.arn,
            USER,
            f"{user.name} has administrator-equivalent permissions and no MFA device",
            {
                "mfa_active": row.mfa_active,
                "password_enabled": row.password_enabled,
                "policies": list(evidence.policies()) if evidence else [],
            },
        )


@register(
    id="user.mfa_not_enforced",
    title="Console user's permissions do not require MFA",
    severity=Severity.MEDIUM,
    risk="Sensitive actions remain allowed to a request made without MFA (a console session"
    " signed in without MFA, or a call signed with an access key), so a phished password or a"
    " leaked key is enough to use them.",
    remediation="Attach the self-service MFA policy (deny everything but MFA enrolment with"
    " BoolIfExists aws:MultiFactorAuthPresent false, which also covers access-key calls) or"
    " require MFA in the sensitive statements.",
    anchors=("none: new",),
    permissions=AUTHORIZATION_DETAILS_PERMISSIONS + CREDENTIAL_REPORT_PERMISSIONS,
    requires=("authorization_details", "credential_report"),
)
def user_mfa_not_enforced(ctx: CheckContext) -> Iterator[Finding]:
    """Console users whose sensitive reach (admin, escalation, credential actions) survives a
    request they can make without MFA (bot.audit.checks.users_mfa.requests_without_mfa): a
    console sign-in without MFA (aws:MultiFactorAuthPresent false), and, with an active access
    key or signing certificate, calls signed with it (no MFA key at all) and the sessions it
    obtains without MFA. AWS asks for an enabled device at every console sign-in
    (EnableMFADevice), so a user with a device and no long-term key makes none of them.

    A Deny on ``"Bool": {"aws:MultiFactorAuthPresent": "false"}`` stops the console session but
    not the key's calls (the key is absent there; AWS's examples use BoolIfExists): such a user
    is reported, and the message says the access key is the way in."""
    rows = user_row_for(ctx.snapshot)
    finder = target_finder(effective_permissions(ctx))
    for user, perms in _users(ctx):
        row = rows.get(user.name)
        if row is None or row.flag("password_enabled") is not True:
            continue
        requests = requests_without_mfa(row, mfa_device=has_mfa_device(ctx, user, row))
        if not requests or not sensitive_reach(perms, finder):
            continue
        open_to: dict[str, dict[str, object]] = {}
        reach_by_facts: dict[int, dict[str, object]] = {}  # sessions share their facts
        for request in requests:
            key = id(request.facts)
            if key not in reach_by_facts:
                reach_by_facts[key] = sensitive_reach(perms.with_facts(request.facts), finder)
            if reach_by_facts[key]:
                open_to[request.kind] = reach_by_facts[key]
        if not open_to:
            continue
        # The plainest way in names the finding: the console, else the key's own calls.
        first = min((r for r in requests if r.kind in open_to), key=_plainest_first)
        if "console_session" in open_to:
            message = (
                f"{user.name} signs in to the console and keeps sensitive permissions without MFA"
            )
        else:
            message = f"{user.name} keeps sensitive permissions without MFA in {first.description}"
        yield ctx.finding(
            user.arn,
            USER,
            message,
            {
                "without_mfa": open_to[first.kind],
                "mfa_active": row.mfa_active,
                "requests_without_mfa": [r.kind for r in requests if r.kind in open_to],
            },
        )


@register(
    id="user.virtual_mfa_only",
    title="Privileged user protected only by a virtual or SMS MFA device",
    severity=Severity.LOW,
    risk="Virtual MFA codes can be phished or copied with the phone; privileged users are better"
    " protected by phishing-resistant hardware or FIDO keys.",
    remediation="Register a hardware or FIDO security key for the user.",
    anchors=("Prowler iam_user_hardware_mfa_enabled",),
    permissions=(
        *AUTHORIZATION_DETAILS_PERMISSIONS,
        "iam:ListMFADevices",
        "iam:ListVirtualMFADevices",
    ),
    requires=("authorization_details", "virtual_mfa_devices"),
)
def user_virtual_mfa_only(ctx: CheckContext) -> Iterator[Finding]:
    """Virtual and SMS devices are weak (checks.md: "whose only MFA is virtual/SMS").

    MFA devices come from ListMFADevices per privileged user when collected (on demand);
    otherwise from the virtual device list, which cannot show hardware keys (the evidence says
    so)."""
    snapshot = ctx.snapshot
    virtual_by_user: dict[str, list[str]] = {}
    for device in snapshot.virtual_mfa_devices or ():
        if device.user_arn:
            virtual_by_user.setdefault(device.user_arn, []).append(device.serial_number)
    for user, perms in _users(ctx):
        if snapshot.user_mfa_devices is not None and user.name in snapshot.user_mfa_devices:
            devices = list(snapshot.user_mfa_devices[user.name])
            source = "iam:ListMFADevices"
        else:
            devices = virtual_by_user.get(user.arn, [])
            source = "iam:ListVirtualMFADevices (hardware and FIDO devices are not listed there)"
        if not devices or not all(is_weak_mfa_serial(serial) for serial in devices):
            continue
        if not is_privileged(ctx, perms):
            continue
        yield ctx.finding(
            user.arn,
            USER,
            f"{user.name} is privileged and its only MFA is virtual or SMS",
            {"devices": devices, "source": source},
        )


def is_weak_mfa_serial(serial: str) -> bool:
    """Virtual devices are ARNs `arn:aws:iam::<account>:mfa/<name>` and the SMS devices AWS no
    longer issues `...:sms-mfa/<name>`; hardware TOTP tokens have a bare serial and FIDO keys
    a `:u2f/` ARN."""
    parts = serial.split(":", 5)
    return len(parts) == 6 and parts[0] == "arn" and parts[5].startswith(("mfa/", "sms-mfa/"))
