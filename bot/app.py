"""create_app(settings, services): the Bolt app with every listener registered.

Listeners ack first and then work; audits go to the bounded pool in bot/runs/jobs.py. Events API
retries are dropped and events are de-duplicated by event_id, so a double delivery runs once.

The bot serves the one workspace its token belongs to (auth.test's team, or any workspace of the
same Enterprise Grid organization): a command, click or submission made by someone of another
workspace (a Slack Connect channel shared with another company, or the app installed elsewhere:
Slack signs those with the same signing secret) is acked and refused before any listener runs,
whatever the allowlists say. An open allowlist means everyone *in the workspace*.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from slack_bolt import Ack, App, BoltRequest, BoltResponse
from slack_bolt.error import BoltError
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk.errors import SlackApiError

from bot.config.settings import Settings
from bot.model.errors import ConfigError, StoreError
from bot.runtime.services import Services
from bot.slack.blocks import LINT_BLOCK_ID, LINT_MODAL_CALLBACK
from bot.slack.home import HomeTab
from commands import approvals, audit, findings, lint, router, suppress

log = logging.getLogger(__name__)

EVENT_DEDUPE_SECONDS = 3600
TRIGGER_DEDUPE_SECONDS = 600  # longer than the 5 minutes a signature stays valid
LISTENER_THREADS = 16


def create_app(settings: Settings, services: Services, *, token_verification: bool = True) -> App:
    """Build the app; with token_verification it calls auth.test once (a bad token fails here).

    Raises ConfigError, one sentence, when Slack cannot be reached or rejects the token.
    """
    bolt_logger = logging.getLogger("slack_bolt")
    try:
        with _quiet_construction(bolt_logger):
            app = App(
                signing_secret=settings.slack_signing_secret or None,
                client=services.delivery.client,
                token_verification_enabled=token_verification,
                request_verification_enabled=not settings.socket_mode,
                process_before_response=False,
                listener_executor=ThreadPoolExecutor(
                    max_workers=LISTENER_THREADS, thread_name_prefix="bolt-listener"
                ),
                logger=bolt_logger,
            )
    except OSError as exc:  # URLError, refused connection, timeout: Slack is not reachable
        reason = getattr(exc, "reason", None) or exc
        raise ConfigError(
            [
                f"Slack's API at {settings.slack_api_url} could not be reached to verify the"
                f" token (auth.test): {reason}"
            ]
        ) from exc
    except BoltError as exc:  # Bolt wraps auth.test's error answer (invalid_auth, ...)
        raise ConfigError([_auth_test_refusal(exc, settings.slack_api_url)]) from exc
    app.middleware(own_workspace_only)
    app.middleware(drop_event_retries)
    app.middleware(_dedupe_events(services))
    app.middleware(_dedupe_commands(services))
    home = HomeTab(services)
    services.audits.add_after_audit(lambda _result: home.refresh_all())

    @app.command(router.SLASH)
    def on_command(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        router.on_command(services, body)

    for action_id in audit.ACTIONS:

        @app.action(action_id)
        def on_click(ack: Ack, body: dict[str, Any]) -> None:
            ack()
            router.on_action(services, body)

    @app.view(LINT_MODAL_CALLBACK)
    def on_lint_submit(ack: Ack, body: dict[str, Any]) -> None:
        if not lint.submitted_policy(body.get("view", {})):
            ack(response_action="errors", errors={LINT_BLOCK_ID: "Paste a policy document."})
            return
        ack()
        router.on_view_submission(services, body, lint.on_submit)

    approvals.register(app, services)
    suppress.register(app, services)
    findings.register(app, services)

    @app.event("app_home_opened")
    def on_home_opened(event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        user_id = event.get("user", "")

        def work() -> None:
            home.opened(user_id)

        router.run_safely(f"app home of {user_id}", lambda _m: None, work)

    return app


@contextmanager
def _quiet_construction(bolt_logger: logging.Logger) -> Iterator[None]:
    """Silence two misleading log lines while Bolt builds the app and calls auth.test.

    Bolt reads SLACK_BOT_TOKEN from the environment even when given a client, then warns that it
    ignores it: our client carries the configured bot token, so the warning only misleads. And
    slack_sdk logs each failed attempt to reach Slack; create_app reports that failure itself, in
    one sentence.
    """
    token_skipped = warning_client_prioritized_and_token_skipped()

    class DropStartupNoise(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            message = record.getMessage()
            return message != token_skipped and not message.startswith(_SDK_SEND_FAILED)

    noise = DropStartupNoise()
    loggers = (bolt_logger, logging.getLogger(_SDK_LOGGER))
    for logger in loggers:
        logger.addFilter(noise)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(noise)


_SDK_LOGGER = "slack_sdk.web.base_client"
_SDK_SEND_FAILED = "Failed to send a request to Slack API server"


def _auth_test_refusal(exc: BoltError, api_url: str) -> str:
    answer = exc.__context__
    if not isinstance(answer, SlackApiError) or answer.response is None:
        return f"the Slack app could not be set up: {exc}"
    status = answer.response.status_code
    if status != 200:  # a proxy or an outage answered, not Slack's verdict on the token
        return (
            f"Slack's API at {api_url} answered HTTP {status} to auth.test, so the token could"
            " not be verified"
        )
    code = answer.response.get("error") or "error"
    return f"Slack's API at {api_url} refused SLACK_BOT_TOKEN (auth.test: {code})"


FOREIGN_WORKSPACE_REPLY = (
    "Sorry, this bot only answers people of the Slack workspace it is installed in."
)


def own_workspace_only(req: BoltRequest, resp: BoltResponse, next: Callable[[], Any]) -> Any:
    """Refuse what a user of another workspace sends: every team id the payload names (the
    installation's, the acting user's, the view's) must be the bot token's team, or every
    enterprise id it names that of the token's Enterprise Grid organization. Fails closed: a
    payload naming no team, or a token whose team is unknown, is refused."""
    ours = req.context.authorize_result
    our_team = getattr(ours, "team_id", None) or ""
    our_enterprise = getattr(ours, "enterprise_id", None) or ""
    body = req.body if isinstance(req.body, dict) else {}
    teams, enterprises = _workspaces_named(body)
    same_team = bool(our_team) and bool(teams) and teams <= {our_team}
    same_org = bool(our_enterprise) and bool(enterprises) and enterprises <= {our_enterprise}
    if same_team or same_org:
        return next()
    log.warning(
        "refused a %s from workspace(s) %s (enterprise %s): this bot serves %s (enterprise %s)",
        body.get("type") or ("command" if body.get("command") else "request"),
        ",".join(sorted(teams)) or "unknown",
        ",".join(sorted(enterprises)) or "none",
        our_team or "unknown",
        our_enterprise or "none",
    )
    # A command's ack body is shown to its user (ephemeral); a click or an event gets nothing.
    return BoltResponse(status=200, body=FOREIGN_WORKSPACE_REPLY if body.get("command") else "")


def _workspaces_named(body: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(team ids, enterprise ids) a Slack payload names, as strings; empty values left out."""
    teams: list[Any] = [body.get("team_id"), body.get("user_team_id")]
    enterprises: list[Any] = [body.get("enterprise_id")]
    for key in ("team", "enterprise"):
        value = body.get(key)
        if isinstance(value, dict):
            (teams if key == "team" else enterprises).append(value.get("id"))
            if key == "team":
                enterprises.append(value.get("enterprise_id"))
        elif isinstance(value, str):
            (teams if key == "team" else enterprises).append(value)
    user = body.get("user")
    if isinstance(user, dict):
        teams.append(user.get("team_id"))
        enterprises.append(user.get("enterprise_id"))
    view = body.get("view")
    if isinstance(view, dict):
        teams.extend([view.get("team_id"), view.get("app_installed_team_id")])
    event = body.get("event")
    if isinstance(event, dict):  # the acting user's workspace in a shared channel
        teams.append(event.get("user_team"))
    for authorization in body.get("authorizations") or []:
        if isinstance(authorization, dict):
            teams.append(authorization.get("team_id"))
            enterprises.append(authorization.get("enterprise_id"))
    return (
        {str(t) for t in teams if t and isinstance(t, str)},
        {str(e) for e in enterprises if e and isinstance(e, str)},
    )


def drop_event_retries(req: BoltRequest, resp: BoltResponse, next: Callable[[], Any]) -> Any:
    """Slack re-sends an event it thinks timed out; the first delivery is already being handled."""
    if req.headers.get("x-slack-retry-num"):
        log.info(
            "dropped Events API retry %s (%s)",
            req.headers.get("x-slack-retry-num"),
            req.headers.get("x-slack-retry-reason"),
        )
        return BoltResponse(status=200, body="")
    return next()


def _first_time(services: Services, key: str, ttl_seconds: int) -> bool:
    """Whether ``key`` is seen for the first time within ``ttl_seconds``; with Redis away the
    request is handled (better handled twice than never)."""
    try:
        return services.store.first_seen(key, ttl_seconds)
    except StoreError as exc:
        log.error("de-duplication unavailable (%s): %s", key.partition(":")[0], exc)
        return True


def _dedupe_commands(services: Services) -> Callable[..., Any]:
    """A slash command replayed (same trigger_id, within Slack's 5-minute signature window) runs
    once: the replay is acked and dropped, so `apply` cannot create two requests. (Clicks have
    their own de-dupe by action_ts in the listeners.)"""

    def dedupe_commands(req: BoltRequest, resp: BoltResponse, next: Callable[[], Any]) -> Any:
        body = req.body if isinstance(req.body, dict) else {}
        trigger = body.get("trigger_id")
        replayed = (
            trigger
            and body.get("command")
            and not _first_time(services, f"trigger:{trigger}", TRIGGER_DEDUPE_SECONDS)
        )
        if replayed:
            log.info("dropped a replayed command (trigger_id %s)", trigger)
            return BoltResponse(status=200, body="")
        return next()

    return dedupe_commands


def _dedupe_events(services: Services) -> Callable[..., Any]:
    def dedupe_events(req: BoltRequest, resp: BoltResponse, next: Callable[[], Any]) -> Any:
        event_id = req.body.get("event_id") if isinstance(req.body, dict) else None
        if event_id and not _first_time(services, f"event:{event_id}", EVENT_DEDUPE_SECONDS):
            log.info("dropped duplicate event %s", event_id)
            return BoltResponse(status=200, body="")
        return next()

    return dedupe_events
