"""GAAD loading: both file and boto3 shapes, URL-encoded documents, wrong shapes refused."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import pytest

from bot.audit.credential_report import REPORT_COLUMNS
from bot.audit.gaad import (
    authorization_details_from_gaad,
    decode_policy_document,
    merge_gaad_pages,
    snapshot_from_gaad,
)
from bot.model.errors import InputError
from bot.model.snapshot import AccountSnapshot

DATA = Path(__file__).resolve().parents[1] / "data"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
S3_DOC = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Reports100%",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": "arn:aws:s3:::reports/*",
        }
    ],
}


def _gaad() -> dict:
    return json.loads((DATA / "gaad_sample.json").read_text(encoding="utf-8"))


def test_file_shape_becomes_a_snapshot_with_everything_translated() -> None:
    snapshot = snapshot_from_gaad(_gaad(), now=NOW)
    assert (snapshot.account_id, snapshot.source, snapshot.collected_at) == (
        "111122223333",
        "gaad",
        NOW,
    )
    assert [u.name for u in snapshot.users] == ["ana", "svc-build"]
    ana = snapshot.users[0]
    assert ana.groups == ("admins",)
    assert ana.tags == {"team": "platform"}
    assert ana.create_date == datetime(2020, 5, 4, 9, 0, tzinfo=UTC)
    assert ana.inline_policies[0].document == S3_DOC  # URL-encoded in the file
    assert snapshot.users[1].path == "/ci/"
    assert snapshot.users[1].permissions_boundary_arn.endswith(":policy/ReportsRead")
    (group,) = snapshot.groups
    assert group.attached_policies[0].arn == "arn:aws:iam::aws:policy/AdministratorAccess"
    (role,) = snapshot.roles
    assert role.trust_policy["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    assert role.last_used == datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert role.last_used_region == "eu-west-1"
    assert role.instance_profiles == ("web-profile",)


def test_managed_policy_document_is_its_default_version() -> None:
    policies = snapshot_from_gaad(_gaad(), now=NOW).policy_by_arn()
    reports = policies["arn:aws:iam::111122223333:policy/ReportsRead"]
    assert reports.default_version_id == "v2"
    assert reports.document == S3_DOC  # v2, not v1; a plain JSON string holding "%"
    assert (reports.attachment_count, reports.boundary_usage_count) == (2, 1)
    admin = policies["arn:aws:iam::aws:policy/AdministratorAccess"]
    assert admin.is_aws_managed
    assert admin.document["Statement"][0]["Action"] == "*"


def test_fields_a_gaad_cannot_know_stay_none() -> None:
    snapshot = snapshot_from_gaad(_gaad(), now=NOW)
    assert snapshot.password_policy is None
    assert snapshot.credential_report is None
    assert snapshot.virtual_mfa_devices is None
    assert snapshot.server_certificates is None
    assert snapshot.organizations_features is None
    assert snapshot.has_authorization_details is True


def test_credential_report_is_attached_when_given() -> None:
    csv_text = (DATA / "credential_report_sample.csv").read_text(encoding="utf-8")
    snapshot = snapshot_from_gaad(_gaad(), now=NOW, credential_report_csv=csv_text, source="x")
    assert snapshot.source == "x"
    assert snapshot.credential_row_for()["ana"].flag("password_enabled") is True


def test_boto3_shape_with_datetimes_and_dicts_gives_the_same_principals() -> None:
    boto_shape = _gaad()
    local = timezone(timedelta(hours=2))
    boto_shape["UserDetailList"][0]["CreateDate"] = datetime(2020, 5, 4, 11, 0, tzinfo=local)
    boto_shape["UserDetailList"][0]["UserPolicyList"][0]["PolicyDocument"] = S3_DOC
    boto_shape["RoleDetailList"][0]["AssumeRolePolicyDocument"] = json.loads(
        json.dumps(_gaad()["RoleDetailList"][0]["AssumeRolePolicyDocument"])
    )
    from_file = snapshot_from_gaad(_gaad(), now=NOW)
    from_boto = snapshot_from_gaad(boto_shape, now=NOW)
    assert from_boto.users == from_file.users  # datetimes normalised to UTC
    assert from_boto.users[0].create_date.tzinfo == UTC


def test_naive_datetime_is_taken_as_utc() -> None:
    gaad = _gaad()
    gaad["GroupDetailList"][0]["CreateDate"] = datetime(2019, 3, 1, 10, 0)
    snapshot = snapshot_from_gaad(gaad, now=NOW)
    assert snapshot.groups[0].create_date == datetime(2019, 3, 1, 10, 0, tzinfo=UTC)


def test_snapshot_round_trips_through_json() -> None:
    snapshot = snapshot_from_gaad(_gaad(), now=NOW)
    again = AccountSnapshot.from_dict(json.loads(json.dumps(snapshot.to_dict())))
    assert again == snapshot


def test_missing_lists_are_empty_and_account_comes_from_the_report() -> None:
    csv_text = (
        ",".join(REPORT_COLUMNS)
        + "\n"
        + ",".join(
            ["bo", "arn:aws:iam::555566667777:user/bo", "2020-01-01T00:00:00+00:00"]
            + [
                "false" if c.endswith(("_active", "_enabled")) else "N/A"
                for c in REPORT_COLUMNS[3:]
            ]
        )
    )
    snapshot = snapshot_from_gaad({"UserDetailList": []}, now=NOW, credential_report_csv=csv_text)
    assert snapshot.account_id == "555566667777"
    assert snapshot.users == snapshot.roles == snapshot.policies == ()


def test_only_aws_managed_policies_means_unknown_account() -> None:
    gaad = {"Policies": [_gaad()["Policies"][1]]}
    assert snapshot_from_gaad(gaad, now=NOW).account_id == "unknown"


def test_partition_is_read_from_the_arns() -> None:
    text = json.dumps(_gaad()).replace("arn:aws:iam::111122223333", "arn:aws-cn:iam::111122223333")
    snapshot = snapshot_from_gaad(json.loads(text), now=NOW)
    assert snapshot.partition == "aws-cn"


def test_merge_concatenates_pages_in_order() -> None:
    gaad = _gaad()
    first = {"UserDetailList": gaad["UserDetailList"][:1], "IsTruncated": True, "Marker": "m"}
    second = {
        "UserDetailList": gaad["UserDetailList"][1:],
        "GroupDetailList": gaad["GroupDetailList"],
        "RoleDetailList": gaad["RoleDetailList"],
        "Policies": gaad["Policies"],
    }
    merged = merge_gaad_pages([first, second])
    assert [u["UserName"] for u in merged["UserDetailList"]] == ["ana", "svc-build"]
    details = authorization_details_from_gaad(merged)
    assert len(details.policies) == 2


def test_merge_refuses_a_page_of_the_wrong_shape() -> None:
    with pytest.raises(InputError, match="page 2"):
        merge_gaad_pages([{"UserDetailList": []}, {"UserDetailList": "nope"}])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (S3_DOC, S3_DOC),
        (json.dumps(S3_DOC), S3_DOC),
        (quote(json.dumps(S3_DOC)), S3_DOC),
        ("  " + json.dumps(S3_DOC), S3_DOC),
    ],
)
def test_policy_documents_decode_from_every_form(value: object, expected: dict) -> None:
    assert decode_policy_document(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("%7Bnot json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        (42, "object or a JSON string"),
    ],
)
def test_bad_policy_documents_are_refused(value: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        decode_policy_document(value)


def _broken(mutate) -> dict:
    gaad = copy.deepcopy(_gaad())
    mutate(gaad)
    return gaad


@pytest.mark.parametrize(
    ("gaad", "message"),
    [
        ([], "expected a JSON object.*got a list"),
        ("text", "got a string"),
        ({"Users": []}, "none of UserDetailList"),
        ({"UserDetailList": {"UserName": "x"}}, "UserDetailList must be a list, got an object"),
        ({"RoleDetailList": ["role"]}, r"RoleDetailList\[0\] must be an object"),
        ({"UserDetailList": [{"Arn": "arn:aws:iam::1:user/x"}]}, "lacks 'UserName'"),
        (_broken(lambda g: g["UserDetailList"][0].pop("Arn")), "user 'ana': an entry lacks 'Arn'"),
        (
            _broken(lambda g: g["UserDetailList"][0].update(CreateDate="yesterday")),
            "user 'ana'.*ISO-8601",
        ),
        (
            _broken(lambda g: g["UserDetailList"][0].update(CreateDate=12)),
            "a date must be a string",
        ),
        (
            _broken(lambda g: g["UserDetailList"][0].update(GroupList="admins")),
            "GroupList must be a list",
        ),
        (
            _broken(lambda g: g["RoleDetailList"][0].update(AssumeRolePolicyDocument="%7Bbad")),
            "role 'web' trust policy is not valid JSON",
        ),
        (
            _broken(lambda g: g["Policies"][0].update(PolicyVersionList=[])),
            "no default version document",
        ),
        (
            _broken(lambda g: g["Policies"][0].update(AttachmentCount="many")),
            "whole number",
        ),
        (
            _broken(lambda g: g["UserDetailList"][0].update(AttachedManagedPolicies=[{}])),
            "need a PolicyArn",
        ),
        (_broken(lambda g: g["UserDetailList"][0].update(Tags=[{"Value": "v"}])), "need a Key"),
    ],
)
def test_wrong_shapes_are_refused_naming_the_problem(gaad: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        snapshot_from_gaad(gaad, now=NOW)  # type: ignore[arg-type]


def test_bad_credential_report_with_a_good_gaad_is_refused() -> None:
    with pytest.raises(InputError, match="credential report"):
        snapshot_from_gaad(_gaad(), now=NOW, credential_report_csv="a,b\n1,2\n")


def test_policy_name_missing_is_taken_from_the_arn() -> None:
    gaad = _gaad()
    del gaad["Policies"][0]["PolicyName"]
    snapshot = snapshot_from_gaad(gaad, now=NOW)
    assert snapshot.policies[0].name == "ReportsRead"
