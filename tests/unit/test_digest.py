"""Digest content, the schedule (cron parsing, slots) and the digest's Block Kit."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.audit.findings import Severity
from bot.digest.content import (
    HISTORY_LENGTH,
    ApprovalCounts,
    CampaignProgress,
    DigestSummary,
    build_digest,
    digest_text,
    mfa_coverage,
    trend,
)
from bot.digest.schedule import DigestSchedule, parse_cron, schedule_from_config
from bot.model.errors import InputError
from bot.slack.blocks import MAX_BLOCKS, MESSAGE_TEXT_BUDGET, SECTION_TEXT, text_size
from bot.slack.digest_blocks import digest_message
from tests.digest_support import finding, report, snapshot
from tests.factories import NOW


def make(previous, current, **kwargs):
    defaults = {
        "report_id": "r2",
        "previous_at": NOW - timedelta(days=1) if previous else None,
        "slot": "2026-11-30T09:00Z",
        "now": NOW,
        "snapshot": snapshot({"alice": True, "bob": False, "carol": True}),
        "approvals": ApprovalCounts(pending=2, decided={"approved": 3, "rejected": 1}),
    }
    defaults.update(kwargs)
    return build_digest(current=current, previous=previous, **defaults)


# --- content -------------------------------------------------------------------------------


def test_digest_counts_new_resolved_open_and_top_risks() -> None:
    gone = finding(name="gone", severity=Severity.CRITICAL)
    kept = finding(name="kept", severity=Severity.MEDIUM)
    fresh = finding(name="fresh", severity=Severity.CRITICAL)
    digest = make(report(gone, kept), report(kept, fresh))
    assert [f.key for f in digest.diff.new] == [fresh.key]
    assert [f.key for f in digest.diff.resolved] == [gone.key]
    assert digest.open_by_severity["critical"] == 1
    assert digest.open_by_severity["medium"] == 1
    assert digest.top_risks[0].key == fresh.key
    assert not digest.quiet
    data = digest.to_dict()
    assert data["schema"] == "iam-audit/digest/1"
    assert len(data["new"]) == 1
    assert len(data["resolved"]) == 1
    assert data["unchanged"] == 1
    json.dumps(data)  # serialisable as is


def test_quiet_day_is_one_line() -> None:
    same = report(finding(name="a"), finding(name="b", severity=Severity.CRITICAL))
    digest = make(same, same)
    assert digest.quiet
    text = digest_text(digest)
    assert "\n" not in text
    assert text.endswith("no change since the previous digest.")
    message = digest_message(digest)
    assert len(message["blocks"]) == 1
    line = message["blocks"][0]["text"]["text"]
    assert "no change since the previous digest" in line
    assert "1 critical, 1 high" in line
    assert "MFA 2/3 users" in line


def test_long_text_lists_say_how_many_more() -> None:
    digest = make(report(), report(*(finding(name=f"u{i:03d}") for i in range(45))))
    text = digest_text(digest)
    assert "... and 25 more" in text


def test_first_digest_is_not_called_quiet() -> None:
    digest = make(None, report())
    assert digest.diff.first
    assert not digest.quiet
    assert "First digest" in digest_text(digest)


def test_mfa_coverage_from_the_credential_report() -> None:
    coverage = mfa_coverage(snapshot({"alice": True, "bob": False, "carol": False}))
    assert (coverage.users, coverage.users_with_mfa) == (3, 1)
    assert coverage.without_mfa == ("bob", "carol")
    assert coverage.percent == pytest.approx(33.33, abs=0.01)
    assert not mfa_coverage(None).known
    assert mfa_coverage(snapshot({})).percent is None


def test_top_risks_prefer_new_findings_among_equals_and_stop_at_five() -> None:
    old = [finding(name=f"old{i}", severity=Severity.HIGH) for i in range(6)]
    new = finding(name="zz-new", severity=Severity.HIGH)
    digest = make(report(*old), report(*old, new))
    assert digest.top_risks[0].key == new.key
    assert len(digest.top_risks) == 5


def test_summary_round_trip_and_trend_order() -> None:
    summary = DigestSummary(NOW, {"high": 2}, "r1")
    assert DigestSummary.from_dict(summary.to_dict()) == summary
    with pytest.raises(ValueError, match="without a time"):
        DigestSummary.from_dict({"counts": {}})
    history = [DigestSummary(NOW - timedelta(days=i), {"high": i}) for i in range(40)]  # newest 1st
    points = trend(history, DigestSummary(NOW + timedelta(days=1), {"high": 99}))
    assert len(points) == HISTORY_LENGTH
    assert points[-1].counts["high"] == 99
    assert [p.at for p in points] == sorted(p.at for p in points)


# --- blocks --------------------------------------------------------------------------------


def test_blocks_escape_aws_strings() -> None:
    evil = finding(name="alice", title="<!channel> <https://evil|click> & co")
    digest = make(report(), report(evil))
    dumped = json.dumps(digest_message(digest))
    assert "<!channel>" not in dumped
    assert "<https://evil" not in dumped
    assert "&lt;!channel&gt;" in dumped
    assert "&amp; co" in dumped


def test_huge_digest_respects_block_kit_limits() -> None:
    many = [finding(name=f"user{i:04d}", title="x" * 150) for i in range(800)]
    gone = [finding(name=f"old{i:04d}", title="y" * 150) for i in range(800)]
    rerated = [finding(name=f"old{i:04d}", severity=Severity.LOW) for i in range(200)]
    previous = report(*gone)
    current = report(*many, *(f for f in rerated))
    digest = make(previous, current)
    message = digest_message(digest)
    assert message["text"]
    assert len(message["blocks"]) <= MAX_BLOCKS
    assert text_size(message["blocks"]) <= MESSAGE_TEXT_BUDGET
    for block in message["blocks"]:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= SECTION_TEXT
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
    assert "more in the full report" in json.dumps(message)


def test_blocks_show_mfa_approvals_and_campaign() -> None:
    campaign = CampaignProgress(enrolled=3, remaining=2, unmapped=1, deadline=NOW, proposed=True)
    dumped = json.dumps(digest_message(make(None, report(), campaign=campaign)))
    assert "2/3 users" in dumped
    assert "2 pending" in dumped
    assert "approved 3" in dumped
    assert "3/5 enrolled" in dumped
    assert "1 not found in Slack" in dumped
    assert "enforcement proposed" in dumped


def test_unknown_approvals_are_left_out_not_shown_as_zero() -> None:
    digest = make(None, report(), approvals=ApprovalCounts(known=False))
    assert "Approvals" not in json.dumps(digest_message(digest))
    assert "Approvals" not in digest_text(digest)


# --- schedule ------------------------------------------------------------------------------


def test_default_schedule_is_weekdays_nine_utc() -> None:
    schedule = DigestSchedule()
    assert schedule.spec.apscheduler_fields() == {
        "minute": "0",
        "hour": "9",
        "day": "*",
        "month": "*",
        "day_of_week": "mon,tue,wed,thu,fri",
    }
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    assert schedule.next_run(saturday) == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday


@pytest.mark.parametrize(
    ("expression", "weekdays"),
    [
        ("0 9 * * 0", {6}),
        ("0 9 * * 7", {6}),
        ("0 9 * * 1-5", {0, 1, 2, 3, 4}),
        ("0 9 * * sat", {5}),
    ],
)
def test_crontab_weekday_numbers_mean_what_crontab_means(expression: str, weekdays: set) -> None:
    assert parse_cron(expression).days_of_week == weekdays


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("0 9 * *", "5 fields"),
        ("61 9 * * *", "minute field '61': 61 is out of range 0-59"),
        ("0 24 * * *", "out of range 0-23"),
        ("0 9 * * funday", "not a number"),
        ("*/0 9 * * *", "step after '/' must be a positive number"),
        ("0 9 5-1 * *", "runs backwards"),
        ("0 9 1 * 1", "not both"),
        ("0 9 1,,2 * *", "empty list item"),
    ],
)
def test_bad_cron_expressions_get_clear_errors(expression: str, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        parse_cron(expression)


def test_steps_ranges_lists_and_names() -> None:
    spec = parse_cron("*/15 8-10 * jan,jul mon-fri")
    assert spec.minutes == {0, 15, 30, 45}
    assert spec.hours == {8, 9, 10}
    assert spec.months == {1, 7}
    assert spec.days_of_week == {0, 1, 2, 3, 4}


def test_latest_slot_of_a_late_run_and_outside_grace() -> None:
    schedule = DigestSchedule(cron="0 9 * * *")
    late = datetime(2026, 11, 30, 9, 42, 10, tzinfo=UTC)
    assert schedule.latest_slot(late, timedelta(hours=1)) == datetime(
        2026, 11, 30, 9, 0, tzinfo=UTC
    )
    assert schedule.latest_slot(late, timedelta(minutes=30)) is None


def test_slots_in_a_time_zone() -> None:
    schedule = DigestSchedule(cron="0 9 * * *", timezone="Europe/Paris")
    now = datetime(2026, 11, 30, 8, 1, tzinfo=UTC)  # 09:01 in Paris (UTC+1 in winter)
    assert schedule.latest_slot(now, timedelta(minutes=5)) == datetime(
        2026, 11, 30, 8, 0, tzinfo=UTC
    )
    assert schedule.next_run(now) == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_schedule_round_trips_as_json_data() -> None:
    schedule = DigestSchedule(
        cron="30 7 * * 1", timezone="UTC", channel="C0SEC", accounts=("demo",), updated_by="U1"
    )
    restored = DigestSchedule.from_dict(json.loads(json.dumps(schedule.to_dict())))
    assert restored == schedule
    with pytest.raises(InputError, match="not a channel id"):
        DigestSchedule(channel="general")
    with pytest.raises(InputError, match="unknown time zone"):
        DigestSchedule(timezone="Mars/Olympus")
    with pytest.raises(InputError, match="accounts must be a list"):
        DigestSchedule.from_dict({"accounts": "demo"})


def test_schedule_from_configuration() -> None:
    env = {
        "IAM_AUDIT_DIGEST_CRON": "0 8 * * 1-5",
        "IAM_AUDIT_DIGEST_CHANNEL": "#C0SEC",
        "IAM_AUDIT_DIGEST_ACCOUNTS": "demo, prod",
    }
    schedule = schedule_from_config(env, {"timezone": "Europe/Berlin"})
    assert schedule.cron == "0 8 * * 1-5"
    assert schedule.channel == "C0SEC"
    assert schedule.accounts == ("demo", "prod")
    assert schedule.timezone == "Europe/Berlin"
    assert schedule_from_config({}, {}) == DigestSchedule(updated_by="config")
    with pytest.raises(InputError) as caught:
        schedule_from_config(
            {"IAM_AUDIT_DIGEST_CRON": "bad", "IAM_AUDIT_DIGEST_TIMEZONE": "Nowhere/X"}, {}
        )
    assert "IAM_AUDIT_DIGEST_CRON" in str(caught.value)
    assert "IAM_AUDIT_DIGEST_TIMEZONE" in str(caught.value)
