"""Build tests/data/data_platform/: a data and ML platform account, as AWS's guides set it up.

``gaad.json`` is what `aws iam get-account-authorization-details` returns for a workload account
(123456789012) running an analytics and machine-learning platform: Amazon SageMaker (a Studio
domain execution role, a pipeline role), AWS Glue (job and crawler roles), Amazon EMR (the
default service, EC2 and auto-scaling roles, an EMR Serverless runtime role, an EMR Studio
service role), AWS Step Functions and AWS Lambda orchestration, Amazon Redshift (COPY/UNLOAD,
Spectrum and the console's default role), AWS Lake Formation (its workflow and data-access
roles), Amazon MWAA, the service-linked roles those services create, and IAM Identity Center
permission sets for the people (data scientists, data engineers, an EMR analyst, an Athena
analyst, the data lake administrator). One role is the deliberate mistake a real platform often
has: the CI deployer may pass any role, and an old Glue role holds AdministratorAccess.
``credential_report.csv`` is the matching `aws iam get-credential-report` (decoded): no IAM
users, people come through Identity Center.

Every role is written from the AWS page cited beside it: its name, path, trust policy and the
policies the page says to attach. The AWS-managed policies are the documents moto (the AWS
mock library installed in the venv) ships in moto/iam/aws_managed_policies.py, a copy of AWS's
published versions (``MOTO_VERSION`` records the copy used). Inline and customer-managed
policies are transcribed from the AWS page that shows them, with this account's names filled in.

Ids are derived from the names and dates are fixed (relative to the tests' clock,
tests/factories.py NOW = 2026-11-29T12:00:00Z), so the files are the same on every run.

Run ``.venv/bin/python tests/data/build_data_platform_gaad.py`` after changing this file;
tests/unit/test_data_platform_account.py checks the files match it.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any

# The sibling module, whether this runs as a script or is loaded by path from a test.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from gaad_fixtures import (
    attachment_counts,
    aws_managed_version,
    hex_suffix,
    moto_managed,
    policy_entry,
    report_csv,
    role_entry,
    unique_id,
    write_fixtures,
)

OUTPUT_DIR = Path(__file__).with_name("data_platform")
GAAD_FILE = "gaad.json"
CREDENTIAL_REPORT_FILE = "credential_report.csv"
MOTO_VERSION = "5.2.6"

ACCT = "123456789012"
REGION = "eu-west-1"
SSO_REGION = "eu-west-1"
GITHUB_ORG = "acme-data"

ACCOUNT_CREATED = "2024-01-15T08:00:00Z"
SSO_PROVISIONED = "2024-01-16T10:30:00Z"
PLATFORM_BUILT = "2025-01-14T09:30:00Z"  # the platform's roles were created that week
RECENT = "2026-11-29T06:00:00Z"

# Buckets of the data lake (raw landing zone, curated tables, ML artefacts, Glue scripts,
# Athena results, Redshift UNLOAD output, MWAA DAGs).
RAW = f"arn:aws:s3:::acme-datalake-raw-{ACCT}"
CURATED = f"arn:aws:s3:::acme-datalake-curated-{ACCT}"
ML = f"arn:aws:s3:::sagemaker-{REGION}-{ACCT}"
SCRIPTS = f"arn:aws:s3:::aws-glue-assets-{ACCT}-{REGION}"
UNLOAD = f"arn:aws:s3:::acme-redshift-unload-{ACCT}"
DAGS = f"arn:aws:s3:::airflow-acme-data-platform-{ACCT}"
STUDIO_STORAGE = f"arn:aws:s3:::aws-emr-studio-{ACCT}-{REGION}"

# Role names (the tests name roles through these).
SM_EXEC = "AmazonSageMaker-ExecutionRole-20250114T093000"
SM_EXEC_POLICY = "AmazonSageMaker-ExecutionPolicy-20250114T093000"
SM_EXEC_ANY = "AmazonSageMaker-ExecutionRole-20250301T120000"
SM_EXEC_ANY_POLICY = "AmazonSageMaker-ExecutionPolicy-20250301T120000"
SM_PIPELINE = "AmazonSageMaker-PipelineExecutionRole"
GLUE_JOB = "AWSGlueServiceRole-curated-etl"
GLUE_CRAWLER = "AWSGlueServiceRole-raw-crawler"
GLUE_ADMIN = "glue-legacy-etl-admin"
CI_DEPLOYER = "data-platform-deployer"
EMR_SERVICE = "EMR_DefaultRole_V2"
EMR_EC2 = "EMR_EC2_DefaultRole"
EMR_AUTOSCALING = "EMR_AutoScaling_DefaultRole"
EMR_SERVERLESS = "emr-serverless-job-runtime-role"
EMR_STUDIO = "EMRStudio_Service_Role"
SFN = "StepFunctions-curated-pipeline-role-8c2d1f0a"
LAMBDA = "start-curated-etl-role-3kq9x2ze"
REDSHIFT_COPY = "RedshiftCopyUnloadRole"
REDSHIFT_SPECTRUM = "mySpectrumRole"
REDSHIFT_DEFAULT = "AmazonRedshift-CommandsAccessRole-20250114T101500"
LF_WORKFLOW = "LakeFormationWorkflowRole"
LF_DATA_ACCESS = "LakeFormationDataAccessRole"
MWAA = "AmazonMWAA-acme-data-platform-Xy12Ab"
PERMISSION_SETS = ("DataScientist", "DataEngineer", "EMRAnalyst", "AthenaAnalyst", "DataLakeAdmin")


SAML_PROVIDER_ARN = (
    f"arn:aws:iam::{ACCT}:saml-provider/AWSSSO_{hex_suffix('saml-provider')}_DO_NOT_DELETE"
)
SSO_PATH = f"/aws-reserved/sso.amazonaws.com/{SSO_REGION}/"


def sso_role_name(permission_set: str) -> str:
    return f"AWSReservedSSO_{permission_set}_{hex_suffix('permission-set-' + permission_set)}"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any, sid: str = "", **extra: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": action, "Resource": resource}
    if sid:
        statement = {"Sid": sid, **statement}
    statement.update(extra)
    return statement


def service_trust(*services: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": services[0] if len(services) == 1 else list(services)},
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    return doc(statement)


def role_arn(name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{ACCT}:role{path}{name}"


# --- AWS-managed policies (moto's copy of AWS's documents) ---------------------------------------


@functools.cache
def managed_arn(name: str) -> str:
    return f"arn:aws:iam::aws:policy{moto_managed()[name]['Path']}{name}"


def customer_arn(name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{ACCT}:policy{path}{name}"


# Customer-managed policies: name -> (path, document). Attached by name with ``customer=``.
def customer_policies() -> dict[str, tuple[str, dict[str, Any]]]:
    return {
        # SageMaker Developer Guide, "How to use SageMaker AI execution roles"
        # (https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html): creating a
        # domain's execution role in the console attaches AmazonSageMakerFullAccess and a
        # customer-managed AmazonSageMaker-ExecutionPolicy-<timestamp> granting the S3 buckets
        # chosen ("Specific S3 buckets"): s3:GetObject, PutObject, DeleteObject, ListBucket.
        SM_EXEC_POLICY: (
            "/service-role/",
            doc(
                allow(
                    ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
                    [ML, f"{ML}/*"],
                )
            ),
        ),
        # The same page: the console's "Any S3 bucket" choice writes the bucket as
        # arn:aws:s3:::* (the forecasting team's user profile was created with it).
        SM_EXEC_ANY_POLICY: (
            "/service-role/",
            doc(
                allow(
                    ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
                    ["arn:aws:s3:::*"],
                )
            ),
        ),
    }


# --- the roles ------------------------------------------------------------------------------------


def role(
    name: str,
    trust_policy: dict[str, Any],
    *,
    path: str = "/",
    managed: tuple[str, ...] = (),
    customer: tuple[str, ...] = (),
    inline: dict[str, dict[str, Any]] | None = None,
    created: str = PLATFORM_BUILT,
    last_used: str | None = RECENT,
    instance_profile: bool = False,
) -> dict[str, Any]:
    custom = customer_policies()
    attached = [
        *((p, managed_arn(p)) for p in managed),
        *((p, customer_arn(p, custom[p][0])) for p in customer),
    ]
    return role_entry(
        ACCT,
        name,
        trust_policy,
        created=created,
        path=path,
        attached=attached,
        inline=inline,
        last_used=last_used,
        region=REGION,
        instance_profile=instance_profile,
    )


def s3_read_write(*buckets: str) -> dict[str, Any]:
    return doc(
        allow(
            ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            [f"{b}/*" for b in buckets],
            "DataLakeObjects",
        ),
        allow("s3:ListBucket", list(buckets), "DataLakeBuckets"),
    )


def s3_read(*buckets: str) -> dict[str, Any]:
    return doc(
        allow("s3:GetObject", [f"{b}/*" for b in buckets], "ReadObjects"),
        allow("s3:ListBucket", list(buckets), "ListBuckets"),
    )


GLUE_CATALOG_READ = [
    "glue:GetDatabase",
    "glue:GetDatabases",
    "glue:GetTable",
    "glue:GetTables",
    "glue:GetPartition",
    "glue:GetPartitions",
]


def sagemaker_roles() -> list[dict[str, Any]]:
    return [
        # SageMaker Developer Guide, "How to use SageMaker AI execution roles"
        # (https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html): the domain
        # execution role AmazonSageMaker-ExecutionRole-<timestamp> under /service-role/, trusted
        # by sagemaker.amazonaws.com. "Prepare data using AWS Glue interactive sessions"
        # (https://docs.aws.amazon.com/sagemaker/latest/dg/studio-notebooks-glue.html) has the
        # execution role also trust glue.amazonaws.com, so Studio notebooks run Glue sessions.
        role(
            SM_EXEC,
            service_trust("sagemaker.amazonaws.com", "glue.amazonaws.com"),
            path="/service-role/",
            managed=("AmazonSageMakerFullAccess",),
            customer=(SM_EXEC_POLICY,),
        ),
        # A second user profile's execution role, made the same way with "Any S3 bucket".
        role(
            SM_EXEC_ANY,
            service_trust("sagemaker.amazonaws.com", "glue.amazonaws.com"),
            path="/service-role/",
            managed=("AmazonSageMakerFullAccess",),
            customer=(SM_EXEC_ANY_POLICY,),
            created="2025-03-01T12:00:00Z",
        ),
        # SageMaker Developer Guide, "IAM Access Management" for Pipelines
        # (https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-access.html): the
        # pipeline role, trusted by sagemaker.amazonaws.com, with AmazonSageMakerFullAccess and
        # (for Lambda and EMR steps) AmazonSageMakerPipelinesIntegrations; it reads curated
        # features and writes model artefacts.
        role(
            SM_PIPELINE,
            service_trust("sagemaker.amazonaws.com"),
            managed=("AmazonSageMakerFullAccess", "AmazonSageMakerPipelinesIntegrations"),
            inline={
                "pipeline-data": doc(
                    allow(["s3:GetObject", "s3:PutObject"], [f"{ML}/*"], "Artefacts"),
                    allow("s3:GetObject", f"{CURATED}/features/*", "Features"),
                    allow("s3:ListBucket", [ML, CURATED], "List"),
                )
            },
        ),
    ]


def glue_roles() -> list[dict[str, Any]]:
    return [
        # AWS Glue Developer Guide, "Step 2: Create an IAM role for AWS Glue"
        # (https://docs.aws.amazon.com/glue/latest/dg/create-an-iam-role.html): a role trusted
        # by glue.amazonaws.com with AWSGlueServiceRole plus access to the job's data; its name
        # starts with AWSGlueServiceRole so AWSGlueConsoleFullAccess users may pass it.
        role(
            GLUE_JOB,
            service_trust("glue.amazonaws.com"),
            managed=("AWSGlueServiceRole",),
            inline={"curated-etl-data": s3_read_write(RAW, CURATED)},
        ),
        # AWS Glue Developer Guide, "Crawler prerequisites"
        # (https://docs.aws.amazon.com/glue/latest/dg/crawler-prereqs.html) and "Step 3:
        # Configure security settings" (.../define-crawler-configure-security-settings.html):
        # the crawler wizard creates service-role/AWSGlueServiceRole-<name> with
        # AWSGlueServiceRole and an inline s3:GetObject / s3:PutObject policy on the data path.
        role(
            GLUE_CRAWLER,
            service_trust("glue.amazonaws.com"),
            path="/service-role/",
            managed=("AWSGlueServiceRole",),
            inline={
                f"{GLUE_CRAWLER}-EZCRC-s3Policy": doc(
                    allow(["s3:GetObject", "s3:PutObject"], [f"{RAW}/landing/*"])
                )
            },
        ),
        # The deliberate mistake: an early ETL role someone gave AdministratorAccess "to make
        # the job work", still trusted by Glue and still used by an old job.
        role(
            GLUE_ADMIN,
            service_trust("glue.amazonaws.com"),
            managed=("AdministratorAccess",),
            created="2024-02-20T16:00:00Z",
            last_used="2026-11-02T03:00:00Z",
        ),
    ]


def ci_roles() -> list[dict[str, Any]]:
    # IAM User Guide, "Create a role for OpenID Connect federation" and GitHub's "Configuring
    # OpenID Connect in Amazon Web Services" (https://docs.aws.amazon.com/IAM/latest/UserGuide/
    # id_roles_create_for-idp_oidc.html): the deploy role trusts token.actions.githubusercontent
    # .com for one repository's main branch. Its policy deploys Glue jobs: it creates and starts
    # jobs and may pass any role (iam:PassRole on `*`, no iam:PassedToService): the dangerous part.
    provider = f"arn:aws:iam::{ACCT}:oidc-provider/token.actions.githubusercontent.com"
    return [
        role(
            CI_DEPLOYER,
            doc(
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": provider},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {
                            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                            "token.actions.githubusercontent.com:sub": (
                                f"repo:{GITHUB_ORG}/data-platform:ref:refs/heads/main"
                            ),
                        }
                    },
                }
            ),
            inline={
                "deploy-glue-jobs": doc(
                    allow(
                        [
                            "glue:CreateJob",
                            "glue:UpdateJob",
                            "glue:GetJob",
                            "glue:StartJobRun",
                            "glue:CreateTrigger",
                            "glue:UpdateTrigger",
                        ],
                        "*",
                        "GlueJobs",
                    ),
                    allow(["s3:PutObject", "s3:GetObject"], f"{SCRIPTS}/scripts/*", "Scripts"),
                    allow("iam:PassRole", "*", "PassJobRoles"),
                )
            },
        ),
    ]


def emr_roles() -> list[dict[str, Any]]:
    source = {
        "StringEquals": {"aws:SourceAccount": ACCT},
        "ArnLike": {"aws:SourceArn": f"arn:aws:elasticmapreduce:{REGION}:{ACCT}:*"},
    }
    return [
        # Amazon EMR Management Guide, "Service role for Amazon EMR (EMR role)"
        # (https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-iam-role.html):
        # EMR_DefaultRole_V2 with AmazonEMRServicePolicy_v2, trusting elasticmapreduce with
        # aws:SourceAccount / aws:SourceArn.
        role(
            EMR_SERVICE,
            service_trust("elasticmapreduce.amazonaws.com", condition=source),
            managed=("AmazonEMRServicePolicy_v2",),
        ),
        # "Service role for cluster EC2 instances (EC2 instance profile)"
        # (https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-iam-role-for-ec2.html):
        # EMR_EC2_DefaultRole with AmazonElasticMapReduceforEC2Role (on the path to deprecation,
        # still what `aws emr create-default-roles` creates), and its instance profile.
        role(
            EMR_EC2,
            service_trust("ec2.amazonaws.com"),
            managed=("AmazonElasticMapReduceforEC2Role",),
            instance_profile=True,
        ),
        # "Service role for automatic scaling in Amazon EMR (Auto Scaling role)"
        # (https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-iam-role-automatic-
        # scaling.html): trusts elasticmapreduce and application-autoscaling, with
        # AmazonElasticMapReduceforAutoScalingRole.
        role(
            EMR_AUTOSCALING,
            service_trust(
                "elasticmapreduce.amazonaws.com", "application-autoscaling.amazonaws.com"
            ),
            managed=("AmazonElasticMapReduceforAutoScalingRole",),
        ),
        # Amazon EMR Serverless User Guide, "Job runtime roles for Amazon EMR Serverless"
        # (https://docs.aws.amazon.com/emr/latest/EMR-Serverless-UserGuide/security-iam-runtime-
        # role.html): trusted by emr-serverless.amazonaws.com; S3 and Glue Data Catalog access.
        role(
            EMR_SERVERLESS,
            service_trust("emr-serverless.amazonaws.com"),
            inline={
                "job-runtime": doc(
                    allow(
                        ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                        [f"{RAW}/*", f"{CURATED}/*"],
                        "ReadWriteDataLake",
                    ),
                    allow("s3:ListBucket", [RAW, CURATED], "ListDataLake"),
                    allow(
                        [*GLUE_CATALOG_READ, "glue:CreateTable", "glue:UpdateTable"],
                        "*",
                        "GlueCatalog",
                    ),
                )
            },
        ),
        # "Create an EMR Studio service role"
        # (https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-studio-service-role.html):
        # trusted by elasticmapreduce with aws:SourceAccount and aws:SourceArn of the account's
        # studios; its policy manages EMR-tagged network resources, reads workspace storage and
        # tagged secrets (abridged to the statements shown here).
        role(
            EMR_STUDIO,
            service_trust(
                "elasticmapreduce.amazonaws.com",
                condition={
                    "StringEquals": {"aws:SourceAccount": ACCT},
                    "ArnLike": {"aws:SourceArn": f"arn:aws:elasticmapreduce:{REGION}:{ACCT}:*"},
                },
            ),
            inline={
                "EMRStudioServiceRolePolicy": doc(
                    allow(
                        [
                            "ec2:AuthorizeSecurityGroupEgress",
                            "ec2:AuthorizeSecurityGroupIngress",
                            "ec2:RevokeSecurityGroupEgress",
                            "ec2:RevokeSecurityGroupIngress",
                        ],
                        "*",
                        "AllowSecurityGroupRules",
                        Condition={
                            "StringEquals": {
                                "aws:ResourceTag/for-use-with-amazon-emr-managed-policies": "true"
                            }
                        },
                    ),
                    allow(
                        [
                            "elasticmapreduce:ListInstances",
                            "elasticmapreduce:DescribeCluster",
                            "elasticmapreduce:ListSteps",
                        ],
                        "*",
                        "AllowEMRReadOnlyActions",
                    ),
                    allow(
                        [
                            "s3:PutObject",
                            "s3:GetObject",
                            "s3:GetEncryptionConfiguration",
                            "s3:ListBucket",
                            "s3:DeleteObject",
                        ],
                        [STUDIO_STORAGE, f"{STUDIO_STORAGE}/*"],
                        "AllowWorkspaceCollaboration",
                    ),
                    allow(
                        "secretsmanager:GetSecretValue",
                        "arn:aws:secretsmanager:*:*:secret:*",
                        "AllowRetrievingManagedEndpointCredentials",
                        Condition={
                            "StringEquals": {
                                "aws:ResourceTag/for-use-with-amazon-emr-managed-policies": "true"
                            }
                        },
                    ),
                )
            },
        ),
    ]


def orchestration_roles() -> list[dict[str, Any]]:
    job = f"arn:aws:glue:{REGION}:{ACCT}:job/curated-etl"
    return [
        # AWS Step Functions Developer Guide, "IAM policies for calling AWS Glue", "... Amazon
        # EMR", "... Amazon SageMaker AI" (https://docs.aws.amazon.com/step-functions/latest/dg/
        # glue-iam.html, .../emr-iam.html, .../sagemaker-iam.html): the console's
        # StepFunctions-<name>-role-<id> under /service-role/, trusted by states.amazonaws.com.
        # The EMR policy passes the cluster's service and instance roles; the SageMaker one
        # passes the training role to sagemaker.amazonaws.com only.
        role(
            SFN,
            service_trust(
                "states.amazonaws.com",
                condition={"StringEquals": {"aws:SourceAccount": ACCT}},
            ),
            path="/service-role/",
            inline={
                "GlueJobRunManagementFullAccessPolicy": doc(
                    allow(
                        [
                            "glue:StartJobRun",
                            "glue:GetJobRun",
                            "glue:GetJobRuns",
                            "glue:BatchStopJobRun",
                        ],
                        job,
                    )
                ),
                "ElasticMapReduceFullAccessPolicy": doc(
                    allow("elasticmapreduce:RunJobFlow", "*"),
                    allow(
                        [
                            "elasticmapreduce:DescribeCluster",
                            "elasticmapreduce:TerminateJobFlows",
                            "elasticmapreduce:AddJobFlowSteps",
                            "elasticmapreduce:DescribeStep",
                        ],
                        f"arn:aws:elasticmapreduce:{REGION}:{ACCT}:cluster/*",
                    ),
                    allow(
                        "iam:PassRole",
                        [role_arn(EMR_SERVICE), role_arn(EMR_EC2), role_arn(EMR_AUTOSCALING)],
                    ),
                ),
                "SageMakerTrainingJobPolicy": doc(
                    allow(
                        [
                            "sagemaker:CreateTrainingJob",
                            "sagemaker:DescribeTrainingJob",
                            "sagemaker:StopTrainingJob",
                        ],
                        f"arn:aws:sagemaker:{REGION}:{ACCT}:training-job/*",
                    ),
                    allow(
                        "iam:PassRole",
                        role_arn(SM_EXEC, "/service-role/"),
                        Condition={
                            "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}
                        },
                    ),
                ),
            },
        ),
        # AWS Lambda Developer Guide, "Defining Lambda function permissions with an execution
        # role" (https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html):
        # the console's <function>-role-<random> under /service-role/; this function starts the
        # curated ETL job when raw data lands (glue:StartJobRun on that job).
        role(
            LAMBDA,
            service_trust("lambda.amazonaws.com"),
            path="/service-role/",
            managed=("AWSLambdaBasicExecutionRole",),
            inline={"start-glue-job": doc(allow(["glue:StartJobRun", "glue:GetJobRun"], job))},
        ),
    ]


def redshift_roles() -> list[dict[str, Any]]:
    return [
        # Amazon Redshift Management Guide, "Authorizing Amazon Redshift to access other AWS
        # services on your behalf" (https://docs.aws.amazon.com/redshift/latest/mgmt/
        # authorizing-redshift-service.html): a role trusted by redshift.amazonaws.com with
        # AmazonS3ReadOnlyAccess for COPY, and write access to the UNLOAD bucket.
        role(
            REDSHIFT_COPY,
            service_trust("redshift.amazonaws.com"),
            managed=("AmazonS3ReadOnlyAccess",),
            inline={"unload": doc(allow("s3:PutObject", f"{UNLOAD}/*"))},
        ),
        # Amazon Redshift Database Developer Guide, "Step 1: Create an IAM role for Amazon
        # Redshift" of "Getting started with Amazon Redshift Spectrum"
        # (https://docs.aws.amazon.com/redshift/latest/dg/c-getting-started-using-spectrum-
        # create-role.html): mySpectrumRole with AmazonS3ReadOnlyAccess and
        # AWSGlueConsoleFullAccess.
        role(
            REDSHIFT_SPECTRUM,
            service_trust("redshift.amazonaws.com"),
            managed=("AmazonS3ReadOnlyAccess", "AWSGlueConsoleFullAccess"),
        ),
        # Amazon Redshift Management Guide, "Creating an IAM role as default for Amazon
        # Redshift" (https://docs.aws.amazon.com/redshift/latest/mgmt/default-iam-role.html):
        # the console creates AmazonRedshift-CommandsAccessRole-<timestamp> under
        # /service-role/ with AmazonRedshiftAllCommandsFullAccess; Redshift ML ("Cluster setup
        # for using Amazon Redshift ML", https://docs.aws.amazon.com/redshift/latest/dg/
        # cluster-setup.html) has it trust sagemaker.amazonaws.com as well.
        role(
            REDSHIFT_DEFAULT,
            service_trust(
                "redshift.amazonaws.com",
                "redshift-serverless.amazonaws.com",
                "sagemaker.amazonaws.com",
            ),
            path="/service-role/",
            managed=("AmazonRedshiftAllCommandsFullAccess",),
        ),
    ]


def lake_formation_roles() -> list[dict[str, Any]]:
    return [
        # AWS Lake Formation Developer Guide, "Create an IAM role for workflows"
        # (https://docs.aws.amazon.com/lake-formation/latest/dg/initial-lf-config.html):
        # LakeFormationWorkflowRole, trusted by glue.amazonaws.com, with AWSGlueServiceRole and
        # the inline policy granting lakeformation:GetDataAccess / GrantPermissions and
        # iam:PassRole on the role itself.
        role(
            LF_WORKFLOW,
            service_trust("glue.amazonaws.com"),
            managed=("AWSGlueServiceRole",),
            inline={
                "LakeFormationWorkflow": doc(
                    allow(
                        ["lakeformation:GetDataAccess", "lakeformation:GrantPermissions"],
                        "*",
                        "Lakeformation",
                    ),
                    allow("iam:PassRole", role_arn(LF_WORKFLOW), "PassRolePermissions"),
                )
            },
        ),
        # "Requirements for roles used to register locations"
        # (https://docs.aws.amazon.com/lake-formation/latest/dg/registration-role.html): a
        # user-defined role trusted by lakeformation.amazonaws.com with read/write on the
        # registered locations.
        role(
            LF_DATA_ACCESS,
            service_trust("lakeformation.amazonaws.com"),
            inline={"registered-locations": s3_read_write(RAW, CURATED)},
        ),
    ]


def mwaa_roles() -> list[dict[str, Any]]:
    env = f"arn:aws:airflow:{REGION}:{ACCT}:environment/acme-data-platform"
    # Amazon MWAA User Guide, "Amazon MWAA execution role"
    # (https://docs.aws.amazon.com/mwaa/latest/userguide/mwaa-create-role.html): trusted by
    # airflow.amazonaws.com and airflow-env.amazonaws.com; the sample policy (metrics, the DAG
    # bucket, airflow-* logs, the Celery SQS queues, KMS via SQS), plus what the DAGs need: start
    # the Glue job and EMR Serverless job runs with the runtime role ("Using Amazon MWAA with
    # Amazon EMR Serverless", iam:PassRole on the runtime role).
    return [
        role(
            MWAA,
            doc(
                {
                    "Effect": "Allow",
                    "Principal": {
                        "Service": ["airflow.amazonaws.com", "airflow-env.amazonaws.com"]
                    },
                    "Action": "sts:AssumeRole",
                }
            ),
            path="/service-role/",
            inline={
                "MWAA-Execution-Policy": doc(
                    allow("airflow:PublishMetrics", env),
                    {
                        "Effect": "Deny",
                        "Action": "s3:ListAllMyBuckets",
                        "Resource": [DAGS, f"{DAGS}/*"],
                    },
                    allow(["s3:GetObject*", "s3:GetBucket*", "s3:List*"], [DAGS, f"{DAGS}/*"]),
                    allow(
                        [
                            "logs:CreateLogStream",
                            "logs:CreateLogGroup",
                            "logs:PutLogEvents",
                            "logs:GetLogEvents",
                            "logs:GetLogRecord",
                            "logs:GetLogGroupFields",
                            "logs:GetQueryResults",
                        ],
                        f"arn:aws:logs:{REGION}:{ACCT}:log-group:airflow-acme-data-platform-*",
                    ),
                    allow("logs:DescribeLogGroups", "*"),
                    allow("cloudwatch:PutMetricData", "*"),
                    allow(
                        [
                            "sqs:ChangeMessageVisibility",
                            "sqs:DeleteMessage",
                            "sqs:GetQueueAttributes",
                            "sqs:GetQueueUrl",
                            "sqs:ReceiveMessage",
                            "sqs:SendMessage",
                        ],
                        f"arn:aws:sqs:{REGION}:*:airflow-celery-*",
                    ),
                    allow(
                        ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:Encrypt"],
                        f"arn:aws:kms:*:{ACCT}:key/*",
                        Condition={
                            "StringLike": {"kms:ViaService": [f"sqs.{REGION}.amazonaws.com"]}
                        },
                    ),
                ),
                "orchestrate-data-jobs": doc(
                    allow(
                        ["glue:StartJobRun", "glue:GetJobRun"],
                        f"arn:aws:glue:{REGION}:{ACCT}:job/*",
                        "GlueJobs",
                    ),
                    allow(
                        [
                            "emr-serverless:StartJobRun",
                            "emr-serverless:GetJobRun",
                            "emr-serverless:CancelJobRun",
                            "emr-serverless:GetApplication",
                        ],
                        f"arn:aws:emr-serverless:{REGION}:{ACCT}:/applications/*",
                        "EmrServerlessJobs",
                    ),
                    allow("iam:PassRole", role_arn(EMR_SERVERLESS), "PassRuntimeRole"),
                ),
            },
        ),
    ]


# Service-linked roles the platform's services create: (name, service, policy).
SERVICE_LINKED = (
    # SageMaker Developer Guide, "Using service-linked roles for SageMaker AI"
    # (https://docs.aws.amazon.com/sagemaker/latest/dg/using-service-linked-roles.html)
    (
        "AWSServiceRoleForAmazonSageMakerNotebooks",
        "sagemaker.amazonaws.com",
        "AmazonSageMakerNotebooksServiceRolePolicy",
    ),
    # EMR Management Guide, "Using service-linked roles for Amazon EMR"
    # (https://docs.aws.amazon.com/emr/latest/ManagementGuide/using-service-linked-roles.html)
    ("AWSServiceRoleForEMRCleanup", "elasticmapreduce.amazonaws.com", "AmazonEMRCleanupPolicy"),
    # Lake Formation Developer Guide, "Using service-linked roles for Lake Formation"
    # (https://docs.aws.amazon.com/lake-formation/latest/dg/service-linked-roles.html)
    (
        "AWSServiceRoleForLakeFormationDataAccess",
        "lakeformation.amazonaws.com",
        "LakeFormationDataAccessServiceRolePolicy",
    ),
    # Amazon MWAA User Guide, "Using a service-linked role for Amazon MWAA"
    # (https://docs.aws.amazon.com/mwaa/latest/userguide/mwaa-slr.html)
    ("AWSServiceRoleForAmazonMWAA", "airflow.amazonaws.com", "AmazonMWAAServiceRolePolicy"),
    # Redshift Management Guide, "Using service-linked roles for Amazon Redshift"
    # (https://docs.aws.amazon.com/redshift/latest/mgmt/using-service-linked-roles.html)
    (
        "AWSServiceRoleForRedshift",
        "redshift.amazonaws.com",
        "AmazonRedshiftServiceLinkedRolePolicy",
    ),
)


def service_linked_roles() -> list[dict[str, Any]]:
    return [
        role(
            name,
            service_trust(service),
            path=f"/aws-service-role/{service}/",
            managed=(policy,),
        )
        for name, service, policy in SERVICE_LINKED
    ]


def identity_center_roles() -> list[dict[str, Any]]:
    # IAM Identity Center User Guide, "IAM roles created by IAM Identity Center in AWS accounts"
    # (https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html):
    # AWSReservedSSO_<PermissionSet>_<suffix> under /aws-reserved/sso.amazonaws.com/<region>/,
    # trusting the account's Identity Center SAML provider; a permission set's inline policy is
    # the role's AwsSSOInlinePolicy (.../permissionsetcustom.html).
    sso_trust = doc(
        {
            "Effect": "Allow",
            "Principal": {"Federated": SAML_PROVIDER_ARN},
            "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
            "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
        }
    )
    athena_query = allow(
        [
            "athena:StartQueryExecution",
            "athena:GetQueryExecution",
            "athena:GetQueryResults",
            *GLUE_CATALOG_READ,
        ],
        "*",
        "Query",
    )
    sets: dict[str, tuple[tuple[str, ...], dict[str, Any] | None]] = {
        # SageMaker Developer Guide, "AWS managed policies for Amazon SageMaker AI"
        # (https://docs.aws.amazon.com/sagemaker/latest/dg/security-iam-awsmanpol.html):
        # AmazonSageMakerFullAccess for data scientists; they work in the ML bucket, the same
        # bucket the domain execution role reaches.
        "DataScientist": (
            ("AmazonSageMakerFullAccess",),
            doc(
                allow(
                    ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                    f"{ML}/*",
                    "MLBucketObjects",
                ),
                allow("s3:ListBucket", ML, "MLBucket"),
            ),
        ),
        # AWS Glue Developer Guide, "Step 3: Attach a policy to users or groups that access
        # AWS Glue" (https://docs.aws.amazon.com/glue/latest/dg/attach-policy-iam-user.html):
        # AWSGlueConsoleFullAccess; the engineers read the data lake and query it.
        "DataEngineer": (
            ("AWSGlueConsoleFullAccess",),
            doc(*s3_read(RAW, CURATED)["Statement"], athena_query),
        ),
        # EMR Management Guide, "IAM managed policies for Amazon EMR"
        # (https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-managed-iam-policies.html):
        # AmazonEMRFullAccessPolicy_v2 for users who run clusters.
        "EMRAnalyst": (("AmazonEMRFullAccessPolicy_v2",), s3_read(CURATED)),
        # Amazon Athena User Guide, "AWS managed policies for Amazon Athena"
        # (https://docs.aws.amazon.com/athena/latest/ug/security-iam-awsmanpol.html):
        # AmazonAthenaFullAccess, with read access to the curated data it queries.
        "AthenaAnalyst": (("AmazonAthenaFullAccess",), s3_read(CURATED)),
        # Lake Formation Developer Guide, "Create a data lake administrator"
        # (https://docs.aws.amazon.com/lake-formation/latest/dg/initial-lf-config.html) and
        # "Lake Formation personas and IAM permissions reference"
        # (.../permissions-reference.html): AWSLakeFormationDataAdmin, AWSGlueConsoleFullAccess,
        # CloudWatchLogsReadOnlyAccess, AWSLakeFormationCrossAccountManager,
        # AmazonAthenaFullAccess, plus the inline policies LakeFormationSLR (create the Lake
        # Formation service-linked role, update its policy) and UserPassRole (pass the
        # workflow role).
        "DataLakeAdmin": (
            (
                "AWSLakeFormationDataAdmin",
                "AWSGlueConsoleFullAccess",
                "CloudWatchLogsReadOnlyAccess",
                "AWSLakeFormationCrossAccountManager",
                "AmazonAthenaFullAccess",
            ),
            doc(
                allow(
                    "iam:CreateServiceLinkedRole",
                    "*",
                    "LakeFormationSLR",
                    Condition={
                        "StringEquals": {"iam:AWSServiceName": "lakeformation.amazonaws.com"}
                    },
                ),
                allow(
                    "iam:PutRolePolicy",
                    role_arn(
                        "AWSServiceRoleForLakeFormationDataAccess",
                        "/aws-service-role/lakeformation.amazonaws.com/",
                    ),
                    "LakeFormationSLRPolicy",
                ),
                allow("iam:PassRole", role_arn(LF_WORKFLOW), "UserPassRole"),
            ),
        ),
    }
    return [
        role(
            sso_role_name(name),
            sso_trust,
            path=SSO_PATH,
            managed=managed,
            inline={"AwsSSOInlinePolicy": inline} if inline else None,
            created=SSO_PROVISIONED,
        )
        for name, (managed, inline) in sets.items()
    ]


def all_roles() -> list[dict[str, Any]]:
    return [
        *sagemaker_roles(),
        *glue_roles(),
        *ci_roles(),
        *emr_roles(),
        *orchestration_roles(),
        *redshift_roles(),
        *lake_formation_roles(),
        *mwaa_roles(),
        *service_linked_roles(),
        *identity_center_roles(),
    ]


def managed_policies(roles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Policies list: every managed policy attached somewhere, as GAAD lists it."""
    counts = attachment_counts(roles, "PolicyArn")
    custom = customer_policies()
    policies = []
    for arn in sorted(counts):
        name = arn.rsplit("/", 1)[1]
        if arn.startswith("arn:aws:iam::aws:"):
            version = aws_managed_version(name)
        else:
            path, document = custom[name]
            version = (path, document, "v1", PLATFORM_BUILT, PLATFORM_BUILT)
        policy_id = unique_id("ANPA", "managed-" + arn)
        policies.append(
            policy_entry(name, arn, policy_id=policy_id, version=version, attachments=counts[arn])
        )
    return policies


