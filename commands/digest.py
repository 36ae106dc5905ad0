"""`/iam-audit digest`: show the schedule, post a digest now, or change the schedule.

The schedule is stored in Redis as data (JSON) and picked up by every replica; the cron text is
validated here with one clear sentence per mistake before anything is stored.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from bot.digest.schedule import (
    CHANNEL_ID_PATTERN,
    DigestSchedule,
    is_channel_id,
    parse_cron,
    shown,
)
from bot.mfa_campaign.plan import EnforcementProposal
from bot.mfa_campaign.runner import Proposer
from bot.model.errors import IamAuditError, InputError
from bot.render.grammar import plural
from bot.slack.blocks import Message, escape, message, notice_message, section
from commands.approval_requests import membership, post_request
from commands.request import CommandRequest

NAME = "digest"
USAGE = (
    'digest [now [#channel] | schedule "<cron>" [#channel] |'
    " campaign [YYYY-MM-DD [#channel] | stop]]"
)
SUMMARY = (
    "The daily digest: show its schedule, post one now, or set when and where it is posted"
    ' (5-field cron, e.g. "0 9 * * 1-5" = weekdays 09:00).'
)
EXAMPLES = (
    "digest",
    "digest now",
    'digest schedule "0 9 * * 1-5" #security',
    "digest campaign 2026-12-31 #security",
)

# Slack sends a picked channel as <#C0123|name> (escaped) or we get the bare id.
_CHANNEL_REF = re.compile(rf"<#({CHANNEL_ID_PATTERN})(?:\|[^>]*)?>")


def parse_channel(text: str) -> str:
    """A channel id from <#C..|name> or C..; a bare #name cannot be resolved reliably."""
    match = _CHANNEL_REF.fullmatch(text)
    if match:
        return match.group(1)
    if is_channel_id(text):
        return text
    raise InputError(
        f"{shown(text)} is not a channel I can use: pick it from Slack's #-autocomplete (so it"
        " arrives as a link) or give its id (C0123ABCD)."
    )


def _service(request: CommandRequest):
    digests = getattr(request.services, "digests", None)
    if digests is None:
        raise InputError(
            "Scheduled digests are not running in this bot (started without a scheduler)."
        )
    return digests


def handle(request: CommandRequest) -> None:
    args = request.args
    action = args[0].lower() if args else "show"
    if action == "show":
        _show(request)
    elif action == "now":
        if len(args) > 2:
            raise InputError(f"usage: /iam-audit {USAGE}")
        channel = parse_channel(args[1]) if len(args) == 2 else request.channel_id
        _now(request, channel)
    elif action == "schedule":
        if len(args) not in (2, 3):
            raise InputError(
                'usage: /iam-audit digest schedule "<cron>" [#channel] (quote the cron'
                ' expression, e.g. "0 9 * * 1-5")'
            )
        channel = parse_channel(args[2]) if len(args) == 3 else ""
        _schedule(request, args[1], channel)
    elif action == "campaign":
        _campaign(request, args[1:])
    else:
        raise InputError(f"unknown digest action {action!r}; usage: /iam-audit {USAGE}")


def _composed(text: str) -> Message:
    """A reply already in mrkdwn: fixed words, escaped values and channel ids that passed
    parse_channel, whose mentions must work (notice_message would escape them away)."""
    return message(text, [section(text)], fallback_is_mrkdwn=True)


def _describe(schedule: DigestSchedule, request: CommandRequest) -> str:
    upcoming = schedule.next_run(request.now())
    when = f"{upcoming:%a %Y-%m-%d %H:%M} UTC" if upcoming else "never"
    where = f"<#{schedule.channel}>" if schedule.channel else "no channel set"
    return (
        f"Digest schedule: `{escape(schedule.spec.expression)}` ({escape(schedule.timezone)})"
        f" to {where}; next digest {when}."
    )


def _show(request: CommandRequest) -> None:
    schedule = _service(request).current_schedule()
    request.reply(_composed(_describe(schedule, request)))


def _now(request: CommandRequest, channel: str) -> None:
    service = _service(request)
    request.reply(_composed(f"Building the digest for <#{channel}>…"))

    def done(outcome, error: str) -> None:
        text = outcome.sentence() if outcome is not None else f"The digest failed: {error}"
        request.reply(notice_message(text))

    service.run_now(channel, done)


