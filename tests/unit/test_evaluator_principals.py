"""Callers taken apart from their ARNs, Principal elements matched to them, and the request
context keys the evaluator fills in the way AWS does."""

from __future__ import annotations

import pytest

from bot.iam.evaluator import Evaluator, PolicySet, Request
from bot.iam.policy import parse_policy
from bot.iam.principals import names_identity, parse_principal, principal_via

ACCOUNT = "111122223333"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"


@pytest.mark.parametrize(
    ("arn", "kind", "account", "name", "role_arn", "identities"),
    [
        (
            f"arn:aws:iam::{ACCOUNT}:user/dev/alice",
            "user",
            ACCOUNT,
            "alice",
            "",
            (ROOT, f"arn:aws:iam::{ACCOUNT}:user/dev/alice"),
        ),
        (
            f"arn:aws:iam::{ACCOUNT}:role/svc/app",
            "role",
            ACCOUNT,
            "app",
            f"arn:aws:iam::{ACCOUNT}:role/svc/app",
            (ROOT, f"arn:aws:iam::{ACCOUNT}:role/svc/app"),
        ),
        (
            f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s1",
            "assumed_role",
            ACCOUNT,
            "app",
            f"arn:aws:iam::{ACCOUNT}:role/app",
            (
                ROOT,
                f"arn:aws:iam::{ACCOUNT}:role/app",
                f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s1",
            ),
        ),
        (ROOT, "root", ACCOUNT, "", "", (ROOT,)),
        (
            f"arn:aws:sts::{ACCOUNT}:federated-user/bob",
            "federated_user",
            ACCOUNT,
            "bob",
            "",
            (ROOT, f"arn:aws:sts::{ACCOUNT}:federated-user/bob"),
        ),
        ("lambda.amazonaws.com", "service", "", "", "", ("lambda.amazonaws.com",)),
        ("*", "anonymous", "", "", "", ("*",)),
        ("arn:aws:s3:::bucket", "other", "", "", "", ("arn:aws:iam:::root", "arn:aws:s3:::bucket")),
    ],
)
def test_parse_principal(
    arn: str, kind: str, account: str, name: str, role_arn: str, identities: tuple[str, ...]
) -> None:
    info = parse_principal(arn)
    assert (info.kind, info.account, info.name, info.role_arn) == (kind, account, name, role_arn)
    assert info.identities == identities


def test_principal_via_picks_the_narrowest_match() -> None:
    session = parse_principal(f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s1")
    listed = {
        "AWS": (
            ACCOUNT,
            f"arn:aws:iam::{ACCOUNT}:role/path/app",
            f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s1",
        )
    }
    assert principal_via(listed, session) == "session"
    assert principal_via({"AWS": (ACCOUNT, f"arn:aws:iam::{ACCOUNT}:role/app")}, session) == "role"
    assert principal_via({"AWS": (ACCOUNT,)}, session) == "account"
    assert principal_via({"AWS": ("999999999999",)}, session) is None
    assert principal_via({"AWS": ("arn:aws:iam::999999999999:role/app",)}, session) is None
    assert principal_via("*", session) == "wildcard"
    assert principal_via({"Federated": ("cognito-identity.amazonaws.com",)}, session) is None


def test_root_named_by_its_account_is_named_directly() -> None:
    root = parse_principal(ROOT)
    assert principal_via({"AWS": (ACCOUNT,)}, root) == "user"


def test_names_identity_accepts_bare_account_ids() -> None:
    alice = parse_principal(f"arn:aws:iam::{ACCOUNT}:user/alice")
    assert names_identity({"AWS": (ACCOUNT,)}, ROOT, alice)
    assert not names_identity({"AWS": ("999999999999",)}, ROOT, alice)
    assert names_identity("*", alice.arn, alice)


@pytest.mark.parametrize(
    ("principal", "key", "value"),
    [
        (f"arn:aws:iam::{ACCOUNT}:user/alice", "aws:username", "alice"),
        (f"arn:aws:iam::{ACCOUNT}:user/alice", "aws:PrincipalType", "User"),
        (f"arn:aws:iam::{ACCOUNT}:user/alice", "aws:PrincipalAccount", ACCOUNT),
        (
            f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s1",
            "aws:PrincipalArn",
            f"arn:aws:iam::{ACCOUNT}:role/app",
        ),
        (f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s1", "aws:PrincipalType", "AssumedRole"),
        ("ec2.amazonaws.com", "aws:PrincipalIsAWSService", "true"),
        ("ec2.amazonaws.com", "aws:PrincipalServiceName", "ec2.amazonaws.com"),
        (f"arn:aws:iam::{ACCOUNT}:user/alice", "aws:ResourceAccount", ACCOUNT),
    ],
)
def test_request_context_defaults(principal: str, key: str, value: str) -> None:
    policy = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"StringEquals": {key: value}},
            },
        }
    )
    evaluator = Evaluator(PolicySet(identity=[policy], resource_policy=None))
    request = Request(principal, "s3:GetObject", "arn:aws:s3:::b/k")
    if principal.endswith("amazonaws.com"):
        # a service has no identity side: ask through a resource policy naming it instead
        resource_policy = parse_policy(
            {
                "Statement": {
                    "Effect": "Allow",
                    "Principal": {"Service": principal},
                    "Action": "s3:GetObject",
                    "Resource": "*",
                    "Condition": {"StringEquals": {key: value}},
                }
            }
        )
        evaluator = Evaluator(PolicySet(resource_policy=resource_policy))
    assert evaluator.evaluate(request).allowed


def test_supplied_context_overrides_the_defaults() -> None:
    policy = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::home/${aws:username}/*",
            },
        }
    )
    request = Request(
        f"arn:aws:iam::{ACCOUNT}:user/alice",
        "s3:GetObject",
        "arn:aws:s3:::home/carol/x",
        context={"aws:username": "carol"},
    )
    assert Evaluator(PolicySet(identity=[policy])).evaluate(request).allowed
