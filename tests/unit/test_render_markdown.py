"""The Markdown renderer: PR comments and wikis, where AWS strings must stay inert text."""

from __future__ import annotations

import re

import pytest

from bot.audit.findings import Severity
from bot.render import RenderOptions
from bot.render.markdown import md_check_id, md_escape, render_markdown
from tests.unit.test_render_common import ACCOUNT, HOSTILE, sample_catalogue, sample_report


def _md(source: str = "aws") -> str:
    return render_markdown(sample_report(source=source), catalogue=sample_catalogue())


def _table_rows(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("|")]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a|b", r"a\|b"),
        ("`x`", r"\`x\`"),
        ("<script>", r"\<script\>"),
        ("*em* _u_", r"\*em\* \_u\_"),
        ("[l](u)", r"\[l\](u)"),
        ("&lt;", r"\&lt;"),
        ("ping @security-team", "ping @\N{ZERO WIDTH SPACE}security-team"),
        ("alice@example.com", "alice@example.com"),
        ("back\\slash", r"back\\slash"),
        ("one\ntwo", "one<br>two"),
        ("esc\x1b[1m", "esc\N{REPLACEMENT CHARACTER}\\[1m"),
    ],
)
def test_escape(raw: str, expected: str) -> None:
    assert md_escape(raw) == expected


def test_check_ids_are_code_only_when_they_have_the_safe_shape() -> None:
    assert md_check_id("user.inactive") == "`user.inactive`"
    assert md_check_id("evil`|.x") == r"evil\`\|.x"
    assert md_check_id("user.inactive\n") == "user.inactive"


def test_every_table_row_has_the_header_column_count() -> None:
    out = _md()
    rows = _table_rows(out)
    assert rows, out
    # Unescaped pipes are the column separators; a hostile string must not add columns.
    for row in rows:
        columns = row.replace("\\|", "").count("|")
        assert columns in (4, 6, 7), row


def test_hostile_detail_stays_in_one_cell_and_inert() -> None:
    out = _md()
    row = next(r for r in _table_rows(out) if "second line" in r)
    assert re.findall(r"(?<!\\)<(?!br>)", row) == []  # every '<' is escaped, except our <br>
    assert r"\<img src=x\>" in row
    assert "<br>second line" in row
    assert "\x1b" not in out
    assert HOSTILE.splitlines()[1] not in out.splitlines()  # the newline did not end the row


def test_summary_sections_and_demo_banner() -> None:
    out = _md(source="demo")
    assert out.startswith(f"## iam-audit report for account {ACCOUNT}\n")
    assert "> [!WARNING]" in out
    assert "DEMO DATA" in out
    assert "| 1 | 2 | 1 | 1 | 1 | 1 |" in out  # critical..info, then muted
    assert "### Critical (1)" in out
    assert "### How to fix" in out
    assert "- `root.mfa_disabled` (Title of root.mfa\\_disabled): Fix root.mfa\\_disabled" in out
    assert "### Errors" in out
    assert "### Skipped checks" in out
    assert r"break-glass \| account \`kept\` on purpose" in out
    assert "DEMO DATA" not in _md()


def test_min_severity_note() -> None:
    assert "Showing only" not in _md()
    out = render_markdown(
        sample_report().filtered(Severity.MEDIUM),
        catalogue={},
        options=RenderOptions(min_severity=Severity.MEDIUM, hidden_findings=2),
    )
    assert "Showing only severity medium and above (2 lower-severity findings not shown)." in out
    assert "### Low" not in out


def test_skipped_checks_sharing_a_reason_are_one_item() -> None:
    from dataclasses import replace

    from bot.audit.report import SkippedCheck

    why = "needs the password policy"
    report = replace(
        sample_report(),
        skipped=(
            SkippedCheck("password_policy.min_length", why),
            SkippedCheck("password_policy.reuse", why),
            SkippedCheck("certificate.expired", "needs the server certificates"),
        ),
    )
    out = render_markdown(report, catalogue=sample_catalogue())
    assert f"- `password_policy.min_length`, `password_policy.reuse`: {why}" in out
    assert "- `certificate.expired`: needs the server certificates" in out
    assert out.count(why) == 1


def test_min_severity_keeps_the_whole_count_table() -> None:
    full = sample_report()
    shown = full.filtered(Severity.CRITICAL)
    options = RenderOptions(
        min_severity=Severity.CRITICAL,
        hidden_findings=len(full.findings) - len(shown.findings),
        totals=full.summary(),
    )
    out = render_markdown(shown, catalogue=sample_catalogue(), options=options)
    counts = full.summary()
    row = "| " + " | ".join(str(counts[s]) for s in ("critical", "high", "medium", "low", "info"))
    assert row + f" | {len(full.suppressed)} |" in out
    assert "Showing only severity critical and above (5 lower-severity findings not shown)." in out
    assert "### High" not in out


def test_markdown_no_findings_above_the_filter() -> None:
    from dataclasses import replace

    empty = replace(sample_report(), findings=())
    options = RenderOptions(min_severity=Severity.HIGH, hidden_findings=2)
    out = render_markdown(empty, catalogue=sample_catalogue(), options=options)
    assert "No findings of severity high or above." in out
