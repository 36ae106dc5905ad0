"""Account-wide IAM settings: server certificates and identity federation."""

from __future__ import annotations

from collections.abc import Iterator

from bot.audit.checks._aws_names import (
    ACCOUNT,
    CREDENTIAL_REPORT_PERMISSIONS,
    SERVER_CERTIFICATE,
)
from bot.audit.checks._credentials import account_arn, ago, console_user_names
from bot.audit.findings import Finding, Severity
from bot.audit.registry import CheckContext, register
from bot.iam.web_identity import is_workload_issuer


@register(
    id="certificate.expired",
    title="Expired server certificate",
    severity=Severity.MEDIUM,
    risk="An expired certificate left in IAM can be deployed by mistake to a load balancer or"
    " CloudFront, breaking TLS for users.",
    remediation="Delete the expired certificate (`aws iam delete-server-certificate`); manage"
    " certificates in ACM.",
    anchors=(
        "CIS 1.18",
        "Security Hub IAM.26",
        "Prowler iam_no_expired_server_certificates_stored",
    ),
    permissions=("iam:ListServerCertificates",),
    requires=("server_certificates",),
)
def certificate_expired(ctx: CheckContext) -> Iterator[Finding]:
    for certificate in ctx.snapshot.server_certificates or ():
        if certificate.expiration is not None and certificate.expiration < ctx.now:
            yield ctx.finding(
                certificate.arn,
                SERVER_CERTIFICATE,
                f"server certificate {certificate.name} expired"
                f" {ago(certificate.expiration, ctx.now)}",
                {
                    "certificate": certificate.name,
                    "expiration": certificate.expiration.isoformat(),
                },
            )


@register(
    id="federation.none",
    title="No identity federation while console users exist",
    severity=Severity.LOW,
    risk="Console users managed one by one in IAM escape the company's joiner/leaver process and"
    " central MFA; leavers keep working passwords.",
    remediation="Sign people in through IAM Identity Center or a SAML/OIDC identity provider and"
    " remove IAM console passwords.",
    anchors=("CIS 1.20",),
    permissions=(
        "iam:ListSAMLProviders",
        "iam:ListOpenIDConnectProviders",
        *CREDENTIAL_REPORT_PERMISSIONS,
    ),
    requires=("saml_providers", "oidc_providers", "credential_report"),
)
def federation_none(ctx: CheckContext) -> Iterator[Finding]:
    """No SAML and no OIDC provider for people, and at least one IAM user with a console
    password. OIDC providers that issue tokens to pipelines and clusters (GitHub Actions,
    EKS...) federate no person, so they do not count (and the evidence names them)."""
    snapshot = ctx.snapshot
    workload = [p for p in snapshot.oidc_providers or () if is_workload_issuer(p)]
    if snapshot.saml_providers or len(workload) < len(snapshot.oidc_providers or ()):
        return
    console_users = console_user_names(snapshot) or []
    if not console_users:
        return
    shown = ", ".join(console_users[:5]) + (" ..." if len(console_users) > 5 else "")
    yield ctx.finding(
        account_arn(snapshot),
        ACCOUNT,
        f"the account has no SAML or OIDC identity provider for people while"
        f" {len(console_users)} IAM user(s) sign in with a console password ({shown})",
        {
            "console_user_count": len(console_users),
            "console_users": console_users[:50],
            "saml_providers": [],
            "oidc_providers": [],
            "workload_oidc_providers": workload,
        },
    )
