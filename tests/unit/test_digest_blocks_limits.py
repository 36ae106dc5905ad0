"""The digest message on an account that changed a lot, with hostile AWS names.

Property tests over bot/slack/digest_blocks.py's public builders: thousands of new, resolved and
re-rated findings, names of up to 10,000 characters full of ``<!channel>``, ``&``, ``*bold*``,
backticks and newlines. Every message must be one Slack accepts (the independent checker of
tests/unit/test_slack_adversarial_blocks.py, written from Slack's reference: 50 blocks, section
text 3,000, fields / context elements 2,000 and at most 10, header 150 plain_text, the block text
total Slack refuses as msg_blocks_too_long, the top-level text), nothing in it may ping or link,
and whatever is left out is said, with the full report in the thread named.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.audit.diff import ReportDiff, SeverityChange
from bot.audit.findings import Finding, Severity
from bot.digest.content import ApprovalCounts, CampaignProgress, Digest, MfaCoverage
from bot.slack import digest_blocks
from tests.unit.test_slack_adversarial_blocks import (
    PIECES,
    PROPERTY,
    assert_ok,
    report_of,
)

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ACCOUNT = "123456789012"

hostile = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), min_size=0, max_size=12
).map("".join)
# Up to 10,000 characters of a hostile piece repeated (each '<' or '&' escapes to 4-5).
huge = st.builds(lambda s, n: ((s or "<!channel>&") * n)[:10_000], hostile, st.integers(1, 2_500))
name = st.one_of(hostile, hostile, huge)
severity = st.sampled_from(list(Severity))


@st.composite
def many(draw: st.DrawFn, tag: str, most: int = 3_000) -> list[Finding]:
    """A few hostile findings repeated up to ``most`` times with distinct resources."""
    base = draw(
        st.lists(
            st.builds(
                Finding,
                check_id=st.sampled_from(["policy.admin_star", "user.console_without_mfa"]),
                severity=severity,
                resource_arn=name,
                resource_type=st.just("role"),
                title=name,
                detail=hostile,
            ),
            min_size=1,
            max_size=4,
        )
    )
    count = draw(st.integers(0, most))
    return [
        Finding(
            b.check_id, b.severity, f"{b.resource_arn}/{tag}{i}", b.resource_type, b.title, b.detail
        )
        for i, b in ((i, base[i % len(base)]) for i in range(count))
    ]


def digest_of(
    new: list[Finding],
    resolved: list[Finding],
    rerated: list[Finding],
    *,
    decided: dict[str, int],
    note: str,
    errors: int = 3,
    first: bool = False,
    lapsed: int = 0,
) -> Digest:
    changes = tuple(
        SeverityChange(f, Severity.LOW if f.severity is not Severity.LOW else Severity.HIGH)
        for f in rerated
    )
    diff = ReportDiff(tuple(new), tuple(resolved), tuple(rerated), changes, first=first)
    return Digest(
        account_id=ACCOUNT,
        slot="2026-11-30T09:00Z",
        generated_at=NOW,
        report=report_of([*new, *rerated]),
        report_id=f"{ACCOUNT}-20261130T090000-abcdef",
        previous_at=NOW - timedelta(days=1),
        diff=diff,
        mfa=MfaCoverage(1000, 10, 900, 5),
        approvals=ApprovalCounts(pending=4, decided=decided, lapsed=lapsed),
        top_risks=tuple(sorted([*new, *rerated], key=lambda f: -f.severity.rank)[:5]),
        campaign=CampaignProgress(10, 990, 40, NOW + timedelta(days=30), proposed=True),
        errors=errors,
        scp_change=note,
    )


def said_totals(message: dict) -> str:
    return json.dumps(message, ensure_ascii=False)


def shown_and_more(message: dict, title: str) -> tuple[int, int] | None:
    """(lines listed, the N of '... and N more') of the section titled ``title``."""
    for block in message["blocks"]:
        text = (block.get("text") or {}).get("text", "")
        if text.startswith(title + "\n") or text == title:
            lines = text.split("\n")[1:]
            more = re.search(r"and (\d+) more", lines[-1]) if lines else None
            listed = len(lines) - (1 if more else 0)
            return listed, int(more.group(1)) if more else 0
    return None


@PROPERTY
@given(
    many("n"),
    many("r"),
    many("c", most=600),
    st.dictionaries(name, st.integers(0, 10**6), max_size=12),
    name,
    name,
)
def test_a_day_of_thousands_of_changes_with_hostile_names_fits_and_says_what_is_left_out(
    new: list[Finding],
    resolved: list[Finding],
    rerated: list[Finding],
    decided: dict[str, int],
    scp: str,
    note: str,
) -> None:
    digest = digest_of(new, resolved, rerated, decided=decided, note=scp)
    message = digest_blocks.digest_message(digest, schedule_note=note)
    assert_ok(message)
    if digest.quiet:
        assert message["blocks"][0]["text"]["text"].startswith(":white_check_mark:")
        return
    header = message["blocks"][0]
    assert header["type"] == "header"
    assert ACCOUNT in header["text"]["text"]
    left_out = 0
    for title, total in (
        ("*New*", len(new)),
        ("*Resolved*", len(resolved)),
        ("*Re-rated*", len(rerated)),
    ):
        if not total:
            continue
        found = shown_and_more(message, title)
        assert found is not None, f"the {title} section is missing"
        listed, more = found
        assert listed + more == total, (title, listed, more, total)
        left_out += more
    # The report id is always there; what is left out points to the full report in the thread.
    dumped = said_totals(message)
    assert digest.report_id in dumped
    if left_out:
        assert "in the thread" in dumped
    assert f"{len(new)} new" in message["text"]


@PROPERTY
@given(st.lists(name, min_size=1, max_size=5))
def test_every_list_line_keeps_its_resource_in_a_closed_code_span(titles: list[str]) -> None:
    """A title or ARN of 10,000 characters is clipped inside each part, so a line never ends in
    the middle of a code span (an unpaired backtick runs the formatting into the next line)."""
    arn = "arn:aws:iam::123456789012:role/" + "`<!here>&" * 1200
    new = [
        Finding("policy.admin_star", Severity.HIGH, f"{arn}{i}", "role", t, "d")
        for i, t in enumerate(titles)
    ]
    message = digest_blocks.digest_message(digest_of(new, [], [], decided={}, note=""))
    assert_ok(message)
    found = [b for b in message["blocks"] if b.get("text", {}).get("text", "").startswith("*New*")]
    assert found
    for line in found[0]["text"]["text"].split("\n")[1:]:
        if "more in the full report" in line:
            continue
        assert line.count("`") == 2, line
        assert "\n" not in line


@PROPERTY
@given(name)
def test_a_title_with_newlines_stays_on_its_own_line(title: str) -> None:
    """One finding is one line: a newline in an AWS-supplied title would start a fake line (a
    '> quote', or a line that looks like the bot's own '... and N more')."""
    new = [Finding("policy.admin_star", Severity.HIGH, "arn:x", "role", f"a\n{title}\nb", "d")]
    message = digest_blocks.digest_message(digest_of(new, [], [], decided={}, note=""))
    assert_ok(message)
    listed = shown_and_more(message, "*New*")
    assert listed == (1, 0)


def test_the_quiet_line_and_chart_comments() -> None:
    quiet = digest_of([], [], [], decided={}, note="")
    message = digest_blocks.digest_message(quiet, schedule_note="<!channel>")
    assert_ok(message)
    assert "no change" in message["text"]
    assert_ok({"text": digest_blocks.chart_comment(30), "blocks": []})
    assert_ok({"text": digest_blocks.accounts_chart_comment(10_000), "blocks": []})


def test_everything_at_its_largest_at_once() -> None:
    """The worst morning explicitly: 5,000 new, 5,000 resolved, 1,000 re-rated, every name 10,000
    characters of '<!channel>&' (escaping makes each 4-5 times longer), a long SCP note."""
    huge_name = ("<!channel>&" * 1000)[:10_000]

    def lot(tag: str, count: int) -> list[Finding]:
        return [
            Finding(
                "policy.admin_star",
                Severity.CRITICAL,
                f"{huge_name}{tag}{i}",
                "role",
                huge_name,
                huge_name,
            )
            for i in range(count)
        ]

    digest = digest_of(
        lot("n", 5000),
        lot("r", 5000),
        lot("c", 1000),
        decided={huge_name + str(i): i for i in range(40)},
        note=huge_name,
        errors=10**6,
        lapsed=10**6,
    )
    message = digest_blocks.digest_message(digest, schedule_note=huge_name)
    assert_ok(message)
    assert shown_and_more(message, "*New*")[1] > 0
    dumped = said_totals(message)
    assert digest.report_id in dumped
    assert "lapsed 1000000" in dumped  # a count, kept after the clipped decided states
    assert "<!channel>" not in dumped
