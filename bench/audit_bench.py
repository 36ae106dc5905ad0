"""Benchmark: our full audit against Cloudsplaining's ``scan`` on the same synthetic GAAD.

Both tools run as separate processes on the same file, one after the other, ``--repeat`` times;
each run's wall time, CPU time and peak RSS come from ``os.wait4`` on that child (so one run's
memory never leaks into another's figure). Cloudsplaining lives in its own virtualenv
(``bench/.venv-cloudsplaining``, created on first use) because its pinned dependencies must not
touch the project's environment.

Three account shapes (``--shape``, default all three, one after the other), each with its
targets (issues 2, 3 and 12):

- ``shared``: 5,000 users + 5,000 roles + 200 groups + 1,000 customer policies drawn with heavy
  reuse (a few popular policies everywhere, so many principals share a policy set): >= 30x
  Cloudsplaining, < 500 MB;
- ``distinct``: the same size, but almost every principal has its own random subset of the
  customer policies and 20% of users / 30% of roles an inline policy (``synth --distinct 1``):
  >= 30x Cloudsplaining, < 400 MB;
- ``aws-managed``: 1,000 users + 2,000 roles each attaching 2-3 of the AWS-managed policies moto
  ships (their real documents): >= 10x Cloudsplaining.

``--baseline-src DIR`` adds a third tool, the ``bot`` package found in DIR (e.g. a ``git archive``
of an older commit), to measure an engine change before and after in the same run.
Exit 0 = every target met (or another size was asked for: the targets are defined for the
default sizes only), 1 = a target missed, 2 = a tool failed or the set-up did not work.
"""

from __future__ import annotations

import argparse
import compileall
import io
import json
import os
import platform
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.synth import non_negative_int

BENCH_DIR = Path(__file__).resolve().parent
CLOUDSPLAINING_VENV = BENCH_DIR / ".venv-cloudsplaining"
CLOUDSPLAINING_REQUIREMENT = "cloudsplaining==0.9.1"
DEFAULT_JSON = BENCH_DIR / "out" / "audit_bench.json"

TARGET_SPEEDUP = 30.0
TARGET_PEAK_MB = 500.0
# The account size the targets are defined for (users, roles, groups, customer policies).
TARGET_SIZE = (5000, 5000, 200, 1000)


@dataclass(frozen=True)
class Shape:
    """One benchmark account: its generator settings and the targets defined for it."""

    name: str
    size: tuple[int, int, int, int]  # users, roles, groups, customer policies
    distinct: float
    synth_shape: str
    speedup: float
    peak_mb: float
    label: str


SHAPES: dict[str, Shape] = {
    shape.name: shape
    for shape in (
        Shape(
            "shared",
            TARGET_SIZE,
            0.0,
            "customer",
            30.0,
            500.0,
            "shared policy sets (popular policies reused everywhere)",
        ),
        Shape(
            "distinct",
            TARGET_SIZE,
            1.0,
            "customer",
            30.0,
            400.0,
            "distinct policy sets (own subsets, 20%/30% inline policies)",
        ),
        Shape(
            "aws-managed",
            (1000, 2000, 20, 0),
            0.0,
            "aws-managed",
            10.0,
            500.0,
            "AWS-managed policies (2-3 of moto's 1,500+ per principal)",
        ),
    )
}

# Cloudsplaining's risk categories (its report's columns); InfrastructureModification is its
# informational list of every write action, not a risk, so it is not counted as a finding.
CLOUDSPLAINING_RISKS = (
    "PrivilegeEscalation",
    "DataExfiltration",
    "ResourceExposure",
    "ServiceWildcard",
    "CredentialsExposure",
)
CLOUDSPLAINING_POLICY_SECTIONS = (
    "aws_managed_policies",
    "customer_managed_policies",
    "inline_policies",
)


class BenchError(Exception):
    """The benchmark could not run (a tool failed, the virtualenv could not be built...)."""


@dataclass
class Run:
    """One measured run of one tool."""

    wall_s: float
    cpu_s: float
    peak_mb: float
    exit_code: int


