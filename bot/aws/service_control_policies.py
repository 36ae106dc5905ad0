"""Read the service control policies (SCPs) over one account from AWS Organizations.

The levels run from the organization's root down to the account itself: the root, each OU on the
way in order, then the account; every level must allow a call for a member account to make it.
Calls: DescribeOrganization (is this the management account?), ListRoots (are SCPs enabled on
the root? when not, none apply and the levels are ``()``), ListParents from the account up to
the root, ListPoliciesForTarget per level, and DescribePolicy once per distinct policy
(FullAWSAccess is attached almost everywhere). A reader keeps what the organization has in
common (its root, OUs and policies) for the accounts it is asked about next, so auditing a whole
organization from the hub costs two calls per account and per OU on the way, one per distinct
policy and three for the organization (pages aside).

Only the management account or a delegated administrator may call all but DescribeOrganization:
a member account is refused, and the SCPs are then unknown (``None``) with a CollectionIssue that
says how to fix it. Policy contents are never logged.
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
from bot.model.snapshot import AccountSnapshot, CollectionIssue, ServiceControlPolicy

log = logging.getLogger(__name__)

T = TypeVar("T")

SCP_TYPE = "SERVICE_CONTROL_POLICY"
# (API, the IAM action that authorizes it)
DESCRIBE_ORGANIZATION = ("DescribeOrganization", "organizations:DescribeOrganization")
LIST_ROOTS = ("ListRoots", "organizations:ListRoots")
LIST_PARENTS = ("ListParents", "organizations:ListParents")
LIST_POLICIES_FOR_TARGET = ("ListPoliciesForTarget", "organizations:ListPoliciesForTarget")
DESCRIBE_POLICY = ("DescribePolicy", "organizations:DescribePolicy")
# Every IAM action the reading needs (policies/bot/audit-readonly.json and hub-organizations.json).
SERVICE_CONTROL_POLICY_ACTIONS: tuple[str, ...] = tuple(
    action
    for _api, action in (
        DESCRIBE_ORGANIZATION,
        LIST_ROOTS,
        LIST_PARENTS,
        LIST_POLICIES_FOR_TARGET,
        DESCRIBE_POLICY,
    )
)
SCP_APIS = frozenset(
    api
    for api, _action in (
        DESCRIBE_ORGANIZATION,
        LIST_ROOTS,
        LIST_PARENTS,
        LIST_POLICIES_FOR_TARGET,
        DESCRIBE_POLICY,
    )
)

# AWS nests OUs at most five deep under the root; more hops than this means a broken answer.
MAX_LEVELS = 10

_NOT_IN_ORGANIZATION_CODES = frozenset({"AWSOrganizationsNotInUseException"})
_NOT_APPLIED = (
    "the service control policies over the account are unknown, so the findings do not apply"
    " them (they may include access that an SCP refuses)"
)


@dataclass(frozen=True, slots=True)
class ScpReading:
    """What was learned about one account: its SCP levels (root first; ``()`` when SCPs are not
    enabled; None when unknown), whether it is the management account, and what went wrong."""

    levels: tuple[tuple[ServiceControlPolicy, ...], ...] | None
    is_management_account: bool | None
    issues: tuple[CollectionIssue, ...] = ()

    def snapshot_fields(self) -> dict[str, Any]:
        return {
            "service_control_policies": self.levels,
            "is_management_account": self.is_management_account,
        }

    def apply_to(self, snapshot: AccountSnapshot) -> AccountSnapshot:
        """The snapshot with this reading in place of whatever it said about SCPs (a member
        collected through its own role cannot read them; the hub can)."""
        kept = tuple(i for i in snapshot.collection_issues if i.api not in SCP_APIS)
        return replace(
            snapshot,
            service_control_policies=self.levels,
            is_management_account=self.is_management_account,
            collection_issues=(*kept, *self.issues),
        )


class _NotInOrganization(Exception):
    """The account is in no organization: SCPs do not apply, and that is not a problem."""


class _Unreadable(Exception):
    """One read failed; the SCP levels are unknown. ``stable``: asking again gives the same."""

    def __init__(self, issue: CollectionIssue, *, stable: bool = False) -> None:
        super().__init__(issue.message)
        self.issue = issue
        self.stable = stable


def read_service_control_policies(organizations: Any, account_id: str) -> ScpReading:
    """The SCPs over ``account_id``, read with an ``organizations`` boto3 client.

    Refusals, throttling and other AWS errors become issues; only rejected credentials raise
    (CollectionError), and botocore's own errors (no connection, an unparsable answer) are left
    to the caller, as for every other read of the collector.
    """
    return ServiceControlPolicyReader(organizations).read(account_id)


def hub_reader(session: boto3.Session) -> ServiceControlPolicyReader:
    """A reader on the hub's session (the management account or a delegated administrator),
    for the member accounts of an organization-wide audit. botocore's own errors (no
    connection, an unparsable answer) become issues too: the hub's reading must not fail a
    member's audit."""
    client = make_client(session, "organizations", region=session.region_name or DEFAULT_REGION)
    return ServiceControlPolicyReader(client, contain_errors=True)


