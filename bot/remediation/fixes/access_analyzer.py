"""Remediations of one family: Access Analyzer (pure plans, registered on import)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.approvals.model import Target
from bot.audit.findings import Finding
from bot.model.errors import InputError
from bot.model.snapshot import AccountSnapshot
from bot.remediation.plan import (
    ANALYZER_NAME,
    Plan,
    Remediation,
    register,
    text_param,
)


def _analyzer_params(finding: Finding, snapshot: AccountSnapshot | None) -> dict[str, Any] | None:
    region = str(finding.evidence.get("region") or (snapshot.region if snapshot else "") or "")
    if not region:
        return None
    kind = "ACCOUNT_UNUSED_ACCESS" if "unused" in finding.check_id else "ACCOUNT"
    return {"region": region, "analyzer_type": kind}


def _analyzer_plan(params: Mapping[str, Any], *, delete: bool) -> Plan:
    region = text_param(params, "region")
    if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", region):
        raise InputError(f"{region!r} is not an AWS region")
    kind = str(params.get("analyzer_type") or "ACCOUNT")
    if kind not in ("ACCOUNT", "ACCOUNT_UNUSED_ACCESS"):
        raise InputError(f"unsupported analyzer type {kind!r}")
    name = str(
        params.get("analyzer_name")
        or (ANALYZER_NAME if kind == "ACCOUNT" else ANALYZER_NAME + "-unused")
    )
    clean = {"region": region, "analyzer_type": kind, "analyzer_name": name}
    verb = "Delete" if delete else "Create"
    return Plan(
        remediation="delete_analyzer" if delete else "enable_access_analyzer",
        target=Target("analyzer", f"{name} ({region})"),
        params=clean,
        summary=f"{verb} IAM Access Analyzer {name} (type {kind}) in {region}",
        steps=(f"access-analyzer:{verb}Analyzer analyzerName={name} type={kind} region={region}",),
        undo="Create it again." if delete else f"Delete analyzer {name} (Undo button).",
        undo_change={
            "remediation": "enable_access_analyzer" if delete else "delete_analyzer",
            "params": clean,
        },
        effect="Access Analyzer starts reporting resources shared outside the account"
        if not delete
        else "Access Analyzer stops reporting for this region.",
    )


register(
    Remediation(
        id="enable_access_analyzer",
        title="Enable an IAM Access Analyzer analyzer",
        changes="Creates an account analyzer (external or unused access) in the region.",
        undo="Delete the analyzer (Undo button).",
        aws_calls=("access-analyzer:CreateAnalyzer", "access-analyzer:ListAnalyzers"),
        iam_actions=(
            "access-analyzer:CreateAnalyzer",
            "access-analyzer:DeleteAnalyzer",
            "access-analyzer:ListAnalyzers",
            "access-analyzer:TagResource",
            "iam:CreateServiceLinkedRole",
        ),
        planner=lambda p: _analyzer_plan(p, delete=False),
        check_ids=("analyzer.disabled", "analyzer.unused_access_disabled"),
        from_finding=_analyzer_params,
    )
)
register(
    Remediation(
        id="delete_analyzer",
        title="Delete an IAM Access Analyzer analyzer (undo of enabling one)",
        changes="Deletes the analyzer and its findings.",
        undo="Create it again.",
        aws_calls=("access-analyzer:DeleteAnalyzer", "access-analyzer:ListAnalyzers"),
        iam_actions=("access-analyzer:DeleteAnalyzer", "access-analyzer:ListAnalyzers"),
        planner=lambda p: _analyzer_plan(p, delete=True),
    )
)
