"""Block Kit of `/iam-audit findings` and `/iam-audit analyzer` (pure: time is passed in).

Every string from AWS (resources, principals, actions, conditions, finding ids, error text) goes
through escape()/code() before it lands in mrkdwn, and the Budget of bot/slack/blocks.py keeps a
page under Slack's block count and text size. Buttons carry a cache id and an index or a page,
never finding content: a click is answered from what the bot cached, not from the client.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.audit.analyzer_view import (
    FindingGroup,
    FindingRow,
    GrantConditions,
    RegionAnalyzers,
    analyzer_kind,
    grants_by_row,
    paginate,
    row_key,
)
from bot.model.snapshot import AnalyzerFinding
from bot.render.grammar import plural
from bot.slack.blocks import (
    MESSAGE_TEXT_BUDGET,
    SECTION_TEXT,
    SEVERITY_EMOJI,
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
    format_age,
    header,
    message,
    modal,
    section,
    text_input,
)

ACTION_PAGE = "analyzer_findings_page"
ACTION_PAGE_PREV = "analyzer_findings_page_prev"
ACTION_ARCHIVE = "analyzer_finding_archive"
ACTION_REMEDIATE = "analyzer_finding_remediate"
ARCHIVE_MODAL = "analyzer_archive_modal"
ARCHIVE_REASON_BLOCK, ARCHIVE_REASON_INPUT = "archive_reason_block", "archive_reason_input"
MAX_REASON = 1000
MAX_LISTED = 12  # principals / actions / conditions shown per finding
# Two blocks per finding (text, buttons) plus a label per finding type (7 at most) and the page's
# header, facts, problems, divider, footer and paging: 15 findings always fit in 50 blocks.
MAX_PAGE_SIZE = 15
# Text kept free of findings for the header, facts, problems, type labels, buttons and paging.
PAGE_OVERHEAD_TEXT = 4000
FACT_TEXT = 600

SOURCE_LABELS = {
    "snapshot": "from the last audit's data",
    "aws": "read live from IAM Access Analyzer",
    "demo": "DEMO DATA: fictional findings, no AWS account was read",
}
KIND_LABELS = {
    "external": "external access",
    "unused": "unused access",
    "internal": "internal access",
}


@dataclass(frozen=True, slots=True)
class FindingsContext:
    """What a findings message describes, besides the findings themselves."""

    kind: str
    statuses: tuple[str, ...]
    types: tuple[str, ...]
    resource_pattern: str | None
    source: str  # "snapshot" | "aws" | "demo"
    as_of: datetime
    regions: tuple[str, ...]
    issues: tuple[str, ...] = ()


def progress_message(text: str) -> Message:
    return message(text, [section(f":hourglass_flowing_sand: {escape(text)}")])


def _listed(items: Sequence[str], limit: int = MAX_LISTED) -> str:
    shown = ", ".join(code(item) for item in items[:limit])
    more = len(items) - limit
    return shown + (f" …and {more} more" if more > 0 else "")


def ago(moment: datetime, now: datetime) -> str:
    days = (now - moment).days
    return f"{days} day{'' if days == 1 else 's'} ago ({moment.date().isoformat()})"


def finding_text(
    row: FindingRow,
    *,
    now: datetime,
    limit: int = SECTION_TEXT,
    grants: GrantConditions | None = None,
) -> str:
    """One finding: severity, type, where; the resource; who, which actions, conditions, or
    for unused access the key and when it was last used. ``grants``: which of its grants have
    conditions; when some have none, that comes first ("none for 1 of 2 grants"), since the
    merged conditions alone read as though every grant were conditional."""
    lines = [
        f"{SEVERITY_EMOJI[row.severity]} *{row.severity.value.upper()}* {code(row.finding_type)}"
        f" · {escape(row.region)} · {escape(row.status.lower())}",
        f"*Resource:* {code(row.resource or '(not named)')} ({escape(row.resource_type)})",
    ]
    if row.kind in ("external", "internal"):
        if not row.details_fetched:
            lines.append("*Who:* not read (GetFindingV2 denied or over the detail limit)")
        else:
            who = _listed(row.principals) or "unknown"
            if row.is_public:
                who = f":rotating_light: *anyone (public)* {who}"
            lines.append(f"*Who:* {who}")
            lines.append(f"*Actions:* {_listed(row.actions) or 'not given'}")
            conditions = [f"{k} = {v}" for k, v in sorted(row.conditions.items())]
            shown = _listed(conditions) or "none"
            if grants is not None and grants.mixed:
                shown = f"*{grants.none_for()}*; the others: {shown}"
            lines.append(f"*Conditions:* {shown}")
    elif row.kind == "unused":
        if row.access_key_id:
            lines.append(f"*Access key:* {code(row.access_key_id)}")
        if row.actions:
            lines.append(f"*Unused:* {_listed(row.actions)}")
        if not row.details_fetched:
            lines.append("*Last used:* not read (GetFindingV2 denied or over the detail limit)")
        elif row.last_accessed:
            lines.append(f"*Last used:* {escape(ago(row.last_accessed, now))}")
        else:
            lines.append("*Last used:* never (or not in the tracking window)")
    if row.error:
        lines.append(f"_Access Analyzer could not analyse it: {escape(clip(row.error, 300))}_")
    lines.append(f"id {code(row.id)}")
    return clip("\n".join(lines), limit)


def _filter_text(view: FindingsContext) -> str:
    parts = [f"kind {escape(view.kind)}", "status " + ", ".join(s.lower() for s in view.statuses)]
    if view.types:
        parts.append("type " + ", ".join(escape(t) for t in view.types))
    if view.resource_pattern:
        parts.append(f"resource {code(view.resource_pattern)}")
    return "; ".join(parts)


def findings_page(
    groups: Sequence[FindingGroup],
    view: FindingsContext,
    *,
    cache_id: str,
    page: int,
    page_size: int,
    now: datetime,
    can_act: bool = True,
    findings: Sequence[AnalyzerFinding] = (),
) -> Message:
    """One page (1-based) of the grouped findings with Archive / Remediate buttons and paging.

    The per-finding text cap comes from the page size, so a full page always fits the budget.
    ``findings``: the findings the groups were made of, for which of their grants have
    conditions (a row keeps only the merged conditions).
    """
    grants = grants_by_row(findings)
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    shown = paginate(groups, page=page, page_size=page_size)
    per_finding = min(SECTION_TEXT, (MESSAGE_TEXT_BUDGET - PAGE_OVERHEAD_TEXT) // page_size)
    group_sizes = {group.finding_type: len(group.rows) for group in groups}

    budget = Budget()
    title = "IAM Access Analyzer findings"
    if view.kind != "all":
        title += f": {KIND_LABELS.get(view.kind, view.kind)}"
    budget.add(header(title + (" (demo)" if view.source == "demo" else "")))
    source = SOURCE_LABELS.get(view.source, view.source)
    facts = [
        f"{escape(source)}, {format_age(view.as_of, now)}",
        clip(_filter_text(view), FACT_TEXT),
        clip("regions: " + (", ".join(escape(r) for r in view.regions) or "none"), FACT_TEXT),
    ]
    budget.add(context(facts))
    if view.issues:
        problems = "\n".join(f"• {escape(issue)}" for issue in view.issues[:5])
        more = len(view.issues) - 5
        budget.add(
            section(
                f":warning: *Problems reading Access Analyzer:*\n{problems}"
                + (f"\n…and {more} more" if more > 0 else ""),
                limit=1200,
            )
        )
    budget.add(divider())
    if not shown.rows:
        budget.add(section(":white_check_mark: No Access Analyzer findings match."))
    start = (shown.number - 1) * page_size
    previous_type = None
    for offset, row in enumerate(shown.rows):
        index = start + offset
        if row.finding_type != previous_type:
            label = f"*{escape(row.finding_type)}* ({group_sizes.get(row.finding_type, 0)})"
            if not budget.add(section(label), reserve_blocks=4, reserve_text=600):
                break
            previous_type = row.finding_type
        if not budget.add(
            section(finding_text(row, now=now, limit=per_finding, grants=grants.get(row_key(row)))),
            reserve_blocks=3,
            reserve_text=400,
        ):
            break
        buttons = finding_buttons(row, cache_id=cache_id, index=index) if can_act else []
        if buttons:
            budget.add(actions(buttons, block_id=f"finding:{index}"), reserve_blocks=2)
    nav: list[Block] = []
    if shown.has_previous:
        nav.append(button("Previous", ACTION_PAGE_PREV, {"c": cache_id, "p": shown.number - 1}))
    if shown.has_next:
        nav.append(
            button(
                "Show more", ACTION_PAGE, {"c": cache_id, "p": shown.number + 1}, style="primary"
            )
        )
    first = start + 1 if shown.rows else 0
    footer = f"Findings {first}-{start + len(shown.rows)} of {shown.total}"
    if shown.count > 1:
        footer += f" (page {shown.number}/{shown.count})"
    budget.add(context([footer]), reserve_blocks=1 if nav else 0)
    if nav:
        budget.add(actions(nav, block_id="paging"))
    statuses = ", ".join(s.lower() for s in view.statuses)
    fallback = f"IAM Access Analyzer: {plural(shown.total, 'finding')} ({view.kind}, {statuses})"
    return message(fallback, budget.blocks)


def finding_buttons(row: FindingRow, *, cache_id: str, index: int) -> list[Block]:
    """Archive (active findings) and Remediate (where a remediation exists); values are ids."""
    if row.status != "ACTIVE":
        return []
    value = {"c": cache_id, "i": index}
    buttons = [button("Archive…", ACTION_ARCHIVE, value)]
    if row.remediation is not None:
        buttons.append(button("Remediate", ACTION_REMEDIATE, value, style="danger"))
    return buttons


def archive_modal(row: FindingRow, *, channel: str, cache_id: str, index: int) -> dict[str, Any]:
    """Asks why the finding may be archived; the channel and the cached finding ride along."""
    return modal(
        callback_id=ARCHIVE_MODAL,
        title="Archive a finding",
        submit="Request approval",
        metadata={"channel": channel, "c": cache_id, "i": index},
        blocks=[
            section(
                f"Archive {code(row.finding_type)} on {code(row.resource or row.id)}"
                f" ({escape(row.region)})?\nArchiving hides the finding; the access stays as it"
                " is. An approver must agree, and sees your reason.",
                limit=1500,
            ),
            text_input(
                ARCHIVE_REASON_BLOCK,
                ARCHIVE_REASON_INPUT,
                "Why is this access intended?",
                max_length=MAX_REASON,
            ),
        ],
    )


# --- analyzers per region ----------------------------------------------------------------------


def _kind_label(analyzer_type: str) -> str:
    return KIND_LABELS.get(analyzer_kind(analyzer_type), "unknown kind")


def analyzers_message(
    regions: Sequence[RegionAnalyzers],
    *,
    source: str,
    as_of: datetime,
    now: datetime,
    issues: Sequence[str] = (),
) -> Message:
    """Each audited region's analyzers, and where external or unused access is not monitored."""
    budget = Budget()
    budget.add(header("IAM Access Analyzer analyzers" + (" (demo)" if source == "demo" else "")))
    budget.add(context([f"{escape(SOURCE_LABELS.get(source, source))}, {format_age(as_of, now)}"]))
    no_external = [r.region for r in regions if not r.has_active_external]
    unused_in = [r.region for r in regions if r.has_active_unused]
    summary = [
        f"External access monitored in {len(regions) - len(no_external)} of"
        f" {plural(len(regions), 'audited region')}."
    ]
    if no_external:
        summary.append(
            ":warning: *No external-access analyzer:* "
            + ", ".join(escape(r) for r in no_external)
            + f"\n→ `/iam-audit analyzer enable external --region {escape(no_external[0])}`"
        )
    if unused_in:
        summary.append("Unused access monitored from: " + ", ".join(escape(r) for r in unused_in))
    else:
        summary.append(
            ":warning: *No unused-access analyzer* in any audited region (one per account is"
            " enough) → `/iam-audit analyzer enable unused`"
        )
    budget.add(section("\n".join(summary), limit=2500))
    if issues:
        problems = "\n".join(f"• {escape(issue)}" for issue in issues[:5])
        budget.add(
            section(f":warning: *Problems reading Access Analyzer:*\n{problems}", limit=1200)
        )
    budget.add(divider())
    shown = 0
    for region in regions:
        lines = [f"*{escape(region.region)}*"]
        for analyzer in region.analyzers[:10]:
            extra = []
            if analyzer.unused_access_age_days is not None:
                extra.append(f"unused after {analyzer.unused_access_age_days} days")
            if analyzer.status_reason:
                extra.append(escape(analyzer.status_reason))
            lines.append(
                f"• {code(analyzer.name)} {escape(analyzer.type)} ({_kind_label(analyzer.type)})"
                f" {escape(analyzer.status)}" + (f" [{'; '.join(extra)}]" if extra else "")
            )
        if not region.analyzers:
            lines.append("• no analyzer")
        marks = [
            ("external" if region.has_active_external else "~external~"),
            ("unused" if region.has_active_unused else "~unused~"),
        ]
        lines.append("_monitors: " + " · ".join(marks) + "_")
        if not budget.add(
            section("\n".join(lines), limit=1500), reserve_blocks=1, reserve_text=200
        ):
            break
        shown += 1
    if shown < len(regions):
        budget.add(context([f"{plural(len(regions) - shown, 'more region')} not shown"]))
    fallback = (
        f"IAM Access Analyzer: external access monitored in {len(regions) - len(no_external)}"
        f" of {plural(len(regions), 'region')}; unused access {'on' if unused_in else 'off'}"
    )
    return message(fallback, budget.blocks)
