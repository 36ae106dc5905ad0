"""`policy.lint`: the policy linter's findings on every customer-managed and inline policy.

One audit finding per policy that has lint findings; its severity is the worst lint finding's
and the evidence lists them all. Many principals carry the same inline document, so lint results
are cached by document hash (and the type it is linted as) for the audit.

Statements that policy.admin_star reports (Allow ``*`` on ``*``) are its to report: the lint
findings such a statement gets only for its bare ``*`` (WILDCARD_SENSITIVE, PASS_ROLE_WILDCARD,
CREATE_SLR_WILDCARD: what ``*`` on ``*`` grants, at up to high severity) are left out here, as
the narrower checks of policies.py leave out the bare ``*``, so one admin statement is not
reported twice (the same document attached as AWS-managed gets admin_star alone). A finding the
statement's other patterns raise on their own (``["*", "iam:PassRole"]``) is kept, and
``iam-audit lint`` still reports everything: only this check leaves them out.

A customer-managed policy attached to nobody and used only as a permissions boundary is linted
as a boundary: it sets a ceiling and grants nothing, so the identity rules about what a grant
reaches (WILDCARD_SENSITIVE, NOT_ACTION_ALLOW) do not apply. A policy used both ways keeps the
identity lint, which is the stricter one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from bot.audit.checks._aws_names import AUTHORIZATION_DETAILS_PERMISSIONS
from bot.audit.checks._policy_documents import (
    AuditedDocument,
    Statement,
    action_pattern_matches,
    audited_documents,
    boundary_only_arns,
    is_full_wildcard,
)
from bot.audit.checks.policies import admin_star_statements
from bot.audit.findings import Finding, Severity
from bot.audit.registry import CheckContext, register
from bot.iam.catalogue import ActionCatalogue, default_catalogue
from bot.iam.lint_model import (
    CREATE_SLR_WILDCARD,
    CREDENTIALS_EXPOSURE,
    PASS_ROLE_WILDCARD,
    PERMISSIONS_MANAGEMENT,
    PRIVILEGE_ESCALATION,
    WILDCARD_SENSITIVE,
    LintFinding,
    PolicyType,
)
from bot.iam.linter import lint_policy
from bot.model.snapshot import AccountSnapshot

_CACHE_KEY = "policy_lint.by_type_and_document_hash"
_LINTED_KINDS = ("customer_managed", "inline")
# What a policy lets its holder do (lint's opt-in capability findings) is left to the
# principal-level checks, which combine every policy and the boundary; the guard below keeps
# it so if the linter's default ever changes.
CAPABILITY_CODES = frozenset({PRIVILEGE_ESCALATION, CREDENTIALS_EXPOSURE, PERMISSIONS_MANAGEMENT})


# Lint codes that a statement allowing `*` on `*` gets for what its bare `*` grants: write and
# permissions-management actions on every resource, iam:PassRole / iam:CreateServiceLinkedRole
# on every role. On a statement policy.admin_star reports they only repeat it.
ADMIN_STAR_REPEATS = frozenset({WILDCARD_SENSITIVE, PASS_ROLE_WILDCARD, CREATE_SLR_WILDCARD})


# Built once: json.dumps makes an encoder per call, as costly as encoding a small document.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode


def document_hash(document: Any) -> str:
    """A stable hash of a policy document (key order and whitespace do not matter)."""
    return hashlib.sha256(_CANONICAL(document).encode()).hexdigest()


def cached_lint(
    document: Any,
    shared: dict[str, Any],
    catalogue: ActionCatalogue,
    policy_type: PolicyType = "identity",
) -> tuple[LintFinding, ...]:
    """Lint results for `document` linted as `policy_type`, computed once per distinct
    (type, document) in an audit: the same document linted as another type differs."""
    cache: dict[tuple[str, str], tuple[LintFinding, ...]] = shared.setdefault(_CACHE_KEY, {})
    key = (policy_type, document_hash(document))
    found = cache.get(key)
    if found is None:
        found = tuple(
            f
            for f in lint_policy(document, catalogue=catalogue, policy_type=policy_type)
            if f.code not in CAPABILITY_CODES
        )
        cache[key] = found
    return found


def boundary_only_policy_arns(snapshot: AccountSnapshot) -> frozenset[str]:
    """The customer-managed ones among the policies used only as a permissions boundary
    (_policy_documents.boundary_only_arns): the linter lints those as boundaries."""
    customer = {p.arn for p in snapshot.policies if not p.is_aws_managed}
    return boundary_only_arns(snapshot) & customer


def _raised_without_full_wildcard(
    finding: LintFinding, statement: Statement, catalogue: ActionCatalogue
) -> bool:
    """Whether the statement's patterns other than the full wildcard (``*``, ``*:*``) raise
    ``finding`` on their own: ``iam:PassRole`` or ``iam:*`` next to ``*`` still grants
    iam:PassRole on every role, ``s3:PutObject`` next to it still writes on every resource."""
    named = tuple(p for p in statement.actions if not is_full_wildcard(p))
    if not named:
        return False
    if finding.code == WILDCARD_SENSITIVE:
        granted = catalogue.expand_all(named) & catalogue.resource_scoped_actions()
        return bool(
            granted
            & (catalogue.actions_by_access_level("Write") | catalogue.permission_changing_actions())
        )
    action = finding.detail.get("action") if isinstance(finding.detail, dict) else None
    if not isinstance(action, str):
        return True  # cannot tell which action it is about: keep it
    return any(action_pattern_matches(p, action) for p in named)


def leave_to_admin_star(
    findings: tuple[LintFinding, ...],
    document: AuditedDocument,
    admin_statements: frozenset[int],
    catalogue: ActionCatalogue,
) -> tuple[tuple[LintFinding, ...], tuple[LintFinding, ...]]:
    """``findings`` split into those policy.lint reports and those that only repeat what
    policy.admin_star reports about the statements ``admin_statements`` (see the module
    docstring)."""
    if not admin_statements:
        return findings, ()
    by_index = {s.index: s for s in document.statements}
    kept: list[LintFinding] = []
    repeats: list[LintFinding] = []
    for finding in findings:
        statement = by_index.get(finding.statement) if finding.statement is not None else None
        if (
            finding.code in ADMIN_STAR_REPEATS
            and statement is not None
            and statement.index in admin_statements
            and not _raised_without_full_wildcard(finding, statement, catalogue)
        ):
            repeats.append(finding)
        else:
            kept.append(finding)
    return tuple(kept), tuple(repeats)


def _describe(
    document: AuditedDocument, findings: tuple[LintFinding, ...], policy_type: PolicyType
) -> str:
    owner = f" (inline on {document.owner_arn})" if document.owner_arn else ""
    if policy_type == "boundary":
        owner = " (used only as a permissions boundary)"
    codes = ", ".join(dict.fromkeys(f.code for f in findings))
    first = findings[0]
    where = "" if first.statement is None else f" statement {first.statement}:"
    return (
        f"policy {document.policy_name}{owner}: {len(findings)} lint"
        f" finding{'' if len(findings) == 1 else 's'} ({codes});"
        f"{where} {first.message}"
    )


@register(
    id="policy.lint",
    title="Policy has lint findings",
    severity=Severity.MEDIUM,
    risk="A policy with unknown actions, resource mismatches, mistyped conditions or an MFA"
    " lock-out does not do what its author meant: it grants too much, too little, or locks"
    " users out.",
    remediation="Run `iam-audit lint` on the policy and fix each finding; the shipped templates"
    " in policies/ show corrected versions of the common patterns.",
    anchors=("Parliament", "IAM Access Analyzer policy validation"),
    permissions=AUTHORIZATION_DETAILS_PERMISSIONS,
    requires=("authorization_details",),
)
def policy_lint(ctx: CheckContext) -> Iterator[Finding]:
    catalogue = default_catalogue()
    boundaries = boundary_only_policy_arns(ctx.snapshot)
    # With policy.admin_star switched off in the config, nothing else reports those statements.
    admin_star_off = "policy.admin_star" in ctx.config.disabled_checks
    for document in audited_documents(ctx.snapshot, ctx.shared):
        if document.kind not in _LINTED_KINDS:
            continue
        policy_type: PolicyType = (
            "boundary"
            if document.kind == "customer_managed" and document.resource_arn in boundaries
            else "identity"
        )
        findings = cached_lint(document.document, ctx.shared, catalogue, policy_type)
        if not findings:
            continue
        admin_statements = frozenset() if admin_star_off else admin_star_statements(ctx, document)
        findings, repeats = leave_to_admin_star(findings, document, admin_statements, catalogue)
        if not findings:
            continue
        worst = max(findings, key=lambda f: f.severity.rank).severity
        yield ctx.finding(
            document.resource_arn,
            document.resource_type,
            _describe(document, findings, policy_type),
            {
                **document.evidence(),
                **({"linted_as": policy_type} if policy_type != "identity" else {}),
                "catalogue_version": catalogue.version,
                "lint_findings": [f.to_dict() for f in findings],
                **(
                    {
                        "left_to_policy_admin_star": [
                            {"code": f.code, "statement": f.statement} for f in repeats
                        ]
                    }
                    if repeats
                    else {}
                ),
            },
            severity=worst,
        )
