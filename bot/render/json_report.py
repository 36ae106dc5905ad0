"""JSON report: exactly ``Report.to_dict()`` (schema ``iam-audit/report/1``), pretty and stable."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import orjson

from bot.audit.report import Report
from bot.render.common import Catalogue, RenderOptions

# Large accounts produce tens of thousands of findings: each finding goes on one compact line
# (see _compact; ``indent`` would force json's pure-Python encoder, several times slower), the
# rest of the report is indented. One finding per line also keeps diffs between reports readable.
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


# What orjson refuses to write (an integer past 64 bits, which a policy document's JSON may
# hold; a lone surrogate) goes through the standard encoder, in the same compact form.
_FALLBACK = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _compact(value: Any) -> str:
    """One finding as one line of compact JSON. orjson, not the standard encoder: on a large
    account's escalation evidence it writes 47,000 findings in 0.05 s instead of 0.35 s. A
    non-finite number (a policy's `1e999`) is written as null, as orjson does, so the report
    stays JSON that any parser reads."""
    try:
        return orjson.dumps(value).decode()
    except (orjson.JSONEncodeError, TypeError):
        try:
            return _FALLBACK.encode(value)
        except ValueError:  # a non-finite number as well: orjson's null for each
            return _FALLBACK.encode(_finite(value))


def _finite(value: Any) -> Any:
    """``value`` with every NaN or infinity replaced by None (JSON's null)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value
