"""Audit configuration: TOML loading, every problem reported together, bad types, unknown keys."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.audit.config import (
    DEFAULT_THRESHOLDS,
    AuditConfig,
    audit_config_from_dict,
    load_audit_config,
)
from bot.audit.findings import Severity
from bot.model.errors import ConfigError, InputError

KNOWN = {"user.inactive", "user.without_mfa", "root.mfa_disabled", "policy.admin_star"}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "iam-audit.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _problems(data: dict) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        audit_config_from_dict(data, known_checks=KNOWN)
    return caught.value.problems


def test_full_valid_config_is_loaded(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
[thresholds]
inactive_days = 60
grace_days = 14

[severity]
"user.without_mfa" = "HIGH"

[[suppressions]]
check = "user.*"
resource = "arn:aws:iam::123456789012:user/break-glass-*"
reason = "break-glass users are audited by hand"
expires = 2027-01-31

[[suppressions]]
check = "policy.admin_star"
reason = "accepted"

[checks]
disabled = ["root.mfa_disabled"]
""",
    )
    config = load_audit_config(path, known_checks=KNOWN)
    assert config.threshold("inactive_days") == 60
    assert config.threshold("grace_days") == 14
    assert (
        config.threshold("access_key_max_age_days") == DEFAULT_THRESHOLDS["access_key_max_age_days"]
    )
    assert config.severity_overrides == {"user.without_mfa": Severity.HIGH}
    first, second = config.suppressions
    assert first.expires == date(2027, 1, 31)
    assert first.reason == "break-glass users are audited by hand"
    assert second.resource == "*"  # default: every resource
    assert second.expires is None
    assert config.disabled_checks == ("root.mfa_disabled",)


def test_empty_config_gives_the_checks_md_defaults(tmp_path: Path) -> None:
    config = load_audit_config(_write(tmp_path, ""), known_checks=KNOWN)
    assert config == AuditConfig()
    assert config.threshold("inactive_days") == 90
    assert config.threshold("password_unused_days") == 45
    assert config.threshold("grace_days") == 7


def test_every_problem_is_reported_together(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
[thresholds]
inactive_day = 60
grace_days = -1
access_key_max_age_days = true
role_unused_days = "90"

[severity]
"user.nope" = "high"
"user.inactive" = "urgent"

[[suppressions]]
check = "nothing.matches"
resource = "arn:*"
reason = ""
expires = "next week"
colour = "red"

[checks]
disabled = ["user.gone"]

[extra]
x = 1
""",
    )
    with pytest.raises(ConfigError) as caught:
        load_audit_config(path, known_checks=KNOWN)
    problems = caught.value.problems
    expected_fragments = [
        "unknown section [extra]",
        "[thresholds] unknown key 'inactive_day'",
        "grace_days must be a non-negative integer",
        "access_key_max_age_days must be a non-negative integer",
        "role_unused_days must be a non-negative integer",
        "[severity] unknown check id 'user.nope'",
        "[severity] user.inactive: unknown severity 'urgent'",
        "'check' 'nothing.matches' matches no known check",
        "'reason' is required",
        "'expires' must be a date",
        "unknown key(s) colour",
        "[checks] disabled: unknown check id 'user.gone'",
    ]
    for fragment in expected_fragments:
        assert any(fragment in p for p in problems), (fragment, problems)
    assert len(problems) == len(expected_fragments)
    assert "invalid configuration:" in str(caught.value)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"thresholds": 5}, "[thresholds] must be a table"),
        ({"severity": "high"}, "[severity] must be a table"),
        ({"severity": {"user.inactive": 3}}, "must be a severity name"),
        ({"checks": 3}, "[checks] must be a table"),
        ({"checks": {"disabled": "user.inactive"}}, "disabled must be a list"),
        ({"checks": {"disabled": [7]}}, "unknown check id 7"),
        ({"checks": {"enable": []}}, "[checks] unknown key 'enable'"),
        ({"suppressions": {"check": "user.inactive"}}, "must be an array of tables"),
        ({"suppressions": ["user.inactive"]}, "suppression #1 must be a table"),
        ({"suppressions": [{"reason": "x"}]}, "'check' (a check id or glob) is required"),
        (
            {"suppressions": [{"check": "user.inactive", "resource": 5, "reason": "x"}]},
            "'resource'",
        ),
        ({"suppressions": [{"check": "user.inactive", "reason": "x", "expires": 5}]}, "'expires'"),
        ({"thresholds": {"grace_days": 1.5}}, "grace_days must be a non-negative integer"),
    ],
)
def test_bad_types_are_problems_not_crashes(data, fragment) -> None:
    problems = _problems(data)
    assert any(fragment in p for p in problems), problems


def test_bad_types_in_several_sections_are_all_listed() -> None:
    problems = _problems({"thresholds": [], "severity": 1, "checks": "x"})
    assert len(problems) == 3


def test_sections_of_other_components_are_allowed() -> None:
    config = audit_config_from_dict({"slack": {"x": 1}, "aws": {}, "bot": {}}, known_checks=KNOWN)
    assert config == AuditConfig()


def test_suppression_expiry_is_inclusive() -> None:
    from datetime import UTC, datetime

    config = audit_config_from_dict(
        {"suppressions": [{"check": "user.inactive", "reason": "x", "expires": "2026-11-29"}]},
        known_checks=KNOWN,
    )
    rule = config.suppressions[0]
    assert rule.is_active(datetime(2026, 11, 29, 23, 0, tzinfo=UTC))
    assert not rule.is_active(datetime(2026, 11, 30, 0, 1, tzinfo=UTC))


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="config file not found"):
        load_audit_config(tmp_path / "absent.toml", known_checks=KNOWN)


def test_invalid_toml_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not valid TOML"):
        load_audit_config(_write(tmp_path, "[thresholds\ninactive_days = "), known_checks=KNOWN)


def test_undecodable_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(InputError, match="cannot read config file"):
        load_audit_config(path, known_checks=KNOWN)
