"""`iam-audit findings [external|unused|internal|all]`: IAM Access Analyzer findings, grouped.

Reads Access Analyzer live (the status filter is applied by AWS), from the demo (`--demo`), or
from a snapshot file (`--snapshot`, which holds the statuses collected with it, ACTIVE by
default). Each finding shows the resource, who gets access, which actions, under which
conditions and, for unused access, when it was last used.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.audit.analyzer_view import (
    ACTIVE,
    KIND_CHOICES,
    FindingFilter,
    FindingGroup,
    FindingRow,
    GrantConditions,
    filter_findings,
    grants_by_row,
    group_findings,
    parse_finding_type,
    parse_status,
    row_key,
)
from bot.audit.findings import SEVERITIES_WORST_FIRST
from bot.clicmd._common import (
    add_aws_options,
    add_format_option,
    add_output_option,
    snapshot_file,
    utc_now,
    write_output,
)
from bot.model.errors import CollectionError, InputError
from bot.model.snapshot import Analyzer, AnalyzerFinding, CollectionIssue
from bot.render.common import one_line
from bot.render.grammar import plural

NAME = "findings"
HELP = (
    "list IAM Access Analyzer findings: external access, unused access (live, --demo, --snapshot)"
)
FORMATS = ("text", "json")
SCHEMA = "iam-audit/analyzer-findings/1"
DEMO_BANNER = (
    "*** DEMO DATA: fictional Access Analyzer findings of the demo account; no real AWS account"
    " was read. ***"
)


@dataclass(frozen=True, slots=True)
class AnalyzerSource:
    """What was read, from where: the records plus the problems met while reading them."""

    source: str  # "aws" | "demo" | "snapshot"
    analyzers: tuple[Analyzer, ...] | None
    findings: tuple[AnalyzerFinding, ...] | None
    regions: tuple[str, ...]
    issues: tuple[CollectionIssue, ...] = ()
    statuses_read: tuple[str, ...] = (ACTIVE,)


# --- options shared with `iam-audit analyzer` ----------------------------------------------


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_argument_group(
        "input (default: the live account of the AWS credential chain)"
    ).add_mutually_exclusive_group()
    source.add_argument(
        "--demo", action="store_true", help="the built-in demo account's analyzer (no AWS needed)"
    )
    source.add_argument(
        "--snapshot", metavar="FILE", help="a snapshot written by `iam-audit snapshot`"
    )
    parser.add_argument(
        "--regions",
        metavar="R,...",
        help="regions to read (default: the account's enabled regions)",
    )
    add_aws_options(parser)


def parse_regions(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    regions = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if not regions:
        raise InputError("--regions needs at least one region name")
    bad = [r for r in regions if not _looks_like_region(r)]
    if bad:
        raise InputError(f"not a region name: {', '.join(bad)} (e.g. us-east-1)")
    return regions


def _looks_like_region(name: str) -> bool:
    parts = name.split("-")
    return len(parts) >= 3 and parts[-1].isdigit() and all(p.isalnum() for p in parts)


def read_analyzer_source(
    args: argparse.Namespace,
    *,
    now: datetime,
    statuses: tuple[str, ...] = (ACTIVE,),
    finding_types: tuple[str, ...] = (),
    list_findings: bool = True,
) -> AnalyzerSource:
    """Analyzers and findings from ``--demo``, ``--snapshot`` or the live account."""
    regions = parse_regions(args.regions)
    if args.snapshot:
        snapshot = snapshot_file(args.snapshot)
        if snapshot.analyzers is None:
            raise InputError(
                f"snapshot file {args.snapshot} has no Access Analyzer data (it was collected"
                " without it, or access-analyzer:ListAnalyzers was denied)"
            )
        kept = tuple(
            f for f in snapshot.analyzer_findings or () if not regions or f.region in regions
        )
        analyzers = tuple(a for a in snapshot.analyzers if not regions or a.region in regions)
        audited = snapshot.analyzer_regions or tuple(sorted({a.region for a in analyzers}))
        statuses_read = tuple(sorted({f.status for f in kept} | {ACTIVE}))
        return AnalyzerSource(
            "snapshot",
            analyzers,
            kept if snapshot.analyzer_findings is not None else None,
            tuple(r for r in audited if not regions or r in regions),
            statuses_read=statuses_read,
        )
    from bot.aws.access_analyzer import AnalyzerScope  # noqa: PLC0415 - boto3 only when needed

    scope = AnalyzerScope(
        regions=regions,
        statuses=statuses,
        finding_types=finding_types,
        list_findings=list_findings,
    )
    if args.demo:
        from bot.aws.demo_analyzer import demo_access_analyzer_data  # noqa: PLC0415

        data = demo_access_analyzer_data(now, scope)
        source = "demo"
    else:
        from bot.aws.access_analyzer import collect_access_analyzer  # noqa: PLC0415
        from bot.aws.session import make_session  # noqa: PLC0415

        session = make_session(profile=args.profile, region=args.region)
        data = collect_access_analyzer(session, scope=scope)
        source = "aws"
    if data.analyzers is None:
        reasons = "; ".join(issue.message for issue in data.issues) or "no region could be read"
        raise CollectionError(f"IAM Access Analyzer could not be read: {reasons}")
    return AnalyzerSource(
        source, data.analyzers, data.findings, data.regions, data.issues, statuses_read=statuses
    )


# --- the command ---------------------------------------------------------------------------


EXAMPLES = """\
examples:
  iam-audit findings --demo
  iam-audit findings external --resource 'arn:aws:s3:::*' --profile prod
  iam-audit findings unused --status active,archived --format json
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter  # keep the examples' lines
    parser.epilog = EXAMPLES
    parser.add_argument(
        "kind",
        nargs="?",
        default="all",
        choices=KIND_CHOICES,
        help="external access, unused access, internal access, or all (default: all)",
    )
    parser.add_argument(
        "--status",
        action="append",
        metavar="STATUS",
        help="active (default), archived or resolved; repeat or comma-separate for several",
    )
    parser.add_argument(
        "--type",
        dest="types",
        action="append",
        metavar="TYPE",
        help="finding type, e.g. ExternalAccess, UnusedIAMRole, UnusedIAMUserAccessKey;"
        " repeat or comma-separate for several",
    )
    parser.add_argument(
        "--resource",
        metavar="ARN-PATTERN",
        help="only resources whose ARN matches this glob (e.g. 'arn:aws:s3:::*')",
    )
    add_format_option(parser, FORMATS)
    add_output_option(parser)
    add_source_arguments(parser)


