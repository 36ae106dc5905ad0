"""Turn GetAccountAuthorizationDetails output into snapshot principals and policies (pure).

Accepts both the JSON file `aws iam get-account-authorization-details` writes (the file
Cloudsplaining scans: dates as strings, policy documents URL-encoded or already decoded) and the
pages boto3 returns (datetimes, decoded documents), so the collector and `--gaad FILE` share one
translation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from bot.audit.credential_report import parse_credential_report
from bot.model.errors import InputError
from bot.model.iam_names import entity_arn_problem, name_pattern, name_problem
from bot.model.safe_parse import UnsafeInput, parse_json
from bot.model.snapshot import (
    AccountSnapshot,
    AttachedPolicy,
    CollectionIssue,
    Group,
    InlinePolicy,
    ManagedPolicy,
    PolicyDocument,
    Role,
    User,
    parse_aws_time,
    without_repeats,
)

GAAD_LISTS: tuple[str, ...] = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
UNKNOWN_ACCOUNT = "unknown"


@dataclass(frozen=True, slots=True)
class AuthorizationDetails:
    """The four entity lists of a GAAD answer, translated, plus what the ARNs tell us."""

    users: tuple[User, ...]
    groups: tuple[Group, ...]
    roles: tuple[Role, ...]
    policies: tuple[ManagedPolicy, ...]
    account_id: str | None
    partition: str


def merge_gaad_pages(pages: Iterable[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """Concatenate the entity lists of paginated GAAD answers into one GAAD-shaped dict."""
    merged: dict[str, list[Any]] = {name: [] for name in GAAD_LISTS}
    for number, page in enumerate(pages, start=1):
        if not isinstance(page, Mapping):
            raise InputError(f"GAAD page {number} is not an object")
        for name in GAAD_LISTS:
            items = page.get(name)
            if items is None:
                continue
            if not isinstance(items, list):
                raise InputError(f"GAAD page {number}: {name} must be a list")
            merged[name].extend(items)
    return merged


def authorization_details_from_gaad(gaad: Any) -> AuthorizationDetails:
    """Validate the GAAD shape and translate its lists; raises InputError naming the problem."""
    if not isinstance(gaad, Mapping):
        raise InputError(
            "not an authorization-details document: expected a JSON object with UserDetailList,"
            f" GroupDetailList, RoleDetailList and Policies, got {_json_type(gaad)}"
        )
    if not any(name in gaad for name in GAAD_LISTS):
        raise InputError(
            "not an authorization-details document: none of UserDetailList, GroupDetailList,"
            " RoleDetailList, Policies is present (is this the output of"
            " `aws iam get-account-authorization-details`?)"
        )
    lists: dict[str, list[Mapping[str, Any]]] = {}
    for name in GAAD_LISTS:
        items = gaad.get(name, [])
        if items is None:
            items = []
        if not isinstance(items, list):
            raise InputError(f"{name} must be a list, got {_json_type(items)}")
        for index, item in enumerate(items):
            if not _is_mapping(item):
                raise InputError(f"{name}[{index}] must be an object, got {_json_type(item)}")
        lists[name] = items
    users = without_repeats(
        tuple(_user(item, index) for index, item in enumerate(lists["UserDetailList"])),
        label="UserDetailList",
        kind="user",
    )
    groups = without_repeats(
        tuple(_group(item, index) for index, item in enumerate(lists["GroupDetailList"])),
        label="GroupDetailList",
        kind="group",
    )
    roles = without_repeats(
        tuple(_role(item, index) for index, item in enumerate(lists["RoleDetailList"])),
        label="RoleDetailList",
        kind="role",
    )
    policies = without_repeats(
        tuple(_managed_policy(item, index) for index, item in enumerate(lists["Policies"])),
        label="Policies",
        kind="managed policy",
        by_name=False,
    )
    _refuse_mixed_accounts(users, groups, roles, policies)
    account_id, partition = _account_from_arns(users, groups, roles, policies)
    return AuthorizationDetails(users, groups, roles, policies, account_id, partition)


def _refuse_mixed_accounts(*collections: tuple[Any, ...]) -> None:
    """A GAAD is one account's: entries of several (files joined by hand) were audited as one
    account, its first ARN's, so another account's principals read as this one's."""
    accounts: dict[str, None] = {}
    for arn in _arns(*collections):
        _, partition, _, _, account = arn.split(":", 5)[:5]
        if account != "aws":  # AWS-managed policies belong to no account
            accounts[f"{partition}:{account}"] = None
    if len(accounts) > 1:
        shown = ", ".join(a.partition(":")[2] for a in list(accounts)[:3])
        raise InputError(
            f"the file mixes the entries of {len(accounts)} accounts ({shown}): a GAAD is one"
            " account's; audit each account's file on its own"
        )


