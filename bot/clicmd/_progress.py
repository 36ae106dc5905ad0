"""A live progress display for long CLI runs (live audits, snapshots, `--accounts`), with rich.

Shown only where a person watches: stderr is a terminal, the terminal can move the cursor
(TERM is not "dumb"), not in CI (the CI variable is set), and no `-v` logging is writing to the
same stream. Anywhere else the display is :class:`SilentProgress` and the output is exactly what
it was (the report on stdout, the one-line summary on stderr). NO_COLOR keeps the display but
drops its colours (rich reads the variable itself).

The display is transient: it disappears when the run ends, so the terminal keeps only the report
and the summary line.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Mapping
from typing import Any, Protocol, TextIO

from bot.render.grammar import plural


class Progress(Protocol):
    """What a long run reports; every method is cheap and thread-safe."""

    def stage(self, text: str) -> None: ...

    def api_call(self, service: str, operation: str) -> None: ...

    def accounts_total(self, total: int) -> None: ...

    def account_done(self, account_id: str, *, failed: bool) -> None: ...

    def close(self) -> None: ...


class SilentProgress:
    """A pipe, a file, CI, a dumb terminal or `-v`: nothing extra is written."""

    def stage(self, text: str) -> None:
        pass

    def api_call(self, service: str, operation: str) -> None:
        pass

    def accounts_total(self, total: int) -> None:
        pass

    def account_done(self, account_id: str, *, failed: bool) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> SilentProgress:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def wants_progress(
    stream: TextIO | None = None, env: Mapping[str, str] | None = None, *, verbose: int = 0
) -> bool:
    """Whether a live display belongs on ``stream`` (stderr by default)."""
    stream = stream or sys.stderr
    env = os.environ if env is None else env
    if verbose or env.get("CI") or env.get("TERM", "") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


class RichProgress:
    """Spinner, stage text, AWS calls made, accounts done of N (failures counted), elapsed."""

    def __init__(self, stream: TextIO | None = None) -> None:
        from rich.console import Console  # noqa: PLC0415 - only for a terminal
        from rich.progress import (  # noqa: PLC0415
            BarColumn,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.progress import Progress as RichDisplay  # noqa: PLC0415

        self._console = Console(file=stream or sys.stderr, stderr=stream is None)
        self._display = RichDisplay(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(bar_width=24),
            TextColumn("{task.fields[count]}"),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            console=self._console,
            transient=True,
        )
        self._lock = threading.Lock()
        self._calls = 0
        self._last_call = ""
        self._accounts = 0
        self._done = 0
        self._failed = 0
        self._stage = "starting"
        self._task = self._display.add_task("starting", total=None, detail="", count="")
        self._display.start()

    def _refresh(self) -> None:
        details = []
        if self._calls:
            details.append(f"{plural(self._calls, 'AWS call')} ({self._last_call})")
        if self._failed:
            details.append(f"{self._failed} failed")
        count = f"{self._done}/{plural(self._accounts, 'account')}" if self._accounts else ""
        self._display.update(
            self._task,
            description=self._stage,
            total=self._accounts or None,
            completed=self._done,
            count=count,
            detail="  ".join(details),
        )

    def stage(self, text: str) -> None:
        with self._lock:
            self._stage = text
            self._refresh()

    def api_call(self, service: str, operation: str) -> None:
        with self._lock:
            self._calls += 1
            self._last_call = f"{service}:{operation}"
            self._refresh()

    def accounts_total(self, total: int) -> None:
        with self._lock:
            self._accounts = total
            self._refresh()

    def account_done(self, account_id: str, *, failed: bool) -> None:
        with self._lock:
            self._done += 1
            self._failed += int(failed)
            self._refresh()

    def close(self) -> None:
        with self._lock:
            self._display.stop()

    def __enter__(self) -> RichProgress:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def terminal_progress(*, verbose: int = 0) -> RichProgress | SilentProgress:
    """The display for this run: live on a terminal, silent everywhere else."""
    if wants_progress(verbose=verbose):
        return RichProgress()
    return SilentProgress()


def watch_api_calls(session: Any, progress: Progress) -> None:
    """Count every AWS call a boto3 session makes (its event system's after-call hook), so the
    collection stage shows movement: "37 AWS calls (iam:GetAccountAuthorizationDetails)"."""

    def after_call(model: Any = None, **_kwargs: Any) -> None:
        if model is not None:
            progress.api_call(model.service_model.endpoint_prefix, model.name)

    session.events.register("after-call.*.*", after_call)
