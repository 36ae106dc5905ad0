"""The App Home tab: posture at a glance, republished after each audit for those who opened it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.audit.report import Report
from bot.model.errors import IamAuditError, InputError
from bot.organizations.summary import combine
from bot.render.grammar import plural
from bot.slack.blocks import (
    MAX_VIEW_BLOCKS,
    Budget,
    account_line_text,
    code,
    context,
    divider,
    escape,
    fields,
    finding_text,
    format_age,
    header,
    section,
    severity_counts,
)
from bot.slack.posture import MfaPosture
from bot.store.base import HistoryEntry, StoredReport

log = logging.getLogger(__name__)

HOME_SUBCOMMAND = "status"
TOP_RISKS = 5
TREND_LENGTH = 8


def trend_line(history: Sequence[HistoryEntry]) -> str:
    """Oldest to newest totals, with critical+high in brackets: "14 (5) -> 12 (3) -> 9 (1)"."""
    if not history:
        return "no audits yet"
    points = []
    for entry in reversed(history[:TREND_LENGTH]):
        total = sum(entry.summary.values())
        serious = entry.summary.get("critical", 0) + entry.summary.get("high", 0)
        points.append(f"{total} ({serious})")
    return " → ".join(points)


def home_view(
    *,
    account_id: str,
    report: Report | None,
    saved_at: datetime | None,
    history: Sequence[HistoryEntry],
    posture: MfaPosture | None,
    now: datetime,
    running: bool = False,
) -> dict[str, Any]:
    budget = Budget(max_blocks=MAX_VIEW_BLOCKS)
    budget.add(header(f"IAM posture: account {account_id}"))
    if report is None:
        budget.add(
            section("No audit yet. Type `/iam-audit audit` in a channel where I am invited.")
        )
    else:
        budget.add(
            context(
                [
                    f"Last audit {escape(report.generated_at.isoformat(timespec='seconds'))}"
                    f" ({format_age(saved_at or report.generated_at, now)})",
                    f"{plural(len(report.findings), 'finding')},"
                    f" {plural(len(report.checks), 'check')}",
                    *(["demo account"] if report.is_demo else []),
                ]
            )
        )
        budget.add(fields(severity_counts(report.summary())))
        budget.add(
            section(f"*Trend* (total, critical+high; oldest → newest)\n{trend_line(history)}")
        )
        if posture is not None:
            coverage = posture.coverage_percent
            budget.add(
                section(
                    f"*MFA coverage:* {'n/a' if coverage is None else f'{coverage}%'}"
                    f" of users ({posture.users_with_mfa}/{posture.users}); root MFA:"
                    f" {escape(posture.root)}; console users without MFA:"
                    f" {len(posture.console_without_mfa)}"
                )
            )
        budget.add(divider())
        budget.add(section("*Top risks*"))
        for finding in report.findings[:TOP_RISKS]:
            budget.add(section(finding_text(finding, limit=600)))
        if not report.findings:
            budget.add(section(":white_check_mark: No findings."))
    if running:
        budget.add(context([":hourglass_flowing_sand: An audit is running now."]))
    budget.add(context([f"Refreshed after every audit; details: {code('/iam-audit audit')}"]))
    return {"type": "home", "blocks": budget.blocks}


class HomeTab:
    """Publishes the view; remembers who opened it so an audit can refresh their tab."""

    def __init__(self, services: Any) -> None:  # Services; Any avoids an import cycle
        self._services = services

    def view(self, *, running: bool | None = None) -> dict[str, Any]:
        from bot.slack.posture import mfa_posture  # noqa: PLC0415 - pure, small

        services = self._services
        audits = services.audits
        latest = audits.latest()
        report, stored = latest if latest else (None, None)
        accounts = self._accounts(report, stored)
        if len(accounts) >= 2:  # several accounts audited: one line each plus the totals
            return accounts_home_view(
                accounts=accounts,
                now=services.clock(),
                running=services.jobs.is_running(audits.target) if running is None else running,
            )
        try:
            posture = mfa_posture(audits.snapshot().snapshot, report)
        except InputError:  # no snapshot yet: the view says "no audit yet"
            posture = None
        return home_view(
            account_id=report.account_id if report else audits.target,
            report=report,
            saved_at=stored.saved_at if stored else None,
            history=services.store.report_history(audits.target, TREND_LENGTH),
            posture=posture,
            now=services.clock(),
            running=services.jobs.is_running(audits.target) if running is None else running,
        )

    def _accounts(
        self, own: Report | None, own_stored: StoredReport | None
    ) -> list[tuple[Report, datetime]]:
        """Every account with a cached report: member accounts, plus the bot's own if distinct."""
        from bot.organizations.member_audits import organization_of  # noqa: PLC0415 - built on first use

        try:
            members = organization_of(self._services).cached()
        except IamAuditError as exc:
            log.warning("member accounts unavailable for App Home: %s", exc)
            members = []
        found = [(m.report, m.stored.saved_at) for m in members]
        if own is not None and own.account_id not in {r.account_id for r, _ in found}:
            found.append((own, own_stored.saved_at if own_stored else own.generated_at))
        return found

    def _refusal(self, user_id: str) -> str | None:
        # The tab shows the account's posture: the same people as `status` may see it.
        return self._services.authorizer.refusal(
            user_id=user_id, channel_id=None, subcommand=HOME_SUBCOMMAND
        )

    def opened(self, user_id: str) -> None:
        refusal = self._refusal(user_id)
        if refusal:
            self._services.delivery.publish_home(user_id, refusal_view(refusal))
            return
        self._services.store.add_home_viewer(user_id)
        self._services.delivery.publish_home(user_id, self.view())

    def refresh_all(self) -> int:
        """Republish for everyone who opened the tab and may still see it; returns how many."""
        view = self.view(running=False)  # called as an audit finishes: it is not "running" any more
        updated = 0
        for user_id in sorted(self._services.store.home_viewers()):
            try:
                refusal = self._refusal(user_id)
                self._services.delivery.publish_home(
                    user_id, refusal_view(refusal) if refusal else view
                )
                updated += 0 if refusal else 1
            except IamAuditError as exc:
                log.warning("could not refresh the App Home of %s: %s", user_id, exc)
        return updated


