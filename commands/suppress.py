"""Suppress... on a finding: a reason and an expiry, approved on the desk, stored in Redis.

The overflow menu's Suppress... opens the modal; its submission becomes an approval request
(kind ``suppress_finding``) posted to the approvers; approving it stores the suppression
(bot.approvals.suppressions), which every later audit of the bot applies and
``iam-audit suppressions export`` writes as TOML.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from bot.approvals.model import ApprovalRequest, Target
from bot.approvals.suppressions import (
    EXPIRY_CHOICES,
    SUPPRESS_CHANGE,
    StoredSuppression,
    glob_literal,
)
from bot.audit.findings import Finding
from bot.model.errors import InputError
from bot.runtime.services import Services
from bot.slack.blocks import notice_message
from bot.slack.suppress_blocks import (
    EXPIRY_BLOCK,
    EXPIRY_INPUT,
    REASON_BLOCK,
    REASON_INPUT,
    SUPPRESS_MODAL,
    suppress_modal,
)
from commands.approval_requests import membership, post_request
from commands.handling import on_submission


def open_modal(services: Services, body: dict[str, Any], report_id: str, index: int) -> None:
    finding = _finding(services, report_id, index)
    channel = (body.get("channel") or {}).get("id", "")
    trigger = body.get("trigger_id", "")
    if not trigger:
        raise InputError("Slack sent no trigger id, so the form cannot open; try again.")
    services.delivery.open_modal(
        trigger,
        suppress_modal(
            finding, report_id=report_id, index=index, channel=channel, choices=EXPIRY_CHOICES
        ),
    )


def _finding(services: Services, report_id: str, index: int) -> Finding:
    found = services.audits.report(report_id)
    if found is None or not 0 <= index < len(found[0].findings):
        raise InputError("That finding is no longer cached; run `/iam-audit audit` again.")
    return found[0].findings[index]


def submission_error(view: dict[str, Any]) -> dict[str, str] | None:
    """Inline errors for the modal (Slack shows them next to the field)."""
    values = (view.get("state") or {}).get("values") or {}
    reason = ((values.get(REASON_BLOCK) or {}).get(REASON_INPUT) or {}).get("value") or ""
    if not reason.strip():
        return {REASON_BLOCK: "Say why this finding is accepted."}
    days = _days(values)
    if days not in EXPIRY_CHOICES:
        return {EXPIRY_BLOCK: "Choose how long to suppress it."}
    return None


def _days(values: dict[str, Any]) -> int:
    chosen = ((values.get(EXPIRY_BLOCK) or {}).get(EXPIRY_INPUT) or {}).get("selected_option")
    try:
        return int((chosen or {}).get("value", ""))
    except ValueError:
        return 0


def on_submit(services: Services, body: dict[str, Any]) -> None:
    """The modal's submission: a suppress_finding request, posted for the approvers."""
    view = body.get("view") or {}
    user = (body.get("user") or {}).get("id", "")
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
        report_id, index, channel = str(meta["r"]), int(meta["i"]), str(meta.get("channel", ""))
    except (ValueError, KeyError, TypeError, OverflowError):  # OverflowError: an index of 1e400
        raise InputError("That form is malformed; run the audit again.") from None
    values = (view.get("state") or {}).get("values") or {}
    reason = " ".join(str(values[REASON_BLOCK][REASON_INPUT]["value"]).split())
    days = _days(values)
    if not reason or days not in EXPIRY_CHOICES:
        raise InputError("A suppression needs a reason and an expiry.")
    finding = _finding(services, report_id, index)
    if services.approvals is None:
        raise InputError("Approvals are not set up in this bot.")
    expires = (services.clock() + timedelta(days=days)).date()
    params = {
        "check": finding.check_id,
        "resource": glob_literal(finding.resource_arn),
        "reason": reason,
        "expires": expires.isoformat(),
    }
    from bot.approvals.desk import Refused  # noqa: PLC0415

    try:
        created = services.approvals.propose_recorded_change(
            requester=user,
            change=SUPPRESS_CHANGE,
            target=Target("finding", f"{finding.check_id} on {finding.resource_arn}"),
            params=params,
            summary=(
                f"Suppress {finding.check_id} on {finding.resource_arn} until {expires.isoformat()}"
            ),
            steps=(
                f"Mute {finding.check_id} on {finding.resource_arn} in every audit of this bot"
                f" until {expires.isoformat()} ({days} days)",
                f"Reason given: {reason}",
            ),
            undo=(
                f"It ends on its own on {expires.isoformat()}; sooner with `iam-audit"
                f" suppressions remove {finding.check_id} <resource>`."
            ),
            is_member=membership(services),
            origin_channel=channel,
        )
    except Refused as exc:
        raise InputError(str(exc)) from None
    posted = post_request(services, created)
    services.delivery.post_ephemeral(
        channel,
        user,
        notice_message(
            f"Suppression request `{posted.id}` posted for the approvers; the finding stays"
            " in the audits until one of them approves it."
        ),
    )


def write_suppression(services: Services, request: ApprovalRequest) -> str:
    """Store the approved suppression; the outcome sentence goes to the request's thread."""
    params = request.params
    stored = StoredSuppression(
        check=str(params["check"]),
        resource=str(params["resource"]),
        reason=str(params["reason"]),
        expires=date.fromisoformat(str(params["expires"])),
        requested_by=request.requester,
        approved_by=request.approver,
        request_id=request.id,
        approved_at=services.clock(),
    )
    services.suppressions.save(stored)
    return (
        f"Suppressed {stored.check} on {stored.resource} until {stored.expires.isoformat()};"
        " the next audit no longer reports it."
    )


def register(app: Any, services: Services) -> None:
    """The modal's submission listener (Bolt's app.view); errors are shown inline."""

    @app.view(SUPPRESS_MODAL)
    def on_view(ack: Any, body: dict[str, Any]) -> None:
        errors = submission_error(body.get("view") or {})
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        on_submission(services, body, on_submit)
