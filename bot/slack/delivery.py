"""Talking to Slack's Web API: retries on 429 and connection errors, errors become DeliveryError.

Every outgoing message goes through :class:`Delivery`, so the rate-limit handling, the
response_url budget (5 uses in 30 minutes) and the error translation live in one place.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.webhook import WebhookClient

from bot.model.errors import DeliveryError, StoreError
from bot.store.base import Store

log = logging.getLogger(__name__)

RESPONSE_URL_MAX_USES = 5
RESPONSE_URL_WINDOW_SECONDS = 30 * 60
RATE_LIMIT_RETRIES = 8

Message = dict[str, Any]


class PatientRateLimitHandler(RateLimitErrorRetryHandler):
    """slack_sdk's 429 handler with the wait made injectable (tests) and observable (logs).

    It waits exactly what Retry-After asks (plus jitter under a second, as slack_sdk does) and
    retries; a rate-limited message is delayed, never dropped.
    """

    def __init__(
        self,
        *,
        max_retry_count: int = RATE_LIMIT_RETRIES,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._sleep = sleep
        self._jitter = jitter
        self.waits: list[float] = []

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error  # type: ignore[misc]  # same contract as the parent class
        state.next_attempt_requested = True
        header = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), None)
        try:
            seconds = float(header[0] if isinstance(header, list) else header) if header else 1.0
        except ValueError:
            seconds = 1.0
        wait = seconds + self._jitter()
        self.waits.append(wait)
        log.warning("Slack rate-limited %s; retrying in %.1fs", request.url, wait)
        self._sleep(wait)
        state.increment_current_attempt()


class ReconnectHandler(ConnectionErrorRetryHandler):
    """slack_sdk's retry on a dropped connection (with its back-off), the wait made injectable."""

    def __init__(self, *, sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__()
        self._sleep = sleep

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        self._sleep(self.interval_calculator.calculate_sleep_duration(state.current_attempt))
        state.increment_current_attempt()


def retry_handlers(sleep: Callable[[float], None] = time.sleep) -> list[RetryHandler]:
    return [ReconnectHandler(sleep=sleep), PatientRateLimitHandler(sleep=sleep)]


def make_web_client(
    *, token: str, base_url: str, sleep: Callable[[float], None] = time.sleep
) -> WebClient:
    """A WebClient for the bot token; nothing is sent until the first call."""
    return WebClient(token=token, base_url=base_url, retry_handlers=retry_handlers(sleep))


class Delivery:
    """Posts, updates, uploads and view calls; every Slack failure becomes a DeliveryError."""

    def __init__(
        self,
        client: WebClient,
        store: Store,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self._store = store
        self._sleep = sleep

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = getattr(self.client, method)(**kwargs)
        except SlackApiError as exc:
            error = exc.response.get("error", "unknown_error") if exc.response else "unknown_error"
            log.error("Slack %s failed: %s (channel=%s)", method, error, kwargs.get("channel"))
            raise DeliveryError(f"Slack refused {method}: {error}", slack_error=str(error)) from exc
        except (SlackClientError, OSError) as exc:
            log.error("Slack %s could not be sent: %s", method, exc)
            raise DeliveryError(f"could not reach Slack for {method}: {exc}") from exc
        return response.data if isinstance(response.data, dict) else {}

    def post(self, channel: str, message: Message, *, thread_ts: str | None = None) -> str:
        """Post a message; returns its ts (needed to update it later)."""
        data = self._call(
            "chat_postMessage",
            channel=channel,
            text=message["text"],
            blocks=message.get("blocks"),
            thread_ts=thread_ts,
        )
        return str(data.get("ts", ""))

    def update(self, channel: str, ts: str, message: Message) -> None:
        self._call(
            "chat_update",
            channel=channel,
            ts=ts,
            text=message["text"],
            blocks=message.get("blocks"),
        )

    def post_ephemeral(self, channel: str, user: str, message: Message) -> None:
        self._call(
            "chat_postEphemeral",
            channel=channel,
            user=user,
            text=message["text"],
            blocks=message.get("blocks"),
        )

    def respond(
        self,
        *,
        response_url: str,
        channel: str,
        user: str,
        message: Message,
        replace_original: bool = False,
    ) -> None:
        """Ephemeral reply through response_url while its budget lasts, then with the bot token."""
        if response_url and self._response_url_left(response_url):
            webhook = WebhookClient(response_url, retry_handlers=retry_handlers(self._sleep))
            try:
                result = webhook.send(
                    text=message["text"],
                    blocks=message.get("blocks"),
                    response_type="ephemeral",
                    replace_original=replace_original,
                )
            except (SlackClientError, OSError) as exc:
                log.error("response_url reply failed: %s (channel=%s)", exc, channel)
                raise DeliveryError(f"could not reach Slack's response_url: {exc}") from exc
            if result.status_code == 200:
                return
            log.warning(
                "response_url answered %s (%s); falling back to the bot token",
                result.status_code,
                result.body,
            )
        self.post_ephemeral(channel, user, message)

    def _response_url_left(self, response_url: str) -> bool:
        key = "response_url:" + hashlib.sha256(response_url.encode()).hexdigest()[:32]
        try:
            return self._store.count_use(key, RESPONSE_URL_WINDOW_SECONDS) <= RESPONSE_URL_MAX_USES
        except StoreError as exc:  # the user must still hear back; Slack refuses a 6th use anyway
            log.error("response_url budget unknown (%s); using it", exc)
            return True

    def upload_text(
        self,
        *,
        channel: str,
        filename: str,
        content: str,
        title: str,
        comment: str = "",
        thread_ts: str | None = None,
    ) -> None:
        """Attach a file (files_upload_v2: get upload URL, upload, complete)."""
        self._call(
            "files_upload_v2",
            channel=channel,
            filename=filename,
            content=content,
            title=title,
            initial_comment=comment or None,
            thread_ts=thread_ts,
        )

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        self._call("views_publish", user_id=user_id, view=view)

    def open_modal(self, trigger_id: str, view: dict[str, Any]) -> None:
        self._call("views_open", trigger_id=trigger_id, view=view)

    def usergroup_members(self, group_id: str) -> set[str]:
        data = self._call("usergroups_users_list", usergroup=group_id)
        return set(data.get("users") or [])
