"""Parse and write the IAM credential report CSV (pure: text in, rows out).

The report is read with the csv module, never split by hand, and every value is kept as the raw
string AWS wrote: ``N/A``, ``no_information`` and ``not_supported`` mean different things and the
checks must be able to tell them apart (see :class:`CredentialReportRow`).
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterable, Iterator

from bot.model.errors import InputError
from bot.model.snapshot import (
    NO_INFORMATION,
    NOT_APPLICABLE,
    NOT_SUPPORTED,
    CredentialReportRow,
    parse_aws_time,
)

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
        header = [name.strip() for name in _first_record(reader)]
        positions = _column_positions(header)
        width = len(header)
        placed: list[tuple[str, CredentialReportRow]] = []
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
            placed.append(
                (f"credential report line {reader.line_num}", CredentialReportRow(**values))
            )
    except csv.Error as exc:
        raise InputError(f"credential report is not valid CSV: {exc}") from exc
    return rows_once(placed)


def _first_record(reader: Iterator[list[str]]) -> list[str]:
    """The header: the first line that is not blank (a file saved by hand may start with an
    empty line, as it may end with one)."""
    for record in reader:
        if any(value.strip() for value in record):
            return record
    raise InputError("credential report has no header line (every line is blank)")


# What each column may hold besides its ISO 8601 date or TRUE/FALSE, after the IAM User Guide,
# "Getting credential reports for your AWS account". password_enabled and the password dates are
# not_supported on the root row; password_last_used is no_information when the password was never
# used since tracking began (2014-10-20); the rest are N/A when there is no password, key or
# certificate. not_supported is also tolerated in the user rows' password columns, where moto (and
# the demo built on it) writes it: every one of these words reads as "no date" to the checks.
_PASSWORD_DATE_WORDS = frozenset({NOT_APPLICABLE, NOT_SUPPORTED})
DATE_COLUMN_WORDS: dict[str, frozenset[str]] = {
    "user_creation_time": frozenset(),
    "password_last_used": frozenset({NOT_APPLICABLE, NO_INFORMATION, NOT_SUPPORTED}),
    "password_last_changed": _PASSWORD_DATE_WORDS,
    "password_next_rotation": _PASSWORD_DATE_WORDS,
    **{
        f"{kind}_{n}_{suffix}": frozenset({NOT_APPLICABLE})
        for kind, suffixes in (
            ("access_key", ("last_rotated", "last_used_date")),
            ("cert", ("last_rotated",)),
        )
        for n in (1, 2)
        for suffix in suffixes
    },
}
FLAG_COLUMN_WORDS: dict[str, frozenset[str]] = {
    "password_enabled": frozenset({"true", "false", NOT_SUPPORTED}),
    "mfa_active": frozenset({"true", "false"}),
    **{
        f"{kind}_{n}_active": frozenset({"true", "false"})
        for kind in ("access_key", "cert")
        for n in (1, 2)
    },
}


def rows_once(
    placed: Iterable[tuple[str, CredentialReportRow]],
) -> tuple[CredentialReportRow, ...]:
    """The rows of a report, each with its place in the input ("credential report line 4",
    "credential_report[3]"), as the checks may read them: a value they could not read, or two
    different rows for one user, is an InputError naming the places; an exact copy is dropped.
    The checks look rows up by user: with two different rows, each check read one of them (MFA
    active for one check, absent for the next)."""
    first: dict[str, tuple[str, CredentialReportRow]] = {}
    kept: list[CredentialReportRow] = []
    for place, row in placed:
        _check_values(row, place)
        earlier = first.get(row.user)
        if earlier is None:
            first[row.user] = (place, row)
            kept.append(row)
        elif earlier[1] != row:
            raise InputError(
                f"{place} repeats user {_short(row.user)!r} of {earlier[0]} with other values;"
                " AWS writes one row per user: keep the right one"
            )
    return tuple(kept)


def _check_values(row: CredentialReportRow, place: str) -> None:
    """Refuse a value the checks could not read, naming the line, the user and the column.

    Done at load so a hand-edited or corrupted report is refused whole, rather than accepted and
    then failing (as an error finding) in each check that reads the bad cell.
    """
    for column, words in FLAG_COLUMN_WORDS.items():
        value = row.raw(column).strip()
        if value.lower() not in words:
            allowed = ", ".join(
                sorted(word.upper() if word in ("true", "false") else word for word in words)
            )
            raise InputError(_bad_value(row, place, column, value, allowed))
    for column, words in DATE_COLUMN_WORDS.items():
        value = row.raw(column).strip()
        if value in words:
            continue
        try:
            parsed = parse_aws_time(value) if value else None
        except InputError:
            parsed = None
        if parsed is None:
            allowed = " or ".join(["an ISO 8601 date", *sorted(words)])
            raise InputError(_bad_value(row, place, column, value, allowed))


def _bad_value(row: CredentialReportRow, place: str, column: str, value: str, allowed: str) -> str:
    shown = value if len(value) <= 40 else value[:40] + "..."
    return f"{place} (user {_short(row.user)!r}): {column} is {shown!r}, expected {allowed}"


def _short(user: str) -> str:
    return user if len(user) <= 64 else user[:64] + "..."


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
