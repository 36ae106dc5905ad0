"""The MFA campaign's I/O: read the state, ask Slack who is who, send DMs, propose enforcement.

Planning is pure (plan.py); this runner only carries the plan out. Every DM and the proposal take
a once-key first, so a second replica (or a retried run) never sends the same reminder twice; a
failed DM gives its key back so the next run tries again. A DM found with its key taken was sent
(by another replica, or by a run that crashed before saving the campaign), so it is recorded as
sent: the campaign keeps its count and the reminders follow from it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.digest.content import CampaignProgress
from bot.mfa_campaign.messages import enrolment_message
from bot.mfa_campaign.plan import (
    DEFAULT_REMIND_DAYS,
    Campaign,
    Dm,
    EnforcementProposal,
    plan,
    progress,
)
from bot.model.errors import DeliveryError, IamAuditError, InputError, StoreError
from bot.model.snapshot import AccountSnapshot
from bot.store.digests import DigestStore

log = logging.getLogger(__name__)

EMAIL_CACHE_SECONDS = 24 * 3600
PROPOSAL_KEY_SECONDS = 365 * 86400


class CampaignPoster(Protocol):
    def direct_message(self, user_id: str, message: dict[str, Any]) -> str: ...

    def lookup_email(self, email: str) -> str | None: ...


# (proposal, channel) -> {iam user: approval request id}; the approvals desk behind it.
Proposer = Callable[[EnforcementProposal, str], Mapping[str, str]]


@dataclass
class CampaignRun:
    """What one run did, for logs and tests."""

    sent: list[str] = field(default_factory=list)  # iam users messaged
    enrolled: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    proposed: dict[str, str] = field(default_factory=dict)  # iam user -> request id


class MfaCampaignRunner:
    def __init__(
        self,
        *,
        store: DigestStore,
        snapshot: Callable[[], AccountSnapshot],
        poster: CampaignPoster | None,
        clock: Callable[[], datetime],
        proposer: Proposer | None = None,
        email_cache_seconds: int = EMAIL_CACHE_SECONDS,
    ) -> None:
        self._store = store
        self._snapshot = snapshot
        self._poster = poster
        self._clock = clock
        self._proposer = proposer
        self._email_ttl = timedelta(seconds=email_cache_seconds)
        self._emails: dict[str, tuple[str | None, datetime]] = {}
        self._guard = threading.Lock()

    # --- state -----------------------------------------------------------------------------

    def current(self) -> Campaign | None:
        data = self._store.campaign()
        return Campaign.from_dict(data) if data else None

    def start(
        self,
        *,
        deadline: datetime,
        owner: str,
        channel: str = "",
        remind_every_days: int = DEFAULT_REMIND_DAYS,
    ) -> Campaign:
        """Start (or restart with new settings, keeping who was already messaged)."""
        previous = self.current()
        campaign = Campaign(
            deadline=deadline,
            owner=owner,
            started_at=self._clock(),
            channel=channel,
            remind_every_days=remind_every_days,
            participants=previous.participants if previous and not previous.stopped else {},
        )
        self._store.save_campaign(campaign.to_dict())
        return campaign

    def stop(self) -> Campaign | None:
        campaign = self.current()
        if campaign is None:
            return None
        stopped = replace(campaign, stopped=True)
        self._store.save_campaign(stopped.to_dict())
        return stopped

    def progress(self, now: datetime) -> CampaignProgress | None:
        """The digest's campaign line (None: no campaign running)."""
        try:
            campaign = self.current()
        except (InputError, StoreError) as exc:
            log.error("MFA campaign unreadable: %s", exc)
            return None
        if campaign is None or campaign.stopped:
            return None
        try:
            snapshot = self._snapshot()
        except IamAuditError:
            snapshot = None
        return progress(campaign, snapshot)

    # --- a run -----------------------------------------------------------------------------

    def run(self) -> CampaignRun:
        result = CampaignRun()
        campaign = self.current()
        if campaign is None or campaign.stopped:
            return result
        now = self._clock()
        snapshot = self._snapshot()
        planned = plan(campaign, snapshot, now)
        result.enrolled = list(planned.enrolled)
        result.unreachable = list(planned.unreachable)
        participants = dict(planned.campaign.participants)
        for dm in planned.messages:
            person = participants[dm.iam_user]
            sent_to = self._send(dm, snapshot.account_id, campaign, result)
            if sent_to:
                participants[dm.iam_user] = replace(
                    person, slack_id=sent_to, messages=dm.number, last_message_at=now
                )
        updated = replace(planned.campaign, participants=participants)
        if planned.propose and self._proposer is not None:
            updated = self._propose(updated, planned.propose, result, now)
        self._store.save_campaign(updated.to_dict())
        return result

    def _send(self, dm: Dm, account_id: str, campaign: Campaign, result: CampaignRun) -> str:
        if self._poster is None:
            return ""
        try:
            slack_id = dm.contact.slack_id or self._lookup(dm.contact.email)
        except DeliveryError as exc:
            log.error("could not look up %s in Slack: %s", dm.iam_user, exc)
            result.failed.append(dm.iam_user)
            return ""
        if not slack_id:
            result.unreachable.append(dm.iam_user)
            return ""
        key = f"mfa:{dm.iam_user}:{dm.number}"
        if not self._store.claim_once(key, campaign.remind_every_days * 86400):
            # Sent already, by another replica or a run that crashed before saving: record it
            # (as of now, the send time being unknown), or it would be sent again once the key
            # expires.
            log.info("MFA campaign DM %d to %s was already sent", dm.number, dm.iam_user)
            return slack_id
        message = enrolment_message(
            iam_user=dm.iam_user,
            account_id=account_id,
            deadline=campaign.deadline,
            kind=dm.kind,
            number=dm.number,
        )
        try:
            self._poster.direct_message(slack_id, message)
        except DeliveryError as exc:
            log.error("MFA campaign DM to %s failed: %s", dm.iam_user, exc)
            self._store.release_once(key)
            result.failed.append(dm.iam_user)
            return ""
        result.sent.append(dm.iam_user)
        return slack_id

    def _lookup(self, email: str) -> str | None:
        if not email or self._poster is None:
            return None
        now = self._clock()
        with self._guard:
            cached = self._emails.get(email.lower())
            if cached and cached[1] > now:
                return cached[0]
        found = self._poster.lookup_email(email)
        with self._guard:
            self._emails[email.lower()] = (found, now + self._email_ttl)
        return found

    def _propose(
        self, campaign: Campaign, users: tuple[str, ...], result: CampaignRun, now: datetime
    ) -> Campaign:
        assert self._proposer is not None
        key = f"mfa:proposal:{campaign.started_at.isoformat()}"
        if not self._store.claim_once(key, PROPOSAL_KEY_SECONDS):
            return campaign
        proposal = EnforcementProposal(users=users, requester=campaign.owner)
        try:
            created = dict(self._proposer(proposal, campaign.channel))
        except IamAuditError as exc:
            log.error("MFA enforcement proposal failed: %s", exc)
            self._store.release_once(key)
            result.failed.extend(users)
            return campaign
        participants = dict(campaign.participants)
        for user, request_id in created.items():
            if user in participants:
                participants[user] = replace(participants[user], request_id=request_id)
        result.proposed = created
        return replace(campaign, participants=participants, proposed_at=now)
