"""IAM Access Analyzer's general warnings and suggestions, one row per check of the reference
(IAM User Guide, "IAM policy validation check reference",
access-analyzer-reference-policy-checks.html): the check's example (or the smallest policy its
text describes) and the iam-audit code that reports it; the correct forms the page shows stay
quiet. Checks the linter does not make yet are strict xfails naming the change.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.catalogue import ActionCatalogue, default_catalogue
from bot.model.severity import Severity
from tests.policy_check_support import (
    BUCKET,
    GITHUB,
    OBJECTS,
    doc,
    get_object,
    lint,
    only,
)

OIDC = "arn:aws:iam::111122223333:oidc-provider/oidc.example.com"
ROLE = "arn:aws:iam::111122223333:role"


@pytest.fixture(scope="module")
def catalogue() -> ActionCatalogue:
    return default_catalogue()


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def github(sub: str | None, **more: str) -> dict[str, Any]:
    keys = {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com", **more}
    if sub is not None:
        keys["token.actions.githubusercontent.com:sub"] = sub
    return {
        "Effect": "Allow",
        "Principal": {"Federated": GITHUB},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringLike": keys},
    }


def _tag_condition(value: str) -> dict[str, Any]:
    return {"StringEquals": {"aws:ResourceTag/team": value}}


# Source: REFERENCE, one "General Warning - <title>" section per row (the id is the title).
GENERAL_WARNINGS = [
    pytest.param(
        doc(
            {
                "Effect": "Allow",
                "Action": "iam:CreateServiceLinkedRole",
                "NotResource": f"{ROLE}/admin",
            }
        ),
        "identity",
        None,
        "CREATE_SLR_WILDCARD",
        "not_resource",
        id="Create SLR with NotResource",
    ),
    pytest.param(
        doc({"Effect": "Allow", "Action": "iam:*", "NotResource": f"{ROLE}/admin"}),
        "identity",
        None,
        "CREATE_SLR_WILDCARD",
        "not_resource",
        id="Create SLR with star in action and NotResource",
    ),
    pytest.param(
        doc({"Effect": "Allow", "NotAction": "s3:*", "NotResource": f"{ROLE}/admin"}),
        "identity",
        None,
        "CREATE_SLR_WILDCARD",
        "not_resource",
        id="Create SLR with NotAction and NotResource",
    ),
    pytest.param(
        doc(allow("iam:CreateServiceLinkedRole")),
        "identity",
        None,
        "CREATE_SLR_WILDCARD",
        "star_resource",
        id="Create SLR with star in resource",
    ),
    pytest.param(
        doc(allow("iam:Create*")),
        "identity",
        None,
        "CREATE_SLR_WILDCARD",
        "star_resource",
        id="Create SLR with star in action and resource",
    ),
    pytest.param(
        doc({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}),
        "identity",
        None,
        "CREATE_SLR_WILDCARD",
        "star_resource",
        id="Create SLR with star in resource and NotAction",
    ),
    pytest.param(
        doc(get_object(Condition={"ArnEquals": {"aws:ARN": f"{ROLE}/reader"}})),
        "identity",
        None,
        "UNKNOWN_CONDITION_KEY",
        None,
        id="Deprecated global condition key",
    ),
    pytest.param(
        doc(get_object(Condition={"DateGreaterThan": {"aws:CurrentTime": "1609459200"}})),
        "identity",
        None,
        "CONDITION_VALUE",
        None,
        id="Invalid date value",
    ),
    pytest.param(
        doc(get_object(Principal={"AWS": "AROAEXAMPLEID1234567"})),
        "resource",
        None,
        "INVALID_PRINCIPAL",
        "unique_id",
        id="Invalid role reference",
    ),
    pytest.param(
        doc(get_object(Principal={"AWS": "AIDAEXAMPLEID1234567"})),
        "resource",
        None,
        "INVALID_PRINCIPAL",
        "unique_id",
        id="Invalid user reference",
    ),
    pytest.param(
        doc(get_object(), version=None),
        "identity",
        None,
        "MISSING_VERSION",
        None,
        id="Missing version",
    ),
    pytest.param(
        doc(
            get_object(Sid="Same", Principal={"AWS": "111122223333"}),
            get_object(Sid="Same", Principal={"AWS": "444455556666"}),
        ),
        "resource",
        None,
        "DUPLICATE_SID",
        None,
        id="Unique Sids recommended",
    ),
    pytest.param(
        doc(
            allow(
                "ec2:StartInstances",
                Condition={"StringEquals": {"aws:PrincipalTag/job-category": "admin-*"}},
            )
        ),
        "identity",
        None,
        "WILDCARD_WITHOUT_LIKE",
        None,
        id="Wildcard without like operator",
    ),
    pytest.param(
        doc(get_object(Resource=[f"arn:aws:s3:::bucket-{i:05d}/*" for i in range(250)])),
        "identity",
        None,
        "POLICY_SIZE",
        None,
        id="Policy size exceeds identity policy quota",
    ),
    pytest.param(
        doc(
            get_object(
                Principal={"AWS": "111122223333"},
                Resource=[f"{BUCKET}/p-{i:05d}/*" for i in range(600)],
            )
        ),
        "resource",
        "AWS::S3::Bucket",
        "POLICY_SIZE",
        None,
        id="Policy size exceeds resource policy quota",
    ),
    pytest.param(
        doc(get_object(Condition={"DateGreaterThan": {"aws:username": "2020-01-01"}})),
        "identity",
        None,
        "CONDITION_TYPE_MISMATCH",
        None,
        id="Type mismatch",
    ),
    pytest.param(
        doc(get_object(Condition={"Bool": {"aws:MultiFactorAuthPresent": "yes"}})),
        "identity",
        None,
        "CONDITION_TYPE_MISMATCH",
        None,
        id="Type mismatch Boolean",
    ),
    pytest.param(
        doc(get_object(Condition={"DateLessThan": {"aws:CurrentTime": "next tuesday"}})),
        "identity",
        None,
        "CONDITION_TYPE_MISMATCH",
        None,
        id="Type mismatch date",
    ),
    pytest.param(
        doc(get_object(Condition={"NumericLessThan": {"aws:MultiFactorAuthAge": "one hour"}})),
        "identity",
        None,
        "CONDITION_TYPE_MISMATCH",
        None,
        id="Type mismatch number",
    ),
    # Reported as a Binary operator on a String key; whether a Binary key's value is base64
    # is not checked (test_access_analyzer_reference's NO_RULE).
    pytest.param(
        doc(get_object(Condition={"BinaryEquals": {"aws:username": "not base64!"}})),
        "identity",
        None,
        "CONDITION_TYPE_MISMATCH",
        None,
        id="Type mismatch string",
    ),
    pytest.param(
        doc(github("repo:octo-org/octo-repo:*")),
        "trust",
        None,
        "OIDC_MISSING_SUBJECT",
        None,
        id="Specific github repo and branch recommended",
    ),
]


@pytest.mark.parametrize(
    ("document", "policy_type", "resource_type", "code", "kind"), GENERAL_WARNINGS
)
def test_general_warning_is_reported(
    catalogue: ActionCatalogue,
    document: Any,
    policy_type: str,
    resource_type: str | None,
    code: str,
    kind: str | None,
) -> None:
    found = only(lint(catalogue, document, policy_type, resource_type), code)
    assert found, f"no {code}"
    if kind is not None:
        assert kind in {f.detail.get("kind") for f in found}


# Source: REFERENCE, the correct forms the general warnings show.
GENERAL_WARNINGS_QUIET = [
    # "Wildcard without like operator": the page's StringLike condition.
    pytest.param(
        doc(
            allow(
                "ec2:StartInstances",
                "arn:aws:ec2:us-east-1:111122223333:instance/*",
                Condition={"StringLike": {"aws:PrincipalTag/job-category": "admin-*"}},
            )
        ),
        "identity",
        id="Wildcard without like operator: the page's example",
    ),
    # "Invalid date value": the W3C dates the page recommends.
    pytest.param(
        doc(
            get_object(
                Condition={
                    "DateGreaterThan": {"aws:CurrentTime": "1997-07-16"},
                    "DateLessThan": {"aws:EpochTime": "1997-07-16T19:20:30+01:00"},
                }
            )
        ),
        "identity",
        id="Invalid date value: W3C dates",
    ),
    # "Specific github repo and branch recommended": repository and branch in the subject.
    pytest.param(
        doc(github("repo:octo-org/octo-repo:ref:refs/heads/main")),
        "trust",
        id="Specific github repo and branch recommended: resolved in sub",
    ),
    # ... or the environment in the subject and the branch in token.actions...:ref.
    pytest.param(
        doc(
            github(
                "repo:octo-org/octo-repo:environment:prod",
                **{"token.actions.githubusercontent.com:ref": "refs/heads/main"},
            )
        ),
        "trust",
        id="Specific github repo and branch recommended: environment and ref",
    ),
    # "Create SLR with ...": the resolution, iam:AWSServiceName naming the service.
    pytest.param(
        doc(
            allow(
                "iam:CreateServiceLinkedRole",
                f"{ROLE}/aws-service-role/elasticbeanstalk.amazonaws.com/*",
                Condition={
                    "StringEquals": {"iam:AWSServiceName": "elasticbeanstalk.amazonaws.com"}
                },
            )
        ),
        "identity",
        id="Create SLR: named role and service",
    ),
]


@pytest.mark.parametrize(("document", "policy_type"), GENERAL_WARNINGS_QUIET)
def test_general_warning_resolutions_are_quiet(
    catalogue: ActionCatalogue, document: Any, policy_type: str
) -> None:
    assert lint(catalogue, document, policy_type) == []


# Source: REFERENCE, "General Warning - Specific github repo and branch recommended": "When the
# subject claim does not include the branch - for example, when it names a GitHub environment -
# specify the branch in token.actions.githubusercontent.com:ref".
def test_github_environment_without_branch(catalogue: ActionCatalogue) -> None:
    found = only(
        lint(catalogue, doc(github("repo:octo-org/octo-repo:environment:prod")), "trust"),
        "OIDC_MISSING_SUBJECT",
    )
    assert [(f.detail["scope"], f.severity) for f in found] == [("environment", Severity.LOW)]


@pytest.mark.parametrize(
    "ref",
    [
        # A ref condition that names no branch or tag does not pin one.
        {"StringLike": {"token.actions.githubusercontent.com:ref": "refs/heads/*"}},
        {"StringLike": {"token.actions.githubusercontent.com:ref": "*"}},
        # A negative test lets every other branch in.
        {"StringNotEquals": {"token.actions.githubusercontent.com:ref": "refs/heads/dev"}},
    ],
)
def test_github_environment_with_a_ref_that_pins_nothing(
    catalogue: ActionCatalogue, ref: dict[str, Any]
) -> None:
    statement = github("repo:octo-org/octo-repo:environment:prod")
    for operator, block in ref.items():
        statement["Condition"][operator] = {**statement["Condition"].get(operator, {}), **block}
    found = only(lint(catalogue, doc(statement), "trust"), "OIDC_MISSING_SUBJECT")
    assert [f.detail["scope"] for f in found] == ["environment"]


@pytest.mark.parametrize(
    ("sub", "ref"),
    [
        ("repo:octo-org/octo-repo:environment:prod", "refs/heads/release-*"),
        ("repo:octo-org/octo-repo:environment:prod", "refs/tags/v1.0"),
        # A customised subject template that carries the branch itself.
        ("repo:octo-org/octo-repo:environment:prod:ref:refs/heads/main", None),
        ("repo:octo-org/octo-repo:ref:refs/heads/main", None),
    ],
)
def test_github_subject_with_its_branch_is_quiet(
    catalogue: ActionCatalogue, sub: str, ref: str | None
) -> None:
    more = {} if ref is None else {"token.actions.githubusercontent.com:ref": ref}
    statement = github(sub, **more)
    assert only(lint(catalogue, doc(statement), "trust"), "OIDC_MISSING_SUBJECT") == []


# Source: REFERENCE, "General Warning - Policy size exceeds role trust policy quota": a general
# warning ("request a role trust policy length quota increase ... If the quotas have already
# been increased, then you can ignore this warning").
def test_policy_size_exceeds_role_trust_policy_quota(catalogue: ActionCatalogue) -> None:
    principals = [f"arn:aws:iam::{i:012d}:root" for i in range(60)]
    trust = {"Effect": "Allow", "Principal": {"AWS": principals}, "Action": "sts:AssumeRole"}
    (found,) = only(lint(catalogue, doc(trust), "trust"), "POLICY_SIZE")
    assert found.severity is Severity.MEDIUM
    assert "quota increase" in found.message


# Source: REFERENCE, "General Warning - Use condition key only with supported services":
# aws:VpceAccount, aws:VpceOrgID and aws:VpceOrgPaths work only for some services.
def test_use_condition_key_only_with_supported_services(catalogue: ActionCatalogue) -> None:
    statement = {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:VpceAccount": "111122223333"}},
    }
    found = [f for f in lint(catalogue, doc(statement)) if "aws:VpceAccount" in f.message]
    assert [(f.code, f.detail["kind"], f.severity) for f in found] == [
        ("CONDITION_KEY_UNSUPPORTED", "supported_services_only", Severity.MEDIUM)
    ]


def test_condition_key_scoped_to_one_service_is_quiet(catalogue: ActionCatalogue) -> None:
    """The check's resolution: the same Deny on the actions of one service."""
    statement = {
        "Effect": "Deny",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:VpceAccount": "111122223333"}},
    }
    assert lint(catalogue, doc(statement)) == []


