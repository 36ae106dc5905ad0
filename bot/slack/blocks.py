"""Block Kit builders (pure): every message respects Slack's limits by construction.

Every string that came from AWS or from a user passes through :func:`escape` before it lands in
mrkdwn, so a tag value like ``<!channel>`` is shown instead of pinging a channel. The builders
clip text to the per-element limits and a :class:`Budget` keeps the whole message under the block
count and total-text size Slack accepts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.audit.findings import SEVERITIES_WORST_FIRST, Finding, Severity
from bot.audit.report import Report
from bot.render.evidence import evidence_lines
from bot.render.grammar import plural
from bot.render.safe_output import neutralize
from bot.slack.posture import MfaPosture, PrincipalProfile

# Slack's documented limits (see shared/slack.md).
MAX_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
SECTION_TEXT = 3000
HEADER_TEXT = 150
MAX_FIELDS = 10
FIELD_TEXT = 2000
BUTTON_VALUE = 2000
BUTTON_TEXT = 75
MAX_ACTION_ELEMENTS = 25
MAX_CONTEXT_ELEMENTS = 10
# Slack rejects messages well below the per-block caps (msg_blocks_too_long); stay under this.
MESSAGE_TEXT_BUDGET = 11_000
FALLBACK_TEXT = 3000
ELLIPSIS = "…"

Block = dict[str, Any]
Message = dict[str, Any]

SEVERITY_EMOJI = {
    Severity.CRITICAL: ":red_circle:",
    Severity.HIGH: ":large_orange_circle:",
    Severity.MEDIUM: ":large_yellow_circle:",
    Severity.LOW: ":large_blue_circle:",
    Severity.INFO: ":white_circle:",
}

# Action ids the app listens to; values carry ids and indexes only, never report content.
ACTION_SHOW_MORE = "audit_show_more"
ACTION_REMEDIATE = "audit_remediate"
ACTION_FINDING_MENU = "audit_finding_menu"
ACTION_FILTER = "audit_filter"
FILTER_BLOCK_PREFIX = "audit_filter:"
OVERFLOW_OPTIONS = 5
OPTION_TEXT = 75
OPTION_VALUE = 150
MAX_SELECT_OPTIONS = 100
LINT_MODAL_CALLBACK = "lint_policy_modal"
LINT_BLOCK_ID = "policy_block"
LINT_INPUT_ID = "policy_input"


# --- text ---------------------------------------------------------------------------------


def escape(text: object) -> str:
    """Escape the three characters mrkdwn gives meaning to (&, <, >); bidi controls and lone
    surrogates are first made visible (bot.render.safe_output), the rest is shown as is."""
    return neutralize(str(text)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, with an ellipsis when something was cut.

    An escape sequence (``&amp;``) is never cut in half, so clipping escaped text stays safe.
    """
    if len(text) <= limit:
        return text
    cut = text[: max(limit - len(ELLIPSIS), 0)]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + ELLIPSIS


def code(text: object) -> str:
    """Inline code of an escaped value; backticks inside would end the span, so they are swapped."""
    return "`" + escape(str(text).replace("`", "'")) + "`"


def _iso(moment: datetime | None) -> str:
    return escape(moment.isoformat(timespec="seconds")) if moment else "?"


def data_age_note(as_of: datetime | None, now: datetime, *, audit_running: bool) -> str:
    """Where an answer's data comes from; while an audit runs, that it is the previous one."""
    age = format_age(as_of, now)
    if audit_running:
        return (
            f":hourglass_flowing_sand: An audit is running now; this answer is from the previous"
            f" snapshot ({age})"
        )
    return f"From the audit data of {age}"


def format_age(then: datetime | None, now: datetime) -> str:
    if then is None:
        return "unknown age"
    seconds = int((now - then).total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} d ago"


# --- blocks -------------------------------------------------------------------------------


def header(text: str) -> Block:
    plain = clip(" ".join(text.split()), HEADER_TEXT)
    return {"type": "header", "text": {"type": "plain_text", "text": plain or "-", "emoji": True}}


def section(mrkdwn: str, *, accessory: Block | None = None, limit: int = SECTION_TEXT) -> Block:
    block: Block = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": clip(mrkdwn, min(limit, SECTION_TEXT)) or " "},
    }
    if accessory:
        block["accessory"] = accessory
    return block


def fields(items: Sequence[str]) -> Block:
    return {
        "type": "section",
        "fields": [
            {"type": "mrkdwn", "text": clip(item, FIELD_TEXT) or " "}
            for item in list(items)[:MAX_FIELDS]
        ],
    }


