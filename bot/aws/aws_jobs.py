"""Asynchronous AWS report jobs, shared by the usage adapters: counted calls with errors
translated at the boundary, and polling with a growing delay and a bounded total wait."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from bot.aws.errors import THROTTLING_CODES, translate_botocore_error, translate_client_error
from bot.model.errors import CollectionError


@dataclass(frozen=True, slots=True)
class Polling:
    """How long to wait for an asynchronous AWS job: first delay, doubling up to ``max_delay``,
    at most ``max_wait`` seconds in all."""

    first_delay: float = 1.0
    max_delay: float = 8.0
    max_wait: float = 120.0


class Counter:
    """AWS calls made, for the "N calls" every usage read reports."""

    def __init__(self) -> None:
        self.calls = 0


def call(counter: Counter, client: Any, api: str, action: str, **kwargs: Any) -> dict[str, Any]:
    counter.calls += 1
    method = getattr(client, _snake(api))
    try:
        return method(**kwargs)
    except ClientError as exc:
        raise translate_client_error(exc, api=api, action=action) from exc
    except BotoCoreError as exc:
        raise translate_botocore_error(exc, api=api, action=action) from exc


def _snake(api: str) -> str:
    out = []
    for i, ch in enumerate(api):
        if ch.isupper() and i and not api[i - 1].isupper():
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def poll(
    fetch: Callable[[], dict[str, Any]],
    status_of: Callable[[dict[str, Any]], str],
    *,
    what: str,
    polling: Polling,
    sleep: Callable[[float], None],
    monotonic: Callable[[], float],
) -> dict[str, Any]:
    """Fetch until the status is no longer IN_PROGRESS, or give up after ``max_wait``."""
    deadline = monotonic() + polling.max_wait
    delay = polling.first_delay
    while True:
        try:
            response = fetch()
        except CollectionError as exc:
            if exc.code in THROTTLING_CODES and monotonic() + delay <= deadline:
                sleep(delay)
                delay = min(delay * 2, polling.max_delay)
                continue
            raise
        if status_of(response) != "IN_PROGRESS":
            return response
        if monotonic() + delay > deadline:
            raise CollectionError(
                f"{what} was still running after {polling.max_wait:.0f} s; AWS usually needs"
                " less, so try again in a minute"
            )
        sleep(delay)
        delay = min(delay * 2, polling.max_delay)


DEFAULT_POLLING = Polling()
