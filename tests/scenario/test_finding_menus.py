"""The findings list's overflow menus and filter select, clicked through signed requests."""

from __future__ import annotations

import json

from bot.slack.blocks import ACTION_FILTER, ACTION_FINDING_MENU
from tests.scenario.harness import block_actions_body, posted_requests, signed_headers
from tests.scenario.test_approvals_flow import approvals_bot, aws  # noqa: F401 - the fixture

JSONISH = ('{"', '":', "null", "[]")


def menu_body(
    action_id: str,
    selected: str,
    *,
    block_id: str = "b1",
    kind: str = "overflow",
    user: str = "U111",
    response_url: str = "",
    action_ts: str = "1700000100.000001",
) -> str:
    """A block_actions payload of an overflow or static_select, as Slack sends it."""
    choice = {
        "type": kind,
        "action_id": action_id,
        "block_id": block_id,
        "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": selected},
        "action_ts": action_ts,
    }
    return block_actions_body(choice, user=user, response_url=response_url)


def _audited(bot) -> tuple:
    bot.command("audit")
    bot.mock.wait_until(
        lambda calls: any("IAM audit of account" in c.body.get("text", "") for c in calls)
    )
    bot.services.jobs.wait_idle()
    report, stored = bot.services.audits.latest()
    final = next(c.body for c in bot.mock.calls if "IAM audit of account" in c.body.get("text", ""))
    return report, stored.report_id, final


def test_every_finding_has_a_menu_and_show_evidence_answers_in_sentences(bot) -> None:
    report, report_id, final = _audited(bot)
    menus = [b["accessory"] for b in final["blocks"] if b.get("accessory")]
    assert menus
    assert all(m["type"] == "overflow" for m in menus)
    index = next(
        i for i, f in enumerate(report.findings) if f.check_id == "principal.admin_equivalent"
    )
    status, _ = bot.post(
        menu_body(
            ACTION_FINDING_MENU, f"ev|{report_id}|{index}", response_url=bot.mock.response_url("ev")
        )
    )
    assert status == 200
    bot.mock.wait_until(
        lambda calls: any(
            "Evidence of principal.admin_equivalent" in c.body.get("text", "") for c in calls
        )
    )
    reply = next(
        c.body for c in bot.mock.calls_to("response_url") if "Evidence of" in c.body.get("text", "")
    )
    said = reply["blocks"][1]["text"]["text"]
    assert "• Granted by AdministratorAccess (AWS managed)" in said
    assert not any(mark in said for mark in JSONISH)
    assert "```" in reply["blocks"][2]["text"]["text"]  # the raw JSON, asked for explicitly


def test_a_malformed_or_stale_menu_value_is_one_sentence(bot) -> None:
    _audited(bot)
    bot.post(menu_body(ACTION_FINDING_MENU, "ev|nope", response_url=bot.mock.response_url("a")))
    bot.post(
        menu_body(
            ACTION_FINDING_MENU,
            "ev|gone-report|3",
            response_url=bot.mock.response_url("b"),
            action_ts="1700000100.000002",
        )
    )
    bot.mock.wait_until(lambda calls: len([c for c in calls if c.method == "response_url"]) >= 2)
    replies = " ".join(json.dumps(c.body) for c in bot.mock.calls_to("response_url"))
    assert "That menu is malformed" in replies
    assert "no longer cached" in replies


def test_the_filter_select_rerenders_the_message_with_one_check(bot) -> None:
    _report, report_id, final = _audited(bot)
    select = next(b for b in final["blocks"] if b.get("block_id", "").startswith("audit_filter:"))
    assert select["block_id"] == f"audit_filter:{report_id}"
    bot.post(
        menu_body(
            ACTION_FILTER,
            "c:principal.admin_equivalent",
            block_id=select["block_id"],
            kind="static_select",
        )
    )
    bot.mock.wait_until(
        lambda calls: any(
            c.method == "chat.update"
            and "showing `principal.admin_equivalent` only" in json.dumps(c.body)
            for c in calls
        )
    )
    update = [c.body for c in bot.mock.calls_to("chat.update")][-1]
    findings = [b for b in update["blocks"] if b.get("accessory")]
    assert findings
    assert all("`principal.admin_equivalent`" in b["text"]["text"] for b in findings)
    # Severity filter through the same select.
    bot.post(
        menu_body(
            ACTION_FILTER,
            "s:critical",
            block_id=select["block_id"],
            kind="static_select",
            action_ts="1700000100.000009",
        )
    )
    bot.mock.wait_until(
        lambda calls: any("showing critical and worse" in json.dumps(c.body) for c in calls)
    )


def test_a_forged_filter_block_is_refused(bot) -> None:
    _audited(bot)
    bot.post(
        menu_body(
            ACTION_FILTER,
            "s:high",
            block_id="somewhere-else",
            kind="static_select",
            response_url=bot.mock.response_url("f"),
        )
    )
    bot.mock.wait_until(lambda calls: any(c.method == "response_url" for c in calls))
    assert "malformed" in json.dumps(bot.mock.calls_to("response_url")[0].body)


def test_remediate_from_the_menu_posts_an_approval_request(make_bot, aws) -> None:  # noqa: F811
    bot = approvals_bot(make_bot, aws)
    report, report_id, _final = _audited(bot)
    index = next(
        i
        for i, f in enumerate(report.findings)
        if f.check_id == "user.console_without_mfa" and f.resource_arn.endswith("/bob.console")
    )
    bot.post(
        menu_body(
            ACTION_FINDING_MENU,
            f"rem|{report_id}|{index}",
            user="UREQ",
            response_url=bot.mock.response_url("rem"),
        )
    )
    bot.mock.wait_until(lambda calls: len(posted_requests(bot)) == 1)
    shown = json.dumps(posted_requests(bot)[0].body["blocks"])
    assert "Attach policy mfa-self-service-enforce to user bob.console" in shown


def test_a_bad_signature_on_a_menu_click_is_refused(bot) -> None:
    body = menu_body(ACTION_FINDING_MENU, "ev|r|0")
    status, _ = bot.post(body, headers=signed_headers(body, secret="wrong-secret"))
    assert status == 401
    assert not bot.mock.calls_to("response_url")