@dataclass
class ToolResult:
    name: str
    command: list[str]
    runs: list[Run] = field(default_factory=list)
    findings: int | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def wall_median(self) -> float:
        return statistics.median(run.wall_s for run in self.runs)

    @property
    def cpu_median(self) -> float:
        return statistics.median(run.cpu_s for run in self.runs)

    @property
    def peak_max(self) -> float:
        return max(run.peak_mb for run in self.runs)


# --- measuring a child process ----------------------------------------------------------------


def measure(command: Sequence[str], *, cwd: Path, log_path: Path, ok_codes: Sequence[int]) -> Run:
    """Run ``command`` once; wall time around the child, CPU and peak RSS from its own rusage."""
    with log_path.open("wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen(list(command), cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        # wait4 returns this child's rusage (it plus the children it reaped), not the running
        # maximum over every child this process ever had, which RUSAGE_CHILDREN would give.
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in ok_codes:
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise BenchError(
            f"{command[0]} exited with {process.returncode}; last output:\n{tail.strip()}"
        )
    return Run(
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_mb=usage.ru_maxrss / 1024,  # Linux reports kilobytes
        exit_code=process.returncode,
    )


# --- the two tools ----------------------------------------------------------------------------


def precompile(sources: Sequence[Path]) -> None:
    """Write the bytecode of every module the timed processes import, as an installed package
    has it (pip compiles at install; Cloudsplaining's virtualenv has it). Without this, a
    machine with PYTHONDONTWRITEBYTECODE set (this CI's does) compiles every module from
    source on every run: a tenth of a second of each iam-audit figure that no user pays."""
    project = BENCH_DIR.parent
    for source in (project, *sources):
        for package in ("bot", "commands", "bench"):
            if (source / package).is_dir():
                compileall.compile_dir(source / package, quiet=1)


def iam_audit_executable() -> Path:
    """The ``iam-audit`` console script of the environment running this benchmark."""
    beside = Path(sys.executable).parent / "iam-audit"
    if beside.exists():
        return beside
    found = shutil.which("iam-audit")
    if found:
        return Path(found)
    raise BenchError("`iam-audit` is not installed here; run `make bench` or `pip install -e .`")


def ours_command(gaad: Path, report_csv: Path, output: Path) -> list[str]:
    return [
        str(iam_audit_executable()),
        "audit",
        "--gaad",
        str(gaad),
        "--credential-report",
        str(report_csv),
        "--format",
        "json",
        "--output",
        str(output),
    ]


def baseline_command(source: Path, now: datetime, gaad: Path, report_csv: Path, output: Path):
    """Our audit with the ``bot`` package of another checkout (see bench.audit_at)."""
    return [
        sys.executable,
        "-m",
        "bench.audit_at",
        "--src",
        str(source),
        now.isoformat(),
        *ours_command(gaad, report_csv, output)[1:],
    ]


def count_our_findings(report_path: Path) -> tuple[int, dict[str, Any]]:
    report = json.loads(report_path.read_text(encoding="utf-8"))
    by_check: dict[str, int] = {}
    for finding in report["findings"]:
        by_check[finding["check_id"]] = by_check.get(finding["check_id"], 0) + 1
    details = {
        "summary": report.get("summary"),
        "checks_run": len(report.get("checks", [])),
        "checks": report.get("checks", []),
        "skipped": [skipped["check_id"] for skipped in report.get("skipped", [])],
        "errors": report.get("errors", []),
        "findings_by_check": dict(sorted(by_check.items())),
    }
    return len(report["findings"]), details


def ensure_cloudsplaining(venv: Path = CLOUDSPLAINING_VENV) -> Path:
    """Cloudsplaining's console script, building its private virtualenv on first use."""
    executable = venv / "bin" / "cloudsplaining"
    if executable.exists():
        return executable
    python = shutil.which("python3.11") or sys.executable
    print(f"Creating {venv} and installing {CLOUDSPLAINING_REQUIREMENT} (first run only)...")
    steps = [
        [python, "-m", "venv", str(venv)],
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--upgrade", "pip"],
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            CLOUDSPLAINING_REQUIREMENT,
        ],
    ]
    for step in steps:
        completed = subprocess.run(step, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            raise BenchError(
                f"could not set up Cloudsplaining ({' '.join(step[:4])}...): "
                f"{(completed.stderr or completed.stdout).strip()[-1500:]}"
            )
    if not executable.exists():
        raise BenchError(f"{CLOUDSPLAINING_REQUIREMENT} installed no `cloudsplaining` script")
    return executable


def cloudsplaining_version(executable: Path) -> str:
    completed = subprocess.run(
        [str(executable), "--version"], capture_output=True, text=True, check=False
    )
    return completed.stdout.strip().rsplit(" ", 1)[-1] or "unknown"


def cloudsplaining_command(executable: Path, gaad: Path, output_dir: Path) -> list[str]:
    return [
        str(executable),
        "scan",
        "--input-file",
        str(gaad),
        "--output",
        str(output_dir),
        "--skip-open-report",
    ]


def count_cloudsplaining_findings(output_dir: Path, stem: str) -> tuple[int, dict[str, Any]]:
    """Findings = (policy, risk category) pairs with at least one flagged action.

    That is how Cloudsplaining's own report counts them: per policy, one line per risk type.
    """
    path = output_dir / f"iam-findings-{stem}.json"
    results = json.loads(path.read_text(encoding="utf-8"))
    pairs = 0
    per_risk = dict.fromkeys(CLOUDSPLAINING_RISKS, 0)
    flagged_actions = 0
    for section in CLOUDSPLAINING_POLICY_SECTIONS:
        for policy in results.get(section, {}).values():
            if policy.get("is_excluded"):
                continue
            for risk in CLOUDSPLAINING_RISKS:
                found = policy.get(risk, {}).get("findings", [])
                if found:
                    pairs += 1
                    per_risk[risk] += 1
                    flagged_actions += len(found)
    details = {
        "findings_by_risk": per_risk,
        "flagged_actions": flagged_actions,
        "policies_scanned": sum(
            len(results.get(section, {})) for section in CLOUDSPLAINING_POLICY_SECTIONS
        ),
    }
    return pairs, details


# --- the benchmark ----------------------------------------------------------------------------


def run_bench(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    now = datetime.now(UTC).replace(microsecond=0)
    started = time.perf_counter()
    gaad_path, report_path, described = generate_in_child(args, work, now)
    generated_in = time.perf_counter() - started
    gaad_mb = gaad_path.stat().st_size / 1e6
    print(
        f"Synthetic account: {described}; gaad.json {gaad_mb:.1f} MB, "
        f"generated in {generated_in:.1f} s"
    )

    ours_output = work / "iam-audit-report.json"
    ours = ToolResult("iam-audit", ours_command(gaad_path, report_path, ours_output))
    tools = [ours]
    if getattr(args, "baseline_src", None):
        before_output = work / "iam-audit-before-report.json"
        command = baseline_command(args.baseline_src, now, gaad_path, report_path, before_output)
        tools.append(ToolResult("iam-audit-before", command))
        # Both engines at the same fixed clock, so their reports compare finding by finding.
        ours.command = [
            sys.executable,
            "-m",
            "bench.audit_at",
            now.isoformat(),
            *ours.command[1:],
        ]
    cloudsplaining: ToolResult | None = None
    if not args.skip_cloudsplaining:
        executable = ensure_cloudsplaining()
        output_dir = work / "cloudsplaining"
        output_dir.mkdir(exist_ok=True)
        cloudsplaining = ToolResult(
            "cloudsplaining", cloudsplaining_command(executable, gaad_path, output_dir)
        )
        cloudsplaining.details["version"] = cloudsplaining_version(executable)
        tools.append(cloudsplaining)

    for repetition in range(1, args.repeat + 1):
        for tool in tools:  # interleaved, so a noisy neighbour hurts both tools alike
            # exit 1 = findings at or above --fail-on; we pass no --fail-on, but accept it.
            ok = (0, 1) if tool.name.startswith("iam-audit") else (0,)
            cwd = BENCH_DIR.parent if "bench.audit_at" in tool.command else work
            run = measure(tool.command, cwd=cwd, log_path=work / f"{tool.name}.log", ok_codes=ok)
            tool.runs.append(run)
            print(
                f"  run {repetition}/{args.repeat} {tool.name:<15} {run.wall_s:8.2f} s wall "
                f"{run.cpu_s:8.2f} s cpu {run.peak_mb:8.1f} MB peak",
                flush=True,
            )

    # Measured now, before reading the (large) outputs: the floor under the runs' peaks.
    floor_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ours.findings, ours.details = count_our_findings(ours_output)
    for tool in tools:
        if tool.name == "iam-audit-before":
            before_report = work / "iam-audit-before-report.json"
            tool.findings, tool.details = count_our_findings(before_report)
            tool.details["differences"] = compare_in_child(before_report, ours_output)
    if cloudsplaining is not None:
        found, details = count_cloudsplaining_findings(work / "cloudsplaining", gaad_path.stem)
        cloudsplaining.findings = found
        cloudsplaining.details.update(details)

    if args.profile:
        profile_ours(ours.command, work, args.json.parent / "iam-audit.prof")
    return summarise(args, tools, gaad_mb, generated_in, now, bench_peak_mb=floor_mb)


def compare_in_child(before: Path, after: Path) -> list[str]:
    """bench.compare_reports in a child process: loading two large reports here would raise
    this process's peak memory, and with it the floor under every later tool's figure."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.compare_reports", str(before), str(after)],
        cwd=BENCH_DIR.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode == 0:
        return []
    if done.returncode == 1:
        return done.stdout.strip().splitlines()
    raise BenchError(f"comparing the reports failed: {done.stderr.strip()[-1500:]}")


_PROFILE_RUNNER = """\
import cProfile, sys
from bot.cli import main
out = sys.argv.pop(1)
cProfile.run("main(sys.argv[1:])", out)
"""


def profile_ours(command: list[str], work: Path, profile_path: Path) -> None:
    """One extra, unmeasured run of our audit under cProfile; print where the time goes."""
    profile_path.parent.mkdir(parents=True, exist_ok=True)
    profile_path.unlink(missing_ok=True)
    # Not the console script: it ends with os._exit, which would skip writing the profile.
    profiled = [sys.executable, "-c", _PROFILE_RUNNER, str(profile_path), *command[1:]]
    measure(profiled, cwd=work, log_path=work / "profile.log", ok_codes=(0, 1))
    if not profile_path.exists():
        raise BenchError(f"the profiled run wrote no profile to {profile_path}")
    stream = io.StringIO()
    stats = pstats.Stats(str(profile_path), stream=stream)
    stats.sort_stats("cumulative").print_stats(r"/bot/", 25)
    stats.sort_stats("tottime").print_stats(15)
    print(f"\nProfile of one iam-audit run (cProfile slows it down; {profile_path}):")
    print(stream.getvalue())


def generate_in_child(
    args: argparse.Namespace, work: Path, now: datetime
) -> tuple[Path, Path, str]:
    """Write the account from a child process, so this process never holds it.

    Linux starts a child's peak RSS at its parent's high-water mark (fork and exec carry it
    over), so a bench process that had built the account in memory would put a floor under every
    tool's peak-memory figure.
    """
    command = [
        sys.executable,
        "-m",
        "bench.synth",
        f"--users={args.users}",
        f"--roles={args.roles}",
        f"--groups={args.groups}",
        f"--policies={args.policies}",
        f"--seed={args.seed}",
        f"--now={now.isoformat()}",
        f"--out={work}",
    ]
    shape = getattr(args, "shape_spec", None)
    if shape is not None:
        command += [f"--distinct={shape.distinct}", f"--shape={shape.synth_shape}"]
    completed = subprocess.run(
        command, cwd=BENCH_DIR.parent, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise BenchError(f"generating the account failed: {completed.stderr.strip()[-1500:]}")
    described = completed.stdout.strip().splitlines()[-1].partition(": ")[2]
    return work / "gaad.json", work / "credential-report.csv", described


def summarise(
    args: argparse.Namespace,
    tools: list[ToolResult],
    gaad_mb: float,
    generated_in: float,
    now: datetime,
    *,
    bench_peak_mb: float = 0.0,
) -> dict[str, Any]:
    ours = tools[0]
    other = next((t for t in tools if t.name == "cloudsplaining"), None)
    before = next((t for t in tools if t.name == "iam-audit-before"), None)
    speedup = other.wall_median / ours.wall_median if other else None
    cpu_speedup = other.cpu_median / ours.cpu_median if other else None
    shape: Shape | None = getattr(args, "shape_spec", None)
    target_size = shape.size if shape else TARGET_SIZE
    speedup_min = shape.speedup if shape else TARGET_SPEEDUP
    peak_target = shape.peak_mb if shape else TARGET_PEAK_MB
    return {
        "shape": {"name": shape.name, "label": shape.label} if shape else None,
        "before": {
            "wall_s_median": round(before.wall_median, 3),
            "cpu_s_median": round(before.cpu_median, 3),
            "peak_mb_max": round(before.peak_max, 1),
            "speedup_wall": round(other.wall_median / before.wall_median, 1) if other else None,
            "same_findings": not before.details.get("differences"),
        }
        if before
        else None,
        "generated_at": now.isoformat(),
        "account": {
            "users": args.users,
            "roles": args.roles,
            "groups": args.groups,
            "customer_policies": args.policies,
            "seed": args.seed,
            "gaad_mb": round(gaad_mb, 2),
            "generated_in_s": round(generated_in, 2),
        },
        "repeat": args.repeat,
        "bench_process_peak_mb": round(bench_peak_mb, 1),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        },
        "tools": {
            tool.name: {
                "command": [Path(tool.command[0]).name, *tool.command[1:]],
                "wall_s_median": round(tool.wall_median, 3),
                "cpu_s_median": round(tool.cpu_median, 3),
                "peak_mb_max": round(tool.peak_max, 1),
                "findings": tool.findings,
                "runs": [asdict(run) for run in tool.runs],
                "details": tool.details,
            }
            for tool in tools
        },
        "speedup_wall": round(speedup, 1) if speedup else None,
        "speedup_cpu": round(cpu_speedup, 1) if cpu_speedup else None,
        "targets": {
            "apply": (args.users, args.roles, args.groups, args.policies) == target_size,
            "speedup_min": speedup_min,
            "speedup_met": None if speedup is None else speedup >= speedup_min,
            "peak_mb_max": peak_target,
            "peak_met": ours.peak_max < peak_target,
        },
    }


def render_table(result: dict[str, Any]) -> str:
    lines = [
        "",
        f"{'tool':<16}{'wall s (median)':>17}{'cpu s (median)':>16}{'peak MB':>10}{'findings':>10}",
    ]
    for name, tool in result["tools"].items():
        lines.append(
            f"{name:<16}{tool['wall_s_median']:>17.2f}{tool['cpu_s_median']:>16.2f}"
            f"{tool['peak_mb_max']:>10.1f}{tool['findings']:>10}"
        )
    targets = result["targets"]
    lines.append("")
    if result.get("shape"):
        lines.insert(0, f"== {result['shape']['name']}: {result['shape']['label']}")
    if result.get("before"):
        before = result["before"]
        ours = result["tools"]["iam-audit"]
        lines.append(
            f"iam-audit before -> now: {before['wall_s_median']:.2f} s -> "
            f"{ours['wall_s_median']:.2f} s wall, {before['peak_mb_max']:.0f} MB -> "
            f"{ours['peak_mb_max']:.0f} MB peak, findings "
            f"{'identical (timestamps ignored)' if before['same_findings'] else 'DIFFER'}"
        )
    if not targets["apply"]:
        lines.append(
            "The targets are defined for the default size of each shape;"
            " at this size the verdicts are only indicative (fixed start-up costs dominate)."
        )
    if result["speedup_wall"] is not None:
        verdict = "met" if targets["speedup_met"] else "MISSED"
        lines.append(
            f"Cloudsplaining / iam-audit: {result['speedup_wall']:.1f}x wall, "
            f"{result['speedup_cpu']:.1f}x cpu "
            f"(target >= {targets['speedup_min']:.0f}x wall: {verdict})"
        )
    else:
        lines.append("Cloudsplaining skipped: no speed ratio.")
    ours_peak = result["tools"]["iam-audit"]["peak_mb_max"]
    verdict = "met" if targets["peak_met"] else "MISSED"
    lines.append(
        f"iam-audit peak memory: {ours_peak:.1f} MB (target < {targets['peak_mb_max']:.0f} MB: "
        f"{verdict})"
    )
    machine = result["machine"]
    if machine["load_average_1m_at_end"] > (machine["cpus"] or 1):
        lines.append(
            f"Note: load average {machine['load_average_1m_at_end']} on {machine['cpus']} CPUs;"
            " wall times are inflated by other work, the CPU ratio is the steadier figure."
        )
    details = result["tools"]["iam-audit"]["details"]
    lines.append(
        f"iam-audit ran {details['checks_run']} checks, skipped {len(details['skipped'])}, "
        f"{len(details['errors'])} errors"
    )
    lines.append(
        "Findings are not comparable one to one: iam-audit counts one per (check, resource), "
        "Cloudsplaining one per (policy, risk category)."
    )
    return "\n".join(lines)


# --- command line -----------------------------------------------------------------------------


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.audit_bench",
        description="Time iam-audit's full audit against Cloudsplaining's scan on one GAAD.",
    )
    parser.add_argument(
        "--shape",
        action="append",
        choices=sorted(SHAPES),
        help="account shape to run (repeatable; default: all three)",
    )
    parser.add_argument("--users", type=non_negative_int, default=None, help="default: per shape")
    parser.add_argument("--roles", type=non_negative_int, default=None)
    parser.add_argument("--groups", type=non_negative_int, default=None)
    parser.add_argument("--policies", type=non_negative_int, default=None, help="customer-managed")
    parser.add_argument(
        "--baseline-src",
        type=Path,
        default=None,
        help="also time the `bot` package found in this directory (before/after a change)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=_positive, default=3, help="runs per tool (median)")
    parser.add_argument(
        "--skip-cloudsplaining",
        action="store_true",
        help="time only iam-audit (no virtualenv, no comparison)",
    )
    parser.add_argument(
        "--json", type=Path, default=DEFAULT_JSON, help=f"where to write figures ({DEFAULT_JSON})"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="after the measured runs, profile one more iam-audit run and print the hot spots",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="work in this directory and keep the inputs and outputs (default: a temp dir)",
    )
    return parser


def shape_args(args: argparse.Namespace, shape: Shape) -> argparse.Namespace:
    """The arguments for one shape: its default size unless sizes were given."""
    users, roles, groups, policies = shape.size
    values = vars(args).copy()
    values.update(
        users=users if args.users is None else args.users,
        roles=roles if args.roles is None else args.roles,
        groups=groups if args.groups is None else args.groups,
        policies=policies if args.policies is None else args.policies,
        shape_spec=shape,
    )
    return argparse.Namespace(**values)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.baseline_src is not None and not (args.baseline_src / "bot").is_dir():
        print(f"bench failed: no `bot` package in {args.baseline_src}", file=sys.stderr)
        return 2
    results: dict[str, dict[str, Any]] = {}
    precompile([args.baseline_src] if args.baseline_src is not None else [])
    try:
        for name in args.shape or list(SHAPES):
            one = shape_args(args, SHAPES[name])
            print(f"\n== shape {name}: {SHAPES[name].label}", flush=True)
            if args.keep:
                work = args.keep / name
                work.mkdir(parents=True, exist_ok=True)
                results[name] = run_bench(one, work)
            else:
                with tempfile.TemporaryDirectory(prefix=f"iam-audit-bench-{name}-") as work:
                    results[name] = run_bench(one, Path(work))
            print(render_table(results[name]), flush=True)
    except (BenchError, OSError, ValueError) as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 2
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"shapes": results}, indent=2) + "\n", encoding="utf-8")
    print(f"Figures written to {args.json}")
    missed = [
        name
        for name, result in results.items()
        if result["targets"]["apply"]
        and (result["targets"]["speedup_met"] is False or not result["targets"]["peak_met"])
    ]
    if missed:
        print(f"Targets missed on: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
