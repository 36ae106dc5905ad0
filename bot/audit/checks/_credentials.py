"""Reading the credential report for checks: key slots, ages and the account's console users."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from bot.model.snapshot import NO_INFORMATION, AccountSnapshot, CredentialReportRow

KEY_SLOTS = (1, 2)
CERT_SLOTS = (1, 2)

# IAM User Guide, "Getting credential reports for your AWS account": password use is recorded
# since 2014-10-20 (before, or never: password_last_used is no_information) and access-key use
# since 2015-04-22 (before, or never: access_key_N_last_used_date is N/A).
PASSWORD_TRACKING_SINCE = datetime(2014, 10, 20, tzinfo=UTC)
KEY_TRACKING_SINCE = datetime(2015, 4, 22, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class AccessKeySlot:
    """One of the two access-key slots of a credential-report row, parsed."""

    number: int
    active: bool
    last_rotated: datetime | None
    last_used: datetime | None
    last_used_raw: str

    @property
    def name(self) -> str:
        return f"access_key_{self.number}"

    def evidence(self) -> dict[str, object]:
        return {
            "key_slot": self.number,
            "active": self.active,
            "last_rotated": iso_or_none(self.last_rotated),
            "last_used": iso_or_none(self.last_used) or self.last_used_raw,
        }


# Several checks read each row's key slots; rows and slots are frozen, so parse each row once.
@lru_cache(maxsize=16384)
def key_slots(row: CredentialReportRow) -> tuple[AccessKeySlot, ...]:
    return tuple(
        AccessKeySlot(
            number=n,
            active=row.flag(f"access_key_{n}_active") is True,
            last_rotated=row.date(f"access_key_{n}_last_rotated"),
            last_used=row.date(f"access_key_{n}_last_used_date"),
            last_used_raw=row.raw(f"access_key_{n}_last_used_date"),
        )
        for n in KEY_SLOTS
    )


def key_created(row: CredentialReportRow, slot: AccessKeySlot) -> datetime | None:
    """When the key was created or last rotated; the user's creation when the report lacks it."""
    return slot.last_rotated or row.date("user_creation_time")


def key_use_untracked(row: CredentialReportRow, slot: AccessKeySlot) -> bool:
    """An unused-looking key (N/A) that may have been used before AWS tracked key use: its
    creation predates 2015-04-22 (or is unknown), so "never used" cannot be claimed."""
    if slot.last_used is not None:
        return False
    created = key_created(row, slot)
    return created is None or created < KEY_TRACKING_SINCE


@dataclass(frozen=True, slots=True)
class PasswordUse:
    """What a row says about the use of the user's console password.

    ``no_information`` means either "never used" or "not used since tracking began"
    (2014-10-20); the dates tell them apart: a password set (or a user created) after that
    date would have had any use recorded, so it was never used.
    """

    last_used: datetime | None
    set_at: datetime | None  # password_last_changed, else user_creation_time
    untracked: bool  # no recorded use, and the password predates tracking (or its date is unknown)


def password_use(row: CredentialReportRow) -> PasswordUse:
    last_used = row.date("password_last_used")
    created = row.date("user_creation_time")
    set_at = row.date("password_last_changed") or created
    newest_start = max((d for d in (set_at, created) if d is not None), default=None)
    untracked = (
        last_used is None
        and row.password_last_used.strip().lower() == NO_INFORMATION
        and (newest_start is None or newest_start < PASSWORD_TRACKING_SINCE)
    )
    return PasswordUse(last_used=last_used, set_at=set_at, untracked=untracked)


def active_key_slots(row: CredentialReportRow) -> tuple[AccessKeySlot, ...]:
    return tuple(slot for slot in key_slots(row) if slot.active)


def key_resource_arn(user_arn: str, slot: AccessKeySlot) -> str:
    """Per-key resource id: the user ARN plus the key slot, so each key is its own finding."""
    return f"{user_arn}#{slot.name}"


def user_rows(snapshot: AccountSnapshot) -> Iterator[CredentialReportRow]:
    """Every IAM user's row (the root row excluded; root has checks of its own), leaving out the
    rows of users deleted since the report (AccountSnapshot.stale_credential_users)."""
    stale = snapshot.stale_credential_users()
    return (
        row for row in snapshot.credential_report or () if not row.is_root and row.user not in stale
    )


def user_row_for(snapshot: AccountSnapshot) -> dict[str, CredentialReportRow]:
    """The users' rows by user name, as :func:`user_rows` keeps them: a user whose name has no
    row here was created after the report (or replaced a deleted user of its name since) and
    cannot be judged from it."""
    return {row.user: row for row in user_rows(snapshot)}


def as_of_report(snapshot: AccountSnapshot, now: datetime) -> str:
    """' (credential report of 2026-04-30: later use is not shown)' when the report is a day or
    more older than the audit, else nothing.

    GetCredentialReport's GeneratedTime is "the date and time when the credential report was
    created" (IAM API Reference, GetCredentialReport): a last-used date in it says nothing of
    use after that moment. Days unused still run to the audit time (a snapshot audited later
    ages with it), so a sentence counted from an old report says which report it read; a
    report is reused for up to four hours, or older when a new one cannot be had
    (bot.aws.credential_report, which also records why).
    """
    generated = snapshot.credential_report_generated_at
    if generated is None or days_since(generated, now) < 1:
        return ""
    return f" (credential report of {day(generated)}: later use is not shown)"


def has_password(row: CredentialReportRow) -> bool:
    return row.flag("password_enabled") is True


def console_user_names(snapshot: AccountSnapshot) -> list[str] | None:
    """Users with a console password; ``None`` when the credential report was not collected."""
    if snapshot.credential_report is None:
        return None
    return sorted(row.user for row in user_rows(snapshot) if has_password(row))


def days_since(then: datetime, now: datetime) -> int:
    """Whole days elapsed (negative when ``then`` is in the future, e.g. clock skew)."""
    return (now - then).days


def never_used_long_enough(since: datetime, now: datetime, limit: int, grace: int) -> bool:
    """A credential set ``since`` and never used has been unused for ``limit`` days or more.

    CIS ("credentials unused for 45 days or more") counts a never-used credential from its
    creation. The grace period still protects new credentials when ``limit`` is set below it.
    """
    age = days_since(since, now)
    return age >= limit and age > grace


def iso_or_none(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def day(moment: datetime) -> str:
    """A date for sentences: 2026-04-30."""
    return moment.date().isoformat()


def ago(moment: datetime, now: datetime) -> str:
    """'213 days ago (2026-04-30)'."""
    days = days_since(moment, now)
    unit = "day" if days == 1 else "days"
    return f"{days} {unit} ago ({day(moment)})"


def account_arn(snapshot: AccountSnapshot) -> str:
    """The account's ARN, the resource of account-wide findings."""
    return f"arn:{snapshot.partition}:iam::{snapshot.account_id}:root"


def newest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return max(present) if present else None
