"""Plain-text report for a terminal or a CI log: grouped by severity, one finding per line."""

from __future__ import annotations

import textwrap

from bot.audit.findings import Severity
from bot.audit.report import Report
from bot.render.common import (
    Catalogue,
    RenderOptions,
    checks_with_findings,
    demo_banner,
    filter_note,
    findings_by_severity,
    no_findings_line,
    one_line,
    rcp_summary,
    remediation_for,
    scp_summary,
    skipped_by_reason,
    summary_counts,
    summary_phrase,
    without_control_chars,
)
from bot.render.evidence import evidence_lines

_ANSI = {
    Severity.CRITICAL: "\x1b[1;97;41m",  # bold white on red
    Severity.HIGH: "\x1b[1;31m",
    Severity.MEDIUM: "\x1b[33m",
    Severity.LOW: "\x1b[36m",
    Severity.INFO: "\x1b[2m",
}
_BOLD = "\x1b[1m"
_RESET = "\x1b[0m"
_DETAIL_INDENT = " " * 6
_WRAP_WIDTH = 100  # for lists of check ids; findings stay one line each (grep-friendly)


def render_text(
    report: Report, *, catalogue: Catalogue, options: RenderOptions | None = None
) -> str:
    """The report as lines of plain text; ANSI colour only when ``options.color`` says so."""
    options = options or RenderOptions()
    paint = _painter(options.color)
    lines: list[str] = []

    lines.append(paint(_BOLD, f"iam-audit report for account {one_line(report.account_id)}"))
    when = report.generated_at.isoformat(timespec="seconds")
    meta = f"source: {one_line(report.source)}  generated: {when}"
    if report.snapshot_collected_at is not None:
        meta += f"  data collected: {report.snapshot_collected_at.isoformat(timespec='seconds')}"
    if report.tool_version:
        meta += f"  iam-audit {report.tool_version}"
    lines.append(meta)
    if report.is_demo:
        banner = f"*** {demo_banner()} ***"
        lines += ["", paint(_ANSI[Severity.CRITICAL], banner)]

    lines.append("")
    total = sum(summary_counts(report, options).values())
    lines.append(f"Findings: {total} ({summary_phrase(report, options)})")
    if options.min_severity is not None:
        lines.append(f"  {filter_note(options)}")
    lines.append(
        f"Checks: {len(report.checks)} ran, {len(report.skipped)} skipped; "
        f"errors: {len(report.errors)}; muted: {len(report.suppressed)}"
    )
    lines += scp_lines(report.extra.get("service_control_policies"))
    lines += terminal_safe(rcp_summary(report.extra.get("resource_control_policies")))

    for severity, findings in findings_by_severity(report):
        lines += ["", paint(_BOLD, f"{severity.value.upper()} ({len(findings)})")]
        label = paint(_ANSI[severity], f"[{severity.value}]")
        for finding in findings:
            lines.append(f"  {label} {finding.check_id}  {one_line(finding.resource_arn)}")
            text = finding.detail or finding.title
            lines += [_DETAIL_INDENT + part for part in _wrap_lines(text)]
            lines += [
                f"{_DETAIL_INDENT}- {one_line(line)}"
                for line in evidence_lines(finding.check_id, finding.evidence)
            ]
    if not report.findings:
        lines += ["", no_findings_line(options)]

    fixes = checks_with_findings(report)
    if fixes:
        lines += ["", paint(_BOLD, "How to fix")]
        for check_id in fixes:
            remedy = remediation_for(check_id, report, catalogue)
            title = catalogue[check_id].title if check_id in catalogue else ""
            lines.append(f"  {check_id}" + (f": {one_line(title)}" if title else ""))
            lines += [_DETAIL_INDENT + part for part in _wrap_lines(remedy)]

    if report.errors:
        lines += ["", paint(_BOLD, f"Errors ({len(report.errors)})")]
        for error in report.errors:
            where = error.check_id or error.api or error.kind
            line = f"  [{error.kind}] {one_line(where)}: {one_line(error.message)}"
            if error.action:
                line += f" (needs {one_line(error.action)})"
            lines.append(line)

    if report.skipped:
        lines += ["", paint(_BOLD, f"Skipped checks ({len(report.skipped)})")]
        for reason, check_ids in skipped_by_reason(report):
            if len(check_ids) == 1:
                lines.append(f"  {check_ids[0]}: {one_line(reason)}")
                continue
            lines.append(f"  {_plural_reason(len(check_ids), one_line(reason))}:")
            lines += textwrap.wrap(
                ", ".join(check_ids),
                width=_WRAP_WIDTH,
                initial_indent=_DETAIL_INDENT,
                subsequent_indent=_DETAIL_INDENT,
                break_on_hyphens=False,
            )

    if report.suppressed:
        lines += ["", paint(_BOLD, f"Muted findings ({len(report.suppressed)})")]
        for muted in report.suppressed:
            until = f" until {muted.expires}" if muted.expires else ""
            lines.append(
                f"  [{muted.severity.value}] {muted.check_id}  {one_line(muted.resource_arn)}"
                f" - {one_line(muted.reason)}{until}"
            )
    return "\n".join(lines) + "\n"


def _plural_reason(count: int, reason: str) -> str:
    """ "needs X" said of several checks: "12 checks need X"."""
    if reason.startswith("needs "):
        return f"{count} checks need {reason.removeprefix('needs ')}"
    return f"{count} checks: {reason}"


def _wrap_lines(text: str) -> list[str]:
    """A possibly multi-line AWS string as separate safe lines (blank lines dropped)."""
    parts = [one_line(part) for part in without_control_chars(text).splitlines()]
    return [part for part in parts if part]


def _painter(enabled: bool):
    def paint(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if enabled else text

    return paint


def scp_lines(summary: object) -> list[str]:
    """The SCP summary (see bot.render.common.scp_summary), each line made safe for a terminal."""
    return terminal_safe(scp_summary(summary))


def terminal_safe(lines: list[str]) -> list[str]:
    """Summary lines each made safe for a terminal, their indentation kept."""
    return [line[: len(line) - len(line.lstrip())] + one_line(line.lstrip()) for line in lines]
