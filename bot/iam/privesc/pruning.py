"""Statements whose conditions can never hold, set aside before the search."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from bot.iam.effective import EffectivePermissions, PermissionIndex, PolicySource, document_key
from bot.iam.satisfiability import Pruned, prune_document

_NOTHING_PRUNED: Mapping[tuple[str, str], Pruned] = {}


class ConditionPruner:
    """Each principal's permissions without the statements whose conditions can never hold.

    Only identity policies are pruned (a boundary Allow that never holds would only narrow the
    boundary further, which this audit leaves on the side of reporting). Documents are judged
    once each; a principal none of whose policies has such a statement keeps its own view.
    """

    _KEY = ("privesc_never_holding",)

    def __init__(self, index: PermissionIndex) -> None:
        self.index = index
        self._judged: dict[str, Pruned | None] = {}

    def analysed(self, perms: EffectivePermissions) -> tuple[EffectivePermissions, tuple[str, ...]]:
        """(the permissions to analyse, one note per statement set aside)."""
        pruned = perms.view.memo.get(self._KEY)
        if pruned is None:
            found = {}
            for source in perms.sources:
                verdict = self._judge(source)
                if verdict is not None:
                    found[source.name, source.via] = verdict
            # Nearly every policy set has nothing to prune: share one empty answer.
            pruned = found or _NOTHING_PRUNED
            perms.view.memo[self._KEY] = pruned
        if not pruned:
            return perms, ()
        sources: list[PolicySource] = []
        notes: list[str] = []
        for source in perms.sources:
            verdict = pruned.get((source.name, source.via))
            if verdict is None:
                sources.append(source)
                continue
            notes.extend(
                f"{source.label()} statement {label}: condition can never hold ({why}), ignored"
                for label, why in verdict.dropped
            )
            if verdict.document is not None:
                key = f"{source.key or document_key(source.document)}#pruned"
                sources.append(replace(source, document=dict(verdict.document), key=key))
        entity = self.index.entity(perms.arn)
        return self.index.for_principal(entity, tuple(sources), perms.boundary), tuple(notes)

    def _judge(self, source: PolicySource) -> Pruned | None:
        key = source.key or document_key(source.document)
        if key not in self._judged:
            verdict = None
            if _has_conditions(source.document):
                parsed = self.index.parsed(source)
                if parsed is not None:
                    verdict = prune_document(source.document, self.index.now, parsed)
            self._judged[key] = verdict
        return self._judged[key]


def _has_conditions(document: Mapping[str, Any]) -> bool:
    statements = document.get("Statement") if isinstance(document, Mapping) else None
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list):
        return False
    return any(isinstance(s, Mapping) and s.get("Condition") for s in statements)
