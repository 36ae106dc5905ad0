"""Many accounts: list an AWS Organization's accounts, assume a role in each, fan work out.

The hub identity (the bot's own role, in the management or a delegated-administrator account)
lists the organization's accounts and assumes one configurable role in each with an ExternalId
(policies/bot/cross-account-trust.json). Accounts are processed on a bounded thread pool, and one
account's failure (a role that cannot be assumed, a denied call, a crash) becomes an error entry
for that account while the others complete.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import boto3
import botocore.session
from botocore.credentials import CredentialProvider, RefreshableCredentials
from botocore.exceptions import BotoCoreError, ClientError

from bot.aws.deadline import in_caller_context
from bot.aws.errors import (
    CREDENTIAL_CODES,
    describe_client_error,
    error_code,
    translate_botocore_error,
)
from bot.aws.session import DEFAULT_REGION, make_client
from bot.model.errors import CollectionError, IamAuditError, InputError

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_ROLE_NAME = "iam-audit-member"
DEFAULT_SESSION_NAME = "iam-audit"
DEFAULT_MAX_WORKERS = 8
MAX_WORKERS_LIMIT = 64
# The IAM actions the hub identity needs (policies/bot/hub-organizations.json grants them).
ORGANIZATIONS_ACTIONS: tuple[str, ...] = ("organizations:ListAccounts", "sts:AssumeRole")

# [0-9], not \d (which takes any script's digits), and \Z, not $ (which takes a final newline).
_ACCOUNT_ID = re.compile(r"^[0-9]{12}\Z")
# How many bad ids an error names before "and N more" (a pasted list can hold thousands).
_BAD_IDS_SHOWN = 10
_ROLE_NAME = re.compile(r"^[\w+=,.@/-]{1,64}$")


@dataclass(frozen=True, slots=True)
class MemberAccount:
    account_id: str
    name: str = ""
    status: str = "ACTIVE"


@dataclass(frozen=True, slots=True)
class AssumeRoleOptions:
    """How the hub enters each account; the role name is the same in every account."""

    role_name: str = DEFAULT_ROLE_NAME
    external_id: str = ""
    session_name: str = DEFAULT_SESSION_NAME
    duration_seconds: int = 3600

    def __post_init__(self) -> None:
        if not _ROLE_NAME.match(self.role_name):
            raise InputError(f"{self.role_name!r} is not a valid IAM role name")
        if not 900 <= self.duration_seconds <= 43200:
            raise InputError("the assumed-role session must last between 900 and 43200 seconds")

    def role_arn(self, account_id: str, partition: str = "aws") -> str:
        return f"arn:{partition}:iam::{account_id}:role/{self.role_name.strip('/')}"


@dataclass(frozen=True, slots=True)
class AccountOutcome(Generic[T]):
    """One account's result, or why it has none (``error`` set, ``value`` None)."""

    account_id: str
    value: T | None
    error: str = ""
    code: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.error


def parse_account_ids(text: str) -> list[str]:
    """``123456789012,210987654321`` as a de-duplicated list; InputError names a bad id."""
    ids = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if not ids:
        raise InputError("--accounts needs 'all' or at least one 12-digit account id")
    bad = [account for account in ids if not _ACCOUNT_ID.match(account)]
    if bad:
        shown = ", ".join(bad[:_BAD_IDS_SHOWN])
        more = f" and {len(bad) - _BAD_IDS_SHOWN} more" if len(bad) > _BAD_IDS_SHOWN else ""
        raise InputError(f"not a 12-digit AWS account id: {shown}{more} (digits 0-9 only)")
    return ids


def is_account_id(text: str) -> bool:
    """Twelve ASCII digits, nothing else (no other script's digits, no final newline)."""
    return bool(_ACCOUNT_ID.match(text))


