"""Block Kit of the digest message (pure): every AWS string escaped, Slack's limits respected.

Lists are capped per section and the whole message is built through blocks.Budget, so a morning
with hundreds of new findings still posts (the full report goes in the thread as a file).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.audit.findings import SEVERITIES_WORST_FIRST, Finding
from bot.digest.content import Digest
from bot.render.grammar import plural
from bot.slack.blocks import (
    SECTION_TEXT,
    SEVERITY_EMOJI,
    Budget,
    Message,
    clip,
    code,
    context,
    divider,
    escape,
    fields,
    header,
    message,
    section,
    severity_counts,
)

LIST_ITEMS = 10  # findings listed per section before "... and N more"
ITEM_TEXT = 280


def _finding_line(finding: Finding, prefix: str = "") -> str:
    title = clip(finding.title, 120)
    return clip(
        f"{prefix}{SEVERITY_EMOJI[finding.severity]} {escape(title)} {code(finding.resource_arn)}",
        ITEM_TEXT,
    )


def _list_section(title: str, lines: Sequence[str], total: int) -> str:
    shown: list[str] = []
    size = len(title) + 1
    for line in lines[:LIST_ITEMS]:
        if size + len(line) + 1 > SECTION_TEXT - 40:
            break
        shown.append(line)
        size += len(line) + 1
    more = total - len(shown)
    tail = [f"_… and {more} more in the full report_"] if more > 0 else []
    return "\n".join([title, *shown, *tail])


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}%"


def digest_message(digest: Digest, *, schedule_note: str = "") -> Message:
    """The digest as one message; a day without change is a single line."""
    if digest.quiet:
        line = quiet_line(digest)
        return message(line, [section(f":white_check_mark: {escape(line)}")])
    budget = Budget()
    day = f"{digest.generated_at:%a %d %b %Y}"
    budget.add(header(f"IAM digest · {digest.account_id} · {day}"))
    diff = digest.diff
    intro = (
        "First digest for this account: every open finding counts as new."
        if diff.first
        else f"*{len(diff.new)}* new · *{len(diff.resolved)}* resolved"
        + (f" · *{len(diff.severity_changes)}* re-rated" if diff.severity_changes else "")
        + " since the previous digest."
    )
    fallback = (
        f"IAM digest {digest.account_id}: {len(diff.new)} new, {len(diff.resolved)} resolved."
    )
    budget.add(section(intro))
    if diff.new and not diff.first:
        lines = [_finding_line(f) for f in diff.new]
        budget.add(section(_list_section("*New*", lines, len(diff.new))), reserve_blocks=8)
    if diff.resolved:
        lines = [_finding_line(f, ":heavy_check_mark: ") for f in diff.resolved]
        budget.add(
            section(_list_section("*Resolved*", lines, len(diff.resolved))), reserve_blocks=8
        )
    if diff.severity_changes:
        lines = [
            clip(
                f"{escape(clip(c.finding.title, 100))} {code(c.finding.resource_arn)}:"
                f" {c.before.value} → *{c.finding.severity.value}*",
                ITEM_TEXT,
            )
            for c in diff.severity_changes
        ]
        budget.add(
            section(_list_section("*Re-rated*", lines, len(diff.severity_changes))),
            reserve_blocks=8,
        )
    budget.add(divider())
    budget.add(section("*Still open, by severity*"))
    budget.add(fields(severity_counts(digest.open_by_severity)))
    facts = []
    if digest.mfa.known:
        facts.append(
            f"*MFA coverage*\n{digest.mfa.users_with_mfa}/{digest.mfa.users} users"
            f" ({_pct(digest.mfa.percent)}) · console {digest.mfa.console_users_with_mfa}/"
            f"{digest.mfa.console_users} ({_pct(digest.mfa.console_percent)})"
        )
    else:
        facts.append("*MFA coverage*\nunknown (no credential report)")
    if digest.approvals.known:
        decided = ", ".join(
            f"{escape(state)} {count}" for state, count in sorted(digest.approvals.decided.items())
        )
        facts.append(
            f"*Approvals*\n{digest.approvals.pending} pending · decided since last digest:"
            f" {decided or 'none'}"
        )
    if digest.campaign is not None:
        c = digest.campaign
        line = (
            f"*MFA campaign*\n{c.enrolled}/{c.total} enrolled · {c.remaining} to go ·"
            f" deadline {c.deadline:%Y-%m-%d}"
        )
        if c.unmapped:
            line += f" · {c.unmapped} not found in Slack"
        if c.proposed:
            line += " · enforcement proposed for approval"
        facts.append(line)
    principals, services = digest.rightsizing
    if principals:
        facts.append(
            f"*Right-sizing opportunities*\n{plural(principals, 'principal')} ·"
            f" {plural(services, 'unused service')} could go · `/iam-audit rightsize`"
        )
    budget.add(fields(facts))
    if digest.top_risks:
        lines = [_finding_line(f) for f in digest.top_risks]
        budget.add(section(_list_section("*Top risks*", lines, len(digest.top_risks))))
    notes = [f"Account {code(digest.account_id)} · report {code(digest.report_id)}"]
    if digest.previous_at:
        notes.append(f"previous digest {digest.previous_at:%Y-%m-%d %H:%M} UTC")
    if digest.errors:
        notes.append(f":warning: {plural(digest.errors, 'check')} could not run")
    if digest.scp_change:
        notes.append(f":information_source: {escape(digest.scp_change)}")
    if schedule_note:
        notes.append(escape(schedule_note))
    budget.add(context(notes))
    counts = digest.open_by_severity
    fallback += " Open: " + ", ".join(
        f"{s.value} {counts[s.value]}" for s in SEVERITIES_WORST_FIRST
    )
    return message(fallback, budget.blocks)


def quiet_line(digest: Digest) -> str:
    """The whole digest of a day without change, in one line (plain text, no AWS strings)."""
    counts = digest.open_by_severity
    open_text = ", ".join(
        f"{counts[s.value]} {s.value}" for s in SEVERITIES_WORST_FIRST if counts[s.value]
    )
    mfa = (
        f"; MFA {digest.mfa.users_with_mfa}/{digest.mfa.users} users"
        if digest.mfa.known and digest.mfa.users
        else ""
    )
    return (
        f"IAM digest {digest.account_id}: no change since the previous digest"
        f" (open: {open_text or 'none'}{mfa})."
    )


def chart_comment(points: int) -> str:
    """The text next to the chart (escaped text only; the chart carries no AWS strings)."""
    return (
        f"Open findings by severity over the last {plural(points, 'digest')}"
        " (stacked, critical on top)."
    )


def accounts_chart_comment(accounts: int) -> str:
    """The text next to the cross-account chart."""
    return f"Open findings of {plural(accounts, 'account')} over their digests, one line each."
