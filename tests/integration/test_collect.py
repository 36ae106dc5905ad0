"""The collector against moto: what it reads, how many calls, and how refusals are reported.

moto 5.2 answers GetAccountAuthorizationDetails in one page whatever MaxItems says, so
`AwsLikeGaadPaging` re-pages moto's answer the way IAM does (MaxItems items per page, Marker,
IsTruncated) and the collector really walks several pages. Errors moto cannot produce are injected
with a botocore `before-call` handler, which answers in place of the service.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws
from moto.iam.models import iam_backends

from bot.audit.engine import run_audit
from bot.aws.collect import COLLECTOR_ACTIONS, collect_snapshot
from bot.aws.session import make_session
from bot.model.errors import CollectionError
from bot.model.snapshot import AccountSnapshot, PasswordPolicy

ACCOUNT = "123456789012"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
TRUST_EC2 = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
S3_READ = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
)
GAAD_LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")


# --- harness -----------------------------------------------------------------------------------


class FakeSleep:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


class CallCounter:
    """Counts every API call the clients of a session make (retries excluded)."""

    def __init__(self, session: boto3.Session) -> None:
        self.calls: Counter[str] = Counter()
        session.events.register("before-call", self._count)

    def _count(self, event_name: str, **_: Any) -> None:
        _, service, operation = event_name.split(".")
        self.calls[f"{service}.{operation}"] += 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())


class AwsLikeGaadPaging:
    """Serves moto's one-page GAAD answer in pages of MaxItems entities, as IAM does.

    ``cap`` imitates IAM returning fewer items than asked (its documentation allows it).
    """

    def __init__(self, session: boto3.Session, cap: int | None = None) -> None:
        self.cap = cap
        self.page_sizes: list[int] = []
        session.events.register(
            "provide-client-params.iam.GetAccountAuthorizationDetails", self._remember
        )
        session.events.register("after-call.iam.GetAccountAuthorizationDetails", self._page)

    def _remember(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["gaad_paging"] = (int(params.get("Marker") or 0), params.get("MaxItems", 100))

    def _page(self, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        start, max_items = context["gaad_paging"]
        size = min(max_items, self.cap or max_items)
        entries = [(name, item) for name in GAAD_LISTS for item in parsed.get(name, [])]
        page = entries[start : start + size]
        for name in GAAD_LISTS:
            parsed[name] = [item for owner, item in page if owner == name]
        parsed["IsTruncated"] = start + size < len(entries)
        if parsed["IsTruncated"]:
            parsed["Marker"] = str(start + size)
        self.page_sizes.append(len(page))


def answer_with_error(session: boto3.Session, operation: str, code: str, status: int = 403) -> None:
    """Make every call of ``operation`` fail with ``code``, as AWS would answer it."""

    def refuse(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        error = {"Code": code, "Message": f"injected {code}"}
        return AWSResponse(None, status, {}, None), {"Error": error, "ResponseMetadata": {}}

    session.events.register(f"before-call.iam.{operation}", refuse)


@pytest.fixture
def moto() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def session(moto: None) -> boto3.Session:
    return make_session(region="us-east-1")


@pytest.fixture
def iam(session: boto3.Session) -> Any:
    return session.client("iam")


def _collect(session: boto3.Session, sleep: FakeSleep | None = None) -> AccountSnapshot:
    return collect_snapshot(session, now=NOW, sleep=sleep or FakeSleep())


def _add_users(count: int) -> None:
    """Create users straight in moto's backend: the API path is the same for 1 or 1,000."""
    backend = iam_backends[ACCOUNT]["global"]
    for number in range(count):
        backend.create_user(region_name="us-east-1", user_name=f"user-{number:05d}", path="/")


def _issue(snapshot: AccountSnapshot, api: str):
    matches = [issue for issue in snapshot.collection_issues if issue.api == api]
    assert matches, f"no issue for {api}: {snapshot.collection_issues}"
    return matches[0]


# --- happy path --------------------------------------------------------------------------------