def list_accounts(session: boto3.Session, *, include_inactive: bool = False) -> list[MemberAccount]:
    """Every account of the organization (paginated), ACTIVE ones only unless asked otherwise.

    Raises CollectionError with a sentence naming organizations:ListAccounts when refused.
    """
    client = make_client(session, "organizations", region=session.region_name or DEFAULT_REGION)
    accounts: list[MemberAccount] = []
    try:
        for page in client.get_paginator("list_accounts").paginate():
            for item in page.get("Accounts", []):
                status = str(item.get("Status") or item.get("State") or "ACTIVE")
                if include_inactive or status == "ACTIVE":
                    accounts.append(
                        MemberAccount(str(item["Id"]), str(item.get("Name", "")), status)
                    )
    except ClientError as exc:
        code = error_code(exc)
        if code == "AWSOrganizationsNotInUseException":
            message = "the account is not in an AWS Organization: pass --accounts ID,... instead"
        elif code == "AccessDeniedException":
            message = (
                "ListAccounts was denied: run from the management account or a delegated"
                " administrator, and grant organizations:ListAccounts"
            )
        else:
            message = describe_client_error(
                exc, api="ListAccounts", action="organizations:ListAccounts"
            )
        raise CollectionError(
            message, api="ListAccounts", action="organizations:ListAccounts", code=code
        ) from exc
    except BotoCoreError as exc:
        raise translate_botocore_error(
            exc, api="ListAccounts", action="organizations:ListAccounts"
        ) from exc
    return sorted(accounts, key=lambda a: a.account_id)


def active_account_ids(session: boto3.Session) -> list[str]:
    """The ids of the organization's ACTIVE accounts, for `--accounts all` (CLI and bot). None
    is a CollectionError: a run (and its --fail-on gate) that audited nothing must not pass as
    a clean one."""
    found = [account.account_id for account in list_accounts(session)]
    if not found:
        raise CollectionError(
            "organizations:ListAccounts named no ACTIVE account: nothing to audit",
            api="ListAccounts",
            action="organizations:ListAccounts",
            code="NoActiveAccount",
        )
    return found


def partition_of(region: str) -> str:
    """The ARN partition of a region (GovCloud and China have their own)."""
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("cn-"):
        return "aws-cn"
    return "aws"


class RoleAssumer:
    """Turns an account id into a boto3 session on the assumed member role."""

    def __init__(
        self,
        session: boto3.Session,
        options: AssumeRoleOptions,
        *,
        partition: str | None = None,
        region: str | None = None,
    ) -> None:
        self._region = region or session.region_name or DEFAULT_REGION
        # Clients are thread-safe, sessions are not: the one STS client is made here.
        self._sts = make_client(session, "sts", region=self._region)
        self._options = options
        self._partition = partition or partition_of(self._region)

    def session_for(self, account_id: str) -> boto3.Session:
        """A session on the member role whose credentials botocore renews (by assuming the role
        again) before they expire: one account's collection may outlast the role session (1 h
        by default), which would otherwise end in ExpiredToken half-way. Raises CollectionError
        (code kept) when the role cannot be assumed, now or at a renewal."""
        role_arn = self._options.role_arn(account_id, self._partition)
        credentials = RefreshableCredentials.create_from_metadata(
            metadata=self._assume(role_arn),
            refresh_using=lambda: self._assume(role_arn),
            method="assume-role",
        )
        core = botocore.session.get_session()
        core.get_component("credential_provider").insert_before("env", _Given(credentials))
        return boto3.Session(botocore_session=core, region_name=self._region)

    def _assume(self, role_arn: str) -> dict[str, str]:
        """AssumeRole, as the credential metadata botocore's RefreshableCredentials reads."""
        request: dict[str, Any] = {
            "RoleArn": role_arn,
            "RoleSessionName": self._options.session_name,
            "DurationSeconds": self._options.duration_seconds,
        }
        if self._options.external_id:
            request["ExternalId"] = self._options.external_id
        try:
            credentials = self._sts.assume_role(**request)["Credentials"]
        except ClientError as exc:
            code = error_code(exc)
            raise CollectionError(
                f"cannot assume {role_arn} (sts:AssumeRole): {code or 'error'}"
                + self._hint(code, role_arn),
                api="AssumeRole",
                action="sts:AssumeRole",
                code=code,
            ) from exc
        except BotoCoreError as exc:
            raise translate_botocore_error(exc, api="AssumeRole", action="sts:AssumeRole") from exc
        return {
            "access_key": credentials["AccessKeyId"],
            "secret_key": credentials["SecretAccessKey"],
            "token": credentials["SessionToken"],
            "expiry_time": credentials["Expiration"].isoformat(),
        }

    def _hint(self, code: str, role_arn: str) -> str:
        """What to check for the refusals a member account typically gives."""
        if code in ("AccessDenied", "AccessDeniedException"):
            return (
                f"; check that {role_arn} exists and trusts the bot with this ExternalId, and"
                " that the bot's identity may call sts:AssumeRole on it"
            )
        if code in CREDENTIAL_CODES:  # the hub's own: the member role's renew themselves
            return (
                "; AWS rejected the credentials running the audit (the hub's, not the member"
                " role's): refresh them, or use a profile whose session renews itself"
            )
        if code == "RegionDisabledException":
            return (
                f"; STS is not enabled in {self._region} for this account (an opt-in region):"
                f" enable the region in the account, or run from a region every account has"
                f" (--region {DEFAULT_REGION})"
            )
        return ""


