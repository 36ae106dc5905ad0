"""The privilege-escalation catalogue of privesc.md, loaded from data (one JSON line per method).

Ids are DataDog pathfinding.cloud's; `sources` names where else the path is documented (Rhino
Security Labs' list, BishopFox iam-vulnerable). sts-001 has no fixed action list: it is found by
following role trust chains (bot/iam/privesc.py), so its `actions` only name the call involved.
Adding a method is adding one line to data/privesc_methods.json.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources

from bot.errors import InputError

CATEGORIES: frozenset[str] = frozenset(
    {"self-escalation", "principal-access", "new-passrole", "existing-passrole"}
)

TRUST_CHAIN_METHOD = "sts-001"


@dataclass(frozen=True, slots=True)
class EscalationMethod:
    id: str
    category: str
    actions: tuple[str, ...]
    sources: str

    @property
    def needs_trust_chain(self) -> bool:
        return self.id == TRUST_CHAIN_METHOD


def parse_methods(rows: object) -> tuple[EscalationMethod, ...]:
    """Validate the catalogue rows; a broken catalogue must fail loudly, not shrink silently."""
    if not isinstance(rows, list) or not rows:
        raise InputError("privesc catalogue must be a non-empty JSON list")
    methods: list[EscalationMethod] = []
    seen: set[str] = set()
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise InputError(f"privesc catalogue row {index} is not an object")
        method_id = row.get("id")
        category = row.get("category")
        actions = row.get("actions")
        if not isinstance(method_id, str) or not method_id:
            raise InputError(f"privesc catalogue row {index} has no id")
        if method_id in seen:
            raise InputError(f"privesc catalogue lists {method_id} twice")
        if category not in CATEGORIES:
            raise InputError(f"privesc method {method_id}: unknown category {category!r}")
        if (
            not isinstance(actions, list)
            or not actions
            or not all(isinstance(a, str) and ":" in a for a in actions)
        ):
            raise InputError(f"privesc method {method_id}: actions must be 'service:Action' names")
        seen.add(method_id)
        methods.append(
            EscalationMethod(method_id, category, tuple(actions), str(row.get("sources", "")))
        )
    return tuple(methods)


@functools.lru_cache(maxsize=1)
def load_methods() -> tuple[EscalationMethod, ...]:
    """Every method of the shipped catalogue, in file order."""
    text = resources.files("bot.iam").joinpath("data/privesc_methods.json").read_text("utf-8")
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"privesc catalogue is not valid JSON: {exc}") from exc
    return parse_methods(rows)


@functools.lru_cache(maxsize=1)
def action_methods() -> tuple[EscalationMethod, ...]:
    """The methods decided by their action list alone (every method but the trust chain)."""
    return tuple(method for method in load_methods() if not method.needs_trust_chain)


@functools.lru_cache(maxsize=1)
def all_method_actions() -> frozenset[str]:
    """Every action any action-list method needs, as written in the catalogue."""
    return frozenset(action for method in action_methods() for action in method.actions)
