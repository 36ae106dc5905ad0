"""explain() must trace SCP statements as the decision uses them.

AWS Organizations User Guide, "Service control policies (SCPs)": SCPs do not affect users or
roles in the management account, nor service-linked roles, and they limit only the IAM users
and roles of member accounts (an AWS service principal or an anonymous caller is not one). The
decision already left SCPs out for those callers; explain() showed the SCP's Deny as applying,
so `iam-audit simulate --explain` contradicted its own verdict.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.evaluator import Evaluator, PolicySet, Request
from bot.iam.policy import Policy, parse_policy

ACCOUNT = "111122223333"
BUCKET = "arn:aws:s3:::example-bucket/report.csv"


def _policy(*statements: dict[str, Any], name: str) -> Policy:
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, name=name)


ADMIN = _policy({"Effect": "Allow", "Action": "*", "Resource": "*"}, name="admin")
OPEN = _policy({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}, name="open")
FULL_AWS_ACCESS = _policy({"Effect": "Allow", "Action": "*", "Resource": "*"}, name="FullAWSAccess")
DENY_S3 = _policy({"Effect": "Deny", "Action": "s3:*", "Resource": "*"}, name="deny-s3")
LEVELS = [[FULL_AWS_ACCESS, DENY_S3]]


@pytest.mark.parametrize(
    ("caller", "flags", "why"),
    [
        (
            f"arn:aws:iam::{ACCOUNT}:user/alice",
            {"principal_in_management_account": True},
            "management account",
        ),
        (
            f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/elasticmapreduce.amazonaws.com/"
            "AWSServiceRoleForEMRCleanup",
            {},
            "service-linked role",
        ),
        ("cloudtrail.amazonaws.com", {}, "AWS service principal"),
        ("*", {}, "anonymous"),
    ],
    ids=["management-account", "service-linked-caller", "service-principal", "anonymous"],
)
def test_explain_agrees_with_the_decision_where_scps_do_not_apply(
    caller: str, flags: dict[str, bool], why: str
) -> None:
    policies = PolicySet(identity=[ADMIN], scps=LEVELS, resource_policy=OPEN, **flags)
    evaluator = Evaluator(policies)
    request = Request(caller, "s3:GetObject", BUCKET, resource_account=ACCOUNT)
    assert evaluator.evaluate(request).decision == "allowed"
    scp_traces = [t for t in evaluator.explain(request) if t.kind == "scp"]
    assert scp_traces
    assert not any(t.applies for t in scp_traces)
    assert all(why in t.why for t in scp_traces)


def test_explain_still_traces_scps_for_a_member_accounts_user() -> None:
    policies = PolicySet(identity=[ADMIN], scps=LEVELS, resource_policy=OPEN)
    evaluator = Evaluator(policies)
    request = Request(f"arn:aws:iam::{ACCOUNT}:user/alice", "s3:GetObject", BUCKET)
    assert evaluator.evaluate(request).decision == "explicit_deny"
    applying = [t for t in evaluator.explain(request) if t.kind == "scp" and t.applies]
    assert [t.policy for t in applying] == ["FullAWSAccess", "deny-s3"]
