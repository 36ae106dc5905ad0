"""The privilege-escalation catalogue, loaded from data (one JSON line per method).

The catalogue is the union of the public ones: DataDog pathfinding.cloud, Rhino Security Labs'
list, BishopFox iam-vulnerable, Cloudsplaining, PMapper and Prowler's privilege-escalation
combinations (plus a few HackTricks paths they build on). Ids are pathfinding.cloud's where the
path is theirs (our design table fixed the first 69; later pathfinding renumberings are named in
`sources`, e.g. ``pathfinding.cloud:ec2-004`` on our ec2-003). Each row holds:

- ``actions``: every action the method needs (the holder must be allowed all of them);
- ``pass_to``: for methods with iam:PassRole, the service principals the passed role must trust;
- ``runs_as``: for methods that run code as an existing resource's role, the service principals
  that role must trust (an SSM session runs as an instance profile, so some more privileged role
  of the account must trust ec2.amazonaws.com for the method to gain anything);
- ``requires``: what must already exist for it to work (shown as an assumption in findings);
- ``benefits``: the principal kinds that gain directly (a user from a policy on its own user...);
- ``enables`` / ``enables_other``: what it lets the holder do, and (when the holder is not a kind
  it benefits, e.g. a role holding iam:PutUserPolicy) what it enables instead;
- ``sources``: ``Source:detail`` strings naming each catalogue that lists it.

sts-001 has no fixed action list: it is found by following role trust chains
(bot/iam/privesc/chains.py), so its ``actions`` only name the call involved. Adding a method is
adding one line to data/privesc_methods.json. bot.iam.linter uses :func:`methods_granted` to
report a policy that grants a whole method.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

from bot.model.errors import InputError

CATEGORIES: frozenset[str] = frozenset(
    {"self-escalation", "principal-access", "new-passrole", "existing-passrole"}
)
PRINCIPAL_KINDS: tuple[str, ...] = ("user", "role")
TRUST_CHAIN_METHOD = "sts-001"
PASS_ROLE = "iam:PassRole"
# The catalogues the union is built from, as named in `sources` (before the colon).
SOURCE_NAMES: tuple[str, ...] = (
    "pathfinding.cloud",
    "Rhino",
    "iam-vulnerable",
    "Cloudsplaining",
    "PMapper",
    "Prowler",
    "HackTricks",
)
_FIELDS = frozenset(
    {
        "id",
        "category",
        "actions",
        "pass_to",
        "runs_as",
        "request",
        "resources",
        "requires",
        "benefits",
        "enables",
        "enables_other",
        "sources",
        "retired",
    }
)


@dataclass(frozen=True, slots=True)
class EscalationMethod:
    id: str
    category: str
    actions: tuple[str, ...]
    sources: str = ""  # the source ids joined with ", " (kept a string for existing readers)
    pass_to: tuple[str, ...] = ()
    runs_as: tuple[str, ...] = ()
    requires: str = ""
    benefits: tuple[str, ...] = PRINCIPAL_KINDS
    enables: str = ""
    enables_other: str = ""
    source_ids: tuple[str, ...] = ()
    # Why no account can use the method any more (the service stopped the call): kept in the
    # catalogue for its sources, never held.
    retired: str = ""
    # What the method's request of an action carries, when a policy may condition on it:
    # (action, condition key, the values one of which the request has). ec2-002 rewrites user
    # data, so its ec2:ModifyInstanceAttribute names that attribute, and an Allow kept to
    # InstanceType (resizing) does not give the method.
    request: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    # The resources an action must be allowed on for the method to work, when it is authorized
    # against several at once: (action, groups of ARN templates), one resource of every group.
    # ssm-002's SendCommand needs an instance and a document that runs any command (a Backup
    # operator may send only AWSEC2-CreateVssSnapshot, which runs no code of the caller's).
    resources: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = ()

    def resource_groups(self, action: str) -> tuple[tuple[str, ...], ...]:
        """The groups of ARN templates ``action`` must be allowed on (one of each), or ()."""
        lowered = action.lower()
        return next((groups for name, groups in self.resources if name == lowered), ())

    def request_values(self, action: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(condition key, its possible values) the method's request of ``action`` carries."""
        lowered = action.lower()
        return tuple((key, values) for name, key, values in self.request if name == lowered)

    @property
    def needs_trust_chain(self) -> bool:
        return self.id == TRUST_CHAIN_METHOD

    @property
    def passes_role(self) -> bool:
        return any(a.lower() == "iam:passrole" for a in self.actions)

    def benefits_kind(self, kind: str) -> bool:
        """Whether a principal of this kind ("user" / "role") gains from it directly."""
        return kind in self.benefits

    def what_it_enables(self, kind: str) -> str:
        """What holding the method lets a principal of this kind do, in one sentence."""
        if not self.benefits_kind(kind) and self.enables_other:
            return self.enables_other
        return self.enables or _DEFAULT_ENABLES[self.category]

    def source_catalogues(self) -> tuple[str, ...]:
        """The catalogues listing it (the part of each source before the colon)."""
        return tuple(dict.fromkeys(s.split(":", 1)[0] for s in self.source_ids))


