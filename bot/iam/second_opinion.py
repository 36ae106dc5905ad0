"""The local engine's answers set against AWS's IAM policy simulator's, request by request (pure).

`iam-audit simulate --aws` and the approval preview ask AWS's simulator the same questions the
local engine answered. This module decides which questions AWS can be asked at all (its custom
simulation takes identity policies, one permissions boundary and a resource policy, but no
session policy, SCP or RCP, and only an IAM user as the caller of a resource policy), and turns
the two sets of answers into one sentence -- "local engine and AWS's simulator agree on 14 of 14
requests" -- plus each difference. A difference is logged with its request so users can report
it. No AWS call happens here: the adapter is bot.aws.policy_simulator.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.iam.evaluator import Decision, PolicySet, Request
from bot.iam.policy import Policy
from bot.iam.principals import parse_principal

log = logging.getLogger(__name__)

# AWS's EvalDecision values and the local engine's names for them.
AWS_DECISIONS = {
    "allowed": "allowed",
    "explicitDeny": "explicit_deny",
    "implicitDeny": "implicit_deny",
}


@dataclass(frozen=True, slots=True)
class AwsAnswer:
    """AWS's answer for one action on one resource (one EvaluationResults entry)."""

    action: str
    resource: str
    decision: str  # the local engine's spelling: allowed / explicit_deny / implicit_deny
    matched: tuple[str, ...] = ()  # SourcePolicyId of each MatchedStatements entry
    missing_context: tuple[str, ...] = ()  # MissingContextValues


@dataclass(frozen=True, slots=True)
class CustomSimulation:
    """What AWS's SimulateCustomPolicy needs for a group of requests sharing one policy set."""

    identity: tuple[str, ...]  # policy documents as JSON text
    boundaries: tuple[str, ...]
    resource_policy: str | None
    caller_arn: str | None
    resource_owner: str | None
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Comparison:
    request: Request
    local: str
    aws: str | None  # None: AWS gave no answer for this request (see ``note``)
    note: str = ""

    @property
    def agrees(self) -> bool:
        return self.aws is not None and self.aws == self.local

    @property
    def differs(self) -> bool:
        return self.aws is not None and self.aws != self.local

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"decision": self.aws, "agrees": self.agrees}
        if self.note:
            body["note"] = self.note
        return body


class NotComparable(ValueError):
    """AWS's simulator cannot be asked this question; the message says why, in one line."""


def custom_simulation(request: Request, policies: PolicySet) -> CustomSimulation:
    """The SimulateCustomPolicy input for a request, or NotComparable with the reason."""
    missing = [
        name
        for name, present in (
            ("a session policy", policies.session_policy is not None),
            ("SCPs", bool(policies.scps)),
            ("RCPs", bool(policies.rcps)),
        )
        if present
    ]
    if missing:
        raise NotComparable(
            f"AWS's custom simulation cannot include {' or '.join(missing)}"
            " (IAM API Reference, SimulateCustomPolicy)"
        )
    if not policies.identity:
        raise NotComparable("AWS's custom simulation needs at least one identity policy")
    caller = parse_principal(request.principal_arn)
    caller_arn: str | None = None
    if policies.resource_policy is not None:
        if caller.kind != "user":
            raise NotComparable(
                "with a resource policy AWS's simulator takes only an IAM user as the caller"
            )
        caller_arn = request.principal_arn
    owner = request.resource_account
    return CustomSimulation(
        identity=tuple(_document(p) for p in policies.identity),
        boundaries=tuple(_document(p) for p in policies.permission_boundaries),
        resource_policy=(
            _document(policies.resource_policy) if policies.resource_policy is not None else None
        ),
        caller_arn=caller_arn,
        resource_owner=f"arn:{caller.partition}:iam::{owner}:root" if owner else None,
        context={k: _values(v) for k, v in request.context.items()},
    )


def _document(policy: Policy) -> str:
    return json.dumps(policy.document, separators=(",", ":"), sort_keys=True)


