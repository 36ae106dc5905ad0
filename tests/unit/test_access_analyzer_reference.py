"""IAM Access Analyzer's policy check reference, check by check, against our linter.

Source: AWS IAM User Guide, "IAM Access Analyzer policy check reference"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html,
read from awsdocs/iam-user-guide doc_source/access-analyzer-reference-policy-checks.md). Every
check of type ERROR, SECURITY_WARNING, WARNING ("General Warning") and SUGGESTION that applies
to identity-based policies, role trust policies or resource policies has one test here: a policy
that triggers it (the page's own example where it gives one, else the smallest policy matching
its description) must give our equivalent finding (README's "IAM Access Analyzer policy checks
-> iam-audit codes" table) with a severity consistent with the check type, and a near-identical
policy that does not trigger it must give no finding of that code.

The SCP-only checks (SCP syntax error ..., Policy size exceeds SCP quota) are out of scope;
"Mismatched action for principal" is from the current page (and aws/aws-cli's validate-policy
example). Checks, or parts of checks, we have no rule for are listed in `NO_RULE` and not
tested. Where our linter disagrees with the reference the test keeps the documented behaviour
and is a strict xfail whose reason names the cause.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.iam.catalogue import ActionCatalogue, default_catalogue
from bot.iam.lint_model import LintFinding
from bot.iam.linter import lint_policy
from bot.model.severity import Severity

ERROR = "ERROR"
SECURITY_WARNING = "SECURITY_WARNING"
WARNING = "WARNING"
SUGGESTION = "SUGGESTION"

# What each Access Analyzer finding type may be reported at. An error makes the policy fail or
# not do its job; a security warning is overly permissive: neither is a LOW note. A general
# warning is more than a suggestion but not the policy being rejected; a suggestion changes
# nothing the policy grants.
ALLOWED: dict[str, frozenset[Severity]] = {
    ERROR: frozenset({Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL}),
    SECURITY_WARNING: frozenset({Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL}),
    WARNING: frozenset({Severity.LOW, Severity.MEDIUM}),
    SUGGESTION: frozenset({Severity.INFO, Severity.LOW}),
}

ACCOUNT = "111122223333"
BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket"
OBJECTS = f"{BUCKET}/*"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"

# Access Analyzer checks (of the four types, for these policy types) we have no rule for.
NO_RULE = (
    "Invalid ARN Region (a real Region that does not run the service: needs AWS's Region table)",
    "Type mismatch string (whether a Binary operator's value is base64)",
)


@pytest.fixture(scope="module")
def catalogue() -> ActionCatalogue:
    return default_catalogue()


def doc(*statements: dict[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    document: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        document = {"Version": version, **document}
    return document


def allow(action: Any, resource: Any = "*", **more: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **more}


def deny(action: Any, resource: Any = "*", **more: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **more}


def when(operator: str, key: str, value: Any) -> dict[str, Any]:
    return {"Condition": {operator: {key: value}}}


def lint(
    catalogue: ActionCatalogue,
    document: Any,
    policy_type: str,
    resource_type: str | None = None,
) -> list[LintFinding]:
    return lint_policy(
        document,
        catalogue=catalogue,
        policy_type=policy_type,  # type: ignore[arg-type]
        resource_type=resource_type,
    )


def check(
    catalogue: ActionCatalogue,
    code: str,
    check_type: str,
    triggers: Any,
    quiet: Any,
    policy_type: str = "identity",
    resource_type: str | None = None,
) -> None:
    """`triggers` gives `code` at a severity `check_type` allows; `quiet` gives no `code`."""
    quiet_hits = [f for f in lint(catalogue, quiet, policy_type, resource_type) if f.code == code]
    assert not quiet_hits, f"near-identical policy also reported: {quiet_hits}"
    found = lint(catalogue, triggers, policy_type, resource_type)
    hits = [f for f in found if f.code == code]
    assert hits, f"no {code}; got {[(f.code, f.message) for f in found]}"
    wrong = [f for f in hits if f.severity not in ALLOWED[check_type]]
    assert not wrong, f"{check_type} reported at {[(f.severity, f.message) for f in wrong]}"


# --- Errors -----------------------------------------------------------------------------------


def test_arn_account_not_allowed(catalogue: ActionCatalogue) -> None:
    """ARN account not allowed (ERROR), access-analyzer-reference-policy-checks.html: S3 bucket
    ARNs have no account field."""
    check(
        catalogue,
        "INVALID_ARN",
        ERROR,
        doc(allow("s3:ListBucket", f"arn:aws:s3::{ACCOUNT}:amzn-s3-demo-bucket")),
        doc(allow("s3:ListBucket", BUCKET)),
    )


def test_arn_region_not_allowed(catalogue: ActionCatalogue) -> None:
    """ARN Region not allowed (ERROR), access-analyzer-reference-policy-checks.html: IAM is
    global, its ARNs have no Region."""
    check(
        catalogue,
        "INVALID_ARN",
        ERROR,
        doc(allow("iam:GetRole", f"arn:aws:iam:us-east-1:{ACCOUNT}:role/app")),
        doc(allow("iam:GetRole", ROLE)),
    )


def test_data_type_mismatch(catalogue: ActionCatalogue) -> None:
    """Data type mismatch (ERROR), access-analyzer-reference-policy-checks.html: the Version
    element must be a string, not a number."""
    check(
        catalogue,
        "MALFORMED",
        ERROR,
        {"Version": 20121017, "Statement": [allow("s3:ListBucket", BUCKET)]},
        doc(allow("s3:ListBucket", BUCKET)),
    )


def test_duplicate_keys_with_different_case(catalogue: ActionCatalogue) -> None:
    """Duplicate keys with different case (ERROR), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "CONDITION_KEY_CASE",
        ERROR,
        doc(
            allow(
                "s3:GetObject",
                OBJECTS,
                Condition={
                    "StringEquals": {"aws:PrincipalTag/team": "a", "aws:principaltag/team": "b"}
                },
            )
        ),
        doc(
            allow(
                "s3:GetObject",
                OBJECTS,
                Condition={
                    "StringEquals": {"aws:PrincipalTag/team": "a", "aws:PrincipalTag/unit": "b"}
                },
            )
        ),
    )


def test_invalid_action(catalogue: ActionCatalogue) -> None:
    """Invalid action (ERROR), access-analyzer-reference-policy-checks.html: a mistyped
    action name."""
    check(
        catalogue,
        "UNKNOWN_ACTION",
        ERROR,
        doc(allow("s3:GetObjekt", OBJECTS)),
        doc(allow("s3:GetObject", OBJECTS)),
    )


def test_invalid_arn_account(catalogue: ActionCatalogue) -> None:
    """Invalid ARN account (ERROR), access-analyzer-reference-policy-checks.html: an account
    ID must have 12 digits."""
    check(
        catalogue,
        "INVALID_ARN",
        ERROR,
        doc(allow("iam:GetRole", "arn:aws:iam::12345:role/app")),
        doc(allow("iam:GetRole", ROLE)),
    )


