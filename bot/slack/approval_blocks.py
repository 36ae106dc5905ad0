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
from bot.model.errors import InputError
from bot.model.iam_names import name_problem
from bot.remediation.fixes.rightsize import RIGHTSIZE
from bot.render.grammar import plural
from bot.rightsize.text import linter_verdict
from bot.slack.blocks import (
    Block,
    Budget,
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
# Per-part caps of the request message: with the document's 2600 they add up to under the
# message budget (blocks.MESSAGE_TEXT_BUDGET), so no request, however long its AWS names, typed
# reasons or linter messages, is refused by Slack (msg_blocks_too_long) and left with live buttons.
SUMMARY_CHARS = 600
TARGET_CHARS = 300
STEPS_CHARS = 1400
IMPACT_CHARS = 1900
LINT_CHARS = 1700
LINT_LINE_CHARS = (LINT_CHARS - 60) // MAX_LINT
NOTE_CHARS = 500
DECISION_CHARS = 1500
HISTORY_SECTION = 2800

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
        section(f"*{escape(request.summary)}*", limit=SUMMARY_CHARS),
        fields(
            [
                f"*Requested by*\n<@{escape(request.requester)}>",
                f"*Target*\n{clip(code(request.target.describe()), TARGET_CHARS)}",
                f"*Expires*\n{_when(request.expires_at)}",
                f"*Content hash*\n{code('sha256:' + request.content_hash[:16])}…",
            ]
        ),
        section(
            "*What will happen*\n" + "\n".join(f"• {escape(s)}" for s in request.steps),
            limit=STEPS_CHARS,
        ),
    ]
    if request.diff:
        blocks.append(section("*Diff*\n```" + clip(escape(request.diff), DOCUMENT_CHARS) + "```"))
    elif request.document is not None:
        text = json.dumps(request.document, indent=2, sort_keys=True)
        blocks.append(
            section("*Policy document*\n```" + clip(escape(text), DOCUMENT_CHARS) + "```")
        )
    blocks.append(section(impact_text(request.impact), limit=IMPACT_CHARS))
    if request.lint:
        # Each line clipped (not the section), so "…and N more" is never cut off.
        lines = [
            clip(
                f"• {escape(str(f.get('severity', '')))} {code(f.get('code', ''))}: "
                f"{escape(clip(str(f.get('message', '')), 240))}",
                LINT_LINE_CHARS,
            )
            for f in request.lint[:MAX_LINT]
        ]
        more = len(request.lint) - MAX_LINT
        blocks.append(
            section(
                "*Linter findings*\n"
                + "\n".join(lines)
                + (f"\n…and {more} more" if more > 0 else ""),
                limit=LINT_CHARS,
            )
        )
    else:
        blocks.append(context([clip(_linter_note(request), NOTE_CHARS)]))
    undo_note = f"Undo: {escape(request.undo)}"
    if request.undo_of:
        undo_note = f"Undoes request {code(request.undo_of)}. " + undo_note
    blocks.append(
        context([clip(undo_note, NOTE_CHARS), f"Full hash: {code(request.content_hash)}"])
    )
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
        blocks.append(section(decision_text(request), limit=DECISION_CHARS))
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
    """The form for a pasted policy; the typed target rides in private_metadata (3000 chars at
    most), so a name IAM would refuse (bot.model.iam_names) is refused here, in words, not by
    views.open."""
    problem = name_problem(target_kind, target_name)
    if problem:
        raise InputError(problem)
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
    """The operator's policy catalogue; through a Budget, since a catalogue of long
    descriptions would otherwise pass Slack's ~12k characters and the reply be refused."""
    budget = Budget()
    budget.add(header("Policies you can apply"))
    shown = 0
    for template in templates:
        entry = section(
            f"*{code(template.name)}*: {escape(clip(template.description, 600))}\n"
            f"_{escape(clip(template.purpose, 600))}_\nFile: {code(template.file)}"
        )
        if not budget.add(entry, reserve_blocks=2, reserve_text=400):
            break
        shown += 1
    if shown < len(templates):
        more = plural(len(templates) - shown, "more policy", "more policies")
        budget.add(context([f"{more} in the catalogue file"]), reserve_blocks=1)
    usage = code("/iam-audit apply <policy> to user|group|role <name>")  # <name> would be a link
    budget.add(context([f"{usage} (or {code('custom')})"]))
    return message(f"{len(templates)} policies in the catalogue", budget.blocks)


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
    # Newest first, as many as fit: `history 200` of ordinary entries is ~35k characters, which
    # Slack refuses (msg_blocks_too_long); the rest is said, and `iam-audit history` exports all.
    budget = Budget()
    budget.add(header(f"Last {len(entries)} audit-trail entries"))
    shown = 0
    chunk: list[str] = []
    for line in (clip(text, HISTORY_SECTION) for text in lines):
        if chunk and sum(len(x) + 1 for x in chunk) + len(line) > HISTORY_SECTION:
            if not budget.add(section("\n".join(chunk)), reserve_blocks=1, reserve_text=300):
                chunk = []
                break
            shown += len(chunk)
            chunk = []
        chunk.append(line)
    if chunk and budget.add(section("\n".join(chunk)), reserve_blocks=1, reserve_text=300):
        shown += len(chunk)
    if shown < len(entries):
        older = plural(len(entries) - shown, "older entry", "older entries")
        budget.add(
            context([f"{older} not shown here; {code('iam-audit history')} exports the trail"])
        )
    return message(f"Last {len(entries)} audit-trail entries", budget.blocks)
