"""`iam-audit analyzer`: the IAM Access Analyzer analyzers of each region, and the gaps.

Lists every analyzer per region (external, unused and internal access) and says plainly where
external access is not monitored and whether unused access is. Changing analyzers (enable) is a
write and goes through an approval in Slack; this command only reads.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.audit.analyzer_view import RegionAnalyzers, analyzer_kind, analyzers_by_region
from bot.clicmd._common import add_format_option, add_output_option, utc_now, write_output
from bot.clicmd.findings import (
    DEMO_BANNER,
    AnalyzerSource,
    add_source_arguments,
    read_analyzer_source,
)
from bot.render.grammar import plural

NAME = "analyzer"
HELP = "show the IAM Access Analyzer analyzers of each region (live, --demo, --snapshot)"
FORMATS = ("text", "json")
SCHEMA = "iam-audit/analyzers/1"


EXAMPLES = """\
examples:
  iam-audit analyzer --demo
  iam-audit analyzer --profile prod --regions us-east-1,eu-west-1
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter  # keep the examples' lines
    parser.epilog = EXAMPLES
    add_format_option(parser, FORMATS)
    add_output_option(parser)
    add_source_arguments(parser)


def run(args: argparse.Namespace) -> int:
    read = read_analyzer_source(args, now=utc_now(), list_findings=False)
    regions = analyzers_by_region(read.analyzers or (), read.regions)
    rendered = render_json(read, regions) if args.format == "json" else render_text(read, regions)
    write_output(rendered, args.output)
    return 0


def _kind_label(analyzer_type: str) -> str:
    return {
        "external": "external access",
        "unused": "unused access",
        "internal": "internal access",
    }.get(analyzer_kind(analyzer_type), "unknown kind")


def render_text(read: AnalyzerSource, regions: list[RegionAnalyzers]) -> str:
    lines = [f"IAM Access Analyzer analyzers (source: {read.source})"]
    if read.source == "demo":
        lines += ["", DEMO_BANNER]
    for region in regions:
        lines += ["", region.region]
        for analyzer in region.analyzers:
            extra = []
            if analyzer.unused_access_age_days is not None:
                extra.append(f"unused after {analyzer.unused_access_age_days} days")
            if analyzer.status_reason:
                extra.append(analyzer.status_reason)
            if analyzer.created_at:
                extra.append(f"created {analyzer.created_at.date().isoformat()}")
            lines.append(
                f"  {analyzer.name}  {analyzer.type} ({_kind_label(analyzer.type)})"
                f"  {analyzer.status}" + (f"  [{'; '.join(extra)}]" if extra else "")
            )
        if not region.has_active_external:
            lines.append(
                "  ! external access is not monitored here: `aws accessanalyzer create-analyzer"
                f" --analyzer-name account --type ACCOUNT --region {region.region}`"
            )
    watched = sum(1 for r in regions if r.has_active_external)
    unused = any(r.has_active_unused for r in regions)
    lines += [
        "",
        f"external access monitored in {watched} of {plural(len(regions), 'region')} read;"
        f" unused access: {'on' if unused else 'off'}",
    ]
    if read.issues:
        lines += ["", "Problems reading Access Analyzer:"]
        lines += [f"  - {' '.join(issue.message.split())}" for issue in read.issues]
    return "\n".join(lines) + "\n"


def render_json(read: AnalyzerSource, regions: list[RegionAnalyzers]) -> str:
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "source": read.source,
        "demo": read.source == "demo",
        "regions": [
            {
                "region": region.region,
                "external_access_monitored": region.has_active_external,
                "unused_access_monitored": region.has_active_unused,
                "analyzers": [
                    {
                        "name": a.name,
                        "arn": a.arn,
                        "type": a.type,
                        "kind": analyzer_kind(a.type),
                        "status": a.status,
                        "status_reason": a.status_reason or None,
                        "unused_access_age_days": a.unused_access_age_days,
                        "created_at": a.created_at.isoformat() if a.created_at else None,
                    }
                    for a in region.analyzers
                ],
            }
            for region in regions
        ],
        "unused_access_monitored": any(r.has_active_unused for r in regions),
        "errors": [
            {"api": i.api, "action": i.action, "code": i.code, "message": i.message}
            for i in read.issues
        ],
    }
    return json.dumps(document, indent=2) + "\n"
