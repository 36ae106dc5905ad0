"""A total deadline for one audit's AWS reads, and the connect/read timeouts of every client.

An endpoint that accepts connections and never answers cost 60 s x 11 attempts per API with
botocore's defaults. Clients get short connect/read timeouts (IAM_AUDIT_AWS_CONNECT_TIMEOUT,
IAM_AUDIT_AWS_READ_TIMEOUT), and a collection can be given a total deadline (``--deadline`` or
IAM_AUDIT_DEADLINE_SECONDS): once it passes, no further request is sent (a ``before-send`` hook
stops even botocore's own retries) and the reads not done become collection issues.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, copy_context
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError

from bot.model.errors import InputError

T = TypeVar("T")
R = TypeVar("R")
DEADLINE_ENV = "IAM_AUDIT_DEADLINE_SECONDS"
CONNECT_TIMEOUT_ENV = "IAM_AUDIT_AWS_CONNECT_TIMEOUT"
READ_TIMEOUT_ENV = "IAM_AUDIT_AWS_READ_TIMEOUT"
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 30.0

_DEADLINE: ContextVar[tuple[float, float] | None] = ContextVar("iam_audit_deadline", default=None)


class DeadlineExceeded(BotoCoreError):
    """Raised instead of sending a request once the audit's deadline has passed."""

    fmt = "the audit's deadline of {seconds:g} s passed before this call"


def seconds_setting(name: str, default: float | None) -> float | None:
    """A positive number of seconds from the environment; InputError naming the variable."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"{name} must be a number of seconds, got {raw[:40]!r}") from None
    if not 0 < value < 10**7:
        raise InputError(f"{name} must be a positive number of seconds, got {raw[:40]!r}")
    return value


def timeouts() -> tuple[float, float]:
    """(connect, read) timeouts for every AWS client, in seconds."""
    connect = seconds_setting(CONNECT_TIMEOUT_ENV, DEFAULT_CONNECT_TIMEOUT)
    read = seconds_setting(READ_TIMEOUT_ENV, DEFAULT_READ_TIMEOUT)
    return float(connect or DEFAULT_CONNECT_TIMEOUT), float(read or DEFAULT_READ_TIMEOUT)


# botocore's retry backoff before each retry: exponential from 1 s, capped at 20 s.
_MAX_BACKOFF_SECONDS = 20.0


def longest_call_seconds(attempts: int) -> float:
    """How long one AWS call can take with ``attempts`` attempts that each time out (connect and
    read) and botocore's longest backoff between them: a journalled call quiet for less than
    this may still be running."""
    connect, read = timeouts()
    backoff = sum(min(2.0**retry, _MAX_BACKOFF_SECONDS) for retry in range(attempts - 1))
    return attempts * (connect + read) + backoff


@contextmanager
def audit_deadline(seconds: float | None) -> Iterator[None]:
    """Within the block, AWS requests stop once ``seconds`` have passed (None: no deadline)."""
    if seconds is None:
        yield
        return
    token = _DEADLINE.set((time.monotonic() + seconds, seconds))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def in_caller_context(function: Callable[[T], R]) -> Callable[[T], R]:
    """``function`` run, item by item, in a copy of the caller's context: the threads of a
    ThreadPoolExecutor do not inherit ContextVars, so without it the audit's deadline (and
    anything else kept in context) would not reach the workers' AWS calls."""
    context = copy_context()
    return lambda item: context.copy().run(function, item)


def deadline_passed() -> float | None:
    """The deadline's length in seconds when it has passed, else None."""
    current = _DEADLINE.get()
    if current is not None and time.monotonic() >= current[0]:
        return current[1]
    return None


def refuse_after_deadline(**_: Any) -> None:
    """botocore ``before-send`` handler: no request (and so no retry) after the deadline."""
    seconds = deadline_passed()
    if seconds is not None:
        raise DeadlineExceeded(seconds=seconds)


def install(session: Any) -> None:
    """Register the deadline hook on a boto3 session once (clients made after it inherit it)."""
    session.events.register("before-send", refuse_after_deadline, unique_id="iam-audit-deadline")
