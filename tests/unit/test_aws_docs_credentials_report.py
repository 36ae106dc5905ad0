"""The credential-report checks against a report as AWS writes it, column by column.

Source: IAM User Guide, "Getting credential reports for your AWS account"
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html
("Understanding the report format"). The facts each case relies on:

- user_creation_time, password_last_used, password_last_changed, access_key_N_last_rotated,
  access_key_N_last_used_date and cert_N_last_rotated are ISO 8601 date-times;
- password_enabled is TRUE/FALSE, and ``not_supported`` for the root user (so are
  password_last_changed and password_next_rotation);
- password_last_used is ``no_information`` when the password was never used, or not used since
  IAM started tracking on 2014-10-20; ``N/A`` when the user has no password;
- access_key_N_last_used_date (and _region, _service) is ``N/A`` when there is no key, the key
  was never used, or it was last used before tracking began on 2015-04-22;
  access_key_N_last_used_region is also ``N/A`` for a service that is not regional (Amazon S3);
- users can have up to two access keys, "to make rotation easier";
- a report is generated at most once every four hours.

The unused-credential thresholds follow CIS "Ensure credentials unused for 45 days or more are
disabled", whose audit counts a never-used access key from its creation ("access keys that are
over 45 days old and that have not been used"), and Security Hub IAM.3 (rotation, 90 days).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.audit.credential_report import REPORT_COLUMNS, parse_credential_report
from bot.audit.findings import Severity
from tests.factories import ACCOUNT_ID, NOW, audit, snapshot, user_arn

ROOT_ARN = f"arn:aws:iam::{ACCOUNT_ID}:root"

CREDENTIAL_CHECKS = (
    "root.access_key_present",
    "root.mfa_disabled",
    "root.recently_used",
    "root.signing_cert_active",
    "user.access_key_unused",
    "user.access_key_not_rotated",
    "user.two_active_keys",
    "user.initial_access_key",
    "user.inactive",
    "user.password_unused",
    "user.password_and_keys",
)


def at(days_ago: float) -> str:
    """A date-time as AWS writes it in the report: 2026-11-28T12:00:00+00:00."""
    return (NOW - timedelta(days=days_ago)).replace(microsecond=0).isoformat()


def line(user: str, arn: str, created: str, **columns: str) -> dict[str, str]:
    """A report line; every column not given is what AWS writes for "none" (FALSE or N/A)."""
    values = dict.fromkeys(REPORT_COLUMNS, "N/A")
    values.update(
        user=user,
        arn=arn,
        user_creation_time=created,
        password_enabled="false",
        mfa_active="false",
        access_key_1_active="false",
        access_key_2_active="false",
        cert_1_active="false",
        cert_2_active="false",
    )
    values.update(columns)
    return values


def root_line(**columns: str) -> dict[str, str]:
    base = {
        "password_enabled": "not_supported",
        "password_last_used": at(200),
        "password_last_changed": "not_supported",
        "password_next_rotation": "not_supported",
        "mfa_active": "true",
    }
    base.update(columns)
    return line("<root_account>", ROOT_ARN, "2019-03-01T10:00:00+00:00", **base)


def report_text(*lines: dict[str, str]) -> str:
    header = ",".join(REPORT_COLUMNS)
    return "\n".join([header, *(",".join(item[c] for c in REPORT_COLUMNS) for item in lines)])


def key_columns(slot: int, *, active: bool, rotated: str, used: str | None, service: str = "s3"):
    """A key slot: ``used=None`` is a key never used (N/A in the three last-used columns)."""
    return {
        f"access_key_{slot}_active": "true" if active else "false",
        f"access_key_{slot}_last_rotated": rotated,
        f"access_key_{slot}_last_used_date": used or "N/A",
        # S3 is not region-specific: AWS writes N/A for the region of an S3 call.
        f"access_key_{slot}_last_used_region": "N/A"
        if used is None or service == "s3"
        else "eu-west-1",
        f"access_key_{slot}_last_used_service": service if used else "N/A",
    }


# One account's report, each user one documented situation.
ACCOUNT_LINES = {
    "created-today": line(
        "created-today",
        user_arn("created-today"),
        at(0.1),
        password_enabled="true",
        password_last_used="no_information",  # never used
        password_last_changed=at(0.1),
        password_next_rotation=at(-90),  # a policy requiring rotation: a date to come
        mfa_active="true",
    ),
    "keys-only": line(
        "keys-only",
        user_arn("keys-only"),
        at(400),
        **key_columns(1, active=True, rotated=at(60), used=at(1), service="ec2"),
    ),
    "new-key-not-deployed": line(
        "new-key-not-deployed",
        user_arn("new-key-not-deployed"),
        at(20),
        **key_columns(1, active=True, rotated=at(20), used=None),
    ),
    "key-never-used": line(
        "key-never-used",
        user_arn("key-never-used"),
        at(100),
        **key_columns(1, active=True, rotated=at(100), used=None),
    ),
    "rotated": line(
        "rotated",
        user_arn("rotated"),
        at(500),
        # key 1 deactivated after the rotation, key 2 its replacement
        **key_columns(1, active=False, rotated=at(200), used=at(100)),
        **key_columns(2, active=True, rotated=at(10), used=at(1)),
    ),
    "legacy-password": line(
        "legacy-password",
        user_arn("legacy-password"),
        "2013-06-01T09:00:00+00:00",
        password_enabled="true",
        password_last_used="no_information",  # not used since tracking began (2014-10-20)
        password_last_changed="2013-06-01T09:00:00+00:00",
        mfa_active="true",
        **key_columns(1, active=True, rotated=at(30), used=at(2)),
    ),
    "password-disabled": line(
        "password-disabled",
        user_arn("password-disabled"),
        at(600),
        # The console password was removed; password_last_used keeps the last sign-in.
        password_last_used=at(300),
        **key_columns(1, active=True, rotated=at(30), used=at(2), service="ec2"),
    ),
}


def _report(*names: str, root: dict[str, str] | None = None):
    lines = [root or root_line(), *(ACCOUNT_LINES[name] for name in names)]
    return parse_credential_report(report_text(*lines))


def _findings(rows, *, only=CREDENTIAL_CHECKS, **snapshot_kwargs) -> list[tuple[str, str]]:
    report = audit(snapshot(credential_report=rows, **snapshot_kwargs), only=only)
    assert not report.errors, report.errors
    return sorted((f.check_id, f.resource_arn) for f in report.findings)


def test_the_documented_values_load_and_read_as_documented() -> None:
    rows = {row.user: row for row in _report(*ACCOUNT_LINES)}
    root = rows["<root_account>"]
    assert root.is_root
    assert root.flag("password_enabled") is None  # not_supported: proves nothing either way
    assert root.date("password_last_changed") is None
    assert rows["created-today"].date("password_last_used") is None  # no_information
    assert rows["created-today"].date("password_next_rotation") == datetime.fromisoformat(at(-90))
    assert rows["new-key-not-deployed"].date("access_key_1_last_used_date") is None  # N/A
    assert rows["keys-only"].raw("password_last_used") == "N/A"  # no password


@pytest.mark.parametrize("name", ["created-today", "keys-only", "new-key-not-deployed", "rotated"])
def test_documented_normal_states_raise_no_credential_finding(name) -> None:
    """A user created today who has not signed in yet, a key-only user whose key is in use,
    a key created 20 days ago not used yet, a rotation (key 1 inactive, key 2 newer)."""
    assert _findings(_report(name)) == []


def test_a_key_created_100_days_ago_and_never_used() -> None:
    key = f"{user_arn('key-never-used')}#access_key_1"
    assert _findings(_report("key-never-used")) == [
        ("user.access_key_not_rotated", key),  # IAM.3: created more than 90 days ago
        ("user.access_key_unused", key),  # CIS: over 45 days old and not used
        ("user.inactive", user_arn("key-never-used")),  # no credential used in 100 days
    ]


def test_a_key_created_20_days_ago_is_not_unused_for_45_days_yet() -> None:
    report = audit(snapshot(credential_report=_report("new-key-not-deployed")))
    assert not [f for f in report.findings if f.check_id == "user.access_key_unused"]


def test_a_password_from_before_tracking_with_no_information() -> None:
    findings = audit(
        snapshot(credential_report=_report("legacy-password")), only=["user.password_unused"]
    ).findings
    (finding,) = findings
    assert "no recorded use since tracking began (October 2014)" in finding.detail
    # The user's key was used 2 days ago: the user is not inactive.
    assert _findings(_report("legacy-password"), only=["user.inactive"]) == []


def test_a_removed_password_is_no_password_even_with_a_last_used_date() -> None:
    """password_enabled FALSE with a password_last_used date (GetUser: "if the user does not
    currently have a password but had one in the past, then this field contains the date and
    time the most recent password was used")."""
    assert _findings(_report("password-disabled")) == []


def test_the_flags_are_read_whatever_their_case() -> None:
    """The page writes TRUE and FALSE; reports carry true and false."""
    upper = line(
        "upper",
        user_arn("upper"),
        at(300),
        password_enabled="TRUE",
        password_last_used=at(1),
        password_last_changed=at(300),
        mfa_active="TRUE",
        **{
            k: v.upper() if k.endswith("_active") else v
            for k, v in key_columns(1, active=True, rotated=at(30), used=None).items()
        },
    )
    rows = parse_credential_report(report_text(root_line(mfa_active="TRUE"), upper))
    assert _findings(rows) == [
        ("user.initial_access_key", user_arn("upper")),
        (
            "user.password_and_keys",
            user_arn("upper"),
        ),
    ]


def test_two_active_keys_and_each_keys_own_age() -> None:
    both = line(
        "both",
        user_arn("both"),
        at(400),
        **key_columns(1, active=True, rotated=at(120), used=at(1)),
        **key_columns(2, active=True, rotated=at(5), used=at(1)),
    )
    rows = parse_credential_report(report_text(root_line(), both))
    assert _findings(rows) == [
        ("user.access_key_not_rotated", f"{user_arn('both')}#access_key_1"),
        ("user.two_active_keys", user_arn("both")),
    ]


@pytest.mark.parametrize(("days", "flagged"), [(44, False), (45, True), (46, True)])
def test_key_last_used_45_days_ago_is_unused(days, flagged) -> None:
    """CIS: "credentials unused for 45 days or more"."""
    used = line(
        "u", user_arn("u"), at(400), **key_columns(1, active=True, rotated=at(60), used=at(days))
    )
    rows = parse_credential_report(report_text(root_line(), used))
    assert bool(_findings(rows, only=["user.access_key_unused"])) is flagged


@pytest.mark.parametrize(("days", "flagged"), [(90, False), (91, True)])
def test_key_rotation_is_90_days_or_less(days, flagged) -> None:
    """Security Hub IAM.3: "access keys should be rotated every 90 days or less"."""
    row = line(
        "r", user_arn("r"), at(400), **key_columns(1, active=True, rotated=at(days), used=at(1))
    )
    rows = parse_credential_report(report_text(root_line(), row))
    assert bool(_findings(rows, only=["user.access_key_not_rotated"])) is flagged


# --- the <root_account> row -------------------------------------------------------------------


def test_healthy_root_row_raises_nothing() -> None:
    assert _findings(_report()) == []


def test_root_with_an_active_access_key_is_critical() -> None:
    """IAM.4 "IAM root user access key should not exist"."""
    rows = _report(root=root_line(**key_columns(1, active=True, rotated=at(900), used=at(400))))
    report = audit(snapshot(credential_report=rows), only=["root.access_key_present"])
    (finding,) = report.findings
    assert finding.severity is Severity.CRITICAL
    assert finding.resource_arn == ROOT_ARN


def test_root_with_an_inactive_key_has_no_active_key_finding() -> None:
    rows = _report(root=root_line(**key_columns(1, active=False, rotated=at(900), used=at(400))))
    assert _findings(rows, only=["root.access_key_present"]) == []


@pytest.mark.parametrize(
    ("columns", "used"),
    [
        ({"password_last_used": at(3)}, True),
        # a root key last used 10 days ago counts even though it is inactive now
        ({**key_columns(2, active=False, rotated=at(900), used=at(10))}, True),
        ({"password_last_used": "no_information"}, False),  # never signed in
        ({"password_last_used": "N/A"}, False),  # no password (credentials removed)
        ({"password_last_used": at(31)}, False),
    ],
)
def test_root_recent_use_reads_every_use_column(columns, used) -> None:
    """CIS "Eliminate use of the 'root' user for administrative and daily tasks"."""
    rows = _report(root=root_line(**columns))
    assert bool(_findings(rows, only=["root.recently_used"])) is used


def test_root_signing_certificate() -> None:
    rows = _report(root=root_line(cert_1_active="true", cert_1_last_rotated=at(800)))
    assert _findings(rows, only=["root.signing_cert_active"]) == [
        ("root.signing_cert_active", ROOT_ARN)
    ]


def test_utc_dates_written_with_z_read_like_offset_dates() -> None:
    """ISO 8601 allows 2026-10-15T12:00:00Z as well as +00:00; both are the same moment."""
    z = line(
        "z",
        user_arn("z"),
        at(400).replace("+00:00", "Z"),
        **{
            k: (v.replace("+00:00", "Z") if v.endswith("+00:00") else v)
            for k, v in key_columns(1, active=True, rotated=at(100), used=at(50)).items()
        },
    )
    rows = parse_credential_report(report_text(root_line(), z))
    key = f"{user_arn('z')}#access_key_1"
    assert _findings(rows, only=["user.access_key_unused", "user.access_key_not_rotated"]) == [
        ("user.access_key_not_rotated", key),
        ("user.access_key_unused", key),
    ]
