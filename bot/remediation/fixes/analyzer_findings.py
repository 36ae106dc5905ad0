"""Remediations of one family: Access Analyzer findings, archived with a reason or unarchived.

Pure plans, registered on import.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.approvals.model import Target
from bot.model.errors import InputError
from bot.remediation.plan import (
    Plan,
    Remediation,
    register,
    text_param,
)

FINDING_STATUS_ARCHIVED = "ARCHIVED"
FINDING_STATUS_ACTIVE = "ACTIVE"
MAX_ARCHIVE_REASON = 1000
_ANALYZER_ARN = re.compile(
    r"arn:[\w-]+:access-analyzer:([a-z]{2}(?:-[a-z]+)+-\d):\d{12}:analyzer/\S+"
)


def _finding_status_plan(params: Mapping[str, Any], *, archive: bool) -> Plan:
    """Archiving hides a risk without changing any access, so it is approved like a change and
    the reason is part of what the approver approves (AWS's UpdateFindings keeps no reason)."""
    analyzer_arn = text_param(params, "analyzer_arn")
    match = _ANALYZER_ARN.fullmatch(analyzer_arn)
    if not match:
        raise InputError(f"{analyzer_arn!r} is not an IAM Access Analyzer analyzer ARN")
    finding_id = text_param(params, "finding_id")
    if not re.fullmatch(r"[\w.:-]{1,256}", finding_id):
        raise InputError(f"{finding_id!r} is not an Access Analyzer finding id")
    reason = str(params.get("reason") or "").strip()
    if archive and not reason:
        raise InputError(
            "say why the finding may be archived (the reason is kept with the request)"
        )
    if len(reason) > MAX_ARCHIVE_REASON:
        raise InputError(f"the reason is too long (at most {MAX_ARCHIVE_REASON} characters)")
    resource = str(params.get("resource") or "")
    finding_type = str(params.get("finding_type") or "")
    clean = {
        "analyzer_arn": analyzer_arn,
        "finding_id": finding_id,
        "region": match.group(1),
        "resource": resource,
        "finding_type": finding_type,
        "reason": reason,
    }
    status = FINDING_STATUS_ARCHIVED if archive else FINDING_STATUS_ACTIVE
    what = f"{finding_type or 'finding'} on {resource or 'an unnamed resource'}"
    inverse = {**clean, "reason": f"undo of archiving: {reason}" if archive else reason}
    return Plan(
        remediation="archive_finding" if archive else "unarchive_finding",
        target=Target("analyzer_finding", finding_id, resource),
        params=clean,
        summary=(
            f"{'Archive' if archive else 'Re-activate'} IAM Access Analyzer finding {finding_id}"
            f" ({what})" + (f". Reason: {reason}" if reason else "")
        ),
        steps=(
            f"access-analyzer:UpdateFindings analyzerArn={analyzer_arn} ids=[{finding_id}]"
            f" status={status} (region {match.group(1)})",
        ),
        undo=(
            "Set the finding ACTIVE again (the Undo button, with a new approval)."
            if archive
            else "Archive it again (with a reason, through a new approval)."
        ),
        undo_change={
            "remediation": "unarchive_finding" if archive else "archive_finding",
            "params": inverse,
        },
        effect=(
            f"The finding leaves the active list and stops being reported. The access itself is"
            f" NOT changed: {resource or 'the resource'} keeps it."
            if archive
            else "The finding is reported as active again."
        ),
    )


register(
    Remediation(
        id="archive_finding",
        title="Archive an IAM Access Analyzer finding (with a reason)",
        changes="Sets the finding's status to ARCHIVED (UpdateFindings); no access is changed.",
        undo="Set it ACTIVE again (the Undo button, with a new approval).",
        aws_calls=("access-analyzer:GetFinding", "access-analyzer:UpdateFindings"),
        iam_actions=("access-analyzer:GetFinding", "access-analyzer:UpdateFindings"),
        planner=lambda p: _finding_status_plan(p, archive=True),
    )
)
register(
    Remediation(
        id="unarchive_finding",
        title="Re-activate an archived IAM Access Analyzer finding (undo of archiving)",
        changes="Sets the finding's status to ACTIVE (UpdateFindings).",
        undo="Archive it again (with a reason).",
        aws_calls=("access-analyzer:GetFinding", "access-analyzer:UpdateFindings"),
        iam_actions=("access-analyzer:GetFinding", "access-analyzer:UpdateFindings"),
        planner=lambda p: _finding_status_plan(p, archive=False),
    )
)
