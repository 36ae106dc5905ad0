"""The audit judges the calls a principal makes itself (bot.iam.effective.principal_facts).

kms:ViaService is set only when an AWS service calls KMS on the principal's behalf, and
kms:GrantIsForAWSResource is true only when an integrated service creates, lists or revokes the
grant (AWS KMS Developer Guide, "AWS KMS condition keys"). A kms:Decrypt kept to such requests
decrypts only what the service's own calls return (their own permissions are judged by
themselves), so it is no unrestricted decrypt; the statements below are the guide's own
examples, written as identity policies. iam:RoleTemplateARN is set only on the IAM writes
iam:AcquireRole makes from an AWS role template, whose trust and policies the template fixes.
"""

from __future__ import annotations

from tests.factories import (
    ACCOUNT_ID,
    allow,
    inline,
    policy_document,
    run_check,
    snapshot,
    statement,
    user,
    user_arn,
)

# The guide's kms:ViaService example: encrypt and decrypt only through EC2 or RDS in us-west-2.
VIA_EC2_OR_RDS = {
    "StringEquals": {
        "kms:ViaService": ["ec2.us-west-2.amazonaws.com", "rds.us-west-2.amazonaws.com"]
    }
}
# The guide's kms:GrantIsForAWSResource example.
GRANT_FOR_AWS_RESOURCE = {"Bool": {"kms:GrantIsForAWSResource": True}}


def _user(name, document):
    return user(name, inline_policies=[inline("p", document)])


def _flagged(check_id, *users):
    return {f.resource_arn for f in run_check(check_id, snapshot(users=list(users)))}


def test_decrypt_only_through_a_service_is_not_data_exfiltration():
    flagged = _flagged(
        "principal.data_exfiltration",
        _user("via-service", allow(["kms:Encrypt", "kms:Decrypt"], condition=VIA_EC2_OR_RDS)),
        _user("direct", allow(["kms:Encrypt", "kms:Decrypt"])),
    )
    assert flagged == {user_arn("direct")}


def test_the_service_keeps_its_own_reads_reported():
    """kms:Decrypt through S3 goes; s3:GetObject on every bucket, which S3 decrypts for, stays."""
    document = policy_document(
        statement(
            action="kms:Decrypt",
            condition={"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}},
        ),
        statement(action="s3:GetObject"),
    )
    findings = run_check("principal.data_exfiltration", snapshot(users=[_user("reader", document)]))
    assert [f.evidence["actions"] for f in findings] == [["s3:GetObject"]]


def test_grants_only_for_aws_resources_are_not_resource_exposure():
    flagged = _flagged(
        "principal.resource_exposure",
        _user(
            "for-services",
            allow(
                ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                condition=GRANT_FOR_AWS_RESOURCE,
            ),
        ),
        _user("any-grant", allow("kms:CreateGrant")),
    )
    assert flagged == {user_arn("any-grant")}


def test_a_deny_of_direct_calls_now_applies():
    """A Deny unless the call comes through a service used to read as avoidable (the caller
    picks the service); for the principal's own calls the key is absent and the Deny holds."""
    document = policy_document(
        statement(action="kms:Decrypt"),
        statement(
            effect="Deny",
            action="kms:Decrypt",
            condition={"Null": {"kms:ViaService": "true"}},
        ),
    )
    assert _flagged("principal.data_exfiltration", _user("service-only", document)) == set()


def test_a_deny_of_one_service_leaves_direct_calls_allowed():
    """The guide's Deny of Encrypt through Lambda, here on Decrypt: a direct call is not through
    Lambda, so the Allow on every key still reads them all."""
    document = policy_document(
        statement(action="kms:Decrypt"),
        statement(
            effect="Deny",
            action="kms:Decrypt",
            condition={"StringEquals": {"kms:ViaService": ["lambda.us-west-2.amazonaws.com"]}},
        ),
    )
    assert _flagged("principal.data_exfiltration", _user("not-lambda", document)) == {
        user_arn("not-lambda")
    }


def test_reads_through_another_service_stay_reported():
    """aws:CalledVia is not read this way: S3 objects read through Athena are still read (the
    query returns them), so an s3:GetObject kept to Athena stays unrestricted."""
    document = allow(
        "s3:GetObject",
        condition={"ForAnyValue:StringEquals": {"aws:CalledVia": ["athena.amazonaws.com"]}},
    )
    assert _flagged("principal.data_exfiltration", _user("athena", document)) == {
        user_arn("athena")
    }


def test_roles_made_only_from_an_aws_template_are_no_escalation():
    """AWS's AWSCloudWatchOmniServiceRolePolicy lets CreateRole and AttachRolePolicy through
    only with iam:RoleTemplateARN naming CloudWatch's template: the role AcquireRole makes
    trusts and holds what the template says, so the holder cannot write itself into its trust
    or attach AdministratorAccess. The same grant without the condition can (iam-009b)."""
    grant = {
        "action": ["iam:CreateRole", "iam:AttachRolePolicy"],
        "resource": f"arn:aws:iam::{ACCOUNT_ID}:role/service-role/CloudWatchOmniAWSIntegration*",
    }
    template = (
        "arn:aws:iam::aws:role-template/cloudwatch.amazonaws.com/"
        "CloudWatchOmniAWSIntegrationForOrgRoleTemplate:1"
    )
    flagged = _flagged(
        "principal.privilege_escalation",
        _user(
            "from-template",
            policy_document(
                statement(**grant, condition={"ArnEquals": {"iam:RoleTemplateARN": template}})
            ),
        ),
        _user("free-hand", policy_document(statement(**grant))),
    )
    assert flagged == {user_arn("free-hand")}


def test_decrypt_only_on_calls_a_service_forwards_is_not_data_exfiltration():
    """AWS's AgentRegistryFullAccess keeps kms:Decrypt to calls Bedrock AgentCore forwards
    (aws:CalledVia): like kms:ViaService, KMS then works only inside that service's operations.
    The same key on s3:GetObject stays the caller's choice (the Athena test above)."""
    forwarded = {"ForAnyValue:StringEquals": {"aws:CalledVia": "bedrock-agentcore.amazonaws.com"}}
    document = policy_document(
        statement(action="kms:Decrypt", resource="arn:aws:kms:*:*:key/*", condition=forwarded),
        statement(action="s3:GetObject", condition=forwarded),
    )
    findings = run_check("principal.data_exfiltration", snapshot(users=[_user("agent", document)]))
    assert [f.evidence["actions"] for f in findings] == [["s3:GetObject"]]
