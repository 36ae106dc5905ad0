"""The digest schedule as data: a 5-field cron expression, a time zone, a channel, accounts (pure).

We parse cron ourselves instead of handing the text to APScheduler because APScheduler 3.x reads
the day-of-week field with 0 = Monday while crontab means 0 = Sunday ("1-5" would silently become
Tuesday to Saturday). Parsing here also gives one clear sentence per mistake, and lets the runner
work out which slot a (possibly late) run belongs to without asking the scheduler.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.model.errors import InputError
from bot.model.snapshot import parse_aws_time

DEFAULT_CRON = "0 9 * * 1-5"  # weekdays 09:00
DEFAULT_TIMEZONE = "UTC"
# A Slack conversation id: C (channel), G (private channel, older workspaces) or D (direct
# message), then upper-case letters and digits (9 to 11 characters in all today; room to grow).
CHANNEL_ID_PATTERN = r"[CGD][A-Z0-9]{2,24}"
_CHANNEL_ID = re.compile(CHANNEL_ID_PATTERN)
# What a channel's name may hold (Slack: lower-case letters, digits, - and _, 80 at most).
_CHANNEL_NAME = re.compile(r"#?[a-z0-9_-]{1,80}|#[\w-]{1,80}")
_SHOWN = 40  # characters of a refused value shown back

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# crontab order: 0 = Sunday (7 also Sunday).
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# APScheduler 3.x names, indexed by Python's weekday() (0 = Monday).
_APS_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    name_offset: int = 0  # value of names[0]


_FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day of month", 1, 31),
    _Field("month", 1, 12, _MONTHS, 1),
    _Field("day of week", 0, 7, _DAYS, 0),
)


@dataclass(frozen=True, slots=True)
class CronSpec:
    """A parsed cron expression; ``days_of_week`` uses Python's weekday() (0 = Monday)."""

    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    days_of_week: frozenset[int]

    def matches(self, local: datetime) -> bool:
        """Does this wall-clock minute belong to the schedule?"""
        return (
            local.minute in self.minutes
            and local.hour in self.hours
            and local.day in self.days
            and local.month in self.months
            and local.weekday() in self.days_of_week
        )

    def apscheduler_fields(self) -> dict[str, str]:
        """Explicit value lists for APScheduler's CronTrigger, weekday names included."""
        return {
            "minute": _listed(self.minutes, 0, 59),
            "hour": _listed(self.hours, 0, 23),
            "day": _listed(self.days, 1, 31),
            "month": _listed(self.months, 1, 12),
            "day_of_week": "*"
            if len(self.days_of_week) == 7
            else ",".join(_APS_DAYS[v] for v in sorted(self.days_of_week)),
        }


def _listed(values: frozenset[int], low: int, high: int) -> str:
    if values == frozenset(range(low, high + 1)):
        return "*"
    return ",".join(str(v) for v in sorted(values))