def test_invalid_arn_prefix(catalogue: ActionCatalogue) -> None:
    """Invalid ARN prefix (ERROR), access-analyzer-reference-policy-checks.html: the ARN lacks
    its `arn:` prefix."""
    check(
        catalogue,
        "MALFORMED",
        ERROR,
        doc(allow("s3:ListBucket", "aws:s3:::amzn-s3-demo-bucket")),
        doc(allow("s3:ListBucket", BUCKET)),
    )


def test_invalid_arn_region_that_does_not_exist(catalogue: ActionCatalogue) -> None:
    """Invalid ARN Region (ERROR), access-analyzer-reference-policy-checks.html, for a Region
    that does not exist (README: a real Region without the service needs AWS)."""
    check(
        catalogue,
        "INVALID_ARN",
        ERROR,
        doc(allow("ec2:StartInstances", f"arn:aws:ec2:us-east-9:{ACCOUNT}:instance/*")),
        doc(allow("ec2:StartInstances", f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*")),
    )


def test_invalid_arn_resource(catalogue: ActionCatalogue) -> None:
    """Invalid ARN resource (ERROR), access-analyzer-reference-policy-checks.html: the
    resource part matches no IAM resource type."""
    check(
        catalogue,
        "INVALID_ARN",
        ERROR,
        doc(allow("iam:GetRole", f"arn:aws:iam::{ACCOUNT}:rol/app")),
        doc(allow("iam:GetRole", ROLE)),
    )


def test_invalid_arn_service_case(catalogue: ActionCatalogue) -> None:
    """Invalid ARN service case (ERROR), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "INVALID_ARN",
        ERROR,
        doc(allow("s3:ListBucket", "arn:aws:S3:::amzn-s3-demo-bucket")),
        doc(allow("s3:ListBucket", BUCKET)),
    )


def test_invalid_condition_data_type(catalogue: ActionCatalogue) -> None:
    """Invalid condition data type (ERROR), access-analyzer-reference-policy-checks.html: the
    page's example, aws:CurrentTime with a Date operator and a value that is no date."""
    check(
        catalogue,
        "CONDITION_TYPE_MISMATCH",
        ERROR,
        doc(allow("s3:GetObject", OBJECTS, **when("DateLessThan", "aws:CurrentTime", "soon"))),
        doc(
            allow("s3:GetObject", OBJECTS, **when("DateLessThan", "aws:CurrentTime", "2030-01-01"))
        ),
    )


def test_invalid_condition_data_type_mixed_json_types(catalogue: ActionCatalogue) -> None:
    """Invalid condition data type (ERROR), access-analyzer-reference-policy-checks.html: "The
    condition value data types do not match. Use condition values of the same JSON data
    type." A number among strings; the same values all as strings are quiet."""
    check(
        catalogue,
        "CONDITION_TYPE_MISMATCH",
        ERROR,
        doc(allow("s3:GetObject", OBJECTS, **when("StringEquals", "aws:username", ["jane", 1]))),
        doc(allow("s3:GetObject", OBJECTS, **when("StringEquals", "aws:username", ["jane", "1"]))),
    )


def test_invalid_condition_key_format(catalogue: ActionCatalogue) -> None:
    """Invalid condition key format (ERROR), access-analyzer-reference-policy-checks.html: a
    key without the service:keyname form."""
    check(
        catalogue,
        "UNKNOWN_CONDITION_KEY",
        ERROR,
        doc(allow("s3:GetObject", OBJECTS, **when("StringEquals", "PrincipalAccount", ACCOUNT))),
        doc(
            allow("s3:GetObject", OBJECTS, **when("StringEquals", "aws:PrincipalAccount", ACCOUNT))
        ),
    )


def test_invalid_condition_multiple_boolean(catalogue: ActionCatalogue) -> None:
    """Invalid condition multiple Boolean (ERROR), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "CONDITION_MULTIPLE_BOOLEAN",
        ERROR,
        doc(
            allow("s3:GetObject", OBJECTS, **when("Bool", "aws:SecureTransport", ["true", "false"]))
        ),
        doc(allow("s3:GetObject", OBJECTS, **when("Bool", "aws:SecureTransport", ["true"]))),
    )


def test_invalid_condition_operator(catalogue: ActionCatalogue) -> None:
    """Invalid condition operator (ERROR), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "MALFORMED",
        ERROR,
        doc(allow("s3:GetObject", OBJECTS, **when("StringEqual", "aws:username", "alice"))),
        doc(allow("s3:GetObject", OBJECTS, **when("StringEquals", "aws:username", "alice"))),
    )


def test_invalid_effect(catalogue: ActionCatalogue) -> None:
    """Invalid effect (ERROR), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "MALFORMED",
        ERROR,
        doc({"Effect": "Permit", "Action": "s3:GetObject", "Resource": OBJECTS}),
        doc(allow("s3:GetObject", OBJECTS)),
    )


def test_invalid_global_condition_key(catalogue: ActionCatalogue) -> None:
    """Invalid global condition key (ERROR), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "UNKNOWN_CONDITION_KEY",
        ERROR,
        doc(allow("s3:GetObject", OBJECTS, **when("StringEquals", "aws:PrincipalAcount", ACCOUNT))),
        doc(
            allow("s3:GetObject", OBJECTS, **when("StringEquals", "aws:PrincipalAccount", ACCOUNT))
        ),
    )


def test_invalid_partition(catalogue: ActionCatalogue) -> None:
    """Invalid partition (ERROR), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "INVALID_ARN",
        ERROR,
        doc(allow("s3:ListBucket", "arn:aws-moon:s3:::amzn-s3-demo-bucket")),
        doc(allow("s3:ListBucket", "arn:aws-cn:s3:::amzn-s3-demo-bucket")),
    )


def test_invalid_policy_element(catalogue: ActionCatalogue) -> None:
    """Invalid policy element (ERROR), access-analyzer-reference-policy-checks.html: an element
    IAM's grammar does not have."""
    check(
        catalogue,
        "MALFORMED",
        ERROR,
        doc(allow("s3:GetObject", OBJECTS, Actions="s3:PutObject")),
        doc(allow("s3:GetObject", OBJECTS)),
    )


def test_invalid_principal_format(catalogue: ActionCatalogue) -> None:
    """Invalid principal format (ERROR), access-analyzer-reference-policy-checks.html: a bare
    account ID instead of the page's {"AWS": "123456789012"} key-value pair."""
    check(
        catalogue,
        "MALFORMED",
        ERROR,
        doc(allow("s3:GetObject", OBJECTS, Principal=ACCOUNT)),
        doc(allow("s3:GetObject", OBJECTS, Principal={"AWS": ACCOUNT})),
        policy_type="resource",
    )


def test_invalid_principal_key(catalogue: ActionCatalogue) -> None:
    """Invalid principal key (ERROR), access-analyzer-reference-policy-checks.html: only AWS,
    CanonicalUser, Federated and Service."""
    check(
        catalogue,
        "MALFORMED",
        ERROR,
        doc(allow("s3:GetObject", OBJECTS, Principal={"Account": ACCOUNT})),
        doc(allow("s3:GetObject", OBJECTS, Principal={"AWS": ACCOUNT})),
        policy_type="resource",
    )


