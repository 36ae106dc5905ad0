"""Cross-account Block Kit: the org audit result, its progress, App Home and the digest summary."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.audit.findings import Severity
from bot.audit.report import Report
from bot.digest.content import AccountDelta, CrossAccountDigest
from bot.organizations.summary import AccountFailure, combine
from bot.slack.blocks import (
    ACTION_OPEN_ACCOUNT,
    MAX_BLOCKS,
    MAX_VIEW_BLOCKS,
    MESSAGE_TEXT_BUDGET,
    accounts_progress_message,
    counts_text,
    digest_accounts_message,
    multi_account_message,
    text_size,
)
from bot.slack.home import accounts_home_view
from tests.digest_support import finding

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def account_report(account_id: str, *severities: Severity) -> Report:
    findings = tuple(
        finding(name=f"user{index}", severity=severity) for index, severity in enumerate(severities)
    )
    return Report(account_id=account_id, generated_at=NOW, source="live", findings=findings)


def _fits(message: dict, max_blocks: int = MAX_BLOCKS) -> None:
    assert len(message["blocks"]) <= max_blocks
    assert text_size(message["blocks"]) <= MESSAGE_TEXT_BUDGET
    for block in message["blocks"]:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150


def test_cross_account_result_orders_accounts_worst_first_with_totals_and_failures() -> None:
    multi = combine(
        [
            account_report("111111111111", Severity.LOW),
            account_report("222222222222", Severity.CRITICAL, Severity.HIGH),
            account_report("333333333333"),
        ],
        [AccountFailure("444444444444", "cannot assume the role: AccessDenied", "AccessDenied")],
        generated_at=NOW,
    )
    ids = {"111111111111": "r1", "222222222222": "r2", "333333333333": "r3"}
    message = multi_account_message(multi, report_ids=ids, now=NOW + timedelta(minutes=5))
    _fits(message)
    assert message["blocks"][0]["text"]["text"] == "IAM audit: 4 accounts"
    totals = json.dumps(message["blocks"][1])
    assert "*Critical*\\n1" in totals
    assert "*High*\\n1" in totals
    assert "*Low*\\n1" in totals
    rows = [b for b in message["blocks"] if b.get("accessory", {}).get("type") == "button"]
    assert [json.loads(r["accessory"]["value"]) for r in rows] == [
        {"r": "r2"},
        {"r": "r1"},
        {"r": "r3"},
    ]
    assert {r["accessory"]["action_id"] for r in rows} == {ACTION_OPEN_ACCOUNT}
    assert ":red_circle:" in rows[0]["text"]["text"]
    assert "1 critical, 1 high" in rows[0]["text"]["text"]
    assert "no findings" in rows[2]["text"]["text"]
    text = json.dumps(message["blocks"])
    assert "Not audited (1)" in text
    assert "444444444444" in text
    assert "AccessDenied" in text
    assert "3 audited, 1 failed" in text
    assert "4 accounts" in message["text"]
    assert "1 not audited" in message["text"]


def test_failure_messages_from_aws_are_escaped() -> None:
    multi = combine(
        [account_report("111111111111")],
        [AccountFailure("444444444444", "<!channel> & <@U1> broke it")],
        generated_at=NOW,
    )
    text = json.dumps(multi_account_message(multi, report_ids={}, now=NOW)["blocks"])
    assert "<!channel>" not in text
    assert "&lt;!channel&gt; &amp; &lt;@U1&gt;" in text


def test_hundreds_of_accounts_stay_within_slack_limits() -> None:
    reports = [
        account_report(f"{index:012d}", Severity.HIGH, Severity.MEDIUM) for index in range(1, 201)
    ]
    failures = [AccountFailure(f"9{index:011d}", "x" * 400) for index in range(40)]
    multi = combine(reports, failures, generated_at=NOW)
    ids = {r.account_id: f"{r.account_id}-20261130T100000-abcdef" for r in reports}
    message = multi_account_message(multi, report_ids=ids, now=NOW)
    _fits(message)
    text = json.dumps(message["blocks"])
    assert "more accounts" in text  # the rest is in the attached table
    assert "Not audited (40)" in text


def test_progress_message_counts_accounts() -> None:
    message = accounts_progress_message("the organization's accounts", "3/12 accounts audited")
    assert message["text"] == "Auditing the organization's accounts... (3/12 accounts audited)"
    joined = accounts_progress_message("account <x>", "1/2 accounts audited", joined=2)
    text = json.dumps(joined["blocks"])
    assert "2 more requests joined" in text
    assert "account &lt;x&gt;" in text


def test_counts_text_lists_non_zero_severities_worst_first() -> None:
    assert counts_text({"low": 2, "critical": 1, "high": 0}) == "1 critical, 2 low"
    assert counts_text({}) == "no findings"


def test_app_home_lists_each_account_with_age_and_totals() -> None:
    accounts = [
        (account_report("111111111111", Severity.MEDIUM), NOW - timedelta(hours=3)),
        (account_report("222222222222", Severity.CRITICAL), NOW - timedelta(minutes=5)),
    ]
    view = accounts_home_view(accounts=accounts, now=NOW, running=True)
    assert view["type"] == "home"
    assert len(view["blocks"]) <= MAX_VIEW_BLOCKS
    assert view["blocks"][0]["text"]["text"] == "IAM posture: 2 accounts"
    lines = [
        b["text"]["text"]
        for b in view["blocks"]
        if "text" in b and any(a in b["text"]["text"] for a in ("111111111111", "222222222222"))
    ]
    assert len(lines) == 2
    assert "222222222222" in lines[0]
    assert "5 min ago" in lines[0]
    assert "111111111111" in lines[1]
    assert "3 h ago" in lines[1]
    text = json.dumps(view["blocks"])
    assert "2 findings in total" in text
    assert "oldest audit 3 h ago" in text
    assert "An audit is running now" in text


def test_app_home_with_many_accounts_stays_under_the_view_limit() -> None:
    accounts = [(account_report(f"{index:012d}", Severity.LOW), NOW) for index in range(1, 301)]
    view = accounts_home_view(accounts=accounts, now=NOW)
    assert len(view["blocks"]) <= MAX_VIEW_BLOCKS
    assert "more accounts not shown" in json.dumps(view["blocks"])


def test_digest_summary_shows_per_account_delta_and_totals() -> None:
    summary = CrossAccountDigest(
        NOW,
        "2026-11-30T09:00Z",
        (
            AccountDelta("222222222222", 2, 1, {"critical": 1, "high": 2}),
            AccountDelta("111111111111", 0, 0, {"low": 1}, first=True),
        ),
    )
    message = digest_accounts_message(summary)
    _fits(message)
    assert message["blocks"][0]["text"]["text"] == "IAM digest: 2 accounts"
    text = json.dumps(message["blocks"])
    assert "+2 new, -1 resolved" in text
    assert "first digest" in text
    assert "New 2, resolved 1 since the previous digest" in text
    assert message["text"] == "IAM digest of 2 accounts: 2 new, 1 resolved, 4 open"
    assert summary.totals() == {"critical": 1, "high": 2, "medium": 0, "low": 1, "info": 0}


def test_single_account_reports_keep_their_own_builders() -> None:
    """The cross-account builders are additive: a report's own page is unchanged."""
    from bot.slack.blocks import audit_page

    report = replace(account_report("111111111111", Severity.HIGH), source="live")
    page = audit_page(report, report_id="r", page=0, page_size=10, now=NOW)
    assert page.message["blocks"][0]["text"]["text"] == "IAM audit: account 111111111111"
    assert ACTION_OPEN_ACCOUNT not in json.dumps(page.message["blocks"])
