"""IAM Access Analyzer findings for people: kinds, severities, filters, groups and pages.

Pure: works on the snapshot's ``Analyzer`` / ``AnalyzerFinding`` records, so the CLI, the Slack
commands and the ``analyzer.*`` checks share one reading of them.

``AnalyzerFinding.details`` is written by ``bot.aws.access_analyzer`` from GetFindingV2 in this
normalised, JSON-safe shape (dates are ISO-8601 strings):

- external / internal access: ``{"access": [{"principal": {"AWS": "..."}, "actions": [...],
  "conditions": {...}, "is_public": bool, "sources": [...]}]}`` (internal access entries may add
  ``principal_owner_account``, ``access_type`` and ``principal_type``);
- UnusedIAMRole / UnusedIAMUserPassword: ``{"last_accessed": ISO or None}``;
- UnusedIAMUserAccessKey: ``{"access_key_id": "AKIA...", "last_accessed": ISO or None}``;
- UnusedPermission: ``{"services": [{"service": "s3", "last_accessed": ISO or None,
  "actions": [{"action": "s3:GetObject", "last_accessed": ISO or None}]}]}``;
- always ``details_fetched`` (False when GetFindingV2 was not called) and, when Access Analyzer
  could not analyse the resource, ``error``.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from bot.audit.findings import Severity
from bot.model.errors import InputError
from bot.model.snapshot import Analyzer, AnalyzerFinding, parse_aws_time

Kind = Literal["external", "unused", "internal"]
KINDS: tuple[str, ...] = ("external", "unused", "internal")
KIND_CHOICES: tuple[str, ...] = (*KINDS, "all")

ANALYZER_TYPES_BY_KIND: dict[str, frozenset[str]] = {
    "external": frozenset({"ACCOUNT", "ORGANIZATION"}),
    "unused": frozenset({"ACCOUNT_UNUSED_ACCESS", "ORGANIZATION_UNUSED_ACCESS"}),
    "internal": frozenset({"ACCOUNT_INTERNAL_ACCESS", "ORGANIZATION_INTERNAL_ACCESS"}),
}

EXTERNAL_ACCESS = "ExternalAccess"
INTERNAL_ACCESS = "InternalAccess"
UNUSED_ROLE = "UnusedIAMRole"
UNUSED_ACCESS_KEY = "UnusedIAMUserAccessKey"
UNUSED_PASSWORD = "UnusedIAMUserPassword"
UNUSED_PERMISSION = "UnusedPermission"
FINDING_TYPES_BY_KIND: dict[str, tuple[str, ...]] = {
    "external": (EXTERNAL_ACCESS,),
    "unused": (UNUSED_ROLE, UNUSED_ACCESS_KEY, UNUSED_PASSWORD, UNUSED_PERMISSION),
    "internal": (INTERNAL_ACCESS,),
}
FINDING_TYPES: tuple[str, ...] = tuple(t for kind in KINDS for t in FINDING_TYPES_BY_KIND[kind])
FINDING_STATUSES: tuple[str, ...] = ("ACTIVE", "ARCHIVED", "RESOLVED")
ACTIVE = "ACTIVE"

# Public access to these hands out identities, keys or secrets: the worst kind of exposure.
_CREDENTIAL_RESOURCE_TYPES = frozenset(
    {"AWS::IAM::Role", "AWS::KMS::Key", "AWS::SecretsManager::Secret"}
)


def analyzer_kind(analyzer_type: str) -> str:
    """external | unused | internal for an analyzer type; ``unknown`` for a type AWS adds later."""
    for kind, types in ANALYZER_TYPES_BY_KIND.items():
        if analyzer_type in types:
            return kind
    return "unknown"


def finding_kind(finding_type: str) -> str:
    for kind, types in FINDING_TYPES_BY_KIND.items():
        if finding_type in types:
            return kind
    return "unknown"


def is_active_external_analyzer(analyzer: Analyzer) -> bool:
    return analyzer.status == ACTIVE and analyzer_kind(analyzer.type) == "external"


def is_active_unused_analyzer(analyzer: Analyzer) -> bool:
    return analyzer.status == ACTIVE and analyzer_kind(analyzer.type) == "unused"


# --- reading a finding's details -----------------------------------------------------------


def access_entries(finding: AnalyzerFinding) -> list[dict[str, Any]]:
    entries = finding.details.get("access") or []
    return [entry for entry in entries if isinstance(entry, dict)]


def is_public(finding: AnalyzerFinding) -> bool | None:
    """True when anyone can get the access; None when the details were not fetched."""
    entries = access_entries(finding)
    if not entries:
        return None
    return any(bool(entry.get("is_public")) for entry in entries)


def principals(finding: AnalyzerFinding) -> list[str]:
    """Who gets access, as ``AWS: arn:...`` / ``Federated: ...`` strings (deduplicated)."""
    seen: dict[str, None] = {}
    for entry in access_entries(finding):
        principal = entry.get("principal") or {}
        for key, value in sorted(principal.items()):
            seen[f"{key}: {value}"] = None
        if entry.get("is_public") and not principal:
            seen["public (any principal)"] = None
    return list(seen)


def actions(finding: AnalyzerFinding) -> list[str]:
    """Actions granted (external / internal access) or left unused (unused permissions)."""
    seen: dict[str, None] = {}
    for entry in access_entries(finding):
        for action in entry.get("actions") or []:
            seen[str(action)] = None
    for service in unused_services(finding):
        for action in service.get("actions") or []:
            seen[str(action.get("action"))] = None
        if not service.get("actions"):
            seen[f"{service.get('service')}:*"] = None
    return list(seen)


def conditions(finding: AnalyzerFinding) -> dict[str, str]:
    """The conditions of every access entry by key. Each entry is one grant with its own
    conditions, so a key with other values in other entries keeps them all (" | "-joined, in
    entry order): the last entry's value alone would hide the others."""
    merged: dict[str, dict[str, None]] = {}
    for entry in access_entries(finding):
        for key, value in (entry.get("conditions") or {}).items():
            merged.setdefault(str(key), {})[str(value)] = None
    return {key: " | ".join(values) for key, values in merged.items()}