def test_invalid_region_in_condition(catalogue: ActionCatalogue) -> None:
    """Invalid Region (ERROR), access-analyzer-reference-policy-checks.html: a condition value
    that is no Region."""
    check(
        catalogue,
        "CONDITION_VALUE",
        ERROR,
        doc(allow("ec2:*", "*", **when("StringEquals", "aws:RequestedRegion", "us-east-9"))),
        doc(allow("ec2:*", "*", **when("StringEquals", "aws:RequestedRegion", "us-east-1"))),
    )


def test_invalid_service_in_condition_key(catalogue: ActionCatalogue) -> None:
    """Invalid service (ERROR), access-analyzer-reference-policy-checks.html: the service prefix
    of a condition key does not exist."""
    check(
        catalogue,
        "UNKNOWN_CONDITION_KEY",
        ERROR,
        doc(allow("s3:GetObject", OBJECTS, **when("StringEquals", "s4:ExistingObjectTag/a", "b"))),
        doc(allow("s3:GetObject", OBJECTS, **when("StringEquals", "s3:ExistingObjectTag/a", "b"))),
    )


def test_invalid_service_condition_key(catalogue: ActionCatalogue) -> None:
    """Invalid service condition key (ERROR), access-analyzer-reference-policy-checks.html: the
    key does not exist in the (existing) service."""
    check(
        catalogue,
        "UNKNOWN_CONDITION_KEY",
        ERROR,
        doc(allow("s3:GetObject", OBJECTS, **when("StringEquals", "s3:TlsVersions", "1.2"))),
        doc(
            allow(
                "s3:GetObject", OBJECTS, **when("NumericGreaterThanEquals", "s3:TlsVersion", "1.2")
            )
        ),
    )


def test_invalid_service_in_action(catalogue: ActionCatalogue) -> None:
    """Invalid service in action (ERROR), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "UNKNOWN_SERVICE",
        ERROR,
        doc(allow("s4:GetObject", OBJECTS)),
        doc(allow("s3:GetObject", OBJECTS)),
    )


def test_invalid_service_principal_format(catalogue: ActionCatalogue) -> None:
    """Invalid service principal format (ERROR), access-analyzer-reference-policy-checks.html:
    the page's kms:ViaService, which takes service-name.REGION.amazonaws.com."""
    check(
        catalogue,
        "CONDITION_VALUE",
        ERROR,
        doc(allow("kms:Decrypt", "*", **when("StringEquals", "kms:ViaService", "s3"))),
        doc(
            allow(
                "kms:Decrypt",
                "*",
                **when("StringEquals", "kms:ViaService", "s3.us-east-1.amazonaws.com"),
            )
        ),
    )


def test_invalid_variable_for_operator(catalogue: ActionCatalogue) -> None:
    """Invalid variable for operator (ERROR), access-analyzer-reference-policy-checks.html: a
    variable with a Numeric operator."""
    check(
        catalogue,
        "INVALID_POLICY_VARIABLE",
        ERROR,
        doc(
            allow(
                "s3:GetObject",
                OBJECTS,
                **when("NumericLessThan", "aws:MultiFactorAuthAge", "${aws:PrincipalTag/maxage}"),
            )
        ),
        doc(
            allow(
                "s3:GetObject",
                OBJECTS,
                **when("StringEquals", "aws:ResourceTag/owner", "${aws:username}"),
            )
        ),
    )


def test_invalid_version(catalogue: ActionCatalogue) -> None:
    """Invalid version (ERROR), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "MALFORMED",
        ERROR,
        doc(allow("s3:GetObject", OBJECTS), version="2012-10-18"),
        doc(allow("s3:GetObject", OBJECTS), version="2012-10-17"),
    )


def test_json_syntax_error(catalogue: ActionCatalogue) -> None:
    """Json syntax error (ERROR), access-analyzer-reference-policy-checks.html: a trailing
    comma."""
    good = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'  # noqa: E501
    check(catalogue, "MALFORMED", ERROR, good[:-2] + ",]}", good)


def test_missing_action(catalogue: ActionCatalogue) -> None:
    """Missing action (ERROR), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "MALFORMED",
        ERROR,
        doc({"Effect": "Allow", "Resource": OBJECTS}),
        doc(allow("s3:GetObject", OBJECTS)),
    )


def test_missing_arn_field(catalogue: ActionCatalogue) -> None:
    """Missing ARN field (ERROR), access-analyzer-reference-policy-checks.html: fewer than six
    fields."""
    check(
        catalogue,
        "INVALID_ARN",
        ERROR,
        doc(allow("s3:ListBucket", "arn:aws:s3")),
        doc(allow("s3:ListBucket", BUCKET)),
    )


