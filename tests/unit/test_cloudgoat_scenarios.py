"""Rhino Security Labs' CloudGoat scenarios, audited from GAADs built from their Terraform.

tests/data/cloudgoat/<scenario>.json are written by tests/data/build_cloudgoat_gaads.py from
github.com/RhinoSecurityLabs/cloudgoat: scenarios/iam_privesc_by_rollback/terraform/iam.tf,
null_resource.tf, policies/v1-v5.json; scenarios/iam_privesc_by_attachment/terraform/iam.tf,
iam_meek.tf, iam_mighty.tf; scenarios/lambda_privesc/terraform/iam.tf;
scenarios/iam_privesc_by_key_rotation/terraform/iam_admin.tf, iam_manager.tf, iam_developer.tf;
scenarios/beanstalk_secrets/terraform/iam.tf; scenarios/glue_privesc/terraform/iam.tf;
cloudgoat/scenarios/aws/iam_privesc_by_ec2/terraform/iam.tf;
scenarios/vulnerable_lambda/terraform/iam.tf and lambda.tf;
scenarios/detection_evasion/terraform/iam.tf; scenarios/cloud_breach_s3/terraform/ec2.tf;
scenarios/codebuild_secrets/terraform/iam.tf. The attack paths asserted are those of each
scenario's cheat sheet (cheat_sheet_raynor.md, cheat_sheet_kerrigan.md, cheat_sheet_chris.md,
cheat_sheet.md, cheat_sheet_dev_user.md, cheat_sheet_calrissian.md).

For each scenario: (a) the starting principal the cheat sheet uses is reported by
principal.privilege_escalation with the cheat sheet's method and target (or by
principal.admin_equivalent); (b) the principals the scenario means to be harmless are not;
(c) the audit of the GAAD, loaded as the CLI loads ``--gaad``, has no errors and its JSON report is
well formed. Where we miss a path that works under IAM's rules, or name the wrong target, the
test states the correct behaviour and is a strict xfail naming the cause in bot/iam/privesc.py
(or bot/audit/gaad.py).
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path

import pytest

from bot.audit.report import REPORT_SCHEMA
from bot.clicmd._common import gaad_snapshot
from bot.iam.effective import PermissionIndex
from bot.iam.privesc import can_assume, find_escalations, target_finder
from bot.render.json_report import render_json
from tests.factories import ACCOUNT_ID, NOW, audit

DATA = Path(__file__).resolve().parents[1] / "data"
FIXTURES = DATA / "cloudgoat"
BUILDER = DATA / "build_cloudgoat_gaads.py"
SCENARIOS = sorted(p.stem for p in FIXTURES.glob("*.json"))
PRIVILEGE = {"principal.privilege_escalation", "principal.admin_equivalent"}


@functools.cache
def snapshot(scenario: str):
    """The scenario's account, loaded by the loader ``iam-audit audit --gaad FILE`` uses."""
    return gaad_snapshot(str(FIXTURES / f"{scenario}.json"), credential_report_path=None, now=NOW)


@functools.cache
def report(scenario: str):
    return audit(snapshot(scenario))


@functools.cache
def escalations(scenario: str):
    return find_escalations(PermissionIndex(snapshot(scenario), NOW))


def arn_of(scenario: str, name: str) -> str:
    """The ARN of the user or role whose name is ``name`` (``{cgid}`` filled in)."""
    snap = snapshot(scenario)
    wanted = name.format(cgid=f"{scenario}_cgid{CGIDS[scenario]}")
    found = [p.arn for p in (*snap.users, *snap.roles) if p.name == wanted]
    assert len(found) == 1, (scenario, wanted)
    return found[0]


def policy_arn(scenario: str, name: str) -> str:
    wanted = name.format(cgid=f"{scenario}_cgid{CGIDS[scenario]}")
    return f"arn:aws:iam::{ACCOUNT_ID}:policy/{wanted}"


