"""Empty Action / Resource / Principal elements: IAM stores them (IAM Access Analyzer's policy
check reference: "Empty array action / principal / resource", "Empty object principal" are
suggestions), and the statement matches no request. The parser takes them, the evaluator and
the compiled fast path (bot.iam.compiled via bot.iam.effective) match nothing with them, the
rest of the policy still counts, and the linter reports a LOW MALFORMED (kind "empty")."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.iam.catalogue import ActionCatalogue, default_catalogue
from bot.iam.compiled import ActionSpace, compile_statements
from bot.iam.effective import PermissionIndex
from bot.iam.evaluator import Evaluator, PolicySet, Request
from bot.iam.linter import lint_policy
from bot.iam.policy import PolicyParseError, parse_policy
from bot.model.severity import Severity
from tests.factories import (
    ACCOUNT_ID,
    NOW,
    inline,
    policy_document,
    role,
    snapshot,
    statement,
    user,
    user_arn,
)
from tests.unit.test_compiled import SETTINGS, _assert_decisions_match, statements

OBJECTS = "arn:aws:s3:::data/*"
OBJECT = "arn:aws:s3:::data/report.csv"
ALICE = f"arn:aws:iam::{ACCOUNT_ID}:user/alice"

EMPTY_ACTION = {"Effect": "Allow", "Action": [], "Resource": "*"}
EMPTY_RESOURCE = {"Effect": "Allow", "Action": "s3:*", "Resource": []}
REAL = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": OBJECTS}


def doc(*statements_: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements_)}


@pytest.fixture(scope="module")
def catalogue() -> ActionCatalogue:
    return default_catalogue()


# --- parsing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "field", "expected"),
    [
        ({"Action": [], "Resource": "*"}, "actions", ()),
        ({"Action": "s3:GetObject", "Resource": []}, "resources", ()),
        ({"Action": "s3:GetObject", "Principal": {}}, "principals", {}),
        ({"Action": "s3:GetObject", "Principal": {"AWS": []}}, "principals", {"AWS": ()}),
    ],
)
def test_empty_elements_parse_as_naming_nothing(
    extra: dict[str, Any], field: str, expected: Any
) -> None:
    (parsed,) = parse_policy(doc({"Effect": "Allow", **extra})).statements
    assert getattr(parsed, field) == expected


@pytest.mark.parametrize(
    "extra",
    [
        # Empty, these would exclude nothing and so match everything: still refused.
        {"NotAction": [], "Resource": "*"},
        {"Action": "s3:GetObject", "NotResource": []},
        {"Action": "s3:GetObject", "NotPrincipal": {}},
        {"Action": "s3:GetObject", "NotPrincipal": {"AWS": []}},
    ],
)
def test_empty_negated_elements_are_still_refused(extra: dict[str, Any]) -> None:
    with pytest.raises(PolicyParseError, match=r"empty list|Principal must be"):
        parse_policy(doc({"Effect": "Allow", **extra}))


# --- the evaluator ----------------------------------------------------------------------------


def _decision(*policies: dict[str, Any], action: str = "s3:GetObject", resource: str = OBJECT):
    identity = [parse_policy(p, name=f"p{i}") for i, p in enumerate(policies)]
    return Evaluator(PolicySet(identity=identity)).evaluate(Request(ALICE, action, resource))


def test_empty_statement_beside_a_real_allow_still_allows() -> None:
    """Before, the empty list made the whole document unparsable: nothing it granted counted."""
    for empty in (EMPTY_ACTION, EMPTY_RESOURCE):
        assert _decision(doc(empty, REAL)).decision == "allowed"


def test_empty_allow_grants_nothing() -> None:
    assert _decision(doc(EMPTY_ACTION)).decision == "implicit_deny"
    assert _decision(doc(EMPTY_RESOURCE)).decision == "implicit_deny"
    assert _decision(doc(EMPTY_RESOURCE), resource="*").decision == "implicit_deny"


def test_empty_deny_denies_nothing() -> None:
    denies = [{**s, "Effect": "Deny"} for s in (EMPTY_ACTION, EMPTY_RESOURCE)]
    assert _decision(doc(*denies), doc(REAL)).decision == "allowed"


def test_empty_principal_names_nobody() -> None:
    """A bucket policy alone grants its account's users what it names them for; one whose
    Principal names nobody grants no one."""

    def bucket_decision(principal: Any) -> str:
        bucket_policy = parse_policy(doc({**REAL, "Principal": principal}), name="bucket")
        decision = Evaluator(PolicySet(resource_policy=bucket_policy)).evaluate(
            Request(ALICE, "s3:GetObject", OBJECT, resource_account=ACCOUNT_ID)
        )
        return decision.decision

    assert bucket_decision({"AWS": ALICE}) == "allowed"
    assert bucket_decision({}) == "implicit_deny"
    assert bucket_decision({"AWS": []}) == "implicit_deny"
    assert bucket_decision({"AWS": [], "Service": "s3.amazonaws.com"}) == "implicit_deny"


# --- the compiled fast path -------------------------------------------------------------------


def test_compiled_statements_with_empty_lists_cover_nothing() -> None:
    space = ActionSpace(["s3:GetObject", "s3:PutObject"])
    parsed = parse_policy(doc(EMPTY_ACTION, EMPTY_RESOURCE)).statements
    compiled = compile_statements(space, parsed)
    assert compiled.star_allowed == 0
    assert compiled.allow_all == 0
    with_real = compile_statements(space, parse_policy(doc(EMPTY_ACTION, REAL)).statements)
    assert with_real.allow == space.patterns_mask(("s3:GetObject",))


def test_effective_permissions_keep_the_rest_of_the_policy() -> None:
    alice = user(
        "alice",
        groups=(),
        inline_policies=[
            inline("mixed", doc(EMPTY_ACTION, {**EMPTY_RESOURCE, "Effect": "Deny"}, REAL))
        ],
    )
    perms = PermissionIndex(snapshot(users=[alice], groups=[]), NOW)[user_arn("alice")]
    assert perms.decide("s3:GetObject", OBJECT).allowed
    assert not perms.decide("s3:PutObject", OBJECT).allowed


EMPTY_STATEMENTS = st.sampled_from(
    (
        statement(action=[], resource="*"),
        statement(effect="Deny", action=[], resource="*"),
        statement(action=["s3:*", "iam:*"], resource=[]),
        statement(effect="Deny", action="*", resource=[]),
        statement(action=[], not_resource="arn:aws:s3:::data"),
        statement(effect="Deny", not_action="s3:GetObject", resource=[]),
    )
)


@SETTINGS
@given(st.lists(statements(), max_size=3), st.lists(EMPTY_STATEMENTS, min_size=1, max_size=2))
def test_fast_path_agrees_with_the_evaluator_with_empty_statements(real, empty) -> None:
    """bot.iam.effective's compiled answers equal the evaluator's, with empty statements mixed
    into generated ones (tests/unit/test_compiled.py's statements and comparison)."""
    document = policy_document(*empty, *real)
    alice = user("alice", groups=(), inline_policies=[inline("generated", document)])
    app = role("app", inline_policies=[inline("generated", document)])
    index = PermissionIndex(snapshot(users=[alice], roles=[app], groups=[]), NOW)
    _assert_decisions_match(index[user_arn("alice")], without_mfa=False)


# --- the linter -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy_type", "empty", "what"),
    [
        ("identity", EMPTY_ACTION, "Action is an empty list"),
        ("identity", EMPTY_RESOURCE, "Resource is an empty list"),
        ("resource", {**REAL, "Principal": {}}, "Principal is an empty object"),
        ("resource", {**REAL, "Principal": {"AWS": []}}, "Principal AWS is an empty list"),
        (
            "trust",
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": []}},
            "Principal AWS is an empty list",
        ),
    ],
)
def test_linter_reports_the_empty_element_low_and_nothing_else(
    catalogue: ActionCatalogue, policy_type: str, empty: dict[str, Any], what: str
) -> None:
    found = lint_policy(doc(empty), catalogue=catalogue, policy_type=policy_type)  # type: ignore[arg-type]
    assert [(f.code, f.severity, f.detail.get("kind"), f.detail["reason"]) for f in found] == [
        ("MALFORMED", Severity.LOW, "empty", what)
    ]


