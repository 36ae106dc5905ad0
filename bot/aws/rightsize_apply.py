"""The I/O half of the right-sizing remediations: their steps, for RemediationExecutor.

Each step checks first that the policy is still what the approver saw (the default version id
of a managed policy, the document of an inline one) and refuses otherwise, so an approval never
overwrites a change made since. A managed policy that already has IAM's maximum of five
versions is refused with the fix, rather than deleting a version nobody approved deleting.
Every one of those checks, and IAM's size quotas (6,144 characters for a managed policy, the
inline policies of a user or role counted together), is also run for all the edits before the
first change: a refusal that can be known up front leaves nothing to roll back.
A restore likewise checks that each policy is still as the right-sizing left it.
Rollback of a failed apply: the previous version is made default again and the new one deleted;
inline documents are put back. A CreatePolicyVersion resent by botocore after a lost answer may
have made identical versions: those this apply made are deleted (see _new_version_step).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from botocore.exceptions import ClientError

from bot.aws.apply_records import (
    TAG_APPROVER,
    TAG_REQUEST,
    TAG_REQUESTER,
    ApplyContext,
    CallRecord,
    StepExecutor,
)
from bot.aws.errors import error_code
from bot.model.errors import RemediationError
from bot.remediation.fixes.rightsize import RESTORE, RIGHTSIZE
from bot.rightsize.proposal import PolicyEdit
from bot.rightsize.rewrite import INLINE_LIMITS, MANAGED_POLICY_LIMIT, policy_size

MAX_POLICY_VERSIONS = 5  # IAM's quota of versions per managed policy

log = logging.getLogger(__name__)


@dataclass
class Step:
    """Same shape as the executor's own steps: a name, the change and its rollback."""

    name: str
    do: Callable[[], None]
    undo: Callable[[], None] | None = None
    changes: bool = True  # False: a check that only reads (nothing to roll back)


def _noun(kind: str) -> str:
    return {"user": "User", "role": "Role"}[kind]


def iam_document(value: Any) -> dict[str, Any]:
    """A policy document as IAM returns it (URL-encoded JSON text, or already parsed)."""
    if isinstance(value, str):
        return json.loads(unquote(value))
    return dict(value or {})


