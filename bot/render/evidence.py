"""A finding's evidence as short sentences for people (Slack, text and Markdown reports).

Evidence is machine data (the JSON and SARIF reports keep it verbatim). Shown to a person, each
field is said by what it means: ``{"grants": [{"policy": "arn:...:policy/AdministratorAccess (via
group:Admins)", "statement": 0}], "boundary": null}`` becomes "Granted by AdministratorAccess (AWS
managed) via group Admins, statement 0." and "No permissions boundary.". Fields are recognised by
name, so a check that adds a field still renders; an unknown field is said as "Label: value"
with lists and mappings spelled out in words, never as JSON. Empty and null fields are left out,
except where their absence is the point (no permissions boundary).

The output is plain text; each caller escapes it for its own format (mrkdwn, Markdown, terminal).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.render.grammar import plural

LIST_LIMIT = 8  # names shown from a list before "and N more"
LINE_LIMIT = 12  # evidence lines per finding; the JSON report has everything
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T[\d:.]+([+-]\d{2}:?\d{2}|Z)?)?$")
_MANAGED_POLICY = re.compile(r"^arn:aws[\w-]*:iam::aws:policy/(?:.*/)?([^/]+)$")
_ACCOUNT_POLICY = re.compile(r"^arn:aws[\w-]*:iam::\d{12}:policy/(?:.*/)?([^/]+)$")
_VIA = re.compile(r"\(via (user|group|role):([^)]*)\)")
# Keys whose empty value is itself the finding ("restricted by nothing").
_SAID_EVEN_EMPTY = frozenset(
    {"restricted_by", "minimum_length", "reuse_prevention", "max_age_days"}
)
# Keys that repeat what the finding's resource or title already says.
_REDUNDANT = frozenset({"user", "role", "policy_name", "catalogue_version", "analyzer_arn"})


def evidence_lines(
    check_id: str, evidence: Mapping[str, Any], *, limit: int = LINE_LIMIT
) -> list[str]:
    """The evidence of one finding as at most ``limit`` plain-text sentences."""
    lines: list[str] = []
    used: set[str] = set()
    no_boundary = "boundary" in evidence and evidence["boundary"] is None
    evidence = _pruned(evidence)
    for composer in _COMPOSERS:
        before = set(used)
        try:
            lines.extend(composer(evidence, used))
        except (TypeError, ValueError, AttributeError, KeyError):
            # A field of an unexpected shape (a check changed it): said generically below.
            used.intersection_update(before)
    if no_boundary:  # absent is the point: nothing caps what the grants above allow
        lines.append("No permissions boundary.")
    for key, value in evidence.items():
        if key in used or key in _REDUNDANT or _is_empty(value):
            continue
        lines.append(_field_sentence(str(key), value))
    lines = [line for line in lines if line]
    if len(lines) > limit:
        rest = len(lines) - limit + 1
        lines = [*lines[: limit - 1], f"{plural(rest, 'more detail')} in the JSON report."]
    return lines


# --- values -----------------------------------------------------------------------------------


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _count(value: Any) -> int:
    """An integer count; anything else (a bool is an int in Python) is a TypeError, which makes
    the caller say the field generically."""
    if not _is_count(value):
        raise TypeError(f"not a count: {value!r}")
    return value


def _pruned(value: Any) -> Any:
    """The value without null and empty members, at any depth (they say nothing to a person)."""
    if isinstance(value, Mapping):
        kept = {str(k): _pruned(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if k in _SAID_EVEN_EMPTY or not _is_empty(v)}
    if isinstance(value, (list, tuple)):
        kept_items = [_pruned(v) for v in value]
        return [v for v in kept_items if not _is_empty(v)]
    return value


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, (list, tuple, dict)) and not value)


def when(value: Any) -> str:
    """An ISO timestamp as its date ("2026-05-18"); AWS's "N/A" / "no_information" as "never"."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    text = str(value)
    if text in ("N/A", "no_information", "not_supported"):
        return "never"
    if _ISO_DATE.match(text):
        return text[:10]
    return text


