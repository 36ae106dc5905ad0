"""Shared report builders for the renderer tests, and the tests of bot.render's common helpers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.audit.findings import Finding, Severity
from bot.audit.registry import CheckMeta
from bot.audit.report import Report, ReportError, SkippedCheck, SuppressedFinding
from bot.model.errors import InputError
from bot.render import FORMATS, RenderOptions, render
from bot.render.common import findings_by_severity, one_line, without_control_chars

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ACCOUNT = "123456789012"
# An IAM name may hold + = , . @ - and tags / descriptions hold anything: the renderers must
# cope with pipes, backticks, HTML, newlines and terminal escapes in every AWS string.
HOSTILE = "a|b `tick` <img src=x> *bold* [link](http://x)\nsecond line \x1b[31mred"


def meta(check_id: str, severity: Severity, **overrides) -> CheckMeta:
    fields = {
        "id": check_id,
        "title": f"Title of {check_id}",
        "severity": severity,
        "risk": f"Risk of {check_id}",
        "remediation": f"Fix {check_id}",
        "anchors": ("CIS 1.4", "Security Hub IAM.9", "Prowler iam_root_mfa_enabled"),
        "permissions": ("iam:GetCredentialReport",),
        "family": check_id.split(".", maxsplit=1)[0],
    }
    fields.update(overrides)
    return CheckMeta(**fields)


def finding(check_id: str, severity: Severity, resource: str, detail: str = "") -> Finding:
    return Finding(
        check_id=check_id,
        severity=severity,
        resource_arn=resource,
        resource_type="AWS::IAM::User",
        title=f"Title of {check_id}",
        detail=detail or f"detail for {resource}",
        evidence={"password_last_used": "2026-01-01T00:00:00+00:00", "keys": [1, 2]},
        remediation=f"Fix {check_id}",
    )


def sample_catalogue() -> dict[str, CheckMeta]:
    return {
        "root.mfa_disabled": meta("root.mfa_disabled", Severity.CRITICAL),
        "user.console_without_mfa": meta("user.console_without_mfa", Severity.HIGH),
        "user.inactive": meta("user.inactive", Severity.MEDIUM, anchors=("ScoutSuite",)),
        "user.not_in_group": meta("user.not_in_group", Severity.LOW, anchors=()),
        "analyzer.disabled": meta("analyzer.disabled", Severity.MEDIUM),
    }


def sample_report(*, source: str = "aws", with_findings: bool = True) -> Report:
    hostile_arn = f"arn:aws:iam::{ACCOUNT}:user/ops/=cmd|x`y"
    findings = (
        (
            finding("root.mfa_disabled", Severity.CRITICAL, f"arn:aws:iam::{ACCOUNT}:root"),
            finding("user.console_without_mfa", Severity.HIGH, f"arn:aws:iam::{ACCOUNT}:user/bob"),
            finding("user.console_without_mfa", Severity.HIGH, hostile_arn, detail=HOSTILE),
            finding("user.inactive", Severity.MEDIUM, f"arn:aws:iam::{ACCOUNT}:user/carol"),
            finding("user.not_in_group", Severity.LOW, f"arn:aws:iam::{ACCOUNT}:user/carol"),
            # A check the catalogue does not know (an older report, a plug-in): must still render.
            finding("custom.unknown_check", Severity.INFO, f"arn:aws:iam::{ACCOUNT}:role/r"),
        )
        if with_findings
        else ()
    )
    return Report(
        account_id=ACCOUNT,
        generated_at=NOW,
        source=source,
        findings=findings,
        errors=(
            ReportError(
                "collection",
                "access denied to ListVirtualMFADevices",
                api="ListVirtualMFADevices",
                action="iam:ListVirtualMFADevices",
            ),
            ReportError("check", "KeyError: 'x'", check_id="analyzer.disabled"),
        ),
        checks=(
            "root.mfa_disabled",
            "user.console_without_mfa",
            "user.inactive",
            "user.not_in_group",
            "custom.unknown_check",
        ),
        skipped=(SkippedCheck("root.hardware_mfa_missing", "needs the virtual MFA devices"),),
        suppressed=(
            SuppressedFinding(
                "user.inactive",
                f"arn:aws:iam::{ACCOUNT}:user/break-glass",
                Severity.MEDIUM,
                "break-glass | account `kept` on purpose",
                "2027-01-31",
            ),
        ),
        snapshot_collected_at=NOW,
        tool_version="0.1.0",
    )


# --- tests of the shared helpers ----------------------------------------------------------


def test_findings_are_grouped_worst_first_and_sorted_inside_a_group() -> None:
    groups = findings_by_severity(sample_report())
    assert [severity for severity, _ in groups] == [
        Severity.CRITICAL,
        Severity.HIGH,
        Severity.MEDIUM,
        Severity.LOW,
        Severity.INFO,
    ]
    high = dict(groups)[Severity.HIGH]
    assert [f.resource_arn for f in high] == sorted(f.resource_arn for f in high)


def test_empty_severities_are_left_out() -> None:
    assert findings_by_severity(sample_report(with_findings=False)) == []


def test_control_characters_are_neutralised_but_newlines_kept() -> None:
    cleaned = without_control_chars("a\x1b[2Jb\nc\td\x07")
    assert "\x1b" not in cleaned
    assert "\x07" not in cleaned
    assert "\n" in cleaned
    assert "\t" in cleaned


def test_one_line_folds_newlines() -> None:
    assert one_line("first\n  second\r\nthird") == "first second third"


def test_dispatcher_refuses_an_unknown_format() -> None:
    with pytest.raises(InputError, match="unknown report format 'xml'"):
        render(sample_report(), "xml", sample_catalogue())


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_an_empty_report(fmt: str) -> None:
    out = render(sample_report(with_findings=False), fmt, {}, options=RenderOptions())
    assert out.endswith("\n")
    assert ACCOUNT in out or fmt == "csv"
