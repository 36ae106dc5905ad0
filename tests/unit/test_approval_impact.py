"""The simulated impact shown on an approval request, for user and group targets."""

from __future__ import annotations

from bot.approval_services import summarize_impact
from bot.approvals.model import Target
from bot.remediation.registry import Plan
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
