"""The demo account: a deterministic, problem-laden IAM account built in moto and audited for real.

`iam-audit audit --demo` needs no AWS account: the account below is created in moto's in-process
AWS, aged relative to the audit time, then read back with the real collector, so the demo runs
the same code path as a production audit. Every snapshot it returns says source="demo".

What moto cannot produce is supplied as demo data, in two marked places: `_date_account` gives
the objects their ages and stable ids (moto stamps everything "now" with random ids), and
`_supply_what_moto_lacks` adds the root user's credential-report row (moto's report has none),
writes the report's values the way AWS documents them, and answers ListOrganizationsFeatures
(which moto lacks).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse
from moto import mock_aws
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.models import AccessKeyLastUsed, AWSManagedPolicy, iam_backends

from bot.audit.credential_report import credential_report_to_csv, parse_credential_report
from bot.aws.access_analyzer import AnalyzerScope
from bot.aws.collect import collect_snapshot
from bot.aws.demo_analyzer import DEMO_ANALYZER_REGIONS, install_demo_access_analyzer
from bot.model.snapshot import NOT_APPLICABLE, ROOT_USER, AccountSnapshot, CredentialReportRow

DEMO_ACCOUNT_ID = "123456789012"  # moto's default account
DEMO_REGION = "us-east-1"
DEMO_ORGANIZATION_ID = "o-demo0example"
PARTNER_ACCOUNT_ID = "999988887777"
GUARDED_PARTNER_ACCOUNT_ID = "444455556666"

# moto's backends are process-global: two demo builds at once would share one account.
_BUILD_LOCK = threading.Lock()

_AWS_MANAGED = ("AdministratorAccess", "AWSCloudShellFullAccess", "ReadOnlyAccess")


# --- the account, as data ----------------------------------------------------------------------


@dataclass(frozen=True)
class DemoKey:
    created_days_ago: int
    last_used_days_ago: int | None = None  # None: never used
    active: bool = True


@dataclass(frozen=True)
class DemoUser:
    name: str
    why: str  # the problem it plants (or must not trigger)
    created_days_ago: int
    password_used_days_ago: int | None = None
    console: bool = False
    mfa: bool = False
    keys: tuple[DemoKey, ...] = ()
    groups: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()  # managed policy names (customer or AWS)
    inline: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoRole:
    name: str
    why: str
    trust: dict[str, Any]
    created_days_ago: int
    last_used_days_ago: int | None = None
    policies: tuple[str, ...] = ()


def _document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(actions: str | list[str], resource: str | list[str] = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resource}


_GITHUB_OIDC = "token.actions.githubusercontent.com"


def _trust(
    principal: dict[str, Any],
    condition: dict[str, Any] | None = None,
    *,
    action: str = "sts:AssumeRole",
) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": action,
    }
    if condition:
        statement["Condition"] = condition
    return _document(statement)


CUSTOMER_POLICIES: dict[str, dict[str, Any]] = {
    # Privilege escalation split across two policies: neither alone is dangerous.
    "DeployPassRole": _document(_allow("iam:PassRole")),
    "DeployCompute": _document(_allow(["ec2:RunInstances", "ec2:Describe*"])),
    # Escalation in one permission: rewrite any policy's default version.
    "PolicyMaintainer": _document(_allow(["iam:CreatePolicyVersion", "iam:ListPolicies"])),
    "DeveloperDataAccess": _document(
        _allow(["s3:GetObject", "s3:ListBucket", "secretsmanager:GetSecretValue", "kms:Decrypt"])
    ),
    "EverythingButIam": _document(
        {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}
    ),
    "AuditKmsAdmin": _document(_allow(["kms:*", "cloudtrail:*"])),
    "ReportsReadOnly": _document(
        _allow("s3:GetObject", "arn:aws:s3:::example-reports-bucket/*"),
        _allow("s3:ListBucket", "arn:aws:s3:::example-reports-bucket"),
    ),
    "LegacyS3Full": _document(_allow("s3:*")),  # attached to nothing
}

GROUPS: dict[str, tuple[str, ...]] = {
    "Admins": ("AdministratorAccess",),
    "Developers": ("DeveloperDataAccess",),
    "Analysts": ("ReportsReadOnly",),
}

USERS: tuple[DemoUser, ...] = (
    DemoUser(
        "alice.admin",
        "admin by group, with MFA",
        created_days_ago=700,
        console=True,
        password_used_days_ago=1,
        mfa=True,
        groups=("Admins",),
    ),
    DemoUser(
        "bob.console",
        "console user without MFA, inline policy",
        created_days_ago=400,
        console=True,
        password_used_days_ago=10,
        groups=("Developers",),
        inline={
            "bob-scratch-queue": _document(
                _allow("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:bob-scratch")
            )
        },
    ),
    DemoUser(
        "carol.direct-admin",
        "AdministratorAccess attached directly, console without MFA",
        created_days_ago=300,
        console=True,
        password_used_days_ago=3,
        policies=("AdministratorAccess",),
    ),
    DemoUser(
        "dave.stale-key",
        "key unused for 200 days and 400 days old: inactive, unused, not rotated",
        created_days_ago=500,
        keys=(DemoKey(created_days_ago=400, last_used_days_ago=200),),
        groups=("Developers",),
    ),
    DemoUser(
        "erin.never-used-key",
        "active key never used, 60 days old (CIS: unused once over 45 days old)",
        created_days_ago=60,
        keys=(DemoKey(created_days_ago=60),),
        groups=("Developers",),
    ),
    DemoUser(
        "frank.two-keys",
        "two active keys, the first 200 days old",
        created_days_ago=365,
        keys=(
            DemoKey(created_days_ago=200, last_used_days_ago=2),
            DemoKey(created_days_ago=10, last_used_days_ago=1),
        ),
        groups=("Developers",),
    ),
    DemoUser(
        "grace.inactive",
        "console password last used 150 days ago: inactive",
        created_days_ago=400,
        console=True,
        password_used_days_ago=150,
        mfa=True,
        groups=("Developers",),
    ),
    DemoUser(
        "leo.departed",
        "inactive for 400 days; an inactive old key that must not count for rotation",
        created_days_ago=800,
        console=True,
        password_used_days_ago=400,
        keys=(DemoKey(created_days_ago=700, last_used_days_ago=380, active=False),),
        groups=("Analysts",),
    ),
    DemoUser(
        "ci-deployer",
        "busy key-only user (must NOT be inactive); PassRole + RunInstances in two policies",
        created_days_ago=300,
        keys=(DemoKey(created_days_ago=20, last_used_days_ago=0),),
        policies=("DeployPassRole", "DeployCompute"),
    ),
    DemoUser(
        "henry.new",
        "created 3 days ago, key not used yet: inside the grace period, must NOT be flagged",
        created_days_ago=3,
        keys=(DemoKey(created_days_ago=3),),
        groups=("Analysts",),
    ),
    DemoUser(
        "ivan.cloudshell",
        "AWSCloudShellFullAccess attached",
        created_days_ago=200,
        console=True,
        password_used_days_ago=5,
        mfa=True,
        groups=("Developers",),
        policies=("AWSCloudShellFullAccess",),
    ),
    DemoUser(
        "judy.initial-key",
        "console user whose key, made at creation, was never used",
        created_days_ago=60,
        console=True,
        password_used_days_ago=2,
        mfa=True,
        keys=(DemoKey(created_days_ago=60),),
        groups=("Analysts",),
    ),
    DemoUser(
        "kate.notaction",
        "Allow with NotAction, in no group",
        created_days_ago=250,
        keys=(DemoKey(created_days_ago=80, last_used_days_ago=4),),
        policies=("EverythingButIam",),
    ),
)

ROLES: tuple[DemoRole, ...] = (
    DemoRole(
        "public-trust-role",
        "trusts any principal",
        _trust({"AWS": "*"}),
        created_days_ago=100,
        last_used_days_ago=50,
        policies=("ReportsReadOnly",),
    ),
    DemoRole(
        "partner-audit-role",
        "cross-account trust without ExternalId, with ReadOnlyAccess",
        _trust({"AWS": f"arn:aws:iam::{PARTNER_ACCOUNT_ID}:root"}),
        created_days_ago=300,
        last_used_days_ago=7,
        policies=("ReadOnlyAccess",),
    ),
    DemoRole(
        "partner-guarded-role",
        "cross-account trust guarded by sts:ExternalId (clean)",
        _trust(
            {"AWS": f"arn:aws:iam::{GUARDED_PARTNER_ACCOUNT_ID}:root"},
            {"StringEquals": {"sts:ExternalId": "demo-external-id-7f3a"}},
        ),
        created_days_ago=300,
        last_used_days_ago=2,
        policies=("ReportsReadOnly",),
    ),
    DemoRole(
        "lambda-processor",
        "Lambda execution role (passed with iam:PassRole: no confused deputy); can rewrite policy"
        " versions",
        _trust({"Service": "lambda.amazonaws.com"}),
        created_days_ago=150,
        last_used_days_ago=1,
        policies=("PolicyMaintainer",),
    ),
    DemoRole(
        "config-recorder-role",
        "AWS Config service role without aws:SourceAccount (confused deputy)",
        _trust({"Service": "config.amazonaws.com"}),
        created_days_ago=250,
        last_used_days_ago=1,
        policies=("ReportsReadOnly",),
    ),
    DemoRole(
        "github-deploy-role",
        "GitHub Actions trust with the audience but no repository: any workflow on GitHub",
        _trust(
            {"Federated": f"arn:aws:iam::{DEMO_ACCOUNT_ID}:oidc-provider/{_GITHUB_OIDC}"},
            {"StringEquals": {f"{_GITHUB_OIDC}:aud": "sts.amazonaws.com"}},
            action="sts:AssumeRoleWithWebIdentity",
        ),
        created_days_ago=90,
        last_used_days_ago=1,
        policies=("ReportsReadOnly",),
    ),
    DemoRole(
        "github-release-role",
        "GitHub Actions trust pinned to one repository's main branch (clean)",
        _trust(
            {"Federated": f"arn:aws:iam::{DEMO_ACCOUNT_ID}:oidc-provider/{_GITHUB_OIDC}"},
            {
                "StringEquals": {
                    f"{_GITHUB_OIDC}:aud": "sts.amazonaws.com",
                    f"{_GITHUB_OIDC}:sub": "repo:example-org/reports:ref:refs/heads/main",
                }
            },
            action="sts:AssumeRoleWithWebIdentity",
        ),
        created_days_ago=90,
        last_used_days_ago=1,
        policies=("ReportsReadOnly",),
    ),
    DemoRole(
        "legacy-batch-role",
        "unused for 200 days; kms:* and cloudtrail:*",
        _trust(
            {"Service": "ec2.amazonaws.com"},
            {"StringEquals": {"aws:SourceAccount": DEMO_ACCOUNT_ID}},
        ),
        created_days_ago=400,
        last_used_days_ago=200,
        policies=("AuditKmsAdmin",),
    ),
)

SERVICE_LINKED_ROLE_SERVICE = "support.amazonaws.com"  # never used: must NOT be flagged
SERVICE_LINKED_ROLE_NAME = "AWSServiceRoleForSupport"
SERVICE_LINKED_ROLE_AGE_DAYS = 500
EXPIRED_CERTIFICATE_NAME = "legacy-web-2012"

# Demo data for the root user (moto's credential report has no root row): no MFA, an active
# access key used 5 days ago, console sign-in 2 days ago.
ROOT_CREATED_DAYS_AGO = 1000
ROOT_PASSWORD_USED_DAYS_AGO = 2
ROOT_KEY_CREATED_DAYS_AGO = 800
ROOT_KEY_USED_DAYS_AGO = 5

_KEY_SERVICE = "s3"  # the service the demo's used keys last called

# Demo-only secret: moto stores it and nothing ever reads it back.
_DEMO_PASSWORD = "demo-only-Passw0rd!"


# --- building it -------------------------------------------------------------------------------


def build_demo_snapshot(now: datetime) -> AccountSnapshot:
    """The demo account's snapshot at ``now``; the same ``now`` always gives the same snapshot."""
    now = now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)
    with _BUILD_LOCK, _isolated_aws_environment(), mock_aws():
        session = boto3.Session(region_name=DEMO_REGION)
        backend = iam_backends[DEMO_ACCOUNT_ID]["global"]
        _load_aws_managed_policies(backend)
        iam = session.client("iam", region_name=DEMO_REGION)
        _create_account(iam)
        _date_account(backend, now)
        _supply_what_moto_lacks(session, now)
        install_demo_access_analyzer(session.events, now)  # moto has no Access Analyzer
        # moto answers at once, so polling for the credential report never needs to wait.
        snapshot = collect_snapshot(
            session,
            now=now,
            region=DEMO_REGION,
            sleep=_no_wait,
            access_analyzer=AnalyzerScope(regions=DEMO_ANALYZER_REGIONS),
        )
    return dataclasses.replace(snapshot, source="demo")