# What the credential report's placeholder words mean, column by column (IAM User Guide,
# "Getting credential reports for your AWS account"): not "never" everywhere.
_PASSWORD_USED = {
    "N/A": "no password",
    "no_information": "no recorded use (AWS tracks sign-ins since 2014-10-20)",
}
_PASSWORD_CHANGED = {"N/A": "no password", "not_supported": "not reported for the root user"}
# N/A: no such key, a key never used, or one last used before 2015-04-22.
_KEY_USED = {"N/A": "no recorded use"}


def _report_cell(value: Any, meanings: Mapping[str, str]) -> str:
    """A credential-report cell in words, its placeholder read as its column documents it."""
    return meanings.get(value, spoken(value)) if isinstance(value, str) else spoken(value)


def policy_label(text: Any) -> str:
    """A policy ARN as its name; "(via group:Admins)" as "via group Admins"."""
    if not isinstance(text, str):
        return spoken(text)
    via = _VIA.search(text)
    base = _VIA.sub("", text).strip()
    managed = _MANAGED_POLICY.match(base)
    if managed:
        name = f"{managed.group(1)} (AWS managed)"
    else:
        local = _ACCOUNT_POLICY.match(base)
        name = local.group(1) if local else base
    return f"{name} via {via.group(1)} {via.group(2)}" if via else name


def names(
    values: Iterable[Any], *, limit: int = LIST_LIMIT, label: Callable[[Any], str] | None = None
) -> str:
    """ "a, b and c"; past ``limit`` items: "a, b, c and 12 more"."""
    say = label or spoken
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        values = [values]
    items = [say(v) for v in values if not _is_empty(v)]
    if not items:
        return ""
    if len(items) > limit:
        return ", ".join(items[:limit]) + f" and {len(items) - limit} more"
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def _scalar(value: Any) -> str:
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return "yes" if value.lower() == "true" else "no"
    if isinstance(value, (str, datetime)):
        return when(value)
    return str(value)


def _label(key: str) -> str:
    words = key.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def spoken(value: Any, *, depth: int = 0) -> str:
    """Any evidence value in words: lists joined with "and", mappings as "key value" pairs."""
    if isinstance(value, Mapping):
        parts = []
        for key, item in value.items():
            if _is_empty(item):
                continue
            inner = spoken(item, depth=depth + 1)
            parts.append(f"{str(key).replace('_', ' ')} {inner}")
        return ("; " if depth == 0 else ", ").join(parts)
    if isinstance(value, (list, tuple)):
        if all(isinstance(item, Mapping) for item in value):
            return "; ".join(spoken(item, depth=depth + 1) for item in value[:LIST_LIMIT]) + (
                f" and {len(value) - LIST_LIMIT} more" if len(value) > LIST_LIMIT else ""
            )
        return names(value, label=lambda v: spoken(v, depth=depth + 1))
    return _scalar(value)


def _field_sentence(key: str, value: Any) -> str:
    """One generic field: a known meaning when the name says it, else "Label: value"."""
    meaning = _FIELD_SENTENCES.get(key)
    if meaning is not None:
        try:
            return meaning(value)
        except (TypeError, ValueError, AttributeError, KeyError):
            pass  # not the shape this name usually has: say it generically
    return f"{_label(key)}: {spoken(value)}."


def _days(value: Any) -> str:
    return plural(_count(value), "day")


# user.mfa_not_enforced's requests_without_mfa (bot.audit.checks.users_mfa's request kinds).
_REQUESTS_WITHOUT_MFA = {
    "console_session": "a console sign-in",
    "access_key_session": "sessions the access key obtains without an MFA code",
    "long_term_key": "calls signed with the access key or signing certificate",
}


def _request_without_mfa(kind: Any) -> str:
    return _REQUESTS_WITHOUT_MFA.get(str(kind), spoken(kind))


