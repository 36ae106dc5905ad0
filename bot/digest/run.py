"""One digest run: audit, compare with the previous digest, post once per (channel, slot).

The idempotency key of the (channel, slot) is taken BEFORE anything is posted: a second replica,
a retried cron job or a coalesced scheduler run finds it taken and stops there. While the run
works the key is a short lease it renews, so a process killed mid-run frees the slot within the
lease instead of holding it (and the day's digest) for days. If the run fails before the message
went out, the key is given back so a retry can still post; once the message is out, the key is
kept for days (a missing attachment is logged, never worth a second digest) and where it went is
recorded at once. Before the first post the run records that it is sending: a run that finds that
record (its predecessor died between Slack's answer and the record) or an unanswered post's doubt
posts with a visible retry note. See `DigestRunner.run`.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.audit.report import Report
from bot.digest.chart import accounts_trend_chart, trend_chart
from bot.digest.content import (
    ApprovalCounts,
    CampaignProgress,
    CrossAccountDigest,
    Digest,
    DigestSummary,
    build_digest,
    cross_account_digest,
    trend,
)
from bot.model.errors import DeliveryError, IamAuditError, InputError, StoreError
from bot.runs.account_audits import AccountAudits
from bot.runs.jobs import AuditJobs
from bot.slack.blocks import MAX_BLOCKS, Message, context, digest_accounts_message
from bot.slack.digest_blocks import accounts_chart_comment, chart_comment, digest_message
from bot.store.digests import SENDING, DigestStore
from bot.store.lock_keeper import kept_alive

log = logging.getLogger(__name__)

SLOT_TTL_SECONDS = 8 * 86400  # longer than any gap between two runs that could share a slot
SLOT_LEASE_SECONDS = 180  # the slot key while a run works: renewed every third, freed by a death
# Recorded as the slot's "posted" ts when a post got no answer: it may be in the channel.
UNCONFIRMED = "unconfirmed"
_DOUBTS = (UNCONFIRMED, SENDING)
# Slack's answers that say the call may have partly happened (docs: internal_error, fatal_error,
# service_unavailable).
_MAYBE_DONE = ("internal_error", "fatal_error", "service_unavailable")
# What Slack's own error codes look like; anything else (slack_sdk's "Received a response in a
# non-JSON format: <html>503 ..." from a gateway) is no answer from Slack.
_SLACK_ERROR_CODE = re.compile(r"[a-z0-9_]{1,100}")
RETRY_NOTE = (
    ":repeat: *Retry:* an earlier attempt to post this digest got no answer from Slack, so it"
    " may already be in this channel. If it is, the two are the same digest."
)


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    title: str
    data: bytes | str


class DigestPoster(Protocol):
    def post_message(self, channel: str, message: Message) -> str: ...

    def attach(
        self, channel: str, thread_ts: str, attachments: list[Attachment], comment: str
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class DigestOutcome:
    status: str  # posted | slot_taken | preview
    channel: str
    slot: str
    digests: tuple[Digest, ...] = ()
    message_ts: tuple[str, ...] = ()
    detail: str = ""
    summary: CrossAccountDigest | None = None  # set when the run covered several accounts

    def sentence(self) -> str:
        """What the CLI and Slack say about the run."""
        if self.status == "slot_taken":
            return (
                f"The digest for slot {self.slot} in {self.channel} was already taken"
                f" ({self.detail}); nothing posted."
            )
        if self.status == "posted":
            extra = f" ({self.detail})" if self.detail else ""
            return f"Digest posted to {self.channel} for slot {self.slot}{extra}."
        return f"Digest for slot {self.slot} (not posted)."


@dataclass
class _Posts:
    """What one run has sent: the ts Slack confirmed, and whether a post went unanswered."""

    channel: str
    slot: str
    retry: bool  # an earlier run's post went unanswered: mark the first message as a retry
    lost: threading.Event = field(default_factory=threading.Event)  # the lease went elsewhere
    ts: list[str] = field(default_factory=list)
    unconfirmed: bool = False
    marked: bool = False  # this run wrote the "sending" mark


def refused_by_slack(exc: BaseException) -> bool:
    """Did Slack answer that it did not post? Then nothing went out and a retry may post.

    Anything else (a timeout, a dropped connection, a bug after the call, or Slack's own
    internal_error / fatal_error) leaves it unknown: DeliveryError.slack_error is Slack's answer
    when it gave one.
    """
    if not isinstance(exc, DeliveryError) or exc.slack_error is None:
        return False
    if not _SLACK_ERROR_CODE.fullmatch(exc.slack_error):  # a 5xx page: may be posted
        return False
    return exc.slack_error not in _MAYBE_DONE


def marked_as_retry(message: Message) -> Message:
    """The message with a visible retry note on top (and in the notification text)."""
    blocks = list(message.get("blocks") or [])
    at = 1 if blocks and blocks[0].get("type") == "header" else 0
    blocks.insert(at, context([RETRY_NOTE]))
    # Over Slack's cap the last block gives way: the note must be seen.
    return {**message, "text": f"Retry: {message.get('text', '')}", "blocks": blocks[:MAX_BLOCKS]}


ApprovalSource = Callable[[datetime | None, datetime], ApprovalCounts]
CampaignSource = Callable[[datetime], "CampaignProgress | None"]


DECIDED_SCAN = 2000  # audit-trail entries read back to count decisions since the last digest


def approval_counts_source(desk: Any) -> ApprovalSource | None:
    """Pending requests from the approvals store, decisions and lapses from the audit trail
    (read-only)."""
    if desk is None:
        return None

    def counts(since: datetime | None, now: datetime) -> ApprovalCounts:
        start = since or now - timedelta(days=1)
        try:
            pending = len(desk.store.pending(now=now))
            decided: Counter[str] = Counter()
            lapsed: set[str] = set()
            last = getattr(desk.trail, "last", None)
            for entry in last(DECIDED_SCAN) if last else ():
                if entry.at < start:
                    continue
                if entry.kind == "decision":
                    decided[str(entry.data.get("state") or "decided")] += 1
                elif is_lapse(entry):
                    lapsed.add(str(entry.request_id))
        except (StoreError, AttributeError) as exc:
            log.error("approval counts unavailable for the digest: %s", exc)
            return ApprovalCounts(known=False)
        return ApprovalCounts(pending=pending, decided=dict(decided), lapsed=len(lapsed))

    return counts


def is_lapse(entry: Any) -> bool:
    """A `result` entry of a pending request that expired with nobody deciding (the desk marks
    it ``lapsed``). An approved request that expired unapplied also ends in an `expired` result,
    but its `decision` already counts it as approved, so it is not a lapse; a lapse written a
    second time by the reconciler (``recovered``) is the same request, counted once by id."""
    data = entry.data
    return entry.kind == "result" and data.get("lapsed") is True and data.get("state") == "expired"


@dataclass(frozen=True, slots=True)
class _SlotLease:
    """The slot key seen as a renewable lock, for bot.store.lock_keeper.kept_alive."""

    store: DigestStore
    channel: str
    slot: str

    def renew_lock(self, name: str, owner: str, ttl_seconds: int) -> bool:
        return self.store.renew_slot(self.channel, self.slot, owner, ttl_seconds)


class _Answer:
    """The digest's request to the bot's audit runs (a bot.runs.jobs.Subscriber): waited on by
    the digest's thread until the audit's result or error arrives."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: Any = None
        self.error: IamAuditError | None = None

    def on_stage(self, stage: str, joined: int) -> None:
        log.debug("digest audit: %s", stage)

    def on_done(self, result: Any) -> None:
        self.result = result
        self.done.set()

    def on_error(self, error: IamAuditError) -> None:
        self.error = error
        self.done.set()


