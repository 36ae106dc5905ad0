"""Shared test builders: snapshots, principals, policies and credential-report rows.

Every builder takes keyword arguments with sensible defaults, so a test states only what matters
to it. Time is fixed: ``NOW`` is the audit time of every test, and ages are given in days before
it (``days_ago(213)``), never read from the real clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.audit.config import AuditConfig
from bot.audit.findings import Finding
from bot.audit.report import Report
from bot.model.snapshot import (
    NOT_APPLICABLE,
    NOT_SUPPORTED,
    ROOT_USER,
    AccountSnapshot,
    AttachedPolicy,
    CredentialReportRow,
    Group,
    InlinePolicy,
    ManagedPolicy,
    PasswordPolicy,
    PolicyDocument,
    Role,
    ServerCertificate,
    User,
    VirtualMfaDevice,
)

NOW = datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC)
ACCOUNT_ID = "123456789012"
OTHER_ACCOUNT_ID = "999988887777"
PARTITION = "aws"

ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY_ACCESS = "arn:aws:iam::aws:policy/ReadOnlyAccess"
CLOUDSHELL_FULL_ACCESS = "arn:aws:iam::aws:policy/AWSCloudShellFullAccess"
SUPPORT_ACCESS = "arn:aws:iam::aws:policy/AWSSupportAccess"

# --- time -----------------------------------------------------------------------------------


def days_ago(days: float) -> datetime:
    """A moment ``days`` before ``NOW``."""
    return NOW - timedelta(days=days)


def iso(moment: datetime) -> str:
    """The credential report's timestamp format (``2026-04-30T12:00:00+00:00``)."""
    return moment.isoformat()


# --- ARNs -----------------------------------------------------------------------------------


def account_arn(account_id: str = ACCOUNT_ID) -> str:
    return f"arn:{PARTITION}:iam::{account_id}:root"


def user_arn(name: str, *, path: str = "/", account_id: str = ACCOUNT_ID) -> str:
    return f"arn:{PARTITION}:iam::{account_id}:user{path}{name}"


def group_arn(name: str, *, path: str = "/", account_id: str = ACCOUNT_ID) -> str:
    return f"arn:{PARTITION}:iam::{account_id}:group{path}{name}"


def role_arn(name: str, *, path: str = "/", account_id: str = ACCOUNT_ID) -> str:
    return f"arn:{PARTITION}:iam::{account_id}:role{path}{name}"


def policy_arn(name: str, *, aws_managed: bool = False, account_id: str = ACCOUNT_ID) -> str:
    owner = "aws" if aws_managed else account_id
    return f"arn:{PARTITION}:iam::{owner}:policy/{name}"


# --- policy documents -----------------------------------------------------------------------


def statement(
    *,
    effect: str = "Allow",
    action: str | list[str] | None = None,
    not_action: str | list[str] | None = None,
    resource: str | list[str] | None = "*",
    not_resource: str | list[str] | None = None,
    principal: Any = None,
    condition: dict[str, Any] | None = None,
    sid: str | None = None,
) -> dict[str, Any]:
    """One policy statement; only the keys given (non-None) appear in it."""
    body: dict[str, Any] = {"Effect": effect}
    for key, value in (
        ("Sid", sid),
        ("Principal", principal),
        ("Action", action),
        ("NotAction", not_action),
        ("Resource", resource if not_resource is None else None),
        ("NotResource", not_resource),
        ("Condition", condition),
    ):
        if value is not None:
            body[key] = value
    return body


def team_bucket_perimeter() -> dict[str, Any]:
    """An ABAC data perimeter: s3:* denied outside the bucket named by the caller's `team` tag."""
    return statement(
        effect="Deny",
        action="s3:*",
        resource=None,
        not_resource=[
            "arn:aws:s3:::${aws:PrincipalTag/team}",
            "arn:aws:s3:::${aws:PrincipalTag/team}/*",
        ],
    )