@dataclass(frozen=True, slots=True)
class GrantConditions:
    """How many grants (access entries) a finding has, and how many have no condition: the
    merged :func:`conditions` alone reads as though every grant were conditional."""

    grants: int
    unconditional: int

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


def unused_services(finding: AnalyzerFinding) -> list[dict[str, Any]]:
    services = finding.details.get("services") or []
    return [service for service in services if isinstance(service, dict)]


def last_accessed(finding: AnalyzerFinding) -> datetime | None:
    """When the unused role / key / password / permission was last used (None: never, or not
    known). For unused permissions, the newest use of any of the services."""
    moments = [parse_aws_time(finding.details.get("last_accessed"))]
    moments += [parse_aws_time(s.get("last_accessed")) for s in unused_services(finding)]
    present = [m for m in moments if m is not None]
    return max(present) if present else None


def details_fetched(finding: AnalyzerFinding) -> bool:
    return bool(finding.details.get("details_fetched"))


# --- severity ------------------------------------------------------------------------------


def finding_severity(finding: AnalyzerFinding) -> Severity:
    """The audit severity of an Access Analyzer finding (the mapping the README documents).

    - ExternalAccess, public, on an IAM role, KMS key or secret: critical (anyone can assume the
      role, decrypt or read the secret);
    - ExternalAccess, public, on any other resource (bucket, queue, snapshot ...): high;
    - ExternalAccess to named other accounts / organizations: medium;
    - ExternalAccess whose details could not be read: high (it may be public; assume the worse);
    - InternalAccess: low (inside the zone of trust, a least-privilege matter);
    - unused access (UnusedIAMRole, UnusedIAMUserAccessKey, UnusedIAMUserPassword,
      UnusedPermission): low;
    - a type this version does not know: medium.
    """
    kind = finding_kind(finding.finding_type)
    if kind == "external":
        public = is_public(finding)
        if public is None:
            return Severity.HIGH
        if public:
            if finding.resource_type in _CREDENTIAL_RESOURCE_TYPES:
                return Severity.CRITICAL
            return Severity.HIGH
        return Severity.MEDIUM
    if kind in ("internal", "unused"):
        return Severity.LOW
    return Severity.MEDIUM


