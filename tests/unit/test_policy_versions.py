"""Stored policy versions: kept from the GAAD, judged richer or not, and what
iam:SetDefaultPolicyVersion (iam-001b) gains by them.

AWS facts used: GetAccountAuthorizationDetails lists every stored version of each managed policy
in PolicyVersionList (IAM API Reference, ManagedPolicyDetail); a customer-managed policy holds
up to five versions and SetDefaultPolicyVersion only switches between them (IAM API Reference,
SetDefaultPolicyVersion; IAM User Guide, "Versioning IAM policies"); an account cannot switch an
AWS-managed policy's version.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.audit.gaad import snapshot_from_gaad
from bot.iam.effective import PermissionIndex
from bot.iam.policy_versions import richer_than
from bot.iam.privesc import find_escalations
from bot.model.snapshot import AccountSnapshot
from tests.factories import ACCOUNT_ID, NOW

S3_READ = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


# --- richer_than ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "richer"),
    [
        (_doc(S3_READ), False),  # the same
        (_doc({**S3_READ, "Action": "S3:getobject"}), False),  # actions ignore case
        (_doc({**S3_READ, "Resource": "arn:aws:s3:::reports/2026/*"}), False),  # narrower
        (_doc({**S3_READ, "Action": "s3:*"}), True),  # more actions
        (_doc({**S3_READ, "Resource": "*"}), True),  # more resources
        (_doc(S3_READ, {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}), True),
        (_doc({"Effect": "Allow", "Action": "*", "Resource": "*"}), True),  # CloudGoat's v3
        (_doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}), True),
        (_doc(), False),  # grants nothing
        ({"Statement": "garbage"}, True),  # unreadable and different: assume more
    ],
)
def test_a_version_is_richer_when_it_may_allow_more(version, richer):
    assert richer_than(version, _doc(S3_READ)) is richer


def test_a_version_dropping_a_deny_or_a_condition_is_richer():
    deny = {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/hr/*"}
    assert richer_than(_doc(S3_READ), _doc(S3_READ, deny))
    assert not richer_than(_doc(S3_READ, deny), _doc(S3_READ, deny))
    with_mfa = {**S3_READ, "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}
    assert richer_than(_doc(S3_READ), _doc(with_mfa))
    assert not richer_than(_doc(with_mfa), _doc(with_mfa))
    assert not richer_than(_doc(with_mfa), _doc(S3_READ))  # adding a condition narrows


def test_a_wildcard_of_the_version_is_covered_only_by_a_wider_one():
    wide = _doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    assert not richer_than(_doc({**S3_READ, "Action": "s3:Get*"}), wide)
    assert richer_than(wide, _doc({**S3_READ, "Action": "s3:Get*", "Resource": "*"}))


# --- the GAAD keeps the other versions -----------------------------------------------------------


def _version(document: dict[str, Any], version_id: str, default: bool) -> dict[str, Any]:
    return {"Document": document, "VersionId": version_id, "IsDefaultVersion": default}


def _policy(name: str, versions: list[dict[str, Any]], *, aws: bool = False) -> dict[str, Any]:
    owner = "aws" if aws else ACCOUNT_ID
    default = next(v["VersionId"] for v in versions if v["IsDefaultVersion"])
    return {
        "PolicyName": name,
        "Arn": f"arn:aws:iam::{owner}:policy/{name}",
        "PolicyId": f"ANPA{name.upper()}",
        "Path": "/",
        "DefaultVersionId": default,
        "AttachmentCount": 1,
        "IsAttachable": True,
        "PolicyVersionList": versions,
    }


def _user(name: str, *attached: str, inline: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "UserName": name,
        "UserId": f"AIDA{name.upper()}",
        "Arn": f"arn:aws:iam::{ACCOUNT_ID}:user/{name}",
        "Path": "/",
        "CreateDate": "2024-01-01T00:00:00Z",
        "GroupList": [],
        "AttachedManagedPolicies": [
            {"PolicyName": a, "PolicyArn": f"arn:aws:iam::{ACCOUNT_ID}:policy/{a}"}
            for a in attached
        ],
        "UserPolicyList": [{"PolicyName": "own", "PolicyDocument": inline}] if inline else [],
    }


SWITCHER = _doc({"Effect": "Allow", "Action": "iam:SetDefaultPolicyVersion", "Resource": "*"})
ADMIN = _doc({"Effect": "Allow", "Action": "*", "Resource": "*"})


def _snapshot(policies: list[dict[str, Any]], users: list[dict[str, Any]]) -> AccountSnapshot:
    gaad = {"UserDetailList": users, "Policies": policies}
    return snapshot_from_gaad(json.loads(json.dumps(gaad)), now=NOW)


def test_customer_policies_keep_their_other_versions_and_aws_ones_do_not():
    snap = _snapshot(
        [
            _policy("mine", [_version(_doc(S3_READ), "v1", True), _version(ADMIN, "v2", False)]),
            _policy("alone", [_version(_doc(S3_READ), "v3", True)]),
            _policy(
                "ReadOnly",
                [_version(_doc(S3_READ), "v9", True), _version(ADMIN, "v8", False)],
                aws=True,
            ),
        ],
        [],
    )
    by_name = {p.name: p for p in snap.policies}
    assert by_name["mine"].other_versions == (ADMIN,)
    assert by_name["mine"].document == _doc(S3_READ)
    assert by_name["alone"].other_versions == ()
    assert by_name["ReadOnly"].other_versions is None
    again = AccountSnapshot.from_dict(json.loads(json.dumps(snap.to_dict())))
    assert again == snap


def test_an_unreadable_old_version_is_left_out_not_fatal():
    snap = _snapshot(
        [_policy("mine", [_version(_doc(S3_READ), "v1", True), _version("{broken", "v2", False)])],
        [],
    )
    assert snap.policies[0].other_versions == ()


# --- iam-001b -----------------------------------------------------------------------------------


def _methods(snap: AccountSnapshot, name: str) -> dict[str, Any]:
    found = find_escalations(PermissionIndex(snap, NOW)).get(
        f"arn:aws:iam::{ACCOUNT_ID}:user/{name}"
    )
    return {m.method.id: m for m in found.methods} if found else {}


def test_no_stored_richer_version_means_set_default_version_gains_nothing():
    """The common case: every policy has one version (or only narrower old ones)."""
    snap = _snapshot(
        [
            _policy("reports", [_version(_doc(S3_READ), "v2", True)]),
            _policy(
                "narrowed",
                [_version(_doc(S3_READ), "v2", True), _version(_doc(S3_READ), "v1", False)],
            ),
        ],
        [_user("holder", "reports", inline=SWITCHER)],
    )
    assert "iam-001b" not in _methods(snap, "holder")


def test_a_richer_version_of_the_holders_own_policy_is_a_direct_escalation():
    snap = _snapshot(
        [_policy("reports", [_version(_doc(S3_READ), "v1", True), _version(ADMIN, "v2", False)])],
        [_user("holder", "reports", inline=SWITCHER)],
    )
    method = _methods(snap, "holder")["iam-001b"]
    assert method.direct
    assert method.accesses[0].resource == f"arn:aws:iam::{ACCOUNT_ID}:policy/reports"


def test_a_richer_version_of_someone_elses_policy_escalates_them_not_the_holder():
    snap = _snapshot(
        [_policy("reports", [_version(_doc(S3_READ), "v1", True), _version(ADMIN, "v2", False)])],
        [_user("holder", inline=SWITCHER), _user("analyst", "reports")],
    )
    method = _methods(snap, "holder")["iam-001b"]
    assert not method.direct


def test_switching_is_limited_to_the_policies_the_holder_may_switch():
    scoped = _doc(
        {
            "Effect": "Allow",
            "Action": "iam:SetDefaultPolicyVersion",
            "Resource": f"arn:aws:iam::{ACCOUNT_ID}:policy/other",
        }
    )
    snap = _snapshot(
        [
            _policy("reports", [_version(_doc(S3_READ), "v1", True), _version(ADMIN, "v2", False)]),
            _policy("other", [_version(_doc(S3_READ), "v1", True)]),
        ],
        [_user("holder", "reports", inline=scoped)],
    )
    assert "iam-001b" not in _methods(snap, "holder")
