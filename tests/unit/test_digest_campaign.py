"""Pure parts of the MFA campaign: contacts from tags, the plan over time, the DM text."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.mfa_campaign.messages import CONSOLE_MFA_URL, enrolment_message
from bot.mfa_campaign.plan import Campaign, contact_of, plan, progress
from bot.model.snapshot import AccountSnapshot
from tests.factories import ACCOUNT_ID, credential_row, user

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
DEADLINE = T0 + timedelta(days=10)


def account(tags: dict[str, str], mfa: bool = False) -> AccountSnapshot:
    return AccountSnapshot(
        account_id=ACCOUNT_ID,
        collected_at=T0,
        source="snapshot",
        users=(user("zoe", tags=tags),),
        credential_report=(credential_row("zoe", password=True, mfa=mfa),),
    )


def campaign() -> Campaign:
    return Campaign(deadline=DEADLINE, owner="UOWNER", started_at=T0)


def test_malformed_tags_are_ignored_and_the_id_tag_wins() -> None:
    assert not contact_of(account({"slack-user-id": "zoe", "email": "nope"}), "zoe").reachable
    both = contact_of(account({"Slack-User-Id": "UZOE", "email": "z@example.com"}), "zoe")
    assert both.slack_id == "UZOE"
    assert contact_of(account({}), "nobody").reachable is False


def test_losing_mfa_again_puts_the_user_back_in_the_campaign() -> None:
    tags = {"slack-user-id": "UZOE"}
    first = plan(campaign(), account(tags), T0)
    assert [m.kind for m in first.messages] == ["invitation"]
    enrolled = plan(first.campaign, account(tags, mfa=True), T0 + timedelta(days=1))
    assert enrolled.enrolled == ("zoe",)
    assert progress(enrolled.campaign, account(tags, mfa=True)).enrolled == 1
    again = plan(enrolled.campaign, account(tags), T0 + timedelta(days=2))
    assert again.campaign.participants["zoe"].enrolled_at is None
    assert progress(again.campaign, account(tags)).remaining == 1


def test_nothing_is_proposed_before_the_deadline() -> None:
    result = plan(campaign(), account({"slack-user-id": "UZOE"}), DEADLINE - timedelta(minutes=1))
    assert result.propose == ()
    after = plan(campaign(), account({}), DEADLINE)
    assert after.propose == ("zoe",)  # unreachable users are proposed too: they still lack MFA
    assert after.messages == ()


def test_campaign_document_round_trips() -> None:
    first = plan(campaign(), account({"slack-user-id": "UZOE"}), T0).campaign
    assert Campaign.from_dict(json.loads(json.dumps(first.to_dict()))) == first


def test_dm_explains_the_steps_and_escapes_names() -> None:
    message = enrolment_message(
        iam_user="<!channel>", account_id=ACCOUNT_ID, deadline=DEADLINE, kind="reminder", number=3
    )
    dumped = json.dumps(message)
    assert "<!channel>" not in dumped
    assert "Reminder 2" in dumped
    assert CONSOLE_MFA_URL in dumped
    assert message["text"]
