"""Review of the linter: Amazon S3 Glacier's vault lock policy.

Amazon Glacier Developer Guide, "Vault Lock policies" (and the InitiateVaultLock example):
``"Effect": "Deny", "Principal": "*", "Action": "glacier:DeleteArchive"`` with
``"NumericLessThan": {"glacier:ArchiveAgeInDays": "365"}``: archives younger than a year cannot
be deleted. The service authorization data types glacier:ArchiveAgeInDays as String, so the
linter called the documented Numeric operator a type mismatch (medium, "never sensibly"),
on the one control a compliance vault lock exists for. The key is a count of days: Numeric
operators fit it, and String ones still do (as the data says).
"""

from __future__ import annotations

import pytest

from bot.iam.catalogue import ActionCatalogue, default_catalogue
from bot.iam.lint_model import CONDITION_TYPE_MISMATCH
from bot.iam.linter import lint_policy


@pytest.fixture(scope="module")
def catalogue() -> ActionCatalogue:
    return default_catalogue()


def _vault_lock(operator: str, value: str) -> dict[str, object]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "deny-based-on-archive-age",
                "Principal": "*",
                "Effect": "Deny",
                "Action": "glacier:DeleteArchive",
                "Resource": ["arn:aws:glacier:us-west-2:123456789012:vaults/examplevault"],
                "Condition": {operator: {"glacier:ArchiveAgeInDays": value}},
            }
        ],
    }


@pytest.mark.parametrize("operator", ["NumericLessThan", "NumericLessThanEquals", "StringEquals"])
def test_the_documented_vault_lock_policy_is_clean(
    catalogue: ActionCatalogue, operator: str
) -> None:
    assert (
        lint_policy(_vault_lock(operator, "365"), catalogue=catalogue, policy_type="resource") == []
    )


@pytest.mark.parametrize(
    ("operator", "value"), [("DateLessThan", "365"), ("NumericLessThan", "a year")]
)
def test_a_date_operator_or_a_value_that_is_no_number_is_still_a_mismatch(
    catalogue: ActionCatalogue, operator: str, value: str
) -> None:
    found = lint_policy(_vault_lock(operator, value), catalogue=catalogue, policy_type="resource")
    assert CONDITION_TYPE_MISMATCH in {f.code for f in found}
