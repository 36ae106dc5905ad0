"""Adversarial review of the multi-account path (`iam-audit audit --accounts`, the bot's member
audits): one member among many failing in each way AWS fails, hostile values from Organizations
and from the user, and the SCP inheritance of a deep organization (moto, and AWS's own answers
where moto lacks them)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import botocore.handlers
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws

from bot.aws import session as aws_session
from bot.aws.organizations import AssumeRoleOptions, RoleAssumer, list_accounts
from bot.aws.service_control_policies import hub_reader
from bot.cli import main
from bot.config.operations import OperationsOptions, parse_operations
from bot.iam.scp_ceiling import scp_ceiling
from bot.model.errors import CollectionError, InputError
from bot.model.snapshot import AccountSnapshot
from bot.organizations import pipeline
from bot.organizations.member_audits import OrganizationAudits
from bot.store.memory import InMemoryStore
from tests.integration.test_cli_accounts import member_iam
from tests.scp_support import FULL_ACCESS, REGION, SCP, create_policy, deny

ROLE = "iam-audit-member"
HOSTILE_NAMES = (
    "\x1b[31mred\x1b[0m\nline two <!channel>",
    "../../x & <b>\u202eexe.txt",
)


@pytest.fixture
def members() -> Iterator[list[str]]:
    """Two member accounts whose names are hostile free text (Organizations allows any)."""
    with mock_aws():
        org = boto3.client("organizations", region_name=REGION)
        org.create_organization(FeatureSet="ALL")
        ids = [
            org.create_account(Email=f"m{i}@example.com", AccountName=name)["CreateAccountStatus"][
                "AccountId"
            ]
            for i, name in enumerate(HOSTILE_NAMES)
        ]
        sts = boto3.client("sts", region_name=REGION)
        for account in [*ids, "123456789012"]:
            member_iam(sts, account).generate_credential_report()  # no polling wait
        yield ids


def add_handler(monkeypatch: pytest.MonkeyPatch, event: str, handler: Any) -> None:
    """``handler`` on ``event`` in every session the CLI creates."""
    handlers = [*botocore.handlers.BUILTIN_HANDLERS, (event, handler)]
    monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS", handlers)


def refuse_assume_role(
    monkeypatch: pytest.MonkeyPatch, account: str, code: str, message: str, status: int = 403
) -> None:
    def handler(params: dict[str, Any], **_: Any) -> Any:
        if f":{account}:" in str((params.get("body") or {}).get("RoleArn", "")):
            response = AWSResponse("https://sts.amazonaws.com/", status, {}, None)
            return response, {"Error": {"Code": code, "Message": message}}
        return None

    add_handler(monkeypatch, "before-call.sts.AssumeRole", handler)


class Raw:
    """The raw body botocore streams from (what urllib3 would hand it)."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


# --- one member among many fails ---------------------------------------------------------------


