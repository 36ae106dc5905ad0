"""A logging filter that masks Slack tokens, so no log line can carry one.

slack_sdk logs request headers (Authorization: Bearer xoxb-...) at DEBUG; the bot's own code
never logs a token, and this filter makes sure nothing else does either.
"""

from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"\b(xox[abpersc]|xapp)-[A-Za-z0-9-]+")


def redact(text: str) -> str:
    return _TOKEN.sub(lambda m: f"{m.group(1)}-***", text)


class RedactSlackTokens(logging.Filter):
    """Rewrites the record's message with tokens masked (args are folded in first)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


def install(handler: logging.Handler) -> None:
    handler.addFilter(RedactSlackTokens())