def snapshot_from_gaad(
    gaad: dict,
    *,
    now: datetime,
    credential_report_csv: str | None = None,
    source: str = "gaad",
) -> AccountSnapshot:
    """Build a snapshot from a GAAD document (and optionally a credential report CSV).

    What a GAAD cannot tell (password policy, MFA devices, certificates...) stays None, so the
    checks that need it are skipped with a reason rather than passing.
    """
    details = authorization_details_from_gaad(gaad)
    report = (
        parse_credential_report(credential_report_csv)
        if credential_report_csv is not None
        else None
    )
    account_id = details.account_id or _account_from_report(report) or UNKNOWN_ACCOUNT
    return AccountSnapshot(
        account_id=account_id,
        collected_at=now,
        source=source,
        partition=details.partition,
        users=details.users,
        groups=details.groups,
        roles=details.roles,
        policies=details.policies,
        credential_report=report,
        has_authorization_details=True,
        collection_issues=gaad_gaps(gaad, details),
    )


_GAAD_API = "GetAccountAuthorizationDetails"
_ABSENT_LIST = {
    "UserDetailList": "it lists no users, and the checks over users found nothing in it",
    "GroupDetailList": "it lists no groups, so their members' group policies are unknown",
    "RoleDetailList": "it lists no roles, and the checks over roles found nothing in it",
    "Policies": "the managed policies its users, groups and roles attach are unknown, and"
    " findings that depend on what they allow are missing",
}


def gaad_gaps(
    gaad: Mapping[str, Any], details: AuthorizationDetails
) -> tuple[CollectionIssue, ...]:
    """What a GAAD file leaves out that its entities point to, as collection issues (the
    report's errors): a list it does not have (an export made with --filter), managed policies
    attached (or set as boundaries) but not in its Policies, groups named but not listed.

    Without them the report was silently short: a user with AdministratorAccess attached,
    from a file without Policies, was no administrator, and "no role has AWSSupportAccess"
    was said of a file without roles."""
    issues = [
        CollectionIssue(
            api=_GAAD_API,
            message=f"the file has no {name} (an export made with --filter?): {consequence}",
        )
        for name, consequence in _ABSENT_LIST.items()
        if gaad.get(name) is None
    ]
    issues += reference_gaps(
        details,
        where="the file's",
        labels=("Policies", "GroupDetailList"),
        policies_listed=gaad.get("Policies") is not None,
        groups_listed=gaad.get("GroupDetailList") is not None,
    )
    return tuple(issues)


def reference_gaps(
    details: AuthorizationDetails | AccountSnapshot,
    *,
    where: str,
    labels: tuple[str, str] = ("policies", "groups"),
    policies_listed: bool = True,
    groups_listed: bool = True,
) -> list[CollectionIssue]:
    """Managed policies attached (or set as boundaries) but absent from ``details.policies``,
    and groups named in users' GroupList but absent from ``details.groups``, as collection
    issues; ``where`` names the input in them ("the file's", "the snapshot's"), ``labels`` its
    two lists."""
    issues: list[CollectionIssue] = []
    known = {policy.arn for policy in details.policies}
    missing: dict[str, None] = {}
    entities: tuple[User | Group | Role, ...] = (*details.users, *details.groups, *details.roles)
    for entity in entities:
        for attached in entity.attached_policies:
            if attached.arn not in known:
                missing[attached.arn] = None
        boundary = getattr(entity, "permissions_boundary_arn", None)
        if boundary and boundary not in known:
            missing[boundary] = None
    if missing and policies_listed:
        issues.append(
            CollectionIssue(
                api=_GAAD_API,
                message=f"{_some(list(missing), 'managed policy', 'managed policies')} attached"
                f" (or set as a permissions boundary) but not in {where} {labels[0]}: what they"
                " allow is unknown, and findings that depend on it are missing",
            )
        )
    groups = {group.name for group in details.groups}
    absent = {name: None for user in details.users for name in user.groups if name not in groups}
    if absent and groups_listed:
        issues.append(
            CollectionIssue(
                api=_GAAD_API,
                message=f"{_some(list(absent), 'group', 'groups')} named in users' GroupList but"
                f" not in {where} {labels[1]}: their policies are unknown",
            )
        )
    return issues


