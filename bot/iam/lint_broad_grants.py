"""Grants broader than they look: Allow with NotResource, and iam:PassRole or
iam:CreateServiceLinkedRole on every role (Access Analyzer's "Pass role with ..." security
warnings and "Create SLR with ..." general warnings, one code each with the variant in `kind`).
"""

from __future__ import annotations

import re

from bot.iam.lint_context import LintContext
from bot.iam.lint_model import (
    ALLOW_NOT_RESOURCE,
    CREATE_SLR_WILDCARD,
    PASS_ROLE_WILDCARD,
    LintFinding,
    finding,
)
from bot.iam.lint_resources import covers_every_resource
from bot.iam.policy import Statement

_PASS_ROLE = "iam:PassRole"
_CREATE_SLR = "iam:CreateServiceLinkedRole"
# The condition keys AWS names as the remedy when the resource cannot be narrowed.
_SCOPING_KEYS = {_PASS_ROLE: "iam:passedtoservice", _CREATE_SLR: "iam:awsservicename"}
_ACCOUNT = re.compile(r"^\d{12}$")


def lint_broad_grants(statement: Statement, ctx: LintContext) -> list[LintFinding]:
    if statement.effect != "Allow" or ctx.policy_type not in ("identity", "resource"):
        return []
    findings: list[LintFinding] = []
    if statement.not_resources is not None and ctx.policy_type == "identity":
        findings.append(
            finding(
                ALLOW_NOT_RESOURCE,
                statement.index,
                "Allow with NotResource grants the actions on every resource except "
                + ", ".join(statement.not_resources)
                + ", including resources created later; list the resources in Resource",
                {"not_resources": list(statement.not_resources)},
            )
        )
    if ctx.policy_type == "identity":
        granted = ctx.expanded_actions(statement)  # once for both actions
        findings.extend(_every_role(statement, ctx, granted, _PASS_ROLE, PASS_ROLE_WILDCARD))
        findings.extend(_every_role(statement, ctx, granted, _CREATE_SLR, CREATE_SLR_WILDCARD))
    return findings


def _every_role(
    statement: Statement, ctx: LintContext, granted: frozenset[str], action: str, code: str
) -> list[LintFinding]:
    if action not in granted:
        return []
    if any(c.key.lower() == _SCOPING_KEYS[action] for c in statement.conditions):
        return []
    info = ctx.catalogue.action(action)
    if info is None:
        return []
    if statement.not_resources is not None:
        where = "with NotResource (every role not listed)"
        kind = "not_resource"
    elif statement.resources is not None and covers_every_resource(
        info, [_any_account(r) for r in statement.resources]
    ):
        broad = [r for r in statement.resources if covers_every_resource(info, (_any_account(r),))]
        where = "on every role (" + ", ".join(broad or statement.resources) + ")"
        kind = "star_resource"
    else:
        return []
    named = statement.actions is not None and any(
        p.lower() == action.lower() for p in statement.actions
    )
    via = (
        ""
        if named
        else (" through NotAction" if statement.actions is None else " through a wildcard action")
    )
    remedy = "iam:PassedToService" if action == _PASS_ROLE else "iam:AWSServiceName"
    return [
        finding(
            code,
            statement.index,
            f"allows {action}{via} {where}; name the role ARNs in Resource or add an"
            f" {remedy} condition",
            {"kind": kind, "action": action, "explicit": named},
        )
    ]


def _any_account(pattern: str) -> str:
    """The pattern with a literal account ID read as `*`. Both actions reach only roles of the
    caller's own account (a role of another account cannot be passed), so
    `arn:aws:iam::111122223333:role/*` is every role the holder can pass: Access Analyzer's
    "Pass role with star in resource" security warning, as `arn:aws:iam::*:role/*` is."""
    parts = pattern.split(":", 5)
    if len(parts) == 6 and parts[2] == "iam" and _ACCOUNT.match(parts[4]):
        return ":".join((*parts[:4], "*", parts[5]))
    return pattern
