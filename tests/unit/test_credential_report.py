"""Credential report parsing: the csv module, raw values kept, bad shapes refused clearly."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.audit.credential_report import (
    REPORT_COLUMNS,
    credential_report_to_csv,
    parse_credential_report,
    rows_once,
)
from bot.model.errors import InputError
from bot.model.snapshot import ROOT_USER, CredentialReportRow

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "credential_report_sample.csv"
HEADER = ",".join(REPORT_COLUMNS)


def _sample() -> tuple[CredentialReportRow, ...]:
    return parse_credential_report(SAMPLE.read_text(encoding="utf-8"))


def test_sample_report_parses_every_row_with_root_first() -> None:
    rows = _sample()
    assert [row.user for row in rows] == [ROOT_USER, "ana", "svc-build"]
    assert rows[0].is_root
    assert rows[2].arn == "arn:aws:iam::111122223333:user/ci/svc-build"


def test_booleans_are_read_case_insensitively() -> None:
    root, ana, _svc = _sample()
    assert root.flag("mfa_active") is True  # "TRUE"
    assert ana.flag("password_enabled") is True  # "True"
    assert ana.flag("access_key_2_active") is False  # "FALSE"
    assert root.flag("password_enabled") is None  # not_supported is neither


def test_na_no_information_and_not_supported_stay_distinct() -> None:
    root, ana, svc = _sample()
    assert ana.raw("password_last_used") == "no_information"
    assert svc.raw("password_last_used") == "N/A"
    assert root.raw("password_last_changed") == "not_supported"
    # none of them is a date, and none is confused with another
    assert {ana.date("password_last_used"), svc.date("password_last_used")} == {None}
    assert len({ana.password_last_used, svc.password_last_used, root.password_last_changed}) == 3


def test_dates_parse_to_aware_datetimes() -> None:
    _root, _ana, svc = _sample()
    used = svc.date("access_key_2_last_used_date")
    assert used is not None
    assert (used.year, used.month, used.day, used.tzinfo is not None) == (2026, 11, 28, True)


def test_quoted_fields_with_commas_are_kept_whole() -> None:
    odd = CredentialReportRow(
        user="odd,name",
        arn="arn:aws:iam::111122223333:user/odd",
        user_creation_time="2020-01-01T00:00:00+00:00",
    )
    values = [getattr(odd, column) for column in REPORT_COLUMNS]
    text = HEADER + "\n" + '"odd,name",' + ",".join(values[1:]) + "\n"
    (row,) = parse_credential_report(text)
    assert row.user == "odd,name"


def test_extra_columns_and_reordered_columns_are_tolerated() -> None:
    columns = [*reversed(REPORT_COLUMNS), "future_column"]
    row = dict.fromkeys(columns, "N/A")
    row.update({column: "false" for column in columns if column.endswith(("_active", "_enabled"))})
    row.update(
        user="ana",
        arn="arn:aws:iam::111122223333:user/ana",
        user_creation_time="2020-01-01T00:00:00+00:00",
        mfa_active="true",
        future_column="whatever",
    )
    text = ",".join(columns) + "\n" + ",".join(row[c] for c in columns) + "\n"
    (parsed,) = parse_credential_report(text)
    assert parsed.user == "ana"
    assert parsed.flag("mfa_active") is True


def test_byte_order_mark_and_crlf_line_endings_are_accepted() -> None:
    text = "\ufeff" + SAMPLE.read_text(encoding="utf-8").replace("\n", "\r\n")
    assert [row.user for row in parse_credential_report(text)] == [ROOT_USER, "ana", "svc-build"]


def test_round_trip_through_the_writer() -> None:
    rows = _sample()
    assert parse_credential_report(credential_report_to_csv(rows)) == rows


def test_writer_emits_the_documented_header_first() -> None:
    text = credential_report_to_csv([])
    assert text == HEADER + "\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("name,email\nana,a@example.com\n", "not a credential report"),
        ("user,arn,user_creation_time\nana,arn:aws:iam::1:user/ana,2020\n", "lacks column"),
    ],
)
def test_bad_header_is_refused_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_credential_report(text)


def test_missing_columns_are_all_named() -> None:
    columns = [c for c in REPORT_COLUMNS if c not in ("mfa_active", "cert_2_last_rotated")]
    with pytest.raises(InputError) as caught:
        parse_credential_report(",".join(columns) + "\n")
    assert "mfa_active" in str(caught.value)
    assert "cert_2_last_rotated" in str(caught.value)


def test_short_row_names_its_line() -> None:
    text = SAMPLE.read_text(encoding="utf-8") + "bad,row\n"
    with pytest.raises(InputError, match="line 5 has 2 values"):
        parse_credential_report(text)


def test_row_without_user_is_refused() -> None:
    values = ["", "arn:aws:iam::1:user/x"] + ["N/A"] * (len(REPORT_COLUMNS) - 2)
    with pytest.raises(InputError, match="empty user"):
        parse_credential_report(HEADER + "\n" + ",".join(values) + "\n")


def test_duplicated_column_is_refused() -> None:
    with pytest.raises(InputError, match="repeats"):
        parse_credential_report(HEADER + ",mfa_active\n")


def test_unterminated_quote_is_reported_as_bad_csv() -> None:
    with pytest.raises(InputError, match="not valid CSV"):
        parse_credential_report(HEADER + '\n"ana,arn\n')


def test_non_text_input_is_refused() -> None:
    with pytest.raises(InputError, match="must be text"):
        parse_credential_report(b"user,arn")  # type: ignore[arg-type]


def _one_row_report(**values: str) -> str:
    row = CredentialReportRow(
        user="alice",
        arn="arn:aws:iam::111122223333:user/alice",
        user_creation_time="2020-01-01T00:00:00+00:00",
    )
    return credential_report_to_csv([dataclasses.replace(row, **values)])


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("password_last_used", "yesterday"),
        ("access_key_1_last_rotated", "2026-13-45"),
        ("access_key_2_last_used_date", "no_information"),  # N/A is this column's only word
        ("user_creation_time", "N/A"),  # every user has a creation date
        ("cert_1_last_rotated", ""),
        ("mfa_active", "yes"),
        ("access_key_1_active", "not_supported"),  # only password_enabled (root) has it
    ],
)
def test_a_value_outside_the_columns_documented_forms_is_refused_naming_user_and_column(
    column: str, value: str
) -> None:
    """IAM User Guide, "Getting credential reports for your AWS account": each date column is an
    ISO 8601 date-time or its documented word (N/A, no_information, not_supported for root)."""
    with pytest.raises(InputError) as caught:
        parse_credential_report(_one_row_report(**{column: value}))
    message = str(caught.value)
    assert "line 2" in message
    assert "'alice'" in message
    assert column in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("password_last_used", "no_information"),
        ("password_last_used", "N/A"),
        ("password_last_changed", "not_supported"),
        ("password_enabled", "not_supported"),
        ("password_enabled", "TRUE"),
        ("access_key_1_last_used_date", "2015-04-22T00:00:00Z"),
        ("access_key_1_last_used_region", "us-east-1"),
        ("cert_2_last_rotated", "2019-06-01T12:00:00+00:00"),
    ],
)
def test_every_documented_form_is_accepted(column: str, value: str) -> None:
    (row,) = parse_credential_report(_one_row_report(**{column: value}))
    assert row.raw(column) == value


def test_a_hostile_value_is_shown_shortened() -> None:
    with pytest.raises(InputError) as caught:
        parse_credential_report(_one_row_report(password_last_used="x" * 5000))
    assert len(str(caught.value)) < 300


def test_rows_once_drops_an_exact_copy_and_names_both_places_of_a_conflict() -> None:
    """One rule for the CSV and for a snapshot's rows: an exact copy is one row, two different
    rows for one user are refused naming where each was."""
    first, second = _sample()[:2]
    assert rows_once([("a[0]", first), ("a[1]", second), ("a[2]", first)]) == (first, second)
    changed = dataclasses.replace(
        first, mfa_active="true" if first.mfa_active != "true" else "false"
    )
    with pytest.raises(InputError, match=r"a\[2\] repeats user .* of a\[0\] with other values"):
        rows_once([("a[0]", first), ("a[1]", second), ("a[2]", changed)])
