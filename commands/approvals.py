"""Slack side of approvals: `policies`, `apply`, `detach`, `history`, the approval buttons and
modals, and the "Remediate" buttons of audit findings.

Every click is acked first, de-duplicated, then authorized server-side by the desk (approvers,
requester != approver). The state moves atomically in the store, so only the click that wins
"approved" applies; every other click is told what happened and changes nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App

from bot.approvals.desk import Refused
from bot.approvals.model import ApprovalRequest, State, TransitionRefused
from bot.approvals.suppressions import SUPPRESS_CHANGE
from bot.model.errors import DeliveryError, InputError
from bot.model.safe_parse import UnsafeInput, parse_json
from bot.remediation.registry import get_remediation, remediable_checks
from bot.runtime.services import Services
from bot.slack.approval_blocks import (
    ACTION_APPROVE,
    ACTION_REJECT,
    ACTION_UNDO,
    CUSTOM_MODAL,
    POLICY_BLOCK,
    POLICY_INPUT,
    REASON_BLOCK,
    REASON_INPUT,
    REJECT_MODAL,
    approval_message,
    catalogue_message,
    custom_policy_modal,
    history_message,
    reject_modal,
    result_message,
)
from bot.slack.blocks import Message, notice_message, refusal_message
from commands.approval_requests import desk, membership, ours, propose_and_post
from commands.handling import ClickHandler, on_submission, register_clicks, submitted
from commands.request import CommandRequest, Subcommand
from commands.suppress import write_suppression

log = logging.getLogger(__name__)

DEFAULT_HISTORY = 20
MAX_HISTORY = 200
TARGET_KINDS = ("user", "group", "role")


# --- subcommands ---------------------------------------------------------------------------


def handle_policies(request: CommandRequest) -> None:
    request.reply(catalogue_message(desk(request.services).catalogue.templates))


def parse_target(args: list[str], joiner: str, usage: str) -> tuple[str, str, str]:
    """`<policy> to|from user|group|role <name>` -> (policy, kind, name)."""
    if len(args) != 4 or args[1].lower() != joiner or args[2].lower() not in TARGET_KINDS:
        raise InputError(f"usage: /iam-audit {usage}")
    return args[0], args[2].lower(), args[3]


def handle_apply(request: CommandRequest) -> None:
    services = request.services
    policy, kind, name = parse_target(request.args, "to", APPLY.USAGE)
    the_desk = desk(services)
    refusal = the_desk.rules.request_refusal(request.user_id, membership(services))
    if refusal:
        request.reply(refusal_message(refusal))
        return
    if policy == "custom":
        if not request.trigger_id:
            raise InputError("Slack sent no trigger id, so the form cannot open; try again.")
        services.delivery.open_modal(
            request.trigger_id,
            custom_policy_modal(channel=request.channel_id, target_kind=kind, target_name=name),
        )
        return
    params: dict[str, Any] = {"target_kind": kind, "target_name": name}
    if policy.startswith("arn:"):
        params.update(policy_arn=policy, source="arn")
    else:
        params["catalogue"] = policy
    _propose(request, "attach_policy", params)


def handle_detach(request: CommandRequest) -> None:
    policy, kind, name = parse_target(request.args, "from", DETACH.USAGE)
    params: dict[str, Any] = {"target_kind": kind, "target_name": name}
    if policy.startswith("arn:"):
        params["policy_arn"] = policy
    else:
        params["policy"] = policy
    _propose(request, "detach_policy", params)


def _propose(request: CommandRequest, remediation: str, params: dict[str, Any]) -> None:
    services = request.services
    propose_and_post(
        services,
        lambda the_desk: the_desk.propose(
            requester=request.user_id,
            remediation=remediation,
            params=params,
            is_member=membership(services),
            origin_channel=request.channel_id,
        ),
        request.reply,
    )


def handle_history(request: CommandRequest) -> None:
    count = DEFAULT_HISTORY
    if request.args:
        try:
            count = int(request.args[0])
        except ValueError:
            raise InputError(f"usage: /iam-audit {HISTORY.USAGE}") from None
        if not 1 <= count <= MAX_HISTORY:
            raise InputError(f"N must be between 1 and {MAX_HISTORY}")
    request.reply(history_message(desk(request.services).trail.last(count)))


POLICIES = Subcommand(
    "policies",
    "policies",
    "List the policies in the catalogue that `apply` can attach.",
    ("policies",),
    handle_policies,
)
APPLY = Subcommand(
    "apply",
    "apply <policy|custom|arn> to user|group|role <name>",
    "Ask for a policy to be attached; an approver must approve it before anything changes.",
    ("apply mfa-self-service-enforce to group developers", "apply custom to role deployer"),
    handle_apply,
)
DETACH = Subcommand(
    "detach",
    "detach <policy|arn> from user|group|role <name>",
    "Ask for a managed policy to be detached (needs approval).",
    ("detach AdministratorAccess from user alice",),
    handle_detach,
)
HISTORY = Subcommand(
    "history",
    "history [N]",
    "The last N entries of the audit trail: requests, decisions and AWS calls.",
    ("history", "history 50"),
    handle_history,
)
SUBCOMMANDS: dict[str, Subcommand] = {c.NAME: c for c in (POLICIES, APPLY, DETACH, HISTORY)}


# --- clicks and modals -------------------------------------------------------------------------


def _request_id(body: dict[str, Any]) -> str:
    try:
        value = json.loads(body["actions"][0].get("value") or "{}")
        return str(value["id"])
    except (ValueError, KeyError, TypeError, IndexError):
        raise InputError("That button is malformed.") from None


def _refresh_message(services: Services, request: ApprovalRequest) -> None:
    if request.channel and request.message_ts:
        services.delivery.update(request.channel, request.message_ts, approval_message(request))


def _thread(services: Services, request: ApprovalRequest, msg: Message) -> None:
    if request.channel:
        services.delivery.post(request.channel, msg, thread_ts=request.message_ts or None)


def on_approve(services: Services, body: dict[str, Any], reply: Callable[[Message], None]) -> None:
    """Approve, apply, then show the result on the message and in its thread.

    A failed refresh of the message (deleted, Slack down) is logged and the apply goes on: the
    approval is already stored, and stopping here would leave it 'approved' until the
    reconciler resumes it (it waits until no click can still be on its way). Going on is safe
    because desk.apply moves approved -> applying atomically, so only one caller ever applies;
    a double click loses at approve and changes nothing, and a click so late that the reconciler
    resumed its approval first is told so and leaves Slack to the reconciler.
    """
    the_desk = desk(services)
    user = body["user"]["id"]
    request_id = _request_id(body)
    try:
        approved = the_desk.approve(request_id, approver=user, is_member=membership(services))
    except TransitionRefused as exc:
        reply(ours(str(exc)))
        if exc.state is State.EXPIRED:  # show the expiry on the message, buttons gone
            _refresh_message(services, the_desk.get(request_id))
        return
    except Refused as exc:
        reply(ours(str(exc)))
        return
    _refresh_logged(services, approved)
    try:
        if approved.remediation == SUPPRESS_CHANGE:  # recorded by the bot, not an AWS change
            final = the_desk.apply_recorded_change(
                request_id, lambda request: write_suppression(services, request)
            )
            undo = False
        else:
            final = the_desk.apply(request_id)
            undo = get_remediation(final.remediation).plan(final.params).undo_change is not None
    except TransitionRefused as exc:  # the reconciler resumed or finished it first; it tells
        reply(ours(str(exc)))
        return
    # The final move claimed telling Slack for this click; confirmed after the thread reply: if
    # this process dies (or Slack fails) before, the reconciler tells it a stale window later.
    stale = _refresh_logged(services, final)
    _thread(services, final, result_message(final, can_undo=undo))
    the_desk.end_notice_told(final)
    if stale is not None:  # the thread has the result; the approver learns the message is stale
        state = final.state.value.replace("_", " ")
        reply(
            notice_message(
                f"Request {final.id} is {state}, but its message was not updated: {stale}"
            )
        )


def _refresh_logged(services: Services, request: ApprovalRequest) -> DeliveryError | None:
    """Refresh the request's message; a Slack failure is logged and returned, not raised, so
    what comes next (the apply, the thread) still happens."""
    try:
        _refresh_message(services, request)
    except DeliveryError as exc:
        log.error("could not refresh the message of request %s: %s", request.id, exc)
        return exc
    return None


def reconcile_applying(services: Services, *, stale_after: timedelta | None = None) -> int:
    """Finish requests left `applying` by a crash from IAM's real state, and apply (or, past
    their time, expire) those left `approved` by a crash before their apply; update their Slack
    message and thread like a live apply would. Returns how many were finished."""
    if services.approvals is None:
        return 0
    the_desk = desk(services)

    def notify(final: ApprovalRequest) -> None:
        _refresh_message(services, final)
        if final.remediation == SUPPRESS_CHANGE or final.state is State.EXPIRED:  # no undo
            undo = False
        elif final.state is State.PARTLY_APPLIED:
            undo = bool(final.undo_change)
        else:
            undo = get_remediation(final.remediation).plan(final.params).undo_change is not None
        _thread(services, final, result_message(final, can_undo=undo))

    kwargs = {} if stale_after is None else {"stale_after": stale_after}
    recorded = {SUPPRESS_CHANGE: lambda request: write_suppression(services, request)}
    return len(
        the_desk.reconcile(
            notify=notify, recorded=recorded, is_member=membership(services), **kwargs
        )
    )


def on_reject_click(
    services: Services, body: dict[str, Any], reply: Callable[[Message], None]
) -> None:
    the_desk = desk(services)
    user = body["user"]["id"]
    request = the_desk.get(_request_id(body))
    if request.state is not State.PENDING:
        from bot.approvals.model import already_decided  # noqa: PLC0415

        reply(ours(already_decided(request)))
        if request.state is State.EXPIRED:
            _refresh_message(services, request)
        return
    refusal = the_desk.rules.decision_refusal(request, user, membership(services), approving=False)
    if refusal:
        reply(ours(refusal))
        return
    services.delivery.open_modal(
        body.get("trigger_id", ""),
        reject_modal(request.id, channel=request.channel, ts=request.message_ts),
    )


def on_reject_submit(services: Services, body: dict[str, Any]) -> None:
    user = body["user"]["id"]
    view = body.get("view") or {}
    meta = json.loads(view.get("private_metadata") or "{}")
    reason = submitted(view, REASON_BLOCK, REASON_INPUT)
    the_desk = desk(services)
    try:
        decided = the_desk.reject(
            str(meta.get("id")), user=user, reason=reason, is_member=membership(services)
        )
    except (Refused, TransitionRefused) as exc:
        services.delivery.post_ephemeral(str(meta.get("channel", "")), user, ours(str(exc)))
        return
    # The move claimed telling Slack for this submission; confirmed once the thread has it.
    _refresh_message(services, decided)
    _thread(services, decided, result_message(decided, can_undo=False))
    the_desk.end_notice_told(decided)


def on_undo(services: Services, body: dict[str, Any], reply: Callable[[Message], None]) -> None:
    user = body["user"]["id"]
    channel = (body.get("channel") or {}).get("id", "")
    propose_and_post(
        services,
        lambda the_desk: the_desk.propose_undo(
            requester=user,
            request_id=_request_id(body),
            is_member=membership(services),
            origin_channel=channel,
        ),
        reply,
    )


def on_custom_submit(services: Services, body: dict[str, Any]) -> None:
    user = body["user"]["id"]
    view = body.get("view") or {}
    meta = json.loads(view.get("private_metadata") or "{}")
    channel = str(meta.get("channel", ""))
    refusal = services.authorizer.refusal(
        user_id=user, channel_id=channel or None, subcommand="apply"
    )
    if refusal:  # a modal is a request of its own: the allowlists apply again
        services.delivery.post_ephemeral(channel, user, refusal_message(refusal))
        return
    try:
        document = parse_json(submitted(view, POLICY_BLOCK, POLICY_INPUT))
    except ValueError as exc:  # checked in the modal already; a replayed submission lands here
        services.delivery.post_ephemeral(channel, user, notice_message(f"Not a policy: {exc}"))
        return
    propose_and_post(
        services,
        lambda the_desk: the_desk.propose(
            requester=user,
            remediation="attach_policy",
            params={
                "target_kind": meta.get("kind", ""),
                "target_name": meta.get("name", ""),
                "document": document,
                "policy_name": "custom",
                "source": "custom",
            },
            is_member=membership(services),
            origin_channel=channel,
        ),
        lambda msg: services.delivery.post_ephemeral(channel, user, msg),
    )


def custom_policy_error(view: dict[str, Any]) -> str | None:
    """Why the pasted text is not a policy document (shown in the modal), or None."""
    text = submitted(view, POLICY_BLOCK, POLICY_INPUT)
    if not text.strip():
        return "Paste a policy document."
    try:
        document = parse_json(text)
    except UnsafeInput as exc:  # 40k characters of nesting, a giant number: a modal error
        return f"This policy cannot be used: {exc}."
    except ValueError as exc:
        return f"Not valid JSON: {exc}"
    if not isinstance(document, dict) or "Statement" not in document:
        return "A policy document is a JSON object with a Statement."
    return None


def on_remediate(*, services: Services, body: dict[str, Any], finding: Any, report_id: str) -> None:
    """The "Remediate" button of an audit finding: a pre-filled request, posted for approval."""
    user = body["user"]["id"]
    channel = (body.get("channel") or {}).get("id", "")
    try:
        snapshot = services.audits.snapshot().snapshot
    except InputError:
        snapshot = None
    propose_and_post(
        services,
        lambda the_desk: the_desk.propose_for_finding(
            requester=user,
            finding=finding,
            snapshot=snapshot,
            is_member=membership(services),
            origin_channel=channel,
        ),
        lambda msg: services.delivery.post_ephemeral(channel, user, msg),
    )


# --- registration ------------------------------------------------------------------------------

ACTIONS: dict[str, ClickHandler] = {
    ACTION_APPROVE: on_approve,
    ACTION_REJECT: on_reject_click,
    ACTION_UNDO: on_undo,
}


def register(app: App, services: Services) -> None:
    """Listeners of the approval buttons and modals, and the Remediate handlers per check id."""
    register_clicks(app, services, ACTIONS)

    @app.view(REJECT_MODAL)
    def on_reject_view(ack: Ack, body: dict[str, Any]) -> None:
        if not submitted(body.get("view") or {}, REASON_BLOCK, REASON_INPUT).strip():
            ack(response_action="errors", errors={REASON_BLOCK: "Give a reason."})
            return
        ack()
        on_submission(services, body, on_reject_submit)

    @app.view(CUSTOM_MODAL)
    def on_custom_view(ack: Ack, body: dict[str, Any]) -> None:
        error = custom_policy_error(body.get("view") or {})
        if error:
            ack(response_action="errors", errors={POLICY_BLOCK: error[:150]})
            return
        ack()
        on_submission(services, body, on_custom_submit)

    for check_id in remediable_checks():
        services.remediations[check_id] = on_remediate
