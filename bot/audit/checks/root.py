"""Root user checks, read from the credential report's ``<root_account>`` row."""

from __future__ import annotations

from collections.abc import Iterator

from bot.audit.checks._aws_names import ACCOUNT, CREDENTIAL_REPORT_PERMISSIONS
from bot.audit.checks._credentials import (
    CERT_SLOTS,
    account_arn,
    active_key_slots,
    ago,
    days_since,
    iso_or_none,
)
from bot.audit.findings import Finding, Severity
from bot.audit.registry import CheckContext, CheckSkipped, register
from bot.model.snapshot import ROOT_USER, AccountSnapshot, CredentialReportRow

ROOT_CREDENTIALS_MANAGEMENT = "RootCredentialsManagement"


def root_row(snapshot: AccountSnapshot) -> CredentialReportRow:
    """The root row. AWS always writes one; a report without it (emulators such as moto and
    LocalStack leave it out) cannot vouch for root either way, so the check is skipped with the
    reason rather than passed or reported as a crash."""
    row = snapshot.credential_row_for().get(ROOT_USER)
    if row is None:
        raise CheckSkipped(
            f"the credential report has no {ROOT_USER} row (AWS always writes one; an emulator"
            " may not), so the root user cannot be judged"
        )
    return row


def _root_has_password(snapshot: AccountSnapshot, row: CredentialReportRow) -> bool:
    """AccountPasswordPresent (account summary) is authoritative; the report says
    ``not_supported`` for root, which proves nothing, so only an explicit ``false`` counts."""
    summary = snapshot.account_summary or {}
    if "AccountPasswordPresent" in summary:
        return bool(summary["AccountPasswordPresent"])
    return row.flag("password_enabled") is not False


def root_credentials_removed(snapshot: AccountSnapshot, row: CredentialReportRow) -> bool:
    """A member account whose root credentials were removed under centralized root access.

    Such a root cannot sign in at all, so a missing MFA device is not a weakness (Prowler and
    ScoutSuite users reported the false alarm).
    """
    if ROOT_CREDENTIALS_MANAGEMENT not in (snapshot.organizations_features or ()):
        return False
    return _without_credentials(snapshot, row)


@register(
    id="root.access_key_present",
    title="Root user has an active access key",
    severity=Severity.CRITICAL,
    risk="A root access key grants unrestricted, unscoped API access to the whole account and"
    " cannot be limited by IAM policies; if it leaks the account is lost.",
    remediation="Delete the root user's access keys (sign in as root > Security credentials >"
    " Access keys) and use IAM roles for automation.",
    anchors=("Prowler iam_no_root_access_key", "CIS 1.3", "Security Hub IAM.4", "ScoutSuite"),
    permissions=CREDENTIAL_REPORT_PERMISSIONS,
    requires=("credential_report",),
)
def root_access_key_present(ctx: CheckContext) -> Iterator[Finding]:
    row = root_row(ctx.snapshot)
    active = active_key_slots(row)
    if active:
        slots = " and ".join(str(slot.number) for slot in active)
        yield ctx.finding(
            account_arn(ctx.snapshot),
            ACCOUNT,
            f"the root user has active access key {slots}",
            {"active_key_slots": [s.evidence() for s in active]},
        )


@register(
    id="root.mfa_disabled",
    title="Root user has no MFA",
    severity=Severity.CRITICAL,
    risk="Without MFA, the root password alone gives full control of the account.",
    remediation="Sign in as root and enable MFA (a hardware key or passkey) under Security"
    " credentials, or remove root credentials centrally from member accounts.",
    anchors=("Prowler iam_root_mfa_enabled", "CIS 1.4", "Security Hub IAM.9"),
    permissions=CREDENTIAL_REPORT_PERMISSIONS,
    requires=("credential_report",),
)
def root_mfa_disabled(ctx: CheckContext) -> Iterator[Finding]:
    """Passes for member accounts whose root credentials were removed centrally.

    A member account cannot read iam:ListOrganizationsFeatures (AWS answers
    AccountNotManagementOrDelegatedAdministrator), so auditing one leaves the features unknown.
    A root with no password (account summary), no key and no certificate then cannot sign in
    as it is: either its credentials were removed centrally (no weakness), or it never had a
    password (accounts created by AWS Organizations) and only email password recovery would
    give it one. AWS Config's root-account-mfa-enabled rule answers NOT_APPLICABLE "if root
    user credentials are not present"; the possible recovery keeps a finding here, at medium
    and saying so, not a critical "root without MFA"."""
    snapshot = ctx.snapshot
    row = root_row(snapshot)
    if row.flag("mfa_active") is True or root_credentials_removed(snapshot, row):
        return
    features = snapshot.organizations_features
    detail = "the root user has no active MFA device"
    severity: Severity | None = None
    if features is None and _without_credentials(snapshot, row):
        detail = (
            "the root user has no password, access key or MFA device, so it cannot sign in as"
            " it is; unless the organization removed root credentials centrally"
            " (iam:ListOrganizationsFeatures could not be read: it answers only in the"
            " management account), a password recovered by email would let it sign in"
            " without MFA"
        )
        severity = Severity.MEDIUM
    yield ctx.finding(
        account_arn(snapshot),
        ACCOUNT,
        detail,
        {
            "mfa_active": row.mfa_active,
            "password_last_used": row.password_last_used,
            # None: not known (the organizations features were not read).
            "centralized_root_access": None
            if features is None
            else ROOT_CREDENTIALS_MANAGEMENT in features,
        },
        severity=severity,
    )


