"""The full audit of a data and ML platform account, as AWS's service guides set it up.

tests/data/data_platform/ (gaad.json + credential_report.csv) is written by
tests/data/build_data_platform_gaad.py from AWS's documentation: SageMaker Studio execution
roles and a pipeline role, Glue job / crawler roles, the EMR default roles, an EMR Serverless
runtime role and an EMR Studio service role, Step Functions and Lambda orchestration, Redshift's
COPY/UNLOAD, Spectrum and default roles, Lake Formation's workflow and data-access roles, an
MWAA execution role, service-linked roles, Identity Center permission sets for the people, and
one deliberate mistake (a CI role with iam:PassRole on `*` and glue:CreateJob, and an old Glue
role holding AdministratorAccess). The AWS-managed policies are AWS's documents (moto's copy).

The account is audited once, at the tests' fixed clock. The tests judge above all the
privilege-escalation search's iam:PassRole methods, whose conditions (iam:PassedToService,
role-name patterns, the trust of the role passed) are where tools go wrong:

- what the audit gets right is pinned (check, resource, severity, the role a method passes);
- a false alarm or a miss is written as the right behaviour and marked a strict xfail naming
  the cause in our code and the fix.

``test_every_finding_is_accounted_for`` lists every finding, sorted into true findings and
known false alarms, so a new finding on this account fails until someone judges it.
"""

from __future__ import annotations

import functools
import json

from bot.iam.privesc import target_finder
from tests.account_support import AuditedAccount

ACCOUNT = AuditedAccount("data_platform")
B = ACCOUNT.builder
FIXTURES = ACCOUNT.fixtures
ACCT = B.ACCT
ROOT = f"arn:aws:iam::{ACCT}:root"
snapshot, report, index, escalations = (
    ACCOUNT.snapshot,
    ACCOUNT.report,
    ACCOUNT.index,
    ACCOUNT.escalations,
)
found, on, by_check, finding = ACCOUNT.found, ACCOUNT.on, ACCOUNT.by_check, ACCOUNT.finding


@functools.cache
def _roles_by_name() -> dict[str, str]:
    return {r.name: r.arn for r in snapshot().roles}


def role(name: str) -> str:
    return _roles_by_name()[name]


def sso(permission_set: str) -> str:
    return role(B.sso_role_name(permission_set))


def managed(name: str, path: str = "/") -> str:
    return f"arn:aws:iam::aws:policy{path}{name}"


def inline(principal_arn: str, policy: str) -> str:
    return f"{principal_arn}#inline/{policy}"


SM_EXEC = role(B.SM_EXEC)
SM_EXEC_ANY = role(B.SM_EXEC_ANY)
SM_PIPELINE = role(B.SM_PIPELINE)
GLUE_JOB = role(B.GLUE_JOB)
GLUE_CRAWLER = role(B.GLUE_CRAWLER)
GLUE_ADMIN = role(B.GLUE_ADMIN)
CI = role(B.CI_DEPLOYER)
EMR_SERVICE = role(B.EMR_SERVICE)
EMR_EC2 = role(B.EMR_EC2)
EMR_AUTOSCALING = role(B.EMR_AUTOSCALING)
EMR_SERVERLESS = role(B.EMR_SERVERLESS)
EMR_STUDIO = role(B.EMR_STUDIO)
SFN = role(B.SFN)
LAMBDA = role(B.LAMBDA)
REDSHIFT_COPY = role(B.REDSHIFT_COPY)
REDSHIFT_SPECTRUM = role(B.REDSHIFT_SPECTRUM)
REDSHIFT_DEFAULT = role(B.REDSHIFT_DEFAULT)
LF_WORKFLOW = role(B.LF_WORKFLOW)
LF_DATA_ACCESS = role(B.LF_DATA_ACCESS)
MWAA = role(B.MWAA)
SCIENTIST = sso("DataScientist")
ENGINEER = sso("DataEngineer")
EMR_ANALYST = sso("EMRAnalyst")
ATHENA_ANALYST = sso("AthenaAnalyst")
LAKE_ADMIN = sso("DataLakeAdmin")
LF_SLR = role("AWSServiceRoleForLakeFormationDataAccess")


