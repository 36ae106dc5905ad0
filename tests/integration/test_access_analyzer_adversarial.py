"""Access Analyzer under hostile or unusual conditions, with Stubber-checked answers.

Each test here reproduces what a user met before its fix: a listing lost to a token that expired
during the detail calls, one region's unparsable answer ending the whole read, the audit's
deadline ignored by the region workers, and AWS strings holding newlines forging lines of the
text report.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws

from bot.audit.analyzer_view import FindingFilter, group_findings
from bot.aws.access_analyzer import AnalyzerScope, collect_access_analyzer
from bot.aws.deadline import audit_deadline
from bot.aws.deadline import install as install_deadline
from bot.aws.session import make_session
from bot.clicmd.findings import AnalyzerSource, render_json, render_text
from tests.integration.test_access_analyzer import (
    EU,
    NOW,
    PUBLIC_ROLE,
    SESSION,
    SHARED_BUCKET,
    TEST_CONFIG,
    US,
    StubbedAWS,
    _Raw,
    analyzer_summary,
    arn,
    collect,
    expect_detail,
    expect_findings,
    ext,
)


@pytest.fixture
def aws() -> Iterator[StubbedAWS]:
    stubbed = StubbedAWS()
    yield stubbed
    stubbed.assert_all_answered()


# --- credentials that expire during the read -------------------------------------------------


def test_a_token_expiring_during_the_detail_calls_keeps_what_was_listed(aws: StubbedAWS) -> None:
    # Before: two ExpiredTokenException on GetFindingV2 counted as two regions "rejected", so a
    # one-region read raised CollectionError and the listed findings were thrown away.
    stub = aws.aa(US)
    stub.add_response("list_analyzers", {"analyzers": [analyzer_summary("account", "ACCOUNT")]}, {})
    expect_findings(stub, arn("account"), [PUBLIC_ROLE, SHARED_BUCKET])
    stub.add_client_error("get_finding_v2", "ExpiredTokenException", "token expired", 400)
    stub.add_client_error("get_finding_v2", "ExpiredTokenException", "token expired", 400)
    data = collect(aws)
    assert data.regions == (US,)
    assert [f.id for f in data.findings] == ["ext-1", "ext-2"]
    assert all(not f.details["details_fetched"] for f in data.findings)
    (issue,) = data.issues
    assert issue.action == "access-analyzer:GetFinding"
    assert "rejected the credentials (ExpiredTokenException)" in issue.message


def test_a_region_rejecting_the_token_and_one_denying_is_still_a_partial_read(
    aws: StubbedAWS,
) -> None:
    # An opt-in region not enabled answers UnrecognizedClientException; another region's
    # credentials fail on its detail calls only: the listing of that region stands.
    aws.aa(EU).add_client_error("list_analyzers", "UnrecognizedClientException", "bad", 403)
    stub = aws.aa(US)
    stub.add_response("list_analyzers", {"analyzers": [analyzer_summary("account", "ACCOUNT")]}, {})
    expect_findings(stub, arn("account"), [PUBLIC_ROLE])
    stub.add_client_error("get_finding_v2", "ExpiredTokenException", "token expired", 400)
    data = collect(aws, US, EU)
    assert data.regions == (US,)
    assert [f.id for f in data.findings] == ["ext-1"]
    messages = " | ".join(i.message for i in data.issues)
    assert "in eu-west-1; is that region enabled for the account?" in messages


# --- an answer that is not AWS's in one region ----------------------------------------------


def _html_client(region: str) -> Any:
    """A client whose every call gets a proxy's HTML page with status 200."""
    client = SESSION.client("accessanalyzer", region_name=region, config=TEST_CONFIG)

    def html(request: Any, **_: Any) -> AWSResponse:
        page = b"<html><head><title>Proxy login</title></head></html>"
        return AWSResponse(request.url, 200, {"Content-Type": "text/html"}, _Raw(page))

    client.meta.events.register("before-send.accessanalyzer", html)
    return client


