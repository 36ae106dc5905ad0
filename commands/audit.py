"""`/iam-audit audit [--min-severity S] [check-id...]`: run an audit with visible progress.

The listener only validates, posts the progress message and queues the work; the audit itself
runs in the bounded pool (bot/runs/jobs.py). "Show more" buttons carry the report id and a page
index; the report is read back from the cache, so a click never trusts content from the client.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from bot.audit.findings import Severity
from bot.model.errors import IamAuditError, InputError
from bot.runtime.services import Services
from bot.slack.blocks import (
    ACTION_FILTER,
    ACTION_FINDING_MENU,
    ACTION_OPEN_ACCOUNT,
    ACTION_REMEDIATE,
    ACTION_SHOW_MORE,
    FILTER_BLOCK_PREFIX,
    audit_page,
    evidence_message,
    notice_message,
    progress_message,
)
from commands import suppress
from commands.audit_accounts import find_member_report, handle_account, on_open_account
from commands.audit_replies import AUDIT_USAGE, ProgressMessage, parse_args
from commands.request import CommandRequest

NAME = "audit"
USAGE = AUDIT_USAGE
SUMMARY = (
    "Audit the account's IAM now: counts by severity, top findings, the full report as a file."
    " `account <id>` audits a member account through the bot's role; `account all` audits every"
    " account of the organization and summarises across them."
)
EXAMPLES = (
    "audit",
    "audit --min-severity high",
    "audit root.mfa_disabled user.console_without_mfa",
    "audit account 210987654321",
    "audit account all --min-severity high",
)

log = logging.getLogger(__name__)


def handle(request: CommandRequest) -> None:
    services = request.services
    if request.args and request.args[0].lower() == "account":
        handle_account(request, request.args[1:])
        return
    args = parse_args(request.args)
    if args.checks:
        services.audits.validate_checks(args.checks)
    latest = services.audits.latest()
    label = latest[0].account_id if latest else services.audits.target
    ts = request.post_progress(progress_message(label, "collecting", demo=services.settings.demo))
    if ts is None:
        return
    subscriber = ProgressMessage(request, ts, args, label)
    try:
        services.jobs.submit(
            services.audits.target,
            lambda progress, since: services.audits.run(progress, since, args.checks),
            subscriber,
            scope=args.checks,
        )
    except IamAuditError as exc:
        services.delivery.update(request.channel_id, ts, notice_message(str(exc)))


# --- buttons ------------------------------------------------------------------------------


def on_show_more(services: Services, body: dict[str, Any]) -> None:
    """Render the requested page of a cached report into the clicked message."""
    action = body["actions"][0]
    try:
        value = json.loads(action.get("value") or "{}")
        report_id = str(value["r"])
        page = int(value["p"])
        min_severity = Severity.parse(value["s"]) if value.get("s") else None
        check_filter = str(value.get("c") or "")
    except (ValueError, KeyError, TypeError, OverflowError):  # OverflowError: a page of 1e400
        raise InputError("That button is malformed; run the audit again.") from None
    _show_page(
        services, body, report_id, page, min_severity=min_severity, check_filter=check_filter
    )


def _show_page(
    services: Services,
    body: dict[str, Any],
    report_id: str,
    page: int,
    *,
    min_severity: Severity | None,
    check_filter: str,
) -> None:
    """Render a page of a cached report (filtered) into the message that was clicked."""
    found = services.audits.report(report_id)
    member = found is None
    if member:  # a member account's report (`audit account ...`): same paging, no Remediate
        found = find_member_report(services, report_id)
    if found is None:
        raise InputError("That report is no longer cached; run `/iam-audit audit` again.")
    report, stored = found
    result = audit_page(
        report,
        report_id=report_id,
        page=page,
        page_size=services.settings.page_size,
        now=services.clock(),
        min_severity=min_severity,
        remediable=frozenset() if member else services.remediable,
        cached_at=stored.saved_at,
        check_filter=check_filter,
        suppressible=not member and services.approvals is not None,
    )
    channel = (body.get("channel") or {}).get("id")
    message_ts = (body.get("container") or {}).get("message_ts")
    if not channel or not message_ts:  # a click that names no message to page through
        raise InputError("That button is malformed; run the audit again.")
    services.delivery.update(channel, message_ts, result.message)


def on_filter(services: Services, body: dict[str, Any]) -> None:
    """The findings list's select: page 0 of one severity (and worse), one check, or all."""
    action = body["actions"][0]
    block_id = str(action.get("block_id", ""))
    chosen = str((action.get("selected_option") or {}).get("value", ""))
    if not block_id.startswith(FILTER_BLOCK_PREFIX) or not chosen:
        raise InputError("That menu is malformed; run the audit again.")
    report_id = block_id.removeprefix(FILTER_BLOCK_PREFIX)
    kind, _, what = chosen.partition(":")
    try:
        min_severity = Severity.parse(what) if kind == "s" else None
    except InputError:
        raise InputError("That menu is malformed; run the audit again.") from None
    _show_page(
        services,
        body,
        report_id,
        0,
        min_severity=min_severity,
        check_filter=what if kind == "c" else "",
    )


