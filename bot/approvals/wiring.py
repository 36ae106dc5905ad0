"""Builds the approvals desk from Settings: stores, audit trail, AWS executor, impact and lint.

Kept apart from bot/runtime/services.py so the approvals feature plugs in with one line there.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.approvals.catalogue import PolicyCatalogue, load_catalogue
from bot.approvals.desk import ApprovalDesk, Executor
from bot.approvals.rules import ApprovalRules
from bot.config.settings import Settings
from bot.iam.effective import PermissionIndex
from bot.iam.impact import PolicyChange, change_impact
from bot.model.errors import CollectionError, InputError, RemediationError
from bot.model.snapshot import AccountSnapshot
from bot.remediation.plan import MAX_SIMULATED_MEMBERS, Plan
from bot.store.approvals import make_approval_store
from bot.store.audit_log import AuditEntry, make_audit_log

log = logging.getLogger(__name__)

MAX_LISTED = 40
SnapshotSource = Callable[[], AccountSnapshot]


def summarize_impact(
    snapshot: AccountSnapshot, plan: Plan, *, second_opinion: SecondOpinion | None = None
) -> dict[str, Any]:
    """Actions gained and lost, admin/escalation changes and lock-out risks, per principal;
    with ``second_opinion``, what AWS's policy simulator says about the same requests."""
    spec = plan.impact_change or {}
    # A policy created on apply has no ARN yet: give it the one it will have in this account.
    arn = spec.get("policy_arn") or (
        f"arn:{snapshot.partition}:iam::{snapshot.account_id}:policy/{spec.get('policy_name')}"
    )
    # A change to a group is judged on its members, as a change to that group (not to the user).
    group = plan.target.name if plan.target.kind == "group" else None
    change = PolicyChange(
        kind=spec["kind"], policy_arn=arn, document=spec.get("document"), group=group
    )
    principals = _principals(snapshot, plan.target.kind, plan.target.name)
    index = PermissionIndex(snapshot, snapshot.collected_at)  # shared: members share policy sets
    gained: set[str] = set()
    lost: set[str] = set()
    lockouts: list[str] = []
    notes: list[str] = []
    becomes_admin = escalates = False
    escalation: list[str] = []
    for arn in principals:
        impact = change_impact(snapshot, arn, change, index=index)
        gained.update(impact.actions_gained)
        lost.update(a for a in impact.lost)
        lockouts.extend(f"{arn.rsplit('/', 1)[-1]}: {r.message}" for r in impact.lockout_risks)
        becomes_admin = becomes_admin or impact.becomes_admin
        escalates = escalates or impact.escalates
        if impact.escalation:
            escalation.append(impact.escalation)
        notes.extend(impact.notes)
    opinion = {}
    if second_opinion is not None and principals:
        changed = sorted(gained | lost)
        opinion = {"second_opinion": second_opinion(snapshot, principals[0], change, changed)}
    return {
        **opinion,
        "simulated_on": principals,
        "snapshot_at": snapshot.collected_at.isoformat(),
        "gained": sorted(gained)[:MAX_LISTED],
        "gained_count": len(gained),
        "lost": sorted(lost)[:MAX_LISTED],
        "lost_count": len(lost),
        "lockout": lockouts,
        "becomes_admin": becomes_admin,
        "escalates": escalates,
        "escalation": escalation[:MAX_LISTED],
        "notes": sorted(set(notes))[:5],
    }


def _principals(snapshot: AccountSnapshot, kind: str, name: str) -> list[str]:
    if kind == "user":
        found = [u.arn for u in snapshot.users if u.name == name]
    elif kind == "role":
        found = [r.arn for r in snapshot.roles if r.name == name]
    elif kind == "group":
        found = [u.arn for u in snapshot.users if name in u.groups][:MAX_SIMULATED_MEMBERS]
        if not found and any(g.name == name for g in snapshot.groups):
            raise InputError(f"group {name} has no members to simulate")
    else:
        found = []
    if not found:
        raise InputError(f"{kind} {name} is not in the account data of the last audit")
    return found


# --- AWS's policy simulator as a second opinion on the preview -----------------------------------

SECOND_OPINION_ACTIONS = 20  # one SimulateCustomPolicy call; the preview lists 40 at most
SecondOpinion = Callable[[AccountSnapshot, str, PolicyChange, list[str]], dict[str, Any]]


