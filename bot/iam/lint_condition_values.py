"""Condition blocks whose shape or values cannot do what they seem to.

Shape: keys repeated in different case, Bool with both values, empty blocks and empty value lists
(with ForAllValues / IfExists they match only when the key is absent, with ForAnyValue never),
value lists mixing JSON types (read from the raw JSON: parsing makes every value a string).
Values: wildcards under an Equals operator, private ranges in aws:SourceIp, host bits after the
mask, epoch dates, malformed region / VPC / VPC endpoint IDs and KMS key ARNs, numeric bounds that
repeat, and keys that are safe only with their pair (Access Analyzer's "Missing paired condition
keys").
"""

from __future__ import annotations

import ipaddress
import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from bot.iam.conditions import parse_operator
from bot.iam.lint_arns import region_severity, whitespace_problem
from bot.iam.lint_context import LintContext
from bot.iam.lint_model import (
    CONDITION_KEY_CASE,
    CONDITION_MULTIPLE_BOOLEAN,
    CONDITION_TYPE_MISMATCH,
    CONDITION_VALUE,
    EMPTY_ELEMENT,
    INVALID_ARN,
    MISSING_PAIRED_KEY,
    PRIVATE_SOURCE_IP,
    REDUNDANT_CONDITION_VALUE,
    WILDCARD_WITHOUT_LIKE,
    LintFinding,
    finding,
)
from bot.iam.policy import Condition, Statement
from bot.model.severity import Severity

# Addresses that never reach AWS's public endpoints as a request's source (RFC 1918, shared
# address space, loopback, link-local; IPv6 unique-local, link-local, loopback). The
# documentation ranges (203.0.113.0/24, 2001:db8::/32) are public for this purpose: AWS's own
# examples use them.
_PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "fc00::/7",
        "fe80::/10",
        "::1/128",
    )
)
_EPOCH = re.compile(r"^\d+$")
_VPC = re.compile(r"^vpc-[0-9a-f]{8}(?:[0-9a-f]{9})?$")
_VPCE = re.compile(r"^vpce-[0-9a-f]{8}(?:[0-9a-f]{9})?$")
# Service principals as condition values (AA "Invalid service principal format"): most keys
# take service.amazonaws.com (a few services, Alexa's, are service.amazon.com: the principal
# `aws lambda add-permission --principal alexa-appkit.amazon.com` writes); kms:ViaService takes
# service.REGION.amazonaws.com.
_SERVICE_PRINCIPAL = re.compile(r"^[a-z0-9][a-z0-9.-]*\.(?:amazonaws\.com(?:\.cn)?|amazon\.com)$")
_SERVICE_PRINCIPAL_CHECK = (
    "service_principal",
    _SERVICE_PRINCIPAL.match,
    "a service principal (service.amazonaws.com)",
)
_VIA_SERVICE = re.compile(r"^[a-z0-9-]+\.[a-z]{2}(?:-[a-z]+)+-\d+\.amazonaws\.com(?:\.cn)?$")
# A KMS key ARN (AWS KMS Developer Guide, "Key identifiers": arn:aws:kms:REGION:ACCOUNT:key/ID).
# Keys typed ARN that name a KMS key (s3:x-amz-server-side-encryption-aws-kms-key-id,
# secretsmanager:KmsKeyArn ...) hold the key's ARN, never a key ID or an alias: AA's "Invalid kms
# key value" (an ERROR); S3's SSEKMSEncryption: "The KMS key ID and KMS key alias aren't
# supported". String-typed ones (ec2:KmsKeyId) take key IDs and are left alone.
_KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[^/\s]+$")
_KMS_KEY_NAME = re.compile(r"kms-?key")
_PAIRS: dict[str, tuple[str, ...]] = {
    # Access Analyzer: aws:VpcSourceIp is checked with the VPC or endpoint it came through.
    "aws:vpcsourceip": ("aws:SourceVpc", "aws:SourceVpce"),
    "aws:ec2instancesourceprivateipv4": ("aws:Ec2InstanceSourceVpc",),
}
_BOUND_OPERATORS = {
    "NumericLessThan": "greatest",
    "NumericLessThanEquals": "greatest",
    "NumericGreaterThan": "least",
    "NumericGreaterThanEquals": "least",
}


def _json_type(value: object) -> str:
    if isinstance(value, bool):  # before int: a bool is an int to Python
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string" if isinstance(value, str) else type(value).__name__


