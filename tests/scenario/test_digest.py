"""The digest against the mock Slack Web API: 429s retried with nothing lost, the v2 upload in
the thread, and `/iam-audit digest ...` end to end through signed requests."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.digest.run import DigestRunner
from bot.digest.scheduler import build_digest_scheduler
from bot.slack.delivery import Delivery, make_web_client
from bot.slack.digest_post import SlackDigestPoster
from bot.store import InMemoryStore
from bot.store.digests import InMemoryDigestStore
from commands.digest import enforcement_proposer
from tests.digest_support import FakeAudits, finding, report
from tests.scenario.harness import BOT_TOKEN, Sleeps

NOW = datetime(2026, 11, 30, 9, 0, 5, tzinfo=UTC)


@pytest.fixture
def runner_and_sleeps(mock_slack):
    sleeps = Sleeps()
    clock = lambda: NOW  # noqa: E731
    client = make_web_client(token=BOT_TOKEN, base_url=mock_slack.base_url, sleep=sleeps)
    delivery = Delivery(client, InMemoryStore(clock=clock), sleep=sleeps)
    audits = FakeAudits([report(finding(name="alice"), finding(name="<!channel>"))])
    runner = DigestRunner(
        accounts=[audits],
        store=InMemoryDigestStore(clock=clock),
        poster=SlackDigestPoster(delivery),
        clock=clock,
    )
    return runner, sleeps


def test_429_is_waited_out_and_the_digest_is_posted_once_with_its_files(
    runner_and_sleeps, mock_slack
) -> None:
    runner, sleeps = runner_and_sleeps
    mock_slack.throttle_next(2, retry_after=3)
    outcome = runner.run(channel="C0DIGEST", slot="2026-11-30T09:00Z")
    assert outcome.status == "posted"
    assert outcome.detail == ""  # the attachments made it too
    assert mock_slack.throttled == ["chat.postMessage", "chat.postMessage"]
    assert len(sleeps.waits) == 2
    assert all(wait >= 3 for wait in sleeps.waits)
    posts = mock_slack.calls_to("chat.postMessage")
    assert len(posts) == 1  # retried, not duplicated, not dropped
    assert posts[0].body["channel"] == "C0DIGEST"
    assert "<!channel>" not in json.dumps(posts[0].body["blocks"])
    # files_upload_v2: two upload URLs, two uploads, one completion in the message's thread.
    assert len(mock_slack.calls_to("files.getUploadURLExternal")) == 2
    uploads = mock_slack.calls_to("upload")
    assert len(uploads) == 2
    complete = mock_slack.calls_to("files.completeUploadExternal")[0].body
    assert complete["channel_id"] == "C0DIGEST"
    assert complete["thread_ts"] == outcome.message_ts[0]
    names = sorted(f["title"] for f in complete["files"])
    assert names == ["Full audit report", "Open findings by severity"]


def test_429_during_the_upload_loses_nothing(runner_and_sleeps, mock_slack) -> None:
    runner, sleeps = runner_and_sleeps
    original = mock_slack.answer

    def throttle_after_post(method, body):
        if method == "chat.postMessage":
            mock_slack.throttle_next(1, retry_after=1)  # the next call (the upload URL) is 429
        return original(method, body)

    mock_slack.answer = throttle_after_post
    outcome = runner.run(channel="C0DIGEST", slot="2026-11-30T09:00Z")
    assert outcome.detail == ""
    assert mock_slack.throttled == ["files.getUploadURLExternal"]
    assert len(mock_slack.calls_to("files.completeUploadExternal")) == 1
    assert len(mock_slack.calls_to("chat.postMessage")) == 1
    assert sleeps.waits


def test_slack_refusing_the_message_gives_the_slot_back(runner_and_sleeps, mock_slack) -> None:
    runner, _sleeps = runner_and_sleeps
    mock_slack.errors["chat.postMessage"] = "not_in_channel"
    with pytest.raises(Exception, match="not_in_channel"):
        runner.run(channel="C0DIGEST", slot="s1")
    del mock_slack.errors["chat.postMessage"]
    assert runner.run(channel="C0DIGEST", slot="s1").status == "posted"


@pytest.fixture
def digest_bot(make_bot):
    bot = make_bot()
    bot.services.digests = build_digest_scheduler(
        bot.services, {}, proposer=enforcement_proposer(bot.services)
    )
    return bot


def replies(mock_slack) -> list[str]:
    return [c.body.get("text", "") for c in mock_slack.calls_to("response_url")]


def test_schedule_command_validates_and_stores_the_cron(digest_bot, mock_slack) -> None:
    assert digest_bot.command('digest schedule "0 25 * * *"') == 200
    mock_slack.wait_for("response_url", 1)
    assert "out of range 0-23" in replies(mock_slack)[0]
    assert digest_bot.command('digest schedule "30 8 * * 1-5" <#C0SEC|security>') == 200
    mock_slack.wait_for("response_url", 2)
    assert "Saved." in replies(mock_slack)[1]
    assert "<#C0SEC>" in replies(mock_slack)[1]
    schedule = digest_bot.services.digests.current_schedule()
    assert schedule.cron == "30 8 * * 1-5"
    assert schedule.channel == "C0SEC"
    assert schedule.updated_by == "U111"
    assert digest_bot.command("digest schedule 0 9 * * *") == 200  # unquoted: too many words
    mock_slack.wait_for("response_url", 3)
    assert "quote the cron expression" in replies(mock_slack)[2]


def test_digest_now_posts_to_the_channel_and_tells_the_requester(digest_bot, mock_slack) -> None:
    assert digest_bot.command("digest now") == 200
    mock_slack.wait_for("chat.postMessage", 1)
    mock_slack.wait_until(lambda calls: sum(c.method == "response_url" for c in calls) >= 2)
    post = mock_slack.calls_to("chat.postMessage")[0].body
    assert post["channel"] == "C111"
    assert post["blocks"][0]["type"] == "header"
    assert "IAM digest" in post["blocks"][0]["text"]["text"]
    assert any("Digest posted" in text for text in replies(mock_slack))
    mock_slack.wait_for("files.completeUploadExternal", 1)


def test_bad_channel_reference_is_explained(digest_bot, mock_slack) -> None:
    assert digest_bot.command("digest now #general") == 200
    mock_slack.wait_for("response_url", 1)
    assert "autocomplete" in replies(mock_slack)[0]
    assert not mock_slack.calls_to("chat.postMessage")


def test_only_requesters_or_approvers_change_the_schedule_when_configured(
    make_bot, mock_slack
) -> None:
    bot = make_bot(env={"IAM_AUDIT_APPROVERS": "UAPP", "IAM_AUDIT_REQUESTERS": "UREQ"})
    bot.services.digests = build_digest_scheduler(bot.services, {})
    assert bot.command('digest schedule "0 7 * * *"', user="U999") == 200
    mock_slack.wait_for("response_url", 1)
    assert "only the configured requesters and approvers" in replies(mock_slack)[0]
    assert bot.services.digests.current_schedule().cron == "0 9 * * 1-5"
    assert bot.command('digest schedule "0 7 * * *"', user="UREQ") == 200
    mock_slack.wait_for("response_url", 2)
    assert bot.services.digests.current_schedule().cron == "0 7 * * *"
