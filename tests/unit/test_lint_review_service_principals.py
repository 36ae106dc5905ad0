"""Review of the linter against documented policies of other services (not written by this team).

- Amazon SNS: the topic access policy the SNS console writes for a new topic tests
  ``AWS:SourceOwner`` (an undocumented legacy global key that SNS honours; aws:SourceAccount is
  its documented successor, awsdocs/iam-user-guide issue 111). It is not an unknown key.
- AWS Lambda / Alexa Skills Kit: ``aws lambda add-permission --principal alexa-appkit.amazon.com
  --event-source-token amzn1.ask.skill...`` writes a resource policy whose service principal
  ends in ``amazon.com``, not ``amazonaws.com`` (AWS's service principal list has
  alexa-appkit.amazon.com and alexa-connectedhome.amazon.com). Valid, not a malformed principal.
- IAM: ``iam:PassedToService`` and ``iam:AWSServiceName`` take a service principal
  (``ec2.amazonaws.com``, IAM User Guide, "Condition keys for IAM"); a bare service name
  (``ec2``) never matches, as Access Analyzer's "Invalid service principal format" says.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.catalogue import ActionCatalogue, default_catalogue
from bot.iam.lint_model import CONDITION_VALUE, INVALID_PRINCIPAL, UNKNOWN_CONDITION_KEY
from bot.iam.linter import lint_policy


@pytest.fixture(scope="module")
def catalogue() -> ActionCatalogue:
    return default_catalogue()


def _codes(catalogue: ActionCatalogue, document: Any, policy_type: str) -> set[str]:
    return {
        f.code
        for f in lint_policy(document, catalogue=catalogue, policy_type=policy_type)  # type: ignore[arg-type]
    }


SNS_CONSOLE_DEFAULT = {
    "Version": "2008-10-17",
    "Id": "__default_policy_ID",
    "Statement": [
        {
            "Sid": "__default_statement_ID",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": [
                "SNS:GetTopicAttributes",
                "SNS:SetTopicAttributes",
                "SNS:AddPermission",
                "SNS:RemovePermission",
                "SNS:DeleteTopic",
                "SNS:Subscribe",
                "SNS:ListSubscriptionsByTopic",
                "SNS:Publish",
            ],
            "Resource": "arn:aws:sns:us-east-2:111122223333:MyTopic",
            "Condition": {"StringEquals": {"AWS:SourceOwner": "111122223333"}},
        }
    ],
}


@pytest.mark.parametrize("policy_type", ["resource", None])
def test_sns_console_default_topic_policy_source_owner_is_a_known_key(
    catalogue: ActionCatalogue, policy_type: str | None
) -> None:
    assert UNKNOWN_CONDITION_KEY not in _codes(catalogue, SNS_CONSOLE_DEFAULT, policy_type)  # type: ignore[arg-type]


def test_source_owner_with_a_numeric_operator_is_still_a_type_mismatch(
    catalogue: ActionCatalogue,
) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "sns:Publish",
                "Resource": "arn:aws:sns:us-east-2:111122223333:MyTopic",
                "Condition": {"NumericEquals": {"aws:SourceOwner": "111122223333"}},
            }
        ],
    }
    assert "CONDITION_TYPE_MISMATCH" in _codes(catalogue, document, "resource")


def test_a_misspelt_global_key_is_still_unknown(catalogue: ActionCatalogue) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sns:Publish",
                "Resource": "arn:aws:sns:us-east-2:111122223333:MyTopic",
                "Condition": {"StringEquals": {"aws:SourceOwnr": "111122223333"}},
            }
        ],
    }
    assert UNKNOWN_CONDITION_KEY in _codes(catalogue, document, "identity")


ALEXA_SKILL_PERMISSION = {
    "Version": "2012-10-17",
    "Id": "default",
    "Statement": [
        {
            "Sid": "alexa-skill",
            "Effect": "Allow",
            "Principal": {"Service": "alexa-appkit.amazon.com"},
            "Action": "lambda:InvokeFunction",
            "Resource": "arn:aws:lambda:us-east-1:111122223333:function:my-skill",
            "Condition": {
                "StringEquals": {"lambda:EventSourceToken": "amzn1.ask.skill.1a2b3c4d-5e6f"}
            },
        }
    ],
}


def test_alexa_service_principal_is_a_valid_principal(catalogue: ActionCatalogue) -> None:
    assert INVALID_PRINCIPAL not in _codes(catalogue, ALEXA_SKILL_PERMISSION, "resource")


@pytest.mark.parametrize("value", ["alexa-appkit.amazon.com", "alexa-connectedhome.amazon.com"])
def test_alexa_service_principal_is_a_valid_principal_service_name(
    catalogue: ActionCatalogue, value: str
) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Action": "lambda:InvokeFunction",
                "Resource": "arn:aws:lambda:us-east-1:111122223333:function:my-skill",
                "Condition": {"StringNotEquals": {"aws:PrincipalServiceName": value}},
            }
        ],
    }
    assert CONDITION_VALUE not in _codes(catalogue, document, "identity")


@pytest.mark.parametrize(
    "value", ["amazonaws.com", "alexa-appkit", "lambda", "arn:aws:iam::aws:service/lambda"]
)
def test_malformed_service_principals_are_still_invalid(
    catalogue: ActionCatalogue, value: str
) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": value},
                "Action": "lambda:InvokeFunction",
                "Resource": "arn:aws:lambda:us-east-1:111122223333:function:f",
                "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}},
            }
        ],
    }
    assert INVALID_PRINCIPAL in _codes(catalogue, document, "resource")


def _service_condition(action: str, key: str, value: Any, resource: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": action,
                "Resource": resource,
                "Condition": {"StringEquals": {key: value}},
            }
        ],
    }


ROLE = "arn:aws:iam::111122223333:role/app-*"


@pytest.mark.parametrize(
    ("action", "key", "value", "resource"),
    [
        ("iam:PassRole", "iam:PassedToService", "ec2", ROLE),
        ("iam:PassRole", "iam:PassedToService", ["lambda.amazonaws.com", "ecs-tasks"], ROLE),
        ("iam:PassRole", "iam:PassedToService", "arn:aws:iam::aws:service/ec2", ROLE),
        ("iam:CreateServiceLinkedRole", "iam:AWSServiceName", "autoscaling", "*"),
    ],
)
def test_service_principal_keys_with_a_bare_service_name_never_match(
    catalogue: ActionCatalogue, action: str, key: str, value: Any, resource: str
) -> None:
    found = lint_policy(
        _service_condition(action, key, value, resource),
        catalogue=catalogue,
        policy_type="identity",
    )
    values = [f for f in found if f.code == CONDITION_VALUE]
    assert values, found
    assert values[0].detail.get("key") == key


@pytest.mark.parametrize(
    ("action", "key", "value", "resource"),
    [
        ("iam:PassRole", "iam:PassedToService", "ec2.amazonaws.com", ROLE),
        (
            "iam:PassRole",
            "iam:PassedToService",
            ["lambda.amazonaws.com", "states.amazonaws.com"],
            ROLE,
        ),
        ("iam:PassRole", "iam:PassedToService", "ec2.amazonaws.com.cn", ROLE),
        ("iam:PassRole", "iam:PassedToService", "${aws:PrincipalTag/service}", ROLE),
        ("iam:CreateServiceLinkedRole", "iam:AWSServiceName", "autoscaling.amazonaws.com", "*"),
        (
            "iam:CreateServiceLinkedRole",
            "iam:AWSServiceName",
            "custom-resource.application-autoscaling.amazonaws.com",
            "*",
        ),
    ],
)
def test_service_principal_keys_with_service_principals_are_quiet(
    catalogue: ActionCatalogue, action: str, key: str, value: Any, resource: str
) -> None:
    found = lint_policy(
        _service_condition(action, key, value, resource),
        catalogue=catalogue,
        policy_type="identity",
    )
    assert CONDITION_VALUE not in {f.code for f in found}, found
