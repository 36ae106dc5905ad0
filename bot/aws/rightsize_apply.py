"""The I/O half of the right-sizing remediations: their steps, for RemediationExecutor.

Each step checks first that the policy is still what the approver saw (the default version id
of a managed policy, the document of an inline one) and refuses otherwise, so an approval never
overwrites a change made since. A managed policy that already has IAM's maximum of five
versions is refused with the fix, rather than deleting a version nobody approved deleting.
Rollback of a failed apply: the previous version is made default again and the new one deleted;
inline documents are put back.
"""

from __future__ import annotations

import json
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

MAX_POLICY_VERSIONS = 5  # IAM's quota of versions per managed policy


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
    """The executor's recorded calls, bound to one apply."""

    def __init__(self, ex: StepExecutor, calls: list[CallRecord]) -> None:
        self.ex = ex
        self.calls = calls

    def __call__(self, api: str, *, rollback: bool = False, **kwargs: Any) -> dict[str, Any]:
        return self.ex.call(self.calls, "iam", api, rollback=rollback, **kwargs)


def _check_default(call: _Calls, edit: PolicyEdit, expected: str) -> None:
    policy = call("GetPolicy", PolicyArn=edit.arn)["Policy"]
    current = policy.get("DefaultVersionId")
    if current != expected:
        raise RemediationError(
            f"policy {edit.name} changed since the request: its default version is now"
            f" {current}, not {expected}. Nothing was changed; ask for a new right-sizing."
        )


def _check_inline(call: _Calls, kind: str, name: str, edit: PolicyEdit, expected: Any) -> None:
    noun = _noun(kind)
    found = call(f"Get{noun}Policy", **{f"{noun}Name": name, "PolicyName": edit.name})
    if iam_document(found.get("PolicyDocument")) != expected:
        raise RemediationError(
            f"inline policy {edit.name} of {kind} {name} changed since the request. Nothing was"
            " changed; ask for a new right-sizing."
        )


def _new_version_step(call: _Calls, edit: PolicyEdit) -> Step:
    made: dict[str, str] = {}

    def do() -> None:
        _check_default(call, edit, edit.old_version)
        versions = call("ListPolicyVersions", PolicyArn=edit.arn).get("Versions") or []
        if len(versions) >= MAX_POLICY_VERSIONS:
            raise RemediationError(
                f"policy {edit.name} already has {len(versions)} versions, IAM's maximum:"
                " delete an old non-default version (iam:DeletePolicyVersion), then approve a"
                " new right-sizing"
            )
        created = call(
            "CreatePolicyVersion",
            PolicyArn=edit.arn,
            PolicyDocument=json.dumps(edit.new_document),
            SetAsDefault=True,
            detail={"policy_arn": edit.arn, "previous_version": edit.old_version},
        )
        made["version"] = created["PolicyVersion"]["VersionId"]

    def undo() -> None:
        call(
            "SetDefaultPolicyVersion", rollback=True, PolicyArn=edit.arn, VersionId=edit.old_version
        )
        call("DeletePolicyVersion", rollback=True, PolicyArn=edit.arn, VersionId=made["version"])

    return Step(f"new default version of {edit.name}", do, undo)


def _attachment_step(
    call: _Calls,
    kind: str,
    name: str,
    edit: PolicyEdit,
    *,
    attach: bool,
    arn: Callable[[], str] | None = None,
) -> Step:
    """Attach or detach ``edit``'s policy (``arn`` gives an ARN only known when applying)."""
    noun = _noun(kind)
    do_api, undo_api = (
        (f"Attach{noun}Policy", f"Detach{noun}Policy")
        if attach
        else (f"Detach{noun}Policy", f"Attach{noun}Policy")
    )

    def arguments() -> dict[str, str]:
        return {f"{noun}Name": name, "PolicyArn": arn() if arn else edit.arn}

    return Step(
        f"{'attach' if attach else 'detach'} {edit.name} {'to' if attach else 'from'} {name}",
        lambda: call(do_api, **arguments(), detail={"policy_arn": arguments()["PolicyArn"]}),
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
            call(f"Delete{noun}Policy", rollback=rollback, **owner)
        else:
            call(
                f"Put{noun}Policy",
                rollback=rollback,
                **owner,
                PolicyDocument=json.dumps(document),
                detail={"policy_name": edit.name, "previous_document": was},
            )

    def do() -> None:
        if was is not None:
            _check_inline(call, kind, name, edit, was)
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
        _attachment_step(call, kind, name, copy, attach=True, arn=lambda: _copy_arn(ex, edit)),
        _attachment_step(call, kind, name, edit, attach=False),
    ]


def _edits(params: dict[str, Any]) -> list[PolicyEdit]:
    return [PolicyEdit.from_params(item) for item in params.get("edits") or []]


def rightsize_steps(
    ex: StepExecutor, params: dict[str, Any], ctx: ApplyContext, calls: list[CallRecord]
) -> list[Step]:
    kind, name = str(params["target_kind"]), str(params["target_name"])
    call = _Calls(ex, calls)
    steps = []
    for edit in _edits(params):
        if edit.operation == "copy":
            steps.extend(_copy_steps(call, kind, name, edit, ctx))
        elif edit.operation == "new_version":
            steps.append(_new_version_step(call, edit))
        elif edit.operation == "detach":
            steps.append(_attachment_step(call, kind, name, edit, attach=False))
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
    steps = []
    for edit in _edits(params):
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
        policy = call("GetPolicy", PolicyArn=edit.arn)["Policy"]
        previous["version"] = str(policy.get("DefaultVersionId"))
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
