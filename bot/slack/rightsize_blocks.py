"""Block Kit of `/iam-audit rightsize` (pure): a proposal shown as a preview, or why there is
none. The approval request itself is the approvals feature's message (its "Simulated impact"
carries the proof, its "Diff" the policies)."""

from __future__ import annotations

from bot.rightsize.proposal import Proposal
from bot.rightsize.text import edits_diff, proof_lines
from bot.slack.blocks import Block, Message, clip, code, context, escape, header, message, section

DIFF_CHARS = 2600


def proposal_preview(proposal: Proposal, *, note: str) -> Message:
    """The whole proposal (proof and diff) without a request: demo mode, or --preview."""
    who = f"{proposal.principal_kind} {proposal.principal_name}"
    title = f"Right-sizing {who} (last {proposal.days} days)"
    blocks: list[Block] = [header(title)]
    params = proposal.remediation_params()
    blocks.append(section("*Proof*\n" + "\n".join(f"• {escape(x)}" for x in proof_lines(params))))
    blocks.append(section("*Diff*\n```" + clip(escape(edits_diff(params)), DIFF_CHARS) + "```"))
    blocks.append(context([escape(note)]))
    return message(f"{title}: {len(proposal.edits)} policy change(s)", blocks)


def no_proposal(proposal: Proposal) -> Message:
    """Why nothing is proposed: a service-linked role, a bounded principal, nothing unused."""
    who = f"{proposal.principal_kind} {proposal.principal_name}"
    lines = [f"*Right-sizing {escape(who)}*: {escape(proposal.explanation or 'nothing to do')}"]
    for item in proposal.untouched[:10]:
        lines.append(f"• Left as is: {code(item.what)}: {escape(item.reason)}")
    evidence = proposal.evidence
    text = "\n".join(lines)
    return message(
        f"Right-sizing {who}: nothing proposed",
        [
            section(text),
            context(
                [
                    escape(
                        f"Evidence: {', '.join(evidence.sources)}; AWS has tracked it for"
                        f" {evidence.tracking_days()} days; {evidence.calls} AWS call(s)."
                    )
                ]
            ),
        ],
    )
