"""Test doubles of the digest tests: reports made to order, an audits stand-in, a fake poster."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.audit.findings import Finding, Severity
from bot.audit.report import Report
from bot.digest.run import Attachment
from bot.model.errors import DeliveryError
from bot.model.snapshot import AccountSnapshot
from bot.runs.account_audits import AuditResult, CachedSnapshot
from tests.factories import ACCOUNT_ID, NOW, credential_row, user, user_arn


def finding(
    check_id: str = "user.console_without_mfa",
    name: str = "alice",
    severity: Severity = Severity.HIGH,
    title: str = "",
) -> Finding:
    return Finding(
        check_id=check_id,
        severity=severity,
        resource_arn=user_arn(name),
        resource_type="AWS::IAM::User",
        title=title or f"{check_id} on {name}",
        detail="detail",
    )


def report(*findings: Finding, at: datetime = NOW) -> Report:
    return Report(account_id=ACCOUNT_ID, generated_at=at, source="snapshot", findings=findings)


def snapshot(mfa: dict[str, bool] | None = None, at: datetime = NOW) -> AccountSnapshot:
    rows = tuple(credential_row(n, password=True, mfa=m) for n, m in (mfa or {}).items())
    return AccountSnapshot(
        account_id=ACCOUNT_ID, collected_at=at, source="snapshot", credential_report=rows
    )


class FakeAudits:
    """Stands in for AccountAudits: each run returns the next report of a script."""

    def __init__(
        self, reports: list[Report], snap: AccountSnapshot | None = None, target: str = "acct"
    ) -> None:
        self.target = target
        self._reports = list(reports)
        self._snapshot = snap or snapshot({"alice": True, "bob": False})
        self.runs = 0
        self._lock = threading.Lock()

    def run(self, progress, reuse_since, only=frozenset()) -> AuditResult:
        with self._lock:
            report = self._reports[min(self.runs, len(self._reports) - 1)]
            self.runs += 1
            number = self.runs
        progress("collecting")
        return AuditResult(f"r{number}", report, report.generated_at)

    def snapshot(self) -> CachedSnapshot:
        return CachedSnapshot(self._snapshot, NOW)


@dataclass
class FakePoster:
    """Records what would go to Slack; can be told to fail."""

    messages: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    attachments: list[tuple[str, str, list[Attachment], str]] = field(default_factory=list)
    fail_post: Exception | None = None
    fail_attach: Exception | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def post_message(self, channel: str, message: dict[str, Any]) -> str:
        if self.fail_post:
            raise self.fail_post
        with self._lock:
            self.messages.append((channel, message))
            return f"1700000000.{len(self.messages):06d}"

    def attach(self, channel: str, thread_ts: str, attachments: list[Attachment], comment: str):
        if self.fail_attach:
            raise self.fail_attach
        with self._lock:
            self.attachments.append((channel, thread_ts, attachments, comment))


def campaign_account(mfa: set[str] = frozenset()) -> AccountSnapshot:
    """alice: tagged with her Slack id; bob: tagged with an email; carol: no tag (unreachable);
    dave: access keys only (never in the campaign); erin: has MFA."""
    users = (
        user("alice", tags={"slack-user-id": "UALICE"}),
        user("bob", tags={"email": "bob@example.com"}),
        user("carol", tags={"team": "<!channel>"}),
        user("dave"),
        user("erin"),
    )
    rows = (
        credential_row("alice", password=True, mfa="alice" in mfa),
        credential_row("bob", password=True, mfa="bob" in mfa),
        credential_row("carol", password=True, mfa="carol" in mfa),
        credential_row("dave", password=False, mfa=False),
        credential_row("erin", password=True, mfa=True),
    )
    return AccountSnapshot(
        account_id=ACCOUNT_ID,
        collected_at=NOW,
        source="snapshot",
        users=users,
        credential_report=rows,
    )


class CampaignSlack:
    """DMs and users.lookupByEmail as the campaign runner sees them."""

    def __init__(self) -> None:
        self.dms: list[tuple[str, dict]] = []
        self.lookups: list[str] = []
        self.directory = {"bob@example.com": "UBOB"}
        self.fail_for: set[str] = set()

    def direct_message(self, user_id: str, message: dict) -> str:
        if user_id in self.fail_for:
            raise DeliveryError(
                "Slack refused chat_postMessage: user_disabled", slack_error="user_disabled"
            )
        self.dms.append((user_id, message))
        return "1.1"

    def lookup_email(self, email: str) -> str | None:
        self.lookups.append(email)
        return self.directory.get(email)
