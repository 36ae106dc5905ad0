"""The role trust checks against the trust policies AWS documents, read from a GAAD.

Each role is built the way ``iam-audit audit --gaad`` reads it: a RoleDetailList entry whose
AssumeRolePolicyDocument is URL-encoded JSON, loaded with ``snapshot_from_gaad``. The trust
policies are the documentation's own examples (the page title is in a comment on each case),
with the placeholders of the page kept where they are valid values.

- documented as correct: no trust check reports the role;
- documented as dangerous: the check the danger belongs to reports it, at its severity;
- hostile shapes (what a hand-edited export or a fuzzer gives): no check crashes, and each
  shape is either reported or cleanly passed over.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote

import pytest

from bot.audit.findings import Severity
from bot.audit.gaad import snapshot_from_gaad
from bot.model.errors import InputError
from bot.model.snapshot import AccountSnapshot
from tests.factories import ACCOUNT_ID, NOW, audit

TRUST_CHECKS = (
    "role.trust_any_principal",
    "role.trust_web_identity_unscoped",
    "role.trust_cross_account_unguarded",
    "role.trust_confused_deputy",
    "role.cross_account_readonly",
)
PARTNER = "444455556666"
WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
GITHUB = "token.actions.githubusercontent.com"
GITHUB_ARN = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{GITHUB}"
GITHUB_AUDIENCE = {f"{GITHUB}:aud": "sts.amazonaws.com"}
EKS_ISSUER = "oidc.eks.region-code.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E"
EKS_ARN = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{EKS_ISSUER}"
COGNITO = "cognito-identity.amazonaws.com"
COGNITO_POOL = "us-east-1:12345678-corner-cafe-123456790ab"
SAML_ARN = f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/ExampleOrgSSOProvider"


def trust(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def gaad_snapshot(document: Any, *, name: str = "documented", path: str = "/") -> AccountSnapshot:
    """One role in a GAAD export, its trust policy URL-encoded as IAM returns it (a string
    given as is, to feed the loader text it must cope with)."""
    encoded = document if isinstance(document, str) else quote(json.dumps(document))
    gaad = {
        "UserDetailList": [],
        "GroupDetailList": [],
        "Policies": [],
        "RoleDetailList": [
            {
                "Path": path,
                "RoleName": name,
                "RoleId": "AROAEXAMPLEDOCS000001",
                "Arn": f"arn:aws:iam::{ACCOUNT_ID}:role{path}{name}",
                "CreateDate": "2026-01-05T10:00:00Z",
                "AssumeRolePolicyDocument": encoded,
                "InstanceProfileList": [],
                "RolePolicyList": [],
                "AttachedManagedPolicies": [],
                "Tags": [],
                "RoleLastUsed": {},
            }
        ],
    }
    return snapshot_from_gaad(gaad, now=NOW)


def trust_findings(document: Any, **role: Any) -> list[tuple[str, Severity]]:
    """(check, severity) of every trust check's finding on the role; fails on a crash."""
    report = audit(gaad_snapshot(document, **role), only=TRUST_CHECKS)
    assert not [e for e in report.errors if e.kind == "check"], report.errors
    assert not report.skipped, report.skipped
    assert set(report.checks) == set(TRUST_CHECKS)
    return sorted((f.check_id, f.severity) for f in report.findings)


def web_identity(federated: str, condition: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Federated": federated},
        "Action": WEB_IDENTITY,
        **extra,
    }
    if condition is not None:
        statement["Condition"] = condition
    return statement


# --- documented as correct: nothing to report ------------------------------------------------

