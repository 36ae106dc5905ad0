"""What a subcommand handler receives: who asked, where, the arguments, and how to answer."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from datetime import datetime

from bot.errors import InputError
from bot.services import Services
from bot.slack.blocks import Message

# Slack encodes these in slash-command text; phones type curly quotes.
_SLACK_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
_SMART_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})


@dataclass
class CommandRequest:
    services: Services
    user_id: str
    channel_id: str
    team_id: str = ""
    response_url: str = ""
    trigger_id: str = ""
    text: str = ""
    args: list[str] = field(default_factory=list)

    def reply(self, message: Message) -> None:
        """An ephemeral answer to the requester (response_url, then the bot token)."""
        self.services.delivery.respond(
            response_url=self.response_url,
            channel=self.channel_id,
            user=self.user_id,
            message=message,
        )

    def now(self) -> datetime:
        return self.services.clock()


def command_text(raw: str) -> str:
    """The text as the user typed it: Slack's entities decoded, curly quotes straightened."""
    for entity, char in _SLACK_ENTITIES:
        raw = raw.replace(entity, char)
    return raw.translate(_SMART_QUOTES).strip()


def split_args(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise InputError(f"could not read the arguments: {exc}") from None
