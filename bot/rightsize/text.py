"""Plain-text views of a right-sizing: the proof an approver reads, the CLI's report (pure).

They read the `rightsize_principal` parameters (a plain dict), so the approval preview is built
from exactly what the content hash covers.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from typing import Any

from bot.render.grammar import plural
from bot.rightsize.proposal import Proposal

MAX_NAMES = 12


def _names(items: list[str] | tuple[str, ...], limit: int = MAX_NAMES) -> str:
    shown = ", ".join(items[:limit])
    more = len(items) - limit
    return shown + (f" and {more} more" if more > 0 else "") if items else "none"


def proof_lines(params: Mapping[str, Any]) -> list[str]:
    """The proof, one claim per line, each as the engine established it."""
    proof = params.get("proof") or {}
    evidence = params.get("evidence") or {}
    days = params.get("days")
    lines = [
        f"Evidence: {', '.join(evidence.get('sources') or ['?'])}; AWS has tracked this principal"
        f" for {evidence.get('tracking_days', '?')} days; window {days} days.",
        f"Used in the window: {_names(list(evidence.get('used_services') or []))}"
        f" (actions seen: {_names(list(proof.get('used_actions') or []))}).",
    ]
    for note in evidence.get("notes") or []:
        lines.append(f"Source note: {note}.")
    if evidence.get("analyzer_unused"):
        lines.append(
            "Access Analyzer also reports unused: "
            + _names(list(evidence["analyzer_unused"]))
            + (
                f" ({evidence['analyzer_recommendation']})."
                if evidence.get("analyzer_recommendation")
                else "."
            )
        )
    lost = list(proof.get("lost_used") or [])
    if lost:
        lines.append(f"Proof 1 FAILED: used actions no longer allowed: {_names(lost)}.")
    elif not proof.get("still_allowed"):
        lines.append("Proof 1 (evaluator): nothing was used in the window; nothing used is lost.")
    else:
        lines.append(
            f"Proof 1 (evaluator): all {plural(proof['still_allowed'], 'action')} used, or of a"
            " service used without per-action tracking, stay allowed on the same resources."
        )
    by_service = [f"{s} ({n})" for s, n in proof.get("removed_by_service") or []]
    lines.append(
        f"Removed: {plural(proof.get('removed_count', 0), 'action')} nothing used:"
        f" {_names(by_service)}; nothing gained."
        if not proof.get("gained")
        else f"Proof FAILED: actions gained: {_names(list(proof['gained']))}."
    )
    lint_new = list(proof.get("lint_new") or [])
    carried = proof.get("lint_carried", 0)
    lines.append(
        "Proof 2 (linter): the new documents add no findings"
        + (f" ({carried} carried over from the current ones)." if carried else ".")
        if not lint_new
        else "Proof 2 FAILED: new linter findings: "
        + "; ".join(str(f.get("message")) for f in lint_new[:3])
    )
    caveats = list(proof.get("lint_caveats") or [])
    if caveats:
        lines.append(
            "Caveat: some removals can be undone through resource policies the holder may still"
            " change (actions AWS does not track per action are kept): "
            + "; ".join(str(f.get("message")) for f in caveats[:3])
        )
    before = list(proof.get("escalations_before") or [])
    after = list(proof.get("escalations_after") or [])
    lines.append(
        f"Escalation paths: {len(before)} -> {len(after)}"
        + (f" (removed: {_names([m for m in before if m not in after])})" if before else "")
        + f"; admin-equivalent: {_yes(proof.get('admin_before'))} ->"
        f" {_yes(proof.get('admin_after'))}."
    )
    for item in params.get("untouched") or []:
        lines.append(f"Left as is: {item.get('what')}: {item.get('reason')}.")
    return lines


def linter_verdict(proof: Mapping[str, Any]) -> str:
    """The proof's linter verdict in one line, for the approval message's "Linter:" note.

    A right-sizing request carries no single policy document; its lint ran in the proof (the new
    documents against the current ones), so that is what the approver should read.
    """
    lint_new = list(proof.get("lint_new") or [])
    carried = int(proof.get("lint_carried") or 0)
    caveats = len(proof.get("lint_caveats") or [])
    if lint_new:
        verdict = f"the new documents add {plural(len(lint_new), 'finding')}: " + "; ".join(
            str(f.get("message")) for f in lint_new[:3]
        )
    else:
        verdict = "the new documents add no findings"
    notes = []
    if carried:
        notes.append(f"{carried} carried over")
    if caveats:
        notes.append(f"{plural(caveats, 'caveat')} about resource policies, see the proof")
    return verdict + (f" ({'; '.join(notes)})" if notes else "")


def _yes(value: Any) -> str:
    return "yes" if value else "no"


def edit_steps(params: Mapping[str, Any]) -> list[str]:
    """What apply does, one AWS call per line."""
    kind, name = params.get("target_kind"), params.get("target_name")
    noun = str(kind).title()
    steps = []
    for edit in params.get("edits") or []:
        if edit.get("kind") == "aws_managed" and edit.get("new_document") is not None:
            copy = edit.get("copy_name")
            steps.append(
                f"iam:CreatePolicy PolicyName={copy} (a copy of AWS-managed {edit.get('name')}"
                " cut down to what was used; reused if it exists), tagged with the request"
            )
            steps.append(f"iam:Attach{noun}Policy {noun}Name={name} PolicyArn=<{copy}>")
            steps.append(f"iam:Detach{noun}Policy {noun}Name={name} PolicyArn={edit.get('arn')}")
        elif edit.get("kind") in ("managed", "aws_managed"):
            if edit.get("new_document") is None:
                steps.append(
                    f"iam:Detach{noun}Policy {noun}Name={name} PolicyArn={edit.get('arn')}"
                    " (nothing in it was used)"
                )
            else:
                steps.append(
                    f"iam:CreatePolicyVersion PolicyArn={edit.get('arn')} SetAsDefault=true"
                    f" (version {edit.get('old_version')} is kept for undo)"
                )
        elif edit.get("new_document") is None:
            steps.append(
                f"iam:Delete{noun}Policy {noun}Name={name} PolicyName={edit.get('name')}"
                " (the old document is kept with this request for undo)"
            )
        else:
            steps.append(
                f"iam:Put{noun}Policy {noun}Name={name} PolicyName={edit.get('name')}"
                " (the old document is kept with this request for undo)"
            )
    return steps


def edits_diff(params: Mapping[str, Any]) -> str:
    """A unified diff of every policy that changes."""
    parts = []
    for edit in params.get("edits") or []:
        label = edit.get("name") or edit.get("arn")
        new_label = edit.get("copy_name") or label
        before = json.dumps(edit.get("old_document"), indent=2, sort_keys=True).splitlines()
        new = edit.get("new_document")
        after = json.dumps(new, indent=2, sort_keys=True).splitlines() if new is not None else []
        parts.extend(
            difflib.unified_diff(
                before,
                after,
                f"{label} (current)",
                f"{new_label} (proposed)" if new is not None else f"{label} (removed)",
                lineterm="",
                n=1,
            )
        )
    return "\n".join(parts)


def proposal_text(proposal: Proposal) -> str:
    """The CLI's report."""
    who = f"{proposal.principal_kind} {proposal.principal_name}"
    evidence = proposal.evidence
    lines = [f"Right-sizing {who} (last {proposal.days} days)"]
    if not proposal.actionable:
        lines.append(
            f"Evidence: {', '.join(evidence.sources)}; tracked for {evidence.tracking_days()} days."
        )
        lines.append(proposal.explanation or "Nothing to propose.")
        for item in proposal.untouched:
            lines.append(f"Left as is: {item.what}: {item.reason}.")
        return "\n".join(lines) + "\n"
    params = proposal.remediation_params()
    lines.extend(proof_lines(params))
    lines.append("")
    lines.append("What apply does:")
    lines.extend(f"  - {step}" for step in edit_steps(params))
    lines.append("")
    lines.append(edits_diff(params))
    return "\n".join(lines).rstrip("\n") + "\n"
