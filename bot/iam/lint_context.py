"""What every lint rule may look at: the parsed statements, the raw JSON they came from, and
the policy's type, Version and (for resource policies) resource type.

Rules take `(statement, ctx)` or `(ctx)`; the raw JSON is kept because some of AWS's checks are
about its shape (an empty `Condition: {}`, a Sid of `""`) which parsing normalises away.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from bot.iam.catalogue import ActionCatalogue
from bot.iam.lint_model import PolicyType
from bot.iam.mcp_actions import mcp_only
from bot.iam.policy import VERSION_2012, Statement
from bot.iam.resource_kinds import may_act_on_any


@dataclass(frozen=True)
class LintContext:
    catalogue: ActionCatalogue
    policy_type: PolicyType
    statements: tuple[Statement, ...]
    document: Mapping[str, Any] | None  # None when the text is not a JSON object
    resource_type: str | None = None  # e.g. AWS::S3::Bucket, for resource policies
    capabilities: bool = False  # also report what the policy lets its holder do (opt-in)
    text_length: int | None = None  # characters of the JSON as given, when given as text
    # (action, resource patterns) the user calls sensitive (Parliament's SENSITIVE_ACCESS)
    sensitive: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @cached_property
    def raw_statements(self) -> tuple[Any, ...]:
        raw = self.document.get("Statement") if self.document is not None else None
        if isinstance(raw, Mapping):
            return (raw,)
        return tuple(raw) if isinstance(raw, list) else ()

    def raw(self, statement: Statement) -> Mapping[str, Any]:
        """The JSON object a parsed statement came from ({} if it cannot be found).

        Statement rules' findings are cached by what they read (`linter._statement_key`): a
        statement rule reading something new here must add it to that key."""
        raws = self.raw_statements
        if 0 <= statement.index < len(raws) and isinstance(raws[statement.index], Mapping):
            return raws[statement.index]
        return {}

    @property
    def version(self) -> str:
        """The document's Version as written ("" when absent or not a string)."""
        version = self.document.get("Version", "") if self.document is not None else ""
        return version if isinstance(version, str) else ""

    @property
    def substitutes_variables(self) -> bool:
        return self.version == VERSION_2012

    @cached_property
    def allowed_actions(self) -> frozenset[str]:
        """Every action some Allow statement names (Action or NotAction), whatever its
        resources or conditions, less those a Deny on every resource without conditions takes
        back: what Parliament's capability checks look at."""
        # The expansions are the catalogue's cached sets (20,000 names for a NotAction): one
        # union at the end, and none at all for the usual single Allow, rather than a copy
        # per statement.
        allowed: list[frozenset[str]] = []
        denied: list[frozenset[str]] = []
        for statement in self.statements:
            if statement.effect == "Allow":
                allowed.append(self.expanded_actions(statement))
            elif (
                not statement.conditions
                and statement.resources is not None
                and "*" in statement.resources
            ):
                denied.append(self.expanded_actions(statement))
        if not allowed:
            return frozenset()
        found = allowed[0] if len(allowed) == 1 else frozenset().union(*allowed)
        if denied:
            found = found.difference(*denied)
        return frozenset(found)

    @cached_property
    def actions_on_their_resources(self) -> frozenset[str]:
        """:attr:`allowed_actions`, less those whose Allow names only resources of other kinds
        (`*` on an S3 bucket grants no IAM action: bot.iam.resource_kinds)."""
        allowed = self.allowed_actions
        if not allowed:
            return allowed
        fitting: set[str] = set()
        for statement in self.statements:
            if statement.effect != "Allow":
                continue
            resources = statement.resources
            expanded = self.expanded_actions(statement) & allowed
            if resources is None or "*" in resources:
                fitting |= expanded
            else:
                fitting.update(a for a in expanded if may_act_on_any(self.catalogue, a, resources))
        return frozenset(fitting)

    def expanded_actions(self, statement: Statement) -> frozenset[str]:
        """The actions a statement names (all but its NotAction list for NotAction); only the
        MCP services' when a condition requires one (bot.iam.mcp_actions)."""
        narrowed = mcp_only(statement)
        if narrowed is None:
            return frozenset()
        statement = narrowed
        if statement.actions is not None:
            return self.catalogue.expand_all(statement.actions)
        return self.catalogue.expand_not_action(statement.not_actions or ())
