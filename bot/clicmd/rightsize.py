"""`iam-audit rightsize`: what a user or role really used, and its policies cut down to that,
with the proof (nothing is changed: the change is requested in Slack, through an approval)."""

from __future__ import annotations

import argparse
import json

from bot.clicmd._common import (
    add_aws_options,
    add_format_option,
    add_output_option,
    demo_snapshot,
    live_snapshot,
    note,
    utc_now,
    write_output,
)
from bot.iam.catalogue import default_catalogue
from bot.rightsize.proposal import build_proposal, find_principal, parse_principal
from bot.rightsize.text import proposal_text
from bot.rightsize.usage import DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS

NAME = "rightsize"
HELP = "propose a user's or role's policies cut down to what it used, with the proof"

EXAMPLES = """\
examples:
  iam-audit rightsize role/lambda-processor --demo
  iam-audit rightsize user/kate.notaction --demo --days 30 --format json
  iam-audit rightsize role/deployer --profile audit --days 90

Reads IAM's last-accessed report (action level) for that principal, and Access Analyzer's
unused-access findings and recommendations when an unused-access analyzer exists. Refuses when
AWS has tracked the principal for less than the window. To apply, ask in Slack:
/iam-audit rightsize role/NAME (an approver must approve it).
"""


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {text!r}") from None
    if not 1 <= value <= MAX_WINDOW_DAYS:
        raise argparse.ArgumentTypeError(f"--days must be 1 to {MAX_WINDOW_DAYS}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EXAMPLES
    parser.add_argument("principal", help="user/NAME, role/NAME, an ARN, or a name")
    parser.add_argument(
        "--days",
        type=_days,
        default=DEFAULT_WINDOW_DAYS,
        help=f"usage window in days (default {DEFAULT_WINDOW_DAYS})",
    )
    parser.add_argument(
        "--demo", action="store_true", help="the built-in demo account (no AWS account needed)"
    )
    parser.add_argument(
        "--no-analyzer",
        action="store_true",
        help="do not read Access Analyzer (IAM last-accessed data only)",
    )
    parser.add_argument(
        "--copy-aws-managed",
        action="store_true",
        help="propose replacing AWS-managed policies, for this principal only, by a scoped"
        " customer-managed copy (default: leave them, with the reason)",
    )
    add_aws_options(parser)
    add_format_option(parser, ("text", "json"))
    add_output_option(parser)


def run(args: argparse.Namespace) -> int:
    from bot.aws.last_accessed import make_usage_reader  # noqa: PLC0415 - boto3 when used

    now = utc_now()
    if args.demo:
        snapshot = demo_snapshot(now=now)
    else:
        snapshot = live_snapshot(profile=args.profile, region=args.region, now=now)
    kind, name = parse_principal(args.principal, snapshot)
    principal = find_principal(snapshot, kind, name)
    reader = make_usage_reader(
        demo=args.demo,
        profile=args.profile,
        region=args.region,
        analyzer=not args.no_analyzer,
    )
    evidence = reader(principal.arn, principal.create_date, snapshot.collected_at)
    for line in evidence.notes:
        note(line)
    note(f"read usage of {kind} {name} with {evidence.calls} AWS call(s)")
    proposal = build_proposal(
        snapshot,
        kind,
        name,
        evidence=evidence,
        days=args.days,
        catalogue=default_catalogue(),
        copy_aws_managed=args.copy_aws_managed,
    )
    if args.format == "json":
        body = {
            "principal": principal.arn,
            "days": args.days,
            "actionable": proposal.actionable,
            "explanation": proposal.explanation,
            "evidence": evidence.to_dict(),
            "untouched": [{"what": u.what, "reason": u.reason} for u in proposal.untouched],
            "proposal": proposal.remediation_params() if proposal.actionable else None,
        }
        write_output(json.dumps(body, indent=2, sort_keys=True) + "\n", args.output)
    else:
        write_output(proposal_text(proposal), args.output)
    return 0
