"""Archiving an Access Analyzer finding from Slack when AWS moved on meanwhile.

Through the real Bolt app and the mock Slack Web API; Access Analyzer answered by botocore's
Stubber (the listing by the bot's reader, the proposal's and the approval's reads by the
executor's own client), so every request and answer has the service's shape.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from bot.approvals.model import State
from bot.aws.remediate import RemediationExecutor
from bot.slack.analyzer_blocks import ACTION_ARCHIVE
from bot.slack.approval_blocks import ACTION_APPROVE
from tests.factories import analyzer_summary_item as summary
from tests.scenario.conftest import make_bot, mock_slack  # noqa: F401 - fixtures
from tests.scenario.harness import APPROVAL_CHANNEL, action_body, posted_requests, request_id_of
from tests.scenario.test_findings_flow import (
    ANALYZER_ARN,
    SESSION,
    US,
    StubbedAnalyzer,
    archive_submission,
    buttons,
    click,
    external_details,
    findings_message,
    live_bot,
    stub_listing,
    use_executor,
)

BUCKET = summary("ext-2", "ExternalAccess", "arn:aws:s3:::shared-bucket", "AWS::S3::Bucket")
STATE = {**BUCKET, "findingDetails": []}  # GetFindingV2's answer, as the executor reads it
ARCHIVED = {**STATE, "status": "ARCHIVED"}
WHERE = {"analyzerArn": ANALYZER_ARN, "id": "ext-2"}


@pytest.fixture
def analyzer() -> Iterator[StubbedAnalyzer]:
    stubbed = StubbedAnalyzer()
    yield stubbed
    stubbed.assert_all_answered()


def listed_bot(make_bot, analyzer: StubbedAnalyzer) -> tuple[Any, Stubber]:  # noqa: F811
    """A bot that listed one ACTIVE finding, and the executor's Stubber (nothing queued)."""
    bot = live_bot(make_bot, analyzer)
    stub_listing(
        analyzer.stub(),
        [BUCKET],
        [external_details("arn:aws:iam::999988887777:root", ["s3:GetObject"])],
    )
    executor_stub = Stubber(SESSION.client("accessanalyzer", region_name=US))
    executor_stub.activate()
    executor = RemediationExecutor(
        SESSION, region=US, client_factory=lambda _service, _region: executor_stub.client
    )
    use_executor(bot, executor)
    return bot, executor_stub


def ask_to_archive(bot: Any, reason: str = "partner bucket, contract #42") -> None:
    bot.command("findings")
    archive = buttons(findings_message(bot), ACTION_ARCHIVE)[0]
    click(bot, ACTION_ARCHIVE, archive["value"], user="UREQ")
    modal = bot.mock.wait_for("views.open")[-1].body["view"]
    meta = json.loads(modal["private_metadata"])
    assert bot.dispatch(archive_submission(meta, reason, user="UREQ")).status == 200


def ephemeral_texts(bot: Any) -> str:
    return json.dumps([c.body for c in bot.mock.calls_to("chat.postEphemeral")])


def approve(bot: Any, request_id: str) -> None:
    bot.dispatch(
        action_body(
            ACTION_APPROVE,
            json.dumps({"id": request_id}),
            user="UAPP1",
            channel=APPROVAL_CHANNEL,
            response_url=bot.mock.response_url("approver"),
            action_ts="1700000400.000001",
        )
    )


def archive_approved(bot: Any) -> Any:
    """UREQ asks to archive the listed finding, UAPP1 approves; the request once the result is
    in its thread."""
    ask_to_archive(bot)
    bot.mock.wait_until(lambda calls: len(posted_requests(bot)) == 1)
    request_id = request_id_of(posted_requests(bot)[0])
    approve(bot, request_id)
    bot.mock.wait_until(
        lambda calls: any(c.method == "chat.postMessage" and c.body.get("thread_ts") for c in calls)
    )
    return bot.services.approvals.get(request_id)


def test_a_finding_archived_by_someone_else_before_the_request_is_not_proposed(
    make_bot,  # noqa: F811
    analyzer: StubbedAnalyzer,
) -> None:
    bot, executor_stub = listed_bot(make_bot, analyzer)
    executor_stub.add_response("get_finding_v2", ARCHIVED, WHERE)
    ask_to_archive(bot)
    bot.mock.wait_until(lambda calls: "already archived" in ephemeral_texts(bot))
    assert posted_requests(bot) == []
    executor_stub.assert_no_pending_responses()


def test_a_finding_gone_before_the_request_is_said_plainly(
    make_bot,  # noqa: F811
    analyzer: StubbedAnalyzer,
) -> None:
    bot, executor_stub = listed_bot(make_bot, analyzer)
    executor_stub.add_client_error(
        "get_finding_v2", "ResourceNotFoundException", "Finding not found", 404
    )
    ask_to_archive(bot)
    bot.mock.wait_until(lambda calls: "nothing to request" in ephemeral_texts(bot))
    assert posted_requests(bot) == []


def test_a_finding_archived_between_request_and_approval_is_not_applied(
    make_bot,  # noqa: F811
    analyzer: StubbedAnalyzer,
) -> None:
    bot, executor_stub = listed_bot(make_bot, analyzer)
    # Still active when asked (the check, then the desk's read), archived by the approval.
    executor_stub.add_response("get_finding_v2", STATE, WHERE)
    executor_stub.add_response("get_finding_v2", STATE, WHERE)
    executor_stub.add_response("get_finding_v2", ARCHIVED, WHERE)
    final = archive_approved(bot)
    assert final.state is State.FAILED
    assert "changed since the request" in final.outcome
    assert not final.calls  # UpdateFindings never sent
    executor_stub.assert_no_pending_responses()


def test_the_analyzer_deleted_between_request_and_approval_is_not_applied(
    make_bot,  # noqa: F811
    analyzer: StubbedAnalyzer,
) -> None:
    bot, executor_stub = listed_bot(make_bot, analyzer)
    executor_stub.add_response("get_finding_v2", STATE, WHERE)
    executor_stub.add_response("get_finding_v2", STATE, WHERE)
    executor_stub.add_client_error(
        "get_finding_v2", "ResourceNotFoundException", "Analyzer not found", 404
    )
    final = archive_approved(bot)
    assert final.state is State.FAILED
    assert "changed since the request" in final.outcome
    assert not final.calls
    executor_stub.assert_no_pending_responses()