def test_an_unparsable_answer_in_one_region_is_that_regions_issue(aws: StubbedAWS) -> None:
    # Before: KeyError 'analyzers' escaped the region worker and ended the whole read (the CLI
    # and Slack showed an unexpected error; the audit lost every region's analyzers).
    aws.aa(US).add_response(
        "list_analyzers",
        {"analyzers": [analyzer_summary("account", "ACCOUNT", status="DISABLED")]},
        {},
    )
    proxied = _html_client(EU)

    def factory(service: str, region: str) -> Any:
        return proxied if region == EU else aws(service, region)

    data = collect_access_analyzer(
        scope=AnalyzerScope(regions=(US, EU)), home_region=US, client_factory=factory
    )
    assert data.regions == (US,)
    assert [a.name for a in data.analyzers] == ["account"]
    (issue,) = data.issues
    assert issue.api == "ListAnalyzers"
    assert issue.action == "access-analyzer:ListAnalyzers"
    assert issue.code == "Malformed"
    assert "returned an answer without the fields AWS sends" in issue.message
    assert issue.message.endswith("in eu-west-1")


def test_an_unparsable_finding_page_keeps_the_analyzers() -> None:
    client = SESSION.client("accessanalyzer", region_name=US, config=TEST_CONFIG)
    listing = (
        b'{"analyzers": [{"arn": "' + arn("account").encode() + b'", "name": "account",'
        b' "type": "ACCOUNT", "createdAt": "2026-11-01T12:00:00Z", "status": "ACTIVE"}]}'
    )

    def answer(request: Any, event_name: str, **_: Any) -> AWSResponse:
        if event_name.endswith(".ListAnalyzers"):
            headers = {"Content-Type": "application/json"}
            return AWSResponse(request.url, 200, headers, _Raw(listing))
        return AWSResponse(request.url, 200, {"Content-Type": "text/html"}, _Raw(b"<html/>"))

    client.meta.events.register("before-send.accessanalyzer", answer)
    data = collect_access_analyzer(
        scope=AnalyzerScope(regions=(US,)), client_factory=lambda _s, _r: client
    )
    assert [a.name for a in data.analyzers] == ["account"]
    assert data.findings == ()
    (issue,) = data.issues
    assert (issue.api, issue.code) == ("ListFindingsV2", "Malformed")
    assert "(account)" in issue.message


# --- the audit's deadline in the region workers ------------------------------------------------


def test_the_audit_deadline_stops_the_region_workers_too() -> None:
    # Before: the deadline lives in a ContextVar, which ThreadPoolExecutor workers do not
    # inherit: every region but the home one was still called (and retried) after it passed.
    with mock_aws():
        session = make_session(region=US)
        install_deadline(session)
        sent: list[str] = []
        session.events.register("before-send", lambda **_: sent.append("sent"))
        with audit_deadline(0.001):
            time.sleep(0.01)
            data = collect_access_analyzer(session, scope=AnalyzerScope(regions=(US, EU)))
    assert sent == []
    assert data.analyzers is None
    (issue,) = data.issues
    assert "deadline of 0.001 s passed" in issue.message
    assert "2 regions: eu-west-1, us-east-1" in issue.message


# --- hostile strings in the text report --------------------------------------------------------


FORGED = "x\n\n0 findings\n  [low] arn:aws:s3:::harmless"


def test_newlines_in_aws_strings_do_not_forge_lines_of_the_text_report(aws: StubbedAWS) -> None:
    # Condition values and principals come from resource policies anyone with write access to
    # the resource chose; the finding's error text is AWS's. Before: printed as they were, a
    # newline in any of them started a line of its own ("0 findings", a fake finding).
    stub = aws.aa(US)
    stub.add_response("list_analyzers", {"analyzers": [analyzer_summary("account", "ACCOUNT")]}, {})
    hostile = {**SHARED_BUCKET, "error": f"INTERNAL_ERROR{FORGED}"}
    expect_findings(stub, arn("account"), [hostile])
    expect_detail(
        stub,
        arn("account"),
        hostile,
        [
            ext(
                {"AWS": f"arn:aws:iam::999988887777:root{FORGED}"},
                [f"s3:GetObject{FORGED}"],
                condition={f"aws:SourceIp{FORGED}": f"203.0.113.0/24{FORGED}"},
            )
        ],
    )
    data = collect(aws)
    read = AnalyzerSource("aws", data.analyzers, data.findings, data.regions, data.issues)
    text = render_text(read, FindingFilter(), group_findings(data.findings), now=NOW)
    lines = text.splitlines()
    assert "0 findings" not in lines
    assert not [line for line in lines if line.strip().startswith("[low]")]
    assert lines[-1] == "1 finding: 1 medium"
    who = next(line for line in lines if line.strip().startswith("who:"))
    assert "rootx 0 findings [low] arn:aws:s3:::harmless" in who


