"""`iam-audit history`: export the approvals audit trail (the Redis stream at REDIS_URL)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
from itertools import islice

from bot.clicmd._common import add_format_option, add_output_option, write_output
from bot.model.errors import InputError

NAME = "history"
HELP = "export the approvals audit trail (requests, decisions, AWS calls) from Redis"
CSV_FIELDS = (
    "entry_id",
    "at",
    "kind",
    "request_id",
    "actor",
    "api",
    "ok",
    "aws_request_id",
    "detail",
)


EXAMPLES = """\
examples:
  iam-audit history --redis-url redis://localhost:6379/0 --limit 50
  iam-audit history --format csv -o approvals.csv     (uses $REDIS_URL)
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter  # keep the examples' lines
    parser.epilog = EXAMPLES
    add_format_option(parser, ("json", "csv"), default="json")
    add_output_option(parser)
    parser.add_argument(
        "--limit",
        type=_limit_arg,
        default=0,
        metavar="N",
        help="only the newest N entries (0 = all)",
    )
    parser.add_argument("--redis-url", help="Redis URL (default: $REDIS_URL)")


# Redis takes a count of at most 2**63 - 1; above it, the error blamed the audit trail.
_MAX_LIMIT = 10**9


def _limit_arg(text: str) -> int:
    """argparse ``type=`` for --limit: a whole number from 0 (all) to a billion."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text[:40]!r}") from None
    if not 0 <= value <= _MAX_LIMIT:
        raise argparse.ArgumentTypeError(
            f"must be 0 (all) to {_MAX_LIMIT:,} entries, got {text[:40]}"
        )
    return value


def run(args: argparse.Namespace) -> int:
    url = args.redis_url or os.environ.get("REDIS_URL", "")
    if not url:
        raise InputError("set REDIS_URL (or --redis-url): the audit trail lives in Redis")
    from bot.store.audit_log import RedisAuditLog  # noqa: PLC0415 - redis only for this subcommand

    log = RedisAuditLog.from_url(url, option="--redis-url" if args.redis_url else "REDIS_URL")
    if args.limit:
        entries = list(reversed(log.last(args.limit)))
    else:
        entries = list(islice(log.export(), None))
    if args.format == "json":
        write_output(json.dumps([e.to_dict() for e in entries], indent=2) + "\n", args.output)
        return 0
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for entry in entries:
        data = dict(entry.data)
        writer.writerow(
            {
                "entry_id": entry.entry_id,
                "at": entry.at.isoformat(),
                "kind": entry.kind,
                "request_id": entry.request_id,
                "actor": entry.actor,
                "api": data.pop("api", ""),
                "ok": data.pop("ok", ""),
                "aws_request_id": data.pop("request_id", ""),
                "detail": json.dumps(data, sort_keys=True),
            }
        )
    write_output(buffer.getvalue(), args.output)
    return 0
