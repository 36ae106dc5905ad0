"""The credential-report parse caches give the same answers as parsing afresh, share only
immutable values, and never cache a failure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.audit.checks._credentials import active_key_slots, key_slots
from bot.model.errors import InputError
from bot.model.snapshot import CredentialReportRow, _parse_aws_text, parse_aws_time


def _row(**columns: str) -> CredentialReportRow:
    return CredentialReportRow(
        user="alice",
        arn="arn:aws:iam::123456789012:user/alice",
        user_creation_time="2024-01-01T00:00:00+00:00",
        **columns,
    )


def test_repeated_parse_is_served_from_the_cache_with_the_same_value() -> None:
    text = "2031-05-06T07:08:09Z"
    first = parse_aws_time(text)
    hits_before = _parse_aws_text.cache_info().hits
    second = parse_aws_time(text)
    assert first == second == datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert _parse_aws_text.cache_info().hits == hits_before + 1


def test_cached_parse_keeps_offsets_and_markers() -> None:
    assert parse_aws_time("2031-05-06T09:08:09+02:00") == datetime(
        2031, 5, 6, 9, 8, 9, tzinfo=timezone(timedelta(hours=2))
    )
    assert parse_aws_time("2031-05-06T07:08:09") == datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    for marker in ("N/A", "no_information", "not_supported", " N/A "):
        assert parse_aws_time(marker) is None
        assert parse_aws_time(marker) is None  # a cached None stays None
    assert parse_aws_time("") is None
    assert parse_aws_time(None) is None


def test_a_bad_timestamp_fails_every_time_not_only_the_first() -> None:
    for _ in range(2):
        with pytest.raises(InputError, match="not an ISO-8601 timestamp"):
            parse_aws_time("yesterday")


def test_datetimes_bypass_the_string_cache() -> None:
    naive = datetime(2030, 1, 1, 12, 0)
    assert parse_aws_time(naive) == datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    aware = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_aws_time(aware) is aware


def test_key_slots_are_parsed_once_per_row_and_match_the_columns() -> None:
    row = _row(
        access_key_1_active="true",
        access_key_1_last_rotated="2024-02-01T00:00:00+00:00",
        access_key_1_last_used_date="2024-03-01T00:00:00+00:00",
        access_key_2_active="FALSE",
        access_key_2_last_used_date="no_information",
    )
    first = key_slots(row)
    assert key_slots(row) is first  # served from the cache
    one, two = first
    assert (one.number, one.active) == (1, True)
    assert one.last_rotated == datetime(2024, 2, 1, tzinfo=UTC)
    assert one.last_used == datetime(2024, 3, 1, tzinfo=UTC)
    assert (two.number, two.active, two.last_used, two.last_used_raw) == (
        2,
        False,
        None,
        "no_information",
    )
    assert active_key_slots(row) == (one,)


def test_rows_that_differ_in_any_column_get_their_own_slots() -> None:
    active = _row(access_key_1_active="true")
    inactive = _row(access_key_1_active="false")
    assert active_key_slots(active)[0].active is True
    assert active_key_slots(inactive) == ()
    rotated = _row(access_key_1_active="true", access_key_1_last_rotated="2025-01-01T00:00:00Z")
    assert key_slots(rotated)[0].last_rotated == datetime(2025, 1, 1, tzinfo=UTC)
    assert key_slots(active)[0].last_rotated is None