_FIELD_SENTENCES: dict[str, Callable[[Any], str]] = {
    "boundary": lambda v: f"Permissions boundary: {policy_label(spoken(v))}.",
    "assumptions": lambda v: "Assumed while evaluating: " + names(v, limit=3) + ".",
    "policies": lambda v: f"Granted by {names(v, label=policy_label)}.",
    "policy_arn": lambda v: f"Policy {policy_label(spoken(v))}.",
    "attached_to": lambda v: f"Attached to {spoken(v)}.",
    "policy_kind": lambda v: {
        "aws_managed": "An AWS managed policy.",
        "customer_managed": "A customer managed policy.",
        "inline": "An inline policy.",
    }.get(str(v), f"Policy kind: {spoken(v)}."),
    "requests_without_mfa": lambda v: (
        f"Reachable without MFA through {names(v, label=_request_without_mfa)}."
    ),
    "mfa_active": lambda v: "MFA device active." if _scalar(v) == "yes" else "No MFA device.",
    "password_enabled": lambda v: (
        "Console password enabled." if _scalar(v) == "yes" else "No console password."
    ),
    "password_last_used": lambda v: f"Password last used: {_report_cell(v, _PASSWORD_USED)}.",
    "password_last_changed": lambda v: (
        f"Password last changed: {_report_cell(v, _PASSWORD_CHANGED)}."
    ),
    "user_creation_time": lambda v: f"Created {spoken(v)}.",
    "created": lambda v: f"Created {spoken(v)}.",
    "last_used": lambda v: f"Last used: {spoken(v)}.",
    "last_accessed": lambda v: f"Last accessed: {spoken(v)}.",
    "last_used_region": lambda v: f"Last used in {spoken(v)}.",
    "access_key_1_last_used_date": lambda v: (
        f"Access key 1 last used: {_report_cell(v, _KEY_USED)}."
    ),
    "access_key_2_last_used_date": lambda v: (
        f"Access key 2 last used: {_report_cell(v, _KEY_USED)}."
    ),
    "limit_days": lambda v: f"Limit: {_days(v)}.",
    "grace_days": lambda v: f"Grace period: {_days(v)}.",
    "idle_days": lambda v: f"Idle for {_days(v)}.",
    "age_days": lambda v: f"{_days(v).capitalize()} old.",
    "window_days": lambda v: f"Looked back {_days(v)}.",
    "groups": lambda v: f"Groups: {names(v)}.",
    "attached_policies": lambda v: f"Attached policies: {names(v, label=policy_label)}.",
    "inline_policies": lambda v: f"Inline policies: {names(v)}.",
    "credentials": lambda v: f"Credentials: {names(v)}.",
    "trusted_accounts": lambda v: f"Trusted accounts: {names(v)}.",
    "accounts": lambda v: f"Accounts: {names(v)}.",
    "services": lambda v: f"Trusted services: {names(v)}.",
    "devices": lambda v: f"MFA devices: {names(v)}.",
    "console_users": lambda v: f"Console users: {names(v)}.",
    "console_user_count": lambda v: f"{plural(_count(v), 'console user')}.",
    "missing_classes": lambda v: f"Missing character classes: {names(v)}.",
    "custom_policy": lambda v: (
        "A custom password policy is set." if v else "No custom password policy (AWS default)."
    ),
    "centralized_root_access": lambda v: (
        "Centralized root access is on." if v else "Centralized root access is off."
    ),
    "other_holders": lambda v: f"Also held by {names(v)}.",
    "region": lambda v: f"Region {spoken(v)}.",
    "method_ids": lambda v: f"Escalation methods: {names(v)}.",
    "methods_not_detailed": lambda v: f"{plural(_count(v), 'more method')} not detailed here.",
    "source": lambda v: f"Source: {spoken(v)}.",
    "certificate": lambda v: f"Certificate {spoken(v)}.",
    "expiration": lambda v: f"Expired {spoken(v)}.",
    "attachment_count": lambda v: f"Attached to {plural(_count(v), 'principal')}.",
    "boundary_usage_count": lambda v: (
        f"Used as a permissions boundary by {plural(_count(v), 'principal')}."
    ),
    "external_id": lambda v: "Requires an external id." if v else "No sts:ExternalId condition.",
    "mfa_required": lambda v: "Requires MFA." if v else "No MFA condition.",
    "is_public": lambda v: "Public." if v else "Not public.",
    "principals": lambda v: f"Principals: {names(v)}.",
    "finding_type": lambda v: f"Access Analyzer finding type: {spoken(v)}.",
    "finding_id": lambda v: f"Access Analyzer finding {spoken(v)}.",
    "resource": lambda v: f"Resource: {spoken(v)}.",
    "resource_owner_account": lambda v: f"Owned by account {spoken(v)}.",
    "access_key_id": lambda v: f"Access key {spoken(v)}.",
}


