"""The principal-level checks and the privileged-user MFA checks: each one failing and passing."""

from __future__ import annotations

import pytest

from bot.audit.findings import Severity
from bot.audit.registry import all_checks
from bot.iam.catalogue import default_catalogue
from bot.iam.sensitive_actions import CREDENTIAL_ACTIONS, data_exfiltration_actions
from tests.factories import (
    ACCOUNT_ID,
    NOW,
    allow,
    audit,
    console_user_row,
    credential_row,
    group,
    inline,
    key,
    managed_policy,
    policy_document,
    role,
    role_arn,
    run_check,
    service_linked_role,
    snapshot,
    statement,
    team_bucket_perimeter,
    user,
    user_arn,
    virtual_mfa,
    with_rows,
)

ADMIN = managed_policy("AdministratorAccess", allow("*"), aws_managed=True, attachment_count=3)
PRINCIPAL_CHECKS = (
    "principal.admin_equivalent",
    "principal.privilege_escalation",
    "principal.data_exfiltration",
    "principal.credentials_exposure",
    "principal.resource_exposure",
)


def _user_with(doc, name="dev", **kwargs):
    return user(name, inline_policies=[inline("p", doc)], **kwargs)


def _arns(findings):
    return {f.resource_arn for f in findings}


def test_checks_are_registered_with_the_right_metadata():
    registry = all_checks()
    for check_id in (
        *PRINCIPAL_CHECKS,
        "user.admin_without_mfa",
        "user.mfa_not_enforced",
        "user.virtual_mfa_only",
    ):
        meta = registry[check_id].meta
        assert "authorization_details" in meta.requires
        assert meta.anchors
    assert registry["user.admin_without_mfa"].meta.severity is Severity.CRITICAL
    assert "credential_report" in registry["user.admin_without_mfa"].meta.requires
    # Judged only from last-accessed data (`audit --last-accessed`), skipped without it.
    assert "service_last_accessed" in registry["principal.unused_services"].meta.requires


# --- principal.admin_equivalent -------------------------------------------------------------


def test_admin_equivalent_user_is_critical_and_role_is_high():
    snap = snapshot(
        users=[user("boss", groups=["admins"])],
        groups=[group("admins", attached_policies=[ADMIN.arn])],
        roles=[role("ops", attached_policies=[ADMIN.arn])],
        policies=[ADMIN],
    )
    findings = {f.resource_arn: f for f in run_check("principal.admin_equivalent", snap)}
    assert findings[user_arn("boss")].severity is Severity.CRITICAL
    assert findings[user_arn("boss")].resource_type == "AWS::IAM::User"
    role_finding = findings[f"arn:aws:iam::{ACCOUNT_ID}:role/ops"]
    assert role_finding.severity is Severity.HIGH
    assert ADMIN.arn + " (via group:admins)" in findings[user_arn("boss")].evidence["policies"]


def test_admin_equivalent_through_not_action():
    doc = policy_document(statement(not_action="s3:*"))
    findings = run_check("principal.admin_equivalent", snapshot(users=[_user_with(doc)]))
    assert _arns(findings) == {user_arn("dev")}


def test_admin_equivalent_passes_for_scoped_and_bounded_users():
    boundary = managed_policy("boundary", allow("s3:*"))
    snap = snapshot(
        users=[
            _user_with(allow("iam:Get*"), name="reader"),
            user("bounded", attached_policies=[ADMIN.arn], permissions_boundary_arn=boundary.arn),
        ],
        policies=[ADMIN, boundary],
    )
    assert run_check("principal.admin_equivalent", snap) == []


def test_service_linked_roles_are_never_flagged():
    slr = service_linked_role(attached_policies=[ADMIN.arn])
    snap = snapshot(roles=[slr], policies=[ADMIN])
    report = audit(snap, only=PRINCIPAL_CHECKS)
    assert report.findings == ()
    assert not report.errors


# --- principal.privilege_escalation ---------------------------------------------------------


