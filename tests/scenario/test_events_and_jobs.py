"""Events (App Home, retries, double delivery) and the audit pool (join, busy, failure)."""

from __future__ import annotations

import json
import threading

from bot.model.errors import CollectionError
from tests.scenario.harness import event_body, signed_headers

HOME_OPENED = {"type": "app_home_opened", "user": "U111", "channel": "D1", "tab": "home"}


def test_app_home_is_published_and_refreshed_after_each_audit(bot) -> None:
    body = event_body(HOME_OPENED, event_id="Ev100")
    assert bot.post(body)[0] == 200
    first = bot.mock.wait_for("views.publish")[0].body
    assert first["user_id"] == "U111"
    assert "No audit yet" in json.dumps(first["view"])
    bot.command("audit", via="dispatch")
    published = bot.mock.wait_for("views.publish", 2)
    view = json.dumps(published[-1].body["view"])
    assert "Trend" in view
    assert "MFA coverage" in view
    assert "Top risks" in view


def test_event_retries_are_dropped(bot) -> None:
    body = event_body(HOME_OPENED, event_id="Ev200")
    headers = signed_headers(body)
    headers["x-slack-retry-num"] = "1"
    headers["x-slack-retry-reason"] = "http_timeout"
    assert bot.post(body, headers)[0] == 200
    assert bot.dispatch(body, headers).status == 200
    bot.command("help", via="dispatch")  # something that does call Slack, to wait on
    bot.mock.wait_for("response_url")
    assert bot.mock.calls_to("views.publish") == []


def test_a_double_delivered_event_is_handled_once(bot) -> None:
    body = event_body(HOME_OPENED, event_id="Ev300")
    assert bot.post(body)[0] == 200
    assert bot.dispatch(body).status == 200
    bot.mock.wait_for("views.publish")
    bot.command("help", via="dispatch")
    bot.mock.wait_for("response_url")
    assert len(bot.mock.calls_to("views.publish")) == 1


def test_a_second_request_joins_the_running_audit(bot) -> None:
    bot.gate = threading.Event()
    bot.command("audit", via="dispatch", user="U111")
    bot.mock.wait_for("chat.postMessage")
    bot.command("audit --min-severity critical", via="http", user="U222")
    bot.mock.wait_for("chat.postMessage", 2)
    # The joiner is told it joined, then both get the result of the one audit.
    bot.mock.wait_until(
        lambda calls: any("joined" in json.dumps(c.body.get("blocks", "")) for c in calls)
    )
    bot.gate.set()
    bot.mock.wait_until(
        lambda calls: sum("IAM audit of account" in c.body.get("text", "") for c in calls) >= 2
    )
    assert bot.collections == 1
    results = [c.body for c in bot.mock.calls_to("chat.update") if "IAM audit of" in c.body["text"]]
    assert len({r["ts"] for r in results}) == 2
    critical_only = [r for r in results if "showing critical and worse" in json.dumps(r["blocks"])]
    assert len(critical_only) == 1


def test_a_failed_collection_replaces_the_progress_with_one_sentence(make_bot) -> None:
    bot = make_bot()

    def failing(now):
        raise CollectionError("AccessDenied on iam:GetAccountAuthorizationDetails", api="GAAD")

    bot.services.audits._source = failing
    bot.command("audit", via="dispatch")
    bot.mock.wait_until(
        lambda calls: any("The audit failed" in c.body.get("text", "") for c in calls)
    )
    final = list(bot.mock.calls_to("chat.update"))[-1].body
    assert "AccessDenied" in final["text"]
    assert "Traceback" not in final["text"]


def test_the_pool_refuses_when_full(make_bot) -> None:
    bot = make_bot(env={"IAM_AUDIT_WORKERS": "1", "IAM_AUDIT_MAX_QUEUED": "0"})
    bot.gate = threading.Event()
    bot.command("audit", via="dispatch")
    bot.mock.wait_for("chat.update")  # the one worker is now collecting (held by the gate)
    from bot.runs.jobs import AuditBusyError

    class Nobody:
        def on_stage(self, stage, joined): ...
        def on_done(self, result): ...
        def on_error(self, error): ...

    try:
        bot.services.jobs.submit("other-account", lambda p, s: None, Nobody())
        raised = False
    except AuditBusyError:
        raised = True
    bot.gate.set()
    assert raised


def test_app_home_follows_the_status_allowlist(make_bot) -> None:
    bot = make_bot(env={"IAM_AUDIT_ALLOW_STATUS": "U222"})
    bot.post(event_body(HOME_OPENED, event_id="Ev400"))  # U111 is not on the list
    view = bot.mock.wait_for("views.publish")[0].body["view"]
    assert "not allowed to run `status`" in json.dumps(view)
    assert "Top risks" not in json.dumps(view)
    assert bot.services.store.home_viewers() == set()
