"""Read IAM Access Analyzer: analyzers per region, their findings, and details where needed.

Calls per audit: region discovery (one ec2:DescribeRegions unless regions are given), then per
region one paginated ListAnalyzers and, per active analyzer, one paginated ListFindingsV2 with
the status filter applied by AWS. ListFindingsV2 summaries carry neither who gets access nor
when unused access was last used, so GetFindingV2 is called for the findings kept, up to
``max_details`` per collection (the rest keep their summary and the report says so).

Each region is read on its own: a refusal (AccessDenied), an outage or an answer that cannot be
parsed (a proxy's page) in one region becomes a CollectionIssue naming the API and the
``access-analyzer:`` action to grant, and the region is left out of ``AccessAnalyzerData.regions``
so no check mistakes "not readable" for "no analyzer". Throttling is retried by botocore (adaptive
mode, from ``make_client``). Region and detail workers run in the caller's context, so the
audit's deadline (bot.aws.deadline, a ContextVar) stops their calls too.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from bot.audit.analyzer_view import (
    ACTIVE,
    FINDING_STATUSES,
    FINDING_TYPES_BY_KIND,
    FindingFilter,
    analyzer_kind,
)
from bot.aws.deadline import in_caller_context
from bot.aws.errors import (
    MALFORMED_ANSWER_ERRORS,
    describe_client_error,
    describe_malformed_answer,
    error_code,
    is_credentials_problem,
    translate_botocore_error,
    translate_client_error,
)
from bot.aws.session import DEFAULT_REGION, make_client
from bot.model.errors import CollectionError
from bot.model.snapshot import Analyzer, AnalyzerFinding, CollectionIssue, parse_aws_time

log = logging.getLogger(__name__)

SERVICE = "accessanalyzer"
# The IAM actions behind each API (ListFindingsV2 / GetFindingV2 share the V1 action names).
LIST_ANALYZERS = ("ListAnalyzers", "access-analyzer:ListAnalyzers")
LIST_FINDINGS = ("ListFindingsV2", "access-analyzer:ListFindings")
GET_FINDING = ("GetFindingV2", "access-analyzer:GetFinding")
DESCRIBE_REGIONS = ("DescribeRegions", "ec2:DescribeRegions")
ACCESS_ANALYZER_ACTIONS: tuple[str, ...] = (
    LIST_ANALYZERS[1],
    LIST_FINDINGS[1],
    GET_FINDING[1],
    DESCRIBE_REGIONS[1],
)

# An account has ~17 regions enabled by default and ~35 at most; the cap bounds the calls.
DEFAULT_MAX_REGIONS = 40
DEFAULT_MAX_DETAILS = 500
DEFAULT_MAX_WORKERS = 8
DEFAULT_DETAIL_WORKERS = 4

ClientFactory = Callable[[str, str], Any]  # (service, region) -> boto3 client
# What one read can raise and still leave the other reads possible.
_READ_ERRORS: tuple[type[Exception], ...] = (ClientError, BotoCoreError, *MALFORMED_ANSWER_ERRORS)


@dataclass(frozen=True, slots=True)
class AnalyzerScope:
    """What to read. ``regions=None`` means the account's enabled regions (capped)."""

    regions: tuple[str, ...] | None = None
    statuses: tuple[str, ...] = (ACTIVE,)
    finding_types: tuple[str, ...] = ()  # () = every type
    details: bool = True
    list_findings: bool = True  # False: analyzers only (`iam-audit analyzer`)
    max_regions: int = DEFAULT_MAX_REGIONS
    max_details: int = DEFAULT_MAX_DETAILS
    max_workers: int = DEFAULT_MAX_WORKERS  # regions read at once
    detail_workers: int = DEFAULT_DETAIL_WORKERS  # GetFindingV2 calls at once, per region

    @classmethod
    def for_filter(
        cls, wanted: FindingFilter, regions: Sequence[str] | None = None, **options: Any
    ) -> AnalyzerScope:
        """What to read for a person's filter: its statuses (filtered by AWS) and the finding
        types its kind and --type allow (analyzers that cannot produce them are skipped)."""
        return cls(
            regions=tuple(regions) if regions else None,
            statuses=wanted.statuses,
            finding_types=wanted.wanted_types(),
            **options,
        )

    def __post_init__(self) -> None:
        unknown = [s for s in self.statuses if s not in FINDING_STATUSES]
        if unknown or not self.statuses:
            raise ValueError(f"statuses must be among {FINDING_STATUSES}, got {self.statuses}")


