"""The trend chart is a valid PNG: signature, IHDR, CRCs, zlib stream, pixels where expected."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime, timedelta

import pytest

from bot.digest.chart import COLORS, HEIGHT, WIDTH, _nice_step, trend_chart
from bot.digest.content import DigestSummary

START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def decode(png: bytes) -> tuple[int, int, list[bytes]]:
    """A strict little PNG reader for 8-bit RGB, filter 0 (what the chart writes)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, []
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind = png[pos + 4 : pos + 8]
        data = png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + data) & 0xFFFFFFFF, f"bad CRC in {kind!r}"
        chunks.append((kind, data))
        pos += 12 + length
    assert next(k for k, _ in chunks) == b"IHDR"
    assert chunks[-1][0] == b"IEND"
    width, height, depth, color, compression, filt, interlace = struct.unpack(
        ">IIBBBBB", chunks[0][1]
    )
    assert (depth, color, compression, filt, interlace) == (8, 2, 0, 0, 0)
    raw = zlib.decompress(b"".join(d for k, d in chunks if k == b"IDAT"))
    stride = width * 3 + 1
    assert len(raw) == stride * height
    rows = []
    for y in range(height):
        row = raw[y * stride : (y + 1) * stride]
        assert row[0] == 0  # filter type None
        rows.append(row[1:])
    return width, height, rows


def pixel(rows: list[bytes], x: int, y: int) -> tuple[int, int, int]:
    return tuple(rows[y][x * 3 : x * 3 + 3])  # type: ignore[return-value]


def points(count: int) -> list[DigestSummary]:
    return [
        DigestSummary(
            START + timedelta(days=i),
            {"critical": 1, "high": 2 + i % 3, "medium": 4, "low": 1, "info": 0},
        )
        for i in range(count)
    ]


def test_thirty_digests_make_a_valid_png_with_each_severity_colour() -> None:
    png = trend_chart(points(30))
    width, height, rows = decode(png)
    assert (width, height) == (WIDTH, HEIGHT)
    seen = {pixel(rows, x, y) for y in range(height) for x in range(0, width, 2)}
    for name in ("critical", "high", "medium", "low"):
        assert COLORS[name] in seen, name
    assert len(png) < 20_000  # a small upload


def test_empty_history_still_renders_axes() -> None:
    width, height, rows = decode(trend_chart([]))
    assert (width, height) == (WIDTH, HEIGHT)
    assert not {pixel(rows, x, height // 2) for x in range(60, width - 20)} & set(COLORS.values())


def test_bar_heights_follow_the_counts() -> None:
    low = DigestSummary(START, {"critical": 1})
    high = DigestSummary(START + timedelta(days=1), {"critical": 10})
    _, height, rows = decode(trend_chart([low, high], width=200, height=120))

    def bar_height(x_range: range) -> int:
        return max(
            sum(1 for y in range(30, height) if pixel(rows, x, y) == COLORS["critical"])
            for x in x_range
        )

    left, right = bar_height(range(44, 120)), bar_height(range(120, 190))
    assert 0 < left < right
    assert right == pytest.approx(left * 10, rel=0.15)


def test_pillow_decodes_it_when_installed() -> None:
    image_module = pytest.importorskip("PIL.Image")
    import io

    image = image_module.open(io.BytesIO(trend_chart(points(5))))
    image.load()
    assert image.size == (WIDTH, HEIGHT)
    assert image.mode == "RGB"


@pytest.mark.parametrize(("top", "step"), [(1, 1), (5, 1), (6, 2), (23, 5), (99, 20), (480, 100)])
def test_grid_step_keeps_five_lines_or_fewer(top: int, step: int) -> None:
    assert _nice_step(top) == step
    assert top / _nice_step(top) <= 5
