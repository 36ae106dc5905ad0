"""What every Slack listener shares: one-sentence errors, de-duplicated clicks, modal plumbing.

Kept apart from the router and the subcommands so any subcommand can use it without importing
another subcommand (the router imports them all).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from bot.model.errors import IamAuditError, StoreError
from bot.runtime.services import Services
from bot.slack.blocks import Message, notice_message, refusal_message

log = logging.getLogger(__name__)

CLICK_DEDUPE_SECONDS = 3600
ClickHandler = Callable[[Services, dict[str, Any], Callable[[Message], None]], None]


def run_safely(what: str, reply: Callable[[Message], None], work: Callable[[], None]) -> None:
    """Run a handler; every failure is one sentence for the user and a log line with context."""
    try:
        work()
    except StoreError as exc:
        log.error("%s: store unreachable: %s", what, exc)
        _try_reply(what, reply, "The bot's state store (Redis) is unreachable; try again shortly.")
    except IamAuditError as exc:
        log.info("%s: %s", what, exc)
        _try_reply(what, reply, str(exc))
    except Exception:  # a bug must still answer the user; the trace goes to the log only
        log.exception("%s failed", what)
        _try_reply(what, reply, "Something went wrong; the details are in the bot's log.")


def _try_reply(what: str, reply: Callable[[Message], None], text: str) -> None:
    try:
        reply(notice_message(text))
    except IamAuditError as exc:
        log.error("%s: could not tell the user %r: %s", what, text, exc)


def on_click(
    services: Services,
    body: dict[str, Any],
    handler: ClickHandler,
    *,
    allowlist: str | None = None,
) -> None:
    """After the ack: de-duplicate the delivery, re-check the `allowlist` subcommand's allowlist
    when one is named (a button outlives the permission that showed it), then run the handler
    with one-sentence errors."""
    action = (body.get("actions") or [{}])[0]
    user = (body.get("user") or {}).get("id", "")
    channel = (body.get("channel") or {}).get("id", "")
    what = f"click {action.get('action_id')} by {user} in {channel}"

    def reply(msg: Message) -> None:
        services.delivery.respond(
            response_url=body.get("response_url", ""), channel=channel, user=user, message=msg
        )

    def work() -> None:
        key = f"click:{user}:{action.get('action_id')}:{action.get('action_ts', '')}"
        if not services.store.first_seen(key, CLICK_DEDUPE_SECONDS):
            log.info("dropped a repeated %s", what)
            return
        if _refused(services, allowlist, user=user, channel=channel, what=what, reply=reply):
            return
        handler(services, body, reply)

    run_safely(what, reply, work)


def _refused(
    services: Services,
    allowlist: str | None,
    *,
    user: str,
    channel: str,
    what: str,
    reply: Callable[[Message], None],
) -> bool:
    """Whether the `allowlist` subcommand's allowlist (when one is named) refuses the user here;
    the refusal is logged and answered. Checked server-side on every click and submission."""
    if allowlist is None:
        return False
    refusal = services.authorizer.refusal(
        user_id=user, channel_id=channel or None, subcommand=allowlist
    )
    if not refusal:
        return False
    log.info("refused %s: %s", what, refusal)
    reply(refusal_message(refusal))
    return True


def register_clicks(
    app: App,
    services: Services,
    actions: dict[str, ClickHandler],
    *,
    allowlist: str | None = None,
) -> None:
    """One Bolt listener per button action id: ack at once, then `on_click`."""

    def listener_for(handler: ClickHandler) -> Callable[[Ack, dict[str, Any]], None]:
        # Bolt injects listener arguments by name, so the handler is bound by a closure.
        def listener(ack: Ack, body: dict[str, Any]) -> None:
            ack()
            on_click(services, body, handler, allowlist=allowlist)

        return listener

    for action_id, handler in actions.items():
        app.action(action_id)(listener_for(handler))


def on_submission(
    services: Services,
    body: dict[str, Any],
    handler: Callable[[Services, dict[str, Any]], None],
    *,
    allowlist: str | None = None,
) -> None:
    """After a modal's ack: re-check the `allowlist` subcommand's allowlist when one is named,
    then run the handler with one-sentence errors, answered where the modal was opened."""
    user = (body.get("user") or {}).get("id", "")
    channel = metadata_channel(body)
    what = f"modal {(body.get('view') or {}).get('callback_id')} by {user}"

    def reply(msg: Message) -> None:
        if channel:
            services.delivery.post_ephemeral(channel, user, msg)
        else:
            services.delivery.post(user, msg)

    def work() -> None:
        if _refused(services, allowlist, user=user, channel=channel, what=what, reply=reply):
            return
        handler(services, body)

    run_safely(what, reply, work)


def submitted(view: dict[str, Any], block: str, action: str) -> str:
    """The value typed into one input block of a submitted modal ("" when absent)."""
    values = (view.get("state") or {}).get("values") or {}
    return str(((values.get(block) or {}).get(action) or {}).get("value") or "")


def metadata_channel(body: dict[str, Any]) -> str:
    """The channel a modal was opened from, as the opener put it in private_metadata."""
    try:
        data = json.loads((body.get("view") or {}).get("private_metadata") or "{}")
    except ValueError:
        return ""
    return str(data.get("channel", "")) if isinstance(data, dict) else ""
