"""What one digest says: the delta since the previous digest and the state of things (pure).

Everything the digest shows is computed here from plain data (two reports, a snapshot, counts);
the Slack layer only lays it out and the runner only fetches and posts, so the content is tested
without Slack, Redis or a clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.audit.diff import ReportDiff, diff_reports
from bot.audit.findings import SEVERITIES_WORST_FIRST, Finding
from bot.audit.report import Report
from bot.model.snapshot import AccountSnapshot, parse_aws_time
from bot.render.grammar import plural

TOP_RISKS = 5
RIGHTSIZING_CHECK = "principal.unused_services"
HISTORY_LENGTH = 30  # digests the trend chart covers


@dataclass(frozen=True, slots=True)
class MfaCoverage:
    """MFA among IAM users (root excluded), from the credential report."""

    users: int
    users_with_mfa: int
    console_users: int
    console_users_with_mfa: int
    without_mfa: tuple[str, ...] = ()
    known: bool = True  # False: the snapshot had no credential report

    @property
    def percent(self) -> float | None:
        return None if not self.users else 100.0 * self.users_with_mfa / self.users

    @property
    def console_percent(self) -> float | None:
        if not self.console_users:
            return None
        return 100.0 * self.console_users_with_mfa / self.console_users


def mfa_coverage(snapshot: AccountSnapshot | None) -> MfaCoverage:
    rows = snapshot.credential_report if snapshot is not None else None
    if rows is None:
        return MfaCoverage(0, 0, 0, 0, known=False)
    users = [r for r in rows if not r.is_root]
    console = [r for r in users if r.flag("password_enabled")]
    return MfaCoverage(
        users=len(users),
        users_with_mfa=sum(1 for r in users if r.flag("mfa_active")),
        console_users=len(console),
        console_users_with_mfa=sum(1 for r in console if r.flag("mfa_active")),
        without_mfa=tuple(sorted(r.user for r in users if not r.flag("mfa_active"))),
    )


@dataclass(frozen=True, slots=True)
class ApprovalCounts:
    """Approval requests waiting now, those decided since the previous digest by outcome, and
    those that lapsed since then (nobody decided before they expired): a team whose requests all
    lapse would otherwise read "decided: none" every morning."""

    pending: int = 0
    decided: Mapping[str, int] = field(default_factory=dict)
    known: bool = True  # False: the approvals store was not available
    lapsed: int = 0  # pending requests written down as expired since the previous digest

    @property
    def decided_total(self) -> int:
        return sum(self.decided.values())


@dataclass(frozen=True, slots=True)
class CampaignProgress:
    """The MFA campaign's state as the digest reports it."""

    enrolled: int
    remaining: int
    unmapped: int  # users without MFA we could not find in Slack
    deadline: datetime
    proposed: bool = False  # the enforcement approval was requested

    @property
    def total(self) -> int:
        return self.enrolled + self.remaining


@dataclass(frozen=True, slots=True)
class DigestSummary:
    """One past digest as the trend chart needs it: when, and open findings by severity."""

    at: datetime
    counts: Mapping[str, int]
    report_id: str = ""

    def total(self) -> int:
        return sum(self.counts.values())

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "counts": dict(self.counts), "report_id": self.report_id}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DigestSummary:
        at = parse_aws_time(str(data.get("at", "")))
        if at is None:
            raise ValueError(f"digest summary without a time: {data!r}")
        counts = {str(k): int(v) for k, v in dict(data.get("counts") or {}).items()}
        return cls(at, counts, str(data.get("report_id", "")))