def flagged(scenario: str) -> dict[str, set[str]]:
    """Principal ARN -> the privilege checks that report it."""
    found: dict[str, set[str]] = {}
    for finding in report(scenario).findings:
        if finding.check_id in PRIVILEGE:
            found.setdefault(finding.resource_arn, set()).add(finding.check_id)
    return found


def held(scenario: str, name: str, method_id: str):
    """The principal's held method ``method_id`` (fails when it is not reported)."""
    principal = arn_of(scenario, name)
    assert principal in escalations(scenario), f"{name} not reported"
    methods = {m.method.id: m for m in escalations(scenario)[principal].methods}
    assert method_id in methods, sorted(methods)
    return methods[method_id]


def access(method, action: str):
    return next(a for a in method.accesses if a.action == action)


CGIDS = {
    "beanstalk_secrets": "b34n5t4lk0",
    "cloud_breach_s3": "c10udbr34c",
    "codebuild_secrets": "c0d3bu11d5",
    "detection_evasion": "d373c710n0",
    "glue_privesc": "g1u3pr1v35",
    "iam_privesc_by_attachment": "k3rr1g4n0x",
    "iam_privesc_by_ec2": "3c2pr1v35c",
    "iam_privesc_by_key_rotation": "r0t4t10nk3",
    "iam_privesc_by_rollback": "tm8l3zv490",
    "lambda_privesc": "ch415l4mbd",
    "vulnerable_lambda": "vu1n14mbd4",
}

# (b) Principals each scenario means to be harmless: no privilege finding may name them.
HARMLESS = {
    "iam_privesc_by_attachment": ["cg-ec2-meek-role-{cgid}"],
    "lambda_privesc": [],
    "iam_privesc_by_key_rotation": ["developer_{cgid}", "admin_{cgid}", "cg_secretsmanager_{cgid}"],
    "beanstalk_secrets": [
        "{cgid}_low_priv_user",
        "{cgid}_eb_instance_role",
        "{cgid}_eb_service_role",
    ],
    "glue_privesc": ["cg-run-app-{cgid}", "ssm_parameter_role"],
    "iam_privesc_by_ec2": [],
    "vulnerable_lambda": ["cg-lambda-invoker-{cgid}"],
    "detection_evasion": [
        "canarytokens.com@@kz9r8ouqnhve4zs1yi4bzspzz",
        "l_salander",
        "cd1fceca-e751-4c1b-83e4-78d309063830",
        "{cgid}_easy",
        "{cgid}_hard",
    ],
    "cloud_breach_s3": ["cg-banking-WAF-Role-{cgid}"],
    "codebuild_secrets": ["calrissian", "solo"],
    "iam_privesc_by_rollback": [],
}


# --- the fixtures ---------------------------------------------------------------------------------


def test_fixtures_match_their_builder():
    spec = importlib.util.spec_from_file_location("build_cloudgoat_gaads", BUILDER)
    assert spec is not None
    assert spec.loader is not None
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    rendered = builder.render()
    assert sorted(rendered) == sorted(p.name for p in FIXTURES.glob("*.json"))
    for file_name, text in rendered.items():
        assert (FIXTURES / file_name).read_text() == text, file_name
    assert set(CGIDS) == set(SCENARIOS) == set(HARMLESS)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_fixture_ids_and_dates_have_the_real_form(scenario):
    gaad = json.loads((FIXTURES / f"{scenario}.json").read_text())
    for key, prefix, items in (
        ("UserId", "AIDA", gaad["UserDetailList"]),
        ("RoleId", "AROA", gaad["RoleDetailList"]),
        ("GroupId", "AGPA", gaad["GroupDetailList"]),
        ("PolicyId", "ANPA", gaad["Policies"]),
    ):
        for item in items:
            value = item[key]
            assert len(value) == 21, value
            assert value.startswith(prefix), value
            assert value.isalnum(), value
            assert value == value.upper(), value
            assert item["CreateDate"].endswith("Z")
            assert "T" in item["CreateDate"]
            assert item["Arn"].split(":")[4] in {ACCOUNT_ID, "aws"}


