"""One policy document rewritten to what its principal used in the window (pure).

Rules, per statement:
- Deny statements, conditions, Resource / NotResource and Sids are kept as they are; only the
  Action of Allow statements changes, so nothing can be gained.
- A service AWS reports as not used in the window: its actions go.
- A service AWS tracks per action: the tracked actions reported as unused go; every action AWS
  does not track stays (S3 data events, for one, are not tracked per action).
- A service that was used but is tracked per service only: kept as written.
- A service the report does not mention: kept as written (AWS did not vouch for it), except in a
  NotAction / `*` Allow, which is turned into an Action list of the used services only.
Concrete action lists are shortened back to `Verb*` patterns wherever the pattern matches only
actions being kept, so the document stays within IAM's size limits.
"""

from __future__ import annotations

import copy
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.iam.catalogue import ActionCatalogue
from bot.rightsize.usage import UsageEvidence

_VERB = re.compile(r"^([A-Z][a-z]+)")

# IAM's documented size quotas (non-whitespace characters).
MANAGED_POLICY_LIMIT = 6144
INLINE_LIMITS = {"user": 2048, "role": 10240, "group": 5120}


@dataclass(frozen=True, slots=True)
class Rewrite:
    """The new document (None: nothing left at all) and what was taken away."""

    original: dict[str, Any]
    document: dict[str, Any] | None
    removed_services: tuple[str, ...] = ()
    removed_actions: tuple[str, ...] = ()  # tracked actions taken out of used services
    notes: tuple[str, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return self.document != self.original


def policy_size(document: dict[str, Any]) -> int:
    """Characters IAM counts against its quota: the JSON without whitespace."""
    return len(json.dumps(document, separators=(",", ":")))


def rewrite_document(
    document: dict[str, Any],
    evidence: UsageEvidence,
    days: int,
    catalogue: ActionCatalogue,
) -> Rewrite:
    """``document`` with every Allow statement narrowed to what was used in the last ``days``."""
    narrower = _Narrower(evidence, evidence.window_start(days), catalogue)
    statements = document.get("Statement", [])
    items = [statements] if isinstance(statements, dict) else list(statements)
    kept: list[Any] = []
    for statement in items:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            kept.append(statement)
            continue
        new_actions = narrower.statement(statement)
        if new_actions is None:
            kept.append(statement)
            continue
        if not new_actions:
            continue
        rewritten = copy.deepcopy(statement)
        rewritten.pop("NotAction", None)
        rewritten["Action"] = new_actions[0] if len(new_actions) == 1 else new_actions
        kept.append(rewritten)
    new_document: dict[str, Any] | None = None
    if kept:
        new_document = copy.deepcopy(document)
        new_document["Statement"] = kept
    return Rewrite(
        original=document,
        document=new_document,
        removed_services=tuple(sorted(narrower.removed_services)),
        removed_actions=tuple(sorted(narrower.removed_actions)),
        notes=tuple(dict.fromkeys(narrower.notes)),
    )


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


@dataclass
class _Narrower:
    """Narrows statements against one evidence and window, remembering what it took away."""

    evidence: UsageEvidence
    start: datetime
    catalogue: ActionCatalogue
    removed_services: set[str] = field(default_factory=set)
    removed_actions: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)

    def statement(self, statement: dict[str, Any]) -> list[str] | None:
        """The statement's new Action list; None when it must stay exactly as written."""
        if "NotAction" in statement:
            allowed = self.catalogue.expand_not_action(_as_list(statement["NotAction"]))
            return self.used_only(allowed)
        patterns = _as_list(statement.get("Action"))
        if any(p.strip() in ("*", "*:*") for p in patterns):
            return self.used_only(self.catalogue.all_actions())
        result: list[str] = []
        changed = False
        for pattern in patterns:
            narrowed = self.pattern(pattern)
            changed = changed or narrowed != [pattern]
            result.extend(narrowed)
        if not changed:
            return None
        return list(dict.fromkeys(result))

    def pattern(self, pattern: str) -> list[str]:
        prefix = pattern.split(":", 1)[0].lower()
        if "*" in prefix or "?" in prefix:
            # A service wildcard (`s*:Get*`): decide per service on its expansion.
            expansion = self.catalogue.expand(pattern)
            return self.per_service(expansion) if expansion else [pattern]
        usage = self.evidence.service(prefix)
        if usage is None:
            self.notes.append(f"{prefix}: not in AWS's report, kept as written")
            return [pattern]
        if not usage.used_since(self.start):
            self.removed_services.add(usage.namespace)
            return []
        unused = {a.lower() for a in usage.actions_unused_since(self.start)}
        expansion = self.catalogue.expand(pattern) or frozenset({pattern})
        going = {a for a in expansion if a.lower() in unused}
        if not going:
            return [pattern]
        self.removed_actions.update(going)
        return compress(expansion - going, going, self.catalogue)

    def per_service(self, expansion: frozenset[str]) -> list[str]:
        result: list[str] = []
        for service, actions in sorted(_by_service(expansion).items()):
            usage = self.evidence.service(service)
            if usage is None:
                result.extend(sorted(actions))
                continue
            if not usage.used_since(self.start):
                self.removed_services.add(usage.namespace)
                continue
            unused = {a.lower() for a in usage.actions_unused_since(self.start)}
            going = {a for a in actions if a.lower() in unused}
            self.removed_actions.update(going)
            result.extend(compress(actions - going, going, self.catalogue))
        return result

    def used_only(self, allowed: Iterable[str]) -> list[str]:
        """A NotAction or `*` Allow as the used services' actions (service:* where whole)."""
        result: list[str] = []
        for service, actions in sorted(_by_service(allowed).items()):
            usage = self.evidence.service(service)
            if usage is None or not usage.used_since(self.start):
                self.removed_services.add(usage.namespace if usage else service)
                continue
            unused = {a.lower() for a in usage.actions_unused_since(self.start)}
            going = {a for a in actions if a.lower() in unused}
            self.removed_actions.update(going)
            keep = actions - going
            if not keep:
                continue
            whole = set(self.catalogue.expand(f"{service}:*"))
            if keep == whole:
                result.append(f"{service}:*")
            else:
                result.extend(compress(keep, going | (whole - keep), self.catalogue))
        return result


def _by_service(actions: Iterable[str]) -> dict[str, set[str]]:
    grouped: dict[str, set[str]] = defaultdict(set)
    for action in actions:
        grouped[action.split(":", 1)[0].lower()].add(action)
    return grouped


def compress(keep: Iterable[str], avoid: Iterable[str], catalogue: ActionCatalogue) -> list[str]:
    """``keep`` as a sorted list where `service:Verb*` replaces the actions it matches, used only
    when the pattern matches nothing outside ``keep`` (so no action in ``avoid``, nor any action
    the statement did not allow, comes back)."""
    keep_set = set(keep)
    keep_lower = {a.lower() for a in keep_set}
    avoid_lower = {a.lower() for a in avoid}
    covered: set[str] = set()
    result: list[str] = []
    verbs: dict[str, set[str]] = defaultdict(set)
    for action in keep_set:
        service, _, name = action.partition(":")
        match = _VERB.match(name)
        if match:
            verbs[f"{service}:{match.group(1)}*"].add(action)
    for pattern, members in sorted(verbs.items()):
        if len(members) < 2:
            continue
        expansion = {a.lower() for a in catalogue.expand(pattern)}
        if expansion and expansion <= keep_lower and not expansion & avoid_lower:
            result.append(pattern)
            covered.update(members)
    result.extend(sorted(keep_set - covered))
    return sorted(result, key=str.lower)
