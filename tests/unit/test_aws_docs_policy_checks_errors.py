"""IAM Access Analyzer's errors, one row per check of the reference (IAM User Guide, "IAM
policy validation check reference", access-analyzer-reference-policy-checks.html): the smallest
policy the check describes (its example where the page gives one) and the iam-audit code that
reports it, at least MEDIUM (an error). Rows that are a correct policy the page shows must
stay quiet. Checks the linter does not make yet are strict xfails naming the change.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.iam.catalogue import ActionCatalogue, default_catalogue
from bot.model.severity import Severity
from tests.policy_check_support import (
    BUCKET,
    OBJECTS,
    doc,
    get_object,
    lint,
    only,
)

TRUST_ANCHOR = "arn:aws:rolesanywhere:us-east-1:111122223333:trust-anchor/ta"
DISTRIBUTION = "arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE"


@pytest.fixture(scope="module")
def catalogue() -> ActionCatalogue:
    return default_catalogue()


def bucket_grant(**extra: Any) -> dict[str, Any]:
    return get_object(**{"Principal": {"AWS": "111122223333"}, **extra})


def trust(principal: Any, action: Any = "sts:AssumeRole", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": action, **extra}


# Source: REFERENCE, one "Error - <title>" section per row (the id is the title).
ERRORS = [
    pytest.param(
        doc(get_object(Resource="arn:aws:s3::111122223333:amzn-s3-demo-bucket/*")),
        "identity",
        None,
        "INVALID_ARN",
        "account_not_allowed",
        id="ARN account not allowed",
    ),
    pytest.param(
        doc(
            {
                "Effect": "Allow",
                "Action": "iam:GetRole",
                "Resource": "arn:aws:iam:us-east-1:111122223333:role/r",
            }
        ),
        "identity",
        None,
        "INVALID_ARN",
        "region_not_allowed",
        id="ARN Region not allowed",
    ),
    pytest.param(
        doc({"Effect": 1, "Action": "s3:GetObject", "Resource": OBJECTS}),
        "identity",
        None,
        "MALFORMED",
        None,
        id="Data type mismatch",
    ),
    pytest.param(
        doc(
            {
                "Effect": "Allow",
                "Action": "ec2:StartInstances",
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"aws:PrincipalTag/team": "a", "aws:principaltag/TEAM": "b"}
                },
            }
        ),
        "identity",
        None,
        "CONDITION_KEY_CASE",
        None,
        id="Duplicate keys with different case",
    ),
    pytest.param(
        doc(get_object(Action="s3:GetObjects")),
        "identity",
        None,
        "UNKNOWN_ACTION",
        None,
        id="Invalid action",
    ),
    pytest.param(
        doc(
            {
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": "arn:aws:sqs:us-east-1:12345:q",
            }
        ),
        "identity",
        None,
        "INVALID_ARN",
        "account",
        id="Invalid ARN account",
    ),
    pytest.param(
        doc(get_object(Resource="aws:s3:::amzn-s3-demo-bucket/*")),
        "identity",
        None,
        "MALFORMED",
        None,
        id="Invalid ARN prefix",
    ),
    pytest.param(
        doc(
            {
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": "arn:aws:sqs:us-esat-1:111122223333:q",
            }
        ),
        "identity",
        None,
        "INVALID_ARN",
        "region",
        id="Invalid ARN Region",
    ),
    pytest.param(
        doc(
            {
                "Effect": "Allow",
                "Action": "cloudformation:CreateChangeSet",
                "Resource": "arn:aws:cloudformation:us-east-1:111122223333:stak/app/*",
            }
        ),
        "identity",
        None,
        "INVALID_ARN",
        "resource",
        id="Invalid ARN resource",
    ),
    pytest.param(
        doc(get_object(Resource="arn:aws:S3:::amzn-s3-demo-bucket/*")),
        "identity",
        None,
        "INVALID_ARN",
        "service_case",
        id="Invalid ARN service case",
    ),
    pytest.param(
        doc(get_object(Condition={"StringEquals": {"awsusername": "jane"}})),
        "identity",
        None,
        "UNKNOWN_CONDITION_KEY",
        None,
        id="Invalid condition key format",
    ),
    pytest.param(
        doc(get_object(Condition={"Bool": {"aws:SecureTransport": ["true", "false"]}})),
        "identity",
        None,
        "CONDITION_MULTIPLE_BOOLEAN",
        None,
        id="Invalid condition multiple Boolean",
    ),
    pytest.param(
        doc(get_object(Condition={"StringEqualz": {"aws:username": "jane"}})),
        "identity",
        None,
        "MALFORMED",
        None,
        id="Invalid condition operator",
    ),
    pytest.param(
        doc({"Effect": "Permit", "Action": "s3:GetObject", "Resource": OBJECTS}),
        "identity",
        None,
        "MALFORMED",
        None,
        id="Invalid effect",
    ),
    pytest.param(
        doc(get_object(Condition={"StringEquals": {"aws:UserName2": "jane"}})),
        "identity",
        None,
        "UNKNOWN_CONDITION_KEY",
        None,
        id="Invalid global condition key",
    ),
    pytest.param(
        doc(get_object(Resource="arn:aws-foo:s3:::amzn-s3-demo-bucket/*")),
        "identity",
        None,
        "INVALID_ARN",
        "partition",
        id="Invalid partition",
    ),
    pytest.param(
        doc(get_object(Actions="s3:PutObject")),
        "identity",
        None,
        "MALFORMED",
        None,
        id="Invalid policy element",
    ),
    pytest.param(
        doc(get_object(Principal=["111122223333"])),
        "resource",
        None,
        "MALFORMED",
        None,
        id="Invalid principal format",
    ),
    pytest.param(
        doc(get_object(Principal={"Users": "111122223333"})),
        "resource",
        None,
        "MALFORMED",
        None,
        id="Invalid principal key",
    ),
    pytest.param(
        doc(get_object(Condition={"StringEquals": {"aws:RequestedRegion": "us-east-9"}})),
        "identity",
        None,
        "CONDITION_VALUE",
        None,
        id="Invalid Region",
    ),
    pytest.param(
        doc(get_object(Action="evidently:GetFeature")),
        "identity",
        None,
        "UNKNOWN_SERVICE",
        None,
        id="Invalid service in action",
    ),
    pytest.param(
        doc(get_object(Condition={"StringEquals": {"s3:no-such-key": "x"}})),
        "identity",
        None,
        "UNKNOWN_CONDITION_KEY",
        None,
        id="Invalid service condition key",
    ),
    pytest.param(
        doc(get_object(Condition={"NumericEquals": {"aws:MultiFactorAuthAge": "${aws:username}"}})),
        "identity",
        None,
        "INVALID_POLICY_VARIABLE",
        None,
        id="Invalid variable for operator",
    ),
    pytest.param(
        doc(get_object(), version="2012-10-18"),
        "identity",
        None,
        "MALFORMED",
        None,
        id="Invalid version",
    ),
    pytest.param(
        '{"Version": "2012-10-17", "Statement": [}',
        "identity",
        None,
        "MALFORMED",
        None,
        id="Json syntax error",
    ),
    pytest.param(
        doc({"Effect": "Allow", "Resource": OBJECTS}),
        "identity",
        None,
        "MALFORMED",
        None,
        id="Missing action",
    ),
    pytest.param(
        doc(get_object(Resource="arn:aws:s3")),
        "identity",
        None,
        "INVALID_ARN",
        "missing_field",
        id="Missing ARN field",
    ),
    # The resource field empty: every field is there, one names nothing.
    pytest.param(
        doc(get_object(Resource="arn:aws:s3:::")),
        "identity",
        None,
        "INVALID_ARN",
        "missing_field",
        id="Missing ARN field (empty resource)",
    ),
    pytest.param(
        doc(
            {
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": "arn:aws:sqs::111122223333:q",
            }
        ),
        "identity",
        None,
        "INVALID_ARN",
        "missing_region",
        id="Missing ARN Region",
    ),
    pytest.param(
        doc({"Action": "s3:GetObject", "Resource": OBJECTS}),
        "identity",
        None,
        "MALFORMED",
        None,
        id="Missing effect",
    ),
    pytest.param(
        doc(get_object()),
        "resource",
        None,
        "MALFORMED",
        None,
        id="Missing principal",
    ),
    pytest.param(
        doc(
            {
                "Effect": "Allow",
                "Action": "ec2:CreateTags",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:TagKeys": ["team", "cost-center"]}},
            }
        ),
        "identity",
        None,
        "CONDITION_TYPE_MISMATCH",
        None,
        id="Missing qualifier",
    ),
    pytest.param(
        doc({"Effect": "Allow", "Action": "s3:GetObject"}),
        "identity",
        None,
        "MALFORMED",
        None,
        id="Missing resource",
    ),
    pytest.param(
        {"Version": "2012-10-17"},
        "identity",
        None,
        "MALFORMED",
        None,
        id="Missing statement",
    ),
    pytest.param(
        doc(get_object(Condition={"NullIfExists": {"aws:username": "true"}})),
        "identity",
        None,
        "MALFORMED",
        None,
        id="Null with if exists",
    ),
    pytest.param(
        doc({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}),
        "scp",
        None,
        "MALFORMED",
        None,
        id="SCP syntax error principal",
    ),
    pytest.param(
        doc(get_object(Sid="Same"), get_object(Sid="Same", Action="s3:PutObject")),
        "identity",
        None,
        "DUPLICATE_SID",
        None,
        id="Unique Sids required",
    ),
    pytest.param(
        doc(bucket_grant(Action="kms:Decrypt")),
        "resource",
        "AWS::S3::Bucket",
        "UNSUPPORTED_FOR_RESOURCE_TYPE",
        "action",
        id="Unsupported action in policy",
    ),
    pytest.param(
        doc(
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "NotAction": "s3:PutObject",
                "Resource": "*",
            }
        ),
        "identity",
        None,
        "MALFORMED",
        None,
        id="Unsupported element combination",
    ),
    pytest.param(
        doc(
            get_object(Condition={"ArnEquals": {"aws:ARN": "arn:aws:iam::111122223333:user/jane"}})
        ),
        "identity",
        None,
        "UNKNOWN_CONDITION_KEY",
        None,
        id="Unsupported global condition key",
    ),
    pytest.param(
        doc(get_object(Principal={"AWS": "111122223333"})),
        "identity",
        None,
        "MALFORMED",
        None,
        id="Unsupported principal",
    ),
    pytest.param(
        doc(
            bucket_grant(
                Resource="arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
            )
        ),
        "resource",
        "AWS::S3::Bucket",
        "UNSUPPORTED_FOR_RESOURCE_TYPE",
        "resource",
        id="Unsupported resource ARN in policy",
    ),
    pytest.param(
        doc(get_object(Sid="read-objects")),
        "identity",
        None,
        "INVALID_SID",
        None,
        id="Unsupported Sid",
    ),
    pytest.param(
        doc(get_object(Principal={"AWS": "arn:aws:iam::111122223333:user/*"})),
        "resource",
        None,
        "INVALID_PRINCIPAL",
        "wildcard",
        id="Unsupported wildcard in principal",
    ),
    pytest.param(
        doc(get_object(Resource="arn:aws:s3:::amzn-s3-demo-bucket/${aws:username")),
        "identity",
        None,
        "INVALID_POLICY_VARIABLE",
        None,
        id="Missing brace in variable",
    ),
    pytest.param(
        doc(
            get_object(
                Resource="arn:aws:s3:::amzn-s3-demo-bucket-${aws:PrincipalTag/team, company-wide}"
            )
        ),
        "identity",
        None,
        "INVALID_POLICY_VARIABLE",
        None,
        id="Missing quote in variable",
    ),
    pytest.param(
        doc(get_object(Resource="arn:aws:s3:::amzn-s3-demo-bucket/${aws: username}")),
        "identity",
        None,
        "INVALID_POLICY_VARIABLE",
        None,
        id="Unsupported space in variable",
    ),
    pytest.param(
        doc(get_object(Resource="arn:aws:s3:::amzn-s3-demo-bucket/${}")),
        "identity",
        None,
        "INVALID_POLICY_VARIABLE",
        None,
        id="Empty variable",
    ),
    pytest.param(
        doc(get_object(Action="s3:${aws:username}")),
        "identity",
        None,
        "INVALID_POLICY_VARIABLE",
        None,
        id="Variable unsupported in element",
    ),
    pytest.param(
        doc(
            get_object(Resource="arn:aws:s3:::amzn-s3-demo-bucket/${aws:username}/*"),
            version="2008-10-17",
        ),
        "identity",
        None,
        "INVALID_POLICY_VARIABLE",
        None,
        id="Variable unsupported in version",
    ),
    pytest.param(
        doc(get_object(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})),
        "identity",
        None,
        "PRIVATE_SOURCE_IP",
        None,
        id="Private IP address",
    ),
    pytest.param(
        doc(
            get_object(
                Effect="Deny", Condition={"NotIpAddress": {"aws:SourceIp": "192.168.0.0/16"}}
            )
        ),
        "identity",
        None,
        "PRIVATE_SOURCE_IP",
        None,
        id="Private NotIpAddress",
    ),
    pytest.param(
        doc(
            {
                "Effect": "Deny",
                "Action": "s3:GetObject",
                "Resource": [f"arn:aws:s3:::bucket-{i:05d}/*" for i in range(200)],
            }
        ),
        "scp",
        None,
        "POLICY_SIZE",
        None,
        id="Policy size exceeds SCP quota",
    ),
    pytest.param(
        doc(
            {
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:ViaService": "s3.amazonaws.com"}},
            }
        ),
        "identity",
        None,
        "CONDITION_VALUE",
        "service_principal",
        id="Invalid service principal format",
    ),
    pytest.param(
        doc(get_object(Condition={"StringEquals": {"aws:ResourceTag": "JaneDoe"}})),
        "identity",
        None,
        "UNKNOWN_CONDITION_KEY",
        None,
        id="Missing tag key in condition",
    ),
    pytest.param(
        doc(
            bucket_grant(
                Principal={
                    "Federated": "arn:aws:iam::111122223333:saml-provider/ExampleOrgSSOProvider"
                }
            )
        ),
        "resource",
        "AWS::S3::Bucket",
        "INVALID_PRINCIPAL",
        "federated_not_supported",
        id="Federated principal not supported",
    ),
    pytest.param(
        doc(
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": OBJECTS,
                "Condition": {"StringLike": {"s3:prefix": "home/*"}},
            }
        ),
        "identity",
        None,
        "CONDITION_KEY_UNSUPPORTED",
        None,
        id="Unsupported action for condition key",
    ),
    pytest.param(
        doc(
            get_object(
                Principal={"Service": "cloudfront.amazonaws.com"},
                Condition={"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
            )
        ),
        "resource",
        None,
        "CONDITION_KEY_UNSUPPORTED",
        "service_principal",
        id="Unsupported condition key for service principal",
    ),
    pytest.param(
        doc(
            {
                "Effect": "Deny",
                "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/admin"},
                "Action": "sts:AssumeRole",
            }
        ),
        "trust",
        None,
        "INVALID_PRINCIPAL",
        "not_principal_in_trust",
        id="Role trust policy syntax error notprincipal",
    ),
    pytest.param(
        doc(trust({"AWS": "111122223333"}, Resource="*")),
        "trust",
        None,
        "MALFORMED",
        None,
        id="Role trust policy syntax error resource",
    ),
    pytest.param(
        doc(get_object(Condition={"IpAddress": {"aws:SourceIp": "203.0.113.300/24"}})),
        "identity",
        None,
        "CONDITION_TYPE_MISMATCH",
        None,
        id="Type mismatch IP range",
    ),
    pytest.param(
        doc(
            trust(
                {"AWS": "arn:aws:iam::111122223333:role/ci"},
                Condition={"StringEquals": {"aws:RequestTag/team": "platform"}},
            )
        ),
        "trust",
        None,
        "TRUST_ACTION_MISMATCH",
        "condition_key",
        id="Missing action for condition key",
    ),
    pytest.param(
        doc(trust({"Federated": "example.com provider"}, "sts:AssumeRoleWithWebIdentity")),
        "trust",
        None,
        "INVALID_PRINCIPAL",
        "federated",
        id="Invalid federated principal syntax in role trust policy",
    ),
    pytest.param(
        doc(
            trust(
                {"Federated": "arn:aws:iam::111122223333:saml-provider/ExampleOrgSSOProvider"},
                "sts:AssumeRoleWithWebIdentity",
            )
        ),
        "trust",
        None,
        "TRUST_ACTION_MISMATCH",
        None,
        id="Mismatched action for principal",
    ),
    pytest.param(
        doc(
            trust(
                {"Service": "rolesanywhere.amazonaws.com"},
                Condition={"ArnEquals": {"aws:SourceArn": TRUST_ANCHOR}},
            )
        ),
        "trust",
        None,
        "TRUST_ACTION_MISMATCH",
        None,
        id="Missing action for roles anywhere trust policy",
    ),
]


@pytest.mark.parametrize(("document", "policy_type", "resource_type", "code", "kind"), ERRORS)
def test_error_check_is_reported(
    catalogue: ActionCatalogue,
    document: Any,
    policy_type: str,
    resource_type: str | None,
    code: str,
    kind: str | None,
) -> None:
    found = only(lint(catalogue, document, policy_type, resource_type), code)
    assert found, f"no {code}"
    assert all(f.severity.rank >= Severity.MEDIUM.rank for f in found)
    if kind is not None:
        assert kind in {f.detail.get("kind") for f in found}


# Source: REFERENCE, the correct forms the error sections show.
QUIET = [
    # "Missing quote in variable": the page's own Resource with a quoted default.
    pytest.param(
        doc(
            get_object(
                Resource="arn:aws:s3:::amzn-s3-demo-bucket-${aws:PrincipalTag/team, 'company-wide'}"
            )
        ),
        "identity",
        None,
        id="Missing quote in variable: the page's example",
    ),
    # "Missing tag key in condition": the page's aws:ResourceTag/owner condition.
    pytest.param(
        doc(
            {
                "Effect": "Allow",
                "Action": "ec2:StartInstances",
                "Resource": "arn:aws:ec2:us-east-1:111122223333:instance/*",
                "Condition": {"StringEquals": {"aws:ResourceTag/owner": "JaneDoe"}},
            }
        ),
        "identity",
        None,
        id="Missing tag key in condition: the page's example",
    ),
    # "Invalid principal format" / "Missing principal": {"AWS": "123456789012"}.
    pytest.param(
        doc(get_object(Principal={"AWS": "123456789012"})),
        "resource",
        None,
        id="Invalid principal format: the page's principal",
    ),
    # "Invalid vpc format" / "Invalid vpce format": the page's valid identifiers.
    pytest.param(
        doc(
            {
                "Effect": "Deny",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {
                    "StringNotEquals": {
                        "aws:SourceVpc": ["vpc-11223344556677889", "vpc-12345678"],
                        "aws:SourceVpce": ["vpce-11223344556677889", "vpce-12345678"],
                    }
                },
            }
        ),
        "identity",
        None,
        id="Invalid vpc / vpce format: the page's examples",
    ),
    # "Invalid service principal format": kms:ViaService as service.REGION.amazonaws.com.
    pytest.param(
        doc(
            {
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": "arn:aws:kms:us-east-1:111122223333:key/*",
                "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
            }
        ),
        "identity",
        None,
        id="Invalid service principal format: the page's kms:ViaService form",
    ),
    # "Missing action for condition key": its resolution, the action in the action block.
    pytest.param(
        doc(
            trust(
                {"AWS": "arn:aws:iam::111122223333:role/ci"},
                ["sts:AssumeRole", "sts:TagSession"],
                Condition={"StringEquals": {"aws:RequestTag/team": "platform"}},
            )
        ),
        "trust",
        None,
        id="Missing action for condition key: resolved",
    ),
    # "Missing action for roles anywhere trust policy": the three actions.
    pytest.param(
        doc(
            trust(
                {"Service": "rolesanywhere.amazonaws.com"},
                ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"],
                Condition={"ArnEquals": {"aws:SourceArn": TRUST_ANCHOR}},
            )
        ),
        "trust",
        None,
        id="Missing action for roles anywhere trust policy: resolved",
    ),
    # "Federated principal not supported": a federated principal is right in a role trust.
    pytest.param(
        doc(
            trust(
                {"Federated": "arn:aws:iam::111122223333:saml-provider/ExampleOrgSSOProvider"},
                "sts:AssumeRoleWithSAML",
                Condition={"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
            )
        ),
        "resource",
        "AWS::IAM::AssumeRolePolicyDocument",
        id="Federated principal not supported: a role trust policy",
    ),
    # "Unsupported condition key for service principal": its resolution, a source key.
    pytest.param(
        doc(
            get_object(
                Principal={"Service": "cloudfront.amazonaws.com"},
                Condition={"StringEquals": {"aws:SourceArn": DISTRIBUTION}},
            )
        ),
        "resource",
        None,
        id="Unsupported condition key for service principal: resolved",
    ),
]


@pytest.mark.parametrize(("document", "policy_type", "resource_type"), QUIET)
def test_correct_forms_are_quiet(
    catalogue: ActionCatalogue, document: Any, policy_type: str, resource_type: str | None
) -> None:
    assert lint(catalogue, document, policy_type, resource_type) == []


# Source: REFERENCE, "Error - Role trust policy unsupported wildcard in principal": '"Principal:"
# "*" is not supported in the principal element of a role trust policy. Replace the wildcard
# with a valid principal value.' IAM takes {"AWS": "*"} there (next test).
def test_role_trust_policy_unsupported_wildcard_in_principal(catalogue: ActionCatalogue) -> None:
    pinned = trust("*", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}})
    found = only(lint(catalogue, doc(pinned), "trust"), "INVALID_PRINCIPAL")
    assert [(f.detail["kind"], f.severity) for f in found] == [("star_in_trust", Severity.HIGH)]


def test_role_trust_policy_bare_star_is_rejected_whatever_the_effect(
    catalogue: ActionCatalogue,
) -> None:
    """The check is about the Principal element's form, not what the statement does."""
    deny = {**trust("*", "sts:*"), "Effect": "Deny"}
    found = only(lint(catalogue, doc(deny), "trust"), "INVALID_PRINCIPAL")
    assert [f.detail["kind"] for f in found] == ["star_in_trust"]


