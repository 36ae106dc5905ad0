"""Block Kit of `/iam-audit findings|analyzer` (pure), and the archive / analyzer-finding
remediations they propose: escaping, Slack's limits held by construction, buttons carrying ids."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.audit.analyzer_view import (
    analyzers_by_region,
    finding_row,
    group_findings,
    remediation_for,
)
from bot.audit.findings import Finding, Severity
from bot.model.errors import InputError
from bot.model.snapshot import Analyzer, AnalyzerFinding
from bot.remediation.registry import get_remediation, params_for_finding
from bot.slack.analyzer_blocks import (
    ACTION_ARCHIVE,
    ACTION_PAGE,
    ACTION_PAGE_PREV,
    ACTION_REMEDIATE,
    ARCHIVE_MODAL,
    FindingsContext,
    analyzers_message,
    archive_modal,
    finding_text,
    findings_page,
)
from tests.unit.test_blocks import check_limits

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
ACCOUNT = "123456789012"
ANALYZER_ARN = f"arn:aws:access-analyzer:us-east-1:{ACCOUNT}:analyzer/account"
UNUSED_ARN = f"arn:aws:access-analyzer:us-east-1:{ACCOUNT}:analyzer/unused"
HOSTILE = "<!channel> <https://evil.example|click here> & <@U123> `tick`"


def external(i: int, *, resource: str = "", public: bool = False, status: str = "ACTIVE"):
    return AnalyzerFinding(
        id=f"ext-{i}",
        analyzer_arn=ANALYZER_ARN,
        finding_type="ExternalAccess",
        resource=resource or f"arn:aws:s3:::bucket-{i}",
        resource_type="AWS::S3::Bucket",
        status=status,
        region="us-east-1",
        details={
            "details_fetched": True,
            "access": [
                {
                    "principal": {"AWS": f"arn:aws:iam::99998888{i:04d}:root"},
                    "actions": ["s3:GetObject", "s3:ListBucket"],
                    "conditions": {"aws:SourceIp": "203.0.113.0/24"},
                    "is_public": public,
                }
            ],
        },
    )


def unused_key(user: str = "dave", key: str = "AKIAEXAMPLE0001", days: int = 200):
    return AnalyzerFinding(
        id=f"key-{user}",
        analyzer_arn=UNUSED_ARN,
        finding_type="UnusedIAMUserAccessKey",
        resource=f"arn:aws:iam::{ACCOUNT}:user/{user}",
        resource_type="AWS::IAM::User",
        status="ACTIVE",
        region="us-east-1",
        details={
            "details_fetched": True,
            "access_key_id": key,
            "last_accessed": (NOW - timedelta(days=days)).isoformat(),
        },
    )


def view(**changes) -> FindingsContext:
    base = {
        "kind": "all",
        "statuses": ("ACTIVE",),
        "types": (),
        "resource_pattern": None,
        "source": "aws",
        "as_of": NOW - timedelta(minutes=2),
        "regions": ("us-east-1",),
    }
    return FindingsContext(**{**base, **changes})


def elements(message: dict, action_id: str) -> list[dict]:
    return [
        e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    ]


# --- limits and escaping -------------------------------------------------------------------------


def hostile_findings(count: int) -> list[AnalyzerFinding]:
    """Findings with huge, hostile details: every limit is pushed at once."""
    huge = {
        "details_fetched": True,
        "error": HOSTILE * 40,
        "access": [
            {
                "principal": {"AWS": f"{HOSTILE}-{j}" * 20},
                "actions": [f"s3:Get{HOSTILE}{k}" * 5 for k in range(60)],
                "conditions": {f"{HOSTILE}{k}": HOSTILE * 10 for k in range(30)},
                "is_public": True,
            }
            for j in range(20)
        ],
    }
    return [
        AnalyzerFinding(
            id=f"f-{i}-{'x' * 200}",
            analyzer_arn=ANALYZER_ARN,
            finding_type=("ExternalAccess", "InternalAccess")[i % 2],
            resource=f"arn:aws:s3:::{HOSTILE}{'y' * 900}{i}",
            resource_type="AWS::S3::Bucket",
            status="ACTIVE",
            region="us-east-1",
            details=huge,
        )
        for i in range(count)
    ]


@pytest.mark.parametrize("page_size", [1, 5, 10, 15])
def test_the_largest_pages_respect_every_slack_limit(page_size: int) -> None:
    groups = group_findings(hostile_findings(45))
    pages = -(-45 // page_size)
    for page in {1, 2, pages}:
        message = findings_page(
            groups,
            view(
                issues=tuple(HOSTILE * 30 for _ in range(12)),
                resource_pattern=HOSTILE * 30,
                regions=tuple(f"xx-region{i}-1" for i in range(40)),
            ),
            cache_id="aaf-1",
            page=page,
            page_size=page_size,
            now=NOW,
        )
        assert check_limits(message) == []
        # Nothing on the page was dropped to make it fit: every finding has its buttons.
        expected = min(page_size, 45 - (page - 1) * page_size)
        assert len(elements(message, ACTION_ARCHIVE)) == expected
        shown = json.dumps(message)
        assert "<!channel>" not in shown
        assert "<https://evil" not in shown
        assert "<@U123>" not in shown
        assert f"page {page}/{pages}" in shown or pages == 1


def test_a_page_of_every_finding_type_keeps_all_its_findings() -> None:
    """Seven type labels on one page: the page size is capped so nothing is cut."""
    types = (
        "ExternalAccess",
        "InternalAccess",
        "UnusedIAMRole",
        "UnusedIAMUserAccessKey",
        "UnusedIAMUserPassword",
        "UnusedPermission",
        "SomethingNew",
    )
    big = hostile_findings(1)[0]
    findings = [
        AnalyzerFinding(
            id=f"{t}-{i}",
            analyzer_arn=ANALYZER_ARN,
            finding_type=t,
            resource=big.resource,
            resource_type="AWS::IAM::Role",
            status="ACTIVE",
            region="us-east-1",
            details=big.details,
        )
        for t in types
        for i in range(3)
    ]
    message = findings_page(
        group_findings(findings), view(), cache_id="c", page=1, page_size=20, now=NOW
    )
    assert check_limits(message) == []
    assert len(elements(message, ACTION_ARCHIVE)) == 15  # 20 asked, 15 at most per page
    assert "Findings 1-15 of 21 (page 1/2)" in json.dumps(message)


def test_finding_text_shows_who_what_conditions_escaped() -> None:
    row = finding_row(external(1, resource=f"arn:aws:s3:::{HOSTILE}", public=True))
    text = finding_text(row, now=NOW)
    assert "anyone (public)" in text
    assert "`AWS: arn:aws:iam::999988880001:root`" in text
    assert "`s3:GetObject`, `s3:ListBucket`" in text
    assert "`aws:SourceIp = 203.0.113.0/24`" in text
    assert "&lt;!channel&gt;" in text
    assert "<!channel>" not in text
    assert "'tick'" in text  # a backtick would close the code span early


def test_unused_access_shows_the_key_and_when_it_was_last_used() -> None:
    text = finding_text(finding_row(unused_key()), now=NOW)
    assert "`AKIAEXAMPLE0001`" in text
    assert "200 days ago" in text
    never = AnalyzerFinding(**_never_used())
    assert "never (or not in the tracking window)" in finding_text(finding_row(never), now=NOW)
    unread = _never_used(details={"details_fetched": False})
    assert "not read" in finding_text(finding_row(AnalyzerFinding(**unread)), now=NOW)


def _never_used(details: dict | None = None) -> dict:
    return {
        "id": "pw-1",
        "analyzer_arn": UNUSED_ARN,
        "finding_type": "UnusedIAMUserPassword",
        "resource": f"arn:aws:iam::{ACCOUNT}:user/grace",
        "resource_type": "AWS::IAM::User",
        "status": "ACTIVE",
        "region": "us-east-1",
        "details": details if details is not None else {"details_fetched": True},
    }


# --- buttons, groups and paging ------------------------------------------------------------------


def test_buttons_carry_ids_and_appear_only_where_they_can_act() -> None:
    findings = [
        external(1),
        external(2, status="ARCHIVED"),
        unused_key(),
        AnalyzerFinding(**_never_used()),
    ]
    message = findings_page(
        group_findings(findings),
        view(statuses=("ACTIVE", "ARCHIVED")),
        cache_id="aaf-42",
        page=1,
        page_size=10,
        now=NOW,
    )
    archive = elements(message, ACTION_ARCHIVE)
    remediate = elements(message, ACTION_REMEDIATE)
    assert len(archive) == 3  # not the archived one
    assert len(remediate) == 2  # the unused key and the unused password
    for element in archive + remediate:
        value = json.loads(element["value"])
        assert set(value) == {"c", "i"}
        assert value["c"] == "aaf-42"
    # The indexes follow display order, so the click finds the same finding again.
    rows = [r for g in group_findings(findings) for r in g.rows]
    for element in remediate:
        assert rows[json.loads(element["value"])["i"]].remediation is not None


def test_groups_are_labelled_and_paging_buttons_only_where_there_is_a_page() -> None:
    findings = [external(i) for i in range(5)] + [unused_key(f"u{i}") for i in range(3)]
    groups = group_findings(findings)
    first = findings_page(groups, view(), cache_id="c1", page=1, page_size=3, now=NOW)
    middle = findings_page(groups, view(), cache_id="c1", page=2, page_size=3, now=NOW)
    last = findings_page(groups, view(), cache_id="c1", page=3, page_size=3, now=NOW)
    assert "*ExternalAccess* (5)" in json.dumps(first)
    assert "*UnusedIAMUserAccessKey* (3)" in json.dumps(middle)
    assert elements(first, ACTION_PAGE_PREV) == []
    assert json.loads(elements(first, ACTION_PAGE)[0]["value"]) == {"c": "c1", "p": 2}
    assert json.loads(elements(middle, ACTION_PAGE_PREV)[0]["value"]) == {"c": "c1", "p": 1}
    assert elements(last, ACTION_PAGE) == []
    assert "Findings 7-8 of 8 (page 3/3)" in json.dumps(last)
    with pytest.raises(InputError, match="page 4 does not exist"):
        findings_page(groups, view(), cache_id="c1", page=4, page_size=3, now=NOW)


def test_empty_result_and_demo_marker() -> None:
    message = findings_page([], view(source="demo"), cache_id="c", page=1, page_size=10, now=NOW)
    shown = json.dumps(message)
    assert "No Access Analyzer findings match" in shown
    assert "(demo)" in message["blocks"][0]["text"]["text"]
    assert "DEMO DATA" in shown
    assert message["text"].startswith("IAM Access Analyzer: 0 findings")


def test_archive_modal_carries_ids_only_and_escapes_the_resource() -> None:
    row = finding_row(external(1, resource=f"arn:aws:s3:::{HOSTILE}"))
    modal = archive_modal(row, channel="C111", cache_id="aaf-1", index=3)
    assert modal["callback_id"] == ARCHIVE_MODAL
    assert json.loads(modal["private_metadata"]) == {"channel": "C111", "c": "aaf-1", "i": 3}
    shown = json.dumps(modal["blocks"])
    assert "<!channel>" not in shown
    assert "&lt;!channel&gt;" in shown
    assert modal["blocks"][-1]["element"]["max_length"] == 1000


# --- analyzers -----------------------------------------------------------------------------------


def test_analyzers_message_lists_regions_and_gaps_escaped() -> None:
    analyzers = [
        Analyzer(f"acc-{HOSTILE}", ANALYZER_ARN, "ACCOUNT", "ACTIVE", "us-east-1"),
        Analyzer(
            "unused", UNUSED_ARN, "ACCOUNT_UNUSED_ACCESS", "ACTIVE", "us-east-1", None, "", 90
        ),
        Analyzer("old", ANALYZER_ARN, "ACCOUNT", "DISABLED", "eu-west-1", None, "SLR_ERROR"),
    ]
    regions = analyzers_by_region(analyzers, ("us-east-1", "eu-west-1", "ap-south-1"))
    message = analyzers_message(regions, source="aws", as_of=NOW, now=NOW)
    shown = json.dumps(message)
    assert check_limits(message) == []
    assert "No external-access analyzer:* ap-south-1, eu-west-1" in shown
    assert "unused after 90 days" in shown
    assert "SLR_ERROR" in shown
    assert "<!channel>" not in shown
    assert "external access monitored in 1 of 3" in message["text"]
    none = analyzers_message(
        analyzers_by_region([], ("us-east-1",)), source="aws", as_of=NOW, now=NOW
    )
    assert "No unused-access analyzer" in json.dumps(none)


def test_analyzers_message_with_every_region_fits() -> None:
    names = [f"xx-region{i}-{i % 9 + 1}" for i in range(60)]
    analyzers = [
        Analyzer(f"a{j}-{'n' * 100}", ANALYZER_ARN, "ACCOUNT", "ACTIVE", region)
        for region in names
        for j in range(10)
    ]
    message = analyzers_message(
        analyzers_by_region(analyzers, names),
        source="snapshot",
        as_of=NOW,
        now=NOW,
        issues=[HOSTILE * 50] * 10,
    )
    assert check_limits(message) == []
    assert "more regions not shown" in json.dumps(message)


# --- the remediations the findings propose -------------------------------------------------------


def test_archive_plan_records_the_reason_and_undoes_to_active() -> None:
    params = {
        "analyzer_arn": ANALYZER_ARN,
        "finding_id": "ext-1",
        "resource": "arn:aws:s3:::shared",
        "finding_type": "ExternalAccess",
        "reason": "contract #42",
    }
    plan = get_remediation("archive_finding").plan(params)
    assert plan.params["region"] == "us-east-1"
    assert plan.params["reason"] == "contract #42"
    assert "Reason: contract #42" in plan.summary
    assert "status=ARCHIVED" in plan.steps[0]
    assert plan.target.kind == "analyzer_finding"
    assert plan.undo_change is not None
    assert plan.undo_change["remediation"] == "unarchive_finding"
    undo = get_remediation("unarchive_finding").plan(plan.undo_change["params"])
    assert "status=ACTIVE" in undo.steps[0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reason": "  "}, "say why"),
        ({"reason": "x" * 1001}, "too long"),
        ({"analyzer_arn": "arn:aws:s3:::bucket"}, "not an IAM Access Analyzer analyzer ARN"),
        ({"finding_id": "bad id with spaces"}, "not an Access Analyzer finding id"),
    ],
)
def test_archive_plan_refuses_bad_parameters(change: dict, message: str) -> None:
    params = {"analyzer_arn": ANALYZER_ARN, "finding_id": "ext-1", "reason": "ok", **change}
    with pytest.raises(InputError, match=message):
        get_remediation("archive_finding").plan(params)


def audit_finding(item: AnalyzerFinding) -> Finding:
    """The `analyzer.active_findings` audit finding of an Access Analyzer finding."""
    row = finding_row(item)
    evidence = {
        "finding_id": item.id,
        "finding_type": item.finding_type,
        "region": item.region,
        "resource": item.resource,
        "analyzer_arn": item.analyzer_arn,
    }
    if row.access_key_id:
        evidence["access_key_id"] = row.access_key_id
    return Finding(
        check_id="analyzer.active_findings",
        severity=Severity.LOW,
        resource_arn=f"{item.resource}#access-analyzer/{item.id}",
        resource_type=item.resource_type,
        title="t",
        detail="d",
        evidence=evidence,
    )


def test_audit_findings_of_the_analyzer_map_to_the_same_remediations() -> None:
    key = unused_key()
    assert params_for_finding(audit_finding(key), None) == remediation_for(key)
    assert params_for_finding(audit_finding(key), None) == (
        "deactivate_access_key",
        {"target_kind": "user", "target_name": "dave", "access_key_id": "AKIAEXAMPLE0001"},
    )
    password = AnalyzerFinding(**_never_used())
    assert params_for_finding(audit_finding(password), None) == (
        "delete_login_profile",
        {"target_kind": "user", "target_name": "grace"},
    )
    with pytest.raises(InputError, match="None of the remediations"):
        params_for_finding(audit_finding(external(1)), None)


# --- conditions of several grants ---------------------------------------------------------------


def with_an_unconditional_grant(finding: AnalyzerFinding) -> AnalyzerFinding:
    """The finding with one more grant (access entry) that has no condition at all."""
    grant = {
        "principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "actions": ["s3:GetObject"],
        "conditions": {},
        "is_public": False,
    }
    access = [*finding.details["access"], grant]
    return dataclasses.replace(finding, details={**finding.details, "access": access})


def test_a_grant_without_conditions_is_said_before_the_conditions_of_the_others() -> None:
    """ext-1 grants one account s3:GetObject from 203.0.113.0/24 and another from anywhere: its
    conditions do not read as though every grant were conditional (before: only the merged
    `aws:SourceIp = 203.0.113.0/24`). ext-2, conditional throughout, reads as before."""
    findings = [with_an_unconditional_grant(external(1)), external(2)]
    message = findings_page(
        group_findings(findings),
        view(),
        cache_id="c1",
        page=1,
        page_size=10,
        now=NOW,
        findings=findings,
    )
    texts = {
        block["text"]["text"].rsplit("id `", 1)[-1].rstrip("`"): block["text"]["text"]
        for block in message["blocks"]
        if block["type"] == "section" and "*Conditions:*" in block["text"]["text"]
    }
    assert (
        "*Conditions:* *none for 1 of 2 grants*; the others: `aws:SourceIp = 203.0.113.0/24`"
        in texts["ext-1"]
    )
    assert "*Conditions:* `aws:SourceIp = 203.0.113.0/24`" in texts["ext-2"]
    assert "none for" not in texts["ext-2"]


def test_the_findings_command_pages_pass_the_grants_on() -> None:
    from commands.findings import FindingsRead, render_page

    services = SimpleNamespace(settings=SimpleNamespace(page_size=10), clock=lambda: NOW)
    read = FindingsRead(view(), (with_an_unconditional_grant(external(1)),))
    shown = json.dumps(render_page(services, "aaf-1", read, 1))
    assert "*none for 1 of 2 grants*; the others: `aws:SourceIp = 203.0.113.0/24`" in shown


def test_pages_of_partly_conditional_hostile_findings_respect_every_slack_limit() -> None:
    findings = [with_an_unconditional_grant(f) for f in hostile_findings(15)]
    message = findings_page(
        group_findings(findings),
        view(),
        cache_id="aaf-1",
        page=1,
        page_size=15,
        now=NOW,
        findings=findings,
    )
    assert check_limits(message) == []
    assert len(elements(message, ACTION_ARCHIVE)) == 15