# --- (c) every scenario audits cleanly ------------------------------------------------------------


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_audit_has_no_errors_and_its_json_report_is_well_formed(scenario):
    result = report(scenario)
    assert result.errors == ()
    data = json.loads(render_json(result, catalogue={}))
    assert data["schema"] == REPORT_SCHEMA
    assert data["account_id"] == ACCOUNT_ID
    assert data["errors"] == []
    assert isinstance(data["findings"], list)
    for finding in data["findings"]:
        assert finding["check_id"]
        assert finding["resource_arn"]
    assert "principal.privilege_escalation" in data["checks"]


# --- (b) the harmless principals are not reported -------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "name"),
    [(s, n) for s, names in sorted(HARMLESS.items()) for n in names],
)
def test_harmless_principal_is_not_reported(scenario, name):
    assert flagged(scenario).get(arn_of(scenario, name), set()) == set()


def test_scenarios_without_an_iam_path_report_no_escalation():
    """cloud_breach_s3 starts anonymous (a reverse proxy open to IMDS) and codebuild_secrets
    goes through CodeBuild environment variables and an RDS snapshot: no IAM principal of either
    escalates, and neither holds an administrator."""
    for scenario in ("cloud_breach_s3", "codebuild_secrets"):
        assert flagged(scenario) == {}


# --- (a) the cheat sheets' paths ------------------------------------------------------------------


def test_rollback_raynor_sets_a_default_policy_version():
    """raynor's only policy (v1 default) allows iam:SetDefaultPolicyVersion on `*`; its v3 is
    `*` on `*` (cheat_sheet_raynor.md sets v3 as default). raynor is not an administrator
    before the switch: only the default version counts."""
    method = held("iam_privesc_by_rollback", "raynor-{cgid}", "iam-001b")
    assert method.direct
    raynor = arn_of("iam_privesc_by_rollback", "raynor-{cgid}")
    assert flagged("iam_privesc_by_rollback") == {raynor: {"principal.privilege_escalation"}}


def test_rollback_target_is_raynors_own_policy():
    method = held("iam_privesc_by_rollback", "raynor-{cgid}", "iam-001b")
    target = access(method, "iam:SetDefaultPolicyVersion").resource
    assert target == policy_arn("iam_privesc_by_rollback", "cg-raynor-policy-{cgid}")


def test_attachment_kerrigan_passes_the_mighty_role_to_ec2():
    """kerrigan swaps cg-ec2-mighty-role into the meek instance profile and runs an instance
    with it: iam:PassRole on `*` + ec2:RunInstances, the admin mighty role as the passed role.
    The meek role (Deny `*`) is nothing to pass."""
    method = held("iam_privesc_by_attachment", "kerrigan", "ec2-001")
    mighty = arn_of("iam_privesc_by_attachment", "cg-ec2-mighty-role-{cgid}")
    assert access(method, "iam:PassRole").resource == mighty
    assert flagged("iam_privesc_by_attachment")[mighty] == {"principal.admin_equivalent"}


def test_lambda_privesc_manager_role_passes_the_debug_role_to_lambda():
    """cg-lambdaManager-role (lambda:* and iam:PassRole on `*`) creates a function with the
    admin cg-debug-role and invokes it."""
    method = held("lambda_privesc", "cg-lambdaManager-role-{cgid}", "lambda-001")
    debug = arn_of("lambda_privesc", "cg-debug-role-{cgid}")
    assert access(method, "iam:PassRole").resource == debug
    assert flagged("lambda_privesc")[debug] == {"principal.admin_equivalent"}


def test_lambda_privesc_chris_escalates_through_the_manager_role():
    """cheat_sheet_chris.md: chris assumes cg-lambdaManager-role, then lambda-001 with
    cg-debug-role. Works under IAM: the trust names chris and chris may call sts:AssumeRole."""
    chris = arn_of("lambda_privesc", "chris-{cgid}")
    manager = arn_of("lambda_privesc", "cg-lambdaManager-role-{cgid}")
    assert chris in escalations("lambda_privesc")
    assert any(manager in m.chain for m in escalations("lambda_privesc")[chris].methods)


