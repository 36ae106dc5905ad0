"""Renderers that turn a Report into text, JSON, Markdown, SARIF or CSV (pure functions).

Importing this package loads no renderer and no report machinery: ``bot.render.safe_output``,
which every command's output passes through, is then cheap (for `iam-audit simulate`, a third of
its start-up), and a run imports only the format it renders.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.model.errors import InputError

if TYPE_CHECKING:
    from bot.audit.report import Report
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


def __getattr__(name: str) -> Any:
    """``RenderOptions`` (bot.render.common, which imports the report model) on first use."""
    if name == "RenderOptions":
        from bot.render.common import RenderOptions  # noqa: PLC0415 - see the module docstring

        return RenderOptions
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["FORMATS", "RENDERERS", "RenderOptions", "render"]
