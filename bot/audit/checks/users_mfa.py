"""IAM users without MFA, read from the credential report."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from bot.audit.checks._aws_names import CREDENTIAL_REPORT_PERMISSIONS, USER
from bot.audit.checks._credentials import (
    CERT_SLOTS,
    KEY_SLOTS,
    active_key_slots,
    days_since,
    has_password,
    user_rows,
)
from bot.audit.findings import Finding, Severity
from bot.audit.registry import CheckContext, register
from bot.iam.mfa_requests import LONG_TERM_KEY_FACTS, SESSION_WITHOUT_MFA_FACTS
from bot.model.snapshot import CredentialReportRow


@dataclass(frozen=True, slots=True)
class RequestWithoutMfa:
    """One way a user can call AWS without MFA, and the MFA keys its requests carry."""

    kind: str  # "console_session" | "access_key_session" | "long_term_key"
    description: str
    facts: Mapping[str, tuple[str, ...]]


def requests_without_mfa(
    row: CredentialReportRow, *, mfa_device: bool | None = None
) -> tuple[RequestWithoutMfa, ...]:
    """The requests without MFA a credential-report row lets the user make.

    A console password without an active MFA device signs in without MFA. An access key signs
    calls itself (no MFA key at all) and also obtains sessions without MFA: GetSessionToken
    needs no permission and "you cannot use policies to control authentication operations"
    (IAM User Guide, "Permissions for GetSessionToken"), so its code is optional. A signing
    certificate signs calls like a key. A column the report leaves unknown counts as held.
    ``mfa_device`` overrides the report's mfa_active (ListMFADevices may be newer)."""
    if mfa_device is None:
        mfa_device = row.flag("mfa_active") is True
    requests: list[RequestWithoutMfa] = []
    keys = any(row.flag(f"access_key_{n}_active") is not False for n in KEY_SLOTS)
    certs = any(row.flag(f"cert_{n}_active") is not False for n in CERT_SLOTS)
    if has_password(row) and not mfa_device:
        requests.append(
            RequestWithoutMfa(
                "console_session", "a console sign-in without MFA", SESSION_WITHOUT_MFA_FACTS
            )
        )
    if keys:
        requests.append(
            RequestWithoutMfa(
                "access_key_session",
                "sessions its access key obtains without MFA (GetSessionToken needs no MFA code)",
                SESSION_WITHOUT_MFA_FACTS,
            )
        )
    if keys or certs:
        requests.append(
            RequestWithoutMfa(
                "long_term_key",
                "calls signed with its access key or signing certificate, which carry no"
                " aws:MultiFactorAuthPresent (a Bool false condition does not match them,"
                " BoolIfExists does)",
                LONG_TERM_KEY_FACTS,
            )
        )
    return tuple(requests)


@register(
    id="user.console_without_mfa",
    title="Console user without MFA",
    severity=Severity.HIGH,
    risk="A console password alone falls to phishing and credential stuffing.",
    remediation="Enable an MFA device for the user (or remove the console password if the user"
    " does not need one), and require MFA in the user's policies.",
    anchors=("CIS 1.9", "Security Hub IAM.5", "Prowler iam_user_mfa_enabled_console_access"),
    permissions=CREDENTIAL_REPORT_PERMISSIONS,
    requires=("credential_report",),
)
def user_console_without_mfa(ctx: CheckContext) -> Iterator[Finding]:
    for row in user_rows(ctx.snapshot):
        if has_password(row) and row.flag("mfa_active") is not True:
            yield ctx.finding(
                row.arn,
                USER,
                f"{row.user} has a console password and no active MFA device",
                {
                    "user": row.user,
                    "password_enabled": row.password_enabled,
                    "password_last_used": row.password_last_used,
                    "mfa_active": row.mfa_active,
                },
            )


@register(
    id="user.without_mfa",
    title="User without MFA",
    severity=Severity.MEDIUM,
    risk="Without MFA a user cannot satisfy MFA conditions, and any of its credentials works"
    " alone.",
    remediation="Enable an MFA device for the user, or replace the user by a role.",
    anchors=("Security Hub IAM.19",),
    permissions=CREDENTIAL_REPORT_PERMISSIONS,
    requires=("credential_report",),
)
def user_without_mfa(ctx: CheckContext) -> Iterator[Finding]:
    """Users younger than the grace period are still enrolling; console users without MFA are
    reported at once by user.console_without_mfa, so nothing risky waits for the grace period."""
    grace_days = ctx.threshold("grace_days")
    for row in user_rows(ctx.snapshot):
        if row.flag("mfa_active") is True:
            continue
        created = row.date("user_creation_time")
        if created is not None and days_since(created, ctx.now) < grace_days:
            continue
        credentials = (["console password"] if has_password(row) else []) + [
            f"access key {slot.number}" for slot in active_key_slots(row)
        ]
        holds = f" (holds {', '.join(credentials)})" if credentials else ""
        yield ctx.finding(
            row.arn,
            USER,
            f"{row.user} has no active MFA device{holds}",
            {"user": row.user, "mfa_active": row.mfa_active, "credentials": credentials},
        )
