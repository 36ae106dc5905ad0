"""Audit many accounts: resolve `all` through Organizations, collect in parallel, audit, combine.

The CLI (`iam-audit audit --accounts`), the RQ job functions and the benchmark share this one
pipeline; collection is I/O on a bounded pool, the audit of each snapshot is pure. The service
and resource control policies over each member are read with the hub's session (only the
management account or a delegated administrator may read them) and put into that member's
snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.audit.config import AuditConfig
from bot.audit.engine import run_audit
from bot.aws.organizations import (
    DEFAULT_MAX_WORKERS,
    AssumeRoleOptions,
    active_account_ids,
    collect_accounts,
    parse_account_ids,
)
from bot.aws.service_control_policies import hub_reader
from bot.model.snapshot import AccountSnapshot
from bot.organizations.summary import AccountFailure, MultiAccountReport, combine

ALL_ACCOUNTS = "all"

# A boto3.Session; only bot/aws imports boto3, so the type is named, not imported, here.
Session = Any

Collector = Callable[[Session, str], AccountSnapshot]


@dataclass(frozen=True, slots=True)
class MultiAccountOptions:
    """Which accounts and how: ``accounts`` is 'all' or a comma-separated list of ids."""

    accounts: str = ALL_ACCOUNTS
    role: AssumeRoleOptions = field(default_factory=AssumeRoleOptions)
    max_workers: int = DEFAULT_MAX_WORKERS
    only: Sequence[str] | None = None


def resolve_accounts(session: Session, accounts: str) -> list[str]:
    """'all' -> every ACTIVE account of the organization (none is an error: see
    active_account_ids); else the ids given (validated)."""
    if accounts.strip().lower() == ALL_ACCOUNTS:
        return active_account_ids(session)
    return parse_account_ids(accounts)


def default_collector(now: datetime) -> Collector:
    def collect(session: Session, _account_id: str) -> AccountSnapshot:
        from bot.aws.collect import collect_snapshot  # noqa: PLC0415 - boto3 work only here

        # The member's role cannot read its SCPs and RCPs; audit_accounts reads them from the hub.
        return collect_snapshot(session, now=now, organization_policies=False)

    return collect


def with_hub_organization_policies(collect: Collector, hub: Session) -> Collector:
    """``collect`` with each member's SCPs and RCPs read through the hub's session: only the
    management account or a delegated administrator may read them, not the member's role. One
    reader per call, so the roots, OUs and policies members share are read once."""
    reader = hub_reader(hub)

    def collect_member(member: Session, account_id: str) -> AccountSnapshot:
        return reader.read(account_id).apply_to(collect(member, account_id))

    return collect_member


def audit_accounts(
    session: Session,
    options: MultiAccountOptions,
    *,
    now: datetime,
    config: AuditConfig | None = None,
    collect: Collector | None = None,
    on_accounts: Callable[[int], None] | None = None,
) -> MultiAccountReport:
    """One report per account plus a failure entry for each account that could not be read;
    ``on_accounts`` hears how many accounts were resolved (the CLI's progress display)."""
    account_ids = resolve_accounts(session, options.accounts)
    if on_accounts is not None:
        on_accounts(len(account_ids))
    outcomes = collect_accounts(
        session,
        account_ids,
        collect=with_hub_organization_policies(collect or default_collector(now), session),
        options=options.role,
        max_workers=options.max_workers,
    )
    reports = []
    failures = []
    for outcome in outcomes:
        if outcome.value is None:
            failures.append(AccountFailure(outcome.account_id, outcome.error, outcome.code))
            continue
        reports.append(
            run_audit(
                outcome.value,
                config=config or AuditConfig(),
                now=now,
                only=list(options.only) if options.only else None,
            )
        )
    return combine(reports, failures, generated_at=now)