# --- composites: several fields said together ---------------------------------------------------


def _grants(evidence: Mapping[str, Any], used: set[str]) -> list[str]:
    """``grants`` (list of {policy, statement, effect}, or action -> that list) with ``policies``
    and ``boundary``: who grants it, in which statement; whether a boundary limits it."""
    grants = evidence.get("grants")
    if not isinstance(grants, (list, dict)) or not grants:
        return []
    if isinstance(grants, list) and not all(isinstance(g, Mapping) for g in grants):
        return []  # a statement's "grants" is a list of actions; said with the statement
    used.update({"grants", "policies"})
    if isinstance(grants, list):
        return [f"Granted by {names(grants, label=_grant_phrase)}."]
    by_source: dict[str, list[str]] = {}
    for action, sources in grants.items():
        for source in sources if isinstance(sources, list) else []:
            if isinstance(source, Mapping):
                by_source.setdefault(_grant_phrase(source), []).append(str(action))
    lines = [f"{names(actions)} granted by {source}." for source, actions in by_source.items()]
    return lines or [f"Granted by {names(evidence.get('policies') or [], label=policy_label)}."]


def _grant_phrase(grant: Mapping[str, Any]) -> str:
    phrase = policy_label(spoken(grant.get("policy", "a policy")))
    statement = grant.get("statement")
    if statement is not None and statement != "":
        phrase += f", statement {statement}"
    return phrase


def _actions(evidence: Mapping[str, Any], used: set[str]) -> list[str]:
    actions = evidence.get("actions")
    if (
        "actions" in used
        or not isinstance(actions, list)
        or not actions
        or not all(isinstance(a, str) for a in actions)
    ):
        return []
    used.update({"actions", "action_count"})
    total = evidence.get("action_count")
    count = total if _is_count(total) else len(actions)
    listed = names(actions, limit=LIST_LIMIT)
    if count > len(actions):
        listed = (
            f"{', '.join(actions[:LIST_LIMIT])} and {count - min(len(actions), LIST_LIMIT)} more"
        )
    return [f"{plural(count, 'action')}: {listed}."]


def _identity(evidence: Mapping[str, Any], used: set[str]) -> list[str]:
    if not {"identity", "policy_arn"} <= evidence.keys():
        return []
    used.update({"identity", "identity_type", "policy_arn"})
    kind = evidence.get("identity_type") or "identity"
    return [
        f"{policy_label(spoken(evidence['policy_arn']))} is attached to {spoken(kind)}"
        f" {spoken(evidence['identity'])}."
    ]


def _password_setting(evidence: Mapping[str, Any], used: set[str]) -> list[str]:
    """The password-policy checks: the setting found, the setting required, who it affects."""
    lines: list[str] = []
    said = {
        "minimum_length": (
            "Minimum length {} ({} or more required).",
            "No minimum length is set ({} or more required).",
        ),
        "reuse_prevention": (
            "Remembers the last {} passwords ({} or more required).",
            "Password reuse is not prevented (the last {} should be remembered).",
        ),
        "max_age_days": (
            "Passwords expire after {} days ({} or fewer required).",
            "Passwords never expire (they should within {} days).",
        ),
    }
    wanted_of = {"minimum_length": "required", "reuse_prevention": "required"}
    for setting, (found, missing) in said.items():
        if setting not in evidence:
            continue
        wanted = wanted_of.get(setting, "limit_days")
        used.update({setting, wanted})
        value, need = evidence[setting], spoken(evidence.get(wanted, "?"))
        lines.append(missing.format(need) if value is None else found.format(spoken(value), need))
    if "console_users" in evidence and _is_count(evidence["console_users"]):
        used.add("console_users")
        lines.append(f"Applies to {plural(evidence['console_users'], 'console user')}.")
    return lines


