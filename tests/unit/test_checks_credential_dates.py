"""Issue 18 items 3 and 5: what N/A, no_information and not_supported mean, per column.

Every case follows the IAM User Guide page "Getting credential reports for your AWS account"
(section "Understanding the report format"):
- password_last_used is ``no_information`` when the password was never used, or not used since
  IAM started tracking on 2014-10-20; ``N/A`` when the user has no password;
- access_key_N_last_used_date is ``N/A`` when there is no key, the key was never used, or it
  was not used since tracking began on 2015-04-22;
- password_enabled / password_last_changed / password_next_rotation are ``not_supported`` for
  the root user.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.audit.checks._credentials import (
    KEY_TRACKING_SINCE,
    PASSWORD_TRACKING_SINCE,
    key_slots,
    key_use_untracked,
    password_use,
)
from tests.factories import (
    NOW,
    credential_row,
    key,
    run_check,
    snapshot,
    with_rows,
)

NO_INFO = "no_information"


def _rows(*rows):
    return snapshot(credential_report=with_rows(*rows))


def _days_before(moment: datetime) -> float:
    return (NOW - moment).days + 30


# --- user.password_unused ---------------------------------------------------------------------


def test_new_console_user_never_signed_in_is_inside_the_grace_period() -> None:
    """no_information + a user created 2 days ago: never used, and new (grace period)."""
    row = credential_row("new", created_days_ago=2, password=True, password_last_used=NO_INFO)
    assert run_check("user.password_unused", _rows(row)) == []


def test_console_user_past_the_limit_is_set_and_never_used_not_october_2014() -> None:
    """no_information + a user created after 2014-10-20: any sign-in would be recorded, so the
    password was never used (not "no use since tracking began")."""
    row = credential_row("bob", created_days_ago=50, password=True, password_last_used=NO_INFO)
    (finding,) = run_check("user.password_unused", _rows(row))
    assert finding.detail.startswith("bob's console password was set 50 days ago (")
    assert "has never been used" in finding.detail
    assert "October 2014" not in finding.detail
    assert finding.evidence["limit_days"] == 45


def test_password_just_reset_on_an_old_user_is_inside_the_grace_period() -> None:
    """A user from 2013 whose password was set yesterday: the new password is not due yet."""
    row = credential_row(
        "old",
        created_days_ago=_days_before(PASSWORD_TRACKING_SINCE),
        password=True,
        password_changed_days_ago=1,
        password_last_used=NO_INFO,
    )
    assert run_check("user.password_unused", _rows(row)) == []


def test_password_set_after_tracking_on_an_old_user_was_never_used() -> None:
    """A user from 2013 whose password was set in 2020 and no_information: the field records
    the user's sign-ins since 2014-10-20, so this password never signed in."""
    row = credential_row(
        "old",
        created_days_ago=_days_before(PASSWORD_TRACKING_SINCE),
        password=True,
        password_changed_days_ago=2000,
        password_last_used=NO_INFO,
    )
    (finding,) = run_check("user.password_unused", _rows(row))
    assert "2000 days ago" in finding.detail
    assert "has never been used" in finding.detail


def test_password_from_before_tracking_has_no_recorded_use_since_october_2014() -> None:
    row = credential_row(
        "legacy",
        created_days_ago=_days_before(PASSWORD_TRACKING_SINCE),
        password=True,
        password_last_used=NO_INFO,
    )
    (finding,) = run_check("user.password_unused", _rows(row))
    assert finding.detail.endswith("no recorded use since tracking began (October 2014)")
    assert finding.evidence["tracking_since"] == "2014-10-20"


def test_password_use_reads_each_value_for_what_it_means() -> None:
    never = credential_row("a", created_days_ago=30, password=True, password_last_used=NO_INFO)
    assert password_use(never).untracked is False
    assert password_use(never).last_used is None
    old = credential_row(
        "b",
        created_days_ago=_days_before(PASSWORD_TRACKING_SINCE),
        password=True,
        password_last_used=NO_INFO,
    )
    assert password_use(old).untracked is True
    # N/A is "no password", never "before tracking".
    assert password_use(credential_row("c", created_days_ago=5000)).untracked is False


# --- access keys: N/A before 2015-04-22 -------------------------------------------------------


def test_key_created_before_key_tracking_has_no_recorded_use_rather_than_never_used() -> None:
    row = credential_row(
        "k",
        created_days_ago=_days_before(KEY_TRACKING_SINCE),
        key1=key(rotated_days_ago=_days_before(KEY_TRACKING_SINCE), last_used_days_ago=None),
    )
    (finding,) = run_check("user.access_key_unused", _rows(row))
    assert "no recorded use since tracking began (April 2015)" in finding.detail
    assert "never been used" not in finding.detail
    assert key_use_untracked(row, key_slots(row)[0]) is True


def test_key_created_after_key_tracking_and_n_a_was_never_used() -> None:
    row = credential_row("k", key1=key(rotated_days_ago=100, last_used_days_ago=None))
    (finding,) = run_check("user.access_key_unused", _rows(row))
    assert "has never been used since it was created 100 days ago" in finding.detail
    assert key_use_untracked(row, key_slots(row)[0]) is False


def test_initial_access_key_leaves_out_keys_that_may_have_been_used_before_tracking() -> None:
    """CIS 1.10 asks about keys set up with the user and never used; a key from before
    2015-04-22 with N/A may have been used, so only the unambiguous key is reported."""
    before = _days_before(KEY_TRACKING_SINCE)
    row = credential_row(
        "console",
        created_days_ago=before,
        password=True,
        password_last_used_days_ago=1,
        key1=key(rotated_days_ago=before, last_used_days_ago=None),
        key2=key(rotated_days_ago=40, last_used_days_ago=None),
    )
    (finding,) = run_check("user.initial_access_key", _rows(row))
    assert [k["key_slot"] for k in finding.evidence["unused_keys"]] == [2]


# --- user.inactive -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("created_days_ago", "expected"),
    [
        (200, "has never used a credential since it was created 200 days ago"),
        (_days_before(PASSWORD_TRACKING_SINCE), "has no recorded credential use"),
    ],
)
def test_inactive_user_says_only_what_the_report_shows(created_days_ago, expected) -> None:
    row = credential_row(
        "idle", created_days_ago=created_days_ago, password=True, password_last_used=NO_INFO
    )
    (finding,) = run_check("user.inactive", _rows(row))
    assert expected in finding.detail
