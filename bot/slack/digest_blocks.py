"""Block Kit of the digest message (pure): every AWS string escaped, Slack's limits respected.

Lists are capped per section and the whole message is built through blocks.Budget, so a morning
with hundreds of new findings still posts (the full report goes in the thread as a file).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from bot.audit.diff import SeverityChange
from bot.audit.findings import SEVERITIES_WORST_FIRST, Finding
from bot.digest.content import Digest
from bot.render.grammar import plural
from bot.slack.blocks import (
    MESSAGE_TEXT_BUDGET,
    SECTION_TEXT,
    SEVERITY_EMOJI,
    Block,
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
    text_size,
)

T = TypeVar("T")

LIST_ITEMS = 10  # findings listed per section before "... and N more"
ITEM_TEXT = 280
TITLE_TEXT = 110  # an escaped title in a list line
ARN_TEXT = 120  # an escaped resource inside a list line's code span
NOTE_TEXT = 500  # an escaped SCP / schedule note in the closing context
DECIDED_TEXT = 600  # the approvals' decided states (names from the store) in their field
MORE = "_… and {more} more in the full report, attached in the thread_"


def _one_line(text: object) -> str:
    """AWS text on one line: a newline in a title would start a line of its own (a fake
    "> quote" or "... and N more")."""
    return " ".join(str(text).split())


def _escaped(text: object, limit: int) -> str:
    """One line of AWS text escaped for mrkdwn, then clipped (never inside an entity)."""
    return clip(escape(_one_line(text)), limit)


def _title(text: str) -> str:
    """A title in a list line: a backtick in it would pair with the resource's code span."""
    return _escaped(text.replace("`", "'"), TITLE_TEXT)


def _resource(arn: str) -> str:
    """The resource as inline code, clipped inside the span so the span always closes."""
    return "`" + _escaped(arn.replace("`", "'"), ARN_TEXT) + "`"


def _finding_line(finding: Finding, prefix: str = "") -> str:
    return clip(
        f"{prefix}{SEVERITY_EMOJI[finding.severity]} {_title(finding.title)}"
        f" {_resource(finding.resource_arn)}",
        ITEM_TEXT,
    )


def _change_line(change: SeverityChange) -> str:
    return clip(
        f"{_title(change.finding.title)} {_resource(change.finding.resource_arn)}:"
        f" {change.before.value} → *{change.finding.severity.value}*",
        ITEM_TEXT,
    )


def _list_section(
    title: str, items: Sequence[T], line: Callable[[T], str], *, limit: int = SECTION_TEXT
) -> Block:
    """Up to LIST_ITEMS lines that fit in ``limit`` characters, then how many are not shown
    (only the lines shown are formatted: a day can have thousands)."""
    total = len(items)
    room = min(limit, SECTION_TEXT) - len(MORE.format(more=total)) - 1
    shown: list[str] = []
    size = len(title)
    for item in items[:LIST_ITEMS]:
        text = line(item)
        if size + len(text) + 1 > room:
            break
        shown.append(text)
        size += len(text) + 1
    more = total - len(shown)
    tail = [MORE.format(more=more)] if more > 0 else []
    return section("\n".join([title, *shown, *tail]))


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}%"


def digest_message(digest: Digest, *, schedule_note: str = "") -> Message:
    """The digest as one message; a day without change is a single line.

    The closing part (counts, facts, top risks, the report id) is built first and always fits;
    the lists of new, resolved and re-rated findings share the text left under Slack's message
    size, each saying how many it does not show (the full report is attached in the thread)."""
    if digest.quiet:
        line = quiet_line(digest)
        return message(line, [section(f":white_check_mark: {escape(line)}")])
    day = f"{digest.generated_at:%a %d %b %Y}"
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
    head = [header(f"IAM digest · {digest.account_id} · {day}"), section(intro)]
    tail = _closing_blocks(digest, schedule_note)
    lists: list[tuple[str, Sequence[object], Callable[[object], str]]] = []
    if diff.new and not diff.first:
        lists.append(("*New*", diff.new, _finding_line))
    if diff.resolved:
        lists.append(
            ("*Resolved*", diff.resolved, lambda f: _finding_line(f, ":heavy_check_mark: "))
        )
    if diff.severity_changes:
        lists.append(("*Re-rated*", diff.severity_changes, _change_line))
    fixed = sum(text_size(block) for block in (*head, *tail))
    share = (MESSAGE_TEXT_BUDGET - fixed) // max(len(lists), 1)
    budget = Budget()
    for block in head:
        budget.add(block)
    for title, items, line in lists:
        budget.add(_list_section(title, items, line, limit=share), reserve_blocks=len(tail))
    for block in tail:
        budget.add(block)
    counts = digest.open_by_severity
    fallback += " Open: " + ", ".join(
        f"{s.value} {counts[s.value]}" for s in SEVERITIES_WORST_FIRST
    )
    return message(fallback, budget.blocks)


def _closing_blocks(digest: Digest, schedule_note: str) -> list[Block]:
    """Open counts, the facts, the top risks and the notes: each part bounded, so together
    they leave most of the message to the lists."""
    blocks = [
        divider(),
        section("*Still open, by severity*"),
        fields(severity_counts(digest.open_by_severity)),
    ]
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
            f"{escape(_one_line(state))} {count}"
            for state, count in sorted(digest.approvals.decided.items())
        )
        # A number, not names from the store: a few characters past the clipped decided states.
        lapsed = f" · lapsed {digest.approvals.lapsed}" if digest.approvals.lapsed else ""
        facts.append(
            f"*Approvals*\n{digest.approvals.pending} pending · decided since last digest:"
            f" {clip(decided, DECIDED_TEXT) or 'none'}{lapsed}"
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
    blocks.append(fields(facts))
    if digest.top_risks:
        blocks.append(_list_section("*Top risks*", digest.top_risks, _finding_line))
    notes = [f"Account {code(digest.account_id)} · report {code(digest.report_id)}"]
    if digest.previous_at:
        notes.append(f"previous digest {digest.previous_at:%Y-%m-%d %H:%M} UTC")
    if digest.errors:
        notes.append(f":warning: {plural(digest.errors, 'check')} could not run")
    if digest.scp_change:
        notes.append(f":information_source: {_escaped(digest.scp_change, NOTE_TEXT)}")
    if schedule_note:
        notes.append(_escaped(schedule_note, NOTE_TEXT))
    blocks.append(context(notes))
    return blocks


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