# Source: REFERENCE, one "Suggestion - <title>" section per row (the id is the title).
SUGGESTIONS = [
    pytest.param(
        doc(allow([], OBJECTS)), "identity", "MALFORMED", "empty", id="Empty array action"
    ),
    pytest.param(
        doc(get_object(Condition={"StringEquals": {"aws:username": []}})),
        "identity",
        "EMPTY_ELEMENT",
        None,
        id="Empty array condition",
    ),
    pytest.param(
        doc(get_object(Condition={"ForAllValues:StringEquals": {"aws:TagKeys": []}})),
        "identity",
        "EMPTY_ELEMENT",
        None,
        id="Empty array condition ForAllValues",
    ),
    pytest.param(
        doc(get_object(Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": []}})),
        "identity",
        "EMPTY_ELEMENT",
        None,
        id="Empty array condition ForAnyValue",
    ),
    pytest.param(
        doc(get_object(Condition={"StringEqualsIfExists": {"aws:username": []}})),
        "identity",
        "EMPTY_ELEMENT",
        None,
        id="Empty array condition IfExists",
    ),
    pytest.param(
        doc(get_object(Principal={"AWS": []})),
        "resource",
        "MALFORMED",
        "empty",
        id="Empty array principal",
    ),
    pytest.param(
        doc(get_object(Resource=[])), "identity", "MALFORMED", "empty", id="Empty array resource"
    ),
    pytest.param(
        doc(get_object(Condition={})),
        "identity",
        "EMPTY_ELEMENT",
        None,
        id="Empty object condition",
    ),
    pytest.param(
        doc(get_object(Principal={})),
        "resource",
        "MALFORMED",
        "empty",
        id="Empty object principal",
    ),
    pytest.param(doc(get_object(Sid="")), "identity", "EMPTY_ELEMENT", None, id="Empty Sid value"),
    pytest.param(
        doc(get_object(Condition={"IpAddress": {"aws:SourceIp": "203.0.113.5/24"}})),
        "identity",
        "CONDITION_VALUE",
        None,
        id="Improve IP range",
    ),
    pytest.param(
        doc(
            allow(
                "ec2:CreateTags",
                "arn:aws:ec2:us-east-1:111122223333:instance/*",
                Condition={"ForAllValues:Null": {"aws:TagKeys": "false"}},
            )
        ),
        "identity",
        "MALFORMED",
        None,
        id="Null with qualifier",
    ),
    pytest.param(
        doc(
            get_object(Condition={"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "203.0.113.0/24"]}})
        ),
        "identity",
        "PRIVATE_SOURCE_IP",
        None,
        id="Private IP address subset",
    ),
    pytest.param(
        doc(
            get_object(
                Effect="Deny",
                Condition={"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "203.0.113.0/24"]}},
            )
        ),
        "identity",
        "PRIVATE_SOURCE_IP",
        None,
        id="Private NotIpAddress subset",
    ),
    # The page's example: iam:GetCredentialReport is inside iam:Get*.
    pytest.param(
        doc(allow(["iam:Get*", "iam:List*", "iam:GetCredentialReport"])),
        "identity",
        "REDUNDANT_ACTION",
        None,
        id="Redundant action",
    ),
    # The page's example: two MFA ages where the greatest decides.
    pytest.param(
        doc(
            get_object(Condition={"NumericLessThan": {"aws:MultiFactorAuthAge": ["2700", "3600"]}})
        ),
        "identity",
        "REDUNDANT_CONDITION_VALUE",
        None,
        id="Redundant condition value num",
    ),
    # The page's example: jane-admin and jane-s3only are inside jane*.
    pytest.param(
        doc(
            allow(
                "sts:AssumeRole",
                [f"{ROLE}/jane-admin", f"{ROLE}/jane-s3only", f"{ROLE}/jane*"],
            )
        ),
        "identity",
        "REDUNDANT_RESOURCE",
        None,
        id="Redundant resource",
    ),
    pytest.param(
        doc(get_object(), get_object()),
        "identity",
        "REDUNDANT_STATEMENT",
        None,
        id="Redundant statement",
    ),
    # The page's example Resource.
    pytest.param(
        doc(allow("codecommit:GitPull", "arn:aws:*code*::111122223333:*")),
        "identity",
        "INVALID_ARN",
        "wildcard_service",
        id="Wildcard in service name",
    ),
    pytest.param(
        doc(
            allow(
                ["appmesh:DescribeMesh", "s3:ListAllMyBuckets"],
                Condition=_tag_condition("BumbleBee"),
            )
        ),
        "identity",
        "TAG_KEY_UNSUPPORTED",
        None,
        id="Allow with unsupported tag condition key for service",
    ),
    pytest.param(
        doc(
            {
                "Effect": "Allow",
                "NotAction": "iam:*",
                "Resource": "*",
                "Condition": _tag_condition("x"),
            }
        ),
        "identity",
        "TAG_KEY_UNSUPPORTED",
        None,
        id="Allow NotAction with unsupported tag condition key for service",
    ),
    # aws:Referer in place of a source key, for a service principal.
    pytest.param(
        doc(
            get_object(
                Principal={"Service": "cloudfront.amazonaws.com"},
                Condition={"StringEquals": {"aws:Referer": "https://www.example.com/"}},
            )
        ),
        "resource",
        "CONFUSED_DEPUTY",
        None,
        id="Recommended condition key for service principal",
    ),
    # The page's example: s3:ResourceAccount in a bucket policy.
    pytest.param(
        doc(
            get_object(
                Effect="Deny",
                Principal="*",
                Condition={"StringNotEquals": {"s3:ResourceAccount": "111122223333"}},
            )
        ),
        ("resource", "AWS::S3::Bucket"),
        "UNSUPPORTED_FOR_RESOURCE_TYPE",
        "condition_key",
        id="Irrelevant condition key in policy",
    ),
    pytest.param(
        doc(
            {
                "Effect": "Allow",
                "Principal": {"Federated": OIDC},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"ForAnyValue:StringEquals": {"oidc.example.com:aud": "my-app"}},
            }
        ),
        "trust",
        "CONDITION_TYPE_MISMATCH",
        None,
        id="Confirm audience claim type",
    ),
]


@pytest.mark.parametrize(("document", "policy_type", "code", "kind"), SUGGESTIONS)
def test_suggestion_is_reported(
    catalogue: ActionCatalogue, document: Any, policy_type: Any, code: str, kind: str | None
) -> None:
    policy_type, resource_type = (
        policy_type if isinstance(policy_type, tuple) else (policy_type, None)
    )
    found = only(lint(catalogue, document, policy_type, resource_type), code)
    assert found, f"no {code}"
    if kind is not None:
        assert kind in {f.detail.get("kind") for f in found}


# Source: REFERENCE, the correct forms the suggestions show.
SUGGESTIONS_QUIET = [
    # "Redundant action": iam:*CredentialReport also grants GenerateCredentialReport, so
    # neither it nor iam:Get* is redundant.
    pytest.param(
        doc(allow(["iam:Get*", "iam:List*", "iam:*CredentialReport"])),
        "identity",
        id="Redundant action: iam:*CredentialReport is not redundant",
    ),
    # "Allow with unsupported tag condition key for service": the page's corrected policy.
    pytest.param(
        doc(
            {
                "Sid": "AllowViewSupported",
                "Effect": "Allow",
                "Action": ["appmesh:DescribeMesh", "backup:GetBackupPlan"],
                "Resource": "*",
                "Condition": _tag_condition("BumbleBee"),
            },
            {
                "Sid": "AllowViewUnsupported",
                "Effect": "Allow",
                "Action": "lambda:GetFunction",
                "Resource": "arn:aws:lambda:*:123456789012:function:team-BumbleBee*",
            },
        ),
        "identity",
        id="Allow with unsupported tag condition key: the page's corrected policy",
    ),
    # "Improve IP range": the page's standard CIDR forms.
    pytest.param(
        doc(
            get_object(
                Condition={
                    "IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}
                }
            )
        ),
        "identity",
        id="Improve IP range: the page's CIDR forms",
    ),
    # "Redundant principal in role trust policy": the role alone.
    pytest.param(
        doc(
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"{ROLE}/rolename"},
                "Action": "sts:AssumeRole",
            }
        ),
        "trust",
        id="Redundant principal in role trust policy: the role alone",
    ),
]


@pytest.mark.parametrize(("document", "policy_type"), SUGGESTIONS_QUIET)
def test_suggestion_resolutions_are_quiet(
    catalogue: ActionCatalogue, document: Any, policy_type: str
) -> None:
    assert lint(catalogue, document, policy_type) == []


# Source: REFERENCE, "Suggestion - Equivalent to null false": StringLike "*" matches whenever
# the key is present, which is what {"Null": {key: "false"}} says.
def test_equivalent_to_null_false(catalogue: ActionCatalogue) -> None:
    statement = get_object(Condition={"StringLike": {"aws:ResourceTag/team": "*"}})
    found = [f for f in lint(catalogue, doc(statement)) if "Null" in f.message]
    assert [(f.code, f.detail["kind"], f.severity) for f in found] == [
        ("REDUNDANT_CONDITION_VALUE", "equivalent_to_null", Severity.INFO)
    ]
    assert '"false"' in found[0].message


# Source: REFERENCE, "Suggestion - Equivalent to null true": StringNotLike "*" holds only when
# the key is absent.
def test_equivalent_to_null_true(catalogue: ActionCatalogue) -> None:
    statement = get_object(Condition={"StringNotLike": {"aws:ResourceTag/team": "*"}})
    (found,) = [f for f in lint(catalogue, doc(statement)) if "Null" in f.message]
    assert found.detail["kind"] == "equivalent_to_null"
    assert '"true"' in found.message


@pytest.mark.parametrize(
    "condition",
    [
        {"Null": {"aws:ResourceTag/team": "false"}},  # the check's resolution
        {"StringLike": {"aws:ResourceTag/team": "team-*"}},  # a wildcard with text is a test
    ],
)
def test_null_and_real_like_patterns_are_quiet(
    catalogue: ActionCatalogue, condition: dict[str, Any]
) -> None:
    assert lint(catalogue, doc(get_object(Condition=condition))) == []


# Source: REFERENCE, "Suggestion - Redundant key due to wildcard in condition": a key always
# matched (StringLikeIfExists "*": true whether or not the key is present).
def test_redundant_key_due_to_wildcard_in_condition(catalogue: ActionCatalogue) -> None:
    statement = get_object(Condition={"StringLikeIfExists": {"aws:ResourceTag/team": "*"}})
    found = [f for f in lint(catalogue, doc(statement)) if "aws:ResourceTag/team" in f.message]
    assert [(f.code, f.detail["kind"]) for f in found] == [
        ("REDUNDANT_CONDITION_VALUE", "always_true")
    ]


# Source: REFERENCE, "Suggestion - Redundant statement due to wildcard in condition": a key
# that matches no value (StringNotLike "*" on a key the request always carries).
def test_redundant_statement_due_to_wildcard_in_condition(catalogue: ActionCatalogue) -> None:
    statement = get_object(Condition={"StringNotLike": {"aws:PrincipalArn": "*"}})
    found = [f for f in lint(catalogue, doc(statement)) if "aws:PrincipalArn" in f.message]
    assert [(f.code, f.detail["kind"]) for f in found] == [("REDUNDANT_STATEMENT", "never_matches")]


# Source: REFERENCE, "Suggestion - Redundant principal in role trust policy": "The assumed-role
# principal {{redundant_principal}} is redundant with its parent role {{parent_role}}. Remove
# the assumed-role principal." The page's Principal, a role and a session of that role (the
# page writes the session with service iam; a session ARN is arn:aws:sts::, as below).
def test_redundant_principal_in_role_trust_policy(catalogue: ActionCatalogue) -> None:
    session = "arn:aws:sts::111122223333:assumed-role/rolename/session"
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": [f"{ROLE}/rolename", session]},
        "Action": "sts:AssumeRole",
    }
    found = lint(catalogue, doc(statement), "trust")
    assert [(f.code, f.severity, f.detail) for f in found] == [
        (
            "REDUNDANT_PRINCIPAL",
            Severity.LOW,
            {"principal": session, "parent_role": f"{ROLE}/rolename"},
        )
    ]


def test_redundant_principal_role_with_a_path(catalogue: ActionCatalogue) -> None:
    """A session ARN names its role without the role's path."""
    statement = {
        "Effect": "Allow",
        "Principal": {
            "AWS": [
                "arn:aws:sts::111122223333:assumed-role/rolename/session",
                f"{ROLE}/team/rolename",
            ]
        },
        "Action": "sts:AssumeRole",
    }
    found = only(lint(catalogue, doc(statement), "trust"), "REDUNDANT_PRINCIPAL")
    assert [f.detail["parent_role"] for f in found] == [f"{ROLE}/team/rolename"]


def test_redundant_principal_as_the_page_writes_it(catalogue: ActionCatalogue) -> None:
    """The page's example names the session as arn:aws:iam::...:assumed-role/...: not a form IAM
    takes (a session is an STS ARN), so it is an invalid principal, not a redundant one."""
    statement = {
        "Effect": "Allow",
        "Principal": {
            "AWS": [f"{ROLE}/rolename", "arn:aws:iam::111122223333:assumed-role/rolename/session"]
        },
        "Action": "sts:AssumeRole",
    }
    found = lint(catalogue, doc(statement), "trust")
    assert [(f.code, f.detail["kind"]) for f in found] == [("INVALID_PRINCIPAL", "format")]


@pytest.mark.parametrize(
    "principals",
    [
        # A role, or a session of it, alone: each is a principal a trust policy takes.
        [f"{ROLE}/rolename"],
        ["arn:aws:sts::111122223333:assumed-role/rolename/session"],
        # A session of another role, of a role of another account, of another partition.
        [f"{ROLE}/rolename", "arn:aws:sts::111122223333:assumed-role/other/session"],
        [f"{ROLE}/rolename", "arn:aws:sts::444455556666:assumed-role/rolename/session"],
        [f"{ROLE}/rolename", "arn:aws-cn:sts::111122223333:assumed-role/rolename/session"],
    ],
)
def test_principals_that_are_not_redundant_are_quiet(
    catalogue: ActionCatalogue, principals: list[str]
) -> None:
    statement = {"Effect": "Allow", "Principal": {"AWS": principals}, "Action": "sts:AssumeRole"}
    assert lint(catalogue, doc(statement), "trust") == []


def test_role_and_its_session_in_two_statements_are_not_redundant(
    catalogue: ActionCatalogue,
) -> None:
    """The page speaks of one Principal element; two statements may carry other conditions."""
    role = {"Effect": "Allow", "Principal": {"AWS": f"{ROLE}/rolename"}, "Action": "sts:AssumeRole"}
    session = {
        **role,
        "Principal": {"AWS": "arn:aws:sts::111122223333:assumed-role/rolename/session"},
    }
    assert only(lint(catalogue, doc(role, session), "trust"), "REDUNDANT_PRINCIPAL") == []


def test_redundant_principal_is_a_trust_policy_check(catalogue: ActionCatalogue) -> None:
    """Access Analyzer names it for role trust policies only."""
    statement = get_object(
        Principal={
            "AWS": [f"{ROLE}/rolename", "arn:aws:sts::111122223333:assumed-role/rolename/session"]
        }
    )
    assert only(lint(catalogue, doc(statement), "resource"), "REDUNDANT_PRINCIPAL") == []
