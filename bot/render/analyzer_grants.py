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
from dataclasses import dataclass

from bot.audit.analyzer_view import FindingRow, access_entries
from bot.model.snapshot import AnalyzerFinding

RowKey = tuple[str, str, str]  # finding id, region, analyzer ARN (a row and its finding)


@dataclass(frozen=True, slots=True)
class GrantConditions:
    grants: int  # access entries of the finding
    unconditional: int  # of which with no condition at all

    @property
    def mixed(self) -> bool:
        """Some grants are conditional and some are not: the merged conditions mislead."""
        return 0 < self.unconditional < self.grants

    def none_for(self) -> str:
        """'none for 1 of 2 grants'."""
        return f"none for {self.unconditional} of {self.grants} grants"


def grant_conditions(finding: AnalyzerFinding) -> GrantConditions:
    entries = access_entries(finding)
    return GrantConditions(
        grants=len(entries),
        unconditional=sum(1 for entry in entries if not entry.get("conditions")),
    )


def row_key(row: FindingRow) -> RowKey:
    return (row.id, row.region, row.analyzer_arn)


def grants_by_row(findings: Iterable[AnalyzerFinding]) -> dict[RowKey, GrantConditions]:
    """Each finding's grants, by the key of its display row (finding_row keeps id, region and
    analyzer ARN)."""
    return {(f.id, f.region, f.analyzer_arn): grant_conditions(f) for f in findings}