def methods_of(principal: str) -> dict[str, object]:
    escalation = escalations().get(principal)
    return {} if escalation is None else {m.method.id: m for m in escalation.methods}


def held(principal: str, method_id: str):
    methods = methods_of(principal)
    assert method_id in methods, (principal, sorted(methods))
    return methods[method_id]


def passed(principal: str, method_id: str) -> str:
    """The role a held iam:PassRole method passes."""
    method = held(principal, method_id)
    return next(a.resource for a in method.accesses if a.action == "iam:PassRole")


def may_pass(principal: str, target: str, service: str) -> bool:
    """Whether the principal may pass the role to the service (iam:PassedToService = service)."""
    perms = index()[principal].with_facts({"iam:passedtoservice": (service,)})
    return perms.can("iam:PassRole", target)


def richer(target: str, holder: str) -> bool:
    return target_finder(index()).more_privileged(target, index()[holder])


SAGEMAKER = "sagemaker.amazonaws.com"
GLUE = "glue.amazonaws.com"
EC2 = "ec2.amazonaws.com"
EMR = "elasticmapreduce.amazonaws.com"


# --- the fixture ----------------------------------------------------------------------------------


def test_fixture_matches_its_builder():
    ACCOUNT.assert_fixtures_match_builder()


def test_fixture_has_the_documented_names_and_paths():
    gaad = json.loads((FIXTURES / B.GAAD_FILE).read_text())
    roles = {r["RoleName"]: r for r in gaad["RoleDetailList"]}
    for name, service, _policy in B.SERVICE_LINKED:
        assert roles[name]["Path"] == f"/aws-service-role/{service}/"
    # Console-made roles live under /service-role/ (SageMaker, the Glue crawler wizard,
    # Step Functions, Lambda, Redshift's default role, MWAA).
    for name in (B.SM_EXEC, B.SM_EXEC_ANY, B.GLUE_CRAWLER, B.SFN, B.LAMBDA, B.MWAA):
        assert roles[name]["Path"] == "/service-role/", name
    assert roles[B.EMR_EC2]["InstanceProfileList"][0]["InstanceProfileName"] == B.EMR_EC2
    for permission_set in B.PERMISSION_SETS:
        assert roles[B.sso_role_name(permission_set)]["Path"] == B.SSO_PATH
    attached = {
        p["PolicyArn"] for r in gaad["RoleDetailList"] for p in r["AttachedManagedPolicies"]
    }
    assert attached == {p["Arn"] for p in gaad["Policies"]}
    assert gaad["UserDetailList"] == []


def test_audit_has_no_errors_and_its_json_report_is_well_formed():
    ACCOUNT.assert_report_is_clean_json()


# --- every finding, judged ------------------------------------------------------------------------

ESCALATING = {
    # People: each can pass a role richer than itself to a service whose code it writes.
    SCIENTIST: "sagemaker-002 passing the pipeline role (reads curated features, runs EMR)",
    ENGINEER: "glue-003 passing AWSGlueServiceRole-curated-etl (writes curated data)",
    LAKE_ADMIN: "glue-003 through AWSGlueConsoleFullAccess, as the data engineer",
    EMR_ANALYST: "emr-001 passing EMR_EC2_DefaultRole (s3:*, dynamodb:* ...)",
    CI: "glue-003 passing the AdministratorAccess Glue role: the deliberate mistake",
    # Roles: whoever controls what the service runs as them inherits the method.
    SM_EXEC: "notebook code passes the pipeline role to SageMaker",
    SM_EXEC_ANY: "as SM_EXEC",
    SM_PIPELINE: "passes the Redshift ML role to SageMaker, adds EMR steps",
    SFN: "passes EMR and SageMaker roles (state machine definition decides)",
    REDSHIFT_DEFAULT: "AmazonRedshiftAllCommandsFullAccess passes any role to SageMaker",
    REDSHIFT_SPECTRUM: "AWSGlueConsoleFullAccess (AWS's Spectrum guide) creates Glue jobs",
    EMR_SERVICE: "launches instances with EMR_EC2_DefaultRole (as Beanstalk's service role)",
    GLUE_JOB: "glue-002: AWSGlueServiceRole's glue:* updates a dev endpoint of a richer role",
    GLUE_CRAWLER: "as GLUE_JOB",
    LF_WORKFLOW: "as GLUE_JOB (AWSGlueServiceRole attached)",
}