class _Calls:
    """The executor's recorded calls, bound to one apply. For a right-sizing, ``target`` (the
    principal) and the edit a change belongs to go with its record (``detail.rightsize``), so a
    partly applied one can be undone edit by edit from its journal alone (undo_of_partial)."""

    def __init__(
        self, ex: StepExecutor, calls: list[CallRecord], target: dict[str, str] | None = None
    ) -> None:
        self.ex = ex
        self.calls = calls
        self.target = target

    def __call__(
        self,
        api: str,
        *,
        rollback: bool = False,
        edit: PolicyEdit | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        if edit is not None and self.target is not None and not rollback:
            mark = {**self.target, "edit": edit.to_params()}
            kwargs["detail"] = {**(kwargs.get("detail") or {}), "rightsize": mark}
        return self.ex.call(self.calls, "iam", api, rollback=rollback, **kwargs)


def _check_default(call: _Calls, edit: PolicyEdit, expected: str) -> None:
    policy = call("GetPolicy", PolicyArn=edit.arn)["Policy"]
    current = policy.get("DefaultVersionId")
    if current != expected:
        raise RemediationError(
            f"policy {edit.name} changed since the request: its default version is now"
            f" {current}, not {expected}. Nothing was changed; ask for a new right-sizing."
        )


def _inline_now(call: _Calls, kind: str, name: str, policy: str) -> dict[str, Any] | None:
    """The inline policy's document now; None when the principal has no such policy."""
    noun = _noun(kind)
    try:
        found = call(f"Get{noun}Policy", **{f"{noun}Name": name, "PolicyName": policy})
    except RemediationError as exc:
        cause = exc.__cause__
        if isinstance(cause, ClientError) and error_code(cause) == "NoSuchEntity":
            return None
        raise
    return iam_document(found.get("PolicyDocument"))


def _check_inline(call: _Calls, kind: str, name: str, edit: PolicyEdit, expected: Any) -> None:
    """The inline policy holds ``expected`` (None: it does not exist), else a refusal."""
    if _inline_now(call, kind, name, edit.name) != expected:
        raise RemediationError(
            f"inline policy {edit.name} of {kind} {name} changed since the request. Nothing was"
            " changed; ask for a new right-sizing."
        )


def _check_version_room(call: _Calls, edit: PolicyEdit) -> set[str]:
    """The ids of the policy's versions, refused at IAM's quota of five."""
    versions = call("ListPolicyVersions", PolicyArn=edit.arn).get("Versions") or []
    if len(versions) >= MAX_POLICY_VERSIONS:
        raise RemediationError(
            f"policy {edit.name} already has {len(versions)} versions, IAM's maximum:"
            " delete an old non-default version (iam:DeletePolicyVersion), then approve a"
            " new right-sizing"
        )
    return {str(v.get("VersionId")) for v in versions}


def _check_rightsized_default(call: _Calls, edit: PolicyEdit) -> str:
    """Before a restore: the default version (its id returned) is still the right-sized
    document (or already the old version again), so setting the old one default overwrites
    nobody's later version."""
    current = str(call("GetPolicy", PolicyArn=edit.arn)["Policy"].get("DefaultVersionId"))
    if current == edit.old_version:
        return current
    found = call("GetPolicyVersion", PolicyArn=edit.arn, VersionId=current)["PolicyVersion"]
    if iam_document(found.get("Document")) != edit.new_document:
        raise RemediationError(
            f"policy {edit.name} changed since the right-sizing: its default version {current}"
            f" is not the right-sized document. Nothing was changed; make {edit.old_version}"
            " default by hand if it is still wanted (iam:SetDefaultPolicyVersion)."
        )
    return current


def _check_unchanged(call: _Calls, kind: str, name: str, edit: PolicyEdit) -> None:
    """Before a right-sizing: the policy is what the approver saw, and IAM has room for it."""
    if edit.operation == "new_version":
        _check_default(call, edit, edit.old_version)
        _check_version_room(call, edit)
    elif edit.kind != "inline":  # detach, or swap for a copy: the version judged is default
        if not edit.old_version:
            raise RemediationError(_unrecorded_version(kind, name, edit))
        _check_default(call, edit, edit.old_version)
    else:
        _check_inline(call, kind, name, edit, edit.old_document)


def _unrecorded_version(kind: str, name: str, edit: PolicyEdit) -> str:
    """Why an edit of a managed policy that names no judged version is refused. Requests made
    before the right-sizing recorded the default version of an AWS-managed policy (560b8da)
    carry none: AWS may have published a new default version since, and with nothing to compare
    it to, the swap or detach would be applied over a document nobody judged. Re-checking the
    document instead would need iam:GetPolicyVersion on AWS's policies, which the bot's policies
    do not grant; a new right-sizing judges the policy as it is now."""
    return (
        f"the request does not record which default version of policy {edit.name} it judged"
        " (it was made before the bot recorded it), so a change AWS has made to the policy since"
        f" cannot be ruled out. Nothing was changed; run the right-sizing of {kind}/{name} again"
        " (`rightsize`) and approve the new request."
    )


def _check_restorable(call: _Calls, kind: str, name: str, edit: PolicyEdit) -> None:
    """Before a restore: the policy is as the right-sizing left it."""
    if edit.operation == "new_version":
        _check_rightsized_default(call, edit)
    elif edit.kind == "inline":
        _check_inline(call, kind, name, edit, edit.new_document)


def _inline_policy_names(call: _Calls, kind: str, name: str) -> list[str]:
    noun = _noun(kind)
    names: list[str] = []
    marker: dict[str, str] = {}
    while True:
        page = call(f"List{noun}Policies", **{f"{noun}Name": name}, **marker)
        names.extend(page.get("PolicyNames") or [])
        if not page.get("IsTruncated") or not page.get("Marker"):
            return names
        marker = {"Marker": str(page["Marker"])}


def _check_sizes(
    call: _Calls, kind: str, name: str, edits: list[PolicyEdit], *, restore: bool
) -> None:
    """IAM's size quotas (whitespace not counted), checked before anything changes: a managed
    document over 6,144 characters, or inline policies over the principal's total (IAM counts
    a user's or role's inline policies together), would otherwise fail halfway."""
    for edit in edits:
        if restore or edit.kind == "inline" or edit.new_document is None:
            continue
        size = policy_size(edit.new_document)
        if size > MANAGED_POLICY_LIMIT:
            raise RemediationError(
                f"the right-sized {edit.name} would be {size:,} characters, over IAM's limit of"
                f" {MANAGED_POLICY_LIMIT:,} for a managed policy. Nothing was changed."
            )
    inline = {
        e.name: (e.old_document, e.new_document) if restore else (e.new_document, e.old_document)
        for e in edits
        if e.kind == "inline"
    }

    def size(document: dict[str, Any] | None) -> int:
        return 0 if document is None else policy_size(document)

    if not any(size(to) > size(was) for to, was in inline.values()):
        return  # nothing grows: the total cannot go over a quota it was within
    total = sum(size(to) for to, _was in inline.values())
    for other in _inline_policy_names(call, kind, name):
        if other not in inline:
            total += size(_inline_now(call, kind, name, other))
    limit = INLINE_LIMITS[kind]
    if total > limit:
        raise RemediationError(
            f"the inline policies of {kind} {name} would total {total:,} characters after this"
            f" change, over IAM's limit of {limit:,} for a {kind}'s inline policies together."
            " Nothing was changed; ask for a new right-sizing."
        )


def _preflight(
    call: _Calls, kind: str, name: str, edits: list[PolicyEdit], *, restore: bool
) -> Step:
    """Every edit's checks and IAM's quotas before the first change (each step checks its own
    policy again right before changing it)."""

    def check() -> None:
        for edit in edits:
            (_check_restorable if restore else _check_unchanged)(call, kind, name, edit)
        _check_sizes(call, kind, name, edits, restore=restore)

    return Step("check every policy against the request and IAM's quotas", check, changes=False)


def _version_number(version: str) -> int | None:
    """7 for IAM's "v7" (IAM numbers a policy's new versions upwards: a version made after
    another has the higher number); None for an id of another shape."""
    digits = version[1:] if version.startswith("v") else ""
    return int(digits) if digits.isdigit() else None


def _resent_copies(
    call: _Calls, edit: PolicyEdit, before: set[str], kept: str, retries: int
) -> list[str]:
    """The versions that this apply's CreatePolicyVersion made on attempts whose answers were
    lost (botocore resent it ``retries`` times): not listed just before the call, older than
    ``kept`` (the one IAM answered with), not default, and holding the same document.

    A version anyone else made is never among them: one made before the listing is in
    ``before``, one made after ``kept`` has a higher number, one with another document differs.
    Someone making the very same document in the seconds of the call itself cannot be told
    apart: when more such versions appear than attempts were resent, none is deleted."""
    number = _version_number(kept)
    listed = call("ListPolicyVersions", PolicyArn=edit.arn).get("Versions") or []
    found = []
    for version in listed:
        vid = str(version.get("VersionId"))
        vnum = _version_number(vid)
        if vid in before or vid == kept or version.get("IsDefaultVersion"):
            continue
        if number is None or vnum is None or vnum > number:
            continue
        held = call("GetPolicyVersion", PolicyArn=edit.arn, VersionId=vid)["PolicyVersion"]
        if iam_document(held.get("Document")) == edit.new_document:
            found.append(vid)
    if len(found) > retries:
        log.warning(
            "policy %s: %d versions like %s appeared during one CreatePolicyVersion resent %d"
            " times; someone else is making them too, so none is deleted",
            edit.arn,
            len(found),
            kept,
            retries,
        )
        return []
    return sorted(found, key=lambda v: _version_number(v) or 0)


def _new_version_step(call: _Calls, edit: PolicyEdit) -> Step:
    """A new default version. CreatePolicyVersion is not idempotent and the bot's clients resend
    a call whose answer was lost: the copies such attempts made are deleted (journalled), so the
    policy holds one new version, as if the call went once, and undo and rollback cover it."""
    made: dict[str, Any] = {"extra": []}

    def do() -> None:
        _check_default(call, edit, edit.old_version)
        before = _check_version_room(call, edit)
        created = call(
            "CreatePolicyVersion",
            edit=edit,
            PolicyArn=edit.arn,
            PolicyDocument=json.dumps(edit.new_document),
            SetAsDefault=True,
            detail={"policy_arn": edit.arn, "previous_version": edit.old_version},
        )
        made["version"] = str(created["PolicyVersion"]["VersionId"])
        retries = int((created.get("ResponseMetadata") or {}).get("RetryAttempts") or 0)
        if not retries:
            return  # sent once: no other attempt can have made a version
        try:
            made["extra"] = _resent_copies(call, edit, before, made["version"], retries)
            while made["extra"]:
                call(
                    "DeletePolicyVersion",
                    edit=edit,
                    PolicyArn=edit.arn,
                    VersionId=made["extra"][0],
                    detail={"policy_arn": edit.arn, "duplicate_of": made["version"]},
                )
                made["extra"].pop(0)
        except RemediationError as exc:
            # The executor rolls back completed steps only: this one's new version goes too.
            try:
                undo()
            except RemediationError as also:
                raise RemediationError(f"{exc}; undoing its new version failed: {also}") from exc
            raise

    def undo() -> None:
        call(
            "SetDefaultPolicyVersion", rollback=True, PolicyArn=edit.arn, VersionId=edit.old_version
        )
        for version in [made["version"], *made["extra"]]:
            call("DeletePolicyVersion", rollback=True, PolicyArn=edit.arn, VersionId=version)

    return Step(f"new default version of {edit.name}", do, undo)


def _attachment_step(
    call: _Calls,
    kind: str,
    name: str,
    edit: PolicyEdit,
    *,
    attach: bool,
    arn: Callable[[], str] | None = None,
    checked: bool = False,
    part_of: PolicyEdit | None = None,
) -> Step:
    """Attach or detach ``edit``'s policy (``arn`` gives an ARN only known when applying);
    ``checked``: first refuse if its default version is no longer ``edit.old_version``;
    ``part_of``: the edit the change is recorded for, when not ``edit`` (a copy's attach)."""
    noun = _noun(kind)
    do_api, undo_api = (
        (f"Attach{noun}Policy", f"Detach{noun}Policy")
        if attach
        else (f"Detach{noun}Policy", f"Attach{noun}Policy")
    )

    def arguments() -> dict[str, str]:
        return {f"{noun}Name": name, "PolicyArn": arn() if arn else edit.arn}

    def do() -> None:
        if checked and edit.old_version:  # the version the approver judged is still default
            _check_default(call, edit, edit.old_version)
        detail = {"policy_arn": arguments()["PolicyArn"]}
        call(do_api, edit=part_of or edit, **arguments(), detail=detail)

    return Step(
        f"{'attach' if attach else 'detach'} {edit.name} {'to' if attach else 'from'} {name}",
        do,
        lambda: call(undo_api, rollback=True, **arguments()),
    )


def _inline_step(
    call: _Calls, kind: str, name: str, edit: PolicyEdit, *, to: Any, was: Any
) -> Step:
    """Make inline policy ``edit.name`` hold ``to`` (None: delete it), checking it holds ``was``."""
    noun = _noun(kind)
    owner = {f"{noun}Name": name, "PolicyName": edit.name}

    def put(document: Any, *, rollback: bool = False) -> None:
        if document is None:
            call(f"Delete{noun}Policy", rollback=rollback, edit=edit, **owner)
        else:
            call(
                f"Put{noun}Policy",
                rollback=rollback,
                edit=edit,
                **owner,
                PolicyDocument=json.dumps(document),
                detail={"policy_name": edit.name, "previous_document": was},
            )

    def do() -> None:
        _check_inline(call, kind, name, edit, was)  # was None: no policy of that name yet
        put(to)

    return Step(
        f"{'replace' if to is not None else 'delete'} inline policy {edit.name}",
        do,
        lambda: put(was, rollback=True),
    )


def _copy_arn(ex: StepExecutor, edit: PolicyEdit) -> str:
    return f"arn:{ex.partition()}:iam::{ex.account_id()}:policy/{edit.copy_name}"


def _copy_steps(
    call: _Calls, kind: str, name: str, edit: PolicyEdit, ctx: ApplyContext
) -> list[Step]:
    """An AWS-managed policy replaced, for this principal only, by its scoped copy."""
    ex = call.ex
    state = {"created": False}

    def create() -> None:
        arn = _copy_arn(ex, edit)
        try:
            call("GetPolicy", PolicyArn=arn)
            return  # same name = same content (the name carries its hash): reuse it
        except RemediationError as exc:
            cause = exc.__cause__
            if not (isinstance(cause, ClientError) and error_code(cause) == "NoSuchEntity"):
                raise
        call(
            "CreatePolicy",
            edit=edit,
            PolicyName=edit.copy_name,
            PolicyDocument=json.dumps(edit.new_document),
            Description=f"iam-audit right-sized copy of {edit.name} (request {ctx.request_id})"[
                :1000
            ],
            Tags=[
                {"Key": TAG_REQUEST, "Value": ctx.request_id},
                {"Key": TAG_REQUESTER, "Value": ctx.requester},
                {"Key": TAG_APPROVER, "Value": ctx.approver},
            ],
            detail={"copy_of": edit.arn},
        )
        state["created"] = True

    def delete() -> None:
        if state["created"]:
            call("DeletePolicy", rollback=True, PolicyArn=_copy_arn(ex, edit))

    copy = PolicyEdit(
        "managed", edit.copy_name, "", edit.old_document, edit.new_document, copy_name=""
    )
    return [
        Step(f"create {edit.copy_name}", create, delete),
        _attachment_step(
            call, kind, name, copy, attach=True, arn=lambda: _copy_arn(ex, edit), part_of=edit
        ),
        _attachment_step(call, kind, name, edit, attach=False, checked=True),
    ]


def _text(params: dict[str, Any], key: str) -> str:
    return str(params.get(key) or "")


def _edits(params: dict[str, Any]) -> list[PolicyEdit]:
    return [PolicyEdit.from_params(item) for item in params.get("edits") or []]


def rightsize_steps(
    ex: StepExecutor, params: dict[str, Any], ctx: ApplyContext, calls: list[CallRecord]
) -> list[Step]:
    kind, name = str(params["target_kind"]), str(params["target_name"])
    target = {"target_kind": kind, "target_name": name, "target_arn": _text(params, "target_arn")}
    call = _Calls(ex, calls, target)
    edits = _edits(params)
    steps = [_preflight(call, kind, name, edits, restore=False)]
    for edit in edits:
        if edit.operation == "copy":
            steps.extend(_copy_steps(call, kind, name, edit, ctx))
        elif edit.operation == "new_version":
            steps.append(_new_version_step(call, edit))
        elif edit.operation == "detach":
            steps.append(_attachment_step(call, kind, name, edit, attach=False, checked=True))
        else:
            steps.append(
                _inline_step(call, kind, name, edit, to=edit.new_document, was=edit.old_document)
            )
    return steps


def restore_steps(
    ex: StepExecutor, params: dict[str, Any], _ctx: ApplyContext, calls: list[CallRecord]
) -> list[Step]:
    kind, name = str(params["target_kind"]), str(params["target_name"])
    call = _Calls(ex, calls)
    edits = _edits(params)
    steps = [_preflight(call, kind, name, edits, restore=True)]
    for edit in edits:
        if edit.operation == "copy":
            copy = PolicyEdit("managed", edit.copy_name, "", {}, None)
            steps.append(_attachment_step(call, kind, name, edit, attach=True))
            steps.append(
                _attachment_step(
                    call, kind, name, copy, attach=False, arn=lambda e=edit: _copy_arn(ex, e)
                )
            )
        elif edit.operation == "new_version":
            steps.append(_restore_version_step(call, edit))
        elif edit.operation == "detach":
            steps.append(_attachment_step(call, kind, name, edit, attach=True))
        else:
            steps.append(
                _inline_step(call, kind, name, edit, to=edit.old_document, was=edit.new_document)
            )
    return steps


def _restore_version_step(call: _Calls, edit: PolicyEdit) -> Step:
    previous: dict[str, str] = {}

    def do() -> None:
        previous["version"] = _check_rightsized_default(call, edit)
        # The version must still exist: someone may have deleted it since.
        call("GetPolicyVersion", PolicyArn=edit.arn, VersionId=edit.old_version)
        call(
            "SetDefaultPolicyVersion",
            PolicyArn=edit.arn,
            VersionId=edit.old_version,
            detail={"policy_arn": edit.arn, "previous_version": previous["version"]},
        )

    def undo() -> None:
        call(
            "SetDefaultPolicyVersion",
            rollback=True,
            PolicyArn=edit.arn,
            VersionId=previous["version"],
        )

    return Step(f"make version {edit.old_version} of {edit.name} default again", do, undo)


# The executor (bot/aws/remediate.py) runs these for the right-sizing remediation ids.
STEP_BUILDERS = {RIGHTSIZE: rightsize_steps, RESTORE: restore_steps}


def final_calls(ex: StepExecutor, params: dict[str, Any], *, restore: bool) -> list[dict[str, Any]]:
    """What a right-sizing (or its restore) leaves in IAM, as the calls that set it, per edit:
    the reconciler checks each against IAM's real state. Kept beside the steps it mirrors
    (rightsize_steps / restore_steps), so the two change together."""
    kind, name = str(params["target_kind"]), str(params["target_name"])
    noun = _noun(kind)
    owner = f"{noun}Name"
    finals: list[dict[str, Any]] = []
    for edit in _edits(params):
        if edit.operation == "copy":
            kept, dropped = (edit.arn, _copy_arn(ex, edit))
            if not restore:
                kept, dropped = dropped, kept
            finals.append({"api": f"Attach{noun}Policy", "args": {owner: name, "PolicyArn": kept}})
            finals.append(
                {"api": f"Detach{noun}Policy", "args": {owner: name, "PolicyArn": dropped}}
            )
        elif edit.operation == "detach":
            api = f"Attach{noun}Policy" if restore else f"Detach{noun}Policy"
            finals.append({"api": api, "args": {owner: name, "PolicyArn": edit.arn}})
        elif edit.operation == "new_version" and restore:
            args = {"PolicyArn": edit.arn, "VersionId": edit.old_version}
            finals.append({"api": "SetDefaultPolicyVersion", "args": args})
        elif edit.operation == "new_version":
            document = json.dumps(edit.new_document)
            args = {"PolicyArn": edit.arn, "PolicyDocument": document, "SetAsDefault": True}
            finals.append({"api": "CreatePolicyVersion", "args": args})
        else:  # inline: replaced or deleted by the right-sizing, put back by its restore
            document = edit.old_document if restore else edit.new_document
            inline = {owner: name, "PolicyName": edit.name}
            if document is None:
                finals.append({"api": f"Delete{noun}Policy", "args": inline})
            else:
                args = {**inline, "PolicyDocument": json.dumps(document)}
                finals.append({"api": f"Put{noun}Policy", "args": args})
    return finals


def undo_of_partial(held: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The restore of a partly applied right-sizing: its undo for exactly the edits whose changes
    IAM holds (``held``: the journalled calls in effect, each marked with its edit), or None
    when a held call is not a right-sizing's. A copy only created, not attached, changes no
    access: it is left out (on its own it is the executor's delete_policy case)."""
    target: dict[str, str] = {}
    edits: dict[tuple[str, str], dict[str, Any]] = {}
    for call in held:
        mark = (call.get("detail") or {}).get("rightsize")
        if not isinstance(mark, dict) or not isinstance(mark.get("edit"), dict):
            return None
        edit = PolicyEdit.from_params(mark["edit"])
        target = {k: str(mark.get(k) or "") for k in ("target_kind", "target_name", "target_arn")}
        if edit.operation == "copy" and call.get("api") == "CreatePolicy":
            continue
        edits.setdefault((edit.kind, edit.name), mark["edit"])
    if not edits:
        return None
    return {"remediation": RESTORE, "params": {**target, "edits": list(edits.values())}}
