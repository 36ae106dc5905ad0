"""The bot with audits in worker processes (its default outside tests), through signed requests."""

from __future__ import annotations

import json


def test_an_audit_in_a_worker_process_answers_in_slack_with_the_full_report(make_bot) -> None:
    bot = make_bot(audit_processes=1)
    assert bot.command("audit") == 200
    bot.mock.wait_until(
        lambda calls: any("IAM audit of account" in c.body.get("text", "") for c in calls),
        timeout=90,
    )
    bot.mock.wait_for("files.completeUploadExternal", timeout=30)
    final = next(c for c in bot.mock.calls if "IAM audit of account" in c.body.get("text", ""))
    assert "99 findings" in final.body["text"]
    # Evidence in the message is sentences; the JSON is the attached file's job.
    blocks = json.dumps(final.body["blocks"])
    assert "Granted by" in blocks or "No MFA device" in blocks
    assert '\\"statement_index\\"' not in blocks
    assert bot.mock.calls_to("upload")
    # The indented JSON the worker process made is what was attached.
    asked = bot.mock.calls_to("files.getUploadURLExternal")[0].body
    assert int(asked["length"]) > 10_000
    # A command needing data answers from what the worker process produced.
    bot.services.jobs.wait_idle()
    bot.command("mfa")
    bot.mock.wait_until(
        lambda calls: any("MFA posture of" in c.body.get("text", "") for c in calls)
    )
