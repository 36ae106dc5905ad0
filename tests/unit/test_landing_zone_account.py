"""The full audit of a Control Tower landing-zone member account, as AWS itself creates it.

tests/data/landing_zone/ (gaad.json + credential_report.csv) is written by
tests/data/build_landing_zone_gaad.py from AWS's documentation: Control Tower's baseline roles,
Organizations' OrganizationAccountAccessRole, IAM Identity Center's AWSReservedSSO_* roles, the
CDK bootstrap roles (template version 26, `--trust` a tooling account), common service-linked
roles, the roles the ECS / Elastic Beanstalk / Systems Manager / Lambda / RDS consoles create, a
break-glass user and a CI user. The AWS-managed policies are AWS's documents (moto's copy).

The account is audited once, as `iam-audit audit --gaad FILE --credential-report CSV` loads it,
at the tests' fixed clock. Each test states what AWS's documented semantics say the audit should
or should not report about these roles and users:

- what it reports rightly is pinned (check, resource, severity);
- a false alarm or a miss is written as the right behaviour and marked a strict xfail naming the
  cause in our code and the fix.

``test_every_finding_is_accounted_for`` lists every finding of the audit, sorted into true
findings and known false alarms, so a new finding on this account fails until someone judges it.
"""

from __future__ import annotations

import json
from dataclasses import replace

from bot.audit.checks._trust_reading import read_trust
from bot.iam.privesc import can_assume
from tests.account_support import AuditedAccount
from tests.factories import audit

ACCOUNT = AuditedAccount("landing_zone")
B = ACCOUNT.builder
FIXTURES = ACCOUNT.fixtures
ACCT = B.ACCT
SUFFIX = f"{ACCT}-{B.REGION}"
snapshot, report, index, escalations = (
    ACCOUNT.snapshot,
    ACCOUNT.report,
    ACCOUNT.index,
    ACCOUNT.escalations,
)
found, on, by_check, finding = ACCOUNT.found, ACCOUNT.on, ACCOUNT.by_check, ACCOUNT.finding


def role_arn(name: str) -> str:
    found = [r.arn for r in snapshot().roles if r.name == name]
    assert len(found) == 1, name
    return found[0]


def sso_role(permission_set: str) -> str:
    found = [
        r.arn for r in snapshot().roles if r.name.startswith(f"AWSReservedSSO_{permission_set}_")
    ]
    assert len(found) == 1, permission_set
    return found[0]


def user_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCT}:user/{name}"


def managed(name: str, path: str = "/") -> str:
    return f"arn:aws:iam::aws:policy{path}{name}"


def inline(principal_arn: str, policy: str) -> str:
    return f"{principal_arn}#inline/{policy}"


STACKSETS_EXEC = f"stacksets-exec-{B.hex_suffix('stacksets-exec', 32)}"
CDK_DEPLOY = f"cdk-hnb659fds-deploy-role-{SUFFIX}"
CDK_FILE = f"cdk-hnb659fds-file-publishing-role-{SUFFIX}"
CDK_IMAGE = f"cdk-hnb659fds-image-publishing-role-{SUFFIX}"
CDK_LOOKUP = f"cdk-hnb659fds-lookup-role-{SUFFIX}"
CDK_EXEC = f"cdk-hnb659fds-cfn-exec-role-{SUFFIX}"
ROOT = f"arn:aws:iam::{ACCT}:root"
BREAK_GLASS = user_arn(B.BREAK_GLASS)
CI_USER = user_arn(B.CI_USER)


def slr_arns() -> set[str]:
    return {r.arn for r in snapshot().roles if r.path.startswith("/aws-service-role/")}


def sso_arns() -> set[str]:
    return {
        r.arn for r in snapshot().roles if r.path.startswith("/aws-reserved/sso.amazonaws.com/")
    }


# --- the fixture ----------------------------------------------------------------------------------


def test_fixture_matches_its_builder():
    ACCOUNT.assert_fixtures_match_builder()


