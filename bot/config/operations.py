"""Options for running at organisation scale: accounts, the member role, the queue, logs, metrics.

Read from the environment (wins) and the config file's existing [aws] / [bot] tables, so one
TOML file serves `serve`, `worker` and `audit --config` alike. Problems are appended to the
caller's list, so bot.config.settings reports them together with every other problem.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.aws.organizations import DEFAULT_MAX_WORKERS, DEFAULT_ROLE_NAME, MAX_WORKERS_LIMIT

QUEUE_KINDS = ("", "rq")
LOG_FORMATS = ("text", "json")
DEFAULT_JOB_TIMEOUT = 900

_ROLE_NAME = re.compile(r"^[\w+=,.@/-]{1,64}$")
# AWS: 2-1224 characters of [\w+=,.@:/-]
_EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
_ACCOUNTS = re.compile(r"^(all|[0-9]{12}(,[0-9]{12})*)\Z")  # ASCII digits; \Z: no final newline


@dataclass(frozen=True, slots=True)
class OperationsOptions:
    queue: str = ""  # "" = audits run in the bot process; "rq" = RQ jobs on REDIS_URL
    org_role_name: str = DEFAULT_ROLE_NAME
    external_id: str = field(default="", repr=False)  # not a secret, but no need to print it
    accounts: str = ""  # "" = the bot's own account; "all" or "id,id,..."
    account_workers: int = DEFAULT_MAX_WORKERS
    log_format: str = "text"
    metrics: bool = True
    job_timeout_seconds: int = DEFAULT_JOB_TIMEOUT

    @property
    def queued(self) -> bool:
        return self.queue == "rq"


def parse_operations(
    env: Mapping[str, str],
    *,
    aws: Mapping[str, Any],
    bot: Mapping[str, Any],
    redis_url: str,
    problems: list[str],
) -> OperationsOptions:
    """Validate every option; each problem names the variable (or file key) to fix."""

    def pick(env_name: str, table: Mapping[str, Any], key: str, default: Any) -> Any:
        if env.get(env_name, "") != "":
            return env[env_name]
        return table.get(key, default)

    queue = str(pick("IAM_AUDIT_QUEUE", bot, "queue", "")).strip().lower()
    if queue not in QUEUE_KINDS:
        problems.append(f"IAM_AUDIT_QUEUE must be 'rq' or empty, got {queue!r}")
    elif queue == "rq" and not redis_url:
        problems.append("IAM_AUDIT_QUEUE=rq needs REDIS_URL: the jobs live in Redis")

    role = str(pick("IAM_AUDIT_ORG_ROLE", aws, "org_role", DEFAULT_ROLE_NAME)).strip()
    if not _ROLE_NAME.match(role):
        problems.append(f"IAM_AUDIT_ORG_ROLE: {role!r} is not a valid IAM role name")

    external_id = str(pick("IAM_AUDIT_EXTERNAL_ID", aws, "external_id", "")).strip()
    if external_id and not _EXTERNAL_ID.match(external_id):
        problems.append(
            "IAM_AUDIT_EXTERNAL_ID must be 2-1224 characters of letters, digits and +=,.@:/-"
        )

    # Any whitespace dropped: a secret mounted as a file ends in a newline.
    accounts = "".join(str(pick("IAM_AUDIT_ACCOUNTS", aws, "accounts", "")).split()).lower()
    if accounts and not _ACCOUNTS.match(accounts):
        problems.append("IAM_AUDIT_ACCOUNTS must be 'all' or comma-separated 12-digit account ids")

    workers = int_in_range(
        "IAM_AUDIT_ACCOUNT_WORKERS",
        pick("IAM_AUDIT_ACCOUNT_WORKERS", aws, "account_workers", DEFAULT_MAX_WORKERS),
        1,
        MAX_WORKERS_LIMIT,
        problems,
    )
    log_format = str(pick("IAM_AUDIT_LOG_FORMAT", bot, "log_format", "text")).strip().lower()
    if log_format not in LOG_FORMATS:
        problems.append(f"IAM_AUDIT_LOG_FORMAT must be 'text' or 'json', got {log_format!r}")
    metrics = _bool("IAM_AUDIT_METRICS", pick("IAM_AUDIT_METRICS", bot, "metrics", True), problems)
    timeout = int_in_range(
        "IAM_AUDIT_JOB_TIMEOUT",
        pick("IAM_AUDIT_JOB_TIMEOUT", bot, "job_timeout_seconds", DEFAULT_JOB_TIMEOUT),
        30,
        86400,
        problems,
    )
    return OperationsOptions(
        queue=queue if queue in QUEUE_KINDS else "",
        org_role_name=role,
        external_id=external_id,
        accounts=accounts,
        account_workers=workers,
        log_format=log_format if log_format in LOG_FORMATS else "text",
        metrics=metrics,
        job_timeout_seconds=timeout,
    )


def int_in_range(name: str, raw: Any, low: int, high: int, problems: list[str]) -> int:
    """An integer option; a wrong type or a value out of range is appended to ``problems`` (the
    caller raises them together) and a usable value comes back so parsing can go on."""
    try:
        if isinstance(raw, bool):
            raise ValueError
        value = int(raw)
    except (TypeError, ValueError):
        problems.append(f"{name} must be an integer, got {raw!r}")
        return low
    if not low <= value <= high:
        problems.append(f"{name} must be between {low} and {high}, got {value}")
        return min(max(value, low), high)
    return value


def _bool(name: str, raw: Any, problems: list[str]) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    problems.append(f"{name} must be true or false, got {raw!r}")
    return True
