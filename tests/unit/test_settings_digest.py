"""The config file's [digest] table: accepted, validated with every problem listed, env wins."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.config.settings import load_settings
from bot.digest.schedule import DEFAULT_CRON, DigestSchedule
from bot.model.errors import ConfigError

GOOD = {"SLACK_BOT_TOKEN": "xoxb-1-secret-bot", "SLACK_SIGNING_SECRET": "shh-signing"}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "iam-audit.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_digest_table_is_read_into_the_schedule(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
[digest]
cron = "30 8 * * 1-5"
timezone = "Europe/Paris"
channel = "#C0DIGEST1"
accounts = ["demo"]

[thresholds]
key_max_age_days = 60
""",
    )
    settings = load_settings(GOOD, config_file=path)
    schedule = settings.digest_schedule
    assert schedule.cron == "30 8 * * 1-5"
    assert schedule.timezone == "Europe/Paris"
    assert schedule.channel == "C0DIGEST1"  # a leading # is tolerated
    assert schedule.accounts == ("demo",)
    assert schedule.updated_by == "config"
    assert settings.digest_config["cron"] == "30 8 * * 1-5"
    # The [digest] table is not mistaken for part of the audit configuration.
    assert "digest" not in settings.audit_config
    assert "thresholds" in settings.audit_config


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, '[digest]\ncron = "0 7 * * *"\nchannel = "C0FILE"\n')
    env = {**GOOD, "IAM_AUDIT_DIGEST_CRON": "15 6 * * 1", "IAM_AUDIT_DIGEST_CHANNEL": "C0ENV"}
    settings = load_settings(env, config_file=path)
    assert settings.digest_schedule.cron == "15 6 * * 1"
    assert settings.digest_schedule.channel == "C0ENV"
    # The raw table stays as written: the scheduler applies the same overrides itself.
    assert settings.digest_config["channel"] == "C0FILE"


def test_without_a_table_the_default_schedule_applies() -> None:
    settings = load_settings(GOOD)
    assert settings.digest_config == {}
    assert settings.digest_schedule.cron == DEFAULT_CRON
    assert settings.digest_schedule.channel == ""


def test_every_digest_problem_is_listed_together_with_the_others(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
[digest]
cron = "0 25 * *"
timezone = "Mars/Olympus"
channel = "general"
""",
    )
    env = {**GOOD, "IAM_AUDIT_WORKERS": "many"}
    with pytest.raises(ConfigError) as caught:
        load_settings(env, config_file=path)
    joined = "\n".join(caught.value.problems)
    assert "IAM_AUDIT_DIGEST_CRON" in joined
    assert "IAM_AUDIT_DIGEST_TIMEZONE" in joined
    assert "Mars/Olympus" in joined
    assert "'general' is a channel name" in joined
    assert "workers must be an integer" in joined  # reported in the same error
    assert len(caught.value.problems) >= 4


def test_wrong_types_and_unknown_keys_are_named(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
[digest]
cron = 9
channel = ["C0DIGEST"]
accounts = [1, 2]
when = "mornings"
""",
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(GOOD, config_file=path)
    problems = caught.value.problems
    assert any("unknown key 'when'" in p for p in problems)
    assert any("[digest] cron must be a string" in p for p in problems)
    assert any("[digest] channel must be a string" in p for p in problems)
    assert any("[digest] accounts must be a list" in p for p in problems)


def test_digest_must_be_a_table(tmp_path: Path) -> None:
    path = _write(tmp_path, 'digest = "daily"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(GOOD, config_file=path)
    assert "config file: [digest] must be a table" in caught.value.problems


def test_a_bad_environment_value_fails_at_start_even_without_a_table() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({**GOOD, "IAM_AUDIT_DIGEST_TIMEZONE": "Nowhere/City"})
    assert any("Nowhere/City" in p for p in caught.value.problems)


def _services(settings):
    from bot.store import make_store

    return SimpleNamespace(
        settings=settings,
        store=make_store("", clock=lambda: None),
        clock=lambda: None,
        delivery=None,
        audits=SimpleNamespace(target="default"),
        approvals=None,
    )


def test_the_scheduler_uses_the_file_table_with_env_overrides(tmp_path: Path) -> None:
    from bot.digest.scheduler import build_digest_scheduler

    path = _write(tmp_path, '[digest]\ncron = "0 6 * * *"\nchannel = "C0FILE"\n')
    settings = load_settings(GOOD, config_file=path)
    scheduler = build_digest_scheduler(_services(settings), {"IAM_AUDIT_DIGEST_CHANNEL": "C0ENV"})
    configured = scheduler.current_schedule()  # nothing set from Slack: the configured one
    assert isinstance(configured, DigestSchedule)
    assert configured.cron == "0 6 * * *"
    assert configured.channel == "C0ENV"


def test_the_digest_covers_the_configured_member_accounts() -> None:
    from bot.organizations.member_audits import digest_accounts

    env = {**GOOD, "IAM_AUDIT_ACCOUNTS": "111111111111,222222222222"}
    services = _services(load_settings(env))
    targets = [a.target for a in digest_accounts(services)]
    assert targets == ["default", "111111111111", "222222222222"]
    # Without a list (the bot's own account, or `all`) the digest stays single-account.
    assert [a.target for a in digest_accounts(_services(load_settings(GOOD)))] == ["default"]
