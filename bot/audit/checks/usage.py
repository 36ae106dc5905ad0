"""principal.unused_services: permissions for services a principal has not used in a long time.

Fed by IAM's service last-accessed data, which an audit collects only when asked
(`iam-audit audit --last-accessed`: one report job per user and role). A principal AWS has
tracked for less than the threshold is not judged (its silence proves nothing yet), nor are
service-linked roles (AWS manages them). The fix is `rightsize`, which proves the smaller
policy keeps everything used.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from bot.audit.checks._aws_names import ROLE, USER
from bot.audit.findings import Finding, Severity
from bot.audit.registry import CheckContext, register
from bot.model.errors import InputError
from bot.model.snapshot import parse_aws_time

# IAM reports activity for at least the last 400 days (GenerateServiceLastAccessedDetails).
AWS_TRACKING_DAYS = 400
# "Recent activity usually appears within four hours" (GenerateServiceLastAccessedDetails,
# RoleLastUsed): the last hours of a report are not evidence of silence yet.
REPORTING_DELAY = timedelta(hours=4)
MAX_LISTED = 25


@register(
    id="principal.unused_services",
    title="Principal has permissions for services it has not used",
    severity=Severity.LOW,
    risk="Permissions nobody uses only serve an attacker who gets the principal's credentials:"
    " least privilege means removing them.",
    remediation="Right-size it: `iam-audit rightsize role/NAME` shows the used-only policies and"
    " the proof; `/iam-audit rightsize role/NAME` asks for approval and applies it, with undo.",
    anchors=("Access Advisor", "Access Analyzer unused access"),
    permissions=(
        "iam:GenerateServiceLastAccessedDetails",
        "iam:GetServiceLastAccessedDetails",
    ),
    requires=("authorization_details", "service_last_accessed"),
)
def unused_services(ctx: CheckContext) -> Iterator[Finding]:
    data = ctx.snapshot.service_last_accessed or {}
    days = ctx.threshold("service_unused_days")
    start = ctx.now - timedelta(days=days)
    earliest = ctx.now - timedelta(days=AWS_TRACKING_DAYS)
    principals = [(u, USER) for u in ctx.snapshot.users] + [
        (r, ROLE) for r in ctx.snapshot.roles if not r.is_service_linked
    ]
    for principal, resource_type in principals:
        services = data.get(principal.arn)
        if not services:
            continue
        tracked_since = max(principal.create_date or earliest, earliest)
        created = principal.create_date
        if created is not None and created > start - REPORTING_DELAY:
            continue  # tracked for less than the threshold (and the delay): nothing proven yet
        readable = {
            namespace: moment
            for namespace, when in services.items()
            if (moment := _when(when)) is not False
        }
        unused = sorted(
            namespace for namespace, moment in readable.items() if moment is None or moment < start
        )
        if not unused:
            continue
        used = sorted(set(readable) - set(unused))
        kind = "user" if resource_type == USER else "role"
        yield ctx.finding(
            principal.arn,
            resource_type,
            f"{kind} {principal.name} may use {len(services)} services and used"
            f" {len(used)} in the last {days} days; not used: {', '.join(unused[:MAX_LISTED])}"
            + (f" and {len(unused) - MAX_LISTED} more" if len(unused) > MAX_LISTED else "")
            + f". Right-size it: /iam-audit rightsize {kind}/{principal.name}",
            {
                "unused_services": unused,
                "used_services": used,
                "days": days,
                "tracked_since": tracked_since.isoformat(),
            },
        )


def _when(value: object) -> datetime | bool | None:
    """A stored last-authenticated time: None when AWS reported none (not used in the tracking
    period), False when it cannot be read (neither used nor unused: the service is left out)."""
    if not value:
        return None
    if not isinstance(value, str | datetime):
        return False
    try:
        return parse_aws_time(value)
    except InputError:
        return False
