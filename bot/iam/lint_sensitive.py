"""Parliament's SENSITIVE_ACCESS: the user names (action, resource) pairs that matter to them
(`s3:GetObject` on `arn:aws:s3:::secret*`); a statement that allows the action on a resource
that can be one of those is reported. Nothing is sensitive unless the user says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.iam.lint_context import LintContext
from bot.iam.lint_model import SENSITIVE_ACCESS, LintFinding, finding
from bot.iam.lint_redundancy import glob_covers
from bot.iam.lint_resources import patterns_overlap
from bot.iam.policy import Statement

Sensitive = tuple[tuple[str, tuple[str, ...]], ...]


def normalise_sensitive(sensitive: Mapping[str, Iterable[str]] | None) -> Sensitive:
    """The user's {action: [resource patterns]} as a hashable, ordered tuple."""
    if not sensitive:
        return ()
    return tuple(sorted((action, tuple(patterns)) for action, patterns in sensitive.items()))


def _reaches(statement: Statement, pattern: str) -> bool:
    if statement.resources is not None:
        return any(patterns_overlap(r, pattern) for r in statement.resources)
    if statement.not_resources is not None:  # everything but these: only excluded if covered
        return not any(glob_covers(r, pattern) for r in statement.not_resources)
    return True  # no Resource element (resource policies): the resource it is attached to


def lint_sensitive(statement: Statement, ctx: LintContext) -> list[LintFinding]:
    if not ctx.sensitive or statement.effect != "Allow":
        return []
    granted = {a.lower() for a in ctx.expanded_actions(statement)}
    findings: list[LintFinding] = []
    for action, patterns in ctx.sensitive:
        named = ctx.catalogue.expand(action)
        if not {a.lower() for a in named} & granted:
            continue
        reached = [p for p in patterns if _reaches(statement, p)]
        if reached:
            findings.append(
                finding(
                    SENSITIVE_ACCESS,
                    statement.index,
                    f"allows {action} on {', '.join(reached)}, which you listed as sensitive",
                    {"action": action, "resources": reached},
                )
            )
    return findings