def test_key_rotation_manager_replaces_another_users_key():
    """cheat_sheet.md: manager tags the admin user developer=true (iam:TagUser on `*`), deletes
    one of its two keys and creates a new one (iam-003), enables an MFA device on it and, as
    admin with MFA, assumes cg_secretsmanager. Works under IAM: the developer=true condition is
    on the target's tag, which the manager may set, so it is a satisfiable condition (and is
    noted as such). The secrets role is no administrator, so admin is not reported itself."""
    method = held("iam_privesc_by_key_rotation", "manager_{cgid}", "iam-003")
    assert {a.action for a in method.accesses} == {"iam:CreateAccessKey", "iam:DeleteAccessKey"}
    manager = arn_of("iam_privesc_by_key_rotation", "manager_{cgid}")
    notes = escalations("iam_privesc_by_key_rotation")[manager].assumptions
    assert any("aws:ResourceTag/developer" in n and "satisfiable" in n for n in notes)


def test_create_access_key_names_the_user_taken_over():
    """The secondary user's iam-002 is aimed at the admin user (administrators are tried
    first), not at a made-up probe user."""
    method = held("beanstalk_secrets", "{cgid}_secondary_user", "iam-002")
    target = arn_of("beanstalk_secrets", "{cgid}_admin_user")
    assert access(method, "iam:CreateAccessKey").resource == target


def test_key_rotation_manager_takes_over_a_richer_developer():
    """cheat_sheet.md: the manager tags the admin user developer=true, then rotates its keys.
    Without tagging, the manager's CreateAccessKey (only on users tagged developer=true)
    already reaches the developer user, who is richer than the manager: that is the target we
    name. (The tag-then-take-over path to the admin is the same method, one step later.)"""
    method = held("iam_privesc_by_key_rotation", "manager_{cgid}", "iam-003")
    target = arn_of("iam_privesc_by_key_rotation", "developer_{cgid}")
    assert access(method, "iam:CreateAccessKey").resource == target


def test_beanstalk_secondary_user_creates_a_key_for_the_admin():
    """cheat_sheet.md: the secondary user (keys leaked in the Beanstalk environment) holds
    iam:CreateAccessKey on `*` and creates a key for the `*`-on-`*` admin user."""
    method = held("beanstalk_secrets", "{cgid}_secondary_user", "iam-002")
    assert method.direct
    admin = arn_of("beanstalk_secrets", "{cgid}_admin_user")
    assert flagged("beanstalk_secrets")[admin] == {"principal.admin_equivalent"}


def test_glue_admin_passes_a_richer_role_to_a_glue_job():
    """cheat_sheet.md: cg-glue-admin creates a Glue job with ssm_parameter_role (S3 and SSM full
    access) and starts it (glue-003). We name the first richer role Glue may assume,
    glue_ETL_role (RDS, S3 and Glue full access): also a real escalation; ssm_parameter_role,
    the cheat sheet's, is passable and richer too."""
    scenario = "glue_privesc"
    method = held(scenario, "cg-glue-admin-{cgid}", "glue-003")
    glue_roles = {arn_of(scenario, "glue_ETL_role"), arn_of(scenario, "ssm_parameter_role")}
    assert access(method, "iam:PassRole").resource in glue_roles
    index = PermissionIndex(snapshot(scenario), NOW)
    holder = index[arn_of(scenario, "cg-glue-admin-{cgid}")]
    ssm_role = arn_of(scenario, "ssm_parameter_role")
    assert ssm_role in target_finder(index).pass_targets(("glue.amazonaws.com",))
    assert target_finder(index).more_privileged(ssm_role, holder)
    assert holder.can("iam:PassRole", ssm_role)