def test_linter_still_judges_the_other_statements(catalogue: ActionCatalogue) -> None:
    """The empty statement no longer turns the document into a MALFORMED HIGH with nothing
    else judged: the real statement's own findings (here a mistyped action) still come."""
    typo = {"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": OBJECTS}
    found = lint_policy(doc(EMPTY_RESOURCE, typo), catalogue=catalogue)
    assert [(f.code, f.severity) for f in found if f.statement == 0] == [
        ("MALFORMED", Severity.LOW)
    ]
    assert "UNKNOWN_ACTION" in {f.code for f in found if f.statement == 1}
    # A NotAction beside an empty Resource grants nothing: no breadth finding for it.
    broad = {"Effect": "Allow", "NotAction": "s3:*", "Resource": []}
    assert [f.code for f in lint_policy(doc(broad), catalogue=catalogue)] == ["MALFORMED"]
    assert "NOT_ACTION_ALLOW" in {
        f.code for f in lint_policy(doc({**broad, "Resource": "*"}), catalogue=catalogue)
    }


@pytest.mark.parametrize(
    ("check_id", "statement_json"),
    [
        ("policy.service_wildcard", {"Effect": "Allow", "Action": "s3:*", "Resource": []}),
        ("policy.notaction_allow", {"Effect": "Allow", "NotAction": "iam:*", "Resource": []}),
        ("policy.admin_star", {"Effect": "Allow", "Action": [], "Resource": "*"}),
        ("policy.passrole_star", {"Effect": "Allow", "Action": "iam:PassRole", "Resource": []}),
    ],
)
def test_document_checks_skip_a_statement_that_matches_nothing(check_id, statement_json):
    """The document-level checks read an empty Resource as no resource (it used to default to
    `*` where a statement holds NotResource instead), and the same statement with a real
    Resource is still reported."""
    from tests.factories import managed_policy, run_check, snapshot, user

    def audit_with(statement: dict[str, Any]) -> list:
        policy = managed_policy("p", {"Version": "2012-10-17", "Statement": [statement]})
        snap = snapshot(users=[user("dev", attached_policies=[policy.arn])], policies=[policy])
        return run_check(check_id, snap)

    assert audit_with(statement_json) == []
    real = dict(statement_json)
    if real.get("Resource") == []:
        real["Resource"] = "*"
    if real.get("Action") == []:
        real["Action"] = "*"
    assert audit_with(real)
