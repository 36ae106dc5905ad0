"""Impact of a proposed change: actions gained and lost, escalation, lock-out risks, bad input."""

from __future__ import annotations

import pytest

from bot.iam.impact import PolicyChange, change_impact, has_mfa_device
from bot.model.errors import InputError
from tests.factories import (
    ACCOUNT_ID,
    NOW,
    allow,
    console_user_row,
    credential_row,
    inline,
    managed_policy,
    policy_document,
    role,
    role_arn,
    snapshot,
    statement,
    trust_policy,
    user,
    user_arn,
    with_rows,
)

OBJECTS = "arn:aws:s3:::data/*"
SELF_SERVICE_MFA = policy_document(
    statement(action=["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices"])
)
DENY_WITHOUT_MFA = policy_document(
    statement(
        effect="Deny",
        action="*",
        condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    )
)
DENY_WITHOUT_MFA_EXCEPT_ENROLMENT = policy_document(
    statement(
        effect="Deny",
        not_action=["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices"],
        condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    )
)


def _impact(snap, change, arn=None):
    return change_impact(snap, arn or user_arn("dev"), change, now=NOW)


def test_attaching_a_policy_lists_the_actions_gained():
    reader = managed_policy("reader", allow(["s3:GetObject", "s3:ListBucket"], "*"))
    snap = snapshot(users=[user("dev")], policies=[reader])
    impact = _impact(snap, PolicyChange("attach_managed", policy_arn=reader.arn))
    assert set(impact.gained) == {"s3:GetObject", "s3:ListBucket"}
    assert "*" in impact.gained["s3:GetObject"]
    assert impact.lost == {}
    assert impact.actions_gained == ("s3:GetObject", "s3:ListBucket")
    assert not impact.escalates


def test_detaching_a_policy_lists_the_actions_lost():
    reader = managed_policy("reader", allow("s3:GetObject", OBJECTS))
    snap = snapshot(users=[user("dev", attached_policies=[reader.arn])], policies=[reader])
    impact = _impact(snap, PolicyChange("detach_managed", policy_arn=reader.arn))
    assert set(impact.lost) == {"s3:GetObject"}
    assert OBJECTS in impact.lost["s3:GetObject"]
    assert impact.gained == {}


def test_replacing_an_inline_policy_reports_resource_level_changes():
    snap = snapshot(
        users=[user("dev", inline_policies=[inline("p", allow("s3:GetObject", OBJECTS))])]
    )
    impact = _impact(
        snap,
        PolicyChange("put_inline", policy_name="p", document=allow("s3:GetObject", "*")),
    )
    assert "*" in impact.gained["s3:GetObject"]
    assert "s3:GetObject" not in impact.lost


def test_deleting_an_inline_policy():
    snap = snapshot(users=[user("dev", inline_policies=[inline("p", allow("sqs:SendMessage"))])])
    impact = _impact(snap, PolicyChange("delete_inline", policy_name="p"))
    assert set(impact.lost) == {"sqs:SendMessage"}


def test_a_deny_already_in_place_means_nothing_is_gained():
    deny = managed_policy("deny-iam", policy_document(statement(effect="Deny", action="iam:*")))
    snap = snapshot(users=[user("dev", attached_policies=[deny.arn])], policies=[deny])
    impact = _impact(
        snap, PolicyChange("put_inline", policy_name="p", document=allow("iam:CreateUser"))
    )
    assert impact.gained == {}


def test_gaining_an_escalation_method_is_reported():
    snap = snapshot(users=[user("dev")])
    impact = _impact(
        snap, PolicyChange("put_inline", policy_name="p", document=allow("iam:PutUserPolicy"))
    )
    assert impact.methods_gained == ("iam-007",)
    assert impact.escalates
    assert not impact.becomes_admin


def test_becoming_admin_is_reported():
    admin = managed_policy("AdministratorAccess", allow("*"), aws_managed=True)
    snap = snapshot(users=[user("dev")], policies=[admin])
    impact = _impact(snap, PolicyChange("attach_managed", policy_arn=admin.arn))
    assert impact.becomes_admin
    assert impact.methods_after == ()  # admins are not listed method by method
    assert len(impact.gained) > 1000


