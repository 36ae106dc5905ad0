"""`/iam-audit findings [external|unused|internal|all] [--status S] [--type T] [--resource P]`.

The listener validates, posts a progress message and queues the read in the bounded pool
(bot/runs/jobs.py). Active findings come from the last audit's snapshot while it is fresh; any other
status (or no fresh snapshot) is read live, with the filter applied by AWS (the demo data in demo
mode). What was read is cached in the store; "Show more", "Archive" and "Remediate" buttons carry
the cache id and a page or an index, so a click never trusts content from the client.

Archive opens a modal for the reason and proposes the `archive_finding` remediation (archiving
hides a risk, so an approver must agree); Remediate proposes the remediation
`remediation_for(finding)` names. Every click is de-duplicated, re-authorized against the
`findings` allowlist, and the approvals desk applies its requester rules.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App

from bot.approvals.desk import ApprovalDesk, Refused
from bot.approvals.model import ApprovalRequest
from bot.audit.analyzer_view import (
    ACTIVE,
    FindingFilter,
    filter_findings,
    finding_row,
    group_findings,
    parse_finding_type,
    parse_status,
    remediation_for,
)
from bot.model.errors import CollectionError, IamAuditError, InputError
from bot.model.snapshot import AnalyzerFinding, parse_aws_time
from bot.runs.account_audits import CachedSnapshot
from bot.runtime.services import Services
from bot.slack.analyzer_blocks import (
    ACTION_ARCHIVE,
    ACTION_PAGE,
    ACTION_PAGE_PREV,
    ACTION_REMEDIATE,
    ARCHIVE_MODAL,
    ARCHIVE_REASON_BLOCK,
    ARCHIVE_REASON_INPUT,
    FindingsContext,
    archive_modal,
    findings_page,
    progress_message,
)
from bot.slack.blocks import Message, notice_message, refusal_message
from commands import approval_requests, handling
from commands.request import CommandRequest

NAME = "findings"
USAGE = (
    "findings [external|unused|internal|all] [--status active|archived|resolved] [--type T]"
    " [--resource ARN-pattern] [--regions R,...]"
)
SUMMARY = (
    "IAM Access Analyzer findings, grouped and paged: the resource, who gets access, which"
    " actions and conditions, when unused access was last used; Archive (with a reason) and"
    " Remediate go through an approval."
)
EXAMPLES = (
    "findings",
    "findings external",
    "findings unused --type UnusedIAMUserAccessKey",
    "findings all --status archived --resource arn:aws:s3:::*",
)

log = logging.getLogger(__name__)

SNAPSHOT_FRESH_SECONDS = 3600  # active findings from an audit younger than this are reused
CACHE_TTL_SECONDS = 24 * 3600
CACHE_SCHEMA = "iam-audit/slack-analyzer-findings/1"
# A second click on the same finding's button within this window is a double click: ignored.
DOUBLE_CLICK_SECONDS = 10

AnalyzerReader = Callable[[Any, datetime], Any]  # (AnalyzerScope, now) -> AccessAnalyzerData
Reply = Callable[[Message], None]


# --- reading -------------------------------------------------------------------------------


def analyzer_reader(services: Services) -> AnalyzerReader:
    """The configured reader: a test's, else the demo data, else the live account."""
    if services.analyzer_reader is not None:
        return services.analyzer_reader
    settings = services.settings

    def read(scope: Any, now: datetime) -> Any:
        if settings.demo:
            from bot.aws.demo_analyzer import demo_access_analyzer_data  # noqa: PLC0415

            return demo_access_analyzer_data(now, scope)
        from bot.aws.access_analyzer import collect_access_analyzer  # noqa: PLC0415 - boto3
        from bot.aws.session import make_session  # noqa: PLC0415

        session = make_session(
            profile=settings.aws_profile or None, region=settings.aws_region or None
        )
        return collect_access_analyzer(session, scope=scope)

    return read


def read_live(services: Services, scope: Any) -> Any:
    """Read Access Analyzer for ``scope``; CollectionError naming the cause when nothing could
    be read (AccessDenied everywhere: the action to grant is in the sentence)."""
    data = analyzer_reader(services)(scope, services.clock())
    if data.analyzers is None:
        reasons = "; ".join(issue.message for issue in data.issues) or "no region could be read"
        raise CollectionError(f"IAM Access Analyzer could not be read: {reasons}.")
    return data


