"""While an audit runs: commands that need account data wait for it or use the previous one.

All through signed requests against the real Bolt app (HTTP server) and the mock Web API.
"""

from __future__ import annotations

import json
import threading

import pytest


def _audit_result(bot, count: int = 1) -> None:
    bot.mock.wait_until(
        lambda calls: sum("IAM audit of account" in c.body.get("text", "") for c in calls) >= count
    )
    bot.services.jobs.wait_idle()


def _wait_collecting(bot) -> None:
    """The audit job has started (its progress message moved to "collecting")."""
    bot.mock.wait_until(
        lambda calls: any(
            c.method == "chat.update" and "(collecting)" in c.body.get("text", "") for c in calls
        )
    )


def _texts(bot) -> list[str]:
    return [json.dumps(c.body) for c in bot.mock.calls_to("response_url")]


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("mfa", "MFA posture of 123456789012"),
        ("user alice.admin", "user alice.admin:"),
        ("role public-trust-role", "role public-trust-role:"),
        ("simulate alice.admin iam:CreateUser", "Simulation of iam:CreateUser"),
    ],
)
def test_first_audit_running_answers_when_it_finishes(bot, command: str, answer: str) -> None:
    bot.gate = threading.Event()  # holds the first audit in "collecting"
    assert bot.command("audit") == 200
    _wait_collecting(bot)
    assert bot.command(command) == 200
    bot.mock.wait_until(lambda calls: any("is running" in json.dumps(c.body) for c in calls))
    said = next(t for t in _texts(bot) if "is running" in t)
    assert "I will answer" in said
    assert "run `/iam-audit audit` first" not in said
    assert not any(answer in t for t in _texts(bot))  # nothing answered yet
    bot.gate.set()
    bot.mock.wait_until(
        lambda calls: any(
            c.method == "response_url" and answer in c.body.get("text", "") for c in calls
        )
    )
    _audit_result(bot)


def test_audit_running_with_an_earlier_snapshot_answers_from_it_with_its_age(bot) -> None:
    bot.command("audit", via="dispatch")
    _audit_result(bot)
    bot.clock.advance(hours=3)
    bot.gate = threading.Event()
    bot.command("audit")
    bot.mock.wait_until(
        lambda calls: len([c for c in calls if c.method == "chat.postMessage"]) >= 2
    )
    bot.command("mfa")
    bot.mock.wait_until(
        lambda calls: any("previous snapshot (3 h ago)" in json.dumps(c.body) for c in calls)
    )
    reply = next(t for t in _texts(bot) if "MFA posture" in t)
    assert "An audit is running now" in reply
    bot.gate.set()
    _audit_result(bot, 2)


def test_a_failed_first_audit_tells_the_waiting_requester(bot) -> None:
    bot.gate = threading.Event()
    original = bot._snapshot

    def broken(now):  # the collection fails after the request started waiting
        bot.gate.wait(timeout=15)
        from bot.model.errors import CollectionError

        raise CollectionError("AccessDenied on iam:GetAccountAuthorizationDetails")

    bot.services.audits._source = broken
    bot.command("audit")
    _wait_collecting(bot)
    bot.command("mfa")
    bot.mock.wait_until(lambda calls: any("is running" in json.dumps(c.body) for c in calls))
    bot.gate.set()
    bot.mock.wait_until(
        lambda calls: any(
            c.method == "response_url" and "The audit failed" in json.dumps(c.body) for c in calls
        )
    )
    said = next(t for t in _texts(bot) if "The audit failed" in t)
    assert "AccessDenied" in said
    assert bot._snapshot is original


def test_no_audit_running_still_asks_for_one(bot) -> None:
    bot.command("user alice.admin")
    bot.mock.wait_until(lambda calls: any(c.method == "response_url" for c in calls))
    assert "run `/iam-audit audit` first" in _texts(bot)[0]
