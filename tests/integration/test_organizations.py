"""Organizations fan-out against moto: list accounts, assume a role in each, isolate failures.

The organization and the refused role come from tests/organization_support.py.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws

from bot.aws.collect import collect_snapshot
from bot.aws.organizations import (
    AssumeRoleOptions,
    RoleAssumer,
    collect_accounts,
    fan_out,
    list_accounts,
    parse_account_ids,
)
from bot.model.errors import CollectionError, InputError
from bot.organizations.pipeline import MultiAccountOptions, audit_accounts, resolve_accounts
from tests.organization_support import EXTERNAL_ID, ROLE, RefuseAssumeRole, create_organization

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def quick_collect(session: boto3.Session, _account_id: str):
    return collect_snapshot(session, now=NOW, sleep=lambda _s: None)


@pytest.fixture
def org() -> Iterator[tuple[boto3.Session, list[str]]]:
    """A moto organization with three member accounts; each has its own IAM user."""
    with mock_aws():
        hub = boto3.Session(region_name="us-east-1")
        yield hub, [account for account, _session in create_organization(hub)]


def test_list_accounts_pages_through_every_active_account() -> None:
    with mock_aws():
        hub = boto3.Session(region_name="us-east-1")
        client = hub.client("organizations")
        client.create_organization(FeatureSet="ALL")
        created = {
            client.create_account(Email=f"a{i}@example.com", AccountName=f"a{i}")[
                "CreateAccountStatus"
            ]["AccountId"]
            for i in range(24)
        }
        accounts = list_accounts(hub)
    ids = [a.account_id for a in accounts]
    # 24 members + the management account: more than moto's default page of 20.
    assert created <= set(ids)
    assert len(ids) == 25
    assert ids == sorted(ids)
    assert {a.status for a in accounts} == {"ACTIVE"}


def test_list_accounts_outside_an_organization_says_what_to_do() -> None:
    def not_in_use(**_: Any) -> Any:
        response = AWSResponse("https://organizations.us-east-1.amazonaws.com/", 400, {}, None)
        error = {"Error": {"Code": "AWSOrganizationsNotInUseException", "Message": "no org"}}
        return response, error

    with mock_aws():
        hub = boto3.Session(region_name="us-east-1")
        hub.events.register("before-call.organizations.ListAccounts", not_in_use)
        with pytest.raises(CollectionError) as caught:
            list_accounts(hub)
    assert caught.value.code == "AWSOrganizationsNotInUseException"
    assert "--accounts ID" in str(caught.value)


def test_one_account_refusing_the_role_does_not_stop_the_others(org) -> None:
    hub, members = org
    bad = members[1]
    refuse = RefuseAssumeRole({bad})
    hub.events.register("before-call.sts.AssumeRole", refuse)

    outcomes = collect_accounts(
        hub,
        members,
        collect=quick_collect,
        options=AssumeRoleOptions(role_name=ROLE, external_id=EXTERNAL_ID),
        max_workers=2,
    )

    assert [o.account_id for o in outcomes] == members
    failed = {o.account_id: o for o in outcomes if not o.ok}
    assert set(failed) == {bad}
    assert failed[bad].code == "AccessDenied"
    assert f"arn:aws:iam::{bad}:role/{ROLE}" in failed[bad].error
    assert "ExternalId" in failed[bad].error
    for index, outcome in enumerate(outcomes):
        if outcome.account_id == bad:
            continue
        snapshot = outcome.value
        assert snapshot is not None
        assert snapshot.account_id == outcome.account_id  # really inside the member account
        assert [u.name for u in snapshot.users] == [f"user-of-member-{index}"]
    # Every AssumeRole carried the ExternalId and the configured role name.
    assert {r["ExternalId"] for r in refuse.requests} == {EXTERNAL_ID}
    assert all(r["RoleArn"].endswith(f":role/{ROLE}") for r in refuse.requests)


def test_audit_all_accounts_gives_reports_and_a_failure_entry(org) -> None:
    hub, members = org
    hub.events.register("before-call.sts.AssumeRole", RefuseAssumeRole({members[0]}))

    multi = audit_accounts(
        hub,
        MultiAccountOptions(accounts="all", role=AssumeRoleOptions(role_name=ROLE), max_workers=4),
        now=NOW,
        collect=quick_collect,
    )

    audited = {r.account_id for r in multi.reports}
    # "all" includes the management account (123456789012) as moto lists it.
    assert set(members[1:]) <= audited
    assert members[0] not in audited
    assert [f.account_id for f in multi.failures] == [members[0]]
    summary = multi.to_dict()["summary"]
    assert summary["failed"] == 1
    assert summary["audited"] == len(audited)
    assert summary["accounts"] == len(audited) + 1


def test_resolve_accounts_keeps_explicit_ids_without_calling_organizations() -> None:
    with mock_aws():
        # No organization exists: listing would fail, so explicit ids must not list.
        ids = resolve_accounts(boto3.Session(region_name="us-east-1"), "111122223333, 444455556666")
    assert ids == ["111122223333", "444455556666"]


def test_other_assume_role_errors_keep_their_code(org) -> None:
    hub, members = org

    def invalid(params: dict[str, Any], **_: Any) -> Any:
        response = AWSResponse("https://sts.amazonaws.com/", 400, {}, None)
        return response, {"Error": {"Code": "ValidationError", "Message": "bad session name"}}

    hub.events.register("before-call.sts.AssumeRole", invalid)
    assumer = RoleAssumer(hub, AssumeRoleOptions(role_name=ROLE))
    with pytest.raises(CollectionError) as caught:
        assumer.session_for(members[0])
    assert caught.value.code == "ValidationError"
    assert caught.value.action == "sts:AssumeRole"


# --- the fan-out itself -----------------------------------------------------------------------


def test_fan_out_never_runs_more_than_max_workers_at_once() -> None:
    running = 0
    peak = 0
    guard = threading.Lock()
    release = threading.Event()

    def work(account_id: str) -> str:
        nonlocal running, peak
        with guard:
            running += 1
            peak = max(peak, running)
            if running == 3:
                release.set()
        release.wait(timeout=5)  # hold the slot until three run together (or give up)
        time.sleep(0.001)
        with guard:
            running -= 1
        return account_id[::-1]

    ids = [f"{i:012d}" for i in range(12)]
    outcomes = fan_out(ids, work, max_workers=3)
    assert peak == 3
    assert [o.value for o in outcomes] == [i[::-1] for i in ids]


def test_fan_out_turns_a_crash_into_that_accounts_error() -> None:
    def work(account_id: str) -> int:
        if account_id.endswith("2"):
            raise KeyError("Credentials")
        if account_id.endswith("3"):
            raise CollectionError("GetCredentialReport was denied", code="AccessDenied")
        return 1

    outcomes = fan_out(["000000000001", "000000000002", "000000000003"], work, max_workers=2)
    assert [o.ok for o in outcomes] == [True, False, False]
    assert outcomes[1].code == "KeyError"
    assert "unexpected KeyError" in outcomes[1].error
    assert outcomes[2].code == "AccessDenied"


@pytest.mark.parametrize("workers", [0, 65])
def test_fan_out_refuses_unbounded_or_zero_workers(workers: int) -> None:
    with pytest.raises(InputError):
        fan_out(["000000000001"], lambda a: a, max_workers=workers)


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "at least one"), ("12345", "12345"), ("123456789012,abc", "abc"), (" , ", "at least")],
)
def test_bad_account_lists_are_refused(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_account_ids(text)


def test_duplicate_ids_are_audited_once() -> None:
    assert parse_account_ids("123456789012,123456789012") == ["123456789012"]


def test_role_options_are_validated() -> None:
    with pytest.raises(InputError):
        AssumeRoleOptions(role_name="bad role name with spaces")
    with pytest.raises(InputError):
        AssumeRoleOptions(duration_seconds=60)
    assert AssumeRoleOptions(role_name="x").role_arn("111122223333", "aws-us-gov") == (
        "arn:aws-us-gov:iam::111122223333:role/x"
    )


def test_the_role_arn_follows_the_partition_of_the_region() -> None:
    with mock_aws():
        hub = boto3.Session(region_name="us-gov-west-1")
        seen: list[str] = []

        def capture(params: dict[str, Any], **_: Any) -> Any:
            seen.append(str((params.get("body") or {}).get("RoleArn")))
            response = AWSResponse("https://sts.us-gov-west-1.amazonaws.com/", 403, {}, None)
            return response, {"Error": {"Code": "AccessDenied", "Message": "no"}}

        hub.events.register("before-call.sts.AssumeRole", capture)
        with pytest.raises(CollectionError):
            RoleAssumer(hub, AssumeRoleOptions()).session_for("111122223333")
    assert seen == ["arn:aws-us-gov:iam::111122223333:role/iam-audit-member"]