def source_name(services: Services) -> str:
    return "demo" if services.settings.demo and services.analyzer_reader is None else "aws"


def fresh_snapshot(services: Services) -> CachedSnapshot | None:
    """The last audit's snapshot when it is recent enough to answer from, else None."""
    try:
        cached = services.audits.snapshot()
    except InputError:  # no audit yet
        return None
    age = (services.clock() - cached.saved_at).total_seconds()
    return cached if age <= SNAPSHOT_FRESH_SECONDS else None


@dataclass(frozen=True, slots=True)
class FindingsRead:
    """The findings one request asked for, where they came from, and the problems met."""

    view: FindingsContext
    findings: tuple[AnalyzerFinding, ...]


def read_findings(services: Services, wanted: FindingFilter) -> FindingsRead:
    regions = wanted.regions
    cached = fresh_snapshot(services) if wanted.statuses == (ACTIVE,) else None
    snapshot = cached.snapshot if cached else None
    read_regions = set(snapshot.analyzer_regions or ()) if snapshot else set()
    if (
        cached is not None
        and snapshot is not None
        and snapshot.analyzer_findings is not None
        and (not regions or set(regions) <= read_regions)
    ):
        kept = filter_findings(snapshot.analyzer_findings, wanted)
        shown_regions = tuple(r for r in sorted(read_regions) if not regions or r in regions)
        return FindingsRead(_view(wanted, "snapshot", cached.saved_at, shown_regions), tuple(kept))
    from bot.aws.access_analyzer import AnalyzerScope  # noqa: PLC0415 - boto3 only when used

    data = read_live(services, AnalyzerScope.for_filter(wanted, regions or None))
    kept = filter_findings(data.findings or (), wanted)
    issues = tuple(" ".join(issue.message.split()) for issue in data.issues)
    view = _view(wanted, source_name(services), services.clock(), data.regions, issues)
    return FindingsRead(view, tuple(kept))


def _view(
    wanted: FindingFilter,
    source: str,
    as_of: datetime,
    regions: tuple[str, ...],
    issues: tuple[str, ...] = (),
) -> FindingsContext:
    return FindingsContext(
        kind=wanted.kind,
        statuses=wanted.statuses,
        types=wanted.types,
        resource_pattern=wanted.resource_pattern,
        source=source,
        as_of=as_of,
        regions=tuple(regions),
        issues=issues,
    )


# --- the cache of what was read -------------------------------------------------------------


def _cache_owner(services: Services) -> str:
    """Namespace of the cached findings in the report cache (never an audit report's)."""
    return f"{services.audits.target}:analyzer-findings"


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def save_read(services: Services, read: FindingsRead) -> str:
    now = services.clock()
    cache_id = f"aaf-{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    data = {
        "schema": CACHE_SCHEMA,
        "view": _jsonable(asdict(read.view)),
        "findings": [_jsonable(asdict(f)) for f in read.findings],
    }
    services.store.save_report(
        report_id=cache_id,
        account_id=_cache_owner(services),
        data=data,
        saved_at=now,
        ttl_seconds=min(services.settings.report_ttl_seconds, CACHE_TTL_SECONDS),
    )
    return cache_id


def load_read(services: Services, cache_id: str) -> FindingsRead:
    stored = services.store.get_report(cache_id)
    if (
        stored is None
        or stored.account_id != _cache_owner(services)
        or stored.data.get("schema") != CACHE_SCHEMA
    ):
        raise InputError("Those findings are no longer cached; run `/iam-audit findings` again.")
    try:
        view = dict(stored.data["view"])
        view["as_of"] = parse_aws_time(view["as_of"])
        for key in ("statuses", "types", "regions", "issues"):
            view[key] = tuple(view[key])
        findings = []
        for raw in stored.data["findings"]:
            item = dict(raw)
            item["created_at"] = parse_aws_time(item.get("created_at"))
            item["updated_at"] = parse_aws_time(item.get("updated_at"))
            findings.append(AnalyzerFinding(**item))
        return FindingsRead(FindingsContext(**view), tuple(findings))
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("cached findings %s unreadable: %s", cache_id, exc)
        raise InputError("Those findings could not be read back; run the command again.") from None