def _check_may_change(request: CommandRequest) -> None:
    """Changing the schedule or running a campaign is for requesters / approvers when configured.

    With no approvals configured (a trial), the `digest` allowlist alone decides.
    """
    desk = request.services.approvals
    if desk is None or (desk.rules.requesters.empty and desk.rules.approvers.empty):
        return
    is_member = membership(request.services)
    rules = desk.rules
    if rules.requesters.includes(request.user_id, is_member) or rules.approvers.includes(
        request.user_id, is_member
    ):
        return
    raise InputError(
        "Sorry, only the configured requesters and approvers (IAM_AUDIT_REQUESTERS /"
        " IAM_AUDIT_APPROVERS) can change the digest schedule or the MFA campaign."
    )


def _schedule(request: CommandRequest, cron: str, channel: str) -> None:
    service = _service(request)
    _check_may_change(request)
    try:
        parse_cron(cron)
    except InputError as exc:
        raise InputError(f"That schedule is not valid: {exc}.") from None
    current = service.current_schedule()
    updated = replace(
        current,
        cron=cron,
        channel=channel or current.channel or request.channel_id,
        updated_by=request.user_id,
        updated_at=request.now(),
    )
    service.set_schedule(updated)
    request.reply(_composed("Saved. " + _describe(updated, request)))


# --- the MFA campaign -------------------------------------------------------------------------


def _campaign(request: CommandRequest, args: list[str]) -> None:
    runner = _service(request).campaign
    if runner is None:
        raise InputError("The MFA campaign is not available in this bot.")
    if not args:
        campaign = runner.current()
        if campaign is None or campaign.stopped:
            request.reply(notice_message("No MFA campaign is running."))
            return
        status = runner.progress(request.now())
        line = (
            f"MFA campaign: deadline {campaign.deadline:%Y-%m-%d}, reminders every"
            f" {plural(campaign.remind_every_days, 'day')}, owner <@{campaign.owner}>."
        )
        if status is not None:
            line += f" {status.enrolled}/{status.total} enrolled, {status.remaining} to go."
        request.reply(notice_message(line))
        return
    _check_may_change(request)
    if args[0].lower() == "stop":
        stopped = runner.stop()
        text = "MFA campaign stopped; no more DMs." if stopped else "No MFA campaign is running."
        request.reply(notice_message(text))
        return
    if len(args) > 2:
        raise InputError("usage: /iam-audit digest campaign YYYY-MM-DD [#channel]")
    try:
        day = date.fromisoformat(args[0])
    except ValueError:
        raise InputError(f"{args[0]!r} is not a date; use YYYY-MM-DD, e.g. 2026-12-31") from None
    channel = parse_channel(args[1]) if len(args) == 2 else request.channel_id
    desk = request.services.approvals
    if desk is not None:
        refusal = desk.rules.request_refusal(request.user_id, membership(request.services))
        if refusal:
            # The owner becomes the requester of the enforcement proposal: same rules apply.
            raise InputError(refusal)
    deadline = datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)
    campaign = runner.start(deadline=deadline, owner=request.user_id, channel=channel)
    request.reply(
        notice_message(
            f"MFA campaign started: console users without MFA get a DM with how to enrol, and a"
            f" reminder every {campaign.remind_every_days} days until {day:%Y-%m-%d}; then"
            f" enforcement is proposed for approval in <#{channel}>."
        )
    )


def enforcement_proposer(services: Any) -> Proposer | None:
    """At the deadline: one approval request per user still without MFA, posted for approvers."""
    if getattr(services, "approvals", None) is None:
        return None

    def propose(proposal: EnforcementProposal, channel: str) -> dict[str, str]:
        created: dict[str, str] = {}
        problems: list[str] = []
        for user in proposal.users:
            try:
                request = services.approvals.propose(
                    requester=proposal.requester,
                    remediation="attach_policy",
                    params=proposal.params(user),
                    is_member=membership(services),
                    origin_channel=channel,
                )
                post_request(services, request)
            except IamAuditError as exc:
                problems.append(f"{user}: {exc}")
                continue
            created[user] = request.id
        if problems and not created:
            raise IamAuditError("no enforcement request could be made: " + "; ".join(problems))
        return created

    return propose