def context(items: Sequence[str]) -> Block:
    return {
        "type": "context",
        "elements": [
            {"type": "mrkdwn", "text": clip(item, FIELD_TEXT) or " "}
            for item in list(items)[:MAX_CONTEXT_ELEMENTS]
        ],
    }


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: dict[str, Any], *, style: str = "") -> Block:
    """A button whose value is small JSON; too large a value is a programming error."""
    encoded = json.dumps(value, separators=(",", ":"))
    if len(encoded) > BUTTON_VALUE:
        raise ValueError(
            f"button value of {action_id} is {len(encoded)} chars (max {BUTTON_VALUE})"
        )
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": clip(text, BUTTON_TEXT), "emoji": True},
        "action_id": action_id,
        "value": encoded,
    }
    if style:
        element["style"] = style
    return element


def actions(elements: Sequence[Block], *, block_id: str = "") -> Block:
    block: Block = {"type": "actions", "elements": list(elements)[:MAX_ACTION_ELEMENTS]}
    if block_id:
        block["block_id"] = block_id
    return block


def text_input(
    block_id: str,
    action_id: str,
    label: str,
    *,
    max_length: int | None = None,
    placeholder: str = "",
) -> Block:
    """A multi-line plain-text input: a modal's reason or policy field, read back by block_id
    and action_id from the submitted view."""
    element: Block = {"type": "plain_text_input", "action_id": action_id, "multiline": True}
    if max_length is not None:
        element["max_length"] = max_length
    if placeholder:
        element["placeholder"] = {"type": "plain_text", "text": placeholder}
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }


