"""`/iam-audit rightsize <user|role/NAME> [--days N] [--preview]`: a principal's policies cut down
to what it used, proven, and posted as an approval request.

The listener checks the requester rules, posts a progress message and queues the work in the
bounded pool: read the principal's usage (IAM last-accessed data, Access Analyzer when an
unused-access analyzer exists), build the proposal and its proof from the last audit's account
data, then hand it to the approvals desk. The request message is the preview (proof + diff); a
second person approves, the bot applies, and the result's Undo button restores.
In demo mode, or with --preview, the proposal is shown without a request.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from bot.approvals.desk import Refused
from bot.iam.catalogue import default_catalogue
from bot.model.errors import DeliveryError, InputError
from bot.remediation.fixes.rightsize import RIGHTSIZE
from bot.rightsize.proposal import Proposal, build_proposal, find_principal, parse_principal
from bot.rightsize.usage import DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS
from bot.runtime.services import Services
from bot.slack.blocks import Message, message, notice_message, section
from bot.slack.rightsize_blocks import no_proposal, proposal_preview
from commands import approval_requests
from commands.findings import run_in_pool
from commands.request import CommandRequest

NAME = "rightsize"
USAGE = "rightsize <user/NAME|role/NAME> [--days N] [--copy-aws-managed] [--preview]"
SUMMARY = (
    "Cut a user's or role's policies down to what it used (IAM last-accessed data, Access"
    " Analyzer), with the proof; posted for approval, with Undo."
)
EXAMPLES = ("rightsize role/lambda-processor", "rightsize user/kate.notaction --days 30 --preview")

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Options:
    principal: str
    days: int = DEFAULT_WINDOW_DAYS
    preview: bool = False
    copy_aws_managed: bool = False


def parse_args(args: list[str]) -> Options:
    principal = ""
    days = DEFAULT_WINDOW_DAYS
    preview = False
    copy = False
    items = iter(args)
    for item in items:
        name, has_inline, inline = item.partition("=") if item.startswith("--") else (item, "", "")
        if name == "--days":
            value = inline if has_inline else next(items, "")
            try:
                days = int(value)
            except ValueError:
                raise InputError(f"--days needs a number of days, not {value!r}") from None
            if not 1 <= days <= MAX_WINDOW_DAYS:
                raise InputError(f"--days must be 1 to {MAX_WINDOW_DAYS}")
        elif name == "--preview":
            preview = True
        elif name == "--copy-aws-managed":
            copy = True
        elif item.startswith("-"):
            raise InputError(f"unknown option {item}")
        elif principal:
            raise InputError(f"one principal only ({principal!r} and {item!r} given)")
        else:
            principal = item
    if not principal:
        raise InputError("name the user or role")
    return Options(principal, days, preview, copy)


def usage_reader(services: Services) -> Any:
    if services.usage_reader is not None:
        return services.usage_reader
    from bot.aws.last_accessed import make_usage_reader  # noqa: PLC0415 - boto3 when used

    settings = services.settings
    services.usage_reader = make_usage_reader(
        demo=settings.demo,
        profile=settings.aws_profile or None,
        region=settings.aws_region or None,
    )
    return services.usage_reader


def propose(services: Services, options: Options) -> Proposal:
    """Read the usage and build the proposal (in the pool: the AWS job takes seconds)."""
    cached = services.audits.snapshot()
    snapshot = cached.snapshot
    kind, name = parse_principal(options.principal, snapshot)
    principal = find_principal(snapshot, kind, name)
    evidence = usage_reader(services)(principal.arn, principal.create_date, services.clock())
    return build_proposal(
        snapshot,
        kind,
        name,
        evidence=evidence,
        days=options.days,
        catalogue=default_catalogue(),
        copy_aws_managed=options.copy_aws_managed,
    )


def attach_full_documents(services: Services, request: Any) -> None:
    """The request message clips long diffs; the approver gets every document in its thread.
    A failed upload is logged: the request itself (and its content hash) stands."""
    body = {
        "request": request.id,
        "content_hash": request.content_hash,
        "target": request.target.to_dict(),
        "edits": request.params.get("edits"),
        "proof": request.params.get("proof"),
    }
    try:
        services.delivery.upload_text(
            channel=request.channel,
            filename=f"rightsize-{request.target.name}-{request.id}.json",
            content=json.dumps(body, indent=2, sort_keys=True),
            title=f"Right-sizing {request.target.describe()}: every document",
            comment="Every old and new policy document of this request, and the proof.",
            thread_ts=request.message_ts or None,
        )
    except DeliveryError as exc:
        log.warning("could not attach the documents of %s: %s", request.id, exc)


def handle(request: CommandRequest) -> None:
    try:
        options = parse_args(request.args)
    except InputError as exc:
        raise InputError(f"{exc}. Usage: /iam-audit {USAGE}") from None
    services = request.services
    # Demo data (no injected reader): there is no account to change, so only a preview.
    demo = services.settings.demo and services.usage_reader is None
    text, days, preview = options.principal, options.days, options.preview
    if not (preview or demo):
        refusal = approval_requests.desk(services).rules.request_refusal(
            request.user_id, approval_requests.membership(services)
        )
        if refusal:
            request.reply(notice_message(refusal))
            return

    def work() -> Message:
        proposal = propose(services, options)
        if not proposal.actionable:
            return no_proposal(proposal)
        if preview or demo:
            why = (
                "Demo mode: nothing can be applied, so no approval request was made."
                if demo
                else f"Preview only: `/iam-audit rightsize {text}` asks for approval."
            )
            return proposal_preview(proposal, note=why)
        try:
            created = approval_requests.desk(services).propose(
                requester=request.user_id,
                remediation=RIGHTSIZE,
                params=proposal.remediation_params(),
                is_member=approval_requests.membership(services),
                origin_channel=request.channel_id,
            )
        except Refused as exc:
            return notice_message(str(exc))
        posted = approval_requests.post_request(services, created)
        attach_full_documents(services, posted)
        notice = (
            f"Right-sizing request `{posted.id}` posted in <#{posted.channel}> with its proof;"
            f" an approver has until {posted.expires_at.isoformat(timespec='minutes')} to decide."
        )
        return message(notice, [section(notice)], fallback_is_mrkdwn=True)

    key = hashlib.sha256(f"{options}|{request.user_id}".encode()).hexdigest()[:12]
    run_in_pool(
        request,
        key=f"{services.audits.target}:rightsize:{key}",
        progress=f"Reading what {text} used in the last {days} days...",
        failure=f"Could not right-size {text}",
        work=work,
        render=lambda result: result,
    )
