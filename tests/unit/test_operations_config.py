"""Options for many accounts, the queue, logs and metrics: env wins, problems come together."""

from __future__ import annotations

import pytest

from bot.config.operations import OperationsOptions, parse_operations


def parse(env=None, *, aws=None, bot=None, redis_url="redis://redis:6379/0"):
    problems: list[str] = []
    options = parse_operations(
        env or {}, aws=aws or {}, bot=bot or {}, redis_url=redis_url, problems=problems
    )
    return options, problems


def test_defaults_run_in_process_on_the_own_account() -> None:
    options, problems = parse()
    assert problems == []
    assert options == OperationsOptions()
    assert not options.queued
    assert options.org_role_name == "iam-audit-member"


def test_file_values_and_environment_overrides() -> None:
    options, problems = parse(
        {"IAM_AUDIT_QUEUE": "rq", "IAM_AUDIT_EXTERNAL_ID": "from-env-123"},
        aws={
            "org_role": "AuditRole",
            "accounts": "all",
            "account_workers": 4,
            "external_id": "from-file",
        },
        bot={"log_format": "json", "metrics": False, "queue": ""},
    )
    assert problems == []
    assert options.queued
    assert options.org_role_name == "AuditRole"
    assert options.external_id == "from-env-123"
    assert options.accounts == "all"
    assert options.account_workers == 4
    assert options.log_format == "json"
    assert options.metrics is False
    assert "from-env-123" not in repr(options)


def test_every_problem_is_reported_together() -> None:
    _, problems = parse(
        {
            "IAM_AUDIT_QUEUE": "celery",
            "IAM_AUDIT_ORG_ROLE": "has space",
            "IAM_AUDIT_EXTERNAL_ID": "x",
            "IAM_AUDIT_ACCOUNTS": "12345",
            "IAM_AUDIT_ACCOUNT_WORKERS": "500",
            "IAM_AUDIT_LOG_FORMAT": "xml",
            "IAM_AUDIT_METRICS": "perhaps",
            "IAM_AUDIT_JOB_TIMEOUT": "soon",
        }
    )
    joined = " | ".join(problems)
    for name in (
        "IAM_AUDIT_QUEUE",
        "IAM_AUDIT_ORG_ROLE",
        "IAM_AUDIT_EXTERNAL_ID",
        "IAM_AUDIT_ACCOUNTS",
        "IAM_AUDIT_ACCOUNT_WORKERS",
        "IAM_AUDIT_LOG_FORMAT",
        "IAM_AUDIT_METRICS",
        "IAM_AUDIT_JOB_TIMEOUT",
    ):
        assert name in joined
    assert len(problems) == 8


def test_the_queue_needs_redis() -> None:
    _, problems = parse({"IAM_AUDIT_QUEUE": "rq"}, redis_url="")
    assert problems == ["IAM_AUDIT_QUEUE=rq needs REDIS_URL: the jobs live in Redis"]


@pytest.mark.parametrize("accounts", ["all", "ALL", "111122223333", "111122223333, 444455556666"])
def test_account_lists_are_accepted(accounts: str) -> None:
    options, problems = parse({"IAM_AUDIT_ACCOUNTS": accounts})
    assert problems == []
    assert options.accounts in ("all", "111122223333", "111122223333,444455556666")


def test_settings_report_operations_problems_with_all_the_others(tmp_path) -> None:
    from bot.config.settings import load_settings
    from bot.model.errors import ConfigError

    config = tmp_path / "bot.toml"
    config.write_text(
        '[aws]\norg_role = "Audit Role"\naccounts = "all"\n[bot]\nqueue = "rq"\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError) as caught:
        load_settings({"SLACK_BOT_TOKEN": "not-a-token"}, config_file=config)
    joined = " | ".join(caught.value.problems)
    assert "SLACK_BOT_TOKEN" in joined  # a Slack problem...
    assert "IAM_AUDIT_ORG_ROLE" in joined  # ...and the operations problems, in one list
    assert "needs REDIS_URL" in joined


def test_settings_carry_valid_operations_options(tmp_path) -> None:
    from bot.config.settings import load_settings

    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-1-2-abc",
            "SLACK_SIGNING_SECRET": "s" * 32,
            "REDIS_URL": "redis://redis:6379/0",
            "IAM_AUDIT_QUEUE": "rq",
            "IAM_AUDIT_LOG_FORMAT": "json",
        }
    )
    assert settings.operations.queued
    assert settings.operations.log_format == "json"
