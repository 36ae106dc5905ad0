"""Suppress... on a finding: modal, approval on the desk, stored, applied by the next audit.

Every step through signed requests against the real Bolt app and the mock Slack Web API.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from bot.approvals.suppressions import glob_literal
from bot.slack.approval_blocks import ACTION_APPROVE
from bot.slack.blocks import ACTION_FINDING_MENU
from bot.slack.suppress_blocks import EXPIRY_BLOCK, EXPIRY_INPUT, REASON_BLOCK, REASON_INPUT
from tests.scenario.harness import posted_requests, request_id_of, texts
from tests.scenario.test_approvals_flow import approvals_bot, aws, click  # noqa: F401
from tests.scenario.test_finding_menus import _audited, menu_body

CHECK = "user.console_without_mfa"


def suppress_submission(meta: dict, *, reason: str, days: str, user: str = "UREQ") -> str:
    values = {
        REASON_BLOCK: {REASON_INPUT: {"type": "plain_text_input", "value": reason}},
        EXPIRY_BLOCK: {
            EXPIRY_INPUT: {
                "type": "static_select",
                "selected_option": {"text": {"type": "plain_text", "text": days}, "value": days},
            }
        },
    }
    payload = {
        "type": "view_submission",
        "team": {"id": "T1"},
        "user": {"id": user, "team_id": "T1"},
        "api_app_id": "A1",
        "token": "legacy",
        "trigger_id": "1.2.3",
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": "suppress_finding_modal",
            "private_metadata": json.dumps(meta),
            "state": {"values": values},
        },
    }
    return urlencode({"payload": json.dumps(payload)})


def _open_modal(bot, report, report_id) -> tuple[int, dict]:
    index = next(
        i
        for i, f in enumerate(report.findings)
        if f.check_id == CHECK and f.resource_arn.endswith("/bob.console")
    )
    bot.post(
        menu_body(
            ACTION_FINDING_MENU,
            f"sup|{report_id}|{index}",
            user="UREQ",
            response_url=bot.mock.response_url("sup"),
        )
    )
    view = bot.mock.wait_for("views.open")[-1].body["view"]
    assert view["callback_id"] == "suppress_finding_modal"
    return index, json.loads(view["private_metadata"])


def test_suppress_is_approved_stored_and_the_next_audit_mutes_the_finding(make_bot, aws) -> None:  # noqa: F811
    bot = approvals_bot(make_bot, aws)
    report, report_id, final = _audited(bot)
    labels = [
        o["text"]["text"]
        for b in final["blocks"]
        if b.get("accessory")
        for o in b["accessory"]["options"]
    ]
    assert "Suppress..." in labels
    index, meta = _open_modal(bot, report, report_id)
    assert meta == {"channel": "C111", "r": report_id, "i": index}
    response = bot.dispatch(
        suppress_submission(meta, reason="break-glass  user <!channel>", days="30")
    )
    assert response.status == 200
    bot.mock.wait_until(lambda calls: len(posted_requests(bot)) == 1)
    request = posted_requests(bot)[0]
    shown = json.dumps(request.body["blocks"])
    assert f"Suppress {CHECK} on arn:aws:iam::123456789012:user/bob.console" in shown
    assert "&lt;!channel&gt;" in shown  # the reason is escaped
    assert "<!channel>" not in shown
    request_id = request_id_of(request)
    # Nothing is muted before an approver decides.
    assert bot.services.suppressions.all() == []
    click(bot, ACTION_APPROVE, request_id, "UREQ")  # the requester cannot approve it
    bot.mock.wait_until(
        lambda calls: "cannot approve" in texts(calls) or "own request" in texts(calls)
    )
    assert bot.services.suppressions.all() == []
    click(bot, ACTION_APPROVE, request_id, "UAPP1", n=1)
    bot.mock.wait_until(lambda calls: bool(bot.services.suppressions.all()))
    stored = bot.services.suppressions.all()[0]
    assert stored.check == CHECK
    assert stored.resource == glob_literal("arn:aws:iam::123456789012:user/bob.console")
    assert stored.reason == "break-glass user <!channel>"
    assert (stored.requested_by, stored.approved_by) == ("UREQ", "UAPP1")
    assert (stored.expires - bot.clock().date()).days == 30
    bot.mock.wait_until(lambda calls: "the next audit no longer reports it" in texts(calls))
    # A second approval click changes nothing.
    click(bot, ACTION_APPROVE, request_id, "UAPP2", n=2)
    bot.mock.wait_until(lambda calls: "already" in texts(bot.mock.calls_to("response_url")))
    # The next audit of the bot applies it.
    bot.clock.advance(minutes=1)
    bot.command("audit", via="dispatch")
    bot.mock.wait_until(
        lambda calls: sum("IAM audit of account" in c.body.get("text", "") for c in calls) >= 2
    )
    bot.services.jobs.wait_idle()
    again, _stored = bot.services.audits.latest()
    assert not any(
        f.check_id == CHECK and f.resource_arn.endswith("/bob.console") for f in again.findings
    )
    muted = [m for m in again.suppressed if m.check_id == CHECK]
    assert [m.reason for m in muted] == ["break-glass user <!channel>"]


def test_a_suppression_without_a_reason_is_refused_inline(make_bot, aws) -> None:  # noqa: F811
    bot = approvals_bot(make_bot, aws)
    report, report_id, _final = _audited(bot)
    _index, meta = _open_modal(bot, report, report_id)
    response = bot.dispatch(suppress_submission(meta, reason="   ", days="30"))
    assert response.status == 200
    assert json.loads(response.body)["response_action"] == "errors"
    assert REASON_BLOCK in json.loads(response.body)["errors"]
    forged = bot.dispatch(suppress_submission(meta, reason="ok", days="3650"))
    assert EXPIRY_BLOCK in json.loads(forged.body)["errors"]
    assert posted_requests(bot) == []


def test_without_an_approvals_desk_there_is_no_suppress_option(bot) -> None:
    bot.services.approvals = None
    _report, _report_id, final = _audited(bot)
    labels = [
        o["text"]["text"]
        for b in final["blocks"]
        if b.get("accessory")
        for o in b["accessory"]["options"]
    ]
    assert "Suppress..." not in labels
    assert "Show evidence" in labels


def test_a_suppression_interrupted_by_a_crash_is_finished_by_the_reconciler(
    make_bot,
    aws,  # noqa: F811 - the fixture
) -> None:
    """A bot killed between `applying` and storing the suppression leaves the request applying;
    the reconciler stores it (the write is idempotent) and tells Slack, like any apply."""
    from datetime import timedelta

    from bot.approvals.model import State
    from commands.approvals import reconcile_applying

    bot = approvals_bot(make_bot, aws)
    report, report_id, _final = _audited(bot)
    _index, meta = _open_modal(bot, report, report_id)
    bot.dispatch(suppress_submission(meta, reason="vendor account", days="7"))
    bot.mock.wait_until(lambda calls: len(posted_requests(bot)) == 1)
    request_id = request_id_of(posted_requests(bot)[0])
    the_desk = bot.services.approvals
    the_desk.approve(request_id, approver="UAPP1", is_member=lambda _u, _g: False)
    the_desk.store.transition(request_id, State.APPLYING, actor="bot", now=bot.clock())  # crash
    assert bot.services.suppressions.all() == []

    assert reconcile_applying(bot.services, stale_after=timedelta(0)) == 1
    final = the_desk.get(request_id)
    assert final.state is State.APPLIED, final.outcome
    assert "finished after an interruption" in final.outcome
    (stored,) = bot.services.suppressions.all()
    assert (stored.check, stored.reason) == (CHECK, "vendor account")
    bot.mock.wait_until(lambda calls: "the next audit no longer reports it" in texts(calls))
    assert reconcile_applying(bot.services, stale_after=timedelta(0)) == 0  # nothing left
