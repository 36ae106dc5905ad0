"""Folding many accounts' reports into one view (pure: plain reports in, plain data out)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.audit.findings import Finding, Severity
from bot.audit.report import Report
from bot.model.errors import InputError
from bot.organizations.summary import (
    MULTI_REPORT_SCHEMA,
    AccountFailure,
    MultiAccountReport,
    combine,
    summary_text,
)

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def finding(severity: Severity, name: str = "x") -> Finding:
    return Finding(
        check_id="user.example",
        severity=severity,
        resource_arn=f"arn:aws:iam::111122223333:user/{name}",
        resource_type="user",
        title="t",
        detail="d",
    )


def report(account: str, *severities: Severity) -> Report:
    return Report(
        account_id=account,
        generated_at=NOW,
        source="aws",
        findings=tuple(finding(s, f"u{i}") for i, s in enumerate(severities)),
        checks=("user.example",),
    )


def test_totals_and_worst_account_first() -> None:
    multi = combine(
        [
            report("222222222222", Severity.LOW, Severity.LOW),
            report("111111111111", Severity.HIGH),
            report("333333333333", Severity.HIGH, Severity.HIGH),
            report("444444444444"),
        ],
        [AccountFailure("555555555555", "cannot assume the role", "AccessDenied")],
        generated_at=NOW,
    )
    assert multi.totals()["high"] == 3
    assert multi.totals()["low"] == 2
    assert multi.worst_severity() is Severity.HIGH
    assert [line.account_id for line in multi.lines()] == [
        "333333333333",  # two highs beat one high
        "111111111111",
        "222222222222",
        "444444444444",  # clean accounts last
    ]
    summary = multi.summary()
    assert summary["accounts"] == 5
    assert summary["audited"] == 4
    assert summary["failed"] == 1
    assert summary["worst_severity"] == "high"


def test_json_round_trip_keeps_every_report_and_failure() -> None:
    multi = combine(
        [report("111111111111", Severity.CRITICAL)],
        [AccountFailure("222222222222", "denied", "AccessDenied")],
        generated_at=NOW,
    )
    data = multi.to_dict()
    assert data["schema"] == MULTI_REPORT_SCHEMA
    again = MultiAccountReport.from_dict(data)
    assert again.to_dict() == data


@pytest.mark.parametrize(
    "data",
    [{"schema": "iam-audit/report/1"}, {"schema": MULTI_REPORT_SCHEMA, "reports": []}, []],
)
def test_malformed_multi_reports_are_refused(data: object) -> None:
    with pytest.raises(InputError):
        MultiAccountReport.from_dict(data)  # type: ignore[arg-type]


def test_an_account_twice_is_refused() -> None:
    with pytest.raises(InputError, match="twice"):
        combine([report("111111111111"), report("111111111111")], generated_at=NOW)


def test_summary_text_lists_accounts_totals_and_failures() -> None:
    text = summary_text(
        combine(
            [report("111111111111", Severity.MEDIUM)],
            [AccountFailure("222222222222", "cannot assume arn:aws:iam::222222222222:role/x")],
            generated_at=NOW,
        )
    )
    lines = text.splitlines()
    assert lines[0] == "Summary across 2 accounts: 1 audited, 1 failed"
    assert lines[2].startswith("111111111111")
    assert lines[2].endswith("medium")
    assert lines[3].startswith("total")
    assert lines[4] == "222222222222  NOT AUDITED: cannot assume arn:aws:iam::222222222222:role/x"


def test_no_accounts_is_an_empty_but_valid_view() -> None:
    multi = combine([], generated_at=NOW)
    assert multi.worst_severity() is None
    assert multi.summary()["accounts"] == 0
    assert "Summary across 0 accounts" in summary_text(multi)
