"""The check registry: each check is a plain function with validated metadata beside it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.audit.config import AuditConfig
from bot.audit.findings import Finding, Severity
from bot.model.snapshot import AccountSnapshot

_ID_PATTERN = re.compile(r"^[a-z_]+\.[a-z0-9_]+$")

# Snapshot fields a check may require, and what a user should do when one is missing.
REQUIREMENT_HINTS: dict[str, str] = {
    "credential_report": "the credential report (iam:GenerateCredentialReport/GetCredentialReport;"
    " with --gaad pass --credential-report FILE)",
    "authorization_details": "users, groups, roles and policies"
    " (iam:GetAccountAuthorizationDetails)",
    "password_policy": "the password policy (iam:GetAccountPasswordPolicy)",
    "account_summary": "the account summary (iam:GetAccountSummary)",
    "virtual_mfa_devices": "the virtual MFA devices (iam:ListVirtualMFADevices)",
    "server_certificates": "the server certificates (iam:ListServerCertificates)",
    "saml_providers": "the SAML providers (iam:ListSAMLProviders)",
    "oidc_providers": "the OIDC providers (iam:ListOpenIDConnectProviders)",
    "organizations_features": "the organization's IAM features (iam:ListOrganizationsFeatures)",
    "analyzers": "the Access Analyzer analyzers (access-analyzer:ListAnalyzers)",
    "analyzer_findings": "the Access Analyzer findings (access-analyzer:ListFindings)",
    "user_mfa_devices": "each privileged user's MFA devices (iam:ListMFADevices)",
    "service_last_accessed": "service last-accessed data (`iam-audit audit --last-accessed`:"
    " iam:GenerateServiceLastAccessedDetails / GetServiceLastAccessedDetails)",
}


class CheckSkipped(Exception):
    """Raised by a check when the data it judges could not be read (say, a credential report
    without the root row, as emulators write it): the engine lists the check as skipped with
    this reason, as it does for a missing requirement, instead of as a failed check."""


@dataclass
class CheckContext:
    """What a check gets: the snapshot, the config, the audit time and a cache shared by all."""

    snapshot: AccountSnapshot
    config: AuditConfig
    now: datetime
    shared: dict[str, Any] = field(default_factory=dict)
    meta: CheckMeta | None = None

    def threshold(self, name: str) -> int:
        return self.config.threshold(name)

    def for_check(self, meta: CheckMeta) -> CheckContext:
        return replace(self, meta=meta)

    def finding(
        self,
        resource_arn: str,
        resource_type: str,
        detail: str,
        evidence: dict[str, Any] | None = None,
        *,
        severity: Severity | None = None,
        title: str | None = None,
    ) -> Finding:
        """Build a finding of the current check; the config's severity override wins."""
        meta = self.meta
        if meta is None:
            raise RuntimeError("finding() called outside a check run")
        chosen = self.config.severity_overrides.get(meta.id) or severity or meta.severity
        return Finding(
            check_id=meta.id,
            severity=chosen,
            resource_arn=resource_arn,
            resource_type=resource_type,
            title=title or meta.title,
            detail=detail,
            evidence=evidence or {},
            remediation=meta.remediation,
        )


CheckFunction = Callable[[CheckContext], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class CheckMeta:
    id: str
    title: str
    severity: Severity
    risk: str
    remediation: str
    anchors: tuple[str, ...] = ()
    permissions: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    family: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity.value,
            "risk": self.risk,
            "remediation": self.remediation,
            "anchors": list(self.anchors),
            "permissions": list(self.permissions),
            "requires": list(self.requires),
            "family": self.family,
        }


@dataclass(frozen=True, slots=True)
class RegisteredCheck:
    meta: CheckMeta
    run: CheckFunction


_REGISTRY: dict[str, RegisteredCheck] = {}


def register(
    *,
    id: str,
    title: str,
    severity: Severity,
    risk: str,
    remediation: str,
    anchors: Iterable[str] = (),
    permissions: Iterable[str] = (),
    requires: Iterable[str] = (),
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check function under a public id with its metadata (validated here)."""
    if not _ID_PATTERN.match(id):
        raise ValueError(f"check id {id!r} must look like 'family.name'")
    requires = tuple(requires)
    for requirement in requires:
        if requirement not in REQUIREMENT_HINTS:
            raise ValueError(f"check {id}: unknown requirement {requirement!r}")
    if not title or not risk or not remediation:
        raise ValueError(f"check {id}: title, risk and remediation are required")
    meta = CheckMeta(
        id=id,
        title=title,
        severity=severity,
        risk=risk,
        remediation=remediation,
        anchors=tuple(anchors),
        permissions=tuple(sorted(set(permissions))),
        requires=requires,
        family=id.split(".", 1)[0],
    )

    def decorator(function: CheckFunction) -> CheckFunction:
        if id in _REGISTRY and _REGISTRY[id].run is not function:
            raise ValueError(f"check id {id!r} registered twice")
        _REGISTRY[id] = RegisteredCheck(meta, function)
        return function

    return decorator


def all_checks() -> dict[str, RegisteredCheck]:
    """Every registered check, importing the check families on first use."""
    import bot.audit.checks  # noqa: F401, PLC0415 - registers the families by import

    return dict(sorted(_REGISTRY.items()))
