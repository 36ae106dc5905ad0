"""How the credential report's placeholder values are spoken in finding evidence.

IAM User Guide, "Getting credential reports for your AWS account"
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html:
- password_last_used ``N/A``: the user has no password; ``no_information``: never used, or not
  used since tracking began on 2014-10-20;
- access_key_N_last_used_date ``N/A``: no key, a key never used, or last used before
  2015-04-22;
- password_last_changed / password_next_rotation ``not_supported``: the root user's row.

Each word is spoken as its column documents it, not as "never" everywhere.
"""

from __future__ import annotations

from bot.render.evidence import evidence_lines


def test_dates_are_spoken_as_dates() -> None:
    lines = evidence_lines(
        "user.password_unused", {"password_last_used": "2026-10-01T09:00:00+00:00"}
    )
    assert lines == ["Password last used: 2026-10-01."]


def test_no_information_is_not_spoken_as_never() -> None:
    """A password from 2013 with no_information may have been used before 2014-10-20."""
    lines = evidence_lines(
        "user.password_unused",
        {"password_last_used": "no_information", "user_creation_time": "2013-06-01T09:00:00+00:00"},
    )
    assert "Password last used: no recorded use (AWS tracks sign-ins since 2014-10-20)." in lines


def test_password_n_a_is_no_password_not_never() -> None:
    lines = evidence_lines("root.recently_used", {"password_last_used": "N/A"})
    assert lines == ["Password last used: no password."]


def test_missing_key_is_not_a_key_never_used() -> None:
    """The root row's access_key_2_last_used_date is N/A when there is no second key."""
    lines = evidence_lines("root.recently_used", {"access_key_2_last_used_date": "N/A"})
    assert lines == ["Access key 2 last used: no recorded use."]


def test_root_password_change_is_not_reported() -> None:
    lines = evidence_lines("root.recently_used", {"password_last_changed": "not_supported"})
    assert lines == ["Password last changed: not reported for the root user."]
