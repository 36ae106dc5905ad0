"""The trend charts: real PNGs of Slack's preview size, severity colours, one line per account."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from bot.digest.chart import (
    COLORS,
    HEIGHT,
    WIDTH,
    accounts_trend_chart,
    change_phrase,
    trend_chart,
)
from bot.digest.content import DigestSummary

START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def points(count: int, **extra: int) -> list[DigestSummary]:
    return [
        DigestSummary(
            START + timedelta(days=i),
            {"critical": 1, "high": 2 + i % 3, "medium": 4, "low": 1, "info": 0, **extra},
        )
        for i in range(count)
    ]


def image(png: bytes) -> Image.Image:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    picture = Image.open(io.BytesIO(png))
    picture.load()
    return picture.convert("RGB")


def hex_rgb(value: str) -> tuple[int, int, int]:
    return tuple(int(value[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def colours(picture: Image.Image) -> set[tuple[int, int, int]]:
    return {colour for _count, colour in picture.getcolors(maxcolors=1 << 20)}


@pytest.mark.parametrize("count", [1, 2, 14, 30, 90])
def test_a_chart_for_any_history_length_has_every_shown_severity_colour(count: int) -> None:
    picture = image(trend_chart(points(count), account_id="123456789012"))
    assert picture.size == (WIDTH, HEIGHT)
    seen = colours(picture)
    for name in ("critical", "high", "medium", "low"):
        assert hex_rgb(COLORS[name]) in seen, name


def test_empty_history_renders_a_chart_saying_so() -> None:
    picture = image(trend_chart([], account_id="123456789012"))
    assert picture.size == (WIDTH, HEIGHT)
    severity_colours = {hex_rgb(COLORS[n]) for n in ("critical", "high", "medium", "low")}
    assert not severity_colours & colours(picture)


def test_more_findings_make_more_of_the_picture_critical() -> None:
    few = image(trend_chart([DigestSummary(START, {"critical": 1, "low": 20})]))
    many = image(trend_chart([DigestSummary(START, {"critical": 20, "low": 1})]))
    red = hex_rgb(COLORS["critical"])

    def share(picture: Image.Image) -> int:
        return next(n for n, colour in picture.getcolors(maxcolors=1 << 20) if colour == red)

    assert share(many) > 5 * share(few)


def test_change_since_the_previous_digest_is_in_the_title() -> None:
    assert change_phrase([]) == "no digest yet"
    assert change_phrase(points(1)) == "8 open, first digest"
    two = [DigestSummary(START, {"high": 5}), DigestSummary(START, {"high": 2})]
    assert change_phrase(two) == "2 open, -3 since the previous digest"
    same = [DigestSummary(START, {"high": 5}), DigestSummary(START, {"low": 5})]
    assert change_phrase(same) == "5 open, no change since the previous digest"


def test_a_dollar_in_an_account_label_is_not_mathtext() -> None:
    """A profile name with "$" must not crash the renderer or be read as a formula."""
    picture = image(trend_chart(points(3), account_id="profile:$x$_{1}^2"))
    assert picture.size == (WIDTH, HEIGHT)


def test_many_accounts_one_line_each_and_the_rest_summed() -> None:
    histories = {
        f"1111222233{i:02d}": [
            DigestSummary(START + timedelta(days=d), {"high": i + d % 3}) for d in range(7)
        ]
        for i in range(12)
    }
    histories["000000000000"] = []  # an account with no history yet is left out
    picture = image(accounts_trend_chart(histories))
    assert picture.size == (WIDTH, HEIGHT)
    # matplotlib's default cycle: the first lines' colours are drawn; the summed line is grey.
    seen = colours(picture)
    for colour in ("#1f77b4", "#ff7f0e", "#2ca02c", "#888888"):
        assert hex_rgb(colour) in seen, colour


def test_many_accounts_without_history() -> None:
    picture = image(accounts_trend_chart({}))
    assert picture.size == (WIDTH, HEIGHT)


def test_charts_are_small_enough_for_a_quick_upload() -> None:
    assert len(trend_chart(points(30), account_id="123456789012")) < 120_000
