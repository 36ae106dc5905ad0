"""Runs the approvals reconciliation at start-up and then periodically, in a daemon thread.

A request left `applying` (bot killed, Redis lost mid-apply) is finished from IAM's real state by
`ApprovalDesk.reconcile`, and one left `approved` (bot killed between a click's approve and its
apply) is applied, or expired when its time ran out; a pending request whose time ran out is
written down as lapsed; an end whose telling to Slack was claimed but never confirmed (its teller
died, or Slack failed) is told again. This only decides when that runs and keeps one failure from
stopping it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from bot.model.errors import IamAuditError

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS = 60.0


class ApplyReconciler:
    """Calls ``reconcile()`` now and every ``interval`` seconds until ``shutdown``."""

    def __init__(
        self, reconcile: Callable[[], int], *, interval: float = DEFAULT_INTERVAL_SECONDS
    ) -> None:
        self._reconcile = reconcile
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="apply-reconciler", daemon=True)

    def start(self) -> ApplyReconciler:
        self._thread.start()
        return self

    def run_once(self) -> int:
        try:
            finished = self._reconcile()
        except IamAuditError as exc:  # Redis down, AWS unreachable: try again next round
            log.warning("apply reconciliation postponed: %s", exc)
            return 0
        except Exception:  # a bug must not end the loop; the trace goes to the log
            log.exception("apply reconciliation failed")
            return 0
        if finished:
            log.info("reconciled %d request(s) (interrupted, lapsed or unrecorded)", finished)
        return finished

    def _run(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self._interval)

    def shutdown(self) -> None:
        self._stop.set()
