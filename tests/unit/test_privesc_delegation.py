"""Escalation through IAM writes that a delegation guard limits (bot.iam.privesc).

IAM User Guide, "Permissions boundaries for IAM entities" (delegating responsibility: a user
may create and change users only when iam:PermissionsBoundary names the company boundary) and
"IAM: Limits managed policies that can be applied to an IAM user, group, or role" (iam:PolicyARN).
A principal under such a guard hands out no more than the boundary, or than the policies it may
attach: no escalation unless an administrator can come out of it.
"""

from __future__ import annotations

import pytest

from bot.iam.effective import PermissionIndex
from bot.iam.privesc import find_escalations
from tests.factories import (
    NOW,
    allow,
    inline,
    managed_policy,
    policy_arn,
    policy_document,
    role,
    service_trust,
    snapshot,
    statement,
    user,
    user_arn,
)

DEV_BOUNDARY = managed_policy(
    "DevBoundary", allow(["s3:*", "logs:*"]), attachment_count=0, boundary_usage_count=1
)
ON_DEV_BOUNDARY = {"StringEquals": {"iam:PermissionsBoundary": DEV_BOUNDARY.arn}}


def _methods(snap, arn: str) -> set[str]:
    found = find_escalations(PermissionIndex(snap, NOW)).get(arn)
    return set(found.method_ids) if found else set()


def _writer(condition: dict | None, actions: list[str], *, boundary: str | None = None):
    doc = policy_document(statement(action=actions, resource="*", condition=condition))
    return user(
        "writer", groups=(), inline_policies=[inline("w", doc)], permissions_boundary_arn=boundary
    )


@pytest.mark.parametrize(
    "actions", [["iam:AttachUserPolicy"], ["iam:PutUserPolicy"]], ids=["attach", "put"]
)
def test_writes_limited_to_users_under_the_company_boundary_grant_no_administrator(actions):
    """The writer has no boundary, so aiming the write at itself is outside the guard (its own
    iam:PermissionsBoundary is absent), and any other user it may change carries DevBoundary:
    no administrator comes out of it. Before, the condition was assumed to hold on any user."""
    snap = snapshot(users=[_writer(ON_DEV_BOUNDARY, actions)], policies=[DEV_BOUNDARY])
    assert _methods(snap, user_arn("writer")) == set()


@pytest.mark.parametrize(
    "actions", [["iam:AttachUserPolicy"], ["iam:PutUserPolicy"]], ids=["attach", "put"]
)
def test_the_same_writes_without_the_guard_escalate(actions):
    snap = snapshot(users=[_writer(None, actions)], policies=[DEV_BOUNDARY])
    assert _methods(snap, user_arn("writer"))


def test_a_guard_that_also_lets_unbounded_users_through_escalates():
    """StringEqualsIfExists holds when the target has no boundary at all: the guard is open."""
    if_exists = {"StringEqualsIfExists": {"iam:PermissionsBoundary": DEV_BOUNDARY.arn}}
    snap = snapshot(users=[_writer(if_exists, ["iam:AttachUserPolicy"])], policies=[DEV_BOUNDARY])
    assert "iam-008" in _methods(snap, user_arn("writer"))


def test_a_holder_under_the_guarded_boundary_may_write_its_own_policies():
    """A writer whose own boundary is the one the guard names meets the guard on itself: it can
    attach AdministratorAccess to its own user (iam-008), gaining all its boundary allows."""
    own = managed_policy(
        "WriterBoundary",
        allow(["s3:*", "iam:AttachUserPolicy"]),
        attachment_count=0,
        boundary_usage_count=1,
    )
    on_own = {"StringEquals": {"iam:PermissionsBoundary": own.arn}}
    writer = _writer(on_own, ["iam:AttachUserPolicy"], boundary=own.arn)
    assert "iam-008" in _methods(snapshot(users=[writer], policies=[own]), user_arn("writer"))
    other = _writer(ON_DEV_BOUNDARY, ["iam:AttachUserPolicy"], boundary=own.arn)
    assert (
        _methods(snapshot(users=[other], policies=[own, DEV_BOUNDARY]), user_arn("writer")) == set()
    )


def test_a_role_limited_to_attaching_harmless_policies_hands_out_nothing():
    """A role (it cannot use a user's new rights itself) that may attach only a read-only
    policy to users: no administrator comes out of it; allowed to attach AdministratorAccess
    as well, it does."""
    read_only = managed_policy("reports-read", allow("s3:GetObject", "arn:aws:s3:::reports/*"))
    only = {"ArnEquals": {"iam:PolicyARN": [read_only.arn]}}
    guarded = policy_document(
        statement(action="iam:AttachUserPolicy", resource="*", condition=only)
    )
    attacher = role(
        "attacher", trust=service_trust("ec2.amazonaws.com"), inline_policies=[inline("a", guarded)]
    )
    snap = snapshot(roles=[attacher], policies=[read_only])
    found = find_escalations(PermissionIndex(snap, NOW))
    assert attacher.arn not in found
    admin_too = {
        "ArnEquals": {
            "iam:PolicyARN": [read_only.arn, policy_arn("AdministratorAccess", aws_managed=True)]
        }
    }
    opened = policy_document(
        statement(action="iam:AttachUserPolicy", resource="*", condition=admin_too)
    )
    attacher = role(
        "attacher", trust=service_trust("ec2.amazonaws.com"), inline_policies=[inline("a", opened)]
    )
    found = find_escalations(PermissionIndex(snapshot(roles=[attacher], policies=[read_only]), NOW))
    assert found[attacher.arn].method_ids == ("iam-008",)