TRUE_FINDINGS: dict[tuple[str, str], str] = {
    # The deliberate mistake's admin role.
    ("principal.admin_equivalent", GLUE_ADMIN): "high",
    ("identity.aws_admin_attached", GLUE_ADMIN): "high",
    ("policy.admin_star", managed("AdministratorAccess")): "high",
    **{("principal.privilege_escalation", arn): "high" for arn in ESCALATING},
    # emrserverless-002: the runtime role passed to StartJobRun on an existing application.
    ("principal.privilege_escalation", MWAA): "high",
    # ecr:GetAuthorizationToken on `*` (checks.md's credential list), from
    # AmazonSageMakerFullAccess and AmazonRedshiftAllCommandsFullAccess.
    **{
        ("principal.credentials_exposure", arn): "high"
        for arn in (SCIENTIST, SM_EXEC, SM_EXEC_ANY, SM_PIPELINE, REDSHIFT_DEFAULT)
    },
    # s3:GetObject on every object: s3:* (EMR_EC2), AmazonS3ReadOnlyAccess, and the console's
    # "Any S3 bucket" execution policy (arn:aws:s3:::*, every object of every bucket: AWS
    # authorises the object's own ARN, so the pattern grants what `*` grants).
    **{
        ("principal.data_exfiltration", arn): "medium"
        for arn in (EMR_EC2, REDSHIFT_COPY, REDSHIFT_SPECTRUM, SM_EXEC_ANY)
    },
    # Unrestricted Permissions-management actions: glue:PutResourcePolicy (glue:*), s3 bucket
    # policies (s3:*), logs:PutResourcePolicy (AmazonSageMakerFullAccess),
    # elasticmapreduce:PutBlockPublicAccessConfiguration (AmazonEMRFullAccessPolicy_v2).
    **{
        ("principal.resource_exposure", arn): "high"
        for arn in (
            GLUE_JOB,
            GLUE_CRAWLER,
            LF_WORKFLOW,
            ENGINEER,
            LAKE_ADMIN,
            REDSHIFT_SPECTRUM,
            EMR_EC2,
            SCIENTIST,
            SM_EXEC,
            SM_EXEC_ANY,
            SM_PIPELINE,
            EMR_ANALYST,
        )
    },
    # What AWS-managed documents in use allow.
    ("policy.notaction_allow", managed("AmazonSageMakerFullAccess")): "medium",
    **{
        ("policy.passrole_star", managed(n)): "high"
        for n in (
            "AmazonSageMakerFullAccess",
            "AmazonSageMakerPipelinesIntegrations",
            "AmazonRedshiftAllCommandsFullAccess",
        )
    },
    ("policy.passrole_star", inline(CI, "deploy-glue-jobs")): "high",
    **{
        ("policy.service_wildcard", managed(n, path)): "low"
        for n, path in (
            ("AWSGlueConsoleFullAccess", "/"),
            ("AWSLakeFormationDataAdmin", "/"),
            ("AmazonAthenaFullAccess", "/"),
            ("AmazonSageMakerFullAccess", "/"),
            ("AWSGlueServiceRole", "/service-role/"),
            ("AmazonElasticMapReduceforEC2Role", "/service-role/"),
        )
    },
    # Lint of customer and inline policies.
    ("policy.lint", inline(EMR_STUDIO, "EMRStudioServiceRolePolicy")): "info",
    # iam:CreateServiceLinkedRole on `*` scoped by iam:AWSServiceName (Lake Formation's own
    # policy): for information only.
    ("policy.lint", inline(LAKE_ADMIN, "AwsSSOInlinePolicy")): "info",
    ("policy.lint", inline(ENGINEER, "AwsSSOInlinePolicy")): "medium",
    ("policy.lint", inline(CI, "deploy-glue-jobs")): "medium",
    ("policy.lint", inline(EMR_SERVERLESS, "job-runtime")): "medium",
    ("policy.lint", inline(MWAA, "MWAA-Execution-Policy")): "medium",
    ("policy.lint", B.customer_arn(B.SM_EXEC_ANY_POLICY, "/service-role/")): "medium",
    # Service trusts without aws:SourceAccount / aws:SourceArn.
    **{
        ("role.trust_confused_deputy", arn): "low"
        for arn in (
            SM_EXEC,
            SM_EXEC_ANY,
            SM_PIPELINE,
            EMR_AUTOSCALING,
            EMR_SERVERLESS,
            REDSHIFT_COPY,
            REDSHIFT_SPECTRUM,
            REDSHIFT_DEFAULT,
            LF_DATA_ACCESS,
            MWAA,
        )
    },
    ("role.support_missing", ROOT): "low",
}

