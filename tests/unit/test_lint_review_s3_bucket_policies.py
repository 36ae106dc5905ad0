"""Review of the linter against bucket policies from AWS's S3 and CloudFront documentation.

- CloudFront Developer Guide, "Restricting access to an Amazon S3 origin" (legacy origin access
  identity): the bucket policy's principal is
  ``arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity <OAI ID>``, an ARN with
  ``cloudfront`` where the account goes and spaces in the name. S3 accepts it (and rewrites
  the canonical user form to it), so it is not a malformed principal.
- S3 User Guide, "Configuring IAM policies for using access points" (delegating access control
  to access points): ``"Principal": {"AWS": "*"}, "Action": "*"`` limited by
  ``StringEquals s3:DataAccessPointAccount <bucket owner>``: only requests through that
  account's access points get in, and the access points' policies decide who. That is a
  pinned principal, as aws:PrincipalAccount would be, not an open one.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.catalogue import ActionCatalogue, default_catalogue
from bot.iam.lint_model import INVALID_PRINCIPAL, PUBLIC_PRINCIPAL, LintFinding
from bot.iam.linter import lint_policy

OAI = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity EH1HDMB1FH2TC"


@pytest.fixture(scope="module")
def catalogue() -> ActionCatalogue:
    return default_catalogue()


def _lint(catalogue: ActionCatalogue, document: Any) -> list[LintFinding]:
    return lint_policy(document, catalogue=catalogue, policy_type="resource")


def _bucket_policy(principal: Any, **extra: Any) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": principal,
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
                **extra,
            }
        ],
    }


def test_cloudfront_origin_access_identity_is_a_valid_principal(
    catalogue: ActionCatalogue,
) -> None:
    assert _lint(catalogue, _bucket_policy({"AWS": OAI})) == []


@pytest.mark.parametrize(
    "principal",
    [
        "arn:aws:iam::cloudfront:user/",
        "arn:aws:iam::cloudfront:role/CloudFront Origin Access Identity EH1HDMB1FH2TC",
        "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity *",
        "arn:aws:iam::lambda:user/CloudFront Origin Access Identity EH1HDMB1FH2TC",
    ],
)
def test_other_non_account_arns_stay_invalid(catalogue: ActionCatalogue, principal: str) -> None:
    assert INVALID_PRINCIPAL in {
        f.code for f in _lint(catalogue, _bucket_policy({"AWS": principal}))
    }


ACCESS_POINT_DELEGATION = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "*",
            "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket", "arn:aws:s3:::amzn-s3-demo-bucket/*"],
            "Condition": {"StringEquals": {"s3:DataAccessPointAccount": "111122223333"}},
        }
    ],
}


def test_delegating_to_the_accounts_access_points_is_not_public(
    catalogue: ActionCatalogue,
) -> None:
    assert PUBLIC_PRINCIPAL not in {f.code for f in _lint(catalogue, ACCESS_POINT_DELEGATION)}


def test_delegating_to_one_access_point_by_arn_is_not_public(catalogue: ActionCatalogue) -> None:
    document = _bucket_policy(
        "*",
        Condition={
            "StringEquals": {
                "s3:DataAccessPointArn": "arn:aws:s3:us-west-2:111122223333:accesspoint/my-ap"
            }
        },
    )
    assert PUBLIC_PRINCIPAL not in {f.code for f in _lint(catalogue, document)}


@pytest.mark.parametrize(
    "condition",
    [
        {"StringNotEquals": {"s3:DataAccessPointAccount": "111122223333"}},
        {"StringLike": {"s3:DataAccessPointAccount": "*"}},
        {"StringEqualsIfExists": {"s3:DataAccessPointAccount": "111122223333"}},
    ],
)
def test_access_point_keys_that_pin_nothing_stay_public(
    catalogue: ActionCatalogue, condition: dict[str, Any]
) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [{**ACCESS_POINT_DELEGATION["Statement"][0], "Condition": condition}],
    }
    assert PUBLIC_PRINCIPAL in {f.code for f in _lint(catalogue, document)}
