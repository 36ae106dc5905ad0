"""IAM Access Analyzer: analyzers switched on where audited, and what they have found."""

from __future__ import annotations

from collections.abc import Iterator

from bot.audit.analyzer_view import (
    ACTIVE,
    EXTERNAL_ACCESS,
    INTERNAL_ACCESS,
    UNUSED_ACCESS_KEY,
    UNUSED_PASSWORD,
    UNUSED_PERMISSION,
    UNUSED_ROLE,
    RegionAnalyzers,
    analyzers_by_region,
    finding_row,
    finding_severity,
    grant_conditions,
)
from bot.audit.checks._aws_names import ACCOUNT
from bot.audit.checks._credentials import account_arn, ago
from bot.audit.findings import Finding, Severity
from bot.audit.registry import CheckContext, register
from bot.model.snapshot import AccountSnapshot, Analyzer, AnalyzerFinding

ANALYZER = "AWS::AccessAnalyzer::Analyzer"
_LIST_ANALYZERS = "access-analyzer:ListAnalyzers"

_TITLES = {
    EXTERNAL_ACCESS: "Access Analyzer: resource shared outside the zone of trust",
    INTERNAL_ACCESS: "Access Analyzer: internal access to a critical resource",
    UNUSED_ROLE: "Access Analyzer: unused IAM role",
    UNUSED_ACCESS_KEY: "Access Analyzer: unused access key",
    UNUSED_PASSWORD: "Access Analyzer: unused console password",
    UNUSED_PERMISSION: "Access Analyzer: unused permissions",
}


def audited_regions(snapshot: AccountSnapshot) -> list[RegionAnalyzers]:
    """Each region whose analyzers were read, with them. Snapshots written before regions were
    recorded fall back to the regions their analyzers are in plus the snapshot's own region."""
    regions = snapshot.analyzer_regions
    if regions is None:
        regions = (snapshot.region, *(a.region for a in snapshot.analyzers or ()))
    return analyzers_by_region(snapshot.analyzers or (), regions)


def _analyzer_evidence(analyzer: Analyzer) -> dict[str, object]:
    evidence: dict[str, object] = {
        "name": analyzer.name,
        "type": analyzer.type,
        "status": analyzer.status,
    }
    if analyzer.status_reason:
        evidence["status_reason"] = analyzer.status_reason
    return evidence


def _region_arn(snapshot: AccountSnapshot, region: str) -> str:
    return f"arn:{snapshot.partition}:access-analyzer:{region}:{snapshot.account_id}:analyzer"


@register(
    id="analyzer.disabled",
    title="No active IAM Access Analyzer for external access",
    severity=Severity.MEDIUM,
    risk="Without an external-access analyzer nobody is told when a bucket, key, queue or role"
    " is shared with another account or made public in this region.",
    remediation="Create an analyzer of type ACCOUNT (or ORGANIZATION from the management or"
    " delegated administrator account) in every region you use:"
    " `aws accessanalyzer create-analyzer --analyzer-name account --type ACCOUNT --region R`.",
    anchors=("CIS 1.19", "Security Hub IAM.28", "Prowler accessanalyzer_enabled"),
    permissions=(_LIST_ANALYZERS,),
    requires=("analyzers",),
)
def analyzer_disabled(ctx: CheckContext) -> Iterator[Finding]:
    """One finding per audited region with no ACTIVE ACCOUNT / ORGANIZATION analyzer."""
    for region in audited_regions(ctx.snapshot):
        if region.has_active_external:
            continue
        external = [a for a in region.analyzers if a.type in ("ACCOUNT", "ORGANIZATION")]
        if external:
            states = ", ".join(
                f"{a.name} is {a.status}" + (f" ({a.status_reason})" if a.status_reason else "")
                for a in external
            )
            detail = f"no active external-access analyzer in {region.region}: {states}"
        else:
            detail = f"no external-access analyzer in {region.region}"
        yield ctx.finding(
            _region_arn(ctx.snapshot, region.region),
            ANALYZER,
            detail,
            {
                "region": region.region,
                "analyzers": [_analyzer_evidence(a) for a in region.analyzers],
            },
        )


@register(
    id="analyzer.unused_access_disabled",
    title="No IAM Access Analyzer for unused access",
    severity=Severity.LOW,
    risk="Unused roles, keys, passwords and permissions stay in place unnoticed; each is access"
    " an attacker can use and nobody would miss.",
    remediation="Create an unused-access analyzer once per account or organization (a paid"
    " feature): `aws accessanalyzer create-analyzer --analyzer-name unused"
    ' --type ACCOUNT_UNUSED_ACCESS --configuration \'{"unusedAccess":{"unusedAccessAge":90}}\'`.',
    anchors=("none: new",),
    permissions=(_LIST_ANALYZERS,),
    requires=("analyzers",),
)
def analyzer_unused_access_disabled(ctx: CheckContext) -> Iterator[Finding]:
    """Unused-access analyzers cover all of IAM from one region, so one is enough anywhere."""
    regions = audited_regions(ctx.snapshot)
    if any(region.has_active_unused for region in regions):
        return
    names = [r.region for r in regions]
    inactive = [
        a
        for r in regions
        for a in r.analyzers
        if a.type in ("ACCOUNT_UNUSED_ACCESS", "ORGANIZATION_UNUSED_ACCESS")
    ]
    detail = f"no active unused-access analyzer in the audited regions ({', '.join(names)})"
    if inactive:
        detail += ": " + ", ".join(f"{a.name} in {a.region} is {a.status}" for a in inactive)
    yield ctx.finding(
        account_arn(ctx.snapshot),
        ACCOUNT,
        detail,
        {"audited_regions": names, "analyzers": [_analyzer_evidence(a) for a in inactive]},
    )


