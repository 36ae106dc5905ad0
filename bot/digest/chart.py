"""The trend chart: open findings by severity over the last digests, as a PNG (pure).

Why no plotting library: the chart is stacked bars, grid lines and a few digits. matplotlib would
bring numpy, Pillow, fonttools and ~50 MB into a chat bot's image for that; the PNG format itself
is a zlib stream of filtered rows plus three CRC'd chunks (RFC 2083), which the standard library
writes in a few lines. The colours are explained by the legend letters and by the message.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

from bot.audit.findings import SEVERITIES_WORST_FIRST
from bot.digest.content import DigestSummary

WIDTH = 640
HEIGHT = 260
Color = tuple[int, int, int]

BACKGROUND: Color = (255, 255, 255)
AXIS: Color = (90, 90, 90)
GRID: Color = (225, 225, 225)
TEXT: Color = (40, 40, 40)
COLORS: dict[str, Color] = {
    "critical": (142, 22, 22),
    "high": (224, 82, 46),
    "medium": (240, 172, 40),
    "low": (66, 133, 204),
    "info": (160, 160, 160),
}

# 3x5 glyphs, one string of 15 cells per character (row by row), for axis numbers and the legend.
_GLYPHS = {
    "0": "111101101101111",
    "1": "010110010010111",
    "2": "111001111100111",
    "3": "111001111001111",
    "4": "101101111001001",
    "5": "111100111001111",
    "6": "111100111101111",
    "7": "111001001001001",
    "8": "111101111101111",
    "9": "111101111001111",
    "C": "111100100100111",
    "H": "101101111101101",
    "M": "101111111101101",
    "L": "100100100100111",
    "I": "111010010010111",
}

_MARGIN_LEFT = 44
_MARGIN_RIGHT = 12
_MARGIN_TOP = 30
_MARGIN_BOTTOM = 16


class _Canvas:
    def __init__(self, width: int, height: int, background: Color) -> None:
        self.width = width
        self.height = height
        self.pixels = bytearray(bytes(background) * (width * height))

    def rect(self, x0: int, y0: int, x1: int, y1: int, color: Color) -> None:
        """Fill [x0, x1) x [y0, y1), clipped to the canvas."""
        x0, x1 = max(0, x0), min(self.width, x1)
        y0, y1 = max(0, y0), min(self.height, y1)
        if x0 >= x1 or y0 >= y1:
            return
        row = bytes(color) * (x1 - x0)
        for y in range(y0, y1):
            start = (y * self.width + x0) * 3
            self.pixels[start : start + len(row)] = row

    def text(self, x: int, y: int, text: str, color: Color, scale: int = 2) -> None:
        for index, char in enumerate(text):
            glyph = _GLYPHS.get(char)
            if glyph is None:
                continue
            left = x + index * 4 * scale
            for cell, bit in enumerate(glyph):
                if bit == "1":
                    cx, cy = left + (cell % 3) * scale, y + (cell // 3) * scale
                    self.rect(cx, cy, cx + scale, cy + scale, color)

    def png(self) -> bytes:
        stride = self.width * 3
        raw = b"".join(
            b"\x00" + bytes(self.pixels[y * stride : (y + 1) * stride]) for y in range(self.height)
        )
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(raw, 9))
            + _chunk(b"IEND", b"")
        )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def _nice_step(top: int) -> int:
    """A grid step of 1, 2 or 5 x 10^n giving at most five lines."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if top / (step * factor) <= 5:
                return step * factor
        step *= 10


def trend_chart(
    points: Sequence[DigestSummary], *, width: int = WIDTH, height: int = HEIGHT
) -> bytes:
    """Stacked bars (worst severity on top) of open findings per digest, oldest left."""
    canvas = _Canvas(width, height, BACKGROUND)
    plot_left, plot_right = _MARGIN_LEFT, width - _MARGIN_RIGHT
    plot_top, plot_bottom = _MARGIN_TOP, height - _MARGIN_BOTTOM
    plot_height = plot_bottom - plot_top
    top = max((p.total() for p in points), default=0)
    step = _nice_step(max(top, 1))
    ceiling = max(step, -(-top // step) * step)

    for value in range(0, ceiling + 1, step):
        y = plot_bottom - round(value * plot_height / ceiling)
        canvas.rect(plot_left, y, plot_right, y + 1, GRID)
        label = str(value)
        canvas.text(plot_left - 6 - len(label) * 8, y - 5, label, TEXT)
    canvas.rect(plot_left, plot_top, plot_left + 1, plot_bottom + 1, AXIS)
    canvas.rect(plot_left, plot_bottom, plot_right, plot_bottom + 1, AXIS)

    # Legend: a colour square and the severity's initial, worst first.
    x = plot_left
    for severity in SEVERITIES_WORST_FIRST:
        canvas.rect(x, 8, x + 10, 18, COLORS[severity.value])
        canvas.text(x + 14, 8, severity.value[0].upper(), TEXT)
        x += 34

    if points:
        slot = (plot_right - plot_left - 4) / len(points)
        bar = max(1, int(slot * 0.7))
        for index, point in enumerate(points):
            left = plot_left + 3 + int(index * slot + (slot - bar) / 2)
            base = 0
            for severity in reversed(SEVERITIES_WORST_FIRST):  # info at the bottom
                count = int(point.counts.get(severity.value, 0))
                if count <= 0:
                    continue
                y1 = plot_bottom - round(base * plot_height / ceiling)
                y0 = plot_bottom - round((base + count) * plot_height / ceiling)
                canvas.rect(left, y0, left + bar, y1, COLORS[severity.value])
                base += count
    return canvas.png()
