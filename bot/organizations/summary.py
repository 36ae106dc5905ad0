"""Many accounts at once: per-account reports and failures folded into one summary (pure).

The CLI's `--accounts`, the digests and App Home all need the same view: which accounts were
audited, which could not be, and where the worst findings are. Time comes in as ``generated_at``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.audit.findings import SEVERITIES_WORST_FIRST, Severity
from bot.audit.report import Report
from bot.model.errors import InputError

MULTI_REPORT_SCHEMA = "iam-audit/multi-report/1"


@dataclass(frozen=True, slots=True)
class AccountFailure:
    """An account that produced no report, and the one sentence saying why."""

    account_id: str
    message: str
    code: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"account_id": self.account_id, "message": self.message, "code": self.code}


@dataclass(frozen=True, slots=True)
class AccountLine:
    """One row of the cross-account table."""

    account_id: str
    counts: dict[str, int]
    worst: Severity | None
    errors: int


@dataclass(frozen=True, slots=True)
class MultiAccountReport:
    generated_at: datetime
    reports: tuple[Report, ...]
    failures: tuple[AccountFailure, ...] = ()

    @property
    def accounts(self) -> tuple[str, ...]:
        return tuple(sorted({r.account_id for r in self.reports} | self.failed_accounts))

    @property
    def failed_accounts(self) -> set[str]:
        return {f.account_id for f in self.failures}

    def totals(self) -> dict[str, int]:
        """Findings by severity summed over every audited account."""
        totals = {s.value: 0 for s in SEVERITIES_WORST_FIRST}
        for report in self.reports:
            for severity, count in report.summary().items():
                totals[severity] += count
        return totals

    def worst_severity(self) -> Severity | None:
        found = [s for r in self.reports if (s := r.worst_severity()) is not None]
        return max(found, key=lambda s: s.rank, default=None)

    def lines(self) -> list[AccountLine]:
        """Accounts worst first: by worst severity, then by count at each severity."""
        rows = [
            AccountLine(r.account_id, r.summary(), r.worst_severity(), len(r.errors))
            for r in self.reports
        ]

        def weight(row: AccountLine) -> tuple[Any, ...]:
            rank = row.worst.rank if row.worst else -1
            counts = tuple(row.counts.get(s.value, 0) for s in SEVERITIES_WORST_FIRST)
            return (-rank, *(-c for c in counts), row.account_id)

        return sorted(rows, key=weight)

    def summary(self) -> dict[str, Any]:
        worst = self.worst_severity()
        return {
            "accounts": len(self.accounts),
            "audited": len(self.reports),
            "failed": len(self.failures),
            "findings": self.totals(),
            "worst_severity": worst.value if worst else None,
            "by_account": [
                {
                    "account_id": row.account_id,
                    "findings": row.counts,
                    "worst_severity": row.worst.value if row.worst else None,
                    "errors": row.errors,
                }
                for row in self.lines()
            ],
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": MULTI_REPORT_SCHEMA,
            "generated_at": self.generated_at.isoformat(),
            "summary": self.summary(),
            "failures": [f.to_dict() for f in self.failures],
            "reports": [r.to_dict() for r in self.reports],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MultiAccountReport:
        from bot.model.snapshot import parse_aws_time  # noqa: PLC0415 - keeps imports minimal

        if not isinstance(data, dict) or data.get("schema") != MULTI_REPORT_SCHEMA:
            raise InputError(f"not a multi-account report (expected {MULTI_REPORT_SCHEMA!r})")
        try:
            return cls(
                generated_at=parse_aws_time(data["generated_at"]),  # type: ignore[arg-type]
                reports=tuple(Report.from_dict(r) for r in data["reports"]),
                failures=tuple(AccountFailure(**f) for f in data.get("failures", [])),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"multi-account report is malformed: {exc}") from exc


def combine(
    reports: Iterable[Report],
    failures: Iterable[AccountFailure] = (),
    *,
    generated_at: datetime,
) -> MultiAccountReport:
    """One view over many accounts; reports come out ordered by account id."""
    ordered = tuple(sorted(reports, key=lambda r: r.account_id))
    seen = [r.account_id for r in ordered]
    if len(seen) != len(set(seen)):
        raise InputError("an account appears twice among the reports")
    return MultiAccountReport(
        generated_at=generated_at,
        reports=ordered,
        failures=tuple(sorted(failures, key=lambda f: f.account_id)),
    )


def summary_text(multi: MultiAccountReport) -> str:
    """A plain-text table for terminals and logs: one line per account, failures last."""
    order = [s.value for s in SEVERITIES_WORST_FIRST]
    header = f"{'account':<14}" + "".join(f"{name:>10}" for name in order) + "  worst"
    lines = [
        f"Summary across {len(multi.accounts)} accounts:"
        f" {len(multi.reports)} audited, {len(multi.failures)} failed",
        header,
    ]
    for row in multi.lines():
        cells = "".join(f"{row.counts.get(name, 0):>10}" for name in order)
        worst = row.worst.value if row.worst else "-"
        errors = f" ({row.errors} errors)" if row.errors else ""
        lines.append(f"{row.account_id:<14}{cells}  {worst}{errors}")
    totals = multi.totals()
    lines.append(f"{'total':<14}" + "".join(f"{totals[name]:>10}" for name in order))
    for failure in multi.failures:
        lines.append(f"{failure.account_id:<14}NOT AUDITED: {failure.message}")
    return "\n".join(lines) + "\n"