def condition_value_types(raw_condition: Any) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(operator, key, the JSON type of each value) for every entry of a raw Condition whose
    values are not all strings; () for the usual all-string Condition.

    Parsing keeps condition values as the strings AWS compares (1 and "1" are one value), so
    the JSON types are only in the raw document: `_mixed_types` reads them, and the linter's
    statement cache keys on them (["jane", 1] and ["jane", "1"] parse alike)."""
    if not isinstance(raw_condition, Mapping):
        return ()
    found: list[tuple[str, str, tuple[str, ...]]] = []
    for operator, block in raw_condition.items():
        if not isinstance(block, Mapping):
            continue
        for key, values in block.items():
            items = values if isinstance(values, list) else [values]
            types = tuple(_json_type(v) for v in items)
            if any(t != "string" for t in types):
                found.append((str(operator), str(key), types))
    return tuple(found)


def _mixed_types(statement: Statement, raw_condition: Any) -> list[LintFinding]:
    """Access Analyzer's "Invalid condition data type" (an error): "The condition value data
    types do not match. Use condition values of the same JSON data type." One value of another
    type is fine (1 or "1" for a Numeric key, true or "true" for Bool: AWS's own managed
    policies write both); only a list that mixes them is reported."""
    findings: list[LintFinding] = []
    for operator, key, types in condition_value_types(raw_condition):
        kinds = sorted(set(types))
        if len(kinds) < 2:
            continue
        findings.append(
            finding(
                CONDITION_TYPE_MISMATCH,
                statement.index,
                f"{operator} {key} mixes {' and '.join(kinds)} values: the values of one key"
                ' must share one JSON type; write them all as strings ("1", "true")',
                {"operator": operator, "key": key, "kind": "mixed_json_types", "types": kinds},
            )
        )
    return findings


def lint_condition_shape(statement: Statement, ctx: LintContext) -> list[LintFinding]:
    findings: list[LintFinding] = []
    raw = ctx.raw(statement).get("Condition")
    if isinstance(raw, Mapping) and not raw:
        findings.append(
            finding(
                EMPTY_ELEMENT,
                statement.index,
                "Condition is an empty object: it adds nothing; remove it or add conditions",
                {"element": "Condition"},
            )
        )
    if not statement.conditions:
        return findings  # the usual statement: nothing below to look at
    findings.extend(_mixed_types(statement, raw))
    by_operator: dict[str, list[Condition]] = defaultdict(list)
    for condition in statement.conditions:
        by_operator[condition.operator].append(condition)
    for operator, conditions in by_operator.items():
        spellings: dict[str, set[str]] = defaultdict(set)
        for condition in conditions:
            spellings[condition.key.lower()].add(condition.key)
        for keys in spellings.values():
            if len(keys) > 1:
                findings.append(
                    finding(
                        CONDITION_KEY_CASE,
                        statement.index,
                        f"{operator} names {', '.join(sorted(keys))}: condition keys are"
                        " case-insensitive, so this is one key twice; keep one spelling",
                        {"operator": operator, "keys": sorted(keys)},
                    )
                )
    for condition in statement.conditions:
        findings.extend(_empty_values(statement, condition))
        spec = parse_operator(condition.operator)
        if spec.base == "Bool" and {v.lower() for v in condition.values} >= {"true", "false"}:
            findings.append(
                finding(
                    CONDITION_MULTIPLE_BOOLEAN,
                    statement.index,
                    f"{condition.operator} {condition.key} lists both true and false: it matches"
                    " whenever the key is present; use one value",
                    {"operator": condition.operator, "key": condition.key},
                )
            )
    return findings


def _empty_values(statement: Statement, condition: Condition) -> list[LintFinding]:
    if condition.values:
        return []
    spec = parse_operator(condition.operator)
    if spec.qualifier == "ForAllValues" or spec.if_exists:
        what = (
            "matches only when the key is absent from the request; to test that, use"
            ' Null with "true"'
        )
    elif spec.qualifier == "ForAnyValue":
        what = "never matches, so the statement never applies"
    else:
        what = "has no value to compare, so it never matches"
    return [
        finding(
            EMPTY_ELEMENT,
            statement.index,
            f"{condition.operator} {condition.key} has an empty value list: it {what}",
            {"element": "Condition", "operator": condition.operator, "key": condition.key},
        )
    ]


def lint_condition_values(statement: Statement, ctx: LintContext) -> list[LintFinding]:
    findings: list[LintFinding] = []
    if not statement.conditions:
        return findings
    keys = {c.key.lower() for c in statement.conditions}
    for condition in statement.conditions:
        spec = parse_operator(condition.operator)
        key = condition.key.lower()
        findings.extend(_wildcards(statement, condition, spec.family, spec.positive))
        findings.extend(_spaced_arns(statement, condition, spec.family))
        if spec.family == "IpAddress":
            findings.extend(_ip_values(statement, condition, key, spec.negated))
        if spec.family == "Date":
            epochs = [v for v in condition.values if _EPOCH.match(v)]
            if epochs and key != "aws:epochtime":
                findings.append(
                    _value(
                        statement,
                        condition,
                        "epoch_date",
                        f"{condition.operator} {condition.key}: {', '.join(epochs)} is an"
                        " epoch time, which may not resolve as you expect; write an ISO 8601"
                        " date such as 2026-01-31T00:00:00Z",
                    )
                )
        if spec.family == "String":
            findings.extend(_identifier_values(statement, condition, key))
        if spec.family in ("String", "Arn"):
            findings.extend(_kms_key_values(statement, condition, key, ctx))
        if spec.positive in _BOUND_OPERATORS and len(condition.values) > 1:
            findings.append(
                finding(
                    REDUNDANT_CONDITION_VALUE,
                    statement.index,
                    f"{condition.operator} {condition.key} lists {len(condition.values)} bounds;"
                    f" only the {_BOUND_OPERATORS[spec.positive]} matters, keep that one",
                    {"operator": condition.operator, "key": condition.key},
                )
            )
        pair = _PAIRS.get(key)
        # A Deny's pair may be another Deny's: lint_denied_pairs judges those.
        if pair and statement.effect == "Allow" and not keys & {p.lower() for p in pair}:
            findings.append(_missing_pair(statement, condition, pair))
    return findings


def lint_denied_pairs(ctx: LintContext) -> list[LintFinding]:
    """MISSING_PAIRED_KEY for Deny statements, over the whole policy: every Deny must pass, so
    one Deny on the private address and another on the VPC are together what one Allow on
    both is (AWS's EC2-credentials SCP tests aws:ec2InstanceSourcePrivateIPv4 and
    aws:ec2InstanceSourceVPC in two statements). An Allow's pair must be in the Allow itself."""
    denies = [s for s in ctx.statements if s.effect == "Deny" and s.conditions]
    denied_keys = {c.key.lower() for s in denies for c in s.conditions}
    findings: list[LintFinding] = []
    for statement in denies:
        for condition in statement.conditions:
            pair = _PAIRS.get(condition.key.lower())
            if pair and not denied_keys & {p.lower() for p in pair}:
                findings.append(_missing_pair(statement, condition, pair))
    return findings


