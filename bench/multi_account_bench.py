"""Benchmark: audit 50 AWS Organizations member accounts (moto) with bounded concurrency.

Sets up an organization in moto with ``--accounts`` members, each holding ``--users`` users (half
with an access key, a group and an attached policy) and ``--roles`` roles, then runs the real
multi-account path: Organizations ListAccounts, STS AssumeRole with an ExternalId into each
member, the full collector and every registered check. It runs once per ``--workers`` value and
reports the wall time, the time per account (wall / accounts) and the distribution of each
account's own collection time.

moto answers in-process, so the figures measure our code plus moto's, not AWS's latency; the
threads overlap only where moto releases the GIL. With real AWS each account waits on the
network, and concurrency pays off more than it does here.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from bot.audit.engine import run_audit
from bot.aws.collect import collect_snapshot
from bot.aws.organizations import AssumeRoleOptions, collect_accounts, list_accounts
from bot.organizations.pipeline import with_hub_organization_policies

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_JSON = BENCH_DIR / "out" / "multi_account_bench.json"
ROLE = "iam-audit-member"
EXTERNAL_ID = "iam-audit-bench-external-id"


@dataclass
class Run:
    workers: int
    accounts: int
    audited: int
    failed: int
    wall_seconds: float
    seconds_per_account: float
    account_seconds_median: float
    account_seconds_p95: float
    account_seconds_max: float
    findings: int


def _member_client(sts: Any, account: str, service: str) -> Any:
    credentials = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="bench-setup"
    )["Credentials"]
    return boto3.client(
        service,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name="us-east-1",
    )


def populate(accounts: int, users: int, roles: int) -> list[str]:
    """The organization and its members' IAM contents (inside an active moto mock)."""
    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    ids = [
        org.create_account(Email=f"bench{i}@example.com", AccountName=f"bench-{i}")[
            "CreateAccountStatus"
        ]["AccountId"]
        for i in range(accounts)
    ]
    sts = boto3.client("sts", region_name="us-east-1")
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
    for account in ids:
        iam = _member_client(sts, account, "iam")
        iam.create_group(GroupName="developers")
        policy = iam.create_policy(
            PolicyName="s3-read",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
                }
            ),
        )["Policy"]["Arn"]
        iam.attach_group_policy(GroupName="developers", PolicyArn=policy)
        for index in range(users):
            name = f"user-{index}"
            iam.create_user(UserName=name)
            if index % 2 == 0:
                iam.create_access_key(UserName=name)
                iam.add_user_to_group(GroupName="developers", UserName=name)
        for index in range(roles):
            iam.create_role(RoleName=f"role-{index}", AssumeRolePolicyDocument=trust)
        iam.generate_credential_report()  # fresh, so the audit reuses it instead of polling
    return ids


def run_once(workers: int) -> Run:
    now = datetime.now(UTC)
    hub = boto3.Session(region_name="us-east-1")
    started = time.perf_counter()
    account_ids = [a.account_id for a in list_accounts(hub)]
    outcomes = collect_accounts(
        hub,
        account_ids,
        collect=with_hub_organization_policies(  # as the pipeline: the hub reads SCPs and RCPs
            lambda session, _id: collect_snapshot(
                session, now=now, sleep=lambda _s: None, organization_policies=False
            ),
            hub,
        ),
        options=AssumeRoleOptions(role_name=ROLE, external_id=EXTERNAL_ID),
        max_workers=workers,
    )
    reports = [run_audit(o.value, now=now) for o in outcomes if o.value is not None]
    wall = time.perf_counter() - started
    per_account = sorted(o.seconds for o in outcomes)
    p95 = per_account[max(0, round(0.95 * len(per_account)) - 1)] if per_account else 0.0
    return Run(
        workers=workers,
        accounts=len(account_ids),
        audited=len(reports),
        failed=sum(1 for o in outcomes if not o.ok),
        wall_seconds=round(wall, 3),
        seconds_per_account=round(wall / max(1, len(account_ids)), 4),
        account_seconds_median=round(statistics.median(per_account), 4) if per_account else 0.0,
        account_seconds_p95=round(p95, 4),
        account_seconds_max=round(per_account[-1], 4) if per_account else 0.0,
        findings=sum(len(r.findings) for r in reports),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50, help="member accounts (default 50)")
    parser.add_argument("--users", type=int, default=20, help="users per account (default 20)")
    parser.add_argument("--roles", type=int, default=10, help="roles per account (default 10)")
    parser.add_argument(
        "--workers", default="1,8", help="comma-separated concurrency levels (default 1,8)"
    )
    parser.add_argument("--json", default=str(DEFAULT_JSON), help="where to write the figures")
    args = parser.parse_args(argv)
    levels = [int(w) for w in args.workers.split(",") if w.strip()]

    for name, value in {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ.setdefault(name, value)
    # moto lacks ListOrganizationsFeatures, and its member credential reports have no root row
    # (so the root checks become error entries): both are logged per account; keep the output
    # to the figures.
    logging.getLogger("bot.aws.collect").setLevel(logging.ERROR)
    logging.getLogger("bot.audit.engine").setLevel(logging.CRITICAL)
    with mock_aws():
        setup_started = time.perf_counter()
        populate(args.accounts, args.users, args.roles)
        setup = time.perf_counter() - setup_started
        runs = [run_once(workers) for workers in levels]

    result = {
        "benchmark": "multi_account",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "accounts": args.accounts,
        "users_per_account": args.users,
        "roles_per_account": args.roles,
        "setup_seconds": round(setup, 2),
        "runs": [asdict(run) for run in runs],
    }
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"{args.accounts} member accounts (+ the management account), {args.users} users and"
        f" {args.roles} roles each; set-up {setup:.1f} s"
    )
    print(
        f"{'workers':>8} {'audited':>8} {'failed':>7} {'wall s':>8} {'s/account':>10}"
        f" {'median':>8} {'p95':>8} {'max':>8}"
    )
    for run in runs:
        print(
            f"{run.workers:>8} {run.audited:>8} {run.failed:>7} {run.wall_seconds:>8.2f}"
            f" {run.seconds_per_account:>10.3f} {run.account_seconds_median:>8.3f}"
            f" {run.account_seconds_p95:>8.3f} {run.account_seconds_max:>8.3f}"
        )
    print(f"figures written to {path}")
    return 0 if all(run.failed == 0 for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