def _some(names: list[str], one: str, many: str) -> str:
    if len(names) == 1:
        return f"{one} {names[0]}"
    shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
    return f"{len(names)} {many} ({shown})"


def decode_policy_document(value: Any, *, where: str = "policy document") -> PolicyDocument:
    """A policy document as a dict, from a dict, a JSON string or a URL-encoded JSON string."""
    if _is_mapping(value):
        return dict(value)
    if not isinstance(value, str):
        raise _EntityError(f"{where} must be an object or a JSON string, got {_json_type(value)}")
    text = value.strip()
    # URL-encoded JSON never starts with "{"; plain JSON may legitimately hold "%" characters, so
    # only decode what is encoded.
    if not text.startswith("{"):
        text = _percent_decode(text)
    try:
        document = parse_json(text)
    except json.JSONDecodeError as exc:
        raise _EntityError(f"{where} is not valid JSON: {exc.msg}") from None
    except UnsafeInput as exc:
        raise _EntityError(f"{where} cannot be used: {exc}") from None
    if not isinstance(document, dict):
        raise _EntityError(f"{where} must be a JSON object, got {_json_type(document)}")
    return document


_PERCENT_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


@lru_cache(maxsize=256)  # trust policies and generated inline policies repeat a lot
def _percent_decode(text: str) -> str:
    """urllib.parse.unquote, several times faster on policy documents: each run of escapes is
    decoded at once in C (a multi-byte UTF-8 character is always one run), which matters when a
    big account holds tens of thousands of URL-encoded documents."""
    if "%" not in text:
        return text
    return _PERCENT_RUN.sub(_decode_run, text)


def _decode_run(match: re.Match[str]) -> str:
    return bytes.fromhex(match.group(0).replace("%", "")).decode("utf-8", "replace")


# --- one translator per entity -----------------------------------------------------------------


class _EntityError(InputError):
    """An entity of the GAAD lacks or garbles a field; the message names the entity."""


def _user(item: Mapping[str, Any], index: int) -> User:
    name = _entity_name(item, "UserName", "UserDetailList", index, "user")
    where = f"user {name!r}"
    path = _path(item, where)
    return User(
        name=name,
        arn=_entity_arn(item, where, "user", path, name),
        user_id=_text(item, "UserId", where),
        path=path,
        create_date=_time(item.get("CreateDate"), where),
        groups=_group_list(item, where),
        attached_policies=_attached(item, where),
        inline_policies=_inline(item, "UserPolicyList", where),
        permissions_boundary_arn=_boundary(item, where),
        tags=_tags(item, where),
    )


def _group(item: Mapping[str, Any], index: int) -> Group:
    name = _entity_name(item, "GroupName", "GroupDetailList", index, "group")
    where = f"group {name!r}"
    path = _path(item, where)
    return Group(
        name=name,
        arn=_entity_arn(item, where, "group", path, name),
        group_id=_text(item, "GroupId", where),
        path=path,
        create_date=_time(item.get("CreateDate"), where),
        attached_policies=_attached(item, where),
        inline_policies=_inline(item, "GroupPolicyList", where),
    )


