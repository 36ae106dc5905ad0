"""Can any request satisfy a statement's conditions? (pure; no AWS, no evaluator state)

The effective-permission index fixes what the snapshot knows (the audit time, the caller's ARN and
tags) and assumes every other condition can be met by the caller. Two kinds of condition cannot be
met by anyone, and a statement guarded by one grants (or denies) nothing:

- a time window that no request can fall in: ``aws:CurrentTime`` / ``aws:EpochTime`` are the
  request time, and ``aws:TokenIssueTime`` is the issue time of temporary credentials still valid
  at the request, so at most 36 hours before it (GetSessionToken's longest session; role sessions
  last at most 12 hours). A DateLessThan 2020 on aws:TokenIssueTime, judged in 2026, never holds;
- entries of one statement that contradict each other on a single-valued key: two StringEquals
  with no value in common, a Bool both "true" and "false", numeric or date ranges that do not
  overlap, a Null "true" next to an operator that needs the key present, IP ranges that never
  meet, a value listed and then excluded.

Anything this module cannot decide (set operators on multivalued keys, patterns against patterns,
values it cannot parse, service-specific keys whose cardinality it does not know) is left
satisfiable: the caller keeps calling it "assumed satisfiable". See the AWS pages "IAM JSON policy
elements: Condition operators" and "AWS global condition context keys".
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any

from bot.iam.catalogue import MULTIVALUED_GLOBAL_KEYS
from bot.iam.policy import Condition, Policy, PolicyParseError, parse_policy

# GetSessionToken issues the longest-lived temporary credentials: up to 36 hours.
MAX_TOKEN_AGE = timedelta(hours=36)
_DATE_OPS = {
    "dateequals": "eq",
    "datenotequals": "ne",
    "datelessthan": "lt",
    "datelessthanequals": "le",
    "dategreaterthan": "gt",
    "dategreaterthanequals": "ge",
}
_NUMERIC_OPS = {
    "numericequals": "eq",
    "numericnotequals": "ne",
    "numericlessthan": "lt",
    "numericlessthanequals": "le",
    "numericgreaterthan": "gt",
    "numericgreaterthanequals": "ge",
}
_STRING_OPS = {
    "stringequals": ("eq", False),
    "stringnotequals": ("ne", False),
    "stringequalsignorecase": ("eq", True),
    "stringnotequalsignorecase": ("ne", True),
    "stringlike": ("like", False),
    "stringnotlike": ("notlike", False),
    "arnequals": ("like", False),
    "arnlike": ("like", False),
    "arnnotequals": ("notlike", False),
    "arnnotlike": ("notlike", False),
}


@dataclass(frozen=True, slots=True)
class _Range:
    """An interval of numbers (dates as epoch seconds); None is unbounded."""

    lo: float | None = None
    lo_open: bool = False
    hi: float | None = None
    hi_open: bool = False

    def meet(self, other: _Range) -> _Range:
        lo, lo_open = self.lo, self.lo_open
        if other.lo is not None and (
            lo is None or other.lo > lo or (other.lo == lo and other.lo_open)
        ):
            lo, lo_open = other.lo, other.lo_open
        hi, hi_open = self.hi, self.hi_open
        if other.hi is not None and (
            hi is None or other.hi < hi or (other.hi == hi and other.hi_open)
        ):
            hi, hi_open = other.hi, other.hi_open
        return _Range(lo, lo_open, hi, hi_open)

    @property
    def empty(self) -> bool:
        if self.lo is None or self.hi is None:
            return False
        return self.lo > self.hi or (self.lo == self.hi and (self.lo_open or self.hi_open))

    def point(self) -> float | None:
        return self.lo if self.lo is not None and self.lo == self.hi else None


def _bound(op: str, value: float) -> _Range:
    return {
        "eq": _Range(value, False, value, False),
        "lt": _Range(hi=value, hi_open=True),
        "le": _Range(hi=value),
        "gt": _Range(lo=value, lo_open=True),
        "ge": _Range(lo=value),
    }[op]


def parse_date(text: str) -> float | None:
    """Seconds since the epoch for the forms AWS accepts (ISO 8601 or epoch seconds)."""
    text = text.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return float(text)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _key_domain(key: str, now: datetime) -> _Range:
    """The values a request can carry for a date key (unbounded for other keys)."""
    stamp = now.timestamp()
    if key in ("aws:currenttime", "aws:epochtime"):
        return _Range(stamp, False, stamp, False)
    if key == "aws:tokenissuetime":
        return _Range(stamp - MAX_TOKEN_AGE.total_seconds(), False, stamp, False)
    if key == "aws:multifactorauthage":
        return _Range(lo=0.0)
    return _Range()


class _KeyConstraints:
    """Everything one statement asks of one condition key."""

    def __init__(self, key: str, now: datetime, label: str) -> None:
        self.key = key
        self.label = label  # the key as the policy writes it
        self.now = now
        self.required = False  # some entry needs the key present
        self.must_be_absent = False  # Null "true"
        self.reasons: list[str] = []
        self.range = _key_domain(key, now)
        self.range_set = False
        self.excluded_numbers: set[float] = set()
        self.bools: set[str] = {"true", "false"}
        self.equals: set[str] | None = None  # case-folded when any entry ignores case
        self.fold = False
        self.not_equals: set[str] = set()
        self.not_like: list[str] = []
        self.like_sets: list[tuple[str, ...]] = []
        self.networks: list[list[Any]] = []
        self.strings: list[tuple[str, tuple[str, ...]]] = []
        self.not_networks: list[Any] = []

    def add(self, condition: Condition) -> None:
        operator = condition.operator
        lowered = operator.lower()
        if lowered.startswith(("forallvalues:", "foranyvalue:")):
            return  # set operators: not decided here
        if_exists = lowered.endswith("ifexists")
        base = lowered[: -len("ifexists")] if if_exists else lowered
        if base == "null":
            flags = {v.strip().lower() for v in condition.values}
            if flags == {"true"}:
                self.must_be_absent = True
            elif flags == {"false"}:
                self.required = True
            return
        if not if_exists:
            self.required = True
        shown = f"{condition.operator} {condition.key} {', '.join(condition.values)}"
        if base in _DATE_OPS or base in _NUMERIC_OPS:
            self._add_range(base, condition.values, shown)
        elif base == "bool":
            values = {v.strip().lower() for v in condition.values}
            self.bools &= values
            self.reasons.append(shown)
        elif base in _STRING_OPS:
            self._add_string(base, condition.values)
            self.reasons.append(shown)
        elif base in ("ipaddress", "notipaddress"):
            self._add_ip(base, condition.values)
            self.reasons.append(shown)

    def _add_range(self, base: str, values: tuple[str, ...], shown: str) -> None:
        is_date = base in _DATE_OPS
        op = (_DATE_OPS if is_date else _NUMERIC_OPS)[base]
        numbers: list[float] = []
        for value in values:
            number = parse_date(value) if is_date else _number(value)
            if number is None:
                return  # cannot read it: leave the entry undecided
            numbers.append(number)
        if op == "ne":
            self.excluded_numbers.update(numbers)
            self.reasons.append(shown)
            return
        # Several values are alternatives: the widest bound is the one that matters.
        best = _bound(op, numbers[0])
        for number in numbers[1:]:
            best = _union_hull(best, _bound(op, number))
        self.range = self.range.meet(best)
        self.range_set = True
        self.reasons.append(shown)

    def _add_string(self, base: str, values: tuple[str, ...]) -> None:
        # Kept raw: one entry alone never contradicts itself, so most keys are never worked out.
        self.strings.append((base, values))

    def _string_sets(self) -> None:
        for base, values in self.strings:
            kind, fold = _STRING_OPS[base]
            if fold:
                self._fold()
            cooked = tuple(v.lower() if self.fold else v for v in values)
            if kind == "eq":
                found = set(cooked)
                self.equals = found if self.equals is None else self.equals & found
            elif kind == "ne":
                self.not_equals.update(cooked)
            elif kind == "like":
                self.like_sets.append(cooked)
            else:
                self.not_like.extend(cooked)

    def _fold(self) -> None:
        if self.fold:
            return
        self.fold = True
        if self.equals is not None:
            self.equals = {v.lower() for v in self.equals}
        self.not_equals = {v.lower() for v in self.not_equals}

    def _add_ip(self, base: str, values: tuple[str, ...]) -> None:
        try:
            networks = [ipaddress.ip_network(v.strip(), strict=False) for v in values]
        except ValueError:
            return
        if base == "ipaddress":
            self.networks.append(networks)
        else:
            self.not_networks.extend(networks)

    # ---- verdict ----
    def never(self) -> str | None:
        """Why no request can satisfy these entries, or None."""
        label = self.label
        if self.must_be_absent and self.required:
            return f"{label} must be both absent (Null) and present"
        if self.must_be_absent:
            return None
        if not self.required:
            return None  # every entry is ...IfExists (or Null false): an absent key satisfies
        reason = (
            self._range_reason()
            or self._bool_reason()
            or self._string_reason()
            or self._ip_reason()
        )
        if reason is None:
            return None
        return f"{reason} ({'; '.join(self.reasons)})"

    def _range_reason(self) -> str | None:
        if not self.range_set and not self.excluded_numbers:
            return None
        if self.range.empty:
            domain = _key_domain(self.key, self.now)
            if self.key in ("aws:tokenissuetime", "aws:currenttime", "aws:epochtime"):
                when = "future" if self._starts_after(domain) else "past"
                return f"the {self.label} window lies entirely in the {when} of {_iso(self.now)}"
            return f"the ranges asked of {self.label} do not overlap"
        point = self.range.point()
        if point is not None and point in self.excluded_numbers:
            return f"the only value {self.label} may take is excluded"
        return None

    def _starts_after(self, domain: _Range) -> bool:
        """Whether the asked range begins after the key's possible values end."""
        lo = self.range.lo
        if lo is None or domain.hi is None:
            return False
        return lo > domain.hi or (lo == domain.hi and self.range.lo_open)

    def _bool_reason(self) -> str | None:
        if not self.bools:
            return f"{self.label} is asked to be both true and false"
        return None

    def _string_reason(self) -> str | None:
        if len(self.strings) < 2:
            return None
        self._string_sets()
        if self.equals is None:
            return None
        remaining = {v for v in self.equals if v not in self.not_equals}
        remaining = {
            v
            for v in remaining
            if not any(fnmatchcase(v, pattern) for pattern in self.not_like)
            and all(any(fnmatchcase(v, p) for p in patterns) for patterns in self.like_sets)
        }
        if not remaining:
            return f"no value of {self.label} meets every entry"
        return None

    def _ip_reason(self) -> str | None:
        for first, second in zip(self.networks, self.networks[1:], strict=False):
            if not any(_overlap(a, b) for a in first for b in second):
                return f"the address ranges asked of {self.label} never meet"
        if self.networks and self.not_networks:
            allowed = self.networks[0]
            if all(any(_within(a, b) for b in self.not_networks) for a in allowed):
                return f"every address allowed for {self.label} is excluded"
        return None