def render_page(services: Services, cache_id: str, read: FindingsRead, page: int) -> Message:
    return findings_page(
        group_findings(read.findings),
        read.view,
        cache_id=cache_id,
        page=page,
        page_size=services.settings.page_size,
        now=services.clock(),
        findings=read.findings,
    )


def finding_at(read: FindingsRead, index: int) -> AnalyzerFinding:
    """The index-th finding in display order (the order the buttons were numbered in)."""
    rows = [row for group in group_findings(read.findings) for row in group.rows]
    if not 0 <= index < len(rows):
        raise InputError("That finding is no longer in the list; run `/iam-audit findings` again.")
    by_key = {(f.id, f.region, f.analyzer_arn): f for f in read.findings}
    row = rows[index]
    return by_key[(row.id, row.region, row.analyzer_arn)]


# --- the bounded pool, shared with `analyzer` ----------------------------------------------


class PoolReply:
    """A progress message in the channel, replaced by the result or by one error sentence."""

    def __init__(
        self,
        services: Services,
        channel: str,
        ts: str,
        render: Callable[[Any], Message],
        failure: str,
    ) -> None:
        self._services = services
        self._channel = channel
        self._ts = ts
        self._render = render
        self._failure = failure

    def on_stage(self, stage: str, joined: int) -> None:
        """The progress message already says what is happening; stages add nothing here."""

    def on_done(self, result: Any) -> None:
        self._services.delivery.update(self._channel, self._ts, self._render(result))

    def on_error(self, error: IamAuditError) -> None:
        self._services.delivery.update(
            self._channel, self._ts, notice_message(f"{self._failure}: {error}")
        )


def run_in_pool(
    request: CommandRequest,
    *,
    key: str,
    progress: str,
    failure: str,
    work: Callable[[], Any],
    render: Callable[[Any], Message],
) -> None:
    """Post ``progress`` now, run ``work`` in the audit pool, then show ``render(result)``.

    Requests with the same key while one runs join it (same filter, same answer)."""
    services = request.services
    ts = request.post_progress(progress_message(progress))
    if ts is None:
        return
    subscriber = PoolReply(services, request.channel_id, ts, render, failure)
    try:
        services.jobs.submit(key, lambda _progress, _since: work(), subscriber)
    except IamAuditError as exc:
        services.delivery.update(request.channel_id, ts, notice_message(str(exc)))


# --- the command ---------------------------------------------------------------------------

_VALUE_OPTIONS = ("--status", "--type", "--resource", "--regions", "--region")


def parse_args(args: list[str]) -> FindingFilter:
    """The words after `findings`; InputError (with the usage added by handle) when bad."""
    kind: str | None = None
    statuses: list[str] = []
    types: list[str] = []
    resource: str | None = None
    regions: list[str] = []
    items = iter(args)
    for item in items:
        name, has_inline, inline = item.partition("=") if item.startswith("--") else (item, "", "")
        if name in _VALUE_OPTIONS:
            value = inline if has_inline else next(items, None)
            if not value:
                raise InputError(f"{name} needs a value")
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if name == "--status":
                statuses += [parse_status(p) for p in parts]
            elif name == "--type":
                types += [parse_finding_type(p) for p in parts]
            elif name == "--resource":
                resource = value
            else:
                regions += [_region(p) for p in parts]
        elif item.startswith("-"):
            raise InputError(f"unknown option {item}")
        elif kind is not None:
            raise InputError(f"unexpected {item!r} (one kind only)")
        else:
            kind = item.lower()
    wanted = FindingFilter(
        kind=kind or "all",
        statuses=tuple(dict.fromkeys(statuses)) or (ACTIVE,),
        types=tuple(dict.fromkeys(types)),
        resource_pattern=resource,
        regions=tuple(dict.fromkeys(regions)),
    )
    if wanted.types and not wanted.wanted_types():
        raise InputError(f"--type {', '.join(wanted.types)} never matches kind {wanted.kind!r}")
    return wanted