_DEFAULT_ENABLES = {
    "self-escalation": "changes its own permissions",
    "principal-access": "gains access to a more privileged principal",
    "new-passrole": "passes a more privileged role to a service it controls",
    "existing-passrole": "runs code as the role of an existing resource",
}


def _strings(value: object, what: str, method_id: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InputError(f"privesc method {method_id}: {what} must be a list of strings")
    return tuple(value)


def _text(value: object, what: str, method_id: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(f"privesc method {method_id}: {what} must be a string")
    return value


def _parse_row(index: int, row: object, seen: set[str]) -> EscalationMethod:
    if not isinstance(row, dict):
        raise InputError(f"privesc catalogue row {index} is not an object")
    method_id = row.get("id")
    category = row.get("category")
    actions = row.get("actions")
    if not isinstance(method_id, str) or not method_id:
        raise InputError(f"privesc catalogue row {index} has no id")
    if method_id in seen:
        raise InputError(f"privesc catalogue lists {method_id} twice")
    unknown = sorted(set(row) - _FIELDS)
    if unknown:
        raise InputError(f"privesc method {method_id}: unknown field(s) {', '.join(unknown)}")
    if category not in CATEGORIES:
        raise InputError(f"privesc method {method_id}: unknown category {category!r}")
    if (
        not isinstance(actions, list)
        or not actions
        or not all(isinstance(a, str) and ":" in a for a in actions)
    ):
        raise InputError(f"privesc method {method_id}: actions must be 'service:Action' names")
    pass_to = _strings(row.get("pass_to"), "pass_to", method_id)
    if pass_to and PASS_ROLE not in actions:
        raise InputError(f"privesc method {method_id}: pass_to without {PASS_ROLE}")
    runs_as = _strings(row.get("runs_as"), "runs_as", method_id)
    if runs_as and category != "existing-passrole":
        raise InputError(f"privesc method {method_id}: runs_as is for existing-passrole methods")
    benefits = _strings(row.get("benefits", list(PRINCIPAL_KINDS)), "benefits", method_id)
    if row.get("benefits") == []:
        benefits = ()
    if not set(benefits) <= set(PRINCIPAL_KINDS):
        raise InputError(f"privesc method {method_id}: benefits must name 'user' or 'role'")
    source_ids = _strings(row.get("sources"), "sources", method_id)
    request = _request(row.get("request"), actions, method_id)
    resources = _resources(row.get("resources"), actions, method_id)
    return EscalationMethod(
        id=method_id,
        category=category,
        actions=tuple(actions),
        sources=", ".join(source_ids),
        pass_to=pass_to,
        runs_as=runs_as,
        requires=_text(row.get("requires"), "requires", method_id),
        benefits=benefits,
        enables=_text(row.get("enables"), "enables", method_id),
        enables_other=_text(row.get("enables_other"), "enables_other", method_id),
        source_ids=source_ids,
        retired=_text(row.get("retired"), "retired", method_id),
        request=request,
        resources=resources,
    )


def _per_action(
    value: object, field: str, actions: list[str], method_id: str
) -> list[tuple[str, object]]:
    """A field mapping some of the method's actions to what it says of each, as (action,
    entry) pairs; absent is none, anything else than such an object fails loudly."""
    if value is None:
        return []
    if not isinstance(value, dict):
        raise InputError(f"privesc method {method_id}: {field} must be an object")
    named = {a.lower() for a in actions}
    for action in value:
        if not isinstance(action, str) or action.lower() not in named:
            raise InputError(
                f"privesc method {method_id}: {field} names {action!r}, not one of its actions"
            )
    return list(value.items())


def _resources(
    value: object, actions: list[str], method_id: str
) -> tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]:
    """``{"service:Action": [["arn:...", ...], ...]}`` as (action, groups), the action lower
    case; each action must be one of the method's, each template an ARN."""
    found: list[tuple[str, tuple[tuple[str, ...], ...]]] = []
    for action, groups in _per_action(value, "resources", actions, method_id):
        if not isinstance(groups, list) or not groups:
            raise InputError(
                f"privesc method {method_id}: resources of {action} must be lists of ARNs"
            )
        parsed = tuple(_strings(group, f"resources of {action}", method_id) for group in groups)
        if not all(parsed) or not all(t.startswith("arn:") for g in parsed for t in g):
            raise InputError(
                f"privesc method {method_id}: resources of {action} must be lists of ARNs"
            )
        found.append((action.lower(), parsed))
    return tuple(found)


def _request(
    value: object, actions: list[str], method_id: str
) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """``{"service:Action": {"service:Key": ["value", ...]}}`` as (action, key, values), lower
    case but the values; each action must be one of the method's."""
    found: list[tuple[str, str, tuple[str, ...]]] = []
    for action, keys in _per_action(value, "request", actions, method_id):
        if not isinstance(keys, dict) or not keys:
            raise InputError(
                f"privesc method {method_id}: request of {action} must map keys to values"
            )
        for key, values in keys.items():
            if not isinstance(key, str) or ":" not in key:
                raise InputError(
                    f"privesc method {method_id}: request key {key!r} is not 'service:Key'"
                )
            found.append(
                (action.lower(), key.lower(), _strings(values, f"request {key}", method_id))
            )
    return tuple(found)


def parse_methods(rows: object) -> tuple[EscalationMethod, ...]:
    """Validate the catalogue rows; a broken catalogue must fail loudly, not shrink silently."""
    if not isinstance(rows, list) or not rows:
        raise InputError("privesc catalogue must be a non-empty JSON list")
    methods: list[EscalationMethod] = []
    seen: set[str] = set()
    for index, row in enumerate(rows):
        method = _parse_row(index, row, seen)
        seen.add(method.id)
        methods.append(method)
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
def methods_by_id() -> dict[str, EscalationMethod]:
    return {m.id: m for m in load_methods()}


@functools.lru_cache(maxsize=1)
def action_methods() -> tuple[EscalationMethod, ...]:
    """The methods decided by their action list alone (every method but the trust chain and
    the retired ones)."""
    return tuple(
        method for method in load_methods() if not method.needs_trust_chain and not method.retired
    )


@functools.lru_cache(maxsize=1)
def all_method_actions() -> frozenset[str]:
    """Every action any action-list method needs, as written in the catalogue."""
    return frozenset(action for method in action_methods() for action in method.actions)


def methods_granted(actions: Iterable[str]) -> tuple[EscalationMethod, ...]:
    """The action-list methods whose every action is among ``actions`` (any case): what a
    policy allowing exactly these actions grants, before resources and conditions are judged."""
    allowed = {a.lower() for a in actions}
    return tuple(m for m in action_methods() if all(a.lower() in allowed for a in m.actions))


def coverage_by_source() -> dict[str, int]:
    """How many methods each source catalogue lists (a method counts once per catalogue)."""
    counts = dict.fromkeys(SOURCE_NAMES, 0)
    for method in load_methods():
        for name in method.source_catalogues():
            counts[name] = counts.get(name, 0) + 1
    return counts
