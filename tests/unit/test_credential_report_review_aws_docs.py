"""Credential-report review against AWS's documentation: the report's own time and identity.

Sources (each test names its page):
- IAM User Guide, "Getting credential reports for your AWS account" (id_credentials_getting-
  report.html): the report is CSV, one row per user plus ``<root_account>``; user_creation_time
  is "the date and time when the user was created"; a report is reused when it is under four
  hours old; ``not_supported`` for root's password columns.
- IAM API Reference, "GetCredentialReport": GeneratedTime is "the date and time when the
  credential report was created".
- IAM API Reference, "GetAccountAuthorizationDetails" / "UserDetail": CreateDate is "the date and
  time ... when the user was created".
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.audit.credential_report import REPORT_COLUMNS, parse_credential_report
from bot.model.errors import InputError
from tests.factories import (
    NOW,
    allow,
    audit,
    console_user_row,
    credential_row,
    key,
    managed_policy,
    root_row,
    run_check,
    snapshot,
    user,
    user_arn,
    with_rows,
)

USER_CHECKS = (
    "user.inactive",
    "user.password_unused",
    "user.console_without_mfa",
    "user.without_mfa",
    "user.access_key_unused",
    "user.access_key_not_rotated",
    "user.password_and_keys",
    "user.admin_without_mfa",
)
ADMIN = managed_policy("AdministratorAccess", allow("*"), aws_managed=True)


def _user_findings(snap, *, now=NOW) -> list[tuple[str, str]]:
    report = audit(snap, only=USER_CHECKS, now=now)
    assert not [e for e in report.errors if e.kind == "check"], report.errors
    return sorted((f.check_id, f.resource_arn) for f in report.findings)


# --- a user deleted and created again under the same name -------------------------------------


def _recreated_carol(gaad_created_days_ago: float, row_created_days_ago: float):
    """carol in the authorization details (an administrator, created ``gaad_created_days_ago``)
    and a report row for a carol created ``row_created_days_ago``: a console password never
    used, no MFA, an old unused key."""
    current = user(
        "carol",
        created_days_ago=gaad_created_days_ago,
        groups=[],
        attached_policies=[ADMIN.arn],
    )
    row = credential_row(
        "carol",
        created_days_ago=row_created_days_ago,
        password=True,
        key1=key(rotated_days_ago=row_created_days_ago, last_used_days_ago=300),
    )
    return snapshot(users=[current], groups=[], policies=[ADMIN], credential_report=with_rows(row))


def test_a_row_of_a_deleted_user_is_not_read_for_the_user_now_holding_its_name() -> None:
    # "Getting credential reports for your AWS account" (user_creation_time: when the user was
    # created) and GetAccountAuthorizationDetails (UserDetail CreateDate): a row created 400
    # days ago for "carol" while today's carol was created 2 days ago describes the deleted
    # carol. Her password, keys and missing MFA are not the new carol's (a report is reused for
    # up to four hours, an older one when no new one can be had).
    snap = _recreated_carol(gaad_created_days_ago=2, row_created_days_ago=400)
    assert _user_findings(snap) == []


def test_the_same_user_in_both_is_judged_from_its_row() -> None:
    # Control: the same creation time (to the second) in the report and the authorization
    # details is the same user, judged as before.
    snap = _recreated_carol(gaad_created_days_ago=400, row_created_days_ago=400)
    assert ("user.admin_without_mfa", user_arn("carol")) in _user_findings(snap)
    assert ("user.console_without_mfa", user_arn("carol")) in _user_findings(snap)


def test_a_user_created_after_the_report_is_skipped_without_an_error() -> None:
    # "Getting credential reports for your AWS account": the report lists the users of the
    # account when it was generated; a user created since has no row and cannot be judged from
    # it (a documented skip, no error, no finding).
    snap = snapshot(
        users=[user("dave", groups=[], attached_policies=[ADMIN.arn])],
        groups=[],
        policies=[ADMIN],
        credential_report=with_rows(),
    )
    assert _user_findings(snap) == []
    mfa = audit(snap, only=["user.mfa_not_enforced"])
    assert mfa.findings == ()
    assert not mfa.errors


def test_creation_times_a_few_seconds_apart_are_the_same_user() -> None:
    # Both columns are the user's creation; a rounding difference is not another user.
    snap = _recreated_carol(gaad_created_days_ago=400, row_created_days_ago=400 + 30 / 86400)
    assert ("user.console_without_mfa", user_arn("carol")) in _user_findings(snap)


def test_a_row_newer_than_the_authorization_details_is_still_read() -> None:
    # GetAccountAuthorizationDetails read before the user was deleted and created again, the
    # report after: the row is the current user's (its creation is the newer one), so it is read.
    snap = _recreated_carol(gaad_created_days_ago=400, row_created_days_ago=100)
    assert ("user.console_without_mfa", user_arn("carol")) in _user_findings(snap)


def _ghost(source: str):
    """A report listing "ghost" (an old unused key, no MFA), authorization details that do not."""
    ghost = credential_row("ghost", key1=key(rotated_days_ago=200, last_used_days_ago=100))
    return snapshot(
        users=[user("bob")],
        credential_report=with_rows(ghost, console_user_row("bob")),
        source=source,
    )


def test_a_report_user_a_live_collection_no_longer_lists_was_deleted() -> None:
    # "Getting credential reports for your AWS account": the report lists the users when it was
    # generated, and is reused for up to four hours. The collector fetches it before it reads
    # GetAccountAuthorizationDetails, so a user in the report and not in the details was
    # deleted in between: no finding about a user that does not exist.
    assert _user_findings(_ghost("aws")) == []


def test_a_report_user_missing_from_a_gaad_file_is_still_judged() -> None:
    # Control: a GAAD file and a report saved apart do not say which is newer (the user may
    # have been created after the GAAD was exported), so the row is read.
    assert ("user.inactive", user_arn("ghost")) in _user_findings(_ghost("gaad"))


# --- the report's own time ------------------------------------------------------------------


def _report_generated(days_before_audit: float):
    row = console_user_row("erin", password_last_used_days_ago=100)
    snap = snapshot(credential_report=with_rows(row))
    return replace(snap, credential_report_generated_at=NOW - timedelta(days=days_before_audit))


def test_an_old_report_is_named_in_the_unused_sentences() -> None:
    # GetCredentialReport: GeneratedTime is when the report was created; a use after it is not
    # in the report. Days unused still run to the audit time (tests/unit/test_engine.py: checks
    # see the audit time), so the sentence says which report it read.
    snap = _report_generated(30)
    (password,) = run_check("user.password_unused", snap)
    assert "credential report of 2026-10-30: later use is not shown" in password.detail
    (inactive,) = run_check("user.inactive", snap)
    assert "credential report of 2026-10-30" in inactive.detail


def test_a_report_of_the_day_adds_nothing_to_the_sentence() -> None:
    # "Getting credential reports for your AWS account": a report under four hours old is
    # reused; that is the report of the audit, nothing to say.
    (password,) = run_check("user.password_unused", _report_generated(0.15))
    assert "credential report of" not in password.detail


# --- the CSV as AWS (or a person saving it) writes it -----------------------------------------


def _csv(lines: list[str], sep: str = "\n") -> str:
    return sep.join(lines)


def _cells(row) -> str:
    return ",".join(getattr(row, column) for column in REPORT_COLUMNS)


HEADER = ",".join(REPORT_COLUMNS)
ROOT = root_row()
ALICE = console_user_row("alice")


def test_blank_lines_before_the_header_are_skipped() -> None:
    # "Getting credential reports for your AWS account": the report is a CSV file meant to be
    # opened in spreadsheets; a copy saved by hand may start with an empty line, as it may end
    # with one. Before: "not a credential report ... (found '')".
    rows = parse_credential_report(_csv(["", "  ", HEADER, _cells(ROOT), _cells(ALICE), ""]))
    assert [row.user for row in rows] == ["<root_account>", "alice"]


def test_an_all_blank_report_says_so() -> None:
    with pytest.raises(InputError, match="empty"):
        parse_credential_report("\r\n\r\n  \r\n")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("\ufeff" + _csv([HEADER, _cells(ROOT), _cells(ALICE)], "\r\n"), id="bom-crlf"),
        pytest.param(_csv([HEADER, "", _cells(ROOT), "", _cells(ALICE), "", ""]), id="blank-lines"),
        pytest.param(
            _csv(
                [
                    ",".join(reversed(REPORT_COLUMNS)) + ",a_column_aws_adds_later",
                    ",".join(reversed(_cells(ROOT).split(","))) + ",x",
                    ",".join(reversed(_cells(ALICE).split(","))) + ",y",
                ]
            ),
            id="reordered-and-extra",
        ),
    ],
)
def test_documented_csv_variants_load(text: str) -> None:
    # "Getting credential reports for your AWS account": a CSV file with the documented columns;
    # columns are found by name, so order and columns added later do not matter.
    rows = parse_credential_report(text)
    assert [row.user for row in rows] == ["<root_account>", "alice"]
    assert rows[0].password_enabled == "not_supported"


def test_a_missing_column_is_named() -> None:
    lines = [",".join(c for c in REPORT_COLUMNS if c != "cert_2_last_rotated")]
    with pytest.raises(InputError, match=r"lacks column.*cert_2_last_rotated"):
        parse_credential_report(_csv(lines))


def test_a_huge_value_is_refused_as_invalid_csv_not_a_traceback() -> None:
    with pytest.raises(InputError, match="not valid CSV"):
        parse_credential_report(HEADER + "\n" + "x" * 200_000)


def test_a_root_row_without_a_password_in_a_new_member_account() -> None:
    # "Getting credential reports for your AWS account": password_enabled is FALSE for the root
    # user of member accounts created in AWS Organizations (they have no root credentials);
    # password_last_used is then N/A. The row loads; root has no password, key or certificate,
    # so root.mfa_disabled says it cannot sign in as it is (medium), not "root without MFA".
    text = _csv(
        [
            HEADER,
            _cells(
                replace(
                    root_row(mfa=False, password_last_used_days_ago=None),
                    password_enabled="false",
                    password_last_used="N/A",
                )
            ),
        ]
    )
    rows = parse_credential_report(text)
    snap = snapshot(credential_report=rows, organizations_features=None)
    (finding,) = run_check("root.mfa_disabled", snap)
    assert finding.severity.name == "MEDIUM"
    assert run_check("root.recently_used", snap) == []
