"""The `policy.lint` audit check: one finding per customer-managed or inline policy with lint
findings, evidence carrying them, severity the worst one, results cached by document hash."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.audit.checks import policy_lint as check_module
from bot.audit.engine import run_audit
from bot.audit.findings import Severity
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
