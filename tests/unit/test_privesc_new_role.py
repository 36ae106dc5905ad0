"""Creating a role that trusts oneself and making it an administrator (iam-009b / iam-005b).

PMapper's update_admin_status counts iam:CreateRole plus iam:AttachRolePolicy or
iam:PutRolePolicy as administrator-equivalent: the holder creates a role whose trust policy names
its own ARN, gives it administrator rights and assumes it. AWS's rules that decide whether that
works (IAM User Guide unless named):

- "Policy evaluation logic": in the same account a resource-based policy (a role's trust is one)
  naming the caller's user ARN grants on its own; naming a role ARN is still limited by the
  caller's permissions boundary; an explicit Deny anywhere wins.
- "Permissions boundaries for IAM entities": the delegation guard "create roles only with
  boundary X" (iam:PermissionsBoundary on iam:CreateRole / iam:AttachRolePolicy) hands out no
  more than X.
- "IAM: Limits managed policies that can be applied" (iam:PolicyARN on iam:AttachRolePolicy).
- IAM API Reference, CreateRole: EntityAlreadyExists for a name in use.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.effective import PermissionIndex
from bot.iam.privesc import find_escalations
from bot.model.snapshot import AccountSnapshot
from tests.factories import (
    ACCOUNT_ID,
    NOW,
    READ_ONLY_ACCESS,
    account_arn,
    inline,
    managed_policy,
    policy_document,
    role,
    role_arn,
    run_check,
    snapshot,
    statement,
    trust_policy,
    user,
    user_arn,
)

ADMIN_POLICY = managed_policy(
    "AdministratorAccess", policy_document(statement(action="*")), aws_managed=True
)
BOUNDARY = f"arn:aws:iam::{ACCOUNT_ID}:policy/dev-boundary"
WRITES = ("iam:AttachRolePolicy", "iam:PutRolePolicy")
METHOD_OF = {"iam:AttachRolePolicy": "iam-009b", "iam:PutRolePolicy": "iam-005b"}


def _account(
    *statements: dict[str, Any], holder_kind: str = "user", **holder: Any
) -> AccountSnapshot:
    document = policy_document(*statements)
    policies = (
        ADMIN_POLICY,
        managed_policy(
            "dev-boundary", holder.pop("boundary_document", policy_document(statement(action="*")))
        ),
    )
    if holder_kind == "user":
        principal = user(
            "holder", groups=(), inline_policies=[inline("holder-policy", document)], **holder
        )
        return snapshot(users=(principal,), policies=policies)
    principal = role(
        "holder",
        trust=trust_policy({"AWS": account_arn()}),
        inline_policies=[inline("holder-policy", document)],
        **holder,
    )
    return snapshot(roles=(principal,), policies=policies)


def _held(snap: AccountSnapshot, holder_kind: str = "user") -> dict[str, Any]:
    arn = user_arn("holder") if holder_kind == "user" else role_arn("holder")
    found = find_escalations(PermissionIndex(snap, NOW)).get(arn)
    return {m.method.id: m for m in found.methods} if found else {}


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("kind", ["user", "role"])
def test_create_role_and_write_its_policy_makes_the_holder_admin(write, kind):
    held = _held(_account(statement(action=["iam:CreateRole", write]), holder_kind=kind), kind)
    method = held[METHOD_OF[write]]
    assert method.direct
    actions = [a.action for a in method.accesses]
    assert actions == ["iam:CreateRole", write, "sts:AssumeRole"]
    # All three calls aim at one new role, not at the holder's own.
    assert len({a.resource for a in method.accesses}) == 1
    assert method.accesses[0].resource != role_arn("holder")


@pytest.mark.parametrize("write", WRITES)
def test_a_guard_requiring_a_boundary_on_new_roles_stops_it(write):
    """The delegation guard: CreateRole only with the boundary; the new role gets X at most."""
    guarded = statement(
        action="iam:CreateRole",
        condition={"StringEquals": {"iam:PermissionsBoundary": BOUNDARY}},
    )
    held = _held(_account(guarded, statement(action=write)))
    assert METHOD_OF[write] not in held


def test_attaching_only_read_only_is_no_escalation():
    limited = statement(
        action="iam:AttachRolePolicy",
        condition={"ArnEquals": {"iam:PolicyARN": READ_ONLY_ACCESS}},
    )
    held = _held(_account(statement(action="iam:CreateRole"), limited))
    assert "iam-009b" not in held


def test_create_and_write_on_different_role_names_is_no_escalation():
    held = _held(
        _account(
            statement(action="iam:CreateRole", resource=f"arn:aws:iam::{ACCOUNT_ID}:role/app-*"),
            statement(action="iam:PutRolePolicy", resource=f"arn:aws:iam::{ACCOUNT_ID}:role/ops-*"),
        )
    )
    assert "iam-005b" not in held


def test_create_and_write_under_one_prefix_escalates():
    prefix = f"arn:aws:iam::{ACCOUNT_ID}:role/app-*"
    held = _held(
        _account(statement(action=["iam:CreateRole", "iam:PutRolePolicy"], resource=prefix))
    )
    new_role = held["iam-005b"].accesses[0].resource
    assert new_role.startswith(f"arn:aws:iam::{ACCOUNT_ID}:role/app-")


def test_an_explicit_deny_on_assume_role_stops_it():
    held = _held(
        _account(
            statement(action=["iam:CreateRole", "iam:AttachRolePolicy"]),
            statement(effect="Deny", action="sts:AssumeRole"),
        )
    )
    assert "iam-009b" not in held


def test_a_role_whose_boundary_refuses_assume_role_cannot_use_its_new_role():
    """Naming a role ARN in a resource policy is limited by the caller's boundary."""
    boundary = policy_document(statement(action=["iam:*"]))
    held = _held(
        _account(
            statement(action=["iam:CreateRole", "iam:AttachRolePolicy"]),
            holder_kind="role",
            permissions_boundary_arn=BOUNDARY,
            boundary_document=boundary,
        ),
        "role",
    )
    assert "iam-009b" not in held