def test_gaining_the_right_to_assume_an_admin_role():
    admin_role = role(
        "admin",
        trust=trust_policy({"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}),
        inline_policies=[inline("all", allow("*"))],
    )
    snap = snapshot(users=[user("dev")], roles=[admin_role])
    impact = _impact(
        snap,
        PolicyChange(
            "put_inline", policy_name="p", document=allow("sts:AssumeRole", role_arn("admin"))
        ),
    )
    assert impact.admin_roles_assumable_gained == (role_arn("admin"),)
    assert impact.escalates


def test_setting_and_removing_a_boundary():
    boundary = managed_policy("boundary", allow("s3:*"))
    doc = allow(["s3:GetObject", "ec2:RunInstances"])
    snap = snapshot(users=[user("dev", inline_policies=[inline("p", doc)])], policies=[boundary])
    impact = _impact(snap, PolicyChange("set_boundary", policy_arn=boundary.arn))
    assert set(impact.lost) == {"ec2:RunInstances"}
    assert impact.gained == {}

    bounded = snapshot(
        users=[
            user("dev", inline_policies=[inline("p", doc)], permissions_boundary_arn=boundary.arn)
        ],
        policies=[boundary],
    )
    removed = _impact(bounded, PolicyChange("remove_boundary"))
    assert set(removed.gained) == {"ec2:RunInstances"}


def test_proposed_policy_not_yet_in_the_snapshot():
    arn = f"arn:aws:iam::{ACCOUNT_ID}:policy/new"
    snap = snapshot(users=[user("dev")])
    impact = _impact(
        snap, PolicyChange("attach_managed", policy_arn=arn, document=allow("sns:Publish"))
    )
    assert set(impact.gained) == {"sns:Publish"}
    assert impact.to_dict()["gained"] == {"sns:Publish": list(impact.gained["sns:Publish"])}


def test_role_changes_work_too():
    snap = snapshot(roles=[role("app")])
    impact = _impact(
        snap,
        PolicyChange("put_inline", policy_name="p", document=allow("dynamodb:GetItem")),
        arn=role_arn("app"),
    )
    assert set(impact.gained) == {"dynamodb:GetItem"}
    assert impact.lockout_risks == ()  # lock-out through MFA concerns users only


# --- lock-out ----------------------------------------------------------------------------------


def _mfa_snapshot(*, mfa: bool):
    return snapshot(
        users=[user("dev", inline_policies=[inline("self-service", SELF_SERVICE_MFA)])],
        credential_report=with_rows(console_user_row("dev", mfa=mfa)),
    )


def test_deny_without_mfa_locks_out_a_user_with_no_device():
    impact = _impact(
        _mfa_snapshot(mfa=False),
        PolicyChange("put_inline", policy_name="require-mfa", document=DENY_WITHOUT_MFA),
    )
    assert [r.code for r in impact.lockout_risks] == ["mfa_enrolment_blocked"]
    risk = impact.lockout_risks[0]
    assert set(risk.actions) == {"iam:CreateVirtualMFADevice", "iam:EnableMFADevice"}
    assert "locked out" in risk.message
    assert impact.to_dict()["lockout_risks"][0]["code"] == "mfa_enrolment_blocked"


def test_deny_without_mfa_is_safe_for_a_user_who_has_mfa():
    impact = _impact(
        _mfa_snapshot(mfa=True),
        PolicyChange("put_inline", policy_name="require-mfa", document=DENY_WITHOUT_MFA),
    )
    assert impact.lockout_risks == ()


def test_the_self_service_pattern_leaves_enrolment_open():
    impact = _impact(
        _mfa_snapshot(mfa=False),
        PolicyChange(
            "put_inline", policy_name="require-mfa", document=DENY_WITHOUT_MFA_EXCEPT_ENROLMENT
        ),
    )
    assert impact.lockout_risks == ()


def test_mfa_status_sources():
    dev = user("dev")
    assert has_mfa_device(snapshot(users=[dev], user_mfa_devices={"dev": ("GAHT1",)}), dev) is True
    assert has_mfa_device(snapshot(users=[dev], user_mfa_devices={"dev": ()}), dev) is False
    with_report = snapshot(users=[dev], credential_report=with_rows(credential_row("dev")))
    assert has_mfa_device(with_report, dev) is False
    assert has_mfa_device(snapshot(users=[dev], credential_report=None), dev) is None


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (PolicyChange("attach_managed"), "needs policy_arn"),
        (
            PolicyChange("attach_managed", policy_arn=f"arn:aws:iam::{ACCOUNT_ID}:policy/none"),
            "not in the snapshot",
        ),
        (
            PolicyChange("detach_managed", policy_arn=f"arn:aws:iam::{ACCOUNT_ID}:policy/x"),
            "not attached",
        ),
        (PolicyChange("put_inline", policy_name="p"), "needs a policy document"),
        (
            PolicyChange(
                "put_inline", policy_name="p", document={"Statement": [{"Effect": "Nope"}]}
            ),
            "malformed",
        ),
        (PolicyChange("delete_inline", policy_name="missing"), "no inline policy"),
        (PolicyChange("remove_boundary"), "no permissions boundary"),
        (PolicyChange("rename_user"), "unknown change"),  # type: ignore[arg-type]
    ],
)
def test_bad_changes_are_clear_input_errors(change, message):
    with pytest.raises(InputError, match=message):
        _impact(snapshot(users=[user("dev")]), change)


