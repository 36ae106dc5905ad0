"""The bot's audits of member accounts: one cached pipeline per account, many at once.

`/iam-audit audit account <id|all>` enters each member account through the configured role
(org_role + ExternalId) and runs the usual collect -> audit -> cache pipeline
(bot/runs/account_audits.py) with
the account id as the cache key, so `status <id>`, paging and App Home read per-account reports
like the bot's own. Accounts are audited on a bounded pool (account_workers); one account that
cannot be entered becomes an error entry while the others complete. Each account takes the same
Redis lock as a single-account audit of it, so two requests never audit one account at once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.audit.config import AuditConfig
from bot.audit.engine import select_checks
from bot.audit.report import Report
from bot.aws.organizations import (
    AssumeRoleOptions,
    RoleAssumer,
    active_account_ids,
    fan_out,
    is_account_id,
)
from bot.aws.service_control_policies import OrganizationPolicyReader, hub_reader
from bot.config.operations import OperationsOptions
from bot.model.errors import IamAuditError, InputError, StoreError
from bot.model.snapshot import AccountSnapshot
from bot.organizations.summary import AccountFailure, MultiAccountReport, combine
from bot.runs.account_audits import AccountAudits, AuditResult, SnapshotSource
from bot.runs.jobs import LOCK_WAIT_TTLS, lock_name
from bot.runs.workers import Auditor, inline_auditor
from bot.store.base import Store, StoredReport
from bot.store.lock_keeper import kept_alive

log = logging.getLogger(__name__)

ALL = "all"
# Store key under which the list of member accounts with cached reports is kept: App Home and
# the digest need to know which accounts to read back without asking AWS.
INDEX_TARGET = "organization"
INDEX_SCHEMA = "iam-audit/org-index/1"
ORG_JOB_PREFIX = "org:"
# How long the hub's reader of SCPs and RCPs (and what it read: roots, OUs, policies) serves
# member audits before a fresh one reads the organization again: an organization-wide run shares
# it, and a policy changed later is seen by the next run.
ORGANIZATION_POLICY_READER_SECONDS = 300

Session = Any  # a boto3.Session; only bot/aws imports boto3
# (member session, account id, now) -> snapshot of that account
MemberCollector = Callable[[Session, str, datetime], AccountSnapshot]
# (done, total) after each account finishes, failed or not
AccountProgress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class OrganizationRun:
    """The result of auditing several accounts: the combined view and where each report lives."""

    multi: MultiAccountReport
    report_ids: Mapping[str, str]  # account id -> cached report id
    saved_at: Mapping[str, datetime]


@dataclass(frozen=True, slots=True)
class CachedAccount:
    account_id: str
    report: Report
    stored: StoredReport


def default_member_collector(session: Session, _account_id: str, now: datetime) -> AccountSnapshot:
    from bot.aws.collect import collect_snapshot  # noqa: PLC0415 - boto3 work only here

    # The member's role cannot read its SCPs and RCPs: OrganizationAudits reads them from the hub.
    return collect_snapshot(session, now=now, organization_policies=False)


class OrganizationAudits:
    """Resolves `all` or an id, and audits member accounts through the shared cache and locks.

    ``session`` makes the hub session (the bot's own credentials) on first use. In demo mode,
    ``demo_source`` stands in for the one member of a single-account organization.
    """

    def __init__(
        self,
        *,
        operations: OperationsOptions,
        session: Callable[[], Session],
        store: Store,
        config: AuditConfig,
        clock: Callable[[], datetime],
        ttl_seconds: int,
        lock_ttl_seconds: int,
        sleep: Callable[[float], None] = time.sleep,
        lock_poll_seconds: float = 1.0,
        collect: MemberCollector = default_member_collector,
        demo_source: SnapshotSource | None = None,
        demo_account_id: str = "",
        auditor: Auditor = inline_auditor,
    ) -> None:
        self._operations = operations
        # The bot's audit worker pool (bot.runs.workers), shared with the single-account path:
        # member-account checks run there too, never on the threads that ack Slack.
        self._auditor = auditor
        self._session_factory = session
        self._store = store
        self._config = config
        self._clock = clock
        self._ttl = ttl_seconds
        self._lock_ttl = lock_ttl_seconds
        self._sleep = sleep
        self._poll = lock_poll_seconds
        self._collect = collect
        self._demo_source = demo_source
        self._demo_account_id = demo_account_id
        self._guard = threading.Lock()
        self._assumer: RoleAssumer | None = None
        self._reader_since: tuple[OrganizationPolicyReader, datetime] | None = None
        self._session: Session | None = None
        self._members: dict[str, AccountAudits] = {}
        self._owner = f"{socket.gethostname()}:{os.getpid()}"

    @property
    def demo(self) -> bool:
        return self._demo_source is not None

    # --- which accounts -------------------------------------------------------------------

    def configured_ids(self) -> list[str]:
        """The explicit account list of the configuration ([aws] accounts); empty if 'all'/unset."""
        text = self._operations.accounts
        if not text or text == ALL:
            return []
        return [part for part in text.split(",") if part]

    def check_selector(self, selector: str) -> str:
        """'all' or one 12-digit id the bot may audit; InputError (one sentence) otherwise."""
        selector = selector.strip().lower()
        if selector == ALL:
            return ALL
        if not is_account_id(selector):
            raise InputError(
                f"{selector!r} is not an account: give a 12-digit AWS account id or `all`"
            )
        if self.demo and selector != self._demo_account_id:
            raise InputError(
                f"The demo organization has one account, {self._demo_account_id}; without"
                " IAM_AUDIT_DEMO the bot audits real member accounts through its role."
            )
        configured = self.configured_ids()
        if configured and selector not in configured:
            raise InputError(
                f"Account {selector} is not among the configured accounts"
                f" ({', '.join(configured)})."
            )
        return selector

    def resolve(self, selector: str) -> list[str]:
        """The accounts behind a checked selector; 'all' may call Organizations ListAccounts."""
        if selector != ALL:
            return [selector]
        if self.demo:
            return [self._demo_account_id]
        configured = self.configured_ids()
        if configured:
            return configured
        return active_account_ids(self._hub())  # as the CLI: none is an error

    # --- per-account pipelines --------------------------------------------------------------

    def _hub(self) -> Session:
        with self._guard:
            if self._session is None:
                self._session = self._session_factory()
            return self._session

    def _role(self) -> RoleAssumer:
        hub = self._hub()
        with self._guard:
            if self._assumer is None:
                options = AssumeRoleOptions(
                    role_name=self._operations.org_role_name,
                    external_id=self._operations.external_id,
                )
                self._assumer = RoleAssumer(hub, options)
            return self._assumer

    def _policy_reader(self) -> OrganizationPolicyReader:
        """The hub's reader of SCPs and RCPs, renewed after ORGANIZATION_POLICY_READER_SECONDS
        (policies change)."""
        hub = self._hub()
        now = self._clock()
        with self._guard:
            current = self._reader_since
            if (
                current is None
                or (now - current[1]).total_seconds() >= ORGANIZATION_POLICY_READER_SECONDS
            ):
                current = (hub_reader(hub), now)
                self._reader_since = current
            return current[0]

    def _source_for(self, account_id: str) -> SnapshotSource:
        if self._demo_source is not None:
            return self._demo_source

        def collect(now: datetime) -> AccountSnapshot:
            snapshot = self._collect(self._role().session_for(account_id), account_id, now)
            if snapshot.account_id and snapshot.account_id != account_id:
                raise IamAuditError(
                    f"the role for {account_id} led into account {snapshot.account_id};"
                    " check the member role's configuration"
                )
            # SCPs and RCPs are readable only from the management account or a delegated
            # administrator: the hub, not the member's role.
            return self._policy_reader().read(account_id).apply_to(snapshot)

        return collect

    def audits_for(self, account_id: str) -> AccountAudits:
        """The cached pipeline of one member account (its report cache is keyed by the id)."""
        with self._guard:
            audits = self._members.get(account_id)
            if audits is None:
                audits = AccountAudits(
                    target=account_id,
                    source=self._source_for(account_id),
                    store=self._store,
                    config=self._config,
                    clock=self._clock,
                    ttl_seconds=self._ttl,
                    after_audit=[lambda _result, a=account_id: self._index_add([a])],
                    auditor=self._auditor,
                )
                self._members[account_id] = audits
            return audits

    def validate_checks(self, only: Iterable[str]) -> None:
        """Fail fast (InputError) on unknown check ids, before anything is queued."""
        select_checks(list(only), self._config)

    # --- many accounts ------------------------------------------------------------------------

    def run_all(
        self,
        account_ids: list[str],
        *,
        only: frozenset[str] = frozenset(),
        progress: AccountProgress = lambda _done, _total: None,
        reuse_since: datetime | None = None,
    ) -> OrganizationRun:
        """Audit every account, at most account_workers at once; failures become entries."""
        total = len(account_ids)
        done = 0
        tally = threading.Lock()

        def work(account_id: str) -> AuditResult:
            nonlocal done
            try:
                return self._audit_locked(account_id, only, reuse_since)
            finally:
                with tally:  # serialised, so "4/12" never overtakes "3/12"
                    done += 1
                    try:
                        progress(done, total)
                    except Exception:  # a failed progress update must not fail the account
                        log.exception("progress update after %s failed", account_id)

        outcomes = fan_out(account_ids, work, max_workers=self._operations.account_workers)
        reports: list[Report] = []
        failures: list[AccountFailure] = []
        report_ids: dict[str, str] = {}
        saved_at: dict[str, datetime] = {}
        for outcome in outcomes:
            if outcome.value is None:
                failures.append(AccountFailure(outcome.account_id, outcome.error, outcome.code))
                continue
            result = outcome.value
            reports.append(result.report)
            report_ids[result.report.account_id] = result.report_id
            saved_at[result.report.account_id] = result.saved_at
        multi = combine(reports, failures, generated_at=self._clock())
        return OrganizationRun(multi, report_ids, saved_at)

    def _audit_locked(
        self, account_id: str, only: frozenset[str], reuse_since: datetime | None
    ) -> AuditResult:
        """Take the account's audit lock (shared with single-account audits), then run."""
        audits = self.audits_for(account_id)
        name = lock_name(account_id)
        token = f"{self._owner}:{uuid.uuid4().hex[:8]}"
        started = self._clock()
        waited = False
        deadline = time.monotonic() + self._lock_ttl * LOCK_WAIT_TTLS  # the holder renews it
        while not self._store.acquire_lock(name, token, self._lock_ttl):
            if time.monotonic() > deadline:
                raise IamAuditError(
                    f"another audit of account {account_id} has held the lock too long"
                )
            waited = True
            self._sleep(self._poll)
        try:
            # Another audit of this account just finished: its report answers us too.
            since = started if waited else reuse_since
            with kept_alive(self._store, name, token, self._lock_ttl):
                return audits.run(lambda _stage: None, since, only)
        finally:
            try:
                self._store.release_lock(name, token)
            except StoreError as exc:  # its TTL frees it anyway
                log.error("could not release %s: %s", name, exc)

    # --- reading back ----------------------------------------------------------------------

    def report(self, report_id: str) -> tuple[Report, StoredReport] | None:
        """A cached member-account report by id (None: unknown, expired, or not a member's)."""
        stored = self._store.get_report(report_id)
        if stored is None or not is_account_id(stored.account_id):
            return None
        return self.audits_for(stored.account_id).report(report_id)

    def indexed_accounts(self) -> list[str]:
        stored = self._store.latest_report(INDEX_TARGET)
        if stored is None or stored.data.get("schema") != INDEX_SCHEMA:
            return []
        return [a for a in stored.data.get("accounts", []) if isinstance(a, str)]

    def cached(self) -> list[CachedAccount]:
        """The latest cached report of every member account audited before (expired ones drop)."""
        found = []
        for account_id in self.indexed_accounts():
            latest = self.audits_for(account_id).latest()
            if latest is not None:
                found.append(CachedAccount(account_id, latest[0], latest[1]))
        return found

    def _index_add(self, account_ids: list[str]) -> None:
        accounts = sorted(set(self.indexed_accounts()) | set(account_ids))
        now = self._clock()
        self._store.save_report(
            report_id=f"{INDEX_TARGET}-{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}",
            account_id=INDEX_TARGET,
            data={"schema": INDEX_SCHEMA, "accounts": accounts},
            saved_at=now,
            ttl_seconds=self._ttl,
        )


def organization_job_key(selector: str) -> str:
    """The AuditJobs key of a whole-organization run; a single account uses its own id."""
    return ORG_JOB_PREFIX + selector


_BUILD_GUARD = threading.Lock()


def organization_of(services: Any) -> OrganizationAudits:
    """The Services' OrganizationAudits, built from Settings on first use (tests inject one)."""
    with _BUILD_GUARD:
        existing = getattr(services, "organization", None)
        if existing is not None:
            return existing
        built = build_organization(services)
        services.organization = built
        return built


def build_organization(
    services: Any,
    *,
    session: Callable[[], Session] | None = None,
    collect: MemberCollector = default_member_collector,
    demo_source: SnapshotSource | None = None,
    sleep: Callable[[float], None] = time.sleep,
    lock_poll_seconds: float = 1.0,
) -> OrganizationAudits:
    """Wire from Services: its store, audit config and clock; the hub session from Settings."""
    from bot.runtime.services import audit_config, default_snapshot_source  # noqa: PLC0415 - no cycle

    settings = services.settings

    def hub() -> Session:
        from bot.aws.session import make_session  # noqa: PLC0415 - boto3 only when used

        return make_session(
            profile=settings.aws_profile or None, region=settings.aws_region or None
        )

    demo_account = ""
    if settings.demo:
        demo_source = demo_source or default_snapshot_source(settings)
        from bot.aws.demo import DEMO_ACCOUNT_ID  # noqa: PLC0415 - a constant

        demo_account = DEMO_ACCOUNT_ID
    return OrganizationAudits(
        operations=settings.operations,
        session=session or hub,
        store=services.store,
        config=audit_config(settings),
        clock=services.clock,
        ttl_seconds=settings.report_ttl_seconds,
        lock_ttl_seconds=settings.lock_ttl_seconds,
        sleep=sleep,
        lock_poll_seconds=lock_poll_seconds,
        collect=collect,
        demo_source=demo_source if settings.demo else None,
        demo_account_id=demo_account,
        auditor=getattr(services, "auditor", None) or inline_auditor,
    )


def digest_accounts(services: Any) -> list[AccountAudits]:
    """What the scheduled digest covers: the bot's own account, plus each member account named
    in the configuration ([aws] accounts = "id,id"), so the digest summarises across them.

    `all` is not expanded here: that would call Organizations at start; name the accounts.
    """
    organization = organization_of(services)
    members = [organization.audits_for(a) for a in organization.configured_ids()]
    return [services.audits, *[m for m in members if m.target != services.audits.target]]