def test_privilege_escalation_fails_and_passes():
    risky = _user_with(allow(["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"]))
    safe = _user_with(allow(["lambda:InvokeFunction"]), name="safe")
    # The role to pass must trust Lambda (the factory's default) and grant something new.
    worker = role("worker", inline_policies=[inline("data", allow("dynamodb:*"))])
    snap = snapshot(users=[risky, safe], roles=[worker])
    findings = run_check("principal.privilege_escalation", snap)
    assert _arns(findings) == {user_arn("dev")}
    assert findings[0].evidence["method_ids"] == ["lambda-001"]
    assert findings[0].evidence["targets"]["iam:PassRole"] == role_arn("worker")
    assert findings[0].severity is Severity.HIGH
    assert findings[0].detail.endswith(
        "lambda-001 runs code as a more privileged role passed to a new Lambda function,"
        " so it can act with that role's permissions (up to administrator)"
    )
    # A role that grants nothing the holder lacks is no escalation.
    idle = snapshot(users=[risky], roles=[role("worker")])
    assert run_check("principal.privilege_escalation", idle) == []


def test_admin_is_not_also_reported_as_escalation():
    snap = snapshot(users=[user("boss", attached_policies=[ADMIN.arn])], policies=[ADMIN])
    assert run_check("principal.privilege_escalation", snap) == []


# --- data exfiltration / credentials / resource exposure --------------------------------------


def test_data_exfiltration_flags_unrestricted_reads_only():
    snap = snapshot(
        users=[
            _user_with(allow(["ssm:GetParameter*", "kms:Decrypt"]), name="wide"),
            _user_with(allow("s3:GetObject", "arn:aws:s3:::reports/*"), name="scoped"),
        ]
    )
    findings = run_check("principal.data_exfiltration", snap)
    assert _arns(findings) == {user_arn("wide")}
    evidence = findings[0].evidence
    assert "kms:Decrypt" in evidence["actions"]
    assert "ssm:GetParametersByPath" in evidence["actions"]
    assert evidence["policies"] == [f"{user_arn('wide')} inline p"]


def test_data_exfiltration_list_is_expanded_from_the_catalogue():
    assert {"s3:GetObject", "ssm:GetParameter", "ssm:GetParameters"} <= data_exfiltration_actions()


def test_credentials_exposure():
    snap = snapshot(
        users=[
            _user_with(allow(["ecr:GetAuthorizationToken", "sts:AssumeRole"]), name="wide"),
            _user_with(
                allow("iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT_ID}:user/${{aws:username}}"),
                name="self-service",
            ),
        ]
    )
    findings = run_check("principal.credentials_exposure", snap)
    assert _arns(findings) == {user_arn("wide")}
    assert findings[0].evidence["actions"] == ["ecr:GetAuthorizationToken", "sts:AssumeRole"]


def test_credential_action_list_is_known_to_the_catalogue():
    catalogue = default_catalogue()
    assert [a for a in CREDENTIAL_ACTIONS if catalogue.action(a) is None] == []


def test_resource_exposure_flags_unrestricted_permissions_management():
    snap = snapshot(
        users=[
            _user_with(allow("s3:PutBucketPolicy"), name="wide"),
            _user_with(allow("s3:PutBucketPolicy", "arn:aws:s3:::mine"), name="scoped"),
            _user_with(
                policy_document(
                    statement(action="s3:PutBucketPolicy"),
                    statement(effect="Deny", action="s3:PutBucketPolicy"),
                ),
                name="denied",
            ),
        ]
    )
    findings = run_check("principal.resource_exposure", snap)
    assert _arns(findings) == {user_arn("wide")}
    assert findings[0].evidence["actions"] == ["s3:PutBucketPolicy"]


def test_exposure_checks_skip_admins_reported_elsewhere():
    snap = snapshot(users=[user("boss", attached_policies=[ADMIN.arn])], policies=[ADMIN])
    for check_id in (
        "principal.data_exfiltration",
        "principal.credentials_exposure",
        "principal.resource_exposure",
    ):
        assert run_check(check_id, snap) == []