def _split(values: list[str] | None) -> list[str]:
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def finding_filter(args: argparse.Namespace) -> FindingFilter:
    statuses = tuple(dict.fromkeys(parse_status(s) for s in _split(args.status))) or (ACTIVE,)
    types = tuple(dict.fromkeys(parse_finding_type(t) for t in _split(args.types)))
    wanted = FindingFilter(
        kind=args.kind,
        statuses=statuses,
        types=types,
        resource_pattern=args.resource or None,
        regions=parse_regions(args.regions) or (),
    )
    if wanted.types and not wanted.wanted_types():
        raise InputError(f"--type {', '.join(wanted.types)} never matches kind {wanted.kind!r}")
    return wanted


def run(args: argparse.Namespace) -> int:
    wanted = finding_filter(args)
    now = utc_now()
    read = read_analyzer_source(
        args, now=now, statuses=wanted.statuses, finding_types=wanted.wanted_types()
    )
    findings = filter_findings(read.findings or (), wanted)
    groups = group_findings(findings)
    if args.format == "json":
        rendered = render_json(read, wanted, groups, now=now)
    else:
        rendered = render_text(read, wanted, groups, now=now)
    write_output(rendered, args.output)
    return 0


# --- rendering -----------------------------------------------------------------------------


def _missing_statuses(read: AnalyzerSource, wanted: FindingFilter) -> list[str]:
    if read.source != "snapshot":
        return []
    return [s for s in wanted.statuses if s not in read.statuses_read]


def render_text(
    read: AnalyzerSource, wanted: FindingFilter, groups: list[FindingGroup], *, now: datetime
) -> str:
    lines: list[str] = []
    statuses = ", ".join(s.lower() for s in wanted.statuses)
    regions = ", ".join(read.regions) or "none"
    lines.append(f"IAM Access Analyzer findings: {wanted.kind}, status {statuses}")
    lines.append(f"source: {read.source}  regions read: {regions}")
    if read.source == "demo":
        lines += ["", DEMO_BANNER]
    if read.findings is None:
        lines += ["", "The findings were not collected in this input (only the analyzers)."]
    grants = grants_by_row(read.findings or ())
    for group in groups:
        lines += ["", f"{one_line(group.finding_type)} ({len(group.rows)})"]
        for row in group.rows:
            lines += _row_lines(row, now, grants.get(row_key(row)))
    rows = [row for group in groups for row in group.rows]
    counts = Counter(row.severity for row in rows)
    by_severity = ", ".join(f"{counts[s]} {s.value}" for s in SEVERITIES_WORST_FIRST if counts[s])
    lines += ["", plural(len(rows), "finding") + (f": {by_severity}" if by_severity else "")]
    for status in _missing_statuses(read, wanted):
        lines.append(
            f"note: the snapshot holds no {status.lower()} findings (it keeps the statuses"
            " collected with it); read the live account to see them"
        )
    if read.issues:
        lines += ["", "Problems reading Access Analyzer:"]
        lines += [f"  - {' '.join(issue.message.split())}" for issue in read.issues]
    return "\n".join(lines) + "\n"


