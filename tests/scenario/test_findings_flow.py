"""`/iam-audit findings` and `/iam-audit analyzer` through the real Bolt app and the mock Slack API.

Access Analyzer is answered by botocore's Stubber where a live call happens (it checks every
request and answer against the service model), by the demo data otherwise; IAM by moto.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws

from bot.approvals.model import State
from bot.approvals.wiring import build_approval_desk
from bot.aws.access_analyzer import collect_access_analyzer
from bot.aws.remediate import RemediationExecutor
from bot.slack.analyzer_blocks import (
    ACTION_ARCHIVE,
    ACTION_PAGE,
    ACTION_REMEDIATE,
    ARCHIVE_MODAL,
    ARCHIVE_REASON_BLOCK,
    ARCHIVE_REASON_INPUT,
)
from bot.slack.approval_blocks import ACTION_APPROVE
from tests.factories import ANALYZER_API_TIME
from tests.factories import analyzer_summary_item as summary
from tests.scenario.conftest import demo_snapshot
from tests.scenario.harness import (
    APPROVAL_CHANNEL,
    action_body,
    log_event,
    modal_submission_body,
    posted_requests,
    request_id_of,
    texts,
)

ACCOUNT = "123456789012"
US = "us-east-1"
ANALYZER_ARN = f"arn:aws:access-analyzer:{US}:{ACCOUNT}:analyzer/account"
T0 = ANALYZER_API_TIME
HOSTILE = "arn:aws:s3:::<!channel>&<https://evil.example|click-me>"
SESSION = boto3.Session(
    aws_access_key_id="testing", aws_secret_access_key="testing", region_name=US
)


# --- helpers -------------------------------------------------------------------------------------


def findings_message(bot, count: int = 1):
    """The count-th result that replaced a findings progress message."""
    bot.mock.wait_until(
        lambda calls: (
            sum(
                c.method == "chat.update" and "IAM Access Analyzer" in c.body.get("text", "")
                for c in calls
            )
            >= count
        )
    )
    return [c for c in bot.mock.calls_to("chat.update") if "IAM Access Analyzer" in c.body["text"]][
        count - 1
    ].body


def buttons(message: dict, action_id: str) -> list[dict]:
    return [
        element
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == action_id
    ]


def replies(bot) -> str:
    return texts(bot.mock.calls_to("response_url"))


def wait_reply(bot, fragment: str) -> None:
    bot.mock.wait_until(
        lambda calls: fragment in texts([c for c in calls if c.method == "response_url"])
    )


def click(bot, action_id: str, value: str, *, user: str = "U111", n: int = 0, channel="C111"):
    return bot.dispatch(
        action_body(
            action_id,
            value,
            user=user,
            channel=channel,
            response_url=bot.mock.response_url(f"{user}-{action_id}-{n}"),
            action_ts=f"1700000300.{n:06d}",
        )
    )


def archive_submission(meta: dict, reason: str, *, user: str = "U111", view_id: str = "V9"):
    return modal_submission_body(
        ARCHIVE_MODAL,
        ARCHIVE_REASON_BLOCK,
        ARCHIVE_REASON_INPUT,
        reason,
        meta,
        user=user,
        view_id=view_id,
    )


# --- Stubber-backed Access Analyzer ------------------------------------------------------------


class StubbedAnalyzer:
    """Stubber-backed Access Analyzer clients, one per region, and the reader the bot uses."""

    def __init__(self) -> None:
        self.stubbers: dict[str, Stubber] = {}
        self.clients: dict[str, Any] = {}

    def client(self, region: str) -> Any:
        if region not in self.clients:
            self.clients[region] = SESSION.client("accessanalyzer", region_name=region)
            self.stubbers[region] = Stubber(self.clients[region])
            self.stubbers[region].activate()
        return self.clients[region]

    def stub(self, region: str = US) -> Stubber:
        self.client(region)
        return self.stubbers[region]

    def factory(self, service: str, region: str | None) -> Any:
        assert service == "accessanalyzer", service
        return self.client(region or US)

    def reader(self, scope, now):  # the bot's (AnalyzerScope, now) -> AccessAnalyzerData
        # One region and one GetFindingV2 at a time: Stubber answers in queued order.
        scope = dataclasses.replace(scope, regions=scope.regions or (US,), detail_workers=1)
        return collect_access_analyzer(scope=scope, home_region=US, client_factory=self.factory)

    def assert_all_answered(self) -> None:
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()


def external_details(principal: str, actions: list[str]) -> list[dict]:
    return [
        {
            "externalAccessDetails": {
                "action": actions,
                "condition": {},
                "isPublic": False,
                "principal": {"AWS": principal},
                "sources": [{"type": "POLICY"}],
            }
        }
    ]


def stub_listing(stub: Stubber, findings: list[dict], details: list[list[dict]], status="ACTIVE"):
    """ListAnalyzers, ListFindingsV2 over two pages, then GetFindingV2 for each finding."""
    stub.add_response(
        "list_analyzers",
        {
            "analyzers": [
                {
                    "arn": ANALYZER_ARN,
                    "name": "account",
                    "type": "ACCOUNT",
                    "createdAt": T0,
                    "status": "ACTIVE",
                }
            ]
        },
        {},
    )
    first, rest = findings[:1], findings[1:]
    wanted = {"analyzerArn": ANALYZER_ARN, "filter": {"status": {"eq": [status]}}}
    stub.add_response("list_findings_v2", {"findings": first, "nextToken": "page-2"}, wanted)
    stub.add_response("list_findings_v2", {"findings": rest}, {**wanted, "nextToken": "page-2"})
    for item, detail in zip(findings, details, strict=True):
        answer = {**item, "findingDetails": detail}
        stub.add_response("get_finding_v2", answer, {"analyzerArn": ANALYZER_ARN, "id": item["id"]})


@pytest.fixture
def analyzer() -> Iterator[StubbedAnalyzer]:
    stubbed = StubbedAnalyzer()
    yield stubbed
    stubbed.assert_all_answered()


def live_bot(make_bot, analyzer: StubbedAnalyzer, **env: str):
    bot = make_bot(
        env={
            "IAM_AUDIT_DEMO": "false",
            "IAM_AUDIT_APPROVAL_CHANNEL": APPROVAL_CHANNEL,
            "IAM_AUDIT_APPROVERS": "UAPP1",
            **env,
        }
    )
    bot.services.analyzer_reader = analyzer.reader
    return bot


def use_executor(bot, executor: RemediationExecutor) -> None:
    snapshot = demo_snapshot()
    bot.services.approvals = build_approval_desk(
        bot.settings, clock=bot.clock, snapshot_source=lambda: snapshot, executor=lambda: executor
    )


# --- listing ------------------------------------------------------------------------------------


def test_findings_are_grouped_and_paged_with_who_what_conditions_and_last_use(make_bot) -> None:
    bot = make_bot(env={"IAM_AUDIT_PAGE_SIZE": "3"})
    assert bot.command("findings") == 200
    progress = bot.mock.wait_for("chat.postMessage")[0].body
    assert "Reading IAM Access Analyzer findings" in progress["text"]
    page1 = findings_message(bot)
    shown = json.dumps(page1["blocks"])
    assert page1["blocks"][0]["type"] == "header"
    assert "(demo)" in page1["blocks"][0]["text"]["text"]
    assert "7 findings" in page1["text"]  # the demo's active findings; one more is archived
    assert "*ExternalAccess* (3)" in shown
    assert "anyone (public)" in shown
    assert "aws:SourceIp = 203.0.113.0/24" in shown
    assert "page 1/3" in shown
    assert "demo-0004" not in shown  # archived: not listed without --status archived
    more = buttons(page1, ACTION_PAGE)
    assert len(more) == 1
    assert set(json.loads(more[0]["value"])) == {"c", "p"}
    assert len(more[0]["value"]) < 100  # ids only, never the findings themselves
    # Every block respects Slack's limits.
    assert len(page1["blocks"]) <= 50
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in page1["blocks"])

    click(bot, ACTION_PAGE, more[0]["value"])
    page2 = findings_message(bot, 2)
    assert "page 2/3" in json.dumps(page2["blocks"])
    click(bot, ACTION_PAGE, buttons(page2, ACTION_PAGE)[0]["value"], n=1)
    page3 = json.dumps(findings_message(bot, 3)["blocks"])
    assert "page 3/3" in page3
    assert "Last used:* 200 days ago" in page3 or "Last used:* 200 days ago" in json.dumps(
        page2["blocks"]
    )
    assert buttons(findings_message(bot, 3), ACTION_PAGE) == []


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        ("findings unused --type UnusedIAMUserAccessKey", "DEMO-KEY-DAVE-STALE", "grace.inactive"),
        ("findings --status archived", "demo-0004-partner-guarded-role", "demo-0001"),
        ("findings external --resource arn:aws:s3:::*", "example-reports-bucket", "public-trust"),
        ("findings all --regions eu-west-1", "No Access Analyzer findings match", "demo-0001"),
    ],
)
def test_filters_narrow_the_list(make_bot, text: str, present: str, absent: str) -> None:
    bot = make_bot()
    bot.command(text)
    shown = json.dumps(findings_message(bot)["blocks"])
    assert present in shown
    assert absent not in shown


def test_active_findings_come_from_a_fresh_audit_other_statuses_are_read_live(make_bot) -> None:
    from bot.aws.demo_analyzer import demo_access_analyzer_data

    bot = make_bot()
    reads: list[tuple[str, ...]] = []

    def counting(scope, now):
        reads.append(scope.statuses)
        return demo_access_analyzer_data(now, scope)

    bot.services.analyzer_reader = counting
    bot.command("audit")
    bot.mock.wait_for("files.completeUploadExternal")
    bot.command("findings external")
    first = findings_message(bot)
    assert "from the last audit" in json.dumps(first["blocks"])
    assert reads == []
    bot.command("findings --status archived")
    findings_message(bot, 2)
    assert reads == [("ARCHIVED",)]
    bot.clock.advance(hours=2)  # the audit is no longer fresh: active findings are read live too
    bot.command("findings")
    assert "read live" in json.dumps(findings_message(bot, 3)["blocks"])
    assert reads == [("ARCHIVED",), ("ACTIVE",)]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("findings sideways", "unknown finding kind 'sideways'"),
        ("findings --status maybe", "unknown finding status 'maybe'"),
        ("findings --type Nope", "unknown finding type 'Nope'"),
        ("findings unused --type ExternalAccess", "never matches kind 'unused'"),
        ("findings --status", "--status needs a value"),
        ("findings --regions moon", "not a region name"),
        ("analyzer frobnicate", "unknown analyzer action 'frobnicate'"),
        ("analyzer enable sideways", "say which analyzer to enable"),
    ],
)
def test_bad_input_gets_a_short_message_with_the_usage(make_bot, text: str, fragment: str) -> None:
    bot = make_bot()
    bot.command(text, via="dispatch")
    wait_reply(bot, fragment)
    reply = bot.mock.calls_to("response_url")[-1].body
    assert "Usage: /iam-audit" in reply["text"]
    assert reply.get("response_type", "ephemeral") == "ephemeral"
    assert bot.mock.calls_to("chat.postMessage") == []  # nothing was started


def test_access_denied_names_the_action_to_grant(make_bot, analyzer) -> None:
    bot = live_bot(make_bot, analyzer)
    analyzer.stub().add_client_error(
        "list_analyzers",
        service_error_code="AccessDeniedException",
        service_message="User is not authorized to perform: access-analyzer:ListAnalyzers",
        http_status_code=403,
    )
    bot.command("findings")
    bot.mock.wait_until(
        lambda calls: any(
            c.method == "chat.update" and "could not be read" in c.body.get("text", "")
            for c in calls
        )
    )
    text = bot.mock.calls_to("chat.update")[-1].body["text"]
    assert "ListAnalyzers was denied: grant access-analyzer:ListAnalyzers" in text
    assert "Traceback" not in text


def test_live_findings_across_pages_with_a_hostile_resource_name_are_escaped(
    make_bot, analyzer
) -> None:
    bot = live_bot(make_bot, analyzer)
    hostile = summary("ext-9", "ExternalAccess", HOSTILE, "AWS::S3::Bucket")
    role = summary(
        "ext-1", "ExternalAccess", f"arn:aws:iam::{ACCOUNT}:role/shared", "AWS::IAM::Role"
    )
    stub_listing(
        analyzer.stub(),
        [role, hostile],
        [
            external_details("arn:aws:iam::999988887777:root", ["sts:AssumeRole"]),
            external_details("<@U0ADMIN>", ["s3:GetObject"]),
        ],
    )
    bot.command("findings external")
    result = findings_message(bot)
    shown = json.dumps(result["blocks"])
    assert "read live" in shown
    assert "2 findings" in result["text"]
    assert "&lt;!channel&gt;&amp;&lt;https://evil.example|click-me&gt;" in shown
    assert "&lt;@U0ADMIN&gt;" in shown
    assert "<!channel>" not in shown
    assert "<https://evil" not in shown
    assert "<@U0ADMIN>" not in shown
    assert "<!channel>" not in result["text"]


# --- Archive: reason modal -> approval -> UpdateFindings ------------------------------------------


def test_archive_asks_a_reason_then_an_approver_and_calls_update_findings(
    make_bot, analyzer
) -> None:
    bot = live_bot(make_bot, analyzer)
    bucket = summary("ext-2", "ExternalAccess", "arn:aws:s3:::shared-bucket", "AWS::S3::Bucket")
    stub_listing(
        analyzer.stub(),
        [bucket],
        [external_details("arn:aws:iam::999988887777:root", ["s3:GetObject"])],
    )
    bot.command("findings")
    result = findings_message(bot)
    archive = buttons(result, ACTION_ARCHIVE)[0]
    assert buttons(result, ACTION_REMEDIATE) == []  # external access has no one-click fix

    # The executor's own client: the finding is read to check it is still active, when
    # proposing, and again before applying.
    executor_stub = Stubber(SESSION.client("accessanalyzer", region_name=US))
    executor_stub.activate()
    state = {**bucket, "findingDetails": []}
    where = {"analyzerArn": ANALYZER_ARN, "id": "ext-2"}
    executor_stub.add_response("get_finding_v2", state, where)
    executor_stub.add_response("get_finding_v2", state, where)
    executor_stub.add_response("get_finding_v2", state, where)
    executor_stub.add_response(
        "update_findings",
        {"ResponseMetadata": {"RequestId": "req-archive-1", "HTTPStatusCode": 200}},
        {"analyzerArn": ANALYZER_ARN, "ids": ["ext-2"], "status": "ARCHIVED", "clientToken": ANY},
    )
    executor = RemediationExecutor(
        SESSION, region=US, client_factory=lambda _service, _region: executor_stub.client
    )
    use_executor(bot, executor)

    click(bot, ACTION_ARCHIVE, archive["value"], user="UREQ")
    modal = bot.mock.wait_for("views.open")[-1].body["view"]
    assert modal["callback_id"] == ARCHIVE_MODAL
    meta = json.loads(modal["private_metadata"])
    assert meta["channel"] == "C111"
    assert "shared-bucket" in json.dumps(modal["blocks"])

    # An empty reason is refused inside the modal; nothing is proposed.
    empty = bot.dispatch(archive_submission(meta, "   ", user="UREQ"))
    assert "Give a reason" in empty.body
    assert posted_requests(bot) == []

    reason = "Partner <b>audit</b> bucket, agreed in contract #42"
    assert bot.dispatch(archive_submission(meta, reason, user="UREQ")).status == 200
    bot.mock.wait_until(lambda calls: len(posted_requests(bot)) == 1)
    request_post = posted_requests(bot)[0]
    shown = json.dumps(request_post.body["blocks"])
    assert "Archive IAM Access Analyzer finding ext-2" in shown
    assert "Partner &lt;b&gt;audit&lt;/b&gt; bucket" in shown  # the reason, escaped
    assert "UpdateFindings" in shown
    assert "NOT changed" in shown
    request_id = request_id_of(request_post)
    # The same submission delivered twice proposes once.
    with log_event("commands.findings", "dropped a repeated archive submission") as dropped:
        bot.dispatch(archive_submission(meta, reason, user="UREQ"))
        assert dropped.wait(10)
    assert len(posted_requests(bot)) == 1

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
    bot.mock.wait_until(
        lambda calls: any(c.method == "chat.postMessage" and c.body.get("thread_ts") for c in calls)
    )
    executor_stub.assert_no_pending_responses()  # UpdateFindings was called with those args
    final = bot.services.approvals.get(request_id)
    assert final.state is State.APPLIED
    assert final.params["reason"] == reason
    assert final.calls[-1]["request_id"] == "req-archive-1"
    assert final.calls[-1]["detail"]["reason"] == reason


def test_unauthorized_clicks_are_refused_and_open_nothing(make_bot) -> None:
    bot = make_bot(env={"IAM_AUDIT_ALLOW_FINDINGS": "U111"})
    bot.command("findings")
    result = findings_message(bot)
    archive = buttons(result, ACTION_ARCHIVE)[0]
    remediate = buttons(result, ACTION_REMEDIATE)[0]
    click(bot, ACTION_ARCHIVE, archive["value"], user="U999")
    click(bot, ACTION_REMEDIATE, remediate["value"], user="U999", n=1)
    bot.mock.wait_until(
        lambda calls: (
            texts([c for c in calls if c.method == "response_url"]).count("not allowed to run") >= 2
        )
    )
    assert "not allowed to run `findings`" in replies(bot)
    assert bot.mock.calls_to("views.open") == []
    # A forged modal submission from the same user is refused as well.
    meta = {"channel": "C111", "c": json.loads(archive["value"])["c"], "i": 0}
    bot.dispatch(archive_submission(meta, "because", user="U999"))
    bot.mock.wait_for("chat.postEphemeral")
    assert "not allowed to run `findings`" in texts(bot.mock.calls_to("chat.postEphemeral"))
    assert posted_requests(bot) == []


def test_a_click_whose_cache_is_gone_or_forged_is_answered_plainly(make_bot) -> None:
    bot = make_bot(env={"IAM_AUDIT_APPROVERS": "UAPP1"})
    click(bot, ACTION_ARCHIVE, json.dumps({"c": "aaf-nope", "i": 0}))
    wait_reply(bot, "no longer cached")
    click(bot, ACTION_REMEDIATE, "not json", n=1)
    wait_reply(bot, "That button is malformed")


# --- Remediate and analyzer enable: approval requests -------------------------------------------


@pytest.fixture
def iam() -> Iterator[boto3.Session]:
    demo_snapshot()  # built (and cached) first: the demo runs its own moto account
    with mock_aws():
        session = boto3.Session(region_name=US)
        client = session.client("iam")
        client.create_user(UserName="dave.stale-key")
        yield session


def test_remediate_an_unused_key_proposes_its_deactivation_once(make_bot, iam) -> None:
    bot = make_bot(
        env={"IAM_AUDIT_APPROVAL_CHANNEL": APPROVAL_CHANNEL, "IAM_AUDIT_APPROVERS": "UAPP1"}
    )
    use_executor(bot, RemediationExecutor(iam, region=US))
    bot.command("findings unused --type UnusedIAMUserAccessKey")
    result = findings_message(bot)
    remediate = buttons(result, ACTION_REMEDIATE)
    assert len(remediate) == 1
    # A double click (two deliveries with their own action_ts) makes one request.
    click(bot, ACTION_REMEDIATE, remediate[0]["value"], user="UREQ", n=1)
    click(bot, ACTION_REMEDIATE, remediate[0]["value"], user="UREQ", n=2)
    bot.mock.wait_until(lambda calls: len(posted_requests(bot)) == 1)
    wait_reply(bot, "Already on it")
    wait_reply(bot, "Approval request")
    shown = json.dumps(posted_requests(bot)[0].body["blocks"])
    assert "Deactivate access key DEMO-KEY-DAVE-STALE of user dave.stale-key" in shown
    assert "UpdateAccessKey" in shown
    assert len(posted_requests(bot)) == 1
    keys = iam.client("iam").list_access_keys(UserName="dave.stale-key")["AccessKeyMetadata"]
    assert keys == []  # nothing changed before an approval


def test_analyzer_enable_proposes_an_approval_instead_of_creating(make_bot) -> None:
    bot = make_bot(
        env={"IAM_AUDIT_APPROVAL_CHANNEL": APPROVAL_CHANNEL, "IAM_AUDIT_APPROVERS": "UAPP1"}
    )
    stub = Stubber(SESSION.client("accessanalyzer", region_name="eu-west-1"))
    stub.activate()
    stub.add_response("list_analyzers", {"analyzers": []}, {})
    executor = RemediationExecutor(SESSION, client_factory=lambda _s, _r: stub.client)
    use_executor(bot, executor)
    bot.command("analyzer enable external --region eu-west-1", user="UREQ")
    bot.mock.wait_until(lambda calls: len(posted_requests(bot)) == 1)
    shown = json.dumps(posted_requests(bot)[0].body["blocks"])
    assert "Create IAM Access Analyzer iam-audit-analyzer (type ACCOUNT) in eu-west-1" in shown
    wait_reply(bot, "Approval request")
    stub.assert_no_pending_responses()  # only read: CreateAnalyzer waits for the approval


def test_analyzer_enable_in_demo_mode_says_why_nothing_can_change(make_bot) -> None:
    bot = make_bot(env={"IAM_AUDIT_APPROVERS": "UAPP1"})
    bot.command("analyzer enable unused", via="dispatch")
    wait_reply(bot, "Demo mode has no AWS account to change")


def test_analyzer_lists_regions_and_the_gaps(make_bot) -> None:
    bot = make_bot()
    bot.command("analyzer")
    result = findings_message(bot)
    shown = json.dumps(result["blocks"])
    assert "demo-account-analyzer" in shown
    assert "No external-access analyzer:* eu-west-1" in shown
    assert "analyzer enable external --region eu-west-1" in shown
    assert "Unused access monitored from: us-east-1" in shown
    assert "external access monitored in 1 of 2" in result["text"]


def test_a_denied_finding_listing_is_named_while_the_rest_is_shown(make_bot, analyzer) -> None:
    bot = live_bot(make_bot, analyzer)
    stub = analyzer.stub()
    stub.add_response(
        "list_analyzers",
        {
            "analyzers": [
                {
                    "arn": ANALYZER_ARN,
                    "name": "account",
                    "type": "ACCOUNT",
                    "createdAt": T0,
                    "status": "ACTIVE",
                }
            ]
        },
        {},
    )
    stub.add_client_error(
        "list_findings_v2",
        service_error_code="AccessDeniedException",
        service_message="not authorized",
        http_status_code=403,
    )
    bot.command("findings")
    result = findings_message(bot)
    shown = json.dumps(result["blocks"])
    assert "Problems reading Access Analyzer" in shown
    assert "ListFindingsV2 was denied: grant access-analyzer:ListFindings" in shown
    assert "No Access Analyzer findings match" in shown


def test_archive_without_configured_approvers_says_how_to_configure(make_bot) -> None:
    bot = make_bot()
    bot.command("findings external")
    archive = buttons(findings_message(bot), ACTION_ARCHIVE)[0]
    click(bot, ACTION_ARCHIVE, archive["value"], user="UREQ")
    wait_reply(bot, "IAM_AUDIT_APPROVERS")
    assert bot.mock.calls_to("views.open") == []


def test_analyzer_answers_from_a_fresh_audit_without_reading_aws(make_bot) -> None:
    bot = make_bot()
    reads: list[object] = []
    bot.services.analyzer_reader = lambda scope, now: reads.append(scope)
    bot.command("audit")
    bot.mock.wait_for("files.completeUploadExternal")
    bot.command("analyzer", via="dispatch")
    wait_reply(bot, "IAM Access Analyzer analyzers")
    reply = json.dumps(bot.mock.calls_to("response_url")[-1].body["blocks"])
    assert "from the last audit" in reply
    assert "demo-unused-access" in reply
    assert reads == []
