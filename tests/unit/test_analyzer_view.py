"""Pure reading of Access Analyzer records: kinds, details, filters, groups and pages."""

from __future__ import annotations

import pytest

from bot.audit.analyzer_view import (
    FINDING_TYPES,
    FindingFilter,
    actions,
    analyzer_kind,
    analyzers_by_region,
    conditions,
    filter_findings,
    finding_kind,
    finding_row,
    group_findings,
    is_public,
    last_accessed,
    paginate,
    parse_finding_type,
    parse_status,
    principals,
    remediation_for,
)
from bot.audit.findings import Severity
from bot.model.errors import InputError
from tests.factories import analyzer, analyzer_finding, days_ago, role_arn, user_arn


def test_kinds_of_analyzers_and_findings() -> None:
    assert analyzer_kind("ORGANIZATION") == "external"
    assert analyzer_kind("ACCOUNT_UNUSED_ACCESS") == "unused"
    assert analyzer_kind("ORGANIZATION_INTERNAL_ACCESS") == "internal"
    assert analyzer_kind("SOMETHING_NEW") == "unknown"
    assert [finding_kind(t) for t in FINDING_TYPES] == [
        "external",
        "unused",
        "unused",
        "unused",
        "unused",
        "internal",
    ]


def test_details_accessors() -> None:
    item = analyzer_finding(
        principal={"AWS": "arn:aws:iam::999988887777:root", "Federated": "cognito"},
        actions=("s3:PutObject", "s3:GetObject"),
        conditions={"aws:PrincipalOrgID": "o-1"},
    )
    assert principals(item) == ["AWS: arn:aws:iam::999988887777:root", "Federated: cognito"]
    assert actions(item) == ["s3:GetObject", "s3:PutObject"]
    assert conditions(item) == {"aws:PrincipalOrgID": "o-1"}
    assert is_public(item) is False
    assert is_public(analyzer_finding(details_fetched=False)) is None


def test_public_without_principal_still_says_who() -> None:
    item = analyzer_finding(public=True, principal={})
    assert principals(item) == ["public (any principal)"]


def test_last_accessed_is_the_newest_use() -> None:
    services = [
        {"service": "s3", "last_accessed": "2026-01-01T00:00:00+00:00", "actions": []},
        {"service": "ec2", "last_accessed": "2026-03-01T00:00:00Z", "actions": []},
        {"service": "iam", "last_accessed": None, "actions": []},
    ]
    item = analyzer_finding("UnusedPermission", services=services)
    assert last_accessed(item).isoformat() == "2026-03-01T00:00:00+00:00"
    assert actions(item) == ["s3:*", "ec2:*", "iam:*"]
    assert last_accessed(analyzer_finding("UnusedIAMRole")) is None
    assert last_accessed(analyzer_finding("UnusedIAMRole", last_accessed_days_ago=5)) == days_ago(5)


def test_malformed_details_do_not_crash_the_readers() -> None:
    item = analyzer_finding(details_fetched=False)
    broken = type(item)(
        **{
            **{f: getattr(item, f) for f in item.__slots__},
            "details": {
                "access": ["not a dict", {"principal": {"AWS": "x"}}],
                "services": "nope",
            },
        }
    )
    assert principals(broken) == ["AWS: x"]
    assert actions(broken) == []


# --- filter --------------------------------------------------------------------------------------


FINDINGS = [
    analyzer_finding(id="e1", resource="arn:aws:s3:::logs", public=True),
    analyzer_finding(id="e2", resource=role_arn("partner"), resource_type="AWS::IAM::Role"),
    analyzer_finding(id="a1", status="ARCHIVED", resource="arn:aws:s3:::site"),
    analyzer_finding("UnusedIAMRole", id="u1", resource=role_arn("old"), region="eu-west-1"),
    analyzer_finding("UnusedIAMUserAccessKey", id="u2", resource=user_arn("dave")),
    analyzer_finding("InternalAccess", id="i1"),
]


def _ids(wanted: FindingFilter) -> list[str]:
    return [f.id for f in filter_findings(FINDINGS, wanted)]


def test_default_filter_is_every_active_finding() -> None:
    assert _ids(FindingFilter()) == ["e1", "e2", "u1", "u2", "i1"]


@pytest.mark.parametrize(
    ("wanted", "ids"),
    [
        (FindingFilter(kind="external"), ["e1", "e2"]),
        (FindingFilter(kind="unused"), ["u1", "u2"]),
        (FindingFilter(kind="internal"), ["i1"]),
        (FindingFilter(statuses=("ARCHIVED",)), ["a1"]),
        (FindingFilter(statuses=("ACTIVE", "ARCHIVED"), kind="external"), ["e1", "e2", "a1"]),
        (FindingFilter(types=("UnusedIAMUserAccessKey",)), ["u2"]),
        (FindingFilter(resource_pattern="arn:aws:s3:::*"), ["e1", "i1"]),
        (FindingFilter(resource_pattern="arn:aws:iam::*:role/*"), ["e2", "u1"]),
        (FindingFilter(regions=("eu-west-1",)), ["u1"]),
    ],
)
def test_filters(wanted: FindingFilter, ids: list[str]) -> None:
    assert _ids(wanted) == ids


def test_resource_glob_is_case_sensitive_like_arns() -> None:
    assert _ids(FindingFilter(resource_pattern="ARN:AWS:S3:::*")) == []