def _values(value: str | Sequence[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def compare(
    request: Request, local: Decision, aws: AwsAnswer | None, *, unavailable: str = ""
) -> Comparison:
    """One request's two answers; a difference is logged with the request."""
    if aws is None:
        return Comparison(request, local.decision, None, unavailable)
    note = ""
    if aws.missing_context:
        note = "AWS lacked context values: " + ", ".join(aws.missing_context)
    comparison = Comparison(request, local.decision, aws.decision, note)
    if comparison.differs:
        log.warning(
            "local engine and AWS's simulator differ: %s",
            json.dumps(
                {
                    "principal": request.principal_arn,
                    "action": request.action,
                    "resource": request.resource,
                    "resource_account": request.resource_account,
                    "context": {k: list(_values(v)) for k, v in request.context.items()},
                    "local": local.decision,
                    "local_reason": local.reason,
                    "aws": aws.decision,
                    "aws_matched": list(aws.matched),
                    "aws_missing_context": list(aws.missing_context),
                },
                sort_keys=True,
            ),
        )
    return comparison


def summary(comparisons: Sequence[Comparison]) -> str:
    """One sentence over all requests: agreement, differences, or why only we answered."""
    asked = [c for c in comparisons if c.aws is not None]
    if not asked:
        counts: dict[str, int] = {}
        for c in comparisons:
            if c.note:
                counts[c.note] = counts.get(c.note, 0) + 1
        if len(counts) <= 1:
            why = f": {next(iter(counts))}" if counts else ""
        else:
            why = ": " + "; ".join(
                f"{reason} ({n} request{'s' if n != 1 else ''})" for reason, n in counts.items()
            )
        return f"only the local engine answered{why}"
    agreed = sum(1 for c in asked if c.agrees)
    text = f"local engine and AWS's simulator agree on {agreed} of {len(asked)} requests"
    skipped = len(comparisons) - len(asked)
    if skipped:
        text += f" ({skipped} not asked: AWS's simulator cannot take them)"
    return text


def difference_lines(comparisons: Sequence[Comparison], *, limit: int = 10) -> list[str]:
    """Each difference as "action on resource: local X, AWS Y"."""
    lines = [
        f"{c.request.action} on {c.request.resource}: local engine {c.local}, AWS {c.aws}"
        + (f" ({c.note})" if c.note else "")
        for c in comparisons
        if c.differs
    ]
    if len(lines) > limit:
        lines = [*lines[:limit], f"... and {len(lines) - limit} more"]
    return lines


# --- the approval preview: the principal's policies once the change is made ---------------------


def policies_after_change(snapshot: Any, principal_arn: str, change: Any) -> PolicySet:
    """The user's or role's PolicySet with ``change`` (a bot.iam.impact.PolicyChange) applied,
    so AWS's simulator can be given the same documents the preview evaluated."""
    from bot.iam.policy import parse_policy  # noqa: PLC0415 - small, avoids a cycle at import
    from bot.iam.principal_policies import policies_for_principal  # noqa: PLC0415

    current = policies_for_principal(snapshot, principal_arn)
    identity = list(current.identity)
    boundaries = list(current.permission_boundaries)
    caller = parse_principal(principal_arn)
    owner = f"group/{change.group}" if change.group else f"{_owner_kind(caller)}/{caller.name}"

    def document(label: str) -> Policy:
        if change.document is not None:
            return parse_policy(change.document, name=label)
        managed = snapshot.policy_by_arn().get(change.policy_arn)
        if managed is None:
            raise NotComparable(f"{change.policy_arn} is not in the account data")
        return parse_policy(managed.document, name=label)

    kind = change.kind
    if kind == "attach_managed":
        identity.append(document(change.policy_arn))
    elif kind == "detach_managed":
        identity = [p for p in identity if p.name != change.policy_arn]
    elif kind in ("put_inline", "delete_inline"):
        label = f"{owner}/inline/{change.policy_name}"
        identity = [p for p in identity if p.name != label]
        if kind == "put_inline":
            identity.append(document(label))
    elif kind == "set_boundary":
        boundaries = [document(change.policy_arn or "boundary")]
    elif kind == "remove_boundary":
        boundaries = []
    return PolicySet(identity=identity, permission_boundaries=boundaries)


def _owner_kind(caller: Any) -> str:
    return "user" if caller.kind == "user" else "role"
