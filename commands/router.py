"""Routes `/iam-audit <subcommand>` and button clicks: authorization, de-dupe, error replies.

Every entry point acks first (Bolt's 3-second window), then checks authorization server-side,
then runs the handler; any failure becomes one short ephemeral sentence plus a log line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import ModuleType
from typing import Any

from bot.runtime.services import Services
from bot.slack.blocks import CommandHelp, Message, refusal_message
from bot.slack.blocks import help_message as build_help
from commands import (
    analyzer,
    approvals,
    audit,
    digest,
    findings,
    lint,
    mfa,
    rightsize,
    role,
    simulate,
    status,
    user,
)
from commands.handling import on_click, on_submission, run_safely
from commands.request import CommandRequest, Subcommand, command_text, split_args

log = logging.getLogger(__name__)

SLASH = "/iam-audit"


def _handle_help(request: CommandRequest) -> None:
    request.reply(help_message())


# `help` is the router's own: it lists what the router dispatches to.
HELP = Subcommand(
    NAME="help",
    USAGE="help",
    SUMMARY="List the subcommands with examples.",
    EXAMPLES=(),
    handle=_handle_help,
)

SUBCOMMANDS: dict[str, ModuleType] = {HELP.NAME: HELP}  # type: ignore[dict-item]  # same shape
SUBCOMMANDS.update(
    {module.NAME: module for module in (audit, mfa, user, role, simulate, lint, status)}
)
SUBCOMMANDS.update(approvals.SUBCOMMANDS)  # type: ignore[arg-type]  # same NAME/USAGE/handle shape
SUBCOMMANDS[digest.NAME] = digest
SUBCOMMANDS[findings.NAME] = findings
SUBCOMMANDS[analyzer.NAME] = analyzer
SUBCOMMANDS[rightsize.NAME] = rightsize


def help_message(note: str = "") -> Message:
    items = [
        CommandHelp(m.NAME, m.USAGE, m.SUMMARY, tuple(m.EXAMPLES)) for m in SUBCOMMANDS.values()
    ]
    return build_help(items, slash=SLASH, note=note)


def on_command(services: Services, body: dict[str, Any]) -> None:
    """Handle one slash command after it was acked."""
    text = command_text(body.get("text") or "")
    request = CommandRequest(
        services=services,
        user_id=body.get("user_id", ""),
        channel_id=body.get("channel_id", ""),
        team_id=body.get("team_id", ""),
        response_url=body.get("response_url", ""),
        trigger_id=body.get("trigger_id", ""),
        text=text,
    )
    what = f"/iam-audit {text[:60]!r} by {request.user_id} in {request.channel_id}"

    def work() -> None:
        words = text.split(maxsplit=1)
        name = words[0].lower() if words else "help"
        module = SUBCOMMANDS.get(name)
        if module is None:
            request.reply(help_message(note=f"Unknown subcommand {name!r}. Here is what I can do:"))
            return
        refusal = services.authorizer.refusal(
            user_id=request.user_id, channel_id=request.channel_id, subcommand=module.NAME
        )
        if refusal:
            log.info("refused %s: %s", what, refusal)
            request.reply(refusal_message(refusal))
            return
        # A subcommand taking raw text (lint's JSON) reads request.text; shell-style splitting
        # would choke on an apostrophe inside a Sid.
        request.args = [] if getattr(module, "RAW_TEXT", False) else split_args(text)[1:]
        module.handle(request)

    run_safely(what, request.reply, work)


# Which subcommand's allowlist guards each button.
ACTION_SUBCOMMAND: dict[str, str] = dict.fromkeys(audit.ACTIONS, "audit")


def on_action(services: Services, body: dict[str, Any]) -> None:
    """Handle one button click after it was acked: de-duplicated, then authorized again."""
    action_id = ((body.get("actions") or [{}])[0]).get("action_id", "")
    on_click(
        services,
        body,
        lambda services, body, _reply: audit.ACTIONS[action_id](services, body),
        allowlist=ACTION_SUBCOMMAND.get(action_id, "audit"),
    )


def on_view_submission(
    services: Services, body: dict[str, Any], handler: Callable[[Services, dict[str, Any]], None]
) -> None:
    """Handle a modal submission after it was acked; the lint allowlist applies again here."""
    on_submission(services, body, handler, allowlist="lint")
