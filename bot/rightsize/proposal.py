"""A right-sizing proposal for one user or role: which policies change, which are left alone and
why, and the proof (pure)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

from bot.iam.catalogue import ActionCatalogue
from bot.model.errors import InputError
from bot.model.snapshot import AccountSnapshot, Role, User
from bot.rightsize.proof import Proof, prove
from bot.rightsize.rewrite import (
    INLINE_LIMITS,
    MANAGED_POLICY_LIMIT,
    Rewrite,
    policy_size,
    rewrite_document,
)
from bot.rightsize.usage import UsageEvidence

KINDS = ("user", "role")
POLICY_KINDS = ("managed", "inline", "aws_managed")
COPY_PREFIX = "iam-audit-rightsized-"


def copy_name(aws_name: str, document: dict[str, Any]) -> str:
    """iam-audit-rightsized-<name>-<hash8>: the scoped customer-managed copy of an AWS-managed
    policy (same content, same name; the iam-audit- prefix is what the bot may create)."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:8]
    safe = re.sub(r"[^\w+=,.@-]", "-", aws_name)[: 128 - len(COPY_PREFIX) - 9]
    return f"{COPY_PREFIX}{safe}-{digest}"


@dataclass(frozen=True, slots=True)
class PolicyEdit:
    """One policy of the principal and what becomes of it.

    managed: a new default version (the old version is kept, so undo sets it default again), or
    a detach when nothing is left; inline: replaced, or deleted when nothing is left (the old
    document travels with the request, so undo puts it back).
    """

    kind: str  # "managed" | "inline" | "aws_managed" (replaced by a scoped copy)
    name: str
    arn: str
    old_document: dict[str, Any]
    new_document: dict[str, Any] | None
    old_version: str = ""
    removed_services: tuple[str, ...] = ()
    removed_actions: tuple[str, ...] = ()
    copy_name: str = ""  # aws_managed: the customer-managed copy that replaces it

    @property
    def source(self) -> str:
        return self.name if self.kind == "inline" else self.arn

    @property
    def operation(self) -> str:
        if self.kind == "aws_managed":
            return "copy" if self.new_document is not None else "detach"
        if self.kind == "managed":
            return "new_version" if self.new_document is not None else "detach"
        return "put_inline" if self.new_document is not None else "delete_inline"

    def to_params(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "arn": self.arn,
            "old_version": self.old_version,
            "old_document": self.old_document,
            "new_document": self.new_document,
            "removed_services": list(self.removed_services),
            "removed_actions": list(self.removed_actions),
            "copy_name": self.copy_name,
        }

    @classmethod
    def from_params(cls, data: dict[str, Any]) -> PolicyEdit:
        kind = str(data.get("kind") or "")
        if kind not in POLICY_KINDS:
            raise InputError(f"unknown policy kind {kind!r} in a right-sizing")
        old = data.get("old_document")
        new = data.get("new_document")
        if not isinstance(old, dict) or not (new is None or isinstance(new, dict)):
            raise InputError("a right-sizing needs the old and new policy documents")
        name = str(data.get("name") or "")
        arn = str(data.get("arn") or "")
        if not name or (kind != "inline" and not arn.startswith("arn:")):
            raise InputError("a right-sized policy needs its name (and ARN when managed)")
        copy = str(data.get("copy_name") or "")
        if kind == "aws_managed" and new is not None and not copy.startswith(COPY_PREFIX):
            raise InputError(f"the copy of {name} must be named {COPY_PREFIX}...")
        return cls(
            kind=kind,
            name=name,
            arn=arn,
            old_document=old,
            new_document=new,
            old_version=str(data.get("old_version") or ""),
            removed_services=tuple(data.get("removed_services") or ()),
            removed_actions=tuple(data.get("removed_actions") or ()),
            copy_name=copy,
        )


@dataclass(frozen=True, slots=True)
class Untouched:
    """A policy (or the whole principal) left as it is, and why."""

    what: str
    reason: str


