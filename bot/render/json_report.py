"""JSON report: exactly ``Report.to_dict()`` (schema ``iam-audit/report/1``), pretty and stable."""

from __future__ import annotations

import json
from collections.abc import Iterator
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
    # Pieces joined once at the end: nesting joins would copy a 50 MB report several times over.
    return "".join(json_chunks(report))


def json_chunks(report: Report) -> Iterator[str]:
    """:func:`render_json`'s text, piece by piece (a line per finding), for a writer that
    streams it to a file: a large account's report is never held whole, nor encoded whole."""
    body = report.to_dict()
    yield "{\n"
    for position, (key, value) in enumerate(body.items()):
        if position:
            yield ",\n"
        yield f"  {json.dumps(key)}: "
        yield from _value(key, value)
    yield "\n}\n"


def _value(key: str, value: Any) -> Iterator[str]:
    if key in _LINE_PER_ITEM and isinstance(value, list) and value:
        yield "[\n"
        for position, item in enumerate(value):
            yield ",\n    " if position else "    "
            yield _compact(item)
        yield "\n  ]"
        return
    yield json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")


# json.dumps with these options, without building an encoder per finding (45,000 of them).
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))


def _compact(value: Any) -> str:
    return _COMPACT.encode(value)