@dataclass(frozen=True, slots=True)
class Digest:
    account_id: str
    slot: str  # the schedule slot (ISO time) or "manual:<time>"
    generated_at: datetime
    report: Report
    report_id: str
    previous_at: datetime | None
    diff: ReportDiff
    mfa: MfaCoverage
    approvals: ApprovalCounts
    top_risks: tuple[Finding, ...]
    campaign: CampaignProgress | None = None
    errors: int = 0  # checks that failed in this audit
    scp_change: str = ""  # how the SCPs applied differ from the previous audit's (see below)

    @property
    def open_by_severity(self) -> dict[str, int]:
        return self.diff.open_by_severity()

    @property
    def quiet(self) -> bool:
        """Nothing new, nothing resolved, nothing re-rated: the one-line "all quiet" day."""
        return not self.diff.first and self.diff.empty

    def summary(self) -> DigestSummary:
        return DigestSummary(self.generated_at, self.open_by_severity, self.report_id)

    @property
    def rightsizing(self) -> tuple[int, int]:
        """(principals, services that could go) from principal.unused_services findings."""
        found = [f for f in self.report.findings if f.check_id == RIGHTSIZING_CHECK]
        services = sum(len(f.evidence.get("unused_services") or ()) for f in found)
        return len(found), services

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of `iam-audit digest --format json`."""
        return {
            "schema": "iam-audit/digest/1",
            "account_id": self.account_id,
            "slot": self.slot,
            "generated_at": self.generated_at.isoformat(),
            "report_id": self.report_id,
            "previous_at": self.previous_at.isoformat() if self.previous_at else None,
            "first": self.diff.first,
            "quiet": self.quiet,
            "new": [f.to_dict() for f in self.diff.new],
            "resolved": [f.to_dict() for f in self.diff.resolved],
            "severity_changes": [
                {
                    "check_id": c.finding.check_id,
                    "resource_arn": c.finding.resource_arn,
                    "before": c.before.value,
                    "after": c.finding.severity.value,
                }
                for c in self.diff.severity_changes
            ],
            "unchanged": len(self.diff.unchanged),
            "open_by_severity": self.open_by_severity,
            "mfa": {
                "known": self.mfa.known,
                "users": self.mfa.users,
                "users_with_mfa": self.mfa.users_with_mfa,
                "console_users": self.mfa.console_users,
                "console_users_with_mfa": self.mfa.console_users_with_mfa,
                "without_mfa": list(self.mfa.without_mfa),
            },
            "approvals": {
                "known": self.approvals.known,
                "pending": self.approvals.pending,
                "decided": dict(self.approvals.decided),
                "lapsed": self.approvals.lapsed,
            },
            "top_risks": [f.to_dict() for f in self.top_risks],
            "campaign": (
                {
                    "enrolled": self.campaign.enrolled,
                    "remaining": self.campaign.remaining,
                    "unmapped": self.campaign.unmapped,
                    "deadline": self.campaign.deadline.isoformat(),
                    "proposed": self.campaign.proposed,
                }
                if self.campaign
                else None
            ),
            "errors": self.errors,
            "scp_change": self.scp_change or None,
            "rightsizing": dict(zip(("principals", "services"), self.rightsizing, strict=True)),
        }


def top_risks(diff: ReportDiff, limit: int = TOP_RISKS) -> tuple[Finding, ...]:
    """The worst open findings; among equals the new ones first, since they are the news."""
    new_keys = {f.key for f in diff.new}
    open_findings = [*diff.new, *diff.unchanged]
    ranked = sorted(
        open_findings,
        key=lambda f: (-f.severity.rank, f.key not in new_keys, f.check_id, f.resource_arn),
    )
    return tuple(ranked[:limit])


def build_digest(
    *,
    current: Report,
    report_id: str,
    previous: Report | None,
    previous_at: datetime | None,
    slot: str,
    now: datetime,
    snapshot: AccountSnapshot | None,
    approvals: ApprovalCounts,
    campaign: CampaignProgress | None = None,
) -> Digest:
    diff = diff_reports(previous, current)
    return Digest(
        account_id=current.account_id,
        slot=slot,
        generated_at=now,
        report=current,
        report_id=report_id,
        previous_at=previous_at,
        diff=diff,
        mfa=mfa_coverage(snapshot),
        approvals=approvals,
        top_risks=top_risks(diff),
        campaign=campaign,
        errors=len(current.errors),
        scp_change=scp_change(previous, current),
    )


def scp_change(previous: Report | None, current: Report) -> str:
    """Why findings may have come or gone with no change in IAM: the SCPs (principal findings)
    or the RCPs (role trust findings) applied differ from the previous audit's (read one day,
    unreadable the next, or changed by the organization). '' when they are the same."""
    if previous is None:
        return ""
    sentences = [
        _policies_change(
            _applied(previous.extra.get(key)), _applied(current.extra.get(key)), kind, findings
        )
        for key, kind, findings in (
            ("service_control_policies", "SCPs", "principal findings"),
            ("resource_control_policies", "RCPs", "role trust findings"),
        )
    ]
    return " ".join(sentence for sentence in sentences if sentence)


def _policies_change(
    before: tuple[str, ...] | None, after: tuple[str, ...] | None, kind: str, findings: str
) -> str:
    if before == after:
        return ""
    if after is None:
        return (
            f"The {kind} applied last time could not be read this time: new {findings} "
            "may be what they refuse."
        )
    if before is None:
        return f"{kind} are applied since this audit: {findings} they refuse are gone."
    return (
        f"The {kind} applied changed ({len(before)} -> {len(after)}): {findings} came or went "
        "with them."
    )


def _applied(summary: object) -> tuple[str, ...] | None:
    """The policies a report's SCP or RCP summary says were applied; None when they were not
    known."""
    if not isinstance(summary, dict) or not summary.get("known"):
        return None
    return tuple(str(name) for name in summary.get("applied") or ())


def trend(
    history: Sequence[DigestSummary], current: DigestSummary | None = None
) -> list[DigestSummary]:
    """The last HISTORY_LENGTH digests oldest first (history comes newest first, as stored)."""
    points = list(reversed(list(history)))
    if current is not None:
        points.append(current)
    return points[-HISTORY_LENGTH:]


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}%"


TEXT_LIST = 20


def _listed(mark: str, findings: Sequence[Finding]) -> list[str]:
    lines = [
        f"  {mark} [{f.severity.value}] {f.title} ({f.resource_arn})" for f in findings[:TEXT_LIST]
    ]
    if len(findings) > TEXT_LIST:
        lines.append(f"  ... and {len(findings) - TEXT_LIST} more (see --format json)")
    return lines


def digest_text(digest: Digest) -> str:
    """Plain text of the digest (the CLI prints it; also the basis of the Slack fallback)."""
    if digest.quiet:
        return (
            f"IAM digest for account {digest.account_id} ({digest.generated_at:%Y-%m-%d %H:%M}"
            " UTC): no change since the previous digest."
        )
    lines = [
        f"IAM digest for account {digest.account_id} ({digest.generated_at:%Y-%m-%d %H:%M} UTC)"
    ]
    if digest.diff.first:
        lines.append("First digest: every open finding is listed as new.")
    lines.append(f"New: {len(digest.diff.new)}  Resolved: {len(digest.diff.resolved)}")
    lines += _listed("+", digest.diff.new)
    lines += _listed("-", digest.diff.resolved)
    for change in digest.diff.severity_changes[:TEXT_LIST]:
        lines.append(
            f"  ~ {change.finding.title}: {change.before.value} -> "
            f"{change.finding.severity.value} ({change.finding.resource_arn})"
        )
    counts = digest.open_by_severity
    lines.append(
        "Open: " + ", ".join(f"{s.value} {counts[s.value]}" for s in SEVERITIES_WORST_FIRST)
    )
    if digest.mfa.known:
        lines.append(
            f"MFA: {digest.mfa.users_with_mfa}/{digest.mfa.users} users"
            f" ({_pct(digest.mfa.percent)}),"
            f" console {digest.mfa.console_users_with_mfa}/{digest.mfa.console_users}"
            f" ({_pct(digest.mfa.console_percent)})"
        )
    else:
        lines.append("MFA: unknown (no credential report)")
    if digest.approvals.known:
        decided = ", ".join(f"{k} {v}" for k, v in sorted(digest.approvals.decided.items()))
        lapsed = f"; lapsed {digest.approvals.lapsed}" if digest.approvals.lapsed else ""
        lines.append(
            f"Approvals: {digest.approvals.pending} pending; decided since last digest:"
            f" {decided or 'none'}{lapsed}"
        )
    if digest.campaign is not None:
        c = digest.campaign
        lines.append(
            f"MFA campaign: {c.enrolled}/{c.total} enrolled, {c.remaining} to go"
            f" (deadline {c.deadline:%Y-%m-%d}){', enforcement proposed' if c.proposed else ''}"
            + (f"; {c.unmapped} not found in Slack" if c.unmapped else "")
        )
    principals, services = digest.rightsizing
    if principals:
        lines.append(
            f"Right-sizing opportunities: {plural(principals, 'principal')},"
            f" {plural(services, 'unused service')}"
            " could go (`/iam-audit rightsize user|role/NAME`)"
        )
    if digest.top_risks:
        lines.append("Top risks:")
        for finding in digest.top_risks:
            lines.append(f"  [{finding.severity.value}] {finding.title} ({finding.resource_arn})")
    if digest.errors:
        lines.append(f"{plural(digest.errors, 'check')} could not run; see the full report.")
    if digest.scp_change:
        lines.append(digest.scp_change)
    return "\n".join(lines)


# --- many accounts ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountDelta:
    """One account's line in a cross-account digest."""

    account_id: str
    new: int
    resolved: int
    open_by_severity: Mapping[str, int]
    first: bool = False
    errors: int = 0

    @property
    def worst(self) -> Any:
        """The worst severity still open (a Severity), or None when nothing is open."""
        for severity in SEVERITIES_WORST_FIRST:
            if self.open_by_severity.get(severity.value, 0):
                return severity
        return None