@dataclass(frozen=True, slots=True)
class AccessAnalyzerData:
    """What was read. ``analyzers`` / ``findings`` are None when no region could be read."""

    analyzers: tuple[Analyzer, ...] | None
    findings: tuple[AnalyzerFinding, ...] | None
    regions: tuple[str, ...]  # regions whose analyzers were listed
    issues: tuple[CollectionIssue, ...] = ()

    def snapshot_fields(self) -> dict[str, Any]:
        """The AccountSnapshot fields this data fills (issues are added by the caller)."""
        return {
            "analyzers": self.analyzers,
            "analyzer_findings": self.findings,
            "analyzer_regions": self.regions if self.analyzers is not None else None,
        }


def session_client_factory(session: boto3.Session) -> ClientFactory:
    """Clients with adaptive retries from ``make_client`` (creation stays on one thread)."""

    def factory(service: str, region: str) -> Any:
        return make_client(session, service, region=region)

    return factory


def collect_access_analyzer(
    session: boto3.Session | None = None,
    *,
    scope: AnalyzerScope | None = None,
    home_region: str | None = None,
    client_factory: ClientFactory | None = None,
) -> AccessAnalyzerData:
    """Read analyzers and findings in every region of ``scope``.

    Raises CollectionError only when nothing could be read for a reason no retry fixes: missing
    or rejected credentials in every region.
    """
    scope = scope or AnalyzerScope()
    if client_factory is None:
        if session is None:
            raise ValueError("collect_access_analyzer needs a session or a client_factory")
        client_factory = session_client_factory(session)
    home = home_region or (session.region_name if session else None) or DEFAULT_REGION
    issues: list[CollectionIssue] = []
    budget = _DetailBudget(scope.max_details if scope.details else 0)
    results: list[_RegionResult] = []
    if scope.regions is None:
        # Read the home region first: an endpoint without Access Analyzer (an emulator, a
        # partition lacking it) is then found with one call instead of one per region.
        first = _read_region(client_factory(SERVICE, home), home, scope, budget)
        results.append(first)
        if first.unsupported:
            return _assemble(results, issues, budget, scope, region_count=1)
    regions = [
        r
        for r in _regions(scope, home, client_factory, issues)
        if r not in {done.region for done in results}
    ]
    # boto3 sessions are not thread-safe, so every client is made here, before the fan-out.
    clients = {region: client_factory(SERVICE, region) for region in regions}
    workers = max(1, min(scope.max_workers, len(regions)))
    if regions:
        read = in_caller_context(lambda r: _read_region(clients[r], r, scope, budget))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="access-analyzer") as pool:
            results += pool.map(read, regions)
    return _assemble(results, issues, budget, scope, region_count=len(results))


def _assemble(
    results: list[_RegionResult],
    issues: list[CollectionIssue],
    budget: _DetailBudget,
    scope: AnalyzerScope,
    *,
    region_count: int,
) -> AccessAnalyzerData:
    analyzers: list[Analyzer] = []
    findings: list[AnalyzerFinding] = []
    read_regions: list[str] = []
    # Regions where the credentials were rejected before anything was listed: a token that
    # expires during the detail calls leaves the listing standing, so it is not counted.
    rejected: list[CollectionError] = []
    for result in results:
        if result.listed:
            read_regions.append(result.region)
            analyzers.extend(result.analyzers)
            findings.extend(result.findings)
        elif result.credential_failures:
            rejected.append(result.credential_failures[0])
    if rejected and len(rejected) >= region_count:
        raise rejected[0]
    issues.extend(_merged_refusals(results))
    if budget.skipped:
        issues.append(
            CollectionIssue(
                api=GET_FINDING[0],
                action=GET_FINDING[1],
                message=f"details (who gets access, last use) were read for the first"
                f" {scope.max_details} findings only; {budget.skipped} more show their summary",
                code="DetailLimit",
            )
        )
    if not read_regions:
        return AccessAnalyzerData(None, None, (), tuple(issues))
    return AccessAnalyzerData(
        analyzers=tuple(analyzers),
        findings=tuple(findings),
        regions=tuple(sorted(read_regions)),
        issues=tuple(issues),
    )