def _no_wait(_seconds: float) -> None:
    return None


_DEMO_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "demo",
    "AWS_SECRET_ACCESS_KEY": "demo",
    "AWS_DEFAULT_REGION": DEMO_REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}


@contextmanager
def _isolated_aws_environment() -> Iterator[None]:
    """Hide the caller's AWS settings (profile, endpoint URL, moto options) while the demo runs,
    so the demo never reaches a real endpoint and looks the same on every machine. Only the
    AWS_/MOTO_ variables are touched, and they are put back afterwards."""
    hidden = {
        name: os.environ.pop(name)
        for name in list(os.environ)
        if name.startswith(("AWS_", "MOTO_"))
    }
    try:
        os.environ.update(_DEMO_ENVIRONMENT)
        yield
    finally:
        for name in list(os.environ):
            if name.startswith(("AWS_", "MOTO_")):
                del os.environ[name]
        os.environ.update(hidden)


def _load_aws_managed_policies(backend: Any) -> None:
    """Load only the AWS-managed policies the demo attaches (loading all ~1,500 is slow and
    would make them all appear in the GAAD, which real accounts do not do)."""
    catalogue = json.loads(aws_managed_policies_data)
    for name in _AWS_MANAGED:
        policy = AWSManagedPolicy.from_data(name, DEMO_ACCOUNT_ID, DEMO_REGION, catalogue[name])
        backend.aws_managed_policies.append(policy)
        backend.managed_policies[policy.arn] = policy


