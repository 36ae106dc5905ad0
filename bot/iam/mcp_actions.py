"""aws:IsMcpServiceAction: true only on MCP service actions, which the caller cannot widen.

AWS's managed policy AWSMcpServiceActionsFullAccess (created 2025-11-21) is one statement,
Allow ``*`` on ``*`` under ``Bool aws:IsMcpServiceAction true``, and its description says it
"provides full access to all MCP service actions ... not ... the actions taken by the MCP, only
the MCP actions themselves". Read as a key the caller sets (the engine's rule for keys it does
not know), that statement made every holder an administrator.

Which actions are MCP service actions is not in the action catalogue. Known: every action of
the MCP services, whose prefix ends in ``-mcp`` (Service Authorization Reference: ``aws-mcp``
for the AWS MCP Server, ``ecs-mcp``, ``eks-mcp`` ...), and some actions of other services (AWS's
Partner Central policies allow ``partnercentral:UseSession`` under the key). So only a pattern
whose service part is a wildcard (``*``, ``e*:*``) is cut down, to the MCP services; a pattern
naming a service is kept as written, as before (its author knows that service's MCP actions,
and the caller is assumed able to call them that way). The other MCP keys
(aws:ViaAWSMCPService, aws:CalledViaAWSMCP) describe the path of a request, which a caller
chooses by calling through an MCP server, and stay caller-controlled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from fnmatch import fnmatchcase
from functools import cache
from typing import Protocol

from bot.iam.catalogue import default_catalogue
from bot.iam.matching import has_wildcard
from bot.iam.policy import Statement

IS_MCP_SERVICE_ACTION = "aws:ismcpserviceaction"
# The AWS MCP Server's prefix (Service Authorization Reference, "AWS MCP Server"), listed
# here because the catalogue may predate it.
_DOCUMENTED_MCP_SERVICES = ("aws-mcp",)
# Operators under which the key must be present and true (an IfExists operator also holds
# where the key is absent, so it narrows nothing).
_TRUE_TESTS = frozenset({"bool", "stringequals", "stringequalsignorecase"})


def is_mcp_service(service: str) -> bool:
    """Whether a service prefix names an MCP service (``eks-mcp``, ``aws-mcp`` ...)."""
    return service.lower().endswith("-mcp")


@cache
def mcp_services() -> tuple[str, ...]:
    """Every MCP service prefix the catalogue knows, and the documented ones it may not."""
    known = {s.lower() for s in default_catalogue().services() if is_mcp_service(s)}
    return tuple(sorted(known | set(_DOCUMENTED_MCP_SERVICES)))


class _ConditionLike(Protocol):
    """A parsed condition (bot.iam.policy.Condition) or a check's reading of one."""

    @property
    def operator(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def values(self) -> Sequence[str]: ...


def requires_mcp_action(condition: _ConditionLike) -> bool:
    """Whether the condition holds only on an MCP service's action: it tests
    aws:IsMcpServiceAction for true, and for nothing else."""
    return (
        condition.key.lower() == IS_MCP_SERVICE_ACTION
        and condition.operator.lower() in _TRUE_TESTS
        and bool(condition.values)
        and all(value.lower() == "true" for value in condition.values)
    )


def mcp_only(statement: Statement) -> Statement | None:
    """The statement as AWS applies it when a condition requires an MCP service action: its
    every-service patterns cut down to the MCP services (and that condition dropped, the caller
    being able to call any of what is left that way), or None when nothing is left. Any other
    statement, one whose patterns all name a service, and one with NotAction (whose complement
    is not a list of patterns) are returned as they are."""
    if statement.actions is None or not any(map(requires_mcp_action, statement.conditions)):
        return statement
    patterns = mcp_patterns(statement.actions)
    if patterns == statement.actions:
        return statement
    if not patterns:
        return None
    kept = tuple(c for c in statement.conditions if not requires_mcp_action(c))
    return replace(statement, actions=patterns, conditions=kept)


def mcp_patterns(actions: Sequence[str]) -> tuple[str, ...]:
    """Action patterns under aws:IsMcpServiceAction as AWS applies them: one whose service part
    is a wildcard reaches the MCP services only (``*`` -> ``aws-mcp:*``, ``ecs-mcp:*`` ...;
    ``e*:Get*`` -> ``ecs-mcp:get*``, ``eks-mcp:get*``); one naming a service is kept."""
    found: dict[str, None] = {}
    for pattern in actions:
        service_glob, action_glob = _split(pattern)
        if not has_wildcard(service_glob):
            found[pattern] = None
            continue
        for service in mcp_services():
            if fnmatchcase(service, service_glob):
                found[f"{service}:{action_glob}"] = None
    return tuple(found)


def _split(pattern: str) -> tuple[str, str]:
    """``service:action`` as its two globs, lower-case; a bare ``*`` is every service's every
    action."""
    service, colon, action = pattern.lower().partition(":")
    return (service, action) if colon else (service, "*")