# False alarms the audit still raises; each has a strict xfail below.
FALSE_ALARMS: set[tuple[str, str]] = set()


def test_every_finding_is_accounted_for():
    """Every true finding is reported at its severity, and nothing beyond the true findings and
    the known false alarms (which may disappear as they are fixed)."""
    actual = found()
    missing = {k: v for k, v in TRUE_FINDINGS.items() if actual.get(k) != v}
    assert missing == {}, {k: (v, actual.get(k)) for k, v in missing.items()}
    unexplained = set(actual) - set(TRUE_FINDINGS) - FALSE_ALARMS
    assert unexplained == set()


def test_what_a_gaad_cannot_tell_is_skipped_not_passed():
    skipped = {s.check_id for s in report().skipped}
    assert {"password_policy.missing", "analyzer.disabled", "root.hardware_mfa_missing"} <= skipped
    assert not skipped & {c for c, _ in found()}


# --- SageMaker: AmazonSageMakerFullAccess passes any role to SageMaker, *AmazonSageMaker* roles
# --- to Glue / RoboMaker / Step Functions -------------------------------------------------------


def test_sagemaker_full_access_passes_any_role_but_only_to_sagemaker():
    """AmazonSageMakerFullAccess (AllowPassRoleToSageMaker): iam:PassRole on role/* with
    iam:PassedToService sagemaker.amazonaws.com; to Glue only roles named *AmazonSageMaker*."""
    assert may_pass(SCIENTIST, GLUE_ADMIN, SAGEMAKER)
    assert not may_pass(SCIENTIST, GLUE_ADMIN, GLUE)
    assert not may_pass(SCIENTIST, GLUE_JOB, GLUE)
    assert may_pass(SCIENTIST, SM_EXEC, GLUE)
    assert not may_pass(SCIENTIST, SM_EXEC, EC2)


def test_scientist_escalates_through_the_richer_pipeline_role_not_its_own_execution_role():
    """The scientist works in the ML bucket like the Studio execution role does: passing that
    role gains nothing. The pipeline role reads curated features and starts EMR clusters:
    passing it to a training job gains that, as does the "Any S3 bucket" execution role, which
    reads every bucket (it comes first in the account's role order)."""
    assert not richer(SM_EXEC, SCIENTIST)
    assert richer(SM_PIPELINE, SCIENTIST)
    for method in ("sagemaker-001", "sagemaker-002", "sagemaker-003"):
        assert passed(SCIENTIST, method) in (SM_PIPELINE, SM_EXEC_ANY)
    every_passed = {
        a.resource
        for m in escalations()[SCIENTIST].methods
        for a in m.accesses
        if a.action == "iam:PassRole"
    }
    assert SM_EXEC not in every_passed
    assert GLUE_ADMIN not in every_passed  # passable to SageMaker, but SageMaker cannot assume it


