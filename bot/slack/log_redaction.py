"""Slack's view of log redaction: the one implementation lives in bot.runtime.observability.

slack_sdk logs request headers (Authorization: Bearer xoxb-...) at DEBUG; the bot's own code
never logs a token, and the shared filter makes sure nothing else does either. This module only
re-exports it, so there is a single redaction function and every handler masks the same way.
"""

from __future__ import annotations

import logging

from bot.runtime.observability import RedactSecrets, redact

__all__ = ["RedactSecrets", "RedactSlackTokens", "install", "redact"]

# The name this module used before the two implementations were merged.
RedactSlackTokens = RedactSecrets


def install(handler: logging.Handler) -> None:
    """Add the shared masking filter to ``handler`` once (installing twice would be harmless,
    but a handler listing the same filter repeatedly confuses whoever inspects it)."""
    if not any(isinstance(f, RedactSecrets) for f in handler.filters):
        handler.addFilter(RedactSecrets())
