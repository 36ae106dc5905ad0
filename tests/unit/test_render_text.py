"""The text renderer: what a person reads in a terminal or a CI log."""

from __future__ import annotations

from bot.audit.findings import Severity
from bot.render import RenderOptions
from bot.render.text import render_text
from tests.unit.test_render_common import ACCOUNT, sample_catalogue, sample_report


def _text(**kwargs) -> str:
    options = RenderOptions(**kwargs)
    return render_text(sample_report(), catalogue=sample_catalogue(), options=options)


def test_header_names_account_source_and_time() -> None:
    out = _text()
    first = out.splitlines()[0]
    assert ACCOUNT in first
    assert "source: aws" in out
    assert "2026-11-30T09:00:00+00:00" in out
    assert "DEMO DATA" not in out


def test_demo_report_carries_a_banner() -> None:
    out = render_text(sample_report(source="demo"), catalogue=sample_catalogue())
    assert "DEMO DATA" in out.splitlines()[3]


def test_counts_by_severity_in_the_summary() -> None:
    out = _text()
    assert "Findings: 6 (1 critical, 2 high, 1 medium, 1 low, 1 info)" in out
    assert "Checks: 5 ran, 1 skipped; errors: 2; muted: 1" in out


def test_sections_are_worst_first_and_each_finding_is_one_line() -> None:
    lines = _text().splitlines()
    headings = [line for line in lines if line.split(" (")[0] in {"CRITICAL", "HIGH", "MEDIUM"}]
    assert headings == ["CRITICAL (1)", "HIGH (2)", "MEDIUM (1)"]
    bob = next(line for line in lines if line.endswith(":user/bob"))
    assert bob == f"  [high] user.console_without_mfa  arn:aws:iam::{ACCOUNT}:user/bob"
    detail = lines[lines.index(bob) + 1]
    assert detail == f"      detail for arn:aws:iam::{ACCOUNT}:user/bob"


def test_multiline_and_escape_sequences_cannot_break_the_layout() -> None:
    out = _text()
    assert "\x1b" not in out  # no colour asked for, and the hostile ESC is neutralised
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if "=cmd|x`y" in line)
    assert lines[start + 1].startswith("      a|b `tick`")
    assert lines[start + 2] == "      second line \N{REPLACEMENT CHARACTER}[31mred"


def test_colour_only_when_asked() -> None:
    coloured = _text(color=True)
    assert "\x1b[1;31m[high]\x1b[0m" in coloured
    # The AWS string's own escape is still neutralised when we colour.
    assert "\x1b[31mred" not in coloured


def test_remediation_listed_once_per_check() -> None:
    out = _text()
    assert out.count("Fix user.console_without_mfa") == 1
    assert "  user.console_without_mfa: Title of user.console_without_mfa" in out
    # A check unknown to the catalogue falls back on the finding's own remediation.
    assert "Fix custom.unknown_check" in out


def test_errors_skipped_and_muted_are_listed() -> None:
    out = _text()
    assert (
        "  [collection] ListVirtualMFADevices: access denied to ListVirtualMFADevices"
        " (needs iam:ListVirtualMFADevices)" in out
    )
    assert "  [check] analyzer.disabled: KeyError: 'x'" in out
    assert "Skipped checks (1)\n  root.hardware_mfa_missing: needs the virtual MFA devices" in out
    assert "Muted findings (1)" in out
    assert "break-glass | account `kept` on purpose until 2027-01-31" in out


def test_min_severity_is_announced() -> None:
    report = sample_report().filtered(Severity.HIGH)
    out = render_text(
        report,
        catalogue=sample_catalogue(),
        options=RenderOptions(min_severity=Severity.HIGH, hidden_findings=3),
    )
    assert "showing only severity high and above (3 lower-severity findings not shown)" in out
    assert "MEDIUM (" not in out
    assert "Findings: 3 (1 critical, 2 high, 0 medium, 0 low, 0 info)" in out


def test_no_findings_says_so() -> None:
    out = render_text(sample_report(with_findings=False), catalogue={})
    assert "No findings." in out
    assert "How to fix" not in out


def _report_skipping_many():
    from dataclasses import replace

    from bot.audit.report import SkippedCheck

    report_needs = "needs the credential report (pass --credential-report FILE)"
    skipped = (
        SkippedCheck("root.mfa_disabled", report_needs),
        SkippedCheck("certificate.expired", "needs the server certificates"),
        *(SkippedCheck(f"user.check_{n:02d}", report_needs) for n in range(12)),
    )
    return replace(sample_report(), skipped=skipped)


def test_checks_skipped_for_one_reason_are_grouped_under_it() -> None:
    out = render_text(_report_skipping_many(), catalogue=sample_catalogue())
    section = out.split("Skipped checks (14)\n")[1].split("\n\n")[0].splitlines()
    assert section[0] == ("  13 checks need the credential report (pass --credential-report FILE):")
    ids = " ".join(line.strip() for line in section[1:] if line.startswith(" " * 6))
    assert ids.startswith("root.mfa_disabled, user.check_00, ")
    assert ids.count("user.check_") == 12
    assert all(len(line) <= 100 for line in section[1:] if line.startswith(" " * 6))
    # A reason shared by no other check keeps the one-line form.
    assert "  certificate.expired: needs the server certificates" in section
    assert out.count("needs the credential report") + out.count("need the credential") == 1


def test_with_min_severity_the_summary_still_counts_every_finding() -> None:
    full = sample_report()
    shown = full.filtered(Severity.HIGH)
    options = RenderOptions(
        min_severity=Severity.HIGH,
        hidden_findings=len(full.findings) - len(shown.findings),
        totals=full.summary(),
    )
    out = render_text(shown, catalogue=sample_catalogue(), options=options)
    # The whole account's counts, then what the list below leaves out.
    assert "Findings: 6 (1 critical, 2 high, 1 medium, 1 low, 1 info)" in out
    assert "showing only severity high and above (3 lower-severity findings not shown)" in out
    assert "MEDIUM (" not in out


def test_no_findings_above_the_filter_does_not_claim_a_clean_account() -> None:
    from dataclasses import replace

    full = sample_report()
    empty = replace(full, findings=())
    options = RenderOptions(min_severity=Severity.CRITICAL, hidden_findings=len(full.findings))
    out = render_text(empty, catalogue=sample_catalogue(), options=options)
    assert "No findings of severity critical or above." in out
    assert "No findings.\n" not in out
