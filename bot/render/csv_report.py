"""CSV report: one row per finding, for spreadsheets and ticket imports."""

from __future__ import annotations

import csv
import io
import json
import re

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


_LINE_BREAK = re.compile(r"\r\n?|\n")


def spreadsheet_safe(value: str) -> str:
    """The cell text, each line prefixed with a quote when a spreadsheet would evaluate it.

    A bare CR becomes LF first: the csv module quotes a cell holding LF (our line terminator) but
    not one holding only CR, and an unquoted CR splits the row in a spreadsheet, putting the rest
    of the name (``=cmd|...``) at the start of a new row, past a guard on the first line only.
    """
    lines = _LINE_BREAK.split(without_control_chars(value))
    return "\n".join("'" + line if line.startswith(_FORMULA_STARTS) else line for line in lines)


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
