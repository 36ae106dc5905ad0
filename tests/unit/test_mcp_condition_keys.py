"""The MCP condition keys, on AWS's own policies.

- AWS managed policy AWSMcpServiceActionsFullAccess (AWS Managed Policy reference, created
  2025-11-21, v3): Allow ``*`` on ``*`` under ``Bool aws:IsMcpServiceAction true``, which "provides
  full access to all MCP service actions. This policy does not grant access to the actions taken
  by the MCP, only the MCP actions themselves". The engine read the key as one the caller sets,
  so every holder was a CRITICAL administrator, with policy.admin_star and 117 escalation methods.
- The AWS MCP Server user guide's "Identity-based policy examples": Denies on
  aws:ViaAWSMCPService and aws:CalledViaAWSMCP, keys the linter called unknown (MEDIUM).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.iam.catalogue import default_catalogue
from bot.iam.evaluator import Evaluator, PolicySet, Request
from bot.iam.linter import lint_policy
from bot.iam.matching import action_matcher
from bot.iam.mcp_actions import mcp_only, mcp_patterns, mcp_services
from bot.iam.policy import parse_policy
from bot.model.severity import Severity
from tests.factories import audit, managed_policy, snapshot, user

MCP_FULL_ACCESS: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AllowAllMCPServiceActions",
            "Effect": "Allow",
            "Action": "*",
            "Resource": "*",
            "Condition": {"Bool": {"aws:IsMcpServiceAction": "true"}},
        }
    ],
}
# AWS MCP Server user guide, "Identity-based policy examples for AWS MCP Server".
DENY_ALL_VIA_MCP = {
    "Sid": "DenyAllActionsViaMCP",
    "Effect": "Deny",
    "Action": "*",
    "Resource": "*",
    "Condition": {"Bool": {"aws:ViaAWSMCPService": "true"}},
}
DENY_DELETE_VIA_MCP: list[dict[str, Any]] = [
    {
        "Sid": "AllowS3ReadOperations",
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:ListBucket"],
        "Resource": "*",
    },
    {
        "Sid": "DenyDeleteWhenAccessedViaMCP",
        "Effect": "Deny",
        "Action": ["s3:DeleteObject", "s3:DeleteBucket"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:CalledViaAWSMCP": "aws-mcp.amazonaws.com"}},
    },
]
USER = "arn:aws:iam::123456789012:user/agent-dev"


def _document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _decide(document: dict[str, Any], action: str, **context: str) -> str:
    policies = PolicySet(identity=[parse_policy(document, name="p")])
    request = Request(USER, action, "*", context=context)
    return Evaluator(policies).evaluate(request).decision


def test_the_aws_managed_mcp_policy_makes_nobody_an_administrator() -> None:
    policy = managed_policy("AWSMcpServiceActionsFullAccess", MCP_FULL_ACCESS, aws_managed=True)
    holder = user("agent-dev", groups=(), attached_policies=[policy.arn])
    report = audit(snapshot(users=[holder], policies=[policy]))
    assert not report.errors
    serious = [f for f in report.findings if f.severity.rank >= Severity.MEDIUM.rank]
    assert serious == [], [(f.check_id, f.resource_arn) for f in serious]
    # What it does grant is said for what it is: every action of the MCP services.
    (wildcard,) = [f for f in report.findings if f.check_id == "policy.service_wildcard"]
    assert "eks-mcp:*" in wildcard.detail


def test_the_same_statement_without_the_key_still_is_an_administrator() -> None:
    """The control: only the key changes the reading, and an IfExists test (true where the
    key is absent, so on every other action) narrows nothing."""
    for condition in ({}, {"BoolIfExists": {"aws:IsMcpServiceAction": "true"}}):
        statement = {**MCP_FULL_ACCESS["Statement"][0], "Condition": condition}
        policy = managed_policy("Broad", _document(statement))
        holder = user("agent-dev", groups=(), attached_policies=[policy.arn])
        report = audit(snapshot(users=[holder], policies=[policy]))
        admins = [f for f in report.findings if f.check_id == "principal.admin_equivalent"]
        assert [f.resource_arn for f in admins] == [holder.arn]


def test_the_linter_knows_the_mcp_keys_and_what_the_managed_policy_grants() -> None:
    catalogue = default_catalogue()
    for document in (
        MCP_FULL_ACCESS,
        _document(DENY_ALL_VIA_MCP),
        _document(*DENY_DELETE_VIA_MCP),
    ):
        findings = lint_policy(
            document, catalogue=catalogue, policy_type="identity", capabilities=True
        )
        assert [f.code for f in findings] == [], [f.message for f in findings]


def test_the_evaluator_sets_the_key_on_mcp_actions_only() -> None:
    assert _decide(MCP_FULL_ACCESS, "eks-mcp:InvokeMcp") == "allowed"
    assert _decide(MCP_FULL_ACCESS, "s3:GetObject") == "implicit_deny"
    assert _decide(MCP_FULL_ACCESS, "iam:CreateUser") == "implicit_deny"
    # The guide's Deny: everything through an MCP server, the MCP actions included.
    both = _document(DENY_ALL_VIA_MCP, *MCP_FULL_ACCESS["Statement"])
    assert _decide(both, "eks-mcp:InvokeMcp", **{"aws:ViaAWSMCPService": "true"}) == (
        "explicit_deny"
    )
    assert _decide(both, "eks-mcp:InvokeMcp") == "allowed"
    deletes = _document(
        *DENY_DELETE_VIA_MCP, {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    )
    via = {"aws:CalledViaAWSMCP": "aws-mcp.amazonaws.com"}
    assert _decide(deletes, "s3:DeleteObject", **via) == "explicit_deny"
    assert _decide(deletes, "s3:DeleteObject") == "allowed"


def test_patterns_are_cut_down_to_the_mcp_services() -> None:
    services = mcp_services()
    assert {"aws-mcp", "ecs-mcp", "eks-mcp"} <= set(services)
    assert all(s.endswith("-mcp") for s in services)
    assert set(mcp_patterns(["*"])) == {f"{s}:*" for s in services}
    assert set(mcp_patterns(["e*:Get*"])) == {"ecs-mcp:get*", "eks-mcp:get*"}
    # A pattern naming a service is kept: AWS's Partner Central policies allow
    # partnercentral:UseSession under the key, so MCP service actions are not only the -mcp
    # services'.
    assert mcp_patterns(["s3:*", "partnercentral:UseSession"]) == (
        "s3:*",
        "partnercentral:UseSession",
    )
    assert mcp_patterns(["*", "iam:*"])[-1] == "iam:*"
    (statement,) = parse_policy(MCP_FULL_ACCESS, name="p").statements
    narrowed = mcp_only(statement)
    assert narrowed is not None
    assert narrowed.conditions == ()
    only_s3 = parse_policy(
        _document({**MCP_FULL_ACCESS["Statement"][0], "Action": "s3:*"}), name="p"
    ).statements[0]
    assert mcp_only(only_s3) is only_s3  # as before: the condition assumed satisfiable
    only_other_services = parse_policy(
        _document({**MCP_FULL_ACCESS["Statement"][0], "Action": "s3*:*"}), name="p"
    ).statements[0]
    assert mcp_only(only_other_services) is None  # no MCP service's name starts with s3
    not_action = parse_policy(
        _document(
            {
                "Effect": "Allow",
                "NotAction": "iam:*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:IsMcpServiceAction": "true"}},
            }
        ),
        name="p",
    ).statements[0]
    assert mcp_only(not_action) is not_action  # no list to cut down: read as before


_ACTIONS = sorted(default_catalogue().all_actions())[::97]
_MCP_ACTIONS = ["eks-mcp:InvokeMcp", "ecs-mcp:CallReadOnlyTool", "aws-mcp:CallReadWriteTool"]
# Patterns whose service part is a wildcard: the ones the engine cuts down.
_PATTERNS = st.sampled_from(["*", "*:*", "e*:*", "*-mcp:Invoke*", "*:Get*", "?ks-*:*"])


@settings(max_examples=150, deadline=None)
@given(
    patterns=st.lists(_PATTERNS, min_size=1, max_size=3),
    action=st.sampled_from(_ACTIONS + _MCP_ACTIONS),
)
def test_the_narrowed_statement_matches_what_the_evaluator_allows(
    patterns: list[str], action: str
) -> None:
    """The engine's reading (mcp_only) against the reference evaluator, which sets the key as
    AWS does: the same actions are allowed."""
    document = _document({**MCP_FULL_ACCESS["Statement"][0], "Action": patterns})
    (statement,) = parse_policy(document, name="p").statements
    narrowed = mcp_only(statement)
    engine = narrowed is not None and action_matcher(narrowed.actions or ())(action.lower())
    assert engine == (_decide(document, action) == "allowed")


def test_a_named_service_action_under_the_key_stays_granted() -> None:
    """AWS managed policy AWSPartnerCentralFullAccess, statement PartnerCentralAgentsSessionAccess:
    partnercentral:UseSession under aws:IsMcpServiceAction and a catalog condition. The action
    can be called as an MCP service action, so its holder has it (an empty reading would hide
    what the policy grants)."""
    statement = {
        "Sid": "PartnerCentralAgentsSessionAccess",
        "Effect": "Allow",
        "Action": ["partnercentral:UseSession"],
        "Resource": "*",
        "Condition": {
            "Bool": {"aws:IsMcpServiceAction": "true"},
            "StringEquals": {"partnercentral:Catalog": ["AWS", "Sandbox"]},
        },
    }
    (parsed,) = parse_policy(_document(statement), name="p").statements
    assert mcp_only(parsed) is parsed
    assert _decide(_document(statement), "partnercentral:UseSession") == "implicit_deny"
    mcp_request = {"aws:IsMcpServiceAction": "true", "partnercentral:Catalog": "AWS"}
    assert _decide(_document(statement), "partnercentral:UseSession", **mcp_request) == "allowed"


def test_the_catalogue_types_the_mcp_keys() -> None:
    catalogue = default_catalogue()
    types = {
        key: info.type
        for key in ("aws:ViaAWSMCPService", "aws:CalledViaAWSMCP", "aws:IsMcpServiceAction")
        if (info := catalogue.find_condition_key(key)) is not None
    }
    assert types == {
        "aws:ViaAWSMCPService": "Bool",
        "aws:CalledViaAWSMCP": "String",
        "aws:IsMcpServiceAction": "Bool",
    }
