"""Settings: every option from env / file, every problem reported at once, no secret in repr."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config.settings import DEFAULT_SLACK_API_URL, load_settings
from bot.model.errors import ConfigError

GOOD = {"SLACK_BOT_TOKEN": "xoxb-1-secret-bot", "SLACK_SIGNING_SECRET": "shh-signing"}


def test_minimal_http_settings_and_defaults() -> None:
    settings = load_settings(GOOD)
    assert settings.slack_api_url == DEFAULT_SLACK_API_URL
    assert not settings.socket_mode
    assert settings.port == 3000
    assert settings.redis_url == ""
    assert settings.allowlist("audit").is_open
    assert settings.allowed_channels == frozenset()


def test_every_problem_is_listed_together() -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxp-user-token",
        "SLACK_APP_TOKEN": "wrong",
        "SLACK_API_URL": "ftp://slack",
        "REDIS_URL": "http://cache:6379",
        "IAM_AUDIT_CHANNELS": "C123ABC,general",
        "IAM_AUDIT_ALLOW_AUDIT": "U12345,bob",
        "IAM_AUDIT_ALLOW_DELETE": "U12345",
        "IAM_AUDIT_PORT": "99999",
        "IAM_AUDIT_WORKERS": "many",
    }
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    problems = caught.value.problems
    joined = "\n".join(problems)
    for fragment in (
        "SLACK_BOT_TOKEN must be a bot token",
        "SLACK_APP_TOKEN must be an app-level token",
        "SLACK_API_URL must be",
        "REDIS_URL must be",
        "'general' is not a channel id",
        "'bob' is neither a user id",
        "IAM_AUDIT_ALLOW_DELETE: unknown subcommand",
        "port must be between",
        "workers must be an integer",
    ):
        assert fragment in joined
    assert len(problems) == 9


def test_missing_everything() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({})
    assert len(caught.value.problems) == 2  # bot token, signing secret (HTTP mode)


def test_socket_mode_needs_no_signing_secret() -> None:
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1-abc"})
    assert settings.socket_mode


def test_secrets_never_appear_in_repr_or_errors() -> None:
    settings = load_settings({**GOOD, "REDIS_URL": "redis://:hunter2@cache:6379/0"})
    shown = repr(settings)
    for secret in ("secret-bot", "shh-signing", "hunter2"):
        assert secret not in shown
    with pytest.raises(ConfigError) as caught:
        load_settings({**GOOD, "REDIS_URL": "http://user:hunter2@cache/0"})
    assert "hunter2" not in str(caught.value)


def test_api_url_gets_a_trailing_slash_for_govslack() -> None:
    settings = load_settings({**GOOD, "SLACK_API_URL": "https://slack-gov.com/api"})
    assert settings.slack_api_url == "https://slack-gov.com/api/"


def test_allowlists_default_and_per_subcommand() -> None:
    settings = load_settings(
        {**GOOD, "IAM_AUDIT_ALLOW": "U1AA,S9GROUP", "IAM_AUDIT_ALLOW_SIMULATE": "U2BB"}
    )
    assert settings.allowlist("audit").user_ids == {"U1AA"}
    assert settings.allowlist("audit").group_ids == {"S9GROUP"}
    assert settings.allowlist("simulate").user_ids == {"U2BB"}
    assert settings.allowlist("help").is_open


def test_config_file_and_env_precedence(tmp_path: Path) -> None:
    file = tmp_path / "iam-audit.toml"
    file.write_text(
        """
[slack]
bot_token = "xoxb-from-file"
signing_secret = "file-secret"
channels = ["C0FILE1"]
[slack.allow]
lint = ["U0LINT"]
[aws]
profile = "audit"
region = "eu-west-1"
[bot]
workers = 4
[thresholds]
inactive_days = 60
""",
        encoding="utf-8",
    )
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-env-wins"}, config_file=file)
    assert settings.slack_bot_token == "xoxb-env-wins"
    assert settings.slack_signing_secret == "file-secret"
    assert settings.allowed_channels == {"C0FILE1"}
    assert settings.allowlist("lint").user_ids == {"U0LINT"}
    assert (settings.aws_profile, settings.aws_region, settings.workers) == (
        "audit",
        "eu-west-1",
        4,
    )
    assert settings.audit_config == {"thresholds": {"inactive_days": 60}}


def test_bad_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(GOOD, config_file=tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[slack\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(GOOD, config_file=broken)
    odd = tmp_path / "odd.toml"
    odd.write_text('[surprise]\nx = 1\n[slack]\nallow = "U1"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(GOOD, config_file=odd)
    assert len(caught.value.problems) == 2


def test_aws_settings_like_the_cli() -> None:
    settings = load_settings({**GOOD, "AWS_PROFILE": "prod", "AWS_REGION": "us-west-2"})
    assert (settings.aws_profile, settings.aws_region) == ("prod", "us-west-2")


def test_log_lines_never_carry_a_slack_token(caplog: pytest.LogCaptureFixture) -> None:
    """Holds whichever handlers earlier tests left on the root logger: there is one redaction."""
    import logging

    from bot.slack.log_redaction import RedactSlackTokens, redact

    assert redact("Bearer xoxb-123-456-abcDEF and xapp-1-A2-3") == "Bearer xoxb-*** and xapp-***"
    logger = logging.getLogger("test.redaction")
    caplog.handler.addFilter(RedactSlackTokens())
    with caplog.at_level(logging.DEBUG, logger="test.redaction"):
        logger.debug("headers: %s", {"Authorization": "Bearer xoxb-999-secret"})
    assert "secret" not in caplog.text
    assert "xoxb-999" not in caplog.text
    assert "'Authorization': '***'" in caplog.text


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("C" + "A" * 40, "'C" + "A" * 39 + "'..."),  # no id is that long: cut when shown
        ("C12\u202eEVIL", "'C12\\u202eEVIL'"),  # a bidi override is escaped, not echoed
        ("<!everyone>", "'<!everyone>'"),
    ],
)
def test_allowed_channels_share_the_digest_rule_and_echo_escaped(value: str, shown: str) -> None:
    """IAM_AUDIT_CHANNELS is read with the digest's channel rule (bot.digest.schedule): ids of
    C, G or D and 2-24 upper-case letters or digits, the refused value echoed escaped and cut."""
    with pytest.raises(ConfigError) as caught:
        load_settings({**GOOD, "IAM_AUDIT_CHANNELS": value})
    (problem,) = [p for p in caught.value.problems if p.startswith("IAM_AUDIT_CHANNELS")]
    assert problem == f"IAM_AUDIT_CHANNELS: {shown} is not a channel id (like C0123ABCD)"


def test_a_direct_message_id_is_an_allowed_channel() -> None:
    settings = load_settings({**GOOD, "IAM_AUDIT_CHANNELS": "D0123ABCD"})
    assert settings.allowed_channels == frozenset({"D0123ABCD"})
