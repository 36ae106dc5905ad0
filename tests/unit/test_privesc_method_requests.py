"""An escalation method's request decides the conditions on what it sets.

ec2-002 rewrites an existing instance's user data (ec2:ModifyInstanceAttribute), then stops
and starts it, to run code as its instance role. The request names the attribute it modifies
(ec2:Attribute), so an Allow kept to another attribute does not give the method: AWS's
AmazonRDSCustomServiceRolePolicy (its Sid eccModifyInstanceAttribute1) allows the call only
for InstanceType, which resizes, and a customer's "let developers resize their instances"
policy reads the same. The engine used to take ec2:Attribute as a key the caller picks freely,
and reported HIGH escalation for both.
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
