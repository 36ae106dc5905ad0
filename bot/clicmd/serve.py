"""`iam-audit serve`: run the Slack bot (Socket Mode with SLACK_APP_TOKEN, else HTTP on --port)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.model.errors import ConfigError, InputError, StoreError
from bot.render.safe_output import neutralize
from bot.slack.log_redaction import install as install_redaction

if (
    TYPE_CHECKING
):  # bot.config.settings pulls in boto3: imported by the command, not by every CLI run
    from bot.config.settings import Settings

NAME = "serve"
HELP = "run the Slack bot (/iam-audit); --demo serves the built-in demo account"

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=None, help="HTTP port (default 3000)")
    parser.add_argument("--host", default="0.0.0.0", help="HTTP bind address (default 0.0.0.0)")  # noqa: S104 - a server
    parser.add_argument(
        "--demo", action="store_true", help="serve the built-in demo account (no AWS)"
    )
    parser.add_argument(
        "--config", metavar="FILE", help="TOML file with [slack], [aws], [bot] and audit settings"
    )


def announce(settings: Settings, store_kind: str) -> list[str]:
    """What a starting bot says about itself (never a token)."""
    mode = "Socket Mode" if settings.socket_mode else f"HTTP on port {settings.port}"
    if settings.demo:
        account = "built-in demo account (no AWS access used)"
    else:
        account = (
            f"AWS profile {settings.aws_profile}"
            if settings.aws_profile
            else "default AWS credential chain"
        )
    lines = [
        f"iam-audit serve: {mode}",
        f"account: {account}",
        f"Slack API: {settings.slack_api_url}",
    ]
    if store_kind == "memory":
        lines.append(
            "REDIS_URL is not set: using the in-process store (one process only; caches, locks"
            " and de-dupe keys are lost at exit)"
        )
    else:
        lines.append("state store: Redis")
    if settings.allowed_channels:
        lines.append(f"channels: {', '.join(sorted(settings.allowed_channels))}")
    return lines


def health_of(services: Any):
    def health() -> tuple[bool, dict[str, Any]]:
        try:
            services.store.ping()
        except StoreError:
            return False, {"store": "unreachable"}
        return True, {"store": services.store.kind}

    return health


def configure_logging(level_name: str) -> None:
    """Log to stderr with every handler masking Slack tokens (slack_sdk logs headers at DEBUG)."""
    level = logging.getLevelName(level_name.strip().upper())
    logging.basicConfig(
        level=level if isinstance(level, int) else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for handler in logging.getLogger().handlers:
        install_redaction(handler)


def _mask_configured_secrets(settings: Settings) -> None:
    """The tokens, signing secret and Redis password, wherever they came from (environment or
    config file), are masked by value in every log line from here on."""
    from bot.runtime.observability import (  # noqa: PLC0415
        register_environment_secrets,
        register_secrets,
        url_password,
    )

    register_environment_secrets(os.environ)
    register_secrets(
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        url_password(settings.redis_url),
    )


def run(args: argparse.Namespace) -> int:
    from bot.app import create_app  # noqa: PLC0415 - Slack libraries only for this subcommand
    from bot.config.settings import load_settings  # noqa: PLC0415 - boto3 only for this subcommand
    from bot.runtime.services import build_services  # noqa: PLC0415
    from bot.slack.http_server import SlackHttpServer, run_socket_mode  # noqa: PLC0415

    configure_logging(os.environ.get("IAM_AUDIT_LOG_LEVEL", "INFO"))
    try:
        settings = load_settings(
            os.environ, config_file=args.config, demo=args.demo, port=args.port
        )
        _mask_configured_secrets(settings)
        services = build_services(settings)
    except ConfigError as exc:
        print("iam-audit serve: the configuration has problems:", file=sys.stderr)
        for problem in exc.problems:  # they quote the file's values: shown, never obeyed
            print(neutralize(f"  - {problem}"), file=sys.stderr)
        return 2
    try:
        services.store.ping()
    except StoreError as exc:
        print(f"iam-audit serve: {exc}", file=sys.stderr)
        return 2
    for line in announce(settings, services.store.kind):
        print(line, file=sys.stderr)
    try:
        app = create_app(settings, services)
    except ConfigError as exc:  # Slack unreachable or the token refused: one sentence, exit 2
        print(f"iam-audit serve: {'; '.join(exc.problems)}", file=sys.stderr)
        services.jobs.shutdown()
        return 2
    try:
        reconciler = _start_reconciler(services)
    except InputError as exc:
        print(f"iam-audit serve: {exc}", file=sys.stderr)
        services.jobs.shutdown()
        return 2
    ops = _start_operations(services, settings, args.host)
    # Audit worker processes start in the background: the first audit does not wait for them.
    threading.Thread(target=services.audits.warm_up, name="audit-warm-up", daemon=True).start()
    try:
        services.digests = _start_digests(services)
    except InputError as exc:
        print(f"iam-audit serve: the digest configuration has problems: {exc}", file=sys.stderr)
        return 2
    stop_on_sigterm()
    try:
        if settings.socket_mode:
            run_socket_mode(app, app_token=settings.slack_app_token)
        else:
            server = SlackHttpServer(
                app,
                host=args.host,
                port=settings.port,
                health=health_of(services),
                metrics=ops.exposition,
            )
            print(
                f"listening on http://{args.host}:{server.port}/slack/events and /healthz",
                file=sys.stderr,
            )
            server.serve_forever()
    except (KeyboardInterrupt, Terminated):
        pass
    finally:
        reconciler.shutdown()
        services.digests.shutdown()
        services.jobs.shutdown()
        ops.shutdown()
    return 0


class Terminated(BaseException):
    """SIGTERM arrived (systemd, a supervisor, `kill`): stop as Ctrl-C does."""


def stop_on_sigterm() -> None:
    """Turn SIGTERM (systemd, supervisors, `kill`) into :class:`Terminated` in the main thread,
    so the bot shuts down as on Ctrl-C: the scheduler, the reconciler and the audit worker
    processes are stopped. Python's default for SIGTERM ends the process at once, leaving the
    workers behind."""

    def terminated(signum: int, frame: Any) -> None:
        raise Terminated

    signal.signal(signal.SIGTERM, terminated)


def _start_reconciler(services: Any) -> Any:
    """Finish, from IAM, approval requests a crash left `applying` (now and every minute);
    IAM_AUDIT_RECONCILE_AFTER_SECONDS (default 600) is how quiet a request must have been."""
    from bot.approvals.reconciler import ApplyReconciler  # noqa: PLC0415
    from commands.approvals import reconcile_applying  # noqa: PLC0415

    after = reconcile_quiet_period()
    return ApplyReconciler(lambda: reconcile_applying(services, stale_after=after)).start()


def reconcile_quiet_period() -> timedelta:
    """IAM_AUDIT_RECONCILE_AFTER_SECONDS (default 600), raised above the longest one AWS call
    can take with the configured timeouts and retries: a request judged while its call is
    still retrying would be finished from an IAM state that is about to change."""
    from bot.aws.deadline import longest_call_seconds, seconds_setting  # noqa: PLC0415
    from bot.aws.session import RETRY_CONFIG  # noqa: PLC0415

    quiet = seconds_setting("IAM_AUDIT_RECONCILE_AFTER_SECONDS", 600.0) or 600.0
    longest = longest_call_seconds(int(RETRY_CONFIG["max_attempts"]))
    if quiet <= longest:
        raised = longest + 60.0
        log.warning(
            "IAM_AUDIT_RECONCILE_AFTER_SECONDS=%g is shorter than one AWS call can take with"
            " these timeouts and retries (%g s); interrupted applies are judged after %g s",
            quiet,
            longest,
            raised,
        )
        quiet = raised
    return timedelta(seconds=quiet)


def _start_operations(services: Any, settings: Settings, host: str) -> Any:
    """JSON logs, Prometheus metrics; in Socket Mode also the /healthz + /metrics port."""
    from bot.runtime.observability import start_operations  # noqa: PLC0415

    ops = start_operations(
        services,
        settings,
        host=host,
        health=health_of(services),
        serve_http=settings.socket_mode,
    )
    if settings.socket_mode and ops.server is not None:
        print(f"health and metrics on http://{host}:{ops.server.port}/healthz", file=sys.stderr)
    return ops


def _start_digests(services: Any) -> Any:
    """The digest scheduler and MFA campaign (bot/digest/scheduler.py), started in the
    background."""
    from bot.digest.scheduler import build_digest_scheduler  # noqa: PLC0415 - apscheduler only here
    from commands.digest import enforcement_proposer  # noqa: PLC0415

    scheduler = build_digest_scheduler(
        services, os.environ, proposer=enforcement_proposer(services)
    )
    scheduler.start()
    schedule = scheduler.current_schedule()
    where = f"to {schedule.channel}" if schedule.channel else "(no IAM_AUDIT_DIGEST_CHANNEL: off)"
    print(f"digest: {schedule.spec.expression!r} {schedule.timezone} {where}", file=sys.stderr)
    return scheduler
