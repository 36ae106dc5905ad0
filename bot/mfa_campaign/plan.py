"""Planning the MFA campaign (pure): who is asked, who is reminded, when enforcement is proposed.

Only console users (with a password) without MFA are in the campaign: the enforcement policy
denies everything but MFA self-service until a session has MFA, which is right for people and
would break access-key-only automation that can never present MFA.

State is a JSON document (stored by the runner); time is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from bot.digest.content import CampaignProgress
from bot.model.errors import InputError
from bot.model.snapshot import AccountSnapshot, parse_aws_time

SLACK_ID_TAG = "slack-user-id"
EMAIL_TAG = "email"
ENFORCEMENT_POLICY = "mfa-self-service-enforce"
DEFAULT_REMIND_DAYS = 3
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class Contact:
    """How to find an IAM user in Slack: an id from a tag, or an email to look up."""

    iam_user: str
    slack_id: str = ""
    email: str = ""

    @property
    def reachable(self) -> bool:
        return bool(self.slack_id or self.email)


def contact_of(snapshot: AccountSnapshot, iam_user: str) -> Contact:
    """The user's `slack-user-id` tag wins over its `email` tag; malformed tags are ignored."""
    user = next((u for u in snapshot.users if u.name == iam_user), None)
    tags = {k.lower(): v.strip() for k, v in (user.tags if user else {}).items()}
    slack_id = tags.get(SLACK_ID_TAG, "")
    email = tags.get(EMAIL_TAG, "")
    return Contact(
        iam_user,
        slack_id if _SLACK_USER.match(slack_id) else "",
        email if _EMAIL.match(email) else "",
    )


def console_users_without_mfa(snapshot: AccountSnapshot) -> tuple[str, ...]:
    rows = snapshot.credential_report or ()
    return tuple(
        sorted(
            r.user
            for r in rows
            if not r.is_root and r.flag("password_enabled") and not r.flag("mfa_active")
        )
    )


