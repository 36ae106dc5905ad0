"""`iam-audit suppressions`: the suppressions approved from Slack (Redis), as TOML or a list."""

from __future__ import annotations

import argparse
import os

from bot.clicmd._common import add_output_option, note, utc_now, write_output
from bot.model.errors import InputError
from bot.render.grammar import plural

NAME = "suppressions"
HELP = "export, list or remove the suppressions approved from Slack (stored in Redis)"
EXAMPLES = """\
examples:
  iam-audit suppressions export -o slack-suppressions.toml   (uses $REDIS_URL)
  iam-audit suppressions list --redis-url redis://localhost:6379/0
  iam-audit suppressions remove user.without_mfa 'arn:aws:iam::123456789012:user/bob'

`export` writes [[suppressions]] tables for the config file (--config); expired ones are left
out unless --all.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EXAMPLES
    parser.add_argument("action", choices=("export", "list", "remove"))
    parser.add_argument("check", nargs="?", help="remove: the check id")
    parser.add_argument("resource", nargs="?", help="remove: the resource (as listed)")
    parser.add_argument("--all", action="store_true", help="include expired suppressions")
    add_output_option(parser)
    parser.add_argument("--redis-url", help="Redis URL (default: $REDIS_URL)")


def run(args: argparse.Namespace) -> int:
    url = args.redis_url or os.environ.get("REDIS_URL", "")
    if not url:
        raise InputError(
            "set REDIS_URL (or --redis-url): suppressions approved from Slack live in Redis"
        )
    from bot.approvals.suppressions import to_toml  # noqa: PLC0415
    from bot.store.suppressions import RedisSuppressions  # noqa: PLC0415 - redis only here

    store = RedisSuppressions.from_url(url, option="--redis-url" if args.redis_url else "REDIS_URL")
    if args.action == "remove":
        if not args.check or not args.resource:
            raise InputError("remove needs the check id and the resource, as `list` shows them")
        if not store.remove(args.check, args.resource):
            raise InputError(f"no suppression of {args.check} on {args.resource}")
        note(f"removed the suppression of {args.check} on {args.resource}")
        return 0
    if args.check or args.resource:
        raise InputError(f"`{args.action}` takes no check or resource (only `remove` does)")
    now = utc_now()
    found = [s for s in store.all() if args.all or s.rule().is_active(now)]
    if args.action == "export":
        header = (
            "# Suppressions approved from Slack (iam-audit suppressions export);"
            " paste into the config file.\n\n"
        )
        write_output(header + to_toml(found), args.output)
    else:
        lines = [
            f"{s.check}  {s.resource}  until {s.expires.isoformat()}  ({s.reason};"
            f" approved by {s.approved_by})"
            for s in found
        ]
        write_output("\n".join(lines) + ("\n" if lines else ""), args.output)
    note(f"{plural(len(found), 'suppression')}" + ("" if args.all else " in force"))
    return 0
