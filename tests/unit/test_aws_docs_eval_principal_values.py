"""Request values AWS fills in from the principal alone.

Page: IAM User Guide, "IAM policy elements: Variables and tags", "Request information that you
can use for policy variables", the principal table
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#principaltable):

| principal | aws:username | aws:userid | aws:PrincipalType |
| AWS account root user | (not present) | AWS account ID | Account |
| IAM user | IAM-user-name | unique ID | User |
| AWS STS federated user | (not present) | account:caller-specified-name | FederatedUser |
| assumed role | (not present) | role-id:caller-specified-name | AssumedRole |
| anonymous caller | (not present) | anonymous | Anonymous |

Before the fix the evaluator never put aws:userid in the context, so a statement keyed on the
root user's or a federated user's aws:userid (the values the table gives) never applied: a Deny
``StringEquals aws:userid <account id>`` did not stop the root user, and a grant to
``${aws:userid}`` never reached a federated user. The unique IDs of IAM users and roles are not
in their ARNs, so those stay absent unless the request supplies them.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.evaluator import Evaluator, PolicySet, Request
from bot.iam.policy import Policy, parse_policy

ACCOUNT = "111122223333"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
USER = f"arn:aws:iam::{ACCOUNT}:user/division/bob"
FEDERATED = f"arn:aws:sts::{ACCOUNT}:federated-user/carol"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/example/session"
BUCKET = "amzn-s3-demo-bucket"


def _policy(*statements: dict[str, Any], name: str = "p") -> Policy:
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, name=name)


def _decide(policies: PolicySet, caller: str, resource: str, **context: Any) -> str:
    request = Request(caller, "s3:GetObject", resource, resource_account=ACCOUNT, context=context)
    return Evaluator(policies).evaluate(request).decision


HOME = _policy(
    {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/home/${{aws:userid}}/*",
    }
)


def test_federated_user_userid_is_account_and_name() -> None:
    policies = PolicySet(identity=[HOME])
    mine = f"arn:aws:s3:::{BUCKET}/home/{ACCOUNT}:carol/report.csv"
    other = f"arn:aws:s3:::{BUCKET}/home/{ACCOUNT}:dave/report.csv"
    assert _decide(policies, FEDERATED, mine) == "allowed"
    assert _decide(policies, FEDERATED, other) == "implicit_deny"


def test_root_user_userid_is_the_account_id() -> None:
    """A Deny on the root user's aws:userid applies to it (SCPs aside, nothing else denies it)."""
    deny_root = _policy(
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {
            "Effect": "Deny",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:userid": ACCOUNT}},
        },
    )
    policies = PolicySet(identity=[deny_root])
    obj = f"arn:aws:s3:::{BUCKET}/x"
    assert _decide(policies, ROOT, obj) == "explicit_deny"
    assert _decide(policies, USER, obj) == "allowed"


def test_anonymous_userid_is_anonymous() -> None:
    bucket_policy = _policy(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
            "Condition": {"StringNotEquals": {"aws:userid": "anonymous"}},
        }
    )
    policies = PolicySet(resource_policy=bucket_policy)
    assert _decide(policies, "*", f"arn:aws:s3:::{BUCKET}/x") == "implicit_deny"


@pytest.mark.parametrize("caller", [USER, SESSION])
def test_userid_of_users_and_roles_comes_from_the_request(caller: str) -> None:
    """Their aws:userid holds unique IDs no ARN carries: absent unless supplied."""
    policies = PolicySet(identity=[HOME])
    resource = f"arn:aws:s3:::{BUCKET}/home/AIDAEXAMPLE/x"
    assert _decide(policies, caller, resource) == "implicit_deny"
    assert _decide(policies, caller, resource, **{"aws:userid": "AIDAEXAMPLE"}) == "allowed"


def test_supplied_userid_wins_over_the_derived_one() -> None:
    policies = PolicySet(identity=[HOME])
    resource = f"arn:aws:s3:::{BUCKET}/home/other/x"
    assert _decide(policies, FEDERATED, resource, **{"aws:userid": "other"}) == "allowed"
