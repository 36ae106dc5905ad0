"""Block Kit of the approvals feature (pure): the request, its decision, results and history.

Every AWS or user string passes through escape()/code() first; policy documents are shown in a
code block, escaped, and clipped to Slack's limits (the content hash covers the full document).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.approvals.catalogue import PolicyTemplate
from bot.approvals.model import ApprovalRequest, State
from bot.remediation.fixes.rightsize import RIGHTSIZE
from bot.render.grammar import plural
from bot.rightsize.text import linter_verdict
from bot.slack.blocks import (
    Block,
    Message,
    actions,
    button,
    clip,
    code,
    context,
    divider,
    escape,
    fields,
    header,
    message,
    modal,
    section,
    text_input,
)

ACTION_APPROVE = "approval_approve"
ACTION_REJECT = "approval_reject"
ACTION_UNDO = "approval_undo"
REJECT_MODAL = "approval_reject_modal"
CUSTOM_MODAL = "approval_custom_policy_modal"
REASON_BLOCK, REASON_INPUT = "reason_block", "reason_input"
POLICY_BLOCK, POLICY_INPUT = "custom_policy_block", "custom_policy_input"
DOCUMENT_CHARS = 2600
MAX_LINT = 8

_STATE_ICON = {
    State.PENDING: ":hourglass_flowing_sand:",
    State.APPROVED: ":white_check_mark:",
    State.APPLYING: ":gear:",
    State.APPLIED: ":white_check_mark:",
    State.PARTLY_APPLIED: ":warning:",
    State.FAILED: ":x:",
    State.REJECTED: ":no_entry:",
    State.EXPIRED: ":alarm_clock:",
    State.CANCELLED: ":wastebasket:",
}


def _when(moment: datetime) -> str:
    return escape(moment.isoformat(timespec="seconds"))


def _bullets(items: Sequence[str], limit: int = 12, total: int | None = None) -> str:
    shown = [f"• {code(i)}" for i in items[:limit]]
    more = (len(items) if total is None else total) - len(shown)
    return "\n".join(shown) + (f"\n…and {more} more" if more > 0 else "")


def request_blocks(request: ApprovalRequest) -> list[Block]:
    """What the approver approves: everything but the buttons and the decision."""
    blocks: list[Block] = [
        header(f"IAM change request {request.id}"),
        section(f"*{escape(request.summary)}*"),
        fields(
            [
                f"*Requested by*\n<@{escape(request.requester)}>",
                f"*Target*\n{code(request.target.describe())}",
                f"*Expires*\n{_when(request.expires_at)}",
                f"*Content hash*\n{code('sha256:' + request.content_hash[:16])}…",
            ]
        ),
        section("*What will happen*\n" + "\n".join(f"• {escape(s)}" for s in request.steps)),
    ]
    if request.diff:
        blocks.append(section("*Diff*\n```" + clip(escape(request.diff), DOCUMENT_CHARS) + "```"))
    elif request.document is not None:
        text = json.dumps(request.document, indent=2, sort_keys=True)
        blocks.append(
            section("*Policy document*\n```" + clip(escape(text), DOCUMENT_CHARS) + "```")
        )
    blocks.append(section(impact_text(request.impact)))
    if request.lint:
        lines = [
            f"• {escape(str(f.get('severity', '')))} {code(f.get('code', ''))}: "
            f"{escape(clip(str(f.get('message', '')), 240))}"
            for f in request.lint[:MAX_LINT]
        ]
        more = len(request.lint) - MAX_LINT
        blocks.append(
            section(
                "*Linter findings*\n"
                + "\n".join(lines)
                + (f"\n…and {more} more" if more > 0 else "")
            )
        )
    else:
        blocks.append(context([_linter_note(request)]))
    undo_note = f"Undo: {escape(request.undo)}"
    if request.undo_of:
        undo_note = f"Undoes request {code(request.undo_of)}. " + undo_note
    blocks.append(context([undo_note, f"Full hash: {code(request.content_hash)}"]))
    return blocks


def _linter_note(request: ApprovalRequest) -> str:
    """A right-sizing has no single document: its linter verdict is in the proof it carries."""
    proof = (request.change.get("params") or {}).get("proof")
    if request.change.get("remediation") == RIGHTSIZE and isinstance(proof, dict):
        return "Linter: " + escape(linter_verdict(proof))
    return "Linter: no findings" if request.document else "Linter: no document"


def impact_text(impact: dict[str, Any]) -> str:
    lines = ["*Simulated impact*"]
    if impact.get("effect"):
        lines.append(escape(impact["effect"]))
    if impact.get("error"):
        lines.append(f":grey_question: {escape(impact['error'])}")
    if "gained" in impact:
        who = ", ".join(str(p).rsplit("/", 1)[-1] for p in impact.get("simulated_on", []))
        lines.append(
            f"Simulated for {escape(who)} on account data of"
            f" {escape(impact.get('snapshot_at', '?'))}"
        )
        gained, lost = impact.get("gained", []), impact.get("lost", [])
        gained_count = impact.get("gained_count", len(gained))
        lost_count = impact.get("lost_count", len(lost))
        lines.append(
            f"Gains {plural(gained_count, 'action')}"
            + (":\n" + _bullets(gained, total=gained_count) if gained else "")
        )
        lines.append(
            f"Loses {plural(lost_count, 'action')}"
            + (":\n" + _bullets(lost, total=lost_count) if lost else "")
        )
        if impact.get("escalation"):
            lines.extend(f":rotating_light: {escape(line)}" for line in impact["escalation"])
        elif impact.get("becomes_admin"):
            lines.append(":rotating_light: becomes an administrator")
        elif impact.get("escalates"):
            lines.append(":rotating_light: gains a privilege-escalation path")
    for warning in impact.get("lockout", []):
        lines.append(f":warning: *Lock-out risk:* {escape(warning)}")
    opinion = impact.get("second_opinion")  # AWS's policy simulator on the same requests
    if opinion:
        lines.append(f":mag: {escape(str(opinion.get('summary', '')))}")
        lines.extend(f"• differs: {escape(str(d))}" for d in opinion.get("differences", []))
    return "\n".join(lines)


def decision_text(request: ApprovalRequest) -> str:
    icon = _STATE_ICON.get(request.state, "")
    parts = []
    for decision in request.decisions:
        who = "the bot" if decision.actor == "bot" else f"<@{escape(decision.actor)}>"
        line = f"{decision.state.value} by {who} at {_when(decision.at)}"
        if decision.reason and decision.state is not State.FAILED:
            line += f": {escape(decision.reason)}"
        parts.append(line)
    state = request.state.value.replace("_", " ").capitalize()
    text = f"{icon} *{state}*: " + "; ".join(parts)
    if request.outcome:
        text += f"\n{escape(request.outcome)}"
    return text


def approval_message(request: ApprovalRequest) -> Message:
    """The request with Approve/Reject while pending; the decision instead once decided."""
    blocks = request_blocks(request)
    blocks.append(divider())
    if request.state is State.PENDING:
        value = {"id": request.id}
        blocks.append(
            actions(
                [
                    button("Approve", ACTION_APPROVE, value, style="primary"),
                    button("Reject", ACTION_REJECT, value, style="danger"),
                ],
                block_id=f"approval:{request.id}",
            )
        )
    else:
        blocks.append(section(decision_text(request)))
    # The fallback feeds notifications, where <!channel> would ping too: escaped as well.
    fallback = f"IAM change request {request.id} ({request.state.value}): {escape(request.summary)}"
    return message(fallback, blocks)


def result_message(request: ApprovalRequest, *, can_undo: bool) -> Message:
    """Posted in the request's thread after the apply (or a refusal to apply)."""
    lines = [decision_text(request)]
    for call in request.calls:
        mark = ":white_check_mark:" if call.get("ok") else ":x:"
        rollback = " (rollback)" if call.get("rollback") else ""
        error = f" {escape(call.get('error_code', ''))}" if not call.get("ok") else ""
        lines.append(
            f"{mark} {code(call.get('api', ''))}{rollback}{error}"
            f" request id {code(call.get('request_id') or '-')}"
        )
    blocks = [section("\n".join(lines))]
    if can_undo and request.state in (State.APPLIED, State.PARTLY_APPLIED):
        blocks.append(
            actions(
                [button("Undo", ACTION_UNDO, {"id": request.id})], block_id=f"undo:{request.id}"
            )
        )
    return message(f"Request {request.id}: {request.state.value}", blocks)


