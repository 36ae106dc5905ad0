"""Logs never carry secrets, JSON logs are one object per line, metrics count what happened."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.runtime.observability import (
    AWS_ERROR_CODES_KEPT,
    JsonFormatter,
    Metrics,
    OpsHttpServer,
    RedactSecrets,
    SlackErrorCounter,
    audit_seconds,
    configure_logging,
    instrument_services,
    make_handler,
    redact,
    register_secrets,
)

# Secret-looking values built at run time, so no scanner mistakes this file for a leak.
BOT_TOKEN = "xoxb-" + "1234567890-0987654321-" + "AbCdEfGhIjKlMnOpQrStUvWx"
APP_TOKEN = "xapp-1-" + "A0123456789-" + "1234567890123-abcdef0123456789"
ACCESS_KEY = "AKIA" + "IOSFODNN7EXAMPLE"
TEMP_KEY = "ASIA" + "ZZZZYYYYXXXXWWWW"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@pytest.mark.parametrize(
    ("text", "leak"),
    [
        (f"posting with token {BOT_TOKEN}", BOT_TOKEN),
        (f"socket mode {APP_TOKEN} connected", APP_TOKEN),
        (f"credentials {ACCESS_KEY} used", ACCESS_KEY),
        (f"session for {TEMP_KEY}", TEMP_KEY),
        (f"aws_secret_access_key={SECRET_KEY}", SECRET_KEY),
        (f'{{"SecretAccessKey": "{SECRET_KEY}"}}', SECRET_KEY),
        (f"bare {SECRET_KEY} in a dump", SECRET_KEY),
        (f"signing_secret: {SIGNING_SECRET}", SIGNING_SECRET),
        ("Authorization: Bearer abcdefgh12345678", "abcdefgh12345678"),
        ("redis://:s3cret-pass@redis:6379/0", "s3cret-pass"),
        ("password=hunter2hunter2", "hunter2hunter2"),
    ],
)
def test_secrets_are_masked(text: str, leak: str) -> None:
    cleaned = redact(text)
    assert leak not in cleaned
    assert "***" in cleaned


def test_ordinary_text_is_left_alone() -> None:
    text = "audit of 123456789012 finished: 3 findings, role arn:aws:iam::123456789012:role/app"
    assert redact(text) == text
    # A masked key keeps its prefix, so the log still says what kind of value it was.
    assert redact(f"key {ACCESS_KEY}").startswith("key AKIAIOSF")


def test_configured_secrets_are_masked_by_value_even_bare(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A signing secret (32 hex digits) or a Redis password quoted with nothing in front has
    neither a shape nor a label the patterns know: the values the process is configured with are
    masked wherever they appear."""
    signing = "0123456789abcdef" + "fedcba9876543210"
    password = "correct-horse-" + "battery-staple"
    monkeypatch.setenv("SLACK_SIGNING_SECRET", signing)
    monkeypatch.setenv("REDIS_URL", f"redis://:{password}@redis:6379/0")
    try:
        configure_logging("INFO")
        logging.getLogger("bot.test").warning("got %s, then '%s' from the store", signing, password)
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if isinstance(h, type(make_handler()))]:
            root.removeHandler(handler)
    err = capsys.readouterr().err
    assert signing not in err
    assert password not in err
    assert "got ***, then '***' from the store" in err
    register_secrets("short")  # too short to mask safely: ordinary words stay readable
    assert redact("a short note") == "a short note"


