"""The reconciler judges an interrupted apply only once its AWS call cannot still be running.

An apply's call can last attempts x (connect + read timeout) + botocore's backoff; a request
judged from IAM while that call is still retrying would be finished from a state about to
change (found by the approvals review: a raised IAM_AUDIT_AWS_READ_TIMEOUT made one call outlast
the default ten minutes).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.aws.deadline import longest_call_seconds
from bot.clicmd.serve import reconcile_quiet_period


def test_defaults_keep_the_configured_ten_minutes(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "IAM_AUDIT_RECONCILE_AFTER_SECONDS",
        "IAM_AUDIT_AWS_READ_TIMEOUT",
        "IAM_AUDIT_AWS_CONNECT_TIMEOUT",
    ):
        monkeypatch.delenv(name, raising=False)
    # 10 attempts x (10 s + 30 s) + 111 s of backoff.
    assert longest_call_seconds(10) == 511.0
    assert reconcile_quiet_period() == timedelta(minutes=10)


def test_a_longer_read_timeout_raises_the_quiet_period(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IAM_AUDIT_RECONCILE_AFTER_SECONDS", raising=False)
    monkeypatch.setenv("IAM_AUDIT_AWS_READ_TIMEOUT", "120")
    longest = longest_call_seconds(10)
    assert longest == 10 * (10 + 120) + 111
    assert reconcile_quiet_period() == timedelta(seconds=longest + 60)


def test_a_short_configured_period_is_raised_not_trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IAM_AUDIT_RECONCILE_AFTER_SECONDS", "30")
    monkeypatch.delenv("IAM_AUDIT_AWS_READ_TIMEOUT", raising=False)
    monkeypatch.delenv("IAM_AUDIT_AWS_CONNECT_TIMEOUT", raising=False)
    assert reconcile_quiet_period() == timedelta(seconds=511 + 60)
    monkeypatch.setenv("IAM_AUDIT_RECONCILE_AFTER_SECONDS", "3600")
    assert reconcile_quiet_period() == timedelta(hours=1)