def test_principal_checks_skip_without_authorization_details():
    snap = snapshot(users=[], has_authorization_details=False)
    report = audit(snap, only=PRINCIPAL_CHECKS)
    assert {s.check_id for s in report.skipped} == set(PRINCIPAL_CHECKS)


def test_report_records_the_catalogue_version():
    report = audit(snapshot(users=[user("dev")]), only=["principal.admin_equivalent"])
    assert report.extra["catalogue_version"] == default_catalogue().version


# --- user.admin_without_mfa -------------------------------------------------------------------


def test_admin_without_mfa_any_path():
    snap = snapshot(
        users=[
            user("direct", attached_policies=[ADMIN.arn]),
            user("via-group", groups=["admins"]),
            _user_with(policy_document(statement(not_action="s3:*")), name="notaction"),
            user("with-mfa", attached_policies=[ADMIN.arn]),
            user("plain"),
        ],
        groups=[group("admins", attached_policies=[ADMIN.arn]), group()],
        policies=[ADMIN],
        credential_report=with_rows(
            credential_row("direct"),
            credential_row("via-group"),
            credential_row("notaction"),
            credential_row("with-mfa", mfa=True),
            credential_row("plain"),
        ),
    )
    findings = run_check("user.admin_without_mfa", snap)
    assert _arns(findings) == {user_arn("direct"), user_arn("via-group"), user_arn("notaction")}
    assert all(f.severity is Severity.CRITICAL for f in findings)


def test_admin_without_mfa_needs_the_credential_report():
    snap = snapshot(
        users=[user("direct", attached_policies=[ADMIN.arn])],
        policies=[ADMIN],
        credential_report=None,
    )
    report = audit(snap, only=["user.admin_without_mfa"])
    assert [s.check_id for s in report.skipped] == ["user.admin_without_mfa"]


# --- user.mfa_not_enforced ------------------------------------------------------------------

DENY_WITHOUT_MFA = policy_document(
    statement(
        effect="Deny",
        not_action=["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices"],
        condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    )
)


def test_mfa_not_enforced_for_console_admin_without_guard():
    snap = snapshot(
        users=[
            user("open", attached_policies=[ADMIN.arn]),
            user(
                "guarded",
                attached_policies=[ADMIN.arn],
                inline_policies=[inline("mfa", DENY_WITHOUT_MFA)],
            ),
            user("keys-only", attached_policies=[ADMIN.arn]),
            user("harmless", inline_policies=[inline("p", allow("s3:ListAllMyBuckets"))]),
        ],
        policies=[ADMIN],
        # Console users without an MFA device (see below for those with one).
        credential_report=with_rows(
            console_user_row("open", mfa=False),
            console_user_row("guarded", mfa=False),
            credential_row("keys-only"),
            console_user_row("harmless", mfa=False),
        ),
    )
    findings = run_check("user.mfa_not_enforced", snap)
    assert _arns(findings) == {user_arn("open")}
    assert findings[0].evidence["without_mfa"] == {"admin_equivalent": True}
    assert findings[0].severity is Severity.MEDIUM


def test_mfa_not_enforced_reports_remaining_escalation():
    doc = policy_document(
        statement(action=["iam:PutUserPolicy", "s3:*"]),
        statement(
            effect="Deny",
            action="s3:*",
            condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        ),
    )
    snap = snapshot(
        users=[_user_with(doc)], credential_report=with_rows(console_user_row("dev", mfa=False))
    )
    findings = run_check("user.mfa_not_enforced", snap)
    assert findings[0].evidence["without_mfa"]["escalation_methods"] == ["iam-007"]