def accounts_home_view(
    *, accounts: Sequence[tuple[Report, datetime]], now: datetime, running: bool = False
) -> dict[str, Any]:
    """Posture across accounts: totals by severity, then one line per account, worst first."""
    multi = combine([report for report, _ in accounts], generated_at=now)
    saved = {report.account_id: at for report, at in accounts}
    budget = Budget(max_blocks=MAX_VIEW_BLOCKS)
    budget.add(header(f"IAM posture: {len(multi.reports)} accounts"))
    totals = multi.totals()
    budget.add(fields(severity_counts(totals)))
    oldest = min(saved.values())
    budget.add(
        context(
            [
                f"{plural(sum(totals.values()), 'finding')} in total",
                f"oldest audit {format_age(oldest, now)}",
            ]
        )
    )
    budget.add(divider())
    lines = multi.lines()
    shown = 0
    for line in lines:
        text = account_line_text(
            line.account_id,
            line.counts,
            line.worst,
            errors=line.errors,
            age=format_age(saved.get(line.account_id), now),
        )
        if not budget.add(section(text, limit=600), reserve_blocks=3):
            break
        shown += 1
    if shown < len(lines):
        budget.add(
            context([f"{plural(len(lines) - shown, 'more account')} not shown"]), reserve_blocks=2
        )
    if running:
        budget.add(context([":hourglass_flowing_sand: An audit is running now."]))
    budget.add(
        context(
            [
                f"Refreshed after every audit; one account: {code('/iam-audit status <id>')},"
                f" all: {code('/iam-audit audit account all')}"
            ]
        )
    )
    return {"type": "home", "blocks": budget.blocks}


def refusal_view(text: str) -> dict[str, Any]:
    return {"type": "home", "blocks": [header("iam-audit"), section(escape(text))]}
