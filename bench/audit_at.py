"""Run an iam-audit command with the clock fixed, so two runs can be compared finding by finding.

    .venv/bin/python -m bench.audit_at 2026-12-01T00:00:00Z audit --gaad gaad.json \
        --credential-report credential-report.csv --format json --output after.json
    .venv/bin/python -m bench.audit_at --src /tmp/before 2026-12-01T00:00:00Z audit ...

Findings that count days ("last used 351 days ago") change with the clock; with the same fixed
time, the JSON reports of two engines on one account must be identical (bench.compare_reports).
``--src DIR`` imports the ``bot`` package from DIR instead (e.g. a ``git archive`` of an older
commit), to compare an engine before and after a change in one session.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from datetime import datetime
from typing import NoReturn


def use_source(directory: str) -> None:
    """Import `bot` from ``directory``: drop the editable install's finder, put DIR first."""
    sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
    sys.path.insert(0, directory)
    for name in [m for m in sys.modules if m == "bot" or m.startswith("bot.")]:
        del sys.modules[name]


def main(argv: list[str]) -> int:
    if argv[:1] == ["--src"] and len(argv) > 1:
        use_source(argv[1])
        argv = argv[2:]
    if not argv:
        print("usage: python -m bench.audit_at [--src DIR] ISO-TIME iam-audit-args...")
        return 2
    try:
        moment = datetime.fromisoformat(argv[0].replace("Z", "+00:00"))
    except ValueError:
        print(f"not an ISO-8601 time: {argv[0]!r}", file=sys.stderr)
        return 2
    if moment.tzinfo is None:
        print("the time needs a zone (e.g. 2026-12-01T00:00:00Z)", file=sys.stderr)
        return 2
    from bot import cli  # noqa: PLC0415 (after --src chose where `bot` comes from)
    from bot.clicmd import _common  # noqa: PLC0415

    fixed = lambda: moment  # noqa: E731
    _common.utc_now = fixed
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("bot.") and hasattr(module, "utc_now"):
            module.utc_now = fixed
    return cli.main(argv[1:])


def exit_like_the_console_script(code: int) -> NoReturn:
    """End as ``iam-audit`` does (bot.cli.console_main): flush, then leave without freeing the
    heap object by object. Ending with sys.exit added that teardown (about a second on the
    distinct bench account) to every figure `make bench --baseline-src` took through this module,
    a second no user pays. Written here rather than imported: ``--src`` runs older checkouts'
    ``bot``, which have console_main but not this as a function of its own."""
    if threading.active_count() > 1:
        sys.exit(code)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            continue
    os._exit(code)


if __name__ == "__main__":
    exit_like_the_console_script(main(sys.argv[1:]))
