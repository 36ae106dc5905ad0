"""Whole-document checks: Version, size quotas, Sids, and what a resource policy's resource type
allows.

Quotas (IAM User Guide "IAM and AWS STS quotas", Organizations and the services' guides): a
managed policy (identity or boundary) 6,144 characters without whitespace (MEDIUM for an identity
policy, which may be a role's inline one: those total 10,240), a role trust policy 2,048 by
default (MEDIUM: the quota can be raised, so Access Analyzer calls it a general warning), an SCP
5,120 with every character counted (Organizations' SCP syntax page); resource policies as their
service sets them (S3 bucket 20 KB, KMS key 32 KB, Secrets Manager 20,480 characters).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from bot.iam.lint_context import LintContext
from bot.iam.lint_model import (
    DUPLICATE_SID,
    EMPTY_ELEMENT,
    INVALID_SID,
    MISSING_VERSION,
    POLICY_SIZE,
    UNSUPPORTED_FOR_RESOURCE_TYPE,
    LintFinding,
    finding,
)
from bot.iam.matching import has_wildcard
from bot.iam.policy import Statement
from bot.model.severity import Severity

_SID = re.compile(r"^[A-Za-z0-9]*$")
_SIZE_BY_TYPE = {"identity": 6_144, "boundary": 6_144, "trust": 2_048, "scp": 5_120}


@dataclass(frozen=True, slots=True)
class ResourceType:
    """A resource-policy type Access Analyzer's ValidatePolicy names (plus common ones)."""

    services: tuple[str, ...]  # action prefixes the policy may name
    arn_services: tuple[str, ...]  # service segments its Resource ARNs may have
    max_size: int | None = None  # characters, when the service documents one
    # Condition keys that mean nothing in this policy (lower-cased): they describe the
    # resource, which a policy attached to it already is (Access Analyzer's suggestion
    # "Irrelevant condition key in policy": s3:ResourceAccount in a bucket or access point policy).
    irrelevant_keys: tuple[str, ...] = ()


RESOURCE_TYPES: dict[str, ResourceType] = {
    "AWS::S3::Bucket": ResourceType(("s3",), ("s3",), 20_480, ("s3:resourceaccount",)),
    "AWS::S3::AccessPoint": ResourceType(("s3",), ("s3",), irrelevant_keys=("s3:resourceaccount",)),
    "AWS::S3::MultiRegionAccessPoint": ResourceType(("s3",), ("s3",)),
    "AWS::S3ObjectLambda::AccessPoint": ResourceType(("s3-object-lambda",), ("s3-object-lambda",)),
    "AWS::S3Tables::TableBucket": ResourceType(("s3tables",), ("s3tables",)),
    "AWS::DynamoDB::Table": ResourceType(("dynamodb",), ("dynamodb",)),
    "AWS::IAM::AssumeRolePolicyDocument": ResourceType(("sts",), (), 2_048),
    "AWS::KMS::Key": ResourceType(("kms",), ("kms",), 32_768),
    "AWS::SecretsManager::Secret": ResourceType(("secretsmanager",), ("secretsmanager",), 20_480),
    "AWS::SQS::Queue": ResourceType(("sqs",), ("sqs",)),
    "AWS::SNS::Topic": ResourceType(("sns",), ("sns",)),
    "AWS::Lambda::Function": ResourceType(("lambda",), ("lambda",)),
    "AWS::ECR::Repository": ResourceType(("ecr",), ("ecr",)),
}


def lint_document(ctx: LintContext) -> list[LintFinding]:
    if ctx.document is None:
        return []
    findings: list[LintFinding] = []
    if "Version" not in ctx.document:
        findings.append(
            finding(
                MISSING_VERSION,
                None,
                "no Version: IAM applies 2008-10-17 rules, where policy variables are literal"
                ' text; add "Version": "2012-10-17"',
                {},
            )
        )
    findings.extend(_size(ctx))
    findings.extend(_sids(ctx))
    return findings


_MINIFIED = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode  # built once


def policy_size(document: Mapping[str, object]) -> int:
    """Characters as IAM counts them: the JSON without the whitespace between its tokens."""
    return len(_MINIFIED(document))