def _populate(iam: Any) -> None:
    iam.create_user(UserName="ana")
    iam.create_login_profile(UserName="ana", Password="not-a-real-Passw0rd")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="ana")["VirtualMFADevice"][
        "SerialNumber"
    ]
    iam.enable_mfa_device(
        UserName="ana",
        SerialNumber=serial,
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    iam.create_user(UserName="svc")
    iam.create_access_key(UserName="svc")
    iam.create_group(GroupName="readers")
    iam.add_user_to_group(GroupName="readers", UserName="ana")
    arn = iam.create_policy(PolicyName="S3Read", PolicyDocument=S3_READ)["Policy"]["Arn"]
    iam.attach_group_policy(GroupName="readers", PolicyArn=arn)
    iam.put_user_policy(UserName="svc", PolicyName="inline-read", PolicyDocument=S3_READ)
    iam.create_role(RoleName="web", AssumeRolePolicyDocument=TRUST_EC2)
    iam.attach_role_policy(RoleName="web", PolicyArn=arn)
    iam.update_account_password_policy(
        MinimumPasswordLength=16,
        RequireSymbols=True,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
        MaxPasswordAge=60,
        PasswordReusePrevention=24,
    )
    iam.upload_server_certificate(
        ServerCertificateName="web-cert", CertificateBody="body", PrivateKey="key"
    )
    iam.create_saml_provider(Name="okta", SAMLMetadataDocument="x" * 1000)
    iam.create_open_id_connect_provider(
        Url="https://token.actions.githubusercontent.com",
        ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["a" * 40],
    )


def test_collects_every_part_of_the_account(session: boto3.Session, iam: Any) -> None:
    _populate(iam)
    snapshot = _collect(session)

    assert (snapshot.account_id, snapshot.source, snapshot.region) == (ACCOUNT, "aws", "us-east-1")
    assert snapshot.collected_at == NOW
    assert snapshot.has_authorization_details is True
    users = {user.name: user for user in snapshot.users}
    assert set(users) == {"ana", "svc"}
    assert users["ana"].groups == ("readers",)
    assert users["svc"].inline_policies[0].document["Statement"][0]["Action"] == "s3:GetObject"
    assert snapshot.groups[0].attached_policies[0].name == "S3Read"
    assert snapshot.roles[0].trust_policy["Statement"][0]["Principal"]["Service"] == (
        "ec2.amazonaws.com"
    )
    (policy,) = snapshot.policies
    assert (policy.name, policy.attachment_count) == ("S3Read", 2)

    rows = snapshot.credential_row_for()
    assert rows["ana"].flag("mfa_active") is True
    assert rows["svc"].flag("access_key_1_active") is True
    assert snapshot.credential_report_generated_at is not None

    assert snapshot.password_policy == PasswordPolicy(
        custom=True,
        minimum_length=16,
        require_symbols=True,
        require_numbers=True,
        require_uppercase=True,
        require_lowercase=True,
        expire_passwords=True,
        max_age_days=60,
        reuse_prevention=24,
    )
    assert snapshot.account_summary["Users"] == 2
    (device,) = snapshot.virtual_mfa_devices
    assert device.user_arn == f"arn:aws:iam::{ACCOUNT}:user/ana"
    assert device.enable_date.tzinfo == UTC
    (certificate,) = snapshot.server_certificates
    assert certificate.name == "web-cert"
    assert certificate.expiration < NOW  # moto reports every certificate as expired in 2012
    assert snapshot.saml_providers == (f"arn:aws:iam::{ACCOUNT}:saml-provider/okta",)
    assert snapshot.oidc_providers == (
        f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com",
    )
    # Access Analyzer is another collector's job.
    assert snapshot.analyzers is None
    assert snapshot.analyzer_findings is None
    # moto lacks ListOrganizationsFeatures: recorded, not fatal.
    issue = _issue(snapshot, "ListOrganizationsFeatures")
    assert issue.code == "NotImplemented"
    assert snapshot.organizations_features is None
    assert len(snapshot.collection_issues) == 1


def test_snapshot_round_trips_through_json(session: boto3.Session, iam: Any) -> None:
    _populate(iam)
    snapshot = _collect(session)
    again = AccountSnapshot.from_dict(json.loads(json.dumps(snapshot.to_dict())))
    assert again == snapshot


def test_password_policy_absent_is_the_aws_default_not_an_error(session: boto3.Session) -> None:
    snapshot = _collect(session)
    assert snapshot.password_policy == PasswordPolicy(custom=False)
    assert all(i.api != "GetAccountPasswordPolicy" for i in snapshot.collection_issues)


def test_credential_report_generation_is_polled_with_the_injected_sleep(
    session: boto3.Session, iam: Any
) -> None:
    iam.create_user(UserName="ana")
    sleep = FakeSleep()
    snapshot = _collect(session, sleep)
    # moto answers STARTED first, then COMPLETE: one wait, and no real sleeping.
    assert sleep.calls == [2.0]
    assert [row.user for row in snapshot.credential_report] == ["ana"]


def test_limit_exceeded_on_generation_is_retried(session: boto3.Session, iam: Any) -> None:
    iam.create_user(UserName="ana")
    refusals = iter([True, True])

    def limit_exceeded_twice(**_: Any):
        if next(refusals, False):
            error = {"Code": "LimitExceeded", "Message": "too many reports"}
            return AWSResponse(None, 409, {}, None), {"Error": error, "ResponseMetadata": {}}
        return None  # let moto answer

    session.events.register("before-call.iam.GenerateCredentialReport", limit_exceeded_twice)
    sleep = FakeSleep()
    snapshot = _collect(session, sleep)
    assert sleep.calls == [2.0, 4.0, 8.0]  # two refusals, then moto's STARTED
    assert snapshot.credential_report is not None


# --- scale ---------------------------------------------------------------------------------------


def test_more_than_1000_users_are_read_over_several_pages(session: boto3.Session) -> None:
    _add_users(2300)
    paging = AwsLikeGaadPaging(session)
    counter = CallCounter(session)
    snapshot = _collect(session)
    assert paging.page_sizes == [1000, 1000, 300]
    assert counter.calls["iam.GetAccountAuthorizationDetails"] == 3
    names = [user.name for user in snapshot.users]
    assert len(names) == len(set(names)) == 2300
    assert len(snapshot.credential_report) == 2300


def test_short_pages_from_iam_are_followed_to_the_end(session: boto3.Session, iam: Any) -> None:
    _add_users(25)
    iam.create_role(RoleName="web", AssumeRolePolicyDocument=TRUST_EC2)
    iam.create_policy(PolicyName="S3Read", PolicyDocument=S3_READ)
    paging = AwsLikeGaadPaging(session, cap=7)
    snapshot = _collect(session)
    assert paging.page_sizes == [7, 7, 7, 6]
    assert (len(snapshot.users), len(snapshot.roles), len(snapshot.policies)) == (25, 1, 1)


def test_a_1000_user_account_costs_at_most_15_calls(session: boto3.Session, iam: Any) -> None:
    _add_users(1000)
    iam.create_role(RoleName="web", AssumeRolePolicyDocument=TRUST_EC2)
    iam.create_policy(PolicyName="S3Read", PolicyDocument=S3_READ)
    AwsLikeGaadPaging(session)
    counter = CallCounter(session)
    snapshot = _collect(session)
    assert len(snapshot.users) == 1000
    assert counter.total <= 15, counter.calls
    # No call is made per user: each operation runs once, or once per page.
    assert counter.calls["iam.GetAccountAuthorizationDetails"] == 2
    per_user_operations = {"GetUser", "ListAccessKeys", "ListMFADevices", "GetLoginProfile"}
    assert not {name.split(".")[1] for name in counter.calls} & per_user_operations


def _calls_for_account_of(users: int) -> Counter[str]:
    with mock_aws():
        session = make_session(region="us-east-1")
        _add_users(users)
        AwsLikeGaadPaging(session)
        counter = CallCounter(session)
        _collect(session)
        return counter.calls


def test_call_count_does_not_grow_with_users() -> None:
    small, large = _calls_for_account_of(10), _calls_for_account_of(1500)
    assert (
        small.pop("iam.GetAccountAuthorizationDetails"),
        large.pop("iam.GetAccountAuthorizationDetails"),
    ) == (1, 2)
    assert small == large  # every other operation: the same calls for 10 or 1,500 users


# --- refusals and failures -----------------------------------------------------------------------


def test_denied_password_policy_is_an_issue_and_the_rest_is_collected(
    session: boto3.Session, iam: Any
) -> None:
    _populate(iam)
    answer_with_error(session, "GetAccountPasswordPolicy", "AccessDenied")
    snapshot = _collect(session)
    issue = _issue(snapshot, "GetAccountPasswordPolicy")
    assert issue.action == "iam:GetAccountPasswordPolicy"
    assert issue.code == "AccessDenied"
    assert "GetAccountPasswordPolicy" in issue.message
    assert "iam:GetAccountPasswordPolicy" in issue.message
    assert snapshot.password_policy is None
    assert {user.name for user in snapshot.users} == {"ana", "svc"}
    assert snapshot.credential_report is not None
    assert snapshot.server_certificates is not None


def test_denied_credential_report_is_an_issue_and_the_rest_is_collected(
    session: boto3.Session, iam: Any
) -> None:
    _populate(iam)
    answer_with_error(session, "GetCredentialReport", "AccessDenied")
    snapshot = _collect(session)
    issue = _issue(snapshot, "GetCredentialReport")
    assert issue.action == "iam:GetCredentialReport"
    assert "grant iam:GetCredentialReport" in issue.message
    assert snapshot.credential_report is None
    assert snapshot.credential_report_generated_at is None
    assert {user.name for user in snapshot.users} == {"ana", "svc"}
    assert snapshot.password_policy is not None


def test_denied_authorization_details_leaves_principals_uncollected(
    session: boto3.Session, iam: Any
) -> None:
    _populate(iam)
    answer_with_error(session, "GetAccountAuthorizationDetails", "AccessDenied")
    snapshot = _collect(session)
    assert snapshot.has_authorization_details is False
    assert snapshot.users == snapshot.roles == ()
    assert _issue(snapshot, "GetAccountAuthorizationDetails").action == (
        "iam:GetAccountAuthorizationDetails"
    )
    assert snapshot.account_id == ACCOUNT  # from the credential report's ARNs


@pytest.mark.parametrize(
    "operation",
    [
        "GetAccountSummary",
        "ListVirtualMFADevices",
        "ListServerCertificates",
        "ListSAMLProviders",
        "ListOpenIDConnectProviders",
    ],
)
def test_every_read_fails_on_its_own(session: boto3.Session, operation: str) -> None:
    answer_with_error(session, operation, "AccessDenied")
    snapshot = _collect(session)
    assert _issue(snapshot, operation).action == f"iam:{operation}"
    assert f"iam:{operation}" in COLLECTOR_ACTIONS
    assert snapshot.password_policy is not None
    assert snapshot.credential_report is not None


def test_throttling_after_retries_is_an_issue_naming_it(session: boto3.Session) -> None:
    answer_with_error(session, "ListServerCertificates", "Throttling", 400)
    snapshot = _collect(session)
    issue = _issue(snapshot, "ListServerCertificates")
    assert "throttled" in issue.message
    assert snapshot.server_certificates is None
    assert snapshot.virtual_mfa_devices == ()


def test_bad_credentials_stop_the_collection(session: boto3.Session) -> None:
    answer_with_error(session, "GetCredentialReport", "InvalidClientTokenId")
    with pytest.raises(CollectionError, match="rejected the credentials"):
        _collect(session)


def test_malformed_credential_report_is_an_issue(session: boto3.Session, iam: Any) -> None:
    iam.create_user(UserName="ana")

    def garble(parsed: dict[str, Any], **_: Any) -> None:
        if "Content" in parsed:
            parsed["Content"] = b"name,email\nana,a@example.com\n"

    session.events.register("after-call.iam.GetCredentialReport", garble)
    snapshot = _collect(session)
    assert snapshot.credential_report is None
    assert "could not be read" in _issue(snapshot, "GetCredentialReport").message
    assert [user.name for user in snapshot.users] == ["ana"]


def test_a_garbage_date_in_the_live_report_skips_the_report_checks_instead_of_erroring(
    session: boto3.Session, iam: Any
) -> None:
    """IAM User Guide, "Getting credential reports for your AWS account": password_last_used is an
    ISO 8601 date-time, N/A or no_information. A report holding "yesterday" there is refused as a
    whole: one collection issue naming the user and column, and the checks that need the report
    are skipped (with a reason), none of them recorded as a check error."""
    iam.create_user(UserName="ana")

    def garble(parsed: dict[str, Any], **_: Any) -> None:
        if "Content" in parsed:
            text = parsed["Content"].decode()
            header, *rows = text.splitlines()
            columns = header.split(",")
            cells = rows[0].split(",")
            cells[columns.index("password_last_used")] = "yesterday"
            parsed["Content"] = "\n".join([header, ",".join(cells), *rows[1:]]).encode()

    session.events.register("after-call.iam.GetCredentialReport", garble)
    snapshot = _collect(session)
    assert snapshot.credential_report is None
    message = _issue(snapshot, "GetCredentialReport").message
    assert "'ana'" in message
    assert "password_last_used" in message
    assert "yesterday" in message

    report = run_audit(snapshot, now=NOW)
    assert not [error for error in report.errors if error.kind == "check"]
    skipped = {entry.check_id: entry.reason for entry in report.skipped}
    assert "credential report" in skipped["user.access_key_unused"]


@pytest.mark.parametrize(
    ("answer", "expected", "has_issue"),
    [
        ({"OrganizationId": "o-abc", "EnabledFeatures": ["RootCredentialsManagement"]},
         ("RootCredentialsManagement",), False),
        ({"OrganizationId": "o-abc", "EnabledFeatures": []}, (), False),
        ("ServiceAccessNotEnabledException", (), False),
        ("OrganizationNotInAllFeaturesModeException", (), False),
        ("OrganizationNotFoundException", None, True),
        ("AccountNotManagementOrDelegatedAdministratorException", None, True),
        ("AccessDenied", None, True),
    ],
)  # fmt: skip
def test_organizations_features(
    session: boto3.Session, answer: Any, expected: Any, has_issue: bool
) -> None:
    if isinstance(answer, str):
        answer_with_error(session, "ListOrganizationsFeatures", answer, 400)
    else:
        session.events.register(
            "before-call.iam.ListOrganizationsFeatures",
            lambda **_: (AWSResponse(None, 200, {}, None), answer),
        )
    snapshot = _collect(session)
    assert snapshot.organizations_features == expected
    issues = [i for i in snapshot.collection_issues if i.api == "ListOrganizationsFeatures"]
    assert bool(issues) is has_issue
    if isinstance(answer, str) and has_issue:
        assert issues[0].code == answer


def test_account_id_comes_from_sts_when_no_arn_is_known(session: boto3.Session) -> None:
    counter = CallCounter(session)
    snapshot = _collect(session)
    assert snapshot.account_id == ACCOUNT
    assert counter.calls["sts.GetCallerIdentity"] == 1


def test_account_id_from_arns_needs_no_sts_call(session: boto3.Session, iam: Any) -> None:
    iam.create_user(UserName="ana")
    counter = CallCounter(session)
    assert _collect(session).account_id == ACCOUNT
    assert counter.calls["sts.GetCallerIdentity"] == 0


def test_region_is_recorded(moto: None) -> None:
    session = make_session(region="eu-west-1")
    assert collect_snapshot(session, now=NOW, sleep=FakeSleep()).region == "eu-west-1"
    assert collect_snapshot(session, now=NOW, sleep=FakeSleep(), region="us-west-2").region == (
        "us-west-2"
    )


def test_missing_credentials_stop_the_collection_with_one_sentence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    session = boto3.Session(region_name="us-east-1")  # bypasses make_session's early check
    with pytest.raises(CollectionError, match="no AWS credentials found") as caught:
        collect_snapshot(session, now=NOW, sleep=FakeSleep())
    assert caught.value.api == "GetCredentialReport"
