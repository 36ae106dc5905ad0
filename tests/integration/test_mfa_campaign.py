"""The MFA campaign: who gets DMs and when, progress, and the enforcement proposal at the deadline.

The proposal goes through the real approvals desk (moto IAM, in-process stores), so the request
an approver sees carries the shipped enforcement policy for exactly the users still without MFA.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
import redis
from moto import mock_aws

from bot.approvals.model import State
from bot.approvals.rules import ApprovalRules, People
from bot.approvals.wiring import build_approval_desk
from bot.config.settings import Settings
from bot.digest.run import approval_counts_source
from bot.mfa_campaign.messages import CONSOLE_MFA_URL
from bot.mfa_campaign.plan import Campaign, console_users_without_mfa, contact_of
from bot.mfa_campaign.runner import MfaCampaignRunner
from bot.model.errors import InputError
from bot.model.snapshot import AccountSnapshot
from bot.store.digests import InMemoryDigestStore, RedisDigestStore
from tests.digest_support import CampaignSlack as Slack
from tests.digest_support import campaign_account as account
from tests.fake_clock import Clock

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
DEADLINE = datetime(2026, 12, 15, 9, 0, tzinfo=UTC)
POLICY = json.loads(
    (Path(__file__).resolve().parents[2] / "policies" / "mfa-self-service-enforce.json").read_text()
)


class Account:
    def __init__(self) -> None:
        self.snapshot = account()

    def __call__(self) -> AccountSnapshot:
        return self.snapshot


@pytest.fixture
def setup():
    clock = Clock(T0)
    store = InMemoryDigestStore(clock=clock)
    slack = Slack()
    acct = Account()
    proposals = []

    def proposer(proposal, channel):
        proposals.append((proposal, channel))
        return {u: f"req-{u}" for u in proposal.users}

    runner = MfaCampaignRunner(
        store=store, snapshot=acct, poster=slack, clock=clock, proposer=proposer
    )
    runner.start(deadline=DEADLINE, owner="UOWNER", channel="C0SEC")
    return runner, clock, slack, acct, proposals


def test_only_console_users_without_mfa_are_in_the_campaign() -> None:
    assert console_users_without_mfa(account()) == ("alice", "bob", "carol")
    assert contact_of(account(), "alice").slack_id == "UALICE"
    assert contact_of(account(), "bob").email == "bob@example.com"
    assert not contact_of(account(), "carol").reachable


def test_first_run_invites_by_tag_and_by_email_and_lists_the_unreachable(setup) -> None:
    runner, _clock, slack, _acct, _proposals = setup
    result = runner.run()
    assert sorted(result.sent) == ["alice", "bob"]
    assert result.unreachable == ["carol"]
    assert sorted(uid for uid, _ in slack.dms) == ["UALICE", "UBOB"]
    text = json.dumps(slack.dms[0][1])
    assert CONSOLE_MFA_URL in text
    assert "Assign MFA device" in text
    assert "Tuesday 15 December 2026" in text
    assert slack.lookups == ["bob@example.com"]


def test_reminders_follow_the_interval_and_email_lookups_are_cached(setup) -> None:
    runner, clock, slack, _acct, _proposals = setup
    runner.run()
    clock.now += timedelta(hours=20)
    assert runner.run().sent == []  # not due yet
    clock.now = T0 + timedelta(days=3)
    second = runner.run()
    assert sorted(second.sent) == ["alice", "bob"]
    assert "Reminder 1" in json.dumps(slack.dms[-1][1])
    assert slack.lookups == ["bob@example.com"]  # the id was remembered
    campaign = runner.current()
    assert campaign.participants["alice"].messages == 2


def test_enrolment_is_noticed_and_reported_as_progress(setup) -> None:
    runner, clock, _slack, acct, _proposals = setup
    runner.run()
    acct.snapshot = account(mfa={"alice"})
    clock.now += timedelta(days=1)
    result = runner.run()
    assert result.enrolled == ["alice"]
    status = runner.progress(clock.now)
    assert (status.enrolled, status.remaining, status.unmapped) == (1, 2, 1)
    assert status.deadline == DEADLINE
    assert not status.proposed
    clock.now += timedelta(days=3)
    assert "alice" not in runner.run().sent


def test_a_failed_dm_is_retried_on_the_next_run(setup) -> None:
    runner, clock, slack, _acct, _proposals = setup
    slack.fail_for = {"UBOB"}
    result = runner.run()
    assert result.failed == ["bob"]
    assert result.sent == ["alice"]
    slack.fail_for = set()
    clock.now += timedelta(minutes=5)
    assert runner.run().sent == ["bob"]


def test_at_the_deadline_enforcement_is_proposed_once_for_those_still_without_mfa(setup) -> None:
    runner, clock, slack, acct, proposals = setup
    runner.run()
    acct.snapshot = account(mfa={"bob"})
    clock.now = DEADLINE + timedelta(minutes=1)
    sent_before = len(slack.dms)
    result = runner.run()
    assert len(slack.dms) == sent_before  # no more DMs after the deadline
    assert result.proposed == {"alice": "req-alice", "carol": "req-carol"}
    assert proposals[0][0].requester == "UOWNER"
    assert proposals[0][1] == "C0SEC"
    assert proposals[0][0].params("alice")["catalogue"] == "mfa-self-service-enforce"
    assert runner.run().proposed == {}  # never twice
    assert len(proposals) == 1
    assert runner.progress(clock.now).proposed


def test_stopped_campaign_sends_nothing(setup) -> None:
    runner, _clock, slack, _acct, _proposals = setup
    runner.stop()
    assert runner.run().sent == []
    assert slack.dms == []
    assert runner.progress(T0) is None


def test_campaign_settings_are_validated() -> None:
    with pytest.raises(InputError, match="not a Slack user id"):
        Campaign(deadline=DEADLINE, owner="bob", started_at=T0)
    with pytest.raises(InputError, match="in the future"):
        Campaign(deadline=T0, owner="UOWNER", started_at=T0)
    with pytest.raises(InputError, match="malformed"):
        Campaign.from_dict({"owner": "UOWNER"})


def test_two_replicas_send_each_reminder_once(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    prefix = f"iam-audit-test:{uuid.uuid4().hex[:8]}:"
    clock = Clock(T0)
    slack = Slack()
    try:
        runners = [
            MfaCampaignRunner(
                store=RedisDigestStore(client, prefix=prefix),
                snapshot=Account(),
                poster=slack,
                clock=clock,
            )
            for _ in range(2)
        ]
        runners[0].start(deadline=DEADLINE, owner="UOWNER")
        first = runners[0].run()
        second = runners[1].run()
        assert sorted(first.sent) == ["alice", "bob"]
        assert second.sent == []  # the other replica's once-keys hold
        assert len(slack.dms) == 2
    finally:
        for key in client.scan_iter(prefix + "*"):
            client.delete(key)


@pytest.fixture
def desk() -> Iterator:
    with mock_aws():
        iam = boto3.Session(region_name="us-east-1").client("iam")
        for name in ("alice", "bob", "carol"):
            iam.create_user(UserName=name)
        from bot.aws.remediate import RemediationExecutor

        executor = RemediationExecutor(boto3.Session(region_name="us-east-1"))
        yield build_approval_desk(
            Settings(),
            clock=lambda: DEADLINE + timedelta(minutes=1),
            snapshot_source=account,
            executor=lambda: executor,
            rules=ApprovalRules(approvers=People(frozenset({"UAPPROVER"}))),
        )


def test_the_proposal_becomes_approval_requests_with_the_enforcement_policy(desk) -> None:
    clock = Clock(T0)
    store = InMemoryDigestStore(clock=clock)

    def proposer(proposal, channel):
        return {
            user: desk.propose(
                requester=proposal.requester,
                remediation="attach_policy",
                params=proposal.params(user),
                is_member=lambda _u, _g: False,
                origin_channel=channel,
            ).id
            for user in proposal.users
        }

    runner = MfaCampaignRunner(
        store=store, snapshot=account, poster=Slack(), clock=clock, proposer=proposer
    )
    runner.start(deadline=DEADLINE, owner="UOWNER", channel="C0SEC")
    clock.now = DEADLINE + timedelta(minutes=1)
    result = runner.run()
    assert sorted(result.proposed) == ["alice", "bob", "carol"]
    request = desk.get(result.proposed["alice"])
    assert request.state is State.PENDING
    assert request.requester == "UOWNER"
    assert request.target.name == "alice"
    assert request.remediation == "attach_policy"
    assert request.document == POLICY
    counts = approval_counts_source(desk)(None, DEADLINE + timedelta(minutes=2))
    assert counts.pending == 3
    assert counts.known
