"""CSV report: one row per finding, for spreadsheets and ticket imports."""

from __future__ import annotations

import csv
import io
import json

from bot.audit.report import Report
from bot.render.common import Catalogue, RenderOptions, without_control_chars

COLUMNS = (
    "check_id",
    "severity",
    "resource_arn",
    "resource_type",
    "title",
    "detail",
    "remediation",
    "evidence",
)

# A cell starting with one of these is run as a formula by Excel / LibreOffice / Sheets
# (OWASP "CSV injection"); IAM names may legally start with '=', '+', '@' or '-'.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """The cell text, prefixed with a quote when a spreadsheet would evaluate it."""
    cleaned = without_control_chars(value)
    return "'" + cleaned if cleaned.startswith(_FORMULA_STARTS) else cleaned


def render_csv(
    report: Report, *, catalogue: Catalogue, options: RenderOptions | None = None
) -> str:
    """Header plus one row per finding; evidence as compact JSON in the last column."""
    del options  # nothing in CSV is presentational
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for finding in report.findings:
        meta = catalogue.get(finding.check_id)
        remediation = finding.remediation or (meta.remediation if meta else "")
        evidence = json.dumps(finding.evidence, sort_keys=True, separators=(",", ":"), default=str)
        writer.writerow(
            [
                spreadsheet_safe(finding.check_id),
                finding.severity.value,
                spreadsheet_safe(finding.resource_arn),
                spreadsheet_safe(finding.resource_type),
                spreadsheet_safe(finding.title),
                spreadsheet_safe(finding.detail),
                spreadsheet_safe(remediation),
                spreadsheet_safe(evidence),
            ]
        )
    return buffer.getvalue()
