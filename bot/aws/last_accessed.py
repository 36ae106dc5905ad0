"""Usage evidence: IAM's last-accessed reports, for one principal (rightsize) or every one
(`audit --last-accessed`), combined with Access Analyzer's view (bot/aws/unused_access.py).

GenerateServiceLastAccessedDetails (ACTION_LEVEL for one principal, SERVICE_LEVEL for all)
starts a job; GetServiceLastAccessedDetails is polled (IN_PROGRESS -> COMPLETED | FAILED) with a
growing delay and a bounded total wait, then paged with Marker. It is the evidence that decides:
without it nothing is proposed, and a refusal names the action to grant.

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

from bot.aws.aws_jobs import DEFAULT_POLLING, Counter, Polling, call, poll
from bot.aws.deadline import in_caller_context
from bot.aws.session import make_client
from bot.aws.unused_access import RECOMMENDATION_ACTIONS, read_analyzer_usage
from bot.model.errors import CollectionError, InputError
from bot.rightsize.usage import AnalyzerUsage, UsageEvidence, services_from_report, tracking_start

log = logging.getLogger(__name__)

GENERATE = ("GenerateServiceLastAccessedDetails", "iam:GenerateServiceLastAccessedDetails")
GET = ("GetServiceLastAccessedDetails", "iam:GetServiceLastAccessedDetails")
LAST_ACCESSED_ACTIONS = (GENERATE[1], GET[1])


def read_last_accessed(
    iam: Any,
    arn: str,
    *,
    polling: Polling = DEFAULT_POLLING,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
    counter: Counter | None = None,
    granularity: str = "ACTION_LEVEL",
) -> list[dict[str, Any]]:
    """Every ServicesLastAccessed entry of a report for ``arn`` (ACTION_LEVEL by default)."""
    counter = counter or Counter()
    job = call(counter, iam, *GENERATE, Arn=arn, Granularity=granularity).get("JobId")
    if not isinstance(job, str) or not job:
        raise CollectionError(
            f"AWS started no last-accessed report for {arn} (the answer had no JobId)",
            api=GENERATE[0],
            action=GENERATE[1],
        )
    first = poll(
        lambda: call(counter, iam, *GET, JobId=job),
        lambda r: str(r.get("JobStatus") or ""),
        what=f"The last-accessed report of {arn}",
        polling=polling,
        sleep=sleep,
        monotonic=monotonic,
    )
    status = first.get("JobStatus")
    if status == "FAILED":
        error = first.get("Error") if isinstance(first.get("Error"), dict) else {}
        raise CollectionError(
            f"AWS could not build the last-accessed report of {arn}:"
            f" {error.get('Code', 'FAILED')}: {error.get('Message', 'no reason given')}",
            api=GET[0],
            action=GET[1],
        )
    return _completed_entries(counter, iam, arn, job, first, status=status)


def _completed_entries(
    counter: Counter, iam: Any, arn: str, job: str, first: dict[str, Any], *, status: Any
) -> list[dict[str, Any]]:
    """The entries of a COMPLETED report. Anything else (no status, an unknown one, no
    ServicesLastAccessed list) is refused: an empty or partial report would read as "nothing
    used", and right-sizing would then take away what the principal needs."""
    if status != "COMPLETED":
        shown = str(status)[:40] if status else "none"
        raise CollectionError(
            f"the last-accessed report of {arn} came back with JobStatus {shown!r}, not"
            " COMPLETED; nothing is concluded from it",
            api=GET[0],
            action=GET[1],
        )
    entries: list[dict[str, Any]] = []
    page = first
    seen: set[str] = set()
    while True:
        listed = page.get("ServicesLastAccessed")
        if not isinstance(listed, list):
            raise CollectionError(
                f"the last-accessed report of {arn} has no ServicesLastAccessed list;"
                " nothing is concluded from it",
                api=GET[0],
                action=GET[1],
            )
        entries.extend(e for e in listed if isinstance(e, dict))
        marker = page.get("Marker")
        if not page.get("IsTruncated") or not isinstance(marker, str) or not marker:
            return entries
        if marker in seen:  # a marker served twice would page forever
            raise CollectionError(
                f"the last-accessed report of {arn} repeats its page marker; nothing is"
                " concluded from a partial report",
                api=GET[0],
                action=GET[1],
            )
        seen.add(marker)
        page = call(counter, iam, *GET, JobId=job, Marker=marker)


def read_usage(
    session: boto3.Session,
    principal_arn: str,
    *,
    created: datetime | None,
    now: datetime,
    region: str | None = None,
    analyzer: bool = True,
    polling: Polling = DEFAULT_POLLING,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> UsageEvidence:
    """The evidence for one principal; CollectionError when IAM's report cannot be read."""
    counter = Counter()
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
    else:
        notes.append("Access Analyzer not read (asked not to)")
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
    polling: Polling = DEFAULT_POLLING,
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
    polling: Polling = DEFAULT_POLLING,
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
    counters: list[Counter] = []

    def one(arn: str) -> tuple[str, dict[str, str] | None, str]:
        counter = Counter()
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
        except (CollectionError, InputError) as exc:
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
        for arn, found, problem in pool.map(in_caller_context(one), arns):
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