def _size(ctx: LintContext) -> list[LintFinding]:
    assert ctx.document is not None
    limit = _SIZE_BY_TYPE.get(ctx.policy_type)
    what = f"{'an' if ctx.policy_type == 'identity' else 'a'} {ctx.policy_type} policy"
    if ctx.resource_type in RESOURCE_TYPES:
        limit = RESOURCE_TYPES[ctx.resource_type].max_size or limit
        what = f"an {ctx.resource_type} policy"
    if limit is None:
        return []
    size = policy_size(ctx.document)
    counted = "whitespace not counted"
    if ctx.policy_type == "scp" and ctx.text_length is not None:
        # Organizations counts every character of an SCP, whitespace included.
        size, counted = ctx.text_length, "every character counted, whitespace included"
    if size <= limit:
        return []
    advice, hint = "split it into several policies", ""
    severity = None
    if ctx.policy_type == "trust":
        # Access Analyzer's "Policy size exceeds role trust policy quota" is a general
        # warning: the role trust policy length quota can be raised (Service Quotas), and
        # "If the quotas have already been increased, then you can ignore this warning".
        # A role has one trust policy, so it cannot be split.
        severity = Severity.MEDIUM
        advice = (
            "shorten it, or request a role trust policy length quota increase in Service"
            " Quotas (if the quota was raised already, it may fit)"
        )
    if ctx.policy_type == "scp":
        hint = " (whitespace outside strings counts: removing it may be enough)"
    if ctx.policy_type == "identity" and limit == _SIZE_BY_TYPE["identity"]:
        # 6,144 is a managed policy's quota; an identity policy may be inline, where a role's
        # inline policies may total 10,240 characters (a group's 5,120, a user's 2,048), so
        # IAM may take it: MEDIUM, as Access Analyzer's "Policy size exceeds identity policy
        # quota" is a WARNING. A boundary is always a managed policy: HIGH.
        severity = Severity.MEDIUM
        hint += " (as a managed policy; a role's inline policies may total 10,240)"
    return [
        finding(
            POLICY_SIZE,
            None,
            f"{size:,} characters ({counted}) exceeds the {limit:,} allowed for {what};"
            f" {advice}{hint}",
            {"size": size, "limit": limit},
            severity=severity,
        )
    ]


def _sids(ctx: LintContext) -> list[LintFinding]:
    findings: list[LintFinding] = []
    sids: list[tuple[int, str]] = []
    for index, raw in enumerate(ctx.raw_statements):
        if not isinstance(raw, Mapping) or "Sid" not in raw or not isinstance(raw["Sid"], str):
            continue
        sid = raw["Sid"]
        if sid == "":
            findings.append(
                finding(
                    EMPTY_ELEMENT,
                    index,
                    'Sid is an empty string; give it a value or leave "Sid" out',
                    {"element": "Sid"},
                )
            )
            continue
        sids.append((index, sid))
        # Resource policies of S3, SNS, KMS ... accept other characters (KMS's default key
        # policy has spaces); IAM's own policies do not.
        if ctx.policy_type != "resource" and not _SID.match(sid):
            findings.append(
                finding(
                    INVALID_SID,
                    index,
                    f"Sid {sid!r}: IAM accepts only A-Z, a-z and 0-9 in a Sid",
                    {"sid": sid},
                )
            )
    counts = Counter(sid for _, sid in sids)
    seen: set[str] = set()
    for index, sid in sids:
        if counts[sid] > 1 and sid in seen:
            required = ctx.policy_type != "resource"
            findings.append(
                finding(
                    DUPLICATE_SID,
                    index,
                    f"Sid {sid!r} repeats an earlier statement's;"
                    + (
                        " IAM requires unique Sids in this type of policy"
                        if required
                        else " unique Sids are recommended"
                    ),
                    {"sid": sid, "required": required},
                    severity=None if required else Severity.LOW,
                )
            )
        seen.add(sid)
    return findings


def lint_resource_type(statement: Statement, ctx: LintContext) -> list[LintFinding]:
    """Actions and resources a policy attached to `ctx.resource_type` can never govern."""
    spec = RESOURCE_TYPES.get(ctx.resource_type or "")
    if spec is None:
        return []
    findings: list[LintFinding] = []
    foreign = [
        action
        for action in statement.actions or statement.not_actions or ()
        if action != "*"
        and not has_wildcard(action.partition(":")[0])
        and action.partition(":")[0].lower() not in spec.services
    ]
    if foreign:
        findings.append(
            finding(
                UNSUPPORTED_FOR_RESOURCE_TYPE,
                statement.index,
                f"an {ctx.resource_type} policy governs only {', '.join(spec.services)} actions;"
                f" {', '.join(foreign)} can never apply here",
                {"kind": "action", "actions": foreign, "resource_type": ctx.resource_type},
            )
        )
    arns = [
        r
        for r in (*(statement.resources or ()), *(statement.not_resources or ()))
        if r.startswith("arn:")
        and len(r.split(":")) > 2
        and not has_wildcard(r.split(":")[2])
        and r.split(":")[2] not in spec.arn_services
    ]
    irrelevant = sorted(
        {c.key for c in statement.conditions if c.key.lower() in spec.irrelevant_keys}
    )
    if irrelevant:
        findings.append(
            finding(
                UNSUPPORTED_FOR_RESOURCE_TYPE,
                statement.index,
                f"{', '.join(irrelevant)} is not relevant in an {ctx.resource_type} policy; use it"
                " in identity-based policies to govern access to this resource",
                {"kind": "condition_key", "keys": irrelevant, "resource_type": ctx.resource_type},
                severity=Severity.LOW,
            )
        )
    if arns:
        findings.append(
            finding(
                UNSUPPORTED_FOR_RESOURCE_TYPE,
                statement.index,
                f"an {ctx.resource_type} policy can only name its own resources; {', '.join(arns)}"
                " belongs to another service",
                {"kind": "resource", "resources": arns, "resource_type": ctx.resource_type},
            )
        )
    return findings
