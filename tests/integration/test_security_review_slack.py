"""Security review of the Slack side: who may act, from which workspace, with which payload.

Signed requests through the real Bolt app (bot/app.py), the mock Slack Web API recording what the
bot sends, moto IAM behind the approvals desk.
"""

# ruff: noqa: F811 - make_bot and mock_slack are tests/scenario/conftest.py's fixtures, taken by name

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode

import boto3
import pytest
from moto import mock_aws

from bot.app import FOREIGN_WORKSPACE_REPLY
from bot.approvals.model import State
from bot.approvals.wiring import build_approval_desk
from bot.aws.collect import collect_snapshot
from bot.aws.remediate import RemediationExecutor
from bot.slack.approval_blocks import (
    ACTION_APPROVE,
    CUSTOM_MODAL,
    POLICY_BLOCK,
    POLICY_INPUT,
    REASON_BLOCK,
    REASON_INPUT,
    REJECT_MODAL,
)
from tests.scenario.conftest import (  # noqa: F401 - fixtures
    demo_snapshot,
    make_bot,
    mock_slack,
)
from tests.scenario.harness import (
    APPROVAL_CHANNEL,
    START,
    Bot,
    action_body,
    modal_submission_body,
    posted_requests,
    slash_body,
    view_submission_body,
    wait_for_request_message,
)
from tests.scenario.mock_slack import MockSlack

DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
}


@pytest.fixture
def aws() -> Iterator[boto3.Session]:
    demo_snapshot()
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        session.client("iam").create_user(UserName="bob")
        yield session


def approvals_bot(make_bot, aws: boto3.Session, **env: str) -> Bot:
    bot = make_bot(
        env={
            "IAM_AUDIT_APPROVAL_CHANNEL": APPROVAL_CHANNEL,
            "IAM_AUDIT_APPROVERS": "UAPP1",
            **env,
        }
    )
    snapshot = collect_snapshot(aws, now=START, sleep=lambda _s: None)
    executor = RemediationExecutor(aws)
    bot.services.approvals = build_approval_desk(
        bot.settings, clock=bot.clock, snapshot_source=lambda: snapshot, executor=lambda: executor
    )
    return bot


def request_custom(bot: Bot, user: str = "UREQ") -> tuple[str, dict]:
    """`/iam-audit apply custom to user bob` and the pasted policy: (request id, modal metadata)."""
    before = len(posted_requests(bot))
    assert bot.command("apply custom to user bob", user=user) == 200
    meta = json.loads(bot.mock.wait_for("views.open")[-1].body["view"]["private_metadata"])
    body = modal_submission_body(
        CUSTOM_MODAL, POLICY_BLOCK, POLICY_INPUT, json.dumps(DOC), meta, user=user
    )
    assert bot.dispatch(body).status == 200
    return wait_for_request_message(bot, before + 1), meta


def from_team(body: str, team: str, *, user_team: str | None = None) -> str:
    """``body`` (a slash command or an interaction) as if sent from workspace ``team``."""
    form = {k: v[0] for k, v in parse_qs(body).items()}
    if "payload" not in form:
        form["team_id"] = team
        return urlencode(form)
    payload = json.loads(form["payload"])
    payload["team"] = {"id": team, "domain": "elsewhere"}
    payload["user"]["team_id"] = user_team or team
    return urlencode({"payload": json.dumps(payload)})


def settle() -> None:
    time.sleep(0.5)  # listeners run after the ack, on Bolt's threads


# --- workspaces ------------------------------------------------------------------------------


def test_an_approver_id_clicking_from_another_workspace_does_not_approve(make_bot, aws) -> None:
    """A block_actions whose user.id is an approver's but whose team is another workspace
    (the app installed there, or a Slack Connect channel): Slack signs it with the same secret.
    Before, nothing compared the team with the bot's and the change was approved."""
    bot = approvals_bot(make_bot, aws)
    request_id, _ = request_custom(bot)
    click = action_body(
        ACTION_APPROVE,
        json.dumps({"id": request_id}),
        user="UAPP1",
        channel=APPROVAL_CHANNEL,
        response_url=bot.mock.response_url("foreign"),
        action_ts="1700000300.000001",
    )
    assert bot.dispatch(from_team(click, "T2")).status == 200
    settle()
    assert bot.services.approvals.get(request_id).state is State.PENDING
    # The same approver from the bot's own workspace still approves.
    own = action_body(
        ACTION_APPROVE,
        json.dumps({"id": request_id}),
        user="UAPP1",
        channel=APPROVAL_CHANNEL,
        response_url=bot.mock.response_url("own"),
        action_ts="1700000300.000002",
    )
    assert bot.dispatch(own).status == 200
    deadline = time.monotonic() + 15
    while bot.services.approvals.get(request_id).state in (
        State.PENDING,
        State.APPROVED,
        State.APPLYING,
    ):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert bot.services.approvals.get(request_id).state is State.APPLIED


