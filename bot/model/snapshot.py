"""The account snapshot: plain, frozen data collected from AWS, serialisable to JSON and back.

Every check reads only this model, so an audit can be replayed offline, cached and benchmarked.
A field that is ``None`` means "not collected" (no permission, or absent from the input file);
checks that need it are skipped with a reason instead of passing silently.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from bot.model.errors import InputError
from bot.model.iam_names import entity_arn_problem, name_problem

SNAPSHOT_SCHEMA = "iam-audit/snapshot/1"

PolicyDocument = dict[str, Any]

# Credential-report values that are not dates; each means something different.
NOT_APPLICABLE = "N/A"
NO_INFORMATION = "no_information"
NOT_SUPPORTED = "not_supported"
ROOT_USER = "<root_account>"


def parse_aws_time(value: str | datetime | None) -> datetime | None:
    """Parse an AWS ISO-8601 timestamp (any offset or 'Z') into an aware UTC datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return _parse_aws_text(value)


# Credential-report checks read the same row dates many times per audit; datetimes are
# immutable, so one parse per distinct string is safe to share. Bounded for long-running bots.
@lru_cache(maxsize=65536)
def _parse_aws_text(value: str) -> datetime | None:
    text = value.strip()
    if text in (NOT_APPLICABLE, NO_INFORMATION, NOT_SUPPORTED):
        return None
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        shown = text if len(text) <= 40 else text[:40] + "..."  # a hostile file: one short line
        raise InputError(f"not an ISO-8601 timestamp: {shown!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class CredentialReportRow:
    """One row of the IAM credential report, kept as the raw strings AWS wrote.

    Raw strings are kept because ``N/A``, ``no_information`` and ``not_supported`` are distinct
    answers; use :meth:`flag` and :meth:`date` to read them.
    """

    user: str
    arn: str
    user_creation_time: str
    password_enabled: str = "false"
    password_last_used: str = NOT_APPLICABLE
    password_last_changed: str = NOT_APPLICABLE
    password_next_rotation: str = NOT_APPLICABLE
    mfa_active: str = "false"
    access_key_1_active: str = "false"
    access_key_1_last_rotated: str = NOT_APPLICABLE
    access_key_1_last_used_date: str = NOT_APPLICABLE
    access_key_1_last_used_region: str = NOT_APPLICABLE
    access_key_1_last_used_service: str = NOT_APPLICABLE
    access_key_2_active: str = "false"
    access_key_2_last_rotated: str = NOT_APPLICABLE
    access_key_2_last_used_date: str = NOT_APPLICABLE
    access_key_2_last_used_region: str = NOT_APPLICABLE
    access_key_2_last_used_service: str = NOT_APPLICABLE
    cert_1_active: str = "false"
    cert_1_last_rotated: str = NOT_APPLICABLE
    cert_2_active: str = "false"
    cert_2_last_rotated: str = NOT_APPLICABLE

    @property
    def is_root(self) -> bool:
        return self.user == ROOT_USER

    def flag(self, column: str) -> bool | None:
        """A boolean column read case-insensitively; ``None`` for not_supported / N/A."""
        value = getattr(self, column).strip().lower()
        if value == "true":
            return True
        if value == "false":
            return False
        return None

    def date(self, column: str) -> datetime | None:
        """A date column, or ``None`` when it holds N/A, no_information or not_supported."""
        return parse_aws_time(getattr(self, column))

    def raw(self, column: str) -> str:
        return getattr(self, column)


# The report and GetAccountAuthorizationDetails write the creation time to the second; a
# minute's margin keeps a rounding difference from ever hiding a user from the credential
# report (a name deleted and created again within a minute is read as before).
_SAME_MOMENT = timedelta(minutes=1)


def describes_earlier_user(row: CredentialReportRow, user: User) -> bool:
    """The row was written for a user deleted since, whose name ``user`` now holds.

    A report row carries the name and the user's creation time, no user id; the authorization
    details give the current user's CreateDate. IAM writes both from the same moment (IAM User
    Guide, "Getting credential reports for your AWS account": user_creation_time is "the date
    and time when the user was created"), so a row created before the current user is another
    identity's: its password, keys and MFA device were deleted with it. A report is reused for
    up to four hours (and an older one when a new one cannot be had), long enough for a user to
    be deleted and created again by automation.
    """
    created = row.date("user_creation_time")
    if created is None or user.create_date is None:
        return False
    return user.create_date - created > _SAME_MOMENT


@dataclass(frozen=True, slots=True)
class InlinePolicy:
    name: str
    document: PolicyDocument


@dataclass(frozen=True, slots=True)
class AttachedPolicy:
    name: str
    arn: str


@dataclass(frozen=True, slots=True)
class User:
    name: str
    arn: str
    user_id: str = ""
    path: str = "/"
    create_date: datetime | None = None
    groups: tuple[str, ...] = ()
    attached_policies: tuple[AttachedPolicy, ...] = ()
    inline_policies: tuple[InlinePolicy, ...] = ()
    permissions_boundary_arn: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Group:
    name: str
    arn: str
    group_id: str = ""
    path: str = "/"
    create_date: datetime | None = None
    attached_policies: tuple[AttachedPolicy, ...] = ()
    inline_policies: tuple[InlinePolicy, ...] = ()


@dataclass(frozen=True, slots=True)
class Role:
    name: str
    arn: str
    role_id: str = ""
    path: str = "/"
    create_date: datetime | None = None
    trust_policy: PolicyDocument = field(default_factory=dict)
    attached_policies: tuple[AttachedPolicy, ...] = ()
    inline_policies: tuple[InlinePolicy, ...] = ()
    permissions_boundary_arn: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    last_used: datetime | None = None
    last_used_region: str | None = None
    instance_profiles: tuple[str, ...] = ()

    @property
    def is_service_linked(self) -> bool:
        return self.path.startswith("/aws-service-role/")


@dataclass(frozen=True, slots=True)
class ManagedPolicy:
    """A managed policy with its default version's document."""

    name: str
    arn: str
    policy_id: str = ""
    path: str = "/"
    default_version_id: str = "v1"
    document: PolicyDocument = field(default_factory=dict)
    attachment_count: int = 0
    boundary_usage_count: int = 0
    is_attachable: bool = True
    create_date: datetime | None = None
    update_date: datetime | None = None
    # The documents of its other stored versions (customer-managed policies only: AWS-managed
    # ones cannot be switched by the account); None when the source did not say.
    other_versions: tuple[PolicyDocument, ...] | None = None

    @property
    def is_aws_managed(self) -> bool:
        return self.arn.split(":")[4:5] == ["aws"]


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """The account password policy; ``custom=False`` is the weak default AWS applies when unset."""

    custom: bool
    minimum_length: int = 8
    require_symbols: bool = False
    require_numbers: bool = False
    require_uppercase: bool = False
    require_lowercase: bool = False
    allow_users_to_change: bool = False
    expire_passwords: bool = False
    max_age_days: int | None = None
    reuse_prevention: int | None = None
    hard_expiry: bool = False


@dataclass(frozen=True, slots=True)
class VirtualMfaDevice:
    serial_number: str
    user_arn: str | None = None
    enable_date: datetime | None = None


@dataclass(frozen=True, slots=True)
class ServerCertificate:
    name: str
    arn: str
    expiration: datetime | None = None
    upload_date: datetime | None = None
    path: str = "/"


@dataclass(frozen=True, slots=True)
class Analyzer:
    name: str
    arn: str
    type: str  # ACCOUNT | ORGANIZATION | ACCOUNT_UNUSED_ACCESS | ORGANIZATION_UNUSED_ACCESS | ...
    status: str  # ACTIVE | CREATING | DISABLED | FAILED
    region: str
    created_at: datetime | None = None
    status_reason: str = ""  # why a DISABLED / FAILED analyzer is not working (AWS reason code)
    unused_access_age_days: int | None = None  # unused-access analyzers: days without use


@dataclass(frozen=True, slots=True)
class AnalyzerFinding:
    """An IAM Access Analyzer finding (ListFindingsV2 shape, flattened)."""

    id: str
    analyzer_arn: str
    finding_type: str  # ExternalAccess | UnusedIAMRole | UnusedIAMUserAccessKey | ...
    resource: str
    resource_type: str
    status: str
    region: str
    resource_owner_account: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ServiceControlPolicy:
    """One service control policy attached at one level of the organization above the account
    (its root, an OU, the account itself): every level must allow a member account's call.
    A resource control policy (RCP) has the same shape (see ResourceControlPolicy)."""

    name: str
    document: PolicyDocument = field(default_factory=dict)
    policy_id: str = ""
    target: str = ""  # the root, OU or account id it is attached to


# A resource control policy attached at one level: the same fields as an SCP. Only its Deny
# statements matter (RCPFullAWSAccess, attached everywhere and never detachable, allows all).
ResourceControlPolicy = ServiceControlPolicy


@dataclass(frozen=True, slots=True)
class CollectionIssue:
    """Something the collector could not read; shown in the report's errors."""

    api: str
    message: str
    action: str = ""
    code: str = ""


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """Everything the checks read about one account at one time."""

    account_id: str
    collected_at: datetime
    source: str  # "aws" | "demo" | "gaad" | "snapshot" | "synthetic"
    region: str = "us-east-1"
    partition: str = "aws"
    users: tuple[User, ...] = ()
    groups: tuple[Group, ...] = ()
    roles: tuple[Role, ...] = ()
    policies: tuple[ManagedPolicy, ...] = ()
    credential_report: tuple[CredentialReportRow, ...] | None = None
    credential_report_generated_at: datetime | None = None
    password_policy: PasswordPolicy | None = None
    account_summary: dict[str, int] | None = None
    virtual_mfa_devices: tuple[VirtualMfaDevice, ...] | None = None
    server_certificates: tuple[ServerCertificate, ...] | None = None
    saml_providers: tuple[str, ...] | None = None
    oidc_providers: tuple[str, ...] | None = None
    organizations_features: tuple[str, ...] | None = None
    # The SCPs over the account, one tuple per level from the organization's root down to the
    # account itself; None when unknown (not in an organization, or not readable from here).
    service_control_policies: tuple[tuple[ServiceControlPolicy, ...], ...] | None = None
    # Whether the account is its organization's management account, where SCPs and RCPs do not
    # apply.
    is_management_account: bool | None = None
    # The RCPs over the account's resources, levels as for the SCPs; None when unknown.
    resource_control_policies: tuple[tuple[ResourceControlPolicy, ...], ...] | None = None
    # The account's organization (o-...): "" when it is in none, None when unknown. A trust
    # naming another organization lets that organization's principals in.
    organization_id: str | None = None
    analyzers: tuple[Analyzer, ...] | None = None
    analyzer_findings: tuple[AnalyzerFinding, ...] | None = None
    # User name -> serial numbers of all its MFA devices; fetched on demand for privileged users.
    user_mfa_devices: dict[str, tuple[str, ...]] | None = None
    has_authorization_details: bool = True
    collection_issues: tuple[CollectionIssue, ...] = ()
    # Regions whose analyzers were listed (a region missing here was not audited, e.g. denied).
    analyzer_regions: tuple[str, ...] | None = None
    # Principal ARN -> service namespace -> when it was last authenticated (ISO, "" = not in
    # AWS's tracking period); collected only with `audit --last-accessed`.
    service_last_accessed: dict[str, dict[str, str]] | None = None

    def policy_by_arn(self) -> dict[str, ManagedPolicy]:
        return {p.arn: p for p in self.policies}

    def group_by_name(self) -> dict[str, Group]:
        return {g.name: g for g in self.groups}

    def credential_row_for(self) -> dict[str, CredentialReportRow]:
        """Credential-report rows keyed by user name (the root row under ``<root_account>``),
        without the rows of users deleted since the report (:meth:`stale_credential_users`):
        every reader (checks, change impact, escalation targets, Slack) sees the same rows."""
        stale = self.stale_credential_users()
        return {row.user: row for row in self.credential_report or () if row.user not in stale}

    def stale_credential_users(self) -> frozenset[str]:
        """Names whose report row describes a user that no longer exists.

        A row of an earlier user of a name (:func:`describes_earlier_user`), whatever the
        source. In a live collection (source ``aws``) the report is fetched before the
        authorization details are read (bot.aws.collect), so a user they do not list was
        deleted in between; a snapshot built from files (a GAAD and a report saved apart) does
        not say which is newer, and keeps such rows.
        """
        if not self.credential_report:
            return frozenset()
        users = {user.name: user for user in self.users}
        read_after = self.source == "aws" and self.has_authorization_details
        return frozenset(
            row.user
            for row in self.credential_report
            if not row.is_root
            and (describes_earlier_user(row, users[row.user]) if row.user in users else read_after)
        )

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SNAPSHOT_SCHEMA, **_to_jsonable(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AccountSnapshot:
        if not isinstance(data, dict) or data.get("schema") != SNAPSHOT_SCHEMA:
            found = data.get("schema") if isinstance(data, dict) else type(data).__name__
            raise InputError(
                f"not an iam-audit snapshot (expected schema {SNAPSHOT_SCHEMA!r}, found {found!r})"
            )
        body = {k: v for k, v in data.items() if k != "schema"}
        try:
            return _entities_once(_from_jsonable(cls, body))
        except _ShapeError as exc:
            raise InputError(f"snapshot is malformed: {exc}") from None
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise InputError(f"snapshot is malformed: {exc}") from None


# --- one entry per name ------------------------------------------------------------------------

_Entity = typing.TypeVar("_Entity", "User", "Group", "Role", "ManagedPolicy")


def without_repeats(
    items: tuple[_Entity, ...], *, label: str, kind: str, by_name: bool = True
) -> tuple[_Entity, ...]:
    """``items`` less the exact copies of an earlier entry; an entry with an earlier one's name
    (users, groups, roles: IAM names are unique in an account) or ARN but other content is an
    InputError naming both places. Lookups by name keep one of them silently, and which one
    decided the findings: a user listed twice, once with an Allow of * on *, lost its
    administrator finding when the copy without it came last. ``label``: the list's name in
    the file (``UserDetailList``, ``users``)."""
    earlier_by_key: dict[str, int] = {}
    kept: list[_Entity] = []
    for index, item in enumerate(items):
        keys = (f"name:{item.name}", f"arn:{item.arn}") if by_name else (f"arn:{item.arn}",)
        earlier = next((earlier_by_key[k] for k in keys if k in earlier_by_key), None)
        if earlier is None:
            for key in keys:
                earlier_by_key[key] = index
            kept.append(item)
        elif items[earlier] != item:
            raise InputError(
                f"{label}[{index}] repeats the {kind} {item.name!r} of {label}[{earlier}] with"
                f" other content; AWS lists each {kind} once: keep the right one"
            )
    return items if len(kept) == len(items) else tuple(kept)


def _entities_once(snapshot: AccountSnapshot) -> AccountSnapshot:
    _refuse_names_iam_refuses(snapshot)
    users = without_repeats(snapshot.users, label="users", kind="user")
    groups = without_repeats(snapshot.groups, label="groups", kind="group")
    roles = without_repeats(snapshot.roles, label="roles", kind="role")
    policies = without_repeats(
        snapshot.policies, label="policies", kind="managed policy", by_name=False
    )
    if (users, groups, roles, policies) == (
        snapshot.users,
        snapshot.groups,
        snapshot.roles,
        snapshot.policies,
    ):
        return snapshot
    return dataclasses.replace(snapshot, users=users, groups=groups, roles=roles, policies=policies)


def _refuse_names_iam_refuses(snapshot: AccountSnapshot) -> None:
    """An InputError for the first name, path or ARN IAM would refuse or not write so
    (bot.model.iam_names), as a GAAD's are refused: a snapshot is a file, and a user named
    "bob\\n      - ..." printed as that user and a made-up evidence line under it."""
    entities: tuple[tuple[str, str, str, tuple[Any, ...]], ...] = (
        ("users", "user", "user", snapshot.users),
        ("groups", "group", "group", snapshot.groups),
        ("roles", "role", "role", snapshot.roles),
        ("policies", "managed policy", "policy", snapshot.policies),
    )
    for label, kind, arn_kind, items in entities:
        for index, item in enumerate(items):
            where = f"{label}[{index}]"
            problem = (
                name_problem(kind, item.name)
                or name_problem("path", item.path)
                or entity_arn_problem(arn_kind, item.arn, item.path, item.name)
            )
            if problem:
                raise InputError(f"{where}: {problem}")
            for group in getattr(item, "groups", ()):
                if problem := name_problem("group", group):
                    raise InputError(f"{where}.groups: {problem}")
            for policy in getattr(item, "inline_policies", ()):
                if problem := name_problem("inline policy", policy.name):
                    raise InputError(f"{where}.inline_policies: {problem}")
            for attached in getattr(item, "attached_policies", ()):
                if problem := name_problem("managed policy", attached.name):
                    raise InputError(f"{where}.attached_policies: {problem}")


# --- JSON conversion driven by the dataclass type hints -------------------------------------


def _to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_jsonable(v) for v in value]
    return value


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


_REQUIRED: dict[type, tuple[str, ...]] = {}


def _required(cls: type) -> tuple[str, ...]:
    """The fields of ``cls`` without a default: a snapshot entry must give each of them."""
    if cls not in _REQUIRED:
        _REQUIRED[cls] = tuple(
            f.name
            for f in dataclasses.fields(cls)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        )
    return _REQUIRED[cls]


_SCALARS: dict[Any, tuple[tuple[type, ...], str]] = {
    str: ((str,), "a string"),
    int: ((int,), "a whole number"),
    float: ((int, float), "a number"),
    bool: ((bool,), "true or false"),
}


class _ShapeError(ValueError):
    """A snapshot field of the wrong JSON type; the message names the field's path."""


def _from_jsonable(tp: Any, value: Any, where: str = "snapshot") -> Any:
    """Build ``tp`` from JSON, refusing values of the wrong type with the field's path named
    (a `permissions_boundary_arn` given as a list must not reach the checks)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _from_jsonable(args[0], value, where)
    if tp is Any:
        return value
    if value is None:
        raise _ShapeError(f"{where} must not be null")
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise _ShapeError(f"{where} must be an object, got {_kind(value)}")
        hints = _hints(tp)
        known = {f.name for f in dataclasses.fields(tp)}
        unknown = set(value) - known
        if unknown:
            raise _ShapeError(f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
        missing = [name for name in _required(tp) if name not in value]
        if missing:
            raise _ShapeError(f"{where} lacks the field(s) {', '.join(missing)}")
        return tp(**{k: _from_jsonable(hints[k], v, f"{where}.{k}") for k, v in value.items()})
    if tp is datetime:
        if not isinstance(value, str):
            raise _ShapeError(f"{where} must be a date string, got {_kind(value)}")
        try:
            return parse_aws_time(value)
        except InputError as exc:
            raise _ShapeError(f"{where}: {exc}") from None
    if origin is tuple:
        (item_type, *_rest) = typing.get_args(tp)
        if not isinstance(value, list):
            raise _ShapeError(f"{where} must be a list, got {_kind(value)}")
        return tuple(_from_jsonable(item_type, v, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is dict or tp is dict:
        val_type = typing.get_args(tp)[1] if typing.get_args(tp) else Any
        if not isinstance(value, dict):
            raise _ShapeError(f"{where} must be an object, got {_kind(value)}")
        return {k: _from_jsonable(val_type, v, f"{where}.{k}") for k, v in value.items()}
    if tp in _SCALARS:
        allowed, name = _SCALARS[tp]
        if not isinstance(value, allowed) or (tp is not bool and isinstance(value, bool)):
            raise _ShapeError(f"{where} must be {name}, got {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__
