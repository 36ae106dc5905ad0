"""Review of the linter: ``"Principal": "*"`` pinned by a condition whose value has a wildcard.

IAM User Guide, global condition keys: aws:PrincipalOrgPaths is tested with
``ForAnyValue:StringLike`` and a path ending in ``/*`` (``o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*``:
every account under that OU of that organization), and aws:PrincipalArn with ``ArnLike`` and a
role-name wildcard in one account. Both pin who may come in to one organization or one
account, as a literal aws:PrincipalOrgID or aws:PrincipalAccount does; the linter took any
wildcard in the value as pinning nothing and said PUBLIC_PRINCIPAL ("check that they pin the
account or organization"). A wildcard in the organization ID or the account still pins nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.catalogue import ActionCatalogue, default_catalogue
from bot.iam.lint_model import PUBLIC_PRINCIPAL
from bot.iam.linter import lint_policy


@pytest.fixture(scope="module")
def catalogue() -> ActionCatalogue:
    return default_catalogue()


def _public(catalogue: ActionCatalogue, condition: dict[str, Any]) -> bool:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
                "Condition": condition,
            }
        ],
    }
    found = lint_policy(document, catalogue=catalogue, policy_type="resource")
    return PUBLIC_PRINCIPAL in {f.code for f in found}


@pytest.mark.parametrize(
    "condition",
    [
        {
            "ForAnyValue:StringLike": {
                "aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"]
            }
        },
        {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/*"]}},
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/app-*"}},
        {"ArnLike": {"aws:PrincipalArn": ["arn:aws:iam::111122223333:*"]}},
    ],
)
def test_a_wildcard_after_the_organization_or_account_still_pins(
    catalogue: ActionCatalogue, condition: dict[str, Any]
) -> None:
    assert not _public(catalogue, condition)


@pytest.mark.parametrize(
    "condition",
    [
        {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": ["o-*/r-ab12/*"]}},
        {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": ["*"]}},
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/app-*"}},
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::1111222233*:role/app"}},
        {
            "ArnLike": {
                "aws:PrincipalArn": [
                    "arn:aws:iam::111122223333:role/app-*",
                    "arn:aws:iam::*:role/app-*",
                ]
            }
        },
        {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/app-*"}},
    ],
)
def test_a_wildcard_in_the_organization_or_account_pins_nothing(
    catalogue: ActionCatalogue, condition: dict[str, Any]
) -> None:
    assert _public(catalogue, condition)