def test_scientist_glue_permissions_reach_no_role_that_gains_it_anything():
    """AmazonSageMakerFullAccess holds glue:CreateJob / StartJobRun and PassRole of
    *AmazonSageMaker* roles to Glue. The roles Glue can assume that match are the Studio
    execution roles; the one the scientist's permissions mirror gains nothing, and the
    AdministratorAccess Glue role does not match the name pattern."""
    methods = methods_of(SCIENTIST)
    for method in ("glue-003", "glue-004", "glue-005", "glue-006", "glue-007"):
        if method in methods:
            assert passed(SCIENTIST, method) not in (SM_EXEC, GLUE_ADMIN, GLUE_JOB)


def test_scientist_can_pass_the_any_bucket_execution_role_to_glue():
    """The forecasting profile's execution role (console choice "Any S3 bucket") reads and
    writes every bucket; it trusts Glue and matches *AmazonSageMaker*, so a data scientist
    limited to the ML bucket gains every bucket by running a Glue job as it."""
    assert richer(SM_EXEC_ANY, SCIENTIST)
    assert passed(SCIENTIST, "glue-003") == SM_EXEC_ANY


def test_any_bucket_execution_role_can_read_every_object():
    evidence = finding("principal.data_exfiltration", SM_EXEC_ANY).evidence
    assert evidence["actions"] == ["s3:GetObject"]


def test_any_bucket_role_does_read_every_bucket():
    """What the xfail above asks the check to say, as the evaluator already answers it."""
    untagged = {
        "s3:ExistingObjectTag/SageMaker": (),
        "s3:ExistingObjectTag/servicecatalog:provisioning": (),
    }
    obj = "arn:aws:s3:::any-bucket-of-the-account/key"
    assert index()[SM_EXEC_ANY].with_facts(untagged).can("s3:GetObject", obj)
    # The scientist reads other buckets' objects only when tagged SageMaker=true or
    # servicecatalog:provisioning=true (AmazonSageMakerFullAccess's AllowS3GetObjectWith...).
    assert index()[SCIENTIST].can("s3:GetObject", obj)
    assert not index()[SCIENTIST].with_facts(untagged).can("s3:GetObject", obj)


def test_notebook_and_state_machine_methods_are_reported_as_assumptions():
    """sagemaker-004/005 and stepfunctions-002 act on existing notebooks and state machines
    (AmazonSageMakerFullAccess: sagemaker:* and states:UpdateStateMachine on *sagemaker*
    machines); a GAAD cannot tell whether such resources run as a richer role, so the methods
    are reported with their requirement."""
    for method in ("sagemaker-004", "sagemaker-005", "stepfunctions-002"):
        assert held(SCIENTIST, method).method.requires, method


# --- Glue: AWSGlueConsoleFullAccess passes AWSGlueServiceRole* roles to Glue --------------------


def test_glue_console_full_access_passes_only_glue_service_roles_to_glue():
    assert may_pass(ENGINEER, GLUE_JOB, GLUE)
    assert may_pass(ENGINEER, GLUE_CRAWLER, GLUE)  # role/service-role/AWSGlueServiceRole*
    assert not may_pass(ENGINEER, GLUE_JOB, EC2)
    assert not may_pass(ENGINEER, GLUE_ADMIN, GLUE)
    assert not may_pass(ENGINEER, SM_EXEC, GLUE)


def test_data_engineer_escalates_through_the_job_role_and_never_the_admin_role():
    """The engineer reads the data lake; the job role also writes and deletes curated data.
    The AdministratorAccess Glue role is not named AWSGlueServiceRole*: never passed."""
    assert richer(GLUE_JOB, ENGINEER)
    for method in ("glue-001", "glue-003", "glue-004", "glue-005", "glue-006", "glue-007"):
        assert passed(ENGINEER, method) == GLUE_JOB, method
    for principal in (ENGINEER, LAKE_ADMIN, REDSHIFT_SPECTRUM):
        for method in escalations()[principal].methods:
            assert all(a.resource != GLUE_ADMIN for a in method.accesses), principal


def test_glue_console_full_access_notebook_pass_role_grants_no_ec2_method():
    """AWSGlueConsoleFullAccess may pass AWSGlueServiceNotebookRole* to EC2 and run instances;
    no such role exists, so no ec2 method."""
    for principal in (ENGINEER, LAKE_ADMIN, REDSHIFT_SPECTRUM):
        assert not {m for m in methods_of(principal) if m.startswith("ec2-")}, principal