def test_mfa_not_enforced_skips_users_whose_every_request_carries_mfa():
    """EnableMFADevice: an enabled device "is required for every subsequent login by the IAM
    user", so a console user with an active MFA device and no access key (a break-glass
    administrator) makes no request without MFA; only calls signed with a long-term access key
    (or a signing certificate) lack aws:MultiFactorAuthPresent. Unknown columns keep today's
    judgement."""
    names = (
        "mfa-no-key",
        "mfa-inactive-key",
        "mfa-key1",
        "mfa-key2",
        "mfa-cert",
        "mfa-key-unknown",
        "mfa-unknown",
        "no-mfa",
    )
    snap = snapshot(
        users=[user(n, attached_policies=[ADMIN.arn]) for n in names],
        policies=[ADMIN],
        credential_report=with_rows(
            console_user_row("mfa-no-key"),
            console_user_row("mfa-inactive-key", key1=key(active=False)),
            console_user_row("mfa-key1", key1=key()),
            console_user_row("mfa-key2", key2=key(last_used_days_ago=None)),
            console_user_row("mfa-cert", cert1_active=True),
            console_user_row("mfa-key-unknown", access_key_2_active="N/A"),
            console_user_row("mfa-unknown", mfa_active="not_supported"),
            console_user_row("no-mfa", mfa=False),
        ),
    )
    findings = run_check("user.mfa_not_enforced", snap)
    assert _arns(findings) == {
        user_arn(n)
        for n in ("mfa-key1", "mfa-key2", "mfa-cert", "mfa-key-unknown", "mfa-unknown", "no-mfa")
    }
    by_arn = {f.resource_arn: f for f in findings}
    # With a device its console sign-ins carry MFA: the requests without MFA are the key's own
    # calls (no aws:MultiFactorAuthPresent) and the sessions it obtains without an MFA code
    # (IAM User Guide, aws:MultiFactorAuthPresent; "Permissions for GetSessionToken").
    assert by_arn[user_arn("mfa-key1")].evidence == {
        "without_mfa": {"admin_equivalent": True},
        "mfa_active": "true",
        "requests_without_mfa": ["access_key_session", "long_term_key"],
    }
    assert "console" not in by_arn[user_arn("mfa-key1")].detail
    # The plainest way in names it: the key's own calls, not the sessions the key obtains.
    assert "calls signed with its access key" in by_arn[user_arn("mfa-key1")].detail


def test_mfa_not_enforced_trusts_list_mfa_devices_over_a_stale_report():
    """The credential report may be up to four hours old: when ListMFADevices (collected for
    privileged users) shows the user has no device left, its MFA is not taken for granted."""
    snap = snapshot(
        users=[user(n, attached_policies=[ADMIN.arn]) for n in ("removed", "kept", "unlisted")],
        policies=[ADMIN],
        credential_report=with_rows(
            console_user_row("removed"), console_user_row("kept"), console_user_row("unlisted")
        ),
        user_mfa_devices={"removed": (), "kept": ("GAHT12345678",)},
    )
    assert _arns(run_check("user.mfa_not_enforced", snap)) == {user_arn("removed")}


# --- user.virtual_mfa_only ------------------------------------------------------------------


def test_virtual_mfa_only_from_list_mfa_devices():
    snap = snapshot(
        users=[
            user("virtual", attached_policies=[ADMIN.arn]),
            user("hardware", attached_policies=[ADMIN.arn]),
            user("mixed", attached_policies=[ADMIN.arn]),
            user("unprivileged"),
        ],
        policies=[ADMIN],
        user_mfa_devices={
            "virtual": (f"arn:aws:iam::{ACCOUNT_ID}:mfa/virtual",),
            "hardware": ("GAHT12345678",),
            "mixed": (
                f"arn:aws:iam::{ACCOUNT_ID}:mfa/m",
                f"arn:aws:iam::{ACCOUNT_ID}:u2f/user/m/k",
            ),
            "unprivileged": (f"arn:aws:iam::{ACCOUNT_ID}:mfa/u",),
        },
    )
    findings = run_check("user.virtual_mfa_only", snap)
    assert _arns(findings) == {user_arn("virtual")}
    assert findings[0].severity is Severity.LOW
    assert findings[0].evidence["source"] == "iam:ListMFADevices"


