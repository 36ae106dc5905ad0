"""The delta between two reports is exact: new, resolved, unchanged, severity changes."""

from __future__ import annotations

from dataclasses import replace

from bot.audit.diff import diff_reports
from bot.audit.findings import Severity
from tests.digest_support import finding, report


def keys(findings) -> set[tuple[str, str]]:
    return {f.key for f in findings}


def test_new_resolved_and_unchanged_partition_both_reports() -> None:
    a, b, c, d = (finding(name=n) for n in ("a", "b", "c", "d"))
    before = report(a, b, c)
    after = report(b, c, d)
    diff = diff_reports(before, after)
    assert keys(diff.new) == {d.key}
    assert keys(diff.resolved) == {a.key}
    assert keys(diff.unchanged) == {b.key, c.key}
    assert not diff.first
    assert not diff.empty
    union = keys(diff.new) | keys(diff.resolved) | keys(diff.unchanged)
    assert union == keys(before.findings) | keys(after.findings)


def test_identity_is_check_and_resource_not_wording() -> None:
    old = finding(name="alice", title="old wording")
    new = replace(old, title="new wording", detail="changed evidence")
    diff = diff_reports(report(old), report(new))
    assert diff.new == ()
    assert diff.resolved == ()
    assert diff.unchanged[0].title == "new wording"  # shown as it is now
    assert diff.empty


def test_same_resource_other_check_is_a_different_finding() -> None:
    one = finding("user.console_without_mfa", "alice")
    two = finding("user.inactive", "alice")
    diff = diff_reports(report(one), report(two))
    assert keys(diff.new) == {two.key}
    assert keys(diff.resolved) == {one.key}


def test_severity_change_is_reported_and_not_counted_as_new() -> None:
    low = finding(name="alice", severity=Severity.MEDIUM)
    high = replace(low, severity=Severity.CRITICAL)
    diff = diff_reports(report(low), report(high))
    assert diff.new == ()
    assert diff.resolved == ()
    assert len(diff.severity_changes) == 1
    change = diff.severity_changes[0]
    assert change.before is Severity.MEDIUM
    assert change.finding.severity is Severity.CRITICAL
    assert change.worse
    assert not diff.empty
    assert diff.open_by_severity()["critical"] == 1


def test_no_previous_report_makes_everything_new_and_first() -> None:
    current = report(finding(name="a"), finding(name="b", severity=Severity.CRITICAL))
    diff = diff_reports(None, current)
    assert diff.first
    assert [f.severity for f in diff.new] == [Severity.CRITICAL, Severity.HIGH]  # worst first


def test_identical_reports_are_empty() -> None:
    same = report(finding(name="a"), finding(name="b"))
    diff = diff_reports(same, same)
    assert diff.empty
    assert len(diff.unchanged) == 2


def test_duplicate_finding_in_one_report_counts_once_at_its_worst() -> None:
    weak = finding(name="a", severity=Severity.LOW)
    strong = replace(weak, severity=Severity.HIGH)
    diff = diff_reports(None, report(weak, strong))
    assert len(diff.new) == 1
    assert diff.new[0].severity is Severity.HIGH


def test_open_by_severity_counts_new_and_unchanged_only() -> None:
    before = report(finding(name="gone", severity=Severity.CRITICAL), finding(name="kept"))
    after = report(finding(name="kept"), finding(name="fresh", severity=Severity.LOW))
    counts = diff_reports(before, after).open_by_severity()
    assert counts == {"critical": 0, "high": 1, "medium": 0, "low": 1, "info": 0}
    assert list(counts) == ["critical", "high", "medium", "low", "info"]


def test_large_reports_diff_exactly() -> None:
    before = report(*(finding(name=f"u{i}") for i in range(0, 600)))
    after = report(*(finding(name=f"u{i}") for i in range(300, 900)))
    diff = diff_reports(before, after)
    assert (len(diff.new), len(diff.resolved), len(diff.unchanged)) == (300, 300, 300)