def runner_id() -> str:
    """Who holds a slot or the leader lock: host, pid and a random part (unique per process)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class DigestRunner:
    """Builds and posts digests for the accounts the bot serves."""

    def __init__(
        self,
        *,
        accounts: Sequence[AccountAudits],
        store: DigestStore,
        poster: DigestPoster | None,
        clock: Callable[[], datetime],
        approvals: ApprovalSource | None = None,
        campaign: CampaignSource | None = None,
        owner: str | None = None,
        slot_ttl_seconds: int = SLOT_TTL_SECONDS,
        slot_lease_seconds: int = SLOT_LEASE_SECONDS,
        jobs: AuditJobs | None = None,
    ) -> None:
        """``jobs``: the bot's audit runs (bot.runs.jobs), through which each account's audit
        goes as a request's does: one audit per account at a time across replicas (the
        account lock), a running one joined or waited for and its report reused. Without it
        (the CLI) the audit runs here directly."""
        self._accounts = list(accounts)
        self._jobs = jobs
        self._store = store
        self._poster = poster
        self._clock = clock
        self._approvals = approvals
        self._campaign = campaign
        self.owner = owner or runner_id()
        self._slot_ttl = slot_ttl_seconds
        self._lease = slot_lease_seconds

    def _select(self, names: Sequence[str]) -> list[AccountAudits]:
        if not names:
            return self._accounts
        known = {a.target: a for a in self._accounts}
        missing = [n for n in names if n not in known]
        if missing:
            raise InputError(
                f"the digest names accounts this bot does not serve: {', '.join(missing)}"
                f" (it serves: {', '.join(known) or 'none'})"
            )
        return [known[n] for n in names]

    def preview(self, *, slot: str, accounts: Sequence[str] = ()) -> DigestOutcome:
        """Build the digests without posting or moving the baseline (the CLI without --post)."""
        digests = tuple(self._build(audits, slot) for audits in self._select(accounts))
        return DigestOutcome("preview", "", slot, digests, summary=self._summary(digests))

    def run(self, *, channel: str, slot: str, accounts: Sequence[str] = ()) -> DigestOutcome:
        """Post the digest of ``slot`` to ``channel`` unless someone already took that slot.

        A post that fails without Slack's answer (timeout, dropped connection) may have reached
        the channel. Keeping the slot would lose the digest silently when it did not; giving it
        back would let a retry post a silent duplicate when it did. So the slot is given back
        and the doubt recorded (posted = "unconfirmed"): the retry posts the digest with a
        visible note saying it is a retry, and the channel never misses a digest nor gets an
        unexplained second one. If even the doubt cannot be recorded, the slot is not given
        back but left to its lease: the "sending" mark written before the post makes the run
        after it say it is a retry. A run whose lease was lost posts nothing.
        """
        if self._poster is None:
            raise IamAuditError("posting a digest needs Slack (SLACK_BOT_TOKEN)")
        if not channel:
            raise InputError(
                "no digest channel: set IAM_AUDIT_DIGEST_CHANNEL or pass --channel / #channel"
            )
        selected = self._select(accounts)
        if not self._store.claim_slot(channel, slot, self.owner, self._lease):
            return self._taken(channel, slot)
        previous = self._store.posted_ts(channel, slot)
        if previous and previous not in _DOUBTS:  # posted by a run whose lease has ended
            self._keep(channel, slot)
            return self._taken(channel, slot, previous)
        lease = _SlotLease(self._store, channel, slot)
        with kept_alive(lease, slot, self.owner, self._lease) as lost:
            return self._post_all(_Posts(channel, slot, previous in _DOUBTS, lost), selected)

    def _taken(self, channel: str, slot: str, posted: str | None = None) -> DigestOutcome:
        """``posted``: the posted record when the caller has just read it."""
        posted = posted or self._store.posted_ts(channel, slot)
        if posted and posted not in _DOUBTS:
            detail = f"posted as message {posted}"
        else:
            detail = f"claimed by {self._store.slot_owner(channel, slot) or 'expired meanwhile'}"
        log.info("digest slot %s in %s already taken (%s)", slot, channel, detail)
        return DigestOutcome("slot_taken", channel, slot, detail=detail)

    def _keep(self, channel: str, slot: str) -> None:
        """Posted: hold the slot for days (a lost renewal leaves the posted record to say so)."""
        try:
            self._store.renew_slot(channel, slot, self.owner, self._slot_ttl)
        except StoreError as exc:
            log.error("could not keep digest slot %s in %s: %s", slot, channel, exc)

    def _post_all(self, posts: _Posts, selected: Sequence[AccountAudits]) -> DigestOutcome:
        digests: list[Digest] = []
        problems: list[str] = []
        summary: CrossAccountDigest | None = None
        try:
            # Every account is audited before anything is posted: a failure leaves no half digest.
            built = [(audits, self._build(audits, posts.slot)) for audits in selected]
            summary = self._summary([d for _, d in built])
            if summary is not None:  # several accounts: the cross-account summary comes first
                ts = self._send(posts, digest_accounts_message(summary))
                self._attach_accounts_chart(posts.channel, ts, built, problems)
            for audits, digest in built:
                self._post(posts, audits.target, digest, problems)
                digests.append(digest)
                self._remember(audits.target, digest)
        except Exception:
            if not posts.ts:
                self._give_back(posts)
            else:
                self._keep(posts.channel, posts.slot)
            raise
        self._keep(posts.channel, posts.slot)
        return DigestOutcome(
            "posted",
            posts.channel,
            posts.slot,
            tuple(digests),
            tuple(posts.ts),
            "; ".join(problems),
            summary=summary,
        )

    def _send(self, posts: _Posts, message: Message) -> str:
        """Post one message; the run's first one is recorded as where the digest went at once,
        so a failure later in the run (the baseline, the next account) cannot lose it."""
        assert self._poster is not None
        if posts.retry and not posts.ts:
            message = marked_as_retry(message)
        if posts.lost.is_set() and not posts.ts:
            raise IamAuditError(f"the digest slot {posts.slot} lease was lost; nothing posted")
        if not posts.ts and not posts.retry:
            # The intent first: if it cannot be written, nothing is sent (StoreError).
            self._store.mark_sending(posts.channel, posts.slot, self._slot_ttl)
            posts.marked = True
        try:
            ts = self._poster.post_message(posts.channel, message)
        except Exception as exc:
            posts.unconfirmed = posts.unconfirmed or not refused_by_slack(exc)
            raise
        posts.ts.append(ts)
        if len(posts.ts) == 1:
            try:
                self._store.mark_posted(posts.channel, posts.slot, ts, self._slot_ttl)
            except StoreError as exc:  # the key itself still guards the slot
                log.error("could not record the posted digest %s: %s", posts.slot, exc)
        return ts

    def _give_back(self, posts: _Posts) -> None:
        """Nothing confirmed out: give the slot back so a retry can post, recording first that
        a post may be out if one went unanswered (the retry then says it is one). A run whose
        lease went to another leaves the slot's records alone: they are the new holder's."""
        if posts.lost.is_set():
            return
        try:
            if posts.unconfirmed:
                self._store.mark_posted(posts.channel, posts.slot, UNCONFIRMED, self._slot_ttl)
            elif posts.marked:  # refused: no doubt to leave behind
                self._store.clear_posted(posts.channel, posts.slot)
        except StoreError as exc:
            if posts.unconfirmed:
                log.error(
                    "digest %s in %s may or may not have been posted and that could not be"
                    " recorded; the slot stays taken rather than risk a silent duplicate: %s",
                    posts.slot,
                    posts.channel,
                    exc,
                )
                return
            log.error("could not clear the sending mark of digest %s: %s", posts.slot, exc)
        try:
            self._store.release_slot(posts.channel, posts.slot, self.owner)
        except StoreError as exc:
            log.error("could not give back digest slot %s: %s", posts.slot, exc)

    def _summary(self, digests: Sequence[Digest]) -> CrossAccountDigest | None:
        """The cross-account view when the run covers several accounts (None for one)."""
        if len(digests) < 2:
            return None
        return cross_account_digest(digests, now=self._clock())

    # --- steps -----------------------------------------------------------------------------

    def _build(self, audits: AccountAudits, slot: str) -> Digest:
        result = self._audit(audits)
        now = self._clock()
        previous, previous_at = self._previous(audits.target)
        try:
            snapshot = audits.snapshot().snapshot
        except InputError:
            snapshot = None
        approvals = (
            self._approvals(previous_at, now) if self._approvals else ApprovalCounts(known=False)
        )
        campaign = self._campaign(now) if self._campaign else None
        return build_digest(
            current=result.report,
            report_id=result.report_id,
            previous=previous,
            previous_at=previous_at,
            slot=slot,
            now=now,
            snapshot=snapshot,
            approvals=approvals,
            campaign=campaign,
        )

    def _audit(self, audits: AccountAudits) -> Any:
        """The account's audit for this digest. Through the bot's audit runs when it has them:
        an audit of the account already running (a user's `/iam-audit audit` on this replica or
        another) is joined or waited for and its report used, and a user asking while the
        digest audits joins or waits for the digest's, instead of a second audit at once."""
        if self._jobs is None:
            return audits.run(lambda stage: log.debug("digest audit: %s", stage), None)
        answer = _Answer()
        self._jobs.submit(audits.target, audits.run, answer)  # run(progress, since): every check
        answer.done.wait()
        if answer.error is not None:
            raise answer.error
        return answer.result

    def _previous(self, account: str) -> tuple[Report | None, datetime | None]:
        record = self._store.last_report(account)
        if record is None:
            return None, None
        try:
            report = Report.from_dict(record["data"])
            summary = DigestSummary.from_dict(record)
        except (KeyError, TypeError, ValueError, InputError) as exc:
            log.warning("previous digest of %s unreadable (%s); starting afresh", account, exc)
            return None, None
        return report, summary.at

    def history(self, account: str) -> list[DigestSummary]:
        points = []
        for item in self._store.summaries(account):
            try:
                points.append(DigestSummary.from_dict(item))
            except (TypeError, ValueError) as exc:
                log.warning("skipped a malformed digest history entry of %s: %s", account, exc)
        return points

    def chart(self, account: str, digest: Digest) -> tuple[bytes, int]:
        """The trend PNG: the stored history of ``account`` plus this digest; and its length."""
        points = trend(self.history(account), digest.summary())
        return trend_chart(points, account_id=digest.account_id), len(points)

    def _attach_accounts_chart(
        self, channel: str, ts: str, built: Sequence[tuple[Any, Digest]], problems: list[str]
    ) -> None:
        """One line per account (open findings over their digests) under the summary."""
        assert self._poster is not None
        try:
            histories = {
                audits.target: trend(self.history(audits.target), digest.summary())
                for audits, digest in built
            }
            png = accounts_trend_chart(histories)
            stamp = f"{self._clock():%Y%m%d}"
            self._poster.attach(
                channel,
                ts,
                [Attachment(f"iam-trend-accounts-{stamp}.png", "Open findings by account", png)],
                accounts_chart_comment(len(histories)),
            )
        except (DeliveryError, StoreError) as exc:
            log.error("the cross-account chart for %s failed: %s", channel, exc)
            problems.append("the cross-account chart could not be attached")

    def _post(self, posts: _Posts, account: str, digest: Digest, problems: list[str]) -> str:
        assert self._poster is not None
        channel = posts.channel
        ts = self._send(posts, digest_message(digest))
        try:
            png, points = self.chart(account, digest)
            report_json = json.dumps(digest.report.to_dict(), indent=2, sort_keys=True)
            stamp = f"{digest.generated_at:%Y%m%d}"
            self._poster.attach(
                channel,
                ts,
                [
                    Attachment(f"iam-trend-{stamp}.png", "Open findings by severity", png),
                    Attachment(f"iam-report-{stamp}.json", "Full audit report", report_json),
                ],
                chart_comment(points),
            )
        except (DeliveryError, StoreError) as exc:
            # The digest itself is out; a second digest would be worse than a missing file.
            log.error("digest attachments for %s failed: %s", channel, exc)
            problems.append("the chart and report could not be attached")
        return ts

    def _remember(self, account: str, digest: Digest) -> None:
        summary = digest.summary().to_dict()
        self._store.add_summary(account, summary)
        self._store.save_last_report(account, {**summary, "data": digest.report.to_dict()})
