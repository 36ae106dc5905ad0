"""The Slack audit page says whether the findings already take the organization's SCPs into
account: a member account's "can do X" means something else with and without them."""

from __future__ import annotations

import json

from bot.model.snapshot import ServiceControlPolicy
from bot.slack.blocks import audit_page
from tests.factories import (
    NOW,
    allow,
    audit,
    inline,
    policy_document,
    role,
    snapshot,
    statement,
    trust_policy,
    user,
)

FULL = ServiceControlPolicy("FullAWSAccess", allow("*"), "p-FullAWSAccess")
DENY = ServiceControlPolicy(
    "DenyKeys", policy_document(statement(effect="Deny", action="iam:CreateAccessKey")), "p-k"
)
CONDITIONAL = ServiceControlPolicy(
    "OnlyEU", allow("*", condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}), "p-eu"
)


def page_text(scps, **extra) -> str:
    snap = snapshot(
        users=[user("dev", inline_policies=[inline("k", allow("iam:CreateAccessKey"))])],
        service_control_policies=scps,
        **extra,
    )
    page = audit_page(audit(snap), report_id="r1", page=0, page_size=10, now=NOW)
    return json.dumps(page.message["blocks"])


def test_the_page_counts_the_scps_applied() -> None:
    assert "SCPs: 1 applied" in page_text(((FULL, DENY),))
    assert "not applied" not in page_text(((FULL, DENY),))


def test_the_page_says_when_some_could_not_be_applied() -> None:
    text = page_text(((FULL, DENY), (CONDITIONAL,)))
    assert "SCPs: 1 applied, 1 not applied (see the JSON report)" in text


def test_nothing_is_said_when_the_scps_are_unknown() -> None:
    assert "SCPs" not in page_text(None)


def test_the_management_account_is_said_to_have_none_applied() -> None:
    text = page_text(((FULL, DENY),), is_management_account=True)
    assert "SCPs: 0 applied, 1 not applied" in text


def test_the_page_counts_the_rcps_applied_to_role_trusts() -> None:
    """RCPs too: an open trust the organization closes is not reported, and the page says
    the findings heard them."""
    org_only = ServiceControlPolicy(
        "org-only",
        policy_document(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sts:AssumeRole",
                "Resource": "*",
                "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
            },
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sts:AssumeRole",
                "Resource": "*",
                "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
            },
        ),
    )
    snap = snapshot(
        roles=[role("open", trust=trust_policy("*"))], resource_control_policies=((org_only,),)
    )
    page = audit_page(audit(snap), report_id="r1", page=0, page_size=10, now=NOW)
    text = json.dumps(page.message["blocks"])
    assert "RCPs: 1 applied, 1 not applied (see the JSON report)" in text
    assert "role.trust_any_principal" not in text