def _policy_arn(name: str) -> str:
    if name in _AWS_MANAGED:
        return f"arn:aws:iam::aws:policy/{name}"
    return f"arn:aws:iam::{DEMO_ACCOUNT_ID}:policy/{name}"


def _create_account(iam: Any) -> None:
    """Create everything through the IAM API, as an administrator would."""
    for name, document in CUSTOMER_POLICIES.items():
        iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document))
    for group, policies in GROUPS.items():
        iam.create_group(GroupName=group)
        for policy in policies:
            iam.attach_group_policy(GroupName=group, PolicyArn=_policy_arn(policy))
    for user in USERS:
        _create_user(iam, user)
    for role in ROLES:
        iam.create_role(RoleName=role.name, AssumeRolePolicyDocument=json.dumps(role.trust))
        for policy in role.policies:
            iam.attach_role_policy(RoleName=role.name, PolicyArn=_policy_arn(policy))
    iam.create_service_linked_role(AWSServiceName=SERVICE_LINKED_ROLE_SERVICE)
    iam.update_account_password_policy(
        MinimumPasswordLength=8,
        RequireSymbols=False,
        RequireNumbers=True,
        RequireUppercaseCharacters=False,
        RequireLowercaseCharacters=True,
        AllowUsersToChangePassword=True,
    )
    # moto reports every server certificate as expiring in 2012, which is the expired one we want.
    iam.upload_server_certificate(
        ServerCertificateName=EXPIRED_CERTIFICATE_NAME,
        CertificateBody="-----BEGIN CERTIFICATE-----\nZGVtbw==\n-----END CERTIFICATE-----",
        PrivateKey="-----BEGIN PRIVATE KEY-----\nZGVtbw==\n-----END PRIVATE KEY-----",
    )