def test_redshift_spectrum_role_inherits_the_glue_console_methods():
    """AWS's Spectrum guide attaches AWSGlueConsoleFullAccess to the cluster role: the role
    may create Glue jobs as AWSGlueServiceRole-curated-etl, which writes what it only reads."""
    assert passed(REDSHIFT_SPECTRUM, "glue-003") == GLUE_JOB


def test_glue_service_role_holders_are_reported_for_dev_endpoints_of_the_admin_role():
    """AWSGlueServiceRole grants glue:* (glue:UpdateDevEndpoint included) to every job role;
    a role Glue can assume is an administrator, so a job's code could take over a dev
    endpoint running as it (glue-002, an existing-resource method)."""
    for principal in (GLUE_JOB, GLUE_CRAWLER, LF_WORKFLOW):
        assert set(methods_of(principal)) == {"glue-002"}, principal
    assert richer(GLUE_ADMIN, GLUE_JOB)


def test_lake_formation_workflow_role_passing_itself_is_no_escalation():
    """LakeFormationWorkflowRole may pass itself (AWS's workflow policy): no gain."""
    for method in escalations()[LF_WORKFLOW].methods:
        assert all(a.action != "iam:PassRole" for a in method.accesses)


# --- the deliberate mistake ---------------------------------------------------------------------


def test_ci_deployer_escalates_by_passing_the_admin_glue_role():
    """iam:PassRole on `*` without iam:PassedToService, glue:CreateJob and glue:StartJobRun,
    and a role Glue trusts with AdministratorAccess: a push to main runs any code as an
    administrator (glue-003; CreateTrigger and UpdateJob give 004-006)."""
    method = held(CI, "glue-003")
    assert method.direct
    assert passed(CI, "glue-003") == GLUE_ADMIN
    assert set(methods_of(CI)) == {"glue-003", "glue-004", "glue-005", "glue-006"}
    assert finding("policy.passrole_star", inline(CI, "deploy-glue-jobs"))
    evidence = finding("principal.privilege_escalation", CI).evidence
    assert evidence["targets"]["iam:PassRole"] == GLUE_ADMIN


def test_ci_deployer_web_identity_trust_is_scoped_to_one_branch():
    assert not {c for c in on(CI) if c.startswith("role.trust")}


# --- EMR -----------------------------------------------------------------------------------------


def test_emr_full_access_v2_passes_each_default_role_to_its_own_service():
    assert may_pass(EMR_ANALYST, EMR_EC2, EC2)
    assert not may_pass(EMR_ANALYST, EMR_EC2, EMR)
    assert may_pass(EMR_ANALYST, EMR_SERVICE, EMR)
    assert not may_pass(EMR_ANALYST, GLUE_ADMIN, EC2)


def test_emr_analyst_runs_clusters_as_the_ec2_default_role():
    """AmazonEMRFullAccessPolicy_v2: RunJobFlow with the for-use-with-amazon-emr-managed-
    policies request tag (the caller sets it) and EMR_EC2_DefaultRole passed to EC2, whose
    AmazonElasticMapReduceforEC2Role grants s3:*, dynamodb:*, sqs:* on `*`."""
    assert passed(EMR_ANALYST, "emr-001") == EMR_EC2
    assert set(methods_of(EMR_ANALYST)) == {"emr-001", "emr-002"}


def test_emr_service_role_is_reported_like_other_service_roles():
    assert set(methods_of(EMR_SERVICE)) == {"ec2-001"}
    assert passed(EMR_SERVICE, "ec2-001") == EMR_EC2


def test_step_functions_emr_method_names_the_instance_role():
    assert passed(SFN, "emr-001") == EMR_EC2


def test_step_functions_role_passes_the_training_role_to_sagemaker_only():
    assert passed(SFN, "sagemaker-002") == SM_EXEC
    assert may_pass(SFN, SM_EXEC, SAGEMAKER)
    assert not may_pass(SFN, SM_EXEC, GLUE)