def policy_document(*statements: dict[str, Any]) -> PolicyDocument:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> PolicyDocument:
    """A one-statement document allowing ``action`` on ``resource``."""
    return policy_document(statement(action=action, resource=resource, **extra))


def trust_policy(
    principal: Any,
    *,
    condition: dict[str, Any] | None = None,
    action: str | list[str] = "sts:AssumeRole",
) -> PolicyDocument:
    """A role trust policy letting ``principal`` assume the role."""
    return policy_document(
        statement(principal=principal, action=action, resource=None, condition=condition)
    )


def service_trust(service: str = "lambda.amazonaws.com", **kwargs: Any) -> PolicyDocument:
    return trust_policy({"Service": service}, **kwargs)


def account_trust(account_id: str = ACCOUNT_ID, **kwargs: Any) -> PolicyDocument:
    return trust_policy({"AWS": account_arn(account_id)}, **kwargs)


# --- the origin.md example policies --------------------------------------------------------------
# The two policies of the write-up the project started from (/work/shared/origin.md), verbatim:
# each one is subtly wrong (ListBucket on an object ARN; an MFA deny that also blocks enrolling
# MFA), so linter, evaluator, lint and simulate tests all use them. Treat them as read-only.

ORIGIN_S3_EXAMPLE: PolicyDocument = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["s3:ListBucket", "s3:GetObject"],
            "Resource": "arn:aws:s3:::example-bucket/*",
        }
    ],
}
ORIGIN_MFA_EXAMPLE: PolicyDocument = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": False}},
        }
    ],
}


# --- principals and policies ----------------------------------------------------------------


def attached(*arns: str) -> tuple[AttachedPolicy, ...]:
    """AttachedPolicy entries from ARNs (the name is the ARN's last segment)."""
    return tuple(AttachedPolicy(name=arn.rsplit("/", 1)[-1], arn=arn) for arn in arns)


def inline(name: str = "inline", document: PolicyDocument | None = None) -> InlinePolicy:
    return InlinePolicy(
        name=name,
        document=document
        if document is not None
        else allow("s3:GetObject", "arn:aws:s3:::bucket/*"),
    )


def user(
    name: str = "alice",
    *,
    path: str = "/",
    created_days_ago: float = 400,
    groups: Iterable[str] = ("developers",),
    attached_policies: Iterable[str] = (),
    inline_policies: Iterable[InlinePolicy] = (),
    permissions_boundary_arn: str | None = None,
    tags: dict[str, str] | None = None,
) -> User:
    """An IAM user (by default a member of ``developers`` with no direct policies)."""
    return User(
        name=name,
        arn=user_arn(name, path=path),
        user_id=f"AIDA{name.upper()}",
        path=path,
        create_date=days_ago(created_days_ago),
        groups=tuple(groups),
        attached_policies=attached(*attached_policies),
        inline_policies=tuple(inline_policies),
        permissions_boundary_arn=permissions_boundary_arn,
        tags=dict(tags or {}),
    )


def group(
    name: str = "developers",
    *,
    path: str = "/",
    created_days_ago: float = 400,
    attached_policies: Iterable[str] = (),
    inline_policies: Iterable[InlinePolicy] = (),
) -> Group:
    return Group(
        name=name,
        arn=group_arn(name, path=path),
        group_id=f"AGPA{name.upper()}",
        path=path,
        create_date=days_ago(created_days_ago),
        attached_policies=attached(*attached_policies),
        inline_policies=tuple(inline_policies),
    )