def _region(name: str) -> str:
    parts = name.split("-")
    if len(parts) < 3 or not parts[-1].isdigit() or not all(p.isalnum() for p in parts):
        raise InputError(f"not a region name: {name!r} (e.g. us-east-1)")
    return name.lower()


def _key(services: Services, wanted: FindingFilter) -> str:
    digest = hashlib.sha256(repr(wanted).encode()).hexdigest()[:12]
    return f"{services.audits.target}:analyzer-findings:{digest}"


def handle(request: CommandRequest) -> None:
    try:
        wanted = parse_args(request.args)
    except InputError as exc:
        raise InputError(f"{exc}. Usage: /iam-audit {USAGE}") from None
    services = request.services

    def work() -> tuple[str, FindingsRead]:
        read = read_findings(services, wanted)
        return save_read(services, read), read

    run_in_pool(
        request,
        key=_key(services, wanted),
        progress="Reading IAM Access Analyzer findings...",
        failure="Could not list the Access Analyzer findings",
        work=work,
        render=lambda result: render_page(services, result[0], result[1], 1),
    )


# --- clicks --------------------------------------------------------------------------------


def _value(body: dict[str, Any], *fields: str) -> dict[str, Any]:
    try:
        value = json.loads(body["actions"][0].get("value") or "{}")
        return {"c": str(value["c"]), **{f: int(value[f]) for f in fields}}
    except (ValueError, KeyError, TypeError, IndexError):
        raise InputError("That button is malformed; run `/iam-audit findings` again.") from None


def on_page(services: Services, body: dict[str, Any], _reply: Reply) -> None:
    value = _value(body, "p")
    read = load_read(services, value["c"])
    page = render_page(services, value["c"], read, value["p"])
    services.delivery.update(body["channel"]["id"], body["container"]["message_ts"], page)


def _first_click(services: Services, body: dict[str, Any], value: dict[str, Any]) -> bool:
    """False for a second click on the same finding's button moments after the first."""
    user = body["user"]["id"]
    action_id = body["actions"][0].get("action_id", "")
    key = f"analyzer-finding-click:{user}:{action_id}:{value['c']}:{value['i']}"
    return services.store.first_seen(key, DOUBLE_CLICK_SECONDS)


def _already(reply: Reply) -> None:
    reply(notice_message("Already on it: your first click on this finding is being handled."))


def on_archive(services: Services, body: dict[str, Any], reply: Reply) -> None:
    value = _value(body, "i")
    if not _first_click(services, body, value):
        _already(reply)
        return
    user = body["user"]["id"]
    channel = (body.get("channel") or {}).get("id", "")
    refusal = approval_requests.desk(services).rules.request_refusal(
        user, approval_requests.membership(services)
    )
    if refusal:
        reply(refusal_message(refusal))
        return
    read = load_read(services, value["c"])
    finding = finding_at(read, value["i"])
    if finding.status != ACTIVE:
        raise InputError(
            f"That finding is {finding.status.lower()}; only active ones are archived."
        )
    trigger = body.get("trigger_id", "")
    if not trigger:
        raise InputError("Slack sent no trigger id, so the form cannot open; click again.")
    services.delivery.open_modal(
        trigger,
        archive_modal(finding_row(finding), channel=channel, cache_id=value["c"], index=value["i"]),
    )


def on_remediate(services: Services, body: dict[str, Any], reply: Reply) -> None:
    value = _value(body, "i")
    if not _first_click(services, body, value):
        _already(reply)
        return
    finding = finding_at(load_read(services, value["c"]), value["i"])
    found = remediation_for(finding)
    if found is None:
        raise InputError("There is no one-click remediation for this finding.")
    remediation, params = found
    propose(
        services,
        user=body["user"]["id"],
        channel=(body.get("channel") or {}).get("id", ""),
        remediation=remediation,
        params=params,
        reply=reply,
    )


def archive_reason(view: dict[str, Any]) -> str:
    return handling.submitted(view, ARCHIVE_REASON_BLOCK, ARCHIVE_REASON_INPUT).strip()


