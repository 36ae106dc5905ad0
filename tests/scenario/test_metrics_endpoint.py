"""/metrics on the bot's HTTP server: an audit run through Slack shows up in the counters."""

from __future__ import annotations

import logging

from bot.clicmd.serve import health_of
from bot.runtime.observability import SlackErrorCounter, start_operations
from bot.slack.http_server import SlackHttpServer


def _counter(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_an_audit_through_slack_is_counted_on_metrics(make_bot) -> None:
    bot = make_bot(http=False)
    ops = start_operations(
        bot.services,
        bot.settings,
        host="127.0.0.1",
        health=health_of(bot.services),
        serve_http=False,
    )
    bot.server = SlackHttpServer(
        bot.app,
        host="127.0.0.1",
        port=0,
        health=health_of(bot.services),
        metrics=ops.exposition,
    )
    bot.server.start_background()
    try:
        status, before = bot.get("/metrics")
        assert status == 200
        assert _counter(before, 'iam_audit_audits_total{mode="inline",outcome="ok"}') == 0

        assert bot.command("audit") == 200
        bot.mock.wait_until(
            lambda calls: any(
                c.method == "chat.update" and "IAM audit of account" in c.body.get("text", "")
                for c in calls
            )
        )
        bot.services.jobs.wait_idle()
        _, after = bot.get("/metrics")
        assert _counter(after, 'iam_audit_audits_total{mode="inline",outcome="ok"}') == 1
        findings = sum(
            _counter(after, f'iam_audit_findings_total{{severity="{s}"}}')
            for s in ("critical", "high", "medium", "low", "info")
        )
        assert findings > 0  # the demo account has findings
        assert "iam_audit_audit_duration_seconds_count" in after
        # Health stays where it was; the events endpoint is untouched.
        assert bot.get("/healthz")[0] == 200
    finally:
        ops.shutdown()
        root = logging.getLogger()
        for handler in [h for h in root.handlers if isinstance(h, SlackErrorCounter)]:
            root.removeHandler(handler)


def test_socket_mode_opens_health_and_metrics_but_no_events_endpoint(make_bot) -> None:
    import http.client

    bot = make_bot(http=False)
    settings = bot.settings
    ops = start_operations(
        bot.services,
        settings,
        host="127.0.0.1",
        health=health_of(bot.services),
        serve_http=True,
    )
    try:
        assert ops.server is not None
        conn = http.client.HTTPConnection("127.0.0.1", ops.server.port, timeout=10)
        for path, expected in (("/healthz", 200), ("/metrics", 200), ("/slack/events", 404)):
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            assert response.status == expected, path
        conn.close()
    finally:
        ops.shutdown()
        root = logging.getLogger()
        for handler in [h for h in root.handlers if isinstance(h, SlackErrorCounter)]:
            root.removeHandler(handler)