def _merged_refusals(results: list[_RegionResult]) -> list[CollectionIssue]:
    """One issue per distinct failure, naming every region it happened in (AccessDenied in 17
    regions is one sentence, not 17)."""
    regions_of: dict[_Refusal, dict[str, None]] = {}
    times: Counter[_Refusal] = Counter()
    for result in results:
        for refusal in result.refusals:
            regions_of.setdefault(refusal, {})[result.region] = None
            times[refusal] += 1
    merged = []
    for refusal, regions_seen in regions_of.items():
        regions = list(regions_seen)
        subject = f" ({refusal.subject})" if refusal.subject else ""
        if times[refusal] > len(regions):
            subject += f" ({times[refusal]} calls)"
        if len(regions) == 1:
            where = f" in {regions[0]}{subject}"
        else:
            where = f" in {len(regions)} regions{subject}: {', '.join(sorted(regions))}"
        merged.append(
            CollectionIssue(
                api=refusal.api,
                action=refusal.action,
                message=f"{refusal.message}{where}{refusal.hint}",
                code=refusal.code,
            )
        )
    return merged


# --- regions -------------------------------------------------------------------------------


def _regions(
    scope: AnalyzerScope, home: str, factory: ClientFactory, issues: list[CollectionIssue]
) -> list[str]:
    if scope.regions is not None:
        return list(dict.fromkeys(r.strip() for r in scope.regions if r.strip()))
    try:
        enabled = enabled_regions(factory("ec2", home))
    except ClientError as exc:
        if is_credentials_problem(exc):
            raise translate_client_error(
                exc, api=DESCRIBE_REGIONS[0], action=DESCRIBE_REGIONS[1]
            ) from exc
        message = describe_client_error(exc, api=DESCRIBE_REGIONS[0], action=DESCRIBE_REGIONS[1])
        issues.append(
            CollectionIssue(
                api=DESCRIBE_REGIONS[0],
                action=DESCRIBE_REGIONS[1],
                message=f"{message}; Access Analyzer was read in {home} only (or pass --regions)",
                code=error_code(exc),
            )
        )
        return [home]
    except BotoCoreError as exc:
        raise translate_botocore_error(
            exc, api=DESCRIBE_REGIONS[0], action=DESCRIBE_REGIONS[1]
        ) from exc
    # Credentials work in one partition only; emulators list every partition's regions.
    enabled = [r for r in enabled if _partition(r) == _partition(home)]
    ordered = [home, *sorted(r for r in enabled if r != home)] if home in enabled else enabled
    if len(ordered) > scope.max_regions:
        issues.append(
            CollectionIssue(
                api=DESCRIBE_REGIONS[0],
                action=DESCRIBE_REGIONS[1],
                message=f"the account has {len(ordered)} enabled regions; Access Analyzer was read"
                f" in the first {scope.max_regions} only (pass --regions to choose)",
                code="RegionLimit",
            )
        )
        ordered = ordered[: scope.max_regions]
    return ordered


def enabled_regions(ec2: Any) -> list[str]:
    """Regions enabled for the account (opted in, or needing no opt-in), sorted."""
    answer = ec2.describe_regions(AllRegions=False)
    return sorted(
        region["RegionName"]
        for region in answer.get("Regions", [])
        if region.get("OptInStatus", "opt-in-not-required") != "not-opted-in"
    )


# --- one region ----------------------------------------------------------------------------


class _DetailBudget:
    """How many GetFindingV2 calls are left, shared by the region workers."""

    def __init__(self, limit: int) -> None:
        self._left = limit
        self.skipped = 0
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self._left > 0:
                self._left -= 1
                return True
            self.skipped += 1
            return False


@dataclass(frozen=True)
class _Refusal:
    api: str
    action: str
    code: str
    message: str
    subject: str = ""
    hint: str = ""


# Answers meaning "this endpoint has no Access Analyzer" (AWS emulators, unsupported places).
_UNSUPPORTED_CODES = frozenset({"NotImplemented", "UnknownOperationException", "InvalidAction"})


def _is_unsupported(exc: ClientError) -> bool:
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return error_code(exc) in _UNSUPPORTED_CODES or (
        status == 404 and error_code(exc) in ("404", "")
    )