def _union_hull(a: _Range, b: _Range) -> _Range:
    """The smallest range covering both (alternative values of one entry)."""
    lo = None if a.lo is None or b.lo is None else min(a.lo, b.lo)
    hi = None if a.hi is None or b.hi is None else max(a.hi, b.hi)
    lo_open = (
        lo is not None
        and (a.lo_open if a.lo == lo else True)
        and (b.lo_open if b.lo == lo else True)
    )
    hi_open = (
        hi is not None
        and (a.hi_open if a.hi == hi else True)
        and (b.hi_open if b.hi == hi else True)
    )
    return _Range(lo, lo_open, hi, hi_open)


def _number(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _overlap(a: Any, b: Any) -> bool:
    return a.version == b.version and a.overlaps(b)


def _within(a: Any, b: Any) -> bool:
    return a.version == b.version and a.subnet_of(b)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _decidable(key: str) -> bool:
    """Keys known to carry one value per request: global aws: keys (but the multivalued ones,
    the catalogue's ArrayOf types: a set of values is not a contradiction test) and
    iam:PassedToService."""
    return (
        key.startswith("aws:") and key not in MULTIVALUED_GLOBAL_KEYS
    ) or key == "iam:passedtoservice"


def never_holds(conditions: Iterable[Condition], now: datetime) -> str | None:
    """Why the conditions of one statement can never all hold at ``now``, or None."""
    by_key: dict[str, _KeyConstraints] = {}
    for condition in conditions:
        key = condition.key.lower()
        if not _decidable(key):
            continue
        constraints = by_key.get(key)
        if constraints is None:
            constraints = by_key[key] = _KeyConstraints(key, now, condition.key)
        constraints.add(condition)
    for constraints in by_key.values():
        reason = constraints.never()
        if reason is not None:
            return reason
    return None


@dataclass(frozen=True, slots=True)
class Pruned:
    """A policy document without the statements whose conditions never hold."""

    document: Mapping[str, Any] | None  # None when no statement is left
    dropped: tuple[tuple[int | str, str], ...]  # (statement label, why it never holds)


def prune_document(
    document: Mapping[str, Any], now: datetime, parsed: Policy | None = None
) -> Pruned | None:
    """The document without its never-holding statements; None when every statement can hold
    (or the document cannot be read: the index reports unreadable policies itself).
    ``parsed``: the document already parsed (the audit parses each document once)."""
    if parsed is not None:
        policy = parsed
    else:
        try:
            policy = parse_policy(document)
        except PolicyParseError:
            return None
    dropped: list[tuple[int | str, str]] = []
    drop_index: set[int] = set()
    for statement in policy.statements:
        if not statement.conditions:
            continue
        reason = never_holds(statement.conditions, now)
        if reason is not None:
            dropped.append((statement.label, reason))
            drop_index.add(statement.index)
    if not dropped:
        return None
    raw = document.get("Statement")
    raw_list = list(raw) if isinstance(raw, list) else [raw]
    kept = [s for i, s in enumerate(raw_list) if i not in drop_index]
    if not kept:
        return Pruned(None, tuple(dropped))
    return Pruned({**document, "Statement": kept}, tuple(dropped))