def test_fixture_has_the_documented_names_paths_and_ids():
    gaad = json.loads((FIXTURES / B.GAAD_FILE).read_text())
    roles = {r["RoleName"]: r for r in gaad["RoleDetailList"]}
    for name, service, _policy in B.SERVICE_LINKED:
        assert roles[name]["Path"] == f"/aws-service-role/{service}/"
    sso = [r for r in roles.values() if r["RoleName"].startswith("AWSReservedSSO_")]
    assert len(sso) == 4
    for entry in sso:
        assert entry["Path"] == f"/aws-reserved/sso.amazonaws.com/{B.SSO_REGION}/"
        statement = entry["AssumeRolePolicyDocument"]["Statement"][0]
        assert statement["Principal"] == {"Federated": B.SAML_PROVIDER_ARN}
        assert B.SAML_PROVIDER.startswith("AWSSSO_")
        assert B.SAML_PROVIDER.endswith("_DO_NOT_DELETE")
        suffix = entry["RoleName"].rsplit("_", 1)[1]
        assert len(suffix) == 16
        assert all(c in "0123456789abcdef" for c in suffix)
    for entity, prefix in (
        *((r, "AROA") for r in gaad["RoleDetailList"]),
        *((u, "AIDA") for u in gaad["UserDetailList"]),
    ):
        key = "RoleId" if prefix == "AROA" else "UserId"
        assert entity[key].startswith(prefix)
        assert len(entity[key]) == 21
    # Every attached AWS-managed policy is listed once, with its default version.
    attached = {
        p["PolicyArn"]
        for e in (*gaad["RoleDetailList"], *gaad["UserDetailList"])
        for p in e["AttachedManagedPolicies"]
    }
    assert attached == {p["Arn"] for p in gaad["Policies"]}
    assert managed("AWSSupportServiceRolePolicy", "/aws-service-role/") in attached


def test_audit_has_no_errors_and_its_json_report_is_well_formed():
    ACCOUNT.assert_report_is_clean_json()


def test_what_a_gaad_cannot_tell_is_skipped_not_passed():
    skipped = {s.check_id for s in report().skipped}
    assert {
        "password_policy.missing",
        "federation.none",
        "analyzer.disabled",
        "root.central_management_off",
        "root.hardware_mfa_missing",
    } <= skipped
    assert not skipped & {c for c, _ in found()}


# --- every finding, judged ------------------------------------------------------------------------

