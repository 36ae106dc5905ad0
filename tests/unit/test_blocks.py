"""Block Kit builders: escaping, and Slack's limits held by construction on the largest report."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import pytest

from bot.audit.findings import Finding, Severity
from bot.audit.report import Report, ReportError
from bot.slack import blocks
from bot.slack.blocks import (
    CommandHelp,
    audit_page,
    button,
    clip,
    escape,
    help_message,
    lint_message,
    progress_message,
    status_message,
)
from bot.slack.home import home_view, trend_line
from bot.store.base import HistoryEntry

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
HOSTILE = "<!channel> <https://evil.example|click here> & <@U123> `tick`"


def option_problems(options: list[dict[str, Any]]) -> list[str]:
    """Slack's option object: text <= 75, value <= 150 characters."""
    problems = []
    for option in options:
        if len(option["text"]["text"]) > 75:
            problems.append("option text > 75")
        if len(option["value"]) > 150:
            problems.append("option value > 150")
    return problems


def check_limits(message: dict[str, Any], *, max_blocks: int = 50) -> list[str]:
    """Every Slack limit of slack.md, checked independently of the builders."""
    problems: list[str] = []
    if not message.get("text") and "type" not in message:
        problems.append("no top-level text fallback")
    items = message["blocks"]
    if len(items) > max_blocks:
        problems.append(f"{len(items)} blocks")
    total = 0

    def texts(node: Any) -> None:
        nonlocal total
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    total += len(value)
                else:
                    texts(value)
        elif isinstance(node, list):
            for value in node:
                texts(value)

    texts(items)
    if total > 12_000:
        problems.append(f"total text {total}")
    for block in items:
        kind = block["type"]
        if kind == "header" and len(block["text"]["text"]) > 150:
            problems.append("header > 150")
        if kind == "section":
            if "text" in block and len(block["text"]["text"]) > 3000:
                problems.append("section text > 3000")
            if len(block.get("fields", [])) > 10:
                problems.append("> 10 fields")
            for item in block.get("fields", []):
                if len(item["text"]) > 2000:
                    problems.append("field > 2000")
            accessory = block.get("accessory")
            if accessory and len(accessory.get("value", "")) > 2000:
                problems.append("button value > 2000")
        if kind == "actions":
            if len(block["elements"]) > 25:
                problems.append("> 25 elements")
            for element in block["elements"]:
                if len(element.get("value", "")) > 2000:
                    problems.append("button value > 2000")
                if element["type"] == "button" and len(element["text"]["text"]) > 75:
                    problems.append("button text > 75")
                if element["type"] == "static_select":
                    options = [o for g in element["option_groups"] for o in g["options"]]
                    if len(options) > 100:
                        problems.append("> 100 select options")
                    problems += option_problems(options)
        accessory = block.get("accessory") or {}
        if accessory.get("type") == "overflow":
            if not 2 <= len(accessory["options"]) <= 5 and len(accessory["options"]) != 1:
                problems.append("overflow needs 1-5 options")
            problems += option_problems(accessory["options"])
        if kind == "context" and len(block["elements"]) > 10:
            problems.append("> 10 context elements")
    return problems


def long_arn(i: int) -> str:
    return f"arn:aws:iam::123456789012:role/{'very-long-path/' * 30}role-{i}-{'x' * 400}"


# Long strings are built once and shared, so "thousands of findings" stays small in memory.
LONG_TITLE = "A" * 500 + HOSTILE
LONG_DETAIL = ("detail " * 800) + HOSTILE
LONG_EVIDENCE = {f"key{j}<&>": HOSTILE * 50 for j in range(12)}


@lru_cache(maxsize=4)
def largest_report(count: int = 5000) -> Report:
    severities = list(Severity)
    findings = tuple(
        Finding(
            check_id=f"principal.privilege_escalation_{i % 7}" if i % 3 else "user.without_mfa",
            severity=severities[i % len(severities)],
            resource_arn=long_arn(i),
            resource_type="AWS::IAM::Role",
            title=LONG_TITLE,
            detail=LONG_DETAIL,
            evidence=LONG_EVIDENCE,
            remediation="fix it",
        )
        for i in range(count)
    )
    findings = tuple(sorted(findings, key=lambda f: -f.severity.rank))
    return Report(
        account_id="123456789012",
        generated_at=NOW - timedelta(minutes=3),
        source="aws",
        findings=findings,
        errors=tuple(ReportError("check", HOSTILE * 100, check_id="x.y") for _ in range(30)),
        checks=("a.b",) * 60,
    )


