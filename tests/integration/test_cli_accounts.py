"""`iam-audit audit --accounts`: many moto accounts, one report each, a summary, clear failures."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.handlers
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws

from bot.cli import main

ROLE = "iam-audit-member"


def member_iam(sts: Any, account: str) -> Any:
    credentials = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="setup"
    )["Credentials"]
    return boto3.client(
        "iam",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name="us-east-1",
    )


@pytest.fixture
def members() -> Iterator[list[str]]:
    with mock_aws():
        org = boto3.client("organizations", region_name="us-east-1")
        org.create_organization(FeatureSet="ALL")
        ids = [
            org.create_account(Email=f"m{i}@example.com", AccountName=f"m{i}")[
                "CreateAccountStatus"
            ]["AccountId"]
            for i in range(2)
        ]
        sts = boto3.client("sts", region_name="us-east-1")
        for account in [*ids, "123456789012"]:
            iam = member_iam(sts, account)
            iam.generate_credential_report()  # fresh: the audit reuses it, no polling wait
        member_iam(sts, ids[0]).create_user(UserName="only-in-first")
        yield ids


def refuse_assume_role_for(account: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """AccessDenied from STS for one account's role, in every session the CLI creates."""

    def handler(params: dict[str, Any], **_: Any) -> Any:
        if f":{account}:" in str((params.get("body") or {}).get("RoleArn", "")):
            response = AWSResponse("https://sts.amazonaws.com/", 403, {}, None)
            return response, {"Error": {"Code": "AccessDenied", "Message": "not authorized"}}
        return None

    handlers = [*botocore.handlers.BUILTIN_HANDLERS, ("before-call.sts.AssumeRole", handler)]
    monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS", handlers)


def test_json_has_a_report_per_account_and_a_summary(
    members: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["audit", "--accounts", ",".join(members), "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    document = json.loads(captured.out)
    assert document["schema"] == "iam-audit/multi-report/1"
    assert [r["account_id"] for r in document["reports"]] == sorted(members)
    assert all(r["schema"] == "iam-audit/report/1" for r in document["reports"])
    assert document["summary"]["audited"] == 2
    assert document["failures"] == []
    assert "2 of 2 accounts audited" in captured.err


def test_an_account_whose_role_is_refused_is_listed_and_fails_ci(
    members: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    refuse_assume_role_for(members[1], monkeypatch)
    code = main(["audit", "--accounts", "all", "--fail-on", "critical", "--format", "text"])
    captured = capsys.readouterr()
    assert code == 1  # an account that could not be audited cannot pass a CI gate
    assert "Summary across 3 accounts: 2 audited, 1 failed" in captured.out
    assert f"{members[1]}  NOT AUDITED: cannot assume" in captured.out
    notes = [line for line in captured.err.splitlines() if members[1] in line]
    assert len(notes) == 1
    assert notes[0].startswith(f"iam-audit: account {members[1]} was not audited: cannot assume")


def test_every_account_failing_is_one_clear_error(
    members: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    refuse_assume_role_for(members[0], monkeypatch)
    code = main(["audit", "--accounts", members[0]])
    assert code == 2
    assert "no account could be audited" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--accounts", "all", "--demo"], "cannot be combined"),
        (["--accounts", "all", "--format", "sarif"], "takes one account"),
        (["--accounts", "12345"], "12-digit"),
        (["--accounts", "all", "--org-role", "no spaces allowed"], "role name"),
        (["--accounts", "123456789012", "--max-workers", "0"], "max workers"),
    ],
)
def test_bad_account_options_are_one_line_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with mock_aws():
        code = main(["audit", *argv])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
