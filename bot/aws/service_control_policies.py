"""Read the organization policies over one account from AWS Organizations: its service control
policies (SCPs) and its resource control policies (RCPs), in one pass.

The levels of each kind run from the organization's root down to the account itself: the root,
each OU on the way in order, then the account; every level must allow a request (SCPs: one made
by the account's principals; RCPs: one on the account's resources) for AWS to allow it. Calls:
DescribeOrganization (is this the management account?), ListRoots (which kinds are enabled on
the root? a kind that is not applies nowhere and its levels are ``()``), ListParents from the
account up to the root (once, for both kinds), ListPoliciesForTarget per level and enabled kind
(filtered by kind), and DescribePolicy once per distinct policy (FullAWSAccess and
RCPFullAWSAccess are attached almost everywhere). A reader keeps what the organization has in
common (its root, OUs and policies) for the accounts it is asked about next, so auditing a whole
organization from the hub costs, pages aside: DescribeOrganization and ListRoots once; one
ListParents per account and per OU on the way; one ListPoliciesForTarget per root, OU and
account and per enabled kind; one DescribePolicy per distinct policy.

RCPs do not apply to the management account; they are read for it all the same (the audit skips
them there, knowing ``is_management_account``). Only the management account or a delegated
administrator may call all but DescribeOrganization: a member account is refused, and the
policies are then unknown (``None``) with a CollectionIssue that says how to fix it. Policy
contents are never logged.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from bot.aws.errors import (
    MALFORMED_ANSWER_ERRORS,
    describe_client_error,
    describe_malformed_answer,
    error_code,
    is_access_denied,
    is_credentials_problem,
    short_reason,
    translate_client_error,
)
from bot.aws.session import DEFAULT_REGION, make_client
from bot.model.snapshot import (
    AccountSnapshot,
    CollectionIssue,
    ResourceControlPolicy,
    ServiceControlPolicy,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

Levels = tuple[tuple[ServiceControlPolicy, ...], ...]


@dataclass(frozen=True, slots=True)
class PolicyKind:
    """One type of organization policy: AWS's name for it (the root's PolicyTypes entry and the
    ListPoliciesForTarget filter) and how the issues name it."""

    policy_type: str
    singular: str
    short: str

    @property
    def plural(self) -> str:
        return f"{self.singular.removesuffix('policy')}policies"


SCP = PolicyKind("SERVICE_CONTROL_POLICY", "service control policy", "SCP")
RCP = PolicyKind("RESOURCE_CONTROL_POLICY", "resource control policy", "RCP")
KINDS = (SCP, RCP)

# (API, the IAM action that authorizes it)
DESCRIBE_ORGANIZATION = ("DescribeOrganization", "organizations:DescribeOrganization")
LIST_ROOTS = ("ListRoots", "organizations:ListRoots")
LIST_PARENTS = ("ListParents", "organizations:ListParents")
LIST_POLICIES_FOR_TARGET = ("ListPoliciesForTarget", "organizations:ListPoliciesForTarget")
DESCRIBE_POLICY = ("DescribePolicy", "organizations:DescribePolicy")
_CALLS = (
    DESCRIBE_ORGANIZATION,
    LIST_ROOTS,
    LIST_PARENTS,
    LIST_POLICIES_FOR_TARGET,
    DESCRIBE_POLICY,
)
# Every IAM action the reading of both kinds needs (policies/bot/audit-readonly.json and
# hub-organizations.json), and the APIs whose issues a reading replaces on a snapshot.
ORGANIZATION_POLICY_ACTIONS: tuple[str, ...] = tuple(action for _api, action in _CALLS)
ORGANIZATION_POLICY_APIS = frozenset(api for api, _action in _CALLS)

# AWS nests OUs at most five deep under the root; more hops than this means a broken answer.
MAX_LEVELS = 10

_NOT_IN_ORGANIZATION_CODES = frozenset({"AWSOrganizationsNotInUseException"})


def _not_applied(kinds: tuple[PolicyKind, ...]) -> str:
    """What an unknown reading means for the findings, for the kinds it leaves unknown."""
    names = " and ".join(kind.plural for kind in kinds)
    refusers = " or an ".join(kind.short for kind in kinds)
    return (
        f"the {names} over the account are unknown, so the findings do not apply them"
        f" (they may include access that an {refusers} refuses)"
    )


@dataclass(frozen=True, slots=True)
class OrganizationPolicyReading:
    """What was learned about one account: its SCP levels (``levels``) and RCP levels
    (``rcp_levels``), each root first, ``()`` when that kind is not enabled on the root and None
    when unknown; whether it is the management account; its organization's id; and what went
    wrong."""

    levels: Levels | None
    is_management_account: bool | None
    issues: tuple[CollectionIssue, ...] = ()
    rcp_levels: tuple[tuple[ResourceControlPolicy, ...], ...] | None = None
    organization_id: str | None = None  # "" when the account is in no organization

    def snapshot_fields(self) -> dict[str, Any]:
        return {
            "service_control_policies": self.levels,
            "resource_control_policies": self.rcp_levels,
            "is_management_account": self.is_management_account,
            "organization_id": self.organization_id,
        }

    def apply_to(self, snapshot: AccountSnapshot) -> AccountSnapshot:
        """The snapshot with this reading in place of whatever it said about SCPs and RCPs (a
        member collected through its own role cannot read them; the hub can)."""
        kept = tuple(i for i in snapshot.collection_issues if i.api not in ORGANIZATION_POLICY_APIS)
        return replace(snapshot, **self.snapshot_fields(), collection_issues=(*kept, *self.issues))


class _NotInOrganization(Exception):
    """The account is in no organization: no SCP or RCP applies, and that is not a problem."""


class _Unreadable(Exception):
    """One read failed; the levels it was for are unknown. ``stable``: asking again gives the
    same."""

    def __init__(self, issue: CollectionIssue, *, stable: bool = False) -> None:
        super().__init__(issue.message)
        self.issue = issue
        self.stable = stable


def read_organization_policies(organizations: Any, account_id: str) -> OrganizationPolicyReading:
    """The SCPs and RCPs over ``account_id``, read with an ``organizations`` boto3 client.

    Refusals, throttling and other AWS errors become issues; only rejected credentials raise
    (CollectionError), and botocore's own errors (no connection, an unparsable answer) are left
    to the caller, as for every other read of the collector.
    """
    return OrganizationPolicyReader(organizations).read(account_id)


def hub_reader(session: boto3.Session) -> OrganizationPolicyReader:
    """A reader on the hub's session (the management account or a delegated administrator),
    for the member accounts of an organization-wide audit. botocore's own errors (no
    connection, an unparsable answer) become issues too: the hub's reading must not fail a
    member's audit."""
    client = make_client(session, "organizations", region=session.region_name or DEFAULT_REGION)
    return OrganizationPolicyReader(client, contain_errors=True)