def on_archive_submit(services: Services, body: dict[str, Any]) -> None:
    """The reason modal was submitted: re-authorize, then propose `archive_finding`."""
    user = body["user"]["id"]
    view = body.get("view") or {}
    meta = json.loads(view.get("private_metadata") or "{}")
    channel = str(meta.get("channel", ""))

    def reply(msg: Message) -> None:
        if channel:
            services.delivery.post_ephemeral(channel, user, msg)
        else:
            services.delivery.post(user, msg)

    refusal = services.authorizer.refusal(user_id=user, channel_id=channel or None, subcommand=NAME)
    if refusal:  # a modal is a request of its own: the allowlists apply again
        reply(refusal_message(refusal))
        return
    # After authorizing, and per user: a stranger's forged submission must not use up the view
    # id and get the real one dropped as a repeat.
    if not services.store.first_seen(f"analyzer-archive-view:{user}:{view.get('id', '')}", 3600):
        log.info("dropped a repeated archive submission by %s", user)
        return
    try:
        cache_id, index = str(meta["c"]), int(meta["i"])
    except (KeyError, TypeError, ValueError):
        raise InputError("That form is malformed; run `/iam-audit findings` again.") from None
    finding = finding_at(load_read(services, cache_id), index)
    membership = approval_requests.membership(services)

    def propose_archive(desk: ApprovalDesk) -> ApprovalRequest:
        refusal = desk.rules.request_refusal(user, membership)
        if refusal:  # the desk's own first check, kept first: no AWS read for a refused user
            raise Refused(refusal)
        still_active(desk, finding)
        return desk.propose(
            requester=user,
            remediation="archive_finding",
            params={
                "analyzer_arn": finding.analyzer_arn,
                "finding_id": finding.id,
                "resource": finding.resource,
                "finding_type": finding.finding_type,
                "reason": archive_reason(view),
            },
            is_member=membership,
            origin_channel=channel,
        )

    approval_requests.propose_and_post(services, propose_archive, reply)


def still_active(desk: ApprovalDesk, finding: AnalyzerFinding) -> None:
    """InputError unless the finding is still ACTIVE in Access Analyzer (GetFindingV2).

    The list may be hours old: a finding someone archived (or AWS resolved) since would else be
    proposed, approved as a no-op, and offer an Undo that re-activates someone else's archive.
    """
    state = desk.executor().read_state(
        "analyzer_finding",
        finding.id,
        {"region": finding.region, "analyzer_arn": finding.analyzer_arn, "finding_id": finding.id},
    )
    if state.get("exists") is False:
        raise InputError(
            "That finding no longer exists in IAM Access Analyzer (resolved and removed, or its"
            " analyzer deleted); nothing to request."
        )
    status = str(state.get("status") or "unknown")
    if status != ACTIVE:
        raise InputError(
            f"That finding is already {status.lower()} in IAM Access Analyzer (it changed after"
            " the list was read); nothing to request. Run `/iam-audit findings` again for the"
            " current list."
        )


def propose(
    services: Services,
    *,
    user: str,
    channel: str,
    remediation: str,
    params: dict[str, Any],
    reply: Reply,
) -> ApprovalRequest | None:
    """Propose a remediation through the approvals desk and post the request for approvers."""
    return approval_requests.propose_and_post(
        services,
        lambda desk: desk.propose(
            requester=user,
            remediation=remediation,
            params=params,
            is_member=approval_requests.membership(services),
            origin_channel=channel,
        ),
        reply,
    )


ClickHandler = Callable[[Services, dict[str, Any], Reply], None]
ACTIONS: dict[str, ClickHandler] = {
    ACTION_PAGE: on_page,
    ACTION_PAGE_PREV: on_page,
    ACTION_ARCHIVE: on_archive,
    ACTION_REMEDIATE: on_remediate,
}


def register(app: App, services: Services) -> None:
    """Listeners of the findings buttons (re-checked against the `findings` allowlist) and of
    the archive-reason modal."""
    handling.register_clicks(app, services, ACTIONS, allowlist=NAME)

    @app.view(ARCHIVE_MODAL)
    def on_archive_view(ack: Ack, body: dict[str, Any]) -> None:
        if not archive_reason(body.get("view") or {}):
            ack(response_action="errors", errors={ARCHIVE_REASON_BLOCK: "Give a reason."})
            return
        ack()
        handling.on_submission(services, body, on_archive_submit)
