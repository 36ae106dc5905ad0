"""Document-level policy checks: what one policy document allows, read statement by statement.

Documents read: every customer-managed policy, every inline policy of a user, group or role,
and AWS-managed policies in use (attachment count > 0, or named by a principal). One finding
per (check, document); its evidence lists every offending statement (index, Sid, actions).
Statements allowing ``*`` on ``*`` are reported by ``policy.admin_star``; the narrower checks
ignore the bare ``*`` / ``*:*`` pattern so one admin statement is not reported four times.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from bot.audit.checks._aws_names import AUTHORIZATION_DETAILS_PERMISSIONS, POLICY
from bot.audit.checks._policy_documents import (
    AuditedDocument,
    Statement,
    action_pattern_matches,
    audited_documents,
    is_full_wildcard,
    is_service_wildcard,
    referenced_policy_arns,
)
from bot.audit.findings import Finding, Severity
from bot.audit.registry import CheckContext, register

REQUIRES = ("authorization_details",)

# A statement matcher returns the evidence of one offending statement, or None.
StatementMatcher = Callable[[Statement], dict[str, Any] | None]


def _document_findings(
    ctx: CheckContext,
    matcher: StatementMatcher,
    describe: Callable[[AuditedDocument, list[dict[str, Any]]], str],
) -> Iterator[Finding]:
    for document in audited_documents(ctx.snapshot, ctx.shared):
        hits = []
        for statement in document.statements:
            hit = matcher(statement)
            if hit is not None:
                hits.append({**statement.evidence(), **hit})
        if hits:
            yield ctx.finding(
                document.resource_arn,
                document.resource_type,
                describe(document, hits),
                {**document.evidence(), "statements": hits},
            )


def _where(document: AuditedDocument, hits: list[dict[str, Any]]) -> str:
    """'policy X (inline on arn:...) statement 0 allows': names the statement a person edits."""
    owner = f" (inline on {document.owner_arn})" if document.owner_arn else ""
    indexes = ", ".join(str(h["statement_index"]) for h in hits)
    noun, verb = ("statement", "allows") if len(hits) == 1 else ("statements", "allow")
    return f"policy {document.policy_name}{owner} {noun} {indexes} {verb}"


def _actions_text(hits: list[dict[str, Any]], key: str = "actions") -> str:
    seen = dict.fromkeys(a for h in hits for a in h.get(key, ()))
    return ", ".join(seen)


def _not_action_text(statement: Statement) -> str:
    return f"NotAction ({', '.join(statement.not_actions)})"


# --- policy.admin_star ----------------------------------------------------------------------


def _admin_star(statement: Statement) -> dict[str, Any] | None:
    if not statement.is_allow or not statement.on_any_resource:
        return None
    wildcards = [a for a in statement.actions if is_full_wildcard(a)]
    return {"actions": wildcards, "resources": ["*"]} if wildcards else None


@register(
    id="policy.admin_star",
    title="Policy allows every action on every resource",
    severity=Severity.HIGH,
    risk="Whoever holds this policy is a full administrator: they can read every secret, change"
    " every permission and delete the account's resources.",
    remediation="Replace `*` with the actions and resources the holder needs (start from IAM"
    " Access Analyzer's policy generation or the last-accessed data).",
    anchors=(
        "Security Hub IAM.1",
        "Prowler iam_aws_attached_policy_no_administrative_privileges",
        "Prowler iam_customer_attached_policy_no_administrative_privileges",
        "Prowler iam_inline_policy_no_administrative_privileges",
        "ScoutSuite iam-managed-policy-allows-full-privileges",
    ),
    permissions=AUTHORIZATION_DETAILS_PERMISSIONS,
    requires=REQUIRES,
)
def policy_admin_star(ctx: CheckContext) -> Iterator[Finding]:
    """Allow with Action ``*`` (or ``*:*``) on Resource ``*``; NotAction is notaction_allow's."""
    yield from _document_findings(
        ctx,
        _admin_star,
        lambda d, hits: f"{_where(d, hits)} every action (*) on every resource (*)",
    )


# --- policy.service_wildcard ----------------------------------------------------------------


def _service_wildcard(statement: Statement) -> dict[str, Any] | None:
    if not statement.is_allow:
        return None
    wildcards = [a for a in statement.actions if is_service_wildcard(a)]
    return {"actions": wildcards, "resources": list(statement.resources)} if wildcards else None


