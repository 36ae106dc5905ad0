"""Parse and write the IAM credential report CSV (pure: text in, rows out).

The report is read with the csv module, never split by hand, and every value is kept as the raw
string AWS wrote: ``N/A``, ``no_information`` and ``not_supported`` mean different things and the
checks must be able to tell them apart (see :class:`CredentialReportRow`).
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterable

from bot.audit.model import CredentialReportRow
from bot.errors import InputError

# The documented column order of the report; our writer emits exactly these.
REPORT_COLUMNS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(CredentialReportRow))


def parse_credential_report(csv_text: str) -> tuple[CredentialReportRow, ...]:
    """Parse the CSV text of a credential report into rows, one per user plus the root row.

    The header must hold every documented column (in any order); extra columns AWS may add later
    are ignored. Raises InputError with the line number when the text is not a credential report.
    """
    if not isinstance(csv_text, str):
        raise InputError(f"credential report must be text, got {type(csv_text).__name__}")
    text = csv_text.lstrip("\ufeff")
    if not text.strip():
        raise InputError("credential report is empty (expected a CSV header line)")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip() for name in next(reader)]
        positions = _column_positions(header)
        width = len(header)
        rows: list[CredentialReportRow] = []
        for record in reader:
            if not record or (len(record) == 1 and not record[0].strip()):
                continue  # a blank line, e.g. a trailing newline
            if len(record) != width:
                raise InputError(
                    f"credential report line {reader.line_num} has {len(record)} values,"
                    f" the header has {width}"
                )
            values = {column: record[index] for column, index in positions.items()}
            if not values["user"] or not values["arn"]:
                raise InputError(
                    f"credential report line {reader.line_num} has an empty user or arn"
                )
            rows.append(CredentialReportRow(**values))
    except csv.Error as exc:
        raise InputError(f"credential report is not valid CSV: {exc}") from exc
    return tuple(rows)


def credential_report_to_csv(rows: Iterable[CredentialReportRow]) -> str:
    """Write rows back as a credential report CSV in AWS's column order (header included)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    for row in rows:
        writer.writerow([getattr(row, column) for column in REPORT_COLUMNS])
    return buffer.getvalue()


def _column_positions(header: list[str]) -> dict[str, int]:
    """Map each documented column to its index; fail naming every missing column."""
    if "user" not in header or "arn" not in header:
        shown = ",".join(header[:5])
        raise InputError(
            "not a credential report: the header must start with user,arn,user_creation_time,..."
            f" (found {shown!r})"
        )
    missing = [column for column in REPORT_COLUMNS if column not in header]
    if missing:
        raise InputError("credential report header lacks column(s): " + ", ".join(missing))
    duplicated = sorted(
        {name for name in header if name in REPORT_COLUMNS and header.count(name) > 1}
    )
    if duplicated:
        raise InputError("credential report header repeats column(s): " + ", ".join(duplicated))
    return {column: header.index(column) for column in REPORT_COLUMNS}
