"""`iam-audit snapshot`: collect an account once and save it for offline audits."""

from __future__ import annotations

import argparse
import json

from bot.clicmd._common import (
    add_aws_options,
    add_output_option,
    demo_snapshot,
    live_snapshot,
    note,
    utc_now,
    write_output,
)
from bot.clicmd._progress import terminal_progress
from bot.render.grammar import plural

NAME = "snapshot"
HELP = "collect the account's IAM state into a versioned JSON file (replay with audit --snapshot)"


EXAMPLES = """\
examples:
  iam-audit snapshot --output snap.json --profile prod   collect a live account (read-only calls)
  iam-audit snapshot --demo --output -                   the demo account, to standard output
  iam-audit audit --snapshot snap.json                   audit it later, offline
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter  # keep the examples' lines
    parser.epilog = EXAMPLES
    add_output_option(parser, required=True)
    parser.add_argument(
        "--demo", action="store_true", help="snapshot the built-in demo account (no AWS needed)"
    )
    add_aws_options(parser)


def run(args: argparse.Namespace) -> int:
    now = utc_now()
    with terminal_progress(verbose=getattr(args, "verbose", 0)) as progress:
        progress.stage("collecting the account's IAM data")
        if args.demo:
            snapshot = demo_snapshot(now=now)
        else:
            snapshot = live_snapshot(
                profile=args.profile,
                region=args.region,
                now=now,
                deadline=args.deadline,
                progress=progress,
            )
    write_output(json.dumps(snapshot.to_dict(), indent=2, ensure_ascii=False) + "\n", args.output)
    if args.output != "-":
        issues = len(snapshot.collection_issues)
        note(
            f"snapshot of account {snapshot.account_id} written to {args.output} "
            f"({len(snapshot.users)} users, {len(snapshot.roles)} roles, "
            f"{len(snapshot.policies)} managed policies;"
            f" {plural(issues, 'collection issue')})"
        )
    return 0
