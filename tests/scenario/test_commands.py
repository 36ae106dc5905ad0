"""Subcommands other than audit, authorization, response_url budget, 429s, escaping."""

from __future__ import annotations

import json

import pytest

from tests.scenario.harness import view_submission_body


def _run_audit(bot) -> None:
    bot.command("audit", via="dispatch")
    bot.mock.wait_until(
        lambda calls: any("IAM audit of account" in c.body.get("text", "") for c in calls)
    )
    bot.services.jobs.wait_idle()


def _replies(bot) -> list[dict]:
    return [c.body for c in bot.mock.calls_to("response_url")]


def test_help_lists_every_subcommand_with_examples(bot) -> None:
    assert bot.command("help") == 200
    reply = bot.mock.wait_for("response_url")[0].body
    text = json.dumps(reply["blocks"])
    for name in ("audit", "mfa", "user", "role", "simulate", "lint", "status"):
        assert f"/iam-audit {name}" in text
    assert "--min-severity" in text
    assert reply["response_type"] == "ephemeral"


def test_unknown_subcommand_gets_the_help(bot) -> None:
    bot.command("frobnicate now", via="dispatch")
    reply = bot.mock.wait_for("response_url")[0].body
    assert "Unknown subcommand" in json.dumps(reply["blocks"])
    assert "/iam-audit simulate" in json.dumps(reply["blocks"])


def test_status_shows_the_last_audit_and_its_age(bot) -> None:
    bot.command("status", via="dispatch")
    assert "No audit of account" in bot.mock.wait_for("response_url")[0].body["text"]
    _run_audit(bot)
    bot.clock.advance(minutes=7)
    bot.command("status", via="dispatch")
    reply = bot.mock.wait_for("response_url", 2)[-1].body
    assert "7 min ago" in reply["text"]
    assert "123456789012" in reply["text"]


def test_commands_needing_data_ask_for_an_audit_first(bot) -> None:
    bot.command("mfa", via="dispatch")
    reply = bot.mock.wait_for("response_url")[0].body
    assert "run `/iam-audit audit` first" in reply["text"]


def test_mfa_user_role_and_simulate_after_an_audit(bot) -> None:
    _run_audit(bot)
    bot.command("mfa", via="dispatch")
    mfa = bot.mock.wait_for("response_url", 1)[-1].body
    mfa_text = json.dumps(mfa["blocks"])
    assert "Coverage (all users)" in mfa_text
    assert "%" in mfa_text
    assert "user.console_without_mfa" in mfa_text
    assert "bob.console" in mfa_text  # the demo's console user without MFA

    bot.command("user alice.admin", via="dispatch")
    user = bot.mock.wait_for("response_url", 2)[-1].body
    assert "alice.admin" in user["text"]
    assert "Effective risks" in json.dumps(user["blocks"])

    bot.command("role public-trust-role", via="dispatch")
    role = bot.mock.wait_for("response_url", 3)[-1].body
    assert "Trusted to assume it" in json.dumps(role["blocks"])

    bot.command("simulate alice.admin iam:CreateUser", via="dispatch")
    sim = bot.mock.wait_for("response_url", 4)[-1].body
    assert "allowed" in sim["text"]

    bot.command("user nobody-here", via="dispatch")
    missing = bot.mock.wait_for("response_url", 5)[-1].body
    assert "no user named 'nobody-here'" in missing["text"]


def test_simulate_escapes_what_the_user_typed(bot) -> None:
    _run_audit(bot)
    bot.command(
        "simulate alice.admin s3:GetObject <!channel> aws:SourceIp=<https://x|click>",
        via="dispatch",
    )
    reply = bot.mock.wait_for("response_url")[-1].body
    text = json.dumps(reply["blocks"])
    assert "<!channel>" not in text
    assert "&lt;!channel&gt;" in text
    assert "<https://x|click>" not in text
    assert "&lt;https://x|click&gt;" in text