def test_virtual_mfa_only_falls_back_to_the_virtual_device_list():
    snap = snapshot(
        users=[
            user("virtual", attached_policies=[ADMIN.arn]),
            user("none", attached_policies=[ADMIN.arn]),
        ],
        policies=[ADMIN],
        virtual_mfa_devices=[virtual_mfa(user_arn("virtual"))],
    )
    findings = run_check("user.virtual_mfa_only", snap)
    assert _arns(findings) == {user_arn("virtual")}
    assert "hardware" in findings[0].evidence["source"]


def test_virtual_mfa_only_flags_escalation_capable_users_too():
    risky = _user_with(allow("iam:AttachUserPolicy"), name="risky")
    snap = snapshot(users=[risky], virtual_mfa_devices=[virtual_mfa(user_arn("risky"))])
    assert _arns(run_check("user.virtual_mfa_only", snap)) == {user_arn("risky")}


def test_virtual_mfa_only_skips_without_device_data():
    snap = snapshot(users=[user("dev")], virtual_mfa_devices=None)
    report = audit(snap, only=["user.virtual_mfa_only"])
    assert [s.check_id for s in report.skipped] == ["user.virtual_mfa_only"]


@pytest.mark.parametrize(
    ("serial", "virtual"),
    [
        (f"arn:aws:iam::{ACCOUNT_ID}:mfa/alice", True),
        (f"arn:aws:iam::{ACCOUNT_ID}:u2f/user/alice/key", False),
        (f"arn:aws:iam::{ACCOUNT_ID}:sms-mfa/alice", True),
        ("GAHT12345678", False),
    ],
)
def test_weak_serial_detection(serial, virtual):
    from bot.audit.checks.users_privileged import is_weak_mfa_serial

    assert is_weak_mfa_serial(serial) is virtual


def test_now_is_the_factories_time():
    assert NOW.year == 2026


def test_users_missing_from_the_credential_report_are_not_judged():
    snap = snapshot(
        users=[user("new", attached_policies=[ADMIN.arn])],
        policies=[ADMIN],
        credential_report=with_rows(),
    )
    assert run_check("user.admin_without_mfa", snap) == []
    assert run_check("user.mfa_not_enforced", snap) == []


def test_principal_without_any_policy_passes_every_check():
    snap = snapshot(users=[user("bare", groups=[])], groups=[], roles=[role("bare-role")])
    report = audit(snap, only=PRINCIPAL_CHECKS)
    assert report.findings == ()
    assert set(report.checks) == set(PRINCIPAL_CHECKS)


def test_resource_exposure_ignores_permissions_management_reads():
    # ReadOnlyAccess grants reads that AWS files under "Permissions management"
    # (billing:GetResourcePolicy, backup:ListIndexedRecoveryPointsForSearch ...): reading a
    # resource policy exposes nothing, so a read-only role is not flagged (Cloudsplaining's
    # resource exposure is the ability to *modify* resource policies).
    reads = [
        "billing:GetResourcePolicy",
        "backup:ListIndexedRecoveryPointsForSearch",
        "ssm-sap:GetResourcePermission",
        "quicksight:DescribeTopicPermissions",
    ]
    catalogue = default_catalogue()
    permissions_management = catalogue.actions_by_access_level("Permissions management")
    assert set(reads) <= permissions_management  # still how AWS labels them
    snap = snapshot(
        roles=[
            role("reader", inline_policies=[inline("p", allow(reads))]),
            role("changer", inline_policies=[inline("p", allow([*reads, "s3:PutBucketPolicy"]))]),
        ]
    )
    findings = run_check("principal.resource_exposure", snap)
    assert [f.evidence["actions"] for f in findings] == [["s3:PutBucketPolicy"]]