@dataclass
class _RegionResult:
    region: str
    listed: bool = False
    unsupported: bool = False
    analyzers: list[Analyzer] = field(default_factory=list)
    findings: list[AnalyzerFinding] = field(default_factory=list)
    refusals: list[_Refusal] = field(default_factory=list)
    credential_failures: list[CollectionError] = field(default_factory=list)

    def refused(self, api: tuple[str, str], exc: Exception, subject: str = "") -> None:
        """Record why a read failed; the caller carries on with the next one."""
        name, action = api
        hint = ""
        if isinstance(exc, ClientError):
            code = error_code(exc)
            message = describe_client_error(exc, api=name, action=action)
            if is_credentials_problem(exc):
                hint = "; is that region enabled for the account?"
                self.credential_failures.append(
                    translate_client_error(exc, api=name, action=action)
                )
            elif _is_unsupported(exc):
                self.unsupported = True
                message = f"{name} is not supported by this AWS endpoint ({message})"
        elif isinstance(exc, CollectionError):
            code, message = exc.code, str(exc)
        elif isinstance(exc, MALFORMED_ANSWER_ERRORS):
            code, message = "Malformed", describe_malformed_answer(exc, api=name)
        else:
            code = type(exc).__name__
            message = f"could not reach {name}: {exc}"
        # Reported to the user once, merged across regions; per region only with -v.
        log.info("access analyzer in %s: %s", self.region, message)
        self.refusals.append(_Refusal(name, action, code, message, subject, hint))


def _read_region(
    client: Any, region: str, scope: AnalyzerScope, budget: _DetailBudget
) -> _RegionResult:
    result = _RegionResult(region)
    try:
        result.analyzers = list_analyzers(client, region)
    except NoCredentialsError as exc:
        result.refused(LIST_ANALYZERS, translate_botocore_error(exc))
        result.credential_failures.append(translate_botocore_error(exc))
        return result
    except _READ_ERRORS as exc:
        result.refused(LIST_ANALYZERS, exc)
        return result
    result.listed = True
    wanted_types = set(scope.finding_types)
    for analyzer in result.analyzers:
        if not scope.list_findings or analyzer.status != ACTIVE:
            continue  # a disabled / failed / creating analyzer has no findings to list
        produces = set(FINDING_TYPES_BY_KIND.get(analyzer_kind(analyzer.type), ()))
        if wanted_types and produces and not wanted_types & produces:
            continue  # nothing this analyzer finds was asked for
        try:
            summaries = list_finding_summaries(client, analyzer.arn, scope.statuses)
        except _READ_ERRORS as exc:
            result.refused(LIST_FINDINGS, exc, analyzer.name)
            continue
        for summary in summaries:
            finding = finding_from_summary(summary, analyzer.arn, region)
            if wanted_types and finding.finding_type not in wanted_types:
                continue
            result.findings.append(finding)
    if scope.details:
        _add_details(client, result, scope, budget)
    return result


def _add_details(
    client: Any, result: _RegionResult, scope: AnalyzerScope, budget: _DetailBudget
) -> None:
    """GetFindingV2 for the region's findings within the budget, a few at a time (boto3
    clients are thread-safe); results and refusals are recorded in listing order."""
    targets = [i for i in range(len(result.findings)) if budget.take()]

    def fetch(index: int) -> tuple[int, AnalyzerFinding | Exception]:
        finding = result.findings[index]
        try:
            return index, with_details(
                finding, finding_details(client, finding.analyzer_arn, finding.id)
            )
        except _READ_ERRORS as exc:
            return index, exc

    workers = max(1, min(scope.detail_workers, len(targets)))
    if workers == 1:
        fetched = [fetch(index) for index in targets]
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="finding-details") as pool:
            fetched = list(pool.map(in_caller_context(fetch), targets))
    for index, outcome in fetched:
        if isinstance(outcome, AnalyzerFinding):
            result.findings[index] = outcome
        else:
            result.refused(GET_FINDING, outcome)


def list_analyzers(client: Any, region: str) -> list[Analyzer]:
    pages = client.get_paginator("list_analyzers").paginate()
    return [analyzer_from_summary(item, region) for page in pages for item in page["analyzers"]]


def analyzer_from_summary(item: dict[str, Any], region: str) -> Analyzer:
    unused = (item.get("configuration") or {}).get("unusedAccess") or {}
    age = unused.get("unusedAccessAge")
    return Analyzer(
        name=item["name"],
        arn=item["arn"],
        type=item["type"],
        status=item["status"],
        region=region,
        created_at=_utc(item.get("createdAt")),
        status_reason=(item.get("statusReason") or {}).get("code", ""),
        unused_access_age_days=int(age) if age is not None else None,
    )


def status_filter(statuses: Sequence[str]) -> dict[str, Any]:
    """ListFindingsV2's server-side filter: any of ``statuses`` (eq values are OR-ed)."""
    return {"status": {"eq": list(statuses)}}


