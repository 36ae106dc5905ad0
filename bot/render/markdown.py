"""GitHub-flavoured Markdown report for PR comments and wikis, safe against hostile AWS strings."""

from __future__ import annotations

import re

from bot.audit.findings import SEVERITIES_WORST_FIRST
from bot.audit.report import Report
from bot.render.common import (
    Catalogue,
    RenderOptions,
    checks_with_findings,
    demo_banner,
    filter_note,
    findings_by_severity,
    no_findings_line,
    rcp_summary,
    remediation_for,
    scp_summary,
    skipped_by_reason,
    summary_counts,
    without_control_chars,
)
from bot.render.evidence import evidence_lines

# Every ASCII punctuation character may be backslash-escaped in CommonMark; these are the ones
# that can start emphasis, strikethrough, links, code, HTML or entities, or end a table cell.
# Parentheses, '#', '+' and '!' only act at a line start or after ']', which cannot happen here.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
# "@name" in a PR comment notifies a GitHub user or team; IAM names may start with "@". A
# zero-width space after the "@" keeps the text readable but no longer a mention.
_MENTION = re.compile(r"(?<!\w)@(?=\w)")
_CHECK_ID = re.compile(r"[a-z_]+\.[a-z0-9_]+")


def md_escape(text: str) -> str:
    """An AWS/user string as inert Markdown text that also fits in one table cell."""
    cleaned = without_control_chars(text)
    escaped = _MENTION.sub("@\N{ZERO WIDTH SPACE}", _MARKDOWN_SPECIAL.sub(r"\\\1", cleaned))
    lines = [" ".join(line.split()) for line in escaped.splitlines()]
    # A raw newline would end the table row; <br> keeps the author's line breaks visible.
    return "<br>".join(line for line in lines if line)


def md_check_id(check_id: str) -> str:
    """A check id as code when it has the registry's safe shape, else as escaped text."""
    return f"`{check_id}`" if _CHECK_ID.fullmatch(check_id) else md_escape(check_id)


def render_markdown(
    report: Report, *, catalogue: Catalogue, options: RenderOptions | None = None
) -> str:
    options = options or RenderOptions()
    out: list[str] = [f"## iam-audit report for account {md_escape(report.account_id)}", ""]
    if report.is_demo:
        out += [f"> [!WARNING]\n> **{demo_banner()}**", ""]
    when = report.generated_at.isoformat(timespec="seconds")
    out.append(f"Source: {md_escape(report.source)} · generated {when}")
    if report.tool_version:
        out[-1] += f" · iam-audit {md_escape(report.tool_version)}"
    out.append("")

    counts = summary_counts(report, options)
    out.append("| " + " | ".join(s.value for s in SEVERITIES_WORST_FIRST) + " | muted |")
    out.append("|" + "---:|" * (len(SEVERITIES_WORST_FIRST) + 1))
    out.append(
        "| "
        + " | ".join(str(counts[s.value]) for s in SEVERITIES_WORST_FIRST)
        + f" | {len(report.suppressed)} |"
    )
    out.append("")
    out.append(
        f"{len(report.checks)} checks ran, {len(report.skipped)} skipped, "
        f"{len(report.errors)} errors."
    )
    if options.min_severity is not None:
        note = filter_note(options)
        out.append(note[0].upper() + note[1:] + ".")
    for summary in (
        scp_summary(report.extra.get("service_control_policies")),
        rcp_summary(report.extra.get("resource_control_policies")),
    ):
        if summary:
            out += ["", md_escape(summary[0])]
            out += [f"- {md_escape(line.strip().removeprefix('- '))}" for line in summary[1:]]
    out.append("")

    if not report.findings:
        out += [no_findings_line(options), ""]
    for severity, findings in findings_by_severity(report):
        out += [f"### {severity.value.capitalize()} ({len(findings)})", ""]
        out += ["| Check | Resource | Detail |", "|---|---|---|"]
        for finding in findings:
            said = "".join(
                f"<br>• {md_escape(line)}"
                for line in evidence_lines(finding.check_id, finding.evidence)
            )
            out.append(
                f"| {md_check_id(finding.check_id)} | {md_escape(finding.resource_arn)} "
                f"| {md_escape(finding.detail or finding.title)}{said} |"
            )
        out.append("")

    fixes = checks_with_findings(report)
    if fixes:
        out += ["### How to fix", ""]
        for check_id in fixes:
            title = catalogue[check_id].title if check_id in catalogue else ""
            heading = f"- {md_check_id(check_id)}" + (f" ({md_escape(title)})" if title else "")
            out.append(f"{heading}: {md_escape(remediation_for(check_id, report, catalogue))}")
        out.append("")

    if report.errors:
        out += ["### Errors", ""]
        for error in report.errors:
            where = error.check_id or error.api or error.kind
            line = f"- **{md_escape(error.kind)}** {md_escape(where)}: {md_escape(error.message)}"
            if error.action:
                line += f" (needs {md_escape(error.action)})"
            out.append(line)
        out.append("")

    if report.skipped:
        out += ["### Skipped checks", ""]
        out += [
            f"- {', '.join(md_check_id(c) for c in check_ids)}: {md_escape(reason)}"
            for reason, check_ids in skipped_by_reason(report)
        ]
        out.append("")

    if report.suppressed:
        out += [f"### Muted findings ({len(report.suppressed)})", ""]
        out += ["| Check | Resource | Severity | Reason | Expires |", "|---|---|---|---|---|"]
        for muted in report.suppressed:
            out.append(
                f"| {md_check_id(muted.check_id)} | {md_escape(muted.resource_arn)} "
                f"| {muted.severity.value} "
                f"| {md_escape(muted.reason)} | {md_escape(muted.expires or 'never')} |"
            )
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