# Findings a security engineer wants on this account (why: see the tests below).
TRUE_FINDINGS: dict[tuple[str, str], str] = {
    # Administrators: every admin-equivalent principal once, high for roles, critical for users.
    **{
        ("principal.admin_equivalent", role_arn(n)): "high"
        for n in (
            "AWSControlTowerExecution",
            "OrganizationAccountAccessRole",
            "aws-controltower-AdministratorRole",
            STACKSETS_EXEC,
            CDK_EXEC,
        )
    },
    ("principal.admin_equivalent", sso_role("AdministratorAccess")): "high",
    ("principal.admin_equivalent", BREAK_GLASS): "critical",
    **{
        ("identity.aws_admin_attached", role_arn(n)): "high"
        for n in (
            "AWSControlTowerExecution",
            "aws-controltower-AdministratorRole",
            STACKSETS_EXEC,
            CDK_EXEC,
        )
    },
    ("identity.aws_admin_attached", sso_role("AdministratorAccess")): "high",
    ("identity.aws_admin_attached", BREAK_GLASS): "high",
    ("policy.admin_star", managed("AdministratorAccess")): "high",
    (
        "policy.admin_star",
        inline(role_arn("OrganizationAccountAccessRole"), "AdministratorAccess"),
    ): ("high"),
    # Cross-account trusts without external id or MFA.
    **{
        ("role.trust_cross_account_unguarded", role_arn(n)): "medium"
        for n in (
            "AWSControlTowerExecution",
            "OrganizationAccountAccessRole",
            "aws-controltower-AdministratorRole",
            "aws-controltower-ReadOnlyExecutionRole",
            CDK_DEPLOY,
            CDK_FILE,
            CDK_IMAGE,
            CDK_LOOKUP,
        )
    },
    ("role.cross_account_readonly", role_arn("aws-controltower-ReadOnlyExecutionRole")): "high",
    ("role.cross_account_readonly", role_arn(CDK_LOOKUP)): "high",
    **{
        ("role.trust_confused_deputy", role_arn(n)): "low"
        for n in (
            "aws-controltower-ConfigRecorderRole",
            "aws-elasticbeanstalk-service-role",
            CDK_EXEC,
            "rds-monitoring-role",
        )
    },
    ("role.unused", role_arn("OrganizationAccountAccessRole")): "low",
    ("role.unused", role_arn("aws-controltower-AdministratorRole")): "low",
    ("role.support_missing", ROOT): "low",
    # Escalation.
    ("principal.privilege_escalation", role_arn(CDK_DEPLOY)): "high",
    ("principal.privilege_escalation", CI_USER): "high",
    ("principal.privilege_escalation", sso_role("PowerUserAccess")): "high",
    ("principal.privilege_escalation", role_arn("aws-elasticbeanstalk-service-role")): "high",
    # Unrestricted reads / credentials / permissions management (checks.md's lists).
    **{
        ("principal.credentials_exposure", arn): "high"
        for arn in (
            role_arn("aws-controltower-ConfigRecorderRole"),
            role_arn("aws-controltower-ReadOnlyExecutionRole"),
            sso_role("PowerUserAccess"),
            sso_role("ReadOnlyAccess"),
            role_arn(CDK_IMAGE),
            role_arn(CDK_LOOKUP),
            role_arn("ecsTaskExecutionRole"),
        )
    },
    **{
        ("principal.data_exfiltration", arn): "medium"
        for arn in (
            role_arn("AmazonSSMRoleForInstancesQuickSetup"),
            role_arn("aws-controltower-ConfigRecorderRole"),
            role_arn("aws-controltower-ReadOnlyExecutionRole"),
            sso_role("PowerUserAccess"),
            sso_role("ReadOnlyAccess"),
            role_arn(CDK_LOOKUP),
        )
    },
    ("principal.resource_exposure", sso_role("PowerUserAccess")): "high",
    # What AWS-managed documents in use allow.
    ("policy.notaction_allow", managed("PowerUserAccess")): "medium",
    ("policy.passrole_star", managed("PowerUserAccess")): "high",
    ("policy.full_access_sensitive", managed("PowerUserAccess")): "medium",
    ("policy.passrole_star", managed("AWSElasticBeanstalkManagedUpdatesCustomerRolePolicy")): (
        "high"
    ),
    ("policy.service_wildcard", managed("AWSElasticBeanstalkManagedUpdatesCustomerRolePolicy")): (
        "low"
    ),
    **{
        ("policy.full_access_sensitive", managed(n)): "medium"
        for n in (
            "AWSElasticBeanstalkWebTier",
            "AWSElasticBeanstalkWorkerTier",
            "AWSElasticBeanstalkMulticontainerDocker",
        )
    },
    # Lint of inline policies written by AWS templates / people.
    ("policy.lint", inline(sso_role("DataEngineer"), "AwsSSOInlinePolicy")): "medium",
    ("policy.lint", inline(role_arn(CDK_DEPLOY), "default")): "medium",
    (
        "policy.lint",
        inline(role_arn(CDK_FILE), f"cdk-hnb659fds-file-publishing-role-default-policy-{SUFFIX}"),
    ): "medium",
    # Users and root.
    ("root.mfa_disabled", ROOT): "critical",
    ("user.direct_policies", BREAK_GLASS): "low",
    ("user.direct_policies", CI_USER): "low",
    ("user.not_in_group", BREAK_GLASS): "low",
    ("user.not_in_group", CI_USER): "low",
    ("user.without_mfa", CI_USER): "medium",
}

# False alarms the audit still raises; each has a strict xfail below.
FALSE_ALARMS = {
    ("principal.data_exfiltration", role_arn(CDK_DEPLOY)),
    ("principal.resource_exposure", role_arn(CDK_DEPLOY)),
}


def test_every_finding_is_accounted_for():
    """Every true finding is reported at its severity, and nothing beyond the true findings and
    the known false alarms (which may disappear as they are fixed)."""
    actual = found()
    missing = {k: v for k, v in TRUE_FINDINGS.items() if actual.get(k) != v}
    assert missing == {}, {k: (v, actual.get(k)) for k, v in missing.items()}
    unexplained = set(actual) - set(TRUE_FINDINGS) - FALSE_ALARMS
    assert unexplained == set()


# --- administrators: the right check at the right severity ----------------------------------------


