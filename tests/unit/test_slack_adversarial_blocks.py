"""Hostile strings into every public Block Kit builder of bot/slack (and the digest's).

Property tests: whatever AWS or a user puts in a name, a policy, an analyzer field, an error or
a typed value (very long, ``<!channel>``, ``<@U123>``, ``<https://x|y>``, entities, mrkdwn
formatting, bidi controls, newlines, any unicode), every message and view a builder returns

(a) shows it: no unescaped ``<`` ``>`` ``&`` in any mrkdwn text (so nothing pings, mentions or
    hides a link) and no raw bidi control;
(b) is one Slack accepts: Block Kit's documented limits (shared/slack.md) hold;
(c) is built without an exception.

The checker is written independently of the builders' own constants, from Slack's reference.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.approvals.catalogue import PolicyTemplate
from bot.approvals.model import ApprovalRequest, Decision, State, Target
from bot.audit.analyzer_view import FindingGroup, FindingRow, RegionAnalyzers
from bot.audit.findings import Finding, Severity
from bot.audit.report import Report, ReportError
from bot.digest.content import ApprovalCounts, build_digest, cross_account_digest
from bot.model.errors import InputError
from bot.model.snapshot import Analyzer
from bot.organizations.summary import AccountFailure, combine
from bot.rightsize.proposal import Proposal, Untouched
from bot.rightsize.usage import UsageEvidence
from bot.slack import (
    analyzer_blocks,
    approval_blocks,
    blocks,
    digest_blocks,
    home,
    rightsize_blocks,
)
from bot.slack.posture import CredentialFact, MfaPosture, PrincipalProfile
from bot.slack.suppress_blocks import suppress_modal
from bot.store.audit_log import AuditEntry

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
ACCOUNT = "123456789012"
REQUESTER, APPROVER = "U0REQUESTER", "U0APPROVER"

# --- hostile text --------------------------------------------------------------------------

PIECES = (
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!subteam^S123>",
    "<@U123>",
    "<#C123|general>",
    "<https://evil.example|click me>",
    "<mailto:a@b.c|x>",
    "&",
    "&amp;",
    "&lt;",
    "&gt",
    "<",
    ">",
    ">quote",
    "*b*",
    "_i_",
    "~s~",
    "`",
    "```",
    "\n",
    "\r\n",
    "\u202e",
    "\u2066",
    "\u200b",
    "\x1b[2J",
    "\x00",
    "é",
    "🙂",
    " ",
    "@channel",
)
short_text = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), min_size=0, max_size=10
).map("".join)
# Long variants: the hostile text repeated up to a few thousand characters.
long_text = st.builds(
    lambda s, n: ((s or "<!channel>&") * n)[:7000], short_text, st.integers(1, 800)
)
text = st.one_of(short_text, short_text, long_text)
texts = st.lists(text, max_size=30)
severity = st.sampled_from(list(Severity))
check_id = st.sampled_from(
    ["user.console_without_mfa", "policy.admin_star", "role.public_trust", "x.unknown"]
)

finding = st.builds(
    Finding,
    check_id=check_id,
    severity=severity,
    resource_arn=text,
    resource_type=text,
    title=text,
    detail=text,
    evidence=st.dictionaries(st.sampled_from(["policy", "statement", "actions", "x"]), text),
)


def report_of(findings: list[Finding], errors: list[str] = (), account: str = ACCOUNT) -> Report:
    return Report(
        account_id=account,
        generated_at=NOW - timedelta(hours=1),
        source="snapshot",
        findings=tuple(findings),
        errors=tuple(ReportError("check", e) for e in errors),
        checks=("a", "b"),
    )


PROPERTY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- what Slack accepts (independent of the builders' constants) ---------------------------

OUR_MENTIONS = re.compile(rf"<@(?:{REQUESTER}|{APPROVER})>")
ENTITY = re.compile(r"&(?:amp|lt|gt);")
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
MESSAGE_TEXT = 12_000  # shared/slack.md: "keep total text per message under ~12k chars"


def mrkdwn_problems(where: str, value: str) -> list[str]:
    out = []
    rest = OUR_MENTIONS.sub("", value)
    for char in "<>":
        if char in rest:
            i = rest.index(char)
            out.append(f"{where}: unescaped {char!r} near {rest[max(i - 40, 0) : i + 40]!r}")
    if "&" in ENTITY.sub("", rest):
        out.append(f"{where}: unescaped '&'")
    if BIDI.search(value):
        out.append(f"{where}: raw bidi control")
    return out


def text_object_problems(where: str, obj: Any, limit: int) -> list[str]:
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        return [f"{where}: not a text object: {obj!r:.120}"]
    value = obj.get("text")
    if not isinstance(value, str) or not value:
        return [f"{where}: empty text"]
    out = [f"{where}: {len(value)} chars > {limit}"] if len(value) > limit else []
    if obj["type"] == "mrkdwn":
        out += mrkdwn_problems(where, value)
    return out


def element_problems(where: str, el: dict[str, Any]) -> list[str]:
    out: list[str] = []
    if len(el.get("action_id", "")) > 255:
        out.append(f"{where}: action_id > 255")
    kind = el.get("type")
    if kind == "button":
        out += text_object_problems(f"{where}.text", el.get("text"), 75)
        if len(el.get("value", "")) > 2000:
            out.append(f"{where}: button value > 2000")
    if kind in ("overflow", "static_select"):
        options = el.get("options") or [
            o for group in el.get("option_groups") or [] for o in group["options"]
        ]
        low, high = (1, 5) if kind == "overflow" else (1, 100)
        if not low <= len(options) <= high:
            out.append(f"{where}: {len(options)} options")
        for i, option in enumerate(options):
            out += text_object_problems(f"{where}.options[{i}]", option.get("text"), 75)
            if not 1 <= len(option.get("value", "")) <= 150:
                out.append(f"{where}.options[{i}]: value of {len(option.get('value', ''))}")
        for group in el.get("option_groups") or []:
            out += text_object_problems(f"{where}.group", group.get("label"), 75)
    if el.get("placeholder"):
        out += text_object_problems(f"{where}.placeholder", el["placeholder"], 150)
    if kind == "plain_text_input" and el.get("max_length", 0) > 3000:
        out.append(f"{where}: max_length > 3000")
    return out


def block_problems(where: str, block: dict[str, Any]) -> list[str]:
    out: list[str] = []
    kind = block.get("type")
    if len(block.get("block_id", "")) > 255:
        out.append(f"{where}: block_id > 255")
    if kind == "header":
        if (block.get("text") or {}).get("type") != "plain_text":
            out.append(f"{where}: header not plain_text")
        out += text_object_problems(f"{where}.text", block.get("text"), 150)
    elif kind == "section":
        if "text" in block:
            out += text_object_problems(f"{where}.text", block["text"], 3000)
        elif not block.get("fields"):
            out.append(f"{where}: section without text or fields")
        if len(block.get("fields") or []) > 10:
            out.append(f"{where}: > 10 fields")
        for i, item in enumerate(block.get("fields") or []):
            out += text_object_problems(f"{where}.fields[{i}]", item, 2000)
        if block.get("accessory"):
            out += element_problems(f"{where}.accessory", block["accessory"])
    elif kind == "context":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 10:
            out.append(f"{where}: {len(elements)} context elements")
        for i, el in enumerate(elements):
            out += text_object_problems(f"{where}.elements[{i}]", el, 2000)
    elif kind == "actions":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 25:
            out.append(f"{where}: {len(elements)} action elements")
        for i, el in enumerate(elements):
            out += element_problems(f"{where}.elements[{i}]", el)
    elif kind == "input":
        out += text_object_problems(f"{where}.label", block.get("label"), 2000)
        out += element_problems(f"{where}.element", block.get("element") or {})
    elif kind != "divider":
        out.append(f"{where}: unknown block type {kind!r}")
    return out


def text_total(node: Any) -> int:
    if isinstance(node, dict):
        return sum(
            len(v) if k == "text" and isinstance(v, str) else text_total(v) for k, v in node.items()
        )
    if isinstance(node, list):
        return sum(text_total(v) for v in node)
    return 0


def problems(payload: dict[str, Any]) -> list[str]:
    """Everything Slack would reject, or render as markup, in a message, modal or home view."""
    out: list[str] = []
    items = payload.get("blocks") or []
    if payload.get("type") in ("modal", "home"):
        if len(items) > 100:
            out.append(f"view: {len(items)} blocks > 100")
        if payload["type"] == "modal":
            for key in ("title", "submit", "close"):
                out += text_object_problems(f"view.{key}", payload.get(key), 24)
            if len(payload.get("private_metadata", "")) > 3000:
                out.append(f"view: private_metadata of {len(payload['private_metadata'])} > 3000")
    else:
        if len(items) > 50:
            out.append(f"message: {len(items)} blocks > 50")
        fallback = payload.get("text")
        if not isinstance(fallback, str) or not fallback:
            out.append("message: no top-level text")
        else:
            out += mrkdwn_problems("message.text", fallback)
            if len(fallback) > 40_000:
                out.append("message.text > 40000")
        if text_total(items) > MESSAGE_TEXT:
            out.append(f"message: {text_total(items)} chars of block text > {MESSAGE_TEXT}")
    for i, block in enumerate(items):
        out += block_problems(f"blocks[{i}]", block)
    json.dumps(payload)  # what the Web API client sends must serialize
    return out


def assert_ok(payload: dict[str, Any]) -> None:
    found = problems(payload)
    assert not found, "\n".join(dict.fromkeys(found))


# --- bot/slack/blocks.py ---------------------------------------------------------------------


@PROPERTY
@given(text)
def test_notice_and_refusal_views_escape_anything(value: str) -> None:
    assert_ok(blocks.notice_message(value))
    assert_ok(home.refusal_view(value))
    assert_ok(analyzer_blocks.progress_message(value))


@PROPERTY
@given(text, text, text)
def test_help_and_progress_messages(note: str, account: str, stage: str) -> None:
    commands = [blocks.CommandHelp("audit", "audit [x]", "Audit <the> account & more", ("audit",))]
    assert_ok(blocks.help_message(commands, note=note))
    assert_ok(blocks.progress_message(account, stage, joined=2))
    assert_ok(blocks.accounts_progress_message(account, stage, joined=1))


@PROPERTY
@given(
    st.lists(finding, max_size=30),
    st.lists(text, max_size=6),
    st.integers(-3, 5),
    st.integers(1, 25),
    st.sampled_from([None, Severity.HIGH]),
    st.sampled_from(["", "policy.admin_star", "x.unknown"]),
)
def test_audit_page_and_evidence(
    findings: list[Finding],
    errors: list[str],
    page: int,
    page_size: int,
    min_severity: Severity | None,
    check_filter: str,
) -> None:
    report = report_of(findings, errors)
    result = blocks.audit_page(
        report,
        report_id="123456789012-20261130T100000-abcdef",
        page=page,
        page_size=page_size,
        now=NOW,
        min_severity=min_severity,
        remediable=frozenset({"policy.admin_star"}),
        check_filter=check_filter,
        suppressible=True,
    )
    assert_ok(result.message)
    for item in findings[:3]:
        assert_ok(blocks.evidence_message(item))


@PROPERTY
@given(text, st.integers(0, 3))
def test_status_message(account: str, errors: int) -> None:
    summary = {"critical": 1, "high": 2}
    for found in (summary, None):
        assert_ok(
            blocks.status_message(
                account_id=account,
                summary=found,
                generated_at=NOW,
                now=NOW,
                running=True,
                demo=True,
                errors=errors,
            )
        )


@PROPERTY
@given(texts, texts, text, text)
def test_mfa_message(names: list[str], others: list[str], root: str, account: str) -> None:
    posture = MfaPosture(
        root=root,
        console_without_mfa=tuple(names),
        without_mfa=tuple(others),
        privileged_virtual_only=tuple(names),
        not_enforced=tuple(others),
        admin_without_mfa=tuple(names),
        users=len(names),
        users_with_mfa=0,
        console_users=len(others),
        console_users_with_mfa=0,
        has_credential_report=bool(names),
    )
    assert_ok(blocks.mfa_message(posture, account_id=account, as_of=NOW, now=NOW))


@PROPERTY
@given(
    st.sampled_from(["user", "role"]),
    text,
    text,
    st.lists(st.tuples(text, text), min_size=1, max_size=8),  # never empty (posture.py)
    texts,
    st.one_of(st.none(), text),
    st.lists(finding, max_size=12),
)
def test_principal_message(
    kind: str,
    name: str,
    arn: str,
    facts: list[tuple[str, str]],
    names: list[str],
    boundary: str | None,
    findings: list[Finding],
) -> None:
    profile = PrincipalProfile(
        kind=kind,
        name=name,
        arn=arn,
        created=NOW,
        credentials=tuple(CredentialFact(label, value) for label, value in facts),
        groups=tuple(names),
        policies=tuple(names),
        boundary=boundary,
        trusted=tuple(names),
        risks=tuple(findings),
        findings=tuple(findings),
    )
    assert_ok(blocks.principal_message(profile, as_of=NOW, now=NOW))


@PROPERTY
@given(
    text,
    text,
    text,
    st.dictionaries(text, text, max_size=6),
    st.sampled_from(["allowed", "implicit_deny", "explicit_deny", "other_thing"]),
    text,
    st.lists(st.dictionaries(st.sampled_from(["effect", "kind", "policy", "statement"]), text)),
)
def test_simulate_message(
    principal: str,
    action: str,
    resource: str,
    context_keys: dict[str, str],
    decision: str,
    reason: str,
    matched: list[dict[str, str]],
) -> None:
    assert_ok(
        blocks.simulate_message(
            principal_arn=principal,
            action=action,
            resource=resource,
            context_keys=context_keys,
            decision=decision,
            reason=reason,
            matched=matched,
            as_of=NOW,
            now=NOW,
        )
    )


@PROPERTY
@given(st.lists(st.tuples(text, severity, st.one_of(st.none(), st.integers(0, 99))), max_size=60))
def test_lint_message(items: list[tuple[str, Severity, int | None]]) -> None:
    findings = [
        SimpleNamespace(code="MISSING_VERSION", severity=sev, statement=at, message=msg)
        for msg, sev, at in items
    ]
    assert_ok(blocks.lint_message(findings))
    assert_ok(blocks.lint_modal(channel_id="C123"))


@PROPERTY
@given(
    st.lists(st.lists(finding, max_size=4), min_size=1, max_size=40),
    st.lists(st.tuples(text, text), max_size=40),
)
def test_multi_account_message_and_home(
    per_account: list[list[Finding]], failures: list[tuple[str, str]]
) -> None:
    reports = [
        report_of(found, account=f"{100000000000 + i}") for i, found in enumerate(per_account)
    ]
    failed = [AccountFailure(f"9{i:011d}", message) for i, (_, message) in enumerate(failures)]
    multi = combine(reports, failed, generated_at=NOW)
    ids = {r.account_id: f"rid-{r.account_id}" for r in reports}
    assert_ok(blocks.multi_account_message(multi, report_ids=ids, now=NOW))
    assert_ok(home.accounts_home_view(accounts=[(r, NOW) for r in reports], now=NOW))


@PROPERTY
@given(st.lists(finding, max_size=10), text)
def test_home_view(findings: list[Finding], root: str) -> None:
    report = report_of(findings)
    posture = MfaPosture(root, (), (), (), (), (), 1, 0, 1, 0, True)
    view = home.home_view(
        account_id=ACCOUNT,
        report=report,
        saved_at=NOW,
        history=[],
        posture=posture,
        now=NOW,
        running=True,
    )
    assert_ok(view)


# --- approvals ----------------------------------------------------------------------------


def approval_request(draw: st.DrawFn) -> ApprovalRequest:
    state = draw(st.sampled_from([State.PENDING, State.REJECTED, State.APPLIED, State.FAILED]))
    decisions = ()
    if state is not State.PENDING:
        decisions = (
            Decision(State.APPROVED, APPROVER, NOW),
            Decision(state, "bot", NOW, draw(text)),
        )
    document = draw(
        st.one_of(st.none(), st.dictionaries(text, st.one_of(text, st.lists(text)), max_size=6))
    )
    return ApprovalRequest(
        id="req-0001",
        requester=REQUESTER,
        target=Target(draw(st.sampled_from(["user", "role", "group"])), draw(text), draw(text)),
        change={"remediation": "attach_policy", "params": {}},
        summary=draw(text),
        steps=tuple(draw(st.lists(text, max_size=10))),
        undo=draw(text),
        created_at=NOW,
        expires_at=NOW + timedelta(hours=24),
        fingerprint="f",
        document=document,
        diff=draw(st.one_of(st.just(""), text)),
        impact={
            "effect": draw(text),
            "error": draw(text),
            "gained": draw(st.lists(text, max_size=20)),
            "lost": draw(st.lists(text, max_size=20)),
            "simulated_on": draw(st.lists(text, max_size=3)),
            "snapshot_at": draw(text),
            "escalation": draw(st.lists(text, max_size=5)),
            "lockout": draw(st.lists(text, max_size=3)),
            "second_opinion": {
                "summary": draw(text),
                "differences": draw(st.lists(text, max_size=5)),
            },
        },
        lint=tuple(
            {"severity": draw(text), "code": draw(text), "message": draw(text)}
            for _ in range(draw(st.integers(0, 10)))
        ),
        state=state,
        decisions=decisions,
        calls=tuple(
            {"api": draw(text), "ok": draw(st.booleans()), "error_code": draw(text)}
            for _ in range(draw(st.integers(0, 5)))
        ),
        outcome=draw(text),
    )


@PROPERTY
@given(st.data())
def test_approval_request_result_and_modals(data: st.DataObject) -> None:
    request = approval_request(data.draw)
    assert_ok(approval_blocks.approval_message(request))
    assert_ok(approval_blocks.result_message(request, can_undo=True))
    assert_ok(approval_blocks.reject_modal(request.id, channel="C123", ts="1700000000.000100"))


@PROPERTY
@given(st.lists(st.tuples(text, text, text), max_size=8))
def test_catalogue_message(items: list[tuple[str, str, str]]) -> None:
    templates = [PolicyTemplate(n, d, p, "file.json") for n, d, p in items]
    assert_ok(approval_blocks.catalogue_message(templates))


# --- analyzer -----------------------------------------------------------------------------


def finding_row(draw: st.DrawFn, index: int) -> FindingRow:
    return FindingRow(
        id=f"f-{index}",
        finding_type=draw(st.sampled_from(["ExternalAccess", "UnusedIAMRole", "UnusedPermission"])),
        kind=draw(st.sampled_from(["external", "unused", "internal"])),
        severity=draw(severity),
        status=draw(st.sampled_from(["ACTIVE", "ARCHIVED"])),
        region=draw(text),
        resource=draw(text),
        resource_type=draw(text),
        resource_owner_account=ACCOUNT,
        principals=tuple(draw(st.lists(text, max_size=15))),
        actions=tuple(draw(st.lists(text, max_size=15))),
        conditions=draw(st.dictionaries(text, text, max_size=4)),
        is_public=draw(st.booleans()),
        last_accessed=NOW - timedelta(days=3),
        access_key_id=draw(st.one_of(st.none(), text)),
        analyzer_arn="arn:aws:access-analyzer:us-east-1:123456789012:analyzer/a",
        updated_at=NOW,
        error=draw(st.one_of(st.none(), text)),
        details_fetched=draw(st.booleans()),
    )


@PROPERTY
@given(st.data(), st.integers(1, 20))
def test_findings_page_archive_modal_and_analyzers(data: st.DataObject, page_size: int) -> None:
    rows = [finding_row(data.draw, i) for i in range(data.draw(st.integers(0, 25)))]
    groups: dict[str, list[FindingRow]] = {}
    for row in rows:
        groups.setdefault(row.finding_type, []).append(row)
    view = analyzer_blocks.FindingsContext(
        kind=data.draw(st.sampled_from(["all", "external", "unused"])),
        statuses=("ACTIVE",),
        types=tuple(data.draw(st.lists(text, max_size=3))),
        resource_pattern=data.draw(st.one_of(st.none(), text)),
        source=data.draw(st.sampled_from(["snapshot", "aws", "demo"])),
        as_of=NOW,
        regions=tuple(data.draw(st.lists(text, max_size=5))),
        issues=tuple(data.draw(st.lists(text, max_size=8))),
    )
    message = analyzer_blocks.findings_page(
        [FindingGroup(t, rs[0].kind, tuple(rs)) for t, rs in groups.items()],
        view,
        cache_id="cache-1",
        page=1,
        page_size=page_size,
        now=NOW,
    )
    assert_ok(message)
    for index, row in enumerate(rows[:2]):
        assert_ok(analyzer_blocks.archive_modal(row, channel="C1", cache_id="c", index=index))
    regions = [
        RegionAnalyzers(
            data.draw(text),
            tuple(
                Analyzer(
                    arn=f"arn:aws:access-analyzer:us-east-1:123456789012:analyzer/a{i}",
                    name=data.draw(text),
                    type=data.draw(st.sampled_from(["ACCOUNT", "ACCOUNT_UNUSED_ACCESS", "x"])),
                    status=data.draw(text),
                    status_reason=data.draw(text),
                    region="us-east-1",
                )
                for i in range(data.draw(st.integers(0, 3)))
            ),
        )
        for _ in range(data.draw(st.integers(0, 20)))
    ]
    assert_ok(
        analyzer_blocks.analyzers_message(
            regions, source="aws", as_of=NOW, now=NOW, issues=data.draw(texts)
        )
    )


# --- suppress, digest ---------------------------------------------------------------------


@PROPERTY
@given(finding)
def test_suppress_modal(item: Finding) -> None:
    assert_ok(suppress_modal(item, report_id="r-1", index=3, channel="C1", choices=(7, 30, 90)))


@PROPERTY
@given(
    st.lists(finding, max_size=30),
    st.lists(finding, max_size=30),
    st.dictionaries(text, st.integers(0, 9), max_size=4),
    text,
)
def test_digest_message(
    before: list[Finding], after: list[Finding], decided: dict[str, int], note: str
) -> None:
    digest = build_digest(
        current=report_of(after),
        report_id="r2",
        previous=report_of(before),
        previous_at=NOW - timedelta(days=1),
        slot="2026-11-30T09:00Z",
        now=NOW,
        snapshot=None,
        approvals=ApprovalCounts(pending=1, decided=decided),
    )
    assert_ok(digest_blocks.digest_message(digest, schedule_note=note))


# --- the largest inputs, explicitly -----------------------------------------------------------

HUGE = "<!channel>&" * 700  # 7,700 characters, each escaped to 4-5


def test_history_of_200_ordinary_entries_fits_one_message() -> None:
    """`/iam-audit history 200` (the allowed maximum) of ordinary entries was ~35k characters of
    text, which Slack refuses; the newest entries that fit are shown and the rest is said."""
    summary = "Attach policy ReadOnlyAccess to role arn:aws:iam::123456789012:role/service/app-role"
    entries = [
        AuditEntry("request", f"req-{i:04d}abcdef", REQUESTER, NOW, {"summary": summary})
        for i in range(200)
    ]
    message = approval_blocks.history_message(entries)
    assert_ok(message)
    dumped = json.dumps(message)
    assert "req-0000abcdef" in dumped  # the newest entry is shown
    assert "older entries not shown here" in dumped


def test_history_with_hostile_entries() -> None:
    entries = [
        AuditEntry(HUGE, HUGE, HUGE, NOW, {"summary": HUGE, "reason": HUGE}),
        AuditEntry("aws_call", "r", "bot", NOW, {"ok": False, "error_code": HUGE}),
    ]
    assert_ok(approval_blocks.history_message(entries))


def test_the_largest_approval_request_fits_one_message() -> None:
    """Every part of a request at its longest (AWS names, typed reject reason, linter messages
    quoting a pasted policy, AWS error text): the message stays one Slack accepts, so the
    decision can replace the buttons (chat.update) instead of being refused."""
    request = ApprovalRequest(
        id="req-0001",
        requester=REQUESTER,
        target=Target("role", HUGE, HUGE),
        change={"remediation": "attach_policy", "params": {}},
        summary=HUGE,
        steps=(HUGE,) * 5,
        undo=HUGE,
        created_at=NOW,
        expires_at=NOW + timedelta(hours=24),
        fingerprint="f",
        document={"Statement": [{"Sid": HUGE}]},
        impact={
            "effect": HUGE,
            "error": HUGE,
            "gained": [HUGE] * 20,
            "lost": [HUGE] * 20,
            "escalation": [HUGE],
            "lockout": [HUGE],
            "second_opinion": {"summary": HUGE, "differences": [HUGE]},
        },
        lint=tuple({"severity": HUGE, "code": HUGE, "message": HUGE} for _ in range(10)),
        state=State.REJECTED,
        decisions=(Decision(State.REJECTED, APPROVER, NOW, HUGE),),
        outcome=HUGE,
    )
    for state in (State.PENDING, State.REJECTED):
        assert_ok(approval_blocks.approval_message(replace_state(request, state)))


def replace_state(request: ApprovalRequest, state: State) -> ApprovalRequest:
    return replace(request, state=state)


def test_custom_policy_modal_refuses_a_name_no_iam_principal_can_have() -> None:
    """`/iam-audit apply custom to role <4,000 characters>` put the name in private_metadata
    (Slack's limit: 3000), so views.open failed; it is now a sentence to the user."""
    with pytest.raises(InputError, match="is not an IAM role name"):
        approval_blocks.custom_policy_modal(
            channel="C1", target_kind="role", target_name="r" * 4000
        )
    longest = "g" * 128  # IAM's longest group name
    assert_ok(
        approval_blocks.custom_policy_modal(channel="C1", target_kind="group", target_name=longest)
    )


def test_catalogue_of_long_descriptions_and_usage_placeholders() -> None:
    templates = [PolicyTemplate(f"p{i}", "d" * 3000, "p" * 3000, "f.json") for i in range(12)]
    message = approval_blocks.catalogue_message(templates)
    assert_ok(message)
    dumped = json.dumps(message)
    assert "more policies in the catalogue file" in dumped
    assert "&lt;policy&gt;" in dumped  # shown, not made a link
    assert "&lt;name&gt;" in dumped


def test_show_evidence_keeps_its_code_block_closed_for_evidence_full_of_angle_brackets() -> None:
    """The raw evidence was clipped, then escaped: 2600 characters of '<' became 10,400, the
    section cut them at 3000 and the closing fence with them, so the evidence after it
    rendered as mrkdwn. Escaped first, then clipped, the fence always closes."""
    item = Finding(
        "policy.admin_star",
        Severity.HIGH,
        "arn:aws:iam::123456789012:policy/p",
        "AWS::IAM::Policy",
        "t",
        "d",
        evidence={"statement": "<" * 3000},
    )
    message = blocks.evidence_message(item)
    assert_ok(message)
    raw = message["blocks"][2]["text"]["text"]
    assert raw.endswith("```")


@PROPERTY
@given(st.lists(st.lists(finding, max_size=3), min_size=1, max_size=60))
def test_cross_account_digest_message(per_account: list[list[Finding]]) -> None:
    digests = [
        build_digest(
            current=report_of(found, account=f"{200000000000 + i}"),
            report_id=f"r{i}",
            previous=None,
            previous_at=None,
            slot="2026-11-30T09:00Z",
            now=NOW,
            snapshot=None,
            approvals=ApprovalCounts(known=False),
        )
        for i, found in enumerate(per_account)
    ]
    assert_ok(blocks.digest_accounts_message(cross_account_digest(digests, now=NOW)))


@PROPERTY
@given(text, text, text, st.lists(st.tuples(text, text), max_size=15), texts)
def test_rightsize_no_proposal(
    name: str, arn: str, explanation: str, untouched: list[tuple[str, str]], sources: list[str]
) -> None:
    evidence = UsageEvidence(
        principal_arn=arn,
        generated_at=NOW,
        tracked_since=NOW - timedelta(days=400),
        services=(),
        sources=tuple(sources),
    )
    proposal = Proposal(
        principal_kind="role",
        principal_name=name,
        principal_arn=arn,
        days=90,
        evidence=evidence,
        untouched=tuple(Untouched(what, why) for what, why in untouched),
        explanation=explanation,
    )
    assert_ok(rightsize_blocks.no_proposal(proposal))
