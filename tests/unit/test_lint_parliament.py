"""Parliament's own test policies (duo-labs/parliament, tests/unit and its community auditors'
tests), each with the iam-audit code that answers Parliament's finding type (README's table).

The policies are the facts; the assertions are ours. Where the two tools differ on purpose the
test says so (an empty Sid is Access Analyzer's "Empty Sid value" suggestion, for instance).
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.catalogue import ActionCatalogue, default_catalogue
from bot.iam.lint_model import LintFinding
from bot.iam.linter import lint_policy


@pytest.fixture(scope="module")
def catalogue() -> ActionCatalogue:
    return default_catalogue()


def statement(**fields: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": fields}


def codes(
    catalogue: ActionCatalogue,
    document: Any,
    policy_type: str = "identity",
    *,
    community: bool = False,
) -> set[str]:
    """Lint codes; `community` turns on the capability findings, which answer Parliament's
    community auditors (opt-in in both tools)."""
    found: list[LintFinding] = lint_policy(
        document,
        catalogue=catalogue,
        policy_type=policy_type,  # type: ignore[arg-type]
        capabilities=community,
    )
    return {f.code for f in found}


LIST_BUCKET = {"Effect": "Allow", "Action": "s3:listbucket", "Resource": "arn:aws:s3:::bucket-name"}


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        # MALFORMED_JSON, MALFORMED
        ("not json", {"MALFORMED"}),
        (
            statement(
                Effect="Allow",
                Action="s3:listallmybuckets",
                NotAction="s3:listallmybuckets",
                Resource="*",
            ),
            {"MALFORMED"},
        ),
        (statement(Effect="Allow", Resource="*"), {"MALFORMED"}),
        ({"Version": "2012-10-17"}, {"MALFORMED"}),
        (statement(Effect="Allow", Action="s3:listallmybuckets", Resource="s3"), {"MALFORMED"}),
        # INVALID_SID
        (
            statement(
                Sid="Statement With Spaces And Special Chars!?",
                Effect="Allow",
                Action="s3:listallmybuckets",
                Resource="*",
            ),
            {"INVALID_SID"},
        ),
        # correct policies
        (statement(Effect="Allow", Action="s3:listallmybuckets", Resource="*"), set()),
        (
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "s3:listallmybuckets", "Resource": "*"},
                    {"Effect": "Allow", "Action": "iam:listusers", "Resource": "*"},
                ],
            },
            set(),
        ),
        (
            statement(
                **LIST_BUCKET,
                Condition={"DateGreaterThan": {"aws:CurrentTime": "2019-07-16T12:00:00Z"}},
            ),
            set(),
        ),
        (
            statement(
                **LIST_BUCKET,
                Condition={"StringEqualsIfExists": {"s3:prefix": ["home/${aws:username}/*"]}},
            ),
            set(),
        ),
        # UNKNOWN_ACTION
        (
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "s3:listallmybuckets", "Resource": "*"},
                    {"Effect": "Allow", "Action": ["iam:listusers", "iam:list"], "Resource": "*"},
                ],
            },
            {"UNKNOWN_ACTION"},
        ),
        # UNKNOWN_CONDITION_FOR_ACTION
        (
            statement(
                **LIST_BUCKET, Condition={"DateGreaterThan": {"bad": "2019-07-16T12:00:00Z"}}
            ),
            {"UNKNOWN_CONDITION_KEY"},
        ),
        (
            statement(**LIST_BUCKET, Condition={"StringEquals": {"s3:x-amz-storage-class": "bad"}}),
            {"CONDITION_KEY_UNSUPPORTED"},
        ),
        # MISMATCHED_TYPE
        (
            statement(**LIST_BUCKET, Condition={"StringEquals": {"s3:signatureage": "bad"}}),
            {"CONDITION_TYPE_MISMATCH"},
        ),
        (
            statement(
                **LIST_BUCKET,
                Condition={"NumericEquals": {"s3:prefix": ["home/${aws:username}/*"]}},
            ),
            {"CONDITION_TYPE_MISMATCH", "INVALID_POLICY_VARIABLE"},
        ),
        (
            statement(
                **LIST_BUCKET,
                Condition={
                    "DateGreaterThan": {"aws:CurrentTime": "bad"},
                    "StringEquals": {"s3:prefix": ["home/${aws:username}/*"]},
                },
            ),
            {"CONDITION_TYPE_MISMATCH"},
        ),
        # an unquoted boolean is fine
        (
            statement(
                Effect="Allow",
                Action="kms:CreateGrant",
                Resource="arn:aws:kms:us-east-1:123456789012:key/*",
                Condition={"Bool": {"kms:GrantIsForAWSResource": True}},
            ),
            set(),
        ),
        # resource formats Parliament's tests accept
        (
            statement(
                Effect="Allow",
                Action="redshift:GetClusterCredentials",
                Resource="arn:aws:redshift:us-west-2:123456789012:dbuser:the_cluster/the_user",
            ),
            set(),
        ),
        (
            statement(
                Effect="Allow",
                Action="lambda:AddLayerVersionPermission",
                Resource="arn:aws:lambda:*:123456789012:layer:sol-*:*",
            ),
            set(),
        ),
        # RESOURCE_STAR only for actions that can be scoped
        (statement(Effect="Allow", Action="guardduty:ListDetectors", Resource="*"), set()),
        # BAD_PATTERN_FOR_MFA
        (
            statement(
                Effect="Allow",
                Action="s3:GetObject",
                Resource="arn:aws:s3:::b/*",
                Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}},
            ),
            {"MFA_CONDITION_PATTERN"},
        ),
    ],
)
def test_parliament_test_policies(
    catalogue: ActionCatalogue, document: Any, expected: set[str]
) -> None:
    assert codes(catalogue, document) == expected


def test_condition_mismatch_and_resource_star(catalogue: ActionCatalogue) -> None:
    """Parliament: UNKNOWN_CONDITION_FOR_ACTION and RESOURCE_STAR."""
    found = codes(
        catalogue,
        statement(
            Effect="Allow",
            Action=["ec2:*", "s3:*"],
            Resource="*",
            Condition={"StringNotEquals": {"iam:ResourceTag/status": "prod"}},
        ),
    )
    assert {"CONDITION_KEY_UNSUPPORTED", "WILDCARD_SENSITIVE"} <= found


def test_terminate_instances_on_star(catalogue: ActionCatalogue) -> None:
    """Parliament: RESOURCE_STAR (iam-audit: low, since a condition scopes it)."""
    found = codes(
        catalogue,
        statement(
            Effect="Allow",
            Action="ec2:TerminateInstances",
            Resource="*",
            Condition={
                "ArnEquals": {
                    "ec2:InstanceProfile": "arn:aws:iam::123456789012:instance-profile/my_role"
                }
            },
        ),
    )
    assert found == {"WILDCARD_SENSITIVE"}


@pytest.mark.parametrize(
    "principal",
    [
        {"AWS": ["arn:aws:iam::000000000000:root", "arn:aws:iam::111111111111:root"]},
        {"AWS": "000000000000"},
        {"AWS": "arn:aws:iam::000000000000:user/alice"},
        {"Federated": "cognito-identity.amazonaws.com"},
    ],
)
def test_principals_parliament_accepts(
    catalogue: ActionCatalogue, principal: dict[str, Any]
) -> None:
    document = statement(
        Effect="Allow",
        Principal=principal,
        Action=["s3:GetObject"],
        Resource=["arn:aws:s3:::examplebucket/*"],
    )
    assert codes(catalogue, document, "resource") == set()


def test_public_read_bucket_is_reported_as_public_but_not_high(catalogue: ActionCatalogue) -> None:
    """Parliament's basic bucket policy ("Principal": "*", s3:GetObject) has no finding there;
    iam-audit says it is public (it is), at medium since it only reads."""
    document = statement(
        Sid="AddPerm",
        Effect="Allow",
        Principal="*",
        Action=["s3:GetObject"],
        Resource=["arn:aws:s3:::examplebucket/*"],
    )
    found = lint_policy(document, catalogue=catalogue, policy_type="resource")
    assert [(f.code, f.severity.value) for f in found] == [("PUBLIC_PRINCIPAL", "medium")]


@pytest.mark.parametrize(
    ("document", "escalates"),
    [
        (
            statement(Effect="Allow", Action=["s3:GetObject", "s3:PutBucketPolicy"], Resource="*"),
            True,
        ),
        (
            statement(
                Effect="Allow",
                Action=["s3:GetObject", "s3:PutBucketPolicy"],
                Resource=["arn:aws:s3:::bucket", "arn:aws:s3:::bucket/*"],
            ),
            True,
        ),
        (
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Action": ["s3:ListBucket", "s3:Put*", "s3:Get*", "s3:*MultipartUpload*"],
                        "Resource": ["*"],
                        "Effect": "Allow",
                    },
                    {
                        "Action": [
                            "s3:*Policy*",
                            "sns:*Permission*",
                            "sns:*Delete*",
                            "s3:*Delete*",
                            "sns:*Remove*",
                        ],
                        "Resource": ["*"],
                        "Effect": "Deny",
                    },
                ],
            },
            True,  # the policies are denied, but s3:PutBucketAcl still opens the bucket
        ),
        (
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "s3:PutBucketPolicy",
                        "Resource": "arn:aws:s3:::examplebucket",
                    },
                    {"Effect": "Deny", "Action": "*", "Resource": "*"},
                ],
            },
            False,
        ),
    ],
)
def test_resource_policy_privilege_escalation(
    catalogue: ActionCatalogue, document: dict[str, Any], escalates: bool
) -> None:
    """Parliament RESOURCE_POLICY_PRIVILEGE_ESCALATION."""
    assert ("RESOURCE_POLICY_ESCALATION" in codes(catalogue, document)) is escalates


def test_community_auditors(catalogue: ActionCatalogue) -> None:
    """Parliament's community auditors: NOTPRINCIPAL_WITH_ALLOW, NOTRESOURCE_WITH_ALLOW,
    CREDENTIALS_EXPOSURE, PRIVILEGE_ESCALATION, PERMISSIONS_MANAGEMENT_ACTIONS,
    SINGLE_VALUE_CONDITION_TOO_PERMISSIVE."""
    not_principal = statement(
        Effect="Allow",
        NotPrincipal={"AWS": "arn:aws:iam::111122223333:user/Bob"},
        Action="s3:GetObject",
        Resource="arn:aws:s3:::b/*",
    )
    assert "ALLOW_NOT_PRINCIPAL" in codes(catalogue, not_principal, "resource")
    not_resource = statement(Effect="Allow", Action="s3:GetObject", NotResource="arn:aws:s3:::b/*")
    assert "ALLOW_NOT_RESOURCE" in codes(catalogue, not_resource)
    exposure = statement(Effect="Allow", Action="iam:CreateAccessKey", Resource="*")
    assert {"CREDENTIALS_EXPOSURE", "PRIVILEGE_ESCALATION"} <= codes(
        catalogue, exposure, community=True
    )
    management = statement(Effect="Allow", Action="iam:AttachUserPolicy", Resource="*")
    assert {"PERMISSIONS_MANAGEMENT", "PRIVILEGE_ESCALATION"} <= codes(
        catalogue, management, community=True
    )
    single_valued = statement(
        Effect="Allow",
        Action="s3:GetObject",
        Resource="arn:aws:s3:::b/*",
        Condition={"ForAllValues:StringEquals": {"aws:username": ["alice", "bob"]}},
    )
    assert codes(catalogue, single_valued) == {"CONDITION_TYPE_MISMATCH"}


def test_sensitive_access(catalogue: ActionCatalogue) -> None:
    """Parliament SENSITIVE_ACCESS, its auditor's test: s3:GetObject on arn:aws:s3:::secret*
    is sensitive; the policy reads secretbucket/* and writes otherbucket/*."""
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": "arn:aws:s3:::secretbucket/*",
            },
            {
                "Effect": "Allow",
                "Action": ["s3:PutObject"],
                "Resource": "arn:aws:s3:::otherbucket/*",
            },
        ],
    }
    sensitive = {"s3:GetObject": ["arn:aws:s3:::secret*"]}
    found = lint_policy(document, catalogue=catalogue, sensitive=sensitive)
    assert [(f.code, f.statement) for f in found] == [("SENSITIVE_ACCESS", 0)]
    assert found[0].detail == {"action": "s3:GetObject", "resources": ["arn:aws:s3:::secret*"]}
    assert lint_policy(document, catalogue=catalogue) == []  # nothing is sensitive by default
    wildcard = {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"},
    }
    assert "SENSITIVE_ACCESS" in {
        f.code for f in lint_policy(wildcard, catalogue=catalogue, sensitive=sensitive)
    }
    elsewhere = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::public/*",
        },
    }
    assert lint_policy(elsewhere, catalogue=catalogue, sensitive=sensitive) == []


@pytest.mark.parametrize(
    ("resource", "escalates"),
    [
        ("arn:aws:s3:::reports/*", False),  # `*` on one bucket: S3 calls only
        ("arn:aws:dynamodb:us-east-1:123456789012:table/t", False),
        ("*", True),
        ("arn:aws:iam::123456789012:*", True),  # IAM resources: iam-001, iam-002...
        ("arn:aws:*:*:*:*", True),  # any service's resources
    ],
)
def test_privilege_escalation_reads_actions_on_their_own_resources(
    catalogue: ActionCatalogue, resource: str, escalates: bool
) -> None:
    """`Action: *` on an S3 ARN matches iam:CreatePolicyVersion by name, but no request for it
    names an S3 ARN (Service Authorization Reference: its resource is a policy ARN), so the
    policy grants no escalation method; the audit reads grants the same way."""
    grant = statement(Effect="Allow", Action="*", Resource=resource)
    assert ("PRIVILEGE_ESCALATION" in codes(catalogue, grant, community=True)) is escalates


def test_capabilities_read_each_action_on_its_own_resources(catalogue: ActionCatalogue) -> None:
    """iam:CreateAccessKey and iam:AttachUserPolicy granted only on a bucket ARN are never
    authorized (their resources are IAM users): no credentials exposure, no permissions
    management, no escalation. Granted on an IAM user ARN they are all three."""
    actions = ["iam:CreateAccessKey", "iam:AttachUserPolicy"]
    capabilities = {"CREDENTIALS_EXPOSURE", "PERMISSIONS_MANAGEMENT", "PRIVILEGE_ESCALATION"}
    on_bucket = statement(Effect="Allow", Action=actions, Resource="arn:aws:s3:::b")
    assert not codes(catalogue, on_bucket, community=True) & capabilities
    on_users = statement(
        Effect="Allow", Action=actions, Resource="arn:aws:iam::111122223333:user/*"
    )
    assert codes(catalogue, on_users, community=True) >= capabilities
