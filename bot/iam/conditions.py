"""Condition operators: parsing their names and testing them against a request context.

The rules follow the AWS IAM condition-operator reference:
- several values for one key are ORed; several keys, and several operators, are ANDed;
- a key absent from the request makes a positive operator false and a negated one
  (StringNotEquals, NotIpAddress, ArnNotLike ...) true; ``...IfExists`` makes it true either way;
- ``ForAllValues:`` is true when the request has no values for the key (or only empty strings,
  the empty data set), ``ForAnyValue:`` false;
- ``Null`` counts a key as null when it is absent or has no values, and also when a multivalued
  key (or one under a set qualifier) holds only empty strings, the empty data set;
- a negated operator is the negation of its positive twin: over a multi-valued key without a set
  qualifier it is true only when no request value matches any policy value;
- key names are case-insensitive (callers pass lower-cased keys), values case-sensitive except
  for the IgnoreCase operators; Bool compares ``true``/``false`` case-insensitively.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Literal

from bot.iam.catalogue import default_catalogue
from bot.iam.matching import arn_matcher, string_matcher, unmark
from bot.iam.variables import Context, has_variables, parse_template

SetQualifier = Literal["", "ForAllValues", "ForAnyValue"]

# Negated operator -> the positive operator it negates.
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}
_POSITIVE = frozenset(
    {
        "StringEquals",
        "StringEqualsIgnoreCase",
        "StringLike",
        "NumericEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
        "DateEquals",
        "DateLessThan",
        "DateLessThanEquals",
        "DateGreaterThan",
        "DateGreaterThanEquals",
        "Bool",
        "BinaryEquals",
        "IpAddress",
        "ArnEquals",
        "ArnLike",
    }
)
BASE_OPERATORS = frozenset({*_POSITIVE, *_NEGATED, "Null"})
# Operators whose values are patterns, so substituted variable text must stay literal.
_PATTERN_OPERATORS = frozenset({"StringLike", "ArnEquals", "ArnLike"})
# Families whose values resolve policy variables: IAM User Guide, "Policy variables" (Condition
# element) and "Condition operators" name String and ARN operators only; elsewhere ``${...}`` is
# literal text. Bool: the operators page lists policy variables as supported for Bool while the
# variables page says Boolean operators do not resolve them; we keep substituting for Bool (as
# before) until AWS settles it. (bot.iam.lint_variables warns on every non-String/ARN family.)
_VARIABLE_FAMILIES = frozenset({"String", "Arn", "Bool"})


@dataclass(frozen=True, slots=True)
class OperatorSpec:
    """A condition operator name taken apart: ``ForAnyValue:StringNotLikeIfExists``."""

    name: str
    base: str  # StringNotLike
    positive: str  # StringLike (the comparison actually performed)
    negated: bool
    if_exists: bool
    qualifier: SetQualifier

    @property
    def family(self) -> str:
        """String / Numeric / Date / Bool / Binary / IpAddress / Arn / Null (for type checks)."""
        for family in ("String", "Numeric", "Date", "Bool", "Binary", "Arn", "Null"):
            if self.positive.startswith(family):
                return family
        return "IpAddress"


class UnknownOperatorError(ValueError):
    """A condition operator name AWS would reject."""


@lru_cache(maxsize=1024)
def parse_operator(name: str) -> OperatorSpec:
    """Split an operator name into qualifier, base operator and IfExists; reject unknown ones."""
    qualifier: SetQualifier = ""
    rest = name
    for prefix in ("ForAllValues", "ForAnyValue"):
        if name.startswith(prefix + ":"):
            qualifier = prefix  # type: ignore[assignment]
            rest = name[len(prefix) + 1 :]
            break
    if_exists = rest.endswith("IfExists")
    base = rest[: -len("IfExists")] if if_exists else rest
    if base not in BASE_OPERATORS:
        raise UnknownOperatorError(f"Invalid Condition type: {name}")
    if base == "Null" and if_exists:
        raise UnknownOperatorError(f"Invalid Condition type: {name}")
    # ForAllValues:Null / ForAnyValue:Null: IAM stores the policy (Access Analyzer only suggests
    # dropping the qualifier); with the key present it is the presence test, with it absent the
    # empty-set rule (CompiledCondition.holds); bot.iam.lint_conditions reports the qualifier.
    positive = _NEGATED.get(base, base)
    return OperatorSpec(
        name=name,
        base=base,
        positive=positive,
        negated=base in _NEGATED,
        if_exists=if_exists,
        qualifier=qualifier,
    )


# --- value parsing -------------------------------------------------------------------------


def parse_number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def parse_date(text: str) -> float | None:
    """Epoch seconds for an ISO-8601 date/time or an epoch-seconds value; ``None`` if neither."""
    stripped = text.strip()
    number = parse_number(stripped)
    if number is not None:
        return number
    if stripped.endswith(("Z", "z")):
        stripped = stripped[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(stripped)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _parse_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def _parse_binary(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return text.encode()


# --- "does this request value match any of the policy values" tests ---------------------------

ValueTest = Callable[[str], bool]


def _numeric_test(values: tuple[str, ...], compare: Callable[[float, float], bool]) -> ValueTest:
    numbers = [n for n in (parse_number(v) for v in values) if n is not None]

    def test(value: str) -> bool:
        number = parse_number(value)
        return number is not None and any(compare(number, n) for n in numbers)

    return test


def _date_test(values: tuple[str, ...], compare: Callable[[float, float], bool]) -> ValueTest:
    moments = [d for d in (parse_date(v) for v in values) if d is not None]

    def test(value: str) -> bool:
        moment = parse_date(value)
        return moment is not None and any(compare(moment, d) for d in moments)

    return test


def _ip_test(values: tuple[str, ...]) -> ValueTest:
    networks = [n for n in (_parse_network(v) for v in values) if n is not None]

    def test(value: str) -> bool:
        try:
            address = ipaddress.ip_address(value.strip())
        except ValueError:
            # A request may carry a CIDR (e.g. aws:VpcSourceIp never does, but be tolerant).
            network = _parse_network(value)
            return network is not None and any(
                network.version == n.version and network.subnet_of(n)  # type: ignore[arg-type]
                for n in networks
            )
        return any(address.version == n.version and address in n for n in networks)

    return test


_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "Equals": lambda a, b: a == b,
    "LessThan": lambda a, b: a < b,
    "LessThanEquals": lambda a, b: a <= b,
    "GreaterThan": lambda a, b: a > b,
    "GreaterThanEquals": lambda a, b: a >= b,
}


@lru_cache(maxsize=65536)
def value_test(positive: str, values: tuple[str, ...]) -> ValueTest:
    """A compiled test for one positive operator and its (already substituted) policy values."""
    if positive == "StringEquals":
        literal = frozenset(unmark(v) for v in values)
        return literal.__contains__
    if positive == "StringEqualsIgnoreCase":
        folded = frozenset(unmark(v).casefold() for v in values)
        return lambda value: value.casefold() in folded
    if positive == "StringLike":
        matchers = [string_matcher(v) for v in values]
        return lambda value: any(m(value) for m in matchers)
    if positive in ("ArnEquals", "ArnLike"):
        # The reference documents ArnEquals and ArnLike as the same wildcard-aware comparison.
        return arn_matcher(values)
    if positive == "Bool":
        wanted = frozenset(v.lower() for v in values if v.lower() in ("true", "false"))
        return lambda value: value.lower() in wanted
    if positive == "BinaryEquals":
        blobs = frozenset(_parse_binary(v) for v in values)
        return lambda value: _parse_binary(value) in blobs
    if positive == "IpAddress":
        return _ip_test(values)
    if positive.startswith("Numeric"):
        return _numeric_test(values, _COMPARISONS[positive[len("Numeric") :]])
    if positive.startswith("Date"):
        return _date_test(values, _COMPARISONS[positive[len("Date") :]])
    raise UnknownOperatorError(f"Invalid Condition type: {positive}")


# --- one compiled condition ------------------------------------------------------------------


@lru_cache(maxsize=4096)
def is_multivalued_key(key: str) -> bool:
    """Whether the catalogue types ``key`` ArrayOf... (aws:TagKeys, aws:CalledVia ...): AWS
    reads only such a key's empty strings as an empty data set; unknown keys count as
    single-valued, where "" stays a value (see CompiledCondition.holds)."""
    info = default_catalogue().find_condition_key(key)
    return info is not None and info.multivalued


class CompiledCondition:
    """One (operator, key, values) triple ready to test against many request contexts."""

    __slots__ = (
        "_empty_is_null",
        "_static",
        "_templates",
        "key",
        "key_as_written",
        "spec",
        "values",
    )

    def __init__(self, operator: str, key: str, values: tuple[str, ...], *, variables: bool):
        self.spec = parse_operator(operator)
        self.key = key.lower()
        self.key_as_written = key
        self.values = values
        pattern = self.spec.positive in _PATTERN_OPERATORS
        needs_substitution = (
            variables
            and self.spec.family in _VARIABLE_FAMILIES
            and any(has_variables(v) for v in values)
        )
        self._templates = (
            tuple(parse_template(v, pattern=pattern) for v in values)
            if needs_substitution
            else None
        )
        self._static = (
            None
            if needs_substitution or self.spec.base == "Null"
            else value_test(self.spec.positive, values)
        )
        # Null only: whether values that are all "" are the empty data set, hence null. Decided
        # here, once, so holds pays nothing for it.
        self._empty_is_null = self.spec.base == "Null" and (
            bool(self.spec.qualifier) or is_multivalued_key(self.key)
        )

    def _test_for(self, context: Context) -> ValueTest | None:
        if self._static is not None:
            return self._static
        assert self._templates is not None
        pattern = self.spec.positive in _PATTERN_OPERATORS
        rendered: list[str] = []
        for template in self._templates:
            text = template.render(context, pattern=pattern)
            if text is None:
                return None
            rendered.append(text)
        return value_test(self.spec.positive, tuple(rendered))

    def holds(self, context: Context) -> bool:
        """Whether the condition is true for a normalised context (lower-case keys, tuples)."""
        spec = self.spec
        request_values = context.get(self.key)
        if spec.base == "Null":
            # Null is "true (the key doesn't exist — it is null) or false (the key exists and
            # its value is not null)"; on a multivalued key Null false also keeps "context keys
            # with empty values" from matching (Multivalued context key examples), the empty
            # data set being e.g. "an empty string". AWS is silent on a single-valued key's "":
            # it stays a present value (why: test_aws_docs_condition_operators_more.py).
            # ``any`` is true once one string is non-empty, and allocates nothing.
            absent = not request_values or (self._empty_is_null and not any(request_values))
            if absent and spec.qualifier:
                # The set operators' empty-set rule comes first (IAM User Guide, multivalued
                # context keys; the policy simulator agrees, per PMapper's tests).
                return spec.qualifier == "ForAllValues"
            return any((v.lower() == "true") == absent for v in self.values)
        if not request_values or (spec.qualifier and all(v == "" for v in request_values)):
            # With a set qualifier, values that are all empty strings are the empty data set
            # (IAM User Guide, "Set operators for multivalued context keys": "for example, an
            # empty string"); a mix of "" and other values is not empty and is tested as is.
            if spec.if_exists or spec.qualifier == "ForAllValues":
                return True
            if spec.qualifier == "ForAnyValue":
                return False
            return spec.negated
        test = self._test_for(context)
        if test is None:
            # An unresolvable policy variable: AWS treats the statement as not matching.
            return False
        if spec.qualifier == "ForAllValues":
            if spec.negated:
                return not any(test(v) for v in request_values)
            return all(test(v) for v in request_values)
        if spec.qualifier == "ForAnyValue":
            if spec.negated:
                return not all(test(v) for v in request_values)
            return any(test(v) for v in request_values)
        matched = any(test(v) for v in request_values)
        return not matched if spec.negated else matched

    def __repr__(self) -> str:
        return f"CompiledCondition({self.spec.name!r}, {self.key!r}, {self.values!r})"


def normalise_context_value(value: object) -> tuple[str, ...]:
    """A request-context value as a tuple of strings, stringified the way AWS does."""
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(stringify(v) for v in value)
    return (stringify(value),)


def stringify(value: object) -> str:
    """JSON scalars as AWS sees them: ``true``/``false``, ``10``, ``1.5``, text as-is."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    raise TypeError(f"not a string, number or boolean: {value!r}")


def normalise_context(context: Mapping[str, object]) -> dict[str, tuple[str, ...]]:
    """Lower-case keys (condition keys are case-insensitive) and tuple-of-string values."""
    return {
        str(k).lower(): (v,) if type(v) is str else normalise_context_value(v)
        for k, v in context.items()
    }