def test_an_external_user_in_a_shared_channel_is_refused_even_with_our_team_on_the_payload(
    make_bot,
) -> None:
    """Slack Connect: the payload's team is ours, the acting user's team is theirs."""
    bot = make_bot()
    body = view_submission_body('{"Statement": []}', user="UEXT")
    assert bot.dispatch(from_team(body, "T1", user_team="TEXTERNAL")).status == 200
    settle()
    assert [c.method for c in bot.mock.calls if c.method != "auth.test"] == []


def test_a_command_from_another_workspace_runs_nothing_and_says_why(make_bot) -> None:
    bot = make_bot()
    body = from_team(slash_body("audit", response_url=bot.mock.response_url("x")), "T2")
    response = bot.dispatch(body)
    assert response.status == 200
    assert FOREIGN_WORKSPACE_REPLY in response.body
    settle()
    assert bot.collections == 0
    assert [c.method for c in bot.mock.calls if c.method != "auth.test"] == []


def test_a_payload_naming_no_workspace_is_refused(make_bot) -> None:
    bot = make_bot()
    form = {k: v[0] for k, v in parse_qs(slash_body("audit")).items()}
    del form["team_id"]
    assert bot.dispatch(urlencode(form)).status == 200
    settle()
    assert bot.collections == 0
    assert [c.method for c in bot.mock.calls if c.method != "auth.test"] == []


def test_another_workspace_of_the_same_enterprise_grid_org_is_served(
    make_bot, mock_slack: MockSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = mock_slack.answer

    def grid_answer(method: str, body: dict) -> dict:
        if method == "auth.test":
            return {**answer(method, body), "enterprise_id": "E1", "is_enterprise_install": False}
        return answer(method, body)

    monkeypatch.setattr(mock_slack, "answer", grid_answer)
    bot = make_bot()
    help_body = slash_body("help", response_url=bot.mock.response_url("grid"))
    form = {k: v[0] for k, v in parse_qs(help_body).items()}
    form.update(team_id="T9", enterprise_id="E1")
    assert bot.dispatch(urlencode(form)).status == 200
    bot.mock.wait_for("response_url")
    # ...but not another organization's workspace
    form.update(team_id="T8", enterprise_id="E2", trigger_id="other")
    response = bot.dispatch(urlencode(form))
    assert FOREIGN_WORKSPACE_REPLY in response.body


# --- the clicker, not the requester ------------------------------------------------------------


def test_a_reject_form_forged_with_someone_elses_request_is_refused(make_bot, aws) -> None:
    """The reject modal's private_metadata names the request; whoever submits it must be
    allowed to decide it (an approver), whatever the metadata says."""
    bot = approvals_bot(make_bot, aws)
    request_id, _ = request_custom(bot)
    meta = {"id": request_id, "channel": APPROVAL_CHANNEL, "ts": "1.2"}
    body = modal_submission_body(
        REJECT_MODAL, REASON_BLOCK, REASON_INPUT, "no", meta, user="USTRANGER"
    )
    assert bot.dispatch(body).status == 200
    settle()
    assert bot.services.approvals.get(request_id).state is State.PENDING


def test_a_custom_policy_form_replayed_by_someone_not_allowed_to_request_is_refused(
    make_bot, aws
) -> None:
    bot = approvals_bot(make_bot, aws, IAM_AUDIT_REQUESTERS="UREQ")
    _, meta = request_custom(bot)
    before = len(posted_requests(bot))
    body = modal_submission_body(
        CUSTOM_MODAL, POLICY_BLOCK, POLICY_INPUT, json.dumps(DOC), meta, user="UOTHER"
    )
    assert bot.dispatch(body).status == 200
    settle()
    assert len(posted_requests(bot)) == before