def role(
    name: str = "app",
    *,
    path: str = "/",
    created_days_ago: float = 400,
    trust: PolicyDocument | None = None,
    attached_policies: Iterable[str] = (),
    inline_policies: Iterable[InlinePolicy] = (),
    last_used_days_ago: float | None = 1,
    permissions_boundary_arn: str | None = None,
) -> Role:
    """A role (by default trusted by Lambda with a source-account guard, used yesterday)."""
    if trust is None:
        trust = service_trust(condition={"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}})
    return Role(
        name=name,
        arn=role_arn(name, path=path),
        role_id=f"AROA{name.upper()}",
        path=path,
        create_date=days_ago(created_days_ago),
        trust_policy=trust,
        attached_policies=attached(*attached_policies),
        inline_policies=tuple(inline_policies),
        permissions_boundary_arn=permissions_boundary_arn,
        last_used=None if last_used_days_ago is None else days_ago(last_used_days_ago),
        last_used_region=None if last_used_days_ago is None else "us-east-1",
    )


def service_linked_role(name: str = "AWSServiceRoleForSupport", **kwargs: Any) -> Role:
    kwargs.setdefault("trust", service_trust("support.amazonaws.com"))
    return role(name, path="/aws-service-role/support.amazonaws.com/", **kwargs)


def managed_policy(
    name: str = "app-policy",
    document: PolicyDocument | None = None,
    *,
    aws_managed: bool = False,
    attachment_count: int = 1,
    boundary_usage_count: int = 0,
    created_days_ago: float = 400,
) -> ManagedPolicy:
    """A managed policy (customer-managed and attached once unless told otherwise)."""
    return ManagedPolicy(
        name=name,
        arn=policy_arn(name, aws_managed=aws_managed),
        policy_id=f"ANPA{name.upper()}",
        path="/",
        document=document
        if document is not None
        else allow("s3:GetObject", "arn:aws:s3:::bucket/*"),
        attachment_count=attachment_count,
        boundary_usage_count=boundary_usage_count,
        create_date=days_ago(created_days_ago),
        update_date=days_ago(created_days_ago),
    )


# --- credential report ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeySpec:
    """One access-key slot of a credential-report row."""

    active: bool = True
    rotated_days_ago: float = 30
    last_used_days_ago: float | None = 1  # None = never used (N/A)
    service: str = "s3"


def key(
    *, active: bool = True, rotated_days_ago: float = 30, last_used_days_ago: float | None = 1
) -> KeySpec:
    return KeySpec(
        active=active, rotated_days_ago=rotated_days_ago, last_used_days_ago=last_used_days_ago
    )


def _key_columns(slot: int, spec: KeySpec | None) -> dict[str, str]:
    if spec is None:
        return {f"access_key_{slot}_active": "false"}
    used = spec.last_used_days_ago is not None
    return {
        f"access_key_{slot}_active": "true" if spec.active else "false",
        f"access_key_{slot}_last_rotated": iso(days_ago(spec.rotated_days_ago)),
        f"access_key_{slot}_last_used_date": (
            iso(days_ago(spec.last_used_days_ago)) if used else NOT_APPLICABLE  # type: ignore[arg-type]
        ),
        f"access_key_{slot}_last_used_region": "us-east-1" if used else NOT_APPLICABLE,
        f"access_key_{slot}_last_used_service": spec.service if used else NOT_APPLICABLE,
    }


def credential_row(
    name: str = "alice",
    *,
    created_days_ago: float = 400,
    password: bool = False,
    password_last_used_days_ago: float | None = None,
    password_changed_days_ago: float | None = None,
    mfa: bool = False,
    key1: KeySpec | None = None,
    key2: KeySpec | None = None,
    cert1_active: bool = False,
    cert2_active: bool = False,
    **raw_columns: str,
) -> CredentialReportRow:
    """A credential-report row for user ``name``; ``raw_columns`` override any column verbatim.

    ``password=True`` gives a console password changed at creation (unless
    ``password_changed_days_ago`` is given) and never used unless ``password_last_used_days_ago``.
    """
    columns: dict[str, str] = {
        "user": name,
        "arn": user_arn(name),
        "user_creation_time": iso(days_ago(created_days_ago)),
        "password_enabled": "true" if password else "false",
        "mfa_active": "true" if mfa else "false",
        "cert_1_active": "true" if cert1_active else "false",
        "cert_2_active": "true" if cert2_active else "false",
    }
    if password:
        changed = (
            password_changed_days_ago if password_changed_days_ago is not None else created_days_ago
        )
        columns["password_last_changed"] = iso(days_ago(changed))
        if password_last_used_days_ago is not None:
            columns["password_last_used"] = iso(days_ago(password_last_used_days_ago))
    elif password_last_used_days_ago is not None:
        # A password removed after use keeps its last-used date in the report.
        columns["password_last_used"] = iso(days_ago(password_last_used_days_ago))
    columns.update(_key_columns(1, key1))
    columns.update(_key_columns(2, key2))
    columns.update(raw_columns)
    return CredentialReportRow(**columns)


def console_user_row(name: str = "alice", **kwargs: Any) -> CredentialReportRow:
    """A healthy console user: password used yesterday, MFA on, no keys."""
    kwargs.setdefault("password", True)
    kwargs.setdefault("password_last_used_days_ago", 1)
    kwargs.setdefault("mfa", True)
    return credential_row(name, **kwargs)


def root_row(
    *,
    mfa: bool = True,
    password_last_used_days_ago: float | None = 200,
    key1: KeySpec | None = None,
    key2: KeySpec | None = None,
    cert1_active: bool = False,
    cert2_active: bool = False,
    account_id: str = ACCOUNT_ID,
    **raw_columns: str,
) -> CredentialReportRow:
    """The ``<root_account>`` row (password_enabled is ``not_supported`` for root, as in AWS)."""
    columns: dict[str, str] = {
        "password_enabled": NOT_SUPPORTED,
        "password_last_changed": NOT_SUPPORTED,
        "password_next_rotation": NOT_SUPPORTED,
    }
    columns.update(raw_columns)
    row = credential_row(
        ROOT_USER,
        created_days_ago=2000,
        mfa=mfa,
        key1=key1,
        key2=key2,
        cert1_active=cert1_active,
        cert2_active=cert2_active,
        **columns,
    )
    updates = {"arn": account_arn(account_id)}
    if password_last_used_days_ago is not None and "password_last_used" not in raw_columns:
        updates["password_last_used"] = iso(days_ago(password_last_used_days_ago))
    return _replace_row(row, **updates)


def _replace_row(row: CredentialReportRow, **changes: str) -> CredentialReportRow:
    return replace(row, **changes)


# --- account-level data ---------------------------------------------------------------------


def strong_password_policy(**overrides: Any) -> PasswordPolicy:
    """A custom policy passing every password_policy.* check; override fields to weaken it."""
    fields: dict[str, Any] = {
        "custom": True,
        "minimum_length": 14,
        "require_symbols": True,
        "require_numbers": True,
        "require_uppercase": True,
        "require_lowercase": True,
        "allow_users_to_change": True,
        "expire_passwords": True,
        "max_age_days": 90,
        "reuse_prevention": 24,
    }
    fields.update(overrides)
    return PasswordPolicy(**fields)


def virtual_mfa(user_arn_value: str | None, *, name: str = "device") -> VirtualMfaDevice:
    return VirtualMfaDevice(
        serial_number=f"arn:{PARTITION}:iam::{ACCOUNT_ID}:mfa/{name}",
        user_arn=user_arn_value,
        enable_date=days_ago(100) if user_arn_value else None,
    )


def server_certificate(name: str = "web", *, expires_in_days: float = 100) -> ServerCertificate:
    return ServerCertificate(
        name=name,
        arn=f"arn:{PARTITION}:iam::{ACCOUNT_ID}:server-certificate/{name}",
        expiration=NOW + timedelta(days=expires_in_days),
        upload_date=days_ago(300),
    )


_UNSET: Any = object()


def snapshot(
    *,
    users: Iterable[User] = (),
    groups: Iterable[Group] | None = None,
    roles: Iterable[Role] = (),
    policies: Iterable[ManagedPolicy] = (),
    credential_report: Iterable[CredentialReportRow] | None = _UNSET,
    password_policy: PasswordPolicy | None = _UNSET,
    account_summary: dict[str, int] | None = None,
    virtual_mfa_devices: Iterable[VirtualMfaDevice] | None = (),
    server_certificates: Iterable[ServerCertificate] | None = (),
    saml_providers: Iterable[str] | None = (
        f"arn:{PARTITION}:iam::{ACCOUNT_ID}:saml-provider/idp",
    ),
    oidc_providers: Iterable[str] | None = (),
    organizations_features: Iterable[str] | None = ("RootCredentialsManagement", "RootSessions"),
    analyzers: Iterable[Any] | None = None,
    analyzer_findings: Iterable[Any] | None = None,
    user_mfa_devices: dict[str, tuple[str, ...]] | None = None,
    has_authorization_details: bool = True,
    account_id: str = ACCOUNT_ID,
    collected_at: datetime = NOW,
    source: str = "snapshot",
    **extra: Any,
) -> AccountSnapshot:
    """A clean account unless told otherwise; pass ``None`` for data that was not collected.

    Defaults: a root row with MFA and no keys, a strong password policy, a SAML provider,
    centralized root access enabled, no certificates or virtual MFA devices, and a
    ``developers`` group when users are given without groups.
    """
    users = tuple(users)
    if groups is None:
        groups = (group(),) if users else ()
    if credential_report is _UNSET:
        credential_report = (root_row(account_id=account_id),)
    if password_policy is _UNSET:
        password_policy = strong_password_policy()

    def _tuple(value: Iterable[Any] | None) -> tuple[Any, ...] | None:
        return None if value is None else tuple(value)

    return AccountSnapshot(
        account_id=account_id,
        collected_at=collected_at,
        source=source,
        partition=PARTITION,
        users=users,
        groups=tuple(groups),
        roles=tuple(roles),
        policies=tuple(policies),
        credential_report=_tuple(credential_report),
        credential_report_generated_at=None if credential_report is None else collected_at,
        password_policy=password_policy,
        account_summary=account_summary,
        virtual_mfa_devices=_tuple(virtual_mfa_devices),
        server_certificates=_tuple(server_certificates),
        saml_providers=_tuple(saml_providers),
        oidc_providers=_tuple(oidc_providers),
        organizations_features=_tuple(organizations_features),
        analyzers=_tuple(analyzers),
        analyzer_findings=_tuple(analyzer_findings),
        user_mfa_devices=user_mfa_devices,
        has_authorization_details=has_authorization_details,
        **extra,
    )


def with_rows(
    *rows: CredentialReportRow, root: CredentialReportRow | None = None
) -> tuple[CredentialReportRow, ...]:
    """A credential report: the root row (healthy by default) followed by ``rows``."""
    return (root or root_row(), *rows)


# --- running checks -------------------------------------------------------------------------


def audit(
    snap: AccountSnapshot,
    *,
    only: Iterable[str] | None = None,
    config: AuditConfig | None = None,
    now: datetime = NOW,
) -> Report:
    """Run the engine at ``NOW`` (imported lazily so factories stay importable on their own)."""
    from bot.audit.engine import run_audit

    return run_audit(snap, config=config, now=now, only=only)


def run_check(
    check_id: str,
    snap: AccountSnapshot,
    *,
    config: AuditConfig | None = None,
    now: datetime = NOW,
) -> list[Finding]:
    """The findings of one check; fails the test if the check crashed or was skipped."""
    report = audit(snap, only=[check_id], config=config, now=now)
    check_errors = [e for e in report.errors if e.kind == "check"]
    assert not check_errors, f"{check_id} crashed: {check_errors}"
    assert not report.skipped, f"{check_id} skipped: {report.skipped}"
    assert report.checks == (check_id,)
    return list(report.findings)


def config_with(
    *,
    thresholds: dict[str, int] | None = None,
    severity: dict[str, Any] | None = None,
    suppressions: Iterable[Any] = (),
    disabled_checks: Iterable[str] = (),
) -> AuditConfig:
    """An AuditConfig with some thresholds changed from the checks.md defaults."""
    from bot.audit.config import DEFAULT_THRESHOLDS

    return AuditConfig(
        thresholds={**DEFAULT_THRESHOLDS, **(thresholds or {})},
        severity_overrides=dict(severity or {}),
        suppressions=tuple(suppressions),
        disabled_checks=tuple(disabled_checks),
    )


# --- IAM Access Analyzer --------------------------------------------------------------------


def analyzer_arn(name: str = "account", *, region: str = "us-east-1") -> str:
    return f"arn:{PARTITION}:access-analyzer:{region}:{ACCOUNT_ID}:analyzer/{name}"


def analyzer(
    name: str = "account",
    *,
    type: str = "ACCOUNT",
    status: str = "ACTIVE",
    region: str = "us-east-1",
    status_reason: str = "",
) -> Any:
    """An analyzer (an ACTIVE account-zone external-access analyzer unless told otherwise)."""
    from bot.model.snapshot import Analyzer

    return Analyzer(
        name=name,
        arn=analyzer_arn(name, region=region),
        type=type,
        status=status,
        region=region,
        created_at=days_ago(300),
        status_reason=status_reason,
    )


# When the raw Access Analyzer API answers (Stubber responses) say a finding was created/analysed.
ANALYZER_API_TIME = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def analyzer_summary_item(
    finding_id: str, finding_type: str, resource: str, resource_type: str, **extra: Any
) -> dict[str, Any]:
    """One ACTIVE finding of ListFindingsV2 as the AWS API answers it (before the collector
    normalises it), for botocore Stubber answers; ``extra`` adds or overrides keys."""
    return {
        "analyzedAt": ANALYZER_API_TIME,
        "createdAt": ANALYZER_API_TIME,
        "id": finding_id,
        "resource": resource,
        "resourceType": resource_type,
        "resourceOwnerAccount": ACCOUNT_ID,
        "status": "ACTIVE",
        "updatedAt": ANALYZER_API_TIME,
        "findingType": finding_type,
        **extra,
    }


def analyzer_finding(
    finding_type: str = "ExternalAccess",
    *,
    id: str = "f-1",
    resource: str = "arn:aws:s3:::shared-bucket",
    resource_type: str = "AWS::S3::Bucket",
    status: str = "ACTIVE",
    region: str = "us-east-1",
    analyzer_name: str = "account",
    public: bool = False,
    principal: dict[str, str] | None = None,
    actions: Iterable[str] = ("s3:GetObject",),
    conditions: dict[str, str] | None = None,
    last_accessed_days_ago: float | None = None,
    access_key_id: str | None = None,
    services: Iterable[dict[str, Any]] | None = None,
    details_fetched: bool = True,
    error: str | None = None,
) -> Any:
    """An Access Analyzer finding with details in the collector's normalised shape.

    External / internal access: ``principal`` (default: another account), ``actions``,
    ``conditions``, ``public``. Unused access: ``last_accessed_days_ago`` (None = never),
    ``access_key_id``, ``services`` (UnusedPermission entries).
    """
    from bot.model.snapshot import AnalyzerFinding

    details: dict[str, Any] = {"details_fetched": details_fetched}
    if details_fetched:
        if finding_type in ("ExternalAccess", "InternalAccess"):
            who = (
                principal
                if principal is not None
                else ({"AWS": "*"} if public else {"AWS": account_arn(OTHER_ACCOUNT_ID)})
            )
            details["access"] = [
                {
                    "principal": who,
                    "actions": sorted(actions),
                    "conditions": dict(conditions or {}),
                    "is_public": public,
                    "sources": ["POLICY"],
                }
            ]
        else:
            details["last_accessed"] = (
                None if last_accessed_days_ago is None else iso(days_ago(last_accessed_days_ago))
            )
            if access_key_id:
                details["access_key_id"] = access_key_id
            if services is not None:
                details["services"] = list(services)
    if error:
        details["error"] = error
    return AnalyzerFinding(
        id=id,
        analyzer_arn=analyzer_arn(analyzer_name, region=region),
        finding_type=finding_type,
        resource=resource,
        resource_type=resource_type,
        status=status,
        region=region,
        resource_owner_account=ACCOUNT_ID,
        created_at=days_ago(10),
        updated_at=days_ago(2),
        details=details,
    )
