"""`iam-audit digest`: one digest run, for cron jobs and container schedulers.

Without --post it prints the digest (the baseline does not move). With --post it posts to Slack
under the same (channel, slot) idempotency key as `iam-audit serve`: a run at a scheduled minute
uses that schedule slot, so a cron job and a running bot never both post it; a run that finds
its slot taken says so and exits 0.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
from collections.abc import Iterator, Mapping
from datetime import timedelta

from bot.clicmd._common import (
    add_aws_options,
    add_config_option,
    add_format_option,
    demo_snapshot,
    live_snapshot,
    load_config,
    note,
    utc_now,
    write_output,
)
from bot.digest.content import digest_text
from bot.digest.schedule import channel_id, schedule_from_config
from bot.model.errors import ConfigError, InputError

NAME = "digest"
HELP = "build the digest of what changed since the previous one; --post sends it to Slack"

SCHEDULE_MATCH = timedelta(minutes=30)  # a run this close after a scheduled minute is that slot


EXAMPLES = """\
examples:
  iam-audit digest --demo                       what a digest looks like
  iam-audit digest --profile prod --format json
  SLACK_BOT_TOKEN=xoxb-... iam-audit digest --post --channel C0123456789
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter  # keep the examples' lines
    parser.epilog = EXAMPLES
    parser.add_argument(
        "--post", action="store_true", help="post to Slack (needs SLACK_BOT_TOKEN and a channel)"
    )
    parser.add_argument(
        "--demo", action="store_true", help="digest the built-in demo account (no AWS needed)"
    )
    parser.add_argument(
        "--channel",
        help="id of the channel to post to, like C0123ABCD (default: IAM_AUDIT_DIGEST_CHANNEL)",
    )
    add_format_option(parser, ("text", "json"))
    add_config_option(parser)
    add_aws_options(parser)


def _slot(env: Mapping[str, str], now) -> tuple[str, str, tuple[str, ...]]:
    """(slot, configured channel, accounts): the schedule slot when run at a scheduled time."""
    from bot.digest.scheduler import manual_slot, slot_name  # noqa: PLC0415 - apscheduler only here

    schedule = schedule_from_config(env, {})
    scheduled = schedule.latest_slot(now, SCHEDULE_MATCH)
    slot = slot_name(scheduled) if scheduled else manual_slot(now)
    return slot, schedule.channel, schedule.accounts


def run(args: argparse.Namespace) -> int:
    from bot.digest.run import DigestRunner  # noqa: PLC0415
    from bot.runs.account_audits import AccountAudits  # noqa: PLC0415 - the bot's modules only when used
    from bot.store import make_store  # noqa: PLC0415
    from bot.store.digests import make_digest_store  # noqa: PLC0415

    env = os.environ
    # Checked first: a refused channel costs no audit, no store and no slot.
    given = None if args.channel is None else channel_id(args.channel, label="--channel")
    now = utc_now()
    slot, channel, accounts = _slot(env, now)
    channel = given or channel
    redis_url = env.get("REDIS_URL", "")
    if args.demo:
        target = "demo"

        def source(moment):
            return demo_snapshot(now=moment)
    else:
        profile = args.profile or env.get("IAM_AUDIT_AWS_PROFILE") or env.get("AWS_PROFILE")
        target = f"profile:{profile}" if profile else "default"

        def source(moment):
            return live_snapshot(profile=profile, region=args.region, now=moment)

    if redis_url:  # a malformed REDIS_URL: one InputError naming it, not redis's ValueError
        from bot.store.redis_url import redis_client  # noqa: PLC0415 - redis only when used

        redis_client(redis_url, "REDIS_URL")
    clock = utc_now
    store = make_store(redis_url, clock=clock)
    audits = AccountAudits(
        target=target,
        source=source,
        store=store,
        config=load_config(args.config),
        clock=clock,
        ttl_seconds=7 * 86400,
    )
    digests = make_digest_store(redis_url, clock=clock)
    if not redis_url:
        note(
            "REDIS_URL is not set: no previous digest to compare with, and nothing stops a"
            " second run from posting the same slot"
        )
    poster = _poster(env, store) if args.post else None
    runner = DigestRunner(accounts=[audits], store=digests, poster=poster, clock=clock)
    selected = [a for a in accounts if a == target]
    if not args.post:
        outcome = runner.preview(slot=slot, accounts=selected)
        if args.format == "json":
            body = [d.to_dict() for d in outcome.digests]
            write_output(json.dumps(body, indent=2) + "\n", None)
        else:
            write_output("\n\n".join(digest_text(d) for d in outcome.digests) + "\n", None)
        return 0
    with _slack_logs_quiet(getattr(args, "verbose", 0)):
        outcome = runner.run(channel=channel, slot=slot, accounts=selected)
    if args.format == "json":
        result = {
            "status": outcome.status,
            "channel": outcome.channel,
            "slot": outcome.slot,
            "message_ts": list(outcome.message_ts),
            "detail": outcome.detail,
        }
        write_output(json.dumps(result, indent=2) + "\n", None)
    note(outcome.sentence())
    return 0


@contextlib.contextmanager
def _slack_logs_quiet(verbosity: int) -> Iterator[None]:
    """Without -v, a failed post is one line: slack_sdk logged it twice and the delivery once
    more, each at ERROR, before the error that stops the command said it again."""
    if verbosity > 0:
        yield
        return
    loggers = [logging.getLogger(name) for name in ("slack_sdk", "bot.slack.delivery")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _poster(env: Mapping[str, str], store):
    from bot.slack.delivery import Delivery, make_web_client  # noqa: PLC0415 - Slack only here
    from bot.slack.digest_post import SlackDigestPoster  # noqa: PLC0415

    token = env.get("SLACK_BOT_TOKEN", "")
    if not token.startswith("xoxb-"):
        raise ConfigError(["SLACK_BOT_TOKEN must be set to a bot token (xoxb-...) for --post"])
    from bot.config.settings import DEFAULT_SLACK_API_URL  # noqa: PLC0415 - boto3 only when posting

    base_url = env.get("SLACK_API_URL") or DEFAULT_SLACK_API_URL
    if not base_url.startswith(("https://", "http://")):
        raise InputError(f"SLACK_API_URL must be an http(s) URL, got {base_url!r}")
    if not base_url.endswith("/"):
        base_url += "/"
    client = make_web_client(token=token, base_url=base_url)
    return SlackDigestPoster(Delivery(client, store))
