"""The engine: crashing checks, skipped checks, dedupe, suppressions, overrides, selection."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from bot.audit import registry
from bot.audit.config import AuditConfig, Suppression
from bot.audit.engine import run_audit
from bot.audit.findings import Finding, Severity
from bot.audit.registry import CheckContext, CheckMeta, CheckSkipped, RegisteredCheck
from bot.model.errors import InputError
from bot.model.snapshot import CollectionIssue
from tests.factories import (
    NOW,
    allow,
    audit,
    config_with,
    console_user_row,
    credential_row,
    inline,
    key,
    managed_policy,
    policy_document,
    role,
    snapshot,
    statement,
    user,
    user_arn,
    with_rows,
)

ALICE = user_arn("alice")
BOB = user_arn("bob")
DOCUMENT_AND_CREDENTIAL_CHECKS = {
    check_id
    for check_id in registry.all_checks()
    if check_id.split(".", 1)[0]
    in ("root", "password_policy", "user", "policy", "identity", "role")
    or check_id in ("certificate.expired", "federation.none")
} - {"policy.lint", "user.admin_without_mfa", "user.mfa_not_enforced", "user.virtual_mfa_only"}


def _install(monkeypatch, check_id: str, run, *, severity=Severity.MEDIUM, requires=()) -> None:
    """Register a throwaway check for one test (the registry is restored afterwards)."""
    meta = CheckMeta(
        id=check_id,
        title=f"title of {check_id}",
        severity=severity,
        risk="risk",
        remediation="fix it",
        anchors=("test",),
        permissions=("iam:ListUsers",),
        requires=tuple(requires),
        family=check_id.split(".", maxsplit=1)[0],
    )
    monkeypatch.setitem(registry._REGISTRY, check_id, RegisteredCheck(meta, run))


def _flags(*arns: str):
    def run(ctx: CheckContext) -> Iterator[Finding]:
        for arn in arns:
            yield ctx.finding(arn, "AWS::IAM::User", f"{arn} is bad", {"arn": arn})

    return run


def test_a_crashing_check_becomes_an_error_entry_and_the_rest_still_run(monkeypatch) -> None:
    def explode(ctx: CheckContext) -> Iterator[Finding]:
        yield ctx.finding(ALICE, "AWS::IAM::User", "partial")
        raise KeyError("boom")

    _install(monkeypatch, "test.crash", explode)
    _install(monkeypatch, "test.fine", _flags(BOB))
    report = audit(snapshot(), only=["test.crash", "test.fine"])
    assert [(e.kind, e.check_id) for e in report.errors] == [("check", "test.crash")]
    assert "KeyError" in report.errors[0].message
    assert "boom" in report.errors[0].message
    assert report.checks == ("test.fine",)  # a crashed check is not reported as run
    assert [f.resource_arn for f in report.findings] == [BOB]  # no partial output of the crash
    assert report.to_dict()["errors"][0]["check_id"] == "test.crash"


def test_a_check_that_cannot_judge_its_data_is_skipped_with_its_reason(monkeypatch) -> None:
    """CheckSkipped (say, a credential report without the root row) is neither a pass nor a
    crash: the check is listed as skipped, with the sentence it gave, and yields nothing."""

    def cannot_judge(ctx: CheckContext) -> Iterator[Finding]:
        yield ctx.finding(ALICE, "AWS::IAM::User", "partial")
        raise CheckSkipped("the data this check reads is not in this input")

    _install(monkeypatch, "test.cannot", cannot_judge)
    _install(monkeypatch, "test.fine", _flags(BOB))
    report = audit(snapshot(), only=["test.cannot", "test.fine"])
    assert report.errors == ()
    assert report.checks == ("test.fine",)
    assert [(s.check_id, s.reason) for s in report.skipped] == [
        ("test.cannot", "the data this check reads is not in this input")
    ]
    assert [f.resource_arn for f in report.findings] == [BOB]


def test_checks_are_skipped_with_reasons_when_data_is_missing() -> None:
    snap = snapshot(credential_report=None, password_policy=None, has_authorization_details=False)
    report = audit(snap, only=["user.inactive", "password_policy.missing", "user.not_in_group"])
    reasons = {s.check_id: s.reason for s in report.skipped}
    assert set(reasons) == {"user.inactive", "password_policy.missing", "user.not_in_group"}
    assert "iam:GenerateCredentialReport" in reasons["user.inactive"]
    assert "--credential-report" in reasons["user.inactive"]
    assert "iam:GetAccountPasswordPolicy" in reasons["password_policy.missing"]
    assert "iam:GetAccountAuthorizationDetails" in reasons["user.not_in_group"]
    assert report.checks == ()
    assert report.to_dict()["skipped"][0]["reason"]


def test_one_finding_per_check_and_resource(monkeypatch) -> None:
    _install(monkeypatch, "test.dupes", _flags(ALICE, ALICE, BOB))
    _install(monkeypatch, "test.other", _flags(ALICE))
    report = audit(snapshot(), only=["test.dupes", "test.other"])
    keys = sorted(f.key for f in report.findings)
    assert keys == [("test.dupes", ALICE), ("test.dupes", BOB), ("test.other", ALICE)]


def test_real_checks_emit_one_finding_per_resource_before_any_dedupe() -> None:
    """Called directly (no engine dedupe): a messy account still gives one finding per key."""
    admin = allow("*")
    snap = snapshot(
        users=[
            user("alice", groups=(), inline_policies=[inline("a", admin), inline("b", admin)]),
        ],
        roles=[
            role(
                "open",
                trust=policy_document(
                    statement(principal="*", action="sts:AssumeRole", resource=None),
                    statement(principal={"AWS": "*"}, action="sts:AssumeRole", resource=None),
                ),
                last_used_days_ago=None,
            ),
        ],
        policies=[
            managed_policy(
                "p",
                policy_document(
                    statement(action="*"),
                    statement(action="*:*"),
                    statement(not_action="s3:*"),
                ),
                attachment_count=0,
            )
        ],
        credential_report=with_rows(
            credential_row(
                "alice",
                password=True,
                key1=key(rotated_days_ago=400, last_used_days_ago=None),
                key2=key(rotated_days_ago=400, last_used_days_ago=300),
            ),
        ),
    )
    context = CheckContext(snapshot=snap, config=AuditConfig(), now=NOW)
    produced = 0
    for check in registry.all_checks().values():
        if check.meta.id not in DOCUMENT_AND_CREDENTIAL_CHECKS:
            continue  # the evaluator-based checks have their own tests
        findings = list(check.run(context.for_check(check.meta)))
        produced += len(findings)
        keys = [f.key for f in findings]
        assert len(keys) == len(set(keys)), check.meta.id
        json.dumps([f.to_dict() for f in findings])  # evidence must serialise as-is
        assert all(f.evidence and f.detail for f in findings), check.meta.id
    assert produced >= 20


def _suppressed_report(suppressions, now=NOW):
    rows = with_rows(console_user_row("alice", mfa=False), console_user_row("bob", mfa=False))
    config = config_with(suppressions=suppressions)
    return run_audit(
        snapshot(credential_report=rows), config=config, now=now, only=["user.console_without_mfa"]
    )


def test_suppression_by_check_id_and_arn_glob_mutes_and_counts() -> None:
    rule = Suppression(
        "user.console_without_mfa", "arn:aws:iam::*:user/al*", "alice uses a YubiKey via SSO"
    )
    report = _suppressed_report([rule])
    assert [f.resource_arn for f in report.findings] == [BOB]
    assert len(report.suppressed) == 1
    muted = report.suppressed[0]
    assert (muted.check_id, muted.resource_arn, muted.reason) == (
        "user.console_without_mfa",
        ALICE,
        "alice uses a YubiKey via SSO",
    )
    body = report.to_dict()
    assert body["suppressed"]["count"] == 1
    assert body["suppressed"]["findings"][0]["reason"] == "alice uses a YubiKey via SSO"
    assert body["summary"]["high"] == 1  # muted findings are not in the severity counts


def test_suppression_check_glob_matches_a_family() -> None:
    report = _suppressed_report([Suppression("user.*", "*", "accepted for the pilot")])
    assert report.findings == ()
    assert len(report.suppressed) == 2


def test_suppression_for_another_check_does_not_mute() -> None:
    report = _suppressed_report([Suppression("user.without_mfa", "*", "other check")])
    assert len(report.findings) == 2
    assert report.suppressed == ()


def test_expired_suppression_no_longer_mutes() -> None:
    expired = Suppression(
        "user.console_without_mfa", "*", "temporary", NOW.date() - timedelta(days=1)
    )
    report = _suppressed_report([expired])
    assert len(report.findings) == 2
    assert report.suppressed == ()


def test_suppression_expiring_today_still_mutes_and_reports_its_expiry() -> None:
    today = Suppression("user.console_without_mfa", ALICE, "until the migration", NOW.date())
    report = _suppressed_report([today])
    assert report.suppressed[0].expires == NOW.date().isoformat()
    assert (
        date.fromisoformat(report.to_dict()["suppressed"]["findings"][0]["expires"]) == NOW.date()
    )


def test_only_with_an_unknown_id_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"unknown check id\(s\): user\.nope, root\.typo"):
        audit(snapshot(), only=["user.inactive", "user.nope", "root.typo"])


def test_only_runs_exactly_the_checks_asked_for_once() -> None:
    report = audit(snapshot(), only=["root.mfa_disabled", "root.mfa_disabled", "user.inactive"])
    assert report.checks == ("root.mfa_disabled", "user.inactive")


def test_severity_override_changes_finding_and_summary() -> None:
    rows = with_rows(console_user_row("alice", mfa=False))
    config = config_with(severity={"user.console_without_mfa": Severity.CRITICAL})
    report = audit(
        snapshot(credential_report=rows), config=config, only=["user.console_without_mfa"]
    )
    assert report.findings[0].severity is Severity.CRITICAL
    assert report.summary()["critical"] == 1
    assert report.summary()["high"] == 0


def test_disabled_checks_do_not_run_by_default() -> None:
    config = config_with(disabled_checks=["user.inactive"])
    report = audit(snapshot(), config=config)
    assert "user.inactive" not in report.checks
    assert "user.without_mfa" in report.checks


def test_findings_are_sorted_worst_first(monkeypatch) -> None:
    _install(monkeypatch, "test.low", _flags(ALICE), severity=Severity.LOW)
    _install(monkeypatch, "test.critical", _flags(BOB), severity=Severity.CRITICAL)
    report = audit(snapshot(), only=["test.low", "test.critical"])
    assert [f.severity for f in report.findings] == [Severity.CRITICAL, Severity.LOW]
    assert report.worst_severity() is Severity.CRITICAL


def test_collection_issues_become_report_errors() -> None:
    issue = CollectionIssue(
        api="GetAccountPasswordPolicy",
        message="access denied",
        action="iam:GetAccountPasswordPolicy",
        code="AccessDenied",
    )
    report = audit(snapshot(collection_issues=(issue,)), only=["user.inactive"])
    assert report.errors[0].kind == "collection"
    assert report.errors[0].action == "iam:GetAccountPasswordPolicy"


def test_checks_see_the_audit_time_not_the_collection_time() -> None:
    later = NOW + timedelta(days=100)
    row = console_user_row("alice", password_last_used_days_ago=1)
    snap = snapshot(credential_report=with_rows(row))
    assert audit(snap, only=["user.password_unused"]).findings == ()
    assert len(audit(snap, only=["user.password_unused"], now=later).findings) == 1


def test_full_audit_runs_every_registered_check_without_errors() -> None:
    snap = snapshot(
        credential_report=with_rows(
            console_user_row("alice", mfa=False, password_last_used_days_ago=100),
            credential_row("bob", created_days_ago=3),
        ),
    )
    report = audit(snap)
    assert [e for e in report.errors if e.kind == "check"] == []
    assert set(report.checks) | {s.check_id for s in report.skipped} == set(registry.all_checks())
