"""Other tools' published test material, run through iam-audit's engine.

Covers three projects' own test cases, translated into our linter and audit checks:

- Parliament (duo-labs/parliament): tests/unit/test_resource_mismatch.py,
  test_resource_formatting.py, test_formatting.py, test_patterns.py, test_action_expansion.py,
  test_resources.py, test_community_auditors.py, test_authorization_file.py,
  test_get_resources_for_privilege.py and parliament/community_auditors/tests/*.py. Their
  finding ids are mapped to our lint codes (README "lint codes" table); where Parliament expects
  no finding, ours must give no error (MALFORMED / UNKNOWN_*) and nothing high or critical.
  tests/unit/test_lint_parliament.py already holds the cases it pins; these are the others.
- Cloudsplaining (salesforce/cloudsplaining): cloudsplaining/shared/constants.py
  PRIVILEGE_ESCALATION_METHODS as exercised by test/scanning/test_privilege_escalation_methods.py,
  test/scanning/test_policy_document.py, test/scanning/test_statement_detail.py and
  test/command/test_scan_policy_file.py: each policy is put on a user and run through
  principal.privilege_escalation / data_exfiltration / credentials_exposure / resource_exposure.
- Prowler (prowler-cloud/prowler): tests/providers/aws/services/iam/ for
  iam_policy_allows_privilege_escalation, iam_policy_no_full_access_to_kms / cloudtrail,
  iam_no_custom_policy_permissive_role_assumption, iam_role_cross_service_confused_deputy_prevention
  and iam_aws_attached_policy_no_administrative_privileges, translated to
  principal.privilege_escalation, policy.full_access_sensitive, policy.passrole_star,
  role.trust_confused_deputy, policy.admin_star and identity.aws_admin_attached.

The policy JSON and the expected outcomes are the other projects' facts; the test code is ours.
Each case is judged against AWS's documented semantics (the Service Authorization Reference our
catalogue is built from); where the other tool is wrong or stale the docstring says why and the
test pins our behaviour; where we are wrong the test is a strict xfail naming the cause.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bot.iam.catalogue import ActionCatalogue, default_catalogue
from bot.iam.lint_model import LintFinding
from bot.iam.linter import lint_policy
from bot.model.severity import Severity
from tests.factories import (
    ACCOUNT_ID,
    allow,
    inline,
    managed_policy,
    role,
    run_check,
    snapshot,
    trust_policy,
    user,
    user_arn,
)

PARLIAMENT = "duo-labs/parliament"
CLOUDSPLAINING = "salesforce/cloudsplaining"
PROWLER = "prowler-cloud/prowler"

# Codes that mean "this policy is broken", whatever their severity.
ERROR_CODES = frozenset({"MALFORMED", "UNKNOWN_ACTION", "UNKNOWN_SERVICE", "UNKNOWN_CONDITION_KEY"})
SERIOUS = frozenset({Severity.HIGH, Severity.CRITICAL})


@pytest.fixture(scope="module")
def catalogue() -> ActionCatalogue:
    return default_catalogue()


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def grant(action: str | list[str], resource: str | list[str] = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def lint(
    catalogue: ActionCatalogue,
    document: Any,
    policy_type: str = "identity",
    *,
    capabilities: bool = False,
) -> list[LintFinding]:
    return lint_policy(
        document,
        catalogue=catalogue,
        policy_type=policy_type,  # type: ignore[arg-type]
        capabilities=capabilities,
    )


def codes_of(findings: list[LintFinding]) -> set[str]:
    return {f.code for f in findings}


# =============================================================================================
# 1. Parliament
# =============================================================================================

RUN_INSTANCES = "ec2:RunInstances"
INSTANCES = "arn:aws:ec2:*:123456789012:instance/*"
LIST_BUCKET = {"Effect": "Allow", "Action": "s3:listbucket", "Resource": "arn:aws:s3:::bucket-name"}
S3_WRITE_SET = [
    "s3:PutBucketPolicy",
    "s3:PutBucketAcl",
    "s3:PutLifecycleConfiguration",
    "s3:PutObject",
    "s3:GetObject",
    "s3:DeleteObject",
]

# (case id, document, policy type, capabilities, codes that must appear, codes that must not)
PARLIAMENT_FINDINGS: list[tuple[str, Any, str, bool, set[str], set[str]]] = [
    # test_resource_mismatch.py::test_resource_mismatch -> RESOURCE_MISMATCH
    (
        "resource_mismatch",
        doc({**grant(RUN_INSTANCES, ["arn:aws:ec2:*:123456789012:fake_resource_type/*"])}),
        "identity",
        False,
        {"RESOURCE_MISMATCH"},
        set(),
    ),
    # test_formatting.py::test_condition_multiple ("Second bad": s3:x)
    # -> UNKNOWN_CONDITION_FOR_ACTION
    # (s3:x is no key of any service, so ours says UNKNOWN_CONDITION_KEY)
    (
        "condition_multiple_second_bad",
        doc(
            {
                **LIST_BUCKET,
                "Condition": {
                    "DateGreaterThan": {"aws:CurrentTime": "2019-07-16T12:00:00Z"},
                    "StringEquals": {"s3:x": ["home/${aws:username}/*"]},
                },
            }
        ),
        "identity",
        False,
        {"UNKNOWN_CONDITION_KEY"},
        {"CONDITION_TYPE_MISMATCH"},
    ),
    # test_formatting.py::test_condition_operator ("bad" operator) -> UNKNOWN_OPERATOR
    # (IAM rejects an unknown operator: ours is MALFORMED)
    (
        "condition_operator_unknown",
        doc({**LIST_BUCKET, "Condition": {"bad": {"s3:prefix": ["home/${aws:username}/*"]}}}),
        "identity",
        False,
        {"MALFORMED"},
        set(),
    ),
    # test_resources.py::test_resource_with_sub (CloudFormation Fn::Sub object) -> INVALID_ARN
    # (a non-string Resource is rejected by IAM: ours is MALFORMED)
    (
        "resource_with_fn_sub",
        doc(
            {
                "Sid": "AddPerm",
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["ssm:PutParameter"],
                "Resource": [{"Fn::Sub": "arn:aws:ssm:*:${AWS::AccountId}:*"}],
            }
        ),
        "resource",
        False,
        {"MALFORMED"},
        set(),
    ),
    # test_patterns.py::test_bad_mfa_condition -> BAD_PATTERN_FOR_MFA
    (
        "bad_mfa_condition",
        doc({**grant("*"), "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}),
        "identity",
        False,
        {"MFA_CONDITION_PATTERN"},
        set(),
    ),
    # test_action_expansion.py::test_exception_malformed ("malformed" has no service prefix)
    ("action_malformed", doc(grant("malformed")), "identity", False, {"MALFORMED"}, set()),
    # test_action_expansion.py::test_exception_bad_service
    (
        "action_bad_service",
        doc(grant("333:listallmybuckets")),
        "identity",
        False,
        {"UNKNOWN_SERVICE"},
        set(),
    ),
    # test_action_expansion.py::test_exception_bad_action
    ("action_bad_action", doc(grant("s3:zzz")), "identity", False, {"UNKNOWN_ACTION"}, set()),
    # test_action_expansion.py::test_exception_bad_expansion (a wildcard matching nothing)
    ("action_bad_expansion", doc(grant("s3:zzz*")), "identity", False, {"UNKNOWN_ACTION"}, set()),
    # community_auditors/tests/test_privilege_escalation.py -> PRIVILEGE_ESCALATION, RESOURCE_STAR
    (
        "community_privilege_escalation",
        doc(grant(["glue:updatedevendpoint", "lambda:updatefunctioncode"])),
        "identity",
        True,
        {"PRIVILEGE_ESCALATION", "WILDCARD_SENSITIVE"},
        set(),
    ),
    # community_auditors/tests/test_permissions_management.py -> PERMISSIONS_MANAGEMENT_ACTIONS,
    # RESOURCE_POLICY_PRIVILEGE_ESCALATION, RESOURCE_STAR
    (
        "community_permissions_management",
        doc(grant(["lambda:addpermission", "s3:putbucketacl", "ram:CreateResourceShare"])),
        "identity",
        True,
        {"PERMISSIONS_MANAGEMENT", "RESOURCE_POLICY_ESCALATION", "WILDCARD_SENSITIVE"},
        set(),
    ),
    # community_auditors/tests/test_advanced_policy_elements.py::test_notresource_allow (Allow)
    (
        "notresource_with_allow",
        doc(
            {
                "Effect": "Allow",
                "Action": "s3:*",
                "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"],
            }
        ),
        "identity",
        True,
        {"ALLOW_NOT_RESOURCE", "PERMISSIONS_MANAGEMENT"},
        set(),
    ),
    # community_auditors/tests/test_advanced_policy_elements.py::test_notprincipal_allow (Allow)
    (
        "notprincipal_with_allow",
        doc(
            {
                "Effect": "Allow",
                "NotPrincipal": {"AWS": ["arn:aws:iam::444455556666:user/Bob"]},
                "Action": "s3:*",
                "Resource": ["arn:aws:s3:::BUCKETNAME", "arn:aws:s3:::BUCKETNAME/*"],
            }
        ),
        "resource",
        True,
        {"ALLOW_NOT_PRINCIPAL"},
        set(),
    ),
    # community_auditors/tests/test_single_value_condition_too_permissive.py
    # -> SINGLE_VALUE_CONDITION_TOO_PERMISSIVE (ForAllValues on a single-valued key)
    (
        "single_value_condition_too_permissive",
        doc(
            {
                **grant(["s3:GetObject"], "arn:aws:s3:::secretbucket/*"),
                "Condition": {"ForAllValues:StringEquals": {"aws:ResourceTag/Tag": ["Value"]}},
            }
        ),
        "identity",
        True,
        {"CONDITION_TYPE_MISMATCH"},
        set(),
    ),
    # test_authorization_file.py: role MyOtherRole's inline policy SupYo (on *)
    (
        "authorization_file_supyo",
        doc({"Sid": "VisualEditor0", **grant(S3_WRITE_SET)}),
        "identity",
        False,
        {"RESOURCE_POLICY_ESCALATION"},
        set(),
    ),
    # test_authorization_file.py: policy NotYourPolicy (one bucket and its objects)
    (
        "authorization_file_notyourpolicy",
        doc(
            {
                "Sid": "VisualEditor0",
                **grant(S3_WRITE_SET, ["arn:aws:s3:::mybucket/*", "arn:aws:s3:::mybucket"]),
            }
        ),
        "identity",
        False,
        {"RESOURCE_POLICY_ESCALATION"},
        set(),
    ),
    # test_authorization_file.py: role MyRole's inline policy Stuff (s3:Put* on *)
    (
        "authorization_file_stuff",
        doc(grant(["s3:ListBucket", "s3:Put*", "s3:Get*", "s3:*MultipartUpload*"], ["*"])),
        "identity",
        False,
        {"RESOURCE_POLICY_ESCALATION"},
        set(),
    ),
]


@pytest.mark.parametrize(
    ("document", "policy_type", "capabilities", "present", "absent"),
    [pytest.param(*case[1:], id=case[0]) for case in PARLIAMENT_FINDINGS],
)
def test_parliament_expected_findings(
    catalogue: ActionCatalogue,
    document: Any,
    policy_type: str,
    capabilities: bool,
    present: set[str],
    absent: set[str],
) -> None:
    """duo-labs/parliament tests/unit/* and community_auditors/tests/* (case id names the test):
    Parliament expects a finding; ours reports the equivalent code (mapping in each case's
    comment)."""
    found = codes_of(lint(catalogue, document, policy_type, capabilities=capabilities))
    assert present <= found
    assert not (absent & found)


# (case id, document, policy type, capabilities)
PARLIAMENT_CLEAN: list[tuple[str, Any, str, bool]] = [
    # test_resource_mismatch.py::test_no_resource_mismatch
    ("no_resource_mismatch", doc(grant(RUN_INSTANCES, [INSTANCES])), "identity", False),
    # test_resource_mismatch.py::test_one_unrecognized_resource_no_resource_mismatch (ours adds a
    # low INVALID_ARN: fake_instance is no EC2 resource type, but the statement still works)
    (
        "one_unrecognized_resource",
        doc(grant(RUN_INSTANCES, [INSTANCES, "arn:aws:ec2:*:123456789012:fake_instance/*"])),
        "identity",
        False,
    ),
    # test_resource_formatting.py::test_resource_good
    (
        "resource_good",
        doc(grant("s3:getobject", "arn:aws:s3:::my_corporate_bucket/*")),
        "identity",
        False,
    ),
    # test_formatting.py::test_condition_with_null (ours: a low EMPTY_ELEMENT for "Sid": "")
    (
        "condition_with_null",
        {
            "Version": "2012-10-17",
            "Id": "123",
            "Statement": [
                {
                    "Sid": "",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": "arn:aws:s3:::examplebucket/taxdocuments/*",
                    "Condition": {"Null": {"aws:MultiFactorAuthAge": True}},
                }
            ],
        },
        "resource",
        False,
    ),
    # test_formatting.py::test_condition_with_MultiFactorAuthAge
    (
        "condition_with_multifactorauthage",
        {
            "Version": "2012-10-17",
            "Id": "123",
            "Statement": [
                {
                    "Sid": "",
                    "Effect": "Deny",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"NumericGreaterThan": {"aws:MultiFactorAuthAge": "28800"}},
                }
            ],
        },
        "identity",
        False,
    ),
    # test_formatting.py::test_condition_operator_values: Parliament says
    # MISMATCHED_TYPE_BUT_USABLE (StringEquals on the ARN key ec2:InstanceProfile) and
    # RESOURCE_STAR; usable means no error, and ours gives only a low WILDCARD_SENSITIVE.
    (
        "condition_operator_values",
        doc(
            {
                **grant(["ec2:TerminateInstances"]),
                "Condition": {
                    "StringEquals": {
                        "ec2:InstanceProfile": "arn:aws:iam::123456789012:instance-profile/my_role"
                    }
                },
            }
        ),
        "identity",
        False,
    ),
    # test_action_expansion.py::test_expand_action_with_expansion
    ("expand_listallmybucke*", doc(grant("s3:listallmybucke*")), "identity", False),
    # test_action_expansion.py::test_expand_action_with_casing
    ("expand_mixed_case", doc(grant("iAm:li*sTuS*rs")), "identity", False),
    # test_action_expansion.py::test_expand_action_with_permission_only_action
    ("permission_only_action", doc(grant("logs:GetLogDelivery")), "identity", False),
    # test_action_expansion.py::test_expand_action_with_expansion_for_prefix_used_multiple_times
    ("ses_describe_star", doc(grant("ses:Describe*")), "identity", False),
    # community_auditors/tests/test_advanced_policy_elements.py::test_notresource_allow (Deny)
    (
        "notresource_with_deny",
        doc(
            {
                "Effect": "Deny",
                "Action": "s3:*",
                "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"],
            }
        ),
        "identity",
        True,
    ),
    # community_auditors/tests/test_advanced_policy_elements.py::test_notprincipal_allow (Deny)
    (
        "notprincipal_with_deny",
        doc(
            {
                "Effect": "Deny",
                "NotPrincipal": {
                    "AWS": [
                        "arn:aws:iam::444455556666:user/Bob",
                        "arn:aws:iam::444455556666:root",
                    ]
                },
                "Action": "s3:*",
                "Resource": ["arn:aws:s3:::BUCKETNAME", "arn:aws:s3:::BUCKETNAME/*"],
            }
        ),
        "resource",
        True,
    ),
    # test_get_resources_for_privilege.py::test_policy_multiple_resources
    (
        "s3_star_on_one_bucket",
        doc(grant("s3:*", ["arn:aws:s3:::examplebucket", "arn:aws:s3:::examplebucket/*"])),
        "identity",
        False,
    ),
]


@pytest.mark.parametrize(
    ("document", "policy_type", "capabilities"),
    [pytest.param(*case[1:], id=case[0]) for case in PARLIAMENT_CLEAN],
)
def test_parliament_clean_policies(
    catalogue: ActionCatalogue, document: Any, policy_type: str, capabilities: bool
) -> None:
    """duo-labs/parliament tests/unit/* (case id names the test): Parliament expects no finding
    (or only RESOURCE_STAR / a usable type remark); ours gives no error and nothing high."""
    found = lint(catalogue, document, policy_type, capabilities=capabilities)
    assert not (codes_of(found) & ERROR_CODES)
    assert not [f for f in found if f.severity in SERIOUS]
    assert "RESOURCE_MISMATCH" not in codes_of(found)
    assert "CONDITION_TYPE_MISMATCH" not in codes_of(found)


def test_parliament_clean_policies_that_are_exactly_clean(catalogue: ActionCatalogue) -> None:
    """duo-labs/parliament test_resource_mismatch.py::test_no_resource_mismatch,
    test_resource_formatting.py::test_resource_good, test_action_expansion.py (expansion cases),
    test_get_resources_for_privilege.py::test_policy_multiple_resources: no finding at all,
    on ours too."""
    exact = {
        "no_resource_mismatch",
        "resource_good",
        "expand_listallmybucke*",
        "expand_mixed_case",
        "permission_only_action",
        "ses_describe_star",
        "notresource_with_deny",
        "notprincipal_with_deny",
        "s3_star_on_one_bucket",
    }
    for name, document, policy_type, capabilities in PARLIAMENT_CLEAN:
        if name in exact:
            found = lint(catalogue, document, policy_type, capabilities=capabilities)
            assert found == [], name


def test_parliament_multiple_resource_mismatches_is_one_finding(catalogue: ActionCatalogue) -> None:
    """duo-labs/parliament tests/unit/test_resource_mismatch.py::test_multiple_resource_mismatches:
    two unknown resource types for ec2:RunInstances give one RESOURCE_MISMATCH (ours adds an
    INVALID_ARN per ARN naming the unknown type, MEDIUM: Access Analyzer's "Invalid ARN
    resource" is an ERROR)."""
    document = doc(
        grant(
            RUN_INSTANCES,
            [
                "arn:aws:ec2:*:123456789012:fake_instance/*",
                "arn:aws:ec2:*:123456789012:fake_instance_2/*",
            ],
        )
    )
    found = lint(catalogue, document)
    assert [f.code for f in found].count("RESOURCE_MISMATCH") == 1
    assert [f.severity for f in found if f.code == "INVALID_ARN"] == [Severity.MEDIUM] * 2


def test_parliament_community_auditors_on_and_off(catalogue: ActionCatalogue) -> None:
    """duo-labs/parliament tests/unit/test_community_auditors.py (enable / disable community):
    ecr:* and s3:* on * give CREDENTIALS_EXPOSURE (ecr:GetAuthorizationToken) and
    PERMISSIONS_MANAGEMENT_ACTIONS only with the community auditors, RESOURCE_STAR always.
    Ours: the capability codes only with `capabilities`, WILDCARD_SENSITIVE (high: it includes
    permissions-management actions) always."""
    document = doc(grant(["ecr:*", "s3:*"]))
    on = lint(catalogue, document, capabilities=True)
    off = lint(catalogue, document, capabilities=False)
    assert codes_of(on) == {"CREDENTIALS_EXPOSURE", "PERMISSIONS_MANAGEMENT", "WILDCARD_SENSITIVE"}
    assert codes_of(off) == {"WILDCARD_SENSITIVE"}
    assert [f.severity for f in off] == [Severity.HIGH]


def test_parliament_credentials_exposure_without_stale_permissions_management(
    catalogue: ActionCatalogue,
) -> None:
    """duo-labs/parliament community_auditors/tests/test_credentials_exposure.py: redshift:
    GetClusterCredentials and ecr:GetAuthorizationToken on * give CREDENTIALS_EXPOSURE,
    PERMISSIONS_MANAGEMENT_ACTIONS and RESOURCE_STAR there.

    Parliament is stale on PERMISSIONS_MANAGEMENT_ACTIONS: the Service Authorization Reference
    lists redshift:GetClusterCredentials as Write and ecr:GetAuthorizationToken as Read, neither
    as Permissions management. Ours: CREDENTIALS_EXPOSURE, no PERMISSIONS_MANAGEMENT."""
    for action, level in (
        ("redshift:GetClusterCredentials", "Write"),
        ("ecr:GetAuthorizationToken", "Read"),
    ):
        info = catalogue.action(action)
        assert info is not None
        assert info.access_level == level
    document = doc(grant(["redshift:getclustercredentials", "ecr:getauthorizationtoken"]))
    found = codes_of(lint(catalogue, document, capabilities=True))
    assert "CREDENTIALS_EXPOSURE" in found
    assert "PERMISSIONS_MANAGEMENT" not in found


def test_parliament_bucket_level_escalation_it_misses(catalogue: ActionCatalogue) -> None:
    """duo-labs/parliament tests/unit/test_patterns.py::
    test_resource_policy_privilege_escalation_at_bucket_level (second policy): s3:*Bucket* and
    s3:*Object* on bucket1 and bucket1/*, s3:*Object on bucket2/*. Parliament expects only
    RESOURCE_MISMATCH ("Buckets do not match so no escalation possible").

    Parliament is wrong: the first statement alone grants s3:PutBucketPolicy on bucket1 while
    withholding other actions on it (s3:PutLifecycleConfiguration, s3:PutBucketTagging's
    siblings outside the two patterns...), so the holder can write bucket1's policy to grant
    itself the rest. Ours reports RESOURCE_POLICY_ESCALATION. (Its RESOURCE_MISMATCH, for
    s3:ListAllMyBuckets hidden in s3:*Bucket*, is not ours to give: a wildcard whose other
    actions fit the resources is not a mismatch.)"""
    document = doc(
        grant(["s3:*Bucket*", "s3:*Object*"], ["arn:aws:s3:::bucket1", "arn:aws:s3:::bucket1/*"]),
        grant(["s3:*Object"], ["arn:aws:s3:::bucket2/*"]),
    )
    assert codes_of(lint(catalogue, document)) == {"RESOURCE_POLICY_ESCALATION"}
    bucket1_only = doc(
        grant(["s3:*Bucket*", "s3:*Object*"], ["arn:aws:s3:::bucket1", "arn:aws:s3:::bucket1/*"])
    )
    assert "RESOURCE_POLICY_ESCALATION" in codes_of(lint(catalogue, bucket1_only))


# =============================================================================================
# 2. Cloudsplaining
# =============================================================================================

ADMIN = managed_policy("AdministratorAccess", allow("*"), aws_managed=True, attachment_count=1)
# Every service the escalation methods below pass a role to.
PASS_TO = [
    "apprunner.amazonaws.com",
    "tasks.apprunner.amazonaws.com",
    "bedrock-agentcore.amazonaws.com",
    "cloudformation.amazonaws.com",
    "codebuild.amazonaws.com",
    "datapipeline.amazonaws.com",
    "ec2.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "glue.amazonaws.com",
    "lambda.amazonaws.com",
    "sagemaker.amazonaws.com",
]
PRINCIPAL_CHECKS = (
    "principal.privilege_escalation",
    "principal.data_exfiltration",
    "principal.credentials_exposure",
    "principal.resource_exposure",
    "principal.admin_equivalent",
)

# cloudsplaining/shared/constants.py PRIVILEGE_ESCALATION_METHODS (name -> actions), the table
# test/scanning/test_privilege_escalation_methods.py feeds one method at a time.
CLOUDSPLAINING_METHODS: dict[str, list[str]] = {
    "CreateAccessKey": ["iam:createaccesskey"],
    "CreateLoginProfile": ["iam:createloginprofile"],
    "UpdateLoginProfile": ["iam:updateloginprofile"],
    "AddUserToGroup": ["iam:addusertogroup"],
    "CreateNewPolicyVersion": ["iam:createpolicyversion"],
    "SetExistingDefaultPolicyVersion": ["iam:setdefaultpolicyversion"],
    "AttachUserPolicy": ["iam:attachuserpolicy"],
    "AttachGroupPolicy": ["iam:attachgrouppolicy"],
    "AttachRolePolicy": ["iam:attachrolepolicy"],
    "PutUserPolicy": ["iam:putuserpolicy"],
    "PutGroupPolicy": ["iam:putgrouppolicy"],
    "PutRolePolicy": ["iam:putrolepolicy"],
    "UpdateRolePolicyToAssumeIt": ["iam:updateassumerolepolicy"],
    "CreateEC2WithExistingIP": ["iam:passrole", "ec2:runinstances"],
    "PassExistingRoleToNewLambdaThenInvoke": [
        "iam:passrole",
        "lambda:createfunction",
        "lambda:invokefunction",
    ],
    "PassExistingRoleToNewLambdaThenTriggerWithNewDynamo": [
        "iam:passrole",
        "lambda:createfunction",
        "lambda:createeventsourcemapping",
        "dynamodb:createtable",
        "dynamodb:putitem",
    ],
    "PassExistingRoleToNewLambdaThenTriggerWithExistingDynamo": [
        "iam:passrole",
        "lambda:createfunction",
        "lambda:createeventsourcemapping",
    ],
    "PassExistingRoleToNewGlueDevEndpoint": ["iam:passrole", "glue:createdevendpoint"],
    "PassExistingRoleToCloudFormation": ["iam:passrole", "cloudformation:createstack"],
    "UpdateExistingGlueDevEndpoint": ["glue:updatedevendpoint"],
    "EditExistingLambdaFunctionWithRole": ["lambda:updatefunctioncode"],
    "AccessExistingBedrockCodeInterpreterSession": [
        "bedrock-agentcore:startcodeinterpretersession",
        "bedrock-agentcore:invokecodeinterpreter",
    ],
    "ExecuteCloudFormationChangeSet": [
        "cloudformation:createchangeset",
        "cloudformation:executechangeset",
    ],
    "ModifyEC2InstanceUserDataThenRestart": [
        "ec2:modifyinstanceattribute",
        "ec2:stopinstances",
        "ec2:startinstances",
    ],
    "ModifyExistingEC2LaunchTemplate": [
        "ec2:createlaunchtemplateversion",
        "ec2:modifylaunchtemplate",
    ],
    "EC2InstanceConnectSendSSHPublicKey": [
        "ec2-instance-connect:sendsshpublickey",
        "ec2:describeinstances",
    ],
    "ECSExecuteCommandOnRunningTask": ["ecs:executecommand", "ecs:describetasks"],
    "UpdateAndInvokeLambdaFunction": ["lambda:updatefunctioncode", "lambda:invokefunction"],
    "UpdateLambdaFunctionAndAddPermission": ["lambda:updatefunctioncode", "lambda:addpermission"],
    "CreatePresignedSageMakerNotebookUrl": ["sagemaker:createpresignednotebookinstanceurl"],
    "UpdateSageMakerNotebookLifecycleConfig": [
        "sagemaker:createnotebookinstancelifecycleconfig",
        "sagemaker:stopnotebookinstance",
        "sagemaker:updatenotebookinstance",
        "sagemaker:startnotebookinstance",
    ],
    "PassExistingRoleToNewAppRunnerService": ["iam:passrole", "apprunner:createservice"],
    "PassExistingRoleToNewBedrockCodeInterpreter": [
        "iam:passrole",
        "bedrock-agentcore:createcodeinterpreter",
        "bedrock-agentcore:startcodeinterpretersession",
        "bedrock-agentcore:invokecodeinterpreter",
    ],
    "PassExistingRoleToNewCloudFormationStackSet": [
        "iam:passrole",
        "cloudformation:createstackset",
        "cloudformation:createstackinstances",
    ],
    "PassRoleToUpdateCloudFormationStackSet": ["iam:passrole", "cloudformation:updatestackset"],
    "PassExistingRoleToNewCodeBuildProjectThenBuild": [
        "iam:passrole",
        "codebuild:createproject",
        "codebuild:startbuild",
    ],
    "PassExistingRoleToNewCodeBuildProjectThenBuildBatch": [
        "iam:passrole",
        "codebuild:createproject",
        "codebuild:startbuildbatch",
    ],
    "PassExistingRoleToNewEC2SpotInstance": ["iam:passrole", "ec2:requestspotinstances"],
    "PassExistingRoleToNewECSClusterServiceTask": [
        "iam:passrole",
        "ecs:createcluster",
        "ecs:registertaskdefinition",
        "ecs:createservice",
    ],
    "PassExistingRoleToNewECSClusterRunTask": [
        "iam:passrole",
        "ecs:createcluster",
        "ecs:registertaskdefinition",
        "ecs:runtask",
    ],
    "PassExistingRoleToNewECSService": [
        "iam:passrole",
        "ecs:registertaskdefinition",
        "ecs:createservice",
    ],
    "PassExistingRoleToNewECSTaskViaRunTask": [
        "iam:passrole",
        "ecs:registertaskdefinition",
        "ecs:runtask",
    ],
    "PassExistingRoleToNewECSTaskViaStartTask": [
        "iam:passrole",
        "ecs:registertaskdefinition",
        "ecs:starttask",
    ],
    "PassExistingRoleToNewGlueJobThenRun": ["iam:passrole", "glue:createjob", "glue:startjobrun"],
    "PassExistingRoleToNewGlueJobViaTrigger": [
        "iam:passrole",
        "glue:createjob",
        "glue:createtrigger",
    ],
    "PassExistingRoleToUpdatedGlueJobThenRun": [
        "iam:passrole",
        "glue:updatejob",
        "glue:startjobrun",
    ],
    "PassExistingRoleToUpdatedGlueJobViaTrigger": [
        "iam:passrole",
        "glue:updatejob",
        "glue:createtrigger",
    ],
    "PassExistingRoleToNewLambdaThenAddPermission": [
        "iam:passrole",
        "lambda:createfunction",
        "lambda:addpermission",
    ],
    "PassExistingRoleToNewSageMakerNotebookInstance": [
        "iam:passrole",
        "sagemaker:createnotebookinstance",
    ],
    "PassExistingRoleToNewSageMakerTrainingJob": ["iam:passrole", "sagemaker:createtrainingjob"],
    "PassExistingRoleToNewSageMakerProcessingJob": [
        "iam:passrole",
        "sagemaker:createprocessingjob",
    ],
    "CreateAndRotateAccessKey": ["iam:createaccesskey", "iam:deleteaccesskey"],
    "AttachUserPolicyThenCreateAccessKey": ["iam:attachuserpolicy", "iam:createaccesskey"],
    "CreatePolicyVersionThenAssumeRole": ["iam:createpolicyversion", "sts:assumerole"],
    "PutUserPolicyThenCreateAccessKey": ["iam:putuserpolicy", "iam:createaccesskey"],
    "AttachRolePolicyThenUpdateAssumeRolePolicy": [
        "iam:attachrolepolicy",
        "iam:updateassumerolepolicy",
    ],
    "CreatePolicyVersionThenUpdateAssumeRolePolicy": [
        "iam:createpolicyversion",
        "iam:updateassumerolepolicy",
    ],
    "PutRolePolicyThenUpdateAssumeRolePolicy": [
        "iam:putrolepolicy",
        "iam:updateassumerolepolicy",
    ],
}


def _admin_target(name: str = "target", services: list[str] | None = None):
    """A role with AdministratorAccess that the given services (default: all of PASS_TO) may
    assume: the role a PassRole method would hand to a service."""
    return role(
        name,
        trust=trust_policy({"Service": services or PASS_TO}),
        attached_policies=[ADMIN.arn],
    )


_ADMIN_USER = user(
    "administrator",
    inline_policies=[
        inline(
            "all",
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            },
        )
    ],
)


# dev's reports policy: in force it reads one bucket; its stored v1 was `*` on `*`.
_LEGACY = replace(
    managed_policy("legacy-reports", allow("s3:GetObject", "arn:aws:s3:::reports/*")),
    other_versions=(allow("*"),),
)


def principal_findings(
    document: dict[str, Any], *, passable_role: bool = True, admin_user: bool = True
):
    """{check id: evidence} for user dev holding ``document`` inline, in an account that also
    holds (unless told otherwise) an admin role every PASS_TO service may assume and an
    administrator user (whose keys or password iam-002..006 take over: the other tools judge
    the policy alone and assume such a user exists), and a customer policy of dev's holding a
    stored administrator version (iam:SetDefaultPolicyVersion switches to it; assumed too)."""
    snap = snapshot(
        users=[
            user(
                "dev",
                inline_policies=[inline("p", document)],
                attached_policies=[_LEGACY.arn],
            ),
            *([_ADMIN_USER] if admin_user else []),
        ],
        roles=[_admin_target()] if passable_role else [],
        policies=[_LEGACY, *([ADMIN] if passable_role else [])],
    )
    out: dict[str, dict[str, Any]] = {}
    for check_id in PRINCIPAL_CHECKS:
        for finding in run_check(check_id, snap):
            if finding.resource_arn == user_arn("dev"):
                out[check_id] = dict(finding.evidence)
    return out


def escalation_methods(
    document: dict[str, Any], *, passable_role: bool = True, admin_user: bool = True
) -> list[str]:
    found = principal_findings(document, passable_role=passable_role, admin_user=admin_user)
    return list(found.get("principal.privilege_escalation", {}).get("method_ids", ()))


def exposed_actions(document: dict[str, Any], check_id: str) -> set[str]:
    found = principal_findings(document)
    return set(found.get(check_id, {}).get("actions", ()))


# Cloudsplaining's methods that need more than the actions it lists (each has its own test).
_CLOUDSPLAINING_INCOMPLETE = ("PassExistingRoleToNewSageMakerNotebookInstance",)


@pytest.mark.parametrize(
    "method",
    [m for m in CLOUDSPLAINING_METHODS if m not in _CLOUDSPLAINING_INCOMPLETE],
)
def test_cloudsplaining_every_escalation_method_is_detected(method: str) -> None:
    """salesforce/cloudsplaining test/scanning/test_privilege_escalation_methods.py::
    test_every_method_detected_from_its_own_actions: a policy granting exactly one method's
    actions on * is flagged with that method. Ours: principal.privilege_escalation reports the
    user holding it (in an account with an admin role the PassRole methods can hand over)."""
    assert escalation_methods(doc(grant(CLOUDSPLAINING_METHODS[method])))


def test_cloudsplaining_sagemaker_notebook_method_is_incomplete() -> None:
    """salesforce/cloudsplaining constants.py PassExistingRoleToNewSageMakerNotebookInstance =
    iam:PassRole + sagemaker:CreateNotebookInstance.

    Cloudsplaining is incomplete: the notebook runs no code of the creator's until it opens the
    notebook's Jupyter, which takes sagemaker:CreatePresignedNotebookInstanceUrl (AWS API
    reference for it; iam-vulnerable's privesc-sageMakerCreateNotebookPassRole grants it, as
    Rhino's write-up does). Ours: not reported with the two actions; reported (sagemaker-001,
    and sagemaker-004 for notebooks that already exist) with the third."""
    short = CLOUDSPLAINING_METHODS["PassExistingRoleToNewSageMakerNotebookInstance"]
    assert escalation_methods(doc(grant(short))) == []
    full = [*short, "sagemaker:createpresignednotebookinstanceurl"]
    assert "sagemaker-001" in escalation_methods(doc(grant(full)))


def test_cloudsplaining_data_pipeline_method_is_incomplete() -> None:
    """salesforce/cloudsplaining constants.py PassExistingRoleToNewDataPipeline =
    iam:PassRole + datapipeline:CreatePipeline, expected detected by
    test_privilege_escalation_methods.py.

    Cloudsplaining is wrong: a pipeline created without a definition runs nothing; running code
    as the passed role needs datapipeline:PutPipelineDefinition and ActivatePipeline too (Rhino's
    write-up and Prowler's PassRole+DataPipeline list them). Ours: not reported with the two
    actions, reported (datapipeline-001) with all four."""
    short = ["iam:passrole", "datapipeline:createpipeline"]
    assert escalation_methods(doc(grant(short))) == []
    full = [*short, "datapipeline:putpipelinedefinition", "datapipeline:activatepipeline"]
    assert escalation_methods(doc(grant(full))) == ["datapipeline-001"]


def test_cloudsplaining_passrole_methods_need_a_role_to_pass() -> None:
    """salesforce/cloudsplaining test_privilege_escalation_methods.py judges each method from
    its actions alone. In an account with no role at all, iam:PassRole hands nothing over, so
    ours does not report the PassRole-only methods there; a method that needs no role
    (iam:CreateAccessKey) is still reported, as long as there is a richer user to take over."""
    lambda_invoke = CLOUDSPLAINING_METHODS["PassExistingRoleToNewLambdaThenInvoke"]
    assert escalation_methods(doc(grant(lambda_invoke)), passable_role=False) == []
    assert escalation_methods(doc(grant(lambda_invoke))) == ["lambda-001"]
    assert escalation_methods(doc(grant("iam:CreateAccessKey")), passable_role=False) == ["iam-002"]
    no_user = escalation_methods(doc(grant("iam:CreateAccessKey")), admin_user=False)
    assert no_user == []


def test_cloudsplaining_allows_privilege_escalation_lambda_dynamo() -> None:
    """salesforce/cloudsplaining test/scanning/test_policy_document.py::
    test_allows_privilege_escalation: PassRole + Lambda create/event-source + DynamoDB create/put
    on * is PassExistingRoleToNewLambdaThenTriggerWithNewDynamo and ...WithExistingDynamo.
    Ours: one method, lambda-002 (both Cloudsplaining names are its variants)."""
    actions = [
        "iam:PassRole",
        "lambda:CreateFunction",
        "lambda:CreateEventSourceMapping",
        "dynamodb:CreateTable",
        "dynamodb:PutItem",
    ]
    assert escalation_methods(doc(grant(actions))) == ["lambda-002"]


def test_cloudsplaining_allows_specific_actions() -> None:
    """salesforce/cloudsplaining test/scanning/test_policy_document.py::
    test_allows_specific_actions: iam:PassRole, ssm:GetParameter(s/ByPath), s3:GetObject,
    secretsmanager:GetSecretValue, s3:PutObject, ec2:CreateTags on *. Expected: data
    exfiltration = the five read actions; permissions management = [iam:PassRole].

    Cloudsplaining is stale on the second: the Service Authorization Reference lists
    iam:PassRole as Write, not Permissions management, so ours reports no resource exposure.
    PassRole with no service action to pass to is no escalation either."""
    actions = [
        "iam:PassRole",
        "ssm:GetParameter",
        "s3:GetObject",
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:GetParametersByPath",
        "secretsmanager:GetSecretValue",
        "s3:PutObject",
        "ec2:CreateTags",
    ]
    found = principal_findings(doc(grant(actions)))
    assert set(found) == {"principal.data_exfiltration"}
    assert set(found["principal.data_exfiltration"]["actions"]) == {
        "s3:GetObject",
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:GetParametersByPath",
        "secretsmanager:GetSecretValue",
    }
    assert default_catalogue().action("iam:PassRole").access_level == "Write"  # type: ignore[union-attr]


def test_cloudsplaining_scan_policy_file_ecr_and_own_keys() -> None:
    """salesforce/cloudsplaining test/command/test_scan_policy_file.py::test_policy_file:
    ECR pull/push actions on * plus access-key management on the caller's own user
    (arn:aws:iam::*:user/${aws:username}). Expected: no privilege escalation, no data
    exfiltration, no permissions management.

    Ours agrees (a user minting its own keys gains nothing) and adds credentials exposure for
    ecr:GetAuthorizationToken, which returns a registry token: Cloudsplaining's own
    CredentialsExposure category lists it; that fixture predates the category."""
    ecr = [
        "ecr:GetAuthorizationToken",
        "ecr:BatchCheckLayerAvailability",
        "ecr:GetDownloadUrlForLayer",
        "ecr:GetRepositoryPolicy",
        "ecr:DescribeRepositories",
        "ecr:ListImages",
        "ecr:DescribeImages",
        "ecr:BatchGetImage",
        "ecr:InitiateLayerUpload",
        "ecr:UploadLayerPart",
        "ecr:CompleteLayerUpload",
        "ecr:PutImage",
    ]
    own_keys = {
        "Sid": "AllowManageOwnAccessKeys",
        "Effect": "Allow",
        "Action": [
            "iam:CreateAccessKey",
            "iam:DeleteAccessKey",
            "iam:ListAccessKeys",
            "iam:UpdateAccessKey",
        ],
        "Resource": "arn:aws:iam::*:user/${aws:username}",
    }
    found = principal_findings(doc(grant(ecr), own_keys))
    assert set(found) == {"principal.credentials_exposure"}
    assert set(found["principal.credentials_exposure"]["actions"]) == {"ecr:GetAuthorizationToken"}


def test_cloudsplaining_scan_policy_getobject_and_create_access_key() -> None:
    """salesforce/cloudsplaining test/command/test_scan_policy_file.py::
    test_excluded_actions_scan_policy_file: s3:GetObject + iam:CreateAccessKey on *. Expected:
    PrivilegeEscalation CreateAccessKey, DataExfiltration [s3:GetObject],
    PermissionsManagement [iam:CreateAccessKey].

    Ours: escalation (iam-002), data exfiltration s3:GetObject, credentials exposure
    iam:CreateAccessKey; no resource exposure, because the Service Authorization Reference lists
    iam:CreateAccessKey as Write, not Permissions management (Cloudsplaining's data is stale)."""
    found = principal_findings(doc(grant(["s3:GetObject", "iam:CreateAccessKey"])))
    assert set(found) == {
        "principal.privilege_escalation",
        "principal.data_exfiltration",
        "principal.credentials_exposure",
    }
    assert list(found["principal.privilege_escalation"]["method_ids"]) == ["iam-002"]
    assert set(found["principal.data_exfiltration"]["actions"]) == {"s3:GetObject"}
    assert set(found["principal.credentials_exposure"]["actions"]) == {"iam:CreateAccessKey"}


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(
            doc(
                {
                    "Sid": "DenyAllUsersNotUsingMFA",
                    "Effect": "Deny",
                    "NotAction": "iam:*",
                    "Resource": "*",
                    "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
                }
            ),
            id="test_policy_document_not_action_deny_gh_23",
        ),
        pytest.param(
            doc(
                {
                    "Sid": "VisualEditor0",
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "NotResource": "*",
                }
            ),
            id="test_statement_details_for_not_resource",
        ),
    ],
)
def test_cloudsplaining_policies_that_grant_nothing(document: dict[str, Any]) -> None:
    """salesforce/cloudsplaining test/scanning/test_policy_document.py::
    test_policy_document_not_action_deny_gh_23 (a Deny with NotAction allows nothing) and
    test/scanning/test_statement_detail.py::test_statement_details_for_not_resource (Allow
    s3:GetObject with NotResource "*" matches no resource): no unrestricted actions. Ours: no
    principal-level finding at all."""
    assert principal_findings(document) == {}


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(
            doc(
                {
                    "Sid": "VisualEditor0",
                    "Effect": "Allow",
                    "Action": ["*"],
                    "NotResource": ["arn:aws:s3:::HRBucket"],
                }
            ),
            id="test_statement_details_for_has_not_resource_with_allow",
        ),
        pytest.param(
            doc(grant("*"), {"Effect": "Deny", "Action": "aws-portal:*", "Resource": "*"}),
            id="test_policy_document_all_allowed_actions_deny",
        ),
    ],
)
def test_cloudsplaining_nearly_everything_is_admin(document: dict[str, Any]) -> None:
    """salesforce/cloudsplaining test/scanning/test_statement_detail.py::
    test_statement_details_for_has_not_resource_with_allow (Allow * except one bucket: AWS's
    own "very dangerous" example) and test_policy_document.py::
    test_policy_document_all_allowed_actions_deny (Allow *, Deny aws-portal:*: billing is
    denied, everything else allowed). Ours: the user is admin-equivalent (it can still write any
    IAM policy)."""
    assert "principal.admin_equivalent" in principal_findings(document)


def test_cloudsplaining_arn_plus_wildcard_is_unconstrained() -> None:
    """salesforce/cloudsplaining test/scanning/test_statement_detail.py::
    test_statement_with_arn_plus_wildcard: a Resource list holding one ARN and "*" has no
    resource constraint. Ours: s3:GetObject on [HRBucket, *] is data exfiltration."""
    document = doc(
        {
            "Sid": "VisualEditor0",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": ["arn:aws:s3:::HRBucket", "*"],
        }
    )
    assert exposed_actions(document, "principal.data_exfiltration") == {"s3:GetObject"}


def test_cloudsplaining_instance_profile_statement() -> None:
    """salesforce/cloudsplaining test/scanning/test_statement_detail.py::test_statement:
    instance-profile management with iam:PassRole and ec2:AssociateIamInstanceProfile on *.
    Cloudsplaining only lists the actions; under AWS semantics the holder can attach a more
    privileged role to an instance it controls and read its credentials. Ours: escalation via
    ec2-005."""
    actions = [
        "iam:CreateInstanceProfile",
        "iam:ListInstanceProfilesForRole",
        "iam:PassRole",
        "ec2:DescribeIamInstanceProfileAssociations",
        "iam:GetInstanceProfile",
        "ec2:DisassociateIamInstanceProfile",
        "ec2:AssociateIamInstanceProfile",
        "iam:AddRoleToInstanceProfile",
    ]
    assert "ec2-005" in escalation_methods(doc({"Sid": "VisualEditor0", **grant(actions)}))


SAGEMAKER_TAG_KEYS = ["aws:ResourceTag/SageMaker", "secretsmanager:ResourceTag/SageMaker"]


def _tag_gated_secrets(key: str, *, taggable: bool) -> dict[str, Any]:
    """Parliament's test_bad_tagging policies: GetSecretValue on * only for secrets tagged
    SageMaker=true (``key``), with (``taggable``) or without secretsmanager:TagResource on *."""
    gated = {
        **grant(["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]),
        "Condition": {"StringEquals": {key: "true"}},
    }
    if taggable:
        first = grant(
            [
                "secretsmanager:CreateSecret",
                "secretsmanager:DescribeSecret",
                "secretsmanager:ListSecrets",
                "secretsmanager:TagResource",
            ]
        )
        return doc(first, gated)
    return doc(
        grant(["secretsmanager:ListSecrets"]),
        grant(
            [
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetSecretValue",
                "secretsmanager:CreateSecret",
            ],
            ["arn:aws:secretsmanager:*:*:secret:AmazonSageMaker-*"],
        ),
        gated,
    )


@pytest.mark.parametrize(
    "key",
    [
        "aws:ResourceTag/SageMaker",
        "secretsmanager:ResourceTag/SageMaker",
    ],
)
def test_parliament_tag_gated_secrets_are_not_unrestricted(key: str) -> None:
    """duo-labs/parliament tests/unit/test_patterns.py, test_bad_tagging (commented out there:
    "never implemented"), second policy, asserted "Correct policy": GetSecretValue on * only
    when the secret carries SageMaker=true, and no way to tag secrets.

    AWS semantics: the grant reaches tagged secrets only, whether the condition names
    aws:ResourceTag/SageMaker or the service's own secretsmanager:ResourceTag/SageMaker (both
    listed for GetSecretValue in the Service Authorization Reference). Both are decided on an
    untagged resource (principals.py on_untagged_resources, effective.is_resource_tag_key);
    the service's own key used to be left out and the read reported as unrestricted."""
    found = principal_findings(_tag_gated_secrets(key, taggable=False))
    assert "principal.data_exfiltration" not in found


@pytest.mark.parametrize(
    "key",
    [
        "aws:ResourceTag/SageMaker",
        "secretsmanager:ResourceTag/SageMaker",
    ],
)
def test_parliament_tag_gate_the_holder_can_tag_itself(key: str) -> None:
    """duo-labs/parliament tests/unit/test_patterns.py, test_bad_tagging (commented out there),
    first policy, the original AmazonSageMakerFullAccess: asserted to have a finding ("Policy
    attempts to restrict by tags, but allows any tag to be added").

    Parliament's expectation is right under AWS semantics: with secretsmanager:TagResource on *
    and no aws:RequestTag / aws:TagKeys condition, the holder tags any secret SageMaker=true and
    then reads it, so GetSecretValue is unrestricted. The check asks whether the principal may
    tag any resource of the service (bot/audit/checks/principals.py _tags_anything) before
    counting a tag condition as a restriction, for either key."""
    found = principal_findings(_tag_gated_secrets(key, taggable=True))
    assert set(found.get("principal.data_exfiltration", {}).get("actions", ())) == {
        "secretsmanager:GetSecretValue"
    }


@pytest.mark.parametrize(
    "key",
    [
        "aws:ResourceTag/aws:secretsmanager:owningService",
        "secretsmanager:ResourceTag/aws:secretsmanager:owningService",
    ],
)
def test_a_tag_only_aws_sets_is_a_restriction_even_for_a_holder_who_tags(key: str) -> None:
    """The same taggable holder, its read kept to a tag AWS reserves: no caller can add a tag
    whose key starts with ``aws:`` (AWS Tagging Best Practices; Secrets Manager sets
    aws:secretsmanager:owningService on the secrets a service manages, and AWS managed policies
    such as AmazonLaunchWizardFullAccessV2 keep calls to ``aws:cloudformation:stack-id``), so
    secretsmanager:TagResource on * cannot open the other secrets."""
    found = principal_findings(_tag_gated_secrets(key, taggable=True))
    assert "principal.data_exfiltration" not in found


# =============================================================================================
# 3. Prowler
# =============================================================================================

# tests/.../iam_policy_allows_privilege_escalation_test.py
# privilege_escalation_policies_combination (name -> actions), all expected FAIL there.
PROWLER_COMBINATIONS: dict[str, set[str]] = {
    "CreatePolicyVersion": {"iam:CreatePolicyVersion"},
    "SetDefaultPolicyVersion": {"iam:SetDefaultPolicyVersion"},
    "PassRole+EC2": {"iam:PassRole", "ec2:RunInstances"},
    "PassRole+CreateLambda+Invoke": {
        "iam:PassRole",
        "lambda:CreateFunction",
        "lambda:InvokeFunction",
    },
    "PassRole+CreateLambda+ExistingDynamo": {
        "iam:PassRole",
        "lambda:CreateFunction",
        "lambda:CreateEventSourceMapping",
    },
    "PassRole+CreateLambda+NewDynamo": {
        "iam:PassRole",
        "lambda:CreateFunction",
        "lambda:CreateEventSourceMapping",
        "dynamodb:CreateTable",
        "dynamodb:PutItem",
    },
    "PassRole+GlueEndpoint": {"iam:PassRole", "glue:CreateDevEndpoint", "glue:GetDevEndpoint"},
    "PassRole+GlueEndpoints": {"iam:PassRole", "glue:CreateDevEndpoint", "glue:GetDevEndpoints"},
    "GlueUpdateDevEndpoint": {"glue:UpdateDevEndpoint"},
    "lambda:UpdateFunctionCode": {"lambda:UpdateFunctionCode"},
    "iam:CreateAccessKey": {"iam:CreateAccessKey"},
    "iam:CreateLoginProfile": {"iam:CreateLoginProfile"},
    "iam:UpdateLoginProfile": {"iam:UpdateLoginProfile"},
    "iam:AttachUserPolicy": {"iam:AttachUserPolicy"},
    "iam:AttachGroupPolicy": {"iam:AttachGroupPolicy"},
    "iam:AttachRolePolicy": {"iam:AttachRolePolicy"},
    "AssumeRole+AttachRolePolicy": {"sts:AssumeRole", "iam:AttachRolePolicy"},
    "iam:PutGroupPolicy": {"iam:PutGroupPolicy"},
    "iam:PutRolePolicy": {"iam:PutRolePolicy"},
    "AssumeRole+PutRolePolicy": {"sts:AssumeRole", "iam:PutRolePolicy"},
    "iam:PutUserPolicy": {"iam:PutUserPolicy"},
    "iam:AddUserToGroup": {"iam:AddUserToGroup"},
    "iam:UpdateAssumeRolePolicy": {"iam:UpdateAssumeRolePolicy"},
    "AssumeRole+UpdateAssumeRolePolicy": {"sts:AssumeRole", "iam:UpdateAssumeRolePolicy"},
}
# The same table's entries that are no escalation under AWS semantics.
PROWLER_NON_ESCALATIONS: dict[str, set[str]] = {
    # iam:PassRole alone hands a role to nothing: some service action must receive it.
    "iam:PassRole": {"iam:PassRole"},
    # Named PassRole+... but without iam:PassRole: a stack created without a service role runs
    # with the caller's own permissions.
    "PassRole+CloudFormation": {"cloudformation:CreateStack", "cloudformation:DescribeStacks"},
    # A pipeline's role and resource role must be passed (iam:PassRole) when its definition is
    # put: without it the pipeline runs as nothing more privileged.
    "PassRole+DataPipeline": {
        "datapipeline:CreatePipeline",
        "datapipeline:PutPipelineDefinition",
        "datapipeline:ActivatePipeline",
    },
}


@pytest.mark.parametrize("combination", list(PROWLER_COMBINATIONS))
def test_prowler_privilege_escalation_combinations(combination: str) -> None:
    """prowler-cloud/prowler tests/providers/aws/services/iam/
    iam_policy_allows_privilege_escalation/iam_policy_allows_privilege_escalation_test.py::
    test_iam_policy_allows_privilege_escalation_policies_combination: each combination on * is
    FAIL. Ours: principal.privilege_escalation reports the user holding it."""
    assert escalation_methods(doc(grant(sorted(PROWLER_COMBINATIONS[combination]))))


@pytest.mark.parametrize("combination", list(PROWLER_NON_ESCALATIONS))
def test_prowler_privilege_escalation_combinations_that_are_not(combination: str) -> None:
    """prowler-cloud/prowler iam_policy_allows_privilege_escalation_test.py
    privilege_escalation_policies_combination entries "iam:PassRole", "PassRole+CloudFormation"
    and "PassRole+DataPipeline" are expected FAIL there.

    Prowler is wrong: the first is iam:PassRole with no service to pass to; the other two lack
    iam:PassRole although named after it, so the stack or pipeline cannot run as another role.
    Ours reports no escalation (the account holds an admin role those services may assume)."""
    assert escalation_methods(doc(grant(sorted(PROWLER_NON_ESCALATIONS[combination])))) == []


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(
            doc(
                grant("sts:*"),
                {"Effect": "Deny", "Action": "sts:*", "Resource": "*"},
                {"Effect": "Deny", "NotAction": "sts:*", "Resource": "*"},
            ),
            id="test_iam_policy_not_allows_privilege_escalation",
        ),
        pytest.param(
            doc(
                grant("lambda:*"),
                {"Effect": "Deny", "Action": "lambda:InvokeFunction", "Resource": "*"},
                {"Effect": "Deny", "NotAction": "glue:GetDevEndpoints", "Resource": "*"},
            ),
            id="test_iam_policy_not_allows_privilege_escalation_glue_GetDevEndpoints",
        ),
        pytest.param(
            doc(
                grant(
                    [
                        "lambda:*",
                        "iam:PassRole",
                        "dynamodb:PutItem",
                        "cloudformation:CreateStack",
                        "cloudformation:DescribeStacks",
                        "ec2:RunInstances",
                    ]
                ),
                {
                    "Effect": "Deny",
                    "Action": ["lambda:InvokeFunction", "cloudformation:CreateStack"],
                    "Resource": "*",
                },
                {"Effect": "Deny", "NotAction": "dynamodb:PutItem", "Resource": "*"},
            ),
            id="test_iam_policy_not_allows_privilege_escalation_dynamodb_PutItem",
        ),
    ],
)
def test_prowler_privilege_escalation_denied_away(document: dict[str, Any]) -> None:
    """prowler-cloud/prowler iam_policy_allows_privilege_escalation_test.py (test id): Allows
    cancelled by Deny / Deny-NotAction statements in the same policy are PASS. Ours: no
    principal-level finding at all."""
    assert principal_findings(document) == {}


def test_prowler_privilege_escalation_iam_all_and_run_instances() -> None:
    """prowler-cloud/prowler iam_policy_allows_privilege_escalation_test.py::
    test_iam_policy_allows_privilege_escalation_iam_all_and_ec2_RunInstances: iam:* +
    ec2:RunInstances is FAIL (PassRole + RunInstances). Ours reports more: iam:* alone makes the
    user admin-equivalent (it can attach AdministratorAccess to itself)."""
    found = principal_findings(doc(grant(["iam:*"]), grant(["ec2:RunInstances"])))
    assert "principal.admin_equivalent" in found


def test_prowler_privilege_escalation_two_combinations() -> None:
    """prowler-cloud/prowler iam_policy_allows_privilege_escalation_test.py::
    test_iam_policy_allows_privilege_escalation_two_combinations: PassRole, RunInstances,
    CreateFunction and InvokeFunction in four statements: FAIL naming PassRole+EC2 and
    PassRole+Lambda. Ours: ec2-001 and lambda-001."""
    document = doc(
        grant(["iam:PassRole"]),
        grant(["ec2:RunInstances"]),
        grant(["lambda:CreateFunction"]),
        grant(["lambda:InvokeFunction"]),
    )
    assert set(escalation_methods(document)) == {"ec2-001", "lambda-001"}


def test_prowler_privilege_escalation_newer_cases() -> None:
    """prowler-cloud/prowler iam_policy_allows_privilege_escalation_test.py (current version):
    test_iam_policy_allows_privilege_escalation_iam_put (iam:Put* on *: FAIL),
    ..._over_permissive_policy (s3/ec2/ecr/iam/rds/dynamodb/route53/sns/sqs :*: FAIL) and
    test_iam_policy_not_allows_privilege_escalation_custom_policy (es reads on *, es:* on one
    domain: PASS). Ours: iam:Put* escalates (PutUserPolicy on itself, iam-007, among others);
    the over-permissive policy makes the user admin-equivalent (iam:*); the es policy gives no
    principal-level finding."""
    assert "iam-007" in escalation_methods(doc({"Sid": "Statement01", **grant(["iam:Put*"])}))
    services = ["s3", "ec2", "ecr", "iam", "rds", "dynamodb", "route53", "sns", "sqs"]
    over = doc({"Sid": "Statement01", **grant([f"{s}:*" for s in services])})
    assert "principal.admin_equivalent" in principal_findings(over)
    es = doc(
        {"Sid": "", **grant(["es:List*", "es:Get*", "es:Describe*"])},
        {"Sid": "", **grant("es:*", f"arn:aws:es:us-east-1:{ACCOUNT_ID}:domain/test/*")},
    )
    assert principal_findings(es) == {}


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param([], id="test_iam_policy_allows_privilege_escalation_iam_PassRole"),
        pytest.param(
            [grant("account:GetAccountInformation")],
            id="test_iam_policy_allows_privilege_escalation_iam_PassRole_and_other_actions",
        ),
    ],
)
def test_prowler_passrole_on_one_role_alone(extra: list[dict[str, Any]]) -> None:
    """prowler-cloud/prowler iam_policy_allows_privilege_escalation_test.py (test id):
    iam:PassRole on arn:aws:iam::123456789012:role/ecs (with or without an unrelated read)
    is FAIL there.

    Prowler is wrong: PassRole only authorizes handing the role to a service during another
    call (RunInstances, CreateFunction...); with no such action the holder can do nothing with
    it. Ours: no escalation, even with role ecs being an administrator ECS tasks may assume."""
    document = doc(grant("iam:PassRole", f"arn:aws:iam::{ACCOUNT_ID}:role/ecs"), *extra)
    snap = snapshot(
        users=[user("dev", inline_policies=[inline("p", document)])],
        roles=[_admin_target("ecs", ["ecs-tasks.amazonaws.com"])],
        policies=[ADMIN],
    )
    assert run_check("principal.privilege_escalation", snap) == []


# --- policy.full_access_sensitive (iam_policy_no_full_access_to_kms / cloudtrail) -------------


def full_access_grants(document: dict[str, Any]) -> set[str]:
    """What policy.full_access_sensitive says a customer-managed policy (attached to a user)
    grants in full: {"kms:*", "cloudtrail:*", "aws-marketplace:Subscribe"}."""
    policy = managed_policy("p", document)
    snap = snapshot(users=[user("dev", attached_policies=[policy.arn])], policies=[policy])
    grants: set[str] = set()
    for finding in run_check("policy.full_access_sensitive", snap):
        assert finding.resource_arn == policy.arn
        for statement in finding.evidence["statements"]:
            grants |= set(statement["grants"])
    return grants


@pytest.mark.parametrize(
    ("document", "service", "full"),
    [
        pytest.param(doc(grant("kms:*")), "kms:*", True, id="kms-test_policy_full_access"),
        pytest.param(doc(grant("kms:**")), "kms:*", True, id="kms-with_double_start"),
        pytest.param(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "\u0041llow", "Action": "km\u0073:*", "Resource": "*"}],
            },
            "kms:*",
            True,
            id="kms-with_unicode",
        ),
        pytest.param(doc(grant("ec2:*")), "kms:*", False, id="kms-test_policy_no_full_access"),
        pytest.param(doc(grant(["ec2:*", "kms:*"])), "kms:*", True, id="kms-test_policy_mixed"),
        pytest.param(
            doc({"Effect": "Allow", "NotAction": ["ec2:*", "s3:*"], "Resource": "*"}),
            "kms:*",
            True,
            id="kms-through_no_actions",
        ),
        pytest.param(
            doc(grant(["kms:*"], "arn:aws:kms:us-east-1:123456789012:alias/dev-key")),
            "kms:*",
            False,
            id="kms-full_access_to_limited_kms_key",
        ),
        pytest.param(
            doc({"Effect": "Allow", "NotAction": ["kms:*"], "Resource": "*"}),
            "kms:*",
            False,
            id="kms-no_full_access_through_no_actions",
        ),
        pytest.param(doc(grant("cloudtrail:*")), "cloudtrail:*", True, id="cloudtrail-full"),
        pytest.param(doc(grant("ec2:*")), "cloudtrail:*", False, id="cloudtrail-no_full"),
        pytest.param(
            doc(grant(["ec2:*", "cloudtrail:*"])), "cloudtrail:*", True, id="cloudtrail-mixed"
        ),
    ],
)
def test_prowler_no_full_access_to_kms_and_cloudtrail(
    document: dict[str, Any], service: str, full: bool
) -> None:
    """prowler-cloud/prowler tests/providers/aws/services/iam/iam_policy_no_full_access_to_kms/
    iam_policy_no_full_access_to_kms_test.py and iam_policy_no_full_access_to_cloudtrail/
    iam_policy_no_full_access_to_cloudtrail_test.py (test named in the id): FAIL when the
    policy allows kms:* / cloudtrail:* on *, including through NotAction and `**`, PASS for
    another service, for kms:* on one alias, and for NotAction kms:*. Ours:
    policy.full_access_sensitive names the service exactly then."""
    assert (service in full_access_grants(document)) is full


# --- policy.passrole_star (iam_no_custom_policy_permissive_role_assumption) -----------------


def passrole_star_grants(document: dict[str, Any]) -> set[str]:
    policy = managed_policy("p", document)
    snap = snapshot(users=[user("dev", attached_policies=[policy.arn])], policies=[policy])
    return {
        g
        for finding in run_check("policy.passrole_star", snap)
        for statement in finding.evidence["statements"]
        for g in statement["grants"]
    }


@pytest.mark.parametrize(
    ("document", "flagged"),
    [
        pytest.param(doc(grant("sts:*")), True, id="test_policy_allows_..._wildcard"),
        pytest.param(doc(grant("sts:AssumeRole")), True, id="test_policy_allows_..._no_wilcard"),
        pytest.param(
            doc(grant("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT_ID}:user/JohnDoe")),
            False,
            id="test_policy_assume_role_not_allow_permissive_role_assumption",
        ),
        pytest.param(
            doc(grant("logs:CreateLogGroup")),
            False,
            id="test_policy_not_allow_permissive_role_assumption",
        ),
        pytest.param(doc(grant("logs:*")), False, id="test_policy_permissive_and_not_permissive"),
        pytest.param(
            doc(grant("sts:AssumeRole", [f"arn:aws:iam::{ACCOUNT_ID}:role/SomeRole", "*"])),
            True,
            id="test_policy_resource_list_containing_wildcard",
        ),
    ],
)
def test_prowler_permissive_role_assumption(document: dict[str, Any], flagged: bool) -> None:
    """prowler-cloud/prowler tests/providers/aws/services/iam/
    iam_no_custom_policy_permissive_role_assumption/..._test.py (test named in the id):
    sts:* or sts:AssumeRole on * (alone or in a list) is FAIL; on a user ARN or for other
    services PASS. Ours: policy.passrole_star names sts:AssumeRole exactly then."""
    assert ("sts:AssumeRole" in passrole_star_grants(document)) is flagged


@pytest.mark.parametrize(
    "resource",
    [
        pytest.param("arn:aws:iam::*:role/eks-terraform-*", id="embedded_wildcard_in_arn"),
        pytest.param(
            ["arn:aws:iam::123456789012:role/eks-admin", "arn:aws:iam::*:role/eks-*"],
            id="resource_list_with_arn_wildcards",
        ),
        pytest.param(
            ["arn:aws:iam::*:role/team-*", "arn:aws:iam::*:role/dev-*"],
            id="resource_list_with_only_wildcarded_arns",
        ),
    ],
)
def test_prowler_permissive_role_assumption_name_prefixes(resource: str | list[str]) -> None:
    """prowler-cloud/prowler iam_no_custom_policy_permissive_role_assumption_test.py::
    test_policy_resource_with_embedded_wildcard_in_arn / ..._list_with_arn_wildcards_should_fail /
    ..._list_with_only_wildcarded_arns_should_fail: any wildcard in the role ARN is FAIL there.

    A deliberate difference, not a bug on either side: a name prefix (eks-terraform-*) is a
    resource constraint, and policy.passrole_star is about *every* role ("Resource `*`",
    checks.md). Ours does not report these."""
    assert passrole_star_grants(doc(grant("sts:AssumeRole", resource))) == set()


@pytest.mark.parametrize(
    "resource",
    ["arn:aws:iam::*:role/*", f"arn:aws:iam::{ACCOUNT_ID}:role/*"],
)
def test_prowler_permissive_role_assumption_every_role_pattern(resource: str) -> None:
    """prowler-cloud/prowler iam_no_custom_policy_permissive_role_assumption_test.py: wildcard
    role ARNs are FAIL there (see above). The all-role pattern is the case where Prowler is
    plainly right: sts:AssumeRole's only resource type is role (Service Authorization
    Reference), so Resource arn:aws:iam::*:role/* (or every role of the account) grants exactly
    what Resource "*" grants: any role whose trust policy admits the caller. Ours reports it
    like "*" (bot/audit/checks/policies.py _covers_every_resource; it used to read only a
    literal "*")."""
    assert passrole_star_grants(doc(grant("sts:AssumeRole", resource))) == {"sts:AssumeRole"}


# --- role.trust_confused_deputy (iam_role_cross_service_confused_deputy_prevention) -----------


def service_trust_2008(service: str | list[str], condition: dict[str, Any] | None = None):
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    return {"Version": "2008-10-17", "Statement": [statement]}


def confused_deputy_services(trust: dict[str, Any], **role_kwargs: Any) -> set[str]:
    snap = snapshot(roles=[role("test", trust=trust, **role_kwargs)])
    return {
        s for f in run_check("role.trust_confused_deputy", snap) for s in f.evidence["services"]
    }


@pytest.mark.parametrize(
    ("trust", "flagged"),
    [
        pytest.param(
            service_trust_2008(
                "workspaces.amazonaws.com", {"StringEquals": {"aws:SourceAccount": [ACCOUNT_ID]}}
            ),
            set(),
            id="test_iam_service_role_with_cross_service_confused_deputy_prevention",
        ),
        pytest.param(
            service_trust_2008(
                "workspaces.amazonaws.com", {"StringLike": {"aws:SourceAccount": [ACCOUNT_ID]}}
            ),
            set(),
            id="..._prevention_stringlike",
        ),
        pytest.param(
            service_trust_2008(["scheduler.amazonaws.com", "events.amazonaws.com"]),
            {"scheduler.amazonaws.com", "events.amazonaws.com"},
            id="..._prevention_service_list",
        ),
    ],
)
def test_prowler_confused_deputy(trust: dict[str, Any], flagged: set[str]) -> None:
    """prowler-cloud/prowler tests/providers/aws/services/iam/
    iam_role_cross_service_confused_deputy_prevention/..._test.py (test named in the id):
    aws:SourceAccount with StringEquals or StringLike is PASS; two service principals with no
    condition FAIL. Ours: role.trust_confused_deputy names the unguarded services."""
    assert confused_deputy_services(trust) == flagged


def test_prowler_confused_deputy_resource_account_is_no_guard() -> None:
    """prowler-cloud/prowler iam_role_cross_service_confused_deputy_prevention_test.py::
    test_iam_service_role_with_cross_service_confused_deputy_prevention_ResourceAccount:
    StringLike aws:ResourceAccount = own account is PASS there.

    Prowler is wrong: in a trust policy the resource is the role itself, so aws:ResourceAccount
    is always the role's own account and the condition holds for every caller, another
    customer's WorkSpaces request included. AWS's confused-deputy guidance names aws:SourceArn,
    aws:SourceAccount (and SourceOrgID / SourceOrgPaths). Ours reports the role."""
    trust = service_trust_2008(
        "workspaces.amazonaws.com", {"StringLike": {"aws:ResourceAccount": [ACCOUNT_ID]}}
    )
    assert confused_deputy_services(trust) == {"workspaces.amazonaws.com"}


def test_prowler_confused_deputy_principal_account_is_not_a_source_key() -> None:
    """prowler-cloud/prowler iam_role_cross_service_confused_deputy_prevention_test.py::
    test_iam_service_role_with_cross_service_confused_deputy_prevention_PrincipalAccount:
    StringLike aws:PrincipalAccount is PASS there. aws:PrincipalAccount describes the caller
    (here the service principal), not the resource on whose behalf the service acts, so it is
    not one of the keys AWS's confused-deputy guidance names. Ours keeps reporting the role
    (a difference in what counts as the guard; the source keys are the documented ones)."""
    trust = service_trust_2008(
        "workspaces.amazonaws.com", {"StringLike": {"aws:PrincipalAccount": [ACCOUNT_ID]}}
    )
    assert confused_deputy_services(trust) == {"workspaces.amazonaws.com"}


def test_prowler_confused_deputy_ec2_and_service_linked_roles() -> None:
    """prowler-cloud/prowler iam_role_cross_service_confused_deputy_prevention_test.py::
    test_iam_service_role_without_cross_service_confused_deputy_prevention (ec2.amazonaws.com,
    no condition: FAIL) and test_only_aws_service_linked_roles (no result).

    The EC2 case is a deliberate difference (checks.md, roles.py PASS_ROLE_ONLY_SERVICES): an
    instance role reaches EC2 only through iam:PassRole from the same account, so no other
    customer can make EC2 use it; ours does not report it. Service-linked roles are excluded
    by both."""
    assert confused_deputy_services(service_trust_2008("ec2.amazonaws.com")) == set()
    slr = service_trust_2008("ec2.amazonaws.com")
    assert confused_deputy_services(slr, path="/aws-service-role/guardduty.amazonaws.com/") == set()
    # The same statement naming a service that acts for other customers is reported.
    assert confused_deputy_services(service_trust_2008("workspaces.amazonaws.com")) == {
        "workspaces.amazonaws.com"
    }


# --- AWS-managed administrator policy attached ------------------------------------------------


def test_prowler_aws_attached_policy_no_administrative_privileges() -> None:
    """prowler-cloud/prowler tests/providers/aws/services/iam/
    iam_aws_attached_policy_no_administrative_privileges/..._test.py: AdministratorAccess
    attached is FAIL, an attached AWS policy without `*:*` PASS, unattached AWS policies are not
    reported. Ours: policy.admin_star reports the attached AdministratorAccess document and
    identity.aws_admin_attached the role holding it; neither reports ReadOnlyAccess or an
    unattached AdministratorAccess."""
    read_only = managed_policy(
        "ReadOnlyAccess", allow(["s3:Get*", "ec2:Describe*"]), aws_managed=True
    )
    attached = snapshot(
        roles=[
            role("r", attached_policies=[ADMIN.arn]),
            role("ro", attached_policies=[read_only.arn]),
        ],
        policies=[ADMIN, read_only],
    )
    assert [f.resource_arn for f in run_check("policy.admin_star", attached)] == [ADMIN.arn]
    assert [f.resource_arn for f in run_check("identity.aws_admin_attached", attached)] == [
        role("r").arn
    ]
    unattached = snapshot(
        policies=[
            managed_policy("AdministratorAccess", allow("*"), aws_managed=True, attachment_count=0)
        ]
    )
    assert run_check("policy.admin_star", unattached) == []
    assert run_check("identity.aws_admin_attached", unattached) == []
