"""Benchmark: ``iam-audit simulate --requests`` on a bulk file, requests per second.

    .venv/bin/python -m bench.simulate_bench [--requests 10000] [--repeat 3] \
        [--baseline-src DIR]... [--keep FILE]

Writes a JSON-lines file of mixed requests (identity policies alone, with a permissions
boundary, with SCPs, with a resource policy, cross-account, with conditions on MFA, source IP,
tags and time, policy variables), each line carrying its own policies as a bulk caller would
send them, then times the whole process (start-up included) answering it. ``--baseline-src``
(repeatable) times the ``bot`` package of another checkout on the same file (bench.audit_at),
so a change is measured before and after in one run, runs interleaved. Each tool's line gives
the median and best wall time and the median CPU time (user + system, steadier than wall time
on a shared machine), and the speed-up of this checkout over each baseline. Deterministic for
a seed.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.audit_bench import BENCH_DIR, BenchError, iam_audit_executable, measure, precompile

ACCOUNT = "123456789012"
OTHER = "210987654321"
USERS = [f"arn:aws:iam::{ACCOUNT}:user/{n}" for n in ("alice", "bob", "carol", "dev/dan")]
ROLES = [f"arn:aws:iam::{ACCOUNT}:role/{n}" for n in ("app", "ci-deploy", "etl")]
ACTIONS = (
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:ListBucket",
    "iam:PassRole",
    "iam:CreateAccessKey",
    "iam:PutUserPolicy",
    "ec2:RunInstances",
    "ec2:DescribeInstances",
    "lambda:InvokeFunction",
    "kms:Decrypt",
    "sts:AssumeRole",
    "dynamodb:GetItem",
    "secretsmanager:GetSecretValue",
)
RESOURCES = (
    "*",
    "arn:aws:s3:::data-bucket",
    "arn:aws:s3:::data-bucket/reports/2026/report.csv",
    "arn:aws:s3:::home-bucket/alice/notes.txt",
    f"arn:aws:iam::{ACCOUNT}:role/app",
    f"arn:aws:iam::{ACCOUNT}:user/alice",
    f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123456789abcdef0",
    f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:orders",
    f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    f"arn:aws:s3:::{OTHER}-shared/file",
    f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders",
)


def _statement(effect: str, actions: Any, resources: Any, condition: Any = None) -> dict:
    body: dict[str, Any] = {"Effect": effect, "Action": actions, "Resource": resources}
    if condition:
        body["Condition"] = condition
    return body


def _doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


IDENTITY = (
    _doc(_statement("Allow", ["s3:Get*", "s3:List*"], "*")),
    _doc(_statement("Allow", "s3:*", ["arn:aws:s3:::data-bucket", "arn:aws:s3:::data-bucket/*"])),
    _doc(
        _statement("Allow", "s3:*", "arn:aws:s3:::home-bucket/${aws:username}/*"),
        _statement("Allow", "s3:ListBucket", "arn:aws:s3:::home-bucket"),
    ),
    _doc(_statement("Allow", "*", "*", {"Bool": {"aws:MultiFactorAuthPresent": "true"}})),
    _doc(
        _statement("Allow", ["ec2:*", "iam:PassRole"], "*"),
        _statement(
            "Deny",
            "ec2:RunInstances",
            "*",
            {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}},
        ),
    ),
    _doc(
        _statement(
            "Allow",
            ["lambda:*", "dynamodb:*"],
            "*",
            {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        )
    ),
    _doc(
        {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"},
        _statement(
            "Allow",
            ["iam:CreateAccessKey", "iam:Get*"],
            f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}",
        ),
    ),
    _doc(
        _statement("Allow", ["kms:Decrypt", "secretsmanager:GetSecretValue"], "*"),
        _statement(
            "Deny", "*", "*", {"DateGreaterThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}
        ),
    ),
    _doc(_statement("Allow", "sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/*")),
)
BOUNDARIES = (
    _doc(_statement("Allow", ["s3:*", "dynamodb:*", "lambda:*", "kms:Decrypt"], "*")),
    _doc(_statement("Allow", "*", "*"), _statement("Deny", "iam:*", "*")),
)
SCPS = (
    [[_doc(_statement("Allow", "*", "*"))], [_doc(_statement("Deny", "iam:CreateAccessKey", "*"))]],
    [
        [
            _doc(_statement("Allow", "*", "*")),
            _doc(
                _statement(
                    "Deny",
                    "*",
                    "*",
                    {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}},
                )
            ),
        ]
    ],
)
RESOURCE_POLICIES = (
    _doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{OTHER}-shared/*",
        }
    ),
    _doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"},
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalTag/team": "data"}},
        }
    ),
)
CONTEXTS = (
    {},
    {"aws:MultiFactorAuthPresent": "true"},
    {"aws:MultiFactorAuthPresent": "false", "aws:SourceIp": "198.51.100.7"},
    {"aws:SourceIp": "203.0.113.9", "aws:RequestedRegion": "eu-west-1"},
    {"aws:RequestedRegion": "us-west-2", "aws:PrincipalTag/team": "data"},
)


def make_requests(count: int, seed: int = 0) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    requests = []
    for _ in range(count):
        request: dict[str, Any] = {
            "principal": rng.choice(USERS + ROLES),
            "action": rng.choice(ACTIONS),
            "resource": rng.choice(RESOURCES),
            "identity_policies": rng.sample(IDENTITY, rng.randint(1, 3)),
        }
        context = rng.choice(CONTEXTS)
        if context:
            request["context"] = context
        if rng.random() < 0.3:
            request["permission_boundaries"] = [rng.choice(BOUNDARIES)]
        if rng.random() < 0.3:
            request["scps"] = rng.choice(SCPS)
        if rng.random() < 0.2:
            request["resource_policy"] = rng.choice(RESOURCE_POLICIES)
        if request["resource"].startswith(f"arn:aws:s3:::{OTHER}"):
            request["resource_account"] = OTHER
        requests.append(request)
    return requests


def simulate_command(executable: list[str], requests: Path, output: Path) -> list[str]:
    return [*executable, "simulate", "--requests", str(requests), "-f", "json", "-o", str(output)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.simulate_bench", description=__doc__)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--baseline-src",
        type=Path,
        action="append",
        default=[],
        help="a checkout's source directory (holding `bot`) to time on the same file; repeatable",
    )
    parser.add_argument("--keep", type=Path, default=None, help="write the request file here")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.repeat < 1:
        print("--requests and --repeat must be at least 1", file=sys.stderr)
        return 2
    precompile(args.baseline_src)
    with tempfile.TemporaryDirectory(prefix="iam-audit-simulate-") as tmp:
        work = Path(tmp)
        path = args.keep or work / "requests.jsonl"
        lines = [
            json.dumps(r, separators=(",", ":")) for r in make_requests(args.requests, args.seed)
        ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        tools = {"iam-audit": [str(iam_audit_executable())]}
        now = datetime.now(UTC).isoformat()
        for number, source in enumerate(args.baseline_src):
            name = "iam-audit-before" if number == 0 else f"iam-audit-before-{number + 1}"
            tools[name] = [sys.executable, "-m", "bench.audit_at", "--src", str(source), now]
        walls: dict[str, list[float]] = {name: [] for name in tools}
        cpus: dict[str, list[float]] = {name: [] for name in tools}
        outputs: dict[str, str] = {}
        try:
            for _ in range(args.repeat):
                for name, executable in tools.items():  # interleaved
                    out = work / f"{name}.jsonl"
                    run = measure(
                        simulate_command(executable, path, out),
                        cwd=BENCH_DIR.parent,
                        log_path=work / f"{name}.log",
                        ok_codes=(0,),
                    )
                    walls[name].append(run.wall_s)
                    cpus[name].append(run.cpu_s)
                    outputs[name] = out.read_text(encoding="utf-8")
        except BenchError as exc:
            print(f"bench failed: {exc}", file=sys.stderr)
            return 2
    print(
        f"{args.requests} requests ({path.stat().st_size / 1e6:.1f} MB of JSON lines)"
        if args.keep
        else f"{args.requests} requests"
    )
    ours = statistics.median(walls["iam-audit"])
    for name, runs in walls.items():
        median = statistics.median(runs)
        rate = args.requests / median
        print(
            f"{name:<18} {median:7.2f} s (median of {len(runs)}, best {min(runs):.2f} s,"
            f" CPU {statistics.median(cpus[name]):.2f} s)  {rate:9.0f} requests/s"
        )
    for number, source in enumerate(args.baseline_src):
        name = "iam-audit-before" if number == 0 else f"iam-audit-before-{number + 1}"
        speedup = statistics.median(walls[name]) / ours
        cpu_speedup = statistics.median(cpus[name]) / statistics.median(cpus["iam-audit"])
        print(f"{name} is {source}: this checkout {speedup:.2f}x (CPU {cpu_speedup:.2f}x)")
    if len(outputs) > 1:
        same = all(text == outputs["iam-audit"] for text in outputs.values())
        print(f"answers identical before and after: {'yes' if same else 'NO'}")
        return 0 if same else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
