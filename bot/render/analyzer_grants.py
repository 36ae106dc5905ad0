"""Which grants of an Access Analyzer finding are conditional, for its merged view (pure).

A finding's access entries are separate grants (one statement each), every one with its own
conditions or none. The merged view lists every condition key with all its values
(bot.audit.analyzer_view.conditions); when one grant has conditions and another has none, that
list alone reads as though every grant were conditional, and the unconditional grant (the wider
exposure) is hidden. The CLI and Slack say it first: "none for 1 of 2 grants", then the
conditions of the others.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.audit.analyzer_view import FindingRow, GrantConditions, grant_conditions
from bot.model.snapshot import AnalyzerFinding

__all__ = ["GrantConditions", "grant_conditions", "grants_by_row", "row_key"]

RowKey = tuple[str, str, str]  # finding id, region, analyzer ARN (a row and its finding)


def row_key(row: FindingRow) -> RowKey:
    return (row.id, row.region, row.analyzer_arn)


def grants_by_row(findings: Iterable[AnalyzerFinding]) -> dict[RowKey, GrantConditions]:
    """Each finding's grants, by the key of its display row (finding_row keeps id, region and
    analyzer ARN)."""
    return {(f.id, f.region, f.analyzer_arn): grant_conditions(f) for f in findings}
