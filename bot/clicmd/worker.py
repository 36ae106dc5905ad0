"""`iam-audit worker`: run audit jobs from the Redis queue (scale-out with IAM_AUDIT_QUEUE=rq)."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from bot.model.errors import ConfigError
from bot.render.safe_output import neutralize

NAME = "worker"
HELP = "process queued audits (RQ) from REDIS_URL; run as many as you like, on any machine"

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--burst", action="store_true", help="exit when the queue is empty (batch runs, tests)"
    )
    parser.add_argument(
        "--no-fork",
        action="store_true",
        help="run jobs in this process instead of a forked child (simpler, less isolated)",
    )
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        default=None,
        help="log format (default: IAM_AUDIT_LOG_FORMAT or text)",
    )


def run(args: argparse.Namespace) -> int:
    from bot.runs.queue import AuditQueue, worker_settings  # noqa: PLC0415 - rq only for this command
    from bot.runtime.observability import configure_logging  # noqa: PLC0415

    log_format = args.log_format or os.environ.get("IAM_AUDIT_LOG_FORMAT", "text")
    try:
        if log_format.strip().lower() not in ("text", "json"):
            # configure_logging's ValueError was an "unexpected" exit 3
            raise ConfigError(
                [f"IAM_AUDIT_LOG_FORMAT must be 'text' or 'json', got {log_format!r}"]
            )
        configure_logging(os.environ.get("IAM_AUDIT_LOG_LEVEL", "INFO"), log_format=log_format)
        settings = worker_settings(os.environ)
    except ConfigError as exc:
        print("iam-audit worker: the configuration has problems:", file=sys.stderr)
        for problem in exc.problems:  # they quote the file's values: shown, never obeyed
            print(neutralize(f"  - {problem}"), file=sys.stderr)
        return 2
    queue = AuditQueue(settings.redis_url)
    log.info("worker listening on queue %s", queue.name)
    queue.run_worker(burst=args.burst, simple=args.no_fork)
    return 0
