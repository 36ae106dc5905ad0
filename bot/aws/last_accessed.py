"""Usage evidence for one principal: IAM last-accessed data and Access Analyzer's unused access.

- IAM: GenerateServiceLastAccessedDetails (Granularity ACTION_LEVEL) starts a job;
  GetServiceLastAccessedDetails is polled (IN_PROGRESS -> COMPLETED | FAILED) with a growing
  delay and a bounded total wait, then paged with Marker. Required: without it nothing is
  proposed, and a refusal names the action to grant.
- Access Analyzer (optional): the unused-access analyzers of the region (ListAnalyzers),
  the principal's ACTIVE UnusedPermission findings (ListFindingsV2 filtered by resource,
  GetFindingV2 for the services and actions), and the recommendation for each finding
  (GenerateFindingRecommendation, then GetFindingRecommendation polled the same way).
  A refusal or an account without such an analyzer becomes a note, not a failure.

Throttling is retried by botocore (adaptive mode); a throttled poll also just waits for the next
poll. Every call is counted, so the audit can report what it cost.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from bot.aws.errors import THROTTLING_CODES, translate_botocore_error, translate_client_error
from bot.aws.session import make_client
from bot.errors import CollectionError
from bot.rightsize.usage import (
    AnalyzerUsage,
    UsageEvidence,
    services_from_report,
    tracking_start,
)

log = logging.getLogger(__name__)

GENERATE = ("GenerateServiceLastAccessedDetails", "iam:GenerateServiceLastAccessedDetails")
GET = ("GetServiceLastAccessedDetails", "iam:GetServiceLastAccessedDetails")
LAST_ACCESSED_ACTIONS = (GENERATE[1], GET[1])
RECOMMENDATION_ACTIONS = (
    "access-analyzer:ListAnalyzers",
    "access-analyzer:ListFindings",
    "access-analyzer:GetFinding",
    "access-analyzer:GenerateFindingRecommendation",
    "access-analyzer:GetFindingRecommendation",
)
UNUSED_ANALYZER_TYPES = ("ACCOUNT_UNUSED_ACCESS", "ORGANIZATION_UNUSED_ACCESS")
MAX_FINDINGS = 20


@dataclass(frozen=True, slots=True)
class Polling:
    """How long to wait for an asynchronous AWS job: first delay, doubling up to ``max_delay``,
    at most ``max_wait`` seconds in all."""

    first_delay: float = 1.0
    max_delay: float = 8.0
    max_wait: float = 120.0


class _Counter:
    def __init__(self) -> None:
        self.calls = 0


def _call(counter: _Counter, client: Any, api: str, action: str, **kwargs: Any) -> dict[str, Any]:
    counter.calls += 1
    method = getattr(client, _snake(api))
    try:
        return method(**kwargs)
    except ClientError as exc:
        raise translate_client_error(exc, api=api, action=action) from exc
    except BotoCoreError as exc:
        raise translate_botocore_error(exc, api=api, action=action) from exc


def _snake(api: str) -> str:
    out = []
    for i, ch in enumerate(api):
        if ch.isupper() and i and not api[i - 1].isupper():
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def _poll(
    fetch: Callable[[], dict[str, Any]],
    status_of: Callable[[dict[str, Any]], str],
    *,
    what: str,
    polling: Polling,
    sleep: Callable[[float], None],
    monotonic: Callable[[], float],
) -> dict[str, Any]:
    """Fetch until the status is no longer IN_PROGRESS, or give up after ``max_wait``."""
    deadline = monotonic() + polling.max_wait
    delay = polling.first_delay
    while True:
        try:
            response = fetch()
        except CollectionError as exc:
            if exc.code in THROTTLING_CODES and monotonic() + delay <= deadline:
                sleep(delay)
                delay = min(delay * 2, polling.max_delay)
                continue
            raise
        if status_of(response) != "IN_PROGRESS":
            return response
        if monotonic() + delay > deadline:
            raise CollectionError(
                f"{what} was still running after {polling.max_wait:.0f} s; AWS usually needs"
                " less, so try again in a minute"
            )
        sleep(delay)
        delay = min(delay * 2, polling.max_delay)


def read_last_accessed(
    iam: Any,
    arn: str,
    *,
    polling: Polling = Polling(),
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
    counter: _Counter | None = None,
    granularity: str = "ACTION_LEVEL",
) -> list[dict[str, Any]]:
    """Every ServicesLastAccessed entry of a report for ``arn`` (ACTION_LEVEL by default)."""
    counter = counter or _Counter()
    job = _call(counter, iam, *GENERATE, Arn=arn, Granularity=granularity)["JobId"]
    first = _poll(
        lambda: _call(counter, iam, *GET, JobId=job),
        lambda r: str(r.get("JobStatus") or ""),
        what=f"The last-accessed report of {arn}",
        polling=polling,
        sleep=sleep,
        monotonic=monotonic,
    )
    if first.get("JobStatus") == "FAILED":
        error = first.get("Error") or {}
        raise CollectionError(
            f"AWS could not build the last-accessed report of {arn}:"
            f" {error.get('Code', 'FAILED')}: {error.get('Message', 'no reason given')}",
            api=GET[0],
            action=GET[1],
        )
    entries = list(first.get("ServicesLastAccessed") or [])
    page = first
    while page.get("IsTruncated") and page.get("Marker"):
        page = _call(counter, iam, *GET, JobId=job, Marker=page["Marker"])
        entries.extend(page.get("ServicesLastAccessed") or [])
    return entries


def read_analyzer_usage(
    client: Any,
    principal_arn: str,
    *,
    polling: Polling = Polling(),
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
    counter: _Counter | None = None,
) -> tuple[AnalyzerUsage | None, str]:
    """(Access Analyzer's view, a note); (None, why) when there is no unused-access analyzer
    or it could not be read."""
    counter = counter or _Counter()
    try:
        analyzers = (
            _call(counter, client, "ListAnalyzers", RECOMMENDATION_ACTIONS[0]).get("analyzers")
            or []
        )
    except CollectionError as exc:
        return None, f"Access Analyzer not read: {exc}"
    unused = [
        a
        for a in analyzers
        if a.get("type") in UNUSED_ANALYZER_TYPES and a.get("status") == "ACTIVE"
    ]
    if not unused:
        return None, (
            "no active unused-access analyzer in this region: only IAM last-accessed data was"
            " used (`/iam-audit analyzer enable unused` creates one)"
        )
    analyzer_arn = str(unused[0]["arn"])
    try:
        summaries: list[dict[str, Any]] = []
        token: str | None = None
        while len(summaries) < MAX_FINDINGS:
            page = _call(
                counter,
                client,
                "ListFindingsV2",
                RECOMMENDATION_ACTIONS[1],
                analyzerArn=analyzer_arn,
                filter={
                    "resource": {"eq": [principal_arn]},
                    "status": {"eq": ["ACTIVE"]},
                    "findingType": {"eq": ["UnusedPermission"]},
                },
                **({"nextToken": token} if token else {}),
            )
            # AWS applies the filter; checking again costs nothing and guards a loose one.
            summaries.extend(
                item
                for item in page.get("findings") or []
                if item.get("resource") == principal_arn
                and item.get("findingType") == "UnusedPermission"
            )
            token = page.get("nextToken")
            if not token:
                break
        services: set[str] = set()
        actions: set[str] = set()
        ids: list[str] = []
        recommended: list[dict[str, Any]] = []
        steps: list[str] = []
        for summary in summaries[:MAX_FINDINGS]:
            finding_id = str(summary["id"])
            ids.append(finding_id)
            detail = _call(
                counter,
                client,
                "GetFindingV2",
                RECOMMENDATION_ACTIONS[2],
                analyzerArn=analyzer_arn,
                id=finding_id,
            )
            for entry in detail.get("findingDetails") or []:
                unused_detail = entry.get("unusedPermissionDetails") or {}
                namespace = unused_detail.get("serviceNamespace")
                if not namespace:
                    continue
                listed = [a.get("action") for a in unused_detail.get("actions") or []]
                if listed:
                    actions.update(a if ":" in a else f"{namespace}:{a}" for a in listed if a)
                else:
                    services.add(str(namespace))
            try:
                recommendation = _recommendation(
                    client,
                    analyzer_arn,
                    finding_id,
                    waiting=(polling, sleep, monotonic),
                    counter=counter,
                )
            except CollectionError as exc:
                log.info("no recommendation for finding %s: %s", finding_id, exc)
                recommendation = {}
            for step in recommendation.get("recommendedSteps") or []:
                detail_step = step.get("unusedPermissionsRecommendedStep") or {}
                steps.append(str(detail_step.get("recommendedAction") or ""))
                if detail_step.get("recommendedPolicy"):
                    recommended.append(
                        {
                            "existing_policy": detail_step.get("existingPolicyId", ""),
                            "policy": detail_step["recommendedPolicy"],
                        }
                    )
    except CollectionError as exc:
        return None, f"Access Analyzer not read: {exc}"
    summary_text = (
        f"{len(steps)} recommended step(s): {', '.join(sorted(set(filter(None, steps))))}"
        if steps
        else ""
    )
    return (
        AnalyzerUsage(
            analyzer_arn=analyzer_arn,
            finding_ids=tuple(ids),
            unused_services=tuple(sorted(services)),
            unused_actions=tuple(sorted(actions)),
            recommendation=summary_text,
            recommended_policies=tuple(recommended),
        ),
        "",
    )


def _recommendation(
    client: Any,
    analyzer_arn: str,
    finding_id: str,
    *,
    waiting: tuple[Polling, Callable[[float], None], Callable[[], float]],
    counter: _Counter,
) -> dict[str, Any]:
    polling, sleep, monotonic = waiting
    _call(
        counter,
        client,
        "GenerateFindingRecommendation",
        RECOMMENDATION_ACTIONS[3],
        analyzerArn=analyzer_arn,
        id=finding_id,
    )
    result = _poll(
        lambda: _call(
            counter,
            client,
            "GetFindingRecommendation",
            RECOMMENDATION_ACTIONS[4],
            analyzerArn=analyzer_arn,
            id=finding_id,
        ),
        lambda r: str(r.get("status") or ""),
        what=f"Access Analyzer's recommendation for finding {finding_id}",
        polling=polling,
        sleep=sleep,
        monotonic=monotonic,
    )
    if result.get("status") == "FAILED":
        error = result.get("error") or {}
        log.info("recommendation for %s failed: %s", finding_id, error)
        return {}
    return result


def read_usage(
    session: boto3.Session,
    principal_arn: str,
    *,
    created: datetime | None,
    now: datetime,
    region: str | None = None,
    analyzer: bool = True,
    polling: Polling = Polling(),
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> UsageEvidence:
    """The evidence for one principal; CollectionError when IAM's report cannot be read."""
    counter = _Counter()
    iam = make_client(session, "iam", region=region)
    entries = read_last_accessed(
        iam, principal_arn, polling=polling, sleep=sleep, monotonic=monotonic, counter=counter
    )
    sources = ["IAM last accessed (action level)"]
    notes: list[str] = []
    usage: AnalyzerUsage | None = None
    if analyzer:
        client = make_client(session, "accessanalyzer", region=region)
        usage, note = read_analyzer_usage(
            client,
            principal_arn,
            polling=polling,
            sleep=sleep,
            monotonic=monotonic,
            counter=counter,
        )
        if usage is not None:
            sources.append("IAM Access Analyzer unused access")
        elif note:
            notes.append(note)
    return UsageEvidence(
        principal_arn=principal_arn,
        generated_at=now,
        tracked_since=tracking_start(created, now),
        services=services_from_report(entries),
        sources=tuple(sources),
        analyzer=usage,
        notes=tuple(notes),
        calls=counter.calls,
    )


UsageReader = Callable[[str, "datetime | None", datetime], UsageEvidence]


def make_usage_reader(
    *,
    demo: bool,
    profile: str | None = None,
    region: str | None = None,
    analyzer: bool = True,
    polling: Polling = Polling(),
) -> UsageReader:
    """(principal ARN, its creation date, now) -> UsageEvidence, from the demo data or the
    account of the profile / credential chain (the session is made on first use)."""
    sessions: list[boto3.Session] = []

    def read(arn: str, created: datetime | None, now: datetime) -> UsageEvidence:
        if demo:
            from bot.aws.demo_usage import demo_usage_session  # noqa: PLC0415

            return read_usage(
                demo_usage_session(now),
                arn,
                created=created,
                now=now,
                analyzer=analyzer,
                polling=polling,
                sleep=lambda _s: None,
            )
        if not sessions:
            from bot.aws.session import make_session  # noqa: PLC0415

            sessions.append(make_session(profile=profile, region=region))
        return read_usage(
            sessions[0],
            arn,
            created=created,
            now=now,
            region=region,
            analyzer=analyzer,
            polling=polling,
        )

    return read


@dataclass(frozen=True, slots=True)
class LastAccessedCollection:
    """Service last-accessed data of many principals, and what it cost."""

    services: dict[str, dict[str, str]]  # principal ARN -> namespace -> ISO time or ""
    calls: int
    problems: tuple[str, ...] = ()


DEFAULT_WORKERS = 4


def collect_last_accessed(
    session: boto3.Session,
    arns: list[str],
    *,
    region: str | None = None,
    workers: int = DEFAULT_WORKERS,
    polling: Polling = Polling(),
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> LastAccessedCollection:
    """SERVICE_LEVEL reports for every principal, at most ``workers`` jobs at once (IAM
    throttles these APIs; botocore retries adaptively on top). A principal whose report
    fails is listed in ``problems``; when every one fails the first reason is raised."""
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    if workers < 1:
        raise CollectionError("--last-accessed-workers must be at least 1")
    iam = make_client(session, "iam", region=region)  # clients are thread-safe
    counters: list[_Counter] = []

    def one(arn: str) -> tuple[str, dict[str, str] | None, str]:
        counter = _Counter()
        counters.append(counter)
        try:
            entries = read_last_accessed(
                iam,
                arn,
                polling=polling,
                sleep=sleep,
                monotonic=monotonic,
                counter=counter,
                granularity="SERVICE_LEVEL",
            )
        except CollectionError as exc:
            return arn, None, f"{arn}: {exc}"
        found = {
            usage.namespace: usage.last_authenticated.isoformat()
            if usage.last_authenticated
            else ""
            for usage in services_from_report(entries)
        }
        return arn, found, ""

    services: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="last-accessed") as pool:
        for arn, found, problem in pool.map(one, arns):
            if found is None:
                problems.append(problem)
            else:
                services[arn] = found
    calls = sum(c.calls for c in counters)
    if arns and not services:
        raise CollectionError(f"no last-accessed report could be read: {problems[0]}")
    return LastAccessedCollection(services, calls, tuple(problems))


def add_last_accessed(
    snapshot: Any,
    *,
    demo: bool,
    profile: str | None = None,
    region: str | None = None,
    workers: int = DEFAULT_WORKERS,
) -> tuple[Any, LastAccessedCollection]:
    """The snapshot with ``service_last_accessed`` for every user and role (service-linked
    roles excepted), from the demo data or the account of the profile / credential chain."""
    import dataclasses  # noqa: PLC0415

    arns = [u.arn for u in snapshot.users] + [
        r.arn for r in snapshot.roles if not r.is_service_linked
    ]
    if demo:
        from bot.aws.demo_usage import demo_usage_session  # noqa: PLC0415

        collected = collect_last_accessed(
            demo_usage_session(snapshot.collected_at),
            arns,
            workers=workers,
            sleep=lambda _s: None,
        )
    else:
        from bot.aws.session import make_session  # noqa: PLC0415

        session = make_session(profile=profile, region=region)
        collected = collect_last_accessed(session, arns, region=region, workers=workers)
    for problem in collected.problems[:5]:
        log.warning("last-accessed data not read for %s", problem)
    log.info(
        "last-accessed data: %d/%d principals, %d AWS calls, %d at once",
        len(collected.services),
        len(arns),
        collected.calls,
        workers,
    )
    return dataclasses.replace(snapshot, service_last_accessed=collected.services), collected


__all__ = [
    "LAST_ACCESSED_ACTIONS",
    "RECOMMENDATION_ACTIONS",
    "LastAccessedCollection",
    "Polling",
    "add_last_accessed",
    "collect_last_accessed",
    "make_usage_reader",
    "read_analyzer_usage",
    "read_last_accessed",
    "read_usage",
]