def test_bare_star_principal_is_not_a_trust_error_in_other_resource_policies(
    catalogue: ActionCatalogue,
) -> None:
    """A bucket policy may say "Principal": "*" (AWS's public-website example)."""
    statement = get_object(Principal="*")
    assert only(lint(catalogue, doc(statement), "resource"), "INVALID_PRINCIPAL") == []


def test_any_aws_principal_with_a_condition_is_accepted_in_trust(
    catalogue: ActionCatalogue,
) -> None:
    """The form IAM takes: {"AWS": "*"} pinned to an organization."""
    pinned = trust({"AWS": "*"}, Condition={"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}})
    assert lint(catalogue, doc(pinned), "trust") == []


# Source: REFERENCE, "Error - Invalid vpc format" / "Error - Invalid vpce format".
@pytest.mark.parametrize(
    ("key", "value"), [("aws:SourceVpc", "vpc-123"), ("aws:SourceVpce", "vpce-1a2b")]
)
def test_invalid_vpc_and_vpce_format(catalogue: ActionCatalogue, key: str, value: str) -> None:
    statement = get_object(Effect="Deny", Condition={"StringNotEquals": {key: value}})
    found = only(lint(catalogue, doc(statement)), "CONDITION_VALUE")
    assert [f.severity for f in found] == [Severity.MEDIUM]


# Source: REFERENCE, "Error - Unsupported action for condition key": reported for the listed
# (non-wildcard) actions that do not carry the key, even when another action does.
def test_unsupported_action_for_condition_key_next_to_a_supporting_one(
    catalogue: ActionCatalogue,
) -> None:
    statement = {
        "Effect": "Allow",
        "Action": ["s3:ListBucket", "s3:GetObject"],
        "Resource": [BUCKET, OBJECTS],
        "Condition": {"StringLike": {"s3:prefix": "home/*"}},
    }
    found = only(lint(catalogue, doc(statement)), "CONDITION_KEY_UNSUPPORTED")
    assert any("s3:GetObject" in f.message for f in found)
    assert all("s3:ListBucket" not in f.message for f in found)


@pytest.mark.parametrize(
    ("actions", "operator"),
    [
        # A wildcard's matches are not judged one by one.
        (["s3:ListBucket", "s3:Get*"], "StringLike"),
        # IfExists: true where the key is absent, the documented way to mix such actions.
        (["s3:ListBucket", "s3:GetObject"], "StringLikeIfExists"),
    ],
)
def test_unsupported_action_for_condition_key_quiet_forms(
    catalogue: ActionCatalogue, actions: list[str], operator: str
) -> None:
    statement = {
        "Effect": "Allow",
        "Action": actions,
        "Resource": [BUCKET, OBJECTS],
        "Condition": {operator: {"s3:prefix": "home/*"}},
    }
    assert only(lint(catalogue, doc(statement)), "CONDITION_KEY_UNSUPPORTED") == []


# Source: REFERENCE, "Error - Invalid condition data type": "The condition value data types do
# not match. Use condition values of the same JSON data type."
def test_invalid_condition_data_type(catalogue: ActionCatalogue) -> None:
    statement = get_object(Condition={"StringEquals": {"aws:username": ["jane", 1]}})
    found = lint(catalogue, doc(statement))
    assert [(f.code, f.detail.get("kind"), f.detail.get("types"), f.severity) for f in found] == [
        ("CONDITION_TYPE_MISMATCH", "mixed_json_types", ["number", "string"], Severity.MEDIUM)
    ]


def test_invalid_condition_data_type_is_not_answered_from_the_cache(
    catalogue: ActionCatalogue,
) -> None:
    """["jane", 1] and ["jane", "1"] parse to the same strings; the statement cache must still
    tell them apart, in either order, as a dict and as JSON text."""
    mixed = doc(get_object(Condition={"StringEquals": {"aws:username": ["jane", 1]}}))
    strings = doc(get_object(Condition={"StringEquals": {"aws:username": ["jane", "1"]}}))
    for _ in range(2):
        assert lint(catalogue, strings) == []
        assert only(lint(catalogue, mixed), "CONDITION_TYPE_MISMATCH") != []
        assert only(lint(catalogue, json.dumps(mixed)), "CONDITION_TYPE_MISMATCH") != []
        assert lint(catalogue, json.dumps(strings)) == []


@pytest.mark.parametrize(
    "condition",
    [
        # One value of another JSON type is fine: AWS's managed policies write numbers and
        # booleans both ways (aws:MultiFactorAuthAge 3600, aws:SecureTransport false).
        {"NumericLessThan": {"aws:MultiFactorAuthAge": 3600}},
        {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
        {"Bool": {"aws:SecureTransport": True}},
        {"Bool": {"aws:SecureTransport": "true"}},
        # A list of one type, other than strings.
        {"NumericGreaterThan": {"s3:max-keys": [10, 20.5]}},
    ],
)
def test_condition_values_of_one_json_type_are_quiet(
    catalogue: ActionCatalogue, condition: dict[str, Any]
) -> None:
    statement = {
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": BUCKET,
        "Condition": condition,
    }
    found = only(lint(catalogue, doc(statement)), "CONDITION_TYPE_MISMATCH")
    assert [f for f in found if f.detail.get("kind") == "mixed_json_types"] == []


# Source: REFERENCE, "Error - Invalid kms key value": a KMS key condition needs a key ARN.
def test_invalid_kms_key_value(catalogue: ActionCatalogue) -> None:
    statement = {
        "Effect": "Allow",
        "Action": "s3:PutObject",
        "Resource": OBJECTS,
        "Condition": {
            "StringEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "alias/my-key"}
        },
    }
    (found,) = only(lint(catalogue, doc(statement)), "CONDITION_VALUE")
    assert (found.detail["kind"], found.severity) == ("kms_key", Severity.MEDIUM)


@pytest.mark.parametrize(
    "value",
    [
        # The S3 User Guide's form: the key's ARN (and one with a wildcard, for ArnLike-ish use).
        "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "arn:aws:kms:us-east-1:111122223333:key/*",
    ],
)
def test_kms_key_arn_value_is_quiet(catalogue: ActionCatalogue, value: str) -> None:
    statement = {
        "Effect": "Deny",
        "Action": "s3:PutObject",
        "Resource": OBJECTS,
        "Condition": {
            "StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption-aws-kms-key-id": value}
        },
    }
    assert only(lint(catalogue, doc(statement)), "CONDITION_VALUE") == []


# Source: REFERENCE, "Error - Missing ARN account": the page's example, an SQS queue ARN
# without the account ("add the account ID").
def test_missing_arn_account(catalogue: ActionCatalogue) -> None:
    statement = {
        "Effect": "Allow",
        "Action": "sqs:SendMessage",
        "Resource": "arn:aws:sqs:us-east-1::queue1",
    }
    (found,) = only(lint(catalogue, doc(statement)), "INVALID_ARN")
    assert (found.detail["kind"], found.severity) == ("missing_account", Severity.MEDIUM)
    assert "account ID is missing" in found.message
    assert "add the account ID" in found.message
    assert "or * for any account" in found.message
    fixed = {**statement, "Resource": "arn:aws:sqs:us-east-1:111122223333:queue1"}
    assert only(lint(catalogue, doc(fixed)), "INVALID_ARN") == []


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        # AWS-owned SSM documents, Automation runbooks and public parameters, as AWS's managed
        # policies name them (AWSElasticDisasterRecoveryLaunchActionsPolicy,
        # AWSServiceRoleForImageBuilder).
        ("ssm:SendCommand", "arn:aws:ssm:*::document/AWS-*"),
        ("ssm:GetParameter", "arn:aws:ssm:*::parameter/aws/service/*"),
        ("ssm:SendCommand", "arn:aws:ssm:us-east-1::document/AmazonCloudWatch-ManageAgent"),
        ("ssm:StartAutomationExecution", "arn:aws:ssm:*::automation-definition/AWS-*:*"),
        ("ssm:GetParameters", "arn:aws:ssm:us-east-1::parameter/aws/service/ecs/*"),
        # AWS service views of Resource Explorer (CloudWatchApplicationSignalsFullAccess).
        (
            "resource-explorer-2:Search",
            "arn:aws:resource-explorer-2:*::view/AWSServiceViewForApplicationSignals/service-view",
        ),
        # Wildcards that reach AWS's own documents too: they may match one.
        ("ssm:SendCommand", "arn:aws:ssm:*::document/*"),
        ("ssm:SendCommand", "arn:aws:ssm:*::*"),
        # Formats with no account at all: AMIs, EBS snapshots (the catalogue's formats).
        ("ec2:RunInstances", "arn:aws:ec2:*::image/*"),
        ("ec2:CopySnapshot", "arn:aws:ec2:us-east-1::snapshot/snap-0abc"),
    ],
)
def test_aws_owned_resources_without_account_are_quiet(
    catalogue: ActionCatalogue, action: str, resource: str
) -> None:
    statement = {"Effect": "Allow", "Action": action, "Resource": resource}
    assert only(lint(catalogue, doc(statement)), "INVALID_ARN") == []


# Source: REFERENCE, "Error - Unsupported Sid" and "Error - Role trust policy syntax error
# resource", validated as ValidatePolicy does for a trust policy: a RESOURCE_POLICY of type
# AWS::IAM::AssumeRolePolicyDocument is linted by IAM's trust rules.
def test_resource_policy_of_the_trust_type_follows_the_trust_rules(
    catalogue: ActionCatalogue,
) -> None:
    statement = {
        **trust({"AWS": "arn:aws:iam::111122223333:role/ci"}),
        "Sid": "Allow CI",
        "Resource": "*",
    }
    found = lint(catalogue, doc(statement), "resource", "AWS::IAM::AssumeRolePolicyDocument")
    assert {f.code for f in found} == {"INVALID_SID", "MALFORMED"}


# Source: REFERENCE, "Error - Role trust policy syntax error notprincipal" with Allow: the
# statement is both rejected by IAM and, read as written, "Security Warning - Allow with
# NotPrincipal".
def test_allow_with_not_principal_in_a_trust_policy(catalogue: ActionCatalogue) -> None:
    statement = {
        "Effect": "Allow",
        "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/admin"},
        "Action": "sts:AssumeRole",
    }
    found = lint(catalogue, doc(statement), "trust")
    assert {(f.code, f.detail.get("kind")) for f in found} >= {
        ("INVALID_PRINCIPAL", "not_principal_in_trust"),
        ("ALLOW_NOT_PRINCIPAL", None),
    }
