"""Which resources an action can act on, by the ARN service segment of its resource types.

A statement allowing `Action: *` on `arn:aws:s3:::bucket/*` grants S3 calls only: IAM's actions
match its Action but are never asked about an S3 ARN (no such request exists), and an action
whose only resource is `*` (iam:ListUsers) is never asked about an ARN at all. The audit's
escalation search (bot.iam.effective) and the linter's opt-in capability report
(bot.iam.lint_risk) both read a grant this way.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.iam.catalogue import ActionCatalogue


def arn_services_of(catalogue: ActionCatalogue, action: str) -> frozenset[str] | None:
    """The ARN services an action's resources have (the catalogue's resource types; empty
    when only `*` applies), None when they cannot be told. An action of a service the
    catalogue no longer lists (retired CodeStar) acts on that service's own ARNs."""
    prefix = action.partition(":")[0]
    if not catalogue.service_exists(prefix):
        return None if "*" in prefix or "?" in prefix else frozenset({prefix})
    return catalogue.action_arn_services(action)


def may_name_resource_of(literal: str, services: frozenset[str] | None) -> bool:
    """Whether an ARN pattern from a statement could name a resource of the action: its service
    segment is one of the action's ARN services (``services``; None when unknown) or a
    wildcard. Anything that is not an ARN (`*`, a bare name) may."""
    if services is None:
        return True
    parts = literal.split(":", 3)
    if len(parts) < 3 or parts[0] != "arn":
        return True
    service = parts[2].lower()
    return service in services or "*" in service or "?" in service


def may_act_on_any(
    catalogue: ActionCatalogue, action: str, resources: Iterable[str] | None
) -> bool:
    """Whether a statement with these Resource patterns can grant the action at all (None:
    a NotResource statement, which may)."""
    if resources is None:
        return True
    services = arn_services_of(catalogue, action)
    return any(may_name_resource_of(r, services) for r in resources)