def reject_modal(request_id: str, *, channel: str, ts: str) -> dict[str, Any]:
    return modal(
        callback_id=REJECT_MODAL,
        title="Reject request",
        submit="Reject",
        metadata={"id": request_id, "channel": channel, "ts": ts},
        blocks=[
            text_input(REASON_BLOCK, REASON_INPUT, "Why? (shown to the requester)", max_length=1000)
        ],
    )


def custom_policy_modal(*, channel: str, target_kind: str, target_name: str) -> dict[str, Any]:
    return modal(
        callback_id=CUSTOM_MODAL,
        title="Custom policy",
        submit="Request approval",
        metadata={"channel": channel, "kind": target_kind, "name": target_name},
        blocks=[
            section(
                f"Policy to attach to {code(target_kind + ' ' + target_name)};"
                " an approver will see it."
            ),
            text_input(POLICY_BLOCK, POLICY_INPUT, "Policy JSON"),
        ],
    )


def catalogue_message(templates: Sequence[PolicyTemplate]) -> Message:
    blocks: list[Block] = [header("Policies you can apply")]
    for template in templates[:45]:
        blocks.append(
            section(
                f"*{code(template.name)}*: {escape(template.description)}\n"
                f"_{escape(clip(template.purpose, 600))}_\nFile: {code(template.file)}"
            )
        )
    blocks.append(context(["`/iam-audit apply <policy> to user|group|role <name>` (or `custom`)"]))
    return message(f"{len(templates)} policies in the catalogue", blocks)


def history_message(entries: Sequence[Any]) -> Message:
    if not entries:
        return message("The audit trail is empty.", [section("The audit trail is empty.")])
    lines = []
    for entry in entries:
        data = entry.data
        what = (
            data.get("summary") or data.get("state") or data.get("api") or data.get("action") or ""
        )
        extra = ""
        if entry.kind == "aws_call":
            status = "ok" if data.get("ok") else "FAILED " + escape(data.get("error_code", ""))
            extra = f" {status} id {code(data.get('request_id') or '-')}"
        elif data.get("reason"):
            extra = f": {escape(clip(str(data['reason']), 200))}"
        actor = "bot" if entry.actor == "bot" else f"<@{escape(entry.actor)}>"
        lines.append(
            f"{_when(entry.at)} {code(entry.request_id)} {escape(entry.kind)}"
            f" {escape(str(what))}{extra} ({actor})"
        )
    blocks: list[Block] = [header(f"Last {len(entries)} audit-trail entries")]
    chunk: list[str] = []
    for line in lines:
        if sum(len(x) + 1 for x in chunk) + len(line) > 2800:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    return message(f"Last {len(entries)} audit-trail entries", blocks[:45])