def _digits(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts '²' or '¹', which int() then refuses with
    a ValueError (a traceback at start, or every leader tick for a stored schedule)."""
    return text.isascii() and text.isdigit()


def _value(text: str, spec: _Field, whole: str) -> int:
    lowered = text.lower()
    if spec.names and lowered in spec.names:
        return spec.names.index(lowered) + spec.name_offset
    if not _digits(text):
        hint = f" (or a name like {spec.names[0]})" if spec.names else ""
        raise InputError(f"{spec.name} field {whole!r}: {text!r} is not a number{hint}")
    value = int(text)
    if not spec.low <= value <= spec.high:
        raise InputError(
            f"{spec.name} field {whole!r}: {value} is out of range {spec.low}-{spec.high}"
        )
    return value


def _parse_field(text: str, spec: _Field) -> set[int]:
    values: set[int] = set()
    for part in text.split(","):
        if not part:
            raise InputError(f"{spec.name} field {text!r} has an empty list item")
        base, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not _digits(step_text) or int(step_text) == 0:
                raise InputError(
                    f"{spec.name} field {text!r}: the step after '/' must be a positive number"
                )
            step = int(step_text)
        if base == "*":
            low, high = spec.low, spec.high
        elif "-" in base:
            first, _, last = base.partition("-")
            low, high = _value(first, spec, text), _value(last, spec, text)
            if low > high:
                raise InputError(f"{spec.name} field {text!r}: range {base} runs backwards")
        else:
            low = _value(base, spec, text)
            high = spec.high if step_text else low
        values.update(range(low, high + 1, step))
    return values


def parse_cron(expression: str) -> CronSpec:
    """Parse ``minute hour day-of-month month day-of-week`` (crontab meaning, 0 or 7 = Sunday)."""
    parts = expression.split()
    if len(parts) != 5:
        raise InputError(
            f"a cron expression has 5 fields (minute hour day-of-month month day-of-week),"
            f' got {len(parts)} in {expression!r}; for example "0 9 * * 1-5" is weekdays 09:00'
        )
    minutes, hours, days, months, crontab_days = (
        _parse_field(part, spec) for part, spec in zip(parts, _FIELDS, strict=True)
    )
    if parts[2] != "*" and parts[4] != "*":
        raise InputError(
            "restrict the day of month or the day of week, not both (cron implementations"
            f" disagree on what {expression!r} means)"
        )
    # crontab 0/7 = Sunday, 1 = Monday ...; Python weekday() 0 = Monday ... 6 = Sunday.
    weekdays = frozenset((d - 1) % 7 for d in crontab_days)
    return CronSpec(
        expression=" ".join(parts),
        minutes=frozenset(minutes),
        hours=frozenset(hours),
        days=frozenset(days),
        months=frozenset(months),
        days_of_week=weekdays,
    )


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"unknown time zone {name!r} (use an IANA name such as UTC or Europe/Paris)"
        ) from None


@dataclass(frozen=True, slots=True)
class DigestSchedule:
    """When and where the digest goes; stored as JSON in Redis, never as a pickled job."""

    cron: str = DEFAULT_CRON
    timezone: str = DEFAULT_TIMEZONE
    channel: str = ""
    accounts: tuple[str, ...] = ()  # empty: every account the bot serves
    updated_by: str = ""  # Slack user id, or "config"
    updated_at: datetime | None = None
    spec: CronSpec = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "spec", parse_cron(self.cron))
        zone(self.timezone)
        if self.channel and not _CHANNEL_ID.fullmatch(self.channel):
            raise InputError(f"{shown(self.channel)} is not a channel id (like C0123ABCD)")

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)

    def latest_slot(self, now: datetime, within: timedelta) -> datetime | None:
        """The newest scheduled minute at or before ``now`` and not older than ``within`` (UTC).

        A run that starts late (misfire grace, a coalesced backlog) still belongs to the slot it
        was scheduled for, so every replica names the same slot and one idempotency key wins.
        """
        local = now.astimezone(self.tz).replace(second=0, microsecond=0)
        oldest = now - within
        minutes = int(within.total_seconds() // 60) + 1
        for step in range(minutes):
            candidate = (local - timedelta(minutes=step)).astimezone(self.tz)
            if candidate.astimezone(UTC) < oldest:
                break
            if self.spec.matches(candidate):
                return candidate.astimezone(UTC)
        return None

    def next_run(self, after: datetime, horizon_days: int = 366 * 4) -> datetime | None:
        """The first scheduled minute strictly after ``after`` (UTC), for "next digest at ...".

        Walks days, then the hours and minutes of matching days: a few thousand steps at most.
        """
        local = after.astimezone(self.tz)
        day = local.date()
        for _ in range(horizon_days):
            probe = datetime(day.year, day.month, day.day, tzinfo=self.tz)
            if (
                probe.day in self.spec.days
                and probe.month in self.spec.months
                and probe.weekday() in self.spec.days_of_week
            ):
                for hour in sorted(self.spec.hours):
                    for minute in sorted(self.spec.minutes):
                        candidate = probe.replace(hour=hour, minute=minute)
                        if candidate > local:
                            return candidate.astimezone(UTC)
            day += timedelta(days=1)
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "cron": self.spec.expression,
            "timezone": self.timezone,
            "channel": self.channel,
            "accounts": list(self.accounts),
            "updated_by": self.updated_by,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DigestSchedule:
        """Rebuild a stored schedule; anything malformed is an InputError naming the field."""
        if not isinstance(data, Mapping):
            raise InputError("the stored digest schedule is not a JSON object")
        accounts = data.get("accounts") or ()
        # A list only: a number is not iterable and a mapping's keys would pass for names.
        if not isinstance(accounts, list | tuple) or not all(isinstance(a, str) for a in accounts):
            raise InputError("digest schedule: accounts must be a list of names")
        updated_at = data.get("updated_at")
        return cls(
            cron=str(data.get("cron") or DEFAULT_CRON),
            timezone=str(data.get("timezone") or DEFAULT_TIMEZONE),
            channel=str(data.get("channel") or ""),
            accounts=tuple(accounts),
            updated_by=str(data.get("updated_by") or ""),
            updated_at=parse_aws_time(updated_at) if isinstance(updated_at, str) else None,
        )


def shown(value: str) -> str:
    """``value`` as an error line may echo it: quoted and escaped (repr: no newline, escape
    sequence or other control character survives) and cut to a few dozen characters."""
    if len(value) <= _SHOWN:
        return repr(value)
    return repr(value[:_SHOWN]) + "..."


def is_channel_id(value: str) -> bool:
    """Whether ``value`` is a Slack conversation id as this project accepts one (the digest,
    the Slack command's channel argument and IAM_AUDIT_CHANNELS share the rule)."""
    return _CHANNEL_ID.fullmatch(value) is not None


def channel_id(value: str, *, label: str) -> str:
    """The Slack channel id ``value`` gives (spaces around it and one ``#`` before it are
    dropped); anything else is an InputError naming ``label``, the value shown escaped.

    Only ids: chat.postMessage takes "an encoded ID or channel name", but a name reaches only a
    public channel and follows a rename, and the channel is half of the digest's once-per-slot
    key, which `iam-audit serve` keeps by id (a name there would let both post the same slot).
    A mention (<!everyone>), a newline or 5,000 characters went to Slack as the channel."""
    text = value.strip()
    if not text:
        raise InputError(f"{label} is empty: give the channel's id (like C0123ABCD)")
    bare = text.removeprefix("#")
    if _CHANNEL_ID.fullmatch(bare):
        return bare
    if _CHANNEL_NAME.fullmatch(text):
        raise InputError(
            f"{label}: {shown(text)} is a channel name: give the channel's id instead (like"
            " C0123ABCD, shown at the bottom of the channel's details in Slack)"
        )
    raise InputError(f"{label}: {shown(text)} is not a channel id (like C0123ABCD)")


def schedule_from_config(env: Mapping[str, str], table: Mapping[str, Any]) -> DigestSchedule:
    """The configured schedule: IAM_AUDIT_DIGEST_* variables win over a [digest] table.

    IAM_AUDIT_DIGEST_CRON, IAM_AUDIT_DIGEST_TIMEZONE, IAM_AUDIT_DIGEST_CHANNEL,
    IAM_AUDIT_DIGEST_ACCOUNTS (comma-separated). Every problem is reported in one InputError.
    """

    def pick(env_name: str, key: str, default: Any) -> Any:
        if env.get(env_name, "") != "":
            return env[env_name]
        return table.get(key, default)

    raw_accounts = pick("IAM_AUDIT_DIGEST_ACCOUNTS", "accounts", "")
    accounts: Sequence[str]
    if isinstance(raw_accounts, str):
        accounts = [a.strip() for a in raw_accounts.split(",") if a.strip()]
    elif isinstance(raw_accounts, list) and all(isinstance(a, str) for a in raw_accounts):
        accounts = raw_accounts
    else:
        raise InputError("IAM_AUDIT_DIGEST_ACCOUNTS must be a comma-separated list of names")
    problems = []
    cron = str(pick("IAM_AUDIT_DIGEST_CRON", "cron", DEFAULT_CRON))
    timezone = str(pick("IAM_AUDIT_DIGEST_TIMEZONE", "timezone", DEFAULT_TIMEZONE))
    raw_channel = str(pick("IAM_AUDIT_DIGEST_CHANNEL", "channel", ""))
    channel = ""
    if raw_channel:  # "" in the file or the environment: no channel configured
        where = (
            "IAM_AUDIT_DIGEST_CHANNEL"
            if env.get("IAM_AUDIT_DIGEST_CHANNEL")
            else "[digest] channel"
        )
        try:
            channel = channel_id(raw_channel, label=where)
        except InputError as exc:
            problems.append(str(exc))
    for label, check in (
        ("IAM_AUDIT_DIGEST_CRON", lambda: parse_cron(cron)),
        ("IAM_AUDIT_DIGEST_TIMEZONE", lambda: zone(timezone)),
    ):
        try:
            check()
        except InputError as exc:
            problems.append(f"{label}: {exc}")
    if problems:
        raise InputError("; ".join(problems))
    return DigestSchedule(
        cron=cron, timezone=timezone, channel=channel, accounts=tuple(accounts), updated_by="config"
    )