@register(
    id="analyzer.active_findings",
    title="IAM Access Analyzer has an active finding",
    severity=Severity.MEDIUM,
    risk="Each active finding is access someone may not intend: a resource shared with another"
    " account or the public, or a role, key, password or permission nobody uses.",
    remediation="External access: remove the grant from the resource policy, or archive the"
    " finding (with an archive rule) if the sharing is intended. Unused access: delete the role,"
    " deactivate the key, remove the password or the unused permissions.",
    anchors=("Prowler accessanalyzer_enabled_without_findings",),
    permissions=("access-analyzer:ListFindings", "access-analyzer:GetFinding"),
    requires=("analyzer_findings",),
)
def analyzer_active_findings(ctx: CheckContext) -> Iterator[Finding]:
    """One audit finding per ACTIVE Access Analyzer finding; severity by finding type."""
    for item in ctx.snapshot.analyzer_findings or ():
        if item.status != ACTIVE:
            continue
        row = finding_row(item)
        evidence: dict[str, object] = {
            "finding_id": item.id,
            "finding_type": item.finding_type,
            "region": item.region,
            "resource": item.resource,
            "analyzer_arn": item.analyzer_arn,
            "resource_owner_account": item.resource_owner_account,
        }
        if row.principals or row.is_public is not None:
            evidence.update(
                principals=list(row.principals),
                is_public=row.is_public,
                conditions=dict(row.conditions),
            )
        if row.actions:
            evidence["actions"] = list(row.actions)
        if item.finding_type.startswith("Unused"):
            evidence["last_accessed"] = row.last_accessed.isoformat() if row.last_accessed else None
        if row.access_key_id:
            evidence["access_key_id"] = row.access_key_id
        if row.error:
            evidence["error"] = row.error
        if not row.details_fetched:
            evidence["details"] = "not read (GetFindingV2 denied or over the detail limit)"
        yield ctx.finding(
            finding_resource_arn(item),
            item.resource_type,
            _detail(item, ctx),
            evidence,
            severity=finding_severity(item),
            title=_TITLES.get(item.finding_type),
        )


def finding_resource_arn(item: AnalyzerFinding) -> str:
    """The resource plus the finding id: one audit finding per Access Analyzer finding, even
    when a resource has several (two principals on one bucket), and patterns on the resource
    ARN still match it in suppressions."""
    return f"{item.resource or item.analyzer_arn}#access-analyzer/{item.id}"


def _detail(item: AnalyzerFinding, ctx: CheckContext) -> str:
    row = finding_row(item)
    resource = item.resource or "(resource not named)"
    actions = ", ".join(row.actions[:6]) + (" ..." if len(row.actions) > 6 else "")
    if item.finding_type in (EXTERNAL_ACCESS, INTERNAL_ACCESS):
        if row.is_public:
            who = "anyone (public access)"
        elif row.principals:
            who = ", ".join(row.principals)
        else:
            who = "a principal outside the zone of trust (details not read)"
        where = "outside" if item.finding_type == EXTERNAL_ACCESS else "inside"
        text = f"{who} can use {resource}"
        if actions:
            text += f" with {actions}"
        if row.conditions:
            when = ", ".join(f"{k}={v}" for k, v in sorted(row.conditions.items()))
            grants = grant_conditions(item)
            # One grant without a condition is the exposure: the others' conditions do not
            # limit it, so say so rather than "when ..." for the whole finding.
            text += (
                f" ({grants.none_for()}; the others when {when})"
                if grants.mixed
                else (f" when {when}")
            )
        return f"{text} ({where} the zone of trust, {item.region})"
    last = row.last_accessed
    used = f"last used {ago(last, ctx.now)}" if last else "never used (or not in the tracking"
    used += "" if last else " window)"
    if item.finding_type == UNUSED_ACCESS_KEY:
        key = f" {row.access_key_id}" if row.access_key_id else ""
        return f"access key{key} of {resource} is unused: {used}"
    if item.finding_type == UNUSED_PASSWORD:
        return f"console password of {resource} is unused: {used}"
    if item.finding_type == UNUSED_ROLE:
        return f"role {resource} is unused: {used}"
    if item.finding_type == UNUSED_PERMISSION:
        return f"{resource} holds unused permissions ({actions or 'services not read'}): {used}"
    return f"Access Analyzer finding {item.finding_type} on {resource} ({item.region})"
