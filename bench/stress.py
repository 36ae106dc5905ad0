"""Benchmark: iam-audit on account shapes hostile to one code path each (bench.stress_shapes).

    .venv/bin/python -m bench.stress [--shape NAME ...] [--scale 1.0] [--baseline-src DIR]
        [--timeout 600]

Each shape is generated, audited once (wall, CPU, peak RSS), and with ``--baseline-src`` audited
by that older engine too, at the same fixed clock, and the two reports compared finding by
finding. Shapes listed in ``bench.stress_shapes.REPORTS`` (takeover-report) are audited with
the credential report the shape comes with, by both engines. No Cloudsplaining here: these
shapes guard against regressions of our own (a path that was quadratic in principals x roles),
the figures go in a closing note, not a target. An engine that exceeds ``--timeout`` on a shape
is reported as such and the next shape runs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.audit_bench import BENCH_DIR, BenchError, Run, compare_in_child, measure, precompile
from bench.stress_shapes import SHAPES, build, credential_report

_NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


def audit_command(
    gaad: Path, output: Path, source: Path | None, report: Path | None = None
) -> list[str]:
    """Our audit of ``gaad`` (and ``report``, a credential report, if given) at the fixed
    clock, with the `bot` package of ``source`` if given."""
    command = [sys.executable, "-m", "bench.audit_at"]
    if source is not None:
        command += ["--src", str(source)]
    return [
        *command,
        _NOW.isoformat(),
        "audit",
        "--gaad",
        str(gaad),
        "--format",
        "json",
        "--output",
        str(output),
        *(["--credential-report", str(report)] if report is not None else []),
    ]


def _timed(command: list[str], work: Path, name: str, timeout: float) -> str:
    """One measured run as a table cell, or why there is none."""
    try:
        run = _with_timeout(command, work, name, timeout)
    except subprocess.TimeoutExpired:
        return f"over {timeout:.0f} s"
    except BenchError as exc:
        return f"failed: {str(exc).splitlines()[0]}"
    return f"{run.wall_s:7.2f} s wall {run.cpu_s:7.2f} s cpu {run.peak_mb:7.0f} MB"


def _with_timeout(command: list[str], work: Path, name: str, timeout: float) -> Run:
    # measure() waits for the child; a shape that regressed to minutes is cut off instead.
    wrapped = ["timeout", "--kill-after=10", f"{timeout:.0f}", *command]
    run = measure(
        wrapped, cwd=BENCH_DIR.parent, log_path=work / f"{name}.log", ok_codes=(0, 1, 124, 137)
    )
    if run.exit_code in (124, 137):
        raise subprocess.TimeoutExpired(command, timeout)
    return run


def run_shape(name: str, args: argparse.Namespace, work: Path) -> list[str]:
    gaad = work / f"{name}.json"
    document = build(name, scale=args.scale, seed=args.seed)
    gaad.write_text(json.dumps(document), encoding="utf-8")
    size = gaad.stat().st_size / 1e6
    report = None
    report_text = credential_report(name, document)
    if report_text is not None:
        report = work / f"{name}-credential-report.csv"
        report.write_text(report_text, encoding="utf-8")
    lines = [f"== {name} ({size:.1f} MB{', with a credential report' if report else ''})"]
    ours = work / f"{name}-ours.json"
    command = audit_command(gaad, ours, None, report)
    lines.append(f"  iam-audit         {_timed(command, work, 'ours', args.timeout)}")
    if args.baseline_src is not None:
        before = work / f"{name}-before.json"
        command = audit_command(gaad, before, args.baseline_src, report)
        cell = _timed(command, work, "before", args.timeout)
        lines.append(f"  iam-audit-before  {cell}")
        if before.exists() and ours.exists():
            differences = compare_in_child(before, ours)
            lines.append(
                "  reports: identical"
                if not differences
                else "  reports DIFFER:\n    " + "\n    ".join(differences)
            )
    return lines


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.stress", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--shape", action="append", choices=sorted(SHAPES), help="repeatable; default: all"
    )
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the principal counts")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--baseline-src", type=Path, default=None, help="also audit with the `bot` package in DIR"
    )
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds per audit (default 600)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.scale <= 0:
        print("bench.stress: --scale must be positive", file=sys.stderr)
        return 2
    if args.baseline_src is not None and not (args.baseline_src / "bot").is_dir():
        print(f"bench.stress: no `bot` package in {args.baseline_src}", file=sys.stderr)
        return 2
    precompile([args.baseline_src] if args.baseline_src is not None else [])
    differ = False
    with tempfile.TemporaryDirectory(prefix="iam-audit-stress-") as directory:
        for name in args.shape or list(SHAPES):
            lines = run_shape(name, args, Path(directory))
            differ = differ or any("DIFFER" in line for line in lines)
            print("\n".join(lines), flush=True)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