def test_unknown_principal():
    with pytest.raises(InputError, match="no user or role"):
        _impact(snapshot(users=[user("dev")]), PolicyChange("remove_boundary"), arn=user_arn("x"))


def test_attaching_twice_is_refused():
    reader = managed_policy("reader", allow("s3:GetObject"))
    snap = snapshot(users=[user("dev", attached_policies=[reader.arn])], policies=[reader])
    with pytest.raises(InputError, match="already attached"):
        _impact(snap, PolicyChange("attach_managed", policy_arn=reader.arn))


# --- changes made to a group, judged on a member ---------------------------------------------


def _group_snapshot():
    from tests.factories import group

    reader = managed_policy("reader", allow("s3:GetObject", OBJECTS))
    return snapshot(
        users=[user("dev", groups=["team"], attached_policies=[reader.arn])],
        groups=[group("team", attached_policies=[reader.arn])],
        policies=[reader],
    ), reader


def test_detaching_from_a_group_keeps_what_the_user_holds_directly():
    snap, reader = _group_snapshot()
    impact = _impact(snap, PolicyChange("detach_managed", policy_arn=reader.arn, group="team"))
    assert impact.lost == {}  # still attached to the user itself
    assert impact.to_dict()["change"]["group"] == "team"


def test_group_inline_policy_change():
    snap, _reader = _group_snapshot()
    impact = _impact(
        snap,
        PolicyChange(
            "put_inline", policy_name="p", document=allow("sqs:SendMessage"), group="team"
        ),
    )
    assert set(impact.gained) == {"sqs:SendMessage"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (PolicyChange("remove_boundary", group="team"), "no permissions boundary"),
        (PolicyChange("delete_inline", policy_name="p", group="nope"), "not in the snapshot"),
        (PolicyChange("delete_inline", policy_name="p", group="other"), "not a member"),
    ],
)
def test_bad_group_changes(change, message):
    from tests.factories import group

    snap, _reader = _group_snapshot()
    snap = snapshot(
        users=list(snap.users), groups=[*snap.groups, group("other")], policies=list(snap.policies)
    )
    with pytest.raises(InputError, match=message):
        _impact(snap, change)


def test_escalation_line_names_the_principal_and_the_route():
    snap = snapshot(users=[user("dev")])
    impact = _impact(
        snap, PolicyChange("put_inline", policy_name="p", document=allow("iam:PutUserPolicy"))
    )
    assert impact.escalation == "this change gives user dev a path to admin (iam-007)"
    assert impact.to_dict()["escalation"] == impact.escalation


def test_escalation_line_for_becoming_admin_and_for_an_assumable_admin_role():
    admin = managed_policy("AdministratorAccess", allow("*"), aws_managed=True)
    snap = snapshot(users=[user("dev")], policies=[admin])
    impact = _impact(snap, PolicyChange("attach_managed", policy_arn=admin.arn))
    assert impact.escalation == "this change makes user dev an administrator"
    admin_role = role(
        "admin",
        trust=trust_policy({"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}),
        inline_policies=[inline("all", allow("*"))],
    )
    snap = snapshot(users=[user("dev")], roles=[admin_role])
    change = PolicyChange(
        "put_inline", policy_name="p", document=allow("sts:AssumeRole", role_arn("admin"))
    )
    assert (
        _impact(snap, change).escalation
        == "this change gives user dev a path to admin (assume admin)"
    )


def test_escalation_line_for_a_role_that_can_make_users_admin():
    snap = snapshot(users=[], roles=[role("ops")])
    change = PolicyChange("put_inline", policy_name="p", document=allow("iam:AttachUserPolicy"))
    impact = change_impact(snap, role_arn("ops"), change, now=NOW)
    assert impact.escalation == (
        "this change lets role ops grant administrator rights to other principals (iam-008)"
    )


def test_no_escalation_line_for_a_harmless_change():
    snap = snapshot(users=[user("dev")])
    change = PolicyChange("put_inline", policy_name="p", document=allow("s3:GetObject"))
    assert _impact(snap, change).escalation is None
