"""Remediations of one family: server certificates (pure plans, registered on import)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.approvals.model import Target
from bot.audit.findings import Finding
from bot.model.snapshot import AccountSnapshot
from bot.remediation.plan import (
    Plan,
    Remediation,
    name_from_arn,
    register,
    text_param,
)


def _cert_params(finding: Finding, _snapshot: AccountSnapshot | None) -> dict[str, Any] | None:
    name = str(finding.evidence.get("certificate") or name_from_arn(finding.resource_arn))
    return {"certificate": name} if name else None


def _cert_plan(params: Mapping[str, Any]) -> Plan:
    name = text_param(params, "certificate")
    return Plan(
        remediation="delete_server_certificate",
        target=Target("server_certificate", name),
        params={"certificate": name},
        summary=f"Delete expired server certificate {name}",
        steps=(f"iam:DeleteServerCertificate ServerCertificateName={name}",),
        undo="Not reversible by the bot: upload the certificate again (UploadServerCertificate)"
        " from your own copy of it and its private key; better, upload a renewed one.",
        effect="Load balancers or CloudFront distributions still using it would fail to"
        " update; AWS refuses the delete while it is in use.",
    )


register(
    Remediation(
        id="delete_server_certificate",
        title="Delete an expired server certificate",
        changes="Deletes the IAM server certificate.",
        undo="Upload it again from your copy (not possible from the bot).",
        aws_calls=("iam:GetServerCertificate", "iam:DeleteServerCertificate"),
        iam_actions=("iam:GetServerCertificate", "iam:DeleteServerCertificate"),
        planner=_cert_plan,
        check_ids=("certificate.expired",),
        from_finding=_cert_params,
    )
)