# --- conditions of several grants --------------------------------------------------------------


def shared_bucket_granting(aws: StubbedAWS, grants: list[dict[str, Any]]) -> Any:
    """The account analyzer's one finding, on SHARED_BUCKET, with these grants (access
    entries), collected."""
    stub = aws.aa(US)
    stub.add_response("list_analyzers", {"analyzers": [analyzer_summary("account", "ACCOUNT")]}, {})
    expect_findings(stub, arn("account"), [SHARED_BUCKET])
    expect_detail(stub, arn("account"), SHARED_BUCKET, grants)
    return collect(aws)


def test_a_condition_key_with_other_values_in_another_grant_keeps_every_value(
    aws: StubbedAWS,
) -> None:
    # One bucket policy, two grants: each GetFindingV2 entry has its own condition. Before: the
    # merged view kept the last entry's value, so 198.51.100.0/24 was never shown.
    data = shared_bucket_granting(
        aws,
        [
            ext(
                {"AWS": "111122223333"},
                ["s3:GetObject"],
                condition={"aws:SourceIp": "198.51.100.0/24"},
            ),
            ext(
                {"AWS": "999988887777"},
                ["s3:GetObject"],
                condition={"aws:SourceIp": "203.0.113.0/24"},
            ),
        ],
    )
    (row,) = group_findings(data.findings)[0].rows
    assert row.conditions == {"aws:SourceIp": "198.51.100.0/24 | 203.0.113.0/24"}


def test_a_grant_without_conditions_beside_a_conditional_one_is_not_shown_as_conditional(
    aws: StubbedAWS,
) -> None:
    # One bucket policy, two grants: 111122223333 only from 203.0.113.0/24, 999988887777 from
    # anywhere. Before: "conditions: aws:SourceIp = 203.0.113.0/24", as though both grants were
    # limited to that network (the JSON the same, with nothing saying a grant had none).
    data = shared_bucket_granting(
        aws,
        [
            ext(
                {"AWS": "111122223333"},
                ["s3:GetObject"],
                condition={"aws:SourceIp": "203.0.113.0/24"},
            ),
            ext({"AWS": "999988887777"}, ["s3:GetObject"]),
        ],
    )
    read = AnalyzerSource("aws", data.analyzers, data.findings, data.regions, data.issues)
    groups = group_findings(data.findings)
    lines = render_text(read, FindingFilter(), groups, now=NOW).splitlines()
    (shown,) = [line.strip() for line in lines if line.strip().startswith("conditions:")]
    assert shown == "conditions: none for 1 of 2 grants; the others: aws:SourceIp = 203.0.113.0/24"
    (row,) = json.loads(render_json(read, FindingFilter(), groups, now=NOW))["groups"][0][
        "findings"
    ]
    assert (row["grants"], row["grants_without_conditions"]) == (2, 1)
    assert row["conditions"] == {"aws:SourceIp": "203.0.113.0/24"}


def test_grants_all_conditional_or_all_unconditional_read_as_before(aws: StubbedAWS) -> None:
    stub = aws.aa(US)
    stub.add_response("list_analyzers", {"analyzers": [analyzer_summary("account", "ACCOUNT")]}, {})
    expect_findings(stub, arn("account"), [SHARED_BUCKET, PUBLIC_ROLE])
    ip = {"aws:SourceIp": "203.0.113.0/24"}
    expect_detail(
        stub,
        arn("account"),
        SHARED_BUCKET,
        [ext({"AWS": a}, ["s3:GetObject"], condition=ip) for a in ("111122223333", "444455556666")],
    )
    expect_detail(
        stub,
        arn("account"),
        PUBLIC_ROLE,
        [ext({"AWS": a}, ["sts:AssumeRole"]) for a in ("111122223333", "444455556666")],
    )
    data = collect(aws)
    read = AnalyzerSource("aws", data.analyzers, data.findings, data.regions, data.issues)
    text = render_text(read, FindingFilter(), group_findings(data.findings), now=NOW)
    shown = sorted(line.strip() for line in text.splitlines() if "conditions:" in line)
    assert shown == ["conditions: aws:SourceIp = 203.0.113.0/24", "conditions: none"]
