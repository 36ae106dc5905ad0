"""The right-sizing remediations (pure plans), registered with the remediation registry.

`rightsize_principal` applies a proposal made by bot.rightsize: managed policies get a new
default version (the old one is kept, so undo is SetDefaultPolicyVersion), or are detached when
nothing in them was used; inline policies are replaced (or deleted) and their old documents
travel with the request, which the audit trail keeps. The proof is part of the parameters, so
the content hash covers it: the approver approves the proof as well as the diff.

`restore_rightsized_policies` is its undo, through a new approval.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.approvals.model import Target
from bot.model.errors import InputError
from bot.remediation.plan import Plan, Remediation, register
from bot.rightsize.proposal import PolicyEdit
from bot.rightsize.text import edit_steps, edits_diff, proof_lines

RIGHTSIZE = "rightsize_principal"
RESTORE = "restore_rightsized_policies"
KINDS = ("user", "role")
_NAME = re.compile(r"[\w+=,.@-]{1,128}")


def _target(params: Mapping[str, Any]) -> Target:
    kind = str(params.get("target_kind") or "").lower()
    name = str(params.get("target_name") or "")
    if kind not in KINDS:
        raise InputError(f"right-sizing acts on a user or a role, not {kind!r}")
    if not _NAME.fullmatch(name):
        raise InputError(f"{name!r} is not a valid IAM {kind} name")
    return Target(kind, name, str(params.get("target_arn") or ""))


def _edits(params: Mapping[str, Any]) -> list[PolicyEdit]:
    raw = params.get("edits")
    if not isinstance(raw, list) or not raw:
        raise InputError("a right-sizing needs at least one policy to change")
    edits = [PolicyEdit.from_params(item) for item in raw if isinstance(item, dict)]
    if len(edits) != len(raw):
        raise InputError("every right-sized policy must be a JSON object")
    for edit in edits:
        if edit.kind == "managed" and edit.new_document is not None and not edit.old_version:
            raise InputError(f"the current default version of {edit.name} is needed for undo")
    return edits


def _rightsize_plan(params: Mapping[str, Any]) -> Plan:
    target = _target(params)
    edits = _edits(params)
    proof = params.get("proof")
    if not isinstance(proof, dict):
        raise InputError("a right-sizing is only requested with its proof")
    if not proof.get("holds"):
        raise InputError("the proof of this right-sizing does not hold; nothing is requested")
    days = params.get("days")
    if not isinstance(days, int) or days < 1:
        raise InputError("the usage window (days) is missing")
    clean = {
        "target_kind": target.kind,
        "target_name": target.name,
        "target_arn": target.arn,
        "days": days,
        "edits": [e.to_params() for e in edits],
        "proof": proof,
        "evidence": dict(params.get("evidence") or {}),
        "untouched": list(params.get("untouched") or []),
    }
    undo_params = {
        "target_kind": target.kind,
        "target_name": target.name,
        "target_arn": target.arn,
        "edits": clean["edits"],
    }
    return Plan(
        remediation=RIGHTSIZE,
        target=target,
        params=clean,
        summary=(
            f"Right-size {target.kind} {target.name} to what it used in the last {days} days"
            f" ({len(edits)} polic{'y' if len(edits) == 1 else 'ies'})"
        ),
        steps=tuple(edit_steps(clean)),
        undo=(
            "Undo (a new approval) sets each managed policy's previous version default again"
            " (SetDefaultPolicyVersion), re-attaches detached ones (AWS-managed ones instead of"
            " their copies) and puts the old inline documents back; they are kept with this"
            " request."
        ),
        diff=edits_diff(clean),
        undo_change={"remediation": RESTORE, "params": undo_params},
        effect="\n".join(proof_lines(clean)),
    )


def _restore_plan(params: Mapping[str, Any]) -> Plan:
    target = _target(params)
    edits = _edits(params)
    clean = {
        "target_kind": target.kind,
        "target_name": target.name,
        "target_arn": target.arn,
        "edits": [e.to_params() for e in edits],
    }
    noun = target.kind.title()
    steps = []
    for edit in edits:
        if edit.operation == "new_version":
            steps.append(
                f"iam:SetDefaultPolicyVersion PolicyArn={edit.arn} VersionId={edit.old_version}"
            )
        elif edit.operation == "copy":
            steps.append(f"iam:Attach{noun}Policy {noun}Name={target.name} PolicyArn={edit.arn}")
            steps.append(
                f"iam:Detach{noun}Policy {noun}Name={target.name} PolicyArn=<{edit.copy_name}>"
                " (the copy itself is kept, unattached)"
            )
        elif edit.operation == "detach":
            steps.append(f"iam:Attach{noun}Policy {noun}Name={target.name} PolicyArn={edit.arn}")
        else:
            steps.append(
                f"iam:Put{noun}Policy {noun}Name={target.name} PolicyName={edit.name}"
                " (the document from before the right-sizing)"
            )
    reverse = [
        {**e.to_params(), "old_document": e.new_document or {}, "new_document": e.old_document}
        for e in edits
    ]
    return Plan(
        remediation=RESTORE,
        target=target,
        params=clean,
        summary=f"Restore the policies of {target.kind} {target.name} from before right-sizing",
        steps=tuple(steps),
        undo="To shrink it again, ask for a new right-sizing (`rightsize`), with a fresh proof.",
        diff=edits_diff({"edits": reverse}),
        effect=(
            f"{target.kind.title()} {target.name} gets back every permission the right-sizing"
            " removed."
        ),
    )


_POLICY_READS = ("iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions")
# Scoped copies of AWS-managed policies (--copy-aws-managed): created, tagged, and deleted on
# a rolled-back apply; only names starting iam-audit- (bot/aws policies allow no others).
_COPIES = ("iam:CreatePolicy", "iam:TagPolicy", "iam:DeletePolicy")
_INLINE = (
    "iam:GetUserPolicy",
    "iam:GetRolePolicy",
    "iam:PutUserPolicy",
    "iam:PutRolePolicy",
    # IAM's quota on a principal's inline policies is for all of them together: every name is
    # listed before the first change (bot.aws.rightsize_apply checks the total up front).
    "iam:ListUserPolicies",
    "iam:ListRolePolicies",
)

register(
    Remediation(
        id=RIGHTSIZE,
        title="Right-size a user or role to what it used (with the proof)",
        changes="Managed policies: a new default version (the old one is kept); unused ones are"
        " detached. Inline policies: replaced or deleted (the old documents are kept with the"
        " request).",
        undo="Restore (the Undo button, with a new approval): SetDefaultPolicyVersion to the old"
        " version, re-attach, put the old inline documents back.",
        aws_calls=(
            *_POLICY_READS,
            "iam:CreatePolicy",
            "iam:CreatePolicyVersion",
            # A CreatePolicyVersion resent after a lost answer may have made an identical
            # version: the apply deletes those it made (bot.aws.rightsize_apply).
            "iam:DeletePolicyVersion",
            *_INLINE,
            "iam:DeleteUserPolicy",
            "iam:DeleteRolePolicy",
            "iam:DetachUserPolicy",
            "iam:DetachRolePolicy",
        ),
        iam_actions=(
            *_POLICY_READS,
            *_COPIES,
            "iam:CreatePolicyVersion",
            "iam:SetDefaultPolicyVersion",
            "iam:DeletePolicyVersion",
            *_INLINE,
            "iam:DeleteUserPolicy",
            "iam:DeleteRolePolicy",
            "iam:DetachUserPolicy",
            "iam:DetachRolePolicy",
            "iam:AttachUserPolicy",
            "iam:AttachRolePolicy",
        ),
        planner=_rightsize_plan,
    )
)
register(
    Remediation(
        id=RESTORE,
        title="Restore a right-sized user or role (undo of a right-sizing)",
        changes="Sets the previous managed-policy versions default again, re-attaches detached"
        " policies and puts the old inline documents back.",
        undo="Ask for a new right-sizing.",
        aws_calls=(
            *_POLICY_READS,
            "iam:SetDefaultPolicyVersion",
            *_INLINE,
            "iam:AttachUserPolicy",
            "iam:AttachRolePolicy",
        ),
        iam_actions=(
            *_POLICY_READS,
            "iam:SetDefaultPolicyVersion",
            *_INLINE,
            "iam:DeleteUserPolicy",
            "iam:DeleteRolePolicy",
            "iam:AttachUserPolicy",
            "iam:AttachRolePolicy",
            "iam:DetachUserPolicy",
            "iam:DetachRolePolicy",
        ),
        planner=_restore_plan,
    )
)