class _Given(CredentialProvider):
    """Hands botocore the member role's renewable credentials (ahead of the environment's)."""

    METHOD = "assume-role"
    CANONICAL_NAME = "iam-audit-member-role"

    def __init__(self, credentials: RefreshableCredentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> RefreshableCredentials:
        return self._credentials


def fan_out(
    account_ids: Iterable[str],
    work: Callable[[str], T],
    *,
    max_workers: int = DEFAULT_MAX_WORKERS,
    clock: Callable[[], float] = time.monotonic,
) -> list[AccountOutcome[T]]:
    """Run ``work(account_id)`` for every account, at most ``max_workers`` at once.

    Results keep the input order. An IamAuditError becomes that account's error entry; any other
    exception too (logged with its trace), so one broken account never hides the others.
    """
    if not 1 <= max_workers <= MAX_WORKERS_LIMIT:
        raise InputError(f"max workers must be between 1 and {MAX_WORKERS_LIMIT}")
    ids = list(dict.fromkeys(account_ids))

    def one(account_id: str) -> AccountOutcome[T]:
        started = clock()
        try:
            value = work(account_id)
        except IamAuditError as exc:
            log.info("account %s: %s", account_id, exc)  # the caller reports it to the user
            code = getattr(exc, "code", "") or type(exc).__name__
            return AccountOutcome(account_id, None, str(exc), code, clock() - started)
        except Exception as exc:  # isolation: the trace is logged, the account gets an entry
            log.exception("account %s failed unexpectedly", account_id)
            message = f"unexpected {type(exc).__name__}: {exc}"
            return AccountOutcome(account_id, None, message, type(exc).__name__, clock() - started)
        return AccountOutcome(account_id, value, seconds=clock() - started)

    if not ids:
        return []
    workers = min(max_workers, len(ids))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="account") as pool:
        return list(pool.map(in_caller_context(one), ids))


def collect_accounts(
    session: boto3.Session,
    account_ids: Sequence[str],
    *,
    collect: Callable[[boto3.Session, str], T],
    options: AssumeRoleOptions | None = None,
    max_workers: int = DEFAULT_MAX_WORKERS,
    partition: str | None = None,
    region: str | None = None,
) -> list[AccountOutcome[T]]:
    """Assume the member role in each account and run ``collect(session, account_id)`` there."""
    assumer = RoleAssumer(
        session, options or AssumeRoleOptions(), partition=partition, region=region
    )
    return fan_out(
        account_ids,
        lambda account_id: collect(assumer.session_for(account_id), account_id),
        max_workers=max_workers,
    )