def gaad() -> dict[str, Any]:
    roles = all_roles()
    return {
        "UserDetailList": [],
        "GroupDetailList": [],
        "RoleDetailList": roles,
        "Policies": managed_policies(roles),
    }


# --- the credential report ------------------------------------------------------------------------

# The credential report's columns, in AWS's order: the loader's own list.


def credential_report() -> str:
    # IAM User Guide, "Generate credential reports for your AWS account"
    # (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html).
    # No IAM users (people sign in through Identity Center); the root user has MFA, no access
    # keys, and was last used a year ago.
    no_key = ["false", "N/A", "N/A", "N/A", "N/A"]
    root = [
        "<root_account>",
        f"arn:aws:iam::{ACCT}:root",
        "2024-01-15T08:00:00+00:00",
        "not_supported",
        "2025-11-20T10:00:00+00:00",
        "not_supported",
        "not_supported",
        "true",
        *no_key,
        *no_key,
        "false",
        "N/A",
        "false",
        "N/A",
    ]
    return report_csv([root])


def render() -> dict[str, str]:
    """File name -> the text written to tests/data/data_platform/."""
    return {
        GAAD_FILE: json.dumps(gaad(), indent=1, sort_keys=True) + "\n",
        CREDENTIAL_REPORT_FILE: credential_report(),
    }


def main() -> None:
    write_fixtures(render, OUTPUT_DIR, MOTO_VERSION)


if __name__ == "__main__":
    main()