# --- filtering -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FindingFilter:
    """What a person asked to see: ``iam-audit findings [KIND] --status --type --resource``."""

    kind: str = "all"
    statuses: tuple[str, ...] = (ACTIVE,)
    types: tuple[str, ...] = ()
    resource_pattern: str | None = None
    regions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KIND_CHOICES:
            raise InputError(
                f"unknown finding kind {self.kind!r} (use one of: all, external, unused, internal)"
            )
        bad_status = [s for s in self.statuses if s not in FINDING_STATUSES]
        if bad_status:
            raise InputError(
                f"unknown finding status {', '.join(bad_status)} (use active, archived or resolved)"
            )
        bad_types = [t for t in self.types if t not in FINDING_TYPES]
        if bad_types:
            raise InputError(
                f"unknown finding type {', '.join(bad_types)}"
                f" (use one of: {', '.join(FINDING_TYPES)})"
            )

    def wanted_types(self) -> tuple[str, ...]:
        """The finding types to fetch: the kind's, narrowed by ``types``; () = every type."""
        kind_types = FINDING_TYPES if self.kind == "all" else FINDING_TYPES_BY_KIND[self.kind]
        if not self.types:
            return () if self.kind == "all" else kind_types
        return tuple(t for t in kind_types if t in self.types)

    def matches(self, finding: AnalyzerFinding) -> bool:
        if self.kind != "all" and finding_kind(finding.finding_type) != self.kind:
            return False
        if self.statuses and finding.status not in self.statuses:
            return False
        if self.types and finding.finding_type not in self.types:
            return False
        if self.regions and finding.region not in self.regions:
            return False
        return self.resource_pattern is None or fnmatch.fnmatchcase(
            finding.resource, self.resource_pattern
        )


def parse_status(text: str) -> str:
    status = text.strip().upper()
    if status not in FINDING_STATUSES:
        raise InputError(f"unknown finding status {text!r} (use active, archived or resolved)")
    return status


def parse_finding_type(text: str) -> str:
    """A finding type, case-insensitively (``unusediamrole`` -> ``UnusedIAMRole``)."""
    by_lower = {t.lower(): t for t in FINDING_TYPES}
    found = by_lower.get(text.strip().lower())
    if found is None:
        raise InputError(f"unknown finding type {text!r} (use one of: {', '.join(FINDING_TYPES)})")
    return found


def filter_findings(
    findings: Iterable[AnalyzerFinding], wanted: FindingFilter
) -> list[AnalyzerFinding]:
    return [finding for finding in findings if wanted.matches(finding)]


# --- display rows, groups and pages --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FindingRow:
    """One finding, ready to print: every field a plain string or list of strings."""

    id: str
    finding_type: str
    kind: str
    severity: Severity
    status: str
    region: str
    resource: str
    resource_type: str
    resource_owner_account: str
    principals: tuple[str, ...]
    actions: tuple[str, ...]
    conditions: dict[str, str]
    is_public: bool | None
    last_accessed: datetime | None
    access_key_id: str | None
    analyzer_arn: str
    updated_at: datetime | None
    error: str | None
    details_fetched: bool
    remediation: tuple[str, dict[str, Any]] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "finding_type": self.finding_type,
            "kind": self.kind,
            "severity": self.severity.value,
            "status": self.status,
            "region": self.region,
            "resource": self.resource,
            "resource_type": self.resource_type,
            "resource_owner_account": self.resource_owner_account,
            "principals": list(self.principals),
            "actions": list(self.actions),
            "conditions": dict(self.conditions),
            "is_public": self.is_public,
            "last_accessed": self.last_accessed.isoformat() if self.last_accessed else None,
            "access_key_id": self.access_key_id,
            "analyzer_arn": self.analyzer_arn,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "error": self.error,
            "details_fetched": self.details_fetched,
            "remediation": (
                {"id": self.remediation[0], "params": dict(self.remediation[1])}
                if self.remediation
                else None
            ),
        }


def remediation_for(finding: AnalyzerFinding) -> tuple[str, dict[str, Any]] | None:
    """The remediation (an id of ``bot.remediation``) that fixes a finding, where one exists.

    An unused access key is deactivated (reversible); an unused console password is deleted.
    External access has no one-click fix: the resource policy must be edited, or the finding
    archived when the sharing is intended.
    """
    user = _iam_user_name(finding.resource)
    if finding.finding_type == UNUSED_ACCESS_KEY and user:
        key_id = finding.details.get("access_key_id")
        if key_id:
            return "deactivate_access_key", {
                "target_kind": "user",
                "target_name": user,
                "access_key_id": str(key_id),
            }
    if finding.finding_type == UNUSED_PASSWORD and user:
        return "delete_login_profile", {"target_kind": "user", "target_name": user}
    return None


