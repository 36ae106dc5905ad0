"""Severities set from IAM Access Analyzer's check types (an ERROR or SECURITY_WARNING is at
least MEDIUM), and where we stay LOW on purpose: a region our botocore snapshot may lack, a
resource type the Service Authorization Reference is known to miss, ForAnyValue on a
single-valued key; POLICY_SIZE MEDIUM for identity policies only."""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.catalogue import ActionCatalogue, default_catalogue
from bot.iam.lint_arns import region_severity
from bot.iam.lint_model import LintFinding
from bot.iam.linter import lint_policy
from bot.model.severity import Severity


@pytest.fixture(scope="module")
def catalogue() -> ActionCatalogue:
    return default_catalogue()


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def only(findings: list[LintFinding], code: str) -> list[LintFinding]:
    return [f for f in findings if f.code == code]


@pytest.mark.parametrize(
    ("region", "partition", "expected"),
    [
        ("us-east-1", "aws", None),
        ("cn-north-1", "aws-cn", None),
        ("us-east-1", None, None),
        # Could be a region AWS opened after the snapshot: the next numbers of a series, or
        # the first of a new one.
        ("us-east-3", "aws", Severity.LOW),
        ("ap-southeast-8", "aws", Severity.LOW),
        ("zz-central-1", "aws", Severity.LOW),
        # Cannot be one.
        ("us-east-9", "aws", Severity.MEDIUM),
        ("zz-central-4", "aws", Severity.MEDIUM),
        ("us-esat-1", "aws", Severity.MEDIUM),
        ("useast1", "aws", Severity.MEDIUM),
        ("us-east-01", "aws", Severity.MEDIUM),
        ("cn-north-1", "aws", Severity.MEDIUM),  # a region of another partition
        ("us-gov-west-1", "aws", Severity.MEDIUM),
        ("us-gov-east-3", "aws", Severity.MEDIUM),  # no such series in the aws partition
    ],
)
def test_region_severity(region: str, partition: str | None, expected: Severity | None) -> None:
    assert region_severity(region, partition) is expected


def test_resource_part_of_a_catalogue_gap_stays_low(catalogue: ActionCatalogue) -> None:
    """CloudFormation's transform/ ARNs (CreateChangeSet on AWS::Serverless) are real but not
    in the Service Authorization Reference; another unmatched cloudformation part is MEDIUM."""

    def invalid(resource: str) -> list[tuple[str, Severity]]:
        found = lint_policy(
            doc(
                {
                    "Effect": "Allow",
                    "Action": "cloudformation:CreateChangeSet",
                    "Resource": resource,
                }
            ),
            catalogue=catalogue,
        )
        return [(f.detail["kind"], f.severity) for f in only(found, "INVALID_ARN")]

    assert invalid("arn:aws:cloudformation:us-east-1:aws:transform/Serverless-2016-10-31") == [
        ("resource", Severity.LOW)
    ]
    assert invalid("arn:aws:cloudformation:us-east-1:123456789012:stak/app/*") == [
        ("resource", Severity.MEDIUM)
    ]
    assert invalid("arn:aws:cloudformation:us-east-1:123456789012:stack/app/*") == []


@pytest.mark.parametrize(
    ("key", "value", "severity"),
    [
        ("aws:RequestedRegion", "us-east-9", Severity.MEDIUM),
        ("aws:RequestedRegion", "eu-moon-1", Severity.MEDIUM),
        ("aws:RequestedRegion", "eu-west-4", Severity.LOW),  # maybe opened after our list
        ("aws:PrincipalServiceName", "ec2", Severity.MEDIUM),
        ("kms:ViaService", "s3.amazonaws.com", Severity.MEDIUM),
        ("aws:SourceVpc", "vpc-xyz", Severity.MEDIUM),  # AA's "Invalid vpc format", an ERROR
        ("aws:SourceVpce", "vpce-xyz", Severity.MEDIUM),  # "Invalid vpce format", an ERROR
        ("aws:RequestedRegion", "eu-west-1", None),
        ("kms:ViaService", "s3.eu-west-1.amazonaws.com", None),
    ],
)
def test_identifier_condition_values(
    catalogue: ActionCatalogue, key: str, value: str, severity: Severity | None
) -> None:
    statement = {
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {"StringEquals": {key: value}},
    }
    found = only(lint_policy(doc(statement), catalogue=catalogue), "CONDITION_VALUE")
    assert [f.severity for f in found] == ([] if severity is None else [severity])


def _big() -> dict[str, Any]:
    many = [f"arn:aws:s3:::amzn-s3-demo-bucket/prefix-{i:04d}/*" for i in range(200)]
    return doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": many})


@pytest.mark.parametrize(
    ("policy_type", "severity"),
    [("identity", Severity.MEDIUM), ("boundary", Severity.HIGH)],
)
def test_policy_size_severity_by_type(
    catalogue: ActionCatalogue, policy_type: str, severity: Severity
) -> None:
    """An identity policy may be a role's inline policy (10,240 in total): MEDIUM; a boundary
    is a managed policy, whose 6,144 IAM enforces: HIGH."""
    (found,) = only(
        lint_policy(_big(), catalogue=catalogue, policy_type=policy_type),  # type: ignore[arg-type]
        "POLICY_SIZE",
    )
    assert (found.severity, found.detail["limit"]) == (severity, 6_144)
    assert ("10,240" in found.message) == (policy_type == "identity")


def test_policy_size_other_types_stay_high(catalogue: ActionCatalogue) -> None:
    """A bucket policy's quota is fixed: HIGH. A role trust policy's 2,048 can be raised, so it
    is MEDIUM (Access Analyzer's general warning "Policy size exceeds role trust policy
    quota"), as an identity policy's is."""
    principals = [f"arn:aws:iam::{i:012d}:root" for i in range(60)]
    trust = {"Effect": "Allow", "Principal": {"AWS": principals}, "Action": "sts:AssumeRole"}
    (too_big,) = only(
        lint_policy(doc(trust), catalogue=catalogue, policy_type="trust"), "POLICY_SIZE"
    )
    assert (too_big.severity, too_big.detail["limit"]) == (Severity.MEDIUM, 2_048)
    objects = [f"arn:aws:s3:::amzn-s3-demo-bucket/p-{i:05d}/*" for i in range(600)]
    bucket = {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "s3:GetObject"}
    (bucket_size,) = only(
        lint_policy(
            doc({**bucket, "Resource": objects}),
            catalogue=catalogue,
            policy_type="resource",
            resource_type="AWS::S3::Bucket",
        ),
        "POLICY_SIZE",
    )
    assert (bucket_size.severity, bucket_size.detail["limit"]) == (Severity.HIGH, 20_480)
