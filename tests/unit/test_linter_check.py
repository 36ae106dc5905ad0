"""The `policy.lint` audit check: one finding per customer-managed or inline policy with lint
findings, evidence carrying them, severity the worst one, results cached by document hash."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.audit.checks import policy_lint as check_module
from bot.audit.engine import run_audit
from bot.audit.findings import Severity
from bot.cli import main
from bot.iam.catalogue import default_catalogue
from bot.model.snapshot import AccountSnapshot, InlinePolicy, ManagedPolicy, User
from tests.factories import ORIGIN_MFA_EXAMPLE, ORIGIN_S3_EXAMPLE

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)
ACCOUNT = "123456789012"

CLEAN = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}],
}


def _user(name: str, *inline: tuple[str, dict[str, Any]]) -> User:
    return User(
        name=name,
        arn=f"arn:aws:iam::{ACCOUNT}:user/{name}",
        inline_policies=tuple(InlinePolicy(n, d) for n, d in inline),
    )


def _managed(name: str, document: dict[str, Any], *, aws: bool = False) -> ManagedPolicy:
    owner = "aws" if aws else ACCOUNT
    return ManagedPolicy(
        name=name, arn=f"arn:aws:iam::{owner}:policy/{name}", document=document, attachment_count=1
    )


def _snapshot(**parts: Any) -> AccountSnapshot:
    return AccountSnapshot(account_id=ACCOUNT, collected_at=NOW, source="snapshot", **parts)


def _lint_findings(snapshot: AccountSnapshot, shared: dict[str, Any] | None = None) -> list:
    report = run_audit(snapshot, now=NOW, only=["policy.lint"], shared=shared)
    assert not report.errors, report.errors
    return [f for f in report.findings if f.check_id == "policy.lint"]


def test_flags_managed_and_inline_policies_with_worst_severity() -> None:
    snapshot = _snapshot(
        users=(_user("alice", ("require-mfa", ORIGIN_MFA_EXAMPLE)), _user("bob", ("ok", CLEAN))),
        policies=(_managed("s3-read", ORIGIN_S3_EXAMPLE), _managed("fine", CLEAN)),
    )
    findings = {f.resource_arn: f for f in _lint_findings(snapshot)}
    assert set(findings) == {
        f"arn:aws:iam::{ACCOUNT}:policy/s3-read",
        f"arn:aws:iam::{ACCOUNT}:user/alice#inline/require-mfa",
    }
    managed = findings[f"arn:aws:iam::{ACCOUNT}:policy/s3-read"]
    assert managed.severity is Severity.MEDIUM
    assert [f["code"] for f in managed.evidence["lint_findings"]] == ["RESOURCE_MISMATCH"]
    assert managed.evidence["catalogue_version"] == default_catalogue().version
    inline = findings[f"arn:aws:iam::{ACCOUNT}:user/alice#inline/require-mfa"]
    assert inline.severity is Severity.HIGH
    assert inline.evidence["lint_findings"][0]["code"] == "MFA_LOCKOUT"
    assert "MFA_LOCKOUT" in inline.detail
    # "...; statement 0: <message>", the statement set off from the linter's own sentence.
    first = inline.evidence["lint_findings"][0]
    assert f"; statement {first['statement']}: {first['message']}" in inline.detail


def test_aws_managed_policies_are_not_linted() -> None:
    snapshot = _snapshot(policies=(_managed("AwsThing", ORIGIN_S3_EXAMPLE, aws=True),))
    assert _lint_findings(snapshot) == []


def test_clean_account_has_no_findings() -> None:
    snapshot = _snapshot(users=(_user("bob", ("ok", CLEAN)),), policies=(_managed("fine", CLEAN),))
    assert _lint_findings(snapshot) == []


def test_shared_documents_are_linted_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    real = check_module.lint_policy

    def counting(document: Any, **kwargs: Any) -> Any:
        calls.append(document)
        return real(document, **kwargs)

    monkeypatch.setattr(check_module, "lint_policy", counting)
    users = tuple(_user(f"u{i}", ("require-mfa", dict(ORIGIN_MFA_EXAMPLE))) for i in range(25))
    findings = _lint_findings(_snapshot(users=users))
    assert len(findings) == 25
    assert len(calls) == 1


def test_document_hash_ignores_key_order() -> None:
    reordered = {"Statement": CLEAN["Statement"], "Version": "2012-10-17"}
    assert check_module.document_hash(CLEAN) == check_module.document_hash(reordered)
    assert check_module.document_hash(CLEAN) != check_module.document_hash(ORIGIN_S3_EXAMPLE)


# --- what policy.admin_star reports is not reported again ------------------------------------

ADMIN_DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
STAR_LINT_CODES = {"WILDCARD_SENSITIVE", "PASS_ROLE_WILDCARD", "CREATE_SLR_WILDCARD"}


def _policy_findings(snapshot: AccountSnapshot) -> dict[tuple[str, str], Any]:
    report = run_audit(snapshot, now=NOW, only=["policy.lint", "policy.admin_star"])
    assert not report.errors, report.errors
    return {(f.check_id, f.resource_arn): f for f in report.findings}


def test_an_admin_statement_is_policy_admin_stars_not_lint_too() -> None:
    """Organizations' OrganizationAccountAccessRole carries AdministratorAccess's document
    inline: policy.admin_star reports its `*` on `*` (high); the lint findings that only say
    what `*` on `*` grants (write actions on every resource, iam:PassRole and
    iam:CreateServiceLinkedRole on every role) would report the same statement again, as the
    same document attached as AWS-managed never is."""
    inline_arn = f"arn:aws:iam::{ACCOUNT}:user/alice#inline/admin"
    managed_arn = f"arn:aws:iam::{ACCOUNT}:policy/admin"
    found = _policy_findings(
        _snapshot(
            users=(_user("alice", ("admin", ADMIN_DOC)),), policies=(_managed("admin", ADMIN_DOC),)
        )
    )
    assert set(found) == {("policy.admin_star", inline_arn), ("policy.admin_star", managed_arn)}


def test_other_lint_findings_of_an_admin_policy_are_kept() -> None:
    """Only the star's own lint findings go: a second statement's WILDCARD_SENSITIVE, and what
    the admin statement gets for something else (a redundant action, an unknown condition key),
    are still reported; the evidence says what was left to policy.admin_star."""
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["*", "s3:GetObject"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:NoSuchKey": "x"}},
            },
            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"},
        ],
    }
    found = _policy_findings(_snapshot(users=(_user("alice", ("admin", document)),)))
    lint = found[("policy.lint", f"arn:aws:iam::{ACCOUNT}:user/alice#inline/admin")]
    codes = {(f["code"], f["statement"]) for f in lint.evidence["lint_findings"]}
    assert ("WILDCARD_SENSITIVE", 1) in codes
    assert ("REDUNDANT_ACTION", 0) in codes
    assert ("UNKNOWN_CONDITION_KEY", 0) in codes
    assert not {c for c, i in codes if i == 0} & STAR_LINT_CODES
    left = {(f["code"], f["statement"]) for f in lint.evidence["left_to_policy_admin_star"]}
    assert {code for code, _ in left} <= STAR_LINT_CODES
    assert ("WILDCARD_SENSITIVE", 0) in left


def test_an_explicit_grant_next_to_the_star_is_still_linted() -> None:
    """As policy.passrole_star still reports ``["*", "iam:PassRole"]`` (it leaves out only the
    bare `*`), the lint of that iam:PassRole on every role stays."""
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["*", "iam:PassRole"], "Resource": "*"}],
    }
    found = _policy_findings(_snapshot(users=(_user("alice", ("admin", document)),)))
    lint = found[("policy.lint", f"arn:aws:iam::{ACCOUNT}:user/alice#inline/admin")]
    codes = {f["code"] for f in lint.evidence["lint_findings"]}
    assert "PASS_ROLE_WILDCARD" in codes
    assert "CREATE_SLR_WILDCARD" not in codes
    assert ("policy.admin_star", f"arn:aws:iam::{ACCOUNT}:user/alice#inline/admin") in found


def test_a_star_that_admin_star_does_not_report_is_still_linted() -> None:
    """A Deny of iam:* in the same document leaves the holder no administrator, so
    policy.admin_star passes it: the lint of its `*` on `*` is then the only report."""
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:*", "Resource": "*"},
        ],
    }
    found = _policy_findings(_snapshot(users=(_user("alice", ("almost", document)),)))
    arn = f"arn:aws:iam::{ACCOUNT}:user/alice#inline/almost"
    assert ("policy.admin_star", arn) not in found
    lint = found[("policy.lint", arn)]
    assert lint.severity is Severity.HIGH
    assert "WILDCARD_SENSITIVE" in {f["code"] for f in lint.evidence["lint_findings"]}
    assert "left_to_policy_admin_star" not in lint.evidence


def test_the_lint_command_still_reports_the_star(tmp_path: Any, capsys: Any) -> None:
    """Only the audit's policy.lint leaves the star to policy.admin_star: `iam-audit lint` on
    the same document reports every finding, as before."""
    path = tmp_path / "admin.json"
    path.write_text(json.dumps(ADMIN_DOC))
    assert main(["lint", "--format", "json", str(path)]) == 1
    out = json.loads(capsys.readouterr().out)
    codes = {f["code"] for result in out["files"] for f in result["findings"]}
    assert codes >= STAR_LINT_CODES


def test_with_admin_star_switched_off_the_lint_reports_the_star() -> None:
    """A config that disables policy.admin_star leaves nobody else to report the statement:
    policy.lint keeps its WILDCARD_SENSITIVE and friends."""
    from bot.audit.config import AuditConfig

    snap = _snapshot(users=(_user("alice", ("admin", ADMIN_DOC)),))
    report = run_audit(snap, now=NOW, config=AuditConfig(disabled_checks=("policy.admin_star",)))
    lint = next(f for f in report.findings if f.check_id == "policy.lint")
    assert {f["code"] for f in lint.evidence["lint_findings"]} >= STAR_LINT_CODES
    assert "left_to_policy_admin_star" not in lint.evidence
    assert not [f for f in report.findings if f.check_id == "policy.admin_star"]
