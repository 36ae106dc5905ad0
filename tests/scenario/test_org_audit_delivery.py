"""The organization-wide audit (`audit account all`) when Slack will not show its answer.

Signed requests through the real Bolt app, the mock Slack Web API, the demo organization (one
account, no AWS). Each test breaks one delivery step of the summary (chat.update of the progress
message, the post anew, the ephemeral reply) and checks the requester still learns the audit
finished (or failed), the summary table follows the answer, nothing is posted twice, and the user
reads a sentence and not a traceback; what nobody can be told is logged, never raised. The
one-account audit's same fallback is pinned in tests/scenario/test_crash_halfway_slack.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.model.errors import IamAuditError
from bot.organizations.member_audits import organization_of
from tests.scenario.harness import FailingPosts, log_event, texts

SUMMARY = "IAM audit of 1 account"  # the demo organization's summary message (fallback text)


def answers_after_progress(bot) -> list[Any]:
    """What reached the requester after the progress message (posts, ephemerals, replies)."""
    progress = bot.mock.calls_to("chat.postMessage")[:1]
    return [
        c
        for c in bot.mock.calls
        if c.method in ("chat.postMessage", "chat.postEphemeral", "response_url")
        and c not in progress
    ]


def replies(bot) -> str:
    return texts(bot.mock.calls_to("response_url"))


def wait_reply(bot, fragment: str) -> None:
    bot.mock.wait_until(
        lambda calls: fragment in texts([c for c in calls if c.method == "response_url"]),
        timeout=60,
    )


def test_org_summary_that_works_replaces_the_progress_message_as_before(bot) -> None:
    bot.command("audit account all", via="dispatch")
    bot.mock.wait_until(
        lambda calls: any(
            c.method == "chat.update" and SUMMARY in c.body.get("text", "") for c in calls
        ),
        timeout=60,
    )
    bot.services.jobs.wait_idle()
    [progress] = bot.mock.calls_to("chat.postMessage")  # nothing posted anew
    upload = bot.mock.wait_for("files.completeUploadExternal")[-1].body
    assert upload.get("thread_ts")  # the table sits in the summary's thread
    assert progress.body["channel"] == upload.get("channel_id")
    assert bot.mock.calls_to("response_url") == []


def test_org_summary_that_cannot_replace_the_progress_message_is_posted_anew(bot) -> None:
    bot.mock.errors["chat.update"] = "message_not_found"
    bot.command("audit account all", via="dispatch")
    bot.mock.wait_until(lambda calls: SUMMARY in texts(answers_after_progress(bot)), timeout=60)
    bot.services.jobs.wait_idle()
    reposted = bot.mock.calls_to("chat.postMessage")[1:]
    assert len(reposted) == 1  # the summary, posted once in the channel
    assert SUMMARY in texts(reposted)
    # The summary table goes into the thread of the message that now shows the answer.
    upload = bot.mock.wait_for("files.completeUploadExternal")[-1].body
    progress_ts = bot.mock.calls_to("chat.update")[-1].body["ts"]  # the refused updates' target
    assert upload.get("thread_ts") not in (None, "", progress_ts)
    assert reposted[0].body.get("channel") == upload.get("channel_id")
    assert "Traceback" not in texts(bot.mock.calls)


def test_org_summary_that_cannot_be_posted_at_all_is_told_ephemerally(
    bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot.mock.errors["chat.update"] = "msg_too_long"
    monkeypatch.setattr(bot.services.delivery, "post", FailingPosts(bot.services.delivery.post))
    bot.command("audit account all", via="dispatch")
    wait_reply(bot, "The audit of 1 account finished")
    bot.services.jobs.wait_idle()
    told = replies(bot)
    assert "msg_too_long" in told
    assert "/iam-audit status &lt;account-id&gt;" in told  # escaped: Slack shows <account-id>
    assert len(bot.mock.calls_to("response_url")) == 1  # told once
    assert "Traceback" not in texts(bot.mock.calls)


def test_org_audit_failure_that_cannot_replace_the_progress_message_is_posted_anew(
    bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    def resolve(_selector: str) -> Any:
        raise IamAuditError("the organization could not be listed (AccessDenied)")

    monkeypatch.setattr(organization_of(bot.services), "resolve", resolve)
    bot.mock.errors["chat.update"] = "message_not_found"
    bot.command("audit account all", via="dispatch")
    bot.mock.wait_until(
        lambda calls: "The audit failed" in texts(answers_after_progress(bot)), timeout=60
    )
    bot.services.jobs.wait_idle()
    assert "AccessDenied" in texts(bot.mock.calls_to("chat.postMessage")[1:])
    assert "Traceback" not in texts(bot.mock.calls)


def test_org_summary_nobody_can_be_told_is_logged_not_raised(
    bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot.mock.errors["chat.update"] = "message_not_found"
    bot.mock.errors["chat.postEphemeral"] = "user_not_in_channel"
    monkeypatch.setattr(bot.services.delivery, "post", FailingPosts(bot.services.delivery.post))
    with log_event("commands.audit_replies", "could not tell U111") as logged:
        bot.command("audit account all", via="dispatch", response_url="")  # bot-token ephemerals
        assert logged.wait(timeout=30)
    bot.services.jobs.wait_idle()
    assert "Traceback" not in texts(bot.mock.calls)