def _role(item: Mapping[str, Any], index: int) -> Role:
    name = _entity_name(item, "RoleName", "RoleDetailList", index, "role")
    where = f"role {name!r}"
    trust = item.get("AssumeRolePolicyDocument")
    last_used = item.get("RoleLastUsed") or {}
    if not _is_mapping(last_used):
        raise _EntityError(f"{where}: RoleLastUsed must be an object")
    profiles = _list(item, "InstanceProfileList", where)
    path = _path(item, where)
    return Role(
        name=name,
        arn=_entity_arn(item, where, "role", path, name),
        role_id=_text(item, "RoleId", where),
        path=path,
        create_date=_time(item.get("CreateDate"), where),
        trust_policy=(
            decode_policy_document(trust, where=f"{where} trust policy") if trust else {}
        ),
        attached_policies=_attached(item, where),
        inline_policies=_inline(item, "RolePolicyList", where),
        permissions_boundary_arn=_boundary(item, where),
        tags=_tags(item, where),
        last_used=_time(last_used.get("LastUsedDate"), where),
        last_used_region=_text(last_used, "Region", where, "RoleLastUsed") or None,
        instance_profiles=tuple(
            str(p.get("InstanceProfileName", "")) if _is_mapping(p) else str(p) for p in profiles
        ),
    )


def _managed_policy(item: Mapping[str, Any], index: int) -> ManagedPolicy:
    arn = _entity_arn(item, "Policies", "policy")
    # Some emulators omit PolicyName; the ARN's last segment is the name by definition.
    name = _text(item, "PolicyName", f"policy {arn!r}") or _arn_name(arn)
    if _IS_MANAGED_POLICY_NAME(name) is None:
        raise _EntityError(f"Policies[{index}]: PolicyName {name_problem('managed policy', name)}")
    where = f"policy {name!r}"
    path = _path(item, where)
    # A name given must be the ARN's own (an emulator omitting it gets it from the ARN above).
    if item.get("PolicyName") and (problem := entity_arn_problem("policy", arn, path, name)):
        raise _EntityError(f"{where}: {problem}")
    default_version = _text(item, "DefaultVersionId", where)
    versions = _list(item, "PolicyVersionList", where)
    document: PolicyDocument | None = None
    others: list[Any] = []
    for version in versions:
        if not _is_mapping(version):
            raise _EntityError(f"{where}: PolicyVersionList entries must be objects")
        is_default = version.get("IsDefaultVersion")
        if document is None and (
            is_default is True
            or str(is_default).lower() == "true"
            or (default_version and version.get("VersionId") == default_version)
        ):
            document = decode_policy_document(
                version.get("Document"), where=f"{where} default version document"
            )
            default_version = str(version.get("VersionId") or default_version)
        else:
            others.append(version.get("Document"))
    if document is None:
        raise _EntityError(f"{where} ({arn}) has no default version document in PolicyVersionList")
    aws_managed = arn.split(":")[4:5] == ["aws"]
    return ManagedPolicy(
        name=name,
        arn=arn,
        policy_id=_text(item, "PolicyId", where),
        path=path,
        default_version_id=default_version or "v1",
        document=document,
        attachment_count=_int(item.get("AttachmentCount"), where),
        boundary_usage_count=_int(item.get("PermissionsBoundaryUsageCount"), where),
        is_attachable=item.get("IsAttachable", True) not in (False, "false", "False"),
        create_date=_time(item.get("CreateDate"), where),
        update_date=_time(item.get("UpdateDate"), where),
        other_versions=None if aws_managed else _other_versions(others, where),
    )


def _other_versions(documents: list[Any], where: str) -> tuple[PolicyDocument, ...]:
    """The non-default versions' documents (GAAD lists every stored version). One that cannot
    be read is left out: AWS stores only valid documents, and the default alone is enforced."""
    found: list[PolicyDocument] = []
    for value in documents:
        try:
            found.append(decode_policy_document(value, where=f"{where} version document"))
        except _EntityError:
            continue
    return tuple(found)


# --- field helpers -----------------------------------------------------------------------------


