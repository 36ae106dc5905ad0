"""The simulated impact shown on an approval request, for user and group targets."""

from __future__ import annotations

from bot.approvals.model import Target
from bot.approvals.wiring import summarize_impact
from bot.remediation.plan import Plan
from tests.factories import allow, group, managed_policy, policy_arn, snapshot, user


def _plan(kind: str, name: str, change: dict) -> Plan:
    return Plan(
        remediation="attach_policy",
        target=Target(kind, name),
        params={},
        summary="",
        steps=(),
        undo="",
        impact_change=change,
    )


def test_attaching_to_a_group_is_simulated_on_its_members_as_a_group_change() -> None:
    passrole = managed_policy("pass-role", allow("iam:PassRole"), attachment_count=0)
    snap = snapshot(
        users=[user("bob", groups=["devs"]), user("eve", groups=["devs"])],
        groups=[group("devs")],
        policies=[passrole],
    )
    change = {"kind": "attach_managed", "policy_arn": passrole.arn}
    impact = summarize_impact(snap, _plan("group", "devs", change))
    assert sorted(impact["simulated_on"]) == [
        "arn:aws:iam::123456789012:user/bob",
        "arn:aws:iam::123456789012:user/eve",
    ]
    assert "iam:PassRole" in impact["gained"]
    assert impact["lost"] == []


def test_detaching_from_a_group_shows_what_its_members_lose() -> None:
    read = managed_policy("read-logs", allow("logs:GetLogEvents"))
    snap = snapshot(
        users=[user("bob", groups=["devs"])],
        groups=[group("devs", attached_policies=[policy_arn("read-logs")])],
        policies=[read],
    )
    change = {"kind": "detach_managed", "policy_arn": read.arn}
    impact = summarize_impact(snap, _plan("group", "devs", change))
    assert "logs:GetLogEvents" in impact["lost"]
    assert impact["gained"] == []


def test_preview_says_when_a_change_gives_a_role_a_path_to_admin() -> None:
    """PassRole on one narrowly named admin role plus ec2:RunInstances, attached to a role:
    the approver reads which role gains a path to admin, and through which method."""
    from bot.slack.approval_blocks import impact_text
    from tests.factories import inline, role, service_trust

    ec2 = service_trust("ec2.amazonaws.com")
    admin = role("prod-admin", trust=ec2, inline_policies=[inline("all", allow("*"))])
    deployer = role("deployer", trust=ec2)
    grant = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": admin.arn},
            {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"},
        ],
    }
    snap = snapshot(users=[], roles=[admin, deployer])
    change = {"kind": "attach_managed", "policy_name": "deploy", "document": grant}
    impact = summarize_impact(snap, _plan("role", "deployer", change))
    assert impact["escalation"] == ["this change gives role deployer a path to admin (ec2-001)"]
    assert ":rotating_light: this change gives role deployer a path to admin (ec2-001)" in (
        impact_text(impact)
    )


def test_preview_of_a_harmless_change_has_no_escalation_line() -> None:
    from bot.slack.approval_blocks import impact_text

    snap = snapshot(users=[user("bob", groups=[])])
    change = {"kind": "attach_managed", "policy_name": "read", "document": allow("s3:GetObject")}
    impact = summarize_impact(snap, _plan("user", "bob", change))
    assert impact["escalation"] == []
    assert ":rotating_light:" not in impact_text(impact)
