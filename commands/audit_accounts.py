"""`/iam-audit audit account <id|all> [--min-severity S] [check-id...]`: member accounts.

An id audits that member account through the configured role and answers like `audit` (paging
included). `all` audits every account of the organization on the bounded pool, updates the
progress message as accounts finish, and answers with the cross-account summary; each account's
report is cached under its id. Both run in the worker pool, never in Slack's listener threads.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from bot.model.errors import CollectionError, DeliveryError, IamAuditError, InputError
from bot.organizations.member_audits import (
    ALL,
    OrganizationAudits,
    OrganizationRun,
    organization_job_key,
    organization_of,
)
from bot.organizations.summary import MultiAccountReport, summary_text
from bot.runs.account_audits import AuditResult
from bot.runtime.services import Services
from bot.slack.blocks import (
    Message,
    accounts_progress_message,
    audit_page,
    multi_account_message,
    notice_message,
    progress_message,
)
from bot.slack.home import HomeTab
from commands.audit_replies import ProgressMessage, parse_args, show_answer
from commands.request import CommandRequest

log = logging.getLogger(__name__)

USAGE = "audit account <12-digit account id|all> [--min-severity S] [check-id...]"
# Told when the organization's summary cannot be shown: each account's report is cached.
STATUS_HINT = "`/iam-audit status <account-id>` shows each audited account's last summary."


def usage_error(detail: str) -> InputError:
    return InputError(f"{detail} Usage: /iam-audit {USAGE}")


def handle_account(request: CommandRequest, args: list[str]) -> None:
    """``args`` follow the word `account`; bad input is one short ephemeral sentence."""
    if not args or args[0].startswith("-"):
        raise usage_error("Which account?")
    services = request.services
    organization = organization_of(services)
    try:
        selector = organization.check_selector(args[0])
    except InputError as exc:
        raise usage_error(str(exc)) from None
    parsed = parse_args(args[1:])
    if parsed.checks:
        organization.validate_checks(parsed.checks)
    label = "the organization's accounts" if selector == ALL else f"account {selector}"
    first = (
        accounts_progress_message(label, "listing accounts")
        if selector == ALL
        else progress_message(selector, "collecting", demo=organization.demo)
    )
    ts = request.post_progress(first)
    if ts is None:
        return
    try:
        if selector == ALL:
            subscriber: Any = OrganizationProgress(request, ts, parsed, label, organization)
            services.jobs.submit(
                organization_job_key(selector),
                lambda progress, since: _run_all(organization, progress, since, parsed.checks),
                subscriber,
                scope=parsed.checks,
            )
        else:
            audits = organization.audits_for(selector)
            services.jobs.submit(
                selector,
                lambda progress, since: audits.run(progress, since, parsed.checks),
                MemberProgress(request, ts, parsed, selector),
                scope=parsed.checks,
            )
    except IamAuditError as exc:
        services.delivery.update(request.channel_id, ts, notice_message(str(exc)))


def _run_all(
    organization: OrganizationAudits, progress: Any, since: Any, checks: frozenset[str]
) -> OrganizationRun:
    try:
        accounts = organization.resolve(ALL)
    except CollectionError as exc:
        if exc.code != "AWSOrganizationsNotInUseException":
            raise
        # The CLI's wording names --accounts; in Slack the way out is different.
        raise IamAuditError(
            "this AWS account is not in an AWS Organization: audit one account with"
            " `/iam-audit audit account <id>`, or list the accounts in IAM_AUDIT_ACCOUNTS"
        ) from exc
    if not accounts:
        raise IamAuditError("The organization lists no active account to audit.")
    progress(f"0/{len(accounts)} accounts audited")
    return organization.run_all(
        accounts,
        only=checks,
        progress=lambda done, total: progress(f"{done}/{total} accounts audited"),
        reuse_since=since,
    )


class MemberProgress:
    """One member account: the usual progress stages, then the usual audit page.

    No Remediate buttons: the remediations act on the bot's own account, not on a member.
    """

    def __init__(self, request: CommandRequest, ts: str, args: Any, account_id: str) -> None:
        self._inner = ProgressMessage(request, ts, args, account_id, offer_remediation=False)
        self._request = request

    def on_stage(self, stage: str, joined: int) -> None:
        self._inner.on_stage(stage, joined)

    def on_done(self, result: AuditResult) -> None:
        self._inner.on_done(result)
        _refresh_home(self._request.services)

    def on_error(self, error: IamAuditError) -> None:
        self._inner.on_error(error)


class OrganizationProgress:
    """The org-wide message: "3/12 accounts audited", then the cross-account summary."""

    def __init__(
        self,
        request: CommandRequest,
        ts: str,
        args: Any,
        label: str,
        organization: OrganizationAudits,
    ) -> None:
        self._request = request
        self._services: Services = request.services
        self._ts = ts
        self._args = args
        self._label = label
        self._organization = organization

    def on_stage(self, stage: str, joined: int) -> None:
        self._services.delivery.update(
            self._request.channel_id,
            self._ts,
            accounts_progress_message(self._label, stage, joined=joined),
        )

    def on_done(self, run: OrganizationRun) -> None:
        services = self._services
        multi = run.multi
        if self._args.min_severity:
            multi = MultiAccountReport(
                multi.generated_at,
                tuple(r.filtered(self._args.min_severity) for r in multi.reports),
                multi.failures,
            )
        message = multi_account_message(
            multi,
            report_ids=dict(run.report_ids),
            now=services.clock(),
            demo=self._organization.demo,
        )
        count = len(multi.accounts)
        shown_at = self._show(
            message, summary=f"The audit of {count} account{'s' if count != 1 else ''} finished"
        )
        try:  # the summary table goes with the answer; losing it must not skip the App Home
            services.delivery.upload_text(
                channel=self._request.channel_id,
                filename=f"iam-audit-accounts-{multi.generated_at:%Y%m%dT%H%M%S}.txt",
                content=summary_text(multi),
                title=f"IAM audit of {count} accounts: summary",
                thread_ts=shown_at,
            )
        except DeliveryError as exc:
            log.warning("could not upload the organization audit's summary table: %s", exc)
        _refresh_home(services)

    def on_error(self, error: IamAuditError) -> None:
        text = f"The audit failed: {error}"
        self._show(notice_message(text), summary=text)

    def _show(self, message: Message, *, summary: str) -> str | None:
        """The same fallback as a one-account audit: update, else post anew, else ephemeral."""
        return show_answer(self._request, self._ts, message, summary=summary, hint=STATUS_HINT)


def _refresh_home(services: Services) -> None:
    """Member audits change the cross-account App Home: republish it for those who opened it."""
    try:
        HomeTab(services).refresh_all()
    except IamAuditError as exc:
        log.warning("App Home refresh after the organization audit failed: %s", exc)


# --- buttons ------------------------------------------------------------------------------


def find_member_report(services: Services, report_id: str) -> Any:
    """A member account's cached (Report, StoredReport), or None."""
    return organization_of(services).report(report_id)


def on_open_account(services: Services, body: dict[str, Any]) -> None:
    """Post the clicked account's first page in the thread of the cross-account summary."""
    action = body["actions"][0]
    try:
        report_id = str(json.loads(action.get("value") or "{}")["r"])
    except (ValueError, KeyError, TypeError):
        raise InputError("That button is malformed; run the audit again.") from None
    found = find_member_report(services, report_id)
    if found is None:
        raise InputError(
            "That account's report is no longer cached; run `/iam-audit audit account` again."
        )
    report, stored = found
    page = audit_page(
        report,
        report_id=report_id,
        page=0,
        page_size=services.settings.page_size,
        now=services.clock(),
        cached_at=stored.saved_at,
    )
    channel = body["channel"]["id"]
    services.delivery.post(channel, page.message, thread_ts=body["container"]["message_ts"])