def _missing_pair(statement: Statement, condition: Condition, pair: tuple[str, ...]) -> LintFinding:
    return finding(
        MISSING_PAIRED_KEY,
        statement.index,
        f"{condition.key} is safe only together with {' or '.join(pair)}: private"
        " addresses repeat across VPCs",
        {"key": condition.key, "paired_with": list(pair)},
    )


def _value(
    statement: Statement,
    condition: Condition,
    kind: str,
    message: str,
    severity: Severity | None = None,
) -> LintFinding:
    return finding(
        CONDITION_VALUE,
        statement.index,
        message,
        {"kind": kind, "operator": condition.operator, "key": condition.key},
        severity=severity,
    )


def _wildcards(
    statement: Statement, condition: Condition, family: str, positive: str
) -> list[LintFinding]:
    # ArnEquals matches wildcards like ArnLike (IAM's condition operator reference).
    if family != "String" or positive == "StringLike":
        return []
    literal = [v for v in condition.values if ("*" in v or "?" in v) and "${" not in v]
    if not literal:
        return []
    return [
        finding(
            WILDCARD_WITHOUT_LIKE,
            statement.index,
            f"{condition.operator} {condition.key}: {', '.join(repr(v) for v in literal)}"
            " compare(s) * and ? literally; if they are wildcards use"
            f" {condition.operator.replace('Equals', 'Like').replace('IgnoreCase', '')}",
            {"operator": condition.operator, "key": condition.key, "values": literal},
        )
    ]


def _spaced_arns(statement: Statement, condition: Condition, family: str) -> list[LintFinding]:
    """ARN values with whitespace around them, which no ARN has (INVALID_ARN, as in Resource):
    every value of an Arn operator, and values of a String operator that are ARNs once trimmed
    (StringEquals aws:PrincipalArn). Other strings, such as tag values, may hold spaces."""
    if family not in ("Arn", "String"):
        return []
    findings: list[LintFinding] = []
    for value in condition.values:
        stripped = value.strip()
        if stripped == value or (family == "String" and not stripped.startswith("arn:")):
            continue
        kind, message, severity = whitespace_problem(value)
        findings.append(
            finding(
                INVALID_ARN,
                statement.index,
                f"{condition.operator} {condition.key}: {message}",
                {
                    "kind": kind,
                    "arn": value,
                    "element": "Condition",
                    "operator": condition.operator,
                    "key": condition.key,
                },
                severity=severity,
            )
        )
    return findings