def _without_credentials(snapshot: AccountSnapshot, row: CredentialReportRow) -> bool:
    return (
        not _root_has_password(snapshot, row)
        and not active_key_slots(row)
        and not any(row.flag(f"cert_{n}_active") for n in CERT_SLOTS)
    )


@register(
    id="root.hardware_mfa_missing",
    title="Root user's MFA is a virtual device",
    severity=Severity.HIGH,
    risk="A virtual MFA app lives on a phone that can be lost, cloned or phished; root deserves a"
    " hardware key.",
    remediation="Replace the root user's virtual MFA device with a hardware security key or"
    " passkey.",
    anchors=("CIS 1.5", "Security Hub IAM.6"),
    permissions=("iam:ListVirtualMFADevices",),
    requires=("virtual_mfa_devices",),
)
def root_hardware_mfa_missing(ctx: CheckContext) -> Iterator[Finding]:
    """A virtual MFA device assigned to a user ARN ending in ``:root`` fails the check.

    When the credential report is present and shows root credentials removed under centralized
    root access, the check passes (the root user cannot sign in).
    """
    snapshot = ctx.snapshot
    devices = [
        d for d in snapshot.virtual_mfa_devices or () if (d.user_arn or "").endswith(":root")
    ]
    if not devices:
        return
    if snapshot.credential_report is not None:
        row = snapshot.credential_row_for().get(ROOT_USER)
        if row is not None and root_credentials_removed(snapshot, row):
            return
    yield ctx.finding(
        account_arn(snapshot),
        ACCOUNT,
        f"the root user's MFA is the virtual device {devices[0].serial_number}",
        {
            "virtual_mfa_devices": [
                {"serial_number": d.serial_number, "enabled": iso_or_none(d.enable_date)}
                for d in devices
            ]
        },
    )


_ROOT_USE_COLUMNS = (
    ("password", "password_last_used"),
    ("access key 1", "access_key_1_last_used_date"),
    ("access key 2", "access_key_2_last_used_date"),
)


@register(
    id="root.recently_used",
    title="Root user was used recently",
    severity=Severity.HIGH,
    risk="Everyday use of root bypasses every IAM guard rail and leaves no per-person trail.",
    remediation="Use IAM Identity Center or IAM roles for daily work; keep root for the few"
    " tasks that need it, and find out who used it.",
    anchors=("CIS 1.6", "Security Hub IAM.20"),
    permissions=CREDENTIAL_REPORT_PERMISSIONS,
    requires=("credential_report",),
)
def root_recently_used(ctx: CheckContext) -> Iterator[Finding]:
    """Every credential column is compared (password and both keys), the newest use wins."""
    row = root_row(ctx.snapshot)
    window = ctx.threshold("root_recent_use_days")
    uses = {label: row.date(column) for label, column in _ROOT_USE_COLUMNS}
    recent = {
        label: used
        for label, used in uses.items()
        if used is not None and days_since(used, ctx.now) <= window
    }
    if not recent:
        return
    label, used = max(recent.items(), key=lambda item: item[1])
    yield ctx.finding(
        account_arn(ctx.snapshot),
        ACCOUNT,
        f"the root {label} was used {ago(used, ctx.now)}, within the last {window} days",
        {
            "window_days": window,
            **{column: row.raw(column) for _label, column in _ROOT_USE_COLUMNS},
        },
    )


@register(
    id="root.signing_cert_active",
    title="Root user has an active signing certificate",
    severity=Severity.HIGH,
    risk="An X.509 signing certificate is a long-lived root credential for SOAP-era APIs.",
    remediation="Delete the root user's X.509 signing certificates.",
    anchors=("ScoutSuite",),
    permissions=CREDENTIAL_REPORT_PERMISSIONS,
    requires=("credential_report",),
)
def root_signing_cert_active(ctx: CheckContext) -> Iterator[Finding]:
    row = root_row(ctx.snapshot)
    active = [n for n in CERT_SLOTS if row.flag(f"cert_{n}_active")]
    if active:
        yield ctx.finding(
            account_arn(ctx.snapshot),
            ACCOUNT,
            f"the root user has active signing certificate {' and '.join(map(str, active))}",
            {
                "active_cert_slots": [
                    {"cert_slot": n, "last_rotated": row.raw(f"cert_{n}_last_rotated")}
                    for n in active
                ]
            },
        )


@register(
    id="root.central_management_off",
    title="Centralized root access is not enabled",
    severity=Severity.MEDIUM,
    risk="Without centralized root access every member account keeps its own root password and"
    " MFA to guard, and nobody can remove them from one place.",
    remediation="From the organization's management account run `aws iam"
    " enable-organizations-root-credentials-management` (and root sessions), then remove member"
    " accounts' root credentials.",
    anchors=("Prowler iam_root_credentials_management_enabled", "CIS v7 2.1.1"),
    permissions=("iam:ListOrganizationsFeatures",),
    requires=("organizations_features",),
)
def root_central_management_off(ctx: CheckContext) -> Iterator[Finding]:
    """Judged only when the organization's features were read.

    The collector leaves ``organizations_features`` unset (``None``) when the account is not in
    an organization or may not call ListOrganizationsFeatures, so the engine skips the check
    with that reason: centralized root access only exists inside an organization, and a
    standalone account cannot turn it on. An empty list means "in an organization, nothing
    enabled" and fails.
    """
    features = tuple(ctx.snapshot.organizations_features or ())
    if ROOT_CREDENTIALS_MANAGEMENT in features:
        return
    yield ctx.finding(
        account_arn(ctx.snapshot),
        ACCOUNT,
        "the organization has not enabled centralized root credentials management"
        + (f" (enabled: {', '.join(features)})" if features else " (no IAM features enabled)"),
        {"enabled_features": list(features)},
    )
