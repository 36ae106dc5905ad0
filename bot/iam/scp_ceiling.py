"""Service control policies read as Deny statements beside a principal's own policies.

An SCP grants nothing: each level of the organization above a member account (the root, every
OU, the account itself) must allow a call, and a Deny at any level refuses it (AWS Organizations
User Guide, "SCP evaluation"). Most organizations follow the deny-list strategy AWS recommends:
FullAWSAccess at every level plus Deny statements. Such a Deny acts exactly as a Deny in the
principal's own policies would (the same request, and an explicit deny wins), so the engine
reads the SCPs' Denies as one more identity policy of every member principal, and every fast
path of the engine stays as it is.

A level that allows only a list of actions (the allow-list strategy) refuses everything else:
that is a Deny with NotAction of the list on every resource. A level's Allow this cannot express
(a condition, resources other than `*`, NotAction beside other Allows) is not applied: the
audit then reports what only that level would refuse, and says so. SCPs do not apply in the
management account, nor to service-linked roles.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.iam.policy import VERSION_2008, VERSION_2012, PolicyParseError, parse_policy
from bot.iam.resolved_policy import PolicySource, document_key
from bot.model.snapshot import AccountSnapshot, ServiceControlPolicy

__all__ = ["ALLOW_EVERYTHING", "KIND", "ScpCeiling", "scp_ceiling", "statements_of"]

VIA = "organization"
KIND = "scp"
# Every action on every resource: with the SCP sources, the most the SCPs leave a principal.
_EVERYTHING_DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
ALLOW_EVERYTHING = PolicySource(
    "every action (what the SCPs leave)", "scp-ceiling", VIA, _EVERYTHING_DOCUMENT, "scp-ceiling"
)
_EVERYTHING = ("*", "*:*")


@dataclass(frozen=True, slots=True)
class ScpCeiling:
    """What the audit applies of the account's SCPs."""

    sources: tuple[PolicySource, ...] = ()  # Deny-only policies every member principal gets
    applied: tuple[str, ...] = ()  # the SCPs (and allow lists) applied, named for the report
    not_applied: tuple[str, ...] = ()  # what could not be applied, and why
    known: bool = False  # False: the SCPs are unknown, so nothing of them is applied

    def summary(self) -> dict[str, Any]:
        """For the report: which SCPs the findings already take into account."""
        return {
            "known": self.known,
            "applied": list(self.applied),
            "not_applied": list(self.not_applied),
        }


def scp_ceiling(snapshot: AccountSnapshot) -> ScpCeiling:
    """The Deny policies standing for the account's SCPs (none when unknown or not applying)."""
    levels = snapshot.service_control_policies
    if levels is None:
        return ScpCeiling()
    if snapshot.is_management_account:
        return ScpCeiling(
            known=True, not_applied=("the management account: SCPs do not apply to it",)
        )
    sources: list[PolicySource] = []
    applied: list[str] = []
    not_applied: list[str] = []
    for depth, level in enumerate(levels):
        for policy in level:
            statements, unreadable = _statements(policy.document)
            where = _level_name(depth, (policy, *level), len(levels))
            if unreadable:
                not_applied.append(f"SCP {_label(policy)} at {where}: {unreadable}")
            version = _version(policy.document)
            denies = []
            for number, statement in enumerate(statements, 1):
                if statement.get("Effect") != "Deny":
                    continue
                problem = _unreadable(version, _with_resource(statement))
                if problem:
                    not_applied.append(
                        f"SCP {_label(policy)} at {where}, statement {number}: {problem}"
                    )
                else:
                    denies.append(_with_resource(statement))
            if denies:
                sources.append(_source(f"SCP {_label(policy)} at {where}", version, denies))
                applied.append(f"SCP {_label(policy)} at {where}")
        where = _level_name(depth, level, len(levels))
        allow_list, why = _allow_list(level)
        if why:
            not_applied.append(f"the allow list at {where}: {why}")
        elif allow_list is not None:
            name = f"SCP allow list at {where}"
            if allow_list.get("Action") == "*":
                # AWS refuses every call then; a file that left FullAWSAccess out reads so too.
                name = f"nothing allowed at {where}: no SCP there allows any call"
            sources.append(_source(name, "2012-10-17", [allow_list]))
            applied.append(name)
    return ScpCeiling(tuple(sources), tuple(applied), tuple(not_applied), known=True)