def _key(slot: Mapping[str, Any]) -> str:
    """One access key: "access key 1 (active), last rotated 2025-10-30, last used never"."""
    number = slot.get("key_slot")
    number = "?" if _is_empty(number) else spoken(number)
    state = "active" if slot.get("active") else "inactive"
    parts = [f"access key {number} ({state})"]
    if not _is_empty(slot.get("last_rotated")):
        parts.append(f"last rotated {spoken(slot['last_rotated'])}")
    if not _is_empty(slot.get("last_used")):
        parts.append(f"last used {spoken(slot['last_used'])}")
    return ", ".join(parts)


def _keys(evidence: Mapping[str, Any], used: set[str]) -> list[str]:
    lines: list[str] = []
    if "key_slot" in evidence:
        used.update({"key_slot", "active", "last_rotated", "last_used"})
        lines.append(_sentence(_key(evidence)) + ".")
    for field in ("active_keys", "unused_keys", "active_key_slots"):
        slots = evidence.get(field)
        if isinstance(slots, list) and slots and all(isinstance(s, Mapping) for s in slots):
            used.add(field)
            lines.extend(_sentence(_key(slot)) + "." for slot in slots)
    return lines


def _statement_phrase(statement: Mapping[str, Any]) -> str:
    """One policy statement: "Statement 0 (Sid AllowAll) allows * on *"."""
    head = f"Statement {spoken(statement.get('statement_index', '?'))}"
    if statement.get("sid"):
        head += f" (Sid {spoken(statement['sid'])})"
    parts: list[str] = []
    if statement.get("principal") == "*":
        parts.append("trusts any principal (*)")
    if statement.get("principals"):
        parts.append(f"trusts {names(statement['principals'])}")
    if statement.get("services"):
        parts.append(f"trusts the service {names(statement['services'])}")
    if statement.get("federated"):
        provider = statement.get("provider")
        where = f"{spoken(provider)} ({spoken(statement['federated'])})" if provider else ""
        parts.append(f"trusts {where or spoken(statement['federated'])}")
    if statement.get("not_actions"):
        parts.append(f"allows every action except {names(statement['not_actions'])}")
    elif statement.get("actions"):
        parts.append(f"allows {names(statement['actions'])}")
    if statement.get("resources") and parts:
        parts[-1] += f" on {names(statement['resources'])}"
    grants = statement.get("grants")
    if grants and grants != statement.get("actions"):
        parts.append(f"granting {names(grants)}")
    text = head + " " + (", ".join(parts) if parts else "matches")
    if "restricted_by" in statement:
        restricted = statement["restricted_by"]
        text += (
            f", restricted only by {names(restricted)}"
            if restricted
            else ", with no condition restricting it"
        )
    if statement.get("external_id") is False:
        text += ", without an sts:ExternalId condition"
    if statement.get("mfa_required") is False:
        text += ", without requiring MFA"
    if statement.get("federated"):
        text += ", with no condition naming which of its callers may assume the role"
    if statement.get("fix"):
        text += f"; to fix, {spoken(statement['fix'])}"
    known = {
        "statement_index",
        "sid",
        "principal",
        "principals",
        "services",
        "not_actions",
        "actions",
        "resources",
        "grants",
        "restricted_by",
        "external_id",
        "mfa_required",
        "accounts",
        "federated",
        "provider",
        "fix",
    }
    extra = {k: v for k, v in statement.items() if k not in known and not _is_empty(v)}
    if extra:
        text += f"; {spoken(extra, depth=1)}"
    return text + "."


def _statements(evidence: Mapping[str, Any], used: set[str]) -> list[str]:
    statements = evidence.get("statements")
    if not isinstance(statements, list) or not statements:
        return []
    if not all(isinstance(s, Mapping) for s in statements):
        return []
    used.add("statements")
    for field in ("services", "accounts"):
        if any(s.get(field) for s in statements):
            used.add(field)  # each statement names them already
    lines = [_statement_phrase(s) for s in statements[:LIST_LIMIT]]
    if len(statements) > LIST_LIMIT:
        lines.append(f"{plural(len(statements) - LIST_LIMIT, 'more statement')}.")
    return lines


