"""Composition root: builds every adapter from Settings; nothing connects at import time."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.approvals.suppressions import active_rules
from bot.audit.config import AuditConfig, audit_config_from_dict
from bot.audit.registry import all_checks
from bot.config.settings import Settings
from bot.model.snapshot import AccountSnapshot
from bot.runs.account_audits import AccountAudits, SnapshotSource
from bot.runs.jobs import AuditJobs
from bot.runs.workers import Auditor, PortableSource, ProcessAuditor, inline_auditor
from bot.slack.authorization import Authorizer
from bot.slack.delivery import Delivery, make_web_client
from bot.store import Store, make_store
from bot.store.suppressions import make_suppression_store

log = logging.getLogger(__name__)

# check id -> handler of its "Remediate" button; the approvals feature registers them. A button is
# shown only for check ids present here, so the bot never shows a button that does nothing.
RemediationHandler = Callable[..., Any]


def utc_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    """Everything the Slack handlers need, built once at start."""

    settings: Settings
    store: Store
    delivery: Delivery
    jobs: AuditJobs
    audits: AccountAudits
    authorizer: Authorizer
    clock: Callable[[], datetime]
    remediations: dict[str, RemediationHandler] = field(default_factory=dict)
    approvals: Any = None  # bot.approvals.desk.ApprovalDesk, built by build_services
    digests: Any = None  # bot.digest.scheduler.DigestScheduler, started by `iam-audit serve`
    # (AnalyzerScope, now) -> AccessAnalyzerData for `/iam-audit findings|analyzer`; None = the
    # demo data or the live account from Settings (commands/findings.py); tests pass stubbed ones.
    analyzer_reader: Any = None
    # bot.organizations.member_audits.OrganizationAudits for `/iam-audit audit account
    # <id|all>`; built
    # from Settings on first use (organization_of), tests inject one wired to moto.
    organization: Any = None
    # (principal ARN, created, now) -> UsageEvidence for `/iam-audit rightsize`; None = the demo
    # data or the live account from Settings (commands/rightsize.py); tests pass stubbed ones.
    usage_reader: Any = None
    # bot.approvals.suppressions store: findings muted from Slack (approved), applied by
    # every audit.
    suppressions: Any = None
    # Where audits run their checks (bot.runs.workers): the worker pool, or inline; member-
    # account audits (organization_of) use the same one.
    auditor: Auditor = inline_auditor

    @property
    def remediable(self) -> frozenset[str]:
        return frozenset(self.remediations)


@dataclass(frozen=True)
class SettingsSource(PortableSource):
    """The demo account, or the live account of a profile / the credential chain: plain
    settings, so an audit worker process collects (and parses) the account itself."""

    demo: bool
    aws_profile: str = ""
    aws_region: str = ""
    last_accessed_workers: int = 0

    def __call__(self, now: datetime) -> AccountSnapshot:
        if self.demo:
            from bot.aws.demo import build_demo_snapshot  # noqa: PLC0415 - moto only when used

            return self._with_usage(build_demo_snapshot(now=now))
        from bot.aws.access_analyzer import AnalyzerScope  # noqa: PLC0415
        from bot.aws.collect import collect_snapshot  # noqa: PLC0415 - boto3 only when used
        from bot.aws.session import make_session  # noqa: PLC0415

        session = make_session(profile=self.aws_profile or None, region=self.aws_region or None)
        return self._with_usage(collect_snapshot(session, now=now, access_analyzer=AnalyzerScope()))

    def _with_usage(self, snapshot: AccountSnapshot) -> AccountSnapshot:
        """With IAM_AUDIT_LAST_ACCESSED_WORKERS > 0: add service last-accessed data (for
        principal.unused_services and the digest's right-sizing line)."""
        if self.last_accessed_workers <= 0:
            return snapshot
        from bot.aws.last_accessed import add_last_accessed  # noqa: PLC0415 - boto3 when used

        return add_last_accessed(
            snapshot,
            demo=self.demo,
            profile=self.aws_profile or None,
            region=self.aws_region or None,
            workers=self.last_accessed_workers,
        )[0]


def default_snapshot_source(settings: Settings) -> SnapshotSource:
    """The demo account, or the live account of the configured profile / credential chain."""
    return SettingsSource(
        demo=settings.demo,
        aws_profile=settings.aws_profile,
        aws_region=settings.aws_region,
        last_accessed_workers=settings.last_accessed_workers,
    )


def target_name(settings: Settings) -> str:
    """Cache and lock key of the audited account, known before anything is collected."""
    if settings.demo:
        return "demo"
    return f"profile:{settings.aws_profile}" if settings.aws_profile else "default"


def audit_config(settings: Settings) -> AuditConfig:
    """The [thresholds]/[severity]/[[suppressions]] part of the config file (ConfigError if bad)."""
    if not settings.audit_config:
        return AuditConfig()
    return audit_config_from_dict(settings.audit_config, known_checks=set(all_checks()))


def build_services(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_clock,
    source: SnapshotSource | None = None,
    store: Store | None = None,
    sleep: Callable[[float], None] = time.sleep,
    lock_poll_seconds: float = 1.0,
    audit_processes: int | None = None,
) -> Services:
    """Wire real adapters; tests pass a clock, a snapshot source, a store and a sleep.

    ``audit_processes``: worker processes that run the checks (default: one per audit worker;
    0 runs them on the audit threads, as the CLI does)."""
    # Worker processes save to Redis themselves only when it is the store built here (a test's
    # own store stays the only one written).
    worker_redis_url = settings.redis_url if store is None else ""
    store = store or make_store(settings.redis_url, clock=clock)
    client = make_web_client(
        token=settings.slack_bot_token, base_url=settings.slack_api_url, sleep=sleep
    )
    delivery = Delivery(client, store, sleep=sleep)
    jobs = AuditJobs(
        store=store,
        workers=settings.workers,
        max_queued=settings.max_queued_audits,
        lock_ttl_seconds=settings.lock_ttl_seconds,
        clock=clock,
        sleep=sleep,
        lock_poll_seconds=lock_poll_seconds,
    )
    processes = settings.workers if audit_processes is None else audit_processes
    auditor = inline_auditor
    if processes > 0 and not settings.operations.queued:
        auditor = ProcessAuditor(processes)
        jobs.on_shutdown(auditor.shutdown)
    suppressions = make_suppression_store(settings.redis_url)
    audits = AccountAudits(
        auditor=auditor,
        extra_suppressions=lambda now: active_rules(suppressions, now),
        target=target_name(settings),
        source=source or default_snapshot_source(settings),
        store=store,
        config=audit_config(settings),
        clock=clock,
        ttl_seconds=settings.report_ttl_seconds,
        worker_redis_url=worker_redis_url,
    )
    if settings.operations.queued:
        # IAM_AUDIT_QUEUE=rq: audits run as RQ jobs in `iam-audit worker` processes.
        from bot.runs.queue import queued_audits  # noqa: PLC0415 - rq only when configured

        audits = queued_audits(audits, settings, sleep=sleep)
    authorizer = Authorizer(settings, group_members=delivery.usergroup_members, clock=clock)
    services = Services(settings, store, delivery, jobs, audits, authorizer, clock)
    services.suppressions = suppressions
    services.auditor = auditor
    from bot.approvals.wiring import build_approval_desk  # noqa: PLC0415 - the feature's own root

    services.approvals = build_approval_desk(
        settings, clock=clock, snapshot_source=lambda: audits.snapshot().snapshot
    )
    return services
