"""Fuzz: whatever an RCP holds (any statement shape, operator, key or value) and whatever tags
a role carries, reading the RCPs for the trust checks never raises, and the trust checks end
without a check error: nothing an organization's policy holds ends in a traceback."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.audit.checks._rcp_reading import RcpReader
from bot.audit.checks._trust_reading import read_open_web_identity, read_trust
from bot.audit.engine import run_audit
from bot.model.snapshot import ResourceControlPolicy
from tests.factories import ACCOUNT_ID, NOW, role, service_trust, snapshot, trust_policy

GITHUB = "token.actions.githubusercontent.com"
_OPERATORS = (
    "StringNotEqualsIfExists",
    "StringNotEquals",
    "StringEquals",
    "ArnNotLike",
    "BoolIfExists",
    "Bool",
    "Null",
    "NotIpAddressIfExists",
    "NumericLessThan",
    "ForAnyValue:StringNotLike",
    "ForAllValues:StringEquals",
    "Bogus",
)
_KEYS = (
    "aws:PrincipalOrgID",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:SourceOrgID",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:PrincipalIsAWSService",
    "aws:ResourceTag/dp:exclude:identity",
    "aws:SourceIp",
    "sts:ExternalId",
    f"{GITHUB}:sub",
    f"{GITHUB}:aud",
    "gitlab.com:sub",
)
_VALUES = st.sampled_from(
    ("o-a1b2c3d4e5", "o-*", "*", "", "true", "false", "444455556666", "repo:my-org/*", "1")
) | st.text(max_size=6)
_VALUE_LISTS = _VALUES | st.lists(_VALUES, max_size=3) | st.integers() | st.none()
_CONDITION = st.dictionaries(
    st.sampled_from(_OPERATORS),
    st.dictionaries(st.sampled_from(_KEYS), _VALUE_LISTS, max_size=3) | _VALUES,
    max_size=3,
)
_ACTION = st.sampled_from(
    ("sts:AssumeRole", "sts:*", "sts:AssumeRoleWithWebIdentity", "s3:*", "*")
) | st.lists(st.sampled_from(("sts:AssumeRole", "sts:AssumeRoleWithSAML", "kms:*")), max_size=2)
_STATEMENT = st.fixed_dictionaries(
    {"Effect": st.sampled_from(("Deny", "Allow", "deny", 3))},
    optional={
        "Principal": st.sampled_from(
            ("*", {"AWS": "*"}, {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}, 1)
        ),
        "NotPrincipal": st.just({"AWS": "*"}),
        "Action": _ACTION,
        "NotAction": _ACTION,
        "Resource": st.sampled_from(
            ("*", f"arn:aws:iam::{ACCOUNT_ID}:role/*", "arn:aws:s3:::b", "")
        ),
        "NotResource": st.sampled_from(("*", f"arn:aws:iam::{ACCOUNT_ID}:role/open")),
        "Condition": _CONDITION | st.text(max_size=4),
        "Sid": st.text(max_size=4),
    },
)
_DOCUMENT: Any = st.fixed_dictionaries({"Statement": st.lists(_STATEMENT, max_size=4) | _STATEMENT})
_TAGS = st.dictionaries(
    st.sampled_from(("dp:exclude:identity", "team")),
    st.sampled_from(("true", "false", "")),
    max_size=2,
)
_FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

OPEN = role("open", trust=trust_policy("*"))
RECORDER = role("recorder", trust=service_trust("config.amazonaws.com"))
DEPLOY = role(
    "deploy",
    trust=trust_policy(
        {"Federated": f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{GITHUB}"},
        action="sts:AssumeRoleWithWebIdentity",
    ),
)


@_FUZZ
@given(st.lists(_DOCUMENT, min_size=1, max_size=3), _TAGS)
def test_reading_any_rcps_for_any_role_never_raises(documents, tags) -> None:
    levels = (tuple(ResourceControlPolicy(f"p{n}", doc) for n, doc in enumerate(documents)),)
    reader = RcpReader(levels, {"read": [], "applied": [], "not_applied": []})
    for base in (OPEN, RECORDER, DEPLOY):
        tagged = replace(base, tags=tags)
        read_trust(tagged, ACCOUNT_ID, reader.read(tagged))
        read_open_web_identity(tagged, reader)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_DOCUMENT, min_size=1, max_size=2))
def test_the_trust_checks_end_without_a_check_error(documents) -> None:
    levels = (tuple(ResourceControlPolicy(f"p{n}", doc) for n, doc in enumerate(documents)),)
    snap = replace(snapshot(roles=[OPEN, RECORDER, DEPLOY]), resource_control_policies=levels)
    only = [
        "role.trust_any_principal",
        "role.trust_confused_deputy",
        "role.trust_cross_account_unguarded",
        "role.trust_web_identity_unscoped",
        "role.cross_account_readonly",
    ]
    report = run_audit(snap, now=NOW, only=only)
    assert [e for e in report.errors if e.kind == "check"] == []
    assert set(report.checks) == set(only)