def test_organization_account_access_role_is_one_admin_door_reported_by_its_own_checks():
    """Organizations User Guide: the role "grants full administrator permissions" through an
    inline AdministratorAccess policy and trusts the management account. It is an admin role
    (high: a role), a cross-account door (medium: no external id, no MFA), and has never been
    used in 1,000 days (Control Tower works through AWSControlTowerExecution). The inline policy
    is not AWS's managed AdministratorAccess, so identity.aws_admin_attached stays silent."""
    oaar = role_arn("OrganizationAccountAccessRole")
    assert on(oaar) == {
        "principal.admin_equivalent": "high",
        "role.trust_cross_account_unguarded": "medium",
        "role.unused": "low",
    }
    trust = finding("role.trust_cross_account_unguarded", oaar)
    assert trust.evidence["accounts"] == [B.MANAGEMENT]


def test_control_tower_execution_role_is_reported_as_admin_and_cross_account():
    role = role_arn("AWSControlTowerExecution")
    assert on(role) == {
        "principal.admin_equivalent": "high",
        "identity.aws_admin_attached": "high",
        "role.trust_cross_account_unguarded": "medium",
    }
    assert finding("role.trust_cross_account_unguarded", role).evidence["accounts"] == [
        B.MANAGEMENT
    ]


def test_the_managed_administrator_policy_is_one_document_finding_not_one_per_holder():
    """Five roles and a user hold AdministratorAccess: policy.admin_star reports the document
    once; who holds it is principal.admin_equivalent's and identity.aws_admin_attached's job."""
    admin_star = by_check("policy.admin_star")
    assert admin_star == {
        managed("AdministratorAccess"): "high",
        inline(role_arn("OrganizationAccountAccessRole"), "AdministratorAccess"): "high",
    }
    holders = {arn for (c, arn) in found() if c == "identity.aws_admin_attached"}
    assert len(holders) == 6


def test_break_glass_user_is_a_critical_administrator_but_not_a_console_user_without_mfa():
    assert on(BREAK_GLASS)["principal.admin_equivalent"] == "critical"
    assert "user.console_without_mfa" not in on(BREAK_GLASS)
    assert "user.without_mfa" not in on(BREAK_GLASS)
    assert "user.password_unused" not in on(BREAK_GLASS)  # tested 30 days ago
    assert "user.inactive" not in on(BREAK_GLASS)


def test_inline_admin_policy_is_not_reported_twice_at_high():
    oaar_policy = inline(role_arn("OrganizationAccountAccessRole"), "AdministratorAccess")
    assert "policy.admin_star" in {c for (c, arn) in found() if arn == oaar_policy}
    assert ("policy.lint", oaar_policy) not in found()


# --- IAM Identity Center roles --------------------------------------------------------------------


def test_identity_center_roles_are_not_read_as_trusting_an_account():
    """Their trust names the account's SAML provider (sts:AssumeRoleWithSAML, sts:TagSession,
    SAML:aud): no AWS principal of this or another account is let in."""
    trust_checks = {
        "role.trust_any_principal",
        "role.trust_cross_account_unguarded",
        "role.trust_confused_deputy",
        "role.cross_account_readonly",
        "role.trust_web_identity_unscoped",
        "role.unused",
    }
    for arn in sso_arns():
        assert not set(on(arn)) & trust_checks, arn
        role = next(r for r in snapshot().roles if r.arn == arn)
        reading = read_trust(role, ACCT)
        assert reading.foreign_accounts == []
        assert reading.any_principal == []
        assert reading.services == []


def test_no_iam_principal_can_assume_an_identity_center_role():
    """Only a SAML assertion from Identity Center gets in: sts:AssumeRole by an IAM user or role
    of the account (even an administrator) is refused by the trust."""
    idx = index()
    for arn in sso_arns():
        role = next(r for r in snapshot().roles if r.arn == arn)
        for principal in (BREAK_GLASS, CI_USER, role_arn(CDK_DEPLOY), sso_role("PowerUserAccess")):
            assert can_assume(idx[principal], role, idx) is None, (principal, arn)
    for escalation in escalations().values():
        for method in escalation.methods:
            assert not set(method.chain[1:]) & sso_arns()  # [0] is the holder itself


