"""Condition keys the statement's actions do not carry, or that cannot be trusted.

A service key (`s3:x-amz-storage-class`) is in the request context only for the actions the
Service Authorization Reference lists it on (directly or through their resource types). Used
with other actions it is absent: an Allow then grants nothing for them, a Deny never fires.
Access Analyzer reports each action named in the statement that lacks the key, even when
another action of the statement carries it ("Unsupported action for condition key").
The global tag keys (`aws:ResourceTag/...`, `aws:RequestTag/...`, `aws:TagKeys`) are the same
per service: Access Analyzer reports the services whose listed actions support none of them.
aws:VpceAccount / VpceOrgID / VpceOrgPaths are set only by the services that support them
("Use condition key only with supported services"), and aws:Referer / aws:UserAgent are set by
the caller ("Untrustworthy condition key").
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

from bot.iam.catalogue import ActionCatalogue, ActionInfo, template_regex
from bot.iam.conditions import parse_operator
from bot.iam.lint_context import LintContext
from bot.iam.lint_model import (
    CONDITION_KEY_UNSUPPORTED,
    TAG_KEY_UNSUPPORTED,
    LintFinding,
    finding,
)
from bot.iam.lint_resources import reference_data
from bot.iam.policy import Statement
from bot.model.severity import Severity

_TAG_KEY = re.compile(r"^aws:(resourcetag/.+|requesttag/.+|tagkeys)$")
_NAMED = 5
# Keys the caller writes into its own request (IAM User Guide, global condition keys: aws:Referer
# and aws:UserAgent "can be spoofed" / are "not recommended" to prevent unauthorized access):
# Access Analyzer's "Untrustworthy condition key", a SECURITY_WARNING.
_UNTRUSTWORTHY = frozenset({"aws:referer", "aws:useragent"})
# Global keys in the request context only for the services that support them (IAM User Guide,
# aws:VpceAccount, aws:VpceOrgID, aws:VpceOrgPaths: "Availability"); the catalogue does not
# say which services these are, so only a statement reaching every service is judged.
_SOME_SERVICES_ONLY = frozenset({"aws:vpceaccount", "aws:vpceorgid", "aws:vpceorgpaths"})


@lru_cache(maxsize=16384)
def _key_pattern(template: str) -> re.Pattern[str]:
    if template.lower().endswith("/tag-key"):  # secretsmanager:ResourceTag/tag-key and kin
        template = template[: -len("tag-key")] + "${TagKey}"
    return template_regex(template)


@lru_cache(maxsize=65536)
def _resource_type_keys(service: str, resource_type: str) -> tuple[str, ...]:
    """The keys the Service Authorization Reference lists on the resource type itself (e.g.
    aws:ResourceTag on Lambda's function), which apply to every action on it."""
    resources = reference_data().resources
    names = {name.lower(): name for name in resources.get_resource_types_for_service(service)}
    name = names.get(resource_type.lower())
    if name is None:
        return ()
    details = resources.get_resource_type_details(service, name)
    return tuple((details or {}).get("conditionKeys") or ())


def _templates(info: ActionInfo) -> list[str]:
    templates = list(info.condition_keys)
    for resource_type in info.resource_types:
        templates.extend(_resource_type_keys(info.service, resource_type.name))
    return templates


@lru_cache(maxsize=65536)
def _has_key_data(catalogue: ActionCatalogue, action: str) -> bool:
    """Whether the reference lists any condition key for the action. For one it lists none of
    (aws-marketplace:Subscribe, though AWS documents aws-marketplace:ProductId for it) there is
    nothing to judge a key by: such actions are left out of these checks."""
    info = catalogue.action(action)
    return info is not None and bool(_templates(info))


@lru_cache(maxsize=65536)
def _action_lists(catalogue: ActionCatalogue, action: str, key: str) -> bool:
    """Whether the reference lists the key for the action (strictly)."""
    info = catalogue.action(action)
    return info is not None and _lists(info, key)


def action_supports_key(catalogue: ActionCatalogue, action: str, key: str) -> bool:
    """Whether the Service Authorization Reference lists `key` (lower-case) for `action`,
    directly or through its resource types."""
    return _action_lists(catalogue, action, key)


def _lists(info: ActionInfo, key: str) -> bool:
    lower = key.lower()
    return any(_key_pattern(template).match(lower) for template in _templates(info))


# The service-prefixed keys that are properties of the role session, in every request its
# credentials sign, whatever the service (IAM User Guide, "AWS global condition context keys":
# "Properties of the role session"). ssm:SourceInstanceArn is also listed by SSM's own actions,
# which the heuristic below would read as tied to them.
_SESSION_PROPERTY_KEYS = frozenset(
    {
        "ec2:roledelivery",
        "ec2:sourceinstancearn",
        "glue:roleassumedby",
        "glue:credentialissuingservice",
        "codebuild:buildarn",
        "codebuild:projectarn",
        "lambda:sourcefunctionarn",
        "ssm:sourceinstancearn",
        "identitystore:userid",
    }
)


@lru_cache(maxsize=4096)
def _tied_to_actions(catalogue: ActionCatalogue, key: str) -> bool:
    """Whether some action of the key's own service lists it. The role session's properties,
    and keys no action lists (ec2:SourceInstanceARN, lambda:SourceFunctionArn,
    glue:RoleAssumedBy), describe where a request came from and apply to other services'
    actions too: never reported."""
    if key.lower() in _SESSION_PROPERTY_KEYS:
        return False
    service = key.lower().partition(":")[0]
    return any(_action_lists(catalogue, name, key) for name in catalogue.expand(f"{service}:*"))


@lru_cache(maxsize=16384)
def _unsupported_services(
    catalogue: ActionCatalogue, actions: frozenset[str], key: str
) -> tuple[str, ...]:
    """Service prefixes none of whose named actions (with key data) support `key`."""
    by_service: dict[str, list[str]] = defaultdict(list)
    for action in actions:
        if _has_key_data(catalogue, action):
            by_service[action.partition(":")[0]].append(action)
    return tuple(
        sorted(
            service
            for service, names in by_service.items()
            if not any(_action_lists(catalogue, a, key) for a in names)
        )
    )


def lint_condition_keys(statement: Statement, ctx: LintContext) -> list[LintFinding]:
    if not statement.conditions:
        return []
    catalogue = ctx.catalogue
    findings: list[LintFinding] = []
    seen: set[str] = set()
    for condition in statement.conditions:
        key = condition.key
        lower = key.lower()
        if lower in seen or catalogue.find_condition_key(key) is None:
            continue  # an unknown key is UNKNOWN_CONDITION_KEY's business
        seen.add(lower)
        prefix = lower.partition(":")[0]
        if lower in _UNTRUSTWORTHY:
            findings.append(_untrustworthy(statement, key))
        elif lower in _SOME_SERVICES_ONLY:
            findings.extend(_some_services_only(statement, key, condition.operator))
        elif _TAG_KEY.match(lower):
            findings.extend(_tag_key(statement, ctx, key))
        elif prefix != "aws" and catalogue.service_exists(prefix) and statement.actions:
            findings.extend(_service_key(statement, catalogue, key, condition.operator))
    return findings


def _service_key(
    statement: Statement, catalogue: ActionCatalogue, key: str, operator: str
) -> list[LintFinding]:
    actions = frozenset(
        a for a in catalogue.expand_all(statement.actions or ()) if _has_key_data(catalogue, a)
    )
    if not actions or "*" in (statement.actions or ()):
        return []
    if not _tied_to_actions(catalogue, key):
        return []
    if any(_action_lists(catalogue, action, key) for action in actions):
        return _named_without_key(statement, catalogue, key, operator)
    named = sorted(actions)
    effect = _effect_for_actions_without(statement, operator)
    return [
        finding(
            CONDITION_KEY_UNSUPPORTED,
            statement.index,
            f"condition key {key} is not in the request for "
            + ", ".join(named[:_NAMED])
            + (f" and {len(named) - _NAMED} more" if len(named) > _NAMED else "")
            + f": none of the statement's actions supports it, {effect}",
            {"key": key, "actions": named[:20], "action_count": len(named)},
            severity=Severity.HIGH if statement.effect == "Deny" else None,
        )
    ]


def _effect_on_some(statement: Statement, operator: str) -> str:
    """What a condition on a key the request lacks does for some of the statement's actions."""
    spec = parse_operator(operator)
    if spec.if_exists or spec.negated:
        return (
            "the condition is always true for them (IfExists or a negated operator), so this"
            f" {statement.effect} applies to them unconditionally"
        )
    return (
        "this Allow never grants them"
        if statement.effect == "Allow"
        else "this Deny never denies them"
    )


def _effect_for_actions_without(statement: Statement, operator: str) -> str:
    """What a condition on a key the request lacks does to the statement for those actions."""
    spec = parse_operator(operator)
    return (
        "the condition is always true for them (IfExists or a negated operator), so it limits"
        " nothing"
        if spec.if_exists or spec.negated
        else (
            "so this Allow grants nothing"
            if statement.effect == "Allow"
            else "so this Deny never fires"
        )
    )


def _named_without_key(
    statement: Statement, catalogue: ActionCatalogue, key: str, operator: str
) -> list[LintFinding]:
    """Actions named in full (no wildcard) that lack a key another action of the statement
    carries (Access Analyzer's "Unsupported action for condition key"): s3:GetObject next to
    s3:ListBucket under s3:prefix. A wildcard's matches are not judged one by one, as Access
    Analyzer does not: `s3:Get*` is meant to reach whatever it reaches. Nor is an IfExists
    operator: true where the key is absent, it is the documented way to put actions with and
    without the key in one statement (IAM User Guide, "...IfExists condition operators")."""
    if parse_operator(operator).if_exists:
        return []
    explicit = [a for a in statement.actions or () if "*" not in a and "?" not in a]
    named = sorted(
        action
        for action in catalogue.expand_all(explicit)
        if _has_key_data(catalogue, action) and not _action_lists(catalogue, action, key)
    )
    if not named:
        return []
    effect = _effect_on_some(statement, operator)
    return [
        finding(
            CONDITION_KEY_UNSUPPORTED,
            statement.index,
            f"condition key {key} is not in the request for "
            + ", ".join(named[:_NAMED])
            + (f" and {len(named) - _NAMED} more" if len(named) > _NAMED else "")
            + f" (other actions of the statement support it): {effect}; move them to a"
            " statement without this key",
            {
                "key": key,
                "actions": named[:20],
                "action_count": len(named),
                "kind": "some_actions",
            },
            severity=Severity.HIGH if statement.effect == "Deny" else None,
        )
    ]


def _untrustworthy(statement: Statement, key: str) -> LintFinding:
    """A key the caller sets: a condition on it lets anyone who writes the header in."""
    return finding(
        CONDITION_KEY_UNSUPPORTED,
        statement.index,
        f"{key} is set by the caller (any client can send any value), so it cannot control"
        " access: do not rely on it to allow or deny requests; use keys AWS sets, such as"
        " aws:SourceVpce, aws:SourceIp or aws:PrincipalOrgID",
        {"key": key, "kind": "untrustworthy"},
        severity=Severity.MEDIUM,
    )


def _some_services_only(statement: Statement, key: str, operator: str) -> list[LintFinding]:
    """aws:VpceAccount and kin with actions of every service (Action "*" or a NotAction): the
    services that do not support the key never see it (Access Analyzer's "Use condition key
    only with supported services", a general warning; MEDIUM in a Deny, which then blocks or
    spares every request to those services whatever endpoint it came through)."""
    if statement.not_actions is None and "*" not in (statement.actions or ()):
        return []
    effect = _effect_on_some(statement, operator)
    deny = statement.effect == "Deny"
    return [
        finding(
            CONDITION_KEY_UNSUPPORTED,
            statement.index,
            f"{key} is in the request only for the services that support it, but this"
            f" statement applies to the actions of every service: for the others {effect};"
            " list the supported services' actions instead",
            {"key": key, "kind": "supported_services_only", "effect": statement.effect},
            severity=Severity.MEDIUM if deny else Severity.LOW,
        )
    ]


def _tag_key(statement: Statement, ctx: LintContext, key: str) -> list[LintFinding]:
    if statement.not_actions is not None:
        deny = statement.effect == "Deny"
        return [
            finding(
                TAG_KEY_UNSUPPORTED,
                statement.index,
                f"{statement.effect} with NotAction and {key}: actions whose service does not"
                f" support the key are "
                + ("never denied" if deny else "never allowed")
                + " by this statement; list the actions instead",
                {"key": key, "not_action": True, "effect": statement.effect},
                severity=Severity.MEDIUM if deny else None,
            )
        ]
    actions = ctx.catalogue.expand_all(statement.actions or ())
    if not actions or "*" in (statement.actions or ()):
        return []
    services = _unsupported_services(ctx.catalogue, actions, key.lower())
    if not services:
        return []
    deny = statement.effect == "Deny"
    return [
        finding(
            TAG_KEY_UNSUPPORTED,
            statement.index,
            f"{key} is never in the request for the {', '.join(services)} actions named here,"
            " so this statement "
            + ("never denies them" if deny else "never allows them")
            + "; move them to a statement without this key",
            {"key": key, "services": list(services), "effect": statement.effect},
            severity=Severity.MEDIUM if deny else None,
        )
    ]