def test_escape_neutralises_mentions_and_links() -> None:
    assert escape("<!channel>") == "&lt;!channel&gt;"
    assert escape("<https://x|click>") == "&lt;https://x|click&gt;"
    assert escape("a & b") == "a &amp; b"


def test_clip_never_cuts_an_escape_sequence_in_half() -> None:
    text = escape("x" * 8 + "&&&&")
    clipped = clip(text, 12)
    assert len(clipped) <= 12
    assert clipped.endswith("…")
    assert "&am…" not in clipped
    assert not clipped[:-1].endswith(("&", "&a", "&am", "&amp"))


@pytest.mark.parametrize("page", [0, 1, 249, 10_000])
@pytest.mark.parametrize("page_size", [1, 10, 20])
def test_largest_report_respects_every_limit(page: int, page_size: int) -> None:
    report = largest_report()
    remediable = frozenset({"user.without_mfa"})
    result = audit_page(
        report, report_id="r" * 80, page=page, page_size=page_size, now=NOW, remediable=remediable
    )
    assert check_limits(result.message) == []
    assert result.needs_file
    assert 1 <= result.shown <= page_size
    serialized = json.dumps(result.message)
    assert "<!channel>" not in serialized
    assert "<https://evil" not in serialized
    assert "<@U123>" not in serialized


def test_every_shown_finding_carries_its_check_id_and_worst_come_first() -> None:
    report = largest_report(40)
    result = audit_page(report, report_id="r1", page=0, page_size=10, now=NOW)
    sections = [
        b
        for b in result.message["blocks"]
        if b["type"] == "section" and "Resource:" in b.get("text", {}).get("text", "")
    ]
    assert len(sections) == 10
    for block in sections:
        assert (
            "`principal.privilege_escalation_" in block["text"]["text"]
            or "`user.without_mfa`" in block["text"]["text"]
        )
    assert ":red_circle: *CRITICAL*" in sections[0]["text"]["text"]


def test_remediate_button_only_where_a_handler_exists() -> None:
    report = largest_report(20)
    without = audit_page(report, report_id="r1", page=0, page_size=20, now=NOW)
    assert "Remediate" not in json.dumps(without.message)
    with_handler = audit_page(
        report,
        report_id="r1",
        page=0,
        page_size=20,
        now=NOW,
        remediable=frozenset({"user.without_mfa"}),
    )
    menus = [b for b in with_handler.message["blocks"] if "accessory" in b]
    assert menus
    for block in menus:
        menu = block["accessory"]
        assert menu["type"] == "overflow"
        assert menu["action_id"] == "audit_finding_menu"
        labels = [o["text"]["text"] for o in menu["options"]]
        remediable = "`user.without_mfa`" in block["text"]["text"]
        assert labels == (["Show evidence", "Remediate..."] if remediable else ["Show evidence"])
    assert any("Remediate..." in json.dumps(b) for b in menus)


def test_paging_buttons_carry_ids_not_content() -> None:
    report = largest_report(25)
    first = audit_page(
        report, report_id="rid", page=0, page_size=10, now=NOW, min_severity=Severity.LOW
    )
    nav = [b for b in first.message["blocks"] if b["type"] == "actions"][-1]["elements"]
    assert [e["text"]["text"] for e in nav] == ["Show more"]
    assert json.loads(nav[0]["value"]) == {"r": "rid", "s": "low", "p": 1}
    last = audit_page(report, report_id="rid", page=99, page_size=10, now=NOW)
    assert last.page == 2
    assert last.pages == 3
    nav = [b for b in last.message["blocks"] if b["type"] == "actions"][-1]["elements"]
    assert [e["text"]["text"] for e in nav] == ["Previous"]


