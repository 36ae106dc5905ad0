"""What AWS says a principal used: service and action last-accessed data (pure).

Shapes follow IAM's GetServiceLastAccessedDetails (ServicesLastAccessed, each with
ServiceNamespace, LastAuthenticated and, for services AWS tracks per action,
TrackedActionsLastAccessed whose LastAccessedTime is null when the action was not used in the
tracking period) and Access Analyzer's unused-permission findings. IAM keeps at least the last
400 days; a principal younger than that has been tracked since it was created.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.model.errors import InputError
from bot.model.snapshot import parse_aws_time
from bot.render.grammar import plural

# IAM reports activity for at least the last 400 days (GenerateServiceLastAccessedDetails).
AWS_TRACKING_DAYS = 400
# "Recent activity usually appears within four hours" (GenerateServiceLastAccessedDetails): the
# newest hours of a report prove no silence yet.
REPORTING_DELAY = timedelta(hours=4)
DEFAULT_WINDOW_DAYS = 90
MAX_WINDOW_DAYS = AWS_TRACKING_DAYS


@dataclass(frozen=True, slots=True)
class ActionUsage:
    """One tracked action and when it was last used (None: not in the tracking period)."""

    action: str  # service:Name as AWS spells it
    last_accessed: datetime | None = None
    region: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceUsage:
    """One service the principal's policies allow, and when it was last authenticated."""

    namespace: str
    name: str = ""
    last_authenticated: datetime | None = None
    # None: AWS does not track this service per action (or the report was service-level).
    tracked_actions: tuple[ActionUsage, ...] | None = None

    def used_since(self, start: datetime) -> bool:
        return self.last_authenticated is not None and self.last_authenticated >= start

    @property
    def action_tracked(self) -> bool:
        return self.tracked_actions is not None

    def actions_used_since(self, start: datetime) -> frozenset[str]:
        return frozenset(
            a.action
            for a in self.tracked_actions or ()
            if a.last_accessed is not None and a.last_accessed >= start
        )

    def actions_unused_since(self, start: datetime) -> frozenset[str]:
        """Tracked actions AWS reports with no use since ``start``: the only ones it can vouch
        for; actions AWS does not track are never in this set."""
        return frozenset(
            a.action
            for a in self.tracked_actions or ()
            if a.last_accessed is None or a.last_accessed < start
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "namespace": self.namespace,
            "name": self.name,
            "last_authenticated": _iso(self.last_authenticated),
            "tracked_actions": None
            if self.tracked_actions is None
            else [
                {"action": a.action, "last_accessed": _iso(a.last_accessed), "region": a.region}
                for a in self.tracked_actions
            ],
        }


@dataclass(frozen=True, slots=True)
class AnalyzerUsage:
    """Access Analyzer's view: unused services/actions of its findings, and its recommendation."""

    analyzer_arn: str
    finding_ids: tuple[str, ...] = ()
    unused_services: tuple[str, ...] = ()
    unused_actions: tuple[str, ...] = ()
    recommendation: str = ""  # e.g. "2 steps: CREATE_POLICY, DETACH_POLICY"; "" when none
    recommended_policies: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "analyzer_arn": self.analyzer_arn,
            "finding_ids": list(self.finding_ids),
            "unused_services": list(self.unused_services),
            "unused_actions": list(self.unused_actions),
            "recommendation": self.recommendation,
        }


