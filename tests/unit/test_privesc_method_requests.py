"""An escalation method's request decides the conditions on what it sets, and the resources
it is authorized against.

ec2-002 rewrites an existing instance's user data (ec2:ModifyInstanceAttribute), then stops
and starts it, to run code as its instance role. The request names the attribute it modifies
(ec2:Attribute), so an Allow kept to another attribute does not give the method: AWS's
AmazonRDSCustomServiceRolePolicy (its Sid eccModifyInstanceAttribute1) allows the call only
for InstanceType, which resizes, and a customer's "let developers resize their instances"
policy reads the same. The engine used to take ec2:Attribute as a key the caller picks freely,
and reported HIGH escalation for both.

ssm-002's ssm:SendCommand is authorized against the instance and the document it runs: AWS's
AWSBackupOperatorAccess and AWSBackupFullAccess allow it on every instance but with one
document, AWSEC2-CreateVssSnapshot, which runs no command of the caller's. The engine asked
about one resource of the call and reported every backup operator as able to escalate.
ssm-001's ssm:StartSession opens a shell on an instance; AmazonECSServiceRolePolicy allows it
on ECS tasks only (ECS Exec).
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.privesc_methods import methods_by_id, parse_methods
from bot.model.errors import InputError
from bot.model.snapshot import Role
from tests.factories import (
    inline,
    role,
    run_check,
    service_trust,
    snapshot,
    user,
)

STOP_START = {
    "Effect": "Allow",
    "Action": ["ec2:StopInstances", "ec2:StartInstances"],
    "Resource": "arn:aws:ec2:*:*:instance/*",
}


def _administrator_instance_role(name: str) -> Role:
    """An EC2 instance role allowed everything: what ec2-002 would run as."""
    everything = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    return role(
        name, trust=service_trust("ec2.amazonaws.com"), inline_policies=[inline("all", everything)]
    )


def _modify(condition: dict[str, Any] | None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Action": "ec2:ModifyInstanceAttribute",
        "Resource": "arn:aws:ec2:*:*:instance/*",
    }
    if condition is not None:
        statement["Condition"] = condition
    return statement


def _methods(condition: dict[str, Any] | None) -> set[str]:
    """The escalation methods of a user holding Stop/Start and ModifyInstanceAttribute under
    ``condition``, in an account with an administrator instance role to run as."""
    instance_role = _administrator_instance_role("web-instance")
    policy = {"Version": "2012-10-17", "Statement": [STOP_START, _modify(condition)]}
    holder = user("ops", groups=(), inline_policies=[inline("ops", policy)])
    findings = run_check(
        "principal.privilege_escalation", snapshot(users=[holder], roles=[instance_role])
    )
    mine = [f for f in findings if f.resource_arn == holder.arn]
    return set(mine[0].evidence["method_ids"]) if mine else set()


@pytest.mark.parametrize(
    ("condition", "holds"),
    [
        pytest.param(None, True, id="any attribute"),
        pytest.param({"StringEquals": {"ec2:Attribute": "InstanceType"}}, False, id="resize"),
        pytest.param(
            {"StringEquals": {"ec2:Attribute": ["InstanceType", "UserData"]}},
            True,
            id="resize or user data",
        ),
        pytest.param({"StringEquals": {"ec2:Attribute": "userData"}}, True, id="API spelling"),
        pytest.param(
            {"StringNotEquals": {"ec2:Attribute": ["UserData", "userData"]}},
            False,
            id="all but user data",
        ),
        pytest.param(
            {"StringEqualsIfExists": {"ec2:Attribute": "InstanceType"}}, False, id="IfExists"
        ),
        pytest.param(
            {"StringLike": {"ec2:Attribute": "*Type"}}, False, id="a pattern that misses it"
        ),
    ],
)
def test_user_data_must_be_an_attribute_the_allow_lets_through(
    condition: dict[str, Any] | None, holds: bool
) -> None:
    assert ("ec2-002" in _methods(condition)) is holds


def test_the_aws_managed_rds_custom_policy_keeps_only_what_it_gives() -> None:
    """AmazonRDSCustomServiceRolePolicy's statements for ec2-002, as AWS publishes them: the
    resize-only ModifyInstanceAttribute, Stop/Start on instances tagged AWSRDSCustom."""
    rds_custom = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ecc2",
                "Effect": "Allow",
                "Action": ["ec2:StartInstances", "ec2:StopInstances", "ec2:RebootInstances"],
                "Resource": "arn:aws:ec2:*:*:instance/*",
                "Condition": {
                    "StringLike": {
                        "aws:ResourceTag/AWSRDSCustom": [
                            "custom-oracle",
                            "custom-sqlserver",
                            "custom-oracle-rac",
                        ]
                    }
                },
            },
            {
                "Sid": "eccModifyInstanceAttribute1",
                "Effect": "Allow",
                "Action": ["ec2:ModifyInstanceAttribute"],
                "Resource": ["arn:aws:ec2:*:*:instance/*"],
                "Condition": {
                    "StringEquals": {
                        "aws:ResourceTag/AWSRDSCustom": ["custom-sqlserver"],
                        "ec2:Attribute": "InstanceType",
                    }
                },
            },
        ],
    }
    instance_role = _administrator_instance_role("db-instance")
    service = role(
        "rds-custom",
        trust=service_trust("custom.rds.amazonaws.com"),
        inline_policies=[inline("rds", rds_custom)],
    )
    findings = run_check("principal.privilege_escalation", snapshot(roles=[service, instance_role]))
    assert [f for f in findings if f.resource_arn == service.arn] == []


def _ssm_methods(*statements: dict[str, Any]) -> set[str]:
    """The escalation methods of a user holding ``statements``, beside an administrator
    instance role to run as."""
    policy = {"Version": "2012-10-17", "Statement": list(statements)}
    holder = user("ops", groups=(), inline_policies=[inline("ops", policy)])
    findings = run_check(
        "principal.privilege_escalation",
        snapshot(users=[holder], roles=[_administrator_instance_role("web-instance")]),
    )
    mine = [f for f in findings if f.resource_arn == holder.arn]
    return set(mine[0].evidence["method_ids"]) if mine else set()


def _send_command(*resources: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "ssm:SendCommand", "Resource": list(resources)}


INSTANCES = "arn:aws:ec2:*:*:instance/*"


@pytest.mark.parametrize(
    ("statement", "holds"),
    [
        # AWSBackupOperatorAccess, Sid SSMComandAccess, as AWS publishes it.
        (_send_command("arn:aws:ssm:*:*:document/AWSEC2-CreateVssSnapshot", INSTANCES), False),
        (_send_command("arn:aws:ssm:*::document/AWS-RunShellScript", INSTANCES), True),
        (_send_command("arn:aws:ssm:*:*:document/*", INSTANCES), True),
        (_send_command("*"), True),
        (_send_command("arn:aws:ssm:*:*:document/*"), False),  # no instance to send it to
        (_send_command(INSTANCES), False),  # no document it may run
        # The account's own documents may run anything, named by the probe or not; a name
        # SSM reserves for AWS (aws*, amazon*, amzn*) is no document of the account's.
        (_send_command("arn:aws:ssm:*:123456789012:document/team-*", INSTANCES), True),
        (_send_command("arn:aws:ssm:*:*:document/AWSQuickSetup-*", INSTANCES), False),
        (_send_command("arn:aws:ssm:*:*:document/AWS-RunPatchBaseline", INSTANCES), False),
    ],
)
def test_send_command_needs_an_instance_and_a_document_that_runs_anything(
    statement: dict[str, Any], holds: bool
) -> None:
    assert ("ssm-002" in _ssm_methods(statement)) is holds


def test_a_session_on_ecs_tasks_is_no_shell_on_an_instance() -> None:
    """AmazonECSServiceRolePolicy, Sid ExecuteCommand."""
    ecs_exec = {
        "Effect": "Allow",
        "Action": ["ssm:StartSession"],
        "Resource": [
            "arn:aws:ecs:*:*:task/*",
            "arn:aws:ssm:*:*:document/AmazonECS-ExecuteInteractiveCommand",
        ],
    }
    assert "ssm-001" not in _ssm_methods(ecs_exec)
    on_instances = {"Effect": "Allow", "Action": "ssm:StartSession", "Resource": INSTANCES}
    assert "ssm-001" in _ssm_methods(on_instances)


def test_the_catalogue_records_the_request() -> None:
    method = methods_by_id()["ec2-002"]
    assert method.request_values("EC2:ModifyInstanceAttribute") == (
        ("ec2:attribute", ("UserData", "userData")),
    )
    assert method.request_values("ec2:StopInstances") == ()


@pytest.mark.parametrize(
    ("request_field", "message"),
    [
        ({"ec2:RunInstances": {"ec2:Attribute": "x"}}, "not one of its actions"),
        ({"ec2:ModifyInstanceAttribute": {"Attribute": "x"}}, "is not 'service:Key'"),
        ({"ec2:ModifyInstanceAttribute": {}}, "must map keys to values"),
        (["ec2:ModifyInstanceAttribute"], "request must be an object"),
        ({"ec2:ModifyInstanceAttribute": {"ec2:Attribute": [1]}}, "list of strings"),
    ],
)
def test_a_malformed_request_fails_loudly(request_field: Any, message: str) -> None:
    row = {
        "id": "ec2-002",
        "category": "existing-passrole",
        "actions": ["ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:StartInstances"],
        "runs_as": ["ec2.amazonaws.com"],
        "request": request_field,
    }
    with pytest.raises(InputError, match=message):
        parse_methods([row])


@pytest.mark.parametrize(
    ("resources", "message"),
    [
        ({"ec2:RunInstances": [["arn:aws:ec2:*:*:instance/*"]]}, "not one of its actions"),
        ({"ssm:SendCommand": []}, "must be lists of ARNs"),
        ({"ssm:SendCommand": [[]]}, "must be lists of ARNs"),
        ({"ssm:SendCommand": [["instance/*"]]}, "must be lists of ARNs"),
        ({"ssm:SendCommand": [[1]]}, "list of strings"),
        ("ssm:SendCommand", "resources must be an object"),
    ],
)
def test_malformed_resources_fail_loudly(resources: Any, message: str) -> None:
    row = {
        "id": "ssm-002",
        "category": "existing-passrole",
        "actions": ["ssm:SendCommand"],
        "runs_as": ["ec2.amazonaws.com"],
        "resources": resources,
    }
    with pytest.raises(InputError, match=message):
        parse_methods([row])


def test_the_catalogue_records_the_resources() -> None:
    groups = methods_by_id()["ssm-002"].resource_groups("SSM:SendCommand")
    assert len(groups) == 2
    assert all(t.startswith("arn:${Partition}:") for group in groups for t in group)
    assert "arn:${Partition}:ssm:${Region}::document/AWS-RunShellScript" in groups[1]
    assert methods_by_id()["ec2-002"].resource_groups("ec2:StopInstances") == ()