def test_mwaa_role_escalates_by_running_emr_serverless_jobs_as_the_runtime_role():
    """MWAA's DAGs start EMR Serverless job runs passing the runtime role (iam:PassRole on it,
    emr-serverless:StartJobRun on the applications): whoever writes a DAG runs Spark code as
    the runtime role, which writes the data lake the MWAA role cannot."""
    assert richer(EMR_SERVERLESS, MWAA)
    assert may_pass(MWAA, EMR_SERVERLESS, "emr-serverless.amazonaws.com")
    assert "principal.privilege_escalation" in on(MWAA)


# --- Redshift ------------------------------------------------------------------------------------


def test_redshift_default_role_passes_roles_to_sagemaker_not_glue_jobs():
    """AmazonRedshiftAllCommandsFullAccess: PassRole on role/* to redshift, glue, sagemaker,
    athena, and sagemaker:CreateTrainingJob (Redshift ML): it may train as a richer role. It
    holds no glue:CreateJob, so passing to Glue makes no method."""
    assert passed(REDSHIFT_DEFAULT, "sagemaker-002") == SM_EXEC
    assert not {m for m in methods_of(REDSHIFT_DEFAULT) if m.startswith("glue-")}


def test_redshift_default_role_reads_only_objects_tagged_for_redshift():
    assert "principal.data_exfiltration" not in on(REDSHIFT_DEFAULT)


# --- harmless roles and service-linked roles ----------------------------------------------------


def test_roles_meant_to_be_harmless_do_not_escalate():
    for arn in (
        ATHENA_ANALYST,
        EMR_STUDIO,
        EMR_AUTOSCALING,
        EMR_SERVERLESS,
        EMR_EC2,
        LAMBDA,
        LF_DATA_ACCESS,
        REDSHIFT_COPY,
    ):
        assert "principal.privilege_escalation" not in on(arn), arn
        assert "principal.admin_equivalent" not in on(arn), arn


def test_lambda_starting_one_glue_job_passes_nothing():
    """glue:StartJobRun runs a job as the role its definition names: no role is passed."""
    assert on(LAMBDA) == {}


def test_lake_formation_admin_writing_its_service_linked_role_policy_is_not_escalation():
    """Lake Formation's guide grants the data lake administrator iam:PutRolePolicy on
    AWSServiceRoleForLakeFormationDataAccess; only Lake Formation uses that role."""
    assert not {m for m in methods_of(LAKE_ADMIN) if m.startswith("iam-")}
    assert set(methods_of(LAKE_ADMIN)) <= {f"glue-00{i}" for i in range(1, 8)}


def test_service_linked_roles_are_never_flagged():
    slrs = {r.arn for r in snapshot().roles if r.path.startswith("/aws-service-role/")}
    assert len(slrs) == len(B.SERVICE_LINKED)
    assert LF_SLR in slrs
    assert not {arn for (_c, arn) in found()} & slrs
    assert not set(escalations()) & slrs


def test_confused_deputy_spares_roles_only_the_accounts_callers_pass():
    """Glue, EC2 and Lambda use a role only when the account passes it; roles with
    aws:SourceAccount (Step Functions, EMR service and Studio roles) are guarded."""
    flagged = set(by_check("role.trust_confused_deputy"))
    for arn in (GLUE_JOB, GLUE_CRAWLER, GLUE_ADMIN, LF_WORKFLOW, EMR_EC2, LAMBDA):
        assert arn not in flagged, arn
    for arn in (SFN, EMR_SERVICE, EMR_STUDIO):
        assert arn not in flagged, arn


def test_mwaa_sample_policy_deny_that_never_applies_is_linted():
    """The MWAA guide's sample denies s3:ListAllMyBuckets on the DAG bucket: the action has no
    resource-level permissions, so the Deny matches nothing."""
    detail = finding("policy.lint", inline(MWAA, "MWAA-Execution-Policy")).detail
    assert "RESOURCE_MISMATCH" in detail
    assert "s3:ListAllMyBuckets" in detail


def test_root_with_mfa_and_no_keys_has_no_finding():
    assert on(ROOT) == {"role.support_missing": "low"}
