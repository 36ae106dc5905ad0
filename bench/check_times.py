"""Where an audit's time goes: loading, then each check on its own, in registry order.

    .venv/bin/python -m bench.check_times --gaad /tmp/acct/gaad.json \
        --credential-report /tmp/acct/credential-report.csv [--top 15]

Checks share caches (the permission index, the escalation search), so a check's figure is the
work it did first, not what it would cost alone: the first principal check pays for building
the effective permissions the later ones reuse. Run it under the same load as the audit it
explains; it is a guide for profiling, not a benchmark.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.audit_at import use_source


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.check_times", description=__doc__)
    parser.add_argument("--gaad", type=Path, required=True)
    parser.add_argument("--credential-report", type=Path, default=None)
    parser.add_argument("--top", type=int, default=15, help="how many checks to list")
    parser.add_argument("--src", default=None, help="import `bot` from this directory")
    args = parser.parse_args(argv)
    if args.src:
        use_source(args.src)
    # Imported here, after --src chose where `bot` comes from.
    from bot.audit.config import AuditConfig  # noqa: PLC0415
    from bot.audit.engine import (  # noqa: PLC0415
        gc_paused,
        missing_requirement,
        release_shared,
        select_checks,
    )
    from bot.audit.registry import CheckContext  # noqa: PLC0415
    from bot.clicmd._common import gaad_snapshot  # noqa: PLC0415

    now = datetime.now(UTC)
    timings: list[tuple[float, str]] = []
    with gc_paused():
        started = time.process_time()
        snapshot = gaad_snapshot(args.gaad, credential_report_path=args.credential_report, now=now)
        timings.append((time.process_time() - started, "(load the GAAD and report)"))
        context = CheckContext(snapshot=snapshot, config=AuditConfig(), now=now, shared={})
        for check in select_checks(None, AuditConfig()):
            if missing_requirement(check, snapshot):
                continue
            started = time.process_time()
            found = sum(1 for _ in check.run(context.for_check(check.meta)))
            timings.append((time.process_time() - started, f"{check.meta.id} ({found})"))
        index = context.shared.get("iam.effective_permissions")
        stats = index.stats() if index is not None else {}
        release_shared(context.shared)
    total = sum(t for t, _ in timings)
    print(f"total {total:.2f} s")
    for seconds, name in sorted(timings, reverse=True)[: args.top]:
        print(f"{seconds:8.2f} s {100 * seconds / total:5.1f}%  {name}")
    print("index:", ", ".join(f"{k} {v:,}" for k, v in stats.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
