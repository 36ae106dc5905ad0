"""Which kind of policy a document is, when the user did not say (`lint` without `--type`).

A document whose statements all name a Principal, only the sts:AssumeRole* family of actions and
no Resource is a role trust policy; with a Principal and a Resource it is a resource policy;
without any Principal it is an identity policy. The answer carries the reason, which the CLI
prints so a wrong guess is visible.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.iam.lint_model import PolicyType

TRUST_RESOURCE_TYPE = "AWS::IAM::AssumeRolePolicyDocument"
_TRUST_ACTION_PREFIXES = ("sts:assumerole", "sts:tagsession", "sts:setsourceidentity")
_TRUST_ACTIONS_EXTRA = frozenset({"sts:setcontext", "sts:*"})


@dataclass(frozen=True, slots=True)
class DetectedType:
    policy_type: PolicyType
    reason: str


def _statements(document: Mapping[str, Any] | str) -> list[Mapping[str, Any]]:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return []
    if not isinstance(document, Mapping):
        return []
    raw = document.get("Statement")
    if isinstance(raw, Mapping):
        raw = [raw]
    return [s for s in raw if isinstance(s, Mapping)] if isinstance(raw, list) else []


def _actions(statement: Mapping[str, Any]) -> list[str]:
    value = statement.get("Action", statement.get("NotAction", []))
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [v.lower() for v in values if isinstance(v, str)]


def _trust_action(action: str) -> bool:
    return action.startswith(_TRUST_ACTION_PREFIXES) or action in _TRUST_ACTIONS_EXTRA


def detect_policy_type(
    document: Mapping[str, Any] | str, *, resource_type: str | None = None
) -> DetectedType:
    if resource_type == TRUST_RESOURCE_TYPE:
        return DetectedType("trust", f"--resource-type {resource_type}")
    if resource_type is not None:
        return DetectedType("resource", f"--resource-type {resource_type}")
    statements = _statements(document)
    with_principal = [s for s in statements if "Principal" in s or "NotPrincipal" in s]
    if not statements or not with_principal:
        return DetectedType("identity", "no statement names a Principal")
    if len(with_principal) < len(statements):
        return DetectedType(
            "resource", "some statements name a Principal (a policy attached to a resource)"
        )
    if all(
        "Resource" not in s
        and "NotResource" not in s
        and _actions(s)
        and all(_trust_action(a) for a in _actions(s))
        for s in statements
    ):
        return DetectedType(
            "trust", "every statement names a Principal, sts:AssumeRole* actions and no Resource"
        )
    return DetectedType("resource", "every statement names a Principal and a Resource or actions")