def list_finding_summaries(
    client: Any, analyzer_arn: str, statuses: Sequence[str]
) -> list[dict[str, Any]]:
    pages = client.get_paginator("list_findings_v2").paginate(
        analyzerArn=analyzer_arn, filter=status_filter(statuses)
    )
    return [summary for page in pages for summary in page["findings"]]


def finding_from_summary(
    summary: dict[str, Any], analyzer_arn: str, region: str
) -> AnalyzerFinding:
    details: dict[str, Any] = {"details_fetched": False}
    if summary.get("error"):
        details["error"] = summary["error"]
    return AnalyzerFinding(
        id=summary["id"],
        analyzer_arn=analyzer_arn,
        finding_type=summary.get("findingType", ""),
        resource=summary.get("resource", ""),
        resource_type=summary["resourceType"],
        status=summary["status"],
        region=region,
        resource_owner_account=summary.get("resourceOwnerAccount", ""),
        created_at=_utc(summary.get("createdAt")),
        updated_at=_utc(summary.get("updatedAt")),
        details=details,
    )


def with_details(finding: AnalyzerFinding, entries: Iterable[dict[str, Any]]) -> AnalyzerFinding:
    """The finding with its GetFindingV2 details normalised into ``details``."""
    details = {**finding.details, **normalise_details(entries), "details_fetched": True}
    return AnalyzerFinding(
        id=finding.id,
        analyzer_arn=finding.analyzer_arn,
        finding_type=finding.finding_type,
        resource=finding.resource,
        resource_type=finding.resource_type,
        status=finding.status,
        region=finding.region,
        resource_owner_account=finding.resource_owner_account,
        created_at=finding.created_at,
        updated_at=finding.updated_at,
        details=details,
    )


def finding_details(client: Any, analyzer_arn: str, finding_id: str) -> list[dict[str, Any]]:
    """Every ``findingDetails`` entry of one finding (GetFindingV2 pages them)."""
    pages = client.get_paginator("get_finding_v2").paginate(analyzerArn=analyzer_arn, id=finding_id)
    return [entry for page in pages for entry in page.get("findingDetails", [])]


def normalise_details(entries: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """GetFindingV2's union entries in the JSON-safe shape ``bot.audit.analyzer_view`` reads."""
    access: list[dict[str, Any]] = []
    services: list[dict[str, Any]] = []
    out: dict[str, Any] = {}
    for entry in entries:
        if "externalAccessDetails" in entry:
            access.append(_access_entry(entry["externalAccessDetails"]))
        elif "internalAccessDetails" in entry:
            detail = entry["internalAccessDetails"]
            item = _access_entry(detail)
            for source, target in (
                ("principalOwnerAccount", "principal_owner_account"),
                ("accessType", "access_type"),
                ("principalType", "principal_type"),
            ):
                if detail.get(source):
                    item[target] = detail[source]
            access.append(item)
        elif "unusedPermissionDetails" in entry:
            detail = entry["unusedPermissionDetails"]
            services.append(
                {
                    "service": detail["serviceNamespace"],
                    "last_accessed": _iso(detail.get("lastAccessed")),
                    "actions": [
                        {"action": a["action"], "last_accessed": _iso(a.get("lastAccessed"))}
                        for a in detail.get("actions", [])
                    ],
                }
            )
        elif "unusedIamUserAccessKeyDetails" in entry:
            detail = entry["unusedIamUserAccessKeyDetails"]
            out["access_key_id"] = detail["accessKeyId"]
            out["last_accessed"] = _iso(detail.get("lastAccessed"))
        else:
            for key in ("unusedIamRoleDetails", "unusedIamUserPasswordDetails"):
                if key in entry:
                    out["last_accessed"] = _iso(entry[key].get("lastAccessed"))
    if access:
        out["access"] = access
    if services:
        out["services"] = sorted(services, key=lambda s: s["service"])
    return out


def _access_entry(detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "principal": dict(detail.get("principal") or {}),
        "actions": sorted(detail.get("action") or []),
        "conditions": dict(detail.get("condition") or {}),
        "is_public": bool(detail.get("isPublic", False)),
        "sources": [source.get("type", "") for source in detail.get("sources") or []],
    }


def _partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def _utc(value: datetime | str | None) -> datetime | None:
    parsed = parse_aws_time(value)
    return parsed.astimezone(UTC) if parsed else None


def _iso(value: datetime | str | None) -> str | None:
    moment = _utc(value)
    return moment.isoformat() if moment else None
