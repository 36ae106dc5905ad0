"""Renderers that turn a Report into text, JSON, Markdown, SARIF or CSV (pure functions)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from bot.audit.report import Report
from bot.model.errors import InputError
from bot.render.common import Catalogue, RenderOptions

Renderer = Callable[..., str]


def _on_first_use(module: str, function: str) -> Renderer:
    """The renderer ``module.function``, imported when first called: a run renders one format,
    and importing the others (SARIF, Markdown, the evidence text) is start-up time of every
    CLI command, since importing any ``bot.render`` module imports this package."""

    def renderer(*args: Any, **kwargs: Any) -> str:
        return getattr(importlib.import_module(f"bot.render.{module}"), function)(*args, **kwargs)

    renderer.__name__ = renderer.__qualname__ = function
    return renderer


RENDERERS: dict[str, Renderer] = {
    "text": _on_first_use("text", "render_text"),
    "json": _on_first_use("json_report", "render_json"),
    "markdown": _on_first_use("markdown", "render_markdown"),
    "sarif": _on_first_use("sarif", "render_sarif"),
    "csv": _on_first_use("csv_report", "render_csv"),
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
