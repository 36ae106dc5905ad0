"""Service control policies in the audit: a member account's findings leave out what the SCPs
over it refuse (bot/iam/scp_ceiling.py reads their Denies, and allow lists, as Deny policies).

The SCPs are AWS's own examples: the aws-samples service-control-policy-examples
"Deny-critical-IAM-user-actions.json" (an exception by aws:PrincipalArn and by a principal tag),
the AWS Organizations User Guide's "Deny access to AWS based on the requested AWS Region"
(General examples) and FullAWSAccess; the allow-list level is the guide's "SCP evaluation"
allow-list strategy.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.audit.report import Report
from bot.iam.effective import PermissionIndex
from bot.iam.scp_ceiling import scp_ceiling
from bot.model.snapshot import AccountSnapshot, Role, ServiceControlPolicy
from tests.factories import (
    ACCOUNT_ID,
    NOW,
    account_trust,
    allow,
    audit,
    inline,
    policy_document,
    role,
    snapshot,
    statement,
    user,
)

FULL_ACCESS = ServiceControlPolicy(
    "FullAWSAccess", allow("*"), "p-FullAWSAccess", "r-ab12"
)  # AWS attaches it to the root, every OU and every account
DENY_CRITICAL_IAM_USER_ACTIONS = ServiceControlPolicy(
    "DenyCriticalIAMUserActions",
    policy_document(
        statement(
            effect="Deny",
            action=[
                "iam:CreateAccessKey",
                "iam:CreateUser",
                "iam:UpdateLoginProfile",
                "iam:CreateLoginProfile",
                "iam:DeleteLoginProfile",
                "iam:UpdateAccountPasswordPolicy",
                "iam:DeleteAccountPasswordPolicy",
                "iam:CreateServiceSpecificCredential",
            ],
            condition={
                "ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/break-glass"},
                "StringNotLike": {"aws:PrincipalTag/IAMUserManagementException": "true"},
            },
        )
    ),
    "p-critical",
    "r-ab12",
)
REGION_DENY = ServiceControlPolicy(
    "DenyAllOutsideEU",
    policy_document(
        statement(
            effect="Deny",
            not_action=["iam:*", "organizations:*", "route53:*", "sts:*", "support:*"],
            condition={
                "StringNotEquals": {"aws:RequestedRegion": ["eu-central-1", "eu-west-1"]},
                "ArnNotLike": {
                    "aws:PrincipalARN": [
                        "arn:aws:iam::*:role/Role1AllowedToBypassThisSCP",
                        "arn:aws:iam::*:role/Role2AllowedToBypassThisSCP",
                    ]
                },
            },
        )
    ),
    "p-region",
    "ou-eu",
)
TAKE_OVER_KEYS = inline("keys", allow("iam:CreateAccessKey", "arn:aws:iam::*:user/*"))
ADMIN = inline("admin", allow("*"))


def levels(*per_level: tuple[ServiceControlPolicy, ...]) -> tuple[tuple[Any, ...], ...]:
    return tuple(per_level)


def account(scps: tuple[tuple[ServiceControlPolicy, ...], ...] | None, **extra: Any):
    """An administrator (the takeover target), three holders of iam:CreateAccessKey on every
    user (a plain user, the exempt role, a user tagged for the exception), and an admin role."""
    return snapshot(
        users=[
            user("admin", inline_policies=[ADMIN]),
            user("dev", inline_policies=[TAKE_OVER_KEYS]),
            _tagged(user("helpdesk", inline_policies=[TAKE_OVER_KEYS])),
        ],
        roles=[role("break-glass", inline_policies=[TAKE_OVER_KEYS])],
        service_control_policies=scps,
        **extra,
    )


def _tagged(entity: Any) -> Any:
    from dataclasses import replace

    return replace(entity, tags={"IAMUserManagementException": "true"})


def findings(report: Report, check: str) -> set[str]:
    return {f.resource_arn.rsplit(":", 1)[1] for f in report.findings if f.check_id == check}


ESCALATION = "principal.privilege_escalation"


def test_without_scps_every_holder_can_take_over_the_administrator() -> None:
    report = audit(account(None))
    assert findings(report, ESCALATION) == {"user/dev", "user/helpdesk", "role/break-glass"}
    assert "service_control_policies" not in report.extra


def test_deny_critical_iam_user_actions_keeps_only_the_exempt_principals() -> None:
    """The SCP's Deny holds for dev; the break-glass role (aws:PrincipalArn) and the user
    tagged IAMUserManagementException=true are exempt, as the SCP says."""
    report = audit(account(levels((FULL_ACCESS, DENY_CRITICAL_IAM_USER_ACTIONS), (FULL_ACCESS,))))
    assert findings(report, ESCALATION) == {"user/helpdesk", "role/break-glass"}
    summary = report.extra["service_control_policies"]
    assert summary["applied"] == [
        "SCP DenyCriticalIAMUserActions (p-critical) at the root (r-ab12)"
    ]
    assert summary["not_applied"] == []


def test_a_deny_under_a_condition_the_caller_controls_removes_nothing() -> None:
    """The region SCP denies only requests to other regions: a caller picks the region, so
    what the identity policies allow stays reported (nothing is hidden on a guess)."""
    without = audit(account(None))
    report = audit(account(levels((FULL_ACCESS,), (FULL_ACCESS, REGION_DENY), (FULL_ACCESS,))))
    assert [(f.check_id, f.resource_arn) for f in report.findings] == [
        (f.check_id, f.resource_arn) for f in without.findings
    ]
    assert report.extra["service_control_policies"]["applied"] == [
        "SCP DenyAllOutsideEU (p-region) at OU level 1 (ou-eu)"
    ]


def test_an_allow_list_refuses_every_action_it_does_not_name() -> None:
    """An OU allowing only S3, EC2 and CloudWatch: the administrator is no administrator in
    this account (no IAM at all), but still reads every object."""
    allow_list = ServiceControlPolicy(
        "AllowComputeAndStorage", allow(["s3:*", "ec2:*", "cloudwatch:*"]), "p-list", "ou-apps"
    )
    report = audit(account(levels((FULL_ACCESS,), (allow_list,), (FULL_ACCESS,))))
    assert findings(report, "principal.admin_equivalent") == set()
    assert findings(report, ESCALATION) == set()
    assert "user/admin" in findings(report, "principal.data_exfiltration")
    summary = report.extra["service_control_policies"]
    assert summary["applied"] == ["SCP allow list at OU level 1 (ou-apps)"]


def test_an_allow_list_under_a_condition_is_not_applied_and_the_report_says_so() -> None:
    conditional = ServiceControlPolicy(
        "AllowInEU",
        allow("*", condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}),
        "p-eu",
        "ou-eu",
    )
    report = audit(account(levels((FULL_ACCESS,), (conditional,), (FULL_ACCESS,))))
    assert findings(report, ESCALATION) == {"user/dev", "user/helpdesk", "role/break-glass"}
    (note,) = report.extra["service_control_policies"]["not_applied"]
    assert "OU level 1 (ou-eu)" in note
    assert "AllowInEU (p-eu) allows under a condition" in note


def test_a_level_without_any_allow_refuses_everything() -> None:
    """FullAWSAccess detached from the account and nothing else allowing: no call succeeds."""
    report = audit(account(levels((FULL_ACCESS,), (DENY_CRITICAL_IAM_USER_ACTIONS,))))
    assert not [f for f in report.findings if f.check_id.startswith("principal.")]
    assert report.extra["service_control_policies"]["applied"][-1] == (
        "nothing allowed at the account (r-ab12): no SCP there allows any call"
    )


def test_scps_do_not_apply_in_the_management_account() -> None:
    report = audit(
        account(
            levels(
                (FULL_ACCESS, DENY_CRITICAL_IAM_USER_ACTIONS),
            ),
            is_management_account=True,
        )
    )
    assert findings(report, ESCALATION) == {"user/dev", "user/helpdesk", "role/break-glass"}
    assert report.extra["service_control_policies"]["not_applied"] == [
        "the management account: SCPs do not apply to it"
    ]


def test_scps_do_not_limit_service_linked_roles() -> None:
    linked = Role(
        name="AWSServiceRoleForSupport",
        arn=f"arn:aws:iam::{ACCOUNT_ID}:role/aws-service-role/support.amazonaws.com/"
        "AWSServiceRoleForSupport",
        path="/aws-service-role/support.amazonaws.com/",
    )
    snap = snapshot(
        roles=[linked, role("app")],
        service_control_policies=levels(
            (FULL_ACCESS, DENY_CRITICAL_IAM_USER_ACTIONS),
        ),
    )
    index = PermissionIndex(snap, NOW)
    assert not [s for s in index[linked.arn].sources if s.kind == "scp"]
    assert [s.kind for s in index[role("app").arn].sources if s.kind == "scp"] == ["scp"]


def test_a_malformed_deny_statement_is_left_out_alone() -> None:
    """One statement IAM would refuse does not take the SCP's other Denies with it."""
    broken = ServiceControlPolicy(
        "Mixed",
        policy_document(
            statement(effect="Deny", action="iam:CreateAccessKey"),
            {"Effect": "Deny", "Action": 5, "Resource": "*"},
        ),
        "p-mixed",
        "r-ab12",
    )
    snap = account(
        levels(
            (FULL_ACCESS, broken),
        )
    )
    ceiling = scp_ceiling(snap)
    assert [s.document["Statement"] for s in ceiling.sources] == [
        [{"Effect": "Deny", "Action": "iam:CreateAccessKey", "Resource": "*"}]
    ]
    (note,) = ceiling.not_applied
    assert note.startswith("SCP Mixed (p-mixed) at the root (r-ab12), statement 2: ")
    assert findings(audit(snap), ESCALATION) == set()