def test_permission_changing_actions_keep_writes_and_drop_only_reads():
    catalogue = default_catalogue()
    changing = catalogue.permission_changing_actions()
    permissions_management = catalogue.actions_by_access_level("Permissions management")
    assert changing < permissions_management
    assert {"s3:PutBucketPolicy", "kms:CreateGrant", "iam:AttachRolePolicy"} <= changing
    dropped = permissions_management - changing
    assert "billing:GetResourcePolicy" in dropped
    assert all(
        name.split(":")[1].startswith(("Get", "BatchGet", "List", "Describe", "Search", "View"))
        or name.split(":")[1].startswith("Validate")
        for name in dropped
    )


def test_admin_equivalent_says_every_action_only_for_an_unqualified_star_grant():
    iam_only = managed_policy("IamEverything", allow("iam:*"))
    carve_out = policy_document(
        statement(action="*"), statement(effect="Deny", action="ec2:TerminateInstances")
    )
    snap = snapshot(
        users=[
            user("boss", attached_policies=[ADMIN.arn]),
            user("iam-admin", attached_policies=[iam_only.arn]),
            _user_with(carve_out, name="almost"),
        ],
        policies=[ADMIN, iam_only],
    )
    details = {f.resource_arn: f.detail for f in run_check("principal.admin_equivalent", snap)}
    assert details[user_arn("boss")] == (
        "user boss can perform every action on every resource (an Allow of * on *)"
    )
    every_iam_write = "can perform every IAM write action on any resource"
    assert every_iam_write in details[user_arn("iam-admin")]
    # A Deny carves something out of "*": claiming "every action" would overstate it.
    assert every_iam_write in details[user_arn("almost")]


def test_an_abac_perimeter_fences_in_only_the_principals_carrying_the_tag():
    """A Deny with NotResource `${aws:PrincipalTag/team}` buckets keeps tagged principals to
    their team's bucket; for a principal without the tag the variable has no value, the
    statement is void (IAM User Guide, "Policy variables") and s3:* on `*` stands."""
    work = managed_policy("work", allow("s3:*"))
    perimeter = managed_policy("perimeter", policy_document(team_bucket_perimeter()))
    attached = [work.arn, perimeter.arn]
    snap = snapshot(
        users=[
            user("fenced", groups=[], attached_policies=attached, tags={"team": "red"}),
            user("untagged", groups=[], attached_policies=attached),
        ],
        roles=[role("untagged-role", attached_policies=attached)],
        policies=[work, perimeter],
    )
    findings = run_check("principal.data_exfiltration", snap)
    assert _arns(findings) == {user_arn("untagged"), role_arn("untagged-role")}


def _tag_gated_eni_permissions(tagging: dict) -> dict:
    """AWS's AWSDeviceFarmServiceRolePolicy in short: ENI permissions only on interfaces tagged
    AWSDeviceFarmManaged=true, and ``tagging`` as the one ec2:CreateTags statement."""
    return policy_document(
        statement(
            action="ec2:CreateNetworkInterfacePermission",
            resource="arn:aws:ec2:*:*:network-interface/*",
            condition={"StringEquals": {"aws:ResourceTag/AWSDeviceFarmManaged": "true"}},
        ),
        statement(
            action="ec2:CreateTags", resource="arn:aws:ec2:*:*:network-interface/*", **tagging
        ),
    )


def test_tagging_only_while_creating_opens_no_existing_resource():
    """ec2:CreateAction names the call that tags as it creates (RunInstances,
    CreateNetworkInterface); a CreateTags call on an existing interface carries none, so a
    holder allowed to tag only new interfaces cannot tag its way into the others. Unconditioned
    CreateTags on every interface still can."""
    at_creation = {"condition": {"StringEquals": {"ec2:CreateAction": "CreateNetworkInterface"}}}
    snap = snapshot(
        users=[
            _user_with(_tag_gated_eni_permissions(at_creation), name="tags-new-ones"),
            _user_with(_tag_gated_eni_permissions({}), name="tags-any"),
        ]
    )
    findings = run_check("principal.resource_exposure", snap)
    assert _arns(findings) == {user_arn("tags-any")}
