"""Posting a digest: the message, then the trend chart and the full report in its thread.

Goes through the Delivery's WebClient, so 429s are waited out (Retry-After) and retried by the
same slack_sdk retry handlers as every other message; failures become DeliveryError.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.digest.run import Attachment
from bot.model.errors import DeliveryError
from bot.slack.blocks import Message
from bot.slack.delivery import Delivery

log = logging.getLogger(__name__)


class SlackDigestPoster:
    """The DigestPoster of bot.digest.run backed by Slack's Web API."""

    def __init__(self, delivery: Delivery) -> None:
        self._delivery = delivery

    def post_message(self, channel: str, message: Message) -> str:
        return self._delivery.post(channel, message)

    def attach(
        self, channel: str, thread_ts: str, attachments: list[Attachment], comment: str
    ) -> None:
        """One files_upload_v2 call (upload URLs, uploads, complete) sharing both files."""
        uploads: list[dict[str, Any]] = []
        for item in attachments:
            key = "file" if isinstance(item.data, bytes) else "content"
            uploads.append({key: item.data, "filename": item.filename, "title": item.title})
        try:
            self._delivery.client.files_upload_v2(
                channel=channel,
                thread_ts=thread_ts,
                initial_comment=comment,
                file_uploads=uploads,
            )
        except SlackApiError as exc:
            error = exc.response.get("error", "unknown_error") if exc.response else "unknown_error"
            log.error("Slack files_upload_v2 failed: %s (channel=%s)", error, channel)
            raise DeliveryError(
                f"Slack refused the digest attachments: {error}", slack_error=str(error)
            ) from exc
        except (SlackClientError, OSError) as exc:
            log.error("digest attachments could not be sent: %s", exc)
            raise DeliveryError(f"could not reach Slack to attach the digest files: {exc}") from exc

    def direct_message(self, user_id: str, message: Message) -> str:
        """A DM: chat.postMessage to the user id opens (or reuses) the app's DM with them."""
        return self._delivery.post(user_id, message)

    def lookup_email(self, email: str) -> str | None:
        """users.lookupByEmail: the Slack user id, or None when nobody has that address."""
        try:
            response = self._delivery.client.users_lookupByEmail(email=email)
        except SlackApiError as exc:
            error = exc.response.get("error", "") if exc.response else ""
            if error == "users_not_found":
                return None
            raise DeliveryError(
                f"Slack refused users.lookupByEmail: {error or 'error'}",
                slack_error=str(error or "error"),
            ) from exc
        except (SlackClientError, OSError) as exc:
            raise DeliveryError(f"could not reach Slack for users.lookupByEmail: {exc}") from exc
        user = (response.data or {}).get("user") if isinstance(response.data, dict) else None
        return str(user.get("id")) if isinstance(user, dict) and user.get("id") else None