def _required(item: Mapping[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise _EntityError(f"{where}: an entry lacks {key!r}")
    return value


# One compiled fullmatch per kind of name (bot.model.iam_names: IAM's own rules).
_IS_NAME = {kind: name_pattern(kind).fullmatch for kind in ("user", "group", "role")}
_IS_MANAGED_POLICY_NAME = name_pattern("managed policy").fullmatch
_IS_INLINE_POLICY_NAME = name_pattern("inline policy").fullmatch
_IS_GROUP_NAME = name_pattern("group").fullmatch
_IS_PATH = name_pattern("path").fullmatch


def _entity_name(item: Mapping[str, Any], key: str, label: str, index: int, kind: str) -> str:
    """The entry's name, refused unless IAM would accept it for a ``kind``, as a mismatched
    ARN is: a user named "bob\\n      - No permissions boundary." printed, in the text report,
    as that user and a made-up evidence line under it."""
    name = _required(item, key, label)
    if _IS_NAME[kind](name) is None:
        raise _EntityError(f"{label}[{index}]: {key} {name_problem(kind, name)}")
    return name


def _path(item: Mapping[str, Any], where: str) -> str:
    """The entry's Path ("/" when absent), refused unless it is one IAM would accept."""
    path = _text(item, "Path", where)
    if not path:
        return "/"
    if _IS_PATH(path) is None:
        raise _EntityError(f"{where}: Path {name_problem('path', path)}")
    return path


def _group_list(item: Mapping[str, Any], where: str) -> tuple[str, ...]:
    """A user's GroupList: group names, each one IAM would accept."""
    groups = _strings(item, "GroupList", where)
    for group in groups:
        if _IS_GROUP_NAME(group) is None:
            raise _EntityError(f"{where}: GroupList entry {name_problem('group', group)}")
    return tuple(groups)


def _entity_arn(
    item: Mapping[str, Any], where: str, kind: str, path: str = "", name: str = ""
) -> str:
    """The entry's Arn, refused unless it is an IAM ``kind`` ARN and, with ``name``, that
    entity's own (bot.model.iam_names.entity_arn_problem): a user "notanarn" was audited and
    reported as such, its account taken from another entry."""
    arn = _required(item, "Arn", where)
    problem = entity_arn_problem(kind, arn, path, name)
    if problem:
        raise _EntityError(f"{where}: {problem}")
    return arn


def _list(item: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = item.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _EntityError(f"{where}: {key} must be a list, got {_json_type(value)}")
    return value


def _attached(item: Mapping[str, Any], where: str) -> tuple[AttachedPolicy, ...]:
    attached = []
    try:
        for entry in _list(item, "AttachedManagedPolicies", where):
            if type(entry) is dict:  # the common case, checked as the general case below does
                arn = entry.get("PolicyArn")
                name = entry.get("PolicyName")
                if type(arn) is str and arn and (name is None or type(name) is str):
                    attached.append(_attachment(name or _arn_name(arn), arn))
                    continue
            if not _is_mapping(entry) or not entry.get("PolicyArn"):
                raise _EntityError(f"{where}: AttachedManagedPolicies entries need a PolicyArn")
            arn = _text(entry, "PolicyArn", where, "AttachedManagedPolicies")
            name = _text(entry, "PolicyName", where, "AttachedManagedPolicies") or _arn_name(arn)
            attached.append(_attachment(name, arn))
    except _BadName as exc:
        raise _EntityError(f"{where}: AttachedManagedPolicies: PolicyName {exc}") from None
    return tuple(attached)


class _BadName(ValueError):
    """A name IAM would refuse, found where the entity it belongs to is not known."""


@lru_cache(maxsize=8192)
def _attachment(name: str, arn: str) -> AttachedPolicy:
    """One frozen record per attached policy: principals attach the same few policies, and a
    shared immutable value is the same value (to_dict and == included) as a fresh one. The
    name is checked here, once per distinct attachment (an error is not cached)."""
    if _IS_MANAGED_POLICY_NAME(name) is None:
        raise _BadName(name_problem("managed policy", name))
    return AttachedPolicy(name=name, arn=arn)


def _inline(item: Mapping[str, Any], key: str, where: str) -> tuple[InlinePolicy, ...]:
    inline = []
    for entry in _list(item, key, where):
        if not _is_mapping(entry) or not entry.get("PolicyName"):
            raise _EntityError(f"{where}: {key} entries need a PolicyName")
        name = _text(entry, "PolicyName", where, key)
        if _IS_INLINE_POLICY_NAME(name) is None:
            raise _EntityError(f"{where}: {key}: PolicyName {name_problem('inline policy', name)}")
        document = decode_policy_document(
            entry.get("PolicyDocument"), where=f"{where} inline policy {name!r}"
        )
        inline.append(InlinePolicy(name=name, document=document))
    return tuple(inline)


def _boundary(item: Mapping[str, Any], where: str) -> str | None:
    boundary = item.get("PermissionsBoundary")
    if boundary is None:
        return None
    if not _is_mapping(boundary):
        raise _EntityError(
            f"{where}: PermissionsBoundary must be an object, got {_json_type(boundary)}"
        )
    return _text(boundary, "PermissionsBoundaryArn", where, "PermissionsBoundary") or None


def _text(item: Mapping[str, Any], key: str, where: str, part: str = "") -> str:
    """An optional string field ("" when absent); any other JSON type is refused by name.

    ``part`` (e.g. "Tags") is added to ``where`` only when there is an error to report: the
    message is built for one entry in a GAAD, not for each of its hundred thousand fields."""
    value = item.get(key)
    if type(value) is str:
        return value
    if value is None:
        return ""
    if not isinstance(value, str):
        where = f"{where}: {part}" if part else where
        raise _EntityError(f"{where}: {key} must be a string, got {_json_type(value)}")
    return value


def _is_mapping(value: Any) -> bool:
    """isinstance(value, Mapping), answering JSON's own dicts without the ABC machinery."""
    return type(value) is dict or isinstance(value, Mapping)


def _strings(item: Mapping[str, Any], key: str, where: str) -> list[str]:
    values = _list(item, key, where)
    for value in values:
        if not isinstance(value, str):
            raise _EntityError(f"{where}: {key} entries must be strings, got {_json_type(value)}")
    return values


def _tags(item: Mapping[str, Any], where: str) -> dict[str, str]:
    tags = {}
    for entry in _list(item, "Tags", where):
        if not _is_mapping(entry) or "Key" not in entry:
            raise _EntityError(f"{where}: Tags entries need a Key")
        tags[_text(entry, "Key", where, "Tags")] = _text(entry, "Value", where, "Tags")
    return tags


def _time(value: Any, where: str) -> datetime | None:
    if isinstance(value, datetime):
        # boto3 hands out local-zone datetimes; the snapshot keeps UTC so it compares and diffs.
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if value is None or isinstance(value, str):
        try:
            return parse_aws_time(value)
        except InputError as exc:
            raise _EntityError(f"{where}: {exc}") from None
    raise _EntityError(f"{where}: a date must be a string, got {_json_type(value)}")


def _int(value: Any, where: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _EntityError(f"{where}: expected a whole number, got {_json_type(value)}")
    if isinstance(value, str) and not (value.isdigit() and len(value) <= 18):
        raise _EntityError(f"{where}: expected a whole number, got {value[:20]!r}")
    return int(value)


def _arn_name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _account_from_arns(
    users: tuple[User, ...],
    groups: tuple[Group, ...],
    roles: tuple[Role, ...],
    policies: tuple[ManagedPolicy, ...],
) -> tuple[str | None, str]:
    """The account id and partition of the first account-owned ARN (AWS-managed ones say 'aws')."""
    for arn in _arns(users, groups, roles, policies):
        parts = arn.split(":")
        if len(parts) > 4 and parts[4].isdigit():
            return parts[4], parts[1] or "aws"
    return None, "aws"


def _arns(*collections: tuple[Any, ...]) -> Iterable[str]:
    for collection in collections:
        for entity in collection:
            yield entity.arn


def _account_from_report(report: tuple[Any, ...] | None) -> str | None:
    for row in report or ():
        parts = row.arn.split(":")
        if len(parts) > 4 and parts[4].isdigit():
            return parts[4]
    return None


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number"}
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    return type(value).__name__