def test_missing_arn_region(catalogue: ActionCatalogue) -> None:
    """Missing ARN Region (ERROR), access-analyzer-reference-policy-checks.html: an EC2
    instance ARN without its Region."""
    check(
        catalogue,
        "INVALID_ARN",
        ERROR,
        doc(allow("ec2:StartInstances", f"arn:aws:ec2::{ACCOUNT}:instance/i-0abc")),
        doc(allow("ec2:StartInstances", f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0abc")),
    )


def test_missing_effect(catalogue: ActionCatalogue) -> None:
    """Missing effect (ERROR), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "MALFORMED",
        ERROR,
        doc({"Action": "s3:GetObject", "Resource": OBJECTS}),
        doc(allow("s3:GetObject", OBJECTS)),
    )


def test_missing_principal(catalogue: ActionCatalogue) -> None:
    """Missing principal (ERROR), access-analyzer-reference-policy-checks.html: a resource
    policy statement must name a Principal."""
    check(
        catalogue,
        "MALFORMED",
        ERROR,
        doc(allow("s3:GetObject", OBJECTS)),
        doc(allow("s3:GetObject", OBJECTS, Principal={"AWS": ACCOUNT})),
        policy_type="resource",
    )


def test_missing_qualifier(catalogue: ActionCatalogue) -> None:
    """Missing qualifier (ERROR), access-analyzer-reference-policy-checks.html: a multivalued
    key (aws:TagKeys) without ForAllValues / ForAnyValue."""
    check(
        catalogue,
        "CONDITION_TYPE_MISMATCH",
        ERROR,
        doc(allow("ec2:CreateTags", "*", **when("StringEquals", "aws:TagKeys", ["team"]))),
        doc(
            allow(
                "ec2:CreateTags", "*", **when("ForAllValues:StringEquals", "aws:TagKeys", ["team"])
            )
        ),
    )


def test_missing_resource(catalogue: ActionCatalogue) -> None:
    """Missing resource (ERROR), access-analyzer-reference-policy-checks.html: an identity
    policy statement must have Resource or NotResource."""
    check(
        catalogue,
        "MALFORMED",
        ERROR,
        doc({"Effect": "Allow", "Action": "s3:GetObject"}),
        doc(allow("s3:GetObject", OBJECTS)),
    )


def test_missing_statement(catalogue: ActionCatalogue) -> None:
    """Missing statement (ERROR), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "MALFORMED",
        ERROR,
        {"Version": "2012-10-17"},
        doc(allow("s3:GetObject", OBJECTS)),
    )


def test_missing_tag_key_in_condition(catalogue: ActionCatalogue) -> None:
    """Missing tag key in condition (ERROR), access-analyzer-reference-policy-checks.html: the
    page's aws:ResourceTag/owner, written without its tag key."""
    check(
        catalogue,
        "UNKNOWN_CONDITION_KEY",
        ERROR,
        doc(allow("ec2:StartInstances", "*", **when("StringEquals", "aws:ResourceTag", "JaneDoe"))),
        doc(
            allow(
                "ec2:StartInstances",
                "*",
                **when("StringEquals", "aws:ResourceTag/owner", "JaneDoe"),
            )
        ),
    )


def test_null_with_if_exists(catalogue: ActionCatalogue) -> None:
    """Null with if exists (ERROR), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "MALFORMED",
        ERROR,
        doc(allow("s3:GetObject", OBJECTS, **when("NullIfExists", "aws:TokenIssueTime", "true"))),
        doc(allow("s3:GetObject", OBJECTS, **when("Null", "aws:TokenIssueTime", "true"))),
    )


def test_unique_sids_required(catalogue: ActionCatalogue) -> None:
    """Unique Sids required (ERROR), access-analyzer-reference-policy-checks.html: IAM's own
    (identity) policies need unique Sids."""
    check(
        catalogue,
        "DUPLICATE_SID",
        ERROR,
        doc(allow("s3:GetObject", OBJECTS, Sid="Read"), allow("s3:ListBucket", BUCKET, Sid="Read")),
        doc(allow("s3:GetObject", OBJECTS, Sid="Read"), allow("s3:ListBucket", BUCKET, Sid="List")),
    )


def test_unsupported_element_combination(catalogue: ActionCatalogue) -> None:
    """Unsupported element combination (ERROR), access-analyzer-reference-policy-checks.html:
    the page's Resource with NotResource."""
    check(
        catalogue,
        "MALFORMED",
        ERROR,
        doc(allow("s3:GetObject", OBJECTS, NotResource=f"{BUCKET}/private/*")),
        doc(allow("s3:GetObject", OBJECTS)),
    )


def test_unsupported_global_condition_key(catalogue: ActionCatalogue) -> None:
    """Unsupported global condition key (ERROR), access-analyzer-reference-policy-checks.html:
    the page's aws:ARN."""
    check(
        catalogue,
        "UNKNOWN_CONDITION_KEY",
        ERROR,
        doc(allow("s3:GetObject", OBJECTS, **when("ArnEquals", "aws:ARN", ROLE))),
        doc(allow("s3:GetObject", OBJECTS, **when("ArnEquals", "aws:PrincipalArn", ROLE))),
    )


def test_unsupported_principal(catalogue: ActionCatalogue) -> None:
    """Unsupported principal (ERROR), access-analyzer-reference-policy-checks.html: Principal
    in an identity-based policy."""
    check(
        catalogue,
        "MALFORMED",
        ERROR,
        doc(allow("s3:GetObject", OBJECTS, Principal={"AWS": ACCOUNT})),
        doc(allow("s3:GetObject", OBJECTS)),
    )


def test_unsupported_sid(catalogue: ActionCatalogue) -> None:
    """Unsupported Sid (ERROR), access-analyzer-reference-policy-checks.html: only [a-zA-Z0-9]."""
    check(
        catalogue,
        "INVALID_SID",
        ERROR,
        doc(allow("s3:GetObject", OBJECTS, Sid="read-objects")),
        doc(allow("s3:GetObject", OBJECTS, Sid="ReadObjects")),
    )


def test_unsupported_wildcard_in_principal(catalogue: ActionCatalogue) -> None:
    """Unsupported wildcard in principal (ERROR), access-analyzer-reference-policy-checks.html:
    the page's "all users" written with a wildcard."""
    check(
        catalogue,
        "INVALID_PRINCIPAL",
        ERROR,
        doc(allow("s3:GetObject", OBJECTS, Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:user/*"})),
        doc(allow("s3:GetObject", OBJECTS, Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:user/ana"})),
        policy_type="resource",
    )


def _variable(value: str) -> dict[str, Any]:
    return doc(allow("s3:GetObject", f"{BUCKET}/home/{value}/*"))


def test_missing_brace_in_variable(catalogue: ActionCatalogue) -> None:
    """Missing brace in variable (ERROR), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "INVALID_POLICY_VARIABLE",
        ERROR,
        _variable("${aws:username"),
        _variable("${aws:username}"),
    )


def test_unsupported_symbol_in_variable(catalogue: ActionCatalogue) -> None:
    """Unsupported symbol in variable (ERROR), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "INVALID_POLICY_VARIABLE",
        ERROR,
        _variable("${aws:user#name}"),
        _variable("${aws:username}"),
    )


def test_missing_quote_in_variable(catalogue: ActionCatalogue) -> None:
    """Missing quote in variable (ERROR), access-analyzer-reference-policy-checks.html: the
    page's ${aws:userid, 'anonymous'} default without its quotes."""
    check(
        catalogue,
        "INVALID_POLICY_VARIABLE",
        ERROR,
        _variable("${aws:userid, anonymous}"),
        _variable("${aws:userid, 'anonymous'}"),
    )


def test_unsupported_space_in_variable(catalogue: ActionCatalogue) -> None:
    """Unsupported space in variable (ERROR), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "INVALID_POLICY_VARIABLE",
        ERROR,
        _variable("${aws: username}"),
        _variable("${aws:username}"),
    )


def test_empty_variable(catalogue: ActionCatalogue) -> None:
    """Empty variable (ERROR), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "INVALID_POLICY_VARIABLE",
        ERROR,
        _variable("${}"),
        _variable("${aws:username}"),
    )


def test_variable_unsupported_in_element(catalogue: ActionCatalogue) -> None:
    """Variable unsupported in element (ERROR), access-analyzer-reference-policy-checks.html:
    a variable in Principal (resolved only in Resource and Condition)."""
    check(
        catalogue,
        "INVALID_POLICY_VARIABLE",
        ERROR,
        doc(allow("s3:GetObject", OBJECTS, Principal={"AWS": f"{ROLE}-${{aws:username}}"})),
        doc(allow("s3:GetObject", OBJECTS, Principal={"AWS": ROLE})),
        policy_type="resource",
    )


def test_variable_unsupported_in_action(catalogue: ActionCatalogue) -> None:
    """Variable unsupported in element (ERROR), access-analyzer-reference-policy-checks.html:
    a variable in Action; README maps the check to INVALID_POLICY_VARIABLE."""
    check(
        catalogue,
        "INVALID_POLICY_VARIABLE",
        ERROR,
        doc(allow("s3:Get${aws:PrincipalTag/object}", OBJECTS)),
        doc(allow("s3:GetObject", f"{BUCKET}/${{aws:PrincipalTag/object}}/*")),
    )


def test_variable_unsupported_in_version(catalogue: ActionCatalogue) -> None:
    """Variable unsupported in version (ERROR), access-analyzer-reference-policy-checks.html:
    a variable under Version 2008-10-17."""
    statement = allow("s3:GetObject", f"{BUCKET}/home/${{aws:username}}/*")
    check(
        catalogue,
        "INVALID_POLICY_VARIABLE",
        ERROR,
        doc(statement, version="2008-10-17"),
        doc(statement, version="2012-10-17"),
    )


def test_private_ip_address(catalogue: ActionCatalogue) -> None:
    """Private IP address (ERROR), access-analyzer-reference-policy-checks.html: aws:SourceIp
    with only private ranges."""
    check(
        catalogue,
        "PRIVATE_SOURCE_IP",
        ERROR,
        doc(allow("s3:GetObject", OBJECTS, **when("IpAddress", "aws:SourceIp", "10.0.0.0/8"))),
        doc(allow("s3:GetObject", OBJECTS, **when("IpAddress", "aws:SourceIp", "203.0.113.0/24"))),
    )


def test_private_not_ip_address(catalogue: ActionCatalogue) -> None:
    """Private NotIpAddress (ERROR), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "PRIVATE_SOURCE_IP",
        ERROR,
        doc(deny("s3:*", "*", **when("NotIpAddress", "aws:SourceIp", "192.168.0.0/16"))),
        doc(deny("s3:*", "*", **when("NotIpAddress", "aws:SourceIp", "203.0.113.0/24"))),
    )


def test_mismatched_action_for_principal(catalogue: ActionCatalogue) -> None:
    """Mismatched action for principal (ERROR), access-analyzer-reference-policy-checks.html
    (current page; also aws/aws-cli's accessanalyzer validate-policy example): a Cognito
    federated trust that names sts:AssumeRole instead of sts:AssumeRoleWithWebIdentity."""

    def trust(action: str) -> dict[str, Any]:
        return doc(
            {
                "Effect": "Allow",
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Action": [action, "sts:TagSession"],
                "Condition": {
                    "StringEquals": {"cognito-identity.amazonaws.com:aud": "us-west-2_EXAMPLE"}
                },
            }
        )

    check(
        catalogue,
        "TRUST_ACTION_MISMATCH",
        ERROR,
        trust("sts:AssumeRole"),
        trust("sts:AssumeRoleWithWebIdentity"),
        policy_type="trust",
    )


# --- General warnings -------------------------------------------------------------------------


def _slr(**statement: Any) -> dict[str, Any]:
    return doc({"Effect": "Allow", **statement})


SLR_ROLE = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/elasticbeanstalk.amazonaws.com/*"


@pytest.mark.parametrize(
    ("variant", "triggers", "quiet"),
    [
        (
            "Create SLR with NotResource",
            _slr(Action="iam:CreateServiceLinkedRole", NotResource=ROLE),
            _slr(Action="iam:CreateServiceLinkedRole", Resource=SLR_ROLE),
        ),
        (
            "Create SLR with star in action and NotResource",
            _slr(Action="iam:Create*", NotResource=ROLE),
            _slr(Action="iam:Create*", Resource=SLR_ROLE),
        ),
        (
            "Create SLR with NotAction and NotResource",
            _slr(NotAction="s3:*", NotResource=ROLE),
            _slr(NotAction=["s3:*", "iam:CreateServiceLinkedRole"], NotResource=ROLE),
        ),
        (
            "Create SLR with star in resource",
            _slr(Action="iam:CreateServiceLinkedRole", Resource="*"),
            _slr(Action="iam:CreateServiceLinkedRole", Resource=SLR_ROLE),
        ),
        (
            "Create SLR with star in action and resource",
            _slr(Action="iam:Create*", Resource="*"),
            _slr(Action="iam:Create*", Resource=SLR_ROLE),
        ),
        (
            "Create SLR with star in resource and NotAction",
            _slr(NotAction="s3:*", Resource="*"),
            _slr(NotAction=["s3:*", "iam:CreateServiceLinkedRole"], Resource="*"),
        ),
    ],
)
def test_create_slr_wildcards(
    catalogue: ActionCatalogue, variant: str, triggers: Any, quiet: Any
) -> None:
    """The six "Create SLR with ..." checks (WARNING), access-analyzer-reference-policy-checks
    .html; each variant's quiet twin names the service-linked roles or leaves the action out,
    as the page advises."""
    check(catalogue, "CREATE_SLR_WILDCARD", WARNING, triggers, quiet)


def test_deprecated_global_condition_key(catalogue: ActionCatalogue) -> None:
    """Deprecated global condition key (WARNING), access-analyzer-reference-policy-checks.html:
    aws:ARN (the page also lists it as the "Unsupported global condition key" error, which
    test_unsupported_global_condition_key holds us to)."""
    found = lint(
        catalogue,
        doc(allow("s3:GetObject", OBJECTS, **when("ArnLike", "aws:ARN", ROLE))),
        "identity",
    )
    assert [f for f in found if f.code == "UNKNOWN_CONDITION_KEY"]


def test_invalid_date_value(catalogue: ActionCatalogue) -> None:
    """Invalid date value (WARNING), access-analyzer-reference-policy-checks.html: an epoch
    time instead of YYYY-MM-DD."""
    check(
        catalogue,
        "CONDITION_VALUE",
        WARNING,
        doc(
            allow("s3:GetObject", OBJECTS, **when("DateLessThan", "aws:CurrentTime", "1893456000"))
        ),
        doc(
            allow("s3:GetObject", OBJECTS, **when("DateLessThan", "aws:CurrentTime", "2030-01-01"))
        ),
    )


def test_invalid_role_reference(catalogue: ActionCatalogue) -> None:
    """Invalid role reference (WARNING), access-analyzer-reference-policy-checks.html: a role's
    unique ID (AROA...) as Principal."""
    check(
        catalogue,
        "INVALID_PRINCIPAL",
        WARNING,
        doc(allow("s3:GetObject", OBJECTS, Principal={"AWS": "AROADBQP57FF2AEXAMPLE"})),
        doc(allow("s3:GetObject", OBJECTS, Principal={"AWS": ROLE})),
        policy_type="resource",
    )


def test_invalid_user_reference(catalogue: ActionCatalogue) -> None:
    """Invalid user reference (WARNING), access-analyzer-reference-policy-checks.html: a user's
    unique ID (AIDA...) as Principal."""
    check(
        catalogue,
        "INVALID_PRINCIPAL",
        WARNING,
        doc(allow("s3:GetObject", OBJECTS, Principal={"AWS": "AIDAJQABLZS4A3QDU576Q"})),
        doc(allow("s3:GetObject", OBJECTS, Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:user/ana"})),
        policy_type="resource",
    )


def test_missing_version(catalogue: ActionCatalogue) -> None:
    """Missing version (WARNING), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "MISSING_VERSION",
        WARNING,
        doc(allow("s3:GetObject", OBJECTS), version=None),
        doc(allow("s3:GetObject", OBJECTS)),
    )


def test_unique_sids_recommended(catalogue: ActionCatalogue) -> None:
    """Unique Sids recommended (WARNING), access-analyzer-reference-policy-checks.html: a
    resource policy, whose service accepts repeated Sids."""
    principal = {"AWS": ACCOUNT}
    check(
        catalogue,
        "DUPLICATE_SID",
        WARNING,
        doc(
            allow("s3:GetObject", OBJECTS, Sid="Read", Principal=principal),
            allow("s3:ListBucket", BUCKET, Sid="Read", Principal=principal),
        ),
        doc(
            allow("s3:GetObject", OBJECTS, Sid="Read", Principal=principal),
            allow("s3:ListBucket", BUCKET, Sid="List", Principal=principal),
        ),
        policy_type="resource",
    )


def test_wildcard_without_like_operator(catalogue: ActionCatalogue) -> None:
    """Wildcard without like operator (WARNING), access-analyzer-reference-policy-checks.html:
    the page's aws:PrincipalTag/job-category "admin-*" with StringEquals."""
    check(
        catalogue,
        "WILDCARD_WITHOUT_LIKE",
        WARNING,
        doc(
            allow(
                "s3:GetObject",
                OBJECTS,
                **when("StringEquals", "aws:PrincipalTag/job-category", "admin-*"),
            )
        ),
        doc(
            allow(
                "s3:GetObject",
                OBJECTS,
                **when("StringLike", "aws:PrincipalTag/job-category", "admin-*"),
            )
        ),
    )


def test_policy_size_exceeds_identity_policy_quota(catalogue: ActionCatalogue) -> None:
    """Policy size exceeds identity policy quota (WARNING), access-analyzer-reference-policy-
    checks.html: over 6,144 characters without whitespace."""
    many = [f"{BUCKET}/prefix-{i:04d}/*" for i in range(200)]
    check(
        catalogue,
        "POLICY_SIZE",
        WARNING,
        doc(allow("s3:GetObject", many)),
        doc(allow("s3:GetObject", many[:100])),
    )


def test_type_mismatch(catalogue: ActionCatalogue) -> None:
    """Type mismatch (WARNING), access-analyzer-reference-policy-checks.html: the page's
    aws:MultiFactorAuthPresent with an operator that is not Boolean."""
    check(
        catalogue,
        "CONDITION_TYPE_MISMATCH",
        WARNING,
        doc(
            allow(
                "s3:GetObject", OBJECTS, **when("NumericEquals", "aws:MultiFactorAuthPresent", "1")
            )
        ),
        doc(allow("s3:GetObject", OBJECTS, **when("Bool", "aws:MultiFactorAuthPresent", "true"))),
    )


def test_type_mismatch_boolean(catalogue: ActionCatalogue) -> None:
    """Type mismatch Boolean (WARNING), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "CONDITION_TYPE_MISMATCH",
        WARNING,
        doc(allow("s3:GetObject", OBJECTS, **when("Bool", "aws:MultiFactorAuthPresent", "yes"))),
        doc(allow("s3:GetObject", OBJECTS, **when("Bool", "aws:MultiFactorAuthPresent", "true"))),
    )


def test_type_mismatch_date(catalogue: ActionCatalogue) -> None:
    """Type mismatch date (WARNING), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "CONDITION_TYPE_MISMATCH",
        WARNING,
        doc(
            allow(
                "s3:GetObject", OBJECTS, **when("DateGreaterThan", "aws:CurrentTime", "2030-13-45")
            )
        ),
        doc(
            allow(
                "s3:GetObject", OBJECTS, **when("DateGreaterThan", "aws:CurrentTime", "2030-12-31")
            )
        ),
    )


def test_type_mismatch_ip_range(catalogue: ActionCatalogue) -> None:
    """Type mismatch IP range (WARNING), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "CONDITION_TYPE_MISMATCH",
        WARNING,
        doc(allow("s3:GetObject", OBJECTS, **when("IpAddress", "aws:SourceIp", "203.0.113.0/33"))),
        doc(allow("s3:GetObject", OBJECTS, **when("IpAddress", "aws:SourceIp", "203.0.113.0/24"))),
    )


def test_type_mismatch_number(catalogue: ActionCatalogue) -> None:
    """Type mismatch number (WARNING), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "CONDITION_TYPE_MISMATCH",
        WARNING,
        doc(
            allow(
                "s3:GetObject", OBJECTS, **when("NumericLessThan", "aws:MultiFactorAuthAge", "1h")
            )
        ),
        doc(
            allow(
                "s3:GetObject", OBJECTS, **when("NumericLessThan", "aws:MultiFactorAuthAge", "3600")
            )
        ),
    )


def test_type_mismatch_string(catalogue: ActionCatalogue) -> None:
    """Type mismatch string (WARNING), access-analyzer-reference-policy-checks.html: a Binary
    operator with a value that is not base64. No condition key in the catalogue is Binary, so
    we report the operator (kind "operator") whatever the value; the base64 test of the value
    itself has no rule (NO_RULE). The quiet twin uses the String operator the key takes."""
    value = when("BinaryEquals", "aws:username", "not base64!")
    check(
        catalogue,
        "CONDITION_TYPE_MISMATCH",
        WARNING,
        doc(allow("s3:GetObject", OBJECTS, **value)),
        doc(allow("s3:GetObject", OBJECTS, **when("StringEquals", "aws:username", "not base64!"))),
    )


# --- Security warnings ------------------------------------------------------------------------


def test_allow_with_not_principal(catalogue: ActionCatalogue) -> None:
    """Allow with NotPrincipal (SECURITY_WARNING), access-analyzer-reference-policy-checks.html;
    the page's remedy, NotPrincipal with Deny, is the quiet twin."""
    not_principal = {"AWS": f"arn:aws:iam::{ACCOUNT}:user/ana"}
    check(
        catalogue,
        "ALLOW_NOT_PRINCIPAL",
        SECURITY_WARNING,
        doc(allow("s3:GetObject", OBJECTS, NotPrincipal=not_principal)),
        doc(deny("s3:GetObject", OBJECTS, NotPrincipal=not_principal)),
        policy_type="resource",
    )


def test_deny_not_action_with_unsupported_tag_condition_key(catalogue: ActionCatalogue) -> None:
    """Deny NotAction with unsupported tag condition key for service (SECURITY_WARNING),
    access-analyzer-reference-policy-checks.html."""
    tagged = when("StringEquals", "aws:ResourceTag/status", "Confidential")
    check(
        catalogue,
        "TAG_KEY_UNSUPPORTED",
        SECURITY_WARNING,
        doc({"Effect": "Deny", "NotAction": "s3:GetObject", "Resource": "*", **tagged}),
        doc(deny(["appmesh:DeleteMesh", "backup:DeleteBackupPlan"], "*", **tagged)),
    )


def test_deny_with_unsupported_tag_condition_key(catalogue: ActionCatalogue) -> None:
    """Deny with unsupported tag condition key for service (SECURITY_WARNING),
    access-analyzer-reference-policy-checks.html: the page's fixed example is the quiet twin;
    adding an action of a service without aws:ResourceTag (s3:ListAllMyBuckets) to the tagged
    statement triggers it."""
    tagged = when("StringEquals", "aws:ResourceTag/status", "Confidential")
    fixed = doc(
        deny(
            ["appmesh:DeleteMesh", "backup:DeleteBackupPlan"],
            "*",
            Sid="DenyDeleteSupported",
            **tagged,
        ),
        deny(
            "lambda:DeleteFunction",
            "arn:aws:lambda:*:403299380220:function:Confidential*",
            Sid="DenyDeleteUnsupported",
        ),
    )
    broken = doc(
        deny(
            ["appmesh:DeleteMesh", "backup:DeleteBackupPlan", "s3:ListAllMyBuckets"],
            "*",
            Sid="DenyDeleteSupported",
            **tagged,
        ),
        fixed["Statement"][1],
    )
    check(catalogue, "TAG_KEY_UNSUPPORTED", SECURITY_WARNING, broken, fixed)


def test_for_all_values_with_single_valued_key(catalogue: ActionCatalogue) -> None:
    """ForAllValues with single valued key (SECURITY_WARNING), access-analyzer-reference-
    policy-checks.html."""
    check(
        catalogue,
        "CONDITION_TYPE_MISMATCH",
        SECURITY_WARNING,
        doc(
            allow(
                "s3:GetObject",
                OBJECTS,
                **when("ForAllValues:StringEquals", "aws:PrincipalTag/team", ["blue"]),
            )
        ),
        doc(
            allow(
                "s3:GetObject", OBJECTS, **when("StringEquals", "aws:PrincipalTag/team", ["blue"])
            )
        ),
    )


def test_missing_paired_condition_keys(catalogue: ActionCatalogue) -> None:
    """Missing paired condition keys (SECURITY_WARNING), access-analyzer-reference-policy-
    checks.html: the page's aws:VpcSourceIp without aws:SourceVpc."""
    vpc_ip = {"IpAddress": {"aws:VpcSourceIp": "10.0.0.0/16"}}
    check(
        catalogue,
        "MISSING_PAIRED_KEY",
        SECURITY_WARNING,
        doc(allow("s3:GetObject", OBJECTS, Condition=vpc_ip)),
        doc(
            allow(
                "s3:GetObject",
                OBJECTS,
                Condition={**vpc_ip, "StringEquals": {"aws:SourceVpc": "vpc-1a2b3c4d"}},
            )
        ),
    )


@pytest.mark.parametrize(
    ("variant", "triggers", "quiet"),
    [
        (
            "Pass role with NotResource",
            _slr(Action="iam:PassRole", NotResource=ROLE),
            _slr(Action="iam:PassRole", Resource=ROLE),
        ),
        (
            "Pass role with star in action and NotResource",
            _slr(Action="iam:Pass*", NotResource=ROLE),
            _slr(Action="iam:Pass*", Resource=ROLE),
        ),
        (
            "Pass role with NotAction and NotResource",
            _slr(NotAction="s3:*", NotResource=ROLE),
            _slr(NotAction=["s3:*", "iam:PassRole"], NotResource=ROLE),
        ),
        (
            "Pass role with star in resource",
            _slr(Action="iam:PassRole", Resource="*"),
            _slr(Action="iam:PassRole", Resource=ROLE),
        ),
        (
            "Pass role with star in action and resource",
            _slr(Action="iam:*", Resource="*"),
            _slr(Action="iam:*", Resource=ROLE),
        ),
        (
            "Pass role with star in resource and NotAction",
            _slr(NotAction="s3:*", Resource="*"),
            _slr(NotAction=["s3:*", "iam:PassRole"], Resource="*"),
        ),
    ],
)
def test_pass_role_wildcards(
    catalogue: ActionCatalogue, variant: str, triggers: Any, quiet: Any
) -> None:
    """The six "Pass role with ..." checks (SECURITY_WARNING), access-analyzer-reference-
    policy-checks.html; each quiet twin names the role or leaves iam:PassRole out."""
    check(catalogue, "PASS_ROLE_WILDCARD", SECURITY_WARNING, triggers, quiet)


def test_pass_role_star_with_passed_to_service(catalogue: ActionCatalogue) -> None:
    """Pass role with star in resource (SECURITY_WARNING), access-analyzer-reference-policy-
    checks.html: the page's other remedy, iam:PassedToService, also silences it."""
    check(
        catalogue,
        "PASS_ROLE_WILDCARD",
        SECURITY_WARNING,
        doc(allow("iam:PassRole", "*")),
        doc(
            allow(
                "iam:PassRole",
                "*",
                **when("StringEquals", "iam:PassedToService", "ec2.amazonaws.com"),
            )
        ),
    )


# --- Suggestions ------------------------------------------------------------------------------


def test_allow_not_action_with_unsupported_tag_condition_key(catalogue: ActionCatalogue) -> None:
    """Allow NotAction with unsupported tag condition key for service (SUGGESTION),
    access-analyzer-reference-policy-checks.html."""
    tagged = when("StringEquals", "aws:ResourceTag/team", "BumbleBee")
    check(
        catalogue,
        "TAG_KEY_UNSUPPORTED",
        SUGGESTION,
        doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*", **tagged}),
        doc(allow(["appmesh:DescribeMesh", "backup:GetBackupPlan"], "*", **tagged)),
    )


def test_allow_with_unsupported_tag_condition_key(catalogue: ActionCatalogue) -> None:
    """Allow with unsupported tag condition key for service (SUGGESTION), access-analyzer-
    reference-policy-checks.html: the page's fixed example quiet, an action of a service
    without aws:ResourceTag added to the tagged statement loud."""
    tagged = when("StringEquals", "aws:ResourceTag/team", "BumbleBee")
    unsupported = allow(
        "lambda:GetFunction",
        "arn:aws:lambda:*:403299380220:function:BumbleBee*",
        Sid="AllowViewUnsupported",
    )
    fixed = doc(
        allow(
            ["appmesh:DescribeMesh", "backup:GetBackupPlan"],
            "*",
            Sid="AllowViewSupported",
            **tagged,
        ),
        unsupported,
    )
    broken = doc(
        allow(
            ["appmesh:DescribeMesh", "backup:GetBackupPlan", "s3:ListAllMyBuckets"],
            "*",
            Sid="AllowViewSupported",
            **tagged,
        ),
        unsupported,
    )
    check(catalogue, "TAG_KEY_UNSUPPORTED", SUGGESTION, broken, fixed)


def test_empty_array_action(catalogue: ActionCatalogue) -> None:
    """Empty array action (SUGGESTION), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "MALFORMED",
        SUGGESTION,
        doc(allow([], OBJECTS)),
        doc(allow(["s3:GetObject"], OBJECTS)),
    )


def test_empty_array_condition(catalogue: ActionCatalogue) -> None:
    """Empty array condition (SUGGESTION), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "EMPTY_ELEMENT",
        SUGGESTION,
        doc(allow("s3:GetObject", OBJECTS, **when("StringEquals", "aws:PrincipalTag/team", []))),
        doc(allow("s3:GetObject", OBJECTS, **when("StringEquals", "aws:PrincipalTag/team", ["a"]))),
    )


@pytest.mark.parametrize(
    "operator",
    ["ForAllValues:StringEquals", "ForAnyValue:StringEquals", "StringEqualsIfExists"],
)
def test_empty_array_condition_qualified(catalogue: ActionCatalogue, operator: str) -> None:
    """Empty array condition ForAllValues / ForAnyValue / IfExists (SUGGESTION), access-
    analyzer-reference-policy-checks.html."""
    key = "aws:TagKeys" if operator.startswith("For") else "aws:PrincipalTag/team"
    check(
        catalogue,
        "EMPTY_ELEMENT",
        SUGGESTION,
        doc(allow("ec2:CreateTags", "*", **when(operator, key, []))),
        doc(allow("ec2:CreateTags", "*", **when(operator, key, ["team"]))),
    )


def test_empty_array_principal(catalogue: ActionCatalogue) -> None:
    """Empty array principal (SUGGESTION), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "MALFORMED",
        SUGGESTION,
        doc(allow("s3:GetObject", OBJECTS, Principal={"AWS": []})),
        doc(allow("s3:GetObject", OBJECTS, Principal={"AWS": [ACCOUNT]})),
        policy_type="resource",
    )


def test_empty_array_resource(catalogue: ActionCatalogue) -> None:
    """Empty array resource (SUGGESTION), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "MALFORMED",
        SUGGESTION,
        doc(allow("s3:GetObject", [])),
        doc(allow("s3:GetObject", [OBJECTS])),
    )


def test_empty_object_condition(catalogue: ActionCatalogue) -> None:
    """Empty object condition (SUGGESTION), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "EMPTY_ELEMENT",
        SUGGESTION,
        doc(allow("s3:GetObject", OBJECTS, Condition={})),
        doc(allow("s3:GetObject", OBJECTS)),
    )


def test_empty_object_principal(catalogue: ActionCatalogue) -> None:
    """Empty object principal (SUGGESTION), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "MALFORMED",
        SUGGESTION,
        doc(allow("s3:GetObject", OBJECTS, Principal={})),
        doc(allow("s3:GetObject", OBJECTS, Principal={"AWS": ACCOUNT})),
        policy_type="resource",
    )


def test_empty_sid_value(catalogue: ActionCatalogue) -> None:
    """Empty Sid value (SUGGESTION), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "EMPTY_ELEMENT",
        SUGGESTION,
        doc(allow("s3:GetObject", OBJECTS, Sid="")),
        doc(allow("s3:GetObject", OBJECTS, Sid="Read")),
    )


def test_improve_ip_range(catalogue: ActionCatalogue) -> None:
    """Improve IP range (SUGGESTION), access-analyzer-reference-policy-checks.html: non-zero
    bits after the mask."""
    check(
        catalogue,
        "CONDITION_VALUE",
        SUGGESTION,
        doc(allow("s3:GetObject", OBJECTS, **when("IpAddress", "aws:SourceIp", "203.0.113.5/24"))),
        doc(allow("s3:GetObject", OBJECTS, **when("IpAddress", "aws:SourceIp", "203.0.113.0/24"))),
    )


@pytest.mark.parametrize("qualifier", ["ForAllValues", "ForAnyValue"])
def test_null_with_qualifier(catalogue: ActionCatalogue, qualifier: str) -> None:
    """Null with qualifier (SUGGESTION), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "MALFORMED",
        SUGGESTION,
        doc(allow("ec2:CreateTags", "*", **when(f"{qualifier}:Null", "aws:TagKeys", "false"))),
        doc(allow("ec2:CreateTags", "*", **when("Null", "aws:TagKeys", "false"))),
    )


def test_private_ip_address_subset(catalogue: ActionCatalogue) -> None:
    """Private IP address subset (SUGGESTION), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "PRIVATE_SOURCE_IP",
        SUGGESTION,
        doc(
            allow(
                "s3:GetObject",
                OBJECTS,
                **when("IpAddress", "aws:SourceIp", ["10.0.0.0/8", "203.0.113.0/24"]),
            )
        ),
        doc(
            allow("s3:GetObject", OBJECTS, **when("IpAddress", "aws:SourceIp", ["203.0.113.0/24"]))
        ),
    )


def test_private_not_ip_address_subset(catalogue: ActionCatalogue) -> None:
    """Private NotIpAddress subset (SUGGESTION), access-analyzer-reference-policy-checks.html."""
    check(
        catalogue,
        "PRIVATE_SOURCE_IP",
        SUGGESTION,
        doc(
            deny(
                "s3:*",
                "*",
                **when("NotIpAddress", "aws:SourceIp", ["192.168.0.0/16", "203.0.113.0/24"]),
            )
        ),
        doc(deny("s3:*", "*", **when("NotIpAddress", "aws:SourceIp", ["203.0.113.0/24"]))),
    )


def test_redundant_action(catalogue: ActionCatalogue) -> None:
    """Redundant action (SUGGESTION), access-analyzer-reference-policy-checks.html: the page's
    iam:Get*, iam:List*, iam:GetCredentialReport; with iam:*CredentialReport instead, nothing is
    redundant (the page's own counter-example)."""
    check(
        catalogue,
        "REDUNDANT_ACTION",
        SUGGESTION,
        doc(allow(["iam:Get*", "iam:List*", "iam:GetCredentialReport"])),
        doc(allow(["iam:Get*", "iam:List*", "iam:*CredentialReport"])),
    )


def test_redundant_condition_value_num(catalogue: ActionCatalogue) -> None:
    """Redundant condition value num (SUGGESTION), access-analyzer-reference-policy-checks.html:
    the page's aws:MultiFactorAuthAge 2700 and 3600."""
    check(
        catalogue,
        "REDUNDANT_CONDITION_VALUE",
        SUGGESTION,
        doc(
            allow(
                "s3:GetObject",
                OBJECTS,
                **when("NumericLessThan", "aws:MultiFactorAuthAge", ["2700", "3600"]),
            )
        ),
        doc(
            allow(
                "s3:GetObject",
                OBJECTS,
                **when("NumericLessThan", "aws:MultiFactorAuthAge", ["3600"]),
            )
        ),
    )


def test_redundant_resource(catalogue: ActionCatalogue) -> None:
    """Redundant resource (SUGGESTION), access-analyzer-reference-policy-checks.html: the
    page's jane-admin, jane-s3only and jane*."""
    roles = [f"arn:aws:iam::{ACCOUNT}:role/jane-admin", f"arn:aws:iam::{ACCOUNT}:role/jane-s3only"]
    check(
        catalogue,
        "REDUNDANT_RESOURCE",
        SUGGESTION,
        doc(allow("sts:AssumeRole", [*roles, f"arn:aws:iam::{ACCOUNT}:role/jane*"])),
        doc(allow("sts:AssumeRole", roles)),
    )


def test_redundant_statement(catalogue: ActionCatalogue) -> None:
    """Redundant statement (SUGGESTION), access-analyzer-reference-policy-checks.html: the same
    statement twice."""
    check(
        catalogue,
        "REDUNDANT_STATEMENT",
        SUGGESTION,
        doc(allow("s3:GetObject", OBJECTS), allow("s3:GetObject", OBJECTS)),
        doc(allow("s3:GetObject", OBJECTS), allow("s3:PutObject", OBJECTS)),
    )


def test_wildcard_in_service_name(catalogue: ActionCatalogue) -> None:
    """Wildcard in service name (SUGGESTION), access-analyzer-reference-policy-checks.html: the
    page's arn:aws:*code*::111122223333:*."""
    check(
        catalogue,
        "INVALID_ARN",
        SUGGESTION,
        doc(allow("codecommit:GitPull", f"arn:aws:*code*::{ACCOUNT}:*")),
        doc(allow("codecommit:GitPull", f"arn:aws:codecommit:*:{ACCOUNT}:*")),
    )
