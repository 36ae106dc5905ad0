"""Other vulnerable-by-design AWS projects, audited from GAADs built from their Terraform.

tests/data/vulnerable_projects/ is written by tests/data/build_vulnerable_projects_gaads.py from
NCC Group's sadcloud (modules/aws/iam/main.tf, every flag on), Bridgecrew's terragoat
(terraform/aws/iam.tf, lambda.tf) and INE's AWSGoat (modules/module-1/main.tf and
modules/module-2/main.tf, with the attack manuals' "IAM Privilege Escalation" walkthroughs).
For each intended weakness the check (by id) that must report it, and on which resource, is
asserted; so is the silence on what each project means to be harmless. Where a "weakness" is not
one under AWS semantics, or where our judgement differs from the project's, the docstring says
why the behaviour pinned is right.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.audit.findings import Severity
from bot.aws.collect import _password_policy
from bot.clicmd._common import gaad_snapshot
from bot.iam.effective import PermissionIndex
from bot.iam.privesc import find_escalations
from tests.factories import ACCOUNT_ID, NOW, audit

DATA = Path(__file__).resolve().parents[1] / "data"
FIXTURES = DATA / "vulnerable_projects"
BUILDER = DATA / "build_vulnerable_projects_gaads.py"
PROJECTS = ("sadcloud", "terragoat", "awsgoat_module_1", "awsgoat_module_2")
REPORTS = {"sadcloud", "terragoat"}
PRIVILEGE = {"principal.privilege_escalation", "principal.admin_equivalent"}

SADCLOUD_INLINE_ROLE = "terraform-20200330202957416500000001"
SADCLOUD_ALLOW_ALL = "terraform-20200330202957416600000002"
SADCLOUD_ALLOW_ALL_NO_MFA = "terraform-20200330202957416700000003"
SADCLOUD_WILDCARD_POLICY = "wildcard_IAM_policy20200330202957416800000004"
SADCLOUD_USER_POLICY = "terraform-20200330202957417000000006"
SADCLOUD_GROUP_POLICY = "terraform-20200330202957416900000005"
TERRAGOAT_USER = "terragoat-dev-user"
BLOG_DATA_FUNCTION = f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:blog-application-data"


def iam_arn(kind: str, name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT_ID}:{kind}/{name}"


ROOT = f"arn:aws:iam::{ACCOUNT_ID}:root"


@functools.cache
def snapshot(project: str):
    """The project's account as ``iam-audit audit --gaad FILE [--credential-report CSV]``
    loads it; sadcloud's password policy parsed by the collector's own reader."""
    report_path = FIXTURES / f"{project}_credential_report.csv"
    snap = gaad_snapshot(
        str(FIXTURES / f"{project}.json"),
        credential_report_path=str(report_path) if project in REPORTS else None,
        now=NOW,
    )
    if project == "sadcloud":
        answer = json.loads((FIXTURES / "sadcloud_password_policy.json").read_text())
        client = SimpleNamespace(get_account_password_policy=lambda: answer)
        snap = replace(snap, password_policy=_password_policy(client))
    return snap


@functools.cache
def report(project: str):
    return audit(snapshot(project))


@functools.cache
def escalations(project: str):
    return find_escalations(PermissionIndex(snapshot(project), NOW))


def findings(project: str, check_id: str) -> dict[str, object]:
    """Resource ARN -> the finding of ``check_id`` on it."""
    found = {}
    for finding in report(project).findings:
        if finding.check_id == check_id:
            assert finding.resource_arn not in found, "one finding per (check, resource)"
            found[finding.resource_arn] = finding
    return found


def checks_on(project: str, resource_arn: str) -> set[str]:
    return {f.check_id for f in report(project).findings if f.resource_arn == resource_arn}


def methods(project: str, principal_arn: str) -> dict[str, object]:
    found = escalations(project).get(principal_arn)
    assert found is not None, f"{principal_arn} not reported"
    return {m.method.id: m for m in found.methods}


def access(method, action: str):
    return next(a for a in method.accesses if a.action == action)


# --- the fixtures ---------------------------------------------------------------------------------


def test_fixtures_match_their_builder():
    spec = importlib.util.spec_from_file_location("build_vulnerable_projects_gaads", BUILDER)
    assert spec is not None
    assert spec.loader is not None
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    rendered = builder.render()
    assert sorted(rendered) == sorted(p.name for p in FIXTURES.iterdir())
    for file_name, text in rendered.items():
        assert (FIXTURES / file_name).read_text() == text, file_name
    assert set(builder.PROJECTS) == set(PROJECTS)


@pytest.mark.parametrize("project", PROJECTS)
def test_audit_has_no_errors(project):
    result = report(project)
    assert result.errors == ()
    assert "principal.privilege_escalation" in result.checks


# --- sadcloud -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("check_id", "evidence"),
    [
        ("password_policy.min_length", "6"),
        ("password_policy.reuse", "reuse"),
        ("password_policy.expiry", "never expire"),
        ("password_policy.complexity", "uppercase letters, lowercase letters, numbers, symbols"),
    ],
)
def test_sadcloud_password_policy_weaknesses(check_id, evidence):
    """aws_iam_account_password_policy.main with every flag: length 6, no class required,
    reuse prevention 0 and max age 0 (AWS: 0 = not set, so no reuse check and no expiry)."""
    finding = findings("sadcloud", check_id)[ROOT]
    assert evidence in finding.detail
    assert findings("sadcloud", "password_policy.missing") == {}


def test_sadcloud_password_policy_is_informational_without_console_users():
    """checks.md: password-policy findings are low in an account with no console users; the
    credential report shows sadcloudInlineUser has no login profile (password_enabled false)."""
    for check_id in ("password_policy.min_length", "password_policy.reuse"):
        assert findings("sadcloud", check_id)[ROOT].severity == Severity.LOW


@pytest.mark.parametrize(
    ("owner", "policy"),
    [
        ("user/sadcloudInlineUser", SADCLOUD_USER_POLICY),
        ("group/sadcloudInlineGroup", SADCLOUD_GROUP_POLICY),
        (f"role/{SADCLOUD_INLINE_ROLE}", "inline-role-policy"),
    ],
)
def test_sadcloud_inline_notaction_policies(owner, policy):
    """The three inline policies allow NotAction (ec2:*, s3:DeleteBucket, ec2:Describe*) on
    `*`: each is an Allow with NotAction, and each allows iam:PassRole on `*` through it."""
    resource = f"arn:aws:iam::{ACCOUNT_ID}:{owner}#inline/{policy}"
    assert resource in findings("sadcloud", "policy.notaction_allow")
    assert resource in findings("sadcloud", "policy.passrole_star")


@pytest.mark.parametrize(
    ("kind", "name"), [("user", "sadcloudInlineUser"), ("role", SADCLOUD_INLINE_ROLE)]
)
def test_sadcloud_notaction_principals_are_administrators(kind, name):
    """NotAction s3:DeleteBucket (user) and NotAction ec2:Describe* (role) leave every IAM write
    allowed: admin-equivalent (checks.md: "every IAM write (e.g. via NotAction)")."""
    assert iam_arn(kind, name) in findings("sadcloud", "principal.admin_equivalent")


def test_sadcloud_admin_user_without_mfa():
    """sadcloudInlineUser is admin-equivalent and has no MFA device. It holds no credential yet
    (no login profile, no key), but checks.md defines user.admin_without_mfa on permissions and
    MFA only: the first key or password anyone adds would be an admin credential without MFA."""
    user = iam_arn("user", "sadcloudInlineUser")
    assert user in findings("sadcloud", "user.admin_without_mfa")
    assert {"user.direct_policies", "user.not_in_group", "user.without_mfa"} <= checks_on(
        "sadcloud", user
    )
    assert user not in findings("sadcloud", "user.console_without_mfa")


@pytest.mark.parametrize("role", [SADCLOUD_ALLOW_ALL, SADCLOUD_ALLOW_ALL_NO_MFA])
def test_sadcloud_assume_role_policy_allows_all(role):
    """Principal {"AWS": "*"} with BoolIfExists aws:MultiFactorAuthPresent "true" (allow_all)
    or "false" (allow_all_and_no_mfa). Neither restricts: the key is absent from requests signed
    with long-term access keys (IAM User Guide, aws:MultiFactorAuthPresent), so BoolIfExists
    "true" matches them, and "false" is no guard at all. Any principal of any account may
    assume both roles."""
    finding = findings("sadcloud", "role.trust_any_principal")[iam_arn("role", role)]
    assert finding.severity == Severity.CRITICAL


def test_sadcloud_wildcard_policies():
    """aws_iam_policy.policy (name_prefix wildcard_IAM_policy, attached to nothing) and
    sadcloud_superuser_policy (on the sadcloud_superuser group) allow `*` on `*`."""
    wildcard = iam_arn("policy", SADCLOUD_WILDCARD_POLICY)
    superuser = iam_arn("policy", "sadcloud_superuser_policy")
    assert {wildcard, superuser} <= set(findings("sadcloud", "policy.admin_star"))
    assert set(findings("sadcloud", "policy.unattached")) == {wildcard}


def test_sadcloud_roles_without_permissions_are_not_privileged():
    """The two trust-policy roles have no permission policy: nothing to escalate with."""
    flagged = {f.resource_arn for f in report("sadcloud").findings if f.check_id in PRIVILEGE}
    assert flagged == {
        iam_arn("user", "sadcloudInlineUser"),
        iam_arn("role", SADCLOUD_INLINE_ROLE),
    }


# --- terragoat ------------------------------------------------------------------------------------


def test_terragoat_excess_policy_grants_whole_services():
    """excess_policy: ec2:*, s3:*, lambda:*, cloudwatch:* on `*`, inline on the user."""
    resource = iam_arn("user", TERRAGOAT_USER) + "#inline/excess_policy"
    finding = findings("terragoat", "policy.service_wildcard")[resource]
    for service in ("ec2:*", "s3:*", "lambda:*", "cloudwatch:*"):
        assert service in finding.detail


def test_terragoat_user_has_direct_policies_and_broad_data_access():
    user = iam_arn("user", TERRAGOAT_USER)
    assert {
        "user.direct_policies",
        "user.not_in_group",
        "principal.data_exfiltration",
        "principal.credentials_exposure",
    } <= checks_on("terragoat", user)
    assert "s3:GetObject" in findings("terragoat", "principal.data_exfiltration")[user].detail
    assert (
        "ec2:GetPasswordData"
        in findings("terragoat", "principal.credentials_exposure")[user].detail
    )


def test_terragoat_access_key_user_without_mfa():
    """aws_iam_access_key.user: an active key, no MFA, no console password."""
    user = iam_arn("user", TERRAGOAT_USER)
    assert "access key 1" in findings("terragoat", "user.without_mfa")[user].detail
    assert user not in findings("terragoat", "user.console_without_mfa")
    assert user not in findings("terragoat", "user.password_and_keys")
    assert f"{user}#access_key_1" in findings("terragoat", "user.access_key_unused")


def test_terragoat_user_does_not_escalate():
    """lambda:* and ec2:* without iam:PassRole: the only function role
    (terragoat-dev-analysis-lambda) has no policy, so running code as it gains nothing."""
    assert escalations("terragoat") == {}
    assert not any(f.check_id in PRIVILEGE for f in report("terragoat").findings)


# --- AWSGoat module 1 -----------------------------------------------------------------------------


def test_awsgoat_goat_role_attaches_a_policy_to_the_lambda_data_role():
    """07-IAM Privilege Escalation.md: AWS_GOAT_ROLE (the EC2 instance's role) creates an
    admin policy (iam:CreatePolicy on `*`) and attaches it to blog_app_lambda_data
    (iam:AttachRolePolicy on that role only); it can run code as that role through the
    blog-application-data function (lambda:UpdateFunctionCode + InvokeFunction on it)."""
    goat = iam_arn("role", "AWS_GOAT_ROLE")
    held = methods("awsgoat_module_1", goat)
    attach = held["iam-009"]
    assert not attach.direct
    target = access(attach, "iam:AttachRolePolicy").resource
    assert target == iam_arn("role", "blog_app_lambda_data")
    assert access(held["lambda-004"], "lambda:UpdateFunctionCode").resource == BLOG_DATA_FUNCTION
    assert goat in findings("awsgoat_module_1", "principal.privilege_escalation")
    assert goat not in findings("awsgoat_module_1", "principal.admin_equivalent")


def test_awsgoat_lambda_data_role_gains_little_but_real():
    """blog_app_lambda_data (lambda:* on `*`, no iam:PassRole) can rewrite the code of the
    blog-application function, which runs as blog_app_lambda. The only permissions this adds
    are CloudWatchFullAccess's iam:GetPolicy/GetPolicyVersion/GetRole, oam reads and the
    CloudWatch Events service-linked role: a real but small gain, reported as our catalogue
    defines "more privileged" (a pattern the holder does not have). Pinned here."""
    data_role = iam_arn("role", "blog_app_lambda_data")
    assert "lambda-003" in methods("awsgoat_module_1", data_role)
    assert data_role in findings("awsgoat_module_1", "principal.privilege_escalation")
    assert data_role in findings("awsgoat_module_1", "principal.data_exfiltration")


def test_awsgoat_blog_app_lambda_is_harmless():
    blog = iam_arn("role", "blog_app_lambda")
    assert not (checks_on("awsgoat_module_1", blog) & PRIVILEGE)
    assert blog not in escalations("awsgoat_module_1")


# --- AWSGoat module 2 -----------------------------------------------------------------------------


def test_awsgoat_ecs_instance_role_passes_the_deployer_role_to_ec2():
    """04-IAM Privilege Escalation.md: ecs-instance-role runs an instance with the ec2Deployer
    profile (iam:PassRole and ec2:RunInstances, both inside its permissions boundary) and reads
    the admin role's credentials through SSM."""
    instance_role = iam_arn("role", "ecs-instance-role")
    held = methods("awsgoat_module_2", instance_role)
    passed = access(held["ec2-001"], "iam:PassRole").resource
    assert passed == iam_arn("role", "ec2Deployer-role")
    assert instance_role in findings("awsgoat_module_2", "principal.privilege_escalation")
    deployer = iam_arn("role", "ec2Deployer-role")
    assert deployer in findings("awsgoat_module_2", "principal.admin_equivalent")


def test_awsgoat_ecs_instance_role_may_replace_its_own_boundary():
    """Not in the manual, but works under IAM: the boundary allows iam:PutRole*, so the role
    may call iam:PutRolePermissionsBoundary on itself (IAMFullAccess allows it too) and swap
    the boundary for one that lets IAMFullAccess through."""
    held = methods("awsgoat_module_2", iam_arn("role", "ecs-instance-role"))
    assert held["iam-025"].direct


def test_awsgoat_permissions_boundary_stops_iam_full_access():
    """IAMFullAccess is attached, but the boundary (IAM List/Get/PassRole/PutRole* only) cuts
    iam:CreateUser and the rest (the manual's first attempt fails): not admin-equivalent."""
    instance_role = iam_arn("role", "ecs-instance-role")
    assert instance_role not in findings("awsgoat_module_2", "principal.admin_equivalent")
    index = PermissionIndex(snapshot("awsgoat_module_2"), NOW)
    perms = index[instance_role]
    assert not perms.can("iam:CreateUser", iam_arn("user", "hacker"))
    assert perms.can("iam:PassRole", iam_arn("role", "ec2Deployer-role"))


def test_awsgoat_boundary_policy_is_not_a_grant():
    """A permissions boundary grants nothing (IAM User Guide, permissions boundaries): its
    iam:PassRole on `*` is no passrole_star finding, and it is not "unattached"."""
    boundary = iam_arn("policy", "aws-goat-instance-boundary-policy")
    assert boundary not in findings("awsgoat_module_2", "policy.passrole_star")
    assert boundary not in findings("awsgoat_module_2", "policy.unattached")
    assert iam_arn("policy", "ec2DeployerAdmin-policy") in findings(
        "awsgoat_module_2", "policy.admin_star"
    )


def test_awsgoat_ecs_task_role_reads_secrets_but_does_not_escalate():
    """SecretsManagerReadWrite: GetSecretValue on `*` (the RDS_CREDS secret), no PassRole."""
    task_role = iam_arn("role", "ecs-task-role")
    assert task_role in findings("awsgoat_module_2", "principal.data_exfiltration")
    assert not (checks_on("awsgoat_module_2", task_role) & PRIVILEGE)