@dataclass(frozen=True, slots=True)
class Participant:
    iam_user: str
    slack_id: str = ""
    messages: int = 0  # DMs sent so far (1 = the invitation)
    last_message_at: datetime | None = None
    enrolled_at: datetime | None = None
    request_id: str = ""  # the enforcement approval request, once proposed

    def to_dict(self) -> dict[str, Any]:
        return {
            "iam_user": self.iam_user,
            "slack_id": self.slack_id,
            "messages": self.messages,
            "last_message_at": self.last_message_at.isoformat() if self.last_message_at else None,
            "enrolled_at": self.enrolled_at.isoformat() if self.enrolled_at else None,
            "request_id": self.request_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Participant:
        return cls(
            iam_user=str(data["iam_user"]),
            slack_id=str(data.get("slack_id") or ""),
            messages=int(data.get("messages") or 0),
            last_message_at=parse_aws_time(data.get("last_message_at")),
            enrolled_at=parse_aws_time(data.get("enrolled_at")),
            request_id=str(data.get("request_id") or ""),
        )


@dataclass(frozen=True, slots=True)
class Campaign:
    """The campaign document: its settings and one record per user it concerns."""

    deadline: datetime
    owner: str  # Slack user id: the requester of the enforcement proposal
    started_at: datetime
    channel: str = ""  # where the enforcement proposal is posted (empty: the approvals channel)
    remind_every_days: int = DEFAULT_REMIND_DAYS
    participants: Mapping[str, Participant] = field(default_factory=dict)
    proposed_at: datetime | None = None
    stopped: bool = False

    def __post_init__(self) -> None:
        if not _SLACK_USER.match(self.owner):
            raise InputError(f"campaign owner {self.owner!r} is not a Slack user id (U...)")
        if self.deadline <= self.started_at:
            raise InputError("the campaign deadline must be in the future")
        if not 1 <= self.remind_every_days <= 30:
            raise InputError("reminders must be 1 to 30 days apart")

    def to_dict(self) -> dict[str, Any]:
        return {
            "deadline": self.deadline.isoformat(),
            "owner": self.owner,
            "started_at": self.started_at.isoformat(),
            "channel": self.channel,
            "remind_every_days": self.remind_every_days,
            "participants": {k: p.to_dict() for k, p in sorted(self.participants.items())},
            "proposed_at": self.proposed_at.isoformat() if self.proposed_at else None,
            "stopped": self.stopped,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Campaign:
        try:
            deadline = parse_aws_time(data["deadline"])
            started = parse_aws_time(data["started_at"])
            if deadline is None or started is None:
                raise ValueError("deadline and start are required")
            return cls(
                deadline=deadline,
                owner=str(data["owner"]),
                started_at=started,
                channel=str(data.get("channel") or ""),
                remind_every_days=int(data.get("remind_every_days") or DEFAULT_REMIND_DAYS),
                participants={
                    str(k): Participant.from_dict(v)
                    for k, v in dict(data.get("participants") or {}).items()
                },
                proposed_at=parse_aws_time(data.get("proposed_at")),
                stopped=bool(data.get("stopped")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"the stored MFA campaign is malformed: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Dm:
    """One DM to send: which user, which Slack id (or email to look up), which kind."""

    iam_user: str
    contact: Contact
    kind: str  # invitation | reminder
    number: int  # 1 = invitation, 2.. = reminders (the idempotency key uses it)


@dataclass(frozen=True, slots=True)
class CampaignPlan:
    messages: tuple[Dm, ...]
    enrolled: tuple[str, ...]  # newly enrolled since the last run
    unreachable: tuple[str, ...]  # no usable tag: the digest lists them for a human
    propose: tuple[str, ...]  # deadline passed: propose enforcement for these users
    campaign: Campaign  # the document after the enrolments (messages are recorded when sent)


def plan(campaign: Campaign, snapshot: AccountSnapshot, now: datetime) -> CampaignPlan:
    """What to do at ``now`` given the account as it is in ``snapshot``."""
    missing = set(console_users_without_mfa(snapshot))
    participants = dict(campaign.participants)
    enrolled: list[str] = []
    for name, person in participants.items():
        if person.enrolled_at is None and name not in missing:
            participants[name] = replace(person, enrolled_at=now)
            enrolled.append(name)
    for name in sorted(missing):
        person = participants.get(name)
        if person is None:
            participants[name] = Participant(name)
        elif person.enrolled_at is not None:  # MFA removed again: back in the campaign
            participants[name] = replace(person, enrolled_at=None)
    updated = replace(campaign, participants=participants)
    if campaign.stopped:
        return CampaignPlan((), tuple(sorted(enrolled)), (), (), updated)
    messages: list[Dm] = []
    unreachable: list[str] = []
    propose: list[str] = []
    before_deadline = now < campaign.deadline
    interval = timedelta(days=campaign.remind_every_days)
    for name in sorted(missing):
        person = participants[name]
        contact = contact_of(snapshot, name)
        if not contact.reachable and not person.slack_id:
            unreachable.append(name)
        elif before_deadline:
            due = person.last_message_at is None or now - person.last_message_at >= interval
            if due:
                if person.slack_id and not contact.slack_id:
                    contact = replace(contact, slack_id=person.slack_id)
                kind = "invitation" if person.messages == 0 else "reminder"
                messages.append(Dm(name, contact, kind, person.messages + 1))
        if not before_deadline and campaign.proposed_at is None and not person.request_id:
            propose.append(name)
    return CampaignPlan(
        tuple(messages), tuple(sorted(enrolled)), tuple(unreachable), tuple(propose), updated
    )


def progress(campaign: Campaign, snapshot: AccountSnapshot | None) -> CampaignProgress:
    """The digest's view: enrolled vs. remaining among everyone the campaign concerned."""
    remaining = set(console_users_without_mfa(snapshot)) if snapshot else set()
    if snapshot is None:
        remaining = {n for n, p in campaign.participants.items() if p.enrolled_at is None}
    names = set(campaign.participants) | remaining
    enrolled = len(names - remaining)
    unmapped = sum(1 for n in remaining if not contact_of(snapshot, n).reachable) if snapshot else 0
    return CampaignProgress(
        enrolled=enrolled,
        remaining=len(remaining),
        unmapped=unmapped,
        deadline=campaign.deadline,
        proposed=campaign.proposed_at is not None,
    )


@dataclass(frozen=True, slots=True)
class EnforcementProposal:
    """The change proposed at the deadline: attach the enforcement policy to each user, as data.

    The approvals desk turns each item into one approval request (one target per request), so
    an approver sees and approves exactly what will be attached to whom.
    """

    users: tuple[str, ...]
    requester: str
    policy: str = ENFORCEMENT_POLICY

    def params(self, user: str) -> dict[str, Any]:
        return {"target_kind": "user", "target_name": user, "catalogue": self.policy}