@register(
    id="policy.service_wildcard",
    title="Policy allows every action of a service",
    severity=Severity.LOW,
    risk="`service:*` grants today's and tomorrow's actions of the service, including"
    " destructive and permission-changing ones nobody asked for.",
    remediation="List the actions the holder uses instead of `service:*`.",
    anchors=("Security Hub IAM.21", "Cloudsplaining"),
    permissions=AUTHORIZATION_DETAILS_PERMISSIONS,
    requires=REQUIRES,
)
def policy_service_wildcard(ctx: CheckContext) -> Iterator[Finding]:
    yield from _document_findings(
        ctx,
        _service_wildcard,
        lambda d, hits: f"{_where(d, hits)} {_actions_text(hits)}",
    )


# --- policy.notaction_allow -----------------------------------------------------------------


def _notaction_allow(statement: Statement) -> dict[str, Any] | None:
    if not statement.is_allow:
        return None
    hit: dict[str, Any] = {}
    if statement.uses_not_action:
        hit["not_actions"] = list(statement.not_actions)
    if "NotResource" in statement.keys:
        hit["not_resources"] = list(statement.not_resources)
    return hit or None


@register(
    id="policy.notaction_allow",
    title="Policy allows with NotAction or NotResource",
    severity=Severity.MEDIUM,
    risk="Allow + NotAction/NotResource grants everything not listed, including every action and"
    " resource AWS adds later.",
    remediation="Rewrite the statement as an Allow of the actions/resources needed, or use"
    " NotAction only inside a Deny.",
    anchors=(
        "ScoutSuite iam-managed-policy-allows-NotActions",
        "ScoutSuite iam-inline-policy-allows-NotActions",
    ),
    permissions=AUTHORIZATION_DETAILS_PERMISSIONS,
    requires=REQUIRES,
)
def policy_notaction_allow(ctx: CheckContext) -> Iterator[Finding]:
    def describe(document: AuditedDocument, hits: list[dict[str, Any]]) -> str:
        elements = []
        if any("not_actions" in h for h in hits):
            elements.append(f"NotAction ({_actions_text(hits, 'not_actions')})")
        if any("not_resources" in h for h in hits):
            elements.append(f"NotResource ({_actions_text(hits, 'not_resources')})")
        return f"{_where(document, hits)} with {' and '.join(elements)}"

    yield from _document_findings(ctx, _notaction_allow, describe)


# --- policy.passrole_star -------------------------------------------------------------------

_ROLE_HANDOFF_ACTIONS = ("iam:PassRole", "sts:AssumeRole")


def _grants_on_star(statement: Statement, action: str) -> list[str] | None:
    """The patterns through which an Allow on ``*`` grants ``action`` (bare ``*`` excepted)."""
    if not statement.is_allow or not statement.on_any_resource:
        return None
    if statement.actions:
        patterns = [p for p in statement.actions_matching(action) if not is_full_wildcard(p)]
        return patterns or None
    if statement.uses_not_action and statement.allows_action(action):
        return [_not_action_text(statement)]
    return None


def _passrole_star(statement: Statement) -> dict[str, Any] | None:
    granted = {}
    for action in _ROLE_HANDOFF_ACTIONS:
        patterns = _grants_on_star(statement, action)
        if patterns:
            granted[action] = patterns
    if not granted:
        return None
    return {
        "actions": sorted({p for ps in granted.values() for p in ps}),
        "grants": sorted(granted),
    }


@register(
    id="policy.passrole_star",
    title="Policy allows passing or assuming any role",
    severity=Severity.HIGH,
    risk="iam:PassRole or sts:AssumeRole on `*` lets the holder act as any role in the account,"
    " including more privileged ones: a direct privilege escalation.",
    remediation="Restrict the Resource to the ARNs of the roles the holder must pass or assume"
    " (and add an iam:PassedToService condition for PassRole).",
    anchors=(
        "ScoutSuite",
        "Prowler iam_policy_allows_privilege_escalation",
    ),
    permissions=AUTHORIZATION_DETAILS_PERMISSIONS,
    requires=REQUIRES,
)
def policy_passrole_star(ctx: CheckContext) -> Iterator[Finding]:
    """Wildcards that cover the actions count (``iam:Pass*``, ``iam:*``, ``sts:Assume*``), as
    does an Allow+NotAction that does not exclude them; matching is case-insensitive."""

    def describe(document: AuditedDocument, hits: list[dict[str, Any]]) -> str:
        granted = sorted({g for h in hits for g in h["grants"]})
        text = f"{_where(document, hits)} {' and '.join(granted)} on every resource (*)"
        patterns = list(dict.fromkeys(a for h in hits for a in h["actions"]))
        if {p.lower() for p in patterns} == {g.lower() for g in granted}:
            return text  # named as such: "through iam:PassRole" would only repeat it
        return f"{text} through {', '.join(patterns)}"

    yield from _document_findings(ctx, _passrole_star, describe)