@dataclass(frozen=True, slots=True)
class Proposal:
    principal_kind: str
    principal_name: str
    principal_arn: str
    days: int
    evidence: UsageEvidence
    edits: tuple[PolicyEdit, ...] = ()
    untouched: tuple[Untouched, ...] = ()
    proof: Proof | None = None
    explanation: str = ""  # why nothing is proposed, when nothing is
    notes: tuple[str, ...] = field(default=())

    @property
    def actionable(self) -> bool:
        return bool(self.edits) and self.proof is not None and self.proof.holds

    def remediation_params(self) -> dict[str, Any]:
        """The `rightsize_principal` parameters: what the approver approves, proof included."""
        if not self.actionable or self.proof is None:
            raise InputError(self.explanation or "nothing to right-size")
        evidence = self.evidence
        return {
            "target_kind": self.principal_kind,
            "target_name": self.principal_name,
            "target_arn": self.principal_arn,
            "days": self.days,
            "edits": [e.to_params() for e in self.edits],
            "proof": self.proof.to_dict(),
            "evidence": {
                "sources": list(evidence.sources),
                "notes": list(evidence.notes),
                "tracking_days": evidence.tracking_days(),
                "generated_at": evidence.generated_at.isoformat(),
                "used_services": list(evidence.used_services(self.days)),
                "unused_services": list(evidence.unused_services(self.days)),
                "analyzer_unused": sorted(
                    {*evidence.analyzer.unused_services, *evidence.analyzer.unused_actions}
                )
                if evidence.analyzer
                else [],
                "analyzer_recommendation": evidence.analyzer.recommendation
                if evidence.analyzer
                else "",
            },
            "untouched": [{"what": u.what, "reason": u.reason} for u in self.untouched],
        }


def find_principal(snapshot: AccountSnapshot, kind: str, name: str) -> User | Role:
    if kind not in KINDS:
        raise InputError(f"right-sizing works on a user or a role, not a {kind}")
    entities = snapshot.users if kind == "user" else snapshot.roles
    found = next((e for e in entities if e.name == name), None)
    if found is None:
        raise InputError(f"there is no IAM {kind} named {name!r} in the account data")
    return found


def parse_principal(text: str, snapshot: AccountSnapshot | None = None) -> tuple[str, str]:
    """`user/NAME`, `role/NAME`, an ARN, or a bare name looked up in the snapshot.

    An ARN must be the snapshot's own principal: only its name is looked up, so an ARN of
    another account (or path) would otherwise right-size a namesake of the account read."""
    value = text.strip()
    if value.startswith("arn:"):
        parts = value.split(":", 5)
        kind, _, rest = parts[-1].partition("/")
        found = _checked(kind, rest.rsplit("/", 1)[-1])
        if snapshot is not None:
            _refuse_a_foreign_arn(value, parts, found, snapshot)
        return found
    kind, sep, name = value.partition("/")
    if sep:
        return _checked(kind.lower(), name)
    if snapshot is None:
        raise InputError(f"say user/{value} or role/{value}")
    kinds = [
        k
        for k, group in (("user", snapshot.users), ("role", snapshot.roles))
        if any(e.name == value for e in group)
    ]
    if len(kinds) == 1:
        return kinds[0], value
    if not kinds:
        raise InputError(f"there is no IAM user or role named {value!r} in the account data")
    raise InputError(f"{value!r} is both a user and a role: say user/{value} or role/{value}")


def _refuse_a_foreign_arn(
    arn: str, parts: list[str], found: tuple[str, str], snapshot: AccountSnapshot
) -> None:
    """InputError unless ``arn`` is in the snapshot's account and, when the snapshot holds a
    principal of that name, is that principal's ARN (same path)."""
    account = parts[4] if len(parts) == 6 else ""
    if snapshot.account_id and account != snapshot.account_id:
        raise InputError(
            f"{arn} is in account {account or '(none)'}, but the account data read is of account"
            f" {snapshot.account_id}: use that account's credentials (--profile)"
        )
    kind, name = found
    entities = snapshot.users if kind == "user" else snapshot.roles
    same_name = next((e for e in entities if e.name == name), None)
    if same_name is not None and same_name.arn != arn:
        raise InputError(f"{arn} is not in the account data; its {kind} {name} is {same_name.arn}")


