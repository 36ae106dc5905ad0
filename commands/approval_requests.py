"""Opening an approval request from any subcommand: who is in which group, posting, replying.

Used by `apply`/`detach`, Remediate, Suppress, rightsize, the Access Analyzer archive and the MFA
campaign's enforcement proposal; it imports no subcommand, so none of them import each other.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from bot.approvals.desk import ApprovalDesk, Refused
from bot.approvals.model import ApprovalRequest, TransitionRefused
from bot.model.errors import DeliveryError, IamAuditError, InputError, StoreError
from bot.runtime.services import Services
from bot.slack.approval_blocks import approval_message
from bot.slack.blocks import Message, message, notice_message, section

log = logging.getLogger(__name__)


def ours(text: str) -> Message:
    """A notice whose text we composed from fixed words and Slack ids (mentions must work)."""
    return message(text, [section(text)], fallback_is_mrkdwn=True)


# --- group membership for the approver / requester rules ----------------------------------------


class GroupMembership:
    """(user, group) -> member? from usergroups.users.list, cached like the Authorizer does."""

    def __init__(self, services: Services, *, monotonic: Callable[[], float] = time.monotonic):
        self._services = services
        self._cache: dict[str, tuple[set[str], float]] = {}
        self._lock = threading.Lock()
        self._monotonic = monotonic

    def __call__(self, user_id: str, group_id: str) -> bool:
        now = self._monotonic()
        with self._lock:
            cached = self._cache.get(group_id)
        if cached is None or cached[1] <= now:
            try:
                members = self._services.delivery.usergroup_members(group_id)
            except DeliveryError as exc:  # deny rather than guess
                log.error("could not read user group %s: %s", group_id, exc)
                return False
            cached = (members, now + self._services.settings.group_cache_seconds)
            with self._lock:
                self._cache[group_id] = cached
        return user_id in cached[0]


_MEMBERSHIP: dict[int, GroupMembership] = {}


def membership(services: Services) -> GroupMembership:
    return _MEMBERSHIP.setdefault(id(services), GroupMembership(services))


def desk(services: Services) -> ApprovalDesk:
    if services.approvals is None:
        raise InputError("Approvals are not set up in this bot.")
    return services.approvals


# --- posting a new request ------------------------------------------------------------------------


def post_request(services: Services, request: ApprovalRequest) -> ApprovalRequest:
    """Post the request to the approvals channel and remember where, so it can be updated."""
    channel = request.channel or request.origin_channel
    the_desk = desk(services)
    try:
        ts = services.delivery.post(channel, approval_message(request))
    except DeliveryError as exc:
        # A request nobody can see must not wait for an approval: withdraw it and say why.
        log.warning("cannot post approval request %s in %s: %s", request.id, channel, exc)
        # Nothing of it is in Slack: the requester's answer below is all there is to tell.
        the_desk.withdraw(request.id, reason=str(exc), told=True)
        raise InputError(
            f"I cannot post the approval request in channel {channel}: invite me there"
            " (/invite @iam-audit) and ask again. Nothing was requested."
        ) from exc
    try:
        return the_desk.store.annotate(request.id, channel=channel, message_ts=ts)
    except StoreError:
        withdraw_unrecorded(services, request, channel, ts)
        raise  # the requester is told the store failed and to ask again


def withdraw_unrecorded(
    services: Services, request: ApprovalRequest, channel: str, ts: str
) -> None:
    """The request is in the channel but where is not recorded, so its message could never show
    a decision: cancel it (when the store lets us) and take its buttons away, so the retry the
    requester is asked for leaves one live request, not two. Failures here are only logged.

    The withdrawal's move claims telling Slack of it for us; the updated message is that
    telling, so it is confirmed once the update succeeded (a repair of the withdrawal's lost
    trail entry then posts nothing). If this process dies before, or Slack refuses the update,
    the reconciler posts the withdrawal in the channel a stale window later."""
    the_desk = desk(services)
    shown: ApprovalRequest | None = None
    withdrawn_here = False
    try:
        shown = the_desk.withdraw(
            request.id, reason="its Slack message could not be recorded; ask again"
        )
        withdrawn_here = True
    except TransitionRefused:  # a click decided it in the meantime: show that decision
        try:
            shown = the_desk.get(request.id)
        except IamAuditError as exc:  # not "nothing will change": it may have been approved
            log.error("request %s was decided but cannot be read: %s", request.id, exc)
            return
    except StoreError as exc:  # buttons gone anyway; the request expires unseen
        log.error("could not cancel unrecorded approval request %s: %s", request.id, exc)
    withdrawn = (
        approval_message(shown)
        if shown is not None
        else notice_message(
            f"Approval request {request.id} was not recorded (the bot's state store failed),"
            " so it cannot be approved and nothing will change. Ask again."
        )
    )
    try:
        services.delivery.update(channel, ts, withdrawn)
    except DeliveryError as exc:
        log.error(
            "could not withdraw the message of request %s in %s: %s", request.id, channel, exc
        )
        return
    if withdrawn_here and shown is not None:
        the_desk.end_notice_told(shown)


def _posted_notice(request: ApprovalRequest) -> Message:
    return ours(
        f"Approval request `{request.id}` posted in <#{request.channel}>; an approver has"
        f" until {request.expires_at.isoformat(timespec='minutes')} to decide."
    )


def propose_and_post(
    services: Services,
    propose: Callable[[ApprovalDesk], ApprovalRequest],
    reply: Callable[[Message], None],
) -> ApprovalRequest | None:
    """Make a request with ``propose(desk)`` and post it for the approvers; ``reply`` tells the
    requester where it went, or why the desk refused (then None comes back)."""
    try:
        created = propose(desk(services))
    except Refused as exc:
        reply(notice_message(str(exc)))
        return None
    posted = post_request(services, created)
    reply(_posted_notice(posted))
    return posted
