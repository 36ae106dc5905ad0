"""`/iam-audit analyzer [enable external|unused [--region R]]`: analyzers per region, and enabling.

Listing answers from the last audit's snapshot while it is fresh, else reads the analyzers live
in the bounded pool. `enable` never creates anything itself: it proposes the
`enable_access_analyzer` remediation, which an approver must approve.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.audit.analyzer_view import RegionAnalyzers, analyzers_by_region
from bot.model.errors import InputError
from bot.slack.analyzer_blocks import analyzers_message
from commands.findings import fresh_snapshot, propose, read_live, run_in_pool, source_name
from commands.request import CommandRequest

NAME = "analyzer"
USAGE = "analyzer [enable external|unused [--region R]]"
SUMMARY = (
    "IAM Access Analyzer analyzers per region and the regions without an external- or"
    " unused-access analyzer; `enable` asks an approver to create one."
)
EXAMPLES = ("analyzer", "analyzer enable external --region eu-west-1", "analyzer enable unused")

DEFAULT_REGION = "us-east-1"
ANALYZER_TYPES = {"external": "ACCOUNT", "unused": "ACCOUNT_UNUSED_ACCESS"}


@dataclass(frozen=True, slots=True)
class AnalyzersRead:
    regions: list[RegionAnalyzers]
    source: str
    as_of: datetime
    issues: tuple[str, ...] = ()


def handle(request: CommandRequest) -> None:
    args = request.args
    if not args or args[0].lower() == "list":
        if len(args) > 1:
            raise InputError(f"`analyzer` takes no more words. Usage: /iam-audit {USAGE}")
        show(request)
        return
    if args[0].lower() == "enable":
        enable(request, args[1:])
        return
    raise InputError(f"unknown analyzer action {args[0]!r}. Usage: /iam-audit {USAGE}")


def show(request: CommandRequest) -> None:
    services = request.services
    cached = fresh_snapshot(services)
    now = services.clock()
    if cached is not None and cached.snapshot.analyzers is not None:
        snapshot = cached.snapshot
        audited = snapshot.analyzer_regions or tuple(sorted({a.region for a in snapshot.analyzers}))
        read = AnalyzersRead(
            analyzers_by_region(snapshot.analyzers, audited), "snapshot", cached.saved_at
        )
        request.reply(_render(read, now))
        return

    def work() -> AnalyzersRead:
        from bot.aws.access_analyzer import AnalyzerScope  # noqa: PLC0415 - boto3 when used

        data = read_live(services, AnalyzerScope(list_findings=False, details=False))
        issues = tuple(" ".join(i.message.split()) for i in data.issues)
        return AnalyzersRead(
            analyzers_by_region(data.analyzers or (), data.regions),
            source_name(services),
            services.clock(),
            issues,
        )

    run_in_pool(
        request,
        key=f"{services.audits.target}:analyzers",
        progress="Reading the IAM Access Analyzer analyzers of each region...",
        failure="Could not list the Access Analyzer analyzers",
        work=work,
        render=lambda read: _render(read, services.clock()),
    )


def _render(read: AnalyzersRead, now: datetime) -> dict:
    return analyzers_message(
        read.regions, source=read.source, as_of=read.as_of, now=now, issues=read.issues
    )


def parse_enable(args: list[str]) -> tuple[str, str | None]:
    """`external|unused [--region R]` -> (analyzer type, region or None)."""
    kind: str | None = None
    region: str | None = None
    items = iter(args)
    for item in items:
        if item in ("--region", "--regions") or item.startswith("--region="):
            value = item.split("=", 1)[1] if "=" in item else next(items, None)
            if not value:
                raise InputError("--region needs a value")
            region = value.strip().lower()
        elif item.startswith("-"):
            raise InputError(f"unknown option {item}")
        elif kind is None:
            kind = item.lower()
        else:
            raise InputError(f"unexpected {item!r}")
    if kind not in ANALYZER_TYPES:
        raise InputError("say which analyzer to enable: external or unused")
    return ANALYZER_TYPES[kind], region


def enable(request: CommandRequest, args: list[str]) -> None:
    try:
        analyzer_type, region = parse_enable(args)
    except InputError as exc:
        raise InputError(f"{exc}. Usage: /iam-audit {USAGE}") from None
    services = request.services
    if region is None:
        cached = fresh_snapshot(services)
        region = (
            services.settings.aws_region
            or (cached.snapshot.region if cached else "")
            or DEFAULT_REGION
        )
    propose(
        services,
        user=request.user_id,
        channel=request.channel_id,
        remediation="enable_access_analyzer",
        params={"region": region, "analyzer_type": analyzer_type},
        reply=request.reply,
    )