def _checked(kind: str, name: str) -> tuple[str, str]:
    if kind not in KINDS or not name:
        raise InputError("name a user or a role: user/NAME, role/NAME or its ARN")
    return kind, name


def build_proposal(
    snapshot: AccountSnapshot,
    kind: str,
    name: str,
    *,
    evidence: UsageEvidence,
    days: int,
    catalogue: ActionCatalogue,
    copy_aws_managed: bool = False,
) -> Proposal:
    """The proposal; InputError when the window is longer than AWS's tracking period.

    AWS-managed policies cannot be edited: with ``copy_aws_managed`` each is replaced (for this
    principal only) by a customer-managed copy cut down the same way; otherwise it is left."""
    principal = find_principal(snapshot, kind, name)
    evidence.check_window(days)
    base = {
        "principal_kind": kind,
        "principal_name": name,
        "principal_arn": principal.arn,
        "days": days,
        "evidence": evidence,
    }
    if isinstance(principal, Role) and principal.is_service_linked:
        return Proposal(
            **base,
            explanation=(
                f"{name} is a service-linked role: AWS defines and updates its policies and only"
                " the service may change them, so it is not right-sized."
            ),
        )
    edits: list[PolicyEdit] = []
    untouched: list[Untouched] = []
    by_arn = snapshot.policy_by_arn()
    for attached in principal.attached_policies:
        managed = by_arn.get(attached.arn)
        if managed is None:
            untouched.append(Untouched(attached.name, "not in the account data of the last audit"))
            continue
        if managed.is_aws_managed and copy_aws_managed:
            rewrite = rewrite_document(managed.document, evidence, days, catalogue)
            # AWS publishes new default versions of its policies: the one judged goes with the
            # edit, so the apply refuses (before any change) once AWS has moved it.
            version = managed.default_version_id
            edit = _edit("aws_managed", attached.name, managed.arn, rewrite, version)
            if rewrite.document is not None:
                edit = replace(edit, copy_name=copy_name(attached.name, rewrite.document))
            _add(edit, rewrite, MANAGED_POLICY_LIMIT, edits, untouched)
            continue
        if managed.is_aws_managed:
            untouched.append(
                Untouched(
                    attached.name,
                    "AWS-managed: it cannot be edited; ask with --copy-aws-managed to replace it,"
                    " for this principal only, by a scoped customer-managed copy",
                )
            )
            continue
        others = managed.attachment_count - 1
        if others > 0 or managed.boundary_usage_count:
            what = f"{others} other identit{'y' if others == 1 else 'ies'}" if others else ""
            if managed.boundary_usage_count:
                what += (" and " if what else "") + "a permissions boundary"
            untouched.append(
                Untouched(
                    attached.name,
                    f"shared with {what}: a new version would change their access too",
                )
            )
            continue
        rewrite = rewrite_document(managed.document, evidence, days, catalogue)
        edit = _edit("managed", attached.name, managed.arn, rewrite, managed.default_version_id)
        _add(edit, rewrite, MANAGED_POLICY_LIMIT, edits, untouched)
    for inline in principal.inline_policies:
        rewrite = rewrite_document(inline.document, evidence, days, catalogue)
        edit = _edit("inline", inline.name, "", rewrite, "")
        _add(edit, rewrite, INLINE_LIMITS[kind], edits, untouched)
    _fit_inline_total(kind, principal, edits, untouched)
    if isinstance(principal, User):
        for group in principal.groups:
            untouched.append(
                Untouched(f"group {group}", "group policies apply to every member; not changed")
            )
    if not edits:
        return Proposal(
            **base,
            untouched=tuple(untouched),
            explanation=(
                f"Nothing to take away: everything {name}'s own policies allow was used in the"
                f" last {days} days, or the rest is in policies left as they are (below)."
            ),
        )
    replacements = {
        (e.arn if e.kind != "inline" else f"{principal.arn} inline {e.name}"): (
            e.old_document,
            e.new_document,
        )
        for e in edits
    }
    proof = prove(
        snapshot,
        principal=principal,
        replacements=replacements,
        evidence=evidence,
        days=days,
        catalogue=catalogue,
    )
    if principal.permissions_boundary_arn and proof.removed_count == 0:
        boundary = principal.permissions_boundary_arn.rsplit("/", 1)[-1]
        return Proposal(
            **base,
            untouched=tuple(untouched),
            proof=proof,
            explanation=(
                f"{name} is already bounded by its permissions boundary {boundary}: what its"
                " policies allow beyond use is not effective, so nothing is changed."
            ),
        )
    explanation = ""
    if not proof.holds:
        explanation = "The proof failed, so nothing is proposed: " + "; ".join(_failures(proof))
    return Proposal(
        **base,
        edits=tuple(edits),
        untouched=tuple(untouched),
        proof=proof,
        explanation=explanation,
    )