def test_a_deny_without_resource_applies_to_every_resource() -> None:
    no_resource = ServiceControlPolicy(
        "DenyKeys",
        {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:Create*"}]},
        "p-keys",
        "r-ab12",
    )
    assert (
        findings(
            audit(
                account(
                    levels(
                        (FULL_ACCESS, no_resource),
                    )
                )
            ),
            ESCALATION,
        )
        == set()
    )


def test_an_scp_denying_assume_role_breaks_the_chain_to_the_admin_role() -> None:
    """Only the pipeline role may assume roles: dev's sts-001 chain to the admin role goes."""
    only_pipeline = ServiceControlPolicy(
        "OnlyPipelineAssumes",
        policy_document(
            statement(
                effect="Deny",
                action="sts:AssumeRole",
                condition={"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/pipeline"}},
            )
        ),
        "p-assume",
        "r-ab12",
    )
    assume = inline("assume", allow("sts:AssumeRole"))
    snap_of = lambda scps: snapshot(  # noqa: E731
        users=[user("dev", inline_policies=[assume])],
        roles=[
            role("admin-role", trust=account_trust(), inline_policies=[ADMIN]),
            role("pipeline", trust=account_trust(), inline_policies=[assume]),
        ],
        service_control_policies=scps,
    )
    assert findings(audit(snap_of(None)), ESCALATION) == {"user/dev", "role/pipeline"}
    assert findings(
        audit(
            snap_of(
                levels(
                    (FULL_ACCESS, only_pipeline),
                )
            )
        ),
        ESCALATION,
    ) == {"role/pipeline"}


@pytest.mark.parametrize(
    "document",
    [
        "not a document",
        {"Statement": "neither object nor list"},
        {"Version": "2012-10-17", "Statement": ["text", {"Effect": "Deny", "Action": "s3:*"}]},
    ],
)
def test_hostile_documents_are_reported_not_raised(document: Any) -> None:
    odd = ServiceControlPolicy("Odd", document, "p-odd", "r-ab12")  # type: ignore[arg-type]
    snap = account(
        levels(
            (FULL_ACCESS, odd),
        )
    )
    ceiling = scp_ceiling(snap)
    assert ceiling.not_applied
    assert all("SCP Odd (p-odd) at the root (r-ab12)" in note for note in ceiling.not_applied)
    audit(snap)  # and the audit runs


def test_unknown_scps_change_nothing() -> None:
    snap: AccountSnapshot = account(None)
    assert scp_ceiling(snap).known is False
    assert scp_ceiling(snap).sources == ()
