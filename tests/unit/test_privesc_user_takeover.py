"""Taking over another IAM user's credentials (iam-002/003 access keys, iam-004/006 console
passwords) escalates only onto a user richer than the holder, in a state the call succeeds on.

IAM API reference: CreateLoginProfile fails (EntityAlreadyExists) on a user that has a password,
UpdateLoginProfile (NoSuchEntity) on one that has none, CreateAccessKey (LimitExceeded) on a
user holding two keys. PMapper's IAM edge checker asks the same of each target. An account whose
people sign in through SSO has no IAM user to take over, so these actions alone gain nothing.
"""

from __future__ import annotations

import pytest

from bot.iam.effective import PermissionIndex
from bot.iam.privesc import find_escalations
from tests.factories import (
    NOW,
    allow,
    credential_row,
    inline,
    key,
    role,
    role_arn,
    service_trust,
    snapshot,
    user,
    user_arn,
    with_rows,
)

ADMIN = inline("all", allow("*"))
TAKEOVER = {
    "iam-002": ["iam:CreateAccessKey"],
    "iam-003": ["iam:CreateAccessKey", "iam:DeleteAccessKey"],
    "iam-004": ["iam:CreateLoginProfile"],
    "iam-006": ["iam:UpdateLoginProfile"],
}


def _held(snap, holder: str) -> dict[str, str]:
    """Method id -> the user the first takeover action is aimed at."""
    found = find_escalations(PermissionIndex(snap, NOW)).get(holder)
    if found is None:
        return {}
    return {h.method.id: h.accesses[0].resource for h in found.methods}


def _holder(actions: list[str], resource: str = "*"):
    return role(
        "ops",
        trust=service_trust("ec2.amazonaws.com"),
        inline_policies=[inline("creds", allow(actions, resource))],
    )


@pytest.mark.parametrize("method_id", sorted(TAKEOVER))
def test_an_account_without_users_has_nobody_to_take_over(method_id: str) -> None:
    snap = snapshot(users=[], roles=[_holder(TAKEOVER[method_id])])
    assert method_id not in _held(snap, role_arn("ops"))


@pytest.mark.parametrize("method_id", sorted(TAKEOVER))
def test_only_lesser_users_gain_nothing(method_id: str) -> None:
    """A user allowed nothing the holder is not (here: nothing at all) is no gain."""
    lesser = user("intern", groups=())
    snap = snapshot(users=[lesser], roles=[_holder(TAKEOVER[method_id])])
    assert method_id not in _held(snap, role_arn("ops"))


@pytest.mark.parametrize("method_id", sorted(TAKEOVER))
def test_the_finding_names_the_administrator_taken_over(method_id: str) -> None:
    """No credential report: the users' state is unknown, so every richer user is a target;
    administrators come first, so the evidence names one rather than a made-up probe ARN."""
    lesser = user("intern", groups=(), inline_policies=[inline("read", allow("s3:GetObject"))])
    boss = user("boss", groups=(), inline_policies=[ADMIN])
    snap = snapshot(
        users=[lesser, boss], roles=[_holder(TAKEOVER[method_id])], credential_report=None
    )
    assert _held(snap, role_arn("ops")).get(method_id) == user_arn("boss")


@pytest.mark.parametrize(("dev_rights", "held"), [(["s3:*"], True), ([], False)])
def test_a_grant_scoped_away_from_the_administrators_reaches_only_the_users_it_names(
    dev_rights: list[str], held: bool
) -> None:
    """CreateAccessKey on user/dev/* never reaches the administrator under /admins/: it is
    an escalation only when the dev user is itself richer than the holder (s3:*)."""
    boss = user("boss", path="/admins/", groups=(), inline_policies=[ADMIN])
    grants = [inline("r", allow(dev_rights))] if dev_rights else []
    dev = user("dev", path="/dev/", groups=(), inline_policies=grants)
    holder = _holder(["iam:CreateAccessKey"], "arn:aws:iam::123456789012:user/dev/*")
    snap = snapshot(users=[boss, dev], roles=[holder], credential_report=None)
    target = _held(snap, role_arn("ops")).get("iam-002")
    assert target == (user_arn("dev", path="/dev/") if held else None)


@pytest.mark.parametrize(
    ("password", "create", "update"),
    [(True, False, True), (False, True, False)],
)
def test_the_password_call_must_fit_the_users_state(password: bool, create: bool, update: bool):
    boss = user("boss", groups=(), inline_policies=[ADMIN])
    rows = with_rows(credential_row("boss", password=password))
    for method_id, expected in (("iam-004", create), ("iam-006", update)):
        snap = snapshot(users=[boss], roles=[_holder(TAKEOVER[method_id])], credential_report=rows)
        assert (method_id in _held(snap, role_arn("ops"))) is expected, method_id


def test_a_user_holding_two_keys_needs_delete_access_key_too() -> None:
    boss = user("boss", groups=(), inline_policies=[ADMIN])
    rows = with_rows(credential_row("boss", key1=key(), key2=key(active=False)))
    alone = snapshot(users=[boss], roles=[_holder(TAKEOVER["iam-002"])], credential_report=rows)
    assert "iam-002" not in _held(alone, role_arn("ops"))
    both = snapshot(users=[boss], roles=[_holder(TAKEOVER["iam-003"])], credential_report=rows)
    assert _held(both, role_arn("ops")).get("iam-003") == user_arn("boss")


def test_a_user_missing_from_the_report_is_still_a_target() -> None:
    """A report generated before the user existed says nothing about it."""
    boss = user("boss", groups=(), inline_policies=[ADMIN])
    rows = with_rows(credential_row("someone-else", password=True))
    snap = snapshot(users=[boss], roles=[_holder(TAKEOVER["iam-004"])], credential_report=rows)
    assert _held(snap, role_arn("ops")).get("iam-004") == user_arn("boss")