def test_identity_center_permission_sets_are_judged_on_what_they_grant():
    assert on(sso_role("AdministratorAccess")) == {
        "principal.admin_equivalent": "high",
        "identity.aws_admin_attached": "high",
    }
    assert set(on(sso_role("ReadOnlyAccess"))) == {
        "principal.credentials_exposure",
        "principal.data_exfiltration",
    }
    # DataEngineer reads and writes one bucket: no principal-level finding, only the lint of
    # its glue/athena `*` statement.
    data_engineer = sso_role("DataEngineer")
    assert on(data_engineer) == {}
    lint = finding("policy.lint", inline(data_engineer, "AwsSSOInlinePolicy"))
    assert "WILDCARD_SENSITIVE" in lint.detail


# --- service-linked roles -------------------------------------------------------------------------


def test_service_linked_roles_are_never_flagged():
    """checks.md: service-linked roles are AWS's; no trust, unused or principal check names
    them, whatever their AWS-managed policy allows (AWSServiceRoleForSupport is never used)."""
    assert len(slr_arns()) == len(B.SERVICE_LINKED)
    flagged = {arn for (_c, arn) in found()} & slr_arns()
    assert flagged == set()
    assert not set(escalations()) & slr_arns()


def test_policies_only_service_linked_roles_can_hold_are_not_reported():
    slr_policies = {
        p.arn
        for p in snapshot().policies
        if p.arn.startswith("arn:aws:iam::aws:policy/aws-service-role/")
    }
    assert len(slr_policies) == len(B.SERVICE_LINKED)
    assert {arn for (_c, arn) in found()} & slr_policies == set()


# --- cross-account trusts -------------------------------------------------------------------------


def test_cross_account_trusts_name_the_trusted_account():
    expected = {
        "aws-controltower-AdministratorRole": B.AUDIT,
        "aws-controltower-ReadOnlyExecutionRole": B.AUDIT,
        CDK_DEPLOY: B.TOOLING,
        CDK_FILE: B.TOOLING,
        CDK_IMAGE: B.TOOLING,
        CDK_LOOKUP: B.TOOLING,
    }
    for name, account in expected.items():
        evidence = finding("role.trust_cross_account_unguarded", role_arn(name)).evidence
        assert evidence["accounts"] == [account], name


def test_cdk_trust_of_the_own_account_for_tag_session_is_no_finding():
    """The CDK roles' first statement lets the own account sts:TagSession: it lets nobody in,
    and the own account is not another account."""
    for name in (CDK_DEPLOY, CDK_FILE, CDK_IMAGE, CDK_LOOKUP):
        evidence = finding("role.trust_cross_account_unguarded", role_arn(name)).evidence
        assert [s["accounts"] for s in evidence["statements"]] == [[B.TOOLING]]


def test_trusting_another_accounts_service_linked_role_is_not_an_unguarded_door():
    assert "role.trust_cross_account_unguarded" not in on(role_arn(STACKSETS_EXEC))
    assert on(role_arn(STACKSETS_EXEC)) == {
        "principal.admin_equivalent": "high",
        "identity.aws_admin_attached": "high",
    }


def test_read_only_access_handed_to_another_account_is_high():
    """Prowler's iam_role_cross_account_readonlyaccess_policy: the Audit account's read-only
    role and the CI account's CDK lookup role both read every S3 object and DynamoDB item here."""
    assert by_check("role.cross_account_readonly") == {
        role_arn("aws-controltower-ReadOnlyExecutionRole"): "high",
        role_arn(CDK_LOOKUP): "high",
    }
    assert finding("role.cross_account_readonly", role_arn(CDK_LOOKUP)).evidence[
        "trusted_accounts"
    ] == [B.TOOLING]


# --- service trusts -------------------------------------------------------------------------------


def test_confused_deputy_spares_execution_roles_reached_only_through_pass_role():
    """ECS tasks, Lambda and EC2 use a role only when someone of the account passes it: no
    finding. Config, CloudFormation, Elastic Beanstalk and RDS monitoring trusts without
    aws:SourceAccount / aws:SourceArn are reported (AWS's confused-deputy guidance for those
    services recommends the condition; Beanstalk's constant external id is not one)."""
    assert by_check("role.trust_confused_deputy") == {
        role_arn("aws-controltower-ConfigRecorderRole"): "low",
        role_arn("aws-elasticbeanstalk-service-role"): "low",
        role_arn(CDK_EXEC): "low",
        role_arn("rds-monitoring-role"): "low",
    }
    for name in (
        "ecsTaskExecutionRole",
        "aws-elasticbeanstalk-ec2-role",
        "AmazonSSMRoleForInstancesQuickSetup",
        "orders-api-handler-role-x1y2z3w4",
        "aws-controltower-ForwardSnsNotificationRole",
    ):
        assert "role.trust_confused_deputy" not in on(role_arn(name)), name


