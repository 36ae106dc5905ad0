"""Unused users and passwords ("inactive users" done right), from the credential report.

The seed's Lambda called every user without a console login inactive, which flagged busy
key-only users; here a user is inactive only when *no* credential was used for N days.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.audit.checks._aws_names import CREDENTIAL_REPORT_PERMISSIONS, USER
from bot.audit.checks._credentials import (
    KEY_TRACKING_SINCE,
    active_key_slots,
    ago,
    as_of_report,
    day,
    days_since,
    has_password,
    key_slots,
    never_used_long_enough,
    password_use,
    user_rows,
)
from bot.audit.findings import Finding, Severity
from bot.audit.registry import CheckContext, register


@register(
    id="user.inactive",
    title="Inactive user",
    severity=Severity.MEDIUM,
    risk="A user nobody uses still holds permissions and credentials an attacker can reuse"
    " unnoticed.",
    remediation="Confirm with the owner, then disable the user's credentials and delete the user.",
    anchors=("Security Hub IAM.8", "seed audit Lambda"),
    permissions=CREDENTIAL_REPORT_PERMISSIONS,
    requires=("credential_report",),
)
def user_inactive(ctx: CheckContext) -> Iterator[Finding]:
    """No credential used for N days: the newest of the password's and both keys' last use,
    or the creation time when none was ever used. Users younger than the grace period are
    never flagged; a key-only user whose keys are in use is active.

    Idle days run to the audit time (a snapshot audited later ages with it); when the report
    is a day old or more the sentence names its date, since it cannot show later use."""
    limit = ctx.threshold("inactive_days")
    grace = ctx.threshold("grace_days")
    when = as_of_report(ctx.snapshot, ctx.now)
    for row in user_rows(ctx.snapshot):
        created = row.date("user_creation_time")
        if created is not None and days_since(created, ctx.now) < grace:
            continue
        uses = {"password": row.date("password_last_used")}
        uses.update({f"access key {s.number}": s.last_used for s in key_slots(row)})
        used = {label: moment for label, moment in uses.items() if moment is not None}
        evidence = {
            "user": row.user,
            "user_creation_time": row.user_creation_time,
            "password_last_used": row.password_last_used,
            "access_key_1_last_used_date": row.access_key_1_last_used_date,
            "access_key_2_last_used_date": row.access_key_2_last_used_date,
            "limit_days": limit,
        }
        if used:
            label, last = max(used.items(), key=lambda item: item[1])
            idle = days_since(last, ctx.now)
            if idle >= limit:
                yield ctx.finding(
                    row.arn,
                    USER,
                    f"{row.user} has used no credential for {idle} days"
                    f" (last: its {label} on {day(last)}){when}",
                    {**evidence, "idle_days": idle},
                )
        elif created is not None and days_since(created, ctx.now) >= limit:
            if created < KEY_TRACKING_SINCE:
                # no_information / N/A also mean "used before AWS tracked it": say only what
                # the report shows.
                detail = (
                    f"{row.user} has no recorded credential use (AWS records password use since"
                    f" 2014-10-20, access-key use since 2015-04-22); it was created"
                    f" {ago(created, ctx.now)}"
                )
            else:
                detail = (
                    f"{row.user} has never used a credential since it was created"
                    f" {ago(created, ctx.now)}"
                )
            idle = days_since(created, ctx.now)
            yield ctx.finding(row.arn, USER, detail + when, {**evidence, "idle_days": idle})


@register(
    id="user.password_unused",
    title="Console password unused",
    severity=Severity.MEDIUM,
    risk="A password nobody uses is a login an attacker can take over without anyone missing it.",
    remediation="Remove the user's console password (delete login profile) if it is not needed.",
    anchors=("CIS 1.11", "Security Hub IAM.22"),
    permissions=CREDENTIAL_REPORT_PERMISSIONS,
    requires=("credential_report",),
)
def user_password_unused(ctx: CheckContext) -> Iterator[Finding]:
    """Used passwords fail after N days unused; a password set and never used fails once it
    was set N days ago or more (judged from password_last_changed, else creation), as the CIS
    audit reads "credentials unused for 45 days or more": a console user created 20 days ago
    who has not signed in yet has not been unused for 45 days.

    AWS writes ``no_information`` both for a password never used and for one last used before
    tracking began (2014-10-20); a password set or a user created after that date was never
    used, so a console user created minutes ago is inside the grace period, not "unused since
    2014".

    An old report's date is named in the sentence, as for user.inactive."""
    limit = ctx.threshold("password_unused_days")
    grace = ctx.threshold("grace_days")
    when = as_of_report(ctx.snapshot, ctx.now)
    for row in user_rows(ctx.snapshot):
        if not has_password(row):
            continue
        evidence = {
            "user": row.user,
            "password_last_used": row.password_last_used,
            "password_last_changed": row.password_last_changed,
            "user_creation_time": row.user_creation_time,
        }
        use = password_use(row)
        if use.last_used is not None:
            if days_since(use.last_used, ctx.now) >= limit:
                yield ctx.finding(
                    row.arn,
                    USER,
                    f"{row.user}'s console password was last used"
                    f" {ago(use.last_used, ctx.now)}{when}",
                    {**evidence, "limit_days": limit},
                )
            continue
        if use.set_at is not None and not never_used_long_enough(use.set_at, ctx.now, limit, grace):
            continue  # a new console user, or a password set recently: not unused for N days yet
        if use.untracked:
            # no_information, and the password predates tracking: last use (if any) was before
            # October 2014, certainly older than any limit.
            yield ctx.finding(
                row.arn,
                USER,
                f"{row.user}'s console password has no recorded use since tracking began"
                " (October 2014)",
                {**evidence, "limit_days": limit, "tracking_since": "2014-10-20"},
            )
            continue
        if use.set_at is not None:
            yield ctx.finding(
                row.arn,
                USER,
                f"{row.user}'s console password was set {ago(use.set_at, ctx.now)} and has"
                f" never been used{when}",
                {**evidence, "limit_days": limit},
            )


@register(
    id="user.password_and_keys",
    title="User has both a console password and access keys",
    severity=Severity.LOW,
    risk="Mixing human sign-in and programmatic keys on one identity makes it both a person and"
    " a machine: the keys outlive the person's role and are hard to attribute.",
    remediation="Keep console users key-free (use short-lived credentials via IAM Identity"
    " Center or roles) and give automation its own role.",
    anchors=("ScoutSuite iam-user-with-password-and-key",),
    permissions=CREDENTIAL_REPORT_PERMISSIONS,
    requires=("credential_report",),
)
def user_password_and_keys(ctx: CheckContext) -> Iterator[Finding]:
    for row in user_rows(ctx.snapshot):
        active = active_key_slots(row)
        if has_password(row) and active:
            slots = " and ".join(str(s.number) for s in active)
            yield ctx.finding(
                row.arn,
                USER,
                f"{row.user} has a console password and active access key {slots}",
                {"user": row.user, "active_keys": [s.evidence() for s in active]},
            )