def _finding_at(services: Services, report_id: str, index: int) -> Any:
    found = services.audits.report(report_id)
    if found is None or not 0 <= index < len(found[0].findings):
        raise InputError("That finding is no longer cached; run `/iam-audit audit` again.")
    return found[0].findings[index]


def on_finding_menu(services: Services, body: dict[str, Any]) -> None:
    """A finding's overflow menu: Show evidence, Remediate..., Suppress...."""
    action = body["actions"][0]
    chosen = str((action.get("selected_option") or {}).get("value", ""))
    try:
        what, report_id, raw_index = chosen.split("|")
        index = int(raw_index)
    except ValueError:
        raise InputError("That menu is malformed; run the audit again.") from None
    if what == "ev":
        finding = _finding_at(services, report_id, index)
        channel = (body.get("channel") or {}).get("id", "")
        services.delivery.respond(
            response_url=body.get("response_url", ""),
            channel=channel,
            user=(body.get("user") or {}).get("id", ""),
            message=evidence_message(finding),
        )
    elif what == "rem":
        _remediate(services, body, report_id, index)
    elif what == "sup":
        suppress.open_modal(services, body, report_id, index)
    else:
        raise InputError("That menu is malformed; run the audit again.")


def on_remediate(services: Services, body: dict[str, Any]) -> None:
    """Hand the clicked finding to the registered remediation handler, if any."""
    action = body["actions"][0]
    try:
        value = json.loads(action.get("value") or "{}")
        report_id, index = str(value["r"]), int(value["i"])
    except (ValueError, KeyError, TypeError):
        raise InputError("That button is malformed; run the audit again.") from None
    _remediate(services, body, report_id, index)


REMEDIATE_DOUBLE_CLICK_SECONDS = 10


def _remediate(services: Services, body: dict[str, Any], report_id: str, index: int) -> None:
    """One approval request per double click: the button and the menu's Remediate... each
    carry their own action_ts, so the click de-duplication by action_ts lets both through."""
    user = (body.get("user") or {}).get("id", "")
    key = f"remediate-click:{user}:{report_id}:{index}"
    if not services.store.first_seen(key, REMEDIATE_DOUBLE_CLICK_SECONDS):
        services.delivery.respond(
            response_url=body.get("response_url", ""),
            channel=(body.get("channel") or {}).get("id", ""),
            user=user,
            message=notice_message(
                "Already on it: your first click on this finding is being handled."
            ),
        )
        return
    finding = _finding_at(services, report_id, index)
    handler = services.remediations.get(finding.check_id)
    if handler is None:
        raise InputError(f"No remediation is available for {finding.check_id}.")
    handler(services=services, body=body, finding=finding, report_id=report_id)


ACTIONS = {
    ACTION_SHOW_MORE: on_show_more,
    ACTION_SHOW_MORE + "_prev": on_show_more,
    ACTION_REMEDIATE: on_remediate,
    ACTION_OPEN_ACCOUNT: on_open_account,
    ACTION_FINDING_MENU: on_finding_menu,
    ACTION_FILTER: on_filter,
}
