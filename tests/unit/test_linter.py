"""The policy linter: every code fires on its case and stays quiet on the fixed version."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.audit.findings import Severity
from bot.iam.catalogue import ActionCatalogue, default_catalogue
from bot.iam.lint_model import CODES, LintFinding
from bot.iam.linter import lint_policy
from tests.factories import ORIGIN_MFA_EXAMPLE, ORIGIN_S3_EXAMPLE


@pytest.fixture(scope="module")
def catalogue() -> ActionCatalogue:
    return default_catalogue()


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def lint(
    catalogue: ActionCatalogue, document: Any, policy_type: str = "identity"
) -> list[LintFinding]:
    return lint_policy(document, catalogue=catalogue, policy_type=policy_type)  # type: ignore[arg-type]


def codes(findings: list[LintFinding]) -> list[str]:
    return [f.code for f in findings]


def only(findings: list[LintFinding], code: str) -> list[LintFinding]:
    return [f for f in findings if f.code == code]


# --- the two examples the project started from (origin.md) -------------------------------------


def test_origin_s3_example_is_a_resource_mismatch_for_list_bucket_only(
    catalogue: ActionCatalogue,
) -> None:
    findings = lint(catalogue, ORIGIN_S3_EXAMPLE)
    assert codes(findings) == ["RESOURCE_MISMATCH"]
    (mismatch,) = findings
    assert mismatch.statement == 0
    assert mismatch.severity is Severity.MEDIUM
    assert mismatch.detail["action"] == "s3:ListBucket"
    assert "s3:GetObject" not in mismatch.message
    assert any("bucket" in t for t in mismatch.detail["expected_resource_types"])


def test_origin_mfa_example_is_an_mfa_lockout(catalogue: ActionCatalogue) -> None:
    findings = lint(catalogue, ORIGIN_MFA_EXAMPLE)
    assert codes(findings) == ["MFA_LOCKOUT"]
    (lockout,) = findings
    assert lockout.severity is Severity.HIGH
    assert lockout.statement == 0
    blocked = set(lockout.detail["blocked_actions"])
    assert {"iam:CreateVirtualMFADevice", "iam:EnableMFADevice"} <= blocked
    # Denied too, but no policy can stop it (IAM User Guide, "Permissions for GetSessionToken").
    assert "sts:GetSessionToken" not in blocked
    assert "NotAction" in lockout.message


def test_origin_examples_as_json_text(catalogue: ActionCatalogue) -> None:
    assert codes(lint(catalogue, json.dumps(ORIGIN_S3_EXAMPLE))) == ["RESOURCE_MISMATCH"]
    assert codes(lint(catalogue, json.dumps(ORIGIN_MFA_EXAMPLE))) == ["MFA_LOCKOUT"]


# --- MALFORMED ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "reason_part"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "JSON object"),
        ({"Version": "2012-10-17"}, "Statement"),
        (doc({"Effect": "Permit", "Action": "s3:GetObject", "Resource": "*"}), "Effect"),
        (doc({"Effect": "Allow", "Resource": "*"}), "Action"),
        (doc(allow("s3:GetObject", "example-bucket")), "ARN format"),
        (
            doc(allow("s3:GetObject", Condition={"StringEqualz": {"aws:username": "a"}})),
            "Condition",
        ),
        ({"Version": "2013-01-01", "Statement": [allow("s3:GetObject")]}, "Version"),
    ],
)
def test_malformed(catalogue: ActionCatalogue, document: Any, reason_part: str) -> None:
    findings = only(lint(catalogue, document), "MALFORMED")
    assert findings, document
    assert all(f.severity is Severity.HIGH for f in findings)
    assert any(reason_part in f.message for f in findings)


def test_malformed_statement_does_not_hide_the_others(catalogue: ActionCatalogue) -> None:
    document = doc(
        {"Effect": "Allow", "Resource": "*"},
        allow(["s3:ListBucket"], "arn:aws:s3:::example-bucket/*"),
    )
    findings = lint(catalogue, document)
    assert [(f.code, f.statement) for f in findings] == [
        ("MALFORMED", 0),
        ("RESOURCE_MISMATCH", 1),
    ]


def test_duplicate_sid_is_reported_and_statements_still_linted(
    catalogue: ActionCatalogue,
) -> None:
    document = doc(
        allow("s3:GetObject", "arn:aws:s3:::b/*", Sid="Same"),
        allow("s3:ListBucket", "arn:aws:s3:::b/*", Sid="Same"),
    )
    findings = lint(catalogue, document)
    (duplicate,) = only(findings, "DUPLICATE_SID")
    assert (duplicate.statement, duplicate.severity) == (1, Severity.HIGH)
    assert "RESOURCE_MISMATCH" in codes(findings)
    assert "MALFORMED" not in codes(findings)


@pytest.mark.parametrize(
    ("policy_type", "statement", "reason_part"),
    [
        ("identity", allow("s3:GetObject", Principal={"AWS": "*"}), "principal"),
        ("resource", allow("s3:GetObject", "arn:aws:s3:::b/*"), "Principal"),
        ("identity", {"Effect": "Allow", "Action": "s3:GetObject"}, "resources"),
        (
            "trust",
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*", "Principal": "*"},
            "Resource",
        ),
        (
            "trust",
            {"Effect": "Allow", "Action": "s3:GetObject", "Principal": {"AWS": "111122223333"}},
            "not valid in a trust policy",
        ),
    ],
)
def test_structure_per_policy_type(
    catalogue: ActionCatalogue, policy_type: str, statement: dict[str, Any], reason_part: str
) -> None:
    findings = only(lint(catalogue, doc(statement), policy_type), "MALFORMED")
    assert any(reason_part in f.message for f in findings), findings


def test_valid_trust_policy_is_clean(catalogue: ActionCatalogue) -> None:
    trust = doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    )
    assert lint(catalogue, trust, "trust") == []


def test_valid_resource_policy_is_clean(catalogue: ActionCatalogue) -> None:
    bucket_policy = doc(
        allow(
            "s3:GetObject",
            "arn:aws:s3:::example-bucket/*",
            Principal={"AWS": "arn:aws:iam::111122223333:root"},
        )
    )
    assert lint(catalogue, bucket_policy, "resource") == []


def test_unknown_policy_type_is_refused(catalogue: ActionCatalogue) -> None:
    with pytest.raises(ValueError, match="unknown policy type"):
        lint(catalogue, ORIGIN_S3_EXAMPLE, "session")


# --- UNKNOWN_SERVICE / UNKNOWN_ACTION -----------------------------------------------------------


def test_unknown_service(catalogue: ActionCatalogue) -> None:
    findings = lint(catalogue, doc(allow("s4:GetObject", "arn:aws:s3:::b/*")))
    (unknown,) = only(findings, "UNKNOWN_SERVICE")
    assert unknown.detail["service"] == "s4"
    assert "s3" in unknown.detail["suggestions"]


def test_unknown_action_suggests_the_real_one(catalogue: ActionCatalogue) -> None:
    findings = lint(catalogue, doc(allow("s3:GetObjekt", "arn:aws:s3:::b/*")))
    (unknown,) = only(findings, "UNKNOWN_ACTION")
    assert unknown.detail["suggestions"][0] == "s3:GetObject"
    assert "did you mean" in unknown.message


def test_wildcard_matching_nothing_is_unknown_action(catalogue: ActionCatalogue) -> None:
    assert codes(lint(catalogue, doc(allow("s3:Frobnicate*")))) == ["UNKNOWN_ACTION"]


def test_unknown_entries_in_not_action_are_reported(catalogue: ActionCatalogue) -> None:
    document = doc({"Effect": "Deny", "NotAction": ["iam:NoSuchThing"], "Resource": "*"})
    assert "UNKNOWN_ACTION" in codes(lint(catalogue, document))


def test_known_actions_any_case_are_fine(catalogue: ActionCatalogue) -> None:
    document = doc(allow(["S3:getobject", "s3:Get*", "*:GetCallerIdentity"], "arn:aws:s3:::b/*"))
    found = codes(lint(catalogue, document))
    assert "UNKNOWN_ACTION" not in found
    assert "UNKNOWN_SERVICE" not in found


# --- RESOURCE_MISMATCH --------------------------------------------------------------------------


def test_corrected_s3_policy_has_no_mismatch(catalogue: ActionCatalogue) -> None:
    document = doc(
        allow("s3:ListBucket", "arn:aws:s3:::example-bucket"),
        allow("s3:GetObject", "arn:aws:s3:::example-bucket/*"),
    )
    assert lint(catalogue, document) == []


def test_get_object_on_bucket_arn_is_a_mismatch(catalogue: ActionCatalogue) -> None:
    findings = lint(catalogue, doc(allow("s3:GetObject", "arn:aws:s3:::example-bucket")))
    (mismatch,) = only(findings, "RESOURCE_MISMATCH")
    assert mismatch.detail["action"] == "s3:GetObject"


def test_action_without_resource_types_needs_star(catalogue: ActionCatalogue) -> None:
    findings = lint(catalogue, doc(allow("iam:ListUsers", "arn:aws:iam::123456789012:user/*")))
    (mismatch,) = only(findings, "RESOURCE_MISMATCH")
    assert "'*'" in mismatch.message
    assert lint(catalogue, doc(allow("iam:ListUsers", "*"))) == []


def test_one_fitting_resource_is_enough(catalogue: ActionCatalogue) -> None:
    document = doc(
        allow(
            ["s3:ListBucket", "s3:GetObject"],
            ["arn:aws:s3:::example-bucket", "arn:aws:s3:::example-bucket/*"],
        )
    )
    assert lint(catalogue, document) == []


def test_wildcard_action_mismatch_only_when_none_fits(catalogue: ActionCatalogue) -> None:
    fits = doc(allow("s3:Get*", "arn:aws:s3:::example-bucket/*"))
    assert only(lint(catalogue, fits), "RESOURCE_MISMATCH") == []
    wrong_service = doc(allow("ec2:Terminate*", "arn:aws:s3:::example-bucket/*"))
    (mismatch,) = only(lint(catalogue, wrong_service), "RESOURCE_MISMATCH")
    assert mismatch.detail["action"] == "ec2:Terminate*"


def test_policy_variables_and_log_group_suffixes_are_not_mismatches(
    catalogue: ActionCatalogue,
) -> None:
    document = doc(
        allow("iam:GetUser", "arn:aws:iam::*:user/${aws:username}"),
        allow("logs:CreateLogStream", "arn:aws:logs:*:*:log-group:/aws/lambda/fn:*"),
    )
    assert only(lint(catalogue, document), "RESOURCE_MISMATCH") == []


def test_deny_with_mismatch_is_reported_too(catalogue: ActionCatalogue) -> None:
    document = doc({"Effect": "Deny", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b/*"})
    assert codes(lint(catalogue, document)) == ["RESOURCE_MISMATCH"]


# --- conditions ---------------------------------------------------------------------------------


def with_condition(condition: dict[str, Any]) -> dict[str, Any]:
    return doc(allow("s3:GetObject", "arn:aws:s3:::b/*", Condition=condition))


def test_unknown_condition_key(catalogue: ActionCatalogue) -> None:
    findings = lint(catalogue, with_condition({"StringEquals": {"aws:UserName2": "x"}}))
    (unknown,) = only(findings, "UNKNOWN_CONDITION_KEY")
    assert unknown.detail["key"] == "aws:UserName2"


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:username": "alice"}},
        {"StringEquals": {"AWS:USERNAME": "alice"}},
        {"StringEquals": {"aws:PrincipalTag/team": "platform"}},
        {"StringLike": {"s3:ExistingObjectTag/env": "prod*"}},
        {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}},
        {"DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}},
        {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
        {"NumericLessThan": {"aws:EpochTime": "1800000000"}},
        {"Bool": {"aws:SecureTransport": True}},
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin-*"}},
        # A String operator still fits an ARN key; StringLike there is Access Analyzer's
        # "String like operator with ARN condition keys" (test_aws_docs_policy_checks_security).
        {"StringEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/admin"}},
        {"Null": {"aws:ResourceTag/owner": "false"}},
        {"ForAnyValue:StringEquals": {"aws:CalledVia": ["athena.amazonaws.com"]}},
        {"StringEquals": {"aws:username": "${aws:PrincipalTag/name}"}},
    ],
)
def test_conditions_that_fit(catalogue: ActionCatalogue, condition: dict[str, Any]) -> None:
    assert lint(catalogue, with_condition(condition)) == []


@pytest.mark.parametrize(
    ("condition", "kind"),
    [
        ({"DateGreaterThan": {"aws:username": "2026-01-01"}}, "operator"),
        ({"Bool": {"aws:username": "true"}}, "operator"),
        ({"StringEquals": {"aws:CurrentTime": "2026-01-01"}}, "operator"),
        ({"IpAddress": {"aws:PrincipalArn": "10.0.0.0/8"}}, "operator"),
        ({"ArnLike": {"aws:username": "arn:aws:iam::*:user/a"}}, "operator"),
        ({"Bool": {"aws:SecureTransport": "yes"}}, "value"),
        ({"NumericLessThan": {"aws:MultiFactorAuthAge": "an hour"}}, "value"),
        ({"DateLessThan": {"aws:CurrentTime": "tomorrow"}}, "value"),
        ({"IpAddress": {"aws:SourceIp": "10.0.0.300/8"}}, "value"),
        ({"Null": {"aws:username": "maybe"}}, "value"),
    ],
)
def test_condition_type_mismatch(
    catalogue: ActionCatalogue, condition: dict[str, Any], kind: str
) -> None:
    findings = only(lint(catalogue, with_condition(condition)), "CONDITION_TYPE_MISMATCH")
    assert [f.detail["kind"] for f in findings] == [kind]
    assert findings[0].severity is Severity.MEDIUM


def test_set_operator_severities(catalogue: ActionCatalogue) -> None:
    """A multivalued key without a set operator (Access Analyzer "Missing qualifier", an
    ERROR) and ForAllValues on a single-valued key (a SECURITY_WARNING: true when the key is
    absent) are MEDIUM; ForAnyValue on a single-valued key is only the wrong form: LOW."""
    multi = only(
        lint(catalogue, with_condition({"StringEquals": {"aws:TagKeys": "a"}})),
        "CONDITION_TYPE_MISMATCH",
    )
    assert [(f.detail["kind"], f.severity) for f in multi] == [
        ("multivalued_without_set_operator", Severity.MEDIUM)
    ]
    single = only(
        lint(catalogue, with_condition({"ForAllValues:StringEquals": {"aws:username": "a"}})),
        "CONDITION_TYPE_MISMATCH",
    )
    assert [(f.detail["kind"], f.severity) for f in single] == [
        ("set_operator_on_single_valued", Severity.MEDIUM)
    ]
    assert "no such key" in single[0].message
    any_value = only(
        lint(catalogue, with_condition({"ForAnyValue:StringEquals": {"aws:username": "a"}})),
        "CONDITION_TYPE_MISMATCH",
    )
    assert [(f.detail["kind"], f.severity) for f in any_value] == [
        ("set_operator_on_single_valued", Severity.LOW)
    ]
    assert "no such key" not in any_value[0].message


GITHUB_OIDC = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"


def test_web_identity_keys_in_trust_policy(catalogue: ActionCatalogue) -> None:
    trust = doc(
        {
            "Effect": "Allow",
            "Principal": {"Federated": GITHUB_OIDC},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                "StringLike": {
                    "token.actions.githubusercontent.com:sub": "repo:org/app:ref:refs/heads/main"
                },
            },
        }
    )
    assert lint(catalogue, trust, "trust") == []


# --- NOT_ACTION_ALLOW ---------------------------------------------------------------------------


def test_not_action_allow(catalogue: ActionCatalogue) -> None:
    document = doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    (notaction,) = only(lint(catalogue, document), "NOT_ACTION_ALLOW")
    assert notaction.detail["actions_allowed"] > 10_000


def test_not_action_deny_and_boundary_are_fine(catalogue: ActionCatalogue) -> None:
    deny = doc({"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"})
    assert only(lint(catalogue, deny), "NOT_ACTION_ALLOW") == []
    boundary = doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert only(lint(catalogue, boundary, "boundary"), "NOT_ACTION_ALLOW") == []


# --- WILDCARD_SENSITIVE -------------------------------------------------------------------------


def test_wildcard_sensitive_write(catalogue: ActionCatalogue) -> None:
    (wild,) = only(lint(catalogue, doc(allow("s3:PutObject", "*"))), "WILDCARD_SENSITIVE")
    assert wild.severity is Severity.MEDIUM
    assert wild.detail["actions"] == ["s3:PutObject"]


def test_wildcard_sensitive_permissions_management_is_high(catalogue: ActionCatalogue) -> None:
    (wild,) = only(lint(catalogue, doc(allow("iam:AttachUserPolicy"))), "WILDCARD_SENSITIVE")
    assert wild.severity is Severity.HIGH
    assert wild.detail["permissions_management"] == 1


def test_wildcard_sensitive_with_conditions_is_low(catalogue: ActionCatalogue) -> None:
    # A condition that does not scope the resources (a positive aws:ResourceTag test would:
    # test_lint_scoped_wildcards.py).
    document = doc(allow("s3:PutObject", Condition={"Bool": {"aws:SecureTransport": "true"}}))
    (wild,) = only(lint(catalogue, document), "WILDCARD_SENSITIVE")
    assert wild.severity is Severity.LOW


def test_star_only_actions_and_reads_are_not_sensitive(catalogue: ActionCatalogue) -> None:
    # ec2:DescribeInstances is List; iam:CreateAccountAlias and sts:DecodeAuthorizationMessage
    # are writes that support no resource-level permissions, so "*" is their only option.
    document = doc(
        allow(["ec2:DescribeInstances", "iam:CreateAccountAlias", "sts:DecodeAuthorizationMessage"])
    )
    assert lint(catalogue, document) == []


def test_scoped_write_is_not_sensitive(catalogue: ActionCatalogue) -> None:
    assert lint(catalogue, doc(allow("s3:PutObject", "arn:aws:s3:::b/uploads/*"))) == []


def test_scp_full_access_is_not_sensitive(catalogue: ActionCatalogue) -> None:
    assert lint(catalogue, doc(allow("*")), "scp") == []


# --- REDUNDANT_STATEMENT ------------------------------------------------------------------------


def test_redundant_statement(catalogue: ActionCatalogue) -> None:
    document = doc(
        allow("s3:Get*", "arn:aws:s3:::b/*"),
        allow("s3:GetObject", "arn:aws:s3:::b/reports/*"),
    )
    (redundant,) = only(lint(catalogue, document), "REDUNDANT_STATEMENT")
    assert redundant.statement == 1
    assert redundant.detail["covered_by"] == 0
    assert redundant.severity is Severity.LOW


def test_identical_statements_report_the_later_one_only(catalogue: ActionCatalogue) -> None:
    document = doc(
        allow("s3:GetObject", "arn:aws:s3:::b/*"), allow("s3:GetObject", "arn:aws:s3:::b/*")
    )
    assert [(f.code, f.statement) for f in lint(catalogue, document)] == [
        ("REDUNDANT_STATEMENT", 1)
    ]


@pytest.mark.parametrize(
    "statements",
    [
        # the broader statement has a condition, so it does not always cover
        (
            allow(
                "s3:Get*", "arn:aws:s3:::b/*", Condition={"Bool": {"aws:SecureTransport": "true"}}
            ),
            allow("s3:GetObject", "arn:aws:s3:::b/reports/*"),
        ),
        # different effects
        (
            {"Effect": "Deny", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"},
            allow("s3:GetObject", "arn:aws:s3:::b/reports/*"),
        ),
        # resources not covered
        (allow("s3:Get*", "arn:aws:s3:::b/*"), allow("s3:GetObject", "arn:aws:s3:::c/*")),
        # actions not covered
        (allow("s3:GetObject", "arn:aws:s3:::b/*"), allow("s3:PutObject", "arn:aws:s3:::b/x/*")),
    ],
)
def test_not_redundant(catalogue: ActionCatalogue, statements: tuple[dict[str, Any], ...]) -> None:
    assert only(lint(catalogue, doc(*statements)), "REDUNDANT_STATEMENT") == []


# --- MFA_LOCKOUT --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "condition",
    [
        {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        {"Bool": {"aws:MultiFactorAuthPresent": False}},
        # Null aws:MultiFactorAuthPresent true is no lock-out: it denies only calls signed with
        # long-term access keys, while temporary credentials obtained without MFA (console
        # sign-in) carry the key as false (IAM User Guide, aws:MultiFactorAuthPresent), so
        # users enrol from the console (tests/unit/test_aws_docs_mfa.py).
        {"Null": {"aws:MultiFactorAuthAge": "true"}},
        {"NumericGreaterThanIfExists": {"aws:MultiFactorAuthAge": "3600"}},
    ],
)
def test_mfa_lockout_forms(catalogue: ActionCatalogue, condition: dict[str, Any]) -> None:
    document = doc({"Effect": "Deny", "Action": "iam:*", "Resource": "*", "Condition": condition})
    (lockout,) = only(lint(catalogue, document), "MFA_LOCKOUT")
    assert "sts:GetSessionToken" not in lockout.detail["blocked_actions"]
    assert "iam:EnableMFADevice" in lockout.detail["blocked_actions"]


# What a user without MFA still needs, as AWS's self-service example leaves it out of its Deny.
_SELF_SERVICE_NOT_ACTION = (
    "iam:ChangePassword",
    "iam:CreateVirtualMFADevice",
    "iam:EnableMFADevice",
    "iam:GetUser",
    "iam:ListMFADevices",
    "iam:ListVirtualMFADevices",
    "iam:ResyncMFADevice",
)


def test_mfa_self_service_pattern_is_not_a_lockout(catalogue: ActionCatalogue) -> None:
    document = doc(
        {
            "Effect": "Deny",
            "NotAction": [*_SELF_SERVICE_NOT_ACTION, "sts:GetSessionToken"],
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        }
    )
    assert lint(catalogue, document) == []


def test_denying_get_session_token_without_mfa_is_no_lockout(catalogue: ActionCatalogue) -> None:
    """AWS's self-service example leaves sts:GetSessionToken out of its Deny, but the call
    "needs no permissions" and policies "cannot control authentication operations" (IAM User
    Guide, "Permissions for GetSessionToken"): a Deny that also covers it blocks no one, so
    it is no finding (it was a LOW one, the linter contradicting the evaluator)."""
    document = doc(
        {
            "Effect": "Deny",
            "NotAction": list(_SELF_SERVICE_NOT_ACTION),
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        }
    )
    assert lint(catalogue, document) == []


def test_not_action_missing_one_enrolment_action_still_locks_out(
    catalogue: ActionCatalogue,
) -> None:
    document = doc(
        {
            "Effect": "Deny",
            "NotAction": [
                "iam:CreateVirtualMFADevice",
                "iam:ListMFADevices",
                "sts:GetSessionToken",
            ],
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        }
    )
    (lockout,) = only(lint(catalogue, document), "MFA_LOCKOUT")
    assert "iam:EnableMFADevice" in lockout.detail["blocked_actions"]
    assert "iam:CreateVirtualMFADevice" not in lockout.detail["blocked_actions"]


@pytest.mark.parametrize(
    "statement",
    [
        # deny when MFA *is* present: not about enrolment
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        },
        # denies only S3 without MFA
        {
            "Effect": "Deny",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        },
        # the deny's resources exclude the user's own identity
        {
            "Effect": "Deny",
            "Action": "iam:*",
            "Resource": "arn:aws:iam::*:role/*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        },
        # an Allow is never a lock-out
        allow("iam:*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}}),
    ],
)
def test_not_mfa_lockout(catalogue: ActionCatalogue, statement: dict[str, Any]) -> None:
    assert only(lint(catalogue, doc(statement)), "MFA_LOCKOUT") == []


# --- model --------------------------------------------------------------------------------------


def test_every_code_has_a_default_severity_and_reason() -> None:
    assert all(isinstance(s, Severity) and reason for s, reason in CODES.values())
    assert set(CODES) >= {
        "MALFORMED",
        "UNKNOWN_SERVICE",
        "UNKNOWN_ACTION",
        "RESOURCE_MISMATCH",
        "UNKNOWN_CONDITION_KEY",
        "CONDITION_TYPE_MISMATCH",
        "NOT_ACTION_ALLOW",
        "WILDCARD_SENSITIVE",
        "REDUNDANT_STATEMENT",
        "MFA_LOCKOUT",
    }
    assert CODES["MALFORMED"][0] is Severity.HIGH
    assert CODES["MFA_LOCKOUT"][0] is Severity.HIGH
    assert CODES["RESOURCE_MISMATCH"][0] is Severity.MEDIUM


def test_finding_serialises(catalogue: ActionCatalogue) -> None:
    (mismatch,) = lint(catalogue, ORIGIN_S3_EXAMPLE)
    data = mismatch.to_dict()
    assert data["code"] == "RESOURCE_MISMATCH"
    assert data["severity"] == "medium"
    assert data["statement"] == 0
    assert json.loads(json.dumps(data)) == data


def test_findings_are_ordered_by_statement_then_severity(catalogue: ActionCatalogue) -> None:
    document = doc(
        allow("s3:ListBucket", "arn:aws:s3:::b/*"),
        allow("iam:AttachUserPolicy"),
        allow("s3:GetObject", "arn:aws:s3:::b/*", Condition={"Bool": {"aws:x": "true"}}),
    )
    del document["Version"]  # a document-level finding (MISSING_VERSION) to order too
    findings = lint(catalogue, document)
    positions = [-1 if f.statement is None else f.statement for f in findings]
    assert positions == sorted(positions)
    assert positions[0] == -1  # document-level findings come first


def test_star_in_a_resource_policy_is_the_resource_itself(catalogue: ActionCatalogue) -> None:
    key_policy = doc(
        allow("kms:*", Principal={"AWS": "arn:aws:iam::111122223333:root"}),
    )
    assert lint(catalogue, key_policy, "resource") == []


def test_bad_version_still_lints_the_statements(catalogue: ActionCatalogue) -> None:
    document = {
        "Version": "2020-01-01",
        "Statement": [allow("s3:ListBucket", "arn:aws:s3:::b/*")],
    }
    assert codes(lint(catalogue, document)) == ["MALFORMED", "RESOURCE_MISMATCH"]


def test_resource_policy_without_resource_element_is_fine(catalogue: ActionCatalogue) -> None:
    ecr_policy = doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        }
    )
    assert lint(catalogue, ecr_policy, "resource") == []


def test_salvaged_statement_keeps_its_sid(catalogue: ActionCatalogue) -> None:
    document = doc(
        {"Effect": "Allow", "Resource": "*"},
        allow("s3:GetObject", "arn:aws:s3:::b/*", Sid="Dup"),
        allow("s3:GetObject", "arn:aws:s3:::b/*", Sid="Dup"),
    )
    redundant = only(lint(catalogue, document), "REDUNDANT_STATEMENT")
    assert [f.statement for f in redundant] == [2]
    assert "statement Dup" in redundant[0].message


def test_wildcard_sensitive_over_many_services_is_summarised_by_service(
    catalogue: ActionCatalogue,
) -> None:
    document = doc({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"})
    (wild,) = only(lint(catalogue, document), "WILDCARD_SENSITIVE")
    # Thousands of actions: the message counts them by service instead of naming the first few
    # in alphabetical order, and stays short enough for a terminal line.
    assert wild.detail["count"] > 1000
    assert wild.detail["service_count"] > 100
    assert len(wild.message) < 400
    assert f"in {wild.detail['service_count']} services (most in ec2 " in wild.message
    top = list(wild.detail["top_services"].items())
    assert top[0][0] == "ec2"
    assert [n for _, n in top] == sorted((n for _, n in top), reverse=True)
    assert len(wild.detail["actions"]) == 20


def test_wildcard_sensitive_in_one_service_names_the_actions(catalogue: ActionCatalogue) -> None:
    (wild,) = only(lint(catalogue, doc(allow("s3:*"))), "WILDCARD_SENSITIVE")
    # Permissions management first: those are the actions that open buckets to others.
    managed = wild.detail["permissions_management"]
    assert managed > 5
    assert wild.detail["actions"][:managed] == sorted(wild.detail["actions"][:managed])
    assert "s3:PutBucketPolicy" in wild.detail["actions"][:managed]
    assert "s3:AbortMultipartUpload" not in wild.detail["actions"][:managed]
    assert f": {', '.join(wild.detail['actions'][:5])} and " in wild.message
    assert " more; name the resources instead" in wild.message
    assert wild.detail["top_services"] == {"s3": wild.detail["count"]}


def test_wildcard_sensitive_in_a_few_services_lists_each_count(catalogue: ActionCatalogue) -> None:
    (wild,) = only(lint(catalogue, doc(allow(["kms:*", "cloudtrail:*"]))), "WILDCARD_SENSITIVE")
    kms, trail = wild.detail["top_services"]["kms"], wild.detail["top_services"]["cloudtrail"]
    assert f"in 2 services (kms {kms}, cloudtrail {trail})" in wild.message


def test_reading_a_resource_policy_on_star_is_not_sensitive(catalogue: ActionCatalogue) -> None:
    # AWS files these reads under "Permissions management"; reading changes no one's access.
    document = doc(allow(["billing:GetResourcePolicy", "quicksight:DescribeTopicPermissions"]))
    assert only(lint(catalogue, document), "WILDCARD_SENSITIVE") == []


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        (
            {"schema": "iam-audit/policy-catalogue/1", "policies": []},
            "an iam-audit file (iam-audit/policy-catalogue/1)",
        ),
        (
            {"PolicyVersion": {"Document": doc(allow("s3:GetObject")), "VersionId": "v1"}},
            "--query PolicyVersion.Document",
        ),
        (
            {"RoleName": "r", "PolicyName": "p", "PolicyDocument": doc(allow("s3:GetObject"))},
            "--query PolicyDocument",
        ),
        (
            {"Role": {"RoleName": "r", "AssumeRolePolicyDocument": {}}},
            "with --type trust",
        ),
    ],
)
def test_a_known_wrapper_is_one_malformed_finding_saying_where_the_policy_is(
    catalogue: ActionCatalogue, document: dict[str, Any], fragment: str
) -> None:
    for given in (document, json.dumps(document)):
        (only_finding,) = lint(catalogue, given)
        assert only_finding.code == "MALFORMED"
        assert only_finding.statement is None
        assert only_finding.message.startswith("not a policy document: ")
        assert fragment in only_finding.message


def test_an_unrecognised_object_keeps_the_aws_style_reasons(catalogue: ActionCatalogue) -> None:
    findings = lint(catalogue, {"Version": "2012-10-17", "Statment": []})
    messages = [f.message for f in findings]
    assert "Policy document contains unknown element(s): Statment" in messages
    assert "Policy document is missing the required Statement element" in messages


def test_a_malformed_statement_is_named_once(catalogue: ActionCatalogue) -> None:
    document = doc(allow("s3:GetObject"), {"Effect": "Alow", "Action": "s3:*", "Resource": "*"})
    (bad,) = only(lint(catalogue, document), "MALFORMED")
    assert bad.statement == 1
    assert bad.message == "Effect must be 'Allow' or 'Deny', not 'Alow'"
    assert bad.detail["reason"] == "Statement 1: Effect must be 'Allow' or 'Deny', not 'Alow'"
