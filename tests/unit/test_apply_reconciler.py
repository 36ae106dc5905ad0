"""The reconciliation loop: runs at start, keeps going after failures, stops on shutdown."""

from __future__ import annotations

import threading

import pytest

from bot.approvals.reconciler import ApplyReconciler
from bot.model.errors import StoreError


def test_a_store_outage_or_a_bug_postpones_the_round_and_the_loop_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outcomes: list[object] = [StoreError("Redis down"), RuntimeError("bug"), 2]
    done = threading.Event()

    def reconcile() -> int:
        outcome = outcomes.pop(0)
        if not outcomes:
            done.set()
        if isinstance(outcome, BaseException):
            raise outcome
        return int(outcome)  # type: ignore[call-overload]

    reconciler = ApplyReconciler(reconcile, interval=0.01).start()
    assert done.wait(5)
    reconciler.shutdown()
    assert "postponed: Redis down" in caplog.text
    assert "apply reconciliation failed" in caplog.text


def test_run_once_reports_how_many_were_finished() -> None:
    assert ApplyReconciler(lambda: 3).run_once() == 3
    assert ApplyReconciler(lambda: (_ for _ in ()).throw(StoreError("x"))).run_once() == 0
