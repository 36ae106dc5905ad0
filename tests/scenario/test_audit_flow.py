"""/iam-audit audit end to end: signed request -> ack -> progress -> result, paging, file."""

from __future__ import annotations

import json

from tests.scenario.harness import action_body, log_event, signed_headers, slash_body


def _texts(blocks: list[dict]) -> str:
    return json.dumps(blocks)


def test_audit_over_http_acks_then_progress_then_result(bot) -> None:
    status = bot.command("audit")
    assert status == 200
    posted = bot.mock.wait_for("chat.postMessage")[0]
    assert posted.body["channel"] == "C111"
    assert "Auditing account" in posted.body["text"]
    assert "(collecting)" in posted.body["text"]
    bot.mock.wait_until(
        lambda calls: any(
            c.method == "chat.update" and "IAM audit of account" in c.body.get("text", "")
            for c in calls
        )
    )
    updates = bot.mock.calls_to("chat.update")
    stages = [u.body["text"] for u in updates]
    assert any("(auditing)" in s for s in stages)
    assert any("(rendering)" in s for s in stages)
    final = updates[-1].body
    assert final["ts"] == posted.body.get("ts") or final["ts"].startswith("1700000000.")
    blocks = final["blocks"]
    assert blocks[0]["type"] == "header"
    assert "123456789012" in blocks[0]["text"]["text"]
    text = _texts(blocks)
    assert "root.mfa_disabled" in text or "root." in text  # every finding shows its check id
    assert "Show more" in text
    # Remediate buttons appear only for checks with a registered remediation (approvals feature).
    assert "Remediate" in text
    bot.mock.wait_for("files.completeUploadExternal")
    assert bot.mock.calls_to("upload")


def test_show_more_renders_the_next_page_from_the_cache(bot) -> None:
    bot.command("audit")
    bot.mock.wait_for("files.completeUploadExternal")
    final = [u for u in bot.mock.calls_to("chat.update") if "IAM audit of" in u.body["text"]][-1]
    actions = [b for b in final.body["blocks"] if b["type"] == "actions"][-1]
    more = next(e for e in actions["elements"] if e["action_id"] == "audit_show_more")
    value = json.loads(more["value"])
    assert set(value) == {"r", "p", "s"}
    assert value["p"] == 1
    before = len(bot.mock.calls_to("chat.update"))
    body = action_body("audit_show_more", more["value"], response_url=bot.mock.response_url("a1"))
    status, _ = bot.post(body)
    assert status == 200
    updates = bot.mock.wait_for("chat.update", before + 1)
    page2 = updates[-1].body
    assert "page 2/" in _texts(page2["blocks"])
    # The same click delivered twice is handled once.
    with log_event("commands.handling", "dropped a repeated") as dropped:
        bot.post(body)
        assert dropped.wait(10)
    assert len(bot.mock.calls_to("chat.update")) == before + 1


def test_bad_signature_and_stale_timestamp_get_401_and_run_nothing(bot) -> None:
    body = slash_body("audit", response_url=bot.mock.response_url())
    forged = signed_headers(body, secret="not-the-secret")
    assert bot.post(body, forged)[0] == 401
    stale = signed_headers(body, timestamp=int(__import__("time").time()) - 301)
    assert bot.post(body, stale)[0] == 401
    assert bot.dispatch(body, forged).status == 401
    assert bot.dispatch(body, stale).status == 401
    assert bot.collections == 0
    assert [c.method for c in bot.mock.calls if c.method != "auth.test"] == []