# --- policy.full_access_sensitive -----------------------------------------------------------

_SENSITIVE_SERVICES = ("cloudtrail", "kms")
_SENSITIVE_ACTIONS = ("aws-marketplace:Subscribe",)


def _covers_whole_service(statement: Statement, service: str) -> list[str]:
    """How an Allow grants every action of ``service``: ``kms:*``-like patterns (bare ``*``
    excepted), or a NotAction that names nothing of the service."""
    if statement.actions:
        return [
            p
            for p in statement.actions
            if not is_full_wildcard(p)
            and p.strip().endswith(":*")
            and action_pattern_matches(p.strip()[:-2], service)
        ]
    if statement.uses_not_action and not any(
        action_pattern_matches(p.split(":", 1)[0], service) for p in statement.not_actions
    ):
        return [_not_action_text(statement)]
    return []


def _full_access_sensitive(statement: Statement) -> dict[str, Any] | None:
    if not statement.is_allow or not statement.on_any_resource:
        return None
    patterns: list[str] = []
    grants: list[str] = []
    for service in _SENSITIVE_SERVICES:
        found = _covers_whole_service(statement, service)
        if found:
            patterns.extend(found)
            grants.append(f"{service}:*")
    for action in _SENSITIVE_ACTIONS:
        found = _grants_on_star(statement, action)
        if found:
            patterns.extend(found)
            grants.append(action)
    if not grants:
        return None
    return {"actions": sorted(set(patterns)), "grants": grants}


@register(
    id="policy.full_access_sensitive",
    title="Policy grants full access to a sensitive service",
    severity=Severity.MEDIUM,
    risk="Full CloudTrail access lets the holder stop or delete the audit trail; full KMS access"
    " lets it decrypt data and schedule keys for deletion; Marketplace Subscribe lets it buy"
    " software on the account's bill.",
    remediation="Grant only the CloudTrail/KMS actions needed, on specific trails and keys; drop"
    " aws-marketplace:Subscribe unless purchasing is the holder's job.",
    anchors=(
        "Prowler iam_policy_no_full_access_to_cloudtrail",
        "Prowler iam_policy_no_full_access_to_kms",
    ),
    permissions=AUTHORIZATION_DETAILS_PERMISSIONS,
    requires=REQUIRES,
)
def policy_full_access_sensitive(ctx: CheckContext) -> Iterator[Finding]:
    def describe(document: AuditedDocument, hits: list[dict[str, Any]]) -> str:
        grants = ", ".join(dict.fromkeys(g for h in hits for g in h["grants"]))
        return f"{_where(document, hits)} {grants} on every resource (*)"

    yield from _document_findings(ctx, _full_access_sensitive, describe)


# --- policy.unattached ----------------------------------------------------------------------


@register(
    id="policy.unattached",
    title="Customer-managed policy attached to nothing",
    severity=Severity.LOW,
    risk="Unused policies clutter reviews and are one attach call away from granting whatever"
    " they say, unreviewed.",
    remediation="Delete the policy if nobody needs it (keep it in version control if you may).",
    anchors=("AWS Config iam-policy-in-use", "ScoutSuite iam-managed-policy-no-attachments"),
    permissions=AUTHORIZATION_DETAILS_PERMISSIONS,
    requires=REQUIRES,
)
def policy_unattached(ctx: CheckContext) -> Iterator[Finding]:
    """Attachment count 0, boundary usage 0, and named by no principal in the snapshot."""
    referenced = referenced_policy_arns(ctx.snapshot)
    for policy in ctx.snapshot.policies:
        if policy.is_aws_managed or policy.arn in referenced:
            continue
        if policy.attachment_count == 0 and policy.boundary_usage_count == 0:
            yield ctx.finding(
                policy.arn,
                POLICY,
                f"policy {policy.name} is attached to no user, group or role and is no"
                " permissions boundary",
                {
                    "policy_name": policy.name,
                    "attachment_count": policy.attachment_count,
                    "boundary_usage_count": policy.boundary_usage_count,
                },
            )