def _lint(evidence: Mapping[str, Any], used: set[str]) -> list[str]:
    found = evidence.get("lint_findings")
    if not isinstance(found, list) or not found:
        return []
    used.add("lint_findings")
    lines = []
    for item in found[:LIST_LIMIT]:
        if not isinstance(item, Mapping):
            continue
        where = (
            "document"
            if item.get("statement") is None
            else f"statement {spoken(item['statement'])}"
        )
        severity = item.get("severity", "")
        code, message = spoken(item.get("code", "lint")), spoken(item.get("message", ""))
        lines.append(f"{code} ({spoken(severity)}, {where}): {message}")
    return lines


def _methods(evidence: Mapping[str, Any], used: set[str]) -> list[str]:
    """Privilege-escalation methods: id, category, the actions held, the granting policies and
    the resource each action was found allowed on."""
    methods = evidence.get("methods")
    if not isinstance(methods, list) or not methods:
        return []
    used.update({"methods", "method_ids", "targets", "policies", "methods_not_detailed"})
    targets = evidence.get("targets") if isinstance(evidence.get("targets"), Mapping) else {}
    lines = []
    for method in methods[:5]:
        if not isinstance(method, Mapping):
            continue
        actions = [
            a.get("action", "") if isinstance(a, Mapping) else str(a)
            for a in method.get("actions") or []
        ]
        line = spoken(method.get("method", "?"))
        if method.get("category"):
            line += f" ({str(method['category']).replace('-', ' ')})"
        line += f": {names(actions)}"
        if method.get("policies"):
            line += f", granted by {names(method['policies'], label=policy_label)}"
        lines.append(line + ".")
    ids = evidence.get("method_ids") or []
    more = len(ids) - len(lines) if isinstance(ids, list) else 0
    if more > 0:
        lines.append(f"{plural(more, 'more method')}: {names(ids[len(lines) :])}.")
    hidden = evidence.get("methods_not_detailed")
    if _is_count(hidden) and hidden > 0 and more <= 0:
        lines.append(f"{plural(hidden, 'more method')} not detailed here.")
    if targets:
        shown = [
            f"{action} on {spoken(resource)}" for action, resource in list(targets.items())[:4]
        ]
        lines.append(f"Found allowed: {names(shown)}.")
    return lines


def _without_mfa(evidence: Mapping[str, Any], used: set[str]) -> list[str]:
    reasons = evidence.get("without_mfa")
    if not isinstance(reasons, Mapping):
        return []
    used.add("without_mfa")
    held = [str(k).replace("_", " ") for k, v in reasons.items() if v]
    return [f"Allowed without MFA: {names(held)}."] if held else []


def _analyzers(evidence: Mapping[str, Any], used: set[str]) -> list[str]:
    analyzers = evidence.get("analyzers")
    if not isinstance(analyzers, list):
        return []
    used.add("analyzers")
    if not analyzers:
        return ["No analyzer in this region."]
    return [f"Analyzer {spoken(a, depth=1)}." for a in analyzers[:LIST_LIMIT]]


def _analyzer_finding(evidence: Mapping[str, Any], used: set[str]) -> list[str]:
    """An Access Analyzer finding in one sentence: type, id, region, who, what."""
    if "finding_id" not in evidence:
        return []
    used.update({"finding_id", "finding_type", "region", "principals", "is_public", "actions"})
    used.update({"action_count", "resource"})
    kind = spoken(evidence.get("finding_type") or "Access Analyzer")
    text = f"{kind} finding {spoken(evidence['finding_id'])}"
    if evidence.get("region"):
        text += f" in {spoken(evidence['region'])}"
    details = []
    if evidence.get("is_public"):
        details.append("public")
    if evidence.get("principals"):
        details.append(f"principals {names(evidence['principals'])}")
    if evidence.get("actions"):
        details.append(f"actions {names(evidence['actions'])}")
    return [text + (": " + "; ".join(details) if details else "") + "."]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


_COMPOSERS: Sequence[Callable[[Mapping[str, Any], set[str]], list[str]]] = (
    _analyzer_finding,
    _identity,
    _methods,
    _grants,
    _actions,
    _statements,
    _lint,
    _keys,
    _password_setting,
    _without_mfa,
    _analyzers,
)