def aws_second_opinion(make_simulator: Callable[[], Any]) -> SecondOpinion:
    """Ask AWS's simulator about the actions the change gains or loses, for the first principal,
    with the policies it will have; never fails the preview (reasons become the summary)."""
    from bot.aws.policy_simulator import second_opinion  # noqa: PLC0415 - boto3 when used
    from bot.iam.evaluator import Evaluator, Request  # noqa: PLC0415
    from bot.iam.second_opinion import (  # noqa: PLC0415
        NotComparable,
        difference_lines,
        policies_after_change,
        summary,
    )

    def ask(
        snapshot: AccountSnapshot, principal: str, change: PolicyChange, actions: list[str]
    ) -> dict[str, Any]:
        if not actions:
            return {"summary": "no action changes, so there was nothing to ask AWS's simulator"}
        try:
            policies = policies_after_change(snapshot, principal, change)
        except (InputError, NotComparable) as exc:
            return {"summary": f"only the local engine answered: {exc}"}
        evaluator = Evaluator(policies)
        requests = [
            Request(principal, action, "*", resource_is_pattern=True)
            for action in actions[:SECOND_OPINION_ACTIONS]
        ]
        evaluated = [(r, policies, evaluator.evaluate(r)) for r in requests]
        comparisons = second_opinion(evaluated, make_simulator)
        return {
            "summary": summary(comparisons),
            "differences": difference_lines(comparisons, limit=5),
        }

    return ask


def live_simulator(settings: Settings) -> Callable[[], Any]:
    """AWS's simulator for the configured profile/region; demo mode has none to ask."""

    cache: list[Any] = []

    def make() -> Any:
        if settings.demo:
            raise CollectionError("demo mode has no AWS account to ask")
        if not cache:
            from bot.aws.policy_simulator import from_session  # noqa: PLC0415 - boto3 when used
            from bot.aws.session import make_session  # noqa: PLC0415

            session = make_session(
                profile=settings.aws_profile or None, region=settings.aws_region or None
            )
            cache.append(from_session(session))
        return cache[0]

    return make


def lint_document(document: dict[str, Any]) -> list[dict[str, Any]]:
    from bot.iam.catalogue import default_catalogue  # noqa: PLC0415 - loads the catalogue lazily
    from bot.iam.linter import lint_policy  # noqa: PLC0415

    return [f.to_dict() for f in lint_policy(document, catalogue=default_catalogue())]


def live_executor(settings: Settings) -> Callable[[], Executor]:
    """The boto3 executor for the configured profile/region, built on first use."""
    cache: list[Executor] = []

    def make() -> Executor:
        if settings.demo:
            raise RemediationError(
                "Demo mode has no AWS account to change; run the bot against an account to apply."
            )
        if not cache:
            from bot.aws.remediate import RemediationExecutor  # noqa: PLC0415 - boto3 when used
            from bot.aws.session import make_session  # noqa: PLC0415

            session = make_session(
                profile=settings.aws_profile or None, region=settings.aws_region or None
            )
            cache.append(RemediationExecutor(session, region=settings.aws_region or None))
        return cache[0]

    return make


def build_approval_desk(
    settings: Settings,
    *,
    clock: Callable[[], datetime],
    snapshot_source: SnapshotSource | None = None,
    executor: Callable[[], Executor] | None = None,
    rules: ApprovalRules | None = None,
    second_opinion: SecondOpinion | None = None,
) -> ApprovalDesk:
    """Wire the desk; nothing connects here (Redis and AWS are reached on first use)."""
    from bot.aws.remediate import explain_change, fingerprint  # noqa: PLC0415

    def impact_of(plan: Plan) -> dict[str, Any]:
        if snapshot_source is None:
            raise InputError("no account data to simulate on")
        opinion = second_opinion or aws_second_opinion(live_simulator(settings))
        return summarize_impact(snapshot_source(), plan, second_opinion=opinion)

    try:
        catalogue = load_catalogue(os.environ.get("IAM_AUDIT_POLICIES_DIR") or None)
    except InputError as exc:  # the bot still runs; `policies` then says the catalogue is empty
        log.warning("policy catalogue unavailable: %s", exc)
        catalogue = PolicyCatalogue(directory=Path("policies"), templates=())
    return ApprovalDesk(
        rules=rules or getattr(settings, "approvals", None) or ApprovalRules(),
        store=make_approval_store(settings.redis_url),
        trail=make_audit_log(settings.redis_url),
        executor=executor or live_executor(settings),
        clock=clock,
        catalogue=catalogue,
        fingerprint=fingerprint,
        explain=explain_change,
        entry=AuditEntry,
        impact_of=impact_of,
        lint=lint_document,
    )