def _ip_values(
    statement: Statement, condition: Condition, key: str, negated: bool
) -> list[LintFinding]:
    findings: list[LintFinding] = []
    networks = []
    for value in condition.values:
        try:
            network = ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            continue  # CONDITION_TYPE_MISMATCH reports unparsable values
        networks.append(network)
        if network.network_address != ipaddress.ip_interface(value.strip()).ip:
            findings.append(
                _value(
                    statement,
                    condition,
                    "host_bits",
                    f"{condition.operator} {condition.key}: {value} has bits set after the"
                    f" /{network.prefixlen} mask, which are ignored; write {network}",
                )
            )
    if key != "aws:sourceip" or not networks:
        return findings
    private = [n for n in networks if _is_private(n)]
    if not private:
        return findings
    everything = len(private) == len(networks)
    if not everything:
        effect = "those never match"
    elif negated:
        effect = "they never match and NotIpAddress with them is always true"
    else:
        effect = "they never match and the condition is never true"
    findings.append(
        finding(
            PRIVATE_SOURCE_IP,
            statement.index,
            f"{condition.operator} aws:SourceIp lists private range(s)"
            f" {', '.join(str(n) for n in private)}, but aws:SourceIp holds only public"
            f" addresses: {effect}; use aws:VpcSourceIp for addresses inside a VPC",
            {"operator": condition.operator, "private": [str(n) for n in private]},
            severity=None if everything else Severity.LOW,
        )
    )
    return findings


def _dynamic(value: str) -> bool:
    return "*" in value or "?" in value or "${" in value


def _is_private(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    return any(
        network.version == private.version and network.subnet_of(private)  # type: ignore[arg-type]
        for private in _PRIVATE_NETWORKS
    )


def _identifier_values(statement: Statement, condition: Condition, key: str) -> list[LintFinding]:
    checks: dict[str, tuple[str, Callable[[str], object], str]] = {
        "aws:requestedregion": ("region", lambda v: region_severity(v) is None, "an AWS region"),
        "aws:sourcevpc": ("vpc", _VPC.match, "a VPC ID (vpc-...)"),
        "aws:sourcevpce": ("vpc_endpoint", _VPCE.match, "a VPC endpoint ID (vpce-...)"),
        "aws:principalservicename": _SERVICE_PRINCIPAL_CHECK,
        "aws:principalservicenameslist": _SERVICE_PRINCIPAL_CHECK,
        # IAM User Guide, "Condition keys for IAM": both name the service by its principal
        # (ec2.amazonaws.com); a bare "ec2" never matches.
        "iam:passedtoservice": _SERVICE_PRINCIPAL_CHECK,
        "iam:awsservicename": _SERVICE_PRINCIPAL_CHECK,
        "kms:viaservice": (
            "service_principal",
            _VIA_SERVICE.match,
            "a service endpoint of the form service.REGION.amazonaws.com",
        ),
    }
    check = checks.get(key)
    if check is None:
        return []
    kind, valid, what = check
    bad = [v for v in condition.values if not _dynamic(v) and not valid(v)]
    if not bad:
        return []
    # MEDIUM: Access Analyzer's "Invalid Region", "Invalid service principal format", "Invalid
    # vpc format" and "Invalid vpce format" are ERRORs; a region our list may lack (one AWS
    # opened after it) stays LOW.
    severity = Severity.MEDIUM
    maybe = ""
    if kind == "region" and all(region_severity(v) is Severity.LOW for v in bad):
        severity, maybe = Severity.LOW, " (unless AWS opened it after our region list)"
    return [
        _value(
            statement,
            condition,
            kind,
            f"{condition.operator} {condition.key}: {', '.join(repr(v) for v in bad)} is not"
            f" {what}, so it never matches{maybe}",
            severity,
        )
    ]


def _kms_key_values(
    statement: Statement, condition: Condition, key: str, ctx: LintContext
) -> list[LintFinding]:
    """Values of an ARN-typed KMS key condition key that are no KMS key ARN (an alias, a key
    ID, an alias ARN): the request carries the key's ARN, so they never match. MEDIUM, as
    Access Analyzer's "Invalid kms key value" is an ERROR."""
    if not _KMS_KEY_NAME.search(key.partition(":")[2]):
        return []
    info = ctx.catalogue.find_condition_key(condition.key)
    if info is None or info.base_type != "ARN":
        return []
    bad = [v for v in condition.values if not _dynamic(v) and not _KMS_KEY_ARN.match(v)]
    if not bad:
        return []
    return [
        _value(
            statement,
            condition,
            "kms_key",
            f"{condition.operator} {condition.key}: {', '.join(repr(v) for v in bad)} is not a"
            " KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID), which is what the request"
            " carries: a key ID or an alias never matches",
            Severity.MEDIUM,
        )
    ]