def test_lint_inline_and_through_the_modal(bot) -> None:
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b/*"}
            ],
        }
    )
    bot.command(f"lint {policy}", via="dispatch")
    reply = bot.mock.wait_for("response_url")[0].body
    assert "RESOURCE_MISMATCH" in json.dumps(reply["blocks"])

    bot.command("lint", via="dispatch", trigger_id="trig-1")
    opened = bot.mock.wait_for("views.open")[0].body
    assert opened["trigger_id"] == "trig-1"
    assert opened["view"]["callback_id"] == "lint_policy_modal"

    status, _ = bot.post(view_submission_body(policy))
    assert status == 200
    answer = bot.mock.wait_for("chat.postEphemeral")[0].body
    assert answer["user"] == "U111"
    assert answer["channel"] == "C111"
    assert "RESOURCE_MISMATCH" in json.dumps(answer["blocks"])


def test_empty_modal_submission_is_refused_inline(bot) -> None:
    response = bot.dispatch(view_submission_body("   "))
    assert response.status == 200
    assert json.loads(response.body)["response_action"] == "errors"


@pytest.mark.parametrize("via", ["http", "dispatch"])
def test_channel_outside_the_allowlist_is_refused_politely(make_bot, via) -> None:
    bot = make_bot(env={"IAM_AUDIT_CHANNELS": "C999"})
    bot.command("audit", via=via, channel="C111")
    reply = bot.mock.wait_for("response_url")[0].body
    assert reply["response_type"] == "ephemeral"
    assert "not enabled in this channel" in reply["text"]
    # The allowed channel is a link, not the escaped text `&lt;#C999&gt;`.
    section = json.dumps(reply["blocks"])
    assert "<#C999>" in section
    assert "&lt;#" not in section
    assert bot.collections == 0
    assert not bot.mock.calls_to("chat.postMessage")


def test_subcommand_allowlist_with_user_ids_and_user_groups(make_bot) -> None:
    bot = make_bot(env={"IAM_AUDIT_ALLOW_AUDIT": "U222,S777"})
    bot.mock.usergroups["S777"] = ["U333"]
    bot.command("audit", via="dispatch", user="U111")
    refusal = bot.mock.wait_for("response_url")[0].body
    assert "not allowed to run `audit`" in refusal["text"]
    assert bot.collections == 0
    # A member of the user group may; membership is read once and cached.
    bot.command("audit", via="dispatch", user="U333")
    bot.mock.wait_for("chat.postMessage")
    bot.services.jobs.wait_idle()
    bot.command("status", via="dispatch", user="U333")  # status stays open to everyone
    bot.command("audit", via="dispatch", user="U333")
    bot.mock.wait_for("chat.postMessage", 2)
    assert len(bot.mock.calls_to("usergroups.users.list")) == 1


def test_a_click_is_authorized_again_server_side(make_bot) -> None:
    from tests.scenario.harness import action_body

    bot = make_bot(env={"IAM_AUDIT_ALLOW_AUDIT": "U111"})
    _run_audit(bot)
    value = json.dumps({"r": "whatever", "p": 1, "s": ""})
    bot.post(
        action_body("audit_show_more", value, user="U666", response_url=bot.mock.response_url("c"))
    )
    reply = bot.mock.wait_for("response_url")[-1].body
    assert "not allowed" in reply["text"]


def test_response_url_is_used_five_times_then_the_bot_token(bot) -> None:
    for _ in range(6):
        bot.command("help", via="dispatch")
    # The six replies go out concurrently: wait for all of them before counting.
    bot.mock.wait_until(
        lambda calls: (
            sum(c.method == "response_url" for c in calls)
            + sum(c.method == "chat.postEphemeral" for c in calls)
            >= 6
        )
    )
    assert len(bot.mock.calls_to("response_url")) == 5
    assert len(bot.mock.calls_to("chat.postEphemeral")) == 1
    fallback = bot.mock.calls_to("chat.postEphemeral")[0].body
    assert fallback["channel"] == "C111"
    assert fallback["user"] == "U111"


def test_rate_limited_calls_wait_retry_after_and_are_not_dropped(bot) -> None:
    bot.mock.throttle_next(2, retry_after=3)
    bot.command("audit", via="dispatch")
    bot.mock.wait_until(
        lambda calls: any("IAM audit of account" in c.body.get("text", "") for c in calls)
    )
    assert bot.mock.throttled == ["chat.postMessage", "chat.postMessage"]
    assert len(bot.mock.calls_to("chat.postMessage")) == 1
    assert len([w for w in bot.sleeps.waits if w >= 3]) == 2  # waited Retry-After each time


@pytest.mark.parametrize("command", ["audit", "findings"])
def test_bot_not_in_channel_gets_a_clear_ephemeral(bot, command: str) -> None:
    bot.mock.errors["chat.postMessage"] = "not_in_channel"
    bot.command(command, via="dispatch")
    reply = bot.mock.wait_for("response_url")[0].body
    assert "Invite me" in reply["text"]
    assert bot.collections == 0


def test_healthz(bot) -> None:
    status, body = bot.get("/healthz")
    assert status == 200
    assert json.loads(body) == {"ok": True, "store": "memory"}
    assert bot.get("/nope")[0] == 404


def test_lint_inline_json_with_an_apostrophe(bot) -> None:
    statement = {"Sid": "Don't", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    bot.command(f"lint {policy}", via="dispatch")
    reply = bot.mock.wait_for("response_url")[0].body
    assert reply["text"].startswith("Policy lint:")


def test_simulate_usage_errors_are_one_sentence(bot) -> None:
    _run_audit(bot)
    bot.command("simulate alice.admin", via="dispatch")
    reply = bot.mock.wait_for("response_url")[-1].body
    assert reply["text"].startswith("usage: /iam-audit simulate")
