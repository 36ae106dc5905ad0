"""Evidence said as sentences: every check's demo finding, in Slack, text and Markdown."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from functools import lru_cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.audit.engine import run_audit
from bot.audit.findings import Finding, Severity
from bot.audit.registry import all_checks
from bot.audit.report import Report
from bot.aws.demo import build_demo_snapshot
from bot.render.evidence import LINE_LIMIT, evidence_lines, policy_label, when
from bot.render.grammar import plural
from bot.render.markdown import render_markdown
from bot.render.text import render_text
from bot.slack.blocks import finding_text

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
# What raw JSON (or a Python repr of it) looks like in a line meant for people.
JSON_LOOKING = re.compile(
    r"""[\[{]\s*["'\[{]|["']\s*:\s|\bnull\b|\bNone\b|\[\]|\{\}|\btrue\b|\bfalse\b|\bTrue\b|\bFalse\b"""
)


@lru_cache(maxsize=1)
def demo_report() -> Report:
    return run_audit(build_demo_snapshot(NOW), now=NOW)


def one_finding_per_check() -> dict[str, Finding]:
    found: dict[str, Finding] = {}
    for finding in demo_report().findings:
        found.setdefault(finding.check_id, finding)
    return found


def test_the_demo_account_exercises_nearly_every_check() -> None:
    """The test below is only as good as its coverage: the demo must fire most checks."""
    fired = set(one_finding_per_check())
    assert len(fired) >= 40
    assert fired <= set(all_checks())


@pytest.mark.parametrize("check_id", sorted(one_finding_per_check()))
def test_every_demo_finding_renders_without_json(check_id: str) -> None:
    finding = one_finding_per_check()[check_id]
    lines = evidence_lines(check_id, finding.evidence)
    assert len(lines) <= LINE_LIMIT
    for line in lines:
        assert not JSON_LOOKING.search(line), f"{check_id}: {line!r}"
        assert line
        assert line.strip() == line
    slack = finding_text(finding, limit=3000)
    for line in slack.splitlines():
        assert not JSON_LOOKING.search(line), f"{check_id} (Slack): {line!r}"


def test_text_and_markdown_reports_say_evidence_without_json() -> None:
    report = demo_report()
    catalogue = {check_id: check.meta for check_id, check in all_checks().items()}
    text = render_text(report, catalogue=catalogue)
    markdown = render_markdown(report, catalogue=catalogue)
    said_in_text = [line for line in text.splitlines() if line.startswith("      - ")]
    said_in_markdown = markdown.split("<br>• ")[1:]
    assert len(said_in_text) >= len(report.findings)
    assert len(said_in_markdown) == len(said_in_text)
    for line in said_in_text + said_in_markdown:
        assert not JSON_LOOKING.search(line.split(" |")[0]), line
    assert "- Granted by AdministratorAccess (AWS managed) via group Admins, statement 0." in text
    assert "<br>• No permissions boundary." in markdown


def test_admin_equivalent_is_said_as_the_issue_asks() -> None:
    evidence = {
        "policies": ["arn:aws:iam::aws:policy/AdministratorAccess (via group:Admins)"],
        "grants": [
            {
                "policy": "arn:aws:iam::aws:policy/AdministratorAccess (via group:Admins)",
                "statement": 0,
                "effect": "Allow",
            }
        ],
        "boundary": None,
        "assumptions": [],
    }
    assert evidence_lines("principal.admin_equivalent", evidence) == [
        "Granted by AdministratorAccess (AWS managed) via group Admins, statement 0.",
        "No permissions boundary.",
    ]


def test_trust_statement_and_empty_fields() -> None:
    evidence = {
        "role": "public-trust-role",
        "statements": [{"statement_index": 0, "principal": "*", "restricted_by": []}],
        "other_holders": [],
        "note": None,
    }
    assert evidence_lines("role.trust_any_principal", evidence) == [
        "Statement 0 trusts any principal (*), with no condition restricting it."
    ]


def test_access_keys_and_dates() -> None:
    evidence = {
        "user": "dave",
        "key_slot": 1,
        "active": True,
        "last_rotated": "2025-10-30T19:16:50+00:00",
        "last_used": "N/A",
        "age_days": 400,
        "limit_days": 90,
    }
    assert evidence_lines("user.access_key_not_rotated", evidence) == [
        "Access key 1 (active), last rotated 2025-10-30, last used never.",
        "400 days old.",
        "Limit: 90 days.",
    ]


def test_unknown_fields_are_said_in_words() -> None:
    """A field a future check adds still renders, as "Label: value" in words."""
    lines = evidence_lines(
        "new.check",
        {"tag_values": ["a", "b"], "limits": {"max_sessions": 3, "strict": True}, "count": 1},
    )
    assert lines == [
        "Tag values: a and b.",
        "Limits: max sessions 3; strict yes.",
        "Count: 1.",
    ]


def test_long_evidence_is_capped_with_a_pointer_to_the_json_report() -> None:
    evidence = {f"field_{i}": i for i in range(30)}
    lines = evidence_lines("x.y", evidence)
    assert len(lines) == LINE_LIMIT
    assert lines[-1] == "19 more details in the JSON report."


def test_policy_labels() -> None:
    assert policy_label("arn:aws:iam::123456789012:policy/team/Deploy") == "Deploy"
    assert policy_label("arn:aws-us-gov:iam::aws:policy/job-function/ViewOnlyAccess") == (
        "ViewOnlyAccess (AWS managed)"
    )
    assert policy_label("inline-x (via role:ci)") == "inline-x via role ci"
    assert when("2026-05-18T19:16:50.504331+00:00") == "2026-05-18"
    assert when("no_information") == "never"


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 findings"), (1, "1 finding"), (2, "2 findings")],
)
def test_plural(count: int, expected: str) -> None:
    assert plural(count, "finding") == expected
    assert plural(count, "policy", "policies").endswith("policy" if count == 1 else "policies")


def test_hostile_evidence_is_escaped_in_slack() -> None:
    finding = Finding(
        check_id="user.direct_policies",
        title="t",
        severity=Severity.LOW,
        resource_arn="arn:aws:iam::123456789012:user/x",
        resource_type="AWS::IAM::User",
        detail="d",
        evidence={"inline_policies": ["<!channel>", "<https://evil.example|click>"]},
    )
    text = finding_text(finding, limit=3000)
    assert "<!channel>" not in text
    assert "&lt;!channel&gt;" in text
    assert "<https://" not in text


# Evidence of any shape made of plain words: what comes out never looks like JSON.
_words = st.text(alphabet="abcdefghij klmn-_.:/*0123456789", min_size=1, max_size=12).filter(
    lambda s: s.strip() and s.strip().lower() not in ("true", "false", "null", "none")
)
_leaf = st.one_of(st.none(), st.booleans(), st.integers(-5, 500), _words)
_value = st.recursive(
    _leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(_words, inner, max_size=4)
    ),
    max_leaves=12,
)
_KEYS = st.sampled_from(
    [
        "grants",
        "policies",
        "boundary",
        "statements",
        "actions",
        "action_count",
        "lint_findings",
        "methods",
        "targets",
        "active_keys",
        "key_slot",
        "without_mfa",
        "analyzers",
        "finding_id",
        "identity",
        "policy_arn",
        "minimum_length",
        "max_age_days",
        "console_users",
        "extra_field",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.one_of(_KEYS, _words), _value, max_size=8))
def test_any_evidence_shape_renders_as_words(evidence: dict) -> None:
    lines = evidence_lines("any.check", evidence)
    assert len(lines) <= LINE_LIMIT
    for line in lines:
        assert line
        assert not JSON_LOOKING.search(line), (line, json.dumps(evidence, default=str))
