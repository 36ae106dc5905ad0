"""Reading the SCPs (or RCPs) over an account from a file (`iam-audit audit --scps FILE`,
`--rcps FILE`).

A member account's own credentials cannot read its organization's SCPs, and a GAAD file does
not hold them, so an offline audit takes them from a file the management account (or a
delegated administrator) wrote. Accepted shapes, one JSON value:

- ``[[doc, ...], ...]``: the levels, root first and the account last, as in
  ``iam-audit simulate``'s ``scps`` field;
- ``{"levels": [[...], ...], "management_account": false, "organization_id": "o-..."}``.

A level's entry is a policy document (an object with a Statement, or the JSON text
``aws organizations describe-policy`` returns as Content) or ``{"name", "id", "target",
"document"}``. Every refusal names the place in the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from bot.iam.scp_ceiling import statements_of
from bot.model.errors import InputError
from bot.model.safe_parse import UnsafeInput, parse_json
from bot.model.snapshot import ServiceControlPolicy

__all__ = ["MAX_LEVELS", "nothing_allowed", "organization_id_of", "scp_levels_from_json"]

# The root, up to five nested OUs and the account (AWS Organizations quotas: "OU maximum
# nesting in a root: 5 levels").
MAX_LEVELS = 7
_ENTRY_KEYS = frozenset({"name", "id", "target", "document"})
# Organizations API reference, Organization.Id: "^o-[a-z0-9]{10,32}$".
_ORGANIZATION_ID = re.compile(r"o-[a-z0-9]{10,32}")


def scp_levels_from_json(
    data: Any, *, where: str = "SCP file", kind: str = "SCP"
) -> tuple[tuple[tuple[ServiceControlPolicy, ...], ...], bool | None]:
    """(the levels, root first; whether the account is the management account, if said).
    ``kind`` ("SCP" or "RCP") names the policies in messages: both files have one shape."""
    management: bool | None = None
    levels = data
    if isinstance(data, Mapping):
        unknown = set(data) - {"levels", "management_account", "organization_id"}
        if unknown:
            raise InputError(
                f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))} "
                "(expected 'levels' and optionally 'management_account', 'organization_id')"
            )
        organization_id_of(data, where=where)
        if "levels" not in data:
            raise InputError(f"{where}: no 'levels' (a list of levels, root first)")
        levels = data["levels"]
        management = data.get("management_account")
        if management is not None and not isinstance(management, bool):
            raise InputError(f"{where}: 'management_account' must be true or false")
    if not isinstance(levels, list) or not all(isinstance(level, list) for level in levels):
        raise InputError(
            f"{where}: expected a list of levels (each a list of {kind}s), root first and the "
            "account last"
        )
    if len(levels) > MAX_LEVELS:
        raise InputError(
            f"{where}: {len(levels)} levels; an account sits under at most {MAX_LEVELS} "
            "(the root, up to 5 nested OUs, the account itself)"
        )
    parsed = tuple(
        tuple(
            _entry(entry, f"{where} level {depth} entry {number}", depth, number)
            for number, entry in enumerate(level, 1)
        )
        for depth, level in enumerate(levels)
    )
    return parsed, management


def organization_id_of(data: Any, *, where: str = "SCP file") -> str | None:
    """The file's ``organization_id`` (AWS's form: o- and 10 to 32 lower-case letters or
    digits), None when it gives none."""
    found = data.get("organization_id") if isinstance(data, Mapping) else None
    if found is None:
        return None
    if not isinstance(found, str) or not _ORGANIZATION_ID.fullmatch(found):
        raise InputError(
            f"{where}: 'organization_id' must be an organization id such as o-a1b2c3d4e5"
        )
    return found


def _entry(entry: Any, place: str, depth: int, number: int) -> ServiceControlPolicy:
    name = f"level {depth} policy {number}"
    policy_id = target = ""
    document: Any = entry
    if isinstance(entry, Mapping) and "Statement" not in entry:
        unknown = set(entry) - _ENTRY_KEYS
        if unknown or "document" not in entry:
            raise InputError(
                f"{place}: expected a policy document or an object with 'document' (and "
                "optionally 'name', 'id', 'target')"
            )
        for key in ("name", "id", "target"):
            if key in entry and not isinstance(entry[key], str):
                raise InputError(f"{place}: '{key}' must be a string")
        name = entry.get("name") or entry.get("id") or name
        policy_id = entry.get("id", "")
        target = entry.get("target", "")
        document = entry["document"]
    if isinstance(document, str):
        try:
            document = parse_json(document)
        except (json.JSONDecodeError, UnsafeInput) as exc:
            raise InputError(f"{place}: the policy text is not valid JSON ({exc})") from None
    if not isinstance(document, Mapping) or "Statement" not in document:
        raise InputError(f"{place}: not a policy document (an object with a Statement)")
    return ServiceControlPolicy(name, dict(document), policy_id, target)


def nothing_allowed(levels: tuple[tuple[ServiceControlPolicy, ...], ...]) -> list[int]:
    """The levels none of whose SCPs has an Allow statement: AWS then refuses every call of
    the account, which is rarely what a hand-written file meant (FullAWSAccess left out)."""
    return [
        depth
        for depth, level in enumerate(levels)
        if not any(
            s.get("Effect") == "Allow" for policy in level for s in statements_of(policy.document)
        )
    ]
