"""Condition keys the statement's actions do not carry.

A service key (`s3:x-amz-storage-class`) is in the request context only for the actions the
Service Authorization Reference lists it on (directly or through their resource types). Used
with other actions it is absent: an Allow then grants nothing for them, a Deny never fires.
The global tag keys (`aws:ResourceTag/...`, `aws:RequestTag/...`, `aws:TagKeys`) are the same
per service: Access Analyzer reports the services whose listed actions support none of them.
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


def _lists(info: ActionInfo, key: str) -> bool:
    lower = key.lower()
    return any(_key_pattern(template).match(lower) for template in _templates(info))


@lru_cache(maxsize=4096)
def _tied_to_actions(catalogue: ActionCatalogue, key: str) -> bool:
    """Whether some action of the key's own service lists it. Keys no action lists
    (ec2:SourceInstanceARN, lambda:SourceFunctionArn, glue:RoleAssumedBy) describe where a
    request came from and apply to other services' actions too: never reported."""
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
        if _TAG_KEY.match(lower):
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
    if any(_action_lists(catalogue, action, key) for action in actions):
        return []
    if not _tied_to_actions(catalogue, key):
        return []
    named = sorted(actions)
    spec = parse_operator(operator)
    effect = (
        "the condition is always true for them (IfExists or a negated operator), so it limits"
        " nothing"
        if spec.if_exists or spec.negated
        else (
            "so this Allow grants nothing"
            if statement.effect == "Allow"
            else "so this Deny never fires"
        )
    )
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
