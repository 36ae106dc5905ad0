"""The proof a right-sizing keeps what was used and takes nothing else (pure).

Everything is decided by the project's own engine through its public APIs: effective
permissions (bot.iam.effective) before and after, with the principal's boundary and every policy
it keeps; the linter (bot.iam.linter) on each new document; the escalation finder
(bot.iam.privesc) and admin equivalence before -> after.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.audit.findings import Severity
from bot.iam.catalogue import ActionCatalogue
from bot.iam.effective import PermissionIndex, PolicySource, document_key, gather_policies
from bot.iam.lint_model import RESOURCE_POLICY_ESCALATION
from bot.iam.linter import lint_policy
from bot.iam.privesc import TargetFinder, methods_held
from bot.model.snapshot import AccountSnapshot, Role, User
from bot.rightsize.usage import UsageEvidence

MAX_LISTED = 30


@dataclass(frozen=True, slots=True)
class Proof:
    """What the engine found; ``holds`` is True only when every used action is still allowed,
    nothing is gained and the new documents lint without new findings."""

    used_actions: tuple[str, ...]  # concrete actions AWS saw used in the window
    used_services: tuple[str, ...]  # services used but tracked per service only
    still_allowed: tuple[str, ...]
    lost_used: tuple[str, ...]  # used actions the new policies would no longer allow
    removed_count: int
    removed_by_service: tuple[tuple[str, int], ...]
    gained: tuple[str, ...]
    lint_new: tuple[dict[str, Any], ...]  # findings in the new documents not in the old ones
    lint_carried: int  # findings the old documents had already
    admin_before: bool
    admin_after: bool
    escalations_before: tuple[str, ...]
    escalations_after: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())
    # New findings that say a withholding can be undone (not that anything is gained): shown as
    # caveats, since before the rewrite nothing was withheld at all.
    lint_caveats: tuple[dict[str, Any], ...] = field(default=())

    @property
    def holds(self) -> bool:
        return not self.lost_used and not self.gained and not self.lint_new

    def to_dict(self) -> dict[str, Any]:
        return {
            "holds": self.holds,
            "used_actions": list(self.used_actions),
            "used_services": list(self.used_services),
            "still_allowed": len(self.still_allowed),
            "lost_used": list(self.lost_used),
            "removed_count": self.removed_count,
            "removed_by_service": [list(x) for x in self.removed_by_service[:MAX_LISTED]],
            "gained": list(self.gained[:MAX_LISTED]),
            "lint_new": list(self.lint_new),
            "lint_carried": self.lint_carried,
            "lint_caveats": list(self.lint_caveats),
            "admin_before": self.admin_before,
            "admin_after": self.admin_after,
            "escalations_before": list(self.escalations_before),
            "escalations_after": list(self.escalations_after),
            "notes": list(self.notes),
        }


def new_sources(
    sources: tuple[PolicySource, ...], replacements: Mapping[str, dict[str, Any] | None]
) -> tuple[PolicySource, ...]:
    """The policy sources with ``replacements`` (source name -> document, None = removed)."""
    result: list[PolicySource] = []
    for source in sources:
        if source.name not in replacements:
            result.append(source)
            continue
        document = replacements[source.name]
        if document is None:
            continue
        result.append(
            PolicySource(
                source.name,
                source.kind,
                source.via,
                document,
                "rightsized:" + document_key(document),
            )
        )
    return tuple(result)


def prove(
    snapshot: AccountSnapshot,
    *,
    principal: User | Role,
    replacements: Mapping[str, tuple[dict[str, Any], dict[str, Any] | None]],
    evidence: UsageEvidence,
    days: int,
    catalogue: ActionCatalogue,
) -> Proof:
    """``replacements``: source name (managed ARN, or "<arn> inline <name>") -> (old, new)."""
    index = PermissionIndex(snapshot, snapshot.collected_at, catalogue=catalogue)
    before = index[principal.arn]
    sources, boundary, _missing = gather_policies(snapshot, principal)
    after = index.for_principal(
        principal, new_sources(sources, {k: v[1] for k, v in replacements.items()}), boundary
    )
    used = evidence.used_actions(days)
    start = evidence.window_start(days)
    service_only = tuple(
        s.namespace for s in evidence.services if s.used_since(start) and not s.action_tracked
    )
    # Used, service-level: every action of the service allowed before must stay allowed.
    to_check = set(used)
    before_candidates = before.candidate_actions()
    after_candidates = after.candidate_actions()
    for namespace in service_only:
        prefix = namespace.lower() + ":"
        to_check.update(a for a in before_candidates if a.lower().startswith(prefix))
    allowed_before = before.allowed_actions(to_check)
    allowed_after = after.allowed_actions(allowed_before)
    still: list[str] = []
    lost: list[str] = []
    for action, resources in allowed_before.items():
        kept = set(allowed_after.get(action, ()))
        (still if kept >= set(resources) else lost).append(action)
    notes = [
        f"{action}: used in the window but not allowed by the policies today"
        for action in used
        if action not in allowed_before and catalogue.action(action) is not None
    ][:5]
    removed = sorted(before_candidates - after_candidates)
    by_service = Counter(a.split(":", 1)[0] for a in removed)
    gained = sorted(after_candidates - before_candidates)
    lint_new: list[dict[str, Any]] = []
    caveats: list[dict[str, Any]] = []
    carried = 0
    for _name, (old, new) in sorted(replacements.items()):
        if new is None:
            continue
        # A finding is new when the current document has none of its kind at that severity or
        # worse (narrowing a statement can reword a finding, never make it more severe).
        worst: dict[str, int] = {}
        for item in _lint(old, catalogue):
            worst[item.code] = max(worst.get(item.code, -1), item.severity.rank)
        for item in _lint(new, catalogue):
            if item.severity.rank <= worst.get(item.code, -1):
                carried += 1
            elif item.code in _WITHHOLDING_CAVEATS:
                caveats.append(item.to_dict())
            else:
                lint_new.append(item.to_dict())
    finder = TargetFinder(index)
    admin_before = before.is_admin_equivalent
    admin_after = after.is_admin_equivalent
    escalations_before = (
        () if admin_before else tuple(sorted(m.method.id for m in methods_held(before, finder)))
    )
    escalations_after = (
        () if admin_after else tuple(sorted(m.method.id for m in methods_held(after, finder)))
    )
    return Proof(
        used_actions=tuple(used),
        used_services=service_only,
        still_allowed=tuple(sorted(still)),
        lost_used=tuple(sorted(lost)),
        removed_count=len(removed),
        removed_by_service=tuple(sorted(by_service.items(), key=lambda x: (-x[1], x[0]))),
        gained=tuple(gained),
        lint_new=tuple(lint_new),
        lint_carried=carried,
        lint_caveats=tuple(caveats),
        admin_before=admin_before,
        admin_after=admin_after,
        escalations_before=escalations_before,
        escalations_after=escalations_after,
        notes=tuple(notes),
    )


# Linter codes about a partial withholding that the holder could undo (a kept untracked
# s3:PutBucketPolicy makes removed s3 actions reachable again through a bucket policy). A
# rewrite only ever narrows, so such a finding means "less was taken away than it seems",
# never "more is allowed": the proposal stands and the caveat is shown to the approver.
_WITHHOLDING_CAVEATS = frozenset({RESOURCE_POLICY_ESCALATION})


def _lint(document: dict[str, Any], catalogue: ActionCatalogue) -> list[Any]:
    return [
        f
        for f in lint_policy(document, catalogue=catalogue, policy_type="identity")
        if f.severity.rank >= Severity.LOW.rank
    ]