def test_glue_service_roles_pass_nothing_richer():
    """AWSGlueConsoleFullAccess on glue_ETL_role allows iam:PassRole only on AWSGlueServiceRole*
    roles (none exist) for Glue: no new-passrole method. Its glue:* does allow
    glue:UpdateDevEndpoint (glue-002, on an existing endpoint), reported as existing-passrole."""
    scenario = "glue_privesc"
    for name in ("glue_ETL_role", "s3_to_gluecatalog_lambda_role"):
        found = escalations(scenario).get(arn_of(scenario, name))
        methods = {m.method.id for m in found.methods} if found else set()
        assert methods <= {"glue-002"}, (name, methods)


def test_ec2_management_role_rewrites_an_instances_user_data():
    """cheat_sheet_dev_user.md: cg_ec2_management_role stops the admin instance, rewrites its
    user data and starts it (ec2-002). Its condition (aws:ResourceTag/Name not the admin
    instance's) is satisfiable: the dev user may ec2:DeleteTags."""
    method = held("iam_privesc_by_ec2", "cg_ec2_management_role_{cgid}", "ec2-002")
    assert {a.action for a in method.accesses} == {
        "ec2:ModifyInstanceAttribute",
        "ec2:StopInstances",
        "ec2:StartInstances",
    }
    admin_role = arn_of("iam_privesc_by_ec2", "cg_ec2_role_{cgid}")
    assert flagged("iam_privesc_by_ec2")[admin_role] == {"principal.admin_equivalent"}


def test_ec2_dev_user_escalates_through_the_management_role():
    dev = arn_of("iam_privesc_by_ec2", "cg_dev_user_{cgid}")
    role = arn_of("iam_privesc_by_ec2", "cg_ec2_management_role_{cgid}")
    assert dev in escalations("iam_privesc_by_ec2")
    assert any(role in m.chain for m in escalations("iam_privesc_by_ec2")[dev].methods)


def test_vulnerable_lambda_the_function_role_can_make_bilbo_admin():
    """The policy applier's execution role may attach any managed policy to bilbo
    (iam:AttachUserPolicy on bilbo's ARN): reported as an escalation for others (iam-008, not
    direct), aimed at bilbo. bilbo itself is not reported: its path is a SQL injection in the
    function's code (cheat_sheet.md), which IAM cannot see; invoking an existing function is no
    catalogue method."""
    scenario = "vulnerable_lambda"
    method = held(scenario, "{cgid}-policy_applier_lambda1", "iam-008")
    assert not method.direct
    bilbo = arn_of(scenario, "cg-bilbo-{cgid}")
    assert access(method, "iam:AttachUserPolicy").resource == bilbo
    assert bilbo not in flagged(scenario)


def test_vulnerable_lambda_bilbo_may_assume_the_invoker_despite_the_foreign_account_id():
    """bilbo's own policy allows sts:AssumeRole only on arn:aws:iam::940877411605:role/
    cg-lambda-invoker* (an account id hard-coded in the Terraform). In the same account a trust
    policy naming the user is enough (IAM User Guide, policy evaluation: a resource-based policy
    naming the IAM user grants on its own), so the cheat sheet's assume-role step still works."""
    snap = snapshot("vulnerable_lambda")
    index = PermissionIndex(snap, NOW)
    bilbo = arn_of("vulnerable_lambda", "cg-bilbo-{cgid}")
    invoker = next(r for r in snap.roles if r.name.startswith("cg-lambda-invoker-"))
    granted = can_assume(index[bilbo], invoker, index)
    assert granted is not None
    assert "trust policy" in granted.granted_by[0].policy


def test_detection_evasion_developer_opens_a_session_on_the_instances():
    """cheat_sheet.md: r_waterhouse (cg-developers: ReadOnlyAccess and ssm:StartSession on
    instances) opens an SSM session on the easy-path instance and uses its role (ssm-001);
    ssm:SendCommand gives ssm-002 too. The three honeytoken users hold nothing."""
    method = held("detection_evasion", "r_waterhouse", "ssm-001")
    assert method.direct
    assert (
        "ssm-002"
        in escalations("detection_evasion")[arn_of("detection_evasion", "r_waterhouse")].method_ids
    )