def _held_under_boundary(*actions: str) -> dict:
    return _held(
        _account(
            statement(action=["iam:CreateRole", "iam:AttachRolePolicy"]),
            permissions_boundary_arn=BOUNDARY,
            boundary_document=policy_document(statement(action=list(actions))),
        )
    )


def test_a_user_whose_boundary_refuses_assume_role_cannot_assume_the_role_it_makes():
    """A trust policy naming the user does not lift her boundary: "If a permissions boundary is
    set for the user, then it must allow the sts:AssumeRole action" (IAM User Guide, "Update a
    role trust policy"). Before, naming the user ARN was read as granting whatever the boundary
    said, as it does in a bucket policy."""
    assert "iam-009b" not in _held_under_boundary("iam:*")
    assert _held_under_boundary("iam:*", "sts:AssumeRole")["iam-009b"].direct


def test_create_role_alone_is_no_escalation():
    assert not {"iam-009b", "iam-005b"} & set(_held(_account(statement(action="iam:CreateRole"))))


def test_only_an_existing_role_name_is_no_new_role():
    """CreateRole allowed only on the name of a role that exists fails (EntityAlreadyExists)."""
    existing = role_arn("taken")
    snap = _account(statement(action=["iam:CreateRole", "iam:PutRolePolicy"], resource=existing))
    snap = snapshot(
        users=snap.users,
        roles=(role("taken", trust=trust_policy({"AWS": account_arn()})),),
        policies=snap.policies,
    )
    assert "iam-005b" not in _held(snap)


def test_admin_attach_reaches_the_report_with_the_method():
    snap = _account(statement(action=["iam:CreateRole", "iam:AttachRolePolicy"]))
    body = _held(snap)["iam-009b"].to_dict()
    assert body["direct"] is True
    assert body["actions"][1]["action"] == "iam:AttachRolePolicy"
    assert "PMapper" in body["sources"][0]
    (finding,) = run_check("principal.privilege_escalation", snap)
    assert finding.resource_arn == user_arn("holder")
    assert "iam-009b" in finding.evidence["method_ids"]
    assert finding.evidence["direct"] is True


@pytest.mark.parametrize(
    ("boundary_actions", "assumes"), [(["iam:*"], False), (["iam:*", "sts:AssumeRole"], True)]
)
def test_an_existing_trust_naming_a_role_is_limited_by_that_roles_boundary(
    boundary_actions, assumes
):
    """Same rule for a role that exists: its trust names the holder role's ARN, the holder has
    no identity Allow for sts:AssumeRole; only a boundary allowing the call lets it in."""
    from bot.iam.privesc import can_assume

    holder = role(
        "holder",
        trust=trust_policy({"AWS": account_arn()}),
        permissions_boundary_arn=BOUNDARY,
    )
    target = role("target", trust=trust_policy({"AWS": role_arn("holder")}))
    snap = snapshot(
        roles=(holder, target),
        policies=(
            managed_policy("dev-boundary", policy_document(statement(action=boundary_actions))),
        ),
    )
    index = PermissionIndex(snap, NOW)
    perms = index[role_arn("holder")]
    assert (can_assume(perms, target, index) is not None) is assumes