class ServiceControlPolicyReader:
    """Reads the SCP levels of accounts of one organization, sharing what they have in common.

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

    def read(self, account_id: str) -> ScpReading:
        try:
            organization = self._once("organization", self._describe_organization)
        except _NotInOrganization:
            return ScpReading(None, None)
        except _Unreadable as exc:
            return ScpReading(None, None, (exc.issue,))
        management = str(organization.get("MasterAccountId") or "")
        is_management = account_id == management if management else None
        try:
            levels = self._levels(account_id)
        except _NotInOrganization:  # the organization went away between two calls
            return ScpReading(None, None)
        except _Unreadable as exc:
            return ScpReading(None, is_management, (exc.issue,))
        return ScpReading(levels, is_management)

    # --- the levels ---------------------------------------------------------------------------

    def _levels(self, account_id: str) -> tuple[tuple[ServiceControlPolicy, ...], ...]:
        roots = self._once("roots", self._list_roots)
        if not any(_scps_enabled(root) for root in roots):
            return ()  # AWS applies no SCP when the policy type is not enabled on the root
        return tuple(self._policies_at(target) for target in self._path_from_root(account_id))

    def _path_from_root(self, account_id: str) -> tuple[str, ...]:
        path = [account_id]
        child = account_id
        for _ in range(MAX_LEVELS):
            parent = self._once(("parent", child), lambda c=child: self._parent_of(c))
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
                    f" within {MAX_LEVELS} levels; {_NOT_APPLIED}"
                ),
                code="TooDeep",
            )
        )

    def _policies_at(self, target: str) -> tuple[ServiceControlPolicy, ...]:
        summaries = self._once(("target", target), lambda: self._list_policies_for(target))
        return tuple(
            ServiceControlPolicy(
                name=name,
                document=self._once(("policy", policy_id), lambda p=policy_id: self._content(p)),
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
        )

    def _list_roots(self) -> tuple[dict[str, Any], ...]:
        def call() -> tuple[dict[str, Any], ...]:
            pages = self._client.get_paginator("list_roots").paginate()
            return tuple(root for page in pages for root in page.get("Roots", []))

        return self._call(LIST_ROOTS, call)

    def _parent_of(self, child: str) -> dict[str, str]:
        def call() -> list[dict[str, str]]:
            pages = self._client.get_paginator("list_parents").paginate(ChildId=child)
            return [
                {"Id": str(parent["Id"]), "Type": str(parent["Type"])}
                for page in pages
                for parent in page.get("Parents", [])
            ]

        parents = self._call(LIST_PARENTS, call)
        if not parents:
            api, action = LIST_PARENTS
            raise _Unreadable(
                CollectionIssue(
                    api=api,
                    action=action,
                    message=f"{api} named no parent for {child}; {_NOT_APPLIED}",
                    code="NoParent",
                )
            )
        return parents[0]

    def _list_policies_for(self, target: str) -> tuple[tuple[str, str], ...]:
        def call() -> tuple[tuple[str, str], ...]:
            pages = self._client.get_paginator("list_policies_for_target").paginate(
                TargetId=target, Filter=SCP_TYPE
            )
            found = {
                str(policy["Id"]): str(policy.get("Name", ""))
                for page in pages
                for policy in page.get("Policies", [])
            }
            return tuple(found.items())

        return self._call(LIST_POLICIES_FOR_TARGET, call)

    def _content(self, policy_id: str) -> dict[str, Any]:
        content = self._call(
            DESCRIBE_POLICY,
            lambda: self._client.describe_policy(PolicyId=policy_id)["Policy"].get("Content"),
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
                        f"service control policy {policy_id} is not a JSON policy document;"
                        f" {_NOT_APPLIED}"
                    ),
                    code="MalformedPolicy",
                ),
                stable=True,
            )
        return document

    def _call(self, what: tuple[str, str], call: Callable[[], T]) -> T:
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
                message = (
                    f"{api} was denied: the service control policies over the account can be"
                    " read only from the organization's management account or a delegated"
                    " administrator for AWS Organizations, with "
                    + ", ".join(SERVICE_CONTROL_POLICY_ACTIONS)
                    + f"; run the audit from there (or grant them). Until then {_NOT_APPLIED}"
                )
                raise _Unreadable(
                    CollectionIssue(api=api, action=action, message=message, code=code),
                    stable=True,
                ) from exc
            message = describe_client_error(exc, api=api, action=action)
            raise _Unreadable(
                CollectionIssue(
                    api=api, action=action, message=f"{message}; {_NOT_APPLIED}", code=code
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
                    message=f"{message}; {_NOT_APPLIED}",
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


def _scps_enabled(root: dict[str, Any]) -> bool:
    return any(
        kind.get("Type") == SCP_TYPE and kind.get("Status") == "ENABLED"
        for kind in root.get("PolicyTypes", [])
    )
