"""Block Kit of Suppress... : the modal asking a reason and an expiry (pure)."""

from __future__ import annotations

from typing import Any

from bot.audit.findings import Finding
from bot.render.grammar import plural
from bot.slack.blocks import code, context, escape, modal, section, text_input

SUPPRESS_MODAL = "suppress_finding_modal"
REASON_BLOCK = "suppress_reason"
REASON_INPUT = "reason"
EXPIRY_BLOCK = "suppress_expiry"
EXPIRY_INPUT = "days"
REASON_MAX = 500


def suppress_modal(
    finding: Finding, *, report_id: str, index: int, channel: str, choices: tuple[int, ...]
) -> dict[str, Any]:
    """Reason (required) and expiry (a choice of days); the finding rides in the metadata."""
    options = [
        {"text": {"type": "plain_text", "text": plural(days, "day")}, "value": str(days)}
        for days in choices
    ]
    expiry = {
        "type": "input",
        "block_id": EXPIRY_BLOCK,
        "label": {"type": "plain_text", "text": "Suppress for"},
        "element": {
            "type": "static_select",
            "action_id": EXPIRY_INPUT,
            "options": options,
            "initial_option": options[min(1, len(options) - 1)],
        },
    }
    return modal(
        callback_id=SUPPRESS_MODAL,
        title="Suppress a finding",
        submit="Ask approval",
        metadata={"channel": channel, "r": report_id, "i": index},
        blocks=[
            section(
                f"{code(finding.check_id)} on {code(finding.resource_arn)}\n"
                f"{escape(finding.detail)}"
            ),
            text_input(
                REASON_BLOCK,
                REASON_INPUT,
                "Why is this finding accepted?",
                max_length=REASON_MAX,
                placeholder="e.g. break-glass user, reviewed quarterly by the security team",
            ),
            expiry,
            context(
                [
                    "Hiding a risk is a change: an approver decides, and the suppression expires"
                    " on its own."
                ]
            ),
        ],
    )