def _edit(kind: str, name: str, arn: str, rewrite: Rewrite, version: str) -> PolicyEdit:
    return PolicyEdit(
        kind=kind,
        name=name,
        arn=arn,
        old_document=rewrite.original,
        new_document=rewrite.document,
        old_version=version,
        removed_services=rewrite.removed_services,
        removed_actions=rewrite.removed_actions,
    )


def _add(
    edit: PolicyEdit,
    rewrite: Rewrite,
    limit: int,
    edits: list[PolicyEdit],
    untouched: list[Untouched],
) -> None:
    if not rewrite.changed:
        return
    if rewrite.document is not None and policy_size(rewrite.document) > limit:
        untouched.append(
            Untouched(
                edit.name,
                f"the used-only version would be {policy_size(rewrite.document)} characters,"
                f" over IAM's limit of {limit}",
            )
        )
        return
    edits.append(edit)


def _fit_inline_total(
    kind: str, principal: User | Role, edits: list[PolicyEdit], untouched: list[Untouched]
) -> None:
    """IAM counts a user's or role's inline policies together against one quota: a rewrite can
    grow (a `NotAction` turned into the list of used services), and rewrites that fit one by
    one may not fit together, which PutUserPolicy / PutRolePolicy would refuse halfway through
    the apply. The edits that grow most are left out (their policies stay as they are) until
    the total fits."""
    limit = INLINE_LIMITS[kind]

    def size(document: dict[str, Any] | None) -> int:
        return 0 if document is None else policy_size(document)

    after = {p.name: size(p.document) for p in principal.inline_policies}
    before = dict(after)
    for edit in edits:
        if edit.kind == "inline":
            after[edit.name] = size(edit.new_document)
    while sum(after.values()) > limit:
        growing = [e for e in edits if e.kind == "inline" and after[e.name] > before[e.name]]
        if not growing:
            return  # over the quota already before the change: IAM's answer then stands
        edit = max(growing, key=lambda e: after[e.name] - before[e.name])
        total = sum(after.values())
        edits.remove(edit)
        after[edit.name] = before[edit.name]
        untouched.append(
            Untouched(
                edit.name,
                f"the used-only versions of the {kind}'s inline policies would total {total:,}"
                f" characters together, over IAM's limit of {limit:,} for all of a {kind}'s"
                " inline policies; this one grows, so it is left as it is",
            )
        )


def _failures(proof: Proof) -> list[str]:
    found = []
    if proof.lost_used:
        found.append("used actions would be lost: " + ", ".join(proof.lost_used[:10]))
    if proof.gained:
        found.append("actions would be gained: " + ", ".join(proof.gained[:10]))
    if proof.lint_new:
        found.append(
            "the new documents have linter findings: "
            + "; ".join(str(f.get("message")) for f in proof.lint_new[:3])
        )
    return found