# --- escalation through the CDK -------------------------------------------------------------------


def held(principal: str, method_id: str):
    assert principal in escalations(), principal
    methods = {m.method.id: m for m in escalations()[principal].methods}
    assert method_id in methods, sorted(methods)
    return methods[method_id]


def test_cdk_deploy_role_escalates_by_passing_the_cfn_exec_role():
    """CDK Developer Guide, bootstrapping: the deploy role may iam:PassRole the cfn-exec role
    (AdministratorAccess) to CloudFormation, so whoever assumes it deploys anything."""
    method = held(role_arn(CDK_DEPLOY), "cloudformation-001")
    assert method.direct
    passed = next(a for a in method.accesses if a.action == "iam:PassRole")
    assert passed.resource == role_arn(CDK_EXEC)


def test_ci_user_escalates_through_the_cdk_deploy_role():
    method = held(CI_USER, "sts-001")
    assert method.chain == (CI_USER, role_arn(CDK_DEPLOY))


def test_only_principals_that_can_pass_the_cfn_exec_role_are_credited_with_passing_it():
    """Methods that pass a role to CloudFormation name cfn-exec only for principals whose own
    policies allow iam:PassRole on it: the deploy role (its inline policy) and the Beanstalk
    service role (AWSElasticBeanstalkManagedUpdatesCustomerRolePolicy: iam:PassRole on every
    role for cloudformation.amazonaws.com). PowerUserAccess (NotAction iam:*), the lookup and
    publishing roles cannot."""
    passers = set()
    for arn, escalation in escalations().items():
        for method in escalation.methods:
            for access in method.accesses:
                if access.action == "iam:PassRole" and access.resource == role_arn(CDK_EXEC):
                    passers.add(arn)
    assert passers == {role_arn(CDK_DEPLOY), role_arn("aws-elasticbeanstalk-service-role")}
    idx = index()
    for arn in passers:
        assert idx[arn].can("iam:PassRole", role_arn(CDK_EXEC))
    assert not idx[sso_role("PowerUserAccess")].can("iam:PassRole", role_arn(CDK_EXEC))


def test_power_user_escalates_without_pass_role():
    """PowerUserAccess lacks iam:*, but CloudFormation uses a stack's service role for anyone
    who may update the stack ("even if they don't have permission to pass it", CloudFormation
    service role page): the CDK stacks run as cfn-exec, so cloudformation-002 is real here.
    Running code as an instance's or a function's role (ssm-002, lambda-003) gains nothing:
    the account's EC2 and Lambda roles do less than PowerUserAccess's NotAction Allow, and
    CodeStar (codestar-003) creates no project since July 2024."""
    methods = set(escalations()[sso_role("PowerUserAccess")].method_ids)
    assert "cloudformation-002" in methods
    assert not methods & {"cloudformation-001", "cloudformation-006", "ec2-001", "lambda-001"}
    assert not methods & {"ssm-002", "lambda-003", "ec2-002", "codestar-003"}


def test_power_user_is_credited_with_assuming_the_cdk_deploy_role():
    method = held(sso_role("PowerUserAccess"), "sts-001")
    assert method.chain[-1] == role_arn(CDK_DEPLOY)


def test_roles_meant_to_be_harmless_do_not_escalate():
    harmless = [
        sso_role("ReadOnlyAccess"),
        sso_role("DataEngineer"),
        *(
            role_arn(n)
            for n in (
                CDK_FILE,
                CDK_IMAGE,
                CDK_LOOKUP,
                "aws-controltower-ReadOnlyExecutionRole",
                "aws-controltower-ConfigRecorderRole",
                "aws-controltower-ForwardSnsNotificationRole",
                "ecsTaskExecutionRole",
                "aws-elasticbeanstalk-ec2-role",
                "AmazonSSMRoleForInstancesQuickSetup",
                "orders-api-handler-role-x1y2z3w4",
                "rds-monitoring-role",
            )
        ),
    ]
    for arn in harmless:
        assert "principal.privilege_escalation" not in on(arn), arn
        assert "principal.admin_equivalent" not in on(arn), arn