def _iam_user_name(arn: str) -> str | None:
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[2] != "iam" or not parts[5].startswith("user/"):
        return None
    return parts[5].rsplit("/", 1)[-1]


def finding_row(finding: AnalyzerFinding) -> FindingRow:
    error = finding.details.get("error")
    key_id = finding.details.get("access_key_id")
    return FindingRow(
        id=finding.id,
        finding_type=finding.finding_type,
        kind=finding_kind(finding.finding_type),
        severity=finding_severity(finding),
        status=finding.status,
        region=finding.region,
        resource=finding.resource,
        resource_type=finding.resource_type,
        resource_owner_account=finding.resource_owner_account,
        principals=tuple(principals(finding)),
        actions=tuple(actions(finding)),
        conditions=conditions(finding),
        is_public=is_public(finding),
        last_accessed=last_accessed(finding),
        access_key_id=str(key_id) if key_id else None,
        analyzer_arn=finding.analyzer_arn,
        updated_at=finding.updated_at,
        error=str(error) if error else None,
        details_fetched=details_fetched(finding),
        remediation=remediation_for(finding),
    )


@dataclass(frozen=True, slots=True)
class FindingGroup:
    finding_type: str
    kind: str
    rows: tuple[FindingRow, ...]


def group_findings(findings: Iterable[AnalyzerFinding]) -> list[FindingGroup]:
    """Rows grouped by finding type (external first, then unused, internal, unknown types);
    worst severity first inside a group, then by resource and region."""
    by_type: dict[str, list[FindingRow]] = {}
    for finding in findings:
        by_type.setdefault(finding.finding_type, []).append(finding_row(finding))
    order = {t: i for i, t in enumerate(FINDING_TYPES)}
    groups = []
    for finding_type in sorted(by_type, key=lambda t: (order.get(t, len(order)), t)):
        rows = sorted(
            by_type[finding_type], key=lambda r: (-r.severity.rank, r.resource, r.region, r.id)
        )
        groups.append(FindingGroup(finding_type, finding_kind(finding_type), tuple(rows)))
    return groups


@dataclass(frozen=True, slots=True)
class Page:
    rows: tuple[FindingRow, ...]
    number: int  # 1-based
    count: int  # number of pages (at least 1)
    total: int  # rows over all pages

    @property
    def has_next(self) -> bool:
        return self.number < self.count

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def paginate(groups: Sequence[FindingGroup], *, page: int, page_size: int) -> Page:
    """One page of the grouped rows (group order kept), for Slack messages of bounded size."""
    if page_size < 1:
        raise InputError("page size must be at least 1")
    rows = [row for group in groups for row in group.rows]
    count = max(1, math.ceil(len(rows) / page_size))
    if page < 1 or page > count:
        raise InputError(f"page {page} does not exist (there are {count})")
    start = (page - 1) * page_size
    return Page(tuple(rows[start : start + page_size]), page, count, len(rows))


# --- analyzers per region ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RegionAnalyzers:
    region: str
    analyzers: tuple[Analyzer, ...]

    @property
    def has_active_external(self) -> bool:
        return any(is_active_external_analyzer(a) for a in self.analyzers)

    @property
    def has_active_unused(self) -> bool:
        return any(is_active_unused_analyzer(a) for a in self.analyzers)


def analyzers_by_region(
    analyzers: Iterable[Analyzer], regions: Iterable[str] = ()
) -> list[RegionAnalyzers]:
    """Each audited region with its analyzers (a region with none is listed too), sorted."""
    grouped: dict[str, list[Analyzer]] = {region: [] for region in regions}
    for analyzer in analyzers:
        grouped.setdefault(analyzer.region, []).append(analyzer)
    return [
        RegionAnalyzers(region, tuple(sorted(grouped[region], key=lambda a: (a.type, a.name))))
        for region in sorted(grouped)
    ]


RowKey = tuple[str, str, str]  # finding id, region, analyzer ARN (a row and its finding)


def row_key(row: FindingRow) -> RowKey:
    return (row.id, row.region, row.analyzer_arn)


def grants_by_row(findings: Iterable[AnalyzerFinding]) -> dict[RowKey, GrantConditions]:
    """Each finding's grants by the key of its display row (finding_row keeps id, region and
    analyzer ARN): the CLI and Slack say "none for 1 of 2 grants" before the merged
    conditions, which alone read as though every grant were conditional."""
    return {(f.id, f.region, f.analyzer_arn): grant_conditions(f) for f in findings}
