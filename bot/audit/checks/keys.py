"""Access-key checks: each key slot is judged on its own; inactive keys are ignored.

Per-key checks (``user.access_key_unused``, ``user.access_key_not_rotated``) report one finding
per key, on the resource ``<user ARN>#access_key_<slot>``, so rotating one key clears exactly
its own finding.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from bot.audit.checks._aws_names import ACCESS_KEY, CREDENTIAL_REPORT_PERMISSIONS, USER
from bot.audit.checks._credentials import (
    active_key_slots,
    ago,
    as_of_report,
    days_since,
    has_password,
    key_created,
    key_resource_arn,
    key_use_untracked,
    never_used_long_enough,
    user_rows,
)
from bot.audit.findings import Finding, Severity
from bot.audit.registry import CheckContext, register
from bot.model.snapshot import NOT_APPLICABLE


@register(
    id="user.access_key_unused",
    title="Access key unused",
    severity=Severity.MEDIUM,
    risk="An active key nobody uses is a standing credential that can leak without anyone"
    " noticing its use.",
    remediation="Deactivate the key, wait for complaints, then delete it.",
    anchors=("CIS 1.11", "Security Hub IAM.22", "Prowler iam_user_accesskey_unused"),
    permissions=CREDENTIAL_REPORT_PERMISSIONS,
    requires=("credential_report",),
)
def user_access_key_unused(ctx: CheckContext) -> Iterator[Finding]:
    """One finding per active key unused for N days or more (CIS 1.11: "45 days or greater").

    A used key counts from its last use; a key never used (``N/A``) from its creation, as the
    CIS audit reads it ("access keys that are over 45 days old and that have not been used"):
    a key created 30 days ago and not yet deployed has not been unused for 45 days. Keys
    younger than the grace period always pass. Resource: ``<user ARN>#access_key_<slot>``.
    An old report's date is named in the sentence, as for user.inactive: later use is not in it."""
    limit = ctx.threshold("access_key_unused_days")
    grace = ctx.threshold("grace_days")
    when = as_of_report(ctx.snapshot, ctx.now)
    for row in user_rows(ctx.snapshot):
        for slot in active_key_slots(row):
            evidence = {"user": row.user, **slot.evidence()}
            if slot.last_used is not None:
                if days_since(slot.last_used, ctx.now) >= limit:
                    yield ctx.finding(
                        key_resource_arn(row.arn, slot),
                        ACCESS_KEY,
                        f"{row.user}'s access key {slot.number} was last used"
                        f" {ago(slot.last_used, ctx.now)}{when}",
                        {**evidence, "limit_days": limit},
                    )
                continue
            created = key_created(row, slot)
            if created is None or not never_used_long_enough(created, ctx.now, limit, grace):
                continue
            if key_use_untracked(row, slot):
                # N/A also means "last used before AWS tracked key use" (2015-04-22).
                yield ctx.finding(
                    key_resource_arn(row.arn, slot),
                    ACCESS_KEY,
                    f"{row.user}'s access key {slot.number} is active and has no recorded use"
                    f" since tracking began (April 2015); it was created {ago(created, ctx.now)}"
                    f"{when}",
                    {**evidence, "limit_days": limit, "tracking_since": "2015-04-22"},
                )
                continue
            yield ctx.finding(
                key_resource_arn(row.arn, slot),
                ACCESS_KEY,
                f"{row.user}'s access key {slot.number} is active and has never been used"
                f" since it was created {ago(created, ctx.now)}{when}",
                {**evidence, "limit_days": limit},
            )


@register(
    id="user.access_key_not_rotated",
    title="Access key not rotated",
    severity=Severity.MEDIUM,
    risk="The longer a key lives, the more places it has been copied to and the likelier it has"
    " leaked.",
    remediation="Create a second key, move the workload to it, then deactivate and delete the"
    " old one (or replace the key by a role).",
    anchors=("CIS 1.13", "Security Hub IAM.3"),
    permissions=CREDENTIAL_REPORT_PERMISSIONS,
    requires=("credential_report",),
)
def user_access_key_not_rotated(ctx: CheckContext) -> Iterator[Finding]:
    """One finding per active key older than the limit (resource ``<user ARN>#access_key_<slot>``);
    inactive keys are ignored."""
    limit = ctx.threshold("access_key_max_age_days")
    for row in user_rows(ctx.snapshot):
        for slot in active_key_slots(row):
            if slot.last_rotated is not None and days_since(slot.last_rotated, ctx.now) > limit:
                yield ctx.finding(
                    key_resource_arn(row.arn, slot),
                    ACCESS_KEY,
                    f"{row.user}'s access key {slot.number} was created"
                    f" {ago(slot.last_rotated, ctx.now)}, more than {limit} days ago",
                    {
                        "user": row.user,
                        **slot.evidence(),
                        "age_days": days_since(slot.last_rotated, ctx.now),
                        "limit_days": limit,
                    },
                )


@register(
    id="user.two_active_keys",
    title="User has two active access keys",
    severity=Severity.MEDIUM,
    risk="Two live keys double the exposure; the second one is usually a forgotten rotation.",
    remediation="Find which key is in use (last-used date), then deactivate and delete the other.",
    anchors=("CIS 1.12",),
    permissions=CREDENTIAL_REPORT_PERMISSIONS,
    requires=("credential_report",),
)
def user_two_active_keys(ctx: CheckContext) -> Iterator[Finding]:
    for row in user_rows(ctx.snapshot):
        active = active_key_slots(row)
        if len(active) == 2:
            yield ctx.finding(
                row.arn,
                USER,
                f"{row.user} has two active access keys",
                {"user": row.user, "active_keys": [s.evidence() for s in active]},
            )


def _inside_grace(created: datetime | None, now: datetime, grace: int) -> bool:
    return created is not None and days_since(created, now) <= grace


@register(
    id="user.initial_access_key",
    title="Console user holds an access key never used",
    severity=Severity.LOW,
    risk="Keys handed out at user setup 'just in case' are rarely needed and never watched.",
    remediation="Delete the unused key; create keys only when the user actually needs them.",
    anchors=("CIS 1.10", "Prowler iam_user_no_setup_initial_access_key"),
    permissions=CREDENTIAL_REPORT_PERMISSIONS,
    requires=("credential_report",),
)
def user_initial_access_key(ctx: CheckContext) -> Iterator[Finding]:
    """A console user with an active key whose last-used date is N/A (never used).

    N/A also covers a key last used before AWS tracked key use (2015-04-22); a key created
    before that date may have been used, so it is left to user.access_key_unused. A key made
    within the grace period is a fresh rotation not used yet, not a key handed out at setup."""
    grace = ctx.threshold("grace_days")
    for row in user_rows(ctx.snapshot):
        if not has_password(row):
            continue
        never_used = [
            s
            for s in active_key_slots(row)
            if s.last_used is None
            and s.last_used_raw.strip().upper() == NOT_APPLICABLE
            and not key_use_untracked(row, s)
            and not _inside_grace(key_created(row, s), ctx.now, grace)
        ]
        if never_used:
            slots = " and ".join(str(s.number) for s in never_used)
            yield ctx.finding(
                row.arn,
                USER,
                f"console user {row.user} holds access key {slots}, never used since it was"
                " created",
                {"user": row.user, "unused_keys": [s.evidence() for s in never_used]},
            )
