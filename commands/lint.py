"""`/iam-audit lint [policy JSON]`: lint a pasted policy, inline or through a modal."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from bot.iam.catalogue import ActionCatalogue, default_catalogue
from bot.iam.lint_detect import detect_policy_type
from bot.iam.linter import lint_policy
from bot.model.errors import InputError
from bot.model.safe_parse import UnsafeInput, parse_json
from bot.runtime.services import Services
from bot.slack.blocks import (
    LINT_BLOCK_ID,
    LINT_INPUT_ID,
    MAX_BLOCKS,
    Message,
    context,
    escape,
    lint_message,
    lint_modal,
)
from commands.handling import metadata_channel
from commands.request import CommandRequest

NAME = "lint"
USAGE = "lint [policy JSON]"
SUMMARY = "Lint an IAM policy: paste it in a form, or inline after the command."
EXAMPLES = (
    "lint",
    'lint {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}',
)
MAX_POLICY_CHARS = 20_000
RAW_TEXT = True  # the router hands over the text as typed, not shell-split

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _catalogue() -> ActionCatalogue:
    return default_catalogue()


def lint_text(text: str) -> Message:
    """The linter's findings for policy JSON text (its type detected, so a pasted trust policy
    is judged as one); malformed JSON is a finding, not a crash."""
    if len(text) > MAX_POLICY_CHARS:
        raise InputError(f"that policy is {len(text)} characters; the limit is {MAX_POLICY_CHARS}")
    try:
        parse_json(text)
    except UnsafeInput as exc:  # a 5,000-digit number, 10,000 nested brackets: say so, in one line
        raise InputError(f"that policy cannot be linted: {exc}") from None
    except ValueError:
        pass  # malformed JSON: the linter reports it as a finding
    detected = detect_policy_type(text)
    reply = lint_message(
        lint_policy(text, catalogue=_catalogue(), policy_type=detected.policy_type)
    )
    if len(reply["blocks"]) < MAX_BLOCKS:  # say which type was assumed, under the header
        article = "an" if detected.policy_type == "identity" else "a"
        note = f"Linted as {article} {detected.policy_type} policy: {detected.reason}."
        reply["blocks"].insert(1, context([escape(note)]))
    return reply


def _inline_policy(request: CommandRequest) -> str:
    # The JSON is taken verbatim after the word "lint": shell-style splitting would eat its quotes.
    return request.text.strip()[len(NAME) :].strip()


def handle(request: CommandRequest) -> None:
    policy = _inline_policy(request)
    if policy:
        request.reply(lint_text(policy))
        return
    if not request.trigger_id:
        raise InputError("paste the policy after the command: /iam-audit lint {...}")
    request.services.delivery.open_modal(
        request.trigger_id, lint_modal(channel_id=request.channel_id)
    )


def submitted_policy(view: dict[str, Any]) -> str:
    values = view.get("state", {}).get("values", {})
    return str(values.get(LINT_BLOCK_ID, {}).get(LINT_INPUT_ID, {}).get("value") or "").strip()


def on_submit(services: Services, body: dict[str, Any]) -> None:
    """Lint what was pasted in the modal and answer where the command was typed."""
    view = body.get("view", {})
    user_id = body.get("user", {}).get("id", "")
    channel = metadata_channel(body)
    message = lint_text(submitted_policy(view))
    if channel:
        services.delivery.post_ephemeral(channel, user_id, message)
    else:
        services.delivery.post(user_id, message)  # a DM (im:write) when no channel is known