def statements_of(document: Any) -> list[Mapping[str, Any]]:
    """The document's statements that are objects (none when it is no policy document)."""
    return _statements(document)[0]


def _level_name(depth: int, level: Sequence[ServiceControlPolicy], count: int) -> str:
    target = next((p.target for p in level if p.target), "")
    if depth == 0:
        kind = "the root"
    elif depth == count - 1:
        kind = "the account"
    else:
        kind = "OU level " + str(depth)
    return f"{kind} ({target})" if target else kind


def _label(policy: ServiceControlPolicy) -> str:
    if policy.policy_id and policy.policy_id != policy.name:
        return f"{policy.name} ({policy.policy_id})"
    return policy.name


def _statements(document: Any) -> tuple[list[Mapping[str, Any]], str]:
    """The document's statements that are objects, and why any were left out ('' if none)."""
    if not isinstance(document, Mapping):
        return [], "not a policy document (not applied)"
    statements = document.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list):
        return [], "its Statement is neither an object nor a list (not applied)"
    kept = [s for s in statements if isinstance(s, Mapping)]
    if len(kept) < len(statements):
        return kept, f"{len(statements) - len(kept)} statement(s) not objects (not applied)"
    return kept, ""


def _with_resource(statement: Mapping[str, Any]) -> dict[str, Any]:
    """An SCP statement with neither Resource nor NotResource applies to every resource."""
    if "Resource" in statement or "NotResource" in statement:
        return dict(statement)
    return {**statement, "Resource": "*"}


def _as_list(value: Any) -> list[Any]:
    return [value] if isinstance(value, str) else list(value) if isinstance(value, list) else []


def _allow_list(level: Sequence[ServiceControlPolicy]) -> tuple[dict[str, Any] | None, str]:
    """(a Deny statement refusing what the level's Allows leave out, why it cannot be built).

    (None, ""): the level allows every action on every resource (FullAWSAccess), nothing to
    add. A level without any Allow refuses everything."""
    for policy in level:
        for statement in _statements(policy.document)[0]:
            if _allows_everything(statement):
                return None, ""
    allowed: list[str] = []
    for policy in level:
        statements, _unreadable = _statements(policy.document)
        for statement in statements:
            if statement.get("Effect") != "Allow":
                continue
            if "Condition" in statement:
                return None, f"SCP {_label(policy)} allows under a condition"
            if "NotResource" in statement or any(
                r != "*" for r in _as_list(statement.get("Resource", "*"))
            ):
                return None, f"SCP {_label(policy)} allows on named resources only"
            if "NotAction" in statement:
                return None, f"SCP {_label(policy)} allows with NotAction"
            actions = _as_list(statement.get("Action"))
            if any(not isinstance(a, str) for a in actions):
                return None, f"SCP {_label(policy)} has an Action that is not a string"
            allowed.extend(actions)
    if not allowed:
        return {"Effect": "Deny", "Action": "*", "Resource": "*"}, ""
    return {"Effect": "Deny", "NotAction": sorted(set(allowed)), "Resource": "*"}, ""


def _version(document: Any) -> str:
    version = document.get("Version") if isinstance(document, Mapping) else None
    return version if version in (VERSION_2008, VERSION_2012) else VERSION_2012


def _unreadable(version: str, statement: Mapping[str, Any]) -> str:
    """Why the statement is no valid policy statement ('' when it is): checked one by one, so
    one malformed Deny does not take the others of its SCP with it."""
    try:
        parse_policy({"Version": version, "Statement": [statement]}, unique_sids=False)
    except PolicyParseError as exc:
        reasons = (re.sub(r"^Statement \d+: ", "", r) for r in exc.reasons)
        return "; ".join(reasons)[:300] + " (not applied)"
    return ""


def _allows_everything(statement: Mapping[str, Any]) -> bool:
    """FullAWSAccess: an unconditional Allow of every action on every resource."""
    return (
        statement.get("Effect") == "Allow"
        and "Condition" not in statement
        and any(a in _EVERYTHING for a in _as_list(statement.get("Action")))
        and "*" in _as_list(statement.get("Resource", "*"))
    )


def _source(name: str, version: str, statements: list[Any]) -> PolicySource:
    document = {"Version": version, "Statement": statements}
    return PolicySource(name, KIND, VIA, document, "scp:" + document_key(document))