def test_lookup_roles_deny_on_kms_decrypt_is_honoured():
    """The lookup role's inline DontReadSecrets denies kms:Decrypt over ReadOnlyAccess."""
    evidence = finding("principal.data_exfiltration", role_arn(CDK_LOOKUP)).evidence
    assert "kms:Decrypt" not in evidence["actions"]
    assert "s3:GetObject" in evidence["actions"]


def test_cdk_deploy_roles_cross_account_artifact_access_is_not_unrestricted():
    deploy = role_arn(CDK_DEPLOY)
    assert "principal.resource_exposure" not in on(deploy)
    exfiltration = on(deploy).get("principal.data_exfiltration")
    if exfiltration is not None:
        actions = finding("principal.data_exfiltration", deploy).evidence["actions"]
        assert "s3:GetObject" not in actions


# --- unrestricted actions of AWS-managed workload policies ----------------------------------------


def test_workload_roles_are_reported_for_checks_md_credential_actions():
    """checks.md lists ecr:GetAuthorizationToken among credential-returning actions: the ECS
    task execution role and the CDK image-publishing role hold it on `*` (their AWS policies),
    and nothing else of that list."""
    for name in ("ecsTaskExecutionRole", CDK_IMAGE):
        evidence = finding("principal.credentials_exposure", role_arn(name)).evidence
        assert evidence["actions"] == ["ecr:GetAuthorizationToken"], name


def test_quick_setup_instance_role_reads_every_parameter():
    evidence = finding(
        "principal.data_exfiltration", role_arn("AmazonSSMRoleForInstancesQuickSetup")
    ).evidence
    assert evidence["actions"] == ["ssm:GetParameter", "ssm:GetParameters"]


# --- unused roles, support, root, users -----------------------------------------------------------


def test_unused_roles_are_the_never_assumed_admin_doors():
    assert set(by_check("role.unused")) == {
        role_arn("OrganizationAccountAccessRole"),
        role_arn("aws-controltower-AdministratorRole"),
    }


def test_no_support_role():
    evidence = finding("role.support_missing", ROOT).evidence
    assert evidence["other_holders"] == []


def test_root_of_a_member_account_without_mfa_is_reported_unless_root_is_managed_centrally():
    """Without the organization's features (a GAAD does not carry them) root's missing MFA is
    reported. With centralized root access it passes once the account summary shows no root
    password (the report's `not_supported` for root proves nothing, so it alone is not enough)
    and the report no root key or certificate (checks.md)."""
    assert on(ROOT)["root.mfa_disabled"] == "critical"
    checks = ["root.mfa_disabled", "root.central_management_off"]
    central = replace(snapshot(), organizations_features=("RootCredentialsManagement",))
    result = audit(central, only=checks)
    assert result.errors == ()
    assert [f.check_id for f in result.findings] == ["root.mfa_disabled"]
    removed = replace(central, account_summary={"AccountPasswordPresent": 0})
    result = audit(removed, only=checks)
    assert result.errors == ()
    assert [f.check_id for f in result.findings] == []


def test_identity_center_saml_provider_counts_as_federation():
    """With ListSAMLProviders' answer (the AWSSSO_..._DO_NOT_DELETE provider the SSO roles
    trust), the break-glass console user does not make federation.none fire; without any
    provider it does."""
    with_sso = replace(snapshot(), saml_providers=(B.SAML_PROVIDER_ARN,), oidc_providers=())
    assert audit(with_sso, only=["federation.none"]).findings == ()
    without = replace(snapshot(), saml_providers=(), oidc_providers=())
    assert [f.check_id for f in audit(without, only=["federation.none"]).findings] == [
        "federation.none"
    ]


def test_ci_user_findings():
    """A key-only CI user: no MFA (SH IAM.19), policies of its own and no group (CIS 1.14,
    AWS Config); its key was rotated 60 days ago and used yesterday, so no key finding."""
    assert on(CI_USER) == {
        "principal.privilege_escalation": "high",
        "user.direct_policies": "low",
        "user.not_in_group": "low",
        "user.without_mfa": "medium",
    }


def test_break_glass_user_with_mfa_and_no_keys_is_not_said_to_act_without_mfa():
    assert "user.mfa_not_enforced" not in on(BREAK_GLASS)
