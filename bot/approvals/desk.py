"""The approvals desk: turns a proposal into a request, judges clicks, applies what was approved.

It speaks to the outside only through what it is given (a store, an audit log, an executor, a
clock, a snapshot source), so it stays free of boto3, redis and Slack and is tested with fakes
as well as with the real adapters.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.approvals.catalogue import PolicyCatalogue
from bot.approvals.journal import CallJournal
from bot.approvals.model import (
    DECISION_ENDS,
    FINAL_STATES,
    ApprovalRequest,
    State,
    Target,
    TransitionRefused,
    content_hash,
    lapse_outcome,
)
from bot.approvals.rules import ApprovalRules, IsMember
from bot.audit.findings import Finding
from bot.model.errors import IamAuditError, InputError, RemediationError, StoreError
from bot.model.snapshot import AccountSnapshot, parse_aws_time
from bot.remediation.plan import Plan
from bot.remediation.registry import get_remediation, params_for_finding

log = logging.getLogger(__name__)

MAX_LISTED_ACTIONS = 40
MAX_GROUP_MEMBERS_SIMULATED = 3


class Refused(IamAuditError):
    """The person may not do this (not a requester/approver, own request, nothing configured)."""


class ApplyInterrupted(IamAuditError):
    """The apply stopped because its journal could not be written; the request stays applying
    and the reconciler finishes it against IAM once the store is back."""


class Executor(Protocol):
    def read_state(self, kind: str, name: str, params: dict[str, Any]) -> dict[str, Any]: ...

    def apply(
        self,
        remediation: str,
        params: dict[str, Any],
        *,
        request_id: str,
        requester: str,
        approver: str,
        journal: Any = None,
    ) -> Any:
        """Returns an object with .ok, .outcome and .calls (records with .to_dict())."""
        ...

    def attached_policies(self, kind: str, name: str) -> list[tuple[str, str]]: ...

    def took_effect(self, intent: dict[str, Any]) -> bool | None:
        """Does IAM now show what this journalled call asked for? None for a read."""
        ...

    def change_in_effect(
        self, remediation: str, params: dict[str, Any], calls: list[dict[str, Any]]
    ) -> bool: ...

    def undo_of_partial(self, held: list[dict[str, Any]]) -> dict[str, Any] | None: ...


class Store(Protocol):
    def create(self, request: ApprovalRequest) -> None: ...
    def get(self, request_id: str, *, now: datetime) -> ApprovalRequest | None: ...
    def transition(
        self,
        request_id: str,
        to: State,
        *,
        actor: str,
        now: datetime,
        reason: str = "",
        told: bool = False,
        **c: Any,
    ) -> ApprovalRequest: ...
    def annotate(self, request_id: str, **changes: Any) -> ApprovalRequest: ...
    def journal(
        self,
        request_id: str,
        *,
        sending: dict[str, Any] | None = None,
        result: dict[str, Any] | None = None,
    ) -> ApprovalRequest: ...
    def overdue(self, *, now: datetime) -> list[ApprovalRequest]: ...
    def applying(self) -> list[ApprovalRequest]: ...
    def approved(self, *, before: datetime | None = None) -> list[ApprovalRequest]: ...
    def unrecorded(self, *, before: datetime | None = None) -> list[ApprovalRequest]: ...
    def result_recorded(self, request_id: str) -> None: ...
    def claim_unrecorded(self, request_id: str, *, due_by: datetime, now: datetime) -> bool: ...
    def claim_notice(self, request_id: str, *, now: datetime, told: bool = False) -> bool: ...
    def notice_told(self, request_id: str) -> None: ...
    def untold(self, *, before: datetime) -> list[ApprovalRequest]: ...
    def reclaim_notice(self, request_id: str, *, due_by: datetime, now: datetime) -> int: ...
    def needs_backfill(self) -> bool: ...
    def backfill(self, *, lost_results: Collection[str], ended_before: datetime) -> int: ...


class Trail(Protocol):
    def append(self, entry: Any) -> str: ...

    def last(self, count: int) -> list[Any]:
        """The newest ``count`` entries (with .kind, .request_id, .data), newest first."""
        ...

    def export(self) -> Iterator[Any]:
        """Every entry, oldest first (read once, to index what an older version stored)."""
        ...


Fingerprint = Callable[[dict[str, Any]], str]
Explain = Callable[[dict[str, Any], dict[str, Any]], str]
Linter = Callable[[dict[str, Any]], list[dict[str, Any]]]
ImpactOf = Callable[[Plan], dict[str, Any]]
EntryFactory = Callable[..., Any]
JournalFactory = Callable[[Callable[[dict[str, Any]], None], Callable[[dict[str, Any]], None]], Any]
RECONCILE_AFTER = timedelta(minutes=10)
# Attempts at telling Slack of one end (the claimant's, then one per reconciler round a stale
# window apart: about an hour at the default 10 minutes). The delivery retries a 429 or a dropped
# connection within each attempt, so what is left failing after this is lasting (message
# deleted, channel archived, token revoked); the end stays in the store and the trail.
MAX_NOTICE_ATTEMPTS = 7
RESUMED_NOTE = "(Resumed by the bot after an interruption between the approval and the apply.)"


@dataclass
class ApprovalDesk:
    rules: ApprovalRules
    store: Store
    trail: Trail
    executor: Callable[[], Executor]
    clock: Callable[[], datetime]
    catalogue: PolicyCatalogue
    fingerprint: Fingerprint
    explain: Explain
    entry: EntryFactory  # builds an audit-trail entry (kind, request_id, actor, at, data)
    impact_of: ImpactOf | None = None
    lint: Linter | None = None
    new_id: Callable[[], str] = lambda: uuid.uuid4().hex[:12]

    # --- proposals -----------------------------------------------------------------------------

    def propose(
        self,
        *,
        requester: str,
        remediation: str,
        params: Mapping[str, Any],
        is_member: IsMember,
        origin_channel: str = "",
        undo_of: str = "",
    ) -> ApprovalRequest:
        """Check the requester, plan the change, read the target, simulate and lint, then store."""
        refusal = self.rules.request_refusal(requester, is_member)
        if refusal:
            raise Refused(refusal)
        params = self._resolved(remediation, dict(params))
        plan = get_remediation(remediation).plan(params)
        return self._create(
            plan, requester=requester, origin_channel=origin_channel, undo_of=undo_of
        )

    def propose_for_finding(
        self,
        *,
        requester: str,
        finding: Finding,
        snapshot: AccountSnapshot | None,
        is_member: IsMember,
        origin_channel: str = "",
    ) -> ApprovalRequest:
        refusal = self.rules.request_refusal(requester, is_member)
        if refusal:
            raise Refused(refusal)
        remediation, params = params_for_finding(finding, snapshot)
        plan = get_remediation(remediation).plan(self._resolved(remediation, params))
        return self._create(plan, requester=requester, origin_channel=origin_channel)

    def propose_undo(
        self, *, requester: str, request_id: str, is_member: IsMember, origin_channel: str = ""
    ) -> ApprovalRequest:
        """A new request that reverses an applied one; it needs its own approval."""
        original = self.get(request_id)
        if original.state is State.PARTLY_APPLIED and original.undo_change:
            undo = original.undo_change  # reverses what the interrupted apply left in IAM
        elif original.state is State.PARTLY_APPLIED:
            raise InputError(
                f"Request {request_id} was partly applied and the bot cannot reverse what it left"
                f" in IAM; its outcome says what holds and what to fix by hand: {original.outcome}"
            )
        elif original.state is not State.APPLIED:
            raise InputError(
                f"Request {request_id} is {original.state.value.replace('_', ' ')};"
                " only an applied (or partly applied) change can be undone."
            )
        else:
            undo = get_remediation(original.remediation).plan(original.params).undo_change
        if undo is None:
            raise InputError(f"This change cannot be undone by the bot: {original.undo}")
        return self.propose(
            requester=requester,
            remediation=undo["remediation"],
            params=undo["params"],
            is_member=is_member,
            origin_channel=origin_channel,
            undo_of=request_id,
        )

    def propose_recorded_change(
        self,
        *,
        requester: str,
        change: str,
        target: Target,
        params: Mapping[str, Any],
        summary: str,
        steps: Sequence[str],
        undo: str,
        is_member: IsMember,
        origin_channel: str = "",
    ) -> ApprovalRequest:
        """A request for a change the bot records itself rather than in AWS (muting a finding):
        same rules, expiry, content hash and trail as every other request."""
        refusal = self.rules.request_refusal(requester, is_member)
        if refusal:
            raise Refused(refusal)
        now = self.clock()
        request = ApprovalRequest(
            id=self.new_id(),
            requester=requester,
            target=target,
            change={"remediation": change, "params": dict(params)},
            summary=summary,
            steps=tuple(steps),
            undo=undo,
            created_at=now,
            expires_at=now + timedelta(seconds=self.rules.ttl_seconds),
            fingerprint="",
            origin_channel=origin_channel,
            channel=self.rules.channel or origin_channel,
        )
        self.store.create(request)
        self._record(
            "request",
            request,
            requester,
            summary=request.summary,
            remediation=change,
            target=target.to_dict(),
            content_hash=request.content_hash,
        )
        return request

    def apply_recorded_change(
        self, request_id: str, write: Callable[[ApprovalRequest], str], *, note: str = ""
    ) -> ApprovalRequest:
        """approved -> applying -> applied | failed, where ``write`` makes the change (and says
        what it did); only the caller that wins `applying` writes. ``note`` ends the outcome. A
        store failure during the write leaves the request applying (ApplyInterrupted) for the
        reconciler, since the write may have been kept."""
        applying = self.store.transition(request_id, State.APPLYING, actor="bot", now=self.clock())
        if content_hash(applying) != applying.content_hash:
            return self._finish(
                applying,
                ok=False,
                outcome="Not applied: the stored request no longer matches its content hash.",
                note=note,
            )
        try:
            outcome = write(applying)
        except StoreError as exc:
            # Redis may have kept the write and lost only its reply: "not applied" could be
            # false. The write is idempotent, so the request stays applying and the reconciler
            # makes it again once the store answers (_finish_recorded).
            log.error("recorded change %s left applying, the store failed: %s", request_id, exc)
            raise ApplyInterrupted(
                f"The change could not be confirmed in the bot's store ({exc}). The request stays"
                " 'applying'; the bot records it again and finishes the request once the store"
                " is back."
            ) from exc
        except IamAuditError as exc:
            return self._finish(applying, ok=False, outcome=f"Not applied: {exc}", note=note)
        return self._finish(applying, ok=True, outcome=outcome, note=note)

    def _resolved(self, remediation: str, params: dict[str, Any]) -> dict[str, Any]:
        """Fill in what a proposal names indirectly: catalogue documents, policies to detach."""
        if remediation == "attach_policy" and params.get("catalogue"):
            name = str(params.pop("catalogue"))
            params.update(
                document=self.catalogue.document(name), policy_name=name, source="catalogue"
            )
        if remediation == "detach_policy" and not params.get("policy_arn"):
            params["policy_arn"] = self._attached_arn(params)
            params["managed_name"] = ""
        return params

    def _attached_arn(self, params: dict[str, Any]) -> str:
        kind, name = str(params.get("target_kind")), str(params.get("target_name"))
        wanted = str(params.get("policy") or params.get("managed_name") or "")
        if not wanted:
            raise InputError("name the policy to detach")
        attached = self.executor().attached_policies(kind, name)
        prefix = f"iam-audit-{wanted}-"
        for policy_name, arn in attached:
            if policy_name == wanted or policy_name.startswith(prefix) or arn == wanted:
                return arn
        names = ", ".join(n for n, _ in attached) or "none"
        raise InputError(
            f"{kind} {name} has no attached policy named {wanted!r} (attached: {names})"
        )

    def _create(
        self, plan: Plan, *, requester: str, origin_channel: str, undo_of: str = ""
    ) -> ApprovalRequest:
        now = self.clock()
        state = self.executor().read_state(plan.target.kind, plan.target.name, plan.params)
        if state.get("exists") is False:
            raise InputError(f"There is no IAM {plan.target.describe()}; nothing to request.")
        target = plan.target
        if not target.arn and plan.target.kind in ("user", "group", "role"):
            target = replace(target, arn="")
        lint = self.lint(plan.document) if (self.lint and plan.document is not None) else []
        impact = self._impact(plan)
        request = ApprovalRequest(
            id=self.new_id(),
            requester=requester,
            target=target,
            change=plan.change,
            summary=plan.summary,
            steps=plan.steps,
            undo=plan.undo,
            created_at=now,
            expires_at=now + timedelta(seconds=self.rules.ttl_seconds),
            fingerprint=self.fingerprint(state),
            target_state=state,
            document=plan.document,
            diff=plan.diff,
            impact=impact,
            lint=tuple(lint),
            iam_actions=get_remediation(plan.remediation).iam_actions,
            origin_channel=origin_channel,
            channel=self.rules.channel or origin_channel,
            undo_of=undo_of,
        )
        self.store.create(request)
        self._record(
            "request",
            request,
            requester,
            summary=request.summary,
            remediation=request.remediation,
            target=request.target.to_dict(),
            content_hash=request.content_hash,
            undo_of=undo_of,
        )
        return request

    def _impact(self, plan: Plan) -> dict[str, Any]:
        base: dict[str, Any] = {"effect": plan.effect} if plan.effect else {}
        if plan.impact_change is None or self.impact_of is None:
            return base
        try:
            return {**base, **self.impact_of(plan)}
        except IamAuditError as exc:
            return {**base, "error": f"not simulated: {exc}"}

    # --- decisions -----------------------------------------------------------------------------

    def get(self, request_id: str) -> ApprovalRequest:
        """The request; one whose time ran out while pending is written down as lapsed first
        (with its trail entry), so a click on it is told it expired and when."""
        now = self.clock()
        request = self.store.get(request_id, now=now)
        if request is None:
            raise InputError(f"There is no approval request {request_id} (it may be too old).")
        if request.state is State.PENDING and request.current_state(now) is State.EXPIRED:
            # A click or a read found it: its caller shows the lapse (the clicked message
            # refreshed), with no thread reply, and a repair of its trail entry adds none.
            lapsed, _moved_here = self._lapse(request, told=True)
            return lapsed or self.store.get(request_id, now=now) or request
        return request

    def _lapse(
        self, request: ApprovalRequest, *, told: bool = False
    ) -> tuple[ApprovalRequest | None, bool]:
        """pending -> expired once its time ran out, by whoever sees it first (a click, a read,
        the reconciler's round), with the trail's `result` saying who asked for what and when
        it expired. The move is atomic: of replicas seeing it at once, one moves it and writes
        the entry; the others get None (and read its move). If the trail fails, the move has
        indexed it as unrecorded and the next reconciliation writes the entry (recovered).

        The move also claims the telling of the lapse to Slack for the mover (True with the
        moved request), so the repair of a lost entry does not tell it again, and a mover that
        dies before telling it leaves it untold for the reconciler. ``told``: the caller shows
        it without a thread reply, so the move claims it as told and nothing is left to tell."""
        try:
            final = self.store.transition(
                request.id,
                State.EXPIRED,
                actor="bot",
                now=self.clock(),
                told=told,
                outcome=lapse_outcome(request),
            )
        except TransitionRefused:
            return None, False  # moved meanwhile: by another replica, or decided just in time
        with contextlib.suppress(StoreError):  # logged by _record; repaired by the reconciler
            self._record_end(final)
        return final, True

    def claim_end_notice(self, final: ApprovalRequest) -> bool:
        """Is telling Slack of ``final``'s end ours, when we did not make its final move (a
        repair of a lost trail entry)? Every final move claims the telling for its mover, in the
        same atomic step, so this is False but for an end an older version stored without a
        claim. With the store away it is told anyway: twice rather than never."""
        try:
            return self.store.claim_notice(final.id, now=self.clock())
        except StoreError as exc:
            log.warning("could not claim telling Slack of %s; telling it: %s", final.id, exc)
            return True

    def end_notice_told(self, final: ApprovalRequest) -> None:
        """Record that Slack was told of ``final``'s end, after the post succeeded: the mover of
        every end calls it (the click that applied or rejected, the bot withdrawing, a
        reconciler round), else a reconciler tells it again a stale window after the move. With
        the store away it stays untold, logged: a reconciler tells it once more."""
        try:
            self.store.notice_told(final.id)
        except StoreError as exc:
            log.warning(
                "Slack was told of the end of %s, but the store could not record it (%s); the"
                " reconciler may tell it once more",
                final.id,
                exc,
            )

    def approve(self, request_id: str, *, approver: str, is_member: IsMember) -> ApprovalRequest:
        """pending -> approved, exactly once; refusals change nothing."""
        request = self.get(request_id)
        # A requester clicking Approve on their own request that has ended (lapsed, withdrawn)
        # is told what became of it by the refused move below, not reminded of four eyes.
        ended_own = request.state is not State.PENDING and approver == request.requester
        refusal = (
            None
            if ended_own
            else self.rules.decision_refusal(request, approver, is_member, approving=True)
        )
        if refusal:
            self._record("refused", request, approver, action="approve", reason=refusal)
            raise Refused(refusal)
        try:
            approved = self.store.transition(
                request_id, State.APPROVED, actor=approver, now=self.clock()
            )
        except TransitionRefused as exc:
            # Every click is part of the trail, also the late and the duplicate ones.
            self._record("refused", request, approver, action="approve", reason=str(exc))
            raise
        self._record(
            "decision", approved, approver, state="approved", content_hash=approved.content_hash
        )
        return approved

    def reject(
        self, request_id: str, *, user: str, reason: str, is_member: IsMember
    ) -> ApprovalRequest:
        """An approver rejects (with a reason); the requester rejecting their own one cancels it.
        The move claims telling Slack for the caller: it tells, then ``end_notice_told``."""
        request = self.get(request_id)
        refusal = self.rules.decision_refusal(request, user, is_member, approving=False)
        if refusal:
            self._record("refused", request, user, action="reject", reason=refusal)
            raise Refused(refusal)
        to = State.CANCELLED if user == request.requester else State.REJECTED
        decided = self.store.transition(request_id, to, actor=user, now=self.clock(), reason=reason)
        # The decision stands once stored, so a trail failure does not make it look undone to
        # the person (Slack still shows it); the reconciler writes the entry later, recovered.
        with contextlib.suppress(StoreError):  # logged by _record
            self._record_end(decided)
        return decided

    def withdraw(self, request_id: str, *, reason: str, told: bool = False) -> ApprovalRequest:
        """pending -> cancelled by the bot (its Slack message could not be posted or recorded, so
        nobody could decide it), with the trail's `decision` saying why; TransitionRefused when
        someone decided it first. A trail failure is repaired by the reconciler, as above.

        Like every end, the move claims telling Slack for the caller (it takes the buttons off
        the message, then ``end_notice_told``), so the repair of a lost entry stays quiet;
        ``told``: the request never reached Slack, nothing is left to tell there."""
        withdrawn = self.store.transition(
            request_id, State.CANCELLED, actor="bot", now=self.clock(), reason=reason, told=told
        )
        with contextlib.suppress(StoreError):  # logged by _record
            self._record_end(withdrawn)
        return withdrawn

    def apply(self, request_id: str, *, note: str = "") -> ApprovalRequest:
        """approved -> applying -> applied | failed; only the caller that wins `applying` runs.
        ``note`` ends the outcome (the reconciler says it resumed an interrupted apply).

        Written like a payment: `applying` (with the steps) is stored before anything is sent,
        each call is journalled before it goes out and as it returns. When the store fails
        mid-way the request stays `applying` and ApplyInterrupted says so; `reconcile` finishes
        it later from the real IAM state. Any other unexpected error after a call was sent also
        leaves it `applying`: only IAM can say whether that call took effect.
        """
        now = self.clock()
        applying = self.store.transition(request_id, State.APPLYING, actor="bot", now=now)
        approver = applying.approver
        if content_hash(applying) != applying.content_hash:
            # What is stored is not what the approver saw: refuse rather than apply it.
            return self._finish(
                applying,
                ok=False,
                outcome="Not applied: the stored request no longer matches its content hash.",
                note=note,
            )
        journal = self._journal_for(applying)
        try:
            resumed = {"resumed": True} if note else {}
            self._record("apply", applying, "bot", steps=list(applying.steps), **resumed)
            executor = self.executor()
            current = executor.read_state(
                applying.target.kind, applying.target.name, applying.params
            )
            if self.fingerprint(current) != applying.fingerprint:
                why = self.explain(applying.target_state, current)
                outcome = (
                    f"Not applied: {applying.target.describe()} changed since the request"
                    f" ({why}). Nothing was changed; make a new request if it is still needed."
                )
                return self._finish(applying, ok=False, outcome=outcome, note=note)
            result = executor.apply(
                applying.remediation,
                applying.params,
                request_id=applying.id,
                requester=applying.requester,
                approver=approver,
                journal=journal,
            )
        except TransitionRefused as exc:  # reconciled meanwhile: the reconciler's word stands
            log.error("apply of %s stopped: %s", request_id, exc)
            # Raised, not returned: whoever made the final move tells Slack of it, and the
            # caller of a method that returns an end made that move (the claim went with it).
            raise TransitionRefused(
                f"The bot finished request {request_id} from IAM's real state while this apply"
                f" was still running ({exc}); its message and thread show the result.",
                state=exc.state,
            ) from exc
        except StoreError as exc:
            log.error(
                "apply of %s interrupted, left applying for reconciliation: %s", request_id, exc
            )
            raise ApplyInterrupted(
                "The state store (Redis) failed while this change was being applied, so part"
                " of it may already be in AWS. The request stays 'applying'; the bot checks IAM"
                " and finishes it (applied, partly applied or failed) once Redis is back."
            ) from exc
        except (RemediationError, InputError) as exc:
            return self._finish(applying, ok=False, outcome=f"Not applied: {exc}", note=note)
        except Exception as exc:
            if journal.sent:  # IAM may hold the change: the reconciler judges it from IAM
                log.exception("apply of %s crashed after an AWS call; left applying", request_id)
                raise
            # Nothing was sent, so "failed" is the truth; it must not stay "applying" forever.
            log.exception("apply of %s crashed", request_id)
            failed = f"Failed unexpectedly: {type(exc).__name__}"
            self._finish(applying, ok=False, outcome=failed, note=note)
            raise
        if not result.ok:
            settled = self._settle_lost_answers(request_id, note=note)
            if settled is not None:
                return settled
        return self._finish(applying, ok=bool(result.ok), outcome=str(result.outcome), note=note)

    def _settle_lost_answers(self, request_id: str, *, note: str) -> ApprovalRequest | None:
        """A failed apply is judged from IAM's real state, like an interrupted apply, when IAM
        shows that a call recorded as failed took effect: one AWS never answered (a timeout
        once botocore's retries were spent), or one whose retry got an error for the change its
        lost first attempt made (CreatePolicy: EntityAlreadyExists). None when no failed call
        took effect, so the executor's own account of the failure stands."""
        request = self.get(request_id)
        failed = [c for c in request.calls if _failed(c) and not c.get("rollback")]
        failed += [c for c in request.calls if _unanswered(c) and c.get("rollback")]
        if not failed:
            return None
        executor = self.executor()
        try:
            if not any(_effect_of(executor, call) for call in failed):
                return None
            return self._reconcile_one(request, after=_AFTER_FAILED_CALL, note=note)
        except RemediationError as exc:  # IAM cannot be asked now: the reconciler asks later
            log.error("apply of %s left applying, IAM could not be checked: %s", request_id, exc)
            raise ApplyInterrupted(
                "AWS did not answer a call of this change and IAM could not be checked, so part"
                " of it may be in AWS. The request stays 'applying'; the bot checks IAM and"
                " finishes it (applied, partly applied or failed) within minutes."
            ) from exc

    def _journal_for(self, request: ApprovalRequest) -> CallJournal:
        """The executor's journal: each call written ahead to the store, each result to the
        store and the trail."""

        def sending(intent: dict[str, Any]) -> None:
            self.store.journal(request.id, sending={**intent, "at": self.clock().isoformat()})

        def returned(call: dict[str, Any]) -> None:
            result = {**call, "at": self.clock().isoformat()}
            self.store.journal(request.id, result=result)
            self._record("aws_call", request, "bot", **call)

        return CallJournal(sending, returned)

    def _finish(
        self, request: ApprovalRequest, *, ok: bool, outcome: str, note: str = ""
    ) -> ApprovalRequest:
        outcome = f"{outcome} {note}" if note else outcome
        final = self.store.transition(
            request.id,
            State.APPLIED if ok else State.FAILED,
            actor="bot",
            now=self.clock(),
            reason="" if ok else outcome,
            outcome=outcome,
        )
        # The change is made and its state stored: a lost trail entry is logged by _record and
        # written by the reconciler (marked recovered), and the approver is told the result,
        # not that the store failed (which read as though nothing had happened).
        with contextlib.suppress(StoreError):
            self._record_end(final, outcome=outcome)
        return final

    def _record_end(self, final: ApprovalRequest, **data: Any) -> None:
        """The trail's last entry of an ended request (the `decision` of who rejected or withdrew
        it, else the bot's `result`), then the request leaves the store's ``unrecorded`` index.
        If that last write fails the entry is written again later by the reconciler (marked
        ``recovered``): twice rather than never."""
        if final.state in DECISION_ENDS:
            decision = final.decision(final.state)
            actor = decision.actor if decision is not None else "bot"
            reason = decision.reason if decision is not None else ""
            words = {"state": final.state.value, "reason": reason}
            self._record("decision", final, actor, **{**words, **data})
        else:
            self._record("result", final, "bot", **{**_result_words(final), **data})
        try:
            self.store.result_recorded(final.id)
        except StoreError as exc:
            log.warning(
                "last entry of %s is in the trail but still indexed as unrecorded (%s); the"
                " reconciler may write it once more, marked recovered",
                final.id,
                exc,
            )

    # --- reconciliation ------------------------------------------------------------------------

    def reconcile(
        self,
        *,
        stale_after: timedelta = RECONCILE_AFTER,
        notify: Callable[[ApprovalRequest], None] | None = None,
        recorded: Mapping[str, Callable[[ApprovalRequest], str]] | None = None,
        is_member: IsMember | None = None,
    ) -> list[ApprovalRequest]:
        """Finish every request left `applying` with no journal activity for ``stale_after``,
        from what IAM shows now; resume every request left `approved` for ``stale_after`` (the
        bot died between a click's approve and its apply); write the trail's missing `result`
        of a request that reached its final state just before the trail failed; and write down
        the lapse of every pending request whose time ran out. ``notify`` is told of each one
        (to update Slack, which a crashed apply never did); ``is_member`` answers the approver
        rules' user groups, as for a click.

        A request still being applied by a live process keeps journalling, and a click applies
        its approval at once, so both are left alone; a late click and any number of
        reconcilers finish a request once (every move is atomic).

        With ``notify``, a round first tells again every end moved (or last taken again) at
        least ``stale_after`` ago whose telling was never confirmed (its mover died before or
        while posting, or Slack failed), up to MAX_NOTICE_ATTEMPTS attempts in all. The ends a
        round moves itself are its own to tell (their move claimed it).

        All of these are read from the store's indexes (moved with the state, emptied when a
        request settles), never from a window of the trail, so a busy trail hides none; what
        an older version stored before the indexes existed is indexed once, at the first round.
        """
        now = self.clock()
        finished: list[ApprovalRequest] = []
        self._backfill_index()

        def tell(final: ApprovalRequest, what: str, *, claimed: bool | None = None) -> None:
            """Slack is told of an end once: by its mover (``claimed``; the move claimed it), a
            repaired entry's end only if an older version stored it unclaimed. The claim is
            confirmed only once the post succeeded; a failed post, or a mover that died, leaves
            it untold for a round one stale window after the move."""
            if all(f.id != final.id for f in finished):
                finished.append(final)
            if notify is None:
                return
            if claimed is None:
                claimed = self.claim_end_notice(final)
            if not claimed:
                log.info("%s %s; Slack was told of it already", what, final.id)
                return
            try:
                notify(final)
            except IamAuditError as exc:
                log.error(
                    "%s %s but could not tell Slack (tried again after %s): %s",
                    what,
                    final.id,
                    stale_after,
                    exc,
                )
                return
            self.end_notice_told(final)

        if notify is not None:
            for final in self._untold_ends(now - stale_after, now):
                tell(final, "re-told", claimed=True)

        for request in self.store.applying():
            if now - _last_activity(request) < stale_after:
                continue
            try:
                write = (recorded or {}).get(request.remediation)
                final = (
                    self._finish_recorded(request, write)
                    if write is not None
                    else self._reconcile_one(request)
                )
            except TransitionRefused:
                continue  # finished by its applier or another reconciler meanwhile
            except (RemediationError, StoreError) as exc:
                log.warning("could not reconcile %s yet: %s", request.id, exc)
                continue
            except Exception:  # a bug on one request must not stop the others' recovery
                log.exception("reconciling %s failed; it stays applying", request.id)
                continue
            tell(final, "reconciled", claimed=True)
        for request in self._left_approved(now - stale_after):
            try:
                resumed = self._resume(request, recorded or {}, is_member or _no_groups)
            except TransitionRefused:
                continue  # a late click or another reconciler moved it meanwhile
            except IamAuditError as exc:  # Redis down: still approved (or applying, journalled)
                log.warning("could not resume approved request %s yet: %s", request.id, exc)
                continue
            except Exception:  # a bug on one request must not stop the others' recovery
                log.exception("resuming %s failed; the next round judges it again", request.id)
                continue
            if resumed is not None:
                tell(resumed, "resumed", claimed=True)
        for final in self._write_lost_results(now - stale_after):
            tell(final, "recovered")
        for final, claimed in self._lapse_overdue(now):
            tell(final, "lapsed", claimed=claimed)
        return finished

    def _untold_ends(self, claimed_before: datetime, now: datetime) -> list[ApprovalRequest]:
        """Ends whose telling was claimed before ``claimed_before`` and never confirmed, each
        taken again (by one round only) to tell; one whose attempts are spent is given up,
        with an error in the log, and leaves the index."""
        try:
            found = self.store.untold(before=claimed_before)
        except StoreError as exc:
            log.error("could not read the index of untold ends yet: %s", exc)
            return []
        retold = []
        for final in found:
            try:
                attempt = self.store.reclaim_notice(final.id, due_by=claimed_before, now=now)
                if not attempt:
                    continue  # told meanwhile, or taken by another round
                if attempt > MAX_NOTICE_ATTEMPTS:
                    log.error(
                        "gave up telling Slack of the end of %s (%s) after %d attempts; it is"
                        " in the store and the audit trail",
                        final.id,
                        final.state.value,
                        attempt - 1,
                    )
                    self.store.notice_told(final.id)
                    continue
            except StoreError as exc:
                log.warning("could not take telling Slack of %s again yet: %s", final.id, exc)
                continue
            log.warning(
                "Slack was never confirmed told of the end of %s (attempt %d); telling it",
                final.id,
                attempt,
            )
            retold.append(final)
        return retold

    def _lapse_overdue(self, now: datetime) -> list[tuple[ApprovalRequest, bool]]:
        """Write down the lapse of every pending request whose time ran out, so nobody has to
        click it first: the store, the trail and (through ``notify``) its Slack message, whose
        buttons go. Those another replica or a click lapses meanwhile are left to it."""
        try:
            overdue = self.store.overdue(now=now)
        except StoreError as exc:
            log.error("could not read the overdue requests yet: %s", exc)
            return []
        lapsed = []
        for request in overdue:
            try:
                final, claimed = self._lapse(request)
            except StoreError as exc:
                log.warning("could not write down the lapse of %s yet: %s", request.id, exc)
                continue
            if final is not None:
                lapsed.append((final, claimed))
        return lapsed

    def _backfill_index(self) -> None:
        """On a deployment upgraded from a version without the store's reconciliation index,
        index what that version stored, once: the approved and applying requests from their
        records, and the ended applies whose `result` entry is missing from one pass over the
        trail (the trail is the only record of which entries were written). Until it succeeds
        it is tried again each round; the rest of the round runs meanwhile. An apply that ends
        after the backfill began is indexed by its own final move, so it is left out here."""
        try:
            if not self.store.needs_backfill():
                return
            started_at = self.clock()
            started: set[str] = set()
            results: set[str] = set()
            for e in self.trail.export():
                if e.kind == "result":
                    results.add(e.request_id)
                elif e.kind == "apply" or (
                    e.kind == "decision" and e.data.get("state") == "approved"
                ):
                    started.add(e.request_id)
            added = self.store.backfill(lost_results=started - results, ended_before=started_at)
        except StoreError as exc:
            log.error("could not index the requests stored before the index yet: %s", exc)
            return
        log.info("indexed %d request(s) written before the reconciliation index", added)

    def _left_approved(self, settled_before: datetime) -> list[ApprovalRequest]:
        """Requests still `approved` since before ``settled_before``: the click that approved
        them died before its apply (a click applies its approval at once). The store indexes
        approved requests by the time of their approval, in the move that approves them."""
        try:
            found = self.store.approved(before=settled_before)
        except StoreError as exc:
            log.error("could not read the approved requests index yet: %s", exc)
            return []
        left = []
        for request in found:
            approval = request.decision(State.APPROVED)
            if request.state is not State.APPROVED or approval is None:
                continue  # moved on meanwhile
            if approval.at <= settled_before:  # later: its click may be applying it right now
                left.append(request)
        return left

    def _resume(
        self,
        request: ApprovalRequest,
        recorded: Mapping[str, Callable[[ApprovalRequest], str]],
        is_member: IsMember,
    ) -> ApprovalRequest | None:
        """Apply an approval whose apply never started, as its click would have, through the
        same atomic approved -> applying move (so only one applier ever runs); close it instead
        when the request's time ran out. An approval that no longer passes the rules (four eyes,
        a configured approver) is not acted on: it stays approved, logged, until it expires."""
        if self.clock() >= request.expires_at:
            return self._expire_unapplied(request)
        refusal = self.rules.decision_refusal(request, request.approver, is_member, approving=True)
        if refusal:
            log.warning(
                "approved request %s is not resumed: its approval by %s fails the rules now (%s);"
                " it expires at %s",
                request.id,
                request.approver,
                refusal,
                request.expires_at.isoformat(timespec="seconds"),
            )
            return None
        write = recorded.get(request.remediation)
        if write is not None:
            return self.apply_recorded_change(request.id, write, note=RESUMED_NOTE)
        return self.apply(request.id, note=RESUMED_NOTE)

    def _expire_unapplied(self, request: ApprovalRequest) -> ApprovalRequest:
        """approved -> expired, nothing applied: past the request's expiry (the time its message
        shows) an approval is not acted on by surprise, maybe days after the click."""
        outcome = (
            "Not applied: the bot was interrupted between the approval and the apply, and the"
            f" request expired at {request.expires_at.isoformat(timespec='seconds')} before it"
            " could resume. Nothing was changed; make a new request if it is still needed."
        )
        final = self.store.transition(
            request.id, State.EXPIRED, actor="bot", now=self.clock(), outcome=outcome
        )
        # If the trail fails, the request stays indexed as unrecorded and the reconciler writes
        # its `result` later (marked recovered), as for an ended apply; Slack is still told.
        with contextlib.suppress(StoreError):
            self._record_end(final, outcome=outcome)
        return final

    def _write_lost_results(self, settled_before: datetime) -> list[ApprovalRequest]:
        """Requests that ended before ``settled_before`` (an apply's end, an expiry, a rejection
        or withdrawal) but whose trail has no last entry (`result`, or the `decision` that ended
        it): the trail failed, or the bot died, between the final move and its entry.

        The final move puts the request in the store's ``unrecorded`` index (same transaction)
        and the entry's writer takes it out. Of reconcilers running in the same instant, the one
        that claims it in the index writes it (marked ``recovered``); if that one fails, a round
        ``stale_after`` later takes it again.
        """
        try:
            found = self.store.unrecorded(before=settled_before)
        except StoreError as exc:
            log.error("could not read the index of unrecorded results yet: %s", exc)
            return []
        written = []
        for request in found:
            ended = request.decision(request.state)
            if request.state not in FINAL_STATES or ended is None or ended.at > settled_before:
                continue  # its applier may be writing the result right now
            try:
                if not self.store.claim_unrecorded(
                    request.id, due_by=settled_before, now=self.clock()
                ):
                    continue  # another round took it (or it was written meanwhile)
                self._record_end(request, recovered=True)
            except StoreError as exc:
                log.warning("could not write the lost last entry of %s yet: %s", request.id, exc)
                continue
            written.append(request)
        return written

    def _finish_recorded(
        self, request: ApprovalRequest, write: Callable[[ApprovalRequest], str]
    ) -> ApprovalRequest:
        """A change the bot records itself (no AWS call) left `applying`: its write is
        idempotent (a suppression stored again is the same suppression), so it is made again."""
        try:
            outcome = write(request)
        except StoreError:
            raise  # Redis still away: try again on the next round
        except IamAuditError as exc:
            return self._finish(request, ok=False, outcome=f"Not applied: {exc}")
        return self._finish(request, ok=True, outcome=f"{outcome} (finished after an interruption)")

    def _reconcile_one(
        self, request: ApprovalRequest, *, after: str = "an interrupted apply", note: str = ""
    ) -> ApprovalRequest:
        """Finish ``request`` from what IAM shows of each journalled call (also the one in
        flight and those recorded as failed: a lost answer or a retry's error may hide that
        they took effect)."""
        executor = self.executor()
        journal = [*request.calls, *([request.in_flight] if request.in_flight else [])]
        checked = []
        held = []
        held_calls = []
        for call in journal:
            if call is request.in_flight or call.get("ok") or _failed(call):
                effect = _effect_of(executor, call)  # the one in flight: never answered
                if effect is None:
                    continue  # a read
                checked.append({"api": call.get("api"), "in_iam_now": effect})
                if effect and not call.get("rollback"):
                    held.append(_call_text(call))
                    held_calls.append(call)
        in_effect = executor.change_in_effect(request.remediation, request.params, journal)
        undo_change: dict[str, Any] = {}
        lost_apis = [str(c.get("api")) for c in request.calls if _unanswered(c)]
        if request.in_flight:
            lost_apis.append(str(request.in_flight.get("api")))
        lost = f" (the answer to {', '.join(lost_apis)} was lost)" if lost_apis else ""
        if in_effect:
            to, outcome = (
                State.APPLIED,
                f"Applied: reconciled from IAM after {after}{lost}.",
            )
        elif held:
            to = State.PARTLY_APPLIED
            undo_change = executor.undo_of_partial(held_calls) or {}
            outcome = (
                f"Partly applied: reconciled from IAM after {after}{lost}."
                f" In effect now: {', '.join(held)}; the change as a whole is not."
            )
        else:
            to = State.FAILED
            outcome = (
                f"Not applied: reconciled from IAM after {after}{lost};"
                " IAM shows no change from this request."
            )
        outcome = f"{outcome} {note}" if note else outcome
        final = self.store.transition(
            request.id,
            to,
            actor="bot",
            now=self.clock(),
            reason="" if to is State.APPLIED else outcome,
            outcome=outcome,
            in_flight={},
            undo_change=undo_change,
        )
        self._record("reconciled", final, "bot", checked=checked, in_flight=request.in_flight)
        self._record_end(final, outcome=outcome)
        return final

    def _record(self, kind: str, request: ApprovalRequest, actor: str, **data: Any) -> None:
        try:
            self.trail.append(self.entry(kind, request.id, actor, self.clock(), data))
        except StoreError:
            # The change itself already happened or was refused; losing the record must be loud.
            log.error("audit trail write failed for %s %s: %s", kind, request.id, data)
            raise


_NAMING_ARGS = ("Name", "Arn", "Id", "Status", "status")


def _result_words(final: ApprovalRequest) -> dict[str, Any]:
    """What a `result` entry says of every end: an approved request's names who approved it and
    when (its `decision` entry may be the one a crash lost); a lapse's names who asked for what,
    and when it expired, since its trail has nothing else after the request."""
    words: dict[str, Any] = {"state": final.state.value, "outcome": final.outcome}
    approval = final.decision(State.APPROVED)
    if approval is not None:
        words.update(approver=approval.actor, approved_at=approval.at.isoformat())
    if final.lapsed:
        outcome = final.outcome or lapse_outcome(final)  # a move made without one, by hand
        words.update(
            lapsed=True,
            requester=final.requester,
            would_change=final.summary,
            remediation=final.remediation,
            target=final.target.to_dict(),
            expired_at=final.expires_at.isoformat(),
            outcome=outcome,
            reason=outcome,  # what the history's line shows after the state
        )
    return words


def _call_text(call: dict[str, Any]) -> str:
    """`CreatePolicy (PolicyName=iam-audit-x)`: the API and the names it acted on, no documents."""
    args = call.get("args") or {}
    named = [
        f"{key}={value}"
        for key, value in args.items()
        if isinstance(value, str) and key.endswith(_NAMING_ARGS) and len(value) <= 200
    ]
    return f"{call.get('api')} ({', '.join(named)})" if named else str(call.get("api"))


_AFTER_FAILED_CALL = "a call recorded as failed that IAM shows took effect"


def _failed(call: dict[str, Any]) -> bool:
    return bool(call.get("api")) and not call.get("ok")


def _effect_of(executor: Executor, call: dict[str, Any]) -> bool | None:
    """``executor.took_effect(call)``; for a call AWS answered with an error, a check that
    fails counts as "not in effect" (AWS's own answer stands), for any other it is raised."""
    try:
        return executor.took_effect(call)
    except RemediationError:
        if _failed(call) and not _unanswered(call):
            return False
        raise


def _unanswered(call: dict[str, Any]) -> bool:
    """A journalled call that failed without an answer from AWS (no AWS request id: a timeout or
    a dropped connection, not an error AWS returned), so it may have taken effect."""
    return _failed(call) and not call.get("request_id")


def _no_groups(_user: str, _group: str) -> bool:
    """Without Slack to ask, nobody is in a user group: only approvers named by id pass."""
    return False


def _last_activity(request: ApprovalRequest) -> datetime:
    """When the applier last wrote to the request: the journal's newest time, else `applying`."""
    moments = [d.at for d in request.decisions if d.state is State.APPLYING]
    for call in (*request.calls, request.in_flight):
        moment = parse_aws_time(str(call.get("at") or "")) if call else None
        if moment is not None:
            moments.append(moment)
    return max(moments) if moments else request.created_at


__all__ = ["ApplyInterrupted", "ApprovalDesk", "Refused", "Target", "TransitionRefused"]
