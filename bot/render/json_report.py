"""JSON report: exactly ``Report.to_dict()`` (schema ``iam-audit/report/1``), pretty and stable."""

from __future__ import annotations

import json

from bot.audit.report import Report
from bot.render.common import Catalogue, RenderOptions


def render_json(
    report: Report, *, catalogue: Catalogue, options: RenderOptions | None = None
) -> str:
    """The public report shape; key order is the one ``to_dict`` builds, so diffs stay small."""
    del catalogue, options  # the JSON carries the findings' own text; nothing to look up
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
