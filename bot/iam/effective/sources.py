"""Where a principal's policies come from: its own, its groups', its boundary, the SCPs over
its account; and the facts the snapshot fixes about it (its ARN, tags, the audit time)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from bot.iam.chosen_suffix import ChosenSuffix, FactValue
from bot.iam.resolved_policy import ABSENT, PolicySource, document_key
from bot.iam.scp_ceiling import ScpCeiling, scp_ceiling
from bot.model.snapshot import AccountSnapshot, Role, User


@dataclass(frozen=True, slots=True)
class PrincipalRef:
    arn: str
    name: str
    kind: str  # "user" | "role"
    path: str = "/"
    principal_id: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    is_service_linked: bool = False


def gather_policies(
    snapshot: AccountSnapshot,
    principal: User | Role,
    *,
    policies: Mapping[str, Any] | None = None,
    document_keys: dict[int, str] | None = None,
    shared_sources: dict[tuple[Any, ...], Any] | None = None,
    groups: Mapping[str, Any] | None = None,
) -> tuple[tuple[PolicySource, ...], PolicySource | None, tuple[str, ...]]:
    """(identity policies, boundary, ARNs of attached policies missing from the snapshot).

    ``document_keys``: id(inline document) -> its hash, and ``shared_sources``: one
    PolicySource per policy and way it reaches a principal (a managed policy attached to
    thousands, a group's inline policy for each member), for a caller that keeps the snapshot
    (so the documents) alive while it asks for many principals; ``groups``: the snapshot's
    groups by name, built once by such a caller."""
    by_arn = policies if policies is not None else snapshot.policy_by_arn()
    missing: list[str] = []
    sources: list[PolicySource] = []
    own_via = "user" if isinstance(principal, User) else "role"

    def add_entity(entity: Any, via: str) -> None:
        for attached in entity.attached_policies:
            managed = by_arn.get(attached.arn)
            if managed is None:
                missing.append(attached.arn)
                continue
            shared_key: tuple[Any, ...] = ("managed", managed.arn, via, id(managed.document))
            source = shared_sources.get(shared_key) if shared_sources is not None else None
            if source is None:
                key = f"{managed.arn}#{managed.default_version_id}"
                source = PolicySource(managed.arn, "managed", via, managed.document, key)
                if shared_sources is not None:
                    shared_sources[shared_key] = source
            sources.append(source)
        for inline in entity.inline_policies:
            shared_key = ("inline", entity.arn, inline.name, via, id(inline.document))
            source = shared_sources.get(shared_key) if shared_sources is not None else None
            if source is None:
                source = PolicySource(
                    f"{entity.arn} inline {inline.name}",
                    "inline",
                    via,
                    inline.document,
                    "inline:" + _document_key(inline.document, document_keys),
                )
                if shared_sources is not None:
                    shared_sources[shared_key] = source
            sources.append(source)

    add_entity(principal, own_via)
    if isinstance(principal, User):
        if groups is None:
            groups = snapshot.group_by_name()
        for group_name in principal.groups:
            group = groups.get(group_name)
            if group is not None:
                add_entity(group, f"group:{group_name}")
    if not (isinstance(principal, Role) and principal.is_service_linked):
        # The SCPs' Denies (and allow lists) limit every member principal but service-linked
        # roles: read as one more identity policy each (see bot.iam.scp_ceiling).
        sources.extend(_scp_sources(snapshot, shared_sources))
    boundary: PolicySource | None = None
    if principal.permissions_boundary_arn:
        managed = by_arn.get(principal.permissions_boundary_arn)
        if managed is None:
            missing.append(principal.permissions_boundary_arn)
            # An unknown boundary still limits: treat it as allowing nothing we can prove.
            boundary = PolicySource(principal.permissions_boundary_arn, "boundary", own_via, {}, "")
        else:
            key = f"{managed.arn}#{managed.default_version_id}"
            boundary = PolicySource(managed.arn, "boundary", own_via, managed.document, key)
    return tuple(sources), boundary, tuple(missing)


def _scp_sources(
    snapshot: AccountSnapshot, shared_sources: dict[tuple[Any, ...], Any] | None
) -> tuple[PolicySource, ...]:
    """The account's SCPs as Deny policies (see bot.iam.scp_ceiling)."""
    if snapshot.service_control_policies is None:
        return ()
    return _shared_ceiling(snapshot, shared_sources).sources


def _shared_ceiling(
    snapshot: AccountSnapshot, shared_sources: dict[tuple[Any, ...], Any] | None
) -> ScpCeiling:
    """scp_ceiling, worked out once per caller keeping shared sources (an index)."""
    if shared_sources is None:
        return scp_ceiling(snapshot)
    key = ("scp", id(snapshot))
    found = shared_sources.get(key)
    if found is None:
        found = shared_sources[key] = scp_ceiling(snapshot)
    return found


def _document_key(document: Any, keys: dict[int, str] | None) -> str:
    if keys is None:
        return document_key(document)
    found = keys.get(id(document))
    if found is None:
        found = keys[id(document)] = document_key(document)
    return found


def principal_ref(principal: User | Role) -> PrincipalRef:
    if isinstance(principal, User):
        return PrincipalRef(
            principal.arn, principal.name, "user", principal.path, principal.user_id, principal.tags
        )
    return PrincipalRef(
        principal.arn,
        principal.name,
        "role",
        principal.path,
        principal.role_id,
        principal.tags,
        principal.is_service_linked,
    )


@lru_cache(maxsize=8)
def _clock_facts(now: datetime) -> dict[str, tuple[str, ...]]:
    """The request time keys, formatted once per audit time (not once per principal)."""
    return {
        "aws:currenttime": (now.strftime("%Y-%m-%dT%H:%M:%SZ"),),
        "aws:epochtime": (str(int(now.timestamp())),),
    }


# Keys only service-principal requests carry (see principal_facts).
_SOURCE_KEYS = ("aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths")

_NO_SOURCE: dict[str, tuple[str, ...]] = dict.fromkeys(_SOURCE_KEYS, ABSENT)

# Keys set only on calls made for the principal by AWS, never on the principal's own (see
# principal_facts).
_OWN_CALLS: dict[str, tuple[str, ...]] = {
    "kms:viaservice": ABSENT,
    "kms:grantisforawsresource": ("false",),
    "iam:roletemplatearn": ABSENT,
}


def principal_facts(
    ref: PrincipalRef, account_id: str, now: datetime, organization_id: str | None = None
) -> dict[str, FactValue]:
    """What the snapshot and the clock fix about any request this principal makes.

    The audit asks about the audited account's own resources (its roles, users, policies and
    probe ARNs), so their account is the resource account: a statement limited to other
    accounts' buckets (StringNotEquals s3:ResourceAccount, as CDK's deploy role has) grants
    nothing here. The aws:Source* keys are set only when a service principal calls on behalf of
    a resource (IAM User Guide, "AWS global condition context keys"): never for a user's or a
    role session's own requests, so they are absent. The audit judges the calls the principal
    makes itself: kms:ViaService is set only when an AWS service calls KMS on its behalf and
    kms:GrantIsForAWSResource is true only when an integrated service manages the grant (AWS
    KMS Developer Guide, "AWS KMS condition keys"), and iam:RoleTemplateARN only on the IAM
    writes iam:AcquireRole makes from an AWS role template, whose trust and policies the
    template fixes (IAM User Guide, "Overview of role templates"). A kms:Decrypt kept to S3 or
    Identity Center decrypts only what that service's own calls return, which their own
    permissions govern, and CreateRole kept to a template writes no trust policy of the
    caller's. ``organization_id`` (the account's, ""
    when it is in none, None when unknown) fixes aws:PrincipalOrgID: a trust kept to the
    organization then lets the account's own principals in for certain, or, kept to another
    one, keeps them out."""
    facts: dict[str, FactValue] = {
        **_clock_facts(now),
        "aws:principalarn": (ref.arn,),
        "aws:principalaccount": (account_id,),
        "aws:principalisawsservice": ("false",),
        "aws:resourceaccount": (account_id,),
        "s3:resourceaccount": (account_id,),
        **_NO_SOURCE,
        **_OWN_CALLS,
    }
    if organization_id is not None:
        facts["aws:principalorgid"] = (organization_id,) if organization_id else ABSENT
    if ref.kind == "user":
        facts["aws:principaltype"] = ("User",)
        facts["aws:username"] = (ref.name,)
        if ref.principal_id:
            facts["aws:userid"] = (ref.principal_id,)
    else:
        facts["aws:principaltype"] = ("AssumedRole",)
        facts["aws:username"] = ABSENT
        if ref.principal_id:
            # role-id:session-name, the session name the caller's (bot.iam.chosen_suffix).
            facts["aws:userid"] = ChosenSuffix(f"{ref.principal_id}:")
    return facts
