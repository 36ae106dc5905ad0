"""Hostile strings from AWS and from users, through every Slack surface of the real Bolt app.

Slack's mrkdwn gives meaning to three characters only (``&``, ``<``, ``>``): ``<!channel>``
pings a channel, ``<@U..>`` a person, ``<https://x|label>`` hides a link behind a label, and a
line starting with ``>`` becomes a quote. shared/slack.md: every string that comes from AWS or
from a user is escaped (``&amp;`` ``&lt;`` ``&gt;``) before it lands in mrkdwn, so it is shown,
never executed. Formatting characters (``*_~`` and backticks) have no escape in mrkdwn; they are
fed in to make sure they do not break the escaping around them.

Where each hostile string goes is the field AWS (or Slack) really lets it into:

- IAM names allow only ``[\\w+=,.@-]``: ``evil_x_@everyone`` style names;
- IAM paths allow any printable ASCII (``/<!channel>/<@U12345>/.../``), and show in every ARN;
- policy documents (Sid, Resource, condition values) and trust policies hold any string;
- Access Analyzer resources, principals and condition values hold any string;
- users type anything in the slash command and in modals (reasons, pasted policy JSON).

Every recorded Web API call (chat.postMessage / update / postEphemeral, views.open / publish,
response_url posts) is checked by :func:`problems`: escaping, no surviving mention, Slack's
block limits and block shape. Each test also asserts the escaped hostile text *is* shown, so
the check is never vacuous. Limits are Slack's documented Block Kit ones (shared/slack.md):
50 blocks (100 in a view), section text 3000, 10 fields / context elements of 2000, header
150, button and option text 75, option value 150, button value 2000, modal title 24, ~12k
characters of text per message, and a non-empty top-level ``text``.

Authorization: every button and modal the app registers is clicked by a user outside the
configured allowlists / approvers, with Redis (db 15) state compared before and after; an
authorized double click acts once.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import pytest
import redis

from bot.model.snapshot import (
    AccountSnapshot,
    AnalyzerFinding,
    AttachedPolicy,
    CredentialReportRow,
    Group,
    InlinePolicy,
    ManagedPolicy,
    Role,
    User,
)
from bot.slack.analyzer_blocks import (
    ACTION_ARCHIVE,
    ACTION_PAGE,
    ARCHIVE_MODAL,
    ARCHIVE_REASON_BLOCK,
    ARCHIVE_REASON_INPUT,
)
from bot.slack.analyzer_blocks import ACTION_REMEDIATE as ACTION_ANALYZER_REMEDIATE
from bot.slack.approval_blocks import (
    ACTION_APPROVE,
    ACTION_REJECT,
    ACTION_UNDO,
    CUSTOM_MODAL,
    POLICY_BLOCK,
    POLICY_INPUT,
    REJECT_MODAL,
)
from bot.slack.approval_blocks import REASON_BLOCK as REJECT_REASON_BLOCK
from bot.slack.approval_blocks import REASON_INPUT as REJECT_REASON_INPUT
from bot.slack.blocks import (
    ACTION_FILTER,
    ACTION_FINDING_MENU,
    ACTION_OPEN_ACCOUNT,
    ACTION_REMEDIATE,
    ACTION_SHOW_MORE,
    LINT_BLOCK_ID,
    LINT_INPUT_ID,
    LINT_MODAL_CALLBACK,
)
from bot.slack.suppress_blocks import SUPPRESS_MODAL
from bot.store.redis_store import RedisStore
from tests.scenario.conftest import demo_snapshot
from tests.scenario.harness import (
    APPROVAL_CHANNEL,
    action_body,
    block_actions_body,
    event_body,
    modal_submission_body,
    posted_requests,
    wait_for_request_message,
)
from tests.scenario.mock_slack import Call
from tests.scenario.test_approvals_flow import CountingExecutor, aws  # noqa: F401 - the fixture

ACCOUNT = "123456789012"

# --- the hostile strings ---------------------------------------------------------------------

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "Trojan Source" reordering
ZWSP = "\u200b"  # ZERO WIDTH SPACE
CONTROL = ("<!channel>", "<!here>", "<@U12345>", "<https://evil.example|click me>")
FORMATTING = ("*bold*", "_x_", "~x~", "`code`", "&amp;", "&lt;", ">quote", "@everyone")
# Free text (policy conditions, Sids, analyzer fields, reasons): anything at all.
FREE = " ".join(CONTROL + FORMATTING[:6]) + "\n>quote @everyone " + f"<!chan{ZWSP}nel> {RLO}txt.exe"
# IAM paths: printable ASCII without spaces, "/"-delimited; they show in every ARN.
PATH = (
    "/<!channel>/<!here>/<@U12345>/<https://evil.example|click_me>/*bold*/_x_/~x~/`code`"
    "/&amp;/&lt;/>quote/@everyone/"
)
LONG_PATH = PATH + "long-" * 50 + "/"  # an ARN of 400+ characters
# IAM names: [\w+=,.@-] only, 64 characters for users and roles, 128 for groups and policies.
USER = "evil_x_@everyone"
ROLE = "r_x_@here+=,.-" + "r" * 50  # 64 characters
GROUP = "grp_x_@everyone-" + "g" * 100
POLICY = "pol_x_@everyone+=,.-" + "p" * 100
USER_ARN = f"arn:aws:iam::{ACCOUNT}:user{PATH}{USER}"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role{LONG_PATH}{ROLE}"
POLICY_ARN = f"arn:aws:iam::{ACCOUNT}:policy{PATH}{POLICY}"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"

# What must never reach mrkdwn as is: each would ping, link or render as an entity.
NEVER_RAW = ("<!channel>", "<!here>", "<!everyone>", "<@U12345>", "<https://evil.example")
# What the escaped hostile text looks like once shown.
SHOWN = "&lt;!channel&gt;"


def _hostile_document(sid: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": sid,
                "Effect": "Allow",
                "Action": "*",
                "Resource": "*",
            },
            {
                "Sid": sid + "2",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::bucket/{FREE}",
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": FREE}},
            },
        ],
    }


def _row(name: str, arn: str) -> CredentialReportRow:
    return CredentialReportRow(
        user=name,
        arn=arn,
        user_creation_time="2024-01-01T00:00:00+00:00",
        password_enabled="true",
        password_last_used="2026-11-20T00:00:00+00:00",
        password_last_changed="2024-01-01T00:00:00+00:00",
        mfa_active="false",
        access_key_1_active="true",
        access_key_1_last_rotated="2024-01-01T00:00:00+00:00",
        access_key_1_last_used_date="2026-11-28T00:00:00+00:00",
        access_key_1_last_used_region="us-east-1",
        access_key_1_last_used_service="s3",
    )


@lru_cache(maxsize=1)
def hostile_snapshot() -> AccountSnapshot:
    """The demo account plus principals, policies and analyzer findings full of hostile text."""
    base = demo_snapshot()
    created = datetime(2024, 1, 1, tzinfo=UTC)
    tags = {"owner": FREE, "x" * 10: "v" * 256}
    user = User(
        name=USER,
        arn=USER_ARN,
        user_id="AIDAHOSTILE000000001",
        path=PATH,
        create_date=created,
        groups=(GROUP,),
        attached_policies=(AttachedPolicy("AdministratorAccess", ADMIN),),
        inline_policies=(InlinePolicy(f"inline_x_@{'i' * 100}", _hostile_document(FREE)),),
        tags=tags,
    )
    role = Role(
        name=ROLE,
        arn=ROLE_ARN,
        role_id="AROAHOSTILE000000001",
        path=LONG_PATH,
        create_date=created,
        trust_policy={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": FREE,
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringLike": {"aws:PrincipalOrgPaths": FREE}},
                },
            ],
        },
        attached_policies=(AttachedPolicy(POLICY, POLICY_ARN),),
        tags=tags,
        last_used=None,
    )
    group = Group(
        name=GROUP,
        arn=f"arn:aws:iam::{ACCOUNT}:group{PATH}{GROUP}",
        group_id="AGPAHOSTILE000000001",
        path=PATH,
        create_date=created,
        attached_policies=(AttachedPolicy("AdministratorAccess", ADMIN),),
    )
    policy = ManagedPolicy(
        name=POLICY,
        arn=POLICY_ARN,
        policy_id="ANPAHOSTILE000000001",
        path=PATH,
        document=_hostile_document(FREE),
        attachment_count=1,
        create_date=created,
        update_date=created,
    )
    analyzer_arn = base.analyzers[0].arn
    findings = (
        AnalyzerFinding(
            id="hostile-ext-1",
            analyzer_arn=analyzer_arn,
            finding_type="ExternalAccess",
            resource=f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:{FREE}",
            resource_type="AWS::SecretsManager::Secret",
            status="ACTIVE",
            region="us-east-1",
            resource_owner_account=ACCOUNT,
            created_at=created,
            updated_at=created,
            details={
                "details_fetched": True,
                "access": [
                    {
                        "principal": {"AWS": FREE},
                        "actions": ["secretsmanager:GetSecretValue"],
                        "conditions": {"aws:SourceVpce": FREE},
                        "is_public": False,
                        "sources": ["POLICY"],
                    }
                ],
            },
        ),
        AnalyzerFinding(
            id="hostile-unused-1",
            analyzer_arn=base.analyzers[1].arn,
            finding_type="UnusedIAMRole",
            resource=ROLE_ARN,
            resource_type="AWS::IAM::Role",
            status="ACTIVE",
            region="us-east-1",
            resource_owner_account=ACCOUNT,
            created_at=created,
            updated_at=created,
            details={"details_fetched": True, "last_accessed": None},
        ),
    )
    return dataclasses.replace(
        base,
        users=(*base.users, user),
        roles=(*base.roles, role),
        groups=(*base.groups, group),
        policies=(*base.policies, policy),
        credential_report=(*(base.credential_report or ()), _row(USER, USER_ARN)),
        analyzer_findings=(*findings, *(base.analyzer_findings or ())),
    )


# --- what Slack would accept ---------------------------------------------------------------

ALLOWED_ANGLE = re.compile(
    r"<(?:@[UW][A-Z0-9]+|#[CG][A-Z0-9]+(?:\|[^<>]*)?|!date\^[^<>]*|https?://[^\s|<>]+(?:\|[^<>]*)?)>"
)
ENTITY = re.compile(r"&(?:amp|lt|gt);")
BLOCK_TYPES = {"section", "header", "divider", "context", "actions", "input", "image", "rich_text"}
ELEMENT_TYPES = {
    "button",
    "overflow",
    "static_select",
    "plain_text_input",
    "users_select",
    "conversations_select",
    "channels_select",
    "datepicker",
    "checkboxes",
    "radio_buttons",
    "image",
    "plain_text",
    "mrkdwn",
}


def _mrkdwn_problems(where: str, text: str) -> list[str]:
    out: list[str] = []
    for bad in NEVER_RAW:
        if bad in text:
            out.append(f"{where}: {bad!r} reaches mrkdwn unescaped: {text[:300]!r}")
    rest = ALLOWED_ANGLE.sub("", text)
    for match in ALLOWED_ANGLE.finditer(text):
        if "evil.example" in match.group(0) or match.group(0) == "<@U12345>":
            out.append(f"{where}: hostile link/mention {match.group(0)!r}")
    if "<" in rest or ">" in rest:
        i = max(rest.find("<"), rest.find(">"))
        out.append(f"{where}: unescaped '<' or '>' near {rest[max(i - 60, 0) : i + 60]!r}")
    stray = ENTITY.sub("", text)
    if "&" in stray:
        i = stray.find("&")
        out.append(f"{where}: unescaped '&' near {stray[max(i - 60, 0) : i + 60]!r}")
    if RLO in text:
        out.append(f"{where}: raw U+202E")
    return out


def _plain_problems(where: str, obj: dict[str, Any], limit: int) -> list[str]:
    out = []
    if obj.get("type") not in ("plain_text", "mrkdwn"):
        out.append(f"{where}: text object without a valid type: {obj!r:.200}")
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        out.append(f"{where}: empty text")
        return out
    if len(text) > limit:
        out.append(f"{where}: {len(text)} chars > {limit}")
    if RLO in text:
        out.append(f"{where}: raw U+202E")
    if obj.get("type") == "mrkdwn":
        out += _mrkdwn_problems(where, text)
    return out


def _element_problems(where: str, el: dict[str, Any]) -> list[str]:
    out: list[str] = []
    kind = el.get("type")
    if kind not in ELEMENT_TYPES:
        out.append(f"{where}: element type {kind!r}")
    if "action_id" in el and len(el["action_id"]) > 255:
        out.append(f"{where}: action_id too long")
    if kind == "button":
        out += _plain_problems(f"{where}.text", el.get("text") or {}, 75)
        if len(el.get("value", "")) > 2000:
            out.append(f"{where}: button value {len(el['value'])} > 2000")
    if kind in ("overflow", "static_select", "checkboxes", "radio_buttons"):
        options = el.get("options") or [
            o for g in el.get("option_groups") or [] for o in g.get("options", [])
        ]
        low, high = (2, 5) if kind == "overflow" else (1, 100)
        if not low <= len(options) <= high:
            out.append(f"{where}: {len(options)} options (allowed {low}..{high})")
        for i, option in enumerate(options):
            out += _plain_problems(f"{where}.options[{i}]", option.get("text") or {}, 75)
            if not 1 <= len(option.get("value", "")) <= 150:
                out.append(f"{where}.options[{i}]: value of {len(option.get('value', ''))}")
    if kind in ("static_select", "plain_text_input") and el.get("placeholder"):
        out += _plain_problems(f"{where}.placeholder", el["placeholder"], 150)
    if kind == "plain_text_input" and el.get("initial_value") and RLO in el["initial_value"]:
        out.append(f"{where}: raw U+202E in initial_value")
    return out


def _block_problems(where: str, block: dict[str, Any]) -> list[str]:
    out: list[str] = []
    kind = block.get("type")
    if kind not in BLOCK_TYPES:
        return [f"{where}: block type {kind!r}"]
    if len(block.get("block_id", "")) > 255:
        out.append(f"{where}: block_id too long")
    if kind == "header":
        out += _plain_problems(f"{where}.text", block.get("text") or {}, 150)
        if (block.get("text") or {}).get("type") != "plain_text":
            out.append(f"{where}: header text must be plain_text")
    elif kind == "section":
        if not block.get("text") and not block.get("fields"):
            out.append(f"{where}: section without text or fields")
        if block.get("text"):
            out += _plain_problems(f"{where}.text", block["text"], 3000)
        items = block.get("fields") or []
        if len(items) > 10:
            out.append(f"{where}: {len(items)} fields > 10")
        for i, item in enumerate(items):
            out += _plain_problems(f"{where}.fields[{i}]", item, 2000)
        if block.get("accessory"):
            out += _element_problems(f"{where}.accessory", block["accessory"])
    elif kind == "context":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 10:
            out.append(f"{where}: {len(elements)} context elements")
        for i, el in enumerate(elements):
            if el.get("type") in ("plain_text", "mrkdwn"):
                out += _plain_problems(f"{where}.elements[{i}]", el, 2000)
            elif el.get("type") != "image":
                out.append(f"{where}.elements[{i}]: type {el.get('type')!r}")
    elif kind == "actions":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 25:
            out.append(f"{where}: {len(elements)} action elements")
        for i, el in enumerate(elements):
            out += _element_problems(f"{where}.elements[{i}]", el)
    elif kind == "input":
        out += _plain_problems(f"{where}.label", block.get("label") or {}, 2000)
        if not isinstance(block.get("element"), dict):
            out.append(f"{where}: input without element")
        else:
            out += _element_problems(f"{where}.element", block["element"])
    return out


def _text_total(blocks: list[dict[str, Any]]) -> int:
    """The characters of the text objects of a message (what msg_blocks_too_long counts)."""
    if isinstance(blocks, dict):
        return sum(
            len(v) if k == "text" and isinstance(v, str) else _text_total(v)
            for k, v in blocks.items()
        )
    if isinstance(blocks, list):
        return sum(_text_total(v) for v in blocks)
    return 0


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def problems(call: Call, part: str = "all") -> list[str]:
    """Everything Slack would reject, or render as markup, in one recorded Web API call.

    ``part``: "all", "blocks" (everything but the top-level text) or "fallback" (only the
    top-level ``text`` notifications and screen readers use, which Slack parses as mrkdwn)."""
    if part == "fallback":
        text = call.body.get("text")
        if call.method.startswith("views.") or not isinstance(text, str):
            return []
        return _mrkdwn_problems(f"{call.method}.text", text)
    found = _all_problems(call)
    if part == "blocks":
        return [p for p in found if not p.startswith(f"{call.method}.text:")]
    return found


def _all_problems(call: Call) -> list[str]:
    body = call.body
    where = f"{call.method}"
    out: list[str] = []
    if body.get("link_names") in (True, 1, "1", "true"):
        out.append(f"{where}: link_names turns @everyone into a mention")
    if any(RLO in s for s in _strings({k: v for k, v in body.items() if k != "text"})):
        out.append(f"{where}: a raw U+202E is sent")  # (the fallback text: _mrkdwn_problems)
    if call.method.startswith("views."):
        view = body.get("view") or {}
        blocks = view.get("blocks") or []
        if len(blocks) > 100:
            out.append(f"{where}: {len(blocks)} blocks > 100")
        if view.get("type") == "modal":
            for key in ("title", "submit", "close"):
                if view.get(key):
                    out += _plain_problems(f"{where}.{key}", view[key], 24)
        if len(view.get("private_metadata", "")) > 3000:
            out.append(f"{where}: private_metadata > 3000")
    elif "blocks" in body or "text" in body:
        blocks = body.get("blocks") or []
        if len(blocks) > 50:
            out.append(f"{where}: {len(blocks)} blocks > 50")
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            out.append(f"{where}: no top-level text fallback")
        elif body.get("mrkdwn") is not False:
            out += _mrkdwn_problems(f"{where}.text", text)
        if _text_total(blocks) > 12_000:
            out.append(f"{where}: {_text_total(blocks)} chars of blocks > ~12k")
    else:
        return out
    for i, block in enumerate(blocks if isinstance(blocks, list) else []):
        if not isinstance(block, dict):
            out.append(f"{where}.blocks[{i}]: not an object")
            continue
        out += _block_problems(f"{where}.blocks[{i}]", block)
    return out


SURFACES = (
    "chat.postMessage",
    "chat.update",
    "chat.postEphemeral",
    "views.open",
    "views.publish",
    "views.update",
    "response_url",
)


def slack_surfaces(bot) -> list[Call]:
    return [c for c in list(bot.mock.calls) if c.method in SURFACES]


def all_problems(bot, part: str = "all") -> list[str]:
    """The problems of every call; each distinct problem once (a page repeats its blocks)."""
    found = [p for call in slack_surfaces(bot) for p in problems(call, part)]
    return list(dict.fromkeys(p[:400] for p in found))


def shown(bot) -> str:
    """Every string sent to Slack, one per line, as Slack would receive it."""
    return "\n".join(s for c in slack_surfaces(bot) for s in _strings(c.body))


# --- driving the bot ---------------------------------------------------------------------------


def reply_count(bot) -> int:
    return len(bot.mock.calls_to("response_url")) + len(bot.mock.calls_to("chat.postEphemeral"))


def run(bot, text: str, *, user: str = "U111", trigger_id: str = "") -> None:
    """A slash command; waits for its (first) ephemeral answer."""
    before = reply_count(bot)
    kwargs = {"trigger_id": trigger_id} if trigger_id else {}
    assert bot.command(text, via="dispatch", user=user, **kwargs) == 200
    bot.mock.wait_until(lambda _c: reply_count(bot) > before)


def audited(bot) -> tuple[Any, str, dict[str, Any]]:
    before = sum("IAM audit of account" in c.body.get("text", "") for c in bot.mock.calls)
    bot.command("audit", via="dispatch")
    bot.mock.wait_until(
        lambda calls: sum("IAM audit of account" in c.body.get("text", "") for c in calls) > before
    )
    bot.services.jobs.wait_idle()
    report, stored = bot.services.audits.latest()
    final = [c.body for c in bot.mock.calls if "IAM audit of account" in c.body.get("text", "")]
    return report, stored.report_id, final[-1]


def menu_click(bot, selected: str, *, user: str = "U111", n: int = 0, block_id: str = "b1"):
    kind = "static_select" if block_id.startswith("audit_filter:") else "overflow"
    choice = {
        "type": kind,
        "action_id": ACTION_FILTER if kind == "static_select" else ACTION_FINDING_MENU,
        "block_id": block_id,
        "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": selected},
        "action_ts": f"1700000500.{n:06d}",
    }
    return bot.dispatch(
        block_actions_body(choice, user=user, response_url=bot.mock.response_url(f"m{n}"))
    )


def click(bot, action_id: str, value: str, *, user: str, n: int = 0, channel: str = "C111"):
    return bot.dispatch(
        action_body(
            action_id,
            value,
            user=user,
            channel=channel,
            response_url=bot.mock.response_url(f"{user}-{n}"),
            action_ts=f"1700000600.{n:06d}",
        )
    )


def hostile_bot(make_bot, **env: str):
    return make_bot(
        hostile_snapshot(),
        env={
            "IAM_AUDIT_APPROVAL_CHANNEL": APPROVAL_CHANNEL,
            "IAM_AUDIT_APPROVERS": "UAPP1,UAPP2",
            **env,
        },
    )


def finding_index(report, fragment: str, check: str | None = None) -> int:
    return next(
        i
        for i, f in enumerate(report.findings)
        if fragment in f.resource_arn and (check is None or f.check_id == check)
    )


# --- 1. AWS-supplied strings -----------------------------------------------------------------


def test_audit_list_pages_and_filter_escape_aws_names(make_bot) -> None:
    bot = hostile_bot(make_bot, IAM_AUDIT_PAGE_SIZE="20")
    report, report_id, _final = audited(bot)
    hostile = [f for f in report.findings if "<!channel>" in f.resource_arn]
    assert len({f.check_id for f in hostile}) >= 4, "the hostile principals produced no findings"
    updates = len(bot.mock.calls_to("chat.update"))
    pages = -(-len(report.findings) // 20)
    for page in range(1, pages):
        value = json.dumps({"r": report_id, "p": page, "s": ""})
        click(bot, ACTION_SHOW_MORE, value, user="U111", n=page)
    for n, check in enumerate(sorted({f.check_id for f in hostile})[:3]):
        menu_click(bot, f"c:{check}", n=50 + n, block_id=f"audit_filter:{report_id}")
    wanted = updates + pages - 1 + 3
    bot.mock.wait_until(lambda _c: len(bot.mock.calls_to("chat.update")) >= wanted, timeout=30)
    text = shown(bot)
    assert "&lt;@U12345&gt;" in text  # the hostile ARNs are shown...
    assert all_problems(bot) == []  # ...escaped, within Slack's limits, fallback text included


def _evidence(bot) -> None:
    report, report_id, _final = audited(bot)
    hostile = [f for f in report.findings if "<!channel>" in f.resource_arn]
    checks = {}
    for finding in hostile:  # one finding per check, so every evidence renderer is covered
        checks.setdefault(finding.check_id, report.findings.index(finding))
    for n, index in enumerate(checks.values()):
        menu_click(bot, f"ev|{report_id}|{index}", n=n)
    bot.mock.wait_until(
        lambda calls: sum("Evidence of" in c.body.get("text", "") for c in calls) >= len(checks)
    )


def test_show_evidence_blocks_escape_aws_names_sids_and_conditions(make_bot) -> None:
    bot = hostile_bot(make_bot)
    _evidence(bot)
    text = shown(bot)
    assert "&lt;https://evil.example|click me&gt;" in text  # the Sid / condition value, shown
    assert all_problems(bot, "blocks") == []


def test_show_evidence_fallback_text_escapes_aws_names(make_bot) -> None:
    bot = hostile_bot(make_bot)
    _evidence(bot)
    assert all_problems(bot, "fallback") == []


def test_mfa_user_and_role_escape_aws_names(make_bot) -> None:
    bot = hostile_bot(make_bot)
    audited(bot)
    run(bot, "mfa")
    run(bot, f"user {USER}")
    run(bot, f"role {ROLE}")
    replies = bot.mock.calls_to("response_url")[-3:]
    assert all("no user" not in c.body["text"] and "no role" not in c.body["text"] for c in replies)
    text = shown(bot)
    assert USER in text
    assert SHOWN in text
    assert all_problems(bot) == []


def _simulate(bot) -> None:
    audited(bot)
    run(bot, f"simulate {USER} s3:GetObject arn:aws:s3:::bucket/x aws:PrincipalTag/team=x")
    assert "Simulation of" in bot.mock.calls_to("response_url")[-1].body["text"]


def test_simulate_blocks_escape_aws_names(make_bot) -> None:
    bot = hostile_bot(make_bot)
    _simulate(bot)
    assert SHOWN in shown(bot)
    assert all_problems(bot, "blocks") == []


def test_simulate_fallback_text_escapes_aws_names(make_bot) -> None:
    bot = hostile_bot(make_bot)
    _simulate(bot)
    assert all_problems(bot, "fallback") == []


def test_simulate_a_role_whose_iam_name_holds_an_equals_sign(make_bot) -> None:
    bot = hostile_bot(make_bot)
    audited(bot)
    run(bot, f"simulate role/{ROLE} sts:AssumeRole")
    assert "Simulation of" in bot.mock.calls_to("response_url")[-1].body["text"]


def test_findings_pages_and_analyzer_escape_access_analyzer_fields(make_bot) -> None:
    bot = hostile_bot(make_bot, IAM_AUDIT_PAGE_SIZE="3")
    audited(bot)
    before = len(bot.mock.calls)
    bot.command("findings", via="dispatch")
    bot.mock.wait_until(
        lambda calls: any(
            c.method == "chat.update" and "IAM Access Analyzer" in c.body.get("text", "")
            for c in calls[before:]
        )
    )
    page = next(
        c.body
        for c in bot.mock.calls[before:]
        if c.method == "chat.update" and "IAM Access Analyzer" in c.body.get("text", "")
    )
    more = [e for b in page["blocks"] if b["type"] == "actions" for e in b["elements"]]
    pager = [e for e in more if e["action_id"] == ACTION_PAGE]
    assert pager
    click(bot, ACTION_PAGE, pager[0]["value"], user="U111", n=1)
    bot.mock.wait_until(
        lambda calls: (
            sum(
                c.method == "chat.update" and "IAM Access Analyzer" in c.body.get("text", "")
                for c in calls
            )
            >= 2
        )
    )
    run(bot, "analyzer")
    bot.services.jobs.wait_idle()
    text = shown(bot)
    assert "secret:&lt;!channel&gt; &lt;!here&gt; &lt;@U12345&gt;" in text
    assert "&lt;U+202E&gt;" in text  # the RLO made visible, not applied
    assert all_problems(bot) == []


def test_digest_escapes_aws_names(make_bot) -> None:
    from bot.digest.scheduler import build_digest_scheduler

    bot = hostile_bot(make_bot)
    bot.services.digests = build_digest_scheduler(bot.services, {})
    audited(bot)
    posts = len(bot.mock.calls_to("chat.postMessage"))
    run(bot, "digest now")
    bot.mock.wait_until(lambda calls: len(bot.mock.calls_to("chat.postMessage")) > posts)
    bot.mock.wait_until(lambda calls: reply_count(bot) >= 2)
    digest = bot.mock.calls_to("chat.postMessage")[-1].body
    assert digest["blocks"][0]["type"] == "header"
    assert "&lt;" in json.dumps(digest["blocks"])  # a hostile ARN is in the digest, escaped
    assert all_problems(bot) == []


def test_app_home_escapes_aws_names(make_bot) -> None:
    bot = hostile_bot(make_bot)
    audited(bot)
    bot.post(event_body({"type": "app_home_opened", "user": "U111", "tab": "home"}, event_id="E9"))
    view = bot.mock.wait_for("views.publish")[-1].body["view"]
    assert view["type"] == "home"
    assert "&lt;" in json.dumps(view["blocks"])
    assert all_problems(bot) == []


# --- approvals: requests, decisions, results -------------------------------------------------


@pytest.fixture
def hostile_approvals(make_bot, aws):  # noqa: F811 - aws is the moto fixture
    """A bot on the hostile snapshot whose approvals desk applies through moto (where the
    hostile user does not exist, so an approved change fails with AWS's own error text)."""
    from bot.approvals.wiring import build_approval_desk

    iam = aws.client("iam")
    iam.create_user(UserName=USER, Path=PATH)
    iam.create_login_profile(UserName=USER, Password="Initial-password-1!")
    bot = hostile_bot(make_bot, IAM_AUDIT_REQUESTERS="UREQ")
    executor = CountingExecutor(aws)
    bot.services.approvals = build_approval_desk(
        bot.settings,
        clock=bot.clock,
        snapshot_source=hostile_snapshot,
        executor=lambda: executor,
    )
    bot.executor = executor
    return bot


def test_approval_request_reject_reason_custom_policy_and_failed_apply_are_escaped(
    hostile_approvals,
) -> None:
    bot = hostile_approvals
    report, report_id, _final = audited(bot)
    index = finding_index(report, USER, "user.console_without_mfa")
    menu_click(bot, f"rem|{report_id}|{index}", user="UREQ", n=1)
    first = wait_for_request_message(bot, 1)
    assert USER in json.dumps(posted_requests(bot)[0].body["blocks"])
    # Rejected with a hostile reason typed in the modal.
    click(bot, ACTION_REJECT, json.dumps({"id": first}), user="UAPP1", channel=APPROVAL_CHANNEL)
    meta = json.loads(bot.mock.wait_for("views.open")[-1].body["view"]["private_metadata"])
    bot.dispatch(
        modal_submission_body(
            REJECT_MODAL, REJECT_REASON_BLOCK, REJECT_REASON_INPUT, FREE, meta, user="UAPP1"
        )
    )
    bot.mock.wait_until(lambda calls: any(c.method == "chat.update" for c in calls[-5:]))
    # A custom policy pasted in the modal, full of hostile strings, then approved (in moto).
    assert bot.command(f"apply custom to user {USER}", user="UREQ", via="dispatch") == 200
    modal = bot.mock.wait_for("views.open", 2)[-1].body["view"]
    document = _hostile_document(FREE)
    bot.dispatch(
        modal_submission_body(
            CUSTOM_MODAL,
            POLICY_BLOCK,
            POLICY_INPUT,
            json.dumps(document),
            json.loads(modal["private_metadata"]),
            user="UREQ",
        )
    )
    second = wait_for_request_message(bot, 2)
    click(bot, ACTION_APPROVE, json.dumps({"id": second}), user="UAPP1", channel=APPROVAL_CHANNEL)
    bot.mock.wait_until(
        lambda calls: (
            sum(c.method == "chat.postMessage" and bool(c.body.get("thread_ts")) for c in calls)
            >= 2
        )
    )
    assert bot.services.approvals.get(first).state.value == "rejected"
    text = shown(bot)
    assert "&lt;https://evil.example|click me&gt;" in text  # reason and policy JSON, escaped
    assert all_problems(bot) == []


# --- 2. user-typed input ---------------------------------------------------------------------

TYPED = (
    "frobnicate<!channel>",
    "user <!channel>",
    "role <https://evil.example|click me>",
    "simulate <@U12345> s3:GetObject",
    f"simulate {USER} s3:GetObject * aws:SourceIp=<!here>&amp;>quote{RLO}",
    "findings --type <!here>",
    "analyzer <!channel>",
    "apply <!channel> to user bob",
    "detach <!here> from user <@U12345>",
    "history <!here>",
    "audit --min-severity <!channel>",
    "audit <!here>.check",
)


def _typed(bot) -> None:
    audited(bot)
    for text in TYPED:
        run(bot, text, user="U111")
    # rightsize answers by updating its progress message in the channel.
    bot.command("rightsize <!channel>", via="dispatch")  # refused: no audit has run yet
    bot.mock.wait_until(
        lambda calls: any(
            c.method == "chat.update" and "Could not right-size" in json.dumps(c.body)
            for c in calls
        )
    )
    bot.services.jobs.wait_idle()


def test_user_typed_commands_are_escaped_in_the_blocks_echoed_back(make_bot) -> None:
    bot = hostile_bot(make_bot)
    _typed(bot)
    text = shown(bot)
    assert "&lt;!here&gt;" in text
    assert "&lt;@U12345&gt;" in text
    assert all_problems(bot, "blocks") == []


def test_user_typed_commands_are_escaped_in_the_fallback_text(make_bot) -> None:
    bot = hostile_bot(make_bot)
    _typed(bot)
    assert all_problems(bot, "fallback") == []


def test_a_typed_name_is_not_pinged_in_the_channel_by_rightsize(make_bot) -> None:
    bot = hostile_bot(make_bot)
    bot.command("rightsize <!channel>", via="dispatch")  # refused: no audit has run yet
    bot.mock.wait_until(
        lambda calls: any(
            c.method == "chat.update" and "Could not right-size" in json.dumps(c.body)
            for c in calls
        )
    )
    visible = bot.mock.calls_to("chat.postMessage") + bot.mock.calls_to("chat.update")
    assert visible
    assert [p for c in visible for p in problems(c)] == []


def test_lint_inline_and_modal_escape_pasted_policy_json(make_bot) -> None:
    bot = hostile_bot(make_bot)
    policy = json.dumps(_hostile_document(FREE))
    run(bot, f"lint {policy}")
    run(bot, "lint {" + FREE)  # malformed JSON: a finding quoting it
    bot.command("lint", via="dispatch", trigger_id="trig-hostile")
    opened = bot.mock.wait_for("views.open")[-1].body["view"]
    assert opened["callback_id"] == LINT_MODAL_CALLBACK
    bot.dispatch(
        modal_submission_body(
            LINT_MODAL_CALLBACK, LINT_BLOCK_ID, LINT_INPUT_ID, policy, {"channel": "C111"}
        )
    )
    bot.mock.wait_for("chat.postEphemeral")
    text = shown(bot)
    assert "Policy lint" in text
    assert SHOWN in text
    assert all_problems(bot) == []


def test_suppress_and_archive_reasons_are_escaped(hostile_approvals) -> None:
    from tests.scenario.test_suppress_from_slack import suppress_submission

    bot = hostile_approvals
    report, report_id, _final = audited(bot)
    index = finding_index(report, USER, "user.console_without_mfa")
    menu_click(bot, f"sup|{report_id}|{index}", user="UREQ", n=1)
    view = bot.mock.wait_for("views.open")[-1].body["view"]
    assert view["callback_id"] == SUPPRESS_MODAL
    meta = json.loads(view["private_metadata"])
    bot.dispatch(suppress_submission(meta, reason=FREE, days="30", user="UREQ"))
    wait_for_request_message(bot, 1)
    # Archive... on the hostile analyzer finding: the modal names it, escaped.
    before = len(bot.mock.calls)
    bot.command("findings external", via="dispatch")
    bot.mock.wait_until(
        lambda calls: any(
            c.method == "chat.update" and "IAM Access Analyzer" in c.body.get("text", "")
            for c in calls[before:]
        )
    )
    page = [c for c in bot.mock.calls_to("chat.update") if "IAM Access Analyzer" in c.body["text"]]
    archive = [
        e
        for b in page[-1].body["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == ACTION_ARCHIVE
    ]
    for n, button in enumerate(archive):
        click(bot, ACTION_ARCHIVE, button["value"], user="UREQ", n=10 + n)
    bot.mock.wait_until(lambda _c: len(bot.mock.calls_to("views.open")) >= 1 + len(archive))
    modals = json.dumps([c.body for c in bot.mock.calls_to("views.open")])
    assert "secret:&lt;!channel&gt;" in modals
    text = shown(bot)
    assert "Reason given: &lt;!channel&gt;" in text
    assert all_problems(bot) == []


SECRETS = (
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "xoxb-1234-5678-SeCrEtToKeN",
    "hunter2hunter2",
)


def test_typed_secrets_are_masked_in_the_logs(make_bot) -> None:
    from bot.slack.log_redaction import install

    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Keep(level=logging.DEBUG)
    install(handler)  # what `iam-audit serve` installs on every handler
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        bot = hostile_bot(make_bot)
        audited(bot)
        run(bot, f"user {SECRETS[0]} <!channel>")
        run(bot, f"simulate alice.admin s3:GetObject aws:SecretKey={SECRETS[1]}")
        run(bot, f"role token={SECRETS[2]}")
        run(bot, f"frobnicate password={SECRETS[3]} {RLO}")
        bot.services.jobs.wait_idle()
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
    logged = "\n".join(records)
    assert "<!channel>" in logged or "frobnicate" in logged  # the commands were logged...
    for secret in SECRETS:
        assert secret not in logged  # ...with the secrets masked


# --- 3. authorization of every button and modal ----------------------------------------------

STRANGER = "U999"  # in no allowlist, not a requester, not an approver
MEMBERS = "U111,UREQ,UAPP1,UAPP2"
REFUSED = ("not allowed", "only the configured", "Sorry", "cannot")
# Keys the listeners write before authorizing, by design: the click de-duplication marker
# (bot/app.py, commands/handling.py:on_click) and the response_url use counter.
BOOKKEEPING = (":seen:click:", ":seen:trigger:", ":count:")


@pytest.fixture(scope="module")
def guarded() -> Iterator[Any]:
    """One bot for the authorization cases (building it takes seconds): on the real Redis
    (db 15, its own prefix) with allowlists, requesters and approvers; moto as AWS; an audit,
    a findings list, a pending and an applied approval request. ``bot.ids`` names them."""
    import boto3
    from moto import mock_aws

    from bot.approvals.wiring import build_approval_desk
    from bot.aws.collect import collect_snapshot
    from bot.aws.demo_analyzer import demo_access_analyzer_data
    from tests.scenario.harness import START, Bot
    from tests.scenario.mock_slack import MockSlack

    # The redis_url fixture's URL (a module-scoped fixture cannot use the function-scoped one).
    url = os.environ.get("IAM_AUDIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    client = redis.Redis.from_url(url, decode_responses=True)
    prefix = f"iam-audit-hostile:{uuid.uuid4().hex[:8]}:"
    demo_snapshot()  # built (and cached) first: the demo runs its own moto account
    mock = MockSlack()
    bot = None
    with mock_aws():
        try:
            session = boto3.Session(region_name="us-east-1")
            iam = session.client("iam")
            for name in ("bob", "bob.console"):
                iam.create_user(UserName=name)
            iam.create_login_profile(UserName="bob.console", Password="Initial-password-1!")
            bot = Bot(
                mock,
                demo_snapshot(),
                store=RedisStore(client, prefix=prefix),
                env={
                    "IAM_AUDIT_ALLOW": MEMBERS,
                    "IAM_AUDIT_REQUESTERS": "UREQ",
                    "IAM_AUDIT_APPROVERS": "UAPP1,UAPP2",
                    "IAM_AUDIT_APPROVAL_CHANNEL": APPROVAL_CHANNEL,
                },
            )
            executor = CountingExecutor(session)
            snapshot = collect_snapshot(session, now=START, sleep=lambda _s: None)
            bot.services.approvals = build_approval_desk(
                bot.settings,
                clock=bot.clock,
                snapshot_source=lambda: snapshot,
                executor=lambda: executor,
            )
            bot.executor = executor
            bot.redis, bot.prefix = client, prefix
            bot.analyzer_reads = []

            def reader(scope, now):
                bot.analyzer_reads.append(scope)
                return demo_access_analyzer_data(now, scope)

            bot.services.analyzer_reader = reader
            bot.ids = _prepare(bot)
            yield bot
        finally:
            if bot is not None:
                bot.close()
            mock.close()
            for key in client.scan_iter(prefix + "*"):
                client.delete(key)


def _prepare(bot) -> dict[str, Any]:
    report, report_id, _final = audited(bot)
    before = len(bot.mock.calls)
    bot.command("findings", via="dispatch")
    bot.mock.wait_until(
        lambda calls: any(
            c.method == "chat.update" and "IAM Access Analyzer" in c.body.get("text", "")
            for c in calls[before:]
        )
    )
    page = [c for c in bot.mock.calls_to("chat.update") if "IAM Access Analyzer" in c.body["text"]]
    buttons = {
        e["action_id"]: e["value"]
        for b in page[-1].body["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }
    cache = json.loads(buttons[ACTION_ARCHIVE])["c"]
    # An applied request (for Undo) and a pending one (for Approve / Reject).
    run(bot, "apply read-only-iam-review to user bob", user="UREQ")
    applied = wait_for_request_message(bot, 1)
    click(bot, ACTION_APPROVE, json.dumps({"id": applied}), user="UAPP1", n=900)
    bot.mock.wait_until(
        lambda calls: any(c.method == "chat.postMessage" and c.body.get("thread_ts") for c in calls)
    )
    run(bot, "apply read-only-iam-review to user bob.console", user="UREQ")
    pending = wait_for_request_message(bot, 2)
    index = finding_index(report, "/bob.console", "user.console_without_mfa")
    bot.services.jobs.wait_idle()
    return {
        "report": report_id,
        "index": index,
        "cache": cache,
        "pending": pending,
        "applied": applied,
        "remediate": buttons.get(ACTION_ANALYZER_REMEDIATE, json.dumps({"c": cache, "i": 0})),
    }


def _state(bot, ids: list[str]) -> dict[str, Any]:
    """What a refused click must not change: Redis (bookkeeping keys aside), the approval
    desk, suppressions, AWS calls (applies, collections, Access Analyzer reads), Slack posts."""
    redis_state = {}
    for key in sorted(bot.redis.scan_iter(bot.prefix + "*")):
        if any(mark in key for mark in BOOKKEEPING):
            continue
        kind = bot.redis.type(key)
        value = {
            "string": bot.redis.get,
            "hash": bot.redis.hgetall,
            "list": lambda k: bot.redis.lrange(k, 0, -1),
            "set": lambda k: sorted(bot.redis.smembers(k)),
            "zset": lambda k: bot.redis.zrange(k, 0, -1, withscores=True),
        }.get(kind, lambda _k, kind=kind: kind)(key)
        redis_state[key] = value
    desk = bot.services.approvals
    return {
        "redis": redis_state,
        "requests": {i: desk.get(i).state for i in ids},
        "suppressions": bot.services.suppressions.all(),
        "applies": bot.executor.applies,
        "collections": bot.collections,
        "analyzer_reads": len(bot.analyzer_reads),
        "views": len(bot.mock.calls_to("views.open")),
        "posts": len(posted_requests(bot)),
    }


def _menu(
    action_id: str, block_id: str, selected: str, kind: str, ts: str = "1700000999.000001"
) -> dict[str, Any]:
    return {
        "type": kind,
        "action_id": action_id,
        "block_id": block_id,
        "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": selected},
        "action_ts": ts,
    }


def _stranger_request(bot, case: str, ids: dict[str, Any]) -> str:
    """The signed body a stranger sends for ``case``."""
    r, i, c = ids["report"], ids["index"], ids["cache"]
    ru = bot.mock.response_url("stranger")
    ts = f"1700000999.{CASES.index(case):06d}"  # each case its own click

    def button(action_id: str, value: Any, channel: str = "C111") -> str:
        return action_body(
            action_id,
            value if isinstance(value, str) else json.dumps(value),
            user=STRANGER,
            channel=channel,
            response_url=ru,
            action_ts=ts,
        )

    def menu(action_id: str, block_id: str, selected: str, kind: str = "overflow") -> str:
        return block_actions_body(
            _menu(action_id, block_id, selected, kind, ts), user=STRANGER, response_url=ru
        )

    def view(callback: str, block: str, action: str, value: str, meta: dict[str, Any]) -> str:
        return modal_submission_body(callback, block, action, value, meta, user=STRANGER)

    from tests.scenario.test_suppress_from_slack import suppress_submission

    return {
        ACTION_SHOW_MORE: lambda: button(ACTION_SHOW_MORE, {"r": r, "p": 1, "s": ""}),
        ACTION_SHOW_MORE + "_prev": lambda: button(
            ACTION_SHOW_MORE + "_prev", {"r": r, "p": 0, "s": ""}
        ),
        ACTION_REMEDIATE: lambda: button(ACTION_REMEDIATE, {"r": r, "i": i}),
        ACTION_OPEN_ACCOUNT: lambda: button(ACTION_OPEN_ACCOUNT, {"r": r}),
        f"{ACTION_FINDING_MENU}:ev": lambda: menu(ACTION_FINDING_MENU, "b1", f"ev|{r}|{i}"),
        f"{ACTION_FINDING_MENU}:rem": lambda: menu(ACTION_FINDING_MENU, "b1", f"rem|{r}|{i}"),
        f"{ACTION_FINDING_MENU}:sup": lambda: menu(ACTION_FINDING_MENU, "b1", f"sup|{r}|{i}"),
        ACTION_FILTER: lambda: menu(ACTION_FILTER, f"audit_filter:{r}", "s:high", "static_select"),
        ACTION_PAGE: lambda: button(ACTION_PAGE, {"c": c, "p": 1}),
        ACTION_PAGE + "_prev": lambda: button(ACTION_PAGE + "_prev", {"c": c, "p": 0}),
        ACTION_ARCHIVE: lambda: button(ACTION_ARCHIVE, {"c": c, "i": 0}),
        ACTION_ANALYZER_REMEDIATE: lambda: button(ACTION_ANALYZER_REMEDIATE, ids["remediate"]),
        ACTION_APPROVE: lambda: button(ACTION_APPROVE, {"id": ids["pending"]}, APPROVAL_CHANNEL),
        ACTION_REJECT: lambda: button(ACTION_REJECT, {"id": ids["pending"]}, APPROVAL_CHANNEL),
        ACTION_UNDO: lambda: button(ACTION_UNDO, {"id": ids["applied"]}, APPROVAL_CHANNEL),
        LINT_MODAL_CALLBACK: lambda: view(
            LINT_MODAL_CALLBACK, LINT_BLOCK_ID, LINT_INPUT_ID, "{}", {"channel": "C111"}
        ),
        REJECT_MODAL: lambda: view(
            REJECT_MODAL,
            REJECT_REASON_BLOCK,
            REJECT_REASON_INPUT,
            "no",
            {"id": ids["pending"], "channel": APPROVAL_CHANNEL},
        ),
        CUSTOM_MODAL: lambda: view(
            CUSTOM_MODAL,
            POLICY_BLOCK,
            POLICY_INPUT,
            json.dumps(_hostile_document("S")),
            {"channel": "C111", "kind": "user", "name": "bob"},
        ),
        SUPPRESS_MODAL: lambda: suppress_submission(
            {"channel": "C111", "r": r, "i": i}, reason="mine now", days="30", user=STRANGER
        ),
        ARCHIVE_MODAL: lambda: view(
            ARCHIVE_MODAL,
            ARCHIVE_REASON_BLOCK,
            ARCHIVE_REASON_INPUT,
            "mine",
            {"channel": "C111", "c": c, "i": 0},
        ),
    }[case]()


CASES = (
    ACTION_SHOW_MORE,
    ACTION_SHOW_MORE + "_prev",
    ACTION_REMEDIATE,
    ACTION_OPEN_ACCOUNT,
    f"{ACTION_FINDING_MENU}:ev",
    f"{ACTION_FINDING_MENU}:rem",
    f"{ACTION_FINDING_MENU}:sup",
    ACTION_FILTER,
    ACTION_PAGE,
    ACTION_PAGE + "_prev",
    ACTION_ARCHIVE,
    ACTION_ANALYZER_REMEDIATE,
    ACTION_APPROVE,
    ACTION_REJECT,
    ACTION_UNDO,
    LINT_MODAL_CALLBACK,
    REJECT_MODAL,
    CUSTOM_MODAL,
    SUPPRESS_MODAL,
    ARCHIVE_MODAL,
)


def test_every_registered_action_and_view_is_covered(bot) -> None:
    """The cases below cover every block action and view callback the app registers."""
    registered = set()
    for listener in bot.app._listeners:
        for matcher in listener.matchers:
            constraint = getattr(matcher, "func", None)
            closure = getattr(constraint, "__closure__", None) or ()
            for cell in closure:
                value = cell.cell_contents
                if isinstance(value, str):
                    registered.add(value)
                elif isinstance(value, dict):
                    registered.update(str(v) for v in value.values() if isinstance(v, str))
    covered = {case.split(":")[0] for case in CASES}
    interactive = {
        name
        for name in registered
        if name in covered
        or name.startswith(("audit_", "analyzer_", "approval_", "lint_", "suppress_"))
    }
    assert interactive, registered
    assert interactive <= covered, interactive - covered


@pytest.mark.parametrize("case", CASES)
def test_a_click_or_submission_by_a_stranger_changes_nothing(guarded, case: str) -> None:
    bot = guarded
    ids = bot.ids
    before = _state(bot, [ids["pending"], ids["applied"]])
    answers = reply_count(bot)
    response = bot.dispatch(_stranger_request(bot, case, ids))
    assert response.status == 200
    bot.mock.wait_until(lambda _c: reply_count(bot) > answers)
    bot.services.jobs.wait_idle()
    time.sleep(0.2)  # anything the listener would still do after its reply
    said = [
        c.body
        for c in (bot.mock.calls_to("response_url") + bot.mock.calls_to("chat.postEphemeral"))
        if c.body.get("user", STRANGER) == STRANGER
    ][-1]
    assert any(word in json.dumps(said) for word in REFUSED), said["text"]
    assert said.get("response_type", "ephemeral") == "ephemeral"
    assert _changes(before, _state(bot, [ids["pending"], ids["applied"]])) == []


def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    out = [
        f"{k}: {before[k]!r} -> {after[k]!r}"
        for k in before
        if k != "redis" and before[k] != after[k]
    ]
    old, new = before["redis"], after["redis"]
    out += [f"redis key added: {k}" for k in new.keys() - old.keys()]
    out += [f"redis key removed: {k}" for k in old.keys() - new.keys()]
    out += [f"redis key changed: {k}" for k in old.keys() & new.keys() if old[k] != new[k]]
    return sorted(out)


def _double(bot, body_of) -> None:
    """Two deliveries of one person's double click (each with its own action_ts), at once."""
    barrier = threading.Barrier(2)

    def one(n: int) -> None:
        barrier.wait()
        bot.dispatch(body_of(n))

    threads = [threading.Thread(target=one, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    bot.services.jobs.wait_idle()


def test_a_double_click_on_approve_applies_once(guarded) -> None:
    bot = guarded
    ids = bot.ids
    applies = bot.executor.applies
    _double(
        bot,
        lambda n: action_body(
            ACTION_APPROVE,
            json.dumps({"id": ids["pending"]}),
            user="UAPP2",
            channel=APPROVAL_CHANNEL,
            response_url=bot.mock.response_url(f"dbl{n}"),
            action_ts=f"1700000777.{n:06d}",
        ),
    )
    bot.mock.wait_until(lambda calls: "already approved" in json.dumps([c.body for c in calls]))
    deadline = time.monotonic() + 15
    while bot.services.approvals.get(ids["pending"]).state.value in (
        "pending",
        "approved",
        "applying",
    ):
        assert time.monotonic() < deadline, "the approved request was never applied"
        time.sleep(0.05)
    bot.services.jobs.wait_idle()
    assert bot.executor.applies == applies + 1
    assert bot.services.approvals.get(ids["pending"]).state.value == "applied"


@pytest.mark.parametrize("menu", [False, True])
def test_a_double_click_on_remediate_makes_one_request(guarded, menu: bool) -> None:
    bot = guarded
    ids = bot.ids
    # The bot is shared by both cases: forget the other case's click (a button click and a
    # menu choice on the same finding within seconds are one request, by design).
    for key in bot.redis.scan_iter(bot.prefix + "*remediate-click*"):
        bot.redis.delete(key)
    posts = len(posted_requests(bot))

    def body_of(n: int) -> str:
        ru = bot.mock.response_url(f"rem{n}")
        if menu:
            choice = _menu(
                ACTION_FINDING_MENU, "b1", f"rem|{ids['report']}|{ids['index']}", "overflow"
            )
            choice["action_ts"] = f"1700000888.{n:06d}"
            return block_actions_body(choice, user="UREQ", response_url=ru)
        return action_body(
            ACTION_REMEDIATE,
            json.dumps({"r": ids["report"], "i": ids["index"]}),
            user="UREQ",
            response_url=ru,
            action_ts=f"1700000888.{n:06d}",
        )

    _double(bot, body_of)
    bot.mock.wait_until(lambda _c: len(posted_requests(bot)) > posts)
    time.sleep(0.3)
    assert len(posted_requests(bot)) == posts + 1
