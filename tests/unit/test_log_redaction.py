"""One redaction function for every log handler: the Slack module delegates to observability."""

from __future__ import annotations

import logging

import pytest

from bot.runtime import observability
from bot.slack import log_redaction

# Token-shaped values built at run time, so no scanner mistakes this file for a leak.
CLIENT_TOKEN = "xoxc-" + "1234567890-" + "abcdefABCDEF"
BOT_TOKEN = "xoxb-" + "1234567890-0987654321-" + "AbCdEfGhIj"


def test_the_slack_module_uses_the_shared_implementation() -> None:
    assert log_redaction.redact is observability.redact
    assert log_redaction.RedactSlackTokens is observability.RedactSecrets


@pytest.mark.parametrize("token", [CLIENT_TOKEN, BOT_TOKEN, "xapp-1-A0123-456-abc"])
def test_every_slack_token_kind_keeps_its_prefix_and_loses_the_rest(token: str) -> None:
    cleaned = observability.redact(f"calling with {token} now")
    assert cleaned == f"calling with {token[:4]}-*** now"


def test_install_adds_the_shared_filter_once() -> None:
    handler = logging.StreamHandler()
    log_redaction.install(handler)
    log_redaction.install(handler)
    assert [type(f) for f in handler.filters] == [observability.RedactSecrets]


def test_an_installed_handler_masks_tokens_and_aws_keys_alike() -> None:
    handler = logging.StreamHandler()
    log_redaction.install(handler)
    record = logging.LogRecord(
        "slack_sdk",
        logging.DEBUG,
        __file__,
        1,
        "headers %s key %s",
        (BOT_TOKEN, "AKIA" + "Z" * 16),
        None,
    )
    assert handler.filter(record)
    message = record.getMessage()
    assert BOT_TOKEN not in message
    assert "Z" * 16 not in message
    assert message == "headers xoxb-*** key AKIAZZZZ***"


def test_cli_log_handler_masks_tokens(capsys) -> None:
    import logging

    from bot.cli import configure_logging

    configure_logging(2)
    logging.getLogger("slack_sdk.web").debug("headers: Authorization: Bearer xoxb-1234-secretvalue")
    err = capsys.readouterr().err
    assert "secretvalue" not in err
    assert "headers" in err
