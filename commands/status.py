"""`/iam-audit status`: the last audit's summary and its age."""

from __future__ import annotations

from bot.model.errors import InputError
from bot.slack.blocks import status_message
from commands.request import CommandRequest

NAME = "status"
USAGE = "status [account-id]"
SUMMARY = (
    "Summary and age of the last audit, and whether one is running; with an account id, that"
    " member account's last `audit account` run."
)
EXAMPLES = ("status", "status 210987654321")


def handle(request: CommandRequest) -> None:
    services = request.services
    audits = services.audits
    if request.args:
        from bot.organizations.member_audits import is_account_id, organization_of  # noqa: PLC0415

        if not is_account_id(request.args[0]):
            raise InputError(f"Usage: /iam-audit {USAGE} (a 12-digit AWS account id)")
        audits = organization_of(services).audits_for(request.args[0])
    latest = audits.latest()
    running = services.jobs.is_running(audits.target)
    if latest is None:
        message = status_message(
            account_id=audits.target,
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