def test_wanted_types_narrow_the_collection() -> None:
    assert FindingFilter().wanted_types() == ()
    assert FindingFilter(kind="external").wanted_types() == ("ExternalAccess",)
    assert FindingFilter(
        kind="unused", types=("UnusedIAMRole", "ExternalAccess")
    ).wanted_types() == ("UnusedIAMRole",)
    assert FindingFilter(kind="unused", types=("ExternalAccess",)).wanted_types() == ()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "everything"}, "unknown finding kind"),
        ({"statuses": ("OPEN",)}, "unknown finding status OPEN"),
        ({"types": ("UnusedThing",)}, "unknown finding type UnusedThing"),
    ],
)
def test_bad_filters_are_input_errors(kwargs, message) -> None:
    with pytest.raises(InputError, match=message):
        FindingFilter(**kwargs)


def test_parsers_are_case_insensitive_and_strict() -> None:
    assert parse_status(" archived ") == "ARCHIVED"
    assert parse_finding_type("unusediamuseraccesskey") == "UnusedIAMUserAccessKey"
    with pytest.raises(InputError):
        parse_status("gone")
    with pytest.raises(InputError):
        parse_finding_type("")


# --- groups, rows and pages ----------------------------------------------------------------------


def test_groups_follow_type_order_and_severity() -> None:
    groups = group_findings(FINDINGS)
    assert [g.finding_type for g in groups] == [
        "ExternalAccess",
        "UnusedIAMRole",
        "UnusedIAMUserAccessKey",
        "InternalAccess",
    ]
    external = groups[0]
    assert [r.id for r in external.rows] == ["e1", "e2", "a1"]  # high before medium
    assert [r.severity for r in external.rows] == [Severity.HIGH, Severity.MEDIUM, Severity.MEDIUM]


def test_unknown_types_go_last() -> None:
    odd = analyzer_finding("SomethingNew", id="x", details_fetched=False)
    groups = group_findings([odd, FINDINGS[0]])
    assert [g.finding_type for g in groups] == ["ExternalAccess", "SomethingNew"]
    assert groups[1].rows[0].severity is Severity.MEDIUM


def test_row_to_dict_is_json_ready() -> None:
    row = finding_row(
        analyzer_finding(
            "UnusedIAMUserAccessKey", access_key_id="AKIA1", last_accessed_days_ago=30, error="x"
        )
    )
    data = row.to_dict()
    assert data["access_key_id"] == "AKIA1"
    assert data["last_accessed"] == days_ago(30).isoformat()
    assert data["severity"] == "low"
    assert data["error"] == "x"


def test_pages_keep_group_order_and_count() -> None:
    groups = group_findings(FINDINGS)
    first = paginate(groups, page=1, page_size=4)
    second = paginate(groups, page=2, page_size=4)
    assert (first.count, first.total, first.has_next, first.has_previous) == (2, 6, True, False)
    assert [r.id for r in first.rows + second.rows] == [r.id for g in groups for r in g.rows]
    assert not second.has_next
    assert paginate([], page=1, page_size=5).count == 1  # an empty result is one empty page
    with pytest.raises(InputError, match="page 3 does not exist"):
        paginate(groups, page=3, page_size=4)
    with pytest.raises(InputError, match="at least 1"):
        paginate(groups, page=1, page_size=0)


def test_analyzers_by_region_lists_empty_regions_too() -> None:
    regions = analyzers_by_region(
        [analyzer("u", type="ACCOUNT_UNUSED_ACCESS"), analyzer("a")], ["eu-west-1", "us-east-1"]
    )
    assert [(r.region, [a.name for a in r.analyzers]) for r in regions] == [
        ("eu-west-1", []),
        ("us-east-1", ["a", "u"]),
    ]
    assert regions[1].has_active_external
    assert regions[1].has_active_unused
    assert not regions[0].has_active_external


# --- remediation ---------------------------------------------------------------------------------


def test_unused_key_and_password_have_a_remediation() -> None:
    key = analyzer_finding(
        "UnusedIAMUserAccessKey", resource=user_arn("dave", path="/ops/"), access_key_id="AKIA1"
    )
    password = analyzer_finding("UnusedIAMUserPassword", resource=user_arn("grace"))
    assert remediation_for(key) == (
        "deactivate_access_key",
        {"target_kind": "user", "target_name": "dave", "access_key_id": "AKIA1"},
    )
    assert remediation_for(password) == (
        "delete_login_profile",
        {"target_kind": "user", "target_name": "grace"},
    )
    assert finding_row(key).to_dict()["remediation"]["id"] == "deactivate_access_key"


def test_no_remediation_where_none_fits() -> None:
    assert remediation_for(analyzer_finding(public=True)) is None  # edit the policy instead
    assert remediation_for(analyzer_finding("UnusedIAMRole", resource=role_arn("r"))) is None
    # A key finding whose details (the key id) were not read cannot name the key.
    unread = analyzer_finding(
        "UnusedIAMUserAccessKey", resource=user_arn("dave"), details_fetched=False
    )
    assert remediation_for(unread) is None
    assert finding_row(unread).to_dict()["remediation"] is None
    odd = analyzer_finding("UnusedIAMUserPassword", resource="arn:aws:s3:::not-a-user")
    assert remediation_for(odd) is None