@dataclass(frozen=True, slots=True)
class CrossAccountDigest:
    """What changed across every account of one digest run, accounts worst first."""

    generated_at: datetime
    slot: str
    accounts: tuple[AccountDelta, ...]

    @property
    def new_total(self) -> int:
        return sum(a.new for a in self.accounts)

    @property
    def resolved_total(self) -> int:
        return sum(a.resolved for a in self.accounts)

    def totals(self) -> dict[str, int]:
        """Open findings by severity summed over the accounts."""
        totals = {s.value: 0 for s in SEVERITIES_WORST_FIRST}
        for account in self.accounts:
            for name in totals:
                totals[name] += int(account.open_by_severity.get(name, 0))
        return totals

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "iam-audit/digest-accounts/1",
            "generated_at": self.generated_at.isoformat(),
            "slot": self.slot,
            "new": self.new_total,
            "resolved": self.resolved_total,
            "open_by_severity": self.totals(),
            "accounts": [
                {
                    "account_id": a.account_id,
                    "new": a.new,
                    "resolved": a.resolved,
                    "open_by_severity": dict(a.open_by_severity),
                    "first": a.first,
                    "errors": a.errors,
                }
                for a in self.accounts
            ],
        }


def cross_account_digest(digests: Sequence[Digest], *, now: datetime) -> CrossAccountDigest:
    """Fold per-account digests into one summary; the account with the worst open findings first."""
    rows = [
        AccountDelta(
            account_id=d.account_id,
            new=len(d.diff.new),
            resolved=len(d.diff.resolved),
            open_by_severity=d.open_by_severity,
            first=d.diff.first,
            errors=d.errors,
        )
        for d in digests
    ]

    def weight(row: AccountDelta) -> tuple[Any, ...]:
        counts = tuple(-int(row.open_by_severity.get(s.value, 0)) for s in SEVERITIES_WORST_FIRST)
        return (*counts, -row.new, row.account_id)

    slot = digests[0].slot if digests else ""
    return CrossAccountDigest(now, slot, tuple(sorted(rows, key=weight)))


def cross_account_text(summary: CrossAccountDigest) -> str:
    """Plain text of the cross-account digest (the CLI prints it before each account's digest)."""
    order = [s.value for s in SEVERITIES_WORST_FIRST]
    lines = [
        f"IAM digest across {len(summary.accounts)} accounts"
        f" ({summary.generated_at:%Y-%m-%d %H:%M} UTC): {summary.new_total} new,"
        f" {summary.resolved_total} resolved",
        f"{'account':<22}{'new':>6}{'resolved':>10}" + "".join(f"{n:>10}" for n in order),
    ]
    for row in summary.accounts:
        cells = "".join(f"{int(row.open_by_severity.get(n, 0)):>10}" for n in order)
        new = "first" if row.first else str(row.new)
        lines.append(f"{row.account_id:<22}{new:>6}{row.resolved:>10}{cells}")
    totals = summary.totals()
    lines.append(
        f"{'total':<22}{summary.new_total:>6}{summary.resolved_total:>10}"
        + "".join(f"{totals[n]:>10}" for n in order)
    )
    return "\n".join(lines)