class OrganizationPolicyReader:
    """Reads the SCP and RCP levels of accounts of one organization, sharing what they have in
    common.

    Thread-safe (the organization-wide audit asks from many threads): each root, OU, policy and
    the organization itself is read once per reader. A refusal is remembered too (asking again
    would only be refused again); throttling and other errors are not, so the next account tries
    again. Make a new reader per audit run: policies change.

    ``contain_errors``: botocore's own errors become issues as well (the collector's reader
    handles them itself, with its retries of an unparsable answer).
    """

    def __init__(self, organizations: Any, *, contain_errors: bool = False) -> None:
        self._client = organizations
        self._contain = contain_errors
        self._lock = threading.Lock()
        self._key_locks: dict[Hashable, threading.Lock] = {}
        self._known: dict[Hashable, Any] = {}

    def read(self, account_id: str) -> OrganizationPolicyReading:
        try:
            organization = self._once("organization", self._describe_organization)
        except _NotInOrganization:
            return OrganizationPolicyReading(None, None, organization_id="")
        except _Unreadable as exc:
            return OrganizationPolicyReading(None, None, (exc.issue,))
        management = str(organization.get("MasterAccountId") or "")
        is_management = account_id == management if management else None
        organization_id = str(organization.get("Id") or "") or None
        try:
            reading = self._read_levels(account_id, is_management)
        except _NotInOrganization:  # the organization went away between two calls
            return OrganizationPolicyReading(None, None, organization_id="")
        return replace(reading, organization_id=organization_id)

    # --- the levels ---------------------------------------------------------------------------

    def _read_levels(
        self, account_id: str, is_management: bool | None
    ) -> OrganizationPolicyReading:
        """Both kinds over one path: a failure on the way (roots, parents) leaves every enabled
        kind unknown; a failure reading one kind's policies leaves only that kind unknown."""
        try:
            roots = self._once("roots", self._list_roots)
        except _Unreadable as exc:
            return OrganizationPolicyReading(None, is_management, (exc.issue,))
        # AWS applies no policy of a kind that is not enabled on the root.
        enabled = tuple(kind for kind in KINDS if any(_enabled(root, kind) for root in roots))
        try:
            path = self._path_from_root(account_id, enabled) if enabled else ()
        except _Unreadable as exc:
            return OrganizationPolicyReading(
                None if SCP in enabled else (),
                is_management,
                (exc.issue,),
                None if RCP in enabled else (),
            )
        levels: dict[PolicyKind, Levels | None] = {}
        issues: list[CollectionIssue] = []
        for kind in KINDS:
            if kind not in enabled:
                levels[kind] = ()
                continue
            try:
                levels[kind] = tuple(self._policies_at(kind, target) for target in path)
            except _Unreadable as exc:
                levels[kind] = None
                issues.append(exc.issue)
        return OrganizationPolicyReading(levels[SCP], is_management, tuple(issues), levels[RCP])

    def _path_from_root(self, account_id: str, kinds: tuple[PolicyKind, ...]) -> tuple[str, ...]:
        path = [account_id]
        child = account_id
        for _ in range(MAX_LEVELS):
            parent = self._once(("parent", child), lambda c=child: self._parent_of(c, kinds))
            path.append(parent["Id"])
            if parent["Type"] == "ROOT":
                return tuple(reversed(path))
            child = parent["Id"]
        api, action = LIST_PARENTS
        raise _Unreadable(
            CollectionIssue(
                api=api,
                action=action,
                message=(
                    f"{api} did not reach the organization's root from account {account_id}"
                    f" within {MAX_LEVELS} levels; {_not_applied(kinds)}"
                ),
                code="TooDeep",
            )
        )

    def _policies_at(self, kind: PolicyKind, target: str) -> Levels:
        summaries = self._once(
            ("target", kind.policy_type, target), lambda: self._list_policies_for(kind, target)
        )
        return tuple(
            ServiceControlPolicy(  # an RCP has the same shape (ResourceControlPolicy)
                name=name,
                document=self._once(
                    ("policy", policy_id), lambda p=policy_id: self._content(kind, p)
                ),
                policy_id=policy_id,
                target=target,
            )
            for policy_id, name in summaries
        )

    # --- one call each ------------------------------------------------------------------------

    def _describe_organization(self) -> dict[str, Any]:
        return self._call(
            DESCRIBE_ORGANIZATION,
            lambda: dict(self._client.describe_organization()["Organization"]),
            KINDS,
        )

    def _list_roots(self) -> tuple[dict[str, Any], ...]:
        def call() -> tuple[dict[str, Any], ...]:
            pages = self._client.get_paginator("list_roots").paginate()
            return tuple(root for page in pages for root in page.get("Roots", []))

        return self._call(LIST_ROOTS, call, KINDS)

    def _parent_of(self, child: str, kinds: tuple[PolicyKind, ...]) -> dict[str, str]:
        def call() -> list[dict[str, str]]:
            pages = self._client.get_paginator("list_parents").paginate(ChildId=child)
            return [
                {"Id": str(parent["Id"]), "Type": str(parent["Type"])}
                for page in pages
                for parent in page.get("Parents", [])
            ]

        parents = self._call(LIST_PARENTS, call, kinds)
        if not parents:
            api, action = LIST_PARENTS
            raise _Unreadable(
                CollectionIssue(
                    api=api,
                    action=action,
                    message=f"{api} named no parent for {child}; {_not_applied(kinds)}",
                    code="NoParent",
                )
            )
        return parents[0]

    def _list_policies_for(self, kind: PolicyKind, target: str) -> tuple[tuple[str, str], ...]:
        def call() -> tuple[tuple[str, str], ...]:
            pages = self._client.get_paginator("list_policies_for_target").paginate(
                TargetId=target, Filter=kind.policy_type
            )
            found = {
                str(policy["Id"]): str(policy.get("Name", ""))
                for page in pages
                for policy in page.get("Policies", [])
            }
            return tuple(found.items())

        return self._call(LIST_POLICIES_FOR_TARGET, call, (kind,))

    def _content(self, kind: PolicyKind, policy_id: str) -> dict[str, Any]:
        content = self._call(
            DESCRIBE_POLICY,
            lambda: self._client.describe_policy(PolicyId=policy_id)["Policy"].get("Content"),
            (kind,),
        )
        try:
            document = json.loads(content) if isinstance(content, str) else None
        except ValueError:
            document = None
        if not isinstance(document, dict):
            api, action = DESCRIBE_POLICY
            raise _Unreadable(
                CollectionIssue(
                    api=api,
                    action=action,
                    message=(
                        f"{kind.singular} {policy_id} is not a JSON policy document;"
                        f" {_not_applied((kind,))}"
                    ),
                    code="MalformedPolicy",
                ),
                stable=True,
            )
        return document

    def _call(
        self, what: tuple[str, str], call: Callable[[], T], kinds: tuple[PolicyKind, ...]
    ) -> T:
        """``call()``, its failures turned into an issue about the ``kinds`` it was read for."""
        api, action = what
        try:
            return call()
        except ClientError as exc:
            code = error_code(exc)
            if is_credentials_problem(exc):
                raise translate_client_error(exc, api=api, action=action) from exc
            if code in _NOT_IN_ORGANIZATION_CODES:
                raise _NotInOrganization from exc
            if is_access_denied(exc):
                names = " and ".join(kind.plural for kind in kinds)
                message = (
                    f"{api} was denied: the {names} over the account can be"
                    " read only from the organization's management account or a delegated"
                    " administrator for AWS Organizations, with "
                    + ", ".join(ORGANIZATION_POLICY_ACTIONS)
                    + f"; run the audit from there (or grant them). Until then"
                    f" {_not_applied(kinds)}"
                )
                raise _Unreadable(
                    CollectionIssue(api=api, action=action, message=message, code=code),
                    stable=True,
                ) from exc
            message = describe_client_error(exc, api=api, action=action)
            raise _Unreadable(
                CollectionIssue(
                    api=api, action=action, message=f"{message}; {_not_applied(kinds)}", code=code
                )
            ) from exc
        except (BotoCoreError, *MALFORMED_ANSWER_ERRORS) as exc:
            if not self._contain:
                raise
            log.debug("%s failed", api, exc_info=True)
            if isinstance(exc, BotoCoreError):
                message = f"{api} could not be completed ({short_reason(str(exc))})"
            else:
                message = describe_malformed_answer(exc, api=api)
            raise _Unreadable(
                CollectionIssue(
                    api=api,
                    action=action,
                    message=f"{message}; {_not_applied(kinds)}",
                    code=type(exc).__name__,
                )
            ) from exc

    # --- read once per reader ------------------------------------------------------------------

    def _once(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` the first time ``key`` is asked for, by one thread; its answer (or a
        refusal that would only repeat) for every later caller."""
        with self._lock:
            if key in self._known:
                return _answer(self._known[key])
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._known:
                    return _answer(self._known[key])
            try:
                value = compute()
            except _NotInOrganization as exc:
                self._remember(key, exc)
                raise
            except _Unreadable as exc:
                if exc.stable:
                    self._remember(key, exc)
                raise
            self._remember(key, value)
            return value

    def _remember(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._known[key] = value


def _answer(known: Any) -> Any:
    if isinstance(known, _NotInOrganization):
        raise _NotInOrganization
    if isinstance(known, _Unreadable):
        raise _Unreadable(known.issue, stable=True)
    return known


def _enabled(root: dict[str, Any], kind: PolicyKind) -> bool:
    return any(
        entry.get("Type") == kind.policy_type and entry.get("Status") == "ENABLED"
        for entry in root.get("PolicyTypes", [])
    )
