"""The check catalogue (`iam-audit checks`) as text, JSON or the README's Markdown table."""

from __future__ import annotations

import json
from collections.abc import Iterable

from bot.audit.registry import CheckMeta
from bot.model.errors import InputError
from bot.render.common import one_line
from bot.render.markdown import md_check_id, md_escape

CATALOGUE_FORMATS: tuple[str, ...] = ("text", "json", "markdown")

# Anchor strings start with the benchmark's name ("CIS 1.4", "SH IAM.9", "Prowler iam_...").
_ANCHOR_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Prowler", ("prowler",)),
    ("CIS", ("cis",)),
    ("Security Hub", ("sh", "security hub", "securityhub")),
    ("ScoutSuite", ("scoutsuite", "scout suite")),
)
OTHER_COLUMN = "Other"


def anchor_columns(anchors: Iterable[str]) -> dict[str, list[str]]:
    """Anchors sorted into the coverage columns; the benchmark name is dropped from the cell."""
    columns: dict[str, list[str]] = {name: [] for name, _ in _ANCHOR_COLUMNS}
    columns[OTHER_COLUMN] = []
    for anchor in anchors:
        text = anchor.strip()
        lowered = text.lower()
        for name, prefixes in _ANCHOR_COLUMNS:
            prefix = next(
                (p for p in prefixes if lowered == p or lowered.startswith(p + " ")), None
            )
            if prefix is not None:
                rest = text[len(prefix) :].strip()
                columns[name].append(rest or "yes")
                break
        else:
            columns[OTHER_COLUMN].append(text)
    return columns


def render_catalogue(metas: Iterable[CheckMeta], fmt: str) -> str:
    metas = sorted(metas, key=lambda m: m.id)
    if fmt == "json":
        return json.dumps([m.to_dict() for m in metas], indent=2, ensure_ascii=False) + "\n"
    if fmt == "text":
        return render_catalogue_text(metas)
    if fmt == "markdown":
        return render_catalogue_markdown(metas)
    raise InputError(f"unknown format {fmt!r} (use one of: {', '.join(CATALOGUE_FORMATS)})")


def render_catalogue_text(metas: Iterable[CheckMeta]) -> str:
    lines: list[str] = []
    for meta in metas:
        lines.append(f"{meta.id}  [{meta.severity.value}]  {one_line(meta.title)}")
        if meta.anchors:
            lines.append(f"    anchors: {one_line(', '.join(meta.anchors))}")
        if meta.permissions:
            lines.append(f"    permissions: {', '.join(meta.permissions)}")
        lines.append(f"    risk: {one_line(meta.risk)}")
        lines.append(f"    remediation: {one_line(meta.remediation)}")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n" if lines else "No checks registered.\n"


def render_catalogue_markdown(metas: Iterable[CheckMeta]) -> str:
    """The README's catalogue table, a coverage count per benchmark, and the IAM actions needed."""
    metas = list(metas)
    headers = ["Check", "Severity", "What it finds"] + [n for n, _ in _ANCHOR_COLUMNS]
    headers.append(OTHER_COLUMN)
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    covered = {name: 0 for name, _ in _ANCHOR_COLUMNS}
    for meta in metas:
        columns = anchor_columns(meta.anchors)
        for name in covered:
            covered[name] += bool(columns[name])
        cells = [md_check_id(meta.id), meta.severity.value, md_escape(meta.title)]
        cells += [md_escape(", ".join(columns[name])) for name in (*covered, OTHER_COLUMN)]
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    coverage = ", ".join(f"{name} {count}" for name, count in covered.items())
    out.append(f"{len(metas)} checks; checks with an anchor in each benchmark: {coverage}.")
    permissions = sorted({p for meta in metas for p in meta.permissions})
    if permissions:
        out += ["", "IAM actions the checks read (all read-only):", ""]
        out += [f"- `{permission}`" for permission in permissions]
    return "\n".join(out) + "\n"