def test_a_long_list_gets_a_filter_select_by_severity_and_check() -> None:
    report = largest_report(25)
    page = audit_page(report, report_id="rid", page=0, page_size=10, now=NOW)
    select = next(
        b for b in page.message["blocks"] if b.get("block_id", "").startswith("audit_filter:")
    )
    assert select["block_id"] == "audit_filter:rid"
    element = select["elements"][0]
    assert element["type"] == "static_select"
    groups = {g["label"]["text"]: g["options"] for g in element["option_groups"]}
    assert groups["Severity"][0]["value"] == "all"
    assert all(o["value"].startswith("s:") for o in groups["Severity"][1:])
    assert all(o["value"].startswith("c:") for o in groups["Check"])
    assert "initial_option" not in element
    one_check = groups["Check"][0]["value"].removeprefix("c:")
    filtered = audit_page(
        report, report_id="rid", page=0, page_size=10, now=NOW, check_filter=one_check
    )
    shown = [b for b in filtered.message["blocks"] if b.get("accessory")]
    assert shown
    assert all(f"`{one_check}`" in b["text"]["text"] for b in shown)
    chosen = next(
        b for b in filtered.message["blocks"] if b.get("block_id", "").startswith("audit_filter:")
    )["elements"][0]["initial_option"]
    assert chosen["value"] == f"c:{one_check}"
    assert check_limits(filtered.message) == []


def test_a_short_list_has_no_filter() -> None:
    page = audit_page(largest_report(3), report_id="rid", page=0, page_size=10, now=NOW)
    assert "audit_filter" not in json.dumps(page.message)


def test_a_report_that_fits_needs_no_file_and_no_buttons() -> None:
    report = largest_report(3)
    result = audit_page(report, report_id="r", page=0, page_size=10, now=NOW)
    assert not result.needs_file
    assert not [b for b in result.message["blocks"] if b["type"] == "actions"]
    empty = audit_page(Report("1", NOW, "demo", ()), report_id="r", page=0, page_size=10, now=NOW)
    assert "No findings" in json.dumps(empty.message)
    assert "(demo)" in json.dumps(empty.message)
    assert empty.message["text"].startswith("IAM audit of account 1: 0 findings")


def test_button_refuses_an_oversized_value() -> None:
    with pytest.raises(ValueError, match="button value"):
        button("x", "a", {"blob": "y" * 3000})


def test_help_progress_status_fit_and_escape() -> None:
    many = [
        CommandHelp(f"c{i}", f"c{i} <x>", HOSTILE * 20, (f"c{i} {HOSTILE}",)) for i in range(80)
    ]
    help_msg = help_message(many)
    assert check_limits(help_msg) == []
    assert "<!channel>" not in json.dumps(help_msg)
    progress = progress_message("1234<!here>", "auditing", joined=2)
    assert check_limits(progress) == []
    assert "(auditing)" in progress["text"]
    assert "&lt;!here&gt;" in json.dumps(progress["blocks"])
    assert "2 more requests joined" in json.dumps(progress)
    status = status_message(
        account_id="1",
        summary={"high": 2},
        generated_at=NOW - timedelta(hours=3),
        now=NOW,
        running=True,
        demo=False,
    )
    assert "3 h ago" in status["text"]
    assert "running" in json.dumps(status["blocks"])


def test_lint_message_with_many_findings_fits() -> None:
    class Item:
        def __init__(self, i: int) -> None:
            self.code = "UNKNOWN_ACTION"
            self.severity = Severity.MEDIUM
            self.statement = i
            self.message = HOSTILE * 30

    message = lint_message([Item(i) for i in range(500)])
    assert check_limits(message) == []
    assert "more findings not shown" in json.dumps(message)
    assert "<!channel>" not in json.dumps(message)


def test_home_view_limits_and_trend() -> None:
    history = [HistoryEntry(f"r{i}", NOW, {"critical": i, "high": 1, "low": 3}) for i in range(5)]
    assert trend_line(history) == "8 (5) → 7 (4) → 6 (3) → 5 (2) → 4 (1)"
    assert trend_line([]) == "no audits yet"
    view = home_view(
        account_id="1",
        report=largest_report(),
        saved_at=NOW,
        history=history,
        posture=None,
        now=NOW,
    )
    assert view["type"] == "home"
    assert check_limits(view, max_blocks=blocks.MAX_VIEW_BLOCKS) == []


def test_refusal_message_links_channels_and_escapes_the_rest() -> None:
    """An authorization refusal names the allowed channels as links; anything else that looks
    like Slack markup (a broadcast, a user mention, a link) stays text."""
    from bot.slack.blocks import refusal_message

    text = (
        "Sorry, not here. It can be used in: <#C0123ABCD>, <#G0999> <!channel> <@U1> <http://x|y>"
    )
    shown = refusal_message(text)["blocks"][0]["text"]["text"]
    assert "<#C0123ABCD>" in shown
    assert "<#G0999>" in shown
    assert "<!channel>" not in shown
    assert "&lt;!channel&gt;" in shown
    assert "<@U1>" not in shown
    assert "<http" not in shown