@dataclass(frozen=True, slots=True)
class UsageEvidence:
    """Everything read about one principal, with where it came from and its limits."""

    principal_arn: str
    generated_at: datetime
    tracked_since: datetime  # the later of the principal's creation and AWS's tracking start
    services: tuple[ServiceUsage, ...]
    sources: tuple[str, ...] = ("iam-last-accessed",)
    analyzer: AnalyzerUsage | None = None
    notes: tuple[str, ...] = field(default=())
    calls: int = 0  # AWS calls it took

    def tracking_days(self) -> int:
        return max(0, (self.generated_at - self.tracked_since).days)

    def proven_days(self) -> int:
        """Whole days of silence the report can prove for a principal created inside AWS's
        tracking period: its reporting delay excluded (AWS keeps at least 400 days, so an older
        principal has the whole period)."""
        if self.tracked_since <= self.generated_at - timedelta(days=AWS_TRACKING_DAYS):
            return self.tracking_days()
        return max(0, (self.generated_at - REPORTING_DELAY - self.tracked_since).days)

    def window_start(self, days: int) -> datetime:
        return self.generated_at - timedelta(days=days)

    def service(self, namespace: str) -> ServiceUsage | None:
        wanted = namespace.lower()
        return next((s for s in self.services if s.namespace.lower() == wanted), None)

    def check_window(self, days: int) -> None:
        """Refuse a window longer than what AWS has tracked (its silence would prove nothing)."""
        if not 1 <= days <= MAX_WINDOW_DAYS:
            raise InputError(f"the window must be 1 to {MAX_WINDOW_DAYS} days, not {days}")
        proven = self.proven_days()
        if proven < days:
            tracked = self.tracking_days()
            delay = (
                ""
                if proven == tracked
                else f" ({plural(proven, 'full day')} once the ~4 hours AWS takes to report use"
                " are left out)"
            )
            raise InputError(
                f"AWS has tracked {self.principal_arn.rsplit('/', 1)[-1]}"
                f" for {plural(tracked, 'day')}"
                f" only (since {self.tracked_since.date().isoformat()}){delay}, less than the"
                f" {days}-day window: an unused service could simply not have been needed yet."
                f" Nothing is proposed; use --days {max(proven, 1)} or wait."
                if proven
                else f"AWS has no tracking period for {self.principal_arn} yet; nothing proposed."
            )

    def used_services(self, days: int) -> tuple[str, ...]:
        start = self.window_start(days)
        return tuple(sorted(s.namespace for s in self.services if s.used_since(start)))

    def unused_services(self, days: int) -> tuple[str, ...]:
        start = self.window_start(days)
        return tuple(sorted(s.namespace for s in self.services if not s.used_since(start)))

    def used_actions(self, days: int) -> tuple[str, ...]:
        start = self.window_start(days)
        return tuple(sorted({a for s in self.services for a in s.actions_used_since(start)}))

    def to_dict(self) -> dict[str, Any]:
        return {
            "principal_arn": self.principal_arn,
            "generated_at": self.generated_at.isoformat(),
            "tracked_since": self.tracked_since.isoformat(),
            "tracking_days": self.tracking_days(),
            "sources": list(self.sources),
            "services": [s.to_dict() for s in self.services],
            "analyzer": self.analyzer.to_dict() if self.analyzer else None,
            "notes": list(self.notes),
            "calls": self.calls,
        }


def tracking_start(created: datetime | None, generated_at: datetime) -> datetime:
    """Since when AWS has data: the principal's creation, at most AWS_TRACKING_DAYS back."""
    earliest = generated_at - timedelta(days=AWS_TRACKING_DAYS)
    if created is None:
        return earliest
    return max(created, earliest)


def services_from_report(entries: Iterable[Mapping[str, Any]]) -> tuple[ServiceUsage, ...]:
    """ServicesLastAccessed entries (GetServiceLastAccessedDetails) as ServiceUsage, sorted.

    A null time means "not used in the tracking period" (IAM API reference); a time that cannot
    be read proves nothing, so its service (or tracked action) is left out of the evidence, and
    what the report does not mention is never taken away.
    """
    services: list[ServiceUsage] = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        namespace = str(entry.get("ServiceNamespace") or "").strip()
        if not namespace:
            continue
        last = _time(entry.get("LastAuthenticated"))
        if last is False:
            continue
        tracked_raw = entry.get("TrackedActionsLastAccessed")
        tracked: tuple[ActionUsage, ...] | None = None
        if isinstance(tracked_raw, list | tuple):
            tracked = tuple(
                ActionUsage(
                    action=_qualified(namespace, str(item.get("ActionName"))),
                    last_accessed=moment,
                    region=item.get("LastAccessedRegion"),
                )
                for item in tracked_raw
                if isinstance(item, Mapping)
                and item.get("ActionName")
                and (moment := _time(item.get("LastAccessedTime"))) is not False
            )
        services.append(
            ServiceUsage(
                namespace=namespace,
                name=str(entry.get("ServiceName") or namespace),
                last_authenticated=last,
                tracked_actions=tracked,
            )
        )
    return tuple(sorted(services, key=lambda s: s.namespace))


def _time(value: Any) -> datetime | bool | None:
    """None for a null (unused in the tracking period), False for a value that is no time."""
    if value is None or value == "":
        return None
    if not isinstance(value, str | datetime):
        return False
    try:
        return parse_aws_time(value)
    except InputError:
        return False


def _qualified(namespace: str, action: str) -> str:
    return action if ":" in action else f"{namespace}:{action}"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
