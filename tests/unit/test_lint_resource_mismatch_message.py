"""RESOURCE_MISMATCH names a few of an action's resource types and says how many it left out.

`ec2:*` on an S3 ARN listed five of EC2's resource types after "it acts on", which read as if
EC2 had only those five; the finding's details keep the whole list.
"""

from __future__ import annotations

from bot.iam.catalogue import default_catalogue
from bot.iam.linter import lint_policy


def _mismatches(action: str, resource: str) -> list:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}],
    }
    found = lint_policy(document, catalogue=default_catalogue())
    return [f for f in found if f.code == "RESOURCE_MISMATCH"]


def test_a_long_list_says_how_many_types_it_left_out() -> None:
    (finding,) = _mismatches("ec2:*", "arn:aws:s3:::bucket/*")
    total = len(finding.detail["expected_resource_types"])
    assert total > 5
    assert finding.message.endswith(f"; and {total - 5} more resource types")


def test_a_short_list_is_given_whole() -> None:
    (finding,) = _mismatches("s3:ListBucket", "arn:aws:s3:::bucket/*")
    assert "more resource types" not in finding.message
    assert "bucket (arn:${Partition}:s3:::${BucketName})" in finding.message
