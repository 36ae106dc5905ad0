"""Settings of the Slack bot: every option from the environment and the config file, checked once.

Every problem is collected and raised together as one ConfigError, so a bad deployment fails at
start with the whole list instead of one problem per restart. Secrets never appear in repr().
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bot.approvals.rules import ApprovalRules, id_list, parse_approval_rules, parse_slack_ids
from bot.config.operations import OperationsOptions, int_in_range, parse_operations
from bot.digest.schedule import DigestSchedule, is_channel_id, schedule_from_config, shown
from bot.model.bounded_read import read_config_text
from bot.model.errors import ConfigError, InputError
from bot.model.safe_parse import UnsafeInput, parse_toml
from bot.runtime.observability import redact

DEFAULT_SLACK_API_URL = "https://slack.com/api/"

# Subcommands whose use can be restricted; keep in step with commands/router.py.
SUBCOMMANDS: tuple[str, ...] = (
    "help",
    "audit",
    "mfa",
    "user",
    "role",
    "simulate",
    "lint",
    "status",
    "policies",
    "apply",
    "detach",
    "history",
    "digest",
    "findings",
    "analyzer",
    "rightsize",
)

_REDIS_SCHEMES = ("redis", "rediss", "unix")


@dataclass(frozen=True, slots=True)
class Allowlist:
    """Who may run one subcommand: Slack user ids and user-group ids; empty means everyone."""

    user_ids: frozenset[str] = frozenset()
    group_ids: frozenset[str] = frozenset()

    @property
    def is_open(self) -> bool:
        return not self.user_ids and not self.group_ids


@dataclass(frozen=True, slots=True)
class Settings:
    """Validated options of `iam-audit serve`; build with :func:`load_settings`."""

    slack_bot_token: str = field(default="", repr=False)
    slack_signing_secret: str = field(default="", repr=False)
    slack_app_token: str = field(default="", repr=False)
    slack_api_url: str = DEFAULT_SLACK_API_URL
    redis_url: str = field(default="", repr=False)  # may embed a password
    allowed_channels: frozenset[str] = frozenset()  # empty: every channel the bot is in
    allow: dict[str, Allowlist] = field(default_factory=dict)  # subcommand -> allowlist
    aws_profile: str = ""
    aws_region: str = ""
    demo: bool = False
    port: int = 3000
    workers: int = 2  # audits running at once in this process
    max_queued_audits: int = 20  # audits waiting beyond that before "busy" is answered
    report_ttl_seconds: int = 7 * 24 * 3600
    lock_ttl_seconds: int = 900
    group_cache_seconds: int = 300
    page_size: int = 10
    # > 0: each audit also reads service last-accessed data, this many jobs at once
    last_accessed_workers: int = 0
    config_file: str = ""
    audit_config: dict[str, Any] = field(default_factory=dict, repr=False)
    approvals: ApprovalRules = field(default_factory=ApprovalRules)  # who requests / approves
    # accounts, member role, queue, log format, metrics (bot/config/operations.py)
    operations: OperationsOptions = field(default_factory=OperationsOptions)
    # The file's [digest] table as written (schedule_from_config(env, digest_config) applies the
    # IAM_AUDIT_DIGEST_* overrides) and the schedule it gave at load time, both validated.
    digest_config: dict[str, Any] = field(default_factory=dict)
    digest_schedule: DigestSchedule = field(default_factory=DigestSchedule)

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    def allowlist(self, subcommand: str) -> Allowlist:
        return self.allow.get(subcommand, Allowlist())


def load_settings(
    env: Mapping[str, str],
    *,
    config_file: str | Path | None = None,
    demo: bool = False,
    port: int | None = None,
) -> Settings:
    """Read every option (file first, environment wins) and validate them all at once."""
    problems: list[str] = []
    file_data: dict[str, Any] = {}
    path = config_file or env.get("IAM_AUDIT_CONFIG", "")
    if path:
        file_data = _read_toml(Path(path), problems)
    slack = _table(file_data, "slack", problems)
    aws = _table(file_data, "aws", problems)
    bot = _table(file_data, "bot", problems)

    def pick(env_name: str, table: dict[str, Any], key: str, default: Any = "") -> Any:
        if env.get(env_name, "") != "":
            return env[env_name]
        return table.get(key, default)

    bot_token = str(pick("SLACK_BOT_TOKEN", slack, "bot_token"))
    signing_secret = str(pick("SLACK_SIGNING_SECRET", slack, "signing_secret"))
    app_token = str(pick("SLACK_APP_TOKEN", slack, "app_token"))
    api_url = str(pick("SLACK_API_URL", slack, "api_url", DEFAULT_SLACK_API_URL))
    redis_url = str(pick("REDIS_URL", bot, "redis_url"))

    if not bot_token:
        problems.append("SLACK_BOT_TOKEN is not set (the bot token, xoxb-...)")
    elif not bot_token.startswith("xoxb-"):
        problems.append("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
    if app_token and not app_token.startswith("xapp-"):
        problems.append("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
    if not app_token and not signing_secret:
        problems.append(
            "SLACK_SIGNING_SECRET is not set (needed in HTTP mode; set SLACK_APP_TOKEN for"
            " Socket Mode instead)"
        )
    api_url = _check_url("SLACK_API_URL", api_url, ("http", "https"), problems)
    if api_url and not api_url.endswith("/"):
        api_url += "/"
    if redis_url:
        _check_url("REDIS_URL", redis_url, _REDIS_SCHEMES, problems)

    channels = id_list(
        "IAM_AUDIT_CHANNELS", pick("IAM_AUDIT_CHANNELS", slack, "channels", ""), problems
    )
    for channel in channels:
        if not is_channel_id(channel):
            problems.append(
                f"IAM_AUDIT_CHANNELS: {shown(channel)} is not a channel id (like C0123ABCD)"
            )

    allow = _allowlists(env, slack, problems)

    region = str(
        pick("IAM_AUDIT_AWS_REGION", aws, "region", env.get("AWS_REGION", ""))
        or env.get("AWS_DEFAULT_REGION", "")
    )
    profile = str(pick("IAM_AUDIT_AWS_PROFILE", aws, "profile", env.get("AWS_PROFILE", "")))

    numbers = {
        "port": (pick("IAM_AUDIT_PORT", bot, "port", 3000) if port is None else port, 0, 65535),
        "workers": (pick("IAM_AUDIT_WORKERS", bot, "workers", 2), 1, 64),
        "max_queued_audits": (pick("IAM_AUDIT_MAX_QUEUED", bot, "max_queued_audits", 20), 0, 10000),
        "report_ttl_seconds": (
            pick("IAM_AUDIT_REPORT_TTL", bot, "report_ttl_seconds", 7 * 24 * 3600),
            60,
            366 * 24 * 3600,
        ),
        "lock_ttl_seconds": (pick("IAM_AUDIT_LOCK_TTL", bot, "lock_ttl_seconds", 900), 10, 86400),
        "group_cache_seconds": (
            pick("IAM_AUDIT_GROUP_CACHE", slack, "group_cache_seconds", 300),
            0,
            86400,
        ),
        "page_size": (pick("IAM_AUDIT_PAGE_SIZE", slack, "page_size", 10), 1, 20),
        "last_accessed_workers": (
            pick("IAM_AUDIT_LAST_ACCESSED_WORKERS", bot, "last_accessed_workers", 0),
            0,
            16,
        ),
    }
    parsed: dict[str, int] = {}
    for name, (raw, low, high) in numbers.items():
        parsed[name] = int_in_range(name, raw, low, high, problems)

    demo = demo or _truthy(pick("IAM_AUDIT_DEMO", bot, "demo", False))
    approvals = parse_approval_rules(env, _table(file_data, "approvals", problems), problems)
    known_sections = {
        "slack",
        "aws",
        "bot",
        "approvals",
        "thresholds",
        "severity",
        "suppressions",
        "checks",
        "digest",
    }
    for section in file_data:
        if section not in known_sections:
            problems.append(f"config file: unknown section [{section}]")
    operations = parse_operations(env, aws=aws, bot=bot, redis_url=redis_url, problems=problems)
    digest_table = _table(file_data, "digest", problems)
    digest_schedule = _digest_schedule(env, digest_table, problems)

    if problems:
        raise ConfigError(problems)
    audit_part = {
        k: v
        for k, v in file_data.items()
        if k not in ("slack", "aws", "bot", "approvals", "digest")
    }
    return Settings(
        slack_bot_token=bot_token,
        slack_signing_secret=signing_secret,
        slack_app_token=app_token,
        slack_api_url=api_url,
        redis_url=redis_url,
        allowed_channels=frozenset(channels),
        allow=allow,
        aws_profile=profile,
        aws_region=region,
        demo=demo,
        config_file=str(path or ""),
        audit_config=audit_part,
        approvals=approvals,
        operations=operations,
        digest_config=digest_table,
        digest_schedule=digest_schedule or DigestSchedule(updated_by="config"),
        **parsed,
    )


DIGEST_KEYS = ("cron", "timezone", "channel", "accounts")


def _digest_schedule(
    env: Mapping[str, str], table: dict[str, Any], problems: list[str]
) -> DigestSchedule | None:
    """[digest] cron / timezone / channel / accounts; IAM_AUDIT_DIGEST_* win over the file.

    Types and unknown keys are checked here so each problem gets its own line; the values
    themselves are checked by schedule_from_config, whose combined message is split back up.
    """
    before = len(problems)
    for key in table:
        if key not in DIGEST_KEYS:
            problems.append(f"[digest]: unknown key {key!r} (known: {', '.join(DIGEST_KEYS)})")
    for key in ("cron", "timezone", "channel"):
        if key in table and not isinstance(table[key], str):
            problems.append(f"[digest] {key} must be a string, got {table[key]!r}")
    accounts = table.get("accounts", "")
    if not isinstance(accounts, str) and not (
        isinstance(accounts, list) and all(isinstance(a, str) for a in accounts)
    ):
        problems.append("[digest] accounts must be a list of account names or a string")
    if len(problems) > before:
        return None
    try:
        return schedule_from_config(env, table)
    except InputError as exc:
        problems.extend(f"digest schedule: {part}" for part in str(exc).split("; "))
        return None


def _read_toml(path: Path, problems: list[str]) -> dict[str, Any]:
    try:
        # Read as load_audit_config reads: bounded, no NUL byte, UTF-8 (a BOM dropped).
        return parse_toml(read_config_text(path))
    except InputError as exc:
        problems.append(str(exc))
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"config file {path} is not valid TOML: {exc}")
    except UnsafeInput as exc:
        problems.append(f"config file {path} cannot be used: {exc}")
    return {}


def _table(data: dict[str, Any], name: str, problems: list[str]) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        problems.append(f"config file: [{name}] must be a table")
        return {}
    return value


def _check_url(name: str, value: str, schemes: tuple[str, ...], problems: list[str]) -> str:
    try:
        parsed = urlparse(value)
        _ = parsed.port  # raises ValueError for a port that is not a number or out of range
    except ValueError as exc:  # "Invalid IPv6 URL", "Port could not be cast to integer value"
        problems.append(f"{name} is not a valid URL ({exc}): {redact(value)!r}")
        return ""
    if parsed.scheme not in schemes or (parsed.scheme != "unix" and not parsed.netloc):
        problems.append(f"{name} must be a {'/'.join(schemes)} URL, got {redact(value)!r}")
        return ""
    return value


def _allowlists(
    env: Mapping[str, str], slack: dict[str, Any], problems: list[str]
) -> dict[str, Allowlist]:
    """IAM_AUDIT_ALLOW (default) and IAM_AUDIT_ALLOW_<SUBCOMMAND>, or [slack.allow] in the file."""
    table = slack.get("allow", {})
    if not isinstance(table, dict):
        problems.append("config file: [slack.allow] must be a table of subcommand = [ids]")
        table = {}
    for key in table:
        if key not in (*SUBCOMMANDS, "default"):
            problems.append(f"[slack.allow]: unknown subcommand {key!r}")
    for name in env:
        if name.startswith("IAM_AUDIT_ALLOW_"):
            sub = name.removeprefix("IAM_AUDIT_ALLOW_").lower()
            if sub not in SUBCOMMANDS:
                problems.append(f"{name}: unknown subcommand {sub!r}")

    def parse(label: str, raw: Any) -> Allowlist:
        return Allowlist(*parse_slack_ids(label, raw, problems))

    default_raw = env.get("IAM_AUDIT_ALLOW") or table.get("default", "")
    default = parse("IAM_AUDIT_ALLOW", default_raw)
    allow: dict[str, Allowlist] = {}
    for sub in SUBCOMMANDS:
        env_name = f"IAM_AUDIT_ALLOW_{sub.upper()}"
        if env.get(env_name):
            allow[sub] = parse(env_name, env[env_name])
        elif sub in table:
            allow[sub] = parse(f"[slack.allow] {sub}", table[sub])
        else:
            allow[sub] = default
    # help is always open: a refused user should still be able to learn what the bot does.
    allow["help"] = Allowlist()
    return allow


def _truthy(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    return str(raw).strip().lower() in ("1", "true", "yes", "on")
