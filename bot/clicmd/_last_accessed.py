"""`iam-audit audit --last-accessed`: add IAM's service last-accessed data to the snapshot.

Opt-in because it costs one report job per user and role (a Generate call and one or more
polls each); the number of calls is reported. Feeds principal.unused_services.
"""

from __future__ import annotations

import argparse

from bot.clicmd._common import note
from bot.model.errors import InputError
from bot.model.snapshot import AccountSnapshot

MAX_WORKERS = 16


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 1 <= value <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"must be 1 to {MAX_WORKERS}")
    return value


def add_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("usage (principal.unused_services)")
    group.add_argument(
        "--last-accessed",
        action="store_true",
        help="also read IAM's service last-accessed data for every user and role (one report"
        " job each; the number of AWS calls is reported)",
    )
    group.add_argument(
        "--last-accessed-workers",
        type=_workers,
        default=4,
        metavar="N",
        help=f"report jobs at once (1-{MAX_WORKERS}, default 4)",
    )


def with_last_accessed(args: argparse.Namespace, snapshot: AccountSnapshot) -> AccountSnapshot:
    from bot.aws.last_accessed import add_last_accessed  # noqa: PLC0415 - boto3 when used

    if args.snapshot or args.gaad:
        raise InputError(
            "--last-accessed reads the live account (or --demo); a snapshot or GAAD file has no"
            " last-accessed data"
        )
    updated, collected = add_last_accessed(
        snapshot,
        demo=args.demo,
        profile=args.profile,
        region=args.region,
        workers=args.last_accessed_workers,
    )
    principals = len(snapshot.users) + sum(1 for r in snapshot.roles if not r.is_service_linked)
    if args.last_accessed:  # the demo reads its usage data unasked, and in-process: no cost
        note(
            f"last-accessed data: {len(collected.services)}/{principals} principals,"
            f" {collected.calls} AWS calls, {args.last_accessed_workers} at once"
        )
    for problem in collected.problems[:5]:
        note(f"last-accessed data not read for {problem}")
    return updated