DOCUMENTED_CORRECT: list[tuple[str, dict[str, Any]]] = [
    (
        # IAM User Guide, "Configuring a role for GitHub OIDC identity provider".
        "GitHub OIDC: one branch of one repository",
        trust(
            web_identity(
                GITHUB_ARN,
                {
                    "StringEquals": GITHUB_AUDIENCE,
                    "StringLike": {
                        f"{GITHUB}:sub": "repo:GitHubOrg/GitHubRepo:ref:refs/heads/GitHubBranch"
                    },
                },
            )
        ),
    ),
    (
        # GitHub Docs, "Configuring OpenID Connect in Amazon Web Services" (the page the IAM
        # User Guide links to): both claims under StringEquals.
        "GitHub OIDC: StringEquals on aud and sub",
        trust(
            web_identity(
                GITHUB_ARN,
                {
                    "StringEquals": {
                        **GITHUB_AUDIENCE,
                        f"{GITHUB}:sub": "repo:octo-org/octo-repo:ref:refs/heads/octo-branch",
                    }
                },
            )
        ),
    ),
    (
        # Amazon EKS User Guide, "Assign IAM roles to Kubernetes service accounts".
        "EKS IRSA: one service account",
        trust(
            web_identity(
                EKS_ARN,
                {
                    "StringEquals": {
                        f"{EKS_ISSUER}:sub": "system:serviceaccount:default:my-service-account",
                        f"{EKS_ISSUER}:aud": "sts.amazonaws.com",
                    }
                },
            )
        ),
    ),
    (
        # AWS CLI reference, "emr-containers update-role-trust-policy": the trust it merges in.
        "EMR on EKS: the job service accounts of one namespace",
        trust(
            web_identity(
                EKS_ARN,
                {
                    "StringLike": {
                        f"{EKS_ISSUER}:sub": "system:serviceaccount:emr-jobs:emr-containers-sa-"
                        f"*-*-{ACCOUNT_ID}-3n1bmh0x8l7jw"
                    }
                },
            )
        ),
    ),
    (
        # Amazon Cognito Developer Guide, "Role trust and permissions" (unauthenticated role).
        "Cognito identity pool: aud and amr",
        trust(
            web_identity(
                COGNITO,
                {
                    "StringEquals": {f"{COGNITO}:aud": COGNITO_POOL},
                    "ForAnyValue:StringLike": {f"{COGNITO}:amr": "unauthenticated"},
                },
                Sid="",
            )
        ),
    ),
    (
        # IAM User Guide, "Create a role for OpenID Connect federation": Google's client id.
        "Google: the application's client id in aud",
        trust(
            web_identity(
                "accounts.google.com",
                {"StringEquals": {"accounts.google.com:aud": "66677788899900pro0"}},
            )
        ),
    ),
    (
        # IAM User Guide, "Create a role for SAML 2.0 federation (console)".
        "SAML 2.0 federation: SAML:aud is the sign-in endpoint",
        trust(
            {
                "Effect": "Allow",
                "Principal": {"Federated": SAML_ARN},
                "Action": "sts:AssumeRoleWithSAML",
                "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
            }
        ),
    ),
    (
        # IAM User Guide, "Access to AWS accounts owned by third parties" (external id).
        "third party: cross-account trust with sts:ExternalId",
        trust(
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"sts:ExternalId": "Unique ID Assigned by Example Corp"}
                },
            }
        ),
    ),
    (
        # IAM User Guide, "Configure MFA-protected API access": the trusting account's role.
        "people: cross-account trust requiring MFA",
        trust(
            {
                "Effect": "Allow",
                "Principal": {"AWS": PARTNER},
                "Action": "sts:AssumeRole",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ),
    ),
    (
        # IAM User Guide, "AWS global condition context keys", aws:PrincipalOrgID.
        "any principal of one organization",
        trust(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
            }
        ),
    ),
    (
        # IAM User Guide, "AWS global condition context keys", aws:PrincipalOrgPaths.
        "any principal of one organizational unit",
        trust(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "ForAnyValue:StringLike": {
                        "aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"]
                    }
                },
            }
        ),
    ),
    (
        # Amazon Personalize Developer Guide, "Cross-service confused deputy prevention".
        "service role with aws:SourceAccount and aws:SourceArn",
        trust(
            {
                "Effect": "Allow",
                "Principal": {"Service": "personalize.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
                    "ArnLike": {"aws:SourceArn": f"arn:aws:personalize:us-east-1:{ACCOUNT_ID}:*"},
                },
            }
        ),
    ),
    (
        # Amazon WorkSpaces Applications (AppStream 2.0) Administration Guide, "Example: fleet
        # machine role cross-service confused deputy prevention".
        "service role with aws:SourceArn naming the account",
        trust(
            {
                "Effect": "Allow",
                "Principal": {"Service": ["appstream.amazonaws.com"]},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "ArnLike": {
                        "aws:SourceArn": (
                            f"arn:aws:appstream:us-east-1:{ACCOUNT_ID}:fleet/yourFleetName"
                        )
                    }
                },
            }
        ),
    ),
    (
        # IAM Roles Anywhere User Guide, "Trust model": the three actions, the trust anchor in
        # aws:SourceArn and a certificate attribute.
        "IAM Roles Anywhere: one trust anchor",
        trust(
            {
                "Effect": "Allow",
                "Principal": {"Service": "rolesanywhere.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
                "Condition": {
                    "StringEquals": {"aws:PrincipalTag/x509Subject/CN": "application-1.com"},
                    "ArnEquals": {
                        "aws:SourceArn": [
                            f"arn:aws:rolesanywhere:us-east-1:{ACCOUNT_ID}:trust-anchor/TA_ID"
                        ]
                    },
                },
            }
        ),
    ),
    (
        # Amazon EKS User Guide, "Create an IAM role for EKS Pod Identity".
        "EKS Pod Identity",
        trust(
            {
                "Sid": "AllowEksAuthToAssumeRoleForPodIdentity",
                "Effect": "Allow",
                "Principal": {"Service": "pods.eks.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            }
        ),
    ),
]


@pytest.mark.parametrize(
    ("case", "document"), DOCUMENTED_CORRECT, ids=[c for c, _ in DOCUMENTED_CORRECT]
)
def test_documented_correct_trusts_raise_nothing(case: str, document: dict[str, Any]) -> None:
    assert trust_findings(document) == [], case


def test_an_identity_center_permission_set_role_is_not_reported() -> None:
    """IAM Identity Center User Guide, "Permission sets" / the roles it creates in member
    accounts: AWSReservedSSO_* under /aws-reserved/sso.amazonaws.com/, trusting the account's
    AWSSSO_..._DO_NOT_DELETE SAML provider."""
    provider = f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE"
    document = trust(
        {
            "Effect": "Allow",
            "Principal": {"Federated": provider},
            "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
            "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
        }
    )
    found = trust_findings(
        document,
        name="AWSReservedSSO_AdministratorAccess_0123456789abcdef",
        path="/aws-reserved/sso.amazonaws.com/",
    )
    assert found == []


# --- documented as dangerous: reported ------------------------------------------------------

CRITICAL_WEB = [("role.trust_web_identity_unscoped", Severity.CRITICAL)]
DOCUMENTED_DANGEROUS: list[tuple[str, dict[str, Any], list[tuple[str, Severity]]]] = [
    (
        # IAM User Guide, "Configuring a role for GitHub OIDC identity provider": without a
        # `sub` condition any GitHub repository's workflow can assume the role (Datadog rule
        # "AWS IAM role should not allow untrusted GitHub Actions to assume it").
        "GitHub OIDC pinned only by aud",
        trust(web_identity(GITHUB_ARN, {"StringEquals": GITHUB_AUDIENCE})),
        CRITICAL_WEB,
    ),
    (
        # Same page: a `sub` of repo:* is every repository of every owner.
        "GitHub OIDC with sub repo:*",
        trust(
            web_identity(
                GITHUB_ARN,
                {"StringEquals": GITHUB_AUDIENCE, "StringLike": {f"{GITHUB}:sub": "repo:*"}},
            )
        ),
        CRITICAL_WEB,
    ),
    (
        # Same page, with no Condition at all.
        "GitHub OIDC without any condition",
        trust(web_identity(GITHUB_ARN, None)),
        CRITICAL_WEB,
    ),
    (
        # Amazon Cognito Developer Guide, "Security best practices for Amazon Cognito identity
        # pools" and the STS AssumeRoleWithWebIdentity reference: without
        # cognito-identity.amazonaws.com:aud "a user from an unintended identity pool can
        # assume the role".
        "Cognito identity pool without aud",
        trust(
            web_identity(COGNITO, {"ForAnyValue:StringLike": {f"{COGNITO}:amr": "authenticated"}})
        ),
        CRITICAL_WEB,
    ),
    (
        # Amazon EKS User Guide, "Assign IAM roles to Kubernetes service accounts" (and the EKS
        # Best Practices Guide): the `sub` condition names the service account; pinned only by
        # aud, every pod of the cluster gets the role (high: the cluster, not the world).
        "EKS IRSA pinned only by aud",
        trust(web_identity(EKS_ARN, {"StringEquals": {f"{EKS_ISSUER}:aud": "sts.amazonaws.com"}})),
        [("role.trust_web_identity_unscoped", Severity.HIGH)],
    ),
    (
        # IAM User Guide, "IAM JSON policy elements: Principal": "*" without a condition lets
        # anyone assume the role.
        'Principal {"AWS": "*"} without a condition',
        trust({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}),
        [("role.trust_any_principal", Severity.CRITICAL)],
    ),
    (
        # IAM User Guide, "The confused deputy problem": a third party's account trusted
        # without sts:ExternalId.
        "third party's account without an external id",
        trust(
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:root"},
                "Action": "sts:AssumeRole",
            }
        ),
        [("role.trust_cross_account_unguarded", Severity.MEDIUM)],
    ),
    (
        # IAM User Guide, "Cross-service confused deputy prevention": a service trusted without
        # aws:SourceArn / aws:SourceAccount.
        "service role without a source condition",
        trust(
            {
                "Effect": "Allow",
                "Principal": {"Service": "config.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ),
        [("role.trust_confused_deputy", Severity.LOW)],
    ),
]


@pytest.mark.parametrize(
    ("case", "document", "expected"),
    DOCUMENTED_DANGEROUS,
    ids=[c for c, _, _ in DOCUMENTED_DANGEROUS],
)
def test_documented_dangerous_trusts_are_reported(
    case: str, document: dict[str, Any], expected: list[tuple[str, Severity]]
) -> None:
    assert trust_findings(document) == expected, case


# --- conditions the caller satisfies itself pin nobody ----------------------------------------

CALLER_CHOSEN: list[tuple[str, dict[str, Any]]] = [
    # AWS STS API Reference, "AssumeRoleWithWebIdentity": RoleSessionName is a request
    # parameter the caller picks ("Typically, you pass the name or identifier that is
    # associated with the user"); configure-aws-credentials sends "GitHubActions" by default.
    ("sts:RoleSessionName", {"StringLike": {"sts:RoleSessionName": "GitHubActions"}}),
    # IAM User Guide, "AWS global condition context keys", aws:UserAgent: "provided by the
    # caller in an HTTP header ... should not be used to prevent unauthorized parties from
    # making direct AWS requests".
    ("aws:UserAgent", {"StringLike": {"aws:UserAgent": "*configure-aws-credentials*"}}),
    # Same page, aws:Referer: "provided by the caller in an HTTP header".
    ("aws:Referer", {"StringLike": {"aws:Referer": "https://github.com/*"}}),
    # Same page, aws:RequestedRegion: the Region of the STS endpoint the caller calls.
    ("aws:RequestedRegion", {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}),
    # Same page, aws:SecureTransport: whether the caller sent the request over TLS.
    ("aws:SecureTransport", {"Bool": {"aws:SecureTransport": "true"}}),
    # Same page, aws:CurrentTime / aws:EpochTime: when the request is made, not who makes it.
    ("aws:CurrentTime", {"DateLessThan": {"aws:CurrentTime": "2099-01-01T00:00:00Z"}}),
    ("aws:EpochTime", {"NumericLessThan": {"aws:EpochTime": "4070908800"}}),
]


@pytest.mark.parametrize(("key", "condition"), CALLER_CHOSEN, ids=[k for k, _ in CALLER_CHOSEN])
def test_a_github_trust_pinned_only_by_what_the_caller_sends_is_open(
    key: str, condition: dict[str, Any]
) -> None:
    """IAM User Guide, "Configuring a role for GitHub OIDC identity provider": the caller is
    pinned by `sub` (or the repository claims). An outsider's workflow sends the audience, the
    session name, the user agent, the Region and TLS the trust asks for, at a time it allows, so
    such a test next to the audience keeps nobody out (was: any positive test of a key that is
    not GitHub's counted as pinning the caller)."""
    document = trust(web_identity(GITHUB_ARN, {"StringEquals": GITHUB_AUDIENCE} | condition))
    assert trust_findings(document) == CRITICAL_WEB, key


def test_the_same_keys_beside_a_pinned_sub_change_nothing() -> None:
    """IAM User Guide, "Configuring a role for GitHub OIDC identity provider" with a session
    name required as well: the repository in `sub` still pins the caller."""
    condition = {
        "StringEquals": GITHUB_AUDIENCE,
        "StringLike": {
            f"{GITHUB}:sub": "repo:GitHubOrg/GitHubRepo:ref:refs/heads/GitHubBranch",
            "sts:RoleSessionName": "GitHubActions",
        },
    }
    assert trust_findings(trust(web_identity(GITHUB_ARN, condition))) == []


def test_a_cognito_trust_pinned_only_by_the_session_name_is_open() -> None:
    """Amazon Cognito Developer Guide, "Security best practices for Amazon Cognito identity
    pools": the identity pool in aud pins the caller; a session name the app passes does not."""
    condition = {
        "ForAnyValue:StringLike": {f"{COGNITO}:amr": "authenticated"},
        "StringEquals": {"sts:RoleSessionName": "app-session"},
    }
    assert trust_findings(trust(web_identity(COGNITO, condition))) == CRITICAL_WEB


def test_a_network_condition_is_still_left_to_the_user() -> None:
    """aws:SourceIp is where the request comes from, which an outsider cannot pick at will:
    unchanged, the trust is not called open (tests/unit/test_checks_web_identity_trust.py)."""
    condition = {
        "StringEquals": GITHUB_AUDIENCE,
        "IpAddress": {"aws:SourceIp": "203.0.113.0/24"},
    }
    assert trust_findings(trust(web_identity(GITHUB_ARN, condition))) == []


# --- hostile shapes: never a traceback, a finding or a clean pass -----------------------------

ANY = [("role.trust_any_principal", Severity.CRITICAL)]
UNGUARDED = [("role.trust_cross_account_unguarded", Severity.MEDIUM)]
HOSTILE: list[tuple[str, Any, list[tuple[str, Severity]]]] = [
    # IAM refuses a Principal that is a list ("Principal": ["*"]): the statement names nobody
    # the checks can read, so it is passed over (the linter reports the grammar).
    (
        "Principal as a list of strings",
        trust({"Effect": "Allow", "Principal": ["*"], "Action": "sts:AssumeRole"}),
        [],
    ),
    (
        "Principal as a list of account ARNs",
        trust(
            {
                "Effect": "Allow",
                "Principal": [f"arn:aws:iam::{PARTNER}:root"],
                "Action": "sts:AssumeRole",
            }
        ),
        [],
    ),
    ("empty Statement list", trust(), []),
    ("no Statement at all", {"Version": "2012-10-17"}, []),
    ("Statement null", {"Version": "2012-10-17", "Statement": None}, []),
    ("Statement a string", {"Version": "2012-10-17", "Statement": "sts:AssumeRole"}, []),
    # A single statement as an object is valid policy grammar and read as a list of one.
    (
        "Statement an object, not a list",
        {
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
        },
        ANY,
    ),
    (
        "statements mixed with numbers, strings and lists",
        {
            "Statement": [
                1,
                "x",
                None,
                [],
                {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"},
            ]
        },
        ANY,
    ),
    (
        "external id values as numbers, bools, null and objects",
        trust(
            {
                "Effect": "Allow",
                "Principal": {"AWS": PARTNER},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"sts:ExternalId": [1, 2.5, True, None, {"x": 1}, [1]]}
                },
            }
        ),
        [],
    ),
    (
        "MFA as a JSON boolean and the age as a number",
        trust(
            {
                "Effect": "Allow",
                "Principal": {"AWS": PARTNER},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "Bool": {"aws:MultiFactorAuthPresent": True},
                    "NumericLessThan": {"aws:MultiFactorAuthAge": 3600},
                },
            }
        ),
        [],
    ),
    # A Condition that is not an object cannot be read: the statement is judged without it.
    (
        "Condition as a list",
        trust(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "sts:AssumeRole",
                "Condition": [{"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}],
            }
        ),
        ANY,
    ),
    (
        "an operator block as a list",
        trust(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": ["aws:PrincipalOrgID"]},
            }
        ),
        ANY,
    ),
    (
        "Federated principal as a number",
        trust({"Effect": "Allow", "Principal": {"Federated": 123}, "Action": WEB_IDENTITY}),
        [],
    ),
    (
        "Service principal as an object",
        trust({"Effect": "Allow", "Principal": {"Service": {"x": 1}}, "Action": "sts:AssumeRole"}),
        [],
    ),
    (
        "Action as a number",
        trust({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": 5}),
        [],
    ),
    (
        "Effect as a list",
        trust({"Effect": ["Allow"], "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}),
        [],
    ),
    (
        "a Deny with an operator AWS does not know guards nothing",
        trust(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sts:AssumeRole",
                "Condition": {"Frobnicate": {"aws:MultiFactorAuthAge": "1"}},
            },
            {"Effect": "Allow", "Principal": {"AWS": PARTNER}, "Action": "sts:AssumeRole"},
        ),
        UNGUARDED,
    ),
    (
        "a Deny whose MFA age is not a number",
        trust(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sts:AssumeRole",
                "Condition": {"NumericGreaterThanIfExists": {"aws:MultiFactorAuthAge": "abc"}},
            },
            {"Effect": "Allow", "Principal": {"AWS": PARTNER}, "Action": "sts:AssumeRole"},
        ),
        None,  # judged either way; it must not crash
    ),
    ("trust policy JSON text that is not a policy", quote(json.dumps([1, 2])), None),
]


@pytest.mark.parametrize(("case", "document", "expected"), HOSTILE, ids=[c for c, _, _ in HOSTILE])
def test_hostile_trust_documents_never_crash_a_check(
    case: str, document: Any, expected: list[tuple[str, Severity]] | None
) -> None:
    try:
        found = trust_findings(document)
    except InputError:  # the GAAD loader refusing the file is a clean answer too
        assert expected is None, case
        return
    if expected is not None:
        assert found == expected, case


def test_no_check_of_the_whole_audit_crashes_on_the_hostile_trusts() -> None:
    """The privilege-escalation and principal checks read role trusts too (trust_groups and
    the evaluator): every readable hostile document goes through the full audit cleanly."""
    for case, document, _expected in HOSTILE:
        try:
            snapshot = gaad_snapshot(document)
        except InputError:
            continue
        report = audit(snapshot)
        assert not [e for e in report.errors if e.kind == "check"], (case, report.errors)


def test_huge_condition_lists_are_read_whole_and_quickly() -> None:
    """20,000 organization ids with one `*` among them admit anyone (values are ORed); 20,000
    repositories with one `repo:*` admit every GitHub workflow. Both are read in full, well
    within a second each."""
    organizations = [f"o-{i:010d}" for i in range(20_000)] + ["*"]
    open_to_all = trust(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": organizations}},
        }
    )
    subjects = [f"repo:octo-org/r{i}:*" for i in range(20_000)] + ["repo:*"]
    any_repository = trust(web_identity(GITHUB_ARN, {"StringLike": {f"{GITHUB}:sub": subjects}}))
    started = time.perf_counter()
    assert trust_findings(open_to_all) == ANY
    assert trust_findings(any_repository) == CRITICAL_WEB
    assert time.perf_counter() - started < 10


# --- shared OIDC issuers IAM names: pinned by the tenant claim, or open -----------------------


def oidc_arn(issuer: str) -> str:
    return f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{issuer}"


# IAM User Guide, "Identity-provider controls for shared OIDC providers": these issuers are
# shared by every customer of the service, and IAM requires a new or edited trust to test the
# claim that names the tenant (roles created before the control keep whatever they have, which
# is what an audit finds). Each case: issuer, a trust pinned by that claim (the vendor's
# documented form), and one that is not.
SHARED_ISSUERS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        # Buildkite, "OIDC with AWS": sub is organization:ORG:pipeline:PIPELINE:...
        "agent.buildkite.com",
        {
            "StringEquals": {"agent.buildkite.com:aud": "sts.amazonaws.com"},
            "StringLike": {
                "agent.buildkite.com:sub": "organization:acme:pipeline:deploy:ref:refs/heads/main"
                ":commit:*:step:*"
            },
        },
        {"StringEquals": {"agent.buildkite.com:aud": "sts.amazonaws.com"}},
    ),
    (
        "scalr.io",
        {"StringLike": {"scalr.io:sub": "account:acme:environment:prod:workspace:*"}},
        {"StringLike": {"scalr.io:sub": "account:*"}},
    ),
    (
        "oidc.codefresh.io",
        {"StringLike": {"oidc.codefresh.io:sub": "account:64a0ad6a2b:pipeline:*"}},
        {"StringEquals": {"oidc.codefresh.io:aud": "sts.amazonaws.com"}},
    ),
    (
        # Vercel's global issuer names the team in aud (https://vercel.com/TEAM_SLUG).
        "oidc.vercel.com",
        {"StringEquals": {"oidc.vercel.com:aud": "https://vercel.com/acme"}},
        {"StringLike": {"oidc.vercel.com:sub": "owner:*"}},
    ),
    (
        "api.pulumi.com/oidc",
        {"StringEquals": {"api.pulumi.com/oidc:aud": "aws:acme"}},
        None,
    ),
]


@pytest.mark.parametrize(
    ("issuer", "pinned", "unpinned"), SHARED_ISSUERS, ids=[i for i, _, _ in SHARED_ISSUERS]
)
def test_shared_oidc_issuers_must_be_pinned_by_their_tenant_claim(
    issuer: str, pinned: dict[str, Any], unpinned: dict[str, Any] | None
) -> None:
    """Was: only GitHub, GitLab.com and HCP Terraform among these were judged; a Buildkite,
    Scalr, Codefresh, Vercel or Pulumi trust pinned by nothing (or by the audience the caller
    asks for) was never reported."""
    assert trust_findings(trust(web_identity(oidc_arn(issuer), pinned))) == [], issuer
    assert trust_findings(trust(web_identity(oidc_arn(issuer), unpinned))) == CRITICAL_WEB, issuer


def test_the_finding_tells_how_to_pin_a_buildkite_trust() -> None:
    report = audit(gaad_snapshot(trust(web_identity(oidc_arn("agent.buildkite.com"), None))))
    (finding,) = [f for f in report.findings if f.check_id == "role.trust_web_identity_unscoped"]
    (statement,) = finding.evidence["statements"]
    assert statement["provider"] == "Buildkite"
    assert "organization:ORG" in statement["fix"]


@pytest.mark.parametrize(
    ("issuer", "subject", "is_open"),
    [
        # Vercel, "Connect to Amazon Web Services": sub is owner:TEAM_SLUG:project:...
        ("oidc.vercel.com", "owner:acme:project:web:environment:production", False),
        ("oidc.vercel.com", "owner:*:project:web:environment:production", True),
        # Pulumi Cloud's subject: pulumi:deploy:org:ORG:project:PROJECT:stack:STACK:...
        ("api.pulumi.com/oidc", "pulumi:deploy:org:acme:project:*", False),
        ("api.pulumi.com/oidc", "pulumi:deploy:org:*", True),
    ],
)
def test_the_tenant_in_the_subject_pins_where_the_audience_is_the_tenancy_claim(
    issuer: str, subject: str, is_open: bool
) -> None:
    """The subject of these issuers names the team or organization as well, set by the vendor:
    pinned there, the trust is not open even without the audience."""
    condition = {"StringLike": {f"{issuer}:sub": subject}}
    expected = CRITICAL_WEB if is_open else []
    assert trust_findings(trust(web_identity(oidc_arn(issuer), condition))) == expected


@pytest.mark.parametrize(
    "issuer",
    [
        # Per-tenant issuers stay single-tenant: CircleCI's per organization, Vercel's team
        # issuer mode (oidc.vercel.com/TEAM_SLUG).
        "oidc.circleci.com/org/1234-abcd",
        "oidc.vercel.com/acme",
    ],
)
def test_per_tenant_issuers_are_still_not_judged_open(issuer: str) -> None:
    assert trust_findings(trust(web_identity(oidc_arn(issuer), None))) == []


# --- a claim only some tokens carry pins only under a plain test ------------------------------


@pytest.mark.parametrize(
    ("operator", "is_open"),
    [
        ("StringEquals", False),
        ("ForAnyValue:StringEquals", False),  # false without the claim
        ("StringEqualsIfExists", True),
        ("ForAllValues:StringEquals", True),
    ],
)
def test_github_enterprise_id_pins_only_when_the_token_must_carry_it(
    operator: str, is_open: bool
) -> None:
    """IAM User Guide, "Available keys for AWS OIDC federation" (GitHub: enterprise_id) and
    GitHub's OIDC reference: the claim names the enterprise containing the repository, so an
    outsider's personal repository sends a token without it. IAM User Guide, "IAM JSON policy
    elements: Condition operators": ...IfExists is true when the key is absent, and ForAllValues
    is true when the request has no value for it; aws-actions/configure-aws-credentials' README:
    "Avoid ForAllValues: in Allow statements. These operators return true when the claim is
    absent". Was: any operator on enterprise_id counted as pinning the caller."""
    condition = {
        "StringEquals": GITHUB_AUDIENCE,
        operator: {f"{GITHUB}:enterprise_id": "123456"},
    }
    expected = CRITICAL_WEB if is_open else []
    assert trust_findings(trust(web_identity(GITHUB_ARN, condition))) == expected, operator


def test_a_claim_every_token_carries_pins_under_ifexists_too() -> None:
    """`sub` is in every GitHub token: StringLikeIfExists tests it as StringLike would."""
    condition = {"StringLikeIfExists": {f"{GITHUB}:sub": "repo:octo-org/octo-repo:*"}}
    assert trust_findings(trust(web_identity(GITHUB_ARN, condition))) == []


# --- MFA in a cross-account trust, read as the engine reads it --------------------------------


def partner_trust(condition: dict[str, Any]) -> dict[str, Any]:
    return trust(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:root"},
            "Action": "sts:AssumeRole",
            "Condition": condition,
        }
    )


