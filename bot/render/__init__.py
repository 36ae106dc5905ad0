"""Renderers that turn a Report into text, JSON, Markdown, SARIF or CSV (pure functions)."""

from __future__ import annotations

from collections.abc import Callable

from bot.audit.report import Report
from bot.model.errors import InputError
from bot.render.common import Catalogue, RenderOptions
from bot.render.csv_report import render_csv
from bot.render.json_report import render_json
from bot.render.markdown import render_markdown
from bot.render.sarif import render_sarif
from bot.render.text import render_text

Renderer = Callable[..., str]

RENDERERS: dict[str, Renderer] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
    "sarif": render_sarif,
    "csv": render_csv,
}
FORMATS: tuple[str, ...] = tuple(RENDERERS)


def render(
    report: Report, fmt: str, catalogue: Catalogue, *, options: RenderOptions | None = None
) -> str:
    """The report in format ``fmt`` (one of FORMATS); an unknown format is an InputError."""
    renderer = RENDERERS.get(fmt)
    if renderer is None:
        raise InputError(f"unknown report format {fmt!r} (use one of: {', '.join(FORMATS)})")
    return renderer(report, catalogue=catalogue, options=options)


__all__ = ["FORMATS", "RENDERERS", "RenderOptions", "render"]