def modal(
    *, callback_id: str, title: str, submit: str, metadata: dict[str, Any], blocks: list[Block]
) -> dict[str, Any]:
    """A modal view with a Cancel button; ``metadata`` rides (as JSON) in private_metadata back
    to the submission handler, which is how it knows the channel and what the modal was for."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": json.dumps(metadata),
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def text_size(value: Any) -> int:
    """Characters of every ``text`` string in a block tree (what Slack counts against size)."""
    if isinstance(value, dict):
        total = 0
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                total += len(item)
            else:
                total += text_size(item)
        return total
    if isinstance(value, list):
        return sum(text_size(item) for item in value)
    return 0


class Budget:
    """Collects blocks while the message stays under the block count and total text size."""

    def __init__(self, *, max_blocks: int = MAX_BLOCKS, max_text: int = MESSAGE_TEXT_BUDGET):
        self.blocks: list[Block] = []
        self._max_blocks = max_blocks
        self._max_text = max_text
        self._text = 0

    def room(self, *, reserve_blocks: int = 0, reserve_text: int = 0) -> tuple[int, int]:
        return (
            self._max_blocks - len(self.blocks) - reserve_blocks,
            self._max_text - self._text - reserve_text,
        )

    def add(self, block: Block, *, reserve_blocks: int = 0, reserve_text: int = 0) -> bool:
        """Add the block if it fits with the reserve kept free; False (nothing added) if not."""
        size = text_size(block)
        blocks_left, text_left = self.room(reserve_blocks=reserve_blocks, reserve_text=reserve_text)
        if blocks_left < 1 or size > text_left:
            return False
        self.blocks.append(block)
        self._text += size
        return True


def message(fallback: str, blocks: list[Block], *, fallback_is_mrkdwn: bool = False) -> Message:
    """A message with the top-level text fallback notifications and screen readers use.

    Slack reads that text as mrkdwn too (a `<!channel>` in it pings the channel), so it is
    escaped here: callers pass plain text, names and ARNs as they are. ``fallback_is_mrkdwn``:
    text composed from fixed words and Slack ids whose mentions must work (`<#C123>`)."""
    text = fallback if fallback_is_mrkdwn else escape(fallback)
    return {"text": clip(text, FALLBACK_TEXT) or " ", "blocks": blocks}


# --- simple messages -----------------------------------------------------------------------


def notice_message(text: str) -> Message:
    """A one-sentence reply (errors, refusals); the text is escaped here."""
    safe = escape(text)
    return message(text, [section(safe)])


# A channel mention as the authorizer writes it: `<#C0123ABCD>` (the channel ids of
# IAM_AUDIT_CHANNELS, checked to look like this when the settings load).
_CHANNEL_MENTION = re.compile(r"&lt;#([CG][A-Z0-9]{2,})&gt;")


def refusal_message(text: str) -> Message:
    """notice_message for an authorization refusal: escaped like any notice, except that the
    channels it names stay links (`<#C0123ABCD>`; the users saw `&lt;#C0123ABCD&gt;` as text).
    A channel mention can only link to a channel, never notify anyone."""
    safe = _CHANNEL_MENTION.sub(r"<#\1>", escape(text))
    return message(text, [section(safe)])


@dataclass(frozen=True, slots=True)
class CommandHelp:
    name: str
    usage: str
    summary: str
    examples: tuple[str, ...] = ()


def help_message(
    commands: Iterable[CommandHelp], *, slash: str = "/iam-audit", note: str = ""
) -> Message:
    budget = Budget()
    budget.add(header("iam-audit: AWS IAM posture from Slack"))
    if note:
        budget.add(section(escape(note)))
    for item in commands:
        examples = "\n".join(code(f"{slash} {example}") for example in item.examples)
        body = f"*{code(slash + ' ' + item.usage)}*\n{escape(item.summary)}"
        if examples:
            body += f"\n_Examples:_ {examples}"
        if not budget.add(section(body), reserve_blocks=1, reserve_text=200):
            break
    budget.add(context(["Every finding carries its check id; `iam-audit checks` lists them."]))
    names = ", ".join(item.name for item in commands)
    return message(f"iam-audit subcommands: {names}", budget.blocks)


AUDIT_STAGES: tuple[str, ...] = ("collecting", "auditing", "rendering")


def progress_message(
    account_id: str, stage: str, *, demo: bool = False, joined: int = 0
) -> Message:
    """The immediate "Auditing account ... (collecting)" message, updated as stages finish."""
    label = f"Auditing account {escape(account_id)}{' (demo)' if demo else ''}... ({escape(stage)})"
    marks = []
    reached = AUDIT_STAGES.index(stage) if stage in AUDIT_STAGES else -1
    for index, name in enumerate(AUDIT_STAGES):
        mark = (
            ":white_check_mark:"
            if index < reached
            else (":hourglass_flowing_sand:" if index == reached else ":white_circle:")
        )
        marks.append(f"{mark} {name}")
    ctx = ["  ".join(marks)]
    if joined:
        ctx.append(f"{plural(joined, 'more request')} joined this audit")
    return message(
        f"Auditing account {account_id}... ({stage})",
        [section(f":mag: *{label}*"), context(ctx)],
    )


# --- audit result --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuditPage:
    """One page of an audit result and whether the full report should be attached as a file."""

    message: Message
    page: int
    pages: int
    shown: int
    total: int

    @property
    def needs_file(self) -> bool:
        return self.pages > 1


def severity_counts(summary: dict[str, int]) -> list[str]:
    return [
        f"{SEVERITY_EMOJI[s]} *{s.value.capitalize()}*\n{int(summary.get(s.value, 0))}"
        for s in SEVERITIES_WORST_FIRST
    ]


def finding_text(finding: Finding, *, limit: int, evidence: bool = True) -> str:
    """One finding: severity, check id, title, resource, detail, then its evidence said as short
    bullets (bot.render.evidence) as far as they fit; the raw evidence is in the attached report."""
    head = (
        f"{SEVERITY_EMOJI[finding.severity]} *{finding.severity.value.upper()}* "
        f"{code(finding.check_id)} {escape(finding.title)}\n"
        f"*Resource:* {code(finding.resource_arn)}\n{escape(finding.detail)}"
    )
    lines = [head]
    if evidence:
        lines += [
            f"• {escape(clip(line, 300))}"
            for line in evidence_lines(finding.check_id, finding.evidence)
        ]
    return clip("\n".join(lines), limit)


def overflow(action_id: str, options: Sequence[tuple[str, str]]) -> Block:
    """An overflow ("...") menu: (label, value) pairs; values are short ids, never content."""
    items = []
    for label, value in list(options)[:OVERFLOW_OPTIONS]:
        if len(value) > OPTION_VALUE:
            raise ValueError(
                f"option value of {action_id} is {len(value)} chars (max {OPTION_VALUE})"
            )
        items.append(
            {"text": {"type": "plain_text", "text": clip(label, OPTION_TEXT)}, "value": value}
        )
    return {"type": "overflow", "action_id": action_id, "options": items}


def _option(label: str, value: str) -> Block:
    return {"text": {"type": "plain_text", "text": clip(label, OPTION_TEXT)}, "value": value}


def finding_menu(
    report_id: str, index: int, *, remediable: bool, suppressible: bool = False
) -> Block:
    """Per finding: Show evidence; Remediate... where a remediation exists; Suppress... where
    the bot has an approvals desk (muting a risk is approved like any change)."""
    options = [("Show evidence", f"ev|{report_id}|{index}")]
    if remediable:
        options.append(("Remediate...", f"rem|{report_id}|{index}"))
    if suppressible:
        options.append(("Suppress...", f"sup|{report_id}|{index}"))
    return overflow(ACTION_FINDING_MENU, options)


def filter_select(report: Report, *, report_id: str, current: str) -> Block:
    """A static select to show one severity (and worse) or one check of a long findings list.

    The report id rides in the block id (values stay short); option values are ``s:<severity>``,
    ``c:<check id>`` or ``all``.
    """
    counts = report.summary()
    severities = [_option(f"All findings ({len(report.findings)})", "all")]
    running = 0
    for severity in SEVERITIES_WORST_FIRST:
        running += int(counts.get(severity.value, 0))
        if counts.get(severity.value):
            severities.append(
                _option(
                    f"{severity.value.capitalize()} and worse ({running})", f"s:{severity.value}"
                )
            )
    by_check: dict[str, int] = {}
    for finding in report.findings:
        by_check[finding.check_id] = by_check.get(finding.check_id, 0) + 1
    checks = [
        _option(f"{check} ({count})", f"c:{check}")
        for check, count in sorted(by_check.items(), key=lambda item: (-item[1], item[0]))
        if len(f"c:{check}") <= OPTION_VALUE
    ][: MAX_SELECT_OPTIONS - len(severities)]
    element: Block = {
        "type": "static_select",
        "action_id": ACTION_FILTER,
        "placeholder": {"type": "plain_text", "text": "Filter by severity or check"},
        "option_groups": [
            {"label": {"type": "plain_text", "text": "Severity"}, "options": severities},
            {"label": {"type": "plain_text", "text": "Check"}, "options": checks},
        ],
    }
    chosen = next(
        (
            o
            for group in element["option_groups"]
            for o in group["options"]
            if o["value"] == current
        ),
        None,
    )
    if chosen is not None and current != "all":
        element["initial_option"] = chosen
    return actions([element], block_id=f"{FILTER_BLOCK_PREFIX}{report_id}")


def audit_page(
    report: Report,
    *,
    report_id: str,
    page: int,
    page_size: int,
    now: datetime,
    min_severity: Severity | None = None,
    remediable: frozenset[str] = frozenset(),
    cached_at: datetime | None = None,
    check_filter: str = "",
    suppressible: bool = False,
) -> AuditPage:
    """Header, counts by severity, one page of findings (worst first), paging buttons.

    Each finding carries an overflow menu (Show evidence; Remediate... where a remediation
    exists; Suppress... when ``suppressible``); a list longer than one page gets a select to
    filter it by severity or check. The per-finding text cap is derived from the page size, so a
    full page always fits inside the message budget and a page index always names the same
    findings.
    """
    shown_report = report.filtered(min_severity) if min_severity else report
    findings = shown_report.findings
    if check_filter:
        findings = tuple(f for f in findings if f.check_id == check_filter)
    filtered = bool(min_severity or check_filter)
    page_size = max(1, min(page_size, 20))
    pages = max(1, -(-len(findings) // page_size))
    page = max(0, min(page, pages - 1))
    start = page * page_size
    chunk = findings[start : start + page_size]
    per_finding = min(SECTION_TEXT, (MESSAGE_TEXT_BUDGET - 3500) // page_size)

    budget = Budget()
    title = f"IAM audit: account {report.account_id}" + (" (demo)" if report.is_demo else "")
    budget.add(header(title))
    budget.add(fields(severity_counts(report.summary())))
    age_of = cached_at or report.generated_at
    facts = [
        f"Generated {escape(report.generated_at.isoformat(timespec='seconds'))}"
        f" ({format_age(age_of, now)})",
        f"{plural(len(report.checks), 'check')} ran",
    ]
    if min_severity:
        facts.append(f"showing {escape(min_severity.value)} and worse")
    if check_filter:
        facts.append(f"showing {code(check_filter)} only")
    if report.suppressed:
        facts.append(f"{len(report.suppressed)} suppressed")
    facts += scp_facts(report.extra.get("service_control_policies"))
    facts += scp_facts(report.extra.get("resource_control_policies"), kind="RCPs")
    budget.add(context(facts))
    if report.errors:
        problems = "; ".join(escape(e.message) for e in report.errors[:5])
        budget.add(
            section(
                f":warning: *{plural(len(report.errors), 'problem')} during the audit:* {problems}",
                limit=600,
            )
        )
    if len(report.findings) > page_size:
        current = f"s:{min_severity.value}" if min_severity else ""
        current = f"c:{check_filter}" if check_filter else current
        budget.add(filter_select(report, report_id=report_id, current=current or "all"))
    budget.add(divider())
    if not findings:
        budget.add(section(":white_check_mark: No findings at this severity."))
    for offset, finding in enumerate(chunk):
        index = report.findings.index(finding) if filtered else start + offset
        menu = finding_menu(
            report_id,
            index,
            remediable=finding.check_id in remediable,
            suppressible=suppressible,
        )
        budget.add(
            section(finding_text(finding, limit=per_finding), accessory=menu),
            reserve_blocks=2,
            reserve_text=400,
        )
    nav: list[Block] = []
    paging = {"r": report_id, "s": min_severity.value if min_severity else ""}
    if check_filter:
        paging["c"] = check_filter
    if page > 0:
        nav.append(button("Previous", ACTION_SHOW_MORE + "_prev", {**paging, "p": page - 1}))
    if page + 1 < pages:
        nav.append(
            button("Show more", ACTION_SHOW_MORE, {**paging, "p": page + 1}, style="primary")
        )
    footer = f"Findings {start + 1 if chunk else 0}-{start + len(chunk)} of {len(findings)}"
    if pages > 1:
        footer += f" (page {page + 1}/{pages}); the full report is attached as a file"
    budget.add(context([footer]), reserve_blocks=1)
    if nav:
        budget.add(actions(nav))
    summary = report.summary()
    counts = ", ".join(f"{summary[s.value]} {s.value}" for s in SEVERITIES_WORST_FIRST)
    fallback = (
        f"IAM audit of account {report.account_id}:"
        f" {plural(len(report.findings), 'finding')} ({counts})"
    )
    return AuditPage(message(fallback, budget.blocks), page, pages, len(chunk), len(findings))


def scp_facts(summary: object, *, kind: str = "SCPs") -> list[str]:
    """Whether the findings already take the organization's SCPs (or RCPs: ``kind``) into
    account (the report's files list them by name; here only how many)."""
    if not isinstance(summary, dict):
        return []
    applied = len(summary.get("applied") or ())
    left = len(summary.get("not_applied") or ())
    text = f"{kind}: {applied} applied"
    if left:
        text += f", {left} not applied (see the JSON report)"
    return [text]


def evidence_message(finding: Finding) -> Message:
    """ "Show evidence": every evidence sentence, then the raw evidence as JSON (clipped)."""
    said = evidence_lines(finding.check_id, finding.evidence, limit=40)
    raw = json.dumps(finding.evidence, indent=1, default=str)
    blocks = [
        section(
            f"{SEVERITY_EMOJI[finding.severity]} {code(finding.check_id)} on"
            f" {code(finding.resource_arn)}\n{escape(finding.detail)}"
        ),
        section("\n".join(f"• {escape(line)}" for line in said) or "_No evidence recorded._"),
        # Escaped, then clipped: clipped first, escaping could push the closing fence past 3000.
        section("*Raw evidence (as in the JSON report):*\n```" + clip(escape(raw), 2600) + "```"),
    ]
    return message(f"Evidence of {finding.check_id} on {finding.resource_arn}", blocks)


def status_message(
    *,
    account_id: str,
    summary: dict[str, int] | None,
    generated_at: datetime | None,
    now: datetime,
    running: bool,
    demo: bool,
    errors: int = 0,
) -> Message:
    if summary is None:
        text = f"No audit of account {account_id} yet. Run `/iam-audit audit`."
        blocks = [section(escape(text))]
    else:
        age = format_age(generated_at, now)
        found = plural(sum(summary.values()), "finding")
        text = f"Last audit of account {account_id}: {found}, {age}"
        blocks = [
            header(f"Status: account {account_id}" + (" (demo)" if demo else "")),
            fields(severity_counts(summary)),
            context(
                [
                    f"Last audit {_iso(generated_at)} ({age})",
                    *(
                        [f":warning: {plural(errors, 'problem')} during that audit"]
                        if errors
                        else []
                    ),
                ]
            ),
        ]
    if running:
        blocks.append(context([":hourglass_flowing_sand: An audit is running now."]))
    return message(text, blocks)


# --- mfa, principal, simulate, lint ---------------------------------------------------------


def _name_list(names: Sequence[str], *, limit: int = 1500) -> str:
    if not names:
        return "none"
    return clip(", ".join(code(n) for n in names), limit)


def _percent(value: float | None) -> str:
    return "n/a (no users)" if value is None else f"{value}%"


def mfa_message(
    posture: MfaPosture,
    *,
    account_id: str,
    as_of: datetime | None,
    now: datetime,
    audit_running: bool = False,
) -> Message:
    root_icon = {"hardware": ":white_check_mark:", "virtual": ":warning:", "none": ":red_circle:"}
    blocks = [header(f"MFA posture: account {account_id}")]
    if not posture.has_credential_report:
        blocks.append(
            section(":warning: The credential report was not collected, so MFA facts are unknown.")
        )
    blocks.append(
        fields(
            [
                f"*Coverage (all users)*\n{_percent(posture.coverage_percent)}"
                f" ({posture.users_with_mfa}/{posture.users})",
                f"*Coverage (console users)*\n{_percent(posture.console_coverage_percent)}"
                f" ({posture.console_users_with_mfa}/{posture.console_users})",
                f"*Root MFA*\n{root_icon.get(posture.root, ':grey_question:')}"
                f" {escape(posture.root)}",
                f"*Admins without MFA*\n{len(posture.admin_without_mfa)}",
            ]
        )
    )
    rows = [
        ("Console users without MFA", "user.console_without_mfa", posture.console_without_mfa),
        ("All users without MFA", "user.without_mfa", posture.without_mfa),
        ("Admin-equivalent users without MFA", "user.admin_without_mfa", posture.admin_without_mfa),
        (
            "Privileged users with only virtual MFA",
            "user.virtual_mfa_only",
            posture.privileged_virtual_only,
        ),
        (
            "Users whose permissions do not require MFA",
            "user.mfa_not_enforced",
            posture.not_enforced,
        ),
    ]
    for title, check_id, names in rows:
        blocks.append(section(f"*{title}* ({len(names)}) {code(check_id)}\n{_name_list(names)}"))
    blocks.append(context([data_age_note(as_of, now, audit_running=audit_running)]))
    text = (
        f"MFA posture of {account_id}: {_percent(posture.coverage_percent)} of users have MFA,"
        f" root MFA {posture.root}"
    )
    return message(text, blocks)


def principal_message(
    profile: PrincipalProfile,
    *,
    as_of: datetime | None,
    now: datetime,
    audit_running: bool = False,
) -> Message:
    budget = Budget()
    budget.add(header(f"{profile.kind.capitalize()} {profile.name}"))
    budget.add(section(f"*ARN:* {code(profile.arn)}"))
    budget.add(fields([f"*{escape(f.label)}*\n{escape(f.value)}" for f in profile.credentials]))
    if profile.kind == "user":
        budget.add(section(f"*Groups:* {_name_list(profile.groups)}"))
    else:
        trusted = "\n".join(f"• {escape(t)}" for t in profile.trusted) or "nobody"
        budget.add(section(f"*Trusted to assume it:*\n{trusted}"))
    policies = "\n".join(f"• {escape(p)}" for p in profile.policies) or "none"
    boundary = f"\n*Permissions boundary:* {code(profile.boundary)}" if profile.boundary else ""
    budget.add(section(f"*Policies:*\n{policies}{boundary}", limit=2500))
    risks = "\n".join(
        f"{SEVERITY_EMOJI[f.severity]} {code(f.check_id)} {escape(f.detail)}" for f in profile.risks
    )
    budget.add(
        section(
            f"*Effective risks:*\n{risks or 'none found (admin, escalation, exposure)'}", limit=2500
        )
    )
    budget.add(divider())
    budget.add(section(f"*{plural(len(profile.findings), 'finding').capitalize()}:*"))
    for finding in profile.findings[:10]:
        if not budget.add(
            section(finding_text(finding, limit=700)), reserve_blocks=1, reserve_text=200
        ):
            break
    budget.add(context([data_age_note(as_of, now, audit_running=audit_running)]))
    text = (
        f"{profile.kind} {profile.name}: {plural(len(profile.findings), 'finding')},"
        f" {plural(len(profile.risks), 'effective risk')}"
    )
    return message(text, budget.blocks)


DECISION_ICON = {
    "allowed": ":white_check_mark:",
    "implicit_deny": ":no_entry_sign:",
    "explicit_deny": ":no_entry:",
}


def simulate_message(
    *,
    principal_arn: str,
    action: str,
    resource: str,
    context_keys: dict[str, Any],
    decision: str,
    reason: str,
    matched: Sequence[dict[str, Any]],
    as_of: datetime | None,
    now: datetime,
    audit_running: bool = False,
) -> Message:
    label = decision.replace("_", " ")
    blocks = [
        header(f"Simulation: {label}"),
        section(
            f"{DECISION_ICON.get(decision, ':grey_question:')} *{escape(label.upper())}*\n"
            f"*Principal:* {code(principal_arn)}\n*Action:* {code(action)}\n"
            f"*Resource:* {code(resource)}"
        ),
    ]
    if context_keys:
        keys = ", ".join(f"{code(k)}={code(v)}" for k, v in context_keys.items())
        blocks.append(section(f"*Context:* {keys}", limit=1500))
    blocks.append(section(f"*Why:* {escape(reason)}", limit=2000))
    if matched:
        lines = [
            f"• {escape(m.get('effect', ''))} in {escape(m.get('kind', ''))}"
            f" {code(m.get('policy', ''))}"
            f" statement {code(m.get('statement', ''))}"
            for m in matched[:15]
        ]
        blocks.append(section("*Deciding statements:*\n" + "\n".join(lines), limit=2500))
    source = (
        data_age_note(as_of, now, audit_running=True)
        if audit_running
        else f"Policies from the snapshot of {format_age(as_of, now)}"
    )
    blocks.append(context([f"{source}; offline evaluation"]))
    return message(f"Simulation of {action} by {principal_arn}: {label}", blocks)


def lint_message(findings: Sequence[Any]) -> Message:
    """Linter findings (objects with code, severity, statement, message), in the linter's order."""
    budget = Budget()
    if not findings:
        budget.add(header("Policy lint: no findings"))
        budget.add(section(":white_check_mark: The linter found nothing wrong with this policy."))
        return message("Policy lint: no findings", budget.blocks)
    budget.add(header(f"Policy lint: {plural(len(findings), 'finding')}"))
    shown = 0
    for item in findings:
        where = "document" if item.statement is None else f"statement {item.statement}"
        text = (
            f"{SEVERITY_EMOJI[item.severity]} *{item.severity.value.upper()}* {code(item.code)}"
            f" ({where})\n{escape(item.message)}"
        )
        if not budget.add(section(text, limit=800), reserve_blocks=1, reserve_text=200):
            break
        shown += 1
    if shown < len(findings):
        budget.add(
            context(
                [
                    f"{plural(len(findings) - shown, 'more finding')} not shown;"
                    " run `iam-audit lint` for all"
                ]
            )
        )
    worst = max(findings, key=lambda f: f.severity.rank).severity.value
    return message(f"Policy lint: {plural(len(findings), 'finding')}, worst {worst}", budget.blocks)


def lint_modal(*, channel_id: str) -> dict[str, Any]:
    """The modal where a policy is pasted; the channel rides in private_metadata."""
    return modal(
        callback_id=LINT_MODAL_CALLBACK,
        title="Lint an IAM policy",
        submit="Lint",
        metadata={"channel": channel_id},
        blocks=[
            text_input(
                LINT_BLOCK_ID,
                LINT_INPUT_ID,
                "Policy JSON",
                max_length=3000,
                placeholder='{"Version": "2012-10-17", "Statement": [...]}',
            )
        ],
    )


# --- many accounts -------------------------------------------------------------------------

ACTION_OPEN_ACCOUNT = "audit_open_account"
MULTI_ACCOUNT_ROWS = 30  # account rows shown in one message; the rest go to the attached table


def accounts_progress_message(label: str, stage: str, *, joined: int = 0) -> Message:
    """The "Auditing 12 accounts... (3/12 accounts audited)" message, updated as accounts finish."""
    ctx = [":hourglass_flowing_sand: accounts are audited a few at a time"]
    if joined:
        ctx.append(f"{plural(joined, 'more request')} joined this audit")
    return message(
        f"Auditing {label}... ({stage})",
        [section(f":mag: *Auditing {escape(label)}...* ({escape(stage)})"), context(ctx)],
    )


def counts_text(counts: dict[str, int]) -> str:
    """ "2 critical, 5 high, 1 low": non-zero severities worst first, or "no findings"."""
    parts = [
        f"{int(counts.get(s.value, 0))} {s.value}"
        for s in SEVERITIES_WORST_FIRST
        if counts.get(s.value, 0)
    ]
    return ", ".join(parts) or "no findings"


def account_line_text(
    account_id: str,
    counts: dict[str, int],
    worst: Severity | None,
    *,
    errors: int = 0,
    age: str = "",
) -> str:
    """One account in a cross-account list: worst severity, id, counts, problems, age."""
    icon = SEVERITY_EMOJI[worst] if worst else ":white_check_mark:"
    text = f"{icon} {code(account_id)} {counts_text(counts)}"
    if errors:
        text += f" :warning: {plural(errors, 'check')} failed"
    if age:
        text += f" _({escape(age)})_"
    return text


def failures_text(failures: Sequence[Any], *, limit: int = 2500) -> str:
    """Accounts that produced no report (objects with account_id and message), one line each."""
    lines = [f"• {code(f.account_id)} {escape(f.message)}" for f in failures]
    return clip(f":no_entry: *Not audited ({len(failures)}):*\n" + "\n".join(lines), limit)


def multi_account_message(
    multi: Any,
    *,
    report_ids: dict[str, str],
    now: datetime,
    demo: bool = False,
) -> Message:
    """The cross-account result (a bot.organizations.summary.MultiAccountReport): totals by
    severity,
    accounts worst first each with a button opening its report, then the failed accounts.
    """
    budget = Budget()
    count = len(multi.accounts)
    budget.add(header(f"IAM audit: {plural(count, 'account')}" + (" (demo)" if demo else "")))
    budget.add(fields(severity_counts(multi.totals())))
    budget.add(
        context(
            [
                f"{len(multi.reports)} audited, {len(multi.failures)} failed",
                f"Generated {_iso(multi.generated_at)} ({format_age(multi.generated_at, now)})",
            ]
        )
    )
    budget.add(divider())
    lines = multi.lines()
    shown = 0
    for line in lines[:MULTI_ACCOUNT_ROWS]:
        report_id = report_ids.get(line.account_id)
        accessory = button("Findings", ACTION_OPEN_ACCOUNT, {"r": report_id}) if report_id else None
        text = account_line_text(line.account_id, line.counts, line.worst, errors=line.errors)
        if not budget.add(section(text, accessory=accessory), reserve_blocks=3, reserve_text=2800):
            break
        shown += 1
    if shown < len(lines):
        budget.add(
            context(
                [f"{plural(len(lines) - shown, 'more account')}: the full table is in the thread"]
            ),
            reserve_blocks=2,
        )
    if multi.failures:
        budget.add(section(failures_text(multi.failures)), reserve_blocks=1)
    # Usage placeholders are escaped like any text: a raw <account-id> is a link to Slack.
    budget.add(
        context([f"{code('/iam-audit status <account-id>')} shows one account's last audit"])
    )
    totals = multi.totals()
    fallback = (
        f"IAM audit of {plural(count, 'account')}: {plural(sum(totals.values()), 'finding')}"
        f" ({counts_text(totals)}); {len(multi.failures)} not audited"
    )
    return message(fallback, budget.blocks)


def digest_accounts_message(summary: Any) -> Message:
    """The cross-account digest (a bot.digest.content.CrossAccountDigest): per-account new /
    resolved / open, and the totals; each account's own digest follows in its own message.
    """
    budget = Budget()
    count = len(summary.accounts)
    budget.add(header(f"IAM digest: {plural(count, 'account')}"))
    budget.add(fields(severity_counts(summary.totals())))
    budget.add(
        context(
            [
                f"New {summary.new_total}, resolved {summary.resolved_total} since the previous"
                " digest",
                f"{_iso(summary.generated_at)}",
            ]
        )
    )
    budget.add(divider())
    shown = 0
    for row in summary.accounts:
        delta = "first digest" if row.first else f"+{row.new} new, -{row.resolved} resolved"
        text = account_line_text(row.account_id, dict(row.open_by_severity), row.worst)
        if not budget.add(section(f"{text}\n{escape(delta)}"), reserve_blocks=2, reserve_text=300):
            break
        shown += 1
    if shown < count:
        budget.add(context([f"{plural(count - shown, 'more account')} in their own digests below"]))
    return message(
        f"IAM digest of {plural(count, 'account')}: {summary.new_total} new,"
        f" {summary.resolved_total} resolved, {sum(summary.totals().values())} open",
        budget.blocks,
    )
