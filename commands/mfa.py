"""`/iam-audit mfa`: MFA posture of the account from the last audit and its snapshot."""

from __future__ import annotations

from bot.slack.blocks import mfa_message
from bot.slack.posture import mfa_posture
from commands.request import CommandRequest
from commands.waiting import answers_after_running_audit, audit_running

NAME = "mfa"
USAGE = "mfa"
SUMMARY = (
    "MFA posture: root (virtual/hardware), console users and all users without MFA, privileged"
    " users with only virtual MFA, users whose permissions do not require MFA; coverage %."
)
EXAMPLES = ("mfa",)


@answers_after_running_audit(NAME)
def handle(request: CommandRequest) -> None:
    audits = request.services.audits
    cached = audits.snapshot()
    latest = audits.latest()
    report = latest[0] if latest else None
    posture = mfa_posture(cached.snapshot, report)
    request.reply(
        mfa_message(
            posture,
            account_id=cached.snapshot.account_id,
            as_of=cached.saved_at,
            now=request.now(),
            audit_running=audit_running(request),
        )
    )
