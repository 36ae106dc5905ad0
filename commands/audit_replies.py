"""What every audit answer shares: its arguments, and the progress message that becomes the result.

Used by `audit` (the bot's account) and `audit account` (member accounts) alike.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace

from bot.audit.findings import Severity
from bot.audit.report import Report
from bot.model.errors import DeliveryError, IamAuditError, InputError
from bot.runs.account_audits import AuditResult
from bot.runs.workers import report_json
from bot.slack.blocks import Message, audit_page, notice_message, progress_message
from commands.request import CommandRequest

log = logging.getLogger(__name__)

AUDIT_USAGE = "audit [account <id|all>] [--min-severity S] [check-id...]"


@dataclass(frozen=True, slots=True)
class AuditArgs:
    min_severity: Severity | None
    checks: frozenset[str]


def parse_args(args: list[str]) -> AuditArgs:
    min_severity: Severity | None = None
    checks: list[str] = []
    items = iter(args)
    for item in items:
        if item in ("--min-severity", "-s"):
            value = next(items, None)
            if value is None:
                raise InputError("--min-severity needs a value (critical, high, medium, low, info)")
            min_severity = Severity.parse(value)
        elif item.startswith("--min-severity="):
            min_severity = Severity.parse(item.split("=", 1)[1])
        elif item.startswith("-"):
            raise InputError(f"unknown option {item} (usage: {AUDIT_USAGE})")
        else:
            checks.append(item)
    return AuditArgs(min_severity, frozenset(checks))


class ProgressMessage:
    """One requester's message: updated at each stage, then replaced by the result.

    ``offer_remediation`` is False for a member account: the remediations act on the bot's own
    account, so its page carries no Remediate buttons.
    """

    def __init__(
        self,
        request: CommandRequest,
        ts: str,
        args: AuditArgs,
        account_label: str,
        *,
        offer_remediation: bool = True,
    ):
        self._request = request
        self._services = request.services
        self._ts = ts
        self._args = args
        self._label = account_label
        self._offer_remediation = offer_remediation

    def on_stage(self, stage: str, joined: int) -> None:
        message = progress_message(
            self._label, stage, demo=self._services.settings.demo, joined=joined
        )
        self._services.delivery.update(self._request.channel_id, self._ts, message)

    def on_done(self, result: AuditResult) -> None:
        services = self._services
        report = result.report
        if self._args.checks:
            report = _only(report, self._args.checks)
        page = audit_page(
            report,
            report_id=result.report_id,
            page=0,
            page_size=services.settings.page_size,
            now=services.clock(),
            min_severity=self._args.min_severity,
            remediable=services.remediable if self._offer_remediation else frozenset(),
            cached_at=result.saved_at,
            suppressible=self._offer_remediation and services.approvals is not None,
        )
        shown_at = self._show(
            page.message, summary=f"The audit of account {report.account_id} finished"
        )
        if page.needs_file:
            services.delivery.upload_text(
                channel=self._request.channel_id,
                filename=f"iam-audit-{report.account_id}-{result.saved_at:%Y%m%dT%H%M%S}.json",
                content=attachment_json(result),
                title=f"IAM audit of {report.account_id}: full report",
                thread_ts=shown_at,
            )

    def on_error(self, error: IamAuditError) -> None:
        text = f"The audit failed: {error}"
        self._show(notice_message(text), summary=text)

    def _show(self, message: Message, *, summary: str) -> str | None:
        return show_answer(
            self._request, self._ts, message, summary=summary, hint=self._status_hint()
        )

    def _status_hint(self) -> str:
        own = "" if self._offer_remediation else f" {self._label}"  # a member account: name it
        return f"`/iam-audit status{own}` shows the last audit's summary."


def show_answer(
    request: CommandRequest, ts: str, message: Message, *, summary: str, hint: str
) -> str | None:
    """Replace the progress message ``ts`` with ``message``. When Slack refuses (message deleted,
    msg_too_long...), post it anew; failing that, tell the requester ``summary`` and ``hint``
    ephemerally, so nobody is left reading "Auditing..." forever. Returns the ts now showing
    ``message``, or None. A last failure is logged, never raised: nobody is left to tell.

    Shared by every audit answer (one account, a member account, the whole organization)."""
    delivery, channel = request.services.delivery, request.channel_id
    try:
        delivery.update(channel, ts, message)
        return ts
    except DeliveryError as exc:
        log.warning("could not replace the audit progress message in %s: %s", channel, exc)
        refused = exc
    try:
        return delivery.post(channel, message)
    except DeliveryError as exc:
        log.warning("could not post the audit answer anew in %s: %s", channel, exc)
    try:
        request.reply(
            notice_message(f"{summary}. Its message could not be shown here ({refused}). {hint}")
        )
    except DeliveryError as exc:
        log.error("could not tell %s: %r: %s", request.user_id, summary, exc)
    return None


_ATTACHMENTS: OrderedDict[str, str] = OrderedDict()
_ATTACHMENTS_GUARD = threading.Lock()


def attachment_json(result: AuditResult) -> str:
    """The attached report's JSON, made once per report however many requests joined the audit
    (the worker process made it already when audits run in worker processes)."""
    if result.report_json:
        return result.report_json
    with _ATTACHMENTS_GUARD:
        if result.report_id in _ATTACHMENTS:
            return _ATTACHMENTS[result.report_id]
        text = report_json(result.report)
        _ATTACHMENTS[result.report_id] = text
        while len(_ATTACHMENTS) > 2:
            _ATTACHMENTS.popitem(last=False)
        return text


def _only(report: Report, checks: frozenset[str]) -> Report:
    """A joined request for some checks sees only their findings from the full audit it rode on."""
    return replace(report, findings=tuple(f for f in report.findings if f.check_id in checks))
