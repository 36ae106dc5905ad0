"""Audit configuration: thresholds, severity overrides and suppressions, validated in one pass."""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bot.audit.findings import Finding, Severity
from bot.model.bounded_read import read_config_text
from bot.model.errors import ConfigError, InputError
from bot.model.safe_parse import UnsafeInput, parse_toml

# Defaults from checks.md; every one can be overridden in [thresholds].
DEFAULT_THRESHOLDS: dict[str, int] = {
    "inactive_days": 90,  # user.inactive
    "password_unused_days": 45,  # user.password_unused (CIS 1.11)
    "access_key_unused_days": 45,  # user.access_key_unused (CIS 1.11)
    "access_key_max_age_days": 90,  # user.access_key_not_rotated (CIS 1.13)
    "grace_days": 7,  # new users / keys / roles are never flagged as unused
    "root_recent_use_days": 30,  # root.recently_used
    "role_unused_days": 90,  # role.unused
    "password_min_length": 14,  # password_policy.min_length
    "password_reuse_prevention": 24,  # password_policy.reuse
    "password_max_age_days": 90,  # password_policy.expiry
    "service_unused_days": 90,  # principal.unused_services
}


@dataclass(frozen=True, slots=True)
class Suppression:
    """Mutes findings of one check (glob allowed) on resources matching an ARN glob."""

    check: str
    resource: str
    reason: str
    expires: date | None = None

    def is_active(self, now: datetime) -> bool:
        return self.expires is None or now.date() <= self.expires

    def matches(self, finding: Finding) -> bool:
        return fnmatch.fnmatchcase(finding.check_id, self.check) and fnmatch.fnmatchcase(
            finding.resource_arn, self.resource
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "resource": self.resource,
            "reason": self.reason,
            "expires": self.expires.isoformat() if self.expires else None,
        }


@dataclass(frozen=True, slots=True)
class AuditConfig:
    thresholds: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    severity_overrides: dict[str, Severity] = field(default_factory=dict)
    suppressions: tuple[Suppression, ...] = ()
    disabled_checks: tuple[str, ...] = ()

    def threshold(self, name: str) -> int:
        return self.thresholds[name]


def audit_config_from_dict(data: dict[str, Any], *, known_checks: set[str]) -> AuditConfig:
    """Validate a parsed config mapping; every problem is reported together."""
    problems: list[str] = []
    allowed_sections = {"thresholds", "severity", "suppressions", "checks", "slack", "aws", "bot"}
    for section in data:
        if section not in allowed_sections:
            problems.append(f"unknown section [{section}]")

    thresholds = dict(DEFAULT_THRESHOLDS)
    for key, value in _table(data, "thresholds", problems).items():
        if key not in DEFAULT_THRESHOLDS:
            problems.append(f"[thresholds] unknown key {key!r}")
        elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append(f"[thresholds] {key} must be a non-negative integer, got {value!r}")
        else:
            thresholds[key] = value

    overrides: dict[str, Severity] = {}
    for check_id, value in _table(data, "severity", problems).items():
        if check_id not in known_checks:
            problems.append(f"[severity] unknown check id {check_id!r}")
            continue
        if not isinstance(value, str):
            problems.append(f"[severity] {check_id} must be a severity name, got {value!r}")
            continue
        try:
            overrides[check_id] = Severity.parse(str(value))
        except InputError as exc:
            problems.append(f"[severity] {check_id}: {exc}")

    suppressions: list[Suppression] = []
    raw_suppressions = data.get("suppressions") or []
    if not isinstance(raw_suppressions, list):
        problems.append("[[suppressions]] must be an array of tables")
        raw_suppressions = []
    for index, item in enumerate(raw_suppressions, start=1):
        where = f"suppression #{index}"
        if not isinstance(item, dict):
            problems.append(f"{where} must be a table")
            continue
        check = item.get("check")
        resource = item.get("resource", "*")
        reason = item.get("reason")
        expires = item.get("expires")
        if not isinstance(check, str) or not check:
            problems.append(f"{where}: 'check' (a check id or glob) is required")
        elif not any(fnmatch.fnmatchcase(c, check) for c in known_checks):
            problems.append(f"{where}: 'check' {check!r} matches no known check")
        if not isinstance(resource, str) or not resource:
            problems.append(f"{where}: 'resource' must be an ARN or ARN glob")
        if not isinstance(reason, str) or not reason.strip():
            problems.append(f"{where}: 'reason' is required (say why the finding is accepted)")
        if isinstance(expires, datetime):
            expires = expires.date()
        elif isinstance(expires, str):
            try:
                expires = date.fromisoformat(expires)
            except ValueError:
                problems.append(f"{where}: 'expires' must be a date like 2027-01-31")
                expires = None
        elif expires is not None and not isinstance(expires, date):
            problems.append(f"{where}: 'expires' must be a date like 2027-01-31")
            expires = None
        unknown = set(item) - {"check", "resource", "reason", "expires"}
        if unknown:
            problems.append(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        if isinstance(check, str) and isinstance(resource, str) and isinstance(reason, str):
            suppressions.append(Suppression(check, resource, reason.strip(), expires))

    disabled: list[str] = []
    checks_section = _table(data, "checks", problems)
    for key in sorted(set(checks_section) - {"disabled"}):
        problems.append(f"[checks] unknown key {key!r}")
    raw_disabled = checks_section.get("disabled", [])
    if not isinstance(raw_disabled, list):
        problems.append("[checks] disabled must be a list of check ids")
        raw_disabled = []
    for check_id in raw_disabled:
        if not isinstance(check_id, str) or check_id not in known_checks:
            problems.append(f"[checks] disabled: unknown check id {check_id!r}")
        else:
            disabled.append(check_id)

    if problems:
        raise ConfigError(problems)
    return AuditConfig(thresholds, overrides, tuple(suppressions), tuple(disabled))


def _table(data: dict[str, Any], section: str, problems: list[str]) -> dict[str, Any]:
    """A section that must be a TOML table; anything else is reported, not crashed on."""
    value = data.get(section)
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(f"[{section}] must be a table, got {type(value).__name__}")
        return {}
    return value


class ConfigFileError(ConfigError):
    """A ConfigError whose message names the file (``problems`` stay as found): with several
    files in play (--config, the bot's settings) "unknown section [nope]" alone says not where."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        super().__init__(problems)
        self.path = path
        self.args = (f"config file {path}: {self.args[0]}",)


def load_audit_config(path: str | Path, *, known_checks: set[str]) -> AuditConfig:
    """Read a TOML config file; a missing or unparsable file is an InputError, bad content a
    ConfigError naming the file. A UTF-8 BOM (Windows editors) is accepted, as in JSON inputs."""
    file = Path(path)
    text = read_config_text(file)  # bounded: --config /dev/zero was read until memory ran out
    try:
        data = parse_toml(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"config file {file} is not valid TOML: {exc}") from None
    except UnsafeInput as exc:
        raise InputError(f"config file {file} cannot be used: {exc}") from None
    try:
        return audit_config_from_dict(data, known_checks=known_checks)
    except ConfigError as exc:
        raise ConfigFileError(file, exc.problems) from None


def utc_today(now: datetime) -> date:
    return now.astimezone(UTC).date()
