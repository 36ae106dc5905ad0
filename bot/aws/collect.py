"""Collect one account's IAM state into an AccountSnapshot with a fixed handful of API calls.

Every read is independent: a missing permission becomes a CollectionIssue naming the API and the
IAM action to grant, the matching snapshot field stays None (so its checks are skipped with a
reason) and the rest of the collection goes on. Only bad credentials or an unreachable endpoint
stop the collection, because no later call could succeed either. The number of calls depends on
pages, never on the number of users.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from bot.audit.credential_report import parse_credential_report
from bot.audit.gaad import authorization_details_from_gaad, merge_gaad_pages
from bot.aws.access_analyzer import AnalyzerScope, collect_access_analyzer
from bot.aws.credential_report import (
    FetchedCredentialReport,
    PollingPolicy,
    fetch_credential_report,
)
from bot.aws.deadline import (
    DEADLINE_ENV,
    DeadlineExceeded,
    audit_deadline,
    deadline_passed,
    seconds_setting,
)
from bot.aws.deadline import install as install_deadline
from bot.aws.errors import (
    CONNECTION_ERRORS,
    CREDENTIAL_CODES,
    MALFORMED_ANSWER_ERRORS,
    describe_client_error,
    describe_malformed_answer,
    error_code,
    is_credentials_problem,
    short_reason,
    translate_botocore_error,
    translate_client_error,
)
from bot.aws.service_control_policies import (
    DESCRIBE_ORGANIZATION,
    ORGANIZATION_POLICY_ACTIONS,
    read_organization_policies,
)
from bot.aws.session import DEFAULT_REGION, make_client
from bot.model.errors import CollectionError, InputError
from bot.model.snapshot import (
    AccountSnapshot,
    CollectionIssue,
    CredentialReportRow,
    PasswordPolicy,
    ServerCertificate,
    VirtualMfaDevice,
    parse_aws_time,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

# Every IAM/STS/Organizations action the collector uses (all read-only); the README's policy
# and the bot's shipped policies should grant these, plus ACCESS_ANALYZER_ACTIONS
# (bot.aws.access_analyzer).
COLLECTOR_ACTIONS: tuple[str, ...] = (
    "iam:GenerateCredentialReport",
    "iam:GetCredentialReport",
    "iam:GetAccountAuthorizationDetails",
    "iam:GetAccountPasswordPolicy",
    "iam:GetAccountSummary",
    "iam:ListVirtualMFADevices",
    "iam:ListServerCertificates",
    "iam:ListSAMLProviders",
    "iam:ListOpenIDConnectProviders",
    "iam:ListOrganizationsFeatures",
    "sts:GetCallerIdentity",
    *ORGANIZATION_POLICY_ACTIONS,
)

# The largest page IAM serves; fewer pages means fewer calls on big accounts.
GAAD_PAGE_SIZE = 1000
LIST_PAGE_SIZE = 1000

# ListOrganizationsFeatures answers that are facts about the organization, not failures.
_FEATURES_OFF_CODES = frozenset(
    {"ServiceAccessNotEnabledException", "OrganizationNotInAllFeaturesModeException"}
)
_NOT_IN_ORGANIZATION_CODES = frozenset(
    {"OrganizationNotFoundException", "AWSOrganizationsNotInUseException"}
)
_NOT_MANAGEMENT_ACCOUNT_CODES = frozenset({"AccountNotManagementOrDelegatedAdministratorException"})


def collect_snapshot(
    session: boto3.Session,
    *,
    now: datetime,
    region: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
    polling: PollingPolicy | None = None,
    access_analyzer: AnalyzerScope | None = None,
    deadline_seconds: float | None = None,
    organization_policies: bool = True,
) -> AccountSnapshot:
    """Read the account's IAM state; raises CollectionError only when nothing can be read.

    ``access_analyzer`` also reads IAM Access Analyzer (analyzers and findings per region); None
    leaves it out (the analyzer.* checks are then skipped with a reason). ``deadline_seconds``
    (default: IAM_AUDIT_DEADLINE_SECONDS, else none) bounds the whole collection: reads not done
    by then become collection issues. ``organization_policies=False`` leaves the service and
    resource control policies over the account unread (the organization-wide audit reads them
    from its hub instead).
    """
    if deadline_seconds is None:
        deadline_seconds = seconds_setting(DEADLINE_ENV, None)
    install_deadline(session)
    with audit_deadline(deadline_seconds):
        return _collect(
            session,
            now=now,
            region=region,
            sleep=sleep,
            polling=polling,
            access_analyzer=access_analyzer,
            organization_policies=organization_policies,
        )


def _collect(
    session: boto3.Session,
    *,
    now: datetime,
    region: str | None,
    sleep: Callable[[float], None],
    polling: PollingPolicy | None,
    access_analyzer: AnalyzerScope | None,
    organization_policies: bool,
) -> AccountSnapshot:
    chosen_region = region or session.region_name or DEFAULT_REGION
    iam = make_client(session, "iam", region=chosen_region)
    reader = _Reader(sleep=sleep)

    fetched = reader.read(
        "GetCredentialReport",
        "iam:GetCredentialReport",
        lambda: fetch_credential_report(iam, now=now, sleep=sleep, polling=polling),
    )
    report = _parse_report(fetched, reader)

    details = reader.read(
        "GetAccountAuthorizationDetails",
        "iam:GetAccountAuthorizationDetails",
        lambda: authorization_details_from_gaad(
            merge_gaad_pages(
                iam.get_paginator("get_account_authorization_details").paginate(
                    PaginationConfig={"PageSize": GAAD_PAGE_SIZE}
                )
            )
        ),
    )
    password_policy = reader.read(
        "GetAccountPasswordPolicy",
        "iam:GetAccountPasswordPolicy",
        lambda: _password_policy(iam),
    )
    summary = reader.read(
        "GetAccountSummary",
        "iam:GetAccountSummary",
        lambda: {k: int(v) for k, v in iam.get_account_summary()["SummaryMap"].items()},
    )
    mfa_devices = reader.read(
        "ListVirtualMFADevices", "iam:ListVirtualMFADevices", lambda: _virtual_mfa_devices(iam)
    )
    certificates = reader.read(
        "ListServerCertificates",
        "iam:ListServerCertificates",
        lambda: _server_certificates(iam),
    )
    saml = reader.read(
        "ListSAMLProviders",
        "iam:ListSAMLProviders",
        lambda: tuple(p["Arn"] for p in iam.list_saml_providers().get("SAMLProviderList", [])),
    )
    oidc = reader.read(
        "ListOpenIDConnectProviders",
        "iam:ListOpenIDConnectProviders",
        lambda: tuple(
            p["Arn"]
            for p in iam.list_open_id_connect_providers().get("OpenIDConnectProviderList", [])
        ),
    )
    features = _organizations_features(iam, reader)
    analyzer_data = None
    if access_analyzer is not None:
        analyzer_data = reader.read(
            "ListAnalyzers",
            "access-analyzer:ListAnalyzers",
            lambda: collect_access_analyzer(
                session, scope=access_analyzer, home_region=chosen_region
            ),
        )
        reader.issues.extend(analyzer_data.issues if analyzer_data else ())

    if not reader.answered and deadline_passed() is not None:
        raise CollectionError(
            f"AWS answered no call before the audit's deadline of {deadline_passed():g} s"
            f" (is the endpoint reachable? raise the deadline with --deadline or {DEADLINE_ENV})",
            code="DeadlineExceeded",
        )
    account_id = (details.account_id if details else None) or _account_from_rows(report)
    if account_id is None:
        identity = reader.read(
            "GetCallerIdentity",
            "sts:GetCallerIdentity",
            lambda: make_client(session, "sts", region=chosen_region).get_caller_identity(),
        )
        account_id = str(identity["Account"]) if identity else "unknown"
    controls = None  # the SCPs and RCPs over the account
    if organization_policies and account_id.isdigit():
        controls = reader.read(
            *DESCRIBE_ORGANIZATION,
            lambda: read_organization_policies(
                make_client(session, "organizations", region=chosen_region), account_id
            ),
        )
        reader.issues.extend(controls.issues if controls else ())

    return AccountSnapshot(
        account_id=account_id,
        collected_at=now,
        source="aws",
        region=chosen_region,
        partition=details.partition if details else _partition_of(chosen_region),
        users=details.users if details else (),
        groups=details.groups if details else (),
        roles=details.roles if details else (),
        policies=details.policies if details else (),
        credential_report=report,
        credential_report_generated_at=fetched.generated_at if fetched else None,
        password_policy=password_policy,
        account_summary=summary,
        virtual_mfa_devices=mfa_devices,
        server_certificates=certificates,
        saml_providers=saml,
        oidc_providers=oidc,
        organizations_features=features,
        **(analyzer_data.snapshot_fields() if analyzer_data else {}),
        **(controls.snapshot_fields() if controls else {}),
        has_authorization_details=details is not None,
        collection_issues=tuple(reader.issues),
    )


MALFORMED_RETRIES = 2  # botocore does not retry an unparsable answer; we do, then note an issue


@dataclass
class _Reader:
    """Runs one read; turns a refusal into a CollectionIssue and lets the collection go on.

    Only what stops every later call ends the collection: bad or missing credentials, and an
    endpoint that cannot be reached before anything was read. A connection that fails on one
    API after others answered, or an answer that cannot be parsed, is that API's issue.
    """

    issues: list[CollectionIssue] = field(default_factory=list)
    sleep: Callable[[float], None] = time.sleep
    answered: int = 0

    def read(self, api: str, action: str, call: Callable[[], T]) -> T | None:
        for attempt in range(MALFORMED_RETRIES + 1):
            seconds = deadline_passed()
            if seconds is not None:
                self.note(
                    api,
                    action,
                    f"{api} was not read: the audit's deadline of {seconds:g} s passed"
                    f" (raise it with --deadline or {DEADLINE_ENV})",
                    "DeadlineExceeded",
                )
                return None
            try:
                result = self._read_once(api, action, call)
            except MALFORMED_ANSWER_ERRORS as exc:
                if attempt < MALFORMED_RETRIES:
                    log.info("%s: unparsable answer, retrying: %s", api, short_reason(str(exc)))
                    self.sleep(float(2**attempt))
                    continue
                log.debug("%s: unparsable answer", api, exc_info=True)
                self.note(api, action, describe_malformed_answer(exc, api=api), "Malformed")
                return None
            return result
        return None

    def _read_once(self, api: str, action: str, call: Callable[[], T]) -> T | None:
        try:
            result = call()
            self.answered += 1
            return result
        except ClientError as exc:
            self.answered += 1  # AWS answered: the endpoint is there
            if is_credentials_problem(exc):
                raise translate_client_error(exc, api=api, action=action) from exc
            self.note(
                api, action, describe_client_error(exc, api=api, action=action), error_code(exc)
            )
        except CollectionError as exc:
            if exc.code in CREDENTIAL_CODES:
                raise
            self.note(exc.api or api, exc.action or action, str(exc), exc.code)
        except InputError as exc:
            self.note(
                api, action, f"{api} returned data that could not be read: {exc}", "Malformed"
            )
        except DeadlineExceeded as exc:
            self.note(
                api,
                action,
                f"{api} was not completed: {exc} (raise it with --deadline or {DEADLINE_ENV})",
                "DeadlineExceeded",
            )
        except CONNECTION_ERRORS as exc:
            if not self.answered:  # the endpoint cannot be reached at all: nothing would work
                raise translate_botocore_error(exc, api=api, action=action) from exc
            self.note(
                api,
                action,
                f"{api} could not be completed: the connection failed even after retries"
                f" ({short_reason(str(exc))})",
                type(exc).__name__,
            )
        except BotoCoreError as exc:
            # No credentials, no region, a bad profile: every other call would fail the same way.
            raise translate_botocore_error(exc, api=api, action=action) from exc
        except NotImplementedError:
            # AWS emulators (moto, LocalStack) raise this for APIs they lack; AWS itself never does.
            self.note(api, action, f"{api} is not supported by this AWS endpoint", "NotImplemented")
        return None

    def note(self, api: str, action: str, message: str, code: str = "") -> None:
        log.warning("collection issue: %s", message)
        self.issues.append(CollectionIssue(api=api, action=action, message=message, code=code))


def _parse_report(
    fetched: FetchedCredentialReport | None, reader: _Reader
) -> tuple[CredentialReportRow, ...] | None:
    if fetched is None:
        return None
    reader.issues.extend(fetched.issues)
    try:
        return parse_credential_report(fetched.csv_text)
    except InputError as exc:
        reader.note(
            "GetCredentialReport",
            "iam:GetCredentialReport",
            f"the credential report AWS returned could not be read: {exc}",
            "MalformedReport",
        )
        return None


def _password_policy(iam: Any) -> PasswordPolicy:
    try:
        policy = iam.get_account_password_policy()["PasswordPolicy"]
    except ClientError as exc:
        if error_code(exc) == "NoSuchEntity":
            return PasswordPolicy(custom=False)  # no policy set: AWS applies its weak default
        raise
    return PasswordPolicy(
        custom=True,
        minimum_length=int(policy.get("MinimumPasswordLength", 8)),
        require_symbols=bool(policy.get("RequireSymbols", False)),
        require_numbers=bool(policy.get("RequireNumbers", False)),
        require_uppercase=bool(policy.get("RequireUppercaseCharacters", False)),
        require_lowercase=bool(policy.get("RequireLowercaseCharacters", False)),
        allow_users_to_change=bool(policy.get("AllowUsersToChangePassword", False)),
        expire_passwords=bool(policy.get("ExpirePasswords", False)),
        # AWS documents 0 as "not set" for both (passwords never expire / no reuse check).
        max_age_days=policy.get("MaxPasswordAge") or None,
        reuse_prevention=policy.get("PasswordReusePrevention") or None,
        hard_expiry=bool(policy.get("HardExpiry", False)),
    )


def _virtual_mfa_devices(iam: Any) -> tuple[VirtualMfaDevice, ...]:
    pages = iam.get_paginator("list_virtual_mfa_devices").paginate(
        PaginationConfig={"PageSize": LIST_PAGE_SIZE}
    )
    return tuple(
        VirtualMfaDevice(
            serial_number=device["SerialNumber"],
            user_arn=(device.get("User") or {}).get("Arn"),
            enable_date=_utc(device.get("EnableDate")),
        )
        for page in pages
        for device in page.get("VirtualMFADevices", [])
    )


def _server_certificates(iam: Any) -> tuple[ServerCertificate, ...]:
    pages = iam.get_paginator("list_server_certificates").paginate(
        PaginationConfig={"PageSize": LIST_PAGE_SIZE}
    )
    return tuple(
        ServerCertificate(
            name=cert["ServerCertificateName"],
            arn=cert["Arn"],
            expiration=_utc(cert.get("Expiration")),
            upload_date=_utc(cert.get("UploadDate")),
            path=cert.get("Path", "/"),
        )
        for page in pages
        for cert in page.get("ServerCertificateMetadataList", [])
    )


def _organizations_features(iam: Any, reader: _Reader) -> tuple[str, ...] | None:
    """The organization's centralized root features; () when AWS says they cannot be on."""
    api, action = "ListOrganizationsFeatures", "iam:ListOrganizationsFeatures"

    def call() -> tuple[str, ...] | None:
        try:
            return tuple(iam.list_organizations_features().get("EnabledFeatures", []))
        except ClientError as exc:
            code = error_code(exc)
            if code in _FEATURES_OFF_CODES:
                return ()  # IAM trusted access (or all-features mode) is off: nothing is enabled
            if code in _NOT_IN_ORGANIZATION_CODES:
                reader.note(
                    api,
                    action,
                    "the account is not in an AWS Organization, so centralized root access"
                    " management does not apply",
                    code,
                )
                return None
            if code in _NOT_MANAGEMENT_ACCOUNT_CODES:
                reader.note(
                    api,
                    action,
                    "ListOrganizationsFeatures only answers in the organization's management"
                    " account or its delegated administrator for IAM; audit from there to check"
                    " centralized root access",
                    code,
                )
                return None
            raise

    return reader.read(api, action, call)


def _utc(value: datetime | str | None) -> datetime | None:
    """boto3 hands out local-zone datetimes; the snapshot keeps UTC so it compares and diffs."""
    parsed = parse_aws_time(value)
    return parsed.astimezone(UTC) if parsed else None


def _account_from_rows(report: tuple[CredentialReportRow, ...] | None) -> str | None:
    for row in report or ():
        parts = row.arn.split(":")
        if len(parts) > 4 and parts[4].isdigit():
            return parts[4]
    return None


def _partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"