@pytest.mark.parametrize(
    ("case", "condition", "expected"),
    [
        # IAM User Guide, "AWS global condition context keys", aws:MultiFactorAuthAge: "If MFA
        # was not used, this key is not present", so requiring the key requires MFA. Was: only
        # Bool and Numeric tests counted, and this trust was reported.
        ("Null aws:MultiFactorAuthAge false", {"Null": {"aws:MultiFactorAuthAge": "false"}}, []),
        # Same page, aws:MultiFactorAuthPresent: a session made without MFA carries "false",
        # which this value list accepts. Was: any Bool test with a "true" value counted.
        (
            "Bool aws:MultiFactorAuthPresent true or false",
            {"Bool": {"aws:MultiFactorAuthPresent": ["true", "false"]}},
            UNGUARDED,
        ),
        # "Configure MFA-protected API access": the documented forms keep passing.
        ("Bool true", {"Bool": {"aws:MultiFactorAuthPresent": "true"}}, []),
        ("NumericLessThan age", {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, []),
        (
            "NumericGreaterThan age (MFA an hour ago or more)",
            {"NumericGreaterThan": {"aws:MultiFactorAuthAge": "3600"}},
            [],
        ),
        # ...IfExists lets a long-term access key through (no MFA key in its requests).
        ("BoolIfExists true", {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}, UNGUARDED),
        # Null ... false on the present key: a session without MFA carries it too.
        (
            "Null aws:MultiFactorAuthPresent false",
            {"Null": {"aws:MultiFactorAuthPresent": "false"}},
            UNGUARDED,
        ),
    ],
)
def test_cross_account_mfa_is_what_every_request_without_mfa_fails(
    case: str, condition: dict[str, Any], expected: list[tuple[str, Severity]]
) -> None:
    assert trust_findings(partner_trust(condition)) == expected, case
