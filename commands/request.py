"""What a subcommand handler receives: who asked, where, the arguments, and how to answer."""

from __future__ import annotations

import logging
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.model.errors import DeliveryError, InputError
from bot.runtime.services import Services
from bot.slack.blocks import Message, notice_message

log = logging.getLogger(__name__)

# Slack encodes these in slash-command text; phones type curly quotes.
_SLACK_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
_SMART_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})
NOT_IN_CHANNEL = "I cannot post in this channel. Invite me first (/invite @iam-audit), then retry."


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

    def post_progress(self, message: Message) -> str | None:
        """Post ``message`` visibly in the request's channel and return its ts. When the bot may
        not post there, the requester is told how to fix it (ephemerally) and None comes back."""
        try:
            return self.services.delivery.post(self.channel_id, message)
        except DeliveryError as exc:
            log.warning("cannot post in %s: %s", self.channel_id, exc)
            self.reply(notice_message(NOT_IN_CHANNEL))
            return None

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


@dataclass(frozen=True)
class Subcommand:
    """A subcommand given as data (the shape of a subcommand module: NAME, USAGE, handle...)."""

    NAME: str
    USAGE: str
    SUMMARY: str
    EXAMPLES: tuple[str, ...]
    handle: Callable[[CommandRequest], None]
