"""The digest's approvals line counts requests that lapsed, not only decisions.

A pending request that expires with nobody deciding writes one `result` entry (state expired,
``lapsed``) and no `decision`, so a team whose requests all lapse used to read "decided since
last digest: none" every morning. The trail here is written with the desk's own words for each
end (bot.approvals.desk), into the in-memory audit log the bot uses without Redis.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from types import SimpleNamespace

from bot.approvals.desk import _result_words
from bot.approvals.model import ApprovalRequest, State, Target, transition
from bot.digest.content import ApprovalCounts, build_digest, digest_text
from bot.digest.run import approval_counts_source
from bot.slack.digest_blocks import digest_message
from bot.store.audit_log import AuditEntry, InMemoryAuditLog
from tests.digest_support import finding, report, snapshot
from tests.factories import NOW

PREVIOUS = NOW - timedelta(days=1)  # the previous digest


def request(request_id: str, created: datetime) -> ApprovalRequest:
    return ApprovalRequest(
        id=request_id,
        requester="UREQ",
        target=Target("user", "bob"),
        change={"remediation": "attach_policy", "params": {"target_name": "bob"}},
        summary="Attach policy x to user bob",
        steps=("iam:AttachUserPolicy",),
        undo="Detach it",
        created_at=created,
        expires_at=created + timedelta(hours=4),
        fingerprint="f",
    )


class Trail:
    """Writes each end the way the desk does: `decision` of an approval, rejection or
    withdrawal; `result` of an apply, an approval expired unapplied, or a lapse."""

    def __init__(self) -> None:
        self.log = InMemoryAuditLog()

    def write(self, kind: str, req: ApprovalRequest, actor: str, at: datetime, **data) -> None:
        self.log.append(AuditEntry(kind, req.id, actor, at, data))

    def approved_and_applied(self, request_id: str, at: datetime) -> None:
        req = request(request_id, at - timedelta(hours=1))
        approved = transition(req, State.APPROVED, actor="UAPP", now=at)
        self.write("decision", approved, "UAPP", at, state="approved")
        applying = transition(approved, State.APPLYING, actor="bot", now=at)
        applied = transition(applying, State.APPLIED, actor="bot", now=at, outcome="Applied.")
        self.write("result", applied, "bot", at, **_result_words(applied))

    def approved_then_expired_unapplied(self, request_id: str, at: datetime) -> None:
        req = request(request_id, at - timedelta(hours=1))
        approved = transition(req, State.APPROVED, actor="UAPP", now=at)
        self.write("decision", approved, "UAPP", at, state="approved")
        later = req.expires_at + timedelta(minutes=1)
        final = transition(approved, State.EXPIRED, actor="bot", now=later, outcome="Not applied")
        assert not final.lapsed
        self.write("result", final, "bot", later, **_result_words(final))

    def rejected(self, request_id: str, at: datetime) -> None:
        req = request(request_id, at - timedelta(hours=1))
        final = transition(req, State.REJECTED, actor="UAPP", now=at, reason="no")
        self.write("decision", final, "UAPP", at, state="rejected", reason="no")

    def lapsed(self, request_id: str, at: datetime, *, twice: bool = False) -> None:
        req = request(request_id, at - timedelta(hours=5))
        final = transition(req, State.EXPIRED, actor="bot", now=at)
        assert final.lapsed
        self.write("result", final, "bot", at, **_result_words(final))
        if twice:  # the reconciler wrote it again after a failure ("twice rather than never")
            self.write("result", final, "bot", at, **_result_words(final), recovered=True)


def counts_of(trail: Trail, pending: int = 0) -> ApprovalCounts:
    desk = SimpleNamespace(
        store=SimpleNamespace(pending=lambda now: ["p"] * pending), trail=trail.log
    )
    source = approval_counts_source(desk)
    assert source is not None
    return source(PREVIOUS, NOW)


def digest_with(counts: ApprovalCounts):
    """A day with a change (a quiet day is one line about findings, approvals aside)."""
    return build_digest(
        current=report(finding(name="fresh")),
        previous=report(),
        report_id="r2",
        previous_at=PREVIOUS,
        slot="2026-11-30T09:00Z",
        now=NOW,
        snapshot=snapshot({"alice": True}),
        approvals=counts,
    )


def approvals_field(message: dict) -> str:
    for block in message["blocks"]:
        for item in block.get("fields") or []:
            if item["text"].startswith("*Approvals*"):
                return item["text"]
    raise AssertionError("no Approvals field in the digest")


def test_lapses_are_counted_apart_from_decisions_once_each() -> None:
    trail = Trail()
    trail.lapsed("old-lapse", PREVIOUS - timedelta(hours=2))  # told in the previous digest
    trail.approved_and_applied("r-applied", NOW - timedelta(hours=8))
    trail.approved_then_expired_unapplied("r-unapplied", NOW - timedelta(hours=20))
    trail.rejected("r-rejected", NOW - timedelta(hours=6))
    trail.lapsed("r-lapse-1", NOW - timedelta(hours=7))
    trail.lapsed("r-lapse-2", NOW - timedelta(hours=3), twice=True)
    trail.lapsed("r-lapse-3", NOW - timedelta(hours=1))

    counts = counts_of(trail, pending=2)
    assert counts.known
    assert counts.pending == 2
    # The approval that expired unapplied is counted as approved, not a second time as lapsed.
    assert dict(counts.decided) == {"approved": 2, "rejected": 1}
    assert counts.lapsed == 3

    digest = digest_with(counts)
    assert digest.to_dict()["approvals"]["lapsed"] == 3
    assert (
        "Approvals: 2 pending; decided since last digest: approved 2, rejected 1; lapsed 3"
        in digest_text(digest)
    )
    field = approvals_field(digest_message(digest))
    assert "decided since last digest: approved 2, rejected 1 · lapsed 3" in field


def test_a_team_whose_requests_all_lapse_sees_them_not_none() -> None:
    trail = Trail()
    trail.lapsed("a", NOW - timedelta(hours=5))
    trail.lapsed("b", NOW - timedelta(hours=2))
    counts = counts_of(trail)
    assert (dict(counts.decided), counts.lapsed) == ({}, 2)
    digest = digest_with(counts)
    assert "decided since last digest: none; lapsed 2" in digest_text(digest)
    assert "decided since last digest: none · lapsed 2" in approvals_field(digest_message(digest))


def test_no_lapse_leaves_the_line_as_it_was() -> None:
    trail = Trail()
    trail.rejected("r", NOW - timedelta(hours=1))
    digest = digest_with(counts_of(trail))
    assert "lapsed" not in digest_text(digest)
    assert "lapsed" not in json.dumps(digest_message(digest))
