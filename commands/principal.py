"""Shared by `user` and `role`: one principal's credentials, policies, risks and findings."""

from __future__ import annotations

from bot.model.errors import InputError
from bot.slack.blocks import principal_message
from bot.slack.posture import principal_profile
from commands.request import CommandRequest
from commands.waiting import audit_running


def show(request: CommandRequest, kind: str) -> None:
    if len(request.args) != 1:
        raise InputError(f"usage: /iam-audit {kind} <name or ARN>")
    audits = request.services.audits
    cached = audits.snapshot()
    latest = audits.latest()
    profile = principal_profile(
        cached.snapshot, latest[0] if latest else None, kind, request.args[0]
    )
    request.reply(
        principal_message(
            profile,
            as_of=cached.saved_at,
            now=request.now(),
            audit_running=audit_running(request),
        )
    )
