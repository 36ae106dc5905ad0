"""Answers that need the account's data while the first audit is still collecting it.

`mfa`, `user`, `role` and `simulate` read the cached snapshot. Before the first audit finished
there is none; rather than "run an audit first" while one is running, the requester is told the
audit is running and the answer is posted in the same place (the command's response_url, else
ephemerally with the bot token) when it finishes. With a previous snapshot cached, the handlers
answer from it at once and say its age (see ``audit_running`` in bot.slack.blocks).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from bot.model.errors import IamAuditError
from bot.runs.account_audits import NoAccountDataError
from bot.slack.blocks import notice_message
from commands.request import CommandRequest

log = logging.getLogger(__name__)

Handler = Callable[[CommandRequest], None]


class _AnswerWhenDone:
    """A subscriber of the running audit that runs the command again once it has data."""

    def __init__(self, request: CommandRequest, handler: Handler, what: str) -> None:
        self._request = request
        self._handler = handler
        self._what = what

    def on_stage(self, stage: str, joined: int) -> None:
        pass  # the requester was told once; the channel's progress message shows the stages

    def on_done(self, result: Any) -> None:
        try:
            self._handler(self._request)
        except IamAuditError as exc:
            self._request.reply(notice_message(f"{self._what}: {exc}"))

    def on_error(self, error: IamAuditError) -> None:
        self._request.reply(
            notice_message(f"The audit failed ({error}), so `{self._what}` has no data to answer.")
        )


def audit_running(request: CommandRequest) -> bool:
    """Whether an audit of the bot's account is running now (here or on another replica)."""
    return request.services.jobs.is_running(request.services.audits.target)


def answers_after_running_audit(name: str) -> Callable[[Handler], Handler]:
    """Decorate a handler that reads the snapshot: with no data yet but an audit running, say so
    and answer when it finishes."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def handle(request: CommandRequest) -> None:
            try:
                handler(request)
            except NoAccountDataError:
                what = " ".join([name, *request.args])
                jobs, target = request.services.jobs, request.services.audits.target
                if jobs.watch(target, _AnswerWhenDone(request, handler, what)):
                    request.reply(
                        notice_message(
                            f"An audit of this account is running and there is no earlier data"
                            f" yet; I will answer `{what}` here when it finishes."
                        )
                    )
                    return
                if jobs.is_running(target):  # running on another replica: no callback here
                    raise NoAccountDataError(
                        "An audit of this account is running on another replica and there is"
                        f" no earlier data yet; ask `{what}` again in a minute."
                    ) from None
                handler(request)  # the audit may have finished in between: try once more

        return handle

    return decorate
