"""The digest says when principal findings came or went because the SCPs applied to them
changed (read one day, unreadable the next, or changed by the organization), not IAM."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.digest.content import ApprovalCounts, build_digest, digest_text, scp_change
from bot.slack.digest_blocks import digest_message
from tests.digest_support import finding, report, snapshot
from tests.factories import NOW

KEYS = "SCP DenyKeys (p-k) at the root (r-1)"
LEAVE = "SCP DenyLeave (p-l) at the root (r-1)"


def with_scps(applied: list[str] | None, *, known: bool = True):
    base = report(finding("principal.privilege_escalation", "arn:aws:iam::123456789012:user/dev"))
    if applied is None:
        return base
    summary = {"known": known, "applied": applied, "not_applied": []}
    return replace(base, extra={"service_control_policies": summary})


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (None, None, ""),
        ([KEYS], [KEYS], ""),
        ([KEYS], None, "could not be read this time"),
        (None, [KEYS], "SCPs are applied since this audit"),
        ([KEYS], [KEYS, LEAVE], "The SCPs applied changed (1 -> 2)"),
    ],
)
def test_the_change_is_named(before, after, expected) -> None:
    note = scp_change(with_scps(before), with_scps(after))
    assert (expected in note) if expected else note == ""


def test_unknown_scps_count_as_not_applied() -> None:
    assert "could not be read" in scp_change(with_scps([KEYS]), with_scps([], known=False))


def test_the_first_digest_has_nothing_to_compare() -> None:
    assert scp_change(None, with_scps([KEYS])) == ""


def test_text_json_and_slack_carry_the_note() -> None:
    """Findings came with the SCPs gone (dev's second escalation): the day is not quiet, and
    every form of the digest says why they may have come."""
    current = with_scps(None)
    current = replace(
        current,
        findings=(
            *current.findings,
            finding("principal.credentials_exposure", "arn:aws:iam::123456789012:user/dev"),
        ),
    )
    digest = build_digest(
        current=current,
        previous=with_scps([KEYS]),
        report_id="r2",
        previous_at=NOW - timedelta(days=1),
        slot="2026-11-30T09:00Z",
        now=NOW,
        snapshot=snapshot({"alice": True}),
        approvals=ApprovalCounts(pending=0, decided={}),
    )
    assert "could not be read this time" in digest_text(digest)
    assert "could not be read this time" in digest.to_dict()["scp_change"]
    blocks = json.dumps(digest_message(digest)["blocks"])
    assert ":information_source: The SCPs applied last time could not be read" in blocks


def test_a_quiet_day_stays_one_line() -> None:
    """The SCPs changed but no finding did: nothing to explain."""
    digest = build_digest(
        current=with_scps(None),
        previous=with_scps([KEYS]),
        report_id="r2",
        previous_at=NOW - timedelta(days=1),
        slot="2026-11-30T09:00Z",
        now=NOW,
        snapshot=snapshot({"alice": True}),
        approvals=ApprovalCounts(pending=0, decided={}),
    )
    assert digest.quiet
    assert "\n" not in digest_text(digest)


def with_rcps(base, applied: list[str] | None):
    if applied is None:
        return base
    summary = {
        "known": True,
        "read": ["org-only", "network"],
        "applied": applied,
        "not_applied": [],
    }
    return replace(base, extra={**base.extra, "resource_control_policies": summary})


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (None, None, ""),
        (["org-only"], ["org-only"], ""),
        (["org-only"], None, "The RCPs applied last time could not be read this time: new role"),
        (None, ["org-only"], "RCPs are applied since this audit: role trust findings"),
        ([], ["org-only"], "The RCPs applied changed (0 -> 1): role trust findings"),
    ],
)
def test_an_rcp_change_is_named_too(before, after, expected) -> None:
    base = with_scps([KEYS])
    note = scp_change(with_rcps(base, before), with_rcps(base, after))
    assert (expected in note) if expected else note == ""
    assert "SCP" not in note


def test_both_changes_are_said_one_after_the_other() -> None:
    note = scp_change(with_rcps(with_scps([KEYS]), ["org-only"]), with_rcps(with_scps(None), None))
    assert note.startswith("The SCPs applied last time could not be read this time")
    assert "The RCPs applied last time could not be read this time" in note


def test_real_audits_with_and_without_rcps_are_told_apart() -> None:
    """The RCP summary the trust checks write is the one the digest reads: an audit that read
    the RCPs (none enabled on the root, `()`) after one that could not says so."""
    from bot.audit.engine import run_audit
    from tests.factories import role, trust_policy
    from tests.factories import snapshot as account

    base = account(roles=[role("open", trust=trust_policy("*"))])
    only = ["role.trust_any_principal"]
    unknown = run_audit(base, now=NOW, only=only)
    read = run_audit(replace(base, resource_control_policies=()), now=NOW, only=only)
    assert scp_change(unknown, read) == (
        "RCPs are applied since this audit: role trust findings they refuse are gone."
    )
    assert scp_change(read, read) == ""
