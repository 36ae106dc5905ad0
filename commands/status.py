"""`/iam-audit status`: the last audit's summary and its age."""

from __future__ import annotations

from bot.slack.blocks import status_message
from commands.request import CommandRequest

NAME = "status"
USAGE = "status"
SUMMARY = "Summary and age of the last audit, and whether one is running."
EXAMPLES = ("status",)


def handle(request: CommandRequest) -> None:
    services = request.services
    latest = services.audits.latest()
    running = services.jobs.is_running(services.audits.target)
    if latest is None:
        message = status_message(
            account_id=services.audits.target,
            summary=None,
            generated_at=None,
            now=request.now(),
            running=running,
            demo=services.settings.demo,
        )
    else:
        report, stored = latest
        message = status_message(
            account_id=report.account_id,
            summary=report.summary(),
            generated_at=stored.saved_at,
            now=request.now(),
            running=running,
            demo=report.is_demo,
            errors=len(report.errors),
        )
    request.reply(message)
