"""Renderers that turn a Report into text, JSON, Markdown, SARIF or CSV (pure functions).

The renderers load with the first use of ``RENDERERS``, ``FORMATS``, ``RenderOptions`` or
``render``: ``bot.render.safe_output``, which every command's output passes through, then costs
no report machinery (for `iam-audit simulate`, a third of its start-up).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.model.errors import InputError

if TYPE_CHECKING:
    from bot.audit.report import Report
    from bot.render.common import Catalogue, RenderOptions

Renderer = Callable[..., str]


def _load() -> dict[str, Renderer]:
    """Import the renderers once and publish RENDERERS, FORMATS and RenderOptions."""
    loaded = globals().get("RENDERERS")
    if loaded is not None:
        return loaded
    from bot.render.common import RenderOptions  # noqa: PLC0415 - see the module docstring
    from bot.render.csv_report import render_csv  # noqa: PLC0415
    from bot.render.json_report import render_json  # noqa: PLC0415
    from bot.render.markdown import render_markdown  # noqa: PLC0415
    from bot.render.sarif import render_sarif  # noqa: PLC0415
    from bot.render.text import render_text  # noqa: PLC0415

    renderers: dict[str, Renderer] = {
        "text": render_text,
        "json": render_json,
        "markdown": render_markdown,
        "sarif": render_sarif,
        "csv": render_csv,
    }
    globals().update(RENDERERS=renderers, FORMATS=tuple(renderers), RenderOptions=RenderOptions)
    return renderers


def __getattr__(name: str) -> Any:
    if name in ("RENDERERS", "FORMATS", "RenderOptions"):
        _load()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def render(
    report: Report, fmt: str, catalogue: Catalogue, *, options: RenderOptions | None = None
) -> str:
    """The report in format ``fmt`` (one of FORMATS); an unknown format is an InputError."""
    renderers = _load()
    renderer = renderers.get(fmt)
    if renderer is None:
        raise InputError(f"unknown report format {fmt!r} (use one of: {', '.join(renderers)})")
    return renderer(report, catalogue=catalogue, options=options)


__all__ = ["FORMATS", "RENDERERS", "RenderOptions", "render"]