def test_a_region_not_enabled_in_a_member_says_so_and_how_to_avoid_it(
    members: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """STS answers RegionDisabledException when the hub's region is an opt-in region the member
    has not enabled: the line must say that, not only the code."""
    refuse_assume_role(
        monkeypatch,
        members[1],
        "RegionDisabledException",
        "STS is not activated in this region for account:X.",
    )
    code = main(["audit", "--accounts", "all", "--format", "json", "--fail-on", "critical"])
    captured = capsys.readouterr()
    assert code == 1  # the others audited; one failed: the CI gate fails
    failures = json.loads(captured.out)["failures"]
    assert [f["account_id"] for f in failures] == [members[1]]
    message = failures[0]["message"]
    assert f"arn:aws:iam::{members[1]}:role/{ROLE}" in message
    assert "sts:AssumeRole" in message
    assert "region" in message.lower()
    assert "us-east-1" in message
    assert failures[0]["code"] == "RegionDisabledException"


def test_a_refused_role_names_the_role_and_the_action(
    members: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    refuse_assume_role(monkeypatch, members[0], "AccessDenied", "not authorized")
    code = main(["audit", "--accounts", ",".join(members), "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0  # documented: without --fail-on a partly audited run exits 0
    (failure,) = json.loads(captured.out)["failures"]
    assert f"arn:aws:iam::{members[0]}:role/{ROLE}" in failure["message"]
    assert "sts:AssumeRole" in failure["message"]
    assert "ExternalId" in failure["message"]
    assert f"account {members[0]} was not audited" in captured.err


def test_each_account_assumes_its_role_when_its_turn_comes(members: list[str]) -> None:
    """Account 40 of 60 is entered with credentials fresh when its audit starts, not with ones
    assumed when the run began (an hour earlier)."""
    hub = boto3.Session(region_name=REGION)
    assumed: list[str] = []
    hub.events.register(
        "before-call.sts.AssumeRole",
        lambda params, **_: assumed.append(params["body"]["RoleArn"]),
    )
    seen: list[tuple[str, int]] = []

    def collect(_session: Any, account_id: str) -> AccountSnapshot:
        seen.append((account_id, len(assumed)))
        return AccountSnapshot(account_id, datetime.now(UTC), "synthetic")

    options = pipeline.MultiAccountOptions(accounts=",".join(members), max_workers=1)
    pipeline.audit_accounts(hub, options, now=datetime.now(UTC), collect=collect)
    assert seen == [(members[0], 1), (members[1], 2)]


def test_a_member_session_renews_its_role_before_the_credentials_expire(
    members: list[str],
) -> None:
    """An account whose collection outlasts the role session (1 hour) must not end in
    ExpiredToken: botocore renews the credentials by assuming the role again."""
    hub = boto3.Session(region_name=REGION)
    assumed: list[str] = []
    hub.events.register(
        "before-call.sts.AssumeRole",
        lambda params, **_: assumed.append(params["body"]["RoleArn"]),
    )
    member = RoleAssumer(hub, AssumeRoleOptions()).session_for(members[0])
    credentials = member.get_credentials()
    first = credentials.get_frozen_credentials().access_key
    assert len(assumed) == 1
    # 55 minutes later: within botocore's mandatory refresh window of the 1-hour session.
    later = datetime.now(UTC) + timedelta(minutes=55)
    credentials._time_fetcher = lambda: later

    identity = member.client("sts").get_caller_identity()

    assert identity["Account"] == members[0]
    assert len(assumed) == 2
    assert credentials.get_frozen_credentials().access_key != first


def test_a_renewal_that_is_refused_is_that_account_s_clear_error(members: list[str]) -> None:
    """The role deleted (or its trust changed) during the run: the renewal's refusal is the
    account's one-sentence error naming the role, not a botocore traceback."""
    hub = boto3.Session(region_name=REGION)
    refusing: list[bool] = []

    def refuse(**_: Any) -> Any:
        if not refusing:
            return None
        response = AWSResponse("https://sts.amazonaws.com/", 403, {}, None)
        return response, {"Error": {"Code": "AccessDenied", "Message": "role deleted"}}

    hub.events.register("before-call.sts.AssumeRole", refuse)
    member = RoleAssumer(hub, AssumeRoleOptions()).session_for(members[0])
    later = datetime.now(UTC) + timedelta(minutes=55)
    member.get_credentials()._time_fetcher = lambda: later
    refusing.append(True)
    with pytest.raises(CollectionError, match=f"cannot assume arn:aws:iam::{members[0]}:"):
        member.client("iam").list_users()


def test_list_accounts_throttled_mid_pagination_is_retried_and_keeps_only_active(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Page 2 of ListAccounts throttled once (AWS's own answer, botocore's retry handler);
    suspended, closing and closed accounts are left out (Status, or State without it)."""
    monkeypatch.setattr(aws_session, "RETRY_CONFIG", {"mode": "standard", "max_attempts": 3})
    pages = {
        None: {
            "Accounts": [
                {"Id": "111111111111", "Name": "a", "Status": "ACTIVE", "State": "ACTIVE"},
                {"Id": "222222222222", "Name": "b", "Status": "SUSPENDED", "State": "SUSPENDED"},
            ],
            "NextToken": "page-2",
        },
        "page-2": {
            "Accounts": [
                {"Id": "333333333333", "Name": "c", "Status": "PENDING_CLOSURE"},
                {"Id": "444444444444", "Name": "d", "State": "CLOSED"},
                {"Id": "555555555555", "Name": "e", "Status": "ACTIVE"},
            ]
        },
    }
    throttled: list[str] = []

    def send(request: Any, **_: Any) -> AWSResponse:
        token = json.loads(request.body or b"{}").get("NextToken")
        headers = {"Content-Type": "application/x-amz-json-1.1"}
        if token == "page-2" and not throttled:
            throttled.append(token)
            body = b'{"__type":"TooManyRequestsException","Message":"Rate exceeded"}'
            return AWSResponse(request.url, 400, headers, Raw(body))
        return AWSResponse(request.url, 200, headers, Raw(json.dumps(pages[token]).encode()))

    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    session.events.register_first("before-send.organizations.ListAccounts", send)
    accounts = list_accounts(session)
    assert throttled == ["page-2"]
    assert [a.account_id for a in accounts] == ["111111111111", "555555555555"]


def test_an_organization_listing_no_active_account_is_an_error_not_a_pass(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--accounts all --fail-on high` in CI must not pass having audited nothing."""

    def answer(**_: Any) -> Any:
        response = AWSResponse("https://organizations.us-east-1.amazonaws.com/", 200, {}, None)
        suspended = {"Id": "222222222222", "Name": "b", "Status": "SUSPENDED"}
        return response, {"Accounts": [suspended], "ResponseMetadata": {}}

    add_handler(monkeypatch, "before-call.organizations.ListAccounts", answer)
    with mock_aws():
        code = main(["audit", "--accounts", "all", "--fail-on", "high", "--format", "json"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert "no ACTIVE account" in captured.err
    assert "Traceback" not in captured.err


# --- hostile values --------------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["text", "json", "markdown"])
def test_hostile_account_names_never_reach_the_output(
    members: list[str], output_format: str, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    """Account names are free text in Organizations: the reports name accounts by id, files
    are only those the user names (no file is made from an account name)."""
    out = tmp_path / "org.out"
    code = main(["audit", "--accounts", "all", "--format", output_format, "-o", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["org.out"]
    text = out.read_text(encoding="utf-8") + captured.err
    for name in HOSTILE_NAMES:
        for piece in name.split():
            assert piece not in text or piece.isalpha()
    assert "\x1b" not in text
    assert "\u202e" not in text
    for account in members:
        assert account in text


def test_an_aws_error_text_cannot_break_out_of_the_markdown_summary(
    members: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure's message quotes AWS's own error text; in the Markdown report the summary is a
    code block, which a run of backticks in that text must not close (a PR comment would
    then render the rest as Markdown: links, images, mentions)."""
    real = pipeline.default_collector

    def collector(now: datetime) -> Any:
        collect = real(now)

        def one(session: Any, account_id: str) -> AccountSnapshot:
            if account_id == members[1]:
                raise CollectionError(
                    "GetAccountAuthorizationDetails failed with ServiceFailure:"
                    " ```` ![x](https://evil.example/p.png) @org/admins"
                )
            return collect(session, account_id)

        return one

    monkeypatch.setattr(pipeline, "default_collector", collector)
    code = main(["audit", "--accounts", ",".join(members), "--format", "markdown"])
    out = capsys.readouterr().out
    assert code == 0
    summary = out[out.index("## Summary across accounts") :]
    opening = summary.splitlines()[2]
    assert set(opening) == {"`"}
    body = summary.split(opening + "\n", 1)[1]
    closing = [line for line in body.splitlines() if line.startswith(opening[:3])]
    # the block closes once, on its last line: the AWS text stays inside it
    assert closing == [opening]
    assert body.rstrip("\n").endswith(opening)
    assert "evil.example" in body.split(opening)[0]


@pytest.mark.parametrize(
    "selector",
    [
        "\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff10\uff11\uff12",
        "\u0661" * 12,
        "12345678901\u0662",
    ],
)
def test_the_bot_refuses_an_account_id_of_other_scripts_digits(selector: str) -> None:
    """`/iam-audit audit account ...` from Slack: Python's \\d takes any script's digits, which
    no AWS account id is made of; they must be refused before the role ARN is built."""
    audits = OrganizationAudits(
        operations=OperationsOptions(),
        session=lambda: None,
        store=InMemoryStore(clock=lambda: datetime.now(UTC)),
        config=None,  # type: ignore[arg-type]
        clock=lambda: datetime.now(UTC),
        ttl_seconds=60,
        lock_ttl_seconds=60,
    )
    with pytest.raises(InputError, match="12-digit"):
        audits.check_selector(selector)


def test_a_huge_list_of_bad_ids_is_one_short_line(capsys: pytest.CaptureFixture[str]) -> None:
    bad = ",".join(f"{n:011d}" for n in range(5000))  # 5000 distinct 11-digit ids
    with mock_aws():
        code = main(["audit", "--accounts", bad])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.splitlines()) == 1
    assert len(err) < 400
    assert "00000000000" in err
    assert "4990 more" in err


# --- SCP inheritance over a deep organization ------------------------------------------------


def test_five_levels_of_ous_with_five_scps_each_and_full_access_detached_at_one() -> None:
    """AWS ("SCP evaluation"): an Allow must exist at every level from the root to the account,
    and a Deny at any level wins. Root -> 4 nested OUs -> account, each with FullAWSAccess and
    four Deny SCPs (five per target, AWS's limit); FullAWSAccess detached at the third OU (a
    Deny-only SCP stays, AWS requires one): the account below may do nothing."""
    with mock_aws():
        org = boto3.client("organizations", region_name=REGION)
        org.create_organization(FeatureSet="ALL")
        root = org.list_roots()["Roots"][0]["Id"]
        org.enable_policy_type(RootId=root, PolicyType=SCP)
        targets = [root]
        parent = root
        for depth in range(4):
            ou = org.create_organizational_unit(ParentId=parent, Name=f"ou{depth}")
            parent = ou["OrganizationalUnit"]["Id"]
            targets.append(parent)
        member = org.create_account(Email="deep@example.com", AccountName="deep")[
            "CreateAccountStatus"
        ]["AccountId"]
        org.move_account(AccountId=member, SourceParentId=root, DestinationParentId=parent)
        targets.append(member)
        for depth, target in enumerate(targets):
            attached = {
                p["Id"]
                for p in org.list_policies_for_target(TargetId=target, Filter=SCP)["Policies"]
            }
            if FULL_ACCESS not in attached:
                org.attach_policy(PolicyId=FULL_ACCESS, TargetId=target)
            for n in range(4):
                policy = create_policy(org, f"deny-{depth}-{n}", deny(f"svc{depth}:Action{n}"))
                org.attach_policy(PolicyId=policy, TargetId=target)
        hub = boto3.Session(region_name=REGION)

        reading = hub_reader(hub).read(member)
        assert reading.issues == ()
        assert reading.levels is not None
        assert [len(level) for level in reading.levels] == [5] * 6
        ceiling = scp_ceiling(
            AccountSnapshot(member, datetime.now(UTC), "aws", **reading.snapshot_fields())
        )
        assert len(ceiling.applied) == 24  # every Deny SCP applied, at its level
        assert not any(name.startswith("nothing allowed") for name in ceiling.applied)

        org.detach_policy(PolicyId=FULL_ACCESS, TargetId=targets[3])
        reading = hub_reader(hub).read(member)
        assert reading.levels is not None
        assert [len(level) for level in reading.levels] == [5, 5, 5, 4, 5, 5]
        ceiling = scp_ceiling(
            AccountSnapshot(member, datetime.now(UTC), "aws", **reading.snapshot_fields())
        )
        nothing = [name for name in ceiling.applied if name.startswith("nothing allowed")]
        assert len(nothing) == 1
        assert targets[3] in nothing[0]
        assert ceiling.not_applied == ()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("123456789012\n", "123456789012"),  # a Kubernetes secret file's final newline
        ("111122223333,\t444455556666\n", "111122223333,444455556666"),
    ],
)
def test_configured_accounts_ignore_whitespace_around_the_ids(raw: str, expected: str) -> None:
    """IAM_AUDIT_ACCOUNTS was accepted with a final newline (``$`` matches before it) and the
    newline went into the role ARN of the last account, which then failed as unassumable."""
    problems: list[str] = []
    options = parse_operations(
        {"IAM_AUDIT_ACCOUNTS": raw}, aws={}, bot={}, redis_url="", problems=problems
    )
    assert problems == []
    assert options.accounts == expected


def test_configured_accounts_of_other_scripts_digits_are_refused() -> None:
    problems: list[str] = []
    parse_operations(
        {"IAM_AUDIT_ACCOUNTS": "\uff11" * 12}, aws={}, bot={}, redis_url="", problems=problems
    )
    assert len(problems) == 1
    assert "IAM_AUDIT_ACCOUNTS" in problems[0]


def test_the_hub_s_own_expired_credentials_are_named_as_such(
    members: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hub credentials exported from `aws sts assume-role` expire after an hour: AssumeRole then
    answers ExpiredToken for every account left. The line must say whose credentials to renew
    (the member role's are renewed by the audit itself)."""
    refuse_assume_role(
        monkeypatch, members[1], "ExpiredToken", "The security token is expired", status=400
    )
    code = main(["audit", "--accounts", ",".join(members), "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0
    (failure,) = json.loads(captured.out)["failures"]
    assert failure["code"] == "ExpiredToken"
    assert "credentials running the audit" in failure["message"]


def test_the_callers_deadline_reaches_every_account_worker() -> None:
    """The audit's deadline lives in a ContextVar, which the fan-out's threads did not inherit:
    accounts audited in parallel went on calling AWS after it passed."""
    import time

    from bot.aws.deadline import audit_deadline, deadline_passed
    from bot.aws.organizations import fan_out

    with audit_deadline(0.001):
        time.sleep(0.01)
        outcomes = fan_out(["111111111111", "222222222222"], lambda _: deadline_passed())
    assert [o.value for o in outcomes] == [0.001, 0.001]