def _create_user(iam: Any, user: DemoUser) -> None:
    iam.create_user(UserName=user.name)
    if user.console:
        iam.create_login_profile(UserName=user.name, Password=_DEMO_PASSWORD)
    if user.mfa:
        serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=user.name)["VirtualMFADevice"][
            "SerialNumber"
        ]
        iam.enable_mfa_device(
            UserName=user.name,
            SerialNumber=serial,
            AuthenticationCode1="123456",
            AuthenticationCode2="654321",
        )
    for group in user.groups:
        iam.add_user_to_group(GroupName=group, UserName=user.name)
    for policy in user.policies:
        iam.attach_user_policy(UserName=user.name, PolicyArn=_policy_arn(policy))
    for name, document in user.inline.items():
        iam.put_user_policy(
            UserName=user.name, PolicyName=name, PolicyDocument=json.dumps(document)
        )
    for key in user.keys:
        key_id = iam.create_access_key(UserName=user.name)["AccessKey"]["AccessKeyId"]
        if not key.active:
            iam.update_access_key(UserName=user.name, AccessKeyId=key_id, Status="Inactive")


def _date_account(backend: Any, now: datetime) -> None:
    """Demo data: re-date moto's objects relative to ``now`` and give them stable ids.

    moto stamps every object with the wall clock and random ids; the credential report and the
    GAAD moto returns are computed from these attributes, so they then show the planted ages.
    """

    def ago(days: int) -> datetime:
        return now - timedelta(days=days)

    for user in USERS:
        obj = backend.users[user.name]
        obj.id = _stable_id("AIDA", user.name)
        obj.create_date = ago(user.created_days_ago)
        if user.password_used_days_ago is not None:
            obj.password_last_used = ago(user.password_used_days_ago)
        for key, planted in zip(obj.access_keys, user.keys, strict=True):
            key.create_date = ago(planted.created_days_ago)
            if planted.last_used_days_ago is not None:
                key.last_used = AccessKeyLastUsed(
                    timestamp=ago(planted.last_used_days_ago),
                    service=_KEY_SERVICE,
                    region=DEMO_REGION,
                )
        for device in obj.mfa_devices.values():
            device.enable_date = ago(user.created_days_ago)
    for device in backend.virtual_mfa_devices.values():
        if device.user is not None:
            device.enable_date = ago(_user_age(device.user.name))
    for name in GROUPS:
        group = backend.groups[name]
        group.id = _stable_id("AGPA", name)
        group.create_date = ago(900)
    planted_roles = {role.name: role for role in ROLES}
    roles = {}
    for role in backend.roles.values():
        if role.path.startswith("/aws-service-role/"):
            role.name = SERVICE_LINKED_ROLE_NAME  # moto lower-cases the service part
        role.id = _stable_id("AROA", role.name)
        planted = planted_roles.get(role.name)
        role.create_date = ago(
            planted.created_days_ago if planted else SERVICE_LINKED_ROLE_AGE_DAYS
        )
        if planted and planted.last_used_days_ago is not None:
            role.last_used = ago(planted.last_used_days_ago)
            role.last_used_region = DEMO_REGION
        roles[role.id] = role
    backend.roles = roles  # moto keys roles by id
    for name in CUSTOMER_POLICIES:
        policy = backend.managed_policies[_policy_arn(name)]
        policy.id = _stable_id("ANPA", name)
        policy.create_date = policy.update_date = ago(600)
        for version in policy.versions:
            version.create_date = ago(600)
    for name in _AWS_MANAGED:
        backend.managed_policies[_policy_arn(name)].id = _stable_id("ANPA", name)