def ago(moment: datetime, now: datetime) -> str:
    """'200 days ago (2026-05-14)'."""
    days = (now - moment).days
    return f"{days} day{'' if days == 1 else 's'} ago ({moment.date().isoformat()})"


def _row_lines(row: FindingRow, now: datetime, grants: GrantConditions | None = None) -> list[str]:
    """The lines of one finding. Every AWS string is put on one line (one_line): principals and
    condition values come from resource policies whoever can edit the resource wrote, and a
    newline in one would otherwise print a line of its own (a forged finding or total).
    ``grants``: which of the finding's grants have conditions; when some have none, the
    conditions line says so first instead of reading as though every grant were conditional."""
    resource = one_line(row.resource) or "(no resource)"
    lines = [f"  [{row.severity.value}] {resource}"]
    lines.append(
        f"      {one_line(row.resource_type)}, {one_line(row.region)},"
        f" {one_line(row.status.lower())}, id {one_line(row.id)}"
    )
    if row.kind in ("external", "internal"):
        if not row.details_fetched:
            lines.append("      who: not read (GetFindingV2 denied or over the detail limit)")
        else:
            who = ", ".join(one_line(p) for p in row.principals) or "unknown"
            if row.is_public:
                who = f"anyone (public) - {who}"
            lines.append(f"      who: {who}")
            shown = ", ".join(one_line(a) for a in row.actions)
            lines.append(f"      actions: {shown or 'not given'}")
            conditions = ", ".join(
                f"{one_line(k)} = {one_line(v)}" for k, v in sorted(row.conditions.items())
            )
            if grants is not None and grants.mixed:
                conditions = f"{grants.none_for()}; the others: {conditions}"
            lines.append(f"      conditions: {conditions or 'none'}")
    elif row.kind == "unused":
        if row.access_key_id:
            lines.append(f"      access key: {one_line(row.access_key_id)}")
        if row.actions:
            lines.append(f"      unused: {', '.join(one_line(a) for a in row.actions)}")
        if not row.details_fetched:
            lines.append("      last used: not read (GetFindingV2 denied or over the detail limit)")
        else:
            used = ago(row.last_accessed, now) if row.last_accessed else "never (or not tracked)"
            lines.append(f"      last used: {used}")
    if row.error:
        lines.append(f"      Access Analyzer could not analyse it: {one_line(row.error)}")
    return lines


def _row_json(row: FindingRow, grants: GrantConditions | None) -> dict[str, Any]:
    """A row's JSON, with how many of its grants (access entries) there are and how many of
    them have no condition: ``conditions`` merges the keys of every grant, so a grant with none
    is only seen here."""
    counted = grants or GrantConditions(0, 0)
    return {
        **row.to_dict(),
        "grants": counted.grants,
        "grants_without_conditions": counted.unconditional,
    }


def render_json(
    read: AnalyzerSource, wanted: FindingFilter, groups: list[FindingGroup], *, now: datetime
) -> str:
    rows = [row for group in groups for row in group.rows]
    counts = Counter(row.severity for row in rows)
    grants = grants_by_row(read.findings or ())
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "source": read.source,
        "generated_at": now.isoformat(),
        "demo": read.source == "demo",
        "filter": {
            "kind": wanted.kind,
            "statuses": list(wanted.statuses),
            "types": list(wanted.types),
            "resource": wanted.resource_pattern,
        },
        "regions": list(read.regions),
        "groups": [
            {
                "finding_type": group.finding_type,
                "kind": group.kind,
                "findings": [_row_json(row, grants.get(row_key(row))) for row in group.rows],
            }
            for group in groups
        ],
        "summary": {
            "findings": len(rows),
            "by_severity": {s.value: counts[s] for s in SEVERITIES_WORST_FIRST},
        },
        "errors": [
            {"api": i.api, "action": i.action, "code": i.code, "message": i.message}
            for i in read.issues
        ],
        "notes": [
            f"the snapshot holds no {status.lower()} findings"
            for status in _missing_statuses(read, wanted)
        ],
    }
    return json.dumps(document, indent=2) + "\n"