def _record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("bot.test", logging.INFO, __file__, 1, message, args, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_the_filter_masks_arguments_and_extra_fields() -> None:
    record = _record("token %s for %s", BOT_TOKEN, "U123", channel_secret=f"token={BOT_TOKEN}")
    assert RedactSecrets().filter(record) is True
    assert BOT_TOKEN not in record.getMessage()
    assert "U123" in record.getMessage()
    assert BOT_TOKEN not in record.channel_secret  # type: ignore[attr-defined]


def test_json_logs_are_one_object_per_line_with_extras_and_masked_tracebacks() -> None:
    try:
        raise RuntimeError(f"boom with {BOT_TOKEN}")
    except RuntimeError:
        import sys

        record = logging.LogRecord(
            "bot.runs.jobs",
            logging.ERROR,
            __file__,
            7,
            "audit of %s crashed",
            ("123456789012",),
            sys.exc_info(),
        )
    record.account = "123456789012"
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "error"
    assert entry["logger"] == "bot.runs.jobs"
    assert entry["message"] == "audit of 123456789012 crashed"
    assert entry["account"] == "123456789012"
    assert "RuntimeError" in entry["exception"]
    assert BOT_TOKEN not in line
    assert datetime.fromisoformat(entry["time"]).tzinfo is not None


def test_configure_logging_in_json_writes_masked_json_to_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    handler = configure_logging("INFO", log_format="json")
    try:
        logging.getLogger("slack_sdk.web").info("calling with %s", BOT_TOKEN)
        err = capsys.readouterr().err.strip().splitlines()
        ours = [line for line in err if line.startswith("{")]  # other tests' handlers may print too
        entries = [json.loads(line) for line in ours]
        assert [e["message"] for e in entries if e["logger"] == "slack_sdk.web"] == [
            "calling with xoxb-***"
        ]
        assert BOT_TOKEN not in "\n".join(ours)
        # Idempotent: configuring again replaces our handler instead of adding a second.
        configure_logging("INFO", log_format="text")
        ours = [h for h in logging.getLogger().handlers if type(h) is type(handler)]
        assert len(ours) == 1
    finally:
        for h in [h for h in logging.getLogger().handlers if type(h) is type(handler)]:
            logging.getLogger().removeHandler(h)


def test_unknown_log_format_is_refused() -> None:
    with pytest.raises(ValueError, match="text"):
        make_handler("xml")


# --- metrics --------------------------------------------------------------------------------------


def sample(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def test_audits_findings_and_durations_are_counted() -> None:
    metrics = Metrics()
    summary = {"critical": 1, "high": 2, "medium": 0, "low": 3, "info": 0}
    metrics.observe_audit(account="123456789012", summary=summary, seconds=4.2)
    metrics.observe_audit(account="210987654321", summary=summary, seconds=None)
    metrics.observe_failed_audit(mode="rq")
    assert sample(metrics, "iam_audit_audits_total", mode="inline", outcome="ok") == 2
    assert sample(metrics, "iam_audit_audits_total", mode="rq", outcome="error") == 1
    assert sample(metrics, "iam_audit_findings_total", severity="high") == 4
    assert sample(metrics, "iam_audit_latest_findings", account="123456789012", severity="low") == 3
    assert sample(metrics, "iam_audit_audit_duration_seconds_count", mode="inline") == 1
    assert sample(metrics, "iam_audit_audit_duration_seconds_sum", mode="inline") == pytest.approx(
        4.2
    )


def test_exposition_is_prometheus_text_and_refreshes_gauges() -> None:
    metrics = Metrics()
    metrics.observe_aws_error("iam", "Throttling")
    body, content_type = metrics.exposition(refresh=[lambda: metrics.queued.set(7)])
    text = body.decode()
    assert content_type.startswith("text/plain")
    assert 'iam_audit_aws_errors_total{code="Throttling",service="iam"} 1.0' in text
    assert "iam_audit_queued_audits 7.0" in text


def test_aws_error_codes_are_bounded_labels() -> None:
    """The code is whatever the endpoint answered (a proxy or an emulator may answer anything):
    odd codes and codes past the per-service cap count as "other", so answers cannot grow the
    scrape and the bot's memory without bound; ordinary codes keep their own label."""
    metrics = Metrics()
    metrics.observe_aws_error("iam", "Throttling")
    metrics.observe_aws_error("iam", '<html>502 Bad Gateway</html>\n{x="1"}')
    metrics.observe_aws_error("iam", "x" * 5000)
    for n in range(AWS_ERROR_CODES_KEPT + 50):
        metrics.observe_aws_error("iam", f"Code{n}")
    metrics.observe_aws_error("iam", "Throttling")  # a code already kept keeps counting alone
    metrics.observe_aws_error("bad service\n", "Throttling")
    text = metrics.exposition()[0].decode()
    codes = {
        line.split('code="')[1].split('"')[0]
        for line in text.splitlines()
        if "aws_errors_total{" in line
    }
    assert len(codes) <= AWS_ERROR_CODES_KEPT + 1
    assert sample(metrics, "iam_audit_aws_errors_total", service="iam", code="Throttling") == 2
    assert (
        sample(metrics, "iam_audit_aws_errors_total", service="iam", code="other") == 53
    )  # 2 odd, 51 past the cap (Throttling took a slot)
    assert sample(metrics, "iam_audit_aws_errors_total", service="unknown", code="Throttling") == 1
    assert "Bad Gateway" not in text


def test_slack_errors_are_counted_from_the_delivery_layers_error_logs() -> None:
    metrics = Metrics()
    counter = SlackErrorCounter(metrics)
    counter.handle(
        logging.LogRecord(
            "bot.slack.delivery", logging.ERROR, "", 0, "Slack chat.postMessage failed", (), None
        )
    )
    counter.handle(logging.LogRecord("bot.runs.jobs", logging.ERROR, "", 0, "unrelated", (), None))
    counter.handle(logging.LogRecord("bot.slack.delivery", logging.INFO, "", 0, "fine", (), None))
    assert sample(metrics, "iam_audit_slack_errors_total", kind="api") == 1


def test_instrumented_services_count_each_finished_audit_once() -> None:
    hooks = []
    services = SimpleNamespace(audits=SimpleNamespace(add_after_audit=hooks.append))
    metrics = instrument_services(services, Metrics())
    try:
        start = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
        report = SimpleNamespace(
            account_id="123456789012",
            summary=lambda: {"critical": 0, "high": 1},
            snapshot_collected_at=start,
            generated_at=start + timedelta(seconds=3),
        )
        hooks[0](SimpleNamespace(report=report, reused=False))
        hooks[0](SimpleNamespace(report=report, reused=True))  # another replica's audit
        assert sample(metrics, "iam_audit_audits_total", mode="inline", outcome="ok") == 1
        assert sample(metrics, "iam_audit_audit_duration_seconds_sum", mode="inline") == 3
    finally:
        root = logging.getLogger()
        for h in [h for h in root.handlers if isinstance(h, SlackErrorCounter)]:
            root.removeHandler(h)


def test_audit_seconds_needs_both_times() -> None:
    assert audit_seconds(SimpleNamespace(snapshot_collected_at=None, generated_at=None)) is None


def test_the_ops_server_serves_health_and_metrics_only() -> None:
    metrics = Metrics()
    metrics.observe_slack_error()
    healthy = {"ok": True}
    server = OpsHttpServer(
        host="127.0.0.1",
        port=0,
        health=lambda: (healthy["ok"], {"store": "redis"}),
        metrics=metrics.exposition,
    )
    server.start_background()
    base = f"http://127.0.0.1:{server.port}"
    try:
        with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:
            assert b"iam_audit_slack_errors_total" in response.read()
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
            assert json.loads(response.read()) == {"ok": True, "store": "redis"}
        healthy["ok"] = False
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(f"{base}/healthz", timeout=5)
        assert caught.value.code == 503
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{base}/slack/events", timeout=5)
        assert missing.value.code == 404
    finally:
        server.shutdown()


def test_start_operations_switches_to_json_logs_and_can_skip_metrics() -> None:
    from bot.config.operations import OperationsOptions
    from bot.runtime.observability import JsonFormatter, start_operations

    root = logging.getLogger()
    plain = logging.StreamHandler()  # what logging.basicConfig installs at start
    root.addHandler(plain)
    settings = SimpleNamespace(
        operations=OperationsOptions(log_format="json", metrics=False), port=0, redis_url=""
    )
    services = SimpleNamespace(audits=SimpleNamespace(add_after_audit=lambda _hook: None))
    runtime = start_operations(
        services, settings, host="127.0.0.1", health=lambda: (True, {}), serve_http=False
    )
    try:
        assert plain not in root.handlers
        assert any(isinstance(h.formatter, JsonFormatter) for h in root.handlers)
        assert runtime.metrics is None
        assert runtime.exposition is None
        assert runtime.server is None
    finally:
        for handler in [h for h in root.handlers if isinstance(h.formatter, JsonFormatter)]:
            root.removeHandler(handler)
        runtime.shutdown()
