"""Resource patterns that reach every resource an action can name.

AWS authorises a request against its concrete resource ARN, so an Allow of s3:GetObject on
`arn:aws:s3:::*` (every object of every bucket), or, in account 111122223333, of iam:PassRole
on `arn:aws:iam::111122223333:role/*` (IAM calls act on the caller's account only), grants
exactly what Resource `*` grants. The policy checks (policy.passrole_star) and the principal
checks (unrestricted access, administrator equivalence) read such a grant as `*`; this module
is the one test both use, each saying which account id it reads as any account.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from bot.iam.catalogue import ActionCatalogue, split_formats
from bot.iam.lint_resources import covers_every_resource


class TypeWideTest:
    """The test for one audited account, as the principal checks ask it: every account's
    resources, as `*` reaches them, except for IAM's own calls, which act only on the caller's
    account (`arn:aws:iam::<account>:role/*` is all iam:PassRole can name). AWS counts a grant
    on one account's keys as scoped, not as "all KMS keys" (Security Hub KMS.1's remediation),
    so `arn:aws:kms:*:<account>:key/*` is not `*` here."""

    __slots__ = ("_account", "_catalogue")

    def __init__(self, catalogue: ActionCatalogue, account: str) -> None:
        self._catalogue = catalogue
        self._account = account

    def covers(self, action_lower: str, patterns: tuple[str, ...]) -> bool:
        own = self._account if action_lower.startswith("iam:") else ""
        return covers_type_in_account(self._catalogue, action_lower, patterns, own)

    def may_cover_in(self, prefix: str, patterns: tuple[str, ...]) -> bool:
        """A necessary condition for :meth:`covers` on every action of the service."""
        return may_cover_in_service(self._catalogue, prefix, patterns)


_LITERAL_HEAD = re.compile(r"[^*?]*")
_VARIABLE = "${"


@lru_cache(maxsize=65536)
def covers_type_in_account(
    catalogue: ActionCatalogue, action: str, resources: tuple[str, ...], account: str
) -> bool:
    """Whether the Resource patterns match every resource the action can be asked about: each
    required resource type's every ARN (or one type's, when none is required), ``account``'s
    id (when given) read as any account, for callers whose action can reach no other account.
    False for an action without resource types: only `*` names its requests."""
    if not _may_name_service(catalogue, action.partition(":")[0], resources):
        return False
    info = catalogue.action(action)
    if info is None or not info.resource_types:
        return False
    heads = _resource_heads(catalogue, action)
    wide = tuple(
        pattern.replace(f":{account}:", ":*:", 1) if account else pattern
        for pattern in resources
        if _may_cover(pattern, heads)
    )
    return bool(wide) and covers_every_resource(info, wide)


@lru_cache(maxsize=65536)
def may_cover_in_service(
    catalogue: ActionCatalogue, prefix: str, patterns: tuple[str, ...]
) -> bool:
    """Whether one of the patterns could reach every resource of some action of service
    ``prefix`` (a necessary condition for :func:`covers_type_in_account`, asked once per
    service rather than once per action): it names the service's ARNs and opens its resource
    part no more narrowly than one of the service's formats. Reads the service's resources
    file only."""
    if not _may_name_service(catalogue, prefix, patterns):
        return False
    heads = _service_heads(catalogue, prefix)
    return heads is None or any(_may_cover(p, heads) for p in patterns)


@lru_cache(maxsize=1024)
def _service_heads(catalogue: ActionCatalogue, prefix: str) -> frozenset[str] | None:
    """Every prefix of the literal text opening the resource part of one of the service's ARN
    formats; None when the service is unknown."""
    formats = catalogue.resource_formats(prefix)
    return None if formats is None else _heads(formats)


def _heads(formats: Iterable[str]) -> frozenset[str]:
    heads: set[str] = {""}
    for arn_format in formats:
        parts = arn_format.split(":", 5)
        if len(parts) < 6:
            continue
        literal = parts[5].split(_VARIABLE, 1)[0]
        heads.update(literal[:i] for i in range(len(literal) + 1))
    return frozenset(heads)


def _may_name_service(catalogue: ActionCatalogue, prefix: str, resources: tuple[str, ...]) -> bool:
    """Whether a pattern could name the service of the resources of a ``prefix`` action: an
    action's types are its own service's, whose formats spell out their ARN services (read
    from the service's resources file: its full action records are not built for this)."""
    services = _arn_services(catalogue, prefix)
    if services is None:
        return True
    for pattern in resources:
        parts = pattern.split(":", 3)
        if len(parts) < 4 or any(c in parts[2] for c in "*?"):
            return True  # no literal service: it may be anyone's
        if parts[2].lower() in services:
            return True
    return False


def _may_cover(pattern: str, heads: frozenset[str]) -> bool:
    """A cheap necessary condition, so that the thousands of one-bucket patterns of an account
    (`arn:aws:s3:::reports-7/*`) never reach the glob comparison: the literal text that opens
    the pattern's resource part is no longer than the literal text that opens some format's (a
    format's placeholder must meet a wildcard). A pattern with fewer than six fields may span
    colons with a wildcard: the glob comparison decides it."""
    if _VARIABLE in pattern:
        return False  # renders per caller: not every resource (and never `*`)
    parts = pattern.split(":", 5)
    if len(parts) < 6:
        return True
    head = _LITERAL_HEAD.match(parts[5])
    return head is None or head.group() in heads


@lru_cache(maxsize=1024)
def _arn_services(catalogue: ActionCatalogue, prefix: str) -> frozenset[str] | None:
    return catalogue.arn_services(prefix)


@lru_cache(maxsize=8192)
def _resource_heads(catalogue: ActionCatalogue, action: str) -> frozenset[str]:
    """Every prefix of the literal text that opens the resource part (after the fifth colon)
    of one of the action's ARN formats: `""`, `"p"`, ... `"parameter/"` for ssm parameters."""
    info = catalogue.action(action)
    return _heads(
        arn_format
        for resource_type in (info.resource_types if info else ())
        for arn_format in split_formats(resource_type.arn_patterns)
    )
