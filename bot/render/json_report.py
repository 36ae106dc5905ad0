"""JSON report: exactly ``Report.to_dict()`` (schema ``iam-audit/report/1``), pretty and stable."""

from __future__ import annotations

import json
from typing import Any

from bot.audit.report import Report
from bot.render.common import Catalogue, RenderOptions

# Large accounts produce tens of thousands of findings: each finding goes on one compact line
# (json's C encoder; ``indent`` forces its pure-Python encoder, several times slower), the rest
# of the report is indented. One finding per line also keeps diffs between reports readable.
_LINE_PER_ITEM = ("findings",)


def render_json(
    report: Report, *, catalogue: Catalogue, options: RenderOptions | None = None
) -> str:
    """The public report shape; key order is the one ``to_dict`` builds, so diffs stay small."""
    del catalogue, options  # the JSON carries the findings' own text; nothing to look up
    body = report.to_dict()
    # Pieces joined once at the end: nesting joins would copy a 50 MB report several times
    # over, and those copies were the audit's peak memory.
    parts = ["{\n"]
    for position, (key, value) in enumerate(body.items()):
        if position:
            parts.append(",\n")
        parts.append(f"  {json.dumps(key)}: ")
        _value(key, value, parts)
    parts.append("\n}\n")
    return "".join(parts)


def _value(key: str, value: Any, parts: list[str]) -> None:
    if key in _LINE_PER_ITEM and isinstance(value, list) and value:
        parts.append("[\n")
        for position, item in enumerate(value):
            parts.append(",\n    " if position else "    ")
            parts.append(_compact(item))
        parts.append("\n  ]")
        return
    parts.append(json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  "))


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
