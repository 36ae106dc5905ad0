"""The digest across accounts: a summary with per-account new/resolved and totals comes first."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from bot.audit.findings import Severity
from bot.digest.content import cross_account_digest, cross_account_text
from bot.digest.run import DigestRunner
from bot.model.errors import DeliveryError
from bot.store.digests import InMemoryDigestStore
from tests.digest_support import FakeAudits, FakePoster, finding, report
from tests.factories import NOW

PROD = "111111111111"
DEV = "222222222222"
CHANNEL = "C0DIGEST"


def _audits(account_id: str, *reports) -> FakeAudits:
    return FakeAudits([replace(r, account_id=account_id) for r in reports], target=account_id)


def _runner(poster: FakePoster, *accounts: FakeAudits) -> DigestRunner:
    return DigestRunner(
        accounts=list(accounts),
        store=InMemoryDigestStore(clock=lambda: NOW),
        poster=poster,
        clock=lambda: NOW,
    )


def test_two_accounts_post_the_summary_then_each_accounts_digest() -> None:
    prod = _audits(
        PROD,
        report(finding(name="alice"), finding(name="bob")),
        report(finding(name="bob"), finding(name="carol", severity=Severity.CRITICAL)),
    )
    dev = _audits(DEV, report(finding(name="dan", severity=Severity.LOW)))
    poster = FakePoster()
    runner = _runner(poster, prod, dev)

    first = runner.run(channel=CHANNEL, slot="s1")
    assert first.summary is not None
    assert len(poster.messages) == 3  # summary + one digest per account
    assert "first digest" in json.dumps(poster.messages[0][1]["blocks"])

    second = runner.run(channel=CHANNEL, slot="s2")
    summary = second.summary
    assert summary is not None
    rows = {row.account_id: row for row in summary.accounts}
    assert (rows[PROD].new, rows[PROD].resolved) == (1, 1)  # carol new, alice resolved
    assert (rows[DEV].new, rows[DEV].resolved) == (0, 0)
    assert [row.account_id for row in summary.accounts] == [PROD, DEV]  # critical open first
    assert summary.totals() == {"critical": 1, "high": 1, "medium": 0, "low": 1, "info": 0}
    channel, message = poster.messages[3]
    assert channel == CHANNEL
    assert message["text"] == "IAM digest of 2 accounts: 1 new, 1 resolved, 3 open"
    text = json.dumps(message["blocks"])
    assert "+1 new, -1 resolved" in text
    assert PROD in text
    assert DEV in text
    # Each account still gets its own digest, in order, after the summary.
    assert second.message_ts[0] == "1700000000.000004"
    assert len(second.message_ts) == 3
    assert [d.account_id for d in second.digests] == [PROD, DEV]


def test_one_account_keeps_the_single_account_digest() -> None:
    poster = FakePoster()
    outcome = _runner(poster, _audits(PROD, report(finding()))).run(channel=CHANNEL, slot="s1")
    assert outcome.summary is None
    assert len(poster.messages) == 1
    assert "IAM digest:" not in json.dumps(poster.messages[0][1]["blocks"][0])


def test_the_slot_is_given_back_when_the_summary_cannot_be_posted() -> None:
    poster = FakePoster(fail_post=DeliveryError("channel_not_found"))
    runner = _runner(poster, _audits(PROD, report()), _audits(DEV, report()))
    with pytest.raises(DeliveryError):
        runner.run(channel=CHANNEL, slot="s1")
    poster.fail_post = None
    retried = runner.run(channel=CHANNEL, slot="s1")
    assert retried.status == "posted"


def test_preview_covers_every_account_without_posting() -> None:
    poster = FakePoster()
    runner = _runner(poster, _audits(PROD, report(finding())), _audits(DEV, report()))
    outcome = runner.preview(slot="s1")
    assert outcome.summary is not None
    assert poster.messages == []
    text = cross_account_text(outcome.summary)
    assert text.splitlines()[0].startswith("IAM digest across 2 accounts")
    assert text.splitlines()[-1].split()[0] == "total"
    assert outcome.summary.to_dict()["open_by_severity"]["high"] == 1


def test_cross_account_digest_of_nothing_is_empty() -> None:
    empty = cross_account_digest([], now=NOW)
    assert empty.accounts == ()
    assert empty.new_total == 0
    assert sum(empty.totals().values()) == 0


def test_the_summary_carries_one_chart_with_a_line_per_account() -> None:
    import io

    from PIL import Image

    prod = _audits(PROD, report(finding(name="alice")), report(finding(name="bob")))
    dev = _audits(DEV, report(finding(name="dan", severity=Severity.LOW)))
    poster = FakePoster()
    runner = _runner(poster, prod, dev)
    outcome = runner.run(channel=CHANNEL, slot="s1")
    summary_ts = outcome.message_ts[0]
    threads = {ts: (files, comment) for _c, ts, files, comment in poster.attachments}
    files, comment = threads[summary_ts]
    assert files[0].filename.startswith("iam-trend-accounts-")
    assert comment == "Open findings of 2 accounts over their digests, one line each."
    picture = Image.open(io.BytesIO(files[0].data))
    assert picture.size == (800, 380)
    # Each account's own digest still has its severity chart and the JSON report.
    for ts in outcome.message_ts[1:]:
        names = [f.filename for f in threads[ts][0]]
        assert names[0].startswith("iam-trend-")
        assert names[1].startswith("iam-report-")
