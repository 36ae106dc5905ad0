"""Benchmark of the principal-level checks on a synthetic account (default 5,000 users, 5,000
roles, 1,000 customer-managed policies), built with bench/synth.py.

Reports: the time of the full audit (every registered check, the principal ones included), the
time of the principal checks alone (and of each), how many per-policy decisions the sweep made
(evaluator calls, plus Resource-"*" statements decided per action) and at what rate, and how many
distinct policy sets the cache-by-set needed.

    .venv/bin/python -m bench.principal_bench [--users N --roles N --groups N --policies N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

from bench.synth import generate_account
from bot.audit.checks.principals import CREDENTIAL_ACTIONS, data_exfiltration_actions
from bot.audit.engine import run_audit
from bot.audit.gaad import snapshot_from_gaad
from bot.iam.catalogue import default_catalogue
from bot.iam.effective import (
    SHARED_KEY,
    PermissionIndex,
    decision_count,
    evaluation_count,
)
from bot.iam.privesc_methods import all_method_actions
from bot.model.snapshot import AccountSnapshot

PRINCIPAL_CHECKS = (
    "principal.admin_equivalent",
    "principal.privilege_escalation",
    "principal.data_exfiltration",
    "principal.credentials_exposure",
    "principal.resource_exposure",
    "user.admin_without_mfa",
    "user.mfa_not_enforced",
    "user.virtual_mfa_only",
)
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def run(users: int, roles: int, groups: int, policies: int, seed: int) -> dict[str, object]:
    started = time.perf_counter()
    account = generate_account(
        users=users, roles=roles, groups=groups, policies=policies, seed=seed, now=NOW
    )
    snapshot = snapshot_from_gaad(
        account.gaad, now=NOW, credential_report_csv=account.credential_report_csv
    )
    generated = time.perf_counter() - started
    default_catalogue().all_actions()  # load once, outside the timings (a server keeps it warm)

    evaluations_before = evaluation_count()
    decisions_before = decision_count()
    # run_audit treats an empty dict as "none given"; a marker key keeps ours.
    shared: dict = {"bench": "principal"}
    per_check: dict[str, float] = {}
    findings: Counter[str] = Counter()
    started = time.perf_counter()
    cpu_started = time.process_time()
    for check_id in PRINCIPAL_CHECKS:  # one at a time, sharing the cache, to time each
        check_started = time.perf_counter()
        report = run_audit(snapshot, now=NOW, only=[check_id], shared=shared)
        per_check[check_id] = round(time.perf_counter() - check_started, 2)
        findings.update(f.check_id for f in report.findings)
    principal_seconds = time.perf_counter() - started
    principal_cpu = time.process_time() - cpu_started
    evaluations = evaluation_count() - evaluations_before
    decisions = decision_count() - decisions_before
    index = shared[SHARED_KEY]

    sweep = sweep_rate(snapshot)

    started = time.perf_counter()
    cpu_started = time.process_time()
    full_report = run_audit(snapshot, now=NOW)
    full_seconds = time.perf_counter() - started
    full_cpu = time.process_time() - cpu_started

    return {
        "users": users,
        "roles": roles,
        "groups": groups,
        "policies": policies,
        "generate_seconds": round(generated, 2),
        # Wall and CPU time: on a shared machine the CPU time is the steadier figure.
        "principal_checks_seconds": round(principal_seconds, 2),
        "principal_checks_cpu_seconds": round(principal_cpu, 2),
        "full_audit_seconds": round(full_seconds, 2),
        "full_audit_cpu_seconds": round(full_cpu, 2),
        "principal_check_seconds": per_check,
        "evaluator_calls": evaluations,
        "policy_decisions": decisions,
        "policy_decisions_per_cpu_second": round(decisions / max(principal_cpu, 1e-9)),
        "sweep": sweep,
        "policy_sets": index.stats()["policy_sets"],
        "resolved_policies": index.stats()["resolved_policies"],
        "principal_findings": dict(findings),
        "full_findings": len(full_report.findings),
        "errors": [e.message for e in full_report.errors if e.kind == "check"],
        "catalogue_version": full_report.extra.get("catalogue_version"),
    }


def sweep_rate(snapshot: AccountSnapshot) -> dict[str, object]:
    """A principal-level sweep on a fresh index: every principal asked about every action an
    escalation method, exfiltration or credential check needs, on Resource `*`."""
    actions = sorted(all_method_actions() | set(CREDENTIAL_ACTIONS) | data_exfiltration_actions())
    index = PermissionIndex(snapshot, NOW)
    evaluator_calls = evaluation_count()
    started = time.perf_counter()
    cpu_started = time.process_time()
    allowed = 0
    for arn in index:
        perms = index[arn]
        allowed += sum(perms.can(action, "*") for action in actions)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    questions = len(index) * len(actions)
    return {
        "principals": len(index),
        "actions": len(actions),
        "questions": questions,
        "allowed": allowed,
        "evaluator_calls": evaluation_count() - evaluator_calls,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "questions_per_cpu_second": round(questions / max(cpu, 1e-9)),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--roles", type=int, default=5000)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--policies", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    result = run(args.users, args.roles, args.groups, args.policies, args.seed)
    print(json.dumps(result, indent=2))
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