def _user_age(name: str) -> int:
    return next(user.created_days_ago for user in USERS if user.name == name)


def _stable_id(prefix: str, name: str) -> str:
    """An AWS-looking unique id derived from the name, so the demo is the same on every run."""
    digest = hashlib.sha256(f"iam-audit-demo:{prefix}:{name}".encode()).digest()
    return prefix + base64.b32encode(digest).decode("ascii")[:17]


def _supply_what_moto_lacks(session: boto3.Session, now: datetime) -> None:
    """Demo data moto cannot produce, injected into the answers the collector receives."""

    def add_root_row(parsed: dict[str, Any], **_: Any) -> None:
        content = parsed.get("Content")
        if not isinstance(content, bytes):
            return  # an error answer (e.g. ReportNotPresent): nothing to add to
        rows = parse_credential_report(content.decode("utf-8"))
        fixed = [_as_aws_writes_it(row) for row in rows]
        parsed["Content"] = credential_report_to_csv([_root_row(now), *fixed]).encode()
        # moto stamps a fixed 2015 date; the demo's report is generated at audit time.
        parsed["GeneratedTime"] = now

    def organization_features(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        # The demo account's organization has not enabled centralized root access management.
        answer = {"OrganizationId": DEMO_ORGANIZATION_ID, "EnabledFeatures": []}
        return AWSResponse(None, 200, {}, None), answer

    def count_root_key(parsed: dict[str, Any], **_: Any) -> None:
        # Keep the account summary consistent with the demo root row's access key.
        if "SummaryMap" in parsed:
            parsed["SummaryMap"]["AccountAccessKeysPresent"] = 1

    session.events.register("after-call.iam.GetCredentialReport", add_root_row)
    session.events.register("after-call.iam.GetAccountSummary", count_root_key)
    session.events.register("before-call.iam.ListOrganizationsFeatures", organization_features)


def _root_row(now: datetime) -> CredentialReportRow:
    def at(days: int) -> str:
        return (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S+00:00")

    return CredentialReportRow(
        user=ROOT_USER,
        arn=f"arn:aws:iam::{DEMO_ACCOUNT_ID}:root",
        user_creation_time=at(ROOT_CREATED_DAYS_AGO),
        password_enabled="not_supported",  # AWS never reports it for root
        password_last_used=at(ROOT_PASSWORD_USED_DAYS_AGO),
        password_last_changed="not_supported",
        password_next_rotation="not_supported",
        mfa_active="false",
        access_key_1_active="true",
        access_key_1_last_rotated=at(ROOT_KEY_CREATED_DAYS_AGO),
        access_key_1_last_used_date=at(ROOT_KEY_USED_DAYS_AGO),
        access_key_1_last_used_region=DEMO_REGION,
        access_key_1_last_used_service="s3",
    )


def _as_aws_writes_it(row: CredentialReportRow) -> CredentialReportRow:
    """Correct moto's report where it departs from AWS's documented values: AWS writes N/A for
    the password columns of a user without a password, and the region and service a key was
    last used in (N/A when never used) where moto writes not_supported."""
    changes: dict[str, str] = {}
    if row.password_enabled == "false":
        changes.update(password_last_used=NOT_APPLICABLE, password_last_changed=NOT_APPLICABLE)
    for slot in ("1", "2"):
        used = getattr(row, f"access_key_{slot}_last_used_date") != NOT_APPLICABLE
        changes[f"access_key_{slot}_last_used_region"] = DEMO_REGION if used else NOT_APPLICABLE
        changes[f"access_key_{slot}_last_used_service"] = _KEY_SERVICE if used else NOT_APPLICABLE
    return dataclasses.replace(row, **changes)
