"""The approval request and its state machine (pure: time is passed in, nothing is stored here).

pending -> approved -> applying -> applied | partly_applied | failed;
pending -> rejected | expired | cancelled; approved -> expired when the bot was interrupted
between the approval and the apply and the request's time ran out before it could resume.
While applying, the request is a write-ahead journal: the call about to be sent (``in_flight``)
is stored before it goes out and each result (``calls``) as it returns, so a request left
``applying`` by a crash can be reconciled against the real IAM state.
Every other move is refused with a sentence fit for the person who clicked, so a second click on a
decided request is told what happened instead of changing anything.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.model.errors import IamAuditError
from bot.model.snapshot import parse_aws_time

DEFAULT_TTL = timedelta(hours=24)


class State(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    APPLYING = "applying"
    APPLIED = "applied"
    PARTLY_APPLIED = "partly_applied"
    FAILED = "failed"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATES


FINAL_STATES = frozenset(
    {
        State.APPLIED,
        State.PARTLY_APPLIED,
        State.FAILED,
        State.REJECTED,
        State.EXPIRED,
        State.CANCELLED,
    }
)

# How an apply ends.
APPLY_ENDS = frozenset({State.APPLIED, State.PARTLY_APPLIED, State.FAILED})
# The ends whose last word in the trail is the `decision` entry of who decided (a rejection, a
# withdrawal); every other end's is a `result` entry (an apply's end, an expiry).
DECISION_ENDS = frozenset({State.REJECTED, State.CANCELLED})


def owes_result(before: State, after: State) -> bool:
    """Whether the move from ``before`` to ``after`` ends the request, so its trail owes it a last
    word (a `result`, or the `decision` of a rejection or withdrawal): the store indexes it as
    unrecorded until that entry is written, and the reconciler writes what a failure lost."""
    return after is not before and after.is_final


# The only moves the store will make; anything else is a TransitionRefused.
TRANSITIONS: dict[State, frozenset[State]] = {
    # pending -> expired only past expires_at: the request lapsed with nobody deciding.
    State.PENDING: frozenset({State.APPROVED, State.REJECTED, State.EXPIRED, State.CANCELLED}),
    # approved -> expired only past expires_at: an interrupted apply resumed too late.
    State.APPROVED: frozenset({State.APPLYING, State.EXPIRED}),
    State.APPLYING: frozenset({State.APPLIED, State.PARTLY_APPLIED, State.FAILED}),
}

# The verb a decision is remembered by, for "already approved by ..." answers.
_VERBS = {
    State.APPROVED: "approved",
    State.REJECTED: "rejected",
    State.EXPIRED: "expired",
    State.CANCELLED: "cancelled",
    State.APPLYING: "being applied",
    State.APPLIED: "applied",
    State.PARTLY_APPLIED: "partly applied",
    State.FAILED: "failed",
}


class TransitionRefused(IamAuditError):
    """The request is not in a state that allows this move; the message says why."""

    def __init__(self, message: str, *, state: State) -> None:
        self.state = state
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Target:
    """What a change acts on: an IAM user, group or role, or an account-level resource."""

    kind: str  # user | group | role | access_key | server_certificate | analyzer
    name: str
    arn: str = ""

    def describe(self) -> str:
        return f"{self.kind.replace('_', ' ')} {self.name}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "arn": self.arn}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Target:
        return cls(str(data["kind"]), str(data["name"]), str(data.get("arn", "")))


@dataclass(frozen=True, slots=True)
class Decision:
    """One recorded move: who made it, when, to which state, and why (reject reason, error)."""

    state: State
    actor: str  # Slack user id, or "bot" for expiry and the apply steps
    at: datetime
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state.value,
            "actor": self.actor,
            "at": self.at.isoformat(),
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Decision:
        return cls(State(data["state"]), data["actor"], _time(data["at"]), data.get("reason", ""))


@dataclass(frozen=True, slots=True)
class ApprovalRequest:
    """A proposed IAM change, exactly as the approver sees it, and everything decided about it.

    ``change`` names the remediation and its parameters; ``document``/``diff`` are the exact
    content shown; ``content_hash`` covers change, target and document, so what was approved is
    what gets applied. ``fingerprint`` is the target's relevant state when the request was made.
    """

    id: str
    requester: str
    target: Target
    change: dict[str, Any]  # {"remediation": id, "params": {...}}
    summary: str
    steps: tuple[str, ...]
    undo: str
    created_at: datetime
    expires_at: datetime
    fingerprint: str
    target_state: dict[str, Any] = field(default_factory=dict)  # what the fingerprint covers
    content_hash: str = ""
    document: dict[str, Any] | None = None
    diff: str = ""
    impact: dict[str, Any] = field(default_factory=dict)
    lint: tuple[dict[str, Any], ...] = ()
    iam_actions: tuple[str, ...] = ()
    state: State = State.PENDING
    decisions: tuple[Decision, ...] = ()
    calls: tuple[dict[str, Any], ...] = ()  # AWS call records of the apply, as they returned
    in_flight: dict[str, Any] = field(default_factory=dict)  # the call sent and not yet answered
    # For a partly applied request: the change that reverses what holds (set by reconciliation).
    undo_change: dict[str, Any] = field(default_factory=dict)
    outcome: str = ""
    origin_channel: str = ""
    channel: str = ""
    message_ts: str = ""
    undo_of: str = ""

    def __post_init__(self) -> None:
        if not self.content_hash:
            object.__setattr__(self, "content_hash", content_hash(self))

    @property
    def remediation(self) -> str:
        return str(self.change.get("remediation", ""))

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.change.get("params") or {})

    def current_state(self, now: datetime) -> State:
        """The state as of ``now``: a pending request past its expiry is expired, even unwritten."""
        if self.state is State.PENDING and now >= self.expires_at:
            return State.EXPIRED
        return self.state

    @property
    def lapsed(self) -> bool:
        """Expired with nobody having approved it (as opposed to an approval closed unapplied)."""
        return self.state is State.EXPIRED and self.decision(State.APPROVED) is None

    def decision(self, state: State) -> Decision | None:
        return next((d for d in reversed(self.decisions) if d.state is state), None)

    @property
    def approver(self) -> str:
        decision = self.decision(State.APPROVED)
        return decision.actor if decision else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "requester": self.requester,
            "target": self.target.to_dict(),
            "change": self.change,
            "summary": self.summary,
            "steps": list(self.steps),
            "undo": self.undo,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "fingerprint": self.fingerprint,
            "target_state": self.target_state,
            "content_hash": self.content_hash,
            "document": self.document,
            "diff": self.diff,
            "impact": self.impact,
            "lint": list(self.lint),
            "iam_actions": list(self.iam_actions),
            "state": self.state.value,
            "decisions": [d.to_dict() for d in self.decisions],
            "calls": list(self.calls),
            "in_flight": self.in_flight,
            "undo_change": self.undo_change,
            "outcome": self.outcome,
            "origin_channel": self.origin_channel,
            "channel": self.channel,
            "message_ts": self.message_ts,
            "undo_of": self.undo_of,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ApprovalRequest:
        return cls(
            id=data["id"],
            requester=data["requester"],
            target=Target.from_dict(data["target"]),
            change=dict(data["change"]),
            summary=data.get("summary", ""),
            steps=tuple(data.get("steps") or ()),
            undo=data.get("undo", ""),
            created_at=_time(data["created_at"]),
            expires_at=_time(data["expires_at"]),
            fingerprint=data.get("fingerprint", ""),
            target_state=dict(data.get("target_state") or {}),
            content_hash=data.get("content_hash", ""),
            document=data.get("document"),
            diff=data.get("diff", ""),
            impact=dict(data.get("impact") or {}),
            lint=tuple(data.get("lint") or ()),
            iam_actions=tuple(data.get("iam_actions") or ()),
            state=State(data.get("state", "pending")),
            decisions=tuple(Decision.from_dict(d) for d in data.get("decisions") or ()),
            calls=tuple(data.get("calls") or ()),
            in_flight=dict(data.get("in_flight") or {}),
            undo_change=dict(data.get("undo_change") or {}),
            outcome=data.get("outcome", ""),
            origin_channel=data.get("origin_channel", ""),
            channel=data.get("channel", ""),
            message_ts=data.get("message_ts", ""),
            undo_of=data.get("undo_of", ""),
        )

    @classmethod
    def from_json(cls, text: str) -> ApprovalRequest:
        return cls.from_dict(json.loads(text))


def content_hash(request: ApprovalRequest) -> str:
    """SHA-256 of what will be applied (change, target, document): what the approver approves."""
    material = {
        "change": request.change,
        "target": request.target.to_dict(),
        "document": request.document,
    }
    canonical = json.dumps(material, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def transition(
    request: ApprovalRequest,
    to: State,
    *,
    actor: str,
    now: datetime,
    reason: str = "",
    **changes: Any,
) -> ApprovalRequest:
    """The request after the move ``to``, or TransitionRefused saying what happened before.

    Expiry is judged here too: approving a pending request whose time is up is refused.
    """
    current = request.current_state(now)
    if to is State.EXPIRED and request.state is State.PENDING and current is State.EXPIRED:
        pass  # writing down an expiry that already happened is allowed
    elif current is State.EXPIRED and request.state is State.PENDING:
        raise TransitionRefused(_lapsed_text(request), state=State.EXPIRED)
    elif to not in TRANSITIONS.get(current, frozenset()):
        raise TransitionRefused(already_decided(request), state=current)
    elif to is State.EXPIRED and now < request.expires_at:
        raise TransitionRefused(
            f"request {request.id} has not expired (it does at"
            f" {request.expires_at.isoformat(timespec='seconds')})",
            state=current,
        )
    decision = Decision(to, actor, now, reason)
    return replace(request, state=to, decisions=(*request.decisions, decision), **changes)


def journalled(
    request: ApprovalRequest,
    *,
    sending: dict[str, Any] | None = None,
    result: dict[str, Any] | None = None,
) -> ApprovalRequest:
    """The applying request with a call about to be sent (``sending``) or a call's ``result``.

    Only an applying request keeps a journal: a reconciler may have finished it meanwhile, and
    then the applier must stop rather than write over the decided request.
    """
    if request.state is not State.APPLYING:
        raise TransitionRefused(
            f"request {request.id} is {request.state.value}, no longer applying",
            state=request.state,
        )
    if result is not None:
        return replace(request, calls=(*request.calls, result), in_flight={})
    return replace(request, in_flight=dict(sending or {}))


def already_decided(request: ApprovalRequest) -> str:
    """ "already approved by <@U..> at ..." for a click on a request that has moved on."""
    state = request.state
    if request.lapsed:  # the bot's word is a formality: when its time ran out is what matters
        return _lapsed_text(request)
    decision = request.decision(state) if state is not State.PENDING else None
    # After approval the approver is the interesting person, whatever the apply did since.
    if state in (
        State.APPLYING,
        State.APPLIED,
        State.PARTLY_APPLIED,
        State.FAILED,
        State.EXPIRED,  # approved, then expired before an interrupted apply could resume
    ) and request.decision(State.APPROVED):
        decision = request.decision(State.APPROVED)
        verb = f"already approved (now {_VERBS[state]})"
    else:
        verb = f"already {_VERBS.get(state, state.value)}"
    if decision is None:
        return f"This request is {state.value}; nothing was changed."
    if state is State.APPLYING:
        who = "automatically" if decision.actor == "bot" else f"by <@{decision.actor}>"
        return (
            f"This request was already approved {who} and is being applied; nothing more was"
            " changed. If the bot was interrupted, it finishes the request from IAM's real state"
            " within minutes."
        )
    who = "automatically" if decision.actor == "bot" else f"by <@{decision.actor}>"
    when = decision.at.isoformat(timespec="seconds")
    if state is State.APPROVED:  # the click that approved applies it; after a crash, the bot does
        return (
            f"This request was {verb} {who} at {when}; nothing was changed. The bot applies"
            " it; if it was interrupted, it does so within minutes (or closes the request if its"
            " time ran out)."
        )
    return f"This request was {verb} {who} at {when}; nothing was changed."


def lapse_outcome(request: ApprovalRequest) -> str:
    """The outcome of a pending request whose time ran out, for its message and its trail."""
    when = request.expires_at.isoformat(timespec="seconds")
    return (
        f"Lapsed: nobody approved or rejected it before it expired at {when}. Nothing was"
        " changed; make a new request if it is still needed."
    )


def _lapsed_text(request: ApprovalRequest) -> str:
    """What a click on a lapsed request is told: when it expired, by the request's own clock
    (not when the bot wrote the expiry down, which may be days later)."""
    when = request.expires_at.isoformat(timespec="seconds")
    return (
        f"This request expired at {when} before anyone approved or rejected it; nothing was"
        " changed. Ask the requester to make a new one."
    )


def _time(text: str) -> datetime:
    parsed = parse_aws_time(text)
    if parsed is None:
        raise ValueError(f"not a timestamp: {text!r}")
    return parsed
