"""Fetch the IAM credential report: reuse a fresh one, otherwise generate it and poll.

AWS builds the report asynchronously and allows a new one only every few hours, so a report
under four hours old is reused, generation is polled with exponential backoff, and the wait is
bounded: a collection never hangs on a report that does not come.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from bot.aws.errors import (
    ACCESS_DENIED_CODES,
    error_code,
    is_access_denied,
    is_credentials_problem,
    is_throttling,
    translate_client_error,
)
from bot.model.errors import CollectionError
from bot.model.snapshot import CollectionIssue, parse_aws_time

REUSE_WINDOW = timedelta(hours=4)
_TIMEOUT_CODE = "ReportTimeout"
# Failures of generation after which an existing (older) report is used instead.
_FALL_BACK_CODES = ACCESS_DENIED_CODES | {_TIMEOUT_CODE}
# Codes that mean "no usable report right now, (re)generate it and wait".
_NOT_READY_CODES = frozenset({"ReportNotPresent", "ReportExpired", "ReportInProgress"})
# Codes that mean "ask again later" while generating.
_RETRY_LATER_CODES = frozenset({"LimitExceeded", "LimitExceededException", "ReportInProgress"})


@dataclass(frozen=True, slots=True)
class FetchedCredentialReport:
    csv_text: str
    generated_at: datetime | None
    reused: bool
    issues: tuple[CollectionIssue, ...] = ()


@dataclass(frozen=True, slots=True)
class PollingPolicy:
    """Backoff between polls; ``max_wait_seconds`` bounds the total time spent waiting."""

    first_delay_seconds: float = 2.0
    max_delay_seconds: float = 30.0
    max_wait_seconds: float = 300.0


def fetch_credential_report(
    iam: Any,
    *,
    now: datetime,
    sleep: Callable[[float], None],
    polling: PollingPolicy | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> FetchedCredentialReport:
    """The report's CSV text, reusing one under four hours old; raises CollectionError.

    ``max_wait_seconds`` bounds the whole wait, measured on ``clock``: the delays slept *and*
    the time the calls themselves took (botocore's retries of a throttled call included), so a
    GenerateCredentialReport throttled on every call cannot stretch it.
    """
    policy = polling or PollingPolicy()
    existing = _get_existing(iam)
    if _is_fresh(existing, now):
        return existing
    try:
        return _generate_and_download(iam, _Backoff(policy, sleep, clock))
    except CollectionError as exc:
        # Without a new report, an old one still tells the truth about older activity.
        if existing is None or exc.code not in _FALL_BACK_CODES:
            raise
        why = (
            f"a new one was not ready in time ({exc})"
            if exc.code == _TIMEOUT_CODE
            else "GenerateCredentialReport was denied: grant iam:GenerateCredentialReport for"
            " a fresh one"
        )
        return _stale(existing, now, exc, why)


def _generate_and_download(iam: Any, waiter: _Backoff) -> FetchedCredentialReport:
    """Ask for a new report and poll until AWS hands it over or the wait budget runs out."""
    while True:
        try:
            state = iam.generate_credential_report().get("State", "")
        except ClientError as exc:
            if is_access_denied(exc) or is_credentials_problem(exc):
                raise _translate(exc, "GenerateCredentialReport") from exc
            if error_code(exc) not in _RETRY_LATER_CODES and not is_throttling(exc):
                raise _translate(exc, "GenerateCredentialReport") from exc
            waiter.wait(exc)
            continue
        if state == "COMPLETE":
            try:
                report = _download(iam)
            except ClientError as exc:
                if error_code(exc) not in _NOT_READY_CODES and not is_throttling(exc):
                    raise _translate(exc, "GetCredentialReport") from exc
                waiter.wait(exc)
                continue
            return report
        waiter.wait(None)  # STARTED or INPROGRESS


def _is_fresh(report: FetchedCredentialReport | None, now: datetime) -> bool:
    return (
        report is not None
        and report.generated_at is not None
        and now - report.generated_at < REUSE_WINDOW
    )


def _get_existing(iam: Any) -> FetchedCredentialReport | None:
    """The report AWS holds now, or None when there is none ready (or AWS is busy)."""
    try:
        return _download(iam, reused=True)
    except ClientError as exc:
        if error_code(exc) in _NOT_READY_CODES or is_throttling(exc):
            return None
        raise _translate(exc, "GetCredentialReport") from exc


def _download(iam: Any, *, reused: bool = False) -> FetchedCredentialReport:
    answer = iam.get_credential_report()
    content = answer.get("Content", b"")
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CollectionError(
                "the credential report AWS returned is not UTF-8 text",
                api="GetCredentialReport",
                action="iam:GetCredentialReport",
            ) from exc
    generated_at = parse_aws_time(answer.get("GeneratedTime"))
    return FetchedCredentialReport(
        csv_text=content,
        generated_at=generated_at.astimezone(UTC) if generated_at else None,
        reused=reused,
    )


def _stale(
    existing: FetchedCredentialReport, now: datetime, cause: CollectionError, why: str
) -> FetchedCredentialReport:
    """Use the old report when no new one can be had, and say how old it is and why."""
    age = (
        f"{(now - existing.generated_at).total_seconds() / 3600:.0f} hours old"
        if existing.generated_at
        else "of unknown age"
    )
    issue = CollectionIssue(
        api=cause.api or "GenerateCredentialReport",
        action=cause.action or "iam:GenerateCredentialReport",
        code=cause.code,
        message=f"the existing credential report ({age}) was used because {why}",
    )
    return FetchedCredentialReport(
        csv_text=existing.csv_text,
        generated_at=existing.generated_at,
        reused=True,
        issues=(issue,),
    )


def _translate(exc: ClientError, api: str) -> CollectionError:
    return translate_client_error(exc, api=api, action=f"iam:{api}")


class _Backoff:
    """Exponential backoff with a bounded total wait: the larger of the time passed on the clock
    (calls included) and the delays slept (a test's sleep does not move the clock)."""

    def __init__(
        self,
        policy: PollingPolicy,
        sleep: Callable[[float], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._policy = policy
        self._sleep = sleep
        self._clock = clock
        self._started = clock()
        self._delay = policy.first_delay_seconds
        self._slept = 0.0

    @property
    def _waited(self) -> float:
        return max(self._clock() - self._started, self._slept)

    def wait(self, last_error: ClientError | None) -> None:
        if self._waited >= self._policy.max_wait_seconds:
            reason = f" (last answer: {error_code(last_error)})" if last_error else ""
            raise CollectionError(
                "the credential report was not ready after"
                f" {self._waited:.0f} seconds{reason}; run the audit again in a few minutes",
                api="GenerateCredentialReport",
                action="iam:GenerateCredentialReport",
                code=_TIMEOUT_CODE,
            )
        delay = min(self._delay, self._policy.max_wait_seconds - self._waited)
        self._sleep(delay)
        self._slept += delay
        self._delay = min(self._delay * 2, self._policy.max_delay_seconds)
